#!/usr/bin/env bash
# Configures and builds into build/ (Release by default). Extra args go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cmake -S . -B "${BUILD_DIR:-build}" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" "$@" >/dev/null
cmake --build "${BUILD_DIR:-build}" -j "$(nproc)"
