/*
 * libFuzzer target for the structured header-value parsers of hdr.h. The
 * first input byte picks the parser (modulo the table size; the table
 * order is the corpus format, so only append to it), the rest is the value.
 * Besides "no crash, no sanitizer report", every run checks the contract:
 * the return is 0 or -EBADMSG; on failure err.at lies inside the value or
 * one past its end and err.rule is set; on success every slice points into
 * the value and the numeric fields respect their documented ranges.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "siphon/hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sp_str in; /* the value under test */

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

/* s is absent, or lies entirely inside the value. */
static void inside(struct sp_str s)
{
	if (!s.p)
		return;
	check(s.p >= in.p && s.len <= in.len && (size_t)(s.p - in.p) <= in.len - s.len);
}

/* Walks a parameter list the way callers will, checking every slice. */
static void params(struct sp_str list)
{
	struct sp_param prm;
	size_t n = 0;
	inside(list);
	while (sp_param_next(&list, &prm)) {
		inside(prm.name);
		inside(prm.value);
		check(++n <= in.len);
	}
}

static void hostport(const struct sp_hostport *hp)
{
	inside(hp->host);
	check(hp->has_port || hp->port == 0);
}

static void uri(const struct sp_uri *u)
{
	inside(u->scheme_raw);
	inside(u->raw);
	inside(u->user);
	inside(u->password);
	hostport(&u->hp);
	inside(u->params);
	inside(u->headers);
	inside(u->opaque);
	inside(u->transport);
	inside(u->user_param);
	inside(u->method);
	inside(u->maddr);
	inside(u->ttl);
}

static int run_via(struct sp_parse_error *err)
{
	struct sp_via v;
	int rc = sp_via_parse(&v, in, err);
	if (rc == 0) {
		inside(v.proto_name);
		inside(v.proto_version);
		inside(v.transport_raw);
		hostport(&v.sent_by);
		params(v.params);
		inside(v.branch);
		inside(v.received);
		inside(v.maddr);
		check(v.ttl >= -1 && v.ttl <= 255);
		check(v.has_rport || v.rport == 0);
		check(v.transport_raw.len > 0 && v.sent_by.host.len > 0);
	}
	return rc;
}

static int run_nameaddr(struct sp_parse_error *err, unsigned flags)
{
	struct sp_nameaddr na;
	int rc = sp_nameaddr_parse(&na, in, flags, err);
	if (rc == 0) {
		inside(na.display);
		params(na.params);
		inside(na.tag);
		if (!na.star) {
			inside(na.uri_raw);
			uri(&na.uri);
		}
		int q = sp_contact_q(&na);
		check(q >= -1 && q <= 1000);
		check(sp_contact_expires(&na) >= -1);
	}
	return rc;
}

static int run_nameaddr0(struct sp_parse_error *err)
{
	return run_nameaddr(err, 0);
}

static int run_contact(struct sp_parse_error *err)
{
	return run_nameaddr(err, SP_NA_STAR);
}

static int run_route(struct sp_parse_error *err)
{
	return run_nameaddr(err, SP_NA_ANGLE);
}

static int run_cseq(struct sp_parse_error *err)
{
	struct sp_cseq c;
	int rc = sp_cseq_parse(&c, in, err);
	if (rc == 0) {
		inside(c.method);
		check(c.method.len > 0 && c.method_id < SP_METHOD__COUNT);
	}
	return rc;
}

static int run_callid(struct sp_parse_error *err)
{
	return sp_callid_parse(in, err);
}

static int run_uint(struct sp_parse_error *err, uint32_t max)
{
	uint32_t v = 0;
	int rc = sp_uint_parse(in, max, &v, err, "fuzz");
	if (rc == 0)
		check(v <= max);
	return rc;
}

static int run_maxfwd(struct sp_parse_error *err)
{
	return run_uint(err, 255);
}

static int run_number(struct sp_parse_error *err)
{
	return run_uint(err, UINT32_MAX);
}

static int run_media(struct sp_parse_error *err)
{
	struct sp_media_type m;
	int rc = sp_media_type_parse(&m, in, err);
	if (rc == 0) {
		inside(m.type);
		inside(m.subtype);
		params(m.params);
	}
	return rc;
}

static int run_token(struct sp_parse_error *err)
{
	return sp_token_parse(in, err);
}

static int run_event(struct sp_parse_error *err)
{
	struct sp_event e;
	int rc = sp_event_parse(&e, in, err);
	if (rc == 0) {
		inside(e.package);
		inside(e.id);
		params(e.params);
	}
	return rc;
}

static int run_substate(struct sp_parse_error *err)
{
	struct sp_substate s;
	int rc = sp_substate_parse(&s, in, err);
	if (rc == 0) {
		inside(s.state);
		inside(s.reason);
		params(s.params);
		check(s.expires >= -1 && s.expires <= UINT32_MAX);
		check(s.retry_after >= -1 && s.retry_after <= UINT32_MAX);
	}
	return rc;
}

static int run_rack(struct sp_parse_error *err)
{
	struct sp_rack r;
	int rc = sp_rack_parse(&r, in, err);
	if (rc == 0) {
		inside(r.method);
		check(r.method_id < SP_METHOD__COUNT);
	}
	return rc;
}

static int run_se(struct sp_parse_error *err)
{
	struct sp_session_expires s;
	int rc = sp_session_expires_parse(&s, in, err);
	if (rc == 0) {
		inside(s.refresher);
		params(s.params);
		check(!s.refresher.p || s.refresher.len == 3);
	}
	return rc;
}

static int run_retry_after(struct sp_parse_error *err)
{
	struct sp_retry_after r;
	int rc = sp_retry_after_parse(&r, in, err);
	if (rc == 0) {
		inside(r.comment);
		params(r.params);
		check(r.duration >= -1 && r.duration <= UINT32_MAX);
		check(!r.comment.p || (r.comment.len >= 2 && r.comment.p[0] == '(' &&
				       r.comment.p[r.comment.len - 1] == ')'));
	}
	return rc;
}

static int run_date(struct sp_parse_error *err)
{
	struct sp_date d;
	int rc = sp_date_parse(&d, in, err);
	if (rc == 0)
		check(d.epoch >= -62167219200LL && d.epoch <= 253402300799LL);
	return rc;
}

static int run_priority(struct sp_parse_error *err)
{
	return sp_priority_parse(in, err);
}

static int run_warning(struct sp_parse_error *err)
{
	struct sp_warning w;
	int rc = sp_warning_parse(&w, in, err);
	if (rc == 0) {
		inside(w.agent);
		inside(w.text);
		check(w.code <= 999 && w.text.len >= 2);
	}
	return rc;
}

static int run_auth(struct sp_parse_error *err, unsigned flags)
{
	struct sp_auth a;
	int rc = sp_auth_parse(&a, in, flags, err);
	if (rc == 0) {
		const struct sp_str *f[] = {
		    &a.scheme,	 &a.params,    &a.username,  &a.realm,	 &a.nonce,    &a.uri,
		    &a.response, &a.algorithm, &a.cnonce,    &a.opaque,	 &a.qop,      &a.nc,
		    &a.stale,	 &a.domain,    &a.nextnonce, &a.rspauth, &a.userhash, &a.charset};
		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
			inside(*f[i]);
	}
	return rc;
}

static int run_authz(struct sp_parse_error *err)
{
	return run_auth(err, 0);
}

static int run_auth_info(struct sp_parse_error *err)
{
	return run_auth(err, SP_AUTH_NO_SCHEME);
}

/* The corpus format: fuzz/corpus/headers/<name> starts with the index of
 * its parser here. Append only. */
static int (*const parsers[])(struct sp_parse_error *) = {
    run_via,	     /* 0 */
    run_cseq,	     /* 1 */
    run_callid,	     /* 2 */
    run_maxfwd,	     /* 3 */
    run_number,	     /* 4 */
    run_media,	     /* 5 */
    run_token,	     /* 6 */
    run_event,	     /* 7 */
    run_substate,    /* 8 */
    run_rack,	     /* 9 */
    run_se,	     /* 10 */
    run_retry_after, /* 11 */
    run_date,	     /* 12 */
    run_priority,    /* 13 */
    run_warning,     /* 14 */
    run_nameaddr0,   /* 15 */
    run_contact,     /* 16 */
    run_route,	     /* 17 */
    run_authz,	     /* 18 */
    run_auth_info,   /* 19 */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_parse_error err = {0};
	if (size < 1)
		return 0;
	in = (struct sp_str){(const char *)data + 1, size - 1};
	int rc = parsers[data[0] % (sizeof(parsers) / sizeof(parsers[0]))](&err);
	check(rc == 0 || rc == -EBADMSG);
	if (rc != 0) {
		check(err.rule != NULL && err.at != NULL);
		check(err.at >= in.p && (size_t)(err.at - in.p) <= in.len);
	}
	return 0;
}
