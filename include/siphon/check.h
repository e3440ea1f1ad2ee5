/*
 * Application-level checks on a well-formed message: the things that are
 * not syntax errors but that a server, proxy, registrar or UAC must still
 * refuse or drop (RFC 3261 §8.2, §16.3, §10.3; RFC 4475 §3.2, §3.3).
 *
 * The parser answers "is this SIP?"; sp_msg_check answers "what would an
 * element in each role do about it?". Each finding names the response the
 * element should send (or 0: drop silently), the role that acts on it, and
 * where in the message the cause is. A message that needs no special
 * treatment has no findings. Unknown methods are not findings: a UAS
 * answers them with 501 as part of ordinary method dispatch (RFC 3261
 * §8.2.1), and RFC 4475 counts them as valid (intmeth, esc02).
 */
#ifndef SIPHON_CHECK_H
#define SIPHON_CHECK_H

#include "siphon/msg.h"

/* Roles a finding applies to (compare by value or with strcmp). */
#define SP_ROLE_ANY "any"
#define SP_ROLE_UAS "uas"
#define SP_ROLE_UAC "uac"
#define SP_ROLE_PROXY "proxy"
#define SP_ROLE_REGISTRAR "registrar"

struct sp_finding {
	uint16_t status;    /* response to send, 0 = drop silently */
	const char *role;   /* SP_ROLE_*: who acts on it */
	const char *reason; /* short static text naming the rule */
	struct sp_str detail; /* the offending bytes (an option tag, a media
			       * type, a scheme ...) inside msg->buf; p == NULL
			       * when the finding is about something absent */
	size_t offset;      /* byte offset in msg->buf of the relevant header
			     * or Request-URI; 0 when something is missing */
};

/* Runs every application-level rule over msg, which must have passed
 * sp_msg_parse (and should have passed sp_msg_validate: values that fail
 * to decode are skipped here, not reported). Stores up to max findings in
 * out[] (out may be NULL when max is 0), in a stable order. Returns the
 * total number of findings, which may exceed max (then only the first max
 * were stored). Pure: never allocates, never modifies msg. */
size_t sp_msg_check(const struct sp_msg *msg, struct sp_finding *out, size_t max);

#endif
