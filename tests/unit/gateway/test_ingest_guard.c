/* Tests for src/gateway/ingest_guard.c: the per-source rate limit of
 * unauthorized_source records, Basic and Digest checks of the ingest
 * credentials, and the fields a record keeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "hik/digest.h"
#include "ingest_guard.h"

static void rate_limit_per_source(void **state)
{
    (void)state;
    gw_guard *gd;
    assert_int_equal(gw_guard_new(&gd), HIK_OK);
    uint64_t sup = 99;
    int64_t t = 1000000;
    assert_true(gw_guard_admit(gd, "10.0.0.1", t, &sup));
    assert_int_equal(sup, 0);
    for (int i = 1; i <= 5; i++)
        assert_false(gw_guard_admit(gd, "10.0.0.1", t + i * 1000, &sup));
    /* another source is not held back by the first */
    assert_true(gw_guard_admit(gd, "10.0.0.2", t + 1, &sup));
    /* after the interval one more is stored, carrying the count */
    assert_true(gw_guard_admit(gd, "10.0.0.1", t + GW_GUARD_INTERVAL_MS, &sup));
    assert_int_equal(sup, 5);
    gw_guard_stats st;
    gw_guard_get_stats(gd, &st);
    assert_int_equal(st.refused, 8);
    gw_guard_free(gd);
}

static void global_cap_and_bounded_table(void **state)
{
    (void)state;
    gw_guard *gd;
    assert_int_equal(gw_guard_new(&gd), HIK_OK);
    uint64_t sup;
    int admitted = 0;
    char addr[32];
    /* many sources in one second: at most the global cap is stored */
    for (int i = 0; i < 3 * GW_GUARD_SOURCES; i++) {
        snprintf(addr, sizeof addr, "10.1.%d.%d", i / 250, i % 250);
        admitted += gw_guard_admit(gd, addr, 5000000, &sup);
    }
    assert_int_equal(admitted, GW_GUARD_GLOBAL_PER_S);
    gw_guard_free(gd);
}

static gw_config auth_config(int mode)
{
    gw_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ingest_auth = mode;
    snprintf(cfg.ingest_user, sizeof cfg.ingest_user, "camera");
    snprintf(cfg.ingest_password, sizeof cfg.ingest_password, "s3cret");
    return cfg;
}

static void basic_credentials(void **state)
{
    (void)state;
    gw_guard *gd;
    assert_int_equal(gw_guard_new(&gd), HIK_OK);
    gw_config cfg = auth_config(GW_INGEST_AUTH_BASIC);
    /* camera:s3cret, camera:wrong */
    assert_int_equal(gw_guard_check(gd, &cfg, "POST", "Basic Y2FtZXJhOnMzY3JldA==", 0), GW_AUTH_OK);
    assert_int_equal(gw_guard_check(gd, &cfg, "POST", "Basic Y2FtZXJhOndyb25n", 0), GW_AUTH_WRONG);
    assert_int_equal(gw_guard_check(gd, &cfg, "POST", "Basic !!!", 0), GW_AUTH_WRONG);
    assert_int_equal(gw_guard_check(gd, &cfg, "POST", NULL, 0), GW_AUTH_MISSING);
    cfg.ingest_auth = GW_INGEST_AUTH_NONE;
    assert_int_equal(gw_guard_check(gd, &cfg, "POST", NULL, 0), GW_AUTH_OK);
    gw_guard_free(gd);
}

static void digest_credentials(void **state)
{
    (void)state;
    gw_guard *gd;
    assert_int_equal(gw_guard_new(&gd), HIK_OK);
    gw_config cfg = auth_config(GW_INGEST_AUTH_DIGEST);
    char chal[256];
    gw_guard_challenge(gd, &cfg, 1000, chal, sizeof chal);
    hik_digest_params p;
    assert_int_equal(hik_digest_parse(chal, &p), HIK_OK);
    assert_string_equal(p.scheme, "Digest");
    char resp[65], hdr[512];
    assert_int_equal(hik_digest_response(HIK_DIGEST_MD5, "camera", p.realm, "s3cret", "POST",
                                         "/hik", p.nonce, "00000001", "abc", "auth", resp,
                                         sizeof resp),
                     HIK_OK);
    snprintf(hdr, sizeof hdr,
             "Digest username=\"camera\", realm=\"%s\", nonce=\"%s\", uri=\"/hik\", qop=auth, "
             "nc=00000001, cnonce=\"abc\", response=\"%s\"",
             p.realm, p.nonce, resp);
    assert_int_equal(gw_guard_check(gd, &cfg, "POST", hdr, 2000), GW_AUTH_OK);
    /* the same answer for another method is wrong */
    assert_int_equal(gw_guard_check(gd, &cfg, "PUT", hdr, 2000), GW_AUTH_WRONG);
    /* still good after one rotation, stale (a new challenge) after two */
    assert_int_equal(gw_guard_check(gd, &cfg, "POST", hdr, 1000 + 300000), GW_AUTH_OK);
    assert_int_equal(gw_guard_check(gd, &cfg, "POST", hdr, 1000 + 600001), GW_AUTH_MISSING);
    /* a Basic header when Digest is asked for is no credential */
    assert_int_equal(gw_guard_check(gd, &cfg, "POST", "Basic Y2FtZXJhOnMzY3JldA==", 0),
                     GW_AUTH_MISSING);
    gw_guard_free(gd);
}

static void record_fields(void **state)
{
    (void)state;
    hik_event ev;
    hik_event_init(&ev);
    snprintf(ev.type_raw, sizeof ev.type_raw, "VMD");
    snprintf(ev.mac, sizeof ev.mac, "aa:bb:cc:dd:ee:ff");
    snprintf(ev.ip_address, sizeof ev.ip_address, "192.0.2.1");
    char *text = gw_guard_fields(GW_GUARD_UNDECLARED, "127.0.0.9", "application/xml", 321, &ev, 4);
    assert_non_null(text);
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "kind")), "unauthorized_source");
    assert_string_equal(json_string_value(json_object_get(j, "reason")), "undeclared_source");
    assert_string_equal(json_string_value(json_object_get(j, "source_addr")), "127.0.0.9");
    assert_int_equal(json_integer_value(json_object_get(j, "body_size")), 321);
    assert_int_equal(json_integer_value(json_object_get(j, "suppressed")), 4);
    json_t *c = json_object_get(j, "claimed");
    assert_string_equal(json_string_value(json_object_get(c, "mac")), "aa:bb:cc:dd:ee:ff");
    assert_string_equal(json_string_value(json_object_get(c, "ip_address")), "192.0.2.1");
    json_decref(j);
    free(text);
    text = gw_guard_fields(GW_GUARD_BAD_CREDENTIALS, "127.0.0.9", "", 0, NULL, 0);
    j = json_loads(text, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "reason")), "bad_credentials");
    assert_null(json_object_get(j, "claimed"));
    json_decref(j);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rate_limit_per_source), cmocka_unit_test(global_cap_and_bounded_table),
        cmocka_unit_test(basic_credentials),     cmocka_unit_test(digest_credentials),
        cmocka_unit_test(record_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
