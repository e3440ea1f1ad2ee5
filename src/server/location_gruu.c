/*
 * GRUUs (RFC 5627) for the location service: construction of public and
 * temporary GRUUs and their resolution back to bindings.
 *
 * Both kinds are stateless (RFC 5627 §5.4 allows any construction with the
 * properties of §3.1 and §5.4; Appendix A sketches these):
 * - pub-gruu: the AOR with ";gr=<instance URN>" (Appendix A.1). Stable
 *   across re-registrations by construction.
 * - temp-gruu: "sip:tgruu.<hex token>@<AOR domain>;gr", the token being
 *   nonce || E(epoch, H(instance), AOR) || MAC, with E a SHA-256 counter-mode
 *   keystream and MAC a truncated keyed SHA-256 (Appendix A.2's
 *   "encrypt the AOR and instance ID"). The epoch is a hash of the Call-ID
 *   the binding was registered with; the GRUU resolves only while a binding
 *   of that AOR and instance carries the same epoch, which is exactly the
 *   invalidation rule of §5.1 (new Call-ID) and §5.3 (last contact gone).
 */
#include <errno.h>
#include <string.h>

#include "siphon/hash.h"
#include "siphon/location.h"
#include "siphon/mem.h"
#include "siphon/print.h"

#include "location_int.h"

#define TG_PREFIX    "tgruu."
#define TG_NONCE     8
#define TG_MAC	     8
#define TG_MAX_PLAIN 512
#define TG_HEAD	     16 /* epoch and instance hash, 8 bytes each */

/* 64 bits of SHA-256 of s, big-endian. */
static uint64_t h64(struct sp_str s)
{
	uint8_t d[SP_SHA256_LEN];
	uint64_t e = 0;

	sp_sha256(s.p, s.len, d);
	for (int i = 0; i < 8; i++)
		e = e << 8 | d[i];
	return e;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

uint64_t sp_location_gruu_epoch(struct sp_str call_id)
{
	return h64(call_id);
}

/* unreserved (RFC 3261 §25.1) */
static bool is_unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("-_.!~*'()", c);
}

/* Writes s with every byte outside unreserved and `extra` as %HH. */
static void put_escaped(struct sp_wbuf *out, struct sp_str s, const char *extra)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c && (is_unreserved(c) || strchr(extra, c))) {
			sp_wbuf_put(out, &s.p[i], 1);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};

			sp_wbuf_put(out, e, 3);
		}
	}
}

/* Splits the canonical AOR key at its last '@' (the user may hold an
 * unescaped '@', the host never does). */
static void split_aor(struct sp_str aor, struct sp_str *user, struct sp_str *host)
{
	size_t at = aor.len;

	while (at > 0 && aor.p[at - 1] != '@')
		at--;
	*user = (struct sp_str){aor.p, at ? at - 1 : 0};
	*host = (struct sp_str){aor.p + at, aor.len - at};
	if (!at)
		user->p = NULL;
}

/* "sip:" user "@" hostport, the user re-escaped (RFC 3261 §25.1 user). */
static void put_aor_uri(struct sp_wbuf *out, struct sp_str aor)
{
	struct sp_str user, host;

	split_aor(aor, &user, &host);
	sp_wbuf_cstr(out, "sip:");
	if (user.p) {
		put_escaped(out, user, "&=+$,;?/");
		sp_wbuf_cstr(out, "@");
	}
	sp_wbuf_str(out, host);
}

/* The URN inside "<...>" of an instance value (RFC 5626 §4.1). */
static struct sp_str instance_urn(struct sp_str inst)
{
	if (inst.len >= 2 && inst.p[0] == '<' && inst.p[inst.len - 1] == '>')
		return (struct sp_str){inst.p + 1, inst.len - 2};
	return inst;
}

void sp_location_pub_gruu(const struct sp_binding *b, struct sp_wbuf *out)
{
	put_aor_uri(out, b->aor);
	sp_wbuf_cstr(out, ";gr=");
	/* paramchar: param-unreserved / unreserved / escaped */
	put_escaped(out, instance_urn(b->instance), "[]/:&+$");
}

/* XORs buf[len] with the keystream of (key, nonce). */
static void keystream_xor(const uint8_t *key, const uint8_t nonce[TG_NONCE], uint8_t *buf,
			  size_t len)
{
	uint8_t blk[SP_SHA256_LEN];

	for (size_t off = 0, ctr = 0; off < len; off += sizeof(blk), ctr++) {
		struct sp_sha256 c;
		uint8_t cb[4] = {(uint8_t)(ctr >> 24), (uint8_t)(ctr >> 16), (uint8_t)(ctr >> 8),
				 (uint8_t)ctr};

		sp_sha256_init(&c);
		sp_sha256_update(&c, key, 32);
		sp_sha256_update(&c, nonce, TG_NONCE);
		sp_sha256_update(&c, cb, sizeof(cb));
		sp_sha256_final(&c, blk);
		for (size_t i = 0; i < sizeof(blk) && off + i < len; i++)
			buf[off + i] ^= blk[i];
	}
}

static void mac(const uint8_t *key, const uint8_t *data, size_t len, uint8_t out[TG_MAC])
{
	struct sp_sha256 c;
	uint8_t d[SP_SHA256_LEN];

	sp_sha256_init(&c);
	sp_sha256_update(&c, key, 32);
	sp_sha256_update(&c, "tgruu-mac", 9);
	sp_sha256_update(&c, data, len);
	sp_sha256_final(&c, d);
	memcpy(out, d, TG_MAC);
}

void sp_location_temp_gruu(struct sp_location *loc, const struct sp_binding *b, struct sp_wbuf *out)
{
	const uint8_t *key = sp__location_gruu_key(loc);
	uint8_t tok[TG_NONCE + TG_MAX_PLAIN + TG_MAC];
	uint8_t nd[SP_SHA256_LEN];
	uint64_t nonce = sp__location_next_nonce(loc);
	size_t plen = TG_HEAD + b->aor.len;
	struct sp_str user, host;
	char hex[2 * sizeof(tok)];
	uint8_t *pl = tok + TG_NONCE;

	if (plen > TG_MAX_PLAIN) {
		out->overflow = true; /* cannot happen with sane AORs */
		return;
	}
	/* nonce: a keyed hash of a unique counter, so it reveals nothing */
	{
		uint8_t nb[8 + 32];

		put64(nb, nonce);
		memcpy(nb + 8, key, 32);
		sp_sha256(nb, sizeof(nb), nd);
		memcpy(tok, nd, TG_NONCE);
	}
	put64(pl, b->tgruu_epoch);
	put64(pl + 8, h64(b->instance));
	memcpy(pl + TG_HEAD, b->aor.p, b->aor.len);
	keystream_xor(key, tok, pl, plen);
	mac(key, tok, TG_NONCE + plen, pl + plen);
	sp_hex_lower(hex, tok, TG_NONCE + plen + TG_MAC);

	split_aor(b->aor, &user, &host);
	sp_wbuf_cstr(out, "sip:" TG_PREFIX);
	sp_wbuf_put(out, hex, 2 * (TG_NONCE + plen + TG_MAC));
	sp_wbuf_cstr(out, "@");
	sp_wbuf_str(out, host);
	sp_wbuf_cstr(out, ";gr");
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes and authenticates a temp-gruu token. Returns 0 with the epoch,
 * the instance hash and the AOR key (a slice into buf), or -ENOENT. */
static int tgruu_open(struct sp_location *loc, struct sp_str hex, uint8_t *buf, size_t cap,
		      uint64_t *epoch, uint64_t *inst, struct sp_str *aor)
{
	const uint8_t *key = sp__location_gruu_key(loc);
	size_t n = hex.len / 2, plen;
	uint8_t m[TG_MAC];
	uint8_t *pl;

	if (hex.len % 2 || n > cap || n <= TG_NONCE + TG_HEAD + TG_MAC)
		return -ENOENT;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(hex.p[2 * i]), lo = hexval(hex.p[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -ENOENT;
		buf[i] = (uint8_t)(hi << 4 | lo);
	}
	plen = n - TG_NONCE - TG_MAC;
	mac(key, buf, TG_NONCE + plen, m);
	if (memcmp(m, buf + TG_NONCE + plen, TG_MAC))
		return -ENOENT;
	pl = buf + TG_NONCE;
	keystream_xor(key, buf, pl, plen);
	*epoch = get64(pl);
	*inst = get64(pl + 8);
	*aor = (struct sp_str){(const char *)pl + TG_HEAD, plen - TG_HEAD};
	return 0;
}

int sp_location_lookup_uri(struct sp_location *loc, const struct sp_uri *uri, int64_t now,
			   struct sp_location_snap *snap)
{
	return sp_location_lookup_uri_in(loc, uri, SP_STR_NULL, now, snap);
}

int sp_location_lookup_uri_in(struct sp_location *loc, const struct sp_uri *uri,
			      struct sp_str domain, int64_t now, struct sp_location_snap *snap)
{
	char key[512];
	struct sp_str gr;
	long kl;
	int rc;

	snap->b = NULL;
	snap->n = 0;
	kl = sp_location_aor_key_in(uri, domain, key, sizeof(key));
	if (kl < 0)
		return kl == -ENOSPC ? -ENOENT : -EINVAL;
	if (!sp_param_find(uri->params, "gr", &gr))
		return sp_location_lookup(loc, (struct sp_str){key, (size_t)kl}, SP_STR_NULL, now,
					  snap);

	if (uri->user.len > strlen(TG_PREFIX) &&
	    !memcmp(uri->user.p, TG_PREFIX, strlen(TG_PREFIX))) {
		/* RFC 5627 §6.1: temporary GRUU */
		uint8_t buf[TG_NONCE + TG_MAX_PLAIN + TG_MAC];
		struct sp_str hex = {uri->user.p + strlen(TG_PREFIX),
				     uri->user.len - strlen(TG_PREFIX)};
		struct sp_str aor;
		uint64_t epoch, inst;
		unsigned keep = 0;

		if (tgruu_open(loc, hex, buf, sizeof(buf), &epoch, &inst, &aor) < 0)
			return -ENOENT;
		rc = sp_location_lookup(loc, aor, SP_STR_NULL, now, snap);
		if (rc < 0)
			return rc;
		for (unsigned i = 0; i < snap->n; i++) {
			const struct sp_binding *b = snap->b[i];

			if (b->instance.p && b->tgruu_epoch == epoch && h64(b->instance) == inst)
				snap->b[keep++] = snap->b[i];
			else
				sp_binding_deref(snap->b[i]);
		}
		snap->n = keep;
		if (!keep) {
			/* §5.1/§5.3: invalidated, so 404, not 480 */
			sp_location_snap_free(snap);
			return -ENOENT;
		}
		return 0;
	}

	/* RFC 5627 §6.1: public GRUU = AOR + gr=<instance URN> */
	{
		char inst[512];
		long il;

		if (!gr.p || gr.len + 2 > sizeof(inst))
			return -ENOENT;
		inst[0] = '<';
		il = sp_uri_unescape(inst + 1, sizeof(inst) - 2, gr);
		if (il < 0)
			return -ENOENT;
		inst[il + 1] = '>';
		return sp_location_lookup(loc, (struct sp_str){key, (size_t)kl},
					  (struct sp_str){inst, (size_t)il + 2}, now, snap);
	}
}
