"""Device management end to end: hikgated's API drives real hiksim
processes through password changes, network settings, reboots,
configuration backups and restores, firmware upgrades and activation, and
reports each device's own refusal clearly: a wrong stored password (one
login attempt, then nothing), a weak new password, a corrupt firmware file,
a device that does not come back from a reboot in time.
"""
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hikharness  # noqa: E402
from gwharness import Gateway  # noqa: E402

CAM_PASSWORD = "Cam-pass-123"
DAV_KEY = bytes([0xba, 0xcd, 0xbc, 0xfe, 0xd6, 0xca, 0xdd, 0xd3,
                 0xba, 0xb9, 0xa3, 0xab, 0xbf, 0xcb, 0xb5, 0xbe])


def firmware_image(version, size=160 * 1024, valid=True):
    """A file shaped like digicap.dav: obfuscated "SWKH" header, then data
    that tells hiksim which version it installs."""
    header = bytearray(64)
    header[0:4] = b"SWKH" if valid else b"JUNK"
    header[8] = 64  # header length, little endian
    header[12] = 1  # one file inside
    encoded = bytes(b ^ DAV_KEY[(i + (i >> 4)) & 15] for i, b in enumerate(header))
    body = ("hiksim-version=%s\n" % version).encode()
    return encoded + body + bytes((i * 13) & 0xff for i in range(size - 64 - len(body)))


class DeviceOps(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway()
        cls.sims = []

    @classmethod
    def tearDownClass(cls):
        for sim in cls.sims:
            sim.stop()
        cls.gw.close()

    def camera(self, addr, password=CAM_PASSWORD, stored=None, extra=()):
        sim = hikharness.start_hiksim(addr=addr, password=password,
                                      extra_args=["--reboot-seconds", "1"] + list(extra))
        self.sims.append(sim)
        dev = self.gw.create("devices", {
            "name": "cam %s:%d" % (addr, sim.port), "address": addr, "port": sim.port,
            "username": "admin", "password": stored or password})
        return sim, dev["id"]

    def wait_job(self, job, timeout=60):
        url = job["status_url"]
        deadline = time.time() + timeout
        while time.time() < deadline:
            job = self.gw.api("GET", url)
            if job["state"] != "running":
                return job
            time.sleep(0.2)
        self.fail("job %s still running: %s" % (url, job))

    def failures(self, sim):
        return sum(c.get("failed_logins", 0) for c in sim.state().get("clients", []))

    def wait_online(self, dev, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.gw.api("GET", "/api/v1/devices/%d" % dev)["status"] == "online":
                return
            time.sleep(0.1)
        self.fail("device %d never came online" % dev)

    # -- password --------------------------------------------------------
    def test_password_change_then_calls_use_the_new_one(self):
        sim, dev = self.camera("127.0.0.71")
        # the identity probe on declaration must not race the change with the old password
        self.wait_online(dev)
        self.gw.api("POST", "/api/v1/devices/%d/password" % dev,
                    {"new_password": "Brand-new-42"}, expect=200)
        status, _ = sim.isapi("GET", "/ISAPI/System/deviceInfo")  # old password
        self.assertEqual(status, 401, "the device must have dropped the old password")
        sim.password = "Brand-new-42"
        status, _ = sim.isapi("GET", "/ISAPI/System/deviceInfo")
        self.assertEqual(status, 200)
        # the gateway stored it: its next call logs in with the new password
        net = self.gw.api("GET", "/api/v1/devices/%d/network" % dev)
        self.assertIn("address", net)

    def test_weak_new_password_names_the_rule_and_is_never_sent(self):
        sim, dev = self.camera("127.0.0.72")
        status, body = self.gw.request("POST", "/api/v1/devices/%d/password" % dev,
                                       {"new_password": "abcdefgh"})
        self.assertEqual(status, 400)
        self.assertIn("at least two", body["error"])
        status, body = self.gw.request("POST", "/api/v1/devices/%d/password" % dev,
                                       {"new_password": "Admin-123"})
        self.assertEqual(status, 400)
        self.assertIn("user name", body["error"])
        self.assertEqual(sim.state()["maintenance"]["password_changes"], 0)

    def test_rejected_stored_password_is_tried_once_and_never_again(self):
        sim, dev = self.camera("127.0.0.73")
        self.wait_online(dev)  # the identity probe is done
        # someone changes the password on the device behind the gateway's back
        status, _ = sim.isapi("PUT", "/ISAPI/Security/users/1",
                              "<User><id>1</id><userName>admin</userName>"
                              "<password>Changed-else9</password></User>")
        self.assertEqual(status, 200)
        status, body = self.gw.request("POST", "/api/v1/devices/%d/password" % dev,
                                       {"new_password": "Brand-new-42"})
        self.assertEqual(status, 409, body)
        self.assertIn("rejected the stored password", body["error"])
        self.assertEqual(self.failures(sim), 1)
        status, body = self.gw.request("POST", "/api/v1/devices/%d/reboot" % dev)
        self.assertEqual(status, 409)
        self.assertIn("rejected earlier", body["error"])
        self.assertEqual(self.failures(sim), 1, "no second login attempt")
        self.assertEqual(self.gw.api("GET", "/api/v1/devices/%d" % dev)["status"],
                         "auth_rejected")

    # -- network ---------------------------------------------------------
    def test_network_settings_read_and_written(self):
        sim, dev = self.camera("127.0.0.74")
        net = self.gw.api("GET", "/api/v1/devices/%d/network" % dev)
        self.assertEqual(net["address"], "192.0.2.74")
        self.assertFalse(net["dhcp"])
        out = self.gw.api("PUT", "/api/v1/devices/%d/network" % dev,
                          {"dhcp": False, "address": "127.0.0.74", "mask": "255.0.0.0",
                           "gateway": "127.0.0.1", "dns1": "127.0.0.53"})
        self.assertEqual(out["address"], "127.0.0.74")
        self.assertFalse(out["device_address_updated"])  # it is where we reach it already
        ip = sim.state()["maintenance"]["ip"]
        self.assertEqual((ip["address"], ip["mask"], ip["gateway"], ip["dns1"]),
                         ("127.0.0.74", "255.0.0.0", "127.0.0.1", "127.0.0.53"))
        status, body = self.gw.request("PUT", "/api/v1/devices/%d/network" % dev,
                                       {"mask": "255.0.255.0"})
        self.assertEqual(status, 400)
        self.assertIn("mask", body["error"])

    # -- reboot ----------------------------------------------------------
    def test_reboot_runs_as_a_job(self):
        sim, dev = self.camera("127.0.0.75")
        status, job = self.gw.request("POST", "/api/v1/devices/%d/reboot" % dev)
        self.assertEqual(status, 202)
        self.assertEqual(self.gw.last_headers["Location"], job["status_url"])
        job = self.wait_job(job)
        self.assertEqual(job["state"], "ok", job)
        self.assertEqual(sim.state()["maintenance"]["reboots"], 1)

    def test_reboot_that_does_not_come_back_in_time(self):
        sim, dev = self.camera("127.0.0.76", extra=["--reboot-seconds", "30"])
        job = self.gw.api("POST", "/api/v1/devices/%d/reboot" % dev, {"wait_seconds": 3},
                          expect=202)
        job = self.wait_job(job)
        self.assertEqual(job["state"], "error")
        self.assertEqual(job["result"]["code"], "timeout")
        self.assertIn("did not come back", job["result"]["error"])

    # -- backups ---------------------------------------------------------
    def test_backup_and_restore_round_trip(self):
        sim, dev = self.camera("127.0.0.77")
        job = self.wait_job(self.gw.api("POST", "/api/v1/devices/%d/backups" % dev, expect=202))
        self.assertEqual(job["state"], "ok", job)
        backups = self.gw.api("GET", "/api/v1/devices/%d/backups" % dev)
        self.assertEqual(len(backups), 1)
        self.assertGreater(backups[0]["size"], 1000)
        self.assertEqual(backups[0]["firmware"], "V5.7.3")
        path = os.path.join(self.gw.data_dir, "backups", str(dev))
        self.assertEqual(len(os.listdir(path)), 1)
        self.gw.api("PUT", "/api/v1/devices/%d/network" % dev,
                    {"address": "127.0.0.77", "mask": "255.0.0.0"})
        self.assertEqual(sim.state()["maintenance"]["ip"]["address"], "127.0.0.77")
        job = self.gw.api("POST", "/api/v1/devices/%d/backups/%d/restore" %
                          (dev, backups[0]["id"]), expect=202)
        job = self.wait_job(job)
        self.assertEqual(job["state"], "ok", job)
        state = sim.state()["maintenance"]
        self.assertEqual(state["config_imports"], 1)
        self.assertEqual(state["ip"]["address"], "192.0.2.77")
        status, _ = self.gw.request("POST", "/api/v1/devices/%d/backups/9999/restore" % dev)
        self.assertEqual(status, 404)

    # -- firmware --------------------------------------------------------
    def test_firmware_upgrade_reports_progress_and_new_version(self):
        sim, dev = self.camera("127.0.0.78")
        status, job = self.gw.request("POST", "/api/v1/devices/%d/firmware" % dev,
                                      firmware_image("V5.8.1"),
                                      content_type="application/octet-stream")
        self.assertEqual(status, 202, job)
        phases = set()
        deadline = time.time() + 60
        while time.time() < deadline:
            cur = self.gw.api("GET", "/api/v1/devices/%d/firmware" % dev)
            phases.add(cur["phase"])
            if cur["state"] != "running":
                break
            time.sleep(0.2)
        self.assertEqual(cur["state"], "ok", cur)
        self.assertEqual(cur["result"]["firmware"], "V5.8.1")
        self.assertIn("upgrading", phases)
        self.assertEqual(self.gw.api("GET", "/api/v1/devices/%d" % dev)["firmware"], "V5.8.1")
        self.assertEqual(os.listdir(os.path.join(self.gw.data_dir, "tmp")), [],
                         "the uploaded image is deleted afterwards")

    def test_anonymous_upload_is_refused_before_its_body(self):
        """The answer comes as soon as the headers are read: an anonymous
        client cannot make hikgated write a byte of its upload to disk."""
        sim, dev = self.camera("127.0.0.80")
        s = socket.create_connection(("127.0.0.1", self.gw.api_port), timeout=10)
        s.sendall(b"POST /api/v1/devices/%d/firmware HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/octet-stream\r\n"
                  b"Content-Length: 104857600\r\n\r\n" % dev + b"SWKH" + b"\0" * 4096)
        answer = s.recv(4096).decode("latin-1")
        s.close()
        self.assertTrue(answer.startswith("HTTP/1.1 401"), answer)
        tmp = os.path.join(self.gw.data_dir, "tmp")
        self.assertEqual(os.listdir(tmp) if os.path.isdir(tmp) else [], [])
        self.assertNotIn("/ISAPI/System/updateFirmware", sim.state()["requests"])

    def test_corrupt_firmware_is_refused_before_sending(self):
        sim, dev = self.camera("127.0.0.79")
        status, job = self.gw.request("POST", "/api/v1/devices/%d/firmware" % dev,
                                      firmware_image("V9", valid=False),
                                      content_type="application/octet-stream")
        self.assertEqual(status, 202)
        job = self.wait_job(job)
        self.assertEqual(job["state"], "error")
        self.assertIn("not a firmware image", job["result"]["error"])
        self.assertNotIn("/ISAPI/System/updateFirmware", sim.state()["requests"])

    def test_device_refusing_a_firmware_file_is_reported(self):
        sim, dev = self.camera("127.0.0.80")
        image = bytearray(firmware_image("V9"))
        image[8] ^= 0x40  # header length no longer fits: libhik refuses too
        status, job = self.gw.request("POST", "/api/v1/devices/%d/firmware" % dev,
                                      bytes(image), content_type="application/octet-stream")
        job = self.wait_job(job)
        self.assertEqual(job["state"], "error")
        self.assertIn("firmware", job["result"]["error"])

    # -- activation ------------------------------------------------------
    def test_activation_of_an_inactive_device(self):
        sim = hikharness.start_hiksim(addr="127.0.0.81", password="placeholder",
                                      extra_args=["--inactive"])
        self.sims.append(sim)
        self.assertFalse(sim.state()["maintenance"]["activated"])
        status, _ = sim.isapi("GET", "/ISAPI/System/deviceInfo")
        self.assertEqual(status, 403)  # nothing but activation answers
        status, body = self.gw.request("POST", "/api/v1/devices/activate",
                                       {"address": "127.0.0.81", "port": sim.port,
                                        "password": "weakweak"})
        self.assertEqual(status, 400)
        self.assertIn("at least two", body["error"])
        self.gw.api("POST", "/api/v1/devices/activate",
                    {"address": "127.0.0.81", "port": sim.port, "password": "First-pass-7"})
        self.assertTrue(sim.state()["maintenance"]["activated"])
        sim.password = "First-pass-7"
        status, _ = sim.isapi("GET", "/ISAPI/System/deviceInfo")
        self.assertEqual(status, 200)
        status, body = self.gw.request("POST", "/api/v1/devices/activate",
                                       {"address": "127.0.0.81", "port": sim.port,
                                        "password": "First-pass-7"})
        self.assertEqual(status, 409)
        self.assertIn("already activated", body["error"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
