#!/usr/bin/env bash
# Integration test of `siphon lint` (docs/lint.md) against the torture
# corpora of RFC 4475 and RFC 5118 and the RFC 3665 call flows, using the
# real binary. For each manifest row the category decides the expectation:
#   valid                                        exit 0, no findings
#   invalid                                      exit 1
#   valid-but-should-be-rejected-by-application  exit 0, a finding with the
#                                                expected status (table below)
# Then the command line itself: --json documents, usage errors, stdin, and
# --stream over concatenated messages with keep-alives.
#
# Environment (set by ctest): SIPHON (the binary), SIPHON_VECTORS
# (tests/vectors), SIPHON_SRC (repo root). Needs jq (scripts/install-deps.sh).
set -u

: "${SIPHON:?set SIPHON to the siphon binary}"
: "${SIPHON_VECTORS:?set SIPHON_VECTORS to tests/vectors}"
V=$SIPHON_VECTORS

if ! command -v jq >/dev/null 2>&1; then
	echo "FAIL: jq not found (scripts/install-deps.sh installs it)" >&2
	exit 1
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

failures=0
checks=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}
pass() {
	checks=$((checks + 1))
}

# RFC 4475 §3.2/§3.3: the response each application-level case calls for
# (0 = drop silently).
declare -A EXPECT_STATUS=(
	[badbranch]=400 [insuf]=400 [unkscm]=416 [novelsc]=416 [unksm2]=400
	[bext01]=420 [invut]=415 [regaut01]=401 [multi01]=400 [bcast]=0
	[zeromf]=483 [sdp01]=406
)

# lint_json FILE: runs `siphon lint --json FILE`; sets RC and JSON.
lint_json() {
	JSON=$("$SIPHON" lint --json "$1" 2>"$TMP/stderr")
	RC=$?
}

# jqf FILTER: evaluates FILTER on $JSON, prints the raw result.
jqf() {
	printf '%s\n' "$JSON" | jq -r "$1"
}

# check_message NAME CATEGORY PATH: one manifest row.
check_message() {
	local name=$1 category=$2 path=$3 rel=${3#"$V"/}
	lint_json "$path"
	if [ "$RC" -eq 2 ] || [ "$RC" -gt 2 ]; then
		fail "$rel ($name): exit $RC (usage/IO error or crash): $(cat "$TMP/stderr")"
		return
	fi
	if ! printf '%s\n' "$JSON" | jq -e '.schema == 1' >/dev/null 2>&1; then
		fail "$rel ($name): --json output is not one JSON document with schema 1: $JSON"
		return
	fi
	local nf rule
	nf=$(jqf '.findings // [] | length')
	rule=$(jqf '.error.rule // "-"')
	case $category in
	valid)
		if [ "$RC" -ne 0 ]; then
			fail "$rel ($name): category valid, expected exit 0, got $RC: error $(jqf '.error')"
		elif [ "$nf" -ne 0 ]; then
			fail "$rel ($name): category valid, expected no findings, got: $(jqf '.findings')"
		else
			pass
		fi
		;;
	invalid)
		if [ "$RC" -ne 1 ]; then
			fail "$rel ($name): category invalid, expected exit 1, got $RC" \
				"(the parser accepted it; findings: $(jqf '.findings'))"
		elif [ "$(jqf '.valid')" != false ] || [ "$rule" = - ]; then
			fail "$rel ($name): exit 1 but JSON says valid=$(jqf '.valid') error=$(jqf '.error')"
		else
			pass
		fi
		;;
	valid-but-should-be-rejected-by-application)
		local want=${EXPECT_STATUS[$name]-}
		if [ -z "$want" ]; then
			fail "$rel ($name): no expected status known for this application-level case"
		elif [ "$RC" -ne 0 ]; then
			fail "$rel ($name): expected exit 0 (well-formed), got $RC: error $(jqf '.error')"
		elif [ "$(jqf "[.findings[] | select(.status == $want)] | length")" -lt 1 ]; then
			fail "$rel ($name): expected a finding with status $want, got: $(jqf '.findings')"
		else
			pass
		fi
		;;
	*)
		fail "$rel ($name): unknown manifest category '$category'"
		;;
	esac

	# The human report must agree on the exit code and never carry raw
	# control bytes (NUL, BEL, ESC ...) from the message to the terminal.
	"$SIPHON" lint "$path" >"$TMP/human" 2>&1
	local hrc=$?
	if [ "$hrc" -ne "$RC" ]; then
		fail "$rel ($name): human mode exit $hrc differs from --json exit $RC"
	elif LC_ALL=C tr -d '\n' <"$TMP/human" | LC_ALL=C grep -q '[[:cntrl:]]'; then
		fail "$rel ($name): human output contains raw control bytes"
	elif [ "$RC" -eq 1 ] && ! grep -q '^  error at offset [0-9]* (line [0-9]*, column [0-9]*): ' "$TMP/human"; then
		fail "$rel ($name): human output lacks the 'error at offset' line"
	elif [ "$nf" -gt 0 ] && [ "$(grep -c '^  note: .* would ' "$TMP/human")" -ne "$nf" ]; then
		fail "$rel ($name): human output does not show the $nf findings as notes"
	else
		pass
	fi
}

# run_manifest DIR: every row of DIR/MANIFEST.tsv, by column name. A
# clfixed_file column, when not "-", replaces file (RFC 5118 bodies).
run_manifest() {
	local dir=$1 rows=0
	if [ ! -f "$V/$dir/MANIFEST.tsv" ]; then
		fail "$V/$dir/MANIFEST.tsv is missing"
		return
	fi
	while IFS=$'\t' read -r name category file; do
		rows=$((rows + 1))
		if [ ! -f "$V/$file" ]; then
			fail "$dir/MANIFEST.tsv lists $file, which is missing under $V"
			continue
		fi
		check_message "$name" "$category" "$V/$file"
	done < <(awk -F'\t' '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{
			f = $col["file"]
			if ("clfixed_file" in col && $col["clfixed_file"] != "-")
				f = $col["clfixed_file"]
			print $col["name"] "\t" $col["category"] "\t" f
		}' "$V/$dir/MANIFEST.tsv")
	if [ "$rows" -eq 0 ]; then
		fail "$dir/MANIFEST.tsv has no rows"
	fi
	echo "$dir: $rows messages"
}

run_manifest rfc4475
run_manifest rfc5118

# RFC 3665: every complete message is ordinary traffic, so a message that
# parses has no findings. The three 486s of §3.9 carry two SPs after
# SIP/2.0 as published (INDEX-flows.tsv), which a strict parser rejects.
n3665=0
for path in "$V"/rfc3665/*.sip; do
	[ -e "$path" ] || { fail "no RFC 3665 messages under $V/rfc3665"; break; }
	n3665=$((n3665 + 1))
	base=$(basename "$path")
	lint_json "$path"
	case $base in
	rfc3665-3.9-F6-486.sip | rfc3665-3.9-F8-486.sip | rfc3665-3.9-F10-486.sip)
		[ "$RC" -eq 1 ] || fail "rfc3665/$base: status line with two SPs, expected exit 1, got $RC"
		;;
	*)
		if [ "$RC" -ne 0 ]; then
			fail "rfc3665/$base: expected exit 0, got $RC: error $(jqf '.error')"
		elif [ "$(jqf '.findings | length')" -ne 0 ]; then
			fail "rfc3665/$base: expected no findings, got: $(jqf '.findings')"
		fi
		;;
	esac
	pass
done
echo "rfc3665: $n3665 messages"

# ---- the command line -------------------------------------------------------

expect_exit() { # WANT DESCRIPTION CMD...
	local want=$1 what=$2
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$what: expected exit $want, got $rc (stderr: $(head -c 300 "$TMP/err"))"
	else
		pass
	fi
}

R=$V/rfc4475
expect_exit 0 "siphon --help" "$SIPHON" --help
expect_exit 0 "siphon --version" "$SIPHON" --version
grep -q '^siphon [0-9]' "$TMP/out" || fail "siphon --version: no version line: $(cat "$TMP/out")"
expect_exit 2 "siphon with no verb" "$SIPHON"
expect_exit 2 "siphon unknown verb" "$SIPHON" no-such-verb
grep -q 'usage' "$TMP/err" || fail "siphon unknown verb: no usage on stderr"
expect_exit 0 "siphon lint --help" "$SIPHON" lint --help
expect_exit 2 "siphon lint without files" "$SIPHON" lint
expect_exit 2 "siphon lint --bogus" "$SIPHON" lint --bogus "$R/wsinv.dat"
expect_exit 2 "siphon lint missing file" "$SIPHON" lint "$TMP/does-not-exist.dat"
expect_exit 2 "siphon lint missing file among valid ones" \
	"$SIPHON" lint "$R/wsinv.dat" "$TMP/does-not-exist.dat" "$R/esc01.dat"
expect_exit 1 "siphon lint valid + invalid" "$SIPHON" lint "$R/wsinv.dat" "$R/ncl.dat"
expect_exit 0 "siphon lint two valid files" "$SIPHON" lint "$R/wsinv.dat" "$R/bext01.dat"
expect_exit 0 "siphon serve --print-config" "$SIPHON" serve --print-config --workers 2
grep -q '^workers: 2$' "$TMP/out" || fail "siphon serve --print-config: no 'workers: 2': $(cat "$TMP/out")"
expect_exit 2 "siphon serve --workers 0" "$SIPHON" serve --workers 0

# --json with several inputs: JSON Lines, one document per input, in order,
# including one for an unreadable file.
"$SIPHON" lint --json "$R/wsinv.dat" "$TMP/nope.dat" "$R/ncl.dat" >"$TMP/jl" 2>/dev/null
if [ "$(wc -l <"$TMP/jl")" -ne 3 ]; then
	fail "--json with 3 inputs: expected 3 lines, got $(wc -l <"$TMP/jl")"
elif ! jq -e -s 'length == 3 and .[0].valid and (.[1].io_error | type == "string")
		and (.[2].valid | not) and .[2].error.status == 400
		and all(.[]; .schema == 1)' "$TMP/jl" >/dev/null; then
	fail "--json with 3 inputs: unexpected documents: $(cat "$TMP/jl")"
else
	pass
fi

# Exact bytes: intmeth's To display name holds raw BEL, NUL and DEL
# (quoted-pairs, RFC 4475 §3.1.1.2); JSON carries them as \u00XX.
lint_json "$R/intmeth.dat"
if ! printf '%s\n' "$JSON" | jq -e '.headers[] | select(.canonical == "To")
		| .parsed.display == "\"BEL:\\\u0007 NUL:\\\u0000 DEL:\\\u007f\""' >/dev/null; then
	fail "intmeth.dat: To display-name not reported byte-exact: $(printf '%s\n' "$JSON" |
		jq -c '.headers[] | select(.canonical == "To") | .parsed.display')"
else
	pass
fi
# dblreq: the INVITE octets after Content-Length are not part of the message.
lint_json "$R/dblreq.dat"
if [ "$(jqf '.trailing_bytes')" -gt 0 ]; then
	pass
else
	fail "dblreq.dat: trailing_bytes should be > 0: $(jqf '.trailing_bytes')"
fi

# Datagram on stdin gives the same document as the file (but the name).
"$SIPHON" lint --json - <"$R/bext01.dat" >"$TMP/stdin.json"
rc=$?
lint_json "$R/bext01.dat"
if [ "$rc" -ne 0 ] || [ "$(jq -c 'del(.file)' "$TMP/stdin.json")" != "$(jqf 'del(.file)' | jq -c .)" ] ||
	[ "$(jq -r .file "$TMP/stdin.json")" != - ]; then
	fail "lint - (stdin): differs from linting the file: $(cat "$TMP/stdin.json")"
else
	pass
fi

# --stream: two messages with a CRLFCRLF ping between them and a CRLF pong
# at the end, from a file and from stdin.
{ cat "$R/bext01.dat"; printf '\r\n\r\n'; cat "$R/zeromf.dat"; printf '\r\n'; } >"$TMP/two.sip"
want='[["message",true],["keepalive",null],["message",true],["keepalive",null]]'
for src in file stdin; do
	if [ $src = file ]; then
		"$SIPHON" lint --stream --json "$TMP/two.sip" >"$TMP/s.json"
	else
		"$SIPHON" lint --stream --json - <"$TMP/two.sip" >"$TMP/s.json"
	fi
	rc=$?
	got=$(jq -c '[.items[] | [.type, .valid]]' "$TMP/s.json" 2>/dev/null)
	if [ "$rc" -ne 0 ] || [ "$got" != "$want" ]; then
		fail "--stream ($src) two messages + keep-alives: exit $rc, items $got, want $want"
	elif ! jq -e '.valid and .mode == "stream" and .items[1].offset == '"$(wc -c <"$R/bext01.dat")"'
			and .items[1].length == 4 and .items[3].length == 2
			and ([.items[2].findings[] | select(.status == 483)] | length) == 1' \
			"$TMP/s.json" >/dev/null; then
		fail "--stream ($src): offsets, keep-alive lengths or findings wrong: $(cat "$TMP/s.json")"
	else
		pass
	fi
done
"$SIPHON" lint --stream "$TMP/two.sip" >"$TMP/s.txt"
grep -q 'keep-alive (ping)' "$TMP/s.txt" || fail "--stream human report does not show the ping keep-alive"

# --stream: a message cut short at the end is reported incomplete (exit 1).
{ cat "$R/bext01.dat"; head -c 100 "$R/zeromf.dat"; } >"$TMP/cut.sip"
"$SIPHON" lint --stream --json "$TMP/cut.sip" >"$TMP/c.json"
rc=$?
if [ "$rc" -ne 1 ] || ! jq -e '(.valid | not) and .items[-1].type == "incomplete"
		and .items[-1].length == 100' "$TMP/c.json" >/dev/null; then
	fail "--stream incomplete tail: exit $rc, $(cat "$TMP/c.json")"
else
	pass
fi

# --stream: two Content-Lengths cannot be framed (RFC 4475 mcl01): the
# framing error is reported with its offset and nothing after it is read.
"$SIPHON" lint --stream --json "$R/mcl01.dat" >"$TMP/m.json"
rc=$?
if [ "$rc" -ne 1 ] || ! jq -e '.items[0].type == "framing_error"
		and (.items[0].error.offset | type == "number") and (.items | length) == 1' \
		"$TMP/m.json" >/dev/null; then
	fail "--stream mcl01: exit $rc, $(cat "$TMP/m.json")"
else
	pass
fi

echo "lint: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
