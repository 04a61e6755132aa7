#!/usr/bin/env python3
"""Random edits of the conformance kit's projects: `tmdiff select` against
testmon's selection in Python (bench/select/reference_select.py).

Each round restores a project's base tree (a git repository), makes one to
three edits: mutants.py's mutators (tokens, characters, blanks or runs of
tokens; in source and test modules alike), a copy of a test under a new name,
a file deleted, moved or copied (new test modules), bytes appended to a
tracked non-Python file, doctests (a test*.txt file, a docstring example,
--doctest-modules in the config). It commits the edits or leaves them in the
work tree (testmon's dedent path), and runs both selections on the project's
recorded database, in some rounds with a few tests recorded as failed. pytest
then collects the edited tree: every test the reference selects that pytest
still collects, and every collected test the database has no record of, must
be selected by tmdiff, directly or through a bare file path or a prefix, and a
module pytest fails to collect must be named when the reference selects a test
in it. A missing one fails the run. Recorded tests tmdiff selects beyond the
reference (files it could not fingerprint exactly) are counted.

The reference and pytest run in --python (Debian 12's python3 by default),
which must be the release that recorded the databases (3.11.2).

Usage: select_mutants.py TMDIFF SHARED [--rounds N] [--seed S] [--python EXE] [--keep]
                         [--verbose]
Exit 0 when nothing is missed, 1 otherwise, 77 (skip) without the kit, that
interpreter or its pytest.
"""
import argparse
import ast
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "..", "..", "bench", "select", "reference_select.py")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import mutants  # noqa: E402
from select_conformance import covers  # noqa: E402  (tmdiff's IDs: exact, prefix or bare file)

GIT = ["git", "-c", "user.name=tmdiff-fuzz", "-c", "user.email=fuzz@tmdiff.invalid",
       "-c", "core.autocrlf=false", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]
MODES = ["tokens", "chars", "blanks", "spans"]


def git(repo, *args):
    subprocess.run(GIT + list(args), cwd=repo, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def python_files(root):
    return sorted(os.path.relpath(os.path.join(d, f), root)
                  for d, dirs, fs in os.walk(root) if ".git" not in d
                  for f in fs if f.endswith(".py"))


def edit(rng, root, files, others):
    """One edit of a random file; a description of it."""
    roll = rng.random()
    if roll < 0.03:
        return doctest_edit(rng, root, files)
    if roll < 0.06 and others:  # a non-Python file testmon tracks: one block of its text
        rel = rng.choice(others)
        with open(os.path.join(root, rel), "ab") as fh:
            fh.write(rng.choice([b"x", b"\n", b" ", b"\r\n#"]))
        return "appended to " + rel
    rel = rng.choice(files)
    path = os.path.join(root, rel)
    if not os.path.exists(path):
        return None
    if roll < 0.09:
        os.remove(path)
        return "deleted " + rel
    if roll < 0.14:
        moved = renamed(rng, rel)
        os.makedirs(os.path.dirname(os.path.join(root, moved)), exist_ok=True)
        if rng.random() < 0.5:
            os.rename(path, os.path.join(root, moved))
            return "moved %s to %s" % (rel, moved)
        shutil.copyfile(path, os.path.join(root, moved))
        return "copied %s to %s" % (rel, moved)
    with open(path, encoding="utf-8", newline="") as fh:
        src = fh.read()
    if roll < 0.24:
        out = with_copied_test(rng, src)
        mode = "new test in"
    else:
        mode = rng.choice(MODES)
        out = mutants.mutate(rng, src, mode)
    if out is None or out == src:
        return None
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(out)
    return "%s %s" % (mode, rel)


def doctest_edit(rng, root, files):
    """Doctests: a test*.txt file, a module docstring with an example, or
    --doctest-modules in the config (the last section of each kit config)."""
    kind = rng.choice(["text", "docstring", "config"])
    if kind == "text":
        rel = os.path.join(os.path.dirname(rng.choice(files)), "test_doc%d.txt" % rng.randrange(3))
        with open(os.path.join(root, rel), "w") as fh:
            fh.write(">>> 1 + 1\n%d\n" % rng.choice([2, 3]))
        return "doctest file " + rel
    if kind == "docstring":
        rel = rng.choice(files)
        path = os.path.join(root, rel)
        if not os.path.exists(path):
            return None
        with open(path, encoding="utf-8", newline="") as fh:
            src = fh.read()
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write('"""\n>>> 2 * 3\n%d\n"""\n' % rng.choice([6, 7]) + src)
        return "doctest in " + rel
    for name, line in (("pytest.ini", "addopts = --doctest-modules\n"),
                       ("setup.cfg", "addopts = --doctest-modules\n"),
                       ("pyproject.toml", 'addopts = "--doctest-modules"\n')):
        path = os.path.join(root, name)
        if os.path.exists(path):
            with open(path, "a") as fh:
                fh.write(line)
            return "--doctest-modules in " + name
    return None


def renamed(rng, rel):
    """A new name for a file, in its folder or in a new subfolder."""
    folder, name = os.path.split(rel)
    stem = name[:-3]
    new = "%s_%d.py" % (stem, rng.randrange(100)) if rng.random() < 0.7 else "test_%s_x.py" % stem
    if rng.random() < 0.3:
        folder = os.path.join(folder, "sub%d" % rng.randrange(3))
    return os.path.join(folder, new)


def with_copied_test(rng, src):
    """src with a copy of one of its test functions or methods under a new name."""
    try:
        tree = ast.parse(src)
    except (SyntaxError, ValueError):
        return None
    tests = [n for n in ast.walk(tree)
             if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test")]
    if not tests:
        return None
    fn = rng.choice(tests)
    lines = src.splitlines(keepends=True)
    first = min([d.lineno for d in fn.decorator_list] + [fn.lineno]) - 1
    copy = "".join(lines[first:fn.end_lineno])
    copy = copy.replace("def %s(" % fn.name, "def %s_copy%d(" % (fn.name, rng.randrange(10)), 1)
    if not copy.endswith("\n"):
        copy = "\n" + copy + "\n"
    return "".join(lines[:fn.end_lineno]) + copy + "".join(lines[fn.end_lineno:])


def one_round(args, rng, project, root, db, files, others, stored):
    git(root, "checkout", "-q", "-f", "base")
    git(root, "clean", "-q", "-f", "-d")
    done = [e for e in (edit(rng, root, files, others) for _ in range(rng.choice([1, 1, 2, 3]))) if e]
    if not done:
        return None
    committed = rng.random() < 0.5
    if committed:
        git(root, "add", "-A")
        git(root, "commit", "-q", "--allow-empty", "-m", "edit")
    if rng.random() < 0.3:  # tests that failed last time: testmon runs them again
        db, failed = with_failures(rng, db, stored)
        done.append("recorded as failed: " + ", ".join(failed))
    t = subprocess.run([args.tmdiff, "select", "--root", root, "--db", db, "--no-env-check"],
                       cwd=root, capture_output=True, text=True)
    r = subprocess.run([args.python, REFERENCE, root, db], cwd=root, capture_output=True,
                       text=True)
    label = "%s, %s: %s" % (project, "committed" if committed else "uncommitted", "; ".join(done))
    if r.returncode != 0:
        # testmon itself fails on such a tree (a NUL byte: ast's ValueError)
        print("skipped (the reference fails, as testmon would):", label, "-",
              (r.stderr.strip().splitlines() or ["?"])[-1][:200])
        return None
    found = collect(args.python, root)
    if found is None:
        return None  # an edit that hangs or kills pytest's collection
    collected, errored = found
    if t.returncode == 1:
        return label, None, len(stored)  # "run everything": nothing missed
    if t.returncode != 0:
        return label, "tmdiff exited %d: %s" % (t.returncode, t.stderr.strip()), 0
    ids = t.stdout.splitlines()
    want = r.stdout.splitlines()
    # testmon runs what it selects and every test it has no record of
    new = collected - set(stored)
    missed = [n for n in want if n in collected and not any(covers(i, n) for i in ids)]
    missed += ["%s (new)" % n for n in sorted(new) if not any(covers(i, n) for i in ids)]
    missed += ["%s (collection error)" % m for m in sorted({n.split("::")[0] for n in want} & errored)
               if not any(i.split("::")[0] == m for i in ids)]
    extra = sum(1 for n in stored if n not in want and any(covers(i, n) for i in ids))
    return label, ("MISSED %s" % missed) if missed else None, extra


def with_failures(rng, db, stored):
    """A copy of the database with one to three tests recorded as failed."""
    copy = db + ".failed"
    shutil.copyfile(db, copy)
    failed = rng.sample(stored, min(len(stored), rng.randint(1, 3)))
    con = sqlite3.connect(copy)
    con.executemany("UPDATE test_execution SET failed = 1 WHERE test_name = ?", [(n,) for n in failed])
    con.commit()
    con.close()
    return copy, failed


def collect(python, root):
    """(node IDs pytest collects, modules it fails to collect), or None."""
    try:
        p = subprocess.run([python, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                           cwd=root, capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    except subprocess.TimeoutExpired:
        return None
    if p.returncode not in (0, 1, 2, 5):  # passed, errors, interrupted, no tests
        return None
    lines = p.stdout.splitlines()
    ids = lines[:lines.index("")] if "" in lines else lines  # node IDs come first (may hold spaces)
    return ({l for l in ids if "::" in l},
            {l.split()[1] for l in lines if l.startswith("ERROR ") and len(l.split()) > 1})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tmdiff")
    ap.add_argument("shared")
    ap.add_argument("--rounds", type=int, default=50, help="per project")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--python", default="/usr/bin/python3",
                    help="the reference's and pytest's interpreter: the release that recorded the kit")
    ap.add_argument("--keep", action="store_true", help="keep the trees of failing rounds")
    ap.add_argument("--verbose", action="store_true", help="print every round")
    args = ap.parse_args()
    args.tmdiff = os.path.abspath(args.tmdiff)
    projects_dir = os.path.join(args.shared, "conformance", "projects")
    if not os.path.isdir(projects_dir):
        print("no conformance kit at", projects_dir, ": skipped")
        return 77
    probe = subprocess.run([args.python, "-c", "import platform, pytest; print(platform.python_version())"],
                           capture_output=True, text=True) if shutil.which(args.python) else None
    if not probe or probe.returncode != 0:
        print("no %s with pytest (Debian: apt-get install python3-pytest): skipped" % args.python)
        return 77
    tmp = tempfile.mkdtemp(prefix="tmdiff-select-mutants-")
    projects, recorded = sorted(os.listdir(projects_dir)), set()
    for project in projects:  # copies: the kit is read-only
        db = os.path.join(tmp, project + ".testmondata")
        shutil.copyfile(os.path.join(projects_dir, project, "base.testmondata"), db)
        con = sqlite3.connect("file:%s?immutable=1" % db, uri=True)
        recorded |= {v for v, in con.execute("SELECT python_version FROM environment")}
        con.close()
    if recorded != {probe.stdout.strip()}:
        print("the kit was recorded by Python %s, %s is %s: skipped"
              % (", ".join(sorted(recorded)), args.python, probe.stdout.strip()))
        shutil.rmtree(tmp)
        return 77
    rng = random.Random(args.seed)
    os.environ["XDG_CACHE_HOME"] = os.path.join(tmp, "cache")  # never the user's cache
    failures = rounds = extra_total = 0
    try:
        for project in projects:
            src = os.path.join(projects_dir, project)
            root = os.path.join(tmp, project)
            shutil.copytree(os.path.join(src, "base"), root, symlinks=True,
                            copy_function=shutil.copy)
            git(root, "init", "-q")
            git(root, "add", "-A")
            git(root, "commit", "-q", "-m", "base")
            git(root, "tag", "base")
            db = os.path.join(tmp, project + ".testmondata")
            con = sqlite3.connect("file:%s?immutable=1" % db, uri=True)
            stored = [n for n, in con.execute("SELECT test_name FROM test_execution")]
            tracked = sorted({f for f, in con.execute("SELECT filename FROM file_fp")})
            con.close()
            files = python_files(root)
            others = [f for f in tracked if not f.endswith(".py") and os.path.isfile(os.path.join(root, f))]
            done = 0
            while done < args.rounds:
                result = one_round(args, rng, project, root, db, files, others, stored)
                if result is None:
                    continue
                done += 1
                label, problem, extra = result
                extra_total += extra
                if args.verbose and not problem:
                    print("ok", label, "(%d beyond)" % extra if extra else "")
                if problem:
                    failures += 1
                    print("FAIL", label, "\n    ", problem)
                    if args.keep:
                        kept = tempfile.mkdtemp(prefix="tmdiff-select-fail-")
                        shutil.copytree(root, kept, symlinks=True, dirs_exist_ok=True)
                        print("     kept", kept)
            rounds += done
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d rounds over %d projects: %d missed a test testmon selects; %d selections "
          "beyond testmon's" % (rounds, len(projects), failures, extra_total))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
