/* test_event.c: the canonical event's names and lookups: every device
 * eventType spelling, API names both ways, lists, targets, directions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hik/event.h"

static void test_kind_from_type(void **state)
{
    static const struct {
        const char *type, *desc;
        hik_event_kind kind;
    } table[] = {
        {"VMD", NULL, HIK_EV_MOTION},
        {"vmd", NULL, HIK_EV_MOTION},
        {"linedetection", NULL, HIK_EV_LINE_CROSSING},
        {"fielddetection", NULL, HIK_EV_INTRUSION},
        {"regionEntrance", NULL, HIK_EV_REGION_ENTRANCE},
        {"regionExiting", NULL, HIK_EV_REGION_EXITING},
        {"regionExit", NULL, HIK_EV_REGION_EXITING},
        {"ANPR", NULL, HIK_EV_ANPR},
        {"faceSnapMatch", NULL, HIK_EV_FACE_RECOGNITION},
        {"alarmResult", NULL, HIK_EV_FACE_RECOGNITION},
        {"faceCapture", NULL, HIK_EV_FACE_CAPTURE},
        {"faceSnap", NULL, HIK_EV_FACE_CAPTURE},
        {"tamperdetection", NULL, HIK_EV_TAMPER},
        {"shelteralarm", NULL, HIK_EV_TAMPER},
        {"videoloss", NULL, HIK_EV_VIDEO_LOSS},
        {"IO", NULL, HIK_EV_IO_ALARM},
        {"PIR", NULL, HIK_EV_PIR},
        {"duration", NULL, HIK_EV_DURATION},
        {"audioexception", NULL, HIK_EV_AUDIO_EXCEPTION},
        {"diskfull", NULL, HIK_EV_DISK_FULL},
        {"diskerror", NULL, HIK_EV_DISK_ERROR},
        {"nicbroken", NULL, HIK_EV_NIC_BROKEN},
        {"ipconflict", NULL, HIK_EV_IP_CONFLICT},
        {"illaccess", NULL, HIK_EV_ILLEGAL_ACCESS},
        {"illegalAccess", NULL, HIK_EV_ILLEGAL_ACCESS},
        {"heartBeat", NULL, HIK_EV_HEARTBEAT},
        {"other", "Heartbeat", HIK_EV_HEARTBEAT},
        {"other", NULL, HIK_EV_UNKNOWN},
        {"other", "tamper", HIK_EV_UNKNOWN},
        {"thermometry", NULL, HIK_EV_UNKNOWN},
        {"", NULL, HIK_EV_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (hik_event_kind_from_type(table[i].type, table[i].desc) != table[i].kind)
            fail_msg("eventType \"%s\" should be %s", table[i].type,
                     hik_event_kind_name(table[i].kind));
    assert_int_equal(hik_event_kind_from_type(NULL, NULL), HIK_EV_UNKNOWN);
}

static void test_kind_names_round_trip(void **state)
{
    for (int k = 0; k < HIK_EV__COUNT; k++) {
        const char *name = hik_event_kind_name((hik_event_kind)k);
        assert_non_null(name);
        assert_int_equal(hik_event_kind_from_name(name), k);
    }
    assert_string_equal(hik_event_kind_name(HIK_EV_LINE_CROSSING), "line_crossing");
    assert_string_equal(hik_event_kind_name(HIK_EV_FACE_RECOGNITION), "face_recognition");
    assert_string_equal(hik_event_kind_name(HIK_EV__COUNT), "unknown");
    assert_int_equal(hik_event_kind_from_name("nonsense"), HIK_EV__COUNT);
    assert_int_equal(hik_event_kind_from_name(NULL), HIK_EV__COUNT);
}

static void test_enum_names(void **state)
{
    assert_string_equal(hik_event_state_name(HIK_STATE_ACTIVE), "active");
    assert_string_equal(hik_event_state_name(HIK_STATE_INACTIVE), "inactive");
    assert_string_equal(hik_event_state_name(HIK_STATE_UNKNOWN), "unknown");
    assert_string_equal(hik_target_name(HIK_TARGET_ANY), "any");
    assert_string_equal(hik_target_name(HIK_TARGET_HUMAN), "human");
    assert_string_equal(hik_target_name(HIK_TARGET_VEHICLE), "vehicle");
    assert_int_equal(hik_target_from_str("Human"), HIK_TARGET_HUMAN);
    assert_int_equal(hik_target_from_str("VEHICLE"), HIK_TARGET_VEHICLE);
    assert_int_equal(hik_target_from_str(""), HIK_TARGET_ANY);
    assert_int_equal(hik_target_from_str(NULL), HIK_TARGET_ANY);
    assert_int_equal(hik_target_from_str("cat"), HIK_TARGET_OTHER);
    assert_string_equal(hik_direction_name(HIK_DIR_INCOMING), "incoming");
    assert_string_equal(hik_direction_name(HIK_DIR_OUTGOING), "outgoing");
    assert_string_equal(hik_direction_name(HIK_DIR_UNKNOWN), "unknown");
}

static void test_plate_lists(void **state)
{
    assert_int_equal(hik_plate_list_from_str("allowList"), HIK_LIST_ALLOW);
    assert_int_equal(hik_plate_list_from_str("whiteList"), HIK_LIST_ALLOW);
    assert_int_equal(hik_plate_list_from_str("blockList"), HIK_LIST_BLOCK);
    assert_int_equal(hik_plate_list_from_str("blackList"), HIK_LIST_BLOCK);
    assert_int_equal(hik_plate_list_from_str("otherList"), HIK_LIST_OTHER);
    assert_int_equal(hik_plate_list_from_str(""), HIK_LIST_NONE);
    assert_int_equal(hik_plate_list_from_str(NULL), HIK_LIST_NONE);
    assert_string_equal(hik_plate_list_name(HIK_LIST_ALLOW), "allow");
    assert_string_equal(hik_plate_list_name(HIK_LIST_BLOCK), "block");
    assert_string_equal(hik_plate_list_name(HIK_LIST_OTHER), "other");
    assert_string_equal(hik_plate_list_name(HIK_LIST_NONE), "none");
}

static void test_has_regions(void **state)
{
    assert_true(hik_event_kind_has_regions(HIK_EV_INTRUSION));
    assert_true(hik_event_kind_has_regions(HIK_EV_LINE_CROSSING));
    assert_true(hik_event_kind_has_regions(HIK_EV_REGION_ENTRANCE));
    assert_true(hik_event_kind_has_regions(HIK_EV_REGION_EXITING));
    assert_false(hik_event_kind_has_regions(HIK_EV_ANPR));
    assert_false(hik_event_kind_has_regions(HIK_EV_VIDEO_LOSS));
}

static void test_init(void **state)
{
    hik_event ev;
    memset(&ev, 0xAB, sizeof(ev));
    hik_event_init(&ev);
    assert_int_equal(ev.kind, HIK_EV_UNKNOWN);
    assert_int_equal(ev.confidence, -1);
    assert_int_equal(ev.n_regions, 0);
    assert_int_equal(ev.n_pictures, 0);
    assert_string_equal(ev.type_raw, "");
    assert_null(ev.raw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_from_type), cmocka_unit_test(test_kind_names_round_trip),
        cmocka_unit_test(test_enum_names),     cmocka_unit_test(test_plate_lists),
        cmocka_unit_test(test_has_regions),    cmocka_unit_test(test_init),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
