#!/usr/bin/env python3
"""Benchmarks of the artifact store (issue 4).

1. Finding and fetching the nearest database among 50 candidates where only
   the 40th exists (39 commits back): concurrent look-ups (the default) against
   the same done one request at a time (TMDIFF_STORE_PARALLEL=1). Against
   store_server.py and nginx (the echo module's echo_sleep) answering after a
   simulated round trip (--rtt, default 20 ms), and nginx on loopback. Every
   run starts with an empty cache.
2. Warm cache: `tmdiff select --store DIR` against a plain `tmdiff select
   --db FILE` on the bundled invoicing project (the store must add < 10 ms),
   and `tmdiff fetch` alone.

usage: bench_store.py [--tmdiff PATH] [--runs N] [--rtt SECONDS] [--db-mb MB]
(tmdiff: --tmdiff, else $TMDIFF_BIN, else build/release/cli/tmdiff)
Prints markdown tables. Needs git, python3 and (for the nginx rows) nginx with
libnginx-mod-http-echo.
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from store_support import Nginx, PyServer, Skip, git, make_db  # noqa: E402


def linear_history(repo, n):
    """n commits through git fast-import (quick even for many)."""
    os.makedirs(repo)
    git(repo, "init", "-q", "-b", "main")
    lines = []
    for i in range(n):
        msg, data = f"c{i}", f"{i}"
        lines += ["commit refs/heads/main", f"mark :{i + 1}",
                  f"committer t <t@e> {1700000000 + i * 60} +0000", f"data {len(msg)}", msg]
        if i:
            lines.append(f"from :{i}")
        lines += ["M 644 inline f.txt", f"data {len(data)}", data]
    subprocess.run(["git", "-C", repo, "fast-import", "--quiet"], input="\n".join(lines) + "\n",
                   text=True, check=True)
    git(repo, "checkout", "-q", "-f", "main")
    return git(repo, "rev-list", "HEAD").split()


def cpu_children():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def timed(cmd, cwd, env, cpu=None):
    """Wall seconds and the result; appends the child's user+sys to `cpu`."""
    c = cpu_children()
    t = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if cpu is not None:
        cpu.append(cpu_children() - c)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip()}")
    return dt, r


def cold_fetches(tmdiff, repo, url, env, runs, parallel, tmp):
    times = []
    for i in range(runs):
        cache = os.path.join(tmp, f"cache-{parallel}-{i}")
        e = dict(env, XDG_CACHE_HOME=cache, TMDIFF_STORE_PARALLEL=str(parallel))
        dt, r = timed([tmdiff, "fetch", "--store", url], repo, e)
        if "commits back: 39" not in r.stdout:
            raise RuntimeError("unexpected fetch result: " + r.stdout)
        times.append(dt)
        shutil.rmtree(cache, ignore_errors=True)
    return statistics.median(times)


def warm_select(tmdiff, tmp, runs, env):
    """select --store (warm cache) against select --db on the example project."""
    src = os.path.join(ROOT, "examples", "invoicing")
    if not os.path.isdir(src):
        return None, "examples/invoicing missing"
    proj = os.path.join(tmp, "invoicing")
    shutil.copytree(src, proj)
    db = os.path.join(proj, ".testmondata")
    if not os.path.exists(db):
        return None, "examples/invoicing/.testmondata missing"
    saved = os.path.join(tmp, "recorded.testmondata")
    shutil.move(db, saved)
    for extra in (".testmondata-wal", ".testmondata-shm"):
        if os.path.exists(os.path.join(proj, extra)):
            os.unlink(os.path.join(proj, extra))
    git(proj, "init", "-q")
    git(proj, "add", "-A")
    git(proj, "commit", "-q", "-m", "base")
    store = os.path.join(tmp, "dirstore")
    e = dict(env, XDG_CACHE_HOME=os.path.join(tmp, "warm-cache"))
    timed([tmdiff, "publish", "--store", store, saved], proj, e)
    # A developer's three local commits: CI never saw them, so the nearest
    # database is 3 commits back and the warm path relies on the cache's
    # memory of those misses.
    for i in range(3):
        with open(os.path.join(proj, "NOTES.txt"), "a") as f:
            f.write(f"local change {i}\n")
        git(proj, "add", "NOTES.txt")
        git(proj, "commit", "-q", "-m", f"local {i}")
    timed([tmdiff, "fetch", "--store", store], proj, e)  # warms the cache
    _, r = timed([tmdiff, "fetch", "--store", store], proj, e)
    cached = [l.split(": ", 1)[1] for l in r.stdout.splitlines() if l.startswith("database: ")][0]
    plain, with_store, fetch_only = [], [], []
    cpu_plain, cpu_store, cpu_fetch = [], [], []
    for _ in range(runs):
        try:
            plain.append(timed([tmdiff, "select", "--no-env-check", "--db", cached], proj, e,
                               cpu_plain)[0])
            with_store.append(timed([tmdiff, "select", "--no-env-check", "--store", store], proj, e,
                                    cpu_store)[0])
        except RuntimeError as err:
            return None, str(err)
        fetch_only.append(timed([tmdiff, "fetch", "--store", store], proj, e, cpu_fetch)[0])
    med = statistics.median
    return ((med(plain), med(cpu_plain)), (med(with_store), med(cpu_store)),
            (med(fetch_only), med(cpu_fetch))), None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tmdiff", default=os.environ.get("TMDIFF_BIN") or
                    os.path.join(ROOT, "build", "release", "cli", "tmdiff"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rtt", type=float, default=0.02)
    ap.add_argument("--db-mb", type=float, default=2)
    args = ap.parse_args()
    tmdiff = os.path.abspath(args.tmdiff)
    tmp = tempfile.mkdtemp(prefix="tmdiff-bench-store-")
    env = dict(os.environ)
    for k in ("TMDIFF_STORE", "TMDIFF_STORE_TOKEN", "TESTMON_DATAFILE"):
        env.pop(k, None)
    servers = []
    try:
        repo = os.path.join(tmp, "repo")
        ids = linear_history(repo, 60)
        target = ids[39]
        rows = []
        py = PyServer(tmp, "--latency", str(args.rtt))
        servers.append(py)
        make_db(os.path.join(py.root, f"{target}.testmondata"), pad_bytes=int(args.db_mb * 2**20))
        conc = cold_fetches(tmdiff, repo, py.url, env, args.runs, 100, tmp)
        seq = cold_fetches(tmdiff, repo, py.url, env, max(1, args.runs // 2), 1, tmp)
        rows.append((f"store_server.py, {args.rtt * 1000:.0f} ms per request", conc, seq))
        try:
            ng = Nginx(tmp, delay=args.rtt)
            servers.append(ng)
            shutil.copy(os.path.join(py.root, f"{target}.testmondata"), ng.store)
            conc = cold_fetches(tmdiff, repo, ng.slow_url, env, args.runs, 100, tmp)
            seq = cold_fetches(tmdiff, repo, ng.slow_url, env, max(1, args.runs // 2), 1, tmp)
            rows.append((f"nginx, {args.rtt * 1000:.0f} ms per request (echo_sleep)", conc, seq))
            conc = cold_fetches(tmdiff, repo, ng.url, env, args.runs, 100, tmp)
            seq = cold_fetches(tmdiff, repo, ng.url, env, args.runs, 1, tmp)
            rows.append(("nginx on loopback", conc, seq))
        except Skip as e:
            rows.append((f"nginx: {e}", None, None))

        print(f"Nearest of 50 candidates, only the 40th published ({args.db_mb:g} MB database), "
              f"cold cache, median of {args.runs} runs:\n")
        print("| server | concurrent (default) | one request at a time | speed-up |")
        print("|---|---|---|---|")
        for name, c, s in rows:
            if c is None:
                print(f"| {name} | - | - | - |")
            else:
                print(f"| {name} | {c * 1000:.0f} ms | {s * 1000:.0f} ms | {s / c:.1f}x |")

        res, why = warm_select(tmdiff, tmp, max(args.runs * 4, 10), env)
        print(f"\nWarm cache, invoicing example, nearest database 3 commits back, "
              f"median of {max(args.runs * 4, 10)} runs, interleaved:\n")
        if res is None:
            print(f"(select unavailable: {why})")
        else:
            plain, with_store, fetch_only = res
            print("| command | wall | CPU (user+sys) |")
            print("|---|---|---|")
            print(f"| tmdiff select --db CACHED | {plain[0] * 1000:.1f} ms | {plain[1] * 1000:.1f} ms |")
            print(f"| tmdiff select --store DIR | {with_store[0] * 1000:.1f} ms | "
                  f"{with_store[1] * 1000:.1f} ms |")
            print(f"| added by --store | {(with_store[0] - plain[0]) * 1000:+.1f} ms | "
                  f"{(with_store[1] - plain[1]) * 1000:+.1f} ms |")
            print(f"| tmdiff fetch (warm) | {fetch_only[0] * 1000:.1f} ms | {fetch_only[1] * 1000:.1f} ms |")
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
