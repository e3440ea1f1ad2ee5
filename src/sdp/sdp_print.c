/*
 * SDP printer: writes a struct sp_sdp in the order of RFC 8866 §5 with
 * CRLF line endings. Used for descriptions parsed and then edited, and for
 * those that offer/answer fills in from scratch.
 */
#include <string.h>

#include "sdp_int.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))

static void line_start(struct sp_wbuf *w, char type)
{
	char h[2] = {type, '='};
	sp_wbuf_put(w, h, 2);
}

static void eol(struct sp_wbuf *w)
{
	sp_wbuf_put(w, "\r\n", 2);
}

static void text_line(struct sp_wbuf *w, char type, struct sp_str v)
{
	if (!v.p)
		return;
	line_start(w, type);
	sp_wbuf_str(w, v);
	eol(w);
}

/* c= uses addr as written when set, else host with "/ttl" and "/num". */
static void conn_line(struct sp_wbuf *w, const struct sp_sdp_conn *c)
{
	if (!c->nettype.p)
		return;
	line_start(w, 'c');
	sp_wbuf_str(w, c->nettype);
	sp_wbuf_put(w, " ", 1);
	sp_wbuf_str(w, c->addrtype);
	sp_wbuf_put(w, " ", 1);
	if (c->addr.p) {
		sp_wbuf_str(w, c->addr);
	} else {
		sp_wbuf_str(w, c->host);
		if (c->ttl) {
			sp_wbuf_put(w, "/", 1);
			sp_wbuf_u64(w, c->ttl);
		}
		if (c->num) {
			sp_wbuf_put(w, "/", 1);
			sp_wbuf_u64(w, c->num);
		}
	}
	eol(w);
}

static void bw_lines(struct sp_wbuf *w, const struct sp_sdp_bw *bw, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		line_start(w, 'b');
		sp_wbuf_str(w, bw[i].type);
		sp_wbuf_put(w, ":", 1);
		sp_wbuf_u64(w, bw[i].value);
		eol(w);
	}
}

static void attr_lines(struct sp_wbuf *w, const struct sp_sdp_attr *attr, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		line_start(w, 'a');
		sp_wbuf_str(w, attr[i].name);
		if (attr[i].value.p) {
			sp_wbuf_put(w, ":", 1);
			sp_wbuf_str(w, attr[i].value);
		}
		eol(w);
	}
}

static void media(struct sp_wbuf *w, const struct sp_sdp_media *m)
{
	line_start(w, 'm');
	sp_wbuf_str(w, m->type);
	sp_wbuf_put(w, " ", 1);
	sp_wbuf_u64(w, m->port);
	if (m->nports) {
		sp_wbuf_put(w, "/", 1);
		sp_wbuf_u64(w, m->nports);
	}
	sp_wbuf_put(w, " ", 1);
	sp_wbuf_str(w, m->proto);
	for (unsigned i = 0; i < m->nfmt && i < SP_SDP_MAX_FMT; i++) {
		sp_wbuf_put(w, " ", 1);
		sp_wbuf_str(w, m->fmt[i]);
	}
	eol(w);
	text_line(w, 'i', m->info);
	conn_line(w, &m->conn);
	bw_lines(w, m->bw, MIN(m->nbw, SP_SDP_MAX_BW));
	text_line(w, 'k', m->key);
	attr_lines(w, m->attr, MIN(m->nattr, SP_SDP_MAX_ATTR));
}

int sp_sdp_print(const struct sp_sdp *sdp, char *buf, size_t cap, size_t *len)
{
	struct sp_wbuf w = {.p = buf, .cap = cap};
	const struct sp_sdp_origin *o = &sdp->origin;
	*len = 0;
	if (!o->username.len || !sdp->ntime)
		return -EINVAL;

	sp_wbuf_cstr(&w, "v=0\r\n");
	line_start(&w, 'o');
	sp_wbuf_str(&w, o->username);
	sp_wbuf_put(&w, " ", 1);
	sp_wbuf_u64(&w, o->sess_id);
	sp_wbuf_put(&w, " ", 1);
	sp_wbuf_u64(&w, o->sess_version);
	sp_wbuf_put(&w, " ", 1);
	sp_wbuf_str(&w, o->nettype);
	sp_wbuf_put(&w, " ", 1);
	sp_wbuf_str(&w, o->addrtype);
	sp_wbuf_put(&w, " ", 1);
	sp_wbuf_str(&w, o->addr);
	eol(&w);
	/* s= is required; "-" stands for no name (RFC 8866 §5.3). */
	text_line(&w, 's', sdp->name.p ? sdp->name : SP_STR("-"));
	text_line(&w, 'i', sdp->info);
	text_line(&w, 'u', sdp->uri);
	for (unsigned i = 0; i < MIN(sdp->nemail, SP_SDP_MAX_CONTACT); i++)
		text_line(&w, 'e', sdp->email[i]);
	for (unsigned i = 0; i < MIN(sdp->nphone, SP_SDP_MAX_CONTACT); i++)
		text_line(&w, 'p', sdp->phone[i]);
	conn_line(&w, &sdp->conn);
	bw_lines(&w, sdp->bw, MIN(sdp->nbw, SP_SDP_MAX_BW));
	for (unsigned i = 0; i < MIN(sdp->ntime, SP_SDP_MAX_TIME); i++) {
		const struct sp_sdp_time *t = &sdp->time[i];
		line_start(&w, 't');
		sp_wbuf_u64(&w, t->start);
		sp_wbuf_put(&w, " ", 1);
		sp_wbuf_u64(&w, t->stop);
		eol(&w);
		for (unsigned r = 0; r < MIN(t->nrepeat, SP_SDP_MAX_REPEAT); r++)
			text_line(&w, 'r', t->repeat[r]);
	}
	text_line(&w, 'z', sdp->zone);
	text_line(&w, 'k', sdp->key);
	attr_lines(&w, sdp->attr, MIN(sdp->nattr, SP_SDP_MAX_ATTR));
	for (unsigned i = 0; i < MIN(sdp->nmedia, SP_SDP_MAX_MEDIA); i++)
		media(&w, &sdp->media[i]);
	if (w.overflow)
		return -ENOSPC;
	*len = w.len;
	return 0;
}
