#!/usr/bin/env bash
# REGISTER-with-digest benchmark of `siphon serve` against Kamailio (issue 4
# item 7), same machine, same run, identical SIPp load, on loopback only.
#
# Part 1, digest registrations: USERS subscribers (u100000...) exist in both
# servers with the same passwords (siphon: `siphon user import`; Kamailio:
# the subscriber table of a SQLite database built from the schema files the
# Debian package ships, ha1 = MD5(user:localhost:password), auth_db with
# calculate_ha1 off; both in WAL mode, as siphon's store, or the usrloc
# write-back locks out the subscriber reads). One registration = REGISTER, 401, REGISTER with MD5
# credentials, 200 (bench/register/register_auth.xml). For each offered
# rate, CALLS registrations per cell (the users in turn, so each registers
# CALLS/USERS times), servers in turn A B A B (ROUNDS rounds), each cell on
# a fresh copy of the same data. Reported per cell: registrations completed,
# failures, achieved rate, server CPU µs per registration (utime+stime of the
# whole process tree, every process and thread, from /proc/PID/stat, sampled
# just before the load and SETTLE s after it, which covers Kamailio's usrloc
# write-back timer (5 s) and siphon's write-behind), SIPp's own CPU per
# registration, and server/SIPp. Then the siphon/Kamailio CPU ratio per
# rate (mean over rounds).
#
# Part 2, memory per binding: BINDINGS registrations of distinct AORs
# without authentication (siphon: a domain with --auth none; Kamailio: -A
# OPEN, usrloc in memory only), then VmRSS growth (siphon, one process) and
# the shared memory in use (Kamailio, `kamcmd core.shmmem`), per binding.
#
# usage: bench/register/run.sh BUILD_DIR      (e.g. build/release)
# env:   RATES="1000 3000"  CALLS=20000  USERS=10000  ROUNDS=2  CLIENT=un
#        SERVERS="siphon kamailio" (empty: skip part 1)  BINDINGS=1000000
#        MEM_RATE=5000
#        MEM_SERVERS="siphon kamailio" (empty: skip part 2)  SETTLE=6
#        LOG_LEVEL=warn  WORKERS=2 (siphon; Kamailio runs children=2)
#        KEEP=1 (keep the work directory: logs, SIPp screens, error traces)
#
# Kamailio is tuned as /work/shared TESTING.md says: -x tlsf -m 2048,
# maxbuffer, children=2, debug=1. Every SIPp run is bounded by -m and
# -timeout; the servers are killed by PID at the end.
set -u

BUILD=${1:?usage: bench/register/run.sh BUILD_DIR}
SIPHON="$BUILD/src/cli/siphon"
HERE=$(cd "$(dirname "$0")" && pwd)
RATES=${RATES:-"1000 3000"}
CALLS=${CALLS:-20000}
USERS=${USERS:-10000}
ROUNDS=${ROUNDS:-2}
CLIENT=${CLIENT:-un}
SERVERS=${SERVERS-"siphon kamailio"}
BINDINGS=${BINDINGS:-1000000}
MEM_RATE=${MEM_RATE:-5000}
MEM_SERVERS=${MEM_SERVERS-"siphon kamailio"}
SETTLE=${SETTLE:-6}
LOG_LEVEL=${LOG_LEVEL:-warn}
WORKERS=${WORKERS:-2}
HOST=127.0.0.1
REALM=localhost
KAMAILIO=${KAMAILIO:-/usr/sbin/kamailio}
KAMSQL=/usr/share/kamailio/db_sqlite

[ -x "$SIPHON" ] || { echo "no $SIPHON (cmake --preset release && cmake --build --preset release)" >&2; exit 1; }
command -v sipp >/dev/null || { echo "sipp not found (scripts/install-deps.sh)" >&2; exit 1; }
case " $SERVERS $MEM_SERVERS " in *" kamailio "*)
	[ -x "$KAMAILIO" ] && [ -f "$KAMSQL/auth_db-create.sql" ] ||
		{ echo "kamailio or kamailio-sqlite-modules missing (scripts/install-deps.sh bench)" >&2; exit 1; } ;;
esac

TMP=$(mktemp -d "${TMPDIR:-/tmp}/siphon-bench-register.XXXXXX")
SPID=
cleanup() {
	[ -n "$SPID" ] && stop_server
	if [ -n "${KEEP:-}" ]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap "exit 1" INT TERM

. "$(dirname "$0")/../lib.sh"
TCK=$(getconf CLK_TCK)

# ---- data: the same users for both servers ------------------------------------
{
	echo "user,domain,password"
	for ((i = 0; i < USERS; i++)); do echo "u$((100000 + i)),$REALM,pw$((100000 + i))"; done
} >"$TMP/users.csv"
{
	echo SEQUENTIAL
	for ((i = 0; i < USERS; i++)); do
		echo "u$((100000 + i));[authentication username=u$((100000 + i)) password=pw$((100000 + i))];$REALM"
	done
} >"$TMP/users.inf"

mkdir -p "$TMP/siphon-data"
"$SIPHON" user import "$TMP/users.csv" --data "$TMP/siphon-data" >/dev/null ||
	{ echo "siphon user import failed" >&2; exit 1; }

case " $SERVERS $MEM_SERVERS " in *" kamailio "*)
	python3 - "$TMP/users.csv" "$TMP/kamailio.db" "$KAMSQL" <<'PY' || { echo "kamailio db failed" >&2; exit 1; }
import csv, hashlib, sqlite3, sys
users, path, sql = sys.argv[1:4]
db = sqlite3.connect(path)
# WAL is persistent: Kamailio's processes then need no exclusive lock to
# set it at connect (racing for it, some fail with "database is locked").
db.execute("PRAGMA journal_mode = WAL")
for f in ("standard-create.sql", "auth_db-create.sql", "usrloc-create.sql"):
    db.executescript(open(f"{sql}/{f}").read())
rows = []
for r in csv.DictReader(open(users)):
    ha1 = hashlib.md5(f"{r['user']}:{r['domain']}:{r['password']}".encode()).hexdigest()
    ha1b = hashlib.md5(f"{r['user']}@{r['domain']}:{r['domain']}:{r['password']}".encode()).hexdigest()
    rows.append((r["user"], r["domain"], "", ha1, ha1b))
db.executemany("INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES (?,?,?,?,?)", rows)
db.commit()
PY
	;;
esac

cat >"$TMP/siphon.yaml" <<'YAML'
security:
  allow_destinations:
    - 127.0.0.0/8
    - ::1/128
auth:
  algorithms: [MD5, SHA-256]
registrar:
  min_expires: 60
  default_expires: 3600
  max_expires: 86400
  max_bindings: 10
# One SIPp address makes the whole load: no per-source share (as Kamailio).
sip:
  max_transactions_per_source: 0
YAML

# Ready when it answers an OPTIONS, whatever the status (a server with only
# bench.test configured refuses to relay for 127.0.0.1 with 403).
wait_ready() {
	local i st
	for ((i = 0; i < 40; i++)); do
		st=$(python3 "$HERE/../../tests/integration/sipmsg.py" options "$HOST" "$PORT" udp \
			--timeout 0.5 2>/dev/null)
		case $st in [1-6][0-9][0-9]) return 0 ;; esac
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "$1 did not start:" >&2
	tail "$TMP/$1.log" >&2
	exit 1
}

# start_siphon DATA_DIR
start_siphon() {
	PORT=$(free_port)
	"$SIPHON" serve --listen "udp:$HOST:$PORT" --workers "$WORKERS" --data "$1" \
		--log-level "$LOG_LEVEL" --config "$TMP/siphon.yaml" >"$TMP/siphon.log" 2>&1 &
	SPID=$!
	wait_ready siphon
}

# start_kamailio DB [extra kamailio args]
start_kamailio() {
	local db=$1
	shift
	PORT=$(free_port)
	mkdir -p "$TMP/kamrun"
	sed -e "s|@PORT@|$PORT|g" -e "s|@DB@|$db|g" -e "s|@REALM@|$REALM|g" -e "s|@RUN@|$TMP/kamrun|g" \
		"$HERE/kamailio.cfg" >"$TMP/kamailio.cfg"
	"$KAMAILIO" -f "$TMP/kamailio.cfg" -DD -E -x tlsf -m 2048 -M 16 -Y "$TMP/kamrun" -w "$TMP" "$@" \
		>"$TMP/kamailio.log" 2>&1 &
	SPID=$!
	wait_ready kamailio
}

# TERM (Kamailio's main process then stops its children), then KILL
# whatever of the tree is left after 10 s, by PID.
stop_server() {
	local pids i
	pids=$(tree_pids "$SPID")
	kill -TERM "$SPID" 2>/dev/null
	for ((i = 0; i < 100; i++)); do kill -0 $pids 2>/dev/null || break; sleep 0.1; done
	kill -KILL $pids 2>/dev/null
	wait "$SPID" 2>/dev/null
	SPID=
}

start_server() { # NAME: a fresh copy of the data
	case $1 in
	siphon) rm -rf "$TMP/run-data"; cp -a "$TMP/siphon-data" "$TMP/run-data"; start_siphon "$TMP/run-data" ;;
	kamailio) cp "$TMP/kamailio.db" "$TMP/run.db"; start_kamailio "$TMP/run.db" ;;
	esac
}

# ---- part 1: digest registrations, A B A B ------------------------------------
[ -n "$SERVERS" ] && {
echo "REGISTER with digest: $USERS users, $CALLS registrations per cell, SIPp -t $CLIENT, servers in turn"
echo
printf '| round | server | offered/s | ok | failed | achieved/s | server µs/reg | SIPp µs/reg | server/SIPp |\n'
printf '|------:|:-------|----------:|---:|-------:|-----------:|--------------:|------------:|------------:|\n'
declare -A SUM CNT
for ((round = 1; round <= ROUNDS; round++)); do
	for rate in $RATES; do
		for srv in $SERVERS; do
			start_server "$srv"
			lport=$(free_port)
			out="$TMP/run-$round-$rate-$srv"
			mkdir -p "$out"
			before=$(tree_ticks "$SPID")
			TIMEFORMAT='%R %U %S'
			{ time (cd "$out" && sipp -sf "$HERE/register_auth.xml" -inf "$TMP/users.inf" \
				-t "$CLIENT" -i "$HOST" -p "$lport" -m "$CALLS" -r "$rate" -l 5000 -nostdin \
				-timeout $((CALLS * 3 / rate + 30))s -max_recv_loops 5000 -max_socket 1000 \
				-trace_err "$HOST:$PORT" >"$out/screen.txt" 2>&1); } 2>"$out/time.txt"
			sleep "$SETTLE"
			after=$(tree_ticks "$SPID")
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
			read -r achieved scpu ccpu ratio <<<"$row"
			if [ "$scpu" != - ]; then
				SUM[$srv,$rate]=$(awk -v s="${SUM[$srv,$rate]:-0}" -v x="$scpu" 'BEGIN { print s + x }')
				CNT[$srv,$rate]=$((${CNT[$srv,$rate]:-0} + 1))
			fi
			printf '| %d | %s | %d | %s | %s | %s | %s | %s | %s |\n' \
				"$round" "$srv" "$rate" "$ok" "$failed" "$achieved" "$scpu" "$ccpu" "$ratio"
		done
	done
done

echo
echo "siphon / Kamailio server CPU per registration (mean over rounds):"
for rate in $RATES; do
	a=${SUM[siphon,$rate]:-} b=${SUM[kamailio,$rate]:-}
	if [ -n "$a" ] && [ -n "$b" ]; then
		awk -v a="$a" -v na="${CNT[siphon,$rate]}" -v b="$b" -v nb="${CNT[kamailio,$rate]}" -v r="$rate" \
			'BEGIN { x = a / na; y = b / nb
			goal = (x / y <= 0.5) ? "met" : "NOT met"
			printf "  %d/s: %.1f vs %.1f µs: ratio %.2f (goal ≤ 0.50: %s)\n", r, x, y, x / y, goal }'
	fi
done

}

# ---- part 2: memory per binding -----------------------------------------------
[ -z "$MEM_SERVERS" ] && exit 0
echo
echo "Memory per binding: $BINDINGS registrations of distinct AORs without authentication at $MEM_RATE/s"
echo
printf '| server | bindings (200s) | failed | before | after | bytes/binding |\n'
printf '|:-------|----------------:|-------:|-------:|------:|--------------:|\n'
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
shm_used() { # Kamailio shared memory in use, bytes
	kamcmd -s "unix:$TMP/kamrun/kamailio_ctl" core.shmmem 2>/dev/null | awk '$1 == "used:" { print $2 }'
}
for srv in $MEM_SERVERS; do
	case $srv in
	siphon)
		rm -rf "$TMP/mem-data"
		"$SIPHON" domain add bench.test --auth none --data "$TMP/mem-data" >/dev/null
		start_siphon "$TMP/mem-data"
		sleep 1
		m0=$(($(rss_kb "$SPID") * 1024)) ;;
	kamailio)
		cp "$TMP/kamailio.db" "$TMP/run.db"
		start_kamailio "$TMP/run.db" -A OPEN
		sleep 1
		m0=$(shm_used) ;;
	esac
	lport=$(free_port)
	out="$TMP/mem-$srv"
	mkdir -p "$out"
	(cd "$out" && sipp -sf "$HERE/register_open.xml" -s bench.test -t "$CLIENT" -i "$HOST" -p "$lport" \
		-m "$BINDINGS" -r "$MEM_RATE" -l 5000 -nostdin -timeout $((BINDINGS * 3 / MEM_RATE + 60))s \
		-max_recv_loops 5000 -max_socket 1000 "$HOST:$PORT" >"$out/screen.txt" 2>&1)
	sleep "$SETTLE"
	case $srv in
	siphon) m1=$(($(rss_kb "$SPID") * 1024)); what="VmRSS" ;;
	kamailio) m1=$(shm_used); what="shm used" ;;
	esac
	stop_server
	ok=$(awk -F'|' '/Successful call/ {gsub(/ /, "", $3); print $3}' "$out/screen.txt")
	failed=$(awk -F'|' '/Failed call/ {gsub(/ /, "", $3); print $3}' "$out/screen.txt")
	ok=${ok:-0} failed=${failed:-?}
	awk -v s="$srv ($what)" -v ok="$ok" -v f="$failed" -v a="${m0:-0}" -v b="${m1:-0}" 'BEGIN {
		per = (ok > 0 && b > 0) ? sprintf("%.0f", (b - a) / ok) : "-"
		printf "| %s | %d | %s | %.1f MB | %.1f MB | %s |\n", s, ok, f, a / 1048576, b / 1048576, per }'
done
