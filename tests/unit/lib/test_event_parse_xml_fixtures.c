/* test_event_parse_xml_fixtures.c: every alertStream part captured from
 * real devices (../shared/fixtures/alertstream) parses into the kinds and
 * states the capture says.
 *
 * The expected counts are computed here independently of the parser, by
 * plain string scanning of each part, and also pinned to the numbers the
 * captures are known to hold, so a parser bug cannot agree with itself. */
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

#include "hik/event_parse.h"

#define N_TYPES 4

static const struct {
    const char *type;
    hik_event_kind kind;
} types[N_TYPES] = {
    {"videoloss", HIK_EV_VIDEO_LOSS},
    {"VMD", HIK_EV_MOTION},
    {"linedetection", HIK_EV_LINE_CROSSING},
    {"fielddetection", HIK_EV_INTRUSION},
};

typedef struct tally {
    int scanned[N_TYPES][2]; /* [type][0 active, 1 inactive], by string scanning */
    int parsed[N_TYPES][2];  /* same, from the parser */
    int parts;
    int with_serial;
    int with_dyn_channel;
    int with_regions;
    int heartbeats;
} tally;

static bool fixtures_present(void)
{
    struct stat st;
    return stat(HIK_FIXTURES_DIR "/alertstream", &st) == 0;
}

/* Text between <tag> and </tag>, by plain scanning. */
static bool scan_tag(const char *doc, const char *tag, char *out, size_t cap)
{
    char open[64], close[64];
    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    const char *s = strstr(doc, open);
    if (!s)
        return false;
    s += strlen(open);
    const char *e = strstr(s, close);
    if (!e || (size_t)(e - s) >= cap)
        return false;
    memcpy(out, s, (size_t)(e - s));
    out[e - s] = '\0';
    return true;
}

static int type_index(const char *type)
{
    for (int i = 0; i < N_TYPES; i++)
        if (strcmp(types[i].type, type) == 0)
            return i;
    return -1;
}

static int kind_index(hik_event_kind kind)
{
    for (int i = 0; i < N_TYPES; i++)
        if (types[i].kind == kind)
            return i;
    return -1;
}

static void check_part(tally *t, const char *doc)
{
    char type[64], state[64];
    assert_true(scan_tag(doc, "eventType", type, sizeof(type)));
    assert_true(scan_tag(doc, "eventState", state, sizeof(state)));
    int ti = type_index(type);
    assert_true(ti >= 0);
    t->scanned[ti][strcmp(state, "active") == 0 ? 0 : 1]++;

    hik_event ev[2];
    size_t n = 0;
    hik_parse_diag diag;
    hik_err err = hik_event_parse_xml((const uint8_t *)doc, strlen(doc), NULL, ev, 2, &n, &diag);
    if (err)
        fail_msg("part %d did not parse: %s (%s)", t->parts + 1, hik_err_name(err), diag.message);
    assert_int_equal(n, 1);
    int ki = kind_index(ev[0].kind);
    assert_true(ki >= 0);
    assert_int_not_equal(ev[0].state, HIK_STATE_UNKNOWN);
    t->parsed[ki][ev[0].state == HIK_STATE_ACTIVE ? 0 : 1]++;
    assert_string_equal(ev[0].type_raw, type);
    assert_ptr_equal(ev[0].raw, doc);
    assert_int_equal(ev[0].raw_len, strlen(doc));
    assert_false(ev[0].truncated);
    assert_true(ev[0].time_ms > 1600000000000LL);
    assert_string_equal(ev[0].mac, "ff:ff:ff:ff:ff:ff");
    assert_int_equal(ev[0].port, 80);
    assert_string_equal(ev[0].protocol, "HTTP");
    assert_true(ev[0].channel > 0);
    t->parts++;
    t->with_serial += ev[0].serial[0] != '\0';
    t->with_dyn_channel += ev[0].dyn_channel != 0;
    t->with_regions += ev[0].n_regions > 0;
    t->heartbeats += ev[0].heartbeat;
}

static void run_file(const char *name, tally *t)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/alertstream/%s", HIK_FIXTURES_DIR, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    memset(t, 0, sizeof(*t));
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) > 0) {
        if (got <= 1)
            continue;
        json_error_t jerr;
        json_t *obj = json_loads(line, 0, &jerr);
        assert_non_null(obj);
        const char *content = json_string_value(json_object_get(obj, "content"));
        assert_non_null(content);
        check_part(t, content);
        json_decref(obj);
    }
    free(line);
    fclose(f);
    assert_memory_equal(t->scanned, t->parsed, sizeof(t->scanned));
}

#define SKIP_WITHOUT_FIXTURES()                                                                    \
    do {                                                                                           \
        if (!fixtures_present()) {                                                                 \
            print_message("fixtures not found at " HIK_FIXTURES_DIR ": skipping\n");               \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

enum { VL, VMD, LINE, FIELD };
enum { ACT, INACT };

static void test_camera_capture(void **state)
{
    SKIP_WITHOUT_FIXTURES();
    tally t;
    run_file("samples_cam.txt", &t);
    assert_int_equal(t.parts, 770);
    assert_int_equal(t.parsed[VL][INACT], 349);
    assert_int_equal(t.parsed[VMD][ACT], 259);
    assert_int_equal(t.parsed[VMD][INACT], 30);
    assert_int_equal(t.parsed[LINE][ACT], 112);
    assert_int_equal(t.parsed[LINE][INACT], 20);
    /* Every part carries the psialliance Extensions serial number. */
    assert_int_equal(t.with_serial, 770);
    /* videoloss/inactive with activePostCount 0 is the camera's heartbeat. */
    assert_int_equal(t.heartbeats, 349);
    assert_true(t.with_regions >= 112);
}

static void test_nvr_capture(void **state)
{
    SKIP_WITHOUT_FIXTURES();
    tally t;
    run_file("samples_nvr.txt", &t);
    assert_int_equal(t.parts, 5581);
    assert_int_equal(t.parsed[VL][ACT], 3062);
    assert_int_equal(t.parsed[VMD][ACT], 2516);
    assert_int_equal(t.parsed[LINE][ACT], 2);
    assert_int_equal(t.parsed[FIELD][ACT], 1);
    /* The NVR names channels by dynChannelID only. */
    assert_int_equal(t.with_dyn_channel, 5581);
    /* videoloss active for empty channels is not a heartbeat. */
    assert_int_equal(t.heartbeats, 0);
}

static void test_ptz_capture(void **state)
{
    SKIP_WITHOUT_FIXTURES();
    tally t;
    run_file("samples_ptz.txt", &t);
    assert_int_equal(t.parts, 1516);
    assert_int_equal(t.parsed[VMD][ACT], 1425);
    assert_int_equal(t.parsed[VL][INACT], 75);
    assert_int_equal(t.parsed[FIELD][ACT], 16);
    assert_int_equal(t.with_regions, 16);
}

/* The first part of a file, parsed. */
static void first_with(const char *file, const char *needle, hik_event *ev, char **doc_out)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/alertstream/%s", HIK_FIXTURES_DIR, file);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    *doc_out = NULL;
    while (getline(&line, &cap, f) > 0) {
        json_t *obj = json_loads(line, 0, NULL);
        const char *content = json_string_value(json_object_get(obj, "content"));
        if (content && strstr(content, needle))
            *doc_out = strdup(content);
        json_decref(obj);
        if (*doc_out)
            break;
    }
    free(line);
    fclose(f);
    assert_non_null(*doc_out);
    size_t n;
    assert_int_equal(
        hik_event_parse_xml((const uint8_t *)*doc_out, strlen(*doc_out), NULL, ev, 1, &n, NULL),
        HIK_OK);
}

static void test_spot_checks(void **state)
{
    SKIP_WITHOUT_FIXTURES();
    hik_event ev;
    char *doc;

    first_with("samples_cam.txt", "<eventType>linedetection</eventType>", &ev, &doc);
    assert_int_equal(ev.kind, HIK_EV_LINE_CROSSING);
    assert_string_equal(ev.serial, "DS-2CD2185FWD-I20180101AAWR111111111");
    assert_string_equal(ev.ip_address, "128.100.0.5");
    assert_int_equal(ev.channel, 1);
    assert_int_equal(ev.active_post_count, 7);
    assert_string_equal(ev.date_time, "2021-07-02T14:27:59+08:00");
    assert_int_equal(ev.time_ms, 1625207279000LL); /* 06:27:59Z */
    assert_int_equal(ev.n_regions, 1);
    assert_int_equal(ev.regions[0].id, 1);
    assert_int_equal(ev.regions[0].sensitivity, 50);
    assert_false(ev.regions[0].has_rect);
    free(doc);

    first_with("samples_nvr.txt", "<dynChannelID>7</dynChannelID>", &ev, &doc);
    assert_int_equal(ev.dyn_channel, 7);
    assert_int_equal(ev.channel, 7);
    assert_string_equal(ev.serial, "");
    assert_int_equal(ev.kind, HIK_EV_MOTION);
    assert_int_equal(ev.active_post_count, 54);
    assert_string_equal(ev.date_time, "2021-07-02T15:31:34+10:00");
    assert_int_equal(ev.time_ms, 1625203894000LL); /* 05:31:34Z */
    free(doc);

    first_with("samples_ptz.txt", "<channelName>MainPTZ</channelName>", &ev, &doc);
    assert_string_equal(ev.channel_name, "MainPTZ");
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_camera_capture),
        cmocka_unit_test(test_nvr_capture),
        cmocka_unit_test(test_ptz_capture),
        cmocka_unit_test(test_spot_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
