#!/usr/bin/env python3
"""Runs the large-repository scenarios: tmdiff (cold and warm cache), the
Python reference (bench/select/reference_select.py) and the physical floor
(bench/large/floor.c), whole processes, on repositories made by generate.py.

    run.py --data DIR [--sizes small,medium,large] [--runs 5] [--ref-runs 1]
           [--tmdiff PATH] [--floor PATH] [--python PATH] [--out results.json]
           [--scenarios a,b] [--no-reference]

DIR/<size>/repo and DIR/<size>/manifest.json come from
`generate.py --size <size> --out DIR/<size>`. Each scenario edits the work
tree (or switches branch), measures, and puts the tree back. Every tmdiff
answer is checked against the reference's: tmdiff may select more, never
fewer (a shortfall aborts the run). Results go to --out as JSON for report.py.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import edits  # noqa: E402

SCENARIOS = ["no_change", "one_function", "ten_files", "cosmetic", "deleted", "switch", "test_edit"]


def git(repo, *args):
    subprocess.run(["git", "-C", repo] + list(args), check=True, capture_output=True)


class Timeout(Exception):
    pass


def measure(cmd, cwd=None, env=None, timeout=None):
    """(wall seconds, peak RSS MiB, stdout, CPU seconds) of one whole process.
    The wait blocks (polling would round the wall time up to its interval);
    a timer kills a process that outlives the timeout."""
    out, errs = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=errs)
    killer = threading.Timer(timeout, p.kill) if timeout else None
    if killer:
        killer.start()
    pid, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if killer:
        killer.cancel()
        if timeout and wall > timeout:
            raise Timeout()
    p.returncode = os.waitstatus_to_exitcode(status)
    errs.seek(0)
    err = errs.read().decode(errors="replace")
    out.seek(0)
    text = out.read().decode()
    if p.returncode != 0:
        sys.exit("run.py: %s failed (%d): %s" % (" ".join(cmd), p.returncode, err[-2000:]))
    return wall, usage.ru_maxrss / 1024.0, text, usage.ru_utime + usage.ru_stime


class Scenario:
    """Applies one scenario to the repository; `changed` lists the files the
    floor reads the fingerprints of; undo() restores the main branch."""

    def __init__(self, name, repo, manifest):
        self.name, self.repo, self.manifest = name, repo, manifest
        self.changed = []

    def _rewrite(self, files, edit):
        for i, rel in enumerate(files):
            path = os.path.join(self.repo, rel)
            with open(path, "rb") as fh:
                data = fh.read()
            new = edit(data, i)
            if new is None:
                sys.exit("run.py: %s: no edit fits %s" % (self.name, rel))
            with open(path, "wb") as fh:
                fh.write(new)
        self.changed = list(files)

    def apply(self):
        m = self.manifest
        if self.name == "one_function":
            self._rewrite(m["one_function"], lambda d, i: edits.body_edit(d, i))
        elif self.name == "ten_files":
            self._rewrite(m["ten_files"], lambda d, i: edits.body_edit(d, i))
        elif self.name == "cosmetic":
            self._rewrite(m["cosmetic"], lambda d, i: edits.cosmetic_edit(d))
        elif self.name == "deleted":
            for rel in m["deleted"]:
                os.unlink(os.path.join(self.repo, rel))
            self.changed = list(m["deleted"])
        elif self.name == "switch":
            git(self.repo, "checkout", "-q", "switch")
            self.changed = list(m["switch"])
        elif self.name == "test_edit":
            tests = os.path.join(self.repo, "tests")
            self.changed = ["tests/" + sorted(f for f in os.listdir(tests) if f.startswith("test_"))[0]]
            self.edit_test(0)

    def edit_test(self, k):
        """test_edit: a test added to one test module, its bytes new for each
        k (the node ID stays), so every warm run follows a fresh edit."""
        path = os.path.join(self.repo, self.changed[0])
        subprocess.run(["git", "-C", self.repo, "checkout", "-q", "--", self.changed[0]], check=True)
        with open(path, "a") as fh:
            fh.write("\n\ndef test_added_by_bench():\n    assert %d\n" % k)

    def undo(self):
        git(self.repo, "checkout", "-q", "-f", "main")
        git(self.repo, "checkout", "-q", "--", ".")


def median(xs):
    return statistics.median(xs) if xs else None


def run_size(args, size):
    base = os.path.join(args.data, size)
    repo = os.path.join(base, "repo")
    with open(os.path.join(base, "manifest.json")) as fh:
        manifest = json.load(fh)
    db = os.path.join(repo, ".testmondata")
    git(repo, "checkout", "-q", "-f", "main")
    files = int(subprocess.run(["git", "-C", repo, "ls-files"], capture_output=True,
                               text=True, check=True).stdout.count("\n"))
    info = {"size": size, "files": files, "db_mb": os.path.getsize(db) / 1e6,
            "repo_mb": sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in
                           os.walk(repo) if "/.git" not in d for f in fs) / 1e6,
            "scenarios": {}}
    # Prime the page cache: every figure is for files already in memory.
    measure([args.floor, db, repo])
    measure(["git", "-C", repo, "status", "--porcelain"])  # refreshes the index stat data
    cachebase = tempfile.mkdtemp(prefix="tmdiff-large-cache-")
    try:
        for name in args.scenarios:
            sc = Scenario(name, repo, manifest)
            sc.apply()
            try:
                info["scenarios"][name] = run_scenario(args, sc, repo, db, cachebase)
            finally:
                sc.undo()
            r = info["scenarios"][name]
            print("%-6s %-12s changed %4d  tmdiff cold %7.1f ms (cpu %7.1f)  warm %7.1f (cpu %6.1f)"
                  "  %5.1f MiB  floor %6.1f (cpu %5.1f)  reference %s  selected %d" % (
                      size, name, len(sc.changed), r["cold_ms"], r["cold_cpu_ms"], r["warm_ms"],
                      r["warm_cpu_ms"], r["peak_mib"], r["floor_ms"], r["floor_cpu_ms"],
                      "%.0f (cpu %.0f)" % (r["ref_ms"], r["ref_cpu_ms"]) if r["ref_ms"] else "-",
                      r["selected"]), file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(cachebase, ignore_errors=True)
    return info


def run_scenario(args, sc, repo, db, cachebase):
    tcmd = [args.tmdiff, "select", "--no-env-check", "--root", repo]
    cold, warm, rss, floor = [], [], [], []
    cold_cpu, warm_cpu, floor_cpu, ref_cpu = [], [], [], []
    answer = None
    for i in range(args.runs):
        cache = os.path.join(cachebase, "%s-cold-%d" % (sc.name, i))
        env = dict(os.environ, XDG_CACHE_HOME=cache)
        wall, peak, out, cpu = measure(tcmd, env=env)
        cold.append(wall)
        cold_cpu.append(cpu)
        rss.append(peak)
        answer = out
        shutil.rmtree(cache, ignore_errors=True)
    cache = os.path.join(cachebase, sc.name + "-warm")
    env = dict(os.environ, XDG_CACHE_HOME=cache)
    measure(tcmd, env=env)  # fills the cache
    for i in range(args.runs):
        if sc.name == "test_edit":  # warm from before the edit, as after saving a test file
            sc.edit_test(i + 1)
        wall, peak, out, cpu = measure(tcmd, env=env)
        warm.append(wall)
        warm_cpu.append(cpu)
        rss.append(peak)
        if out != answer:
            sys.exit("run.py: %s: the warm answer differs from the cold one" % sc.name)
    for _ in range(args.runs):
        wall, _, _, cpu = measure([args.floor, db, repo] + sc.changed)
        floor.append(wall)
        floor_cpu.append(cpu)
    mine = set(answer.split("\n")) - {""}
    ref_ms, ref_rss = None, None
    if args.reference:
        times = []
        try:
            for _ in range(args.ref_runs):
                wall, ref_rss, out, cpu = measure(
                    [args.python, os.path.join(TOP, "bench", "select", "reference_select.py"),
                     repo], timeout=args.ref_timeout)
                times.append(wall)
                ref_cpu.append(cpu)
        except Timeout:
            print("run.py: %s: the reference took over %d s, stopped" % (sc.name, args.ref_timeout),
                  file=sys.stderr)
            return finish(sc, mine, cold, warm, rss, floor, cold_cpu, warm_cpu, floor_cpu, None,
                          None, [], args.ref_timeout * 1000)
        want = set(out.split("\n")) - {""}
        missed = want - mine
        if missed:
            sys.exit("run.py: %s: tmdiff misses %d tests the reference selects, e.g. %s" % (
                sc.name, len(missed), sorted(missed)[:3]))
        ref_ms = median(times) * 1000
    return finish(sc, mine, cold, warm, rss, floor, cold_cpu, warm_cpu, floor_cpu, ref_ms, ref_rss,
                  ref_cpu, None)


def finish(sc, mine, cold, warm, rss, floor, cold_cpu, warm_cpu, floor_cpu, ref_ms, ref_rss,
           ref_cpu, ref_over_ms):
    return {"changed": len(sc.changed), "selected": len(mine),
            "cold_ms": median(cold) * 1000, "warm_ms": median(warm) * 1000,
            "cold_all_ms": [x * 1000 for x in cold], "warm_all_ms": [x * 1000 for x in warm],
            "peak_mib": max(rss), "floor_ms": median(floor) * 1000, "ref_ms": ref_ms,
            "ref_peak_mib": ref_rss, "cold_cpu_ms": median(cold_cpu) * 1000,
            "warm_cpu_ms": median(warm_cpu) * 1000, "floor_cpu_ms": median(floor_cpu) * 1000,
            "ref_cpu_ms": median(ref_cpu) * 1000 if ref_cpu else None,
            "ref_over_ms": ref_over_ms}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--sizes", default="small,medium,large")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--ref-runs", type=int, default=1)
    ap.add_argument("--ref-timeout", type=int, default=900, help="seconds; slower counts as '>'")
    ap.add_argument("--no-reference", dest="reference", action="store_false")
    ap.add_argument("--tmdiff", default=os.environ.get("TMDIFF_BIN",
                                                       os.path.join(TOP, "build/release/cli/tmdiff")))
    ap.add_argument("--floor", default=None, help="default: next to tmdiff, ../bench/floor")
    ap.add_argument("--python", default=os.path.expanduser("~/.pyenv/versions/3.11.7/bin/python"))
    ap.add_argument("--out", default="bench-large-results.json")
    args = ap.parse_args()
    args.tmdiff = os.path.abspath(args.tmdiff)
    if not args.floor:
        args.floor = os.path.join(os.path.dirname(os.path.dirname(args.tmdiff)), "bench", "floor")
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    results = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "load": os.getloadavg()[0], "tmdiff": args.tmdiff, "sizes": []}
    for size in [s for s in args.sizes.split(",") if s]:
        if os.path.isdir(os.path.join(args.data, size, "repo")):
            results["sizes"].append(run_size(args, size))
        else:
            print("run.py: no %s repository in %s (generate.py --size %s --out %s/%s)" % (
                size, args.data, size, args.data, size), file=sys.stderr)
    with open(args.out, "w") as fh:
        json.dump(results, fh, indent=1)
    print("results in %s" % args.out, file=sys.stderr)


if __name__ == "__main__":
    main()
