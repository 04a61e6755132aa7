#!/usr/bin/env python3
"""End-to-end tests of `tmdiff fetch` and `tmdiff publish` against real
servers on loopback (nginx with WebDAV; store_server.py for faults) and
directory stores.

usage: store_e2e.py TMDIFF [CASE-PREFIX...]   exit 0 when every case passed
"""
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from store_support import (Nginx, PyServer, Skip, commit, db_marker, fetched, git,
                           history_with_merges, make_db, rev_list, run)

TMDIFF = None
HERE_E2E = os.path.dirname(os.path.abspath(__file__))
CASES = []


def case(fn):
    CASES.append(fn)
    return fn


class Ctx:
    def __init__(self, tmp):
        self.tmp = tmp
        self.repo = os.path.join(tmp, "repo")
        self.ids = history_with_merges(self.repo)
        self.home = os.path.join(tmp, "home")
        os.makedirs(self.home)
        self.env = dict(os.environ, HOME=self.home, XDG_CACHE_HOME=os.path.join(tmp, "cache"),
                        TMDIFF_STORE_RETRIES="2")
        for k in ("TMDIFF_STORE", "TMDIFF_STORE_TOKEN", "TESTMON_DATAFILE", "NETRC"):
            self.env.pop(k, None)
        self.servers = []

    def tmdiff(self, *args, env=None, timeout=60):
        return run(TMDIFF, list(args), self.repo, dict(self.env, **(env or {})), timeout)

    def cache_files(self, pattern="*.testmondata"):
        return glob.glob(os.path.join(self.tmp, "cache", "tmdiff", "stores", "*", pattern))

    def serve(self, server):
        self.servers.append(server)
        return server

    def close(self):
        for s in self.servers:
            s.stop()


def check(cond, what, r=None):
    if not cond:
        detail = f"\n  exit {r.returncode}\n  stdout: {r.stdout!r}\n  stderr: {r.stderr!r}" if r else ""
        raise AssertionError(what + detail)


def put_db(folder, commit, marker, compressed=False, version=14, pad=0):
    path = os.path.join(folder, f"{commit}.testmondata")
    make_db(path, version=version, marker=marker, pad_bytes=pad)
    if compressed:
        subprocess.run(["zstd", "-q", "-f", "--rm", path, "-o", path + ".zst"], check=True)
    return path


def expect_nearest(c, store, published):
    """fetch finds the first commit of `git rev-list HEAD` that has a database."""
    order = rev_list(c.repo)
    want = next(i for i, x in enumerate(order) if x in published)
    r = c.tmdiff("fetch", "--store", store)
    check(r.returncode == 0, "fetch failed", r)
    commit, back, path = fetched(r.stdout)
    check(commit == order[want] and back == want, f"found {commit} {back}, want {order[want]} {want}", r)
    check(db_marker(path) == f"test_{published[commit]}.py::t", "the cached file is another database")
    return commit, back, path


# ---- HTTP: nginx with WebDAV ---------------------------------------------------

@case
def http_nearest_across_merges(c):
    ng = c.serve(Nginx(c.tmp))
    # a0 and b0 (side branch, reached through the merge's second parent) hold
    # databases; b0 is newer than a1 so rev-list lists it first.
    published = {c.ids["a0"]: "a0", c.ids["b0"]: "b0"}
    for cm, m in published.items():
        put_db(ng.store, cm, m)
    commit, back, _ = expect_nearest(c, ng.url, published)
    check(commit == c.ids["b0"], "the side branch's commit was not found across the merge")
    # Looked up concurrently: only HEAD requests before the one GET.
    reqs = ng.requests()
    check(sum('"GET ' in x for x in reqs) == 1, f"expected one GET, got {reqs}")


@case
def http_404_everywhere(c):
    ng = c.serve(Nginx(c.tmp))
    r = c.tmdiff("fetch", "--store", ng.url)
    check(r.returncode == 1 and r.stdout == "", "fetch without databases must exit 1", r)
    check("no database for any of the 7 commits" in r.stderr and "run every test" in r.stderr,
          "the message must say nothing was found and to run everything", r)


@case
def http_publish_fetch_plain(c):
    ng = c.serve(Nginx(c.tmp))
    make_db(os.path.join(c.repo, ".testmondata"), marker="head")
    r = c.tmdiff("publish", "--store", ng.url)
    check(r.returncode == 0, "publish failed", r)
    head = c.ids["a4"]
    stored = os.path.join(ng.store, f"{head}.testmondata")
    check(os.path.exists(stored), "nginx did not receive the PUT")
    check(db_marker(stored) == "test_head.py::t", "stored database differs")
    with open(stored, "rb") as f:
        check(f.read(20)[18:20] == b"\x01\x01", "stored file must not need a -wal (rollback mode)")
    commit_next(c)
    commit, back, path = fetched(c.tmdiff("fetch", "--store", ng.url).stdout)
    check(commit == head and back == 1 and db_marker(path) == "test_head.py::t", "round trip failed")


@case
def http_publish_fetch_zstd(c):
    ng = c.serve(Nginx(c.tmp))
    make_db(os.path.join(c.repo, ".testmondata"), marker="z", pad_bytes=200000)
    r = c.tmdiff("publish", "--zstd", "--store", ng.url)
    check(r.returncode == 0, "publish --zstd failed", r)
    head = c.ids["a4"]
    check(os.path.exists(os.path.join(ng.store, f"{head}.testmondata.zst")), "no .zst stored")
    check(not os.path.exists(os.path.join(ng.store, f"{head}.testmondata")), "plain form left")
    r = c.tmdiff("fetch", "--store", ng.url)
    commit, back, path = fetched(r.stdout)
    check(commit == head and back == 0 and db_marker(path) == "test_z.py::t", "zstd round trip", r)


@case
def http_publish_refuses_dirty_tree(c):
    ng = c.serve(Nginx(c.tmp))
    make_db(os.path.join(c.repo, ".testmondata"))
    with open(os.path.join(c.repo, "a.py"), "a") as f:
        f.write("changed\n")
    r = c.tmdiff("publish", "--store", ng.url)
    check(r.returncode == 1 and "tracked files differ" in r.stderr, "dirty tree must be refused", r)
    check(os.listdir(ng.store) == [], "nothing may be stored")
    r = c.tmdiff("publish", "--force", "--store", ng.url)
    check(r.returncode == 0 and len(os.listdir(ng.store)) == 1, "--force publishes", r)


@case
def http_warm_cache_no_requests(c):
    ng = c.serve(Nginx(c.tmp))
    put_db(ng.store, c.ids["a1"], "a1")
    first = c.tmdiff("fetch", "--store", ng.url)
    n = len(ng.requests())
    second = c.tmdiff("fetch", "--store", ng.url)
    check(first.returncode == 0 and second.stdout == first.stdout, "warm fetch differs", second)
    check(len(ng.requests()) == n, "a warm cache must not ask the server again")
    # --refresh asks again, and finds a nearer database published meanwhile.
    put_db(ng.store, c.ids["a4"], "a4")
    r = c.tmdiff("fetch", "--refresh", "--store", ng.url)
    check(fetched(r.stdout)[:2] == (c.ids["a4"], 0), "--refresh must find the new database", r)


# ---- HTTP: faults from store_server.py ---------------------------------------

@case
def http_500_then_success(c):
    py = c.serve(PyServer(c.tmp, "--fail-first", "1"))
    put_db(py.root, c.ids["a2"], "a2")
    r = c.tmdiff("fetch", "--store", py.url)
    check(r.returncode == 0 and fetched(r.stdout)[0] == c.ids["a2"], "retry after 500 failed", r)
    check(any(" 500" in x for x in py.requests()), "the server never answered 500")
    commit_next(c)  # a path the server has not answered yet
    make_db(os.path.join(c.repo, ".testmondata"), marker="put")
    r = c.tmdiff("publish", "--store", py.url)
    check(r.returncode == 0 and db_marker(os.path.join(py.root, c.ids["a5"] + ".testmondata"))
          == "test_put.py::t", "a PUT answered 500 first is retried", r)
    check(any(x.startswith("PUT ") and x.endswith(" 500") for x in py.requests()), "no PUT 500 seen")


@case
def http_500_always(c):
    py = c.serve(PyServer(c.tmp, "--fail-first", "1000"))
    put_db(py.root, c.ids["a2"], "a2")
    r = c.tmdiff("fetch", "--store", py.url + "?sig=secret")
    check(r.returncode == 1, "a server that always fails must fail the fetch", r)
    check(py.url in r.stderr and "HTTP 500 after 3 attempts" in r.stderr,
          "the error names the URL and the status", r)
    check("secret" not in r.stderr, "the query (credentials) must not be shown", r)


@case
def http_truncated_body(c):
    py = c.serve(PyServer(c.tmp, "--truncate"))
    put_db(py.root, c.ids["a4"], "a4", pad=50000)
    r = c.tmdiff("fetch", "--store", py.url)
    check(r.returncode == 1 and py.url in r.stderr, "a cut body must fail, naming the URL", r)
    check(c.cache_files() == [], "nothing may be cached")
    check(c.cache_files(".tmp-*") == [], "no temporary file may remain")


@case
def http_slow_server_timeout(c):
    py = c.serve(PyServer(c.tmp, "--stall", "20"))
    put_db(py.root, c.ids["a4"], "a4")
    t = time.time()
    r = c.tmdiff("fetch", "--store", py.url, env={"TMDIFF_STORE_TIMEOUT": "1",
                                                   "TMDIFF_STORE_RETRIES": "1"})
    took = time.time() - t
    check(r.returncode == 1 and "timed out" in r.stderr.lower() and "TMDIFF_STORE_TIMEOUT" in r.stderr,
          "a stalled server must time out with a hint", r)
    check(took < 10, f"timeout took {took:.1f}s")
    check(c.cache_files() == [], "nothing may be cached")


@case
def http_corrupt_database_rejected(c):
    py = c.serve(PyServer(c.tmp))
    with open(os.path.join(py.root, f"{c.ids['a4']}.testmondata"), "wb") as f:
        f.write(b"<html>not a database</html>" * 100)
    put_db(py.root, c.ids["M"], "old", version=12)
    r = c.tmdiff("fetch", "--store", py.url)
    check(r.returncode == 1 and "rejected, not cached" in r.stderr and "not a SQLite" in r.stderr,
          "garbage must be rejected", r)
    check(c.cache_files() == [] and c.cache_files(".tmp-*") == [], "nothing may be cached")
    os.unlink(os.path.join(py.root, f"{c.ids['a4']}.testmondata"))
    r = c.tmdiff("fetch", "--store", py.url, "--refresh")
    check(r.returncode == 1 and "data version 12" in r.stderr, "version 12 must be rejected", r)


@case
def http_token_required(c):
    py = c.serve(PyServer(c.tmp, "--token", "s3cr3t-token"))
    put_db(py.root, c.ids["a4"], "a4")
    r = c.tmdiff("fetch", "--store", py.url)
    check(r.returncode == 1 and "HTTP 401" in r.stderr and "TMDIFF_STORE_TOKEN" in r.stderr,
          "a missing token must be named", r)
    r = c.tmdiff("fetch", "--store", py.url, env={"TMDIFF_STORE_TOKEN": "wrong-token"})
    check(r.returncode == 1 and "wrong-token" not in r.stderr + r.stdout, "token leaked", r)
    r = c.tmdiff("fetch", "--store", py.url, env={"TMDIFF_STORE_TOKEN": "s3cr3t-token"})
    check(r.returncode == 0 and fetched(r.stdout)[0] == c.ids["a4"], "the token must be sent", r)
    check("s3cr3t" not in r.stderr + r.stdout, "token leaked")
    make_db(os.path.join(c.repo, ".testmondata"), marker="p")
    r = c.tmdiff("publish", "--store", py.url, "--force", env={"TMDIFF_STORE_TOKEN": "s3cr3t-token"})
    check(r.returncode == 0, "publish with a token", r)


@case
def http_netrc_basic_auth(c):
    py = c.serve(PyServer(c.tmp, "--basic", "ci:pa55word"))
    put_db(py.root, c.ids["a4"], "a4")
    r = c.tmdiff("fetch", "--store", py.url)
    check(r.returncode == 1 and "HTTP 401" in r.stderr, "no credentials: 401", r)
    netrc = os.path.join(c.home, ".netrc")
    with open(netrc, "w") as f:
        f.write("machine 127.0.0.1 login ci password pa55word\n")
    os.chmod(netrc, 0o600)
    r = c.tmdiff("fetch", "--store", py.url)
    check(r.returncode == 0 and fetched(r.stdout)[0] == c.ids["a4"], "~/.netrc must be used", r)
    os.unlink(netrc)
    fresh = {"XDG_CACHE_HOME": os.path.join(c.tmp, "cache2")}
    n = len(py.requests())
    r = c.tmdiff("fetch", "--store", py.url.replace("//", "//ci:pa55word@"), env=fresh)
    check(r.returncode == 0 and "pa55word" not in r.stdout + r.stderr, "password in the URL", r)
    check(len(py.requests()) > n, "the second cache must have asked the server")
    r = c.tmdiff("fetch", "--store", py.url.replace("//", "//ci:wrong@"), env=dict(
        fresh, XDG_CACHE_HOME=os.path.join(c.tmp, "cache3")))
    check(r.returncode == 1 and "wrong" not in r.stderr and py.url in r.stderr, "URL shown clean", r)


@case
def http_progress_bar_on_a_terminal(c):
    if not shutil.which("script"):
        raise Skip("script(1) is not installed (util-linux)")
    py = c.serve(PyServer(c.tmp, "--trickle", "4000000"))
    put_db(py.root, c.ids["a4"], "big", pad=3000000)
    put_db(py.root, c.ids["M"], "small")
    # stderr a terminal (script's pty), stdout a file: the bar goes to stderr only.
    out = os.path.join(c.tmp, "stdout.txt")
    cmd = f"{TMDIFF} fetch --store {py.url} > {out}"
    r = subprocess.run(["script", "-qec", cmd, "/dev/null"], cwd=c.repo, env=c.env,
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and "downloading [" in r.stdout and "100%" in r.stdout,
          "a bar on the terminal for a 3 MB download", r)
    with open(out) as f:
        check("downloading" not in f.read(), "stdout must stay clean")
    # Under 1 MB: no bar.
    r = subprocess.run(["script", "-qec", f"{TMDIFF} fetch --store {py.url} --rev {c.ids['M']} > {out}",
                        "/dev/null"], cwd=c.repo, env=c.env, capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and "downloading" not in r.stdout, "no bar for a small database", r)
    # Not a terminal: no bar.
    os.unlink(c.cache_files(c.ids["a4"] + ".testmondata")[0])
    n = len(py.requests())
    r = c.tmdiff("fetch", "--store", py.url)
    check(r.returncode == 0 and "downloading" not in r.stderr, "no bar without a terminal", r)
    check(any(x.startswith("GET ") for x in py.requests()[n:]), "it downloaded again")


@case
def http_concurrent_fetches(c):
    py = c.serve(PyServer(c.tmp, "--trickle", "2000000"))
    put_db(py.root, c.ids["a4"], "a4", pad=1500000)
    procs = [subprocess.Popen([TMDIFF, "fetch", "--store", py.url], cwd=c.repo, env=c.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=60) for p in procs]
    check(all(p.returncode == 0 for p in procs), f"concurrent fetch failed: {outs}")
    paths = {fetched(o[0])[2] for o in outs}
    check(len(paths) == 1 and db_marker(paths.pop()) == "test_a4.py::t", "different results")
    gets = [x for x in py.requests() if x.startswith("GET ")]
    check(len(gets) == 1, f"the database was downloaded {len(gets)} times")


@case
def http_sigint_leaves_valid_cache(c):
    slow = c.serve(PyServer(c.tmp, "--trickle", "1000000"))
    put_db(slow.root, c.ids["a4"], "a4", pad=4000000)
    p = subprocess.Popen([TMDIFF, "fetch", "--store", slow.url], cwd=c.repo, env=c.env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 20
    while time.time() < deadline and not c.cache_files(".tmp-*"):
        time.sleep(0.05)
    time.sleep(0.5)
    check(c.cache_files(".tmp-*") != [], "the download never started")
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=20)
    check(p.returncode != 0, "fetch must not succeed after SIGINT")
    check(c.cache_files() == [], "a half download got a final name")
    slow.stop()
    # The same cache, a healthy server: the fetch succeeds and the dead
    # process's temporary file is swept.
    fast = c.serve(PyServer(c.tmp))
    r = c.tmdiff("fetch", "--store", slow.url.replace(str(slow.port), str(fast.port)))
    check(r.returncode == 0 and db_marker(fetched(r.stdout)[2]) == "test_a4.py::t",
          "fetch after SIGINT", r)


# ---- directory stores --------------------------------------------------------

@case
def dir_nearest_across_merges(c):
    store = os.path.join(c.tmp, "share")
    os.makedirs(store)
    published = {c.ids["a1"]: "a1", c.ids["b1"]: "b1"}
    put_db(store, c.ids["a1"], "a1")
    put_db(store, c.ids["b1"], "b1", compressed=True)
    commit, _, _ = expect_nearest(c, store, published)
    check(commit == c.ids["b1"], "the merged branch's .zst was not found")


@case
def dir_publish_fetch_plain_and_zstd(c):
    store = os.path.join(c.tmp, "share", "nested")
    make_db(os.path.join(c.repo, ".testmondata"), marker="plain")
    r = c.tmdiff("publish", "--store", "file://" + store)
    check(r.returncode == 0 and os.path.exists(os.path.join(store, c.ids["a4"] + ".testmondata")),
          "publish to a directory", r)
    commit, back, path = fetched(c.tmdiff("fetch", "--store", store).stdout)
    check((commit, back) == (c.ids["a4"], 0) and db_marker(path) == "test_plain.py::t", "dir plain")
    make_db(os.path.join(c.repo, ".testmondata"), marker="zz")
    git(c.repo, "checkout", "-q", c.ids["M"])  # detached HEAD
    r = c.tmdiff("publish", "--zstd", "--store", store)
    check(r.returncode == 0 and os.path.exists(os.path.join(store, c.ids["M"] + ".testmondata.zst")),
          "publish --zstd from a detached HEAD", r)
    r = c.tmdiff("fetch", "--store", store, "--rev", c.ids["a4"], "--refresh")
    check(fetched(r.stdout)[:2] == (c.ids["a4"], 0), "--rev", r)
    git(c.repo, "checkout", "-q", "main")
    commit_next(c)
    r = c.tmdiff("fetch", "--store", store, "--rev", "HEAD~1")
    check(fetched(r.stdout)[:2] == (c.ids["a4"], 0), "HEAD~1", r)
    wt = os.path.join(c.tmp, "linked")
    git(c.repo, "worktree", "add", "-q", "--detach", wt, c.ids["a5"])
    r = run(TMDIFF, ["fetch", "--store", store], wt, c.env)
    check(fetched(r.stdout)[:2] == (c.ids["a4"], 1) and db_marker(fetched(r.stdout)[2]) == "test_plain.py::t",
          "a linked worktree finds its nearest", r)
    git(wt, "checkout", "-q", "--detach", c.ids["b1"])
    r = run(TMDIFF, ["fetch", "--store", store], wt, c.env)
    check(r.returncode == 1, "b1 has no published ancestor", r)


@case
def dir_corrupt_and_missing(c):
    store = os.path.join(c.tmp, "share")
    os.makedirs(store)
    path = put_db(store, c.ids["a4"], "a4", pad=20000)
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)
    r = c.tmdiff("fetch", "--store", store)
    check(r.returncode == 1 and "truncated" in r.stderr and c.cache_files() == [],
          "a cut file in a directory store must be rejected", r)
    r = c.tmdiff("fetch", "--store", os.path.join(c.tmp, "nowhere"))
    check(r.returncode == 1 and "does not exist" in r.stderr, "a missing store folder is named", r)


@case
def dir_larger_than_the_cache(c):
    store = os.path.join(c.tmp, "share")
    os.makedirs(store)
    put_db(store, c.ids["a4"], "big", compressed=True, pad=1500000)
    r = c.tmdiff("fetch", "--store", store, env={"TMDIFF_CACHE_MB": "1"})
    check(r.returncode == 1 and "larger than the cache's 1 MB" in r.stderr, "size limit", r)
    check(c.cache_files() == [] and c.cache_files(".tmp-*") == [], "nothing may be cached")
    r = c.tmdiff("fetch", "--store", store, env={"TMDIFF_CACHE_MB": "4"})
    check(r.returncode == 0, "within the limit", r)


@case
def dir_shallow_clone(c):
    store = os.path.join(c.tmp, "share")
    os.makedirs(store)
    put_db(store, c.ids["a0"], "a0")
    clone = os.path.join(c.tmp, "shallow")
    subprocess.run(["git", "clone", "-q", "--depth", "2", "file://" + c.repo, clone], check=True)
    r = run(TMDIFF, ["fetch", "--store", store], clone, c.env)
    check(r.returncode == 1 and "shallow" in r.stderr and "git fetch --deepen" in r.stderr,
          "a shallow clone must say where the search stopped", r)


@case
def dir_cache_eviction(c):
    store = os.path.join(c.tmp, "share")
    os.makedirs(store)
    order = rev_list(c.repo)
    for i, cm in enumerate(order[:4]):
        put_db(store, cm, f"c{i}")
    env = {"TMDIFF_CACHE_ENTRIES": "2"}
    for cm in reversed(order[:4]):
        r = c.tmdiff("fetch", "--store", store, "--rev", cm, env=env)
        check(r.returncode == 0, "fetch", r)
        time.sleep(1.1)  # distinct mtimes: eviction goes by last use
    names = sorted(os.path.basename(p)[:40] for p in c.cache_files())
    check(names == sorted(order[:2]), f"eviction kept {names}")


@case
def dir_select_store(c):
    """select --store selects exactly what select --db does with the fetched
    database; without one it exits 1 and says to run everything."""
    src = os.path.join(os.path.dirname(os.path.dirname(HERE_E2E)), "examples", "invoicing")
    if not os.path.exists(os.path.join(src, ".testmondata")):
        raise Skip("examples/invoicing is not there")
    proj = os.path.join(c.tmp, "invoicing")
    shutil.copytree(src, proj)
    recorded = os.path.join(c.tmp, "recorded.testmondata")
    shutil.move(os.path.join(proj, ".testmondata"), recorded)
    git(proj, "init", "-q")
    git(proj, "add", "-A")
    git(proj, "commit", "-q", "-m", "CI")
    store = os.path.join(c.tmp, "share")
    os.makedirs(store)
    env = c.env
    r = run(TMDIFF, ["select", "--no-env-check", "--store", store], proj, env)
    check(r.returncode == 1 and r.stdout == "" and "run every test" in r.stderr,
          "no database: exit 1, run everything", r)
    r = run(TMDIFF, ["publish", "--store", store, recorded], proj, env)
    check(r.returncode == 0, "publish", r)
    tax = os.path.join(proj, "invoicing", "tax.py")
    with open(tax) as f:
        text = f.read()
    edited = text.replace("    return amount + amount * (rate / 100)\n",
                          "    tax = amount * (rate / 100)\n    return amount + tax\n")
    check(edited != text, "the example changed: adapt the edit")
    with open(tax, "w") as f:
        f.write(edited)
    git(proj, "commit", "-q", "-am", "local change")
    direct = run(TMDIFF, ["select", "--no-env-check", "--db", recorded], proj, env)
    via = run(TMDIFF, ["select", "--no-env-check", "--store", store], proj, env)
    check(direct.returncode == 0 and via.returncode == 0 and via.stdout == direct.stdout,
          f"--store must select what --db selects:\n{direct.stdout}", via)
    check(len(via.stdout.split()) > 1, "the edit must select tests", via)


def commit_next(c):
    """One more commit on top of HEAD."""
    c.ids["a5"] = commit(c.repo, "a.py", 1700)


def main():
    global TMDIFF
    TMDIFF = os.path.abspath(sys.argv[1])
    prefixes = sys.argv[2:]
    failed = ran = 0
    for fn in CASES:
        if prefixes and not any(fn.__name__.startswith(p) for p in prefixes):
            continue
        tmp = tempfile.mkdtemp(prefix="tmdiff-store-")
        c = None
        t = time.time()
        try:
            c = Ctx(tmp)
            fn(c)
            ran += 1
            print(f"PASS {fn.__name__} ({time.time() - t:.1f}s)", flush=True)
        except Skip as e:
            print(f"SKIP {fn.__name__}: {e}", flush=True)
        except Exception as e:  # noqa: BLE001 -- report every case
            failed += 1
            print(f"FAIL {fn.__name__}: {type(e).__name__}: {e}", flush=True)
        finally:
            if c:
                c.close()
            shutil.rmtree(tmp, ignore_errors=True)
    if failed:
        return 1
    return 0 if ran else 77


if __name__ == "__main__":
    sys.exit(main())
