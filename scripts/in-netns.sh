#!/usr/bin/env bash
# Runs a command in a network namespace of its own, with only loopback up: `make test-istio` runs
# the Istio tests in it. They add a bridge, a namespace per workload and iptables rules there, and
# all of it ends with the command; the machine's own network is never touched. A PID namespace
# too: when the command ends, or this script is stopped, the kernel ends every process still in
# it. Temporary files go to a folder of the run's own (TMPDIR), removed at the end.
#   in-netns.sh COMMAND [ARG...]
set -euo pipefail
(($# > 0)) || { echo "usage: in-netns.sh COMMAND [ARG...]" >&2; exit 2; }
if [[ $(id -u) != 0 ]]; then
  echo "in-netns.sh: the Istio tests need root (uid 0, not $(id -u)): a network namespace per workload, iptables rules as istio-iptables writes them, and the agent's Wasm cache folder /var/lib/istio/data" >&2
  exit 1
fi
if ! unshare --net --pid --fork --mount-proc true 2>/dev/null; then
  echo "in-netns.sh: this machine refuses new network and PID namespaces (unshare) even to root; the Istio tests need them (in a container: CAP_SYS_ADMIN and CAP_NET_ADMIN)" >&2
  exit 1
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/shadowdiff-istio.XXXXXX")
# The proxies run as their own user and find their files under it.
chmod 755 "$scratch"
child=
cleanup() {
  if [[ -n $child ]]; then kill "$child" 2>/dev/null || true; wait "$child" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# --kill-child: if unshare ends, its child (the namespace's first process) is killed, and with it
# the whole PID namespace. SHADOWDIFF_NETNS names the network namespace, so that the tests can
# check they run in it.
TMPDIR=$scratch unshare --net --pid --fork --kill-child --mount-proc -- \
  bash -c 'ip link set lo up && SHADOWDIFF_NETNS=$(readlink /proc/self/ns/net) && export SHADOWDIFF_NETNS && exec "$@"' in-netns.sh "$@" &
child=$!
status=0
wait "$child" || status=$?
child=
exit "$status"
