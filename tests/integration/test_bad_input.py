"""Bad input gets a clear error or a recorded event, never a crash, a hang
or a silent drop; and nothing acknowledged is ever lost, across restarts
and crashes."""
import os
import signal
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hikharness  # noqa: E402
from gwharness import Gateway, vmd_alert  # noqa: E402

CAM_PASSWORD = "Cam-pass-123"


class BadInput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway()
        cls.dev = cls.gw.create("devices", {
            "name": "Declared", "address": "127.0.0.1", "port": 9, "password": "x"})["id"]

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()

    def assert_up(self):
        self.assertTrue(self.gw.alive(), self.gw.logs()[-3000:])
        status, _ = self.gw.request("GET", "/api/v1/health", auth=False)
        self.assertEqual(status, 200)

    def test_malformed_xml(self):
        status, text = self.gw.post_event("<EventNotificationAlert><eventType>VMD</eventTy")
        self.assertEqual(status, 400)
        self.assertIn("parse", text)
        self.assert_up()

    def test_malformed_json(self):
        status, text = self.gw.post_event('{"eventType": "alarmResult", ', "application/json")
        self.assertEqual(status, 400)
        self.assert_up()

    def test_truncated_multipart(self):
        b = "----hikboundary"
        body = (f"--{b}\r\nContent-Disposition: form-data; name=\"MoveDetection.xml\"\r\n"
                f"Content-Type: application/xml\r\n\r\n{vmd_alert()}\r\n--{b}\r\n"
                f"Content-Disposition: form-data; name=\"VMDImage\"; filename=\"VMDImage.jpg\"\r\n"
                f"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0 truncated here")
        status, text = self.gw.post_event(body.encode("latin-1"),
                                          f"multipart/form-data; boundary={b}")
        self.assertEqual(status, 400)
        self.assertIn("truncated", text)
        self.assert_up()

    def test_fifty_megabyte_body(self):
        # Announced size: refused before the body is read.
        s = socket.create_connection(("127.0.0.1", self.gw.ingest_port), timeout=30)
        s.sendall(b"POST /hik HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\n"
                  b"Content-Length: 52428800\r\n\r\n")
        s.sendall(b"<" * 65536)
        resp = s.recv(4096).decode("latin-1")
        s.close()
        self.assertTrue(resp.startswith("HTTP/1.1 413"), resp)
        # Chunked, no announced size: cut off at the limit.
        s = socket.create_connection(("127.0.0.1", self.gw.ingest_port), timeout=30)
        s.sendall(b"POST /hik HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n" % (1 << 20) + b"a" * (1 << 20) + b"\r\n"
        sent = 0
        try:
            while sent < 50:
                s.sendall(chunk)
                sent += 1
            s.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the daemon may close once it has answered
        resp = s.recv(4096).decode("latin-1")
        s.close()
        self.assertTrue(resp.startswith("HTTP/1.1 413"), resp)
        self.assert_up()

    def test_unknown_event_type_is_kept(self):
        body = vmd_alert(event_type="spaceshipLanding")
        status, _ = self.gw.post_event(body)
        self.assertEqual(status, 200)
        ev = self.gw.events(kind="unknown", limit=1)[0]
        self.assertEqual(ev["type"], "spaceshipLanding")
        full = self.gw.event(ev["id"])
        self.assertIn("spaceshipLanding", full["raw"])

    def test_undeclared_source_is_refused_and_recorded(self):
        body = vmd_alert(mac="aa:bb:cc:00:00:77", ip="192.0.2.77")
        status, text = self.gw.post_event(body, source="127.0.0.77")
        self.assertEqual(status, 403)
        self.assertIn("unauthorized_source", text)
        deadline = time.time() + 5  # refused at once, recorded by the next commit
        while True:
            evs = [e for e in self.gw.events(kind="unauthorized_source", limit=50)
                   if e["source_addr"] == "127.0.0.77"]
            if evs or time.time() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(len(evs), 1)
        self.assertIsNone(evs[0]["device_id"])
        self.assertFalse([e for e in self.gw.events(kind="motion", limit=200)
                          if e["source_addr"] == "127.0.0.77"], "the refused event was stored")

    def test_declared_source_is_attributed(self):
        status, _ = self.gw.post_event(vmd_alert(mac="ff:ff:ff:ff:ff:ff"), source="127.0.0.1")
        self.assertEqual(status, 200)
        ev = self.gw.events(device=self.dev, limit=1)[0]
        self.assertEqual(ev["attribution"], "address")

    def test_wrong_path_and_method(self):
        status, _ = self.gw.post_event(vmd_alert(), path="/other")
        self.assertEqual(status, 404)
        status, _ = self.gw.post_event(vmd_alert(), path="/hikvision")
        self.assertEqual(status, 404)
        # camera UIs differ on the trailing slash and some add a query
        self.assertEqual(self.gw.post_event(vmd_alert(), path="/hik/")[0], 200)
        self.assertEqual(self.gw.post_event(vmd_alert(), path="/hik?ch=1")[0], 200)
        conn = socket.create_connection(("127.0.0.1", self.gw.ingest_port))
        conn.sendall(b"GET /hik HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertIn(b" 405 ", conn.recv(4096))
        conn.close()
        self.assert_up()

    def test_empty_body(self):
        status, text = self.gw.post_event(b"")
        self.assertEqual(status, 400)
        self.assert_up()


class WrongDevicePassword(unittest.TestCase):
    """A rejected password stops all calls to the device: one failed login,
    never a lockout."""

    def test_one_failed_login_then_silence(self):
        gw = Gateway()
        cam = hikharness.start_hiksim("127.0.0.4", password=CAM_PASSWORD)
        try:
            dev = gw.create("devices", {"name": "Wrong pw", "address": "127.0.0.4",
                                        "port": cam.port, "password": "not-the-password"})["id"]
            act = gw.create("actions", {"name": "mask", "type": "hik", "devices": [dev],
                                        "action": "privacy_mask.enable"})["id"]
            # The identity probe on declaration is the first (failed) login.
            deadline = time.time() + 10
            while time.time() < deadline:
                d = gw.api("GET", f"/api/v1/devices/{dev}")
                if d["status"] == "auth_rejected":
                    break
                time.sleep(0.05)
            self.assertEqual(d["status"], "auth_rejected", d)
            self.assertIn("password", d["last_error"])
            for _ in range(3):
                run_id = gw.api("POST", f"/api/v1/actions/{act}/run", expect=202)["run_id"]
                run = gw.wait_run(run_id)
                self.assertEqual(run["status"], "error")
                self.assertEqual(run["result"]["error"], "auth_rejected")
            clients = cam.state()["clients"]
            self.assertEqual(sum(c["failed_logins"] for c in clients), 1,
                             f"hikgate retried a rejected password: {clients}")
            self.assertFalse(cam.state()["privacy_mask"][0]["enabled"])
            # New credentials: calls resume and succeed.
            gw.api("PUT", f"/api/v1/devices/{dev}", {"password": CAM_PASSWORD})
            run_id = gw.api("POST", f"/api/v1/actions/{act}/run", expect=202)["run_id"]
            self.assertEqual(gw.wait_run(run_id)["status"], "ok")
            self.assertTrue(cam.state()["privacy_mask"][0]["enabled"])
        finally:
            cam.stop()
            gw.close()

    def test_unreachable_device_is_reported(self):
        gw = Gateway()
        try:
            dev = gw.create("devices", {"name": "Nobody", "address": "127.0.0.5",
                                        "port": 9, "password": "x"})["id"]
            act = gw.create("actions", {"name": "mask", "type": "hik", "devices": [dev],
                                        "action": "privacy_mask.enable"})["id"]
            run_id = gw.api("POST", f"/api/v1/actions/{act}/run", expect=202)["run_id"]
            deadline = time.time() + 10
            while time.time() < deadline:
                run = gw.api("GET", f"/api/v1/runs/{run_id}")
                if run["status"] in ("retry", "error"):
                    break
                time.sleep(0.05)
            self.assertIn(run["status"], ("retry", "error"))
            self.assertEqual(run["result"]["error"], "network")
            d = gw.api("GET", f"/api/v1/devices/{dev}")
            self.assertEqual(d["status"], "unreachable")
        finally:
            gw.close()


class NothingAcknowledgedIsLost(unittest.TestCase):
    def test_restart_and_kill(self):
        gw = Gateway()
        try:
            gw.declare()
            acked = 0
            for round_, sig in enumerate((signal.SIGTERM, signal.SIGKILL)):
                for i in range(50):
                    status, _ = gw.post_event(vmd_alert(event_type="PIR", channel=round_ * 100 + i))
                    self.assertEqual(status, 200)
                    acked += 1
                gw.restart(sig)
                events = gw.events(kind="pir", limit=1000)
                self.assertEqual(len(events), acked, "acknowledged events lost")
                channels = sorted(e["channel"] for e in events)
                self.assertEqual(len(set(channels)), acked, "an event was stored twice")
        finally:
            gw.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
