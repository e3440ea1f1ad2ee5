/*
 * Maps each known header to its structured parser, so that callers (the
 * validator, `siphon lint`, fuzzers) decode any value through one switch.
 */
#include "siphon/msg.h"

enum sp_hdr_kind sp_hdr_kind(enum sp_hdr_id id)
{
	switch (id) {
	case SP_HDR_VIA:
		return SP_HK_VIA;
	case SP_HDR_FROM:
	case SP_HDR_TO:
	case SP_HDR_CONTACT:
	case SP_HDR_ROUTE:
	case SP_HDR_RECORD_ROUTE:
	case SP_HDR_REPLY_TO:
	case SP_HDR_REFER_TO:
	case SP_HDR_REFERRED_BY:
	case SP_HDR_PATH:
	case SP_HDR_P_ASSERTED_IDENTITY:
	case SP_HDR_P_PREFERRED_IDENTITY:
		return SP_HK_NAMEADDR;
	case SP_HDR_CSEQ:
		return SP_HK_CSEQ;
	case SP_HDR_CALL_ID:
		return SP_HK_CALLID;
	case SP_HDR_CONTENT_LENGTH:
	case SP_HDR_MAX_FORWARDS:
	case SP_HDR_EXPIRES:
	case SP_HDR_MIN_EXPIRES:
	case SP_HDR_RSEQ:
	case SP_HDR_MIN_SE:
		return SP_HK_NUMBER;
	case SP_HDR_CONTENT_TYPE:
	case SP_HDR_ACCEPT:
		return SP_HK_MEDIA;
	case SP_HDR_ALLOW:
	case SP_HDR_SUPPORTED:
	case SP_HDR_REQUIRE:
	case SP_HDR_PROXY_REQUIRE:
	case SP_HDR_UNSUPPORTED:
	case SP_HDR_ALLOW_EVENTS:
	case SP_HDR_CONTENT_ENCODING:
		return SP_HK_TOKEN;
	case SP_HDR_EVENT:
		return SP_HK_EVENT;
	case SP_HDR_SUBSCRIPTION_STATE:
		return SP_HK_SUBSTATE;
	case SP_HDR_RACK:
		return SP_HK_RACK;
	case SP_HDR_SESSION_EXPIRES:
		return SP_HK_SESSION_EXPIRES;
	case SP_HDR_RETRY_AFTER:
		return SP_HK_RETRY_AFTER;
	case SP_HDR_DATE:
		return SP_HK_DATE;
	case SP_HDR_PRIORITY:
		return SP_HK_PRIORITY;
	case SP_HDR_WARNING:
		return SP_HK_WARNING;
	case SP_HDR_AUTHORIZATION:
	case SP_HDR_PROXY_AUTHORIZATION:
	case SP_HDR_WWW_AUTHENTICATE:
	case SP_HDR_PROXY_AUTHENTICATE:
		return SP_HK_AUTH;
	case SP_HDR_AUTHENTICATION_INFO:
		return SP_HK_AUTH_INFO;
	default:
		return SP_HK_RAW;
	}
}

/* Max-Forwards is 0-255 (RFC 3261 §20.22); every other number is 32-bit. */
static uint32_t number_max(enum sp_hdr_id id)
{
	return id == SP_HDR_MAX_FORWARDS ? 255 : UINT32_MAX;
}

/* Route, Record-Route and Path allow only the name-addr form (§20.30,
 * §20.34, RFC 3327 §4); Contact alone may be '*' (§20.10). */
static unsigned nameaddr_flags(enum sp_hdr_id id)
{
	switch (id) {
	case SP_HDR_CONTACT:
		return SP_NA_STAR;
	case SP_HDR_ROUTE:
	case SP_HDR_RECORD_ROUTE:
	case SP_HDR_PATH:
		return SP_NA_ANGLE;
	default:
		return 0;
	}
}

int sp_hdr_parse_value(enum sp_hdr_id id, struct sp_str value, union sp_hdr_parsed *out,
		       struct sp_parse_error *err)
{
	switch (sp_hdr_kind(id)) {
	case SP_HK_VIA:
		return sp_via_parse(&out->via, value, err);
	case SP_HK_NAMEADDR:
		return sp_nameaddr_parse(&out->nameaddr, value, nameaddr_flags(id), err);
	case SP_HK_CSEQ:
		return sp_cseq_parse(&out->cseq, value, err);
	case SP_HK_NUMBER:
		return sp_uint_parse(value, number_max(id), &out->number, err,
				     sp_hdr_info(id)->name);
	case SP_HK_MEDIA:
		return sp_media_type_parse(&out->media, value, err);
	case SP_HK_TOKEN:
		out->raw = value;
		return sp_token_parse(value, err);
	case SP_HK_CALLID:
		out->raw = value;
		return sp_callid_parse(value, err);
	case SP_HK_EVENT:
		return sp_event_parse(&out->event, value, err);
	case SP_HK_SUBSTATE:
		return sp_substate_parse(&out->substate, value, err);
	case SP_HK_RACK:
		return sp_rack_parse(&out->rack, value, err);
	case SP_HK_SESSION_EXPIRES:
		return sp_session_expires_parse(&out->session_expires, value, err);
	case SP_HK_RETRY_AFTER:
		return sp_retry_after_parse(&out->retry_after, value, err);
	case SP_HK_DATE:
		return sp_date_parse(&out->date, value, err);
	case SP_HK_PRIORITY:
		out->raw = value;
		return sp_priority_parse(value, err);
	case SP_HK_WARNING:
		return sp_warning_parse(&out->warning, value, err);
	case SP_HK_AUTH:
		return sp_auth_parse(&out->auth, value, 0, err);
	case SP_HK_AUTH_INFO:
		return sp_auth_parse(&out->auth, value, SP_AUTH_NO_SCHEME, err);
	case SP_HK_RAW:
		break;
	}
	out->raw = value;
	return 0;
}
