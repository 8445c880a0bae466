#!/usr/bin/env python3
"""Issue 15's loudness-shape and width checks, measured independently (ffmpeg's ebur128 for loudness; numpy
for correlation and width, through /work/shared/tools/independent_meter.py's decoder when it is there).

  shapecheck.py [BENCH_DIR]     (default .build-bench; run with the checks venv's python, which has numpy)

Masters three albums with the defaults: the real albums of scripts/dynamics-albums.py (real, outlier; built
into BENCH_DIR when missing) and the demo album (`albummaster demo`). Prints one PASS/FAIL line per check:
  order       album mode keeps the loudness order: every pair of tracks whose sources differ by at least
              ORDER_GAP_LU keeps its order in the masters;
  median      (demo) the median master is within 1 LU of the target;
  outlier     the masters raise no `loudness-outlier` QA warning (the tool's own qa.csv);
  correlation no stereo master's correlation falls more than 0.1 under its source's;
  width       no stereo master's width 10*log10(sum S^2 / sum M^2) moves more than --max-width-db (3) plus
              WIDTH_TOLERANCE_DB from its source's.
Exits 1 when a check fails, 2 when an album cannot be assembled.
"""
import csv, json, os, statistics, subprocess, sys, tempfile

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BIN = os.environ.get("ALBUMMASTER", os.path.join(ROOT, ".build", "release", "albummaster"))
METER = "/work/shared/tools"
ORDER_GAP_LU = 0.5  # closer sources may swap within the render's loudness tolerance (0.05 LU each) once scaled
WIDTH_TOLERANCE_DB = 0.3  # the planner predicts the width from long-term band powers
CORRELATION_DROP = 0.1
MEDIAN_LU = 1.0
failed = []


def check(ok, what):
    print(("PASS  " if ok else "FAIL  ") + what)
    if not ok:
        failed.append(what)


def loudness(path):
    err = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", path, "-af", "ebur128", "-f", "null", "-"],
                         capture_output=True, text=True).stderr
    line = [l for l in err[err.rfind("Summary:"):].splitlines() if l.strip().startswith("I:")][0]
    return float(line.split()[1])


def decode(path):
    if os.path.isdir(METER):
        sys.path.insert(0, METER)
        import independent_meter
        return independent_meter.decode(path)[0]
    info = json.loads(subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                                      "stream=channels", "-of", "json", path], capture_output=True, text=True).stdout)
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "f32le", "-"], capture_output=True).stdout
    return np.frombuffer(raw, dtype=np.float32).reshape(-1, int(info["streams"][0]["channels"])).astype(np.float64)


def stereo(path):
    """(correlation, width dB), or None for one channel."""
    x = decode(path)
    if x.shape[1] < 2:
        return None
    l, r = x[:, 0], x[:, 1]
    m, s = (l + r) / 2, (l - r) / 2
    return float(np.sum(l * r) / np.sqrt(np.sum(l * l) * np.sum(r * r))), float(10 * np.log10(np.sum(s * s) / np.sum(m * m)))


def master(album, reports):
    out = subprocess.run([BIN, "master", album, "--reports", reports, "--quiet", "--json", "-"], capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"albummaster master {album} failed ({out.returncode}): {out.stderr}")
    folder = os.path.join(reports, os.path.basename(album.rstrip("/")))
    plan = json.load(open(os.path.join(folder, "plan.json")))
    return folder, plan


def measure_album(name, album, tmp, demo=False):
    folder, plan = master(album, tmp)
    rows = []
    for t in plan["tracks"]:
        src = os.path.join(album, t["file"])
        stem = os.path.splitext(t["file"])[0]
        out = [f for f in os.listdir(os.path.join(folder, "masters")) if os.path.splitext(f)[0] == stem][0]
        dst = os.path.join(folder, "masters", out)
        rows.append((t["file"], loudness(src), loudness(dst), stereo(src), stereo(dst)))
    for f, l0, l1, s0, s1 in rows:
        c = f"corr {s0[0]:.3f} -> {s1[0]:.3f}, width {s0[1]:+.2f} -> {s1[1]:+.2f} dB" if s0 and s1 else "mono"
        print(f"      {name}: {f}: {l0:.2f} -> {l1:.2f} LUFS, {c}")
    swaps = [(a[0], b[0]) for a in rows for b in rows
             if a[1] - b[1] >= ORDER_GAP_LU and not a[2] > b[2]]
    check(not swaps, f"order {name}: pairs at least {ORDER_GAP_LU} LU apart keep their order"
          + (f" (swapped: {swaps})" if swaps else ""))
    target = plan["options"]["targetLUFS"]
    if demo:
        med = statistics.median(r[2] for r in rows)
        check(abs(med - target) <= MEDIAN_LU, f"median {name}: median master {med:.2f} LUFS, target {target:.2f} (within {MEDIAN_LU} LU)")
    with open(os.path.join(folder, "qa.csv"), newline="") as f:
        warns = [r for r in csv.DictReader(f) if r["check"] == "loudness-outlier" and r["status"] != "pass"]
    check(not warns, f"outlier {name}: no loudness-outlier warning on the masters"
          + "".join(f"; {r['track']}: {r['value']}" for r in warns))
    pairs = [(f, s0, s1) for f, _, _, s0, s1 in rows if s0 and s1]
    if pairs:
        worst = min(pairs, key=lambda p: p[2][0] - p[1][0])
        check(all(s1[0] >= s0[0] - CORRELATION_DROP for _, s0, s1 in pairs),
              f"correlation {name}: largest fall {worst[1][0] - worst[2][0]:+.3f} ({worst[0]}), at most {CORRELATION_DROP}")
        cap = plan["options"]["maxWidthDB"]
        widest = max(pairs, key=lambda p: abs(p[2][1] - p[1][1]))
        moved = abs(widest[2][1] - widest[1][1])
        check(moved <= cap + WIDTH_TOLERANCE_DB,
              f"width {name}: largest change {moved:.2f} dB ({widest[0]}), at most {cap} + {WIDTH_TOLERANCE_DB} dB")


def main(argv):
    bench = argv[0] if argv else os.path.join(ROOT, ".build-bench")
    albums = []
    for kind in ("real", "outlier"):
        out = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "dynamics-albums.py"), kind,
                              os.path.join(bench, kind)], capture_output=True, text=True)
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr, end="")
            return 2
        albums.append((kind, out.stdout.strip(), False))
    with tempfile.TemporaryDirectory(prefix="shapecheck-") as tmp:
        demo = os.path.join(tmp, "Demo")
        subprocess.run([BIN, "demo", demo], check=True, capture_output=True)
        for name, album, is_demo in albums + [("demo", demo, True)]:
            measure_album(name, album, os.path.join(tmp, "reports"), demo=is_demo)
    print(f"shapecheck: {len(failed)} failed" if failed else "shapecheck: all passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
