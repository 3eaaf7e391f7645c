/* test_isapi_time.c: lib/isapi_time.c against a camera whose Time and
 * NTPServer documents hold elements the library does not know (a DST
 * block, NTP authentication): writes change what they are asked to change
 * and send the rest back untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hik/isapi_time.h"
#include "test_isapi_server.h"

static const char time_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
    "<Time version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\r\n"
    "<timeMode>manual</timeMode>\r\n<localTime>2026-11-23T10:00:00+08:00</localTime>\r\n"
    "<timeZone>CST-8:00:00</timeZone>\r\n<DST><enabled>false</enabled></DST>\r\n</Time>\r\n";

static const char ntp_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
    "<NTPServer version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\r\n"
    "<id>1</id>\r\n<addressingFormatType>hostname</addressingFormatType>\r\n"
    "<hostName>time.windows.com</hostName>\r\n<portNo>123</portNo>\r\n"
    "<synchronizeInterval>1440</synchronizeInterval>\r\n"
    "<NTPAuthentication><enabled>false</enabled></NTPAuthentication>\r\n</NTPServer>\r\n";

typedef struct camera_state {
    char *time, *ntp;
    int puts;
} camera_state;

static void camera(ts_server *s, const ts_request *req, ts_response *r)
{
    camera_state *cam = s->ctx;
    char **doc = !strcmp(req->url, "/ISAPI/System/time")                ? &cam->time
                 : !strcmp(req->url, "/ISAPI/System/time/ntpServers/1") ? &cam->ntp
                                                                        : NULL;
    if (!doc) {
        ts_reply(r, 404, "text/html", "<html>Not Found</html>");
    } else if (strcmp(req->method, "GET") == 0) {
        ts_reply(r, 200, "application/xml", "%s", *doc);
    } else {
        cam->puts++;
        free(*doc);
        *doc = strdup(req->body);
        ts_reply(r, 200, "application/xml", "%s", ts_status_ok_xml());
    }
}

static int setup(void **state)
{
    camera_state *cam = calloc(1, sizeof *cam);
    cam->time = strdup(time_doc);
    cam->ntp = strdup(ntp_doc);
    ts_server *s = calloc(1, sizeof *s);
    if (!ts_start(s, TS_AUTH_MD5, camera, cam))
        return -1;
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    ts_server *s = *state;
    camera_state *cam = s->ctx;
    ts_stop(s);
    free(cam->time);
    free(cam->ntp);
    free(cam);
    free(s);
    return 0;
}

static hik_isapi *client(ts_server *s)
{
    hik_isapi_opts o = ts_opts(s, HIK_AUTH_DIGEST);
    hik_isapi *h = NULL;
    assert_int_equal(hik_isapi_new(&o, &h), HIK_OK);
    return h;
}

static void test_time_get_reads_mode_zone_and_clock(void **state)
{
    hik_isapi *h = client(*state);
    hik_time t;
    hik_reply r;
    assert_int_equal(hik_isapi_time_get(h, &t, &r), HIK_OK);
    assert_string_equal(t.mode, "manual");
    assert_string_equal(t.time_zone, "CST-8:00:00");
    assert_string_equal(t.local_time, "2026-11-23T10:00:00+08:00");
    hik_reply_free(&r);
    hik_isapi_free(h);
}

static void test_time_set_ntp_keeps_unknown_elements_and_drops_the_clock(void **state)
{
    ts_server *s = *state;
    camera_state *cam = s->ctx;
    hik_isapi *h = client(s);
    hik_time in = {.mode = "NTP", .time_zone = "CST-1:00:00"};
    hik_reply r;
    assert_int_equal(hik_isapi_time_set(h, &in, &r), HIK_OK);
    hik_reply_free(&r);
    assert_int_equal(cam->puts, 1);
    assert_non_null(strstr(cam->time, "<timeMode>NTP</timeMode>"));
    assert_non_null(strstr(cam->time, "<timeZone>CST-1:00:00</timeZone>"));
    assert_non_null(strstr(cam->time, "<DST><enabled>false</enabled></DST>"));
    if (strstr(cam->time, "localTime"))
        fail_msg("localTime sent back with NTP mode would set the clock to a stale time");
    hik_isapi_free(h);
}

static void test_time_set_refuses_bad_values_before_sending(void **state)
{
    ts_server *s = *state;
    camera_state *cam = s->ctx;
    hik_isapi *h = client(s);
    hik_reply r;
    hik_time bad_mode = {.mode = "GPS"};
    assert_int_equal(hik_isapi_time_set(h, &bad_mode, &r), HIK_ERR_INVALID);
    assert_non_null(strstr(r.error, "mode"));
    hik_time bad_zone = {.time_zone = "CST<-8"};
    assert_int_equal(hik_isapi_time_set(h, &bad_zone, &r), HIK_ERR_INVALID);
    assert_non_null(strstr(r.error, "time_zone"));
    assert_int_equal(cam->puts, 0);
    assert_int_equal(ts_count(s, &s->requests), 0);
    hik_isapi_free(h);
}

static void test_ntp_server_by_address_switches_the_addressing(void **state)
{
    ts_server *s = *state;
    camera_state *cam = s->ctx;
    hik_isapi *h = client(s);
    hik_ntp_server n = {.host = "192.0.2.123", .interval_min = 60};
    hik_reply r;
    assert_int_equal(hik_isapi_ntp_server_set(h, 1, &n, &r), HIK_OK);
    hik_reply_free(&r);
    assert_non_null(strstr(cam->ntp, "<addressingFormatType>ipaddress</addressingFormatType>"));
    assert_non_null(strstr(cam->ntp, "<ipAddress>192.0.2.123</ipAddress>"));
    assert_non_null(strstr(cam->ntp, "<portNo>123</portNo>"));
    assert_non_null(strstr(cam->ntp, "<synchronizeInterval>60</synchronizeInterval>"));
    assert_non_null(strstr(cam->ntp, "<NTPAuthentication><enabled>false</enabled>"));
    hik_isapi_free(h);
}

static void test_ntp_server_by_name(void **state)
{
    ts_server *s = *state;
    camera_state *cam = s->ctx;
    hik_isapi *h = client(s);
    hik_ntp_server n = {.host = "ntp.example.org", .port = 1123};
    hik_reply r;
    assert_int_equal(hik_isapi_ntp_server_set(h, 1, &n, &r), HIK_OK);
    hik_reply_free(&r);
    assert_non_null(strstr(cam->ntp, "<addressingFormatType>hostname</addressingFormatType>"));
    assert_non_null(strstr(cam->ntp, "<hostName>ntp.example.org</hostName>"));
    assert_non_null(strstr(cam->ntp, "<portNo>1123</portNo>"));
    assert_non_null(strstr(cam->ntp, "<synchronizeInterval>1440</synchronizeInterval>"));
    hik_isapi_free(h);
}

static void test_ntp_server_refuses_bad_input(void **state)
{
    ts_server *s = *state;
    hik_isapi *h = client(s);
    hik_reply r;
    hik_ntp_server empty = {0}, spaced = {.host = "a b"}, port = {.host = "x", .port = 70000};
    assert_int_equal(hik_isapi_ntp_server_set(h, 1, &empty, &r), HIK_ERR_INVALID);
    assert_int_equal(hik_isapi_ntp_server_set(h, 1, &spaced, &r), HIK_ERR_INVALID);
    assert_int_equal(hik_isapi_ntp_server_set(h, 1, &port, &r), HIK_ERR_INVALID);
    hik_ntp_server ok = {.host = "x"};
    assert_int_equal(hik_isapi_ntp_server_set(h, 0, &ok, &r), HIK_ERR_INVALID);
    assert_int_equal(ts_count(s, &s->requests), 0);
    hik_isapi_free(h);
}

static void test_a_document_of_another_kind_is_a_parse_error(void **state)
{
    ts_server *s = *state;
    camera_state *cam = s->ctx;
    free(cam->time);
    cam->time = strdup("<?xml version=\"1.0\"?><DeviceInfo><model>x</model></DeviceInfo>");
    hik_isapi *h = client(s);
    hik_time t;
    hik_reply r;
    assert_int_equal(hik_isapi_time_get(h, &t, &r), HIK_ERR_PARSE);
    assert_non_null(strstr(r.error, "Time"));
    hik_reply_free(&r);
    hik_time in = {.mode = "NTP"};
    assert_int_equal(hik_isapi_time_set(h, &in, &r), HIK_ERR_PARSE);
    hik_reply_free(&r);
    assert_int_equal(cam->puts, 0);
    hik_isapi_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_time_get_reads_mode_zone_and_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_time_set_ntp_keeps_unknown_elements_and_drops_the_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_set_refuses_bad_values_before_sending, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ntp_server_by_address_switches_the_addressing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ntp_server_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ntp_server_refuses_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_document_of_another_kind_is_a_parse_error, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
