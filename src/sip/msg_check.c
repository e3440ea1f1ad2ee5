/*
 * Application-level rules over a well-formed message (check.h): what a
 * UAS, proxy, registrar or UAC must refuse or drop even though the parser
 * accepted the bytes. These are the RFC 4475 §3.2 and §3.3 cases plus the
 * RFC 3261 rules behind them.
 *
 * Each rule is one small function that appends findings. A rule never
 * fires on something RFC 4475, RFC 5118 or RFC 3665 treat as ordinary:
 * a missing Max-Forwards (RFC 2543 peers, RFC 4475 inv2543), an unknown
 * method (answered 501 by method dispatch, not here: intmeth, esc02), an
 * unknown Via transport (transports).
 */
#include "siphon/check.h"

struct checker {
	const struct sp_msg *msg;
	struct sp_finding *out;
	size_t max, n;
};

static size_t off(const struct sp_msg *msg, const char *p)
{
	return p ? (size_t)(p - msg->buf) : 0;
}

static void add(struct checker *c, uint16_t status, const char *role, const char *reason,
		struct sp_str detail, const char *at)
{
	/* Nothing answers a response or an ACK (RFC 3261 §17: an ACK gets no
	 * response of its own); what would be refused there is dropped. */
	if (!c->msg->request || c->msg->method_id == SP_METHOD_ACK)
		status = 0;
	if (c->n < c->max) {
		struct sp_finding *f = &c->out[c->n];
		f->status = status;
		f->role = role;
		f->reason = reason;
		f->detail = detail;
		f->offset = off(c->msg, at);
	}
	c->n++;
}

/* RFC 3261 §8.1.1: To, From, CSeq, Call-ID, Max-Forwards and Via are
 * mandatory in a request (§20 table: and all but Max-Forwards in a
 * response). Max-Forwards is left out: RFC 2543 had none, and RFC 3261
 * §16.3 step 3 treats its absence as "not limited" (RFC 4475 inv2543).
 * RFC 4475 §3.3.1 insuf: answer 400. */
static void rule_mandatory(struct checker *c)
{
	static const struct {
		enum sp_hdr_id id;
		const char *reason;
	} need[] = {
		{ SP_HDR_VIA, "mandatory header missing: Via" },
		{ SP_HDR_CALL_ID, "mandatory header missing: Call-ID" },
		{ SP_HDR_FROM, "mandatory header missing: From" },
		{ SP_HDR_TO, "mandatory header missing: To" },
		{ SP_HDR_CSEQ, "mandatory header missing: CSeq" },
	};
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!sp_msg_hdr(c->msg, need[i].id))
			add(c, 400, SP_ROLE_ANY, need[i].reason, SP_STR_NULL, NULL);
}

/* RFC 3261 §7.3.1, §20: headers that are not lists appear at most once;
 * two Call-IDs, Froms or CSeqs leave the transaction undefined. RFC 4475
 * §3.3.8 multi01: answer 400. One finding per repeated header, at its
 * second occurrence. */
static void rule_single(struct checker *c)
{
	for (unsigned id = 1; id < SP_HDR__COUNT; id++) {
		if (!(sp_hdr_info((enum sp_hdr_id)id)->flags & SP_HDRF_SINGLE))
			continue;
		const struct sp_hdr *h = sp_msg_hdr(c->msg, (enum sp_hdr_id)id);
		const struct sp_hdr *again = h ? sp_msg_hdr_next(c->msg, h) : NULL;
		if (again)
			add(c, 400, SP_ROLE_ANY, "single-valued header repeated", again->name,
			    again->name.p);
	}
}

/* RFC 3261 §8.1.1.7: a branch starting with the magic cookie must carry
 * an identifier after it, unique per transaction; a bare "z9hG4bK" would
 * make every such request match one transaction (§17.2.3). RFC 4475
 * §3.2.1 badbranch: reject with 400 (preferably statelessly). */
static void rule_branch(struct checker *c)
{
	const struct sp_str b = c->msg->via1.branch;
	if (c->msg->has_via && sp_str_eq(b, SP_STR("z9hG4bK")))
		add(c, 400, SP_ROLE_ANY, "Via branch is only the magic cookie", b, b.p);
}

/* RFC 3261 §8.2.2.1 (UAS) and §16.3 step 1 (proxy): a Request-URI scheme
 * the element does not understand gets 416. siphon routes sip, sips and
 * tel. RFC 4475 §3.3.2 unkscm, §3.3.3 novelsc. */
static void rule_ruri_scheme(struct checker *c)
{
	const struct sp_uri *u = &c->msg->ruri;
	if (u->scheme == SP_URI_OTHER)
		add(c, 416, SP_ROLE_ANY, "Request-URI scheme not supported", u->scheme_raw,
		    c->msg->ruri_raw.p);
}

/* RFC 3261 §10.2: the To header of a REGISTER holds the address of record,
 * a SIP or SIPS URI. RFC 4475 §3.3.4 unksm2: a registrar answers 400. */
static void rule_register_to(struct checker *c)
{
	const struct sp_msg *msg = c->msg;
	if (msg->method_id != SP_METHOD_REGISTER || !msg->has_to)
		return;
	if (msg->to.uri.scheme != SP_URI_SIP && msg->to.uri.scheme != SP_URI_SIPS)
		add(c, 400, SP_ROLE_REGISTRAR, "REGISTER To is not a sip or sips URI",
		    msg->to.uri.scheme_raw, msg->to.uri_raw.p);
}

/* Option tags siphon implements as a UAS and as a proxy. Empty for now:
 * each feature adds its tag here when it lands (100rel with PRACK,
 * timer with session timers, ...). */
static const char *const uas_option_tags[] = { NULL };
static const char *const proxy_option_tags[] = { NULL };

static bool tag_known(const char *const *tags, struct sp_str tag)
{
	for (; *tags; tags++)
		if (sp_str_caseeq_c(tag, *tags))
			return true;
	return false;
}

/* RFC 3261 §8.2.2.3 (Require at a UAS) and §16.3 step 4 (Proxy-Require at
 * a proxy): an option tag the element does not support gets 420 Bad
 * Extension with the tags in Unsupported, one finding per tag. Both
 * headers are ignored in CANCEL and ACK (§8.2.2.3). RFC 4475 §3.3.5 bext01. */
static void rule_require(struct checker *c)
{
	const struct sp_msg *msg = c->msg;
	if (msg->method_id == SP_METHOD_CANCEL || msg->method_id == SP_METHOD_ACK)
		return;
	for (const struct sp_hdr *h = sp_msg_hdr(msg, SP_HDR_REQUIRE); h;
	     h = sp_msg_hdr_next(msg, h))
		if (!tag_known(uas_option_tags, h->value))
			add(c, 420, SP_ROLE_UAS, "Require option tag not supported", h->value,
			    h->value.p);
	for (const struct sp_hdr *h = sp_msg_hdr(msg, SP_HDR_PROXY_REQUIRE); h;
	     h = sp_msg_hdr_next(msg, h))
		if (!tag_known(proxy_option_tags, h->value))
			add(c, 420, SP_ROLE_PROXY, "Proxy-Require option tag not supported",
			    h->value, h->value.p);
}

/* Body types a siphon UA understands. multipart/signed is readable
 * without checking the signature (RFC 1847 §2.1: the first part is the
 * content itself), so it is accepted like multipart/mixed. */
static const char *const body_types[][2] = {
	{ "application", "sdp" },
	{ "application", "pidf+xml" },
	{ "application", "xpidf+xml" },
	{ "application", "watcherinfo+xml" },
	{ "application", "rlmi+xml" },
	{ "application", "dtmf-relay" },
	{ "application", "simple-message-summary" },
	{ "multipart", "mixed" },
	{ "multipart", "alternative" },
	{ "multipart", "related" },
	{ "multipart", "signed" },
	{ "message", "sipfrag" },
	{ "text", "plain" },
};

static bool type_is(const struct sp_media_type *mt, const char *type, const char *subtype)
{
	return sp_str_caseeq_c(mt->type, type) && sp_str_caseeq_c(mt->subtype, subtype);
}

/* The media type of the body, or false if there is no usable one. */
static bool body_type(const struct sp_msg *msg, struct sp_media_type *mt)
{
	const struct sp_hdr *h = sp_msg_hdr(msg, SP_HDR_CONTENT_TYPE);
	return h && sp_media_type_parse(mt, h->value, NULL) == 0;
}

/* RFC 3261 §8.2.3: a UAS answers a body it cannot process (type, or a
 * Content-Encoding other than identity) with 415 and an Accept /
 * Accept-Encoding listing what it takes. §7.4.1: a non-empty body needs a
 * Content-Type. RFC 4475 §3.3.6 invut. A proxy does not look at bodies. */
static void rule_body(struct checker *c)
{
	const struct sp_msg *msg = c->msg;
	struct sp_media_type mt;
	if (msg->body.len == 0)
		return;
	for (const struct sp_hdr *h = sp_msg_hdr(msg, SP_HDR_CONTENT_ENCODING); h;
	     h = sp_msg_hdr_next(msg, h))
		if (!sp_str_caseeq_c(h->value, "identity"))
			add(c, 415, SP_ROLE_UAS, "Content-Encoding not supported", h->value,
			    h->value.p);
	if (!body_type(msg, &mt)) {
		add(c, 400, SP_ROLE_UAS, "body without Content-Type", SP_STR_NULL, msg->body.p);
		return;
	}
	for (size_t i = 0; i < sizeof(body_types) / sizeof(body_types[0]); i++)
		if (type_is(&mt, body_types[i][0], body_types[i][1]))
			return;
	struct sp_str t = sp_str_span(mt.type.p, mt.subtype.p + mt.subtype.len);
	add(c, 415, SP_ROLE_UAS, "Content-Type not supported", t, t.p);
}

/* q=0 marks a type as not acceptable (RFC 3261 §20.1 takes Accept from
 * HTTP, RFC 2616 §14.1, §3.9). */
static bool q_zero(struct sp_str params)
{
	struct sp_str q;
	if (!sp_param_find(params, "q", &q) || !q.p || !q.len || q.p[0] != '0')
		return false;
	for (size_t i = 1; i < q.len; i++)
		if (q.p[i] != '.' && q.p[i] != '0')
			return false;
	return true;
}

/* RFC 3261 §20.1: an INVITE offering SDP whose Accept does not admit
 * application/sdp leaves the UAS no format for its answer (an Accept
 * header present but empty admits nothing; no Accept at all means
 * application/sdp). RFC 4475 §3.3.15 sdp01: 406 Not Acceptable. */
static void rule_accept_sdp(struct checker *c)
{
	const struct sp_msg *msg = c->msg;
	struct sp_media_type mt, acc;
	const struct sp_hdr_line *line = NULL;
	if (msg->method_id != SP_METHOD_INVITE || msg->body.len == 0 || !body_type(msg, &mt) ||
	    !type_is(&mt, "application", "sdp"))
		return;
	for (unsigned i = 0; i < msg->nlines && !line; i++)
		if (msg->lines[i].id == SP_HDR_ACCEPT)
			line = &msg->lines[i];
	if (!line)
		return;
	for (const struct sp_hdr *h = sp_msg_hdr(msg, SP_HDR_ACCEPT); h;
	     h = sp_msg_hdr_next(msg, h)) {
		if (sp_media_type_parse(&acc, h->value, NULL) != 0 || q_zero(acc.params))
			continue;
		if (type_is(&acc, "application", "sdp") || type_is(&acc, "application", "*") ||
		    type_is(&acc, "*", "*"))
			return;
	}
	add(c, 406, SP_ROLE_UAS, "INVITE offers SDP but Accept excludes application/sdp",
	    line->raw, line->raw.p);
}

/* RFC 3261 §16.3 step 3: a proxy must not forward a request whose
 * Max-Forwards is 0, and answers 483. A UAS processes it normally.
 * RFC 4475 §3.3.11 zeromf. */
static void rule_max_forwards(struct checker *c)
{
	const struct sp_hdr *h = sp_msg_hdr(c->msg, SP_HDR_MAX_FORWARDS);
	if (c->msg->max_forwards == 0 && h)
		add(c, 483, SP_ROLE_PROXY, "Max-Forwards is 0", h->value, h->name.p);
}

/* RFC 3261 §22.4: Digest is the scheme SIP uses; credentials in another
 * scheme cannot be checked. The element that authenticates challenges
 * again in Digest: a registrar or UAS with 401 (§22.2, RFC 4475 §3.3.7
 * regaut01), a proxy with 407 (§22.3). */
static void rule_auth_scheme(struct checker *c)
{
	const struct sp_msg *msg = c->msg;
	union sp_hdr_parsed v;
	for (const struct sp_hdr *h = sp_msg_hdr(msg, SP_HDR_AUTHORIZATION); h;
	     h = sp_msg_hdr_next(msg, h))
		if (sp_auth_parse(&v.auth, h->value, 0, NULL) == 0 && !v.auth.digest)
			add(c, 401,
			    msg->method_id == SP_METHOD_REGISTER ? SP_ROLE_REGISTRAR
								 : SP_ROLE_UAS,
			    "Authorization scheme is not Digest", v.auth.scheme, h->name.p);
	for (const struct sp_hdr *h = sp_msg_hdr(msg, SP_HDR_PROXY_AUTHORIZATION); h;
	     h = sp_msg_hdr_next(msg, h))
		if (sp_auth_parse(&v.auth, h->value, 0, NULL) == 0 && !v.auth.digest)
			add(c, 407, SP_ROLE_PROXY, "Proxy-Authorization scheme is not Digest",
			    v.auth.scheme, h->name.p);
}

/* RFC 4475 §3.3.10 bcast: a response whose Via (sent-by or received, the
 * addresses a proxy sends the response on to, RFC 3261 §18.2.2) names the
 * limited broadcast address is dropped, by a proxy so that it never
 * floods the network and by a UAC as forged. */
static void rule_broadcast(struct checker *c)
{
	const struct sp_msg *msg = c->msg;
	union sp_hdr_parsed v;
	for (const struct sp_hdr *h = sp_msg_hdr(msg, SP_HDR_VIA); h; h = sp_msg_hdr_next(msg, h)) {
		if (sp_via_parse(&v.via, h->value, NULL) != 0)
			continue;
		struct sp_str bad = SP_STR_NULL;
		if (sp_str_eq(v.via.sent_by.host, SP_STR("255.255.255.255")))
			bad = v.via.sent_by.host;
		else if (sp_str_eq(v.via.received, SP_STR("255.255.255.255")))
			bad = v.via.received;
		if (!bad.p)
			continue;
		add(c, 0, SP_ROLE_PROXY, "Via names the broadcast address", bad, bad.p);
		add(c, 0, SP_ROLE_UAC, "Via names the broadcast address", bad, bad.p);
		return;
	}
}

size_t sp_msg_check(const struct sp_msg *msg, struct sp_finding *out, size_t max)
{
	struct checker c = { .msg = msg, .out = out, .max = out ? max : 0, .n = 0 };

	rule_mandatory(&c);
	rule_single(&c);
	if (msg->request) {
		rule_branch(&c);
		rule_ruri_scheme(&c);
		rule_register_to(&c);
		rule_require(&c);
		rule_body(&c);
		rule_accept_sdp(&c);
		rule_max_forwards(&c);
		rule_auth_scheme(&c);
	} else {
		rule_broadcast(&c);
	}
	return c.n;
}
