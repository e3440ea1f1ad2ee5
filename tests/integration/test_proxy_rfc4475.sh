#!/usr/bin/env bash
# Every RFC 4475 torture message through `siphon serve` as a stateful proxy
# (issue 5): test_serve_rfc4475.sh's runner with the proxy's expectations
# below. The test serves example.com (the domain of the messages) with
# digest auth; the messages' callees have no bindings.
# What the proxy answers: as a UAS where the server answers itself (OPTIONS
# keepalives, REGISTER, malformed messages), else the proxy's rules:
# authentication of callers from our domain (407), no binding (480), no
# relaying for foreign callers (403).
#            name        UDP               TCP                   why
EXPECT_PROXY=(
	"wsinv       403               403"                # in a dialog (To tag) with a Route that is not ours: not relayed for a caller who is not our user (a preloaded Route would make an open relay)
	"intmeth     407               407"                # From example.com is our domain: the caller must authenticate first (issue 4); manifest: "proxy: forward if it knows the URI, else 404"
	"esc01       403               403"                # From a foreign domain to example.net (foreign): not relayed
	"escnull     401               401"                # valid REGISTER; no credentials: 401 challenge (a registrar would then 200)
	"esc02       407               407"                # unknown method from our domain: authentication first
	"lwsdisp     200               200"                # OPTIONS; "should accept as well-formed"
	"longreq     480               480"                # valid INVITE for a user of ours without binding: 480 (no enumeration)
	"dblreq      401               401_480"            # UDP: the REGISTER only (401); stream: then the INVITE (480: no binding)
	"semiuri     200               200"                # valid OPTIONS
	"transports  200               200"                # valid OPTIONS, unknown transports in lower Vias
	"mpart01     407               407"                # MESSAGE from our domain: authentication first
	"unreason    none              none"               # a 200 response: no transaction, dropped
	"noreason    none              none"               # a 100 response: dropped
	"badinv01    400               400"                # "Respond 400 Bad Request"
	"clerr       400               none|close"         # "Over UDP: 400. Over TCP: keep waiting ... close if none arrives"
	"ncl         400               400+close"          # "Respond with an error (400) ... over TCP ... close the connection"
	"scalar02    400               400"                # "Respond 400 Bad Request because of the CSeq"
	"scalarlg    none              none"               # response: "simply discards the response"
	"quotbal     400               400"                # "Respond 400 Bad Request"
	"ltgtruri    400               400"                # "Reasonable to always reject with 400" (siphon strict, docs/conformance.md)
	"lwsruri     400               400"                # "Respond 400 Bad Request" (siphon strict)
	"lwsstart    400               400"                # "Acceptable to reject as malformed (400)" (siphon strict)
	"trws        400               400"                # "Acceptable to reject as malformed" (siphon strict)
	"escruri     400               400"                # "Acceptable to reply 400" (siphon strict)
	"baddate     480               480"                # "Acceptable to reject ... should only do so if Date matters": a proxy does not use Date (RFC 3261 §16.3 step 1: ignored, forwarded unchanged); no binding for the callee: 480
	"regbadct    400               400"                # "Reasonable to respond 400" (siphon strict)
	"badaspec    400               400"                # "reasonable to reply 400" (siphon strict)
	"baddn       400|none          none|close"         # "Reasonable to always reply 400"; no empty line ends the headers: a datagram is a truncated header block, a stream waits for more
	"badvers     505               505"                # "An RFC 3261 element responds 505 Version Not Supported"
	"mismatch01  400               400"                # "Any element responds 400 Bad Request"
	"mismatch02  501|400           501|400"            # "Respond 501 Not Implemented (400 also acceptable; 501 preferred)"
	"bigcode     none              none"               # response: "simply drops the response"
	"badbranch   400|200           400|200"            # "may reject with 400 (preferably statelessly) or fall back to RFC 2543-style matching" (200 to the OPTIONS)
	"insuf       400               400"                # "ideally respond 400 Bad Request"
	"unkscm      416               416"                # "rejects it with 416 Unsupported URI Scheme"
	"novelsc     416|404           416|404"            # "never accepts this scheme: 416; might accept some: 404"
	"unksm2      400               400"                # REGISTER; "Registrar: 400" (To is no sip/sips URI: refused before any challenge)
	"bext01      420               420"                # "420 Bad Extension with an Unsupported header listing the tags from Require (UAS)"
	"invut       480               480"                # "Proxy: process normally": no binding for the callee
	"regaut01    401               401"                # credentials of an unknown scheme are ignored (RFC 3261 §22.4): a registrar challenges
	"multi01     400               400"                # "Must not break; respond 400 Bad Request"
	"mcl01       400               400+close"          # "respond with an error (400); ... over TCP close the connection"
	"bcast       none              none"               # response with broadcast Via: "discard it"
	"zeromf      200               200"                # "Endpoint/UAS: process normally ... (e.g. 200 to OPTIONS)"
	"cparam01    401               401"                # valid REGISTER (200 at a registrar once authenticated); no credentials: 401
	"cparam02    401               401"                # valid REGISTER, as cparam01
	"regescrt    401               401"                # valid REGISTER, as cparam01
	"sdp01       480               480"                # a proxy ignores Accept: no binding for the callee
	"inv2543     480               close|400+close"    # UDP: valid RFC 2543 INVITE, no binding: 480; TCP: framing error
	"test        400|none          400|400+close|close|none" # unreferenced malformed message, no SIP-Version and no Via: "400 if it can answer at all"
)
RFC4475_MODE=proxy
. "$(dirname "$0")/test_serve_rfc4475.sh"
