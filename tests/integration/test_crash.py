"""Crash safety: hikgated is killed with SIGKILL several times while a
camera posts numbered events and the scenarios they fire turn a second
camera's privacy mask on and off. Afterwards every acknowledged event is in
the store exactly once, every run finished exactly once, and the camera saw
exactly one privacy-mask PUT per run: a run interrupted around its device
call is not sent twice (actions.c: a recovered run asks the device first).

The camera's events alternate IO (mask on) and PIR (mask off) and one
action worker runs them in order, so consecutive runs want opposite states
and the device's state tells whether an interrupted run's PUT landed. A
post whose answer was lost in a crash is sent again only when the store
does not have it, which is what keeps the alternation exact."""
import os
import random
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hikharness  # noqa: E402
from gwharness import Gateway, vmd_alert  # noqa: E402

CAM_PASSWORD = "Cam-pass-123"
MAX_EVENTS = 800
MAX_SECONDS = 60
KILLS = 4


def alert(n):
    kind = "IO" if n % 2 == 0 else "PIR"
    return vmd_alert(event_type=kind, channel=n + 1,
                     extra=f"<channelName>event-{n}</channelName>\r\n")


class Crash(unittest.TestCase):
    def setUp(self):
        self.gw = Gateway(extra_args=["--action-workers", "1"])
        self.lobby = hikharness.start_hiksim("127.0.0.3", password=CAM_PASSWORD)
        gw = self.gw
        cam = gw.declare("127.0.0.1")
        lobby = gw.create("devices", {"name": "Lobby", "address": "127.0.0.3",
                                      "port": self.lobby.port, "username": "admin",
                                      "password": CAM_PASSWORD})["id"]
        for kind, action in (("io_alarm", "privacy_mask.enable"),
                             ("pir", "privacy_mask.disable")):
            t = gw.create("triggers", {"name": kind, "devices": [cam], "event": kind})["id"]
            a = gw.create("actions", {"name": action, "devices": [lobby], "action": action})["id"]
            gw.create("scenarios", {"name": kind, "trigger": t, "actions": [a], "enabled": True})

    def tearDown(self):
        self.lobby.stop()
        self.gw.close()

    def stored_numbers(self):
        numbers = []
        for kind in ("io_alarm", "pir"):
            for e in self.gw.events(kind=kind, limit=1000):
                numbers.append(e["channel"] - 1)
        return numbers

    def poster(self, acked, stop):
        n = 0
        deadline = time.time() + MAX_SECONDS
        while n < MAX_EVENTS and time.time() < deadline and not stop.is_set():
            try:
                status, _ = self.gw.post_event(alert(n))
            except OSError:
                status = None
            if status == 200:
                acked.append(n)
                n += 1
                continue
            # No answer (daemon killed): wait for it, then send again only
            # what the store does not have.
            while not stop.is_set() and time.time() < deadline:
                try:
                    if n in self.stored_numbers():
                        n += 1
                    break
                except OSError:
                    time.sleep(0.05)

    def wait_runs_finished(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            runs = []
            for a in self.gw.api("GET", "/api/v1/actions"):
                runs += self.gw.api("GET", f"/api/v1/actions/{a['id']}/runs?limit=1000")
            if runs and all(r["status"] in ("ok", "error") for r in runs):
                return runs
            time.sleep(0.2)
        raise AssertionError("runs did not finish")

    def test_sigkill_during_load(self):
        acked, stop = [], threading.Event()
        t = threading.Thread(target=self.poster, args=(acked, stop))
        t.start()
        try:
            rng = random.Random(7)
            for _ in range(KILLS):
                time.sleep(rng.uniform(0.5, 1.5))
                self.gw.stop(signal.SIGKILL)
                self.gw.start()
        finally:
            time.sleep(1)
            stop.set()
            t.join(timeout=MAX_SECONDS + 30)
        self.assertFalse(t.is_alive())
        self.assertGreater(len(acked), 20, self.gw.logs()[-2000:])

        stored = self.stored_numbers()
        self.assertEqual(len(stored), len(set(stored)), "an event was stored twice")
        self.assertFalse(set(acked) - set(stored), "an acknowledged event was lost")
        # the numbers form one unbroken run, so the actions alternated
        self.assertEqual(sorted(stored), list(range(len(stored))))

        runs = self.wait_runs_finished()
        self.assertEqual(sorted(r["event_id"] for r in runs if r["event_id"]),
                         sorted(e["id"] for k in ("io_alarm", "pir")
                                for e in self.gw.events(kind=k, limit=1000)),
                         "every stored event fired exactly one run")
        self.assertEqual([r for r in runs if r["status"] != "ok"], [])
        puts = self.lobby.state()["privacy_mask"][0]["puts"]
        skipped = [r for r in runs if (r["result"] or {}).get("skipped")]
        print(f"\n{len(acked)} acknowledged, {len(stored)} stored, {len(runs)} runs, "
              f"{len(skipped)} recovered runs already applied, {puts} PUTs", file=sys.stderr)
        self.assertEqual(puts, len(runs), "the camera saw a run twice or missed one")
        # the last run decided the final state
        last = max(runs, key=lambda r: r["id"])
        self.assertEqual(self.lobby.state()["privacy_mask"][0]["enabled"],
                         last["action"] == "privacy_mask.enable")


if __name__ == "__main__":
    unittest.main(verbosity=2)
