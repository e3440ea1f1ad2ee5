/*
 * Outbound TCP (RFC 3261 §18.1.1, §18.2.2): reuse the open connection to a
 * peer, whichever side opened it, or start a non-blocking connect whose
 * output is queued until it completes.
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "siphon/mem.h"
#include "net_int.h"

int sp_net_connect(struct sp_net *net, const struct sp_sa *dst, struct sp_conn **out)
{
	int err;
	if (!sp__dst_ok(dst, &err))
		return err;
	struct sp_conn *c = sp__table_find(&net->table, dst);
	if (c) {
		*out = sp_mem_ref(c);
		return 0;
	}
	if (net->nconns >= net->cfg.max_conns)
		return -EMFILE;
	int family = dst->u.sa.sa_family;
	int fd = sp__sock_open(family, SOCK_STREAM);
	if (fd < 0)
		return fd;
	sp__sock_dscp(fd, family, net->cfg.dscp);
	bool connecting = false;
	if (connect(fd, &dst->u.sa, dst->len)) {
		/* EINTR: a non-blocking connect goes on in the background. */
		if (errno != EINPROGRESS && errno != EINTR) {
			err = -errno;
			close(fd);
			return err;
		}
		connecting = true;
	}
	err = sp__conn_new(net, fd, dst, true, connecting, &c);
	if (err) {
		close(fd);
		return err;
	}
	net->stats.tcp_connects++;
	*out = sp_mem_ref(c);
	return 0;
}

int sp_net_send_tcp(struct sp_net *net, struct sp_conn *conn, const struct sp_sa *dst,
		    const void *buf, size_t len)
{
	if (conn)
		return sp_conn_send(conn, buf, len);
	int rc = sp_net_connect(net, dst, &conn);
	if (rc)
		return rc;
	rc = sp_conn_send(conn, buf, len);
	sp_mem_deref(conn);
	return rc;
}
