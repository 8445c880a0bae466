#!/usr/bin/env python3
"""Interrupt stress: SIGINT/SIGTERM at random moments during `albummaster master`, N times.

After every run: the exit code is 0, 1, 130 or 143 (never a crash: 132 SIGILL, 134 SIGABRT, 139 SIGSEGV, ...),
no hidden `.*.tmp` file is left under the reports folder, no run folder (albummaster-<pid>-XXXXXX) is left in
TMPDIR, and the input album is byte for byte unchanged. At the end, every reports folder used is completed by
a plain re-run, whose masters and analysis.json must be byte-identical to an uninterrupted run's.
Prints `N passed, M failed` and exits 1 on any failure. Python 3 standard library only.
"""
import argparse, hashlib, os, random, shutil, signal, subprocess, sys, tempfile, time

CRASH_NAMES = {132: "SIGILL", 133: "SIGTRAP", 134: "SIGABRT", 135: "SIGBUS", 136: "SIGFPE", 139: "SIGSEGV"}


def digest_tree(root):
    """Relative path -> SHA-256 of every file under root."""
    out = {}
    for folder, _, files in os.walk(root):
        for f in files:
            p = os.path.join(folder, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def temp_files(root):
    return [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.startswith(".") and f.endswith(".tmp")]


def run(binary, args, env, timeout=120):
    start = time.monotonic()
    p = subprocess.run([binary] + args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, time.monotonic() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=int(os.environ.get("N", "1000")), help="interrupted runs (default 1000, or $N)")
    ap.add_argument("--binary", default=".build/release/albummaster")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=3.0, help="length of each of the 3 generated tracks")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    rng = random.Random(a.seed)
    work = tempfile.mkdtemp(prefix="interrupt-stress-")
    album, tmp = os.path.join(work, "Album"), os.path.join(work, "tmp")
    os.makedirs(album)
    os.makedirs(tmp)
    env = dict(os.environ, TMPDIR=tmp)
    for i in range(3):
        subprocess.run([binary, "generate", os.path.join(album, f"0{i + 1} track.wav"), "--seconds", str(a.seconds),
                        "--sample-rate", "44100", "--seed", str(i + 1)], env=env, check=True)
    inputs = digest_tree(album)
    master = ["master", album, "--preset", "spotify", "--quiet"]
    clean = os.path.join(work, "clean")
    rc, duration = run(binary, master + ["--reports", clean], env)
    if rc not in (0, 1):
        print(f"the uninterrupted run exited {rc}", file=sys.stderr)
        return 1
    reference = digest_tree(os.path.join(clean, "Album", "masters"))
    reference_json = digest_tree(clean)[os.path.join("Album", "analysis.json")]
    print(f"uninterrupted run: {duration:.2f} s; signals land within 0-{duration * 1.1:.2f} s", flush=True)

    passed = failed = 0
    codes, crashes, leftovers, early, folders = {}, 0, 0, 0, []
    reports = None
    t0 = time.monotonic()
    for i in range(a.n):
        # Half the runs resume the previous reports folder (cache on), the others start a new one or force.
        if reports is None or rng.random() < 0.2:
            reports = os.path.join(work, f"R{len(folders)}")
            folders.append(reports)
        args = master + ["--reports", reports] + (["--force"] if rng.random() < 0.5 else [])
        sig = rng.choice([signal.SIGINT, signal.SIGTERM])
        delay = rng.uniform(0, duration * 1.1)
        p = subprocess.Popen([binary] + args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(delay)
        if p.poll() is None:
            p.send_signal(sig)
        try:
            _, err = p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            _, err = p.communicate()
            err = b"timeout after the signal\n" + err
        rc = p.returncode if p.returncode >= 0 else 128 - p.returncode  # killed by a signal: like a shell
        codes[rc] = codes.get(rc, 0) + 1
        problems = []
        if p.returncode == -sig:
            # The signal's default action: it came before the handlers were installed, at process start-up,
            # when nothing has been written yet. Not a crash; counted apart.
            early += 1
        elif rc not in (0, 1, 130, 143):
            crashes += 1
            problems.append(f"exit {rc} {CRASH_NAMES.get(rc, '')}".strip())
        if p.returncode >= 0 and rc in (130, 143) and b"albummaster: interrupted; unfinished files removed" not in err:
            problems.append("no interruption line on stderr")
        left = temp_files(reports) + [os.path.join(tmp, d) for d in os.listdir(tmp) if d.startswith("albummaster-")]
        if left:
            leftovers += len(left)
            problems.append(f"left {left}")
        if digest_tree(album) != inputs:
            problems.append("the input album changed")
        if problems:
            failed += 1
            print(f"run {i}: {sig.name} after {delay:.3f} s: " + "; ".join(problems), flush=True)
            print("  stderr: " + err.decode(errors="replace").strip().replace("\n", "\n  stderr: "), flush=True)
            for path in left:  # one leftover must not fail every later run
                shutil.rmtree(path, ignore_errors=True) if os.path.isdir(path) else os.unlink(path)
        else:
            passed += 1
        if (i + 1) % 100 == 0:
            print(f"{i + 1} runs, {time.monotonic() - t0:.0f} s, exit codes {dict(sorted(codes.items()))}", flush=True)

    # Resume every reports folder: the result must be what an uninterrupted run gives.
    for reports in folders:
        rc, _ = run(binary, master + ["--reports", reports], env)
        got = digest_tree(os.path.join(reports, "Album", "masters")) if os.path.isdir(os.path.join(reports, "Album", "masters")) else {}
        got_json = digest_tree(reports).get(os.path.join("Album", "analysis.json"))
        if rc not in (0, 1) or got != reference or got_json != reference_json:
            failed += 1
            print(f"resume of {reports}: exit {rc}, masters identical: {got == reference}, analysis.json identical: {got_json == reference_json}", flush=True)
        else:
            passed += 1
    elapsed = time.monotonic() - t0
    print(f"{a.n} interrupted runs + {len(folders)} resumes in {elapsed:.0f} s; exit codes {dict(sorted(codes.items()))}; "
          f"crashes {crashes}; killed by the signal before its handler was installed {early}; "
          f"temp files or run folders left {leftovers}")
    print(f"{passed} passed, {failed} failed")
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
