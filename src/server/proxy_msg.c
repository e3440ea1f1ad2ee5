/*
 * The proxy's message rules (proxy_int.h): who we are, RFC 3261 §16.3
 * validation, §16.4 route preprocessing, loop detection and branches, and
 * printing the forwarded request (§16.6) and response (§16.7). Pure
 * functions: no sockets, no state.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "siphon/hdr.h"

#include "proxy_int.h"

#define OUR_PREFIX "z9hG4bKsp"
#define OUR_PREFIX_LEN 9

/* ---- who we are ---------------------------------------------------------- */

static bool is_wildcard(const struct sp_sa *sa)
{
	static const uint8_t zero[16];
	if (sp_sa_family(sa) == AF_INET)
		return sa->u.in4.sin_addr.s_addr == 0;
	return sp_sa_family(sa) == AF_INET6 && memcmp(&sa->u.in6.sin6_addr, zero, 16) == 0;
}

static void self_add(struct sp__pxy_self *self, enum sp_transport tp, const struct sp_sa *sa)
{
	if (self->n < SP__PXY_SELF_MAX) {
		self->addr[self->n].tp = tp;
		self->addr[self->n].addr = *sa;
		self->n++;
	}
}

void sp__pxy_self_init(struct sp__pxy_self *self, const struct sp_config_listen *bound,
		       unsigned nbound)
{
	struct ifaddrs *ifs = NULL;

	memset(self, 0, sizeof(*self));
	for (unsigned i = 0; i < nbound; i++)
		if (!is_wildcard(&bound[i].addr))
			self_add(self, bound[i].tp, &bound[i].addr);
	for (unsigned i = 0; i < nbound; i++) {
		if (!is_wildcard(&bound[i].addr))
			continue;
		if (!ifs && getifaddrs(&ifs) != 0)
			ifs = NULL;
		for (struct ifaddrs *a = ifs; a; a = a->ifa_next) {
			struct sp_sa sa;
			int af = a->ifa_addr ? a->ifa_addr->sa_family : AF_UNSPEC;
			if (af != sp_sa_family(&bound[i].addr))
				continue;
			memset(&sa, 0, sizeof(sa));
			memcpy(&sa.u, a->ifa_addr,
			       af == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
			sa.len = af == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
			if (af == AF_INET6)
				sa.u.in6.sin6_scope_id = 0;
			sp_sa_set_port(&sa, sp_sa_port(&bound[i].addr));
			self_add(self, bound[i].tp, &sa);
		}
	}
	if (ifs)
		freeifaddrs(ifs);
}

bool sp__pxy_self_add(struct sp__pxy_self *self, const struct sp_config_listen *l)
{
	if (self->n >= SP__PXY_SELF_MAX)
		return false;
	self_add(self, l->tp, &l->addr);
	return true;
}

bool sp__pxy_hostport_is_self(const struct sp__pxy_self *self, struct sp_str host, uint16_t port,
			      bool sips)
{
	struct sp_sa sa;

	if (!port)
		port = sips ? 5061 : 5060;
	if (sp_sa_from_host(&sa, host, port) != 0)
		return false;
	for (unsigned i = 0; i < self->n; i++)
		if (sp_sa_eq(&self->addr[i].addr, &sa))
			return true;
	return false;
}

bool sp__pxy_uri_is_self(const struct sp__pxy_self *self, const struct sp_uri *uri)
{
	if (uri->scheme != SP_URI_SIP && uri->scheme != SP_URI_SIPS)
		return false;
	return sp__pxy_hostport_is_self(self, uri->hp.host, uri->hp.has_port ? uri->hp.port : 0,
					uri->scheme == SP_URI_SIPS);
}

const struct sp_config_listen *sp__pxy_self_local(const struct sp__pxy_self *self,
						  enum sp_transport tp, int af)
{
	for (unsigned i = 0; i < self->n; i++)
		if (self->addr[i].tp == tp && sp_sa_family(&self->addr[i].addr) == af)
			return &self->addr[i];
	return NULL;
}

/* ---- §16.3 --------------------------------------------------------------- */

/* The loop hash in the branch of a Via that we sent, or false. */
static bool via_ours(const struct sp__pxy_self *self, const struct sp_via *v, uint64_t *hash)
{
	return sp__pxy_hostport_is_self(self, v->sent_by.host,
					v->sent_by.has_port ? v->sent_by.port : 0,
					v->transport == SP_TP_TLS) &&
	       v->branch.p && sp__pxy_branch_hash(v->branch, hash);
}

void sp__pxy_validate(const struct sp__pxy_self *self, const struct sp_msg *req,
		      uint64_t loop_hash, struct sp__pxy_check *out)
{
	memset(out, 0, sizeof(*out));
	/* Step 2: a scheme we cannot route. */
	if (req->ruri.scheme != SP_URI_SIP && req->ruri.scheme != SP_URI_SIPS &&
	    req->ruri.scheme != SP_URI_TEL) {
		out->status = 416;
		out->why = "RFC 3261 §16.3 step 2: unsupported URI scheme";
		return;
	}
	/* Step 3: Max-Forwards. */
	if (req->max_forwards == 0) {
		out->status = 483;
		out->why = "RFC 3261 §16.3 step 3: Max-Forwards is 0";
		return;
	}
	/* Step 4: a Via of ours whose loop hash equals this request's: the
	 * request came back unchanged (a spiral changed something). */
	for (const struct sp_hdr *h = sp_msg_hdr(req, SP_HDR_VIA); h; h = sp_msg_hdr_next(req, h)) {
		union sp_hdr_parsed v;
		uint64_t hash;
		if (sp_hdr_parse_value(SP_HDR_VIA, h->value, &v, NULL) == 0 &&
		    via_ours(self, &v.via, &hash) && hash == loop_hash) {
			out->status = 482;
			out->why = "RFC 3261 §16.3 step 4: loop detected";
			return;
		}
	}
	/* Step 5: we support no proxy extension (RFC 4475 bext01). */
	const struct sp_hdr *pr = sp_msg_hdr(req, SP_HDR_PROXY_REQUIRE);
	if (pr) {
		out->status = 420;
		out->why = "RFC 3261 §16.3 step 5: Proxy-Require";
		out->unsupported = pr;
	}
}

/* ---- §16.4 --------------------------------------------------------------- */

static int route_uri(const struct sp_hdr *h, struct sp_uri *uri)
{
	union sp_hdr_parsed v;
	if (sp_hdr_parse_value(SP_HDR_ROUTE, h->value, &v, NULL) != 0)
		return -EBADMSG;
	*uri = v.nameaddr.uri;
	return 0;
}

static bool dropped(const struct sp__pxy_routing *r, const struct sp_hdr *h)
{
	for (unsigned i = 0; i < r->ndrop; i++)
		if (r->drop[i] == h)
			return true;
	return false;
}

int sp__pxy_preprocess(const struct sp__pxy_self *self, const struct sp_msg *req,
		       struct sp__pxy_routing *out)
{
	struct sp_uri uri;
	const struct sp_hdr *h, *last = NULL;

	memset(out, 0, sizeof(*out));
	out->ruri = req->ruri.raw;
	for (h = sp_msg_hdr(req, SP_HDR_ROUTE); h; h = sp_msg_hdr_next(req, h)) {
		if (route_uri(h, &uri) != 0)
			return -EBADMSG;
		last = h;
	}
	/* A strict router (RFC 2543) put our Record-Route URI, which has lr,
	 * in the Request-URI and the real one last in Route. */
	if (last && req->ruri.lr && sp__pxy_uri_is_self(self, &req->ruri)) {
		union sp_hdr_parsed v;
		sp_hdr_parse_value(SP_HDR_ROUTE, last->value, &v, NULL);
		out->ruri = v.nameaddr.uri_raw;
		out->strict_fixed = true;
		out->drop[out->ndrop++] = last;
	}
	/* Our own entries on top (one, or two after double record-routing). */
	for (h = sp_msg_hdr(req, SP_HDR_ROUTE); h; h = sp_msg_hdr_next(req, h)) {
		if (dropped(out, h))
			break;
		route_uri(h, &uri);
		if (!sp__pxy_uri_is_self(self, &uri)) {
			out->next = h;
			out->next_uri = uri;
			break;
		}
		if (out->ndrop == SP__PXY_DROP_MAX)
			return -EBADMSG;
		out->drop[out->ndrop++] = h;
	}
	return 0;
}

/* ---- loop hash and branches ---------------------------------------------- */

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t fnv(uint64_t h, struct sp_str s)
{
	for (size_t i = 0; i < s.len; i++) {
		h ^= (uint8_t)s.p[i];
		h *= FNV_PRIME;
	}
	/* A separator, so that ("ab", "c") and ("a", "bc") differ. */
	h ^= 0xff;
	return h * FNV_PRIME;
}

static uint64_t fnv_all(uint64_t h, const struct sp_msg *req, enum sp_hdr_id id)
{
	for (const struct sp_hdr *v = sp_msg_hdr(req, id); v; v = sp_msg_hdr_next(req, v))
		h = fnv(h, v->value);
	return h;
}

uint64_t sp__pxy_loop_hash(const struct sp_msg *req)
{
	char num[16];
	int n = 0;
	uint32_t c = req->cseq.seq;

	do
		num[n++] = (char)('0' + c % 10);
	while ((c /= 10) && n < (int)sizeof(num));
	uint64_t h = FNV_OFFSET;
	h = fnv(h, req->to.tag.p ? req->to.tag : SP_STR(""));
	h = fnv(h, req->from.tag.p ? req->from.tag : SP_STR(""));
	h = fnv(h, req->call_id);
	h = fnv(h, (struct sp_str){num, (size_t)n});
	h = fnv(h, req->ruri.raw);
	h = fnv_all(h, req, SP_HDR_ROUTE);
	h = fnv_all(h, req, SP_HDR_PROXY_REQUIRE);
	h = fnv_all(h, req, SP_HDR_PROXY_AUTHORIZATION);
	return h;
}

static const char hex[] = "0123456789abcdef";

size_t sp__pxy_branch(char *buf, size_t cap, unsigned worker, uint64_t loop_hash, unsigned index)
{
	size_t n = 0;

	if (cap < SP__PXY_BRANCH_MAX)
		return 0;
	memcpy(buf, OUR_PREFIX, OUR_PREFIX_LEN);
	n = OUR_PREFIX_LEN;
	for (int i = 3; i >= 0; i--)
		buf[n++] = hex[(worker >> (4 * i)) & 0xf];
	for (int i = 15; i >= 0; i--)
		buf[n++] = hex[(loop_hash >> (4 * i)) & 0xf];
	buf[n++] = '.';
	int started = 0;
	for (int i = 7; i >= 0; i--) {
		unsigned d = (index >> (4 * i)) & 0xf;
		if (d || started || i == 0) {
			buf[n++] = hex[d];
			started = 1;
		}
	}
	buf[n] = '\0';
	return n;
}

bool sp__pxy_branch_hash(struct sp_str branch, uint64_t *hash)
{
	uint64_t h = 0;

	if (branch.len < OUR_PREFIX_LEN + 4 + 16 + 2 || memcmp(branch.p, OUR_PREFIX, OUR_PREFIX_LEN) ||
	    branch.p[OUR_PREFIX_LEN + 20] != '.')
		return false;
	for (size_t i = OUR_PREFIX_LEN + 4; i < OUR_PREFIX_LEN + 20; i++) {
		char c = branch.p[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return false;
		h = h << 4 | d;
	}
	*hash = h;
	return true;
}

/* ---- printing ------------------------------------------------------------ */

int sp__pxy_print_request(const struct sp_msg *req, const struct sp__pxy_fwd *f,
			  struct sp_wbuf *out)
{
	struct sp_msg_edit e;
	char mf[12];
	int rc = 0;

	sp_edit_init(&e);
	if (f->ruri.p)
		sp_edit_set_ruri(&e, f->ruri);
	/* Step 3: Max-Forwards. */
	const struct sp_hdr *mfh = sp_msg_hdr(req, SP_HDR_MAX_FORWARDS);
	if (mfh) {
		int v = req->max_forwards > 0 ? req->max_forwards - 1 : 0;
		int n = 0;
		char tmp[12];
		do
			tmp[n++] = (char)('0' + v % 10);
		while ((v /= 10) > 0);
		for (int i = 0; i < n; i++)
			mf[i] = tmp[n - 1 - i];
		rc |= sp_edit_replace(&e, req, mfh, (struct sp_str){mf, (size_t)n});
	} else {
		rc |= sp_edit_prepend(&e, SP_HDR_MAX_FORWARDS, SP_STR("Max-Forwards"), SP_STR("70"));
	}
	/* Step 8: our Via on top, the previous one stamped (§18.2.1). */
	if (f->stamped.p)
		rc |= sp_edit_replace(&e, req, sp_msg_hdr(req, SP_HDR_VIA), f->stamped);
	rc |= sp_edit_prepend(&e, SP_HDR_VIA, SP_STR("Via"), f->via);
	/* Step 4: Record-Route. */
	for (unsigned i = 0; i < f->nrr; i++)
		rc |= sp_edit_prepend(&e, SP_HDR_RECORD_ROUTE, SP_STR("Record-Route"), f->rr[i]);
	/* §16.4: our own Route entries go. */
	if (f->routing)
		for (unsigned i = 0; i < f->routing->ndrop; i++)
			rc |= sp_edit_remove(&e, req, f->routing->drop[i]);
	/* Step 6: Route values we add (a Path from the registration). */
	for (unsigned i = 0; i < f->nroute; i++)
		rc |= sp_edit_prepend(&e, SP_HDR_ROUTE, SP_STR("Route"), f->route[i]);
	if (rc)
		return -ENOSPC;
	rc = sp_msg_print(req, &e, out);
	return rc ? rc : out->overflow ? -ENOSPC : 0;
}

int sp__pxy_print_response(const struct sp_msg *resp, struct sp_str extra_name,
			   const struct sp_str *extra, unsigned nextra, struct sp_wbuf *out)
{
	struct sp_msg_edit e;
	int rc = 0;

	sp_edit_init(&e);
	const struct sp_hdr *via = sp_msg_hdr(resp, SP_HDR_VIA);
	if (via)
		rc |= sp_edit_remove(&e, resp, via);
	for (unsigned i = 0; i < nextra; i++)
		rc |= sp_edit_append(&e, extra_name, extra[i]);
	if (rc)
		return -ENOSPC;
	rc = sp_msg_print(resp, &e, out);
	return rc ? rc : out->overflow ? -ENOSPC : 0;
}

/* ---- §16.7 step 6 -------------------------------------------------------- */

/* Within a class, how much a status tells the UAC about resubmitting
 * (§16.7 step 6: 401, 407, 415, 420, 484 in the 4xx class). */
static int weight(unsigned st)
{
	switch (st) {
	case 401:
	case 407:
		return 2;
	case 415:
	case 420:
	case 484:
		return 1;
	default:
		return 0;
	}
}

static unsigned klass(unsigned st)
{
	unsigned c = st / 100;
	return c == 6 ? 0 : c; /* 6xx first */
}

bool sp__pxy_better(unsigned best, unsigned cand)
{
	if (!best)
		return true;
	if (klass(cand) != klass(best))
		return klass(cand) < klass(best);
	/* 503 is the least useful 5xx (it is sent as 500 anyway). */
	if (best == 503 && cand != 503)
		return true;
	return weight(cand) > weight(best);
}

unsigned sp__pxy_upstream_status(unsigned best)
{
	return best == 503 ? 500 : best;
}
