/* Tests for src/gateway/store.c: schema creation, reopening, WAL, foreign
 * keys, and the refusal of a newer schema. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store.h"

static void create_reopen_and_refuse_newer(void **state)
{
    char dir[64] = "/tmp/hikgate-test-store-XXXXXX", err[512] = "";
    assert_non_null(mkdtemp(dir));
    gw_store *st;
    assert_int_equal(gw_store_open(dir, true, &st, err, sizeof err), HIK_OK);
    /* foreign keys hold: a trigger on a missing device is refused */
    assert_int_equal(gw_store_exec(st, "INSERT INTO triggers(id,name,type,event,created_ms,"
                                       "updated_ms) VALUES(1,'t','hik','motion',0,0)"),
                     HIK_OK);
    assert_int_equal(gw_store_exec(st, "INSERT INTO trigger_devices VALUES(1, 42)"), HIK_ERR_IO);
    sqlite3_stmt *s = gw_store_prepare(st, "PRAGMA journal_mode");
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    gw_store_close(st);

    assert_int_equal(gw_store_open(dir, false, &st, err, sizeof err), HIK_OK);
    s = gw_store_prepare(st, "SELECT count(*) FROM triggers");
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 1);
    sqlite3_finalize(s);
    assert_int_equal(gw_store_exec(st, "PRAGMA user_version = 99"), HIK_OK);
    gw_store_close(st);

    assert_int_equal(gw_store_open(dir, false, &st, err, sizeof err), HIK_ERR_UNSUPPORTED);
    assert_null(st);
    assert_non_null(strstr(err, "newer"));
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void not_a_database_is_refused(void **state)
{
    char dir[64] = "/tmp/hikgate-test-store-XXXXXX", err[512] = "", path[128];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/hikgate.db", dir);
    FILE *f = fopen(path, "w");
    fputs("this is not a database at all, not even close to one, padding padding", f);
    fclose(f);
    gw_store *st;
    assert_int_not_equal(gw_store_open(dir, false, &st, err, sizeof err), HIK_OK);
    assert_non_null(strstr(err, "hikgate.db"));
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_reopen_and_refuse_newer),
        cmocka_unit_test(not_a_database_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
