"""Reusable helpers for integration tests: free ports, hiksim processes
and a receiver that records what cameras push.

Python 3 standard library only. Binaries are found in $HIKGATE_BIN_DIR
(ctest sets it to the build directory). Every process started here is
killed when the interpreter exits, whatever the test outcome.
"""
import atexit
import json
import os
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_HERE = os.path.dirname(os.path.abspath(__file__))
BIN_DIR = os.environ.get("HIKGATE_BIN_DIR", os.path.join(_HERE, "..", "..", "build"))
DEFAULT_PASSWORD = "Sim-pass-123"

_processes = []
_servers = []


def _cleanup():
    for proc in _processes:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
    for server in _servers:
        server.shutdown()
        server.server_close()


atexit.register(_cleanup)


def free_port(addr="127.0.0.1"):
    """A TCP port that is free on addr right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((addr, 0))
        return s.getsockname()[1]


def _http(method, url, body=None, headers=None, timeout=30):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


class Hiksim:
    """A running hiksim process."""

    def __init__(self, proc, addr, port, user, password):
        self.proc = proc
        self.addr = addr
        self.port = port
        self.user = user
        self.password = password
        self.url = "http://%s:%d" % (addr, port)
        self.log = []

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        return self.proc.returncode

    def state(self):
        status, body = _http("GET", self.url + "/sim/state")
        if status != 200:
            raise RuntimeError("GET /sim/state: HTTP %d" % status)
        return json.loads(body)

    def reset_stats(self):
        _http("POST", self.url + "/sim/reset-stats", b"")

    def fire(self, **event):
        """Push an event (see POST /sim/events); returns the JSON answer."""
        body = json.dumps(event).encode()
        status, answer = _http("POST", self.url + "/sim/events", body,
                               {"Content-Type": "application/json"})
        result = json.loads(answer)
        if status != 200:
            raise RuntimeError("POST /sim/events: HTTP %d %s" % (status, result))
        return result

    def opener(self, password=None):
        """A urllib opener that answers the simulator's digest challenge."""
        mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        mgr.add_password(None, self.url, self.user,
                         self.password if password is None else password)
        return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(mgr))

    def isapi(self, method, path, body=None):
        """An authenticated ISAPI request; returns (status, body bytes)."""
        if isinstance(body, str):
            body = body.encode()
        req = urllib.request.Request(self.url + path, data=body, method=method)
        try:
            with self.opener().open(req, timeout=30) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()


def _drain(proc, sim, ready):
    for line in proc.stderr:
        sim.log.append(line.rstrip("\n"))
        if line.startswith("hiksim listening on "):
            ready.set()
    ready.set()  # exited before being ready: the caller sees it


def start_hiksim(addr="127.0.0.1", port=None, user="admin", password=DEFAULT_PASSWORD,
                 extra_args=(), timeout=10):
    """Start hiksim on addr:port (a free port when None) and wait until it
    prints its ready line. Returns a Hiksim."""
    binary = os.path.join(BIN_DIR, "hiksim")
    for attempt in range(3):
        use_port = port or free_port(addr)
        cmd = [binary, "--listen", "%s:%d" % (addr, use_port), "--user", user,
               "--password", password] + list(extra_args)
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        _processes.append(proc)
        sim = Hiksim(proc, addr, use_port, user, password)
        ready = threading.Event()
        threading.Thread(target=_drain, args=(proc, sim, ready), daemon=True).start()
        ready.wait(timeout)
        if proc.poll() is None and any(l.startswith("hiksim listening on") for l in sim.log):
            return sim
        sim.stop()
        if port:  # a fixed port that failed will not get better
            break
    raise RuntimeError("hiksim did not start: %s" % "\n".join(sim.log))


class Received:
    """One request a receiver got."""

    def __init__(self, handler, body):
        self.method = handler.command
        self.path = handler.path
        self.client = handler.client_address[0]
        self.headers = handler.headers
        self.content_type = handler.headers.get("Content-Type", "")
        self.body = body


class Receiver:
    """An HTTP server that records every request and answers `status`."""

    def __init__(self, addr, port=None, status=200):
        self.status = status
        self.requests = []
        self.cond = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length) if length else b""
                with outer.cond:
                    outer.requests.append(Received(self, body))
                    outer.cond.notify_all()
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_PUT = do_POST

        self.server = ThreadingHTTPServer((addr, port or free_port(addr)), Handler)
        self.server.daemon_threads = True
        self.addr, self.port = self.server.server_address[:2]
        _servers.append(self.server)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count, timeout=10):
        """Wait until count requests arrived; returns them all."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            return list(self.requests)

    def clear(self):
        with self.cond:
            self.requests.clear()


def start_receiver(addr, port=None, status=200):
    """Start a Receiver on addr (a free port when None)."""
    return Receiver(addr, port, status)
