/*
 * Typed access to the attributes a softphone needs, read on demand from
 * the kept a= lines: direction (RFC 8866 §6.7, RFC 3264 §5.1), rtpmap and
 * the RFC 3551 static payload types, fmtp, ptime/maxptime, rtcp (RFC 3605)
 * and rtcp-mux (RFC 5761).
 */
#include <string.h>

#include "sdp_int.h"

/* Attribute count of a section, clamped for descriptions built by hand. */
static unsigned nattr(unsigned n)
{
	return n < SP_SDP_MAX_ATTR ? n : SP_SDP_MAX_ATTR;
}

static const char *const dir_names[] = {
    [SP_SDP_SENDRECV] = "sendrecv",
    [SP_SDP_SENDONLY] = "sendonly",
    [SP_SDP_RECVONLY] = "recvonly",
    [SP_SDP_INACTIVE] = "inactive",
};

const char *sp_sdp_dir_name(enum sp_sdp_dir dir)
{
	return (unsigned)dir < 4 ? dir_names[dir] : "sendrecv";
}

enum sp_sdp_dir sp_sdp_dir_reverse(enum sp_sdp_dir dir)
{
	switch (dir) {
	case SP_SDP_SENDONLY:
		return SP_SDP_RECVONLY;
	case SP_SDP_RECVONLY:
		return SP_SDP_SENDONLY;
	case SP_SDP_SENDRECV:
	case SP_SDP_INACTIVE:
		break;
	}
	return dir;
}

const struct sp_sdp_attr *sp_sdp_attr_find(const struct sp_sdp_attr *attr, unsigned n,
					   const char *name)
{
	struct sp_str want = sp_str_c(name);
	for (unsigned i = 0; i < n; i++)
		if (sp_str_eq(attr[i].name, want))
			return &attr[i];
	return NULL;
}

/* The first direction attribute among attr[0..n), or -1. */
static int find_dir(const struct sp_sdp_attr *attr, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		for (int d = 0; d < 4; d++)
			if (sp_str_eq(attr[i].name, sp_str_c(dir_names[d])))
				return d;
	return -1;
}

/* RFC 3264 §5.1: media level overrides session level; sendrecv when
 * neither says. */
enum sp_sdp_dir sp_sdp_direction(const struct sp_sdp *sdp, const struct sp_sdp_media *m)
{
	int d = m ? find_dir(m->attr, nattr(m->nattr)) : -1;
	if (d < 0)
		d = find_dir(sdp->attr, nattr(sdp->nattr));
	return d < 0 ? SP_SDP_SENDRECV : (enum sp_sdp_dir)d;
}

int sp_sdp_fmt_pt(struct sp_str fmt)
{
	uint64_t v;
	if (fmt.len > 3 || !sp__sdp_num(fmt, 127, &v))
		return -1;
	return (int)v;
}

/* RFC 3551 §6, Table 4 and Table 5: static payload types. */
static const struct {
	uint8_t pt;
	const char *name;
	uint32_t clock;
	uint8_t channels;
} static_pt[] = {
    {0, "PCMU", 8000, 1},   {3, "GSM", 8000, 1},    {4, "G723", 8000, 1},   {5, "DVI4", 8000, 1},
    {6, "DVI4", 16000, 1},  {7, "LPC", 8000, 1},    {8, "PCMA", 8000, 1},   {9, "G722", 8000, 1},
    {10, "L16", 44100, 2},  {11, "L16", 44100, 1},  {12, "QCELP", 8000, 1}, {13, "CN", 8000, 1},
    {14, "MPA", 90000, 1},  {15, "G728", 8000, 1},  {16, "DVI4", 11025, 1}, {17, "DVI4", 22050, 1},
    {18, "G729", 8000, 1},  {25, "CelB", 90000, 1}, {26, "JPEG", 90000, 1}, {28, "nv", 90000, 1},
    {31, "H261", 90000, 1}, {32, "MPV", 90000, 1},  {33, "MP2T", 90000, 1}, {34, "H263", 90000, 1},
};

/* The value of the first attribute `name` whose value starts with the
 * payload type pt and a space ("<pt> <rest>"); sets *rest. */
static bool find_pt_attr(const struct sp_sdp_media *m, const char *name, int pt,
			 struct sp_str *rest)
{
	struct sp_str want = sp_str_c(name);
	for (unsigned i = 0; i < nattr(m->nattr); i++) {
		const struct sp_sdp_attr *a = &m->attr[i];
		if (!a->value.p || !sp_str_eq(a->name, want))
			continue;
		const char *p = a->value.p, *end = p + a->value.len;
		struct sp_str f = sp__sdp_field(&p, end);
		if (sp_sdp_fmt_pt(f) != pt)
			continue;
		while (p < end && *p == ' ')
			p++;
		*rest = sp_str_span(p, end);
		return true;
	}
	return false;
}

/* rtpmap-value = payload-type SP encoding-name "/" clock-rate
 * [ "/" encoding-params ] (RFC 8866 §6.6). */
int sp_sdp_rtpmap(const struct sp_sdp_media *m, int pt, struct sp_sdp_rtpmap *out)
{
	struct sp_str v;
	uint64_t n;
	memset(out, 0, sizeof(*out));
	out->pt = pt;
	if (!find_pt_attr(m, "rtpmap", pt, &v)) {
		for (size_t i = 0; i < sizeof(static_pt) / sizeof(static_pt[0]); i++) {
			if (static_pt[i].pt != pt)
				continue;
			out->encoding = sp_str_c(static_pt[i].name);
			out->clock = static_pt[i].clock;
			out->channels = static_pt[i].channels;
			return 0;
		}
		return -ENOENT;
	}
	v = sp_str_trim(v);
	ptrdiff_t s1 = sp_str_chr(v, '/');
	if (s1 <= 0)
		return -EBADMSG;
	out->encoding = (struct sp_str){v.p, (size_t)s1};
	if (!sp__sdp_is_token(out->encoding))
		return -EBADMSG;
	struct sp_str rest = {v.p + s1 + 1, v.len - (size_t)s1 - 1};
	ptrdiff_t s2 = sp_str_chr(rest, '/');
	struct sp_str clock = rest;
	out->channels = 1;
	if (s2 >= 0) {
		clock.len = (size_t)s2;
		struct sp_str ch = {rest.p + s2 + 1, rest.len - (size_t)s2 - 1};
		if (!sp__sdp_num(ch, 255, &n) || n == 0)
			return -EBADMSG;
		out->channels = (unsigned)n;
	}
	if (!sp__sdp_num(clock, UINT32_MAX, &n) || n == 0)
		return -EBADMSG;
	out->clock = (uint32_t)n;
	return 0;
}

bool sp_sdp_fmtp(const struct sp_sdp_media *m, int pt, struct sp_str *params)
{
	return find_pt_attr(m, "fmtp", pt, params);
}

/* ptime-value = 1*DIGIT [ "." 1*DIGIT ] in practice; the whole part. */
static unsigned msecs(const struct sp_sdp_media *m, const char *name)
{
	const struct sp_sdp_attr *a = sp_sdp_attr_find(m->attr, nattr(m->nattr), name);
	uint64_t v;
	if (!a || !a->value.p)
		return 0;
	struct sp_str s = sp_str_trim(a->value);
	ptrdiff_t dot = sp_str_chr(s, '.');
	if (dot >= 0) {
		struct sp_str frac = {s.p + dot + 1, s.len - (size_t)dot - 1};
		uint64_t f;
		if (!sp__sdp_num(frac, UINT64_MAX, &f))
			return 0;
		s.len = (size_t)dot;
	}
	if (!sp__sdp_num(s, 65535, &v) || v == 0)
		return 0;
	return (unsigned)v;
}

unsigned sp_sdp_ptime(const struct sp_sdp_media *m)
{
	return msecs(m, "ptime");
}

unsigned sp_sdp_maxptime(const struct sp_sdp_media *m)
{
	return msecs(m, "maxptime");
}

/* rtcp-attribute = "a=rtcp:" port [nettype space addrtype space
 * connection-address] CRLF (RFC 3605 §2.1). */
int sp_sdp_rtcp(const struct sp_sdp_media *m, struct sp_sdp_rtcp *out)
{
	const struct sp_sdp_attr *a = sp_sdp_attr_find(m->attr, nattr(m->nattr), "rtcp");
	uint64_t v;
	memset(out, 0, sizeof(*out));
	if (!a)
		return -ENOENT;
	if (!a->value.p)
		return -EBADMSG;
	const char *p = a->value.p, *end = p + a->value.len;
	struct sp_str port = sp__sdp_field(&p, end);
	if (!sp__sdp_num(port, 65535, &v))
		return -EBADMSG;
	out->port = (uint16_t)v;
	while (p < end && *p == ' ')
		p++;
	if (p < end && sp__sdp_conn_parse(&out->conn, p, end, NULL) != 0)
		return -EBADMSG;
	return 0;
}

bool sp_sdp_rtcp_mux(const struct sp_sdp_media *m)
{
	return sp_sdp_attr_find(m->attr, nattr(m->nattr), "rtcp-mux") != NULL;
}
