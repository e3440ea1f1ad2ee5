#!/usr/bin/env bash
# OPTIONS benchmark of `siphon serve` (issue 3): SIPp sends OPTIONS at a
# fixed set of rates over UDP on loopback; the server answers 200 from its
# transaction layer. Reports, per (workers, client sockets, rate):
# transactions completed, failures, the achieved rate, the server's CPU time
# per transaction (utime+stime of the whole process, all threads, from
# /proc/PID/stat, sampled just before the load and 2 s after it) and SIPp's
# own CPU per transaction (the load generator's cost, for scale: TESTING.md
# notes the ratio to SIPp is steadier than absolute figures on this VM).
#
# usage: bench/options/run.sh BUILD_DIR      (e.g. build/release)
# env:   RATES="5000 10000 20000"  CALLS=50000  WORKERS="1 2"  CLIENTS="un u1"
#        LOG_LEVEL=warn (the per-request access log is at info; set info to
#        include its cost)
#
# Client sockets: SIPp -t un opens a UDP socket per transaction (up to
# -max_socket 1000, then reuses them round robin), so the
# kernel's SO_REUSEPORT hash spreads the load over the workers as many
# peers would; -t u1 is one socket, i.e. one peer (a trunk), whose packets
# all hash to the same worker. Loopback only; every run is bounded by -m
# and -timeout.
set -u

BUILD=${1:?usage: bench/options/run.sh BUILD_DIR}
SIPHON="$BUILD/src/cli/siphon"
HERE=$(cd "$(dirname "$0")" && pwd)
SCEN="$HERE/../../tests/integration/scenarios/options_uac.xml"
RATES=${RATES:-"5000 10000 20000"}
CALLS=${CALLS:-50000}
WORKERS=${WORKERS:-"1 2"}
CLIENTS=${CLIENTS:-"un u1"}
LOG_LEVEL=${LOG_LEVEL:-warn}
HOST=127.0.0.1

[ -x "$SIPHON" ] || { echo "no $SIPHON (build it: make build)" >&2; exit 1; }
command -v sipp >/dev/null || { echo "sipp not found (scripts/install-deps.sh)" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/siphon-bench-options.XXXXXX")
SPID=
cleanup() {
	[ -n "$SPID" ] && kill -KILL "$SPID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

. "$(dirname "$0")/../lib.sh"

# CPU ticks (utime + stime) of a process, all its threads.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}
TCK=$(getconf CLK_TCK)

cat >"$TMP/siphon.yaml" <<'YAML'
security:
  allow_destinations:
    - 127.0.0.0/8
    - ::1/128
# One SIPp address makes the whole load: no per-source share (as Kamailio).
sip:
  max_transactions_per_source: 0
YAML

start_server() {
	local w=$1 i
	PORT=$(free_port)
	"$SIPHON" serve --listen "udp:$HOST:$PORT" --listen "tcp:$HOST:$PORT" --workers "$w" \
		--data "$TMP/data" --log-level "$LOG_LEVEL" --config "$TMP/siphon.yaml" \
		>"$TMP/server.log" 2>&1 &
	SPID=$!
	# --log-level warn hides the "listening on" lines: poll with OPTIONS.
	for ((i = 0; i < 100; i++)); do
		python3 "$HERE/../../tests/integration/sipmsg.py" options "$HOST" "$PORT" udp \
			--timeout 0.5 >/dev/null 2>&1 && return 0
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "server did not start:" >&2
	tail "$TMP/server.log" >&2
	exit 1
}

stop_server() {
	kill -TERM "$SPID"
	wait "$SPID"
	local rc=$?
	SPID=
	[ "$rc" -eq 0 ] || echo "warning: server exit status $rc" >&2
}

printf '| workers | client | offered/s | ok | failed | achieved/s | server µs/tx | SIPp µs/tx | server/SIPp |\n'
printf '|--------:|:------:|----------:|---:|-------:|-----------:|-------------:|-----------:|------------:|\n'
declare -A SRV ACH
for w in $WORKERS; do
	for client in $CLIENTS; do
		for rate in $RATES; do
			start_server "$w"
			lport=$(free_port)
			out="$TMP/run-$w-$client-$rate"
			mkdir -p "$out"
			before=$(cpu_ticks "$SPID")
			TIMEFORMAT='%R %U %S'
			{ time (cd "$out" && sipp -sf "$SCEN" -t "$client" -i "$HOST" -p "$lport" \
				-m "$CALLS" -r "$rate" -l 5000 -nostdin -timeout $((CALLS * 3 / rate + 30))s \
				-max_recv_loops 5000 -max_socket 1000 -trace_err "$HOST:$PORT" >"$out/screen.txt" 2>&1); } \
				2>"$out/time.txt"
			sleep 2
			after=$(cpu_ticks "$SPID")
			stop_server
			read -r wall su ss <"$out/time.txt"
			ok=$(awk -F'|' '/Successful call/ {gsub(/ /, "", $3); print $3}' "$out/screen.txt")
			failed=$(awk -F'|' '/Failed call/ {gsub(/ /, "", $3); print $3}' "$out/screen.txt")
			ok=${ok:-0} failed=${failed:-?}
			row=$(awk -v b="$before" -v a="$after" -v tck="$TCK" -v ok="$ok" \
				-v wall="$wall" -v su="$su" -v ss="$ss" 'BEGIN {
				if (ok == 0) { print "- - - -"; exit }
				srv = (a - b) / tck / ok * 1e6; cli = (su + ss) / ok * 1e6
				printf "%.0f %.1f %.1f %.2f", ok / wall, srv, cli, srv / cli }')
			read -r achieved srv cli ratio <<<"$row"
			SRV[$w,$client,$rate]=$srv
			ACH[$w,$client,$rate]=$achieved
			printf '| %d | %s | %d | %s | %s | %s | %s | %s | %s |\n' \
				"$w" "$client" "$rate" "$ok" "$failed" "$achieved" "$srv" "$cli" "$ratio"
		done
	done
done

echo
echo "2 workers / 1 worker, same client and offered rate: achieved rate, server CPU per transaction"
for client in $CLIENTS; do
	for rate in $RATES; do
		a=${SRV[1,$client,$rate]:-} b=${SRV[2,$client,$rate]:-}
		x=${ACH[1,$client,$rate]:-} y=${ACH[2,$client,$rate]:-}
		if [ -n "$a" ] && [ -n "$b" ] && [ "$a" != - ] && [ "$b" != - ]; then
			awk -v a="$a" -v b="$b" -v x="$x" -v y="$y" -v c="$client" -v r="$rate" \
				'BEGIN { printf "  %s at %d/s: rate %.2f (%d vs %d/s), CPU/tx %.2f (%.1f vs %.1f µs)\n", c, r, y / x, y, x, b / a, b, a }'
		fi
	done
done
