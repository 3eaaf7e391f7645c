/* fuzz_event_json.c: hik_event_parse_json on arbitrary bytes.
 *
 * The input is the JSON document as a camera would post it; it is parsed
 * twice, the second time with the ANPR direction reversed, and the two
 * results must agree. */
#include <stdlib.h>

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hik_event *a = malloc(FUZZ_MAX_OUT * sizeof(*a));
    hik_event *b = malloc(FUZZ_MAX_OUT * sizeof(*b));
    FUZZ_CHECK(a && b);
    hik_parse_diag diag;
    size_t na = 99, nb = 99;
    hik_err ea = hik_event_parse_json(data, size, NULL, a, FUZZ_MAX_OUT, &na, &diag);
    fuzz_check_result(ea, a, FUZZ_MAX_OUT, na, &diag, data, size);
    for (size_t i = 0; i < na; i++)
        FUZZ_CHECK(a[i].format == HIK_FMT_JSON && a[i].raw == data && a[i].raw_len == size &&
                   a[i].n_pictures == 0 && a[i].type_raw[0] != '\0');
    hik_parse_opts rev = {.anpr_reverse_direction = true};
    hik_err eb = hik_event_parse_json(data, size, &rev, b, FUZZ_MAX_OUT, &nb, &diag);
    fuzz_check_same(ea, a, na, eb, b, nb);
    free(a);
    free(b);
    return 0;
}
