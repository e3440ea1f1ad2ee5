/*
 * What the store's verbs (`siphon user`, `siphon domain`) share: opening
 * the data directory, turning USER[@DOMAIN] into a served domain (the
 * default domain and its aliases, docs/store.md), reading a password
 * without echo, and computing both HA1s. Each function prints its own
 * "siphon VERB: ..." message and returns an exit status (SP_EXIT_*).
 */
#ifndef SIPHON_CLI_STORE_CLI_H
#define SIPHON_CLI_STORE_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "siphon/store.h"

/* The data directory when --data is not given (as `siphon serve`). */
#define SP_CLI_DATA_DEFAULT "./var"

/* Opens the store over dir (NULL: the default) for verb ("user"). */
int sp_cli_store_open(const char *verb, const char *dir, struct sp_store **out);

/* The served domains, loaded once: a domain named on the command line or
 * in an import file must be one of them; with none configured, the default
 * domain stands in for "localhost", the host name and any IP address. */
struct sp_cli_domains {
	size_t n;
	struct sp_store_domain *v;
};

/* Loads the served domains of s into *d (free with sp_cli_domains_free). */
int sp_cli_domains_load(const char *verb, struct sp_store *s, struct sp_cli_domains *d);
void sp_cli_domains_free(struct sp_cli_domains *d);

/* Resolves dom (NULL or "": USER alone) to a served domain name in
 * out[SP_STORE_DOMAIN_MAX]. Returns 0, or -ENOENT (not served), -EINVAL
 * (USER alone with several domains, or a bad name), with why[] set. */
int sp_cli_domain_resolve(const struct sp_cli_domains *d, const char *dom, char *out, char *why,
			  size_t why_size);

/* Splits USER[@DOMAIN] (at the last '@') and resolves the domain; fills
 * sub->user and sub->domain. */
int sp_cli_aor(const char *verb, const struct sp_cli_domains *d, const char *arg,
	       struct sp_store_subscriber *sub);

/* The password: given (--password), else $SIPHON_PASSWORD, else a line of
 * stdin when it is not a terminal, else a no-echo prompt on the terminal
 * (asked twice when confirm). buf[size] gets it NUL-terminated. */
int sp_cli_password(const char *verb, const char *given, bool confirm, char *buf, size_t size);

/* Fills sub->ha1_md5 and sub->ha1_sha256 from sub->user, sub->domain (the
 * realm) and pw. Returns 0 or -EINVAL. */
int sp_cli_ha1(struct sp_store_subscriber *sub, const char *pw);

#endif
