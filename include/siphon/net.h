/*
 * Transport sockets (RFC 3261 §18): one worker's UDP sockets, TCP listeners
 * and TCP connections, driven by that worker's sp_loop (DESIGN.md §3).
 *
 * Every worker calls sp_net_create() with the same configuration and gets
 * its own sockets, all bound with SO_REUSEADDR and SO_REUSEPORT, so the
 * kernel spreads datagrams and connections over the workers and no lock is
 * taken on the hot path. IPv6 sockets are IPV6_V6ONLY, so 0.0.0.0 and [::]
 * can both bind the same port. An sp_net and its connections belong to the
 * thread that runs its loop; nothing here is thread-safe.
 *
 * Received messages are handed to one callback: a whole UDP datagram, or
 * exactly one message framed out of a TCP stream by sp_framer (framer.h).
 * The bytes are valid during the callback only (UDP reuses a batch of
 * receive buffers, TCP compacts its read buffer afterwards): copy or parse
 * them before returning. CRLF keep-alives on TCP (RFC 5626 §4.4.1) are
 * answered here and never reach the callback; pongs are only counted
 * (sp_conn_pongs).
 *
 * TCP connections are refcounted (sp_mem_ref/sp_mem_deref). The sp_net
 * holds one reference while a connection is open; whoever keeps a
 * connection past a callback takes its own. Once closed (by the peer, an
 * error, a bound, the idle timer, or sp_net_destroy) a connection stays a
 * valid object for its holders: sp_conn_alive() is false and sends fail
 * with -ENOTCONN.
 *
 * Callbacks run from the loop, never from inside an sp_net_* or sp_conn_*
 * call, so a caller never sees its own state change under it. They may
 * send, take and drop references; they must not call sp_net_destroy().
 */
#ifndef SIPHON_NET_H
#define SIPHON_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "siphon/hdr.h"
#include "siphon/loop.h"
#include "siphon/sa.h"

struct sp_net;  /* one worker's sockets and connections */
struct sp_conn; /* one TCP connection, refcounted */

/* One address to listen on. Port 0 binds an ephemeral port, different in
 * every sp_net: to share it, create one sp_net, read the port back with
 * sp_net_local() and give it to the others. */
struct sp_net_listen {
	enum sp_transport tp; /* SP_TP_UDP or SP_TP_TCP */
	struct sp_sa addr;
};

/* Zero fields take the default named beside them. */
struct sp_net_config {
	const struct sp_net_listen *listen;
	unsigned nlisten;
	unsigned max_conns_per_ip;   /* accepted connections per remote IP; 64 */
	unsigned max_conns;          /* open connections per sp_net, both ways; 4096 */
	uint32_t idle_timeout_ms;    /* close a TCP connection quiet this long; 300000 */
	uint32_t connect_timeout_ms; /* give up an outbound connect after; 10000 */
	size_t max_header;           /* framing bounds per TCP message (framer.h); */
	size_t max_body;             /*   16 KiB and 1 MiB */
	size_t max_outq;             /* bytes queued unsent on a connection before it
					is closed as too slow; 4 MiB */
	int dscp;                    /* DSCP for IP_TOS / IPV6_TCLASS (RFC 2474), 0-63;
					-1 leaves the system default. 0 is taken as
					given (CS0), not as "default". */
};

/* One received message, valid during the callback only. */
struct sp_net_rx {
	const char *buf; /* UDP: the whole datagram; TCP: exactly one framed message */
	size_t len;
	enum sp_transport tp;
	struct sp_sa src;     /* the peer */
	struct sp_sa local;   /* our address it arrived on (IP_PKTINFO for UDP) */
	struct sp_conn *conn; /* TCP only, else NULL; sp_mem_ref it to keep it */
	/* TCP bytes that cannot be framed (Content-Length missing, invalid or
	 * repeated: RFC 3261 §18.3, RFC 4475 ncl/mcl01): buf holds what was
	 * buffered from the failed message on. The connection closes right
	 * after this callback; a reply sent from inside it (a 400) is written
	 * if the socket takes it at once. */
	bool unframed;
};

/* A message arrived. */
typedef void (*sp_net_recv_cb)(struct sp_net *net, const struct sp_net_rx *rx, void *arg);

/* A connection that was delivered or opened has closed (not called for
 * connections refused at accept, nor by sp_net_destroy). reason: 0 the
 * peer closed in order; -ECONNRESET and other socket errors; an outbound
 * connect's failure (-ECONNREFUSED, -ETIMEDOUT after connect_timeout_ms);
 * -EBADMSG the stream could not be framed (missing Content-Length, a bound
 * exceeded); -ENOBUFS the write queue went past max_outq; -ETIMEDOUT the
 * idle timer. conn is alive no longer; the callback may take a reference. */
typedef void (*sp_net_close_cb)(struct sp_net *net, struct sp_conn *conn, int reason, void *arg);

/* Opens every listen address of cfg on loop (copied; cfg->listen need not
 * outlive the call). on_close may be NULL. Returns 0, or -errno of the
 * first socket that failed (-EADDRINUSE, -EINVAL for a transport other
 * than UDP/TCP or an unset address, -ENOMEM); *out untouched on error and
 * nothing left open. */
int sp_net_create(struct sp_net **out, struct sp_loop *loop, const struct sp_net_config *cfg,
		  sp_net_recv_cb on_recv, sp_net_close_cb on_close, void *arg);

/* Closes every socket and connection without calling on_close (holders of
 * connection references see them dead) and frees net. NULL-safe. Not from
 * inside one of net's callbacks. */
void sp_net_destroy(struct sp_net *net);

/* The address listen entry idx is bound to, with the real port (useful
 * after binding port 0), or NULL if idx is out of range. */
const struct sp_sa *sp_net_local(const struct sp_net *net, unsigned idx);

/* Reserves an ephemeral UDP port on addr's IP (addr's port is ignored)
 * for an sp_net created later, so that the port is known before any
 * sp_net exists: a port no socket uses (chosen without SO_REUSEPORT, so
 * never one another socket would share), then a placeholder on it that
 * takes part in SO_REUSEPORT, which the sp_net's own socket joins. Sets *bound to the address
 * with its port and returns the placeholder's fd, or a negative errno.
 * Close the fd with sp_net_unreserve() once the sp_net is bound (until
 * then a datagram to the port may land on the placeholder and be lost). */
int sp_net_reserve_udp(const struct sp_sa *addr, struct sp_sa *bound);

/* Closes a placeholder of sp_net_reserve_udp (fd < 0: nothing). */
void sp_net_unreserve(int fd);

/* Sends one datagram to dst from the UDP socket bound to local (NULL: the
 * first UDP socket of dst's family). A socket bound to a wildcard address
 * matches any local address of its family and port, and the datagram then
 * leaves with local's IP as source (IP_PKTINFO), as RFC 3581 §4 requires
 * for responses. Never blocks. Returns 0, -EINVAL (dst unset, wildcard or
 * port 0), -EACCES (broadcast or multicast dst), -EAFNOSUPPORT or
 * -EADDRNOTAVAIL (no socket to send from), -EAGAIN (socket buffer full:
 * dropped), -EMSGSIZE, or another -errno of sendmsg. */
int sp_net_send_udp(struct sp_net *net, const struct sp_sa *local, const struct sp_sa *dst,
		    const void *buf, size_t len);

/* Finds an open connection whose peer is dst (one accepted from dst counts:
 * that is how responses and requests reach a client behind NAT) or starts
 * a non-blocking connect to it, and gives the caller a new reference in
 * *out. Bytes sent before the connect completes are queued. Returns 0,
 * -EINVAL (dst unset, wildcard or port 0), -EACCES (broadcast/multicast),
 * -EMFILE (max_conns open), -ENOMEM, or -errno of socket/connect. */
int sp_net_connect(struct sp_net *net, const struct sp_sa *dst, struct sp_conn **out);

/* Writes len bytes to conn, queueing what the socket does not take now
 * (written in order as it drains). Returns 0 when sent or queued,
 * -ENOTCONN if conn is closed, -ENOBUFS if the queue would pass max_outq
 * (conn is then closed), -ENOMEM, or -errno of the write (EPIPE,
 * ECONNRESET: conn is then closed). A close caused here is reported to
 * on_close from the loop afterwards. */
int sp_conn_send(struct sp_conn *conn, const void *buf, size_t len);

/* sp_conn_send to conn if not NULL (dst ignored), else to the connection
 * sp_net_connect finds or opens for dst (no reference kept). Returns as
 * those two. */
int sp_net_send_tcp(struct sp_net *net, struct sp_conn *conn, const struct sp_sa *dst,
		    const void *buf, size_t len);

/* Closes conn now if still open; on_close follows from the loop with
 * reason -ECANCELED. Queued bytes not yet written are dropped. */
void sp_conn_close(struct sp_conn *conn);

const struct sp_sa *sp_conn_peer(const struct sp_conn *conn);
const struct sp_sa *sp_conn_local(const struct sp_conn *conn);
bool sp_conn_alive(const struct sp_conn *conn);
/* CRLF pongs ("\r\n" between messages, RFC 5626 §4.4.1) received on
 * conn: the answers to the CRLF CRLF pings its owner sent. */
unsigned sp_conn_pongs(const struct sp_conn *conn);
/* True for a connection we opened, false for one we accepted. */
bool sp_conn_outbound(const struct sp_conn *conn);

/* Counters since creation, and the current number of open connections. */
struct sp_net_stats {
	uint64_t udp_rx;         /* datagrams delivered */
	uint64_t udp_rx_dropped; /* truncated (over 64 KiB) or empty */
	uint64_t udp_tx;
	uint64_t udp_tx_errors;
	uint64_t tcp_accepted;
	uint64_t tcp_refused;    /* accepted then closed: per-IP or total limit */
	uint64_t tcp_connects;   /* outbound connects started */
	uint64_t tcp_rx;         /* framed messages delivered */
	uint64_t tcp_pings;      /* CRLF CRLF keep-alives answered */
	uint64_t tcp_closed;     /* connections closed, any reason */
	uint64_t tcp_bad_frames; /* closed for -EBADMSG */
	unsigned conns;          /* open now */
};
void sp_net_stats(const struct sp_net *net, struct sp_net_stats *out);

#endif
