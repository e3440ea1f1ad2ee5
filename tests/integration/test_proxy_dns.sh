#!/usr/bin/env bash
# The proxy's DNS (issue 5 item 5), against tests/support/dns_server.py on
# loopback (the server is configured with that one DNS server, inside its
# loopback allow-list):
#   - RFC 3263 SRV failover: _sip._udp.svc.test lists a first target whose
#     UAS answers 503 and a second that answers; the call reaches the
#     second (RFC 3263 §4.3), the caller never sees the 503;
#   - ENUM (RFC 6116): sip:+15551234@localhost;user=phone is translated by
#     the NAPTR under e164.test to sip:carol@localhost, whose registered
#     UAS answers;
#   - a name that does not exist gets 404, quickly (negative answer).
# Callers come from a proxy.trusted source (they may be relayed to
# svc.test without credentials).
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need sipp

DATA="$IT_TMP/data"
SP="$IT_SCEN/proxy"

P503=$(it_free_port)
PUAS=$(it_free_port)
PCAROL=$(it_free_port)

# The zone: svc.test's SRV records (priority 10 first), ENUM for +15551234.
cat >"$IT_TMP/zone.json" <<EOF
{
 "origin": "test",
 "soa": {"ttl": 30, "minimum": 10},
 "records": [
  {"name": "_sip._udp.svc.test", "type": "SRV", "priority": 10, "weight": 0, "port": $P503, "target": "a.svc.test"},
  {"name": "_sip._udp.svc.test", "type": "SRV", "priority": 20, "weight": 0, "port": $PUAS, "target": "b.svc.test"},
  {"name": "a.svc.test", "type": "A", "address": "127.0.0.1"},
  {"name": "b.svc.test", "type": "A", "address": "127.0.0.1"},
  {"name": "4.3.2.1.5.5.5.1.e164.test", "type": "NAPTR", "order": 10, "pref": 10, "flags": "u",
   "service": "E2U+sip", "regexp": "!^\\\\+15551234\$!sip:carol@localhost!", "replacement": ""}
 ]
}
EOF
it_dns_server "$IT_TMP/zone.json" || it_finish
DNS_PORT=${IT_DNS#*:}
DNS_LOG="$IT_TMP/dns.log"

IT_CONFIG_EXTRA="log_level: debug
auth:
  algorithms: [MD5, SHA-256]
proxy:
  trusted: [127.0.0.0/8]
dns:
  servers: ['127.0.0.1:$DNS_PORT']
  timeout_ms: 500
  enum: true
  enum_suffix: e164.test"

mkdir -p "$DATA"
"$SIPHON" user add carol --password pw-carol --data "$DATA" >/dev/null || fail "user add carol"
it_start || it_finish

PIDS=()
stop_all() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
}
trap 'stop_all; it_cleanup' EXIT

uas() { # SCENARIO PORT
	(cd "$IT_TMP" && exec timeout 60 sipp -sf "$1" -i "$IT_HOST" -p "$2" -m 1 -nostdin \
		-timeout 50 -timeout_error -trace_err >"$IT_TMP/uas-$2.out" 2>&1) &
	PIDS+=($!)
}
uac() { # CALLEE DOMAIN
	(cd "$IT_TMP" && timeout 60 sipp -sf "$SP/uac_call.xml" -s "$1" -key domain "$2" \
		"$IT_HOST:$IT_PORT" -i "$IT_HOST" -p "$(it_free_port)" -m 1 -nostdin -timeout 40 \
		-timeout_error -trace_err >"$IT_TMP/uac.out" 2>&1)
}
wait_all() {
	local p ok=0
	for p in "${PIDS[@]}"; do wait "$p" || ok=1; done
	PIDS=()
	return $ok
}

# ---- RFC 3263 §4.3: SRV failover on 503 ------------------------------------------
"$SP/make_uas_reject.sh" 503 "Service Unavailable" >"$IT_TMP/uas_503.xml"
uas "$IT_TMP/uas_503.xml" "$P503"
uas "$SP/uas_answer.xml" "$PUAS"
sleep 0.3
it_check "a call to sip:service@svc.test fails over from the 503 target to the next SRV target" \
	uac service svc.test
it_check "the first target answered 503 and the second the call" wait_all
it_check "the proxy asked for the SRV records" grep -q '_sip._udp.svc.test SRV' "$DNS_LOG"
n=$(grep -c 'method="INVITE".*status=200' "$IT_ERR")
it_check "the caller got 200 (no 503 or 500 upstream) (got $n)" test "$n" -eq 1

# ---- ENUM -------------------------------------------------------------------------
sed -e "s|Contact: <sip:\[field0\]@\[local_ip\]:\[local_port\]>|Contact: <sip:carol@127.0.0.1:$PCAROL>|" \
	-e '/<action><!-- CHECK -->/,/<\/action>/d' -e '/<Reference variables="c"\/>/d' \
	"$IT_SCEN/register_auth_uac.xml" >"$IT_TMP/reg-carol.xml"
printf 'SEQUENTIAL\ncarol;[authentication username=carol password=pw-carol];300\n' >"$IT_TMP/carol.csv"
it_check "carol registers" bash -c "cd '$IT_TMP' && timeout 30 sipp -sf '$IT_TMP/reg-carol.xml' \
	-inf '$IT_TMP/carol.csv' '$IT_HOST:$IT_PORT' -i '$IT_HOST' -p $(it_free_port) -m 1 -nostdin \
	-timeout 20 -timeout_error >'$IT_TMP/reg.out' 2>&1"
uas "$SP/uas_answer.xml" "$PCAROL"
sleep 0.3
it_check "ENUM: sip:+15551234@localhost;user=phone reaches carol" uac +15551234 "localhost;user=phone"
it_check "carol's UAS answered the ENUM-routed call" wait_all
it_check "the proxy asked the ENUM NAPTR" grep -q '4.3.2.1.5.5.5.1.e164.test NAPTR' "$DNS_LOG"

# ---- a name that does not exist -----------------------------------------------------
printf 'INVITE sip:x@nowhere.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-nx%s\r\nMax-Forwards: 70\r\nFrom: <sip:c@192.0.2.1>;tag=1\r\nTo: <sip:x@nowhere.test>\r\nCall-ID: nx-%s@test\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n' \
	"$RANDOM" "$RANDOM" >"$IT_TMP/nx.sip"
s=$("$IT_PY" "$IT_SIPMSG" send "$IT_HOST" "$IT_PORT" udp "$IT_TMP/nx.sip" --expect 1 --wait 8 |
	"$IT_PY" -c 'import json,sys; r=json.load(sys.stdin)["responses"]; print([x["status"] for x in r if x["status"] >= 200][:1])')
it_check "a Request-URI whose domain does not exist gets 404 (got $s)" test "$s" = "[404]"

# ---- a next hop we cannot send to at all ----------------------------------------------
# An IPv6 literal while the server listens on IPv4 only: the one branch
# fails before anything is sent, inside the request's own handling (the
# context ends before sp__proxy_request returns: it crashed there once).
printf 'INVITE sip:x@[2001:db8::1] SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-v6%s\r\nMax-Forwards: 70\r\nFrom: <sip:c@192.0.2.1>;tag=1\r\nTo: <sip:x@[2001:db8::1]>\r\nCall-ID: v6-%s@test\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n' \
	"$RANDOM" "$RANDOM" >"$IT_TMP/v6.sip"
s=$("$IT_PY" "$IT_SIPMSG" send "$IT_HOST" "$IT_PORT" udp "$IT_TMP/v6.sip" --expect 1 --wait 8 |
	"$IT_PY" -c 'import json,sys; r=json.load(sys.stdin)["responses"]; print([x["status"] for x in r if x["status"] >= 200][:1])')
it_check "a next hop of a family we have no socket for gets 500 at once (got $s)" test "$s" = "[500]"

# ---- proxy.worker_ports ------------------------------------------------------------------
# With two workers each forwards UDP requests from a port of its own (Via
# and source), and the responses sent there come back through it: a fake
# callee answers 486 to the Via of each INVITE; every caller must get it.
WP_OUT=$("$IT_PY" - "$IT_HOST" "$IT_PORT" "$(it_free_port)" 2>&1 <<'PYEOF'
import socket, sys
host, port, cport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
callee = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
callee.bind((host, cport))
callee.settimeout(3)
vias, answered = set(), 0
for i in range(8):
    caller = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    caller.bind((host, 0))
    caller.settimeout(3)
    me = caller.getsockname()[1]
    caller.sendto((
        "INVITE sip:x@%s:%d SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=z9hG4bK-wp%d\r\n"
        "Max-Forwards: 70\r\nFrom: <sip:c@192.0.2.1>;tag=1\r\nTo: <sip:x@%s>\r\n"
        "Call-ID: wp%d-%d@test\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
        % (host, cport, host, me, i, host, i, me)).encode(), (host, port))
    req = callee.recv(65535).decode()
    while not req.startswith("INVITE"):  # the proxy's ACK for the last 486
        req = callee.recv(65535).decode()
    head = req.split("\r\n\r\n")[0].split("\r\n")
    top = next(l for l in head if l.lower().startswith("via:"))
    sent_by = top.split()[2].split(";")[0]
    vias.add(int(sent_by.rsplit(":", 1)[1]))
    resp = ["SIP/2.0 486 Busy Here"]
    for l in head[1:]:
        name = l.split(":")[0].lower()
        if name in ("via", "from", "call-id", "cseq"):
            resp.append(l)
        elif name == "to":
            resp.append(l + ";tag=wp")
    resp.append("Content-Length: 0")
    callee.sendto(("\r\n".join(resp) + "\r\n\r\n").encode(), (host, int(sent_by.rsplit(":", 1)[1])))
    while True:
        r = caller.recv(65535).decode()
        if not r.startswith("SIP/2.0 100"):
            break
    answered += r.startswith("SIP/2.0 486")
print("ports=%s answered=%d" % (",".join(map(str, sorted(vias))), answered))
PYEOF
)
echo "worker ports: $WP_OUT"
it_check "forwarded requests name a worker's own port in their Via, not $IT_PORT ($WP_OUT)" \
	bash -c "grep -q 'ports=' <<<'$WP_OUT' && ! grep -qE '(=|,)$IT_PORT(,| )' <<<'$WP_OUT'"
it_check "the responses sent to those ports reach every caller ($WP_OUT)" \
	grep -q 'answered=8' <<<"$WP_OUT"

it_alive
it_stop
it_finish
