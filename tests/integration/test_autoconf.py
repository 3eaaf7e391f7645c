"""Automatic camera configuration, end to end with real processes: hikgated
points a camera's (hiksim's) HTTP host slot at its own ingest listener and
ticks "Notify Surveillance Center" on the triggers it watches, without ever
taking a slot another system uses, and gives the slot back when the device
is removed.
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


def slot_doc(slot, ip, port, url):
    return (f'<?xml version="1.0" encoding="UTF-8"?>'
            f'<HttpHostNotification version="2.0" xmlns="{NS}">'
            f'<id>{slot}</id><url>{url}</url><protocolType>HTTP</protocolType>'
            f'<parameterFormatType>XML</parameterFormatType>'
            f'<addressingFormatType>ipaddress</addressingFormatType>'
            f'<ipAddress>{ip}</ipAddress><portNo>{port}</portNo>'
            f'<httpAuthenticationMethod>none</httpAuthenticationMethod>'
            f'</HttpHostNotification>')


def vmd_without_center():
    return (f'<?xml version="1.0" encoding="UTF-8"?><EventTrigger version="2.0" xmlns="{NS}">'
            f'<id>VMD-1</id><eventType>VMD</eventType><videoInputChannelID>1'
            f'</videoInputChannelID><EventTriggerNotificationList><EventTriggerNotification>'
            f'<id>record-1</id><notificationMethod>record</notificationMethod>'
            f'<videoInputID>1</videoInputID><notificationRecurrence>beginning'
            f'</notificationRecurrence></EventTriggerNotification>'
            f'</EventTriggerNotificationList></EventTrigger>')


class AutoConfiguration(unittest.TestCase):
    next_addr = 30

    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway()

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()

    def setUp(self):
        AutoConfiguration.next_addr += 1
        self.addr = f"127.0.0.{AutoConfiguration.next_addr}"
        self.cam = hikharness.start_hiksim(self.addr, password=CAM_PASSWORD)
        self.addCleanup(self.cam.stop)
        self.dev = self.gw.create("devices", {
            "name": f"camera {self.addr}", "address": self.addr, "port": self.cam.port,
            "username": "admin", "password": CAM_PASSWORD})["id"]
        # The identity probe that follows a new device settles first.
        self.wait_status("online")

    def wait_status(self, status, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            device = self.gw.api("GET", f"/api/v1/devices/{self.dev}")
            if device["status"] == status:
                return
            time.sleep(0.05)
        self.fail(f"device status is {device['status']}, not {status}")

    def put_slot(self, slot, ip, port, url):
        status, body = self.cam.isapi("PUT", f"/ISAPI/Event/notification/httpHosts/{slot}",
                                      slot_doc(slot, ip, port, url))
        self.assertEqual(status, 200, body)

    def slots(self):
        return {h["id"]: h for h in self.cam.state()["http_hosts"]}

    def ours(self, host):
        return (host["ip_address"] == self.gw.ingest_host and host["port"] == self.gw.ingest_port
                and host["url"] == "/hik")

    def configure(self, dry_run=False, expect=200):
        q = "?dry_run=true" if dry_run else ""
        return self.gw.api("POST", f"/api/v1/devices/{self.dev}/configure{q}", expect=expect)

    def watch(self, kind):
        """A hikgate trigger on this camera for `kind`; removed after the test."""
        tid = self.gw.create("triggers", {"name": f"{kind} on {self.addr}", "type": "hik",
                                          "devices": [self.dev], "event": kind})["id"]
        self.addCleanup(self.gw.request, "DELETE", f"/api/v1/triggers/{tid}")
        return tid

    def test_used_slot_stays_untouched_and_the_next_free_one_is_taken(self):
        self.put_slot(1, "192.0.2.20", 4000, "/nvr")
        result = self.configure()
        self.assertEqual(result["slot"]["slot"], 2, result)
        self.assertEqual(result["slot"]["action"], "written")
        self.assertEqual(result["slot"]["test"], "ok")
        self.assertEqual(result["listener"]["port"], self.gw.ingest_port)
        slots = self.slots()
        self.assertEqual((slots[1]["ip_address"], slots[1]["port"], slots[1]["url"]),
                         ("192.0.2.20", 4000, "/nvr"), "the NVR's slot was touched")
        self.assertTrue(self.ours(slots[2]), slots[2])
        self.assertFalse(self.ours(slots[3]))
        # A second run finds its own slot and writes nothing.
        again = self.configure()
        self.assertEqual(again["slot"], dict(again["slot"], slot=2, action="already_set"))
        self.assertEqual(self.slots(), slots)
        # The outcome of the latest run stays readable.
        last = self.gw.api("GET", f"/api/v1/devices/{self.dev}/configure")
        self.assertEqual(last["slot"]["action"], "already_set")

    def test_dry_run_writes_nothing(self):
        self.put_slot(1, "192.0.2.20", 4000, "/nvr")
        status, body = self.cam.isapi("PUT", "/ISAPI/Event/triggers/VMD-1", vmd_without_center())
        self.assertEqual(status, 200, body)
        self.watch("motion")
        before = self.cam.state()
        result = self.configure(dry_run=True)
        after = self.cam.state()
        self.assertTrue(result["dry_run"])
        self.assertEqual(result["slot"]["action"], "would_write")
        self.assertEqual(result["slot"]["slot"], 2)
        self.assertEqual([t["result"] for t in result["triggers"]], ["would_change"], result)
        self.assertEqual(before["http_hosts"], after["http_hosts"])
        self.assertEqual(before["triggers"], after["triggers"])
        self.assertEqual(after["pushes"]["total"], before["pushes"]["total"],
                         "a dry run sent a test event")
        self.assertTrue(result["changes"])

    def test_triggers_get_center_and_events_then_flow(self):
        status, body = self.cam.isapi("PUT", "/ISAPI/Event/triggers/VMD-1", vmd_without_center())
        self.assertEqual(status, 200, body)
        self.assertNotIn("center", self.cam.state()["triggers"]["VMD-1"])
        self.watch("motion")
        self.watch("intrusion")
        result = self.configure()
        by_kind = {t["kind"]: t for t in result["triggers"]}
        self.assertEqual(by_kind["motion"]["trigger_id"], "VMD-1")
        self.assertEqual(by_kind["motion"]["result"], "changed")
        self.assertEqual(by_kind["intrusion"]["result"], "already_set")
        methods = self.cam.state()["triggers"]["VMD-1"]
        self.assertIn("center", methods)
        self.assertIn("record", methods, "the camera's own linkage was lost")
        before = self.gw.events(device=self.dev, kind="motion")
        fired = self.cam.fire(kind="motion")
        self.assertEqual([h.get("status") for h in fired["hosts"]], [200], fired)
        after = self.gw.events(device=self.dev, kind="motion")
        self.assertEqual(len(after), len(before) + 1)

    def test_removal_restores_the_slot(self):
        self.put_slot(1, "192.0.2.20", 4000, "/nvr")
        original = self.slots()[2]
        self.configure()
        self.assertTrue(self.ours(self.slots()[2]))
        self.gw.api("DELETE", f"/api/v1/devices/{self.dev}", expect=204)
        slots = self.slots()
        self.assertEqual(slots[2], original)
        self.assertEqual(slots[1]["ip_address"], "192.0.2.20")
        self.assertIn("slot 2 restored", self.gw.logs())

    def test_no_free_slot_is_a_clear_error(self):
        for slot, ip in ((1, "192.0.2.20"), (2, "192.0.2.21"), (3, "192.0.2.22")):
            self.put_slot(slot, ip, 4000, f"/vms{slot}")
        before = self.cam.state()["http_hosts"]
        answer = self.configure(expect=409)
        self.assertEqual(answer["code"], "no_free_slot")
        for ip in ("192.0.2.20", "192.0.2.21", "192.0.2.22"):
            self.assertIn(ip, answer["error"])
        self.assertEqual([s["address"] for s in answer["slots"]],
                         ["192.0.2.20", "192.0.2.21", "192.0.2.22"])
        self.assertEqual(self.cam.state()["http_hosts"], before)

    def test_wrong_password_is_not_retried(self):
        self.gw.api("PUT", f"/api/v1/devices/{self.dev}", {"password": "Wrong-pass-1"})
        answer = self.configure(expect=409)
        self.assertTrue(answer.get("code") == "auth_rejected" or "rejected earlier" in answer["error"],
                        answer)
        self.wait_status("auth_rejected")
        hosts_path = "/ISAPI/Event/notification/httpHosts"
        before = self.cam.state()["requests"].get(hosts_path, 0)
        answer = self.configure(expect=409)
        self.assertIn("rejected earlier", answer["error"])
        self.assertEqual(self.cam.state()["requests"].get(hosts_path, 0), before,
                         "a rejected password was tried again")

if __name__ == "__main__":
    unittest.main()
