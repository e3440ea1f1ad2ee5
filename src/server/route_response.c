/*
 * Where responses go, beyond what sp_response_dest (response.h) decides
 * from the request: the reliable-transport fallback of RFC 3261 §18.2.2
 * (the connection closed: open a new one to the received address and the
 * sent-by port), and the server's send policy (never a broadcast address,
 * RFC 4475 bcast; never outside security.allow_destinations, TESTING.md).
 */
#include <errno.h>

#include "siphon/server.h"

int sp_route_reconnect(const void *resp, size_t len, struct sp_sa *out)
{
	struct sp_msg msg;
	struct sp_sa sa;
	int rc = -EINVAL;

	sp_msg_parse(&msg, resp, len);
	if (msg.has_via) {
		const struct sp_via *via = &msg.via1;
		uint16_t port = via->sent_by.has_port ? via->sent_by.port
			      : via->transport == SP_TP_TLS ? 5061
							   : 5060;
		/* §18.2.2: "the IP address in the received parameter, if
		 * present, using the port in the sent-by value"; without
		 * received, sent-by was the source address itself. */
		if ((via->received.len && sp_sa_from_host(&sa, via->received, port) == 0) ||
		    sp_sa_from_host(&sa, via->sent_by.host, port) == 0) {
			*out = sa;
			rc = 0;
		}
	}
	sp_msg_free(&msg);
	return rc;
}

int sp_route_check(const struct sp_config *cfg, const struct sp_sa *dst)
{
	if (!dst->len || sp_sa_is_broadcast(dst))
		return -EACCES;
	if (sp_sa_family(dst) == AF_INET) {
		/* 224.0.0.0/4 multicast, 255.255.255.255 limited broadcast. */
		uint8_t first = ((const uint8_t *)&dst->u.in4.sin_addr)[0];
		if (first >= 224)
			return -EACCES;
	} else if (IN6_IS_ADDR_MULTICAST(&dst->u.in6.sin6_addr)) {
		return -EACCES;
	}
	return sp_config_dest_allowed(cfg, dst) ? 0 : -EACCES;
}
