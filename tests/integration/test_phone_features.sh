#!/usr/bin/env bash
# In-dialog features of the softphone (issue 6) through `siphon serve`,
# loopback only; bob runs `siphon answer`, alice `siphon call`:
#   - hold and resume (RFC 3261 §14, RFC 3264 §8.4): --hold-after 1
#     --hold-for 1 --duration 4 sends two re-INVITEs (To tag, next CSeq),
#     both answered 200 and ACKed: both summaries say status=200 and
#     reinvite=200,200, the server's access log has three INVITE 200 for
#     the call's Call-ID, and bob sent fewer RTP packets than alice (he
#     stopped sending while held);
#   - RFC 4733 DTMF (--dtmf 123#) in the same call: bob's summary shows
#     exactly dtmf=123#;
#   - DTMF as SIP INFO (RFC 6086, --dtmf-info): bob's summary shows
#     exactly the digits sent, the access log INFO 200;
#   - reliable provisionals (RFC 3262): `siphon answer --100rel` sends its
#     180 with Require: 100rel and RSeq, alice PRACKs it (RAck), the PRACK
#     gets 200 through the server, then the call is answered; and SIPp as
#     callee (scenarios/phone/uas_100rel.xml, no server) sends a reliable
#     180 and requires the PRACK with the right RAck;
#   - early media (RFC 3960 §3, RFC 3261 §13.2.1): `siphon answer
#     --early-media` answers the offer in a 183 and sends its tone before
#     the 200: a call cancelled while ringing (487) has still received
#     RTP, and with --100rel the 183 is reliable (PRACKed), the 200
#     carries no SDP and alice keeps the media of the 183 (status 200,
#     more packets received than the answered second alone holds);
#   - early media from one fork, answer from another (RFC 3261 §13.2.2.4,
#     RFC 3960 §3.1): bob registers twice; one phone sends 183 with media
#     and never answers, the other answers 200 with its own SDP: alice's
#     media moves to the answering phone (it receives her RTP).
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

SIPP_PID=
cleanup_phone() {
	if [ -n "$SIPP_PID" ] && kill -0 "$SIPP_PID" 2>/dev/null; then
		kill "$SIPP_PID" 2>/dev/null
		wait "$SIPP_PID" 2>/dev/null
	fi
	bob_stop
}
trap 'cleanup_phone; it_cleanup' EXIT

# --- hold and resume, RFC 4733 DTMF ------------------------------------------------
A="$IT_TMP/answer-hold.out"
bob_answers "$A" --tone 440 --calls 1 || fail "hold: siphon answer did not register"
out=$(timeout 60 "$SIPHON" call "sip:bob@$SRV" --server "$SRV" --user alice --password pw-alice \
	--tone 800 --duration 4 --hold-after 1 --hold-for 1 --dtmf 123# --timeout 20 --trace \
	2>"$IT_TMP/call-hold.err")
rc=$?
echo "hold: $out"
bob_done hold
cat "$A"
it_check "hold: call exits 0 (got $rc)" test "$rc" -eq 0
it_check "hold: call summary says 200 and two re-INVITEs 200" \
	grep -q '^call sip:bob@.* status=200 .* reinvite=200,200$' <<<"$out"
it_check "hold: answer summary says 200 and two re-INVITEs 200" \
	grep -q '^answer 1 status=200 .* reinvite=200,200$' "$A"
it_check "hold: bob received exactly the digits 123#" grep -q ' dtmf=123# ' "$A"
# The re-INVITEs as alice sent them: within the dialog (To tag).
reinv=$(awk '/^--- / { inv = 0 } /^--- sent to/ { getline l; inv = (l ~ /^INVITE /) } inv && /^To: .*;tag=/ { n++ } END { print n + 0 }' \
	"$IT_TMP/call-hold.err")
it_check "hold: alice sent two INVITEs with a To tag (got $reinv)" test "$reinv" -eq 2
callid=$(grep -m1 '^Call-ID:' "$IT_TMP/call-hold.err" | tr -d '\r' | awk '{ print $2 }')
n=$(cat "$IT_ERR" "$IT_LOG" | grep 'method="INVITE"' | grep -F "call_id=\"$callid\"" |
	grep -c ' status=200 ')
it_check "hold: access log has the INVITE and two re-INVITEs 200 (got $n)" test "$n" -eq 3
# While held bob did not send: he sent about a second's packets fewer.
as=$(sed -n 's/.* rtp sent=\([0-9]*\) .*/\1/p' <<<"$out")
bs=$(sed -n 's/.* rtp sent=\([0-9]*\) .*/\1/p' "$A")
it_check "hold: bob sent fewer RTP packets than alice ($bs < $as - 25)" \
	test "${bs:-0}" -lt $((${as:-0} - 25))
it_check "hold: no sanitizer report" it_sanitizer_clean "$A.err" "$IT_TMP/call-hold.err"

# --- DTMF as INFO -------------------------------------------------------------------
A="$IT_TMP/answer-info.out"
bob_answers "$A" --tone 440 --calls 1 || fail "info: siphon answer did not register"
out=$(timeout 60 "$SIPHON" call "sip:bob@$SRV" --server "$SRV" --user alice --password pw-alice \
	--duration 2 --dtmf '4567*#' --dtmf-info --timeout 20 2>"$IT_TMP/call-info.err")
rc=$?
echo "info: $out"
bob_done info
cat "$A"
it_check "info: call exits 0 (got $rc)" test "$rc" -eq 0
it_check "info: bob received exactly the digits 4567*#" grep -q ' dtmf=4567\*#$' "$A"
it_check "info: access log INFO 200" bash -c "grep -q 'method=\"INFO\".* status=200 ' <(cat '$IT_ERR' '$IT_LOG')"
it_check "info: no sanitizer report" it_sanitizer_clean "$A.err" "$IT_TMP/call-info.err"

# --- 100rel / PRACK through the server ------------------------------------------------
A="$IT_TMP/answer-100rel.out"
bob_answers "$A" --tone 440 --calls 1 --100rel ||
	fail "100rel: siphon answer did not register"
out=$(timeout 60 "$SIPHON" call "sip:bob@$SRV" --server "$SRV" --user alice --password pw-alice \
	--duration 1 --timeout 20 --trace 2>"$IT_TMP/call-100rel.err")
rc=$?
echo "100rel: $out"
bob_done 100rel
cat "$A"
it_check "100rel: call exits 0 (got $rc)" test "$rc" -eq 0
it_check "100rel: call summary says 200 and one PRACK answered" \
	grep -q '^call sip:bob@.* status=200 .* prack=1$' <<<"$out"
it_check "100rel: answer summary says 200 and one PRACK received" \
	grep -q '^answer 1 status=200 .* prack=1$' "$A"
it_check "100rel: the 180 came with Require: 100rel and RSeq" \
	bash -c "grep -q '^Require: 100rel' '$IT_TMP/call-100rel.err' && grep -q '^RSeq: [0-9]' '$IT_TMP/call-100rel.err'"
it_check "100rel: alice sent PRACK with RAck" grep -q '^RAck: [0-9]* [0-9]* INVITE' "$IT_TMP/call-100rel.err"
it_check "100rel: access log PRACK 200" bash -c "grep -q 'method=\"PRACK\".* status=200 ' <(cat '$IT_ERR' '$IT_LOG')"
it_check "100rel: no sanitizer report" it_sanitizer_clean "$A.err" "$IT_TMP/call-100rel.err"

# --- early media: 183 with SDP before the answer -----------------------------------------
A="$IT_TMP/answer-early.out"
bob_answers "$A" --tone 440 --calls 1 --early-media --delay 8000 ||
	fail "early: siphon answer did not register"
out=$(timeout 60 "$SIPHON" call "sip:bob@$SRV" --server "$SRV" --user alice --password pw-alice \
	--timeout 2 2>"$IT_TMP/call-early.err")
rc=$?
echo "early: $out"
wait "$ANS_PID"
arc=$?
ANS_PID=
it_check "early: answer exits 1, no call answered (got $arc)" test "$arc" -eq 1
cat "$A"
it_check "early: the unanswered call fails (exit 1, got $rc)" test "$rc" -eq 1
recv=$(sed -n 's/.* status=487 .* recv=\([0-9]*\) .*/\1/p' <<<"$out")
it_check "early: cancelled (487) after receiving early RTP (recv=${recv:-none})" \
	test "${recv:-0}" -ge 50

A="$IT_TMP/answer-early-rel.out"
bob_answers "$A" --tone 440 --calls 1 --early-media --100rel --delay 1500 ||
	fail "early 100rel: siphon answer did not register"
out=$(timeout 60 "$SIPHON" call "sip:bob@$SRV" --server "$SRV" --user alice --password pw-alice \
	--duration 1 --timeout 20 --trace 2>"$IT_TMP/call-early-rel.err")
rc=$?
echo "early 100rel: $out"
bob_done "early 100rel"
cat "$A"
it_check "early 100rel: call exits 0 (got $rc)" test "$rc" -eq 0
it_check "early 100rel: status=200 and the 183 PRACKed" grep -q 'status=200 .* prack=1$' <<<"$out"
recv=$(sed -n 's/.* recv=\([0-9]*\) .*/\1/p' <<<"$out")
it_check "early 100rel: media from the 183 on (recv=${recv:-none} > 75)" test "${recv:-0}" -gt 75
# The INVITE's responses as alice received them: a 183 with SDP, a 200 without.
resp=$(tr -d '\r' <"$IT_TMP/call-early-rel.err" | awk '/^--- received/ { getline l; st = l; next } st ~ /^SIP\/2.0 (183|200)/ && /^CSeq: [0-9]+ INVITE/ { want = st } want && /^Content-Length:/ { split(want, a, " "); print a[2] ":" $2; want = "" }' |
	sort -u | tr '\n' ' ')
it_check "early 100rel: 183 with a body, 200 without (got $resp)" \
	bash -c "grep -q '183:[1-9]' <<<'$resp' && grep -q '200:0 ' <<<'$resp'"
it_check "early: no sanitizer report" it_sanitizer_clean "$A.err" "$IT_TMP/call-early.err" \
	"$IT_TMP/call-early-rel.err"

# --- early media from one fork, the answer from another --------------------------------
A="$IT_TMP/answer-fork-early.out"
bob_answers "$A" --tone 440 --calls 1 --early-media --delay 20000 ||
	fail "fork: the early-media phone did not register"
EARLY_PID=$ANS_PID
A2="$IT_TMP/answer-fork-200.out"
bob_answers "$A2" --tone 880 --calls 1 --delay 1500 ||
	fail "fork: the answering phone did not register"
out=$(timeout 60 "$SIPHON" call "sip:bob@$SRV" --server "$SRV" --user alice --password pw-alice \
	--duration 2 --timeout 20 2>"$IT_TMP/call-fork.err")
rc=$?
echo "fork: $out"
bob_done "fork (answering phone)"
ANS_PID=$EARLY_PID
wait "$ANS_PID"
ANS_PID=
cat "$A" "$A2"
it_check "fork: call exits 0 (got $rc)" test "$rc" -eq 0
it_check "fork: the early-media phone was cancelled (487)" grep -q '^answer 1 status=487 ' "$A"
recv=$(sed -n 's/^answer 1 status=200 .* recv=\([0-9]*\) .*/\1/p' "$A2")
it_check "fork: alice's media went to the phone that answered (recv=${recv:-none} >= 50)" \
	test "${recv:-0}" -ge 50
it_check "fork: no sanitizer report" it_sanitizer_clean "$A.err" "$A2.err" "$IT_TMP/call-fork.err"

it_stop

# --- 100rel / PRACK with SIPp as callee ------------------------------------------------
if command -v sipp >/dev/null 2>&1; then
	PORT=$(it_free_port)
	(cd "$IT_TMP" && exec timeout 30 sipp -sf "$IT_SCEN/phone/uas_100rel.xml" -i "$IT_HOST" \
		-p "$PORT" -mp "$(it_free_port 4)" -m 1 -nostdin -timeout 25 -timeout_error -trace_err \
		>"$IT_TMP/sipp-100rel.out" 2>&1) &
	SIPP_PID=$!
	sleep 0.5
	out=$(timeout 30 "$SIPHON" call "sip:x@$IT_HOST:$PORT" --user alice --tone 440 --duration 1 \
		--timeout 10 2>"$IT_TMP/call-sipp.err")
	rc=$?
	echo "sipp 100rel: $out"
	it_check "sipp 100rel: call exits 0 (got $rc)" test "$rc" -eq 0
	it_check "sipp 100rel: status=200, PRACK answered" grep -q 'status=200 .* prack=1$' <<<"$out"
	wait "$SIPP_PID"
	rc=$?
	SIPP_PID=
	it_check "sipp 100rel: SIPp callee scenario passed (exit $rc)" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || tail -20 "$IT_TMP/sipp-100rel.out" "$IT_TMP"/*errors.log >&2 2>/dev/null
else
	fail "sipp not found (scripts/install-deps.sh installs it)"
fi

it_finish
