"""Trusted sources, ingest authentication, limits against abuse and the
audit log, against a real hikgated on loopback."""
import base64
import hashlib
import http.client
import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gwharness import Gateway, vmd_alert  # noqa: E402


def unauthorized(gw, source=None, want=1, timeout=5):
    """The unauthorized_source events of `source` (all when None), waiting up
    to `timeout` for `want` of them: a refusal is answered before its record
    is committed."""
    deadline = time.time() + timeout
    while True:
        found = [e for e in gw.events(kind="unauthorized_source", limit=200)
                 if source is None or e["source_addr"] == source]
        if len(found) >= want or time.time() > deadline:
            return found
        time.sleep(0.05)


class TrustedSources(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway()
        cls.dev = cls.gw.declare("127.0.0.1")

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()

    def test_declared_device_is_heard(self):
        status, _ = self.gw.post_event(vmd_alert(event_type="PIR"), source="127.0.0.1")
        self.assertEqual(status, 200)
        self.assertEqual(self.gw.events(kind="pir", limit=1)[0]["device_id"], self.dev)

    def test_stranger_is_refused_with_what_it_claimed(self):
        body = vmd_alert(mac="aa:bb:cc:00:00:31", ip="192.0.2.31", event_type="tamperdetection")
        status, text = self.gw.post_event(body, source="127.0.0.31")
        self.assertEqual(status, 403)
        self.assertIn('"error":"unauthorized_source"', text)
        self.assertFalse(self.gw.events(kind="tamper", limit=10))
        rec = unauthorized(self.gw, "127.0.0.31")
        self.assertEqual(len(rec), 1)
        full = self.gw.event(rec[0]["id"])
        fields = full["fields"]
        self.assertEqual(fields["reason"], "undeclared_source")
        self.assertEqual(fields["body_size"], len(body))
        self.assertEqual(fields["content_type"], "application/xml")
        self.assertEqual(fields["claimed"]["event_type"], "tamperdetection")
        self.assertEqual(fields["claimed"]["mac"], "aa:bb:cc:00:00:31")
        self.assertEqual(fields["claimed"]["ip_address"], "192.0.2.31")
        self.assertIn("tamperdetection", full["raw"])

    def test_sample_is_bounded_and_garbage_is_refused_too(self):
        body = b"\x00garbage" + b"x" * 5000
        status, _ = self.gw.post_event(body, content_type="application/xml", source="127.0.0.32")
        self.assertEqual(status, 403)
        rec = unauthorized(self.gw, "127.0.0.32")
        self.assertEqual(len(rec), 1)
        full = self.gw.event(rec[0]["id"])
        self.assertEqual(full["fields"]["body_size"], len(body))
        self.assertNotIn("claimed", full["fields"])
        self.assertLessEqual(len(full["raw"]), 1024 * 4)  # 1 KiB sample, however encoded

    def test_flood_is_counted_not_stored(self):
        for _ in range(30):
            self.assertEqual(self.gw.post_event(vmd_alert(), source="127.0.0.33")[0], 403)
        self.assertEqual(len(unauthorized(self.gw, "127.0.0.33", want=2, timeout=1)), 1)
        _, h = self.gw.request("GET", "/api/v1/health", auth=False)
        self.assertGreaterEqual(h["events_unauthorized"], 30)

    def test_gateway_scope_trigger(self):
        t = self.gw.create("triggers", {"name": "strangers", "devices": [],
                                        "event": "unauthorized_source"})
        self.assertEqual(t["devices"], [])
        status, err = self.gw.request("POST", "/api/v1/triggers", {
            "name": "motion anywhere", "devices": [], "event": "motion"})
        self.assertEqual(status, 400)
        self.assertEqual(err["field"], "devices")
        act = self.gw.create("actions", {"name": "mask on stranger", "devices": [self.dev],
                                         "action": "privacy_mask.enable"})["id"]
        self.gw.create("scenarios", {"name": "on stranger", "trigger": t["id"],
                                     "actions": [act], "enabled": True})
        self.assertEqual(self.gw.post_event(vmd_alert(), source="127.0.0.34")[0], 403)
        rec = unauthorized(self.gw, "127.0.0.34")[0]
        deadline = time.time() + 10
        while time.time() < deadline and not self.gw.event(rec["id"]).get("runs"):
            time.sleep(0.05)
        runs = self.gw.event(rec["id"])["runs"]
        self.assertEqual(len(runs), 1)
        self.assertEqual(runs[0]["action_id"], act)


class AcceptAny(unittest.TestCase):
    def test_open_mode_records_unattributed(self):
        gw = Gateway(extra_args=["--ingest-accept", "any"])
        try:
            status, _ = gw.post_event(vmd_alert(mac="aa:bb:cc:00:00:41"), source="127.0.0.41")
            self.assertEqual(status, 200)
            ev = gw.events(kind="motion", limit=1)[0]
            self.assertIsNone(ev["device_id"])
            self.assertEqual(ev["attribution"], "none")
        finally:
            gw.close()


class IngestAuth(unittest.TestCase):
    USER, PASSWORD = "camera", "Ingest-pw-9"

    def post(self, gw, headers=None):
        return gw.post_event(vmd_alert(), source="127.0.0.1", headers=headers)

    def test_basic(self):
        gw = Gateway(extra_args=["--ingest-auth", "basic", "--ingest-user", self.USER,
                                 "--ingest-password", self.PASSWORD])
        try:
            gw.declare("127.0.0.1")
            status, _ = self.post(gw)
            self.assertEqual(status, 401)
            self.assertFalse(unauthorized(gw, want=1, timeout=0.5),
                             "a post without credentials is a challenge, not an intrusion")
            good = base64.b64encode(f"{self.USER}:{self.PASSWORD}".encode()).decode()
            self.assertEqual(self.post(gw, {"Authorization": "Basic " + good})[0], 200)
            bad = base64.b64encode(f"{self.USER}:wrong".encode()).decode()
            self.assertEqual(self.post(gw, {"Authorization": "Basic " + bad})[0], 401)
            rec = unauthorized(gw)
            self.assertEqual(len(rec), 1)
            self.assertEqual(gw.event(rec[0]["id"])["fields"]["reason"], "bad_credentials")
        finally:
            gw.close()

    def digest_post(self, gw, password):
        conn = http.client.HTTPConnection("127.0.0.1", gw.ingest_port, timeout=10)
        body = vmd_alert().encode()
        conn.request("POST", "/hik", body=body, headers={"Content-Type": "application/xml"})
        resp = conn.getresponse()
        resp.read()
        self.assertEqual(resp.status, 401)
        chal = resp.headers["WWW-Authenticate"]
        self.assertTrue(chal.startswith("Digest "), chal)
        params = dict(p.strip().split("=", 1) for p in chal[7:].split(","))
        realm, nonce = params["realm"].strip('"'), params["nonce"].strip('"')
        md5 = lambda s: hashlib.md5(s.encode()).hexdigest()  # noqa: E731
        ha1 = md5(f"{self.USER}:{realm}:{password}")
        ha2 = md5("POST:/hik")
        cnonce, nc = "0a4f113b", "00000001"
        response = md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        auth = (f'Digest username="{self.USER}", realm="{realm}", nonce="{nonce}", '
                f'uri="/hik", qop=auth, nc={nc}, cnonce="{cnonce}", response="{response}"')
        conn.close()
        return self.post(gw, {"Authorization": auth})[0]

    def test_digest(self):
        gw = Gateway(extra_args=["--ingest-auth", "digest", "--ingest-user", self.USER,
                                 "--ingest-password", self.PASSWORD])
        try:
            gw.declare("127.0.0.1")
            self.assertEqual(self.digest_post(gw, self.PASSWORD), 200)
            self.assertEqual(self.digest_post(gw, "not-it"), 401)
            self.assertEqual(len(unauthorized(gw)), 1)
            self.assertEqual(len(gw.events(kind="motion", limit=5)), 1)
        finally:
            gw.close()


class Limits(unittest.TestCase):
    def test_trickling_client_is_cut_off_while_others_are_served(self):
        gw = Gateway(extra_args=["--ingest-timeout", "2"])
        try:
            gw.declare("127.0.0.1")
            s = socket.create_connection(("127.0.0.1", gw.ingest_port), timeout=10)
            header = b"POST /hik HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\n"
            start = time.time()
            closed_after = None
            for i in range(len(header)):
                if time.time() - start > 12:
                    break
                try:
                    s.sendall(header[i:i + 1])
                    if i % 3 == 0:  # others are served meanwhile
                        self.assertEqual(gw.post_event(vmd_alert())[0], 200)
                    s.settimeout(1.0)
                    if s.recv(1, socket.MSG_PEEK) == b"":
                        closed_after = time.time() - start
                        break
                except socket.timeout:
                    continue
                except OSError:
                    closed_after = time.time() - start
                    break
            s.close()
            self.assertIsNotNone(closed_after, "a client trickling one byte a second was kept")
            self.assertLess(closed_after, 12)
        finally:
            gw.close()

    def test_connections_per_address_are_capped(self):
        gw = Gateway(extra_args=["--ingest-per-ip", "4"])
        socks = []
        try:
            gw.declare("127.0.0.1")
            for _ in range(4):
                socks.append(socket.create_connection(("127.0.0.1", gw.ingest_port), timeout=5))
            time.sleep(0.3)
            extra = socket.create_connection(("127.0.0.1", gw.ingest_port), timeout=5)
            extra.settimeout(5)
            try:
                extra.sendall(b"POST /hik HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
                got = extra.recv(100)
            except OSError:
                got = b""
            extra.close()
            self.assertEqual(got, b"", "a fifth connection from one address was served")
            # another address is not affected
            status, _ = gw.post_event(vmd_alert(), source="127.0.0.51")
            self.assertEqual(status, 403)
        finally:
            for s in socks:
                s.close()
            gw.close()


def with_picture(n, size):
    b = "----hikboundary"
    head = (f"--{b}\r\nContent-Disposition: form-data; name=\"MoveDetection.xml\"\r\n"
            f"Content-Type: application/xml\r\n\r\n{vmd_alert(channel=n + 1)}\r\n--{b}\r\n"
            f"Content-Disposition: form-data; name=\"VMDImage\"; filename=\"VMDImage.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode()
    return head + b"\xff\xd8" + bytes([n % 256]) * size + f"\r\n--{b}--\r\n".encode(), b


class Retention(unittest.TestCase):
    def test_pictures_capped_oldest_first(self):
        gw = Gateway(extra_args=["--pictures-max-mb", "1"])
        try:
            gw.declare("127.0.0.1")
            for n in range(6):
                body, b = with_picture(n, 300 * 1024)
                status, text = gw.post_event(body, f"multipart/form-data; boundary={b}")
                self.assertEqual(status, 200, text)
            gw.restart()  # a pass runs a second after start
            deadline = time.time() + 15
            while time.time() < deadline:
                _, h = gw.request("GET", "/api/v1/health", auth=False)
                if h["pictures_pruned"]:
                    break
                time.sleep(0.1)
            self.assertEqual(h["pictures_pruned"], 3, "1 MiB holds the 3 newest pictures")
            events = sorted(gw.events(kind="motion", limit=10), key=lambda e: e["id"])
            self.assertEqual(len(events), 6, "events stay, only their pictures go")
            kept = [len(gw.event(e["id"])["pictures"]) for e in events]
            self.assertEqual(kept, [0, 0, 0, 1, 1, 1])
        finally:
            gw.close()


class Audit(unittest.TestCase):
    def test_changes_logins_and_runs_are_logged_without_secrets(self):
        gw = Gateway()
        try:
            dev = gw.create("devices", {"name": "Audited", "address": "127.0.0.61", "port": 9,
                                        "password": "Very-secret-77"})["id"]
            gw.api("PUT", f"/api/v1/devices/{dev}", {"name": "Audited 2"})
            status, _ = gw.request("POST", "/api/v1/session",
                                   {"username": "admin", "password": "wrong-password"},
                                   auth=False)
            self.assertEqual(status, 401)
            bad = base64.b64encode(b"admin:nope").decode()
            gw.request("GET", "/api/v1/devices", auth=False,
                       headers={"Authorization": "Basic " + bad})
            act = gw.create("actions", {"name": "a", "devices": [dev],
                                        "action": "privacy_mask.enable"})["id"]
            run = gw.api("POST", f"/api/v1/actions/{act}/run", expect=202)["run_id"]
            gw.wait_run(run, timeout=30)
            deadline = time.time() + 30
            while time.time() < deadline:
                entries = gw.api("GET", "/api/v1/audit?limit=100")["entries"]
                if any(e["what"] == "action_run" for e in entries):
                    break
                time.sleep(0.1)
            text = repr(entries)
            self.assertNotIn("Very-secret-77", text)
            self.assertNotIn("wrong-password", text)
            by = {(e["what"], e["method"], e["route"]): e for e in entries}
            create = by[("change", "POST", "/api/v1/devices")]
            self.assertEqual(create["who"], "admin")
            self.assertEqual(create["object_id"], dev)
            self.assertEqual(create["source_addr"], "127.0.0.1")
            self.assertEqual(create["summary"]["password"], "***")
            self.assertEqual(by[("change", "PUT", "/api/v1/devices/{id}")]["object_id"], dev)
            fails = [e for e in entries if e["what"] == "login_failed"]
            self.assertEqual(len(fails), 2)
            self.assertIn(("change", "POST", "/api/v1/actions/{id}/run"), by)
            done = [e for e in entries if e["what"] == "action_run"][0]
            self.assertEqual(done["who"], "manual")
            self.assertEqual(done["object_id"], run)
            self.assertEqual(done["summary"]["status"], "error")
            # newest first; since filters by time
            self.assertGreater(entries[0]["id"], entries[-1]["id"])
            future = gw.api("GET", f"/api/v1/audit?since={int(time.time() * 1000) + 60000}")
            self.assertEqual(future["entries"], [])
            self.assertEqual(gw.request("GET", "/api/v1/audit?limit=0")[0], 400)
            self.assertEqual(gw.request("GET", "/api/v1/audit", auth=False)[0], 401)
        finally:
            gw.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
