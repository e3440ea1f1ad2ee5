#!/usr/bin/env bash
# Blind call transfer (RFC 3515, issue 6) through `siphon serve`, loopback
# only, three softphones:
#   - bob and carol run `siphon answer`; alice runs `siphon call bob
#     --transfer-to carol --transfer-after 1`;
#   - alice's REFER gets 202, bob NOTIFYs "SIP/2.0 100 Trying" then
#     "SIP/2.0 200 OK" (message/sipfrag, the last with Subscription-State:
#     terminated), alice answers each 200 and then hangs up with BYE;
#   - bob calls carol (Referred-By: alice), carol answers and hangs up
#     after 2 s;
#   - summaries: alice's line says status=200 refer=202,100,...,200 and she
#     exits 0; bob prints two lines (the referring call, refer=202,...,200,
#     and his call to carol, status=200); carol one line, status=200;
#   - the server's access log: REFER 202, NOTIFY 200, INVITE to carol 200,
#     BYE 200.
# Every process is bounded by timeout(1) and stopped by its PID.
set -u
. "$(dirname "$0")/lib.sh"
it_init

DATA="$IT_TMP/data"
mkdir -p "$DATA"
. "$(dirname "$0")/phone_lib.sh"
phone_users "$DATA" alice bob carol
it_start || it_finish
SRV="$IT_HOST:$IT_PORT"

BOB_PID=
CAROL_PID=
cleanup_phones() {
	phones_stop $BOB_PID $CAROL_PID
	BOB_PID=
	CAROL_PID=
}
trap 'cleanup_phones; it_cleanup' EXIT

B="$IT_TMP/bob.out"
C="$IT_TMP/carol.out"
timeout 45 "$SIPHON" answer --server "$SRV" --user bob --password pw-bob --tone 440 \
	--calls 2 --duration 40 --accept-refer --trace >"$B" 2>"$B.err" &
BOB_PID=$!
timeout 45 "$SIPHON" answer --server "$SRV" --user carol --password pw-carol --tone 660 \
	--calls 1 --duration 40 --hangup-after 2 >"$C" 2>"$C.err" &
CAROL_PID=$!
phone_registered "$B" "$BOB_PID" || fail "bob did not register"
phone_registered "$C" "$CAROL_PID" || fail "carol did not register"

out=$(timeout 45 "$SIPHON" call "sip:bob@$SRV" --server "$SRV" --user alice --password pw-alice \
	--tone 800 --transfer-to carol --transfer-after 1 --timeout 20 --trace \
	2>"$IT_TMP/alice.err")
rc=$?
echo "alice: $out"
wait "$CAROL_PID"
crc=$?
CAROL_PID=
wait "$BOB_PID"
brc=$?
BOB_PID=
cat "$B" "$C"

it_check "alice: call exits 0 (got $rc)" test "$rc" -eq 0
# The server's two workers may let the first NOTIFY overtake the 202
# (RFC 3515 §2.4.4 allows it), so the 202's place in alice's list varies.
it_check "alice: summary says 200, REFER 202, sipfrags 100 ... 200, local BYE" \
	grep -q '^call sip:bob@.* status=200 .*reason="local BYE".* refer=\(202,\)\?100,\([0-9]*,\)*200$' <<<"$out"
it_check "alice: the REFER was answered 202" grep -q ' refer=\([0-9]*,\)*202,' <<<"$out"
it_check "bob: answer exits 0 (got $brc)" test "$brc" -eq 0
it_check "carol: answer exits 0 (got $crc)" test "$crc" -eq 0
it_check "bob: the referring call accepted the REFER and NOTIFYed 100 ... 200" \
	grep -q '^answer [12] status=200 .*peer=sip:alice@.* refer=202,100,\([0-9]*,\)*200$' "$B"
it_check "bob: his call to carol was answered" \
	grep -q '^answer [12] status=200 .*peer=sip:carol@' "$B"
it_check "carol: one call answered, from bob" grep -q '^answer 1 status=200 .*peer=sip:bob@' "$C"
it_check "carol: she hung up (local BYE)" grep -q '^answer 1 .*reason="local BYE"' "$C"
# What went over the wire, as alice and bob traced it.
it_check "alice: sent REFER with Refer-To carol and Referred-By alice" \
	bash -c "grep -q '^Refer-To: <sip:carol@' '$IT_TMP/alice.err' && grep -q '^Referred-By: <sip:alice@' '$IT_TMP/alice.err'"
it_check "alice: received NOTIFY with Event: refer and a sipfrag 200" \
	bash -c "grep -q '^Event: refer' '$IT_TMP/alice.err' && grep -q '^SIP/2.0 200 OK' '$IT_TMP/alice.err' && grep -q '^Content-Type: message/sipfrag' '$IT_TMP/alice.err'"
it_check "bob: the last NOTIFY terminated the subscription" \
	grep -q '^Subscription-State: terminated;reason=noresource' "$B.err"
it_check "bob: his INVITE to carol carried Referred-By alice" \
	grep -q '^Referred-By: <sip:alice@' "$B.err"
# The server's access log.
LOGS=$(cat "$IT_ERR" "$IT_LOG")
it_check "access log: REFER 202" grep -q 'method="REFER".* status=202 ' <<<"$LOGS"
it_check "access log: NOTIFY 200" grep -q 'method="NOTIFY".* status=200 ' <<<"$LOGS"
it_check "access log: INVITE to carol 200" \
	grep -q 'method="INVITE" ruri="sip:carol@.* status=200 ' <<<"$LOGS"
it_check "access log: BYE 200" grep -q 'method="BYE".* status=200 ' <<<"$LOGS"
it_check "no sanitizer report" it_sanitizer_clean "$B.err" "$C.err" "$IT_TMP/alice.err"

it_stop
it_finish
