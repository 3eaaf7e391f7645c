"""Live event state, end to end with real processes: a camera (hiksim)
repeats an `active` event while it lasts; hikgated fires the scenario once
per activation, shows the state in GET /api/v1/state, lets it expire when
no repeat comes (push mode sends no heartbeat), and for a trigger with
fire_on "both" also fires on the end: an inactive event or the expiry.
"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hikharness  # noqa: E402
from gwharness import Gateway, point_camera_at  # noqa: E402

CAM_PASSWORD = "Cam-pass-123"
EXPIRY_S = 2


class EventState(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(extra_args=["--state-expiry-kind", f"motion={EXPIRY_S},intrusion={EXPIRY_S}"])
        cls.cam = hikharness.start_hiksim("127.0.0.61", password=CAM_PASSWORD)
        cls.lobby = hikharness.start_hiksim("127.0.0.62", password=CAM_PASSWORD)
        point_camera_at(cls.cam, cls.gw)
        cls.cam_id = cls.gw.create("devices", {
            "name": "Yard camera", "address": "127.0.0.61", "port": cls.cam.port,
            "username": "admin", "password": CAM_PASSWORD})["id"]
        cls.lobby_id = cls.gw.create("devices", {
            "name": "Lobby camera", "address": "127.0.0.62", "port": cls.lobby.port,
            "username": "admin", "password": CAM_PASSWORD})["id"]

    @classmethod
    def tearDownClass(cls):
        cls.cam.stop()
        cls.lobby.stop()
        cls.gw.close()

    def scenario(self, kind, fire_on="active"):
        """trigger(kind) -> scenario -> its own mask action on the lobby; returns the action id."""
        action = self.gw.create("actions", {
            "name": f"mask for {kind} {fire_on} {time.time()}", "type": "hik",
            "devices": [self.lobby_id], "action": "privacy_mask.enable"})["id"]
        trigger = self.gw.create("triggers", {
            "name": f"{kind} {fire_on} {time.time()}", "type": "hik", "devices": [self.cam_id],
            "event": kind, "fire_on": fire_on})
        self.assertEqual(trigger["fire_on"], fire_on)
        scenario = self.gw.create("scenarios", {
            "name": f"s {kind} {fire_on} {time.time()}", "trigger": trigger["id"],
            "actions": [action], "enabled": True})["id"]
        self.addCleanup(self.gw.request, "DELETE", f"/api/v1/actions/{action}")
        self.addCleanup(self.gw.request, "DELETE", f"/api/v1/triggers/{trigger['id']}")
        self.addCleanup(self.gw.request, "DELETE", f"/api/v1/scenarios/{scenario}")
        return action

    def runs(self, action):
        return self.gw.api("GET", f"/api/v1/actions/{action}/runs")

    def state(self, **q):
        query = "&".join(f"{k}={v}" for k, v in q.items())
        return self.gw.api("GET", f"/api/v1/state?device={self.cam_id}&{query}")

    def wait_inactive(self, kind, region=None, timeout=EXPIRY_S + 5):
        deadline = time.time() + timeout
        q = {"kind": kind, "active": "true"}
        if region is not None:
            q["region"] = region
        while time.time() < deadline:
            if not self.state(**q)["active"]:
                return time.time()
            time.sleep(0.1)
        self.fail(f"{kind} state still active after {timeout} s")

    def test_burst_fires_once(self):
        self.wait_inactive("motion")
        action = self.scenario("motion")
        before = len(self.gw.events(device=self.cam_id, kind="motion", limit=500))
        result = self.cam.fire(kind="motion", count=3, interval_ms=200)
        self.assertEqual(len(result["hosts"][0]["results"]), 3, result)
        after = self.gw.events(device=self.cam_id, kind="motion", limit=500)
        self.assertEqual(len(after), before + 3, "every repeat is still recorded")
        self.assertEqual(len(self.runs(action)), 1, "a burst of 3 fired more than once")
        # A new activation after the end fires again.
        self.wait_inactive("motion")
        self.cam.fire(kind="motion")
        self.assertEqual(len(self.runs(action)), 2)

    def test_state_shows_active_then_expires(self):
        self.wait_inactive("intrusion", region=2)
        self.cam.fire(kind="intrusion", region_id=2, target="human")
        now = self.state(kind="intrusion", region=2, active="true")
        self.assertTrue(now["active"], now)
        key = now["keys"][0]
        self.assertEqual((key["kind"], key["region"], key["channel"]), ("intrusion", 2, 1))
        self.assertGreater(key["expires_ms"], key["last_active_ms"])
        # Region 3 was never active.
        self.assertFalse(self.state(kind="intrusion", region=3, active="true")["active"])
        started = time.time()
        ended = self.wait_inactive("intrusion", region=2)
        self.assertGreaterEqual(ended - started, EXPIRY_S - 1.0)
        listed = self.state(kind="intrusion", region=2)["keys"]
        self.assertEqual(len(listed), 1)
        self.assertFalse(listed[0]["active"])

    def test_fire_on_both_fires_on_inactive(self):
        self.wait_inactive("motion")
        action = self.scenario("motion", fire_on="both")
        self.cam.fire(kind="motion")
        self.assertEqual(len(self.runs(action)), 1)
        self.cam.fire(kind="motion", state="inactive")
        self.assertEqual(len(self.runs(action)), 2, "the inactive edge did not fire")
        # A second inactive is no new edge.
        self.cam.fire(kind="motion", state="inactive")
        self.assertEqual(len(self.runs(action)), 2)

    def test_fire_on_both_fires_on_expiry(self):
        self.wait_inactive("motion")
        action = self.scenario("motion", fire_on="both")
        self.cam.fire(kind="motion")
        self.assertEqual(len(self.runs(action)), 1)
        deadline = time.time() + EXPIRY_S + 5
        while time.time() < deadline and len(self.runs(action)) < 2:
            time.sleep(0.1)
        self.assertEqual(len(self.runs(action)), 2, "the expiry did not fire")
        latest = self.gw.events(device=self.cam_id, kind="motion", limit=1)[0]
        self.assertEqual(latest["state"], "inactive")

    def test_fire_on_is_validated(self):
        status, body = self.gw.request("POST", "/api/v1/triggers", {
            "name": "bad", "type": "hik", "devices": [self.cam_id], "event": "motion",
            "fire_on": "inactive"})
        self.assertEqual(status, 400)
        self.assertEqual(body["field"], "fire_on")
        status, body = self.gw.request("GET", "/api/v1/state?kind=earthquake")
        self.assertEqual(status, 400)


if __name__ == "__main__":
    unittest.main()
