#!/usr/bin/env python3
"""Broken and hostile databases given to `tmdiff select`.

Each case builds invoicing's base as a clean git checkout, plants a damaged
.testmondata, and requires: exit status 1 (the tests to run cannot be
decided), nothing on stdout (never an empty selection passed off as an
answer), and one line on stderr, `tmdiff: <what>: <why> (<hint>)`, naming the
problem. A few sound variations (read-only directory, WAL file beside the
database, TESTMON_DATAFILE) must still give the kit's answer.

Exit status 0 when every case behaves, 1 otherwise, 77 without the kit.
"""
import argparse
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile

GIT = ["git", "-c", "user.name=e2e", "-c", "user.email=e2e@tmdiff.invalid",
       "-c", "core.autocrlf=false", "-c", "commit.gpgsign=false"]


def make_repo(shared, dest):
    base = os.path.join(shared, "conformance", "projects", "invoicing")
    shutil.copytree(os.path.join(base, "base"), dest)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "base"]):
        subprocess.run(GIT + args, cwd=dest, check=True, stdout=subprocess.DEVNULL)
    db = os.path.join(dest, ".testmondata")
    shutil.copyfile(os.path.join(base, "base.testmondata"), db)
    return db


def edit(db, sql):
    con = sqlite3.connect(db)
    con.executescript(sql)
    con.commit()
    con.close()


def tmdiff(exe, root, *extra, env=None):
    p = subprocess.run([exe, "--root", root, "--no-env-check"] + list(extra), cwd=root,
                       capture_output=True, text=True, env=env)
    return p.returncode, p.stdout, p.stderr


# (name, how to damage the database (db path -> None), words the error must hold)
def not_sqlite(db):
    with open(db, "w") as f:
        f.write("SQLite format 2? no: a text file where the database should be\n" * 20)


def truncated(db):
    size = os.path.getsize(db)
    with open(db, "r+b") as f:
        f.truncate(size // 3)


def empty_file(db):
    open(db, "w").close()


CASES = [
    ("not sqlite", not_sqlite, ["not a readable SQLite database"]),
    ("empty file", empty_file, ["version 0"]),
    ("truncated", truncated, ["damaged"]),
    ("version 12", lambda db: edit(db, "PRAGMA user_version=12;"), ["version 12"]),
    ("version 15", lambda db: edit(db, "PRAGMA user_version=15;"), ["version 15"]),
    ("no file_fp table", lambda db: edit(db, "DROP TABLE file_fp;"), ["file_fp"]),
    ("no environment table", lambda db: edit(db, "DROP TABLE environment;"), ["environment"]),
    ("no failed column",
     lambda db: edit(db, "ALTER TABLE test_execution DROP COLUMN failed;"), ["failed"]),
    ("odd-length method_checksums",
     lambda db: edit(db, "UPDATE file_fp SET method_checksums = X'0102030405' WHERE id = "
                         "(SELECT min(id) FROM file_fp);"), ["5 bytes"]),
    ("huge blob",
     lambda db: edit(db, "UPDATE file_fp SET method_checksums = zeroblob(64 << 20) WHERE id = "
                         "(SELECT min(id) FROM file_fp);"), ["67108864 bytes"]),
    ("text checksums",
     lambda db: edit(db, "UPDATE file_fp SET method_checksums = 'abcd' WHERE id = "
                         "(SELECT min(id) FROM file_fp);"), ["method_checksums"]),
    ("path with ..",
     lambda db: edit(db, "UPDATE file_fp SET filename = '../outside.py' WHERE id = "
                         "(SELECT min(id) FROM file_fp);"), ["../outside.py"]),
    ("absolute path",
     lambda db: edit(db, "UPDATE file_fp SET filename = '/etc/passwd' WHERE id = "
                         "(SELECT min(id) FROM file_fp);"), ["/etc/passwd"]),
    ("no default environment",
     lambda db: edit(db, "UPDATE environment SET environment_name = 'ci';"), ["'default'"]),
    ("unknown python",
     lambda db: edit(db, "UPDATE environment SET python_version = '2.7.18';"), ["2.7.18"]),
]


def expect_refusal(exe, shared, name, damage, words, problems):
    tmp = tempfile.mkdtemp(prefix="tmdiff-hostile-")
    try:
        root = os.path.join(tmp, "repo")
        db = make_repo(shared, root)
        damage(db)
        rc, out, err = tmdiff(exe, root)
        lines = err.strip().splitlines()
        bad = []
        if rc != 1:
            bad.append("exit %d, want 1" % rc)
        if out:
            bad.append("printed a selection: %r" % out[:200])
        if len(lines) != 1 or not lines[0].startswith("tmdiff: "):
            bad.append("stderr is not one 'tmdiff: ' line: %r" % err[:400])
        for w in words:
            if w not in err:
                bad.append("error does not say %r: %r" % (w, err[:400]))
        if bad:
            problems.append("%s: %s" % (name, "; ".join(bad)))
        else:
            print("ok   %s: %s" % (name, lines[0]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def sound_variations(exe, shared, problems):
    """Unusual but sound setups still answer (the base: only the failing test)."""
    base = os.path.join(shared, "conformance", "projects", "invoicing")
    want = "tests/test_formatting.py::test_company_name_in_header\n"
    tmp = tempfile.mkdtemp(prefix="tmdiff-hostile-")
    try:
        root = os.path.join(tmp, "repo")
        db = make_repo(shared, root)
        # The database in a read-only directory, named by TESTMON_DATAFILE.
        ro = os.path.join(tmp, "ro")
        os.mkdir(ro)
        shutil.copyfile(db, os.path.join(ro, "data"))
        os.chmod(os.path.join(ro, "data"), 0o444)
        os.chmod(ro, 0o555)
        os.remove(db)
        env = dict(os.environ, TESTMON_DATAFILE=os.path.join(ro, "data"))
        rc, out, err = tmdiff(exe, root, env=env)
        if (rc, out) != (0, want) or os.listdir(ro) != ["data"]:
            problems.append("read-only TESTMON_DATAFILE: exit %d %r %r %r" %
                            (rc, out, err, os.listdir(ro)))
        else:
            print("ok   read-only database named by TESTMON_DATAFILE, nothing written beside it")
        os.chmod(ro, 0o755)
        # A -wal file beside the database holding the newest rows: a test
        # recorded as failed only in the WAL must be selected.
        shutil.copyfile(os.path.join(base, "base.testmondata"), db)
        keep = sqlite3.connect(db)
        keep.execute("PRAGMA wal_autocheckpoint=0")
        keep.execute("UPDATE test_execution SET failed = 1 WHERE test_name = "
                      "'tests/test_money.py::test_total_of_list'")
        keep.commit()
        snap = os.path.join(tmp, "snap")
        os.mkdir(snap)
        shutil.copyfile(db, os.path.join(snap, ".testmondata"))
        shutil.copyfile(db + "-wal", os.path.join(snap, ".testmondata-wal"))
        keep.close()
        os.chmod(snap, 0o555)
        rc, out, err = tmdiff(exe, root, "--db", os.path.join(snap, ".testmondata"))
        want_wal = want + "tests/test_money.py::test_total_of_list\n"
        if (rc, out) != (0, want_wal) or sorted(os.listdir(snap)) != [".testmondata",
                                                                      ".testmondata-wal"]:
            problems.append("WAL beside the database: exit %d %r %r %r" %
                            (rc, out, err, os.listdir(snap)))
        else:
            print("ok   rows only in the -wal file are read, nothing written beside it")
        os.chmod(snap, 0o755)
        # Rule 1: a local environment unlike the recorded one (Debian's
        # python3 has more packages than pytest's bare minimum) runs every
        # test that pytest collects.
        if os.path.exists("/usr/bin/python3"):
            with open(os.path.join(base, "scenarios", "01-no-change", "expected.json")) as f:
                collected = json.load(f)["collected"]
            p = subprocess.run([exe, "--root", root, "--python-exe", "/usr/bin/python3",
                                "--format", "json"], cwd=root, capture_output=True, text=True)
            out = json.loads(p.stdout) if p.returncode == 0 else {}
            summary = out.get("summary", {})
            if not summary.get("everything") or sorted(out.get("selected", [])) != collected:
                problems.append("environment changed: exit %d %r %r" %
                                (p.returncode, summary, p.stderr))
            else:
                print("ok   a different environment runs every collected test (%s)" %
                      summary.get("reason"))
        # --no-cache: the same answer, and nothing written to the cache folder.
        empty_cache = os.path.join(tmp, "no-cache")
        os.mkdir(empty_cache)
        cached = tmdiff(exe, root)
        rc, out, err = tmdiff(exe, root, "--no-cache",
                              env=dict(os.environ, XDG_CACHE_HOME=empty_cache))
        if (rc, out) != cached[:2] or cached[0] != 0 or os.listdir(empty_cache):
            problems.append("--no-cache: exit %d %r %r, cache folder %r" %
                            (rc, out, err, list(os.walk(empty_cache))))
        else:
            print("ok   --no-cache gives the same answer and writes no cache")
        # A symlink in the tree pointing outside the root counts as changed.
        outside = os.path.join(tmp, "outside.py")
        tax = os.path.join(root, "invoicing", "tax.py")
        shutil.copyfile(tax, outside)
        os.remove(tax)
        os.symlink(outside, tax)
        rc, out, err = tmdiff(exe, root, "--format", "json")
        files = json.loads(out).get("files", []) if rc == 0 else []
        states = {f["filename"]: f["state"] for f in files}
        if rc != 0 or states.get("invoicing/tax.py") != "missing":
            problems.append("symlink escaping the root: exit %d states %r %r" %
                            (rc, states, err))
        else:
            print("ok   a symlink escaping the root is not read (file counts as missing)")
    finally:
        for d, _, _ in os.walk(tmp):
            os.chmod(d, 0o755)
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tmdiff", required=True)
    ap.add_argument("--shared", required=True)
    args = ap.parse_args()
    args.tmdiff = os.path.abspath(args.tmdiff)
    if not os.path.isdir(os.path.join(args.shared, "conformance", "projects", "invoicing")):
        print("no conformance kit")
        return 77
    problems = []
    cache = tempfile.mkdtemp(prefix="tmdiff-hostile-cache-")
    os.environ["XDG_CACHE_HOME"] = cache
    for name, damage, words in CASES:
        expect_refusal(args.tmdiff, args.shared, name, damage, words, problems)
    # Options that name nothing usable.
    tmp = tempfile.mkdtemp(prefix="tmdiff-hostile-")
    try:
        root = os.path.join(tmp, "repo")
        make_repo(args.shared, root)
        for extra, word in ((["--env", "nope"], "'nope'"), (["--db", "/nonexistent/db"],
                                                            "/nonexistent/db")):
            rc, out, err = tmdiff(args.tmdiff, root, *extra)
            if rc != 1 or out or word not in err:
                problems.append("%s: exit %d out %r err %r" % (extra, rc, out, err))
            else:
                print("ok   %s: %s" % (" ".join(extra), err.strip()))
        rc, out, err = tmdiff(args.tmdiff, root, "--format", "yaml")
        if rc != 2 or out:
            problems.append("usage error: exit %d" % rc)
        else:
            print("ok   usage error exits 2")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    sound_variations(args.tmdiff, args.shared, problems)
    shutil.rmtree(cache, ignore_errors=True)
    for p in problems:
        print("FAIL", p)
    print("%d problems" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
