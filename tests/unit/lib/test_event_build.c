/* test_event_build.c: the field helpers shared by the XML and JSON parsers:
 * ISO 8601 times, MAC forms, bounded UTF-8-safe string copies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../../lib/event_build.h"

static void test_parse_time(void **state)
{
    assert_int_equal(event_build__parse_time("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(event_build__parse_time("2000-03-01T00:00:00Z"), 951868800000LL);
    assert_int_equal(event_build__parse_time("2024-02-29T23:59:59+00:00"), 1709251199000LL);
    assert_int_equal(event_build__parse_time("2021-07-02T14:25:36+08:00"), 1625207136000LL);
    assert_int_equal(event_build__parse_time("2021-07-02T14:25:36+0800"), 1625207136000LL);
    assert_int_equal(event_build__parse_time("2021-07-02 06:25:36"), 1625207136000LL);
    assert_int_equal(event_build__parse_time("2021-07-02T06:25:36.123Z"), 1625207136123LL);
    assert_int_equal(event_build__parse_time("2021-07-02T06:25Z"), 1625207100000LL);
    assert_int_equal(event_build__parse_time("2021-13-02T06:25:36Z"), 0);
    assert_int_equal(event_build__parse_time("2021-07-02"), 0);
    assert_int_equal(event_build__parse_time(""), 0);
}

static void test_set_mac(void **state)
{
    hik_event ev;
    hik_event_init(&ev);
    event_build__set_mac(&ev, "AA-BB-CC-DD-EE-0F", 17);
    assert_string_equal(ev.mac, "aa:bb:cc:dd:ee:0f");
    event_build__set_mac(&ev, "aabbccddeeff00", 14);
    assert_string_equal(ev.mac, "aabbccddeeff00");
    assert_false(ev.truncated);
}

static void test_set_str(void **state)
{
    hik_event ev;
    hik_event_init(&ev);
    event_build__set_str(&ev, ev.protocol, sizeof(ev.protocol), "HTTP", 4);
    assert_string_equal(ev.protocol, "HTTP");
    assert_false(ev.truncated);
    /* 15 bytes fit in 16: "abcdefghijklmn" + 2-byte char would need 16. */
    event_build__set_str(&ev, ev.protocol, sizeof(ev.protocol), "abcdefghijklmn\xc3\xa9", 16);
    assert_string_equal(ev.protocol, "abcdefghijklmn");
    assert_true(ev.truncated);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_time),
        cmocka_unit_test(test_set_mac),
        cmocka_unit_test(test_set_str),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
