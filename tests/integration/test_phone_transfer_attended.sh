#!/usr/bin/env bash
# Attended call transfer (RFC 3891, the flow of RFC 5589 §7) with
# `siphon transfer --attended` through `siphon serve`, loopback only:
#   - bob and carol run `siphon answer`; alice runs `siphon transfer
#     sip:bob@SRV --to sip:carol@SRV --attended --after 1`;
#   - alice calls bob, then carol, then REFERs bob with Refer-To carol
#     ?Replaces= (the alice-carol dialog) and Referred-By alice;
#   - bob INVITEs carol with that Replaces and Referred-By alice; carol
#     accepts it (Referred-By is the replaced dialog's peer, §3), answers
#     and ends the alice-carol call with BYE (reason="replaced"); bob
#     NOTIFYs 100 ... 200 and alice hangs up the alice-bob call;
#   - bob-carol stays up until carol hangs up (--hangup-after 4);
#   - summaries: alice prints two call lines and "transfer mode=attended
#     status=200 refer=202" and exits 0; bob's line for his call to carol
#     and carol's for bob's call say status=200;
#   - the server's access log: INVITE with Replaces 200, REFER 202,
#     NOTIFY 200.
# Then the same verb without --attended (blind, RFC 5589 §6.1): bob is
# REFERred to carol, alice prints "transfer mode=blind status=200
# refer=202" and exits 0, carol answers bob.
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
timeout 50 "$SIPHON" answer --server "$SRV" --user bob --password pw-bob --tone 440 \
	--calls 2 --duration 45 --accept-refer --trace >"$B" 2>"$B.err" &
BOB_PID=$!
timeout 50 "$SIPHON" answer --server "$SRV" --user carol --password pw-carol --tone 660 \
	--calls 2 --duration 45 --hangup-after 4 --trace >"$C" 2>"$C.err" &
CAROL_PID=$!
phone_registered "$B" "$BOB_PID" || fail "bob did not register"
phone_registered "$C" "$CAROL_PID" || fail "carol did not register"

out=$(timeout 50 "$SIPHON" transfer "sip:bob@$SRV" --to "sip:carol@$SRV" --attended --after 1 \
	--server "$SRV" --user alice --password pw-alice --tone 800 --timeout 20 --trace \
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

it_check "alice: transfer exits 0 (got $rc)" test "$rc" -eq 0
it_check "alice: the transfer line says attended, sipfrag 200, REFER 202" \
	grep -q '^transfer mode=attended status=200 refer=202$' <<<"$out"
it_check "alice: her call to bob was answered, the REFER followed to 200" \
	grep -q "^call sip:bob@$SRV status=200 .* refer=\([0-9]*,\)*200$" <<<"$out"
it_check "alice: her call to carol was answered and ended by carol (replaced)" \
	grep -q "^call sip:carol@$SRV status=200 .*reason=\"remote BYE\"" <<<"$out"
it_check "bob: answer exits 0 (got $brc)" test "$brc" -eq 0
it_check "carol: answer exits 0 (got $crc)" test "$crc" -eq 0
it_check "bob: the referring call accepted the REFER and NOTIFYed 100 ... 200" \
	grep -q '^answer [12] status=200 .*peer=sip:alice@.* refer=202,100,\([0-9]*,\)*200$' "$B"
it_check "bob: his call to carol was answered" \
	grep -q '^answer [12] status=200 .*peer=sip:carol@' "$B"
it_check "carol: alice's call was replaced" \
	grep -q '^answer [12] status=200 .*reason="replaced" peer=sip:alice@' "$C"
it_check "carol: bob's call was answered and she hung it up" \
	grep -q '^answer [12] status=200 .*reason="local BYE" peer=sip:bob@' "$C"
# What went over the wire, as the phones traced it.
it_check "alice: sent REFER with Refer-To carol?Replaces= and Referred-By alice" \
	bash -c "grep -q '^Refer-To: <sip:carol@.*?Replaces=' '$IT_TMP/alice.err' && grep -q '^Referred-By: <sip:alice@' '$IT_TMP/alice.err'"
it_check "bob: his INVITE to carol carried Replaces and Referred-By alice" \
	bash -c "grep -q '^Replaces: .*;to-tag=.*;from-tag=' '$B.err' && grep -q '^Referred-By: <sip:alice@' '$B.err'"
it_check "carol: received the INVITE with Replaces" grep -q '^Replaces: ' "$C.err"
# The server's access log.
LOGS=$(cat "$IT_ERR" "$IT_LOG")
it_check "access log: REFER 202" grep -q 'method="REFER".* status=202 ' <<<"$LOGS"
it_check "access log: NOTIFY 200" grep -q 'method="NOTIFY".* status=200 ' <<<"$LOGS"
it_check "access log: two INVITEs to carol answered 200 (alice's, bob's with Replaces)" \
	test "$(grep -c 'method="INVITE" ruri="sip:carol@.* status=200 ' <<<"$LOGS")" -ge 2
it_check "no sanitizer report" it_sanitizer_clean "$B.err" "$C.err" "$IT_TMP/alice.err"

# Blind: the same verb without --attended.
B2="$IT_TMP/bob2.out"
C2="$IT_TMP/carol2.out"
timeout 50 "$SIPHON" answer --server "$SRV" --user bob --password pw-bob --tone 440 \
	--calls 2 --duration 45 --accept-refer >"$B2" 2>"$B2.err" &
BOB_PID=$!
timeout 50 "$SIPHON" answer --server "$SRV" --user carol --password pw-carol --tone 660 \
	--calls 1 --duration 45 --hangup-after 2 >"$C2" 2>"$C2.err" &
CAROL_PID=$!
phone_registered "$B2" "$BOB_PID" || fail "bob did not register again"
phone_registered "$C2" "$CAROL_PID" || fail "carol did not register again"
out=$(timeout 50 "$SIPHON" transfer "sip:bob@$SRV" --to carol --server "$SRV" --user alice \
	--password pw-alice --tone 800 --timeout 20 2>"$IT_TMP/alice2.err")
rc=$?
echo "alice (blind): $out"
wait "$CAROL_PID"
crc=$?
CAROL_PID=
wait "$BOB_PID"
brc=$?
BOB_PID=
cat "$B2" "$C2"
it_check "blind: transfer exits 0 (got $rc)" test "$rc" -eq 0
it_check "blind: one call line, then the transfer line" \
	bash -c "test \$(grep -c '^call ' <<<'$out') -eq 1 && grep -q '^transfer mode=blind status=200 refer=202$' <<<'$out'"
it_check "blind: bob and carol exit 0 (got $brc, $crc)" test "$brc$crc" = 00
it_check "blind: carol answered bob" grep -q '^answer 1 status=200 .*peer=sip:bob@' "$C2"
it_check "blind: no sanitizer report" it_sanitizer_clean "$B2.err" "$C2.err" "$IT_TMP/alice2.err"

it_stop
it_finish
