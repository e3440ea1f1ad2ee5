/*
 * SDP: parsing and printing session descriptions (RFC 8866, which
 * obsoletes RFC 4566) and the offer/answer model on top of them (RFC 3264)
 * for a softphone's audio streams.
 *
 * Parsing is zero-copy: struct sp_sdp is a tree of slices into the
 * caller's buffer, which must outlive it. Every count is bounded by the
 * SP_SDP_MAX_* limits below; a description over a limit is refused with
 * -E2BIG and the position of the first line that did not fit. Every
 * attribute is kept as written (name and value), so unknown attributes
 * print back unchanged; the typed accessors (rtpmap, fmtp, ptime,
 * direction, rtcp, rtcp-mux) read them on demand.
 *
 * Printing writes a struct sp_sdp (parsed, or filled in by hand) with CRLF
 * line endings in the RFC 8866 §5 order, into a caller buffer.
 *
 * Offer/answer: struct sp_sdp_oa holds one side of one SIP session's
 * negotiation (origin line, the m-lines negotiated so far, hold state);
 * it creates offers, answers remote offers and processes answers, each
 * time producing a struct sp_sdp_negotiated for the media layer.
 */
#ifndef SIPHON_SDP_H
#define SIPHON_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "siphon/parse.h"
#include "siphon/str.h"

/* ---- limits ------------------------------------------------------------------ */

#define SP_SDP_MAX_MEDIA   16 /* m= sections */
#define SP_SDP_MAX_FMT	   32 /* formats on one m= line */
#define SP_SDP_MAX_ATTR	   64 /* a= lines in one section (session or media) */
#define SP_SDP_MAX_BW	   4  /* b= lines in one section */
#define SP_SDP_MAX_TIME	   4  /* t= lines */
#define SP_SDP_MAX_REPEAT  4  /* r= lines after one t= */
#define SP_SDP_MAX_CONTACT 4  /* e= lines, and p= lines */

/* ---- parsed description ------------------------------------------------------------ */

/* Address type of a c= or o= line (RFC 8866 §5.7). */
enum sp_sdp_addrtype {
	SP_SDP_ADDR_OTHER = 0, /* an addrtype other than IP4/IP6 */
	SP_SDP_IP4,
	SP_SDP_IP6,
};

/* c=<nettype> <addrtype> <connection-address> (RFC 8866 §5.7). */
struct sp_sdp_conn {
	struct sp_str nettype;	/* "IN"; p == NULL: no c= line */
	struct sp_str addrtype; /* "IP4", "IP6" */
	struct sp_str addr;	/* the whole connection-address, "/ttl/num" included */
	struct sp_str host;	/* the address alone, without "/ttl" and "/num" */
	enum sp_sdp_addrtype type;
	bool literal; /* host is an IP literal of its type (not an FQDN) */
	unsigned ttl; /* IP4 multicast "/ttl", 0 if absent */
	unsigned num; /* "/numaddr", 0 if absent */
};

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>
 * (RFC 8866 §5.2). */
struct sp_sdp_origin {
	struct sp_str username;
	uint64_t sess_id, sess_version;
	struct sp_str nettype, addrtype, addr;
};

/* b=<bwtype>:<bandwidth> (RFC 8866 §5.8). */
struct sp_sdp_bw {
	struct sp_str type;
	uint64_t value;
};

/* t=<start-time> <stop-time> and the r= lines that follow it (RFC 8866
 * §5.9, §5.10; repeat lines are kept as written). */
struct sp_sdp_time {
	uint64_t start, stop;
	struct sp_str repeat[SP_SDP_MAX_REPEAT];
	unsigned nrepeat;
};

/* a=<name>[:<value>] (RFC 8866 §5.13). value.p == NULL for a property
 * attribute written without ':' ("a=recvonly"). */
struct sp_sdp_attr {
	struct sp_str name;
	struct sp_str value;
};

/* One media description: m= and the lines after it (RFC 8866 §5.14). */
struct sp_sdp_media {
	struct sp_str type;  /* "audio", "video", ... */
	uint16_t port;	     /* 0: stream disabled or rejected (RFC 3264 §6) */
	unsigned nports;     /* "/<number of ports>", 0 if absent */
	struct sp_str proto; /* "RTP/AVP", "RTP/SAVP", ... */
	struct sp_str fmt[SP_SDP_MAX_FMT];
	unsigned nfmt;
	struct sp_str info;	 /* i=, p == NULL if absent */
	struct sp_sdp_conn conn; /* c=, nettype.p == NULL if absent */
	struct sp_sdp_bw bw[SP_SDP_MAX_BW];
	unsigned nbw;
	struct sp_str key; /* k=, p == NULL if absent */
	struct sp_sdp_attr attr[SP_SDP_MAX_ATTR];
	unsigned nattr;
};

/* A whole session description. */
struct sp_sdp {
	struct sp_sdp_origin origin;
	struct sp_str name; /* s= (may be empty: RFC 3264 §10 writes "s=") */
	struct sp_str info; /* i=, p == NULL if absent */
	struct sp_str uri;  /* u=, p == NULL if absent */
	struct sp_str email[SP_SDP_MAX_CONTACT];
	unsigned nemail;
	struct sp_str phone[SP_SDP_MAX_CONTACT];
	unsigned nphone;
	struct sp_sdp_conn conn; /* session-level c=, nettype.p == NULL if absent */
	struct sp_sdp_bw bw[SP_SDP_MAX_BW];
	unsigned nbw;
	struct sp_sdp_time time[SP_SDP_MAX_TIME];
	unsigned ntime;
	struct sp_str zone; /* z=, as written; p == NULL if absent */
	struct sp_str key;  /* k=, p == NULL if absent */
	struct sp_sdp_attr attr[SP_SDP_MAX_ATTR];
	unsigned nattr;
	struct sp_sdp_media media[SP_SDP_MAX_MEDIA];
	unsigned nmedia;
	unsigned nignored; /* lines of unknown type skipped (RFC 8866 §5) */
};

/* Parses one session description buf[0..len) (RFC 8866 §5, §9). Lines end
 * in CRLF or a bare LF; the last line may lack its end; empty lines are
 * allowed only at the end. Strict: "v=0" first, exactly one o= and s= and
 * at least one t= in the session section, well-formed o/c/b/t/m/a lines,
 * no session-only line (o s u e p t r z) inside a media section, no NUL
 * or stray CR. Liberal: session-level lines in any order after v=, runs
 * of spaces between fields, an empty s=, lines of an unknown type letter
 * skipped (counted in nignored), a port-0 m= line without formats.
 * Every slice in *sdp points into buf. Returns 0; -EBADMSG with err (may
 * be NULL) naming the first offending byte and rule; or -E2BIG with err
 * at the line that exceeded an SP_SDP_MAX_* limit. *sdp is unspecified on
 * error. Never reads outside buf[0..len). */
int sp_sdp_parse(struct sp_sdp *sdp, const char *buf, size_t len, struct sp_parse_error *err);

/* Prints sdp in RFC 8866 §5 order with CRLF line endings into buf[0..cap)
 * and sets *len to the bytes written (not NUL-terminated). Numbers print
 * in decimal; slices print as they are; a c= line prints conn.addr when
 * set, else conn.host with "/ttl" and "/num" when non-zero; an absent s=
 * prints as "s=-"; counts over the SP_SDP_MAX_* limits are clamped. A parsed description prints
 * back byte for byte when it was written in order with CRLF and single spaces. Returns 0, or
 * -ENOSPC if cap is too small (buf then holds a prefix), or -EINVAL if a required field is absent
 * (o= username, t= lines). */
int sp_sdp_print(const struct sp_sdp *sdp, char *buf, size_t cap, size_t *len);

/* ---- typed access ------------------------------------------------------------------- */

/* Media direction (RFC 8866 §6.7, RFC 3264 §5.1). */
enum sp_sdp_dir {
	SP_SDP_SENDRECV = 0,
	SP_SDP_SENDONLY,
	SP_SDP_RECVONLY,
	SP_SDP_INACTIVE,
};

/* "sendrecv", "sendonly", "recvonly" or "inactive". */
const char *sp_sdp_dir_name(enum sp_sdp_dir dir);

/* The direction with the roles of the two sides swapped: sendonly <->
 * recvonly (what the peer sees). */
enum sp_sdp_dir sp_sdp_dir_reverse(enum sp_sdp_dir dir);

/* The first attribute called name (case-sensitive, as RFC 8866 §5.13
 * names are) among attr[0..n), or NULL. */
const struct sp_sdp_attr *sp_sdp_attr_find(const struct sp_sdp_attr *attr, unsigned n,
					   const char *name);

/* Direction of media m of sdp: the media-level direction attribute, else
 * the session-level one, else sendrecv (RFC 3264 §5.1; RFC 8866 §6.7).
 * m may be NULL for the session default. */
enum sp_sdp_dir sp_sdp_direction(const struct sp_sdp *sdp, const struct sp_sdp_media *m);

/* The connection that applies to m: its own c= or the session's (RFC 8866
 * §5.7). NULL when neither exists. */
const struct sp_sdp_conn *sp_sdp_media_conn(const struct sp_sdp *sdp, const struct sp_sdp_media *m);

/* True for a c= line of the RFC 2543 hold form "IN IP4 0.0.0.0" (RFC 3264
 * §8.4: neither RTP nor RTCP is to be sent to the peer). */
bool sp_sdp_conn_is_hold(const struct sp_sdp_conn *c);

/* A format as an RTP payload type 0..127, or -1 if fmt is not one. */
int sp_sdp_fmt_pt(struct sp_str fmt);

/* a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding
 * parameters>] (RFC 8866 §6.6). */
struct sp_sdp_rtpmap {
	int pt;
	struct sp_str encoding; /* "PCMU", "telephone-event" */
	uint32_t clock;		/* Hz */
	unsigned channels;	/* audio channels; 1 when not written */
};

/* The rtpmap of payload type pt in m. Without an a=rtpmap for pt, a static
 * payload type of RFC 3551 §6 Table 4 (0 PCMU, 3 GSM, 4 G723, 8 PCMA,
 * 9 G722, 18 G729 ...) is filled in from the table, its encoding a static
 * string. Returns 0, -ENOENT if pt is neither mapped nor static, or
 * -EBADMSG if the rtpmap line for pt is malformed. */
int sp_sdp_rtpmap(const struct sp_sdp_media *m, int pt, struct sp_sdp_rtpmap *out);

/* The format parameters of a=fmtp:<pt> <params> in m (RFC 8866 §6.15):
 * returns true and sets *params (slice into the description) when present. */
bool sp_sdp_fmtp(const struct sp_sdp_media *m, int pt, struct sp_str *params);

/* a=ptime / a=maxptime of m in milliseconds (RFC 8866 §6.4, §6.5), 0 when
 * absent or not a whole number 1..65535 (a fractional "20.0" counts as 20). */
unsigned sp_sdp_ptime(const struct sp_sdp_media *m);
unsigned sp_sdp_maxptime(const struct sp_sdp_media *m);

/* a=rtcp:<port> [<nettype> <addrtype> <connection-address>] (RFC 3605 §2.1). */
struct sp_sdp_rtcp {
	uint16_t port;
	struct sp_sdp_conn conn; /* nettype.p == NULL when only a port is given */
};

/* Reads the rtcp attribute of m. Returns 0, -ENOENT if absent, -EBADMSG if
 * malformed. */
int sp_sdp_rtcp(const struct sp_sdp_media *m, struct sp_sdp_rtcp *out);

/* True when m carries a=rtcp-mux (RFC 5761 §5.1.1). */
bool sp_sdp_rtcp_mux(const struct sp_sdp_media *m);

/* ---- offer/answer (RFC 3264) ------------------------------------------------------------- */

#define SP_SDP_MAX_CODECS  8   /* codecs in local capabilities */
#define SP_SDP_MAX_STREAMS 4   /* audio streams a UA runs at once */
#define SP_SDP_ADDRSTRLEN  256 /* an FQDN of RFC 1035 and its NUL */

/* One codec we support (telephone-event is configured on its own). */
struct sp_sdp_codec {
	const char *name; /* encoding name, e.g. "PCMU" */
	uint8_t pt;	  /* payload type we offer it with */
	uint32_t clock;	  /* Hz */
	uint8_t channels; /* 0 or 1: not written */
	const char *fmtp; /* format parameters we offer, NULL for none */
	/* The format parameters are declarative, each side stating its own
	 * receive and send properties (Opus, RFC 7587 §6.2.1): an answer
	 * carries ours instead of echoing the offerer's (RFC 3264 §6.1). */
	bool fmtp_declarative;
};

/* Local capabilities. The strings are the caller's and must live as long
 * as the struct sp_sdp_oa that copies this struct. */
struct sp_sdp_caps {
	const char *user; /* o= username; NULL: "-" */
	const char *addr; /* where we receive RTP: an IPv4 or IPv6 literal */
	/* One RTP port per audio stream we can run (RTCP on port+1 unless
	 * rtcp-mux is negotiated). An offer has nport audio streams; an
	 * answer accepts up to nport offered audio streams. */
	uint16_t port[SP_SDP_MAX_STREAMS];
	unsigned nport;
	/* Codecs in order of preference. */
	struct sp_sdp_codec codec[SP_SDP_MAX_CODECS];
	unsigned ncodec;
	int dtmf_pt;	/* telephone-event/8000 payload type (96..127), -1: none */
	/* telephone-event/48000 payload type (96..127), -1: none. Offered
	 * only beside a 48 kHz codec (Opus): RFC 4733 §2.1 wants events on
	 * the clock of the audio they accompany, so each stream uses the
	 * telephone-event whose clock is its codec's. */
	int dtmf48_pt;
	unsigned ptime; /* a=ptime we ask for, 0: none */
	bool rtcp_mux;	/* offer and accept RTP/RTCP multiplexing (RFC 5761) */
};

/* Fills *caps for a G.711 softphone receiving on addr:port: PCMU/8000 pt 0,
 * PCMA/8000 pt 8, telephone-event/8000 pt 101 with events 0-16 (RFC 4733
 * §7), no telephone-event/48000 (dtmf48_pt -1), ptime 20, no rtcp-mux.
 * addr must outlive the caps. */
void sp_sdp_caps_default(struct sp_sdp_caps *caps, const char *addr, uint16_t port);

/* One active stream as the media layer needs it. Directions and payload
 * types are from our point of view. */
struct sp_sdp_stream {
	unsigned mline;	     /* index of the m= line */
	uint16_t local_port; /* our RTP port */
	enum sp_sdp_addrtype family;
	char rtp_addr[SP_SDP_ADDRSTRLEN]; /* remote RTP address (may be an FQDN) */
	uint16_t rtp_port;
	char rtcp_addr[SP_SDP_ADDRSTRLEN]; /* remote RTCP address */
	uint16_t rtcp_port;		   /* a=rtcp, else RTP port + 1 (RFC 3605 §1) */
	bool rtcp_mux;			   /* RTCP shares the RTP port (RFC 5761) */
	int pt;				   /* payload type to send with */
	int rx_pt;			   /* payload type the peer sends this codec with */
	char codec[32];			   /* encoding name of the selected codec */
	uint32_t clock;
	unsigned channels;
	/* The peer's a=fmtp parameters for the selected codec ("" when none,
	 * or longer than the field): what its decoder wants (RFC 7587 §6.1). */
	char fmtp[128];
	/* telephone-event at the selected codec's clock (RFC 4733 §2.1):
	 * telephone-event/8000 with G.711, /48000 with Opus. */
	int dtmf_pt;	     /* telephone-event payload type to send with, -1: none */
	int rx_dtmf_pt;	     /* telephone-event payload type we receive, -1: none */
	unsigned ptime;	     /* packetisation to send with (peer's a=ptime, else 20) */
	enum sp_sdp_dir dir; /* our direction on this stream */
	bool send;	     /* we may send media */
	bool recv;	     /* we should expect media */
};

/* Result of a completed offer/answer exchange. */
struct sp_sdp_negotiated {
	struct sp_sdp_stream stream[SP_SDP_MAX_STREAMS];
	unsigned nstream;
};

/* One m= line as recorded between exchanges (RFC 3264 §8: m-lines are
 * never removed, so a re-offer repeats rejected lines with port 0). */
struct sp_sdp_oa_mline {
	char media[32];
	char proto[32];
	char fmt[16];  /* the first format, for a rejected line */
	uint16_t port; /* our port, 0 when the stream is disabled */
	bool audio;    /* one of our audio streams */
	/* Payload type of each caps codec on this stream and of
	 * telephone-event (-1: none): ours, or the offerer's when we answered,
	 * kept for re-offers (RFC 3264 §8.3.2: a mapping never changes). */
	uint8_t pt[SP_SDP_MAX_CODECS];
	int dtmf_pt;   /* telephone-event/8000 */
	int dtmf48_pt; /* telephone-event/48000 */
};

enum sp_sdp_oa_state {
	SP_SDP_OA_IDLE = 0,   /* no offer outstanding */
	SP_SDP_OA_OFFER_SENT, /* we sent an offer, waiting for the answer */
};

/* Our side of one session's offer/answer (a value type; no allocation). */
struct sp_sdp_oa {
	struct sp_sdp_caps caps;
	uint64_t sess_id, sess_version;
	bool described;		     /* an SDP was produced (next one bumps the version) */
	enum sp_sdp_dir dir;	     /* direction we want: sendrecv, or hold */
	enum sp_sdp_dir offered_dir; /* direction of the outstanding offer */
	enum sp_sdp_oa_state state;
	struct sp_sdp_oa_mline mline[SP_SDP_MAX_MEDIA];
	unsigned nmline;
};

/* Starts a session with capabilities caps (copied; its strings are not)
 * and the origin's sess-id (RFC 8866 §5.2: e.g. an NTP timestamp); the
 * first description carries sess-version == sess_id, each later one one
 * more (RFC 3264 §8). Direction starts as sendrecv. */
void sp_sdp_oa_init(struct sp_sdp_oa *oa, const struct sp_sdp_caps *caps, uint64_t sess_id);

/* Sets the direction we want from the next offer or answer on: sendonly
 * or inactive puts the call on hold, sendrecv resumes (RFC 3264 §8.4).
 * The caller then re-offers (sp_sdp_oa_offer) to tell the peer. */
void sp_sdp_oa_set_dir(struct sp_sdp_oa *oa, enum sp_sdp_dir dir);

/* Writes an offer into buf[0..cap), *len its length. The first offer has
 * one audio m-line per caps port; a re-offer repeats every m-line
 * negotiated so far in order (rejected ones with port 0) with the current
 * direction. Returns 0 (state becomes OFFER_SENT), -EBUSY if an offer is
 * outstanding (RFC 3264 §4), -EINVAL if caps have no address, port or
 * codec, -ENOSPC if buf is too small, -ENOMEM. */
int sp_sdp_oa_offer(struct sp_sdp_oa *oa, char *buf, size_t cap, size_t *len);

/* Forgets an outstanding offer that was refused (e.g. a 488 to a
 * re-INVITE): the state returns to IDLE, the negotiated m-lines stay. */
void sp_sdp_oa_cancel(struct sp_sdp_oa *oa);

/* Answers the parsed remote offer (RFC 3264 §6): the same m-lines in the
 * same order; each offered RTP/AVP audio stream we have a port and a
 * common codec for is accepted with the offerer's payload type numbers,
 * common codecs in the offer's order (§6.1) plus telephone-event when both
 * sides have it at the clock of an accepted codec (RFC 4733 §2.1); any
 * other stream is rejected with port 0. Writes the
 * answer into buf[0..cap) (*len its length) and the result into *neg.
 * Returns 0; -ENOTSUP when the offer has m-lines but none is acceptable
 * (the caller answers 488 Not Acceptable Here, RFC 3261 §13.3.1.4; nothing
 * is recorded); -EBADMSG when a re-offer has fewer m-lines than before
 * (RFC 3264 §8) or an accepted stream's address is longer than
 * SP_SDP_ADDRSTRLEN; -EBUSY if our own offer is outstanding; -EINVAL if
 * caps have no address; -E2BIG if offer->nmedia is over SP_SDP_MAX_MEDIA
 * or an m-line's media/proto/first format is too long to record; -ENOSPC;
 * -ENOMEM. Nothing is recorded on any error. */
int sp_sdp_oa_answer(struct sp_sdp_oa *oa, const struct sp_sdp *offer, char *buf, size_t cap,
		     size_t *len, struct sp_sdp_negotiated *neg);

/* Processes the parsed answer to our outstanding offer (RFC 3264 §7) and
 * fills *neg. Returns 0 (state back to IDLE); -EPROTO if no offer is
 * outstanding; -EBADMSG if the answer's m-lines do not match the offer's
 * (count, media type, no address for an accepted stream): the offer
 * stays outstanding; formats we did not offer are ignored (§6.1); -ENOTSUP if the peer rejected
 * every stream (state back to IDLE: the caller may end the session). */
int sp_sdp_oa_process_answer(struct sp_sdp_oa *oa, const struct sp_sdp *answer,
			     struct sp_sdp_negotiated *neg);

#endif
