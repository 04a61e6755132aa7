#!/usr/bin/env python3
"""gen_unicode_tables.py: the Unicode data tmdiff's literal code needs, per dialect.

Writes one C header (included only by engine/pyliteral_ucd.c) holding, for each
dialect 3.8 .. 3.13:
  - property runs over all code points: printable (str.isprintable), assigned
    (category != Cn), XID_Start and XID_Continue (as str.isidentifier sees
    them), "unknown" (no exact data: callers answer LIT_INEXACT) and "XID
    unknown" (not XID in the UCD, but the dialect's newer Unicode may have
    made it one);
  - the code point ranges whose "CJK UNIFIED IDEOGRAPH-XXXX" name \\N{} accepts;
and one table shared by all dialects of character names and name aliases,
each with the set of dialects that resolve it.

Data source per dialect, best first:
  1. a CPython interpreter whose unicodedata has exactly the dialect's Unicode
     version (pyenv's 3.X.Y, python3.X on PATH, $TMDIFF_PYTHONS): exact;
  2. the UCD files of Debian's unicode-data package filtered by DerivedAge:
     exact properties up to the UCD's own version; for a newer dialect the code
     points the UCD leaves unassigned are "unknown"; names are then not exact
     (misses and aliases give LIT_INEXACT).

Usage: gen_unicode_tables.py --out pyliteral_ucd_tables.h [--ucd-dir DIR]
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
from collections import Counter

# Dialect index -> the Unicode version of that CPython's unicodedata.
DIALECTS = [("3.8", "12.1.0"), ("3.9", "13.0.0"), ("3.10", "13.0.0"),
            ("3.11", "14.0.0"), ("3.12", "15.0.0"), ("3.13", "15.1.0")]

P_PRINTABLE, P_ASSIGNED, P_XID_START, P_XID_CONTINUE, P_UNKNOWN, P_XID_UNKNOWN = 1, 2, 4, 8, 16, 32
MAX_CP = 0x110000
NAME_BLOCK = 32  # names per front-coded block of the name table
VOCAB_STEP = 16  # vocabulary words per stored offset
CJK_PREFIX = "CJK UNIFIED IDEOGRAPH-"
HANGUL_PREFIX = "HANGUL SYLLABLE "

# Runs inside each interpreter: prints its data as JSON. Alias candidates
# (from NameAliases.txt) arrive on stdin and are kept if lookup() agrees.
CHILD = r'''
import json, sys, unicodedata as u
cands = json.loads(sys.stdin.read())
runs, prev, names, cjk = [], None, [], []
for cp in range(0x110000):
    c = chr(cp)
    p = 0
    if c.isprintable(): p |= 1
    if u.category(c) != "Cn": p |= 2
    if c.isidentifier(): p |= 4
    if ("a" + c).isidentifier(): p |= 8
    if p != prev:
        runs.append([cp, p]); prev = p
    n = u.name(c, None)
    if n is None or n.startswith("HANGUL SYLLABLE "):
        continue
    if n.startswith("CJK UNIFIED IDEOGRAPH-"):
        if cjk and cjk[-1][1] == cp - 1: cjk[-1][1] = cp
        else: cjk.append([cp, cp])
        continue
    names.append([n, cp])
aliases = []
for n, cp in cands:
    try:
        if u.lookup(n) == chr(cp): aliases.append([n, cp])
    except KeyError:
        pass
def nm(cp): return u.name(chr(cp))[16:]
jamo_l = [nm(0xAC00 + l * 588)[:-1] for l in range(19)]
jamo_v = [nm(0xAC00 + v * 28)[1:] for v in range(21)]
jamo_t = [nm(0xAC00 + t)[2:] for t in range(28)]
print(json.dumps({"version": u.unidata_version, "runs": runs, "names": names,
                  "aliases": aliases, "cjk": cjk, "jamo": [jamo_l, jamo_v, jamo_t]}))
'''


def vtuple(v):
    return tuple(int(x) for x in v.split("."))


def find_interpreters():
    """Candidate CPython executables, most specific first."""
    cands = []
    for p in os.environ.get("TMDIFF_PYTHONS", "").split(os.pathsep):
        if p:
            cands.append(p)
    roots = [os.environ.get("PYENV_ROOT", ""), os.path.expanduser("~/.pyenv")]
    for root in roots:
        if root:
            cands += sorted(glob.glob(os.path.join(root, "versions", "3.*", "bin", "python")))
    for minor in range(8, 14):
        w = shutil.which("python3.%d" % minor)
        if w:
            cands.append(w)
    cands.append(sys.executable)
    seen, out = set(), []
    for c in cands:
        r = os.path.realpath(c)
        if r not in seen and os.access(r, os.X_OK):
            seen.add(r)
            out.append(c)
    return out


def unidata_version(exe):
    try:
        # only CPython: its unicodedata and str methods are what ast users see
        r = subprocess.run([exe, "-c", "import platform, unicodedata; print(unicodedata.unidata_version "
                                       "if platform.python_implementation() == 'CPython' else '')"],
                           capture_output=True, text=True, timeout=30)
        return (r.stdout.strip() or None) if r.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def read_ucd_ranges(path, want=None):
    """Yields (first, last, fields) for each data line of a UCD file."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = [x.strip() for x in line.split(";")]
            r = fields[0].split("..")
            lo = int(r[0], 16)
            hi = int(r[1], 16) if len(r) > 1 else lo
            yield lo, hi, fields[1:]


def load_ucd(ucd_dir):
    """The UCD as dicts, or None when the files are missing."""
    need = ["UnicodeData.txt", "DerivedAge.txt", "DerivedCoreProperties.txt", "NameAliases.txt"]
    if not all(os.path.exists(os.path.join(ucd_dir, n)) for n in need):
        return None
    cat = bytearray(b"\0" * MAX_CP)  # index into CATS; 0 = Cn
    cats = ["Cn"]
    names, cjk_ranges = {}, []
    first = None
    with open(os.path.join(ucd_dir, "UnicodeData.txt"), encoding="utf-8") as f:
        for line in f:
            fl = line.split(";")
            cp, name, gc = int(fl[0], 16), fl[1], fl[2]
            if gc not in cats:
                cats.append(gc)
            ci = cats.index(gc)
            if name.endswith(", First>"):
                first = cp
                continue
            if name.endswith(", Last>"):
                for c in range(first, cp + 1):
                    cat[c] = ci
                if name.startswith("<CJK Ideograph"):
                    cjk_ranges.append((first, cp))
                continue
            cat[cp] = ci
            if not name.startswith("<"):
                names[name] = cp
    age = [None] * MAX_CP
    for lo, hi, f in read_ucd_ranges(os.path.join(ucd_dir, "DerivedAge.txt")):
        v = vtuple(f[0] + ".0")[:2]
        for c in range(lo, hi + 1):
            age[c] = v
    xs, xc = bytearray(MAX_CP), bytearray(MAX_CP)
    for lo, hi, f in read_ucd_ranges(os.path.join(ucd_dir, "DerivedCoreProperties.txt")):
        if f[0] in ("XID_Start", "XID_Continue"):
            arr = xs if f[0] == "XID_Start" else xc
            for c in range(lo, hi + 1):
                arr[c] = 1
    aliases = []
    for lo, _hi, f in read_ucd_ranges(os.path.join(ucd_dir, "NameAliases.txt")):
        aliases.append([f[0], lo])
    with open(os.path.join(ucd_dir, "DerivedAge.txt"), encoding="utf-8") as f:
        version = f.readline().split("-")[1].rsplit(".txt")[0]
    jamo = None
    jpath = os.path.join(ucd_dir, "Jamo.txt")
    if os.path.exists(jpath):
        short = {lo: (f[0] if f else "") for lo, _h, f in read_ucd_ranges(jpath)}
        jamo = [[short[0x1100 + i] for i in range(19)], [short[0x1161 + i] for i in range(21)],
                [""] + [short[0x11A8 + i] for i in range(27)]]
    return {"cat": cat, "cats": cats, "names": names, "cjk": cjk_ranges, "age": age,
            "xs": xs, "xc": xc, "aliases": aliases, "version": version, "jamo": jamo}


def from_ucd(ucd, version):
    """Dialect data derived from the UCD for Unicode `version` (not exact names)."""
    v = vtuple(version)[:2]
    newer = vtuple(version) > vtuple(ucd["version"])
    nonprint = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"}
    printable_cat = [c not in nonprint for c in ucd["cats"]]
    runs, prev = [], None
    for cp in range(MAX_CP):
        a = ucd["age"][cp]
        p = 0
        if a is not None and a <= v:
            p |= P_ASSIGNED
            if printable_cat[ucd["cat"][cp]] or cp == 0x20:
                p |= P_PRINTABLE
            if ucd["xs"][cp]:
                p |= P_XID_START
            if ucd["xc"][cp]:
                p |= P_XID_CONTINUE
            if newer and not (ucd["xs"][cp] and ucd["xc"][cp]):
                p |= P_XID_UNKNOWN  # may have joined XID since (15.1: U+30FB)
        elif a is None and newer:
            p = P_UNKNOWN
        if p != prev:
            runs.append([cp, p])
            prev = p
    names = [[n, cp] for n, cp in ucd["names"].items()
             if ucd["age"][cp] is not None and ucd["age"][cp] <= v
             and not n.startswith(CJK_PREFIX)]
    cjk = []
    for lo, hi in ucd["cjk"]:
        cps = [c for c in range(lo, hi + 1) if ucd["age"][c] is not None and ucd["age"][c] <= v]
        for c in cps:
            if cjk and cjk[-1][1] == c - 1:
                cjk[-1][1] = c
            else:
                cjk.append([c, c])
    # aliases carry no version: only the UCD's own version has exactly them
    same = vtuple(version) == vtuple(ucd["version"])
    return {"version": version, "runs": runs, "names": names,
            "aliases": ucd["aliases"] if same else [], "cjk": cjk,
            "jamo": ucd["jamo"], "exact_props": not newer, "exact_names": same}


def c_bytes(data):
    """A C string literal body for arbitrary bytes (octal escapes, no trigraphs)."""
    out = []
    for b in data:
        ch = chr(b)
        if 0x20 <= b < 0x7f and ch not in '\\"?':
            out.append(ch)
        else:
            out.append("\\%03o" % b)
    lines, cur, width = [], [], 0
    for tok in out:  # never split an escape across lines
        cur.append(tok)
        width += len(tok)
        if width >= 100:
            lines.append('    "%s"' % "".join(cur))
            cur, width = [], 0
    if cur or not lines:
        lines.append('    "%s"' % "".join(cur))
    return "\n".join(lines)


def c_array(ctype, name, values, per_line=12):
    lines = []
    for i in range(0, len(values), per_line):
        lines.append("    " + ", ".join(str(v) for v in values[i:i + per_line]) + ",")
    body = "\n".join(lines) if lines else "    0"
    return "static const %s %s[] = {\n%s\n};\n" % (ctype, name, body)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--ucd-dir", default="/usr/share/unicode")
    ap.add_argument("--no-interpreters", action="store_true",
                    help="use only the UCD files (to test the fallback)")
    args = ap.parse_args()

    ucd = load_ucd(args.ucd_dir)
    alias_cands = ucd["aliases"] if ucd else []
    if not ucd:
        print("gen_unicode_tables: no UCD files in %s; aliases only from interpreters"
              % args.ucd_dir, file=sys.stderr)

    by_version = {}
    for exe in ([] if args.no_interpreters else find_interpreters()):
        v = unidata_version(exe)
        if v and v not in by_version:
            by_version[v] = exe
    wanted = sorted({u for _d, u in DIALECTS})
    procs = {}
    for v in wanted:
        if v in by_version:
            procs[v] = subprocess.Popen([by_version[v], "-c", CHILD], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
            procs[v].stdin.write(json.dumps(alias_cands))
            procs[v].stdin.close()
    data = {}
    for v, p in procs.items():
        out = p.stdout.read()
        if p.wait() != 0:
            sys.exit("gen_unicode_tables: %s failed" % by_version[v])
        d = json.loads(out)
        d["exact_props"] = d["exact_names"] = True
        data[v] = d
    for v in wanted:
        if v not in data:
            if not ucd:
                sys.exit("gen_unicode_tables: no interpreter with Unicode %s and no UCD files "
                         "(install Debian's unicode-data or a CPython with that version)" % v)
            print("gen_unicode_tables: Unicode %s from the UCD files (%s): not exact"
                  % (v, ucd["version"]), file=sys.stderr)
            data[v] = from_ucd(ucd, v)
    jamo = next((d["jamo"] for d in data.values() if d.get("jamo")), None)
    if jamo is None:
        sys.exit("gen_unicode_tables: no Hangul jamo names (need an interpreter or Jamo.txt)")

    # One name table: name -> [cp, dialect mask, is_alias].
    table = {}
    for di, (_d, v) in enumerate(DIALECTS):
        d = data[v]
        for lst, is_alias in ((d["names"], 0), (d["aliases"], 1)):
            for n, cp in lst:
                e = table.setdefault(n, [cp, 0, is_alias])
                if e[0] != cp:
                    sys.exit("gen_unicode_tables: name %s changed code point" % n)
                e[1] |= 1 << di
    if ucd:  # aliases no interpreter confirmed: present, resolvable by no exact dialect
        for n, cp in ucd["aliases"]:
            table.setdefault(n, [cp, 0, 1])
        for n, cp in ucd["names"].items():
            if not n.startswith(CJK_PREFIX):
                table.setdefault(n, [cp, 0, 0])
    names = sorted(table)
    freq = Counter(t for n in names for t in n.split(" "))
    vocab = [t for t, _c in freq.most_common()]
    if len(vocab) >= 0x8000:
        sys.exit("gen_unicode_tables: too many distinct name words")
    tid = {t: i for i, t in enumerate(vocab)}
    # Names front-coded in blocks of NAME_BLOCK: each name is a byte
    # (tokens shared with the previous name of its block << 4 | new tokens)
    # and its new token ids (1 byte below 0x80, else 2 bytes).
    stream, block_off, name_val, prev = bytearray(), [], [], []
    for k, n in enumerate(names):
        toks = n.split(" ")
        if k % NAME_BLOCK == 0:
            block_off.append(len(stream))
            prev = []
        shared = 0
        while shared < min(len(prev), len(toks), 15) and prev[shared] == toks[shared]:
            shared += 1
        new = toks[shared:]
        if len(new) > 15:
            sys.exit("gen_unicode_tables: name %s has too many words" % n)
        stream.append(shared << 4 | len(new))
        for t in new:
            i = tid[t]
            if i < 0x80:
                stream.append(i)
            else:
                stream += bytes((0x80 | (i >> 8), i & 0xFF))
        prev = toks
        cp, mask, is_alias = table[n]
        name_val.append(cp | (mask << 21) | (is_alias << 29))
    block_off.append(len(stream))
    # vocabulary: length-prefixed words; the offset of every VOCAB_STEP-th
    vocab_blob, vocab_off = bytearray(), []
    for i, t in enumerate(vocab):
        if i % VOCAB_STEP == 0:
            vocab_off.append(len(vocab_blob))
        vocab_blob.append(len(t))
        vocab_blob += t.encode("ascii")

    o = []
    o.append("/* Generated by engine/gen/gen_unicode_tables.py: do not edit. */\n")
    o.append("/* Sources: %s */\n" % "; ".join(
        "%s: %s" % (v, by_version[v] if v in procs else "UCD %s" % ucd["version"]) for v in wanted))
    o.append("#define LIT_UCD_NAME_MAX %d\n" % max(len(n) for n in names))
    o.append("#define LIT_UCD_NAMES %d\n" % len(names))
    o.append("#define LIT_UCD_VOCAB %d\n" % len(vocab))
    o.append("#define LIT_UCD_NAME_BLOCK %d\n" % NAME_BLOCK)
    o.append("#define LIT_UCD_VOCAB_STEP %d\n\n" % VOCAB_STEP)
    emitted = {}
    for di, (dname, v) in enumerate(DIALECTS):
        if v in emitted:
            continue
        emitted[v] = di
        d = data[v]
        o.append(c_array("uint32_t", "lit_ucd_run_start_%d" % di, [r[0] for r in d["runs"]]))
        o.append(c_array("uint8_t", "lit_ucd_run_props_%d" % di, [r[1] for r in d["runs"]], 24))
        o.append(c_array("uint32_t", "lit_ucd_cjk_%d" % di, [x for r in d["cjk"] for x in r]))
    o.append("static const lit_ucd_dialect lit_ucd_dialects[%d] = {\n" % len(DIALECTS))
    for di, (dname, v) in enumerate(DIALECTS):
        d, e = data[v], emitted[v]
        o.append('    {"%s", lit_ucd_run_start_%d, lit_ucd_run_props_%d, %d, lit_ucd_cjk_%d, %d, %d, %d},\n'
                 % (v, e, e, len(d["runs"]), e, len(d["cjk"]), int(d["exact_props"]),
                    int(d["exact_names"])))
    o.append("};\n\n")
    o.append("static const char lit_ucd_vocab_blob[] =\n%s;\n" % c_bytes(bytes(vocab_blob)))
    o.append(c_array("uint32_t", "lit_ucd_vocab_off", vocab_off))
    o.append("static const char lit_ucd_name_stream[] =\n%s;\n" % c_bytes(bytes(stream)))
    o.append(c_array("uint32_t", "lit_ucd_block_off", block_off))
    o.append(c_array("uint32_t", "lit_ucd_name_val", name_val))
    for col, arr in zip("LVT", jamo):
        o.append("static const char *const lit_ucd_jamo_%s[] = {%s};\n"
                 % (col, ", ".join('"%s"' % s for s in arr)))
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write("".join(o))
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
