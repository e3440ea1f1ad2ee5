#!/bin/sh
# Instructions per parsed message, from valgrind --tool=callgrind, for every
# parser and message of bench_parse. Instruction counts do not depend on the
# machine's load, so on a noisy VM they are the steadier of the two figures.
#
# For each (parser, message) the binary runs twice under callgrind:
#   bench_parse --callgrind PARSER MSG ITER   and   ... MSG 0
# Both runs load the file, initialise the parser and check its facts once,
# then call the timed loop (bench_loop) ITER or 0 times. Collection is
# switched on only inside bench_loop (--toggle-collect), so start-up,
# dynamic linking and the fact check are excluded, and the 0-iteration run
# measures what is left of the loop's own overhead (the two clock reads).
# (Ir of ITER - Ir of 0) / ITER is the cost of one parse + free.
#
# usage: bench/parse/callgrind.sh BUILD_DIR [--iter N] [--keep DIR] [--annotate [PARSER]]
#   --iter N        parses per measured run (default 2000)
#   --keep DIR      keep the callgrind.out files in DIR
#   --annotate [P]  print callgrind_annotate's top functions (self cost) for
#                   parser P (default siphon) on each message
set -eu

usage() {
	echo "usage: $0 BUILD_DIR [--iter N] [--keep DIR] [--annotate [PARSER]]" >&2
	exit 2
}

[ $# -ge 1 ] || usage
build=$1
shift
iter=2000
keep=
annotate=
while [ $# -gt 0 ]; do
	case $1 in
	--iter) [ $# -ge 2 ] || usage; iter=$2; shift 2 ;;
	--keep) [ $# -ge 2 ] || usage; keep=$2; shift 2 ;;
	--annotate)
		annotate=siphon
		shift
		if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then annotate=$1; shift; fi
		;;
	*) usage ;;
	esac
done

bin=$build/bench/bench_parse
msgdir=$(cd "$(dirname "$0")" && pwd)/msgs
[ -x "$bin" ] || { echo "$0: $bin not built (configure with -DSIPHON_BENCH=ON)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "$0: valgrind not installed (apt-get install valgrind)" >&2; exit 1; }

if [ -n "$keep" ]; then
	mkdir -p "$keep"
	out=$keep
else
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
fi

# Total Ir of one callgrind run.
ir() {
	f=$out/callgrind.$1.$2.$3
	valgrind --tool=callgrind --toggle-collect='bench_loop*' --callgrind-out-file="$f" "$bin" --callgrind "$1" "$2" "$3" \
		>/dev/null 2>"$f.log" || { cat "$f.log" >&2; exit 1; }
	sed -n 's/^summary: *//p' "$f"
}

parsers=$("$bin" --list-parsers)
msgs=$("$bin" --list | awk '{print $1}')

echo "callgrind: instructions (Ir) per message = (Ir of $iter parses - Ir of 0) / $iter"
echo "valgrind: $(valgrind --version)"
echo
rows=$out/rows
: >"$rows"
for m in $msgs; do
	bytes=$(wc -c <"$msgdir/$m")
	for p in $parsers; do
		base=$(ir "$p" "$m" 0)
		full=$(ir "$p" "$m" "$iter")
		echo "$m $bytes $p $base $full" >>"$rows"
	done
done

awk -v iter="$iter" -v goal=3 '
{
	m = $1; p = $3
	if (!(m in seen)) { seen[m] = 1; order[++nm] = m; bytes[m] = $2 }
	per[m, p] = ($5 - $4) / iter
	np[m]++; name[m, np[m]] = p
}
END {
	printf "| message                      | bytes | parser |    Ir/msg | Ir vs siphon | siphon advantage |\n"
	printf "|------------------------------|------:|--------|----------:|-------------:|-----------------:|\n"
	for (i = 1; i <= nm; i++) {
		m = order[i]; best = 0; s = ((m, "siphon") in per) ? per[m, "siphon"] : 0
		for (j = 1; j <= np[m]; j++) {
			p = name[m, j]
			if (p != "siphon" && (best == 0 || per[m, p] < best)) best = per[m, p]
		}
		for (j = 1; j <= np[m]; j++) {
			p = name[m, j]; vs = ""; adv = ""
			if (p == "siphon" && best > 0) {
				r = best / s
				adv = sprintf("%.2fx %s", r, r >= goal ? "ok" : "LOW")
				n++; lsum += log(r); if (min == 0 || r < min) min = r
				if (r >= goal) met++
			} else if (s > 0) {
				vs = sprintf("%.2fx%s", per[m, p] / s, per[m, p] == best ? " *" : "")
			}
			printf "| %-28s | %5s | %-6s | %9.0f | %12s | %16s |\n", (j == 1 ? m : ""), (j == 1 ? bytes[m] : ""), p, per[m, p], vs, adv
		}
	}
	printf "\nIr vs siphon: a reference'"'"'s instructions per message over siphon'"'"'s (* = the leaner reference);\n"
	printf "siphon advantage: the leaner reference'"'"'s Ir over siphon'"'"'s (goal %dx).\n", goal
	if (n) printf "goal %dx in instructions: met on %d of %d messages (lowest %.2fx, geometric mean %.2fx)\n", goal, met, n, min, exp(lsum / n)
}' "$rows"

if [ -n "$annotate" ]; then
	for m in $msgs; do
		echo
		echo "== callgrind_annotate: $annotate parsing $m x $iter: functions by self cost =="
		callgrind_annotate --threshold=99 "$out/callgrind.$annotate.$m.$iter" 2>/dev/null |
			grep -E '^ *[0-9,]+ ' | head -25
		echo "== ... and by inclusive cost =="
		callgrind_annotate --inclusive=yes --threshold=99 "$out/callgrind.$annotate.$m.$iter" 2>/dev/null |
			grep -E '^ *[0-9,]+ ' | head -25
	done
fi
