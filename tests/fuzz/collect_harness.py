"""The comparison behind param_ids.py and collect_structure.py: a generated
project, pytest's --collect-only on it and tmdiff's static collection of it
(tests/tools/collect_probe.c: each item EXACT or PREFIX). Every ID pytest
collects must be an exact item or lie under a prefix, and every exact item
must be an ID pytest collects: an exact ID that differs from pytest's would
make the stored test look deleted. A prefix that expects IDs must stand for
exactly those. Prefixes that stand for no test are
counted (they only make tmdiff select more).

Options of both scripts: PROBE [--rounds N] [--seed S] [--python EXE]
[--keep] [--verbose]. Exit 0 when every round agrees, 1 otherwise, 77 (skip) without
that interpreter or its pytest.
"""
import argparse
import os
import random
import shutil
import subprocess
import tempfile


def covers(idx, node):
    return idx == node or node.startswith(idx) and node[len(idx):][:2] == "::" or \
        node.startswith(idx) and node[len(idx):][:1] == "["


def compare(args, work, write, counts, skipped_by_hook=None):
    """`write(root)` makes the project. An empty string when both agree,
    else what differs. `skipped_by_hook(file)`: whether a conftest's
    pytest_ignore_collect that only skips may skip that file (root-relative):
    tmdiff lists its tests, which pytest then does not collect (select more)."""
    root = os.path.join(work, "proj")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    write(root)
    p = subprocess.run([args.python, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                       cwd=root, capture_output=True, text=True)
    if p.returncode not in (0, 5):
        return "pytest failed to collect (a generator bug?): %s" % p.stdout[-600:]
    listing = p.stdout.split("\n\n", 1)[0]  # the IDs, then a blank line and the summary
    ids = [line for line in listing.split("\n") if "::" in line]
    t = subprocess.run([args.probe, root], capture_output=True, text=True,
                       env=dict(os.environ, TMDIFF_COLLECT_CACHE=""))
    if t.returncode != 0:
        return "collect_probe exit %d: %s" % (t.returncode, t.stderr)
    lines = [line.split(" ", 1) for line in t.stdout.split("\n") if line]
    if any(kind == "INEXACT" for kind, _ in lines):
        counts[3] += 1
        return ""
    exact = [node for kind, node in lines if kind == "EXACT"]
    prefixes = [node.split("\t")[0] for kind, node in lines if kind == "PREFIX"]
    collected = set(ids)
    counts[0] += len(ids)
    counts[1] += len(collected & set(exact))
    for kind, node in lines:
        if kind == "PREFIX" and not any(covers(node.split("\t")[0], i) for i in ids):
            counts[2] += 1
            if args.verbose:
                print("     empty prefix %s" % node)
    problems = ["not named: %s" % i for i in ids
                if i not in exact and not any(covers(n, i) for n in prefixes)]
    files = {i.split("::")[0] for i in ids}

    def skipped(node):
        path = node.split("::")[0]
        return skipped_by_hook and path not in files and skipped_by_hook(path)

    # a prefix that expects IDs claims pytest collects exactly those under it
    for kind, node in lines:
        prefix, *expect = node.split("\t")[:1] + node.split("\t")[2:]
        under = sorted(i for i in ids if covers(prefix, i))
        if kind == "PREFIX" and expect and sorted(expect) != under and not skipped(prefix):
            problems.append("%s expects %s, pytest has %s" % (prefix, sorted(expect), under))
    problems += ["exact, pytest has no such test: %s" % n for n in exact
                 if n not in collected and not skipped(n)]
    return "; ".join(problems[:6])


def main(doc, one_round, what):
    ap = argparse.ArgumentParser(description=doc)
    ap.add_argument("probe", help="collect_probe")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--keep", action="store_true", help="keep the tree of a failing round")
    ap.add_argument("--verbose", action="store_true", help="print the prefixes that stand for no test")
    args = ap.parse_args()
    if subprocess.run([args.python, "-c", "import pytest"], capture_output=True).returncode != 0:
        print("skip: %s cannot import pytest" % args.python)
        return 77
    failures, counts = 0, [0, 0, 0, 0]  # pytest's IDs, exact, empty prefixes, inexact rounds
    for r in range(args.rounds):
        rng = random.Random(args.seed * 100003 + r)
        work = tempfile.mkdtemp(prefix="tmdiff-collect-fuzz-")
        why = one_round(args, rng, work, counts)
        if why:
            failures += 1
            print("FAIL round %d (seed %d): %s" % (r, args.seed, why))
            if args.keep:
                print("     kept %s" % work)
                continue
        shutil.rmtree(work, ignore_errors=True)
    print("%d rounds of %s: %d failed; %d of pytest's %d IDs listed exactly, %d prefixes "
          "standing for no test, %d rounds inexact" % (args.rounds, what, failures, counts[1], counts[0],
                                                      counts[2], counts[3]))
    return 1 if failures else 0
