/*
 * One row of a `siphon user import` file (docs/cli.md): CSV as RFC 4180
 * quotes it, "user,domain,password" or "user,domain,ha1_md5,ha1_sha256",
 * an optional header row ("user,..."), blank lines and '#' comments.
 * Apart from the store (store_cli.h), so it can be fuzzed (fuzz/
 * fuzz_user_csv.c).
 */
#ifndef SIPHON_CLI_USER_CSV_H
#define SIPHON_CLI_USER_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "store_cli.h"

/* Reads line (one line without its end, NUL-terminated, changed in
 * place) into *sub: the user, the served domain d resolves the domain to,
 * and both HA1s (computed from a password, whose bytes are then wiped, or
 * taken as hex in either case, one of the two may be empty). *seen_row is
 * set by the first row that is not blank or a comment: only that one may
 * be the header. Returns 1 (*sub filled), 0 (nothing on this line) or
 * -EINVAL with why[cap] saying what is wrong. */
int sp_user_csv_row(char *line, bool *seen_row, const struct sp_cli_domains *d,
		    struct sp_store_subscriber *sub, char *why, size_t cap);

#endif
