#!/usr/bin/env python3
"""Writes the seed scripts of fuzz/fuzz_ua.c into fuzz/corpus/ua/.

Each seed is a call flow between the fuzzed UA and a peer at
127.0.0.1:5099 (RFC 3261 §13-15, RFC 3262, RFC 3311, RFC 6086, RFC 3515,
RFC 4028): chunks separated by the line "%%", a chunk being a message from
the peer or a local action ("!call", "!tick", ...). $B $C $F $T $N $I $J $R
are filled in by the harness from what the UA sent last (see fuzz_ua.c).

Run from the repository root: python3 fuzz/gen_corpus_ua.py
"""
import os

from sipgen import msg

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "ua")
PEER = "127.0.0.1:5099"

SDP = ("v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio 41000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n")
SDP_HOLD = SDP + "a=sendonly\r\n"


# ---- the peer calls the UA (UAS side) ------------------------------------------------------

def req(method, cseq, branch, to_tag=True, extra=(), body="", ctype="application/sdp",
        cseq_method=None):
    h = ["Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s;rport" % (PEER, branch),
         "Max-Forwards: 70",
         "From: \"Peer\" <sip:peer@127.0.0.1:5099>;tag=pt1",
         "To: <sip:fuzz@127.0.0.1>" + (";tag=$T" if to_tag else ""),
         "Call-ID: uas-call@peer",
         "CSeq: %d %s" % (cseq, cseq_method or method),
         "Contact: <sip:peer@%s>" % PEER]
    return msg("%s sip:fuzz@127.0.0.1 SIP/2.0" % method, h + list(extra), body, ctype)


def invite(extra=("Supported: 100rel, timer", "Session-Expires: 90")):
    return req("INVITE", 1, "inv1", to_tag=False, extra=extra, body=SDP)


# ---- the UA calls the peer (UAC side) -------------------------------------------------------

def resp(status, reason, method="INVITE", tag="pt2", extra=(), body="", branch="$I",
         cseq="$J", ctype="application/sdp"):
    h = ["Via: SIP/2.0/UDP 127.0.0.1;branch=%s;rport" % branch,
         "From: <sip:fuzz@127.0.0.1>;tag=$F",
         "To: <sip:peer@127.0.0.1:5099>" + (";tag=" + tag if tag else ""),
         "Call-ID: $C",
         "CSeq: %s %s" % (cseq, method),
         "Contact: <sip:peer@%s>" % PEER]
    return msg("SIP/2.0 %d %s" % (status, reason), h + list(extra), body, ctype)


def last(status, reason, method, body=""):
    """A response to the UA's last request (its branch and CSeq)."""
    return resp(status, reason, method, branch="$B", cseq="$N", body=body)


def peer_req(method, cseq, extra=(), body="", ctype="application/sdp", tag="pt2"):
    """A request from the peer within the dialog the UA's call made."""
    h = ["Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s%d" % (PEER, method.lower(), cseq),
         "Max-Forwards: 70",
         "From: <sip:peer@127.0.0.1:5099>;tag=" + tag,
         "To: <sip:fuzz@127.0.0.1>;tag=$F",
         "Call-ID: $C",
         "CSeq: %d %s" % (cseq, method),
         "Contact: <sip:peer@%s>" % PEER]
    return msg("%s sip:fuzz@127.0.0.1 SIP/2.0" % method, h + list(extra), body, ctype)


SEEDS = {
    "uas-full": [
        invite(), "!tick",
        req("PRACK", 2, "pr2", extra=["RAck: $R 1 INVITE"]), "!tick",
        req("ACK", 1, "ack1"), "!tick",
        req("INVITE", 3, "inv3", body=SDP_HOLD), "!tick",
        req("ACK", 3, "ack3"),
        req("INFO", 4, "info4", body="Signal=5\r\nDuration=160\r\n",
            ctype="application/dtmf-relay"),
        req("UPDATE", 5, "upd5", body=SDP),
        req("REFER", 6, "ref6", extra=["Refer-To: <sip:carol@%s>" % PEER]), "!tick",
        req("BYE", 7, "bye7"), "!tick",
    ],
    "uas-cancel": [
        invite(extra=()),
        req("CANCEL", 1, "inv1", to_tag=False, cseq_method="CANCEL"),
        req("ACK", 1, "inv1"),
    ],
    "uas-glare": [
        invite(extra=()), "!tick",
        req("ACK", 1, "ack1"),
        "!hold",
        req("INVITE", 2, "inv2", body=SDP_HOLD), "!tick",
        req("ACK", 2, "ack2"),
        "!hangup", "!tick",
    ],
    "uas-timer-422": [
        invite(extra=("Supported: timer", "Session-Expires: 30", "Min-SE: 30")),
    ],
    "uac-full": [
        "!call",
        resp(100, "Trying", tag=None),
        resp(180, "Ringing", extra=["Require: 100rel", "RSeq: 1"]), "!tick",
        last(200, "OK", "PRACK"),
        resp(200, "OK", body=SDP, extra=["Session-Expires: 90;refresher=uac"]), "!tick",
        "!hold", last(200, "OK", "INVITE", body=SDP.replace("0 8 101", "0") + "a=recvonly\r\n"),
        "!tick",
        "!resume", last(200, "OK", "INVITE", body=SDP), "!tick",
        "!dtmf", last(200, "OK", "INFO"),
        "!update", last(200, "OK", "UPDATE", body=SDP),
        "!refer", last(202, "Accepted", "REFER"),
        peer_req("NOTIFY", 10, extra=["Event: refer", "Subscription-State: terminated;reason=noresource"],
                 body="SIP/2.0 200 OK\r\n", ctype="message/sipfrag"),
        peer_req("INFO", 11, body="Signal=#\r\nDuration=100\r\n", ctype="application/dtmf-relay"),
        "!hangup", last(200, "OK", "BYE"), "!tick",
    ],
    "uac-early-fork": [
        "!call",
        resp(183, "Session Progress", tag="fa", body=SDP),
        resp(180, "Ringing", tag="fb"),
        resp(200, "OK", tag="fb", body=SDP), "!tick",
        resp(200, "OK", tag="fa", body=SDP), "!tick",
        peer_req("BYE", 20, tag="fb"), "!tick",
    ],
    "uac-reject": [
        "!call",
        resp(407, "Proxy Authentication Required",
             extra=['Proxy-Authenticate: Digest realm="x", nonce="abc", algorithm=MD5, qop="auth"']),
        "!tick",
        resp(422, "Session Interval Too Small", extra=["Min-SE: 120"]), "!tick",
        resp(486, "Busy Here"), "!tick",
    ],
    "uac-cancel": [
        "!call",
        resp(180, "Ringing"),
        "!hangup",
        last(200, "OK", "CANCEL"),
        resp(487, "Request Terminated"), "!tick",
    ],
    "out-of-dialog": [
        req("OPTIONS", 1, "o1", to_tag=False),
        req("MESSAGE", 2, "m2", to_tag=False, body="hello", ctype="text/plain"),
        req("SUBSCRIBE", 3, "s3", to_tag=False, extra=["Event: presence"]),
        req("BYE", 4, "b4"),
        req("NOTIFY", 5, "n5", extra=["Event: refer"], body="SIP/2.0 100 Trying\r\n",
            ctype="message/sipfrag"),
        req("FOO", 6, "f6", to_tag=False),
        resp(200, "OK", branch="z9hG4bKstray", cseq="1"),
        "not a sip message\r\n",
    ],
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, chunks in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write("\n%%\r\n".join(chunks).encode())


if __name__ == "__main__":
    main()
