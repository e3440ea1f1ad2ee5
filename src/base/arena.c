/*
 * Bump allocator for per-message data (header tables, edit lists). Blocks
 * grow geometrically up to the arena's limit so that a hostile message with
 * thousands of headers costs bounded memory and then fails with NULL.
 */
#include <stdalign.h>

#include "siphon/mem.h"

struct sp_arena_block {
	struct sp_arena_block *next;
	size_t size;
	alignas(16) char data[];
};

#define ARENA_ALIGN 16u
#define ARENA_MIN_BLOCK 4096u

void sp_arena_init(struct sp_arena *a, void *buf, size_t size, size_t limit)
{
	a->first = buf;
	a->first_size = buf ? size : 0;
	a->cur = buf;
	a->end = buf ? (char *)buf + size : NULL;
	a->heap = NULL;
	a->heap_bytes = 0;
	a->limit = limit;
}

static size_t align_up(size_t n)
{
	return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

void *sp_arena_alloc(struct sp_arena *a, size_t size)
{
	size = align_up(size ? size : 1);
	if (a->cur) {
		char *p = (char *)align_up((uintptr_t)a->cur);
		if (p <= a->end && (size_t)(a->end - p) >= size) {
			a->cur = p + size;
			return p;
		}
	}
	size_t want = a->heap_bytes ? a->heap_bytes : ARENA_MIN_BLOCK;
	if (want < size)
		want = size;
	if (a->heap_bytes + want > a->limit) {
		want = size;
		if (a->heap_bytes + want > a->limit)
			return NULL;
	}
	struct sp_arena_block *b = sp_malloc(sizeof(*b) + want);
	if (!b)
		return NULL;
	b->next = a->heap;
	b->size = want;
	a->heap = b;
	a->heap_bytes += want;
	a->cur = b->data + size;
	a->end = b->data + want;
	return b->data;
}

void sp_arena_release(struct sp_arena *a)
{
	struct sp_arena_block *b = a->heap;
	while (b) {
		struct sp_arena_block *next = b->next;
		sp_free(b);
		b = next;
	}
	a->heap = NULL;
	a->heap_bytes = 0;
	a->cur = a->first;
	a->end = a->first ? a->first + a->first_size : NULL;
}

void sp_arena_reset(struct sp_arena *a)
{
	sp_arena_release(a);
}
