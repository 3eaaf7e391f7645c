#!/usr/bin/env python3
"""streams_drive.py: the measuring half of bench/streams.sh.

Declares the simulated cameras as `pull` devices through the API, waits
(bounded) until every stream is up, samples the daemon's CPU time and RSS
from /proc while only heartbeats flow, then fires events at random cameras
at a bounded rate and counts what the daemon stored. Writes one JSON
object. Standard library only; loopback only."""
import argparse
import base64
import http.client
import ipaddress
import json
import os
import random
import sqlite3
import time

TICK = os.sysconf("SC_CLK_TCK")


def addresses(first, n):
    a = int(ipaddress.IPv4Address(first))
    out = []
    while len(out) < n:
        if a & 0xFF not in (0, 255):
            out.append(str(ipaddress.IPv4Address(a)))
        a += 1
    return out


class Api:
    def __init__(self, hostport, admin):
        host, port = hostport.rsplit(":", 1)
        self.conn = http.client.HTTPConnection(host, int(port), timeout=60)
        self.auth = "Basic " + base64.b64encode(("admin:" + admin).encode()).decode()

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": self.auth, "Content-Type": "application/json"}
        for attempt in range(3):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                payload = resp.read()
                return resp.status, json.loads(payload) if payload else None
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                if attempt == 2:
                    raise
        return 0, None


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_kib(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out


def count_events(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
    try:
        return con.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        con.close()


def wait_ready(api, deadline_s):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        status, body = api.call("GET", "/api/v1/health")
        if status == 200:
            return
        time.sleep(0.1)
    raise SystemExit("hikgated did not become ready")


def fire(addr, port):
    conn = http.client.HTTPConnection(addr, port, timeout=10)
    try:
        conn.request("POST", "/sim/events", body=json.dumps({"kind": "motion"}),
                     headers={"Content-Type": "application/json"})
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    for name in ("api", "admin", "first", "password", "db", "out"):
        ap.add_argument("--" + name, required=True)
    for name in ("pid", "port", "cameras", "idle", "load", "rate", "heartbeat"):
        ap.add_argument("--" + name, type=int, required=True)
    a = ap.parse_args()
    api = Api(a.api, a.admin)
    time.sleep(0.2)
    wait_ready(api, 30)
    cams = addresses(a.first, a.cameras)
    t0 = time.monotonic()
    for i, addr in enumerate(cams):
        status, body = api.call("POST", "/api/v1/devices", {
            "name": "cam %05d" % i, "address": addr, "port": a.port,
            "password": a.password, "delivery": "pull"})
        if status != 201:
            raise SystemExit("declaring %s failed: %s %s" % (addr, status, body))
    declared_s = time.monotonic() - t0
    streaming = 0
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        _, devs = api.call("GET", "/api/v1/devices")
        streaming = sum(1 for d in devs if d["stream_state"] == "streaming")
        if streaming == a.cameras:
            break
        time.sleep(1)
    all_up_s = time.monotonic() - t0
    states = {}
    for d in devs:
        states[d["stream_state"] or "none"] = states.get(d["stream_state"] or "none", 0) + 1
    # let the identity probes that declaring queued finish (bounded)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        _, devs = api.call("GET", "/api/v1/devices")
        if not any(d["status"] == "unknown" for d in devs):
            break
        time.sleep(1)
    time.sleep(5)

    # idle: heartbeats and health probes only
    c0, w0 = cpu_seconds(a.pid), time.monotonic()
    time.sleep(a.idle)
    idle_cpu = (cpu_seconds(a.pid) - c0) / (time.monotonic() - w0) * 100
    idle_rss = rss_kib(a.pid)
    _, devs = api.call("GET", "/api/v1/devices")
    heartbeats = sum(d.get("heartbeats", 0) for d in devs)

    # load: events fired at random cameras, bounded rate and time
    before = count_events(a.db)
    c0, w0 = cpu_seconds(a.pid), time.monotonic()
    fired = ok = 0
    end = w0 + a.load
    while time.monotonic() < end:
        slot = time.monotonic()
        ok += fire(random.choice(cams), a.port)
        fired += 1
        pause = 1.0 / a.rate - (time.monotonic() - slot)
        if pause > 0:
            time.sleep(pause)
    stored_deadline = time.monotonic() + 15
    while time.monotonic() < stored_deadline and count_events(a.db) - before < ok:
        time.sleep(0.2)
    elapsed = time.monotonic() - w0
    stored = count_events(a.db) - before
    load_cpu = (cpu_seconds(a.pid) - c0) / elapsed * 100
    load_rss = rss_kib(a.pid)
    result = {
        "cameras": a.cameras, "streaming": streaming, "declare_s": round(declared_s, 1),
        "all_streaming_s": round(all_up_s, 1), "heartbeat_s": a.heartbeat,
        "idle_s": a.idle, "idle_cpu_pct": round(idle_cpu, 2),
        "idle_rss_kib": idle_rss.get("VmRSS", 0), "heartbeats": heartbeats,
        "rss_per_camera_kib": round(idle_rss.get("VmRSS", 0) / a.cameras, 1),
        "load_s": a.load, "fired": fired, "fired_ok": ok, "stored": stored,
        "events_per_s": round(stored / a.load, 1), "load_cpu_pct": round(load_cpu, 2),
        "load_rss_kib": load_rss.get("VmRSS", 0), "peak_rss_kib": load_rss.get("VmHWM", 0),
        "states": states, "load_avg": os.getloadavg()[0],
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    with open(a.out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
