/*
 * Internals shared by the location service files (location.c,
 * location_gruu.c): the table's GRUU key and a unique nonce source.
 */
#ifndef SIPHON_LOCATION_INT_H
#define SIPHON_LOCATION_INT_H

#include <stdint.h>

struct sp_location;

const uint8_t *sp__location_gruu_key(const struct sp_location *loc);

/* A number never returned before by this table (shares the version
 * counter). */
uint64_t sp__location_next_nonce(struct sp_location *loc);

#endif
