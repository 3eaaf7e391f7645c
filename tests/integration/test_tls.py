"""HTTPS end to end.

The listeners: `hikgated --generate-tls` makes a self-signed pair, the API
and the ingest listener serve HTTPS with it, curl and Python verify it
against that certificate, and a plain-HTTP request to the TLS port fails
without harming the daemon.

The cameras: a device declared with scheme https is pinned to the public
key it presents on declaration; calls succeed; the same camera restarted
with another key is refused with tls_pin_mismatch (before any password is
sent) until the admin accepts the new key.

And the sources: no code path turns certificate verification off except
the pinned one.
"""
import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gwharness  # noqa: E402
import hikharness  # noqa: E402
from gwharness import BIN_DIR, Gateway, vmd_alert  # noqa: E402

SRC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
CAM_PASSWORD = "Cam-pass-123"


def hikgated(*args):
    return subprocess.run([os.path.join(BIN_DIR, "hikgated")] + list(args),
                          capture_output=True, text=True, timeout=60)


def generate(dir_, *hosts):
    args = ["--generate-tls", dir_]
    if hosts:
        args += ["--tls-hosts", ",".join(hosts)]
    r = hikgated(*args)
    if r.returncode != 0:
        raise RuntimeError(f"--generate-tls failed: {r.stdout}{r.stderr}")
    return os.path.join(dir_, "cert.pem"), os.path.join(dir_, "key.pem")


def spki_pin(cert_path):
    """sha256// + base64 of the SHA-256 of the certificate's public key, with
    the openssl tool: an independent computation of what hikgate records."""
    pub = subprocess.run(["openssl", "x509", "-in", cert_path, "-noout", "-pubkey"],
                         capture_output=True, check=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub,
                         capture_output=True, check=True).stdout
    return "sha256//" + base64.b64encode(hashlib.sha256(der).digest()).decode()


class TlsListeners(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hikgate-tls-")
        cls.tls_dir = os.path.join(cls.tmp, "tls")
        cls.cert, cls.key = generate(cls.tls_dir, "127.0.0.5", "gateway.example")
        cls.gw = Gateway(api_ca=cls.cert, extra_args=[
            "--api-tls-cert", cls.cert, "--api-tls-key", cls.key,
            "--ingest-tls-cert", cls.cert, "--ingest-tls-key", cls.key,
            "--ingest-accept", "any"])  # events are posted from an undeclared 127.0.0.1

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_generated_pair(self):
        self.assertEqual(os.stat(self.key).st_mode & 0o777, 0o600, "the key must be 0600")
        text = subprocess.run(["openssl", "x509", "-in", self.cert, "-noout", "-text"],
                              capture_output=True, text=True, check=True).stdout
        for name in ("DNS:localhost", "IP Address:127.0.0.1", "IP Address:127.0.0.5",
                     "DNS:gateway.example"):
            self.assertIn(name, text, "subjectAltName lacks " + name)
        self.assertIn("prime256v1", text, "expected an EC P-256 key")
        with open(self.key, "rb") as f:
            before = f.read()
        again = hikgated("--generate-tls", self.tls_dir)
        self.assertNotEqual(again.returncode, 0, "an existing key must not be replaced")
        with open(self.key, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_curl_verifies_with_the_generated_cert(self):
        if not shutil.which("curl"):
            self.skipTest("curl not installed")
        r = subprocess.run(["curl", "-sS", "--max-time", "20", "--cacert", self.cert,
                            f"https://127.0.0.1:{self.gw.api_port}/api/v1/health"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["status"], "ok")

    def test_python_verifies_and_unknown_ca_is_refused(self):
        status, body = self.gw.request("GET", "/api/v1/health", auth=False)
        self.assertEqual(status, 200)
        self.assertEqual(body["status"], "ok")
        self.assertEqual(self.gw.api("GET", "/api/v1/devices"), [])
        conn = http.client.HTTPSConnection("127.0.0.1", self.gw.api_port, timeout=10,
                                           context=ssl.create_default_context())
        with self.assertRaises(ssl.SSLCertVerificationError):
            conn.request("GET", "/api/v1/health")
        conn.close()

    def test_session_cookie_is_secure_over_https(self):
        status, _ = self.gw.request("POST", "/api/v1/session",
                                    {"username": "admin", "password": gwharness.ADMIN_PASSWORD},
                                    auth=False)
        self.assertEqual(status, 200)
        cookie = self.gw.last_headers.get("Set-Cookie", "")
        self.assertIn("HttpOnly", cookie)
        self.assertIn("; Secure", cookie)

    def test_plain_http_to_the_tls_port_fails_cleanly(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.gw.api_port, timeout=10)
        with self.assertRaises((http.client.HTTPException, OSError)):
            conn.request("GET", "/api/v1/health")
            resp = conn.getresponse()
            resp.read()
            # A TLS listener has no HTTP answer to give; whatever came back,
            # it was not the health document.
            raise http.client.HTTPException(f"unexpected HTTP {resp.status}")
        conn.close()
        self.assertTrue(self.gw.alive())
        status, _ = self.gw.request("GET", "/api/v1/health", auth=False)
        self.assertEqual(status, 200, "the listener must keep serving after the bad request")

    def test_ingest_over_https(self):
        ctx = ssl.create_default_context(cafile=self.cert)
        conn = http.client.HTTPSConnection("127.0.0.1", self.gw.ingest_port, timeout=30,
                                           context=ctx)
        conn.request("POST", "/hik", body=vmd_alert().encode(),
                     headers={"Content-Type": "application/xml"})
        resp = conn.getresponse()
        resp.read()
        conn.close()
        self.assertEqual(resp.status, 200)
        self.assertTrue(self.gw.events(limit=1), "the event sent over HTTPS was not stored")


class DevicePinning(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hikgate-pin-")
        cls.cert_a, cls.key_a = generate(os.path.join(cls.tmp, "a"), "127.0.0.6")
        cls.cert_b, cls.key_b = generate(os.path.join(cls.tmp, "b"), "127.0.0.6")
        cls.gw = Gateway()
        cls.sim = None

    @classmethod
    def tearDownClass(cls):
        if cls.sim:
            cls.sim.stop()
        cls.gw.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def start_sim(self, cert, key, port=None):
        if self.sim:
            self.sim.stop()
        type(self).sim = hikharness.start_hiksim(
            "127.0.0.6", port=port, password=CAM_PASSWORD,
            extra_args=["--tls-cert", cert, "--tls-key", key, "--no-sadp", "--log-level", "debug"])
        return self.sim

    def wait_device(self, dev_id, pred, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            dev = self.gw.api("GET", f"/api/v1/devices/{dev_id}")
            if pred(dev):
                return dev
            time.sleep(0.05)
        self.fail(f"device {dev_id} never reached the expected state: {dev}")

    def run_action(self, action_id):
        run_id = self.gw.api("POST", f"/api/v1/actions/{action_id}/run", expect=202)["run_id"]
        return self.gw.wait_run(run_id, timeout=60)

    def test_pin_recorded_refused_on_change_and_accepted(self):
        sim = self.start_sim(self.cert_a, self.key_a)
        dev_id = self.gw.create("devices", {
            "name": "https camera", "address": "127.0.0.6", "port": sim.port,
            "scheme": "https", "username": "admin", "password": CAM_PASSWORD})["id"]
        # Declared: the identity probe pinned the key it met, and succeeded.
        dev = self.wait_device(dev_id, lambda d: d["status"] == "online" and d["model"])
        self.assertEqual(dev["tls_pin"], spki_pin(self.cert_a))
        self.assertIsNone(dev["tls_pin_pending"])
        action = self.gw.create("actions", {"name": "mask", "type": "hik", "devices": [dev_id],
                                            "action": "privacy_mask.enable"})["id"]
        run = self.run_action(action)
        self.assertEqual(run["status"], "ok", run)
        self.assertTrue([line for line in sim.log if "/ISAPI/" in line],
                        "the camera logs the requests it gets (checked below for the impostor)")

        # The same camera comes back with another key: refused, clearly.
        self.start_sim(self.cert_b, self.key_b, port=sim.port)
        run = self.run_action(action)
        self.assertEqual(run["status"], "error", run)
        self.assertIn("tls_pin_mismatch", json.dumps(run))
        dev = self.gw.api("GET", f"/api/v1/devices/{dev_id}")
        self.assertEqual(dev["status"], "tls_pin_mismatch", dev)
        self.assertIn(f"POST /api/v1/devices/{dev_id}/tls/accept", dev["last_error"])
        self.assertIn("certificate changed", dev["last_error"])
        self.assertEqual(dev["tls_pin"], spki_pin(self.cert_a), "the pin must not move by itself")
        self.assertEqual(dev["tls_pin_pending"], spki_pin(self.cert_b))
        # Nothing was sent to the impostor: the TLS handshake failed first.
        self.assertFalse([line for line in self.sim.log if "/ISAPI/" in line], self.sim.log)
        self.assertIn("tls_pin_mismatch", self.gw.logs() + dev["last_error"])

        # The admin accepts the new key: service resumes.
        answer = self.gw.api("POST", f"/api/v1/devices/{dev_id}/tls/accept")
        self.assertEqual(answer["tls_pin"], spki_pin(self.cert_b))
        dev = self.wait_device(dev_id, lambda d: d["status"] == "online")
        self.assertEqual(dev["tls_pin"], spki_pin(self.cert_b))
        self.assertIsNone(dev["tls_pin_pending"])
        run = self.run_action(action)
        self.assertEqual(run["status"], "ok", run)
        # Nothing left to accept.
        status, body = self.gw.request("POST", f"/api/v1/devices/{dev_id}/tls/accept")
        self.assertEqual(status, 409, body)
        status, body = self.gw.request("POST", "/api/v1/devices/999999/tls/accept")
        self.assertEqual(status, 404, body)


class NoUnpinnedVerificationOff(unittest.TestCase):
    """Certificate verification is turned off in one file, in the pinned
    path and in the first-use key read (which sends nothing), nowhere else."""

    ALLOWED = {("lib/isapi_tls_pin.c", "pin__trust_key_only"),
               ("lib/isapi_tls_pin.c", "hik_isapi_fetch_pin")}
    OFF = re.compile(r"CURLOPT_SSL_VERIFY(PEER|HOST)\s*,\s*0")
    FUNC = re.compile(r"^[A-Za-z_][\w \*]*?\b(\w+)\s*\(")

    def test_grep_sources(self):
        hits = []
        for top in ("lib", "src", "include"):
            for root, _, files in os.walk(os.path.join(SRC_DIR, top)):
                for name in files:
                    if not name.endswith((".c", ".h")):
                        continue
                    path = os.path.join(root, name)
                    rel = os.path.relpath(path, SRC_DIR)
                    func = None
                    with open(path, encoding="utf-8", errors="replace") as f:
                        for line in f:
                            m = self.FUNC.match(line)
                            if m and not line.startswith(("static const", "#")):
                                func = m.group(1)
                            if self.OFF.search(line):
                                hits.append((rel, func))
        self.assertTrue(hits, "the pinned path itself must be found by this grep")
        for hit in hits:
            self.assertIn(hit, self.ALLOWED, f"verification turned off outside the pin: {hit}")
        with open(os.path.join(SRC_DIR, "lib/isapi_tls_pin.c"), encoding="utf-8") as f:
            src = f.read()
        body = src[src.index("static CURLcode pin__trust_key_only"):]
        body = body[:body.index("\n}\n")]
        self.assertLess(body.index("CURLOPT_PINNEDPUBLICKEY"), body.index("VERIFYPEER"),
                        "the pin must be set before verification is relaxed")
        fetch = src[src.index("hik_err hik_isapi_fetch_pin"):]
        self.assertIn("CURLOPT_CONNECT_ONLY, 1L", fetch,
                      "the first-use key read must not send a request")


if __name__ == "__main__":
    unittest.main(verbosity=2)
