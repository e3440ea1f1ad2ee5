/*
 * Message digests: MD5 (RFC 1321), SHA-256, SHA-512 and SHA-512/256
 * (FIPS 180-4), written here so that digest authentication needs no external
 * crypto library. They are plain streaming hashes: init, any number of
 * updates of any length, final. None of them allocate, and a context is a
 * value that may live on the stack.
 *
 * These are for HTTP/SIP Digest (RFC 7616, RFC 8760) and for content
 * checks. MD5 is broken for collision resistance; do not use it for
 * anything new.
 */
#ifndef SIPHON_HASH_H
#define SIPHON_HASH_H

#include <stddef.h>
#include <stdint.h>

#define SP_MD5_LEN 16        /* bytes of an MD5 digest */
#define SP_SHA256_LEN 32     /* bytes of a SHA-256 digest */
#define SP_SHA512_LEN 64     /* bytes of a SHA-512 digest */
#define SP_SHA512_256_LEN 32 /* bytes of a SHA-512/256 digest */
#define SP_HASH_MAX_LEN 64   /* the largest digest above */

struct sp_md5 {
	uint32_t h[4];
	uint64_t bytes; /* total input length */
	uint8_t buf[64];
};

struct sp_sha256 {
	uint32_t h[8];
	uint64_t bytes;
	uint8_t buf[64];
};

/* SHA-512 and its truncated variant SHA-512/256 share one context: they
 * differ only in the initial hash value and the output length
 * (FIPS 180-4 §5.3.5, §5.3.6.2). */
struct sp_sha512 {
	uint64_t h[8];
	uint64_t bytes; /* inputs up to 2^64-1 bytes (FIPS allows 2^128-1 bits) */
	uint8_t buf[128];
	unsigned outlen; /* SP_SHA512_LEN or SP_SHA512_256_LEN */
};

/* Starts a new MD5 computation in *c. */
void sp_md5_init(struct sp_md5 *c);
/* Feeds len bytes at data (data may be NULL when len is 0). */
void sp_md5_update(struct sp_md5 *c, const void *data, size_t len);
/* Writes the SP_MD5_LEN-byte digest to out. *c must be re-initialised
 * before it is used again. */
void sp_md5_final(struct sp_md5 *c, uint8_t out[SP_MD5_LEN]);
/* One-shot MD5 of len bytes at data. */
void sp_md5(const void *data, size_t len, uint8_t out[SP_MD5_LEN]);

/* SHA-256: same contract as the MD5 functions above. */
void sp_sha256_init(struct sp_sha256 *c);
void sp_sha256_update(struct sp_sha256 *c, const void *data, size_t len);
void sp_sha256_final(struct sp_sha256 *c, uint8_t out[SP_SHA256_LEN]);
void sp_sha256(const void *data, size_t len, uint8_t out[SP_SHA256_LEN]);

/* SHA-512 (sp_sha512_init) or SHA-512/256 (sp_sha512_256_init) in one
 * context type; sp_sha512_final writes c->outlen bytes (64 or 32). */
void sp_sha512_init(struct sp_sha512 *c);
void sp_sha512_256_init(struct sp_sha512 *c);
void sp_sha512_update(struct sp_sha512 *c, const void *data, size_t len);
void sp_sha512_final(struct sp_sha512 *c, uint8_t *out);
void sp_sha512(const void *data, size_t len, uint8_t out[SP_SHA512_LEN]);
void sp_sha512_256(const void *data, size_t len, uint8_t out[SP_SHA512_256_LEN]);

/* ---- one interface over all of them ------------------------------------ */

enum sp_hash_alg {
	SP_HASH_MD5,
	SP_HASH_SHA256,
	SP_HASH_SHA512,
	SP_HASH_SHA512_256,
};

struct sp_hash {
	enum sp_hash_alg alg;
	union {
		struct sp_md5 md5;
		struct sp_sha256 sha256;
		struct sp_sha512 sha512; /* SHA-512 and SHA-512/256 */
	} u;
};

/* Digest length in bytes of alg (16, 32 or 64). */
size_t sp_hash_len(enum sp_hash_alg alg);
/* Starts a computation with alg in *h. */
void sp_hash_init(struct sp_hash *h, enum sp_hash_alg alg);
void sp_hash_update(struct sp_hash *h, const void *data, size_t len);
/* Writes sp_hash_len(h->alg) bytes to out and returns that length. */
size_t sp_hash_final(struct sp_hash *h, uint8_t *out);

/* Writes 2 * len lowercase hex digits of bin[0..len) to hex (no NUL), the
 * form digest authentication sends (RFC 7616 §3.2). */
void sp_hex_lower(char *hex, const uint8_t *bin, size_t len);

/* ---- HMAC-SHA-256 (RFC 2104, RFC 4231) ---------------------------------- */

/* A keyed MAC context: the inner and outer SHA-256 computations, already
 * primed with the padded key. A value; may live on the stack. */
struct sp_hmac_sha256 {
	struct sp_sha256 inner, outer;
};

/* Starts an HMAC-SHA-256 with key[key_len] (any length; a key longer than
 * the 64-byte block is hashed first, RFC 2104 §2). */
void sp_hmac_sha256_init(struct sp_hmac_sha256 *c, const void *key, size_t key_len);
void sp_hmac_sha256_update(struct sp_hmac_sha256 *c, const void *data, size_t len);
/* Writes the SP_SHA256_LEN-byte MAC to out; *c must be re-initialised
 * before it is used again. */
void sp_hmac_sha256_final(struct sp_hmac_sha256 *c, uint8_t out[SP_SHA256_LEN]);
/* One-shot HMAC-SHA-256 of data[len] under key[key_len]. */
void sp_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		    uint8_t out[SP_SHA256_LEN]);

#endif
