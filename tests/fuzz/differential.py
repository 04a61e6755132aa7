#!/usr/bin/env python3
"""Differential check of `tmdiff fingerprint` against the reference
fingerprinter (tests/reference/testmon_reference.py) on a fuzz corpus.

Usage: differential.py TMDIFF CORPUS_DIR... [--modified] [--versions 3.12.1,...]

Every corpus file is copied to a temporary NAME.py and fingerprinted by both,
in each pyenv Python. tmdiff may answer '!' (inexact: everything depending on
the file runs); any other answer must equal the reference's line exactly.
Prints each disagreement (version, file, both answers) and exits 1 if any;
77 (skip) when none of the pyenv interpreters is installed.
The reference's own '!' (its interpreter fails) accepts any tmdiff answer
but '!' is the only safe one, so those are listed too, as warnings.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "..", "reference", "testmon_reference.py")
VERSIONS = ["3.8.18", "3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0"]


def answers(cmd, paths, timeout=300):
    """{path: line} from a fingerprint command; per file again after a crash."""
    out = {}
    try:
        r = subprocess.run(cmd + paths, capture_output=True, timeout=timeout)
        lines = r.stdout.decode("utf-8", "replace").splitlines()
        for line in lines:
            if "\t" in line:
                value, path = line.split("\t", 1)
                if path in paths:
                    out[path] = value
        if r.returncode in (0, 1) and len(out) == len(paths):
            return out
    except subprocess.TimeoutExpired:
        pass
    if len(paths) == 1:
        return {paths[0]: "CRASH"}
    for p in paths:
        out.update(answers(cmd, [p], timeout=60))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tmdiff")
    ap.add_argument("corpus", nargs="+")
    ap.add_argument("--modified", action="store_true")
    ap.add_argument("--versions", default=",".join(VERSIONS))
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="tmdiff-diff-")
    files = {}
    for d in args.corpus:
        for root, _, names in os.walk(d):
            for n in sorted(names):
                src = os.path.join(root, n)
                dst = os.path.join(tmp, "f%05d.py" % len(files))
                try:
                    shutil.copyfile(src, dst)
                except FileNotFoundError:
                    continue  # a running fuzzer replaced it
                files[dst] = src
    paths = sorted(files)
    bad = warn = 0
    versions = [v for v in args.versions.split(",")
                if os.access(os.path.expanduser("~/.pyenv/versions/%s/bin/python" % v), os.X_OK)]
    if not versions or not paths:
        print("no pyenv interpreter (%s) or no input: skipped" % args.versions)
        shutil.rmtree(tmp)
        return 77
    for v in versions:
        py = os.path.expanduser("~/.pyenv/versions/%s/bin/python" % v)
        mod_t = ["--modified"] if args.modified else []
        mod_r = ["--dedent"] if args.modified else []
        for i in range(0, len(paths), 100):
            chunk = paths[i:i + 100]
            mine = answers([args.tmdiff, "fingerprint", "--python", v] + mod_t + ["--"], chunk)
            ref = answers([py, REFERENCE] + mod_r, chunk)
            for p in chunk:
                a, b = mine.get(p, "MISSING"), ref.get(p, "MISSING")
                if a == b or a == "!":
                    continue
                kind = "WARN" if b == "!" else "DIFF"
                if kind == "WARN":
                    warn += 1
                else:
                    bad += 1
                print("%s %s %s: tmdiff %r reference %r" % (kind, v, files[p], a[:120], b[:120]))
    shutil.rmtree(tmp)
    print("%d files x %d versions: %d disagreements, %d warnings"
          % (len(paths), len(versions), bad, warn))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
