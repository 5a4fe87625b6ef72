#!/usr/bin/env bash
# What tracing costs when it is off (the performance issue's target 6: under 2% of the
# instructions on the hit path), counted in instructions with callgrind, not seconds.
#
# Builds iommu-sim-bench twice in Release (only that target): tracing compiled in (the
# default, run with no sink, so each `if (trace.enabled())` is a test that fails) and
# compiled out (-DSIM_TRACE=OFF: the test is a constant and its block vanishes). Each
# runs the canary's own chain alone (`--phase ours`: endpoint -> root complex -> IOMMU
# -> memory, 64 B posted writes) under `valgrind --tool=callgrind` at two transaction
# counts; the difference of the totals over the extra transactions is the cost of one
# transaction, free of start-up and elaboration. Prints one JSON object.
#
# usage: tools/trace-cost.sh [--transactions N]   (N per repetition, default 20000;
#        the shorter run does N/2). Build dirs: TRACE_ON_DIR, TRACE_OFF_DIR
#        (default build-trace-on, build-trace-off); JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1

die() {
  echo "trace-cost: $*" >&2
  exit 2
}

n=20000
while [ $# -gt 0 ]; do
  case "$1" in
    --transactions)
      [ $# -ge 2 ] || die "--transactions needs a count"
      n=$2
      shift 2
      ;;
    *) die "unknown argument '$1' (usage: tools/trace-cost.sh [--transactions N])" ;;
  esac
done
[[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 2 ] || die "--transactions: expected a count of at least 2, got '$n'"
half=$((n / 2))

command -v valgrind >/dev/null ||
  die "valgrind is not installed (Debian: apt-get install valgrind); the cost is counted with callgrind"
valgrind --tool=callgrind --version >/dev/null 2>&1 || die "valgrind has no working callgrind tool"
command -v cmake >/dev/null || die "cmake is not installed (run tools/setup.sh)"
command -v ninja >/dev/null || die "ninja is not installed (run tools/setup.sh)"

on_dir=${TRACE_ON_DIR:-build-trace-on}
off_dir=${TRACE_OFF_DIR:-build-trace-off}
jobs=${JOBS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

build() {  # DIR ON|OFF
  echo "trace-cost: building $1 (SIM_TRACE=$2)" >&2
  cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSIM_TRACE="$2" >"$work/cmake.log" 2>&1 ||
    { cat "$work/cmake.log" >&2; die "cmake failed for $1"; }
  cmake --build "$1" --target iommu-sim-bench -j "$jobs" >"$work/build.log" 2>&1 ||
    { tail -40 "$work/build.log" >&2; die "building iommu-sim-bench in $1 failed"; }
}

# Callgrind's instruction total for the ours phase at N transactions per repetition.
count() {  # DIR N TAG
  local out="$work/callgrind.$3" log="$work/valgrind.$3" json="$work/json.$3"
  valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$1/iommu-sim-bench" --phase ours --transactions "$2" >"$json" 2>"$log" ||
    { tail -20 "$log" >&2; die "$1/iommu-sim-bench --phase ours failed under callgrind"; }
  grep -q '"canary_phase": "ours"' "$json" ||
    die "$1/iommu-sim-bench printed no ours-phase figures: $(cat "$json")"
  local total
  total=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p; s/^summary: *\([0-9]*\).*/\1/p' "$out" | head -1)
  [ -n "$total" ] || die "no instruction total in callgrind's output for $1"
  echo "$total"
}

reps_of() {  # the bench's repetitions, from its JSON
  sed -n 's/.*"repetitions": *\([0-9]*\).*/\1/p' "$work/json.$1"
}

build "$on_dir" ON
build "$off_dir" OFF

declare -A per
for kind in on off; do
  dir=$on_dir
  [ $kind = off ] && dir=$off_dir
  echo "trace-cost: counting $dir at $half and $n transactions per repetition" >&2
  small=$(count "$dir" "$half" "$kind-small")
  large=$(count "$dir" "$n" "$kind-large")
  reps=$(reps_of "$kind-large")
  [ -n "$reps" ] && [ "$reps" -gt 0 ] || die "no repetition count in the bench's JSON"
  [ "$large" -gt "$small" ] || die "$dir: $n transactions counted no more instructions than $half"
  per[$kind]=$(awk -v a="$large" -v b="$small" -v t="$(((n - half) * reps))" \
    'BEGIN { printf "%.1f", (a - b) / t }')
done

awk -v on="${per[on]}" -v off="${per[off]}" -v n="$n" -v h="$half" 'BEGIN {
  printf "{\"trace_cost\": \"instructions per 64B posted write, canary ours phase, callgrind\", "
  printf "\"transactions\": [%d, %d], \"instructions_per_tx_trace_in\": %s, ", h, n, on
  printf "\"instructions_per_tx_trace_out\": %s, \"ratio\": %.4f, \"overhead\": %.4f, ", off, on / off, on / off - 1
  printf "\"target_overhead\": 0.02, \"meets_target\": %s}\n", (on / off - 1 < 0.02) ? "true" : "false"
}'
