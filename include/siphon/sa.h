/*
 * Socket addresses: IPv4 and IPv6 in one value type, with parsing and
 * printing in SIP's forms ("192.0.2.1:5060", "[2001:db8::1]:5060").
 */
#ifndef SIPHON_SA_H
#define SIPHON_SA_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "siphon/str.h"

struct sp_sa {
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	} u;
	socklen_t len; /* 0: unset */
};

/* Longest sp_sa_print output ("[ffff:...:255.255.255.255]:65535") + NUL. */
#define SP_SA_STRLEN 64

/* Parses "IPv4[:port]", "[IPv6][:port]" or a bare IPv6 address (no port).
 * A missing port gives default_port. Host names are not resolved here.
 * Returns 0 or -EINVAL. */
int sp_sa_parse(struct sp_sa *sa, struct sp_str s, uint16_t default_port);

/* Sets sa from an IP literal host as found in a URI or Via (IPv6 with or
 * without brackets) and a port. Returns 0 or -EINVAL (not an IP literal). */
int sp_sa_from_host(struct sp_sa *sa, struct sp_str host, uint16_t port);

/* Writes "ip:port" ("[v6]:port") into buf[cap], NUL-terminated; returns
 * its length (0 if sa is unset or cap too small). */
size_t sp_sa_print(const struct sp_sa *sa, char *buf, size_t cap);

/* Writes the address alone, IPv6 without brackets (as in Via received=). */
size_t sp_sa_print_ip(const struct sp_sa *sa, char *buf, size_t cap);

uint16_t sp_sa_port(const struct sp_sa *sa);
void sp_sa_set_port(struct sp_sa *sa, uint16_t port);
int sp_sa_family(const struct sp_sa *sa);

/* Address and port equal (same family). */
bool sp_sa_eq(const struct sp_sa *a, const struct sp_sa *b);
/* A 64-bit hash of sa's IP (and port when with_port) under seed, for hash
 * tables a remote party must not aim at: give each table a random seed. */
uint64_t sp_sa_hash(const struct sp_sa *sa, uint64_t seed, bool with_port);
/* Addresses equal, ports ignored. */
bool sp_sa_ip_eq(const struct sp_sa *a, const struct sp_sa *b);

/* 0.0.0.0 or :: */
bool sp_sa_is_any(const struct sp_sa *sa);
/* 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104 */
bool sp_sa_is_loopback(const struct sp_sa *sa);
/* 255.255.255.255 or an IPv4 multicast/broadcast-like address a response
 * must never be sent to (RFC 4475 bcast). */
bool sp_sa_is_broadcast(const struct sp_sa *sa);

#endif
