#!/usr/bin/env bash
# Runs a command in a network namespace of its own, with only loopback up: `make test-istio` runs
# the Istio tests in it. They add a bridge, a namespace per workload and iptables rules there, and
# all of it ends with the command; the machine's own network is never touched.
#   in-netns.sh COMMAND [ARG...]
set -euo pipefail
(($# > 0)) || { echo "usage: in-netns.sh COMMAND [ARG...]" >&2; exit 2; }
if [[ $(id -u) != 0 ]]; then
  echo "in-netns.sh: the Istio tests need root (uid 0, not $(id -u)): a network namespace per workload, iptables rules as istio-iptables writes them, and the agent's Wasm cache folder /var/lib/istio/data" >&2
  exit 1
fi
if ! unshare --net true 2>/dev/null; then
  echo "in-netns.sh: this machine refuses a new network namespace (unshare --net) even to root; the Istio tests need one (in a container: CAP_SYS_ADMIN and CAP_NET_ADMIN)" >&2
  exit 1
fi
exec unshare --net -- bash -c 'ip link set lo up && exec "$@"' in-netns.sh "$@"
