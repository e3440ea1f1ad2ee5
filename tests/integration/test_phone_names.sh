#!/usr/bin/env bash
# Host names and the profile file of the softphone (issue 6), loopback
# only, against tests/support/dns_server.py and `siphon serve` serving the
# domain example.test:
#   - --server example.test: NAPTR (SIP+D2U) -> SRV -> A leads to the
#     server's port (RFC 3263 §4); bob registers as bob@example.test, alice
#     calls sip:bob@example.test through it: both summaries say 200;
#   - a direct request to a name (no --server): OPTIONS to
#     sip:carol@host.example.test:PORT reaches carol's `siphon answer
#     --port PORT` (200);
#   - names met in a call (RFC 3263 by the UA itself): a SIPp callee whose
#     200 record-routes through rr.example.test and names
#     peer.example.test in its Contact: the ACK and the BYE reach it after
#     an A lookup of rr.example.test; the same callee without Record-Route:
#     after an A lookup of peer.example.test;
#   - a name that does not exist: register exits 1 saying it cannot be
#     resolved;
#   - failover (RFC 3263 §4.3): failover.example.test's SRV names first a
#     server that answers 503 (SIPp, scenarios/phone/uas_503.xml), then
#     siphon serve: the REGISTER goes there next and succeeds; the same for
#     a direct request: direct.example.test's SRV names the 503 server,
#     then carol's `siphon answer`: the OPTIONS gets carol's 200;
#   - the profile file: server, user, password and dns from a 0600 file
#     (--profile) register alice; the same file readable by others is
#     refused (exit 2, "chmod 600"); a flag on the command line overrides
#     the profile (a wrong --password gets 401).
set -u
. "$(dirname "$0")/lib.sh"
it_init

DATA="$IT_TMP/data"
mkdir -p "$DATA"
"$SIPHON" domain add example.test --data "$DATA" >/dev/null || fail "domain add"
. "$(dirname "$0")/phone_lib.sh"
phone_users "$DATA" alice@example.test bob@example.test
it_start || it_finish

it_need sipp
DEAD_PORT=$(it_free_port)
CPORT=$(it_free_port) # carol's `siphon answer`
cat >"$IT_TMP/zone.json" <<EOF
{
 "origin": "test",
 "soa": {"ttl": 30, "minimum": 10},
 "records": [
  {"name": "example.test", "type": "NAPTR", "order": 10, "pref": 10, "flags": "s",
   "service": "SIP+D2U", "regexp": "", "replacement": "_sip._udp.example.test"},
  {"name": "_sip._udp.example.test", "type": "SRV", "priority": 0, "weight": 1,
   "port": $IT_PORT, "target": "host.example.test"},
  {"name": "host.example.test", "type": "A", "address": "127.0.0.1"},
  {"name": "rr.example.test", "type": "A", "address": "127.0.0.1"},
  {"name": "peer.example.test", "type": "A", "address": "127.0.0.1"},
  {"name": "_sip._udp.failover.example.test", "type": "SRV", "priority": 10, "weight": 1,
   "port": $DEAD_PORT, "target": "host.example.test"},
  {"name": "_sip._udp.failover.example.test", "type": "SRV", "priority": 20, "weight": 1,
   "port": $IT_PORT, "target": "host.example.test"},
  {"name": "_sip._udp.direct.example.test", "type": "SRV", "priority": 10, "weight": 1,
   "port": $DEAD_PORT, "target": "host.example.test"},
  {"name": "_sip._udp.direct.example.test", "type": "SRV", "priority": 20, "weight": 1,
   "port": $CPORT, "target": "host.example.test"}
 ]
}
EOF
it_dns_server "$IT_TMP/zone.json" || it_finish
DNS=$IT_DNS
trap 'bob_stop; it_cleanup' EXIT

# --- --server by name ------------------------------------------------------------------
A="$IT_TMP/answer.out"
timeout 60 "$SIPHON" answer --server example.test --dns "$DNS" --user bob \
	--password pw-bob@example.test --calls 1 --tone 440 --duration 50 >"$A" 2>"$A.err" &
ANS_PID=$!
phone_registered "$A" "$ANS_PID" || fail "bob did not register through example.test"
out=$(timeout 30 "$SIPHON" call sip:bob@example.test --server example.test --dns "$DNS" \
	--user alice --password pw-alice@example.test --duration 1 --timeout 10 \
	2>"$IT_TMP/call.err")
rc=$?
echo "call: $out"
bob_done "server by name"
cat "$A"
it_check "call through example.test exits 0 (got $rc)" test "$rc" -eq 0
it_check "call summary says 200" grep -q '^call sip:bob@example.test status=200 ' <<<"$out"
it_check "answer summary says 200" grep -q '^answer 1 status=200 ' "$A"
it_check "the lookups went NAPTR, SRV, A" \
	bash -c "grep -q '^example.test NAPTR' '$IT_TMP/dns.log' && grep -q '^_sip._udp.example.test SRV' '$IT_TMP/dns.log' && grep -q '^host.example.test A' '$IT_TMP/dns.log'"

# --- a direct request to a name ----------------------------------------------------------
timeout 30 "$SIPHON" answer --port "$CPORT" --user carol --duration 20 >"$IT_TMP/carol.out" \
	2>"$IT_TMP/carol.err" &
ANS_PID=$!
for ((i = 0; i < 100; i++)); do
	grep -q '^listening on' "$IT_TMP/carol.out" 2>/dev/null && break
	sleep 0.1
done
out=$(timeout 30 "$SIPHON" options "sip:carol@host.example.test:$CPORT" --dns "$DNS" 2>&1)
rc=$?
it_check "OPTIONS to host.example.test:PORT answered 200 (got $rc: $(head -1 <<<"$out"))" \
	test "$rc" -eq 0
# the same through direct.example.test, whose first SRV target answers 503
it_sipp_uas "$IT_SCEN/phone/uas_503.xml" "$DEAD_PORT"
out=$(timeout 30 "$SIPHON" options "sip:carol@direct.example.test" --dns "$DNS" 2>&1)
rc=$?
echo "direct failover: $out"
it_sipp_done "direct failover: the first target answered 503"
it_check "direct failover: carol answered 200 (got $rc)" test "$rc" -eq 0
it_check "direct failover: says it tried the next address" \
	grep -q 'trying the next address' <<<"$out"
bob_stop

# --- names in the callee's Record-Route and Contact --------------------------------------
# (the caller knows no name when it starts: it calls SIPp by address)
names_call() { # WHAT RR_HEADER NAME: a call whose in-dialog requests go to NAME
	local port out rc
	port=$(it_free_port)
	it_sipp_uas "$IT_SCEN/phone/uas_names.xml" "$port" -key rr "${2//PORT/$port}"
	out=$(timeout 30 "$SIPHON" call "sip:uas@127.0.0.1:$port" --dns "$DNS" --user alice \
		--duration 1 --timeout 10 2>"$IT_TMP/names-$3.err")
	rc=$?
	echo "$1: $out"
	it_sipp_done "$1: the ACK and the BYE reached the callee"
	it_check "$1: call exits 0 (got $rc)" test "$rc" -eq 0
	it_check "$1: the caller looked up $3" grep -q "^$3 A" "$IT_TMP/dns.log"
}
names_call "Record-Route by name" "Record-Route: <sip:rr.example.test:PORT;lr>" rr.example.test
names_call "Contact by name" "X-Route: none" peer.example.test

# --- a name that does not exist ---------------------------------------------------------
out=$(timeout 30 "$SIPHON" register --server nosuch.example.test --dns "$DNS" --user alice \
	--password x 2>&1)
rc=$?
it_check "unknown server name: exit 1 (got $rc)" test "$rc" -eq 1
it_check "unknown server name: says it cannot resolve it" grep -q 'cannot resolve' <<<"$out"

# --- failover to the next target ---------------------------------------------------------
it_sipp_uas "$IT_SCEN/phone/uas_503.xml" "$DEAD_PORT"
out=$(timeout 30 "$SIPHON" register --server failover.example.test --dns "$DNS" \
	--user alice@example.test --password pw-alice@example.test 2>&1)
rc=$?
echo "failover: $out"
it_sipp_done "failover: the first target answered 503"
it_check "failover: registered through the second target (exit $rc)" \
	bash -c "[ $rc -eq 0 ] && grep -q '^registered alice@example.test' <<<'$out'"
it_check "failover: says it tried the next address" grep -q 'trying the next address' <<<"$out"

# --- the profile file ---------------------------------------------------------------------
PROF="$IT_TMP/profile"
cat >"$PROF" <<EOF
# alice's phone
server = example.test
user alice
password = pw-alice@example.test
dns $DNS
EOF
chmod 600 "$PROF"
out=$(timeout 30 "$SIPHON" register --profile "$PROF" 2>&1)
rc=$?
echo "profile: $out"
it_check "profile: register exits 0 (got $rc)" test "$rc" -eq 0
it_check "profile: registered alice@example.test" grep -q '^registered alice@example.test' <<<"$out"
out=$(SIPHON_PROFILE="$PROF" timeout 30 "$SIPHON" register --password wrong 2>&1)
rc=$?
it_check "profile: --password overrides it (401, exit 1; got $rc)" \
	bash -c "[ $rc -eq 1 ] && grep -q 'registration failed: 401' <<<'$out'"
chmod 644 "$PROF"
out=$(timeout 30 "$SIPHON" register --profile "$PROF" 2>&1)
rc=$?
it_check "profile readable by others: refused (exit 2, got $rc)" test "$rc" -eq 2
it_check "profile readable by others: says chmod 600" grep -q 'chmod 600' <<<"$out"
it_check "server alive" it_alive
it_check "no sanitizer report" it_sanitizer_clean "$A.err" "$IT_TMP/call.err" \
	"$IT_TMP"/names-*.err
it_stop
it_finish
