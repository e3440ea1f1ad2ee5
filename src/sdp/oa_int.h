/*
 * Internals of offer/answer (sdp_oa.c, sdp_answer.c, sdp_negotiate.c): a
 * description under construction with a text area for the values that
 * have to be formatted (rtpmap, fmtp, ptime), and the pieces the offer
 * and the answer share.
 */
#ifndef SIPHON_SDP_OA_INT_H
#define SIPHON_SDP_OA_INT_H

#include "sdp_int.h"

#define SP__SDP_TEXT 4096

/* Telephone-events we support and offer (RFC 4733 §7.1.1: 0-9 * # A-D
 * and flash). */
#define SP__SDP_DTMF_EVENTS "0-16"

struct sp__sdp_build {
	struct sp_sdp sdp;
	char text[SP__SDP_TEXT];
	size_t used;
	bool full; /* text or an SP_SDP_MAX_* limit ran out */
};

/* A heap build (ENOMEM-safe: NULL on failure), free with sp_free. */
struct sp__sdp_build *sp__sdp_build_new(void);

/* v=/o=/s=/c= of our descriptions, with sess-version `version`, and one
 * t= line (start, stop). */
void sp__sdp_build_session(struct sp__sdp_build *b, const struct sp_sdp_oa *oa, uint64_t version,
			   uint64_t start, uint64_t stop);

/* Formats into the text area; sets b->full and returns an empty slice
 * when it does not fit. */
struct sp_str sp__sdp_text(struct sp__sdp_build *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends a= name[:value] to m (value.p == NULL: property attribute). */
void sp__sdp_add_attr(struct sp__sdp_build *b, struct sp_sdp_media *m, const char *name,
		      struct sp_str value);

/* Appends a format to m's m= line. */
void sp__sdp_add_fmt(struct sp__sdp_build *b, struct sp_sdp_media *m, struct sp_str fmt);

/* The version the next description carries (RFC 3264 §8: one more than
 * the previous one); sp__sdp_commit_version records it once sent. */
uint64_t sp__sdp_next_version(const struct sp_sdp_oa *oa);
void sp__sdp_commit_version(struct sp_sdp_oa *oa, uint64_t version);

/* Prints b into buf; -E2BIG if b->full, else sp_sdp_print's result. */
int sp__sdp_build_print(struct sp__sdp_build *b, char *buf, size_t cap, size_t *len);

/* A fresh record of one of our audio streams on port, with the caps'
 * payload types. */
void sp__sdp_mline_audio(struct sp_sdp_oa_mline *ml, const struct sp_sdp_caps *c, uint16_t port);

/* Whether a direction lets media go out from / come in to its writer. */
static inline bool sp__dir_sends(enum sp_sdp_dir d)
{
	return d == SP_SDP_SENDRECV || d == SP_SDP_SENDONLY;
}

static inline bool sp__dir_recvs(enum sp_sdp_dir d)
{
	return d == SP_SDP_SENDRECV || d == SP_SDP_RECVONLY;
}

static inline enum sp_sdp_dir sp__dir_make(bool send, bool recv)
{
	if (send)
		return recv ? SP_SDP_SENDRECV : SP_SDP_SENDONLY;
	return recv ? SP_SDP_RECVONLY : SP_SDP_INACTIVE;
}

/* True when the rtpmap r names caps codec c (encoding name
 * case-insensitive, RFC 4855 §3; same clock rate and channel count). */
bool sp__sdp_codec_match(const struct sp_sdp_codec *c, const struct sp_sdp_rtpmap *r);

/* The clock of r when it is a telephone-event we handle (RFC 4733
 * §7.1.1): 8000 or 48000; 0 for anything else. */
uint32_t sp__sdp_dtmf_clock(const struct sp_sdp_rtpmap *r);

/* Appends telephone-event formats (rtpmap and the events we support) to
 * m after its codecs: dtmf8 at 8000 Hz and dtmf48 at 48000 Hz (-1: not
 * that one), each only when one of the codec clocks clocks[0..n) is its
 * clock (RFC 4733 §2.1: events share the audio's clock), in the order
 * the clocks first appear. */
void sp__sdp_add_dtmfs(struct sp__sdp_build *b, struct sp_sdp_media *m, const uint32_t *clocks,
		       unsigned n, int dtmf8, int dtmf48);

/* Fills the remote side of s from remote media m of description d (RTP
 * and RTCP address and port, RFC 3605, RFC 5761 when mux). Returns 0 or
 * -EBADMSG when there is no usable connection address. */
int sp__sdp_stream_remote(struct sp_sdp_stream *s, const struct sp_sdp *d,
			  const struct sp_sdp_media *m, bool mux);

#endif
