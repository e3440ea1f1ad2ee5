/*
 * The location write-behind (binding_writer.c): the location table's
 * change callback hands every committed binding change here; one thread
 * ("sp-store-write") writes what accumulated, in order, in one store
 * transaction per tick (sp_store_binding_batch), so the bindings survive a
 * restart without one commit and one thread wake-up per REGISTER.
 *
 * The promise: a change is in the store within about interval_ms (plus
 * the time of the write itself) after it was queued, so with the defaults
 * a `kill -9` loses no binding acknowledged more than one second earlier.
 * It does not hold while another process keeps the database locked beyond
 * the store's busy timeout: the batch is then kept and retried at the next
 * tick, and the queue is bounded (max_queued changes, writer's hands
 * included): beyond it changes are dropped with a rate-limited warning.
 */
#ifndef SIPHON_BINDING_WRITER_H
#define SIPHON_BINDING_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "siphon/location.h"
#include "siphon/store.h"

struct sp__bwriter;

#define SP__BWRITER_INTERVAL_MS 100    /* one transaction per tick */
#define SP__BWRITER_HIGH_WATER	4096   /* queued changes that wake the writer early */
#define SP__BWRITER_MAX		262144 /* queued changes beyond which they are dropped */

/* Starts the writer thread over store (which must outlive the writer):
 * it writes every interval_ms (>= 1), or as soon as high_water (>= 1)
 * changes are queued; at most max_queued (>= 1) changes wait. Returns 0,
 * -EINVAL, -ENOMEM or pthread's -errno; *out untouched on error. */
int sp__bwriter_create(struct sp__bwriter **out, struct sp_store *store, unsigned interval_ms,
		       size_t high_water, size_t max_queued);

/* Queues change `what` of binding b (a reference is taken): any thread,
 * any lock held (the location change callback runs under a shard lock).
 * Never blocks on the store and wakes nobody below the high-water mark.
 * Dropped, with a rate-limited warning, when the queue is full or memory
 * runs out. NULL-safe (w NULL: nothing). */
void sp__bwriter_change(struct sp__bwriter *w, enum sp_location_change what,
			const struct sp_binding *b);

struct sp__bwriter_stats {
	size_t queued;	  /* waiting, or in the writer's hands */
	uint64_t written; /* changes committed to the store */
	uint64_t dropped; /* queue full, out of memory, or unwritable */
	uint64_t batches; /* transactions committed */
	uint64_t retries; /* batches kept for the next tick (-EBUSY) */
};

/* Counters, for tests and metrics. */
void sp__bwriter_stats(struct sp__bwriter *w, struct sp__bwriter_stats *out);

/* Stops the writer: writes everything queued (a batch that meets -EBUSY
 * is tried once more, then counted as dropped with an error log), joins
 * the thread and frees. Changes queued after this starts may be lost.
 * NULL-safe. */
void sp__bwriter_destroy(struct sp__bwriter *w);

#endif
