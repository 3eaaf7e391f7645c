"""hiksim behaves like a real Hikvision camera: its 401 page and headers,
digest login, privacy mask, event linkage, httpHosts and event pushes in
the exact forms devices use, and lockout after wrong passwords."""
import email.parser
import email.policy
import hashlib
import http.client
import os
import re
import sys
import time
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hikharness  # noqa: E402

NS = {"h": "http://www.hikvision.com/ver20/XMLSchema"}
# a /24 of loopback of its own per run, so parallel runs do not collide
NET = "127.%d.%d" % (60 + os.getpid() % 100, os.getpid() % 250 + 1)
CHALLENGE = re.compile(r'^Digest qop="auth", realm="IP Camera\(\d{4,5}\)", '
                       r'nonce="[0-9a-f]+", stale="(TRUE|FALSE)"(, algorithm=SHA-256)?$')


def raw(sim, method, path, body=None, headers=None):
    """One request on a fresh connection; returns the response and its body."""
    conn = http.client.HTTPConnection(sim.addr, sim.port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


def digest_header(challenge, method, uri, user, password, alg="MD5", nc="00000001"):
    params = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge))
    h = hashlib.sha256 if alg == "SHA-256" else hashlib.md5
    hx = lambda s: h(s.encode()).hexdigest()  # noqa: E731
    cnonce = "0a4f113b"
    ha1 = hx("%s:%s:%s" % (user, params["realm"], password))
    ha2 = hx("%s:%s" % (method, uri))
    resp = hx(":".join([ha1, params["nonce"], nc, cnonce, "auth", ha2]))
    return ('Digest username="%s", realm="%s", nonce="%s", uri="%s", algorithm=%s, '
            'response="%s", qop=auth, nc=%s, cnonce="%s"'
            % (user, params["realm"], params["nonce"], uri, alg, resp, nc, cnonce))


def digest_get(sim, path, password, alg="MD5"):
    """GET with a freshly computed digest answer; returns (resp, body)."""
    resp, _ = raw(sim, "GET", path)
    challenges = resp.headers.get_all("WWW-Authenticate")
    challenge = [c for c in challenges if ("SHA-256" in c) == (alg == "SHA-256")][0]
    auth = digest_header(challenge, "GET", path, sim.user, password, alg)
    return raw(sim, "GET", path, headers={"Authorization": auth})


def xml(body):
    return ET.fromstring(body)


def parts_of(received):
    """The parts of a multipart/form-data push, parsed by the email package."""
    msg = email.parser.BytesParser(policy=email.policy.default).parsebytes(
        b"Content-Type: " + received.content_type.encode() + b"\r\n\r\n" + received.body)
    assert msg.is_multipart(), received.content_type
    return list(msg.iter_parts())


class CameraTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = hikharness.start_hiksim(NET + ".10")
        cls.receiver = hikharness.start_receiver(NET + ".20")

    @classmethod
    def tearDownClass(cls):
        # a clean exit on SIGTERM (and, in the sanitizer build, no leak report)
        rc = cls.sim.stop()
        assert rc == 0, "hiksim exited with %s:\n%s" % (rc, "\n".join(cls.sim.log))

    def setUp(self):
        # every test starts with the three slots empty, as a new camera has them
        empty = "".join("<HttpHostNotification><id>%d</id><url></url><ipAddress>0.0.0.0"
                        "</ipAddress><portNo>80</portNo></HttpHostNotification>" % i
                        for i in (1, 2, 3))
        status, body = self.sim.isapi("PUT", "/ISAPI/Event/notification/httpHosts",
                                      "<HttpHostNotificationList>%s</HttpHostNotificationList>"
                                      % empty)
        self.assertEqual(status, 200, body)
        self.receiver.clear()

    def configure_host(self, slot=1):
        body = ("<HttpHostNotification><id>%d</id><url>/hik</url><protocolType>HTTP"
                "</protocolType><parameterFormatType>XML</parameterFormatType>"
                "<addressingFormatType>ipaddress</addressingFormatType><ipAddress>%s"
                "</ipAddress><portNo>%d</portNo><userName></userName>"
                "<httpAuthenticationMethod>none</httpAuthenticationMethod>"
                "</HttpHostNotification>" % (slot, self.receiver.addr, self.receiver.port))
        status, answer = self.sim.isapi(
            "PUT", "/ISAPI/Event/notification/httpHosts/%d" % slot, body)
        self.assertEqual(status, 200, answer)
        self.assertEqual(xml(answer).find("h:statusCode", NS).text, "1")

    def test_unauthenticated_request_gets_the_cameras_401(self):
        resp, body = raw(self.sim, "GET", "/ISAPI/System/deviceInfo")
        self.assertEqual(resp.status, 401)
        self.assertEqual(resp.headers["Server"], "App-webs/")
        self.assertEqual(resp.headers["Content-Type"], "text/html")
        challenges = resp.headers.get_all("WWW-Authenticate")
        self.assertEqual(len(challenges), 1)
        self.assertRegex(challenges[0], CHALLENGE)
        self.assertIn('stale="FALSE"', challenges[0])
        self.assertIn(b"<h2>Access Error: 401 -- Unauthorized</h2>", body)
        self.assertIn(b"\r\n", body)

    def test_digest_login_returns_device_info(self):
        with self.sim.opener().open(self.sim.url + "/ISAPI/System/deviceInfo") as resp:
            self.assertEqual(resp.status, 200)
            self.assertEqual(resp.headers["Server"], "App-webs/")
            doc = xml(resp.read())
        self.assertEqual(doc.tag, "{%s}DeviceInfo" % NS["h"])
        self.assertEqual(doc.find("h:model", NS).text, "DS-2CD2386G2-IU")
        self.assertTrue(doc.find("h:serialNumber", NS).text.startswith("DS-2CD2386G2-IU"))
        self.assertRegex(doc.find("h:macAddress", NS).text, r"^02(:[0-9a-f]{2}){5}$")
        self.assertEqual(doc.find("h:deviceType", NS).text, "IPCamera")
        for field in ("deviceName", "deviceID", "firmwareVersion", "firmwareReleasedDate"):
            self.assertIsNotNone(doc.find("h:" + field, NS), field)

    def test_unknown_path_and_wrong_method_answer_response_status(self):
        status, body = self.sim.isapi("GET", "/ISAPI/No/Such/Thing")
        self.assertEqual(status, 404)
        self.assertEqual(xml(body).find("h:statusCode", NS).text, "4")
        self.assertEqual(xml(body).find("h:subStatusCode", NS).text, "notSupport")
        status, body = self.sim.isapi("POST", "/ISAPI/System/deviceInfo", b"")
        self.assertEqual(xml(body).find("h:statusCode", NS).text, "4")
        self.assertEqual(xml(body).find("h:subStatusCode", NS).text, "methodNotAllowed")

    def test_privacy_mask_round_trip_keeps_regions(self):
        path = "/ISAPI/System/Video/inputs/channels/1/privacyMask"
        status, body = self.sim.isapi("GET", path)
        self.assertEqual(status, 200)
        doc = xml(body)
        self.assertEqual(doc.find("h:enabled", NS).text, "false")
        regions = doc.findall("h:PrivacyMaskRegionList/h:PrivacyMaskRegion", NS)
        self.assertIn(len(regions), (1, 2))
        doc.find("h:enabled", NS).text = "true"
        ET.register_namespace("", NS["h"])
        status, body = self.sim.isapi("PUT", path, ET.tostring(doc))
        self.assertEqual(status, 200, body)
        self.assertEqual(xml(body).find("h:statusCode", NS).text, "1")
        status, body = self.sim.isapi("GET", path)
        again = xml(body)
        self.assertEqual(again.find("h:enabled", NS).text, "true")
        self.assertEqual(len(again.findall(".//h:PrivacyMaskRegion", NS)), len(regions))
        mask = self.sim.state()["privacy_mask"][0]
        self.assertGreaterEqual(mask.pop("puts"), 1)
        self.assertEqual(mask, {"channel": 1, "enabled": True, "regions": len(regions)})
        # put it back for the other tests
        doc.find("h:enabled", NS).text = "false"
        self.sim.isapi("PUT", path, ET.tostring(doc))

    def test_privacy_mask_rejects_bad_documents(self):
        path = "/ISAPI/System/Video/inputs/channels/1/privacyMask"
        status, body = self.sim.isapi("PUT", path, b"<PrivacyMask><enabled>true</enab")
        self.assertEqual(status, 400)
        self.assertEqual(xml(body).find("h:statusCode", NS).text, "5")
        status, body = self.sim.isapi("PUT", path, b"<Other><enabled>true</enabled></Other>")
        self.assertEqual(xml(body).find("h:statusCode", NS).text, "6")
        self.assertEqual(xml(body).find("h:subStatusCode", NS).text, "badXmlContent")
        status, body = self.sim.isapi("PUT", path, b"<PrivacyMask><enabled>yes</enabled>"
                                                   b"</PrivacyMask>")
        self.assertEqual(xml(body).find("h:statusCode", NS).text, "6")
        status, body = self.sim.isapi(
            "GET", "/ISAPI/System/Video/inputs/channels/9/privacyMask")
        self.assertEqual(status, 404)
        self.assertEqual(self.sim.state()["privacy_mask"][0]["enabled"], False)

    def test_triggers_list_the_smart_events(self):
        status, body = self.sim.isapi("GET", "/ISAPI/Event/triggers")
        self.assertEqual(status, 200)
        ids = [t.find("h:id", NS).text for t in xml(body).findall("h:EventTrigger", NS)]
        for want in ("VMD-1", "linedetection-1", "fielddetection-1", "regionEntrance-1",
                     "regionExiting-1", "tamper-1"):
            self.assertIn(want, ids)
        status, body = self.sim.isapi("GET", "/ISAPI/Event/triggers/VMD-1")
        methods = [m.text for m in xml(body).iter("{%s}notificationMethod" % NS["h"])]
        self.assertIn("center", methods)

    def test_http_hosts_has_three_slots_and_capabilities(self):
        status, body = self.sim.isapi("GET", "/ISAPI/Event/notification/httpHosts")
        self.assertEqual(len(xml(body).findall("h:HttpHostNotification", NS)), 3)
        status, body = self.sim.isapi("GET", "/ISAPI/Event/notification/httpHosts/capabilities")
        self.assertEqual(xml(body).find("h:hostNumber", NS).text, "3")

    def test_motion_push_is_plain_xml_from_the_cameras_address(self):
        self.configure_host()
        answer = self.sim.fire(kind="motion")
        self.assertEqual(len(answer["hosts"]), 1, answer)
        self.assertEqual(answer["hosts"][0]["status"], 200, answer)
        self.assertTrue(answer["hosts"][0]["url"].endswith(":%d/hik" % self.receiver.port))
        got = self.receiver.wait_for(1)
        self.assertEqual(len(got), 1)
        push = got[0]
        self.assertEqual(push.method, "POST")
        self.assertEqual(push.path, "/hik")
        self.assertEqual(push.content_type, "application/xml")
        self.assertEqual(push.client, self.sim.addr)
        self.assertIn(b"\r\n", push.body)
        doc = xml(push.body)
        self.assertEqual(doc.tag, "{%s}EventNotificationAlert" % NS["h"])
        self.assertEqual(doc.get("version"), "2.0")
        self.assertEqual(doc.find("h:eventType", NS).text, "VMD")
        self.assertEqual(doc.find("h:eventState", NS).text, "active")
        self.assertEqual(doc.find("h:activePostCount", NS).text, "1")
        self.assertEqual(doc.find("h:ipAddress", NS).text, self.sim.addr)
        self.assertRegex(doc.find("h:dateTime", NS).text,
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
        for field in ("portNo", "protocol", "macAddress", "channelID", "eventDescription",
                      "channelName"):
            self.assertIsNotNone(doc.find("h:" + field, NS), field)

    def test_burst_with_pictures_is_multipart_with_real_part_names(self):
        self.configure_host()
        answer = self.sim.fire(kind="motion", pictures=True, count=3)
        self.assertEqual([r["status"] for r in answer["hosts"][0]["results"]], [200] * 3)
        got = self.receiver.wait_for(3)
        self.assertEqual(len(got), 3)
        counts = []
        for push in got:
            self.assertTrue(push.content_type.startswith("multipart/form-data; boundary="))
            parts = parts_of(push)
            names = [p.get_param("name", header="content-disposition") for p in parts]
            self.assertEqual(names, ["MoveDetection.xml", "VMDImage"])
            self.assertEqual(parts[1].get_content_type(), "image/jpeg")
            jpeg = parts[1].get_payload(decode=True)
            self.assertEqual(jpeg[:2], b"\xff\xd8")
            self.assertEqual(jpeg[-2:], b"\xff\xd9")
            counts.append(xml(parts[0].get_payload(decode=True))
                          .find("h:activePostCount", NS).text)
        self.assertEqual(counts, ["1", "2", "3"])

    def test_line_crossing_carries_its_region(self):
        self.configure_host()
        self.sim.fire(kind="line_crossing", region_id=2, target="vehicle")
        doc = xml(self.receiver.wait_for(1)[0].body)
        self.assertEqual(doc.find("h:eventType", NS).text, "linedetection")
        entry = doc.find("h:DetectionRegionList/h:DetectionRegionEntry", NS)
        self.assertEqual(entry.find("h:regionID", NS).text, "2")
        self.assertEqual(entry.find("h:detectionTarget", NS).text, "vehicle")
        self.assertEqual(len(entry.findall("h:RegionCoordinatesList/h:RegionCoordinates", NS)),
                         2)
        self.assertIsNotNone(entry.find("h:TargetRect/h:width", NS))

    def test_anpr_is_multipart_with_plate_pictures(self):
        self.configure_host()
        self.sim.fire(kind="anpr", plate="AB123CD", direction="incoming", list="block")
        push = self.receiver.wait_for(1)[0]
        parts = parts_of(push)
        names = [p.get_param("name", header="content-disposition") for p in parts]
        self.assertEqual(names, ["anpr.xml", "licensePlatePicture.jpg", "detectionPicture.jpg"])
        anpr = xml(parts[0].get_payload(decode=True)).find("h:ANPR", NS)
        self.assertEqual(anpr.find("h:licensePlate", NS).text, "AB123CD")
        self.assertEqual(anpr.find("h:direction", NS).text, "forward")
        self.assertEqual(anpr.find("h:vehicleListName", NS).text, "blockList")

    def test_face_recognition_is_json_with_content_id_pictures(self):
        self.configure_host()
        self.sim.fire(kind="face_recognition", name="Alice", similarity=87, pictures=True)
        parts = parts_of(self.receiver.wait_for(1)[0])
        self.assertEqual(parts[0].get_content_type(), "application/json")
        import json
        doc = json.loads(parts[0].get_payload(decode=True))
        cand = doc["alarmResult"][0]["faces"][0]["identify"][0]["candidate"][0]
        self.assertEqual(cand["reserve_field"]["name"], "Alice")
        self.assertAlmostEqual(cand["similarity"], 0.87)
        names = [p.get_param("name", header="content-disposition") for p in parts[1:]]
        self.assertEqual(names, ["faceImage", "backgroundImage"])
        self.assertTrue(all(p["Content-ID"] for p in parts[1:]))

    def test_raw_event_is_pushed_verbatim(self):
        self.configure_host()
        body = "<EventNotificationAlert>&bare</EventNotificationAlert>"
        self.sim.fire(kind="raw", content_type="text/plain", body=body)
        push = self.receiver.wait_for(1)[0]
        self.assertEqual(push.content_type, "text/plain")
        self.assertEqual(push.body, body.encode())

    def test_trigger_without_center_pushes_nothing(self):
        self.configure_host()
        trigger = ("<EventTrigger><id>tamper-1</id><eventType>tamperdetection</eventType>"
                   "<EventTriggerNotificationList><EventTriggerNotification><id>beep</id>"
                   "<notificationMethod>beep</notificationMethod></EventTriggerNotification>"
                   "</EventTriggerNotificationList></EventTrigger>")
        status, _ = self.sim.isapi("PUT", "/ISAPI/Event/triggers/tamper-1", trigger)
        self.assertEqual(status, 200)
        answer = self.sim.fire(kind="tamper")
        self.assertEqual(answer["hosts"], [])
        self.assertIn("tamper-1", answer["skipped"])
        self.assertEqual(self.receiver.wait_for(1, timeout=0.5), [])
        self.assertEqual(self.sim.state()["triggers"]["tamper-1"], ["beep"])

    def test_http_host_test_posts_to_the_host(self):
        self.configure_host(2)
        status, body = self.sim.isapi("POST", "/ISAPI/Event/notification/httpHosts/2/test", b"")
        self.assertEqual(status, 200, body)
        self.assertEqual(xml(body).find("h:statusCode", NS).text, "1")
        self.assertEqual(len(self.receiver.wait_for(1)), 1)

    def test_state_counts_requests_and_pushes(self):
        self.sim.reset_stats()
        self.sim.isapi("GET", "/ISAPI/System/deviceInfo")
        state = self.sim.state()
        self.assertGreaterEqual(state["requests"]["/ISAPI/System/deviceInfo"], 1)
        self.assertEqual(state["pushes"]["total"], 0)
        self.assertEqual(state["identity"]["model"], "DS-2CD2386G2-IU")


class AuthTest(unittest.TestCase):
    def test_lockout_after_wrong_passwords(self):
        sim = hikharness.start_hiksim(NET + ".30", extra_args=[
            "--lockout-after", "3", "--lockout-seconds", "30"])
        try:
            resp, body = digest_get(sim, "/ISAPI/Security/userCheck", "wrong")
            self.assertEqual(resp.status, 401)
            self.assertEqual(xml(body).find("h:lockStatus", NS).text, "unlock")
            self.assertEqual(xml(body).find("h:retryLoginTime", NS).text, "2")
            for _ in range(2):
                resp, _ = digest_get(sim, "/ISAPI/System/deviceInfo", "wrong")
                self.assertEqual(resp.status, 401)
            # locked now: even the right password is refused
            resp, body = digest_get(sim, "/ISAPI/System/deviceInfo", sim.password)
            self.assertEqual(resp.status, 401)
            doc = xml(body)
            self.assertEqual(doc.find("h:lockStatus", NS).text, "lock")
            self.assertGreater(int(doc.find("h:unlockTime", NS).text), 0)
            client = sim.state()["clients"][0]
            self.assertTrue(client["locked"])
            self.assertEqual(client["failed_logins"], 3)
        finally:
            sim.stop()

    def test_expired_nonce_is_stale_not_a_failure(self):
        sim = hikharness.start_hiksim(NET + ".31", extra_args=["--nonce-seconds", "1"])
        try:
            resp, _ = raw(sim, "GET", "/ISAPI/System/deviceInfo")
            challenge = resp.headers["WWW-Authenticate"]
            time.sleep(2.2)
            auth = digest_header(challenge, "GET", "/ISAPI/System/deviceInfo", sim.user,
                                 sim.password)
            resp, _ = raw(sim, "GET", "/ISAPI/System/deviceInfo",
                          headers={"Authorization": auth})
            self.assertEqual(resp.status, 401)
            self.assertIn('stale="TRUE"', resp.headers["WWW-Authenticate"])
            self.assertEqual(sim.state()["clients"], [])
        finally:
            sim.stop()

    def test_digest_both_offers_md5_then_sha256(self):
        sim = hikharness.start_hiksim(NET + ".32", extra_args=["--auth", "digest-both"])
        try:
            resp, _ = raw(sim, "GET", "/ISAPI/System/deviceInfo")
            challenges = resp.headers.get_all("WWW-Authenticate")
            self.assertEqual(len(challenges), 2)
            self.assertNotIn("algorithm", challenges[0])
            self.assertTrue(challenges[1].endswith("algorithm=SHA-256"))
            for c in challenges:
                self.assertRegex(c, CHALLENGE)
            resp, _ = digest_get(sim, "/ISAPI/System/deviceInfo", sim.password, "SHA-256")
            self.assertEqual(resp.status, 200)
            resp, _ = digest_get(sim, "/ISAPI/System/deviceInfo", sim.password, "MD5")
            self.assertEqual(resp.status, 200)
        finally:
            sim.stop()

    def test_basic_mode_accepts_basic(self):
        sim = hikharness.start_hiksim(NET + ".33", extra_args=["--auth", "basic"])
        try:
            import base64
            token = base64.b64encode(("%s:%s" % (sim.user, sim.password)).encode()).decode()
            resp, _ = raw(sim, "GET", "/ISAPI/System/deviceInfo",
                          headers={"Authorization": "Basic " + token})
            self.assertEqual(resp.status, 200)
            self.assertEqual(sim.stop(), 0)
        finally:
            sim.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
