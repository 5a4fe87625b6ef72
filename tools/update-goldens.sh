#!/usr/bin/env bash
# Regenerates traces/: a stats golden for every scenario, a trace golden for each
# whose trace is at most 1 MB (stats and trace from separate runs: tracing changes no
# statistic). Review `git diff traces/` and say why in the commit.
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
  rm -rf "$out" "$out.trace"
  rc=0; build/iommu-sim run "$s" -o "$out" --trace none >/dev/null || rc=$?
  [ $rc -eq 0 ] || echo "warning: $s exited $rc" >&2
  cp "$out/stats.json" "traces/$flat.stats.json"
  # The trace run may write at most 2 MB a file (SIGXFSZ past it): a long scenario's
  # text trace would be gigabytes, and only traces of at most 1 MB become goldens. A
  # run stopped there exits otherwise than the stats run: no trace golden.
  trc=0; (ulimit -f 2048; build/iommu-sim run "$s" -o "$out.trace" --trace text) \
    >/dev/null 2>&1 || trc=$?
  if [ $trc -eq $rc ] && [ -f "$out.trace/trace.txt" ] &&
     [ "$(stat -c %s "$out.trace/trace.txt")" -le 1048576 ]; then
    cp "$out.trace/trace.txt" "traces/$flat.trace.txt"
  else
    rm -f "traces/$flat.trace.txt"
  fi
  echo "updated traces/$flat"
done
