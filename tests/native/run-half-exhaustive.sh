#!/usr/bin/env bash
# Builds tests/native/half_exhaustive.cc with em++ twice, with SIMD128 and without, and runs each build
# with Node. Exits non-zero when a build fails or a check finds a mismatch.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# em++ links at -O1 and above run a JS optimizer that needs Debian's acorn module.
export NODE_PATH=/usr/share/nodejs

for variant in simd128 scalar; do
  if [ "$variant" = simd128 ]; then simd_flag=-msimd128; else simd_flag=-mno-simd128; fi
  em++ -std=c++17 -O2 -Wall -Wextra "$simd_flag" -I "$root/src" \
    "$root/tests/native/half_exhaustive.cc" "$root/src/half.cc" \
    -sEXIT_RUNTIME=1 -o "$out/half_exhaustive_$variant.js"
  # Node 20's global fetch rejects the file path the Emscripten 3.1.6 glue passes it for the .wasm file.
  # Without fetch, the glue reads the file with fs.
  node --no-experimental-fetch "$out/half_exhaustive_$variant.js"
done
