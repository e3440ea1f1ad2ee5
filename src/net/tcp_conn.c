/*
 * One TCP connection (RFC 3261 §18.3): a bounded read buffer framed by
 * sp_framer into whole messages, CRLF keep-alive answers (RFC 5626
 * §4.4.1), a bounded write queue drained as the socket takes it, an idle
 * timer, and the close path every failure goes through.
 *
 * Lifetime: the sp_net holds one reference from creation until on_close
 * has run. Closing (conn_shut) releases the socket, the table entry and
 * the buffers at once, so a closed connection costs only its struct, then
 * defers on_close to the loop by reusing the connection's timer; the
 * notification drops the net's reference. Users may hold their own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "siphon/err.h"
#include "siphon/mem.h"
#include "net_int.h"

#define READ_ROUNDS 8   /* full reads per readiness event */
#define WRITE_IOV 64    /* queued chunks per sendmsg */
#define RBUF_KEEP 65536 /* an empty read buffer larger than this is freed */

static void conn_io(int fd, unsigned events, void *arg);
static void conn_timer(void *arg);

static void free_queue(struct sp_conn *c)
{
	struct sp__chunk *q = c->qhead;
	while (q) {
		struct sp__chunk *next = q->next;
		sp_free(q);
		q = next;
	}
	c->qhead = c->qtail = NULL;
	c->qbytes = 0;
}

static void free_rbuf(struct sp_conn *c)
{
	sp_free(c->rbuf);
	c->rbuf = NULL;
	c->rlen = c->rcap = 0;
}

static void conn_destroy(void *obj)
{
	struct sp_conn *c = obj;
	if (c->fd >= 0)
		close(c->fd);
	free_queue(c);
	free_rbuf(c);
}

static void notify(void *arg)
{
	struct sp_conn *c = arg;
	struct sp_net *net = c->net;
	if (c->prev)
		c->prev->next = c->next;
	else
		net->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	c->net = NULL;
	if (net->on_close)
		net->on_close(net, c, c->reason, net->arg);
	sp_mem_deref(c); /* the net's reference */
}

/* Releases everything but the struct; on_close follows from the loop. */
static void conn_shut(struct sp_conn *c, int reason)
{
	if (!c->alive)
		return;
	struct sp_net *net = c->net;
	c->alive = false;
	c->connecting = false;
	c->reason = reason;
	sp__table_del(&net->table, c);
	if (c->counted) {
		sp_ip_count_dec(net->table.ips, &c->peer);
		c->counted = false;
	}
	net->nconns--;
	net->stats.tcp_closed++;
	if (reason == -EBADMSG)
		net->stats.tcp_bad_frames++;
	sp_loop_unwatch(net->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	free_queue(c);
	if (!c->reading)
		free_rbuf(c);
	sp_timer_start(net->loop, &c->timer, 0, notify, c);
}

/* Watches exactly ev; a failure to watch closes the connection. */
static int set_events(struct sp_conn *c, unsigned ev)
{
	if (c->events == ev)
		return 0;
	int rc = sp_loop_watch(c->net->loop, c->fd, ev, conn_io, c);
	if (rc) {
		conn_shut(c, rc);
		return rc;
	}
	c->events = ev;
	return 0;
}

static void touch(struct sp_conn *c)
{
	c->last = sp_loop_now(c->net->loop);
}

int sp__conn_new(struct sp_net *net, int fd, const struct sp_sa *peer, bool outbound,
		 bool connecting, struct sp_conn **out)
{
	struct sp_conn *c = sp_mem_zalloc(sizeof(*c), conn_destroy);
	if (!c)
		return -ENOMEM;
	c->fd = fd;
	c->net = net;
	c->peer = *peer;
	c->outbound = outbound;
	c->connecting = connecting;
	c->local.len = sizeof(c->local.u);
	if (getsockname(fd, &c->local.u.sa, &c->local.len))
		c->local.len = 0;
	sp_framer_init(&c->framer, net->cfg.max_header, net->cfg.max_body);
	c->framer.client = outbound; /* RFC 5626 §4.4.1: pongs come to the pinger */
	sp_timer_init(&c->timer);
	unsigned ev = connecting ? SP_IO_WRITE : SP_IO_READ;
	int rc = sp_loop_watch(net->loop, fd, ev, conn_io, c);
	if (rc) {
		c->fd = -1; /* the caller closes it */
		sp_mem_deref(c);
		return rc;
	}
	sp__sock_nodelay(fd);
	c->events = ev;
	c->alive = true;
	c->next = net->conns;
	if (net->conns)
		net->conns->prev = c;
	net->conns = c;
	sp__table_add(&net->table, c);
	net->nconns++;
	touch(c);
	sp_timer_start(net->loop, &c->timer,
		       connecting ? net->cfg.connect_timeout_ms : net->cfg.idle_timeout_ms, conn_timer,
		       c);
	*out = c;
	return 0;
}

/* sp_net_destroy: close without a callback and drop the net's reference. */
void sp__conn_release(struct sp_conn *c)
{
	struct sp_net *net = c->net;
	sp_timer_stop(&c->timer);
	if (c->alive) {
		c->alive = false;
		c->connecting = false;
		c->reason = -ECANCELED;
		sp__table_del(&net->table, c);
		net->nconns--;
		sp_loop_unwatch(net->loop, c->fd);
		close(c->fd);
		c->fd = -1;
		free_queue(c);
		free_rbuf(c);
	}
	c->net = NULL;
	c->prev = c->next = NULL;
	sp_mem_deref(c);
}

/* The connect timer while connecting; then the idle timer, which checks
 * the time of the last activity rather than being re-armed on each. */
static void conn_timer(void *arg)
{
	struct sp_conn *c = arg;
	const struct sp_net_config *cfg = &c->net->cfg;
	if (!c->connecting) {
		sp_msec idle = sp_loop_now(c->net->loop) - c->last;
		if (idle >= 0 && (uint64_t)idle < cfg->idle_timeout_ms) {
			sp_timer_start(c->net->loop, &c->timer, cfg->idle_timeout_ms - (uint64_t)idle,
				       conn_timer, c);
			return;
		}
	}
	conn_shut(c, -ETIMEDOUT);
}

/* Sends what the socket takes of the queue. */
static void flush(struct sp_conn *c)
{
	while (c->qhead) {
		struct iovec iov[WRITE_IOV];
		int n = 0;
		for (struct sp__chunk *q = c->qhead; q && n < WRITE_IOV; q = q->next, n++) {
			iov[n].iov_base = q->data + q->off;
			iov[n].iov_len = q->len - q->off;
		}
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)n };
		ssize_t w = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			conn_shut(c, -errno);
			return;
		}
		touch(c);
		size_t left = (size_t)w;
		c->qbytes -= left;
		while (left) {
			struct sp__chunk *q = c->qhead;
			size_t part = q->len - q->off;
			if (left < part) {
				q->off += left;
				break;
			}
			left -= part;
			c->qhead = q->next;
			if (!c->qhead)
				c->qtail = NULL;
			sp_free(q);
		}
	}
	set_events(c, SP_IO_READ);
}

/* Writes or queues buf; see sp_conn_send. */
static int conn_write(struct sp_conn *c, const void *buf, size_t len)
{
	size_t done = 0;
	if (!c->alive)
		return -ENOTCONN;
	if (!c->qhead && !c->connecting) {
		for (;;) {
			ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n >= 0) {
				done = (size_t)n;
				break;
			}
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			int err = -errno;
			conn_shut(c, err);
			return err;
		}
		if (done)
			touch(c);
		if (done == len)
			return 0;
	}
	size_t rest = len - done;
	if (rest > c->net->cfg.max_outq || c->qbytes > c->net->cfg.max_outq - rest) {
		conn_shut(c, -ENOBUFS); /* a peer this slow is gone or hostile */
		return -ENOBUFS;
	}
	struct sp__chunk *q = sp_malloc(sizeof(*q) + rest);
	if (!q) {
		if (done)
			conn_shut(c, -ENOMEM); /* half a message is on the wire */
		return -ENOMEM;
	}
	q->next = NULL;
	q->len = rest;
	q->off = 0;
	memcpy(q->data, (const char *)buf + done, rest);
	if (c->qtail)
		c->qtail->next = q;
	else
		c->qhead = q;
	c->qtail = q;
	c->qbytes += rest;
	if (!c->connecting)
		return set_events(c, SP_IO_READ | SP_IO_WRITE);
	return 0;
}

/* Hands every complete message in the buffer to on_recv and answers
 * keep-alive pings, then moves the unconsumed rest to the front. */
static void deliver(struct sp_conn *c)
{
	struct sp_net *net = c->net;
	size_t off = 0;
	sp_mem_ref(c);
	c->reading = true;
	while (c->alive) {
		size_t take = 0, err_off;
		int rc = sp_framer_feed(&c->framer, c->rbuf + off, c->rlen - off, &take, &err_off);
		if (rc == SP_FRAME_MESSAGE) {
			struct sp_net_rx rx = {
				.buf = c->rbuf + off,
				.len = take,
				.tp = SP_TP_TCP,
				.src = c->peer,
				.local = c->local,
				.conn = c,
			};
			net->stats.tcp_rx++;
			net->on_recv(net, &rx, net->arg);
		} else if (rc == SP_FRAME_KEEPALIVE) {
			if (take == 4) { /* RFC 5626 §4.4.1: ping, answer a pong */
				net->stats.tcp_pings++;
				conn_write(c, "\r\n", 2);
			} else {
				c->pongs++; /* a pong: the flow's owner looks */
			}
		} else if (rc == SP_EINCOMPLETE) {
			break;
		} else {
			/* Let the user answer 400 before the close (RFC 4475 ncl). */
			struct sp_net_rx rx = {
				.buf = c->rbuf + off,
				.len = c->rlen - off,
				.tp = SP_TP_TCP,
				.src = c->peer,
				.local = c->local,
				.conn = c,
				.unframed = true,
			};
			net->on_recv(net, &rx, net->arg);
			conn_shut(c, -EBADMSG);
			break;
		}
		off += take;
	}
	c->reading = false;
	if (!c->alive) {
		free_rbuf(c);
	} else if (off) {
		c->rlen -= off;
		memmove(c->rbuf, c->rbuf + off, c->rlen);
		if (c->rlen == 0 && c->rcap > RBUF_KEEP)
			free_rbuf(c);
	}
	sp_mem_deref(c);
}

static void conn_read(struct sp_conn *c)
{
	const struct sp_net_config *cfg = &c->net->cfg;
	size_t bound = cfg->max_header + cfg->max_body + SP__RBUF_SLACK;
	for (int round = 0; round < READ_ROUNDS && c->alive; round++) {
		if (c->rlen == c->rcap) {
			if (c->rcap >= bound) {
				conn_shut(c, -EBADMSG);
				return;
			}
			size_t cap = c->rcap ? c->rcap * 2 : SP__RBUF_MIN;
			if (cap > bound)
				cap = bound;
			char *p = sp_realloc(c->rbuf, cap);
			if (!p) {
				conn_shut(c, -ENOMEM);
				return;
			}
			c->rbuf = p;
			c->rcap = cap;
		}
		size_t space = c->rcap - c->rlen;
		ssize_t n = recv(c->fd, c->rbuf + c->rlen, space, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_shut(c, -errno);
			return;
		}
		if (n == 0) {
			conn_shut(c, 0); /* the peer closed */
			return;
		}
		c->rlen += (size_t)n;
		touch(c);
		deliver(c);
		if ((size_t)n < space)
			return;
	}
}

/* The outbound connect finished, one way or the other. A spurious wakeup
 * (not yet connected, no error) leaves it connecting. */
static void connect_done(struct sp_conn *c)
{
	int err = sp__sock_error(c->fd);
	if (!err) {
		struct sp_sa peer;
		peer.len = sizeof(peer.u);
		if (getpeername(c->fd, &peer.u.sa, &peer.len)) {
			if (errno == ENOTCONN)
				return;
			err = -errno;
		}
	}
	if (err) {
		conn_shut(c, err);
		return;
	}
	c->connecting = false;
	c->local.len = sizeof(c->local.u);
	if (getsockname(c->fd, &c->local.u.sa, &c->local.len))
		c->local.len = 0;
	touch(c);
	sp_timer_start(c->net->loop, &c->timer, c->net->cfg.idle_timeout_ms, conn_timer, c);
	if (set_events(c, SP_IO_READ | (c->qhead ? SP_IO_WRITE : 0)) == 0 && c->qhead)
		flush(c);
}

static void conn_io(int fd, unsigned events, void *arg)
{
	struct sp_conn *c = arg;
	(void)fd;
	sp_mem_ref(c);
	if (c->alive && c->connecting)
		connect_done(c);
	if (c->alive && !c->connecting) {
		if ((events & SP_IO_READ) || !(events & SP_IO_WRITE))
			conn_read(c); /* read also on error/hangup, to learn why */
		if (c->alive && (events & SP_IO_WRITE)) {
			if (c->qhead)
				flush(c);
			else
				set_events(c, SP_IO_READ);
		}
	}
	sp_mem_deref(c);
}

/* ---- public ---- */

int sp_conn_send(struct sp_conn *conn, const void *buf, size_t len)
{
	if (!conn || !conn->alive)
		return -ENOTCONN;
	return conn_write(conn, buf, len);
}

void sp_conn_close(struct sp_conn *conn)
{
	if (conn && conn->alive)
		conn_shut(conn, -ECANCELED);
}

const struct sp_sa *sp_conn_peer(const struct sp_conn *conn)
{
	return &conn->peer;
}

const struct sp_sa *sp_conn_local(const struct sp_conn *conn)
{
	return &conn->local;
}

bool sp_conn_alive(const struct sp_conn *conn)
{
	return conn && conn->alive;
}

unsigned sp_conn_pongs(const struct sp_conn *conn)
{
	return conn->pongs;
}

bool sp_conn_outbound(const struct sp_conn *conn)
{
	return conn->outbound;
}
