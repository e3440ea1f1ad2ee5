/*
 * Block buffering shared by the hashes in md5.c and sha2.c. MD5 (RFC 1321
 * §3.1-§3.2) and SHA-2 (FIPS 180-4 §5.1) cut their input into blocks and
 * pad the last one the same way; they differ only in the block size, the
 * compression function and how the length field is written. static inline:
 * each hash gets its own copy, with the block size a constant and its
 * compression function called directly.
 */
#ifndef SIPHON_HASH_INT_H
#define SIPHON_HASH_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Compresses the block at blk into the chaining state h. */
typedef void (*sp__hash_block_cb)(void *h, const uint8_t *blk);

/* Feeds len bytes at data (NULL when len is 0) to a hash with bsize-byte
 * blocks (a power of two): buf[bsize] holds the partial block, *bytes the
 * input length so far, which this updates. Every completed block goes to
 * block(h, ...). */
static inline void sp__hash_update(void *h, uint8_t *buf, size_t bsize, uint64_t *bytes,
				   const void *data, size_t len, sp__hash_block_cb block)
{
	const uint8_t *p = data;
	size_t used = (size_t)(*bytes & (bsize - 1));
	*bytes += len;
	if (used) {
		size_t n = bsize - used;
		if (len < n) {
			if (len)
				memcpy(buf + used, p, len);
			return;
		}
		memcpy(buf + used, p, n);
		block(h, buf);
		p += n;
		len -= n;
	}
	for (; len >= bsize; p += bsize, len -= bsize)
		block(h, p);
	if (len)
		memcpy(buf, p, len);
}

/* Pads the last block after `bytes` bytes of input: a 1 bit (the 0x80
 * byte), then zeros up to buf + lenpos, compressing a block first when the
 * length field no longer fits. The caller then writes the length field at
 * buf + lenpos (bsize - lenpos bytes) and compresses buf once more. */
static inline void sp__hash_pad(void *h, uint8_t *buf, size_t bsize, size_t lenpos, uint64_t bytes,
				sp__hash_block_cb block)
{
	size_t used = (size_t)(bytes & (bsize - 1));
	buf[used++] = 0x80;
	if (used > lenpos) {
		memset(buf + used, 0, bsize - used);
		block(h, buf);
		used = 0;
	}
	memset(buf + used, 0, lenpos - used);
}

#endif
