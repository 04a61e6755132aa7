"""Reference fingerprints, written from ../shared/docs/testmon-format.md.

Runs on any CPython 3.8-3.13 and prints what testmon would compute with that
interpreter, so tmdiff's C engine can be compared with it. Not testmon's code:
a re-statement of the facts page in a few lines of Python.

Usage: python testmon_reference.py [--dedent] [--dump] FILE...
Output matches `tmdiff fingerprint`: checksums, TAB, path; `!` where this
interpreter itself fails (testmon would crash) instead of giving blocks.
"""
import ast
import hashlib
import io
import sys
import textwrap
import tokenize
import zlib

BLOCK_OWNERS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)


def prepare(raw):
    """Bytes -> (text, fsha) as testmon prepares them; raises like testmon."""
    raw = raw.replace(b"\x0c", b" ").replace(b"\r\n", b"\n")
    encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    text = raw.decode(encoding, errors="replace")
    if encoding == "utf-8-sig" and text.startswith("\ufeff"):
        text = text[1:]
    fsha = hashlib.sha1(b"blob %u\0" % len(text) + raw).hexdigest()
    if text and not text.endswith("\n"):
        text += "\n"
    return text, fsha


class Blocks:
    def __init__(self):
        self.blocks = []

    def dump(self, node):
        if isinstance(node, list):
            return ", ".join(self.dump(item) for item in node)
        if not isinstance(node, ast.AST):
            return repr(node)
        parts = []
        for field in node._fields:
            value = getattr(node, field, None)
            if field == "body" and isinstance(node, BLOCK_OWNERS) and value:
                code = ", ".join(self.dump(stmt) for stmt in value)
                self.blocks.append("%d:%s" % (len(self.blocks), code))
                parts.append("transformed_into_block")
            else:
                parts.append(self.dump(value))
        return "%s(%s)" % (type(node).__name__, ", ".join(parts))


def blocks_of(text):
    """Block strings of a prepared text; [] when it does not parse."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []  # testmon: no blocks. A ValueError (NUL byte) crashes testmon.
    b = Blocks()
    b.dump(tree)
    return b.blocks


def checksum(block):
    return (zlib.crc32(block.encode("utf-8")) ^ 0x80000000) - 0x80000000


def fingerprint(path, dedent=False):
    with open(path, "rb") as f:
        raw = f.read()
    text, _ = prepare(raw)
    if dedent:
        text = textwrap.dedent(text)
    if not path.endswith(".py"):
        return [text]
    return blocks_of(text)


def main(argv):
    dedent = "--dedent" in argv
    want_dump = "--dump" in argv
    files = [a for a in argv if not a.startswith("--")]
    for path in files:
        try:
            blocks = fingerprint(path, dedent)
            line = " ".join(str(checksum(b)) for b in blocks)
        except (RecursionError, ValueError, SyntaxError, LookupError, MemoryError):
            blocks, line = [], "!"
        sys.stdout.write("%s\t%s\n" % (line, path))
        if want_dump:
            for b in blocks:
                sys.stdout.write("\t%s\n" % b)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
