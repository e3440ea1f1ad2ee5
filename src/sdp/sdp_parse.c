/*
 * SDP parser (RFC 8866 §5, grammar §9). One pass over the lines; every
 * field becomes a slice of the input, numbers are converted, every a= line
 * is kept as name and value. Counts are bounded by the SP_SDP_MAX_*
 * limits; nothing is allocated and no byte outside the input is read.
 */
#include <string.h>

#include "sdp_int.h"

struct pstate {
	struct sp_sdp *sdp;
	struct sp_sdp_media *m; /* current media section, NULL at session level */
	struct sp_parse_error *err;
	bool seen_o, seen_s;
};

/* Single-valued field: present twice is an error. */
static int once(struct sp_str *slot, struct sp_str v, const char *line, struct pstate *st,
		const char *rule)
{
	if (slot->p)
		return sp__sdp_fail(st->err, line, rule);
	*slot = v;
	return 0;
}

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype>
 * <unicast-address> (RFC 8866 §5.2). */
static int parse_origin(struct sp_sdp_origin *o, struct sp_str v, struct sp_parse_error *err)
{
	const char *p = v.p, *end = v.p + v.len;
	struct sp_str f;
	o->username = sp__sdp_field(&p, end);
	if (!o->username.len)
		return sp__sdp_fail(err, o->username.p, "o= username");
	f = sp__sdp_field(&p, end);
	if (!sp__sdp_num(f, UINT64_MAX, &o->sess_id))
		return sp__sdp_fail(err, f.p, "o= sess-id");
	f = sp__sdp_field(&p, end);
	if (!sp__sdp_num(f, UINT64_MAX, &o->sess_version))
		return sp__sdp_fail(err, f.p, "o= sess-version");
	o->nettype = sp__sdp_field(&p, end);
	if (!sp__sdp_is_token(o->nettype))
		return sp__sdp_fail(err, o->nettype.p, "o= nettype");
	o->addrtype = sp__sdp_field(&p, end);
	if (!sp__sdp_is_token(o->addrtype))
		return sp__sdp_fail(err, o->addrtype.p, "o= addrtype");
	o->addr = sp__sdp_field(&p, end);
	if (!o->addr.len)
		return sp__sdp_fail(err, o->addr.p, "o= unicast-address");
	f = sp__sdp_field(&p, end);
	if (f.len)
		return sp__sdp_fail(err, f.p, "o= (extra field)");
	return 0;
}

/* b=<bwtype>:<bandwidth> (RFC 8866 §5.8). */
static int parse_bw(struct sp_sdp_bw *bw, unsigned *n, struct sp_str v, const char *line,
		    struct sp_parse_error *err)
{
	ptrdiff_t colon = sp_str_chr(v, ':');
	if (*n >= SP_SDP_MAX_BW)
		return sp__sdp_big(err, line, "b= (too many)");
	if (colon < 0)
		return sp__sdp_fail(err, v.p + v.len, "b= bwtype");
	struct sp_sdp_bw *b = &bw[*n];
	b->type = (struct sp_str){v.p, (size_t)colon};
	if (!sp__sdp_is_token(b->type))
		return sp__sdp_fail(err, v.p, "b= bwtype");
	struct sp_str num = {v.p + colon + 1, v.len - (size_t)colon - 1};
	if (!sp__sdp_num(num, UINT64_MAX, &b->value))
		return sp__sdp_fail(err, num.p, "b= bandwidth");
	(*n)++;
	return 0;
}

/* t=<start-time> <stop-time> (RFC 8866 §5.9). */
static int parse_time(struct sp_sdp *sdp, struct sp_str v, const char *line,
		      struct sp_parse_error *err)
{
	const char *p = v.p, *end = v.p + v.len;
	if (sdp->ntime >= SP_SDP_MAX_TIME)
		return sp__sdp_big(err, line, "t= (too many)");
	struct sp_sdp_time *t = &sdp->time[sdp->ntime];
	struct sp_str f = sp__sdp_field(&p, end);
	if (!sp__sdp_num(f, UINT64_MAX, &t->start))
		return sp__sdp_fail(err, f.p, "t= start-time");
	f = sp__sdp_field(&p, end);
	if (!sp__sdp_num(f, UINT64_MAX, &t->stop))
		return sp__sdp_fail(err, f.p, "t= stop-time");
	f = sp__sdp_field(&p, end);
	if (f.len)
		return sp__sdp_fail(err, f.p, "t= (extra field)");
	sdp->ntime++;
	return 0;
}

/* a=<attribute-name>[:<attribute-value>] (RFC 8866 §5.13). */
static int parse_attr(struct sp_sdp_attr *attr, unsigned *n, struct sp_str v, const char *line,
		      struct sp_parse_error *err)
{
	if (*n >= SP_SDP_MAX_ATTR)
		return sp__sdp_big(err, line, "a= (too many)");
	struct sp_sdp_attr *a = &attr[*n];
	ptrdiff_t colon = sp_str_chr(v, ':');
	if (colon < 0) {
		a->name = v;
		a->value = SP_STR_NULL;
	} else {
		a->name = (struct sp_str){v.p, (size_t)colon};
		a->value = (struct sp_str){v.p + colon + 1, v.len - (size_t)colon - 1};
	}
	if (!sp__sdp_is_token(a->name))
		return sp__sdp_fail(err, v.p, "a= attribute-name");
	(*n)++;
	return 0;
}

/* proto = token *("/" token) (RFC 8866 §9). */
static bool proto_valid(struct sp_str s)
{
	const char *p = s.p, *end = s.p + s.len;
	for (;;) {
		const char *t = p;
		while (p < end && *p != '/')
			p++;
		if (!sp__sdp_is_token(sp_str_span(t, p)))
			return false;
		if (p == end)
			return true;
		p++;
	}
}

/* m=<media> <port>[/<number of ports>] <proto> <fmt> ... (RFC 8866 §5.14). */
static int parse_media(struct sp_sdp_media *m, struct sp_str v, struct sp_parse_error *err)
{
	const char *p = v.p, *end = v.p + v.len;
	uint64_t n;
	m->type = sp__sdp_field(&p, end);
	if (!sp__sdp_is_token(m->type))
		return sp__sdp_fail(err, m->type.p, "m= media");
	struct sp_str port = sp__sdp_field(&p, end);
	ptrdiff_t slash = sp_str_chr(port, '/');
	if (slash >= 0) {
		struct sp_str np = {port.p + slash + 1, port.len - (size_t)slash - 1};
		if (!sp__sdp_num(np, 65535, &n) || n == 0)
			return sp__sdp_fail(err, np.p, "m= number of ports");
		m->nports = (unsigned)n;
		port.len = (size_t)slash;
	}
	if (!sp__sdp_num(port, 65535, &n))
		return sp__sdp_fail(err, port.p, "m= port");
	m->port = (uint16_t)n;
	m->proto = sp__sdp_field(&p, end);
	if (!proto_valid(m->proto))
		return sp__sdp_fail(err, m->proto.p, "m= proto");
	for (;;) {
		struct sp_str f = sp__sdp_field(&p, end);
		if (!f.len)
			break;
		if (m->nfmt >= SP_SDP_MAX_FMT)
			return sp__sdp_big(err, f.p, "m= fmt (too many)");
		if (!sp__sdp_is_token(f))
			return sp__sdp_fail(err, f.p, "m= fmt");
		m->fmt[m->nfmt++] = f;
	}
	/* 1*(SP fmt); a rejected stream (port 0) without formats is
	 * accepted, as some agents send one. */
	if (!m->nfmt && m->port)
		return sp__sdp_fail(err, end, "m= fmt");
	return 0;
}

/* A line of the session section, after v=. */
static int session_line(struct pstate *st, char type, struct sp_str v, const char *line)
{
	struct sp_sdp *sdp = st->sdp;
	struct sp_parse_error *err = st->err;
	switch (type) {
	case 'o':
		if (st->seen_o)
			return sp__sdp_fail(err, line, "o= (duplicate)");
		st->seen_o = true;
		return parse_origin(&sdp->origin, v, err);
	case 's':
		if (st->seen_s)
			return sp__sdp_fail(err, line, "s= (duplicate)");
		st->seen_s = true;
		sdp->name = v;
		return 0;
	case 'i':
		return once(&sdp->info, v, line, st, "i= (duplicate)");
	case 'u':
		if (!v.len)
			return sp__sdp_fail(err, v.p, "u= uri");
		return once(&sdp->uri, v, line, st, "u= (duplicate)");
	case 'e':
		if (sdp->nemail >= SP_SDP_MAX_CONTACT)
			return sp__sdp_big(err, line, "e= (too many)");
		if (!v.len)
			return sp__sdp_fail(err, v.p, "e= email-address");
		sdp->email[sdp->nemail++] = v;
		return 0;
	case 'p':
		if (sdp->nphone >= SP_SDP_MAX_CONTACT)
			return sp__sdp_big(err, line, "p= (too many)");
		if (!v.len)
			return sp__sdp_fail(err, v.p, "p= phone-number");
		sdp->phone[sdp->nphone++] = v;
		return 0;
	case 'c':
		if (sdp->conn.nettype.p)
			return sp__sdp_fail(err, line, "c= (duplicate)");
		return sp__sdp_conn_parse(&sdp->conn, v.p, v.p + v.len, err);
	case 'b':
		return parse_bw(sdp->bw, &sdp->nbw, v, line, err);
	case 't':
		return parse_time(sdp, v, line, err);
	case 'r': {
		/* repeat-field follows its time-field (RFC 8866 §5.10). */
		if (!sdp->ntime)
			return sp__sdp_fail(err, line, "r= (without t=)");
		struct sp_sdp_time *t = &sdp->time[sdp->ntime - 1];
		if (t->nrepeat >= SP_SDP_MAX_REPEAT)
			return sp__sdp_big(err, line, "r= (too many)");
		if (!v.len)
			return sp__sdp_fail(err, v.p, "r= repeat-interval");
		t->repeat[t->nrepeat++] = v;
		return 0;
	}
	case 'z':
		if (!v.len)
			return sp__sdp_fail(err, v.p, "z= time");
		return once(&sdp->zone, v, line, st, "z= (duplicate)");
	case 'k':
		return once(&sdp->key, v, line, st, "k= (duplicate)");
	case 'a':
		return parse_attr(sdp->attr, &sdp->nattr, v, line, err);
	case 'v':
		return sp__sdp_fail(err, line, "v= (duplicate)");
	default:
		break;
	}
	sdp->nignored++;
	return 0;
}

/* A line of a media section (RFC 8866 §5: media-description). */
static int media_line(struct pstate *st, char type, struct sp_str v, const char *line)
{
	struct sp_sdp_media *m = st->m;
	struct sp_parse_error *err = st->err;
	switch (type) {
	case 'i':
		return once(&m->info, v, line, st, "i= (duplicate)");
	case 'c':
		/* RFC 8866 §5.7 allows several c= lines in a media section
		 * (layered multicast); a softphone needs one. */
		if (m->conn.nettype.p)
			return sp__sdp_big(err, line, "c= (more than one in a media section)");
		return sp__sdp_conn_parse(&m->conn, v.p, v.p + v.len, err);
	case 'b':
		return parse_bw(m->bw, &m->nbw, v, line, err);
	case 'k':
		return once(&m->key, v, line, st, "k= (duplicate)");
	case 'a':
		return parse_attr(m->attr, &m->nattr, v, line, err);
	case 'v':
	case 'o':
	case 's':
	case 'u':
	case 'e':
	case 'p':
	case 't':
	case 'r':
	case 'z':
		return sp__sdp_fail(err, line, "session-level line in a media description");
	default:
		break;
	}
	st->sdp->nignored++;
	return 0;
}

int sp_sdp_parse(struct sp_sdp *sdp, const char *buf, size_t len, struct sp_parse_error *err)
{
	const char *p = buf, *end = buf + len;
	struct pstate st = {.sdp = sdp, .err = err};
	bool seen_v = false;
	int rc;

	memset(sdp, 0, sizeof(*sdp));
	while (p < end) {
		const char *line = p, *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		p = nl ? nl + 1 : end;
		/* CRLF or a bare LF (RFC 8866 §5: liberal in what we accept). */
		if (le > line && le[-1] == '\r')
			le--;
		if (le == line) {
			/* An empty line ends the description: only CR and LF
			 * may follow (a SIP body often ends with one more). */
			for (const char *q = line; q < end; q++)
				if (*q != '\r' && *q != '\n')
					return sp__sdp_fail(err, q, "empty line");
			break;
		}
		/* text = byte-string: no NUL, CR or LF inside (RFC 8866 §9). */
		for (const char *q = line; q < le; q++)
			if (*q == '\0' || *q == '\r')
				return sp__sdp_fail(err, q, "byte-string");
		if (le - line < 2 || line[1] != '=')
			return sp__sdp_fail(err, line, "<type>=<value>");
		char type = line[0];
		struct sp_str v = sp_str_span(line + 2, le);
		if (!seen_v) {
			/* RFC 8866 §5.1: v=0 comes first. */
			if (type != 'v')
				return sp__sdp_fail(err, line, "v= (first line)");
			if (!sp_str_eq(v, SP_STR("0")))
				return sp__sdp_fail(err, v.p, "v= version 0");
			seen_v = true;
			continue;
		}
		if (!sp_is((unsigned char)type, SP_C_ALPHA))
			return sp__sdp_fail(err, line, "<type>");
		if (type == 'm') {
			if (sdp->nmedia >= SP_SDP_MAX_MEDIA)
				return sp__sdp_big(err, line, "m= (too many)");
			st.m = &sdp->media[sdp->nmedia++];
			rc = parse_media(st.m, v, err);
		} else if (st.m) {
			rc = media_line(&st, type, v, line);
		} else {
			rc = session_line(&st, type, v, line);
		}
		if (rc)
			return rc;
	}
	if (!seen_v)
		return sp__sdp_fail(err, buf, "v= (first line)");
	/* RFC 8866 §5: o=, s= and at least one t= are required. */
	if (!st.seen_o)
		return sp__sdp_fail(err, end, "o= (missing)");
	if (!st.seen_s)
		return sp__sdp_fail(err, end, "s= (missing)");
	if (!sdp->ntime)
		return sp__sdp_fail(err, end, "t= (missing)");
	return 0;
}
