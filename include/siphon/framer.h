/*
 * SIP stream framing (RFC 3261 §18.3, §7.5; RFC 5626 §4.4.1): where one
 * message ends in a TCP/TLS byte stream. It belongs to the transport layer
 * (src/net/framer.c), below the parser: the connection code frames, the
 * parser runs once on each complete message. msg.h includes this header.
 */
#ifndef SIPHON_FRAMER_H
#define SIPHON_FRAMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Stream framing (RFC 3261 §18.3, §7.5): finds one message at a time in a
 * TCP/TLS byte stream. Resumable: it remembers how far it searched, so
 * feeding a growing buffer costs O(new bytes). Content-Length is required.
 * CRLF keep-alives between messages (RFC 5626 §4.4.1) are reported apart.
 */
struct sp_framer {
	size_t max_header; /* bound on start line + headers, default 16 KiB */
	size_t max_body;   /* bound on Content-Length, default 1 MiB */
	size_t scanned;    /* bytes of the header block already searched */
	size_t hdr_len;    /* 0 until the header block end is found */
	uint64_t body_len;
	/* The stream's client side (RFC 5626 §4.4.1: we send the pings): a
	 * CRLF between messages is a pong at once, never half of a ping.
	 * false (the default): a lone CRLF waits for the next bytes. */
	bool client;
};

/* Zero state with these bounds (0: the defaults), client false. */
void sp_framer_init(struct sp_framer *f, size_t max_header, size_t max_body);

enum sp_frame_result {
	SP_FRAME_MESSAGE = 1,   /* a complete message: buf[0..*len) */
	SP_FRAME_KEEPALIVE = 2, /* *len bytes of CRLF keep-alive to consume (ping "\r\n\r\n" or pong "\r\n") */
};

/* Examines buf[len], the unconsumed bytes of the stream. Returns
 * SP_FRAME_MESSAGE or SP_FRAME_KEEPALIVE with *out_len the bytes to take
 * (the caller then drops them and calls again with the rest; the framer
 * resets itself), SP_EINCOMPLETE to wait for more bytes, or -EBADMSG when
 * the stream cannot be framed (missing or invalid Content-Length, header
 * block over max_header, body over max_body): the connection must close.
 * On -EBADMSG, *err_off is the offset of the offending byte. */
int sp_framer_feed(struct sp_framer *f, const char *buf, size_t len, size_t *out_len,
		   size_t *err_off);

#endif
