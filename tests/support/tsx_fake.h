/*
 * A harness for the transaction tests (test_tsx_client.c,
 * test_tsx_server.c): a loop on a fake clock moved one millisecond at a
 * time, a fake transport that records every send (time, destination,
 * bytes) and can be told to fail, and a TU that records every event and
 * every new server transaction. Include after <cmocka.h>.
 */
#ifndef SIPHON_TSX_FAKE_H
#define SIPHON_TSX_FAKE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/loop.h"
#include "siphon/msg.h"
#include "siphon/tsx.h"

#define TF_MAX_SENT 256
#define TF_MAX_EV 64
#define TF_MAX_ST 16

struct tf_sent {
	sp_msec at;
	struct sp_tsx_dest to;
	char *buf;
	size_t len;
	int rc; /* what the fake transport returned */
};

struct tf_event {
	sp_msec at;
	struct sp_tsx *t;
	unsigned status; /* 0 without a message */
	int err;
};

struct tf;
typedef void (*tf_on_request)(struct tf *f, struct sp_tsx *st, const struct sp_msg *req);

struct tf {
	struct sp_loop *loop;
	struct sp_tsx_layer *l;
	sp_msec now;
	struct tf_sent sent[TF_MAX_SENT];
	unsigned nsent;
	int fail; /* sends return this while non-zero */
	struct tf_event ev[TF_MAX_EV];
	unsigned nev;
	struct sp_tsx *st[TF_MAX_ST]; /* new server transactions (referenced) */
	unsigned nst;
	struct sp_tsx_dest src[TF_MAX_ST];
	tf_on_request on_req;
	int held; /* connection handles held by transactions (io hold/release) */
};

static inline void tf_hold(void *arg, const struct sp_tsx_dest *d)
{
	assert_non_null(d->conn);
	((struct tf *)arg)->held++;
}

static inline void tf_release(void *arg, const struct sp_tsx_dest *d)
{
	assert_non_null(d->conn);
	((struct tf *)arg)->held--;
}

static inline sp_msec tf_clock(void *arg)
{
	return ((struct tf *)arg)->now;
}

static inline int tf_send(void *arg, const struct sp_tsx_dest *to, const void *buf, size_t len)
{
	struct tf *f = arg;
	assert_true(f->nsent < TF_MAX_SENT);
	struct tf_sent *s = &f->sent[f->nsent++];
	s->at = f->now;
	s->to = *to;
	s->buf = malloc(len + 1);
	assert_non_null(s->buf);
	memcpy(s->buf, buf, len);
	s->buf[len] = 0;
	s->len = len;
	s->rc = f->fail;
	return f->fail;
}

static inline void tf_event_cb(struct sp_tsx *t, const struct sp_msg *msg, int err, void *arg)
{
	struct tf *f = arg;
	assert_true(f->nev < TF_MAX_EV);
	struct tf_event *e = &f->ev[f->nev++];
	e->at = f->now;
	e->t = t;
	e->status = msg ? msg->status : 0;
	e->err = err;
}

static inline void tf_request_cb(struct sp_tsx_layer *l, struct sp_tsx *st,
				 const struct sp_msg *req, const struct sp_tsx_dest *src, void *arg)
{
	struct tf *f = arg;
	(void)l;
	assert_true(f->nst < TF_MAX_ST);
	f->src[f->nst] = *src;
	f->st[f->nst++] = sp_mem_ref(st);
	sp_tsx_set_handler(st, tf_event_cb, f);
	if (f->on_req)
		f->on_req(f, st, req);
}

/* A fixture with T1/T2/T4 defaults unless cfg says otherwise. */
static inline struct tf *tf_new(const struct sp_tsx_config *cfg, unsigned worker, unsigned nworkers)
{
	struct tf *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	struct sp_clock clock = { tf_clock, f };
	assert_int_equal(sp_loop_create(&f->loop, &clock), 0);
	struct sp_tsx_io io = { .send = tf_send, .hold = tf_hold, .release = tf_release, .arg = f };
	assert_int_equal(sp_tsx_layer_create(&f->l, f->loop, cfg, &io, worker, nworkers,
					     tf_request_cb, f),
			 0);
	return f;
}

static inline void tf_free(struct tf *f)
{
	for (unsigned i = 0; i < f->nst; i++)
		sp_mem_deref(f->st[i]);
	sp_tsx_layer_destroy(f->l);
	/* Every connection a transaction held was handed back. */
	assert_int_equal(f->held, 0);
	sp_loop_destroy(f->loop);
	for (unsigned i = 0; i < f->nsent; i++)
		free(f->sent[i].buf);
	free(f);
}

/* Moves the clock to `to`, one millisecond at a time, firing timers. */
static inline void tf_run_to(struct tf *f, sp_msec to)
{
	while (f->now < to) {
		f->now++;
		sp_loop_advance(f->loop);
	}
}

/* Parses text (copied into an exact-size buffer) and feeds it to the
 * layer as coming from src. Returns sp_tsx_input's result. */
static inline int tf_feed_from(struct tf *f, const char *text, const struct sp_tsx_dest *src,
			       unsigned *owner)
{
	size_t n = strlen(text);
	char *buf = malloc(n);
	assert_non_null(buf);
	memcpy(buf, text, n);
	struct sp_msg m;
	int rc = sp_msg_parse(&m, buf, n);
	if (rc != 0)
		fprintf(stderr, "parse: %s at %zu\n", m.error.rule ? m.error.rule : "?",
			m.error.offset);
	assert_int_equal(rc, 0);
	rc = sp_tsx_input(f->l, &m, src, owner);
	sp_msg_free(&m);
	free(buf);
	return rc;
}

/* An address "ip:port" for tests. */
static inline struct sp_tsx_dest tf_dest(enum sp_transport tp, const char *addr)
{
	struct sp_tsx_dest d = { .tp = tp };
	assert_int_equal(sp_sa_parse(&d.addr, sp_str_c(addr), 5060), 0);
	return d;
}

/* Send times of sends [from, nsent) must be exactly want[0..n). */
static inline void tf_expect_times(struct tf *f, unsigned from, const sp_msec *want, unsigned n)
{
	if (f->nsent - from != n) {
		fprintf(stderr, "sends:");
		for (unsigned i = from; i < f->nsent; i++)
			fprintf(stderr, " %lld", (long long)f->sent[i].at);
		fprintf(stderr, "\n");
	}
	assert_int_equal(f->nsent - from, n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(f->sent[from + i].at, want[i]);
}

/* Parses send i into *m (its bytes stay owned by f). */
static inline void tf_parse_sent(struct tf *f, unsigned i, struct sp_msg *m)
{
	assert_true(i < f->nsent);
	assert_int_equal(sp_msg_parse(m, f->sent[i].buf, f->sent[i].len), 0);
	assert_int_equal(m->consumed, f->sent[i].len);
}

/* The status code of send i (0 for a request). */
static inline unsigned tf_sent_status(struct tf *f, unsigned i)
{
	struct sp_msg m;
	tf_parse_sent(f, i, &m);
	unsigned st = m.request ? 0 : m.status;
	sp_msg_free(&m);
	return st;
}

#endif
