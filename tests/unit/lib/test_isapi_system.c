/* test_isapi_system.c: lib/isapi_system.c: configuration backup and
 * restore streamed through files, the firmware file check, and a whole
 * firmware upgrade against a camera that really goes away and comes back
 * on the same port with a new firmwareVersion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>

#include "hik/isapi_manage.h"
#include "test_isapi_server.h"

typedef struct camera_state {
    char firmware[32];
    size_t config_len; /* size of the blob GET configurationData returns */
    char *restored;    /* last PUT configurationData body */
    size_t restored_len;
    size_t firmware_len; /* bytes received by updateFirmware */
    int status_polls;
    bool never_restart;
} camera_state;

static const uint8_t dav_key[16] = {0xba, 0xcd, 0xbc, 0xfe, 0xd6, 0xca, 0xdd, 0xd3,
                                    0xba, 0xb9, 0xa3, 0xab, 0xbf, 0xcb, 0xb5, 0xbe};

/* A file of `size` bytes; a digicap.dav header when `dav`. */
static int temp_image(size_t size, bool dav, const char *magic)
{
    char path[] = "/tmp/hik-test-fw-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    uint8_t *buf = calloc(1, size);
    for (size_t i = 0; i < size; i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    if (dav && size >= 64) {
        uint8_t h[64] = {0};
        memcpy(h, magic, 4);
        h[8] = 64; /* header length, little endian */
        h[12] = 1; /* one file */
        for (size_t i = 0; i < sizeof h; i++)
            buf[i] = h[i] ^ dav_key[(i + (i >> 4)) & 15];
    }
    assert_int_equal(write(fd, buf, size), (ssize_t)size);
    free(buf);
    return fd;
}

static void camera(ts_server *s, const ts_request *req, ts_response *r)
{
    camera_state *cam = s->ctx;
    if (!strcmp(req->url, "/ISAPI/System/configurationData") && !strcmp(req->method, "GET")) {
        r->status = 200;
        r->content_type = "application/octet-stream";
        r->body = malloc(cam->config_len);
        for (size_t i = 0; i < cam->config_len; i++)
            r->body[i] = (char)(i % 251);
        r->len = cam->config_len;
    } else if (!strcmp(req->url, "/ISAPI/System/configurationData")) {
        free(cam->restored);
        cam->restored = malloc(req->len + 1);
        memcpy(cam->restored, req->body, req->len);
        cam->restored_len = req->len;
        ts_reply(r, 200, "application/xml", "%s", ts_status_ok_xml());
    } else if (!strcmp(req->url, "/ISAPI/System/updateFirmware")) {
        cam->firmware_len = req->len;
        ts_reply(r, 200, "application/xml", "%s", ts_status_ok_xml());
    } else if (!strcmp(req->url, "/ISAPI/System/upgradeStatus")) {
        int pct = cam->status_polls >= 3 ? 100 : cam->status_polls * 40;
        cam->status_polls++;
        ts_reply(r, 200, "application/xml",
                 "<upgradeStatus><upgrading>%s</upgrading><percent>%d</percent></upgradeStatus>",
                 pct < 100 ? "true" : "false", pct);
    } else if (!strcmp(req->url, "/ISAPI/System/deviceInfo")) {
        ts_reply(r, 200, "application/xml",
                 "<DeviceInfo><model>DS-2CD2386G2-IU</model><firmwareVersion>%s</firmwareVersion>"
                 "</DeviceInfo>",
                 cam->firmware);
    } else if (!strcmp(req->url, "/ISAPI/System/reboot")) {
        ts_reply(r, 200, "application/xml", "%s", ts_status_ok_xml());
    } else {
        ts_reply(r, 404, "text/html", "<html>Not Found</html>");
    }
}

/* Stop the server and start it again on the same port `gap_ms` later, the
 * way a device restarts: every connection is dropped. */
typedef struct bounce {
    ts_server *s;
    long delay_ms, gap_ms;
    const char *new_firmware;
} bounce;

static void *bounce_main(void *arg)
{
    bounce *b = arg;
    usleep((useconds_t)b->delay_ms * 1000);
    MHD_stop_daemon(b->s->daemon);
    b->s->daemon = NULL;
    usleep((useconds_t)b->gap_ms * 1000);
    camera_state *cam = b->s->ctx;
    if (b->new_firmware)
        ts_copy(cam->firmware, sizeof cam->firmware, b->new_firmware);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(b->s->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    b->s->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, 0, NULL, NULL, ts__access, b->s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, ts__completed,
        b->s, MHD_OPTION_NOTIFY_CONNECTION, ts__connection, b->s,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
    return NULL;
}

static int setup(void **state)
{
    camera_state *cam = calloc(1, sizeof *cam);
    ts_copy(cam->firmware, sizeof cam->firmware, "V5.7.3");
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
    free(cam->restored);
    free(cam);
    free(s);
    return 0;
}

static hik_isapi *client(ts_server *s)
{
    hik_isapi_opts o = ts_opts(s, HIK_AUTH_DIGEST);
    o.connect_timeout_ms = 500;
    o.timeout_ms = 2000;
    hik_isapi *h = NULL;
    assert_int_equal(hik_isapi_new(&o, &h), HIK_OK);
    return h;
}

static void test_backup_streams_to_file_and_back(void **state)
{
    ts_server *s = *state;
    camera_state *cam = s->ctx;
    cam->config_len = 300 * 1024;
    hik_isapi *h = client(s);
    int fd = temp_image(1, false, NULL);
    assert_int_equal(ftruncate(fd, 0), 0);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    uint64_t written = 0;
    hik_reply r;
    assert_int_equal(hik_isapi_config_export(h, fd, 1024 * 1024, &written, &r), HIK_OK);
    assert_int_equal(r.len, 0); /* nothing of it in memory */
    hik_reply_free(&r);
    assert_int_equal(written, cam->config_len);
    uint8_t b[4];
    assert_int_equal(pread(fd, b, 4, 1000), 4);
    assert_int_equal(b[0], 1000 % 251);

    assert_int_equal(hik_isapi_config_import(h, fd, &r), HIK_OK);
    hik_reply_free(&r);
    assert_int_equal(cam->restored_len, cam->config_len);
    assert_int_equal((uint8_t)cam->restored[5000], 5000 % 251);
    assert_string_equal(s->last_content_type, "application/octet-stream");
    assert_int_equal(ts_count(s, &s->auth_failures), 0);
    close(fd);
    hik_isapi_free(h);
}

static void test_backup_larger_than_cap_refused(void **state)
{
    ts_server *s = *state;
    camera_state *cam = s->ctx;
    cam->config_len = 200 * 1024;
    hik_isapi *h = client(s);
    int fd = temp_image(1, false, NULL);
    uint64_t written = 0;
    hik_reply r;
    assert_int_equal(hik_isapi_config_export(h, fd, 64 * 1024, &written, &r), HIK_ERR_TOO_BIG);
    assert_non_null(strstr(r.error, "65536"));
    hik_reply_free(&r);
    close(fd);
    hik_isapi_free(h);
}

static void test_firmware_check(void **state)
{
    char why[128];
    uint64_t size = 0;
    int ok = temp_image(128 * 1024, true, "SWKH");
    assert_int_equal(hik_firmware_check(ok, &size, why, sizeof why), HIK_OK);
    assert_int_equal(size, 128 * 1024);
    int small = temp_image(1024, true, "SWKH");
    assert_int_equal(hik_firmware_check(small, &size, why, sizeof why), HIK_ERR_INVALID);
    assert_non_null(strstr(why, "too small"));
    int plain = temp_image(128 * 1024, false, NULL);
    assert_int_equal(hik_firmware_check(plain, &size, why, sizeof why), HIK_ERR_INVALID);
    assert_non_null(strstr(why, "not a firmware image"));
    int other = temp_image(128 * 1024, true, "HKWS");
    assert_int_equal(hik_firmware_check(other, &size, why, sizeof why), HIK_ERR_INVALID);
    assert_int_equal(hik_firmware_check(-1, &size, why, sizeof why), HIK_ERR_IO);
    close(ok);
    close(small);
    close(plain);
    close(other);
}

static void test_corrupt_firmware_never_sent(void **state)
{
    ts_server *s = *state;
    hik_isapi *h = client(s);
    int fd = temp_image(128 * 1024, false, NULL);
    hik_reply r;
    assert_int_equal(hik_isapi_firmware_upgrade(h, fd, NULL, NULL, &r), HIK_ERR_INVALID);
    assert_non_null(strstr(r.error, "not a firmware image"));
    hik_reply_free(&r);
    assert_int_equal(ts_count(s, &s->requests), 0);
    close(fd);
    hik_isapi_free(h);
}

typedef struct progress_log {
    int calls;
    int last_pct;
    char phases[256];
} progress_log;

static void on_progress(void *ctx, const char *phase, int pct)
{
    progress_log *p = ctx;
    p->calls++;
    p->last_pct = pct;
    if (!strstr(p->phases, phase) && strlen(p->phases) + strlen(phase) + 2 < sizeof p->phases) {
        strcat(p->phases, phase);
        strcat(p->phases, ",");
    }
}

static void test_upgrade_waits_for_restart_and_new_version(void **state)
{
    ts_server *s = *state;
    camera_state *cam = s->ctx;
    hik_isapi *h = client(s);
    int fd = temp_image(256 * 1024, true, "SWKH");
    bounce b = {.s = s, .delay_ms = 1200, .gap_ms = 700, .new_firmware = "V5.8.0"};
    pthread_t t;
    pthread_create(&t, NULL, bounce_main, &b);
    progress_log log = {0};
    hik_firmware_opts o = {.poll_ms = 200,
                           .down_timeout_ms = 5000,
                           .up_timeout_ms = 5000,
                           .progress = on_progress,
                           .ctx = &log};
    hik_device_info after;
    hik_reply r;
    hik_err err = hik_isapi_firmware_upgrade(h, fd, &o, &after, &r);
    pthread_join(t, NULL);
    assert_int_equal(err, HIK_OK);
    hik_reply_free(&r);
    assert_int_equal(cam->firmware_len, 256 * 1024);
    assert_string_equal(after.firmware, "V5.8.0");
    assert_non_null(strstr(log.phases, "uploading,upgrading,rebooting,verifying"));
    assert_int_equal(ts_count(s, &s->auth_failures), 0);
    close(fd);
    hik_isapi_free(h);
}

static void test_upgrade_same_version_is_an_error(void **state)
{
    ts_server *s = *state;
    hik_isapi *h = client(s);
    int fd = temp_image(96 * 1024, true, "SWKH");
    bounce b = {.s = s, .delay_ms = 900, .gap_ms = 300};
    pthread_t t;
    pthread_create(&t, NULL, bounce_main, &b);
    hik_firmware_opts o = {.poll_ms = 200, .down_timeout_ms = 5000, .up_timeout_ms = 5000};
    hik_reply r;
    hik_err err = hik_isapi_firmware_upgrade(h, fd, &o, NULL, &r);
    pthread_join(t, NULL);
    assert_int_equal(err, HIK_ERR_DEVICE);
    assert_non_null(strstr(r.error, "same firmware version V5.7.3"));
    hik_reply_free(&r);
    close(fd);
    hik_isapi_free(h);
}

static void test_restart_that_never_happens_times_out(void **state)
{
    ts_server *s = *state;
    hik_isapi *h = client(s);
    hik_reply r;
    double t0 = ts_now();
    assert_int_equal(hik_isapi_reboot(h, &r), HIK_OK);
    hik_reply_free(&r);
    assert_string_equal(s->last_url, "/ISAPI/System/reboot");
    assert_string_equal(s->last_method, "PUT");
    assert_int_equal(hik_isapi_wait_restart(h, 800, 800, 100, NULL, &r), HIK_ERR_TIMEOUT);
    assert_non_null(strstr(r.error, "did not restart"));
    hik_reply_free(&r);
    assert_true(ts_now() - t0 < 5.0);
    hik_isapi_free(h);
}

static void test_device_that_never_comes_back_times_out(void **state)
{
    ts_server *s = *state;
    hik_isapi *h = client(s);
    hik_reply r;
    bounce b = {.s = s, .delay_ms = 200, .gap_ms = 2500};
    pthread_t t;
    pthread_create(&t, NULL, bounce_main, &b);
    hik_err err = hik_isapi_wait_restart(h, 2000, 800, 100, NULL, &r);
    pthread_join(t, NULL);
    assert_int_equal(err, HIK_ERR_TIMEOUT);
    assert_non_null(strstr(r.error, "did not come back"));
    hik_reply_free(&r);
    hik_isapi_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_backup_streams_to_file_and_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup_larger_than_cap_refused, setup, teardown),
        cmocka_unit_test(test_firmware_check),
        cmocka_unit_test_setup_teardown(test_corrupt_firmware_never_sent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_waits_for_restart_and_new_version, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_same_version_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_that_never_happens_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_device_that_never_comes_back_times_out, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
