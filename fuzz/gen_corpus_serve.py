#!/usr/bin/env python3
"""Writes the seeds of fuzz/fuzz_serve.c into fuzz/corpus/serve/.

Call flows through the running server (RFC 3665 §2-3 style: registration,
a call proxied to a registered phone and to a static route, CANCEL, a busy
callee, forking, digest challenges) as scripts of datagrams separated by
the line "%%": a datagram starting with '<' comes from the callee socket,
with '~' from the trusted 127.0.0.2, else from the caller. The harness
fills in $SERVER $CALLER $CALLEE $TRUSTED $VIA $DLG (see fuzz_serve.c); the
callee's answers write their own To and CSeq.
The RFC 4475 torture messages (tests/vectors/rfc4475) are copied as
one-datagram seeds.

Run from the repository root: python3 fuzz/gen_corpus_serve.py
"""
import glob
import os
import shutil

from sipgen import msg

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "serve")
VECTORS = os.path.join(HERE, "..", "tests", "vectors", "rfc4475")

SDP = ("v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio 40000 RTP/AVP 0\r\n")


def request(method, ruri, frm, to, cid, cseq, branch, via="$CALLER", extra=(), body="",
            prefix=""):
    h = ["Via: SIP/2.0/UDP %s;branch=z9hG4bK%s;rport" % (via, branch),
         "Max-Forwards: 70",
         "From: <%s>;tag=caller1" % frm,
         "To: <%s>" % to if "tag=" not in to else "To: " + to,
         "Call-ID: %s" % cid,
         "CSeq: %d %s" % (cseq, method.split()[0])]
    if method != "REGISTER":
        h.append("Contact: <sip:caller@%s>" % via)
    return prefix + msg("%s %s SIP/2.0" % (method, ruri), h + list(extra), body)


def callee(status, reason, to, cseq="1 INVITE", extra=(), body=""):
    """The callee's answer to the request the proxy forwarded last."""
    h = ["$VIA", "$DLG", "To: " + to, "CSeq: " + cseq, "Contact: <sip:callee@$CALLEE>"]
    return "<" + msg("SIP/2.0 %d %s" % (status, reason), h + list(extra), body)


def register(user, domain, contact, cid, cseq=1, extra=()):
    aor = "sip:%s@%s" % (user, domain)
    return request("REGISTER", "sip:" + domain, aor, aor, cid, cseq, "reg%s%d" % (cid, cseq),
                   extra=["Contact: <%s>;expires=60" % contact] + list(extra))


ALICE = "sip:alice@localhost"
ROUTE = "Route: <sip:$SERVER;lr>"

SEEDS = {
    # REGISTER (open domain), a call to the binding, ACK and BYE by Record-Route
    "call-registered": [
        register("alice", "localhost", "sip:alice@$CALLEE", "r1"),
        request("INVITE", ALICE, "sip:bob@localhost", ALICE, "c1", 1, "inv1", body=SDP),
        callee(180, "Ringing", "<%s>;tag=callee1" % ALICE),
        callee(200, "OK", "<%s>;tag=callee1" % ALICE,
               extra=["Record-Route: <sip:$SERVER;lr>"], body=SDP),
        request("ACK", "sip:callee@$CALLEE", "sip:bob@localhost", "<%s>;tag=callee1" % ALICE,
                "c1", 1, "ack1", extra=[ROUTE]),
        request("BYE", "sip:callee@$CALLEE", "sip:bob@localhost", "<%s>;tag=callee1" % ALICE,
                "c1", 2, "bye1", extra=[ROUTE]),
        callee(200, "OK", "<%s>;tag=callee1" % ALICE, cseq="2 BYE"),
        register("alice", "localhost", "sip:alice@$CALLEE", "r1", 2, extra=["Expires: 0"]),
    ],
    # a trusted source to a static route; the callee is busy
    "route-busy": [
        request("INVITE", "sip:bob@uas.test", "sip:gw@trunk.test", "sip:bob@uas.test", "c2", 1,
                "inv2", via="$TRUSTED", body=SDP, prefix="~"),
        callee(486, "Busy Here", "<sip:bob@uas.test>;tag=callee2"),
        request("ACK", "sip:bob@uas.test", "sip:gw@trunk.test",
                "<sip:bob@uas.test>;tag=callee2", "c2", 1, "inv2", via="$TRUSTED", prefix="~"),
    ],
    # CANCEL while the callee rings (RFC 3261 §16.10)
    "route-cancel": [
        request("INVITE", "sip:bob@uas.test", "sip:gw@trunk.test", "sip:bob@uas.test", "c3", 1,
                "inv3", via="$TRUSTED", body=SDP, prefix="~"),
        callee(180, "Ringing", "<sip:bob@uas.test>;tag=callee3"),
        request("CANCEL", "sip:bob@uas.test", "sip:gw@trunk.test", "sip:bob@uas.test", "c3", 1,
                "inv3", via="$TRUSTED", prefix="~"),
        callee(200, "OK", "<sip:bob@uas.test>;tag=callee3", cseq="1 CANCEL"),
        callee(487, "Request Terminated", "<sip:bob@uas.test>;tag=callee3"),
    ],
    # two bindings with different q: forking, the first answers
    "fork": [
        register("carol", "localhost", "sip:c1@$CALLEE", "r4",
                 extra=["Contact: <sip:c2@$CALLEE>;q=0.5"]),
        request("INVITE", "sip:carol@localhost", "sip:bob@localhost", "sip:carol@localhost",
                "c4", 1, "inv4", body=SDP),
        callee(408, "Request Timeout", "<sip:carol@localhost>;tag=callee4"),
        callee(200, "OK", "<sip:carol@localhost>;tag=callee5", body=SDP),
    ],
    # digest: challenged, then credentials that do not verify
    "auth": [
        register("dave", "auth.test", "sip:dave@$CALLER", "r5"),
        register("dave", "auth.test", "sip:dave@$CALLER", "r5", 2, extra=[
            'Authorization: Digest username="dave", realm="auth.test", nonce="x", '
            'uri="sip:auth.test", response="00000000000000000000000000000000", algorithm=MD5']),
        request("MESSAGE", "sip:erin@auth.test", "sip:dave@auth.test", "sip:erin@auth.test",
                "c6", 1, "msg6", body="hi"),
    ],
    # the proxy's own checks: Max-Forwards 0 (483), unknown Proxy-Require (420), a loop
    "checks": [
        request("OPTIONS", "sip:bob@uas.test", "sip:gw@trunk.test", "sip:bob@uas.test", "c7", 1,
                "o7", via="$TRUSTED", extra=["Max-Forwards: 0"], prefix="~"),
        request("OPTIONS", "sip:bob@uas.test", "sip:gw@trunk.test", "sip:bob@uas.test", "c8", 1,
                "o8", via="$TRUSTED", extra=["Proxy-Require: foo"], prefix="~"),
        request("INFO", ALICE, "sip:bob@localhost", ALICE, "c9", 1, "i9",
                extra=["Route: <sip:$SERVER;lr>", "Route: <sip:$SERVER;lr>"]),
    ],
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, chunks in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write("\n%%\r\n".join(chunks).encode())
    for path in sorted(glob.glob(os.path.join(VECTORS, "*.dat"))):
        shutil.copyfile(path, os.path.join(OUT, "rfc4475-" + os.path.basename(path)))


if __name__ == "__main__":
    main()
