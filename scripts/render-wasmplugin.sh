#!/usr/bin/env bash
# Renders the chart's WasmPlugin for a filter image and its digest into OUT (default
# build/istio/wasmplugin.yaml). HELM names the helm binary (the Makefile sets it).
#   render-wasmplugin.sh IMAGE DIGEST [VALUES-FILE]
set -euo pipefail
image=${1:?usage: render-wasmplugin.sh IMAGE DIGEST [VALUES-FILE]}
digest=${2:?usage: render-wasmplugin.sh IMAGE DIGEST [VALUES-FILE]}
values=${3:-}
out=${OUT:-build/istio/wasmplugin.yaml}
mkdir -p "$(dirname "$out")"
"$HELM" template shadowdiff charts/shadowdiff --namespace shadowdiff ${values:+-f "$values"} \
  --set security.enabled=false --set wasmPlugin.enabled=true \
  --set-string wasmPlugin.image="$image" --set-string wasmPlugin.digest="$digest" \
  --show-only templates/filter/wasmplugin.yaml 2> >(grep -v 'found symbolic link' >&2) > "$out.tmp"
mv "$out.tmp" "$out"
