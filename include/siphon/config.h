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
#define SP_CONFIG_MAX_ROUTES 64 /* static routes */
#define SP_CONFIG_MAX_DNS 4     /* DNS servers */
#define SP_CONFIG_NAME_MAX 128  /* a route's domain or number prefix */
#define SP_CONFIG_URI_MAX 256   /* a route's next hop or redirect URI */

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

/* What the server does with a request it does not answer itself (docs/config.md). */
enum sp_proxy_mode {
	SP_PROXY_STATEFUL = 0, /* RFC 3261 §16: transactions, forking, CANCEL */
	SP_PROXY_STATELESS,    /* RFC 3261 §16.11 */
	SP_PROXY_REDIRECT,     /* RFC 3261 §8.3: 3xx with the targets as Contacts */
	SP_PROXY_OFF,	       /* registrar only: other requests get 405/501 */
};

/* Which Request-URIs a static route takes. */
enum sp_route_match {
	SP_ROUTE_DOMAIN,  /* the Request-URI host (a domain not served here) */
	SP_ROUTE_PREFIX,  /* a telephone number (tel: or user=phone) starting with value */
	SP_ROUTE_DEFAULT, /* everything not served here and matched by no other route */
};

/* A static route: requests it matches go to next_hop (a SIP URI such as
 * "sip:127.0.0.1:25090;transport=udp", from "udp:127.0.0.1:25090") or, with
 * redirect set, are answered 301 with that Contact. */
struct sp_config_route {
	enum sp_route_match match;
	char value[SP_CONFIG_NAME_MAX]; /* domain (lowercase) or number prefix */
	char next_hop[SP_CONFIG_URI_MAX];
	char redirect[SP_CONFIG_URI_MAX];
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
		uint32_t max_transactions;    /* per worker (tsx.h max_tsx); 500000 */
		uint32_t max_transactions_per_source; /* per worker and source IP, trusted
						       * sources exempt; 0: none; 50000 */
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
		enum sp_proxy_mode mode;      /* stateful */
		bool record_route;            /* true */
		uint32_t timer_c_s;           /* RFC 3261 §16.6 step 11: 181 */
		uint32_t fork_timeout_s;      /* next q-value group after this; 0: on failures only; 30 */
		uint32_t unknown_user_status; /* 480 (no enumeration) or 404 */
		bool recurse_3xx;             /* RFC 3261 §16.7 step 4: false */
		/* A UDP port of its own per worker for the Via of the requests
		 * the stateful proxy forwards (docs/config.md): true */
		bool worker_ports;
		/* Sources whose requests are proxied without digest
		 * authentication and may be relayed to any domain (gateways,
		 * trunks, benchmarks): none by default. */
		struct sp_cidr trusted[SP_CONFIG_MAX_ALLOW];
		unsigned ntrusted;
	} proxy;
	struct sp_config_route routes[SP_CONFIG_MAX_ROUTES]; /* in order: first match wins */
	unsigned nroutes;
	struct {
		struct sp_sa servers[SP_CONFIG_MAX_DNS]; /* none: /etc/resolv.conf */
		unsigned nservers;
		uint32_t timeout_ms;                /* per try; 2000 */
		bool enum_enabled;                  /* RFC 6116 for telephone numbers; false */
		char enum_suffix[SP_CONFIG_NAME_MAX]; /* "e164.arpa" */
	} dns;
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

/* Parses a next hop: "udp:HOST:PORT", "tcp:HOST[:PORT]" or a sip:/sips:
 * URI, into the URI form ("sip:HOST:PORT;transport=udp") in out[cap].
 * Returns 0 or -EINVAL (message in err). */
int sp_config_parse_next_hop(const char *spec, char *out, size_t cap, char *err, size_t errcap);

/* "stateful", "stateless", "redirect" or "off". */
const char *sp_proxy_mode_name(enum sp_proxy_mode m);

/* Writes "udp:127.0.0.1:5060" / "tcp:[::1]:5060" into buf[cap]. */
size_t sp_config_listen_print(const struct sp_config_listen *l, char *buf, size_t cap);

#endif
