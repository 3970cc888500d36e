#!/usr/bin/env bash
# Pushes the filter image that `make image` built, checks that the registry holds the digest that
# was built, and prints it. CRANE and ORAS name the tools (the Makefile sets them).
#   push-filter-image.sh IMAGE compat|oci VERSION [insecure]
set -euo pipefail
image=${1:?usage: push-filter-image.sh IMAGE compat|oci VERSION [insecure]}
variant=$2 version=$3 insecure=${4:-}
dir=build/image

case $variant in
  compat)
    flags=(${insecure:+--insecure})
    "$CRANE" push "${flags[@]}" "$dir/filter.tar" "$image" >/dev/null
    built=$(<"$dir/filter.digest")
    pushed=$("$CRANE" digest "${flags[@]}" "$image")
    ;;
  oci)
    flags=(${insecure:+--plain-http})
    "$ORAS" cp --no-tty --from-oci-layout ${insecure:+--to-plain-http} "$dir/filter-oci:$version" "$image" >/dev/null
    built=$(<"$dir/filter-oci.digest")
    pushed=$("$ORAS" manifest fetch --descriptor "${flags[@]}" "$image" |
      node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).digest)')
    ;;
  *)
    echo "push-filter-image.sh: VARIANT must be compat or oci, got \"$variant\"" >&2
    exit 2
    ;;
esac

if [[ $pushed != "$built" ]]; then
  echo "push-filter-image.sh: $image holds $pushed, but the image built is $built" >&2
  exit 1
fi
echo "pushed $image ($variant)"
echo "digest $pushed"
