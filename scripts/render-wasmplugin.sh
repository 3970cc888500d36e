#!/usr/bin/env bash
# Renders the chart's WasmPlugin for a filter image and its digest into OUT (default
# build/istio/wasmplugin.yaml), with the chart values file VALUES if set. HELM names the helm
# binary (the Makefile sets it). The chart's schema refuses a malformed image or digest.
#   render-wasmplugin.sh IMAGE DIGEST
set -euo pipefail
image=${1:?usage: render-wasmplugin.sh IMAGE DIGEST}
digest=${2:?usage: render-wasmplugin.sh IMAGE DIGEST}
values=${VALUES:-}
out=${OUT:-build/istio/wasmplugin.yaml}
mkdir -p "$(dirname "$out")"
trap 'rm -f "$out.values.json" "$out.tmp"' EXIT
# Image and digest go in as a values file (JSON), so no character of theirs is helm --set syntax.
IMAGE_VALUE=$image DIGEST_VALUE=$digest node -e 'process.stdout.write(JSON.stringify({
  security: { enabled: false },
  wasmPlugin: { enabled: true, image: process.env.IMAGE_VALUE, digest: process.env.DIGEST_VALUE },
}))' > "$out.values.json"
"$HELM" template shadowdiff charts/shadowdiff --namespace shadowdiff ${values:+-f "$values"} -f "$out.values.json" \
  --show-only templates/filter/wasmplugin.yaml 2> >(grep -v 'found symbolic link' >&2) > "$out.tmp"
mv "$out.tmp" "$out"
