/*
 * Internals of the UA core (ua.h), shared by its files:
 *   ua.c          creation, sockets, the receive path, sending, helpers
 *   ua_auth.c     digest client (RFC 3261 §22.2-§22.3, RFC 7616, RFC 8760)
 *   ua_ood.c      a request outside a dialog with digest retries (NICT)
 *   ua_register.c the registration client (§10.2)
 *   ua_keepalive.c keep-alive and failure of the flow to the server (RFC 5626)
 *   ua_names.c    host names the UA sends to (RFC 3263), looked up with cfg.dns
 *   ua_uac.c      outgoing calls (§13.2, §9.1)
 *   ua_uas.c      incoming calls (§13.3) and requests received (§8.2)
 *   ua_call.c     what both sides share: state, BYE (§15), the end
 *   ua_dialog_send.c requests within a dialog, with their digest retry
 *   ua_reinvite.c re-INVITE within a call, both ways (§14)
 *   ua_info.c     INFO within a call (RFC 6086): DTMF both ways
 *   ua_prack.c    reliable provisional responses (RFC 3262) both ways
 *   ua_refer.c    call transfer (RFC 3515): REFER and NOTIFY both ways
 *   ua_update.c   UPDATE received within a dialog (RFC 3311)
 */
#ifndef SIPHON_UA_INT_H
#define SIPHON_UA_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "siphon/dialog.h"
#include "siphon/digest.h"
#include "siphon/net.h"
#include "siphon/ua.h"

#define UA_STR_MAX 256
#define UA_NAME_MAX 96 /* user, domain, password ... */
#define UA_BUF_MAX 65536
#define UA_ALLOW "INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, INFO, PRACK, UPDATE, REFER, NOTIFY"
#define UA_SDP_MAX 8192
#define UA_SERVERS 8	/* addresses of the server (sp_ua_add_server) */
#define UA_HOSTS 8	/* names the application resolved (sp_ua_set_host) */
#define UA_NAMES 32	/* names known, those included (ua_names.c) */
#define NAME_QUEUE 8	/* messages waiting for one name's lookup */
#define UA_NAME_TARGETS 8 /* RFC 3263 targets kept per name */
#define PING_RING 16 /* keep-alive send times kept (ua_keepalive.c) */

/* ---- digest client (ua_auth.c) ---- */

struct sp__ua_auth {
	bool have;	/* a challenge to answer */
	bool proxy;	/* Proxy-Authorization (407) vs Authorization (401) */
	bool qop_auth;	/* qop=auth offered: send qop, cnonce, nc */
	enum sp_digest_alg alg;
	bool alg_given; /* the challenge named its algorithm */
	uint32_t nc;	/* nonce-count of the last request under this nonce */
	unsigned tries; /* challenges answered for the current request */
	char realm[128], nonce[192], opaque[192], cnonce[65];
};

/* Takes the challenge of resp (401 WWW-Authenticate, 407
 * Proxy-Authenticate): the topmost Digest one with an algorithm we
 * implement (RFC 8760 §2.4). Returns 0 when the request should be retried
 * with credentials; -EACCES when the challenge repeats the nonce we just
 * answered without stale=true (wrong credentials, RFC 3261 §22.2) or too
 * many tries; -ENOTSUP when no challenge is usable. */
int sp__ua_auth_take(struct sp__ua_auth *a, const struct sp_msg *resp);

/* Appends the credentials header line (with CRLF) for method and uri,
 * incrementing nc (RFC 7616 §3.4). Nothing when no challenge is held.
 * cnonce_fixed (tests) or NULL: a random cnonce per request. Returns 0
 * or -EINVAL. */
int sp__ua_auth_write(struct sp__ua_auth *a, struct sp_wbuf *b, struct sp_str method,
		      struct sp_str uri, struct sp_str user, struct sp_str password,
		      const char *cnonce_fixed);

/* ---- the UA ---- */

struct sp__ua_ood;

struct sp__ua_reg {
	bool active;	  /* registering (refresh armed), or unregistering */
	bool unregistering;
	bool registered;
	bool req_unreg;	  /* the REGISTER in flight has Expires 0 */
	uint32_t want;	  /* expires requested */
	uint32_t granted;
	struct sp__ua_ood *req; /* the REGISTER in flight, or NULL */
	char call_id[64]; /* §10.2.4: one Call-ID for all refreshes */
	char from_tag[24];
	uint32_t cseq;
	struct sp__ua_auth auth;
	struct sp_timer refresh;
	struct sp_timer keepalive; /* RFC 5626 §4.4.1 CRLF pings on TCP */
	unsigned pings;
	struct sp_conn *flow;	   /* the connection pinged (referenced) */
	unsigned flow_pings;	   /* pings sent on it */
	sp_msec ping_at[PING_RING]; /* when, by ping number modulo the ring */
	struct sp_timer pong_wait; /* 10 s from the oldest unanswered ping */
	bool pong_seen;		   /* the flow answered a ping once */
	unsigned flow_failures;
};

struct sp_ua {
	struct sp_ua_config cfg;
	char user[UA_NAME_MAX], domain[UA_NAME_MAX], auth_user[UA_NAME_MAX];
	char password[UA_NAME_MAX], display[UA_NAME_MAX], user_agent[64];
	struct sp_loop *loop;
	struct sp_net *net;
	struct sp_tsx_layer *tsx;
	struct sp_dialog_table *dialogs;
	struct sp_sa local; /* bound address of the configured transport */
	char host[SP_SA_STRLEN]; /* "ip:port" for Via and Contact */
	char contact[UA_STR_MAX]; /* "<sip:user@ip:port;transport=tcp>" */
	char aor[UA_STR_MAX];	  /* "sip:user@domain" */
	bool has_server;
	struct sp_tsx_dest server; /* servers[server_idx] */
	struct sp_sa servers[UA_SERVERS]; /* RFC 3263 targets, failover order */
	unsigned nservers, server_idx;
	char route[128];	  /* "Route: <sip:ip:port;lr>\r\n" or "" */
	struct sp__ua_name *names[UA_NAMES]; /* ua_names.c */
	uint32_t t1, t2;
	struct sp__ua_reg reg;
	struct sp_ua_call *calls; /* list, each referenced */
	unsigned nood;		  /* out-of-dialog requests in flight */
	struct sp__ua_ood *oods;  /* ... listed */
	char out[UA_BUF_MAX];	  /* message being built */
};

enum sp__ua_se_phase { SP__SE_REFRESH, SP__SE_EXPIRY };

struct sp_ua_call {
	struct sp_ua *ua; /* NULL once the UA is gone */
	struct sp_ua_call *next;
	bool outgoing;
	enum sp_ua_call_state state;
	unsigned status;
	const char *reason;
	sp_msec answered_at, ended_at;
	void *data;
	char call_id[UA_STR_MAX], local_tag[24];
	char peer[UA_STR_MAX];
	struct sp_dialog *dlg; /* referenced; NULL before one exists */
	bool ending;	       /* hangup asked: CANCEL or BYE under way */
	struct sp_tsx *bye;    /* our BYE's transaction (referenced) */
	/* UAC */
	char target[UA_STR_MAX];
	uint32_t cseq;
	char *invite;	       /* the INVITE last sent (copy), for CANCEL */
	size_t invite_len;
	struct sp_tsx_dest dest;
	unsigned failovers;    /* RFC 3263 §4.3: next server addresses tried */
	struct sp_tsx *ict;    /* referenced */
	struct sp__ua_auth auth;
	char auth_line[1024];  /* credentials of the INVITE, repeated in the ACK */
	char *offer;	       /* our SDP offer (resent after a challenge) */
	size_t offer_len;
	bool provisional, cancel_pending, cancelled;
	bool early_answered;   /* a 1xx's SDP answered our offer: early media */
	struct sp_dialog *early_dlg; /* ... in this (early) dialog (referenced) */
	/* UAS */
	struct sp_tsx *ist;    /* referenced */
	struct sp_tsx_dest resp_dest; /* where our responses go */
	struct sp_sa src;	       /* where the INVITE came from */
	bool late_offer;       /* the INVITE had no SDP: our offer is in the 2xx */
	char *early_sdp;       /* the answer our 183 carried (cfg.early_media) */
	size_t early_sdp_len;
	bool early_reliable;   /* ... in a reliable 183: the 2xx carries none */
	bool bye_after_ack;    /* hangup asked before the ACK (§15) */
	char *ok;	       /* the 2xx, retransmitted until the ACK (§13.3.1.4) */
	size_t ok_len;
	uint32_t retx_ms;
	struct sp_timer t_answer, t_retx, t_noack;
	/* our re-INVITE (ua_reinvite.c, §14.1) */
	struct sp_tsx *reinv;  /* its ICT (referenced), kept to re-ACK 2xx */
	bool reinv_busy;       /* sent, no final response yet */
	bool reinv_hold;       /* what it asks for */
	bool reinv_authed;     /* a challenge was answered already */
	bool held;	       /* the last one that succeeded put us on hold */
	uint32_t reinv_cseq;
	char *reinv_sdp;       /* its offer, resent after a challenge */
	size_t reinv_sdp_len;
	char reinv_auth[1024]; /* its credentials, repeated in the ACK */
	struct sp_timer t_glare; /* §14.1: retry after a 491 */
	/* the peer's re-INVITE (§14.2) while our 2xx waits for its ACK */
	struct sp_tsx *rist;   /* its IST (referenced: holds the connection) */
	char *reok;	       /* our 2xx, retransmitted until the ACK */
	size_t reok_len;
	uint32_t reok_cseq, reretx_ms;
	bool reok_late;	       /* no offer in it: ours is in the 2xx */
	struct sp_tsx_dest reok_dest;
	struct sp_timer t_reretx, t_renoack;
	/* INFO DTMF to send (ua_info.c) */
	char info_q[65];
	unsigned info_n, info_dur;
	struct sp_tsx *info;   /* the INFO in flight (referenced) */
	/* RFC 3262 (ua_prack.c). UAS: our reliable 180 */
	char *rel;
	size_t rel_len;
	uint32_t rseq, rel_ms, rel_elapsed;
	bool rel_unacked;      /* sent, no PRACK yet */
	bool answer_on_prack;  /* the 200 waits for that PRACK */
	struct sp_timer t_rel;
	/* UAC: the last RSeq acknowledged, our PRACK in flight */
	uint32_t rseq_seen;
	struct sp_tsx *prack;
	unsigned prack_status, pracks;
	/* UAC: extra header lines of the INVITE (Referred-By), CRLF each */
	char extra_hdrs[512];
	/* call transfer (ua_refer.c, RFC 3515). Transferor: */
	struct sp_tsx *refer;	  /* our REFER in flight (referenced) */
	bool refer_sub;		  /* its implicit subscription is live */
	/* Transferee: */
	bool refer_rx;		  /* a REFER accepted, its subscription live */
	struct sp_ua_call *xfer;  /* the call placed for it (referenced) */
	struct sp_ua_call *xfer_of; /* (in that call) the referring call (referenced) */
	unsigned notified;	  /* last sipfrag status sent */
	unsigned notify_next;	  /* a status waiting for the NOTIFY in flight */
	bool notify_final;	  /* the one in flight terminates the subscription */
	struct sp_tsx *notify;	  /* NOTIFY in flight (referenced) */
	struct sp_timer t_xfer_bye; /* BYE of the referring call */
	/* our UPDATE (ua_update.c, RFC 3311) */
	struct sp_tsx *update;	  /* in flight (referenced) */
	bool update_offer;	  /* it carries an offer not yet answered */
	/* session timer (ua_timer.c, RFC 4028) */
	uint32_t se_req;	  /* UAC: Session-Expires to ask for; 0: none */
	uint32_t se_min;	  /* UAC: Min-SE to send; 0: none */
	unsigned se_retries;	  /* 422s answered (§7.4) */
	uint32_t se;		  /* the interval in force (s); 0: no timer */
	bool se_refresher;	  /* we refresh */
	bool se_peer_update;	  /* the peer allows UPDATE: refresh with it */
	enum sp__ua_se_phase se_phase;
	unsigned se_refreshes;	  /* refreshes that succeeded */
	struct sp_timer t_se;
	/* RFC 3891 (ua_replaces.c): the call this incoming one replaces,
	 * ended once this one is answered (referenced) */
	struct sp_ua_call *replaces;
};

/* ua.c */
/* One message received from `from` (a datagram, or a framed TCP
 * message): parsed, validated, given to the transaction layer and on to
 * the UA; a malformed one is dropped (the receive path, and the fuzz
 * target's entry). */
void sp__ua_input(struct sp_ua *ua, const char *buf, size_t len, const struct sp_tsx_dest *from);
/* Sends buf through our sockets to d (the tsx layer's io, also used for
 * ACKs and 2xx retransmissions). */
int sp__ua_send(struct sp_ua *ua, const struct sp_tsx_dest *d, const void *buf, size_t len);
/* Where a request to uri goes: the server when out_of_dialog and one is
 * set, else the URI's host (an IP literal, or a name: sp__ua_name_dest),
 * port and transport. */
int sp__ua_uri_dest(struct sp_ua *ua, const struct sp_uri *uri, bool out_of_dialog,
		    struct sp_tsx_dest *d);

/* ua_names.c */
/* The destination of uri, whose host is not an IP literal: a name given
 * to sp_ua_set_host (the URI's port wins), else, with cfg.dns, the RFC
 * 3263 result (cached), or a pending destination that sp__ua_send queues
 * until the lookup ends. Returns 0, -EDESTADDRREQ (no resolver, or the
 * host cannot be looked up), -EHOSTUNREACH (the name failed within the
 * last 30 s: its lookup failed or gave no target we can use), -ENOSPC
 * (every slot busy), -ENOMEM. */
int sp__ua_name_dest(struct sp_ua *ua, const struct sp_uri *uri, struct sp_tsx_dest *d);
/* True when d stands for a name still being looked up. */
bool sp__ua_dest_pending(const struct sp_tsx_dest *d);
/* sp__ua_send for such a d: sends to what the name resolved to, or
 * queues buf (once: a retransmission of queued bytes is not queued
 * again). Returns 0, -EHOSTUNREACH (the name failed, or its slot went to
 * another name), -ENOBUFS (queue full) or -ENOMEM. */
int sp__ua_name_send(struct sp_ua *ua, const struct sp_tsx_dest *d, const void *buf, size_t len);
/* RFC 3263 §4.3 for a name: the request to failed (a destination
 * sp__ua_name_dest gave) timed out, met a transport error or got 503;
 * tries is how often this request failed over already. True when it
 * should go again to the name (sp__ua_uri_dest gives its next target
 * from now on, unless another request moved on already); false when
 * failed is no name's or every target was tried. */
bool sp__ua_name_failover(struct sp_ua *ua, const struct sp_tsx_dest *failed, unsigned tries);
/* Cancels the lookups, drops what waits, frees the table. */
void sp__ua_names_destroy(struct sp_ua *ua);

/* The media type of msg's Content-Type, without parameters or blanks
 * ("application/sdp"); empty when there is none. */
struct sp_str sp__ua_media_type(const struct sp_msg *msg);
/* RFC 3263 §4.3: a request outside a dialog to failed timed out, met a
 * transport error or got 503; tries is how often this request failed
 * over already. True when it should go again (sp__ua_uri_dest then gives
 * the next address, or another request already moved on from failed):
 * with a server, to its next address (ua->server and the Route follow);
 * without, to the next target of the host name the request went to
 * (sp__ua_name_failover). */
bool sp__ua_failover(struct sp_ua *ua, const struct sp_tsx_dest *failed, unsigned tries);
/* Writes a Via value with a new branch into buf[cap]. */
int sp__ua_via(struct sp_ua *ua, char *buf, size_t cap);
/* Random hex token of n digits (< cap) into buf. */
void sp__ua_token(char *buf, size_t n);
/* Normalises a target ("sip:..", "user@host", "user") into out[cap]. */
int sp__ua_target(struct sp_ua *ua, const char *target, char *out, size_t cap);
/* Answers st/req with status and extra headers (CRLF-terminated) and an
 * optional body; to_tag may be NULL. */
int sp__ua_respond(struct sp_ua *ua, struct sp_tsx *st, const struct sp_msg *req,
		   const struct sp_tsx_dest *src, unsigned status, const char *to_tag,
		   const char *headers, struct sp_str ctype, struct sp_str body);
/* The same response written into b (ua->out must not be b's memory if
 * sp__ua_respond follows). src may be NULL. */
int sp__ua_build_response(struct sp_ua *ua, struct sp_wbuf *b, const struct sp_msg *req,
			  const struct sp_sa *src, unsigned status, const char *to_tag,
			  const char *headers, struct sp_str ctype, struct sp_str body);

/* ua_ood.c: one request outside a dialog, through its auth retries. */
typedef void (*sp__ua_ood_cb)(struct sp__ua_ood *o, unsigned status, const struct sp_msg *resp,
			      void *arg);
struct sp__ua_ood_params {
	const char *method, *ruri, *to; /* to: the To value */
	const char *call_id, *from_tag; /* NULL: new ones */
	uint32_t cseq;			/* 0: initial */
	const char *headers;		/* extra lines (CRLF each) or NULL */
	struct sp_str ctype, body;
	struct sp__ua_auth *auth;	/* credentials state or NULL (own one) */
	sp__ua_ood_cb cb;
	void *arg;
};
int sp__ua_ood_start(struct sp__ua_ood **out, struct sp_ua *ua,
		     const struct sp__ua_ood_params *p);
/* The CSeq of the last request sent. */
uint32_t sp__ua_ood_cseq(const struct sp__ua_ood *o);
/* sp_ua_destroy: drops the transactions' references (before_layer, while
 * the layer lives), then (after it) frees every request without callback. */
void sp__ua_ood_release_all(struct sp_ua *ua, bool before_layer);

/* ua_register.c */
void sp__ua_reg_stop(struct sp_ua *ua);
/* Sends the refreshing REGISTER now (unless one is in flight). */
void sp__ua_reg_now(struct sp_ua *ua);

/* ua_keepalive.c (RFC 5626 §4.4.1) */
/* Arms the next CRLF CRLF ping (TCP only). */
void sp__ua_keepalive_start(struct sp_ua *ua);
/* Stops pinging and forgets the flow. */
void sp__ua_keepalive_stop(struct sp_ua *ua);

/* ua_call.c */
int sp__ua_call_new(struct sp_ua_call **out, struct sp_ua *ua, bool outgoing);
void sp__ua_call_set_state(struct sp_ua_call *c, enum sp_ua_call_state st);
/* Ends the call (idempotent): timers stopped, dialog removed, ENDED
 * reported, the UA's reference dropped. */
void sp__ua_call_end(struct sp_ua_call *c, unsigned status, const char *reason);
/* Sends BYE in the call's dialog (§15.1.1); the call ends on its final
 * response or timeout. */
int sp__ua_call_bye(struct sp_ua_call *c);
/* The call of dialog d, or NULL. */
struct sp_ua_call *sp__ua_call_by_dialog(struct sp_ua *ua, const struct sp_dialog *d);
/* Sends the ACK for a 2xx to the INVITE with CSeq cseq in d (§13.2.2.4),
 * with the credentials line(s) auth (the INVITE's; "" for none). */
int sp__ua_send_ack(struct sp_ua_call *c, struct sp_dialog *d, uint32_t cseq, const char *auth);
/* Where a request within d goes (§12.2.1.1: the first route, else the
 * remote target). */
int sp__ua_dialog_dest(struct sp_ua *ua, const struct sp_dialog *d, struct sp_tsx_dest *dest);
/* ua_dialog_send.c. Prints r within d (§12.2.1.1; d is c's dialog, or
 * one of its early dialogs) into ua->out and starts its client
 * transaction towards d's next hop as *t (a reference in c; the one *t
 * held before, if any, is dropped first) with handler cb(arg). A
 * non-INVITE request answered 401/407 is sent once more with credentials
 * (§22.2) in *t, cb seeing only the retry's responses. *cseq (may be
 * NULL) gets the CSeq used. Returns 0, or a negative errno: nothing sent,
 * *t untouched. */
int sp__ua_dialog_send(struct sp_ua_call *c, struct sp_dialog *d, const struct sp_dialog_req *r,
		       uint32_t *cseq, struct sp_tsx **t, sp_tsx_event_cb cb, void *arg);
/* Frees the retry state of a request sp__ua_dialog_send started, when t
 * is one (sp__ua_drop_tsx calls it). */
void sp__ua_dialog_detach(struct sp_tsx *t);
/* Drops a client or server transaction the call holds (handler cleared). */
void sp__ua_drop_tsx(struct sp_tsx **t);

/* ua_reinvite.c */
/* A re-INVITE received in c's dialog (§14.2), CSeq already checked. */
void sp__ua_reinvite_rx(struct sp_ua_call *c, struct sp_tsx *st, const struct sp_msg *req,
			const struct sp_tsx_dest *src);
/* The ACK of our 2xx to the peer's re-INVITE: true when ack was it. */
bool sp__ua_reinvite_ack(struct sp_ua_call *c, const struct sp_msg *ack);
/* A 2xx retransmission to our re-INVITE after its transaction ended:
 * true when it was one (re-ACKed). */
bool sp__ua_reinvite_stray_2xx(struct sp_ua_call *c, const struct sp_msg *resp);
/* Stops the call's in-dialog timers and drops its in-dialog transactions
 * (re-INVITEs both ways, INFO): at the end of the call. */
void sp__ua_indialog_stop(struct sp_ua_call *c);

/* ua_info.c */
/* An INFO received in c's dialog (RFC 6086 §4.2.2), CSeq checked. */
void sp__ua_info_rx(struct sp_ua_call *c, struct sp_tsx *st, const struct sp_msg *req,
		    const struct sp_tsx_dest *src);

/* ua_refer.c */
/* A REFER or NOTIFY received in c's dialog, CSeq checked. */
void sp__ua_refer_rx(struct sp_ua_call *c, struct sp_tsx *st, const struct sp_msg *req,
		     const struct sp_tsx_dest *src);
void sp__ua_notify_rx(struct sp_ua_call *c, struct sp_tsx *st, const struct sp_msg *req,
		      const struct sp_tsx_dest *src);
/* c changed state (or ended): when it was placed for a REFER, NOTIFY the
 * referring call's peer; when c is that referring call and ended, unlink. */
void sp__ua_refer_call_state(struct sp_ua_call *c);
/* Drops the transfer's timers, transactions and links without sending
 * anything (sp_ua_destroy). */
void sp__ua_refer_stop(struct sp_ua_call *c);

/* ua_update.c */
/* An UPDATE received in c's early or confirmed dialog (RFC 3311 §5.2). */
void sp__ua_update_rx(struct sp_ua_call *c, struct sp_tsx *st, const struct sp_msg *req,
		      const struct sp_tsx_dest *src);

/* ua_timer.c (RFC 4028) */
/* Our minimum session interval (cfg.min_se, else 90 s). */
uint32_t sp__ua_min_se(const struct sp_ua *ua);
/* The initial INVITE's Session-Expires/Min-SE lines (§7.1) into buf. */
int sp__ua_timer_invite_hdrs(const struct sp_ua_call *c, char *buf, size_t cap);
/* A 422 to our INVITE: true when it is to be retried with the larger
 * Session-Expires/Min-SE now in c (§7.4). */
bool sp__ua_timer_422(struct sp_ua_call *c, const struct sp_msg *resp);
/* A 422 to our session refresh (re-INVITE or UPDATE): true when it is to
 * be sent again, with the larger interval now in c (§7.4). */
bool sp__ua_timer_refresh_422(struct sp_ua_call *c, const struct sp_msg *resp);
/* The 2xx to our INVITE, re-INVITE or UPDATE: takes its Session-Expires
 * (or its absence) and (re)arms the timer (§7.2). */
void sp__ua_timer_uac_2xx(struct sp_ua_call *c, const struct sp_msg *resp);
/* An INVITE, re-INVITE or UPDATE we accept: takes its Session-Expires and
 * writes the 2xx's Session-Expires/Require lines into buf (§9); the timer
 * is armed by sp__ua_timer_start once the 2xx is sent. */
int sp__ua_timer_uas(struct sp_ua_call *c, const struct sp_msg *req, char *buf, size_t cap);
void sp__ua_timer_start(struct sp_ua_call *c);
/* Supported/Session-Expires lines of a re-INVITE or UPDATE we send. */
int sp__ua_timer_refresh_hdrs(const struct sp_ua_call *c, char *buf, size_t cap);
/* An initial INVITE: 422 with the Min-SE line in buf when its
 * Session-Expires is below our minimum (§8.1), else 0. */
int sp__ua_timer_check(struct sp_ua *ua, const struct sp_msg *req, char *buf, size_t cap);

/* ua_replaces.c (RFC 3891) */
/* An initial INVITE's Replaces: 0 with *out NULL (none) or a new
 * reference to the call to replace; else the status to refuse it with
 * (400, 481, 486). */
int sp__ua_replaces_rx(struct sp_ua *ua, const struct sp_msg *req, struct sp_ua_call **out);
/* c (answered) replaced c->replaces: ends that one (BYE or CANCEL). */
void sp__ua_replaces_done(struct sp_ua_call *c);
/* The Refer-To URI for an attended transfer to other's peer:
 * "sip:..?Replaces=<escaped dialog ID as that peer sees it>". */
int sp__ua_replaces_uri(struct sp_ua *ua, const struct sp_ua_call *other, char *buf, size_t cap);
/* The "Replaces: ...\r\n" line (unescaped) a Refer-To URI's headers ask
 * for, or "" when none. Returns 0, -EINVAL or -ENOSPC. */
int sp__ua_refer_to_replaces(struct sp_str uri_raw, char *buf, size_t cap);

/* ua_uac.c */
/* Places a call to target (normalised) with extra header lines (or
 * NULL); over_limit: even when max_calls are active (a REFER's call). As
 * sp_ua_call otherwise. */
int sp__ua_call_place(struct sp_ua_call **out, struct sp_ua *ua, const char *target,
		      const char *headers, bool over_limit);
/* A 2xx to an INVITE that matched no transaction any more (a
 * retransmission after Timer M): re-ACK it (§13.2.2.4). */
void sp__ua_uac_stray_2xx(struct sp_ua *ua, const struct sp_msg *resp);
int sp__ua_uac_hangup(struct sp_ua_call *c);

/* ua_uas.c */
void sp__ua_on_request(struct sp_tsx_layer *l, struct sp_tsx *st, const struct sp_msg *req,
		       const struct sp_tsx_dest *src, void *arg);
void sp__ua_on_ack(struct sp_ua *ua, const struct sp_msg *ack);
int sp__ua_uas_hangup(struct sp_ua_call *c, unsigned status);
/* Answers the incoming call now (200 with our SDP). */
int sp__ua_uas_answer(struct sp_ua_call *c);
/* Sends a final non-2xx to the call's INVITE and ends the call. */
void sp__ua_uas_reject(struct sp_ua_call *c, unsigned status, const char *reason);

/* ua_prack.c */
/* True when a header id of msg lists the option tag (Require, Supported). */
bool sp__ua_has_option(const struct sp_msg *msg, enum sp_hdr_id id, const char *tag);
/* Counts the option tags of header id: *all of them, and the return
 * value those equal to tag. */
unsigned sp__ua_option_count(const struct sp_msg *msg, enum sp_hdr_id id, const char *tag,
			     unsigned *all);
/* True when it lists tag and nothing else. */
bool sp__ua_only_option(const struct sp_msg *msg, enum sp_hdr_id id, const char *tag);
/* RFC 3262 §3: the 180 to invite goes reliably (cfg.rel100 and the
 * INVITE requires or supports 100rel). */
bool sp__ua_rel100_wanted(struct sp_ua *ua, const struct sp_msg *invite);
/* Sends a reliable provisional (status 180, or 183 with the SDP answer
 * sdp for early media; dialog_hdrs: Record-Route and Contact lines),
 * creates the early dialog and arms its retransmission. */
int sp__ua_send_reliable_1xx(struct sp_ua_call *c, const struct sp_msg *req,
			     const struct sp_tsx_dest *src, const char *dialog_hdrs, unsigned status,
			     struct sp_str sdp);
/* A PRACK received in c's early or confirmed dialog. */
void sp__ua_prack_rx(struct sp_ua_call *c, struct sp_tsx *st, const struct sp_msg *req,
		     const struct sp_tsx_dest *src);
/* A 101-199 to our INVITE in early dialog d: PRACK it when reliable. */
void sp__ua_uac_reliable_1xx(struct sp_ua_call *c, struct sp_dialog *d,
			     const struct sp_msg *resp);

#endif
