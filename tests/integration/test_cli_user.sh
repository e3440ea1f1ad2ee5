#!/usr/bin/env bash
# `siphon user` and `siphon domain` (issue 4, docs/cli.md, docs/store.md)
# on the data directory of a running `siphon serve`: add, list, passwd and
# del; the stored HA1s (MD5 and SHA-256 of user:realm:password, checked
# with Python's hashlib and sqlite3) and no password in any database file;
# the password from --password, $SIPHON_PASSWORD and stdin; the default
# domain and its aliases; domains with auth none; a 1000-line CSV import in
# one transaction (all or nothing); and the exit codes (1 failed, 2 usage).
set -u
. "$(dirname "$0")/lib.sh"
it_init

it_start || it_finish
D="$IT_TMP/data"
DB="$D/siphon.db"

# sx EXPECTED_RC DESCRIPTION ARGS...: runs siphon ARGS, output in $OUT.
sx() {
	local want=$1 what=$2 rc
	shift 2
	OUT=$("$SIPHON" "$@" 2>"$IT_TMP/err")
	rc=$?
	if [ "$rc" -eq "$want" ]; then pass; else
		fail "$what: exit $rc, want $want: $(head -c 300 "$IT_TMP/err")"
	fi
}

# ha1 ALG USER REALM PASSWORD: the expected hex.
ha1() {
	"$IT_PY" -c 'import hashlib,sys; print(hashlib.new(sys.argv[1], ":".join(sys.argv[2:5]).encode()).hexdigest())' "$@"
}

# stored USER DOMAIN: "md5 sha256" as the database holds them.
stored() {
	"$IT_PY" - "$DB" "$1" "$2" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=10)
row = db.execute("SELECT ha1_md5, ha1_sha256 FROM subscribers WHERE user=? AND domain=?",
                 (sys.argv[2], sys.argv[3])).fetchone()
print(" ".join(row) if row else "none")
PY
}

# no_plain WORD: WORD occurs in no file of the data directory.
no_plain() {
	! grep -rqaF -- "$1" "$D"
}

# ---- usage and help ----
sx 0 "user --help" user --help
[[ $OUT == *"siphon user add"* ]] && pass || fail "user --help text"
sx 0 "domain --help" domain --help
sx 2 "user without sub-command" user --data "$D"
sx 2 "user bad sub-command" user frob --data "$D"
sx 2 "user add without USER" user add --data "$D"
sx 2 "user add two USERs" user add a b --password x --data "$D"
sx 2 "user unknown option" user list --frob --data "$D"
sx 2 "domain set without --auth" domain set example.com --data "$D"
sx 2 "domain add bad auth" domain add example.com --auth basic --data "$D"
sx 2 "domain add bad name" domain add "a b" --data "$D"
sx 2 "user add empty password" user add zed --password "" --data "$D"

# ---- the default domain (none configured) ----
sx 0 "add alice (default domain)" user add alice --password 'Secr3t-alice' --data "$D"
want="$(ha1 md5 alice localhost Secr3t-alice) $(ha1 sha256 alice localhost Secr3t-alice)"
[ "$(stored alice localhost)" = "$want" ] && pass || fail "alice's HA1s: $(stored alice localhost), want $want"
sx 1 "alice@127.0.0.1 is the same AOR" user add alice@127.0.0.1 --password x --data "$D"
sx 1 "alice@LOCALHOST is the same AOR" user add alice@LOCALHOST --password x --data "$D"
sx 1 "alice@hostname is the same AOR" user add "alice@$(hostname)" --password x --data "$D"
sx 1 "unserved domain" user add bob@example.com --password x --data "$D"
sx 0 "list" user list --data "$D"
[ "$OUT" = "alice@localhost" ] && pass || fail "list: '$OUT'"

# passwd from stdin, then from the environment.
echo 'N3w-from-stdin' | "$SIPHON" user passwd alice@127.0.0.1 --data "$D" 2>"$IT_TMP/err" &&
	pass || fail "passwd from stdin: $(cat "$IT_TMP/err")"
[ "$(stored alice localhost | cut -d' ' -f1)" = "$(ha1 md5 alice localhost N3w-from-stdin)" ] &&
	pass || fail "passwd from stdin stored"
SIPHON_PASSWORD='From-env-9' "$SIPHON" user passwd alice --data "$D" </dev/null 2>"$IT_TMP/err" &&
	pass || fail "passwd from env: $(cat "$IT_TMP/err")"
[ "$(stored alice localhost | cut -d' ' -f2)" = "$(ha1 sha256 alice localhost From-env-9)" ] &&
	pass || fail "passwd from env stored"
sx 1 "passwd of an unknown user" user passwd nobody --password x --data "$D"
it_check "no password in the data directory" no_plain Secr3t-alice
it_check "no stdin password in the data directory" no_plain N3w-from-stdin
it_check "no env password in the data directory" no_plain From-env-9

# ---- domains ----
sx 0 "domain add" domain add Example.COM --data "$D"
sx 0 "domain add auth none" domain add lab.test --auth none --data "$D"
sx 1 "domain add twice" domain add example.com --data "$D"
sx 0 "domain list" domain list --data "$D"
[ "$OUT" = $'example.com digest\nlab.test none' ] && pass || fail "domain list: '$OUT'"
sx 0 "domain set" domain set example.com --auth none --data "$D"
sx 0 "domain set back" domain set example.com --auth digest --data "$D"
sx 1 "domain set unknown" domain set nowhere.test --auth none --data "$D"
sx 0 "add bob@example.com" user add bob@Example.com --password b0b --data "$D"
[ "$(stored bob example.com | cut -d' ' -f1)" = "$(ha1 md5 bob example.com b0b)" ] &&
	pass || fail "bob's realm is the domain"
sx 2 "USER alone with two domains" user add carol --password x --data "$D"
sx 1 "unserved domain with domains configured" user add carol@other.test --password x --data "$D"
sx 0 "list one domain" user list example.com --data "$D"
[ "$OUT" = "bob@example.com" ] && pass || fail "list example.com: '$OUT'"

# ---- del ----
sx 0 "del bob" user del bob@example.com --data "$D"
sx 1 "del bob again" user del bob@example.com --data "$D"
sx 1 "del unknown" user del nobody@lab.test --data "$D"

# ---- import ----
CSV="$IT_TMP/users.csv"
{
	echo "user,domain,password"
	echo "# a comment"
	for i in $(seq 1 998); do echo "load$i,lab.test,pw$i"; done
	echo "\"quoted,user\",lab.test,\"pa,\"\"ss\""
	echo "hashed,example.com,$(ha1 md5 hashed example.com h),$(ha1 sha256 hashed example.com h | tr a-f A-F)"
} >"$CSV"
start=$(date +%s%N)
sx 0 "import 1000 users" user import "$CSV" --data "$D"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$OUT" = "imported 1000 users" ] && pass || fail "import said '$OUT'"
# One transaction: seconds would mean a commit per row.
[ "$ms" -lt 20000 ] && pass || fail "import took ${ms} ms"
echo "import of 1000 users: ${ms} ms"
sx 0 "list lab.test" user list lab.test --data "$D"
[ "$(echo "$OUT" | wc -l)" -eq 999 ] && pass || fail "lab.test has $(echo "$OUT" | wc -l) users"
[ "$(stored 'quoted,user' lab.test | cut -d' ' -f1)" = "$(ha1 md5 'quoted,user' lab.test 'pa,"ss')" ] &&
	pass || fail "quoted CSV fields"
[ "$(stored hashed example.com | cut -d' ' -f2)" = "$(ha1 sha256 hashed example.com h)" ] &&
	pass || fail "imported HA1 (lowercased)"
it_check "no imported password in the data directory" no_plain pw777

# All or nothing: a bad last line imports nothing.
{ echo "new1,lab.test,x"; echo "new2,lab.test,x"; echo "broken,lab.test"; } >"$IT_TMP/bad.csv"
sx 1 "import with a bad line" user import "$IT_TMP/bad.csv" --data "$D"
grep -q "bad.csv:3" "$IT_TMP/err" && pass || fail "import error names the line: $(cat "$IT_TMP/err")"
[ "$(stored new1 lab.test)" = none ] && pass || fail "partial import kept new1"
sx 2 "import of a missing file" user import "$IT_TMP/nope.csv" --data "$D"
printf 'stdin1,lab.test,x\n' | "$SIPHON" user import - --data "$D" >/dev/null 2>&1 &&
	pass || fail "import from stdin"

it_alive
it_stop
it_finish
