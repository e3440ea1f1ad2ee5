/*
 * The sending half of the SIP transport layer (RFC 3261 §18.1): which
 * transport a request goes over, and the Via header field that names it.
 * Receiving (received/rport, §18.2.1) and response routing (§18.2.2) live
 * in response.h.
 */
#ifndef SIPHON_TRANSPORT_H
#define SIPHON_TRANSPORT_H

#include "siphon/hdr.h"
#include "siphon/print.h"
#include "siphon/sa.h"

/* RFC 3261 §18.1.1: without a known path MTU, a request within 200 bytes
 * of 1500 (so larger than 1300) must not go over UDP. */
#define SP_UDP_REQUEST_MAX 1300

/* The transport for a request of len bytes that would go over tp: TCP
 * instead of UDP when the request is larger than SP_UDP_REQUEST_MAX and
 * tcp_ok (the target is reachable over TCP, e.g. not a UDP-only route);
 * tp otherwise. Decide before writing the Via, which names the transport. */
enum sp_transport sp_request_transport(enum sp_transport tp, size_t len, bool tcp_ok);

/* Writes a Via value for a request we send (RFC 3261 §18.1.1, §20.42;
 * RFC 3581 §3): "SIP/2.0/<TP> host[:port];branch=<branch>;rport". host is
 * how peers reach us (a name or IP; IPv6 gets brackets here); port 0
 * leaves it out (the transport's default). branch must start with the
 * magic cookie z9hG4bK (§8.1.1.7). Returns 0, -EINVAL (other transport,
 * bad branch, empty host) or -ENOSPC. */
int sp_via_print(struct sp_wbuf *out, enum sp_transport tp, struct sp_str host, uint16_t port,
		 struct sp_str branch, bool rport);

#endif
