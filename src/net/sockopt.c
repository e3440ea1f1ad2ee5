/*
 * Socket options every transport socket needs, in one place: non-blocking
 * close-on-exec sockets, address reuse across workers (SO_REUSEPORT), IPv6
 * sockets that do not take IPv4 (so 0.0.0.0 and [::] share a port), large
 * kernel buffers for UDP bursts, DSCP marking (RFC 2474) and local address
 * reporting for wildcard-bound UDP sockets (IP_PKTINFO).
 */
#define _GNU_SOURCE /* IPV6_RECVPKTINFO, SO_RCVBUFFORCE */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_int.h"

static int setopt(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val)) ? -errno : 0;
}

/* A non-blocking, close-on-exec socket, or -errno. */
int sp__sock_open(int family, int type)
{
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

/* Every worker binds the same address: SO_REUSEPORT lets the kernel spread
 * the load; SO_REUSEADDR lets a restart bind over TIME_WAIT connections.
 * IPv6 only for AF_INET6, so [::] does not claim the IPv4 port too. */
int sp__sock_reuse(int fd, int family)
{
	int rc = setopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (!rc)
		rc = setopt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	if (!rc && family == AF_INET6)
		rc = setopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	return rc;
}

/* Asks for size bytes of receive and send buffer; FORCE works with
 * CAP_NET_ADMIN past rmem_max, else the plain option (capped) is tried.
 * Failure is not an error: the default buffers still work. */
void sp__sock_bufsize(int fd, int size)
{
	if (setopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, size))
		(void)setopt(fd, SOL_SOCKET, SO_RCVBUF, size);
	if (setopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, size))
		(void)setopt(fd, SOL_SOCKET, SO_SNDBUF, size);
}

/* DSCP in the upper six bits of the TOS / traffic class octet (RFC 2474
 * §3). Best effort: a refusal leaves the default marking. */
void sp__sock_dscp(int fd, int family, int dscp)
{
	if (dscp < 0 || dscp > 63)
		return;
	if (family == AF_INET)
		(void)setopt(fd, IPPROTO_IP, IP_TOS, dscp << 2);
	else if (family == AF_INET6)
		(void)setopt(fd, IPPROTO_IPV6, IPV6_TCLASS, dscp << 2);
}

/* Reports each datagram's destination address, so a wildcard-bound socket
 * knows which local address a request reached (and answers from it). */
int sp__sock_pktinfo(int fd, int family)
{
	if (family == AF_INET6)
		return setopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
	return setopt(fd, IPPROTO_IP, IP_PKTINFO, 1);
}

/* SIP writes whole messages; Nagle would hold a second one back behind an
 * unacknowledged first. */
void sp__sock_nodelay(int fd)
{
	(void)setopt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
}

/* Binds fd to *addr and reads back the bound address (the real port when
 * addr had port 0). Returns 0 or -errno. */
int sp__sock_bind(int fd, struct sp_sa *addr)
{
	if (bind(fd, &addr->u.sa, addr->len))
		return -errno;
	struct sp_sa got = { 0 };
	got.len = sizeof(got.u);
	if (getsockname(fd, &got.u.sa, &got.len))
		return -errno;
	*addr = got;
	return 0;
}

/* The pending error of fd (SO_ERROR), as -errno, 0 if none. */
int sp__sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return -errno;
	return -err;
}
