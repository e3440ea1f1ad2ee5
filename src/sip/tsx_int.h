/*
 * Internals shared by the transaction layer (tsx_layer.c) and its four
 * state machines (tsx_ict.c, tsx_nict.c, tsx_ist.c, tsx_nist.c).
 */
#ifndef SIPHON_TSX_INT_H
#define SIPHON_TSX_INT_H

#include "siphon/ip_count.h"
#include "siphon/tsx.h"

enum sp__tsx_kind {
	SP__ICT,  /* INVITE client, Figure 5 (RFC 6026) */
	SP__NICT, /* non-INVITE client, Figure 6 */
	SP__IST,  /* INVITE server, Figure 7 (RFC 6026) */
	SP__NIST, /* non-INVITE server, Figure 8 */
};

/* What drives a machine: network input, the TU, timers, the transport. */
enum sp__tsx_ev {
	SP__EV_START,     /* the transaction was just created */
	SP__EV_RESP_1XX,  /* client: a provisional response */
	SP__EV_RESP_2XX,  /* client: a 2xx response */
	SP__EV_RESP_FINAL,/* client: a 300-699 response (NICT: any final) */
	SP__EV_REQ,       /* server: a retransmission of the request */
	SP__EV_ACK,       /* IST: an ACK matching the transaction */
	SP__EV_TU_1XX,    /* server: the TU sends a provisional */
	SP__EV_TU_2XX,    /* server: the TU sends a 2xx */
	SP__EV_TU_FINAL,  /* server: the TU sends a 300-699 (NIST: any final) */
	SP__EV_TIMER_A,   /* retransmission timers */
	SP__EV_TIMER_E,
	SP__EV_TIMER_G,
	SP__EV_TIMER_B,   /* transaction timeouts */
	SP__EV_TIMER_F,
	SP__EV_TIMER_H,
	SP__EV_TIMER_D,   /* lingering timers */
	SP__EV_TIMER_I,
	SP__EV_TIMER_J,
	SP__EV_TIMER_K,
	SP__EV_TIMER_L,
	SP__EV_TIMER_M,
	SP__EV_TIMER_TRYING, /* IST: the TU did not answer within trying_ms */
};

struct sp_tsx_layer {
	struct sp_loop *loop;
	struct sp_tsx_config cfg;
	struct sp_tsx_io io;
	unsigned worker, nworkers;
	sp_tsx_request_cb on_request;
	void *arg;
	struct sp_tsx **buckets; /* chains through sp_tsx.hnext */
	struct sp_ip_count *per_source; /* server transactions per source IP */
	uint32_t nbuckets;       /* power of two */
	uint32_t count;
	uint64_t hash_seed;
	uint64_t rng;            /* splitmix64 state for branches */
};

struct sp_tsx {
	struct sp_tsx *hnext;
	struct sp_tsx_layer *layer; /* NULL once terminated */
	enum sp__tsx_kind kind;
	enum sp_tsx_state state;
	bool reliable;
	bool rfc2543;      /* server: branch without the magic cookie (§17.2.3) */
	bool tu_responded; /* IST: the TU sent a response (no automatic 100) */
	bool trying_sent;  /* IST: the stored 100 went out */
	bool src_counted;  /* server: counted for src in layer->per_source */
	uint16_t status;   /* last response sent (server) or received (client) */
	uint32_t hash;
	uint32_t rt_ms;    /* current retransmission interval (A, E, G) */

	struct sp_tsx_dest dest; /* client: the request's; server: responses' (§18.2.2) */
	struct sp_sa src;	 /* server: where the request came from */
	struct sp_timer tmr_rt;  /* A, E, G; IST: the 100 Trying delay */
	struct sp_timer tmr_to;  /* B, F, H */
	struct sp_timer tmr_end; /* D, I, J, K, L, M */
	sp_tsx_event_cb cb;
	void *cb_arg;

	/* Matching keys: slices into req[] (§17.1.3, §17.2.3). */
	enum sp_method method; /* of the request */
	struct sp_str method_name;
	struct sp_str branch;
	struct sp_str sent_by_host;
	uint16_t sent_by_port; /* 0 if absent */
	struct sp_str call_id, from_tag, to_tag, ruri, via1;
	uint32_t cseq;
	/* RFC 2543 ACK matching: To tag of the final response sent (a slice
	 * of resp[]). */
	struct sp_str resp_to_tag;

	char *resp;    /* server: last response, for retransmission */
	size_t resp_len;
	char *ack;     /* ICT: the ACK for a non-2xx final (§17.1.1.3) */
	size_t ack_len;
	size_t req_len;
	char req[];    /* the request bytes */
};

/* Retransmission and timeout values from the layer's config (RFC 3261
 * Table 4, RFC 6026 §8.11). */
static inline uint32_t sp__t1(const struct sp_tsx *t)
{
	return t->layer->cfg.t1;
}
static inline uint32_t sp__t2(const struct sp_tsx *t)
{
	return t->layer->cfg.t2;
}
static inline uint32_t sp__t4(const struct sp_tsx *t)
{
	return t->layer->cfg.t4;
}
static inline uint32_t sp__64t1(const struct sp_tsx *t)
{
	return 64 * t->layer->cfg.t1;
}

/* Sends buf[len] to t->dest. Returns 0 or the transport's error. */
int sp__tsx_send(struct sp_tsx *t, const void *buf, size_t len);

/* Passes msg or err to the TU (holding a reference across the call). */
void sp__tsx_notify(struct sp_tsx *t, const struct sp_msg *msg, int err);

/* Runs ev through t's machine holding a reference (timer callbacks);
 * nothing happens once t terminated. */
void sp__tsx_fire(struct sp_tsx *t, enum sp__tsx_ev ev);

/* Arms tm for ms with cb(t). */
void sp__tsx_timer(struct sp_tsx *t, struct sp_timer *tm, uint32_t ms, sp_timer_cb cb);

/* Enters Terminated: stops the timers, leaves the table, drops the
 * layer's reference (t may be freed unless the caller holds one). */
void sp__tsx_terminate(struct sp_tsx *t);

/* Starts a lingering timer (D, I, J, K): a zero value terminates now. */
void sp__tsx_linger(struct sp_tsx *t, uint32_t ms, sp_timer_cb cb);

/* Replaces the stored response with a copy of buf[len]. 0 or -ENOMEM. */
int sp__tsx_store_resp(struct sp_tsx *t, const void *buf, size_t len, unsigned status);

/* The machines: each returns an sp_tsx_input_result for network events,
 * 0 or -errno for TU events. buf/len carry the TU's response. */
int sp__ict_input(struct sp_tsx *t, enum sp__tsx_ev ev, const struct sp_msg *msg);
int sp__nict_input(struct sp_tsx *t, enum sp__tsx_ev ev, const struct sp_msg *msg);
int sp__ist_input(struct sp_tsx *t, enum sp__tsx_ev ev, const void *buf, size_t len);
int sp__nist_input(struct sp_tsx *t, enum sp__tsx_ev ev, const void *buf, size_t len);

#endif
