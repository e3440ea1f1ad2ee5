/*
 * TCP listeners (RFC 3261 §18.2.1): one per TCP listen address per worker
 * (SO_REUSEPORT spreads new connections over the workers). Accepting
 * enforces the per-IP and total connection limits by accepting the excess
 * and closing it at once, which frees the backlog and tells the peer
 * plainly. When the process runs out of descriptors the listener rests a
 * moment instead of spinning on a level-triggered event it cannot clear.
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_int.h"

static void listen_readable(int fd, unsigned events, void *arg);

static void resume(void *arg)
{
	struct sp__sock *s = arg;
	if (s->fd >= 0 && s->paused &&
	    sp_loop_watch(s->net->loop, s->fd, SP_IO_READ, listen_readable, s) == 0)
		s->paused = false;
	else if (s->paused)
		sp_timer_start(s->net->loop, &s->backoff, SP__ACCEPT_BACKOFF_MS, resume, s);
}

static void pause_accepting(struct sp__sock *s)
{
	sp_loop_unwatch(s->net->loop, s->fd);
	s->paused = true;
	sp_timer_start(s->net->loop, &s->backoff, SP__ACCEPT_BACKOFF_MS, resume, s);
}

/* Takes one accepted socket: counts it against the limits, then makes it
 * a connection or closes it. */
static void admit(struct sp_net *net, int fd, const struct sp_sa *peer)
{
	struct sp_conn *c;
	net->stats.tcp_accepted++;
	if (net->nconns >= net->cfg.max_conns ||
	    sp_ip_count_inc(net->table.ips, peer, net->cfg.max_conns_per_ip) != 0) {
		net->stats.tcp_refused++;
		close(fd);
		return;
	}
	if (sp__conn_new(net, fd, peer, false, false, &c) != 0) {
		sp_ip_count_dec(net->table.ips, peer);
		net->stats.tcp_refused++;
		close(fd); /* sp__conn_new leaves fd to us on failure */
		return;
	}
	c->counted = true;
}

static void listen_readable(int fd, unsigned events, void *arg)
{
	struct sp__sock *s = arg;
	(void)events;
	for (int i = 0; i < SP__ACCEPT_BATCH; i++) {
		struct sp_sa peer = { 0 };
		peer.len = sizeof(peer.u);
		int cfd = accept4(fd, &peer.u.sa, &peer.len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			switch (errno) {
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
				continue;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				pause_accepting(s);
				return;
			default: /* EAGAIN, or nothing better to do than wait */
				return;
			}
		}
		admit(s->net, cfd, &peer);
	}
}

int sp__tcp_listen(struct sp_net *net, struct sp__sock *s)
{
	int family = s->local.u.sa.sa_family;
	int fd = sp__sock_open(family, SOCK_STREAM);
	if (fd < 0)
		return fd;
	int rc = sp__sock_reuse(fd, family);
	if (!rc) {
		sp__sock_dscp(fd, family, net->cfg.dscp); /* inherited by accepted sockets */
		s->any = sp_sa_is_any(&s->local);
		rc = sp__sock_bind(fd, &s->local);
	}
	if (!rc && listen(fd, SOMAXCONN))
		rc = -errno;
	if (!rc) {
		s->fd = fd;
		rc = sp_loop_watch(net->loop, fd, SP_IO_READ, listen_readable, s);
		if (!rc)
			return 0;
		s->fd = -1;
	}
	close(fd);
	return rc;
}
