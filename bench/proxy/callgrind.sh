#!/usr/bin/env bash
# Instructions per proxied call (valgrind --tool=callgrind): siphon serve,
# one worker, proxies two runs of calls (INVITE/100/180/200/ACK/BYE/200,
# the scenarios of run.sh) at a low rate under callgrind; the difference
# of the two runs' totals divided by the difference of their calls is the
# cost of one call, with start-up and shutdown cancelled out. A count of
# instructions moves by well under 1 % between runs, unlike CPU time on
# this VM: it is what a change to the proxy's own work is judged by.
#
#   bench/proxy/callgrind.sh BUILD_DIR
#   env: MODE=stateful|stateless (stateful) CALLS_A=100 CALLS_B=400 RATE=50
#        TOP=25 (functions listed, exclusive instructions of run B)
#        KEEP=1 (keep the callgrind files: callgrind_annotate --tree=caller)
set -u
BUILD=${1:?usage: bench/proxy/callgrind.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
SC=$(cd "$HERE/../../tests/integration/scenarios/proxy" && pwd)
REAL_SIPHON="$(cd "$BUILD" && pwd)/src/cli/siphon"
MODE=${MODE:-stateful}
CALLS_A=${CALLS_A:-100}
CALLS_B=${CALLS_B:-400}
RATE=${RATE:-50}
TOP=${TOP:-25}
HOST=127.0.0.1
LOG_LEVEL=warn
[ -x "$REAL_SIPHON" ] || { echo "no $REAL_SIPHON" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind not found" >&2; exit 1; }
command -v sipp >/dev/null || { echo "sipp not found (scripts/install-deps.sh)" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/siphon-callgrind.XXXXXX")
. "$HERE/common.sh"
SPID=
UASPID=
trap 'stop_server; [ -n "$UASPID" ] && kill "$UASPID" 2>/dev/null
	if [ -n "${KEEP:-}" ]; then echo "kept: $TMP"; else rm -rf "$TMP"; fi' EXIT

# run CALLS: one server under callgrind for CALLS calls; prints its total.
run() {
	local calls=$1 out="$TMP/callgrind.$1" uasport tmo
	SIPHON="$TMP/siphon-vg"
	printf '#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file=%s %s "$@"\n' \
		"$out" "$REAL_SIPHON" >"$SIPHON"
	chmod +x "$SIPHON"
	uasport=$(free_port)
	start_siphon "$MODE" 1 "$uasport" "$TMP/data-$calls" || return 1
	tmo=$((calls / RATE + 60))
	(cd "$TMP" && exec sipp -sf "$SC/uas_answer.xml" -i "$HOST" -p "$uasport" -m "$calls" \
		-nostdin -timeout "${tmo}s" >"$TMP/uas-$calls.txt" 2>&1) &
	UASPID=$!
	sleep 0.3
	(cd "$TMP" && sipp -sf "$SC/uac_call.xml" -s bob -key domain uas.test -d 0 -i "$HOST" \
		-p "$(free_port)" -m "$calls" -r "$RATE" -nostdin -timeout "${tmo}s" \
		"$HOST:$PORT" >"$TMP/uac-$calls.txt" 2>&1) || {
		echo "the caller failed ($calls calls):" >&2
		tail -n 30 "$TMP/uac-$calls.txt" >&2
		return 1
	}
	wait "$UASPID"
	UASPID=
	stop_server
	awk '/^summary:/ { print $2 }' "$out"
}

a=$(run "$CALLS_A") || exit 1
b=$(run "$CALLS_B") || exit 1
echo "siphon serve, $MODE, 1 worker: $CALLS_A calls $a Ir, $CALLS_B calls $b Ir"
awk -v a="$a" -v b="$b" -v na="$CALLS_A" -v nb="$CALLS_B" \
	'BEGIN { printf "instructions per proxied call: %.0f\n", (b - a) / (nb - na) }'
echo
echo "top $TOP functions of the $CALLS_B-call run (exclusive Ir):"
callgrind_annotate --threshold=100 "$TMP/callgrind.$CALLS_B" 2>/dev/null |
	awk '/^-+$/ { n++; next } n >= 3 && NF' | head -n "$TOP"
