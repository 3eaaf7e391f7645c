/* Tests for src/gateway/device_tools.c: the connection test and the
 * snapshot against an in-process camera (tests/unit/lib/test_isapi_server.h)
 * and a real store. What the camera counts proves the rule that matters
 * most: a rejected password is sent once, and never again until it is
 * changed. (The routes are tested end to end in
 * tests/integration/test_device_tools.py.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../lib/test_isapi_server.h"
#include "device_tools.h"
#include "devices.h"

#define DEVICE_INFO                                                                                \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<DeviceInfo version=\"2.0\" "                   \
    "xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\r\n<deviceName>Gate</deviceName>\r\n"     \
    "<model>DS-2CD2155FWD-I</model>\r\n<serialNumber>DS-2CD2155FWD-I20160101AAWR0123</"            \
    "serialNumber>"                                                                                \
    "\r\n<macAddress>44:19:B6:01:02:03</macAddress>\r\n<firmwareVersion>V5.5.82</firmwareVersion>" \
    "\r\n<firmwareReleasedDate>build 190220</firmwareReleasedDate>\r\n<deviceType>IPCamera"        \
    "</deviceType>\r\n</DeviceInfo>\r\n"

typedef struct fixture {
    gw g;
    char dir[64];
    ts_server cam;
    int64_t device;
} fixture;

static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J',  'F',
                                     'I',  'F',  0x00, 0x01, 0x01, 0x00, 0xFF, 0xD9};

/* A camera, or with ctx set an NVR whose channels are behind the proxy. */
static void camera(ts_server *s, const ts_request *req, ts_response *resp)
{
    bool nvr = s->ctx != NULL;
    const char *pic = nvr ? "/ISAPI/ContentMgmt/StreamingProxy/channels/201/picture"
                          : "/ISAPI/Streaming/channels/201/picture";
    if (!strcmp(req->url, "/ISAPI/System/deviceInfo")) {
        ts_reply(resp, 200, "application/xml", "%s", DEVICE_INFO);
    } else if (!strcmp(req->url, pic)) {
        resp->status = 200;
        resp->content_type = "image/jpeg";
        resp->body = malloc(sizeof jpeg);
        memcpy(resp->body, jpeg, sizeof jpeg);
        resp->len = sizeof jpeg;
    } else if (!strcmp(req->url, "/ISAPI/Streaming/channels/301/picture")) {
        ts_reply(resp, 200, "text/plain", "not a picture");
    } else
        ts_reply(resp, 404, "application/xml",
                 "<ResponseStatus><statusCode>4</statusCode>"
                 "<statusString>Invalid Operation</statusString>"
                 "<subStatusCode>notSupport</subStatusCode>"
                 "</ResponseStatus>");
}

static int64_t add_device(fixture *f, int port, const char *password, const char *type)
{
    char *sealed = NULL;
    assert_int_equal(gw_secrets_seal(f->g.secrets, password, &sealed), HIK_OK);
    gw_store_lock(f->g.store);
    sqlite3_stmt *s = gw_store_prepare(
        f->g.store, "INSERT INTO devices(name, address, port, password, device_type, "
                    "created_ms, updated_ms) VALUES(?, '127.0.0.1', ?, ?, ?, 1, 1)");
    char name[32];
    snprintf(name, sizeof name, "cam %d", port);
    sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 2, port);
    sqlite3_bind_text(s, 3, sealed, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, type, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    int64_t id = sqlite3_last_insert_rowid(f->g.store->db);
    gw_store_unlock(f->g.store);
    free(sealed);
    return id;
}

static void column(fixture *f, const char *col, char *out, size_t len)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT %s FROM devices WHERE id=?", col);
    gw_store_lock(f->g.store);
    sqlite3_stmt *s = gw_store_prepare(f->g.store, sql);
    sqlite3_bind_int64(s, 1, f->device);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    const unsigned char *t = sqlite3_column_text(s, 0);
    snprintf(out, len, "%s", t ? (const char *)t : "");
    sqlite3_finalize(s);
    gw_store_unlock(f->g.store);
}

static int check_connection(fixture *f, int64_t id, json_t **out)
{
    gw_tool_result res;
    gw_device_tools_test(&f->g, id, &res);
    assert_null(res.picture);
    *out = res.body;
    return res.status;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char err[256];
    snprintf(f->dir, sizeof f->dir, "/tmp/hikgate-tools-XXXXXX");
    if (!f || !mkdtemp(f->dir))
        return -1;
    gw_config_defaults(&f->g.cfg);
    f->g.cfg.device_timeout_ms = 2000;
    if (gw_store_open(f->dir, false, &f->g.store, err, sizeof err) ||
        gw_secrets_open(f->dir, &f->g.secrets, err, sizeof err) || gw_devices_new(&f->g.devices))
        return -1;
    if (!ts_start(&f->cam, TS_AUTH_MD5, camera, NULL))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[128];
    ts_stop(&f->cam);
    gw_devices_free(f->g.devices);
    gw_secrets_close(f->g.secrets);
    gw_store_close(f->g.store);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void test_ok_records_identity(void **state)
{
    fixture *f = *state;
    json_t *j;
    char v[128];
    f->device = add_device(f, f->cam.port, f->cam.pass, NULL);
    assert_int_equal(check_connection(f, f->device, &j), 200);
    assert_true(json_is_true(json_object_get(j, "ok")));
    json_t *dev = json_object_get(j, "device");
    assert_string_equal(json_string_value(json_object_get(dev, "model")), "DS-2CD2155FWD-I");
    assert_string_equal(json_string_value(json_object_get(dev, "mac")), "44:19:b6:01:02:03");
    assert_string_equal(json_string_value(json_object_get(j, "status")), "online");
    json_decref(j);
    column(f, "status", v, sizeof v);
    assert_string_equal(v, "online");
    column(f, "firmware", v, sizeof v);
    assert_string_equal(v, "V5.5.82");
    column(f, "last_seen_ms", v, sizeof v);
    assert_true(v[0] != '\0');
    assert_int_equal(ts_count(&f->cam, &f->cam.auth_failures), 0);
}

static void test_wrong_password_is_sent_once(void **state)
{
    fixture *f = *state;
    json_t *j;
    char v[256];
    f->device = add_device(f, f->cam.port, "not-the-password", NULL);
    assert_int_equal(check_connection(f, f->device, &j), 200);
    assert_true(json_is_false(json_object_get(j, "ok")));
    assert_true(json_is_true(json_object_get(j, "contacted")));
    assert_string_equal(json_string_value(json_object_get(j, "code")), "auth_rejected");
    json_decref(j);
    assert_int_equal(ts_count(&f->cam, &f->cam.auth_failures), 1);
    column(f, "status", v, sizeof v);
    assert_string_equal(v, "auth_rejected");

    int requests = ts_count(&f->cam, &f->cam.requests);
    assert_int_equal(check_connection(f, f->device, &j), 409);
    assert_true(json_is_false(json_object_get(j, "contacted")));
    assert_non_null(strstr(json_string_value(json_object_get(j, "error")), "password"));
    json_decref(j);
    assert_int_equal(ts_count(&f->cam, &f->cam.requests), requests);
    assert_int_equal(ts_count(&f->cam, &f->cam.auth_failures), 1);
}

static void test_unreachable_and_unknown(void **state)
{
    fixture *f = *state;
    json_t *j;
    char v[256];
    ts_server gone;
    /* a port that was just free: nothing listens on it now */
    assert_true(ts_start(&gone, TS_AUTH_MD5, camera, NULL));
    int port = gone.port;
    ts_stop(&gone);
    f->device = add_device(f, port, "x", NULL);
    assert_int_equal(check_connection(f, f->device, &j), 200);
    assert_string_equal(json_string_value(json_object_get(j, "code")), "network");
    assert_string_equal(json_string_value(json_object_get(j, "status")), "unreachable");
    json_decref(j);
    column(f, "last_error", v, sizeof v);
    assert_true(v[0] != '\0');

    assert_int_equal(check_connection(f, 424242, &j), 404);
    json_decref(j);
}

static void test_snapshot_camera(void **state)
{
    fixture *f = *state;
    gw_tool_result res;
    f->device = add_device(f, f->cam.port, f->cam.pass, "IPCamera");
    gw_device_tools_snapshot(&f->g, f->device, 2, &res);
    assert_int_equal(res.status, 200);
    assert_int_equal(res.picture_len, sizeof jpeg);
    assert_memory_equal(res.picture, jpeg, sizeof jpeg);
    assert_null(res.body);
    free(res.picture);

    /* a ResponseStatus is the device's error, and a camera has no proxy */
    int before = ts_count(&f->cam, &f->cam.requests);
    gw_device_tools_snapshot(&f->g, f->device, 4, &res);
    assert_int_equal(res.status, 502);
    assert_null(res.picture);
    assert_string_equal(json_string_value(json_object_get(res.body, "code")), "not_found");
    json_t *st = json_object_get(res.body, "device_status");
    assert_string_equal(json_string_value(json_object_get(st, "sub_status")), "notSupport");
    json_decref(res.body);
    assert_string_equal(f->cam.last_url, "/ISAPI/Streaming/channels/401/picture");
    assert_true(ts_count(&f->cam, &f->cam.requests) > before);

    /* a 200 that is not a JPEG is not passed on as one */
    gw_device_tools_snapshot(&f->g, f->device, 3, &res);
    assert_int_equal(res.status, 502);
    assert_null(res.picture);
    assert_non_null(strstr(json_string_value(json_object_get(res.body, "error")), "JPEG"));
    json_decref(res.body);

    gw_device_tools_snapshot(&f->g, f->device, 0, &res);
    assert_int_equal(res.status, 400);
    json_decref(res.body);
    gw_device_tools_snapshot(&f->g, f->device, GW_SNAPSHOT_CHANNEL_MAX + 1, &res);
    assert_int_equal(res.status, 400);
    json_decref(res.body);
}

static void test_snapshot_nvr_falls_back_to_the_proxy(void **state)
{
    fixture *f = *state;
    gw_tool_result res;
    ts_stop(&f->cam);
    assert_true(ts_start(&f->cam, TS_AUTH_MD5, camera, f)); /* ctx set: an NVR */
    f->device = add_device(f, f->cam.port, f->cam.pass, "NVR");
    gw_device_tools_snapshot(&f->g, f->device, 2, &res);
    assert_int_equal(res.status, 200);
    assert_memory_equal(res.picture, jpeg, 2);
    assert_string_equal(f->cam.last_url, "/ISAPI/ContentMgmt/StreamingProxy/channels/201/picture");
    free(res.picture);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ok_records_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_password_is_sent_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreachable_and_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_camera, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_nvr_falls_back_to_the_proxy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
