/* test_isapi_device_info.c: lib/isapi_device_info.c, the device's identity,
 * from the recorded DS-2CD2155FWD-I answers and from hand-written variants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_isapi_server.h"

/* The camera answers GET /ISAPI/System/deviceInfo with ctx (a string). */
static void camera(ts_server *s, const ts_request *req, ts_response *r)
{
    if (strcmp(req->url, "/ISAPI/System/deviceInfo") == 0 && strcmp(req->method, "GET") == 0)
        ts_reply(r, 200, "application/xml", "%s", (const char *)s->ctx);
    else
        ts_reply(r, 404, "text/html", "<html>Not Found</html>");
}

static hik_err fetch(const char *body, ts_auth auth, hik_auth_mode mode, hik_device_info *info)
{
    ts_server s;
    assert_true(ts_start(&s, auth, camera, (void *)body));
    hik_isapi_opts o = ts_opts(&s, mode);
    hik_isapi *c = NULL;
    assert_int_equal(hik_isapi_new(&o, &c), HIK_OK);
    hik_reply r;
    hik_err err = hik_isapi_device_info(c, info, &r);
    hik_reply_free(&r);
    hik_isapi_free(c);
    ts_stop(&s);
    return err;
}

static void fixture_device_info(const char *cassette, ts_auth auth, hik_auth_mode mode,
                                const char *firmware, const char *build)
{
    if (!ts_fixtures_present())
        skip(); /* ../shared/fixtures is not part of this checkout */
    size_t len = 0;
    char *body = ts_cassette_body(cassette, "<DeviceInfo", &len);
    assert_non_null(body);
    assert_non_null(strstr(body, "\r\n<deviceName>IP CAMERA</deviceName>\r\n"));
    hik_device_info info;
    assert_int_equal(fetch(body, auth, mode, &info), HIK_OK);
    assert_string_equal(info.device_name, "IP CAMERA");
    assert_string_equal(info.model, "DS-2CD2155FWD-I");
    assert_string_equal(info.serial, "DS-2CD2155FWD-XXXXXXXXXXXXXXXXXXXXX");
    assert_string_equal(info.mac, ""); /* redacted "XX:XX:..." is not a MAC */
    assert_string_equal(info.firmware, firmware);
    assert_string_equal(info.firmware_build, build);
    assert_string_equal(info.device_type, "IPCamera");
    free(body);
}

static void test_fixture_v5_5_digest(void **state)
{
    fixture_device_info("auth/test_auth_firmware_v5_5.vcr.yaml", TS_AUTH_MD5, HIK_AUTH_AUTO,
                        "V5.5.0", "build 170725");
}

static void test_fixture_pre_v5_5_basic(void **state)
{
    fixture_device_info("auth/test_auth_firmware_pre_v5_5.vcr.yaml", TS_AUTH_BASIC, HIK_AUTH_BASIC,
                        "V5.4.5", "build 170124");
}

static void test_mac_normalised(void **state)
{
    const char *macs[][2] = {
        {"44:19:B6:0A:BC:DE", "44:19:b6:0a:bc:de"},
        {"44-19-b6-0a-bc-de", "44:19:b6:0a:bc:de"},
        {"4419B60ABCDE", "44:19:b6:0a:bc:de"},
        {" 44:19:b6:0a:bc:de ", "44:19:b6:0a:bc:de"},
        {"44:19:b6:0a:bc", ""},
        {"44:19:b6:0a:bc:de:ff", ""},
        {"gg:19:b6:0a:bc:de", ""},
    };
    for (size_t i = 0; i < sizeof(macs) / sizeof(macs[0]); i++) {
        char body[512];
        snprintf(body, sizeof(body),
                 "<DeviceInfo xmlns=\"http://www.isapi.org/ver20/XMLSchema\"><deviceName>NVR"
                 "</deviceName><macAddress>%s</macAddress><deviceType>NVR</deviceType>"
                 "</DeviceInfo>",
                 macs[i][0]);
        hik_device_info info;
        assert_int_equal(fetch(body, TS_AUTH_SHA256, HIK_AUTH_DIGEST, &info), HIK_OK);
        assert_string_equal(info.mac, macs[i][1]);
        assert_string_equal(info.device_type, "NVR");
        assert_string_equal(info.model, ""); /* absent: empty, not an error */
    }
}

static void test_not_device_info(void **state)
{
    hik_device_info info;
    assert_int_equal(fetch("<ResponseStatus><statusCode>1</statusCode></ResponseStatus>",
                           TS_AUTH_MD5, HIK_AUTH_AUTO, &info),
                     HIK_ERR_PARSE);
    assert_int_equal(fetch("<DeviceInfo><model>", TS_AUTH_MD5, HIK_AUTH_AUTO, &info),
                     HIK_ERR_PARSE);
    assert_string_equal(info.model, "");
}

static void test_identity_field_too_long(void **state)
{
    char serial[200];
    memset(serial, 'S', sizeof(serial) - 1);
    serial[sizeof(serial) - 1] = '\0';
    char body[512];
    snprintf(body, sizeof(body), "<DeviceInfo><serialNumber>%s</serialNumber></DeviceInfo>",
             serial);
    hik_device_info info;
    assert_int_equal(fetch(body, TS_AUTH_MD5, HIK_AUTH_AUTO, &info), HIK_ERR_TOO_BIG);
    assert_string_equal(info.serial, ""); /* never a truncated identity */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_v5_5_digest),
        cmocka_unit_test(test_fixture_pre_v5_5_basic),
        cmocka_unit_test(test_mac_normalised),
        cmocka_unit_test(test_not_device_info),
        cmocka_unit_test(test_identity_field_too_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
