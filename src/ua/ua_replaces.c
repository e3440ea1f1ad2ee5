/*
 * Attended transfer with Replaces (RFC 3891):
 *  - target (§3): an INVITE with a Replaces header names one of our
 *    dialogs (to-tag as our local tag, from-tag as the remote one). A
 *    confirmed dialog is replaced (486 with early-only), so is the early
 *    dialog of a call we placed; the new call is answered at once and the
 *    replaced one ended (BYE, or CANCEL for our early call) once the new
 *    one is answered. No match, a dialog the peer started and is still
 *    early, or one already ended: 481. Two Replaces headers: 400;
 *  - transferor: the Refer-To of sp_ua_call_refer_replaces names the
 *    other call's peer with ?Replaces= (escaped, RFC 3261 §19.1.1) giving
 *    that dialog as the peer there sees it (§6.1 of RFC 5589);
 *  - transferee: a Refer-To with a Replaces URI header puts that header,
 *    unescaped, into the INVITE it sends (RFC 3891 §5, RFC 3515 §2.1).
 * Authorisation (§3): the new INVITE must come from the replaced dialog's
 * peer (its From URI is that dialog's remote URI) or be sent on its behalf
 * (its Referred-By URI is: attended transfer, RFC 5589 §7, where the
 * transferor is the peer of the replaced dialog); anything else is 403 and
 * the dialog is left as it was. Digest identity is not used.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "siphon/log.h"
#include "siphon/mem.h"
#include "siphon/uri.h"

#include "ua_int.h"

struct replaces {
	struct sp_str call_id, to_tag, from_tag;
	bool early_only;
};

static struct sp_str trim(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return (struct sp_str){ p, (size_t)(e - p) };
}

/* RFC 3891 §6.1: callid *(SEMI replaces-param), exactly one to-tag and
 * one from-tag. Returns 0 or -EBADMSG. */
static int parse(struct sp_str v, struct replaces *r)
{
	const char *p = v.p, *end = v.p + v.len;
	const char *semi = memchr(p, ';', v.len);
	unsigned nto = 0, nfrom = 0;

	memset(r, 0, sizeof(*r));
	r->call_id = trim(p, semi ? semi : end);
	if (!r->call_id.len)
		return -EBADMSG;
	p = semi ? semi + 1 : end;
	while (p < end) {
		const char *e = memchr(p, ';', (size_t)(end - p));
		struct sp_str prm = trim(p, e ? e : end);
		const char *eq = memchr(prm.p, '=', prm.len);
		struct sp_str name = eq ? trim(prm.p, eq) : prm;
		struct sp_str val = eq ? trim(eq + 1, prm.p + prm.len) : SP_STR_NULL;
		if (sp_str_caseeq_c(name, "to-tag") && val.len) {
			r->to_tag = val;
			nto++;
		} else if (sp_str_caseeq_c(name, "from-tag") && val.len) {
			r->from_tag = val;
			nfrom++;
		} else if (sp_str_caseeq_c(name, "early-only")) {
			r->early_only = true;
		}
		p = e ? e + 1 : end;
	}
	return nto == 1 && nfrom == 1 ? 0 : -EBADMSG;
}

/* True if u (a URI as written) parses and equals want. */
static bool uri_is(struct sp_str u, const struct sp_uri *want)
{
	struct sp_parse_error err;
	struct sp_uri x;
	return u.len && sp_uri_parse(&x, u, 0, &err) == 0 && sp_uri_equal(&x, want);
}

/* RFC 3891 §3: is req authorised to replace dialog d? Its From URI or
 * its Referred-By URI (RFC 3892) must equal d's remote URI (compared as
 * RFC 3261 §19.1.4 says). */
static bool authorised(const struct sp_msg *req, const struct sp_dialog *d)
{
	struct sp_parse_error err;
	struct sp_uri peer;
	struct sp_nameaddr by;

	if (sp_uri_parse(&peer, sp_dialog_remote_uri(d, NULL), 0, &err) != 0)
		return false;
	if (uri_is(req->from.uri_raw, &peer))
		return true;
	for (const struct sp_hdr *h = sp_msg_hdr(req, SP_HDR_REFERRED_BY); h;
	     h = sp_msg_hdr_next(req, h))
		if (sp_nameaddr_parse(&by, h->value, 0, &err) == 0 && uri_is(by.uri_raw, &peer))
			return true;
	return false;
}

int sp__ua_replaces_rx(struct sp_ua *ua, const struct sp_msg *req, struct sp_ua_call **out)
{
	const struct sp_hdr *h = sp_msg_hdr(req, SP_HDR_REPLACES);
	struct replaces r;

	*out = NULL;
	if (!h)
		return 0;
	/* §3: more than one Replaces, or one that does not parse: 400. */
	if (sp_msg_hdr_next(req, h) || parse(h->value, &r) != 0)
		return 400;
	/* §3: the to-tag is our local tag, the from-tag the remote one. */
	struct sp_dialog_id id = { .call_id = r.call_id,
				   .local_tag = r.to_tag,
				   .remote_tag = r.from_tag };
	struct sp_dialog *d = sp_dialog_table_find(ua->dialogs, &id);
	if (!d)
		return 481;
	struct sp_ua_call *c = sp__ua_call_by_dialog(ua, d);
	if (!c) {
		/* The early dialog of a call we placed (its dialog is
		 * the call's only once a 2xx came). */
		for (struct sp_ua_call *x = ua->calls; x; x = x->next)
			if (x->outgoing && !x->dlg && sp_str_eq(sp_str_c(x->call_id), r.call_id) &&
			    sp_str_eq(sp_str_c(x->local_tag), r.to_tag))
				c = x;
	}
	if (!c || c->state == SP_UA_CALL_ENDED || c->ending)
		return 481; /* §3: 603 for one just ended; ours are gone at once */
	/* §3: only the peer of that dialog, or someone it referred. */
	if (!authorised(req, d)) {
		SP_LOG_RL(SP_LOG_INFO, "ua: Replaces of %.*s refused: not from its peer",
			  SP_STR_FMT(r.call_id));
		return 403;
	}
	switch (c->state) {
	case SP_UA_CALL_CONFIRMED:
	case SP_UA_CALL_ANSWERED:
		/* §3: confirmed: replaced with BYE, unless early-only. */
		if (r.early_only)
			return 486;
		break;
	case SP_UA_CALL_CALLING:
	case SP_UA_CALL_RINGING:
		/* §3: early: replaced (CANCEL) only when we started it. */
		if (!c->outgoing)
			return 481;
		break;
	default:
		return 481;
	}
	*out = sp_mem_ref(c);
	return 0;
}

void sp__ua_replaces_done(struct sp_ua_call *c)
{
	struct sp_ua_call *old = c->replaces;
	c->replaces = NULL;
	if (!old)
		return;
	/* §3: the replaced dialog is shut down: BYE (CANCEL when early). */
	if (old->ua && old->state != SP_UA_CALL_ENDED && !old->ending) {
		int rc = sp_ua_call_hangup(old, 0);
		if (rc == 0)
			old->reason = "replaced";
	}
	sp_mem_deref(old);
}

/* RFC 3261 §19.1.1, §25.1: escapes what is not unreserved in a URI
 * header value. */
static int escape(char *out, size_t cap, struct sp_str s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char ch = (unsigned char)s.p[i];
		bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9') || strchr("-_.!~*'()", ch);
		if (n + 4 > cap)
			return -ENOSPC;
		if (plain && ch) {
			out[n++] = (char)ch;
		} else {
			out[n++] = '%';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		}
	}
	out[n] = 0;
	return 0;
}

int sp__ua_replaces_uri(struct sp_ua *ua, const struct sp_ua_call *other, char *buf, size_t cap)
{
	char t[UA_STR_MAX], val[UA_STR_MAX + 96], esc[3 * sizeof(val)];
	int rc;

	if (!other->ua || other->ua != ua || other->state != SP_UA_CALL_CONFIRMED ||
	    other->ending || !other->dlg)
		return -EINVAL;
	rc = sp__ua_target(ua, other->peer, t, sizeof(t));
	if (rc)
		return rc;
	/* RFC 3891 §6.1 as the target will match it: its local tag (our
	 * remote one) as to-tag, ours as from-tag. */
	struct sp_dialog_id id = sp_dialog_id(other->dlg);
	rc = snprintf(val, sizeof(val), "%.*s;to-tag=%.*s;from-tag=%.*s", SP_STR_FMT(id.call_id),
		      SP_STR_FMT(id.remote_tag), SP_STR_FMT(id.local_tag));
	if (rc <= 0 || (size_t)rc >= sizeof(val))
		return -ENOSPC;
	rc = escape(esc, sizeof(esc), sp_str_c(val));
	if (rc)
		return rc;
	rc = snprintf(buf, cap, "%s?Replaces=%s", t, esc);
	return rc > 0 && (size_t)rc < cap ? 0 : -ENOSPC;
}

int sp__ua_refer_to_replaces(struct sp_str uri_raw, char *buf, size_t cap)
{
	const char *q = memchr(uri_raw.p, '?', uri_raw.len);
	const char *p, *end = uri_raw.p + uri_raw.len;

	buf[0] = 0;
	if (!q)
		return 0;
	/* RFC 3261 §19.1.1: headers = "?" header *( "&" header ). */
	for (p = q + 1; p < end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *e = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(e - p));
		if (eq && (size_t)(eq - p) == 8 && !strncasecmp(p, "Replaces", 8)) {
			char v[UA_STR_MAX + 96];
			long n = sp_uri_unescape(v, sizeof(v) - 1,
						 (struct sp_str){ eq + 1, (size_t)(e - eq - 1) });
			if (n <= 0 || memchr(v, '\r', (size_t)n) || memchr(v, '\n', (size_t)n))
				return -EINVAL;
			int rc = snprintf(buf, cap, "Replaces: %.*s\r\n", (int)n, v);
			return rc > 0 && (size_t)rc < cap ? 0 : -ENOSPC;
		}
		p = amp ? amp + 1 : end;
	}
	return 0;
}
