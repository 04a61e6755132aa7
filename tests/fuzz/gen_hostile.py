#!/usr/bin/env python3
"""Writes the generated hostile seed inputs the fuzz replays run over.

Usage: gen_hostile.py OUTDIR. Deterministic (fixed random seed); files that
are too big to commit (a 5 MB line) are made here at build time instead.
OUTDIR/common/ feeds every target; OUTDIR/deep/ (nesting CPython refuses)
the source and fingerprint targets; OUTDIR/gitindex/ holds real git indexes
(versions 2, 3 and 4, when git is installed) and damaged ones.
"""
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def common(out):
    write(f"{out}/parens_100k.py", b"x = " + b"(" * 100000 + b"1" + b")" * 100000 + b"\n")
    # 65536 and more unclosed brackets once made tree-sitter 0.20.7 free
    # memory twice (fixed in engine/fingerprint.c by a scan before parsing)
    write(f"{out}/parens_unclosed_100k.py", b"x = " + b"(" * 100000 + b"\n")
    # ... also when they sit in an unterminated string, which the bracket
    # scan of the dumper skips (engine/parse_guard.c catches them)
    write(f"{out}/parens_in_open_string_70k.py", b"x = '" + b"(" * 70000 + b"\n")
    write(f"{out}/parens_in_open_triple_string_70k.py", b'x = """' + b"(" * 70000 + b"\n")
    write(f"{out}/parens_in_fstring_field_70k.py", b"x = f'{" + b"(" * 70000 + b"\n")
    write(f"{out}/lists_10k.py", b"x = " + b"[" * 10000 + b"]" * 10000 + b"\n")
    write(f"{out}/calls_10k.py", b"x = " + b"f(" * 10000 + b")" * 10000 + b"\n")
    write(f"{out}/attrs_100k.py", b"x = a" + b".b" * 100000 + b"\n")
    write(f"{out}/binops_100k.py", b"x = 1" + b" + 1" * 100000 + b"\n")
    write(f"{out}/unary_100k.py", b"x = " + b"-" * 100000 + b"1\n")
    write(f"{out}/line_5mb.py", b"x = '" + b"a" * (5 << 20) + b"'\n")
    write(f"{out}/nul_bytes.py", b"def f():\n    return 1\n\x00\x00x = 2\n")
    write(f"{out}/nul_only.bin", b"\x00" * 1024)
    ind = b"".join(b" " * i + b"if x:\n" for i in range(200)) + b" " * 200 + b"pass\n"
    write(f"{out}/indent_200.py", ind)
    write(f"{out}/dedent_mixed.py", b"\t  def f():\n\t  \treturn 1\n \t\n\t  x = '''\n\t  \n'''\n")
    write(f"{out}/crlf_ff_bom.py", b"\xef\xbb\xbf# coding: utf-8\r\n\x0cdef f():\r\n    return 1\r")
    write(f"{out}/bad_utf8.py", b"x = '\xff\xfe\xc0\x80\xed\xa0\x80'\n")
    write(f"{out}/latin1_cookie.py", b"# -*- coding: latin-1 -*-\nx = '\xe9'\n")
    write(f"{out}/strings_10k.py", b"x = (" + b"'a' " * 10000 + b")\n")
    write(f"{out}/bigint.py", b"x = " + b"9" * 5000 + b"\ny = 0x" + b"f" * 5000 + b"\n")
    # nesting without brackets, past CPython's own parser and recursion limits
    deep = {
        "elif": b"if x:\n    pass\n" + b"elif x:\n    pass\n" * 8000,
        "ifexp": b"x = " + b"1 if y else " * 8000 + b"2\n",
        "lambda": b"x = " + b"lambda: " * 8000 + b"1\n",
        "not": b"x = " + b"not " * 8000 + b"y\n",
        "assign": b"a = " * 8000 + b"1\n",
        "pow": b"x = 2" + b" ** 2" * 8000 + b"\n",
        "await": b"async def f():\n    return " + b"await " * 8000 + b"x\n",
        "subscript": b"x = a" + b"[0]" * 8000 + b"\n",
        "and": b"x = a" + b" and a" * 8000 + b"\n",
        "compare": b"x = a" + b" < a" * 8000 + b"\n",
        "decorators": b"@d\n" * 8000 + b"def f(): pass\n",
        "starred": b"x = " + b"*a, " * 8000 + b"\n",
        "fstring": b"x = f'{" + b"f'{" * 3 + b"1" + b"}'" * 3 + b"}'\n",
    }
    for name, text in deep.items():
        write(f"{out}/../deep/{name}.py", text)
    rnd = random.Random(20261126)
    for i in range(8):
        size = rnd.choice([16, 256, 4096, 65536])
        write(f"{out}/random_{i}.bin", bytes(rnd.getrandbits(8) for _ in range(size)))
    # text-like noise: random Python tokens
    toks = [b"(", b")", b"[", b"]", b"{", b"}", b":", b"\n", b"    ", b"def", b"class", b"x",
            b"'", b'"', b"f'", b"{x}", b"lambda", b"=", b"+", b"*", b"**", b"await", b"\\",
            b"#", b"0x", b"1e", b"j", b"_", b"match", b"case", b"@", b"\t", b"\xc3\xa9"]
    for i in range(8):
        write(f"{out}/tokens_{i}.py", b" ".join(rnd.choice(toks) for _ in range(2000)))


def git_indexes(out):
    os.makedirs(out, exist_ok=True)
    hdr = b"DIRC" + struct.pack(">II", 2, 0xFFFFFFFF) + b"\0" * 20
    write(f"{out}/huge_count.idx", hdr)
    write(f"{out}/v4_truncated.idx", b"DIRC" + struct.pack(">II", 4, 3) + b"\xff" * 80)
    if not shutil.which("git"):
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=tmp)
        for k in list(env):
            if k.startswith("GIT_") and k != "GIT_CONFIG_NOSYSTEM":
                del env[k]
        run = lambda *a: subprocess.run(["git", "-C", tmp, *a], check=True, env=env,
                                        stdout=subprocess.DEVNULL)
        run("init", "-q")
        write(f"{tmp}/only.py", b"x = 0\n")
        run("add", "only.py")
        shutil.copy(f"{tmp}/.git/index", f"{out}/lone_entry.idx")
        for i in range(40):
            write(f"{tmp}/pkg{i % 4}/mod_{i}.py", b"x = %d\n" % i)
        run("add", ".")
        shutil.copy(f"{tmp}/.git/index", f"{out}/v2.idx")
        run("update-index", "--index-version", "3")
        write(f"{tmp}/new_file.py", b"y = 1\n")
        run("add", "--intent-to-add", "new_file.py")
        run("update-index", "--skip-worktree", "pkg0/mod_0.py")  # extended flags
        shutil.copy(f"{tmp}/.git/index", f"{out}/v3.idx")
        run("update-index", "--index-version", "4")
        shutil.copy(f"{tmp}/.git/index", f"{out}/v4.idx")


def main():
    out = sys.argv[1]
    shutil.rmtree(out, ignore_errors=True)  # no stale inputs from older versions
    common(f"{out}/common")
    git_indexes(f"{out}/gitindex")
    open(f"{out}/stamp", "w").close()


if __name__ == "__main__":
    main()
