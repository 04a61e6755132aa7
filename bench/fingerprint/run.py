#!/usr/bin/env python3
"""Benchmark: `tmdiff fingerprint` against the Python reference (ast.parse plus
testmon's dump and CRC-32: the work pytest-testmon does) on every .py file of
one interpreter's standard library, in one run.

Measures wall-clock time of whole processes over the same file list (the
reference runs in the measured interpreter, tmdiff with --python of the same
version): one process each (one core), then N processes each over a
size-balanced split of the list (all cores). The best of --repeat runs counts.
With --profile, `perf record` (cpu-clock samples, DWARF call graphs) of a
one-process tmdiff run gives the share of tree-sitter's parse
(ts_parser_parse and everything it calls) in tmdiff's time and the biggest
other functions.

Usage: bench/fingerprint/run.py [--python 3.11] [--tmdiff PATH] [--jobs 2]
                                [--repeat 3] [--profile]
"""
import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "tools"))
import harness_lib as H  # noqa: E402

REFERENCE = os.path.join(REPO, "tests", "reference", "testmon_reference.py")


def split_balanced(files, n):
    """n lists of about equal total size (largest file first, to the lightest)."""
    parts = [[] for _ in range(n)]
    load = [0] * n
    for f in sorted(files, key=os.path.getsize, reverse=True):
        k = load.index(min(load))
        parts[k].append(f)
        load[k] += os.path.getsize(f)
    return [sorted(p) for p in parts if p]


def timed(commands):
    """Runs the commands concurrently, stdout to temp files; (seconds, outputs)."""
    outs = [tempfile.TemporaryFile() for _ in commands]
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    procs = [subprocess.Popen(c, stdout=o, stderr=subprocess.DEVNULL) for c, o in zip(commands, outs)]
    for p in procs:
        p.wait()
    dt = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    texts = []
    for p, o in zip(procs, outs):
        if p.returncode not in (0, 1):
            raise RuntimeError("%s exited with %d" % (p.args[0], p.returncode))
        o.seek(0)
        texts.append(o.read().decode("utf-8", "replace"))
        o.close()
    return dt, cpu, texts


def best_of(repeat, make_commands, parts):
    """Best wall-clock time, best CPU time (user+sys of the processes) and
    the outputs of the last run."""
    best, best_cpu, texts = None, None, None
    for _ in range(repeat):
        dt, cpu, texts = timed([make_commands(p) for p in parts])
        best = dt if best is None else min(best, dt)
        best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
    return best, best_cpu, texts


# where tmdiff's time goes: (label, symbol whose time incl. callees is shown)
PHASES = (
    ("tree-sitter parse", "ts_parser_parse"),
    ("ast dump (tree walk + literals)", "dump_module"),
    ("source preparation (decode, dedent, hashes)", "tmd_source_prepare"),
    ("reading files", "tmd_file_read"),
    ("freeing the tree", "ts_tree_delete"),
    ("CRC-32 of blocks", "crc32_z"),
)


def perf_profile(tmdiff, version, files, out_dir):
    """({symbol: percent incl. callees}, [(self percent, symbol)]) from perf
    over one tmdiff process (cpu-clock samples, DWARF call graphs)."""
    data = os.path.join(out_dir, "perf.data")
    rec = ["perf", "record", "-q", "-F", "999", "--call-graph", "dwarf,16384", "-o", data,
           "--", tmdiff, "fingerprint", "--python", version, "--"] + files
    subprocess.run(rec, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rep = subprocess.run(["perf", "report", "-i", data, "--children", "--stdio", "-g", "none",
                          "--sort", "symbol", "--percent-limit", "0.2"],
                         check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode()
    line = re.compile(r"^\s+([\d.]+)%\s+([\d.]+)%\s+\[[.k]\]\s+(\S+)")
    children, selfs = {}, []
    for ln in rep.splitlines():
        m = line.match(ln)
        if m:
            # gcc's clones under LTO: ts_parser_parse.constprop.0 is ts_parser_parse
            sym = re.sub(r"\.(constprop|lto_priv|isra|part|cold)\..*$", "", m.group(3))
            children[sym] = max(children.get(sym, 0.0), float(m.group(1)))
            if float(m.group(2)) >= 0.2:
                selfs.append((float(m.group(2)), sym))
    selfs.sort(reverse=True)
    return children, selfs


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--python", default="3.11", help="interpreter whose stdlib is measured (default 3.11)")
    ap.add_argument("--tmdiff", default=H.default_tmdiff())
    ap.add_argument("--pyenv-root", default=None)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="processes for 'all cores'")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="perf profile of tmdiff (one core)")
    args = ap.parse_args(argv)
    interps = H.find_interpreters(args.pyenv_root, [args.python])
    if not interps:
        print("bench: no pyenv CPython %s found" % args.python)
        return H.SKIP
    if not args.tmdiff:
        print("bench: no tmdiff binary (build it, or --tmdiff / $TMDIFF_BIN)")
        return 2
    interp = interps[-1]
    files = H.stdlib_files(interp)
    total = sum(os.path.getsize(f) for f in files)
    mb = total / 1e6
    for f in files:  # warm the page cache so neither side pays for the disk
        with open(f, "rb") as fh:
            fh.read()

    def ref_cmd(part):
        return [interp.exe, REFERENCE] + part

    def tm_cmd(part):
        return [args.tmdiff, "fingerprint", "--python", interp.version, "--"] + part

    print("stdlib of CPython %s: %d files, %.1f MB (%s); best of %d runs, wall clock"
          % (interp.version, len(files), mb, interp.stdlib, args.repeat))
    print("%-30s %24s %24s %18s" % ("", "1 core, wall clock", "%d cores, wall clock" % args.jobs,
                                    "1 core, CPU time"))
    rows = {}
    for name, cmd in (("reference (ast.parse + dump)", ref_cmd), ("tmdiff fingerprint", tm_cmd)):
        one, cpu, texts = best_of(args.repeat, cmd, [files])
        many, _, _ = best_of(args.repeat, cmd, split_balanced(files, args.jobs))
        rows[name] = (one, many, cpu)
        inexact = sum(1 for ln in texts[0].splitlines() if ln.startswith("!\t"))
        print("%-30s %8.2f MB/s %7.2fs %8.2f MB/s %7.2fs %8.2f MB/s %5.1fs  ('!' for %d files)"
              % (name, mb / one, one, mb / many, many, mb / cpu, cpu, inexact))
    (r1, rn, rc), (t1, tn, tc) = rows["reference (ast.parse + dump)"], rows["tmdiff fingerprint"]
    print("%-30s %13.2fx %24.2fx %17.2fx" % ("speed-up of tmdiff", r1 / t1, r1 / tn, rc / tc))
    print("(%d-core column: tmdiff on %d cores against the reference on one core; against the "
          "reference on %d cores too: %.2fx. The machine's load average now: %s)"
          % (args.jobs, args.jobs, args.jobs, rn / tn, " ".join("%.1f" % x for x in os.getloadavg())))
    if args.profile:
        with tempfile.TemporaryDirectory(prefix="tmdiff-bench-") as tmp:
            children, selfs = perf_profile(args.tmdiff, interp.version, files, tmp)
        print("profile of tmdiff on one core (perf record, cpu-clock, DWARF call graphs; "
              "share of samples in the function and its callees):")
        for label, sym in PHASES:
            if sym in children:
                print("  %-46s %5.1f%%  (%s)" % (label, children[sym], sym))
        print("  top functions by self time:")
        for pct, sym in selfs[:15]:
            print("    %5.1f%%  %s" % (pct, sym))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
