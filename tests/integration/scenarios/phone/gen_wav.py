#!/usr/bin/env python3
# Writes a 3 s test signal to argv[1]: six 0.5 s tones (8 kHz, mono,
# 16-bit), distinct enough that a correlation finds a single lag.
import math
import struct
import sys
import wave

RATE = 8000
FREQS = [440, 660, 880, 550, 990, 330]
w = wave.open(sys.argv[1], "wb")
w.setnchannels(1)
w.setsampwidth(2)
w.setframerate(RATE)
frames = bytearray()
for f in FREQS:
    for i in range(RATE // 2):
        frames += struct.pack("<h", int(8000 * math.sin(2 * math.pi * f * i / RATE)))
w.writeframes(bytes(frames))
w.close()
