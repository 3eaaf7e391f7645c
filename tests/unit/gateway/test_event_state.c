/* Tests for src/gateway/event_state.c: activation, repeats, inactive
 * edges, expiry, regions, the LRU bound and the JSON snapshot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event_state.h"

static hik_event ev_of(hik_event_kind kind, hik_event_state st, int count, int region)
{
    hik_event ev;
    hik_event_init(&ev);
    ev.kind = kind;
    ev.state = st;
    ev.channel = 1;
    ev.active_post_count = count;
    snprintf(ev.type_raw, sizeof ev.type_raw, "%s", kind == HIK_EV_MOTION ? "VMD" : "x");
    if (region) {
        ev.n_regions = 1;
        ev.regions[0].id = region;
    }
    return ev;
}

static gw_event_state *fresh(size_t max)
{
    gw_event_state *s = NULL;
    assert_int_equal(gw_event_state_new(max, &s), HIK_OK);
    return s;
}

/* VMD as cameras send it: active 1, 2, 3 about a second apart, then inactive. */
static void burst_fires_once(void **state)
{
    (void)state;
    gw_event_state *s = fresh(0);
    hik_event a1 = ev_of(HIK_EV_MOTION, HIK_STATE_ACTIVE, 1, 0);
    hik_event a2 = ev_of(HIK_EV_MOTION, HIK_STATE_ACTIVE, 2, 0);
    hik_event a3 = ev_of(HIK_EV_MOTION, HIK_STATE_ACTIVE, 3, 0);
    hik_event off = ev_of(HIK_EV_MOTION, HIK_STATE_INACTIVE, 0, 0);
    assert_int_equal(gw_event_state_update(s, 1, &a1, 1000), GW_EDGE_ACTIVE);
    assert_int_equal(gw_event_state_update(s, 1, &a2, 2000), GW_EDGE_REPEAT);
    assert_int_equal(gw_event_state_update(s, 1, &a3, 3000), GW_EDGE_REPEAT);
    gw_state_key k = {.device_id = 1, .channel = 1, .kind = HIK_EV_MOTION};
    assert_true(gw_event_state_is_active(s, &k, 3500));
    assert_int_equal(gw_event_state_update(s, 1, &off, 4000), GW_EDGE_INACTIVE);
    assert_false(gw_event_state_is_active(s, &k, 4000));
    /* a second inactive is no new edge */
    assert_int_equal(gw_event_state_update(s, 1, &off, 4100), GW_EDGE_NONE);
    /* a repeat count after the end is a new activation (the start was missed) */
    assert_int_equal(gw_event_state_update(s, 1, &a2, 5000), GW_EDGE_ACTIVE);
    /* activePostCount 1 while active: the device started over */
    assert_int_equal(gw_event_state_update(s, 1, &a1, 5500), GW_EDGE_ACTIVE);
    gw_event_state_free(s);
}

static void other_devices_channels_and_kinds_are_separate(void **state)
{
    (void)state;
    gw_event_state *s = fresh(0);
    hik_event a1 = ev_of(HIK_EV_MOTION, HIK_STATE_ACTIVE, 1, 0);
    hik_event a2 = ev_of(HIK_EV_MOTION, HIK_STATE_ACTIVE, 2, 0);
    assert_int_equal(gw_event_state_update(s, 1, &a1, 1000), GW_EDGE_ACTIVE);
    assert_int_equal(gw_event_state_update(s, 2, &a2, 1000), GW_EDGE_ACTIVE);
    a2.channel = 2;
    assert_int_equal(gw_event_state_update(s, 1, &a2, 1100), GW_EDGE_ACTIVE);
    hik_event t2 = ev_of(HIK_EV_TAMPER, HIK_STATE_ACTIVE, 2, 0);
    assert_int_equal(gw_event_state_update(s, 1, &t2, 1100), GW_EDGE_ACTIVE);
    assert_int_equal(gw_event_state_size(s), 4);
    /* no device, or a heartbeat: nothing kept */
    assert_int_equal(gw_event_state_update(s, 0, &a1, 1200), GW_EDGE_NONE);
    hik_event hb = ev_of(HIK_EV_VIDEO_LOSS, HIK_STATE_INACTIVE, 0, 0);
    hb.heartbeat = true;
    assert_int_equal(gw_event_state_update(s, 1, &hb, 1200), GW_EDGE_NONE);
    assert_int_equal(gw_event_state_size(s), 4);
    gw_event_state_free(s);
}

static void expiry_ends_state_without_inactive(void **state)
{
    (void)state;
    gw_event_state *s = fresh(0);
    assert_int_equal(gw_event_state_expiry(s, HIK_EV_INTRUSION), GW_STATE_DEFAULT_EXPIRY_MS);
    assert_int_equal(gw_event_state_expiry(s, HIK_EV_ANPR), GW_STATE_SNAPSHOT_EXPIRY_MS);
    gw_event_state_set_expiry(s, HIK_EV_INTRUSION, 3000);
    hik_event a1 = ev_of(HIK_EV_INTRUSION, HIK_STATE_ACTIVE, 1, 2);
    hik_event a2 = ev_of(HIK_EV_INTRUSION, HIK_STATE_ACTIVE, 2, 2);
    gw_state_expired x[4];
    assert_int_equal(gw_event_state_update(s, 7, &a1, 10000), GW_EDGE_ACTIVE);
    assert_int_equal(gw_event_state_update(s, 7, &a2, 12000), GW_EDGE_REPEAT);
    /* the repeat renewed it: not expired 3 s after the first event */
    assert_int_equal(gw_event_state_expire(s, 13500, x, 4), 0);
    assert_int_equal(gw_event_state_expire(s, 15000, x, 4), 1);
    assert_int_equal(x[0].key.device_id, 7);
    assert_int_equal(x[0].key.region, 2);
    assert_int_equal(x[0].key.kind, HIK_EV_INTRUSION);
    assert_int_equal(x[0].last_active_ms, 12000);
    /* reported once */
    assert_int_equal(gw_event_state_expire(s, 16000, x, 4), 0);
    /* the late inactive after the expiry is no second edge */
    hik_event off = ev_of(HIK_EV_INTRUSION, HIK_STATE_INACTIVE, 0, 2);
    assert_int_equal(gw_event_state_update(s, 7, &off, 16500), GW_EDGE_NONE);
    /* and a late repeat starts something new */
    assert_int_equal(gw_event_state_update(s, 7, &a2, 17000), GW_EDGE_ACTIVE);
    gw_event_state_free(s);
}

static void regions_are_separate_keys(void **state)
{
    (void)state;
    gw_event_state *s = fresh(0);
    hik_event r1 = ev_of(HIK_EV_INTRUSION, HIK_STATE_ACTIVE, 1, 1);
    hik_event r2 = ev_of(HIK_EV_INTRUSION, HIK_STATE_ACTIVE, 2, 2);
    assert_int_equal(gw_event_state_update(s, 1, &r1, 1000), GW_EDGE_ACTIVE);
    /* region 2 was never active: its first event counts as a start */
    assert_int_equal(gw_event_state_update(s, 1, &r2, 1500), GW_EDGE_ACTIVE);
    gw_state_key k = {.device_id = 1, .channel = 1, .kind = HIK_EV_INTRUSION, .region = 2};
    assert_true(gw_event_state_is_active(s, &k, 2000));
    k.region = 3;
    assert_false(gw_event_state_is_active(s, &k, 2000));
    /* an event naming both regions repeats only when both are ongoing */
    hik_event both = ev_of(HIK_EV_INTRUSION, HIK_STATE_ACTIVE, 3, 1);
    both.n_regions = 2;
    both.regions[1].id = 2;
    assert_int_equal(gw_event_state_update(s, 1, &both, 2500), GW_EDGE_REPEAT);
    both.regions[1].id = 3;
    assert_int_equal(gw_event_state_update(s, 1, &both, 2600), GW_EDGE_ACTIVE);
    gw_event_state_free(s);
}

static void bounded_least_recently_updated_goes(void **state)
{
    (void)state;
    gw_event_state *s = fresh(16);
    hik_event a = ev_of(HIK_EV_MOTION, HIK_STATE_ACTIVE, 1, 0);
    for (int d = 1; d <= 40; d++)
        gw_event_state_update(s, d, &a, 1000 + d);
    assert_int_equal(gw_event_state_size(s), 16);
    gw_state_key oldest = {.device_id = 1, .channel = 1, .kind = HIK_EV_MOTION};
    gw_state_key newest = {.device_id = 40, .channel = 1, .kind = HIK_EV_MOTION};
    assert_false(gw_event_state_is_active(s, &oldest, 1100));
    assert_true(gw_event_state_is_active(s, &newest, 1100));
    gw_event_state_free(s);
}

static void snapshot_filters(void **state)
{
    (void)state;
    gw_event_state *s = fresh(0);
    hik_event r2 = ev_of(HIK_EV_INTRUSION, HIK_STATE_ACTIVE, 1, 2);
    hik_event m = ev_of(HIK_EV_MOTION, HIK_STATE_ACTIVE, 1, 0);
    hik_event off = ev_of(HIK_EV_MOTION, HIK_STATE_INACTIVE, 0, 0);
    gw_event_state_update(s, 1, &r2, 1000);
    gw_event_state_update(s, 2, &m, 1100);
    gw_event_state_update(s, 2, &off, 1200);
    gw_state_filter f = {.kind = HIK_EV__COUNT, .region = -1};
    json_t *all = gw_event_state_json(s, &f, 1300);
    assert_int_equal(json_array_size(all), 2);
    /* newest first */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(all, 0), "device_id")), 2);
    json_decref(all);
    f.active_only = true;
    json_t *act = gw_event_state_json(s, &f, 1300);
    assert_int_equal(json_array_size(act), 1);
    json_t *one = json_array_get(act, 0);
    assert_string_equal(json_string_value(json_object_get(one, "kind")), "intrusion");
    assert_int_equal(json_integer_value(json_object_get(one, "region")), 2);
    assert_true(json_is_true(json_object_get(one, "active")));
    assert_int_equal(json_integer_value(json_object_get(one, "expires_ms")),
                     1000 + GW_STATE_DEFAULT_EXPIRY_MS);
    json_decref(act);
    f.region = 3;
    json_t *none = gw_event_state_json(s, &f, 1300);
    assert_int_equal(json_array_size(none), 0);
    json_decref(none);
    /* past its expiry it reads inactive even before an expiry scan */
    f.region = 2;
    json_t *later = gw_event_state_json(s, &f, 1000 + GW_STATE_DEFAULT_EXPIRY_MS);
    assert_int_equal(json_array_size(later), 0);
    json_decref(later);
    gw_event_state_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(burst_fires_once),
        cmocka_unit_test(other_devices_channels_and_kinds_are_separate),
        cmocka_unit_test(expiry_ends_state_without_inactive),
        cmocka_unit_test(regions_are_separate_keys),
        cmocka_unit_test(bounded_least_recently_updated_goes),
        cmocka_unit_test(snapshot_filters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
