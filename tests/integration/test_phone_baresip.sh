#!/usr/bin/env bash
# siphon's softphone talks to a real one (issue 6): a headless baresip 1.0
# (Debian `baresip-core`) registered as bob through `siphon serve`, audio
# both ways through each call, loopback only.
#
#   (a) `siphon call` (alice) -> siphon serve -> baresip (bob, auto-answer).
#       siphon plays gen_wav.py's six tones and records; baresip plays
#       baresip_wav.py's six other tones (aufile) and dumps what it decodes
#       (sndfile). After 4 s siphon hangs up. Asserts: the call exits 0 with
#       status=200 and RTP received from baresip; baresip reports the call
#       established, RTP established and closed; siphon's recording
#       matches baresip's file and baresip's decoded audio siphon's file
#       (`siphon wav-compare` for the lag, then segment by segment: see
#       bs_corr in baresip/lib.sh); the INVITE and
#       the BYE pass the proxy with 200.
#   (b) baresip (bob) dials sip:alice@127.0.0.1 -> siphon serve ->
#       `siphon answer --record --play` (alice, --hangup-after 4). Asserts:
#       the answer exits 0 after its one call with status=200 and RTP
#       received; baresip reports established and closed; siphon's recording
#       matches baresip's file, baresip's decoded audio siphon's.
#   Then baresip quits (unregistering), the server stops cleanly, and no
#   siphon process printed a sanitizer report.
#
# Audio in baresip 1.0 without a sound card: `aufile` is a source only (it
# plays a WAV whose rate and channels must equal ausrc_srate /
# ausrc_channels: 8 kHz mono here, and it ends the call when the file
# ends, hence the silence padding); `sndfile` is an audio filter that
# writes what is encoded and decoded to SND_PATH/dump-TIME-{enc,dec}.wav
# (16-bit mono at the codec's 8 kHz), closed when the call is destroyed;
# `aubridge` is a player that needs no device. G.711 only.
# baresip is driven through ctrl_tcp by baresip/ctl.py (one relay holding
# the single connection ctrl_tcp serves; see test_proxy_baresip.sh), and
# the server offers MD5 digest only (libre 1.0 gives up on any other
# algorithm in a challenge).
#
# Safety (/work/shared/TESTING.md): everything binds 127.0.0.1, IP literals
# only (dns_server points at a closed loopback port), no NAT modules; the
# server's destination allow-list is loopback (lib.sh). Every process runs
# under timeout(1) and is stopped by its PID. About 15 s.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/baresip/lib.sh"
it_init
it_need baresip
for m in aufile sndfile aubridge g711 ctrl_tcp account menu; do
	[ -f "/usr/lib/baresip/modules/$m.so" ] || { fail "baresip module $m.so not found"; it_finish; }
done

DATA="$IT_TMP/data"
# shellcheck disable=SC2034 # read by it_config (lib.sh)
IT_CONFIG_EXTRA='auth:
  algorithms: [MD5]'
WAIT=${BARESIP_WAIT:-15} # bound of each wait below (seconds)
# Recordings against the played files (bs_corr): every 100 ms window
# correlated >= 0.99 in this test's runs, even the one where the jitter
# buffer shifted the recording by 20 ms (single-lag value 0.63).
MIN_CORR=0.9
MIN_FRACTION=0.9

mkdir -p "$DATA"
for u in alice bob; do
	"$SIPHON" user add "$u" --password "pw-$u" --data "$DATA" >/dev/null || fail "user add $u"
done
SIPHON_WAV="$IT_TMP/siphon-play.wav"
BARESIP_WAV="$IT_TMP/baresip-play.wav"
"$IT_PY" "$SIPHON_SRC/tests/integration/scenarios/phone/gen_wav.py" "$SIPHON_WAV" ||
	fail "WAV generator (siphon)"
# 3 s of tones and 20 s of silence: longer than any call here.
"$IT_PY" "$SIPHON_SRC/tests/integration/scenarios/phone/baresip_wav.py" "$BARESIP_WAV" 20 ||
	fail "WAV generator (baresip)"
it_start || it_finish
SRV="$IT_HOST:$IT_PORT"

PIDS=() # baresip, its relay, siphon answer: killed at exit if still running
cleanup_all() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	PIDS=()
}
trap 'cleanup_all; it_cleanup' EXIT

# ---- baresip as bob --------------------------------------------------------------
bs_start bob auto "module g711.so" "module aufile.so" "module sndfile.so" \
	"audio_source aufile,$BARESIP_WAV" "ausrc_srate 8000" "ausrc_channels 1" "call_max_calls 1"

# wait_for PATTERN FILE: bounded wait for a line in FILE.
wait_for() {
	local i
	for ((i = 0; i < WAIT * 10; i++)); do
		grep -q -e "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# access METHOD STATUS: access-log lines of METHOD answered STATUS.
access() {
	grep -c "method=\"$1\".*status=$2 " "$IT_ERR"
}

it_check "baresip registers bob (siphon location list)" bs_registered bob@localhost
it_check "the ctrl_tcp relay is connected" bs_wait_ctl bob
if [ "$IT_FAILURES" -ne 0 ]; then
	bs_show bob
	it_show_log
	it_finish
fi

# ---- (a) siphon call -> serve -> baresip ---------------------------------------------
out=$(timeout 40 "$SIPHON" call "sip:bob@$SRV" --server "$SRV" --user alice --password pw-alice \
	--play "$SIPHON_WAV" --record "$IT_TMP/rec-a.wav" --duration 4 --timeout 20 \
	2>"$IT_TMP/call-a.err")
rc=$?
echo "(a) $out"
it_check "(a) call exits 0 (got $rc)" test "$rc" -eq 0
it_check "(a) call summary says 200" grep -q '^call sip:bob@.* status=200 ' <<<"$out"
it_check "(a) siphon sent RTP and received baresip's" \
	grep -q ' rtp sent=[1-9][0-9]* recv=[1-9]' <<<"$out"
it_check "(a) the call ended by siphon's BYE" grep -q 'reason="local BYE"' <<<"$out"
it_check "(a) baresip answered (CALL_ESTABLISHED)" bs_wait_event bob CALL_ESTABLISHED 1
it_check "(a) baresip received siphon's RTP (CALL_RTPESTAB)" bs_wait_event bob CALL_RTPESTAB 1
it_check "(a) baresip saw siphon's BYE (CALL_CLOSED)" bs_wait_event bob CALL_CLOSED 1
it_check "(a) baresip's decoded audio was written" bs_dump bob dec "$IT_TMP/bob-dec-a.wav"
it_check "(a) baresip's encoded audio was written" bs_dump bob enc "$IT_TMP/bob-enc-a.wav"
bs_corr "$BARESIP_WAV" "$IT_TMP/rec-a.wav" "(a) siphon's recording of baresip"
bs_corr "$SIPHON_WAV" "$IT_TMP/bob-dec-a.wav" "(a) baresip's decoding of siphon"
n=$(access INVITE 200)
it_check "(a) the INVITE passed the proxy with 200 (got $n)" test "$n" -ge 1
n=$(access BYE 200)
it_check "(a) the BYE passed the proxy with 200 (got $n)" test "$n" -ge 1

# ---- (b) baresip -> serve -> siphon answer ---------------------------------------------
ANS_OUT="$IT_TMP/answer-b.out"
timeout 40 "$SIPHON" answer --server "$SRV" --user alice --password pw-alice \
	--record "$IT_TMP/rec-b.wav" --play "$SIPHON_WAV" --hangup-after 4 --calls 1 \
	--duration 30 >"$ANS_OUT" 2>"$ANS_OUT.err" &
ANS_PID=$!
PIDS+=("$ANS_PID")
if ! wait_for '^registered' "$ANS_OUT"; then
	fail "(b) siphon answer (alice) did not register"
	cat "$ANS_OUT" "$ANS_OUT.err" >&2
fi
bs_cmd bob dial sip:alice@127.0.0.1
it_check "(b) baresip's call is established (CALL_ESTABLISHED)" bs_wait_event bob CALL_ESTABLISHED 2
it_check "(b) baresip received siphon's RTP (CALL_RTPESTAB)" bs_wait_event bob CALL_RTPESTAB 2
it_check "(b) siphon's BYE closed baresip's call (CALL_CLOSED)" bs_wait_event bob CALL_CLOSED 2
for ((i = 0; i < WAIT * 10; i++)); do
	kill -0 "$ANS_PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$ANS_PID" 2>/dev/null && fail "(b) siphon answer still runs ${WAIT}s after its call"
wait "$ANS_PID"
rc=$?
ans=$(grep '^answer ' "$ANS_OUT")
echo "(b) $ans"
it_check "(b) answer exits 0 after its one call (got $rc)" test "$rc" -eq 0
it_check "(b) answer summary says 200" grep -q '^answer 1 status=200 ' <<<"$ans"
it_check "(b) the caller is baresip's bob" grep -q ' peer=sip:bob@' <<<"$ans"
it_check "(b) siphon sent RTP and received baresip's" \
	grep -q ' rtp sent=[1-9][0-9]* recv=[1-9]' <<<"$ans"
it_check "(b) the call ended by siphon's BYE (--hangup-after)" grep -q 'reason="local BYE"' <<<"$ans"
it_check "(b) baresip's decoded audio was written" bs_dump bob dec "$IT_TMP/bob-dec-b.wav"
bs_corr "$BARESIP_WAV" "$IT_TMP/rec-b.wav" "(b) siphon's recording of baresip"
bs_corr "$SIPHON_WAV" "$IT_TMP/bob-dec-b.wav" "(b) baresip's decoding of siphon"
n=$(access INVITE 200)
it_check "(b) the INVITE passed the proxy with 200 (got $n)" test "$n" -ge 2
n=$(access BYE 200)
it_check "(b) the BYE passed the proxy with 200 (got $n)" test "$n" -ge 2
it_check "no sanitizer report from siphon call/answer" \
	it_sanitizer_clean "$IT_TMP/call-a.err" "$ANS_OUT.err"

# ---- baresip quits -----------------------------------------------------------------------
bs_quit bob
PIDS=()
if [ "$IT_FAILURES" -ne 0 ]; then
	bs_show bob
	it_show_log
fi

it_alive
it_stop
it_finish
