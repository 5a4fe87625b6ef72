#!/usr/bin/env bash
# Sets up, builds (Release), and runs every test: core unit tests, TLM module tests,
# scenario runs, stats and trace goldens, bad-input corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
ctest --test-dir "${BUILD_DIR:-build}" -j "$(nproc)" --output-on-failure
