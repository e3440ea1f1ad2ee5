/*
 * Fuzz target: the datagram message parser, the full validator, every
 * structured header parser, and the printer, with a round-trip property.
 *
 * For any input that sp_msg_parse accepts:
 *  - a faithful print (no edits) reproduces the message's octets (plus a
 *    Content-Length when it had none) and parses again to the same header
 *    table; if the input also validated, so does the print;
 *  - a proxy-style edited print (new top Via, first Via value removed,
 *    first Contact replaced, Request-URI rewritten, new body) fits a bound
 *    computed from the input, parses again, and, if the input validated,
 *    validates with the edits visible;
 *  - a print into a buffer that is too small fails with -ENOSPC and never
 *    writes past it.
 * Any violation aborts, so libFuzzer records it as a crash.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/msg.h"
#include "siphon/print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define NEW_VIA	    "SIP/2.0/UDP fuzz.example.com;branch=z9hG4bKfuzz"
#define NEW_CONTACT "<sip:fuzz@192.0.2.1:5062>"
#define NEW_RURI    "sip:fuzz@example.com"
#define NEW_BODY    "v=0\r\n"
#define GUARD	    32

static bool slice_same(struct sp_str a, struct sp_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* Touches every accessor and structured parser over the parsed headers. */
static void exercise(const struct sp_msg *msg)
{
	union sp_hdr_parsed v;
	struct sp_parse_error err;
	for (unsigned i = 0; i < msg->nhdrs; i++) {
		const struct sp_hdr *h = &msg->hdrs[i];
		if (sp_hdr_parse_value(h->id, h->value, &v, &err) != 0) {
			CHECK(err.at >= h->value.p && err.at <= h->value.p + h->value.len);
		} else if (sp_hdr_kind(h->id) == SP_HK_NAMEADDR) {
			(void)sp_contact_q(&v.nameaddr);
			(void)sp_contact_expires(&v.nameaddr);
			struct sp_str rest = v.nameaddr.params;
			struct sp_param prm;
			while (sp_param_next(&rest, &prm))
				;
			char tmp[64];
			(void)sp_uri_unescape(tmp, sizeof(tmp), v.nameaddr.uri.user);
			/* URI comparison is reflexive. */
			if (!v.nameaddr.star)
				CHECK(sp_uri_equal(&v.nameaddr.uri, &v.nameaddr.uri));
		}
		CHECK(sp_msg_hdr_by_name(msg, h->name) != NULL);
	}
	for (unsigned id = 1; id < SP_HDR__COUNT; id++)
		(void)sp_msg_hdr_count(msg, (enum sp_hdr_id)id);
}

/* Prints into exactly cap bytes followed by a guard; checks the guard. */
static int print_bounded(const struct sp_msg *msg, const struct sp_msg_edit *e, size_t cap,
			 char **out, size_t *len)
{
	char *mem = malloc(cap + GUARD);
	CHECK(mem);
	memset(mem, 0x5a, cap + GUARD);
	struct sp_wbuf w;
	sp_wbuf_init(&w, mem, cap);
	int rc = sp_msg_print(msg, e, &w);
	CHECK(rc == 0 || rc == -ENOSPC);
	CHECK(w.len <= cap);
	for (size_t i = cap; i < cap + GUARD; i++)
		CHECK((unsigned char)mem[i] == 0x5a);
	if (rc != 0 || !out) {
		free(mem);
		return rc;
	}
	/* Exact-size copy for the reparse, so overreads are caught. */
	*out = malloc(w.len ? w.len : 1);
	CHECK(*out);
	memcpy(*out, mem, w.len);
	*len = w.len;
	free(mem);
	return 0;
}

static void faithful(const struct sp_msg *msg, bool valid)
{
	char *out;
	size_t len;
	/* The only growth is a Content-Length line when there was none. */
	CHECK(print_bounded(msg, NULL, msg->len + 64, &out, &len) == 0);
	const char *start = msg->start_line.p;
	if (msg->content_length >= 0) {
		CHECK(len == (size_t)(msg->body.p + msg->body.len - start));
		CHECK(memcmp(out, start, len) == 0);
	}
	/* Too small by one byte: -ENOSPC, guard intact. */
	if (len > 0)
		CHECK(print_bounded(msg, NULL, len - 1, NULL, NULL) == -ENOSPC);

	bool room = msg->content_length >= 0 ||
		    (msg->nlines < SP_MSG_MAX_LINES && msg->nhdrs < SP_MSG_MAX_VALUES);
	struct sp_msg again;
	int rc = sp_msg_parse(&again, out, len);
	if (room) {
		CHECK(rc == 0);
		CHECK(again.consumed == len);
		CHECK(again.request == msg->request);
		CHECK(slice_same(again.start_line, msg->start_line));
		CHECK(slice_same(again.body, msg->body));
		unsigned extra = msg->content_length < 0;
		CHECK(again.nhdrs == msg->nhdrs + extra);
		for (unsigned i = 0; i < msg->nhdrs; i++) {
			CHECK(again.hdrs[i].id == msg->hdrs[i].id);
			CHECK(slice_same(again.hdrs[i].name, msg->hdrs[i].name));
			CHECK(slice_same(again.hdrs[i].value, msg->hdrs[i].value));
		}
		if (valid)
			CHECK(sp_msg_validate(&again) == 0);
	}
	sp_msg_free(&again);
	free(out);
}

static void edited(const struct sp_msg *msg, bool valid)
{
	struct sp_msg_edit e;
	sp_edit_init(&e);
	CHECK(sp_edit_prepend(&e, SP_HDR_VIA, SP_STR("Via"), SP_STR(NEW_VIA)) == 0);
	const struct sp_hdr *via = sp_msg_hdr(msg, SP_HDR_VIA);
	if (via)
		CHECK(sp_edit_remove(&e, msg, via) == 0);
	const struct sp_hdr *contact = sp_msg_hdr(msg, SP_HDR_CONTACT);
	if (contact)
		CHECK(sp_edit_replace(&e, msg, contact, SP_STR(NEW_CONTACT)) == 0);
	if (msg->request)
		sp_edit_set_ruri(&e, SP_STR(NEW_RURI));
	sp_edit_set_body(&e, SP_STR(NEW_BODY));

	/* Bound: reprinted lines gain at most ", " or ": " per value. */
	size_t cap = msg->len + 4u * msg->nhdrs + 512;
	char *out;
	size_t len;
	CHECK(print_bounded(msg, &e, cap, &out, &len) == 0);
	if (len > 0)
		CHECK(print_bounded(msg, &e, len / 2, NULL, NULL) == -ENOSPC);

	/* One more line (the new Via), plus Content-Length if it was absent. */
	bool room = msg->nlines + 2u <= SP_MSG_MAX_LINES && msg->nhdrs + 2u <= SP_MSG_MAX_VALUES;
	struct sp_msg again;
	int rc = sp_msg_parse(&again, out, len);
	if (room) {
		CHECK(rc == 0);
		CHECK(again.consumed == len);
		CHECK(again.has_via);
		CHECK(slice_same(again.via1.branch, SP_STR("z9hG4bKfuzz")));
		CHECK(sp_msg_hdr_count(&again, SP_HDR_VIA) ==
		      sp_msg_hdr_count(msg, SP_HDR_VIA) + (via ? 0u : 1u));
		CHECK(sp_msg_hdr_count(&again, SP_HDR_CONTACT) ==
		      sp_msg_hdr_count(msg, SP_HDR_CONTACT));
		if (contact)
			CHECK(slice_same(sp_msg_hdr(&again, SP_HDR_CONTACT)->value,
					 SP_STR(NEW_CONTACT)));
		if (msg->request)
			CHECK(slice_same(again.ruri_raw, SP_STR(NEW_RURI)));
		CHECK(again.content_length == (int64_t)strlen(NEW_BODY));
		CHECK(slice_same(again.body, SP_STR(NEW_BODY)));
		if (valid)
			CHECK(sp_msg_validate(&again) == 0);
	}
	sp_msg_free(&again);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_msg msg;
	const char *buf = (const char *)data;
	int rc = sp_msg_parse(&msg, buf, size);
	CHECK(rc == 0 || rc == -EBADMSG || rc == -ENOMEM);
	if (rc == -EBADMSG) {
		CHECK(msg.error.offset <= size);
		CHECK(msg.error.rule != NULL);
		CHECK(msg.error.status >= 400 && msg.error.status <= 599);
	}
	if (rc == 0) {
		CHECK(msg.consumed <= size);
		CHECK(msg.body.p + msg.body.len == buf + msg.consumed);
		int vrc = sp_msg_validate(&msg);
		CHECK(vrc == 0 || vrc == -EBADMSG);
		if (vrc)
			CHECK(msg.error.offset <= size);
		exercise(&msg);
		faithful(&msg, vrc == 0);
		edited(&msg, vrc == 0);
	}
	sp_msg_free(&msg);
	return 0;
}
