/* Tests for src/gateway/retention.c: pictures pruned oldest first down to
 * the cap, old events deleted with their pictures, runs kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "retention.h"

static gw_store *open_store(char *dir)
{
    char err[512] = "";
    gw_store *st = NULL;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(gw_store_open(dir, false, &st, err, sizeof err), HIK_OK);
    return st;
}

static void close_store(gw_store *st, const char *dir)
{
    gw_store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* Event i received at time i * 1000, with one picture of `bytes` bytes. */
static void add_event(gw_store *st, int i, int bytes)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO events(id, received_ms, source_addr, attribution, kind, type_raw, "
             "state, channel, fields, raw_type, n_pictures) "
             "VALUES(%d, %d, '127.0.0.1', 'none', 'motion', 'VMD', 'active', 1, '{}', '', 1);"
             "INSERT INTO event_pictures(event_id, n, name, content_type, data) "
             "VALUES(%d, 0, 'p.jpg', 'image/jpeg', zeroblob(%d));",
             i, i * 1000, i, bytes);
    assert_int_equal(gw_store_exec(st, sql), HIK_OK);
}

static int64_t count(gw_store *st, const char *sql)
{
    sqlite3_stmt *s = gw_store_prepare(st, sql);
    assert_non_null(s);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

static void pictures_pruned_oldest_first(void **state)
{
    (void)state;
    char dir[64] = "/tmp/hikgate-test-ret-XXXXXX";
    gw_store *st = open_store(dir);
    for (int i = 1; i <= 200; i++)
        add_event(st, i, 10000);
    gw_retention_result r;
    assert_int_equal(gw_retention_pass(st, 500000, 0, 1000, &r), HIK_OK);
    int64_t left = count(st, "SELECT SUM(length(data)) FROM event_pictures");
    assert_true(left <= 500000);
    assert_true(left > 500000 - 10000); /* no more than needed */
    /* the newest kept theirs, the oldest lost theirs, every event is still there */
    assert_int_equal(count(st, "SELECT COUNT(*) FROM event_pictures WHERE event_id = 200"), 1);
    assert_int_equal(count(st, "SELECT COUNT(*) FROM event_pictures WHERE event_id = 1"), 0);
    assert_int_equal(count(st, "SELECT n_pictures FROM events WHERE id = 1"), 0);
    assert_int_equal(count(st, "SELECT COUNT(*) FROM events"), 200);
    assert_int_equal(r.bytes_freed, (uint64_t)(200 * 10000 - left));
    assert_int_equal(r.events_pictures_dropped,
                     200 - (uint64_t)count(st, "SELECT COUNT(*) FROM event_pictures"));
    /* under the cap: nothing more to do */
    assert_int_equal(gw_retention_pass(st, 500000, 0, 1000, &r), HIK_OK);
    assert_int_equal(r.bytes_freed, 0);
    close_store(st, dir);
}

static void old_events_deleted_runs_kept(void **state)
{
    (void)state;
    char dir[64] = "/tmp/hikgate-test-ret-XXXXXX";
    gw_store *st = open_store(dir);
    for (int i = 1; i <= 150; i++)
        add_event(st, i, 10);
    assert_int_equal(gw_store_exec(st, "INSERT INTO action_runs(event_id, action, status, "
                                       "created_ms) VALUES(5, 'privacy_mask.enable', 'ok', 0)"),
                     HIK_OK);
    gw_retention_result r;
    /* everything received before 100 s goes: events 1..99 */
    assert_int_equal(gw_retention_pass(st, 0, 100000, 1000, &r), HIK_OK);
    assert_int_equal(r.events_deleted, 99);
    assert_int_equal(count(st, "SELECT MIN(id) FROM events"), 100);
    assert_int_equal(count(st, "SELECT COUNT(*) FROM event_pictures"), 51);
    assert_int_equal(count(st, "SELECT COUNT(*) FROM action_runs WHERE event_id IS NULL"), 1);
    /* bounded: one batch at most per call when asked so */
    for (int i = 151; i <= 300; i++)
        add_event(st, i, 10);
    assert_int_equal(gw_retention_pass(st, 0, 1000000, 1, &r), HIK_OK);
    assert_int_equal(r.events_deleted, GW_RETENTION_BATCH);
    close_store(st, dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pictures_pruned_oldest_first),
        cmocka_unit_test(old_events_deleted_runs_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
