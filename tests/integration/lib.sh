# Shared helpers for the integration tests that start `siphon serve`.
# Source it from a test script:  . "$(dirname "$0")/lib.sh"
#
# Environment (set by ctest): SIPHON (the binary), SIPHON_VECTORS
# (tests/vectors), SIPHON_SRC (repo root). Safety (docs: /work/shared
# TESTING.md): the server listens on 127.0.0.1 only, and the destination
# allow-list in its config is loopback, so nothing it sends can leave the
# machine. Every wait below is bounded.
#
#   it_init                  temp dir ($IT_TMP), cleanup trap, tool checks
#   it_need TOOL...          fail unless each tool is on PATH
#   it_free_port [N]         prints a port P with P..P+N-1 free for UDP and TCP on 127.0.0.1
#   it_start [ARGS...]       starts siphon serve on UDP+TCP 127.0.0.1:$IT_PORT with
#                            $IT_WORKERS workers (default 2) and ARGS; waits for
#                            the "listening on" lines; sets IT_PID, IT_PORT
#   it_alive                 fails the test unless the server process still runs
#   it_options TRANSPORT     one OPTIONS probe (sipmsg.py); 0 when 200
#   it_stop                  SIGTERM, wait (bounded), assert exit 0 and no
#                            sanitizer report in its output
#   fail MSG / pass          count results; it_finish prints the summary, exits
#   it_sipp_uas SCENARIO PORT [ARGS]
#                            SIPp plays SCENARIO as the callee of one call on
#                            127.0.0.1:PORT in the background (bounded: 30 s),
#                            output in $IT_TMP/sipp-PORT.out; sets IT_SIPP_PID
#   it_sipp_done WHAT        waits for that SIPp and checks that its scenario
#                            passed (its log and errors shown when not)
#   it_dns_server ZONE       tests/support/dns_server.py serving the JSON zone
#                            file ZONE on a free port until the test exits
#                            (its query log: $IT_TMP/dns.log); sets IT_DNS to
#                            127.0.0.1:PORT, or fails the test
#
# On failure the server's log is printed (last lines) to help diagnosis.

IT_HOST=127.0.0.1
IT_WORKERS=${IT_WORKERS:-2}
IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IT_SIPMSG="$IT_DIR/sipmsg.py"
# Debian's interpreter when present: a python3 shim on PATH (pyenv) can cost
# 0.2 s per start, and the tests start it a few hundred times.
if [ -x /usr/bin/python3 ]; then IT_PY=/usr/bin/python3; else IT_PY=python3; fi
IT_SCEN="$IT_DIR/scenarios"
IT_PID=
IT_PORT=
IT_FAILURES=0
IT_CHECKS=0
# Seconds to wait for the server to start / stop (ASan builds are slower).
IT_START_TIMEOUT=${IT_START_TIMEOUT:-30}
IT_STOP_TIMEOUT=${IT_STOP_TIMEOUT:-30}

fail() {
	echo "FAIL: $*" >&2
	IT_FAILURES=$((IT_FAILURES + 1))
}

pass() {
	IT_CHECKS=$((IT_CHECKS + 1))
}

# it_check DESCRIPTION COMMAND...: runs COMMAND, pass or fail.
it_check() {
	local what=$1
	shift
	if "$@"; then pass; else fail "$what"; fi
}

it_need() {
	local t
	for t in "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "FAIL: $t not found (scripts/install-deps.sh installs it)" >&2
			exit 1
		fi
	done
}

it_cleanup() {
	if [ -n "$IT_PID" ] && kill -0 "$IT_PID" 2>/dev/null; then
		kill -KILL "$IT_PID" 2>/dev/null
		wait "$IT_PID" 2>/dev/null
	fi
	if [ -n "${IT_SIPP_PID:-}" ] && kill -0 "$IT_SIPP_PID" 2>/dev/null; then
		kill "$IT_SIPP_PID" 2>/dev/null
		wait "$IT_SIPP_PID" 2>/dev/null
	fi
	if [ -n "${IT_DNS_PID:-}" ]; then
		exec 7>&- # the DNS server exits at the end of its input
		wait "$IT_DNS_PID" 2>/dev/null
	fi
	if [ "${IT_KEEP:-0}" = 1 ] || [ "$IT_FAILURES" -ne 0 ]; then
		echo "(test files kept in $IT_TMP)" >&2
	else
		rm -rf "$IT_TMP"
	fi
}

it_init() {
	: "${SIPHON:?set SIPHON to the siphon binary}"
	: "${SIPHON_VECTORS:=${SIPHON_SRC:-$IT_DIR/../..}/tests/vectors}"
	: "${SIPHON_SRC:=$IT_DIR/../..}"
	it_need "$IT_PY"
	IT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/siphon-it.XXXXXX")
	trap it_cleanup EXIT
	trap 'exit 130' INT TERM
	# Sanitizers: report into the server's stderr, fail hard, detect leaks.
	export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
}

# it_free_port [N]: prints a port P such that P..P+N-1 (N defaults to 1) are
# free for UDP and TCP on 127.0.0.1 at the moment of the call. P is drawn at
# random below the kernel's ephemeral range (net.ipv4.ip_local_port_range,
# 32768+ here), so an outgoing connection of a neighbouring test cannot take
# P+1 between this call and the bind (baresip binds TLS on its SIP port + 1).
it_free_port() {
	"$IT_PY" - "${1:-1}" <<'EOF'
import random, socket, sys
n = int(sys.argv[1])
def free(port):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        finally:
            s.close()
    return True
for _ in range(200):
    port = random.randrange(20000, 32700 - n)
    if all(free(port + i) for i in range(n)):
        print(port)
        sys.exit(0)
sys.exit("no free port")
EOF
}

# Writes $IT_TMP/siphon.yaml, the test config (plus $IT_CONFIG_EXTRA): the destination allow-list
# (security.allow_destinations, docs/config.md) is loopback only, so a
# stray Via, Contact or Route can never make the server send elsewhere.
# Prints the --config option for it.
it_config() {
	local cfg="$IT_TMP/siphon.yaml"
	cat >"$cfg" <<EOF
# Integration test config (tests/integration/lib.sh): loopback only.
security:
  allow_destinations:
    - 127.0.0.0/8
    - ::1/128
EOF
	# Extra YAML a test adds (e.g. registrar or auth keys).
	if [ -n "${IT_CONFIG_EXTRA:-}" ]; then printf '%s\n' "$IT_CONFIG_EXTRA" >>"$cfg"; fi
	echo "--config=$cfg"
}

# it_start [EXTRA ARGS...]: starts the server; three attempts in case the
# port was taken between it_free_port and the bind.
it_start() {
	local attempt cfg
	cfg=$(it_config)
	for attempt in 1 2 3; do
		IT_PORT=$(it_free_port) || { fail "no free port"; return 1; }
		IT_LOG="$IT_TMP/siphon.$attempt.log"
		IT_ERR="$IT_TMP/siphon.$attempt.err"
		mkdir -p "$IT_TMP/data"
		# shellcheck disable=SC2086
		"$SIPHON" serve \
			--listen "udp:$IT_HOST:$IT_PORT" --listen "tcp:$IT_HOST:$IT_PORT" \
			--workers "$IT_WORKERS" --data "$IT_TMP/data" $cfg "$@" \
			>"$IT_LOG" 2>"$IT_ERR" &
		IT_PID=$!
		if it_wait_listening; then
			return 0
		fi
		if kill -0 "$IT_PID" 2>/dev/null; then
			kill -KILL "$IT_PID" 2>/dev/null
			wait "$IT_PID" 2>/dev/null
			IT_PID=
			fail "server did not log 'listening on' for both sockets in ${IT_START_TIMEOUT}s"
			it_show_log
			return 1
		fi
		wait "$IT_PID" 2>/dev/null
		echo "attempt $attempt: siphon serve exited before listening (exit $?):" >&2
		tail -n 5 "$IT_ERR" "$IT_LOG" >&2
		IT_PID=
	done
	fail "siphon serve did not start"
	return 1
}

# Waits (bounded) until the log shows a "listening on" line for each of
# the two sockets, or the process exits.
it_wait_listening() {
	local i n
	for ((i = 0; i < IT_START_TIMEOUT * 10; i++)); do
		n=$(cat "$IT_LOG" "$IT_ERR" 2>/dev/null | grep -c "listening on")
		[ "$n" -ge 2 ] && return 0
		kill -0 "$IT_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

it_show_log() {
	echo "--- siphon stderr (last 30 lines) ---" >&2
	tail -n 30 "$IT_ERR" >&2 2>/dev/null
	echo "--- siphon stdout (last 10 lines) ---" >&2
	tail -n 10 "$IT_LOG" >&2 2>/dev/null
	echo "---" >&2
}

it_alive() {
	if [ -n "$IT_PID" ] && kill -0 "$IT_PID" 2>/dev/null; then
		return 0
	fi
	fail "server is not running any more"
	it_show_log
	return 1
}

# it_options udp|tcp: one OPTIONS from a fresh socket, 200 expected.
it_options() {
	"$IT_PY" "$IT_SIPMSG" options "$IT_HOST" "$IT_PORT" "$1" >/dev/null
}

# it_sanitizer_clean FILE...: no ASan/UBSan/LSan report in the files.
it_sanitizer_clean() {
	! grep -l -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Undefined|Leak)Sanitizer' "$@" 2>/dev/null
}

# it_stop: SIGTERM, wait up to IT_STOP_TIMEOUT, expect exit 0, clean logs.
it_stop() {
	local i rc
	if [ -z "$IT_PID" ]; then
		return 1
	fi
	if ! kill -0 "$IT_PID" 2>/dev/null; then
		wait "$IT_PID"
		rc=$?
		fail "server had already exited (status $rc) before SIGTERM"
		it_show_log
		IT_PID=
		return 1
	fi
	kill -TERM "$IT_PID"
	for ((i = 0; i < IT_STOP_TIMEOUT * 10; i++)); do
		kill -0 "$IT_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$IT_PID" 2>/dev/null; then
		fail "server still running ${IT_STOP_TIMEOUT}s after SIGTERM"
		kill -KILL "$IT_PID" 2>/dev/null
	fi
	wait "$IT_PID"
	rc=$?
	IT_PID=
	if [ "$rc" -eq 0 ]; then pass; else
		fail "server exit status $rc after SIGTERM (want 0)"
		it_show_log
	fi
	if it_sanitizer_clean "$IT_ERR" "$IT_LOG"; then pass; else
		fail "sanitizer report in the server output"
		grep -h -A 30 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$IT_ERR" "$IT_LOG" | head -60 >&2
	fi
}

it_finish() {
	local name
	name=$(basename "$0" .sh)
	echo "$name: $IT_CHECKS checks passed, $IT_FAILURES failed"
	[ "$IT_FAILURES" -eq 0 ]
	exit $?
}

it_sipp_uas() {
	local scen=$1 port=$2
	shift 2
	(cd "$IT_TMP" && exec timeout 30 sipp -sf "$scen" -i "$IT_HOST" -p "$port" \
		-mp "$(it_free_port 4)" -m 1 -nostdin -timeout 25 -timeout_error -trace_err "$@" \
		>"$IT_TMP/sipp-$port.out" 2>&1) &
	IT_SIPP_PID=$!
	IT_SIPP_OUT="$IT_TMP/sipp-$port.out"
	sleep 0.5
}

it_sipp_done() {
	local rc
	wait "$IT_SIPP_PID"
	rc=$?
	IT_SIPP_PID=
	it_check "$1: SIPp scenario passed (exit $rc)" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || tail -20 "$IT_SIPP_OUT" "$IT_TMP"/*errors.log >&2 2>/dev/null
}

it_dns_server() {
	local i
	rm -f "$IT_TMP/dns.in"
	mkfifo "$IT_TMP/dns.in"
	"$IT_PY" "$SIPHON_SRC/tests/support/dns_server.py" --zone "$1" --log "$IT_TMP/dns.log" \
		--exit-on-eof <"$IT_TMP/dns.in" >"$IT_TMP/dns.out" 2>"$IT_TMP/dns.err" &
	IT_DNS_PID=$!
	exec 7>"$IT_TMP/dns.in"
	IT_DNS=
	for ((i = 0; i < 50; i++)); do
		IT_DNS=$(awk '/^PORT/ {print "127.0.0.1:" $2}' "$IT_TMP/dns.out" 2>/dev/null)
		[ -n "$IT_DNS" ] && return 0
		sleep 0.1
	done
	fail "dns_server.py did not start"
	cat "$IT_TMP/dns.err" >&2
	return 1
}
