"""What hikgated owes its operator: --help, --version, clear refusals, the
config file and environment, health, and a graceful SIGTERM that commits
and answers every event in flight."""
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gwharness import BIN_DIR, Gateway, free_port, vmd_alert  # noqa: E402

HIKGATED = os.path.join(BIN_DIR, "hikgated")


def run(*args, env=None, timeout=20):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([HIKGATED, *args], capture_output=True, text=True, timeout=timeout,
                          env=e)


class CommandLine(unittest.TestCase):
    def test_help_and_version(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        for opt in ("--data-dir", "--ingest", "--api", "--log-level", "--admin-password"):
            self.assertIn(opt, r.stdout)
        r = run("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^hikgated \d+\.\d+\.\d+")

    def test_usage_errors(self):
        r = run("--bogus")
        self.assertEqual(r.returncode, 2)
        r = run("--ingest", "nonsense")
        self.assertEqual(r.returncode, 2)
        self.assertIn("ADDR:PORT", r.stderr)
        r = run("--log-level", "chatty")
        self.assertEqual(r.returncode, 2)

    def test_address_in_use(self):
        gw = Gateway()
        try:
            with tempfile.TemporaryDirectory() as d:
                r = run("--data-dir", d, "--ingest", f"127.0.0.1:{gw.ingest_port}",
                        "--api", f"127.0.0.1:{free_port()}", "--admin-password", "long-enough-1")
                self.assertEqual(r.returncode, 1)
                self.assertIn(str(gw.ingest_port), r.stderr)
        finally:
            gw.close()

    def test_newer_schema_is_refused_untouched(self):
        gw = Gateway()
        gw.stop()
        db = os.path.join(gw.data_dir, "hikgate.db")
        c = sqlite3.connect(db)
        c.execute("PRAGMA user_version = 99")
        c.commit()
        c.close()
        before = open(db, "rb").read()
        r = run("--data-dir", gw.data_dir, "--ingest", f"127.0.0.1:{free_port()}",
                "--api", f"127.0.0.1:{free_port()}")
        self.assertEqual(r.returncode, 1)
        self.assertIn("newer", r.stderr)
        self.assertEqual(open(db, "rb").read(), before)
        gw.close()

    def test_corrupt_database_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "hikgate.db"), "wb") as f:
                f.write(b"SQLite format 3\x00" + b"\x13" * 8192)
            r = run("--data-dir", d, "--ingest", f"127.0.0.1:{free_port()}",
                    "--api", f"127.0.0.1:{free_port()}")
            self.assertEqual(r.returncode, 1)
            self.assertIn("hikgate.db", r.stderr)

    def test_config_file_and_environment(self):
        with tempfile.TemporaryDirectory() as d:
            port = free_port()
            conf = os.path.join(d, "hikgate.conf")
            with open(conf, "w") as f:
                f.write(f"# comment\ningest = 127.0.0.1:{port}\nlog-level = warn\n")
            gw = Gateway(data_dir=d, extra_args=["--config", conf])
            try:
                gw.declare()
                # the config file's ingest address wins over nothing; the harness's own
                # --ingest on the command line wins over the file
                self.assertEqual(gw.post_event(vmd_alert())[0], 200)
            finally:
                gw.stop()
            r = run("--data-dir", d, env={"HIKGATE_INGEST": "bad"})
            self.assertEqual(r.returncode, 2)
            self.assertIn("HIKGATE_INGEST", r.stderr)


class Health(unittest.TestCase):
    def test_health_counts(self):
        gw = Gateway()
        try:
            gw.declare()
            gw.post_event(vmd_alert())
            gw.post_event("<broken")
            status, h = gw.request("GET", "/api/v1/health", auth=False)
            self.assertEqual(status, 200)
            self.assertEqual(h["status"], "ok")
            self.assertEqual(h["database"], "ok")
        finally:
            gw.close()


class GracefulShutdown(unittest.TestCase):
    def test_sigterm_answers_and_keeps_in_flight_events(self):
        gw = Gateway()
        gw.declare()
        results = []
        lock = threading.Lock()

        def poster(n):
            for i in range(n):
                try:
                    status, _ = gw.post_event(vmd_alert(event_type="IO", channel=i))
                except OSError:
                    status = None
                with lock:
                    results.append(status)

        threads = [threading.Thread(target=poster, args=(100,)) for _ in range(4)]
        for t in threads:
            t.start()
        while True:
            with lock:
                if len(results) >= 40:
                    break
        rc = gw.stop(signal.SIGTERM)
        for t in threads:
            t.join()
        self.assertEqual(rc, 0, gw.logs()[-2000:])
        acked = results.count(200)
        gw.start()
        try:
            stored = gw.events(kind="io_alarm", limit=1000)
            self.assertGreaterEqual(acked, 40)
            self.assertGreaterEqual(len(stored), acked, "an acknowledged event was lost")
        finally:
            gw.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
