/*
 * The running server (server.h): worker threads, each with its own
 * SO_REUSEPORT sockets (net.h) and transaction layer (tsx.h), and the
 * receive path that ties them to the UAS core (core.c):
 *
 *   datagram or framed TCP message
 *     -> sp_msg_parse (which reads the headers even after a broken start line)
 *     -> response: the transaction layer (another worker's branch: posted
 *        to that worker's mailbox, DESIGN.md §3); otherwise dropped
 *     -> request that parsed, validated and has Via/From/To/Call-ID/CSeq:
 *        sp_tsx_input; a new transaction is answered from on_request by
 *        sp_uas_decide + sp_uas_reply + sp_tsx_respond (retransmissions are
 *        then absorbed by the transaction)
 *     -> anything else: answered statelessly (or dropped) by the same core
 *
 * Every send goes through io_send, which enforces the send policy
 * (sp_route_check: no broadcast, only security.allow_destinations) and
 * the reliable-transport rule of RFC 3261 §18.2.2 (reopen a connection
 * that closed). One access log line per request (access_log.c).
 *
 * A REGISTER the core hands to the registrar goes to registrar_service.c
 * (store, digest auth, location table), which answers it in its server
 * transaction, possibly after an asynchronous store lookup.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "siphon/dns.h"
#include "siphon/log.h"
#include "siphon/mem.h"
#include "siphon/net.h"
#include "siphon/response.h"
#include "siphon/server.h"
#include "siphon/tsx.h"

#include "proxy.h"
#include "server_int.h"

#define MAX_UDP_LOCALS 32

struct worker {
	struct sp_server *srv;
	unsigned index;
	struct sp_loop *loop;
	struct sp_net *net;
	struct sp_tsx_layer *tsx;
	struct sp__regsvc_worker *reg;
	struct sp__proxy_worker *proxy;
	struct sp_dns *dns; /* RFC 3263 / ENUM for the proxy, or NULL */
	/* UDP local addresses seen, so a response leaves from the address
	 * and port its request arrived on (RFC 3581 §4). Their addresses
	 * serve as the opaque sp_tsx_dest.conn of UDP destinations. */
	struct sp_sa udp_local[MAX_UDP_LOCALS];
	unsigned nudp_local;
	/* The message being handled, for on_request. */
	struct {
		int parse_rc, validate_rc;
		bool proxied; /* a request for the proxy, not for us */
		size_t len;
		uint64_t t0;
		enum sp_transport tp;
		const struct sp_sa *src;
	} cur;
	char *out;     /* response being built */
	size_t out_cap;
};

struct sp_server {
	struct sp_config cfg;
	struct sp_workers *workers;
	struct sp__regsvc *reg; /* the registrar: store, location, secret */
	struct worker *w; /* cfg.workers of them */
	/* The listen addresses with real ports: worker 0 binds first (port
	 * 0 becomes an ephemeral port) and the others bind the same. */
	struct sp_config_listen bound[SP_CONFIG_MAX_LISTEN];
	struct sp__pxy_self self; /* our addresses (set with bound) */
	/* proxy.worker_ports: worker k's own UDP address per family at
	 * own[k * 2 + f] (f 0 IPv4, 1 IPv6; addr.len 0: none), reserved
	 * before the workers start; own_fd the placeholders, closed once
	 * they are bound. NULL when off. */
	struct sp_config_listen *own;
	int *own_fd;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int bound_state; /* 0 pending, 1 bound, -errno failed */
};

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static const struct sp_sa *udp_handle(struct worker *w, const struct sp_sa *local)
{
	if (!local || !local->len)
		return NULL;
	for (unsigned i = 0; i < w->nudp_local; i++)
		if (sp_sa_eq(&w->udp_local[i], local))
			return &w->udp_local[i];
	if (w->nudp_local == MAX_UDP_LOCALS)
		return NULL; /* the first socket of the family will do */
	w->udp_local[w->nudp_local] = *local;
	return &w->udp_local[w->nudp_local++];
}

static int denied(const struct sp_sa *dst, int rc)
{
	char buf[SP_SA_STRLEN];
	sp_sa_print(dst, buf, sizeof(buf));
	SP_LOG_RL(SP_LOG_WARN, "not sending to %s: %s", buf,
		  rc == -EACCES ? "broadcast, multicast or outside security.allow_destinations"
				: "no address");
	return rc;
}

/* A transaction keeps a TCP connection alive while it may send on it
 * (UDP destinations carry a socket handle that lives as long as the worker). */
static void io_hold(void *arg, const struct sp_tsx_dest *d)
{
	(void)arg;
	if (d->tp != SP_TP_UDP)
		sp_mem_ref(d->conn);
}

static void io_release(void *arg, const struct sp_tsx_dest *d)
{
	(void)arg;
	if (d->tp != SP_TP_UDP)
		sp_mem_deref(d->conn);
}

/* The transport under the transaction layer (tsx.h sp_tsx_io). */
static int io_send(void *arg, const struct sp_tsx_dest *to, const void *buf, size_t len)
{
	struct worker *w = arg;
	const struct sp_config *cfg = &w->srv->cfg;
	struct sp_sa dst;
	int rc;

	switch (to->tp) {
	case SP_TP_UDP:
		rc = sp_route_check(cfg, &to->addr);
		if (rc)
			return denied(&to->addr, rc);
		return sp_net_send_udp(w->net, to->conn, &to->addr, buf, len);
	case SP_TP_TCP: {
		struct sp_conn *c = to->conn;
		if (c && sp_conn_alive(c)) {
			rc = sp_route_check(cfg, sp_conn_peer(c));
			return rc ? denied(sp_conn_peer(c), rc) : sp_conn_send(c, buf, len);
		}
		if (len < 8 || memcmp(buf, "SIP/2.0 ", 8) != 0) {
			/* A request (the proxy's): the connection to that
			 * address, found or opened. */
			rc = sp_route_check(cfg, &to->addr);
			return rc ? denied(&to->addr, rc)
				  : sp_net_send_tcp(w->net, NULL, &to->addr, buf, len);
		}
		/* RFC 3261 §18.2.2: the connection is gone; open one to the
		 * received address and the sent-by port. */
		if (sp_route_reconnect(buf, len, &dst) != 0)
			return -ENOTCONN;
		rc = sp_route_check(cfg, &dst);
		return rc ? denied(&dst, rc) : sp_net_send_tcp(w->net, NULL, &dst, buf, len);
	}
	default:
		return -EPROTONOSUPPORT;
	}
}

static void log_access(struct worker *w, const struct sp_msg *msg, unsigned status, const char *why)
{
	struct sp_access a = {
		.worker = w->index,
		.tp = w->cur.tp,
		.src = w->cur.src,
		.msg = msg,
		.status = status,
		.why = why,
		.usec = now_us() - w->cur.t0,
	};
	sp_access_log(&a);
}

static void decide(struct worker *w, const struct sp_msg *msg, bool to_proxy,
		   struct sp_uas_decision *d)
{
	struct sp_uas_input in = {
		.msg = msg,
		.parse_rc = w->cur.parse_rc,
		.validate_rc = w->cur.validate_rc,
		.wire_len = w->cur.len,
		.max_message = w->srv->cfg.sip.max_message_bytes,
		.to_proxy = to_proxy,
	};
	sp_uas_decide(&in, d);
}

/* A request the proxy takes (a sound message, not addressed to us). */
static bool for_proxy(struct worker *w, const struct sp_msg *msg)
{
	(void)msg; /* the one being handled: decided with its validation */
	return w->cur.proxied && w->cur.parse_rc == 0 && w->cur.validate_rc == 0;
}

/* A source listed in proxy.trusted. */
static bool trusted_source(struct worker *w, const struct sp_sa *src)
{
	const struct sp_config *cfg = &w->srv->cfg;
	for (unsigned i = 0; i < cfg->proxy.ntrusted; i++)
		if (sp_cidr_match(&cfg->proxy.trusted[i], src))
			return true;
	return false;
}

/* The transaction layer's per-source exemption (sp_tsx_config.unlimited):
 * trusted gateways carry many callers' traffic from one address. */
static bool unlimited_source(void *arg, const struct sp_sa *src)
{
	return trusted_source(arg, src);
}

/* Proxies (or redirects) req; trusted: it may be relayed anywhere. */
static void proxy_go(struct worker *w, struct sp_tsx *st, const struct sp_msg *req,
		     const struct sp_tsx_dest *src, bool trusted, uint64_t t0)
{
	if (w->srv->cfg.proxy.mode == SP_PROXY_REDIRECT)
		sp__proxy_redirect(w->proxy, st, req, src, trusted, t0);
	else
		sp__proxy_request(w->proxy, st, req, src, trusted, t0);
}

/* sp__regsvc_authed_cb: a local user proved who it is. */
static void authed(struct sp__regsvc_worker *rw, struct sp_tsx *st, const struct sp_msg *req,
		   const struct sp_tsx_dest *src, uint64_t t0, void *arg)
{
	(void)rw;
	proxy_go(arg, st, req, src, true, t0);
}

/* The proxy's request in its server transaction st. A request from a
 * local user (From in a served domain) outside a dialog is authenticated
 * first (issue 4: no open relay), after the checks that need no identity
 * (RFC 3261 §16.3); ACK and CANCEL cannot be challenged (§22.1). */
static void to_proxy(struct worker *w, struct sp_tsx *st, const struct sp_msg *req,
		     const struct sp_tsx_dest *src)
{
	uint64_t t0 = w->cur.t0;

	if (req->method_id == SP_METHOD_CANCEL) {
		sp__proxy_cancel(w->proxy, st, req, src, t0);
		return;
	}
	if (trusted_source(w, &src->addr)) {
		proxy_go(w, st, req, src, true, t0);
		return;
	}
	if (req->to.tag.p || !sp__proxy_from_local(w->proxy, req)) {
		proxy_go(w, st, req, src, false, t0);
		return;
	}
	int dom = sp__regsvc_domain(w->srv->reg, req->from.uri.hp.host);
	if (dom < 0 || sp__proxy_precheck(w->proxy, st, req, src, t0))
		return;
	sp__regsvc_authorize(w->reg, st, req, src, (unsigned)dom, t0, authed, w);
}

/* A new server transaction (tsx.h on_request). */
static void on_request(struct sp_tsx_layer *l, struct sp_tsx *st, const struct sp_msg *req,
		       const struct sp_tsx_dest *src, void *arg)
{
	struct worker *w = arg;
	struct sp_uas_decision d;
	struct sp_wbuf b;
	int rc;

	(void)l;
	decide(w, req, for_proxy(w, req), &d);
	if (d.registrar) {
		sp__regsvc_register(w->reg, st, req, src, w->cur.t0);
		return;
	}
	if (d.proxy) {
		to_proxy(w, st, req, src);
		return;
	}
	if (!d.status) {
		log_access(w, req, 0, d.why);
		return;
	}
	sp_wbuf_init(&b, w->out, w->out_cap);
	rc = sp_uas_reply(&b, req, &src->addr, &d, w->srv->cfg.server_name);
	if (rc == 0)
		rc = sp_tsx_respond(st, b.p, b.len);
	if (rc)
		SP_LOG_RL(SP_LOG_DEBUG, "worker %u: response %u not sent: %s", w->index, d.status,
			  strerror(-rc));
	log_access(w, req, d.status, d.why);
}

/* Answers msg without a transaction (it failed to parse or validate,
 * lacks what matching needs, or the table is full). */
static void stateless(struct worker *w, const struct sp_msg *msg, const struct sp_tsx_dest *from,
		      const struct sp_uas_decision *d)
{
	struct sp_tsx_dest to;
	struct sp_wbuf b;
	int rc;

	if (!d->status) {
		log_access(w, msg, 0, d->why);
		return;
	}
	sp_wbuf_init(&b, w->out, w->out_cap);
	rc = sp_uas_reply(&b, msg, &from->addr, d, w->srv->cfg.server_name);
	if (rc) {
		log_access(w, msg, 0, rc == -EINVAL ? "cannot answer: no Via or CSeq" : d->why);
		return;
	}
	if (msg->has_via)
		sp_response_dest(msg, from, &to);
	else
		to = *from; /* §18.2.2 needs a Via; the source is all we have */
	rc = io_send(w, &to, b.p, b.len);
	if (rc && rc != -EACCES)
		SP_LOG_RL(SP_LOG_DEBUG, "worker %u: response %u not sent: %s", w->index, d->status,
			  strerror(-rc));
	log_access(w, msg, d->status, d->why);
}

/* RFC 3261 §18.3: on a stream, a message without a usable Content-Length
 * cannot be delimited. Answer 400 from whatever headers decode (RFC 4475
 * ncl, mcl01); the transport closes the connection after this. */
static void answer_unframed(struct worker *w, const struct sp_net_rx *rx)
{
	struct sp_msg msg;
	struct sp_tsx_dest from = { .tp = rx->tp, .addr = rx->src, .conn = rx->conn };
	struct sp_uas_decision d = {
		.status = 400, .why = "stream framing: Content-Length missing or invalid"
	};
	w->cur.t0 = now_us();
	w->cur.tp = rx->tp;
	w->cur.src = &rx->src;
	w->cur.len = rx->len;
	w->cur.validate_rc = 0;
	w->cur.proxied = false;
	w->cur.parse_rc = sp_msg_parse(&msg, rx->buf, rx->len);
	if (msg.request && !(msg.method_id == SP_METHOD_ACK))
		stateless(w, &msg, &from, &d);
	sp_msg_free(&msg);
}

struct handover {
	struct worker *to;
	enum sp_transport tp;
	struct sp_sa src, local;
	size_t len;
	char buf[];
};

static void handle(struct worker *w, const char *buf, size_t len, enum sp_transport tp,
		   const struct sp_sa *src, const struct sp_sa *local, struct sp_conn *conn,
		   bool posted);

static void handover_run(void *arg)
{
	struct handover *h = arg;
	handle(h->to, h->buf, h->len, h->tp, &h->src, &h->local, NULL, true);
	sp_free(h);
}

/* DESIGN.md §3: a response whose branch names another worker goes to
 * that worker's mailbox (a copy: the receive buffer is reused). */
static void hand_over(struct worker *w, unsigned owner, const char *buf, size_t len,
		      enum sp_transport tp, const struct sp_sa *src, const struct sp_sa *local)
{
	if (owner >= w->srv->cfg.workers)
		return;
	struct handover *h = sp_malloc(sizeof(*h) + len);
	if (!h)
		return;
	h->to = &w->srv->w[owner];
	h->tp = tp;
	h->src = *src;
	if (local)
		h->local = *local;
	else
		memset(&h->local, 0, sizeof(h->local));
	h->len = len;
	memcpy(h->buf, buf, len);
	if (sp_loop_post(h->to->loop, handover_run, h) != 0)
		sp_free(h);
}

static void handle_msg(struct worker *w, const char *buf, size_t len, enum sp_transport tp,
		       const struct sp_sa *src, const struct sp_sa *local, struct sp_conn *conn,
		       bool posted)
{
	struct sp_msg msg;
	struct sp_uas_decision d;
	struct sp_tsx_dest from = { .tp = tp, .addr = *src };
	unsigned owner = 0;
	int rc;

	from.conn = tp == SP_TP_UDP ? (void *)udp_handle(w, local) : (void *)conn;
	w->cur.t0 = now_us();
	w->cur.tp = tp;
	w->cur.src = src;
	w->cur.len = len;
	w->cur.validate_rc = 0;
	w->cur.proxied = false;
	w->cur.parse_rc = sp_msg_parse(&msg, buf, len);

	if (!msg.request) {
		/* Responses: only the transaction layer wants them (RFC 4475
		 * bcast, bigcode, scalarlg and strays are dropped). */
		if (w->cur.parse_rc == 0 && msg.has_via && msg.has_cseq) {
			rc = sp_tsx_input(w->tsx, &msg, &from, &owner);
			if (rc == SP_TSX_OTHER_WORKER && !posted)
				hand_over(w, owner, buf, len, tp, src, local);
			/* RFC 3261 §16.7: a response that matches no client
			 * transaction is forwarded as a stateless proxy
			 * would (only when its top Via is ours). */
			else if ((rc == SP_TSX_STRAY || rc == SP_TSX_OTHER_WORKER) && w->proxy)
				sp__proxy_response(w->proxy, &msg);
		}
		sp_msg_free(&msg);
		return;
	}
	if (w->cur.parse_rc == 0) {
		/* RFC 3261 §16.3 step 1: the proxy checks what it uses; the
		 * rest goes on unchanged. What we answer ourselves is checked
		 * whole. */
		w->cur.proxied = w->proxy && msg.request && !sp__proxy_is_local(w->proxy, &msg);
		w->cur.validate_rc = w->cur.proxied ? sp__proxy_validate(&msg) : sp_msg_validate(&msg);
	}

	bool sound = w->cur.parse_rc == 0 && w->cur.validate_rc == 0 && msg.has_via &&
		     msg.has_from && msg.has_to && msg.has_call_id && msg.has_cseq &&
		     len <= w->srv->cfg.sip.max_message_bytes;
	if (sound && w->srv->cfg.proxy.mode == SP_PROXY_STATELESS && for_proxy(w, &msg)) {
		decide(w, &msg, true, &d);
		if (d.proxy || msg.method_id == SP_METHOD_ACK)
			sp__proxy_stateless(w->proxy, &msg, &from,
					    trusted_source(w, src) ||
						sp__proxy_from_local(w->proxy, &msg),
					    w->cur.t0);
		else
			stateless(w, &msg, &from, &d);
		sp_msg_free(&msg);
		return;
	}
	if (sound) {
		rc = sp_tsx_input(w->tsx, &msg, &from, NULL);
		switch (rc) {
		case SP_TSX_NEW: /* answered in on_request */
			sp_msg_free(&msg);
			return;
		case SP_TSX_ABSORBED:
			SP_LOG(SP_LOG_DEBUG, "worker %u: retransmission absorbed", w->index);
			sp_msg_free(&msg);
			return;
		case SP_TSX_ACK:
			/* An ACK for a 2xx: no transaction; the proxy routes
			 * it by its Route (RFC 3261 §16.11 for this one). */
			if (for_proxy(w, &msg))
				sp__proxy_stateless(w->proxy, &msg, &from, false, w->cur.t0);
			else
				log_access(w, &msg, 0, "ACK");
			sp_msg_free(&msg);
			return;
		case -EBUSY:
		case -EDQUOT: {
			/* tsx.h: the table, or this source's share of it
			 * (sip.max_transactions_per_source), is full; answer
			 * 503 statelessly. */
			struct sp_uas_decision busy = { .status = 503,
							.why = rc == -EBUSY ? "transaction table full"
									    : "source over its share" };
			if (rc == -EDQUOT) {
				char ip[SP_SA_STRLEN];
				sp_sa_print_ip(&from.addr, ip, sizeof(ip));
				SP_LOG_RL(SP_LOG_WARN,
					  "worker %u: %s has sip.max_transactions_per_source (%u) "
					  "transactions: 503",
					  w->index, ip, w->srv->cfg.sip.max_transactions_per_source);
			}
			stateless(w, &msg, &from, &busy);
			sp_msg_free(&msg);
			return;
		}
		default:
			break; /* answer statelessly below */
		}
	}
	decide(w, &msg, false, &d);
	stateless(w, &msg, &from, &d);
	sp_msg_free(&msg);
}

/* One message received (or handed over): what the proxy worked out for
 * the message before is forgotten on both sides of it. */
static void handle(struct worker *w, const char *buf, size_t len, enum sp_transport tp,
		   const struct sp_sa *src, const struct sp_sa *local, struct sp_conn *conn,
		   bool posted)
{
	if (w->proxy)
		sp__proxy_forget(w->proxy);
	handle_msg(w, buf, len, tp, src, local, conn, posted);
	if (w->proxy)
		sp__proxy_forget(w->proxy);
}

static void on_recv(struct sp_net *net, const struct sp_net_rx *rx, void *arg)
{
	(void)net;
	if (rx->unframed)
		answer_unframed(arg, rx);
	else
		handle(arg, rx->buf, rx->len, rx->tp, &rx->src, &rx->local, rx->conn, false);
}

static void net_config(const struct sp_config *cfg, const struct sp_config_listen *listen,
		       struct sp_net_listen *nl, struct sp_net_config *nc)
{
	for (unsigned i = 0; i < cfg->nlisten; i++) {
		nl[i].tp = listen[i].tp;
		nl[i].addr = listen[i].addr;
	}
	memset(nc, 0, sizeof(*nc));
	nc->listen = nl;
	nc->nlisten = cfg->nlisten;
	nc->max_conns_per_ip = cfg->tcp.max_connections_per_ip;
	nc->max_conns = cfg->tcp.max_connections;
	nc->idle_timeout_ms = cfg->tcp.idle_timeout_s * 1000u;
	nc->connect_timeout_ms = cfg->tcp.connect_timeout_s * 1000u;
	nc->max_header = cfg->sip.max_header_bytes;
	nc->max_body = cfg->sip.max_message_bytes;
	nc->dscp = cfg->sip.dscp;
}

/* sp__proxy_io.served: a served domain (or an alias of the default one). */
static bool served(void *arg, const struct sp_uri *uri, char *domain, size_t cap)
{
	struct worker *w = arg;
	int d = sp__regsvc_domain(w->srv->reg, uri->hp.host);
	if (d < 0)
		return false;
	snprintf(domain, cap, "%s", sp__regsvc_domain_name(w->srv->reg, (unsigned)d));
	return true;
}

static void *udp_conn(void *arg, const struct sp_sa *local)
{
	return (void *)udp_handle(arg, local);
}

/* The DNS servers the proxy may use: dns.servers, else the nameservers
 * of /etc/resolv.conf; either way only those inside
 * security.allow_destinations (a test's loopback-only config must never
 * make the server query the outside, /work/shared TESTING.md). Writes up
 * to max "IP:PORT" strings into buf; returns how many. quiet: say nothing
 * of the servers left out (every worker but the first). */
static unsigned dns_servers(const struct sp_config *cfg, char buf[][SP_SA_STRLEN], unsigned max,
			    bool quiet)
{
	struct sp_sa cand[SP_CONFIG_MAX_DNS];
	unsigned n = 0, k = 0;

	if (cfg->dns.nservers) {
		for (unsigned i = 0; i < cfg->dns.nservers; i++)
			cand[n++] = cfg->dns.servers[i];
	} else {
		FILE *f = fopen("/etc/resolv.conf", "r");
		char line[256], ip[128];
		while (f && n < SP_CONFIG_MAX_DNS && fgets(line, sizeof(line), f))
			if (sscanf(line, " nameserver %127s", ip) == 1 &&
			    sp_sa_parse(&cand[n], sp_str_c(ip), 53) == 0)
				n++;
		if (f)
			fclose(f);
	}
	for (unsigned i = 0; i < n && k < max; i++) {
		if (!sp_config_dest_allowed(cfg, &cand[i])) {
			sp_sa_print(&cand[i], buf[k], SP_SA_STRLEN);
			if (!quiet)
				SP_LOG(SP_LOG_INFO, "dns: server %s is outside "
						    "security.allow_destinations: not used", buf[k]);
			continue;
		}
		sp_sa_print(&cand[i], buf[k], SP_SA_STRLEN);
		k++;
	}
	return k;
}

/* This worker's resolver, or NULL (no usable server: next hops must then
 * be IP addresses). */
static int dns_setup(struct worker *w)
{
	const struct sp_config *cfg = &w->srv->cfg;
	char srv[SP_CONFIG_MAX_DNS][SP_SA_STRLEN];
	const char *list[SP_CONFIG_MAX_DNS];
	unsigned n = dns_servers(cfg, srv, SP_CONFIG_MAX_DNS, w->index != 0);

	if (!n) {
		if (w->index == 0)
			SP_LOG(SP_LOG_INFO, "dns: no usable server: next hops must be IP addresses");
		return 0;
	}
	for (unsigned i = 0; i < n; i++)
		list[i] = srv[i];
	struct sp_dns_config dc = {
		.servers = list,
		.nservers = n,
		.timeout_ms = cfg->dns.timeout_ms,
		.enum_suffix = cfg->dns.enum_suffix,
		.transports = SP_DNS_TP(SP_TP_UDP) | SP_DNS_TP(SP_TP_TCP),
		/* RFC 3263 §4.4: a stateless proxy needs one order. */
		.deterministic = cfg->proxy.mode == SP_PROXY_STATELESS,
	};
	return sp_dns_create(&w->dns, w->loop, &dc);
}

static void worker_free(struct worker *w)
{
	sp__regsvc_worker_destroy(w->reg);
	w->reg = NULL;
	sp_tsx_layer_destroy(w->tsx);
	w->tsx = NULL;
	sp__proxy_worker_destroy(w->proxy); /* after the layer: no callbacks left */
	w->proxy = NULL;
	sp_dns_destroy(w->dns); /* after the proxy: its lookups are cancelled */
	w->dns = NULL;
	sp_net_destroy(w->net);
	w->net = NULL;
	sp_free(w->out);
	w->out = NULL;
}

/* proxy.worker_ports (docs/config.md): a UDP port of its own per worker,
 * on the first specific (not wildcard) UDP address of each family, for
 * the Via of the requests its stateful proxy forwards: their responses
 * then reach the worker that owns the transaction directly, instead of
 * the one the kernel's SO_REUSEPORT hash of the peer's address picks,
 * which hands them over (DESIGN.md §3). All are reserved here, before any
 * worker binds, so that every worker knows every one (loop detection,
 * sp__pxy_hostport_is_self). Without them nothing changes. */
static void reserve_worker_ports(struct sp_server *s)
{
	const struct sp_config *cfg = &s->cfg;
	size_t n = (size_t)cfg->workers * 2;

	if (!cfg->proxy.worker_ports || cfg->proxy.mode != SP_PROXY_STATEFUL || cfg->workers < 2 ||
	    n + cfg->nlisten > SP__PXY_SELF_MAX / 2)
		return;
	s->own = sp_malloc(n * sizeof(*s->own));
	s->own_fd = sp_malloc(n * sizeof(*s->own_fd));
	if (!s->own || !s->own_fd) {
		sp_free(s->own);
		sp_free(s->own_fd);
		s->own = NULL;
		s->own_fd = NULL;
		return;
	}
	memset(s->own, 0, n * sizeof(*s->own));
	for (size_t i = 0; i < n; i++)
		s->own_fd[i] = -1;
	for (unsigned f = 0; f < 2; f++) {
		const struct sp_config_listen *l = NULL;
		for (unsigned i = 0; i < cfg->nlisten && !l; i++)
			if (cfg->listen[i].tp == SP_TP_UDP &&
			    sp_sa_family(&cfg->listen[i].addr) == (f ? AF_INET6 : AF_INET) &&
			    !sp_sa_is_any(&cfg->listen[i].addr))
				l = &cfg->listen[i];
		for (unsigned k = 0; l && k < cfg->workers; k++) {
			struct sp_config_listen *o = &s->own[k * 2 + f];
			int fd = sp_net_reserve_udp(&l->addr, &o->addr);
			if (fd < 0) {
				/* All or none for a family: no worker of it
				 * then has its own port. */
				for (unsigned j = 0; j <= k; j++) {
					sp_net_unreserve(s->own_fd[j * 2 + f]);
					s->own_fd[j * 2 + f] = -1;
					memset(&s->own[j * 2 + f], 0, sizeof(*o));
				}
				SP_LOG(SP_LOG_WARN, "proxy.worker_ports: %s", strerror(-fd));
				break;
			}
			o->tp = SP_TP_UDP;
			s->own_fd[k * 2 + f] = fd;
		}
	}
}

/* Closes the placeholders of reserve_worker_ports (the workers are bound). */
static void unreserve_worker_ports(struct sp_server *s)
{
	for (size_t i = 0; s->own_fd && i < (size_t)s->cfg.workers * 2; i++) {
		sp_net_unreserve(s->own_fd[i]);
		s->own_fd[i] = -1;
	}
}

static int worker_setup(struct sp_loop *loop, unsigned index, void *arg)
{
	struct sp_server *s = arg;
	struct worker *w = &s->w[index];
	const struct sp_config *cfg = &s->cfg;
	struct sp_net_listen nl[SP_CONFIG_MAX_LISTEN + 2];
	const struct sp_config_listen *own = s->own ? &s->own[index * 2] : NULL;
	struct sp_net_config nc;
	int rc;

	w->srv = s;
	w->index = index;
	w->loop = loop;
	w->out_cap = cfg->sip.max_message_bytes + 4096;
	w->out = sp_malloc(w->out_cap);
	if (!w->out) {
		rc = -ENOMEM;
		goto fail;
	}

	/* Worker 0 binds first; the others wait for its real ports. */
	if (index > 0) {
		pthread_mutex_lock(&s->lock);
		while (s->bound_state == 0)
			pthread_cond_wait(&s->cond, &s->lock);
		rc = s->bound_state < 0 ? -ECANCELED : 0;
		pthread_mutex_unlock(&s->lock);
		if (rc)
			goto fail;
	}
	net_config(cfg, index ? s->bound : cfg->listen, nl, &nc);
	for (unsigned f = 0; own && f < 2; f++)
		if (own[f].addr.len)
			nl[nc.nlisten++] = (struct sp_net_listen){.tp = SP_TP_UDP, .addr = own[f].addr};
	rc = sp_net_create(&w->net, loop, &nc, on_recv, NULL, w);
	if (index == 0) {
		pthread_mutex_lock(&s->lock);
		if (rc == 0) {
			for (unsigned i = 0; i < cfg->nlisten; i++) {
				s->bound[i] = cfg->listen[i];
				s->bound[i].addr = *sp_net_local(w->net, i);
			}
			sp__pxy_self_init(&s->self, s->bound, cfg->nlisten);
			for (size_t i = 0; s->own && i < (size_t)cfg->workers * 2; i++)
				if (s->own[i].addr.len)
					sp__pxy_self_add(&s->self, &s->own[i]);
		}
		s->bound_state = rc ? rc : 1;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
	}
	if (rc)
		goto fail;

	struct sp_tsx_config tc = {
		.t1 = cfg->sip.t1_ms,
		.t2 = cfg->sip.t2_ms,
		.t4 = cfg->sip.t4_ms,
		.max_tsx = cfg->sip.max_transactions,
		/* Bounded memory per peer (a flood from one address fills its
		 * own share, not the table). */
		.max_per_source = cfg->sip.max_transactions_per_source,
		.unlimited = unlimited_source,
		.unlimited_arg = w,
	};
	struct sp_tsx_io io = { .send = io_send, .hold = io_hold, .release = io_release, .arg = w };
	rc = sp_tsx_layer_create(&w->tsx, loop, &tc, &io, index, cfg->workers, on_request, w);
	if (rc)
		goto fail;
	rc = sp__regsvc_worker_create(&w->reg, s->reg, loop, index);
	if (rc)
		goto fail;
	if (cfg->proxy.mode != SP_PROXY_OFF) {
		rc = dns_setup(w);
		if (rc)
			goto fail;
		struct sp__proxy_io pio = {
			.dns = w->dns,
			.loop = loop,
			.tsx = w->tsx,
			.worker = index,
			.cfg = &s->cfg,
			.self = &s->self,
			.loc = sp__regsvc_location(s->reg),
			.served = served,
			.send = io_send,
			.udp_conn = udp_conn,
			.arg = w,
		};
		for (unsigned f = 0; own && f < 2; f++)
			pio.own_udp[f] = own[f];
		rc = sp__proxy_worker_create(&w->proxy, &pio);
		if (rc)
			goto fail;
	}
	return 0;
fail:
	if (index == 0) {
		/* Never leave the other workers waiting for our ports. */
		pthread_mutex_lock(&s->lock);
		if (s->bound_state == 0)
			s->bound_state = rc;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
	}
	worker_free(w);
	return rc;
}

static void worker_teardown(struct sp_loop *loop, unsigned index, void *arg)
{
	struct sp_server *s = arg;
	(void)loop;
	worker_free(&s->w[index]);
}

int sp_server_start(struct sp_server **out, const struct sp_config *cfg)
{
	struct sp_server *s;
	int rc;

	if (!cfg->workers || !cfg->nlisten)
		return -EINVAL;
	s = sp_malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	s->w = sp_malloc(cfg->workers * sizeof(*s->w));
	if (!s->w) {
		sp_free(s);
		return -ENOMEM;
	}
	memset(s->w, 0, cfg->workers * sizeof(*s->w));
	rc = sp__regsvc_create(&s->reg, cfg);
	if (rc) {
		sp_free(s->w);
		sp_free(s);
		return rc;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);

	reserve_worker_ports(s);
	rc = sp_workers_start(&s->workers, cfg->workers, worker_setup, worker_teardown, s);
	unreserve_worker_ports(s);
	if (rc) {
		sp_free(s->own);
		sp_free(s->own_fd);
		sp__regsvc_destroy(s->reg);
		pthread_cond_destroy(&s->cond);
		pthread_mutex_destroy(&s->lock);
		sp_free(s->w);
		sp_free(s);
		return rc;
	}
	for (unsigned i = 0; i < cfg->nlisten; i++) {
		char buf[SP_SA_STRLEN + 8];
		sp_config_listen_print(&s->bound[i], buf, sizeof(buf));
		SP_LOG(SP_LOG_INFO, "listening on %s (%u workers)", buf, cfg->workers);
	}
	*out = s;
	return 0;
}

const struct sp_config_listen *sp_server_listen(const struct sp_server *s, unsigned i)
{
	return i < s->cfg.nlisten ? &s->bound[i] : NULL;
}

unsigned sp_server_nlisten(const struct sp_server *s)
{
	return s->cfg.nlisten;
}

void sp_server_stop(struct sp_server *s)
{
	if (!s)
		return;
	sp__regsvc_quiesce(s->reg);
	sp_workers_stop(s->workers);
	sp__regsvc_destroy(s->reg);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	sp_free(s->own);
	sp_free(s->own_fd);
	sp_free(s->w);
	sp_free(s);
}
