/*
 * Refcounted allocations and the allocation-failure hook. Each object carries
 * a small header (count + destructor) in front of the pointer handed out.
 */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/mem.h"

struct mem_hdr {
	alignas(16) uint32_t nrefs;
	sp_mem_destroy_cb destroy;
};

static long fail_after = -1;

void sp_mem_fail_after(long n)
{
	fail_after = n;
}

static int should_fail(void)
{
	if (fail_after < 0)
		return 0;
	if (fail_after == 0)
		return 1;
	fail_after--;
	return 0;
}

void *sp_malloc(size_t size)
{
	return should_fail() ? NULL : malloc(size ? size : 1);
}

void *sp_realloc(void *p, size_t size)
{
	return should_fail() ? NULL : realloc(p, size ? size : 1);
}

void sp_free(void *p)
{
	free(p);
}

void *sp_mem_alloc_head(size_t size, size_t zeroed, sp_mem_destroy_cb destroy)
{
	if (size > SIZE_MAX - sizeof(struct mem_hdr) || zeroed > size)
		return NULL;
	struct mem_hdr *h = sp_malloc(sizeof(*h) + size);
	if (!h)
		return NULL;
	h->nrefs = 1;
	h->destroy = destroy;
	void *obj = h + 1;
	memset(obj, 0, zeroed);
	return obj;
}

void *sp_mem_zalloc(size_t size, sp_mem_destroy_cb destroy)
{
	return sp_mem_alloc_head(size, size, destroy);
}

/* Counts are atomic: an object handed to another worker (a binding, a
 * posted buffer) may be released on either thread. */
void *sp_mem_ref(void *obj)
{
	if (obj)
		__atomic_add_fetch(&((struct mem_hdr *)obj - 1)->nrefs, 1, __ATOMIC_RELAXED);
	return obj;
}

void *sp_mem_deref(void *obj)
{
	if (!obj)
		return NULL;
	struct mem_hdr *h = (struct mem_hdr *)obj - 1;
	if (__atomic_sub_fetch(&h->nrefs, 1, __ATOMIC_ACQ_REL) > 0)
		return NULL;
	if (h->destroy)
		h->destroy(obj);
	free(h);
	return NULL;
}

uint32_t sp_mem_nrefs(const void *obj)
{
	return obj ? __atomic_load_n(&((const struct mem_hdr *)obj - 1)->nrefs, __ATOMIC_RELAXED) : 0;
}
