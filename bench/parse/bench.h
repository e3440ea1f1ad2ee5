/*
 * bench/parse: the interface between the benchmark driver (bench_parse.c)
 * and one adapter per parser (ref_siphon.c, ref_osip.c, ref_sofia.c).
 *
 * Every adapter does the same work per message: parse a complete datagram
 * held in a caller's const buffer so that every header is located and the
 * top Via, From, To, CSeq and Call-ID are decoded, then release everything
 * the parse allocated. What each library does beyond that (osip and Sofia
 * also decode Contact, Content-Type, Authorization, ...; both copy the
 * buffer first) is part of its design and is timed with it.
 *
 * Before any timing the driver asks each adapter for the facts it parsed
 * (struct bench_facts) and compares them with the expected values: a
 * benchmark of a parser that got the message wrong is worthless.
 */
#ifndef SIPHON_BENCH_PARSE_H
#define SIPHON_BENCH_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* What a parse found, as NUL-terminated copies (truncated to the buffer
 * size, which is large enough for the benchmark inputs). */
struct bench_facts {
	bool request;
	int status;               /* responses */
	char method[16];          /* requests */
	uint32_t cseq;
	char cseq_method[16];
	char call_id[192];
	unsigned nvia;            /* Via values in the whole message */
	char via1_host[64];
	bool via1_has_branch;
	char via1_branch[256];
	bool from_has_tag;
	char from_tag[192];
	bool to_has_tag;
	char to_tag[64];
	size_t body_len;
};

struct bench_parser {
	const char *name;
	/* Once per process, before anything else. Returns 0 or nonzero. */
	int (*init)(void);
	/* One timed unit of work: parse buf[len] to the depth described
	 * above and release it. Returns 0 when the parse succeeded. */
	int (*parse)(const char *buf, size_t len);
	/* Parse once and fill *f. Returns 0, or nonzero with why[] set. */
	int (*facts)(const char *buf, size_t len, struct bench_facts *f, char *why, size_t whylen);
};

extern const struct bench_parser bench_siphon;
extern const struct bench_parser bench_osip;
extern const struct bench_parser bench_sofia;

/* Copies p[len] (or the C string p when len is SIZE_MAX; NULL copies "")
 * into dst[cap], NUL-terminated. */
static inline void bench_copy(char *dst, size_t cap, const char *p, size_t len)
{
	if (!p)
		p = "", len = 0;
	else if (len == SIZE_MAX)
		len = strlen(p);
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, p, len);
	dst[len] = '\0';
}

#endif
