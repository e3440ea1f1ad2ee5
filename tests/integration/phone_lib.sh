# Shared by the softphone tests (sourced after lib.sh; uses SIPHON, IT_TMP):
#   phone_users DATA [USER...]  adds each USER (default alice bob) to DATA
#                            with the password pw-USER
#   phone_registered OUT PID until `siphon answer`'s OUT says registered
#                            (1 if PID exits or 30 s pass)
#   phones_stop PID...       TERM to those that still run, and reaps them
#   bob_answers OUT [ARGS]   `siphon answer` as bob in the background (ANS_PID,
#                            output in OUT and OUT.err, bounded: 60 s), with
#                            ARGS added; returns once bob has registered
#                            with SRV (1 if he exits or does not within 30 s)
#   bob_done WHAT            waits for bob's exit and checks it is 0
#   bob_stop                 TERM to bob if he still runs (for EXIT traps)

ANS_PID=

phone_users() {
	local data=$1 u
	shift
	[ $# -gt 0 ] || set -- alice bob
	for u in "$@"; do
		"$SIPHON" user add "$u" --password "pw-$u" --data "$data" >/dev/null ||
			fail "user add $u"
	done
}

phone_registered() {
	local i
	for ((i = 0; i < 300; i++)); do
		grep -q '^registered' "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

phones_stop() {
	local pid
	for pid in "$@"; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
		fi
	done
}

bob_answers() {
	local out=$1
	shift
	timeout 60 "$SIPHON" answer --server "$SRV" --user bob --password pw-bob --duration 50 \
		"$@" >"$out" 2>"$out.err" &
	ANS_PID=$!
	phone_registered "$out" "$ANS_PID"
}

bob_done() {
	wait "$ANS_PID"
	local rc=$?
	ANS_PID=
	it_check "$1: answer exits 0 (got $rc)" test "$rc" -eq 0
}

bob_stop() {
	[ -n "$ANS_PID" ] && phones_stop "$ANS_PID"
	ANS_PID=
}
