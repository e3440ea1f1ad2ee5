/*
 * Counts per remote IP address, the port ignored: what per-peer limits
 * are made of (TCP connections accepted per IP in src/net, server
 * transactions per source in the transaction layer). A chained hash table
 * keyed with a per-table random seed, so a remote party choosing its
 * addresses cannot aim at one chain; it doubles its buckets when entries
 * outnumber them twice. An entry lives while its count is above zero.
 * Not thread-safe: one per worker.
 */
#ifndef SIPHON_IP_COUNT_H
#define SIPHON_IP_COUNT_H

#include "siphon/sa.h"

struct sp_ip_count;

/* Creates an empty table with about buckets buckets (rounded up to a
 * power of two, at least 16). Returns 0 or -ENOMEM. */
int sp_ip_count_create(struct sp_ip_count **out, unsigned buckets);

/* Frees the table and its entries. NULL-safe. */
void sp_ip_count_destroy(struct sp_ip_count *c);

/* Adds one for ip unless it has limit already. Returns 0, -EMFILE (at
 * the limit; limit 0 refuses all) or -ENOMEM. */
int sp_ip_count_inc(struct sp_ip_count *c, const struct sp_sa *ip, unsigned limit);

/* Takes one off for ip (nothing when it has none). */
void sp_ip_count_dec(struct sp_ip_count *c, const struct sp_sa *ip);

/* The count of ip, 0 when none. */
unsigned sp_ip_count_get(const struct sp_ip_count *c, const struct sp_sa *ip);

#endif
