/* test_config_seal.c: src/gateway/config_seal.c: passwords sealed under a
 * passphrase open with it and only with it, only for the device they were
 * sealed for, and a document cannot ask for unbounded scrypt work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config_seal.h"

static void test_round_trip(void **state)
{
    gw_seal *s = NULL, *again = NULL;
    json_t *params = NULL;
    assert_int_equal(gw_seal_new("a good passphrase", &s, &params), HIK_OK);
    assert_string_equal(json_string_value(json_object_get(params, "kdf")), "scrypt");
    assert_int_equal(json_integer_value(json_object_get(params, "n")), 32768);
    char *sealed = NULL, *plain = NULL;
    assert_int_equal(gw_seal_encrypt(s, "Gate", "Cam-pass-123", &sealed), HIK_OK);
    assert_null(strstr(sealed, "Cam-pass"));
    assert_int_equal(gw_seal_open("a good passphrase", params, &again), HIK_OK);
    assert_int_equal(gw_seal_decrypt(again, "Gate", sealed, &plain), HIK_OK);
    assert_string_equal(plain, "Cam-pass-123");
    free(plain);
    free(sealed);
    gw_seal_free(s);
    gw_seal_free(again);
    json_decref(params);
}

static void test_wrong_passphrase_is_auth(void **state)
{
    gw_seal *s = NULL, *other = NULL;
    json_t *params = NULL;
    assert_int_equal(gw_seal_new("a good passphrase", &s, &params), HIK_OK);
    assert_int_equal(gw_seal_open("a wrong passphrase", params, &other), HIK_ERR_AUTH);
    assert_null(other);
    assert_int_equal(gw_seal_open("short", params, &other), HIK_ERR_AUTH);
    gw_seal_free(s);
    json_decref(params);
}

static void test_a_password_moved_to_another_device_does_not_open(void **state)
{
    gw_seal *s = NULL;
    json_t *params = NULL;
    assert_int_equal(gw_seal_new("a good passphrase", &s, &params), HIK_OK);
    char *sealed = NULL, *plain = NULL;
    assert_int_equal(gw_seal_encrypt(s, "Gate", "Cam-pass-123", &sealed), HIK_OK);
    assert_int_equal(gw_seal_decrypt(s, "Yard", sealed, &plain), HIK_ERR_AUTH);
    sealed[strlen(sealed) - 3] ^= 1; /* a flipped bit */
    assert_int_not_equal(gw_seal_decrypt(s, "Gate", sealed, &plain), HIK_OK);
    assert_int_equal(gw_seal_decrypt(s, "Gate", "not base64!", &plain), HIK_ERR_PARSE);
    assert_int_equal(gw_seal_decrypt(s, "Gate", "AAAA", &plain), HIK_ERR_PARSE);
    assert_null(plain);
    free(sealed);
    gw_seal_free(s);
    json_decref(params);
}

static void test_costly_or_malformed_params_are_refused(void **state)
{
    gw_seal *s = NULL;
    json_t *params = NULL;
    assert_int_equal(gw_seal_new("a good passphrase", &s, &params), HIK_OK);
    gw_seal_free(s);
    s = NULL;
    static const struct {
        const char *key;
        json_int_t value;
    } bad[] = {{"n", 1 << 24}, {"n", 1000}, {"n", 0}, {"r", 64}, {"p", 100}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *p = json_deep_copy(params);
        json_object_set_new(p, bad[i].key, json_integer(bad[i].value));
        assert_int_equal(gw_seal_open("a good passphrase", p, &s), HIK_ERR_PARSE);
        json_decref(p);
    }
    json_t *p = json_deep_copy(params);
    json_object_set_new(p, "kdf", json_string("pbkdf2"));
    assert_int_equal(gw_seal_open("a good passphrase", p, &s), HIK_ERR_PARSE);
    json_object_del(p, "kdf");
    assert_int_equal(gw_seal_open("a good passphrase", p, &s), HIK_ERR_PARSE);
    json_decref(p);
    assert_null(s);
    json_decref(params);
}

static void test_passphrase_length_bounds(void **state)
{
    gw_seal *s = NULL;
    json_t *params = NULL;
    assert_int_equal(gw_seal_new("1234567", &s, &params), HIK_ERR_INVALID);
    char *huge = malloc(GW_SEAL_PASSPHRASE_MAX + 2);
    memset(huge, 'x', GW_SEAL_PASSPHRASE_MAX + 1);
    huge[GW_SEAL_PASSPHRASE_MAX + 1] = '\0';
    assert_int_equal(gw_seal_new(huge, &s, &params), HIK_ERR_INVALID);
    free(huge);
    assert_null(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_wrong_passphrase_is_auth),
        cmocka_unit_test(test_a_password_moved_to_another_device_does_not_open),
        cmocka_unit_test(test_costly_or_malformed_params_are_refused),
        cmocka_unit_test(test_passphrase_length_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
