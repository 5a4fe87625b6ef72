#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for SECONDS (default 60),
# starting from the seed corpora in tests/fuzz/corpus/. Crashes are saved in
# build-fuzz/crashes/<target>/; turn each into a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
bash tools/setup.sh --ci
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIM_FUZZ=ON >/dev/null
cmake --build build-fuzz --target fuzzers -j "$(nproc)"
export ASAN_OPTIONS=detect_leaks=0
status=0
for t in scenario_loader iova_bitmap host_ops replay_trace; do
  corpus=build-fuzz/corpus/$t
  mkdir -p "$corpus" "build-fuzz/crashes/$t"
  cp -n tests/fuzz/corpus/$t/* "$corpus"/ 2>/dev/null || true
  echo "== fuzz $t for ${seconds}s"
  dict=()
  [[ -f tests/fuzz/$t.dict ]] && dict=(-dict="tests/fuzz/$t.dict")
  if ! build-fuzz/fuzz_$t "${dict[@]}" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="build-fuzz/crashes/$t/" "$corpus" 2>build-fuzz/fuzz_$t.log; then
    tail -40 build-fuzz/fuzz_$t.log
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss" build-fuzz/fuzz_$t.log || true
done
exit $status
