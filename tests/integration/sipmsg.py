#!/usr/bin/env python3
"""Small SIP test client for the integration tests (loopback only).

  sipmsg.py send HOST PORT udp|tcp FILE [--expect N] [--wait S]
      Sends the bytes of FILE (one message, or several over TCP) and prints
      one JSON document describing what came back:
        {"responses": [{"status": 405, "reason": "...", "headers": {...}}],
         "closed": false, "pongs": 0, "probe": 200, "late": []}
      The top Via's sent-protocol transport and sent-by are rewritten to
      this socket's own transport and address (127.0.0.1:PORT) so that a
      server routing responses by RFC 3261 §18.2.2 (received + sent-by port)
      and one answering the source address both reach us; every other byte
      is sent as it is. Responses and messages without a Via are sent
      unchanged.

      UDP: waits for the first response (up to --wait s; with --expect 0 the
      whole --wait), then sends an OPTIONS probe from the same socket and
      reads until the probe's 200 (matched by Call-ID): responses that arrive
      before it are reported in "responses" ("late" after the first), the
      probe's status in "probe".
      TCP: reads until --expect responses arrived, the peer closed, or --wait
      seconds passed without a complete response; then lingers 0.2 s for
      extra responses (reported, best effort). "closed" tells whether the
      server closed the connection. CRLF keep-alive pongs are counted.
      Also in the JSON: "outcome" (e.g. "405", "none", "close", "400+close",
      "405 405"), "problems" (final responses without a To tag, 405/501
      without Allow), "unsupported" (the first response's Unsupported tags)
      and, with --check-after, "after_udp"/"after_tcp": the status of one
      OPTIONS from a fresh socket over each transport afterwards.

  sipmsg.py options HOST PORT udp|tcp [--timeout S]
      Sends one OPTIONS on a fresh socket; prints the status (or "none");
      exit 0 when it is 200.

Only 127.0.0.0/8 and ::1 destinations are accepted.
"""
import argparse
import ipaddress
import json
import os
import random
import re
import socket
import sys
import time


def loopback_only(host):
    if not ipaddress.ip_address(host).is_loopback:
        sys.exit("sipmsg.py: refusing non-loopback destination %s" % host)


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def fmt_host(host):
    return "[%s]" % host if ":" in host else host


# --- rewriting the top Via -------------------------------------------------

HDR_LINE = re.compile(rb"\r\n(?![ \t])")
VIA_VALUE = re.compile(
    rb"(SIP[ \t\r\n]*/[ \t\r\n]*[0-9.]+[ \t\r\n]*/[ \t\r\n]*)"  # protocol/version/
    rb"([A-Za-z0-9.!%*_+`'~-]+)"                               # transport
    rb"([ \t\r\n]+)"                                            # LWS
    rb"(\[[0-9A-Fa-f:.]+\]|[^ \t\r\n;,:\[]+)"                  # host
    rb"([ \t\r\n]*:[ \t\r\n]*[0-9]+)?")                         # :port


def rewrite_top_via(data, transport, host, port):
    if data.startswith(b"SIP/"):
        return data  # responses go out byte for byte
    end = data.find(b"\r\n\r\n")
    head = data[:end] if end >= 0 else data
    pos = 0
    for i, m in enumerate(HDR_LINE.finditer(head + b"\r\n")):
        line = head[pos:m.start()]
        start = pos
        pos = m.end()
        if i == 0:
            continue  # start line
        colon = line.find(b":")
        if colon < 0:
            continue
        if line[:colon].strip().lower() not in (b"via", b"v"):
            continue
        v = VIA_VALUE.search(line, colon + 1)
        if not v:
            return data
        new = (line[:v.start(2)] + transport.upper().encode() + v.group(3) +
               ("%s:%d" % (fmt_host(host), port)).encode() + line[v.end():])
        return data[:start] + new + data[start + len(line):]
    return data


# --- parsing responses -----------------------------------------------------

def parse_head(head):
    lines = HDR_LINE.split(head)
    m = re.match(rb"SIP/2\.0 ([0-9]{3}) ?(.*)", lines[0])
    if not m:
        return None
    headers = {}
    compact = {"v": "via", "f": "from", "t": "to", "i": "call-id", "l": "content-length",
               "m": "contact", "k": "supported", "c": "content-type"}
    for ln in lines[1:]:
        if b":" not in ln:
            continue
        name, _, value = ln.partition(b":")
        name = name.strip().decode("latin-1").lower()
        name = compact.get(name, name)
        value = re.sub(rb"\r\n[ \t]+", b" ", value).strip().decode("utf-8", "replace")
        headers.setdefault(name, []).append(value)
    return {"status": int(m.group(1)), "reason": m.group(2).decode("utf-8", "replace"),
            "headers": headers}


class StreamParser:
    """Splits a byte stream into responses; counts CRLF pongs."""

    def __init__(self):
        self.buf = b""
        self.pongs = 0

    def feed(self, data):
        self.buf += data
        out = []
        while True:
            while self.buf.startswith(b"\r\n"):
                self.buf = self.buf[2:]
                self.pongs += 1
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return out
            resp = parse_head(self.buf[:end])
            if resp is None:
                out.append({"status": None, "reason": "unparsable",
                            "raw": self.buf[:200].decode("latin-1")})
                self.buf = b""
                return out
            cl = int((resp["headers"].get("content-length") or ["0"])[0] or 0)
            if len(self.buf) < end + 4 + cl:
                return out
            self.buf = self.buf[end + 4 + cl:]
            out.append(resp)


def parse_datagram(data):
    end = data.find(b"\r\n\r\n")
    resp = parse_head(data[:end] if end >= 0 else data)
    if resp is None:
        return {"status": None, "reason": "unparsable", "raw": data[:200].decode("latin-1")}
    return resp


# --- OPTIONS probe ---------------------------------------------------------

def options_bytes(transport, host, lport, rhost, rport, callid):
    branch = "z9hG4bK-probe-%08x" % random.getrandbits(32)
    return ("OPTIONS sip:ping@%s:%d SIP/2.0\r\n"
            "Via: SIP/2.0/%s %s:%d;branch=%s;rport\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:probe@%s>;tag=%08x\r\n"
            "To: <sip:ping@%s>\r\n"
            "Call-ID: %s\r\n"
            "CSeq: 1 OPTIONS\r\n"
            "Content-Length: 0\r\n\r\n" %
            (fmt_host(rhost), rport, transport.upper(), fmt_host(host), lport, branch,
             fmt_host(host), random.getrandbits(32), fmt_host(rhost), callid)).encode()


def new_callid():
    return "probe-%d-%08x" % (os.getpid(), random.getrandbits(32))


def is_probe(resp, callid):
    return callid in (resp.get("headers", {}).get("call-id") or [""])


# --- send ------------------------------------------------------------------

def send_udp(args, data):
    s = socket.socket(family(args.host), socket.SOCK_DGRAM)
    s.bind((args.host, 0))
    lhost, lport = s.getsockname()[:2]
    if not args.no_rewrite:
        data = rewrite_top_via(data, "udp", lhost, lport)
    s.sendto(data, (args.host, args.port))
    result = {"responses": [], "closed": False, "pongs": 0, "probe": None, "late": []}
    deadline = time.monotonic() + args.wait
    while not result["responses"]:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            pkt = s.recv(65536)
        except socket.timeout:
            break
        result["responses"].append(parse_datagram(pkt))
    # Probe from the same socket: whatever arrives before its answer is late.
    callid = new_callid()
    s.sendto(options_bytes("udp", lhost, lport, args.host, args.port, callid),
             (args.host, args.port))
    deadline = time.monotonic() + args.probe_timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            pkt = s.recv(65536)
        except socket.timeout:
            break
        resp = parse_datagram(pkt)
        if is_probe(resp, callid):
            result["probe"] = resp["status"]
            break
        result["responses"].append(resp)
        result["late"].append(resp["status"])
    return result


def send_tcp(args, data):
    s = socket.socket(family(args.host), socket.SOCK_STREAM)
    s.settimeout(args.wait)
    s.connect((args.host, args.port))
    lhost, lport = s.getsockname()[:2]
    if not args.no_rewrite:
        data = rewrite_top_via(data, "tcp", lhost, lport)
    result = {"responses": [], "closed": False, "pongs": 0, "probe": None, "late": []}
    try:
        s.sendall(data)
    except OSError:
        result["closed"] = True
        return result
    parser = StreamParser()
    deadline = time.monotonic() + args.wait
    linger_until = None
    while True:
        now = time.monotonic()
        if linger_until is None and len(result["responses"]) >= max(args.expect, 1) \
                and args.expect > 0:
            linger_until = now + 0.2
        end = linger_until if linger_until is not None else deadline
        if now >= end:
            break
        s.settimeout(end - now)
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        except (ConnectionResetError, OSError):
            result["closed"] = True
            break
        if not chunk:
            result["closed"] = True
            break
        for r in parser.feed(chunk):
            result["responses"].append(r)
            if linger_until is not None:
                result["late"].append(r["status"])
    result["pongs"] = parser.pongs
    s.close()
    return result


def outcome(res):
    """The result in test_serve_rfc4475.sh's notation: "none", "close",
    "405", "405 405", "400+close"."""
    codes = [str(r["status"]) if r["status"] is not None else "unparsable"
             for r in res["responses"]]
    if not codes:
        return "close" if res["closed"] else "none"
    return " ".join(codes) + ("+close" if res["closed"] else "")


def problems(res):
    """Header rules every final response must meet (RFC 3261)."""
    out = []
    for r in res["responses"]:
        st, h = r["status"], r.get("headers", {})
        if st is None or st < 200:
            continue
        to = h.get("to") or []
        if to and not re.search(r";\s*tag\s*=", to[0]):
            out.append("%d-without-To-tag" % st)
        if st in (405, 501) and not h.get("allow"):
            out.append("%d-without-Allow" % st)
    return out


def cmd_send(args):
    with open(args.file, "rb") as f:
        data = f.read()
    res = send_udp(args, data) if args.transport == "udp" else send_tcp(args, data)
    res["outcome"] = outcome(res)
    res["problems"] = problems(res)
    first = res["responses"][0]["headers"] if res["responses"] else {}
    res["unsupported"] = sorted(t.strip() for v in first.get("unsupported", [])
                                for t in v.split(",") if t.strip())
    if args.check_after:
        # The server still answers OPTIONS on fresh sockets, both transports.
        for tp in ("udp", "tcp"):
            res["after_" + tp] = options_status(args.host, args.port, tp, args.probe_timeout)
    json.dump(res, sys.stdout)
    sys.stdout.write("\n")
    return 0


def options_status(host, port, transport, timeout):
    """One OPTIONS from a fresh socket; its status, or None."""
    callid = new_callid()
    status = None
    deadline = time.monotonic() + timeout
    if transport == "udp":
        s = socket.socket(family(host), socket.SOCK_DGRAM)
        s.bind((host, 0))
        lhost, lport = s.getsockname()[:2]
        s.sendto(options_bytes("udp", lhost, lport, host, port, callid), (host, port))
        while status is None and time.monotonic() < deadline:
            s.settimeout(max(deadline - time.monotonic(), 0.01))
            try:
                resp = parse_datagram(s.recv(65536))
            except socket.timeout:
                break
            if is_probe(resp, callid):
                status = resp["status"]
    else:
        s = socket.socket(family(host), socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect((host, port))
            lhost, lport = s.getsockname()[:2]
            s.sendall(options_bytes("tcp", lhost, lport, host, port, callid))
            parser = StreamParser()
            while status is None and time.monotonic() < deadline:
                s.settimeout(max(deadline - time.monotonic(), 0.01))
                chunk = s.recv(65536)
                if not chunk:
                    break
                for r in parser.feed(chunk):
                    if is_probe(r, callid):
                        status = r["status"]
        except OSError:
            pass
    s.close()
    return status


def cmd_options(args):
    status = options_status(args.host, args.port, args.transport, args.timeout)
    print(status if status is not None else "none")
    return 0 if status == 200 else 1


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    ps = sub.add_parser("send")
    ps.add_argument("host")
    ps.add_argument("port", type=int)
    ps.add_argument("transport", choices=("udp", "tcp"))
    ps.add_argument("file")
    ps.add_argument("--expect", type=int, default=1,
                    help="responses expected (0: expect none, wait the whole --wait)")
    ps.add_argument("--wait", type=float, default=5.0)
    ps.add_argument("--probe-timeout", type=float, default=5.0)
    ps.add_argument("--no-rewrite", action="store_true")
    ps.add_argument("--check-after", action="store_true",
                    help="then one OPTIONS over UDP and one over TCP from fresh sockets")
    po = sub.add_parser("options")
    po.add_argument("host")
    po.add_argument("port", type=int)
    po.add_argument("transport", choices=("udp", "tcp"))
    po.add_argument("--timeout", type=float, default=5.0)
    args = p.parse_args()
    loopback_only(args.host)
    if args.cmd == "send":
        return cmd_send(args)
    return cmd_options(args)


if __name__ == "__main__":
    sys.exit(main())
