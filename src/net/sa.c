/*
 * Socket address helpers. IPv4-mapped IPv6 addresses are kept as they
 * arrive; comparisons treat families as different addresses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "siphon/sa.h"

static int set_ip(struct sp_sa *sa, const char *ip, uint16_t port)
{
	memset(sa, 0, sizeof(*sa));
	if (inet_pton(AF_INET, ip, &sa->u.in4.sin_addr) == 1) {
		sa->u.in4.sin_family = AF_INET;
		sa->u.in4.sin_port = htons(port);
		sa->len = sizeof(sa->u.in4);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &sa->u.in6.sin6_addr) == 1) {
		sa->u.in6.sin6_family = AF_INET6;
		sa->u.in6.sin6_port = htons(port);
		sa->len = sizeof(sa->u.in6);
		return 0;
	}
	return -EINVAL;
}

/* The common case without a copy and inet_pton: a dotted quad of
 * decimal octets 0-255 without leading zeros, which inet_pton reads the
 * same way. False for anything else (the caller then asks inet_pton). */
static bool quad(struct sp_sa *sa, struct sp_str host, uint16_t port)
{
	const char *p = host.p, *end = host.p + host.len;
	uint32_t addr = 0;
	for (int part = 0; part < 4; part++) {
		const char *d = p;
		unsigned v = 0;
		while (p < end && *p >= '0' && *p <= '9' && p - d < 3)
			v = v * 10 + (unsigned)(*p++ - '0');
		if (p == d || v > 255 || (*d == '0' && p - d > 1))
			return false;
		addr = addr << 8 | v;
		if (part < 3 && (p == end || *p++ != '.'))
			return false;
	}
	if (p != end)
		return false;
	memset(sa, 0, sizeof(*sa));
	sa->u.in4.sin_family = AF_INET;
	sa->u.in4.sin_port = htons(port);
	sa->u.in4.sin_addr.s_addr = htonl(addr);
	sa->len = sizeof(sa->u.in4);
	return true;
}

int sp_sa_from_host(struct sp_sa *sa, struct sp_str host, uint16_t port)
{
	char ip[INET6_ADDRSTRLEN + 2];
	if (quad(sa, host, port))
		return 0;
	if (host.len >= 2 && host.p[0] == '[' && host.p[host.len - 1] == ']') {
		host.p++;
		host.len -= 2;
	}
	if (host.len == 0 || host.len >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, host.p, host.len);
	ip[host.len] = 0;
	if (memchr(host.p, 0, host.len))
		return -EINVAL;
	return set_ip(sa, ip, port);
}

static int parse_port(struct sp_str s, uint16_t *port)
{
	uint64_t v;
	if (sp_str_to_u64(s, 65535, &v) != 0)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int sp_sa_parse(struct sp_sa *sa, struct sp_str s, uint16_t default_port)
{
	uint16_t port = default_port;
	if (s.len && s.p[0] == '[') {
		ptrdiff_t close = sp_str_chr(s, ']');
		if (close < 0)
			return -EINVAL;
		struct sp_str host = { s.p, (size_t)close + 1 };
		struct sp_str rest = { s.p + close + 1, s.len - (size_t)close - 1 };
		if (rest.len) {
			if (rest.p[0] != ':' ||
			    parse_port((struct sp_str){ rest.p + 1, rest.len - 1 }, &port))
				return -EINVAL;
		}
		return sp_sa_from_host(sa, host, port);
	}
	ptrdiff_t colon = sp_str_chr(s, ':');
	if (colon >= 0 && sp_str_chr((struct sp_str){ s.p + colon + 1, s.len - (size_t)colon - 1 },
				     ':') >= 0)
		return sp_sa_from_host(sa, s, port); /* bare IPv6, no port */
	if (colon >= 0) {
		if (parse_port((struct sp_str){ s.p + colon + 1, s.len - (size_t)colon - 1 }, &port))
			return -EINVAL;
		s.len = (size_t)colon;
	}
	return sp_sa_from_host(sa, s, port);
}

/* Decimal digits of v at p (no NUL); returns how many. */
static size_t put_uint(char *p, unsigned v)
{
	char tmp[10];
	size_t n = 0, i;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

/* The address of sa as text into ip[INET6_ADDRSTRLEN] (NUL-terminated);
 * returns its length, 0 for no address. IPv4 is formatted here: a proxy
 * prints its own and its peers' addresses in every message it forwards,
 * and inet_ntop goes through sprintf. */
static size_t ip_text(const struct sp_sa *sa, char ip[INET6_ADDRSTRLEN])
{
	if (sa->len && sa->u.sa.sa_family == AF_INET) {
		const unsigned char *b = (const unsigned char *)&sa->u.in4.sin_addr;
		size_t n = 0;
		for (int i = 0; i < 4; i++) {
			if (i)
				ip[n++] = '.';
			n += put_uint(ip + n, b[i]);
		}
		ip[n] = '\0';
		return n;
	}
	if (sa->len && sa->u.sa.sa_family == AF_INET6 &&
	    inet_ntop(AF_INET6, &sa->u.in6.sin6_addr, ip, INET6_ADDRSTRLEN))
		return strlen(ip);
	return 0;
}

size_t sp_sa_print_ip(const struct sp_sa *sa, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];
	size_t n = ip_text(sa, ip);
	if (!n || n >= cap)
		return 0;
	memcpy(buf, ip, n + 1);
	return n;
}

size_t sp_sa_print(const struct sp_sa *sa, char *buf, size_t cap)
{
	char out[INET6_ADDRSTRLEN + 8];
	size_t n = 0, len;
	bool v6 = sa->u.sa.sa_family == AF_INET6;

	if (v6)
		out[n++] = '[';
	if (!(len = ip_text(sa, out + n)))
		return 0;
	n += len;
	if (v6)
		out[n++] = ']';
	out[n++] = ':';
	n += put_uint(out + n, sp_sa_port(sa));
	if (n >= cap)
		return 0;
	memcpy(buf, out, n);
	buf[n] = '\0';
	return n;
}

uint16_t sp_sa_port(const struct sp_sa *sa)
{
	if (sa->u.sa.sa_family == AF_INET)
		return ntohs(sa->u.in4.sin_port);
	if (sa->u.sa.sa_family == AF_INET6)
		return ntohs(sa->u.in6.sin6_port);
	return 0;
}

void sp_sa_set_port(struct sp_sa *sa, uint16_t port)
{
	if (sa->u.sa.sa_family == AF_INET)
		sa->u.in4.sin_port = htons(port);
	else if (sa->u.sa.sa_family == AF_INET6)
		sa->u.in6.sin6_port = htons(port);
}

int sp_sa_family(const struct sp_sa *sa)
{
	return sa->len ? sa->u.sa.sa_family : AF_UNSPEC;
}

bool sp_sa_ip_eq(const struct sp_sa *a, const struct sp_sa *b)
{
	if (sp_sa_family(a) != sp_sa_family(b))
		return false;
	if (a->u.sa.sa_family == AF_INET)
		return a->u.in4.sin_addr.s_addr == b->u.in4.sin_addr.s_addr;
	if (a->u.sa.sa_family == AF_INET6)
		return memcmp(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, 16) == 0;
	return false;
}

bool sp_sa_eq(const struct sp_sa *a, const struct sp_sa *b)
{
	return sp_sa_ip_eq(a, b) && sp_sa_port(a) == sp_sa_port(b);
}

static uint64_t mix(uint64_t h)
{
	/* splitmix64 finaliser */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

uint64_t sp_sa_hash(const struct sp_sa *sa, uint64_t seed, bool with_port)
{
	uint64_t h = seed;
	if (sa->u.sa.sa_family == AF_INET) {
		h = mix(h ^ sa->u.in4.sin_addr.s_addr);
	} else {
		uint64_t w[2];
		memcpy(w, &sa->u.in6.sin6_addr, sizeof(w));
		h = mix(mix(h ^ w[0]) ^ w[1]);
	}
	return with_port ? mix(h ^ sp_sa_port(sa)) : h;
}

bool sp_sa_is_any(const struct sp_sa *sa)
{
	if (sa->u.sa.sa_family == AF_INET)
		return sa->u.in4.sin_addr.s_addr == htonl(INADDR_ANY);
	if (sa->u.sa.sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&sa->u.in6.sin6_addr);
	return false;
}

bool sp_sa_is_loopback(const struct sp_sa *sa)
{
	if (sa->u.sa.sa_family == AF_INET)
		return (ntohl(sa->u.in4.sin_addr.s_addr) >> 24) == 127;
	if (sa->u.sa.sa_family == AF_INET6) {
		const uint8_t *b = sa->u.in6.sin6_addr.s6_addr;
		if (IN6_IS_ADDR_LOOPBACK(&sa->u.in6.sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&sa->u.in6.sin6_addr) && b[12] == 127;
	}
	return false;
}

bool sp_sa_is_broadcast(const struct sp_sa *sa)
{
	if (sa->u.sa.sa_family != AF_INET)
		return false;
	uint32_t a = ntohl(sa->u.in4.sin_addr.s_addr);
	return a == 0xffffffffu || (a >> 28) == 0xe; /* limited broadcast, 224/4 */
}
