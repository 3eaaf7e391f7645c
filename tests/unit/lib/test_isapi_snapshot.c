/* test_isapi_snapshot.c: lib/isapi_snapshot.c: the picture lands in the
 * file as sent, a 200 that is not an image is refused, a missing channel
 * is the device's 404, and nothing past the cap is written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hik/isapi_snapshot.h"
#include "test_isapi_server.h"

static const unsigned char jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F',  0,
                                     1,    1,    0,    0,    1, 0,    1,   0,   0,   0xff, 0xd9};

static void camera(ts_server *s, const ts_request *req, ts_response *r)
{
    if (!strcmp(req->url, "/ISAPI/Streaming/channels/101/picture")) {
        r->status = 200;
        r->content_type = "image/jpeg";
        r->body = malloc(sizeof jpeg);
        memcpy(r->body, jpeg, sizeof jpeg);
        r->len = sizeof jpeg;
    } else if (!strcmp(req->url, "/ISAPI/Streaming/channels/201/picture")) {
        ts_reply(r, 200, "application/xml", "%s", ts_status_ok_xml());
    } else {
        ts_reply(r, 404, "application/xml",
                 "<?xml version=\"1.0\"?><ResponseStatus><requestURL>%s</requestURL>"
                 "<statusCode>4</statusCode><statusString>Invalid Operation</statusString>"
                 "<subStatusCode>notSupport</subStatusCode></ResponseStatus>",
                 req->url);
    }
}

static int setup(void **state)
{
    ts_server *s = calloc(1, sizeof *s);
    if (!ts_start(s, TS_AUTH_MD5, camera, NULL))
        return -1;
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    ts_stop(*state);
    free(*state);
    return 0;
}

static int temp_fd(char *path)
{
    strcpy(path, "/tmp/hik-snapshot-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    return fd;
}

static void test_picture_written_to_the_file(void **state)
{
    hik_isapi_opts o = ts_opts(*state, HIK_AUTH_DIGEST);
    hik_isapi *h = NULL;
    assert_int_equal(hik_isapi_new(&o, &h), HIK_OK);
    char path[64];
    int fd = temp_fd(path);
    uint64_t n = 0;
    hik_reply r;
    assert_int_equal(hik_isapi_snapshot(h, 101, fd, &n, &r), HIK_OK);
    assert_int_equal(n, sizeof jpeg);
    unsigned char back[64];
    assert_int_equal(pread(fd, back, sizeof back, 0), (ssize_t)sizeof jpeg);
    assert_memory_equal(back, jpeg, sizeof jpeg);
    hik_reply_free(&r);
    close(fd);
    hik_isapi_free(h);
}

static void test_not_an_image_is_unsupported(void **state)
{
    hik_isapi_opts o = ts_opts(*state, HIK_AUTH_DIGEST);
    hik_isapi *h = NULL;
    assert_int_equal(hik_isapi_new(&o, &h), HIK_OK);
    char path[64];
    int fd = temp_fd(path);
    hik_reply r;
    assert_int_equal(hik_isapi_snapshot(h, 201, fd, NULL, &r), HIK_ERR_UNSUPPORTED);
    assert_non_null(strstr(r.error, "not a picture"));
    hik_reply_free(&r);
    close(fd);
    hik_isapi_free(h);
}

static void test_missing_channel_is_the_devices_refusal(void **state)
{
    hik_isapi_opts o = ts_opts(*state, HIK_AUTH_DIGEST);
    hik_isapi *h = NULL;
    assert_int_equal(hik_isapi_new(&o, &h), HIK_OK);
    char path[64];
    int fd = temp_fd(path);
    hik_reply r;
    hik_err err = hik_isapi_snapshot(h, 901, fd, NULL, &r);
    assert_true(err == HIK_ERR_NOT_FOUND || err == HIK_ERR_DEVICE);
    assert_int_equal(r.http_status, 404);
    hik_reply_free(&r);
    assert_int_equal(hik_isapi_snapshot(h, 0, fd, NULL, &r), HIK_ERR_INVALID);
    assert_int_equal(hik_isapi_snapshot(h, 101, -1, NULL, &r), HIK_ERR_INVALID);
    close(fd);
    hik_isapi_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_picture_written_to_the_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_an_image_is_unsupported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_channel_is_the_devices_refusal, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
