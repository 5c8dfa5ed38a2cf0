#!/usr/bin/env bash
# Builds the three wasm variants (Node and web glue each) into dist/ and bundles the JS entry points.
# `build.sh wasm` or `build.sh js` builds one half, `build.sh debug` the checked builds (see below).
# WASM_EMBEDDING_DIST moves the output folder (default dist/), BUILD_DIR the CMake build folder (default
# build/), and CMAKE_ARGS adds CMake options.
set -euo pipefail
cd "$(dirname "$0")/.."

part=${1:-all}
build_dir=${BUILD_DIR:-build}
dist=${WASM_EMBEDDING_DIST:-$PWD/dist}

if [ "$part" = all ] || [ "$part" = wasm ]; then
  if [ ! -f "$build_dir/build.ninja" ]; then
    # emcmake's default emulator passes a flag Node 20 rejects.
    emcmake cmake -G Ninja -B "$build_dir" -S . \
      "-DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node;--no-experimental-fetch" "-DOUTPUT_ROOT=$dist" \
      ${CMAKE_ARGS:-} >/dev/null
  fi
  cmake --build "$build_dir"
  # The Node glue is CommonJS even when a consumer's package.json sets "type": "module".
  for folder in "$dist"/node/*/; do echo '{"type":"commonjs"}' > "$folder/package.json"; done
fi

if [ "$part" = all ] || [ "$part" = js ]; then
  node scripts/build-js.mjs
fi

# `build.sh debug` builds two checked copies of the simd backend for Node, each with its own JS bundle:
# dist-debug/ with SAFE_HEAP and ASSERTIONS=2, and dist-asan/ with AddressSanitizer. Emscripten rejects
# the two together. WASM_EMBEDDING_DEBUG_DIST and WASM_EMBEDDING_ASAN_DIST move them.
build_checked() {
  local name=$1 folder=$2 flag=$3
  if [ ! -f "$build_dir-$name/build.ninja" ]; then
    emcmake cmake -G Ninja -B "$build_dir-$name" -S . \
      "-DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node;--no-experimental-fetch" "-DOUTPUT_ROOT=$folder" \
      "-D$flag=ON" ${CMAKE_ARGS:-} >/dev/null
  fi
  cmake --build "$build_dir-$name" --target wasm_embedding_simd_node
  echo '{"type":"commonjs"}' > "$folder/node/simd/package.json"
  WASM_EMBEDDING_DIST="$folder" node scripts/build-js.mjs
}

if [ "$part" = debug ]; then
  build_checked debug "${WASM_EMBEDDING_DEBUG_DIST:-$PWD/dist-debug}" WASM_EMBEDDING_DEBUG
  build_checked asan "${WASM_EMBEDDING_ASAN_DIST:-$PWD/dist-asan}" WASM_EMBEDDING_ASAN
fi
