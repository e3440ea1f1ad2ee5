/*
 * Memory: refcounted objects with destructors, and arenas for the short
 * lived allocations of one message. Only src/base calls malloc; everything
 * else allocates here, so tests can make any allocation fail on purpose
 * (sp_mem_fail_after) and prove that ENOMEM is returned, never aborted on.
 */
#ifndef SIPHON_MEM_H
#define SIPHON_MEM_H

#include <stddef.h>
#include <stdint.h>

typedef void (*sp_mem_destroy_cb)(void *obj);

/* Allocates size zeroed bytes with a reference count of 1 and an optional
 * destructor run when the count drops to zero. Returns NULL on ENOMEM. */
void *sp_mem_zalloc(size_t size, sp_mem_destroy_cb destroy);

/* As sp_mem_zalloc, but only the first zeroed bytes (<= size) are zero,
 * the rest uninitialised: for an object whose large trailing arrays are
 * filled as they are used, so that creating it does not write them all. */
void *sp_mem_alloc_head(size_t size, size_t zeroed, sp_mem_destroy_cb destroy);

/* Takes one more reference; returns obj (NULL-safe). Reference counts are
 * atomic, so the last holder may release on any thread. */
void *sp_mem_ref(void *obj);

/* Drops one reference; at zero runs the destructor and frees. NULL-safe.
 * Always returns NULL so callers can write `p = sp_mem_deref(p);`. */
void *sp_mem_deref(void *obj);

/* Current reference count of obj (for tests and assertions). */
uint32_t sp_mem_nrefs(const void *obj);

/* Plain allocation wrappers (subject to failure injection). */
void *sp_malloc(size_t size);
void *sp_realloc(void *p, size_t size);
void sp_free(void *p);

/* Test hook: the next n allocations succeed, all later ones fail, until
 * called with n < 0 (never fail). Not thread-safe; tests only. */
void sp_mem_fail_after(long n);

/*
 * Arena: bump allocation from an optional caller-supplied first block (often
 * on the stack or inside the owning object), then from heap blocks. Freed as
 * a whole by sp_arena_reset() or sp_arena_release(). Bounded: allocation
 * fails once `limit` bytes of heap blocks have been taken.
 */
struct sp_arena_block;
struct sp_arena {
	char *cur, *end;
	struct sp_arena_block *heap; /* heap blocks, newest first */
	char *first;                 /* caller-supplied block, may be NULL */
	size_t first_size;
	size_t heap_bytes;
	size_t limit;
};

/* Initialises an arena over buf[size] (buf may be NULL) with a heap limit. */
void sp_arena_init(struct sp_arena *a, void *buf, size_t size, size_t limit);

/* size bytes aligned to 16, or NULL when the limit or memory is exhausted. */
void *sp_arena_alloc(struct sp_arena *a, size_t size);

/* Forgets every allocation and frees the heap blocks; the caller-supplied
 * block is reused. */
void sp_arena_reset(struct sp_arena *a);

/* Frees every heap block. The arena may be reinitialised afterwards. */
void sp_arena_release(struct sp_arena *a);

#endif
