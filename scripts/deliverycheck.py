#!/usr/bin/env python3
"""Delivery-safe masters on real lossy music (issue 16), judged by independent tools.

The album is Debian-packaged music as it ships, not decoded first: five singularity-music tracks (48 kHz Ogg
Vorbis) and three asc-music tracks (22.05 kHz MP3). Its album.yaml asks for MP3, Opus and Ogg Vorbis variants.
Mastered with `--loudness track --target-lufs -14`, twice: with the defaults (lossless first: one FLAC format for
the album) and with `--format same` (masters in each source's own lossy format and rate, 22.05 kHz MP3 among
them). Each run must exit 0, and every master and every variant, decoded by ffmpeg, must be within -1.0 dBTP at
16x oversampling (SciPy's polyphase resampler, Kaiser window), which is computed here, not by the tool.
Exits 1 when a check fails.
"""
import glob, hashlib, json, os, subprocess, sys, tempfile

import numpy as np
from scipy.signal import resample_poly

BIN = os.environ.get("ALBUMMASTER", os.path.join(os.path.dirname(__file__), "..", ".build", "release", "albummaster"))
CEILING_DBTP = -1.0
failed, passed = [], []


def check(ok, what):
    print(("  ok    " if ok else "  FAIL  ") + what)
    (passed if ok else failed).append(what)


def decode(path):
    """ffmpeg's decode as float64 frames x channels, and the rate."""
    probe = json.loads(subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                                       "stream=sample_rate,channels", "-of", "json", path],
                                      capture_output=True, text=True, check=True).stdout)["streams"][0]
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "f32le", "-acodec", "pcm_f32le", "-"],
                         capture_output=True, check=True).stdout
    ch = int(probe["channels"])
    return np.frombuffer(raw, dtype=np.float32).reshape(-1, ch).astype(np.float64), int(probe["sample_rate"])


def true_peak_16x(x, chunk=1 << 16, pad=256):
    """Inter-sample peak in dBTP: 16x polyphase upsampling, chunked with overlap so memory stays flat."""
    peak = 0.0
    for i in range(0, len(x), chunk):
        a, b = max(0, i - pad), min(len(x), i + chunk + pad)
        y = resample_poly(x[a:b], 16, 1, axis=0, window=("kaiser", 12.0))
        peak = max(peak, float(np.max(np.abs(y[(i - a) * 16:(min(len(x), i + chunk) - a) * 16]))))
    return 20 * np.log10(max(peak, 1e-12))


def self_test():
    """A sine at 0.45 fs with its peaks between samples: 16x finds the analytic amplitude within 0.05 dB."""
    for fs in (22050, 48000):
        n = np.arange(fs)
        x = 0.5 * np.sin(2 * np.pi * 0.45 * n + 0.3)[:, None]
        tp = true_peak_16x(x)
        check(abs(tp - 20 * np.log10(0.5)) < 0.05, f"self-test {fs} Hz: 16x peak {tp:.3f} dBTP (analytic -6.021)")


def sha(folder):
    return {f: hashlib.sha256(open(os.path.join(folder, f), "rb").read()).hexdigest() for f in sorted(os.listdir(folder))}


def build_album(tmp):
    album = os.path.join(tmp, "Lossy Album")
    os.mkdir(album)
    sources = (sorted(glob.glob("/usr/share/games/singularity/music/*.ogg"))[:5]
               + sorted(glob.glob("/usr/share/games/asc/music/*.mp3")))
    for i, f in enumerate(sources):
        base, ext = os.path.splitext(os.path.basename(f))
        with open(f, "rb") as src, open(os.path.join(album, f"{i + 1:02d} {base}{ext}"), "wb") as dst:
            dst.write(src.read())
    with open(os.path.join(album, "album.yaml"), "w") as y:
        y.write("outputs:\n  - { format: mp3 }\n  - { format: opus, sampleRate: 48000 }\n  - { format: ogg }\n")
    return album


def run(album, reports, extra):
    cmd = [BIN, "master", album, "--loudness", "track", "--target-lufs", "-14", "--reports", reports,
           "--quiet", "--json", "-", *extra]
    out = subprocess.run(cmd, capture_output=True, text=True)
    label = " ".join(extra) or "defaults"
    check(out.returncode == 0, f"{label}: exit {out.returncode}" + (f" {out.stderr.strip()[-300:]}" if out.returncode else ""))
    album_out = os.path.join(reports, os.path.basename(album))
    files = sorted(p for p in glob.glob(os.path.join(album_out, "masters", "**", "*"), recursive=True)
                   if os.path.isfile(p) and not os.path.basename(p).startswith("."))
    check(len(files) >= 8 * 4, f"{label}: {len(files)} masters and variants written (8 tracks x 4 expected)")
    worst = -99.0
    for p in files:
        x, fs = decode(p)
        tp = true_peak_16x(x)
        worst = max(worst, tp)
        if tp > CEILING_DBTP:
            check(False, f"{label}: {os.path.relpath(p, album_out)} ({fs} Hz) decodes at {tp:.2f} dBTP (16x)")
    check(worst <= CEILING_DBTP, f"{label}: highest decoded true peak {worst:.2f} dBTP (16x), ceiling {CEILING_DBTP}")


def main():
    print("Delivery check: real lossy album (Ogg 48 kHz + MP3 22.05 kHz), --loudness track --target-lufs -14")
    self_test()
    with tempfile.TemporaryDirectory() as tmp:
        album = build_album(tmp)
        before = sha(album)
        run(album, os.path.join(tmp, "R1"), [])
        run(album, os.path.join(tmp, "R2"), ["--format", "same"])
        check(sha(album) == before, "no input file changed")
    print(f"{len(passed)} passed, {len(failed)} failed")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
