/* test_event_parse_body.c: whole push bodies: Content-Type dispatch (case,
 * parameters, missing, wrong), and multipart/form-data with every part-name
 * set PROTOCOL.md section 3 lists, pictures attached to the events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hik/event_parse.h"

#define ALERT_XML(type)                                                                            \
    "<EventNotificationAlert version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">"  \
    "<ipAddress>192.0.2.64</ipAddress><channelID>1</channelID><eventType>" type "</eventType>"     \
    "<eventState>active</eventState></EventNotificationAlert>"

static char body[65536];
static size_t body_len;

static void mp_begin(void)
{
    body_len = 0;
}

/* One part; `ctype` NULL for none, `name` and `filename` NULL to omit. */
static void mp_part(const char *name, const char *filename, const char *ctype, const char *cid,
                    const void *data, size_t len)
{
    body_len += (size_t)snprintf(body + body_len, sizeof(body) - body_len,
                                 "--MIME_boundary\r\nContent-Disposition: form-data");
    if (name)
        body_len +=
            (size_t)snprintf(body + body_len, sizeof(body) - body_len, "; name=\"%s\"", name);
    if (filename)
        body_len += (size_t)snprintf(body + body_len, sizeof(body) - body_len, "; filename=\"%s\"",
                                     filename);
    body_len += (size_t)snprintf(body + body_len, sizeof(body) - body_len, "\r\n");
    if (ctype)
        body_len += (size_t)snprintf(body + body_len, sizeof(body) - body_len,
                                     "Content-Type: %s\r\n", ctype);
    if (cid)
        body_len +=
            (size_t)snprintf(body + body_len, sizeof(body) - body_len, "Content-ID: <%s>\r\n", cid);
    body_len += (size_t)snprintf(body + body_len, sizeof(body) - body_len,
                                 "Content-Length: %zu\r\n\r\n", len);
    memcpy(body + body_len, data, len);
    body_len += len;
    memcpy(body + body_len, "\r\n", 2);
    body_len += 2;
}

static void mp_end(void)
{
    body_len += (size_t)snprintf(body + body_len, sizeof(body) - body_len, "--MIME_boundary--\r\n");
}

static const char jpeg[] = "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01--MIME_boundary\xff\xd9";
#define CT_MP "multipart/form-data; boundary=MIME_boundary"

static void parse_ok(const char *ctype, const void *data, size_t len, hik_event *ev, size_t max,
                     size_t *n)
{
    hik_parse_diag diag;
    hik_err err = hik_event_parse_body(ctype, data, len, NULL, ev, max, n, &diag);
    if (err)
        fail_msg("parse failed: %s (%s)", hik_err_name(err), diag.message);
}

static void assert_picture(const hik_event *ev, int i, const char *name, const char *cid)
{
    assert_true(ev->n_pictures > i);
    const hik_picture *p = &ev->pictures[i];
    assert_string_equal(p->name, name);
    assert_string_equal(p->content_type, "image/jpeg");
    assert_string_equal(p->content_id, cid ? cid : "");
    assert_int_equal(p->len, sizeof(jpeg) - 1);
    assert_memory_equal(p->data, jpeg, p->len);
    assert_true(p->data >= (const uint8_t *)body && p->data < (const uint8_t *)body + body_len);
}

static void test_vmd_push(void **state)
{
    static const char alert[] = ALERT_XML("VMD");
    mp_begin();
    mp_part("MoveDetection.xml", "MoveDetection.xml", "application/xml", NULL, alert,
            sizeof(alert) - 1);
    mp_part("VMDImage", "VMDImage.jpg", "image/jpeg", NULL, jpeg, sizeof(jpeg) - 1);
    mp_end();
    hik_event ev;
    size_t n;
    parse_ok(CT_MP, body, body_len, &ev, 1, &n);
    assert_int_equal(n, 1);
    assert_int_equal(ev.kind, HIK_EV_MOTION);
    assert_int_equal(ev.n_pictures, 1);
    assert_picture(&ev, 0, "VMDImage", NULL);
    assert_int_equal(ev.raw_len, sizeof(alert) - 1);
    assert_memory_equal(ev.raw, alert, ev.raw_len);
}

static void test_line_and_intrusion_push(void **state)
{
    /* The alert part is named without an extension and typed text/plain:
     * its bytes say XML. */
    static const char line[] = ALERT_XML("linedetection");
    mp_begin();
    mp_part("linedetection", NULL, "text/plain", NULL, line, sizeof(line) - 1);
    mp_part("lineCrossImage", NULL, "image/jpeg", NULL, jpeg, sizeof(jpeg) - 1);
    mp_end();
    hik_event ev;
    size_t n;
    parse_ok("Multipart/Form-Data; Boundary=\"MIME_boundary\"", body, body_len, &ev, 1, &n);
    assert_int_equal(ev.kind, HIK_EV_LINE_CROSSING);
    assert_picture(&ev, 0, "lineCrossImage", NULL);

    static const char field[] = ALERT_XML("fielddetection");
    mp_begin();
    /* Picture first, typed as octet-stream: sniffed as JPEG. */
    mp_part("intrusionImage", NULL, "application/octet-stream", NULL, jpeg, sizeof(jpeg) - 1);
    mp_part("fielddetection.xml", NULL, NULL, NULL, field, sizeof(field) - 1);
    mp_end();
    parse_ok(CT_MP, body, body_len, &ev, 1, &n);
    assert_int_equal(ev.kind, HIK_EV_INTRUSION);
    assert_picture(&ev, 0, "intrusionImage", NULL);
}

static void test_anpr_push(void **state)
{
    static const char alert[] = ALERT_XML("ANPR");
    static const char *names[] = {"anpr.xml", "ANPR.xml"};
    for (int i = 0; i < 2; i++) {
        mp_begin();
        mp_part(names[i], names[i], "text/xml", NULL, alert, sizeof(alert) - 1);
        mp_part("licensePlatePicture.jpg", "licensePlatePicture.jpg", "image/jpeg", NULL, jpeg,
                sizeof(jpeg) - 1);
        mp_part("detectionPicture.jpg", "detectionPicture.jpg", "image/jpeg", NULL, jpeg,
                sizeof(jpeg) - 1);
        mp_part("vehiclePicture.jpg", "vehiclePicture.jpg", "image/jpeg", NULL, jpeg,
                sizeof(jpeg) - 1);
        mp_end();
        hik_event ev;
        size_t n;
        parse_ok(CT_MP, body, body_len, &ev, 1, &n);
        assert_int_equal(ev.kind, HIK_EV_ANPR);
        assert_int_equal(ev.n_pictures, 3);
        assert_picture(&ev, 0, "licensePlatePicture.jpg", NULL);
        assert_picture(&ev, 1, "detectionPicture.jpg", NULL);
        assert_picture(&ev, 2, "vehiclePicture.jpg", NULL);
    }
}

static void test_face_push(void **state)
{
    static const char alert[] =
        "{\"ipAddress\":\"192.0.2.70\",\"channelID\":1,\"eventType\":\"alarmResult\","
        "\"alarmResult\":[{\"faces\":[{\"identify\":[{\"candidate\":[{\"reserve_field\":"
        "{\"name\":\"Alice\"},\"similarity\":0.83}]}]}]}]}";
    mp_begin();
    mp_part("alarmResult", NULL, "application/json", NULL, alert, sizeof(alert) - 1);
    mp_part("faceImage", NULL, "image/jpeg", "pid-1", jpeg, sizeof(jpeg) - 1);
    mp_part("backgroundImage", NULL, "image/jpeg", "pid-2", jpeg, sizeof(jpeg) - 1);
    mp_part("faceLibImage", NULL, "image/jpeg", "pid-3", jpeg, sizeof(jpeg) - 1);
    mp_end();
    hik_event ev;
    size_t n;
    parse_ok(CT_MP, body, body_len, &ev, 1, &n);
    assert_int_equal(ev.kind, HIK_EV_FACE_RECOGNITION);
    assert_int_equal(ev.format, HIK_FMT_JSON);
    assert_int_equal(ev.n_candidates, 1);
    assert_int_equal(ev.n_pictures, 3);
    assert_picture(&ev, 0, "faceImage", "pid-1");
    assert_picture(&ev, 1, "backgroundImage", "pid-2");
    assert_picture(&ev, 2, "faceLibImage", "pid-3");
}

static void test_pictures_shared_by_events(void **state)
{
    static const char two[] = "<List>" ALERT_XML("VMD") ALERT_XML("PIR") "</List>";
    mp_begin();
    mp_part("alerts.xml", NULL, "application/xml", NULL, two, sizeof(two) - 1);
    mp_part("VMDImage", NULL, "image/jpeg", NULL, jpeg, sizeof(jpeg) - 1);
    mp_end();
    hik_event ev[2];
    size_t n;
    parse_ok(CT_MP, body, body_len, ev, 2, &n);
    assert_int_equal(n, 2);
    assert_picture(&ev[0], 0, "VMDImage", NULL);
    assert_picture(&ev[1], 0, "VMDImage", NULL);
}

static void test_truncated_multipart(void **state)
{
    static const char alert[] = ALERT_XML("VMD");
    mp_begin();
    mp_part("MoveDetection.xml", NULL, "application/xml", NULL, alert, sizeof(alert) - 1);
    mp_part("VMDImage", NULL, "image/jpeg", NULL, jpeg, sizeof(jpeg) - 1);
    mp_end();
    hik_event ev;
    size_t n = 9;
    hik_parse_diag diag;
    size_t cut = body_len - 30; /* inside the picture */
    assert_int_equal(
        hik_event_parse_body(CT_MP, (const uint8_t *)body, cut, NULL, &ev, 1, &n, &diag),
        HIK_ERR_TRUNCATED);
    assert_int_equal(n, 0);
    assert_non_null(strstr(diag.message, "truncated"));
    assert_non_null(strstr(diag.message, "part 2"));
}

static void test_multipart_without_alert(void **state)
{
    mp_begin();
    mp_part("VMDImage", NULL, "image/jpeg", NULL, jpeg, sizeof(jpeg) - 1);
    mp_end();
    hik_event ev;
    size_t n;
    hik_parse_diag diag;
    assert_int_equal(
        hik_event_parse_body(CT_MP, (const uint8_t *)body, body_len, NULL, &ev, 1, &n, &diag),
        HIK_ERR_UNSUPPORTED);
    assert_non_null(strstr(diag.message, "no XML or JSON alert"));
}

static void test_multipart_boundary_from_body(void **state)
{
    static const char alert[] = ALERT_XML("VMD");
    mp_begin();
    mp_part("MoveDetection.xml", NULL, NULL, NULL, alert, sizeof(alert) - 1);
    mp_end();
    hik_event ev;
    size_t n;
    parse_ok("multipart/form-data", body, body_len, &ev, 1, &n);
    assert_int_equal(ev.kind, HIK_EV_MOTION);
    parse_ok(NULL, body, body_len, &ev, 1, &n);
    assert_int_equal(ev.kind, HIK_EV_MOTION);
}

/* A first line that cannot be a boundary (a NUL right after "--") is a
 * malformed body from the network, never a bad argument. Found by fuzzing. */
static void test_multipart_boundary_from_body_with_nul(void **state)
{
    static const uint8_t bodies[][8] = {{'-', '-', 0}, {'-', '-', 0, 'a', '\r', '\n', 'x'}};
    static const size_t lens[] = {3, 7};
    static const char *const ctypes[] = {NULL, "multipart/form-data", "text/plain"};
    for (size_t i = 0; i < 2; i++)
        for (size_t k = 0; k < 3; k++) {
            hik_event ev;
            size_t n = 9;
            hik_parse_diag diag;
            hik_err err =
                hik_event_parse_body(ctypes[k], bodies[i], lens[i], NULL, &ev, 1, &n, &diag);
            if (err != HIK_ERR_PARSE)
                fail_msg("body %zu, type %zu: %s, not a parse error", i, k, hik_err_name(err));
            assert_int_equal(n, 0);
            assert_true(strlen(diag.message) > 0);
        }
}

static void test_plain_bodies(void **state)
{
    static const char xml[] = "\r\n  " ALERT_XML("IO");
    static const char json[] = "{\"eventType\":\"PIR\",\"channelID\":2}";
    static const struct {
        const char *ctype;
        const char *data;
        size_t len;
        hik_event_kind kind;
    } cases[] = {
        {"application/xml", xml, sizeof(xml) - 1, HIK_EV_IO_ALARM},
        {"APPLICATION/XML; charset=\"UTF-8\"", xml, sizeof(xml) - 1, HIK_EV_IO_ALARM},
        {"text/xml", xml, sizeof(xml) - 1, HIK_EV_IO_ALARM},
        {"text/plain", xml, sizeof(xml) - 1, HIK_EV_IO_ALARM},
        {NULL, xml, sizeof(xml) - 1, HIK_EV_IO_ALARM},
        {"application/json", json, sizeof(json) - 1, HIK_EV_PIR},
        {"Application/Json;charset=utf-8", json, sizeof(json) - 1, HIK_EV_PIR},
        {"text/plain", json, sizeof(json) - 1, HIK_EV_PIR},
        {"application/xml", json, sizeof(json) - 1, HIK_EV_PIR}, /* mislabelled */
        {"", json, sizeof(json) - 1, HIK_EV_PIR},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        hik_event ev;
        size_t n;
        parse_ok(cases[i].ctype, cases[i].data, cases[i].len, &ev, 1, &n);
        assert_int_equal(n, 1);
        if (ev.kind != cases[i].kind)
            fail_msg("case %zu: kind %s", i, hik_event_kind_name(ev.kind));
        assert_int_equal(ev.n_pictures, 0);
    }
}

static void test_unrecognised_body(void **state)
{
    hik_event ev;
    size_t n;
    hik_parse_diag diag;
    const char *text = "hello";
    assert_int_equal(hik_event_parse_body("text/plain", (const uint8_t *)text, strlen(text), NULL,
                                          &ev, 1, &n, &diag),
                     HIK_ERR_UNSUPPORTED);
    assert_true(strlen(diag.message) > 0);
    assert_int_equal(
        hik_event_parse_body("application/xml", (const uint8_t *)"", 0, NULL, &ev, 1, &n, &diag),
        HIK_ERR_PARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vmd_push),
        cmocka_unit_test(test_line_and_intrusion_push),
        cmocka_unit_test(test_anpr_push),
        cmocka_unit_test(test_face_push),
        cmocka_unit_test(test_pictures_shared_by_events),
        cmocka_unit_test(test_truncated_multipart),
        cmocka_unit_test(test_multipart_without_alert),
        cmocka_unit_test(test_multipart_boundary_from_body),
        cmocka_unit_test(test_multipart_boundary_from_body_with_nul),
        cmocka_unit_test(test_plain_bodies),
        cmocka_unit_test(test_unrecognised_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
