/* Tests for src/gateway/autoconf.c: which address a camera is told to
 * push to. (Configuring a camera is tested end to end against hiksim in
 * tests/integration/test_autoconf.py.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "autoconf.h"

static void advertise_address_order(void **state)
{
    (void)state;
    gw_config cfg;
    char addr[64];
    gw_config_defaults(&cfg);

    /* --advertise-addr wins over everything */
    snprintf(cfg.advertise_addr, sizeof cfg.advertise_addr, "192.0.2.10");
    snprintf(cfg.ingest_addr, sizeof cfg.ingest_addr, "127.0.0.1:4000");
    assert_int_equal(gw_autoconf_advertise_addr(&cfg, "127.0.0.5", addr, sizeof addr), HIK_OK);
    assert_string_equal(addr, "192.0.2.10");

    /* then a specific ingest address */
    cfg.advertise_addr[0] = '\0';
    assert_int_equal(gw_autoconf_advertise_addr(&cfg, "127.0.0.5", addr, sizeof addr), HIK_OK);
    assert_string_equal(addr, "127.0.0.1");

    /* an ingest listener on every address: the local address facing the camera */
    snprintf(cfg.ingest_addr, sizeof cfg.ingest_addr, "0.0.0.0:4000");
    assert_int_equal(gw_autoconf_advertise_addr(&cfg, "127.0.0.5", addr, sizeof addr), HIK_OK);
    assert_int_equal(strncmp(addr, "127.", 4), 0);
    assert_string_not_equal(addr, "0.0.0.0");

    /* no route, no address */
    assert_int_not_equal(gw_autoconf_advertise_addr(&cfg, "", addr, sizeof addr), HIK_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(advertise_address_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
