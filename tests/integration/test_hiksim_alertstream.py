"""hiksim serves GET /ISAPI/Event/notification/alertStream as devices do:
a close-delimited multipart/mixed reply behind digest auth, heartbeats,
fired events on every open stream, a cap on concurrent streams, and each
quirk switch visible in the bytes on the wire."""
import hashlib
import os
import re
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hikharness  # noqa: E402

# a /24 of loopback of its own per run, so parallel runs do not collide
NET = "127.%d.%d" % (160 + os.getpid() % 90, os.getpid() % 250 + 1)
PATH = "/ISAPI/Event/notification/alertStream"
PART_HEAD = re.compile(rb"--boundary\r\n((?:[A-Za-z-]+: [^\r\n]*\r\n)+)\r\n")


def _read_head(sock):
    """Status line and headers of a reply; returns (status line, headers, rest)."""
    data = b""
    deadline = time.monotonic() + 10
    while b"\r\n\r\n" not in data:
        if time.monotonic() > deadline:
            raise AssertionError("no reply head: %r" % data)
        chunk = sock.recv(4096)
        if not chunk:
            raise AssertionError("closed before the reply head: %r" % data)
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return lines[0], headers, rest


def _digest(challenge, uri, user, password):
    params = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge))
    md5 = lambda s: hashlib.md5(s.encode()).hexdigest()  # noqa: E731
    ha1 = md5("%s:%s:%s" % (user, params["realm"], password))
    ha2 = md5("GET:%s" % uri)
    cnonce = "1f2e3d4c"
    resp = md5(":".join([ha1, params["nonce"], "00000001", cnonce, "auth", ha2]))
    return ('Digest username="%s", realm="%s", nonce="%s", uri="%s", algorithm=MD5, '
            'response="%s", qop=auth, nc=00000001, cnonce="%s"'
            % (user, params["realm"], params["nonce"], uri, resp, cnonce))


class Stream:
    """An alertStream read over a raw socket, as a gateway would."""

    def __init__(self, sim, path=PATH, password=None):
        password = sim.password if password is None else password
        with socket.create_connection((sim.addr, sim.port), timeout=10) as probe:
            probe.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path, sim.addr)).encode())
            _, headers, _ = _read_head(probe)
        auth = _digest(headers["www-authenticate"], path, sim.user, password)
        self.sock = socket.create_connection((sim.addr, sim.port), timeout=10)
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\n\r\n"
                           % (path, sim.addr, auth)).encode())
        self.status_line, self.headers, self.data = _read_head(self.sock)
        self.closed = False

    def read_for(self, seconds):
        """Collect bytes for a while; stops early when the device closes."""
        deadline = time.monotonic() + seconds
        while not self.closed:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                self.closed = True
            self.data += chunk
        return self.data

    def wait_for(self, needle, seconds=5):
        deadline = time.monotonic() + seconds
        while needle not in self.data and not self.closed and time.monotonic() < deadline:
            self.read_for(min(0.2, max(0.0, deadline - time.monotonic())))
        return needle in self.data

    def parts(self):
        """(headers dict, body) of every complete part with Content-Length."""
        out = []
        for m in PART_HEAD.finditer(self.data):
            headers = dict(line.split(": ", 1)
                           for line in m.group(1).decode().split("\r\n") if line)
            if "Content-Length" not in headers:
                continue
            length = int(headers["Content-Length"])
            body = self.data[m.end():m.end() + length]
            if len(body) == length:
                out.append((headers, body))
        return out

    def close(self):
        self.sock.close()


def event_types(data):
    return re.findall(rb"<eventType>([^<]*)</eventType>", data)


class CameraStyleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = hikharness.start_hiksim(NET + ".10", extra_args=[
            "--heartbeat-seconds", "1", "--max-streams", "2"])

    @classmethod
    def tearDownClass(cls):
        rc = cls.sim.stop()
        assert rc == 0, "hiksim exited with %s:\n%s" % (rc, "\n".join(cls.sim.log))

    def setUp(self):
        self.streams = []

    def tearDown(self):
        for s in self.streams:
            s.close()
        # closed streams are noticed at their next heartbeat
        deadline = time.monotonic() + 5
        while self.sim.state()["alert_streams"]["open"] and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(self.sim.state()["alert_streams"]["open"], 0)

    def open(self, **kw):
        s = Stream(self.sim, **kw)
        self.streams.append(s)
        return s

    def test_reply_is_close_delimited_multipart(self):
        s = self.open()
        self.assertEqual(s.status_line, "HTTP/1.1 200 OK")
        self.assertEqual(s.headers["content-type"], "multipart/mixed; boundary=boundary")
        self.assertEqual(s.headers["server"], "App-webs/")
        self.assertNotIn("content-length", s.headers)
        self.assertNotIn("transfer-encoding", s.headers)

    def test_heartbeat_is_videoloss_inactive(self):
        s = self.open()
        self.assertTrue(s.wait_for(b"</EventNotificationAlert>", 3), s.data)
        headers, body = s.parts()[0]
        self.assertEqual(headers["Content-Type"], 'application/xml; charset="UTF-8"')
        self.assertIn(b"<eventType>videoloss</eventType>", body)
        self.assertIn(b"<eventState>inactive</eventState>", body)
        self.assertIn(b"<activePostCount>0</activePostCount>", body)
        self.assertIn(b"<channelID>1</channelID>", body)
        self.assertTrue(s.data.startswith(b"--boundary\r\n"))
        self.assertNotIn(b"--boundary\r\n--boundary", s.data)

    def test_fired_events_reach_every_open_stream(self):
        a, b = self.open(), self.open()
        answer = self.sim.fire(kind="motion", count=2)
        self.assertEqual(answer["streams"], 2)
        for s in (a, b):
            self.assertTrue(s.wait_for(b"<activePostCount>2</activePostCount>"), s.data)
            self.assertEqual([t for t in event_types(s.data) if t == b"VMD"], [b"VMD", b"VMD"])

    def test_pictures_follow_their_alert_as_jpeg_parts(self):
        s = self.open()
        self.sim.fire(kind="line_crossing", pictures=True)
        self.assertTrue(s.wait_for(b"image/jpeg"))
        s.read_for(0.5)
        kinds = [h["Content-Type"] for h, body in s.parts()
                 if h["Content-Type"] == "image/jpeg" or b"linedetection" in body]
        self.assertEqual(kinds, ['application/xml; charset="UTF-8"', "image/jpeg"])
        jpeg = [body for h, body in s.parts() if h["Content-Type"] == "image/jpeg"][0]
        self.assertTrue(jpeg.startswith(b"\xff\xd8"))

    def test_trigger_without_center_is_not_streamed(self):
        trigger = ("<EventTrigger><id>tamper-1</id><eventType>tamperdetection</eventType>"
                   "<EventTriggerNotificationList><EventTriggerNotification><id>beep</id>"
                   "<notificationMethod>beep</notificationMethod></EventTriggerNotification>"
                   "</EventTriggerNotificationList></EventTrigger>")
        status, _ = self.sim.isapi("PUT", "/ISAPI/Event/triggers/tamper-1", trigger)
        self.assertEqual(status, 200)
        s = self.open()
        answer = self.sim.fire(kind="tamper")
        self.assertIn("tamper-1", answer["skipped"])
        self.sim.fire(kind="motion")
        self.assertTrue(s.wait_for(b"<eventType>VMD</eventType>"))
        self.assertNotIn(b"tamperdetection", s.data)

    def test_cap_on_concurrent_streams(self):
        self.open()
        self.open()
        state = self.sim.state()["alert_streams"]
        self.assertEqual((state["open"], state["max"]), (2, 2))
        third = Stream(self.sim)
        self.streams.append(third)
        self.assertEqual(third.status_line, "HTTP/1.1 503 Service Unavailable")
        third.read_for(1)
        self.assertIn(b"<statusCode>2</statusCode>", third.data)
        self.assertIn(b"<statusString>Device Busy</statusString>", third.data)
        self.assertGreaterEqual(self.sim.state()["alert_streams"]["refused"], 1)

    def test_auth_and_legacy_path(self):
        bad = Stream(self.sim, password="wrong-password")
        self.streams.append(bad)
        self.assertTrue(bad.status_line.startswith("HTTP/1.1 401"), bad.status_line)
        legacy = self.open(path="/Event/notification/alertStream")
        self.assertEqual(legacy.status_line, "HTTP/1.1 200 OK")
        self.assertTrue(legacy.wait_for(b"</EventNotificationAlert>", 3))

    def test_other_requests_are_served_while_streams_are_open(self):
        s = self.open()
        start = time.monotonic()
        status, body = self.sim.isapi("GET", "/ISAPI/System/deviceInfo")
        self.assertEqual(status, 200)
        self.assertLess(time.monotonic() - start, 2)
        self.assertIn(b"<DeviceInfo", body)
        s.read_for(0.1)


class QuirkTest(unittest.TestCase):
    sims = []

    @classmethod
    def tearDownClass(cls):
        for sim in cls.sims:
            rc = sim.stop()
            assert rc == 0, "hiksim exited with %s:\n%s" % (rc, "\n".join(sim.log))

    def start(self, host, *args):
        sim = hikharness.start_hiksim(NET + "." + host, extra_args=list(args))
        self.sims.append(sim)
        return sim

    def test_nvr_style_with_every_framing_quirk(self):
        sim = self.start("30", "--device-type", "NVR", "--channels", "4", "--stream-style", "nvr",
                         "--heartbeat-seconds", "1", "--stream-http10",
                         "--stream-no-content-length", "--stream-boundary-mismatch",
                         "--stream-duplicate-boundaries")
        s = Stream(sim)
        try:
            self.assertEqual(s.status_line, "HTTP/1.0 200 OK")
            # the header names a boundary that the body never uses
            self.assertEqual(s.headers["content-type"], "multipart/mixed; boundary=MIME_boundary")
            self.assertTrue(s.wait_for(b"<activePostCount>2</activePostCount>", 4), s.data)
            sim.fire(kind="motion", channel=2)
            self.assertTrue(s.wait_for(b"<eventType>VMD</eventType>"))
            s.read_for(0.3)
            data = s.data
            self.assertNotIn(b"MIME_boundary", data)
            self.assertTrue(data.startswith(b"--boundary\r\n--boundary\r\n"), data[:40])
            self.assertNotIn(b"Content-Length", data)
            self.assertNotIn(b"<?xml", data)
            self.assertNotIn(b"<channelID>", data)
            # NVR heartbeat: videoloss active for the empty last channel, count rising
            alerts = re.findall(rb"<EventNotificationAlert.*?</EventNotificationAlert>", data,
                                re.S)
            beats = [a for a in alerts if b"videoloss" in a]
            self.assertGreaterEqual(len(beats), 2)
            for i, beat in enumerate(beats[:2]):
                self.assertIn(b'version="1.0"', beat)
                self.assertIn(b"<eventState>active</eventState>", beat)
                self.assertIn(b"<dynChannelID>4</dynChannelID>", beat)
                self.assertIn(b"<activePostCount>%d</activePostCount>" % (i + 1), beat)
            motion = [a for a in alerts if b"<eventType>VMD" in a][0]
            self.assertIn(b"<dynChannelID>2</dynChannelID>", motion)
        finally:
            s.close()

    def test_drop_every_closes_the_stream(self):
        sim = self.start("31", "--heartbeat-seconds", "1", "--stream-drop-every", "2")
        s = Stream(sim)
        try:
            start = time.monotonic()
            s.read_for(6)
            self.assertTrue(s.closed, "stream still open after 6 s")
            self.assertGreater(time.monotonic() - start, 1.5)
            self.assertGreaterEqual(len(event_types(s.data)), 1)
            # a new stream can be opened right away, as the NVR allows
            again = Stream(sim)
            self.assertEqual(again.status_line, "HTTP/1.1 200 OK")
            again.close()
        finally:
            s.close()

    def test_stall_after_keeps_the_connection_silent(self):
        sim = self.start("32", "--heartbeat-seconds", "1", "--stream-stall-after", "2")
        s = Stream(sim)
        try:
            s.read_for(2.3)
            beats = len(event_types(s.data))
            self.assertGreaterEqual(beats, 1)
            sim.fire(kind="motion")
            s.read_for(2.5)
            self.assertFalse(s.closed, "a stalled stream stays open")
            self.assertEqual(len(event_types(s.data)), beats)
            self.assertEqual(sim.state()["alert_streams"]["open"], 1)
        finally:
            s.close()

    def test_default_heartbeat_is_ten_seconds(self):
        sim = self.start("33")
        self.assertEqual(sim.state()["alert_streams"]["style"], "camera")
        s = Stream(sim)
        try:
            s.read_for(1.5)
            self.assertEqual(event_types(s.data), [])
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
