#!/usr/bin/env python3
"""Random @pytest.mark.parametrize arguments: tmdiff's collection against
pytest's --collect-only.

Each round writes test modules whose functions are parametrized with random
literal values (str with escapes and non-ASCII, bytes, int, float, complex,
None, bools, nested tuples, implicit concatenation), ids= lists,
pytest.param(..., id=...), several argnames, stacked decorators and
duplicates (which pytest numbers). The database holds one stored name per
module that no longer exists, so `tmdiff select` lists every new ID of the
module, as an exact ID or as a prefix. Every ID pytest collects must be
named (exactly or under a prefix), and every exact ID tmdiff names must be
one pytest collects: an exact ID that differs from pytest's would make the
stored test look deleted.

Usage: param_ids.py TMDIFF KIT_DB [--rounds N] [--seed S] [--python EXE] [--keep]
KIT_DB: a testmon database to copy (its environment row is reused).
Exit 0 when every round agrees, 1 otherwise, 77 (skip) without that
interpreter or its pytest.
"""
import argparse
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile

GIT = ["git", "-c", "user.name=tmdiff-fuzz", "-c", "user.email=fuzz@tmdiff.invalid",
       "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]
CHARS = ["a", "Z", "0", " ", "-", "_", ".", "[", "]", ":", "/", "\\\\", "\\n", "\\t", "\\x00",
         "\\x7f", "\\xe9", "\\u00e9", "\\u2192", "\\U0001F600", "é", "ß", "→", "'", '\\"', "\\r",
         "\\N{BULLET}", "\\u200b", "ſ", "ﬁ"]


def rand_str(rng):
    body = "".join(rng.choice(CHARS) for _ in range(rng.randint(0, 6)))
    if rng.random() < 0.1:
        return '"%s" "%s"' % (body, rng.choice(CHARS))  # implicit concatenation
    prefix = rng.choice(["", "", "", "u", "r" if "\\" not in body else ""])
    return '%s"%s"' % (prefix, body)


def rand_value(rng, depth=0):
    k = rng.randint(0, 12 if depth < 2 else 9)
    if k <= 2:
        return rand_str(rng)
    if k == 3:
        return rng.choice(["0", "-1", "7", "10**20", "0x1f", "1_000", "-0", "True", "False", "None",
                           "123456789012345678901234567890"])
    if k == 4:
        return rng.choice(["1.5", "-0.0", "1e16", "1e-7", "0.1", "2.", ".5", "1e300", "3.14159"])
    if k == 5:
        return rng.choice(["1j", "2+3j", "-1.5j"])
    if k == 6:
        return 'b"%s"' % rng.choice(["", "a", "\\xff", "\\x00z", "caf\\xc3\\xa9"])
    if k == 7:
        return rng.choice(["()", "[]", "{}"])
    if k == 8:
        return rand_str(rng)
    if k == 9:
        return rng.choice(["-5", "+5", "~1"])
    items = ", ".join(rand_value(rng, depth + 1) for _ in range(rng.randint(1, 3)))
    return rng.choice(["(%s,)" % items, "[%s]" % items])


def rand_parametrize(rng, used_names):
    nargs = rng.choice([1, 1, 1, 2, 3])
    names = []
    while len(names) < nargs:
        n = rng.choice("abcdefgh")
        if n not in names and n not in used_names:
            names.append(n)
    as_tuple = rng.random() < 0.3  # argnames as a tuple: each row a sequence, even of one
    rows = []
    for _ in range(rng.randint(1, 5)):
        vals = [rand_value(rng) for _ in names]
        row = vals[0] if nargs == 1 and not as_tuple else "(%s,)" % ", ".join(vals)
        if rng.random() < 0.15:
            idv = rng.choice(["None", rand_str(rng)])
            row = "pytest.param(%s, id=%s)" % (", ".join(vals), idv)
        elif rng.random() < 0.1:
            row = "pytest.param(%s, marks=pytest.mark.slow)" % ", ".join(vals)
        rows.append(row)
    if rng.random() < 0.2 and rows:
        rows.append(rows[0])  # a duplicate: pytest numbers them
    argnames = repr(tuple(names)) if as_tuple else ",".join(names)
    extra = ""
    if rng.random() < 0.2:
        extra = ", ids=[%s]" % ", ".join(rng.choice(["None", rand_str(rng)]) for _ in rows)
    return names, "@pytest.mark.parametrize(%s, [%s]%s)" % (
        argnames if argnames.startswith("(") else '"%s"' % argnames, ", ".join(rows), extra)


def write_module(rng, path, nfuncs):
    out = ["import pytest", ""]
    for i in range(nfuncs):
        used = []
        for _ in range(rng.choice([1, 1, 1, 2])):
            names, deco = rand_parametrize(rng, used)
            used += names
            out.append(deco)
        out.append("def test_f%d(%s):\n    pass\n" % (i, ", ".join(used)))
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(out) + "\n")


def covers(idx, node):
    return idx == node or node.startswith(idx) and node[len(idx):][:2] == "::" or \
        node.startswith(idx) and node[len(idx):][:1] == "["


def one_round(args, rng, work, counts):
    root = os.path.join(work, "proj")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    modules = ["test_p%d.py" % i for i in range(4)]
    for m in modules:
        write_module(rng, os.path.join(root, m), 8)
    with open(os.path.join(root, "pytest.ini"), "w") as fh:
        fh.write("[pytest]\nmarkers =\n    slow\n")
    db = os.path.join(root, ".testmondata")
    shutil.copyfile(args.kit_db, db)
    con = sqlite3.connect(db)
    env = con.execute("SELECT id FROM environment LIMIT 1").fetchone()[0]
    con.execute("DELETE FROM test_execution_file_fp")
    con.execute("DELETE FROM test_execution")
    for m in modules:
        con.execute("INSERT INTO test_execution (environment_id, test_name, duration, failed, forced) "
                    "VALUES (?, ?, 0.1, 0, NULL)", (env, m + "::test_gone"))
    con.commit()
    con.close()
    subprocess.run(GIT + ["init", "-q"], cwd=root, check=True)
    subprocess.run(GIT + ["add", "-A"], cwd=root, check=True)
    subprocess.run(GIT + ["commit", "-qm", "x"], cwd=root, check=True)
    p = subprocess.run([args.python, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                       cwd=root, capture_output=True, text=True)
    if p.returncode not in (0, 5):
        return "pytest failed to collect (a generator bug?): %s" % p.stdout[-600:]
    ids = [line for line in p.stdout.split("\n") if "::" in line]
    t = subprocess.run([args.tmdiff, "select", "--root", root, "--no-env-check", "--no-cache"],
                       capture_output=True, text=True,
                       env=dict(os.environ, XDG_CACHE_HOME=os.path.join(work, "cache")))
    if t.returncode != 0:
        return "tmdiff select exit %d: %s" % (t.returncode, t.stderr)
    named = [line for line in t.stdout.split("\n") if line]
    counts[0] += len(ids)
    counts[1] += len(set(ids) & set(named))
    problems = ["not named: %s" % i for i in ids if not any(covers(n, i) for n in named)]
    exact = set(ids)
    problems += ["named exactly, pytest has no such test: %s" % n for n in named
                 if n not in exact and not any(covers(n, i) for i in ids)]
    return "; ".join(problems[:6])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tmdiff")
    ap.add_argument("kit_db")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--keep", action="store_true", help="keep the tree of a failing round")
    args = ap.parse_args()
    if subprocess.run([args.python, "-c", "import pytest"], capture_output=True).returncode != 0:
        print("skip: %s cannot import pytest" % args.python)
        return 77
    if not os.path.exists(args.kit_db):
        print("skip: no database at %s" % args.kit_db)
        return 77
    failures, counts = 0, [0, 0]  # pytest's IDs, of them named exactly
    for r in range(args.rounds):
        rng = random.Random(args.seed * 100003 + r)
        work = tempfile.mkdtemp(prefix="tmdiff-param-ids-")
        why = one_round(args, rng, work, counts)
        if why:
            failures += 1
            print("FAIL round %d (seed %d): %s" % (r, args.seed, why))
            if args.keep:
                print("     kept %s" % work)
                continue
        shutil.rmtree(work, ignore_errors=True)
    print("%d rounds of 4 modules x 8 parametrized tests: %d failed; %d of pytest's %d IDs named exactly"
          % (args.rounds, failures, counts[1], counts[0]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
