#!/usr/bin/env python3
"""A small authoritative DNS server for the src/dns tests (standard library only).

Serves the zone described by a JSON file on 127.0.0.1, UDP and TCP on one
port (0: any free port), and prints "PORT <n>" on stdout once both sockets
listen. Every query is appended to the query log (--log) as "<name> <TYPE>"
before it is answered, so a test can count the queries a lookup sent.

Zone file:
  {
    "origin": "test",                     owner of the SOA in negative answers
    "soa": {"ttl": 30, "minimum": 10},    RFC 2308 §5: negative TTL = min of both
    "records": [
      {"name": "a.test", "type": "A", "address": "127.0.0.2", "ttl": 60},
      {"name": "a.test", "type": "AAAA", "address": "::1"},
      {"name": "x.test", "type": "CNAME", "target": "a.test"},
      {"name": "_sip._udp.s.test", "type": "SRV", "priority": 0, "weight": 1,
       "port": 5060, "target": "a.test"},
      {"name": "s.test", "type": "NAPTR", "order": 10, "pref": 10, "flags": "s",
       "service": "SIP+D2U", "regexp": "", "replacement": "_sip._udp.s.test"},
      {"name": "r.test", "type": 33, "rdata_hex": "0001"}     raw record data
    ],
    "drop": ["slow.test"],        queries for these names are never answered
    "servfail": ["broken.test"]   answered with SERVFAIL
  }
A name without records of the asked type is NODATA if it owns any record
(or is an empty non-terminal above one), else NXDOMAIN; both carry the SOA.
UDP answers over 512 bytes are truncated (TC, question only), so the client
retries over TCP (RFC 1035 §4.2.1, RFC 7766).

Exits on SIGTERM, or when stdin reaches end of file with --exit-on-eof (the
test keeps a pipe open: if the test process dies, the server follows).
"""
import argparse
import ipaddress
import json
import selectors
import signal
import socket
import struct
import sys

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "TXT": 16,
         "AAAA": 28, "SRV": 33, "NAPTR": 35, "OPT": 41, "ANY": 255}
NAMES = {v: k for k, v in TYPES.items()}


def norm(name):
    return name.rstrip(".").lower()


def enc_name(name):
    out = b""
    name = name.rstrip(".")
    if name:
        for label in name.split("."):
            raw = label.encode()
            out += bytes([len(raw)]) + raw
    return out + b"\x00"


def enc_str(s):
    raw = s.encode() if isinstance(s, str) else s
    return bytes([len(raw)]) + raw


def rtype(rec):
    t = rec["type"]
    return t if isinstance(t, int) else TYPES[t.upper()]


def rdata(rec):
    if "rdata_hex" in rec:
        return bytes.fromhex(rec["rdata_hex"])
    t = rtype(rec)
    if t == 1:
        return ipaddress.IPv4Address(rec["address"]).packed
    if t == 28:
        return ipaddress.IPv6Address(rec["address"]).packed
    if t == 5:
        return enc_name(rec["target"])
    if t == 33:
        return struct.pack("!HHH", rec.get("priority", 0), rec.get("weight", 0),
                           rec["port"]) + enc_name(rec["target"])
    if t == 35:
        return (struct.pack("!HH", rec["order"], rec["pref"]) + enc_str(rec["flags"]) +
                enc_str(rec["service"]) + enc_str(rec["regexp"]) +
                enc_name(rec["replacement"]))
    raise ValueError("no rdata for %r" % rec)


class Zone:
    def __init__(self, path):
        with open(path) as f:
            z = json.load(f)
        self.origin = norm(z.get("origin", "test"))
        soa = z.get("soa", {})
        self.soa_ttl = soa.get("ttl", 30)
        self.soa_min = soa.get("minimum", 10)
        self.ttl = z.get("ttl", 300)
        self.records = z.get("records", [])
        self.drop = {norm(n) for n in z.get("drop", [])}
        self.servfail = {norm(n) for n in z.get("servfail", [])}
        self.names = set()
        for r in self.records:
            n = norm(r["name"])
            while n:
                self.names.add(n)
                n = n.partition(".")[2]

    def rr(self, name, rec):
        return (enc_name(name) + struct.pack("!HHIH", rtype(rec), 1, rec.get("ttl", self.ttl),
                                             len(rdata(rec))) + rdata(rec))

    def soa(self):
        data = (enc_name("ns." + self.origin) + enc_name("hostmaster." + self.origin) +
                struct.pack("!IIIII", 1, 3600, 600, 86400, self.soa_min))
        return (enc_name(self.origin) + struct.pack("!HHIH", 6, 1, self.soa_ttl, len(data)) +
                data)

    def answer(self, qname, qtype):
        """(rcode, answer RRs, authority RRs) for one question."""
        if qname in self.servfail:
            return 2, [], []
        answers = []
        name = qname
        for _ in range(8):  # CNAME chain
            cname = [r for r in self.records
                     if norm(r["name"]) == name and rtype(r) == 5 and qtype != 5]
            if not cname:
                break
            answers.append(self.rr(r_name(cname[0]), cname[0]))
            name = norm(cname[0]["target"])
        hits = [r for r in self.records if norm(r["name"]) == name and rtype(r) == qtype]
        answers += [self.rr(r_name(r), r) for r in hits]
        if hits:
            return 0, answers, []
        if name in self.names:
            return 0, answers, [self.soa()]
        return 3, answers, [self.soa()]


def r_name(rec):
    return rec["name"].rstrip(".")


def parse_question(msg):
    off, labels = 12, []
    while True:
        n = msg[off]
        off += 1
        if n == 0:
            break
        labels.append(msg[off:off + n].decode("ascii", "replace"))
        off += n
    qtype, qclass = struct.unpack("!HH", msg[off:off + 4])
    return ".".join(labels), qtype, off + 4


class Server:
    def __init__(self, zone, log):
        self.zone = zone
        self.log = log

    def respond(self, msg, tcp):
        """The response to one query message, or None to stay silent."""
        if len(msg) < 12:
            return None
        qid, flags, qd = struct.unpack("!HHH", msg[:6])
        if qd != 1 or flags & 0x8000:
            return None
        qname, qtype, qend = parse_question(msg)
        with open(self.log, "a") as f:
            f.write("%s %s\n" % (norm(qname), NAMES.get(qtype, str(qtype))))
        if norm(qname) in self.zone.drop:
            return None
        rcode, an, ns = self.zone.answer(norm(qname), qtype)
        rflags = 0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | rcode  # QR AA RD RA
        question = msg[12:qend]
        body = question + b"".join(an) + b"".join(ns)
        resp = struct.pack("!HHHHHH", qid, rflags, 1, len(an), len(ns), 0) + body
        if not tcp and len(resp) > 512:
            resp = struct.pack("!HHHHHH", qid, rflags | 0x0200, 1, 0, 0, 0) + question
        return resp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zone", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--exit-on-eof", action="store_true")
    args = ap.parse_args()

    srv = Server(Zone(args.zone), args.log)
    open(args.log, "w").close()

    # One port for both: bind UDP, then TCP to the same number (retry if
    # another process holds that TCP port).
    for _ in range(50):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", args.port))
        port = udp.getsockname()[1]
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind(("127.0.0.1", port))
        except OSError:
            udp.close()
            tcp.close()
            if args.port:
                raise
            continue
        break
    tcp.listen(16)

    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    sel = selectors.DefaultSelector()
    sel.register(udp, selectors.EVENT_READ, "udp")
    sel.register(tcp, selectors.EVENT_READ, "listen")
    if args.exit_on_eof:
        sel.register(sys.stdin, selectors.EVENT_READ, "stdin")
    conns = {}
    print("PORT %d" % port, flush=True)

    while True:
        for key, _ in sel.select():
            what = key.data
            if what == "stdin":
                if not sys.stdin.buffer.read1(4096):
                    return
            elif what == "udp":
                msg, peer = udp.recvfrom(65535)
                resp = srv.respond(msg, False)
                if resp:
                    udp.sendto(resp, peer)
            elif what == "listen":
                c, _ = tcp.accept()
                conns[c] = b""
                sel.register(c, selectors.EVENT_READ, "conn")
            else:
                c = key.fileobj
                data = c.recv(65535)
                if not data:
                    sel.unregister(c)
                    c.close()
                    del conns[c]
                    continue
                buf = conns[c] + data
                while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
                    n = struct.unpack("!H", buf[:2])[0]
                    resp = srv.respond(buf[2:2 + n], True)
                    buf = buf[2 + n:]
                    if resp:
                        c.sendall(struct.pack("!H", len(resp)) + resp)
                conns[c] = buf


if __name__ == "__main__":
    main()
