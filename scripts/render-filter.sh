#!/usr/bin/env bash
# Renders the chart's filter for a filter image and its digest into the folder OUT (default
# build/istio): wasmplugin.yaml (Istio's WasmPlugin) and gated-envoyfilter.yaml (the same filter
# behind the native gate), both, or only the one the chart values file VALUES chooses with
# filter.mode. Apply one, never both. MODULE says which module the image holds: default or bodies
# (build/shadowdiff-bodies.wasm, for request_bodies); VALUES may name it too, as filter.module, but
# never another. HELM names the helm binary (the Makefile sets it). The chart refuses a malformed
# image or digest, or values a mode or module cannot take; then nothing is written.
#   render-filter.sh IMAGE DIGEST
set -euo pipefail
image=${1:?usage: render-filter.sh IMAGE DIGEST}
digest=${2:?usage: render-filter.sh IMAGE DIGEST}
values=${VALUES:-}
module=${MODULE:-default}
[[ $module == default || $module == bodies ]] || { echo "render-filter.sh: MODULE must be default or bodies, got \"$module\"" >&2; exit 2; }
out=${OUT:-build/istio}
mkdir -p "$out"
work=$(mktemp -d "$out/.render.XXXXXX")
trap 'rm -rf "$work"' EXIT

declare -A files=([wasmplugin]=wasmplugin.yaml [gate]=gated-envoyfilter.yaml)
modes=(wasmplugin gate)
if [[ -n $values ]]; then
  # filter.KEY in the values file, or nothing.
  value() {
    KEY=$1 VALUES_FILE=$values node -e 'const values = require("yaml").parse(require("fs").readFileSync(process.env.VALUES_FILE, "utf8"));
      process.stdout.write(String(values?.filter?.[process.env.KEY] ?? ""))'
  }
  named=$(value module)
  if [[ -n $named && $named != "$module" ]]; then
    echo "render-filter.sh: $values: filter.module is \"$named\", but the image is the $module module's (MODULE=$module); give MODULE=$named with that module's image" >&2
    exit 2
  fi
  chosen=$(value mode)
  if [[ -n $chosen ]]; then
    [[ -n ${files[$chosen]:-} ]] || { echo "render-filter.sh: $values: filter.mode must be wasmplugin or gate, got \"$chosen\"" >&2; exit 2; }
    modes=("$chosen")
  fi
fi

for mode in "${modes[@]}"; do
  # Image and digest go in as a values file (JSON), so no character of theirs is helm --set syntax.
  IMAGE_VALUE=$image DIGEST_VALUE=$digest MODE=$mode MODULE=$module node -e 'const { IMAGE_VALUE: image, DIGEST_VALUE: digest, MODE: mode, MODULE: module } = process.env;
    process.stdout.write(JSON.stringify({
      security: { enabled: false },
      filter: { enabled: true, mode, module, ...(module === "bodies" ? { bodiesImage: image, bodiesDigest: digest } : { image, digest }) },
    }))' > "$work/values.json"
  "$HELM" template shadowdiff charts/shadowdiff --namespace shadowdiff ${values:+-f "$values"} -f "$work/values.json" \
    --show-only "templates/filter/${files[$mode]}" 2> >(grep -v 'found symbolic link' >&2) > "$work/${files[$mode]}"
done
for mode in "${modes[@]}"; do
  mv "$work/${files[$mode]}" "$out/"
  echo "$out/${files[$mode]}"
done
