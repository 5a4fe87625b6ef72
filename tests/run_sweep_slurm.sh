#!/usr/bin/env bash
# iommu-sim sweep on a real one-node Slurm cluster started here (tests/slurm_cluster.sh):
# the same sweep.csv as the local backend, a failing point's exit code and message, a
# --no-wait sweep collected by its collect job, a cancelled sweep resumed (only what is
# missing runs, on either backend), a rejected job, tasks that cannot write the output
# directory. Exit 77 (skipped) when Slurm is not installed or cannot start here.
# usage: run_sweep_slurm.sh SIM SCENARIO OUT
set -u
SIM=$1 SCEN=$2 OUT=$3
source "$(dirname "$0")/slurm_cluster.sh"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
rm -rf "$OUT"
mkdir -p "$OUT"
trap slurm_stop EXIT
trap "exit 1" TERM INT  # a timeout still stops the cluster
slurm_start "$OUT/cluster" || exit $?
grid=(--vary platform.iommu.invalidation.wait=100ns,800ns --seeds 2)
# Until no job of this cluster is left in the queue (at most 120 s).
drain() {
  local i
  for i in $(seq 600); do
    [ -z "$(squeue -h)" ] && return 0
    sleep 0.2
  done
  fail "the queue did not drain: $(squeue)"
}

echo "== the same sweep on both backends"
"$SIM" sweep "$SCEN" "${grid[@]}" -j 2 -o "$OUT/local" >"$OUT/local.table" 2>"$OUT/local.err" ||
  fail "local sweep exited $?: $(cat "$OUT/local.err")"
"$SIM" sweep "$SCEN" "${grid[@]}" -j 2 --backend slurm --sbatch-arg=--time=10 -o "$OUT/slurm" \
  >"$OUT/slurm.table" 2>"$OUT/slurm.err" || fail "slurm sweep exited $?: $(cat "$OUT/slurm.err")"
cmp "$OUT/local/sweep.csv" "$OUT/slurm/sweep.csv" || fail "sweep.csv differs between the backends"
cmp "$OUT/local.table" "$OUT/slurm.table" || fail "the table differs between the backends"
grep -q "array job [0-9]* queued: 4 tasks, at most 2 at once" "$OUT/slurm.err" ||
  fail "no word of the queued job: $(cat "$OUT/slurm.err")"
grep -q "0 pending, 0 running, 4 done, 0 failed (of 4)" "$OUT/slurm.err" ||
  fail "progress did not end at 4 done: $(cat "$OUT/slurm.err")"
[ -f "$OUT/slurm/point-000-seed-1/exit_code" ] || fail "a task left no exit code"

echo "== a failing point keeps its exit code and message"
"$SIM" sweep "$SCEN" --vary devices.nic0.dma.rx.size=256,1500 --backend slurm -o "$OUT/fail" \
  >"$OUT/fail.table" 2>"$OUT/fail.err"
rc=$?
[ $rc -eq 1 ] || fail "a failing point must make the sweep exit 1, got $rc: $(cat "$OUT/fail.err")"
grep -q '^point-000,1,256,1,[^,]*check failed' "$OUT/fail/sweep.csv" ||
  fail "the failing point lost its exit code or message: $(cat "$OUT/fail/sweep.csv")"
grep -q "1 done, 1 failed (of 2)" "$OUT/fail.err" || fail "progress missed the failure"

echo "== --no-wait: the collect job reports"
"$SIM" sweep "$SCEN" "${grid[@]}" --backend slurm --no-wait -o "$OUT/nowait" \
  >"$OUT/nowait.out" 2>"$OUT/nowait.err" || fail "--no-wait exited $?: $(cat "$OUT/nowait.err")"
grep -q "collect job [0-9]* writes" "$OUT/nowait.err" || fail "no collect job: $(cat "$OUT/nowait.err")"
drain
cmp "$OUT/local/sweep.csv" "$OUT/nowait/sweep.csv" || fail "the collected sweep.csv differs"
grep -q "goodput_gbps" "$OUT/nowait/collect.log" || fail "the collect job's table is missing"
grep -q "Copyright" "$OUT/nowait/collect.log" && fail "SystemC's banner in the collect job's log"

echo "== a cancelled sweep: collect reports what is missing, a re-run runs only that"
"$SIM" sweep "$SCEN" "${grid[@]}" -j 1 --backend slurm --no-wait -o "$OUT/resume" \
  2>"$OUT/resume.err" >/dev/null || fail "--no-wait exited $?: $(cat "$OUT/resume.err")"
job=$(sed -n 's/.*array job \([0-9]*\) queued.*/\1/p' "$OUT/resume.err")
for i in $(seq 300); do  # cancelled once the first run has ended: some done, some not
  ls "$OUT"/resume/point-*/exit_code >/dev/null 2>&1 && break
  sleep 0.1
done
scancel "$job"
drain
"$SIM" sweep --collect "$OUT/resume" >"$OUT/resume.table" 2>"$OUT/resume.collect"
rc=$?
done_runs=$(ls "$OUT"/resume/point-*/exit_code 2>/dev/null | wc -l)
if [ "$done_runs" -lt 4 ]; then
  [ $rc -eq 1 ] || fail "collect of a partial sweep must exit 1, got $rc"
  grep -q "$((4 - done_runs)) of 4 runs missing" "$OUT/resume.collect" ||
    fail "collect did not name the missing runs: $(cat "$OUT/resume.collect")"
  grep -q "missing: not run" "$OUT/resume/sweep.csv" || fail "sweep.csv does not mark missing runs"
fi
for d in "$OUT"/resume/point-*; do [ -f "$d/exit_code" ] && touch "$d/kept"; done
"$SIM" sweep "$SCEN" "${grid[@]}" --backend slurm -o "$OUT/resume" >/dev/null 2>"$OUT/resume2.err" ||
  fail "the resumed sweep exited $?: $(cat "$OUT/resume2.err")"
[ "$done_runs" -eq 4 ] || grep -q "$done_runs of 4 runs already done .*; running $((4 - done_runs))" \
  "$OUT/resume2.err" || fail "the resume did not keep the $done_runs finished runs: $(cat "$OUT/resume2.err")"
[ "$(ls "$OUT"/resume/point-*/kept 2>/dev/null | wc -l)" -eq "$done_runs" ] ||
  fail "a finished run was run again"
cmp "$OUT/local/sweep.csv" "$OUT/resume/sweep.csv" || fail "the resumed sweep.csv differs"
# The other backend resumes it too: a point killed before it wrote its exit code.
rm "$OUT/resume/point-001-seed-2/exit_code"
"$SIM" sweep "$SCEN" "${grid[@]}" -o "$OUT/resume" >/dev/null 2>"$OUT/resume3.err" ||
  fail "the local resume exited $?: $(cat "$OUT/resume3.err")"
grep -q "3 of 4 runs already done .*; running 1" "$OUT/resume3.err" ||
  fail "the local resume did not run exactly the killed point: $(cat "$OUT/resume3.err")"
cmp "$OUT/local/sweep.csv" "$OUT/resume/sweep.csv" || fail "the locally resumed sweep.csv differs"

echo "== a job the cluster rejects: exit 2, no sweep left behind"
"$SIM" sweep "$SCEN" "${grid[@]}" --backend slurm --sbatch-arg=--partition=nosuch -o "$OUT/rejected" \
  >/dev/null 2>"$OUT/rejected.err"
rc=$?
[ $rc -eq 2 ] || fail "a rejected job must exit 2, got $rc"
grep -q "the cluster did not take the job.*nosuch\|the cluster did not take the job.*partition" \
  "$OUT/rejected.err" || fail "the rejection is not explained: $(cat "$OUT/rejected.err")"
[ ! -e "$OUT/rejected/sweep-plan.json" ] && [ ! -e "$OUT/rejected/sweep.csv" ] ||
  fail "a rejected sweep left a plan or a report behind"
echo "== tasks that cannot write the output directory (as on a node that does not share it)"
"$SIM" sweep "$SCEN" "${grid[@]}" --backend slurm --sbatch-arg=--uid=65534 -o "$OUT/unshared" \
  >/dev/null 2>"$OUT/unshared.err"
rc=$?
[ $rc -eq 2 ] || fail "tasks that wrote nothing must make the sweep exit 2, got $rc"
grep -q "no task of job [0-9]* wrote into the output directory: it must be on a filesystem the compute nodes share" \
  "$OUT/unshared.err" || fail "the unshared directory is not explained: $(cat "$OUT/unshared.err")"
[ ! -e "$OUT/unshared/sweep.csv" ] || fail "an unshared sweep wrote a report"
echo "ok"
