/*
 * SDP printer: writes a struct sp_sdp in the order of RFC 8866 §5 with
 * CRLF line endings. Used for descriptions parsed and then edited, and for
 * those that offer/answer fills in from scratch.
 */
#include <string.h>

#include "sdp_int.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))

static void line_start(struct sp__sdp_w *w, char type)
{
	char h[2] = {type, '='};
	sp__sdp_put(w, h, 2);
}

static void eol(struct sp__sdp_w *w)
{
	sp__sdp_put(w, "\r\n", 2);
}

static void text_line(struct sp__sdp_w *w, char type, struct sp_str v)
{
	if (!v.p)
		return;
	line_start(w, type);
	sp__sdp_putstr(w, v);
	eol(w);
}

/* c= uses addr as written when set, else host with "/ttl" and "/num". */
static void conn_line(struct sp__sdp_w *w, const struct sp_sdp_conn *c)
{
	if (!c->nettype.p)
		return;
	line_start(w, 'c');
	sp__sdp_putstr(w, c->nettype);
	sp__sdp_put(w, " ", 1);
	sp__sdp_putstr(w, c->addrtype);
	sp__sdp_put(w, " ", 1);
	if (c->addr.p) {
		sp__sdp_putstr(w, c->addr);
	} else {
		sp__sdp_putstr(w, c->host);
		if (c->ttl) {
			sp__sdp_put(w, "/", 1);
			sp__sdp_putu(w, c->ttl);
		}
		if (c->num) {
			sp__sdp_put(w, "/", 1);
			sp__sdp_putu(w, c->num);
		}
	}
	eol(w);
}

static void bw_lines(struct sp__sdp_w *w, const struct sp_sdp_bw *bw, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		line_start(w, 'b');
		sp__sdp_putstr(w, bw[i].type);
		sp__sdp_put(w, ":", 1);
		sp__sdp_putu(w, bw[i].value);
		eol(w);
	}
}

static void attr_lines(struct sp__sdp_w *w, const struct sp_sdp_attr *attr, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		line_start(w, 'a');
		sp__sdp_putstr(w, attr[i].name);
		if (attr[i].value.p) {
			sp__sdp_put(w, ":", 1);
			sp__sdp_putstr(w, attr[i].value);
		}
		eol(w);
	}
}

static void media(struct sp__sdp_w *w, const struct sp_sdp_media *m)
{
	line_start(w, 'm');
	sp__sdp_putstr(w, m->type);
	sp__sdp_put(w, " ", 1);
	sp__sdp_putu(w, m->port);
	if (m->nports) {
		sp__sdp_put(w, "/", 1);
		sp__sdp_putu(w, m->nports);
	}
	sp__sdp_put(w, " ", 1);
	sp__sdp_putstr(w, m->proto);
	for (unsigned i = 0; i < m->nfmt && i < SP_SDP_MAX_FMT; i++) {
		sp__sdp_put(w, " ", 1);
		sp__sdp_putstr(w, m->fmt[i]);
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
	struct sp__sdp_w w = {.p = buf, .cap = cap};
	const struct sp_sdp_origin *o = &sdp->origin;
	*len = 0;
	if (!o->username.len || !sdp->ntime)
		return -EINVAL;

	sp__sdp_puts(&w, "v=0\r\n");
	line_start(&w, 'o');
	sp__sdp_putstr(&w, o->username);
	sp__sdp_put(&w, " ", 1);
	sp__sdp_putu(&w, o->sess_id);
	sp__sdp_put(&w, " ", 1);
	sp__sdp_putu(&w, o->sess_version);
	sp__sdp_put(&w, " ", 1);
	sp__sdp_putstr(&w, o->nettype);
	sp__sdp_put(&w, " ", 1);
	sp__sdp_putstr(&w, o->addrtype);
	sp__sdp_put(&w, " ", 1);
	sp__sdp_putstr(&w, o->addr);
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
		sp__sdp_putu(&w, t->start);
		sp__sdp_put(&w, " ", 1);
		sp__sdp_putu(&w, t->stop);
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
