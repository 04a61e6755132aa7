#!/usr/bin/env python3
"""literal_differential.py: engine/pyliteral*.c against CPython's own parser.

Seeded random literals -- str/bytes tokens with random prefixes, quotes,
escapes (\\x \\u \\U \\N{...} octal, invalid ones, line continuations) and code
points from every plane, implicit concatenations, ints of many sizes and
bases, floats from random bit patterns and decimal strings, imaginary
numbers, identifiers mixing scripts -- are evaluated by tests/tools/
literal_probe (the C code) and by ast.parse of each pyenv CPython 3.8-3.13.

For each dialect: the C answer must equal CPython's (the Constant dump, the
number's repr, the stored identifier, or a SyntaxError). "INEXACT" from C is
counted apart: allowed, but should be rare. Exit 0 when nothing mismatches,
1 otherwise, 77 (skip) without any pyenv interpreter.
"""
import argparse
import glob
import json
import os
import random
import struct
import subprocess
import sys

DIALECTS = ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]

# Runs inside each CPython: one JSON case per line in, one answer per line out.
WORKER = r'''
import ast, json, sys, warnings
warnings.simplefilter("ignore")
def hx(s): return s.encode("utf-8", "surrogatepass").hex()
for line in sys.stdin:
    kind, toks = json.loads(line)
    try:
        if kind == "s":
            node = ast.parse("(" + " ".join(toks) + ")", mode="eval").body
            if type(node).__name__ != "Constant":
                print("OTHER " + type(node).__name__); continue
            print("OK " + hx("Constant(%r, %r)" % (node.value, node.kind)))
        elif kind == "n":
            node = ast.parse(toks[0], mode="eval").body
            if type(node).__name__ != "Constant":
                print("OTHER " + type(node).__name__); continue
            try:
                print("OK " + hx(repr(node.value)))
            except ValueError:
                print("INEXACT repr raises ValueError")
        else:
            node = ast.parse(toks[0], mode="eval").body
            if type(node).__name__ != "Name":
                print("OTHER " + type(node).__name__); continue
            print("OK " + hx(repr(node.id)))
    except (SyntaxError, ValueError) as e:
        print("SYNTAX " + type(e).__name__)
    sys.stdout.flush() if False else None
'''

# Runs inside each CPython with --stdlib: every distinct non-f string token,
# implicit concatenation, number and non-ASCII name of its own standard
# library, as cases (JSON lines).
EXTRACT = r'''
import io, json, os, sys, sysconfig, tokenize
root = sysconfig.get_paths()["stdlib"]
seen = set()
def emit(kind, toks):
    key = (kind, tuple(toks))
    if key not in seen:
        seen.add(key)
        print(json.dumps([kind, list(toks)]))
for d, _dirs, files in os.walk(root):
    if "site-packages" in d:
        continue
    for f in sorted(files):
        if not f.endswith(".py"):
            continue
        try:
            with open(os.path.join(d, f), "rb") as fh:
                toks = list(tokenize.tokenize(fh.readline))
        except Exception:
            continue
        group = []
        for t in toks + [None]:
            if t is not None and t.type == tokenize.STRING and "f" not in t.string.split(t.string[-1])[0].lower():
                group.append(t.string)
                emit("s", [t.string])
                continue
            if t is not None and t.type in (tokenize.NL, tokenize.COMMENT) and group:
                continue
            if len(group) > 1:
                emit("s", group)
            group = []
            if t is None:
                break
            if t.type == tokenize.NUMBER:
                emit("n", [t.string])
            elif t.type == tokenize.NAME and not t.string.isascii():
                emit("i", [t.string])
'''

# Runs in the newest CPython with --names: every character name it knows
# (every `step`-th), the aliases of NameAliases.txt and case variants, as
# "\\N{...}" cases; older dialects must reject the names they do not know.
NAMES = r'''
import json, sys, unicodedata as u
step, aliases = int(sys.argv[1]), sys.argv[2]
names = [n for n in (u.name(chr(cp), None) for cp in range(0x110000)) if n]
names = names[::step]
try:
    with open(aliases, encoding="utf-8") as f:
        names += [l.split(";")[1] for l in f if l.strip() and not l.startswith("#")]
except OSError:
    pass
names += [n.lower() for n in names[::50]] + [n.title() for n in names[::70]]
for n in names:
    print(json.dumps(["s", ["'\\N{%s}'" % n]]))
'''

SIMPLE_ESCAPES = ["\\n", "\\t", "\\r", "\\\\", "\\'", '\\"', "\\a", "\\b", "\\f", "\\v", "\\0",
                  "\\7", "\\12", "\\101", "\\177", "\\377", "\\400", "\\777", "\\1234", "\\x41",
                  "\\xff", "\\x0", "\\xg1", "\\x7F", "\\d", "\\z", "\\8", "\\9", "\\ ", "\\{",
                  "\\\n", "\\u00e9", "\\u20AC", "\\ud800", "\\udfff", "\\u12", "\\U0001F600",
                  "\\U00110000", "\\UFFFFFFFF", "\\U0010ffff", "\\U0001fae8", "\\u2ffc",
                  "\\N{EM DASH}", "\\N{em dash}", "\\N{BEL}", "\\N{LINE FEED}", "\\N{NO-BREAK SPACE}",
                  "\\N{HANGUL SYLLABLE GAG}", "\\N{HANGUL SYLLABLE GGWAELH}", "\\N{hangul syllable ga}",
                  "\\N{HANGUL SYLLABLE QQQ}", "\\N{CJK UNIFIED IDEOGRAPH-4E00}",
                  "\\N{CJK UNIFIED IDEOGRAPH-9FFF}", "\\N{CJK UNIFIED IDEOGRAPH-2B739}",
                  "\\N{CJK UNIFIED IDEOGRAPH-31350}", "\\N{CJK UNIFIED IDEOGRAPH-2EBF0}",
                  "\\N{CJK UNIFIED IDEOGRAPH-4e00}", "\\N{cjk unified ideograph-4E00}",
                  "\\N{CJK UNIFIED IDEOGRAPH-04E00}", "\\N{TANGUT IDEOGRAPH-17000}",
                  "\\N{NOT A REAL NAME}", "\\N{}", "\\N", "\\N{EM DASH", "\\N{LATIN CAPITAL LETTER GHA}",
                  "\\N{BYTE ORDER MARK}", "\\N{MELTING FACE}", "\\N{PINK HEART}", "\\N{SHAKING FACE}",
                  "\\N{IDEOGRAPHIC DESCRIPTION CHARACTER SUBTRACTION}", "\\N{CJK STROKE Q}",
                  "\\N{latin small letter a}", "\\N{Latin Small Letter A With Grave}",
                  "\\N{KATAKANA LETTER AINU P}", "\\N{ZWNJ}", "\\N{VS16}", "\\N{SP}"]

# Code point pools: raw characters and \\U escapes drawn from them.
PLANE_RANGES = [(0x20, 0x7e), (0x7f, 0x2ff), (0x300, 0x36f), (0x370, 0x1fff), (0x2000, 0x206f),
                (0x2070, 0x2fff), (0x3000, 0xd7ff), (0xe000, 0xf8ff), (0xf900, 0xffff),
                (0x10000, 0x1ffff), (0x1f000, 0x1faff), (0x20000, 0x3ffff), (0xe0000, 0xe01ff),
                (0xf0000, 0x10ffff)]


def rand_cp(rng):
    lo, hi = rng.choice(PLANE_RANGES)
    cp = rng.randint(lo, hi)
    return cp


def gen_string_token(rng, force_bytes=None):
    is_bytes = force_bytes if force_bytes is not None else rng.random() < 0.25
    raw = rng.random() < 0.25
    if is_bytes:
        prefix = rng.choice(["b", "B"])
        if raw:
            prefix = rng.choice(["r" + prefix, prefix + "r", "R" + prefix, prefix + "R"])
    else:
        prefix = rng.choice(["", "", "", "u", "U"]) if not raw else rng.choice(["r", "R"])
    if rng.random() < 0.01:
        prefix = rng.choice(["ur", "bu", "rr", "ub", "br" if not is_bytes else "uR"])
    q = rng.choice(["'", '"'])
    triple = rng.random() < 0.2
    parts = []
    for _ in range(rng.randint(0, 8)):
        r = rng.random()
        if r < 0.35:
            parts.append(rng.choice(SIMPLE_ESCAPES))
        elif r < 0.55:
            parts.append("".join(chr(rng.randint(0x20, 0x7e)) for _ in range(rng.randint(1, 5))))
        elif r < 0.75:
            cp = rand_cp(rng)
            if 0xd800 <= cp <= 0xdfff:
                cp = 0x41
            if rng.random() < 0.5 and not raw:
                parts.append("\\U%08x" % cp if rng.random() < 0.5 else "\\U%08X" % cp)
            elif not is_bytes or rng.random() < 0.05:
                parts.append(chr(cp))
        elif r < 0.85:
            parts.append("\\u%04x" % rng.randint(0, 0xffff))
        elif r < 0.92:
            parts.append("\\x%02x" % rng.randint(0, 255))
        else:
            parts.append(rng.choice(["\n", "\r", "\t", "\x0b", "\x0c", "\x7f", "\x1b", " "]))
    body = "".join(parts)
    # make the body fit the quotes: escape the quote, no raw newline unless
    # triple-quoted, no backslash right before the closing quote
    out = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            out.append(body[i:i + 2])
            i += 2
            continue
        if c == "\\":
            out.append("\\\\")
        elif c == q:
            out.append("\\" + q)
        elif c in "\r\n" and not triple:
            out.append("\\n")
        else:
            out.append(c)
        i += 1
    body = "".join(out)
    if body.endswith("\\") and not body.endswith("\\\\"):
        body += "x"
    if is_bytes:
        body2 = "".join(ch for ch in body if ord(ch) < 0x80 or rng.random() < 0.02)
        body = body2
        if body.endswith("\\") and not body.endswith("\\\\"):
            body += "x"
    qq = q * 3 if triple else q
    return prefix + qq + body + qq


def gen_string_case(rng):
    n = 1 if rng.random() < 0.7 else rng.randint(2, 3)
    first_bytes = rng.random() < 0.25
    toks = []
    for _ in range(n):
        fb = first_bytes if rng.random() < 0.95 else not first_bytes
        toks.append(gen_string_token(rng, fb))
    return ["s", toks]


def underscored(rng, digits, p=0.1):
    out = []
    for i, d in enumerate(digits):
        if i and rng.random() < p:
            out.append("_")
        out.append(d)
    return "".join(out)


def gen_int(rng):
    r = rng.random()
    if r < 0.4:
        n = rng.choice([1, 1, 2, 3, 5, 9, 10, 18, 19, 20, 25, 40, 80, 200])
        digits = str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(n - 1))
        return underscored(rng, digits)
    if r < 0.45:
        n = rng.choice([4299, 4300, 4301, 5000])
        return str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(n - 1))
    if r < 0.8:
        base, pre, alphabet = rng.choice([(16, "0x", "0123456789abcdefABCDEF"), (8, "0o", "01234567"),
                                          (2, "0b", "01")])
        pre = rng.choice([pre, pre.upper()])
        n = rng.choice([1, 2, 8, 16, 17, 30, 64, 65, 200, 1000, 3570, 3575, 3600, 14285, 14300])
        n = {8: max(1, n * 4 // 3), 2: n * 4}.get(base, n) if n < 1000 else n
        digits = "".join(rng.choice(alphabet) for _ in range(n))
        s = pre + ("_" if rng.random() < 0.1 else "") + underscored(rng, digits)
        return s
    # edge and invalid spellings
    return rng.choice(["0", "00", "0_0", "000_000", "0777", "0_7", "1__0", "1_", "_1", "0x", "0x_",
                       "0b2", "0o8", "0o_", "0xg", "1L", "0x1L", "0b1_", "0O17", "0B1", "0XFF",
                       "1e", "1e+", "1.e5", "1._5", "1_.5", "09", "09.5", "09j", "0e0", "0_0.0_0",
                       ".5", "5.", ".5j", "5.j", "1E5J", "1e_5", "1e5_0", "0.0j", "1e309", "1e-400"])


def gen_float(rng):
    r = rng.random()
    if r < 0.5:
        while True:
            x = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
            if x == x and x not in (float("inf"), float("-inf")):
                break
        x = abs(x)
        s = repr(x)
        if rng.random() < 0.3:  # the same value spelt with more digits
            s = "%.25e" % x
        return s
    if r < 0.8:
        mant = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 30)))
        dot = rng.randint(0, len(mant))
        m = mant[:dot] + "." + mant[dot:]
        if m == ".":
            m = "0."
        if rng.random() < 0.7:
            m += rng.choice(["e", "E"]) + rng.choice(["", "+", "-"]) + str(rng.randint(0, 330))
        return m
    return rng.choice(["0.1", "0.2", "0.30000000000000004", "2.675", "1e16", "1e15", "1e-5", "1e-4",
                       "123456789012345678.0", "5e-324", "1.7976931348623157e308", "2.2250738585072014e-308",
                       "9007199254740993", "9007199254740993.0", "1e23", "8.41e21", "2e-323", "4.9e-324",
                       "1_0.5_5e1_0", "3.14159265358979323846264338327950288419716939937510582097494459",
                       "1.500000000000000000000001", "100.000", "1e22", "1e21", "0.0001", "0.00001"])


def gen_number_case(rng):
    r = rng.random()
    if r < 0.45:
        tok = gen_int(rng)
    else:
        tok = gen_float(rng)
    if rng.random() < 0.2 and not tok.startswith(("0x", "0X", "0o", "0O", "0b", "0B")):
        tok += rng.choice(["j", "J"])
    return ["n", [tok]]


ID_POOLS = [(0x41, 0x5a), (0x61, 0x7a), (0xc0, 0x24f), (0x370, 0x3ff), (0x400, 0x4ff), (0x5d0, 0x5ea),
            (0x620, 0x64a), (0x900, 0x97f), (0x1e00, 0x1eff), (0x2070, 0x209f), (0x2100, 0x214f),
            (0x2160, 0x2188), (0x3040, 0x30ff), (0x4e00, 0x9fff), (0xac00, 0xd7a3), (0xfb00, 0xfb4f),
            (0xfe70, 0xfeff), (0xff10, 0xff5a), (0x1d400, 0x1d7ff), (0x1e900, 0x1e95f),
            (0x1fbf0, 0x1fbf9), (0x10000, 0x1ffff), (0x20000, 0x323af), (0x2ff0, 0x2fff),
            (0x200b, 0x200f),
            (0x300, 0x36f), (0x1f300, 0x1f5ff), (0x11f00, 0x11f5f), (0x31350, 0x323af)]


def gen_identifier_case(rng):
    chars = []
    for k in range(rng.randint(1, 6)):
        r = rng.random()
        if r < 0.3:
            chars.append(rng.choice("abcxyz_ABC" + ("" if k == 0 else "0123456789")))
        else:
            lo, hi = rng.choice(ID_POOLS)
            cp = rng.randint(lo, hi)
            if 0xd800 <= cp <= 0xdfff:
                cp = 0x61
            chars.append(chr(cp))
    name = "".join(chars)
    if name.isascii() and not name.isidentifier():
        name = "x" + name
    import keyword
    if keyword.iskeyword(name):
        name += "_"
    return ["i", [name]]


def gen_cases(n, seed):
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        r = rng.random()
        if r < 0.5:
            cases.append(gen_string_case(rng))
        elif r < 0.8:
            cases.append(gen_number_case(rng))
        else:
            cases.append(gen_identifier_case(rng))
    return cases


def find_pythons():
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    found = {}
    for d in DIALECTS:
        exes = sorted(glob.glob(os.path.join(root, "versions", d + ".*", "bin", "python")))
        if exes:
            found[d] = exes[-1]
    return found


def hexed(s):
    return s.encode("utf-8", "surrogatepass").hex()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--probe", required=True, help="the literal_probe executable")
    ap.add_argument("--cases", type=int, default=3000, help="cases per dialect (the same for each)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--show", type=int, default=10, help="mismatches to print")
    ap.add_argument("--show-inexact", action="store_true", help="print C's inexact answers")
    ap.add_argument("--stdlib", action="store_true",
                    help="instead of random cases: every literal of each interpreter's own stdlib")
    ap.add_argument("--names", type=int, metavar="STEP", default=0,
                    help="instead of random cases: \\N{} of every STEP-th character name "
                         "of the newest interpreter, all aliases and case variants")
    ap.add_argument("--dialect", action="append", help="only these (3.Y); default all found")
    args = ap.parse_args()

    pythons = find_pythons()
    if args.dialect:
        pythons = {d: p for d, p in pythons.items() if d in args.dialect}
    if not pythons:
        print("literal_differential: SKIP: no pyenv CPython 3.8-3.13 found under $PYENV_ROOT or "
              "~/.pyenv (install them with pyenv to run this test)")
        return 77

    if args.stdlib:
        total = 0
        for d, exe in pythons.items():
            r = subprocess.run([exe, "-c", EXTRACT], capture_output=True, text=True, encoding="utf-8")
            cases = [json.loads(x) for x in r.stdout.splitlines()]
            total += run_cases(args, {d: exe}, cases)
        return 1 if total else 0
    if args.names:
        newest = pythons[max(pythons, key=lambda d: tuple(map(int, d.split("."))))]
        r = subprocess.run([newest, "-c", NAMES, str(args.names), "/usr/share/unicode/NameAliases.txt"],
                           capture_output=True, text=True, encoding="utf-8")
        cases = [json.loads(x) for x in r.stdout.splitlines()]
    else:
        cases = gen_cases(args.cases, args.seed)
    return 1 if run_cases(args, pythons, cases) else 0


def run_cases(args, pythons, cases):
    """Evaluates `cases` in C and in each interpreter; the mismatch count."""
    payload = "".join(json.dumps(c) + "\n" for c in cases)
    workers = {d: subprocess.Popen([exe, "-c", WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   text=True, encoding="utf-8", errors="surrogateescape")
               for d, exe in pythons.items()}
    probe_in = []
    for d, exe in pythons.items():
        micro = os.path.basename(os.path.dirname(os.path.dirname(exe)))
        for kind, toks in cases:
            probe_in.append("%s %s %s\n" % (micro, kind, ",".join(hexed(t) for t in toks)))
    probe = subprocess.run([args.probe], input="".join(probe_in).encode(), capture_output=True)
    probe.stdout = probe.stdout.decode("utf-8", "replace")
    probe.stderr = probe.stderr.decode("utf-8", "replace")
    if probe.returncode != 0:
        print("literal_differential: probe failed: %s" % probe.stderr.strip())
        return 1 + len(cases)
    c_answers = probe.stdout.splitlines()
    py_answers = {}
    for d, w in workers.items():
        out, _ = w.communicate(payload)
        py_answers[d] = out.splitlines()

    total_bad = 0
    shown = 0
    for di, d in enumerate(pythons):
        cans = c_answers[di * len(cases):(di + 1) * len(cases)]
        pans = py_answers[d]
        if len(cans) != len(cases) or len(pans) != len(cases):
            print("literal_differential: %s: answer count mismatch (C %d, Python %d, cases %d)"
                  % (d, len(cans), len(pans), len(cases)))
            return 1 + len(cases)
        same = inexact = bad = 0
        for case, c, p in zip(cases, cans, pans):
            ck, pk = c.split(" ", 1)[0], p.split(" ", 1)[0]
            if ck == "INEXACT":
                # allowed; counted when CPython itself had an answer
                inexact += pk != "INEXACT"
                ok = True
                if pk != "INEXACT" and args.show_inexact:
                    print("INEXACT %s %s %r: %s" % (d, case[0], case[1], c))
            elif ck == "SYNTAX" and pk in ("SYNTAX", "OTHER"):
                ok = True
            else:
                ok = c == p
            if ok and (ck != "INEXACT" or pk == "INEXACT"):
                same += 1
            if not ok:
                bad += 1
                if shown < args.show:
                    shown += 1

                    def show(a):
                        k, _, h = a.partition(" ")
                        if k == "OK":
                            return "OK " + bytes.fromhex(h).decode("utf-8", "backslashreplace")
                        return a
                    print("MISMATCH %s %s %r\n   C:      %s\n   Python: %s"
                          % (d, case[0], case[1], show(c), show(p)))
        total_bad += bad
        print("%s (%s): %d cases, %d equal, %d inexact in C where CPython answers, %d mismatches"
              % (d, os.path.basename(os.path.dirname(os.path.dirname(pythons[d]))), len(cases),
                 same, inexact, bad))
    if len(py_answers) > 1:
        per_case = list(zip(*py_answers.values()))
        varying = sum(1 for answers in per_case if len(set(answers)) > 1)
        print("cases whose CPython answer differs between dialects: %d" % varying)
    return total_bad


if __name__ == "__main__":
    sys.exit(main())
