# Shell helpers shared by the SIPp benchmarks (sourced by bench/*/run.sh and
# bench/proxy/common.sh). Everything on 127.0.0.1; processes by PID only.
#
#   free_port        a port free for both UDP and TCP on 127.0.0.1
#   tree_pids PID    PID and all its descendants (Kamailio forks its workers)
#   tree_ticks PID   utime+stime (clock ticks) of that tree, every thread
#   any_alive PID... 0 if one of them still runs (a zombie does not count)

free_port() {
	python3 -c '
import socket
while True:
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p))
    except OSError:
        continue
    print(p); break'
}

tree_pids() {
	local c
	echo "$1"
	for c in $(pgrep -P "$1"); do tree_pids "$c"; done
}

tree_ticks() {
	local t=0 p
	for p in $(tree_pids "$1"); do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}

any_alive() {
	local p s
	for p in "$@"; do
		s=$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null) || continue
		[ -n "$s" ] && [ "$s" != Z ] && return 0
	done
	return 1
}
