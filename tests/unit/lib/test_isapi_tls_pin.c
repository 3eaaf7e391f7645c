/* Tests for lib/isapi_tls_pin.c: what a pin must look like, and the
 * first-use key read's refusals (an http device, nobody listening). The
 * handshake itself, with a key that matches and one that does not, is
 * covered end to end by tests/integration/test_tls.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hik/isapi.h"

#define GOOD_PIN "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="

static hik_err new_with_pin(const char *pin)
{
    hik_isapi_opts o = {.scheme = "https", .host = "127.0.0.1", .pinned_key = pin};
    hik_isapi *h = NULL;
    hik_err err = hik_isapi_new(&o, &h);
    hik_isapi_free(h);
    return err;
}

static void only_well_formed_pins_are_taken(void **state)
{
    assert_int_equal(new_with_pin(GOOD_PIN), HIK_OK);
    assert_int_equal(new_with_pin(NULL), HIK_OK); /* no pin: ordinary verification */
    assert_int_equal(new_with_pin(""), HIK_ERR_INVALID);
    assert_int_equal(new_with_pin("sha256//"), HIK_ERR_INVALID);
    assert_int_equal(new_with_pin("sha1//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
                     HIK_ERR_INVALID);
    assert_int_equal(new_with_pin(GOOD_PIN ";sha256//x"), HIK_ERR_INVALID);
    assert_int_equal(new_with_pin("sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF\"="),
                     HIK_ERR_INVALID);
}

static void a_fresh_handle_has_no_mismatch(void **state)
{
    hik_isapi_opts o = {.scheme = "https", .host = "127.0.0.1", .pinned_key = GOOD_PIN};
    hik_isapi *h = NULL;
    assert_int_equal(hik_isapi_new(&o, &h), HIK_OK);
    assert_false(hik_isapi_pin_mismatch(h));
    assert_false(hik_isapi_pin_mismatch(NULL));
    hik_isapi_free(h);
}

static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
    socklen_t len = sizeof sin;
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    close(fd); /* bound, never listened: connections are refused */
    return ntohs(sin.sin_port);
}

static void first_use_read_refusals(void **state)
{
    char pin[HIK_PIN_MAX] = "x", err[256] = "";
    hik_isapi_opts http = {.scheme = "http", .host = "127.0.0.1", .port = 80};
    assert_int_equal(hik_isapi_fetch_pin(&http, pin, err, sizeof err), HIK_ERR_INVALID);
    assert_string_equal(pin, "");
    assert_non_null(strstr(err, "https"));

    hik_isapi_opts https = {
        .scheme = "https", .host = "127.0.0.1", .port = closed_port(), .connect_timeout_ms = 2000};
    assert_int_equal(hik_isapi_fetch_pin(&https, pin, err, sizeof err), HIK_ERR_NETWORK);
    assert_string_equal(pin, "");
    assert_true(err[0] != '\0');
    assert_int_equal(hik_isapi_fetch_pin(&https, pin, NULL, 0), HIK_ERR_NETWORK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(only_well_formed_pins_are_taken),
        cmocka_unit_test(a_fresh_handle_has_no_mismatch),
        cmocka_unit_test(first_use_read_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
