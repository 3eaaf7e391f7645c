/* Tests for src/gateway/audit.c: secrets never reach the summary, the
 * summary is bounded, rows come back newest first from `since`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"

static void secrets_are_masked(void **state)
{
    (void)state;
    json_t *body = json_loads("{\"name\":\"Lobby\",\"password\":\"hunter2\","
                              "\"nested\":{\"new_password\":\"x1\",\"api_key\":\"k\","
                              "\"list\":[{\"secret\":\"s\",\"ok\":1}]},\"port\":80}",
                              0, NULL);
    assert_non_null(body);
    char out[GW_AUDIT_SUMMARY_MAX];
    gw_audit_summary(body, out, sizeof out);
    assert_null(strstr(out, "hunter2"));
    assert_null(strstr(out, "x1"));
    assert_null(strstr(out, "\"k\""));
    assert_null(strstr(out, "\"s\""));
    assert_non_null(strstr(out, "\"name\":\"Lobby\""));
    assert_non_null(strstr(out, "\"password\":\"***\""));
    assert_non_null(strstr(out, "\"port\":80"));
    json_decref(body);
    gw_audit_summary(NULL, out, sizeof out);
    assert_string_equal(out, "");
}

static void summary_is_bounded(void **state)
{
    (void)state;
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    json_t *body = json_pack("{s:s}", "name", big);
    char out[GW_AUDIT_SUMMARY_MAX];
    gw_audit_summary(body, out, sizeof out);
    assert_true(strlen(out) < GW_AUDIT_SUMMARY_MAX);
    assert_non_null(strstr(out, "..."));
    json_decref(body);
}

static void rows_round_trip(void **state)
{
    (void)state;
    char dir[64] = "/tmp/hikgate-test-audit-XXXXXX", err[512];
    assert_non_null(mkdtemp(dir));
    gw_store *st;
    assert_int_equal(gw_store_open(dir, false, &st, err, sizeof err), HIK_OK);
    gw_audit_entry e = {.who = "admin",
                        .addr = "127.0.0.1",
                        .what = "change",
                        .method = "PUT",
                        .route = "/api/v1/devices/{id}",
                        .object_id = 3,
                        .status = 200,
                        .summary = "{\"name\":\"x\"}"};
    assert_int_equal(gw_audit_add(st, &e), HIK_OK);
    e.what = "login_failed";
    e.object_id = 0;
    e.summary = "";
    assert_int_equal(gw_audit_add(st, &e), HIK_OK);
    json_t *rows = gw_audit_list(st, 0, 10);
    assert_int_equal(json_array_size(rows), 2);
    json_t *newest = json_array_get(rows, 0);
    assert_string_equal(json_string_value(json_object_get(newest, "what")), "login_failed");
    assert_true(json_is_null(json_object_get(newest, "object_id")));
    json_t *first = json_array_get(rows, 1);
    assert_int_equal(json_integer_value(json_object_get(first, "object_id")), 3);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(first, "summary"), "name")), "x");
    json_decref(rows);
    rows = gw_audit_list(st, gw_now_ms() + 60000, 10);
    assert_int_equal(json_array_size(rows), 0);
    json_decref(rows);
    rows = gw_audit_list(st, 0, 1);
    assert_int_equal(json_array_size(rows), 1);
    json_decref(rows);
    gw_store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(secrets_are_masked),
        cmocka_unit_test(summary_is_bounded),
        cmocka_unit_test(rows_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
