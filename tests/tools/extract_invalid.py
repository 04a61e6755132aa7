#!/usr/bin/env python3
"""Invalid programs from CPython's own syntax tests: tmdiff must give none of
them checksums.

For each pyenv CPython 3.8-3.13 found (or named with --python), candidate
snippets are extracted, by that interpreter itself, from its Lib/test files
about syntax (test_syntax.py, test_grammar.py, test_exceptions.py,
test_fstring.py, test_patma.py, ... see TEST_FILES): every string and bytes
constant in them (the arguments of check_syntax_error, assertRaises(SyntaxError,
compile, ...), assertAllRaise lists...), every doctest example, the
textwrap.dedent of every multi-line string, plus every badsyntax_*.py file of
the standard library. Each goes to a temporary .py file; the reference
(testmon's pipeline in that interpreter) keeps those it rejects (ast.parse
raises SyntaxError, or testmon itself raises: undecodable, NUL byte...), and
`tmdiff fingerprint --python X.Y.Z` must answer each with an empty list or '!'.
Nothing is committed: the corpus is regenerated from the interpreters.

Exit status: 0 none given checksums, 1 some were (each is printed with its
source and CPython's error; --report FILE keeps them all), 77 no interpreter
found (ctest skip), 2 usage error.

--valid also compares the snippets CPython accepts with the reference
(informational: a cheap corpus of small programs for the dumpers).
"""
import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

# Test modules about syntax, by base name (looked up anywhere under Lib/test,
# as 3.12+ moved some into packages). Missing ones are skipped.
TEST_FILES = (
    "test_syntax.py", "test_grammar.py", "test_exceptions.py", "test_fstring.py",
    "test_patma.py", "test_positional_only_arg.py", "test_unpack_ex.py", "test_unpack.py",
    "test_genexps.py", "test_generators.py", "test_string_literals.py", "test_eof.py",
    "test_compile.py", "test_ast.py", "test_type_params.py", "test_type_aliases.py",
    "test_keywordonlyarg.py", "test_global.py", "test_named_expressions.py",
    "test_decorators.py", "test_with.py", "test_flufl.py", "test_except_star.py",
    "test_future.py", "test_dictcomps.py", "test_setcomps.py", "test_listcomps.py",
    "test_coroutines.py", "test_scope.py", "test_unicode_identifiers.py",
    "test_utf8source.py", "test_source_encoding.py", "test_tokenize.py", "test_raise.py",
    "test_print.py", "test_class.py", "test_string.py", "test_syntax_errors.py",
    "test_cmd_line_script.py", "test_traceback.py", "test_funcattrs.py", "test_lambda.py",
    "test_peepholer.py", "test_opcodes.py", "test_typing.py", "test_type_annotations.py",
    "test_format.py", "test_unparse.py", "test_parser.py", "test_keyword.py",
)

# ---- extraction: runs inside the measured interpreter (3.8+) ----------------


def extract_candidates(stdlib):
    """Candidate snippets (bytes) from this interpreter's own tests."""
    import ast
    import doctest
    import textwrap

    wanted = set(TEST_FILES)
    sources, badsyntax = [], []
    for top, dirs, files in os.walk(stdlib):
        dirs[:] = sorted(d for d in dirs if d != "site-packages")
        for f in sorted(files):
            if f.startswith("badsyntax_") and f.endswith(".py"):
                badsyntax.append(os.path.join(top, f))
            elif f in wanted and os.sep + "test" in top:
                sources.append(os.path.join(top, f))
    seen = set()
    out = []

    def add(data, origin):
        if data and data not in seen and len(data) < 200000:
            seen.add(data)
            out.append((data, origin))

    parser = doctest.DocTestParser()
    for path in sources:
        name = os.path.relpath(path, stdlib)
        try:
            with open(path, "rb") as f:
                tree = ast.parse(f.read())
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            value = getattr(node, "value", None) if type(node).__name__ == "Constant" else None
            if isinstance(value, bytes):
                add(value, name)
            elif isinstance(value, str):
                try:
                    add(value.encode("utf-8"), name)
                    if "\n" in value:
                        add(textwrap.dedent(value).encode("utf-8"), name + " (dedent)")
                    if ">>>" in value:
                        for ex in parser.get_examples(value):
                            add(ex.source.encode("utf-8"), name + " (doctest)")
                except (UnicodeEncodeError, ValueError):
                    pass  # lone surrogates; malformed doctest examples
    for path in badsyntax:
        with open(path, "rb") as f:
            add(f.read(), os.path.relpath(path, stdlib))
    return out


def extract_main(stdlib, outdir):
    """--extract mode: writes <outdir>/NNNNN.py and index.jsonl (origin)."""
    cands = extract_candidates(stdlib)
    with open(os.path.join(outdir, "index.jsonl"), "w") as idx:
        for n, (data, origin) in enumerate(cands):
            path = os.path.join(outdir, "s%05d.py" % n)
            with open(path, "wb") as f:
                f.write(data)
            idx.write(json.dumps({"path": path, "origin": origin}) + "\n")
    return 0


# ---- driver: runs on the host Python ---------------------------------------------


def snippet_text(path, limit=300):
    with open(path, "rb") as f:
        data = f.read()
    s = data.decode("utf-8", "replace")
    return repr(s[:limit]) + (" ...(%d bytes)" % len(data) if len(s) > limit else "")


def run_one(H, interp, args, report):
    work = tempfile.mkdtemp(prefix="tmdiff-invalid-%s-" % interp.version,
                            dir=args.keep if args.keep else None)
    try:
        p = subprocess.run([interp.exe, os.path.abspath(__file__), "--extract",
                            interp.stdlib, work], stderr=subprocess.PIPE)
        if p.returncode:
            raise RuntimeError("extraction under %s failed: %s" % (
                interp.exe, p.stderr.decode("utf-8", "replace")[-2000:]))
        with open(os.path.join(work, "index.jsonl")) as f:
            index = [json.loads(line) for line in f]
        origin = {r["path"]: r["origin"] for r in index}
        paths = [r["path"] for r in index]
        ref = H.run_reference(interp, paths, args.jobs)
        rejected = [p for p in paths if ref[p]["status"] != "ok"]
        valid = [p for p in paths if ref[p]["status"] == "ok"]
        tm = H.run_tmdiff(args.tmdiff, interp.version,
                          rejected + (valid if args.valid else []), args.jobs)
        counts = collections.Counter()
        failures = []
        for path in rejected:
            v = H.verdict(ref[path], tm[path])
            if v in (H.REJECTED_OK, H.CRASH_OK):
                v = "inexact" if tm[path]["kind"] == "inexact" else "empty"
            else:
                failures.append((v, path))
            counts[v] += 1
        by_origin = collections.Counter(origin[p].split(" ")[0] for _, p in failures)
        print("%s (%s): candidates %d, rejected by CPython %d (tried), tmdiff: empty list %d, "
              "'!' %d, gave checksums %d, errors %d"
              % (interp.dialect, interp.version, len(paths), len(rejected), counts["empty"],
                 counts["inexact"], counts[H.REJECTED_GIVEN] + counts[H.CRASH_GIVEN],
                 counts[H.TOOL_ERROR]))
        lines = []
        for v, path in failures:
            lines.append("%s %s: %s from %s\n  CPython: %s\n  tmdiff: %s\n  source: %s" % (
                interp.dialect, v, os.path.basename(path), origin[path], ref[path]["why"],
                tm[path]["reason"] or "%d checksums" % len(tm[path]["checksums"]),
                snippet_text(path)))
        for line in lines[:args.show]:
            print(line)
        if len(lines) > args.show:
            print("  ... %d more (--show N, --report FILE)" % (len(lines) - args.show))
        by_error = collections.Counter(ref[p]["why"][:60] for _, p in failures)
        if by_origin:
            print("  failures by test file: " + ", ".join("%s x%d" % kv for kv in by_origin.most_common()))
            print("  failures by CPython's error: " + ", ".join(
                "%s x%d" % kv for kv in by_error.most_common(15)))
        if args.valid and valid:
            vc = collections.Counter(H.verdict(ref[p], tm[p]) for p in valid)
            print("  valid snippets (informational): %d, exact %d, mismatch %d, '!' %d, errors %d"
                  % (len(valid), vc[H.EXACT], vc[H.MISMATCH], vc[H.INEXACT_VALID], vc[H.TOOL_ERROR]))
        if report is not None:
            report.append("== %s (%s): %d rejected snippets tried, %d given checksums"
                          % (interp.dialect, interp.version, len(rejected), len(failures)))
            report.append("by CPython's error (count):")
            report.extend("  %5d  %s" % (n, e) for e, n in by_error.most_common())
            report.extend(lines)
            report.append("")
        return len(failures)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def main(argv):
    if argv[:1] == ["--extract"]:
        return extract_main(argv[1], argv[2])
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import harness_lib as H

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tmdiff", default=H.default_tmdiff())
    ap.add_argument("--python", action="append", default=[],
                    help="interpreter version(s), e.g. 3.11 or 3.12.1; default all found")
    ap.add_argument("--pyenv-root", default=None)
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--show", type=int, default=10)
    ap.add_argument("--report", help="write every failing snippet here")
    ap.add_argument("--keep", help="keep the snippet files under this directory")
    ap.add_argument("--valid", action="store_true",
                    help="also compare the snippets CPython accepts (informational)")
    args = ap.parse_args(argv)
    if not args.tmdiff:
        H.log("extract_invalid: no tmdiff binary (build it, or pass --tmdiff / $TMDIFF_BIN)")
        return 2
    wanted = [w for item in args.python for w in item.split(",") if w]
    interps = H.find_interpreters(args.pyenv_root, wanted)
    if not interps:
        print("extract_invalid: SKIP: no pyenv CPython 3.8-3.13 found")
        return H.SKIP
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
    report = [] if args.report else None
    total = sum(run_one(H, interp, args, report) for interp in interps)
    if report is not None:
        with open(args.report, "w", encoding="utf-8") as f:
            f.write("\n".join(report) + "\n")
    print("extract_invalid: %s" % ("OK" if not total else "%d snippets CPython rejects got checksums" % total))
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
