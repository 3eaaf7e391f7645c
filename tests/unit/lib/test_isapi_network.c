/* test_isapi_network.c: lib/isapi_network.c against a camera holding one
 * IPAddress document with elements the library does not know about. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hik/isapi_manage.h"
#include "test_isapi_server.h"

#define IP_PATH "/ISAPI/System/Network/interfaces/1/ipAddress"

static const char initial[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
    "<IPAddress version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\r\n"
    "<ipVersion>dual</ipVersion>\r\n<addressingType>dynamic</addressingType>\r\n"
    "<ipAddress>192.0.2.64</ipAddress>\r\n<subnetMask>255.255.255.0</subnetMask>\r\n"
    "<DefaultGateway>\r\n<ipAddress>192.0.2.1</ipAddress>\r\n</DefaultGateway>\r\n"
    "<PrimaryDNS>\r\n<ipAddress>192.0.2.53</ipAddress>\r\n</PrimaryDNS>\r\n"
    "<Ipv6Mode>\r\n<ipV6AddressingType>ra</ipV6AddressingType>\r\n</Ipv6Mode>\r\n"
    "</IPAddress>\r\n";

typedef struct camera_state {
    char *doc;
    int puts;
} camera_state;

static void camera(ts_server *s, const ts_request *req, ts_response *r)
{
    camera_state *cam = s->ctx;
    if (strcmp(req->url, IP_PATH) != 0) {
        ts_reply(r, 404, "text/html", "<html>Not Found</html>");
    } else if (strcmp(req->method, "GET") == 0) {
        ts_reply(r, 200, "application/xml", "%s", cam->doc);
    } else {
        cam->puts++;
        free(cam->doc);
        cam->doc = strdup(req->body);
        ts_reply(r, 200, "application/xml", "%s", ts_status_ok_xml());
    }
}

static int setup(void **state)
{
    camera_state *cam = calloc(1, sizeof *cam);
    cam->doc = strdup(initial);
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
    free(cam->doc);
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

static void test_get_reads_every_field(void **state)
{
    ts_server *s = *state;
    hik_isapi *h = client(s);
    hik_ip_address ip;
    hik_reply r;
    assert_int_equal(hik_isapi_ip_address_get(h, 1, &ip, &r), HIK_OK);
    hik_reply_free(&r);
    assert_string_equal(ip.addressing, "dynamic");
    assert_string_equal(ip.address, "192.0.2.64");
    assert_string_equal(ip.mask, "255.255.255.0");
    assert_string_equal(ip.gateway, "192.0.2.1");
    assert_string_equal(ip.dns1, "192.0.2.53");
    assert_string_equal(ip.dns2, "");
    hik_isapi_free(h);
}

static void test_set_keeps_unknown_elements(void **state)
{
    ts_server *s = *state;
    camera_state *cam = s->ctx;
    hik_isapi *h = client(s);
    hik_ip_address in = {.addressing = "static",
                         .address = "192.0.2.70",
                         .mask = "255.255.0.0",
                         .dns2 = "192.0.2.54"};
    hik_reply r;
    assert_int_equal(hik_isapi_ip_address_set(h, 1, &in, &r), HIK_OK);
    hik_reply_free(&r);
    assert_int_equal(cam->puts, 1);
    assert_non_null(strstr(cam->doc, "<ipV6AddressingType>ra</ipV6AddressingType>"));
    assert_non_null(strstr(cam->doc, "<ipVersion>dual</ipVersion>"));
    hik_ip_address ip;
    assert_int_equal(hik_isapi_ip_address_get(h, 1, &ip, &r), HIK_OK);
    hik_reply_free(&r);
    assert_string_equal(ip.addressing, "static");
    assert_string_equal(ip.address, "192.0.2.70");
    assert_string_equal(ip.mask, "255.255.0.0");
    assert_string_equal(ip.gateway, "192.0.2.1"); /* untouched */
    assert_string_equal(ip.dns2, "192.0.2.54");   /* added */
    hik_isapi_free(h);
}

static void test_bad_values_never_sent(void **state)
{
    ts_server *s = *state;
    camera_state *cam = s->ctx;
    hik_isapi *h = client(s);
    hik_reply r;
    hik_ip_address bad_mask = {.mask = "255.0.255.0"};
    assert_int_equal(hik_isapi_ip_address_set(h, 1, &bad_mask, &r), HIK_ERR_INVALID);
    assert_non_null(strstr(r.error, "mask"));
    hik_reply_free(&r);
    hik_ip_address bad_ip = {.address = "192.0.2.300"};
    assert_int_equal(hik_isapi_ip_address_set(h, 1, &bad_ip, &r), HIK_ERR_INVALID);
    assert_non_null(strstr(r.error, "address"));
    hik_reply_free(&r);
    hik_ip_address bad_mode = {.addressing = "auto"};
    assert_int_equal(hik_isapi_ip_address_set(h, 1, &bad_mode, &r), HIK_ERR_INVALID);
    hik_reply_free(&r);
    assert_int_equal(cam->puts, 0);
    assert_int_equal(ts_count(s, &s->requests), 0);
    hik_isapi_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_reads_every_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_keeps_unknown_elements, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_values_never_sent, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
