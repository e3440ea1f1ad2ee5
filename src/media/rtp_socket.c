/*
 * The RTP/RTCP port pair of a session (RFC 3550 §11: RTP on an even port,
 * RTCP on the next odd one; RFC 5761: one port for both), marked with a
 * DSCP (RFC 2474 §3: the upper six bits of the TOS / traffic class octet).
 * Ports are exclusive: no SO_REUSEADDR/SO_REUSEPORT, so two sessions never
 * share a pair. The search starts at a random even port of the range so
 * sessions spread over it instead of racing for its first pair.
 */
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rtp_int.h"

static int setopt(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val)) ? -errno : 0;
}

/* Best effort, as for the SIP sockets: a refusal keeps the default. */
static void set_dscp(int fd, int family, int dscp)
{
	if (dscp < 0 || dscp > 63)
		return;
	if (family == AF_INET)
		(void)setopt(fd, IPPROTO_IP, IP_TOS, dscp << 2);
	else
		(void)setopt(fd, IPPROTO_IPV6, IPV6_TCLASS, dscp << 2);
}

/* A bound UDP socket on addr with port, or -errno (-EADDRINUSE). */
static int open_bound(const struct sp_sa *addr, uint16_t port, int dscp, struct sp_sa *bound)
{
	int family = sp_sa_family(addr);
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (family == AF_INET6 && setopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1)) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	set_dscp(fd, family, dscp);
	struct sp_sa a = *addr;
	sp_sa_set_port(&a, port);
	if (bind(fd, &a.u.sa, a.len)) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	*bound = (struct sp_sa){ 0 };
	bound->len = sizeof(bound->u);
	if (getsockname(fd, &bound->u.sa, &bound->len)) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int sp__rtp_bind_pair(struct sp_rtp_session *s)
{
	const struct sp_rtp_config *c = &s->cfg;
	unsigned lo = c->port_min + (c->port_min & 1u); /* first even port */
	unsigned hi = c->port_max;
	unsigned span = c->rtcp_mux ? 0 : 1;

	if (lo > 65534 || lo + span > hi)
		return -EINVAL;
	unsigned npairs = (hi - span - lo) / 2 + 1;
	unsigned first = sp__rtp_random32() % npairs;
	for (unsigned i = 0; i < npairs; i++) {
		uint16_t port = (uint16_t)(lo + 2 * ((first + i) % npairs));
		int rtp = open_bound(&c->local, port, c->dscp, &s->local_rtp);
		if (rtp == -EADDRINUSE || rtp == -EACCES)
			continue;
		if (rtp < 0)
			return rtp;
		if (c->rtcp_mux) {
			s->rtp_fd = s->rtcp_fd = rtp;
			s->local_rtcp = s->local_rtp;
			return 0;
		}
		int rtcp = open_bound(&c->local, (uint16_t)(port + 1), c->dscp, &s->local_rtcp);
		if (rtcp >= 0) {
			s->rtp_fd = rtp;
			s->rtcp_fd = rtcp;
			return 0;
		}
		close(rtp);
		if (rtcp != -EADDRINUSE && rtcp != -EACCES)
			return rtcp;
	}
	return -EADDRINUSE;
}
