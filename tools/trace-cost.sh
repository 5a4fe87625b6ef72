#!/usr/bin/env bash
# What tracing costs when it is off (the performance issue's target 6: under 2% of the
# instructions on the hit path), counted in instructions with callgrind, not seconds.
#
# Builds iommu-sim-bench and iommu-sim twice in Release (only those targets): tracing
# compiled in (the default, run with no sink, so each `if (trace.enabled())` is a test
# that fails) and compiled out (-DSIM_TRACE=OFF: the test is a constant and its block
# vanishes). In each build it counts, under `valgrind --tool=callgrind`:
# - the canary's own chain alone (`iommu-sim-bench --phase ours`: endpoint -> root
#   complex -> IOMMU (an IOTLB hit) -> memory, 64 B posted writes) at N/2 and N
#   transactions per repetition;
# - the IOTLB hit path: `iommu-sim run --trace none` of a scenario written here, one
#   device's 64 B writes through the IOMMU over 16 pages the IOTLB holds (dirty tracking
#   on: every write after a page's first hits a dirty-known entry), for 1 ms and 2 ms
#   of simulated time.
# The difference of the totals over the extra transactions (TLPs) is the cost of one,
# free of start-up and elaboration. Both builds must give the same stats (checked).
# Prints one JSON object.
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
  cmake --build "$1" --target iommu-sim-bench iommu-sim -j "$jobs" >"$work/build.log" 2>&1 ||
    { tail -40 "$work/build.log" >&2; die "building iommu-sim-bench and iommu-sim in $1 failed"; }
}

total_of() {  # callgrind's instruction total in FILE
  local total
  total=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p; s/^summary: *\([0-9]*\).*/\1/p' "$1" | head -1)
  [ -n "$total" ] || die "no instruction total in callgrind's output $1"
  echo "$total"
}

stat_of() {  # STATS_JSON NAME: the statistic's value
  grep -A1 "\"$2\"" "$1" | sed -n 's/.*"value": *\([0-9]*\).*/\1/p'
}

# The canary's ours phase at N transactions per repetition: "INSTRUCTIONS REPETITIONS".
count_canary() {  # DIR N TAG
  local out="$work/callgrind.$3" log="$work/valgrind.$3" json="$work/json.$3"
  valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$1/iommu-sim-bench" --phase ours --transactions "$2" >"$json" 2>"$log" ||
    { tail -20 "$log" >&2; die "$1/iommu-sim-bench --phase ours failed under callgrind"; }
  grep -q '"canary_phase": "ours"' "$json" ||
    die "$1/iommu-sim-bench printed no ours-phase figures: $(cat "$json")"
  local reps
  reps=$(sed -n 's/.*"repetitions": *\([0-9]*\).*/\1/p' "$json")
  [ -n "$reps" ] && [ "$reps" -gt 0 ] || die "no repetition count in the bench's JSON"
  echo "$(total_of "$out") $reps"
}

cat >"$work/hits.yaml" <<'YAML'
# trace-cost.sh's hit path: 64 B writes to 16 mapped pages, IOTLB hits after the first.
version: 1
name: trace-cost-hits
seed: 1
sim: {end: 1ms}
output: {trace: none, timeseries_bucket: 0}
devices:
  - name: dev0
    bdf: "01:00.0"
    dma:
      - {name: w, op: write, region: {iova: 0x0, length: 64KiB}, size: 64, pattern: sequential,
         rate: max, start: 1us}
host:
  memory: [{name: guest, size: 64KiB, backing: 4KiB}]
  setup:
    - {op: ioas_alloc, id: ioas0}
    - {op: hwpt_alloc, id: hwpt0, ioas: ioas0, dirty_tracking: true}
    - {op: attach, device: dev0, hwpt: hwpt0}
    - {op: ioas_map, ioas: ioas0, iova: 0, user: guest, length: 64KiB}
  steps:
    - {at: 100ns, op: set_dirty_tracking, hwpt: hwpt0, enable: true}
YAML

# The hit path at END of simulated time: "INSTRUCTIONS TLPS"; its outputs in $work/TAG.
count_hits() {  # DIR END TAG
  local out="$work/callgrind.$3" log="$work/valgrind.$3"
  valgrind --tool=callgrind --callgrind-out-file="$out" "$1/iommu-sim" run "$work/hits.yaml" \
    --set sim.end="$2" --trace none -o "$work/$3" >/dev/null 2>"$log" ||
    { tail -20 "$log" >&2; die "$1/iommu-sim run of the hit-path scenario failed under callgrind"; }
  local tlps misses
  tlps=$(stat_of "$work/$3/stats.json" dev.dev0.tlps)
  misses=$(stat_of "$work/$3/stats.json" iommu.iotlb.misses)
  [ -n "$tlps" ] && [ -n "$misses" ] || die "no TLP or IOTLB miss count in $work/$3/stats.json"
  # One miss per page, then hits only.
  [ "$misses" -le 16 ] || die "the hit-path scenario missed the IOTLB $misses times in $tlps TLPs"
  echo "$(total_of "$out") $tlps"
}

per() {  # LARGE SMALL COUNT: instructions per unit, one decimal
  awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { printf "%.1f", (a - b) / t }'
}

build "$on_dir" ON
build "$off_dir" OFF

declare -A canary hit
for kind in on off; do
  dir=$on_dir
  [ $kind = off ] && dir=$off_dir
  echo "trace-cost: counting $dir's canary at $half and $n transactions per repetition" >&2
  # (an assignment, so that a failure inside exits the script)
  r=$(count_canary "$dir" "$half" "$kind-small")
  read -r small reps <<<"$r"
  r=$(count_canary "$dir" "$n" "$kind-large")
  read -r large reps <<<"$r"
  [ "$large" -gt "$small" ] || die "$dir: $n transactions counted no more instructions than $half"
  canary[$kind]=$(per "$large" "$small" $(((n - half) * reps)))
  echo "trace-cost: counting $dir's hit path at 1 ms and 2 ms" >&2
  r=$(count_hits "$dir" 1ms "$kind-hits-1ms")
  read -r i1 t1 <<<"$r"
  r=$(count_hits "$dir" 2ms "$kind-hits-2ms")
  read -r i2 t2 <<<"$r"
  [ "$t2" -gt "$t1" ] && [ "$i2" -gt "$i1" ] || die "$dir: 2 ms counted no more than 1 ms"
  hit[$kind]=$(per "$i2" "$i1" $((t2 - t1)))
  hit_tlps="$t1, $t2"
done
cmp -s "$work/on-hits-2ms/stats.json" "$work/off-hits-2ms/stats.json" ||
  die "the hit path's stats differ between the builds: compiling tracing out changed a result"

awk -v con="${canary[on]}" -v coff="${canary[off]}" -v hon="${hit[on]}" -v hoff="${hit[off]}" \
  -v n="$n" -v h="$half" -v tlps="$hit_tlps" 'BEGIN {
  c = con / coff - 1; p = hon / hoff - 1
  printf "{\"trace_cost\": \"instructions, tracing compiled in but off vs compiled out, callgrind\", "
  printf "\"canary_transactions\": [%d, %d], \"canary_per_tx_trace_in\": %s, ", h, n, con
  printf "\"canary_per_tx_trace_out\": %s, \"canary_overhead\": %.4f, ", coff, c
  printf "\"hit_path_tlps\": [%s], \"hit_path_per_tlp_trace_in\": %s, ", tlps, hon
  printf "\"hit_path_per_tlp_trace_out\": %s, \"hit_path_overhead\": %.4f, ", hoff, p
  printf "\"target_overhead\": 0.02, \"meets_target\": %s}\n", (c < 0.02 && p < 0.02) ? "true" : "false"
}'
