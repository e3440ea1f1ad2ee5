/*
 * The registry of known header fields, methods and transports. Header
 * names are matched case-insensitively, long or compact (RFC 3261 §7.3.1,
 * §7.3.3; compact letters from the IANA SIP parameter registry). Lookup is
 * by first letter and length, then one case-folded compare: a handful of
 * byte comparisons per header on the parse hot path.
 */
#include <stdlib.h>

#include "siphon/ctype.h"
#include "siphon/hdr.h"

#define L SP_HDRF_LIST
#define S SP_HDRF_SINGLE
#define E SP_HDRF_EMPTY_OK

static const struct sp_hdr_info hdr_table[SP_HDR__COUNT] = {
	[SP_HDR_OTHER] = { NULL, 0, 0 },
	[SP_HDR_ACCEPT] = { "Accept", 0, L | E },
	[SP_HDR_ACCEPT_CONTACT] = { "Accept-Contact", 'a', L },
	[SP_HDR_ACCEPT_ENCODING] = { "Accept-Encoding", 0, L | E },
	[SP_HDR_ACCEPT_LANGUAGE] = { "Accept-Language", 0, L | E },
	[SP_HDR_ALERT_INFO] = { "Alert-Info", 0, L },
	[SP_HDR_ALLOW] = { "Allow", 0, L | E },
	[SP_HDR_ALLOW_EVENTS] = { "Allow-Events", 'u', L },
	[SP_HDR_AUTHENTICATION_INFO] = { "Authentication-Info", 0, S },
	[SP_HDR_AUTHORIZATION] = { "Authorization", 0, 0 },
	[SP_HDR_CALL_ID] = { "Call-ID", 'i', S },
	[SP_HDR_CALL_INFO] = { "Call-Info", 0, L },
	[SP_HDR_CONTACT] = { "Contact", 'm', L },
	[SP_HDR_CONTENT_DISPOSITION] = { "Content-Disposition", 0, S },
	[SP_HDR_CONTENT_ENCODING] = { "Content-Encoding", 'e', L },
	[SP_HDR_CONTENT_LANGUAGE] = { "Content-Language", 0, L },
	[SP_HDR_CONTENT_LENGTH] = { "Content-Length", 'l', S },
	[SP_HDR_CONTENT_TYPE] = { "Content-Type", 'c', S },
	[SP_HDR_CSEQ] = { "CSeq", 0, S },
	[SP_HDR_DATE] = { "Date", 0, S },
	[SP_HDR_ERROR_INFO] = { "Error-Info", 0, L },
	[SP_HDR_EVENT] = { "Event", 'o', S },
	[SP_HDR_EXPIRES] = { "Expires", 0, S },
	[SP_HDR_FROM] = { "From", 'f', S },
	[SP_HDR_IDENTITY] = { "Identity", 'y', S },
	[SP_HDR_IDENTITY_INFO] = { "Identity-Info", 'n', S },
	[SP_HDR_IN_REPLY_TO] = { "In-Reply-To", 0, L },
	[SP_HDR_MAX_FORWARDS] = { "Max-Forwards", 0, S },
	[SP_HDR_MIME_VERSION] = { "MIME-Version", 0, S },
	[SP_HDR_MIN_EXPIRES] = { "Min-Expires", 0, S },
	[SP_HDR_MIN_SE] = { "Min-SE", 0, S },
	[SP_HDR_ORGANIZATION] = { "Organization", 0, S },
	[SP_HDR_P_ASSERTED_IDENTITY] = { "P-Asserted-Identity", 0, L },
	[SP_HDR_P_PREFERRED_IDENTITY] = { "P-Preferred-Identity", 0, L },
	[SP_HDR_PATH] = { "Path", 0, L },
	[SP_HDR_PRIORITY] = { "Priority", 0, S },
	[SP_HDR_PRIVACY] = { "Privacy", 0, 0 },
	[SP_HDR_PROXY_AUTHENTICATE] = { "Proxy-Authenticate", 0, 0 },
	[SP_HDR_PROXY_AUTHORIZATION] = { "Proxy-Authorization", 0, 0 },
	[SP_HDR_PROXY_REQUIRE] = { "Proxy-Require", 0, L },
	[SP_HDR_RACK] = { "RAck", 0, S },
	[SP_HDR_REASON] = { "Reason", 0, L },
	[SP_HDR_RECORD_ROUTE] = { "Record-Route", 0, L },
	[SP_HDR_REFER_TO] = { "Refer-To", 'r', S },
	[SP_HDR_REFERRED_BY] = { "Referred-By", 'b', S },
	[SP_HDR_REJECT_CONTACT] = { "Reject-Contact", 'j', L },
	[SP_HDR_REPLACES] = { "Replaces", 0, S },
	[SP_HDR_REPLY_TO] = { "Reply-To", 0, S },
	[SP_HDR_REQUEST_DISPOSITION] = { "Request-Disposition", 'd', L },
	[SP_HDR_REQUIRE] = { "Require", 0, L },
	[SP_HDR_RETRY_AFTER] = { "Retry-After", 0, S },
	[SP_HDR_ROUTE] = { "Route", 0, L },
	[SP_HDR_RSEQ] = { "RSeq", 0, S },
	[SP_HDR_SERVER] = { "Server", 0, S },
	[SP_HDR_SESSION_EXPIRES] = { "Session-Expires", 'x', S },
	[SP_HDR_SIP_ETAG] = { "SIP-ETag", 0, S },
	[SP_HDR_SIP_IF_MATCH] = { "SIP-If-Match", 0, S },
	[SP_HDR_SUBJECT] = { "Subject", 's', S },
	[SP_HDR_SUBSCRIPTION_STATE] = { "Subscription-State", 0, S },
	[SP_HDR_SUPPORTED] = { "Supported", 'k', L | E },
	[SP_HDR_TIMESTAMP] = { "Timestamp", 0, S },
	[SP_HDR_TO] = { "To", 't', S },
	[SP_HDR_UNSUPPORTED] = { "Unsupported", 0, L },
	[SP_HDR_USER_AGENT] = { "User-Agent", 0, S },
	[SP_HDR_VIA] = { "Via", 'v', L },
	[SP_HDR_WARNING] = { "Warning", 0, L },
	[SP_HDR_WWW_AUTHENTICATE] = { "WWW-Authenticate", 0, 0 },
};

#undef L
#undef S
#undef E

const struct sp_hdr_info *sp_hdr_info(enum sp_hdr_id id)
{
	return (unsigned)id < SP_HDR__COUNT ? &hdr_table[id] : &hdr_table[SP_HDR_OTHER];
}

/* Open-addressed hash of the long names, keyed on length and first and
 * last letter (case-folded), plus a table of compact letters. Built from
 * hdr_table before main, so the two can never disagree and the lookup needs
 * no lock. One probe for nearly every name. */
#define HASH_SLOTS 256u
static uint8_t hash_slots[HASH_SLOTS]; /* header id, 0 = empty */
static uint8_t compact_ids[26];
static uint8_t name_len[SP_HDR__COUNT];
static char name_lower[SP_HDR__COUNT][24]; /* long names, lowercase */

static unsigned name_hash(const char *p, size_t len)
{
	return ((unsigned)sp_lower[(unsigned char)p[0]] * 31u +
		(unsigned)sp_lower[(unsigned char)p[len - 1]] * 7u + (unsigned)len * 17u) %
	       HASH_SLOTS;
}

__attribute__((constructor)) static void hdr_table_init(void)
{
	for (unsigned id = 1; id < SP_HDR__COUNT; id++) {
		const struct sp_hdr_info *h = &hdr_table[id];
		size_t len = strlen(h->name);
		if (len >= sizeof(name_lower[0]))
			abort(); /* programming error: widen name_lower */
		name_len[id] = (uint8_t)len;
		for (size_t k = 0; k < len; k++)
			name_lower[id][k] = (char)sp_lower[(unsigned char)h->name[k]];
		unsigned slot = name_hash(h->name, len);
		while (hash_slots[slot])
			slot = (slot + 1) % HASH_SLOTS;
		hash_slots[slot] = (uint8_t)id;
		if (h->compact)
			compact_ids[sp_lower[(unsigned char)h->compact] - 'a'] = (uint8_t)id;
	}
}

/* Registry names hold only letters and '-': OR-ing 0x20 into each input
 * byte folds letters and maps no other token character onto a letter or
 * '-', so a case-insensitive compare is an OR and a compare, eight bytes at
 * a time. want is zero-padded to 24 bytes. */
static bool name_eq_folded(struct sp_str name, const char *want)
{
	const uint64_t fold = 0x2020202020202020ull;
	size_t k = 0;
	for (; k + 8 <= name.len; k += 8) {
		uint64_t a, b;
		memcpy(&a, name.p + k, 8);
		memcpy(&b, want + k, 8);
		if ((a | fold) != b)
			return false;
	}
	for (; k < name.len; k++)
		if ((char)(name.p[k] | 0x20) != want[k])
			return false;
	return true;
}

enum sp_hdr_id sp_hdr_lookup(struct sp_str name)
{
	if (name.len == 0)
		return SP_HDR_OTHER;
	if (name.len == 1) {
		unsigned char c = sp_lower[(unsigned char)name.p[0]];
		return c >= 'a' && c <= 'z' ? (enum sp_hdr_id)compact_ids[c - 'a'] : SP_HDR_OTHER;
	}
	for (unsigned slot = name_hash(name.p, name.len); hash_slots[slot];
	     slot = (slot + 1) % HASH_SLOTS) {
		unsigned id = hash_slots[slot];
		if (name_len[id] != name.len)
			continue;
		if (name_eq_folded(name, name_lower[id]))
			return (enum sp_hdr_id)id;
	}
	return SP_HDR_OTHER;
}

static const char *const method_names[SP_METHOD__COUNT] = {
	[SP_METHOD_OTHER] = "OTHER",	     [SP_METHOD_INVITE] = "INVITE",
	[SP_METHOD_ACK] = "ACK",	     [SP_METHOD_BYE] = "BYE",
	[SP_METHOD_CANCEL] = "CANCEL",	     [SP_METHOD_OPTIONS] = "OPTIONS",
	[SP_METHOD_REGISTER] = "REGISTER",   [SP_METHOD_PRACK] = "PRACK",
	[SP_METHOD_UPDATE] = "UPDATE",	     [SP_METHOD_INFO] = "INFO",
	[SP_METHOD_MESSAGE] = "MESSAGE",     [SP_METHOD_REFER] = "REFER",
	[SP_METHOD_SUBSCRIBE] = "SUBSCRIBE", [SP_METHOD_NOTIFY] = "NOTIFY",
	[SP_METHOD_PUBLISH] = "PUBLISH",
};

/* RFC 3261 §7.1: "The method token is case-sensitive." */
enum sp_method sp_method_lookup(struct sp_str name)
{
	for (unsigned m = 1; m < SP_METHOD__COUNT; m++)
		if (name.len == strlen(method_names[m]) &&
		    memcmp(name.p, method_names[m], name.len) == 0)
			return (enum sp_method)m;
	return SP_METHOD_OTHER;
}

const char *sp_method_name(enum sp_method m)
{
	return (unsigned)m < SP_METHOD__COUNT ? method_names[m] : "OTHER";
}

static const char *const transport_names[] = {
	[SP_TP_OTHER] = NULL, [SP_TP_UDP] = "UDP", [SP_TP_TCP] = "TCP", [SP_TP_TLS] = "TLS",
	[SP_TP_SCTP] = "SCTP", [SP_TP_WS] = "WS",   [SP_TP_WSS] = "WSS",
};

enum sp_transport sp_transport_lookup(struct sp_str name)
{
	for (unsigned t = 1; t < sizeof(transport_names) / sizeof(transport_names[0]); t++)
		if (sp_str_caseeq_c(name, transport_names[t]))
			return (enum sp_transport)t;
	return SP_TP_OTHER;
}

const char *sp_transport_name(enum sp_transport tp)
{
	return (unsigned)tp < sizeof(transport_names) / sizeof(transport_names[0]) ?
		       transport_names[tp] :
		       NULL;
}
