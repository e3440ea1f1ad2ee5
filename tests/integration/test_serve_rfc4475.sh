#!/usr/bin/env bash
# Every RFC 4475 torture message sent to `siphon serve` over UDP and over
# TCP receives the response its manifest (tests/vectors/rfc4475/MANIFEST.tsv)
# requires of a UAS/endpoint, and the server keeps serving after each one
# (issues 3, 4). The server today is a registrar without INVITE handling:
# OPTIONS 200; INVITE, MESSAGE 405 (RFC 3261 §8.2.1, which comes before
# header and content checks); unknown methods 501. The test serves the
# domain of the torture messages (example.com, `siphon domain add`), so a
# REGISTER without credentials is challenged (401, RFC 3261 §22.1) and one
# whose To is no sip/sips URI is refused by the registrar (400, unksm2).
#
# For each message and transport (sipmsg.py does the I/O):
#   - the bytes go out unchanged except the top Via's transport and sent-by,
#     rewritten to the sender's own socket (127.0.0.1:port) so the response
#     reaches it whether the server routes by RFC 3261 §18.2.2 or answers
#     the source (responses, e.g. bcast, go out byte for byte);
#   - UDP: the first response within 5 s (1.5 s of silence when none is
#     expected), then an OPTIONS probe from the same socket: its 200 proves
#     the socket is still served, and anything arriving before it counts as
#     an extra response to the torture message;
#   - TCP: a new connection; responses until the expected count arrived,
#     the server closed, or 5 s (1.5 s when none is expected)
#     passed;
#   - then OPTIONS over UDP and over TCP from fresh sockets (200 wanted) and
#     the process must still run.
# Response checks: the status; a To tag on every final response carrying a
# To (§8.2.6.2; not for quotbal, badaspec, baddn, whose To is the malformed
# part); Allow on 405 (§8.2.1, MUST) and on 501 (manifest intmeth);
# for bext01 an Unsupported listing exactly the Require tags (§8.2.2.3).
#
# The expectation table: per message, UDP and TCP outcome, each a list of
# alternatives separated by '|', the first the preferred (the others are
# accepted and reported as such). An outcome is:
#   CODE [CODE...]  these responses in this order, nothing more
#   none            no response (the connection may stay open or close)
#   close           no response, and the server closed the connection
#   CODES+close     these responses, then the server closed the connection
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need jq

V="$SIPHON_VECTORS/rfc4475"
MANIFEST="$V/MANIFEST.tsv"

#            name        UDP               TCP                   manifest (MANIFEST.tsv note, abridged)
EXPECT=(
	"wsinv       405               405"                 # valid INVITE, must parse; endpoint without INVITE: 405
	"intmeth     501               501"                 # "UAS: 501 + Allow"
	"esc01       405               405"                 # valid INVITE
	"escnull     401               401"                 # valid REGISTER; no credentials: 401 challenge (a registrar would then 200)
	"esc02       501               501"                 # "RE%47IST%45R is an unknown method ... UAS: 501"
	"lwsdisp     200               200"                 # OPTIONS; "should accept as well-formed"
	"longreq     405               405"                 # valid INVITE, long values
	"dblreq      401               401_405"             # UDP: "process the REGISTER, DISCARD everything after Content-Length" (401: no credentials); stream: "trailing bytes read as the next message" (the INVITE, 405; its 5 surplus bytes are no message)
	"semiuri     200               200"                 # valid OPTIONS
	"transports  200               200"                 # valid OPTIONS, unknown transports in lower Vias
	"mpart01     405|501           405|501"             # valid MESSAGE (must frame by Content-Length); not supported: 405 (501 if unknown)
	"unreason    none              none"                # a 200 response: no transaction, dropped
	"noreason    none              none"                # a 100 response: dropped
	"badinv01    400               400"                 # "Respond 400 Bad Request"
	"clerr       400               none|close"          # "Over UDP: 400. Over TCP: keep waiting ... close if none arrives"
	"ncl         400               400+close"           # "Respond with an error (400) ... over TCP ... close the connection"
	"scalar02    400               400"                 # "Respond 400 Bad Request because of the CSeq"
	"scalarlg    none              none"                # response: "simply discards the response"
	"quotbal     400               400"                 # "Respond 400 Bad Request"
	"ltgtruri    400               400"                 # "Reasonable to always reject with 400" (siphon strict, docs/conformance.md)
	"lwsruri     400               400"                 # "Respond 400 Bad Request" (siphon strict)
	"lwsstart    400               400"                 # "Acceptable to reject as malformed (400)" (siphon strict)
	"trws        400               400"                 # "Acceptable to reject as malformed" (siphon strict)
	"escruri     400               400"                 # "Acceptable to reply 400" (siphon strict)
	"baddate     400|405           400|405"             # "Acceptable to reject ... should only do so if Date matters" (siphon strict: 400; ignoring Date gives the INVITE's 405)
	"regbadct    400               400"                 # "Reasonable to respond 400" (siphon strict)
	"badaspec    400               400"                 # "reasonable to reply 400" (siphon strict)
	"baddn       400|none          none|close"          # "Reasonable to always reply 400"; no empty line ends the headers: a datagram is a truncated header block, a stream waits for more
	"badvers     505               505"                 # "An RFC 3261 element responds 505 Version Not Supported"
	"mismatch01  400               400"                 # "Any element responds 400 Bad Request"
	"mismatch02  501|400           501|400"             # "Respond 501 Not Implemented (400 also acceptable; 501 preferred)"
	"bigcode     none              none"                # response: "simply drops the response"
	"badbranch   400|200           400|200"             # "may reject with 400 (preferably statelessly) or fall back to RFC 2543-style matching" (200 to the OPTIONS)
	"insuf       400               400"                 # "ideally respond 400 Bad Request"
	"unkscm      416               416"                 # "rejects it with 416 Unsupported URI Scheme"
	"novelsc     416|404           416|404"             # "never accepts this scheme: 416; might accept some: 404"
	"unksm2      400               400"                 # REGISTER; "Registrar: 400" (To is no sip/sips URI: refused before any challenge)
	"bext01      420               420"                 # "420 Bad Extension with an Unsupported header listing the tags from Require (UAS)"
	"invut       405|415           405|415"             # INVITE; "UAS: 415"; without INVITE support the method check (405) comes first (§8.2.1 before §8.2.3)
	"regaut01    401               401"                 # credentials of an unknown scheme are ignored (RFC 3261 §22.4): a registrar challenges
	"multi01     400               400"                 # "Must not break; respond 400 Bad Request"
	"mcl01       400               400+close"           # "respond with an error (400); ... over TCP close the connection"
	"bcast       none              none"                # response with broadcast Via: "discard it"
	"zeromf      200               200"                 # "Endpoint/UAS: process normally ... (e.g. 200 to OPTIONS)"
	"cparam01    401               401"                 # valid REGISTER (200 at a registrar once authenticated); no credentials: 401
	"cparam02    401               401"                 # valid REGISTER, as cparam01
	"regescrt    401               401"                 # valid REGISTER, as cparam01
	"sdp01       405|406|400       405|406|400"         # INVITE; "406 ... or 400"; without INVITE support 405 comes first
	"inv2543     405               close|400+close"     # valid over UDP (body = rest of datagram): INVITE 405; "Over TCP the missing Content-Length would be a framing error"
	"test        400|none          400|400+close|close|none" # unreferenced malformed message, no SIP-Version and no Via: "400 if it can answer at all"
)

# RFC4475_MODE=proxy (test_proxy_rfc4475.sh): the same messages through
# the stateful proxy; its table (a replacement for EXPECT) is in that file.
if [ "${RFC4475_MODE:-uas}" = proxy ]; then EXPECT=("${EXPECT_PROXY[@]}"); fi

declare -A WANT_UDP WANT_TCP
for row in "${EXPECT[@]}"; do
	read -r name udp tcp <<<"$row"
	WANT_UDP[$name]=$udp
	WANT_TCP[$name]=${tcp//_/ }
done

# The table covers the manifest exactly.
while IFS=$'\t' read -r name _; do
	[ "$name" = name ] && continue
	if [ -z "${WANT_UDP[$name]:-}" ]; then
		fail "$name: in MANIFEST.tsv but not in this test's table"
	fi
done <"$MANIFEST"
if [ "${#EXPECT[@]}" -eq "$(($(wc -l <"$MANIFEST") - 1))" ]; then pass; else
	fail "table has ${#EXPECT[@]} rows, MANIFEST.tsv $(($(wc -l <"$MANIFEST") - 1))"
fi

# The torture messages are for example.com: serve it (digest auth).
mkdir -p "$IT_TMP/data"
"$SIPHON" domain add example.com --data "$IT_TMP/data" >/dev/null ||
	fail "siphon domain add example.com"
# The UAS/registrar expectations below hold for the registrar on its own
# (proxy.mode off): the torture messages' Request-URIs name users and
# foreign domains, which the proxy would route instead. The proxy's own
# handling of them is checked by test_proxy_rfc4475.sh.
IT_CONFIG_EXTRA="proxy:
  mode: off"
[ "${RFC4475_MODE:-uas}" = proxy ] && IT_CONFIG_EXTRA="proxy:
  mode: stateful"
it_start || it_finish

NONPREFERRED=()

# matches OBSERVED ALTERNATIVES: 0 when OBSERVED fits one alternative
# (a response list without +close also fits when the server then closed,
# unless the expectation is close-free "none"); sets MATCHED_INDEX.
matches() {
	local obs=$1 alts=$2 alt i=0
	local IFS='|'
	for alt in $alts; do
		MATCHED_INDEX=$i
		i=$((i + 1))
		[ "$obs" = "$alt" ] && return 0
		case $alt in
		none) [ "$obs" = close ] && return 0 ;;
		close | *+close) ;;
		*) [ "$obs" = "$alt+close" ] && return 0 ;;
		esac
	done
	return 1
}

# Messages whose To header field is itself the malformed part: the server
# cannot add a tag to a To it could not parse, so the 400 echoes it as is.
declare -A TO_MALFORMED=([quotbal]=1 [badaspec]=1 [baddn]=1)

run_one() {
	local name=$1 tp=$2 want=$3 json obs probe after_udp after_tcp probs uns
	local expect=1 wait=5
	case $want in none* | close*) expect=0 wait=1.5 ;; esac
	case ${want%%|*} in *" "*) expect=$(awk '{print NF}' <<<"${want%%|*}") ;; esac
	json=$("$IT_PY" "$IT_SIPMSG" send "$IT_HOST" "$IT_PORT" "$tp" "$V/$name.dat" \
		--expect "$expect" --wait "$wait" --check-after)
	if [ -z "$json" ]; then
		fail "$name over $tp: sipmsg.py failed"
		return
	fi
	IFS=$'\t' read -r obs probe after_udp after_tcp probs uns < <(jq -r '[.outcome,
		(.probe // "none" | tostring), (.after_udp // "none" | tostring),
		(.after_tcp // "none" | tostring), (.problems | join(",") | if . == "" then "-" else . end),
		(.unsupported | join(","))] | @tsv' <<<"$json")
	if matches "$obs" "$want"; then
		pass
		[ "$MATCHED_INDEX" -ne 0 ] &&
			NONPREFERRED+=("$name/$tp: $obs (accepted; preferred ${want%%|*})")
	else
		fail "$name over $tp: got '$obs', want '$want'$(jq -r '[.responses[] | " [\(.status) \(.reason)]"] | join("")' <<<"$json")"
	fi
	# RFC 3261 §8.2.6.2 (To tag), §8.2.1 (Allow in 405), manifest intmeth (Allow in 501).
	if [ -n "${TO_MALFORMED[$name]:-}" ]; then
		probs=$(tr ',' '\n' <<<"$probs" | grep -v 'without-To-tag' | paste -sd, -)
		probs=${probs:--}
	fi
	if [ "$probs" = - ]; then pass; else fail "$name over $tp: $probs"; fi
	# RFC 3261 §8.2.2.3: Unsupported lists the Require tags (UAS), not Proxy-Require's.
	if [ "$name" = bext01 ]; then
		if [ "$uns" = "nothingSupportsThis,nothingSupportsThisEither" ]; then pass; else
			fail "bext01 over $tp: Unsupported lists '$uns', want nothingSupportsThis, nothingSupportsThisEither"
		fi
	fi
	if [ "$tp" = udp ]; then
		if [ "$probe" = 200 ]; then pass; else
			fail "$name over udp: OPTIONS probe from the same socket got '$probe', want 200"
		fi
	fi
	it_alive || it_finish
	if [ "$after_udp" = 200 ] && [ "$after_tcp" = 200 ]; then pass; else
		fail "$name over $tp: OPTIONS afterwards got UDP $after_udp, TCP $after_tcp; want 200 and 200"
	fi
	printf '%-11s %-4s %s\n' "$name" "$tp" "$obs"
}

for row in "${EXPECT[@]}"; do
	read -r name _ <<<"$row"
	run_one "$name" udp "${WANT_UDP[$name]}"
	run_one "$name" tcp "${WANT_TCP[$name]}"
done

if [ "${#NONPREFERRED[@]}" -gt 0 ]; then
	echo "accepted alternatives (not the preferred outcome):"
	printf '  %s\n' "${NONPREFERRED[@]}"
fi

it_stop
it_finish
