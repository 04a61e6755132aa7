#!/usr/bin/env python3
"""testmon's selection in Python, for comparison with `tmdiff select`.

Does what pytest-testmon 2.2 does before pytest collects anything, on the same
data and with the same SQL as tmdiff: reads the environment's fingerprints,
asks `git ls-files --stage -m` which files are unmodified (as testmon does),
computes fshas, checksums the changed files with tests/reference's
fingerprinter (dedented when modified), and prints the affected and failing
tests, sorted. Run it with the Python that recorded the data (3.11.2 here).

Usage: reference_select.py ROOT [DB]
"""
import os
import sqlite3
import subprocess
import sys
import textwrap

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "reference"))
import testmon_reference as ref  # noqa: E402


def git_blobs(root):
    """{path: blob id} of files git lists once (tracked and unmodified)."""
    try:
        out = subprocess.run(["git", "ls-files", "--stage", "-m"], cwd=root,
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    seen = {}
    for line in out.splitlines():
        if "\t" in line:
            meta, path = line.split("\t", 1)
            parts = meta.split()
            seen.setdefault(path, []).append(parts[1] if len(parts) > 1 else None)
        else:
            seen.setdefault(line, []).append(None)
    return {p: v[0] for p, v in seen.items() if len(v) == 1 and v[0]}


def main(argv):
    root = argv[1]
    db = argv[2] if len(argv) > 2 else os.path.join(root, ".testmondata")
    con = sqlite3.connect("file:%s?immutable=1" % db, uri=True)
    env_id, = con.execute("SELECT id FROM environment WHERE environment_name = 'default'").fetchone()
    tests = {tid: (name, failed) for tid, name, failed in con.execute(
        "SELECT id, test_name, failed FROM test_execution WHERE environment_id = ?", (env_id,))}
    pairs = con.execute(
        "SELECT DISTINCT f.filename, f.fsha FROM file_fp f "
        "JOIN test_execution_file_fp tf ON tf.fingerprint_id = f.id "
        "JOIN test_execution te ON te.id = tf.test_execution_id "
        "WHERE te.environment_id = ? ORDER BY f.filename", (env_id,)).fetchall()
    blobs = git_blobs(root)
    current, changed = {}, set()
    for filename, fsha in pairs:
        if filename not in current:
            path = os.path.join(root, filename)
            if filename in blobs:
                current[filename] = (blobs[filename], False)
            elif os.path.isfile(path):
                with open(path, "rb") as f:
                    current[filename] = (ref.prepare(f.read())[1], True)
            else:
                current[filename] = (None, False)
        if fsha is None or current[filename][0] != fsha:
            changed.add(filename)
    affected = set()
    for filename in sorted(changed):
        now, modified = current[filename]
        path = os.path.join(root, filename)
        have = set()
        if now is not None:
            with open(path, "rb") as f:
                text = ref.prepare(f.read())[0]
            if modified:
                text = textwrap.dedent(text)
            blocks = [text] if not filename.endswith(".py") else ref.blocks_of(text)
            have = {ref.checksum(b) for b in blocks}
        for tid, fsha, blob in con.execute(
                "SELECT tf.test_execution_id, f.fsha, f.method_checksums FROM file_fp f "
                "JOIN test_execution_file_fp tf ON tf.fingerprint_id = f.id "
                "JOIN test_execution te ON te.id = tf.test_execution_id "
                "WHERE te.environment_id = ? AND f.filename = ?", (env_id, filename)):
            if fsha is not None and fsha == now:
                continue
            sums = [int.from_bytes(blob[i:i + 4], "little", signed=True)
                    for i in range(0, len(blob or b""), 4)]
            if not have or any(s not in have for s in sums):
                affected.add(tid)
    names = sorted({tests[t][0] for t in affected if t in tests} |
                   {name for name, failed in tests.values() if failed})
    sys.stdout.write("".join(n + "\n" for n in names))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
