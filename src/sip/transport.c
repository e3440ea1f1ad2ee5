/*
 * Sending requests (RFC 3261 §18.1.1): choosing UDP or TCP by size and
 * writing our Via. Kept apart from the socket code in src/net: these are
 * SIP rules, the sockets just carry bytes.
 */
#include <errno.h>

#include "siphon/transport.h"

enum sp_transport sp_request_transport(enum sp_transport tp, size_t len, bool tcp_ok)
{
	/* §18.1.1: "If a request is within 200 bytes of the path MTU, or if
	 * it is larger than 1300 bytes and the path MTU is unknown, the
	 * request MUST be sent using an RFC 2914 congestion controlled
	 * transport protocol, such as TCP." */
	if (tp == SP_TP_UDP && len > SP_UDP_REQUEST_MAX && tcp_ok)
		return SP_TP_TCP;
	return tp;
}

int sp_via_print(struct sp_wbuf *out, enum sp_transport tp, struct sp_str host, uint16_t port,
		 struct sp_str branch, bool rport)
{
	const char *name = sp_transport_name(tp);
	size_t mark = out->len;
	/* §8.1.1.7: branches we create start with the magic cookie. */
	if (!name || host.len == 0 || branch.len <= 7 || memcmp(branch.p, "z9hG4bK", 7) != 0)
		return -EINVAL;
	bool v6 = sp_str_chr(host, ':') >= 0 && host.p[0] != '[';
	sp_wbuf_cstr(out, "SIP/2.0/");
	sp_wbuf_cstr(out, name);
	sp_wbuf_put(out, v6 ? " [" : " ", v6 ? 2 : 1);
	sp_wbuf_str(out, host);
	if (v6)
		sp_wbuf_put(out, "]", 1);
	if (port) {
		sp_wbuf_put(out, ":", 1);
		sp_wbuf_u64(out, port);
	}
	sp_wbuf_cstr(out, ";branch=");
	sp_wbuf_str(out, branch);
	if (rport)
		sp_wbuf_cstr(out, ";rport"); /* RFC 3581 §3: ask for the source port */
	if (out->overflow) {
		out->len = mark;
		return -ENOSPC;
	}
	return 0;
}
