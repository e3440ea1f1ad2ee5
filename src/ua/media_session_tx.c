/*
 * The media session's sender: a loop timer every ptime, scheduled from a
 * base time (tick n is due at base + n * ptime, so late timers do not add
 * up to drift; a late tick makes up the frames it missed). Each tick takes
 * one frame from the source (echo queue, WAV file played once, tone, or
 * silence), lets queued in-band DTMF tones replace it, and sends it
 * encoded with the negotiated codec (a G.711 law, or Opus: one frame per
 * packet, RFC 7587 §4.2), or sends the RFC 4733 event packet due instead
 * (RFC 4733 §2.5.1). The RTP timestamp of tick n is n frames past the
 * initial one on the codec's RTP clock (RFC 3550 §5.1: it follows the
 * sampling clock, also across hold, when no packet goes out; 8000 Hz for
 * G.711, RFC 3551 §4.5, and 48000 Hz for Opus whatever rate it encodes,
 * RFC 7587 §4.1), while the audio itself stays 8 kHz.
 */
#include <errno.h>
#include <string.h>

#include "siphon/mem.h"

#include "media_int.h"

#define DTMF_TONE_MS 100 /* RFC 4733 event length we send */
#define DTMF_GAP_MS  60
#define DTMF_VOLUME  10 /* -dBm0 */

int sp__ms_tx_open(struct sp_media_session *m)
{
	if (m->cfg.play_path) {
		int rc = sp_wav_open(&m->play, m->cfg.play_path);
		if (rc)
			return rc;
	} else if (m->cfg.tone_hz) {
		if (sp_tone_init(&m->tone, m->cfg.tone_hz, sp_dbm0_to_amp(-10)))
			return -EINVAL;
		m->have_tone = true;
	}
	return 0;
}

void sp__ms_tx_close(struct sp_media_session *m)
{
	sp_timer_stop(&m->tx_timer);
	m->play = sp_mem_deref(m->play);
	m->dtmf_tx = sp_mem_deref(m->dtmf_tx);
}

void sp__ms_echo_push(struct sp_media_session *m, const int16_t *frame, unsigned n)
{
	if (!m->cfg.echo)
		return;
	if (m->echo_len == MS_ECHO_FRAMES) { /* the sender fell behind: drop the oldest */
		m->echo_head = (m->echo_head + 1) % MS_ECHO_FRAMES;
		m->echo_len--;
	}
	int16_t *slot = m->echo[(m->echo_head + m->echo_len) % MS_ECHO_FRAMES];
	if (n > MS_MAX_SPF)
		n = MS_MAX_SPF;
	memcpy(slot, frame, n * sizeof(*slot));
	memset(slot + n, 0, (MS_MAX_SPF - n) * sizeof(*slot));
	m->echo_len++;
}

/* One frame of the configured source into pcm[n]. The WAV file and the
 * tone advance with time, whether or not the frame is sent. */
static void source(struct sp_media_session *m, int16_t *pcm, unsigned n)
{
	memset(pcm, 0, n * sizeof(*pcm));
	if (m->cfg.echo) {
		if (m->echo_len) {
			memcpy(pcm, m->echo[m->echo_head], n * sizeof(*pcm));
			m->echo_head = (m->echo_head + 1) % MS_ECHO_FRAMES;
			m->echo_len--;
		}
	} else if (m->play && !m->play_done) {
		long got = sp_wav_read(m->play, pcm, n);
		if (got < (long)n) {
			m->play_done = true; /* once, then silence */
			if (got < 0)
				memset(pcm, 0, n * sizeof(*pcm));
		}
	} else if (m->have_tone) {
		sp_tone_generate(&m->tone, pcm, n);
	}
}

/* In-band DTMF (ITU-T Q.23 tones, -10 dBm0 per frequency): while digits
 * are queued or one is playing, its tone and the pause after it replace
 * the samples of pcm[n]. */
static void inband(struct sp_media_session *m, int16_t *pcm, unsigned n)
{
	unsigned i = 0;
	while (i < n) {
		if (m->inband_left) {
			unsigned k = n - i < m->inband_left ? n - i : m->inband_left;
			sp_tone_generate(&m->inband_tone, pcm + i, k);
			m->inband_left -= k;
			i += k;
		} else if (m->inband_gap) {
			unsigned k = n - i < m->inband_gap ? n - i : m->inband_gap;
			memset(pcm + i, 0, k * sizeof(*pcm));
			m->inband_gap -= k;
			i += k;
		} else if (m->ninband) {
			char d = m->inband[0];
			memmove(m->inband, m->inband + 1, m->ninband--);
			if (sp_dtmf_tone_init(&m->inband_tone, d, -10))
				continue; /* checked when queued */
			m->inband_left = SP_AUDIO_RATE / 1000 * MS_INBAND_TONE_MS;
			m->inband_gap = SP_AUDIO_RATE / 1000 * MS_INBAND_GAP_MS;
		} else {
			return;
		}
	}
}

/* Sends one packet stamped ts (relative to the initial timestamp). */
static void send_pkt(struct sp_media_session *m, int pt, bool marker, uint32_t ts,
		     const void *payload, size_t len)
{
	int rc = sp_rtp_session_send(m->rtp, (uint8_t)pt, marker, ts - m->sent_rel, payload, len);
	/* The session advanced its timestamp unless it refused the packet
	 * outright (a full socket buffer counts as sent and lost). */
	if (rc != -EINVAL && rc != -EMSGSIZE && rc != -ENOTCONN)
		m->sent_rel = ts;
}

static void tx_frame(struct sp_media_session *m)
{
	int16_t pcm[MS_MAX_SPF];
	uint8_t enc[MS_MAX_PAYLOAD];
	unsigned n = m->tx_spf;
	uint32_t ts = m->clock_rel;
	m->clock_rel += m->tx_ts;

	source(m, pcm, n);
	if (m->ninband || m->inband_left || m->inband_gap)
		inband(m, pcm, n);
	/* RFC 3264 §6.1: recvonly or inactive from our side: nothing goes out. */
	if (!m->sending || !m->rtp) {
		m->tx_marker = true;
		return;
	}
	struct sp_dtmf_pkt ev;
	if (m->st.dtmf_pt >= 0 && m->dtmf_tx && sp_dtmf_tx_next(m->dtmf_tx, ts, &ev) == 1) {
		/* RFC 4733 §2.5.1: the event packet replaces the audio one. */
		send_pkt(m, m->st.dtmf_pt, ev.marker, ev.ts, ev.payload, ev.len);
		return;
	}
	size_t len = n;
	int codec = sp__ms_codec(m->st.codec);
	if (codec == MS_OPUS) {
		int r =
		    m->opus_enc ? sp_opus_encode(m->opus_enc, pcm, n, enc, sizeof(enc)) : -EINVAL;
		if (r < 0) {
			m->tx_marker = true; /* nothing to send this time */
			return;
		}
		len = (size_t)r;
	} else {
		sp_g711_encode((enum sp_g711_law)codec, enc, pcm, n);
	}
	/* RFC 3551 §4.1: the marker flags the first packet of a talkspurt. */
	send_pkt(m, m->st.pt, m->tx_marker, ts, enc, len);
	m->tx_marker = false;
}

static void tx_tick(void *arg)
{
	struct sp_media_session *m = arg;
	sp_msec now = sp_loop_now(m->loop);
	unsigned done = 0;
	while (m->tx_base + (sp_msec)(m->tx_ticks * m->tx_ptime) <= now && done < MS_CATCH_UP) {
		tx_frame(m);
		m->tx_ticks++;
		done++;
	}
	sp_msec next = m->tx_base + (sp_msec)(m->tx_ticks * m->tx_ptime);
	if (next <= now) {
		/* Far behind (the loop was blocked): skip the rest, keeping
		 * the timestamps in step with the clock. */
		uint64_t skip = (uint64_t)(now - next) / m->tx_ptime + 1;
		m->tx_ticks += skip;
		m->clock_rel += (uint32_t)(skip * m->tx_ts);
		m->tx_marker = true;
		next = m->tx_base + (sp_msec)(m->tx_ticks * m->tx_ptime);
	}
	sp_timer_start(m->loop, &m->tx_timer, (uint64_t)(next - now), tx_tick, m);
}

void sp__ms_tx_start(struct sp_media_session *m)
{
	unsigned p = m->st.ptime;
	m->tx_ptime = p >= 10 && p <= MS_MAX_PTIME && p % 10 == 0 ? p : m->ptime;
	/* An Opus packet holds one frame of 10, 20, 40 or 60 ms here (RFC
	 * 6716 §2.1.4); for another a=ptime of the peer we send ours, which
	 * is one of those (checked at creation). */
	if (sp__ms_codec(m->st.codec) == MS_OPUS && !sp_opus_frame_ok(m->tx_ptime))
		m->tx_ptime = m->ptime;
	m->tx_spf = SP_AUDIO_RATE / 1000 * m->tx_ptime;
	m->tx_ts = m->clock / 1000 * m->tx_ptime;
	/* RFC 4733 §2.1: events count on the codec's clock. */
	if (!m->dtmf_tx && sp_dtmf_tx_create_clock(&m->dtmf_tx, m->clock, m->tx_ptime, DTMF_TONE_MS,
						   DTMF_GAP_MS, DTMF_VOLUME))
		m->dtmf_tx = NULL; /* -ENOMEM: digits go in-band */
	m->tx_base = sp_loop_now(m->loop);
	m->tx_ticks = 0;
	m->tx_marker = true;
	sp_timer_start(m->loop, &m->tx_timer, 0, tx_tick, m);
}

void sp__ms_tx_stop(struct sp_media_session *m)
{
	sp_timer_stop(&m->tx_timer);
	m->sending = false;
}

int sp_media_session_send_dtmf(struct sp_media_session *m, const char *digits)
{
	if (m->stopped)
		return -ESHUTDOWN;
	if (!m->negotiated)
		return -ENOTCONN;
	if (!digits)
		return -EINVAL;
	size_t n = strlen(digits);
	for (size_t i = 0; i < n; i++)
		if (sp_dtmf_digit_to_event(digits[i]) < 0)
			return -EINVAL;
	if (m->st.dtmf_pt >= 0 && m->dtmf_tx)
		return sp_dtmf_tx_send(m->dtmf_tx, digits); /* RFC 4733 */
	if (n > MS_DTMF_PENDING - m->ninband)
		return -ENOSPC;
	memcpy(m->inband + m->ninband, digits, n);
	m->ninband += (unsigned)n;
	m->inband[m->ninband] = 0;
	return (int)n;
}
