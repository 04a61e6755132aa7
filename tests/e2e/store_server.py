#!/usr/bin/env python3
"""A misbehaving artifact store for the store tests: serves files from --root
over HTTP/1.1 (HEAD, GET, PUT) with faults chosen on the command line.

  --token T        answer 401 unless "Authorization: Bearer T" is sent
  --basic U:P      answer 401 unless HTTP basic auth with U:P is sent
  --fail-first N   answer 500 to the first N requests for each path
  --truncate       GET sends the full Content-Length, half the body, then closes
  --stall S        GET sends the headers, then nothing for S seconds
  --trickle BPS    GET sends the body at about BPS bytes a second
  --latency S      every answer waits S seconds first (a far-away server)

Prints its port on the first line of stdout, then logs one line per request
("METHOD PATH STATUS") to --log.
"""
import argparse
import base64
import http.server
import os
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--token")
    ap.add_argument("--basic")
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--truncate", action="store_true")
    ap.add_argument("--stall", type=float, default=0)
    ap.add_argument("--trickle", type=int, default=0)
    ap.add_argument("--latency", type=float, default=0)
    ap.add_argument("--log", default=os.devnull)
    args = ap.parse_args()
    lock = threading.Lock()
    seen = {}
    log = open(args.log, "a", buffering=1)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def answer(self, status, body=b"", length=None):
            with lock:
                log.write(f"{self.command} {self.path} {status}\n")
            self.send_response(status)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            self.end_headers()
            if self.command != "HEAD" and body:
                self.wfile.write(body)

        def gate(self):
            """Applies latency, token and fail-first; True when the request may proceed."""
            if args.latency:
                time.sleep(args.latency)
            want = None
            if args.token:
                want = f"Bearer {args.token}"
            elif args.basic:
                want = "Basic " + base64.b64encode(args.basic.encode()).decode()
            if want and self.headers.get("Authorization") != want:
                self.answer(401, b"token required\n")
                return False
            with lock:
                n = seen.get(self.path, 0)
                seen[self.path] = n + 1
            if n < args.fail_first:
                self.answer(500, b"try again\n")
                return False
            return True

        def local(self):
            name = os.path.basename(self.path.split("?")[0])
            return os.path.join(args.root, name)

        def do_HEAD(self):
            self.do_GET()

        def do_GET(self):
            if not self.gate():
                return
            path = self.local()
            if not os.path.isfile(path):
                self.answer(404, b"not found\n")
                return
            data = open(path, "rb").read()
            if self.command == "HEAD":
                self.answer(200, data)
                return
            with lock:
                log.write(f"GET {self.path} 200\n")
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if args.stall:
                self.wfile.flush()
                time.sleep(args.stall)
            if args.truncate:
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            if args.trickle:
                step = max(1, args.trickle // 20)
                for i in range(0, len(data), step):
                    self.wfile.write(data[i : i + step])
                    self.wfile.flush()
                    time.sleep(step / args.trickle)
                return
            self.wfile.write(data)

        def do_PUT(self):
            if not self.gate():
                return
            n = int(self.headers.get("Content-Length", "0"))
            data = self.rfile.read(n)
            path = self.local()
            with open(path + ".part", "wb") as f:
                f.write(data)
            os.replace(path + ".part", path)
            self.answer(201)

        def do_DELETE(self):
            if not self.gate():
                return
            try:
                os.unlink(self.local())
                self.answer(204)
            except FileNotFoundError:
                self.answer(404)

    class Server(http.server.ThreadingHTTPServer):
        request_queue_size = 256  # tmdiff connects up to 100 at once
        daemon_threads = True

        def handle_error(self, request, client_address):
            # tmdiff drops look-ups it no longer needs: not an error here.
            if not isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError)):
                super().handle_error(request, client_address)

    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
