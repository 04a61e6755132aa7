"""Reference fingerprints of many files in one interpreter, as JSON lines.

Runs inside the pyenv interpreter whose dialect is measured (any CPython
3.8-3.13) and uses tests/reference/testmon_reference.py for the facts, but
keeps apart what that script's output merges: a file CPython rejects
("syntax"), one testmon itself would crash on ("crash": undecodable, NUL byte
on 3.8-3.10, RecursionError, int repr over the digit limit) and a file that
parses ("ok", maybe with no blocks: an empty module).

Usage: python reference_worker.py [--dedent] [--blocks] < paths
One line per path on stdin; one JSON object per path on stdout:
{"path", "status": "ok"|"syntax"|"crash", "checksums": [...], "why": "..."}
plus "blocks" with --blocks.
"""
import ast
import json
import os
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
import testmon_reference as ref  # noqa: E402


def evaluate(path, dedent):
    """(status, blocks, why) for one file, testmon's pipeline step by step."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
        text, _ = ref.prepare(raw)
    except (SyntaxError, LookupError, ValueError) as e:  # detect_encoding raises
        return "crash", [], "decode: %s: %s" % (type(e).__name__, e)
    if dedent:
        text = textwrap.dedent(text)
    try:
        tree = ast.parse(text)
    except SyntaxError as e:
        return "syntax", [], "%s: %s" % (type(e).__name__, e.msg)
    except (ValueError, MemoryError, RecursionError, OverflowError) as e:
        return "crash", [], "parse: %s: %s" % (type(e).__name__, e)
    b = ref.Blocks()
    try:
        b.dump(tree)
    except (ValueError, RecursionError, MemoryError) as e:
        return "crash", [], "dump: %s: %s" % (type(e).__name__, str(e)[:100])
    return "ok", b.blocks, ""


def main(argv):
    dedent = "--dedent" in argv
    want_blocks = "--blocks" in argv
    out = sys.stdout
    for line in sys.stdin:
        path = line.rstrip("\n")
        if not path:
            continue
        status, blocks, why = evaluate(path, dedent)
        rec = {"path": path, "status": status,
               "checksums": [ref.checksum(b) for b in blocks], "why": why}
        if want_blocks:
            rec["blocks"] = blocks
        out.write(json.dumps(rec) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
