#!/usr/bin/env bash
# Pushes the filter image that `make image` built, checks that the registry holds the digest that
# was built, prints it, and renders the WasmPlugin for it. `make push` sets the environment:
#   IMAGE     registry/repository:tag
#   VARIANT   compat (Docker manifest v2, plugin.wasm in a tar.gz layer) or oci
#   INSECURE  non-empty: plain HTTP to the registry
#   VALUES    optional chart values file for the WasmPlugin; OUT where it goes
#   VERSION   the tag the oci layout was built under; CRANE, ORAS, HELM the tools
set -euo pipefail
dir=build/image

if [[ ! ${IMAGE:-} =~ ^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]]; then
  echo "push-filter-image.sh: IMAGE must be registry/repository:tag, got \"${IMAGE:-}\"" >&2
  exit 2
fi

case ${VARIANT:-} in
  compat)
    flags=(${INSECURE:+--insecure})
    "$CRANE" push "${flags[@]}" "$dir/filter.tar" "$IMAGE" >/dev/null
    built=$(<"$dir/filter.digest")
    pushed=$("$CRANE" digest "${flags[@]}" "$IMAGE")
    ;;
  oci)
    "$ORAS" cp --no-tty --from-oci-layout ${INSECURE:+--to-plain-http} "$dir/filter-oci:$VERSION" "$IMAGE" >/dev/null
    built=$(<"$dir/filter-oci.digest")
    pushed=$("$ORAS" manifest fetch --descriptor ${INSECURE:+--plain-http} "$IMAGE" |
      node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).digest)')
    ;;
  *)
    echo "push-filter-image.sh: VARIANT must be compat or oci, got \"${VARIANT:-}\"" >&2
    exit 2
    ;;
esac

if [[ $pushed != "$built" ]]; then
  echo "push-filter-image.sh: $IMAGE holds $pushed, but the image built is $built" >&2
  exit 1
fi
echo "pushed $IMAGE ($VARIANT)"
echo "digest $pushed"
"$(dirname "$0")/render-wasmplugin.sh" "$IMAGE" "$pushed"
echo "WasmPlugin for it: ${OUT:-build/istio/wasmplugin.yaml}"
