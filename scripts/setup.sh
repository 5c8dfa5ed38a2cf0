#!/usr/bin/env bash
# Installs what building and testing need on a fresh Debian machine, skipping what is already there.
# Debian's packages (Emscripten, binaryen, wabt, CMake, Ninja and, unless WASM_EMBEDDING_BROWSER=0,
# Chromium) come through apt-get as root. Other users get the apt-get command to run. Then npm installs
# the dev dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=()
command -v emcc >/dev/null 2>&1 || apt_packages+=(emscripten binaryen)
command -v wasm-objdump >/dev/null 2>&1 || apt_packages+=(wabt)
command -v cmake >/dev/null 2>&1 || apt_packages+=(cmake)
command -v ninja >/dev/null 2>&1 || apt_packages+=(ninja-build)
if [ "${WASM_EMBEDDING_BROWSER:-1}" = 1 ] && [ ! -x /usr/bin/chromium ]; then apt_packages+=(chromium); fi

if [ ${#apt_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${apt_packages[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
  else
    echo "setup: missing Debian packages; run as root:" >&2
    echo "  apt-get update && apt-get install -y ${apt_packages[*]}" >&2
    exit 1
  fi
fi

# npm ci when the lock file is newer than the installed tree, or nothing is installed yet.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi
