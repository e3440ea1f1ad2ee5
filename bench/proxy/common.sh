# Shared by bench/proxy/run.sh and bench/proxy/validate.sh (sourced): start
# and stop the proxy under test on loopback, siphon or Kamailio, and measure
# a process tree's CPU. The caller sets TMP (work directory), HERE (this
# directory), HOST (127.0.0.1), SIPHON (the binary, may be empty when only
# Kamailio runs), KAMAILIO, LOG_LEVEL. Servers are stopped by PID only.
#
#   (bench/lib.sh: free_port, tree_pids, tree_ticks, any_alive)
#   start_kamailio MODE N UASPORT [-A DEFINE...]
#                                Kamailio with bench/proxy/kamailio.cfg,
#                                children=N, MODE stateful|stateless; sets
#                                SPID, PORT
#   start_siphon MODE N UASPORT DATA [EXTRA_PROXY_YAML]
#                                siphon serve --workers N, proxy.mode MODE,
#                                record-routing, uas.test -> UASPORT; sets
#                                SPID, PORT; returns 1 if it does not start
#   start_relay UASPORT          bench/proxy/null_relay.c (built into TMP on
#                                first use): the kernel floor; sets SPID, PORT
#   stop_server                  TERM, then KILL what is left after 10 s

. "$HERE/../lib.sh"

# wait_ready NAME: OPTIONS to the server until it answers 200 (4 s).
wait_ready() {
	local i
	for ((i = 0; i < 40; i++)); do
		python3 "$HERE/../../tests/integration/sipmsg.py" options "$HOST" "$PORT" udp \
			--timeout 0.5 >/dev/null 2>&1 && return 0
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "$1 did not start:" >&2
	tail "$TMP/$1.log" >&2
	return 1
}

start_kamailio() {
	local mode=$1 children=$2 uasport=$3
	shift 3
	PORT=$(free_port)
	mkdir -p "$TMP/kamrun"
	sed -e "s|@PORT@|$PORT|g" -e "s|@UASPORT@|$uasport|g" -e "s|@CHILDREN@|$children|g" \
		-e "s|@RUN@|$TMP/kamrun|g" "$HERE/kamailio.cfg" >"$TMP/kamailio.cfg"
	[ "$mode" = stateless ] && set -- -A STATELESS "$@"
	"$KAMAILIO" -f "$TMP/kamailio.cfg" -DD -E -x tlsf -m 2048 -M 16 -Y "$TMP/kamrun" -w "$TMP" "$@" \
		>"$TMP/kamailio.log" 2>&1 &
	SPID=$!
	wait_ready kamailio
}

start_siphon() {
	local mode=$1 workers=$2 uasport=$3 data=$4 extra=${5:-}
	PORT=$(free_port)
	cat >"$TMP/siphon.yaml" <<YAML
security:
  allow_destinations:
    - 127.0.0.0/8
    - ::1/128
auth:
  algorithms: [MD5, SHA-256]
proxy:
  mode: $mode
  record_route: true
  trusted: [127.0.0.0/8]
$extra
routes:
  - domain: uas.test
    next_hop: udp:127.0.0.1:$uasport
YAML
	mkdir -p "$data"
	"$SIPHON" serve --listen "udp:$HOST:$PORT" --workers "$workers" --data "$data" \
		--log-level "$LOG_LEVEL" --config "$TMP/siphon.yaml" >"$TMP/siphon.log" 2>&1 &
	SPID=$!
	wait_ready siphon
}

start_relay() {
	local uasport=$1
	if [ ! -x "$TMP/null_relay" ]; then
		cc -O2 -o "$TMP/null_relay" "$HERE/null_relay.c" || return 1
	fi
	PORT=$(free_port)
	"$TMP/null_relay" "$PORT" "$uasport" >"$TMP/relay.log" 2>&1 &
	SPID=$!
	# No readiness probe: it would relay the OPTIONS to the callee.
	sleep 0.2
	kill -0 "$SPID" 2>/dev/null
}

stop_server() {
	local pids i
	[ -n "${SPID:-}" ] || return 0
	pids=$(tree_pids "$SPID")
	kill -TERM "$SPID" 2>/dev/null
	for ((i = 0; i < 100; i++)); do any_alive $pids || break; sleep 0.1; done
	any_alive $pids && kill -KILL $pids 2>/dev/null
	wait "$SPID" 2>/dev/null
	SPID=
}
