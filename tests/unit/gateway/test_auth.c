/* test_auth.c: admin password hashes, first-run admin creation, sessions
 * and the per-address login brake (src/gateway/auth.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api_codec.h"
#include "auth.h"
#include "store.h"

/* The gateway's configuration hook lives in a module these tests do not
 * link; auth.c does not call it, but keep the symbol resolvable. */
__attribute__((weak)) hik_err gw_config_changed(gw *g)
{
    (void)g;
    return HIK_OK;
}

static void test_hash_has_the_documented_format(void **state)
{
    char hash[GW_AUTH_HASH_MAX];
    assert_int_equal(gw_auth_hash_password("correct horse", hash, sizeof hash), HIK_OK);
    /* scrypt$N$r$p$salt$hash with N=2^15, r=8, p=1 */
    assert_true(strncmp(hash, "scrypt$32768$8$1$", 17) == 0);
    const char *salt = hash + 17;
    const char *dollar = strchr(salt, '$');
    assert_non_null(dollar);
    uint8_t buf[64];
    size_t n;
    assert_int_equal(api_b64_decode(salt, (size_t)(dollar - salt), buf, sizeof buf, &n), HIK_OK);
    assert_int_equal(n, 16); /* 16-byte salt */
    assert_int_equal(api_b64_decode(dollar + 1, strlen(dollar + 1), buf, sizeof buf, &n), HIK_OK);
    assert_int_equal(n, 32); /* 32-byte hash */
}

static void test_hash_verifies_only_the_right_password(void **state)
{
    char hash[GW_AUTH_HASH_MAX], again[GW_AUTH_HASH_MAX];
    assert_int_equal(gw_auth_hash_password("s3cret-pass", hash, sizeof hash), HIK_OK);
    assert_true(gw_auth_verify_password("s3cret-pass", hash));
    assert_false(gw_auth_verify_password("s3cret-pasS", hash));
    assert_false(gw_auth_verify_password("", hash));
    assert_false(gw_auth_verify_password("s3cret-pass ", hash));
    /* Fresh salt each time: the same password never hashes the same. */
    assert_int_equal(gw_auth_hash_password("s3cret-pass", again, sizeof again), HIK_OK);
    assert_string_not_equal(hash, again);
    assert_true(gw_auth_verify_password("s3cret-pass", again));
}

static void test_malformed_hashes_never_match(void **state)
{
    char hash[GW_AUTH_HASH_MAX], bad[GW_AUTH_HASH_MAX + 8];
    assert_int_equal(gw_auth_hash_password("password1", hash, sizeof hash), HIK_OK);
    assert_false(gw_auth_verify_password("password1", ""));
    assert_false(gw_auth_verify_password("password1", "password1"));
    assert_false(gw_auth_verify_password("password1", "bcrypt$32768$8$1$AAAA$AAAA"));
    /* N not a power of two, or absurdly large parameters. */
    snprintf(bad, sizeof bad, "scrypt$32767%s", hash + 12);
    assert_false(gw_auth_verify_password("password1", bad));
    snprintf(bad, sizeof bad, "scrypt$1073741824%s", hash + 12);
    assert_false(gw_auth_verify_password("password1", bad));
    /* A flipped hash byte. */
    snprintf(bad, sizeof bad, "%s", hash);
    char *last = bad + strlen(bad) - 10;
    *last = *last == 'A' ? 'B' : 'A';
    assert_false(gw_auth_verify_password("password1", bad));
    /* Truncated. */
    snprintf(bad, sizeof bad, "%.*s", (int)strlen(hash) - 8, hash);
    assert_false(gw_auth_verify_password("password1", bad));
}

static void test_ten_failures_shut_an_address_out_for_five_minutes(void **state)
{
    gw_auth *a;
    int retry = 0;
    assert_int_equal(gw_auth_new(&a), HIK_OK);
    int64_t t0 = 1000000;
    for (int i = 0; i < GW_AUTH_MAX_FAILURES - 1; i++)
        gw_auth_failed(a, "127.0.0.9", t0 + i);
    assert_false(gw_auth_blocked(a, "127.0.0.9", t0 + 20, &retry));
    gw_auth_failed(a, "127.0.0.9", t0 + 20);
    assert_true(gw_auth_blocked(a, "127.0.0.9", t0 + 21, &retry));
    assert_int_equal(retry, 300);
    /* Another address is not affected. */
    assert_false(gw_auth_blocked(a, "127.0.0.10", t0 + 21, &retry));
    /* Blocked for five minutes, then free again. */
    assert_true(gw_auth_blocked(a, "127.0.0.9", t0 + 20 + GW_AUTH_BLOCK_MS - 1, &retry));
    assert_int_equal(retry, 1);
    assert_false(gw_auth_blocked(a, "127.0.0.9", t0 + 20 + GW_AUTH_BLOCK_MS, &retry));
    gw_auth_destroy(a);
}

static void test_failures_spread_over_more_than_five_minutes_do_not_block(void **state)
{
    gw_auth *a;
    assert_int_equal(gw_auth_new(&a), HIK_OK);
    int64_t t = 5000000;
    for (int i = 0; i < 30; i++, t += 60000) /* one a minute */
        gw_auth_failed(a, "127.0.0.2", t);
    /* Windows of five minutes never hold ten failures: a success resets too. */
    assert_false(gw_auth_blocked(a, "127.0.0.2", t, NULL));
    for (int i = 0; i < 9; i++)
        gw_auth_failed(a, "127.0.0.3", t + i);
    gw_auth_succeeded(a, "127.0.0.3");
    gw_auth_failed(a, "127.0.0.3", t + 10);
    assert_false(gw_auth_blocked(a, "127.0.0.3", t + 11, NULL));
    gw_auth_destroy(a);
}

static void test_the_address_table_is_bounded(void **state)
{
    gw_auth *a;
    char addr[64];
    assert_int_equal(gw_auth_new(&a), HIK_OK);
    int64_t t = 9000000;
    for (int i = 0; i < GW_AUTH_MAX_FAILURES; i++)
        gw_auth_failed(a, "127.1.0.1", t);
    assert_true(gw_auth_blocked(a, "127.1.0.1", t, NULL));
    /* Many more addresses than slots: no growth, no crash, and a blocked
     * address is the last to be forgotten. */
    for (int i = 0; i < GW_AUTH_RATE_SLOTS * 4; i++) {
        snprintf(addr, sizeof addr, "127.2.%d.%d", i / 250, i % 250);
        gw_auth_failed(a, addr, t + 1 + i);
    }
    assert_false(gw_auth_blocked(a, "127.2.0.0", t + 10000, NULL));
    gw_auth_destroy(a);
}

/* ---- with a database ---- */

typedef struct fixture {
    char dir[64];
    gw g;
} fixture;

static int setup_db(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char err[256];
    snprintf(f->dir, sizeof f->dir, "/tmp/hikgate-test-auth-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    if (gw_store_open(f->dir, false, &f->g.store, err, sizeof err) != HIK_OK) {
        fprintf(stderr, "store: %s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown_db(void **state)
{
    fixture *f = *state;
    char path[128];
    gw_auth_free(&f->g);
    gw_store_close(f->g.store);
    const char *files[] = {"hikgate.db", "hikgate.db-wal", "hikgate.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", f->dir, files[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static void test_a_short_configured_admin_password_refuses_to_start(void **state)
{
    fixture *f = *state;
    snprintf(f->g.cfg.admin_password, sizeof f->g.cfg.admin_password, "short");
    assert_int_equal(gw_auth_init(&f->g), HIK_ERR_INVALID);
    assert_null(f->g.auth);
}

static void test_first_run_creates_admin_with_the_configured_password(void **state)
{
    fixture *f = *state;
    int64_t id = 0;
    snprintf(f->g.cfg.admin_password, sizeof f->g.cfg.admin_password, "long enough");
    assert_int_equal(gw_auth_init(&f->g), HIK_OK);
    assert_int_equal(gw_auth_check_password(&f->g, "admin", "long enough", &id), HIK_OK);
    assert_true(id > 0);
    assert_int_equal(gw_auth_check_password(&f->g, "admin", "long enougH", NULL), HIK_ERR_AUTH);
    assert_int_equal(gw_auth_check_password(&f->g, "nobody", "long enough", NULL), HIK_ERR_AUTH);
    /* A second start keeps the stored password whatever is configured. */
    gw_auth_free(&f->g);
    snprintf(f->g.cfg.admin_password, sizeof f->g.cfg.admin_password, "another one");
    assert_int_equal(gw_auth_init(&f->g), HIK_OK);
    assert_int_equal(gw_auth_check_password(&f->g, "admin", "another one", NULL), HIK_ERR_AUTH);
    assert_int_equal(gw_auth_check_password(&f->g, "admin", "long enough", NULL), HIK_OK);
}

static void test_first_run_without_password_generates_one(void **state)
{
    fixture *f = *state;
    assert_int_equal(gw_auth_init(&f->g), HIK_OK);
    /* The generated password is only on stderr; all we can check here is
     * that an admin exists and an empty password is not it. */
    assert_int_equal(gw_auth_check_password(&f->g, "admin", "", NULL), HIK_ERR_AUTH);
    gw_store_lock(f->g.store);
    sqlite3_stmt *st = gw_store_prepare(f->g.store, "SELECT pw_hash FROM users WHERE name='admin'");
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_true(strncmp((const char *)sqlite3_column_text(st, 0), "scrypt$", 7) == 0);
    sqlite3_finalize(st);
    gw_store_unlock(f->g.store);
}

static void test_basic_header(void **state)
{
    fixture *f = *state;
    char user[64] = "";
    snprintf(f->g.cfg.admin_password, sizeof f->g.cfg.admin_password, "open sesame");
    assert_int_equal(gw_auth_init(&f->g), HIK_OK);
    /* base64("admin:open sesame") */
    assert_int_equal(
        gw_auth_check_basic(&f->g, "Basic YWRtaW46b3BlbiBzZXNhbWU=", user, sizeof user), HIK_OK);
    assert_string_equal(user, "admin");
    /* base64("admin:open sesamE") */
    assert_int_equal(
        gw_auth_check_basic(&f->g, "Basic YWRtaW46b3BlbiBzZXNhbUU=", user, sizeof user),
        HIK_ERR_AUTH);
    assert_int_equal(gw_auth_check_basic(&f->g, "Bearer abc", user, sizeof user), HIK_ERR_PARSE);
    assert_int_equal(gw_auth_check_basic(&f->g, "Basic !!!!", user, sizeof user), HIK_ERR_PARSE);
    /* base64("adminopen") has no colon */
    assert_int_equal(gw_auth_check_basic(&f->g, "Basic YWRtaW5vcGVu", user, sizeof user),
                     HIK_ERR_PARSE);
}

static void test_sessions_live_until_logout_and_store_only_a_hash(void **state)
{
    fixture *f = *state;
    int64_t id;
    char token[65], csrf[65];
    gw_session s;
    snprintf(f->g.cfg.admin_password, sizeof f->g.cfg.admin_password, "open sesame");
    assert_int_equal(gw_auth_init(&f->g), HIK_OK);
    assert_int_equal(gw_auth_check_password(&f->g, "admin", "open sesame", &id), HIK_OK);
    assert_int_equal(gw_auth_session_create(&f->g, id, token, csrf), HIK_OK);
    assert_int_equal(strlen(token), 64);
    assert_int_equal(strlen(csrf), 64);
    assert_int_equal(gw_auth_session_lookup(&f->g, token, &s), HIK_OK);
    assert_string_equal(s.user, "admin");
    assert_string_equal(s.csrf, csrf);
    assert_true(s.expires_ms > gw_now_ms() + GW_AUTH_SESSION_TTL_MS - 60000);

    /* The token itself is nowhere in the database. */
    gw_store_lock(f->g.store);
    sqlite3_stmt *st = gw_store_prepare(f->g.store, "SELECT token_hash FROM sessions");
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char want[65];
    api_sha256_hex(token, strlen(token), want);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), want);
    sqlite3_finalize(st);
    gw_store_unlock(f->g.store);

    /* An expired session is gone. */
    char token2[65], csrf2[65];
    assert_int_equal(gw_auth_session_create(&f->g, id, token2, csrf2), HIK_OK);
    gw_store_lock(f->g.store);
    api_sha256_hex(token2, strlen(token2), want);
    char sql[200];
    snprintf(sql, sizeof sql, "UPDATE sessions SET expires_ms = 1 WHERE token_hash = '%s'", want);
    assert_int_equal(gw_store_exec(f->g.store, sql), HIK_OK);
    gw_store_unlock(f->g.store);
    assert_int_equal(gw_auth_session_lookup(&f->g, token2, &s), HIK_ERR_NOT_FOUND);

    assert_int_equal(gw_auth_session_lookup(&f->g, "nothex", &s), HIK_ERR_NOT_FOUND);
    assert_int_equal(gw_auth_session_delete(&f->g, token), HIK_OK);
    assert_int_equal(gw_auth_session_lookup(&f->g, token, &s), HIK_ERR_NOT_FOUND);
}

static void test_changing_the_password_ends_other_sessions(void **state)
{
    fixture *f = *state;
    int64_t id;
    char keep[65], other[65], csrf[65];
    gw_session s;
    snprintf(f->g.cfg.admin_password, sizeof f->g.cfg.admin_password, "first password");
    assert_int_equal(gw_auth_init(&f->g), HIK_OK);
    assert_int_equal(gw_auth_check_password(&f->g, "admin", "first password", &id), HIK_OK);
    assert_int_equal(gw_auth_session_create(&f->g, id, keep, csrf), HIK_OK);
    assert_int_equal(gw_auth_session_create(&f->g, id, other, csrf), HIK_OK);
    assert_int_equal(gw_auth_set_password(&f->g, "admin", "second password", keep), HIK_OK);
    /* The cached credential is forgotten at once. */
    assert_int_equal(gw_auth_check_password(&f->g, "admin", "first password", NULL), HIK_ERR_AUTH);
    assert_int_equal(gw_auth_check_password(&f->g, "admin", "second password", NULL), HIK_OK);
    assert_int_equal(gw_auth_session_lookup(&f->g, keep, &s), HIK_OK);
    assert_int_equal(gw_auth_session_lookup(&f->g, other, &s), HIK_ERR_NOT_FOUND);
    assert_int_equal(gw_auth_set_password(&f->g, "nobody", "whatever1", NULL), HIK_ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_has_the_documented_format),
        cmocka_unit_test(test_hash_verifies_only_the_right_password),
        cmocka_unit_test(test_malformed_hashes_never_match),
        cmocka_unit_test(test_ten_failures_shut_an_address_out_for_five_minutes),
        cmocka_unit_test(test_failures_spread_over_more_than_five_minutes_do_not_block),
        cmocka_unit_test(test_the_address_table_is_bounded),
        cmocka_unit_test_setup_teardown(test_a_short_configured_admin_password_refuses_to_start,
                                        setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(test_first_run_creates_admin_with_the_configured_password,
                                        setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(test_first_run_without_password_generates_one, setup_db,
                                        teardown_db),
        cmocka_unit_test_setup_teardown(test_basic_header, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(test_sessions_live_until_logout_and_store_only_a_hash,
                                        setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(test_changing_the_password_ends_other_sessions, setup_db,
                                        teardown_db),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
