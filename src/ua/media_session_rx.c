/*
 * The media session's receiver. RTP audio payloads of the negotiated
 * codec (or, on an 8 kHz clock, of either static G.711 type, RFC 3551 §6)
 * go into the adaptive jitter buffer, which counts in the codec's RTP
 * clock (48 kHz for Opus, RFC 7587 §4.1), with their arrival time on the
 * loop clock; RFC 4733 telephone-events go to the DTMF receiver
 * (§2.5.2), which reports each digit once. A playout timer every ptime
 * (scheduled from a base time, as the sender's) takes one frame: decoded
 * to 8 kHz, or concealed when it is missing (G.711: our PLC; Opus: its
 * in-band FEC from the next packet when that is already here, RFC 6716
 * §2.1.7, else the decoder's own concealment, §4.4), or silence while the
 * buffer fills. From the first audio packet
 * on, every tick appends its frame to the recording, so the recording
 * keeps the stream's timing (it starts with the buffering delay as
 * silence, and gaps such as hold show up as silence of their length).
 * Without negotiated telephone-event, decoded audio is scanned for
 * in-band DTMF (Q.23/Q.24).
 */
#include <errno.h>
#include <string.h>

#include "siphon/mem.h"

#include "media_int.h"

#define JB_MIN_MS 20
#define JB_MAX_MS 200

static int jb_make(struct sp_media_session *m, uint32_t hz, struct sp_jb **out)
{
	struct sp_jb_config jc = {
	    .clock_rate = hz,
	    .ptime_ms = m->ptime,
	    .min_ms = JB_MIN_MS,
	    .max_ms = JB_MAX_MS,
	};
	return sp_jb_create(out, &jc);
}

int sp__ms_rx_set_clock(struct sp_media_session *m, uint32_t hz)
{
	struct sp_jb *jb;
	int rc = jb_make(m, hz, &jb);
	if (rc)
		return rc;
	sp_mem_deref(m->jb);
	m->jb = jb;
	return 0;
}

int sp__ms_rx_open(struct sp_media_session *m)
{
	int rc = jb_make(m, m->clock, &m->jb);
	if (!rc)
		rc = sp_plc_create(&m->plc);
	if (!rc)
		rc = sp_dtmf_rx_create(&m->dtmf_rx);
	if (!rc)
		rc = sp_dtmf_detect_create(&m->detect);
	if (!rc && m->cfg.record_path)
		rc = sp_wav_writer_create(&m->rec, m->cfg.record_path, SP_AUDIO_RATE);
	return rc; /* the destructor frees what was made */
}

void sp__ms_rx_close(struct sp_media_session *m)
{
	sp_timer_stop(&m->rx_timer);
	if (m->rec) {
		sp_wav_writer_close(m->rec); /* fixes the RIFF and data sizes */
		m->rec = NULL;
	}
	m->jb = sp_mem_deref(m->jb);
	m->plc = sp_mem_deref(m->plc);
	m->dtmf_rx = sp_mem_deref(m->dtmf_rx);
	m->detect = sp_mem_deref(m->detect);
}

void sp__ms_digit(struct sp_media_session *m, char digit)
{
	if (m->ndigits < sizeof(m->digits) - 1) {
		m->digits[m->ndigits] = digit;
		m->digits[m->ndigits + 1] = 0;
	}
	m->ndigits++;
	if (m->cfg.on_dtmf)
		m->cfg.on_dtmf(m->cfg.arg, digit);
}

/* RFC 4733 §2.5.2: one telephone-event packet. */
static void dtmf_input(struct sp_media_session *m, const struct sp_rtp_pkt *pkt)
{
	struct sp_dtmf_report rep[2];
	int n =
	    sp_dtmf_rx_input(m->dtmf_rx, pkt->payload, pkt->payload_len, pkt->ts, pkt->seq, rep);
	for (int i = 0; i < n && !m->stopped; i++)
		if (rep[i].begin && rep[i].digit)
			sp__ms_digit(m, rep[i].digit);
}

void sp__ms_on_rtp(struct sp_rtp_session *s, const struct sp_rtp_pkt *pkt, sp_msec arrival,
		   void *arg)
{
	struct sp_media_session *m = arg;
	(void)s;
	/* Before an exchange completed (early media ahead of the answer)
	 * the payload types mean nothing yet: dropped. */
	if (!m->started || m->stopped)
		return;
	if (m->st.rx_dtmf_pt >= 0 && pkt->pt == m->st.rx_dtmf_pt) {
		sp_mem_ref(m); /* on_dtmf may destroy the session */
		dtmf_input(m, pkt);
		sp_mem_deref(m);
		return;
	}
	int codec;
	if (pkt->pt == m->st.rx_pt)
		codec = sp__ms_codec(m->st.codec);
	else if ((pkt->pt == SP_G711_ULAW || pkt->pt == SP_G711_ALAW) && m->clock == SP_AUDIO_RATE)
		codec = pkt->pt; /* RFC 3551 §6: static, whatever was negotiated */
	else
		codec = -1;
	size_t max = codec == MS_OPUS ? SP_JB_MAX_PAYLOAD - 1 : MS_MAX_SPF;
	if (codec < 0 || pkt->payload_len > max) {
		m->wrong_pt++;
		return;
	}
	/* The jitter buffer keeps opaque bytes: the codec goes first. */
	uint8_t buf[SP_JB_MAX_PAYLOAD];
	buf[0] = (uint8_t)codec;
	memcpy(buf + 1, pkt->payload, pkt->payload_len);
	int r = sp_jb_put(m->jb, pkt->ts, pkt->seq, buf, pkt->payload_len + 1, (uint64_t)arrival);
	if (r == SP_JB_LATE)
		m->late++;
	else if (r == SP_JB_QUEUED || r == SP_JB_RESYNCED)
		m->heard = true;
}

static void record(struct sp_media_session *m, const int16_t *pcm, unsigned n)
{
	if (m->rec && sp_wav_write(m->rec, pcm, n)) {
		/* A write error (disk full): keep what was written. */
		sp_wav_writer_close(m->rec);
		m->rec = NULL;
	}
}

/* One missing frame of n samples: G.711 Appendix I style PLC, or for
 * Opus the lost frame rebuilt from the next packet's in-band FEC when it
 * is already buffered (RFC 6716 §2.1.7), else Opus's own concealment
 * (§4.4). Counted in concealed_frames either way. */
static void conceal(struct sp_media_session *m, int16_t *pcm, unsigned n)
{
	m->concealed++;
	if (sp__ms_codec(m->st.codec) == MS_OPUS && m->opus_dec) {
		uint8_t next[SP_JB_MAX_PAYLOAD];
		size_t len;
		if (sp_jb_peek_next(m->jb, next, sizeof(next), &len) && len > 1 &&
		    next[0] == MS_OPUS &&
		    sp_opus_decode_fec(m->opus_dec, next + 1, len - 1, pcm, n) == (int)n)
			return;
		if (sp_opus_decode(m->opus_dec, NULL, 0, pcm, n) == (int)n)
			return;
		memset(pcm, 0, n * sizeof(*pcm));
		return;
	}
	sp_plc_fill(m->plc, pcm, n);
}

/* Decodes one Opus packet into pcm[n] (a longer packet is cut to the
 * frame, a shorter one padded with silence: we play out in our ptime).
 * False when it does not decode. */
static bool opus_frame(struct sp_media_session *m, const uint8_t *p, size_t len, int16_t *pcm,
		       unsigned n)
{
	int16_t out[SP_OPUS_MAX_SAMPLES];
	int got =
	    m->opus_dec ? sp_opus_decode(m->opus_dec, p, len, out, SP_OPUS_MAX_SAMPLES) : -EINVAL;
	if (got < 0)
		return false;
	unsigned k = (unsigned)got < n ? (unsigned)got : n;
	memcpy(pcm, out, k * sizeof(*pcm));
	return true;
}

static void rx_frame(struct sp_media_session *m, sp_msec now)
{
	uint8_t buf[SP_JB_MAX_PAYLOAD];
	int16_t pcm[MS_MAX_SPF];
	unsigned n = m->rx_spf;
	size_t len;
	int r = sp_jb_get(m->jb, (uint64_t)now, buf, sizeof(buf), &len);
	if (!m->heard)
		return; /* nothing to play or record before the first packet */
	memset(pcm, 0, sizeof(pcm));
	if (r == SP_JB_FRAME && len > 1 && buf[0] == MS_OPUS) {
		if (!opus_frame(m, buf + 1, len - 1, pcm, n))
			conceal(m, pcm, n); /* not Opus after all */
	} else if (r == SP_JB_FRAME && len > 1) {
		size_t k = len - 1 < n ? len - 1 : n;
		sp_g711_decode((enum sp_g711_law)buf[0], pcm, buf + 1, k);
		sp_plc_rx(m->plc, pcm, n);
	} else if (r == SP_JB_LOST || r == SP_JB_FRAME) {
		conceal(m, pcm, n);
	}
	if (m->st.rx_dtmf_pt < 0 && sp_dtmf_detect_feed(m->detect, pcm, n)) {
		char d[8];
		size_t got = sp_dtmf_detect_get(m->detect, d, sizeof(d));
		for (size_t i = 0; i < got && !m->stopped; i++)
			sp__ms_digit(m, d[i]);
		if (m->stopped)
			return; /* on_dtmf stopped or destroyed the session */
	}
	record(m, pcm, n);
	sp__ms_echo_push(m, pcm, n);
}

static void rx_tick(void *arg)
{
	struct sp_media_session *m = arg;
	sp_msec now = sp_loop_now(m->loop);
	unsigned done = 0;
	sp_mem_ref(m); /* on_dtmf may destroy the session */
	while (m->rx_base + (sp_msec)(m->rx_ticks * m->ptime) <= now && done < MS_CATCH_UP &&
	       !m->stopped) {
		rx_frame(m, now);
		m->rx_ticks++;
		done++;
	}
	if (m->stopped) {
		sp_mem_deref(m);
		return;
	}
	sp_msec next = m->rx_base + (sp_msec)(m->rx_ticks * m->ptime);
	if (next <= now) {
		/* Far behind: the recording loses the skipped frames. */
		m->rx_ticks += (uint64_t)(now - next) / m->ptime + 1;
		next = m->rx_base + (sp_msec)(m->rx_ticks * m->ptime);
	}
	sp_timer_start(m->loop, &m->rx_timer, (uint64_t)(next - now), rx_tick, m);
	sp_mem_deref(m);
}

void sp__ms_rx_start(struct sp_media_session *m)
{
	m->rx_spf = SP_AUDIO_RATE / 1000 * m->ptime;
	m->rx_base = sp_loop_now(m->loop) + m->ptime;
	m->rx_ticks = 0;
	sp_timer_start(m->loop, &m->rx_timer, m->ptime, rx_tick, m);
}

void sp__ms_rx_stop(struct sp_media_session *m)
{
	struct sp_dtmf_report rep;
	sp_timer_stop(&m->rx_timer);
	/* An event whose end packets never came: ends now (its digit was
	 * reported when it began). */
	if (m->dtmf_rx)
		sp_dtmf_rx_flush(m->dtmf_rx, &rep);
}
