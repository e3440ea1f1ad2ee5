/*
 * The server's configuration (DESIGN.md §6): one YAML file read with
 * libyaml, complete defaults so that `siphon serve` runs without one, and
 * command-line flags that override the file. docs/config.md lists every
 * key with its default and meaning; sp_config_print writes the effective
 * configuration back as YAML that sp_config_load reads again.
 *
 * Loading never leaves a configuration half-applied: a file is parsed
 * into a copy, which replaces *cfg only when the whole file was valid.
 * Errors name the place: "FILE:LINE:COL: what is wrong".
 */
#ifndef SIPHON_CONFIG_H
#define SIPHON_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "siphon/digest.h"
#include "siphon/hdr.h"
#include "siphon/log.h"
#include "siphon/sa.h"

#define SP_CONFIG_MAX_LISTEN 32 /* transport+address pairs */
#define SP_CONFIG_MAX_ALLOW 64  /* allow_destinations entries */
#define SP_CONFIG_MAX_WORKERS 1024
#define SP_CONFIG_PATH_MAX 1024
#define SP_CONFIG_ERR_MAX 512 /* room for any error message */

/* One socket to open: UDP or TCP on an address. */
struct sp_config_listen {
	enum sp_transport tp; /* SP_TP_UDP or SP_TP_TCP */
	struct sp_sa addr;
};

/* An address prefix (CIDR): addr with the first `bits` bits significant. */
struct sp_cidr {
	struct sp_sa addr; /* port unused */
	uint8_t bits;      /* 0-32 for IPv4, 0-128 for IPv6 */
};

struct sp_config {
	struct sp_config_listen listen[SP_CONFIG_MAX_LISTEN];
	unsigned nlisten;
	unsigned workers;                    /* worker threads; default: online CPUs */
	char data_dir[SP_CONFIG_PATH_MAX];   /* "./var" */
	enum sp_log_level log_level;         /* info */
	char server_name[128];               /* Server header: "siphon/VERSION" */

	struct {
		uint32_t t1_ms, t2_ms, t4_ms; /* RFC 3261 §17.1.1.1: 500, 4000, 5000 */
		uint32_t max_message_bytes;   /* whole message; 65535 */
		uint32_t max_header_bytes;    /* start line + headers on streams; 16384 */
		int dscp;                     /* 0-63; 24 (CS3, RFC 4594 signaling); -1: system */
	} sip;
	struct {
		uint32_t idle_timeout_s;          /* 300 */
		uint32_t connect_timeout_s;       /* 10 */
		uint32_t max_connections_per_ip;  /* 64 */
		uint32_t max_connections;         /* per worker; 4096 */
	} tcp;
	struct {
		uint32_t min_expires;     /* 423 below it (RFC 3261 §10.3 step 7); 60 */
		uint32_t default_expires; /* no expires parameter nor header; 3600 */
		uint32_t max_expires;     /* longer requests are lowered to it; 86400 */
		uint32_t max_bindings;    /* per AOR; 0: no limit; 10 */
	} registrar;
	struct {
		/* Digest challenges offered, in order of preference (RFC 8760
		 * §2.4): SP_DIGEST_SHA256 and/or SP_DIGEST_MD5, no repeats.
		 * Default SHA-256 then MD5. */
		enum sp_digest_alg algorithms[2];
		unsigned nalgorithms;
	} auth;
	struct {
		/* Where the server may send anything (responses included):
		 * default 0.0.0.0/0 and ::/0; tests set loopback only. */
		struct sp_cidr allow_destinations[SP_CONFIG_MAX_ALLOW];
		unsigned nallow;
	} security;
};

/* Fills *cfg with the built-in defaults. version names the Server header
 * ("siphon/" version); NULL gives "siphon". */
void sp_config_defaults(struct sp_config *cfg, const char *version);

/* Reads the YAML file path over *cfg: keys present replace the values in
 * *cfg, absent keys keep them (so call sp_config_defaults first). Unknown
 * keys, wrong types and out-of-range values are errors. Returns 0, or
 * -EINVAL with "path:line:col: message" in err[errcap] (line and column
 * 1-based, pointing at the offending node), or -errno if the file cannot
 * be read ("path: strerror"). *cfg is unchanged on error. */
int sp_config_load(struct sp_config *cfg, const char *path, char *err, size_t errcap);

/* As sp_config_load, from yaml[len]; name stands for the file in errors. */
int sp_config_load_string(struct sp_config *cfg, const char *yaml, size_t len, const char *name,
			  char *err, size_t errcap);

/* Parses one listen spec: "[udp:|tcp:]HOST:PORT" with HOST an IPv4
 * literal or a bracketed IPv6 literal ("[::1]:5060"); without a port,
 * 5060. Without a transport prefix it gives two entries (UDP and TCP).
 * Appends to out[*n] (at most max); returns 0, -EINVAL (message in err)
 * or -ENOSPC. */
int sp_config_parse_listen(const char *spec, struct sp_config_listen *out, unsigned *n,
			   unsigned max, char *err, size_t errcap);

/* Parses "ADDR/BITS" (or a bare address: a host prefix). Returns 0 or
 * -EINVAL. */
int sp_cidr_parse(const char *s, struct sp_cidr *out);

/* True when addr lies inside c. IPv4-mapped IPv6 addresses
 * (::ffff:a.b.c.d) match IPv4 prefixes. */
bool sp_cidr_match(const struct sp_cidr *c, const struct sp_sa *addr);

/* True when cfg's allow_destinations admit addr. */
bool sp_config_dest_allowed(const struct sp_config *cfg, const struct sp_sa *addr);

/* Writes the configuration as YAML that sp_config_load reads back to an
 * equal configuration. Returns 0 or -EIO. */
int sp_config_print(const struct sp_config *cfg, FILE *out);

/* Writes "udp:127.0.0.1:5060" / "tcp:[::1]:5060" into buf[cap]. */
size_t sp_config_listen_print(const struct sp_config_listen *l, char *buf, size_t cap);

#endif
