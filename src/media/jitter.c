/*
 * Adaptive jitter buffer (see jitter.h for the policy). Frames are kept
 * by extended (64-bit, unwrapped) RTP timestamp in a small slot array;
 * playout walks that timestamp forward one frame per get(). The delay is
 * measured against the fastest transit seen in the window (RFC 3550
 * §6.4.1 defines jitter from the same transit differences), so a clock
 * offset between sender and receiver does not matter.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "siphon/jitter.h"
#include "siphon/mem.h"

#define SLOTS 128        /* frames held; > max delay + jump limit */
#define WINDOW 128       /* transit samples for the jitter estimate */
#define HISTORY 64       /* played timestamps remembered for duplicates */
#define SHRINK_TICKS 50  /* at most one shrink per 50 frames */
#define SEQ_NEAR 100     /* sequence distance of a "next" packet */

enum jb_state { JB_EMPTY, JB_BUFFERING, JB_PLAYING };

struct slot {
	bool used;
	uint64_t ext;
	uint16_t len;
	uint8_t data[SP_JB_MAX_PAYLOAD];
};

struct sp_jb {
	struct sp_jb_config cfg;
	uint32_t spf;        /* samples per frame */
	double per_ms;       /* clock units per ms */
	uint64_t jump;       /* timestamp distance that counts as a jump */
	enum jb_state state;
	bool lost_last;      /* the last get() reported a missing frame */
	bool started;        /* played at least one tick since (re)start */
	uint32_t last_ts;
	uint64_t last_ext;
	uint16_t max_seq;
	uint64_t play_ext;   /* timestamp of the next frame to play */
	unsigned empty_run;  /* consecutive ticks with an empty buffer */
	unsigned since_shrink;
	double transit[WINDOW];
	unsigned ntransit, tpos;
	uint64_t played[HISTORY];
	unsigned nplayed;
	double target;
	struct sp_jb_stats st;
	struct slot slot[SLOTS];
};

int sp_jb_create(struct sp_jb **out, const struct sp_jb_config *cfg)
{
	struct sp_jb_config c = {8000, 20, 20, 200};
	if (cfg)
		c = *cfg;
	if (c.clock_rate == 0 || c.clock_rate > 192000 || c.ptime_ms < 5 || c.ptime_ms > 100 ||
	    (c.ptime_ms * c.clock_rate) % 1000 || c.min_ms > c.max_ms || c.max_ms > 2000)
		return -EINVAL;
	struct sp_jb *jb = sp_mem_zalloc(sizeof(*jb), NULL);
	if (!jb)
		return -ENOMEM;
	jb->cfg = c;
	jb->spf = c.ptime_ms * c.clock_rate / 1000;
	jb->per_ms = c.clock_rate / 1000.0;
	/* Half the slots' span: anything further is a jump, not jitter. */
	jb->jump = (uint64_t)jb->spf * (SLOTS / 2);
	jb->target = c.min_ms;
	*out = jb;
	return 0;
}

static void reset(struct sp_jb *jb)
{
	for (int i = 0; i < SLOTS; i++)
		jb->slot[i].used = false;
	jb->ntransit = jb->tpos = 0;
	jb->nplayed = 0;
	jb->state = JB_BUFFERING;
	jb->started = false;
	jb->empty_run = 0;
	jb->target = jb->cfg.min_ms;
}

static double min_transit(const struct sp_jb *jb)
{
	double m = INFINITY;
	for (unsigned i = 0; i < jb->ntransit; i++)
		if (jb->transit[i] < m)
			m = jb->transit[i];
	return m;
}

/* Transit spread over the window: the jitter the delay must absorb. */
static double spread(const struct sp_jb *jb)
{
	double lo = INFINITY, hi = -INFINITY;
	for (unsigned i = 0; i < jb->ntransit; i++) {
		if (jb->transit[i] < lo)
			lo = jb->transit[i];
		if (jb->transit[i] > hi)
			hi = jb->transit[i];
	}
	return jb->ntransit ? hi - lo : 0.0;
}

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static bool was_played(const struct sp_jb *jb, uint64_t ext)
{
	unsigned n = jb->nplayed < HISTORY ? jb->nplayed : HISTORY;
	for (unsigned i = 0; i < n; i++)
		if (jb->played[i] == ext)
			return true;
	return false;
}

static struct slot *find(struct sp_jb *jb, uint64_t ext)
{
	for (int i = 0; i < SLOTS; i++)
		if (jb->slot[i].used && jb->slot[i].ext == ext)
			return &jb->slot[i];
	return NULL;
}

static struct slot *earliest(struct sp_jb *jb)
{
	struct slot *best = NULL;
	for (int i = 0; i < SLOTS; i++)
		if (jb->slot[i].used && (!best || jb->slot[i].ext < best->ext))
			best = &jb->slot[i];
	return best;
}

static struct slot *free_slot(struct sp_jb *jb)
{
	for (int i = 0; i < SLOTS; i++)
		if (!jb->slot[i].used)
			return &jb->slot[i];
	/* Full (cannot happen within the jump limit): reuse the oldest. */
	return earliest(jb);
}

/* One transit sample; the target grows at once when the spread does.
 * Late packets count too: they are the ones showing the delay is short. */
static void measure(struct sp_jb *jb, uint64_t ext, uint64_t arrival_ms)
{
	jb->transit[jb->tpos] = (double)arrival_ms - (double)ext / jb->per_ms;
	jb->tpos = (jb->tpos + 1) % WINDOW;
	if (jb->ntransit < WINDOW)
		jb->ntransit++;
	double need = clampd(spread(jb) + jb->cfg.ptime_ms / 2.0, jb->cfg.min_ms, jb->cfg.max_ms);
	if (need > jb->target)
		jb->target = need;
}

static void store(struct sp_jb *jb, uint64_t ext, const void *payload, size_t len,
		  uint64_t arrival_ms)
{
	struct slot *s = free_slot(jb);
	s->used = true;
	s->ext = ext;
	s->len = (uint16_t)len;
	if (len)
		memcpy(s->data, payload, len);
	measure(jb, ext, arrival_ms);
}

int sp_jb_put(struct sp_jb *jb, uint32_t ts, uint16_t seq, const void *payload, size_t len,
	      uint64_t arrival_ms)
{
	if (len > SP_JB_MAX_PAYLOAD || (len && !payload))
		return -EINVAL;
	jb->st.received++;
	if (jb->state == JB_EMPTY) {
		jb->state = JB_BUFFERING;
		jb->last_ts = ts;
		jb->last_ext = (uint64_t)ts + ((uint64_t)1 << 32); /* room below */
		jb->max_seq = seq;
		jb->play_ext = jb->last_ext;
		store(jb, jb->last_ext, payload, len, arrival_ms);
		return SP_JB_QUEUED;
	}
	/* Unwrap against the last timestamp: RTP timestamps wrap at 2^32. */
	uint64_t ext = jb->last_ext + (uint64_t)(int64_t)(int32_t)(ts - jb->last_ts);
	int16_t dseq = (int16_t)(seq - jb->max_seq);
	uint64_t dist = ext > jb->play_ext ? ext - jb->play_ext : jb->play_ext - ext;
	if (dist > jb->jump) {
		if (dseq < -SEQ_NEAR || dseq > SEQ_NEAR) {
			jb->st.stray++;
			return SP_JB_STRAY;
		}
		/* In sequence but the timestamp jumped: the sender's clock
		 * restarted. Start over from this packet. */
		reset(jb);
		jb->st.resyncs++;
		jb->last_ts = ts;
		jb->last_ext = ext = ((uint64_t)1 << 32) + ts;
		jb->max_seq = seq;
		jb->play_ext = ext;
		store(jb, ext, payload, len, arrival_ms);
		return SP_JB_RESYNCED;
	}
	if (dseq > 0)
		jb->max_seq = seq;
	if ((int32_t)(ts - jb->last_ts) > 0) {
		jb->last_ts = ts;
		jb->last_ext = ext;
	}
	if (find(jb, ext) || was_played(jb, ext)) {
		jb->st.duplicated++;
		return SP_JB_DUPLICATE;
	}
	if (ext < jb->play_ext) {
		if (jb->started) {
			measure(jb, ext, arrival_ms);
			jb->st.late++;
			return SP_JB_LATE;
		}
		jb->play_ext = ext; /* reordered before playout began */
	}
	store(jb, ext, payload, len, arrival_ms);
	return SP_JB_QUEUED;
}

static double delay_now(const struct sp_jb *jb, uint64_t now_ms)
{
	return (double)now_ms - min_transit(jb) - (double)jb->play_ext / jb->per_ms;
}

static void remember(struct sp_jb *jb, uint64_t ext)
{
	jb->played[jb->nplayed++ % HISTORY] = ext;
}

int sp_jb_get(struct sp_jb *jb, uint64_t now_ms, void *buf, size_t cap, size_t *len)
{
	*len = 0;
	jb->lost_last = false;
	if (jb->state == JB_EMPTY)
		return SP_JB_WAIT;
	if (jb->state == JB_BUFFERING) {
		struct slot *e = earliest(jb);
		if (!e)
			return SP_JB_WAIT;
		if (e->ext > jb->play_ext || !jb->started)
			jb->play_ext = e->ext; /* skip a silent gap */
		jb->st.delay_ms = delay_now(jb, now_ms);
		if (jb->st.delay_ms < jb->target)
			return SP_JB_WAIT;
		jb->state = JB_PLAYING;
		jb->started = true;
		jb->since_shrink = 0;
	}
	double ptime = jb->cfg.ptime_ms;
	/* Shrink slowly: the target decays toward what the jitter needs. */
	double need = clampd(spread(jb) + ptime / 2.0, jb->cfg.min_ms, jb->cfg.max_ms);
	if (jb->target > need)
		jb->target = jb->target - 0.5 > need ? jb->target - 0.5 : need;
	double delay = delay_now(jb, now_ms);
	jb->st.delay_ms = delay;
	jb->since_shrink++;
	if (delay + ptime / 2.0 < jb->target) {
		/* Grow: one more frame of delay, filled by concealment. */
		jb->st.concealed++;
		return SP_JB_LOST;
	}
	if (delay > jb->target + 1.5 * ptime && jb->since_shrink >= SHRINK_TICKS) {
		/* Shrink: skip this frame. */
		struct slot *s = find(jb, jb->play_ext);
		if (s) {
			s->used = false;
			remember(jb, jb->play_ext);
		}
		jb->play_ext += jb->spf;
		jb->st.dropped++;
		jb->since_shrink = 0;
	}
	struct slot *s = find(jb, jb->play_ext);
	if (!s) {
		/* A sender may shift its timestamps by less than a frame. */
		struct slot *e = earliest(jb);
		if (e && e->ext > jb->play_ext && e->ext < jb->play_ext + jb->spf) {
			jb->play_ext = e->ext;
			s = e;
		}
	}
	if (s) {
		size_t n = s->len < cap ? s->len : cap;
		if (n)
			memcpy(buf, s->data, n);
		*len = n;
		s->used = false;
		remember(jb, jb->play_ext);
		jb->play_ext += jb->spf;
		jb->empty_run = 0;
		return SP_JB_FRAME;
	}
	jb->play_ext += jb->spf;
	jb->st.concealed++;
	jb->st.lost++;
	if (earliest(jb)) {
		jb->empty_run = 0;
	} else if (++jb->empty_run * ptime >= jb->cfg.max_ms) {
		/* Nothing for a while: silence suppression, a pause or the
		 * end of the stream, not loss. Buffer afresh when packets
		 * come back. */
		jb->st.lost -= jb->empty_run;
		jb->state = JB_BUFFERING;
		jb->empty_run = 0;
		jb->st.concealed--;
		return SP_JB_WAIT;
	}
	jb->lost_last = true;
	return SP_JB_LOST;
}

bool sp_jb_peek_next(const struct sp_jb *jb, void *buf, size_t cap, size_t *len)
{
	*len = 0;
	if (!jb->lost_last)
		return false;
	/* play_ext already points past the lost frame. */
	for (int i = 0; i < SLOTS; i++) {
		const struct slot *s = &jb->slot[i];
		if (s->used && s->ext == jb->play_ext) {
			size_t n = s->len < cap ? s->len : cap;
			if (n)
				memcpy(buf, s->data, n);
			*len = n;
			return true;
		}
	}
	return false;
}

void sp_jb_stats(const struct sp_jb *jb, struct sp_jb_stats *st)
{
	*st = jb->st;
	st->target_ms = jb->target;
	st->jitter_ms = spread(jb);
}
