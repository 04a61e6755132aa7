#!/usr/bin/env python3
"""tmdiff's static collection of a real project against pytest's own.

    collect_project.py COLLECT_PROBE ROOT [--python EXE] [-- PYTEST_ARGS...]

Runs `pytest --collect-only -q` in ROOT and collect_probe (the engine's
collection: each item EXACT or PREFIX) on it, then reports:

- missed: IDs pytest collects that are neither listed exactly nor under a
  prefix. A stored test with such an ID would look deleted and be dropped:
  the one bug tmdiff must not have. Exit 1 when there is any.
- precision: IDs listed exactly, IDs under prefixes by reason, and the
  prefixes whose expected IDs differ from pytest's (or that expect none):
  with a database recorded from this tree, `tmdiff select` names those on
  every run ("perpetual").

Exact items pytest does not collect are counted, not failed: a module
skipped by importorskip at collection, say (tmdiff selects more).

Example, networkx from an installed copy (its tests ship with it):
    cp -r .../site-packages/networkx /tmp/nx/ &&
    collect_project.py build/release/tests/fuzz/collect_probe /tmp/nx
"""
import argparse
import collections
import os
import subprocess
import sys


def covering(prefixes, node):
    """The most specific prefix standing for `node`, or None."""
    cuts = [node] + [node[:j] for j in range(len(node) - 1, 0, -1) if node[j:j + 2] == "::" or node[j] == "["]
    for cut in cuts:
        if cut in prefixes:
            return cut
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("probe")
    ap.add_argument("root")
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("pytest_args", nargs="*")
    args = ap.parse_args()
    p = subprocess.run([args.python, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
                       + args.pytest_args, cwd=args.root, capture_output=True, text=True)
    if p.returncode not in (0, 1, 2, 5):  # collection errors still list the rest
        sys.exit("pytest exited %d: %s" % (p.returncode, p.stderr[-500:]))
    ids = [line for line in p.stdout.split("\n\n", 1)[0].split("\n") if "::" in line]
    t = subprocess.run([args.probe, args.root], capture_output=True, text=True,
                       env=dict(os.environ, TMDIFF_COLLECT_CACHE=""))
    if t.returncode != 0:
        sys.exit("collect_probe exited %d: %s" % (t.returncode, t.stderr))
    exact, prefixes, inexact = set(), {}, []
    for line in t.stdout.splitlines():
        kind, _, rest = line.partition(" ")
        fields = rest.split("\t")
        if kind == "EXACT":
            exact.add(fields[0])
        elif kind == "PREFIX":
            prefixes[fields[0]] = (fields[1] if len(fields) > 1 else "", set(fields[2:]))
        elif kind == "INEXACT":
            inexact.append(rest)
    if inexact:
        print("inexact (tmdiff select exits 1 here): %s" % inexact[0])
        return 0
    missed, reasons, under = [], collections.Counter(), collections.defaultdict(set)
    for node in ids:
        if node in exact:
            continue
        prefix = covering(prefixes, node)
        if prefix is None:
            missed.append(node)
        else:
            reasons[prefixes[prefix][0]] += 1
            under[prefix].add(node)
    perpetual = [pfx for pfx, nodes in under.items() if prefixes[pfx][1] != nodes]
    print("pytest collects %d IDs: %d listed exactly, %d under prefixes, %d missed" % (
        len(ids), len(ids) - sum(reasons.values()) - len(missed), sum(reasons.values()), len(missed)))
    for reason, n in reasons.most_common():
        print("  %6d under a prefix for: %s" % (n, reason))
    print("prefixes standing for tests: %d; expecting exactly pytest's IDs: %d; perpetual: %d (%d IDs)" % (
        len(under), len(under) - len(perpetual), len(perpetual), sum(len(under[p]) for p in perpetual)))
    print("listed exactly but not collected by pytest: %d" % len(exact - set(ids)))
    for node in missed[:20]:
        print("MISSED %s" % node)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
