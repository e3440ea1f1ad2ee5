#!/usr/bin/env bash
# Bounded memory per peer (sip.max_transactions_per_source, trusted sources
# exempt): a server allowed 3 transactions per source gets four OPTIONS
# from 127.0.0.1 in a row (each one's transaction lives 32 s, RFC 3261
# Timer J): three 200s, then 503. Another source (127.0.0.2) still gets
# 200, and a trusted one (127.0.0.3, proxy.trusted) gets 200 five times.
# Loopback only; bounded (every request waits at most 3 s).
set -u
. "$(dirname "$0")/lib.sh"
it_init

IT_CONFIG_EXTRA='sip:
  max_transactions_per_source: 3
proxy:
  trusted: [127.0.0.3/32]'
it_start --workers 1 || it_finish

# statuses SOURCE N: N OPTIONS from SOURCE, each on its own socket and with
# its own branch; prints their statuses in order ("none" for no answer).
statuses() {
	"$IT_PY" - "$1" "$2" "$IT_HOST" "$IT_PORT" <<'EOF'
import random, socket, sys
src, n, host, port = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
out = []
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    lport = s.getsockname()[1]
    tag = "%08x" % random.getrandbits(32)
    msg = ("OPTIONS sip:%s:%d SIP/2.0\r\n"
           "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-%s-%d;rport\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:peer@%s>;tag=%s\r\nTo: <sip:%s:%d>\r\n"
           "Call-ID: %s-%d@%s\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
           % (host, port, src, lport, tag, i, src, tag, host, port, tag, i, src))
    s.sendto(msg.encode(), (host, port))
    s.settimeout(3)
    try:
        out.append(s.recv(65536).split(b" ", 2)[1].decode())
    except socket.timeout:
        out.append("none")
    s.close()
print(" ".join(out))
EOF
}

got=$(statuses 127.0.0.1 4)
it_check "127.0.0.1: three transactions, then 503 (got: $got)" test "$got" = "200 200 200 503"
got=$(statuses 127.0.0.2 1)
it_check "127.0.0.2: its own share (got: $got)" test "$got" = "200"
got=$(statuses 127.0.0.3 5)
it_check "127.0.0.3, trusted: no limit (got: $got)" test "$got" = "200 200 200 200 200"
it_check "the refusal is logged with the setting" \
	grep -q "127.0.0.1 has sip.max_transactions_per_source (3) transactions: 503" "$IT_ERR"
it_check "server alive" it_alive
it_stop
it_finish
