/* fuzz_event_body.c: hik_event_parse_body, the whole push body path.
 *
 * Input layout: the first byte picks the Content-Type header from a small
 * table (the labels cameras really send, a few wrong ones, and none), the
 * rest is the body. Pictures and the alert document must stay slices of
 * the body, and a second parse must agree with the first. */
#include <stdlib.h>

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const content_types[] = {
    NULL,
    "application/xml; charset=\"UTF-8\"",
    "text/xml",
    "application/json",
    "text/plain",
    "multipart/form-data; boundary=MIME_boundary",
    "multipart/form-data; boundary=\"boundary\"",
    "multipart/form-data",
    "multipart/mixed; boundary=--------------------------7e13971310878",
    "image/jpeg",
    "application/octet-stream",
    "Application/XML",
    "APPLICATION/JSON; charset=utf-8",
    "multipart/form-data; boundary=",
    "",
    "application/vnd.hik+xml",
};
#define N_TYPES (sizeof(content_types) / sizeof(content_types[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *ct = content_types[data[0] % N_TYPES];
    const uint8_t *body = data + 1;
    size_t len = size - 1;
    hik_event *a = malloc(FUZZ_MAX_OUT * sizeof(*a));
    hik_event *b = malloc(FUZZ_MAX_OUT * sizeof(*b));
    FUZZ_CHECK(a && b);
    hik_parse_diag diag;
    size_t na = 99, nb = 99;
    hik_err ea = hik_event_parse_body(ct, body, len, NULL, a, FUZZ_MAX_OUT, &na, &diag);
    fuzz_check_result(ea, a, FUZZ_MAX_OUT, na, &diag, body, len);
    hik_parse_opts rev = {.anpr_reverse_direction = true};
    hik_err eb = hik_event_parse_body(ct, body, len, &rev, b, FUZZ_MAX_OUT, &nb, &diag);
    fuzz_check_same(ea, a, na, eb, b, nb);
    free(a);
    free(b);
    return 0;
}
