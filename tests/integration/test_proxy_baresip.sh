#!/usr/bin/env bash
# Two real SIP phones call each other through `siphon serve` (issue 5): two
# headless baresip 1.0 instances (Debian `baresip-core`) register alice and
# bob with digest auth (siphon location list shows both AORs). Call 1:
# alice dials bob through the proxy (the 407 answered with her password),
# bob auto-answers, RTP flows phone to phone, alice hangs up. Call 2: bob
# dials alice, alice answers with an "accept" command and hangs up as the
# callee. Each INVITE and each BYE must pass the proxy with 200 in its access
# log (ACK and BYE follow Record-Route, in both directions); both phones
# unregister on "quit". About 3 s.
#
# How baresip is driven: its ctrl_tcp module (netstring-framed JSON,
# {"command":"dial","params":URI,"token":N}; events such as
# {"event":true,"type":"CALL_ESTABLISHED",...}). ctrl_tcp in 1.0 serves one
# connection at a time (a new one replaces the old), so each phone gets one
# small Python relay (baresip/ctl.py) that holds the connection for the
# whole test, appends every event and response as a JSON line to
# $IT_TMP/PHONE.events and sends the commands written to the FIFO
# $IT_TMP/PHONE.cmd. Nothing reads stdin (no stdio UI module).
#
# Loopback only (/work/shared/TESTING.md): each phone has its own config
# directory (-f), binds SIP to 127.0.0.1 (sip_listen, net_interface), uses
# IP literals only (no DNS lookup; dns_server points at a closed loopback
# port anyway), loads no NAT module (stun/turn/ice) and no uuid/contact/
# account defaults beyond the one account file written here. The AOR's
# domain is 127.0.0.1 (no port, as phones are configured in a real domain)
# and siphon is the outbound proxy ("outbound" account parameter), so every
# request, REGISTER included, goes to 127.0.0.1:$IT_PORT.
# Audio: ausine (a 440 Hz tone; it insists on 48 kHz stereo, baresip
# resamples) as source, aubridge (an in-process bridge, no sound device) as
# player and alert, G.711 only; RTP flows between the two phones on
# 127.0.0.1 (baresip 1.0 binds its RTP sockets to the wildcard address, but
# sends only to the SDP addresses, 127.0.0.1 here).
#
# baresip quirk: libre 1.0 aborts authentication (ENOSYS, "Function not
# implemented") when ANY challenge in a 401/407 names an algorithm other
# than MD5, instead of using the first one it supports (RFC 8760 §2.4), so
# the server here offers MD5 only (auth.algorithms).
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need baresip

DATA="$IT_TMP/data"
# shellcheck disable=SC2034 # read by it_config (lib.sh)
IT_CONFIG_EXTRA='auth:
  algorithms: [MD5]'
# Bound for each wait below (seconds).
WAIT=${BARESIP_WAIT:-10}

mkdir -p "$DATA"
for u in alice bob; do
	"$SIPHON" user add "$u" --password "pw-$u" --data "$DATA" >/dev/null || fail "user add $u"
done
it_start || it_finish

PIDS=()     # baresip and relay processes, killed at exit if still running
cleanup_phones() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	PIDS=()
}
trap 'cleanup_phones; it_cleanup' EXIT

declare -A BS_PID CTL_PID
# phone NAME ANSWERMODE: writes $IT_TMP/NAME/{config,accounts} (with both
# present baresip writes no defaults of its own), starts baresip and its
# relay, each under `timeout` so nothing outlives a test that dies half-way.
phone() {
	local name=$1 dir="$IT_TMP/$1" sip ctl
	sip=$(it_free_port)
	ctl=$(it_free_port)
	mkdir -p "$dir"
	cat >"$dir/config" <<EOF
# baresip 1.0 config for the siphon integration test: loopback only.
poll_method		epoll
sip_listen		127.0.0.1:$sip
net_interface		127.0.0.1
dns_server		127.0.0.1:9
call_local_timeout	20
call_max_calls		2
audio_source		ausine,440
ausrc_srate		48000	# ausine: 48 kHz stereo only
ausrc_channels		2
audio_player		aubridge,$name
audio_alert		aubridge,$name
audio_level		no
rtp_timeout		0
rtcp_mux		no
module_path		/usr/lib/baresip/modules
module			g711.so
module			ausine.so
module			aubridge.so
module_tmp		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:$ctl
ringback_disabled	yes
EOF
	printf '<sip:%s@127.0.0.1>;auth_pass=pw-%s;outbound="sip:127.0.0.1:%s;transport=udp";answermode=%s;regint=600\n' \
		"$name" "$name" "$IT_PORT" "$2" >"$dir/accounts"
	mkfifo "$IT_TMP/$name.cmd"
	: >"$IT_TMP/$name.events"
	timeout 60 baresip -f "$dir" -s </dev/null >"$IT_TMP/$name.out" 2>&1 &
	BS_PID[$name]=$!
	PIDS+=($!)
	timeout 60 "$IT_PY" "$IT_DIR/baresip/ctl.py" "$ctl" "$IT_TMP/$name.cmd" "$IT_TMP/$name.events" 55 \
		>"$IT_TMP/$name.ctl.out" 2>&1 &
	CTL_PID[$name]=$!
	PIDS+=($!)
}

# cmd NAME COMMAND [PARAMS]: one ctrl_tcp command (bounded: opening the
# FIFO would block for ever if the relay had died).
cmd() {
	local name=$1
	shift
	# shellcheck disable=SC2016 # expanded by the inner shell
	timeout 5 bash -c 'echo "$1" >"$2"' _ "$*" "$IT_TMP/$name.cmd" ||
		fail "$name: could not pass the command '$*' to the relay"
}

# alive NAME: NAME's baresip still runs (waits give up early otherwise).
alive() {
	kill -0 "${BS_PID[$1]}" 2>/dev/null
}

# wait_event NAME TYPE [N]: true once NAME's relay logged N (default 1)
# events of TYPE (bounded by $WAIT).
wait_event() {
	local i n
	for ((i = 0; i < WAIT * 10; i++)); do
		n=$(grep -c "\"type\": \"$2\"" "$IT_TMP/$1.events")
		[ "$n" -ge "${3:-1}" ] && return 0
		alive "$1" || return 1
		sleep 0.1
	done
	return 1
}

# registered AOR...: true once `siphon location list` shows every AOR.
registered() {
	local i a ok list
	for ((i = 0; i < WAIT * 10; i++)); do
		list=$("$SIPHON" location list --data "$DATA" 2>/dev/null)
		ok=1
		for a in "$@"; do grep -q "^$a " <<<"$list" || ok=0; done
		[ $ok = 1 ] && return 0
		sleep 0.2
	done
	return 1
}

# unregistered: true once `siphon location list` shows no binding of
# alice or bob (bounded).
unregistered() {
	local i
	for ((i = 0; i < WAIT * 5; i++)); do
		"$SIPHON" location list --data "$DATA" 2>/dev/null | grep -q -E '^(alice|bob)@' ||
			return 0
		sleep 0.2
	done
	return 1
}

# access METHOD STATUS: how many access-log lines show METHOD answered STATUS.
access() {
	grep -c "method=\"$1\".*status=$2" "$IT_ERR"
}

# wait_ctl NAME: NAME's relay holds its ctrl_tcp connection.
wait_ctl() {
	local i
	for ((i = 0; i < WAIT * 10; i++)); do
		grep -q '"ctl": "connected"' "$IT_TMP/$1.events" && return 0
		alive "$1" || return 1
		sleep 0.1
	done
	return 1
}

# wait_access METHOD STATUS N: bounded wait for N access-log lines.
wait_access() {
	local i
	for ((i = 0; i < WAIT * 10; i++)); do
		[ "$(access "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

# stop_phone NAME: "quit" over ctrl_tcp (baresip unregisters and exits),
# then SIGTERM/SIGKILL by PID if it is still running after $WAIT s.
stop_phone() {
	local name=$1 pid=${BS_PID[$1]} i
	cmd "$name" quit
	for ((i = 0; i < WAIT * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		fail "$name: baresip still running ${WAIT}s after quit"
		kill "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	kill "${CTL_PID[$name]}" 2>/dev/null
	wait "${CTL_PID[$name]}" 2>/dev/null
}

# show NAME: a phone's output and events, on failure.
show() {
	echo "--- $1: baresip output (last 60 lines) ---" >&2
	tail -n 60 "$IT_TMP/$1.out" >&2
	echo "--- $1: ctrl_tcp events ---" >&2
	cat "$IT_TMP/$1.events" >&2
}

phone alice manual
phone bob auto
it_check "alice and bob register (siphon location list shows both AORs)" \
	registered alice@localhost bob@localhost
it_check "alice's ctrl_tcp relay is connected" wait_ctl alice
it_check "bob's ctrl_tcp relay is connected" wait_ctl bob
if [ "$IT_FAILURES" -ne 0 ]; then # no call can work: say why and stop here
	show alice
	show bob
	it_show_log
	it_finish
fi

# ---- call 1: alice calls bob, bob auto-answers, alice (caller) hangs up ----------
cmd alice dial sip:bob@127.0.0.1
it_check "call 1: alice (caller) gets CALL_ESTABLISHED" wait_event alice CALL_ESTABLISHED 1
it_check "call 1: bob (auto-answer) gets CALL_ESTABLISHED" wait_event bob CALL_ESTABLISHED 1
n=$(access INVITE 407)
it_check "call 1: alice's first INVITE is challenged with 407 (got $n)" test "$n" -ge 1
it_check "call 1: the INVITE is logged answered 200" wait_access INVITE 200 1
it_check "call 1: the ACK for the 200 followed Record-Route through the proxy" \
	wait_access ACK '[0-9]*' 1
# RTP flows phone to phone (the proxy passes the SDP untouched).
it_check "call 1: alice receives bob's RTP (CALL_RTPESTAB)" wait_event alice CALL_RTPESTAB 1
it_check "call 1: bob receives alice's RTP (CALL_RTPESTAB)" wait_event bob CALL_RTPESTAB 1
cmd alice hangup
it_check "call 1: alice gets CALL_CLOSED" wait_event alice CALL_CLOSED 1
it_check "call 1: bob gets CALL_CLOSED (alice's BYE reached him)" wait_event bob CALL_CLOSED 1
it_check "call 1: the BYE went through the proxy (Record-Route) and got 200" \
	wait_access BYE 200 1

# ---- call 2: bob calls alice, alice accepts by command and hangs up (callee) ------
# The BYE now travels the route set in the other direction.
cmd bob dial sip:alice@127.0.0.1
it_check "call 2: alice's phone rings (CALL_INCOMING)" wait_event alice CALL_INCOMING 1
cmd alice accept
it_check "call 2: alice (accept) gets CALL_ESTABLISHED" wait_event alice CALL_ESTABLISHED 2
it_check "call 2: bob (caller) gets CALL_ESTABLISHED" wait_event bob CALL_ESTABLISHED 2
it_check "call 2: the INVITE is logged answered 200" wait_access INVITE 200 2
cmd alice hangup
it_check "call 2: alice gets CALL_CLOSED" wait_event alice CALL_CLOSED 2
it_check "call 2: bob gets CALL_CLOSED (the callee's BYE reached the caller)" \
	wait_event bob CALL_CLOSED 2
it_check "call 2: the callee's BYE went through the proxy and got 200" wait_access BYE 200 2

stop_phone alice
stop_phone bob
PIDS=()
it_check "both phones unregistered on quit (no binding left)" unregistered
if [ "$IT_FAILURES" -ne 0 ]; then show alice; show bob; it_show_log; fi

it_alive
it_stop
it_finish
