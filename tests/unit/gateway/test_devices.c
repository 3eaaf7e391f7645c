/* Tests for src/gateway/devices.c: attribution by MAC, then serial, then
 * source address, then the event's own ipAddress; broadcast MACs ignored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devices.h"
#include "store.h"

static void attribution_order(void **state)
{
    char dir[64] = "/tmp/hikgate-test-devices-XXXXXX", err[256];
    assert_non_null(mkdtemp(dir));
    gw_store *st;
    assert_int_equal(gw_store_open(dir, false, &st, err, sizeof err), HIK_OK);
    assert_int_equal(
        gw_store_exec(st, "INSERT INTO devices(id,name,address,password,mac,serial,anpr_reverse,"
                          "created_ms,updated_ms) VALUES"
                          "(1,'a','127.0.0.2','x','AA-BB-CC-00-00-01','SN1',0,0,0),"
                          "(2,'b','127.0.0.3','x','aa:bb:cc:00:00:02','SN2',1,0,0),"
                          "(3,'c','cam.example','x',NULL,NULL,0,0,0)"),
        HIK_OK);
    gw_devices *d;
    assert_int_equal(gw_devices_new(&d), HIK_OK);
    assert_int_equal(gw_devices_reload(d, st), HIK_OK);

    hik_event ev;
    hik_event_init(&ev);
    gw_attribution how;
    bool rev;
    /* MAC wins over a source address that belongs to another device */
    snprintf(ev.mac, sizeof ev.mac, "aa:bb:cc:00:00:02");
    assert_int_equal(gw_devices_attribute(d, "127.0.0.2", &ev, &how, &rev), 2);
    assert_int_equal(how, GW_ATTR_MAC);
    assert_true(rev);
    /* stored MAC in dash/upper-case form still matches */
    snprintf(ev.mac, sizeof ev.mac, "aa:bb:cc:00:00:01");
    assert_int_equal(gw_devices_attribute(d, "10.0.0.1", &ev, &how, &rev), 1);
    assert_false(rev);
    /* broadcast MAC is ignored; serial next */
    snprintf(ev.mac, sizeof ev.mac, "ff:ff:ff:ff:ff:ff");
    snprintf(ev.serial, sizeof ev.serial, "sn2");
    assert_int_equal(gw_devices_attribute(d, "127.0.0.2", &ev, &how, &rev), 2);
    assert_int_equal(how, GW_ATTR_SERIAL);
    /* then the TCP source address */
    ev.serial[0] = 0;
    assert_int_equal(gw_devices_attribute(d, "127.0.0.2", &ev, &how, &rev), 1);
    assert_int_equal(how, GW_ATTR_ADDRESS);
    /* then the address the event states (behind NAT) */
    snprintf(ev.ip_address, sizeof ev.ip_address, "127.0.0.3");
    assert_int_equal(gw_devices_attribute(d, "192.0.2.1", &ev, &how, &rev), 2);
    assert_int_equal(how, GW_ATTR_IP_FIELD);
    /* nobody */
    snprintf(ev.ip_address, sizeof ev.ip_address, "192.0.2.9");
    assert_int_equal(gw_devices_attribute(d, "192.0.2.1", &ev, &how, &rev), 0);
    assert_int_equal(how, GW_ATTR_NONE);
    assert_string_equal(gw_attribution_name(how), "none");

    gw_devices_free(d);
    gw_store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(attribution_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
