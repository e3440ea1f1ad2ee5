/*
 * UDP transport (RFC 3261 §18.1.1, §18.2.1; RFC 3581 §4): one socket per
 * UDP listen address per worker, read in batches with recvmmsg into
 * buffers the worker reuses (a datagram is valid during its callback
 * only), with IP_PKTINFO so a wildcard-bound socket knows which local
 * address each datagram reached, and sendmsg with that address as source
 * so a response leaves from where its request arrived.
 */
#define _GNU_SOURCE /* recvmmsg, struct in6_pktinfo */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "siphon/mem.h"
#include "net_int.h"

#define MAX_ROUNDS 4 /* batches per readiness event, then let others run */

int sp__udp_alloc(struct sp_net *net)
{
	if (net->rx_data)
		return 0;
	net->rx_data = sp_malloc((size_t)SP__UDP_BATCH * SP__UDP_MAX);
	net->rx_msgs = sp_malloc(SP__UDP_BATCH * sizeof(*net->rx_msgs));
	net->rx_iov = sp_malloc(SP__UDP_BATCH * sizeof(*net->rx_iov));
	net->rx_names = sp_malloc(SP__UDP_BATCH * sizeof(*net->rx_names));
	net->rx_ctrl = sp_malloc((size_t)SP__UDP_BATCH * SP__UDP_CTRL);
	if (!net->rx_data || !net->rx_msgs || !net->rx_iov || !net->rx_names || !net->rx_ctrl) {
		sp__udp_free(net);
		return -ENOMEM;
	}
	/* Where each entry's bytes go never changes; what recvmmsg writes
	 * back is reset before the next call, for the entries it used. */
	for (unsigned i = 0; i < SP__UDP_BATCH; i++) {
		struct msghdr *mh = &net->rx_msgs[i].msg_hdr;
		net->rx_iov[i].iov_base = net->rx_data + (size_t)i * SP__UDP_MAX;
		net->rx_iov[i].iov_len = SP__UDP_MAX;
		mh->msg_name = &net->rx_names[i].u;
		mh->msg_iov = &net->rx_iov[i];
		mh->msg_iovlen = 1;
		mh->msg_control = net->rx_ctrl + (size_t)i * SP__UDP_CTRL;
	}
	net->rx_used = SP__UDP_BATCH;
	return 0;
}

void sp__udp_free(struct sp_net *net)
{
	sp_free(net->rx_data);
	sp_free(net->rx_msgs);
	sp_free(net->rx_iov);
	sp_free(net->rx_names);
	sp_free(net->rx_ctrl);
	net->rx_data = NULL;
	net->rx_msgs = NULL;
	net->rx_iov = NULL;
	net->rx_names = NULL;
	net->rx_ctrl = NULL;
}

/* The local address a datagram reached: the socket's own when bound to a
 * specific address, else the pktinfo destination with the socket's port. */
static void local_of(const struct sp__sock *s, struct msghdr *mh, struct sp_sa *out)
{
	*out = s->local;
	if (!s->any)
		return;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO &&
		    out->u.sa.sa_family == AF_INET) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			out->u.in4.sin_addr = pi.ipi_addr;
			return;
		}
		if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO &&
		    out->u.sa.sa_family == AF_INET6) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			out->u.in6.sin6_addr = pi.ipi6_addr;
			return;
		}
	}
}

/* A datagram of nothing but CR and LF is a keep-alive some clients send
 * over UDP (RFC 3261 §7.5 lets empty lines be ignored): nothing to parse. */
static bool is_blank(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != '\r' && p[i] != '\n')
			return false;
	return true;
}

static void udp_readable(int fd, unsigned events, void *arg)
{
	struct sp__sock *s = arg;
	struct sp_net *net = s->net;
	(void)events;

	for (int round = 0; round < MAX_ROUNDS; round++) {
		/* The in/out fields of the entries the last call filled (the
		 * kernel writes no others). */
		for (unsigned i = 0; i < net->rx_used; i++) {
			struct msghdr *mh = &net->rx_msgs[i].msg_hdr;
			mh->msg_namelen = sizeof(net->rx_names[i].u);
			mh->msg_controllen = SP__UDP_CTRL;
			mh->msg_flags = 0;
			net->rx_msgs[i].msg_len = 0;
		}
		net->rx_used = 0;
		int n = recvmmsg(fd, net->rx_msgs, SP__UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return; /* EAGAIN, or an error the next event retries */
		}
		net->rx_used = (unsigned)n;
		for (int i = 0; i < n; i++) {
			struct msghdr *mh = &net->rx_msgs[i].msg_hdr;
			size_t len = net->rx_msgs[i].msg_len;
			const char *buf = net->rx_data + (size_t)i * SP__UDP_MAX;
			if ((mh->msg_flags & MSG_TRUNC) || len == 0 || is_blank(buf, len)) {
				net->stats.udp_rx_dropped++;
				continue;
			}
			struct sp_net_rx rx = { .buf = buf, .len = len, .tp = SP_TP_UDP };
			rx.src = net->rx_names[i];
			rx.src.len = mh->msg_namelen;
			local_of(s, mh, &rx.local);
			net->stats.udp_rx++;
			net->on_recv(net, &rx, net->arg);
		}
		if (n < SP__UDP_BATCH)
			return;
	}
}

int sp__udp_open(struct sp_net *net, struct sp__sock *s)
{
	int family = s->local.u.sa.sa_family;
	int fd = sp__sock_open(family, SOCK_DGRAM);
	if (fd < 0)
		return fd;
	int rc = sp__sock_reuse(fd, family);
	if (!rc)
		rc = sp__sock_pktinfo(fd, family);
	if (!rc) {
		sp__sock_bufsize(fd, SP__SOCKBUF);
		sp__sock_dscp(fd, family, net->cfg.dscp);
		s->any = sp_sa_is_any(&s->local);
		rc = sp__sock_bind(fd, &s->local);
	}
	if (!rc)
		rc = sp__udp_alloc(net);
	if (!rc) {
		s->fd = fd;
		rc = sp_loop_watch(net->loop, fd, SP_IO_READ, udp_readable, s);
		if (!rc)
			return 0;
		s->fd = -1;
	}
	close(fd);
	return rc;
}

/* The UDP socket to send from: bound to local (or wildcard of local's
 * family and port), or the first of dst's family when local is NULL. */
static struct sp__sock *pick(struct sp_net *net, const struct sp_sa *local, int family, int *err)
{
	*err = -EAFNOSUPPORT;
	for (unsigned i = 0; i < net->nsocks; i++) {
		struct sp__sock *s = &net->socks[i];
		if (s->tp != SP_TP_UDP || s->fd < 0 || s->local.u.sa.sa_family != family)
			continue;
		if (!local)
			return s;
		*err = -EADDRNOTAVAIL;
		if (sp_sa_port(&s->local) == sp_sa_port(local) &&
		    (s->any || sp_sa_ip_eq(&s->local, local)))
			return s;
	}
	return NULL;
}

int sp_net_send_udp(struct sp_net *net, const struct sp_sa *local, const struct sp_sa *dst,
		    const void *buf, size_t len)
{
	int err;
	if (!sp__dst_ok(dst, &err))
		return err;
	int family = dst->u.sa.sa_family;
	if (local && local->u.sa.sa_family != family)
		return -EADDRNOTAVAIL;
	struct sp__sock *s = pick(net, local, family, &err);
	if (!s)
		return err;

	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctrl;
	struct msghdr mh = {
		.msg_name = (void *)&dst->u,
		.msg_namelen = dst->len,
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	/* Wildcard socket, specific local address: choose the source. */
	if (local && s->any && !sp_sa_is_any(local)) {
		memset(&ctrl, 0, sizeof(ctrl));
		mh.msg_control = ctrl.buf;
		struct cmsghdr *cm;
		if (family == AF_INET) {
			struct in_pktinfo pi = { .ipi_spec_dst = local->u.in4.sin_addr };
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = IPPROTO_IP;
			cm->cmsg_type = IP_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		} else {
			struct in6_pktinfo pi = { .ipi6_addr = local->u.in6.sin6_addr };
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = IPPROTO_IPV6;
			cm->cmsg_type = IPV6_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		}
	}
	for (;;) {
		ssize_t n = sendmsg(s->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n >= 0) {
			net->stats.udp_tx++;
			return 0;
		}
		if (errno != EINTR)
			break;
	}
	err = errno == EWOULDBLOCK ? -EAGAIN : -errno;
	net->stats.udp_tx_errors++;
	return err;
}

int sp_net_reserve_udp(const struct sp_sa *addr, struct sp_sa *bound)
{
	int family = addr->u.sa.sa_family;
	int fd, rc;

	/* A free port first, from a socket without SO_REUSEADDR/REUSEPORT:
	 * the kernel's automatic choice for one with them may pick a port
	 * that another socket of the same user shares already. */
	if ((fd = sp__sock_open(family, SOCK_DGRAM)) < 0)
		return fd;
	*bound = *addr;
	sp_sa_set_port(bound, 0);
	rc = sp__sock_bind(fd, bound);
	close(fd);
	if (rc)
		return rc;
	/* Then the placeholder on that port, which the sp_net joins. */
	if ((fd = sp__sock_open(family, SOCK_DGRAM)) < 0)
		return fd;
	rc = sp__sock_reuse(fd, family);
	if (!rc)
		rc = sp__sock_bind(fd, bound);
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

void sp_net_unreserve(int fd)
{
	if (fd >= 0)
		close(fd);
}
