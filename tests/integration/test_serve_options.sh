#!/usr/bin/env bash
# `siphon serve` answers OPTIONS (issue 3): SIPp OPTIONS load over UDP and
# TCP with zero failed transactions, every 200 carrying Allow (with
# OPTIONS), Accept, Supported and a To tag (scenarios/options_uac.xml), and
# sipsak's OPTIONS ping (`sipsak -s sip:ping@127.0.0.1`, the issue's
# "started by hand" check). The server runs with 2 workers and must stop
# cleanly on SIGTERM with no sanitizer report.
#
# Bounded: -m calls per run at -r calls/s, -timeout for the whole run.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need sipp sipsak

CALLS=${CALLS:-500}
RATE=${RATE:-250}

it_start || it_finish

# run_sipp TRANSPORT(u1|t1): one bounded SIPp run, zero failures wanted.
run_sipp() {
	local t=$1 lport out rc
	lport=$(it_free_port)
	out="$IT_TMP/sipp-$t"
	mkdir -p "$out"
	(cd "$out" && sipp -sf "$IT_SCEN/options_uac.xml" -t "$t" -i "$IT_HOST" -p "$lport" \
		-m "$CALLS" -r "$RATE" -l 200 -nostdin -timeout 60s -timeout_error \
		-trace_err -trace_stat -fd 1 \
		"$IT_HOST:$IT_PORT" >"$out/screen.txt" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		pass
	else
		fail "SIPp OPTIONS over $t: exit $rc (0 = all $CALLS calls succeeded)"
		grep -E "Successful call|Failed call" "$out/screen.txt" >&2
		head -n 20 "$out"/*_errors.log >&2 2>/dev/null
	fi
	# The final screen shows the cumulative counters: all succeeded, none failed.
	local ok failed
	ok=$(awk -F'|' '/Successful call/ {gsub(/ /, "", $3); print $3}' "$out/screen.txt")
	failed=$(awk -F'|' '/Failed call/ {gsub(/ /, "", $3); print $3}' "$out/screen.txt")
	if [ "${ok:-0}" = "$CALLS" ] && [ "${failed:-x}" = 0 ]; then pass; else
		fail "SIPp over $t: $ok successful, $failed failed (want $CALLS and 0)"
	fi
	it_alive
}

run_sipp u1
run_sipp t1

# sipsak OPTIONS ping; the port goes with -r (sipsak truncates 5-digit
# ports inside URIs, TESTING.md). Exit 0 means a 200 came back.
out=$(timeout 30 sipsak -s "sip:ping@$IT_HOST" -r "$IT_PORT" -vv 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -q "SIP/2.0 200"; then pass; else
	fail "sipsak -s sip:ping@$IT_HOST -r $IT_PORT: exit $rc"
	printf '%s\n' "$out" | head -n 30 >&2
fi
# ... and over TCP.
out=$(timeout 30 sipsak -s "sip:ping@$IT_HOST" -r "$IT_PORT" -E tcp -vv 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -q "SIP/2.0 200"; then pass; else
	fail "sipsak -E tcp -s sip:ping@$IT_HOST -r $IT_PORT: exit $rc"
	printf '%s\n' "$out" | head -n 30 >&2
fi

# One access-log line per request at info: at least the 2*CALLS OPTIONS.
n=$(grep -c "OPTIONS" "$IT_ERR" "$IT_LOG" | awk -F: '{s += $2} END {print s + 0}')
if [ "$n" -ge $((2 * CALLS)) ]; then pass; else
	fail "access log: $n lines mention OPTIONS, want at least $((2 * CALLS))"
fi

if it_alive && it_options udp && it_options tcp; then pass; else fail "OPTIONS after the load"; fi
it_stop
it_finish
