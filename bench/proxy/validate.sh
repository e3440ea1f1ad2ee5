#!/usr/bin/env bash
# Checks the proxy scenarios of tests/integration/scenarios/proxy/ pair by
# pair: SIPp caller -> [proxy] -> SIPp callee, on loopback only.
#
# usage: bench/proxy/validate.sh [BUILD_DIR]
# env:   TARGETS="direct kamailio kamailio-stateless" (also: siphon,
#        siphon-stateless: need BUILD_DIR with a siphon whose proxy reads
#        the proxy.* and routes keys)
#        CHILDREN=2 (Kamailio children / siphon workers)
#        BURST=2000 BURST_RATE=400 (calls of the reordering check)
#        KEEP=1 (keep the work directory: every SIPp screen, message and
#        error log, per case)
#
# Targets:
#   direct              the caller talks to the callee (or to a SIPp
#                       redirect server): checks the scenarios themselves
#   kamailio            bench/proxy/kamailio.cfg, tm + rr (record-routing
#                       stateful proxy), fr_inv_timer 4 s (-A SHORT_TIMER)
#   kamailio-stateless  the same config without tm: forward()
#   siphon[-stateless]  `siphon serve` with proxy.mode stateful|stateless
# Cases (each prints PASS/FAIL/skip; the exit status is the number of
# FAILs): call, a burst of calls with no pause (through a proxy with
# several workers: 180/200 and ACK/BYE reordering), busy, expect-fail for
# several statuses from the callee, CANCEL, 483 at Max-Forwards 0, unknown
# user, redirect, register + call by location, parallel fork (one answers,
# the other is cancelled), the proxy's INVITE timer on a callee that rings
# forever.
set -u

BUILD=${1:-}
HERE=$(cd "$(dirname "$0")" && pwd)
SC=$(cd "$HERE/../../tests/integration/scenarios/proxy" && pwd)
TARGETS=${TARGETS:-"direct kamailio kamailio-stateless"}
CHILDREN=${CHILDREN:-2}
BURST=${BURST:-2000}
BURST_RATE=${BURST_RATE:-400}
HOST=127.0.0.1
KAMAILIO=${KAMAILIO:-/usr/sbin/kamailio}
LOG_LEVEL=${LOG_LEVEL:-warn}
SIPHON=
[ -n "$BUILD" ] && SIPHON="$BUILD/src/cli/siphon"

command -v sipp >/dev/null || { echo "sipp not found (scripts/install-deps.sh)" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/siphon-proxy-validate.XXXXXX")
SPID=
BG=()
FAILS=0
cleanup() {
	local p
	for p in "${BG[@]}"; do kill "$p" 2>/dev/null; done
	stop_server
	if [ -n "${KEEP:-}" ]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap "exit 1" INT TERM
. "$HERE/common.sh"

# ---- SIPp helpers: every run bounded by -m and -timeout ------------------------
# uas SCENARIO PORT CALLS [sipp args]: a callee in the background, in $CASE.
uas() {
	local scen=$1 port=$2 m=$3
	shift 3
	(cd "$CASE" && exec sipp -sf "$scen" -i "$HOST" -p "$port" -m "$m" -nostdin \
		-timeout 60s -timeout_error -buff_size 4194304 -trace_err -trace_msg "$@" >"uas-$port.out" 2>&1) &
	BG+=($!)
}

# uac SCENARIO DEST [sipp args]: the caller, foreground; 0 when every call
# went as the scenario expects.
uac() {
	local scen=$1 dest=$2
	shift 2
	(cd "$CASE" && sipp -sf "$scen" -i "$HOST" -p "$(free_port)" -nostdin -timeout 60s \
		-timeout_error -buff_size 4194304 -trace_err -trace_msg "$@" "$dest" >uac.out 2>&1)
}

# wait_uas: every background callee exited 0. The caller has finished:
# a callee still running 10 s later waits for something that will not come
# (it is stopped, and fails the case).
wait_uas() {
	local p i rc=0
	for ((i = 0; i < 100; i++)); do
		any_alive "${BG[@]}" || break
		sleep 0.1
	done
	for p in "${BG[@]}"; do
		if any_alive "$p"; then
			kill "$p" 2>/dev/null
			rc=1
		fi
		wait "$p" || rc=1
	done
	BG=()
	return $rc
}

# register USER DOMAIN CONTACT_PORT... : binds USER@DOMAIN to each
# sip:USER@127.0.0.1:PORT (q 1.0) with register_contact.xml (digest with
# password pw-USER when the target is siphon).
register() {
	local user=$1 domain=$2 p auth="" n=0
	shift 2
	case $TARGET in siphon*) auth="[authentication username=$user password=pw-$user]" ;; esac
	echo SEQUENTIAL >"$CASE/reg.csv"
	for p in "$@"; do
		echo "$user;$domain;127.0.0.1:$p;1.0;$auth;300" >>"$CASE/reg.csv"
		n=$((n + 1))
	done
	(cd "$CASE" && sipp -sf "$SC/register_contact.xml" -inf reg.csv -i "$HOST" -p "$(free_port)" \
		-m "$n" -nostdin -timeout 20s -timeout_error -trace_err -trace_msg "$DEST" >reg.out 2>&1)
}

# case_begin NAME: a directory for the case's logs.
case_begin() {
	CASE="$TMP/$TARGET/$1"
	mkdir -p "$CASE"
	CASENAME=$1
}

# verdict DESCRIPTION RC...: PASS if every RC is 0.
verdict() {
	local what=$1 rc
	shift
	for rc in "$@"; do
		if [ "$rc" != 0 ]; then
			printf '  FAIL  %-18s %s\n' "$CASENAME" "$what"
			FAILS=$((FAILS + 1))
			return
		fi
	done
	printf '  PASS  %-18s %s\n' "$CASENAME" "$what"
}
skip() { printf '  skip  %-18s %s\n' "$1" "$2"; }

# ---- the cases -------------------------------------------------------------------
run_target() {
	local proxy=1 stateful=1 domain=proxy.test unknown=404 timer_code=408 rc1 rc2 rc3
	UASPORT=$(free_port)
	case $TARGET in
	direct) proxy=0; DEST="$HOST:$UASPORT" ;;
	kamailio) start_kamailio stateful "$CHILDREN" "$UASPORT" -A SHORT_TIMER || return 1 ;;
	kamailio-stateless) stateful=0; start_kamailio stateless "$CHILDREN" "$UASPORT" || return 1 ;;
	siphon | siphon-stateless)
		[ -x "$SIPHON" ] || { echo "  no siphon binary (give BUILD_DIR)"; return 1; }
		[ "$TARGET" = siphon-stateless ] && stateful=0
		domain=localhost unknown=480 timer_code=487
		rm -rf "$TMP/$TARGET-data"
		"$SIPHON" user add bob --password pw-bob --data "$TMP/$TARGET-data" >/dev/null || return 1
		start_siphon "$([ "$stateful" = 1 ] && echo stateful || echo stateless)" "$CHILDREN" \
			"$UASPORT" "$TMP/$TARGET-data" "  timer_c_s: 3" || return 1
		;;
	esac
	[ "$proxy" = 1 ] && DEST="$HOST:$PORT"

	case_begin call
	uas "$SC/uas_answer.xml" "$UASPORT" 10
	sleep 0.3
	uac "$SC/uac_call.xml" "$DEST" -s bob -key domain uas.test -m 10 -d 50; rc1=$?
	wait_uas; verdict "uac_call -> uas_answer, 10 calls, -d 50" $rc1 $?

	case_begin burst
	uas "$SC/uas_answer.xml" "$UASPORT" "$BURST"
	sleep 0.3
	uac "$SC/uac_call.xml" "$DEST" -s bob -key domain uas.test -m "$BURST" -r "$BURST_RATE" -d 0; rc1=$?
	wait_uas; verdict "uac_call -> uas_answer, $BURST calls at $BURST_RATE/s, no pause" $rc1 $?

	if [ "$proxy" = 0 ]; then
		# What a proxy with several workers may do: forward the BYE before
		# the ACK. SIPp cannot send that order itself (it yields between two
		# sends, and the 200 to the BYE then arrives "unexpected"): a small
		# Python caller does.
		case_begin bye-before-ack
		uas "$SC/uas_answer.xml" "$UASPORT" 3
		sleep 0.3
		python3 - "$UASPORT" 3 >"$CASE/byefirst.out" 2>&1 <<'PY'
import random, re, socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(5)
lp = s.getsockname()[1]
def send(m):
    s.sendto(m.replace("\n", "\r\n").encode(), ("127.0.0.1", port))
def final(method):
    while True:
        d = s.recv(65535).decode()
        if d.startswith("SIP/2.0 200") and re.search(r"CSeq: *\d+ %s" % method, d):
            return d
for i in range(n):
    cid = "bf%d-%d@127.0.0.1" % (i, random.getrandbits(30))
    common = "From: <sip:py@127.0.0.1:%d>;tag=py%d\nCall-ID: %s\nMax-Forwards: 70\n" % (lp, i, cid)
    via = "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s%%s\n" % (lp, cid.split("@")[0])
    send("INVITE sip:bob@uas.test SIP/2.0\n" + via % "i" + common +
         "To: <sip:bob@uas.test>\nCSeq: 1 INVITE\nContact: <sip:py@127.0.0.1:%d>\nContent-Length: 0\n\n" % lp)
    r = final("INVITE")
    to = re.search(r"^To:.*$", r, re.M).group(0).strip()
    target = re.search(r"^Contact: *<([^>]+)>", r, re.M).group(1)
    send("BYE %s SIP/2.0\n" % target + via % "b" + common + to + "\nCSeq: 2 BYE\nContent-Length: 0\n\n")
    send("ACK %s SIP/2.0\n" % target + via % "a" + common + to + "\nCSeq: 1 ACK\nContent-Length: 0\n\n")
    final("BYE")
print("ok", n)
PY
		rc1=$?
		wait_uas; verdict "uas_answer gets BYE before ACK (Python caller), 3 calls" $rc1 $?
	fi

	case_begin busy
	uas "$SC/uas_busy.xml" "$UASPORT" 3
	sleep 0.3
	uac "$SC/uac_busy.xml" "$DEST" -s bob -key domain uas.test -m 3; rc1=$?
	wait_uas; verdict "uac_busy -> uas_busy (486, ACK)" $rc1 $?

	case_begin expect-486
	uas "$SC/uas_busy.xml" "$UASPORT" 1
	sleep 0.3
	uac "$SC/uac_expect_fail.xml" "$DEST" -s bob -key domain uas.test -key expect 486 \
		-key max_forwards 70 -m 1; rc1=$?
	wait_uas; verdict "uac_expect_fail 486 -> uas_busy" $rc1 $?

	case_begin expect-wrong
	uas "$SC/uas_busy.xml" "$UASPORT" 1
	sleep 0.3
	uac "$SC/uac_expect_fail.xml" "$DEST" -s bob -key domain uas.test -key expect 480 \
		-key max_forwards 70 -m 1; rc1=$?
	wait_uas; rc2=$?
	[ "$rc1" != 0 ]; verdict "uac_expect_fail 480 fails on a 486 (it must)" $? $rc2

	local code
	for code in 404 480 603 302; do
		case_begin "reject-$code"
		if [ "$code" = 302 ] && [ "${TARGET%-stateless}" = siphon ]; then
			skip "reject-302" "(siphon recurses on 3xx: see the redirect case)"
			continue
		fi
		"$SC/make_uas_reject.sh" "$code" "Rejected $code" ring >"$CASE/uas_$code.xml"
		uas "$CASE/uas_$code.xml" "$UASPORT" 1
		sleep 0.3
		uac "$SC/uac_expect_fail.xml" "$DEST" -s bob -key domain uas.test -key expect "$code" \
			-key max_forwards 70 -m 1; rc1=$?
		wait_uas; verdict "make_uas_reject.sh $code ring -> uac_expect_fail $code" $rc1 $?
	done

	case_begin cancel
	uas "$SC/uas_ring_cancel.xml" "$UASPORT" 3
	sleep 0.3
	uac "$SC/uac_cancel.xml" "$DEST" -s bob -key domain uas.test -m 3 -d 300; rc1=$?
	wait_uas; verdict "uac_cancel -> uas_ring_cancel (180, CANCEL, 200, 487, ACK)" $rc1 $?

	if [ "$proxy" = 1 ]; then
		case_begin max-forwards-0
		uac "$SC/uac_expect_fail.xml" "$DEST" -s bob -key domain uas.test -key expect 483 \
			-key max_forwards 0 -m 1
		verdict "uac_expect_fail -key max_forwards 0: the proxy answers 483" $?

		case_begin unknown-user
		uac "$SC/uac_expect_fail.xml" "$DEST" -s nobody -key domain "$domain" -key expect "$unknown" \
			-key max_forwards 70 -m 1
		verdict "uac_expect_fail $unknown: nobody@$domain is not registered" $?
	else
		skip max-forwards-0 "(needs a proxy)"
		skip unknown-user "(needs a proxy)"
	fi

	case_begin redirect
	case $TARGET in
	direct)
		local rport
		rport=$(free_port)
		uas "$SC/uas_redirect.xml" "$rport" 1 -s bob -key target "127.0.0.1:$UASPORT"
		uas "$SC/uas_answer.xml" "$UASPORT" 1
		sleep 0.3
		uac "$SC/uac_redirect.xml" "$HOST:$rport" -s bob -key domain redirect.test -m 1 -d 50; rc1=$?
		wait_uas; verdict "uac_redirect -> uas_redirect (302) -> uas_answer" $rc1 $?
		;;
	kamailio*)
		uas "$SC/uas_answer.xml" "$UASPORT" 1
		sleep 0.3
		uac "$SC/uac_redirect.xml" "$DEST" -s bob -key domain redirect.test -m 1 -d 50; rc1=$?
		wait_uas; verdict "uac_redirect -> Kamailio 302 (redirect.test) -> uas_answer" $rc1 $?
		;;
	*) skip redirect "(siphon: proxy.mode redirect is its own configuration)" ;;
	esac

	if [ "$proxy" = 1 ]; then
		local p2
		case_begin register-call
		register bob "$domain" "$UASPORT"; rc1=$?
		uas "$SC/uas_answer.xml" "$UASPORT" 1
		sleep 0.3
		uac "$SC/uac_call.xml" "$DEST" -s bob -key domain "$domain" -m 1 -d 50; rc2=$?
		wait_uas; verdict "register_contact, then uac_call bob@$domain by location" $rc1 $rc2 $?

		if [ "$stateful" = 1 ]; then
			case_begin parallel-fork
			p2=$(free_port)
			register bob "$domain" "$UASPORT" "$p2"; rc1=$?
			uas "$SC/uas_answer.xml" "$UASPORT" 1 -d 300
			uas "$SC/uas_ring_cancel.xml" "$p2" 1
			sleep 0.3
			uac "$SC/uac_call.xml" "$DEST" -s bob -key domain "$domain" -m 1 -d 50; rc2=$?
			wait_uas; verdict "two contacts: uas_answer answers, uas_ring_cancel is cancelled" $rc1 $rc2 $?

			case_begin ring-forever
			uas "$SC/uas_ring_cancel.xml" "$UASPORT" 1
			sleep 0.3
			uac "$SC/uac_expect_fail.xml" "$DEST" -s bob -key domain uas.test -key expect "$timer_code" \
				-key max_forwards 70 -m 1; rc1=$?
			wait_uas; verdict "uas_ring_cancel rings forever: proxy timer, CANCEL, caller gets $timer_code" $rc1 $?
		else
			skip parallel-fork "(stateless proxy: no forking)"
			skip ring-forever "(stateless proxy: no timer)"
		fi
	else
		skip register-call "(needs a registrar)"
	fi
	return 0
}

for TARGET in $TARGETS; do
	echo "$TARGET:"
	run_target || { echo "  FAIL  $TARGET could not be set up"; FAILS=$((FAILS + 1)); }
	stop_server
done
echo "$FAILS failed"
exit "$FAILS"
