/* Tests for src/gateway/keyrotate.c: the data directory's lock is
 * exclusive, and a rotation re-seals every password under a new key,
 * leaving no key file behind but secret.key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "keyrotate.h"
#include "secrets.h"
#include "store.h"

static char dir[64];

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/hikgate-test-rotate-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void lock_is_exclusive(void **state)
{
    int a = -1, b = -1;
    char err[256] = "";
    assert_int_equal(gw_datadir_lock(dir, &a, err, sizeof err), HIK_OK);
    assert_true(a >= 0);
    assert_int_equal(gw_datadir_lock(dir, &b, err, sizeof err), HIK_ERR_LOCKED);
    assert_int_equal(b, -1);
    assert_non_null(strstr(err, "running hikgated"));
    close(a);
    assert_int_equal(gw_datadir_lock(dir, &b, err, sizeof err), HIK_OK);
    close(b);
}

static void add_device(gw_store *st, gw_secrets *s, const char *name, const char *password)
{
    char *sealed = NULL;
    assert_int_equal(gw_secrets_seal(s, password, &sealed), HIK_OK);
    sqlite3_stmt *stmt = gw_store_prepare(
        st, "INSERT INTO devices(name, address, port, scheme, username, password, created_ms,"
            " updated_ms) VALUES(?1, '127.0.0.1', 80, 'http', 'admin', ?2, 0, 0)");
    assert_non_null(stmt);
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, sealed, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
    sqlite3_finalize(stmt);
    free(sealed);
}

/* The password of device `name`, opened with the key now in dir. */
static char *password_of(const char *name)
{
    gw_store *st;
    gw_secrets *s;
    char err[256];
    assert_int_equal(gw_store_open(dir, false, &st, err, sizeof err), HIK_OK);
    assert_int_equal(gw_secrets_open(dir, &s, err, sizeof err), HIK_OK);
    sqlite3_stmt *stmt = gw_store_prepare(st, "SELECT password FROM devices WHERE name=?1");
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    char *plain = NULL;
    hik_err res = gw_secrets_unseal(s, (const char *)sqlite3_column_text(stmt, 0), &plain);
    sqlite3_finalize(stmt);
    gw_secrets_close(s);
    gw_store_close(st);
    return res ? NULL : plain;
}

static void rotation_reseals_under_a_new_key(void **state)
{
    gw_store *st;
    gw_secrets *s;
    char err[256] = "";
    assert_int_equal(gw_store_open(dir, false, &st, err, sizeof err), HIK_OK);
    assert_int_equal(gw_secrets_open(dir, &s, err, sizeof err), HIK_OK);
    add_device(st, s, "a", "Pass-a-111");
    add_device(st, s, "b", "Pass-b-222");
    gw_secrets_close(s);
    gw_store_close(st);

    char path[128];
    snprintf(path, sizeof path, "%s/secret.key", dir);
    FILE *f = fopen(path, "rb");
    unsigned char before[32], after[32];
    assert_int_equal(fread(before, 1, 32, f), 32);
    fclose(f);

    int n = -1;
    assert_int_equal(gw_keyrotate(dir, &n, err, sizeof err), HIK_OK);
    assert_int_equal(n, 2);
    f = fopen(path, "rb");
    assert_int_equal(fread(after, 1, 32, f), 32);
    fclose(f);
    assert_memory_not_equal(before, after, 32);
    assert_false(gw_keyrotate_interrupted(dir));
    snprintf(path, sizeof path, "%s/secret.key.new", dir);
    assert_int_not_equal(access(path, F_OK), 0);

    char *a = password_of("a"), *b = password_of("b");
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, "Pass-a-111");
    assert_string_equal(b, "Pass-b-222");
    gw_secrets_free(a);
    gw_secrets_free(b);
}

static void rotation_without_a_key_fails(void **state)
{
    char err[256] = "";
    int n = -1;
    assert_int_not_equal(gw_keyrotate(dir, &n, err, sizeof err), HIK_OK);
    assert_int_equal(n, 0);
    assert_non_null(strstr(err, "nothing to rotate"));
    char path[128];
    snprintf(path, sizeof path, "%s/hikgate.db", dir);
    assert_int_not_equal(access(path, F_OK), 0); /* no database made on the way */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(lock_is_exclusive, setup, teardown),
        cmocka_unit_test_setup_teardown(rotation_reseals_under_a_new_key, setup, teardown),
        cmocka_unit_test_setup_teardown(rotation_without_a_key_fails, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
