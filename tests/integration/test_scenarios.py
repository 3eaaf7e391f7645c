"""The product's core promise, end to end with real processes: a camera
(hiksim) posts an event to hikgated; when a trigger's conditions all hold,
the scenario's action turns the privacy mask of another camera (a second
hiksim) on. An event that differs in any one condition does nothing.

Every event of the product brief is covered, and every condition of each.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hikharness  # noqa: E402
from gwharness import Gateway, point_camera_at  # noqa: E402

CAM_PASSWORD = "Cam-pass-123"

# event kind -> (conditions, the matching event, events that differ in one condition)
CASES = {
    "intrusion": (
        {"region_id": 2, "target": "human"},
        {"kind": "intrusion", "region_id": 2, "target": "human"},
        [{"kind": "intrusion", "region_id": 1, "target": "human"},
         {"kind": "intrusion", "region_id": 2, "target": "vehicle"}],
    ),
    "line_crossing": (
        {"region_id": 1, "target": "vehicle"},
        {"kind": "line_crossing", "region_id": 1, "target": "vehicle"},
        [{"kind": "line_crossing", "region_id": 3, "target": "vehicle"},
         {"kind": "line_crossing", "region_id": 1, "target": "human"}],
    ),
    "region_entrance": (
        {"region_id": 3, "target": "human"},
        {"kind": "region_entrance", "region_id": 3, "target": "human"},
        [{"kind": "region_entrance", "region_id": 4, "target": "human"},
         {"kind": "region_entrance", "region_id": 3, "target": "vehicle"},
         {"kind": "region_exiting", "region_id": 3, "target": "human"}],
    ),
    "region_exiting": (
        {"region_id": 2},
        {"kind": "region_exiting", "region_id": 2, "target": "vehicle"},
        [{"kind": "region_exiting", "region_id": 1, "target": "vehicle"},
         {"kind": "region_entrance", "region_id": 2, "target": "vehicle"}],
    ),
    "motion": (
        {},
        {"kind": "motion"},
        [{"kind": "motion", "state": "inactive"}, {"kind": "tamper"}],
    ),
    "anpr": (
        {"plate": "AB-123-CD", "list": "allow", "direction": "incoming"},
        {"kind": "anpr", "plate": "AB123CD", "list": "allow", "direction": "incoming"},
        [{"kind": "anpr", "plate": "AB123CE", "list": "allow", "direction": "incoming"},
         {"kind": "anpr", "plate": "AB123CD", "list": "block", "direction": "incoming"},
         {"kind": "anpr", "plate": "AB123CD", "list": "allow", "direction": "outgoing"}],
    ),
    "face_recognition": (
        {"name": "Valentin", "min_similarity": 70},
        {"kind": "face_recognition", "name": "Valentin", "similarity": 85},
        [{"kind": "face_recognition", "name": "Alice", "similarity": 95},
         {"kind": "face_recognition", "name": "Valentin", "similarity": 60}],
    ),
}


class Scenarios(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway()
        cls.cam = hikharness.start_hiksim("127.0.0.2", password=CAM_PASSWORD)
        cls.lobby = hikharness.start_hiksim("127.0.0.3", password=CAM_PASSWORD)
        # What an installer does in the camera's web UI: point its HTTP host at hikgate.
        point_camera_at(cls.cam, cls.gw)
        cls.cam_id = cls.gw.create("devices", {
            "name": "Entrance camera", "address": "127.0.0.2", "port": cls.cam.port,
            "username": "admin", "password": CAM_PASSWORD})["id"]
        cls.lobby_id = cls.gw.create("devices", {
            "name": "Lobby camera", "address": "127.0.0.3", "port": cls.lobby.port,
            "username": "admin", "password": CAM_PASSWORD})["id"]
        cls.mask_on = cls.gw.create("actions", {
            "name": "Mask the lobby", "type": "hik", "devices": [cls.lobby_id],
            "action": "privacy_mask.enable"})["id"]
        cls.mask_off = cls.gw.create("actions", {
            "name": "Unmask the lobby", "type": "hik", "devices": [cls.lobby_id],
            "action": "privacy_mask.disable"})["id"]

    @classmethod
    def tearDownClass(cls):
        cls.cam.stop()
        cls.lobby.stop()
        cls.gw.close()

    def lobby_mask(self):
        return self.lobby.state()["privacy_mask"][0]["enabled"]

    def unmask_lobby(self):
        run_id = self.gw.api("POST", f"/api/v1/actions/{self.mask_off}/run", expect=202)["run_id"]
        run = self.gw.wait_run(run_id)
        self.assertEqual(run["status"], "ok", run)
        self.assertFalse(self.lobby_mask())

    def fire(self, event):
        """Make the camera push `event`; return the event hikgate recorded."""
        before = self.gw.events(device=self.cam_id, limit=1)
        result = self.cam.fire(**event)
        statuses = [h.get("status") for h in result["hosts"]]
        self.assertEqual(statuses, [200], f"camera push not acknowledged: {result}")
        latest = self.gw.events(device=self.cam_id, limit=1)
        self.assertTrue(latest and (not before or latest[0]["id"] > before[0]["id"]),
                        "acknowledged event not in the store")
        return self.gw.event(latest[0]["id"])

    def check_case(self, kind):
        conditions, match, misses = CASES[kind]
        trigger = self.gw.create("triggers", {
            "name": f"{kind} trigger", "type": "hik", "devices": [self.cam_id],
            "event": kind, "conditions": conditions})["id"]
        scenario = self.gw.create("scenarios", {
            "name": f"{kind} scenario", "trigger": trigger, "actions": [self.mask_on],
            "enabled": True})["id"]
        try:
            self.unmask_lobby()
            for miss in misses:
                ev = self.fire(miss)
                self.assertEqual(ev["runs"], [], f"{miss} must not fire {kind} {conditions}")
                self.assertFalse(self.lobby_mask(), f"mask flipped by {miss}")
            ev = self.fire(match)
            self.assertEqual(ev["kind"], kind)
            self.assertEqual(len(ev["runs"]), 1, ev)
            run = self.gw.wait_run(ev["runs"][0]["id"])
            self.assertEqual(run["status"], "ok", run)
            self.assertTrue(self.lobby_mask(), "the lobby's privacy mask did not turn on")
            # The mask's regions, configured on the camera, survived the write.
            self.assertGreaterEqual(self.lobby.state()["privacy_mask"][0]["regions"], 1)
            return ev
        finally:
            self.gw.api("DELETE", f"/api/v1/scenarios/{scenario}", expect=204)
            self.gw.api("DELETE", f"/api/v1/triggers/{trigger}", expect=204)

    def test_intrusion(self):
        self.check_case("intrusion")

    def test_line_crossing(self):
        self.check_case("line_crossing")

    def test_region_entrance(self):
        self.check_case("region_entrance")

    def test_region_exiting(self):
        self.check_case("region_exiting")

    def test_motion(self):
        self.check_case("motion")

    def test_anpr_with_pictures(self):
        ev = self.check_case("anpr")
        self.assertEqual(ev["fields"]["anpr"]["plate"], "AB123CD")
        self.assertGreaterEqual(len(ev["pictures"]), 1, "ANPR pictures not attached")
        status, data = self.gw.request("GET", ev["pictures"][0]["url"], raw=True)
        self.assertEqual(status, 200)
        self.assertEqual(data[:2], b"\xff\xd8", "picture is not a JPEG")

    def test_face_recognition(self):
        ev = self.check_case("face_recognition")
        names = [c["name"] for c in ev["fields"]["face"]["candidates"]]
        self.assertIn("Valentin", names)

    def test_disabled_scenario_does_nothing(self):
        trigger = self.gw.create("triggers", {
            "name": "any motion", "type": "hik", "devices": [self.cam_id], "event": "motion"})["id"]
        scenario = self.gw.create("scenarios", {
            "name": "off", "trigger": trigger, "actions": [self.mask_on], "enabled": False})["id"]
        try:
            self.unmask_lobby()
            ev = self.fire({"kind": "motion"})
            self.assertEqual(ev["runs"], [])
            self.gw.api("PUT", f"/api/v1/scenarios/{scenario}", {"enabled": True})
            ev = self.fire({"kind": "motion"})
            self.assertEqual(len(ev["runs"]), 1)
            self.assertEqual(self.gw.wait_run(ev["runs"][0]["id"])["status"], "ok")
            self.assertTrue(self.lobby_mask())
        finally:
            self.gw.api("DELETE", f"/api/v1/scenarios/{scenario}", expect=204)
            self.gw.api("DELETE", f"/api/v1/triggers/{trigger}", expect=204)


if __name__ == "__main__":
    unittest.main(verbosity=2)
