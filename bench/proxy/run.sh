#!/usr/bin/env bash
# Proxy benchmark: `siphon serve` as a record-routing SIP proxy against
# Kamailio, same machine, same run, identical SIPp load, on loopback only.
#
# Load: SIPp caller -> proxy -> SIPp callee, one call = INVITE, 100 (from
# the proxy when stateful), 180, 200, ACK, BYE, 200, no pause
# (tests/integration/scenarios/proxy/uac_call.xml -d 0 and uas_answer.xml,
# which tolerate the reordering a proxy with several workers causes). The
# caller sends INVITE sip:bob@uas.test; the proxy forwards it to the callee
# at a fixed next hop (siphon: routes: domain uas.test -> next_hop; Kamailio:
# $du, bench/proxy/kamailio.cfg), record-routes, and ACK and BYE follow the
# Record-Route back through it.
#
# Cells: MODES (stateful: siphon proxy.mode stateful, Kamailio tm t_relay;
# stateless: siphon proxy.mode stateless, Kamailio forward() without tm) x
# WORKERS_LIST (siphon --workers N, Kamailio children=N) x RATES, servers in
# turn A B A B (ROUNDS rounds), each cell on a freshly started server,
# after the machine has been quiet for a second (QUIET). Reported per
# cell: calls completed (caller side), failed (caller + callee),
# retransmissions seen by the two SIPps (the Retrans column of their
# screens: requests and 200s re-sent, and retransmissions received), UDP
# datagrams the kernel dropped for a full receive buffer meanwhile
# (RcvbufErrors, whole machine), achieved calls/s (caller wall time),
# server CPU µs per call (utime+stime of the whole process tree, every
# process and thread, from /proc/PID/stat, sampled just before the load and
# SETTLE s after it: the window covers Kamailio's tm wait timer, 5 s), the
# two SIPps' CPU µs per call, server/SIPp, and the CPU that anything else
# on the machine used in the window (% of one CPU: above a few %, the cell
# was disturbed). Then siphon/Kamailio per (mode, workers, rate), mean
# over rounds.
#
# MAXRATE=1: instead, per server, mode and workers, the highest clean rate:
# no failed call, no retransmission, achieved >= 90 % of offered, with
# MAX_SECONDS of load per step; the rate grows by MAX_FACTOR from MAX_START
# until a step is not clean (or MAX_LIMIT), then MAX_BISECT bisection steps
# between the last clean and the first unclean rate.
#
# SERVERS may include "relay": bench/proxy/null_relay.c, a UDP relay that
# only moves the same datagrams (no SIP work; the mode is ignored). Its CPU
# per call is the kernel's share that every proxy pays on this machine;
# the summary then also gives siphon/Kamailio above that floor.
#
# usage: bench/proxy/run.sh BUILD_DIR      (e.g. build/release)
# env:   SERVERS="siphon kamailio"  MODES="stateful stateless"
#        WORKERS_LIST="1 2"  RATES="1000 2000"  CALLS=20000  ROUNDS=2
#        CLIENT=un (caller's SIPp transport: a socket per call, spread over
#        siphon's SO_REUSEPORT workers as many phones would be; u1: one)
#        SETTLE=6  LOG_LEVEL=warn  BUFF=4194304 (SIPp's -buff_size: its
#        default, 64 kB, drops datagrams in bursts at 2,000 calls/s)
#        QUIET=15 (% of a CPU)  QUIET_WAIT=300 (s, then measure anyway)
#        MAXRATE=1  MAX_START=1000  MAX_FACTOR=1.5  MAX_LIMIT=12000
#        MAX_SECONDS=10  MAX_BISECT=3
#        KEEP=1 (keep the work directory: logs, SIPp screens and errors)
#
# Kamailio is tuned as /work/shared TESTING.md says: -x tlsf -m 2048,
# maxbuffer, debug=1. Every SIPp run is bounded by -m and -timeout; the
# servers and SIPps are stopped by PID.
set -u

BUILD=${1:?usage: bench/proxy/run.sh BUILD_DIR}
SIPHON="$BUILD/src/cli/siphon"
HERE=$(cd "$(dirname "$0")" && pwd)
SC=$(cd "$HERE/../../tests/integration/scenarios/proxy" && pwd)
SERVERS=${SERVERS-"siphon kamailio"}
MODES=${MODES:-"stateful stateless"}
WORKERS_LIST=${WORKERS_LIST:-"1 2"}
RATES=${RATES:-"1000 2000"}
CALLS=${CALLS:-20000}
ROUNDS=${ROUNDS:-2}
CLIENT=${CLIENT:-un}
SETTLE=${SETTLE:-6}
LOG_LEVEL=${LOG_LEVEL:-warn}
MAXRATE=${MAXRATE:-}
MAX_START=${MAX_START:-1000}
MAX_FACTOR=${MAX_FACTOR:-1.5}
MAX_LIMIT=${MAX_LIMIT:-12000}
MAX_SECONDS=${MAX_SECONDS:-10}
MAX_BISECT=${MAX_BISECT:-3}
HOST=127.0.0.1
KAMAILIO=${KAMAILIO:-/usr/sbin/kamailio}
GNUTIME=/usr/bin/time
# SIPp's socket buffers (its default, 64 kB, is below the kernel's and drops
# datagrams in bursts at 2,000 calls/s: the callee then misses ACKs).
BUFF=${BUFF:-4194304}
QUIET=${QUIET:-15}
QUIET_WAIT=${QUIET_WAIT:-300}

case " $SERVERS " in *" siphon "*)
	[ -x "$SIPHON" ] || { echo "no $SIPHON (cmake --preset release && cmake --build --preset release)" >&2; exit 1; } ;;
esac
case " $SERVERS " in *" kamailio "*)
	[ -x "$KAMAILIO" ] || { echo "kamailio missing (scripts/install-deps.sh bench)" >&2; exit 1; } ;;
esac
command -v sipp >/dev/null || { echo "sipp not found (scripts/install-deps.sh)" >&2; exit 1; }
[ -x "$GNUTIME" ] || { echo "$GNUTIME (GNU time) not found" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/siphon-bench-proxy.XXXXXX")
SPID=
UASPID=
cleanup() {
	[ -n "$UASPID" ] && kill -INT $(pgrep -P "$UASPID") 2>/dev/null
	stop_server
	if [ -n "${KEEP:-}" ]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap "exit 1" INT TERM
. "$HERE/common.sh"
TCK=$(getconf CLK_TCK)

# start_server NAME MODE WORKERS UASPORT
start_server() {
	case $1 in
	siphon) rm -rf "$TMP/run-data"; start_siphon "$2" "$3" "$4" "$TMP/run-data" ;;
	kamailio) start_kamailio "$2" "$3" "$4" ;;
	relay) start_relay "$4" ;;
	esac
}

# screen_sum FILE COLUMN: sum of a column of SIPp's scenario screen
# (Messages, Retrans, Timeout or Unexpected-Msg) over the message lines:
# the columns are fixed-width, under their header.
screen_sum() {
	awk -v col="$2" '
		index($0, "Messages") && index($0, "Retrans") { at = index($0, col); next }
		at && /---------->|<----------/ { s += substr($0, at, 9) + 0 }
		END { print s + 0 }' "$1"
}
stat_of() { # FILE "Successful call" | "Failed call": the cumulative value
	awk -F'|' -v k="$2" 'index($1, k) { gsub(/ /, "", $3); v = $3 } END { print v + 0 }' "$1"
}

# host_counters: busy CPU ticks of the whole machine (every CPU: user, nice,
# system, irq, softirq, steal) and UDP datagrams dropped for a full receive
# buffer (RcvbufErrors), since boot.
host_counters() {
	echo "$(awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat)" \
		"$(awk '$1 == "Udp:" && $2 ~ /^[0-9]+$/ { print $6; exit }' /proc/net/snmp)"
}

# wait_quiet: before a cell, wait (up to QUIET_WAIT s) until the machine's
# busy CPU over one second is below QUIET % of one CPU: another job on this
# 2-CPU VM (a build, a fuzzer, another benchmark) skews every figure.
wait_quiet() {
	local i b0 b1
	for ((i = 0; i < QUIET_WAIT; i += 2)); do
		read -r b0 _ < <(host_counters)
		sleep 1
		read -r b1 _ < <(host_counters)
		[ $(((b1 - b0) * 100 / TCK)) -lt "$QUIET" ] && return 0
		sleep 1
	done
	echo "warning: the machine stayed busy ($(((b1 - b0) * 100 / TCK)) % of a CPU); measuring anyway" >&2
}

# cell SERVER MODE WORKERS RATE CALLS OUTDIR: one measured run; prints
# "ok failed retrans drops achieved server_us sipp_us ratio other" ("-"
# when no call completed). other: CPU used on the machine during the
# window by anything but the server and the two SIPps, in % of one CPU
# (another job running at the same time skews the cell: rerun it).
cell() {
	local srv=$1 mode=$2 w=$3 rate=$4 calls=$5 out=$6 uasport lport before after i tmo
	local wall su ss uu us ok failed fail2 retrans retrans2 busy0 busy1 drops0 drops1 t0 t1
	mkdir -p "$out"
	wait_quiet
	uasport=$(free_port)
	start_server "$srv" "$mode" "$w" "$uasport" || { echo "- - - - - - - - -"; return 1; }
	tmo=$((calls * 3 / rate + 30))
	(cd "$out" && exec "$GNUTIME" -f '%e %U %S' -o uas-time.txt sipp -sf "$SC/uas_answer.xml" \
		-i "$HOST" -p "$uasport" -m "$calls" -nostdin -timeout "${tmo}s" -max_recv_loops 5000 \
		-buff_size "$BUFF" -trace_err >uas.txt 2>&1) &
	UASPID=$!
	sleep 0.3
	lport=$(free_port)
	before=$(tree_ticks "$SPID")
	uas0=$(tree_ticks "$UASPID")
	read -r busy0 drops0 < <(host_counters)
	t0=$(date +%s.%N)
	(cd "$out" && "$GNUTIME" -f '%e %U %S' -o uac-time.txt sipp -sf "$SC/uac_call.xml" \
		-s bob -key domain uas.test -d 0 -t "$CLIENT" -i "$HOST" -p "$lport" -m "$calls" \
		-r "$rate" -l 5000 -nostdin -timeout "${tmo}s" -max_recv_loops 5000 -max_socket 1000 \
		-buff_size "$BUFF" -trace_err "$HOST:$PORT" >uac.txt 2>&1)
	sleep "$SETTLE"
	after=$(tree_ticks "$SPID")
	read -r busy1 drops1 < <(host_counters)
	t1=$(date +%s.%N)
	# The callee exits by itself after CALLS calls; if some never came,
	# SIGINT makes SIPp stop and print its screens (GNU time still reports).
	for ((i = 0; i < 20; i++)); do any_alive $(tree_pids "$UASPID") || break; sleep 0.1; done
	any_alive $(tree_pids "$UASPID") && kill -INT $(pgrep -P "$UASPID") 2>/dev/null
	wait "$UASPID" 2>/dev/null
	UASPID=
	stop_server
	# GNU time's last line (a first one says "Command exited with non-zero status").
	read -r wall su ss < <(tail -n 1 "$out/uac-time.txt")
	read -r _ uu us < <(tail -n 1 "$out/uas-time.txt")
	ok=$(stat_of "$out/uac.txt" "Successful call")
	failed=$(stat_of "$out/uac.txt" "Failed call")
	fail2=$(stat_of "$out/uas.txt" "Failed call")
	retrans=$(screen_sum "$out/uac.txt" Retrans)
	retrans2=$(screen_sum "$out/uas.txt" Retrans)
	awk -v b="$before" -v a="$after" -v tck="$TCK" -v ok="$ok" -v f="$((failed + fail2))" \
		-v r="$((retrans + retrans2))" -v d="$((drops1 - drops0))" -v wall="$wall" \
		-v busy="$((busy1 - busy0))" -v win="$t0 $t1" -v uas0="$uas0" \
		-v c="${su:-0} ${ss:-0} ${uu:-0} ${us:-0}" 'BEGIN {
		split(c, t, " "); split(win, w, " ")
		sipp = t[1] + t[2] + t[3] + t[4]
		other = (busy / tck - (a - b) / tck - sipp + uas0 / tck) / (w[2] - w[1]) * 100
		if (other < 0) other = 0
		if (ok == 0) { printf "0 %d %d %d - - - - %.0f\n", f, r, d, other; exit }
		srv = (a - b) / tck / ok * 1e6; cli = sipp / ok * 1e6
		printf "%d %d %d %d %.0f %.1f %.1f %.2f %.0f\n", ok, f, r, d, ok / wall, srv, cli, srv / cli, other }'
}

# ---- fixed rates, A B A B ---------------------------------------------------------
if [ -z "$MAXRATE" ]; then
	echo "Proxied calls (INVITE/100/180/200/ACK/BYE/200), $CALLS calls per cell, caller SIPp -t $CLIENT, servers in turn"
	echo
	printf '| round | server | mode | workers | offered/s | ok | failed | retrans | drops | achieved/s | server µs/call | SIPp µs/call | server/SIPp | other CPU %% |\n'
	printf '|------:|:-------|:-----|--------:|----------:|---:|-------:|--------:|------:|-----------:|---------------:|-------------:|------------:|------------:|\n'
	declare -A SUM CNT
	for ((round = 1; round <= ROUNDS; round++)); do
		for mode in $MODES; do
			for w in $WORKERS_LIST; do
				for rate in $RATES; do
					for srv in $SERVERS; do
						row=$(cell "$srv" "$mode" "$w" "$rate" "$CALLS" "$TMP/run-$round-$mode-$w-$rate-$srv")
						read -r ok failed retrans drops achieved scpu ccpu ratio other <<<"$row"
						if [ "$scpu" != - ]; then
							k="$srv,$mode,$w,$rate"
							SUM[$k]=$(awk -v s="${SUM[$k]:-0}" -v x="$scpu" 'BEGIN { print s + x }')
							CNT[$k]=$((${CNT[$k]:-0} + 1))
						fi
						printf '| %d | %s | %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$round" \
							"$srv" "$mode" "$w" "$rate" "$ok" "$failed" "$retrans" "$drops" "$achieved" "$scpu" \
							"$ccpu" "$ratio" "$other"
					done
				done
			done
		done
	done

	echo
	echo "Server CPU µs per call, mean over rounds:"
	for mode in $MODES; do
		for w in $WORKERS_LIST; do
			for rate in $RATES; do
				line="  $mode, $w worker(s), $rate/s:"
				for srv in $SERVERS; do
					k="$srv,$mode,$w,$rate"
					if [ -n "${CNT[$k]:-}" ]; then
						line+=$(awk -v s="${SUM[$k]}" -v n="${CNT[$k]}" -v who="$srv" \
							'BEGIN { printf " %s %.1f", who, s / n }')
					else
						line+=" $srv -"
					fi
				done
				a="siphon,$mode,$w,$rate" b="kamailio,$mode,$w,$rate" z="relay,$mode,$w,$rate"
				if [ -n "${CNT[$a]:-}" ] && [ -n "${CNT[$b]:-}" ]; then
					line+=$(awk -v a="${SUM[$a]}" -v na="${CNT[$a]}" -v b="${SUM[$b]}" -v nb="${CNT[$b]}" \
						'BEGIN { printf "; siphon/Kamailio %.2f", (a / na) / (b / nb) }')
					# Above the floor: each server's own work.
					[ -n "${CNT[$z]:-}" ] && line+=$(awk -v a="${SUM[$a]}" -v na="${CNT[$a]}" \
						-v b="${SUM[$b]}" -v nb="${CNT[$b]}" -v z="${SUM[$z]}" -v nz="${CNT[$z]}" \
						'BEGIN { f = z / nz; if (b / nb > f) printf "; above the relay floor %.2f", (a / na - f) / (b / nb - f) }')
				fi
				echo "$line"
			done
		done
	done
	exit 0
fi

# ---- MAXRATE=1: the highest clean rate -----------------------------------------------
echo "Highest clean rate (no failed call, no retransmission, achieved >= 90 % of offered), $MAX_SECONDS s of load per step, caller SIPp -t $CLIENT"
echo
printf '| server | mode | workers | offered/s | ok | failed | retrans | drops | achieved/s | server µs/call | SIPp µs/call | other CPU %% | clean |\n'
printf '|:-------|:-----|--------:|----------:|---:|-------:|--------:|------:|-----------:|---------------:|-------------:|------------:|:-----:|\n'
declare -A BEST
# clean_step SERVER MODE WORKERS RATE: runs one step, prints its row, 0 if clean.
clean_step() {
	local srv=$1 mode=$2 w=$3 rate=$4 row ok failed retrans drops achieved scpu ccpu ratio other clean=no
	row=$(cell "$srv" "$mode" "$w" "$rate" $((rate * MAX_SECONDS)) "$TMP/max-$srv-$mode-$w-$rate")
	read -r ok failed retrans drops achieved scpu ccpu ratio other <<<"$row"
	if [ "$failed" = 0 ] && [ "$retrans" = 0 ] && [ "$achieved" != - ] &&
		awk -v a="$achieved" -v r="$rate" 'BEGIN { exit !(a >= 0.9 * r) }'; then
		clean=yes
	fi
	printf '| %s | %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$srv" "$mode" "$w" \
		"$rate" "$ok" "$failed" "$retrans" "$drops" "$achieved" "$scpu" "$ccpu" "$other" "$clean" >&2
	[ "$clean" = yes ]
}
for mode in $MODES; do
	for w in $WORKERS_LIST; do
		for srv in $SERVERS; do
			good=0 bad=0 rate=$MAX_START
			while [ "$rate" -le "$MAX_LIMIT" ]; do
				if clean_step "$srv" "$mode" "$w" "$rate" 2>&1; then
					good=$rate
					rate=$(awk -v r="$rate" -v f="$MAX_FACTOR" 'BEGIN { printf "%d", r * f }')
				else
					bad=$rate
					break
				fi
			done
			if [ "$good" -gt 0 ] && [ "$bad" -gt 0 ]; then
				for ((i = 0; i < MAX_BISECT; i++)); do
					mid=$(((good + bad) / 2))
					[ $((bad - good)) -le $((good / 20)) ] && break
					if clean_step "$srv" "$mode" "$w" "$mid" 2>&1; then good=$mid; else bad=$mid; fi
				done
			fi
			BEST[$srv,$mode,$w]="$good $bad"
		done
	done
done
echo
echo "Highest clean rate found (calls/s; 'first unclean' is where it stopped):"
for mode in $MODES; do
	for w in $WORKERS_LIST; do
		for srv in $SERVERS; do
			read -r good bad <<<"${BEST[$srv,$mode,$w]}"
			if [ "$bad" = 0 ]; then bad="none up to $MAX_LIMIT"; fi
			echo "  $srv, $mode, $w worker(s): $good (first unclean: $bad)"
		done
	done
done
