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
. "$(dirname "$0")/baresip/lib.sh"
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

# wait_access METHOD STATUS N: bounded wait for N access-log lines.
wait_access() {
	local i
	for ((i = 0; i < WAIT * 10; i++)); do
		[ "$(access "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

# ausine insists on 48 kHz stereo (baresip resamples).
AUDIO=("module g711.so" "module ausine.so" "audio_source ausine,440" "ausrc_srate 48000"
	"ausrc_channels 2" "call_max_calls 2")
bs_start alice manual "${AUDIO[@]}"
bs_start bob auto "${AUDIO[@]}"
it_check "alice and bob register (siphon location list shows both AORs)" \
	bs_registered alice@localhost bob@localhost
it_check "alice's ctrl_tcp relay is connected" bs_wait_ctl alice
it_check "bob's ctrl_tcp relay is connected" bs_wait_ctl bob
if [ "$IT_FAILURES" -ne 0 ]; then # no call can work: say why and stop here
	bs_show alice
	bs_show bob
	it_show_log
	it_finish
fi

# ---- call 1: alice calls bob, bob auto-answers, alice (caller) hangs up ----------
bs_cmd alice dial sip:bob@127.0.0.1
it_check "call 1: alice (caller) gets CALL_ESTABLISHED" bs_wait_event alice CALL_ESTABLISHED 1
it_check "call 1: bob (auto-answer) gets CALL_ESTABLISHED" bs_wait_event bob CALL_ESTABLISHED 1
n=$(access INVITE 407)
it_check "call 1: alice's first INVITE is challenged with 407 (got $n)" test "$n" -ge 1
it_check "call 1: the INVITE is logged answered 200" wait_access INVITE 200 1
it_check "call 1: the ACK for the 200 followed Record-Route through the proxy" \
	wait_access ACK '[0-9]*' 1
# RTP flows phone to phone (the proxy passes the SDP untouched).
it_check "call 1: alice receives bob's RTP (CALL_RTPESTAB)" bs_wait_event alice CALL_RTPESTAB 1
it_check "call 1: bob receives alice's RTP (CALL_RTPESTAB)" bs_wait_event bob CALL_RTPESTAB 1
bs_cmd alice hangup
it_check "call 1: alice gets CALL_CLOSED" bs_wait_event alice CALL_CLOSED 1
it_check "call 1: bob gets CALL_CLOSED (alice's BYE reached him)" bs_wait_event bob CALL_CLOSED 1
it_check "call 1: the BYE went through the proxy (Record-Route) and got 200" \
	wait_access BYE 200 1

# ---- call 2: bob calls alice, alice accepts by command and hangs up (callee) ------
# The BYE now travels the route set in the other direction.
bs_cmd bob dial sip:alice@127.0.0.1
it_check "call 2: alice's phone rings (CALL_INCOMING)" bs_wait_event alice CALL_INCOMING 1
bs_cmd alice accept
it_check "call 2: alice (accept) gets CALL_ESTABLISHED" bs_wait_event alice CALL_ESTABLISHED 2
it_check "call 2: bob (caller) gets CALL_ESTABLISHED" bs_wait_event bob CALL_ESTABLISHED 2
it_check "call 2: the INVITE is logged answered 200" wait_access INVITE 200 2
bs_cmd alice hangup
it_check "call 2: alice gets CALL_CLOSED" bs_wait_event alice CALL_CLOSED 2
it_check "call 2: bob gets CALL_CLOSED (the callee's BYE reached the caller)" \
	bs_wait_event bob CALL_CLOSED 2
it_check "call 2: the callee's BYE went through the proxy and got 200" wait_access BYE 200 2

bs_quit alice
bs_quit bob
PIDS=()
it_check "both phones unregistered on quit (no binding left)" unregistered
if [ "$IT_FAILURES" -ne 0 ]; then bs_show alice; bs_show bob; it_show_log; fi

it_alive
it_stop
it_finish
