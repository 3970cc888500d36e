#!/bin/sh
# The release modules: build/shadowdiff.wasm (assembly/index.ts) and build/shadowdiff-bodies.wasm
# (assembly/index-bodies.ts, which also receives request bodies). Each is asc's release target, then
# Binaryen's wasm-opt -Oz over it once more (AssemblyScript's own Binaryen), which folds and inlines
# what asc's pipeline leaves: the 64 KiB bound needs it.
set -eu
for module in index:shadowdiff index-bodies:shadowdiff-bodies; do
  entry="assembly/${module%%:*}.ts"
  out="build/${module#*:}.wasm"
  npx asc "$entry" --target release --outFile "$out"
  npx wasm-opt "$out" -Oz --converge --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
    --enable-mutable-globals -o "$out"
done
