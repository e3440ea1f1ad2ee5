/*
 * One worker's transport endpoint set (net.h): opens a socket per listen
 * address, owns the connection table and the UDP receive batch, and tears
 * it all down. The transports themselves are in udp.c, tcp_listen.c,
 * tcp_conn.c and tcp_connect.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "siphon/mem.h"
#include "net_int.h"

#define DEF_MAX_CONNS_PER_IP 64
#define DEF_MAX_CONNS 4096
#define DEF_IDLE_MS 300000 /* RFC 5626 §4.4.1 lets a server use less */
#define DEF_CONNECT_MS 10000
#define DEF_MAX_HEADER (16u * 1024u)
#define DEF_MAX_BODY (1024u * 1024u)
#define DEF_MAX_OUTQ (4u << 20)

bool sp__dst_ok(const struct sp_sa *dst, int *err)
{
	*err = -EINVAL;
	if (!dst || !dst->len || sp_sa_port(dst) == 0 || sp_sa_is_any(dst))
		return false;
	int family = sp_sa_family(dst);
	if (family != AF_INET && family != AF_INET6)
		return false;
	*err = -EACCES;
	if (sp_sa_is_broadcast(dst))
		return false;
	if (family == AF_INET6 && IN6_IS_ADDR_MULTICAST(&dst->u.in6.sin6_addr))
		return false;
	*err = 0;
	return true;
}

static void defaults(struct sp_net_config *c)
{
	if (!c->max_conns_per_ip)
		c->max_conns_per_ip = DEF_MAX_CONNS_PER_IP;
	if (!c->max_conns)
		c->max_conns = DEF_MAX_CONNS;
	if (!c->idle_timeout_ms)
		c->idle_timeout_ms = DEF_IDLE_MS;
	if (!c->connect_timeout_ms)
		c->connect_timeout_ms = DEF_CONNECT_MS;
	if (!c->max_header)
		c->max_header = DEF_MAX_HEADER;
	if (!c->max_body)
		c->max_body = DEF_MAX_BODY;
	if (!c->max_outq)
		c->max_outq = DEF_MAX_OUTQ;
	c->listen = NULL; /* copied into net->socks */
}

int sp_net_create(struct sp_net **out, struct sp_loop *loop, const struct sp_net_config *cfg,
		  sp_net_recv_cb on_recv, sp_net_close_cb on_close, void *arg)
{
	if (!loop || !cfg || !on_recv || (cfg->nlisten && !cfg->listen))
		return -EINVAL;
	for (unsigned i = 0; i < cfg->nlisten; i++) {
		const struct sp_net_listen *l = &cfg->listen[i];
		int family = sp_sa_family(&l->addr);
		if ((l->tp != SP_TP_UDP && l->tp != SP_TP_TCP) ||
		    (family != AF_INET && family != AF_INET6))
			return -EINVAL;
	}
	struct sp_net *net = sp_malloc(sizeof(*net));
	if (!net)
		return -ENOMEM;
	memset(net, 0, sizeof(*net));
	net->loop = loop;
	net->cfg = *cfg;
	defaults(&net->cfg);
	net->on_recv = on_recv;
	net->on_close = on_close;
	net->arg = arg;
	int rc = sp__table_init(&net->table, net->cfg.max_conns);
	if (rc) {
		sp_free(net);
		return rc;
	}
	if (cfg->nlisten) {
		net->socks = sp_malloc(cfg->nlisten * sizeof(*net->socks));
		if (!net->socks) {
			sp_net_destroy(net);
			return -ENOMEM;
		}
	}
	for (unsigned i = 0; i < cfg->nlisten; i++) {
		struct sp__sock *s = &net->socks[i];
		memset(s, 0, sizeof(*s));
		s->net = net;
		s->tp = cfg->listen[i].tp;
		s->fd = -1;
		s->local = cfg->listen[i].addr;
		sp_timer_init(&s->backoff);
		net->nsocks = i + 1;
		rc = s->tp == SP_TP_UDP ? sp__udp_open(net, s) : sp__tcp_listen(net, s);
		if (rc) {
			sp_net_destroy(net);
			return rc;
		}
	}
	*out = net;
	return 0;
}

static void sock_close(struct sp__sock *s)
{
	sp_timer_stop(&s->backoff);
	if (s->fd < 0)
		return;
	if (!s->paused)
		sp_loop_unwatch(s->net->loop, s->fd);
	close(s->fd);
	s->fd = -1;
}

void sp_net_destroy(struct sp_net *net)
{
	if (!net)
		return;
	while (net->conns) {
		struct sp_conn *c = net->conns;
		net->conns = c->next;
		sp__conn_release(c);
	}
	for (unsigned i = 0; i < net->nsocks; i++)
		sock_close(&net->socks[i]);
	sp_free(net->socks);
	sp__udp_free(net);
	sp__table_free(&net->table);
	sp_free(net);
}

const struct sp_sa *sp_net_local(const struct sp_net *net, unsigned idx)
{
	return idx < net->nsocks ? &net->socks[idx].local : NULL;
}

void sp_net_stats(const struct sp_net *net, struct sp_net_stats *out)
{
	*out = net->stats;
	out->conns = net->nconns;
}
