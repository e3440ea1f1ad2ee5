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
#       corr below); the INVITE and
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
# Recordings against the played files (corr below): every 100 ms window
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
BDIR="$IT_TMP/bob"
DUMPS="$BDIR/dumps"
mkdir -p "$DUMPS"
BS_SIP=$(it_free_port)
BS_CTL=$(it_free_port)
cat >"$BDIR/config" <<EOF
# baresip 1.0 config for test_phone_baresip.sh: loopback only.
poll_method		epoll
sip_listen		127.0.0.1:$BS_SIP
net_interface		127.0.0.1
dns_server		127.0.0.1:9
call_local_timeout	20
call_max_calls		1
audio_source		aufile,$BARESIP_WAV
ausrc_srate		8000	# aufile: the file's rate and channels
ausrc_channels		1
audio_player		aubridge,bob
audio_alert		aubridge,bob
audio_level		no
rtp_timeout		0
rtcp_mux		no
module_path		/usr/lib/baresip/modules
module			g711.so
module			aufile.so
module			aubridge.so
module			sndfile.so
snd_path		$DUMPS
module_tmp		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:$BS_CTL
ringback_disabled	yes
EOF
printf '<sip:bob@127.0.0.1>;auth_pass=pw-bob;outbound="sip:127.0.0.1:%s;transport=udp";answermode=auto;regint=600\n' \
	"$IT_PORT" >"$BDIR/accounts"
mkfifo "$IT_TMP/bob.cmd"
: >"$IT_TMP/bob.events"
timeout 60 baresip -f "$BDIR" </dev/null >"$IT_TMP/bob.out" 2>&1 &
BS_PID=$!
PIDS+=("$BS_PID")
timeout 60 "$IT_PY" "$IT_DIR/baresip/ctl.py" "$BS_CTL" "$IT_TMP/bob.cmd" "$IT_TMP/bob.events" 55 \
	>"$IT_TMP/bob.ctl.out" 2>&1 &
CTL_PID=$!
PIDS+=("$CTL_PID")

# cmd COMMAND [PARAMS]: one ctrl_tcp command (bounded: opening the FIFO
# would block for ever if the relay had died).
cmd() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	timeout 5 bash -c 'echo "$1" >"$2"' _ "$*" "$IT_TMP/bob.cmd" ||
		fail "could not pass the command '$*' to the relay"
}

# wait_event TYPE [N]: true once baresip reported N (default 1) events of
# TYPE (bounded by $WAIT).
wait_event() {
	local i n
	for ((i = 0; i < WAIT * 10; i++)); do
		n=$(grep -c "\"type\": \"$1\"" "$IT_TMP/bob.events")
		[ "$n" -ge "${2:-1}" ] && return 0
		kill -0 "$BS_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# wait_for PATTERN FILE: bounded wait for a line in FILE.
wait_for() {
	local i
	for ((i = 0; i < WAIT * 10; i++)); do
		grep -q -e "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# registered AOR: true once `siphon location list` shows AOR (bounded).
registered() {
	local i
	for ((i = 0; i < WAIT * 5; i++)); do
		"$SIPHON" location list --data "$DATA" 2>/dev/null | grep -q "^$1 " && return 0
		sleep 0.2
	done
	return 1
}

# access METHOD STATUS: access-log lines of METHOD answered STATUS.
access() {
	grep -c "method=\"$1\".*status=$2 " "$IT_ERR"
}

# dump KIND DEST: waits (bounded) for baresip's one sndfile dump of KIND
# (enc or dec) to be complete (libsndfile writes the RIFF size when it
# closes the file, at the end of the call) and moves it to DEST.
dump() {
	local i f
	for ((i = 0; i < WAIT * 10; i++)); do
		for f in "$DUMPS"/dump-*-"$1".wav; do
			[ -f "$f" ] || continue
			if "$IT_PY" - "$f" <<'EOF'; then
import os, struct, sys
with open(sys.argv[1], "rb") as f:
    head = f.read(8)
ok = len(head) == 8 and head[:4] == b"RIFF" and \
    struct.unpack("<I", head[4:])[0] + 8 == os.path.getsize(sys.argv[1]) > 44
sys.exit(0 if ok else 1)
EOF
				mv "$f" "$2" && return 0
			fi
		done
		sleep 0.1
	done
	return 1
}

# corr REF REC WHAT: REC holds the audio of REF. `siphon wav-compare` finds
# the lag and the single-lag correlation (printed: 0.99+ when nothing moved);
# the assertion is baresip/segcorr.py's, window by window from that lag:
# at least $MIN_FRACTION of the 100 ms windows of REF correlate >= $MIN_CORR
# with REC. It tolerates what the adaptive jitter buffer may do under load
# (a frame inserted or dropped shifts the rest of the recording by 20 ms,
# which alone takes the single-lag value to about 0.6), and fails a wrong,
# silent, truncated or garbled recording (0 windows for the other
# direction's file).
corr() {
	local out rc lag seg
	out=$("$SIPHON" wav-compare "$1" "$2" 2>&1)
	rc=$?
	lag=$(sed -n 's/.*lag_ms=\([-0-9.]*\).*/\1/p' <<<"$out")
	if [ "$rc" -ne 0 ] || [ -z "$lag" ]; then
		fail "$3: siphon wav-compare failed ($out)"
		return
	fi
	seg=$("$IT_PY" "$IT_DIR/baresip/segcorr.py" "$1" "$2" "$lag" --min "$MIN_CORR" \
		--min-fraction "$MIN_FRACTION" 2>&1)
	rc=$?
	echo "$3: $out; $seg"
	it_check "$3 matches the played file ($MIN_FRACTION of its windows >= $MIN_CORR: $seg)" \
		test "$rc" -eq 0
}

show() {
	echo "--- baresip output (last 60 lines) ---" >&2
	tail -n 60 "$IT_TMP/bob.out" >&2
	echo "--- ctrl_tcp events ---" >&2
	cat "$IT_TMP/bob.events" >&2
}

it_check "baresip registers bob (siphon location list)" registered bob@localhost
it_check "the ctrl_tcp relay is connected" wait_for '"ctl": "connected"' "$IT_TMP/bob.events"
if [ "$IT_FAILURES" -ne 0 ]; then
	show
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
it_check "(a) baresip answered (CALL_ESTABLISHED)" wait_event CALL_ESTABLISHED 1
it_check "(a) baresip received siphon's RTP (CALL_RTPESTAB)" wait_event CALL_RTPESTAB 1
it_check "(a) baresip saw siphon's BYE (CALL_CLOSED)" wait_event CALL_CLOSED 1
it_check "(a) baresip's decoded audio was written" dump dec "$IT_TMP/bob-dec-a.wav"
it_check "(a) baresip's encoded audio was written" dump enc "$IT_TMP/bob-enc-a.wav"
corr "$BARESIP_WAV" "$IT_TMP/rec-a.wav" "(a) siphon's recording of baresip"
corr "$SIPHON_WAV" "$IT_TMP/bob-dec-a.wav" "(a) baresip's decoding of siphon"
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
cmd dial sip:alice@127.0.0.1
it_check "(b) baresip's call is established (CALL_ESTABLISHED)" wait_event CALL_ESTABLISHED 2
it_check "(b) baresip received siphon's RTP (CALL_RTPESTAB)" wait_event CALL_RTPESTAB 2
it_check "(b) siphon's BYE closed baresip's call (CALL_CLOSED)" wait_event CALL_CLOSED 2
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
it_check "(b) baresip's decoded audio was written" dump dec "$IT_TMP/bob-dec-b.wav"
corr "$BARESIP_WAV" "$IT_TMP/rec-b.wav" "(b) siphon's recording of baresip"
corr "$SIPHON_WAV" "$IT_TMP/bob-dec-b.wav" "(b) baresip's decoding of siphon"
n=$(access INVITE 200)
it_check "(b) the INVITE passed the proxy with 200 (got $n)" test "$n" -ge 2
n=$(access BYE 200)
it_check "(b) the BYE passed the proxy with 200 (got $n)" test "$n" -ge 2
it_check "no sanitizer report from siphon call/answer" \
	it_sanitizer_clean "$IT_TMP/call-a.err" "$ANS_OUT.err"

# ---- baresip quits -----------------------------------------------------------------------
cmd quit
for ((i = 0; i < WAIT * 10; i++)); do
	kill -0 "$BS_PID" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$BS_PID" 2>/dev/null; then
	fail "baresip still running ${WAIT}s after quit"
	kill "$BS_PID" 2>/dev/null
fi
wait "$BS_PID" 2>/dev/null
kill "$CTL_PID" 2>/dev/null
wait "$CTL_PID" 2>/dev/null
PIDS=()
if [ "$IT_FAILURES" -ne 0 ]; then
	show
	it_show_log
fi

it_alive
it_stop
it_finish
