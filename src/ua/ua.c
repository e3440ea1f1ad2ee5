/*
 * The UA (ua.h): creation, its sockets and transaction layer, the receive
 * path and the helpers every other UA file uses (sending, destinations,
 * Via, tags, responses).
 *
 *   datagram or framed TCP message
 *     -> sp_msg_parse (+ sp_msg_validate for requests)
 *     -> sp_tsx_input: responses to our client transactions; new requests
 *        to sp__ua_on_request (ua_uas.c); an ACK for a 2xx to the dialog
 *        (sp__ua_on_ack); a 2xx retransmission that outlived its
 *        transaction is re-ACKed (RFC 3261 §13.2.2.4)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "siphon/log.h"
#include "siphon/mem.h"
#include "siphon/response.h"

#include "ua_int.h"

void sp__ua_token(char *buf, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t r[64];

	if (n > sizeof(r))
		n = sizeof(r);
	if (getrandom(r, n, GRND_NONBLOCK) != (ssize_t)n) {
		static uint64_t x = 88172645463325252ull;
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			r[i] = (uint8_t)x;
		}
	}
	for (size_t i = 0; i < n; i++)
		buf[i] = hex[r[i] & 15];
	buf[n] = 0;
}

int sp__ua_send(struct sp_ua *ua, const struct sp_tsx_dest *d, const void *buf, size_t len)
{
	if (!ua->net)
		return -ESHUTDOWN;
	if (sp__ua_dest_pending(d))
		return sp__ua_name_send(ua, d, buf, len);
	if (ua->cfg.trace)
		ua->cfg.trace(ua->cfg.trace_arg, true, &d->addr, buf, len);
	if (ua->cfg.send)
		return ua->cfg.send(ua->cfg.send_arg, d, buf, len);
	switch (d->tp) {
	case SP_TP_UDP:
		return sp_net_send_udp(ua->net, NULL, &d->addr, buf, len);
	case SP_TP_TCP: {
		struct sp_conn *c = d->conn;
		if (c && sp_conn_alive(c))
			return sp_conn_send(c, buf, len);
		return sp_net_send_tcp(ua->net, NULL, &d->addr, buf, len);
	}
	default:
		return -EPROTONOSUPPORT;
	}
}

static int io_send(void *arg, const struct sp_tsx_dest *to, const void *buf, size_t len)
{
	return sp__ua_send(arg, to, buf, len);
}

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

int sp__ua_uri_dest(struct sp_ua *ua, const struct sp_uri *uri, bool out_of_dialog,
		    struct sp_tsx_dest *d)
{
	memset(d, 0, sizeof(*d));
	/* RFC 3261 §8.1.2: an outbound proxy takes every request outside a
	 * dialog. */
	if (out_of_dialog && ua->has_server) {
		*d = ua->server;
		return 0;
	}
	if (uri->scheme != SP_URI_SIP && uri->scheme != SP_URI_SIPS)
		return -EDESTADDRREQ;
	uint16_t port = uri->hp.has_port ? uri->hp.port : 5060;
	d->tp = ua->cfg.tp;
	/* RFC 3263 §4: maddr, when present, names where the request goes. */
	if (sp_sa_from_host(&d->addr, uri->maddr.p ? uri->maddr : uri->hp.host, port) != 0) {
		int rc = sp__ua_name_dest(ua, uri, d);
		if (rc || sp__ua_dest_pending(d))
			return rc; /* the lookup chose the transport */
	}
	if (uri->transport.p)
		d->tp = sp_str_caseeq_c(uri->transport, "tcp") ? SP_TP_TCP : SP_TP_UDP;
	if (d->tp == SP_TP_TCP && ua->cfg.tp != SP_TP_TCP)
		return -EPROTONOSUPPORT; /* no TCP socket of ours to name in Via */
	return 0;
}

/* Sends what goes to the server to servers[i] from now on, with a Route
 * naming it (RFC 3261 §8.1.2). */
static void use_server(struct sp_ua *ua, unsigned i)
{
	char s[SP_SA_STRLEN];
	ua->server_idx = i;
	ua->server.tp = ua->cfg.tp;
	ua->server.addr = ua->servers[i];
	sp_sa_print(&ua->servers[i], s, sizeof(s));
	snprintf(ua->route, sizeof(ua->route), "Route: <sip:%s;lr%s>\r\n", s,
		 ua->cfg.tp == SP_TP_TCP ? ";transport=tcp" : "");
}

int sp_ua_add_server(struct sp_ua *ua, const struct sp_sa *addr)
{
	if (!ua->has_server || !addr || !addr->len)
		return -EINVAL;
	if (ua->nservers == UA_SERVERS)
		return -ENOSPC;
	ua->servers[ua->nservers++] = *addr;
	return 0;
}

static bool server_failover(struct sp_ua *ua, const struct sp_sa *failed, unsigned tries)
{
	if (!ua->has_server || tries + 1 >= ua->nservers)
		return false;
	if (sp_sa_eq(failed, &ua->server.addr)) {
		char s[SP_SA_STRLEN];
		sp_sa_print(failed, s, sizeof(s));
		use_server(ua, (ua->server_idx + 1) % ua->nservers);
		SP_LOG(SP_LOG_WARN, "ua: server %s failed: trying the next address (RFC 3263 §4.3)",
		       s);
	}
	return true;
}

bool sp__ua_failover(struct sp_ua *ua, const struct sp_tsx_dest *failed, unsigned tries)
{
	if (ua->has_server)
		return server_failover(ua, &failed->addr, tries);
	return sp__ua_name_failover(ua, failed, tries);
}

int sp__ua_via(struct sp_ua *ua, char *buf, size_t cap)
{
	char branch[64];
	int n = sp_tsx_branch(ua->tsx, branch, sizeof(branch));
	if (n < 0)
		return n;
	/* RFC 3581: rport, so a response finds us behind a NAT. */
	n = snprintf(buf, cap, "SIP/2.0/%s %s;branch=%s;rport", sp_transport_name(ua->cfg.tp),
		     ua->host, branch);
	return n > 0 && (size_t)n < cap ? 0 : -ENOSPC;
}

int sp__ua_target(struct sp_ua *ua, const char *target, char *out, size_t cap)
{
	struct sp_uri uri;
	struct sp_parse_error err;
	int n;

	if (!target || !*target)
		return -EINVAL;
	if (!strncasecmp(target, "sip:", 4) || !strncasecmp(target, "sips:", 5))
		n = snprintf(out, cap, "%s", target);
	else if (strchr(target, '@'))
		n = snprintf(out, cap, "sip:%s", target);
	else
		n = snprintf(out, cap, "sip:%s@%s", target, ua->domain);
	if (n <= 0 || (size_t)n >= cap)
		return -EINVAL;
	if (sp_uri_parse(&uri, sp_str_c(out), SP_URI_NO_OTHER | SP_URI_NO_HEADERS, &err) != 0 ||
	    uri.scheme == SP_URI_TEL)
		return -EINVAL;
	return 0;
}

int sp__ua_build_response(struct sp_ua *ua, struct sp_wbuf *b, const struct sp_msg *req,
			  const struct sp_sa *src, unsigned status, const char *to_tag,
			  const char *headers, struct sp_str ctype, struct sp_str body)
{
	char hdrs[8192];
	int n = snprintf(hdrs, sizeof(hdrs), "%sServer: %s\r\n", headers ? headers : "",
			 ua->user_agent);
	if (n <= 0 || (size_t)n >= sizeof(hdrs))
		return -ENOSPC;
	struct sp_response r = {
		.code = status,
		.to_tag = sp_str_c(to_tag),
		.headers = sp_str_c(hdrs),
		.content_type = ctype,
		.body = body,
	};
	return sp_response_build(b, req, src, &r);
}

int sp__ua_respond(struct sp_ua *ua, struct sp_tsx *st, const struct sp_msg *req,
		   const struct sp_tsx_dest *src, unsigned status, const char *to_tag,
		   const char *headers, struct sp_str ctype, struct sp_str body)
{
	struct sp_wbuf b;
	sp_wbuf_init(&b, ua->out, sizeof(ua->out));
	int rc = sp__ua_build_response(ua, &b, req, src ? &src->addr : NULL, status, to_tag,
				       headers, ctype, body);
	return rc ? rc : sp_tsx_respond(st, b.p, b.len);
}

void sp__ua_input(struct sp_ua *ua, const char *buf, size_t len, const struct sp_tsx_dest *from)
{
	struct sp_msg msg;
	int rc = sp_msg_parse(&msg, buf, len);

	if (rc == 0 && msg.request)
		rc = sp_msg_validate(&msg);
	if (rc || !msg.has_via || !msg.has_cseq || !msg.has_call_id || !msg.has_from ||
	    !msg.has_to) {
		SP_LOG_RL(SP_LOG_DEBUG, "ua: dropped a malformed message (%s)",
			  msg.error.rule ? msg.error.rule : "missing headers");
		sp_msg_free(&msg);
		return;
	}
	rc = sp_tsx_input(ua->tsx, &msg, from, NULL);
	if (rc == SP_TSX_ACK)
		sp__ua_on_ack(ua, &msg);
	else if ((rc == SP_TSX_STRAY || rc == SP_TSX_OTHER_WORKER) && !msg.request &&
		 msg.status >= 200 && msg.status < 300 && msg.cseq.method_id == SP_METHOD_INVITE)
		sp__ua_uac_stray_2xx(ua, &msg);
	sp_msg_free(&msg);
}

static void on_recv(struct sp_net *net, const struct sp_net_rx *rx, void *arg)
{
	struct sp_tsx_dest from = { .tp = rx->tp, .addr = rx->src, .conn = rx->conn };
	struct sp_ua *ua = arg;
	(void)net;
	if (ua->cfg.trace)
		ua->cfg.trace(ua->cfg.trace_arg, false, &rx->src, rx->buf, rx->len);
	if (rx->unframed)
		return;
	sp__ua_input(arg, rx->buf, rx->len, &from);
}

static void copy(char *dst, const char *src, size_t cap)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static int bind_sockets(struct sp_ua *ua)
{
	struct sp_net_listen nl[2] = {
		{ .tp = SP_TP_UDP, .addr = ua->cfg.local },
		{ .tp = SP_TP_TCP, .addr = ua->cfg.local },
	};
	/* Signalling marked CS3 (DSCP 24, RFC 4594 §4.2) unless configured,
	 * as siphon serve's sip.dscp default; the media session marks RTP. */
	struct sp_net_config nc = { .listen = nl, .nlisten = 1,
				    .dscp = ua->cfg.dscp ? ua->cfg.dscp : 24 };
	int rc;

	if (ua->cfg.tp != SP_TP_TCP)
		return sp_net_create(&ua->net, ua->loop, &nc, on_recv, NULL, ua);
	/* TCP and UDP on one port: take an ephemeral UDP port, then try to
	 * bind both on it (a few times, another process may take it). */
	for (int i = 0; i < 8; i++) {
		struct sp_sa addr = ua->cfg.local;
		if (!sp_sa_port(&addr)) {
			struct sp_net *probe;
			nc.nlisten = 1;
			nl[0].addr = addr;
			rc = sp_net_create(&probe, ua->loop, &nc, on_recv, NULL, ua);
			if (rc)
				return rc;
			addr = *sp_net_local(probe, 0);
			sp_net_destroy(probe);
		}
		nl[0].addr = nl[1].addr = addr;
		nc.nlisten = 2;
		rc = sp_net_create(&ua->net, ua->loop, &nc, on_recv, NULL, ua);
		if (rc != -EADDRINUSE || sp_sa_port(&ua->cfg.local))
			return rc;
	}
	return rc;
}

int sp_ua_create(struct sp_ua **out, const struct sp_ua_config *cfg)
{
	struct sp_ua *ua;
	int rc;

	if (!cfg || !cfg->loop || !cfg->user || !*cfg->user || !cfg->local.len ||
	    sp_sa_is_any(&cfg->local))
		return -EINVAL;
	if ((cfg->tp != 0 && cfg->tp != SP_TP_UDP && cfg->tp != SP_TP_TCP) || cfg->dscp < -1 ||
	    cfg->dscp > 63)
		return -EINVAL;
	ua = sp_malloc(sizeof(*ua));
	if (!ua)
		return -ENOMEM;
	memset(ua, 0, sizeof(*ua));
	ua->cfg = *cfg;
	if (!ua->cfg.tp)
		ua->cfg.tp = SP_TP_UDP;
	if (!ua->cfg.max_calls)
		ua->cfg.max_calls = 1;
	ua->loop = cfg->loop;
	copy(ua->user, cfg->user, sizeof(ua->user));
	copy(ua->auth_user, cfg->auth_user ? cfg->auth_user : cfg->user, sizeof(ua->auth_user));
	copy(ua->password, cfg->password, sizeof(ua->password));
	copy(ua->display, cfg->display, sizeof(ua->display));
	copy(ua->user_agent, cfg->user_agent ? cfg->user_agent : "siphon", sizeof(ua->user_agent));
	ua->cfg.user = ua->cfg.domain = ua->cfg.auth_user = ua->cfg.password = NULL;
	ua->cfg.display = ua->cfg.user_agent = NULL;
	ua->t1 = cfg->tsx && cfg->tsx->t1 ? cfg->tsx->t1 : SP_TSX_T1_MS;
	ua->t2 = cfg->tsx && cfg->tsx->t2 ? cfg->tsx->t2 : SP_TSX_T2_MS;
	if (cfg->tsx)
		ua->cfg.tsx = NULL; /* not kept: copied into the layer below */
	sp_timer_init(&ua->reg.refresh);
	sp_timer_init(&ua->reg.keepalive);
	sp_timer_init(&ua->reg.pong_wait);

	rc = bind_sockets(ua);
	if (rc)
		goto fail;
	ua->local = *sp_net_local(ua->net, ua->cfg.tp == SP_TP_TCP ? 1 : 0);
	sp_sa_print(&ua->local, ua->host, sizeof(ua->host));

	struct sp_tsx_io io = { .send = io_send, .hold = io_hold, .release = io_release, .arg = ua };
	rc = sp_tsx_layer_create(&ua->tsx, ua->loop, cfg->tsx, &io, 0, 1, sp__ua_on_request, ua);
	if (rc)
		goto fail;
	rc = sp_dialog_table_create(&ua->dialogs);
	if (rc)
		goto fail;

	if (cfg->server.len) {
		ua->has_server = true;
		ua->servers[ua->nservers++] = cfg->server;
		use_server(ua, 0);
	}
	if (cfg->domain && *cfg->domain) {
		copy(ua->domain, cfg->domain, sizeof(ua->domain));
	} else {
		char ip[SP_SA_STRLEN];
		const struct sp_sa *d = cfg->server.len ? &cfg->server : &ua->local;
		sp_sa_print_ip(d, ip, sizeof(ip));
		if (sp_sa_family(d) == AF_INET6)
			snprintf(ua->domain, sizeof(ua->domain), "[%s]", ip);
		else
			copy(ua->domain, ip, sizeof(ua->domain));
	}
	snprintf(ua->aor, sizeof(ua->aor), "sip:%s@%s", ua->user, ua->domain);
	snprintf(ua->contact, sizeof(ua->contact), "<sip:%s@%s%s>", ua->user, ua->host,
		 ua->cfg.tp == SP_TP_TCP ? ";transport=tcp" : "");
	*out = ua;
	return 0;
fail:
	sp_dialog_table_destroy(ua->dialogs);
	sp_tsx_layer_destroy(ua->tsx);
	sp_net_destroy(ua->net);
	sp_free(ua);
	return rc;
}

void sp_ua_destroy(struct sp_ua *ua)
{
	if (!ua)
		return;
	sp__ua_reg_stop(ua);
	while (ua->calls) {
		struct sp_ua_call *c = ua->calls;
		c->ua = NULL;
		ua->calls = c->next;
		c->next = NULL;
		sp_timer_stop(&c->t_answer);
		sp_timer_stop(&c->t_retx);
		sp_timer_stop(&c->t_noack);
		sp__ua_indialog_stop(c);
		sp__ua_refer_stop(c);
		if (c->state != SP_UA_CALL_ENDED) {
			c->state = SP_UA_CALL_ENDED;
			c->reason = "UA destroyed";
			c->ended_at = sp_loop_now(ua->loop);
		}
		sp__ua_drop_tsx(&c->ict);
		sp__ua_drop_tsx(&c->ist);
		sp__ua_drop_tsx(&c->bye);
		c->dlg = sp_mem_deref(c->dlg);
		sp_mem_deref(c);
	}
	sp__ua_ood_release_all(ua, true);
	/* No callbacks from here: the layer terminates silently. */
	sp_tsx_layer_destroy(ua->tsx);
	sp__ua_names_destroy(ua);
	sp__ua_ood_release_all(ua, false);
	sp_dialog_table_destroy(ua->dialogs);
	sp_net_destroy(ua->net);
	explicit_bzero(ua->password, sizeof(ua->password));
	sp_free(ua);
}

const struct sp_sa *sp_ua_local(const struct sp_ua *ua)
{
	return &ua->local;
}

unsigned sp_ua_active_calls(const struct sp_ua *ua)
{
	unsigned n = 0;
	for (const struct sp_ua_call *c = ua->calls; c; c = c->next)
		n += c->state != SP_UA_CALL_ENDED;
	return n;
}

unsigned sp_ua_pending(const struct sp_ua *ua)
{
	return ua->nood;
}

struct sp_str sp__ua_media_type(const struct sp_msg *msg)
{
	const struct sp_hdr *h = sp_msg_hdr(msg, SP_HDR_CONTENT_TYPE);
	if (!h)
		return SP_STR_NULL;
	const char *p = h->value.p, *e = memchr(p, ';', h->value.len);
	if (!e)
		e = p + h->value.len;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return (struct sp_str){ p, (size_t)(e - p) };
}
