"""What compare_stdlib.py and extract_invalid.py share: finding the pyenv
interpreters, running the reference (tests/reference/testmon_reference.py via
reference_worker.py) inside each of them, running `tmdiff fingerprint` in
batches, and judging one file's pair of answers.

Runs on the host Python (3.8+); the reference runs in the measured
interpreter, tmdiff as a subprocess, both in parallel over split file lists.
"""
import concurrent.futures
import json
import os
import re
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
WORKER = os.path.join(HERE, "reference_worker.py")
SKIP = 77  # ctest's SKIP_RETURN_CODE

# ---- interpreters ---------------------------------------------------------


class Interpreter:
    def __init__(self, version, exe, stdlib):
        self.version = version  # "3.11.7": what tmdiff gets as --python
        self.exe = exe
        self.stdlib = stdlib    # .../lib/python3.11

    @property
    def dialect(self):
        return "py3%s" % self.version.split(".")[1]


def find_interpreters(root=None, wanted=None):
    """pyenv CPython 3.8-3.13 under root (default $PYENV_ROOT or ~/.pyenv),
    sorted by version; `wanted` is a list of "3.Y" or "3.Y.Z" prefixes."""
    root = root or os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    versions = os.path.join(root, "versions")
    found = []
    if not os.path.isdir(versions):
        return found
    for name in os.listdir(versions):
        m = re.fullmatch(r"3\.(\d+)\.(\d+)", name)
        if not m or not 8 <= int(m.group(1)) <= 13:
            continue
        exe = os.path.join(versions, name, "bin", "python")
        stdlib = os.path.join(versions, name, "lib", "python3.%s" % m.group(1))
        if not (os.access(exe, os.X_OK) and os.path.isdir(stdlib)):
            continue
        if wanted and not any(name == w or name.startswith(w + ".") for w in wanted):
            continue
        found.append(Interpreter(name, exe, stdlib))
    found.sort(key=lambda i: tuple(int(x) for x in i.version.split(".")))
    return found


def stdlib_files(interp):
    """Every .py file of the interpreter's standard library (its test
    package, lib2to3 data and badsyntax files included; site-packages not),
    sorted so samples are deterministic."""
    out = []
    for top, dirs, files in os.walk(interp.stdlib):
        dirs[:] = sorted(d for d in dirs if d != "site-packages")
        out.extend(os.path.join(top, f) for f in files if f.endswith(".py"))
    out.sort()
    return out


# ---- tmdiff ------------------------------------------------------------------


def default_tmdiff():
    """$TMDIFF_BIN, else the first build of tmdiff found in the checkout."""
    env = os.environ.get("TMDIFF_BIN")
    if env:
        return env
    for rel in ("build/release", "build-harness", "build"):
        path = os.path.join(REPO, rel, "cli", "tmdiff")
        if os.access(path, os.X_OK):
            return path
    return None


def _split(items, n):
    """n interleaved slices (balances big and small files across workers)."""
    n = max(1, min(n, len(items)))
    return [items[i::n] for i in range(n)]


def _chunks(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)]


def parse_fingerprint_output(text, dump=False):
    """`tmdiff fingerprint [--dump]` output -> {path: {"kind", "checksums",
    "blocks", "reason"}}; kind is "list" or "inexact". A record line is the
    checksums (or '!'), a TAB and the path, so an empty list starts with a
    TAB; with --dump exactly one line per checksum follows it (a TAB and the
    block), and '!' or an empty list is followed by one "\t# reason" line."""
    res = {}
    lines = text.split("\n")
    k = 0
    while k < len(lines):
        line = lines[k]
        k += 1
        if not line:
            continue
        head, _, path = line.partition("\t")
        cur = {"kind": "inexact" if head == "!" else "list", "checksums": [],
               "blocks": [], "reason": ""}
        if head and head != "!":
            try:
                cur["checksums"] = [int(x) for x in head.split(" ")]
            except ValueError:
                cur["kind"] = "garbled"
                cur["reason"] = line[:80]
        res[path] = cur
        if not dump:
            continue
        if cur["kind"] == "inexact" or (cur["kind"] == "list" and not cur["checksums"]):
            if k < len(lines) and lines[k].startswith("\t# "):
                cur["reason"] = lines[k][3:]
                k += 1
            continue
        for _ in cur["checksums"]:
            if k < len(lines) and lines[k].startswith("\t"):
                cur["blocks"].append(lines[k][1:])
                k += 1
    return res


def _run_tmdiff_chunk(cmd, version, paths, modified, dump):
    argv = list(cmd) + ["fingerprint", "--python", version]
    if modified:
        argv.append("--modified")
    if dump:
        argv.append("--dump")
    argv.append("--")
    p = subprocess.run(argv + paths, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    got = parse_fingerprint_output(p.stdout.decode("utf-8", "surrogateescape"), dump)
    err = p.stderr.decode("utf-8", "replace").strip()
    if p.returncode < 0 and len(paths) > 1:
        # a crash loses the whole batch: find the culprit one file at a time
        got = {}
        for path in paths:
            got.update(_run_tmdiff_chunk(cmd, version, [path], modified, dump))
        return got
    for path in paths:
        if path not in got:
            why = "killed by signal %d" % -p.returncode if p.returncode < 0 else \
                "no output line (exit %d): %s" % (p.returncode, err[-300:])
            got[path] = {"kind": "error", "checksums": [], "blocks": [], "reason": why}
    return got


def run_tmdiff(cmd, version, paths, jobs, modified=False, dump=False, batch=64):
    """Fingerprints `paths` with tmdiff in batches of `batch` files per process,
    `jobs` processes at a time. {path: record} (see parse_fingerprint_output;
    kind "error" when tmdiff gave no line for the file)."""
    if isinstance(cmd, str):
        cmd = shlex.split(cmd)
    res = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futs = [pool.submit(_run_tmdiff_chunk, cmd, version, chunk, modified, dump)
                for chunk in _chunks(paths, batch)]
        for f in futs:
            res.update(f.result())
    return res


# ---- the reference -----------------------------------------------------------


def _run_reference_slice(interp, paths, dedent, blocks):
    argv = [interp.exe, WORKER]
    if dedent:
        argv.append("--dedent")
    if blocks:
        argv.append("--blocks")
    p = subprocess.run(argv, input="".join(p + "\n" for p in paths).encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise RuntimeError("reference worker under %s failed: %s" %
                           (interp.exe, p.stderr.decode("utf-8", "replace")[-2000:]))
    out = {}
    for line in p.stdout.decode("utf-8").splitlines():
        rec = json.loads(line)
        out[rec["path"]] = rec
    return out


def run_reference(interp, paths, jobs, dedent=False, blocks=False):
    """{path: {"status": ok|syntax|crash, "checksums", "why"[, "blocks"]}} from
    the reference run inside `interp`, `jobs` processes over split lists."""
    res = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futs = [pool.submit(_run_reference_slice, interp, part, dedent, blocks)
                for part in _split(paths, jobs) if part]
        for f in futs:
            res.update(f.result())
    return res


# ---- verdicts ----------------------------------------------------------------

# what one file's pair of answers means; FAILURES make the tools exit 1
EXACT = "exact"                   # CPython parses it; same checksums
MISMATCH = "mismatch"             # CPython parses it; different checksums
INEXACT_VALID = "inexact_on_valid"  # CPython parses it; tmdiff says '!'
REJECTED_OK = "rejected_ok"       # CPython rejects it; tmdiff: [] or '!'
REJECTED_GIVEN = "rejected_given_checksums"  # CPython rejects; tmdiff gave blocks
CRASH_OK = "testmon_crash_ok"     # testmon itself raises; tmdiff: '!' or []
CRASH_GIVEN = "testmon_crash_given_checksums"
TOOL_ERROR = "tmdiff_error"       # no answer at all (crash, unreadable...)
FAILURES = (MISMATCH, INEXACT_VALID, REJECTED_GIVEN, CRASH_GIVEN, TOOL_ERROR)


def verdict(ref, tm):
    kind = tm["kind"]
    if kind not in ("list", "inexact"):
        return TOOL_ERROR
    if ref["status"] == "ok":
        if kind == "inexact":
            return INEXACT_VALID
        return EXACT if tm["checksums"] == ref["checksums"] else MISMATCH
    if ref["status"] == "syntax":
        return REJECTED_OK if kind == "inexact" or not tm["checksums"] else REJECTED_GIVEN
    return CRASH_OK if kind == "inexact" or not tm["checksums"] else CRASH_GIVEN


# ---- explaining a mismatch -----------------------------------------------------

_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def first_difference(expected, got):
    """(block index, column) of the first difference between two block lists;
    column None when one list simply has more blocks."""
    for i, (e, g) in enumerate(zip(expected, got)):
        if e != g:
            col = next((k for k, (a, b) in enumerate(zip(e, g)) if a != b), min(len(e), len(g)))
            return i, col
    if len(expected) != len(got):
        return min(len(expected), len(got)), None
    return None, None


def construct_at(text, col):
    """The ast class around column `col` of a dump: 'Enclosing/Token', where
    Enclosing is the class whose parentheses hold the column and Token the
    class name or literal starting there (what the dumpers need to look at)."""
    depth, enclosing = 0, "?"
    k = min(col, len(text)) - 1
    while k >= 0:
        c = text[k]
        if c == ")":
            depth += 1
        elif c == "(":
            if depth == 0:
                m = re.search(r"([A-Za-z_][A-Za-z_0-9]*)$", text[max(0, k - 40):k])
                enclosing = m.group(1) if m else "?"
                break
            depth -= 1
        elif c in "'\"":
            # skip back over a quoted repr so parentheses inside strings are ignored
            j = text.rfind(c, 0, k)
            k = j if j >= 0 else k
        k -= 1
    start = col
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    m = _WORD.match(text, start)
    token = m.group(0) if m else text[col:col + 1]
    return "%s/%s" % (enclosing, token)


def excerpt(text, col, width=70):
    lo = max(0, col - width // 2)
    s = text[lo:lo + width]
    return ("..." if lo else "") + s + ("..." if lo + width < len(text) else "")


def describe_mismatch(expected_blocks, got_blocks):
    """(construct, multi-line explanation) of the first difference."""
    i, col = first_difference(expected_blocks, got_blocks)
    if i is None:
        return "same-blocks-different-checksums", "  block texts equal (checksum code differs?)"
    if col is None and not got_blocks:
        return "valid file given no blocks (tmdiff said NO_PARSE)", \
            "  %d blocks expected, tmdiff gave none (it rejected a file CPython parses)\n" \
            "    expected: %s" % (len(expected_blocks), excerpt(expected_blocks[0], 0))
    if col is None:
        return "block-count", "  %d blocks expected, %d given; first extra/missing at index %d:\n" \
            "    expected: %s\n    got:      %s" % (
                len(expected_blocks), len(got_blocks), i,
                excerpt(expected_blocks[i], 0) if i < len(expected_blocks) else "(none)",
                excerpt(got_blocks[i], 0) if i < len(got_blocks) else "(none)")
    e, g = expected_blocks[i], got_blocks[i]
    construct = construct_at(e, col)
    return construct, "  block %d, column %d (%s):\n    expected: %s\n    got:      %s" % (
        i, col, construct, excerpt(e, col), excerpt(g, col))


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()
