#!/usr/bin/env bash
# Regenerates traces/: a stats golden for every scenario, a trace golden for each
# whose trace is at most 1 MB. Review `git diff traces/` and say why in the commit.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
mkdir -p traces
for s in scenarios/*.yaml scenarios/*/*.yaml; do
  [ -f "$s" ] || continue
  grep -q '^sweep:' "$s" && continue
  rel=${s#scenarios/}; flat=${rel%.yaml}; flat=${flat//\//__}
  out=build/golden-out/$flat
  rm -rf "$out"
  rc=0; build/iommu-sim run "$s" -o "$out" --trace text >/dev/null || rc=$?
  [ $rc -eq 0 ] || echo "warning: $s exited $rc" >&2
  cp "$out/stats.json" "traces/$flat.stats.json"
  if [ "$(stat -c %s "$out/trace.txt")" -le 1048576 ]; then
    cp "$out/trace.txt" "traces/$flat.trace.txt"
  else
    rm -f "traces/$flat.trace.txt"
  fi
  echo "updated traces/$flat"
done
