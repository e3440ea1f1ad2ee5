#!/bin/sh
# Parser benchmark: siphon vs GNU oSIP vs Sofia-SIP on the same messages,
# first in CPU time (bench_parse), then in instructions (callgrind.sh).
# `make bench` calls this after building build/release with -DSIPHON_BENCH=ON.
#
# usage: bench/parse/run.sh BUILD_DIR [bench_parse options...]
#   e.g. bench/parse/run.sh build/release --time 1
# Environment: CALLGRIND=0 skips the callgrind part; CALLGRIND_ITER=N sets
# its iterations (default 2000).
set -eu

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [bench_parse options...]" >&2; exit 2; }
build=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/bench/bench_parse
[ -x "$bin" ] || { echo "$0: $bin not built (configure with -DSIPHON_BENCH=ON)" >&2; exit 1; }

echo "== bench_parse: CPU time per message =="
"$bin" "$@"

if [ "${CALLGRIND:-1}" != 0 ]; then
	echo
	echo "== callgrind: instructions per message =="
	if command -v valgrind >/dev/null; then
		"$here/callgrind.sh" "$build" --iter "${CALLGRIND_ITER:-2000}"
	else
		echo "valgrind not installed: skipped (apt-get install valgrind)"
	fi
fi
