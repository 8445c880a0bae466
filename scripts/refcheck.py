#!/usr/bin/env python3
"""Issue 15's reference mode against Matchering 2 on a whole inconsistent album, measured independently.

  refcheck.py [--keep DIR] [-- MASTER_ARGS...]   (MASTER_ARGS go to `albummaster master`, for experiments)

The album is scripts/dynamics-albums.py's "inconsistent" one (Wesnoth orchestral, Singularity electronic, a
22.05 kHz asc-music MP3: median tonal deviation >= 6 dB); the reference is another piece, Singularity's
"Deprecation" (not on the album). To keep the run within minutes on two shared cores every file is an excerpt of
EXCERPT_S seconds from the middle of its track (the whole track when shorter), decoded by ffmpeg to 44.1 kHz
24-bit WAV so both tools read the same samples. AlbumMaster masters the album with `--reference REF` and
otherwise its defaults; Matchering processes every track against the same reference (one process, 24-bit).

Measured here, never by either tool, reading each file in blocks (memory does not grow with its length):
- tonal deviation from the reference: the independent meter's definition ($INDEPENDENT_METER, default
  /work/shared/tools/independent_meter.py): 1/6-octave long-term spectrum minus the integrated loudness (ffmpeg
  ebur128), both curves smoothed to 1/3 octave, RMS over 60 Hz-12 kHz of the mean-removed difference;
- true peak at 16x oversampling (SciPy's polyphase resampler, Kaiser window) against CEILING_DBTP;
- the empty-band rule of scripts/eqcheck.py (a band 45 dB under the source's median band rises by at most 1 dB
  more than the track's gain). For AlbumMaster the gain is its plan's `gainDB` (the one figure taken from the
  tool: eqcheck's own estimate, the median change over the bands with content, reads the large cuts a reference
  asks for as a lower gain); for Matchering, which states none, it is eqcheck's estimate.
The block-wise measure is checked first against the meter itself on the reference (bands and peak within
0.01 dB; the meter reads that excerpt whole). PASS when AlbumMaster's median deviation is no worse than
Matchering's, none of its masters goes over the ceiling and the empty-band rule holds on every master;
Matchering's overs and empty bands are printed, not judged. Exit 1 on any FAIL.
"""
import importlib.util, json, os, statistics, subprocess, sys, time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import eqcheck  # noqa: E402  (its empty-band criterion)
from deliverycheck import CEILING_DBTP  # noqa: E402  (one home for the ceiling)

BIN = os.environ.get("ALBUMMASTER", os.path.join(HERE, "..", ".build", "release", "albummaster"))
METER_PATH = os.environ.get("INDEPENDENT_METER", "/work/shared/tools/independent_meter.py")
REFERENCE = "/usr/share/games/singularity/music/Deprecation.ogg"
EXCERPT_S = 75.0
RATE_HZ = 44100  # Matchering works at 44.1 kHz; both tools get the same files
BLOCK_FRAMES = 1 << 16
failed = []


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


meter = load("independent_meter", METER_PATH) if os.path.isfile(METER_PATH) else None
albums = load("dynamics_albums", os.path.join(HERE, "dynamics-albums.py"))


def check(ok, what):
    print(("PASS  " if ok else "FAIL  ") + what)
    if not ok:
        failed.append(what)


def excerpt(src, dst):
    """EXCERPT_S seconds from the middle of src (all of it when shorter) as 44.1 kHz 24-bit WAV."""
    seconds = float(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                                    src], capture_output=True, text=True, check=True).stdout)
    start = max(0.0, (seconds - EXCERPT_S) / 2)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-ss", f"{start:.3f}", "-t", f"{EXCERPT_S}", "-i", src,
                    "-ar", str(RATE_HZ), "-c:a", "pcm_s24le", "-map_metadata", "-1", dst], check=True)


def blocks(path):
    """ffmpeg's decode as float64 blocks (frames x channels), and the rate and channel count."""
    info = json.loads(subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                                      "stream=sample_rate,channels", "-of", "json", path],
                                     capture_output=True, text=True, check=True).stdout)["streams"][0]
    fs, ch = int(info["sample_rate"]), int(info["channels"])

    def gen():
        p = subprocess.Popen(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "f32le", "-acodec", "pcm_f32le",
                              "-"], stdout=subprocess.PIPE)
        size = BLOCK_FRAMES * ch * 4
        while True:
            raw = p.stdout.read(size)
            if not raw:
                break
            yield np.frombuffer(raw[:len(raw) - len(raw) % (ch * 4)], dtype="<f4").reshape(-1, ch).astype(np.float64)
        if p.wait() != 0:
            sys.exit(f"refcheck: ffmpeg could not decode {path}")
    return gen(), fs, ch


def measure(path):
    """The meter's 1/6-octave curve and 16x true peak, computed block by block, plus ffmpeg's loudness."""
    gen, fs, ch = blocks(path)
    n = 1 << int(np.ceil(np.log2(fs / 6.0)))  # the meter's Welch length, hop n/2, Hann, frames under -70 dBFS out
    w = np.hanning(n)
    acc, cnt = np.zeros(n // 2 + 1), 0
    pad = 256
    spec_buf = np.zeros((0, ch))
    tp_prev = np.zeros((0, ch))  # the last `pad` frames already peak-checked, as left context
    tp_cur = np.zeros((0, ch))
    peak = 0.0

    def peak_of(left, body, right):
        from scipy.signal import resample_poly
        y = resample_poly(np.concatenate([left, body, right]), 16, 1, axis=0, window=("kaiser", 12.0))
        return float(np.max(np.abs(y[len(left) * 16:(len(left) + len(body)) * 16])))

    for b in gen:
        spec_buf = np.concatenate([spec_buf, b])
        while len(spec_buf) >= n:
            seg = spec_buf[:n]
            if np.sqrt(np.mean(seg ** 2)) > 10 ** (-70 / 20):
                acc += np.mean(np.abs(np.fft.rfft(seg * w[:, None], axis=0)) ** 2, axis=1)
                cnt += 1
            spec_buf = spec_buf[n // 2:]
        tp_cur = np.concatenate([tp_cur, b])
        while len(tp_cur) >= BLOCK_FRAMES + pad:
            body, right = tp_cur[:BLOCK_FRAMES], tp_cur[BLOCK_FRAMES:BLOCK_FRAMES + pad]
            peak = max(peak, peak_of(tp_prev, body, right))
            tp_prev, tp_cur = body[-pad:], tp_cur[BLOCK_FRAMES:]
    if len(tp_cur):
        peak = max(peak, peak_of(tp_prev, tp_cur, np.zeros((0, ch))))
    acc /= max(cnt, 1)
    freqs = np.fft.rfftfreq(n, 1 / fs)
    top = min(20000.0, 0.45 * fs)
    c = np.array([1000 * 2 ** (k / 6) for k in range(-60, 60) if 19.0 <= 1000 * 2 ** (k / 6) <= top])
    lv = []
    for fc in c:
        m = (freqs >= fc * 2 ** (-1 / 12)) & (freqs < fc * 2 ** (1 / 12))
        lv.append(10 * np.log10(acc[m].mean() + 1e-30) if m.any() else np.nan)
    integrated, _, _ = meter.ffmpeg_loudness(path)
    return {"integratedLUFS": integrated, "bandCentersHz": c.tolist(),
            "tonalBalanceDB": (np.array(lv) - integrated).tolist(), "truePeak16xDBTP": 20 * np.log10(max(peak, 1e-12))}


def deviation(track, reference):
    return meter.tonal_deviation(np.array(track["bandCentersHz"]), np.array(track["tonalBalanceDB"]),
                                 np.array(reference["bandCentersHz"]), np.array(reference["tonalBalanceDB"]))


def run(cmd, what):
    t0 = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode not in (0, 1):
        sys.exit(f"refcheck: {what} failed ({r.returncode}): {r.stderr[-2000:]}")
    return time.time() - t0


def matchering(album, reference, out):
    os.makedirs(out)
    script = ("import os, sys, matchering as mg; mg.log(lambda *_: None)\n"
              "for f in sorted(os.listdir(sys.argv[1])):\n"
              "    mg.process(target=os.path.join(sys.argv[1], f), reference=sys.argv[2],"
              " results=[mg.pcm24(os.path.join(sys.argv[3], f))])\n")
    return run([sys.executable, "-c", script, album, reference, out], "Matchering")


def main(argv):
    t0 = time.time()
    if meter is None:  # as mastercheck.py: a machine without the shared meter does not fail the run
        print(f"refcheck: NOT RUN: independent meter not found at {METER_PATH} (set INDEPENDENT_METER)")
        return 0
    with eqcheck.work_folder(argv, "refcheck-") as tmp:
        name, sources = albums.sources("inconsistent")
        missing = [f for f in sources + [REFERENCE] if not os.path.exists(f)]
        if missing:
            sys.exit(f"refcheck: {missing[0]}: not found (install wesnoth-1.16-music, singularity-music, asc-music)")
        album = os.path.join(tmp, name)
        os.makedirs(album)
        for i, f in enumerate(sources):
            excerpt(f, os.path.join(album, f"{i + 1:02d} {os.path.splitext(os.path.basename(f))[0]}.wav"))
        reference = os.path.join(tmp, "reference.wav")
        excerpt(REFERENCE, reference)
        ours_dir, mg_dir = os.path.join(tmp, "albummaster"), os.path.join(tmp, "matchering")
        reports = os.path.join(tmp, "reports")
        extra = argv[argv.index("--") + 1:] if "--" in argv else []
        ours_s = run([BIN, "master", album, "--reference", reference, "--output", ours_dir, "--reports", reports,
                      "--quiet", *extra], "albummaster master")
        plan = json.load(open(os.path.join(reports, name, "plan.json")))
        gains = {t["file"]: t["gainDB"] for t in plan["tracks"]}
        mg_s = matchering(album, reference, mg_dir)
        report(album, reference, ours_dir, mg_dir, ours_s, mg_s, gains)
    print(f"refcheck: wall time {time.time() - t0:.0f} s")
    print(f"refcheck: {len(failed)} FAIL" if failed else "refcheck: all PASS")
    return 1 if failed else 0


def output_for(folder, track):
    stem = os.path.splitext(track)[0]
    hits = [f for f in os.listdir(folder) if os.path.splitext(f)[0] == stem]
    if len(hits) != 1:
        sys.exit(f"refcheck: no single output for {track} in {folder}: {sorted(os.listdir(folder))}")
    return os.path.join(folder, hits[0])


def report(album, reference, ours_dir, mg_dir, ours_s, mg_s, gains):
    ref = measure(reference)
    whole = meter.measure(reference)  # the meter itself, reading the whole excerpt at once
    a, b = np.array(ref["tonalBalanceDB"]), np.array(whole["tonalBalanceDB"])  # NaN: a band with no FFT bin
    same = a.shape == b.shape and np.array_equal(np.isnan(a), np.isnan(b))
    drift = float(np.nanmax(np.abs(a - b))) if same else float("inf")
    check(same and drift <= 0.01
          and abs(ref["truePeak16xDBTP"] - whole["truePeak16xDBTP"]) <= 0.01,
          f"block-wise measure equals the independent meter on the reference (bands within {drift:.4f} dB, "
          f"16x peak {ref['truePeak16xDBTP']:.3f} vs {whole['truePeak16xDBTP']:.3f} dBTP)")
    rows = []
    for track in sorted(f for f in os.listdir(album) if f.endswith(".wav")):
        src = measure(os.path.join(album, track))
        ours = measure(output_for(ours_dir, track))
        mg = measure(output_for(mg_dir, track))
        rows.append((track, src, ours, mg))
    print(f"Reference: {os.path.basename(REFERENCE)}; excerpts of {EXCERPT_S:.0f} s at {RATE_HZ} Hz. "
          f"Wall time AlbumMaster {ours_s:.1f} s, Matchering {mg_s:.1f} s")
    print(f"{'track':34s} {'dev src':>8s} {'dev AM':>8s} {'dev MG':>8s} {'TP AM':>7s} {'TP MG':>7s} "
          f"{'empty AM':>8s} {'empty MG':>8s}")
    dev = {"src": [], "ours": [], "mg": []}
    for track, src, ours, mg in rows:
        d = [deviation(x, ref) for x in (src, ours, mg)]
        for k, v in zip(dev, d):
            dev[k].append(v)
        e_ours, e_mg = eqcheck.empty_band_ok(src, ours, gains[track]), eqcheck.empty_band_ok(src, mg)
        print(f"{track[:34]:34s} {d[0]:8.2f} {d[1]:8.2f} {d[2]:8.2f} {ours['truePeak16xDBTP']:7.2f} "
              f"{mg['truePeak16xDBTP']:7.2f} {'ok' if e_ours else 'RAISED':>8s} {'ok' if e_mg else 'RAISED':>8s}")
        check(ours["truePeak16xDBTP"] <= CEILING_DBTP,
              f"{track}: AlbumMaster {ours['truePeak16xDBTP']:.2f} dBTP at 16x (<= {CEILING_DBTP})")
        check(e_ours, f"{track}: AlbumMaster raises no empty band beyond the track's gain ({gains[track]:+.2f} dB)")
    med = {k: statistics.median(v) for k, v in dev.items()}
    overs_mg = sum(mg["truePeak16xDBTP"] > CEILING_DBTP for _, _, _, mg in rows)
    print(f"INFO  Matchering: {overs_mg} of {len(rows)} outputs over {CEILING_DBTP} dBTP (not judged)")
    check(med["ours"] <= med["mg"], f"median tonal deviation from the reference: source {med['src']:.2f} dB, "
          f"AlbumMaster {med['ours']:.2f} dB, Matchering {med['mg']:.2f} dB (AlbumMaster <= Matchering)")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
