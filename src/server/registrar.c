/*
 * Registrar (registrar.h): RFC 3261 §10.3 steps 5-8 over the location
 * service, with Path (RFC 3327), outbound identities (RFC 5626) and GRUUs
 * (RFC 5627); and the printer of the header lines its answer carries.
 *
 * Everything that can be checked without the table (AOR, Contact syntax,
 * "*" rules, expiry and 423) is checked first; then the AOR's shard is
 * locked once and the contacts are applied to a staged copy that is
 * committed only when every one of them succeeded (§10.3 step 7).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "siphon/location.h"
#include "siphon/mem.h"
#include "siphon/registrar.h"

#define AOR_MAX	 512
#define ONE_HOUR 3600u

/* One Contact value of the request, decoded. */
struct rc {
	struct sp_str value;
	struct sp_nameaddr na;
	struct sp_str instance; /* unquoted, p == NULL if absent */
	uint32_t reg_id;
	int q;
	uint32_t expires; /* chosen by the registrar, seconds */
};

static int decide(struct sp_reg_result *res, uint16_t status, const char *reason, const char *why)
{
	res->status = status;
	res->reason = reason;
	res->why = why;
	return 0;
}

/* RFC 3261 §20.37 option tags in Supported (and its compact form k). */
static bool supports(const struct sp_msg *req, const char *tag)
{
	for (const struct sp_hdr *h = sp_msg_hdr(req, SP_HDR_SUPPORTED); h;
	     h = sp_msg_hdr_next(req, h))
		if (sp_str_caseeq_c(sp_str_trim(h->value), tag))
			return true;
	return false;
}

/* RFC 5626 §4.1 +sip.instance (quoted) and §4.2 reg-id. Returns -EINVAL
 * for a reg-id that is not a number in 1..2^31-1. */
static int outbound_params(struct rc *c)
{
	struct sp_str v;

	c->instance = SP_STR_NULL;
	c->reg_id = 0;
	if (sp_param_find(c->na.params, "+sip.instance", &v) && v.p && v.len)
		c->instance = sp_unquote(v);
	if (sp_param_find(c->na.params, "reg-id", &v)) {
		uint64_t id;

		if (!v.p || sp_str_to_u64(v, 0x7fffffffu, &id) < 0 || !id)
			return -EINVAL;
		c->reg_id = (uint32_t)id;
	}
	/* RFC 5626 §6: without an instance the contact is an RFC 3261 one;
	 * its reg-id means nothing. */
	if (!c->instance.p)
		c->reg_id = 0;
	return 0;
}

/* Index of the staged binding that contact c names, or count if none:
 * RFC 5626 §6, a contact with +sip.instance and reg-id is the binding with
 * the same pair whatever its URI; otherwise RFC 3261 §10.3 step 7, the
 * binding whose URI is equal by §19.1.4. */
static unsigned find_match(const struct sp_location_txn *t, const struct rc *c)
{
	unsigned n = sp_location_txn_count(t);

	for (unsigned i = 0; i < n; i++) {
		const struct sp_binding *b = sp_location_txn_get(t, i);

		if (c->instance.p && c->reg_id) {
			if (b->reg_id == c->reg_id && sp_str_eq(b->instance, c->instance))
				return i;
			continue;
		}
		if (b->reg_id) /* an outbound flow is matched by its pair only */
			continue;
		{
			struct sp_uri u;
			struct sp_parse_error err;

			if (sp_uri_parse(&u, b->uri, 0, &err) == 0 && sp_uri_equal(&u, &c->na.uri))
				return i;
		}
	}
	return n;
}

/* §10.3 step 7: may the request update binding b? Same Call-ID needs a
 * higher CSeq; another Call-ID always may. */
static bool in_order(const struct sp_binding *b, const struct sp_msg *req)
{
	return !sp_str_eq(b->call_id, req->call_id) || req->cseq.seq > b->cseq;
}

static int snapshot(const struct sp_location_txn *t, struct sp_reg_result *res)
{
	unsigned n = sp_location_txn_count(t);
	struct sp_location_snap *s = &res->bindings;

	s->n = 0;
	s->b = NULL;
	if (!n)
		return 0;
	s->b = sp_malloc(n * sizeof(*s->b));
	if (!s->b)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		s->b[i] = sp_binding_ref((struct sp_binding *)sp_location_txn_get(t, i));
	s->n = n;
	return 0;
}

/* Ordering for the 200: as a lookup (q descending, newest first). */
static void sort_snapshot(struct sp_location_snap *s)
{
	for (unsigned i = 1; i < s->n; i++) {
		struct sp_binding *x = s->b[i];
		unsigned j = i;

		while (j > 0 && (s->b[j - 1]->q < x->q ||
				 (s->b[j - 1]->q == x->q && s->b[j - 1]->version < x->version))) {
			s->b[j] = s->b[j - 1];
			j--;
		}
		s->b[j] = x;
	}
}

/* Step 6: Contact: * with Expires: 0 removes every binding, subject to the
 * same Call-ID/CSeq ordering. */
static int remove_all(struct sp_location *loc, struct sp_str aor, const struct sp_msg *req,
		      int64_t now, struct sp_reg_result *res)
{
	struct sp_location_txn t;
	int rc = sp_location_begin(loc, aor, now, &t);

	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < sp_location_txn_count(&t); i++) {
		if (!in_order(sp_location_txn_get(&t, i), req)) {
			sp_location_abort(&t);
			return decide(res, 500, "Out of Order Request",
				      "RFC 3261 §10.3 step 6: CSeq not higher for this Call-ID");
		}
	}
	while (sp_location_txn_count(&t))
		sp_location_txn_remove(&t, 0);
	rc = sp_location_commit(&t);
	if (rc < 0)
		return rc;
	return decide(res, 200, NULL, "RFC 3261 §10.3 step 6: all bindings removed");
}

int sp_registrar_process(struct sp_location *loc, const struct sp_registrar_cfg *cfg,
			 const struct sp_msg *req, const struct sp_reg_source *src, int64_t now,
			 struct sp_reg_result *res)
{
	static const struct sp_reg_source nosrc;
	struct rc c[SP_REG_MAX_CONTACTS];
	struct sp_str path[SP_LOCATION_MAX_PATH];
	unsigned nc = 0, npath = 0;
	bool star = false, has_expires = false;
	uint32_t hdr_expires = 0;
	struct sp_location_txn t;
	char aorbuf[AOR_MAX];
	struct sp_str aor;
	long kl;
	int rc;

	memset(res, 0, sizeof(*res));
	if (!src)
		src = &nosrc;

	/* Step 5: the AOR is the To URI, canonicalised. */
	if (!req->has_to || !req->has_call_id || !req->has_cseq)
		return decide(res, 400, NULL, "REGISTER without To, Call-ID or CSeq");
	kl = sp_location_aor_key_in(&req->to.uri, src->domain, aorbuf, sizeof(aorbuf));
	if (kl < 0)
		return decide(res, 400, "Invalid AOR",
			      "RFC 3261 §10.3 step 5: the To URI is no sip/sips AOR");
	aor = (struct sp_str){aorbuf, (size_t)kl};

	/* The Expires header (§20.19), the default of every contact. */
	{
		const struct sp_hdr *h = sp_msg_hdr(req, SP_HDR_EXPIRES);
		struct sp_parse_error err;

		if (h) {
			if (sp_uint_parse(h->value, UINT32_MAX, &hdr_expires, &err, "Expires") < 0)
				return decide(res, 400, "Invalid Expires",
					      "Expires is no delta-seconds");
			has_expires = true;
		}
	}

	/* RFC 3327 §5.3: the Path of the request is stored with each binding. */
	for (const struct sp_hdr *h = sp_msg_hdr(req, SP_HDR_PATH); h;
	     h = sp_msg_hdr_next(req, h)) {
		if (npath == SP_LOCATION_MAX_PATH)
			return decide(res, 400, "Too Many Path Values", "RFC 3327: Path too long");
		path[npath++] = h->value;
	}

	for (const struct sp_hdr *h = sp_msg_hdr(req, SP_HDR_CONTACT); h;
	     h = sp_msg_hdr_next(req, h)) {
		struct sp_parse_error err;
		struct rc *x;

		if (nc == SP_REG_MAX_CONTACTS)
			return decide(res, 403, "Too Many Contacts",
				      "more Contact values than allowed");
		x = &c[nc];
		x->value = h->value;
		if (sp_nameaddr_parse(&x->na, h->value, SP_NA_STAR, &err) < 0)
			return decide(res, 400, "Invalid Contact", "Contact does not parse");
		if (x->na.star) {
			star = true;
			nc++;
			continue;
		}
		if (outbound_params(x) < 0)
			return decide(res, 400, "Invalid reg-id", "RFC 5626 §4.2 reg-id");
		x->q = sp_contact_q(&x->na);
		if (x->q < 0)
			x->q = 1000;
		/* Step 7: expires parameter, else Expires header, else default. */
		{
			int64_t e = sp_contact_expires(&x->na);
			uint64_t want = e >= 0	      ? (uint64_t)e
					: has_expires ? hdr_expires
						      : cfg->default_expires;

			if (want > 0 && want < ONE_HOUR && want < cfg->min_expires) {
				res->min_expires = cfg->min_expires;
				return decide(res, 423, NULL,
					      "RFC 3261 §10.3 step 7: interval too brief");
			}
			if (cfg->max_expires && want > cfg->max_expires)
				want = cfg->max_expires;
			x->expires = (uint32_t)want;
		}
		/* RFC 5627 §5.1: with an instance, a contact that is no SIP URI,
		 * equals the AOR or is a GRUU of it is refused (routing loop). */
		if (x->instance.p && x->expires) {
			char k[AOR_MAX];
			long n;

			if (x->na.uri.scheme != SP_URI_SIP && x->na.uri.scheme != SP_URI_SIPS)
				return decide(res, 403, NULL,
					      "RFC 5627 §5.1: contact is no SIP URI");
			if (sp_uri_equal(&x->na.uri, &req->to.uri))
				return decide(res, 403, NULL,
					      "RFC 5627 §5.1: contact equals the AOR");
			n = sp_location_aor_key_in(&x->na.uri, src->domain, k, sizeof(k));
			if (n == kl && !memcmp(k, aorbuf, (size_t)n) &&
			    sp_param_find(x->na.uri.params, "gr", NULL))
				return decide(res, 403, NULL,
					      "RFC 5627 §5.1: contact is a GRUU of the AOR");
		}
		nc++;
	}

	/* Step 6: "*" must be alone, with Expires: 0. */
	if (star) {
		if (nc != 1 || !has_expires || hdr_expires != 0)
			return decide(
			    res, 400, "Invalid Contact *",
			    "RFC 3261 §10.3 step 6: * needs Expires: 0 and no other Contact");
		rc = remove_all(loc, aor, req, now, res);
		return rc;
	}

	rc = sp_location_begin(loc, aor, now, &t);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < nc; i++) {
		struct sp_binding_init bi;
		struct sp_binding *nb;
		unsigned m = find_match(&t, &c[i]);
		bool exists = m < sp_location_txn_count(&t);

		/* Step 7: out-of-order requests from the same UA are refused.
		 * A binding this request already wrote is simply rewritten. */
		if (exists && !sp_location_txn_fresh(&t, m) &&
		    !in_order(sp_location_txn_get(&t, m), req)) {
			sp_location_abort(&t);
			return decide(res, 500, "Out of Order Request",
				      "RFC 3261 §10.3 step 7: CSeq not higher for this Call-ID");
		}
		if (!c[i].expires) {
			if (exists)
				sp_location_txn_remove(&t, m);
			continue;
		}
		memset(&bi, 0, sizeof(bi));
		bi.aor = aor;
		bi.contact = c[i].value;
		bi.uri = c[i].na.uri_raw;
		bi.instance = c[i].instance;
		bi.reg_id = c[i].reg_id;
		bi.q = c[i].q;
		bi.expires_at = now + (int64_t)c[i].expires * 1000;
		bi.registered_at = now;
		bi.call_id = req->call_id;
		bi.cseq = req->cseq.seq;
		bi.path = path;
		bi.npath = npath;
		bi.received = src->received;
		bi.transport = src->transport;
		bi.flow = src->flow;
		bi.tgruu_epoch = c[i].instance.p ? sp_location_gruu_epoch(req->call_id) : 0;
		rc = sp_binding_create(&nb, &bi);
		if (rc == 0)
			rc = sp_location_txn_put(&t, m, nb);
		if (rc < 0) {
			sp_location_abort(&t);
			return rc;
		}
	}
	if (cfg->max_bindings && sp_location_txn_count(&t) > cfg->max_bindings) {
		sp_location_abort(&t);
		return decide(res, 403, "Too Many Contacts", "max_bindings per AOR reached");
	}
	rc = snapshot(&t, res);
	if (rc < 0) {
		sp_location_abort(&t);
		return rc;
	}
	rc = sp_location_commit(&t);
	if (rc < 0) {
		sp_location_snap_free(&res->bindings);
		return rc;
	}
	sort_snapshot(&res->bindings);
	res->gruu = cfg->gruu && supports(req, "gruu");
	return decide(res, 200, NULL, "RFC 3261 §10.3 step 8");
}

void sp_reg_result_free(struct sp_reg_result *res)
{
	sp_location_snap_free(&res->bindings);
}

/* ---- printing ---------------------------------------------------------------- */

/* Header parameters the registrar sets itself and so never echoes. */
static bool own_param(struct sp_str name)
{
	return sp_str_caseeq_c(name, "expires") || sp_str_caseeq_c(name, "pub-gruu") ||
	       sp_str_caseeq_c(name, "temp-gruu");
}

/* Writes the stored Contact text with its header parameters kept byte for
 * byte, except those own_param names. */
static void put_contact(struct sp_wbuf *b, struct sp_str contact)
{
	struct sp_nameaddr na;
	struct sp_parse_error err;
	const char *p, *end;

	if (sp_nameaddr_parse(&na, contact, 0, &err) < 0 || !na.params.len) {
		sp_wbuf_str(b, contact);
		return;
	}
	sp_wbuf_str(b, sp_str_span(contact.p, na.params.p));
	p = na.params.p;
	end = na.params.p + na.params.len;
	while (p < end) {
		/* one ";name[=value]" up to the next ';' outside quotes */
		const char *s = p + 1, *q = s, *eq;
		bool quoted = false;
		struct sp_str seg, name;

		while (q < end && (quoted || *q != ';')) {
			if (*q == '"')
				quoted = !quoted;
			else if (*q == '\\' && quoted && q + 1 < end)
				q++;
			q++;
		}
		seg = sp_str_span(p, q);
		eq = memchr(s, '=', (size_t)(q - s));
		name = sp_str_trim(sp_str_span(s, eq ? eq : q));
		if (!own_param(name))
			sp_wbuf_str(b, seg);
		p = q;
	}
}

static void put_date(struct sp_wbuf *b, int64_t now)
{
	static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)(now / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		return;
	/* RFC 3261 §20.17: rfc1123-date, always GMT */
	sp_wbuf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n", wd[tm.tm_wday],
		       tm.tm_mday, mo[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		       tm.tm_sec);
}

void sp_registrar_print(struct sp_location *loc, const struct sp_reg_result *res,
			const struct sp_msg *req, int64_t now, struct sp_wbuf *b)
{
	if (res->status == 423) {
		sp_wbuf_printf(b, "Min-Expires: %u\r\n", (unsigned)res->min_expires);
		return;
	}
	if (res->status != 200)
		return;
	for (unsigned i = 0; i < res->bindings.n; i++) {
		const struct sp_binding *x = res->bindings.b[i];
		int64_t left = (x->expires_at - now + 999) / 1000;

		if (left < 0)
			left = 0;
		sp_wbuf_cstr(b, "Contact: ");
		put_contact(b, x->contact);
		sp_wbuf_printf(b, ";expires=%lld", (long long)left);
		if (res->gruu && x->instance.p) {
			/* RFC 5627 §5.2 */
			sp_wbuf_cstr(b, ";pub-gruu=\"");
			sp_location_pub_gruu(x, b);
			sp_wbuf_cstr(b, "\";temp-gruu=\"");
			sp_location_temp_gruu(loc, x, b);
			sp_wbuf_cstr(b, "\"");
		}
		sp_wbuf_cstr(b, "\r\n");
	}
	/* RFC 3327 §5.3: the Path of the request, in the same order */
	for (const struct sp_hdr *h = sp_msg_hdr(req, SP_HDR_PATH); h; h = sp_msg_hdr_next(req, h))
		sp_msgb_header(b, SP_STR("Path"), h->value);
	put_date(b, now);
}
