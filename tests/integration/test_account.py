"""The administrator's first-run password: a generated one is flagged
must_change_password until the admin chooses their own; one given with
--admin-password is not."""
import base64
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gwharness import ADMIN_PASSWORD, Gateway  # noqa: E402


def basic(password):
    return "Basic " + base64.b64encode(f"admin:{password}".encode()).decode()


def login(gw, password):
    return gw.request("POST", "/api/v1/session", {"username": "admin", "password": password},
                      auth=False)


class GivenPassword(unittest.TestCase):
    def test_given_password_need_not_change(self):
        gw = Gateway()
        try:
            status, body = login(gw, ADMIN_PASSWORD)
            self.assertEqual(status, 200)
            self.assertIs(body["must_change_password"], False)
            self.assertIs(gw.api("GET", "/api/v1/session")["must_change_password"], False)
        finally:
            gw.close()


class GeneratedPassword(unittest.TestCase):
    def test_generated_password_must_change_until_changed(self):
        # A later option wins: an empty password makes hikgated generate one.
        gw = Gateway(extra_args=["--admin-password", ""])
        try:
            m = re.search(r"password: (\S+)", gw.logs())
            self.assertIsNotNone(m, gw.logs())
            generated = m.group(1)
            auth = {"Authorization": basic(generated)}

            status, body = login(gw, generated)
            self.assertEqual(status, 200, body)
            self.assertIs(body["must_change_password"], True)
            status, body = gw.request("GET", "/api/v1/session", auth=False, headers=auth)
            self.assertEqual(status, 200, body)
            self.assertIs(body["must_change_password"], True)

            # A refused change leaves the flag as it was.
            status, body = gw.request("PUT", "/api/v1/users/admin/password",
                                      {"current_password": generated, "new_password": "short"},
                                      auth=False, headers=auth)
            self.assertEqual(status, 400, body)
            status, body = gw.request("GET", "/api/v1/session", auth=False, headers=auth)
            self.assertIs(body["must_change_password"], True)

            status, body = gw.request("PUT", "/api/v1/users/admin/password",
                                      {"current_password": generated,
                                       "new_password": ADMIN_PASSWORD},
                                      auth=False, headers=auth)
            self.assertEqual(status, 200, body)
            self.assertIs(gw.api("GET", "/api/v1/session")["must_change_password"], False)
            status, body = login(gw, ADMIN_PASSWORD)
            self.assertEqual(status, 200, body)
            self.assertIs(body["must_change_password"], False)

            # The flag is stored, not remembered in memory.
            gw.restart()
            self.assertIs(gw.api("GET", "/api/v1/session")["must_change_password"], False)
        finally:
            gw.close()


if __name__ == "__main__":
    unittest.main()
