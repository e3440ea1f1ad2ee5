/*
 * libFuzzer target for `siphon serve` as the network drives it: the whole
 * path of a datagram through a running server (src/server: framing,
 * parse, validation, the transaction layer, the registrar, the stateful
 * proxy with forking and Record-Route, the store's write-behind thread),
 * with input as untrusted as anything from the Internet.
 *
 * One server for the whole run, started on first use: one worker, UDP on
 * 127.0.0.1 (ephemeral port), a data directory under /tmp (removed at
 * exit), security.allow_destinations 127.0.0.0/8 (nothing leaves the
 * machine; DNS is refused by the same rule), served domains localhost
 * (open registration) and auth.test (digest), a static route for
 * uas.test to the harness' callee socket, 127.0.0.2 trusted, short
 * timers, 200 transactions per source (so the per-source bound is
 * reached too). State carries over from input to input, as on a real server.
 *
 * The input is a script of datagrams separated by the line "%%" (the
 * bytes LF % % CR LF). A datagram starting with '<' is sent (without the
 * '<') from the callee socket, with '~' from 127.0.0.2 (trusted), else
 * from the caller socket on 127.0.0.1. Before it is sent these are
 * replaced: $SERVER (the server's IP:port), $CALLER, $CALLEE and $TRUSTED
 * (the sockets' IP:port), $VIA (every Via line of the last request the callee
 * socket received, with CRLFs) and $DLG (its From and Call-ID lines), so
 * a seed can answer what the proxy forwarded.
 *
 * After each datagram an OPTIONS ping must be answered within 5 s (so
 * every datagram before it was handled: one worker takes them in order,
 * and what the proxy forwarded has reached the callee socket); a server
 * that stops answering aborts the run. Also no crash and no
 * sanitizer report. fuzz/gen_corpus_serve.py writes the seed flows; the
 * RFC 4475 torture messages are seeds too. FUZZ_SERVE_TRACE=1 prints the
 * first line of what the caller and callee sockets get (to see how far a
 * seed goes).
 */
#define _GNU_SOURCE /* memmem, mkdtemp */
#include <errno.h>
#include <ftw.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "siphon/config.h"
#include "siphon/log.h"
#include "siphon/parse.h"
#include "siphon/server.h"
#include "siphon/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DGRAM 65535

static struct {
	bool ready;
	struct sp_server *srv;
	char dir[64];
	int caller, callee, trusted; /* sockets */
	char server[SP_SA_STRLEN], caller_at[SP_SA_STRLEN], callee_at[SP_SA_STRLEN];
	char trusted_at[SP_SA_STRLEN];
	struct sp_sa server_sa;
	char via[8192], dlg[4096]; /* from the callee's last request */
	unsigned pings;
} F;

static int bound(const char *ip, char *at)
{
	struct sp_sa sa;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sp_sa_parse(&sa, sp_str_c(ip), 0) != 0 || bind(fd, &sa.u.sa, sa.len) != 0 ||
	    getsockname(fd, &sa.u.sa, &sa.len) != 0)
		abort();
	int big = 1 << 21;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	sp_sa_print(&sa, at, SP_SA_STRLEN);
	return fd;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void stop(void)
{
	sp_server_stop(F.srv);
	nftw(F.dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	char yaml[2048], err[256];
	struct sp_store *st;
	struct sp_store_domain open_dom = { .name = "localhost", .auth = SP_STORE_AUTH_NONE };
	struct sp_store_domain auth_dom = { .name = "auth.test", .auth = SP_STORE_AUTH_DIGEST };

	snprintf(F.dir, sizeof(F.dir), "/tmp/fuzz-serve.XXXXXX");
	if (!mkdtemp(F.dir) || sp_store_open(&st, "sqlite", F.dir) != 0)
		abort();
	sp_store_domain_put(st, &open_dom, true);
	sp_store_domain_put(st, &auth_dom, true);
	sp_store_close(st);

	F.caller = bound("127.0.0.1", F.caller_at);
	F.callee = bound("127.0.0.1", F.callee_at);
	F.trusted = bound("127.0.0.2", F.trusted_at);
	snprintf(yaml, sizeof(yaml),
		 "listen: [udp:127.0.0.1:0]\nworkers: 1\nlog_level: error\n"
		 "sip: {t1_ms: 20, t2_ms: 160, t4_ms: 200, max_transactions_per_source: 200}\n"
		 "security: {allow_destinations: [127.0.0.0/8]}\n"
		 "proxy: {trusted: [127.0.0.2/32], timer_c_s: 1, fork_timeout_s: 1}\n"
		 "routes:\n  - domain: uas.test\n    next_hop: udp:%s\n",
		 F.callee_at);
	struct sp_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		abort();
	sp_config_defaults(cfg, "fuzz");
	if (sp_config_load_string(cfg, yaml, strlen(yaml), "fuzz_serve", err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_serve config: %s\n", err);
		abort();
	}
	snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s", F.dir);
	sp_log_set_level(SP_LOG_ERROR);
	if (sp_server_start(&F.srv, cfg) != 0)
		abort();
	free(cfg);
	F.server_sa = sp_server_listen(F.srv, 0)->addr;
	sp_sa_print(&F.server_sa, F.server, sizeof(F.server));
	atexit(stop);
	F.ready = true;
}

/* Keeps the Via lines and the From and Call-ID lines of a request the
 * callee socket received. */
/* FUZZ_SERVE_TRACE=1: the first line of what each socket gets. */
static void trace(const char *who, const char *buf, size_t len)
{
	if (!getenv("FUZZ_SERVE_TRACE"))
		return;
	const char *eol = memchr(buf, '\r', len);
	fprintf(stderr, "%s <- %.*s\n", who, (int)(eol ? (size_t)(eol - buf) : len), buf);
}

static void remember(const char *buf, size_t len)
{
	struct sp_msg m;
	trace("callee", buf, len);
	if (sp_msg_parse(&m, buf, len) != 0 || !m.request) {
		sp_msg_free(&m);
		return;
	}
	size_t nv = 0, nd = 0;
	for (unsigned i = 0; i < m.nlines; i++) {
		const struct sp_hdr_line *l = &m.lines[i];
		bool via = l->id == SP_HDR_VIA;
		bool dlg = l->id == SP_HDR_FROM || l->id == SP_HDR_CALL_ID;
		char *dst = via ? F.via : F.dlg;
		size_t *n = via ? &nv : &nd, cap = via ? sizeof(F.via) : sizeof(F.dlg);
		if ((via || dlg) && *n + l->raw.len + 3 < cap) {
			memcpy(dst + *n, l->raw.p, l->raw.len);
			*n += l->raw.len;
			memcpy(dst + *n, "\r\n", 2);
			*n += 2;
		}
	}
	if (nv) {
		F.via[nv - 2] = 0; /* the seed writes the last CRLF */
		F.dlg[nd ? nd - 2 : 0] = 0;
	}
	sp_msg_free(&m);
}

/* Reads what waits on the callee socket (keeping the last request). */
static void drain_callee(void)
{
	static char buf[MAX_DGRAM];
	ssize_t n;
	while ((n = recv(F.callee, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		remember(buf, (size_t)n);
}

static size_t expand(const char *p, size_t n, char *out)
{
	static const struct {
		const char *name;
		size_t len;
	} vars[] = { { "$SERVER", 7 }, { "$CALLER", 7 }, { "$CALLEE", 7 }, { "$TRUSTED", 8 },
		     { "$VIA", 4 },    { "$DLG", 4 } };
	const char *vals[] = { F.server, F.caller_at, F.callee_at, F.trusted_at, F.via, F.dlg };
	const unsigned nvars = sizeof(vars) / sizeof(vars[0]);
	size_t o = 0;
	for (size_t i = 0; i < n && o < MAX_DGRAM;) {
		unsigned k = 0;
		while (k < nvars && !(p[i] == '$' && n - i >= vars[k].len &&
				  memcmp(p + i, vars[k].name, vars[k].len) == 0))
			k++;
		if (k == nvars) {
			out[o++] = p[i++];
			continue;
		}
		size_t vl = strlen(vals[k]);
		if (vl > MAX_DGRAM - o)
			vl = MAX_DGRAM - o;
		memcpy(out + o, vals[k], vl);
		o += vl;
		i += vars[k].len;
	}
	return o;
}

static void send_to_server(int fd, const char *buf, size_t len)
{
	(void)sendto(fd, buf, len, 0, &F.server_sa.u.sa, F.server_sa.len);
}

/* An OPTIONS to the server, and its answer awaited on the caller socket:
 * false when none came within 5 s. */
static bool ping(void)
{
	char req[512], buf[MAX_DGRAM], id[32];
	snprintf(id, sizeof(id), "ping-%u", ++F.pings);
	int n = snprintf(req, sizeof(req),
			 "OPTIONS sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK%s\r\n"
			 "Max-Forwards: 70\r\nFrom: <sip:fuzz@localhost>;tag=f\r\n"
			 "To: <sip:%s>\r\nCall-ID: %s\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
			 F.server, F.caller_at, id, F.server, id);
	send_to_server(F.caller, req, (size_t)n);
	for (int waited = 0; waited < 5000;) {
		struct pollfd pf = { .fd = F.caller, .events = POLLIN };
		if (poll(&pf, 1, 50) <= 0) {
			waited += 50;
			drain_callee();
			continue;
		}
		ssize_t got = recv(F.caller, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		if (got > 0 && !memmem(buf, (size_t)got, id, strlen(id)))
			trace("caller", buf, (size_t)got);
		/* 200, or 503 when the caller used up its share of
		 * transactions: either way the server answers. */
		if (got > 0 && memmem(buf, (size_t)got, id, strlen(id)) &&
		    (memmem(buf, (size_t)got, "SIP/2.0 200", 11) == buf ||
		     memmem(buf, (size_t)got, "SIP/2.0 503", 11) == buf))
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[MAX_DGRAM + 1];
	if (!F.ready)
		setup();
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *sep = memmem(p, (size_t)(end - p), "\n%%\r\n", 5);
		const char *stop_at = sep ? sep + 1 : end;
		int fd = F.caller;
		if (p < stop_at && (*p == '<' || *p == '~')) {
			fd = *p == '<' ? F.callee : F.trusted;
			p++;
		}
		if (p < stop_at)
			send_to_server(fd, out, expand(p, (size_t)(stop_at - p), out));
		/* Handled, and what it made the proxy forward is read, before
		 * the next datagram is expanded. */
		if (!ping()) {
			fprintf(stderr, "fuzz_serve: the server stopped answering OPTIONS\n");
			abort();
		}
		drain_callee();
		p = sep ? sep + 5 : end;
	}
	return 0;
}
