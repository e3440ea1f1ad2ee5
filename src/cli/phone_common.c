/*
 * The softphone verbs' shared part (phone_common.h): flags, loop and
 * signals, the UA with one media session per call, summaries, shutdown.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "siphon/ctype.h"
#include "siphon/log.h"
#include "siphon/mem.h"
#include "siphon/opus.h"
#include "siphon/uri.h"

#include "cli.h"
#include "phone_common.h"

#define SHUTDOWN_MS 8000

const char sp_phone_common_help[] =
	"  --server HOST[:PORT] registrar and outbound proxy (an IP address, or a name\n"
	"                      looked up as RFC 3263 says: NAPTR, SRV, A/AAAA); every\n"
	"                      request outside a dialog goes there\n"
	"  --user USER[@DOMAIN] our identity (DOMAIN: default the server's address)\n"
	"  --password PW       digest password (else $SIPHON_PASSWORD)\n"
	"  --transport udp|tcp SIP transport (default udp)\n"
	"  --keepalive S       registered over TCP: send a CRLF CRLF keep-alive to the\n"
	"                      server every S seconds (RFC 5626 §4.4.1; default 30)\n"
	"  --profile FILE      settings read before the command line (default\n"
	"                      $SIPHON_PROFILE, else ~/.config/siphon/profile if it\n"
	"                      exists): \"name value\" lines, names as the long options\n"
	"                      (server, user, password, ...); with a password the file\n"
	"                      must not be readable by others (chmod 600)\n"
	"  --dns IP[:PORT]     DNS server for host names (default: /etc/resolv.conf)\n"
	"  --dscp-sip DSCP     DSCP of SIP packets: 0-63 or CS0-CS7, AF11-AF43, EF\n"
	"                      (default CS3; 0 or CS0: unmarked)\n"
	"  --local-ip IP       address to bind and advertise (default: 127.0.0.1 or ::1\n"
	"                      when the server or called host is loopback, else the\n"
	"                      route's source address towards it)\n"
	"  --verbose           log the UA's decisions to standard error\n"
	"  --trace             print every SIP message sent and received to standard error\n";

const char sp_phone_media_help[] =
	"  --play FILE.wav     send this file (once, then silence)\n"
	"  --tone HZ           send a sine of HZ (without --play)\n"
	"  --record FILE.wav   record what the peer sends (8 kHz mono 16-bit)\n"
	"  --echo              send back what the peer sends\n"
	"  --codecs LIST       preference of PCMU, PCMA, opus (default PCMU,PCMA)\n"
	"  --rtp-ports MIN-MAX RTP port range (default 16384-32767)\n"
	"  --dscp-rtp DSCP     DSCP of RTP and RTCP, as --dscp-sip (default EF)\n";

struct call_media {
	struct call_media *next, **pprev; /* p->media: freed at the latest by
					   * sp_phone_stop (a call the UA
					   * dropped unannounced, e.g. its
					   * INVITE not sent, never ends) */
	struct sp_media_session *m;
	struct sp_timer hangup; /* --hangup-after */
	struct sp_ua_call *call;
	char digits[65];	/* DTMF received: RFC 4733 events and INFO */
	unsigned ndigits;
	char reinvites[64];	/* statuses of re-INVITEs: "200,200" */
	char refers[64];	/* transfer: REFER and sipfrag statuses "202,100,200" */
};

static int bad(struct sp_phone *p, const char *what, const char *arg)
{
	fprintf(stderr, "siphon %s: invalid %s '%s'\nTry 'siphon %s --help'.\n", p->verb, what,
		arg, p->verb);
	return SP_EXIT_USAGE;
}

/* RFC 2474 codepoints by number or RFC 4594 name (CSn, AFxy, EF). */
static int parse_dscp(const char *s)
{
	char *end;
	unsigned long v;
	if (!strcasecmp(s, "EF"))
		return 46;
	if ((s[0] == 'C' || s[0] == 'c') && (s[1] == 'S' || s[1] == 's') && s[2] >= '0' &&
	    s[2] <= '7' && !s[3])
		return (s[2] - '0') * 8;
	if ((s[0] == 'A' || s[0] == 'a') && (s[1] == 'F' || s[1] == 'f') && s[2] >= '1' &&
	    s[2] <= '4' && s[3] >= '1' && s[3] <= '3' && !s[4])
		return (s[2] - '0') * 8 + (s[3] - '0') * 2;
	v = strtoul(s, &end, 10);
	return *s && !*end && *s != '-' && v <= 63 ? (int)v : -1;
}

/* True when the comma-separated codec list names opus. */
static bool lists_opus(const char *list)
{
	for (const char *p = list; *p; p += strcspn(p, ",")) {
		p += *p == ',';
		if (!strncasecmp(p, "opus", 4) && (p[4] == ',' || !p[4]))
			return true;
	}
	return false;
}

/* --server HOST[:PORT] with HOST a name: kept for sp_phone_start. */
static bool server_name(struct sp_phone *p, const char *arg)
{
	const char *colon = strrchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
	unsigned long port = 0;
	if (colon) {
		char *end;
		port = strtoul(colon + 1, &end, 10);
		if (*end || !colon[1] || port == 0 || port > 65535)
			return false;
	}
	if (n == 0 || n >= sizeof(p->server_host))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!sp_is((unsigned char)arg[i], SP_C_HOST))
			return false;
	memcpy(p->server_host, arg, n);
	p->server_host[n] = 0;
	p->server_port = (uint16_t)port;
	return true;
}

int sp_phone_opt(struct sp_phone *p, int id, const char *arg)
{
	char *end;
	unsigned long v;
	int d;

	switch (id) {
	case PH_OPT_SERVER:
		p->server_host[0] = 0;
		if (sp_sa_parse(&p->server_sa, sp_str_c(arg), 5060) != 0 && !server_name(p, arg))
			return bad(p, "--server (want HOST[:PORT])", arg);
		p->server = arg;
		return 1;
	case PH_OPT_PROFILE:
		return 1; /* read before the command line (sp_phone_profile) */
	case PH_OPT_DNS: {
		struct sp_sa sa;
		if (sp_sa_parse(&sa, sp_str_c(arg), 53) != 0)
			return bad(p, "--dns (want IP[:PORT])", arg);
		p->dns = arg;
		return 1;
	}
	case PH_OPT_DSCP_SIP:
	case PH_OPT_DSCP_RTP:
		d = parse_dscp(arg);
		if (d < 0)
			return bad(p, id == PH_OPT_DSCP_SIP ? "--dscp-sip" : "--dscp-rtp", arg);
		if (id == PH_OPT_DSCP_SIP) {
			p->has_dscp_sip = true;
			p->dscp_sip = (uint8_t)d;
		} else {
			p->has_dscp_rtp = true;
			p->dscp_rtp = (uint8_t)d;
		}
		return 1;
	case PH_OPT_USER:
		p->user = arg;
		return 1;
	case PH_OPT_PASSWORD:
		p->password = arg;
		return 1;
	case PH_OPT_TRANSPORT:
		if (!strcasecmp(arg, "udp"))
			p->tp = SP_TP_UDP;
		else if (!strcasecmp(arg, "tcp"))
			p->tp = SP_TP_TCP;
		else
			return bad(p, "--transport", arg);
		return 1;
	case PH_OPT_KEEPALIVE:
		v = strtoul(arg, &end, 10);
		if (*end || !*arg || *arg == '-' || v < 1 || v > 86400)
			return bad(p, "--keepalive", arg);
		p->keepalive_s = (uint32_t)v;
		return 1;
	case PH_OPT_LOCAL_IP: {
		struct sp_sa sa;
		if (sp_sa_parse(&sa, sp_str_c(arg), 0) != 0 || sp_sa_is_any(&sa))
			return bad(p, "--local-ip", arg);
		p->local_ip = arg;
		return 1;
	}
	case PH_OPT_PLAY:
		p->play = arg;
		return 1;
	case PH_OPT_TONE:
		v = strtoul(arg, &end, 10);
		if (*end || !*arg || v == 0 || v > 3999)
			return bad(p, "--tone (1-3999 Hz)", arg);
		p->tone = (unsigned)v;
		return 1;
	case PH_OPT_RECORD:
		p->record = arg;
		return 1;
	case PH_OPT_ECHO:
		p->echo = true;
		return 1;
	case PH_OPT_CODECS:
		if (lists_opus(arg) && !sp_opus_available()) {
			fprintf(stderr, "siphon %s: opus needs a build with libopus "
					"(scripts/install-deps.sh installs libopus-dev)\n",
				p->verb);
			return SP_EXIT_USAGE;
		}
		p->codecs = arg;
		return 1;
	case PH_OPT_RTP_PORTS: {
		unsigned a, b;
		if (sscanf(arg, "%u-%u", &a, &b) != 2 || a < 1024 || b > 65535 || a + 1 >= b)
			return bad(p, "--rtp-ports (MIN-MAX)", arg);
		p->rtp_min = (uint16_t)a;
		p->rtp_max = (uint16_t)b;
		return 1;
	}
	case PH_OPT_VERBOSE:
		p->verbose = true;
		return 1;
	case PH_OPT_TRACE:
		p->trace = true;
		return 1;
	default:
		return 0;
	}
}

int sp_phone_getopt(struct sp_phone *p, int argc, char **argv, const struct option *opts)
{
	if (!p->profiled) {
		p->profiled = true;
		if (sp_phone_profile(p, argc, argv, opts) != 0)
			return PH_GETOPT_BAD;
	}
	for (;;) {
		int c = getopt_long(argc, argv, "h", opts, NULL);
		if (c == -1 || c == 'h' || c == '?')
			return c;
		int rc = sp_phone_opt(p, c, optarg);
		if (rc == 0)
			return c; /* the verb's own */
		if (rc != 1)
			return PH_GETOPT_BAD;
	}
}

/* ---- media hooks ---- */

static const char *record_path(struct sp_phone *p, char *buf, size_t cap)
{
	if (!p->record || p->calls_seen <= 1)
		return p->record;
	/* The second and later calls record to FILE-N.wav. */
	const char *dot = strrchr(p->record, '.');
	size_t stem = dot ? (size_t)(dot - p->record) : strlen(p->record);
	snprintf(buf, cap, "%.*s-%u%s", (int)stem, p->record, p->calls_seen, dot ? dot : "");
	return buf;
}

static void add_digit(struct call_media *cm, char d)
{
	if (cm->ndigits < sizeof(cm->digits) - 1)
		cm->digits[cm->ndigits++] = d;
}

static void on_media_dtmf(void *arg, char digit)
{
	add_digit(arg, digit);
}

static struct sp_media_session *media_of(struct sp_phone *p, struct sp_ua_call *call, int *err)
{
	struct call_media *cm = sp_ua_call_data(call);
	char rec[1024];

	if (cm)
		return cm->m;
	cm = calloc(1, sizeof(*cm));
	if (!cm) {
		*err = -ENOMEM;
		return NULL;
	}
	sp_timer_init(&cm->hangup);
	cm->call = call;
	struct sp_media_config mc = {
		.loop = p->loop,
		.local_ip = p->ip,
		.port_min = p->rtp_min,
		.port_max = p->rtp_max,
		.play_path = p->play,
		.tone_hz = p->tone,
		.record_path = record_path(p, rec, sizeof(rec)),
		.echo = p->echo,
		.dscp = p->has_dscp_rtp ? p->dscp_rtp : -1, /* -1: EF; 0: unmarked */
		.codecs = p->codecs,
		.on_dtmf = on_media_dtmf,
		.arg = cm,
	};
	*err = sp_media_session_create(&cm->m, &mc);
	if (*err) {
		fprintf(stderr, "siphon %s: media: %s\n", p->verb, strerror(-*err));
		free(cm);
		return NULL;
	}
	sp_ua_call_set_data(call, cm);
	cm->next = p->media;
	if (cm->next)
		cm->next->pprev = &cm->next;
	cm->pprev = &p->media;
	p->media = cm;
	return cm->m;
}

static void cm_free(struct call_media *cm)
{
	sp_timer_stop(&cm->hangup);
	sp_media_session_destroy(cm->m);
	*cm->pprev = cm->next;
	if (cm->next)
		cm->next->pprev = cm->pprev;
	free(cm);
}

static int h_offer(void *arg, struct sp_ua_call *call, struct sp_wbuf *sdp)
{
	int rc;
	struct sp_media_session *m = media_of(arg, call, &rc);
	return m ? sp_media_session_offer(m, sdp) : rc;
}

static int h_answer(void *arg, struct sp_ua_call *call, struct sp_str offer, struct sp_wbuf *sdp)
{
	int rc;
	struct sp_media_session *m = media_of(arg, call, &rc);
	return m ? sp_media_session_answer(m, offer, sdp) : rc;
}

static int h_set_answer(void *arg, struct sp_ua_call *call, struct sp_str answer)
{
	struct call_media *cm = sp_ua_call_data(call);
	(void)arg;
	return cm ? sp_media_session_set_answer(cm->m, answer) : -EPROTO;
}

static int h_replace_answer(void *arg, struct sp_ua_call *call, struct sp_str answer)
{
	struct call_media *cm = sp_ua_call_data(call);
	(void)arg;
	return cm ? sp_media_session_replace_answer(cm->m, answer) : -EPROTO;
}

static int h_hold(void *arg, struct sp_ua_call *call, bool hold, struct sp_wbuf *sdp)
{
	struct call_media *cm = sp_ua_call_data(call);
	(void)arg;
	return cm ? sp_media_session_hold(cm->m, hold, sdp) : -ENOTCONN;
}

static void h_cancel_offer(void *arg, struct sp_ua_call *call)
{
	struct call_media *cm = sp_ua_call_data(call);
	(void)arg;
	if (cm)
		sp_media_session_cancel_offer(cm->m);
}

struct sp_media_session *sp_phone_media(struct sp_ua_call *call)
{
	struct call_media *cm = sp_ua_call_data(call);
	return cm ? cm->m : NULL;
}

/* ---- UA events ---- */

static void ev_registered(struct sp_ua *ua, unsigned status, uint32_t expires, void *arg)
{
	struct sp_phone *p = arg;
	(void)ua;
	p->reg_status = (int)status;
	p->reg_expires = expires;
	p->reg_events++;
	if (p->verbose)
		fprintf(stderr, "siphon %s: REGISTER %u expires=%u\n", p->verb, status, expires);
}

static void ev_incoming(struct sp_ua *ua, struct sp_ua_call *call, const struct sp_msg *invite,
			void *arg)
{
	struct sp_phone *p = arg;
	(void)ua, (void)invite;
	p->calls_seen++;
	if (p->verbose)
		fprintf(stderr, "siphon %s: incoming call from %s\n", p->verb, sp_ua_call_peer(call));
}

static void ev_modified(struct sp_ua *ua, struct sp_ua_call *call, bool local, unsigned status,
			void *arg)
{
	struct sp_phone *p = arg;
	struct call_media *cm = sp_ua_call_data(call);
	(void)ua;
	if (p->verbose)
		fprintf(stderr, "siphon %s: re-INVITE (%s) %u\n", p->verb,
			local ? "sent" : "received", status);
	if (cm) {
		size_t n = strlen(cm->reinvites);
		if (n + 5 < sizeof(cm->reinvites))
			snprintf(cm->reinvites + n, sizeof(cm->reinvites) - n, "%s%u", n ? "," : "",
				 status);
	}
	if (p->on_modified)
		p->on_modified(p, call, local, status);
}

static void add_status(char *list, size_t cap, unsigned status)
{
	size_t n = strlen(list);
	if (n + 5 < cap)
		snprintf(list + n, cap - n, "%s%u", n ? "," : "", status);
}

static void ev_refer(struct sp_ua *ua, struct sp_ua_call *call, bool local, unsigned status,
		     bool done, void *arg)
{
	struct sp_phone *p = arg;
	struct call_media *cm = sp_ua_call_data(call);
	(void)ua;
	if (p->verbose)
		fprintf(stderr, "siphon %s: transfer (%s) %u%s\n", p->verb,
			local ? "our REFER" : "peer's REFER", status, done ? " (done)" : "");
	if (cm)
		add_status(cm->refers, sizeof(cm->refers), status);
	if (p->on_refer)
		p->on_refer(p, call, local, status, done);
}

static void ev_transfer(struct sp_ua *ua, struct sp_ua_call *call, struct sp_ua_call *new_call,
			void *arg)
{
	struct sp_phone *p = arg;
	(void)ua, (void)call;
	p->calls_seen++;
	if (p->verbose)
		fprintf(stderr, "siphon %s: transferred: calling %s\n", p->verb,
			sp_ua_call_peer(new_call));
}

static void ev_info_dtmf(struct sp_ua *ua, struct sp_ua_call *call, char digit, unsigned dur,
			 void *arg)
{
	struct sp_phone *p = arg;
	struct call_media *cm = sp_ua_call_data(call);
	(void)ua;
	if (p->verbose)
		fprintf(stderr, "siphon %s: INFO DTMF %c (%u ms)\n", p->verb, digit, dur);
	if (cm)
		add_digit(cm, digit);
}

static void hangup_now(void *arg)
{
	struct call_media *cm = arg;
	sp_ua_call_hangup(cm->call, 0);
}

static void ev_call_state(struct sp_ua *ua, struct sp_ua_call *call, enum sp_ua_call_state st,
			  void *arg)
{
	struct sp_phone *p = arg;
	struct call_media *cm = sp_ua_call_data(call);
	char line[1024], media[384] = "rtp -", extra[320] = "";
	(void)ua;

	if (p->verbose)
		fprintf(stderr, "siphon %s: call %s state %d status %u\n", p->verb,
			sp_ua_call_id(call), (int)st, sp_ua_call_status(call));
	if (st == SP_UA_CALL_CONFIRMED && cm && p->hangup_after_ms)
		sp_timer_start(p->loop, &cm->hangup, p->hangup_after_ms, hangup_now, cm);
	if (st != SP_UA_CALL_ENDED)
		return;
	if (cm) {
		sp_timer_stop(&cm->hangup);
		sp_media_session_stop(cm->m);
		sp_media_session_summary(cm->m, media, sizeof(media));
		cm->digits[cm->ndigits] = 0;
		snprintf(extra, sizeof(extra), "%s%s%s%s%s%s", cm->ndigits ? " dtmf=" : "",
			 cm->digits, cm->reinvites[0] ? " reinvite=" : "", cm->reinvites,
			 cm->refers[0] ? " refer=" : "", cm->refers);
	}
	if (sp_ua_call_pracks(call)) {
		size_t n = strlen(extra);
		snprintf(extra + n, sizeof(extra) - n, " prack=%u", sp_ua_call_pracks(call));
	}
	if (sp_ua_call_session_expires(call)) {
		/* RFC 4028: the interval, who refreshed, and how often. */
		size_t n = strlen(extra);
		snprintf(extra + n, sizeof(extra) - n, " session-expires=%u refresher=%s refreshes=%u",
			 sp_ua_call_session_expires(call),
			 sp_ua_call_session_refresher(call) ? "us" : "peer",
			 sp_ua_call_session_refreshes(call));
	}
	sp_msec a = sp_ua_call_answered_at(call), e = sp_ua_call_ended_at(call);
	double dur = a >= 0 && e >= a ? (double)(e - a) / 1000.0 : 0.0;
	snprintf(line, sizeof(line), "status=%u duration=%.1fs reason=\"%s\" peer=%s %s%s",
		 sp_ua_call_status(call), dur, sp_ua_call_reason(call), sp_ua_call_peer(call),
		 media, extra);
	if (p->on_call_end)
		p->on_call_end(p, call, line);
	if (cm) {
		cm_free(cm);
		sp_ua_call_set_data(call, NULL);
	}
}

static void ev_message(struct sp_ua *ua, const struct sp_msg *msg, void *arg)
{
	struct sp_phone *p = arg;
	(void)ua;
	if (p->on_message)
		p->on_message(p, msg);
}

static void trace(void *arg, bool out, const struct sp_sa *peer, const char *buf, size_t len)
{
	char s[SP_SA_STRLEN];
	(void)arg;
	sp_sa_print(peer, s, sizeof(s));
	fprintf(stderr, "--- %s %s (%zu bytes)\n%.*s\n", out ? "sent to" : "received from", s, len,
		(int)len, buf);
}

static void log_stderr(enum sp_log_level level, const char *line, void *arg)
{
	(void)level, (void)arg;
	fprintf(stderr, "%s\n", line);
}

/* The source address the kernel would use towards dst (connect() on a
 * UDP socket sends nothing). */
static int route_source(const struct sp_sa *dst, char *buf, size_t cap)
{
	struct sp_sa me;
	int fd = socket(sp_sa_family(dst), SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	me.len = sizeof(me.u);
	int rc = connect(fd, &dst->u.sa, dst->len) == 0 &&
				 getsockname(fd, &me.u.sa, &me.len) == 0
			 ? 0
			 : -errno;
	close(fd);
	if (rc == 0)
		sp_sa_print_ip(&me, buf, cap);
	return rc;
}

/* RFC 3263: a --server name, or (without a server) a direct target's
 * host name, looked up before the UA starts. The server's name is the
 * default domain of our address-of-record. */
static int resolve_names(struct sp_phone *p)
{
	int rc;

	if (p->server && p->server_host[0]) {
		rc = sp_phone_resolve(p, p->server_host, p->server_port, p->tp, p->server_targets,
				      8, &p->nserver_targets);
		if (rc)
			return rc;
		p->server_sa = p->server_targets[0].addr;
		if (!p->tp)
			p->tp = p->server_targets[0].tp;
		if (!p->domain[0])
			snprintf(p->domain, sizeof(p->domain), "%s", p->server_host);
		return 0;
	}
	if (p->server || !p->target_host[0])
		return 0;
	rc = sp_phone_resolve(p, p->target_host, 0, p->tp, p->target_dests, 8,
			      &p->ntarget_dests);
	if (rc)
		return rc;
	if (!p->tp)
		p->tp = p->target_dests[0].tp;
	p->server_sa = p->target_dests[0].addr; /* only for the local address */
	return 0;
}

int sp_phone_start(struct sp_phone *p, bool need_server)
{
	sigset_t set;
	int rc;

	p->reg_status = -1;
	p->sigfd = -1;
	if (need_server && !p->server) {
		fprintf(stderr, "siphon %s: --server is required\n", p->verb);
		return SP_EXIT_USAGE;
	}
	if (!p->user) {
		fprintf(stderr, "siphon %s: --user is required\n", p->verb);
		return SP_EXIT_USAGE;
	}
	if (!p->password)
		p->password = getenv("SIPHON_PASSWORD");
	const char *at = strchr(p->user, '@');
	snprintf(p->user_part, sizeof(p->user_part), "%.*s",
		 (int)(at ? (size_t)(at - p->user) : strlen(p->user)), p->user);
	if (at)
		snprintf(p->domain, sizeof(p->domain), "%s", at + 1);
	sp_log_set_sink(log_stderr, NULL);
	sp_log_set_level(p->verbose ? SP_LOG_DEBUG : SP_LOG_WARN);

	/* SIGINT/SIGTERM arrive on a signalfd the loop watches. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	p->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	rc = sp_loop_create(&p->loop, NULL);
	if (rc || p->sigfd < 0) {
		fprintf(stderr, "siphon %s: event loop: %s\n", p->verb, strerror(rc ? -rc : errno));
		return SP_EXIT_USAGE;
	}
	rc = resolve_names(p);
	if (rc == 0)
		rc = sp_phone_resolver(p, false);
	if (rc)
		return rc;
	if (p->local_ip) {
		snprintf(p->ip, sizeof(p->ip), "%s", p->local_ip);
	} else if (p->server_sa.len && !sp_sa_is_loopback(&p->server_sa)) {
		/* The server's address, or a direct target's (for the local
		 * address only, sp_phone_direct_route). */
		if (route_source(&p->server_sa, p->ip, sizeof(p->ip)) != 0) {
			fprintf(stderr, "siphon %s: no route to %s; use --local-ip\n", p->verb,
				p->server ? "the server" : "the called host");
			return SP_EXIT_FAIL;
		}
	} else {
		/* Loopback, of the peer's family. */
		bool v6 = p->server_sa.len && sp_sa_family(&p->server_sa) == AF_INET6;
		snprintf(p->ip, sizeof(p->ip), "%s", v6 ? "::1" : "127.0.0.1");
	}

	struct sp_ua_config cfg = {
		.loop = p->loop,
		.tp = p->tp ? p->tp : SP_TP_UDP,
		.user = p->user_part,
		.domain = p->domain[0] ? p->domain : NULL,
		.password = p->password,
		.user_agent = "siphon",
		.dns = p->resolver, /* names met later: Contact, Record-Route */
		.auto_answer = p->auto_answer,
		.answer_delay_ms = p->answer_delay_ms,
		.rel100 = p->rel100,
		.early_media = p->early_media,
		.accept_refer = p->accept_refer,
		.session_expires = p->session_expires,
		.min_se = p->min_se,
		.max_calls = p->max_calls,
		.keepalive_s = p->keepalive_s,
		/* --dscp-sip 0 (CS0): unmarked. */
		.dscp = !p->has_dscp_sip ? 0 : p->dscp_sip ? p->dscp_sip : -1,
		.media = { .offer = h_offer,
			   .answer = h_answer,
			   .set_answer = h_set_answer,
			   .replace_answer = h_replace_answer,
			   .hold = h_hold,
			   .cancel_offer = h_cancel_offer,
			   .arg = p },
		.ev = { .registered = ev_registered,
			.incoming = ev_incoming,
			.call_state = ev_call_state,
			.message = ev_message,
			.modified = ev_modified,
			.info_dtmf = ev_info_dtmf,
			.refer = ev_refer,
			.transfer = ev_transfer,
			.arg = p },
	};
	if (p->server)
		cfg.server = p->server_sa;
	if (p->trace)
		cfg.trace = trace;
	if (sp_sa_parse(&cfg.local, sp_str_c(p->ip), p->local_port) != 0) {
		fprintf(stderr, "siphon %s: bad local address %s\n", p->verb, p->ip);
		return SP_EXIT_USAGE;
	}
	rc = sp_ua_create(&p->ua, &cfg);
	if (rc) {
		fprintf(stderr, "siphon %s: cannot start the UA on %s: %s\n", p->verb, p->ip,
			strerror(-rc));
		return SP_EXIT_FAIL;
	}
	for (unsigned i = 1; i < p->nserver_targets; i++)
		sp_ua_add_server(p->ua, &p->server_targets[i].addr); /* RFC 3263 §4.3 */
	if (p->target_host[0]) {
		rc = sp_ua_set_host(p->ua, p->target_host, p->target_dests, p->ntarget_dests);
		if (rc) {
			fprintf(stderr, "siphon %s: %s: %s\n", p->verb, p->target_host,
				strerror(-rc));
			return SP_EXIT_FAIL;
		}
	}
	if (p->verbose) {
		char s[SP_SA_STRLEN];
		sp_sa_print(sp_ua_local(p->ua), s, sizeof(s));
		fprintf(stderr, "siphon %s: SIP on %s\n", p->verb, s);
	}
	return 0;
}

static void read_signals(struct sp_phone *p)
{
	struct signalfd_siginfo si;
	while (read(p->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		p->signalled = true;
}

bool sp_phone_run(struct sp_phone *p, bool (*done)(struct sp_phone *p), sp_msec deadline_ms,
		  bool stop_on_signal)
{
	for (;;) {
		if (done && done(p))
			return true;
		read_signals(p);
		if (stop_on_signal && p->signalled)
			return false;
		sp_msec now = sp_loop_now(p->loop);
		if (deadline_ms >= 0 && now >= deadline_ms)
			return false;
		/* Wake at least every 50 ms to see signals and deadlines. */
		sp_loop_run_once(p->loop, 50);
	}
}

static bool reg_answered(struct sp_phone *p)
{
	return p->reg_events > 0;
}

int sp_phone_register(struct sp_phone *p, uint32_t expires)
{
	int rc = sp_ua_register(p->ua, expires);
	if (rc) {
		fprintf(stderr, "siphon %s: REGISTER not sent: %s\n", p->verb, strerror(-rc));
		return SP_EXIT_FAIL;
	}
	/* Timer F bounds the wait (64*T1 per attempt). */
	sp_phone_run(p, reg_answered, -1, true);
	if (p->reg_status == 200 && p->reg_expires > 0)
		return 0;
	if (p->reg_status < 0)
		fprintf(stderr, "siphon %s: interrupted while registering\n", p->verb);
	else
		fprintf(stderr, "siphon %s: registration failed: %d %s\n", p->verb, p->reg_status,
			sp_reason_phrase((unsigned)p->reg_status));
	return SP_EXIT_FAIL;
}

static bool quiet(struct sp_phone *p)
{
	return sp_ua_active_calls(p->ua) == 0 && sp_ua_pending(p->ua) == 0;
}

void sp_phone_stop(struct sp_phone *p)
{
	if (p->ua) {
		/* End every call and remove the binding; wait (bounded). */
		sp_ua_hangup_all(p->ua, false);
		if (sp_ua_registered(p->ua))
			sp_ua_unregister(p->ua);
		sp_phone_run(p, quiet, sp_loop_now(p->loop) + SHUTDOWN_MS, false);
		sp_ua_hangup_all(p->ua, true); /* what did not end in time */
		sp_ua_destroy(p->ua);
		p->ua = NULL;
	}
	sp_dns_destroy(p->resolver); /* after the UA, which uses it */
	p->resolver = NULL;
	while (p->media)
		cm_free(p->media); /* calls dropped without an end */
	if (p->loop) {
		sp_loop_run_once(p->loop, 0);
		sp_loop_destroy(p->loop);
		p->loop = NULL;
	}
	if (p->sigfd >= 0)
		close(p->sigfd);
	p->sigfd = -1;
}

int sp_phone_number(const struct sp_phone *p, const char *what, const char *s, double max,
		    double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (*end || !*s || v < 0 || v > max) {
		fprintf(stderr, "siphon %s: invalid %s '%s'\n", p->verb, what, s);
		return SP_EXIT_USAGE;
	}
	*out = v;
	return 0;
}

void sp_phone_direct_route(struct sp_phone *p, const char *target)
{
	struct sp_uri uri;
	struct sp_parse_error err;
	struct sp_sa sa;
	char norm[300];

	/* "sip:u@h", "u@h" or a bare user (which needs a server). */
	if (p->server || (!strchr(target, '@') && strncasecmp(target, "sip", 3)))
		return;
	snprintf(norm, sizeof(norm), "%s%s", strncasecmp(target, "sip", 3) ? "sip:" : "", target);
	if (sp_uri_parse(&uri, sp_str_c(norm), SP_URI_NO_OTHER, &err) != 0 || !uri.hp.host.len)
		return;
	if (sp_sa_from_host(&sa, uri.hp.host, uri.hp.has_port ? uri.hp.port : 5060) == 0) {
		if (!p->local_ip)
			p->server_sa = sa; /* only for the local address choice */
		return;
	}
	if (uri.hp.host.len < sizeof(p->target_host))
		snprintf(p->target_host, sizeof(p->target_host), "%.*s",
			 SP_STR_FMT(uri.hp.host));
}
