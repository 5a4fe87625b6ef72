#!/usr/bin/env bash
# Randomized migration properties beyond CI's 30 cases: `tools/properties.sh --long`
# runs 1000 (or `--cases N`, `--first K` to continue elsewhere). Builds first.
set -euo pipefail
cd "$(dirname "$0")/.."
cases=30 first=1
while [ $# -gt 0 ]; do
  case "$1" in
    --long) cases=1000 ;;
    --cases) cases="$2"; shift ;;
    --first) first="$2"; shift ;;
    *) echo "usage: tools/properties.sh [--long] [--cases N] [--first K]" >&2; exit 2 ;;
  esac
  shift
done
bash tools/build.sh >/dev/null
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
cmake -DSIM=build/iommu-sim -DSCENARIO=scenarios/migration-quick.yaml -DCASES="$cases" \
      -DFIRST="$first" -DOUT=build/properties-long -P tests/run_migration_properties.cmake
