# baresip 1.0 (Debian baresip-core) as test phones registered with the
# `siphon serve` of lib.sh's it_start; sourced after lib.sh. Uses IT_TMP,
# IT_PORT, IT_PY, IT_DIR, SIPHON, DATA (the server's data directory), WAIT
# (the bound of each wait, seconds) and the PIDS array (killed at exit).
# Each phone has a NAME (its user: NAME@127.0.0.1, password pw-NAME).
#
#   bs_start NAME ANSWERMODE LINE...
#                 writes $IT_TMP/NAME/{config,accounts} and starts baresip
#                 with the ctrl_tcp relay (baresip/ctl.py), both bounded
#                 (60 s) and in PIDS. The config is loopback-only and has
#                 the parts every phone shares (aubridge as player, account,
#                 menu, ctrl_tcp); the LINEs add the rest: the codec module,
#                 audio_source with ausrc_srate/ausrc_channels, ... With
#                 `module sndfile.so` the dumps go to $IT_TMP/NAME/dumps.
#                 ANSWERMODE: auto or manual. The outbound proxy is the
#                 server, so every request goes to 127.0.0.1:$IT_PORT.
#   bs_cmd NAME COMMAND [PARAMS]   one ctrl_tcp command
#   bs_alive NAME                  its baresip still runs
#   bs_wait_event NAME TYPE [N]    true once N (default 1) events of TYPE
#   bs_wait_ctl NAME               its relay holds the ctrl_tcp connection
#   bs_registered AOR...           `siphon location list` shows every AOR
#   bs_dump NAME KIND DEST         its sndfile dump of KIND (enc or dec),
#                                  once complete, as 8 kHz mono in DEST
#   bs_corr REF REC WHAT           checks that REC holds REF's audio
#                                  ($MIN_CORR, $MIN_FRACTION: default 0.9)
#   bs_quit NAME                   quit (it unregisters), wait (bounded),
#                                  stop the relay
#   bs_show NAME                   its output and events, to stderr
#
# Safety: everything binds 127.0.0.1, IP literals only (dns_server is a
# closed loopback port), no NAT module (stun/turn/ice).

declare -A BS_PID BS_CTL_PID

bs_start() {
	local name=$1 mode=$2 dir="$IT_TMP/$1" sip ctl
	shift 2
	mkdir -p "$dir/dumps"
	sip=$(it_free_port 2) # baresip binds SIP/TLS on the next port
	ctl=$(it_free_port)
	{
		cat <<EOF
# baresip 1.0 config of a test phone (tests/integration/baresip/lib.sh).
poll_method		epoll
sip_listen		127.0.0.1:$sip
net_interface		127.0.0.1
dns_server		127.0.0.1:9
call_local_timeout	20
audio_player		aubridge,$name
audio_alert		aubridge,$name
audio_level		no
rtp_timeout		0
rtcp_mux		no
module_path		/usr/lib/baresip/modules
module			aubridge.so
snd_path		$dir/dumps
module_tmp		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:$ctl
ringback_disabled	yes
EOF
		printf '%s\n' "$@"
	} >"$dir/config"
	printf '<sip:%s@127.0.0.1>;auth_pass=pw-%s;outbound="sip:127.0.0.1:%s;transport=udp";answermode=%s;regint=600\n' \
		"$name" "$name" "$IT_PORT" "$mode" >"$dir/accounts"
	mkfifo "$IT_TMP/$name.cmd"
	: >"$IT_TMP/$name.events"
	timeout 60 baresip -f "$dir" </dev/null >"$IT_TMP/$name.out" 2>&1 &
	BS_PID[$name]=$!
	PIDS+=("$!")
	timeout 60 "$IT_PY" "$IT_DIR/baresip/ctl.py" "$ctl" "$IT_TMP/$name.cmd" \
		"$IT_TMP/$name.events" 55 >"$IT_TMP/$name.ctl.out" 2>&1 &
	BS_CTL_PID[$name]=$!
	PIDS+=("$!")
}

# (bounded: opening the FIFO would block for ever if the relay had died)
bs_cmd() {
	local name=$1
	shift
	# shellcheck disable=SC2016 # expanded by the inner shell
	timeout 5 bash -c 'echo "$1" >"$2"' _ "$*" "$IT_TMP/$name.cmd" ||
		fail "$name: could not pass the command '$*' to the relay"
}

bs_alive() {
	kill -0 "${BS_PID[$1]}" 2>/dev/null
}

bs_wait_event() {
	local i n
	for ((i = 0; i < WAIT * 10; i++)); do
		n=$(grep -c "\"type\": \"$2\"" "$IT_TMP/$1.events")
		[ "$n" -ge "${3:-1}" ] && return 0
		bs_alive "$1" || return 1
		sleep 0.1
	done
	return 1
}

bs_wait_ctl() {
	local i
	for ((i = 0; i < WAIT * 10; i++)); do
		grep -q '"ctl": "connected"' "$IT_TMP/$1.events" && return 0
		bs_alive "$1" || return 1
		sleep 0.1
	done
	return 1
}

bs_registered() {
	local i a ok list
	for ((i = 0; i < WAIT * 5; i++)); do
		list=$("$SIPHON" location list --data "$DATA" 2>/dev/null)
		ok=1
		for a in "$@"; do grep -q "^$a " <<<"$list" || ok=0; done
		[ $ok = 1 ] && return 0
		sleep 0.2
	done
	return 1
}

# libsndfile writes the RIFF size when it closes the file, at the end of
# the call: a dump is complete once that size is right. Opus dumps are at
# 48 kHz and may be stereo: converted. The dump is removed once read, so
# the next call's is found.
bs_dump() {
	local i f
	for ((i = 0; i < WAIT * 10; i++)); do
		for f in "$IT_TMP/$1/dumps"/dump-*-"$2".wav; do
			[ -f "$f" ] || continue
			if "$IT_PY" -W ignore - "$f" "$3" <<'EOF'; then
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
	local name=$1 pid=${BS_PID[$1]} i
	bs_cmd "$name" quit
	for ((i = 0; i < WAIT * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		fail "$name: baresip still running ${WAIT}s after quit"
		kill "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	kill "${BS_CTL_PID[$name]}" 2>/dev/null
	wait "${BS_CTL_PID[$name]}" 2>/dev/null
}

bs_show() {
	echo "--- $1: baresip output (last 60 lines) ---" >&2
	tail -n 60 "$IT_TMP/$1.out" >&2
	echo "--- $1: ctrl_tcp events ---" >&2
	cat "$IT_TMP/$1.events" >&2
}
