#!/usr/bin/env bash
# DSCP marking of the softphone (issue 6: EF for RTP and CS3 for SIP by
# default, configurable), counted by nftables in a network namespace of
# the test's own (root only; nothing leaves it: the namespace has a veth
# pair with 10.200.7.1 on one end and no route out): bob runs `siphon
# answer` on 10.200.7.1 with the defaults, alice `siphon call --dscp-sip
# af41 --dscp-rtp cs5 sip:bob@10.200.7.1:PORT` straight to him, without
# --local-ip. Counters per direction and codepoint show alice's SIP as
# AF41 (none as CS3), her RTP as CS5, bob's SIP as CS3 and his RTP as EF;
# and alice advertised the address routed towards bob (10.200.7.1), not
# 127.0.0.1, in her Contact and SDP.
set -u
. "$(dirname "$0")/lib.sh"

skip() {
	echo "SKIP: test_phone_dscp: $*"
	exit 0
}
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
command -v ip >/dev/null 2>&1 || skip "ip (iproute2) not found"
command -v nft >/dev/null 2>&1 || skip "nft not found"

it_init
NS=siphon-dscp-$$
BOB_PORT=5070
NS_MADE=0
ANS_PID=
cleanup_ns() {
	[ -n "$ANS_PID" ] && kill "$ANS_PID" 2>/dev/null && wait "$ANS_PID" 2>/dev/null
	[ "$NS_MADE" -eq 1 ] && ip netns del "$NS" 2>/dev/null
	NS_MADE=0
}
trap 'cleanup_ns; it_cleanup' EXIT

ip netns add "$NS" || skip "cannot create a network namespace"
NS_MADE=1
ip -n "$NS" link set lo up
ip -n "$NS" link add spva type veth peer name spvb || skip "cannot create a veth pair"
ip -n "$NS" addr add 10.200.7.1/24 dev spva
ip -n "$NS" link set spva up
ip -n "$NS" link set spvb up
BOB_IP=10.200.7.1
ip netns exec "$NS" nft -f - <<EOF || skip "nftables refused the counting rules"
table inet siphon_dscp {
	chain out {
		type filter hook output priority 0; policy accept;
		udp dport $BOB_PORT ip dscp af41 counter comment "alice sip af41"
		udp dport $BOB_PORT ip dscp cs3 counter comment "alice sip cs3"
		udp sport $BOB_PORT ip dscp cs3 counter comment "bob sip cs3"
		udp sport 20000-20099 ip dscp cs5 counter comment "alice rtp cs5"
		udp sport 21000-21099 ip dscp ef counter comment "bob rtp ef"
	}
}
EOF

timeout 30 ip netns exec "$NS" "$SIPHON" answer --port "$BOB_PORT" --local-ip "$BOB_IP" \
	--user bob --calls 1 --tone 440 --rtp-ports 21000-21099 >"$IT_TMP/answer.out" \
	2>"$IT_TMP/answer.err" &
ANS_PID=$!
for ((i = 0; i < 100; i++)); do
	grep -q '^listening on' "$IT_TMP/answer.out" 2>/dev/null && break
	sleep 0.1
done
out=$(timeout 30 ip netns exec "$NS" "$SIPHON" call "sip:bob@$BOB_IP:$BOB_PORT" --user alice \
	--tone 880 --duration 1 --rtp-ports 20000-20099 --dscp-sip af41 --dscp-rtp cs5 \
	--timeout 10 --trace 2>"$IT_TMP/call.err")
rc=$?
echo "$out"
wait "$ANS_PID"
arc=$?
ANS_PID=
counters=$(ip netns exec "$NS" nft list table inet siphon_dscp)
echo "$counters"
count() {
	local n
	n=$(sed -n "s/.*counter packets \([0-9]*\) .*comment \"$1\".*/\1/p" <<<"$counters")
	echo "${n:-0}"
}
it_check "call exits 0 (got $rc)" test "$rc" -eq 0
it_check "answer exits 0 (got $arc)" test "$arc" -eq 0
it_check "alice's SIP marked AF41 ($(count 'alice sip af41') packets)" test "$(count 'alice sip af41')" -gt 0
it_check "none of alice's SIP marked CS3 ($(count 'alice sip cs3'))" test "$(count 'alice sip cs3')" -eq 0
it_check "bob's SIP marked CS3 by default ($(count 'bob sip cs3'))" test "$(count 'bob sip cs3')" -gt 0
it_check "alice's RTP marked CS5 ($(count 'alice rtp cs5'))" test "$(count 'alice rtp cs5')" -ge 40
it_check "bob's RTP marked EF by default ($(count 'bob rtp ef'))" test "$(count 'bob rtp ef')" -ge 40
it_check "alice's Contact names the address routed towards bob" \
	grep -q "^Contact: <sip:alice@$BOB_IP:" "$IT_TMP/call.err"
it_check "alice's SDP names it too" grep -q "^c=IN IP4 $BOB_IP" "$IT_TMP/call.err"
it_check "no sanitizer report" it_sanitizer_clean "$IT_TMP/answer.err" "$IT_TMP/call.err"
it_finish
