/* Tests for src/gateway/secrets.c: sealing round trip, fresh nonces, tamper
 * detection, key file creation and permissions. */
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

#include "secrets.h"

static char dir[64];

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/hikgate-test-secrets-XXXXXX");
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

static void round_trip_and_fresh_nonce(void **state)
{
    gw_secrets *s;
    char err[256];
    assert_int_equal(gw_secrets_open(dir, &s, err, sizeof err), HIK_OK);
    char *a, *b, *plain;
    assert_int_equal(gw_secrets_seal(s, "Cam-pass-123", &a), HIK_OK);
    assert_int_equal(gw_secrets_seal(s, "Cam-pass-123", &b), HIK_OK);
    assert_null(strstr(a, "Cam-pass"));
    assert_string_not_equal(a, b); /* a fresh nonce each time */
    assert_int_equal(gw_secrets_unseal(s, a, &plain), HIK_OK);
    assert_string_equal(plain, "Cam-pass-123");
    gw_secrets_free(plain);
    assert_int_equal(gw_secrets_seal(s, "", &plain), HIK_OK);
    char *empty;
    assert_int_equal(gw_secrets_unseal(s, plain, &empty), HIK_OK);
    assert_string_equal(empty, "");
    gw_secrets_free(empty);
    free(plain);
    free(a);
    free(b);
    gw_secrets_close(s);
}

static void key_file_is_private_and_reused(void **state)
{
    gw_secrets *s1, *s2;
    char err[256], path[128];
    assert_int_equal(gw_secrets_open(dir, &s1, err, sizeof err), HIK_OK);
    snprintf(path, sizeof path, "%s/secret.key", dir);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(sb.st_size, 32);
    char *sealed, *plain;
    assert_int_equal(gw_secrets_seal(s1, "pw", &sealed), HIK_OK);
    gw_secrets_close(s1);
    assert_int_equal(gw_secrets_open(dir, &s2, err, sizeof err), HIK_OK);
    assert_int_equal(gw_secrets_unseal(s2, sealed, &plain), HIK_OK);
    assert_string_equal(plain, "pw");
    gw_secrets_free(plain);
    free(sealed);
    gw_secrets_close(s2);
}

static void tampering_and_garbage_fail(void **state)
{
    gw_secrets *s;
    char err[256];
    assert_int_equal(gw_secrets_open(dir, &s, err, sizeof err), HIK_OK);
    char *sealed, *plain = NULL;
    assert_int_equal(gw_secrets_seal(s, "secret-password", &sealed), HIK_OK);
    /* A character well inside the base64 (all six bits significant, unlike
     * the last ones, which may be padding): one flipped bit of the tag. */
    size_t at = strlen(sealed) / 2;
    sealed[at] = sealed[at] == 'A' ? 'g' : 'A';
    assert_int_equal(gw_secrets_unseal(s, sealed, &plain), HIK_ERR_PARSE);
    assert_null(plain);
    assert_int_equal(gw_secrets_unseal(s, "plaintext", &plain), HIK_ERR_PARSE);
    assert_int_equal(gw_secrets_unseal(s, "v1:", &plain), HIK_ERR_PARSE);
    assert_int_equal(gw_secrets_unseal(s, "v1:!!!!", &plain), HIK_ERR_PARSE);
    free(sealed);
    gw_secrets_close(s);
}

static void another_key_cannot_open(void **state)
{
    gw_secrets *s;
    char err[256], path[128];
    assert_int_equal(gw_secrets_open(dir, &s, err, sizeof err), HIK_OK);
    char *sealed, *plain = NULL;
    assert_int_equal(gw_secrets_seal(s, "pw", &sealed), HIK_OK);
    gw_secrets_close(s);
    snprintf(path, sizeof path, "%s/secret.key", dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(gw_secrets_open(dir, &s, err, sizeof err), HIK_OK);
    assert_int_equal(gw_secrets_unseal(s, sealed, &plain), HIK_ERR_PARSE);
    free(sealed);
    gw_secrets_close(s);
}

static void short_key_file_is_refused(void **state)
{
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/secret.key", dir);
    FILE *f = fopen(path, "w");
    fputs("short", f);
    fclose(f);
    gw_secrets *s = NULL;
    assert_int_equal(gw_secrets_open(dir, &s, err, sizeof err), HIK_ERR_IO);
    assert_non_null(strstr(err, "secret.key"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(round_trip_and_fresh_nonce, setup, teardown),
        cmocka_unit_test_setup_teardown(key_file_is_private_and_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(tampering_and_garbage_fail, setup, teardown),
        cmocka_unit_test_setup_teardown(another_key_cannot_open, setup, teardown),
        cmocka_unit_test_setup_teardown(short_key_file_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
