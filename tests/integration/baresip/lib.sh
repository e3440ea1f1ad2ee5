# baresip 1.0 (Debian baresip-core) as a test phone registered with the
# `siphon serve` of lib.sh's it_start; sourced after lib.sh. Uses IT_TMP,
# IT_PORT, IT_PY, IT_DIR, SIPHON, DATA (the server's data directory), WAIT
# (the bound of each wait, seconds) and the PIDS array (killed at exit).
#
#   bs_start NAME MODULE WAV [LINE...]
#                 baresip as NAME@127.0.0.1 (password pw-NAME, outbound
#                 proxy the server, auto-answer) with the codec MODULE
#                 (g711.so, opus.so), playing WAV (aufile: 8 kHz mono),
#                 dumping what it encodes and decodes (sndfile) into
#                 $DUMPS, and the extra config LINEs; and the ctrl_tcp
#                 relay (baresip/ctl.py). Both bounded (60 s) and in PIDS;
#                 sets BS_PID, CTL_PID, BS_NAME, DUMPS
#   bs_cmd COMMAND [PARAMS]    one ctrl_tcp command
#   bs_wait_event TYPE [N]     true once N (default 1) events of TYPE came
#   bs_registered AOR          true once `siphon location list` shows AOR
#   bs_dump KIND DEST          baresip's dump of KIND (enc or dec), once
#                              complete, as 8 kHz mono 16-bit in DEST
#   bs_corr REF REC WHAT       checks that REC holds REF's audio
#                              ($MIN_CORR, $MIN_FRACTION: default 0.9)
#   bs_quit                    quit, wait (bounded), stop the relay
#   bs_show                    baresip's output and events, to stderr
#
# Safety: everything binds 127.0.0.1, IP literals only (dns_server is a
# closed loopback port), no NAT modules.

bs_start() {
	local name=$1 module=$2 wav=$3 dir="$IT_TMP/$1" sip ctl
	shift 3
	BS_NAME=$name
	DUMPS="$dir/dumps"
	mkdir -p "$DUMPS"
	sip=$(it_free_port)
	ctl=$(it_free_port)
	{
		cat <<EOF
# baresip 1.0 config of a test phone (tests/integration/baresip/lib.sh).
poll_method		epoll
sip_listen		127.0.0.1:$sip
net_interface		127.0.0.1
dns_server		127.0.0.1:9
call_local_timeout	20
call_max_calls		1
audio_source		aufile,$wav
ausrc_srate		8000
ausrc_channels		1
audio_player		aubridge,$name
audio_alert		aubridge,$name
audio_level		no
rtp_timeout		0
rtcp_mux		no
module_path		/usr/lib/baresip/modules
module			$module
module			aufile.so
module			aubridge.so
module			sndfile.so
snd_path		$DUMPS
module_tmp		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:$ctl
ringback_disabled	yes
EOF
		printf '%s\n' "$@"
	} >"$dir/config"
	printf '<sip:%s@127.0.0.1>;auth_pass=pw-%s;outbound="sip:127.0.0.1:%s;transport=udp";answermode=auto;regint=600\n' \
		"$name" "$name" "$IT_PORT" >"$dir/accounts"
	mkfifo "$IT_TMP/$name.cmd"
	: >"$IT_TMP/$name.events"
	timeout 60 baresip -f "$dir" </dev/null >"$IT_TMP/$name.out" 2>&1 &
	BS_PID=$!
	PIDS+=("$BS_PID")
	timeout 60 "$IT_PY" "$IT_DIR/baresip/ctl.py" "$ctl" "$IT_TMP/$name.cmd" \
		"$IT_TMP/$name.events" 55 >"$IT_TMP/$name.ctl.out" 2>&1 &
	CTL_PID=$!
	PIDS+=("$CTL_PID")
}

# (bounded: opening the FIFO would block for ever if the relay had died)
bs_cmd() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	timeout 5 bash -c 'echo "$1" >"$2"' _ "$*" "$IT_TMP/$BS_NAME.cmd" ||
		fail "could not pass the command '$*' to the relay"
}

bs_wait_event() {
	local i n
	for ((i = 0; i < WAIT * 10; i++)); do
		n=$(grep -c "\"type\": \"$1\"" "$IT_TMP/$BS_NAME.events")
		[ "$n" -ge "${2:-1}" ] && return 0
		kill -0 "$BS_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

bs_registered() {
	local i
	for ((i = 0; i < WAIT * 5; i++)); do
		"$SIPHON" location list --data "$DATA" 2>/dev/null | grep -q "^$1 " && return 0
		sleep 0.2
	done
	return 1
}

# libsndfile writes the RIFF size when it closes the file, at the end of
# the call: a dump is complete once that size is right. Opus dumps are at
# 48 kHz and may be stereo: converted.
bs_dump() {
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
        struct.unpack("<I", head[4:])[0] + 8 != os.path.getsize(src) or \
        os.path.getsize(src) <= 44:
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
os.unlink(src)
EOF
				return 0
			fi
		done
		sleep 0.1
	done
	return 1
}

# `siphon wav-compare` finds the lag and the single-lag correlation
# (printed); the assertion is baresip/segcorr.py's, window by window from
# that lag: at least $MIN_FRACTION of REF's 100 ms windows correlate >=
# $MIN_CORR with REC. It tolerates what the adaptive jitter buffer may do
# under load (a frame inserted or dropped shifts the rest by 20 ms, which
# alone takes the single-lag value to about 0.6), and fails a wrong,
# silent, truncated or garbled recording.
bs_corr() {
	local out rc lag seg min=${MIN_CORR:-0.9} frac=${MIN_FRACTION:-0.9}
	out=$("$SIPHON" wav-compare "$1" "$2" 2>&1)
	rc=$?
	lag=$(sed -n 's/.*lag_ms=\([-0-9.]*\).*/\1/p' <<<"$out")
	if [ "$rc" -ne 0 ] || [ -z "$lag" ]; then
		fail "$3: siphon wav-compare failed ($out)"
		return
	fi
	seg=$("$IT_PY" "$IT_DIR/baresip/segcorr.py" "$1" "$2" "$lag" --min "$min" \
		--min-fraction "$frac" 2>&1)
	rc=$?
	echo "$3: $out; $seg"
	it_check "$3 matches the played file ($frac of its windows >= $min: $seg)" \
		test "$rc" -eq 0
}

bs_quit() {
	local i
	bs_cmd quit
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
}

bs_show() {
	echo "--- baresip output (last 60 lines) ---" >&2
	tail -n 60 "$IT_TMP/$BS_NAME.out" >&2
	echo "--- ctrl_tcp events ---" >&2
	cat "$IT_TMP/$BS_NAME.events" >&2
}
