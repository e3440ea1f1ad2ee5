/*
 * Opus codec wrapper (RFC 6716) over libopus for the 8 kHz mono
 * pipeline: an encoder of 8 kHz frames tuned for speech and a decoder to
 * 8 kHz with the codec's own loss concealment and in-band FEC. The codec
 * states are allocated through sp_malloc (opus_*_get_size, then
 * opus_*_init), so allocation failure is testable like everywhere else
 * and libopus never allocates on our behalf. Built without libopus
 * (SIPHON_HAVE_OPUS undefined) every creator returns -ENOTSUP.
 */
#include <errno.h>
#include <string.h>

#include "siphon/audio.h"
#include "siphon/mem.h"
#include "siphon/opus.h"

bool sp_opus_frame_ok(unsigned ptime_ms)
{
	return ptime_ms == 10 || ptime_ms == 20 || ptime_ms == 40 || ptime_ms == 60;
}

#ifdef SIPHON_HAVE_OPUS

#include <opus.h>

struct sp_opus_enc {
	OpusEncoder *st;
};

struct sp_opus_dec {
	OpusDecoder *st;
};

bool sp_opus_available(void)
{
	return true;
}

static void enc_free(void *obj)
{
	struct sp_opus_enc *e = obj;
	sp_free(e->st);
}

static void dec_free(void *obj)
{
	struct sp_opus_dec *d = obj;
	sp_free(d->st);
}

int sp_opus_enc_create(struct sp_opus_enc **out, const struct sp_opus_enc_config *cfg)
{
	struct sp_opus_enc_config c = {0};
	if (cfg)
		c = *cfg;
	if (!c.bitrate)
		c.bitrate = SP_OPUS_BITRATE;
	if (c.bitrate < 6000 || c.bitrate > 510000 || c.loss_pct > 100)
		return -EINVAL;
	struct sp_opus_enc *e = sp_mem_zalloc(sizeof(*e), enc_free);
	if (!e)
		return -ENOMEM;
	e->st = sp_malloc((size_t)opus_encoder_get_size(1));
	if (!e->st) {
		sp_mem_deref(e);
		return -ENOMEM;
	}
	/* Speech at 8 kHz: SILK narrowband (RFC 6716 §2.1.1), complexity 5
	 * of 10 is plenty for one call. */
	if (opus_encoder_init(e->st, SP_AUDIO_RATE, 1, OPUS_APPLICATION_VOIP) != OPUS_OK ||
	    opus_encoder_ctl(e->st, OPUS_SET_BITRATE((opus_int32)c.bitrate)) != OPUS_OK ||
	    opus_encoder_ctl(e->st, OPUS_SET_VBR(c.cbr ? 0 : 1)) != OPUS_OK ||
	    opus_encoder_ctl(e->st, OPUS_SET_COMPLEXITY(5)) != OPUS_OK ||
	    opus_encoder_ctl(e->st, OPUS_SET_INBAND_FEC(c.fec ? 1 : 0)) != OPUS_OK ||
	    opus_encoder_ctl(e->st, OPUS_SET_PACKET_LOSS_PERC((opus_int32)c.loss_pct)) != OPUS_OK) {
		sp_mem_deref(e);
		return -EINVAL;
	}
	*out = e;
	return 0;
}

int sp_opus_encode(struct sp_opus_enc *e, const int16_t *pcm, unsigned n, uint8_t *out, size_t cap)
{
	if (n % (SP_AUDIO_RATE / 100) || !sp_opus_frame_ok(n / (SP_AUDIO_RATE / 1000)))
		return -EINVAL;
	if (!cap)
		return -ENOSPC;
	if (cap > INT32_MAX)
		cap = INT32_MAX;
	opus_int32 r = opus_encode(e->st, pcm, (int)n, out, (opus_int32)cap);
	if (r == OPUS_BUFFER_TOO_SMALL)
		return -ENOSPC;
	return r > 0 ? (int)r : -EIO;
}

int sp_opus_dec_create(struct sp_opus_dec **out)
{
	struct sp_opus_dec *d = sp_mem_zalloc(sizeof(*d), dec_free);
	if (!d)
		return -ENOMEM;
	d->st = sp_malloc((size_t)opus_decoder_get_size(1));
	if (!d->st) {
		sp_mem_deref(d);
		return -ENOMEM;
	}
	if (opus_decoder_init(d->st, SP_AUDIO_RATE, 1) != OPUS_OK) {
		sp_mem_deref(d);
		return -EINVAL;
	}
	*out = d;
	return 0;
}

static int dec_err(int r)
{
	if (r == OPUS_BUFFER_TOO_SMALL)
		return -ENOSPC;
	if (r == OPUS_BAD_ARG)
		return -EINVAL;
	return -EBADMSG; /* OPUS_INVALID_PACKET, OPUS_INTERNAL_ERROR */
}

int sp_opus_decode(struct sp_opus_dec *d, const uint8_t *pkt, size_t len, int16_t *pcm,
		   unsigned cap)
{
	if (!pkt) {
		/* RFC 6716 §4.4: the decoder extrapolates a lost frame. */
		if (!cap || cap % (SP_AUDIO_RATE / 400))
			return -EINVAL;
		int r = opus_decode(d->st, NULL, 0, pcm, (int)cap, 0);
		return r < 0 ? dec_err(r) : r;
	}
	if (!len || len > INT32_MAX)
		return -EBADMSG;
	/* Checked first: libopus reports a too long packet as
	 * OPUS_BAD_ARG, not as a short buffer. */
	int spl = opus_packet_get_nb_samples(pkt, (opus_int32)len, SP_AUDIO_RATE);
	if (spl < 0)
		return -EBADMSG;
	if ((unsigned)spl > cap)
		return -ENOSPC;
	int r = opus_decode(d->st, pkt, (opus_int32)len, pcm, (int)cap, 0);
	return r < 0 ? dec_err(r) : r;
}

int sp_opus_decode_fec(struct sp_opus_dec *d, const uint8_t *next, size_t len, int16_t *pcm,
		       unsigned n)
{
	if (!next || !len || len > INT32_MAX)
		return -EBADMSG;
	if (!n || n % (SP_AUDIO_RATE / 400))
		return -EINVAL;
	/* RFC 6716 §2.1.7: decode_fec = 1 rebuilds the frame before next
	 * from its LBRR data (or conceals when it has none). */
	int r = opus_decode(d->st, next, (opus_int32)len, pcm, (int)n, 1);
	return r < 0 ? dec_err(r) : r;
}

#else /* !SIPHON_HAVE_OPUS */

bool sp_opus_available(void)
{
	return false;
}

int sp_opus_enc_create(struct sp_opus_enc **out, const struct sp_opus_enc_config *cfg)
{
	(void)out;
	(void)cfg;
	return -ENOTSUP;
}

int sp_opus_encode(struct sp_opus_enc *e, const int16_t *pcm, unsigned n, uint8_t *out, size_t cap)
{
	(void)e, (void)pcm, (void)n, (void)out, (void)cap;
	return -ENOTSUP;
}

int sp_opus_dec_create(struct sp_opus_dec **out)
{
	(void)out;
	return -ENOTSUP;
}

int sp_opus_decode(struct sp_opus_dec *d, const uint8_t *pkt, size_t len, int16_t *pcm,
		   unsigned cap)
{
	(void)d, (void)pkt, (void)len, (void)pcm, (void)cap;
	return -ENOTSUP;
}

int sp_opus_decode_fec(struct sp_opus_dec *d, const uint8_t *next, size_t len, int16_t *pcm,
		       unsigned n)
{
	(void)d, (void)next, (void)len, (void)pcm, (void)n;
	return -ENOTSUP;
}

#endif
