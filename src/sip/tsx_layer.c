/*
 * The transaction layer: one per worker. It owns the table of live
 * transactions (a chained hash on the branch, or on the Call-ID for RFC
 * 2543 requests without the magic cookie), matches incoming requests
 * (§17.2.3) and responses (§17.1.3) to them, creates server transactions
 * for new requests, starts client transactions for the TU, and dispatches
 * every event to the transaction's state machine (tsx_ict.c, tsx_nict.c,
 * tsx_ist.c, tsx_nist.c).
 *
 * Branches made here name their worker (sp_tsx_branch), so a response
 * that the kernel delivered to another worker's socket is reported as
 * SP_TSX_OTHER_WORKER and handed over by the caller (DESIGN.md §3).
 */
#include <errno.h>
#include <sys/random.h>
#include <time.h>

#include "siphon/response.h"
#include "tsx_int.h"

/* RFC 3261 §8.1.1.7: the magic cookie of RFC 3261 branches. */
#define MAGIC "z9hG4bK"
#define MAGIC_LEN 7
#define OUR_PREFIX MAGIC "sp"
#define OUR_PREFIX_LEN 9
#define MIN_BUCKETS 64u
#define MAX_BUCKETS (1u << 20)

/* ---- hashing and randomness ---------------------------------------------- */

/* FNV-1a with a per-layer seed, so chains cannot be aimed at from the
 * network without knowing it. */
static uint32_t hash_bytes(uint64_t seed, struct sp_str s)
{
	uint64_t h = 0xcbf29ce484222325ull ^ seed;
	for (size_t i = 0; i < s.len; i++) {
		h ^= (unsigned char)s.p[i];
		h *= 0x100000001b3ull;
	}
	return (uint32_t)(h ^ (h >> 32));
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t seed64(const void *salt)
{
	uint64_t v;
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v))
		return v;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	v = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)salt;
	return splitmix64(&v);
}

static bool has_cookie(struct sp_str branch)
{
	return branch.len >= MAGIC_LEN && memcmp(branch.p, MAGIC, MAGIC_LEN) == 0;
}

static bool reliable_tp(enum sp_transport tp)
{
	return tp != SP_TP_UDP && tp != SP_TP_OTHER;
}

/* ---- the table ------------------------------------------------------------ */

static void table_grow(struct sp_tsx_layer *l)
{
	uint32_t n = l->nbuckets * 2;
	if (n > MAX_BUCKETS)
		return;
	struct sp_tsx **b = sp_malloc(n * sizeof(*b));
	if (!b)
		return; /* longer chains, still correct */
	memset(b, 0, n * sizeof(*b));
	for (uint32_t i = 0; i < l->nbuckets; i++) {
		struct sp_tsx *t = l->buckets[i], *next;
		for (; t; t = next) {
			next = t->hnext;
			t->hnext = b[t->hash & (n - 1)];
			b[t->hash & (n - 1)] = t;
		}
	}
	sp_free(l->buckets);
	l->buckets = b;
	l->nbuckets = n;
}

static void table_insert(struct sp_tsx_layer *l, struct sp_tsx *t)
{
	if (l->count >= l->nbuckets)
		table_grow(l);
	struct sp_tsx **head = &l->buckets[t->hash & (l->nbuckets - 1)];
	t->hnext = *head;
	*head = t;
	l->count++;
}

static void table_remove(struct sp_tsx_layer *l, struct sp_tsx *t)
{
	struct sp_tsx **pp = &l->buckets[t->hash & (l->nbuckets - 1)];
	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == t) {
			*pp = t->hnext;
			t->hnext = NULL;
			l->count--;
			return;
		}
	}
}

static struct sp_tsx *bucket(const struct sp_tsx_layer *l, uint32_t hash)
{
	return l->buckets[hash & (l->nbuckets - 1)];
}

static bool is_server(const struct sp_tsx *t)
{
	return t->kind == SP__IST || t->kind == SP__NIST;
}

/* The request method equals the transaction's (extension methods by
 * name, RFC 3261 §7.1: case-sensitive). */
static bool method_eq(const struct sp_tsx *t, enum sp_method m, struct sp_str name)
{
	if (t->method != m)
		return false;
	return m != SP_METHOD_OTHER || sp_str_eq(t->method_name, name);
}

/* RFC 3261 §17.2.3, first procedure (branch with the magic cookie):
 * branch, sent-by and method equal, ACK matching the INVITE. want_invite
 * forces the INVITE method (CANCEL matching, §9.2). */
static struct sp_tsx *find_server_3261(const struct sp_tsx_layer *l, const struct sp_msg *msg,
				       bool want_invite)
{
	const struct sp_via *via = &msg->via1;
	uint32_t h = hash_bytes(l->hash_seed, via->branch);
	uint16_t port = via->sent_by.has_port ? via->sent_by.port : 0;

	for (struct sp_tsx *t = bucket(l, h); t; t = t->hnext) {
		if (t->hash != h || !is_server(t) || t->rfc2543 ||
		    !sp_str_eq(t->branch, via->branch))
			continue;
		if (!sp_str_caseeq(t->sent_by_host, via->sent_by.host) || t->sent_by_port != port)
			continue;
		if (want_invite || msg->method_id == SP_METHOD_ACK) {
			if (t->method == SP_METHOD_INVITE)
				return t;
		} else if (method_eq(t, msg->method_id, msg->method)) {
			return t;
		}
	}
	return NULL;
}

static bool tag_eq(struct sp_str a, struct sp_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* RFC 3261 §17.2.3, RFC 2543 procedure: Request-URI, To tag, From tag,
 * Call-ID, CSeq and top Via equal to the creating request's; an ACK
 * matches an INVITE whose final response carried its To tag. */
static struct sp_tsx *find_server_2543(const struct sp_tsx_layer *l, const struct sp_msg *msg,
				       bool want_invite)
{
	uint32_t h = hash_bytes(l->hash_seed, msg->call_id);
	const struct sp_hdr *via = sp_msg_hdr(msg, SP_HDR_VIA);
	bool ack = !want_invite && msg->method_id == SP_METHOD_ACK;

	for (struct sp_tsx *t = bucket(l, h); t; t = t->hnext) {
		if (t->hash != h || !is_server(t) || !t->rfc2543)
			continue;
		if (!sp_str_eq(t->call_id, msg->call_id) || !sp_str_eq(t->ruri, msg->ruri_raw) ||
		    t->cseq != msg->cseq.seq || !tag_eq(t->from_tag, msg->from.tag) ||
		    !sp_str_eq(t->via1, via->value))
			continue;
		if (ack) {
			/* §17.2.3: "the To tag ... equal to the tag of the
			 * response sent by the server transaction". */
			if (t->method == SP_METHOD_INVITE && t->status >= 300 &&
			    tag_eq(t->resp_to_tag, msg->to.tag))
				return t;
		} else if (want_invite) {
			if (t->method == SP_METHOD_INVITE && tag_eq(t->to_tag, msg->to.tag))
				return t;
		} else if (tag_eq(t->to_tag, msg->to.tag) &&
			   method_eq(t, msg->method_id, msg->method)) {
			return t;
		}
	}
	return NULL;
}

static struct sp_tsx *find_server(const struct sp_tsx_layer *l, const struct sp_msg *msg,
				  bool want_invite)
{
	if (has_cookie(msg->via1.branch))
		return find_server_3261(l, msg, want_invite);
	return find_server_2543(l, msg, want_invite);
}

/* RFC 3261 §17.1.3: branch of the top Via and the CSeq method equal to
 * the request's (a CANCEL shares the INVITE's branch). */
static struct sp_tsx *find_client(const struct sp_tsx_layer *l, struct sp_str branch,
				  enum sp_method m, struct sp_str name)
{
	uint32_t h = hash_bytes(l->hash_seed, branch);
	for (struct sp_tsx *t = bucket(l, h); t; t = t->hnext) {
		if (t->hash == h && !is_server(t) && sp_str_eq(t->branch, branch) &&
		    method_eq(t, m, name))
			return t;
	}
	return NULL;
}

/* ---- helpers for the machines ---------------------------------------------- */

int sp__tsx_send(struct sp_tsx *t, const void *buf, size_t len)
{
	struct sp_tsx_layer *l = t->layer;
	if (!l)
		return -ESTALE;
	return l->io.send(l->io.arg, &t->dest, buf, len);
}

void sp__tsx_notify(struct sp_tsx *t, const struct sp_msg *msg, int err)
{
	if (msg && !msg->request)
		t->status = msg->status;
	if (!t->cb)
		return;
	sp_mem_ref(t);
	t->cb(t, msg, err, t->cb_arg);
	sp_mem_deref(t);
}

static void dispatch(struct sp_tsx *t, enum sp__tsx_ev ev)
{
	switch (t->kind) {
	case SP__ICT:
		sp__ict_input(t, ev, NULL);
		break;
	case SP__NICT:
		sp__nict_input(t, ev, NULL);
		break;
	case SP__IST:
		sp__ist_input(t, ev, NULL, 0);
		break;
	case SP__NIST:
		sp__nist_input(t, ev, NULL, 0);
		break;
	}
}

void sp__tsx_fire(struct sp_tsx *t, enum sp__tsx_ev ev)
{
	sp_mem_ref(t);
	if (t->state != SP_TSX_TERMINATED)
		dispatch(t, ev);
	sp_mem_deref(t);
}

void sp__tsx_timer(struct sp_tsx *t, struct sp_timer *tm, uint32_t ms, sp_timer_cb cb)
{
	sp_timer_start(t->layer->loop, tm, ms, cb, t);
}

void sp__tsx_terminate(struct sp_tsx *t)
{
	if (t->state == SP_TSX_TERMINATED)
		return;
	t->state = SP_TSX_TERMINATED;
	sp_timer_stop(&t->tmr_rt);
	sp_timer_stop(&t->tmr_to);
	sp_timer_stop(&t->tmr_end);
	if (t->layer) {
		const struct sp_tsx_io *io = &t->layer->io;
		if (t->dest.conn && io->release)
			io->release(io->arg, &t->dest);
		t->dest.conn = NULL; /* no send after this; never a stale handle */
		if (t->src_counted)
			sp_ip_count_dec(t->layer->per_source, &t->src);
		table_remove(t->layer, t);
		t->layer = NULL;
	}
	sp_mem_deref(t); /* the layer's reference */
}

void sp__tsx_linger(struct sp_tsx *t, uint32_t ms, sp_timer_cb cb)
{
	if (ms == 0)
		sp__tsx_terminate(t);
	else
		sp__tsx_timer(t, &t->tmr_end, ms, cb);
}

/* The To tag of a stored final response, for RFC 2543 ACK matching. */
static void resp_tag(struct sp_tsx *t)
{
	struct sp_msg m;
	t->resp_to_tag = SP_STR_NULL;
	if (sp_msg_parse(&m, t->resp, t->resp_len) == 0 && m.has_to)
		t->resp_to_tag = m.to.tag;
	sp_msg_free(&m);
}

int sp__tsx_store_resp(struct sp_tsx *t, const void *buf, size_t len, unsigned status)
{
	char *copy = sp_malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	sp_free(t->resp);
	t->resp = copy;
	t->resp_len = len;
	t->status = (uint16_t)status;
	if (t->rfc2543 && status >= 200)
		resp_tag(t);
	return 0;
}

/* ---- transactions ---------------------------------------------------------- */

static void tsx_destroy(void *obj)
{
	struct sp_tsx *t = obj;
	sp_timer_stop(&t->tmr_rt);
	sp_timer_stop(&t->tmr_to);
	sp_timer_stop(&t->tmr_end);
	sp_free(t->resp);
	sp_free(t->ack);
}

/* A transaction with a copy of buf[len] in req[], and extra bytes after
 * it (for keys a caller supplies). Only the struct is zeroed. */
static struct sp_tsx *tsx_alloc(struct sp_tsx_layer *l, const void *buf, size_t len, size_t extra)
{
	if (len > SIZE_MAX - sizeof(struct sp_tsx) - extra || extra > SIZE_MAX / 2)
		return NULL;
	struct sp_tsx *t = sp_mem_alloc_head(sizeof(*t) + len + extra, sizeof(*t), tsx_destroy);
	if (!t)
		return NULL;
	memcpy(t->req, buf, len);
	t->req_len = len;
	t->layer = l;
	sp_timer_init(&t->tmr_rt);
	sp_timer_init(&t->tmr_to);
	sp_timer_init(&t->tmr_end);
	return t;
}

/* A slice of the received message moved into the transaction's copy. */
static struct sp_str rel(const struct sp_tsx *t, const struct sp_msg *m, struct sp_str s)
{
	if (!s.p)
		return SP_STR_NULL;
	return (struct sp_str){ t->req + (s.p - m->buf), s.len };
}

/* Matching keys from m, whose bytes are (a copy of) t->req. */
static void set_keys(struct sp_tsx *t, const struct sp_msg *m)
{
	const struct sp_hdr *via = sp_msg_hdr(m, SP_HDR_VIA);
	t->method = m->method_id;
	t->method_name = rel(t, m, m->method);
	t->branch = rel(t, m, m->via1.branch);
	t->sent_by_host = rel(t, m, m->via1.sent_by.host);
	t->sent_by_port = m->via1.sent_by.has_port ? m->via1.sent_by.port : 0;
	t->call_id = rel(t, m, m->call_id);
	t->from_tag = rel(t, m, m->from.tag);
	t->to_tag = rel(t, m, m->to.tag);
	t->ruri = rel(t, m, m->ruri_raw);
	t->via1 = via ? rel(t, m, via->value) : SP_STR_NULL;
	t->cseq = m->cseq.seq;
}

static int machine_req(struct sp_tsx *t, enum sp__tsx_ev ev)
{
	return t->kind == SP__IST ? sp__ist_input(t, ev, NULL, 0) : sp__nist_input(t, ev, NULL, 0);
}

/* A new server transaction for msg (RFC 3261 §17.2.1, §17.2.2): the
 * request copied, the response destination fixed (§18.2.2), and for an
 * INVITE the 100 Trying built ahead. */
static int server_new(struct sp_tsx_layer *l, const struct sp_msg *msg,
		      const struct sp_tsx_dest *src)
{
	if (l->count >= l->cfg.max_tsx)
		return -EBUSY;
	bool count = l->per_source &&
		     !(l->cfg.unlimited && l->cfg.unlimited(l->cfg.unlimited_arg, &src->addr));
	if (count) {
		int rc = sp_ip_count_inc(l->per_source, &src->addr, l->cfg.max_per_source);
		if (rc)
			return rc == -EMFILE ? -EDQUOT : rc;
	}
	struct sp_tsx *t = tsx_alloc(l, msg->buf, msg->consumed, 0);
	if (!t) {
		if (count)
			sp_ip_count_dec(l->per_source, &src->addr);
		return -ENOMEM;
	}
	t->src_counted = count;
	t->src = src->addr;
	set_keys(t, msg);
	t->rfc2543 = !has_cookie(msg->via1.branch);
	t->hash = hash_bytes(l->hash_seed, t->rfc2543 ? msg->call_id : msg->via1.branch);
	sp_response_dest(msg, src, &t->dest);
	if (t->dest.conn && l->io.hold)
		l->io.hold(l->io.arg, &t->dest);
	t->reliable = reliable_tp(src->tp);
	if (msg->method_id == SP_METHOD_INVITE) {
		/* §17.2.1: the 100 Trying, sent unless the TU answers first. */
		size_t cap = msg->consumed + 128;
		char *buf = sp_malloc(cap);
		struct sp_wbuf b;
		struct sp_response r = { .code = 100 };
		if (!buf) {
			if (t->dest.conn && l->io.release)
				l->io.release(l->io.arg, &t->dest);
			if (count)
				sp_ip_count_dec(l->per_source, &src->addr);
			sp_mem_deref(t);
			return -ENOMEM;
		}
		sp_wbuf_init(&b, buf, cap);
		if (sp_response_build(&b, msg, &src->addr, &r) == 0) {
			t->resp = buf;
			t->resp_len = b.len;
		} else {
			sp_free(buf);
		}
		t->kind = SP__IST;
		t->state = SP_TSX_PROCEEDING; /* Figure 7 */
	} else {
		t->kind = SP__NIST;
		t->state = SP_TSX_TRYING; /* Figure 8 */
	}
	table_insert(l, t); /* the layer's reference */

	sp_mem_ref(t);
	if (l->on_request)
		l->on_request(l, t, msg, src, l->arg);
	if (t->state != SP_TSX_TERMINATED)
		machine_req(t, SP__EV_START);
	sp_mem_deref(t);
	return SP_TSX_NEW;
}

static int input_request(struct sp_tsx_layer *l, const struct sp_msg *msg,
			 const struct sp_tsx_dest *src)
{
	struct sp_tsx *t = find_server(l, msg, false);
	int rc;

	if (!t) {
		/* §17.2.3 / RFC 6026 §8.10: an ACK matching nothing is for
		 * the core (the ACK of a 2xx, §13.2.2.4); anything else
		 * creates a server transaction (§17.2). */
		if (msg->method_id == SP_METHOD_ACK)
			return SP_TSX_ACK;
		return server_new(l, msg, src);
	}
	sp_mem_ref(t);
	rc = machine_req(t, msg->method_id == SP_METHOD_ACK ? SP__EV_ACK : SP__EV_REQ);
	sp_mem_deref(t);
	return rc;
}

static int input_response(struct sp_tsx_layer *l, const struct sp_msg *msg, unsigned *owner)
{
	struct sp_str branch = msg->via1.branch;
	unsigned w;
	enum sp__tsx_ev ev;
	int rc;

	if (!branch.p)
		return SP_TSX_STRAY;
	if (l->nworkers > 1 && sp_tsx_branch_owner(branch, &w) && w != l->worker &&
	    w < l->nworkers) {
		if (owner)
			*owner = w;
		return SP_TSX_OTHER_WORKER;
	}
	struct sp_tsx *t = find_client(l, branch, msg->cseq.method_id, msg->cseq.method);
	if (!t)
		return SP_TSX_STRAY; /* RFC 6026 §8.9 */
	if (msg->status < 100 || msg->status > 699)
		return -EBADMSG;
	ev = msg->status < 200 ? SP__EV_RESP_1XX
	     : msg->status < 300 ? SP__EV_RESP_2XX
				 : SP__EV_RESP_FINAL;
	sp_mem_ref(t);
	rc = t->kind == SP__ICT ? sp__ict_input(t, ev, msg) : sp__nict_input(t, ev, msg);
	sp_mem_deref(t);
	return rc;
}

int sp_tsx_input(struct sp_tsx_layer *l, const struct sp_msg *msg, const struct sp_tsx_dest *src,
		 unsigned *owner)
{
	if (!msg->has_via || !msg->has_cseq || !msg->has_call_id || !msg->has_from ||
	    !msg->has_to)
		return -EBADMSG;
	if (msg->request)
		return input_request(l, msg, src);
	return input_response(l, msg, owner);
}

/* ---- the TU's side ---------------------------------------------------------- */

/* "SIP/2.0 NNN" at the start of buf: the status, or 0. */
static unsigned status_of(const char *buf, size_t len)
{
	if (len < 12 || memcmp(buf, "SIP/2.0 ", 8) != 0)
		return 0;
	unsigned v = 0;
	for (int i = 8; i < 11; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return 0;
		v = v * 10 + (unsigned)(buf[i] - '0');
	}
	return buf[11] == ' ' && v >= 100 && v <= 699 ? v : 0;
}

int sp_tsx_respond(struct sp_tsx *st, const void *buf, size_t len)
{
	unsigned status = status_of(buf, len);
	enum sp__tsx_ev ev;
	int rc;

	if (st->state == SP_TSX_TERMINATED || !st->layer)
		return -ESTALE;
	if (!is_server(st) || !status)
		return -EINVAL;
	ev = status < 200 ? SP__EV_TU_1XX : status < 300 ? SP__EV_TU_2XX : SP__EV_TU_FINAL;
	sp_mem_ref(st);
	rc = st->kind == SP__IST ? sp__ist_input(st, ev, buf, len)
				 : sp__nist_input(st, ev, buf, len);
	sp_mem_deref(st);
	return rc;
}

const struct sp_tsx_dest *sp_tsx_response_dest(const struct sp_tsx *st)
{
	return &st->dest;
}

struct sp_tsx *sp_tsx_find_invite(struct sp_tsx_layer *l, const struct sp_msg *cancel)
{
	if (!cancel->request || !cancel->has_via || !cancel->has_cseq || !cancel->has_call_id ||
	    !cancel->has_from || !cancel->has_to)
		return NULL;
	struct sp_tsx *t = find_server(l, cancel, true);
	return t && t->kind == SP__IST ? t : NULL;
}

int sp_tsx_branch(struct sp_tsx_layer *l, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t r = splitmix64(&l->rng);
	unsigned w = l->worker & 0xffff;

	if (cap < SP_TSX_BRANCH_LEN + 1)
		return -ENOSPC;
	memcpy(buf, OUR_PREFIX, OUR_PREFIX_LEN);
	for (int i = 0; i < 4; i++)
		buf[OUR_PREFIX_LEN + i] = hex[(w >> (12 - 4 * i)) & 0xf];
	for (int i = 0; i < 16; i++)
		buf[OUR_PREFIX_LEN + 4 + i] = hex[(r >> (60 - 4 * i)) & 0xf];
	buf[SP_TSX_BRANCH_LEN] = 0;
	return SP_TSX_BRANCH_LEN;
}

bool sp_tsx_branch_owner(struct sp_str branch, unsigned *owner)
{
	unsigned w = 0;
	/* Ours: exactly as sp_tsx_branch makes them, or longer with a '.'
	 * after (a proxy's branch: loop hash and branch index). */
	if (branch.len < SP_TSX_BRANCH_LEN || memcmp(branch.p, OUR_PREFIX, OUR_PREFIX_LEN) != 0)
		return false;
	for (int i = 0; i < 4; i++) {
		char c = branch.p[OUR_PREFIX_LEN + i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return false;
		w = w << 4 | d;
	}
	*owner = w;
	return true;
}

/* The rest of starting client transaction t (its keys set): Figure 5 or
 * 6 from "request from TU" on. */
static int client_start(struct sp_tsx **out, struct sp_tsx_layer *l, struct sp_tsx *t,
			const struct sp_tsx_dest *to, sp_tsx_event_cb cb, void *arg)
{
	int rc;

	t->hash = hash_bytes(l->hash_seed, t->branch);
	t->dest = *to;
	if (t->dest.conn && l->io.hold)
		l->io.hold(l->io.arg, &t->dest);
	t->reliable = reliable_tp(to->tp);
	t->cb = cb;
	t->cb_arg = arg;
	if (t->method == SP_METHOD_INVITE) {
		t->kind = SP__ICT;
		t->state = SP_TSX_CALLING; /* Figure 5: INVITE from TU, INVITE sent */
	} else {
		t->kind = SP__NICT;
		t->state = SP_TSX_TRYING; /* Figure 6: Request from TU, send request */
	}
	if ((rc = sp__tsx_send(t, t->req, t->req_len)) != 0) {
		sp_mem_deref(t);
		return rc;
	}
	table_insert(l, t);
	if (t->kind == SP__ICT)
		sp__ict_input(t, SP__EV_START, NULL);
	else
		sp__nict_input(t, SP__EV_START, NULL);
	if (out)
		*out = sp_mem_ref(t);
	return 0;
}

int sp_tsx_request(struct sp_tsx **out, struct sp_tsx_layer *l, const void *buf, size_t len,
		   const struct sp_tsx_dest *to, sp_tsx_event_cb cb, void *arg)
{
	struct sp_msg m;
	struct sp_tsx *t;
	int rc;

	if (!len)
		return -EINVAL;
	if (l->count >= l->cfg.max_tsx)
		return -EBUSY;
	if (!(t = tsx_alloc(l, buf, len, 0)))
		return -ENOMEM;
	rc = sp_msg_parse(&m, t->req, t->req_len);
	if (rc == 0 && (!m.request || !m.has_via || !m.via1.branch.len || !m.has_cseq ||
			m.method_id == SP_METHOD_ACK))
		rc = -EINVAL; /* §17.1: ACK is never a client transaction */
	if (rc == 0 && find_client(l, m.via1.branch, m.method_id, m.method))
		rc = -EEXIST;
	if (rc) {
		sp_msg_free(&m);
		sp_mem_deref(t);
		return rc == -EBADMSG ? -EINVAL : rc;
	}
	set_keys(t, &m);
	sp_msg_free(&m);
	return client_start(out, l, t, to, cb, arg);
}

/* Copies s to *p (advanced) and returns the copy. */
static struct sp_str keep(char **p, struct sp_str s)
{
	if (!s.p)
		return SP_STR_NULL;
	struct sp_str out = { *p, s.len };
	memcpy(*p, s.p, s.len);
	*p += s.len;
	return out;
}

int sp_tsx_request_keyed(struct sp_tsx **out, struct sp_tsx_layer *l, const void *buf,
			 size_t len, const struct sp_tsx_keys *k, const struct sp_tsx_dest *to,
			 sp_tsx_event_cb cb, void *arg)
{
	if (!len || !k || !k->branch.len || !k->method_name.len || k->method == SP_METHOD_ACK)
		return -EINVAL; /* §17.1: ACK is never a client transaction */
	if (l->count >= l->cfg.max_tsx)
		return -EBUSY;
	if (find_client(l, k->branch, k->method, k->method_name))
		return -EEXIST;
	size_t extra = k->method_name.len + k->branch.len + k->sent_by_host.len + k->call_id.len +
		       k->from_tag.len + k->to_tag.len + k->ruri.len + k->via1.len;
	struct sp_tsx *t = tsx_alloc(l, buf, len, extra);
	if (!t)
		return -ENOMEM;
	char *p = t->req + len;
	t->method = k->method;
	t->method_name = keep(&p, k->method_name);
	t->branch = keep(&p, k->branch);
	t->sent_by_host = keep(&p, k->sent_by_host);
	t->sent_by_port = k->sent_by_port;
	t->call_id = keep(&p, k->call_id);
	t->from_tag = keep(&p, k->from_tag);
	t->to_tag = keep(&p, k->to_tag);
	t->ruri = keep(&p, k->ruri);
	t->via1 = keep(&p, k->via1);
	t->cseq = k->cseq;
	return client_start(out, l, t, to, cb, arg);
}

void sp_tsx_set_handler(struct sp_tsx *t, sp_tsx_event_cb cb, void *arg)
{
	t->cb = cb;
	t->cb_arg = arg;
}

sp_tsx_event_cb sp_tsx_handler(const struct sp_tsx *t, void **arg)
{
	if (arg)
		*arg = t->cb_arg;
	return t->cb;
}

enum sp_tsx_state sp_tsx_state(const struct sp_tsx *t)
{
	return t->state;
}

bool sp_tsx_is_client(const struct sp_tsx *t)
{
	return !is_server(t);
}

const char *sp_tsx_request_bytes(const struct sp_tsx *t, size_t *len)
{
	if (len)
		*len = t->req_len;
	return t->req;
}

unsigned sp_tsx_status(const struct sp_tsx *t)
{
	return t->status;
}

/* ---- the layer -------------------------------------------------------------- */

int sp_tsx_layer_create(struct sp_tsx_layer **out, struct sp_loop *loop,
			const struct sp_tsx_config *cfg, const struct sp_tsx_io *io,
			unsigned worker, unsigned nworkers, sp_tsx_request_cb on_request, void *arg)
{
	struct sp_tsx_layer *l;

	if (!loop || !io || !io->send || nworkers == 0 || worker >= nworkers || worker > 0xffff)
		return -EINVAL;
	if (!(l = sp_mem_zalloc(sizeof(*l), NULL)))
		return -ENOMEM;
	if (!(l->buckets = sp_malloc(MIN_BUCKETS * sizeof(*l->buckets)))) {
		sp_mem_deref(l);
		return -ENOMEM;
	}
	memset(l->buckets, 0, MIN_BUCKETS * sizeof(*l->buckets));
	l->nbuckets = MIN_BUCKETS;
	if (cfg)
		l->cfg = *cfg;
	if (!l->cfg.t1)
		l->cfg.t1 = SP_TSX_T1_MS;
	if (!l->cfg.t2)
		l->cfg.t2 = SP_TSX_T2_MS;
	if (!l->cfg.t4)
		l->cfg.t4 = SP_TSX_T4_MS;
	if (!l->cfg.trying_ms)
		l->cfg.trying_ms = SP_TSX_TRYING_MS;
	if (!l->cfg.max_tsx)
		l->cfg.max_tsx = SP_TSX_MAX_DEFAULT;
	if (l->cfg.max_per_source && sp_ip_count_create(&l->per_source, 1024) != 0) {
		sp_free(l->buckets);
		sp_mem_deref(l);
		return -ENOMEM;
	}
	l->loop = loop;
	l->io = *io;
	l->worker = worker;
	l->nworkers = nworkers;
	l->on_request = on_request;
	l->arg = arg;
	l->hash_seed = seed64(l);
	l->rng = seed64(&l->rng);
	*out = l;
	return 0;
}

void sp_tsx_layer_destroy(struct sp_tsx_layer *l)
{
	if (!l)
		return;
	for (uint32_t i = 0; i < l->nbuckets; i++) {
		while (l->buckets[i])
			sp__tsx_terminate(l->buckets[i]);
	}
	sp_free(l->buckets);
	sp_ip_count_destroy(l->per_source);
	sp_mem_deref(l);
}

unsigned sp_tsx_layer_count(const struct sp_tsx_layer *l)
{
	return l->count;
}
