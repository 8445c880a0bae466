#!/usr/bin/env python3
"""Cross-check AlbumMaster's analysis against independent implementations on real music.

Each file is decoded once to 32-bit float WAV (ffmpeg), so every tool measures the same PCM. Then:
  - integrated loudness, LRA and true peak against ffmpeg's ebur128 filter (read at full precision
    through its frame metadata);
  - the 1/6-octave spectrum shape against scipy.signal.welch (Hann, 50 % overlap, same FFT length),
    pooled into the same bands, both curves mean-removed over 50 Hz-16 kHz;
  - stereo correlation and width against plain NumPy sums.
Tolerances are those of issue 2. Exits 1 if any figure is out of tolerance.

Usage: crosscheck.py [AUDIO_FILE ...]   (default: the music of Debian's singularity-music and asc-music)
"""
import glob, json, math, os, re, subprocess, sys, tempfile

import numpy as np
from scipy import signal
from scipy.io import wavfile

TOL = {"I": 0.1, "LRA": 0.5, "TP": 0.3, "spectrum": 1.0, "corr": 0.02, "width": 0.3}
BIN = os.environ.get("ALBUMMASTER", os.path.join(os.path.dirname(__file__), "..", ".build", "release", "albummaster"))


def ffmpeg_ebur128(path):
    """I, LRA and true peak (dBTP) from ffmpeg's ebur128 filter, last frame's metadata."""
    meta = path + ".meta.txt"
    subprocess.run(["ffmpeg", "-nostats", "-v", "error", "-i", path, "-af",
                    f"ebur128=peak=true:framelog=verbose:metadata=1,ametadata=mode=print:file={meta}",
                    "-f", "null", "-"], check=True)
    last = {}
    with open(meta) as f:
        for line in f:
            m = re.match(r"lavfi\.r128\.(I|LRA|true_peak)=(-?[\d.]+|-?inf)", line.strip())
            if m:
                last[m.group(1)] = float(m.group(2))
    os.remove(meta)
    return last["I"], last["LRA"], 20 * math.log10(last["true_peak"])


def band_levels(power, bin_hz, centers):
    """Bins weighted by the share of their width inside [c*2^-1/12, c*2^1/12): the band definition of
    measurements.md (narrow low bands get a level even when they hold less than one bin)."""
    out = []
    freqs = np.arange(len(power)) * bin_hz
    for c in centers:
        lo, hi = c * 2 ** (-1 / 12), c * 2 ** (1 / 12)
        overlap = np.clip(np.minimum(hi, freqs + bin_hz / 2) - np.maximum(lo, freqs - bin_hz / 2), 0, None)
        w = overlap.sum()
        out.append(10 * math.log10((overlap * power).sum() / w) if w > 0 and (overlap * power).sum() > 0 else None)
    return out


def reference(path, centers):
    rate, x = wavfile.read(path)
    x = x.astype(np.float64)
    if x.ndim == 1:
        x = x[:, None]
    n = 2
    while rate / n > 6:
        n *= 2
    # scipy's Welch: periodic Hann, 50 % overlap, no detrending, one-sided power per bin, averaged.
    _, p = signal.welch(x, fs=rate, window="hann", nperseg=n, noverlap=n // 2, detrend=False,
                        scaling="spectrum", axis=0, average="mean")
    levels = band_levels(p.mean(axis=1), rate / n, centers)
    corr = width = None
    if x.shape[1] >= 2:
        l, r = x[:, 0] - x[:, 0].mean(), x[:, 1] - x[:, 1].mean()  # about the means, as documented
        corr = float((l * r).sum() / math.sqrt((l * l).sum() * (r * r).sum()))
        m, s = (l + r) / 2, (l - r) / 2
        width = 10 * math.log10((s * s).sum() / (m * m).sum())
    return levels, corr, width


def shape_rms(ours, ref, centers):
    pairs = [(a, b) for a, b, c in zip(ours, ref, centers) if 50 <= c <= 16000 and a is not None and b is not None]
    a = np.array([p[0] for p in pairs]); b = np.array([p[1] for p in pairs])
    d = (a - a.mean()) - (b - b.mean())
    return float(math.sqrt((d * d).mean())), len(pairs)


def main():
    files = sys.argv[1:] or sorted(glob.glob("/usr/share/games/singularity/music/**/*.ogg", recursive=True)
                                   + glob.glob("/usr/share/games/asc/music/*.mp3"))
    if not files:
        sys.exit("crosscheck: no music found; install singularity-music and asc-music, or name files")
    with tempfile.TemporaryDirectory() as tmp:
        album = os.path.join(tmp, "Music")
        os.mkdir(album)
        names = []
        for i, f in enumerate(files):
            name = f"{i + 1:02d} {os.path.splitext(os.path.basename(f))[0]}.wav"
            subprocess.run(["ffmpeg", "-v", "error", "-i", f, "-c:a", "pcm_f32le", os.path.join(album, name)], check=True)
            names.append(name)
        out = subprocess.run([BIN, "analyze", album, "--reports", os.path.join(tmp, "R"), "--quiet", "--json", "-"],
                             check=True, capture_output=True, text=True).stdout
        tracks = {t["file"]: t for t in json.loads(out)["albums"][0]["tracks"]}
        worst = {k: 0.0 for k in TOL}
        failed = []
        print(f"{'track':32} {'rate':>6} {'dI':>6} {'dLRA':>6} {'dTP':>6} {'spec':>5} {'dCorr':>7} {'dWidth':>7}")
        for name in names:
            t = tracks[name]
            path = os.path.join(album, name)
            i, lra, tp = ffmpeg_ebur128(path)
            centers = t["spectrum"]["bandCentersHz"]
            levels, corr, width = reference(path, centers)
            spec, nbands = shape_rms(t["spectrum"]["levelsDB"], levels, centers)
            d = {"I": t["loudness"]["integratedLUFS"] - i, "LRA": t["loudness"]["rangeLU"] - lra,
                 "TP": t["loudness"]["truePeakDBTP"] - tp, "spectrum": spec,
                 "corr": (t["stereo"]["correlation"] - corr) if corr is not None else 0.0,
                 "width": (t["stereo"]["widthDB"] - width) if width is not None else 0.0}
            for k, v in d.items():
                worst[k] = max(worst[k], abs(v))
                if abs(v) > TOL[k]:
                    failed.append(f"{name}: {k} off by {v:+.3f} (tolerance {TOL[k]})")
            print(f"{name[:32]:32} {t['sampleRate']:>6} {d['I']:+6.3f} {d['LRA']:+6.3f} {d['TP']:+6.3f} "
                  f"{d['spectrum']:5.2f} {d['corr']:+7.4f} {d['width']:+7.3f}")
        print("worst:", ", ".join(f"{k} {v:.3f} (tol {TOL[k]})" for k, v in worst.items()))
        total = sum(t["durationSeconds"] for t in tracks.values())
        print(f"{len(names)} tracks, {total / 60:.1f} minutes of music")
        if failed:
            print("\n".join(["OUT OF TOLERANCE:"] + failed))
            print(f"0 passed, {len(failed)} failed")
            sys.exit(1)
        print(f"{len(names)} passed, 0 failed")


if __name__ == "__main__":
    main()
