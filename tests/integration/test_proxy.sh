#!/usr/bin/env bash
# `siphon serve` as a stateful proxy (issue 5), on loopback only, with SIPp
# UAs registered on it, reproducing the RFC 3665 call flows:
#   §3.1/3.2 successful call (ACK and BYE follow Record-Route), §3.5 busy
#   (486), §3.7 CANCEL (487), §3.8 no answer (timer C: CANCEL, 487),
#   unregistered callee (480; 404 with proxy.unknown_user_status), parallel
#   forking (one answers, the other is cancelled), sequential forking by
#   q-value (486 from the first, the second answers), 483 at Max-Forwards 0,
#   482 on a loop while a spiral succeeds, relaying refused (403), digest
#   authentication of local callers (407 first), a 3xx recursed.
# The callee UAs are SIPp servers on their own ports whose contacts are
# registered with digest (register_auth_uac.xml with the contact's port and
# q). Scenarios: tests/integration/scenarios/proxy/ (each file says how it
# is invoked). Every SIPp run is bounded (-m, -timeout).
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need sipp

DATA="$IT_TMP/data"
SP="$IT_SCEN/proxy"
IT_CONFIG_EXTRA='auth:
  algorithms: [MD5, SHA-256]
proxy:
  timer_c_s: 3
  fork_timeout_s: 2'

mkdir -p "$DATA"
for u in alice bob carol dave erin frank grace heidi rita sam alias loopy; do
	"$SIPHON" user add "$u" --password "pw-$u" --data "$DATA" >/dev/null ||
		fail "user add $u"
done
it_start || it_finish

PIDS=()
cleanup_uas() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	PIDS=()
}
trap 'cleanup_uas; it_cleanup' EXIT

# register USER CONTACT_PORT [Q] [CONTACT_USER]: binds USER to
# sip:CONTACT_USER@127.0.0.1:CONTACT_PORT (digest auth); 0 on 200.
register() {
	local user=$1 port=$2 q=${3:-} cuser=${4:-$1} qp=""
	[ -n "$q" ] && qp=";q=$q"
	sed -e "s|Contact: <sip:\[field0\]@\[local_ip\]:\[local_port\]>|Contact: <sip:$cuser@127.0.0.1:$port>$qp|" \
		-e '/<action><!-- CHECK -->/,/<\/action>/d' -e '/<Reference variables="c"\/>/d' \
		"$IT_SCEN/register_auth_uac.xml" >"$IT_TMP/reg-$user-$port.xml"
	printf 'SEQUENTIAL\n%s;[authentication username=%s password=pw-%s];300\n' "$user" "$user" \
		"$user" >"$IT_TMP/reg-$user.csv"
	(cd "$IT_TMP" && timeout 30 sipp -sf "$IT_TMP/reg-$user-$port.xml" -inf "$IT_TMP/reg-$user.csv" \
		"$IT_HOST:$IT_PORT" -i "$IT_HOST" -p "$(it_free_port)" -m 1 -nostdin -timeout 20 \
		-timeout_error >"$IT_TMP/reg-$user.out" 2>&1)
}

# uas SCENARIO PORT CALLS [args]: a SIPp callee in the background.
uas() {
	local scen=$1 port=$2 m=$3
	shift 3
	(cd "$IT_TMP" && exec timeout 60 sipp -sf "$SP/$scen" -i "$IT_HOST" -p "$port" -m "$m" \
		-nostdin -timeout 50 -timeout_error -trace_err "$@" \
		>"$IT_TMP/uas-$port.out" 2>&1) &
	PIDS+=($!)
}

# uac SCENARIO CALLEE [args]: a SIPp caller through the proxy; 0 when the
# call went as the scenario expects.
uac() {
	local scen=$1 callee=$2
	shift 2
	(cd "$IT_TMP" && timeout 60 sipp -sf "$SP/$scen" -s "$callee" -key domain localhost \
		"$IT_HOST:$IT_PORT" -i "$IT_HOST" -p "$(it_free_port)" -m 1 -nostdin -timeout 40 \
		-timeout_error -trace_err "$@" >"$IT_TMP/uac.out" 2>&1)
}

# wait_uas: every background callee exited 0 (bounded by its own timeout).
wait_uas() {
	local p ok=0
	for p in "${PIDS[@]}"; do wait "$p" || ok=1; done
	PIDS=()
	return $ok
}

# status_of FILE: the first response status sipmsg.py got for FILE.
status_of() {
	"$IT_PY" "$IT_SIPMSG" send "$IT_HOST" "$IT_PORT" udp "$1" --expect 1 --wait 8 |
		"$IT_PY" -c 'import json,sys; r=json.load(sys.stdin)["responses"]; print(" ".join(str(x["status"]) for x in r) if r else "none")'
}

# ---- RFC 3665 §3.1/3.2: a successful call --------------------------------------
P1=$(it_free_port)
it_check "bob registers his contact" register bob "$P1"
uas uas_answer.xml "$P1" 1
sleep 0.3
it_check "§3.1 call alice->bob through the proxy: INVITE/180/200/ACK/BYE/200" uac uac_call.xml bob -d 200
it_check "bob's UAS saw the whole call (ACK and BYE routed)" wait_uas
n=$(grep -c 'method="INVITE".*status=200' "$IT_ERR")
it_check "the INVITE is logged answered 200 (got $n)" test "$n" -ge 1
n=$(grep -c 'method="BYE".*status=200' "$IT_ERR")
it_check "the BYE went through the proxy (Record-Route) and got 200 (got $n)" test "$n" -ge 1

# ---- one-shot requests (sipmsg.py): the proxy's own answers ---------------------
# invite_file FILE RURI [MAX-FORWARDS] [FROM]: an INVITE without body.
invite_file() {
	local mf=${3:-70} from=${4:-sip:caller@192.0.2.1}
	printf 'INVITE %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-%s\r\nMax-Forwards: %s\r\nFrom: <%s>;tag=f%s\r\nTo: <%s>\r\nCall-ID: px-%s@test\r\nCSeq: 1 INVITE\r\nContact: <sip:caller@127.0.0.1:9>\r\nContent-Length: 0\r\n\r\n' \
		"$2" "$RANDOM$RANDOM" "$mf" "$from" "$RANDOM" "$2" "$RANDOM$RANDOM" >"$1"
}
final_of() { status_of "$1" | tr ' ' '\n' | grep -v '^1' | head -1; }

invite_file "$IT_TMP/mf0.sip" sip:bob@localhost 0
s=$(final_of "$IT_TMP/mf0.sip")
it_check "RFC 3261 §16.3 step 3: Max-Forwards 0 gets 483 (got $s)" test "$s" = 483

invite_file "$IT_TMP/unreg.sip" sip:rita@localhost
s1=$(final_of "$IT_TMP/unreg.sip")
invite_file "$IT_TMP/unknown.sip" sip:nobody@localhost
s2=$(final_of "$IT_TMP/unknown.sip")
it_check "unregistered callee gets 480 (got $s1)" test "$s1" = 480
it_check "unknown callee gets the same 480 (no enumeration) (got $s2)" test "$s2" = 480

invite_file "$IT_TMP/relay.sip" sip:someone@elsewhere.test
s=$(final_of "$IT_TMP/relay.sip")
it_check "a foreign caller to a foreign domain is not relayed: 403 (got $s)" test "$s" = 403

# Loop: loopy's contact is this proxy again with loopy's own address, so
# the second pass forwards the very request it received: 482 (§16.3 step 4).
it_check "loopy registers a contact that points back at the proxy" register loopy "$IT_PORT"
invite_file "$IT_TMP/loop.sip" sip:loopy@localhost
s=$(final_of "$IT_TMP/loop.sip")
it_check "RFC 3261 §16.3 step 4: a loop gets 482 (got $s)" test "$s" = 482

# Spiral: alias's contact is the proxy with bob's user: the request comes
# back retargeted, which is no loop, and reaches bob.
it_check "alias registers sip:bob@proxy as its contact" register alias "$IT_PORT" "" bob
P2=$(it_free_port)
it_check "bob registers again (new contact)" register bob "$P2"
uas uas_answer.xml "$P2" 1
sleep 0.3
it_check "a spiral (alias -> bob through the proxy twice) is answered by bob" uac uac_call.xml alias
it_check "bob's UAS saw the spiralled call" wait_uas

# expect_fail CALLEE STATUS: a caller whose INVITE must end with STATUS.
expect_fail() {
	uac uac_expect_fail.xml "$1" -key expect "$2" -key max_forwards 70
}

# ---- RFC 3665 §3.9 busy, §3.7 CANCEL, §3.8 no answer (timer C) -------------------
P=$(it_free_port)
it_check "carol registers" register carol "$P"
uas uas_busy.xml "$P" 1
sleep 0.3
it_check "§3.9 busy: the caller gets carol's 486" uac uac_busy.xml carol
it_check "carol's UAS got the proxy's ACK for its 486" wait_uas

P=$(it_free_port)
it_check "dave registers" register dave "$P"
uas uas_ring_cancel.xml "$P" 1
sleep 0.3
it_check "§3.7 the caller cancels while dave rings: 200 to CANCEL, 487" uac uac_cancel.xml dave -d 500
it_check "dave's UAS got the proxy's CANCEL and answered 487" wait_uas

P=$(it_free_port)
it_check "erin registers" register erin "$P"
uas uas_ring_cancel.xml "$P" 1
sleep 0.3
it_check "§3.8 no answer: timer C (3 s) cancels erin's branch, the caller gets 487" \
	expect_fail erin 487
it_check "erin's UAS was cancelled by the proxy" wait_uas

# ---- forking -------------------------------------------------------------------
# Parallel: two contacts of equal q; one answers, the other is cancelled.
PA=$(it_free_port)
PB=$(it_free_port)
it_check "frank registers contact A" register frank "$PA"
it_check "frank registers contact B" register frank "$PB"
uas uas_answer.xml "$PA" 1
uas uas_ring_cancel.xml "$PB" 1
sleep 0.3
it_check "parallel forking: frank's A answers" uac uac_call.xml frank
it_check "A saw the call and B was cancelled (§16.7 step 10)" wait_uas

# Sequential by q: the q=1.0 contact is busy, then the q=0.5 one answers.
PA=$(it_free_port)
PB=$(it_free_port)
it_check "grace registers contact A with q=1.0" register grace "$PA" 1.0
it_check "grace registers contact B with q=0.5" register grace "$PB" 0.5
uas uas_busy.xml "$PA" 1
uas uas_answer.xml "$PB" 1
sleep 0.3
it_check "sequential forking: A (q=1.0) busy, then B (q=0.5) answers" uac uac_call.xml grace
it_check "A got the INVITE first and B answered" wait_uas

# Sequential on timeout: A rings without answering; after fork_timeout_s
# (2 s) it is cancelled and B answers.
PA=$(it_free_port)
PB=$(it_free_port)
it_check "heidi registers contact A with q=0.9" register heidi "$PA" 0.9
it_check "heidi registers contact B with q=0.1" register heidi "$PB" 0.1
uas uas_ring_cancel.xml "$PA" 1
uas uas_answer.xml "$PB" 1
sleep 0.3
it_check "sequential forking on timeout: A rings 2 s, is cancelled, B answers" \
	uac uac_call.xml heidi
it_check "A was cancelled and B answered" wait_uas

# ---- a local caller authenticates (issue 4: 407 first) -------------------------
invite_file "$IT_TMP/local.sip" sip:bob@localhost 70 sip:alice@localhost
s=$(final_of "$IT_TMP/local.sip")
it_check "a local caller without credentials is challenged: 407 (got $s)" test "$s" = 407
P3=$(it_free_port)
it_check "bob registers again" register bob "$P3"
uas uas_answer.xml "$P3" 1
sleep 0.3
printf 'SEQUENTIAL\nalice;[authentication username=alice password=pw-alice]\n' >"$IT_TMP/alice.csv"
it_check "alice calls bob with digest credentials (407, then 200)" \
	bash -c "cd '$IT_TMP' && timeout 60 sipp -sf '$IT_SCEN/invite_auth_uac.xml' -inf '$IT_TMP/alice.csv' \
	-s bob -key domain localhost '$IT_HOST:$IT_PORT' -i '$IT_HOST' -p $(it_free_port) -m 1 \
	-nostdin -timeout 40 -timeout_error -trace_err >'$IT_TMP/alice.out' 2>&1"
it_check "bob's UAS saw alice's call" wait_uas
it_alive
it_stop

# ---- redirect mode (RFC 3665 §3.6) ---------------------------------------------
IT_CONFIG_EXTRA='auth:
  algorithms: [MD5, SHA-256]
proxy:
  mode: redirect'
it_start || it_finish
P=$(it_free_port)
it_check "rita registers (redirect server)" register rita "$P"
uas uas_answer.xml "$P" 1
sleep 0.3
it_check "redirect mode: 302 with rita's contact, the caller calls it directly" \
	uac uac_redirect.xml rita
it_check "rita's UAS answered the redirected call" wait_uas
n=$(grep -c 'method="INVITE".*status=302' "$IT_ERR")
it_check "the redirect server logged its 302 (got $n)" test "$n" -ge 1
it_stop

# ---- stateless mode (RFC 3261 §16.11) -----------------------------------------------
IT_CONFIG_EXTRA='auth:
  algorithms: [MD5, SHA-256]
proxy:
  mode: stateless'
it_start || it_finish
P=$(it_free_port)
it_check "sam registers (stateless proxy)" register sam "$P"
uas uas_answer.xml "$P" 1
sleep 0.3
it_check "stateless mode: a basic call to sam" uac uac_call.xml sam
it_check "sam's UAS saw the whole call" wait_uas
n=$(grep -c 'method="INVITE".*forwarded statelessly' "$IT_ERR")
it_check "the INVITE was forwarded without a transaction (got $n)" test "$n" -ge 1

it_alive
it_stop
it_finish
