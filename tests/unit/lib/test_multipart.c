/* test_multipart.c: boundary extraction and multipart splitting as cameras
 * send them: CRLF or LF, Content-Length or not, missing final "--", binary
 * parts, and the failures (truncated, too many parts, no boundary). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hik/multipart.h"

static hik_err split(const char *body, size_t len, const char *boundary, hik_part *parts,
                     size_t max, size_t *n)
{
    return hik_multipart_parse((const uint8_t *)body, len, boundary, parts, max, n);
}

static void assert_part_data(const hik_part *p, const char *expect)
{
    assert_int_equal(p->len, strlen(expect));
    assert_memory_equal(p->data, expect, p->len);
}

static void test_boundary(void **state)
{
    char b[HIK_MULTIPART_MAX_BOUNDARY + 1];
    assert_int_equal(hik_multipart_boundary("multipart/form-data; boundary=abc123", b, sizeof(b)),
                     HIK_OK);
    assert_string_equal(b, "abc123");
    assert_int_equal(hik_multipart_boundary("Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b;c\"",
                                            b, sizeof(b)),
                     HIK_OK);
    assert_string_equal(b, "a b;c");
    assert_int_equal(
        hik_multipart_boundary("multipart/mixed; boundary=boundary ; x=1", b, sizeof(b)), HIK_OK);
    assert_string_equal(b, "boundary");
    assert_int_equal(hik_multipart_boundary("multipart/form-data", b, sizeof(b)), HIK_ERR_PARSE);
    assert_int_equal(hik_multipart_boundary("multipart/form-data; boundary=", b, sizeof(b)),
                     HIK_ERR_PARSE);
    assert_int_equal(hik_multipart_boundary("multipart/form-data; xboundary=q", b, sizeof(b)),
                     HIK_ERR_PARSE);
    char longer[400] = "multipart/form-data; boundary=";
    memset(longer + strlen(longer), 'x', HIK_MULTIPART_MAX_BOUNDARY + 1);
    assert_int_equal(hik_multipart_boundary(longer, b, sizeof(b)), HIK_ERR_PARSE);
    char small[4];
    assert_int_equal(hik_multipart_boundary("multipart/x; boundary=abcdef", small, sizeof(small)),
                     HIK_ERR_PARSE);
}

static void test_crlf_parts(void **state)
{
    const char body[] = "preamble\r\n--XyZ\r\n"
                        "Content-Disposition: form-data; name=\"MoveDetection.xml\"; "
                        "filename=\"MoveDetection.xml\"\r\n"
                        "Content-Type: Application/XML; charset=\"UTF-8\"\r\n"
                        "Content-Length: 7\r\n\r\n"
                        "<a>1</a"
                        "\r\n--XyZ\r\n"
                        "Content-Disposition: form-data; name=\"VMDImage\"; filename=\"x.jpg\"\r\n"
                        "Content-Type: image/jpeg\r\n"
                        "Content-ID: <face-1>\r\n\r\n"
                        "\xff\xd8\r\n--XyZx\r\n\xff\xd9"
                        "\r\n--XyZ--\r\n";
    hik_part parts[4];
    size_t n;
    assert_int_equal(split(body, sizeof(body) - 1, "XyZ", parts, 4, &n), HIK_OK);
    assert_int_equal(n, 2);
    assert_string_equal(parts[0].name, "MoveDetection.xml");
    assert_string_equal(parts[0].filename, "MoveDetection.xml");
    assert_string_equal(parts[0].content_type, "application/xml");
    assert_part_data(&parts[0], "<a>1</a");
    assert_string_equal(parts[1].name, "VMDImage");
    assert_string_equal(parts[1].filename, "x.jpg");
    assert_string_equal(parts[1].content_type, "image/jpeg");
    assert_string_equal(parts[1].content_id, "face-1");
    /* A line that only starts like the delimiter is data. */
    assert_part_data(&parts[1], "\xff\xd8\r\n--XyZx\r\n\xff\xd9");
}

static void test_lf_and_no_final_dashes(void **state)
{
    const char body[] = "--b\nContent-Disposition: form-data; name=\"one\"\n\nfirst\n"
                        "--b\nContent-Disposition: form-data; name=\"two\"\n\n\n--b\n";
    hik_part parts[4];
    size_t n;
    assert_int_equal(split(body, sizeof(body) - 1, "b", parts, 4, &n), HIK_OK);
    assert_int_equal(n, 2);
    assert_part_data(&parts[0], "first");
    assert_string_equal(parts[1].name, "two");
    assert_int_equal(parts[1].len, 0);
    assert_string_equal(parts[1].content_type, "");
}

static void test_content_length_disagrees(void **state)
{
    /* The length lies: the delimiter decides. */
    const char body[] = "--b\r\nContent-Length: 3\r\n\r\nhello\r\n--b--\r\n";
    hik_part parts[2];
    size_t n;
    assert_int_equal(split(body, sizeof(body) - 1, "b", parts, 2, &n), HIK_OK);
    assert_int_equal(n, 1);
    assert_part_data(&parts[0], "hello");
}

static void test_content_length_to_end(void **state)
{
    /* Last part complete by its Content-Length, body ends there. */
    const char body[] = "--b\r\nContent-Length: 5\r\n\r\nhello";
    hik_part parts[2];
    size_t n;
    assert_int_equal(split(body, sizeof(body) - 1, "b", parts, 2, &n), HIK_OK);
    assert_int_equal(n, 1);
    assert_part_data(&parts[0], "hello");
}

static void test_truncated(void **state)
{
    static const char *cut[] = {
        "--b\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0 no end",
        "--b\r\nContent-Type: image/jpeg\r\nContent-Length: 100\r\n\r\nshort",
        "--b\r\nContent-Type: image/jp",
        "--b\r\nContent-Type: text/plain\r\n\r\none\r\n--b\r\nContent-Type: image/jpeg\r\n",
        "--b\r",
    };
    for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
        hik_part parts[4];
        size_t n;
        hik_err err = split(cut[i], strlen(cut[i]), "b", parts, 4, &n);
        if (err != HIK_ERR_TRUNCATED)
            fail_msg("case %zu: %s", i, hik_err_name(err));
    }
}

static void test_malformed(void **state)
{
    hik_part parts[2];
    size_t n;
    const char *no_delim = "just some bytes";
    assert_int_equal(split(no_delim, strlen(no_delim), "b", parts, 2, &n), HIK_ERR_PARSE);
    const char *bad_line = "--b garbage\r\n\r\nx\r\n--b--";
    assert_int_equal(split(bad_line, strlen(bad_line), "b", parts, 2, &n), HIK_ERR_PARSE);
    assert_int_equal(split(no_delim, strlen(no_delim), "", parts, 2, &n), HIK_ERR_INVALID);
}

static void test_too_many_parts(void **state)
{
    char body[4096] = "";
    for (int i = 0; i < 5; i++)
        strcat(body, "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n");
    strcat(body, "--b--\r\n");
    hik_part parts[4];
    size_t n;
    assert_int_equal(split(body, strlen(body), "b", parts, 4, &n), HIK_ERR_TOO_BIG);
    hik_part enough[5];
    assert_int_equal(split(body, strlen(body), "b", enough, 5, &n), HIK_OK);
    assert_int_equal(n, 5);
}

static void test_oversize_headers(void **state)
{
    static char body[20000];
    strcpy(body, "--b\r\nX-Filler: ");
    memset(body + strlen(body), 'f', 10000);
    strcat(body, "\r\n\r\nx\r\n--b--");
    hik_part parts[2];
    size_t n;
    assert_int_equal(split(body, strlen(body), "b", parts, 2, &n), HIK_ERR_TOO_BIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boundary),
        cmocka_unit_test(test_crlf_parts),
        cmocka_unit_test(test_lf_and_no_final_dashes),
        cmocka_unit_test(test_content_length_disagrees),
        cmocka_unit_test(test_content_length_to_end),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_too_many_parts),
        cmocka_unit_test(test_oversize_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
