#!/usr/bin/env python3
"""Prints the table of a bench/large/run.py result and draws its plots.

    report.py results.json [--plots DIR]

Table: one row per repository size and scenario (medians of whole-process
runs): tmdiff cold and warm, the Python reference, the physical floor, the
speed-ups and peak memory, with the issue's targets checked for the large
repository. Plots (PNG, gnuplot): time against the number of changed files
(large repository) and time against repository size (no change, ten files).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

ORDER = ["no_change", "one_function", "ten_files", "cosmetic", "deleted", "switch", "test_edit"]
# (scenario, field, limit in ms or MiB) for the large repository
TARGETS = [("no_change", "warm_ms", 100), ("ten_files", "warm_ms", 150),
           ("switch", "cold_ms", 2000), ("switch", "warm_ms", 150)]


def fmt(v, unit=""):
    return "-" if v is None else ("%.1f%s" % (v, unit) if v < 100 else "%.0f%s" % (v, unit))


def table(res):
    print("Run %s, load average %.1f at the start, tmdiff %s" % (res["when"], res["load"],
                                                                  res["tmdiff"]))
    print()
    print("| size | files | db MB | scenario | changed | selected | tmdiff cold ms | tmdiff warm "
          "ms | reference ms | floor ms | warm vs reference | warm / floor | peak MiB | "
          "CPU ms cold / warm / floor |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for s in res["sizes"]:
        for name in ORDER:
            r = s["scenarios"].get(name)
            if not r:
                continue
            over = r.get("ref_over_ms")
            ref = r["ref_ms"] or over
            speed = ref / r["warm_ms"] if ref else None
            print("| %s | %d | %.0f | %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s / %s / "
                  "%s |" % (s["size"], s["files"], s["db_mb"], name, r["changed"], r["selected"],
                            fmt(r["cold_ms"]), fmt(r["warm_ms"]),
                            (">" if over else "") + fmt(ref), fmt(r["floor_ms"]),
                            (">" if over else "") + fmt(speed, "x"),
                            fmt(r["warm_ms"] / r["floor_ms"], "x"), fmt(r["peak_mib"]),
                            fmt(r["cold_cpu_ms"]), fmt(r["warm_cpu_ms"]), fmt(r["floor_cpu_ms"])))
    large = next((s for s in res["sizes"] if s["size"] == "large"), None)
    if not large:
        return
    print()
    print("Targets (large repository):")
    sc = large["scenarios"]
    for name, field, limit in TARGETS:
        if name in sc:
            v = sc[name][field]
            print("- %s %s: %.1f ms (target <= %d): %s" % (name, field[:-3], v, limit,
                                                          "met" if v <= limit else "NOT met"))
    peak = max(r["peak_mib"] for r in sc.values())
    print("- peak memory: %.1f MiB (target <= 150): %s" % (peak, "met" if peak <= 150 else
                                                          "NOT met"))
    for name, r in sorted(sc.items()):
        ref = r["ref_ms"] or r.get("ref_over_ms")
        if ref:
            for kind in ("cold", "warm"):
                x = ref / r[kind + "_ms"]
                if x < 50:
                    print("- %s %s: only %.1fx the reference's speed (target 50x)" % (name, kind, x))
    for name in ("no_change", "ten_files"):
        if name in sc:
            x = sc[name]["warm_ms"] / sc[name]["floor_ms"]
            print("- %s warm / floor: %.2fx (target <= 3x): %s" % (name, x, "met" if x <= 3 else
                                                                   "NOT met"))


def gnuplot(script, out):
    if not shutil.which("gnuplot"):
        print("report.py: gnuplot not found (apt-get install gnuplot-nox); %s not drawn" % out,
              file=sys.stderr)
        return
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    print("drew %s" % out, file=sys.stderr)


def plots(res, folder):
    os.makedirs(folder, exist_ok=True)
    # 1. time against changed files, largest repository measured
    big = res["sizes"][-1]
    rows = sorted((r["changed"], r["cold_ms"], r["warm_ms"], r["ref_ms"] or 0, r["floor_ms"],
                   r["cold_cpu_ms"], r["warm_cpu_ms"], r.get("ref_cpu_ms") or 0,
                   r["floor_cpu_ms"])
                  for name, r in big["scenarios"].items()
                  if name in ("no_change", "one_function", "ten_files", "switch"))
    data = os.path.join(folder, "changed.dat")
    with open(data, "w") as fh:
        fh.write("# changed  wall: cold warm reference floor  CPU: cold warm reference floor (ms)\n")
        for row in rows:
            fh.write("%g %.3f %.3f %.3f %.3f %.3f %.3f %.3f %.3f\n" %
                     ((max(row[0], 0.5),) + row[1:]))
    out = os.path.join(folder, "time-vs-changed.png")
    gnuplot("""set terminal pngcairo size 900,600
set output '%s'
set title 'bench/large: %s repository (%d files), time against changed files'
set xlabel 'changed files (0 plotted at 0.5)'
set ylabel 'wall time, ms (median)'
set logscale xy
set key top left
set grid
plot '%s' u 1:2 w lp t 'tmdiff cold', '' u 1:3 w lp t 'tmdiff warm', \\
     '' u 1:4 w lp t 'Python reference', '' u 1:5 w lp t 'floor (read + one query)'
""" % (out, big["size"], big["files"], data), out)
    out = os.path.join(folder, "cpu-vs-changed.png")
    gnuplot("""set terminal pngcairo size 900,600
set output '%s'
set title 'bench/large: %s repository (%d files), CPU time (user+sys) against changed files'
set xlabel 'changed files (0 plotted at 0.5)'
set ylabel 'CPU time, ms (median)'
set logscale xy
set key top left
set grid
plot '%s' u 1:6 w lp t 'tmdiff cold', '' u 1:7 w lp t 'tmdiff warm', \\
     '' u 1:8 w lp t 'Python reference', '' u 1:9 w lp t 'floor (read + one query)'
""" % (out, big["size"], big["files"], data), out)
    # 2. time against repository size
    data = os.path.join(folder, "size.dat")
    with open(data, "w") as fh:
        fh.write("# files  no_change: warm reference floor  ten_files: warm reference floor  "
                 "peak MiB\n")
        for s in res["sizes"]:
            n, t = s["scenarios"].get("no_change"), s["scenarios"].get("ten_files")
            if not n or not t:
                continue
            peak = max(r["peak_mib"] for r in s["scenarios"].values())
            fh.write("%d %.3f %.3f %.3f %.3f %.3f %.3f %.1f\n" % (
                s["files"], n["warm_ms"], n["ref_ms"] or 0, n["floor_ms"], t["warm_ms"],
                t["ref_ms"] or 0, t["floor_ms"], peak))
    out = os.path.join(folder, "time-vs-size.png")
    gnuplot("""set terminal pngcairo size 900,600
set output '%s'
set title 'bench/large: time against repository size'
set xlabel 'files in the repository'
set ylabel 'wall time, ms (median)'
set y2label 'tmdiff peak memory, MiB'
set y2tics
set logscale x
set logscale y
set key top left
set grid
plot '%s' u 1:2 w lp t 'tmdiff warm, no change', '' u 1:3 w lp t 'reference, no change', \\
     '' u 1:4 w lp t 'floor, no change', '' u 1:5 w lp t 'tmdiff warm, ten files', \\
     '' u 1:6 w lp t 'reference, ten files', '' u 1:7 w lp t 'floor, ten files', \\
     '' u 1:8 axes x1y2 w lp dt 2 t 'tmdiff peak MiB'
""" % (out, data), out)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("--plots", default=None, help="folder for the PNGs (default: beside results)")
    ap.add_argument("--reference-from", default=None,
                    help="another results file whose reference figures fill in the ones missing "
                         "here (run.py --no-reference); the reference does not depend on tmdiff")
    args = ap.parse_args()
    with open(args.results) as fh:
        res = json.load(fh)
    if args.reference_from:
        with open(args.reference_from) as fh:
            other = {s["size"]: s for s in json.load(fh)["sizes"]}
        for s in res["sizes"]:
            for name, r in s["scenarios"].items():
                o = other.get(s["size"], {}).get("scenarios", {}).get(name)
                if o and not r.get("ref_ms") and not r.get("ref_over_ms"):
                    for key in ("ref_ms", "ref_cpu_ms", "ref_peak_mib", "ref_over_ms"):
                        r[key] = o.get(key)
    table(res)
    plots(res, args.plots or os.path.dirname(os.path.abspath(args.results)))


if __name__ == "__main__":
    main()
