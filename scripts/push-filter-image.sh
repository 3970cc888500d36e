#!/usr/bin/env bash
# Pushes the filter image that `make image` built, checks that the registry holds the digest that
# was built, prints it, and renders the filter's manifests for it (scripts/render-filter.sh: the
# WasmPlugin and the gated EnvoyFilter, or the one VALUES chooses). They are rendered before the
# push, so values the chart refuses push nothing. `make push` sets the environment:
#   IMAGE     registry/repository:tag
#   MODULE    default (build/shadowdiff.wasm) or bodies (build/shadowdiff-bodies.wasm, for request_bodies)
#   VARIANT   compat (Docker manifest v2, plugin.wasm in a tar.gz layer) or oci
#   INSECURE  non-empty: plain HTTP to the registry
#   VALUES    optional chart values file for the filter; OUT the folder its manifests go to
#   VERSION   the tag the oci layout was built under; IMAGE_DIR where make image built the images;
#   CRANE, ORAS, HELM the tools
set -euo pipefail
dir=${IMAGE_DIR:-build/image}

if [[ ! ${IMAGE:-} =~ ^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]]; then
  echo "push-filter-image.sh: IMAGE must be registry/repository:tag, got \"${IMAGE:-}\"" >&2
  exit 2
fi

case ${MODULE:-} in
  default) ;;
  bodies) dir=$dir/bodies ;;
  *)
    echo "push-filter-image.sh: MODULE must be default or bodies, got \"${MODULE:-}\"" >&2
    exit 2
    ;;
esac

case ${VARIANT:-} in
  compat) built=$(<"$dir/filter.digest") ;;
  oci) built=$(<"$dir/filter-oci.digest") ;;
  *)
    echo "push-filter-image.sh: VARIANT must be compat or oci, got \"${VARIANT:-}\"" >&2
    exit 2
    ;;
esac

out=${OUT:-build/istio}
mkdir -p "$out"
rendered=$(mktemp -d "$out/.push.XXXXXX")
trap 'rm -rf "$rendered"' EXIT
OUT=$rendered "$(dirname "$0")/render-filter.sh" "$IMAGE" "$built" >/dev/null

case $VARIANT in
  compat)
    flags=(${INSECURE:+--insecure})
    "$CRANE" push "${flags[@]}" "$dir/filter.tar" "$IMAGE" >/dev/null
    pushed=$("$CRANE" digest "${flags[@]}" "$IMAGE")
    ;;
  oci)
    "$ORAS" cp --no-tty --from-oci-layout ${INSECURE:+--to-plain-http} "$dir/filter-oci:$VERSION" "$IMAGE" >/dev/null
    pushed=$("$ORAS" manifest fetch --descriptor ${INSECURE:+--plain-http} "$IMAGE" |
      node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).digest)')
    ;;
esac

if [[ $pushed != "$built" ]]; then
  echo "push-filter-image.sh: $IMAGE holds $pushed, but the image built is $built" >&2
  exit 1
fi
echo "pushed $IMAGE ($VARIANT)"
echo "digest $pushed"
for file in "$rendered"/*.yaml; do
  mv "$file" "$out/"
  echo "filter for it: $out/$(basename "$file")"
done
