"""GET /api/v1/events/stream: the event log live over Server-Sent Events.

Each committed event arrives as `id`, `event: event` and `data` (the same
JSON as a GET /api/v1/events item), in id order; a client resuming with
Last-Event-ID (header or ?last_event_id=) gets exactly the events it
missed; filters apply; the number of streams is capped (503 beyond) and a
slot frees once its client has gone; authentication is required; the
gateway stops cleanly with streams open.
"""
import base64
import http.client
import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gwharness import ADMIN_PASSWORD, Gateway, vmd_alert  # noqa: E402

BASIC = "Basic " + base64.b64encode(f"admin:{ADMIN_PASSWORD}".encode()).decode()
MAX_STREAMS = 32


class Stream:
    """One SSE client on its own connection."""

    def __init__(self, gw, query="", headers=None, auth=True):
        self.conn = http.client.HTTPConnection("127.0.0.1", gw.api_port, timeout=10)
        hdrs = {"Accept": "text/event-stream"}
        if auth:
            hdrs["Authorization"] = BASIC
        hdrs.update(headers or {})
        self.conn.request("GET", "/api/v1/events/stream" + query, headers=hdrs)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status

    def next_message(self):
        """The next message (dict of its fields), skipping comment-only blocks."""
        msg = {}
        while True:
            line = self.resp.readline()
            if not line:
                raise EOFError("stream ended")
            line = line.decode("utf-8").rstrip("\n")
            if line == "":
                if msg:
                    return msg
                continue
            if line.startswith(":"):
                continue
            key, _, value = line.partition(":")
            msg[key] = value[1:] if value.startswith(" ") else value

    def next_event(self):
        while True:
            msg = self.next_message()
            if msg.get("event") == "event":
                return int(msg["id"]), json.loads(msg["data"])

    def close(self):
        self.conn.close()


class EventStream(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway()
        cls.gw.declare()

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()

    def post(self, n=1, event_type="VMD"):
        for _ in range(n):
            status, text = self.gw.post_event(vmd_alert(event_type=event_type))
            self.assertEqual(status, 200, text)
        return [e["id"] for e in self.gw.events(limit=n)][::-1]

    def test_live_events_in_order_with_list_json(self):
        s = Stream(self.gw)
        try:
            self.assertEqual(s.status, 200)
            self.assertTrue(s.resp.headers["Content-Type"].startswith("text/event-stream"))
            self.assertEqual(s.resp.headers["Cache-Control"], "no-store")
            ids = self.post(3)
            got = [s.next_event() for _ in ids]
            self.assertEqual([i for i, _ in got], ids)
            listed = {e["id"]: e for e in self.gw.events(limit=3)}
            for i, data in got:
                self.assertEqual(data, listed[i], "data is the same JSON as GET /events")
        finally:
            s.close()

    def test_resume_with_last_event_id_gets_exactly_the_missed_events(self):
        seen = self.post(1)[0]
        missed = self.post(4)
        for how in ("header", "query"):
            with self.subTest(how=how):
                if how == "header":
                    s = Stream(self.gw, headers={"Last-Event-ID": str(seen)})
                else:
                    s = Stream(self.gw, query=f"?last_event_id={seen}")
                try:
                    self.assertEqual(s.status, 200)
                    got = [s.next_event()[0] for _ in missed]
                    self.assertEqual(got, missed)
                    # Nothing else was pending: the next one is a new event.
                    new = self.post(1)[0]
                    self.assertEqual(s.next_event()[0], new)
                    missed.append(new)
                finally:
                    s.close()

    def test_without_last_event_id_only_new_events(self):
        self.post(2)
        s = Stream(self.gw)
        try:
            new = self.post(1)[0]
            self.assertEqual(s.next_event()[0], new)
        finally:
            s.close()

    def test_kind_filter(self):
        s = Stream(self.gw, query="?kind=tamper")
        try:
            self.post(2, event_type="VMD")
            tamper = self.post(1, event_type="tamperdetection")[0]
            i, data = s.next_event()
            self.assertEqual((i, data["kind"]), (tamper, "tamper"))
        finally:
            s.close()

    def test_bad_arguments(self):
        for query in ("?last_event_id=abc", "?kind=nope", "?device=0"):
            s = Stream(self.gw, query=query)
            self.assertEqual(s.status, 400, query)
            s.close()

    def test_authentication_required(self):
        s = Stream(self.gw, auth=False)
        self.assertEqual(s.status, 401)
        s.close()

    def test_stream_cap_then_a_slot_frees(self):
        gw = Gateway()  # its own: streams other tests left count until they wake
        gw.declare()
        streams = []
        try:
            for _ in range(MAX_STREAMS):
                s = Stream(gw)
                self.assertEqual(s.status, 200)
                streams.append(s)
            extra = Stream(gw)
            self.assertEqual(extra.status, 503)
            self.assertIn("Retry-After", extra.resp.headers)
            extra.close()
            # Other requests still get through.
            self.assertEqual(gw.request("GET", "/api/v1/health", auth=False)[0], 200)
            for s in streams:
                s.conn.sock.shutdown(socket.SHUT_RDWR)
                s.close()
            streams = []
            # A sleeping stream finds out its client left when it next
            # writes: events (or the heartbeat) wake them all.
            deadline = time.time() + 10
            while True:
                self.assertEqual(gw.post_event(vmd_alert())[0], 200)
                s = Stream(gw)
                s.close()
                if s.status == 200:
                    break
                self.assertLess(time.time(), deadline, "no slot freed after the clients left")
                time.sleep(0.2)
        finally:
            for s in streams:
                s.close()
            gw.close()

    def test_zz_stops_cleanly_with_streams_open(self):
        streams = [Stream(self.gw) for _ in range(3)]
        try:
            rc = self.gw.stop()
            self.assertEqual(rc, 0, self.gw.logs()[-2000:])
            for s in streams:
                with self.assertRaises((EOFError, OSError, http.client.HTTPException)):
                    while True:
                        s.next_message()
        finally:
            for s in streams:
                s.close()
            self.gw.start()


if __name__ == "__main__":
    unittest.main(verbosity=2)
