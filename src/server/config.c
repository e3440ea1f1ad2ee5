/*
 * The server configuration (config.h): built-in defaults, the YAML loader
 * (libyaml's document API, so every node keeps its line and column for
 * error messages), listen specs and CIDR prefixes, and printing the
 * effective configuration back as YAML.
 *
 * The loader is strict: an unknown key, a wrong type or an out-of-range
 * value stops the load with "file:line:col: ...", because a typo in a
 * security setting silently ignored is worse than a server that does not
 * start.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <yaml.h>

#include "siphon/config.h"
#include "siphon/mem.h"
#include "siphon/uri.h"

/* ---- defaults ----------------------------------------------------------- */

static void add_default_listen(struct sp_config *cfg)
{
	static const char *const def[] = { "0.0.0.0:5060", "[::]:5060" };
	char err[SP_CONFIG_ERR_MAX];

	cfg->nlisten = 0;
	for (size_t i = 0; i < sizeof(def) / sizeof(def[0]); i++)
		sp_config_parse_listen(def[i], cfg->listen, &cfg->nlisten, SP_CONFIG_MAX_LISTEN,
				       err, sizeof(err));
}

void sp_config_defaults(struct sp_config *cfg, const char *version)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	memset(cfg, 0, sizeof(*cfg));
	add_default_listen(cfg);
	cfg->workers = ncpu < 1 ? 1 : ncpu > SP_CONFIG_MAX_WORKERS ? SP_CONFIG_MAX_WORKERS
								   : (unsigned)ncpu;
	snprintf(cfg->data_dir, sizeof(cfg->data_dir), "./var");
	cfg->log_level = SP_LOG_INFO;
	if (version)
		snprintf(cfg->server_name, sizeof(cfg->server_name), "siphon/%s", version);
	else
		snprintf(cfg->server_name, sizeof(cfg->server_name), "siphon");

	cfg->sip.t1_ms = 500; /* RFC 3261 §17.1.1.1 */
	cfg->sip.t2_ms = 4000;
	cfg->sip.t4_ms = 5000;
	cfg->sip.max_message_bytes = 65535; /* the largest UDP payload */
	/* A proxied UDP call holds ~3 transactions for 64*T1 (RFC 3261 Timer
	 * J, RFC 6026 Timers L and M): ~100 transaction-seconds per call, so
	 * this sustains ~5,000 calls/s per worker (docs/config.md). */
	cfg->sip.max_transactions = 500000;
	cfg->sip.max_transactions_per_source = 50000;
	cfg->sip.max_header_bytes = 16384;
	cfg->sip.dscp = 24; /* CS3, RFC 4594 §4.2 signaling */

	cfg->tcp.idle_timeout_s = 300;
	cfg->tcp.connect_timeout_s = 10;
	cfg->tcp.max_connections_per_ip = 64;
	cfg->tcp.max_connections = 4096;
	cfg->registrar.min_expires = 60;
	cfg->registrar.default_expires = 3600;
	cfg->registrar.max_expires = 86400;
	cfg->registrar.max_bindings = 10;
	/* MD5 first: most deployed UAs (and sipsak, SIPp) read only the
	 * first challenge and know only MD5 (docs/config.md). */
	cfg->auth.algorithms[0] = SP_DIGEST_MD5;
	cfg->auth.algorithms[1] = SP_DIGEST_SHA256;
	cfg->auth.nalgorithms = 2;

	cfg->proxy.mode = SP_PROXY_STATEFUL;
	cfg->proxy.record_route = true;
	cfg->proxy.worker_ports = true;
	cfg->proxy.timer_c_s = 181; /* RFC 3261 §16.6 step 11: more than 3 minutes */
	cfg->proxy.fork_timeout_s = 30;
	cfg->proxy.unknown_user_status = 480; /* issue 5: no enumeration through the proxy */
	cfg->dns.timeout_ms = 2000;
	snprintf(cfg->dns.enum_suffix, sizeof(cfg->dns.enum_suffix), "e164.arpa");

	sp_cidr_parse("0.0.0.0/0", &cfg->security.allow_destinations[0]);
	sp_cidr_parse("::/0", &cfg->security.allow_destinations[1]);
	cfg->security.nallow = 2;
}

/* ---- listen specs and prefixes ------------------------------------------ */

static int errf(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int errf(char *err, size_t cap, const char *fmt, ...)
{
	va_list ap;
	if (err && cap) {
		va_start(ap, fmt);
		vsnprintf(err, cap, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int sp_config_parse_listen(const char *spec, struct sp_config_listen *out, unsigned *n,
			   unsigned max, char *err, size_t errcap)
{
	enum sp_transport tp = SP_TP_OTHER; /* both */
	const char *addr = spec;
	struct sp_sa sa;

	if (strncasecmp(spec, "udp:", 4) == 0) {
		tp = SP_TP_UDP;
		addr += 4;
	} else if (strncasecmp(spec, "tcp:", 4) == 0) {
		tp = SP_TP_TCP;
		addr += 4;
	}
	/* A bare IPv6 address without brackets would be ambiguous with a
	 * port: demand the brackets whenever there is more than one ':'. */
	const char *colon = strchr(addr, ':');
	if (addr[0] != '[' && colon && strchr(colon + 1, ':'))
		return errf(err, errcap, "'%s': write IPv6 addresses in brackets, e.g. [::1]:5060",
			    spec);
	if (sp_sa_parse(&sa, sp_str_c(addr), 5060) != 0)
		return errf(err, errcap,
			    "'%s': want [udp:|tcp:]ADDRESS[:PORT] with an IPv4 or [IPv6] address",
			    spec);
	for (int k = 0; k < 2; k++) {
		enum sp_transport t = k == 0 ? SP_TP_UDP : SP_TP_TCP;
		if (tp != SP_TP_OTHER && tp != t)
			continue;
		bool dup = false;
		for (unsigned i = 0; i < *n; i++)
			dup |= out[i].tp == t && sp_sa_eq(&out[i].addr, &sa);
		if (dup)
			continue;
		if (*n >= max) {
			errf(err, errcap, "'%s': more than %u listen addresses", spec, max);
			return -ENOSPC;
		}
		out[*n].tp = t;
		out[*n].addr = sa;
		(*n)++;
	}
	return 0;
}

int sp_config_parse_next_hop(const char *spec, char *out, size_t cap, char *err, size_t errcap)
{
	struct sp_uri uri;
	struct sp_parse_error pe;
	int n;

	if (strncasecmp(spec, "udp:", 4) == 0 || strncasecmp(spec, "tcp:", 4) == 0)
		n = snprintf(out, cap, "sip:%s;transport=%s", spec + 4,
			     (spec[0] | 0x20) == 'u' ? "udp" : "tcp");
	else
		n = snprintf(out, cap, "%s", spec);
	if (n < 0 || (size_t)n >= cap)
		return errf(err, errcap, "'%s' is too long", spec);
	if (sp_uri_parse(&uri, sp_str_c(out), SP_URI_NO_OTHER | SP_URI_NO_HEADERS, &pe) != 0 ||
	    (uri.scheme != SP_URI_SIP && uri.scheme != SP_URI_SIPS) || !uri.hp.host.len)
		return errf(err, errcap,
			    "'%s': want udp:HOST[:PORT], tcp:HOST[:PORT] or a sip:/sips: URI", spec);
	return 0;
}

size_t sp_config_listen_print(const struct sp_config_listen *l, char *buf, size_t cap)
{
	char sa[SP_SA_STRLEN];
	sp_sa_print(&l->addr, sa, sizeof(sa));
	int n = snprintf(buf, cap, "%s:%s", l->tp == SP_TP_TCP ? "tcp" : "udp", sa);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap ? cap - 1 : 0;
}

int sp_cidr_parse(const char *s, struct sp_cidr *out)
{
	char ip[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t iplen = slash ? (size_t)(slash - s) : strlen(s);
	struct sp_cidr c;
	uint64_t bits;

	memset(&c, 0, sizeof(c));

	if (iplen == 0 || iplen >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, iplen);
	ip[iplen] = 0;
	if (sp_sa_from_host(&c.addr, sp_str_c(ip), 0) != 0)
		return -EINVAL;
	unsigned maxbits = sp_sa_family(&c.addr) == AF_INET ? 32 : 128;
	if (!slash)
		bits = maxbits;
	else if (sp_str_to_u64(sp_str_c(slash + 1), maxbits, &bits) != 0)
		return -EINVAL;
	c.bits = (uint8_t)bits;
	*out = c;
	return 0;
}

/* The address bytes of sa (4 or 16) and their count. IPv4-mapped IPv6
 * addresses give their IPv4 bytes. */
static const uint8_t *addr_bytes(const struct sp_sa *sa, unsigned *n)
{
	if (sp_sa_family(sa) == AF_INET) {
		*n = 4;
		return (const uint8_t *)&sa->u.in4.sin_addr;
	}
	const uint8_t *b = sa->u.in6.sin6_addr.s6_addr;
	if (IN6_IS_ADDR_V4MAPPED(&sa->u.in6.sin6_addr)) {
		*n = 4;
		return b + 12;
	}
	*n = 16;
	return b;
}

bool sp_cidr_match(const struct sp_cidr *c, const struct sp_sa *addr)
{
	unsigned na, nb;
	if (!addr->len || !c->addr.len)
		return false;
	const uint8_t *a = addr_bytes(&c->addr, &na);
	const uint8_t *b = addr_bytes(addr, &nb);
	/* "::/0" admits every IPv6 address, IPv4-mapped ones included. */
	if (na != nb && !(c->bits == 0 && sp_sa_family(&c->addr) == sp_sa_family(addr)))
		return false;
	unsigned bits = c->bits, i = 0;
	for (; bits >= 8; bits -= 8, i++)
		if (a[i] != b[i])
			return false;
	if (bits) {
		uint8_t mask = (uint8_t)(0xff00u >> bits);
		if ((a[i] ^ b[i]) & mask)
			return false;
	}
	return true;
}

bool sp_config_dest_allowed(const struct sp_config *cfg, const struct sp_sa *addr)
{
	for (unsigned i = 0; i < cfg->security.nallow; i++)
		if (sp_cidr_match(&cfg->security.allow_destinations[i], addr))
			return true;
	return false;
}

/* ---- YAML loading -------------------------------------------------------- */

struct loader {
	yaml_document_t *doc;
	const char *name;
	char *err;
	size_t errcap;
	struct sp_config *cfg;
};

static int node_err(struct loader *ld, const yaml_node_t *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int node_err(struct loader *ld, const yaml_node_t *node, const char *fmt, ...)
{
	char msg[SP_CONFIG_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return errf(ld->err, ld->errcap, "%s:%zu:%zu: %s", ld->name, node->start_mark.line + 1,
		    node->start_mark.column + 1, msg);
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A scalar that holds a string (not a null). */
static int get_string(struct loader *ld, const yaml_node_t *n, const char *key, const char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return node_err(ld, n, "%s: want a string", key);
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (n->data.scalar.length == 0 || strcmp(scalar(n), "~") == 0 ||
	     strcmp(scalar(n), "null") == 0))
		return node_err(ld, n, "%s: value missing", key);
	if (strlen(scalar(n)) != n->data.scalar.length)
		return node_err(ld, n, "%s: NUL byte in value", key);
	*out = scalar(n);
	return 0;
}

static int get_uint(struct loader *ld, const yaml_node_t *n, const char *key, uint64_t min,
		    uint64_t max, uint64_t *out)
{
	const char *s = NULL;
	int rc = get_string(ld, n, key, &s);
	if (rc)
		return rc;
	if (sp_str_to_u64(sp_str_c(s), max, out) != 0 || *out < min)
		return node_err(ld, n, "%s: want a whole number from %llu to %llu, got '%s'", key,
				(unsigned long long)min, (unsigned long long)max, s);
	return 0;
}

static int get_u32(struct loader *ld, const yaml_node_t *n, const char *key, uint64_t min,
		   uint64_t max, uint32_t *out)
{
	uint64_t v;
	int rc = get_uint(ld, n, key, min, max, &v);
	if (rc == 0)
		*out = (uint32_t)v;
	return rc;
}

static int copy_string(struct loader *ld, const yaml_node_t *n, const char *key, char *dst,
		       size_t cap)
{
	const char *s = NULL;
	int rc = get_string(ld, n, key, &s);
	if (rc)
		return rc;
	if (strlen(s) >= cap || !*s)
		return node_err(ld, n, "%s: want 1 to %zu bytes", key, cap - 1);
	memset(dst, 0, cap); /* no stale bytes: configs compare with memcmp */
	memcpy(dst, s, strlen(s));
	return 0;
}

/* A sequence of scalars, or one scalar taken as a list of one; each item
 * goes through item(). */
typedef int (*item_cb)(struct loader *ld, const yaml_node_t *n, const char *s);

static int each_item(struct loader *ld, const yaml_node_t *n, const char *key, item_cb item)
{
	const char *s = NULL;
	int rc;

	if (n->type == YAML_SCALAR_NODE) {
		rc = get_string(ld, n, key, &s);
		return rc ? rc : item(ld, n, s);
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return node_err(ld, n, "%s: want a list of strings", key);
	if (n->data.sequence.items.top == n->data.sequence.items.start)
		return node_err(ld, n, "%s: the list is empty", key);
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		const yaml_node_t *v = yaml_document_get_node(ld->doc, *it);
		rc = get_string(ld, v, key, &s);
		if (rc == 0)
			rc = item(ld, v, s);
		if (rc)
			return rc;
	}
	return 0;
}

static int listen_item(struct loader *ld, const yaml_node_t *n, const char *s)
{
	char msg[SP_CONFIG_ERR_MAX];
	int rc = sp_config_parse_listen(s, ld->cfg->listen, &ld->cfg->nlisten,
					SP_CONFIG_MAX_LISTEN, msg, sizeof(msg));
	return rc ? node_err(ld, n, "listen: %s", msg) : 0;
}

static int allow_item(struct loader *ld, const yaml_node_t *n, const char *s)
{
	struct sp_config *c = ld->cfg;
	if (c->security.nallow >= SP_CONFIG_MAX_ALLOW)
		return node_err(ld, n, "allow_destinations: more than %d entries",
				SP_CONFIG_MAX_ALLOW);
	if (sp_cidr_parse(s, &c->security.allow_destinations[c->security.nallow]) != 0)
		return node_err(ld, n,
				"allow_destinations: '%s' is not ADDRESS/BITS "
				"(e.g. 127.0.0.0/8, ::1/128)",
				s);
	c->security.nallow++;
	return 0;
}

/* One key of a mapping: its name and how to read its value. */
struct key_rule {
	const char *name;
	int (*read)(struct loader *ld, const yaml_node_t *v, const char *key);
};

static int walk_map(struct loader *ld, const yaml_node_t *map, const char *where,
		    const struct key_rule *rules, size_t nrules);

#define U32_KEY(fn, field, min, max)                                                               \
	static int fn(struct loader *ld, const yaml_node_t *v, const char *key)                    \
	{                                                                                          \
		return get_u32(ld, v, key, (min), (max), &ld->cfg->field);                         \
	}

U32_KEY(rd_t1, sip.t1_ms, 1, 60000)
U32_KEY(rd_t2, sip.t2_ms, 1, 600000)
U32_KEY(rd_t4, sip.t4_ms, 1, 600000)
U32_KEY(rd_max_message, sip.max_message_bytes, 1024, 65535)
U32_KEY(rd_max_transactions, sip.max_transactions, 1000, 100000000)
U32_KEY(rd_max_per_source, sip.max_transactions_per_source, 0, 100000000)
U32_KEY(rd_max_header, sip.max_header_bytes, 1024, 1048576)
U32_KEY(rd_idle, tcp.idle_timeout_s, 1, 86400)
U32_KEY(rd_connect, tcp.connect_timeout_s, 1, 3600)
U32_KEY(rd_per_ip, tcp.max_connections_per_ip, 1, 1000000)
U32_KEY(rd_max_conns, tcp.max_connections, 1, 1000000)
U32_KEY(rd_min_expires, registrar.min_expires, 1, 86400)
U32_KEY(rd_default_expires, registrar.default_expires, 1, 31536000)
U32_KEY(rd_max_expires, registrar.max_expires, 1, 31536000)
U32_KEY(rd_max_bindings, registrar.max_bindings, 0, 1000)
U32_KEY(rd_timer_c, proxy.timer_c_s, 1, 86400)
U32_KEY(rd_fork_timeout, proxy.fork_timeout_s, 0, 3600)
U32_KEY(rd_dns_timeout, dns.timeout_ms, 50, 60000)

static int rd_dscp(struct loader *ld, const yaml_node_t *v, const char *key)
{
	const char *s = NULL;
	uint64_t d;
	int rc = get_string(ld, v, key, &s);
	if (rc)
		return rc;
	if (strcmp(s, "-1") == 0 || strcmp(s, "system") == 0) {
		ld->cfg->sip.dscp = -1;
		return 0;
	}
	rc = get_uint(ld, v, key, 0, 63, &d);
	if (rc == 0)
		ld->cfg->sip.dscp = (int)d;
	return rc;
}

static int rd_listen(struct loader *ld, const yaml_node_t *v, const char *key)
{
	ld->cfg->nlisten = 0; /* the file's list replaces the defaults */
	return each_item(ld, v, key, listen_item);
}

static int alg_item(struct loader *ld, const yaml_node_t *n, const char *s)
{
	struct sp_config *c = ld->cfg;
	enum sp_digest_alg alg;

	if (strcasecmp(s, "SHA-256") == 0)
		alg = SP_DIGEST_SHA256;
	else if (strcasecmp(s, "MD5") == 0)
		alg = SP_DIGEST_MD5;
	else
		return node_err(ld, n, "algorithms: '%s': want SHA-256 or MD5", s);
	for (unsigned i = 0; i < c->auth.nalgorithms; i++)
		if (c->auth.algorithms[i] == alg)
			return node_err(ld, n, "algorithms: '%s' given twice", s);
	c->auth.algorithms[c->auth.nalgorithms++] = alg;
	return 0;
}

static int rd_algorithms(struct loader *ld, const yaml_node_t *v, const char *key)
{
	ld->cfg->auth.nalgorithms = 0;
	return each_item(ld, v, key, alg_item);
}

static int rd_auth(struct loader *ld, const yaml_node_t *v, const char *key)
{
	static const struct key_rule rules[] = {
		{ "algorithms", rd_algorithms },
	};
	return walk_map(ld, v, key, rules, sizeof(rules) / sizeof(rules[0]));
}

static int rd_allow(struct loader *ld, const yaml_node_t *v, const char *key)
{
	ld->cfg->security.nallow = 0;
	return each_item(ld, v, key, allow_item);
}

static int rd_workers(struct loader *ld, const yaml_node_t *v, const char *key)
{
	const char *s = NULL;
	uint64_t w;
	int rc = get_string(ld, v, key, &s);
	if (rc)
		return rc;
	if (strcmp(s, "auto") == 0) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		ld->cfg->workers = ncpu < 1 ? 1 : ncpu > SP_CONFIG_MAX_WORKERS ? SP_CONFIG_MAX_WORKERS
									       : (unsigned)ncpu;
		return 0;
	}
	rc = get_uint(ld, v, key, 1, SP_CONFIG_MAX_WORKERS, &w);
	if (rc == 0)
		ld->cfg->workers = (unsigned)w;
	return rc;
}

static int rd_data_dir(struct loader *ld, const yaml_node_t *v, const char *key)
{
	return copy_string(ld, v, key, ld->cfg->data_dir, sizeof(ld->cfg->data_dir));
}

static int rd_server_name(struct loader *ld, const yaml_node_t *v, const char *key)
{
	int rc = copy_string(ld, v, key, ld->cfg->server_name, sizeof(ld->cfg->server_name));
	if (rc)
		return rc;
	/* It becomes a header value: no line breaks or control bytes. */
	for (const char *p = ld->cfg->server_name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return node_err(ld, v, "%s: control characters are not allowed", key);
	return 0;
}

static int rd_log_level(struct loader *ld, const yaml_node_t *v, const char *key)
{
	const char *s = NULL;
	int rc = get_string(ld, v, key, &s);
	if (rc)
		return rc;
	if (sp_log_level_parse(s, &ld->cfg->log_level) != 0)
		return node_err(ld, v, "%s: want error, warn, info or debug, got '%s'", key, s);
	return 0;
}

static int rd_sip(struct loader *ld, const yaml_node_t *v, const char *key)
{
	static const struct key_rule rules[] = {
		{ "t1_ms", rd_t1 },
		{ "t2_ms", rd_t2 },
		{ "t4_ms", rd_t4 },
		{ "max_message_bytes", rd_max_message },
		{ "max_header_bytes", rd_max_header },
		{ "max_transactions", rd_max_transactions },
		{ "max_transactions_per_source", rd_max_per_source },
		{ "dscp", rd_dscp },
	};
	return walk_map(ld, v, key, rules, sizeof(rules) / sizeof(rules[0]));
}

static int rd_tcp(struct loader *ld, const yaml_node_t *v, const char *key)
{
	static const struct key_rule rules[] = {
		{ "idle_timeout_s", rd_idle },
		{ "connect_timeout_s", rd_connect },
		{ "max_connections_per_ip", rd_per_ip },
		{ "max_connections", rd_max_conns },
	};
	return walk_map(ld, v, key, rules, sizeof(rules) / sizeof(rules[0]));
}

static int rd_registrar(struct loader *ld, const yaml_node_t *v, const char *key)
{
	static const struct key_rule rules[] = {
		{ "min_expires", rd_min_expires },
		{ "default_expires", rd_default_expires },
		{ "max_expires", rd_max_expires },
		{ "max_bindings", rd_max_bindings },
	};
	return walk_map(ld, v, key, rules, sizeof(rules) / sizeof(rules[0]));
}

static int get_bool(struct loader *ld, const yaml_node_t *n, const char *key, bool *out)
{
	const char *s = NULL;
	int rc = get_string(ld, n, key, &s);
	if (rc)
		return rc;
	if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0 || strcmp(s, "on") == 0)
		*out = true;
	else if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0 || strcmp(s, "off") == 0)
		*out = false;
	else
		return node_err(ld, n, "%s: want true or false, got '%s'", key, s);
	return 0;
}

static const char *const mode_names[] = {
	[SP_PROXY_STATEFUL] = "stateful",
	[SP_PROXY_STATELESS] = "stateless",
	[SP_PROXY_REDIRECT] = "redirect",
	[SP_PROXY_OFF] = "off",
};

const char *sp_proxy_mode_name(enum sp_proxy_mode m)
{
	return (unsigned)m < sizeof(mode_names) / sizeof(mode_names[0]) ? mode_names[m] : "?";
}

static int rd_mode(struct loader *ld, const yaml_node_t *v, const char *key)
{
	const char *s = NULL;
	int rc = get_string(ld, v, key, &s);
	if (rc)
		return rc;
	for (unsigned i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (strcmp(s, mode_names[i]) == 0) {
			ld->cfg->proxy.mode = (enum sp_proxy_mode)i;
			return 0;
		}
	return node_err(ld, v, "%s: want stateful, stateless, redirect or off, got '%s'", key, s);
}

static int rd_record_route(struct loader *ld, const yaml_node_t *v, const char *key)
{
	return get_bool(ld, v, key, &ld->cfg->proxy.record_route);
}

static int rd_recurse(struct loader *ld, const yaml_node_t *v, const char *key)
{
	return get_bool(ld, v, key, &ld->cfg->proxy.recurse_3xx);
}

static int rd_worker_ports(struct loader *ld, const yaml_node_t *v, const char *key)
{
	return get_bool(ld, v, key, &ld->cfg->proxy.worker_ports);
}

static int rd_unknown_user(struct loader *ld, const yaml_node_t *v, const char *key)
{
	uint32_t st;
	int rc = get_u32(ld, v, key, 400, 699, &st);
	if (rc)
		return rc;
	if (st != 404 && st != 480)
		return node_err(ld, v, "%s: want 480 (no user enumeration) or 404", key);
	ld->cfg->proxy.unknown_user_status = st;
	return 0;
}

static int trusted_item(struct loader *ld, const yaml_node_t *n, const char *s)
{
	struct sp_config *c = ld->cfg;
	if (c->proxy.ntrusted >= SP_CONFIG_MAX_ALLOW)
		return node_err(ld, n, "trusted: more than %d entries", SP_CONFIG_MAX_ALLOW);
	if (sp_cidr_parse(s, &c->proxy.trusted[c->proxy.ntrusted]) != 0)
		return node_err(ld, n, "trusted: '%s' is not ADDRESS/BITS", s);
	c->proxy.ntrusted++;
	return 0;
}

static int rd_trusted(struct loader *ld, const yaml_node_t *v, const char *key)
{
	ld->cfg->proxy.ntrusted = 0;
	return each_item(ld, v, key, trusted_item);
}

static int rd_proxy(struct loader *ld, const yaml_node_t *v, const char *key)
{
	static const struct key_rule rules[] = {
		{ "mode", rd_mode },
		{ "record_route", rd_record_route },
		{ "timer_c_s", rd_timer_c },
		{ "fork_timeout_s", rd_fork_timeout },
		{ "unknown_user_status", rd_unknown_user },
		{ "recurse_3xx", rd_recurse },
		{ "worker_ports", rd_worker_ports },
		{ "trusted", rd_trusted },
	};
	return walk_map(ld, v, key, rules, sizeof(rules) / sizeof(rules[0]));
}

/* One route: a mapping with exactly one of domain/prefix/default and
 * exactly one of next_hop/redirect. */
static int route_item(struct loader *ld, const yaml_node_t *n)
{
	struct sp_config *c = ld->cfg;
	struct sp_config_route r;
	char msg[SP_CONFIG_ERR_MAX];
	bool have_match = false, have_dest = false;

	if (n->type != YAML_MAPPING_NODE)
		return node_err(ld, n, "routes: each route is a mapping (domain/prefix/default "
				       "and next_hop/redirect)");
	if (c->nroutes >= SP_CONFIG_MAX_ROUTES)
		return node_err(ld, n, "routes: more than %d routes", SP_CONFIG_MAX_ROUTES);
	memset(&r, 0, sizeof(r));
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(ld->doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(ld->doc, p->value);
		const char *name = k->type == YAML_SCALAR_NODE ? scalar(k) : "";
		const char *s = NULL;
		bool is_match = strcmp(name, "domain") == 0 || strcmp(name, "prefix") == 0 ||
				strcmp(name, "default") == 0;
		bool is_dest = strcmp(name, "next_hop") == 0 || strcmp(name, "redirect") == 0;
		int rc;

		if (!is_match && !is_dest)
			return node_err(ld, k, "unknown key '%s' in a route", name);
		if ((is_match && have_match) || (is_dest && have_dest))
			return node_err(ld, k, "route: '%s' conflicts with an earlier key", name);
		if (strcmp(name, "default") == 0) {
			bool on = false;
			if ((rc = get_bool(ld, v, name, &on)) != 0)
				return rc;
			if (!on)
				return node_err(ld, v, "default: only 'true' makes sense");
			r.match = SP_ROUTE_DEFAULT;
		} else if (is_match) {
			if ((rc = copy_string(ld, v, name, r.value, sizeof(r.value))) != 0)
				return rc;
			r.match = strcmp(name, "domain") == 0 ? SP_ROUTE_DOMAIN : SP_ROUTE_PREFIX;
			for (char *q = r.value; *q; q++)
				if (*q >= 'A' && *q <= 'Z')
					*q = (char)(*q - 'A' + 'a');
		} else {
			if ((rc = get_string(ld, v, name, &s)) != 0)
				return rc;
			char *dst = strcmp(name, "next_hop") == 0 ? r.next_hop : r.redirect;
			if (sp_config_parse_next_hop(s, dst, SP_CONFIG_URI_MAX, msg, sizeof(msg)))
				return node_err(ld, v, "%s: %s", name, msg);
		}
		have_match |= is_match;
		have_dest |= is_dest;
	}
	if (!have_match || !have_dest)
		return node_err(ld, n, "route: want one of domain/prefix/default and one of "
				       "next_hop/redirect");
	c->routes[c->nroutes++] = r;
	return 0;
}

static int rd_routes(struct loader *ld, const yaml_node_t *v, const char *key)
{
	if (v->type != YAML_SEQUENCE_NODE)
		return node_err(ld, v, "%s: want a list of routes", key);
	ld->cfg->nroutes = 0;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		int rc = route_item(ld, yaml_document_get_node(ld->doc, *it));
		if (rc)
			return rc;
	}
	return 0;
}

static int dns_server_item(struct loader *ld, const yaml_node_t *n, const char *s)
{
	struct sp_config *c = ld->cfg;
	if (c->dns.nservers >= SP_CONFIG_MAX_DNS)
		return node_err(ld, n, "servers: more than %d entries", SP_CONFIG_MAX_DNS);
	if (sp_sa_parse(&c->dns.servers[c->dns.nservers], sp_str_c(s), 53) != 0)
		return node_err(ld, n, "servers: '%s' is not ADDRESS[:PORT]", s);
	c->dns.nservers++;
	return 0;
}

static int rd_dns_servers(struct loader *ld, const yaml_node_t *v, const char *key)
{
	ld->cfg->dns.nservers = 0;
	return each_item(ld, v, key, dns_server_item);
}

static int rd_enum(struct loader *ld, const yaml_node_t *v, const char *key)
{
	return get_bool(ld, v, key, &ld->cfg->dns.enum_enabled);
}

static int rd_enum_suffix(struct loader *ld, const yaml_node_t *v, const char *key)
{
	return copy_string(ld, v, key, ld->cfg->dns.enum_suffix, sizeof(ld->cfg->dns.enum_suffix));
}

static int rd_dns(struct loader *ld, const yaml_node_t *v, const char *key)
{
	static const struct key_rule rules[] = {
		{ "servers", rd_dns_servers },
		{ "timeout_ms", rd_dns_timeout },
		{ "enum", rd_enum },
		{ "enum_suffix", rd_enum_suffix },
	};
	return walk_map(ld, v, key, rules, sizeof(rules) / sizeof(rules[0]));
}

static int rd_security(struct loader *ld, const yaml_node_t *v, const char *key)
{
	static const struct key_rule rules[] = {
		{ "allow_destinations", rd_allow },
	};
	return walk_map(ld, v, key, rules, sizeof(rules) / sizeof(rules[0]));
}

static int walk_map(struct loader *ld, const yaml_node_t *map, const char *where,
		    const struct key_rule *rules, size_t nrules)
{
	uint64_t seen = 0;

	if (map->type != YAML_MAPPING_NODE)
		return node_err(ld, map, "%s: want a mapping of keys", where);
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = yaml_document_get_node(ld->doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(ld->doc, p->value);
		size_t i;

		if (k->type != YAML_SCALAR_NODE)
			return node_err(ld, k, "%s: keys must be plain names", where);
		for (i = 0; i < nrules; i++)
			if (strcmp(scalar(k), rules[i].name) == 0)
				break;
		if (i == nrules)
			return node_err(ld, k, "unknown key '%s' in %s", scalar(k), where);
		if (seen & (1ull << i))
			return node_err(ld, k, "key '%s' given twice in %s", scalar(k), where);
		seen |= 1ull << i;
		int rc = rules[i].read(ld, v, rules[i].name);
		if (rc)
			return rc;
	}
	return 0;
}

static const struct key_rule top_rules[] = {
	{ "listen", rd_listen },
	{ "workers", rd_workers },
	{ "data_dir", rd_data_dir },
	{ "log_level", rd_log_level },
	{ "server_name", rd_server_name },
	{ "sip", rd_sip },
	{ "tcp", rd_tcp },
	{ "registrar", rd_registrar },
	{ "auth", rd_auth },
	{ "security", rd_security },
	{ "proxy", rd_proxy },
	{ "routes", rd_routes },
	{ "dns", rd_dns },
};

/* Cross-key rules, checked once the whole file is read. */
static int check_whole(struct loader *ld, const yaml_node_t *root)
{
	const struct sp_config *c = ld->cfg;
	if (c->sip.t2_ms < c->sip.t1_ms)
		return node_err(ld, root, "sip: t2_ms (%u) must not be below t1_ms (%u)",
				c->sip.t2_ms, c->sip.t1_ms);
	if (c->registrar.min_expires > c->registrar.max_expires ||
	    c->registrar.default_expires < c->registrar.min_expires ||
	    c->registrar.default_expires > c->registrar.max_expires)
		return node_err(ld, root,
				"registrar: want min_expires (%u) <= default_expires (%u) <= "
				"max_expires (%u)",
				c->registrar.min_expires, c->registrar.default_expires,
				c->registrar.max_expires);
	return 0;
}

int sp_config_load_string(struct sp_config *cfg, const char *yaml, size_t len, const char *name,
			  char *err, size_t errcap)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct sp_config *tmp;
	int rc;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
	if (!yaml_parser_load(&parser, &doc)) {
		const yaml_mark_t *m = parser.problem ? &parser.problem_mark : &parser.context_mark;
		rc = errf(err, errcap, "%s:%zu:%zu: %s%s%s", name, m->line + 1, m->column + 1,
			  parser.problem ? parser.problem : "malformed YAML",
			  parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return rc;
	}
	tmp = sp_malloc(sizeof(*tmp));
	if (!tmp) {
		yaml_document_delete(&doc);
		yaml_parser_delete(&parser);
		return -ENOMEM;
	}
	*tmp = *cfg;
	struct loader ld = { .doc = &doc, .name = name, .err = err, .errcap = errcap, .cfg = tmp };
	const yaml_node_t *root = yaml_document_get_root_node(&doc);
	rc = 0;
	/* An empty file (or one holding only comments, or a lone null) keeps
	 * every default. */
	if (root && !(root->type == YAML_SCALAR_NODE &&
		      root->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		      (root->data.scalar.length == 0 || strcmp(scalar(root), "~") == 0 ||
		       strcmp(scalar(root), "null") == 0))) {
		rc = walk_map(&ld, root, "the top level", top_rules,
			      sizeof(top_rules) / sizeof(top_rules[0]));
		if (rc == 0)
			rc = check_whole(&ld, root);
	}
	/* One document per file: a second one is probably a mistake. */
	if (rc == 0) {
		yaml_document_t more;
		if (!yaml_parser_load(&parser, &more)) {
			rc = errf(err, errcap, "%s:%zu:%zu: %s", name,
				  parser.problem_mark.line + 1, parser.problem_mark.column + 1,
				  parser.problem ? parser.problem : "malformed YAML");
		} else {
			const yaml_node_t *r2 = yaml_document_get_root_node(&more);
			if (r2)
				rc = errf(err, errcap, "%s:%zu:%zu: only one YAML document is allowed",
					  name, r2->start_mark.line + 1, r2->start_mark.column + 1);
			yaml_document_delete(&more);
		}
	}
	if (rc == 0)
		*cfg = *tmp;
	sp_free(tmp);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

int sp_config_load(struct sp_config *cfg, const char *path, char *err, size_t errcap)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc;

	if (!fp) {
		rc = -errno;
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		return rc;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= (16u << 20)) {
				fclose(fp);
				sp_free(buf);
				snprintf(err, errcap, "%s: larger than 16 MiB", path);
				return -EFBIG;
			}
			cap = cap ? cap * 2 : 4096;
			char *nb = sp_realloc(buf, cap);
			if (!nb) {
				fclose(fp);
				sp_free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		size_t n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		rc = -EIO;
		snprintf(err, errcap, "%s: read error", path);
	} else {
		rc = sp_config_load_string(cfg, buf ? buf : "", len, path, err, errcap);
	}
	fclose(fp);
	sp_free(buf);
	return rc;
}

/* ---- printing ------------------------------------------------------------ */

/* A YAML double-quoted scalar (YAML 1.2 §7.3.1): '"', '\\' and control
 * bytes escaped, so any value prints as one valid scalar. */
static void yaml_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static const char *level_name(enum sp_log_level l)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	return (unsigned)l < sizeof(names) / sizeof(names[0]) ? names[l] : "info";
}

int sp_config_print(const struct sp_config *cfg, FILE *out)
{
	char buf[SP_SA_STRLEN + 8];

	fprintf(out, "listen:\n");
	for (unsigned i = 0; i < cfg->nlisten; i++) {
		sp_config_listen_print(&cfg->listen[i], buf, sizeof(buf));
		fprintf(out, "  - ");
		yaml_str(out, buf);
		fputc('\n', out);
	}
	fprintf(out, "workers: %u\ndata_dir: ", cfg->workers);
	yaml_str(out, cfg->data_dir);
	fprintf(out, "\nlog_level: %s\nserver_name: ", level_name(cfg->log_level));
	yaml_str(out, cfg->server_name);
	fprintf(out,
		"\nsip:\n"
		"  t1_ms: %u\n  t2_ms: %u\n  t4_ms: %u\n"
		"  max_message_bytes: %u\n  max_header_bytes: %u\n  max_transactions: %u\n"
		"  max_transactions_per_source: %u\n  dscp: %d\n",
		cfg->sip.t1_ms, cfg->sip.t2_ms, cfg->sip.t4_ms, cfg->sip.max_message_bytes,
		cfg->sip.max_header_bytes, cfg->sip.max_transactions,
		cfg->sip.max_transactions_per_source, cfg->sip.dscp);
	fprintf(out,
		"tcp:\n"
		"  idle_timeout_s: %u\n  connect_timeout_s: %u\n"
		"  max_connections_per_ip: %u\n  max_connections: %u\n",
		cfg->tcp.idle_timeout_s, cfg->tcp.connect_timeout_s,
		cfg->tcp.max_connections_per_ip, cfg->tcp.max_connections);
	fprintf(out,
		"registrar:\n"
		"  min_expires: %u\n  default_expires: %u\n"
		"  max_expires: %u\n  max_bindings: %u\n",
		cfg->registrar.min_expires, cfg->registrar.default_expires,
		cfg->registrar.max_expires, cfg->registrar.max_bindings);
	fprintf(out, "auth:\n  algorithms:\n");
	for (unsigned i = 0; i < cfg->auth.nalgorithms; i++)
		fprintf(out, "    - %s\n", sp_digest_alg_name(cfg->auth.algorithms[i]));
	fprintf(out,
		"proxy:\n  mode: %s\n  record_route: %s\n  timer_c_s: %u\n  fork_timeout_s: %u\n"
		"  unknown_user_status: %u\n  recurse_3xx: %s\n  worker_ports: %s\n",
		sp_proxy_mode_name(cfg->proxy.mode), cfg->proxy.record_route ? "true" : "false",
		cfg->proxy.timer_c_s, cfg->proxy.fork_timeout_s, cfg->proxy.unknown_user_status,
		cfg->proxy.recurse_3xx ? "true" : "false", cfg->proxy.worker_ports ? "true" : "false");
	if (cfg->proxy.ntrusted) {
		fprintf(out, "  trusted:\n");
		for (unsigned i = 0; i < cfg->proxy.ntrusted; i++) {
			const struct sp_cidr *c = &cfg->proxy.trusted[i];
			char ip[SP_SA_STRLEN];
			sp_sa_print_ip(&c->addr, ip, sizeof(ip));
			snprintf(buf, sizeof(buf), "%s/%u", ip, c->bits);
			fprintf(out, "    - ");
			yaml_str(out, buf);
			fputc('\n', out);
		}
	}
	if (cfg->nroutes) {
		static const char *const match[] = { "domain", "prefix", "default" };
		fprintf(out, "routes:\n");
		for (unsigned i = 0; i < cfg->nroutes; i++) {
			const struct sp_config_route *r = &cfg->routes[i];
			fprintf(out, "  - %s: ", match[r->match]);
			yaml_str(out, r->match == SP_ROUTE_DEFAULT ? "true" : r->value);
			fprintf(out, "\n    %s: ", *r->redirect ? "redirect" : "next_hop");
			yaml_str(out, *r->redirect ? r->redirect : r->next_hop);
			fputc('\n', out);
		}
	}
	fprintf(out, "dns:\n");
	if (cfg->dns.nservers) {
		fprintf(out, "  servers:\n");
		for (unsigned i = 0; i < cfg->dns.nservers; i++) {
			sp_sa_print(&cfg->dns.servers[i], buf, sizeof(buf));
			fprintf(out, "    - ");
			yaml_str(out, buf);
			fputc('\n', out);
		}
	}
	fprintf(out, "  timeout_ms: %u\n  enum: %s\n  enum_suffix: ", cfg->dns.timeout_ms,
		cfg->dns.enum_enabled ? "true" : "false");
	yaml_str(out, cfg->dns.enum_suffix);
	fprintf(out, "\nsecurity:\n  allow_destinations:\n");
	for (unsigned i = 0; i < cfg->security.nallow; i++) {
		const struct sp_cidr *c = &cfg->security.allow_destinations[i];
		char ip[SP_SA_STRLEN];
		sp_sa_print_ip(&c->addr, ip, sizeof(ip));
		snprintf(buf, sizeof(buf), "%s/%u", ip, c->bits);
		fprintf(out, "    - ");
		yaml_str(out, buf);
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}
