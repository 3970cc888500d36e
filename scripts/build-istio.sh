#!/usr/bin/env bash
# Builds Istio's control plane and node agent for the Istio tests (make test-istio), from the Go
# module proxy, into OUT:
#   pilot-discovery       istiod, with PATCH applied (it runs from files, without Kubernetes)
#   pilot-agent           istio-agent, unmodified (it also carries istio-iptables)
#   envoy_bootstrap.json  the agent's bootstrap template, from the same module
#   build-istio.sh VERSION PATCH OUT
set -euo pipefail
version=${1:?usage: build-istio.sh VERSION PATCH OUT}
patch_file=$(realpath "${2:?usage: build-istio.sh VERSION PATCH OUT}")
out=${3:?usage: build-istio.sh VERSION PATCH OUT}
mkdir -p "$out"
out=$(realpath "$out")

module=$(go mod download -json "istio.io/istio@$version" | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).Dir)')

# The module cache is read-only: patch a copy, build from it, drop it.
work=$(mktemp -d "$out/.src.XXXXXX")
trap 'chmod -R u+w "$work" && rm -rf "$work"' EXIT
cp -R "$module/." "$work"
chmod -R u+w "$work"
(cd "$work" && patch -p1 --quiet --forward < "$patch_file")
(cd "$work" && go build -trimpath -o "$out/pilot-discovery.new" ./pilot/cmd/pilot-discovery)

GOBIN="$work/bin" go install -trimpath "istio.io/istio/pilot/cmd/pilot-agent@$version"
install -m 0644 "$module/tools/packaging/common/envoy_bootstrap.json" "$out/envoy_bootstrap.json"
mv "$work/bin/pilot-agent" "$out/pilot-agent"
mv "$out/pilot-discovery.new" "$out/pilot-discovery"
