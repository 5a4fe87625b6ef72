#!/usr/bin/env bash
# Sets up, builds, and runs the default scenario (prints its summary).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
exec build/iommu-sim run scenarios/quickstart.yaml -o out/quickstart
