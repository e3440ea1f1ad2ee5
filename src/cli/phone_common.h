/*
 * What the softphone verbs share (cmd_register.c, cmd_call.c,
 * cmd_answer.c, cmd_options.c, cmd_message.c): the common flags, one
 * event loop with SIGINT/SIGTERM on a signalfd, the UA (ua.h) with its
 * media hooks driving one sp_media_session per call, and an orderly
 * shutdown (calls ended with CANCEL/BYE, binding removed, bounded).
 */
#ifndef SIPHON_CLI_PHONE_COMMON_H
#define SIPHON_CLI_PHONE_COMMON_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "siphon/dns.h"
#include "siphon/loop.h"
#include "siphon/media_session.h"
#include "siphon/ua.h"

/* getopt_long ids of the common flags (beyond any short option). */
enum {
	PH_OPT_SERVER = 0x1000,
	PH_OPT_USER,
	PH_OPT_PASSWORD,
	PH_OPT_TRANSPORT,
	PH_OPT_LOCAL_IP,
	PH_OPT_PLAY,
	PH_OPT_TONE,
	PH_OPT_RECORD,
	PH_OPT_ECHO,
	PH_OPT_CODECS,
	PH_OPT_RTP_PORTS,
	PH_OPT_VERBOSE,
	PH_OPT_TRACE,
	PH_OPT_KEEPALIVE,
	PH_OPT_PROFILE,
	PH_OPT_DNS,
	PH_OPT_DSCP_SIP,
	PH_OPT_DSCP_RTP,
};

#define PH_COMMON_OPTIONS                                                          \
	{ "server", required_argument, NULL, PH_OPT_SERVER },                      \
		{ "user", required_argument, NULL, PH_OPT_USER },                  \
		{ "password", required_argument, NULL, PH_OPT_PASSWORD },          \
		{ "transport", required_argument, NULL, PH_OPT_TRANSPORT },        \
		{ "keepalive", required_argument, NULL, PH_OPT_KEEPALIVE },        \
		{ "profile", required_argument, NULL, PH_OPT_PROFILE },            \
		{ "dns", required_argument, NULL, PH_OPT_DNS },                    \
		{ "dscp-sip", required_argument, NULL, PH_OPT_DSCP_SIP },          \
		{ "local-ip", required_argument, NULL, PH_OPT_LOCAL_IP },          \
		{ "verbose", no_argument, NULL, PH_OPT_VERBOSE },                \
		{ "trace", no_argument, NULL, PH_OPT_TRACE }

#define PH_MEDIA_OPTIONS                                                           \
	{ "play", required_argument, NULL, PH_OPT_PLAY },                          \
		{ "tone", required_argument, NULL, PH_OPT_TONE },                  \
		{ "record", required_argument, NULL, PH_OPT_RECORD },              \
		{ "echo", no_argument, NULL, PH_OPT_ECHO },                        \
		{ "codecs", required_argument, NULL, PH_OPT_CODECS },              \
		{ "rtp-ports", required_argument, NULL, PH_OPT_RTP_PORTS },        \
		{ "dscp-rtp", required_argument, NULL, PH_OPT_DSCP_RTP }

/* The help text of the common and media flags. */
extern const char sp_phone_common_help[];
extern const char sp_phone_media_help[];

struct sp_phone;
struct call_media;

/* A call ended: its summary line is ready (no newline). */
typedef void (*sp_phone_call_cb)(struct sp_phone *p, struct sp_ua_call *call, const char *summary);

struct sp_phone {
	const char *verb; /* "call", for messages */
	/* flags */
	const char *server, *user, *password, *local_ip;
	const char *dns;	  /* --dns IP[:PORT], else /etc/resolv.conf */
	enum sp_transport tp;
	bool has_dscp_sip, has_dscp_rtp; /* --dscp-sip/-rtp given: */
	uint8_t dscp_sip, dscp_rtp;	 /* ... 0..63 (0: unmarked) */
	const char *play, *record, *codecs;
	unsigned tone;
	bool echo, verbose, trace;
	uint16_t rtp_min, rtp_max;
	uint32_t keepalive_s; /* RFC 5626 §4.4.1 CRLF pings on TCP; 0: 30 */
	/* what the verb sets before sp_phone_start */
	bool auto_answer;
	uint32_t answer_delay_ms;
	bool rel100;		  /* send the 180 reliably (RFC 3262) when asked */
	bool early_media;	  /* 183 with the answer, media before the 200 */
	bool accept_refer;	  /* follow a peer's REFER (RFC 3515 transferee) */
	uint32_t hangup_after_ms; /* BYE this long after a call is up; 0: never */
	uint32_t session_expires; /* RFC 4028: Session-Expires our INVITEs ask for */
	uint32_t min_se;	  /* RFC 4028: our minimum interval; 0: 90 s */
	uint16_t local_port;	  /* SIP port; 0: ephemeral */
	unsigned max_calls;	  /* calls at once (more get 486); 0: 1 */
	sp_phone_call_cb on_call_end;
	void (*on_message)(struct sp_phone *p, const struct sp_msg *msg);
	/* A re-INVITE ended (ev.modified of ua.h); may be NULL. */
	void (*on_modified)(struct sp_phone *p, struct sp_ua_call *call, bool local,
			    unsigned status);
	/* Transfer progress (ev.refer of ua.h); may be NULL. */
	void (*on_refer)(struct sp_phone *p, struct sp_ua_call *call, bool local, unsigned status,
			 bool done);
	void *arg;
	/* state */
	struct sp_loop *loop;
	struct sp_ua *ua;
	int sigfd;
	bool signalled;
	bool profiled;	  /* sp_phone_getopt applied the profile */
	unsigned calls_seen;
	char ip[64], domain[128], user_part[96];
	struct sp_sa server_sa;
	char server_host[128];	  /* --server given as a name (RFC 3263) */
	uint16_t server_port;	  /* ... its port, 0 when none */
	struct sp_dns_target server_targets[8]; /* ... its targets */
	unsigned nserver_targets;
	char target_host[128];	  /* a direct target's host name, resolved */
	struct sp_dns_target target_dests[8]; /* a direct target's host name */
	unsigned ntarget_dests;
	void *resolving;	  /* the lookup sp_phone_resolve runs */
	struct sp_dns *resolver;  /* sp_phone_resolve's and the UA's (cfg.dns) */
	struct call_media *media; /* every call's media (phone_common.c) */
	int reg_status; /* -1 pending, else the last REGISTER's status */
	uint32_t reg_expires;
	unsigned reg_events;
};

/* Applies one common or media flag. Returns 1 when it was one, 0 when not,
 * or SP_EXIT_USAGE after printing why the value is bad. */
int sp_phone_opt(struct sp_phone *p, int id, const char *arg);

#define PH_GETOPT_BAD (-2)

/* getopt_long over argv with the verb's table opts, the profile file
 * (sp_phone_profile) applied before the first option and each common or
 * media flag applied as it comes (sp_phone_opt). Returns the next option
 * that is the verb's own ('h', its letters, '?' for an unknown one), -1 at
 * the end, or PH_GETOPT_BAD after printing why a value or the profile is
 * bad (the verb then exits with SP_EXIT_USAGE). */
int sp_phone_getopt(struct sp_phone *p, int argc, char **argv, const struct option *opts);

/* Applies the profile file (phone_profile.c: --profile FILE in argv, else
 * $SIPHON_PROFILE, else ~/.config/siphon/profile if present) through
 * sp_phone_opt with the verb's option table opts; call before parsing the
 * command line, which overrides it. Returns 0 or an exit code after
 * printing the file, line and problem. */
int sp_phone_profile(struct sp_phone *p, int argc, char **argv, const struct option *opts);

/* Makes p->resolver, the verb's (phone_resolve.c), unless made already:
 * the server of --dns, else /etc/resolv.conf; UDP and TCP targets.
 * Returns 0, or (required) an exit code after printing why; not required,
 * a failure leaves p->resolver NULL and returns 0 (the UA then sends to
 * IP literals only). */
int sp_phone_resolver(struct sp_phone *p, bool required);

/* RFC 3263 (phone_resolve.c): the targets for sip:HOST[:PORT] with
 * ;transport= when tp is UDP or TCP, looked up with --dns's server (else
 * /etc/resolv.conf) on p's loop, at most 15 s: out[0] and those after it
 * on the same transport, in failover order, at most max (0: 1); *n (may
 * be NULL) gets how many. Returns 0, or an exit code after printing why
 * (no such name, timeout, a transport other than UDP or TCP). */
int sp_phone_resolve(struct sp_phone *p, const char *host, uint16_t port, enum sp_transport tp,
		     struct sp_dns_target *out, unsigned max, unsigned *n);

/* Checks the flags (server/user, password from $SIPHON_PASSWORD), makes
 * the loop and the signalfd, resolves a --server name and a direct
 * target's host name (RFC 3263), and makes the UA. need_server: the verb
 * cannot work without --server. Returns 0 or an exit code after printing
 * the error. */
int sp_phone_start(struct sp_phone *p, bool need_server);

/* Runs the loop until done(p) is true, a signal came (when stop_on_signal),
 * or deadline_ms (loop time; < 0: none) passed. Returns true when done()
 * became true. */
bool sp_phone_run(struct sp_phone *p, bool (*done)(struct sp_phone *p), sp_msec deadline_ms,
		  bool stop_on_signal);

/* Registers (expires seconds) and waits for the first answer. Returns 0
 * when registered, else prints the failure and returns SP_EXIT_FAIL. */
int sp_phone_register(struct sp_phone *p, uint32_t expires);

/* Ends every call, unregisters when registered, runs until both are done
 * (at most a few seconds) and frees everything. */
void sp_phone_stop(struct sp_phone *p);

/* A number option of a verb: s parsed as a decimal in 0..max into *out;
 * returns 0, or prints "siphon VERB: invalid WHAT 'S'" and returns
 * SP_EXIT_USAGE. */
int sp_phone_number(const struct sp_phone *p, const char *what, const char *s, double max,
		    double *out);

/* Without --server: remembers target's host for sp_phone_start, which
 * resolves it when it is a name (RFC 3263) and, without --local-ip, picks
 * the local address routed towards it (loopback of its family when it is
 * loopback). Call before sp_phone_start. */
void sp_phone_direct_route(struct sp_phone *p, const char *target);

/* The media session of a call, or NULL. */
struct sp_media_session *sp_phone_media(struct sp_ua_call *call);

#endif
