"""Configuration export and import through hikgated: export, import into a
new gateway, export again gives the same document; the same document
applied twice changes nothing; device passwords travel only encrypted
under a passphrase, and a wrong passphrase is refused before anything is
written. Also through hikctl export/import.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hikharness  # noqa: E402
from gwharness import ADMIN_PASSWORD, Gateway  # noqa: E402

PASSPHRASE = "correct horse battery"


def populate(gw):
    """Two devices, two actions, two triggers, two scenarios."""
    d1 = gw.create("devices", {"name": "Gate", "address": "127.0.1.21", "port": 8081,
                               "password": "Gate-pass-1", "anpr_reverse": True})
    d2 = gw.create("devices", {"name": "Yard", "address": "127.0.1.22", "username": "ops",
                               "password": "Yard-pass-2"})
    a1 = gw.create("actions", {"name": "Mask gate", "devices": [d1["id"]],
                               "action": "privacy_mask.enable", "channel": 2})
    a2 = gw.create("actions", {"name": "Unmask all", "devices": [d2["id"], d1["id"]],
                               "action": "privacy_mask.disable"})
    t1 = gw.create("triggers", {"name": "Blocked plate", "devices": [d1["id"]], "event": "anpr",
                                "conditions": {"list": "block", "plate": "AB 123"}})
    t2 = gw.create("triggers", {"name": "Yard motion", "devices": [d2["id"]], "event": "motion"})
    gw.create("scenarios", {"name": "Hide on block", "trigger": t1["id"],
                            "actions": [a2["id"], a1["id"]], "cooldown_s": 30})
    gw.create("scenarios", {"name": "Yard", "trigger": t2["id"], "actions": [a2["id"]],
                            "enabled": False})


class ConfigIO(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway()
        populate(cls.gw)

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()

    def export(self, gw, passphrase=None):
        path = "/api/v1/config/export"
        if passphrase:
            path += "?passphrase=" + passphrase.replace(" ", "%20")
        return gw.api("GET", path)

    def test_export_names_everything_and_holds_no_secret(self):
        doc = self.export(self.gw)
        self.assertEqual(doc["format"], "hikgate-config")
        self.assertEqual(doc["version"], 1)
        self.assertEqual([d["name"] for d in doc["devices"]], ["Gate", "Yard"])
        self.assertNotIn("secrets", doc)
        text = json.dumps(doc)
        for secret in ("Gate-pass-1", "Yard-pass-2", "password"):
            self.assertNotIn(secret, text)
        unmask = [a for a in doc["actions"] if a["name"] == "Unmask all"][0]
        self.assertEqual(unmask["devices"], ["Gate", "Yard"])
        hide = [s for s in doc["scenarios"] if s["name"] == "Hide on block"][0]
        self.assertEqual(hide["trigger"], "Blocked plate")
        self.assertEqual(hide["actions"], ["Unmask all", "Mask gate"], "order is kept")
        for kind in ("devices", "actions", "triggers", "scenarios"):
            for entry in doc[kind]:
                self.assertNotIn("id", entry)
                self.assertNotIn("created_ms", entry)

    def test_round_trip_into_a_new_gateway_gives_the_same_document(self):
        plain = self.export(self.gw)
        sealed = self.export(self.gw, PASSPHRASE)
        self.assertIn("secrets", sealed)
        self.assertEqual(sealed["secrets"]["kdf"], "scrypt")
        self.assertNotIn("Gate-pass-1", json.dumps(sealed))
        fresh = Gateway()
        try:
            report = fresh.api("POST", "/api/v1/config/import",
                               {"document": sealed, "passphrase": PASSPHRASE})
            self.assertEqual(len(report["created"]), 8, report)
            self.assertEqual(report["skipped"], [])
            self.assertTrue(report["changed"])
            self.assertEqual(self.export(fresh), plain)
            # the passwords arrived: a second sealed export opens to the same ones
            again = fresh.api("POST", "/api/v1/config/import",
                              {"document": self.export(fresh, "another passphrase"),
                               "passphrase": "another passphrase"})
            self.assertFalse(again["changed"], again)
            self.assertEqual(len(again["unchanged"]), 8)
        finally:
            fresh.close()

    def test_applied_twice_changes_nothing(self):
        doc = self.export(self.gw)
        before = {k: self.gw.api("GET", "/api/v1/" + k) for k in ("devices", "triggers")}
        report = self.gw.api("POST", "/api/v1/config/import", doc)
        self.assertFalse(report["changed"], report)
        self.assertEqual(report["created"] + report["updated"] + report["skipped"], [])
        self.assertEqual(len(report["unchanged"]), 8)
        after = {k: self.gw.api("GET", "/api/v1/" + k) for k in ("devices", "triggers")}
        self.assertEqual(before, after, "not even updated_ms moves")

    def test_import_updates_by_name_and_reports_why_it_skips(self):
        doc = self.export(self.gw)
        doc["triggers"][0]["conditions"] = {"list": "allow"}  # Blocked plate
        doc["devices"].append({"name": "New cam", "address": "127.0.1.23"})
        doc["actions"].append({"name": "Ghost", "devices": ["Nowhere"],
                               "action": "privacy_mask.enable"})
        doc["scenarios"].append({"name": "Bad", "trigger": "Yard motion", "actions": ["Mask gate"],
                                 "cooldown_s": -1})
        report = self.gw.api("POST", "/api/v1/config/import", doc)
        self.assertEqual(report["updated"], [{"type": "trigger", "name": "Blocked plate"}])
        skipped = {s["name"]: s["reason"] for s in report["skipped"]}
        self.assertIn("no password", skipped["New cam"])
        self.assertIn('device "Nowhere" is not on this gateway', skipped["Ghost"])
        self.assertIn("cooldown_s", skipped["Bad"])
        names = [t["name"] for t in self.gw.api("GET", "/api/v1/triggers")]
        self.assertEqual(sorted(names), ["Blocked plate", "Yard motion"])
        trig = [t for t in self.gw.api("GET", "/api/v1/triggers")
                if t["name"] == "Blocked plate"][0]
        self.assertEqual(trig["conditions"], {"list": "allow"})
        # put it back for the other tests
        doc = self.export(self.gw)
        doc["triggers"][0]["conditions"] = {"list": "block", "plate": "AB 123"}
        self.gw.api("POST", "/api/v1/config/import", doc)

    def test_wrong_or_missing_passphrase_is_refused_and_nothing_changes(self):
        sealed = self.export(self.gw, PASSPHRASE)
        sealed["devices"][0]["address"] = "127.0.1.99"
        status, body = self.gw.request("POST", "/api/v1/config/import",
                                       {"document": sealed, "passphrase": "not the passphrase"})
        self.assertEqual(status, 400, body)
        self.assertEqual(body["field"], "passphrase")
        self.assertIn("wrong passphrase", body["error"])
        status, body = self.gw.request("POST", "/api/v1/config/import", sealed)
        self.assertEqual(status, 400)
        self.assertEqual(body["field"], "passphrase")
        gate = [d for d in self.gw.api("GET", "/api/v1/devices") if d["name"] == "Gate"][0]
        self.assertEqual(gate["address"], "127.0.1.21")

    def test_malformed_documents_are_400(self):
        for doc in ({"format": "something-else", "version": 1},
                    {"format": "hikgate-config", "version": 2},
                    {"format": "hikgate-config", "version": 1, "devices": {}},
                    {"format": "hikgate-config", "version": 1, "extra": 1}):
            status, body = self.gw.request("POST", "/api/v1/config/import", doc)
            self.assertEqual(status, 400, (doc, body))
        status, body = self.gw.request("GET", "/api/v1/config/export?passphrase=short")
        self.assertEqual(status, 400)
        self.assertEqual(body["field"], "passphrase")

    def test_hikctl_export_and_import(self):
        hikctl = os.path.join(hikharness.BIN_DIR, "hikctl")
        env = dict(os.environ, HIKGATE_PASSWORD=ADMIN_PASSWORD, HIKCTL_PASSPHRASE=PASSPHRASE)
        url = "http://127.0.0.1:%d" % self.gw.api_port
        path = os.path.join(tempfile.mkdtemp(prefix="hikctl-cfg-"), "config.json")
        run = lambda *a: subprocess.run([hikctl, "--gateway", url] + list(a), env=env,  # noqa
                                        capture_output=True, text=True, timeout=60,
                                        stdin=subprocess.DEVNULL)
        p = run("export", path, "--with-secrets")
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(path) as f:
            self.assertIn("secrets", json.load(f))
        p = run("--json", "import", path, "--passphrase")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(json.loads(p.stdout)["changed"])
        p = run("import", path)  # no passphrase for a sealed document
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("passphrase", p.stderr)
        p = run("export")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), self.export(self.gw))


if __name__ == "__main__":
    unittest.main(verbosity=2)
