#!/usr/bin/env python3
"""Benchmark: `tmdiff select` against testmon's selection in Python.

For each conformance project and scenario, builds the scenario's tree as a git
repository (change committed, or --uncommitted), then times whole-process runs
with hyperfine (median of --runs runs after --warmup) of

  tmdiff select --no-env-check --root TREE
  python3 bench/select/reference_select.py TREE   (tests/reference + same SQL)

and measures each one's peak memory with /usr/bin/time -v. Both must name the
same tests (tmdiff also names new tests and drops tests pytest no longer
collects); differences are printed as notes (tests/e2e checks correctness).

Prints a Markdown table: per project the median over its scenarios of each
tool's median wall time, the worst scenario, the mean user+system CPU time
(steadier than wall time on a shared machine), the speed-ups, peak RSS.

Usage: bench/select/run.py --tmdiff build/cli/tmdiff [--shared ../shared]
       [--python /usr/bin/python3] [--runs 15] [--warmup 3] [--project NAME]
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "e2e"))
import select_conformance as kit  # noqa: E402  (build_tree: the kit's steps 1-3)


def hyperfine(cmd, runs, warmup):
    """(median wall ms, mean user+system CPU ms) of whole-process runs."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(["hyperfine", "-N", "--style", "none", "--runs", str(runs),
                        "--warmup", str(warmup), "--export-json", out.name, cmd],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(out.name) as f:
            r = json.load(f)["results"][0]
            return r["median"] * 1000.0, (r["user"] + r["system"]) * 1000.0


def peak_rss_kib(argv):
    p = subprocess.run(["/usr/bin/time", "-v"] + argv, capture_output=True, text=True)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return int(m.group(1)) if m else -1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tmdiff", required=True)
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "..", "shared"))
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--project", action="append")
    ap.add_argument("--uncommitted", action="store_true")
    args = ap.parse_args()
    tmdiff = os.path.abspath(args.tmdiff)
    ref = os.path.join(HERE, "reference_select.py")
    projects_dir = os.path.join(args.shared, "conformance", "projects")

    rows, mismatches = [], []
    all_t, all_r, all_tc, all_rc = [], [], [], []
    for project in sorted(os.listdir(projects_dir)):
        if args.project and project not in args.project:
            continue
        pdir = os.path.join(projects_dir, project)
        t_ms, r_ms, t_rss, r_rss, t_cpu, r_cpu = [], [], [], [], [], []
        for scenario in sorted(os.listdir(os.path.join(pdir, "scenarios"))):
            tmp = tempfile.mkdtemp(prefix="tmdiff-bench-")
            try:
                root = os.path.join(tmp, "repo")
                kit.build_tree(pdir, os.path.join(pdir, "scenarios", scenario), root,
                               not args.uncommitted)
                tcmd = [tmdiff, "select", "--no-env-check", "--root", root]
                rcmd = [args.python, ref, root]
                got = subprocess.run(tcmd, capture_output=True, text=True)
                want = subprocess.run(rcmd, capture_output=True, text=True, check=True)
                if got.returncode != 0:
                    mismatches.append("%s/%s: tmdiff exit %d %s" % (project, scenario,
                                                                    got.returncode, got.stderr))
                    continue
                stored = set(want.stdout.split("\n")) - {""}
                mine = set(got.stdout.split("\n")) - {""}
                with open(os.path.join(pdir, "scenarios", scenario, "expected.json")) as f:
                    exp = json.load(f)
                collected = set(exp["collected"])
                if mine - set(exp["new_tests"]) != stored & collected:
                    mismatches.append("%s/%s: differs from the reference on %s" %
                                      (project, scenario,
                                       sorted((mine - set(exp["new_tests"])) ^
                                              (stored & collected))[:4]))
                wall, cpu = hyperfine(" ".join(tcmd), args.runs, args.warmup)
                t_ms.append(wall)
                t_cpu.append(cpu)
                wall, cpu = hyperfine(" ".join(rcmd), max(5, args.runs // 3), 1)
                r_ms.append(wall)
                r_cpu.append(cpu)
                t_rss.append(peak_rss_kib(tcmd))
                r_rss.append(peak_rss_kib(rcmd))
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        if not t_ms:
            continue
        all_t += t_ms
        all_r += r_ms
        all_tc += t_cpu
        all_rc += r_cpu
        rows.append((project, len(t_ms), statistics.median(t_ms), max(t_ms),
                     statistics.median(r_ms), statistics.median(r_ms) / statistics.median(t_ms),
                     statistics.median(t_cpu), statistics.median(r_cpu),
                     statistics.median(r_cpu) / statistics.median(t_cpu), max(t_rss), max(r_rss)))

    print("| project | scenarios | tmdiff wall ms (median) | tmdiff wall ms (worst) | "
          "reference wall ms | wall speed-up | tmdiff CPU ms | reference CPU ms | "
          "CPU speed-up | tmdiff peak RSS KiB | reference peak RSS KiB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %d | %.1f | %.1f | %.1f | %.1fx | %.1f | %.1f | %.1fx | %d | %d |" % r)
    if all_t:
        print("| all | %d | %.1f | %.1f | %.1f | %.1fx | %.1f | %.1f | %.1fx | | |" %
              (len(all_t), statistics.median(all_t), max(all_t), statistics.median(all_r),
               statistics.median(all_r) / statistics.median(all_t), statistics.median(all_tc),
               statistics.median(all_rc), statistics.median(all_rc) / statistics.median(all_tc)))
    for m in mismatches:
        print("note:", m, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
