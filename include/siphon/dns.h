/*
 * DNS for SIP: RFC 3263 server location (NAPTR -> SRV -> A/AAAA) and ENUM
 * (RFC 6116), over c-ares, with a positive and negative cache.
 *
 * One struct sp_dns per event loop (DESIGN.md §3): each worker creates its
 * own at setup, with its own c-ares channel, sockets, cache and queries. An
 * sp_dns and everything it hands out belong to the thread that runs its
 * loop; nothing here is thread-safe, and nothing is shared between workers
 * (so every worker has its own cache).
 *
 * Every lookup is asynchronous and completes through its callback, which
 * runs from the loop, never from inside the call that started it: a cache
 * hit or a numeric host completes on a zero-delay timer, so callers have
 * one code path. The callback runs exactly once, unless the query is
 * cancelled first (then never). The query handle is valid from the start
 * call until the callback starts or sp_dns_cancel() returns.
 *
 * Lookups send queries only to the configured servers: tests must always
 * configure them (an empty list reads /etc/resolv.conf). /etc/hosts is not
 * consulted; "localhost" and names under it resolve to loopback without a
 * query (RFC 6761 §6.3).
 *
 * Errors passed to callbacks:
 *  -ENOENT     the name or the records do not exist (NXDOMAIN / NODATA /
 *              no usable record), for certain;
 *  -ETIMEDOUT  no server answered;
 *  -ECONNREFUSED  every server refused: ICMP unreachable or TCP reset, or
 *              an answer SERVFAIL / REFUSED / NOTIMP (c-ares 1.18 moves on
 *              to the next server on those and reports them alike);
 *  -EAGAIN     any other failure of the servers or c-ares;
 *  -EBADMSG    an answer could not be parsed;
 *  -ENOMEM;
 *  -ECANCELED  the resolver was destroyed while the query was pending.
 * When some records resolved and others failed, the callback gets what
 * resolved and 0.
 */
#ifndef SIPHON_DNS_H
#define SIPHON_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "siphon/hdr.h"
#include "siphon/loop.h"
#include "siphon/sa.h"
#include "siphon/str.h"
#include "siphon/uri.h"

struct sp_dns;	     /* one resolver: channel, cache, queries; per loop */
struct sp_dns_query; /* a pending lookup, for sp_dns_cancel() */

/* A transport in a mask of sp_dns_config.transports. */
#define SP_DNS_TP(tp) (1u << (tp))

/* Which address families are looked up, and in which order targets of
 * one host are listed. */
enum sp_dns_family {
	SP_DNS_V4_THEN_V6 = 0, /* A and AAAA; IPv4 addresses first */
	SP_DNS_V6_THEN_V4,     /* A and AAAA; IPv6 addresses first */
	SP_DNS_V4_ONLY,	       /* A only */
	SP_DNS_V6_ONLY,	       /* AAAA only */
};

/* Zero fields take the default named beside them. Copied by
 * sp_dns_create(): nothing here need outlive the call. */
struct sp_dns_config {
	/* Servers as "IP" or "IP:PORT" ("[v6]:PORT"), port 53 if absent,
	 * tried in this order. None: the nameservers of /etc/resolv.conf. */
	const char *const *servers;
	unsigned nservers;
	uint32_t timeout_ms;	 /* first try per server (c-ares doubles it
				    each round); 1000 */
	unsigned tries;		 /* rounds over the servers; 2 */
	unsigned cache_max;	 /* record sets cached, positive and negative,
				    least recently used evicted first; 4096 */
	uint32_t ttl_max;	 /* cap on positive TTLs, seconds; 3600 */
	uint32_t neg_ttl_max;	 /* cap on negative TTLs (RFC 2308 §5: SOA
				    minimum), seconds; 300 */
	const char *enum_suffix; /* ENUM apex (RFC 6116 §3.2); "e164.arpa" */
	/* Transports the resolver may choose when the URI names none
	 * (NAPTR services, SRV probes), as SP_DNS_TP(SP_TP_UDP) | ...;
	 * SP_TP_UDP, SP_TP_TCP, SP_TP_TLS and SP_TP_SCTP are known. An
	 * explicit ;transport= is used even if left out here.
	 * Default UDP | TCP | TLS. */
	unsigned transports;
	enum sp_dns_family family;
	/* RFC 3263 §4.4: a stateless proxy needs the same order every time.
	 * SRV records of one priority are then ordered by weight
	 * (heaviest first), target and port instead of RFC 2782's weighted
	 * random order. */
	bool deterministic;
	/* Seed for the weighted random SRV order; 0 seeds from getrandom().
	 * Tests set it to get a reproducible sequence. */
	uint64_t seed;
};

/* Creates a resolver on loop (which must outlive it) and its c-ares
 * channel. cfg may be NULL (all defaults). Returns 0, -EINVAL (a server
 * that is not an IP[:port], an invalid enum_suffix, an unknown family,
 * no loop), -ENOMEM, or -EIO when c-ares cannot initialise; *out untouched
 * on error. Call on the loop's thread. */
int sp_dns_create(struct sp_dns **out, struct sp_loop *loop, const struct sp_dns_config *cfg);

/* Cancels every pending query, calling each callback with -ECANCELED
 * (from inside this call, so owners can release their state; a callback
 * that starts a new lookup gets -ESHUTDOWN), closes the sockets, frees the
 * cache and d. NULL-safe. Not from inside one of d's callbacks. */
void sp_dns_destroy(struct sp_dns *d);

/* ---- RFC 3263: locating SIP servers ---- */

/* One place to send a request: transport and address with port. */
struct sp_dns_target {
	enum sp_transport tp;
	struct sp_sa addr;
};

/* Every target in failover order (RFC 3263 §4.3): the request goes to
 * t[0]; on a transport error, a timeout (timer B/F) or a 503 the client
 * sends a new transaction to t[1], and so on. Each SRV target's
 * addresses come in turn, in SRV order, then the next SRV set (the next
 * NAPTR record's transport). Duplicates are removed. Refcounted: valid
 * during the callback; sp_mem_ref() it to keep it, sp_mem_deref() to
 * release it. */
#define SP_DNS_MAX_TARGETS 64
struct sp_dns_targets {
	unsigned n; /* 1..SP_DNS_MAX_TARGETS */
	struct sp_dns_target t[];
};

/* res is NULL when err < 0; otherwise n >= 1. */
typedef void (*sp_dns_sip_cb)(int err, struct sp_dns_targets *res, void *arg);

/* Resolves a sip: or sips: URI to targets as RFC 3263 §4 says. TARGET is
 * the maddr parameter if present, else the host.
 *  - TARGET numeric (or localhost): that address; the transport from
 *    ;transport=, else UDP (sip) or TLS (sips); the port from the URI,
 *    else 5060 (5061 for TLS). No query is sent.
 *  - a port in the URI: A/AAAA of TARGET at that port; the transport from
 *    ;transport=, else UDP (sip) or TLS (sips) (§4.1, §4.2).
 *  - ;transport= without port: SRV _sip._udp / _sip._tcp / _sips._tcp /
 *    _sip._sctp of TARGET (_sips for TLS and sips URIs); without SRV,
 *    A/AAAA on the transport's default port (§4.2).
 *  - otherwise NAPTR of TARGET: the records with flag "s" and a service
 *    SIP+D2U (UDP), SIP+D2T (TCP), SIPS+D2T (TLS) or SIP+D2S (SCTP) that
 *    cfg.transports allows (only SIPS+ for a sips URI), in order and
 *    preference, each one's replacement queried for SRV. Without a usable
 *    NAPTR, SRV of _sip._udp, _sip._tcp, _sips._tcp (sips: _sips._tcp
 *    alone), as cfg.transports allows, in that order. Without any SRV,
 *    A/AAAA of TARGET on the default port of the transport already
 *    chosen: the best NAPTR record's, else UDP (or, without UDP in
 *    cfg.transports, the first allowed) for sip, TLS for sips.
 * SRV records are ordered by priority, then RFC 2782's weighted random
 * order (or cfg.deterministic); a lone "." target means no service. Up to
 * 32 SRV targets are looked up. sips with ;transport=udp or sctp, or a
 * transport other than udp/tcp/tls/sctp/ws/wss, is -EPROTONOSUPPORT (ws/wss: A/AAAA
 * only, default ports 80/443, RFC 7118 defines no SRV).
 *
 * uri is read during the call only. On success (0) *q (q may be NULL) is
 * the handle and cb(err, res, arg) follows from the loop. Returns
 * -EINVAL (not sip/sips, no host, a host name that is not a valid DNS
 * name), -EPROTONOSUPPORT, -ESHUTDOWN (the resolver is being destroyed)
 * or -ENOMEM, and then cb never runs and *q is untouched. */
int sp_dns_resolve_sip(struct sp_dns *d, const struct sp_uri *uri, sp_dns_sip_cb cb, void *arg,
		       struct sp_dns_query **q);

/* ---- ENUM (RFC 6116) ---- */

/* uri: the URI the selected NAPTR produced, NUL-terminated, len bytes
 * (a sip: or sips: URI); valid during the callback only. NULL when
 * err < 0. */
typedef void (*sp_dns_enum_cb)(int err, const char *uri, size_t len, void *arg);

/* Longest URI an ENUM rule may produce (bytes, without the NUL). */
#define SP_DNS_ENUM_URI_MAX 1024

/* Translates an E.164 number ("+441164960348"; the visual separators
 * "-", ".", "(", ")" of RFC 3966 are removed, RFC 6116 §3.1) to a SIP URI:
 * NAPTR of the reversed digits under cfg.enum_suffix (§3.2), records
 * sorted by order then preference (§5.2); the first terminal ("u") record
 * whose services name the "sip" Enumservice ("E2U+sip", any case, also
 * inside compound services, §3.4.3; or RFC 2916's "sip+E2U"), whose
 * substitution expression matches the number (sp_dns_naptr_subst) and
 * yields a sip: or sips: URI wins. Non-terminal records (empty flags) are
 * followed to their replacement domain, at most 5 deep, loops skipped
 * (§5.2.1). A record that cannot be used is skipped, never fatal.
 * Returns as sp_dns_resolve_sip (-EINVAL: not "+" and 1 to 15 digits);
 * the callback gets -ENOENT when no record yields a URI. */
int sp_dns_enum(struct sp_dns *d, struct sp_str number, sp_dns_enum_cb cb, void *arg,
		struct sp_dns_query **q);

/* ---- queries ---- */

/* Cancels a pending query: its callback never runs. q must be a handle
 * whose callback has not started. The DNS queries already sent are
 * left to complete and fill the cache. */
void sp_dns_cancel(struct sp_dns_query *q);

/* ---- cache and counters ---- */

/* Drops every cached record set (lookups in flight are kept). */
void sp_dns_cache_flush(struct sp_dns *d);

struct sp_dns_stats {
	uint64_t queries;    /* DNS queries handed to c-ares */
	uint64_t cache_hits; /* record sets served from the cache... */
	uint64_t neg_hits;   /* ...of which negative (NXDOMAIN/NODATA) */
	uint64_t coalesced;  /* lookups that joined a query in flight */
	uint64_t failures;   /* queries that ended in an error (timeout...) */
	uint64_t evictions;  /* cached sets dropped for the bound */
	unsigned cached;     /* record sets in the cache now */
	unsigned in_flight;  /* queries waiting for an answer now */
	unsigned pending;    /* sp_dns_query handles not yet completed */
};
void sp_dns_stats(const struct sp_dns *d, struct sp_dns_stats *out);

/* ---- building blocks (pure; also used by the tests and fuzzers) ---- */

/* Applies an RFC 3402 §3.2 substitution expression (the NAPTR regexp
 * field: delim ERE delim repl delim [flags]) to aus: when the POSIX
 * extended regular expression matches, the result is repl with "\1".."\9"
 * replaced by the groups they name (an unmatched group by nothing) and
 * "\<delim>" and "\\" by the character. The whole string is replaced, not
 * only the matched part. The delimiter is any byte but a digit 1-9, 'i',
 * '\' or NUL; the only flag is 'i' (case-insensitive). The expression is
 * untrusted and glibc's regcomp()/regexec() can be made to take
 * exponential time, so it is refused (-EINVAL) unless: at most 255 bytes,
 * no NUL; no back-reference or GNU escape ("\w", "\b"...) in the ERE;
 * no quantifier on something quantified or on a group that can match the
 * empty string; bounds {m,n} up to 255; groups nested up to 16; about
 * 4096 nodes once bounds are expanded. ENUM patterns never need more.
 * Writes the result and a NUL to out[cap]. Returns the result's length,
 * -ENOENT if the ERE does not match, -EINVAL if the expression is
 * malformed or refers to a group the ERE lacks, -ENOSPC if out is too
 * small, -ENOMEM. */
long sp_dns_naptr_subst(struct sp_str regexp, struct sp_str aus, char *out, size_t cap);

/* RFC 6116 §3.1-§3.2: the AUS ("+" and digits, separators removed) of
 * number into aus[cap] and the domain of its first NAPTR query
 * ("8.4.1.0.6.4.9.7.0.2.4.4.<suffix>") into domain[dcap], both
 * NUL-terminated. suffix without trailing dot. Returns 0, -EINVAL (not
 * "+" and 1 to 15 digits) or -ENOSPC. */
int sp_dns_enum_domain(struct sp_str number, const char *suffix, char *aus, size_t cap,
		       char *domain, size_t dcap);

#endif
