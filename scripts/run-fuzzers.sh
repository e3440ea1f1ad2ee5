#!/bin/sh
# Runs every libFuzzer target built in BUILD_DIR (the `fuzz` preset) for
# SECONDS each, two at a time, on a scratch copy of its corpus so the
# committed seeds only change when someone chooses to add a finding.
# Usage: scripts/run-fuzzers.sh BUILD_DIR SECONDS
set -eu
build=${1:?build dir}
secs=${2:-60}
src=$(cd "$(dirname "$0")/.." && pwd)
out=$build/fuzz-runs
mkdir -p "$out"
status=0
run_one() {
	name=$1
	work=$out/$name
	rm -rf "$work" && mkdir -p "$work/corpus" "$work/artifacts"
	cp "$src/fuzz/corpus/$name/"* "$work/corpus/" 2>/dev/null || true
	"$build/fuzz/fuzz_$name" -max_total_time="$secs" -max_len=8192 -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1 || true
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$' || echo 0)
	crashes=$(ls "$work/artifacts" | wc -l)
	echo "fuzz_$name: $execs executions in ${secs}s, $crashes crash/leak/timeout artifacts ($work)"
	[ "$crashes" -eq 0 ]
}
pids=""
for bin in "$build"/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=${bin##*/fuzz_}
	run_one "$name" &
	pids="$pids $!"
	# Two cores: at most two fuzzers at once.
	if [ "$(echo $pids | wc -w)" -ge 2 ]; then
		for p in $pids; do wait "$p" || status=1; done
		pids=""
	fi
done
for p in $pids; do wait "$p" || status=1; done
exit $status
