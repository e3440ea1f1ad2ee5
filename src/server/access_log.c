/*
 * The access log: one line per request at info level, key=value pairs in
 * a fixed order so that scripts can split them. The timestamp and level
 * come from the log sink (the CLI prefixes every line with both). Every
 * value taken from the network is quoted, escaped and bounded: a request
 * cannot forge a second line or a field.
 */
#include <stdio.h>

#include "siphon/log.h"
#include "siphon/server.h"

#define FIELD_MAX 256

static void quoted(struct sp_wbuf *b, struct sp_str s)
{
	size_t n = s.len > FIELD_MAX ? FIELD_MAX : s.len;
	sp_wbuf_put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };
			sp_wbuf_put(b, esc, 2);
		} else if (c < 0x20 || c >= 0x7f) {
			sp_wbuf_printf(b, "\\x%02x", c);
		} else {
			sp_wbuf_put(b, &s.p[i], 1);
		}
	}
	if (n < s.len)
		sp_wbuf_cstr(b, "...");
	sp_wbuf_put(b, "\"", 1);
}

static const char *tp_name(enum sp_transport tp)
{
	switch (tp) {
	case SP_TP_UDP:
		return "udp";
	case SP_TP_TCP:
		return "tcp";
	case SP_TP_TLS:
		return "tls";
	case SP_TP_WS:
		return "ws";
	case SP_TP_WSS:
		return "wss";
	default:
		return "other";
	}
}

size_t sp_access_format(const struct sp_access *a, char *buf, size_t cap)
{
	struct sp_wbuf b;
	char src[SP_SA_STRLEN] = "-";
	const struct sp_msg *m = a->msg;
	const struct sp_hdr *h;

	if (!cap)
		return 0;
	sp_wbuf_init(&b, buf, cap - 1);
	if (a->src)
		sp_sa_print(a->src, src, sizeof(src));
	sp_wbuf_printf(&b, "access worker=%u tp=%s src=%s method=", a->worker, tp_name(a->tp), src);
	quoted(&b, m->method);
	sp_wbuf_cstr(&b, " ruri=");
	quoted(&b, m->ruri_raw);
	sp_wbuf_cstr(&b, " call_id=");
	h = m->hdrs ? sp_msg_hdr(m, SP_HDR_CALL_ID) : NULL;
	quoted(&b, h ? h->value : SP_STR_NULL);
	sp_wbuf_cstr(&b, " cseq=");
	h = m->hdrs ? sp_msg_hdr(m, SP_HDR_CSEQ) : NULL;
	quoted(&b, h ? h->value : SP_STR_NULL);
	sp_wbuf_printf(&b, " status=%u us=%llu why=", a->status, (unsigned long long)a->usec);
	quoted(&b, sp_str_c(a->why ? a->why : ""));
	buf[b.len] = 0;
	return b.len;
}

void sp_access_log(const struct sp_access *a)
{
	char line[1024];
	if (SP_LOG_INFO > sp__log_level)
		return;
	sp_access_format(a, line, sizeof(line));
	sp_log_emit(SP_LOG_INFO, "%s", line);
}
