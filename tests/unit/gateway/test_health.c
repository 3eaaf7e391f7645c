/* Tests for src/gateway/health.c: reading a lockout from a device's
 * refusal, and the options that drive streams and probes (config.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "health.h"

static long lock_of(const char *body)
{
    return gw_dev_lock_seconds(body, strlen(body));
}

static void user_check_lock_with_unlock_time(void **state)
{
    (void)state;
    const char *locked = "<?xml version=\"1.0\"?><userCheck><statusValue>401</statusValue>"
                         "<statusString>Unauthorized</statusString><lockStatus>lock</lockStatus>"
                         "<unlockTime>1795</unlockTime><retryLoginTime>0</retryLoginTime>"
                         "</userCheck>";
    assert_int_equal(lock_of(locked), 1795);
}

static void unlocked_or_plain_refusals_are_no_lock(void **state)
{
    (void)state;
    assert_int_equal(lock_of("<userCheck><statusValue>401</statusValue><lockStatus>unlock"
                             "</lockStatus><unlockTime>0</unlockTime><retryLoginTime>4"
                             "</retryLoginTime></userCheck>"),
                     0);
    assert_int_equal(lock_of("<html><body><h2>Access Error: 401 -- Unauthorized</h2></body>"
                             "</html>"),
                     0);
    assert_int_equal(lock_of(""), 0);
}

static void lock_without_duration_is_minus_one(void **state)
{
    (void)state;
    assert_int_equal(lock_of("<userCheck><lockStatus>lock</lockStatus></userCheck>"), -1);
    assert_int_equal(lock_of("{\"statusCode\":4,\"lockStatus\":\"lock\"}"), -1);
    assert_int_equal(lock_of("<ResponseStatus><statusCode>4</statusCode><subStatusCode>userLocked"
                             "</subStatusCode></ResponseStatus>"),
                     -1);
}

static void oversized_body_is_read_within_its_cap(void **state)
{
    (void)state;
    size_t n = 64 * 1024;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'x', n);
    memcpy(big + n - 40, "<lockStatus>lock</lockStatus>", 29);
    big[n] = 0;
    /* the marker lies past the part of the body that is examined */
    assert_int_equal(gw_dev_lock_seconds(big, n), 0);
    free(big);
}

static int load(gw_config *cfg, int argc, char **argv)
{
    gw_config_defaults(cfg);
    return gw_config_load(cfg, argc, argv);
}

static void stream_and_health_options(void **state)
{
    (void)state;
    gw_config cfg;
    char *none[] = {"hikgated", NULL};
    assert_int_equal(load(&cfg, 1, none), 0);
    assert_int_equal(cfg.stream_idle_timeout_s, 30);
    assert_int_equal(cfg.health_interval_s, 30);
    assert_int_equal(cfg.health_failures, 2);
    char *set[] = {"hikgated", "--stream-idle-timeout", "2", "--health-interval",
                   "0",        "--health-failures",     "5", NULL};
    assert_int_equal(load(&cfg, 7, set), 0);
    assert_int_equal(cfg.stream_idle_timeout_s, 2);
    assert_int_equal(cfg.health_interval_s, 0);
    assert_int_equal(cfg.health_failures, 5);
    char *zero_idle[] = {"hikgated", "--stream-idle-timeout", "0", NULL};
    assert_int_equal(load(&cfg, 3, zero_idle), -1);
    char *no_failures[] = {"hikgated", "--health-failures", "0", NULL};
    assert_int_equal(load(&cfg, 3, no_failures), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(user_check_lock_with_unlock_time),
        cmocka_unit_test(unlocked_or_plain_refusals_are_no_lock),
        cmocka_unit_test(lock_without_duration_is_minus_one),
        cmocka_unit_test(oversized_body_is_read_within_its_cap),
        cmocka_unit_test(stream_and_health_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
