/* fuzz_multipart.c: hik_multipart_boundary and hik_multipart_parse.
 *
 * Input layout: the first line (up to '\n') is a Content-Type header value,
 * the rest is the body. The boundary is extracted from the header; when
 * that fails the body is still split, with the boundary cameras use most,
 * so both halves are fuzzed by every input. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

#define SMALL_OUT 8 /* an output buffer too small for most boundaries */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Extract the boundary into a big and a small buffer; they must agree. */
static const char *boundary_of(const char *ct, char *big)
{
    char *small = malloc(SMALL_OUT);
    FUZZ_CHECK(small);
    hik_err eb = hik_multipart_boundary(ct, big, HIK_MULTIPART_MAX_BOUNDARY + 1);
    hik_err es = hik_multipart_boundary(ct, small, SMALL_OUT);
    FUZZ_CHECK(eb == HIK_OK || eb == HIK_ERR_PARSE);
    FUZZ_CHECK(es == HIK_OK || es == HIK_ERR_PARSE);
    if (eb == HIK_OK) {
        fuzz_check_str(big, HIK_MULTIPART_MAX_BOUNDARY + 1, "boundary");
        FUZZ_CHECK(big[0] != '\0');
    }
    FUZZ_CHECK((es == HIK_OK) == (eb == HIK_OK && strlen(big) < SMALL_OUT));
    if (es == HIK_OK)
        FUZZ_CHECK(strcmp(small, big) == 0);
    free(small);
    return eb == HIK_OK ? big : "MIME_boundary";
}

static void check_parts(hik_err err, const hik_part *parts, size_t n, size_t max,
                        const uint8_t *body, size_t len)
{
    FUZZ_CHECK(err == HIK_OK || err == HIK_ERR_PARSE || err == HIK_ERR_TOO_BIG ||
               err == HIK_ERR_TRUNCATED);
    FUZZ_CHECK(n <= max);
    for (size_t i = 0; i < n; i++) {
        fuzz_check_part(&parts[i], body, len);
        if (i) /* in order, never overlapping */
            FUZZ_CHECK(parts[i - 1].data + parts[i - 1].len <= parts[i].data);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t ct_len = nl ? (size_t)(nl - data) : size;
    char *ct = malloc(ct_len + 1);
    char *big = malloc(HIK_MULTIPART_MAX_BOUNDARY + 1);
    FUZZ_CHECK(ct && big);
    memcpy(ct, data, ct_len);
    ct[ct_len] = '\0';
    const char *boundary = boundary_of(ct, big);

    const uint8_t *body = nl ? nl + 1 : data + size;
    size_t len = (size_t)(data + size - body);
    hik_part *parts = malloc(HIK_MULTIPART_MAX_PARTS * sizeof(*parts));
    FUZZ_CHECK(parts);
    size_t n = 99;
    hik_err err = hik_multipart_parse(body, len, boundary, parts, HIK_MULTIPART_MAX_PARTS, &n);
    check_parts(err, parts, n, HIK_MULTIPART_MAX_PARTS, body, len);

    /* Room for one part only: the same first part, or too big. */
    hik_part *one = malloc(sizeof(*one));
    FUZZ_CHECK(one);
    size_t n1 = 99;
    hik_err err1 = hik_multipart_parse(body, len, boundary, one, 1, &n1);
    check_parts(err1, one, n1, 1, body, len);
    if (err == HIK_OK && n > 1)
        FUZZ_CHECK(err1 == HIK_ERR_TOO_BIG && n1 == 1);
    if (err == HIK_OK && n <= 1)
        FUZZ_CHECK(err1 == HIK_OK && n1 == n);
    if (n && n1)
        FUZZ_CHECK(one->data == parts[0].data && one->len == parts[0].len &&
                   strcmp(one->name, parts[0].name) == 0);
    free(one);
    free(parts);
    free(big);
    free(ct);
    return 0;
}
