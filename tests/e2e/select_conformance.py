#!/usr/bin/env python3
"""End-to-end selection tests over the conformance kit (../shared/conformance).

For every scenario of every project, twice (the change committed, and the
change left uncommitted in the work tree), this builds the scenario's tree as
a git repository exactly as the kit's README describes ("How to use the kit",
steps 1-4), runs `tmdiff --format json` there and checks:

- the selection, with bare file paths and prefixes expanded against the
  scenario's `collected`, equals expected.json's `selected` (or the
  `uncommitted` block's): no test missed, none extra;
- `changed_files` (files whose fsha changed, with their current checksums in
  testmon's order; null for a missing file) equals the kit's;
- `--format deselect -0` names every stored test pytest still collects that
  is not selected, and no selected one; `--shard K/3` partitions the selection;
  `tmdiff explain` agrees with it and blames only changed files;
- with --precise, an uncommitted tree gives the committed answer (the dedent
  quirk dropped), never a test testmon would not run;
- with --pytest, `tmdiff run` runs Debian's pytest on that selection and
  exactly the selected tests run.

Node IDs tmdiff names inside a file pytest fails to collect (the kit's
`collection_errors`) cannot be matched against `collected`; they are accepted
(pytest reports the collection error when it is handed them) and counted.

Exit status 0 when every check passes, 1 otherwise, 77 when the kit is absent.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

GIT = ["git", "-c", "user.name=tmdiff-e2e", "-c", "user.email=e2e@tmdiff.invalid",
       "-c", "core.autocrlf=false", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]


def git(repo, *args):
    subprocess.run(GIT + list(args), cwd=repo, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def build_tree(project_dir, scenario_dir, dest, commit):
    """Steps 1-3 of the kit's README, in `dest`.

    Files are copied with fresh modification times: with the kit's times
    kept, a same-size edit looks unchanged to git's stat check, `git add`
    skips it and the "committed" tree silently keeps the old blob."""
    shutil.copytree(os.path.join(project_dir, "base"), dest, symlinks=True,
                    copy_function=shutil.copy)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "base")
    files = os.path.join(scenario_dir, "files")
    if os.path.isdir(files):
        shutil.copytree(files, dest, symlinks=True, dirs_exist_ok=True,
                        copy_function=shutil.copy)
    deleted = os.path.join(scenario_dir, "deleted.txt")
    if os.path.exists(deleted):
        with open(deleted, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    os.remove(os.path.join(dest, line.strip()))
    if commit:
        git(dest, "add", "-A")
        git(dest, "commit", "-q", "--allow-empty", "-m", "scenario")
        status = subprocess.run(GIT + ["status", "--porcelain"], cwd=dest, check=True,
                                capture_output=True, text=True).stdout
        assert not status.strip(), "scenario not fully committed: %r" % status
    shutil.copyfile(os.path.join(project_dir, "base.testmondata"),
                    os.path.join(dest, ".testmondata"))


def covers(idx, node):
    """Whether tmdiff's ID `idx` (exact, prefix or bare file) names `node`."""
    if idx == node:
        return True
    return node.startswith(idx) and node[len(idx):][:2] in ("::",) or \
        (node.startswith(idx) and node[len(idx):][:1] == "[")


def expand(ids, collected, errored_files):
    """tmdiff's IDs -> (set of collected node IDs, IDs matching nothing,
    IDs inside files pytest cannot collect)."""
    out, unmatched, in_errors = set(), [], []
    for idx in ids:
        hit = [c for c in collected if covers(idx, c)]
        if hit:
            out.update(hit)
        elif idx.split("::")[0] in errored_files:
            in_errors.append(idx)
        else:
            unmatched.append(idx)
    return out, unmatched, in_errors


def run_tmdiff(tmdiff, root, extra):
    cmd = [tmdiff, "select", "--root", root, "--no-env-check", "--format", "json"] + extra
    p = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    return p


def ran_tests(tmdiff, root, python):
    """Runs `tmdiff run` with Debian's pytest; returns the node IDs that ran."""
    cmd = [tmdiff, "run", "--root", root, "--no-env-check", "--python-exe", python, "--",
           "-p", "no:cacheprovider", "-p", "no:randomly", "-q", "-rA"]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    p = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=env)
    ran = set()
    for line in p.stdout.splitlines():
        for word in ("PASSED ", "FAILED ", "XFAIL ", "XPASS ", "SKIPPED ", "ERROR "):
            if line.startswith(word):
                node = line[len(word):]
                if word == "FAILED " or word == "ERROR ":
                    node = node.split(" - ", 1)[0]
                ran.add(node.strip())
    return p.returncode, ran, p.stdout[-2000:] + p.stderr[-2000:]


inexact_as_empty = [0]
_stored = {}


def stored_names(project_dir):
    """The test names in the project's database (the kit's decoded dump)."""
    if project_dir not in _stored:
        with open(os.path.join(project_dir, "base.dump.json"), encoding="utf-8") as f:
            _stored[project_dir] = {t["test_name"] for t in json.load(f)["test_executions"]}
    return _stored[project_dir]


def check(args, project, scenario, commit):
    project_dir = os.path.join(args.shared, "conformance", "projects", project)
    scenario_dir = os.path.join(project_dir, "scenarios", scenario)
    with open(os.path.join(scenario_dir, "expected.json"), encoding="utf-8") as f:
        exp = json.load(f)
    want = exp if commit else exp["uncommitted"]
    label = "%s/%s (%s)" % (project, scenario, "committed" if commit else "uncommitted")
    problems = []
    tmp = tempfile.mkdtemp(prefix="tmdiff-e2e-")
    try:
        root = os.path.join(tmp, "repo")
        build_tree(project_dir, scenario_dir, root, commit)
        p = run_tmdiff(args.tmdiff, root, args.extra + (["--precise"] if args.precise else []))
        if p.returncode != 0:
            return label, ["tmdiff exited %d: %s" % (p.returncode, p.stderr.strip())], 0
        out = json.loads(p.stdout)
        got, unmatched, in_errors = expand(out["selected"], exp["collected"],
                                           set(exp["collection_errors"]))
        expected = set(want["selected"])
        if args.precise and not commit:
            # --precise drops the dedent of locally modified files: the
            # answer is the committed one, never more than testmon's.
            if not got <= expected:
                problems.append("--precise selects what testmon does not: %s" %
                                sorted(got - expected))
            expected = set(exp["selected"])
        missed = sorted(expected - got)
        extra = sorted(got - expected)
        if missed:
            problems.append("MISSED %s" % missed)
        if extra:
            problems.append("extra %s" % extra)
        if unmatched:
            problems.append("names nothing pytest collects: %s" % unmatched)
        if not args.no_changed_files:
            # "inexact" (tmdiff cannot prove what CPython's parser says) has
            # the effect of [] (no blocks: every dependant runs); counted.
            got_files = dict(out["changed_files"])
            for name, sums in got_files.items():
                if sums == "inexact" and want["changed_files"].get(name) == []:
                    got_files[name] = []
                    inexact_as_empty[0] += 1
            if got_files != want["changed_files"]:
                problems.append("changed_files %s != expected %s" %
                                (json.dumps(out["changed_files"])[:600],
                                 json.dumps(want["changed_files"])[:600]))
        if not args.precise:
            # --format deselect: the stable tests pytest should skip, i.e.
            # the stored tests still collected minus the selection.
            stored = stored_names(project_dir)
            d = subprocess.run([args.tmdiff, "select", "--root", root, "--no-env-check",
                                "--format", "deselect", "-0"] + args.extra, cwd=root,
                               capture_output=True, text=True)
            desel = set(d.stdout.split("\0")) - {""}
            want_desel = (set(exp["collected"]) & stored) - expected
            if d.returncode != 0 or not (want_desel <= desel <= stored) or desel & expected:
                problems.append("--format deselect: missing %s, wrong %s" %
                                (sorted(want_desel - desel)[:5],
                                 sorted((desel - stored) | (desel & expected))[:5]))
        if commit and not args.precise:
            # `tmdiff explain` agrees with the selection, for one selected
            # and one deselected test, and names the changed file it blames.
            ask = sorted(expected)[:1] + sorted(set(exp["collected"]) - expected)[:1]
            ep = subprocess.run([args.tmdiff, "explain", "--root", root, "--no-env-check"] +
                                args.extra + ask, cwd=root, capture_output=True, text=True)
            heads = {l.rsplit(": ", 1)[0]: l.rsplit(": ", 1)[1]
                     for l in ep.stdout.splitlines() if l and not l.startswith(" ")}
            for node in ask:
                want_head = "selected" if node in expected else "not selected"
                if heads.get(node) != want_head:
                    problems.append("explain %s: %r, expected %r" % (node, heads.get(node),
                                                                     want_head))
            blamed = [l for l in ep.stdout.splitlines() if l.startswith("  depends on ")]
            if any(not any(f in l for f in want["changed_files"]) for l in blamed):
                problems.append("explain blames a file that did not change: %s" % blamed)
            # --shard K/3: the parts are disjoint and together the selection.
            parts = []
            for k in (1, 2, 3):
                sp = subprocess.run([args.tmdiff, "select", "--root", root, "--no-env-check",
                                     "--shard", "%d/3" % k] + args.extra, cwd=root,
                                    capture_output=True, text=True)
                parts.append(sp.stdout.splitlines())
            flat = [i for part in parts for i in part]
            if sorted(flat) != sorted(out["selected"]) or len(set(flat)) != len(flat):
                problems.append("--shard K/3 parts %s do not partition the selection" %
                                [len(x) for x in parts])
        if args.pytest and not problems:
            rc, ran, log = ran_tests(args.tmdiff, root, args.python)
            expected_ran = expected
            errored = set(exp["collection_errors"])
            if errored:
                # pytest stops at collection errors, as it does under
                # `pytest --testmon` (which collects the affected broken
                # file too): the errors are reported and nothing else runs.
                expected_ran = errored
            if ran != expected_ran:
                problems.append("pytest ran %d tests, expected %d: missing %s extra %s\n%s" %
                                (len(ran), len(expected_ran), sorted(expected_ran - ran),
                                 sorted(ran - expected_ran), log))
        return label, problems, len(in_errors)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("kept", tmp)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tmdiff", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--project", action="append", help="only these projects")
    ap.add_argument("--scenario", action="append", help="only scenarios starting with these")
    ap.add_argument("--mode", choices=["committed", "uncommitted", "both"], default="both")
    ap.add_argument("--pytest", action="store_true", help="also run pytest via `tmdiff run`")
    ap.add_argument("--python", default="/usr/bin/python3",
                    help="interpreter with pytest for --pytest (Debian's python3-pytest)")
    ap.add_argument("--no-changed-files", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--precise", action="store_true",
                    help="run tmdiff --precise: uncommitted trees must give the committed "
                         "answer, a subset of testmon's")
    ap.add_argument("--extra", action="append", default=[], help="extra tmdiff argument")
    args = ap.parse_args()
    args.tmdiff = os.path.abspath(args.tmdiff)

    projects_dir = os.path.join(args.shared, "conformance", "projects")
    if not os.path.isdir(projects_dir):
        print("no conformance kit at", projects_dir)
        return 77
    modes = {"committed": [True], "uncommitted": [False], "both": [True, False]}[args.mode]
    if args.pytest and subprocess.run([args.python, "-c", "import pytest"],
                                      capture_output=True).returncode != 0:
        print("no pytest for", args.python)
        return 77
    # A fingerprint cache of this run only (shared by its scenarios, so hits
    # are exercised too), never the user's.
    cache = tempfile.mkdtemp(prefix="tmdiff-e2e-cache-")
    os.environ["XDG_CACHE_HOME"] = cache
    failures, total, errored = 0, 0, 0
    for project in sorted(os.listdir(projects_dir)):
        if args.project and project not in args.project:
            continue
        for scenario in sorted(os.listdir(os.path.join(projects_dir, project, "scenarios"))):
            if args.scenario and not any(scenario.startswith(s) for s in args.scenario):
                continue
            for commit in modes:
                label, problems, nerr = check(args, project, scenario, commit)
                total += 1
                errored += nerr
                if problems:
                    failures += 1
                    print("FAIL", label)
                    for prob in problems:
                        print("    ", prob)
                else:
                    print("ok  ", label)
    shutil.rmtree(cache, ignore_errors=True)
    print("%d of %d scenario runs match pytest-testmon (%d IDs in files pytest cannot collect, "
          "%d unparsable files reported inexact)" % (total - failures, total, errored,
                                                     inexact_as_empty[0]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
