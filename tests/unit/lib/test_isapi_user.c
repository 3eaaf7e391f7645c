/* test_isapi_user.c: lib/isapi_user.c: the password rules checked before
 * sending, and a password change against a camera that switches its digest
 * password at once, as real devices do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hik/isapi_manage.h"
#include "test_isapi_server.h"

typedef struct camera_state {
    char new_password[64];
    int puts;
    bool refuse;
} camera_state;

/* Pull <password> out of the PUT body the way a device would read it. */
static void body_password(const char *body, char *out, size_t len)
{
    const char *a = strstr(body, "<password>"), *b = a ? strstr(a, "</password>") : NULL;
    out[0] = '\0';
    if (a && b && (size_t)(b - a - 10) < len) {
        memcpy(out, a + 10, (size_t)(b - a - 10));
        out[b - a - 10] = '\0';
    }
}

static void camera(ts_server *s, const ts_request *req, ts_response *r)
{
    camera_state *cam = s->ctx;
    if (strcmp(req->url, "/ISAPI/Security/users/1") == 0 && strcmp(req->method, "PUT") == 0) {
        cam->puts++;
        if (cam->refuse) {
            ts_reply(r, 403, "application/xml",
                     "<ResponseStatus><statusCode>4</statusCode><statusString>Invalid "
                     "Operation</statusString><subStatusCode>lowPrivilege</subStatusCode>"
                     "</ResponseStatus>");
            return;
        }
        body_password(req->body, cam->new_password, sizeof(cam->new_password));
        s->pass = cam->new_password; /* digest checks the new one from now on */
        ts_reply(r, 200, "application/xml", "%s", ts_status_ok_xml());
    } else if (strcmp(req->url, "/ISAPI/System/deviceInfo") == 0) {
        ts_reply(r, 200, "application/xml", "<DeviceInfo><model>X</model></DeviceInfo>");
    } else {
        ts_reply(r, 404, "text/html", "<html>Not Found</html>");
    }
}

static void test_rules_name_the_broken_rule(void **state)
{
    char why[160];
    assert_int_equal(hik_password_check("admin", "Abcdef12", why, sizeof why), HIK_OK);
    assert_string_equal(why, "");
    assert_int_equal(hik_password_check("admin", "Ab1", why, sizeof why), HIK_ERR_INVALID);
    assert_non_null(strstr(why, "8 to 16"));
    assert_int_equal(hik_password_check("admin", "Abcdefgh12345678x", why, sizeof why),
                     HIK_ERR_INVALID);
    assert_int_equal(hik_password_check("admin", "abcdefghij", why, sizeof why), HIK_ERR_INVALID);
    assert_non_null(strstr(why, "at least two"));
    assert_int_equal(hik_password_check("admin", "12345678", why, sizeof why), HIK_ERR_INVALID);
    assert_int_equal(hik_password_check("admin", "xxADMINxx1", why, sizeof why), HIK_ERR_INVALID);
    assert_non_null(strstr(why, "user name"));
    assert_int_equal(hik_password_check("admin", "Abc def12", why, sizeof why), HIK_ERR_INVALID);
    assert_non_null(strstr(why, "printable"));
    assert_int_equal(hik_password_check(NULL, "abcdefg!", why, sizeof why), HIK_OK);
}

static void test_change_switches_the_handle(void **state)
{
    camera_state cam = {0};
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_MD5, camera, &cam));
    hik_isapi_opts o = ts_opts(&s, HIK_AUTH_DIGEST);
    hik_isapi *h = NULL;
    assert_int_equal(hik_isapi_new(&o, &h), HIK_OK);
    hik_reply r;
    assert_int_equal(hik_isapi_user_password_set(h, 1, "admin", "N3w&<pass>", &r), HIK_OK);
    hik_reply_free(&r);
    assert_int_equal(cam.puts, 1);
    assert_non_null(strstr(s.last_body, "<userName>admin</userName>"));
    assert_non_null(strstr(s.last_body, "<id>1</id>"));
    /* escaped on the wire, so the device reads back exactly what was set */
    assert_string_equal(cam.new_password, "N3w&amp;&lt;pass&gt;");
    ts_copy(cam.new_password, sizeof cam.new_password, "N3w&<pass>");
    hik_device_info info;
    assert_int_equal(hik_isapi_device_info(h, &info, &r), HIK_OK);
    hik_reply_free(&r);
    assert_int_equal(ts_count(&s, &s.auth_failures), 0);
    hik_isapi_free(h);
    ts_stop(&s);
}

static void test_weak_password_never_sent(void **state)
{
    camera_state cam = {0};
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_MD5, camera, &cam));
    hik_isapi_opts o = ts_opts(&s, HIK_AUTH_DIGEST);
    hik_isapi *h = NULL;
    assert_int_equal(hik_isapi_new(&o, &h), HIK_OK);
    hik_reply r;
    assert_int_equal(hik_isapi_user_password_set(h, 1, "admin", "password", &r), HIK_ERR_INVALID);
    assert_non_null(strstr(r.error, "at least two"));
    hik_reply_free(&r);
    assert_int_equal(ts_count(&s, &s.requests), 0);
    hik_isapi_free(h);
    ts_stop(&s);
}

static void test_refusal_keeps_old_credentials(void **state)
{
    camera_state cam = {.refuse = true};
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_MD5, camera, &cam));
    hik_isapi_opts o = ts_opts(&s, HIK_AUTH_DIGEST);
    hik_isapi *h = NULL;
    assert_int_equal(hik_isapi_new(&o, &h), HIK_OK);
    hik_reply r;
    assert_int_equal(hik_isapi_user_password_set(h, 1, "admin", "Other123", &r), HIK_ERR_DEVICE);
    assert_int_equal(r.status.status_code, 4);
    assert_non_null(strstr(r.error, "lowPrivilege"));
    hik_reply_free(&r);
    hik_device_info info;
    assert_int_equal(hik_isapi_device_info(h, &info, &r), HIK_OK);
    hik_reply_free(&r);
    hik_isapi_free(h);
    ts_stop(&s);
}

static void test_wrong_current_password_is_one_attempt(void **state)
{
    camera_state cam = {0};
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_MD5, camera, &cam));
    hik_isapi_opts o = ts_opts(&s, HIK_AUTH_DIGEST);
    o.password = "not-the-password";
    hik_isapi *h = NULL;
    assert_int_equal(hik_isapi_new(&o, &h), HIK_OK);
    hik_reply r;
    assert_int_equal(hik_isapi_user_password_set(h, 1, "admin", "Other123", &r), HIK_ERR_AUTH);
    hik_reply_free(&r);
    assert_int_equal(ts_count(&s, &s.auth_failures), 1);
    assert_int_equal(cam.puts, 0);
    hik_isapi_free(h);
    ts_stop(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_name_the_broken_rule),
        cmocka_unit_test(test_change_switches_the_handle),
        cmocka_unit_test(test_weak_password_never_sent),
        cmocka_unit_test(test_refusal_keeps_old_credentials),
        cmocka_unit_test(test_wrong_current_password_is_one_attempt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
