"""hikgated --rotate-key: every device password re-sealed under a new
secret.key in one transaction, never while the daemon runs, and an
interrupted rotation settled on the next run.

Checked from the outside: the key file's bytes and mode, the sealed column
in the SQLite file, and that the daemon still reaches its cameras with the
passwords it holds afterwards.
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hikharness  # noqa: E402
from gwharness import BIN_DIR, Gateway  # noqa: E402

CAM_PASSWORD = "Cam-pass-123"


def rotate(data_dir):
    return subprocess.run([os.path.join(BIN_DIR, "hikgated"), "--data-dir", data_dir,
                           "--rotate-key"], capture_output=True, text=True, timeout=60)


def sealed_passwords(data_dir):
    db = sqlite3.connect(os.path.join(data_dir, "hikgate.db"))
    try:
        return dict(db.execute("SELECT id, password FROM devices ORDER BY id"))
    finally:
        db.close()


def read(path):
    with open(path, "rb") as f:
        return f.read()


class KeyRotation(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data_dir = tempfile.mkdtemp(prefix="hikgate-rotate-")
        cls.sim = hikharness.start_hiksim("127.0.0.7", password=CAM_PASSWORD,
                                          extra_args=["--no-sadp"])
        cls.gw = Gateway(data_dir=cls.data_dir)
        cls.cam = cls.gw.create("devices", {
            "name": "cam", "address": "127.0.0.7", "port": cls.sim.port,
            "username": "admin", "password": CAM_PASSWORD})["id"]
        cls.other = cls.gw.create("devices", {
            "name": "other", "address": "127.0.0.8", "port": 9,
            "username": "admin", "password": "Other-pass-456"})["id"]
        cls.action = cls.gw.create("actions", {
            "name": "mask", "type": "hik", "devices": [cls.cam],
            "action": "privacy_mask.enable"})["id"]

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()
        cls.sim.stop()
        shutil.rmtree(cls.data_dir, ignore_errors=True)

    def key_path(self, suffix=""):
        return os.path.join(self.data_dir, "secret.key" + suffix)

    def action_works(self):
        run_id = self.gw.api("POST", f"/api/v1/actions/{self.action}/run",
                             expect=202)["run_id"]
        run = self.gw.wait_run(run_id, timeout=60)
        self.assertEqual(run["status"], "ok", run)

    def test_1_refused_while_the_daemon_runs(self):
        key = read(self.key_path())
        r = rotate(self.data_dir)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("running hikgated", r.stderr + r.stdout)
        self.assertEqual(read(self.key_path()), key, "the key must not change under the daemon")

    def test_2_rotation_reseals_every_password(self):
        self.action_works()
        self.gw.stop()
        key, sealed = read(self.key_path()), sealed_passwords(self.data_dir)
        r = rotate(self.data_dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("re-sealed 2 device passwords", r.stdout)
        new_key, new_sealed = read(self.key_path()), sealed_passwords(self.data_dir)
        self.assertEqual(len(new_key), 32)
        self.assertNotEqual(new_key, key)
        self.assertEqual(os.stat(self.key_path()).st_mode & 0o777, 0o600)
        self.assertEqual(sealed.keys(), new_sealed.keys())
        for dev_id in sealed:
            self.assertNotEqual(sealed[dev_id], new_sealed[dev_id], f"device {dev_id} not re-sealed")
        for suffix in (".old", ".new"):
            self.assertFalse(os.path.exists(self.key_path(suffix)), suffix + " left behind")
        # The daemon opens the passwords with the new key.
        self.gw.start()
        self.action_works()

    def test_3_interrupted_before_commit_restores_the_old_key(self):
        """A crash after the new key was installed but before the commit:
        the database still needs the old key, now secret.key.old."""
        self.gw.stop()
        sealed = sealed_passwords(self.data_dir)
        os.rename(self.key_path(), self.key_path(".old"))
        with open(self.key_path(), "wb") as f:
            f.write(os.urandom(32))
        os.chmod(self.key_path(), 0o600)
        with self.assertRaises(RuntimeError) as refused:
            self.gw.start()
        self.assertIn("--rotate-key", str(refused.exception))
        r = rotate(self.data_dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("restoring the old key", r.stderr + r.stdout)
        self.assertFalse(os.path.exists(self.key_path(".old")))
        self.assertNotEqual(sealed_passwords(self.data_dir), sealed)
        self.gw.start()
        self.action_works()

    def test_4_interrupted_after_commit_keeps_the_new_key(self):
        self.gw.stop()
        shutil.copyfile(self.key_path(), self.key_path(".old"))
        with open(self.key_path(".old"), "r+b") as f:
            f.write(os.urandom(32))  # an old key that opens nothing any more
        r = rotate(self.data_dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("had committed", r.stderr + r.stdout)
        self.assertFalse(os.path.exists(self.key_path(".old")))
        self.gw.start()
        self.action_works()

    def test_5_a_password_no_key_opens_changes_nothing(self):
        self.gw.stop()
        db = sqlite3.connect(os.path.join(self.data_dir, "hikgate.db"))
        good = db.execute("SELECT password FROM devices WHERE id=?", (self.other,)).fetchone()[0]
        db.execute("UPDATE devices SET password=? WHERE id=?", ("v1:AAAA" + good[7:], self.other))
        db.commit()
        db.close()
        key, sealed = read(self.key_path()), sealed_passwords(self.data_dir)
        r = rotate(self.data_dir)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(f"device {self.other}", r.stderr)
        self.assertEqual(read(self.key_path()), key)
        self.assertEqual(sealed_passwords(self.data_dir), sealed, "a failed rotation wrote")
        self.assertFalse(os.path.exists(self.key_path(".new")))
        db = sqlite3.connect(os.path.join(self.data_dir, "hikgate.db"))
        db.execute("UPDATE devices SET password=? WHERE id=?", (good, self.other))
        db.commit()
        db.close()
        self.gw.start()


if __name__ == "__main__":
    unittest.main(verbosity=2)
