#!/usr/bin/env python3
"""Token-level mutants of real Python, checked by differential.py.

Takes snippets (3-40 lines from a top-level statement on) of a pyenv
CPython's standard library, applies one to three token edits (delete,
double, replace or insert a token from a pool of keywords, operators,
brackets, Python 2 forms and odd literals, or copy another token) and runs
differential.py over them: tmdiff must answer exactly as the reference, or
'!'. Mutants sit near the edge of the grammar, where tree-sitter accepts
what CPython rejects; this found four such holes the stdlib corpus had not.

Usage: mutants.py TMDIFF [--count N] [--seed S] [--keep DIR] [--modified]
Deterministic for a seed and an interpreter; exit 77 (skip) without pyenv.
"""
import argparse
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import tokenize

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCES = ["3.11.7", "3.12.1", "3.13.0", "3.10.13", "3.9.18", "3.8.18"]
POOL = ["print", "exec", "lambda", "yield", "await", "async", "match", "case", "*", "**", ":=",
        "=", ",", ":", "(", ")", "[", "]", "{", "}", "<>", "->", "@", "...", "not", "is", "in",
        "del", "global", "nonlocal", "return", 'f"{x!r:>{w}}"', 'b"x"', 'u"x"', r'r"\d"', "0x1F",
        "1_0", "1e5j", "0o17", "type", "_", "None", "True", "`x`", "$", "?", ";", "\\\n", "\t",
        "if", "else", "for", "while", "with", "try", "except*", "finally", "import", "from", "as",
        "class", "def", "pass", "break", "continue", "raise", "assert", "or", "and", "~", "-",
        "+", "/", "//", "%", "<<", ">>", "|", "^", "&", "<", ">", "==", "!=", "<=", ">=", ".",
        "\n", "\n    ", "'''", '"', "#", "print >>x,", "0777", "10L", "ur''"]


def stdlib_files():
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    for v in SOURCES:
        lib = os.path.join(root, "versions", v, "lib", "python" + v.rsplit(".", 1)[0])
        if os.path.isdir(lib):
            return sorted(os.path.join(d, f) for d, dirs, fs in os.walk(lib)
                          if "site-packages" not in d for f in fs if f.endswith(".py"))
    return []


def mutate(rng, src):
    try:
        toks = [t for t in tokenize.generate_tokens(io.StringIO(src).readline)
                if t.type not in (tokenize.ENDMARKER, tokenize.DEDENT, tokenize.INDENT)]
    except (tokenize.TokenError, SyntaxError):
        return None
    if not toks:
        return None
    starts = [0]
    for line in src.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    edits = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        t = rng.choice(toks)
        a, b = starts[t.start[0] - 1] + t.start[1], starts[t.end[0] - 1] + t.end[1]
        kind = rng.randrange(5)
        new = ("" if kind == 0 else t.string + " " + t.string if kind == 1 else
               rng.choice(POOL) if kind == 2 else rng.choice(toks).string)
        edits.append((a, a, rng.choice(POOL) + " ") if kind == 3 else (a, b, new))
    edits.sort(reverse=True)
    last = None
    for a, b, s in edits:  # right to left; an edit overlapping the last is dropped
        if last is None or b <= last:
            src, last = src[:a] + s + src[b:], a
    return src


def generate(files, out, count, seed):
    rng = random.Random(seed)
    made = 0
    while made < count:
        try:
            with open(rng.choice(files), encoding="utf-8") as fh:
                lines = fh.read().splitlines(keepends=True)
        except (UnicodeDecodeError, OSError):
            continue
        tops = [i for i, l in enumerate(lines) if l[:1].isalpha() or l[:1] in "@_"]
        if not tops:
            continue
        i = rng.choice(tops)
        m = mutate(rng, "".join(lines[i:i + rng.randint(3, 40)]))
        if m is None:
            continue
        with open(os.path.join(out, "m%06d.py" % made), "w", encoding="utf-8") as fh:
            fh.write(m)
        made += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tmdiff")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", help="write the mutants here (kept)")
    ap.add_argument("--modified", action="store_true", help="testmon's dedent path")
    args = ap.parse_args()
    files = stdlib_files()
    if not files:
        print("no pyenv CPython standard library to mutate: skipped")
        return 77
    out = args.keep or tempfile.mkdtemp(prefix="tmdiff-mutants-")
    os.makedirs(out, exist_ok=True)
    try:
        generate(files, out, args.count, args.seed)
        cmd = [sys.executable, os.path.join(HERE, "differential.py"), args.tmdiff, out]
        return subprocess.run(cmd + (["--modified"] if args.modified else [])).returncode
    finally:
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
