"""The device checks an installer runs by hand, end to end with real
processes: "test connection" (one deviceInfo with the stored credentials)
and a channel snapshot. A rejected password is tried once and never again,
an unreachable device is reported as such, and a device's ResponseStatus
comes back as its error, never as a picture.
"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hikharness  # noqa: E402
from gwharness import Gateway  # noqa: E402

CAM_PASSWORD = "Cam-pass-123"
NS = "http://www.hikvision.com/ver20/XMLSchema"
PICTURE = "/ISAPI/Streaming/channels/101/picture"
PROXY_PICTURE = "/ISAPI/ContentMgmt/StreamingProxy/channels/101/picture"


class DeviceTools(unittest.TestCase):
    next_addr = 80

    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway()

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()

    def camera(self, extra=(), stored=None):
        DeviceTools.next_addr += 1
        addr = f"127.0.0.{DeviceTools.next_addr}"
        sim = hikharness.start_hiksim(addr, password=CAM_PASSWORD, extra_args=list(extra))
        self.addCleanup(sim.stop)
        dev = self.gw.create("devices", {
            "name": f"camera {addr}", "address": addr, "port": sim.port,
            "username": "admin", "password": stored or CAM_PASSWORD})["id"]
        return sim, dev

    def wait_status(self, dev, status, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            device = self.gw.api("GET", f"/api/v1/devices/{dev}")
            if device["status"] == status:
                return device
            time.sleep(0.05)
        self.fail(f"device status is {device['status']}, not {status}")

    @staticmethod
    def failures(sim):
        return sum(c.get("failed_logins", 0) for c in sim.state().get("clients", []))

    def run_test(self, dev):
        return self.gw.request("POST", f"/api/v1/devices/{dev}/test")

    # -- test connection ------------------------------------------------------
    def test_connection_ok_reports_identity_and_refreshes_the_device(self):
        sim, dev = self.camera(extra=["--model", "DS-2CD2386G2-ISU/SL", "--firmware", "V5.7.15"])
        self.wait_status(dev, "online")
        before = sim.state()["requests"].get("/ISAPI/System/deviceInfo", 0)
        status, body = self.run_test(dev)
        self.assertEqual(status, 200, body)
        self.assertTrue(body["ok"], body)
        self.assertTrue(body["contacted"])
        self.assertEqual(body["status"], "online")
        ident = sim.state()["identity"]
        self.assertEqual(body["device"]["model"], "DS-2CD2386G2-ISU/SL")
        self.assertEqual(body["device"]["firmware"], "V5.7.15")
        self.assertEqual(body["device"]["serial"], ident["serial"])
        self.assertEqual(body["device"]["mac"], ident["mac"].lower())
        self.assertEqual(body["device"]["device_type"], "IPCamera")
        self.assertGreaterEqual(body["elapsed_ms"], 0)
        # The simulator counts the digest challenge and the answer.
        self.assertEqual(sim.state()["requests"]["/ISAPI/System/deviceInfo"], before + 2,
                         "one test is one deviceInfo request, on a fresh connection")
        device = self.gw.api("GET", f"/api/v1/devices/{dev}")
        self.assertEqual(device["model"], "DS-2CD2386G2-ISU/SL")
        self.assertIsNotNone(device["last_seen_ms"])

    def test_wrong_password_is_tried_once_and_never_again(self):
        sim, dev = self.camera()
        self.wait_status(dev, "online")
        # The camera's password changes behind hikgate's back.
        new = "Changed-pass-77"
        doc = (f'<?xml version="1.0" encoding="UTF-8"?><User version="2.0" xmlns="{NS}">'
               f'<id>1</id><userName>admin</userName><password>{new}</password></User>')
        status, answer = sim.isapi("PUT", "/ISAPI/Security/users/1", doc)
        self.assertEqual(status, 200, answer)
        sim.password = new
        self.assertEqual(self.failures(sim), 0)

        status, body = self.run_test(dev)
        self.assertEqual(status, 200, body)
        self.assertFalse(body["ok"])
        self.assertTrue(body["contacted"])
        self.assertEqual(body["code"], "auth_rejected")
        self.assertEqual(body["status"], "auth_rejected")
        self.assertIn("password", body["error"])
        self.assertEqual(self.failures(sim), 1, "exactly one failed login")
        self.assertEqual(self.gw.api("GET", f"/api/v1/devices/{dev}")["status"], "auth_rejected")

        requests = sum(sim.state()["requests"].values())
        status, body = self.run_test(dev)
        self.assertEqual(status, 409, body)
        self.assertFalse(body["contacted"])
        self.assertEqual(body["code"], "auth_rejected")
        self.assertIn("save the device's current password", body["error"])
        status, body = self.gw.request("GET", f"/api/v1/devices/{dev}/snapshot")
        self.assertEqual(status, 409, body)
        self.assertEqual(self.failures(sim), 1, "no login at all on the second test")
        self.assertEqual(sum(sim.state()["requests"].values()), requests,
                         "the device was not contacted")

        # Saving the right password clears the refusal.
        self.gw.api("PUT", f"/api/v1/devices/{dev}", {"password": new})
        self.wait_status(dev, "online")
        status, body = self.run_test(dev)
        self.assertTrue(body["ok"], body)

    def test_unreachable_device_is_a_network_error(self):
        addr = "127.0.0.79"
        port = hikharness.free_port(addr)  # nothing listens there
        dev = self.gw.create("devices", {"name": "gone", "address": addr, "port": port,
                                         "username": "admin", "password": "x"})["id"]
        status, body = self.run_test(dev)
        self.assertEqual(status, 200, body)
        self.assertFalse(body["ok"])
        self.assertEqual(body["code"], "network")
        self.assertIn("cannot be reached", body["error"])
        self.assertEqual(body["status"], "unreachable")
        self.assertLess(body["elapsed_ms"], 10000, "bounded by the device timeout")
        self.assertEqual(self.gw.api("GET", f"/api/v1/devices/{dev}")["status"], "unreachable")
        status, body = self.gw.request("GET", f"/api/v1/devices/{dev}/snapshot")
        self.assertEqual(status, 504, body)
        self.assertEqual(body["code"], "network")

    def test_unknown_device(self):
        status, _ = self.run_test(999999)
        self.assertEqual(status, 404)
        status, _ = self.gw.request("GET", "/api/v1/devices/999999/snapshot")
        self.assertEqual(status, 404)

    # -- snapshot ---------------------------------------------------------
    def test_snapshot_is_the_camera_jpeg(self):
        sim, dev = self.camera()
        self.wait_status(dev, "online")
        status, data = self.gw.request("GET", f"/api/v1/devices/{dev}/snapshot", raw=True)
        self.assertEqual(status, 200, data[:200])
        self.assertEqual(data[:2], b"\xff\xd8", "a JPEG starts with SOI")
        self.assertEqual(data[-2:], b"\xff\xd9")
        self.assertEqual(self.gw.last_headers["Content-Type"], "image/jpeg")
        self.assertIn("no-store", self.gw.last_headers["Cache-Control"])
        self.assertEqual(sim.state()["requests"].get(PICTURE), 2,
                         "the simulator saw the challenge and the picture request")
        self.assertNotIn(PROXY_PICTURE, sim.state()["requests"], "a camera needs no fallback")

    def test_snapshot_device_error_is_not_an_image(self):
        sim, dev = self.camera()
        self.wait_status(dev, "online")
        status, body = self.gw.request("GET", f"/api/v1/devices/{dev}/snapshot?channel=9")
        self.assertEqual(status, 502, body)
        self.assertIsInstance(body, dict, "JSON, not image bytes")
        self.assertEqual(body["code"], "not_found")
        self.assertEqual(body["device_status"]["sub_status"], "notSupport")
        self.assertEqual(sim.state()["requests"].get("/ISAPI/Streaming/channels/901/picture"), 2)
        for bad in ("0", "x", "513", "-1"):
            status, body = self.gw.request("GET", f"/api/v1/devices/{dev}/snapshot?channel={bad}")
            self.assertEqual(status, 400, bad)
            self.assertEqual(body["field"], "channel")

    def test_snapshot_of_an_nvr_falls_back_to_the_streaming_proxy(self):
        sim, dev = self.camera(extra=["--device-type", "NVR", "--channels", "4"])
        self.wait_status(dev, "online")
        status, data = self.gw.request("GET", f"/api/v1/devices/{dev}/snapshot?channel=3",
                                       raw=True)
        self.assertEqual(status, 200, data[:200])
        self.assertEqual(data[:2], b"\xff\xd8")
        reqs = sim.state()["requests"]
        self.assertGreaterEqual(reqs.get("/ISAPI/Streaming/channels/301/picture", 0), 1)
        self.assertGreaterEqual(
            reqs.get("/ISAPI/ContentMgmt/StreamingProxy/channels/301/picture", 0), 1)


class SimulatorPicture(unittest.TestCase):
    """hiksim's picture path, as a camera serves it."""

    def test_picture_needs_authentication_and_is_jpeg(self):
        sim = hikharness.start_hiksim("127.0.0.78", password=CAM_PASSWORD)
        self.addCleanup(sim.stop)
        status, data = hikharness._http("GET", sim.url + PICTURE)
        self.assertEqual(status, 401)
        status, data = sim.isapi("GET", PICTURE)
        self.assertEqual(status, 200)
        self.assertEqual(data[:2], b"\xff\xd8")
        status, data = sim.isapi("GET", "/ISAPI/Streaming/channels/103/picture")
        self.assertEqual(status, 404)
        self.assertIn(b"ResponseStatus", data)
        self.assertGreaterEqual(sim.state()["requests"][PICTURE], 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
