/*
 * RFC 3261 §16.5: where a request goes (proxy_int.h). The sources, in
 * order: a Route left after §16.4 (loose routing: the Request-URI stays);
 * the location service for a served domain (bindings ordered by q, then
 * newest first; GRUUs reach their instance, RFC 5627 §6.1; a Path becomes
 * Route values, RFC 3327 §5.3); the static routes of the configuration;
 * DNS (RFC 3263) for the rest. No enumeration: an unknown user and a
 * known one without bindings get the same answer (issue 5).
 */
#include <errno.h>
#include <string.h>

#include "siphon/location.h"

#include "proxy_int.h"

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static bool host_eq(struct sp_str host, const char *name)
{
	size_t n = strlen(name);
	if (host.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower((unsigned char)host.p[i]) != name[i])
			return false;
	return true;
}

int sp__pxy_resolve_literal(const struct sp_uri *uri, enum sp_transport *tp, struct sp_sa *addr)
{
	struct sp_str host = uri->hp.host;
	uint16_t port;

	if (uri->scheme != SP_URI_SIP && uri->scheme != SP_URI_SIPS)
		return -EINVAL;
	/* RFC 3263 §4.1: the transport parameter, else UDP (sip) or TLS
	 * (sips). */
	if (uri->transport.p)
		*tp = sp_transport_lookup(uri->transport);
	else
		*tp = uri->scheme == SP_URI_SIPS ? SP_TP_TLS : SP_TP_UDP;
	if (*tp != SP_TP_UDP && *tp != SP_TP_TCP)
		return -EPROTONOSUPPORT;
	/* §4.2: the port, else the transport's default. */
	port = uri->hp.has_port ? uri->hp.port : uri->scheme == SP_URI_SIPS ? 5061 : 5060;
	if (uri->maddr.p)
		host = uri->maddr;
	if (host_eq(host, "localhost"))
		host = SP_STR("127.0.0.1");
	if (sp_sa_from_host(addr, host, port) == 0)
		return 0;
	return host.len ? -EAGAIN : -EINVAL;
}

bool sp__pxy_served(const struct sp__pxy_env *env, const struct sp_uri *uri, char *domain,
		    size_t cap)
{
	struct sp_sa sa;

	if (uri->scheme != SP_URI_SIP && uri->scheme != SP_URI_SIPS)
		return false;
	if (sp_sa_from_host(&sa, uri->hp.host, 0) == 0) {
		/* An IP literal: ours, at our port or with none written. */
		bool ours = false;
		for (unsigned i = 0; i < env->self->n && !ours; i++)
			ours = sp_sa_ip_eq(&env->self->addr[i].addr, &sa) &&
			       (!uri->hp.has_port ||
				sp_sa_port(&env->self->addr[i].addr) == uri->hp.port);
		if (!ours)
			return false;
	}
	return env->served(env->arg, uri, domain, cap);
}

bool sp__pxy_number(const struct sp_uri *uri, char *out, size_t cap)
{
	size_t n = 0;

	if (uri->scheme == SP_URI_SIP || uri->scheme == SP_URI_SIPS) {
		if (!uri->user_param.p || !sp_str_caseeq(uri->user_param, SP_STR("phone")))
			return false;
	} else if (uri->scheme != SP_URI_TEL) {
		return false;
	}
	for (size_t i = 0; i < uri->user.len; i++) {
		char c = uri->user.p[i];
		if (c == ';')
			break; /* tel: parameters, or user=phone's number params */
		if (c == '-' || c == '.' || c == '(' || c == ')')
			continue; /* RFC 3966 §5.1.1 visual separators */
		if (n + 1 >= cap)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return n > 0;
}

/* The first static route that takes uri, or NULL. */
static const struct sp_config_route *route_for(const struct sp_config *cfg,
					       const struct sp_uri *uri)
{
	char num[SP_CONFIG_NAME_MAX];
	bool is_num = sp__pxy_number(uri, num, sizeof(num));

	for (unsigned i = 0; i < cfg->nroutes; i++) {
		const struct sp_config_route *r = &cfg->routes[i];
		switch (r->match) {
		case SP_ROUTE_DOMAIN:
			if ((uri->scheme == SP_URI_SIP || uri->scheme == SP_URI_SIPS) &&
			    host_eq(uri->hp.host, r->value))
				return r;
			break;
		case SP_ROUTE_PREFIX:
			if (is_num && strncmp(num, r->value, strlen(r->value)) == 0)
				return r;
			break;
		case SP_ROUTE_DEFAULT:
			return r;
		}
	}
	return NULL;
}

static void one(struct sp__pxy_targets *out, struct sp_str ruri, struct sp_str dest)
{
	out->kind = SP__PXY_T_FORWARD;
	out->t[0] = (struct sp__pxy_target){.ruri = ruri, .dest = dest, .q = 1000};
	out->n = 1;
}

static void refuse(struct sp__pxy_targets *out, enum sp__pxy_targets_kind kind, uint16_t status,
		   const char *why)
{
	out->kind = kind;
	out->status = status;
	out->why = why;
}

int sp__pxy_targets(const struct sp__pxy_env *env, const struct sp_msg *req,
		    const struct sp__pxy_routing *routing, bool from_local,
		    struct sp__pxy_targets *out)
{
	struct sp_uri ruri;
	struct sp_location_snap snap;
	char domain[256];
	int rc;

	/* Only the header: t[i] is written as it is filled (i < n). */
	out->kind = SP__PXY_T_FORWARD;
	out->status = 0;
	out->why = NULL;
	out->n = 0;
	out->redirect = SP_STR_NULL;
	/* §16.4 / §16.6 step 7: loose routing; the Route decides. A Route
	 * that is not ours is followed for our own users, and inside a
	 * dialog we record-routed; a preloaded Route from anyone else would
	 * make us an open relay. */
	if (routing->next) {
		if (!from_local && !(req->to.tag.p && routing->ndrop)) {
			refuse(out, SP__PXY_T_DENIED, 403, "relaying denied: a Route to elsewhere");
			return 0;
		}
		one(out, routing->ruri, routing->next_uri.raw);
		return 0;
	}
	if (routing->strict_fixed || routing->retargeted) {
		if (sp_uri_parse(&ruri, routing->ruri, 0, NULL) != 0) {
			refuse(out, SP__PXY_T_NOT_FOUND, 400, "Request-URI: bad URI");
			return 0;
		}
	} else {
		ruri = req->ruri;
	}
	/* §16.5: a served domain: the location service. */
	if (sp__pxy_served(env, &ruri, domain, sizeof(domain))) {
		rc = sp_location_lookup_uri_in(env->loc, &ruri, sp_str_c(domain), env->now_ms, &snap);
		if (rc == -ENOMEM)
			return rc;
		if (rc == -ENOENT) {
			refuse(out, SP__PXY_T_NOT_FOUND, 404, "GRUU unknown or invalidated");
			return 0;
		}
		if (rc == 0 && snap.n) {
			out->kind = SP__PXY_T_FORWARD;
			for (unsigned i = 0; i < snap.n; i++) {
				struct sp_binding *b = snap.b[i];
				if (out->n == SP__PXY_TARGETS_MAX) {
					sp_binding_deref(b);
					continue;
				}
				struct sp__pxy_target *t = &out->t[out->n++];
				t->ruri = b->uri;
				/* RFC 3327 §5.3: the Path values become the
				 * route set; the first is the next hop. */
				t->path = b->path;
				t->npath = b->npath;
				t->dest = b->npath ? b->path[0] : b->uri;
				t->q = b->q;
				t->b = b; /* the snapshot's reference moves here */
			}
			snap.n = 0;
			sp_location_snap_free(&snap);
			return 0;
		}
		sp_location_snap_free(&snap);
		/* A number in our domain may still have a static route. */
		const struct sp_config_route *r = route_for(env->cfg, &ruri);
		if (r && r->match == SP_ROUTE_PREFIX && !*r->redirect) {
			one(out, routing->ruri, sp_str_c(r->next_hop));
			return 0;
		}
		/* Unknown user or no binding: one answer (no enumeration). */
		refuse(out, SP__PXY_T_NOT_FOUND, (uint16_t)env->cfg->proxy.unknown_user_status,
		       "no binding for the Request-URI");
		return 0;
	}
	/* Another domain: only for our own users (or inside a dialog we
	 * record-routed, whose Route we just removed). */
	if (!from_local && !(req->to.tag.p && routing->ndrop)) {
		refuse(out, SP__PXY_T_DENIED, 403, "relaying denied: neither From nor "
						   "Request-URI in a served domain");
		return 0;
	}
	const struct sp_config_route *r = route_for(env->cfg, &ruri);
	if (r && *r->redirect) {
		out->kind = SP__PXY_T_REDIRECT;
		out->redirect = sp_str_c(r->redirect);
		return 0;
	}
	if (r) {
		one(out, routing->ruri, sp_str_c(r->next_hop));
		return 0;
	}
	/* RFC 3263 on the Request-URI itself (an IP literal needs no DNS). */
	one(out, routing->ruri, routing->ruri);
	return 0;
}

void sp__pxy_targets_free(struct sp__pxy_targets *t)
{
	for (unsigned i = 0; i < t->n; i++)
		t->t[i].b = sp_binding_deref(t->t[i].b);
	t->n = 0;
}
