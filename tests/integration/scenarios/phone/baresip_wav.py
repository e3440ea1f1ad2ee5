#!/usr/bin/env python3
# baresip_wav.py OUT.wav [PAD_S]: the file baresip's aufile source plays in
# test_phone_baresip.sh: six 0.5 s tones (8 kHz, mono, 16-bit, the format
# aufile needs with ausrc_srate 8000 / ausrc_channels 1) in another order
# and pitch set than gen_wav.py's, so that each direction of a call has its
# own signal, then PAD_S seconds of silence (default 0). The padding keeps
# the file longer than the call: baresip 1.0's aufile ends the call when its
# file ends.
import math
import struct
import sys
import wave

RATE = 8000
FREQS = [770, 350, 1040, 480, 620, 900]
pad = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
w = wave.open(sys.argv[1], "wb")
w.setnchannels(1)
w.setsampwidth(2)
w.setframerate(RATE)
frames = bytearray()
for f in FREQS:
    for i in range(RATE // 2):
        frames += struct.pack("<h", int(8000 * math.sin(2 * math.pi * f * i / RATE)))
frames += bytes(2 * int(RATE * pad))
w.writeframes(bytes(frames))
w.close()
