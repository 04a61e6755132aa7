#!/usr/bin/env python3
"""End-to-end tests of `tmdiff run` with Debian's pytest (/usr/bin/python3).

- select_then_run: on conformance scenarios, the tests pytest runs are
  exactly the ones `tmdiff select` names (prefixes expanded);
- nothing_to_run: no affected test: exit 0 and pytest never starts;
- shards: --shard K/3 runs disjoint parts whose union is the whole selection;
- ten_thousand: 10,000 selected node IDs reach pytest (no argv limit) and
  only those run;
- python_exe / undecided: an explicit interpreter; a missing database runs
  everything;
- env_check_matches_kit: a ROOT/.venv like the kit's recording environment
  is found and passes the environment check;
- ids_pytest_does_not_collect: a selected prefix pytest does not collect
  (a classmethod) is a warning, not pytest's "not found" that ran nothing;
  a path given to pytest as well runs its tests once; an option's value is
  no path.

Usage: run_e2e.py TMDIFF SHARED_DIR. Exit 77 (skip) without Debian's pytest
or git.
"""
import hashlib
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time

PYTHON = "/usr/bin/python3"
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false",
       "-c", "init.defaultBranch=main"]
PYTEST_ARGS = ["-p", "no:cacheprovider", "-p", "no:randomly", "-q", "-rA"]


def git(repo, *args):
    subprocess.run(GIT + list(args), cwd=repo, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def build_tree(project_dir, scenario, dest):
    shutil.copytree(os.path.join(project_dir, "base"), dest)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "base")
    if scenario:
        sdir = os.path.join(project_dir, "scenarios", scenario)
        files = os.path.join(sdir, "files")
        if os.path.isdir(files):
            shutil.copytree(files, dest, dirs_exist_ok=True)
        deleted = os.path.join(sdir, "deleted.txt")
        if os.path.exists(deleted):
            for line in open(deleted, encoding="utf-8").read().splitlines():
                if line.strip():
                    p = os.path.join(dest, line.strip())
                    if os.path.isdir(p):
                        shutil.rmtree(p)
                    elif os.path.exists(p):
                        os.remove(p)
        git(dest, "add", "-A")
        git(dest, "commit", "-q", "--allow-empty", "-m", "scenario")
    shutil.copy(os.path.join(project_dir, "base.testmondata"), os.path.join(dest, ".testmondata"))


def tmdiff(tm, root, *args):
    # `python3` on PATH is Debian's (the one with pytest); --python-exe and
    # --no-env-check exclude each other, and the kit's environment is not
    # this machine's
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1",
               PATH="/usr/bin:" + os.environ.get("PATH", "/bin"))
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run([tm] + list(args), cwd=root, capture_output=True, text=True, env=env)


def selected_ids(tm, root, extra=()):
    p = tmdiff(tm, root, "select", "--root", root, "--no-env-check", *extra)
    if p.returncode != 0:
        raise AssertionError("select failed: %s" % p.stderr)
    return [line for line in p.stdout.split("\n") if line]


def ran_tests(stdout):
    """Node IDs of pytest's -rA summary (PASSED/FAILED/SKIPPED/...)."""
    ran = []
    for line in stdout.splitlines():
        for word in ("PASSED ", "FAILED ", "XFAIL ", "XPASS ", "SKIPPED ", "ERROR "):
            if line.startswith(word):
                node = line[len(word):]
                if word in ("FAILED ", "ERROR "):
                    node = node.split(" - ", 1)[0]
                ran.append(node.strip())
    return ran


def covers(prefix, node):
    return node == prefix or node.startswith(prefix + "[") or node.startswith(prefix + "::")


def run_ids(tm, root, extra=(), pytest_args=PYTEST_ARGS):
    p = tmdiff(tm, root, "run", "--root", root, "--no-env-check", *extra, "--", *pytest_args)
    return p, ran_tests(p.stdout)


def check_same(selected, ran, label):
    """Every test that ran is selected; every selected ID ran (a prefix at
    least once); nothing ran twice."""
    problems = []
    if len(ran) != len(set(ran)):
        problems.append("a test ran twice")
    for node in ran:
        if not any(covers(s, node) for s in selected):
            problems.append("ran unselected %s" % node)
    for s in selected:
        if not any(covers(s, node) for node in ran):
            problems.append("selected %s did not run" % s)
    if problems:
        raise AssertionError("%s: %s" % (label, "; ".join(problems[:5])))


def case_select_then_run(tm, shared, tmp):
    projects = os.path.join(shared, "conformance", "projects")
    cases = [("invoicing", "04-function-body"), ("invoicing", "10-new-test-in-existing-file"),
             ("taskq", "02-non-python-file-value"), ("geometry", "02-method-body"),
             ("textkit", "06-new-test-file")]
    for project, scenario in cases:
        root = os.path.join(tmp, "%s-%s" % (project, scenario))
        build_tree(os.path.join(projects, project), scenario, root)
        sel = selected_ids(tm, root)
        p, ran = run_ids(tm, root)
        if not sel:
            raise AssertionError("%s/%s: empty selection, expected some" % (project, scenario))
        check_same(sel, ran, "%s/%s" % (project, scenario))
        print("select_then_run %s/%s: %d IDs selected, %d tests ran, pytest exit %d" %
              (project, scenario, len(sel), len(ran), p.returncode))


def case_nothing_to_run(tm, shared, tmp):
    root = os.path.join(tmp, "nothing")
    build_tree(os.path.join(shared, "conformance", "projects", "invoicing"), None, root)
    db = sqlite3.connect(os.path.join(root, ".testmondata"))
    db.execute("UPDATE test_execution SET failed = 0")
    db.commit()
    db.close()
    if selected_ids(tm, root):
        raise AssertionError("nothing_to_run: select names tests")
    # pytest would exit 4 on this option: it must not start at all
    p, ran = run_ids(tm, root, pytest_args=["--no-such-pytest-option"])
    if p.returncode != 0 or ran or "nothing to run" not in p.stderr or p.stdout:
        raise AssertionError("nothing_to_run: exit %d stdout %r stderr %r" %
                             (p.returncode, p.stdout[:300], p.stderr[:300]))
    print("nothing_to_run: exit 0, pytest not started")


def case_shards(tm, shared, tmp):
    root = os.path.join(tmp, "shards")
    build_tree(os.path.join(shared, "conformance", "projects", "invoicing"),
               "07-module-constant-used-by-functions", root)
    _, whole = run_ids(tm, root)
    parts = []
    for k in (1, 2, 3):
        p, ran = run_ids(tm, root, extra=("--shard", "%d/3" % k))
        sel = selected_ids(tm, root, extra=("--shard", "%d/3" % k))
        if sel:
            check_same(sel, ran, "shard %d/3" % k)
        parts.append(set(ran))
    union = set().union(*parts)
    if union != set(whole) or sum(len(x) for x in parts) != len(whole):
        raise AssertionError("shards: parts %s do not partition %d tests" %
                             ([len(x) for x in parts], len(whole)))
    print("shards: %d tests split %s" % (len(whole), [len(x) for x in parts]))


def git_blob_sha(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def make_database(path, tests, files):
    """A testmon 2.2 database (data version 14): `tests` is a list of
    (node ID, failed); `files` maps each test file to its bytes."""
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE metadata (dataid TEXT PRIMARY KEY, data TEXT);
        CREATE TABLE environment (id INTEGER PRIMARY KEY ASC, environment_name TEXT,
            system_packages TEXT, python_version TEXT,
            UNIQUE (environment_name, system_packages, python_version));
        CREATE TABLE test_execution (id INTEGER PRIMARY KEY ASC, environment_id INTEGER,
            test_name TEXT, duration FLOAT, failed BIT, forced BIT);
        CREATE TABLE file_fp (id INTEGER PRIMARY KEY, filename TEXT, method_checksums BLOB,
            mtime FLOAT, fsha TEXT, UNIQUE (filename, fsha, method_checksums));
        CREATE TABLE test_execution_file_fp (test_execution_id INTEGER, fingerprint_id INTEGER);
        CREATE TABLE suite_execution_file_fsha (suite_execution_id INTEGER, filename TEXT, fsha text);
        PRAGMA user_version = 14;
    """)
    db.execute("INSERT INTO environment VALUES (1, 'default', 'pytest 7.2', '3.11.2')")
    fp_ids = {}
    for i, (name, data) in enumerate(sorted(files.items()), 1):
        db.execute("INSERT INTO file_fp VALUES (?, ?, ?, NULL, ?)",
                   (i, name, struct.pack("<i", 12345), git_blob_sha(data)))
        fp_ids[name] = i
    for i, (node, failed) in enumerate(tests, 1):
        db.execute("INSERT INTO test_execution VALUES (?, 1, ?, 0.001, ?, 0)", (i, node, failed))
        db.execute("INSERT INTO test_execution_file_fp VALUES (?, ?)", (i, fp_ids[node.split("::")[0]]))
    db.commit()
    db.close()


def case_ten_thousand(tm, shared, tmp):
    root = os.path.join(tmp, "many")
    os.makedirs(os.path.join(root, "tests"))
    many = "".join("def test_%05d():\n    pass\n\n" % i for i in range(10000)).encode()
    other = "".join("def test_other_%d():\n    pass\n\n" % i for i in range(5)).encode()
    files = {"tests/test_many.py": many, "tests/test_other.py": other}
    for name, data in files.items():
        with open(os.path.join(root, name), "wb") as f:
            f.write(data)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    tests = [("tests/test_many.py::test_%05d" % i, 1) for i in range(10000)]
    tests += [("tests/test_other.py::test_other_%d" % i, 0) for i in range(5)]
    make_database(os.path.join(root, ".testmondata"), tests, files)
    sel = selected_ids(tm, root)
    if len(sel) != 10000 or any("test_other" in s for s in sel):
        raise AssertionError("ten_thousand: select names %d IDs" % len(sel))
    start = time.monotonic()
    p, ran = run_ids(tm, root, pytest_args=["-p", "no:cacheprovider", "-q"])
    took = time.monotonic() - start
    if p.returncode != 0 or "10000 passed" not in p.stdout:
        raise AssertionError("ten_thousand: exit %d, %s %s" %
                             (p.returncode, p.stdout[-500:], p.stderr[-500:]))
    print("ten_thousand: 10000 IDs ran through pytest in %.1f s, test_other.py untouched" % took)


def case_python_exe_and_undecided(tm, shared, tmp):
    root = os.path.join(tmp, "undecided")
    build_tree(os.path.join(shared, "conformance", "projects", "textkit"), None, root)
    p = tmdiff(tm, root, "run", "--root", root, "--python-exe", "/nonexistent/python", "--", "-q")
    if p.returncode == 0 or "/nonexistent/python" not in p.stderr:
        raise AssertionError("python_exe: exit %d %r" % (p.returncode, p.stderr))
    # the kit's environment (a venv with six packages) is not Debian's python3:
    # everything runs, and tmdiff says why
    p = tmdiff(tm, root, "run", "--root", root, "--python-exe", PYTHON, "--", *PYTEST_ARGS)
    ran = ran_tests(p.stdout)
    if "every test runs" not in p.stderr or len(ran) < 40:
        raise AssertionError("env check: ran %d; %s" % (len(ran), p.stderr[-300:]))
    os.remove(os.path.join(root, ".testmondata"))
    p, ran = run_ids(tm, root)
    collected = subprocess.run([PYTHON, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                               cwd=root, capture_output=True, text=True).stdout
    n = sum(1 for line in collected.splitlines() if "::" in line and not line.startswith(" "))
    if "running all of them" not in p.stderr or len(ran) != n or n == 0:
        raise AssertionError("undecided: ran %d of %d; %s" % (len(ran), n, p.stderr[-300:]))
    print("undecided: no database, all %d tests ran" % n)


def record_failed(root, nodeid):
    """Adds `nodeid` to ROOT/.testmondata as a test that failed last time."""
    db = sqlite3.connect(os.path.join(root, ".testmondata"))
    db.execute("INSERT INTO test_execution (environment_id, test_name, duration, failed, forced) "
               "SELECT environment_id, ?, 0.1, 1, 0 FROM test_execution LIMIT 1", (nodeid,))
    db.commit()
    db.close()


def case_runtime_names_and_doctests(tm, shared, tmp):
    """Tests bound at runtime (globals()) and a doctest text file: the stored
    failing one runs, once (under its file), and the new ones run too."""
    root = os.path.join(tmp, "runtime")
    build_tree(os.path.join(shared, "conformance", "projects", "invoicing"), None, root)
    with open(os.path.join(root, "tests", "test_dyn.py"), "w") as fh:
        fh.write('for i in range(2):\n    globals()["test_g%d" % i] = lambda: None\n')
    with open(os.path.join(root, "tests", "test_notes.txt"), "w") as fh:
        fh.write(">>> 1 + 1\n2\n")
    record_failed(root, "tests/test_dyn.py::test_g0")
    sel = selected_ids(tm, root)
    p, ran = run_ids(tm, root)
    check_same(sel, ran, "runtime_names_and_doctests")
    for want in ("tests/test_dyn.py::test_g0", "tests/test_dyn.py::test_g1",
                 "tests/test_notes.txt::test_notes.txt"):
        if want not in ran:
            raise AssertionError("runtime_names_and_doctests: %s did not run (selected %r)" % (want, sel))
    print("runtime_names_and_doctests: %d IDs selected, %d tests ran once each" % (len(sel), len(ran)))


def case_ids_pytest_does_not_collect(tm, shared, tmp):
    root = os.path.join(tmp, "uncollected")
    build_tree(os.path.join(shared, "conformance", "projects", "invoicing"), None, root)
    with open(os.path.join(root, "tests", "test_cm.py"), "w") as fh:
        fh.write("class TestCM:\n    @classmethod\n    def test_c(cls):\n        pass\n\n"
                 "def test_plain():\n    pass\n")
    record_failed(root, "tests/test_cm.py::test_plain")
    sel = selected_ids(tm, root)
    if "tests/test_cm.py::TestCM::test_c" not in sel:
        raise AssertionError("ids_pytest_does_not_collect: the classmethod's prefix is not selected: %r" % sel)
    p, ran = run_ids(tm, root)
    # exit 1: a kit test fails, as recorded
    if p.returncode not in (0, 1) or "tests/test_cm.py::test_plain" not in ran:
        raise AssertionError("ids_pytest_does_not_collect: exit %d, ran %r: %s" % (p.returncode, ran, p.stderr))
    if "match no test pytest collected: tests/test_cm.py::TestCM::test_c" not in p.stderr:
        raise AssertionError("ids_pytest_does_not_collect: no warning: %s" % p.stderr)
    if "tmdiff_run_plugin" in p.stdout:  # e.g. "cannot be rewritten": the plugin must be silent
        raise AssertionError("ids_pytest_does_not_collect: pytest warns about the plugin: %s" % p.stdout)
    check_same([s for s in sel if s != "tests/test_cm.py::TestCM::test_c"], ran, "ids_pytest_does_not_collect")
    p, ran_too = run_ids(tm, root, pytest_args=PYTEST_ARGS + ["tests/test_cm.py"])
    if p.returncode not in (0, 1) or len(ran_too) != len(set(ran_too)) or set(ran_too) != set(ran):
        raise AssertionError("ids_pytest_does_not_collect: with its file given too, ran %r" % ran_too)
    # a folder given too: each of its tests once (pytest names the parameters
    # of a module collected twice differently, so the copy must not exist)
    p, ran_dir = run_ids(tm, root, pytest_args=PYTEST_ARGS + ["tests"])
    listed = subprocess.run([PYTHON, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests"],
                            cwd=root, capture_output=True, text=True).stdout.split("\n\n", 1)[0]
    want = set(line for line in listed.split("\n") if "::" in line)
    if len(ran_dir) != len(set(ran_dir)) or set(ran_dir) != want:
        raise AssertionError("ids_pytest_does_not_collect: with tests/ given, ran %d (%d distinct) of %d: %r"
                             % (len(ran_dir), len(set(ran_dir)), len(want), sorted(set(ran_dir) ^ want)[:4]))
    # an option's value that names a file is no path to collect
    p, ran_opt = run_ids(tm, root, pytest_args=PYTEST_ARGS + ["--deselect", "tests/test_cm.py::TestCM"])
    if "tests/test_cm.py::test_plain" not in ran_opt:
        raise AssertionError("ids_pytest_does_not_collect: with --deselect FILE::X, ran %r" % ran_opt)
    print("ids_pytest_does_not_collect: %d tests ran, the uncollected prefix warned" % len(ran))


KIT_ENV = ["attr", "attrs", "attrs-22.2.0.dist-info", "coverage", "coverage-6.5.0.egg-info",
           "iniconfig", "iniconfig-1.1.1.egg-info", "packaging", "packaging-23.0.dist-info",
           "pluggy", "pluggy-1.0.0+repack.egg-info", "pytest", "_pytest", "pytest-7.2.1.dist-info",
           "py.py"]


def case_env_check_matches_kit(tm, shared, tmp):
    """ROOT/.venv rebuilt like the kit's recording environment (Debian's
    python3 3.11.2 with the six packages): tmdiff finds it without options,
    the environment check passes, and only the recorded failure runs."""
    dist = "/usr/lib/python3/dist-packages"
    if not all(os.path.exists(os.path.join(dist, x)) for x in KIT_ENV):
        print("env_check_matches_kit: skipped (Debian's packages differ from the kit's)")
        return
    root = os.path.join(tmp, "kitenv")
    project = os.path.join(shared, "conformance", "projects", "invoicing")
    build_tree(project, None, root)
    venv = os.path.join(root, ".venv")
    subprocess.run([PYTHON, "-m", "venv", "--without-pip", venv], check=True)
    site = [d for d in os.listdir(os.path.join(venv, "lib")) if d.startswith("python3")][0]
    site = os.path.join(venv, "lib", site, "site-packages")
    for x in KIT_ENV:
        os.symlink(os.path.join(dist, x), os.path.join(site, x))
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("VIRTUAL_ENV", None)
    p = subprocess.run([tm, "select", "--root", root], cwd=root, capture_output=True, text=True, env=env)
    want = ["tests/test_formatting.py::test_company_name_in_header"]
    if p.returncode != 0 or p.stdout.split() != want:
        raise AssertionError("env check: exit %d, selected %r, %s" % (p.returncode, p.stdout[:300], p.stderr))
    p = subprocess.run([tm, "run", "--root", root, "--", *PYTEST_ARGS], cwd=root, capture_output=True,
                       text=True, env=env)
    if ran_tests(p.stdout) != want:
        raise AssertionError("env check: ran %r; %s" % (ran_tests(p.stdout), p.stderr[-300:]))
    print("env_check_matches_kit: ROOT/.venv found, environment equal to the kit's, 1 test ran")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    tm, shared = os.path.abspath(sys.argv[1]), sys.argv[2]
    if (subprocess.run([PYTHON, "-c", "import pytest"], capture_output=True).returncode != 0 or
            shutil.which("git") is None):
        print("skip: needs Debian's python3-pytest and git")
        return 77
    if not os.path.isdir(os.path.join(shared, "conformance", "projects")):
        print("skip: no conformance kit at %s" % shared)
        return 77
    only = os.environ.get("RUN_E2E_ONLY")
    failures = 0
    for name, fn in [("select_then_run", case_select_then_run), ("nothing_to_run", case_nothing_to_run),
                     ("shards", case_shards), ("ten_thousand", case_ten_thousand),
                     ("python_exe_and_undecided", case_python_exe_and_undecided),
                     ("runtime_names_and_doctests", case_runtime_names_and_doctests),
                     ("env_check_matches_kit", case_env_check_matches_kit),
                     ("ids_pytest_does_not_collect", case_ids_pytest_does_not_collect)]:
        if only and only != name:
            continue
        tmp = tempfile.mkdtemp(prefix="tmdiff-run-e2e-")
        try:
            fn(tm, shared, tmp)
        except AssertionError as e:
            print("FAIL %s: %s" % (name, e))
            failures += 1
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
