/* test_isapi_http_hosts.c: lib/isapi_http_hosts.c against an in-process
 * camera with three slots, one of them owned by an NVR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hik/isapi_event.h"
#include "test_isapi_server.h"

#define HOSTS "/ISAPI/Event/notification/httpHosts"
#define NS "xmlns=\"http://www.hikvision.com/ver20/XMLSchema\""

typedef struct camera_state {
    char *slots[3]; /* each slot's document body (without XML declaration) */
    int puts;
    int tests;
} camera_state;

static char *slot_doc(int id, const char *ip, int port, const char *url, const char *extra)
{
    char *d = NULL;
    assert_true(asprintf(&d,
                         "<HttpHostNotification version=\"2.0\" " NS "><id>%d</id><url>%s</url>"
                         "<protocolType>HTTP</protocolType><parameterFormatType>XML"
                         "</parameterFormatType><addressingFormatType>ipaddress"
                         "</addressingFormatType><ipAddress>%s</ipAddress><portNo>%d</portNo>"
                         "<userName></userName><httpAuthenticationMethod>none"
                         "</httpAuthenticationMethod>%s<httpBroken>false</httpBroken>"
                         "</HttpHostNotification>",
                         id, url, ip, port, extra) > 0);
    return d;
}

static void camera(ts_server *s, const ts_request *req, ts_response *r)
{
    camera_state *cam = s->ctx;
    int id = 0;
    char rest[32] = "";
    if (strcmp(req->url, HOSTS) == 0 && strcmp(req->method, "GET") == 0) {
        ts_reply(r, 200, "application/xml",
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<HttpHostNotificationList "
                 "version=\"2.0\" " NS ">%s%s%s</HttpHostNotificationList>",
                 cam->slots[0], cam->slots[1], cam->slots[2]);
        return;
    }
    if (sscanf(req->url, HOSTS "/%d%31s", &id, rest) < 1 || id < 1 || id > 3) {
        ts_reply(r, 404, "text/html", "<html>Not Found</html>");
    } else if (strcmp(rest, "/test") == 0 && strcmp(req->method, "POST") == 0) {
        cam->tests++;
        ts_reply(r, 200, "application/xml", "%s", ts_status_ok_xml());
    } else if (!rest[0] && strcmp(req->method, "GET") == 0) {
        ts_reply(r, 200, "application/xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n%s",
                 cam->slots[id - 1]);
    } else if (!rest[0] && strcmp(req->method, "PUT") == 0) {
        cam->puts++;
        const char *root = strstr(req->body, "<HttpHostNotification");
        assert_non_null(root);
        free(cam->slots[id - 1]);
        cam->slots[id - 1] = strdup(root);
        ts_reply(r, 200, "application/xml", "%s", ts_status_ok_xml());
    } else {
        ts_reply(r, 405, "text/html", "<html>Method Not Allowed</html>");
    }
}

typedef struct fixture {
    ts_server srv;
    camera_state cam;
    hik_isapi *isapi;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->cam.slots[0] = slot_doc(1, "192.0.2.20", 4000, "/nvr",
                               "<Extensions><intervalBetweenEvents>5</intervalBetweenEvents>"
                               "</Extensions>");
    f->cam.slots[1] = slot_doc(2, "0.0.0.0", 80, "", "");
    f->cam.slots[2] = slot_doc(3, "0.0.0.0", 80, "", "");
    if (!ts_start(&f->srv, TS_AUTH_MD5, camera, &f->cam))
        return -1;
    hik_isapi_opts o = ts_opts(&f->srv, HIK_AUTH_AUTO);
    if (hik_isapi_new(&o, &f->isapi))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    hik_isapi_free(f->isapi);
    ts_stop(&f->srv);
    for (int i = 0; i < 3; i++)
        free(f->cam.slots[i]);
    free(f);
    return 0;
}

static void test_free_slot_rules(void **state)
{
    (void)state;
    hik_http_host h = {.id = 1, .ip = "0.0.0.0"};
    assert_true(hik_http_host_is_free(&h));
    snprintf(h.url, sizeof(h.url), "/hik");
    assert_false(hik_http_host_is_free(&h)); /* half set up: somebody's */
    h.url[0] = '\0';
    snprintf(h.ip, sizeof(h.ip), "192.0.2.20");
    assert_false(hik_http_host_is_free(&h));
    hik_http_host empty = {.id = 2};
    assert_true(hik_http_host_is_free(&empty));
}

static void test_choose_never_takes_a_used_slot(void **state)
{
    (void)state;
    hik_http_host hosts[3] = {
        {.id = 1, .ip = "192.0.2.20", .url = "/nvr", .port = 4000},
        {.id = 2, .ip = "0.0.0.0"},
        {.id = 3, .ip = "0.0.0.0"},
    };
    bool reuse = true;
    assert_int_equal(hik_http_hosts_choose(hosts, 3, "127.0.0.1", 4000, "/hik", &reuse), 2);
    assert_false(reuse);
    snprintf(hosts[2].ip, sizeof(hosts[2].ip), "127.0.0.1");
    hosts[2].port = 4000;
    snprintf(hosts[2].url, sizeof(hosts[2].url), "/hik");
    assert_int_equal(hik_http_hosts_choose(hosts, 3, "127.0.0.1", 4000, "/hik", &reuse), 3);
    assert_true(reuse);
    snprintf(hosts[1].ip, sizeof(hosts[1].ip), "198.51.100.7");
    hosts[2].port = 4001; /* ours on another port is not ours */
    assert_int_equal(hik_http_hosts_choose(hosts, 3, "127.0.0.1", 4000, "/hik", &reuse), -1);
}

static void test_list_reads_every_slot(void **state)
{
    fixture *f = *state;
    hik_http_host hosts[HIK_HTTP_HOSTS_MAX];
    int n = 0;
    hik_reply reply;
    assert_int_equal(hik_isapi_http_hosts_list(f->isapi, hosts, HIK_HTTP_HOSTS_MAX, &n, &reply),
                     HIK_OK);
    hik_reply_free(&reply);
    assert_int_equal(n, 3);
    assert_string_equal(hosts[0].ip, "192.0.2.20");
    assert_int_equal(hosts[0].port, 4000);
    assert_string_equal(hosts[0].url, "/nvr");
    assert_false(hik_http_host_is_free(&hosts[0]));
    assert_true(hik_http_host_is_free(&hosts[1]));
    /* a list longer than the caller's array is an error, not a silent cut */
    assert_int_equal(hik_isapi_http_hosts_list(f->isapi, hosts, 2, &n, &reply), HIK_ERR_TOO_BIG);
    hik_reply_free(&reply);
}

static void test_write_test_and_restore(void **state)
{
    fixture *f = *state;
    hik_reply reply;
    char *saved = NULL;
    size_t saved_len = 0;
    assert_int_equal(hik_isapi_http_host_save(f->isapi, 2, &saved, &saved_len, &reply), HIK_OK);
    hik_reply_free(&reply);
    assert_non_null(strstr(saved, "<ipAddress>0.0.0.0</ipAddress>"));

    assert_int_equal(hik_isapi_http_host_write(f->isapi, 2, "127.0.0.1", 4321, "/hik", &reply),
                     HIK_OK);
    hik_reply_free(&reply);
    assert_int_equal(f->cam.puts, 1);
    hik_http_host h;
    int n = 0;
    assert_int_equal(
        hik_http_hosts_parse((const uint8_t *)f->cam.slots[1], strlen(f->cam.slots[1]), &h, 1, &n),
        HIK_OK);
    assert_true(hik_http_host_points_at(&h, "127.0.0.1", 4321, "/hik"));
    assert_string_equal(h.protocol, "HTTP");
    /* the NVR's slot was never written */
    assert_non_null(strstr(f->cam.slots[0], "192.0.2.20"));

    assert_int_equal(hik_isapi_http_host_test(f->isapi, 2, &reply), HIK_OK);
    hik_reply_free(&reply);
    assert_int_equal(f->cam.tests, 1);

    /* a saved document goes back only into its own slot */
    assert_int_equal(hik_isapi_http_host_restore(f->isapi, 3, saved, saved_len, &reply),
                     HIK_ERR_INVALID);
    hik_reply_free(&reply);
    assert_int_equal(f->cam.puts, 1);
    assert_int_equal(hik_isapi_http_host_restore(f->isapi, 2, saved, saved_len, &reply), HIK_OK);
    hik_reply_free(&reply);
    assert_int_equal(f->cam.puts, 2);
    assert_non_null(strstr(f->cam.slots[1], "<ipAddress>0.0.0.0</ipAddress>"));
    free(saved);
}

static void test_write_keeps_extensions(void **state)
{
    fixture *f = *state;
    hik_reply reply;
    assert_int_equal(hik_isapi_http_host_write(f->isapi, 1, "127.0.0.1", 4000, "/hik", &reply),
                     HIK_OK);
    hik_reply_free(&reply);
    assert_non_null(strstr(f->cam.slots[0], "intervalBetweenEvents"));
    assert_non_null(strstr(f->cam.slots[0], "<ipAddress>127.0.0.1</ipAddress>"));
}

static void test_bad_arguments_send_nothing(void **state)
{
    fixture *f = *state;
    hik_reply reply;
    assert_int_equal(hik_isapi_http_host_write(f->isapi, 2, "127.0.0.1", 0, "/hik", &reply),
                     HIK_ERR_INVALID);
    assert_int_equal(hik_isapi_http_host_write(f->isapi, 2, "127.0.0.1", 80, "hik", &reply),
                     HIK_ERR_INVALID);
    assert_int_equal(hik_isapi_http_host_test(f->isapi, 0, &reply), HIK_ERR_INVALID);
    assert_int_equal(f->cam.puts, 0);
    assert_int_equal(f->cam.tests, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_slot_rules),
        cmocka_unit_test(test_choose_never_takes_a_used_slot),
        cmocka_unit_test_setup_teardown(test_list_reads_every_slot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_test_and_restore, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_keeps_extensions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments_send_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
