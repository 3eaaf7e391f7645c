/* test_event_json.c: the API's JSON form of an event: present fields
 * named in the product's words, absent ones left out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hik/event_json.h"
#include "hik/event_parse.h"

static void test_motion_event(void **state)
{
    const char *doc = "<EventNotificationAlert><ipAddress>192.0.2.1</ipAddress>"
                      "<macAddress>44:19:B6:00:00:01</macAddress><channelID>2</channelID>"
                      "<dateTime>2021-07-02T14:25:36+08:00</dateTime>"
                      "<activePostCount>3</activePostCount><eventType>VMD</eventType>"
                      "<eventState>active</eventState><targetType>human</targetType>"
                      "</EventNotificationAlert>";
    hik_event ev;
    size_t n;
    assert_int_equal(hik_event_parse_xml((const uint8_t *)doc, strlen(doc), NULL, &ev, 1, &n, NULL),
                     HIK_OK);
    json_t *o = hik_event_to_json(&ev);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "kind")), "motion");
    assert_string_equal(json_string_value(json_object_get(o, "type")), "VMD");
    assert_string_equal(json_string_value(json_object_get(o, "state")), "active");
    assert_string_equal(json_string_value(json_object_get(o, "mac")), "44:19:b6:00:00:01");
    assert_string_equal(json_string_value(json_object_get(o, "target")), "human");
    assert_int_equal(json_integer_value(json_object_get(o, "channel")), 2);
    assert_int_equal(json_integer_value(json_object_get(o, "active_post_count")), 3);
    assert_int_equal(json_integer_value(json_object_get(o, "time_ms")), 1625207136000LL);
    assert_true(json_is_false(json_object_get(o, "heartbeat")));
    /* Absent: no serial, no regions, no ANPR, no face block, no raw body. */
    assert_null(json_object_get(o, "serial"));
    assert_null(json_object_get(o, "dyn_channel"));
    assert_null(json_object_get(o, "regions"));
    assert_null(json_object_get(o, "anpr"));
    assert_null(json_object_get(o, "face"));
    assert_null(json_object_get(o, "raw"));
    json_decref(o);
}

static void test_blocks(void **state)
{
    hik_event ev;
    hik_event_init(&ev);
    ev.kind = HIK_EV_ANPR;
    strcpy(ev.plate, "AB123");
    ev.list = HIK_LIST_BLOCK;
    strcpy(ev.list_raw, "blackList");
    ev.direction = HIK_DIR_OUTGOING;
    strcpy(ev.direction_raw, "reverse");
    ev.confidence = 90;
    ev.n_regions = 1;
    ev.regions[0] = (hik_region){.id = 2,
                                 .sensitivity = 50,
                                 .target = HIK_TARGET_VEHICLE,
                                 .has_rect = true,
                                 .rect_x = 0.5f,
                                 .rect_w = 0.25f};
    ev.n_candidates = 1;
    strcpy(ev.candidates[0].name, "Alice");
    ev.candidates[0].similarity = 83.0;
    ev.io_port = 4;
    json_t *o = hik_event_to_json(&ev);
    json_t *anpr = json_object_get(o, "anpr");
    assert_string_equal(json_string_value(json_object_get(anpr, "plate")), "AB123");
    assert_string_equal(json_string_value(json_object_get(anpr, "list")), "block");
    assert_string_equal(json_string_value(json_object_get(anpr, "direction")), "outgoing");
    assert_int_equal(json_integer_value(json_object_get(anpr, "confidence")), 90);
    json_t *r = json_array_get(json_object_get(o, "regions"), 0);
    assert_int_equal(json_integer_value(json_object_get(r, "id")), 2);
    assert_string_equal(json_string_value(json_object_get(r, "target")), "vehicle");
    assert_float_equal(json_real_value(json_object_get(json_object_get(r, "rect"), "x")), 0.5,
                       1e-6);
    json_t *c = json_array_get(json_object_get(json_object_get(o, "face"), "candidates"), 0);
    assert_string_equal(json_string_value(json_object_get(c, "name")), "Alice");
    assert_float_equal(json_real_value(json_object_get(c, "similarity")), 83.0, 1e-9);
    assert_int_equal(json_integer_value(json_object_get(o, "io_port")), 4);
    json_decref(o);
    assert_null(hik_event_to_json(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_motion_event),
        cmocka_unit_test(test_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
