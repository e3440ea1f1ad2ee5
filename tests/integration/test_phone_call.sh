#!/usr/bin/env bash
# The softphone verbs through `siphon serve` (issue 6), loopback only:
#   - `siphon register` (digest, 423 answered with Min-Expires, refresh,
#     unregister), a wrong password fails with 401 (exit 1);
#   - `siphon answer` as bob (registers, auto-answers, records) and
#     `siphon call` as alice playing a generated WAV for 3 s: the call's
#     summary says 200, both exit 0, bob's recording correlates with the
#     played file (90 % of its 100 ms windows correlate >= 0.9 from the lag
#     `siphon wav-compare` finds: baresip/segcorr.py), the server's access log
#     shows the REGISTERs, INVITE 200 and BYE 200 (the proxy record-routes);
#   - the same call over TCP;
#   - a call to a user who is not registered fails (exit 1, 480);
#   - `siphon options` and `siphon message` to bob through the server;
#   - a direct call over IPv6 loopback (no server): `siphon call
#     sip:bob@[::1]:PORT` to `siphon answer --local-ip ::1` (the caller
#     binds ::1 by itself).
# Every process is bounded by timeout(1) and stopped by its PID.
set -u
. "$(dirname "$0")/lib.sh"
it_init

DATA="$IT_TMP/data"
# A short minimum expiry, so a refresh happens within the test.
IT_CONFIG_EXTRA='registrar:
  min_expires: 2'
mkdir -p "$DATA"
. "$(dirname "$0")/phone_lib.sh"
phone_users "$DATA"
"$IT_PY" "$SIPHON_SRC/tests/integration/scenarios/phone/gen_wav.py" "$IT_TMP/play.wav" ||
	fail "WAV generator"
it_start || it_finish
SRV="$IT_HOST:$IT_PORT"

trap 'bob_stop; it_cleanup' EXIT

# --- register --------------------------------------------------------------
out=$(timeout 30 "$SIPHON" register --server "$SRV" --user alice --password pw-alice \
	--expires 1 --duration 3 2>&1)
rc=$?
it_check "register exits 0 (got $rc: $out)" test "$rc" -eq 0
it_check "register retries 423 with Min-Expires 2" grep -q '^registered alice@.* expires=2$' <<<"$out"
it_check "the binding was refreshed (expires 2, 3 s)" grep -q '^refreshed [0-9]* times, last status 200' <<<"$out"
it_check "register unregisters" grep -q '^unregistered' <<<"$out"
out=$(SIPHON_PASSWORD=wrong timeout 30 "$SIPHON" register --server "$SRV" --user alice 2>&1)
rc=$?
it_check "a wrong password exits 1 (got $rc)" test "$rc" -eq 1
it_check "a wrong password prints 401" grep -q 'registration failed: 401' <<<"$out"

# --- a call with audio --------------------------------------------------------
call_test() {
	local tp=$1
	if ! bob_answers "$IT_TMP/answer-$tp.out" --transport "$tp" --record "$IT_TMP/rec-$tp.wav" \
		--calls 1; then
		fail "$tp: siphon answer did not register"
		cat "$IT_TMP/answer-$tp.out" "$IT_TMP/answer-$tp.out.err" >&2
		bob_stop
		return
	fi
	out=$(timeout 60 "$SIPHON" call "sip:bob@$SRV" --server "$SRV" --user alice \
		--password pw-alice --transport "$tp" --play "$IT_TMP/play.wav" --duration 3 \
		--timeout 20 2>"$IT_TMP/call-$tp.err")
	rc=$?
	echo "$tp: $out"
	it_check "$tp: call exits 0 (got $rc)" test "$rc" -eq 0
	it_check "$tp: call summary says 200" grep -q '^call sip:bob@.* status=200 ' <<<"$out"
	it_check "$tp: call summary has RTP statistics" grep -q 'rtp sent=[1-9][0-9]* recv=[1-9]' <<<"$out"
	bob_done "$tp: after its call"
	it_check "$tp: answer summary says 200" grep -q '^answer 1 status=200 ' "$IT_TMP/answer-$tp.out"
	it_check "$tp: no sanitizer report" it_sanitizer_clean "$IT_TMP/answer-$tp.out.err" \
		"$IT_TMP/call-$tp.err"
	it_check "$tp: bob's recording exists" test -s "$IT_TMP/rec-$tp.wav"
	# The lag from `siphon wav-compare`, then window by window (a frame the
	# jitter buffer inserts or drops under load shifts the rest by 20 ms,
	# which a single-lag correlation would count as a mismatch).
	corr=$("$SIPHON" wav-compare "$IT_TMP/play.wav" "$IT_TMP/rec-$tp.wav" 2>&1)
	lag=$(sed -n 's/.*lag_ms=\([-0-9.]*\).*/\1/p' <<<"$corr")
	seg=$("$IT_PY" "$IT_DIR/baresip/segcorr.py" "$IT_TMP/play.wav" "$IT_TMP/rec-$tp.wav" \
		"${lag:-0}" --min 0.9 --min-fraction 0.9 2>&1)
	rc=$?
	echo "$tp: $corr; $seg"
	it_check "$tp: recording matches the played file (90 % of 100 ms windows >= 0.9: $seg)" \
		test -n "$lag" -a "$rc" -eq 0
}
call_test udp
call_test tcp

it_check "access log: REGISTER 423" bash -c "grep -q 'method=\"REGISTER\".* status=423 ' <(cat '$IT_ERR' '$IT_LOG')"
it_check "access log: REGISTER 200" bash -c "grep -q 'method=\"REGISTER\".* status=200 ' <(cat '$IT_ERR' '$IT_LOG')"
it_check "access log: INVITE 407 then 200" bash -c "grep -q 'method=\"INVITE\".* status=407 ' <(cat '$IT_ERR' '$IT_LOG') && grep -q 'method=\"INVITE\".* status=200 ' <(cat '$IT_ERR' '$IT_LOG')"
it_check "access log: BYE 200" bash -c "grep -q 'method=\"BYE\".* status=200 ' <(cat '$IT_ERR' '$IT_LOG')"
it_check "access log: a tcp INVITE" bash -c "grep -q 'tp=tcp .*method=\"INVITE\".* status=200 ' <(cat '$IT_ERR' '$IT_LOG')"

# --- failures -------------------------------------------------------------------
out=$(timeout 60 "$SIPHON" call "sip:bob@$SRV" --server "$SRV" --user alice --password pw-alice \
	--duration 1 --timeout 20 2>/dev/null)
rc=$?
it_check "call to an unregistered user exits 1 (got $rc)" test "$rc" -eq 1
it_check "call to an unregistered user says 480 ($out)" grep -q 'status=480 ' <<<"$out"

# --- OPTIONS and MESSAGE to bob ----------------------------------------------------
bob_answers "$IT_TMP/answer-msg.out" --transport udp --record "$IT_TMP/rec-udp.wav" ||
	fail "siphon answer did not register (message)"
out=$(timeout 30 "$SIPHON" options "sip:bob@$SRV" --server "$SRV" --user alice --password pw-alice 2>&1)
it_check "options to bob: 200 with Allow ($out)" bash -c "grep -q '^200 ' <<<'$out' && grep -q '^Allow: INVITE' <<<'$out'"
out=$(timeout 30 "$SIPHON" message "sip:bob@$SRV" "hello bob" --server "$SRV" --user alice \
	--password pw-alice 2>&1)
rc=$?
it_check "message to bob exits 0 ($out)" test "$rc" -eq 0
for ((i = 0; i < 50; i++)); do
	grep -q 'text=hello bob' "$IT_TMP/answer-msg.out" && break
	sleep 0.1
done
it_check "bob printed the message" grep -q '^message from=sip:alice@.* text=hello bob' "$IT_TMP/answer-msg.out"
kill -TERM "$ANS_PID"
wait "$ANS_PID"
rc=$?
ANS_PID=
it_check "answer exits 0 on SIGTERM (got $rc)" test "$rc" -eq 0

it_stop

# --- a direct call over IPv6 ------------------------------------------------------------
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
	APORT=$(it_free_port)
	timeout 30 "$SIPHON" answer --port "$APORT" --local-ip ::1 --user bob --calls 1 \
		--tone 440 >"$IT_TMP/answer-v6.out" 2>"$IT_TMP/answer-v6.err" &
	ANS_PID=$!
	for ((i = 0; i < 100; i++)); do
		grep -q '^listening on' "$IT_TMP/answer-v6.out" 2>/dev/null && break
		sleep 0.1
	done
	out=$(timeout 30 "$SIPHON" call "sip:bob@[::1]:$APORT" --user alice --duration 1 \
		--timeout 10 2>"$IT_TMP/call-v6.err")
	rc=$?
	echo "ipv6: $out"
	bob_done "ipv6"
	it_check "ipv6: call exits 0 (got $rc)" test "$rc" -eq 0
	it_check "ipv6: status=200 with RTP both ways" \
		grep -q 'status=200 .* rtp sent=[1-9][0-9]* recv=[1-9]' <<<"$out"
	it_check "ipv6: no sanitizer report" it_sanitizer_clean "$IT_TMP/answer-v6.err" \
		"$IT_TMP/call-v6.err"
else
	echo "SKIP ipv6: no ::1 on lo"
fi
it_finish
