#!/usr/bin/env bash
# Opus (RFC 7587) through the softphone verbs, loopback only:
#   (a) `siphon answer --codecs opus` as bob records, `siphon call --codecs
#       opus` as alice plays gen_wav.py's tones for 4 s, both through
#       `siphon serve`. Asserts: both exit 0 with status=200, both summaries
#       say codec=opus with RTP both ways, bob's recording matches the played
#       file (`siphon wav-compare` for the lag, then baresip/segcorr.py: 90 %
#       of the 100 ms windows correlate >= 0.9), and the INVITE and BYE pass
#       the proxy with 200.
#   (b) `siphon call --codecs opus,PCMU` to `siphon answer` with the default
#       codecs: the call falls back to codec=PCMU.
#   (c) with baresip 1.0 (Debian baresip-core, its opus module) registered
#       as carol and auto-answering: `siphon call --codecs opus` plays and
#       records; both summaries of the audio say opus (siphon's codec=opus;
#       baresip's decoded dump exists) and each side's recording matches
#       what the other played (baresip's dump, at its codec's 48 kHz
#       stereo, is converted to 8 kHz mono first). Skipped (not failed)
#       when baresip or its opus module is missing.
#   No process printed a sanitizer report.
# Every process is bounded by timeout(1) and stopped by its PID. About 20 s.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/baresip/lib.sh"
it_init

DATA="$IT_TMP/data"
IT_CONFIG_EXTRA='auth:
  algorithms: [MD5]'
mkdir -p "$DATA"
. "$(dirname "$0")/phone_lib.sh"
phone_users "$DATA" alice bob carol
"$IT_PY" "$SIPHON_SRC/tests/integration/scenarios/phone/gen_wav.py" "$IT_TMP/play.wav" ||
	fail "WAV generator"
it_start || it_finish
SRV="$IT_HOST:$IT_PORT"

PIDS=()
cleanup_all() {
	local p
	bob_stop
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	PIDS=()
}
trap 'cleanup_all; it_cleanup' EXIT

# A build without libopus refuses --codecs opus: nothing to test then.
probe=$(timeout 20 "$SIPHON" call "sip:nobody@$SRV" --server "$SRV" --user alice \
	--password pw-alice --codecs opus --duration 1 --timeout 2 2>&1)
if grep -q 'opus needs a build with libopus' <<<"$probe"; then
	echo "siphon was built without libopus: skipping the Opus calls"
	it_stop
	it_finish
fi

# ---- (a) siphon call -> serve -> siphon answer, both Opus --------------------------
if bob_answers "$IT_TMP/answer-a.out" --codecs opus --record "$IT_TMP/rec-a.wav" --calls 1; then
	out=$(timeout 60 "$SIPHON" call "sip:bob@$SRV" --server "$SRV" --user alice \
		--password pw-alice --codecs opus --play "$IT_TMP/play.wav" --duration 4 \
		--timeout 20 2>"$IT_TMP/call-a.err")
	rc=$?
	echo "(a) $out"
	it_check "(a) call exits 0 (got $rc)" test "$rc" -eq 0
	it_check "(a) call summary says 200" grep -q '^call sip:bob@.* status=200 ' <<<"$out"
	it_check "(a) call summary says codec=opus" grep -q ' codec=opus ' <<<"$out"
	it_check "(a) call sent and received RTP" grep -q 'rtp sent=[1-9][0-9]* recv=[1-9]' <<<"$out"
	bob_done "(a) after its call"
	ans=$(grep '^answer ' "$IT_TMP/answer-a.out")
	echo "(a) $ans"
	it_check "(a) answer summary says 200" grep -q '^answer 1 status=200 ' <<<"$ans"
	it_check "(a) answer summary says codec=opus" grep -q ' codec=opus ' <<<"$ans"
	it_check "(a) bob received RTP" grep -q 'rtp sent=[1-9][0-9]* recv=[1-9]' <<<"$ans"
	it_check "(a) bob's recording exists" test -s "$IT_TMP/rec-a.wav"
	bs_corr "$IT_TMP/play.wav" "$IT_TMP/rec-a.wav" "(a) bob's recording"
	it_check "(a) no sanitizer report" it_sanitizer_clean "$IT_TMP/answer-a.out.err" \
		"$IT_TMP/call-a.err"
else
	fail "(a) siphon answer --codecs opus did not register"
	cat "$IT_TMP/answer-a.out" "$IT_TMP/answer-a.out.err" >&2
	bob_stop
fi

# ---- (b) Opus offered, the answerer has G.711 only --------------------------------------
if bob_answers "$IT_TMP/answer-b.out" --record "$IT_TMP/rec-b.wav" --calls 1; then
	out=$(timeout 60 "$SIPHON" call "sip:bob@$SRV" --server "$SRV" --user alice \
		--password pw-alice --codecs opus,PCMU --play "$IT_TMP/play.wav" --duration 2 \
		--timeout 20 2>"$IT_TMP/call-b.err")
	rc=$?
	echo "(b) $out"
	it_check "(b) call exits 0 (got $rc)" test "$rc" -eq 0
	it_check "(b) call summary says codec=PCMU" grep -q ' codec=PCMU ' <<<"$out"
	bob_done "(b) after its call"
	it_check "(b) answer summary says codec=PCMU" grep -q ' codec=PCMU ' "$IT_TMP/answer-b.out"
	it_check "(b) no sanitizer report" it_sanitizer_clean "$IT_TMP/answer-b.out.err" \
		"$IT_TMP/call-b.err"
else
	fail "(b) siphon answer did not register"
	bob_stop
fi

n=$(grep -c 'method="INVITE".* status=200 ' "$IT_ERR")
it_check "the INVITEs passed the proxy with 200 (got $n)" test "$n" -ge 2
n=$(grep -c 'method="BYE".* status=200 ' "$IT_ERR")
it_check "the BYEs passed the proxy with 200 (got $n)" test "$n" -ge 2

# ---- (c) baresip with its opus module ------------------------------------------------------
baresip_ok=1
command -v baresip >/dev/null 2>&1 || baresip_ok=0
for m in opus aufile sndfile aubridge ctrl_tcp account menu; do
	[ -f "/usr/lib/baresip/modules/$m.so" ] || baresip_ok=0
done
if [ "$baresip_ok" -eq 0 ]; then
	echo "(c) baresip or one of its modules is missing: skipped"
	it_alive
	it_stop
	it_finish
fi

WAIT=15
BARESIP_WAV="$IT_TMP/baresip-play.wav"
"$IT_PY" "$SIPHON_SRC/tests/integration/scenarios/phone/baresip_wav.py" "$BARESIP_WAV" 20 ||
	fail "WAV generator (baresip)"
# aufile's file must be at ausrc_srate/ausrc_channels (8 kHz mono);
# baresip resamples to the codec's 48 kHz itself.
bs_start carol auto "module opus.so" "module aufile.so" "module sndfile.so" \
	"audio_source aufile,$BARESIP_WAV" "ausrc_srate 8000" "ausrc_channels 1" "call_max_calls 1" \
	"opus_bitrate 32000"

it_check "(c) baresip registers carol" bs_registered carol@localhost
it_check "(c) the ctrl_tcp relay is connected" bs_wait_ctl carol
out=$(timeout 40 "$SIPHON" call "sip:carol@$SRV" --server "$SRV" --user alice \
	--password pw-alice --codecs opus --play "$IT_TMP/play.wav" --record "$IT_TMP/rec-c.wav" \
	--duration 4 --timeout 20 2>"$IT_TMP/call-c.err")
rc=$?
echo "(c) $out"
it_check "(c) call exits 0 (got $rc)" test "$rc" -eq 0
it_check "(c) call summary says 200" grep -q '^call sip:carol@.* status=200 ' <<<"$out"
it_check "(c) call summary says codec=opus" grep -q ' codec=opus ' <<<"$out"
it_check "(c) siphon sent RTP and received baresip's" \
	grep -q ' rtp sent=[1-9][0-9]* recv=[1-9]' <<<"$out"
it_check "(c) baresip received siphon's RTP (CALL_RTPESTAB)" bs_wait_event carol CALL_RTPESTAB
it_check "(c) baresip saw siphon's BYE (CALL_CLOSED)" bs_wait_event carol CALL_CLOSED
it_check "(c) baresip's decoded audio was written" bs_dump carol dec "$IT_TMP/carol-dec.wav"
bs_corr "$BARESIP_WAV" "$IT_TMP/rec-c.wav" "(c) siphon's recording of baresip"
bs_corr "$IT_TMP/play.wav" "$IT_TMP/carol-dec.wav" "(c) baresip's decoding of siphon"
it_check "(c) no sanitizer report" it_sanitizer_clean "$IT_TMP/call-c.err"
[ "$IT_FAILURES" -eq 0 ] || bs_show carol
bs_quit carol
cleanup_all

it_alive
it_stop
it_finish
