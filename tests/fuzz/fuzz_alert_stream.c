/* fuzz_alert_stream.c: the incremental alertStream (multipart/mixed) parser.
 *
 * Input layout: byte 0 picks the read size pattern, the first line after it
 * is the Content-Type header of the stream, the rest is the body, fed in
 * reads of the chosen sizes. Whatever the split, every part handed to the
 * callback lies within its bounds, the parts are numbered in order, and
 * turning a part into events keeps the event invariants. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "hik/alert_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct seen {
    uint64_t next_index;
    hik_event events[4];
} seen;

static hik_err on_part(void *arg, const hik_stream_part *part)
{
    seen *s = arg;
    FUZZ_CHECK(part->index == s->next_index);
    s->next_index++;
    fuzz_check_str(part->content_type, sizeof part->content_type, "part content type");
    fuzz_check_str(part->content_id, sizeof part->content_id, "part content id");
    FUZZ_CHECK(part->len <= HIK_ALERT_STREAM_MAX_PART + HIK_ALERT_STREAM_SLACK);
    if (part->len) {
        /* the bytes are readable (ASan checks the whole range) */
        volatile uint8_t sum = 0;
        for (size_t i = 0; i < part->len; i++)
            sum ^= part->data[i];
        (void)sum;
    }
    size_t n = 0;
    hik_picture pic;
    hik_parse_diag diag;
    hik_err err = hik_stream_part_events(part, NULL, s->events, 4, &n, &pic, &diag);
    FUZZ_CHECK(err != HIK_ERR_INVALID);
    FUZZ_CHECK(n <= 4);
    for (size_t i = 0; i < n; i++)
        fuzz_check_event(&s->events[i], part->data, part->len);
    return HIK_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned pattern = data[0];
    data++;
    size--;
    const uint8_t *nl = memchr(data, '\n', size);
    size_t ct_len = nl ? (size_t)(nl - data) : 0;
    char *ct = malloc(ct_len + 1);
    FUZZ_CHECK(ct);
    memcpy(ct, data, ct_len);
    ct[ct_len] = '\0';
    const uint8_t *body = nl ? nl + 1 : data;
    size_t len = size - (size_t)(body - data);

    seen s = {0};
    hik_alert_stream_opts opts = {.on_part = on_part, .arg = &s, .max_part = 4096,
                                  .max_header = HIK_ALERT_STREAM_MIN_HEADER};
    hik_alert_stream *st = NULL;
    hik_err err = hik_alert_stream_new(ct, &opts, &st);
    if (err == HIK_OK) {
        size_t off = 0, step = 1 + (pattern & 0x3f);
        while (off < len) {
            size_t n = len - off < step ? len - off : step;
            FUZZ_CHECK(hik_alert_stream_feed(st, body + off, n) == HIK_OK);
            off += n;
            if (pattern & 0x80)
                step = 1 + (step * 7 + off) % 97;
        }
        err = hik_alert_stream_finish(st);
        FUZZ_CHECK(err == HIK_OK || err == HIK_ERR_TRUNCATED);
        hik_alert_stream_stats stats;
        hik_alert_stream_get_stats(st, &stats);
        FUZZ_CHECK(stats.parts == s.next_index);
        fuzz_check_str(hik_alert_stream_boundary(st), 256, "boundary");
        hik_alert_stream_free(st);
    }
    free(ct);
    return 0;
}
