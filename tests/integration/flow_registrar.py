#!/usr/bin/env python3
"""A TCP registrar whose flow goes dead, for RFC 5626 §4.4.1 (loopback only).

  flow_registrar.py PORT --pongs N --seconds S

Listens on 127.0.0.1:PORT (TCP) and answers every REGISTER 200 with its
Contact (expires=60). On the first connection it answers the first N
CRLF CRLF keep-alive pings with a CRLF pong and then stays silent (the
connection open, as behind a NAT binding that died); on later connections
it answers every ping. An unregister (expires 0) is answered with
expires=0. Exits after S seconds and prints one JSON line:
  {"connections": C, "registers": [per connection], "pings": [...],
   "pongs": [...]}
"""
import argparse
import json
import re
import selectors
import socket
import time


def response(req: bytes) -> bytes:
    head = req.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    lines = head.split("\r\n")
    keep = []
    for line in lines[1:]:
        name = line.split(":", 1)[0].strip().lower()
        if name in ("via", "v", "from", "f", "call-id", "i", "cseq"):
            keep.append(line)
        elif name in ("to", "t"):
            keep.append(line if ";tag=" in line else line + ";tag=flowreg")
        elif name in ("contact", "m"):
            gone = re.search(r";expires=0\b", line) or re.search(
                r"\r\nExpires\s*:\s*0\s*\r\n", head + "\r\n", re.I)
            keep.append(re.sub(r";expires=\d+", "", line) +
                        (";expires=0" if gone else ";expires=60"))
    return ("SIP/2.0 200 OK\r\n" + "\r\n".join(keep) +
            "\r\nContent-Length: 0\r\n\r\n").encode()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--pongs", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=20)
    a = ap.parse_args()
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", a.port))
    ls.listen(8)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, None)
    conns = []  # per connection: dict
    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        for key, _ in sel.select(timeout=0.1):
            if key.data is None:
                s, _ = ls.accept()
                st = {"sock": s, "buf": b"", "idx": len(conns), "registers": 0,
                      "pings": 0, "pongs": 0}
                conns.append(st)
                sel.register(s, selectors.EVENT_READ, st)
                continue
            st = key.data
            data = st["sock"].recv(65536)
            if not data:
                sel.unregister(st["sock"])
                st["sock"].close()
                continue
            st["buf"] += data
            while True:
                b = st["buf"]
                if b.startswith(b"\r\n\r\n"):
                    st["buf"] = b[4:]
                    st["pings"] += 1
                    if st["idx"] > 0 or st["pings"] <= a.pongs:
                        st["sock"].sendall(b"\r\n")
                        st["pongs"] += 1
                    continue
                end_hdr = b.find(b"\r\n\r\n")
                if end_hdr < 0 or b.startswith(b"\r\n"):
                    break
                m = re.search(rb"\r\n(?:Content-Length|l)\s*:\s*(\d+)", b[:end_hdr + 2], re.I)
                total = end_hdr + 4 + (int(m.group(1)) if m else 0)
                if len(b) < total:
                    break
                req, st["buf"] = b[:total], b[total:]
                if req.startswith(b"REGISTER "):
                    st["registers"] += 1
                    st["sock"].sendall(response(req))
    print(json.dumps({"connections": len(conns),
                      "registers": [c["registers"] for c in conns],
                      "pings": [c["pings"] for c in conns],
                      "pongs": [c["pongs"] for c in conns]}))


if __name__ == "__main__":
    main()
