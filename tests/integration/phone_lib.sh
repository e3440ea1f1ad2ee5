# Shared by the softphone tests (sourced after lib.sh; uses SIPHON, IT_TMP):
#   phone_users DATA         adds alice (pw-alice) and bob (pw-bob) to DATA
#   bob_answers OUT [ARGS]   `siphon answer` as bob in the background (ANS_PID,
#                            output in OUT and OUT.err, bounded: 60 s), with
#                            ARGS added; returns once bob has registered
#                            with SRV (1 if he exits or does not within 30 s)
#   bob_done WHAT            waits for bob's exit and checks it is 0
#   bob_stop                 TERM to bob if he still runs (for EXIT traps)

ANS_PID=

phone_users() {
	"$SIPHON" user add alice --password pw-alice --data "$1" >/dev/null || fail "user add alice"
	"$SIPHON" user add bob --password pw-bob --data "$1" >/dev/null || fail "user add bob"
}

bob_answers() {
	local out=$1 i
	shift
	timeout 60 "$SIPHON" answer --server "$SRV" --user bob --password pw-bob --duration 50 \
		"$@" >"$out" 2>"$out.err" &
	ANS_PID=$!
	for ((i = 0; i < 300; i++)); do
		grep -q '^registered' "$out" 2>/dev/null && return 0
		kill -0 "$ANS_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

bob_done() {
	wait "$ANS_PID"
	local rc=$?
	ANS_PID=
	it_check "$1: answer exits 0 (got $rc)" test "$rc" -eq 0
}

bob_stop() {
	if [ -n "$ANS_PID" ] && kill -0 "$ANS_PID" 2>/dev/null; then
		kill -TERM "$ANS_PID" 2>/dev/null
		wait "$ANS_PID" 2>/dev/null
	fi
	ANS_PID=
}
