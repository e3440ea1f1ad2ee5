#!/usr/bin/env bash
# The softphone verbs against SIPp, with no server between them (issue 6),
# loopback only:
#   - SIPp as callee (scenarios/phone/uas_answer.xml) of `siphon call`
#     straight to its address: 180, 200 with SDP, ACK, BYE from siphon;
#   - SIPp as a callee that challenges requests within the dialog
#     (scenarios/phone/uas_refer_auth.xml): `siphon call --transfer-to`
#     answers the REFER's 407 and the BYE's 401 with credentials (RFC 3261
#     §22.2; SIPp verifies the BYE's digest);
#   - SIPp as caller (scenarios/phone/uac_call.xml) of `siphon answer
#     --port`: INVITE, 180/200 with an SDP answer, ACK, BYE from SIPp
#     answered 200, a BYE of the ended dialog answered 481, OPTIONS 200
#     with Allow.
# Every run is bounded (timeout(1), -timeout) and stopped by its PID.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need sipp
SC="$IT_SCEN/phone"
ANS_PID=
trap '[ -n "$ANS_PID" ] && kill "$ANS_PID" 2>/dev/null && wait "$ANS_PID"; it_cleanup' EXIT

# --- siphon call -> SIPp ---------------------------------------------------------
PORT=$(it_free_port)
it_sipp_uas "$SC/uas_answer.xml" "$PORT"
out=$(timeout 30 "$SIPHON" call "sip:x@$IT_HOST:$PORT" --user alice --tone 440 --duration 1 \
	--timeout 10 2>"$IT_TMP/call.err")
rc=$?
echo "$out"
it_check "call to SIPp exits 0 (got $rc)" test "$rc" -eq 0
it_check "call to SIPp: status=200" grep -q 'status=200 .*reason="local BYE"' <<<"$out"
it_check "call to SIPp: RTP sent" grep -q 'rtp sent=[1-9]' <<<"$out"
it_sipp_done "SIPp callee"

# --- in-dialog challenges: REFER 407, BYE 401 ----------------------------------------
PORT=$(it_free_port)
it_sipp_uas "$SC/uas_refer_auth.xml" "$PORT"
out=$(timeout 30 "$SIPHON" call "sip:x@$IT_HOST:$PORT" --user alice --password s3cret --tone 440 \
	--transfer-to "sip:carol@$IT_HOST:5999" --transfer-after 0.5 --timeout 10 2>>"$IT_TMP/call.err")
rc=$?
echo "$out"
it_check "challenged transfer exits 0 (got $rc)" test "$rc" -eq 0
it_check "REFER accepted after its 407, sipfrag 200" grep -q 'refer=202,200' <<<"$out"
it_check "BYE accepted after its 401" grep -q 'status=200 .*reason="local BYE"' <<<"$out"
it_sipp_done "SIPp challenging callee"

# --- SIPp -> siphon answer -----------------------------------------------------------
APORT=$(it_free_port)
timeout 60 "$SIPHON" answer --port "$APORT" --user bob --duration 40 --delay 100 \
	--record "$IT_TMP/rec.wav" >"$IT_TMP/answer.out" 2>"$IT_TMP/answer.err" &
ANS_PID=$!
for ((i = 0; i < 100; i++)); do
	grep -q '^listening on' "$IT_TMP/answer.out" 2>/dev/null && break
	sleep 0.1
done
it_check "answer listens on the port asked" grep -q "^listening on $IT_HOST:$APORT" "$IT_TMP/answer.out"
(cd "$IT_TMP" && timeout 30 sipp -sf "$SC/uac_call.xml" "$IT_HOST:$APORT" -i "$IT_HOST" \
	-p "$(it_free_port)" -mp "$(it_free_port 4)" -m 1 -nostdin -timeout 25 -timeout_error \
	-trace_err >"$IT_TMP/sipp-uac.out" 2>&1)
rc=$?
it_check "SIPp caller scenario passed (exit $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || tail -20 "$IT_TMP/sipp-uac.out" "$IT_TMP"/*errors.log >&2 2>/dev/null
kill -TERM "$ANS_PID"
wait "$ANS_PID"
rc=$?
ANS_PID=
it_check "answer exits 0 on SIGTERM (got $rc)" test "$rc" -eq 0
it_check "answer summary: 200, remote BYE" grep -q '^answer 1 status=200 .*reason="remote BYE"' \
	"$IT_TMP/answer.out"
it_check "no sanitizer report" it_sanitizer_clean "$IT_TMP/answer.err" "$IT_TMP/call.err"
it_finish
