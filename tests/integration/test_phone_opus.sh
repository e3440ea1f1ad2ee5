#!/usr/bin/env bash
# Opus (RFC 7587) through the softphone verbs, loopback only:
#   (a) `siphon answer --codecs opus` as bob records, `siphon call --codecs
#       opus` as alice plays gen_wav.py's tones (after 0.5 s of silence:
#       see play-pad.wav below) for 4 s, both through
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
it_init

DATA="$IT_TMP/data"
IT_CONFIG_EXTRA='auth:
  algorithms: [MD5]'
mkdir -p "$DATA"
. "$(dirname "$0")/phone_lib.sh"
phone_users "$DATA" alice bob carol
"$IT_PY" "$SIPHON_SRC/tests/integration/scenarios/phone/gen_wav.py" "$IT_TMP/play.wav" ||
	fail "WAV generator"
# The same after 0.5 s of silence, for siphon -> siphon: the first RTP
# packet is held back by RTP source probation (RFC 3550 §A.1), so the
# callee's Opus decoder starts on the second packet, out of step with the
# encoder; on a sustained pure tone SILK's predictors then ring for a few
# hundred ms (speech hardly shows it). Starting with silence keeps that
# out of what is compared.
"$IT_PY" - "$IT_TMP/play.wav" "$IT_TMP/play-pad.wav" <<'EOF' || fail "WAV padding"
import sys, wave
r = wave.open(sys.argv[1], "rb")
w = wave.open(sys.argv[2], "wb")
w.setparams(r.getparams())
w.writeframes(b"\0\0" * (r.getframerate() // 2) + r.readframes(r.getnframes()))
w.close()
EOF
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

# corr REF REC WHAT: REC holds REF's audio (lag from `siphon wav-compare`,
# then 90 % of REF's 100 ms windows correlate >= 0.9 around it).
corr() {
	local out lag seg rc
	out=$("$SIPHON" wav-compare "$1" "$2" 2>&1)
	lag=$(sed -n 's/.*lag_ms=\([-0-9.]*\).*/\1/p' <<<"$out")
	seg=$("$IT_PY" "$IT_DIR/baresip/segcorr.py" "$1" "$2" "${lag:-0}" --min 0.9 \
		--min-fraction 0.9 2>&1)
	rc=$?
	echo "$3: $out; $seg"
	it_check "$3 matches the played file (90 % of 100 ms windows >= 0.9: $seg)" \
		test -n "$lag" -a "$rc" -eq 0
}

# A build without libopus refuses --codecs opus: nothing to test then.
probe=$(timeout 20 "$SIPHON" call "sip:nobody@$SRV" --server "$SRV" --user alice \
	--password pw-alice --codecs opus --duration 1 --timeout 2 2>&1)
if grep -q 'media: Operation not supported' <<<"$probe"; then
	echo "siphon was built without libopus: skipping the Opus calls"
	it_stop
	it_finish
fi

# ---- (a) siphon call -> serve -> siphon answer, both Opus --------------------------
if bob_answers "$IT_TMP/answer-a.out" --codecs opus --record "$IT_TMP/rec-a.wav" --calls 1; then
	out=$(timeout 60 "$SIPHON" call "sip:bob@$SRV" --server "$SRV" --user alice \
		--password pw-alice --codecs opus --play "$IT_TMP/play-pad.wav" --duration 4 \
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
	corr "$IT_TMP/play-pad.wav" "$IT_TMP/rec-a.wav" "(a) bob's recording"
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
CDIR="$IT_TMP/carol"
DUMPS="$CDIR/dumps"
mkdir -p "$DUMPS"
BS_SIP=$(it_free_port)
BS_CTL=$(it_free_port)
# aufile's file must be at ausrc_srate/ausrc_channels (8 kHz mono);
# baresip resamples to the codec's 48 kHz itself.
cat >"$CDIR/config" <<EOF
# baresip 1.0 config for test_phone_opus.sh: loopback only, Opus only.
poll_method		epoll
sip_listen		127.0.0.1:$BS_SIP
net_interface		127.0.0.1
dns_server		127.0.0.1:9
call_local_timeout	20
call_max_calls		1
audio_source		aufile,$BARESIP_WAV
ausrc_srate		8000
ausrc_channels		1
audio_player		aubridge,carol
audio_alert		aubridge,carol
audio_level		no
rtp_timeout		0
rtcp_mux		no
module_path		/usr/lib/baresip/modules
module			opus.so
module			aufile.so
module			aubridge.so
module			sndfile.so
snd_path		$DUMPS
module_tmp		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:$BS_CTL
ringback_disabled	yes
opus_bitrate		32000
EOF
printf '<sip:carol@127.0.0.1>;auth_pass=pw-carol;outbound="sip:127.0.0.1:%s;transport=udp";answermode=auto;regint=600\n' \
	"$IT_PORT" >"$CDIR/accounts"
mkfifo "$IT_TMP/carol.cmd"
: >"$IT_TMP/carol.events"
timeout 60 baresip -f "$CDIR" </dev/null >"$IT_TMP/carol.out" 2>&1 &
BS_PID=$!
PIDS+=("$BS_PID")
timeout 60 "$IT_PY" "$IT_DIR/baresip/ctl.py" "$BS_CTL" "$IT_TMP/carol.cmd" \
	"$IT_TMP/carol.events" 55 >"$IT_TMP/carol.ctl.out" 2>&1 &
PIDS+=("$!")

registered() {
	local i
	for ((i = 0; i < WAIT * 5; i++)); do
		"$SIPHON" location list --data "$DATA" 2>/dev/null | grep -q "^$1 " && return 0
		sleep 0.2
	done
	return 1
}

wait_event() {
	local i n
	for ((i = 0; i < WAIT * 10; i++)); do
		n=$(grep -c "\"type\": \"$1\"" "$IT_TMP/carol.events")
		[ "$n" -ge 1 ] && return 0
		kill -0 "$BS_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# dump KIND DEST: baresip's sndfile dump of KIND (enc or dec), once
# closed (RIFF size written at the end of the call), converted to 8 kHz
# mono 16-bit into DEST.
dump() {
	local i f
	for ((i = 0; i < WAIT * 10; i++)); do
		for f in "$DUMPS"/dump-*-"$1".wav; do
			[ -f "$f" ] || continue
			if "$IT_PY" -W ignore - "$f" "$2" <<'EOF'; then
import audioop, os, struct, sys, wave
src, dst = sys.argv[1], sys.argv[2]
with open(src, "rb") as fh:
    head = fh.read(8)
if len(head) < 8 or head[:4] != b"RIFF" or \
        struct.unpack("<I", head[4:])[0] + 8 != os.path.getsize(src):
    sys.exit(1)
w = wave.open(src, "rb")
ch, rate, width = w.getnchannels(), w.getframerate(), w.getsampwidth()
data = w.readframes(w.getnframes())
if width != 2:
    data = audioop.lin2lin(data, width, 2)
if ch == 2:
    data = audioop.tomono(data, 2, 0.5, 0.5)
elif ch != 1:
    sys.exit(2)
if rate != 8000:
    data, _ = audioop.ratecv(data, 2, 1, rate, 8000, None)
o = wave.open(dst, "wb")
o.setnchannels(1)
o.setsampwidth(2)
o.setframerate(8000)
o.writeframes(data)
o.close()
print("%s: %d ch %d Hz -> 8000 Hz mono" % (os.path.basename(src), ch, rate))
EOF
				return 0
			fi
		done
		sleep 0.1
	done
	return 1
}

it_check "(c) baresip registers carol" registered carol@localhost
it_check "(c) the ctrl_tcp relay is connected" grep -q '"ctl": "connected"' "$IT_TMP/carol.events"
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
it_check "(c) baresip received siphon's RTP (CALL_RTPESTAB)" wait_event CALL_RTPESTAB
it_check "(c) baresip saw siphon's BYE (CALL_CLOSED)" wait_event CALL_CLOSED
it_check "(c) baresip's decoded audio was written" dump dec "$IT_TMP/carol-dec.wav"
corr "$BARESIP_WAV" "$IT_TMP/rec-c.wav" "(c) siphon's recording of baresip"
corr "$IT_TMP/play.wav" "$IT_TMP/carol-dec.wav" "(c) baresip's decoding of siphon"
it_check "(c) no sanitizer report" it_sanitizer_clean "$IT_TMP/call-c.err"
if [ "$IT_FAILURES" -ne 0 ]; then
	echo "--- baresip output (last 40 lines) ---" >&2
	tail -n 40 "$IT_TMP/carol.out" >&2
fi
timeout 5 bash -c 'echo quit >"$1"' _ "$IT_TMP/carol.cmd" 2>/dev/null
for ((i = 0; i < WAIT * 10; i++)); do
	kill -0 "$BS_PID" 2>/dev/null || break
	sleep 0.1
done
cleanup_all

it_alive
it_stop
it_finish
