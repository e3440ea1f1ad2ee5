#!/usr/bin/env bash
# Session timers (RFC 4028) of the softphone through `siphon serve`,
# loopback only; bob runs `siphon answer`, alice `siphon call`:
#   - refresh: alice asks for Session-Expires 4 (bob's test-only minimum
#     --min-se 2), bob's 2xx names alice the refresher (§9) with Require:
#     timer; alice refreshes at half the interval (§7.4) with UPDATE
#     (bob allows it) during a 5 s call: the server's access log has
#     UPDATE 200 for the call's Call-ID, both summaries say
#     session-expires=4 and at least one refresh;
#   - 422: alice asks for 2 s, bob's minimum is 3: bob answers 422 with
#     Min-SE: 3 (§8.1), alice retries with Session-Expires 3 (§7.4) and
#     the call is answered;
#   - the callee's interval (§9): alice asks for none, bob (`answer
#     --session-expires 4`) inserts Session-Expires 4;refresher=uac and
#     Require: timer; alice refreshes during a 5 s call;
#   - a refused refresh (§7.4): SIPp as callee
#     (scenarios/phone/uas_refresh_422.xml, no server) answers alice's
#     refreshing UPDATE 422 with Min-SE 6; she sends it again with
#     Session-Expires 6, answered 200, and the call goes on;
#   - keep-alive (RFC 5626 §4.4.1): `siphon register --transport tcp
#     --keepalive 1` sends CRLF CRLF pings on its connection for 3 s (its
#     --verbose log counts them), stays registered and unregisters; the
#     server (which answers each with a CRLF pong, counted by
#     tests/unit/test_ua.c) keeps the connection and reports no error;
#   - a dead flow (RFC 5626 §4.4.1): tests/integration/flow_registrar.py
#     answers two pings on the first connection and then no more; 10 s
#     after the first unanswered ping `siphon register` closes it and
#     registers again on a new connection, whose pings are answered; it
#     then unregisters there.
# Every process is bounded by timeout(1) and stopped by its PID.
set -u
. "$(dirname "$0")/lib.sh"
it_init

DATA="$IT_TMP/data"
mkdir -p "$DATA"
. "$(dirname "$0")/phone_lib.sh"
phone_users "$DATA"
it_start || it_finish
SRV="$IT_HOST:$IT_PORT"

trap 'bob_stop; it_cleanup' EXIT
it_need sipp

# --- refresh --------------------------------------------------------------------------
A="$IT_TMP/answer-refresh.out"
bob_answers "$A" --tone 440 --calls 1 --min-se 2 || fail "refresh: siphon answer did not register"
out=$(timeout 40 "$SIPHON" call "sip:bob@$SRV" --server "$SRV" --user alice --password pw-alice \
	--duration 5 --session-expires 4 --min-se 2 --timeout 20 --trace \
	2>"$IT_TMP/call-refresh.err")
rc=$?
echo "refresh: $out"
bob_done refresh
cat "$A"
it_check "refresh: call exits 0 (got $rc)" test "$rc" -eq 0
it_check "refresh: call summary: 200, session-expires=4, we refreshed" \
	grep -Eq '^call sip:bob@.* status=200 .* session-expires=4 refresher=us refreshes=[1-9]' <<<"$out"
it_check "refresh: answer summary: session-expires=4, the peer refreshed" \
	grep -Eq '^answer 1 status=200 .* session-expires=4 refresher=peer refreshes=[1-9]' "$A"
it_check "refresh: alice's INVITE said Supported: timer and Session-Expires: 4" \
	bash -c "grep -q '^Supported: .*timer' '$IT_TMP/call-refresh.err' && grep -q '^Session-Expires: 4' '$IT_TMP/call-refresh.err'"
it_check "refresh: bob's 2xx said refresher=uac and Require: timer" \
	bash -c "grep -q '^Session-Expires: 4;refresher=uac' '$IT_TMP/call-refresh.err' && grep -q '^Require: timer' '$IT_TMP/call-refresh.err'"
callid=$(grep -m1 '^Call-ID:' "$IT_TMP/call-refresh.err" | tr -d '\r' | awk '{ print $2 }')
n=$(cat "$IT_ERR" "$IT_LOG" | grep 'method="UPDATE"' | grep -F "call_id=\"$callid\"" |
	grep -c ' status=200 ')
it_check "refresh: access log has the refresh UPDATE 200 (got $n)" test "$n" -ge 1
it_check "refresh: no sanitizer report" it_sanitizer_clean "$A.err" "$IT_TMP/call-refresh.err"

# --- 422 and the retry ------------------------------------------------------------------
A="$IT_TMP/answer-422.out"
bob_answers "$A" --tone 440 --calls 1 --min-se 3 || fail "422: siphon answer did not register"
out=$(timeout 40 "$SIPHON" call "sip:bob@$SRV" --server "$SRV" --user alice --password pw-alice \
	--duration 1 --session-expires 2 --timeout 20 --trace 2>"$IT_TMP/call-422.err")
rc=$?
echo "422: $out"
bob_done 422
cat "$A"
it_check "422: call exits 0 (got $rc)" test "$rc" -eq 0
it_check "422: bob answered 422 with Min-SE: 3" \
	bash -c "grep -q '^SIP/2.0 422 ' '$IT_TMP/call-422.err' && grep -q '^Min-SE: 3' '$IT_TMP/call-422.err'"
it_check "422: the call is up with session-expires=3" \
	grep -Eq '^call sip:bob@.* status=200 .* session-expires=3 ' <<<"$out"
it_check "422: no sanitizer report" it_sanitizer_clean "$A.err" "$IT_TMP/call-422.err"

# --- the callee's interval ----------------------------------------------------------------
A="$IT_TMP/answer-uas-se.out"
bob_answers "$A" --tone 440 --calls 1 --min-se 2 --session-expires 4 ||
	fail "uas interval: siphon answer did not register"
out=$(timeout 40 "$SIPHON" call "sip:bob@$SRV" --server "$SRV" --user alice --password pw-alice \
	--duration 5 --min-se 2 --timeout 20 --trace 2>"$IT_TMP/call-uas-se.err")
rc=$?
echo "uas interval: $out"
bob_done "uas interval"
cat "$A"
it_check "uas interval: call exits 0 (got $rc)" test "$rc" -eq 0
it_check "uas interval: alice asked for none" \
	bash -c "! grep -q '^Session-Expires:' <(sed -n '1,/^--- received/p' '$IT_TMP/call-uas-se.err')"
it_check "uas interval: bob's 200 says Session-Expires: 4;refresher=uac" \
	grep -q '^Session-Expires: 4;refresher=uac' "$IT_TMP/call-uas-se.err"
it_check "uas interval: alice refreshed" \
	grep -Eq '^call sip:bob@.* session-expires=4 refresher=us refreshes=[1-9]' <<<"$out"
it_check "uas interval: bob saw the refresh" \
	grep -Eq '^answer 1 status=200 .* session-expires=4 refresher=peer refreshes=[1-9]' "$A"

# --- a refresh refused 422, with SIPp as callee -----------------------------------------------
PORT=$(it_free_port)
it_sipp_uas "$IT_SCEN/phone/uas_refresh_422.xml" "$PORT"
out=$(timeout 30 "$SIPHON" call "sip:x@$IT_HOST:$PORT" --user alice --tone 440 --duration 3.5 \
	--session-expires 4 --min-se 1 --timeout 10 2>"$IT_TMP/call-sipp-422.err")
rc=$?
echo "refresh 422: $out"
it_check "refresh 422: call exits 0 (got $rc)" test "$rc" -eq 0
it_check "refresh 422: the retried refresh set session-expires=6" \
	grep -Eq 'status=200 .* session-expires=6 refresher=us refreshes=1' <<<"$out"
it_sipp_done "refresh 422"
it_check "timers: no sanitizer report" it_sanitizer_clean "$A.err" "$IT_TMP/call-uas-se.err" \
	"$IT_TMP/call-sipp-422.err"

# --- TCP keep-alive -------------------------------------------------------------------------
out=$(timeout 30 "$SIPHON" register --server "$SRV" --user alice --password pw-alice \
	--transport tcp --keepalive 1 --duration 3 --verbose 2>"$IT_TMP/reg-ka.err")
rc=$?
echo "keepalive: $out"
n=$(grep -c 'keep-alive [0-9]* sent' "$IT_TMP/reg-ka.err")
it_check "keepalive: register exits 0 (got $rc)" test "$rc" -eq 0
it_check "keepalive: registered and unregistered" \
	bash -c "grep -q '^registered' <<<'$out' && grep -q '^unregistered' <<<'$out'"
it_check "keepalive: at least two pings sent (got $n)" test "$n" -ge 2
it_check "keepalive: no ping failed" bash -c "! grep -q 'keep-alive not sent' '$IT_TMP/reg-ka.err'"
it_check "keepalive: server alive" it_alive
it_check "keepalive: no sanitizer report" it_sanitizer_clean "$IT_TMP/reg-ka.err"

it_stop

# --- a flow whose pongs stop --------------------------------------------------------------
FPORT=$(it_free_port)
timeout 30 "$IT_PY" "$(dirname "$0")/flow_registrar.py" "$FPORT" --pongs 2 --seconds 19 \
	>"$IT_TMP/flow.json" 2>"$IT_TMP/flow.err" &
FLOW_PID=$!
sleep 0.3
out=$(timeout 30 "$SIPHON" register --server "$IT_HOST:$FPORT" --user alice --transport tcp \
	--keepalive 1 --duration 17 2>"$IT_TMP/reg-flow.err")
rc=$?
echo "flow: $out"
wait "$FLOW_PID"
cat "$IT_TMP/flow.json"
it_check "flow: register exits 0 (got $rc)" test "$rc" -eq 0
it_check "flow: one failure found, registered anew" grep -q '^flow failed 1 times' <<<"$out"
it_check "flow: unregistered at the end" grep -q '^unregistered' <<<"$out"
it_check "flow: two connections, REGISTER and unREGISTER on the second" \
	grep -q '"connections": 2, "registers": \[1, 2\]' "$IT_TMP/flow.json"
it_check "flow: the warning names RFC 5626" grep -q 'flow to the server failed' "$IT_TMP/reg-flow.err"
it_check "flow: no sanitizer report" it_sanitizer_clean "$IT_TMP/reg-flow.err"
it_finish
