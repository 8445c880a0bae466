#!/usr/bin/env python3
"""Issue 15's EQ, phase and DC checks, measured independently (NumPy/SciPy/ffmpeg through
/work/shared/tools/independent_meter.py or its copy named by $INDEPENDENT_METER; never the tool's own figures).

  eqcheck.py [--keep DIR]

1. Tonal deviation (1/3-octave-smoothed curves, RMS over 60 Hz-12 kHz from the album median; each master over
   the bands its source's rate holds, scripts/mastercheck.py's measure): each album is mastered with the defaults. A moderate album (source median <= 4 dB) must reach <= 0.8 dB; a very inconsistent
   one (>= 6 dB) must at least halve. Albums: .build-bench/outlier/Outlier and .build-bench/real/Real (moderate),
   .build-bench/inconsistent/Inconsistent (very inconsistent), assembled by scripts/dynamics-albums.py if absent.
2. DC: every master channel at most -70 dBFS and never above the source's (whole-track mean per channel).
3. The empty-band rule, on masters of the EQ and gain alone (`--limiter off --dynamics-amount 0 --bits 32f`; the
   limiter's and compressor's intermodulation fills near-empty bands a little): where a source band is 45 dB or more under the track's median band (the tool's rule is
   40 dB on its own meter; 5 dB of margin for the two meters), the master's band rises by at most 1 dB more than
   the track's gain (the median change over the bands with content, 100 Hz-10 kHz); bands under -110 dBFS in the
   master (dither) are skipped.
4. Pre-ringing: drum hits in digital silence (44.1 and 96 kHz, stereo and mono) rendered from a plan with a +6 dB
   correction at 40 Hz and -6 dB at 3 kHz and the plan's default phase: the loudest sample from 2 ms before the
   onset is <= -40 dB relative to the hit's peak, and <= -60 dB earlier than 10 ms before it.
Prints PASS/FAIL lines; exit 1 on any FAIL.
"""
import contextlib, json, math, os, shutil, statistics, subprocess, sys, tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mastercheck  # noqa: E402  (the independent tonal measure over each source's bands)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BIN = os.environ.get("ALBUMMASTER", os.path.join(ROOT, ".build", "release", "albummaster"))
METER = os.environ.get("INDEPENDENT_METER", "/work/shared/tools/independent_meter.py")
ALBUMS = [("outlier", "Outlier"), ("real", "Real"), ("inconsistent", "Inconsistent")]
failed = []
IM = None  # the independent meter's module, imported in main() when it is there
EMPTY_DB = 45.0  # item 3: a band this far under the track's median band level is clearly empty


def check(ok, what):
    print(("PASS  " if ok else "FAIL  ") + what)
    if not ok:
        failed.append(what)


def spectrum_and_dc(path):
    """The independent meter's decode, loudness (ffmpeg), 1/6-octave spectrum and per-channel mean, and nothing
    else: its 16x true peak and PSR are what made a whole run take 30 minutes, and no check here reads them."""
    x, fs = IM.decode(path)
    c, lv = IM.sixth_octave(x, fs)
    integrated = IM.ffmpeg_loudness(path)[0]
    return {"file": path, "sampleRate": fs, "integratedLUFS": integrated, "psrDB": None, "truePeak16xDBTP": -math.inf,
            "dcDBFS": [20 * math.log10(max(abs(float(m)), 1e-12)) for m in np.mean(x, axis=0)],
            "bandCentersHz": c.tolist(), "tonalBalanceDB": (lv - integrated).tolist()}


def meter(folder):
    return {os.path.splitext(os.path.basename(t["file"]))[0]: t for t in IM.album(folder)["tracks"]}


def master(album, out, reports, *args):
    r = subprocess.run([BIN, "master", album, "--output", out, "--reports", reports, "--quiet", *args],
                       capture_output=True, text=True)
    if r.returncode not in (0, 1):
        sys.exit(f"eqcheck: albummaster master {album} failed ({r.returncode}): {r.stderr}")


def albums_checks(tmp):
    for kind, name in ALBUMS:
        album = os.path.join(ROOT, ".build-bench", kind, name)
        if not os.path.isdir(album):
            subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "dynamics-albums.py"), kind,
                            os.path.dirname(album)], check=True)
        out = os.path.join(tmp, kind)
        master(album, out, os.path.join(tmp, kind + "-reports"))
        src, dst = meter(album), meter(out)
        # The empty-band rule is the EQ's: judged on the same plan's EQ and gain alone (no limiter, no compressor,
        # float output), since limiting and compression spray a little energy into every band (their
        # intermodulation raised near-empty bands 2.7-2.9 dB on the defaults' masters, with or without the EQ).
        linear_out = os.path.join(tmp, kind + "-linear")
        master(album, linear_out, os.path.join(tmp, kind + "-linear-reports"), "--limiter", "off",
               "--dynamics-amount", "0", "--bits", "32f")
        linear = meter(linear_out)
        # mastercheck's measure (one home): each master over the bands its source's rate holds.
        tonal_before, tonal_after, tonal_all = mastercheck.independent_tonal(album, out)
        before = statistics.median(t["tonalDeviationDB"] for t in tonal_before["tracks"])
        after = statistics.median(t["tonalDeviationDB"] for t in tonal_after["tracks"])
        print(f"INFO  tonal {name}: per track " + ", ".join(
            f"{os.path.basename(a['file'])[:2]} {b['tonalDeviationDB']:.2f}->{a['tonalDeviationDB']:.2f}"
            for b, a in zip(tonal_before["tracks"], tonal_after["tracks"])) + "; over every band of the masters "
            f"{statistics.median(t['tonalDeviationDB'] for t in tonal_all['tracks']):.2f}")
        if before <= 4:
            check(after <= 0.8, f"tonal {name}: moderate album {before:.2f} dB -> {after:.2f} dB median (<= 0.8)")
        elif before >= 6:
            check(after <= before / 2, f"tonal {name}: very inconsistent album {before:.2f} dB -> {after:.2f} dB median "
                  f"(<= {before / 2:.2f}, half)")
        else:
            print(f"INFO  tonal {name}: {before:.2f} dB -> {after:.2f} dB (neither moderate nor very inconsistent)")
        for key, s in sorted(src.items()):
            d = dst[key]
            dc = [x if finite(x) else -math.inf for x in d["dcDBFS"]]
            sdc = [x if finite(x) else -math.inf for x in s["dcDBFS"]]
            worst = max(dc)
            check(worst <= -70 and all(a <= b + 1e-9 for a, b in zip(dc, sdc)),
                  f"DC {name}/{key}: {worst:.1f} dBFS (source {max(sdc):.1f}; <= -70 and never above the source's)")
            check(empty_band_ok(s, linear[key]), f"empty bands {name}/{key}: not raised by more than 1 dB by the EQ")


def finite(x):
    return x is not None and math.isfinite(x)


def empty_band_ok(s, d, gain_db=None):
    """Clearly empty source bands (EMPTY_DB under the median band; the tool's rule is 40 dB on its own meter, this
    one reads another) rise by at most 1 dB more than the track's gain: gain_db when given (the plan's broadband
    gain: under a large EQ, as a reference asks for, the median change is mostly the EQ's cuts), else the median
    level change over the bands with content from 100 Hz to 10 kHz. Bands under -110 dBFS in the master (dither)
    are skipped."""
    src = {f: b + s["integratedLUFS"] for f, b in zip(s["bandCentersHz"], s["tonalBalanceDB"]) if finite(b)}
    dst = {f: b + d["integratedLUFS"] for f, b in zip(d["bandCentersHz"], d["tonalBalanceDB"]) if finite(b)}
    median = statistics.median(src.values())
    gain = gain_db if gain_db is not None else statistics.median(
        dst[f] - l for f, l in src.items() if f in dst and 100 <= f <= 10000 and l > median - 20)
    for f, level in src.items():
        if level > median - EMPTY_DB or f not in dst or dst[f] < -110:
            continue
        if dst[f] - level - gain > 1:
            print(f"      {f:.0f} Hz: {median - level:.1f} dB under the median, raised {dst[f] - level - gain:+.1f} dB "
                  f"beyond the track's gain")
            return False
    return True


def write_wav(path, x, rate):
    # 32-bit float through ffmpeg: no extra dependency.
    raw = path + ".f32"
    np.asarray(x, dtype="<f4").tofile(raw)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "f32le", "-ar", str(rate), "-ac", str(x.shape[1]),
                    "-i", raw, "-c:a", "pcm_f32le", path], check=True)
    os.remove(raw)


def read_wav(path, channels):
    raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "f32le", "-"], capture_output=True,
                         check=True).stdout
    return np.frombuffer(raw, dtype="<f4").reshape(-1, channels).astype(np.float64)


def drum(rate, channels, onset, frames):
    rng = np.random.default_rng(7)
    t = np.arange(int(0.3 * rate)) / rate
    hit = (0.6 * np.sin(2 * np.pi * 60 * t) + 0.3 * rng.uniform(-1, 1, len(t))) * np.exp(-t / 0.05)
    x = np.zeros((frames, channels))
    x[onset:onset + len(hit)] = hit[:, None]
    return x


def prering_checks(tmp):
    centres = [1000 * 2 ** (k / 6) for k in range(-34, 43) if 1000 * 2 ** (k / 6) <= 20000]
    gains = [max(0, 6 - 6 * abs(math.log2(f / 40))) - max(0, 6 - 6 * abs(math.log2(f / 3000))) for f in centres]
    for rate, channels in [(44100, 2), (96000, 1)]:
        album = os.path.join(tmp, f"Drums{rate}x{channels}")
        os.makedirs(album)
        onset, frames = rate, 2 * rate
        write_wav(os.path.join(album, "hit.wav"), drum(rate, channels, onset, frames), rate)
        reports = os.path.join(tmp, f"drum-reports{rate}x{channels}")
        master(album, os.path.join(tmp, "drum-plan"), reports, "--plan-only")
        plan_path = os.path.join(reports, os.path.basename(album), "plan.json")
        plan = json.load(open(plan_path))
        t = plan["tracks"][0]
        phase = t.get("eqPhase") or "linear"
        t.update({"eq": {"frequenciesHz": centres, "gainsDB": gains}, "gainDB": 0, "widthDB": 0, "limiter": False,
                  "dynamics": None})
        edited = os.path.join(tmp, f"plan{rate}x{channels}.json")
        json.dump(plan, open(edited, "w"))
        out = os.path.join(tmp, f"drum-out{rate}x{channels}")
        r = subprocess.run([BIN, "render", album, "--plan", edited, "--output", out, "--reports", reports + "-r",
                            "--bits", "32f", "--quiet"], capture_output=True, text=True)
        if r.returncode not in (0, 1):
            sys.exit(f"eqcheck: albummaster render failed ({r.returncode}): {r.stderr}")
        y = read_wav(os.path.join(out, os.listdir(out)[0]), channels)
        peak = np.max(np.abs(y))
        at2 = 20 * np.log10(max(1e-30, np.max(np.abs(y[:onset - int(0.002 * rate)])) / peak))
        at10 = 20 * np.log10(max(1e-30, np.max(np.abs(y[:onset - int(0.010 * rate)])) / peak))
        check(len(y) == frames, f"pre-ringing {rate} Hz x{channels} ({phase}): frame count {len(y)} = {frames}")
        check(at2 <= -40, f"pre-ringing {rate} Hz x{channels} ({phase}): {at2:.1f} dB from 2 ms before the onset (<= -40)")
        check(at10 <= -60, f"pre-ringing {rate} Hz x{channels} ({phase}): {at10:.1f} dB earlier than 10 ms (<= -60)")


@contextlib.contextmanager
def work_folder(argv, prefix):
    """The scratch folder: `--keep DIR` (emptied first, kept after) or a temp folder removed after."""
    keep = argv[argv.index("--keep") + 1] if "--keep" in argv else None
    tmp = keep or tempfile.mkdtemp(prefix=prefix)
    if keep:
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
    try:
        yield tmp
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv):
    with work_folder(argv, "eqcheck-") as tmp:
        prering_checks(tmp)
        if os.path.isfile(METER):
            global IM
            sys.path.insert(0, os.path.dirname(METER))
            import independent_meter as IM  # noqa: E402
            IM.measure = spectrum_and_dc  # for mastercheck.independent_tonal too: its album() calls IM.measure
            albums_checks(tmp)
        else:  # as mastercheck.py: a machine without the shared meter does not fail the run
            print(f"NOT RUN  tonal, DC and empty-band checks: independent meter not found at {METER} "
                  "(set INDEPENDENT_METER)")
    print(f"eqcheck: {len(failed)} FAIL" if failed else "eqcheck: all PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
