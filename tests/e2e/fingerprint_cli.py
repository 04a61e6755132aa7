#!/usr/bin/env python3
"""The `tmdiff fingerprint` contract of ../shared/docs/design.md, on the CLI:
one line per file (checksums, TAB, path; an empty list for a file Python
rejects, '!' for one tmdiff cannot fingerprint exactly), --dump adding each
block, or for an empty list or '!' the reason, and exit 1 when a file cannot
be read. Usage: fingerprint_cli.py TMDIFF."""
import os
import subprocess
import sys
import tempfile
import zlib


def main():
    tm = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="tmdiff-fp-cli-")
    files = {
        "ok.py": "def f():\n    return 1\n",
        "rejected.py": "import a,\n",
        "inexact.py": "a,\nx = 1\n",  # tree-sitter reads `a, x = 1`
        "notes.txt": "plain text\n",
    }
    for name, text in files.items():
        with open(os.path.join(tmp, name), "w") as fh:
            fh.write(text)
    paths = [os.path.join(tmp, n) for n in files]
    p = subprocess.run([tm, "fingerprint", "--python", "3.11", "--dump"] + paths,
                       capture_output=True, text=True)
    lines = p.stdout.split("\n")
    problems = []
    if p.returncode != 0:
        problems.append("exit %d: %s" % (p.returncode, p.stderr))
    ok, rejected, inexact, notes = paths
    # ok.py: two blocks (the function body, then the module), each dumped
    head = lines[0].split("\t")
    if head[1:] != [ok] or len(head[0].split(" ")) != 2 or lines[1] != "\t0:Return(Constant(1, None))":
        problems.append("ok.py: %r" % lines[:3])
    if lines[3] != "\t" + rejected or lines[4] != "\t# line 1: trailing comma after imported names":
        problems.append("rejected.py: %r" % lines[3:5])
    if lines[5] != "!\t" + inexact or not lines[6].startswith("\t# line "):
        problems.append("inexact.py: %r" % lines[5:7])
    # a non-.py file is one block of its whole text: CRC-32 as signed int32
    crc = zlib.crc32(b"plain text\n")
    want = crc - (1 << 32) if crc >= 1 << 31 else crc
    if lines[7] != "%d\t%s" % (want, notes) or lines[8] != "\tplain text":
        problems.append("notes.txt: %r (want %d)" % (lines[7:9], want))
    missing = os.path.join(tmp, "missing.py")
    p = subprocess.run([tm, "fingerprint", missing, ok], capture_output=True, text=True)
    if p.returncode != 1 or missing not in p.stderr or not p.stdout.endswith("\t%s\n" % ok):
        problems.append("missing file: exit %d, %r, %r" % (p.returncode, p.stderr, p.stdout))
    for name in files:
        os.remove(os.path.join(tmp, name))
    os.rmdir(tmp)
    for problem in problems:
        print("FAIL " + problem)
    print("fingerprint CLI: %d problems" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
