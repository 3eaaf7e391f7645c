/* Tests for src/gateway/rules.c: conditions, the (device, kind) index,
 * scenarios, cooldown, and validation. A real SQLite database in a
 * temporary directory holds the configuration the index is built from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules.h"
#include "store.h"

typedef struct fixture {
    char dir[64];
    gw_store *st;
    gw_rules *rules;
} fixture;

static void exec(gw_store *st, const char *sql)
{
    assert_int_equal(gw_store_exec(st, sql), HIK_OK);
}

/* Devices 1 (lobby) and 2 (gate); action 1 masks device 1 channel 1,
 * action 2 masks device 2 channel 3. */
static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/hikgate-test-rules-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    char err[256];
    assert_int_equal(gw_store_open(f->dir, false, &f->st, err, sizeof err), HIK_OK);
    exec(f->st, "INSERT INTO devices(id,name,address,password,created_ms,updated_ms) VALUES"
                "(1,'lobby','127.0.0.2','x',0,0),(2,'gate','127.0.0.3','x',0,0);"
                "INSERT INTO actions(id,name,type,action,params,created_ms,updated_ms) VALUES"
                "(1,'mask lobby','hik','privacy_mask.enable','{\"channel\":1}',0,0),"
                "(2,'mask gate','hik','privacy_mask.enable','{\"channel\":3}',0,0);"
                "INSERT INTO action_devices VALUES(1,1),(2,2);");
    assert_int_equal(gw_rules_new(&f->rules), HIK_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    gw_rules_free(f->rules);
    gw_store_close(f->st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* One trigger on device 1 for `event` with `conds`, one scenario firing
 * action 1, cooldown `cooldown` seconds. */
static void one_rule(fixture *f, const char *event, const char *conds, int cooldown)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT INTO triggers(id,name,type,event,conditions,created_ms,updated_ms) "
             "VALUES(1,'t','hik','%s','%s',0,0);"
             "INSERT INTO trigger_devices VALUES(1,1);"
             "INSERT INTO scenarios(id,name,trigger_id,enabled,cooldown_s,created_ms,updated_ms)"
             " VALUES(1,'s',1,1,%d,0,0);"
             "INSERT INTO scenario_actions VALUES(1,1,0);",
             event, conds, cooldown);
    exec(f->st, sql);
    assert_int_equal(gw_rules_reload(f->rules, f->st), HIK_OK);
}

static hik_event region_event(hik_event_kind kind, int region, hik_target target)
{
    hik_event ev;
    hik_event_init(&ev);
    ev.kind = kind;
    ev.state = HIK_STATE_ACTIVE;
    ev.channel = 1;
    ev.n_regions = 1;
    ev.regions[0].id = region;
    ev.regions[0].target = target;
    return ev;
}

static size_t fires(fixture *f, int64_t device, const hik_event *ev, int64_t now)
{
    gw_fired out[8];
    return gw_rules_match(f->rules, device, ev, now, out, 8);
}

static void intrusion_region_and_target(void **state)
{
    fixture *f = *state;
    one_rule(f, "intrusion", "{\"region_id\":2,\"target\":\"human\"}", 0);
    hik_event ev = region_event(HIK_EV_INTRUSION, 2, HIK_TARGET_HUMAN);
    gw_fired out[8];
    assert_int_equal(gw_rules_match(f->rules, 1, &ev, 1000, out, 8), 1);
    assert_int_equal(out[0].action_id, 1);
    assert_int_equal(out[0].device_id, 1);
    assert_int_equal(out[0].channel, 1);
    assert_string_equal(out[0].action, "privacy_mask.enable");

    hik_event vehicle = region_event(HIK_EV_INTRUSION, 2, HIK_TARGET_VEHICLE);
    assert_int_equal(fires(f, 1, &vehicle, 2000), 0);
    hik_event region1 = region_event(HIK_EV_INTRUSION, 1, HIK_TARGET_HUMAN);
    assert_int_equal(fires(f, 1, &region1, 3000), 0);
    hik_event other_kind = region_event(HIK_EV_LINE_CROSSING, 2, HIK_TARGET_HUMAN);
    assert_int_equal(fires(f, 1, &other_kind, 4000), 0);
    assert_int_equal(fires(f, 2, &ev, 5000), 0); /* another device */
    assert_int_equal(fires(f, 0, &ev, 6000), 0); /* unattributed */
}

static void region_target_from_event_level(void **state)
{
    fixture *f = *state;
    one_rule(f, "intrusion", "{\"region_id\":2,\"target\":\"vehicle\"}", 0);
    hik_event ev = region_event(HIK_EV_INTRUSION, 2, HIK_TARGET_ANY);
    ev.target = HIK_TARGET_VEHICLE; /* targetType outside the region list */
    assert_int_equal(fires(f, 1, &ev, 1), 1);
    ev.target = HIK_TARGET_HUMAN;
    assert_int_equal(fires(f, 1, &ev, 2), 0);
}

static void several_regions_any_matches(void **state)
{
    fixture *f = *state;
    one_rule(f, "region_entrance", "{\"region_id\":3}", 0);
    hik_event ev = region_event(HIK_EV_REGION_ENTRANCE, 1, HIK_TARGET_HUMAN);
    ev.n_regions = 2;
    ev.regions[1].id = 3;
    assert_int_equal(fires(f, 1, &ev, 1), 1);
}

static void inactive_and_heartbeat_never_fire(void **state)
{
    fixture *f = *state;
    one_rule(f, "motion", "{}", 0);
    hik_event ev;
    hik_event_init(&ev);
    ev.kind = HIK_EV_MOTION;
    ev.state = HIK_STATE_ACTIVE;
    assert_int_equal(fires(f, 1, &ev, 1), 1);
    ev.state = HIK_STATE_INACTIVE;
    assert_int_equal(fires(f, 1, &ev, 2), 0);
    ev.state = HIK_STATE_ACTIVE;
    ev.heartbeat = true;
    assert_int_equal(fires(f, 1, &ev, 3), 0);
}

/* The edge decides: a repeat never fires; fire_on "both" also fires on
 * the end (an inactive event, or the expiry the writer turns into one). */
static void edges_and_fire_on(void **state)
{
    fixture *f = *state;
    one_rule(f, "motion", "{}", 0);
    gw_fired out[8];
    hik_event ev;
    hik_event_init(&ev);
    ev.kind = HIK_EV_MOTION;
    ev.state = HIK_STATE_ACTIVE;
    assert_int_equal(gw_rules_match_edge(f->rules, 1, &ev, GW_EDGE_ACTIVE, 1, out, 8), 1);
    assert_int_equal(gw_rules_match_edge(f->rules, 1, &ev, GW_EDGE_REPEAT, 2, out, 8), 0);
    assert_int_equal(gw_rules_match_edge(f->rules, 1, &ev, GW_EDGE_NONE, 3, out, 8), 0);
    ev.state = HIK_STATE_INACTIVE;
    assert_int_equal(gw_rules_match_edge(f->rules, 1, &ev, GW_EDGE_INACTIVE, 4, out, 8), 0);
    assert_false(gw_rules_wants_inactive(f->rules, 1, HIK_EV_MOTION));

    exec(f->st, "UPDATE triggers SET fire_on = 'both' WHERE id = 1");
    assert_int_equal(gw_rules_reload(f->rules, f->st), HIK_OK);
    assert_true(gw_rules_wants_inactive(f->rules, 1, HIK_EV_MOTION));
    assert_false(gw_rules_wants_inactive(f->rules, 2, HIK_EV_MOTION));
    assert_false(gw_rules_wants_inactive(f->rules, 1, HIK_EV_INTRUSION));
    assert_int_equal(gw_rules_match_edge(f->rules, 1, &ev, GW_EDGE_INACTIVE, 5, out, 8), 1);
    assert_int_equal(out[0].action_id, 1);
    /* the event's own state, for callers that track none */
    assert_int_equal(fires(f, 1, &ev, 6), 1);
    ev.state = HIK_STATE_ACTIVE;
    assert_int_equal(gw_rules_match_edge(f->rules, 1, &ev, GW_EDGE_REPEAT, 7, out, 8), 0);
    assert_true(gw_rules_fire_on_valid("both"));
    assert_true(gw_rules_fire_on_valid("active"));
    assert_false(gw_rules_fire_on_valid("inactive"));
    assert_false(gw_rules_fire_on_valid(NULL));
}

static void anpr_plate_list_direction(void **state)
{
    fixture *f = *state;
    one_rule(f, "anpr", "{\"plate\":\"ab-123 cd\",\"list\":\"allow\",\"direction\":\"incoming\"}",
             0);
    hik_event ev;
    hik_event_init(&ev);
    ev.kind = HIK_EV_ANPR;
    ev.state = HIK_STATE_ACTIVE;
    snprintf(ev.plate, sizeof ev.plate, "AB123CD");
    ev.list = HIK_LIST_ALLOW;
    ev.direction = HIK_DIR_INCOMING;
    assert_int_equal(fires(f, 1, &ev, 1), 1);
    ev.direction = HIK_DIR_OUTGOING;
    assert_int_equal(fires(f, 1, &ev, 2), 0);
    ev.direction = HIK_DIR_INCOMING;
    ev.list = HIK_LIST_BLOCK;
    assert_int_equal(fires(f, 1, &ev, 3), 0);
    ev.list = HIK_LIST_ALLOW;
    snprintf(ev.plate, sizeof ev.plate, "AB123CE");
    assert_int_equal(fires(f, 1, &ev, 4), 0);
}

static void face_name_and_similarity(void **state)
{
    fixture *f = *state;
    one_rule(f, "face_recognition", "{\"name\":\"Valentin\",\"min_similarity\":70}", 0);
    hik_event ev;
    hik_event_init(&ev);
    ev.kind = HIK_EV_FACE_RECOGNITION;
    ev.state = HIK_STATE_ACTIVE;
    ev.n_candidates = 2;
    snprintf(ev.candidates[0].name, sizeof ev.candidates[0].name, "Alice");
    ev.candidates[0].similarity = 95;
    snprintf(ev.candidates[1].name, sizeof ev.candidates[1].name, "valentin");
    ev.candidates[1].similarity = 70;
    assert_int_equal(fires(f, 1, &ev, 1), 1); /* exactly the minimum passes */
    ev.candidates[1].similarity = 69.5;
    assert_int_equal(fires(f, 1, &ev, 2), 0);
    ev.n_candidates = 0;
    assert_int_equal(fires(f, 1, &ev, 3), 0);
}

static void channel_condition(void **state)
{
    fixture *f = *state;
    one_rule(f, "tamper", "{\"channel\":2}", 0);
    hik_event ev;
    hik_event_init(&ev);
    ev.kind = HIK_EV_TAMPER;
    ev.state = HIK_STATE_ACTIVE;
    ev.channel = 1;
    assert_int_equal(fires(f, 1, &ev, 1), 0);
    ev.channel = 2;
    assert_int_equal(fires(f, 1, &ev, 2), 1);
}

static void cooldown_and_disabled(void **state)
{
    fixture *f = *state;
    one_rule(f, "motion", "{}", 10);
    hik_event ev;
    hik_event_init(&ev);
    ev.kind = HIK_EV_MOTION;
    ev.state = HIK_STATE_ACTIVE;
    assert_int_equal(fires(f, 1, &ev, 100000), 1);
    assert_int_equal(fires(f, 1, &ev, 105000), 0); /* within 10 s */
    assert_int_equal(fires(f, 1, &ev, 110000), 1);
    exec(f->st, "UPDATE scenarios SET enabled=0");
    assert_int_equal(gw_rules_reload(f->rules, f->st), HIK_OK);
    assert_int_equal(fires(f, 1, &ev, 200000), 0);
}

static void one_scenario_many_actions(void **state)
{
    fixture *f = *state;
    one_rule(f, "motion", "{}", 0);
    exec(f->st, "INSERT INTO scenario_actions VALUES(1,2,1)");
    assert_int_equal(gw_rules_reload(f->rules, f->st), HIK_OK);
    hik_event ev;
    hik_event_init(&ev);
    ev.kind = HIK_EV_MOTION;
    ev.state = HIK_STATE_ACTIVE;
    gw_fired out[8];
    assert_int_equal(gw_rules_match(f->rules, 1, &ev, 1, out, 8), 2);
    assert_int_equal(out[0].device_id, 1);
    assert_int_equal(out[1].device_id, 2);
    assert_int_equal(out[1].channel, 3);
}

static void expect_invalid(hik_event_kind kind, const char *json, const char *field)
{
    char fbuf[64] = "", msg[192] = "";
    json_t *c = json_loads(json, 0, NULL);
    assert_non_null(c);
    assert_int_equal(gw_rules_validate(kind, c, fbuf, sizeof fbuf, msg, sizeof msg),
                     HIK_ERR_INVALID);
    assert_string_equal(fbuf, field);
    assert_true(strlen(msg) > 0);
    json_decref(c);
}

static void validation(void **state)
{
    (void)state;
    char fbuf[64], msg[192];
    json_t *ok = json_loads("{\"region_id\":2,\"target\":\"human\",\"channel\":1}", 0, NULL);
    assert_int_equal(gw_rules_validate(HIK_EV_INTRUSION, ok, fbuf, 64, msg, 192), HIK_OK);
    json_decref(ok);
    expect_invalid(HIK_EV_INTRUSION, "{\"plate\":\"AB\"}", "conditions.plate");
    expect_invalid(HIK_EV_MOTION, "{\"region_id\":1}", "conditions.region_id");
    expect_invalid(HIK_EV_ANPR, "{\"min_similarity\":50}", "conditions.min_similarity");
    expect_invalid(HIK_EV_FACE_RECOGNITION, "{\"min_similarity\":101}",
                   "conditions.min_similarity");
    expect_invalid(HIK_EV_INTRUSION, "{\"target\":\"cat\"}", "conditions.target");
    expect_invalid(HIK_EV_ANPR, "{\"list\":\"white\"}", "conditions.list");
    expect_invalid(HIK_EV_ANPR, "{\"direction\":\"up\"}", "conditions.direction");
    expect_invalid(HIK_EV_INTRUSION, "{\"region_id\":0}", "conditions.region_id");
    expect_invalid(HIK_EV_INTRUSION, "{\"colour\":\"red\"}", "conditions.colour");
    expect_invalid(HIK_EV_ANPR, "{\"plate\":\" - \"}", "conditions.plate");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(intrusion_region_and_target, setup, teardown),
        cmocka_unit_test_setup_teardown(region_target_from_event_level, setup, teardown),
        cmocka_unit_test_setup_teardown(several_regions_any_matches, setup, teardown),
        cmocka_unit_test_setup_teardown(inactive_and_heartbeat_never_fire, setup, teardown),
        cmocka_unit_test_setup_teardown(edges_and_fire_on, setup, teardown),
        cmocka_unit_test_setup_teardown(anpr_plate_list_direction, setup, teardown),
        cmocka_unit_test_setup_teardown(face_name_and_similarity, setup, teardown),
        cmocka_unit_test_setup_teardown(channel_condition, setup, teardown),
        cmocka_unit_test_setup_teardown(cooldown_and_disabled, setup, teardown),
        cmocka_unit_test_setup_teardown(one_scenario_many_actions, setup, teardown),
        cmocka_unit_test(validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
