#!/usr/bin/env python3
"""Mastering checks on real music, with independent measurements where they exist.

1. A real album with real inconsistencies: tracks from two different game soundtracks in Debian
   (singularity-music, 48 kHz Vorbis; asc-music, 22.05 kHz MP3 with nothing above 11 kHz), decoded to 24-bit WAV.
   - `--loudness track --target-lufs -14`: every master reads -14 +/- 0.5 LU and at most -1.0 dBTP on ffmpeg's
     ebur128 filter;
   - defaults: the loudness spread (ffmpeg's figures) shrinks to at most 2 x --max-spread-lu, and the median
     tonal deviation from the album profile falls to at most half (albummaster's figure) and to at most 0.8 dB
     on the independent meter (issue 15; /work/shared/tools/independent_meter.py, or $INDEPENDENT_METER), each
     master over the bands its source's rate holds (the 22.05 kHz tracks are resampled up to 48 kHz, where the
     bands above their source hold nothing the plan could make); the `--format same` figure is printed beside;
   - no input file changes (SHA-256 before and after).
2. Against Matchering 2 (PyPI): one target track matched to one reference, each tool run as a whole process.
   On a full-band pair the output's tonal deviation from the reference must be no worse than Matchering's and
   the run faster. Issue 3 also asks for a tenth of Matchering's wall time; that ratio is printed, and it is
   not met (0.11-0.17, depending on Matchering's run: see docs/benchmarks.md for where the time goes).
Exits 1 when a check fails.
"""
import glob, hashlib, json, math, os, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crosscheck  # noqa: E402  (its ffmpeg reader)

METER = os.environ.get("INDEPENDENT_METER", "/work/shared/tools/independent_meter.py")

BIN = os.environ.get("ALBUMMASTER", os.path.join(os.path.dirname(__file__), "..", ".build", "release", "albummaster"))
failed = []
passed = []


def check(ok, what):
    print(("  ok    " if ok else "  FAIL  ") + what)
    (passed if ok else failed).append(what)


def ffmpeg_ebur128(path):
    """Integrated loudness and true peak from ffmpeg (the reader lives in crosscheck.py)."""
    i, _, tp = crosscheck.ffmpeg_ebur128(path)
    return i, tp


def sha(folder):
    return {f: hashlib.sha256(open(os.path.join(folder, f), "rb").read()).hexdigest() for f in sorted(os.listdir(folder))}


def master(args):
    out = subprocess.run([BIN, "master", *args, "--quiet", "--json", "-"], capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"albummaster master failed ({out.returncode}): {out.stderr}")
    return json.loads(out.stdout)["albums"][0], out.returncode


def deviation_from(path, reference, tmp):
    """Tonal deviation of `path` from `reference`'s profile, measured by albummaster (--plan-only)."""
    doc, _ = master([path, "--reference", reference, "--plan-only", "--reports", os.path.join(tmp, "dev")])
    return doc["tracks"][0]["tonalDeviationDB"]


def independent_tonal(sources, masters):
    """The independent meter's median tonal deviation: of the sources, and of the masters with each master's curve
    kept to the bands the meter gives its source (a master resampled up is not judged on its source's stop band),
    the album profile then made by the meter from those curves. Also the masters' figure over all their bands."""
    if not os.path.isfile(METER):
        return None
    sys.path.insert(0, os.path.dirname(METER))
    import independent_meter as im
    before = im.album(sources)
    top = {os.path.splitext(os.path.basename(r["file"]))[0]: max(r["bandCentersHz"]) for r in before["tracks"]}
    measure, measured = im.measure, {}

    def once(path):  # each master decoded and measured once, for both album figures
        if path not in measured:
            measured[path] = measure(path)
        return dict(measured[path])

    def at_source_bands(path):
        r = once(path)
        keep = [i for i, c in enumerate(r["bandCentersHz"]) if c <= top[os.path.splitext(os.path.basename(path))[0]]]
        r["bandCentersHz"] = [r["bandCentersHz"][i] for i in keep]
        r["tonalBalanceDB"] = [r["tonalBalanceDB"][i] for i in keep]
        return r

    try:
        im.measure = once
        everything = im.album(masters)
        im.measure = at_source_bands
        after = im.album(masters)
    finally:
        im.measure = measure
    return before, after, everything


def real_album(tmp):
    print("Real album: singularity-music + asc-music")
    sources = (sorted(glob.glob("/usr/share/games/singularity/music/*.ogg"))[:5]
               + sorted(glob.glob("/usr/share/games/asc/music/*.mp3")))
    album = os.path.join(tmp, "Mixed Album")
    os.mkdir(album)
    for i, f in enumerate(sources):
        name = f"{i + 1:02d} {os.path.splitext(os.path.basename(f))[0]}.wav"
        subprocess.run(["ffmpeg", "-v", "error", "-i", f, "-c:a", "pcm_s24le", os.path.join(album, name)], check=True)
    before = sha(album)

    doc, rc = master([album, "--loudness", "track", "--target-lufs", "-14", "--reports", os.path.join(tmp, "R1")])
    check(rc == 0, f"track mode: exit {rc}")
    for m in doc["masters"]:
        i, tp = ffmpeg_ebur128(os.path.join(tmp, "R1", "Mixed Album", m["master"]))
        check(abs(i + 14) <= 0.5 and tp <= -1.0, f"{m['file']}: ffmpeg reads {i:.2f} LUFS, {tp:.2f} dBTP")

    doc, rc = master([album, "--reports", os.path.join(tmp, "R2")])
    check(rc == 0, f"default mode: exit {rc}")
    src = [ffmpeg_ebur128(os.path.join(album, t["file"]))[0] for t in doc["tracks"]]
    out = [ffmpeg_ebur128(os.path.join(tmp, "R2", "Mixed Album", m["master"]))[0] for m in doc["masters"]]
    spread_before, spread_after = max(src) - min(src), max(out) - min(out)
    check(spread_after <= 6.0, f"loudness spread (ffmpeg) {spread_before:.2f} -> {spread_after:.2f} LU (at most 6)")
    dev_before = sorted(t["tonalDeviationDB"] for t in doc["tracks"])
    dev_after = sorted(m["analysis"]["tonalDeviationDB"] for m in doc["masters"])
    med = lambda v: (v[len(v) // 2] + v[(len(v) - 1) // 2]) / 2
    check(med(dev_after) <= med(dev_before) / 2,
          f"median tonal deviation {med(dev_before):.2f} -> {med(dev_after):.2f} dB (albummaster; at most half)")
    print("  per track (albummaster, masters): " + ", ".join(
        f"{m['file'][:2]} {m['analysis']['tonalDeviationDB']:.2f}" for m in doc["masters"]))
    meter = independent_tonal(album, os.path.join(tmp, "R2", "Mixed Album", "masters"))
    if meter is None:
        # A fresh machine without the shared meter: said plainly, not passed. The albummaster gate above still holds.
        print(f"  NOT RUN: independent meter not found at {METER} (set INDEPENDENT_METER); the 0.8 dB gate needs it")
    else:
        before_im, after_im, everything = meter
        d_before, d_after = (x["summary"]["medianTonalDeviationDB"] for x in (before_im, after_im))
        check(d_after <= 0.8, f"median tonal deviation {d_before:.2f} -> {d_after:.2f} dB "
                              f"(independent meter, each master over its source's bands; at most 0.8)")
        print("  per track (independent meter): " + ", ".join(
            f"{os.path.basename(r['file'])[:2]} {r['tonalDeviationDB']:.2f}" for r in after_im["tracks"]))
        print(f"  (the same meter over every band of the 48 kHz files: median "
              f"{everything['summary']['medianTonalDeviationDB']:.2f} dB; the 22.05 kHz tracks' sources hold nothing "
              f"above 10 kHz: " + ", ".join(f"{os.path.basename(r['file'])[:2]} {r['tonalDeviationDB']:.2f}"
                                            for r in everything["tracks"]) + ")")
    same, rc = master([album, "--format", "same", "--reports", os.path.join(tmp, "R3")])
    check(rc == 0, f"default mode, --format same: exit {rc}")
    dev_same = sorted(m["analysis"]["tonalDeviationDB"] for m in same["masters"])
    print(f"  --format same (each master at its source's rate): median tonal deviation {med(dev_before):.2f} -> "
          f"{med(dev_same):.2f} dB (albummaster)")
    check(sha(album) == before, "no input file changed")


def timed(cmd):
    t0 = time.time()
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"{cmd[0]} failed ({out.returncode}): {out.stderr[-2000:]}")
    return time.time() - t0


def against_matchering(tmp):
    """Each tool runs as a whole process (start-up and imports included) on the same 44.1 kHz 24-bit WAVs."""
    print("Against Matchering 2")
    music = "/usr/share/games/singularity/music"
    pairs = [("full-band", f"{music}/Nebula.ogg", f"{music}/Deprecation.ogg", True),
             ("band-limited target (22.05 kHz MP3)", "/usr/share/games/asc/music/frontiers.mp3",
              f"{music}/Deprecation.ogg", False)]
    for label, target_src, reference_src, strict in pairs:
        work = os.path.join(tmp, label.split()[0])
        os.mkdir(work)
        target, reference = os.path.join(work, "target.wav"), os.path.join(work, "reference.wav")
        for src, dst in ((target_src, target), (reference_src, reference)):
            subprocess.run(["ffmpeg", "-v", "error", "-i", src, "-ar", "44100", "-c:a", "pcm_s24le", dst], check=True)
        mg_out = os.path.join(work, "matchering.wav")
        mg_seconds = timed([sys.executable, "-c",
                            "import sys, matchering as mg; mg.log(lambda *_: None); "
                            "mg.process(target=sys.argv[1], reference=sys.argv[2], results=[mg.pcm24(sys.argv[3])])",
                            target, reference, mg_out])
        our_seconds = timed([BIN, "master", target, "--reference", reference, "--bits", "24", "--quiet",
                             "--reports", os.path.join(work, "M")])
        ours = os.path.join(work, "M", "target", "masters", "target.wav")
        d_src, d_mg, d_ours = (deviation_from(p, reference, work) for p in (target, mg_out, ours))
        print(f"  {label}: tonal deviation from the reference: source {d_src:.2f} dB, "
              f"Matchering {d_mg:.2f} dB, AlbumMaster {d_ours:.2f} dB")
        print(f"  {label}: wall time Matchering {mg_seconds:.2f} s, AlbumMaster {our_seconds:.2f} s "
              f"(ratio {our_seconds / mg_seconds:.2f}; issue 3 asks for 0.10, not met: see docs/benchmarks.md)")
        if strict:
            check(d_ours <= d_mg, f"{label}: deviation {d_ours:.2f} dB no worse than Matchering's {d_mg:.2f} dB")
            check(our_seconds < mg_seconds, f"{label}: faster than Matchering ({our_seconds:.2f} s < {mg_seconds:.2f} s)")
        else:
            # AlbumMaster never boosts bands without content (issue 3), so above the MP3's 11 kHz cut-off it
            # cannot follow the reference; Matchering amplifies what is there. Shown, not judged.
            print("  (not judged: the target has no content where the reference has; AlbumMaster does not boost it)")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        real_album(tmp)
        against_matchering(tmp)
    print(f"{len(passed)} passed, {len(failed)} failed")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
