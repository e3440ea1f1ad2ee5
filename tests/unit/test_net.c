/*
 * Transport sockets (src/net) over real loopback sockets and a real
 * sp_loop: socket address parsing and printing; UDP on SO_REUSEPORT
 * sockets with batched receive, local addresses from IP_PKTINFO and
 * replies; TCP framing of coalesced and split messages, CRLF keep-alive
 * (RFC 5626 §4.4.1), framing errors and bounds, the per-IP limit, outbound
 * connection reuse, peer close, connect failure and the idle timer.
 *
 * Every port is ephemeral (bound as 0, read back with sp_net_local), every
 * peer a plain socket on 127.0.0.1 or ::1. Waiting is a bounded number of
 * sp_loop_run_once iterations; nothing asserts on elapsed time.
 */
#define _GNU_SOURCE /* accept4 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "siphon/loop.h"
#include "siphon/mem.h"
#include "siphon/net.h"
#include "siphon/sa.h"

#define MAX_RX 256
#define SPIN 500 /* loop iterations before a wait gives up */

struct rec {
	char *buf;
	size_t len;
	enum sp_transport tp;
	struct sp_sa src, local;
	struct sp_conn *conn; /* referenced */
	bool unframed;
};

struct ctx {
	struct sp_loop *loop;
	struct sp_net *net;
	struct rec rx[MAX_RX];
	unsigned nrx;
	unsigned nclosed;
	int reason;
	struct sp_conn *closed; /* referenced */
	bool echo;              /* answer each TCP message with "OK" */
};

static void on_recv(struct sp_net *net, const struct sp_net_rx *rx, void *arg)
{
	struct ctx *x = arg;
	assert_ptr_equal(net, x->net);
	assert_true(x->nrx < MAX_RX);
	struct rec *r = &x->rx[x->nrx++];
	r->buf = malloc(rx->len);
	assert_non_null(r->buf);
	memcpy(r->buf, rx->buf, rx->len);
	r->len = rx->len;
	r->tp = rx->tp;
	r->src = rx->src;
	r->local = rx->local;
	r->conn = sp_mem_ref(rx->conn);
	r->unframed = rx->unframed;
	/* Frames are never marked; an unframed delivery comes right before
	 * the connection closes, with the bytes from the failed message on. */
	if (rx->unframed) {
		assert_int_equal(rx->tp, SP_TP_TCP);
		assert_true(sp_conn_alive(rx->conn));
	}
	if (x->echo && rx->conn)
		assert_int_equal(sp_conn_send(rx->conn, "OK", 2), 0);
}

static void on_close(struct sp_net *net, struct sp_conn *conn, int reason, void *arg)
{
	struct ctx *x = arg;
	assert_ptr_equal(net, x->net);
	assert_false(sp_conn_alive(conn));
	x->nclosed++;
	x->reason = reason;
	sp_mem_deref(x->closed);
	x->closed = sp_mem_ref(conn);
}

static void ctx_clear(struct ctx *x)
{
	for (unsigned i = 0; i < x->nrx; i++) {
		free(x->rx[i].buf);
		sp_mem_deref(x->rx[i].conn);
	}
	x->nrx = 0;
	x->closed = sp_mem_deref(x->closed);
	x->nclosed = 0;
}

static struct sp_sa sa(const char *s)
{
	struct sp_sa a;
	assert_int_equal(sp_sa_parse(&a, sp_str_c(s), 0), 0);
	return a;
}

/* A net listening on addr (tp), with cfg tweaks from base (may be NULL). */
static void ctx_open(struct ctx *x, enum sp_transport tp, const char *addr,
		     const struct sp_net_config *base)
{
	memset(x, 0, sizeof(*x));
	assert_int_equal(sp_loop_create(&x->loop, NULL), 0);
	struct sp_net_listen l = { .tp = tp, .addr = sa(addr) };
	struct sp_net_config cfg = { .dscp = 24 };
	if (base)
		cfg = *base;
	cfg.listen = &l;
	cfg.nlisten = 1;
	assert_int_equal(sp_net_create(&x->net, x->loop, &cfg, on_recv, on_close, x), 0);
}

static void ctx_close(struct ctx *x)
{
	ctx_clear(x);
	sp_net_destroy(x->net);
	sp_loop_destroy(x->loop);
}

static void spin(struct ctx *x, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		assert_true(sp_loop_run_once(x->loop, 1) >= 0);
}

/* Runs the loop until *counter reaches want (bounded). */
static void wait_for(struct ctx *x, const unsigned *counter, unsigned want)
{
	for (unsigned i = 0; i < SPIN && *counter < want; i++)
		assert_true(sp_loop_run_once(x->loop, 10) >= 0);
	assert_int_equal(*counter, want);
}

/* Reads from a non-blocking client socket while running the loop: bytes
 * read (> 0), 0 at EOF; fails the test if nothing comes. */
static ssize_t client_read(struct ctx *x, int fd, char *buf, size_t cap)
{
	for (unsigned i = 0; i < SPIN; i++) {
		ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT);
		if (n >= 0)
			return n;
		if (errno == ECONNRESET)
			return 0;
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
		assert_true(sp_loop_run_once(x->loop, 10) >= 0);
	}
	fail_msg("client read timed out");
	return -1;
}

/* Reads exactly len bytes (running the loop) and compares them. */
static void client_expect(struct ctx *x, int fd, const char *want)
{
	size_t len = strlen(want), got = 0;
	char buf[4096];
	assert_true(len <= sizeof(buf));
	while (got < len) {
		ssize_t n = client_read(x, fd, buf + got, len - got);
		assert_true(n > 0);
		got += (size_t)n;
	}
	assert_memory_equal(buf, want, len);
}

static struct sp_sa sock_name(int fd)
{
	struct sp_sa a = { 0 };
	a.len = sizeof(a.u);
	assert_int_equal(getsockname(fd, &a.u.sa, &a.len), 0);
	return a;
}

/* A UDP socket bound to the loopback address of family, so that its name
 * is the exact source address the server sees. */
static int udp_client(int family)
{
	int fd = socket(family, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	struct sp_sa a = sa(family == AF_INET6 ? "[::1]:0" : "127.0.0.1:0");
	assert_int_equal(bind(fd, &a.u.sa, a.len), 0);
	return fd;
}

/* A connected TCP client (the connect completes in the kernel's backlog,
 * before the server's loop accepts), then made non-blocking. */
static int tcp_client(const struct sp_sa *dst)
{
	int fd = socket(dst->u.sa.sa_family, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, &dst->u.sa, dst->len), 0);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	return fd;
}

static void client_send(int fd, const char *s, size_t len)
{
	assert_int_equal(send(fd, s, len, MSG_NOSIGNAL), (ssize_t)len);
}

static bool have_ipv6_loopback(void)
{
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (fd < 0)
		return false;
	struct sp_sa a;
	sp_sa_parse(&a, SP_STR("[::1]:0"), 0);
	bool ok = bind(fd, &a.u.sa, a.len) == 0;
	close(fd);
	return ok;
}

/* ---- socket addresses ---------------------------------------------- */

static void test_sa_parse_print(void **state)
{
	(void)state;
	struct {
		const char *in, *out;
	} ok[] = {
		{ "127.0.0.1:5060", "127.0.0.1:5060" },
		{ "192.0.2.1", "192.0.2.1:5070" },
		{ "[::1]:5061", "[::1]:5061" },
		{ "[2001:db8::1]", "[2001:db8::1]:5070" },
		{ "2001:db8::1", "[2001:db8::1]:5070" },
		{ "0.0.0.0:0", "0.0.0.0:0" },
		{ "[::]:65535", "[::]:65535" },
		{ "255.255.255.255:65535", "255.255.255.255:65535" },
		{ "10.200.7.99:9", "10.200.7.99:9" },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct sp_sa a;
		char buf[SP_SA_STRLEN];
		assert_int_equal(sp_sa_parse(&a, sp_str_c(ok[i].in), 5070), 0);
		assert_true(sp_sa_print(&a, buf, sizeof(buf)) > 0);
		assert_string_equal(buf, ok[i].out);
	}
	const char *bad[] = { "", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:50x", "[::1",
			      "[::1]x",  "[::1]:", "example.com:5060", "1.2.3:5060", "[1.2.3.4]:1:2" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sp_sa a;
		assert_int_equal(sp_sa_parse(&a, sp_str_c(bad[i]), 5060), -EINVAL);
	}
	struct sp_sa a = sa("127.0.0.1:5060"), b = sa("127.0.0.1:5061"), c = sa("[::1]:5060");
	assert_true(sp_sa_eq(&a, &a));
	assert_false(sp_sa_eq(&a, &b));
	assert_true(sp_sa_ip_eq(&a, &b));
	assert_false(sp_sa_ip_eq(&a, &c));
	assert_true(sp_sa_is_loopback(&a) && sp_sa_is_loopback(&c));
	char ip[SP_SA_STRLEN];
	assert_true(sp_sa_print_ip(&c, ip, sizeof(ip)) > 0);
	assert_string_equal(ip, "::1");
	char tiny[4];
	assert_int_equal(sp_sa_print(&a, tiny, sizeof(tiny)), 0);
	/* "127.0.0.1:5060" is 14 characters: 15 bytes hold it, 14 do not. */
	char exact[15];
	assert_int_equal(sp_sa_print(&a, exact, 15), 14);
	assert_string_equal(exact, "127.0.0.1:5060");
	assert_int_equal(sp_sa_print(&a, exact, 14), 0);
	assert_int_equal(sp_sa_print_ip(&a, exact, 10), 9);
	assert_int_equal(sp_sa_print_ip(&a, exact, 9), 0);
	struct sp_sa unset = {.len = 0};
	assert_int_equal(sp_sa_print(&unset, ip, sizeof(ip)), 0);
}

/* ---- UDP -------------------------------------------------------------- */

/* sp_sa_from_host reads IPv4 dotted quads itself (no inet_pton): it must
 * accept and refuse exactly what inet_pton(AF_INET) does, with the same
 * address. */
static void test_sa_from_host_ipv4(void **state)
{
	(void)state;
	static const char *const hosts[] = {
		"127.0.0.1", "0.0.0.0", "255.255.255.255", "192.0.2.10", "10.20.30.40",
		"256.1.1.1", "1.256.1.1", "01.2.3.4", "1.02.3.4", "00.0.0.0", "1.2.3",
		"1.2.3.4.5", "1.2.3.", ".1.2.3", "1..2.3", "a.b.c.d", "1.2.3.4 ", " 1.2.3.4",
		"1234.1.1.1", "1.2.3.-4", "1.2.3.4a", "999.999.999.999", "0.0.0.00",
	};
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		struct sp_sa sa;
		struct in_addr want;
		bool ok = inet_pton(AF_INET, hosts[i], &want) == 1;
		int rc = sp_sa_from_host(&sa, sp_str_c(hosts[i]), 5060);
		if (ok) {
			assert_int_equal(rc, 0);
			assert_int_equal(sa.u.in4.sin_family, AF_INET);
			assert_int_equal(sa.u.in4.sin_addr.s_addr, want.s_addr);
			assert_int_equal(sp_sa_port(&sa), 5060);
		} else if (rc == 0) {
			/* Not IPv4 for inet_pton: at most an IPv6 reading. */
			assert_int_equal(sa.u.in6.sin6_family, AF_INET6);
		}
	}
}

static void test_udp_reuseport(void **state)
{
	(void)state;
	struct ctx x, y;
	ctx_open(&x, SP_TP_UDP, "127.0.0.1:0", NULL);
	const struct sp_sa *bound = sp_net_local(x.net, 0);
	assert_non_null(bound);
	assert_int_not_equal(sp_sa_port(bound), 0);
	assert_null(sp_net_local(x.net, 1));
	char addr[SP_SA_STRLEN];
	assert_true(sp_sa_print(bound, addr, sizeof(addr)) > 0);
	ctx_open(&y, SP_TP_UDP, addr, NULL); /* the same port: SO_REUSEPORT */
	assert_true(sp_sa_eq(sp_net_local(y.net, 0), bound));
	ctx_close(&y);
	ctx_close(&x);
}

static void udp_roundtrip(const char *listen, const char *to, int family)
{
	struct ctx x;
	ctx_open(&x, SP_TP_UDP, listen, NULL);
	struct sp_sa dst = sa(to);
	sp_sa_set_port(&dst, sp_sa_port(sp_net_local(x.net, 0)));
	int fd = udp_client(family);
	assert_int_equal(sendto(fd, "hello", 5, 0, &dst.u.sa, dst.len), 5);
	wait_for(&x, &x.nrx, 1);
	struct rec *r = &x.rx[0];
	assert_int_equal(r->tp, SP_TP_UDP);
	assert_null(r->conn);
	assert_int_equal(r->len, 5);
	assert_memory_equal(r->buf, "hello", 5);
	struct sp_sa me = sock_name(fd);
	assert_true(sp_sa_eq(&r->src, &me));
	assert_true(sp_sa_eq(&r->local, &dst)); /* the pktinfo address, even on a wildcard */

	/* The reply leaves from the address the request reached, marked with
	 * the configured DSCP (CS3 = 24, the TOS octet 0x60). */
	int one = 1;
	if (family == AF_INET)
		assert_int_equal(setsockopt(fd, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one)), 0);
	else
		assert_int_equal(setsockopt(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof(one)), 0);
	assert_int_equal(sp_net_send_udp(x.net, &r->local, &r->src, "world", 5), 0);
	char buf[16];
	union {
		char b[256];
		struct cmsghdr align;
	} ctrl;
	struct sp_sa from = { 0 };
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_name = &from.u, .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n = -1;
	for (unsigned i = 0; i < SPIN && n < 0; i++) {
		mh.msg_namelen = sizeof(from.u);
		mh.msg_control = ctrl.b;
		mh.msg_controllen = sizeof(ctrl.b);
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0)
			sp_loop_run_once(x.loop, 10);
	}
	from.len = mh.msg_namelen;
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "world", 5);
	assert_true(sp_sa_eq(&from, &dst));
	int tos = -1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TOS)
			tos = *(unsigned char *)CMSG_DATA(cm);
		if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_TCLASS)
			memcpy(&tos, CMSG_DATA(cm), sizeof(tos));
	}
	assert_int_equal(tos, 24 << 2);
	/* With no local address: the first socket of the family. */
	assert_int_equal(sp_net_send_udp(x.net, NULL, &r->src, "again", 5), 0);
	close(fd);
	ctx_close(&x);
}

static void test_udp_recv_and_reply(void **state)
{
	(void)state;
	udp_roundtrip("127.0.0.1:0", "127.0.0.1:0", AF_INET);
	udp_roundtrip("0.0.0.0:0", "127.0.0.1:0", AF_INET);
}

static void test_udp_ipv6(void **state)
{
	(void)state;
	if (!have_ipv6_loopback())
		skip();
	udp_roundtrip("[::1]:0", "[::1]:0", AF_INET6);
	udp_roundtrip("[::]:0", "[::1]:0", AF_INET6);
}

static void test_udp_batch(void **state)
{
	(void)state;
	struct ctx x;
	ctx_open(&x, SP_TP_UDP, "127.0.0.1:0", NULL);
	const struct sp_sa *dst = sp_net_local(x.net, 0);
	int fd = udp_client(AF_INET);
	for (int i = 0; i < 100; i++) {
		char m[32];
		int len = snprintf(m, sizeof(m), "datagram %d", i);
		assert_int_equal(sendto(fd, m, (size_t)len, 0, &dst->u.sa, dst->len), len);
	}
	wait_for(&x, &x.nrx, 100);
	bool seen[100] = { false };
	for (unsigned i = 0; i < x.nrx; i++) {
		char m[32];
		int k;
		assert_true(x.rx[i].len < sizeof(m));
		memcpy(m, x.rx[i].buf, x.rx[i].len);
		m[x.rx[i].len] = 0;
		assert_int_equal(sscanf(m, "datagram %d", &k), 1);
		assert_true(k >= 0 && k < 100 && !seen[k]);
		seen[k] = true;
	}
	struct sp_net_stats st;
	sp_net_stats(x.net, &st);
	assert_int_equal(st.udp_rx, 100);
	close(fd);
	ctx_close(&x);
}

static void test_udp_send_refused(void **state)
{
	(void)state;
	struct ctx x;
	ctx_open(&x, SP_TP_UDP, "127.0.0.1:0", NULL);
	struct sp_sa unset = { 0 }, any = sa("0.0.0.0:5060"), port0 = sa("127.0.0.1:0");
	struct sp_sa bcast = sa("255.255.255.255:5060"), mcast = sa("224.0.1.75:5060");
	struct sp_sa v6 = sa("[::1]:5060"), ok = sa("127.0.0.1:9");
	struct sp_sa other = sa("127.0.0.2:1");
	assert_int_equal(sp_net_send_udp(x.net, NULL, &unset, "x", 1), -EINVAL);
	assert_int_equal(sp_net_send_udp(x.net, NULL, &any, "x", 1), -EINVAL);
	assert_int_equal(sp_net_send_udp(x.net, NULL, &port0, "x", 1), -EINVAL);
	assert_int_equal(sp_net_send_udp(x.net, NULL, &bcast, "x", 1), -EACCES);
	assert_int_equal(sp_net_send_udp(x.net, NULL, &mcast, "x", 1), -EACCES);
	assert_int_equal(sp_net_send_udp(x.net, NULL, &v6, "x", 1), -EAFNOSUPPORT);
	assert_int_equal(sp_net_send_udp(x.net, &other, &ok, "x", 1), -EADDRNOTAVAIL);
	ctx_close(&x);
}

/* ---- TCP -------------------------------------------------------------- */

#define MSG_A "OPTIONS sip:a@example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n"
#define MSG_B "MESSAGE sip:b@example.com SIP/2.0\r\nContent-Length: 5\r\n\r\nhello"
#define MSG_C "INFO sip:c@example.com SIP/2.0\r\nl: 3\r\n\r\nabc"

static void assert_rec(const struct rec *r, const char *want)
{
	assert_int_equal(r->tp, SP_TP_TCP);
	assert_non_null(r->conn);
	assert_int_equal(r->len, strlen(want));
	assert_memory_equal(r->buf, want, r->len);
}

static void test_tcp_framing(void **state)
{
	(void)state;
	struct ctx x;
	ctx_open(&x, SP_TP_TCP, "127.0.0.1:0", NULL);
	int fd = tcp_client(sp_net_local(x.net, 0));
	/* Two messages in one write. */
	client_send(fd, MSG_A MSG_B, strlen(MSG_A MSG_B));
	wait_for(&x, &x.nrx, 2);
	assert_rec(&x.rx[0], MSG_A);
	assert_rec(&x.rx[1], MSG_B);
	assert_ptr_equal(x.rx[0].conn, x.rx[1].conn);
	struct sp_sa me = sock_name(fd);
	assert_true(sp_sa_eq(&x.rx[0].src, &me));
	assert_true(sp_sa_eq(&x.rx[0].local, sp_net_local(x.net, 0)));
	assert_true(sp_sa_eq(sp_conn_peer(x.rx[0].conn), &me));
	assert_false(sp_conn_outbound(x.rx[0].conn));
	/* One message in three writes, each read on its own. */
	const char *m = MSG_C;
	size_t len = strlen(m);
	client_send(fd, m, 10);
	spin(&x, 5);
	client_send(fd, m + 10, len - 12);
	spin(&x, 5);
	assert_int_equal(x.nrx, 2);
	client_send(fd, m + len - 2, 2);
	wait_for(&x, &x.nrx, 3);
	assert_rec(&x.rx[2], MSG_C);
	spin(&x, 5);
	assert_int_equal(x.nrx, 3);
	assert_int_equal(x.nclosed, 0);
	close(fd);
	wait_for(&x, &x.nclosed, 1);
	assert_int_equal(x.reason, 0);
	ctx_close(&x);
}

static void test_tcp_large_message(void **state)
{
	(void)state;
	struct ctx x;
	ctx_open(&x, SP_TP_TCP, "127.0.0.1:0", NULL);
	int fd = tcp_client(sp_net_local(x.net, 0));
	size_t body = 200000;
	char head[128];
	int hl = snprintf(head, sizeof(head), "MESSAGE sip:a@b SIP/2.0\r\nContent-Length: %zu\r\n\r\n",
			  body);
	size_t total = (size_t)hl + body;
	char *msg = malloc(total);
	assert_non_null(msg);
	memcpy(msg, head, (size_t)hl);
	for (size_t i = 0; i < body; i++)
		msg[hl + (int)i] = (char)('a' + i % 26);
	size_t off = 0;
	for (unsigned i = 0; i < SPIN * 4 && off < total; i++) {
		ssize_t n = send(fd, msg + off, total - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0)
			off += (size_t)n;
		sp_loop_run_once(x.loop, 1);
	}
	assert_int_equal(off, total);
	wait_for(&x, &x.nrx, 1);
	assert_int_equal(x.rx[0].len, total);
	assert_memory_equal(x.rx[0].buf, msg, total);
	free(msg);
	close(fd);
	ctx_close(&x);
}

static void test_tcp_keepalive(void **state)
{
	(void)state;
	struct ctx x;
	ctx_open(&x, SP_TP_TCP, "127.0.0.1:0", NULL);
	int fd = tcp_client(sp_net_local(x.net, 0));
	/* RFC 5626 §4.4.1: a double-CRLF ping is answered with one CRLF. */
	client_send(fd, "\r\n\r\n", 4);
	client_expect(&x, fd, "\r\n");
	/* A pong is consumed quietly; a message after it still frames. */
	client_send(fd, "\r\n", 2);
	spin(&x, 5);
	client_send(fd, MSG_A, strlen(MSG_A));
	wait_for(&x, &x.nrx, 1);
	assert_rec(&x.rx[0], MSG_A);
	/* A ping between messages. */
	client_send(fd, MSG_A "\r\n\r\n" MSG_B, strlen(MSG_A "\r\n\r\n" MSG_B));
	wait_for(&x, &x.nrx, 3);
	client_expect(&x, fd, "\r\n");
	assert_rec(&x.rx[2], MSG_B);
	struct sp_net_stats st;
	sp_net_stats(x.net, &st);
	assert_int_equal(st.tcp_pings, 2);
	assert_int_equal(st.conns, 1);
	assert_int_equal(x.nclosed, 0);
	close(fd);
	ctx_close(&x);
}

static void test_tcp_reply_on_conn(void **state)
{
	(void)state;
	struct ctx x;
	ctx_open(&x, SP_TP_TCP, "127.0.0.1:0", NULL);
	x.echo = true;
	int fd = tcp_client(sp_net_local(x.net, 0));
	client_send(fd, MSG_A, strlen(MSG_A));
	client_expect(&x, fd, "OK");
	/* By address: the accepted connection is reused, nothing new opens. */
	assert_int_equal(sp_net_send_tcp(x.net, NULL, &x.rx[0].src, "again", 5), 0);
	client_expect(&x, fd, "again");
	struct sp_net_stats st;
	sp_net_stats(x.net, &st);
	assert_int_equal(st.tcp_connects, 0);
	close(fd);
	ctx_close(&x);
}

/* More than the socket takes at once: the rest is queued and written in
 * order as the peer reads. */
static void test_tcp_write_queue(void **state)
{
	(void)state;
	struct sp_net_config cfg = { .max_outq = 64u << 20, .dscp = -1 };
	struct ctx x;
	ctx_open(&x, SP_TP_TCP, "127.0.0.1:0", &cfg);
	int fd = tcp_client(sp_net_local(x.net, 0));
	client_send(fd, MSG_A, strlen(MSG_A));
	wait_for(&x, &x.nrx, 1);
	struct sp_conn *c = x.rx[0].conn;
	size_t chunk = 65536, total = 16u << 20; /* more than loopback buffers hold */
	unsigned char *out = malloc(chunk);
	assert_non_null(out);
	for (size_t off = 0; off < total; off += chunk) {
		for (size_t i = 0; i < chunk; i++)
			out[i] = (unsigned char)((off + i) * 7 / 3);
		assert_int_equal(sp_conn_send(c, out, chunk), 0);
	}
	free(out);
	unsigned char *in = malloc(chunk);
	assert_non_null(in);
	size_t got = 0;
	while (got < total) {
		ssize_t n = client_read(&x, fd, (char *)in, chunk);
		assert_true(n > 0);
		for (ssize_t i = 0; i < n; i++)
			assert_int_equal(in[i], (unsigned char)((got + (size_t)i) * 7 / 3));
		got += (size_t)n;
	}
	free(in);
	assert_true(sp_conn_alive(c));
	close(fd);
	ctx_close(&x);
}

/* A peer that does not read: once max_outq is passed the send fails and
 * the connection closes. */
static void test_tcp_write_queue_bound(void **state)
{
	(void)state;
	struct sp_net_config cfg = { .max_outq = 65536, .dscp = -1 };
	struct ctx x;
	ctx_open(&x, SP_TP_TCP, "127.0.0.1:0", &cfg);
	int fd = tcp_client(sp_net_local(x.net, 0));
	client_send(fd, MSG_A, strlen(MSG_A));
	wait_for(&x, &x.nrx, 1);
	struct sp_conn *c = x.rx[0].conn;
	static char blob[16384];
	int rc = 0;
	for (unsigned i = 0; i < 65536 && rc == 0; i++) /* at most 1 GiB */
		rc = sp_conn_send(c, blob, sizeof(blob));
	assert_int_equal(rc, -ENOBUFS);
	assert_false(sp_conn_alive(c));
	assert_int_equal(sp_conn_send(c, blob, 1), -ENOTCONN);
	wait_for(&x, &x.nclosed, 1);
	assert_int_equal(x.reason, -ENOBUFS);
	close(fd);
	ctx_close(&x);
}

/* The stream cannot be framed: the bytes are handed over once, marked
 * unframed (so the user may answer 400), then on_close(-EBADMSG) and the
 * client sees EOF. */
static void expect_bad_frame(const struct sp_net_config *cfg, const char *data, size_t len)
{
	struct ctx x;
	ctx_open(&x, SP_TP_TCP, "127.0.0.1:0", cfg);
	int fd = tcp_client(sp_net_local(x.net, 0));
	client_send(fd, data, len);
	wait_for(&x, &x.nclosed, 1);
	assert_int_equal(x.reason, -EBADMSG);
	assert_int_equal(x.nrx, 1);
	assert_true(x.rx[0].unframed);
	assert_true(x.rx[0].len > 0 && x.rx[0].len <= len);
	assert_memory_equal(x.rx[0].buf, data, x.rx[0].len);
	char buf[16];
	assert_int_equal(client_read(&x, fd, buf, sizeof(buf)), 0);
	struct sp_net_stats st;
	sp_net_stats(x.net, &st);
	assert_int_equal(st.tcp_bad_frames, 1);
	assert_int_equal(st.conns, 0);
	close(fd);
	ctx_close(&x);
}

static void test_tcp_no_content_length(void **state)
{
	(void)state;
	const char m[] = "OPTIONS sip:a@example.com SIP/2.0\r\nCall-ID: x\r\n\r\n";
	expect_bad_frame(NULL, m, sizeof(m) - 1);
}

static void test_tcp_over_bounds(void **state)
{
	(void)state;
	struct sp_net_config cfg = { .max_header = 256, .max_body = 100, .dscp = -1 };
	const char big_body[] = "MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 101\r\n\r\n";
	expect_bad_frame(&cfg, big_body, sizeof(big_body) - 1);
	char hdr[600];
	memset(hdr, 'a', sizeof(hdr));
	memcpy(hdr, "OPTIONS sip:a@b SIP/2.0\r\nX: ", 28);
	expect_bad_frame(&cfg, hdr, sizeof(hdr)); /* no end of headers within 256 */
}

static void test_tcp_per_ip_limit(void **state)
{
	(void)state;
	struct sp_net_config cfg = { .max_conns_per_ip = 3, .dscp = -1 };
	struct ctx x;
	ctx_open(&x, SP_TP_TCP, "127.0.0.1:0", &cfg);
	int fd[4];
	for (int i = 0; i < 4; i++) {
		fd[i] = tcp_client(sp_net_local(x.net, 0));
		spin(&x, 3); /* accept in connect order */
	}
	char buf[16];
	assert_int_equal(client_read(&x, fd[3], buf, sizeof(buf)), 0); /* closed at once */
	struct sp_net_stats st;
	sp_net_stats(x.net, &st);
	assert_int_equal(st.tcp_refused, 1);
	assert_int_equal(st.conns, 3);
	for (int i = 0; i < 3; i++) {
		client_send(fd[i], MSG_A, strlen(MSG_A));
		wait_for(&x, &x.nrx, (unsigned)i + 1);
	}
	assert_int_equal(x.nclosed, 0); /* refused ones never surfaced */
	/* A slot frees when one closes. */
	close(fd[0]);
	wait_for(&x, &x.nclosed, 1);
	int again = tcp_client(sp_net_local(x.net, 0));
	client_send(again, MSG_B, strlen(MSG_B));
	wait_for(&x, &x.nrx, 4);
	assert_rec(&x.rx[3], MSG_B);
	close(again);
	for (int i = 1; i < 4; i++)
		close(fd[i]);
	ctx_close(&x);
}

static int plain_listener(const char *addr, struct sp_sa *bound)
{
	struct sp_sa a = sa(addr);
	int fd = socket(a.u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, &a.u.sa, a.len), 0);
	assert_int_equal(listen(fd, 8), 0);
	*bound = sock_name(fd);
	return fd;
}

static int accept_one(struct ctx *x, int lfd)
{
	for (unsigned i = 0; i < SPIN; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
		if (fd >= 0)
			return fd;
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
		sp_loop_run_once(x->loop, 10);
	}
	fail_msg("no connection came");
	return -1;
}

static void test_tcp_outbound_reuse_and_peer_close(void **state)
{
	(void)state;
	struct ctx x;
	ctx_open(&x, SP_TP_TCP, "127.0.0.1:0", NULL);
	struct sp_sa dst;
	int lfd = plain_listener("127.0.0.1:0", &dst);
	/* Queued while the connect completes. */
	assert_int_equal(sp_net_send_tcp(x.net, NULL, &dst, MSG_A, strlen(MSG_A)), 0);
	int peer = accept_one(&x, lfd);
	client_expect(&x, peer, MSG_A);
	/* The second send reuses the connection. */
	struct sp_conn *c = NULL;
	assert_int_equal(sp_net_connect(x.net, &dst, &c), 0);
	assert_true(sp_conn_alive(c));
	assert_true(sp_conn_outbound(c));
	assert_true(sp_sa_eq(sp_conn_peer(c), &dst));
	assert_int_equal(sp_net_send_tcp(x.net, NULL, &dst, MSG_B, strlen(MSG_B)), 0);
	client_expect(&x, peer, MSG_B);
	assert_int_equal(sp_conn_send(c, MSG_C, strlen(MSG_C)), 0);
	client_expect(&x, peer, MSG_C);
	assert_int_equal(accept4(lfd, NULL, NULL, SOCK_NONBLOCK), -1);
	struct sp_net_stats st;
	sp_net_stats(x.net, &st);
	assert_int_equal(st.tcp_connects, 1);
	/* The peer answers on the same connection. */
	client_send(peer, MSG_B, strlen(MSG_B));
	wait_for(&x, &x.nrx, 1);
	assert_rec(&x.rx[0], MSG_B);
	assert_ptr_equal(x.rx[0].conn, c);
	/* The peer closes: on_close, the held reference sees it dead. */
	close(peer);
	wait_for(&x, &x.nclosed, 1);
	assert_int_equal(x.reason, 0);
	assert_ptr_equal(x.closed, c);
	assert_false(sp_conn_alive(c));
	assert_int_equal(sp_conn_send(c, "x", 1), -ENOTCONN);
	assert_int_equal(sp_net_send_tcp(x.net, c, NULL, "x", 1), -ENOTCONN);
	sp_mem_deref(c);
	/* A new send to the same peer opens a new connection. */
	assert_int_equal(sp_net_send_tcp(x.net, NULL, &dst, MSG_A, strlen(MSG_A)), 0);
	peer = accept_one(&x, lfd);
	client_expect(&x, peer, MSG_A);
	close(peer);
	close(lfd);
	ctx_close(&x);
}

static void test_tcp_connect_refused(void **state)
{
	(void)state;
	struct ctx x;
	ctx_open(&x, SP_TP_TCP, "127.0.0.1:0", NULL);
	struct sp_sa dst;
	int lfd = plain_listener("127.0.0.1:0", &dst);
	close(lfd); /* nobody listens there now */
	struct sp_conn *c = NULL;
	int rc = sp_net_connect(x.net, &dst, &c);
	if (rc == 0) {
		assert_int_equal(sp_conn_send(c, MSG_A, strlen(MSG_A)), 0); /* queued */
		wait_for(&x, &x.nclosed, 1);
		assert_int_equal(x.reason, -ECONNREFUSED);
		assert_false(sp_conn_alive(c));
		sp_mem_deref(c);
	} else {
		assert_int_equal(rc, -ECONNREFUSED);
	}
	struct sp_net_stats st;
	sp_net_stats(x.net, &st);
	assert_int_equal(st.conns, 0);
	ctx_close(&x);
}

static void test_tcp_idle_timeout(void **state)
{
	(void)state;
	struct sp_net_config cfg = { .idle_timeout_ms = 50, .dscp = -1 };
	struct ctx x;
	ctx_open(&x, SP_TP_TCP, "127.0.0.1:0", &cfg);
	int fd = tcp_client(sp_net_local(x.net, 0));
	client_send(fd, MSG_A, strlen(MSG_A));
	wait_for(&x, &x.nrx, 1);
	wait_for(&x, &x.nclosed, 1);
	assert_int_equal(x.reason, -ETIMEDOUT);
	assert_ptr_equal(x.closed, x.rx[0].conn);
	char buf[16];
	assert_int_equal(client_read(&x, fd, buf, sizeof(buf)), 0);
	close(fd);
	ctx_close(&x);
}

static void test_tcp_ipv6_and_close(void **state)
{
	(void)state;
	if (!have_ipv6_loopback())
		skip();
	struct ctx x;
	ctx_open(&x, SP_TP_TCP, "[::1]:0", NULL);
	int fd = tcp_client(sp_net_local(x.net, 0));
	client_send(fd, MSG_C, strlen(MSG_C));
	wait_for(&x, &x.nrx, 1);
	assert_rec(&x.rx[0], MSG_C);
	assert_int_equal(sp_sa_family(&x.rx[0].src), AF_INET6);
	/* Closing from our side. */
	sp_conn_close(x.rx[0].conn);
	assert_false(sp_conn_alive(x.rx[0].conn));
	wait_for(&x, &x.nclosed, 1);
	assert_int_equal(x.reason, -ECANCELED);
	char buf[16];
	assert_int_equal(client_read(&x, fd, buf, sizeof(buf)), 0);
	close(fd);
	ctx_close(&x);
}

/* Destroy with connections still open and referenced elsewhere. */
static void test_destroy_with_conns(void **state)
{
	(void)state;
	struct ctx x;
	ctx_open(&x, SP_TP_TCP, "127.0.0.1:0", NULL);
	int fd = tcp_client(sp_net_local(x.net, 0));
	client_send(fd, MSG_A, strlen(MSG_A));
	wait_for(&x, &x.nrx, 1);
	struct sp_conn *c = sp_mem_ref(x.rx[0].conn);
	sp_net_destroy(x.net);
	x.net = NULL;
	assert_false(sp_conn_alive(c));
	assert_int_equal(sp_conn_send(c, "x", 1), -ENOTCONN);
	assert_int_equal(sp_mem_nrefs(c), 2); /* ours and the record's */
	sp_mem_deref(c);
	ctx_clear(&x);
	sp_loop_destroy(x.loop);
	close(fd);
}

/* Every allocation of sp_net_create failing in turn: -ENOMEM, no leak. */
static void test_create_enomem(void **state)
{
	(void)state;
	struct sp_loop *loop;
	assert_int_equal(sp_loop_create(&loop, NULL), 0);
	struct sp_net_listen l[2] = { { SP_TP_UDP, sa("127.0.0.1:0") },
				       { SP_TP_TCP, sa("127.0.0.1:0") } };
	struct sp_net_config cfg = { .listen = l, .nlisten = 2, .dscp = -1 };
	struct ctx x = { 0 };
	int rc = -ENOMEM;
	for (long n = 0; n < 64 && rc == -ENOMEM; n++) {
		struct sp_net *net = (struct sp_net *)&x;
		sp_mem_fail_after(n);
		rc = sp_net_create(&net, loop, &cfg, on_recv, on_close, &x);
		sp_mem_fail_after(-1);
		if (rc == 0)
			sp_net_destroy(net);
		else
			assert_ptr_equal(net, (struct sp_net *)&x); /* untouched */
	}
	assert_int_equal(rc, 0);
	struct sp_net_listen bad = { SP_TP_TLS, sa("127.0.0.1:0") };
	cfg.listen = &bad;
	cfg.nlisten = 1;
	struct sp_net *net;
	assert_int_equal(sp_net_create(&net, loop, &cfg, on_recv, on_close, &x), -EINVAL);
	sp_loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sa_parse_print),
		cmocka_unit_test(test_sa_from_host_ipv4),
		cmocka_unit_test(test_udp_reuseport),
		cmocka_unit_test(test_udp_recv_and_reply),
		cmocka_unit_test(test_udp_ipv6),
		cmocka_unit_test(test_udp_batch),
		cmocka_unit_test(test_udp_send_refused),
		cmocka_unit_test(test_tcp_framing),
		cmocka_unit_test(test_tcp_large_message),
		cmocka_unit_test(test_tcp_keepalive),
		cmocka_unit_test(test_tcp_reply_on_conn),
		cmocka_unit_test(test_tcp_write_queue),
		cmocka_unit_test(test_tcp_write_queue_bound),
		cmocka_unit_test(test_tcp_no_content_length),
		cmocka_unit_test(test_tcp_over_bounds),
		cmocka_unit_test(test_tcp_per_ip_limit),
		cmocka_unit_test(test_tcp_outbound_reuse_and_peer_close),
		cmocka_unit_test(test_tcp_connect_refused),
		cmocka_unit_test(test_tcp_idle_timeout),
		cmocka_unit_test(test_tcp_ipv6_and_close),
		cmocka_unit_test(test_destroy_with_conns),
		cmocka_unit_test(test_create_enomem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
