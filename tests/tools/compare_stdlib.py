#!/usr/bin/env python3
"""tmdiff fingerprint against the reference dumper over whole standard libraries.

For each pyenv CPython 3.8-3.13 found (or those named with --python), every
.py file under its lib/python3.X (site-packages excluded; the test package,
lib2to3 data and badsyntax files included) is fingerprinted by the reference
(tests/reference/testmon_reference.py, run inside that interpreter) and by
`tmdiff fingerprint --python X.Y.Z`, and the answers are compared:

  exact                       CPython parses the file, same checksums
  mismatch                    CPython parses it, other checksums      (failure)
  inexact_on_valid            CPython parses it, tmdiff says '!'      (failure)
  rejected_ok                 CPython rejects it, tmdiff: [] or '!'
  rejected_given_checksums    CPython rejects it, tmdiff gave blocks  (failure)
  testmon_crash_ok            testmon itself raises, tmdiff: '!' or []
  testmon_crash_given_checksums                                       (failure)
  tmdiff_error                no answer from tmdiff (crash...)        (failure)

Exit status: 0 all good, 1 any failure, 77 no interpreter found (ctest skip),
2 usage error. --report FILE writes every failure with its first differing
block and column, and the failing constructs counted per dialect.

Examples:
  tests/tools/compare_stdlib.py                       # every interpreter, all files
  tests/tools/compare_stdlib.py --python 3.11 -j 2
  tests/tools/compare_stdlib.py --sample 40 --seed 1  # what ctest stdlib.sample runs
"""
import argparse
import collections
import os
import random
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness_lib as H  # noqa: E402


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tmdiff", default=H.default_tmdiff(),
                    help="tmdiff binary (or a command line); default $TMDIFF_BIN or the checkout's build")
    ap.add_argument("--python", action="append", default=[],
                    help="interpreter version(s) to use, e.g. 3.11 or 3.12.1 (repeatable, "
                         "comma-separated); default every 3.8-3.13 found")
    ap.add_argument("--pyenv-root", default=None, help="default $PYENV_ROOT or ~/.pyenv")
    ap.add_argument("--sample", type=int, default=0, help="N files per interpreter, chosen with --seed")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--modified", action="store_true",
                    help="testmon's path for locally modified files (dedent first)")
    ap.add_argument("--show", type=int, default=10, help="failures printed per interpreter")
    ap.add_argument("--report", help="write every failure and the construct counts here")
    ap.add_argument("files", nargs="*", help="only these files (default: the whole stdlib)")
    return ap.parse_args(argv)


def pick_files(interp, args):
    files = [os.path.abspath(f) for f in args.files] if args.files else H.stdlib_files(interp)
    if args.sample and args.sample < len(files):
        files = sorted(random.Random(args.seed).sample(files, args.sample))
    return files


def explain(interp, args, failures, ref, tm):
    """Detail lines per failing file, and Counter of constructs (mismatches)."""
    constructs = collections.Counter()
    details = []
    mism = [p for v, p in failures if v == H.MISMATCH]
    if mism:
        ref_b = H.run_reference(interp, mism, args.jobs, dedent=args.modified, blocks=True)
        tm_b = H.run_tmdiff(args.tmdiff, interp.version, mism, args.jobs,
                            modified=args.modified, dump=True)
    for v, path in failures:
        head = "%s %s: %s" % (interp.dialect, v, path)
        if v == H.MISMATCH:
            construct, text = H.describe_mismatch(ref_b[path]["blocks"], tm_b[path]["blocks"])
            constructs[construct] += 1
            details.append("%s\n%s" % (head, text))
        elif v == H.INEXACT_VALID:
            constructs["inexact: " + re.sub(r"^line \d+: ", "", tm[path]["reason"] or "?")[:90]] += 1
            details.append("%s\n  tmdiff: ! (%s)" % (head, tm[path]["reason"] or "no reason"))
        elif v in (H.REJECTED_GIVEN, H.CRASH_GIVEN):
            constructs["accepted-invalid: " + ref[path]["why"][:80]] += 1
            details.append("%s\n  CPython: %s\n  tmdiff gave %d checksums" % (
                head, ref[path]["why"], len(tm[path]["checksums"])))
        else:
            constructs["tmdiff-error"] += 1
            details.append("%s\n  %s" % (head, tm[path]["reason"]))
    return details, constructs


def reasons_of_inexact_files(args, interp, paths):
    """tmdiff's reason for each '!' (only --dump prints it)."""
    if not paths:
        return {}
    got = H.run_tmdiff(args.tmdiff, interp.version, paths, args.jobs,
                       modified=args.modified, dump=True)
    return {p: got[p]["reason"] for p in paths if p in got}


def compare_one(interp, args, report):
    files = pick_files(interp, args)
    t0 = time.time()
    ref = H.run_reference(interp, files, args.jobs, dedent=args.modified)
    t1 = time.time()
    tm = H.run_tmdiff(args.tmdiff, interp.version, files, args.jobs, modified=args.modified)
    t2 = time.time()
    counts = collections.Counter()
    failures = []
    for path in files:
        v = H.verdict(ref[path], tm[path])
        counts[v] += 1
        if v in H.FAILURES:
            failures.append((v, path))
    inexact = [p for v, p in failures if v == H.INEXACT_VALID]
    for p, why in reasons_of_inexact_files(args, interp, inexact).items():
        tm[p]["reason"] = why
    details, constructs = explain(interp, args, failures, ref, tm)

    parsed = sum(1 for p in files if ref[p]["status"] == "ok")
    nfail = len(failures)
    print("%s (%s)%s: files %d, parsed by CPython %d, exact %d, mismatches %d, "
          "inexact on valid %d, rejected by CPython %d (tmdiff gave checksums to %d), "
          "testmon crashes %d (given checksums %d), tmdiff errors %d  [reference %.1fs, tmdiff %.1fs]"
          % (interp.dialect, interp.version, " --modified" if args.modified else "",
             len(files), parsed, counts[H.EXACT], counts[H.MISMATCH], counts[H.INEXACT_VALID],
             counts[H.REJECTED_OK] + counts[H.REJECTED_GIVEN], counts[H.REJECTED_GIVEN],
             counts[H.CRASH_OK] + counts[H.CRASH_GIVEN], counts[H.CRASH_GIVEN],
             counts[H.TOOL_ERROR], t1 - t0, t2 - t1))
    for d in details[:args.show]:
        print(d)
    if len(details) > args.show:
        print("  ... %d more failures (--show N, --report FILE)" % (len(details) - args.show))
    if constructs:
        print("  failing constructs: " + ", ".join(
            "%s x%d" % kv for kv in constructs.most_common(12)))
    if report is not None:
        report.append("== %s (%s)%s: %d of %d files fail" % (
            interp.dialect, interp.version, " --modified" if args.modified else "",
            nfail, len(files)))
        if constructs:
            report.append("constructs (count):")
            report.extend("  %5d  %s" % (n, c) for c, n in constructs.most_common())
        report.extend(details)
        report.append("")
    return nfail


def main(argv):
    args = parse_args(argv)
    if not args.tmdiff:
        H.log("compare_stdlib: no tmdiff binary (build it, or pass --tmdiff / $TMDIFF_BIN)")
        return 2
    wanted = [w for item in args.python for w in item.split(",") if w]
    interps = H.find_interpreters(args.pyenv_root, wanted)
    if not interps:
        print("compare_stdlib: SKIP: no pyenv CPython 3.8-3.13 found under %s%s" % (
            args.pyenv_root or os.environ.get("PYENV_ROOT") or "~/.pyenv",
            " matching " + ",".join(wanted) if wanted else ""))
        return H.SKIP
    report = [] if args.report else None
    total = 0
    for interp in interps:
        total += compare_one(interp, args, report)
    if report is not None:
        with open(args.report, "w", encoding="utf-8") as f:
            f.write("tmdiff fingerprint vs the reference, %s\n\n" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
            f.write("\n".join(report) + "\n")
    print("compare_stdlib: %s" % ("OK" if total == 0 else "%d failures" % total))
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
