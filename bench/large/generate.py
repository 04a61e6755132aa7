#!/usr/bin/env python3
"""Generates a large, realistic repository with a pytest-testmon database.

The source is real Python code found on this machine (the pyenv standard
libraries, Debian's python3 modules), laid out as one git repository with
synthetic test files. The .testmondata (data version 14, testmon's exact
schema) is written from tmdiff's own checksums (`tmdiff fingerprint`) and
git's blob ids, so neither Python's ast nor pytest is needed. Each test
depends on blocks of a few to a few dozen files, drawn with a Zipf-like skew so
that a handful of modules is used by nearly every test, as in real suites.

Deterministic for a given --seed and the same source files.

    generate.py --size medium|large|small --out DIR [--seed 1] [--tmdiff PATH]
"""
import argparse
import json
import os
import random
import shutil
import sqlite3
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import edits  # noqa: E402

SIZES = {  # files, tests
    "small": (300, 2000),
    "medium": (2000, 20000),
    "large": (10000, 100000),
}
PYTHON_VERSION = "3.11.7"  # the dialect of the database (pyenv's 3.11.7 is the reference)
TESTS_PER_FILE = 50
SWITCH_FILES = {"small": 100, "medium": 1000, "large": 1000}  # files the branch "switch" changes
SCHEMA = """
CREATE TABLE metadata (dataid TEXT PRIMARY KEY, data TEXT);
CREATE TABLE environment (
    id INTEGER PRIMARY KEY ASC, environment_name TEXT, system_packages TEXT,
    python_version TEXT, UNIQUE (environment_name, system_packages, python_version));
CREATE TABLE test_execution (
    id INTEGER PRIMARY KEY ASC, environment_id INTEGER, test_name TEXT,
    duration FLOAT, failed BIT, forced BIT,
    FOREIGN KEY(environment_id) REFERENCES environment(id) ON DELETE CASCADE);
CREATE INDEX test_execution_fk_name ON test_execution (environment_id, test_name);
CREATE TABLE file_fp (
    id INTEGER PRIMARY KEY, filename TEXT, method_checksums BLOB, mtime FLOAT,
    fsha TEXT, UNIQUE (filename, fsha, method_checksums));
CREATE TABLE test_execution_file_fp (
    test_execution_id INTEGER, fingerprint_id INTEGER,
    FOREIGN KEY(test_execution_id) REFERENCES test_execution(id) ON DELETE CASCADE,
    FOREIGN KEY(fingerprint_id) REFERENCES file_fp(id));
CREATE INDEX test_execution_file_fp_both ON test_execution_file_fp (test_execution_id, fingerprint_id);
CREATE TABLE suite_execution_file_fsha (
    suite_execution_id INTEGER, filename TEXT, fsha text,
    FOREIGN KEY(suite_execution_id) REFERENCES suite_execution(id) ON DELETE CASCADE);
CREATE UNIQUE INDEX sefch_suite_id_filename_sha ON suite_execution_file_fsha(suite_execution_id, filename, fsha);
"""


def source_roots():
    """(prefix in the repo, folder) of every Python library found, sorted."""
    roots = []
    pyenv = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    versions = os.path.join(pyenv, "versions")
    if os.path.isdir(versions):
        for v in sorted(os.listdir(versions)):
            parts = v.split(".")
            if len(parts) >= 2 and parts[0] == "3" and parts[1].isdigit() and int(parts[1]) >= 8:
                lib = os.path.join(versions, v, "lib", "python3.%s" % parts[1])
                if os.path.isdir(lib):
                    roots.append(("lib%s%s" % (parts[0], parts[1]), lib))
    for deb in ("/usr/lib/python3/dist-packages", "/usr/lib/python3.11"):
        if os.path.isdir(deb):
            roots.append(("deb" + deb.replace("/", "_"), deb))
    return roots


def collect_sources(limit):
    files = []
    for prefix, root in source_roots():
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in ("site-packages", "__pycache__"))
            for name in sorted(filenames):
                if name.endswith(".py"):
                    src = os.path.join(dirpath, name)
                    if os.path.islink(src) or not os.path.isfile(src):
                        continue
                    files.append((os.path.join("src", prefix, os.path.relpath(src, root)), src))
    if len(files) < limit:
        sys.exit("generate.py: only %d Python files found, %d wanted" % (len(files), limit))
    # Spread the choice over every library, deterministically.
    step = len(files) / limit
    return [files[int(i * step)] for i in range(limit)]


def fingerprint(tmdiff, repo, paths):
    """{path: [checksums]} from `tmdiff fingerprint`, in batches."""
    result = {}
    for i in range(0, len(paths), 500):
        batch = paths[i:i + 500]
        out = subprocess.run([tmdiff, "fingerprint", "--python", PYTHON_VERSION, "--"] + batch,
                             cwd=repo, capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            sums, _, path = line.partition("\t")
            if sums == "!":
                continue
            result[path] = [int(x) for x in sums.split()] if sums else []
    return result


def git(repo, *args):
    return subprocess.run(["git", "-C", repo] + list(args), check=True,
                          capture_output=True, text=True).stdout


def write_test_files(repo, ntests):
    paths = []
    for f in range(0, ntests, TESTS_PER_FILE):
        path = "tests/test_g%05d.py" % (f // TESTS_PER_FILE)
        lines = ['"""Generated tests."""\n', "\n"]
        for t in range(f, min(f + TESTS_PER_FILE, ntests)):
            lines.append("def test_%06d():\n    assert %d + 1 == %d\n\n\n" % (t, t, t + 1))
        with open(os.path.join(repo, path), "w") as fh:
            fh.write("".join(lines))
        paths.append(path)
    return paths


def zipf_pick(rng, n, s=1.1):
    """An index in [0, n) with P(i) ~ 1/(i+1)^s, by inversion on a cached CDF."""
    cdf = zipf_pick.cache.get((n, s))
    if cdf is None:
        total, cdf = 0.0, []
        for i in range(n):
            total += 1.0 / (i + 1) ** s
            cdf.append(total)
        cdf = [c / total for c in cdf]
        zipf_pick.cache[(n, s)] = cdf
    import bisect
    return bisect.bisect_left(cdf, rng.random())


zipf_pick.cache = {}


def coverage_patterns(rng, sums, count):
    """A few distinct subsets of a file's blocks that tests execute: always the
    module block (last), plus some function blocks."""
    patterns = []
    for _ in range(count):
        k = min(len(sums) - 1, max(1, int(rng.expovariate(1 / 4.0))))
        chosen = sorted(rng.sample(range(len(sums) - 1), k)) if len(sums) > 1 else []
        patterns.append([sums[i] for i in chosen] + [sums[-1]])
    return patterns


def make_switch_branch(repo, sources, count, rng):
    """Branch "switch": `count` source files edited (a function body where one
    fits, else a comment), committed; the work tree is back on main after."""
    chosen = sorted(rng.sample(sources, min(count, len(sources))))
    git(repo, "checkout", "-q", "-b", "switch")
    for i, rel in enumerate(chosen):
        path = os.path.join(repo, rel)
        with open(path, "rb") as fh:
            data = fh.read()
        edited = edits.body_edit(data, i) if i % 4 else None
        with open(path, "wb") as fh:
            fh.write(edited if edited is not None else edits.cosmetic_edit(data))
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=bench", "-c", "user.email=bench@localhost",
        "commit", "-q", "-m", "switch: %d files changed" % len(chosen))
    git(repo, "checkout", "-q", "main")
    return chosen


def write_manifest(out, repo, usable, switch, rng):
    """OUT/manifest.json: the files each scenario of run.py edits. `usable`
    is in popularity order (the Zipf rank), so the one-function edit hits a
    module most tests use, and the ten files mix popular and rare ones."""
    def editable(rel):
        with open(os.path.join(repo, rel), "rb") as fh:
            return edits.body_edit(fh.read()) is not None
    popular = [rel for rel in usable[:50] if editable(rel)]
    mixed = [rel for rel in rng.sample(usable, min(200, len(usable))) if editable(rel)]
    ten = sorted(set(popular[1:4] + mixed[:7]))
    manifest = {
        "one_function": [popular[0]],
        "ten_files": ten,
        "cosmetic": sorted(rng.sample(usable, 10)),
        "deleted": sorted(rng.sample(usable, 10)),
        "switch": switch,
    }
    with open(os.path.join(out, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=1, sort_keys=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", choices=sorted(SIZES), default="medium")
    ap.add_argument("--out", required=True, help="folder to create (the repository is OUT/repo)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tmdiff", default=shutil.which("tmdiff") or "tmdiff")
    args = ap.parse_args()
    nfiles, ntests = SIZES[args.size]
    rng = random.Random(args.seed)

    repo = os.path.join(args.out, "repo")
    if os.path.exists(repo):
        shutil.rmtree(repo)
    os.makedirs(os.path.join(repo, "tests"))
    sources = collect_sources(nfiles)
    for rel, src in sources:
        dst = os.path.join(repo, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(src, dst)
    test_paths = write_test_files(repo, ntests)
    with open(os.path.join(repo, "pytest.ini"), "w") as fh:
        fh.write("[pytest]\ntestpaths = tests\n")
    with open(os.path.join(repo, ".gitignore"), "w") as fh:
        fh.write(".testmondata*\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=bench", "-c", "user.email=bench@localhost",
        "commit", "-q", "-m", "generated repository")
    switch = make_switch_branch(repo, [rel for rel, _ in sources], SWITCH_FILES[args.size],
                                random.Random(args.seed + 1))
    blob = {}
    for line in git(repo, "ls-files", "--stage").splitlines():
        meta, _, path = line.partition("\t")
        blob[path] = meta.split()[1]

    print("fingerprinting %d files with %s" % (len(sources) + len(test_paths), args.tmdiff), file=sys.stderr)
    sums = fingerprint(args.tmdiff, repo, [rel for rel, _ in sources] + test_paths)
    # Files tests can depend on: ones with blocks. Zipf rank order is a
    # deterministic shuffle, so the popular modules come from every library.
    usable = [rel for rel, _ in sources if sums.get(rel)]
    rng.shuffle(usable)
    patterns = {rel: coverage_patterns(rng, sums[rel], 1 + int(rng.expovariate(1 / 6.0)))
                for rel in usable}

    db_path = os.path.join(repo, ".testmondata")
    db = sqlite3.connect(db_path)
    db.executescript(SCHEMA)
    db.execute("PRAGMA user_version = 14")
    db.execute("INSERT INTO environment VALUES (1, 'default', 'pytest 7.2', ?)", (PYTHON_VERSION,))
    fp_ids = {}

    def fp_id(path, checksums):
        key = (path, tuple(checksums))
        if key not in fp_ids:
            fp_ids[key] = len(fp_ids) + 1
            db.execute("INSERT INTO file_fp VALUES (?, ?, ?, NULL, ?)",
                       (fp_ids[key], path, struct.pack("<%di" % len(checksums), *checksums), blob[path]))
        return fp_ids[key]

    links = 0
    for t in range(ntests):
        test_file = test_paths[t // TESTS_PER_FILE]
        name = "%s::test_%06d" % (test_file, t)
        own = sums[test_file]
        index_in_file = t % TESTS_PER_FILE
        deps = {fp_id(test_file, [own[index_in_file], own[-1]])}
        for _ in range(max(2, min(48, int(rng.lognormvariate(3.0, 0.7))))):
            rel = usable[zipf_pick(rng, len(usable))]
            deps.add(fp_id(rel, rng.choice(patterns[rel])))
        failed = 1 if rng.random() < 0.001 else 0
        db.execute("INSERT INTO test_execution VALUES (?, 1, ?, ?, ?, 0)",
                   (t + 1, name, round(rng.expovariate(1 / 0.05), 6), failed))
        db.executemany("INSERT INTO test_execution_file_fp VALUES (?, ?)", [(t + 1, d) for d in sorted(deps)])
        links += len(deps)
    db.commit()
    write_manifest(args.out, repo, usable, switch, random.Random(args.seed + 2))
    db.execute("PRAGMA journal_mode = WAL")
    db.close()
    git(repo, "update-index", "--refresh")
    print("repo %s: %d source files, %d test files, %d tests, %d fingerprints, %d links, db %.1f MB" % (
        repo, len(sources), len(test_paths), ntests, len(fp_ids), links,
        os.path.getsize(db_path) / 1e6))


if __name__ == "__main__":
    main()
