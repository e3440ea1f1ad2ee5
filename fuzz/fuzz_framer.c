/*
 * Fuzz target: stream framing (sp_framer_feed) as a TCP connection sees it.
 *
 * Input layout: byte 0 seeds the sizes of the chunks the bytes arrive in
 * (its top bit: the pinging side of RFC 5626, which reads each CRLF as a
 * pong), byte 1 picks the bounds (max_header, max_body); the rest is the
 * stream.
 * The simulated connection keeps the received-but-unconsumed bytes in an
 * exact-size buffer (so ASan sees any read past them), feeds them after
 * every chunk, and drops what the framer reports. Properties:
 *  - every framed message or keep-alive fits in what was fed (≤ input);
 *  - keep-alives are CRLF pairs ("\r\n" or "\r\n\r\n");
 *  - a framed message gives the same boundary when all of the remaining
 *    stream is fed at once to a fresh framer (chunking never matters);
 *  - each framed message goes through sp_msg_parse, and when it parses,
 *    the parser consumes exactly the framed octets (framer and parser
 *    agree on Content-Length and on where the header section ends);
 *  - on -EBADMSG the error offset lies within what was fed.
 * Any violation aborts, so libFuzzer records it as a crash.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/err.h"
#include "siphon/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static char *copy_of(const char *p, size_t n)
{
	char *c = malloc(n ? n : 1);
	CHECK(c);
	if (n)
		memcpy(c, p, n);
	return c;
}

/* The same stream, all at once, to a fresh framer with the same bounds. */
static int one_shot(const char *p, size_t n, size_t max_header, size_t max_body, bool client,
		    size_t *out_len)
{
	struct sp_framer f;
	size_t err_off = 0;
	sp_framer_init(&f, max_header, max_body);
	f.client = client;
	char *c = copy_of(p, n);
	int rc = sp_framer_feed(&f, c, n, out_len, &err_off);
	free(c);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	unsigned seed = data[0];
	unsigned mode = data[1];
	const char *s = (const char *)data + 2;
	size_t len = size - 2;

	/* Defaults (16 KiB / 1 MiB) or small bounds that inputs can reach. */
	size_t max_header = (mode & 1) ? 64 + (mode >> 2) * 8 : 0;
	size_t max_body = (mode & 2) ? 1 + (mode >> 2) * 4 : 0;
	bool client = seed & 0x80;
	struct sp_framer f;
	sp_framer_init(&f, max_header, max_body);
	f.client = client;

	size_t start = 0, avail = 0;
	unsigned step = 0, frames = 0;
	while (start < len) {
		if (avail < len) {
			size_t chunk = 1 + (seed * (step + 7) + step * step) % 97;
			if (seed == 0)
				chunk = len; /* everything in one read */
			avail = avail + chunk < len ? avail + chunk : len;
			step++;
		}
		size_t have = avail - start;
		char *c = copy_of(s + start, have);
		size_t out = 0, err_off = (size_t)-1;
		int rc = sp_framer_feed(&f, c, have, &out, &err_off);
		if (rc == SP_EINCOMPLETE) {
			free(c);
			if (avail == len)
				break; /* the peer stopped sending mid-message */
			continue;
		}
		if (rc == -EBADMSG) {
			CHECK(err_off <= have);
			free(c);
			break; /* the connection is closed */
		}
		CHECK(rc == SP_FRAME_MESSAGE || rc == SP_FRAME_KEEPALIVE);
		CHECK(out > 0 && out <= have && out <= len);

		size_t again = 0;
		int rc2 = one_shot(s + start, len - start, max_header, max_body, client, &again);
		CHECK(rc2 == rc);
		CHECK(again == out);

		if (rc == SP_FRAME_KEEPALIVE) {
			CHECK(out == 2 || out == 4);
			CHECK(memcmp(c, "\r\n\r\n", out) == 0);
		} else {
			char *m = copy_of(c, out);
			struct sp_msg msg;
			int prc = sp_msg_parse(&msg, m, out);
			CHECK(prc == 0 || prc == -EBADMSG || prc == -ENOMEM);
			if (prc == 0) {
				CHECK(msg.consumed == out);
				CHECK(msg.content_length >= 0);
				(void)sp_msg_validate(&msg);
			}
			sp_msg_free(&msg);
			free(m);
			frames++;
		}
		free(c);
		start += out;
	}
	(void)frames;
	return 0;
}
