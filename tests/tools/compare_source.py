#!/usr/bin/env python3
"""Differential check of engine/source.c against Python itself.

For files (given, found under directories, or generated from a seed) it
compares what tests/tools/source_probe prints -- decodability, git blob id,
testmon's fsha, the prepared text, its textwrap.dedent -- with
tests/reference/testmon_reference.py prepare() and textwrap.dedent, run on a
pyenv CPython (the script re-executes itself there; exit 77 when there is
none).

Verdicts per file:
  exact  -- everything equal;
  safe   -- the probe calls the file undecodable but Python decodes it (a
            codec tmdiff does not decode exactly): tmdiff then selects more,
            never fewer;
  WRONG  -- anything else. Exit status 1 when there is any.

Generated inputs (--random N --seed S): random BOMs, coding cookies on lines
1-3 (known, aliased, mis-cased, unknown and non-text codecs), CR/LF/CRLF/FF
mixes, invalid UTF-8, NUL bytes, one-byte charsets, tab/space indentation.
--codecs adds, for every Python codec name and alias, a file holding all 256
byte values under that cookie. --cjk adds, per CJK codec tmdiff decodes, all
valid sequences and single invalid ones (a sample; all with --exhaustive).

Usage:
  compare_source.py --probe PATH [--random N] [--seed S] [--codecs] [--cjk [--exhaustive]]
                    [--dir DIR]... [FILE]... [--show K] [--python VERSION]
"""
import argparse
import glob
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE_DIR = os.path.join(HERE, "..", "reference")


# ---- finding a pyenv CPython ---------------------------------------------------

def pyenv_pythons():
    roots = []
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True,
                              check=True).stdout.strip()
        roots.append(root)
    except (OSError, subprocess.CalledProcessError):
        pass
    if os.environ.get("PYENV_ROOT"):
        roots.append(os.environ["PYENV_ROOT"])
    roots.append(os.path.expanduser("~/.pyenv"))
    found = {}
    for root in roots:
        for exe in sorted(glob.glob(os.path.join(root, "versions", "3.*", "bin", "python"))):
            version = exe.split(os.sep)[-3]
            found.setdefault(version, exe)
    return found


def reexec_under_pyenv(want):
    pythons = pyenv_pythons()
    if not pythons:
        print("compare_source: SKIP: no pyenv CPython found (`pyenv root` or "
              "~/.pyenv/versions/3.*); install one to run this check")
        sys.exit(77)
    if want:
        matches = [v for v in pythons if v == want or v.startswith(want + ".")]
        if not matches:
            print("compare_source: no pyenv Python %s (have %s)" % (want, " ".join(pythons)))
            sys.exit(2)
        version = matches[-1]
    else:
        version = "3.11.7" if "3.11.7" in pythons else sorted(pythons)[-1]
    exe = pythons[version]
    if os.path.realpath(sys.executable) != os.path.realpath(exe) and \
            not os.environ.get("COMPARE_SOURCE_CHILD"):
        os.environ["COMPARE_SOURCE_CHILD"] = "1"
        os.execv(exe, [exe, os.path.abspath(__file__)] + sys.argv[1:])


# ---- generated inputs -------------------------------------------------------------

CODEC_NAMES = [
    "utf-8", "UTF-8", "utf_8", "utf8", "UTF8", "utf-8-sig", "utf_8_sig", "utf-8-x",
    "u8", "cp65001", "latin-1", "Latin-1", "latin1", "latin_1", "iso-8859-1",
    "ISO_8859_1", "iso-latin-1", "iso-latin-1-unix", "latin-1-x", "l1", "8859",
    "iso8859.1", "latin.1", "cp1252", "windows-1252", "WINDOWS_1252", "cp1251",
    "koi8-r", "KOI8_U", "koi8_t", "ascii", "us-ascii", "646", "cp037", "cp500",
    "cp437", "cp850", "cp866", "cp874", "hp-roman8", "iso-8859-15", "latin9",
    "iso8859-7", "greek", "thai", "euc-jp", "shift_jis", "gbk", "big5", "cp932",
    "utf-16", "utf-32", "utf-7", "mac-roman", "cp1255", "cp1258", "rot13", "hex",
    "base64", "zlib", "undefined", "idna", "unicode_escape", "no-such-codec",
    "aliases", "--latin1--", "-.-latin1", "utf__8", "UTF-8-SIG", "x" * 80,
]

COOKIE_FORMS = [
    "# -*- coding: %s -*-", "# vim: set fileencoding=%s :", "#coding=%s",
    "  \t# coding:%s", "#coding: \t%s", "# coding is coding=%s", "#coding:%s",
    "x = 1  # coding: %s", "# coding : %s", "#!python coding=%s",
]

FRAGMENTS = [
    b"x = 1", b"def f():", b"    return 'a'", b"\treturn 2", b"  \t", b"   ", b"\t",
    b"# comment", b"", b"'''doc", b"'''", b"\xc3\xa9t\xc3\xa9", b"\xe2\x82\xac",
    b"\xf0\x9f\x98\x80", b"\xed\xa0\x80", b"\xc0\x80", b"\xe2\x82", b"\xf0\x90\x80",
    b"\xf4\x90\x80\x80", b"\xff\xfe", b"\x80", b"\xe9", b"\x00", b"\xef\xbb\xbf",
    b"caf\xe9", b"\x0c", b"a\x0cb", b"  x = '\x0c'", b"\xa4\xa2\xa4\xa4",
]

SEPARATORS = [b"\n"] * 6 + [b"\r\n"] * 3 + [b"\r", b"\r\r\n", b"\x0c\n", b"\n\r", b"\x0c"]


def random_cookie(rng):
    name = rng.choice(CODEC_NAMES)
    if rng.random() < 0.15:
        name = "".join(c.upper() if rng.random() < 0.5 else c for c in name)
    return (rng.choice(COOKIE_FORMS) % name).encode()


def random_file(rng):
    out = bytearray()
    if rng.random() < 0.15:
        out += b"\xef\xbb\xbf" * rng.choice([1, 1, 1, 2])
    lines = []
    for lineno in range(rng.randint(0, 12)):
        r = rng.random()
        if lineno < 3 and r < 0.35:
            lines.append(random_cookie(rng))
        elif r < 0.5:
            lines.append(rng.choice([b"", b"#!/usr/bin/env python", b"   # x", b"\r", b"  "]))
        else:
            indent = rng.choice([b"", b"", b"  ", b"    ", b"\t", b"\t ", b" \t", b"        "])
            body = b"".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 3)))
            if rng.random() < 0.1:
                body += bytes(rng.randrange(256) for _ in range(rng.randint(1, 6)))
            lines.append(indent + body)
    if rng.random() < 0.3:  # a common margin, for dedent
        margin = rng.choice([b"  ", b"\t", b"    ", b" \t"])
        lines = [margin + l if l.strip() else l for l in lines]
    for i, line in enumerate(lines):
        out += line
        if i < len(lines) - 1 or rng.random() < 0.8:
            out += rng.choice(SEPARATORS)
    return bytes(out)


def codec_files():
    import encodings
    import encodings.aliases
    import pkgutil
    names = set(encodings.aliases.aliases)
    names.update(m.name for m in pkgutil.iter_modules(encodings.__path__))
    names.update(n.replace("_", "-").upper() for n in list(names))
    body = bytes(b for b in range(256) if b not in (0x0a, 0x0d)) + b"\n"
    for name in sorted(names):
        yield "codec-" + name, ("# coding: %s\n" % name).encode("ascii") + body


CJK_CODECS = ["euc_jp", "euc_kr", "gbk", "gb2312", "cp932", "cp949"]


def cjk_files(exhaustive, rng):
    """Per CJK codec tmdiff decodes: one file of every sequence Python decodes
    (must be exact), and files holding one sequence each (Python-invalid
    ones must not be decoded differently). All of them with --exhaustive,
    else every single byte plus a seeded sample of longer sequences."""
    for codec in CJK_CODECS:
        seqs = [bytes([a]) for a in range(128, 256)]
        longer = [bytes([a, b]) for a in range(128, 256) for b in range(256)]
        if codec == "euc_jp":
            longer += [bytes([0x8F, b, c]) for b in range(128, 256) for c in range(128, 256)]
        seqs += longer if exhaustive else rng.sample(longer, 1500)
        chunk = []
        for seq in seqs + [None]:
            if seq is not None:
                try:
                    seq.decode(codec)
                    chunk.append(seq)
                except UnicodeDecodeError:
                    if b"\n" not in seq and b"\r" not in seq:
                        yield "%s-%s" % (codec, seq.hex()), (
                            b"# coding: " + codec.encode() + b"\ns = '" + seq + b"'\n")
            if len(chunk) == 40 or (seq is None and chunk):
                # valid text, 40 sequences a file: one glibc refuses (tmdiff
                # says undecodable, "safe") hides no more than 39 others
                yield "%s-valid-%s" % (codec, chunk[0].hex()), (
                    b"# coding: " + codec.encode() + b"\n" + b" ".join(chunk) + b"\n")
                chunk = []


# ---- running both sides ---------------------------------------------------------------

def run_probe(probe, paths):
    proc = subprocess.run([probe, "-"], input="".join(p + "\n" for p in paths).encode(),
                          capture_output=True, check=False)
    if proc.returncode != 0:
        sys.exit("compare_source: probe failed (%d): %s" % (proc.returncode,
                                                           proc.stderr.decode(errors="replace")))
    data, pos, results = proc.stdout, 0, {}

    def line():
        nonlocal pos
        end = data.index(b"\n", pos)
        text = data[pos:end].decode("utf-8", "surrogateescape")
        pos = end + 1
        return text

    def blob(tag):
        nonlocal pos
        head = line()
        assert head.startswith(tag + " "), head
        n = int(head.split()[1])
        value = data[pos:pos + n]
        pos += n + 1
        return value

    while pos < len(data):
        path = line()[5:]
        first = line()
        if first.startswith("ERROR "):
            results[path] = {"error": first[6:]}
            continue
        rec = {"decodable": first.endswith("1"), "git": line()[4:], "fsha": line()[5:]}
        rec["text"] = blob("TEXT")
        rec["dedent"] = blob("DEDENT")
        results[path] = rec
    return results


def reference(path):
    import hashlib
    import textwrap
    from testmon_reference import prepare
    with open(path, "rb") as f:
        raw = f.read()
    git = hashlib.sha1(b"blob %u\0" % len(raw) + raw).hexdigest()
    try:
        text, fsha = prepare(raw)
    except (SyntaxError, LookupError, UnicodeError, ValueError) as exc:
        return {"decodable": False, "git": git, "fsha": "", "why": repr(exc)}
    enc = lambda s: s.encode("utf-8", "surrogatepass")
    return {"decodable": True, "git": git, "fsha": fsha, "text": enc(text),
            "dedent": enc(textwrap.dedent(text))}


def verdict(mine, ref):
    if "error" in mine:
        return "WRONG", "probe could not read: " + mine["error"]
    if mine["git"] != ref["git"]:
        return "WRONG", "git sha %s != %s" % (mine["git"], ref["git"])
    if not mine["decodable"]:
        if not ref["decodable"]:
            return "exact", ""
        return "safe", "undecodable for tmdiff, Python decodes it"
    if not ref["decodable"]:
        return "WRONG", "decoded, but Python raises " + ref["why"]
    for key in ("fsha", "text", "dedent"):
        if mine[key] != ref[key]:
            a, b = mine[key], ref[key]
            i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
            return "WRONG", "%s differs at %d: %r vs %r" % (key, i, a[i:i + 40], b[i:i + 40])
    return "exact", ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--probe", required=True)
    ap.add_argument("--random", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--codecs", action="store_true")
    ap.add_argument("--cjk", action="store_true")
    ap.add_argument("--exhaustive", action="store_true")
    ap.add_argument("--dir", action="append", default=[])
    ap.add_argument("--show", type=int, default=10)
    ap.add_argument("--python", default="")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    reexec_under_pyenv(args.python)
    sys.path.insert(0, REFERENCE_DIR)

    paths = list(args.files)
    for d in args.dir:
        for root, _, names in os.walk(d):
            paths += [os.path.join(root, n) for n in sorted(names) if n.endswith(".py")]
    with tempfile.TemporaryDirectory(prefix="compare_source_") as tmp:
        generated = []
        rng = random.Random(args.seed)
        for i in range(args.random):
            generated.append(("random-%05d" % i, random_file(rng)))
        if args.codecs:
            generated += list(codec_files())
        if args.cjk:
            generated += list(cjk_files(args.exhaustive, rng))
        for i, (name, data) in enumerate(generated):
            path = os.path.join(tmp, "%06d.py" % i)
            with open(path, "wb") as f:
                f.write(data)
            paths.append(path)
        mine = run_probe(args.probe, paths)
        counts = {"exact": 0, "safe": 0, "WRONG": 0}
        shown = {"safe": 0, "WRONG": 0}
        for path in paths:
            kind, why = verdict(mine[path], reference(path))
            counts[kind] += 1
            if kind != "exact" and shown[kind] < args.show:
                shown[kind] += 1
                label = path
                if path.startswith(tmp):
                    label = generated[int(os.path.basename(path)[:6])][0]
                    why += "  input=%r" % generated[int(os.path.basename(path)[:6])][1][:120]
                print("%s %s: %s" % (kind, label, why))
    print("compare_source: Python %s, %d files: %d exact, %d safe (tmdiff undecodable, "
          "Python decodes), %d WRONG" % (sys.version.split()[0], len(paths), counts["exact"],
                                         counts["safe"], counts["WRONG"]))
    return 1 if counts["WRONG"] else 0


if __name__ == "__main__":
    sys.exit(main())
