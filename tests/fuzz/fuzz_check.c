/* fuzz_check.c: the invariants of fuzz_check.h, shared by every target.
 *
 * Checks read only what the parser promised in its header: fixed-size
 * fields always terminated, counts within their arrays, enums within their
 * range, slices inside the caller's buffer, similarities normalised and
 * sorted, the API JSON form always buildable. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz_check.h"
#include "hik/event_json.h"

void fuzz_fail(const char *what, const char *file, int line)
{
    fprintf(stderr, "\nfuzz invariant broken: %s (%s:%d)\n", what, file, line);
    abort();
}

void fuzz_check_str(const char *field, size_t cap, const char *name)
{
    if (!memchr(field, '\0', cap)) {
        fprintf(stderr, "\nfield %s is not terminated within its %zu bytes\n", name, cap);
        fuzz_fail("string field terminated", __FILE__, __LINE__);
    }
}

void fuzz_check_slice(const void *p, size_t n, const uint8_t *buf, size_t len)
{
    const uint8_t *q = p;
    FUZZ_CHECK(q != NULL);
    FUZZ_CHECK(q >= buf && q <= buf + len);
    FUZZ_CHECK(n <= (size_t)(buf + len - q));
}

#define STR(s, f) fuzz_check_str((s)->f, sizeof((s)->f), #f)

static void check_region(const hik_region *r)
{
    FUZZ_CHECK((unsigned)r->target <= HIK_TARGET_OTHER);
    FUZZ_CHECK(r->sensitivity >= -1);
    if (r->has_rect) {
        FUZZ_CHECK(isfinite(r->rect_x) && isfinite(r->rect_y));
        FUZZ_CHECK(isfinite(r->rect_w) && isfinite(r->rect_h));
    }
}

static void check_candidates(const hik_event *ev)
{
    FUZZ_CHECK(ev->n_candidates >= 0 && ev->n_candidates <= HIK_EVENT_MAX_CANDIDATES);
    for (int i = 0; i < ev->n_candidates; i++) {
        const hik_face_candidate *c = &ev->candidates[i];
        STR(c, name);
        STR(c, list_type);
        STR(c, library);
        STR(c, person_id);
        FUZZ_CHECK(c->similarity >= 0.0 && c->similarity <= 100.0); /* also false for NaN */
        if (i)
            FUZZ_CHECK(ev->candidates[i - 1].similarity >= c->similarity); /* best first */
    }
}

static void check_pictures(const hik_event *ev, const uint8_t *buf, size_t len)
{
    FUZZ_CHECK(ev->n_pictures >= 0 && ev->n_pictures <= HIK_EVENT_MAX_PICTURES);
    for (int i = 0; i < ev->n_pictures; i++) {
        const hik_picture *p = &ev->pictures[i];
        STR(p, name);
        STR(p, content_type);
        STR(p, content_id);
        FUZZ_CHECK(p->content_type[0] != '\0');
        fuzz_check_slice(p->data, p->len, buf, len);
        FUZZ_CHECK(p->data != ev->raw || p->len != ev->raw_len); /* the alert is no picture */
    }
}

static void check_strings(const hik_event *ev)
{
    STR(ev, type_raw);
    STR(ev, description);
    STR(ev, date_time);
    STR(ev, ip_address);
    STR(ev, ipv6_address);
    STR(ev, protocol);
    STR(ev, mac);
    STR(ev, serial);
    STR(ev, channel_name);
    STR(ev, plate);
    STR(ev, list_raw);
    STR(ev, direction_raw);
    STR(ev, vehicle_type);
    STR(ev, uuid);
    STR(ev, relation_event);
    for (const char *m = ev->mac; *m; m++)
        FUZZ_CHECK(!(*m >= 'A' && *m <= 'Z')); /* MACs are lower-cased */
}

/* The API form must always be buildable and serialisable. */
static void check_json(const hik_event *ev)
{
    json_t *j = hik_event_to_json(ev);
    FUZZ_CHECK(j != NULL);
    char *s = json_dumps(j, JSON_COMPACT);
    FUZZ_CHECK(s != NULL);
    free(s);
    json_decref(j);
}

void fuzz_check_event(const hik_event *ev, const uint8_t *buf, size_t len)
{
    FUZZ_CHECK((unsigned)ev->kind < HIK_EV__COUNT);
    FUZZ_CHECK((unsigned)ev->state <= HIK_STATE_INACTIVE);
    FUZZ_CHECK((unsigned)ev->format <= HIK_FMT_JSON);
    FUZZ_CHECK((unsigned)ev->target <= HIK_TARGET_OTHER);
    FUZZ_CHECK((unsigned)ev->list <= HIK_LIST_OTHER);
    FUZZ_CHECK((unsigned)ev->direction <= HIK_DIR_OUTGOING);
    FUZZ_CHECK(ev->kind == hik_event_kind_from_type(ev->type_raw, ev->description));
    FUZZ_CHECK(ev->channel != 0 || ev->dyn_channel == 0); /* dynChannelID fills channel */
    check_strings(ev);
    FUZZ_CHECK(ev->n_regions >= 0 && ev->n_regions <= HIK_EVENT_MAX_REGIONS);
    for (int i = 0; i < ev->n_regions; i++)
        check_region(&ev->regions[i]);
    check_candidates(ev);
    fuzz_check_slice(ev->raw, ev->raw_len, buf, len);
    check_pictures(ev, buf, len);
    check_json(ev);
}

void fuzz_check_result(hik_err err, const hik_event *out, size_t max_out, size_t n_out,
                       const hik_parse_diag *diag, const uint8_t *buf, size_t len)
{
    FUZZ_CHECK((unsigned)err < HIK_ERR__COUNT);
    FUZZ_CHECK(err != HIK_ERR_INVALID); /* every argument the targets pass is valid */
    fuzz_check_str(diag->message, sizeof(diag->message), "diag.message");
    FUZZ_CHECK(n_out <= max_out);
    if (err) {
        FUZZ_CHECK(n_out == 0);
        FUZZ_CHECK(diag->message[0] != '\0'); /* every refusal says why */
        return;
    }
    FUZZ_CHECK(n_out >= 1); /* success means at least one alert */
    for (size_t i = 0; i < n_out; i++)
        fuzz_check_event(&out[i], buf, len);
}

static hik_direction mirrored(hik_direction d)
{
    return d == HIK_DIR_INCOMING ? HIK_DIR_OUTGOING : d == HIK_DIR_OUTGOING ? HIK_DIR_INCOMING : d;
}

void fuzz_check_same(hik_err e1, const hik_event *a, size_t na, hik_err e2, const hik_event *b,
                     size_t nb)
{
    FUZZ_CHECK(e1 == e2);
    FUZZ_CHECK(na == nb);
    static hik_event copy;
    for (size_t i = 0; i < na; i++) {
        memcpy(&copy, &b[i], sizeof(copy)); /* padding included */
        copy.direction = mirrored(copy.direction);
        /* Both started from hik_event_init's zeroed struct and took the same
         * writes, so even the bytes past each terminator agree. */
        FUZZ_CHECK(memcmp(&a[i], &copy, sizeof(copy)) == 0);
    }
}

void fuzz_check_part(const hik_part *p, const uint8_t *body, size_t len)
{
    STR(p, name);
    STR(p, filename);
    STR(p, content_type);
    STR(p, content_id);
    for (const char *c = p->content_type; *c; c++)
        FUZZ_CHECK(!(*c >= 'A' && *c <= 'Z')); /* media types are lower-cased */
    fuzz_check_slice(p->data, p->len, body, len);
}
