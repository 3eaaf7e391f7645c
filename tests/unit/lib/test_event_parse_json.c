/* test_event_parse_json.c: JSON alerts: EventNotificationAlert at top level
 * or nested, DeepinView face recognition (alarmResult) with similarity as
 * 0-1 and as 0-100, faceCapture, and the limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hik/event_parse.h"

static hik_err parse(const char *doc, size_t len, hik_event *ev, size_t max, size_t *n,
                     hik_parse_diag *diag)
{
    return hik_event_parse_json((const uint8_t *)doc, len, NULL, ev, max, n, diag);
}

static void parse_one(const char *doc, hik_event *ev)
{
    size_t n = 99;
    hik_parse_diag diag;
    hik_err err = parse(doc, strlen(doc), ev, 1, &n, &diag);
    if (err)
        fail_msg("parse failed: %s (%s)", hik_err_name(err), diag.message);
    assert_int_equal(n, 1);
    assert_int_equal(ev->format, HIK_FMT_JSON);
    assert_ptr_equal(ev->raw, doc);
}

static char *read_data(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/events/%s", HIK_TEST_DATA_DIR, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[65536];
    size_t len = fread(buf, 1, sizeof(buf) - 1, f);
    buf[len] = '\0';
    fclose(f);
    return buf;
}

static void test_top_level_alert(void **state)
{
    hik_event ev;
    parse_one("{\"ipAddress\":\"192.0.2.5\",\"portNo\":80,\"protocolType\":\"HTTP\","
              "\"macAddress\":\"44-19-B6-00-00-01\",\"channelID\":\"\",\"dynChannelID\":35,"
              "\"dateTime\":\"2023-05-01T10:00:00+02:00\",\"activePostCount\":4,"
              "\"eventType\":\"fielddetection\",\"eventState\":\"active\","
              "\"eventDescription\":\"fielddetection alarm\",\"channelName\":\"R&D\","
              "\"isDataRetransmission\":true,\"targetType\":\"vehicle\","
              "\"DetectionRegionList\":[{\"regionID\":3,\"sensitivityLevel\":50,"
              "\"detectionTarget\":\"human\",\"TargetRect\":{\"X\":0.5,\"Y\":0.25,"
              "\"width\":0.1,\"height\":0.2}}]}",
              &ev);
    assert_int_equal(ev.kind, HIK_EV_INTRUSION);
    assert_int_equal(ev.state, HIK_STATE_ACTIVE);
    assert_string_equal(ev.ip_address, "192.0.2.5");
    assert_int_equal(ev.port, 80);
    assert_string_equal(ev.protocol, "HTTP");
    assert_string_equal(ev.mac, "44:19:b6:00:00:01");
    assert_int_equal(ev.channel, 35);
    assert_int_equal(ev.dyn_channel, 35);
    assert_int_equal(ev.time_ms, 1682928000000LL);
    assert_int_equal(ev.active_post_count, 4);
    assert_string_equal(ev.channel_name, "R&D");
    assert_true(ev.retransmission);
    assert_int_equal(ev.target, HIK_TARGET_VEHICLE);
    assert_int_equal(ev.n_regions, 1);
    assert_int_equal(ev.regions[0].id, 3);
    assert_int_equal(ev.regions[0].target, HIK_TARGET_HUMAN);
    assert_true(ev.regions[0].has_rect);
    assert_float_equal(ev.regions[0].rect_x, 0.5, 1e-6);
    assert_float_equal(ev.regions[0].rect_h, 0.2, 1e-6);
}

static void test_nested_alert(void **state)
{
    hik_event ev;
    parse_one("{\"EventNotificationAlert\":{\"channelID\":2,\"eventType\":\"ANPR\","
              "\"eventState\":\"active\",\"ANPR\":{\"licensePlate\":\"XY99\","
              "\"direction\":\"reverse\",\"confidenceLevel\":88,\"vehicleListName\":\"blackList\","
              "\"vehicleInfo\":{\"vehicleType\":\"truck\"}},\"UUID\":\"u-1\","
              "\"Extensions\":{\"serialNumber\":\"SN9\"}}}",
              &ev);
    assert_int_equal(ev.kind, HIK_EV_ANPR);
    assert_int_equal(ev.channel, 2);
    assert_string_equal(ev.plate, "XY99");
    assert_int_equal(ev.direction, HIK_DIR_OUTGOING);
    assert_int_equal(ev.confidence, 88);
    assert_int_equal(ev.list, HIK_LIST_BLOCK);
    assert_string_equal(ev.vehicle_type, "truck");
    assert_string_equal(ev.uuid, "u-1");
    assert_string_equal(ev.serial, "SN9");
}

static void test_alert_array(void **state)
{
    hik_event ev[3];
    size_t n;
    const char *doc = "[{\"eventType\":\"IO\",\"dynInputIOPortID\":5},{\"eventType\":\"duration\","
                      "\"DurationList\":{\"Duration\":[{\"relationEvent\":\"VMD\"}]}},{\"x\":1}]";
    assert_int_equal(parse(doc, strlen(doc), ev, 3, &n, NULL), HIK_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ev[0].kind, HIK_EV_IO_ALARM);
    assert_int_equal(ev[0].io_port, 5);
    assert_int_equal(ev[1].kind, HIK_EV_DURATION);
    assert_string_equal(ev[1].relation_event, "VMD");
}

static void test_face_fraction_similarity(void **state)
{
    hik_event ev;
    parse_one(read_data("face_alarm_result.json"), &ev);
    assert_int_equal(ev.kind, HIK_EV_FACE_RECOGNITION);
    assert_string_equal(ev.type_raw, "alarmResult");
    assert_string_equal(ev.mac, "44:19:b6:0a:0b:0c");
    assert_int_equal(ev.channel, 1);
    /* Every candidate of every face, best first, on a 0-100 scale. */
    assert_int_equal(ev.n_candidates, 3);
    assert_string_equal(ev.candidates[0].name, "Bob");
    assert_float_equal(ev.candidates[0].similarity, 91.0, 1e-6);
    assert_string_equal(ev.candidates[1].name, "Alice");
    assert_float_equal(ev.candidates[1].similarity, 83.0, 1e-6);
    assert_string_equal(ev.candidates[1].list_type, "blackFD");
    assert_string_equal(ev.candidates[1].library, "staff");
    assert_string_equal(ev.candidates[1].person_id, "h-1");
    assert_string_equal(ev.candidates[2].name, "Carol");
    assert_float_equal(ev.candidates[2].similarity, 40.0, 1e-6);
    assert_string_equal(ev.candidates[2].library, "visitors");
}

static void test_face_percent_similarity(void **state)
{
    hik_event ev;
    parse_one(read_data("face_alarm_result_100.json"), &ev);
    assert_int_equal(ev.kind, HIK_EV_FACE_RECOGNITION);
    assert_int_equal(ev.channel, 2);
    assert_int_equal(ev.n_candidates, 2);
    assert_string_equal(ev.candidates[0].name, "Eve");
    assert_float_equal(ev.candidates[0].similarity, 88.5, 1e-6);
    assert_string_equal(ev.candidates[1].name, "Dave");
    assert_float_equal(ev.candidates[1].similarity, 76.0, 1e-6);
}

/* A similarity string strtod reads as NaN or infinity still lands in
 * 0..100, so candidates stay sorted and serialisable. Found by fuzzing. */
static void test_face_similarity_not_a_number(void **state)
{
    hik_event ev;
    parse_one("{\"alarmResult\":[{\"faces\":[{\"identify\":[{\"candidate\":["
              "{\"name\":\"A\",\"similarity\":\"nan\"},"
              "{\"name\":\"B\",\"similarity\":\"50\"},"
              "{\"name\":\"C\",\"similarity\":\"-inf\"},"
              "{\"name\":\"D\",\"similarity\":\"inf\"}]}]}]}]}",
              &ev);
    assert_int_equal(ev.n_candidates, 4);
    assert_string_equal(ev.candidates[0].name, "D");
    assert_float_equal(ev.candidates[0].similarity, 100.0, 1e-9);
    assert_string_equal(ev.candidates[1].name, "B");
    assert_float_equal(ev.candidates[1].similarity, 50.0, 1e-9);
    /* == rather than assert_float_equal, which lets a NaN pass. */
    for (int i = 2; i < 4; i++)
        assert_true(ev.candidates[i].similarity == 0.0);
}

static void test_face_without_event_type(void **state)
{
    hik_event ev;
    parse_one("{\"channelID\":1,\"alarmResult\":{\"faces\":{\"identify\":{\"candidate\":"
              "{\"reserve_field\":{\"name\":\"Zed\"},\"similarity\":0.5}}}}}",
              &ev);
    assert_int_equal(ev.kind, HIK_EV_FACE_RECOGNITION);
    assert_int_equal(ev.n_candidates, 1);
    assert_string_equal(ev.candidates[0].name, "Zed");
    assert_float_equal(ev.candidates[0].similarity, 50.0, 1e-6);
}

static void test_face_candidates_capped_best_kept(void **state)
{
    char doc[4096] = "{\"eventType\":\"alarmResult\",\"alarmResult\":[{\"faces\":[{\"identify\":"
                     "[{\"candidate\":[";
    for (int i = 0; i < 20; i++)
        snprintf(doc + strlen(doc), sizeof(doc) - strlen(doc),
                 "%s{\"name\":\"p%d\",\"similarity\":%d}", i ? "," : "", i, 50 + i);
    strcat(doc, "]}]}]}]}");
    hik_event ev;
    parse_one(doc, &ev);
    assert_int_equal(ev.n_candidates, HIK_EVENT_MAX_CANDIDATES);
    assert_string_equal(ev.candidates[0].name, "p19");
    assert_float_equal(ev.candidates[0].similarity, 69.0, 1e-6);
    assert_string_equal(ev.candidates[HIK_EVENT_MAX_CANDIDATES - 1].name, "p12");
}

static void test_face_capture(void **state)
{
    hik_event ev;
    parse_one(read_data("face_capture.json"), &ev);
    assert_int_equal(ev.kind, HIK_EV_FACE_CAPTURE);
    assert_int_equal(ev.n_candidates, 0);
    assert_int_equal(ev.time_ms, 1682928000250LL);
    assert_string_equal(ev.ip_address, "192.0.2.72");
}

static void test_unknown_type_kept(void **state)
{
    hik_event ev;
    parse_one("{\"eventType\":\"AccessControllerEvent\",\"eventState\":\"active\"}", &ev);
    assert_int_equal(ev.kind, HIK_EV_UNKNOWN);
    assert_string_equal(ev.type_raw, "AccessControllerEvent");
}

static void test_errors(void **state)
{
    hik_event ev;
    size_t n = 5;
    hik_parse_diag diag;
    const char *bad = "{\"eventType\":\"VMD\",";
    assert_int_equal(parse(bad, strlen(bad), &ev, 1, &n, &diag), HIK_ERR_PARSE);
    assert_int_equal(n, 0);
    assert_non_null(strstr(diag.message, "malformed JSON"));

    const char *none = "{\"statusCode\":4,\"statusString\":\"Invalid Operation\"}";
    assert_int_equal(parse(none, strlen(none), &ev, 1, &n, &diag), HIK_ERR_UNSUPPORTED);
    assert_int_equal(n, 0);

    char deep[256] = "";
    for (int i = 0; i < 40; i++)
        strcat(deep, "[");
    assert_int_equal(parse(deep, strlen(deep), &ev, 1, &n, &diag), HIK_ERR_TOO_BIG);

    size_t big = HIK_EVENT_MAX_DOC + 1;
    char *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, ' ', big);
    huge[0] = '{';
    assert_int_equal(parse(huge, big, &ev, 1, &n, &diag), HIK_ERR_TOO_BIG);
    free(huge);
}

static void test_long_strings_truncated(void **state)
{
    char doc[1024], name[300];
    memset(name, 'n', 299);
    name[299] = '\0';
    snprintf(doc, sizeof(doc), "{\"eventType\":\"VMD\",\"channelName\":\"%s\"}", name);
    hik_event ev;
    parse_one(doc, &ev);
    assert_true(ev.truncated);
    assert_int_equal(strlen(ev.channel_name), sizeof(ev.channel_name) - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_top_level_alert),
        cmocka_unit_test(test_nested_alert),
        cmocka_unit_test(test_alert_array),
        cmocka_unit_test(test_face_fraction_similarity),
        cmocka_unit_test(test_face_percent_similarity),
        cmocka_unit_test(test_face_similarity_not_a_number),
        cmocka_unit_test(test_face_without_event_type),
        cmocka_unit_test(test_face_candidates_capped_best_kept),
        cmocka_unit_test(test_face_capture),
        cmocka_unit_test(test_unknown_type_kept),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_long_strings_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
