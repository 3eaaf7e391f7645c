/* test_alert_stream.c: the alertStream parser gives the same parts, and so
 * the same events, however the stream is cut into reads.
 *
 * The captured parts of three real devices (../shared/fixtures/alertstream)
 * are re-assembled into streams as devices write them (with and without
 * Content-Length, header boundary equal to or different from the body's,
 * duplicate boundary lines, JPEG parts, CRLF or LF), then fed whole, in
 * random-sized reads with several seeds, and one byte at a time. Every run
 * must deliver exactly the parts that were written, and the events in them
 * must count what the captures are known to hold. Hand-written streams pin
 * the quirks one by one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "hik/alert_stream.h"

/* ---- a growable byte string for building streams ---- */

typedef struct bytes {
    char *p;
    size_t len, cap;
} bytes;

static void b_add(bytes *b, const void *d, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void b_str(bytes *b, const char *s)
{
    b_add(b, s, strlen(s));
}

static void b_fmt(bytes *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void b_fmt(bytes *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof(tmp));
    b_add(b, tmp, (size_t)n);
}

/* ---- what a run collects ---- */

#define MAX_RECORDED 16384

typedef struct part_rec {
    uint64_t hash; /* FNV-1a over content type, length flag and body */
    size_t len;
    bool has_length;
    bool picture;
} part_rec;

typedef struct run {
    part_rec *parts;
    size_t n;
    /* the parts as written, checked byte for byte when set */
    const bytes *expect;
    size_t n_expect;
    bool parse_events;
    int counts[HIK_EV__COUNT][3]; /* [kind][state] */
    int events;
    int pictures;
    int parse_errors;
    hik_err stop_with; /* returned by the callback from part stop_at */
    uint64_t stop_at;
} run;

static uint64_t fnv(uint64_t h, const void *d, size_t n)
{
    const uint8_t *p = d;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static hik_err on_part(void *arg, const hik_stream_part *part)
{
    run *r = arg;
    assert_true(r->n < MAX_RECORDED);
    assert_int_equal(part->index, r->n);
    part_rec *rec = &r->parts[r->n];
    uint64_t h = fnv(1469598103934665603ULL, part->content_type, strlen(part->content_type));
    h = fnv(h, &part->has_length, sizeof(part->has_length));
    rec->hash = fnv(h, part->data, part->len);
    rec->len = part->len;
    rec->has_length = part->has_length;
    rec->picture = hik_stream_part_is_picture(part);
    if (r->expect) {
        assert_true(r->n < r->n_expect);
        const bytes *want = &r->expect[r->n];
        assert_int_equal(part->len, want->len);
        assert_memory_equal(part->data, want->p, want->len);
    }
    if (r->parse_events) {
        hik_event ev[4];
        size_t n = 0;
        hik_picture pic;
        hik_parse_diag diag;
        if (hik_stream_part_events(part, NULL, ev, 4, &n, &pic, &diag) != HIK_OK) {
            r->parse_errors++;
        } else if (pic.data) {
            assert_int_equal(n, 0);
            assert_ptr_equal(pic.data, part->data);
            r->pictures++;
        }
        for (size_t i = 0; i < n; i++) {
            r->counts[ev[i].kind][ev[i].state]++;
            r->events++;
        }
    }
    r->n++;
    if (r->stop_with && part->index == r->stop_at)
        return r->stop_with;
    return HIK_OK;
}

static void run_init(run *r)
{
    memset(r, 0, sizeof(*r));
    r->parts = calloc(MAX_RECORDED, sizeof(part_rec));
    assert_non_null(r->parts);
}

static void run_free(run *r)
{
    free(r->parts);
}

/* Feed `stream` in reads whose sizes come from seed (0: all at once,
 * -1: one byte at a time), then finish. Returns finish's result. */
static hik_err feed(const char *ctype, const bytes *stream, int seed,
                    const hik_alert_stream_opts *o, run *r, hik_alert_stream_stats *stats)
{
    hik_alert_stream_opts opts = o ? *o : (hik_alert_stream_opts){0};
    opts.on_part = on_part;
    opts.arg = r;
    hik_alert_stream *s = NULL;
    assert_int_equal(hik_alert_stream_new(ctype, &opts, &s), HIK_OK);
    unsigned rng = (unsigned)seed * 2654435761u + 1;
    size_t at = 0;
    while (at < stream->len) {
        size_t n = stream->len - at;
        if (seed < 0) {
            n = 1;
        } else if (seed > 0) {
            rng = rng * 1103515245u + 12345u;
            size_t want = 1 + (rng >> 8) % ((rng & 1) ? 7 : 3000);
            n = want < n ? want : n;
        }
        assert_int_equal(hik_alert_stream_feed(s, (const uint8_t *)stream->p + at, n), HIK_OK);
        at += n;
    }
    hik_err err = hik_alert_stream_finish(s);
    if (stats)
        hik_alert_stream_get_stats(s, stats);
    hik_alert_stream_free(s);
    return err;
}

/* ---- the captures, re-assembled ---- */

static bool fixtures_present(void)
{
    struct stat st;
    return stat(HIK_FIXTURES_DIR "/alertstream", &st) == 0;
}

#define SKIP_WITHOUT_FIXTURES()                                                                    \
    do {                                                                                           \
        if (!fixtures_present()) {                                                                 \
            print_message("fixtures not found at " HIK_FIXTURES_DIR ": skipping\n");               \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

typedef struct layout {
    bool crlf;       /* CRLF line ends everywhere (also inside the XML), else LF */
    int length_mode; /* 0: every part has Content-Length, 1: none, 2: every other part */
    bool mismatch;   /* the header announces another boundary than the body uses */
    bool duplicates; /* extra boundary lines between some parts */
    int jpeg_every;  /* a JPEG part after every Nth alert, 0: none */
} layout;

/* Read the capture's parts, line ends converted as the layout says. */
static size_t load_parts(const char *file, bool crlf, bytes **out)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/alertstream/%s", HIK_FIXTURES_DIR, file);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = 0, cap = 8192;
    bytes *parts = calloc(cap, sizeof(bytes));
    char *line = NULL;
    size_t lcap = 0;
    while (getline(&line, &lcap, f) > 1) {
        json_t *obj = json_loads(line, 0, NULL);
        const char *content = json_string_value(json_object_get(obj, "content"));
        assert_non_null(content);
        assert_true(n < cap);
        for (const char *c = content; *c; c++) {
            if (*c == '\n' && crlf && (c == content || c[-1] != '\r'))
                b_add(&parts[n], "\r", 1);
            if (*c == '\r' && !crlf)
                continue;
            b_add(&parts[n], c, 1);
        }
        json_decref(obj);
        n++;
    }
    free(line);
    fclose(f);
    *out = parts;
    return n;
}

/* Picture bytes that look like a JPEG, with line ends and dashes inside
 * but never a line that could be a boundary. */
static void fake_jpeg(bytes *b, unsigned seed, size_t len)
{
    b_add(b, "\xFF\xD8\xFF\xE0", 4);
    for (size_t i = 4; i + 2 < len; i++) {
        seed = seed * 1103515245u + 12345u;
        char c = (char)(seed >> 16);
        if (c == '-' && b->p[b->len - 1] == '\n')
            c = 'x';
        b_add(b, &c, 1);
    }
    b_add(b, "\xFF\xD9", 2); /* end of image: the part never ends in a line end */
}

/* Build the stream; `expect` receives every part's body in order. */
static size_t assemble(const bytes *alerts, size_t n_alerts, const layout *l, bytes *stream,
                       bytes *expect)
{
    const char *eol = l->crlf ? "\r\n" : "\n";
    size_t n = 0;
    for (size_t i = 0; i < n_alerts; i++) {
        for (int k = 0; k < 2; k++) {
            bool jpeg = k == 1;
            if (jpeg && (!l->jpeg_every || i % (size_t)l->jpeg_every != 0))
                continue;
            bytes body = {0};
            if (jpeg)
                fake_jpeg(&body, (unsigned)i, 300 + i % 900);
            else
                b_add(&body, alerts[i].p, alerts[i].len);
            bool with_len = l->length_mode == 0 || (l->length_mode == 2 && (n % 2 == 0));
            b_fmt(stream, "--boundary%s", eol);
            if (l->duplicates && n % 7 == 3)
                b_fmt(stream, "--boundary%s%s--boundary%s", eol, eol, eol);
            b_fmt(stream, "Content-Type: %s%s",
                  jpeg ? "image/jpeg" : "application/xml; charset=\"UTF-8\"", eol);
            if (with_len)
                b_fmt(stream, "Content-Length: %zu%s", body.len, eol);
            b_str(stream, eol);
            b_add(stream, body.p, body.len);
            b_str(stream, eol);
            expect[n++] = body;
        }
    }
    return n;
}

typedef struct expected_counts {
    int vl_act, vl_inact, vmd_act, vmd_inact, line_act, line_inact, field_act;
} expected_counts;

static void check_counts(const run *r, const expected_counts *e, int pictures)
{
    assert_int_equal(r->parse_errors, 0);
    assert_int_equal(r->counts[HIK_EV_VIDEO_LOSS][HIK_STATE_ACTIVE], e->vl_act);
    assert_int_equal(r->counts[HIK_EV_VIDEO_LOSS][HIK_STATE_INACTIVE], e->vl_inact);
    assert_int_equal(r->counts[HIK_EV_MOTION][HIK_STATE_ACTIVE], e->vmd_act);
    assert_int_equal(r->counts[HIK_EV_MOTION][HIK_STATE_INACTIVE], e->vmd_inact);
    assert_int_equal(r->counts[HIK_EV_LINE_CROSSING][HIK_STATE_ACTIVE], e->line_act);
    assert_int_equal(r->counts[HIK_EV_LINE_CROSSING][HIK_STATE_INACTIVE], e->line_inact);
    assert_int_equal(r->counts[HIK_EV_INTRUSION][HIK_STATE_ACTIVE], e->field_act);
    int total = e->vl_act + e->vl_inact + e->vmd_act + e->vmd_inact + e->line_act + e->line_inact +
                e->field_act;
    assert_int_equal(r->events, total);
    assert_int_equal(r->pictures, pictures);
}

static void run_capture(const char *file, const layout *l, const expected_counts *e)
{
    bytes *alerts;
    size_t n_alerts = load_parts(file, l->crlf, &alerts);
    bytes *expect = calloc(2 * n_alerts, sizeof(bytes));
    bytes stream = {0};
    size_t n = assemble(alerts, n_alerts, l, &stream, expect);
    size_t n_pictures = n - n_alerts;
    const char *ctype = l->mismatch ? "multipart/mixed; boundary=\"MIME_boundary_0123\""
                                    : "multipart/mixed; boundary=boundary";

    /* the reference: all at once, every part checked and parsed */
    run ref;
    run_init(&ref);
    ref.expect = expect;
    ref.n_expect = n;
    ref.parse_events = true;
    hik_alert_stream_stats st;
    assert_int_equal(feed(ctype, &stream, 0, NULL, &ref, &st), HIK_OK);
    assert_int_equal(ref.n, n);
    check_counts(&ref, e, (int)n_pictures);
    assert_int_equal(st.parts, n);
    assert_int_equal(st.pictures, n_pictures);
    assert_int_equal(st.bytes, stream.len);
    assert_int_equal(st.skipped, 0);
    assert_int_equal(st.resyncs, 0);
    assert_int_equal(st.truncated, 0);
    assert_true(st.peak_buffer <= HIK_ALERT_STREAM_MAX_PART + HIK_ALERT_STREAM_SLACK);
    if (l->duplicates)
        assert_true(st.duplicates > 0);

    /* random reads with several seeds, then one byte at a time */
    static const int seeds[] = {1, 2, 3, 17, 4242, -1};
    for (size_t k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++) {
        run r;
        run_init(&r);
        hik_alert_stream_stats st2;
        assert_int_equal(feed(ctype, &stream, seeds[k], NULL, &r, &st2), HIK_OK);
        if (r.n != ref.n)
            fail_msg("seed %d: %zu parts instead of %zu", seeds[k], r.n, ref.n);
        for (size_t i = 0; i < ref.n; i++)
            if (r.parts[i].hash != ref.parts[i].hash)
                fail_msg("seed %d: part %zu differs from the reference", seeds[k], i);
        assert_memory_equal(&st2, &st, offsetof(hik_alert_stream_stats, peak_buffer));
        run_free(&r);
    }
    run_free(&ref);
    for (size_t i = 0; i < n; i++)
        free(expect[i].p);
    for (size_t i = 0; i < n_alerts; i++)
        free(alerts[i].p);
    free(expect);
    free(alerts);
    free(stream.p);
}

static const expected_counts cam_counts = {
    .vl_inact = 349, .vmd_act = 259, .vmd_inact = 30, .line_act = 112, .line_inact = 20};
static const expected_counts nvr_counts = {
    .vl_act = 3062, .vmd_act = 2516, .line_act = 2, .field_act = 1};
static const expected_counts ptz_counts = {.vmd_act = 1425, .vl_inact = 75, .field_act = 16};

static void test_camera_capture_with_lengths(void **state)
{
    SKIP_WITHOUT_FIXTURES();
    layout l = {.crlf = true, .length_mode = 0, .jpeg_every = 25};
    run_capture("samples_cam.txt", &l, &cam_counts);
}

static void test_camera_capture_without_lengths(void **state)
{
    SKIP_WITHOUT_FIXTURES();
    layout l = {
        .crlf = false, .length_mode = 1, .mismatch = true, .duplicates = true, .jpeg_every = 40};
    run_capture("samples_cam.txt", &l, &cam_counts);
}

static void test_nvr_capture(void **state)
{
    SKIP_WITHOUT_FIXTURES();
    /* old NVRs: header boundary differs from the body's "--boundary" */
    layout l = {
        .crlf = true, .length_mode = 2, .mismatch = true, .duplicates = true, .jpeg_every = 0};
    run_capture("samples_nvr.txt", &l, &nvr_counts);
}

static void test_nvr_capture_lf_no_lengths(void **state)
{
    SKIP_WITHOUT_FIXTURES();
    layout l = {
        .crlf = false, .length_mode = 1, .mismatch = false, .duplicates = false, .jpeg_every = 100};
    run_capture("samples_nvr.txt", &l, &nvr_counts);
}

static void test_ptz_capture(void **state)
{
    SKIP_WITHOUT_FIXTURES();
    layout l = {.crlf = false, .length_mode = 2, .duplicates = true, .jpeg_every = 10};
    run_capture("samples_ptz.txt", &l, &ptz_counts);
}

static void test_ptz_capture_crlf(void **state)
{
    SKIP_WITHOUT_FIXTURES();
    layout l = {.crlf = true, .length_mode = 0, .mismatch = true, .jpeg_every = 3};
    run_capture("samples_ptz.txt", &l, &ptz_counts);
}

/* ---- hand-written quirks ---- */

#define ALERT(type, state)                                                                         \
    "<EventNotificationAlert version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">"  \
    "<ipAddress>192.0.2.5</ipAddress><channelID>1</channelID>"                                     \
    "<dateTime>2023-05-01T10:00:00+02:00</dateTime><activePostCount>1</activePostCount>"           \
    "<eventType>" type "</eventType><eventState>" state "</eventState>"                            \
    "<eventDescription>x</eventDescription></EventNotificationAlert>"

/* Feed text every way (whole, random, byte by byte) and check they agree;
 * the whole-feed run is left in *out with events parsed. */
static hik_err feed_all_ways_bytes(const char *ctype, const bytes *stream,
                                   const hik_alert_stream_opts *o, run *out,
                                   hik_alert_stream_stats *st)
{
    run_init(out);
    out->parse_events = true;
    hik_err err = feed(ctype, stream, 0, o, out, st);
    static const int seeds[] = {5, 9, -1};
    for (size_t k = 0; k < 3; k++) {
        run r;
        run_init(&r);
        hik_alert_stream_stats st2;
        assert_int_equal(feed(ctype, stream, seeds[k], o, &r, &st2), err);
        assert_int_equal(r.n, out->n);
        for (size_t i = 0; i < r.n; i++)
            assert_true(r.parts[i].hash == out->parts[i].hash);
        assert_memory_equal(&st2, st, offsetof(hik_alert_stream_stats, peak_buffer));
        run_free(&r);
    }
    return err;
}

static hik_err feed_all_ways(const char *ctype, const char *text, const hik_alert_stream_opts *o,
                             run *out, hik_alert_stream_stats *st)
{
    bytes stream = {0};
    b_str(&stream, text);
    hik_err err = feed_all_ways_bytes(ctype, &stream, o, out, st);
    free(stream.p);
    return err;
}

static void test_several_alerts_in_one_part(void **state)
{
    run r;
    hik_alert_stream_stats st;
    assert_int_equal(
        feed_all_ways("multipart/mixed; boundary=boundary",
                      "--boundary\r\nContent-Type: application/xml\r\n\r\n" ALERT(
                          "VMD", "active") "\r\n" ALERT("linedetection",
                                                        "active") "\r\n--boundary\r\nContent-Type: "
                                                                  "application/xml\r\n\r\n" ALERT(
                                                                      "VMD", "inactive") "\r\n",
                      NULL, &r, &st),
        HIK_OK);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.events, 3);
    assert_int_equal(r.counts[HIK_EV_MOTION][HIK_STATE_ACTIVE], 1);
    assert_int_equal(r.counts[HIK_EV_LINE_CROSSING][HIK_STATE_ACTIVE], 1);
    assert_int_equal(r.counts[HIK_EV_MOTION][HIK_STATE_INACTIVE], 1);
    run_free(&r);
}

static void test_json_parts(void **state)
{
    const char *json = "{\"ipAddress\":\"192.0.2.5\",\"channelID\":2,\"dateTime\":"
                       "\"2023-05-01T10:00:00+02:00\",\"activePostCount\":1,\"eventType\":"
                       "\"fielddetection\",\"eventState\":\"active\"}";
    char text[2048];
    snprintf(text, sizeof(text),
             "--boundary\nContent-Type: application/json\nContent-Length: %zu\n\n%s\n"
             "--boundary\nContent-Type: application/json; charset=\"UTF-8\"\n\n%s\n",
             strlen(json), json, json);
    run r;
    hik_alert_stream_stats st;
    assert_int_equal(feed_all_ways(NULL, text, NULL, &r, &st), HIK_OK);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.parse_errors, 0);
    assert_int_equal(r.counts[HIK_EV_INTRUSION][HIK_STATE_ACTIVE], 2);
    assert_true(r.parts[0].has_length);
    assert_false(r.parts[1].has_length);
    assert_int_equal(r.parts[0].len, strlen(json));
    assert_int_equal(r.parts[1].len, strlen(json));
    run_free(&r);
}

static void test_oversize_part_skipped_then_recovery(void **state)
{
    hik_alert_stream_opts o = {.max_part = 1024};
    bytes text = {0};
    /* one too big with Content-Length, one too big without, then a normal one */
    b_str(&text, "--boundary\r\nContent-Type: image/jpeg\r\nContent-Length: 5000\r\n\r\n");
    fake_jpeg(&text, 7, 5000);
    b_str(&text, "\r\n--boundary\r\nContent-Type: image/jpeg\r\n\r\n");
    fake_jpeg(&text, 8, 9000);
    b_str(&text, "\r\n--boundary\r\nContent-Type: application/xml\r\n\r\n" ALERT(
                     "VMD", "active") "\r\n--boundary--\r\n");
    run r;
    hik_alert_stream_stats st;
    assert_int_equal(feed_all_ways_bytes(NULL, &text, &o, &r, &st), HIK_OK);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.counts[HIK_EV_MOTION][HIK_STATE_ACTIVE], 1);
    assert_int_equal(st.skipped, 2);
    assert_int_equal(st.parts, 1);
    assert_int_equal(st.resyncs, 0);
    /* never buffered whole */
    assert_true(st.peak_buffer <= 1024 + HIK_ALERT_STREAM_SLACK);
    run_free(&r);
    free(text.p);
}

static void test_oversize_headers_skipped(void **state)
{
    bytes text = {0};
    b_str(&text, "--boundary\r\nContent-Type: application/xml\r\n");
    for (int i = 0; i < 400; i++)
        b_fmt(&text, "X-Filler-%d: %s\r\n", i, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    b_str(&text, "\r\n" ALERT("VMD", "active") "\r\n");
    b_str(&text, "--boundary\r\nContent-Type: application/xml\r\n\r\n" ALERT("VMD", "inactive"));
    run r;
    hik_alert_stream_stats st;
    assert_int_equal(feed_all_ways_bytes(NULL, &text, NULL, &r, &st), HIK_OK);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.counts[HIK_EV_MOTION][HIK_STATE_INACTIVE], 1);
    assert_int_equal(st.skipped, 1);
    run_free(&r);
    free(text.p);
}

static void test_garbage_before_first_boundary(void **state)
{
    run r;
    hik_alert_stream_stats st;
    assert_int_equal(feed_all_ways("multipart/mixed; boundary=boundary",
                                   "\r\nsome preamble the device wrote\r\n<junk/>\r\n"
                                   "--boundary\r\nContent-Type: application/xml\r\n"
                                   "Content-Length: 10\r\n\r\n0123456789"
                                   "trailing junk\r\n\r\n--boundary\r\n"
                                   "Content-Type: application/xml\r\n\r\n" ALERT("VMD", "active"),
                                   NULL, &r, &st),
                     HIK_OK);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.parts[0].len, 10);
    assert_int_equal(r.counts[HIK_EV_MOTION][HIK_STATE_ACTIVE], 1);
    assert_int_equal(st.resyncs, 2); /* the preamble, and the bytes past a Content-Length */
    run_free(&r);
}

static void test_body_boundary_is_learned(void **state)
{
    hik_alert_stream_opts o = {.on_part = on_part};
    run r;
    run_init(&r);
    o.arg = &r;
    hik_alert_stream *s;
    assert_int_equal(hik_alert_stream_new("multipart/mixed; boundary=abc123", &o, &s), HIK_OK);
    assert_string_equal(hik_alert_stream_boundary(s), "abc123");
    const char *text = "--boundary\nContent-Type: application/xml\n\nA\n--boundary\n\nB\n"
                       "--abc123\nContent-Type: text/plain\n\nC\n";
    assert_int_equal(hik_alert_stream_feed(s, (const uint8_t *)text, strlen(text)), HIK_OK);
    assert_string_equal(hik_alert_stream_boundary(s), "boundary");
    assert_int_equal(hik_alert_stream_finish(s), HIK_OK);
    assert_int_equal(r.n, 3);            /* the header's boundary is still accepted */
    assert_int_equal(r.parts[1].len, 1); /* a part without headers */
    hik_alert_stream_free(s);

    /* no header at all: devices' usual "boundary" */
    assert_int_equal(hik_alert_stream_new(NULL, &o, &s), HIK_OK);
    assert_string_equal(hik_alert_stream_boundary(s), "boundary");
    hik_alert_stream_free(s);
    run_free(&r);
}

static void test_stream_ends_mid_part(void **state)
{
    run r;
    hik_alert_stream_stats st;
    /* cut inside a body with Content-Length: not delivered, reported */
    assert_int_equal(feed_all_ways(NULL,
                                   "--boundary\r\nContent-Type: application/xml\r\n\r\n" ALERT(
                                       "VMD", "active") "\r\n--boundary\r\n"
                                                        "Content-Length: 400\r\n\r\n<EventNotif",
                                   NULL, &r, &st),
                     HIK_ERR_TRUNCATED);
    assert_int_equal(r.n, 1);
    assert_int_equal(st.truncated, 1);
    run_free(&r);

    /* cut inside headers */
    assert_int_equal(feed_all_ways(NULL, "--boundary\r\nContent-Type: applic", NULL, &r, &st),
                     HIK_ERR_TRUNCATED);
    assert_int_equal(r.n, 0);
    run_free(&r);

    /* without Content-Length, the end of the stream ends the last part */
    assert_int_equal(
        feed_all_ways(NULL,
                      "--boundary\nContent-Type: application/xml\n\n" ALERT("VMD", "active") "\n",
                      NULL, &r, &st),
        HIK_OK);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.counts[HIK_EV_MOTION][HIK_STATE_ACTIVE], 1);
    run_free(&r);

    /* a stream dropped right after a boundary line is a clean end */
    assert_int_equal(feed_all_ways(NULL, "--boundary\r\n", NULL, &r, &st), HIK_OK);
    assert_int_equal(r.n, 0);
    run_free(&r);
}

static void test_picture_part(void **state)
{
    bytes text = {0};
    b_str(&text, "--boundary\r\nContent-Type: application/xml\r\n\r\n" ALERT("linedetection",
                                                                             "active") "\r\n");
    b_str(&text, "--boundary\r\nContent-Type: image/jpeg\r\nContent-ID: <lineCrossImage>\r\n"
                 "Content-Length: 600\r\n\r\n");
    fake_jpeg(&text, 3, 600);
    b_str(&text, "\r\n");
    run r;
    hik_alert_stream_stats st;
    assert_int_equal(feed_all_ways_bytes(NULL, &text, NULL, &r, &st), HIK_OK);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.events, 1);
    assert_int_equal(r.pictures, 1);
    assert_int_equal(st.pictures, 1);
    assert_true(r.parts[1].picture);
    assert_int_equal(r.parts[1].len, 600);
    run_free(&r);

    hik_stream_part part = {.content_type = "image/jpeg",
                            .content_id = "lineCrossImage",
                            .data = (const uint8_t *)text.p,
                            .len = 4};
    hik_picture pic;
    size_t n = 9;
    hik_event ev;
    assert_int_equal(hik_stream_part_events(&part, NULL, &ev, 1, &n, &pic, NULL), HIK_OK);
    assert_int_equal(n, 0);
    assert_string_equal(pic.content_type, "image/jpeg");
    assert_string_equal(pic.content_id, "lineCrossImage");
    assert_int_equal(pic.len, 4);
    free(text.p);
}

static void test_callback_error_stops_the_feed(void **state)
{
    run r;
    run_init(&r);
    r.stop_with = HIK_ERR_IO;
    r.stop_at = 0;
    hik_alert_stream_opts o = {.on_part = on_part, .arg = &r};
    hik_alert_stream *s;
    assert_int_equal(hik_alert_stream_new(NULL, &o, &s), HIK_OK);
    const char *text = "--boundary\nContent-Length: 1\n\nA\n--boundary\nContent-Length: 1\n\nB\n";
    assert_int_equal(hik_alert_stream_feed(s, (const uint8_t *)text, strlen(text)), HIK_ERR_IO);
    assert_int_equal(r.n, 1);
    hik_alert_stream_free(s);
    run_free(&r);

    assert_int_equal(hik_alert_stream_new(NULL, &(hik_alert_stream_opts){0}, &s), HIK_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_camera_capture_with_lengths),
        cmocka_unit_test(test_camera_capture_without_lengths),
        cmocka_unit_test(test_nvr_capture),
        cmocka_unit_test(test_nvr_capture_lf_no_lengths),
        cmocka_unit_test(test_ptz_capture),
        cmocka_unit_test(test_ptz_capture_crlf),
        cmocka_unit_test(test_several_alerts_in_one_part),
        cmocka_unit_test(test_json_parts),
        cmocka_unit_test(test_oversize_part_skipped_then_recovery),
        cmocka_unit_test(test_oversize_headers_skipped),
        cmocka_unit_test(test_garbage_before_first_boundary),
        cmocka_unit_test(test_body_boundary_is_learned),
        cmocka_unit_test(test_stream_ends_mid_part),
        cmocka_unit_test(test_picture_part),
        cmocka_unit_test(test_callback_error_stops_the_feed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
