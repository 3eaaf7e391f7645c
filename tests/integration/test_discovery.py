"""SADP discovery end to end: hiksim processes answer the probes hikgated
sends, the API lists each simulated camera once with its identity, declares
one in a call, and changes another's address over SADP.

Two set-ups. On loopback: every simulator joins 239.255.255.250 on its own
127.0.0.x and the gateway multicasts from 127.0.0.1, on a random UDP port so
that nothing else on the host answers. In network namespaces (root only):
a simulator in one namespace, the gateway in another, joined by a veth pair
on the default port 37020; the namespaces are private to the test and
always removed.
"""
import atexit
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gwharness import ADMIN_PASSWORD, BIN_DIR, Gateway  # noqa: E402
from hikharness import DEFAULT_PASSWORD, start_hiksim  # noqa: E402

FIRMWARE_RE = re.compile(r"^V\d+\.\d+\.\d+build \d{6}$")


def free_udp_port(addr="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((addr, 0))
        return s.getsockname()[1]


def dashed_upper(mac):
    """The spelling SADP tools show: 58-50-ED-1F-E3-85."""
    return mac.replace(":", "-").upper()


class LoopbackDiscovery(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sadp_port = free_udp_port()
        sadp = ["--sadp-port", str(cls.sadp_port)]
        cls.sims = [
            start_hiksim("127.0.0.21", extra_args=sadp),
            start_hiksim("127.0.0.22", extra_args=sadp + ["--model", "DS-2CD2143G0-I"]),
            start_hiksim("127.0.0.23", extra_args=sadp + ["--model", "DS-7608NI-K2",
                                                         "--device-type", "NVR",
                                                         "--channels", "8"]),
        ]
        cls.identity = {s.addr: s.state()["identity"] for s in cls.sims}
        cls.gw = Gateway(extra_args=["--sadp-interface", "127.0.0.1",
                                     "--sadp-target", "239.255.255.250",
                                     "--sadp-port", str(cls.sadp_port)])

    @classmethod
    def tearDownClass(cls):
        gw_rc = cls.gw.stop()
        logs = cls.gw.logs()
        cls.gw.close()
        sim_rcs = [s.stop() for s in cls.sims]
        # a clean exit, also under the sanitizers (which fail the exit code)
        if gw_rc != 0:
            raise AssertionError(f"hikgated exited with {gw_rc}:\n{logs}")
        if any(sim_rcs):
            raise AssertionError(f"hiksim exit codes {sim_rcs}:\n" +
                                 "\n".join(line for s in cls.sims for line in s.log))

    def scan(self, timeout_ms=800):
        return self.gw.api("GET", f"/api/v1/discovery?timeout_ms={timeout_ms}")

    def by_mac(self, answer):
        found = {}
        for d in answer["devices"]:
            found.setdefault(d["mac"], []).append(d)
        return found

    def test_1_one_scan_finds_each_simulator_once(self):
        answer = self.scan()
        self.assertEqual(answer["timeout_ms"], 800)
        found = self.by_mac(answer)
        self.assertEqual(len(answer["devices"]), 3, answer)
        for sim in self.sims:
            ident = self.identity[sim.addr]
            self.assertIn(ident["mac"], found, f"{sim.addr} did not answer the probe")
            self.assertEqual(len(found[ident["mac"]]), 1)
            d = found[ident["mac"]][0]
            self.assertEqual(d["model"], ident["model"])
            self.assertEqual(d["serial"], ident["serial"])
            self.assertTrue(d["firmware"].startswith(ident["firmware"]), d["firmware"])
            self.assertRegex(d["firmware"], FIRMWARE_RE)
            self.assertEqual(d["ipv4_address"], sim.addr)
            self.assertEqual(d["http_port"], sim.port)
            self.assertEqual(d["command_port"], 8000)
            self.assertEqual(d["device_type"], ident["device_type"])
            self.assertTrue(d["activated"])
            self.assertFalse(d["dhcp"])
            self.assertIsNone(d["declared"])
        nvr = found[self.identity["127.0.0.23"]["mac"]][0]
        self.assertEqual((nvr["analog_channels"], nvr["digital_channels"]), (0, 8))
        for sim in self.sims:
            self.assertGreaterEqual(sim.state()["sadp"]["probes"], 1)

    def test_2_scan_parameters_checked(self):
        for bad in ("20000", "0", "abc", "-5"):
            status, body = self.gw.request("GET", f"/api/v1/discovery?timeout_ms={bad}")
            self.assertEqual(status, 400, bad)
            self.assertEqual(body["field"], "timeout_ms")
        status, _ = self.gw.request("GET", "/api/v1/discovery", auth=False)
        self.assertEqual(status, 401)

    def test_3_declare_a_discovered_device(self):
        sim = self.sims[0]
        mac = self.identity[sim.addr]["mac"]
        self.scan()
        dev = self.gw.api("POST", "/api/v1/discovery/declare",
                          {"mac": dashed_upper(mac), "name": "front door",
                           "password": DEFAULT_PASSWORD}, expect=201)
        self.assertEqual(dev["name"], "front door")
        self.assertEqual(dev["address"], sim.addr)
        self.assertEqual(dev["port"], sim.port)
        self.assertEqual(dev["username"], "admin")
        self.assertNotIn("password", dev)
        found = self.by_mac(self.scan())
        self.assertEqual(found[mac][0]["declared"], dev["id"])
        for other in self.sims[1:]:
            self.assertIsNone(found[self.identity[other.addr]["mac"]][0]["declared"])
        # the identity probe reaches the simulator with the password given
        deadline = time.time() + 15
        while time.time() < deadline:
            got = self.gw.api("GET", f"/api/v1/devices/{dev['id']}")
            if got["mac"]:
                break
            time.sleep(0.1)
        self.assertEqual(got["mac"], mac)
        self.assertEqual(got["serial"], self.identity[sim.addr]["serial"])

        status, body = self.gw.request("POST", "/api/v1/discovery/declare",
                                       {"mac": mac, "name": "again",
                                        "password": DEFAULT_PASSWORD})
        self.assertEqual(status, 409, body)
        self.assertEqual(body["field"], "mac")
        status, body = self.gw.request("POST", "/api/v1/discovery/declare",
                                       {"mac": "02:00:00:00:00:01", "name": "ghost",
                                        "password": "x"})
        self.assertEqual(status, 404, body)
        status, body = self.gw.request("POST", "/api/v1/discovery/declare",
                                       {"mac": "not a mac", "name": "x", "password": "x"})
        self.assertEqual((status, body["field"]), (400, "mac"))
        status, body = self.gw.request("POST", "/api/v1/discovery/declare",
                                       {"mac": mac, "name": "x", "password": "x", "port": 1})
        self.assertEqual((status, body["field"]), (400, "port"))

    def test_4_update_address_over_sadp(self):
        sim = self.sims[1]
        mac = self.identity[sim.addr]["mac"]
        status, body = self.gw.request("POST", "/api/v1/discovery/update",
                                       {"mac": mac, "password": "wrong-password",
                                        "ipv4_address": "127.0.0.99"})
        self.assertEqual(status, 403, body)
        self.assertEqual(body["field"], "password")
        st = sim.state()["sadp"]
        self.assertEqual(st["denied"], 1)
        self.assertEqual(st["ipv4_address"], sim.addr)

        answer = self.gw.api("POST", "/api/v1/discovery/update",
                             {"mac": dashed_upper(mac), "password": DEFAULT_PASSWORD,
                              "ipv4_address": "127.0.0.99", "ipv4_subnet_mask": "255.0.0.0",
                              "ipv4_gateway": "127.0.0.1", "dhcp": False})
        self.assertEqual(answer["result"], "success")
        self.assertEqual(answer["device"]["ipv4_address"], "127.0.0.99")
        st = sim.state()["sadp"]
        self.assertEqual(st["ipv4_address"], "127.0.0.99")
        self.assertEqual(st["ipv4_subnet_mask"], "255.0.0.0")
        self.assertEqual(st["updates"], 1)
        self.assertEqual(st["listening_on"], f"{sim.addr}:{sim.port}")
        found = self.by_mac(self.scan())
        self.assertEqual(found[mac][0]["ipv4_address"], "127.0.0.99")

        status, body = self.gw.request("POST", "/api/v1/discovery/update",
                                       {"mac": "02:00:00:00:00:01", "password": "x",
                                        "timeout_ms": 300})
        self.assertEqual(status, 504, body)
        status, body = self.gw.request("POST", "/api/v1/discovery/update",
                                       {"mac": mac, "password": "x",
                                        "ipv4_address": "127.0.0.300"})
        self.assertEqual((status, body["field"]), (400, "ipv4_address"))
        self.assertNotIn("wrong-password", self.gw.logs())


def _run(*cmd, check=True):
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=30, check=check)


def _netns_unavailable():
    if os.geteuid() != 0:
        return "network namespaces need root"
    if not shutil.which("ip"):
        return "the ip command (iproute2) is not installed"
    probe = f"hkprobe{os.getpid()}"
    try:
        _run("ip", "netns", "add", probe)
    except (subprocess.SubprocessError, OSError) as err:
        return f"ip netns add failed: {getattr(err, 'stderr', err)}"
    _run("ip", "netns", "del", probe, check=False)
    return None


NETNS_SKIP = _netns_unavailable()


@unittest.skipIf(NETNS_SKIP, NETNS_SKIP or "")
class NamespaceDiscovery(unittest.TestCase):
    """The scanner and the camera in two namespaces joined by a veth pair,
    addressed in 198.18.0.0/24 (the range set aside for network tests),
    on the real SADP port. Nothing leaves the two namespaces."""

    @classmethod
    def setUpClass(cls):
        pid = os.getpid()
        cls.ns_scan, cls.ns_dev = f"hkscan{pid}", f"hkdev{pid}"
        cls.procs = []
        cls.data_dir = tempfile.mkdtemp(prefix="hikgate-netns-")
        atexit.register(cls.tearDownClass)  # also when the run is cut short
        try:
            cls._namespaces(pid)
            cls._start_sim()
            cls._start_gateway()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def _namespaces(cls, pid):
        a, b = f"hka{pid}"[:15], f"hkb{pid}"[:15]
        _run("ip", "netns", "add", cls.ns_scan)
        _run("ip", "netns", "add", cls.ns_dev)
        _run("ip", "link", "add", a, "netns", cls.ns_scan, "type", "veth",
             "peer", "name", b, "netns", cls.ns_dev)
        for ns, dev, addr in ((cls.ns_scan, a, "198.18.0.1/24"), (cls.ns_dev, b, "198.18.0.2/24")):
            _run("ip", "-n", ns, "addr", "add", addr, "dev", dev)
            _run("ip", "-n", ns, "link", "set", dev, "up")
            _run("ip", "-n", ns, "link", "set", "lo", "up")

    @classmethod
    def _start_sim(cls):
        cls.sim_port = 8080
        log = open(os.path.join(cls.data_dir, "hiksim.log"), "w")
        proc = subprocess.Popen(["ip", "netns", "exec", cls.ns_dev,
                                 os.path.join(BIN_DIR, "hiksim"), "--listen",
                                 f"198.18.0.2:{cls.sim_port}", "--user", "admin",
                                 "--password", DEFAULT_PASSWORD, "--model", "DS-2CD2386G2-IU"],
                                stdout=log, stderr=subprocess.STDOUT)
        log.close()  # the child has its own copy
        cls.procs.append(proc)
        deadline = time.time() + 10
        while time.time() < deadline:
            with open(log.name) as f:
                if "sadp: answering" in f.read():
                    return
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        with open(log.name) as f:
            raise RuntimeError("hiksim in the namespace did not start:\n" + f.read())

    @classmethod
    def _start_gateway(cls):
        cls.api = "127.0.0.1:8080"  # the namespace's own loopback: always free
        log = open(os.path.join(cls.data_dir, "hikgated.log"), "w")
        proc = subprocess.Popen(["ip", "netns", "exec", cls.ns_scan,
                                 os.path.join(BIN_DIR, "hikgated"), "--data-dir", cls.data_dir,
                                 "--ingest", "127.0.0.1:4000", "--api", cls.api,
                                 "--admin-password", ADMIN_PASSWORD, "--sync", "normal",
                                 "--sadp-interface", "198.18.0.1",
                                 "--sadp-target", "239.255.255.250",
                                 "--sadp-target", "255.255.255.255"],
                                stdout=log, stderr=subprocess.STDOUT)
        log.close()  # the child has its own copy
        cls.procs.append(proc)
        deadline = time.time() + 20
        while time.time() < deadline:
            if cls.curl("/api/v1/health", auth=False)[0] == 200:
                return
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        with open(log.name) as f:
            raise RuntimeError("hikgated in the namespace did not start:\n" + f.read())

    @classmethod
    def curl(cls, path, auth=True):
        cmd = ["ip", "netns", "exec", cls.ns_scan, "curl", "-s", "-o", "-",
               "-w", "\n%{http_code}", f"http://{cls.api}{path}"]
        if auth:
            cmd[5:5] = ["-u", f"admin:{ADMIN_PASSWORD}"]
        r = _run(*cmd, check=False)
        body, _, code = r.stdout.rpartition("\n")
        return int(code or 0), body

    @classmethod
    def tearDownClass(cls):
        if not cls.procs and not cls.data_dir:
            return
        for p in cls.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(timeout=5)
        for ns in (cls.ns_scan, cls.ns_dev):
            _run("ip", "netns", "del", ns, check=False)
        shutil.rmtree(cls.data_dir, ignore_errors=True)
        cls.procs, cls.data_dir = [], None

    def test_scan_across_namespaces(self):
        status, body = self.curl("/api/v1/discovery?timeout_ms=1000")
        self.assertEqual(status, 200, body)
        answer = json.loads(body)
        self.assertEqual(len(answer["devices"]), 1, answer)
        d = answer["devices"][0]
        self.assertEqual(d["ipv4_address"], "198.18.0.2")
        self.assertEqual(d["http_port"], self.sim_port)
        self.assertEqual(d["model"], "DS-2CD2386G2-IU")
        # multicast and broadcast both reached it: listed once all the same
        self.assertEqual(answer["duplicates"], 1, answer)


if __name__ == "__main__":
    unittest.main(verbosity=2)
