#!/usr/bin/env python3
"""Issue 14's evidence tables: do the dynamics (the defaults) make an album's micro-dynamics consistent without
harm, compared with the limiter alone (--dynamics-amount 0)? Measured independently of AlbumMaster's meters.

Usage:
  dynamics-tables.py --master ALBUM [--work DIR] [-- ALBUMMASTER_ARGS...]
      masters ALBUM twice (defaults, and --dynamics-amount 0) into DIR (default: a temp folder), then measures;
  dynamics-tables.py ALBUM DEFAULTS_MASTERS AMOUNT0_MASTERS
      measures masters already made; each masters folder's parent is its report folder (plan.json, analysis.json);
  dynamics-tables.py --self-test
      checks the meter on signals whose figures are known.
The binary is $ALBUMMASTER (default .build/release/albummaster). Exit 0 when every criterion passes, 1 when one
fails, 2 when something could not be run or measured.

Measured here (NumPy/SciPy; decoding, integrated loudness and LRA by ffmpeg):
  short-term PSR  every 100 ms once 3 s are in: the true peak of the last 3 s (4x polyphase oversampling, a
                  Kaiser FIR of SciPy's, not libebur128's) minus the short-term loudness of the same 3 s (BS.1770
                  K-weighting designed for the file's rate, channel-weighted mean square); values gated as LRA
                  gates (EBU Tech 3342: -70 LUFS, then 20 LU under the power mean); the median;
  integrated      ffmpeg's ebur128 filter (full precision), and this meter's own gated loudness as a check on its
                  K-weighting (they must agree within 0.1 LU, else exit 2);
  true peak       the largest 4x-oversampled sample.
Read from AlbumMaster's report folders: the limiter's 99th-percentile gain reduction, the plan's budget and
reasons, and the album's PSR target as planned (shown beside this meter's median of the source PSRs).

Criteria (issue 14, "Done when"), defaults against --dynamics-amount 0:
  1. the PSR spread (max - min over the tracks) shrinks by at least 30 %;
  2. no track of the defaults' masters is more than 1 dB under min(its source PSR, the album target);
  3. every track holds the limiting budget (p99 within the plan's budget + QA's margin, i.e. no `limiting` QA
     finding), or its plan says why (a reason naming the budget).
"""
import json, math, os, re, shutil, subprocess, sys, tempfile

import numpy as np
from scipy.signal import lfilter, resample_poly

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crosscheck  # noqa: E402  (ffmpeg's ebur128 read at full precision)

BIN = os.environ.get("ALBUMMASTER", os.path.join(os.path.dirname(__file__), "..", ".build", "release", "albummaster"))
AUDIO = (".wav", ".flac", ".ogg", ".mp3", ".aif", ".aiff", ".w64", ".rf64", ".caf", ".opus")
SHRINK_GOAL = 0.30       # criterion 1
FLOOR_MARGIN_DB = 1.0    # criterion 2
METER_AGREEMENT_LU = 0.1  # this meter's integrated loudness against ffmpeg's
OVERSAMPLING = 4


def decode(path):
    """The file's samples as float64 frames x channels, and its rate (ffmpeg)."""
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                            "stream=sample_rate,channels", "-of", "json", path], capture_output=True, text=True, check=True)
    s = json.loads(probe.stdout)["streams"][0]
    rate, channels = int(s["sample_rate"]), int(s["channels"])
    raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "f32le", "-acodec", "pcm_f32le", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.float32).reshape(-1, channels).astype(np.float64), rate


def k_weighting(rate):
    """BS.1770's two biquads (shelf, then high-pass) by the bilinear transform of their analog prototypes, for any
    rate: at 48 kHz they are the standard's coefficients to 1e-8."""
    k = math.tan(math.pi * 1681.974450955533 / rate)
    vh = 10 ** (3.999843853973347 / 20)
    vb = vh ** 0.4996667741545416
    q = 0.7071752369554196
    a0 = 1 + k / q + k * k
    shelf = ([(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0],
             [1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0])
    k = math.tan(math.pi * 38.13547087602444 / rate)
    q = 0.5003270373238773
    a0 = 1 + k / q + k * k
    highpass = ([1.0, -2.0, 1.0], [1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0])
    return shelf, highpass


def channel_weights(channels):
    """BS.1770's weights: 1 for L, R, C; 1.41 for the surrounds; 0 for the LFE (5.1 order L R C LFE Ls Rs)."""
    if channels == 6:
        return np.array([1.0, 1.0, 1.0, 0.0, 1.41, 1.41])
    return np.ones(channels)


def block_measures(x, rate):
    """Per 100 ms block: the channel-weighted K-weighted energy (sum of squares) and the 4x true peak."""
    hop = rate // 10
    n = len(x) // hop
    (sb, sa), (hb, ha) = k_weighting(rate)
    energy = np.zeros(n)
    for c, w in enumerate(channel_weights(x.shape[1])):
        if w:
            y = lfilter(hb, ha, lfilter(sb, sa, x[:, c]))
            energy += w * np.sum((y[:n * hop] ** 2).reshape(n, hop), axis=1)
    peaks = np.zeros(n)
    pad = 64  # 10 s at a time, with context so that the filter has no edges inside a chunk
    for b0 in range(0, n, 100):
        b1 = min(n, b0 + 100)
        start, stop = b0 * hop, b1 * hop
        lo, hi = max(0, start - pad), min(len(x), stop + pad)
        up = np.max(np.abs(resample_poly(x[lo:hi], OVERSAMPLING, 1, axis=0)), axis=1)
        up = up[(start - lo) * OVERSAMPLING:(stop - lo) * OVERSAMPLING]
        peaks[b0:b1] = np.max(up.reshape(b1 - b0, hop * OVERSAMPLING), axis=1)
    return energy, peaks, hop


def lufs(mean_square):
    return -0.691 + 10 * np.log10(np.maximum(mean_square, 1e-30))


def integrated(energy, hop):
    """BS.1770 gated loudness from the 100 ms blocks: 400 ms windows every 100 ms, -70 LUFS, then -10 LU."""
    if len(energy) < 4:
        return None
    cs = np.concatenate([[0.0], np.cumsum(energy)])
    z = (cs[4:] - cs[:-4]) / (4 * hop)
    z = z[lufs(z) > -70]
    if len(z) == 0:
        return None
    z = z[lufs(z) > lufs(np.mean(z)) - 10]
    return float(lufs(np.mean(z)))


def psr(energy, peaks, hop):
    """The median short-term PSR and its 10th and 90th percentiles, or None (shorter than 3 s, or silent)."""
    if len(energy) < 30:
        return None
    cs = np.concatenate([[0.0], np.cumsum(energy)])
    st = lufs((cs[30:] - cs[:-30]) / (30 * hop))
    peak = np.max(np.lib.stride_tricks.sliding_window_view(peaks, 30), axis=1)
    values = 20 * np.log10(np.maximum(peak, 1e-12)) - st
    keep = st > -70
    if not keep.any():
        return None
    keep &= st > lufs(np.mean(10 ** ((st[keep] + 0.691) / 10))) - 20
    v = values[keep]
    return {"median": float(np.median(v)), "p10": float(np.percentile(v, 10)), "p90": float(np.percentile(v, 90))}


def measure(path):
    """Everything the tables need from one file."""
    x, rate = decode(path)
    energy, peaks, hop = block_measures(x, rate)
    i_ffmpeg, lra, _ = crosscheck.ffmpeg_ebur128(path)
    tp = 20 * math.log10(max(float(np.max(peaks)) if len(peaks) else 0.0, 1e-12))
    return {"psr": psr(energy, peaks, hop), "lufs": i_ffmpeg, "lufsHere": integrated(energy, hop), "lra": lra,
            "truePeak": tp}


def audio_files(folder):
    return sorted(f for f in os.listdir(folder) if f.lower().endswith(AUDIO) and not f.startswith("."))


def load_json(path):
    with open(path) as f:
        return json.load(f)


def report(masters):
    """What AlbumMaster's report folder (the masters folder's parent) says per source file: the limiter's p99, the
    budget, the plan's reasons and notes, whether QA flagged `limiting`; and the planned album PSR target."""
    folder = os.path.dirname(os.path.abspath(masters))
    plan, analysis = load_json(os.path.join(folder, "plan.json")), load_json(os.path.join(folder, "analysis.json"))
    albums = analysis.get("albums", [analysis])
    a = albums[0] if albums else {}
    out = {}
    for t in plan.get("tracks", []):
        d = t.get("dynamics") or {}
        out[t["file"]] = {"budget": d.get("maxLimitingDB"), "reasons": list(t.get("reasons") or []), "p99": None,
                          "master": None, "flagged": False}
    for m in a.get("masters", []):
        r = out.setdefault(m["file"], {"budget": None, "reasons": [], "flagged": False})
        render = m.get("render") or {}
        r["p99"] = render.get("limiterP99GainReductionDB")
        r["master"] = m.get("master")
        r["reasons"] += list(((render.get("dynamics") or {}).get("notes")) or [])
    qa = a.get("qa") or {}
    for q in qa.get("findings", []) if isinstance(qa, dict) else qa:
        if q.get("check") == "limiting" and q.get("status") != "pass" and q.get("track") in out:
            out[q["track"]]["flagged"] = True
    return out, (plan.get("profile") or {}).get("psrDB")


def fmt(v, digits=2, width=7):
    return f"{v:{width}.{digits}f}" if isinstance(v, (int, float)) and v is not None else f"{'-':>{width}}"


def tables(source, defaults, amount0):
    """Measures the three folders, prints the tables and the criteria; returns the exit status."""
    names = audio_files(source)
    rep_d, planned_target = report(defaults)
    rep_0, _ = report(amount0)
    rows = []
    for name in names:
        row = {"name": name, "src": measure(os.path.join(source, name))}
        for key, rep, folder in (("d", rep_d, defaults), ("z", rep_0, amount0)):
            r = rep.get(name) or {}
            # analysis.json names a master relative to its report folder (`masters/NAME`).
            master = os.path.join(os.path.dirname(os.path.abspath(folder)), r["master"]) if r.get("master") \
                else os.path.join(folder, name)
            if not os.path.exists(master):
                print(f"dynamics-tables: {master}: no master for {name}", file=sys.stderr)
                return 2
            row[key], row[key + "r"] = measure(master), r
        rows.append(row)
    worst = max(abs(m["lufs"] - m["lufsHere"]) for r in rows for m in (r["src"], r["d"], r["z"])
                if m["lufsHere"] is not None and m["lufs"] > -70)
    psr_of = lambda m: m["psr"]["median"] if m["psr"] else None
    src_psr = [psr_of(r["src"]) for r in rows if psr_of(r["src"]) is not None]
    target = float(np.median(src_psr)) if src_psr else None

    print(f"Album {source}: {len(rows)} tracks; binary {BIN}")
    print(f"Album PSR target: {fmt(target, width=0)} dB (median of the source PSRs, measured here); "
          f"AlbumMaster planned {fmt(planned_target, width=0)} dB")
    print(f"Meter check: integrated loudness here against ffmpeg's, worst difference {worst:.3f} LU "
          f"(must be under {METER_AGREEMENT_LU})\n")
    w = max(12, max(len(r["name"]) for r in rows))
    print(f"{'track':{w}} | {'PSR dB':>7} {'PSR dB':>7} {'PSR dB':>7} | {'p99 dB':>7} {'p99 dB':>7} {'budget':>7} | "
          f"{'LUFS':>7} {'LUFS':>7} {'LUFS':>7} | {'dBTP':>7} {'dBTP':>7}")
    print(f"{'':{w}} | {'source':>7} {'amt 0':>7} {'default':>7} | {'amt 0':>7} {'default':>7} {'':>7} | "
          f"{'source':>7} {'amt 0':>7} {'default':>7} | {'amt 0':>7} {'default':>7}")
    for r in rows:
        print(f"{r['name'][:w]:{w}} | {fmt(psr_of(r['src']))} {fmt(psr_of(r['z']))} {fmt(psr_of(r['d']))} | "
              f"{fmt(r['zr'].get('p99'))} {fmt(r['dr'].get('p99'))} {fmt(r['dr'].get('budget'))} | "
              f"{fmt(r['src']['lufs'])} {fmt(r['z']['lufs'])} {fmt(r['d']['lufs'])} | "
              f"{fmt(r['z']['truePeak'])} {fmt(r['d']['truePeak'])}")
    print()
    failed, passed = [], []
    if worst > METER_AGREEMENT_LU:
        print(f"dynamics-tables: this meter disagrees with ffmpeg's by {worst:.3f} LU: the tables cannot be trusted",
              file=sys.stderr)
        return 2

    def verdict(ok, what):
        print(("PASS  " if ok else "FAIL  ") + what)
        (passed if ok else failed).append(what)

    spread = {}
    for key in ("z", "d"):
        v = [psr_of(r[key]) for r in rows if psr_of(r[key]) is not None]
        spread[key] = max(v) - min(v) if len(v) >= 2 else None
    if spread["z"] is None or spread["d"] is None:
        verdict(False, "PSR spread: fewer than 2 tracks with a PSR")
    else:
        shrink = (spread["z"] - spread["d"]) / spread["z"] if spread["z"] > 0 else 0.0
        verdict(shrink >= SHRINK_GOAL, f"PSR spread {spread['z']:.2f} dB (amount 0) -> {spread['d']:.2f} dB (defaults): "
                f"{100 * shrink:.1f} % shrink (goal >= {100 * SHRINK_GOAL:.0f} %)")
    for r in rows:
        s, d = psr_of(r["src"]), psr_of(r["d"])
        if s is None or d is None or target is None:
            verdict(d is None and s is None, f"{r['name']}: floor: no PSR (source {fmt(s, width=0)}, master {fmt(d, width=0)})")
            continue
        floor = min(s, target) - FLOOR_MARGIN_DB
        verdict(d >= floor, f"{r['name']}: PSR {d:.2f} dB, floor min({s:.2f}, {target:.2f}) - {FLOOR_MARGIN_DB:.0f} = {floor:.2f} dB")
    for r in rows:
        rd = r["dr"]
        why = [s for s in rd.get("reasons", []) if "budget" in s]
        p99, budget = rd.get("p99"), rd.get("budget")
        if not rd.get("flagged"):
            verdict(True, f"{r['name']}: limiting p99 {fmt(p99, width=0)} dB, budget {fmt(budget, width=0)} dB: held"
                    + (f" ({why[-1]})" if why else ""))
        else:
            verdict(bool(why), f"{r['name']}: limiting p99 {fmt(p99, width=0)} dB over the {fmt(budget, width=0)} dB budget; "
                    + (f"the plan says: {why[-1]}" if why else "the plan does not say why"))
    print(f"\n{len(passed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def master_both_ways(album, work, extra):
    """Masters `album` with the defaults and with --dynamics-amount 0; returns the two masters folders."""
    folders = []
    for key, args in (("defaults", []), ("amount0", ["--dynamics-amount", "0"])):
        reports = os.path.join(work, key)
        run = subprocess.run([BIN, "master", album, "--reports", reports, "--quiet", "--force", *args, *extra],
                             capture_output=True, text=True)
        if run.returncode not in (0, 1):  # 1: written, but a plan or QA check missed; the tables show it
            sys.exit(f"dynamics-tables: albummaster master {album} {' '.join(args + extra)} exited "
                     f"{run.returncode}: {run.stderr.strip()}")
        subs = [d for d in sorted(os.listdir(reports)) if os.path.exists(os.path.join(reports, d, "plan.json"))]
        if len(subs) != 1:
            sys.exit(f"dynamics-tables: {reports}: expected one album's report folder, found {len(subs)}")
        print(f"albummaster master {' '.join(args + extra) or '(defaults)'}: exit {run.returncode}")
        folders.append(os.path.join(reports, subs[0], "masters"))
    return folders


def self_test():
    """The meter on signals whose figures are known; returns the exit status."""
    bad = []
    for rate in (22_050, 44_100, 48_000, 96_000):
        t = np.arange(rate * 10) / rate
        sine = 0.1 * np.sin(2 * np.pi * 997 * t)
        for channels in (1, 2):
            x = np.repeat(sine[:, None], channels, axis=1)
            energy, peaks, hop = block_measures(x, rate)
            (sb, sa), (hb, ha) = k_weighting(rate)
            from scipy.signal import freqz
            g2 = abs(freqz(sb, sa, [997], fs=rate)[1][0] * freqz(hb, ha, [997], fs=rate)[1][0]) ** 2
            want_st = -0.691 + 10 * math.log10(channels * g2 * 0.01 / 2)
            p = psr(energy, peaks, hop)
            want = -20 - want_st
            got_i = integrated(energy, hop)
            ok = p is not None and abs(p["median"] - want) < 0.02 and abs(got_i - want_st) < 0.02
            print(f"  {rate} Hz {channels} ch sine: PSR {p['median'] if p else None:.3f} (expected {want:.3f}), "
                  f"integrated {got_i:.3f} (expected {want_st:.3f})")
            if not ok:
                bad.append(f"sine {rate} Hz {channels} ch")
        # Full-scale clicks every second over the same sine raise the PSR by 20 dB.
        x = sine.copy()[:, None]
        x[rate // 2::rate, 0] = 1.0
        energy, peaks, hop = block_measures(x, rate)
        p, base = psr(energy, peaks, hop), psr(*block_measures(sine[:, None], rate))
        rise = p["median"] - base["median"]
        print(f"  {rate} Hz clicks: PSR rises {rise:.2f} dB (expected 20 less what the clicks add to the loudness)")
        if not 19.9 <= rise <= 20.05:
            bad.append(f"clicks {rate} Hz")
    # At 48 kHz the design is BS.1770's published coefficients.
    (sb, sa), (hb, ha) = k_weighting(48_000)
    ref = ([1.53512485958697, -2.69169618940638, 1.19839281085285], [1.0, -1.69065929318241, 0.73248077421585],
           [1.0, -1.99004745483398, 0.99007225036621])
    dev = max(np.max(np.abs(np.array(sb) - ref[0])), np.max(np.abs(np.array(sa) - ref[1])),
              np.max(np.abs(np.array(ha) - ref[2])))
    print(f"  48 kHz K-weighting against BS.1770's coefficients: {dev:.1e}")
    if dev > 1e-7:
        bad.append("K-weighting at 48 kHz")
    print(f"{(4 * 2 + 4 + 1) - len(bad)} passed, {len(bad)} failed")
    return 1 if bad else 0


def main(argv):
    if argv[:1] in (["-h"], ["--help"]) or not argv:
        print(__doc__)
        return 0 if argv else 2
    if argv[0] == "--self-test":
        return self_test()
    if argv[0] == "--master":
        extra = argv[argv.index("--") + 1:] if "--" in argv else []
        rest = argv[1:argv.index("--")] if "--" in argv else argv[1:]
        work = rest[rest.index("--work") + 1] if "--work" in rest else None
        album = [a for i, a in enumerate(rest) if a != "--work" and (i == 0 or rest[i - 1] != "--work")]
        if len(album) != 1 or not os.path.isdir(album[0]):
            print("dynamics-tables: --master needs one album folder", file=sys.stderr)
            return 2
        tmp = work or tempfile.mkdtemp(prefix="dynamics-tables-")
        try:
            d, z = master_both_ways(album[0], tmp, extra)
            return tables(album[0], d, z)
        finally:
            if work is None:
                shutil.rmtree(tmp, ignore_errors=True)
    if len(argv) != 3:
        print("dynamics-tables: expected ALBUM DEFAULTS_MASTERS AMOUNT0_MASTERS (see --help)", file=sys.stderr)
        return 2
    return tables(*argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
