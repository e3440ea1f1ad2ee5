/*
 * Offer/answer session state (RFC 3264): local capabilities, the origin
 * line and its version (§8), hold and resume (§8.4), and offers (§5, §8).
 * Answers are in sdp_answer.c, processing answers in sdp_negotiate.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "oa_int.h"
#include "siphon/mem.h"

void sp_sdp_caps_default(struct sp_sdp_caps *caps, const char *addr, uint16_t port)
{
	memset(caps, 0, sizeof(*caps));
	caps->addr = addr;
	caps->port[0] = port;
	caps->nport = 1;
	caps->codec[0] = (struct sp_sdp_codec){.name = "PCMU", .pt = 0, .clock = 8000};
	caps->codec[1] = (struct sp_sdp_codec){.name = "PCMA", .pt = 8, .clock = 8000};
	caps->ncodec = 2;
	caps->dtmf_pt = 101;
	caps->dtmf48_pt = -1;
	caps->ptime = 20;
}

void sp_sdp_oa_init(struct sp_sdp_oa *oa, const struct sp_sdp_caps *caps, uint64_t sess_id)
{
	memset(oa, 0, sizeof(*oa));
	oa->caps = *caps;
	if (oa->caps.nport > SP_SDP_MAX_STREAMS)
		oa->caps.nport = SP_SDP_MAX_STREAMS;
	if (oa->caps.ncodec > SP_SDP_MAX_CODECS)
		oa->caps.ncodec = SP_SDP_MAX_CODECS;
	oa->sess_id = sess_id;
	oa->sess_version = sess_id;
	oa->dir = SP_SDP_SENDRECV;
	oa->state = SP_SDP_OA_IDLE;
}

void sp_sdp_oa_set_dir(struct sp_sdp_oa *oa, enum sp_sdp_dir dir)
{
	oa->dir = dir;
}

void sp_sdp_oa_cancel(struct sp_sdp_oa *oa)
{
	oa->state = SP_SDP_OA_IDLE;
}

/* ---- building descriptions ------------------------------------------------------------ */

struct sp__sdp_build *sp__sdp_build_new(void)
{
	struct sp__sdp_build *b = sp_malloc(sizeof(*b));
	if (b)
		memset(b, 0, sizeof(*b));
	return b;
}

struct sp_str sp__sdp_text(struct sp__sdp_build *b, const char *fmt, ...)
{
	size_t room = sizeof(b->text) - b->used;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->text + b->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		b->full = true;
		return SP_STR("");
	}
	struct sp_str s = {b->text + b->used, (size_t)n};
	b->used += (size_t)n;
	return s;
}

void sp__sdp_add_attr(struct sp__sdp_build *b, struct sp_sdp_media *m, const char *name,
		      struct sp_str value)
{
	if (m->nattr >= SP_SDP_MAX_ATTR) {
		b->full = true;
		return;
	}
	m->attr[m->nattr++] = (struct sp_sdp_attr){sp_str_c(name), value};
}

void sp__sdp_add_fmt(struct sp__sdp_build *b, struct sp_sdp_media *m, struct sp_str fmt)
{
	if (m->nfmt >= SP_SDP_MAX_FMT) {
		b->full = true;
		return;
	}
	m->fmt[m->nfmt++] = fmt;
}

static bool is_ip6(const char *addr)
{
	return addr && strchr(addr, ':') != NULL;
}

void sp__sdp_build_session(struct sp__sdp_build *b, const struct sp_sdp_oa *oa, uint64_t version,
			   uint64_t start, uint64_t stop)
{
	struct sp_sdp *d = &b->sdp;
	struct sp_str atype = is_ip6(oa->caps.addr) ? SP_STR("IP6") : SP_STR("IP4");
	d->origin = (struct sp_sdp_origin){
	    .username = oa->caps.user && *oa->caps.user ? sp_str_c(oa->caps.user) : SP_STR("-"),
	    .sess_id = oa->sess_id,
	    .sess_version = version,
	    .nettype = SP_STR("IN"),
	    .addrtype = atype,
	    .addr = sp_str_c(oa->caps.addr),
	};
	d->name = SP_STR("-");
	d->conn.nettype = SP_STR("IN");
	d->conn.addrtype = atype;
	d->conn.addr = sp_str_c(oa->caps.addr);
	d->conn.host = d->conn.addr;
	d->conn.type = is_ip6(oa->caps.addr) ? SP_SDP_IP6 : SP_SDP_IP4;
	d->conn.literal = true;
	d->time[0].start = start;
	d->time[0].stop = stop;
	d->ntime = 1;
}

uint64_t sp__sdp_next_version(const struct sp_sdp_oa *oa)
{
	return oa->described ? oa->sess_version + 1 : oa->sess_version;
}

void sp__sdp_commit_version(struct sp_sdp_oa *oa, uint64_t version)
{
	oa->sess_version = version;
	oa->described = true;
}

int sp__sdp_build_print(struct sp__sdp_build *b, char *buf, size_t cap, size_t *len)
{
	if (b->full)
		return -E2BIG;
	return sp_sdp_print(&b->sdp, buf, cap, len);
}

bool sp__sdp_codec_match(const struct sp_sdp_codec *c, const struct sp_sdp_rtpmap *r)
{
	unsigned ch = c->channels ? c->channels : 1;
	return sp_str_caseeq_c(r->encoding, c->name) && r->clock == c->clock && r->channels == ch;
}

uint32_t sp__sdp_dtmf_clock(const struct sp_sdp_rtpmap *r)
{
	if (!sp_str_caseeq_c(r->encoding, "telephone-event"))
		return 0;
	return r->clock == 8000 || r->clock == 48000 ? r->clock : 0;
}

void sp__sdp_add_dtmfs(struct sp__sdp_build *b, struct sp_sdp_media *m, const uint32_t *clocks,
		       unsigned n, int dtmf8, int dtmf48)
{
	for (unsigned i = 0; i < n; i++) {
		int pt = clocks[i] == 8000 ? dtmf8 : clocks[i] == 48000 ? dtmf48 : -1;
		if (pt < 0)
			continue;
		/* RFC 4733 §7.1.1: telephone-event/<clock> with its events. */
		sp__sdp_add_fmt(b, m, sp__sdp_text(b, "%d", pt));
		sp__sdp_add_attr(b, m, "rtpmap",
				 sp__sdp_text(b, "%d telephone-event/%u", pt, (unsigned)clocks[i]));
		sp__sdp_add_attr(b, m, "fmtp", sp__sdp_text(b, "%d " SP__SDP_DTMF_EVENTS, pt));
		if (clocks[i] == 8000)
			dtmf8 = -1; /* once */
		else
			dtmf48 = -1;
	}
}

/* ---- offers ------------------------------------------------------------------------- */

/* The m= section of one of our audio streams with payload types pt[]
 * (per caps codec) and dtmf_pt, in direction dir (RFC 3264 §5.1). */
static void audio_media(struct sp__sdp_build *b, const struct sp_sdp_oa *oa,
			const struct sp_sdp_oa_mline *ml, enum sp_sdp_dir dir)
{
	const struct sp_sdp_caps *c = &oa->caps;
	struct sp_sdp_media *m = &b->sdp.media[b->sdp.nmedia++];
	m->type = SP_STR("audio");
	m->port = ml->port;
	m->proto = SP_STR("RTP/AVP");
	for (unsigned i = 0; i < c->ncodec; i++) {
		const struct sp_sdp_codec *k = &c->codec[i];
		sp__sdp_add_fmt(b, m, sp__sdp_text(b, "%u", ml->pt[i]));
		/* rtpmap for static types too (RFC 3264 §5.1 SHOULD). */
		if (k->channels > 1)
			sp__sdp_add_attr(b, m, "rtpmap",
					 sp__sdp_text(b, "%u %s/%u/%u", ml->pt[i], k->name,
						      (unsigned)k->clock, (unsigned)k->channels));
		else
			sp__sdp_add_attr(
			    b, m, "rtpmap",
			    sp__sdp_text(b, "%u %s/%u", ml->pt[i], k->name, (unsigned)k->clock));
		if (k->fmtp)
			sp__sdp_add_attr(b, m, "fmtp",
					 sp__sdp_text(b, "%u %s", ml->pt[i], k->fmtp));
	}
	uint32_t clocks[SP_SDP_MAX_CODECS];
	for (unsigned i = 0; i < c->ncodec; i++)
		clocks[i] = c->codec[i].clock;
	sp__sdp_add_dtmfs(b, m, clocks, c->ncodec, ml->dtmf_pt, ml->dtmf48_pt);
	if (c->ptime)
		sp__sdp_add_attr(b, m, "ptime", sp__sdp_text(b, "%u", c->ptime));
	if (c->rtcp_mux)
		sp__sdp_add_attr(b, m, "rtcp-mux", SP_STR_NULL);
	sp__sdp_add_attr(b, m, sp_sdp_dir_name(dir), SP_STR_NULL);
}

/* A disabled stream: "m=<media> 0 <proto> <fmt>" (RFC 3264 §8.2). */
static void disabled_media(struct sp__sdp_build *b, const struct sp_sdp_oa_mline *ml)
{
	struct sp_sdp_media *m = &b->sdp.media[b->sdp.nmedia++];
	m->type = sp_str_c(ml->media);
	m->port = 0;
	m->proto = sp_str_c(ml->proto);
	sp__sdp_add_fmt(b, m, sp_str_c(ml->fmt[0] ? ml->fmt : "0"));
}

void sp__sdp_mline_audio(struct sp_sdp_oa_mline *ml, const struct sp_sdp_caps *c, uint16_t port)
{
	memset(ml, 0, sizeof(*ml));
	strcpy(ml->media, "audio");
	strcpy(ml->proto, "RTP/AVP");
	ml->port = port;
	ml->audio = true;
	for (unsigned i = 0; i < c->ncodec; i++)
		ml->pt[i] = c->codec[i].pt;
	ml->dtmf_pt = c->dtmf_pt;
	ml->dtmf48_pt = c->dtmf48_pt;
	snprintf(ml->fmt, sizeof(ml->fmt), "%u", c->ncodec ? c->codec[0].pt : 0);
}

int sp_sdp_oa_offer(struct sp_sdp_oa *oa, char *buf, size_t cap, size_t *len)
{
	const struct sp_sdp_caps *c = &oa->caps;
	struct sp_sdp_oa_mline first[SP_SDP_MAX_STREAMS];
	const struct sp_sdp_oa_mline *ml = oa->mline;
	unsigned nml = oa->nmline;
	int rc;

	*len = 0;
	if (oa->state == SP_SDP_OA_OFFER_SENT)
		return -EBUSY;
	if (!c->addr || !*c->addr || !c->nport || !c->ncodec)
		return -EINVAL;
	if (!nml) {
		/* Initial offer: one audio stream per port (RFC 3264 §5). */
		for (unsigned i = 0; i < c->nport; i++)
			sp__sdp_mline_audio(&first[i], c, c->port[i]);
		ml = first;
		nml = c->nport;
	}
	struct sp__sdp_build *b = sp__sdp_build_new();
	if (!b)
		return -ENOMEM;
	uint64_t version = sp__sdp_next_version(oa);
	sp__sdp_build_session(b, oa, version, 0, 0);
	for (unsigned i = 0; i < nml; i++) {
		if (ml[i].audio && ml[i].port)
			audio_media(b, oa, &ml[i], oa->dir);
		else
			disabled_media(b, &ml[i]);
	}
	rc = sp__sdp_build_print(b, buf, cap, len);
	sp_free(b);
	if (rc)
		return rc;
	if (ml == first) {
		memcpy(oa->mline, first, nml * sizeof(first[0]));
		oa->nmline = nml;
	}
	sp__sdp_commit_version(oa, version);
	oa->offered_dir = oa->dir;
	oa->state = SP_SDP_OA_OFFER_SENT;
	return 0;
}
