"""Helpers for the store tests: git histories, testmon-shaped databases,
nginx (WebDAV) and the misbehaving Python server, each on a free loopback
port and owned by the test process."""
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def git(repo, *args, date=None):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org")
    if date is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{date} +0000"
    out = subprocess.run(["git", "-C", repo, *args], env=env, check=True,
                         capture_output=True, text=True)
    return out.stdout.strip()


def commit(repo, name, date):
    with open(os.path.join(repo, name), "a") as f:
        f.write(f"{name} {date}\n")
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", f"{name}@{date}", date=date)
    return git(repo, "rev-parse", "HEAD")


def history_with_merges(repo):
    """main: a0-a1-a2-----M-a4   (M merges side b0-b1 forked at a1, b1 newer
    than a2), plus an .gitignore for .testmondata. Returns names -> ids."""
    os.makedirs(repo)
    git(repo, "init", "-q", "-b", "main")
    with open(os.path.join(repo, ".gitignore"), "w") as f:
        f.write(".testmondata*\n")
    ids = {}
    ids["a0"] = commit(repo, ".gitignore", 1000)
    ids["a1"] = commit(repo, "a.py", 1100)
    git(repo, "checkout", "-q", "-b", "side")
    ids["b0"] = commit(repo, "b.py", 1200)
    ids["b1"] = commit(repo, "b.py", 1400)
    git(repo, "checkout", "-q", "main")
    ids["a2"] = commit(repo, "a.py", 1300)
    git(repo, "merge", "-q", "--no-ff", "-m", "merge side", "side", date=1500)
    ids["M"] = git(repo, "rev-parse", "HEAD")
    ids["a4"] = commit(repo, "a.py", 1600)
    return ids


def rev_list(repo, rev="HEAD"):
    return git(repo, "rev-list", rev).split()


def make_db(path, version=14, marker="x", pad_bytes=0):
    """A database shaped like testmon's (the tables tmdiff reads)."""
    if os.path.exists(path):
        os.unlink(path)
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE environment (id INTEGER PRIMARY KEY, environment_name TEXT,
                                  system_packages TEXT, python_version TEXT);
        CREATE TABLE test_execution (id INTEGER PRIMARY KEY, environment_id INTEGER,
                                     test_name TEXT, duration FLOAT, failed BIT, forced BIT);
        CREATE TABLE file_fp (id INTEGER PRIMARY KEY, filename TEXT, method_checksums BLOB,
                              mtime FLOAT, fsha TEXT);
        CREATE TABLE test_execution_file_fp (test_execution_id INTEGER, fingerprint_id INTEGER);
        CREATE TABLE metadata (dataid TEXT PRIMARY KEY, data TEXT);
        CREATE TABLE padding (data BLOB);
    """)
    db.execute("INSERT INTO environment VALUES (1, 'default', '', '3.11.7')")
    db.execute("INSERT INTO test_execution VALUES (1, 1, ?, 0.1, 0, 0)", (f"test_{marker}.py::t",))
    if pad_bytes:
        # Incompressible, so a .zst is as large as the database.
        db.execute("INSERT INTO padding VALUES (?)", (os.urandom(pad_bytes),))
    db.execute(f"PRAGMA user_version = {version}")
    db.commit()
    db.execute("PRAGMA journal_mode = WAL")
    db.close()


def db_marker(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute("SELECT test_name FROM test_execution").fetchone()[0]
    finally:
        db.close()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


class Skip(Exception):
    """A case that cannot run here (a tool is missing)."""


def nginx_binary():
    import shutil
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if not found:
        raise Skip("nginx is not installed (apt-get install nginx-light)")
    return found


class Nginx:
    """nginx with WebDAV PUT/DELETE under /store/, as this process's child."""

    ECHO_MODULE = "/usr/lib/nginx/modules/ngx_http_echo_module.so"

    def __init__(self, tmp, delay=0.0):
        """delay > 0: also serve the store under /slowstore/, each answer
        delayed that many seconds (a far-away store; needs the echo module)."""
        binary = nginx_binary()
        if delay and not os.path.exists(self.ECHO_MODULE):
            raise Skip("nginx's echo module is not installed (libnginx-mod-http-echo)")
        slow_module = f"load_module {self.ECHO_MODULE};" if delay else ""
        slow_location = (f"location ~ ^/slowstore/(.*)$ {{ echo_sleep {delay}; echo_exec /store/$1; }}"
                         if delay else "")
        self.dir = os.path.join(tmp, "nginx")
        self.www = os.path.join(self.dir, "www")
        self.store = os.path.join(self.www, "store")
        os.makedirs(self.store)
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
            os.makedirs(os.path.join(self.dir, sub))
        for attempt in range(3):
            self.port = free_port()
            conf = os.path.join(self.dir, "nginx.conf")
            d = self.dir
            with open(conf, "w") as f:
                f.write(f"""{slow_module}
daemon off; master_process off; worker_processes 1;
pid {d}/nginx.pid; error_log {d}/logs/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log {d}/logs/access.log;
  client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
  server {{
    listen 127.0.0.1:{self.port};
    root {self.www};
    location /store/ {{
      dav_methods PUT DELETE; create_full_put_path on; client_max_body_size 0;
      dav_access user:rw group:r all:r;
    }}
    {slow_location}
  }}
}}
""")
            self.proc = subprocess.Popen([binary, "-p", d, "-e", f"{d}/logs/error.log", "-c", conf],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if wait_port(self.port, self.proc):
                self.url = f"http://127.0.0.1:{self.port}/store"
                self.slow_url = f"http://127.0.0.1:{self.port}/slowstore"
                return
            self.stop()
        raise RuntimeError("nginx did not start: " + open(f"{self.dir}/logs/error.log").read())

    def requests(self):
        with open(os.path.join(self.dir, "logs", "access.log")) as f:
            return f.read().splitlines()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


class PyServer:
    """store_server.py with the given faults, as this process's child."""

    def __init__(self, tmp, *faults):
        self.root = os.path.join(tmp, "pystore")
        os.makedirs(self.root, exist_ok=True)
        self.log = os.path.join(tmp, "pyserver.log")
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "store_server.py"),
                                      "--root", self.root, "--log", self.log, *faults],
                                     stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())
        self.url = f"http://127.0.0.1:{self.port}/store"

    def requests(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return f.read().splitlines()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def run(tmdiff, args, cwd, env, timeout=60):
    return subprocess.run([tmdiff, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def fetched(out):
    """commit, commits back, database path from `tmdiff fetch`'s stdout."""
    fields = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    return fields.get("commit"), int(fields.get("commits back", "-1")), fields.get("database")
