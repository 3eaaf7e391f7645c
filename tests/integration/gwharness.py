"""Start and talk to a real hikgated process for integration tests.

Python standard library only. Every process started here is killed when the
test process exits, whatever happens. Network traffic stays on 127.0.0.0/8.
"""
import atexit
import base64
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.parse

BIN_DIR = os.environ.get("HIKGATE_BIN_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "build")
ADMIN_PASSWORD = "Adm1n-secret-pw"

_procs = []


def _cleanup():
    for p in _procs:
        if p.poll() is None:
            p.kill()
            p.wait()


atexit.register(_cleanup)


def free_port(addr="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, 0))
        return s.getsockname()[1]


class ApiError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


class Gateway:
    """One hikgated with its own data directory, ingest and API ports."""

    def __init__(self, data_dir=None, ingest_addr="127.0.0.1", extra_args=(), env=None,
                 api_ca=None):
        # api_ca: the API listens with TLS; verify it against this CA file.
        self.api_ca = api_ca
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="hikgate-it-")
        self.ingest_host = ingest_addr
        self.ingest_port = free_port(ingest_addr)
        self.api_port = free_port()
        self.extra_args = list(extra_args)
        self.env = env
        self.proc = None
        self.log_path = os.path.join(self.data_dir, "hikgated.log")
        self.start()

    # -- process ---------------------------------------------------------
    def start(self):
        args = [os.path.join(BIN_DIR, "hikgated"), "--data-dir", self.data_dir,
                "--ingest", f"{self.ingest_host}:{self.ingest_port}",
                "--api", f"127.0.0.1:{self.api_port}",
                "--admin-password", ADMIN_PASSWORD, "--log-level", "debug",
                "--sync", "normal", "--device-timeout", "3000",
                # periodic health probes would add requests and logins that
                # tests counting them exactly cannot predict; the tests of
                # health turn them on (a later option wins)
                "--health-interval", "0"] + self.extra_args
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        _procs.append(self.proc)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hikgated exited with {self.proc.returncode}:\n{self.logs()}")
            try:
                status, _ = self.request("GET", "/api/v1/health", auth=False)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("hikgated did not become ready:\n" + self.logs())

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
        rc = self.proc.returncode if self.proc else None
        if self.log:
            self.log.close()
            self.log = None
        return rc

    def restart(self, sig=signal.SIGTERM):
        self.stop(sig)
        self.start()

    def close(self):
        self.stop()
        if self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def logs(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc.poll() is None

    # -- API -------------------------------------------------------------
    def request(self, method, path, body=None, auth=True, headers=None, raw=False,
                content_type="application/json"):
        if self.api_ca:
            ctx = ssl.create_default_context(cafile=self.api_ca)
            conn = http.client.HTTPSConnection("127.0.0.1", self.api_port, timeout=30,
                                               context=ctx)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=30)
        hdrs = dict(headers or {})
        if auth:
            token = base64.b64encode(f"admin:{ADMIN_PASSWORD}".encode()).decode()
            hdrs["Authorization"] = "Basic " + token
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            if isinstance(data, str):
                data = data.encode()
            hdrs.setdefault("Content-Type", content_type)
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        payload = resp.read()
        self.last_headers = resp.headers
        conn.close()
        if raw:
            return resp.status, payload
        if payload and resp.headers.get("Content-Type", "").startswith("application/json"):
            return resp.status, json.loads(payload)
        return resp.status, payload.decode("utf-8", "replace")

    def api(self, method, path, body=None, expect=None):
        status, data = self.request(method, path, body)
        if expect is not None and status != expect:
            raise ApiError(status, data)
        if expect is None and status >= 400:
            raise ApiError(status, data)
        return data

    def create(self, kind, body):
        return self.api("POST", f"/api/v1/{kind}", body, expect=201)

    def declare(self, address="127.0.0.1", name=None):
        """Declare a device at `address` so the gateway accepts its events
        (only declared devices are heard by default); returns its id."""
        return self.create("devices", {"name": name or f"Camera {address}", "address": address,
                                       "port": 9, "password": "x"})["id"]

    def ensure_declared(self, address="127.0.0.1"):
        """declare() unless a device at `address` exists already; returns its id."""
        for d in self.api("GET", "/api/v1/devices"):
            if d["address"] == address:
                return d["id"]
        return self.declare(address)

    def events(self, **params):
        q = urllib.parse.urlencode(params)
        return self.api("GET", "/api/v1/events" + (f"?{q}" if q else ""))["events"]

    def event(self, event_id):
        return self.api("GET", f"/api/v1/events/{event_id}")

    def wait_run(self, run_id, timeout=20):
        """Poll a run until it is finished (ok or error)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            run = self.api("GET", f"/api/v1/runs/{run_id}")
            if run["status"] in ("ok", "error"):
                return run
            time.sleep(0.05)
        raise AssertionError(f"run {run_id} did not finish: {run}")

    # -- ingest ----------------------------------------------------------
    def post_event(self, body, content_type="application/xml", source=None, path="/hik",
                   headers=None):
        """POST an event body the way a camera does (new connection); returns
        (status, response text)."""
        conn = http.client.HTTPConnection(self.ingest_host, self.ingest_port, timeout=30,
                                          source_address=(source, 0) if source else None)
        hdrs = {"Content-Type": content_type} if content_type else {}
        hdrs.update(headers or {})
        if isinstance(body, str):
            body = body.encode()
        conn.request("POST", path, body=body, headers=hdrs)
        resp = conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        conn.close()
        return resp.status, text


def vmd_alert(mac="aa:bb:cc:dd:ee:01", ip="127.0.0.9", event_type="VMD", state="active",
              channel=1, extra="", ns="http://www.hikvision.com/ver20/XMLSchema"):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\r\n'
            f'<EventNotificationAlert version="2.0" xmlns="{ns}">\r\n'
            f'<ipAddress>{ip}</ipAddress>\r\n<portNo>80</portNo>\r\n<protocol>HTTP</protocol>\r\n'
            f'<macAddress>{mac}</macAddress>\r\n<channelID>{channel}</channelID>\r\n'
            f'<dateTime>2026-11-23T10:00:00+01:00</dateTime>\r\n'
            f'<activePostCount>1</activePostCount>\r\n<eventType>{event_type}</eventType>\r\n'
            f'<eventState>{state}</eventState>\r\n<eventDescription>{event_type} alarm'
            f'</eventDescription>\r\n{extra}</EventNotificationAlert>\r\n')


def point_camera_at(sim, gw, slot=1):
    """What an installer does in the camera's web UI: make the camera (a
    hiksim) push its events to this gateway's ingest listener."""
    body = (f'<?xml version="1.0" encoding="UTF-8"?>'
            f'<HttpHostNotification version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">'
            f'<id>{slot}</id><url>/hik</url><protocolType>HTTP</protocolType>'
            f'<parameterFormatType>XML</parameterFormatType>'
            f'<addressingFormatType>ipaddress</addressingFormatType>'
            f'<ipAddress>{gw.ingest_host}</ipAddress><portNo>{gw.ingest_port}</portNo>'
            f'<userName></userName><httpAuthenticationMethod>none</httpAuthenticationMethod>'
            f'</HttpHostNotification>')
    status, answer = sim.isapi("PUT", f"/ISAPI/Event/notification/httpHosts/{slot}", body)
    if status != 200:
        raise RuntimeError(f"configuring the camera's HTTP host failed: {status} {answer!r}")
