/*
 * The user agent core (RFC 3261 §8, §10, §13-§15, §22): one UA on one
 * sp_loop with its own sockets (UDP, and TCP when asked), transaction
 * layer and dialog table. It registers an address-of-record with a
 * registrar and keeps the binding fresh, places calls (INVITE with an SDP
 * offer, digest retry, early dialogs, ACK for every 2xx, CANCEL, BYE) and
 * takes calls (180, auto-answer with 200 and the SDP answer, 2xx
 * retransmission until the ACK, CANCEL, BYE), answers OPTIONS, and refuses
 * what it does not implement (405, 501, 481, 420).
 *
 * SDP is not built here: the application gives media hooks (for the
 * softphone, src/cli/phone_common.c drives an sp_media_session through
 * them), so the signalling core stays testable without RTP.
 *
 * A server ("registrar and outbound proxy", RFC 3261 §8.1.2) is optional:
 * with one, every request outside a dialog is sent to it with a loose
 * Route naming it; without, requests go to the Request-URI's host: an IP
 * literal, or a name the application resolved (RFC 3263, sp_dns) and
 * handed over with sp_ua_set_host. Any other name (a peer's Contact or
 * Record-Route naming a host, a Refer-To target) is looked up by the UA
 * itself as RFC 3263 §4 says when cfg.dns is given (the request waits for
 * the answer; a name that does not resolve is a transport error), and
 * without cfg.dns the UA sends no DNS query and such a request fails.
 *
 * Within a dialog (ua_reinvite.c, ua_info.c): re-INVITE both ways (hold
 * and resume as UAC with glare handling, §14; answering a peer's
 * re-offer as UAS, with target refresh), and INFO (RFC 6086): DTMF sent
 * and received as application/dtmf-relay. Reliable provisional responses
 * (RFC 3262, ua_prack.c): our INVITEs support 100rel and PRACK a reliable
 * 1xx; as callee (cfg.rel100) the 180 is sent reliably when the INVITE
 * requires or supports 100rel. Early media (RFC 3960): an SDP answer in a
 * 1xx to our INVITE goes to media.set_answer at once (the 2xx's copy, or
 * its absence after a reliable 1xx, changes nothing); as callee
 * (cfg.early_media) the answer goes in a 183 before the 200.
 *
 * Call transfer (RFC 3515, ua_refer.c): as transferor the UA sends REFER
 * in a call's dialog and follows the implicit subscription's NOTIFYs; as
 * transferee (cfg.accept_refer) it answers 202, calls the Refer-To target,
 * NOTIFYs that call's progress as message/sipfrag and ends the referring
 * call once the new one is answered. UPDATE (RFC 3311, ua_update.c) is
 * sent and answered within a dialog.
 *
 * Session timers (RFC 4028, ua_timer.c): INVITEs support timer and may
 * ask for an interval; an INVITE asking for one is honoured (422 below
 * our minimum); the refresher refreshes at half the interval (UPDATE, or
 * re-INVITE), the other side sends BYE when the session expires.
 *
 * Attended transfer (RFC 3891, ua_replaces.c): sp_ua_call_refer_replaces
 * sends REFER with a Refer-To carrying ?Replaces=; a transferee puts
 * that Replaces into its INVITE; an INVITE with Replaces naming one of our
 * dialogs is answered at once and the replaced call ended (481 when none
 * matches, 403 unless its From or Referred-By URI is that dialog's remote
 * URI: RFC 3891 §3 authorisation).
 *
 * Not in this delivery: TLS.
 *
 * Nothing is thread-safe: everything runs on cfg->loop's thread.
 */
#ifndef SIPHON_UA_H
#define SIPHON_UA_H

#include <stdbool.h>
#include <stdint.h>

#include "siphon/loop.h"
#include "siphon/msg.h"
#include "siphon/print.h"
#include "siphon/sa.h"
#include "siphon/tsx.h"

struct sp_dns;	     /* siphon/dns.h */
struct sp_dns_target; /* siphon/dns.h */

struct sp_ua;
struct sp_ua_call; /* sp_mem object */

/* One call's life (RFC 3261 §13). */
enum sp_ua_call_state {
	SP_UA_CALL_CALLING = 1, /* UAC: INVITE sent, no provisional yet */
	SP_UA_CALL_INCOMING,	/* UAS: INVITE received, nothing sent but 100 */
	SP_UA_CALL_RINGING,	/* UAC: a 1xx came; UAS: 180 sent */
	SP_UA_CALL_ANSWERED,	/* UAS: 2xx sent, waiting for the ACK */
	SP_UA_CALL_CONFIRMED,	/* 2xx acknowledged: the session is up */
	SP_UA_CALL_ENDED,	/* final: see sp_ua_call_status / _reason */
};

/* Media hooks. Each may be NULL (then no SDP is sent, and an offer
 * received is refused with 488). data is the call's slot for the
 * application's media state (sp_ua_call_set_data). */
struct sp_ua_media {
	/* Our SDP offer for a new call (INVITE sent, or the 2xx to an
	 * INVITE that carried no offer) appended to sdp. Negative errno:
	 * the call fails (UAC) or is refused with 500 (UAS). */
	int (*offer)(void *arg, struct sp_ua_call *call, struct sp_wbuf *sdp);
	/* The answer to offer appended to sdp. Negative errno: 488 (RFC 3261
	 * §13.3.1.4 "Not Acceptable Here"). */
	int (*answer)(void *arg, struct sp_ua_call *call, struct sp_str offer, struct sp_wbuf *sdp);
	/* The answer to our offer arrived (2xx, or the ACK of a late offer).
	 * Negative errno: the call is ended with BYE. */
	int (*set_answer)(void *arg, struct sp_ua_call *call, struct sp_str answer);
	/* The 2xx to our INVITE came from another fork than the 1xx whose
	 * answer went to set_answer (early media, RFC 3960 §3.1): its answer
	 * replaces that one (same offer). Negative errno: the call is ended
	 * with BYE. NULL: the early answer stays in force. */
	int (*replace_answer)(void *arg, struct sp_ua_call *call, struct sp_str answer);
	/* A re-offer for the session in progress appended to sdp: on hold
	 * (hold true, RFC 3264 §8.4) or resumed. Negative errno: no
	 * re-INVITE is sent. NULL: sp_ua_call_hold returns -ENOTSUP. */
	int (*hold)(void *arg, struct sp_ua_call *call, bool hold, struct sp_wbuf *sdp);
	/* Our re-offer was refused (or timed out): forget it, the session
	 * negotiated before stays in force (RFC 3261 §14.1). May be NULL. */
	void (*cancel_offer)(void *arg, struct sp_ua_call *call);
	void *arg;
};

/* Events (each may be NULL). Callbacks may call any sp_ua function but
 * sp_ua_destroy. */
struct sp_ua_events {
	/* A REGISTER transaction ended: status 200 with the expiry the
	 * registrar granted (0 after an unregister), or the failure status
	 * (408 on timeout, 503 on a transport error, RFC 3261 §8.1.3.1). */
	void (*registered)(struct sp_ua *ua, unsigned status, uint32_t expires, void *arg);
	/* A new incoming call (state INCOMING), before anything is sent;
	 * invite is valid during the call only. Auto-answer proceeds unless
	 * the callback hangs up. */
	void (*incoming)(struct sp_ua *ua, struct sp_ua_call *call, const struct sp_msg *invite,
			 void *arg);
	/* A call changed state. ENDED comes exactly once per call. */
	void (*call_state)(struct sp_ua *ua, struct sp_ua_call *call, enum sp_ua_call_state st,
			   void *arg);
	/* A MESSAGE outside a dialog (RFC 3428), already answered 200. */
	void (*message)(struct sp_ua *ua, const struct sp_msg *msg, void *arg);
	/* A re-INVITE of the call ended (RFC 3261 §14): local true for ours
	 * (sp_ua_call_hold) with its final status (2xx: the new session is in
	 * force; a 491 is retried by the UA and only the retry's result is
	 * reported; 408 on timeout), local false for the peer's with the
	 * status we answered. */
	void (*modified)(struct sp_ua *ua, struct sp_ua_call *call, bool local, unsigned status,
			 void *arg);
	/* A DTMF digit received in an INFO within the call (RFC 6086,
	 * application/dtmf-relay Signal= or application/dtmf), already
	 * answered 200; duration_ms 0 when not given. */
	void (*info_dtmf)(struct sp_ua *ua, struct sp_ua_call *call, char digit,
			  unsigned duration_ms, void *arg);
	/* Call transfer progress (RFC 3515). local true, our REFER
	 * (sp_ua_call_refer): first its final status (202 when accepted; a
	 * failure, or 408 on timeout, comes with done), then the status line
	 * of each NOTIFY's message/sipfrag body (100, 180, 200 ...), done true
	 * when the implicit subscription terminated (RFC 3515 §2.4.7). local
	 * false, the peer's REFER (cfg.accept_refer): 202 when we accepted it,
	 * then each status we NOTIFY about the call placed to the Refer-To
	 * target, done with the final one. */
	void (*refer)(struct sp_ua *ua, struct sp_ua_call *call, bool local, unsigned status,
		      bool done, void *arg);
	/* Transferee: the call placed to a Refer-To target for the REFER
	 * received in call (new_call is an ordinary outgoing call, reported
	 * through call_state; keep a reference with sp_mem_ref to hold it). */
	void (*transfer)(struct sp_ua *ua, struct sp_ua_call *call, struct sp_ua_call *new_call,
			 void *arg);
	void *arg;
};

/* SIP trace hook: every message sent (out) or received, with the peer. */
typedef void (*sp_ua_trace_cb)(void *arg, bool out, const struct sp_sa *peer, const char *buf,
			       size_t len);

/* Zero fields take the default named beside them. Strings are copied. */
struct sp_ua_config {
	struct sp_loop *loop;	      /* required */
	enum sp_transport tp;	      /* SP_TP_UDP (default) or SP_TP_TCP */
	struct sp_sa local;	      /* IP to bind and advertise (required, not a
				       * wildcard); port 0: ephemeral */
	struct sp_sa server;	      /* registrar and outbound proxy; unset: none */
	const char *user;	      /* our user part (required) */
	const char *domain;	      /* AOR domain; NULL: the server's IP, else ours */
	const char *auth_user;	      /* digest username; NULL: user */
	const char *password;	      /* NULL: challenges fail the request */
	const char *display;	      /* From display name, or NULL */
	const char *user_agent;	      /* User-Agent/Server value; NULL: "siphon" */
	const struct sp_tsx_config *tsx; /* timers; NULL: RFC 3261 defaults */
	struct sp_dns *dns;	      /* resolver on the same loop for host names
				       * (must outlive the UA); NULL: IP literals
				       * and sp_ua_set_host names only */
	bool auto_answer;	      /* answer incoming calls by themselves */
	uint32_t answer_delay_ms;     /* ... this long after the 180 */
	bool early_media;	      /* UAS: answer an INVITE's offer at once in a
				       * 183 Session Progress (reliable as the 180
				       * would be) and start media before the 200
				       * (RFC 3960 §3, gateway model) */
	unsigned max_calls;	      /* calls at once, more are refused 486; 1 */
	bool rel100;		      /* UAS: send the 180 reliably (RFC 3262) when
				       * the INVITE requires or supports 100rel; the
				       * 200 then waits for its PRACK. false: an
				       * INVITE requiring 100rel gets 420 */
	bool accept_refer;	      /* accept a REFER in a call (RFC 3515 §2.4.2):
				       * 202, a call to its Refer-To target (even
				       * beyond max_calls), NOTIFYs of its progress,
				       * BYE of the referring call once the new one
				       * is answered. false: 603 Decline */
	uint32_t session_expires;     /* RFC 4028 §7.1: the Session-Expires our
				       * INVITEs ask for (s), and (§9) the one we
				       * insert as callee when an INVITE asks for
				       * none; 0: none (Supported: timer is sent
				       * anyway) */
	uint32_t min_se;	      /* RFC 4028 §8.1: our minimum interval (s):
				       * an INVITE asking less gets 422; also sent as
				       * Min-SE with session_expires. 0: 90. Below
				       * 90 only for tests */
	uint32_t keepalive_s;	      /* RFC 5626 §4.4.1: CRLF CRLF ping to the
				       * server every this many seconds while
				       * registered over TCP; 0: 30 */
	int dscp;		      /* DSCP of our SIP packets (RFC 2474): 0 CS3
				       * (24, RFC 4594 §4.2); -1 unmarked (system
				       * default); 1..63 as given */
	bool no_session_refresh;      /* test hook: never send a session refresh
				       * (the peer's §10 expiry then ends calls) */
	struct sp_ua_media media;
	struct sp_ua_events ev;
	sp_ua_trace_cb trace;	      /* may be NULL */
	void *trace_arg;
	/* Test seam (fuzz/fuzz_ua.c): every message the UA sends goes to
	 * send() instead of its sockets, after trace; it returns 0 or a
	 * negative errno as a transport would. NULL: the sockets. */
	int (*send)(void *arg, const struct sp_tsx_dest *to, const void *buf, size_t len);
	void *send_arg;
};

/* Creates a UA: binds its sockets on cfg->local (UDP, plus TCP on the same
 * port with SP_TP_TCP) and its transaction layer on cfg->loop. Returns 0,
 * -EINVAL (no loop, user or local address, a transport other than UDP or
 * TCP, a dscp outside -1..63), -ENOMEM or a socket error (-EADDRINUSE);
 * *out untouched on error. */
int sp_ua_create(struct sp_ua **out, const struct sp_ua_config *cfg);

/* Frees the UA at once: no message is sent and no callback made (end
 * calls and unregister first, and let the loop run until they are done).
 * Calls still referenced by the application stay valid objects in state
 * ENDED. Not from inside a UA callback. NULL-safe. */
void sp_ua_destroy(struct sp_ua *ua);

/* Where requests to the host name go (an RFC 3263 result the application
 * got, e.g. from sp_dns_resolve_sip): a URI naming host (case-insensitive)
 * is sent to t[0] (the URI's port and ;transport=, when given, still
 * win), without a lookup by cfg.dns; a request outside a dialog that
 * times out, meets a transport error or gets 503 there goes again to
 * t[1], and so on (RFC 3263 §4.3; without a server). The same name again
 * replaces its entry. Returns 0, -EINVAL (no name, an IP literal, no
 * target, an unset address, a transport other than UDP/TCP), -ENOSPC (8
 * names already). Only the first 8 targets are kept. */
int sp_ua_set_host(struct sp_ua *ua, const char *host, const struct sp_dns_target *t, unsigned nt);

/* Another address of the server (cfg.server is the first): the next
 * target of the server's RFC 3263 lookup, on the same transport. A
 * request outside a dialog sent to the server that times out, meets a
 * transport error or gets 503 goes again to the next address (§4.3: a
 * new transaction, CSeq plus one), which then stays in use for later
 * requests; each request tries every address at most once. Returns 0,
 * -EINVAL (no server configured, addr unset), -ENOSPC (8 addresses). */
int sp_ua_add_server(struct sp_ua *ua, const struct sp_sa *addr);

/* The address our sockets are bound to (the port of the configured
 * transport). */
const struct sp_sa *sp_ua_local(const struct sp_ua *ua);

/* Number of calls not ENDED, and of transactions still running (a caller
 * shutting down runs the loop until both are 0 or a deadline passes). */
unsigned sp_ua_active_calls(const struct sp_ua *ua);
unsigned sp_ua_pending(const struct sp_ua *ua);

/* ---- registration (RFC 3261 §10.2) ---- */

/* Registers our contact for expires seconds (0: 3600) with the server,
 * answering digest challenges, and refreshes the binding at half the
 * granted expiry until sp_ua_unregister. The result of every REGISTER
 * comes through ev.registered. Returns 0, -EDESTADDRREQ (no server) or
 * -ENOMEM / a send error. */
int sp_ua_register(struct sp_ua *ua, uint32_t expires);

/* Stops refreshing and removes our binding (Expires: 0, §10.2.2);
 * ev.registered reports status 200 and expiry 0 when done. Returns 0, or
 * -EALREADY when not registering. */
int sp_ua_unregister(struct sp_ua *ua);

/* True while a binding is held (the last REGISTER succeeded). */
bool sp_ua_registered(const struct sp_ua *ua);

/* CRLF CRLF keep-alives sent to the server (RFC 5626 §4.4.1): every
 * cfg.keepalive_s while registered over TCP. */
unsigned sp_ua_keepalives(const struct sp_ua *ua);

/* Flows to the server found failed (RFC 5626 §4.4.1): a ping without pong
 * for 10 s after the server had answered pings; each time the connection
 * is closed and the binding registered again on a new one. */
unsigned sp_ua_flow_failures(const struct sp_ua *ua);

/* ---- calls (RFC 3261 §13-§15) ---- */

/* Calls target (a sip: or sips: URI, or user@host, or user: then the
 * domain is added). Returns 0 and a new reference in *out (drop it with
 * sp_mem_deref), -EINVAL (bad URI), -EBUSY (max_calls reached),
 * -EDESTADDRREQ (no server and the host is neither an IP literal nor a
 * name given to sp_ua_set_host), -ENOMEM or the
 * send error; *out untouched on error. */
int sp_ua_call(struct sp_ua_call **out, struct sp_ua *ua, const char *target);

/* Answers an incoming call (INCOMING or RINGING) with 200 and our SDP.
 * Returns 0, -EINVAL (not an unanswered incoming call) or an error. */
int sp_ua_call_answer(struct sp_ua_call *call);

/* Ends the call as its state requires: an unanswered incoming call is
 * refused with status (0: 486 Busy Here, §13.3.1.3); an outgoing one is
 * cancelled (§9.1, once a provisional arrived; a 2xx that crosses the
 * CANCEL is acknowledged and then ended with BYE); an answered call gets
 * a BYE (§15.1.1; the callee waits for the ACK first, §15). ENDED follows
 * through ev.call_state. Returns 0, or -EALREADY when ended or ending. */
int sp_ua_call_hangup(struct sp_ua_call *call, unsigned status);

/* Hangs up every call (sp_ua_call_hangup with status 0). abort: instead
 * ends each call at once without sending anything (ENDED is reported,
 * reason "aborted"): for a shutdown whose deadline passed. Returns the
 * number of calls that were still active. */
unsigned sp_ua_hangup_all(struct sp_ua *ua, bool abort);

enum sp_ua_call_state sp_ua_call_state(const struct sp_ua_call *call);
bool sp_ua_call_outgoing(const struct sp_ua_call *call);
/* The final status of the INVITE (sent or received; 0 while none), e.g.
 * 200, 486, 487; 408 when no final response came. */
unsigned sp_ua_call_status(const struct sp_ua_call *call);
/* Why an ENDED call ended: "local BYE", "remote BYE", "cancelled",
 * "rejected", "failed", "no ACK", ... (static string). */
const char *sp_ua_call_reason(const struct sp_ua_call *call);
/* Loop times (ms) of the answer and the end; -1 while none. */
sp_msec sp_ua_call_answered_at(const struct sp_ua_call *call);
sp_msec sp_ua_call_ended_at(const struct sp_ua_call *call);
/* The remote party (To of an outgoing call, From of an incoming one). */
const char *sp_ua_call_peer(const struct sp_ua_call *call);
const char *sp_ua_call_id(const struct sp_ua_call *call);

/* The application's slot (media state); NULL until set. */
void sp_ua_call_set_data(struct sp_ua_call *call, void *data);
void *sp_ua_call_data(const struct sp_ua_call *call);

/* ---- within a call's dialog (RFC 3261 §14, RFC 6086) ---- */

/* Puts the call on hold (hold true) or resumes it: a re-INVITE (§14.1)
 * with the offer of media.hold. A 2xx is acknowledged and its answer
 * given to media.set_answer (target refresh from its Contact); 491
 * (glare) is retried after a random 2.1-4 s when we own the Call-ID
 * (placed the call), 0-2 s otherwise; 401/407 are answered once with
 * credentials; any other failure cancels the offer (media.cancel_offer)
 * and keeps the session as it was, and 408/481 end the call with BYE
 * (§14.1). ev.modified reports the result. Returns 0; -EINVAL (the call
 * is not CONFIRMED or is ending); -EBUSY (a re-INVITE, ours or the
 * peer's, is in progress); -ENOTSUP (no media.hold hook); the hook's
 * error; -ENOMEM or a send error. */
int sp_ua_call_hold(struct sp_ua_call *call, bool hold);

/* True when the last re-INVITE of ours that succeeded put the call on
 * hold. */
bool sp_ua_call_held(const struct sp_ua_call *call);

/* Queues DTMF digits (0-9 * # A-D, case-insensitive) sent one INFO each
 * (RFC 6086 legacy usage, application/dtmf-relay "Signal=D Duration=MS"),
 * in order, each after the final response to the previous one. Returns
 * the number queued; -EINVAL (a character that is no digit, nothing
 * queued, or the call is not CONFIRMED); -ENOSPC (more than 64 pending). */
int sp_ua_call_send_info_dtmf(struct sp_ua_call *call, const char *digits, unsigned duration_ms);

/* Sends UPDATE in the call's dialog (RFC 3311 §5.1), a target refresh:
 * with offer, the session as it stands offered anew (media.hold with the
 * current hold state), its answer given to media.set_answer; without, no
 * body. ev.modified reports the final status (local true); a failure
 * cancels the offer and keeps the session, 408/481 end the call with BYE.
 * Returns 0; -EINVAL (not CONFIRMED or ending); -EBUSY (an UPDATE in
 * flight, or an offer open in a re-INVITE); -ENOTSUP (offer without
 * media.hold); the hook's error; -ENOMEM or a send error. */
int sp_ua_call_update(struct sp_ua_call *call, bool offer);

/* PRACKs of the call (RFC 3262): as caller those answered 2xx, as callee
 * those received that matched our reliable 180. */
unsigned sp_ua_call_pracks(const struct sp_ua_call *call);

/* Session timer of the call (RFC 4028): the interval in force in
 * seconds (0: none), whether we are the refresher, and how many refreshes
 * (re-INVITE or UPDATE carrying Session-Expires, either way) succeeded. */
uint32_t sp_ua_call_session_expires(const struct sp_ua_call *call);
bool sp_ua_call_session_refresher(const struct sp_ua_call *call);
unsigned sp_ua_call_session_refreshes(const struct sp_ua_call *call);

/* Blind transfer (RFC 3515 §2.4.1): sends REFER in the call's dialog
 * with Refer-To target (normalised as for sp_ua_call) and Referred-By our
 * address-of-record (RFC 3892). The result and the progress the peer
 * NOTIFYs (answered 200 each, RFC 6665 §4.1.3) come through ev.refer; the
 * call itself is not ended here (the transferor usually hangs up after a
 * final 2xx sipfrag). Returns 0; -EINVAL (bad target, or the call is not
 * CONFIRMED or is ending); -EBUSY (a REFER of ours is in progress);
 * -ENOMEM or a send error. */
int sp_ua_call_refer(struct sp_ua_call *call, const char *target);

/* Attended transfer (RFC 3891 §5, RFC 5589 §7): as sp_ua_call_refer,
 * with Refer-To the peer of other (another CONFIRMED call of this UA)
 * and ?Replaces= naming other's dialog as that peer sees it; the peer of
 * call then calls it with Replaces, and other's peer ends other with BYE.
 * Returns as sp_ua_call_refer; -EINVAL also when other is not a CONFIRMED
 * call of this UA. */
int sp_ua_call_refer_replaces(struct sp_ua_call *call, const struct sp_ua_call *other);

/* ---- other requests outside a dialog ---- */

/* The final response to sp_ua_request (after digest retries), or msg NULL
 * with status 408/503 on timeout/transport error. */
typedef void (*sp_ua_response_cb)(struct sp_ua *ua, unsigned status, const struct sp_msg *msg,
				  void *arg);

/* Sends method (OPTIONS, MESSAGE, ...; not INVITE, ACK, CANCEL, REGISTER)
 * to target outside a dialog, with an optional body, answering digest
 * challenges. cb runs once. Returns 0, -EINVAL, -EDESTADDRREQ, -ENOMEM
 * or the send error (cb not called then). */
int sp_ua_request(struct sp_ua *ua, const char *method, const char *target,
		  struct sp_str content_type, struct sp_str body, sp_ua_response_cb cb, void *arg);

#endif
