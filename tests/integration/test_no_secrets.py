"""No secret leaves hikgated in clear.

Known passwords go in (device passwords, a wrong device password, the
admin's, a wrong login, a new device password set through the gateway, a
new admin password); the gateway is made to use all of them (identity
probes, actions that succeed and fail, logins that fail, password
changes, the configuration export when the route exists) and is then
killed by SIGABRT and SIGSEGV. Every byte it wrote or said is searched:
every API response body and header, every log line, the SQLite database,
its WAL and shared memory file, and the crash output. None may hold a
password.
"""
import base64
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hikharness  # noqa: E402
import gwharness  # noqa: E402
from gwharness import ADMIN_PASSWORD, Gateway  # noqa: E402

CAM_PW = "Cam-Sec-Zq81!"
WRONG_CAM_PW = "Wrong-Sec-Xv52!"
NEW_CAM_PW = "CamNew-Rt6!q"
BAD_LOGIN_PW = "Bad-Login-Secret-Jw7"
NEW_ADMIN_PW = "Admin-New-Secret-Kp3!"
SECRETS = [CAM_PW, WRONG_CAM_PW, NEW_CAM_PW, BAD_LOGIN_PW, NEW_ADMIN_PW, ADMIN_PASSWORD]


class RecordingGateway(Gateway):
    """A Gateway that keeps every API answer it received."""

    def __init__(self, *args, **kwargs):
        self.seen = []
        super().__init__(*args, **kwargs)

    def request(self, method, path, body=None, auth=True, headers=None, raw=False,
                content_type="application/json"):
        status, payload = super().request(method, path, body, auth, headers, True, content_type)
        self.seen.append(b"%d %s %s\n" % (status, path.encode(),
                                          str(dict(self.last_headers)).encode()) + payload)
        if raw:
            return status, payload
        if payload and self.last_headers.get("Content-Type", "").startswith("application/json"):
            return status, json.loads(payload)
        return status, payload.decode("utf-8", "replace")


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


class NoSecrets(unittest.TestCase):
    def setUp(self):
        self.data_dir = tempfile.mkdtemp(prefix="hikgate-secrets-")
        self.good = hikharness.start_hiksim("127.0.0.11", password=CAM_PW,
                                            extra_args=["--no-sadp"])
        self.bad = hikharness.start_hiksim("127.0.0.12", password=CAM_PW,
                                           extra_args=["--no-sadp"])
        self.gw = RecordingGateway(data_dir=self.data_dir)

    def tearDown(self):
        self.gw.stop(sig=signal.SIGKILL)
        self.good.stop()
        self.bad.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def wait(self, pred, what, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if pred():
                return
            time.sleep(0.05)
        self.fail("timed out waiting for " + what)

    def exercise(self):
        gw = self.gw
        good = gw.create("devices", {"name": "good", "address": "127.0.0.11",
                                     "port": self.good.port, "username": "admin",
                                     "password": CAM_PW})["id"]
        bad = gw.create("devices", {"name": "bad", "address": "127.0.0.12",
                                    "port": self.bad.port, "username": "admin",
                                    "password": WRONG_CAM_PW})["id"]
        self.wait(lambda: gw.api("GET", f"/api/v1/devices/{good}")["status"] == "online",
                  "the good device's probe")
        self.wait(lambda: gw.api("GET", f"/api/v1/devices/{bad}")["status"] == "auth_rejected",
                  "the bad device's probe")
        action = gw.create("actions", {"name": "mask", "type": "hik", "devices": [good, bad],
                                       "action": "privacy_mask.enable"})["id"]
        run_id = gw.api("POST", f"/api/v1/actions/{action}/run", expect=202)["run_id"]
        gw.wait_run(run_id)
        gw.api("GET", f"/api/v1/actions/{action}/runs")
        gw.api("GET", "/api/v1/devices")
        # The gateway sets a new camera password, then uses it.
        gw.api("POST", f"/api/v1/devices/{good}/password", {"new_password": NEW_CAM_PW},
               expect=200)
        run_id = gw.api("POST", f"/api/v1/actions/{action}/run", expect=202)["run_id"]
        gw.wait_run(run_id)
        # Wrong logins, Basic and session.
        status, _ = gw.request("GET", "/api/v1/devices", auth=False,
                               headers=basic("admin", BAD_LOGIN_PW))
        self.assertEqual(status, 401)
        status, _ = gw.request("POST", "/api/v1/session", {"username": "admin",
                                                           "password": BAD_LOGIN_PW}, auth=False)
        self.assertEqual(status, 401)
        status, _ = gw.request("POST", "/api/v1/session", {"username": "admin",
                                                           "password": ADMIN_PASSWORD}, auth=False)
        self.assertEqual(status, 200)
        status, _ = gw.request("GET", "/api/v1/config/export")
        self.assertIn(status, (200, 404))
        for path in ("/api/v1/meta", "/api/v1/state", "/api/v1/events", "/api/v1/health"):
            gw.request("GET", path)
        # Last, the admin's own password changes.
        status, body = gw.request("PUT", "/api/v1/users/admin/password",
                                  {"current_password": ADMIN_PASSWORD,
                                   "new_password": NEW_ADMIN_PW})
        self.assertLess(status, 300, body)
        status, _ = gw.request("GET", "/api/v1/devices", auth=False,
                               headers=basic("admin", NEW_ADMIN_PW))
        self.assertEqual(status, 200)

    def data_files(self):
        out = {}
        for name in sorted(os.listdir(self.data_dir)):
            path = os.path.join(self.data_dir, name)
            if name.startswith("secret.key") or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                out[name] = f.read()
        return out

    def assert_clean(self, where, data):
        for secret in SECRETS:
            at = data.find(secret.encode())
            if at >= 0:  # name the place, without dumping megabytes of database
                self.fail(f"{secret!r} found in {where} at byte {at}: "
                          f"{data[max(0, at - 40):at + 60]!r}")

    def test_no_password_anywhere(self):
        self.exercise()
        # While it runs: the WAL still holds the recent writes.
        files = self.data_files()
        self.assertIn("hikgate.db", files)
        self.assertIn("hikgate.db-wal", files, "expected a live WAL to search")
        # Crash it: whatever a crash prints must be clean too.
        self.gw.stop(sig=signal.SIGABRT)
        self.gw.start()
        self.gw.stop(sig=signal.SIGSEGV)
        for name, data in {**files, **self.data_files()}.items():
            self.assert_clean(name, data)
        self.assertGreater(len(self.gw.logs().splitlines()), 10, "expected a log to search")
        self.assert_clean("the log", self.gw.logs().encode())
        self.assertGreater(len(self.gw.seen), 20)
        for answer in self.gw.seen:
            self.assert_clean("an API answer: " + answer[:80].decode("utf-8", "replace"), answer)
        # The search itself works: the sealed column is there, just not in clear.
        self.assertIn(b"v1:", files["hikgate.db"] + files["hikgate.db-wal"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
