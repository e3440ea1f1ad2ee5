#!/usr/bin/env python3
# segcorr.py REF.wav REC.wav LAG_MS [--win-ms W] [--search-ms S] [--min C]
#            [--min-fraction F]
#
# Segment-wise correlation of a call's recording with the file that was
# played, tolerant of what an adaptive jitter buffer legitimately does: it
# grows by inserting a concealed frame when a packet comes late, shrinks by
# dropping one, so parts of a recording are shifted by whole frames from
# each other. One such 20 ms shift in the middle of a tone signal takes the
# single-lag correlation of `siphon wav-compare` from 0.99 down to about 0.6
# (seen under load in test_phone_baresip.sh), although every piece of audio
# arrived intact. Here the active part of REF (first to last non-zero
# sample) is cut into W ms windows (default 100); each is matched against
# REC at the lag that correlates best within +-S ms of the
# previous window's lag (default 100; of equal matches the nearest wins),
# starting from LAG_MS (the lag `siphon wav-compare` found: REC sample
# i+LAG lines up with REF sample i; after a shift it may fit neither part,
# the search finds them). A window is good when that normalised
# correlation is >= C (default 0.9).
#
# Prints `segments=N good=G fraction=G/N median=M min=X` and exits 0 when
# G/N >= F (default 0.8), 1 below, 2 on a usage or file error. Pure Python
# (no numpy); a 3 s signal takes well under a second.
import math
import operator
import struct
import sys
import wave


PENALTY = 1e-4  # per sample of lag change


def read(path):
    w = wave.open(path, "rb")
    if w.getsampwidth() != 2 or w.getnchannels() != 1:
        sys.exit("%s: want 16-bit mono" % path)
    n = w.getnframes()
    return list(struct.unpack("<%dh" % n, w.readframes(n))), w.getframerate()


def main(argv):
    args = {"--win-ms": 100.0, "--search-ms": 100.0, "--min": 0.9, "--min-fraction": 0.8}
    pos = []
    i = 1
    while i < len(argv):
        if argv[i] in args and i + 1 < len(argv):
            args[argv[i]] = float(argv[i + 1])
            i += 2
        else:
            pos.append(argv[i])
            i += 1
    if len(pos) != 3:
        print("usage: segcorr.py REF.wav REC.wav LAG_MS [options]", file=sys.stderr)
        return 2
    try:
        ref, rate = read(pos[0])
        rec, rate2 = read(pos[1])
        lag_ms = float(pos[2])
    except (OSError, EOFError, ValueError, wave.Error) as e:
        print("segcorr: %s" % e, file=sys.stderr)
        return 2
    if rate != rate2:
        print("segcorr: sample rates differ (%d, %d)" % (rate, rate2), file=sys.stderr)
        return 2
    nz = [k for k, x in enumerate(ref) if x]
    if not nz:
        print("segcorr: the reference is silent", file=sys.stderr)
        return 2
    first, last = nz[0], nz[-1] + 1
    win = int(rate * args["--win-ms"] / 1000)
    search = int(rate * args["--search-ms"] / 1000)
    lag = int(round(rate * lag_ms / 1000))
    mul = operator.mul
    sq = [0]  # sq[k]: energy of rec[:k]
    for x in rec:
        sq.append(sq[-1] + x * x)
    scores = []
    for start in range(first, last - win + 1, win):
        a = ref[start:start + win]
        ea = sum(map(mul, a, a))
        best, best_score, best_lag = 0.0, -1.0, lag
        for d in range(lag - search, lag + search + 1):
            s = start + d
            if s < 0 or s + win > len(rec):
                continue
            eb = sq[s + win] - sq[s]
            if not eb:
                continue
            c = sum(map(mul, a, rec[s:s + win])) / math.sqrt(ea * eb)
            # A periodic signal matches as well one period away: of equal
            # matches the nearest wins, so the lag does not wander.
            score = c - PENALTY * abs(d - lag)
            if score > best_score:
                best, best_score, best_lag = c, score, d
        scores.append(best)
        if best >= args["--min"]:
            lag = best_lag  # follow the recording's shifts
    good = sum(1 for c in scores if c >= args["--min"])
    n = len(scores)
    srt = sorted(scores)
    print("segments=%d good=%d fraction=%.2f median=%.3f min=%.3f" % (
        n, good, good / n if n else 0, srt[n // 2] if n else 0, srt[0] if n else 0))
    return 0 if n and good / n >= args["--min-fraction"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
