/*
 * Internals shared by the files of src/net that make up struct sp_net:
 * net.c (the set and its lifetime), sockopt.c (socket options), udp.c,
 * tcp_listen.c, tcp_conn.c and conn_table.c (connections by peer, counts
 * by IP). Nothing here is exported from the library's public headers.
 */
#ifndef SIPHON_NET_INT_H
#define SIPHON_NET_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "siphon/framer.h"
#include "siphon/ip_count.h"
#include "siphon/loop.h"
#include "siphon/net.h"

#define SP__UDP_BATCH 32          /* datagrams per recvmmsg */
#define SP__UDP_MAX 65536         /* bytes per receive slot: any datagram */
#define SP__UDP_CTRL 64           /* control bytes per slot: one pktinfo */
#define SP__SOCKBUF (4 << 20)     /* SO_RCVBUF/SO_SNDBUF we ask for */
#define SP__RBUF_MIN 4096         /* first TCP read buffer */
#define SP__RBUF_SLACK 4096       /* room past max_header+max_body */
#define SP__ACCEPT_BATCH 64       /* accepts per readiness event */
#define SP__ACCEPT_BACKOFF_MS 100 /* pause after EMFILE and friends */

/* One listen entry's socket (UDP or TCP listener). */
struct sp__sock {
	struct sp_net *net;
	enum sp_transport tp;
	int fd;
	struct sp_sa local; /* as bound, real port */
	bool any;           /* bound to a wildcard address */
	bool paused;        /* TCP: not watched during an accept backoff */
	struct sp_timer backoff;
};

/* Chained hash table of the connections keyed by peer address. Bucket
 * count fixed at creation: entries are bounded by max_conns, so it never
 * needs to grow. */
struct sp__table {
	struct sp_conn **conns;     /* by peer ip:port, chained by conn->hnext */
	struct sp_ip_count *ips;    /* accepted connections per IP */
	size_t mask;                /* buckets - 1 (power of two) */
	uint64_t seed;
};

/* A chunk of queued output. */
struct sp__chunk {
	struct sp__chunk *next;
	size_t len, off;
	char data[];
};

struct sp_conn {
	struct sp_net *net; /* NULL once net released it */
	int fd;             /* -1 once closed */
	struct sp_sa peer, local;
	bool outbound;
	bool connecting;
	bool alive;
	bool counted;    /* holds a slot in the per-IP count */
	bool reading;    /* inside the read path: keep rbuf */
	unsigned events; /* SP_IO_* currently watched */
	int reason;      /* why it closed */
	sp_msec last;    /* last read or write progress, for the idle timer */
	unsigned pongs;  /* RFC 5626 §4.4.1 CRLF pongs received */

	char *rbuf;
	size_t rlen, rcap;
	struct sp_framer framer;

	struct sp__chunk *qhead, *qtail;
	size_t qbytes;

	struct sp_timer timer; /* connect, idle, then the deferred on_close */
	struct sp_conn *hnext; /* table chain */
	struct sp_conn *prev, *next; /* net->conns: every conn net references */
};

struct sp_net {
	struct sp_loop *loop;
	struct sp_net_config cfg;
	sp_net_recv_cb on_recv;
	sp_net_close_cb on_close;
	void *arg;

	struct sp__sock *socks; /* one per listen entry, in order */
	unsigned nsocks;

	/* UDP receive batch, shared by this net's UDP sockets. */
	char *rx_data;
	struct mmsghdr *rx_msgs;
	unsigned rx_used; /* entries the last recvmmsg filled (to reset) */
	struct iovec *rx_iov;
	struct sp_sa *rx_names;
	char *rx_ctrl;

	struct sp__table table;
	struct sp_conn *conns; /* list head */
	unsigned nconns;       /* open ones */
	struct sp_net_stats stats;
};

/* sockopt.c */
int sp__sock_open(int family, int type);
int sp__sock_reuse(int fd, int family);
void sp__sock_bufsize(int fd, int size);
void sp__sock_dscp(int fd, int family, int dscp);
int sp__sock_pktinfo(int fd, int family);
void sp__sock_nodelay(int fd);
int sp__sock_bind(int fd, struct sp_sa *addr);
int sp__sock_error(int fd);

/* udp.c */
int sp__udp_open(struct sp_net *net, struct sp__sock *s);
int sp__udp_alloc(struct sp_net *net);
void sp__udp_free(struct sp_net *net);

/* tcp_listen.c */
int sp__tcp_listen(struct sp_net *net, struct sp__sock *s);

/* tcp_conn.c */
/* Makes fd (connected, or connecting when connecting is true) a watched
 * connection in net's list and table, with the net's reference. Returns 0
 * or -errno; fd is the caller's to close on error. */
int sp__conn_new(struct sp_net *net, int fd, const struct sp_sa *peer, bool outbound,
		 bool connecting, struct sp_conn **out);
void sp__conn_release(struct sp_conn *c); /* sp_net_destroy: no callback */

/* net.c: false with *err set when dst is no place to send to. */
bool sp__dst_ok(const struct sp_sa *dst, int *err);

/* conn_table.c */
int sp__table_init(struct sp__table *t, unsigned max_conns);
void sp__table_free(struct sp__table *t);
void sp__table_add(struct sp__table *t, struct sp_conn *c);
void sp__table_del(struct sp__table *t, struct sp_conn *c);
struct sp_conn *sp__table_find(const struct sp__table *t, const struct sp_sa *peer);
/* Per-IP count of accepted connections: inc returns -EMFILE at limit
 * (nothing counted) or -ENOMEM; dec undoes one inc. */

#endif
