#!/usr/bin/env bash
# Server transactions of `siphon serve` answer retransmissions (issue 3:
# "a scenario that drops responses to force retransmissions"), over UDP:
#
#  1. Non-INVITE (RFC 3261 §17.2.2): SIPp sends an OPTIONS, treats the 200
#     as lost and sends the identical request again; the server must send
#     the same 200 again (same To tag) from its Completed transaction
#     (scenarios/options_retrans_uac.xml; a tag mismatch fails the call).
#  2. INVITE with a non-2xx final response (§17.2.1): SIPp withholds the
#     ACK for 3 s; the server must retransmit the final response (Timer G,
#     at least twice in that time: 0.5 s and 1.5 s after the first), all
#     with the same To tag; after the ACK it must be silent for 4.5 s (the
#     next Timer G firing would be at 3.5 s, Timer H at 32 s)
#     (scenarios/invite_405_uac.xml, counted from SIPp's message trace).
#  3. Load with loss: SIPp's OPTIONS client with 5% of messages dropped
#     on purpose (-lost 5, both directions) and its normal UDP
#     retransmissions; every call must succeed, and SIPp must report
#     retransmissions (the loss really happened).
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need sipp

it_start || it_finish

# sipp_run NAME SCENARIO ARGS...: runs SIPp in $IT_TMP/NAME; sets RC, OUT.
sipp_run() {
	local name=$1 scen=$2 lport
	shift 2
	lport=$(it_free_port)
	OUT="$IT_TMP/$name"
	mkdir -p "$OUT"
	(cd "$OUT" && sipp -sf "$IT_SCEN/$scen" -t u1 -i "$IT_HOST" -p "$lport" -nostdin \
		-timeout 60s -timeout_error -trace_err "$@" "$IT_HOST:$IT_PORT" \
		>"$OUT/screen.txt" 2>&1)
	RC=$?
}

sipp_diag() {
	grep -E "Successful call|Failed call" "$OUT/screen.txt" >&2
	head -n 20 "$OUT"/*_errors.log >&2 2>/dev/null
}

# 1. Non-INVITE retransmission answered from the transaction.
N1=50
sipp_run nict options_retrans_uac.xml -nr -nd -m "$N1" -r 50 -trace_logs
if [ "$RC" -eq 0 ]; then pass; else
	fail "OPTIONS retransmission: SIPp exit $RC (a call fails when the retransmitted request gets no 200 or a 200 with another To tag)"
	sipp_diag
	head -n 5 "$OUT"/*_logs.log >&2 2>/dev/null
fi
it_alive

# 2. INVITE -> non-2xx final: Timer G retransmissions until the ACK.
N2=3
sipp_run ist invite_405_uac.xml -nr -nd -m "$N2" -r 10 -trace_msg
if [ "$RC" -eq 0 ]; then pass; else
	fail "INVITE non-2xx retransmission: SIPp exit $RC"
	sipp_diag
fi
calls=0
while read -r cid status before after tags; do
	calls=$((calls + 1))
	echo "INVITE $cid: final $status, $before before the ACK, $after after, $tags To tag(s)"
	# Any final non-2xx is acceptable for this INVITE (405 expected now).
	if [ "$status" != None ] && [ "$status" -ge 300 ]; then pass; else
		fail "INVITE $cid: final status $status, want a non-2xx final response"
	fi
	if [ "$before" -ge 3 ]; then pass; else
		fail "INVITE $cid: $before final responses before the ACK (3 s), want >= 3 (the response + Timer G retransmissions at 0.5 s and 1.5 s; RFC 3261 §17.2.1)"
	fi
	if [ "$after" -eq 0 ]; then pass; else
		fail "INVITE $cid: $after final responses after the ACK, want 0 (Confirmed state; RFC 3261 §17.2.1)"
	fi
	if [ "$tags" -eq 1 ]; then pass; else
		fail "INVITE $cid: $tags different To tags among the retransmissions, want 1"
	fi
done < <("$IT_PY" "$IT_DIR/sipp_trace.py" "$OUT"/*_messages.log 2>/dev/null)
if [ "$calls" -eq "$N2" ]; then pass; else
	fail "INVITE: $calls calls in the SIPp trace, want $N2"
fi
it_alive

# 3. Loss on purpose; SIPp's own retransmissions must all be answered.
N3=300
sipp_run lossy options_uac.xml -lost 5 -m "$N3" -r 100 -l 200 -trace_stat -fd 1
if [ "$RC" -eq 0 ]; then pass; else
	fail "OPTIONS with 5% loss: SIPp exit $RC (0 = all $N3 calls succeeded)"
	sipp_diag
fi
retrans=$("$IT_PY" - "$OUT" <<'PY'
import csv, glob, sys
rows = []
for f in glob.glob(sys.argv[1] + "/*_.csv") + glob.glob(sys.argv[1] + "/*.csv"):
    with open(f) as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    if rows:
        break
if len(rows) < 2:
    print(-1)
else:
    i = rows[0].index("Retransmissions(C)")
    print(rows[-1][i])
PY
)
if [ "${retrans:--1}" -gt 0 ] 2>/dev/null; then pass; else
	fail "OPTIONS with 5% loss: SIPp reports $retrans retransmissions, want > 0"
fi
echo "lossy run: $N3 calls, SIPp retransmissions: $retrans"

if it_alive && it_options udp; then pass; else fail "OPTIONS after the retransmission tests"; fi
it_stop
it_finish
