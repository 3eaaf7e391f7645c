/* test_isapi_event_triggers.c: lib/isapi_event_triggers.c against the real
 * EventTriggerList captures and an in-process camera that serves one of
 * them trigger by trigger. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hik/isapi_event.h"
#include "test_isapi_server.h"

#define NS "xmlns=\"http://www.hikvision.com/ver20/XMLSchema\""

static char *read_fixture(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/triggers/%s", HIK_FIXTURES_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 256 * 1024 + 1);
    *len = fread(buf, 1, 256 * 1024, f);
    fclose(f);
    return buf;
}

static const hik_event_trigger *find(const hik_event_trigger *t, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].id, id) == 0)
            return &t[i];
    return NULL;
}

static void test_fixture_cam(void **state)
{
    (void)state;
    if (!ts_fixtures_present())
        skip();
    size_t len = 0, n = 0;
    char *body = read_fixture("triggers_cam.xml", &len);
    assert_non_null(body);
    static hik_event_trigger t[HIK_EVENT_TRIGGERS_MAX];
    assert_int_equal(hik_event_triggers_parse((uint8_t *)body, len, t, HIK_EVENT_TRIGGERS_MAX, &n),
                     HIK_OK);
    assert_true(n > 10);
    const hik_event_trigger *vmd = find(t, n, "VMD-1");
    assert_non_null(vmd);
    assert_int_equal(vmd->kind, HIK_EV_MOTION);
    assert_int_equal(vmd->channel, 1);
    assert_true(vmd->center);
    const hik_event_trigger *tamper = find(t, n, "tamper-1");
    assert_non_null(tamper);
    assert_int_equal(tamper->kind, HIK_EV_TAMPER);
    const hik_event_trigger *disk = find(t, n, "diskfull");
    assert_non_null(disk);
    assert_false(disk->center);
    /* The device's own names win: tamper-1, faceSnap-1 */
    char id[64];
    assert_int_equal(hik_event_trigger_find(t, n, HIK_EV_TAMPER, 1, id, sizeof(id)), HIK_OK);
    assert_string_equal(id, "tamper-1");
    assert_int_equal(hik_event_trigger_find(t, n, HIK_EV_FACE_CAPTURE, 1, id, sizeof(id)), HIK_OK);
    assert_string_equal(id, "faceSnap-1");
    assert_int_equal(hik_event_trigger_find(t, n, HIK_EV_INTRUSION, 1, id, sizeof(id)), HIK_OK);
    assert_string_equal(id, "fielddetection-1");
    /* a too small array is an error, not a silent cut */
    assert_int_equal(hik_event_triggers_parse((uint8_t *)body, len, t, 3, &n), HIK_ERR_TOO_BIG);
    free(body);
}

static void test_fixture_nvr_channels(void **state)
{
    (void)state;
    if (!ts_fixtures_present())
        skip();
    size_t len = 0, n = 0;
    char *body = read_fixture("triggers_nvr.xml", &len);
    assert_non_null(body);
    static hik_event_trigger t[HIK_EVENT_TRIGGERS_MAX];
    assert_int_equal(hik_event_triggers_parse((uint8_t *)body, len, t, HIK_EVENT_TRIGGERS_MAX, &n),
                     HIK_OK);
    char id[64];
    assert_int_equal(hik_event_trigger_find(t, n, HIK_EV_LINE_CROSSING, 3, id, sizeof(id)), HIK_OK);
    assert_string_equal(id, "linedetection-3");
    const hik_event_trigger *tr = find(t, n, "linedetection-3");
    assert_int_equal(tr->channel, 3);
    free(body);
}

/* Every trigger of the real captures that lacks center gains exactly one,
 * and keeps every method it had. */
static void test_fixture_documents_gain_center(void **state)
{
    (void)state;
    if (!ts_fixtures_present())
        skip();
    size_t len = 0;
    char *body = read_fixture("triggers_ptz.xml", &len);
    assert_non_null(body);
    /* cut out the first EventTrigger without center and make it a document */
    const char *p = body;
    int checked = 0;
    while ((p = strstr(p, "<EventTrigger>")) != NULL) {
        const char *end = strstr(p, "</EventTrigger>");
        assert_non_null(end);
        end += strlen("</EventTrigger>");
        char *doc = NULL;
        assert_true(asprintf(&doc, "<EventTrigger version=\"2.0\" " NS ">%.*s",
                             (int)(end - p - strlen("<EventTrigger>")),
                             p + strlen("<EventTrigger>")) > 0);
        bool had = strstr(doc, "<notificationMethod>center<") != NULL;
        int methods_before = 0;
        for (const char *q = doc; (q = strstr(q, "<notificationMethod>")); q++)
            methods_before++;
        bool changed = true;
        char *out = NULL;
        size_t out_len = 0;
        assert_int_equal(
            hik_event_trigger_doc_add_center((uint8_t *)doc, strlen(doc), &changed, &out, &out_len),
            HIK_OK);
        assert_int_equal(changed, !had);
        if (changed) {
            int methods_after = 0;
            for (const char *q = out; (q = strstr(q, "<notificationMethod>")); q++)
                methods_after++;
            assert_int_equal(methods_after, methods_before + 1);
            assert_non_null(strstr(out, "<notificationMethod>center</notificationMethod>"));
            assert_non_null(strstr(out, "<notificationRecurrence>beginning"));
            /* and it is idempotent */
            bool again = true;
            char *out2 = NULL;
            size_t out2_len = 0;
            assert_int_equal(
                hik_event_trigger_doc_add_center((uint8_t *)out, out_len, &again, &out2, &out2_len),
                HIK_OK);
            assert_false(again);
            assert_null(out2);
            checked++;
        } else {
            assert_null(out);
        }
        free(out);
        free(doc);
        p = end;
    }
    assert_true(checked > 0);
    free(body);
}

/* ---- against a camera ------------------------------------------------------ */

typedef struct camera_state {
    char *vmd; /* VMD-1 document */
    int puts;
} camera_state;

static void camera(ts_server *s, const ts_request *req, ts_response *r)
{
    camera_state *cam = s->ctx;
    if (strcmp(req->url, "/ISAPI/Event/triggers/VMD-1") != 0) {
        ts_reply(r, 404, "application/xml",
                 "<ResponseStatus version=\"2.0\" " NS "><requestURL>%s</requestURL>"
                 "<statusCode>4</statusCode><statusString>Invalid Operation</statusString>"
                 "<subStatusCode>notSupport</subStatusCode></ResponseStatus>",
                 req->url);
    } else if (strcmp(req->method, "GET") == 0) {
        ts_reply(r, 200, "application/xml", "%s", cam->vmd);
    } else if (strcmp(req->method, "PUT") == 0) {
        cam->puts++;
        free(cam->vmd);
        cam->vmd = strdup(req->body);
        ts_reply(r, 200, "application/xml", "%s", ts_status_ok_xml());
    } else {
        ts_reply(r, 405, "text/html", "<html>Method Not Allowed</html>");
    }
}

static const char vmd_without_center[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<EventTrigger version=\"2.0\" " NS ">\r\n"
    "<id>VMD-1</id>\r\n<eventType>VMD</eventType>\r\n<eventDescription>VMD Event trigger "
    "Information</eventDescription>\r\n<videoInputChannelID>1</videoInputChannelID>\r\n"
    "<EventTriggerNotificationList>\r\n<EventTriggerNotification>\r\n<id>record-1</id>\r\n"
    "<notificationMethod>record</notificationMethod>\r\n<videoInputID>1</videoInputID>\r\n"
    "<notificationRecurrence>beginning</notificationRecurrence>\r\n"
    "</EventTriggerNotification>\r\n</EventTriggerNotificationList>\r\n</EventTrigger>\r\n";

static void test_ensure_center_on_camera(void **state)
{
    (void)state;
    ts_server srv;
    camera_state cam = {.vmd = strdup(vmd_without_center)};
    assert_true(ts_start(&srv, TS_AUTH_MD5, camera, &cam));
    hik_isapi_opts o = ts_opts(&srv, HIK_AUTH_AUTO);
    hik_isapi *isapi = NULL;
    assert_int_equal(hik_isapi_new(&o, &isapi), HIK_OK);
    hik_reply reply;
    bool changed = false;

    /* dry run: reports the change, writes nothing */
    assert_int_equal(hik_isapi_event_trigger_ensure_center(isapi, "VMD-1", true, &changed, &reply),
                     HIK_OK);
    hik_reply_free(&reply);
    assert_true(changed);
    assert_int_equal(cam.puts, 0);

    assert_int_equal(hik_isapi_event_trigger_ensure_center(isapi, "VMD-1", false, &changed, &reply),
                     HIK_OK);
    hik_reply_free(&reply);
    assert_true(changed);
    assert_int_equal(cam.puts, 1);
    assert_non_null(strstr(cam.vmd, "<notificationMethod>record</notificationMethod>"));
    assert_non_null(strstr(cam.vmd, "<notificationMethod>center</notificationMethod>"));

    /* already set: no second write */
    assert_int_equal(hik_isapi_event_trigger_ensure_center(isapi, "VMD-1", false, &changed, &reply),
                     HIK_OK);
    hik_reply_free(&reply);
    assert_false(changed);
    assert_int_equal(cam.puts, 1);

    /* a trigger the device lacks is the device's error */
    assert_int_not_equal(
        hik_isapi_event_trigger_ensure_center(isapi, "ANPR-9", false, &changed, &reply), HIK_OK);
    hik_reply_free(&reply);
    /* an id that is not one is refused before anything is sent */
    assert_int_equal(hik_isapi_event_trigger_ensure_center(isapi, "../x", false, &changed, &reply),
                     HIK_ERR_INVALID);
    hik_isapi_free(isapi);
    ts_stop(&srv);
    free(cam.vmd);
}

static void test_trigger_ids(void **state)
{
    (void)state;
    char id[32];
    assert_int_equal(hik_event_trigger_id(HIK_EV_MOTION, 2, id, sizeof(id)), HIK_OK);
    assert_string_equal(id, "VMD-2");
    assert_int_equal(hik_event_trigger_id(HIK_EV_REGION_EXITING, 1, id, sizeof(id)), HIK_OK);
    assert_string_equal(id, "regionExiting-1");
    assert_int_equal(hik_event_trigger_id(HIK_EV_DEVICE_OFFLINE, 1, id, sizeof(id)),
                     HIK_ERR_UNSUPPORTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_cam),
        cmocka_unit_test(test_fixture_nvr_channels),
        cmocka_unit_test(test_fixture_documents_gain_center),
        cmocka_unit_test(test_ensure_center_on_camera),
        cmocka_unit_test(test_trigger_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
