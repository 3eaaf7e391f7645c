"""Bulk operations through hikgated on several simulators: reboot, time
settings (NTP server and time zone) and password, with a result per
device, one device unreachable, one with a wrong stored password (one
failed login, then auth_rejected), and the concurrency bound.
"""
import json
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hikharness  # noqa: E402
from gwharness import ADMIN_PASSWORD, Gateway  # noqa: E402

CAM_PASSWORD = "Cam-pass-123"


class Bulk(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway()
        cls.sims, cls.ids = [], []
        for i in range(3):
            addr = "127.0.1.%d" % (31 + i)
            sim = hikharness.start_hiksim(addr=addr, password=CAM_PASSWORD,
                                          extra_args=["--reboot-seconds", "1"])
            cls.sims.append(sim)
            dev = cls.gw.create("devices", {"name": "cam%d" % i, "address": addr,
                                            "port": sim.port, "password": CAM_PASSWORD})
            cls.ids.append(dev["id"])
        # nothing listens there: connection refused at once
        cls.dead = cls.gw.create("devices", {
            "name": "gone", "address": "127.0.1.39", "port": hikharness.free_port("127.0.1.39"),
            "password": CAM_PASSWORD})["id"]

    @classmethod
    def tearDownClass(cls):
        for sim in cls.sims:
            sim.stop()
        cls.gw.close()

    def run_bulk(self, body, timeout=90):
        status, job = self.gw.request("POST", "/api/v1/bulk", body)
        self.assertEqual(status, 202, job)
        self.assertEqual(self.gw.last_headers["Location"], job["status_url"])
        deadline = time.time() + timeout
        while time.time() < deadline:
            job = self.gw.api("GET", job["status_url"])
            if job["state"] == "done":
                return job
            time.sleep(0.2)
        self.fail("bulk job still running: %s" % job)

    def wait_online(self, dev, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.gw.api("GET", "/api/v1/devices/%d" % dev)["status"] == "online":
                return
            time.sleep(0.1)
        self.fail("device %d never came online" % dev)

    def results(self, job):
        return {r["device_id"]: r for r in job["results"]}

    def test_reboot_several_devices_with_one_unreachable(self):
        before = [s.state()["maintenance"]["reboots"] for s in self.sims]
        job = self.run_bulk({"operation": "reboot", "devices": self.ids + [self.dead],
                             "params": {"wait_seconds": 30}})
        self.assertEqual((job["total"], job["ok"], job["failed"]), (4, 3, 1), job)
        res = self.results(job)
        for i, dev in enumerate(self.ids):
            self.assertEqual(res[dev]["state"], "ok", res[dev])
            self.assertIn("firmware", res[dev]["result"])
            self.assertIn("job_id", res[dev]["result"], "each device's part is a device job")
            self.assertEqual(self.sims[i].state()["maintenance"]["reboots"], before[i] + 1)
        self.assertEqual(res[self.dead]["state"], "error")
        self.assertIn(res[self.dead]["result"]["code"], ("network", "timeout"))
        self.assertIsNotNone(job["finished_ms"])

    def test_time_settings_on_several_devices(self):
        job = self.run_bulk({"operation": "time", "devices": self.ids + [self.dead],
                             "params": {"ntp_server": "127.0.0.1", "time_zone": "CST-1:00:00",
                                        "interval_minutes": 60}})
        res = self.results(job)
        self.assertEqual(res[self.dead]["state"], "error")
        self.assertEqual(res[self.dead]["result"]["code"], "network")
        for i, dev in enumerate(self.ids):
            self.assertEqual(res[dev]["state"], "ok", res[dev])
            self.assertEqual(res[dev]["result"]["mode"], "NTP")
            self.assertEqual(res[dev]["result"]["time_zone"], "CST-1:00:00")
            status, body = self.sims[i].isapi("GET", "/ISAPI/System/time/ntpServers/1")
            self.assertEqual(status, 200)
            text = body.decode()
            self.assertIn("<ipAddress>127.0.0.1</ipAddress>", text)
            self.assertIn("<addressingFormatType>ipaddress</addressingFormatType>", text)
            self.assertIn("<synchronizeInterval>60</synchronizeInterval>", text)
            status, body = self.sims[i].isapi("GET", "/ISAPI/System/time")
            self.assertIn("<dstEnabled>", body.decode(), "unknown elements are kept")

    def test_wrong_stored_password_is_one_login_then_auth_rejected(self):
        sim = hikharness.start_hiksim(addr="127.0.1.35", password=CAM_PASSWORD)
        self.sims.append(sim)
        dev = self.gw.create("devices", {"name": "stale", "address": "127.0.1.35",
                                         "port": sim.port, "password": "Stale-pass-9"})["id"]
        deadline = time.time() + 10  # the identity probe meets the 401 first
        while time.time() < deadline:
            if self.gw.api("GET", "/api/v1/devices/%d" % dev)["status"] == "auth_rejected":
                break
            time.sleep(0.1)
        failures = lambda: sum(c["failed_logins"] for c in sim.state()["clients"])  # noqa
        self.assertEqual(failures(), 1)
        job = self.run_bulk({"operation": "time", "devices": [dev],
                             "params": {"time_zone": "CST+0:00:00"}})
        self.assertEqual(job["results"][0]["state"], "error")
        self.assertEqual(job["results"][0]["result"]["code"], "auth")
        self.assertEqual(failures(), 1, "never a second login with a rejected password")

    def test_password_on_several_devices(self):
        sims = [hikharness.start_hiksim(addr="127.0.1.%d" % (41 + i), password=CAM_PASSWORD)
                for i in range(2)]
        self.sims.extend(sims)
        ids = [self.gw.create("devices", {"name": "pw%d" % i, "address": s.addr,
                                          "port": s.port, "password": CAM_PASSWORD})["id"]
               for i, s in enumerate(sims)]
        for dev in ids:  # the identity probe must not race the change with the old password
            self.wait_online(dev)
        job = self.run_bulk({"operation": "password", "devices": ids,
                             "params": {"new_password": "Bulk-new-77"}})
        self.assertEqual(job["ok"], 2, job)
        for s in sims:
            s.password = "Bulk-new-77"
            status, _ = s.isapi("GET", "/ISAPI/System/deviceInfo")
            self.assertEqual(status, 200)
        # the gateway stored the new one: a later bulk call logs in with it
        job = self.run_bulk({"operation": "time", "devices": ids,
                             "params": {"time_zone": "CST-2:00:00"}})
        self.assertEqual(job["ok"], 2, job)

    def test_requests_are_validated_before_anything_runs(self):
        bad = [
            ({"operation": "explode", "devices": self.ids}, "operation"),
            ({"operation": "reboot", "devices": []}, "devices"),
            ({"operation": "reboot", "devices": [self.ids[0], self.ids[0]]}, "devices"),
            ({"operation": "reboot", "devices": [99999]}, "devices"),
            ({"operation": "reboot", "devices": self.ids, "params": {"wait_seconds": 1}},
             "params.wait_seconds"),
            ({"operation": "time", "devices": self.ids, "params": {}}, "params"),
            ({"operation": "time", "devices": self.ids, "params": {"colour": "red"}}, "params"),
            ({"operation": "password", "devices": self.ids, "params": {"new_password": "weak"}},
             "params.new_password"),
            ({"operation": "firmware", "devices": self.ids, "params": {"file": "/nonexistent"}},
             "params.file"),
            ({"operation": "http_host", "devices": self.ids, "params": {"dry_run": 1}},
             "params.dry_run"),
            ({"operation": "upgrade", "devices": self.ids}, "operation"),
            ({"operation": "reboot", "devices": self.ids, "extra": 1}, "extra"),
        ]
        for body, field in bad:
            status, answer = self.gw.request("POST", "/api/v1/bulk", body)
            self.assertEqual(status, 400, (body, answer))
            self.assertEqual(answer.get("field"), field, (body, answer))
        status, _ = self.gw.request("GET", "/api/v1/bulk/424242")
        self.assertEqual(status, 404)

    def test_http_host_points_every_camera_at_the_gateway(self):
        job = self.run_bulk({"operation": "http_host", "devices": self.ids,
                             "params": {"dry_run": True}})
        self.assertEqual(job["ok"], 3, job)
        for sim in self.sims[:3]:
            self.assertFalse(any(h["configured"] for h in sim.state()["http_hosts"]),
                             "a dry run wrote to the camera")
        job = self.run_bulk({"operation": "http_host", "devices": self.ids + [self.dead]})
        self.assertEqual((job["total"], job["ok"], job["failed"]), (4, 3, 1), job)
        for sim in self.sims[:3]:
            hosts = [h for h in sim.state()["http_hosts"] if h["configured"]]
            self.assertEqual(len(hosts), 1, hosts)
            self.assertEqual(hosts[0]["port"], self.gw.ingest_port)

    def test_concurrency_is_bounded(self):
        sims = [hikharness.start_hiksim(addr="127.0.1.%d" % (51 + i), password=CAM_PASSWORD,
                                        extra_args=["--reboot-seconds", "2"]) for i in range(6)]
        self.sims.extend(sims)
        ids = [self.gw.create("devices", {"name": "c%d" % i, "address": s.addr, "port": s.port,
                                          "password": CAM_PASSWORD})["id"]
               for i, s in enumerate(sims)]
        status, job = self.gw.request("POST", "/api/v1/bulk", {
            "operation": "reboot", "devices": ids, "params": {"wait_seconds": 30}})
        self.assertEqual(status, 202)
        self.assertEqual(job["concurrency"], 4)
        most = 0
        deadline = time.time() + 90
        while time.time() < deadline:
            job = self.gw.api("GET", job["status_url"])
            running = sum(1 for r in job["results"] if r["state"] == "running")
            most = max(most, running)
            if job["state"] == "done":
                break
            time.sleep(0.05)
        self.assertEqual(job["ok"], 6, job)
        self.assertLessEqual(most, 4)
        self.assertGreaterEqual(most, 2, "devices run side by side")

    def test_hikctl_bulk(self):
        hikctl = os.path.join(hikharness.BIN_DIR, "hikctl")
        env = dict(os.environ, HIKGATE_PASSWORD=ADMIN_PASSWORD)
        url = "http://127.0.0.1:%d" % self.gw.api_port
        ids = ",".join(str(i) for i in self.ids)
        p = subprocess.run([hikctl, "--gateway", url, "--json", "bulk", "time", ids,
                            "time_zone=CST-3:00:00"], env=env, capture_output=True, text=True,
                           timeout=60, stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["ok"], 3)
        p = subprocess.run([hikctl, "--gateway", url, "bulk", "time",
                            "%s,%d" % (ids, self.dead), "time_zone=CST-3:00:00"], env=env,
                           capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 1, "a failed device makes the whole command fail")
        self.assertEqual(len(re.findall(r" ok ", p.stdout)), 3, p.stdout)
        self.assertIn("error", p.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
