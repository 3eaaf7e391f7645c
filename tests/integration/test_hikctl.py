"""hikctl as a user runs it: against hiksim directly and through hikgated.
Checks what people and scripts rely on: the output, --json, --help, and
the exit codes (0 ok, 1 refused, 2 usage, 3 auth rejected, 4 unreachable,
5 local I/O); a wrong password costs exactly one failed login on the
device; an unreachable device is exit 4.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hikharness  # noqa: E402
from gwharness import ADMIN_PASSWORD, Gateway  # noqa: E402

HIKCTL = os.path.join(hikharness.BIN_DIR, "hikctl")
CAM_PASSWORD = "Cam-pass-123"


def hikctl(*args, env=None, timeout=60):
    """Run hikctl; returns (exit code, stdout, stderr). No terminal: a
    missing password must fail rather than prompt."""
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("HIKCTL_PASSWORD", "HIKGATE_PASSWORD", "HIKCTL_NEW_PASSWORD",
                             "HIKCTL_PASSPHRASE")}
    full_env.update(env or {})
    proc = subprocess.run([HIKCTL] + list(args), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, env=full_env, timeout=timeout,
                          start_new_session=True)
    return proc.returncode, proc.stdout, proc.stderr


def firmware_image(version, size=160 * 1024):
    """A file shaped like digicap.dav (see test_device_ops.py) whose data
    tells hiksim which version it installs."""
    key = bytes([0xba, 0xcd, 0xbc, 0xfe, 0xd6, 0xca, 0xdd, 0xd3,
                 0xba, 0xb9, 0xa3, 0xab, 0xbf, 0xcb, 0xb5, 0xbe])
    header = bytearray(64)
    header[0:4] = b"SWKH"
    header[8] = 64
    header[12] = 1
    encoded = bytes(b ^ key[(i + (i >> 4)) & 15] for i, b in enumerate(header))
    body = ("hiksim-version=%s\n" % version).encode()
    return encoded + body + bytes((i * 13) & 0xff for i in range(size - 64 - len(body)))


class HikctlDirect(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = hikharness.start_hiksim(addr="127.0.1.11", password=CAM_PASSWORD,
                                          extra_args=["--reboot-seconds", "1"])
        cls.dev = "admin:%s@127.0.1.11:%d" % (CAM_PASSWORD, cls.sim.port)
        cls.tmp = tempfile.mkdtemp(prefix="hikctl-it-")

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def failures(self, sim):
        return sum(c.get("failed_logins", 0) for c in sim.state().get("clients", []))

    def test_info_text_and_json(self):
        rc, out, err = hikctl("--device", self.dev, "info")
        self.assertEqual(rc, 0, err)
        self.assertIn("model:", out)
        ident = self.sim.state()["identity"]
        self.assertIn(ident["serial"], out)
        rc, out, err = hikctl("info", "--json", "--device", self.dev)
        self.assertEqual(rc, 0, err)
        info = json.loads(out)
        self.assertEqual(info["serial"], ident["serial"])
        self.assertEqual(info["mac"], ident["mac"].lower().replace("-", ":"))

    def test_password_from_environment(self):
        rc, out, err = hikctl("--json", "--device", "admin@127.0.1.11:%d" % self.sim.port, "info",
                              env={"HIKCTL_PASSWORD": CAM_PASSWORD})
        self.assertEqual(rc, 0, err)
        self.assertIn("serial", json.loads(out))

    def test_no_password_and_no_terminal_is_a_usage_error(self):
        rc, out, err = hikctl("--device", "admin@127.0.1.11:%d" % self.sim.port, "info")
        self.assertEqual(rc, 2)
        self.assertIn("HIKCTL_PASSWORD", err)

    def test_wrong_password_is_exit_3_after_one_failed_login(self):
        sim = hikharness.start_hiksim(addr="127.0.1.12", password=CAM_PASSWORD)
        try:
            rc, out, err = hikctl("--json", "--device",
                                  "admin:Wrong-pass-1@127.0.1.12:%d" % sim.port, "reboot")
            self.assertEqual(rc, 3, err)
            self.assertEqual(json.loads(out)["exit"], 3)
            self.assertIn("rejected", err)
            self.assertEqual(self.failures(sim), 1, "exactly one login attempt")
            self.assertEqual(sim.state()["maintenance"]["reboots"], 0)
        finally:
            sim.stop()

    def test_unreachable_is_exit_4(self):
        port = hikharness.free_port("127.0.1.13")
        rc, out, err = hikctl("--device", "admin:x@127.0.1.13:%d" % port, "--timeout", "2000",
                              "info")
        self.assertEqual(rc, 4, err)

    def test_usage_errors_are_exit_2(self):
        self.assertEqual(hikctl()[0], 2)
        self.assertEqual(hikctl("no-such-command")[0], 2)
        self.assertEqual(hikctl("info")[0], 2)  # neither --device nor --gateway
        self.assertEqual(hikctl("--device", self.dev, "reboot", "--wait", "x")[0], 2)
        self.assertEqual(hikctl("--device", "admin:x@", "info")[0], 2)
        self.assertEqual(hikctl("--device", self.dev, "events")[0], 2)  # gateway only

    def test_help_for_every_command(self):
        rc, out, _ = hikctl("--help")
        self.assertEqual(rc, 0)
        for cmd in ("discover", "info", "activate", "set-ip", "passwd", "upgrade", "reboot",
                    "backup", "restore", "snapshot", "events", "export", "import", "bulk"):
            self.assertIn(cmd, out)
            rc, text, _ = hikctl(cmd, "--help")
            self.assertEqual(rc, 0, cmd)
            self.assertTrue(text.startswith("usage: hikctl"), cmd)

    def test_snapshot_writes_a_jpeg(self):
        path = os.path.join(self.tmp, "snap.jpg")
        rc, out, err = hikctl("--json", "--device", self.dev, "snapshot", path)
        self.assertEqual(rc, 0, err)
        with open(path, "rb") as f:
            self.assertEqual(f.read(2), b"\xff\xd8")
        self.assertEqual(json.loads(out)["size"], os.path.getsize(path))
        rc, _, err = hikctl("--device", self.dev, "snapshot", path, "--channel", "9")
        self.assertEqual(rc, 1, "a channel the camera lacks is the device's refusal")

    def test_snapshot_into_a_missing_directory_is_exit_5(self):
        rc, _, _ = hikctl("--device", self.dev, "snapshot", "/nonexistent-dir/x.jpg")
        self.assertEqual(rc, 5)

    def test_backup_and_restore(self):
        path = os.path.join(self.tmp, "config.bin")
        rc, out, err = hikctl("--json", "--device", self.dev, "backup", path)
        self.assertEqual(rc, 0, err)
        self.assertGreater(json.loads(out)["size"], 0)
        self.assertFalse(os.path.exists(path + ".part"))
        before = self.sim.state()["maintenance"]["config_imports"]
        rc, out, err = hikctl("--device", self.dev, "restore", path)
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.sim.state()["maintenance"]["config_imports"], before + 1)
        rc, _, _ = hikctl("--device", self.dev, "restore", os.path.join(self.tmp, "missing"))
        self.assertEqual(rc, 5)

    def test_set_ip_reads_and_writes(self):
        rc, out, err = hikctl("--json", "--device", self.dev, "set-ip")
        self.assertEqual(rc, 0, err)
        self.assertIn("address", json.loads(out))
        rc, out, err = hikctl("--json", "--device", self.dev, "set-ip", "--dns2", "127.0.0.54")
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["dns2"], "127.0.0.54")
        self.assertEqual(self.sim.state()["maintenance"]["ip"]["dns2"], "127.0.0.54")
        rc, _, _ = hikctl("--device", self.dev, "set-ip", "--mask", "255.0.255.0")
        self.assertEqual(rc, 2, "an invalid mask is refused before sending")

    def test_passwd_weak_is_refused_before_sending(self):
        rc, _, err = hikctl("--device", self.dev, "passwd",
                            env={"HIKCTL_NEW_PASSWORD": "abcdefgh"})
        self.assertEqual(rc, 2)
        self.assertIn("at least two", err)
        self.assertEqual(self.sim.state()["maintenance"]["password_changes"], 0)

    def test_reboot_waits_for_the_device(self):
        rc, out, err = hikctl("--json", "--device", self.dev, "reboot", "--wait", "30")
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["firmware"], self.sim.state()["identity"]["firmware"])

    def test_upgrade_follows_the_device_to_the_new_version(self):
        path = os.path.join(self.tmp, "digicap.dav")
        with open(path, "wb") as f:
            f.write(firmware_image("V5.7.9"))
        rc, out, err = hikctl("--json", "--device", self.dev, "upgrade", path, timeout=120)
        self.assertEqual(rc, 0, err)
        result = json.loads(out)
        self.assertEqual(result["after"], "V5.7.9")
        self.assertNotEqual(result["before"], "V5.7.9")
        self.assertEqual(self.sim.state()["identity"]["firmware"], "V5.7.9")
        rc, out, err = hikctl("--device", self.dev, "upgrade", path, timeout=120)
        self.assertIn("%", err, "progress lines when stderr is not a terminal")

    def test_upgrade_refuses_a_file_that_is_not_firmware(self):
        path = os.path.join(self.tmp, "junk.dav")
        with open(path, "wb") as f:
            f.write(b"JUNK" * 40000)
        rc, _, err = hikctl("--device", self.dev, "upgrade", path)
        self.assertEqual(rc, 2, err)
        self.assertIn("not a firmware image", err)


class HikctlGateway(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # the tests post events themselves from 127.0.0.1, no declared device
        cls.gw = Gateway(extra_args=["--ingest-accept", "any"])
        cls.url = "http://127.0.0.1:%d" % cls.gw.api_port
        cls.sim = hikharness.start_hiksim(addr="127.0.1.14", password=CAM_PASSWORD,
                                          extra_args=["--reboot-seconds", "1"])
        cls.dev = cls.gw.create("devices", {"name": "cam", "address": "127.0.1.14",
                                            "port": cls.sim.port, "password": CAM_PASSWORD})

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()
        cls.gw.close()

    def ctl(self, *args, password=ADMIN_PASSWORD, env=None):
        e = {"HIKGATE_PASSWORD": password}
        e.update(env or {})
        return hikctl("--gateway", self.url, *args, env=e)

    def test_info_lists_devices(self):
        rc, out, err = self.ctl("--json", "info")
        self.assertEqual(rc, 0, err)
        self.assertEqual([d["name"] for d in json.loads(out)], ["cam"])
        rc, out, err = self.ctl("info", str(self.dev["id"]))
        self.assertEqual(rc, 0, err)
        self.assertIn("cam", out)
        rc, _, _ = self.ctl("info", "999")
        self.assertEqual(rc, 1)

    def test_wrong_gateway_password_is_exit_3(self):
        rc, _, err = self.ctl("info", password="not-the-password")
        self.assertEqual(rc, 3, err)

    def test_gateway_unreachable_is_exit_4(self):
        port = hikharness.free_port()
        rc, _, _ = hikctl("--gateway", "http://127.0.0.1:%d" % port, "info",
                          env={"HIKGATE_PASSWORD": "x"})
        self.assertEqual(rc, 4)

    def test_reboot_through_the_gateway(self):
        rc, out, err = self.ctl("--json", "reboot", str(self.dev["id"]), "--wait", "30")
        self.assertEqual(rc, 0, err)
        job = json.loads(out)
        self.assertEqual(job["state"], "ok")
        self.assertEqual(job["kind"], "reboot")

    def test_events_shows_what_the_gateway_received(self):
        from gwharness import vmd_alert
        for _ in range(3):
            status, _ = self.gw.post_event(vmd_alert())
            self.assertEqual(status, 200)
        rc, out, err = self.ctl("--json", "events", "--limit", "2")
        self.assertEqual(rc, 0, err)
        lines = [json.loads(l) for l in out.splitlines()]
        self.assertEqual(len(lines), 2)
        self.assertLess(lines[0]["id"], lines[1]["id"], "oldest first")
        rc, out, err = self.ctl("events", "--kind", "motion", "--limit", "1")
        self.assertEqual(rc, 0, err)
        self.assertIn("motion", out)

    def test_upgrade_through_the_gateway(self):
        path = os.path.join(tempfile.mkdtemp(prefix="hikctl-fw-"), "digicap.dav")
        with open(path, "wb") as f:
            f.write(firmware_image("V5.8.1"))
        rc, out, err = self.ctl("--json", "upgrade", str(self.dev["id"]), path)
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["result"]["firmware"], "V5.8.1")
        self.assertEqual(self.sim.state()["identity"]["firmware"], "V5.8.1")

    def test_backup_through_the_gateway(self):
        rc, out, err = self.ctl("--json", "backup", str(self.dev["id"]))
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["state"], "ok")

    def test_events_follow_polls_a_gateway_without_a_stream(self):
        from gwharness import vmd_alert
        env = {"HIKGATE_PASSWORD": ADMIN_PASSWORD}
        proc = subprocess.Popen([HIKCTL, "--gateway", self.url, "--json", "events", "--limit",
                                 "1", "--follow", "--interval-ms", "100", "--max", "3"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ, **env))
        try:
            time.sleep(0.5)
            for _ in range(3):  # with the newest one already there, 3 are printed either way
                self.assertEqual(self.gw.post_event(vmd_alert())[0], 200)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        self.assertEqual(proc.returncode, 0, err)
        ids = [json.loads(l)["id"] for l in out.splitlines()]
        self.assertEqual(len(ids), 3, out)
        self.assertEqual(ids, sorted(set(ids)), "each once, in order")

    def test_snapshot_is_device_only(self):
        rc, _, err = self.ctl("snapshot", "x.jpg")
        self.assertEqual(rc, 2)
        self.assertIn("--device", err)


class HikctlDiscover(unittest.TestCase):
    """SADP on loopback: simulators join the group on their own 127.0.1.x,
    hikctl probes from 127.0.0.1 on a random port nothing else answers."""

    @classmethod
    def setUpClass(cls):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            cls.sadp_port = s.getsockname()[1]
        sadp = ["--sadp-port", str(cls.sadp_port)]
        cls.sims = [hikharness.start_hiksim(addr="127.0.1.%d" % (61 + i), extra_args=sadp)
                    for i in range(2)]

    @classmethod
    def tearDownClass(cls):
        for sim in cls.sims:
            sim.stop()

    def test_discover_lists_each_simulator_once(self):
        rc, out, err = hikctl("--json", "discover", "--interface", "127.0.0.1", "--target",
                              "239.255.255.250", "--port", str(self.sadp_port),
                              "--timeout-ms", "1500")
        self.assertEqual(rc, 0, err)
        found = json.loads(out)["devices"]
        macs = sorted(d["mac"] for d in found)
        want = sorted(s.state()["identity"]["mac"].lower().replace("-", ":") for s in self.sims)
        self.assertEqual(macs, want)
        for d in found:
            self.assertTrue(d["activated"])
            self.assertIsInstance(d["http_port"], int)
        rc, out, err = hikctl("discover", "--interface", "127.0.0.1", "--target",
                              "239.255.255.250", "--port", str(self.sadp_port),
                              "--timeout-ms", "1000")
        self.assertEqual(rc, 0, err)
        self.assertIn("2 devices", out)
        rc, _, _ = hikctl("discover", "--timeout-ms", "5")
        self.assertEqual(rc, 2, "100 ms at least")


class FakeStreamGateway(ThreadingHTTPServer):
    """Just enough of a gateway with an event stream: two events in the
    log, three more on the stream (one split across writes, one twice,
    comments and ids in between)."""

    def __init__(self):
        events = [{"id": i, "received_ms": 1700000000000 + i, "kind": "motion", "channel": 1,
                   "state": "active", "device_id": 1, "fields": {}} for i in range(1, 6)]
        seen = self.seen = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                seen.append(self.path)
                if self.path.startswith("/api/v1/events/stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    msgs = ["retry: 3000\n\n", ": ping\n\n"]
                    for e in events[1:] + [events[3]]:
                        msgs.append("id: %d\nevent: event\ndata: %s\n\n" % (e["id"], json.dumps(e)))
                    blob = "".join(msgs).replace("\n", "\r\n", 3).encode()
                    for i in range(0, len(blob), 7):
                        try:
                            self.wfile.write(blob[i:i + 7])
                            self.wfile.flush()
                        except OSError:
                            return
                    time.sleep(5)
                    return
                body = json.dumps({"events": events[1::-1], "next_before": None}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        super().__init__(("127.0.0.1", 0), Handler)
        self.daemon_threads = True
        threading.Thread(target=self.serve_forever, daemon=True).start()


class HikctlEventStream(unittest.TestCase):
    def test_follow_reads_the_stream_after_the_last_id(self):
        fake = FakeStreamGateway()
        try:
            url = "http://127.0.0.1:%d" % fake.server_address[1]
            rc, out, err = hikctl("--gateway", url, "--json", "events", "--follow", "--max", "5",
                                  env={"HIKGATE_PASSWORD": "x"})
            self.assertEqual(rc, 0, err)
            self.assertEqual([json.loads(l)["id"] for l in out.splitlines()], [1, 2, 3, 4, 5])
            stream = [p for p in fake.seen if "stream" in p]
            self.assertEqual(len(stream), 1)
            self.assertIn("last_event_id=2", stream[0])
        finally:
            fake.shutdown()
            fake.server_close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
