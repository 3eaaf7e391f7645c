/* test_isapi_privacy_mask.c: lib/isapi_privacy_mask.c against a camera that
 * keeps one PrivacyMask document per channel and checks what comes back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_isapi_server.h"

#define MASK_PATH "/ISAPI/System/Video/inputs/channels/1/privacyMask"

static const char regions[] =
    "<PrivacyMaskRegionList size=\"4\">\n"
    "<PrivacyMaskRegion>\n<id>1</id>\n<enabled>true</enabled>\n"
    "<RegionCoordinatesList>\n"
    "<RegionCoordinates>\n<positionX>120</positionX>\n<positionY>640</positionY>\n"
    "</RegionCoordinates>\n"
    "<RegionCoordinates>\n<positionX>400</positionX>\n<positionY>640</positionY>\n"
    "</RegionCoordinates>\n"
    "<RegionCoordinates>\n<positionX>400</positionX>\n<positionY>900</positionY>\n"
    "</RegionCoordinates>\n"
    "</RegionCoordinatesList>\n<privacyMaskRegionColor>black</privacyMaskRegionColor>\n"
    "</PrivacyMaskRegion>\n"
    "<PrivacyMaskRegion>\n<id>2</id>\n<enabled>false</enabled>\n"
    "<RegionCoordinatesList/>\n</PrivacyMaskRegion>\n"
    "</PrivacyMaskRegionList>";

static const char screen[] = "<normalizedScreenSize>\n<normalizedScreenWidth>1000</"
                             "normalizedScreenWidth>\n<normalizedScreenHeight>1000</"
                             "normalizedScreenHeight>\n</normalizedScreenSize>";

typedef struct camera_state {
    char *doc; /* the channel's PrivacyMask as the camera holds it */
    int puts;
    bool refuse; /* answer PUTs with statusCode 6 */
} camera_state;

static void camera(ts_server *s, const ts_request *req, ts_response *r)
{
    camera_state *cam = s->ctx;
    if (strcmp(req->url, MASK_PATH) != 0) {
        ts_reply(r, 404, "text/html", "<html>Not Found</html>");
    } else if (strcmp(req->method, "GET") == 0) {
        ts_reply(r, 200, "application/xml", "%s", cam->doc);
    } else if (strcmp(req->method, "PUT") == 0 && cam->refuse) {
        cam->puts++;
        ts_reply(r, 200, "application/xml",
                 "<ResponseStatus version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/"
                 "XMLSchema\"><requestURL>%s</requestURL><statusCode>6</statusCode>"
                 "<statusString>Invalid Content</statusString><subStatusCode>badParameters"
                 "</subStatusCode></ResponseStatus>",
                 req->url);
    } else if (strcmp(req->method, "PUT") == 0) {
        cam->puts++;
        free(cam->doc);
        cam->doc = strdup(req->body);
        ts_reply(r, 200, "application/xml", "%s", ts_status_ok_xml());
    } else {
        ts_reply(r, 405, "text/html", "<html>Method Not Allowed</html>");
    }
}

static char *mask_doc(const char *ns_attr, const char *enabled_elem)
{
    char *doc = NULL;
    assert_true(asprintf(&doc,
                         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<PrivacyMask "
                         "version=\"2.0\"%s>\r\n%s%s\r\n%s\r\n</PrivacyMask>\r\n",
                         ns_attr, enabled_elem, screen, regions) > 0);
    return doc;
}

/* The root's own <enabled> holds the expected value: it comes first in the text. */
static void assert_root_enabled(const char *doc, const char *expect)
{
    const char *close = strstr(doc, "<normalizedScreenSize>");
    assert_non_null(close);
    char needle[64];
    snprintf(needle, sizeof(needle), "<enabled>%s</enabled>", expect);
    const char *hit = strstr(doc, needle);
    assert_non_null(hit);
    assert_true(hit < close); /* before the first child: the root's, not a region's */
}

static void round_trip(const char *ns_attr, const char *enabled_elem, bool set, const char *expect)
{
    camera_state cam = {.doc = mask_doc(ns_attr, enabled_elem)};
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_MD5, camera, &cam));
    hik_isapi_opts o = ts_opts(&s, HIK_AUTH_AUTO);
    hik_isapi *c = NULL;
    assert_int_equal(hik_isapi_new(&o, &c), HIK_OK);
    hik_reply r;
    assert_int_equal(hik_isapi_privacy_mask_set(c, 1, set, &r), HIK_OK);
    assert_int_equal(r.status.status_code, 1);
    hik_reply_free(&r);
    assert_int_equal(cam.puts, 1);
    assert_string_equal(s.last_content_type, "application/xml");

    /* everything else comes back exactly as the camera gave it */
    assert_non_null(strstr(cam.doc, regions));
    assert_non_null(strstr(cam.doc, screen));
    assert_root_enabled(cam.doc, expect);
    if (ns_attr[0])
        assert_non_null(strstr(cam.doc, ns_attr + 1));

    bool enabled = !set;
    assert_int_equal(hik_isapi_privacy_mask_get(c, 1, &enabled, &r), HIK_OK);
    assert_int_equal(enabled, set);
    hik_reply_free(&r);
    hik_isapi_free(c);
    ts_stop(&s);
    free(cam.doc);
}

static void test_enable_preserves_regions_hikvision_ns(void **state)
{
    round_trip(" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"",
               "<enabled>false</enabled>\r\n", true, "true");
}

static void test_disable_preserves_regions_isapi_ns(void **state)
{
    round_trip(" xmlns=\"http://www.isapi.org/ver20/XMLSchema\"", "<enabled>true</enabled>\r\n",
               false, "false");
}

static void test_no_namespace(void **state)
{
    round_trip("", "<enabled>false</enabled>\r\n", true, "true");
}

static void test_missing_enabled_is_created_first(void **state)
{
    round_trip(" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"", "", true, "true");
    round_trip("", "", false, "false");
}

static void test_device_refuses_put(void **state)
{
    camera_state cam = {.doc = mask_doc("", "<enabled>false</enabled>"), .refuse = true};
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_MD5, camera, &cam));
    hik_isapi_opts o = ts_opts(&s, HIK_AUTH_AUTO);
    hik_isapi *c = NULL;
    assert_int_equal(hik_isapi_new(&o, &c), HIK_OK);
    hik_reply r;
    assert_int_equal(hik_isapi_privacy_mask_set(c, 1, true, &r), HIK_ERR_DEVICE);
    assert_int_equal(r.status.status_code, 6);
    assert_string_equal(r.status.sub_status, "badParameters");
    hik_reply_free(&r);
    hik_isapi_free(c);
    ts_stop(&s);
    free(cam.doc);
}

static void test_missing_channel_sends_no_put(void **state)
{
    camera_state cam = {.doc = mask_doc("", "<enabled>false</enabled>")};
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_MD5, camera, &cam));
    hik_isapi_opts o = ts_opts(&s, HIK_AUTH_AUTO);
    hik_isapi *c = NULL;
    assert_int_equal(hik_isapi_new(&o, &c), HIK_OK);
    hik_reply r;
    assert_int_equal(hik_isapi_privacy_mask_set(c, 2, true, &r), HIK_ERR_NOT_FOUND);
    assert_int_equal(r.http_status, 404);
    hik_reply_free(&r);
    assert_int_equal(cam.puts, 0);
    assert_int_equal(hik_isapi_privacy_mask_set(c, 0, true, &r), HIK_ERR_INVALID);
    hik_reply_free(&r);
    hik_isapi_free(c);
    ts_stop(&s);
    free(cam.doc);
}

static void test_not_a_privacy_mask_sends_no_put(void **state)
{
    camera_state cam = {.doc = strdup("<DeviceInfo><enabled>true</enabled></DeviceInfo>")};
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_MD5, camera, &cam));
    hik_isapi_opts o = ts_opts(&s, HIK_AUTH_AUTO);
    hik_isapi *c = NULL;
    assert_int_equal(hik_isapi_new(&o, &c), HIK_OK);
    hik_reply r;
    assert_int_equal(hik_isapi_privacy_mask_set(c, 1, true, &r), HIK_ERR_PARSE);
    hik_reply_free(&r);
    bool enabled;
    assert_int_equal(hik_isapi_privacy_mask_get(c, 1, &enabled, &r), HIK_ERR_PARSE);
    hik_reply_free(&r);
    assert_int_equal(cam.puts, 0);
    hik_isapi_free(c);
    ts_stop(&s);
    free(cam.doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enable_preserves_regions_hikvision_ns),
        cmocka_unit_test(test_disable_preserves_regions_isapi_ns),
        cmocka_unit_test(test_no_namespace),
        cmocka_unit_test(test_missing_enabled_is_created_first),
        cmocka_unit_test(test_device_refuses_put),
        cmocka_unit_test(test_missing_channel_sends_no_put),
        cmocka_unit_test(test_not_a_privacy_mask_sends_no_put),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
