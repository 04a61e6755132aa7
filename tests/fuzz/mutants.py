#!/usr/bin/env python3
"""Token-level mutants of real Python, checked by differential.py.

Takes snippets (3-40 lines from a top-level statement on) of a pyenv
CPython's standard library, applies one to three token edits (delete,
double, replace or insert a token from a pool of keywords, operators,
brackets, Python 2 forms and odd literals, or copy another token) and runs
differential.py over them: tmdiff must answer exactly as the reference, or
'!'. Mutants sit near the edge of the grammar, where tree-sitter accepts
what CPython rejects; this found four such holes the stdlib corpus had not.

--mode chars edits inside string, number and name tokens instead (escapes,
braces, quotes, prefixes, digits and exponents, non-ASCII letters NFKC
folds, joiners): this found 3.8's dotted import names kept as written and
3.13's escaped U+200D. --mode blanks edits indentation, line ends, blank
lines and the blanks between tokens (tabs, form feeds, lone CRs, backslash
continuations): this found 3.8-3.11's extra newline after a final "\r\n",
and blocks tree-sitter misplaces after a tab it counts differently.
--mode spans replaces a run of tokens with a run copied from elsewhere in
the snippet.

Usage: mutants.py TMDIFF [--count N] [--seed S] [--keep DIR] [--modified]
                  [--mode tokens|chars|blanks|spans] [--source X.Y.Z]
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

# --mode chars: what to put inside a token of each kind
IN_STRING = ["\\", "\\N{", "\\N{EM DASH}", "{", "}", "{{", "}}", "'", '"', "\\x4", "\\u12",
             "\\U0001F600", "\\0", "\\777", "\\8", "\u00e9", "\u200b", "\U0001F600", "\x85",
             "\u2028", "\x7f", "\x00", "!r", "=", ":", "{x=}", "{x!r}", "{x:{y}}", "{'a'}", '{"a"}',
             "\n", "\\\n", "\t", "\r", "f", "b", "r", "u", "rb", "F", "{x:=1}", "{lambda: 1}",
             "{yield}", "{*x}", "{x,}", "#", "{x!}", "{ }", "{x:}", "{x=!r:>10}", "\\{", "\f"]
IN_NUMBER = ["_", "__", "j", "J", "e", "E", "e-", "x", "o", "b", "0", "9", ".", "L", "l", "+", "a", "f"]
IN_NAME = ["\u00e9", "\u210c", "\ufb01", "\u1d62", "\u00ba", "\U0001d431", "_", "0", "\u200b",
           "\u200c", "\u200d", "\u00b7", "\u00b9", "\u2168", "\u0301", "$", "\u0130", "\u00df",
           "\u017f"]

# --mode blanks: what to put in indentation, between tokens, at line ends
BLANKS = [" ", "  ", "\t", "\f", "\r", "\r\n", "\\\n", "\x0b", "\n", "\t ", " \t", "\f ", "\n\n",
          "\\\r\n", "#\n", "\u00a0", "\u3000", "\\"]
LINE_ENDS = ["\r\n", "\r", " \\\n", "\\\n", "\\\r", "\f\n", "\t\n", "\n\f", "\n \n", "\n\t\n"]
BLANK_LINES = ["\n", " \n", "\t\n", "\f\n", "\\\n", "  \\\n", "#\n", "\t# c\n", "\r\n", "\r", " \f \n"]


def stdlib_files(source=None):
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    for v in [source] if source else SOURCES:
        lib = os.path.join(root, "versions", v, "lib", "python" + v.rsplit(".", 1)[0])
        if os.path.isdir(lib):
            return sorted(os.path.join(d, f) for d, dirs, fs in os.walk(lib)
                          if "site-packages" not in d for f in fs if f.endswith(".py"))
    return []


def token_edit(rng, t, a, b, toks):
    """(start, end, text) replacing the token at a..b or inserting before it."""
    kind = rng.randrange(5)
    if kind == 3:
        return a, a, rng.choice(POOL) + " "
    return a, b, ("" if kind == 0 else t.string + " " + t.string if kind == 1 else
                  rng.choice(POOL) if kind == 2 else rng.choice(toks).string)


def char_edit(rng, t, a, b):
    """(start, end, text) deleting, replacing or inserting one character inside
    a string, number or name token."""
    pool = IN_STRING if t.type == tokenize.STRING else IN_NUMBER if t.type == tokenize.NUMBER else IN_NAME
    p = rng.randint(a, b)
    kind = rng.randrange(3) if p < b else 2
    return (p, p + 1, "") if kind == 0 else (p, p + 1 if kind == 1 else p, rng.choice(pool))


def blank_edit(rng, lines):
    """Edits the blanks of one random line of `lines` in place."""
    i = rng.randrange(len(lines))
    body = lines[i].lstrip(" \t")
    indent = lines[i][:len(lines[i]) - len(body)]
    kind = rng.randrange(6)
    if kind == 0 and indent:  # one indentation character
        j = rng.randrange(len(indent))
        indent = indent[:j] + rng.choice(BLANKS) + indent[j + 1:]
    elif kind <= 1:
        indent = rng.choice(BLANKS) + indent
    elif kind == 2:  # tabs for spaces or the other way round
        indent = indent.replace(" " * 8, "\t") if rng.random() < 0.5 else indent.replace("\t", " " * 8)
    elif kind == 3 and body.endswith("\n"):
        body = body[:-1] + rng.choice(LINE_ENDS)
    elif kind == 4 and " " in body:
        j = rng.choice([k for k, c in enumerate(body) if c == " "])
        body = body[:j] + rng.choice(BLANKS) + body[j + 1:]
    elif kind == 5:
        lines.insert(i, rng.choice(BLANK_LINES))
        return
    lines[i] = indent + body


def span_edit(rng, toks, starts):
    """(start, end, text) replacing a run of 0-4 tokens with a copy of a run of
    1-8 tokens from elsewhere in the snippet: statements and expressions
    recombined, the shapes one-token edits do not reach."""
    def offset(pos):
        return starts[pos[0] - 1] + pos[1]
    i = rng.randrange(len(toks))
    j = rng.randrange(len(toks))
    n = rng.randrange(5)
    a = offset(toks[i].start)
    b = offset(toks[min(len(toks), i + n) - 1].end) if n else a
    run = []
    for t in toks[j:j + 1 + rng.randrange(8)]:  # one line's tokens, so most mutants stay valid
        if t.type in (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT):
            break
        run.append(t.string)
    return a, b, " ".join(run)


def mutate(rng, src, mode="tokens"):
    if mode == "blanks":
        lines = src.splitlines(keepends=True)
        for _ in range(rng.choice([1, 1, 2, 3])):
            blank_edit(rng, lines)
        return "".join(lines)
    chars = mode == "chars"
    literal = (tokenize.STRING, tokenize.NUMBER, tokenize.NAME)
    try:
        toks = [t for t in tokenize.generate_tokens(io.StringIO(src).readline)
                if t.type not in (tokenize.ENDMARKER, tokenize.DEDENT, tokenize.INDENT)
                and (not chars or t.type in literal)]
    except (tokenize.TokenError, SyntaxError):
        return None
    if not toks:
        return None
    starts = [0]
    for line in src.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    edits = []
    for _ in range(rng.choice([1, 1, 2] if chars else [1, 1, 1, 2, 3])):
        if mode == "spans":
            edits.append(span_edit(rng, toks, starts))
            continue
        t = rng.choice(toks)
        a, b = starts[t.start[0] - 1] + t.start[1], starts[t.end[0] - 1] + t.end[1]
        edits.append(char_edit(rng, t, a, b) if chars else token_edit(rng, t, a, b, toks))
    edits.sort(reverse=True)
    last = None
    for a, b, s in edits:  # right to left; an edit overlapping the last is dropped
        if last is None or b <= last:
            src, last = src[:a] + s + src[b:], a
    return src


def generate(files, out, count, seed, mode):
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
        m = mutate(rng, "".join(lines[i:i + rng.randint(3, 40)]), mode)
        if m is None:
            continue
        with open(os.path.join(out, "m%06d.py" % made), "w", encoding="utf-8", newline="") as fh:
            fh.write(m)
        made += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tmdiff")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", help="write the mutants here (kept)")
    ap.add_argument("--modified", action="store_true", help="testmon's dedent path")
    ap.add_argument("--mode", choices=["tokens", "chars", "blanks", "spans"], default="tokens",
                    help="edit whole tokens, characters inside literals and names, blanks, "
                    "or runs of tokens copied from elsewhere in the snippet")
    ap.add_argument("--source", metavar="X.Y.Z",
                    help="the pyenv CPython whose standard library gives the snippets (default: the first of "
                    + ", ".join(SOURCES) + " found); run this script with that interpreter so tokenize reads "
                    "its syntax (3.12's f-strings)")
    args = ap.parse_args()
    files = stdlib_files(args.source)
    if not files:
        print("no pyenv CPython standard library to mutate: skipped")
        return 77
    out = args.keep or tempfile.mkdtemp(prefix="tmdiff-mutants-")
    os.makedirs(out, exist_ok=True)
    try:
        generate(files, out, args.count, args.seed, args.mode)
        cmd = [sys.executable, os.path.join(HERE, "differential.py"), args.tmdiff, out]
        return subprocess.run(cmd + (["--modified"] if args.modified else [])).returncode
    finally:
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
