#!/usr/bin/env bash
# Hostile and malformed inputs, run against an iommu-sim binary, each classified:
#   ok        a clean exit 2 whose message holds the expected text (or a correct run)
#   misleading exit 2, but the message lacks the expected text
#   accepted  nonsense that ran (exit 0/1) where an error was expected
#   crash     exit 3 or a signal
#   hang      over the time limit (20 s)
#   blowup    over the memory limit (3 GiB) or bad_alloc
#   escape    a file written outside the output folder
# usage: tools/hostile-inputs.sh path/to/iommu-sim [filter]
# Prints one line per case and a tally per class. Every case runs in a scratch folder.
set -u
SIM=$(realpath "$1")
FILTER=${2:-}
ROOT=$(mktemp -d /tmp/hostile.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT
cd "$ROOT"
mkdir in
declare -A tally

base='version: 1
sim: {end: 10us}
devices:
  - {name: nic0, bdf: "01:00.0"}'
scen() {  # scen FILE NAME-LINE [MORE YAML]: a small valid scenario with changes
  local f=in/$1
  shift
  printf '%s\n%s\n' "$1" "$base" >"$f"
  shift
  for x in "$@"; do printf '%s\n' "$x" >>"$f"; done
}

# run_case NAME EXPECT(error|run) TEXT -- ARGS...
run_case() {
  local name=$1 expect=$2 text=$3
  shift 4
  [[ -n "$FILTER" && "$name" != *$FILTER* ]] && return
  local dir=$ROOT/run/$name
  mkdir -p "$dir/cwd"
  (cd "$dir/cwd" && ulimit -v 3145728 && timeout -s KILL 20 "$SIM" "$@" >../stdout 2>../stderr </dev/null)
  local rc=$?
  local cls
  local err
  err=$(cat "$dir/stderr")
  if [[ $rc -eq 137 ]]; then
    cls=hang
    grep -q "bad_alloc\|std::length_error" "$dir/stderr" && cls=blowup
  elif grep -q "bad_alloc\|std::length_error\|cannot allocate" "$dir/stderr"; then
    cls=blowup
  elif [[ $rc -ge 3 ]]; then
    cls=crash
  elif [[ -n "$(ls -A "$dir" | grep -v '^cwd$\|^stdout$\|^stderr$')" ]]; then
    cls=escape
  elif [[ -n "$(cd "$dir/cwd" && ls -A | grep -v '^out$\|^keep')" ]]; then
    cls=escape
  elif [[ -d "$dir/cwd/out" && -n "$(find "$dir/cwd/out" -maxdepth 1 -type f)" ]]; then
    cls=escape
  elif [[ $expect == error ]]; then
    if [[ $rc -eq 2 ]]; then
      if [[ "$err" == *"$text"* ]]; then cls=ok; else cls=misleading; fi
    else
      cls=accepted
    fi
  else
    local all
    all=$(cat "$dir/stdout" "$dir/stderr")
    if [[ $rc -le 1 && "$all" == *"$text"* ]]; then cls=ok; else cls=misleading; fi
  fi
  tally[$cls]=$((${tally[$cls]:-0} + 1))
  printf '%-11s %-34s exit %-3s %s\n' "$cls" "$name" "$rc" "$(grep -v '^ran \|^$' "$dir/stderr" | head -1 | cut -c1-110)"
}
E() { run_case "$1" error "$2" -- "${@:3}"; }  # E NAME TEXT ARGS...: must be refused
R() { run_case "$1" run "$2" -- "${@:3}"; }    # R NAME TEXT ARGS...: must run

I=$ROOT/in
# --- output names -----------------------------------------------------------------
scen name-root.yaml 'name: /'
scen name-absolute.yaml "name: $ROOT/abs"
scen name-dotdot-escape.yaml 'name: ../escape'
scen name-dot.yaml 'name: .'
scen name-dotdot.yaml 'name: ..'
scen name-nested.yaml 'name: a/b'
scen name-empty.yaml 'name: ""'
scen name-list.yaml 'name: [a]'
scen name-long.yaml "name: $(printf 'x%.0s' {1..300})"
scen name-dash.yaml 'name: -rf'
scen name-hidden.yaml 'name: .hidden'
printf 'name: "\xff\xfe"\n%s\n' "$base" >$I/name-non-utf8.yaml
printf 'name: "caf\xc3\xa9"\n%s\n' "$base" >$I/name-utf8.yaml
scen name-backslash.yaml 'name: "a\\b"'
E name-root "name: expected a plain file name" run $I/name-root.yaml
E name-absolute "name: expected a plain file name" run $I/name-absolute.yaml
E name-dotdot-escape "name: expected a plain file name" run $I/name-dotdot-escape.yaml
E name-dot "name: expected a plain file name" run $I/name-dot.yaml
E name-dotdot "name: expected a plain file name" run $I/name-dotdot.yaml
E name-nested "name: expected a plain file name" run $I/name-nested.yaml
E name-empty "name:" run $I/name-empty.yaml
E name-list "name: expected text" run $I/name-list.yaml
E name-long "name: expected a plain file name" run $I/name-long.yaml
E name-dash "name: expected a plain file name" run $I/name-dash.yaml
E name-hidden "name: expected a plain file name" run $I/name-hidden.yaml
E name-non-utf8 "name-non-utf8.yaml:1:8: not UTF-8" run $I/name-non-utf8.yaml
R name-utf8 "" run $I/name-utf8.yaml --trace none
E name-backslash "name: expected a plain file name" run $I/name-backslash.yaml
scen ok.yaml 'name: ok'
E set-name-root "--set name=/: name: expected a plain file name" validate $I/ok.yaml --set name=/
E set-name-dotdot "--set name=..: name" run $I/ok.yaml --set name=..
E out-empty "-o: expected a folder name" run $I/ok.yaml -o ''
touch $I/a-file
E out-is-file "-o: $I/a-file is not a folder" run $I/ok.yaml -o $I/a-file
E out-foreign "is not empty and holds no iommu-sim output" run $I/ok.yaml -o $I
E sweep-out-file "-o: $I/a-file is not a folder" sweep $I/ok.yaml --vary seed=1,2 -o $I/a-file
E trace-empty "--trace: expected text, chrome, both or none" run $I/ok.yaml --trace ''

# --- YAML structure ---------------------------------------------------------------
scen alias-self.yaml 'name: x' 'host: &h {memory: *h}'
scen alias-self-list.yaml 'name: x' 'checks: &c [*c]'
scen alias-undefined.yaml 'name: x' 'host: *nowhere'
{ echo 'name: x'; echo "$base"; echo 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'
  for i in $(seq 1 12); do echo "a$i: &a$i [*a$((i-1)), *a$((i-1)), *a$((i-1)), *a$((i-1)), *a$((i-1)), *a$((i-1)), *a$((i-1)), *a$((i-1)), *a$((i-1)), *a$((i-1))]"; done; } >$I/billion-laughs.yaml
{ echo 'name: x'; echo "$base"; printf 'deep: '; printf '[%.0s' {1..5000}; printf ']%.0s' {1..5000}; echo; } >$I/deep-list.yaml
{ echo 'name: x'; echo "$base"; printf 'deep: '; printf '{a: %.0s' {1..3000}; printf '1'; printf '}%.0s' {1..3000}; echo; } >$I/deep-map.yaml
printf 'name: x\n%s\nhost: {memory: []}\x00\n' "$base" >$I/nul-byte.yaml
printf 'version: 1\nname: x\x00y\nsim: {end: 10us}\n' >$I/nul-in-name.yaml
printf '\xef\xbb\xbfname: bom\n%s\n' "$base" >$I/bom.yaml
printf '\xff\xfen\x00a\x00m\x00e\x00:\x00 \x00x\x00\n\x00' >$I/utf16.yaml
printf 'name: x\n%s\n---\nname: y\n' "$base" >$I/two-documents.yaml
scen complex-key.yaml 'name: x' '? [a, b]' ': 1'
scen alias-key.yaml 'name: &n x' '*n : 1'
scen tag-binary.yaml 'name: !!binary aGVsbG8='
scen tag-custom.yaml 'name: !weird x'
{ echo 'name: x'; echo "$base"; printf 'long: '; head -c 3000000 /dev/zero | tr '\0' 'a'; echo; } >$I/long-line.yaml
E alias-self "alias-self.yaml:6:19: host.memory: an alias inside the node it names" run $I/alias-self.yaml
E alias-self-list "alias-self-list.yaml:6:13: checks[0]: an alias inside the node it names" run $I/alias-self-list.yaml
E alias-undefined "alias-undefined.yaml:6:7: YAML syntax error: the referenced anchor is not defined" run $I/alias-undefined.yaml
E billion-laughs "billion-laughs.yaml:" run $I/billion-laughs.yaml
E deep-list "deep-list.yaml:6:70: deep[0][0]" run $I/deep-list.yaml
E deep-map "deep-map.yaml:6:256: deep.a.a" run $I/deep-map.yaml
E nul-byte "nul-byte.yaml:6:19: a NUL byte" run $I/nul-byte.yaml
E nul-in-name "nul-in-name.yaml:2:8: a NUL byte" run $I/nul-in-name.yaml
R bom "" run $I/bom.yaml --trace none
E utf16 "utf16.yaml:1:1: not UTF-8" run $I/utf16.yaml
E two-documents "two-documents.yaml:6:1: a second YAML document" run $I/two-documents.yaml
E complex-key "complex-key.yaml:6:3: expected a plain key, got a list" run $I/complex-key.yaml
E alias-key "unknown key" run $I/alias-key.yaml
E tag-binary "name" run $I/tag-binary.yaml
E tag-custom "tag-custom.yaml:1:7: name: tags" run $I/tag-custom.yaml
E long-line "long-line.yaml:6:1: long: unknown key" run $I/long-line.yaml

# --- input files ------------------------------------------------------------------
mkfifo $I/fifo.yaml
mkdir $I/dir.yaml
ln -s /dev/zero $I/zero-link.yaml
head -c 20000000 /dev/zero | tr '\0' '#' >$I/huge.yaml
E dev-zero "/dev/zero: not a regular file" run /dev/zero
E dev-urandom "/dev/urandom: not a regular file" run /dev/urandom
E fifo "fifo.yaml: not a regular file" run $I/fifo.yaml
E directory "dir.yaml: a folder, not a scenario file" run $I/dir.yaml
E zero-symlink "zero-link.yaml: not a regular file" validate $I/zero-link.yaml
E huge-file "over the limit of 16 MiB for a scenario file" validate $I/huge.yaml
E missing-file "cannot open" run $I/nope.yaml
rpl() { printf 'name: x\nversion: 1\nsim: {end: 10us}\n%s\n%s\n%s\n%s\n' 'devices:' '  - name: nic0' "    bdf: \"01:00.0\"" "    dma: [{name: r, pattern: replay, file: $1, start: 1us}]" >$I/$2; }
rpl /dev/zero replay-zero.yaml
rpl $I/dir.yaml replay-dir.yaml
rpl $I/fifo.yaml replay-fifo.yaml
E replay-zero "/dev/zero: not a regular file" run $I/replay-zero.yaml
E replay-dir "a folder" run $I/replay-dir.yaml
E replay-fifo "not a regular file" run $I/replay-fifo.yaml
E trace-diff-zero "/dev/zero: not a regular file" trace-diff /dev/zero /dev/zero
E trace-diff-urandom "/dev/urandom: not a regular file" trace-diff /dev/urandom $I/ok.yaml
E trace-diff-dirs "a folder" trace-diff $I/dir.yaml $I/dir.yaml
E trace-diff-fifo "not a regular file" trace-diff $I/fifo.yaml $I/ok.yaml
E trace-diff-component "--component: no line of component 'nosuch'" trace-diff $I/ok.yaml $I/ok.yaml --component nosuch
E trace-diff-one "expected two trace files" trace-diff $I/ok.yaml

# --- the platform -----------------------------------------------------------------
printf 'version: 1\nname: nodev\nsim: {end: 10us}\n' >$I/no-devices.yaml
printf 'version: 1\nname: nodev\nsim: {end: auto}\nhost:\n  memory: [{name: g, size: 1MiB}]\n  setup: [{op: ioas_alloc, id: i0}]\n  steps: [{at: 1us, op: ioas_map, ioas: i0, iova: 0, user: g, length: 1MiB, prot: rw}]\n' >$I/no-devices-host.yaml
scen vmm-too-big.yaml 'name: x' 'platform: {memory: {size: 64MiB}}' 'host: {memory: [{name: g, size: 1GiB}]}'
scen vmm-sum-too-big.yaml 'name: x' 'platform: {memory: {size: 64MiB}}' 'host: {memory: [{name: g, size: 40MiB}, {name: h, size: 40MiB}]}'
scen backing-over-size.yaml 'name: x' 'host: {memory: [{name: g, size: 4KiB, backing: 2MiB}]}'
scen mmio-on-ram.yaml 'name: x' 'platform: {iommu: {mmio_base: 0x1000}}'
scen mmio-on-msi.yaml 'name: x' 'platform: {iommu: {mmio_base: 0xfee00000}}'
scen mmio-top.yaml 'name: x' 'platform: {iommu: {mmio_base: 0xfffffffffffff000}}'
scen check-huge.yaml 'name: x' 'checks: [{stat: iommu.walks, eq: 1e400}]'
scen check-nan.yaml 'name: x' 'checks: [{stat: iommu.walks, eq: .nan}]'
scen check-inf.yaml 'name: x' 'checks: [{stat: iommu.walks, lt: .inf}]'
scen step-after-end.yaml 'name: x' 'host: {steps: [{at: 1ms, op: ioas_alloc, id: i1}]}'
scen sim-end-max.yaml 'name: x' 'sim: {end: 18446744073709551615ps}'
sed -i '/^sim: {end: 10us}$/d' $I/sim-end-max.yaml
scen bucket-1ps.yaml 'name: x' 'output: {timeseries_bucket: 1ps}'
printf 'version: 1\nname: x\nsim: {end: 1s}\noutput: {timeseries_bucket: 1ps, trace: none}\ndevices: [{name: nic0, bdf: "01:00.0"}]\n' >$I/bucket-1ps-1s.yaml
printf 'version: 1\nname: x\nsim: {end: auto}\noutput: {trace: none}\ndevices:\n  - name: nic0\n    bdf: "01:00.0"\n    dma: [{name: s, op: write, region: {iova: 0, length: 64KiB}, size: 256, rate: 1Gb/s, start: 1us}]\n' >$I/stream-forever.yaml
printf 'version: 1\nname: x\nsim: {end: 1s}\noutput: {trace: text, trace_limit: 1MiB}\ndevices:\n  - name: nic0\n    bdf: "01:00.0"\n    dma: [{name: s, op: write, region: {iova: 0, length: 64KiB}, size: 64, rate: max, start: 1us}]\n' >$I/trace-big.yaml
scen sim-end-zero.yaml 'name: x'
sed -i 's/end: 10us/end: 0ps/' $I/sim-end-zero.yaml
scen memory-zero.yaml 'name: x' 'platform: {memory: {size: 0}}'
scen memory-huge.yaml 'name: x' 'platform: {memory: {size: 16EiB}}'
scen seed-huge.yaml 'name: x' 'seed: 99999999999999999999999'
scen quantum-zero.yaml 'name: x' 'sim: {end: 10us, quantum: 0}'
sed -i '0,/^sim: {end: 10us}$/{/^sim: {end: 10us}$/d}' $I/quantum-zero.yaml
scen devices-map.yaml 'name: x'
sed -i 's/^  - {name: nic0, bdf: "01:00.0"}/  nic0: {}/' $I/devices-map.yaml
scen device-name-slash.yaml 'name: x'
sed -i 's/name: nic0/name: "a\/b"/' $I/device-name-slash.yaml
printf 'version: 1\nname: x\nsim: {end: 10us}\ndevices: [{name: "n\xc3\x28"}]\n' >$I/device-name-non-utf8.yaml
scen rate-zero.yaml 'name: x'
sed -i 's/^  - {name: nic0, bdf: "01:00.0"}/  - name: nic0\n    bdf: "01:00.0"\n    dma: [{name: s, op: write, region: {iova: 0, length: 64KiB}, size: 256, rate: 0Gb\/s, start: 1us, stop: 5us}]/' $I/rate-zero.yaml
R no-devices "" run $I/no-devices.yaml --trace none
R no-devices-host "" run $I/no-devices-host.yaml
E vmm-too-big "vmm-too-big.yaml:7:33: host.memory.g.size: the VMM's memory" run $I/vmm-too-big.yaml
E vmm-sum-too-big "vmm-sum-too-big.yaml:7:57: host.memory.h.size" run $I/vmm-sum-too-big.yaml
E backing-over-size "host.memory.g.backing" run $I/backing-over-size.yaml
E mmio-on-ram "platform.iommu.mmio_base" run $I/mmio-on-ram.yaml
E mmio-on-msi "platform.iommu.mmio_base" run $I/mmio-on-msi.yaml
E mmio-top "platform.iommu.mmio_base" run $I/mmio-top.yaml
E check-huge "checks[0].eq" run $I/check-huge.yaml
E check-nan "checks[0].eq" run $I/check-nan.yaml
E check-inf "checks[0].lt" run $I/check-inf.yaml
E step-after-end "step-after-end.yaml:6:30: host.steps[0].at: at 1ms, not before sim.end (10us)" run $I/step-after-end.yaml
E sim-end-max "output.timeseries_bucket" run $I/sim-end-max.yaml
E bucket-1ps "output.timeseries_bucket" run $I/bucket-1ps.yaml
E bucket-1ps-1s "output.timeseries_bucket" run $I/bucket-1ps-1s.yaml
E stream-forever "devices.nic0.dma.s: runs forever" run $I/stream-forever.yaml
E trace-big "output.trace_limit: trace.txt reached the limit of 1 MiB" run $I/trace-big.yaml
E sim-end-zero "sim.end" run $I/sim-end-zero.yaml
E memory-zero "platform.memory.size" run $I/memory-zero.yaml
E memory-huge "platform.memory.size" run $I/memory-huge.yaml
E seed-huge "seed" run $I/seed-huge.yaml
E devices-map "devices" run $I/devices-map.yaml
E device-name-non-utf8 "not UTF-8" run $I/device-name-non-utf8.yaml
E rate-zero "dma.s.rate: expected a rate above 0" run $I/rate-zero.yaml
{ echo 'version: 1'; echo 'name: many'; echo 'sim: {end: 10us}'; echo 'output: {trace: none}'; echo 'devices:'
  for i in $(seq 0 16383); do printf '  - {name: d%d, bdf: "%02x:%02x.%d"}\n' $i $((i / 256)) $(((i / 8) % 32)) $((i % 8)); done; } >$I/16k-devices.yaml
head -n $((5 + 3400)) $I/16k-devices.yaml >$I/3400-devices.yaml
E 16k-devices "16k-devices.yaml:6:3: devices: 16384 devices: their control pages" run $I/16k-devices.yaml
R 3400-devices "" run $I/3400-devices.yaml

# --- command lines ----------------------------------------------------------------
E seed-negative "--seed: expected an integer from 0 to" run $I/ok.yaml --seed -1
E seed-text "--seed: expected an integer" run $I/ok.yaml --seed abc
E quantum-empty "--quantum: expected a time" run $I/ok.yaml --quantum ''
E set-empty "expected PATH=VALUE" run $I/ok.yaml --set ''
E two-scenarios "expected one scenario file" run $I/ok.yaml $I/ok.yaml
E sweep-seeds-zero "--seeds: expected an integer from 1 to 1000" sweep $I/ok.yaml --seeds 0
E sweep-jobs-zero "--jobs: expected an integer from 1 to 256" sweep $I/ok.yaml -j 0
E sweep-seeds-huge "--seeds: expected an integer from 1 to 1000" sweep $I/ok.yaml --seeds 100000
E sweep-grid-huge "1000000 runs, over 1000: add --yes" sweep $I/ok.yaml --vary "seed=$(seq -s, 1 100)" --vary "sim.quantum=$(seq -s, 1 100 | sed 's/,/ns,/g')ns" --vary "platform.pcie.host_latency=$(seq -s, 1 100 | sed 's/,/ns,/g')ns"
E sweep-grid-too-big "over 1000000 runs" sweep $I/ok.yaml --vary "seed=$(seq -s, 1 100)" --vary "sim.quantum=$(seq -s, 1 100 | sed 's/,/ns,/g')ns" --vary "platform.pcie.host_latency=$(seq -s, 1 100 | sed 's/,/ns,/g')ns" --seeds 2 --yes
E sweep-vary-twice "seed is varied twice" sweep $I/ok.yaml --vary seed=1,2 --vary seed=3,4
E sweep-vary-dup-value "the value '1' twice" sweep $I/ok.yaml --vary seed=1,1
E sweep-plot-nognuplot "--plot: gnuplot is not installed" sweep $I/ok.yaml --vary seed=1,2 --plot iommu.walks -o keep-sweep
E run-vary "unrecognised option '--vary'" run $I/ok.yaml --vary seed=1,2
E validate-out "unrecognised option '-o'" validate $I/ok.yaml -o x
E trace-diff-set "unrecognised option '--set'" trace-diff $I/ok.yaml $I/ok.yaml --set a=b
R help-run "usage: iommu-sim run " run --help
R help-validate "usage: iommu-sim validate " validate --help
R help-sweep "usage: iommu-sim sweep " sweep --help
R help-trace-diff "usage: iommu-sim trace-diff " trace-diff --help

echo
for k in ok misleading accepted crash hang blowup escape; do printf '%s=%s ' $k "${tally[$k]:-0}"; done
echo
