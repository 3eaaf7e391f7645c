"""hikgated pulls events over alertStream from real hiksim processes: events
with their pictures are stored, heartbeats are counted and not stored, and
every fault a real device shows (a stream dropped mid-part, a stream that
stalls without closing, a restart, HTTP/1.0 and a wrong boundary, a changed
password, a lockout, a device that stops answering) ends in the right state
and, where the device allows it, a working stream again. Short timeouts
(options) keep the whole file well under a minute of waiting per case."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gwharness  # noqa: E402
import hikharness  # noqa: E402

# a /24 of loopback of its own per run, so parallel runs do not collide
NET = "127.%d.%d" % (70 + os.getpid() % 80, os.getpid() % 250 + 1)
IDLE_S = 2


def wait_until(what, fn, timeout=10, interval=0.1):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, last))


class AlertStreamTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = gwharness.Gateway(extra_args=[
            "--stream-idle-timeout", str(IDLE_S), "--health-interval", "1",
            "--health-failures", "2", "--device-timeout", "1000"])
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        rc = cls.gw.stop()
        logs = cls.gw.logs()
        cls.gw.close()
        assert rc == 0, "hikgated exited with %s:\n%s" % (rc, logs[-4000:])
        assert "ERROR: AddressSanitizer" not in logs and "runtime error" not in logs, logs

    def setUp(self):
        self.sims = []

    def tearDown(self):
        for sim in self.sims:
            sim.stop()

    # -- helpers ---------------------------------------------------------
    def sim(self, host, *args, password=hikharness.DEFAULT_PASSWORD, port=None):
        sim = hikharness.start_hiksim(NET + "." + str(host), port=port, password=password,
                                      extra_args=["--no-sadp"] + list(args))
        self.sims.append(sim)
        return sim

    def device(self, sim, delivery="pull", password=None):
        type(self).n += 1
        return self.gw.create("devices", {
            "name": "cam %d" % self.n, "address": sim.addr, "port": sim.port,
            "password": password or sim.password, "delivery": delivery})["id"]

    def dev(self, dev_id):
        return self.gw.api("GET", "/api/v1/devices/%d" % dev_id)

    def wait_state(self, dev_id, state, timeout=10):
        return wait_until("stream_state %s" % state,
                          lambda: (lambda d: d if d["stream_state"] == state else None)(
                              self.dev(dev_id)), timeout)

    def events(self, dev_id, kind=None):
        params = {"device": dev_id, "limit": 500}
        if kind:
            params["kind"] = kind
        return self.gw.events(**params)

    def failed_logins(self, sim):
        return sum(c["failed_logins"] for c in sim.state()["clients"])

    def stream_requests(self, sim):
        return sim.state()["requests"].get("/ISAPI/Event/notification/alertStream", 0)

    # -- cases -----------------------------------------------------------
    def test_events_with_pictures_are_stored_and_heartbeats_counted(self):
        sim = self.sim(10, "--heartbeat-seconds", "1")
        dev = self.device(sim)
        self.wait_state(dev, "streaming")
        self.assertEqual(self.dev(dev)["delivery"], "pull")
        answer = sim.fire(kind="line_crossing", pictures=True)
        self.assertEqual(answer["streams"], 1)
        sim.fire(kind="motion", count=3)
        evs = wait_until("4 events", lambda: (lambda e: e if len(e) >= 4 else None)(
            self.events(dev)))
        kinds = sorted(e["kind"] for e in evs)
        self.assertEqual(kinds, ["line_crossing", "motion", "motion", "motion"])
        line = [e for e in evs if e["kind"] == "line_crossing"][0]
        self.assertEqual(len(line["pictures"]), 1, line)
        self.assertEqual(line["pictures"][0]["content_type"], "image/jpeg")
        status, jpeg = self.gw.request("GET", line["pictures"][0]["url"], raw=True)
        self.assertEqual(status, 200)
        self.assertTrue(jpeg.startswith(b"\xff\xd8"))
        self.assertTrue(all(e["attribution"] == "address" for e in evs), evs)
        wait_until("heartbeats", lambda: self.dev(dev)["heartbeats"] >= 2)
        self.assertEqual(self.events(dev, "video_loss"), [])
        self.assertEqual(self.events(dev, "heartbeat"), [])

    def test_drop_mid_stream_reconnects_without_losing_events(self):
        sim = self.sim(11, "--heartbeat-seconds", "1", "--stream-drop-every", "2")
        dev = self.device(sim)
        self.wait_state(dev, "streaming")
        sent = 0
        deadline = time.monotonic() + 7
        while time.monotonic() < deadline:
            if sim.fire(kind="motion").get("streams") == 1:
                sent += 1
            time.sleep(0.25)
        self.assertGreater(sent, 5)
        self.assertGreaterEqual(sim.state()["alert_streams"]["opened"], 3)
        wait_until("%d motion events" % sent,
                   lambda: len(self.events(dev, "motion")) >= sent)
        self.assertEqual(len(self.events(dev, "motion")), sent)

    def test_stall_is_detected_and_reconnected(self):
        sim = self.sim(12, "--heartbeat-seconds", "1", "--stream-stall-after", "1")
        dev = self.device(sim)
        self.wait_state(dev, "streaming")
        stalled = self.wait_state(dev, "stalled", timeout=IDLE_S + 5)
        self.assertIn("no data for %d s" % IDLE_S, stalled["stream_error"])
        self.wait_state(dev, "streaming", timeout=10)
        self.assertGreaterEqual(sim.state()["alert_streams"]["opened"], 2)

    def test_restart_of_the_device(self):
        sim = self.sim(13, "--heartbeat-seconds", "1")
        dev = self.device(sim)
        self.wait_state(dev, "streaming")
        sim.stop()
        backing = self.wait_state(dev, "backing_off")
        self.assertTrue(backing["stream_error"], backing)
        again = self.sim(13, "--heartbeat-seconds", "1", port=sim.port)
        self.wait_state(dev, "streaming", timeout=15)
        again.fire(kind="tamper")
        wait_until("tamper after restart", lambda: self.events(dev, "tamper"))

    def test_nvr_http10_boundary_mismatch_and_ip_camera_channels(self):
        sim = self.sim(14, "--device-type", "NVR", "--channels", "40", "--stream-style", "nvr",
                       "--heartbeat-seconds", "1", "--stream-http10",
                       "--stream-no-content-length", "--stream-boundary-mismatch",
                       "--stream-duplicate-boundaries")
        dev = self.device(sim)
        wait_until("NVR identity", lambda: self.dev(dev)["device_type"] == "NVR")
        self.wait_state(dev, "streaming")
        sim.fire(kind="motion", channel=35)
        sim.fire(kind="motion", channel=2)
        evs = wait_until("2 motion events", lambda: (lambda e: e if len(e) >= 2 else None)(
            self.events(dev, "motion")))
        by_channel = {e["channel"]: e for e in evs}
        self.assertEqual(by_channel[35]["fields"].get("ip_camera"), 3, by_channel[35])
        self.assertNotIn("ip_camera", by_channel[2]["fields"])
        # the NVR's videoloss `active` repeats are heartbeats: at most the
        # first one (video lost on the empty channel) is an event
        wait_until("NVR heartbeats", lambda: self.dev(dev)["heartbeats"] >= 2)
        self.assertLessEqual(len(self.events(dev, "video_loss")), 1)

    def test_changed_password_stops_all_login_attempts(self):
        sim = self.sim(15, "--heartbeat-seconds", "1", "--lockout-after", "5")
        dev = self.device(sim)
        self.wait_state(dev, "streaming")
        sim.stop()
        changed = self.sim(15, "--heartbeat-seconds", "1", "--lockout-after", "5",
                           password="Changed-pass-456", port=sim.port)
        state = self.wait_state(dev, "auth_rejected", timeout=15)
        self.assertEqual(state["status"], "auth_rejected")
        self.assertEqual(self.failed_logins(changed), 1)
        time.sleep(3 * IDLE_S + 1)  # several watchdog periods and health intervals
        self.assertEqual(self.failed_logins(changed), 1)
        self.assertEqual(self.dev(dev)["stream_state"], "auth_rejected")
        self.gw.api("PUT", "/api/v1/devices/%d" % dev, {"password": "Changed-pass-456"})
        self.wait_state(dev, "streaming")
        changed.fire(kind="motion")
        wait_until("motion after the new password", lambda: self.events(dev, "motion"))

    def test_lockout_is_respected(self):
        sim = self.sim(16, "--heartbeat-seconds", "1", "--lockout-after", "1",
                       "--lockout-seconds", "4")
        dev = self.device(sim, password="Wrong-pass-789")
        state = self.wait_state(dev, "locked_out")
        self.assertGreater(state["lock_until_ms"], state["stream_since_ms"])
        requests = self.stream_requests(sim)
        self.gw.api("PUT", "/api/v1/devices/%d" % dev, {"password": sim.password})
        time.sleep(2)
        self.assertEqual(self.stream_requests(sim), requests, "a request before the lock ended")
        self.assertEqual(self.dev(dev)["stream_state"], "locked_out")
        self.wait_state(dev, "streaming", timeout=10)
        self.assertGreaterEqual(gwharness.time.time() * 1000, state["lock_until_ms"])

    def test_both_mode_stores_each_alert_once(self):
        sim = self.sim(17, "--heartbeat-seconds", "1")
        dev = self.device(sim, delivery="both")
        gwharness.point_camera_at(sim, self.gw)
        self.wait_state(dev, "streaming")
        answer = sim.fire(kind="intrusion", count=2)
        self.assertEqual(answer["streams"], 1)
        self.assertEqual([h["status"] for h in answer["hosts"]], [200])
        wait_until("intrusion", lambda: len(self.events(dev, "intrusion")) >= 2)
        time.sleep(1)
        self.assertEqual(len(self.events(dev, "intrusion")), 2)

    def test_delivery_is_validated_and_push_disables_the_stream(self):
        sim = self.sim(18, "--heartbeat-seconds", "1")
        status, body = self.gw.request("POST", "/api/v1/devices", {
            "name": "bad delivery", "address": sim.addr, "port": sim.port,
            "password": "x", "delivery": "carrier-pigeon"})
        self.assertEqual(status, 400)
        self.assertEqual(body.get("field"), "delivery", body)
        status, body = self.gw.request("PATCH" if False else "PUT", "/api/v1/devices/999999",
                                       {"heartbeats": 3})
        self.assertIn(status, (400, 404))
        dev = self.device(sim)
        self.wait_state(dev, "streaming")
        self.gw.api("PUT", "/api/v1/devices/%d" % dev, {"delivery": "push"})
        self.wait_state(dev, "disabled")
        wait_until("stream closed", lambda: sim.state()["alert_streams"]["open"] == 0)

    def test_offline_and_online_events_fire_triggers(self):
        sim = self.sim(19, "--heartbeat-seconds", "1")
        dev = self.device(sim, delivery="push")
        target = self.sim(20)
        target_dev = self.device(target, delivery="push")
        action = self.gw.create("actions", {
            "name": "mask on offline %d" % dev, "type": "hik", "devices": [target_dev],
            "action": "privacy_mask.enable"})["id"]
        trigger = self.gw.create("triggers", {
            "name": "offline %d" % dev, "type": "hik", "devices": [dev],
            "event": "device_offline"})["id"]
        self.gw.create("scenarios", {"name": "offline %d" % dev, "trigger": trigger,
                                     "actions": [action], "enabled": True})
        wait_until("online", lambda: self.dev(dev)["status"] == "online")
        sim.stop()
        offline = wait_until("device_offline", lambda: self.events(dev, "device_offline"),
                             timeout=10)
        self.assertEqual(len(offline), 1)
        ev = self.gw.event(offline[0]["id"])
        self.assertEqual(len(ev["runs"]), 1, ev)
        self.assertEqual(self.gw.wait_run(ev["runs"][0]["id"])["status"], "ok")
        self.assertTrue(target.state()["privacy_mask"][0]["enabled"])
        self.assertEqual(self.dev(dev)["status"], "unreachable")
        self.sim(19, "--heartbeat-seconds", "1", port=sim.port)
        wait_until("device_online", lambda: self.events(dev, "device_online"), timeout=10)
        self.assertEqual(len(self.events(dev, "device_offline")), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
