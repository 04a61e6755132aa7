"""Source edits the large benchmark applies, shared by generate.py and run.py.

Each edit is deterministic and keeps the file valid Python:
- body_edit: one function body changed (a `return X` becomes
  `return (X) if True else None`), which changes that function's block only;
- cosmetic_edit: a comment and blank lines appended, which changes the file's
  bytes (its fsha) but none of testmon's checksums.
"""
import re

RETURN = re.compile(rb"^([ \t]+)return ([^#\\\n]+?)[ \t]*$", re.M)


def _balanced(expr):
    depth = 0
    for ch in expr:
        if ch in b"([{":
            depth += 1
        elif ch in b")]}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0 and b'"' not in expr and b"'" not in expr


def _compiles(data):
    try:
        compile(data, "<bench>", "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError):
        return False


def body_edit(data, nth=0):
    """`data` with one function's return changed, or None when the file has
    no suitable single-line return (or does not compile here before and after)."""
    if not _compiles(data):
        return None
    candidates = [m for m in RETURN.finditer(data)
                  if _balanced(m.group(2)) and not m.group(2).rstrip().endswith((b",", b":"))
                  and not m.group(2).startswith((b"yield", b"await"))]
    for i in range(len(candidates)):
        m = candidates[(nth + i) % len(candidates)]
        edited = (data[:m.start()] + m.group(1) + b"return (" + m.group(2) + b") if True else None"
                  + data[m.end():])
        if _compiles(edited):
            return edited
    return None


def cosmetic_edit(data):
    """`data` with a trailing comment and blank lines: new bytes, same blocks."""
    if not data.endswith(b"\n"):
        data += b"\n"
    return data + b"\n\n# edited by bench/large (comment only)\n\n"
