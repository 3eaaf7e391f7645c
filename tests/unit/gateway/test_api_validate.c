/* test_api_validate.c: what the REST API accepts as a device, action,
 * trigger or scenario (src/gateway/api_validate.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_validate.h"
#include "test_api_stubs.h"

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, 0, &jerr);
    if (!v)
        fail_msg("test JSON does not parse: %s: %s", text, jerr.text);
    return v;
}

static void test_names_count_characters_not_bytes(void **state)
{
    char name[256];
    assert_true(api_valid_name("Gate", 64));
    assert_false(api_valid_name("", 64));
    /* 64 x "é" (2 bytes each): 64 characters, 128 bytes: allowed. */
    name[0] = '\0';
    for (int i = 0; i < 64; i++)
        strcat(name, "\xc3\xa9");
    assert_true(api_valid_name(name, 64));
    strcat(name, "x");
    assert_false(api_valid_name(name, 64));
    /* 64 ASCII characters yes, 65 no. */
    memset(name, 'a', 64);
    name[64] = '\0';
    assert_true(api_valid_name(name, 64));
    name[64] = 'a';
    name[65] = '\0';
    assert_false(api_valid_name(name, 64));
    /* A 4-byte character counts once. */
    assert_true(api_valid_name("\xf0\x9f\x93\xb7 cam", 6));
    /* Broken UTF-8, overlong forms and control characters are refused. */
    assert_false(api_valid_name("bad\xc3", 64));
    assert_false(api_valid_name("\xc0\xaf", 64));
    assert_false(api_valid_name("\xed\xa0\x80", 64)); /* surrogate */
    assert_false(api_valid_name("line\nbreak", 64));
}

static void test_addresses(void **state)
{
    assert_true(api_valid_host("192.168.1.64"));
    assert_true(api_valid_host("127.0.0.1"));
    assert_true(api_valid_host("::1"));
    assert_true(api_valid_host("fe80::2a57:beff:fe01:2345"));
    assert_true(api_valid_host("camera-1.example.org"));
    assert_true(api_valid_host("nvr"));
    assert_true(api_valid_host("4th-floor.lan"));
    assert_false(api_valid_host(""));
    assert_false(api_valid_host("300.1.2.3"));     /* not an address, not a name */
    assert_false(api_valid_host("192.168.1"));     /* all-digit top label */
    assert_false(api_valid_host("[::1]"));         /* brackets belong in URLs */
    assert_false(api_valid_host("-cam.example"));  /* label starts with a dash */
    assert_false(api_valid_host("cam-.example"));  /* label ends with a dash */
    assert_false(api_valid_host("cam..example"));  /* empty label */
    assert_false(api_valid_host("cam.example."));  /* trailing dot: empty label */
    assert_false(api_valid_host("cam_1.example")); /* underscore */
    assert_false(api_valid_host("cam 1"));
    assert_false(api_valid_host("http://cam"));
    char longlabel[80];
    memset(longlabel, 'a', 64);
    longlabel[64] = '\0';
    assert_false(api_valid_host(longlabel)); /* a label is at most 63 */
    longlabel[63] = '\0';
    assert_true(api_valid_host(longlabel));
    char longname[400] = "";
    for (int i = 0; i < 30; i++)
        strcat(longname, "abcdefghi.");
    strcat(longname, "com");
    assert_false(api_valid_host(longname)); /* more than 253 bytes */
}

static void test_device_defaults_and_required_fields(void **state)
{
    api_device_in d;
    api_verr e = {0};
    json_t *o = parse("{\"name\":\"Gate\",\"address\":\"10.0.0.5\",\"password\":\"pw\"}");
    assert_true(api_device_check(o, true, &d, &e));
    assert_int_equal(d.port, 80);
    assert_string_equal(d.scheme, "http");
    assert_string_equal(d.username, "admin");
    assert_false(d.anpr_reverse);
    json_decref(o);

    o = parse("{\"name\":\"Gate\",\"address\":\"10.0.0.5\"}");
    assert_false(api_device_check(o, true, &d, &e));
    assert_string_equal(e.field, "password");
    /* On update the stored password stays: none needed. */
    assert_true(api_device_check(o, false, &d, &e));
    assert_null(d.password);
    json_decref(o);

    const struct {
        const char *json, *field;
    } bad[] = {
        {"{\"address\":\"10.0.0.5\",\"password\":\"p\"}", "name"},
        {"{\"name\":\"\",\"address\":\"10.0.0.5\",\"password\":\"p\"}", "name"},
        {"{\"name\":7,\"address\":\"10.0.0.5\",\"password\":\"p\"}", "name"},
        {"{\"name\":\"G\",\"password\":\"p\"}", "address"},
        {"{\"name\":\"G\",\"address\":\"999.1.1.1\",\"password\":\"p\"}", "address"},
        {"{\"name\":\"G\",\"address\":\"h\",\"port\":0,\"password\":\"p\"}", "port"},
        {"{\"name\":\"G\",\"address\":\"h\",\"port\":65536,\"password\":\"p\"}", "port"},
        {"{\"name\":\"G\",\"address\":\"h\",\"port\":\"80\",\"password\":\"p\"}", "port"},
        {"{\"name\":\"G\",\"address\":\"h\",\"scheme\":\"ftp\",\"password\":\"p\"}", "scheme"},
        {"{\"name\":\"G\",\"address\":\"h\",\"username\":\"\",\"password\":\"p\"}", "username"},
        {"{\"name\":\"G\",\"address\":\"h\",\"password\":\"\"}", "password"},
        {"{\"name\":\"G\",\"address\":\"h\",\"password\":\"p\",\"anpr_reverse\":1}",
         "anpr_reverse"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o = parse(bad[i].json);
        memset(&e, 0, sizeof e);
        if (api_device_check(o, true, &d, &e))
            fail_msg("accepted %s", bad[i].json);
        assert_string_equal(e.field, bad[i].field);
        assert_true(e.msg[0] != '\0');
        json_decref(o);
    }
}

static void test_action_fields(void **state)
{
    api_action_in a;
    api_verr e = {0};
    json_t *o = parse("{\"name\":\"Mask\",\"devices\":[1,2],\"action\":\"privacy_mask.enable\"}");
    assert_true(api_action_check(o, &a, &e));
    assert_string_equal(a.type, "hik");
    assert_int_equal(a.channel, 1);
    assert_int_equal(a.n_devices, 2);
    json_decref(o);
    const struct {
        const char *json, *field;
    } bad[] = {
        {"{\"name\":\"M\",\"devices\":[],\"action\":\"privacy_mask.enable\"}", "devices"},
        {"{\"name\":\"M\",\"action\":\"privacy_mask.enable\"}", "devices"},
        {"{\"name\":\"M\",\"devices\":[1,1],\"action\":\"privacy_mask.enable\"}", "devices"},
        {"{\"name\":\"M\",\"devices\":[\"1\"],\"action\":\"privacy_mask.enable\"}", "devices"},
        {"{\"name\":\"M\",\"devices\":[1],\"action\":\"reboot\"}", "action"},
        {"{\"name\":\"M\",\"devices\":[1]}", "action"},
        {"{\"name\":\"M\",\"devices\":[1],\"action\":\"privacy_mask.enable\",\"channel\":0}",
         "channel"},
        {"{\"name\":\"M\",\"devices\":[1],\"action\":\"privacy_mask.enable\",\"channel\":513}",
         "channel"},
        {"{\"name\":\"M\",\"type\":\"onvif\",\"devices\":[1],\"action\":\"privacy_mask.enable\"}",
         "type"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o = parse(bad[i].json);
        if (api_action_check(o, &a, &e))
            fail_msg("accepted %s", bad[i].json);
        assert_string_equal(e.field, bad[i].field);
        json_decref(o);
    }
}

static void test_trigger_conditions_must_apply_to_the_event(void **state)
{
    api_trigger_in t;
    api_verr e = {0};
    json_t *o = parse("{\"name\":\"Plates\",\"devices\":[1],\"event\":\"anpr\","
                      "\"conditions\":{\"plate\":\"AB123\",\"list\":\"block\"}}");
    assert_true(api_trigger_check(o, &t, &e));
    assert_int_equal(t.kind, HIK_EV_ANPR);
    json_decref(o);

    /* No conditions at all: an empty object is stored. */
    o = parse("{\"name\":\"Motion\",\"devices\":[1],\"event\":\"motion\"}");
    assert_true(api_trigger_check(o, &t, &e));
    assert_true(json_is_object(t.conditions));
    assert_int_equal(json_object_size(t.conditions), 0);
    assert_string_equal(t.fire_on, "active"); /* the start only, by default */
    json_decref(o);

    o = parse("{\"name\":\"Motion\",\"devices\":[1],\"event\":\"motion\",\"fire_on\":\"both\"}");
    assert_true(api_trigger_check(o, &t, &e));
    assert_string_equal(t.fire_on, "both");
    json_decref(o);

    /* A plate condition on a motion trigger names the condition. */
    o = parse("{\"name\":\"M\",\"devices\":[1],\"event\":\"motion\","
              "\"conditions\":{\"plate\":\"AB123\"}}");
    assert_false(api_trigger_check(o, &t, &e));
    assert_string_equal(e.field, "conditions.plate");
    json_decref(o);

    const struct {
        const char *json, *field;
    } bad[] = {
        {"{\"name\":\"M\",\"devices\":[1],\"event\":\"unknown\"}", "event"},
        {"{\"name\":\"M\",\"devices\":[1],\"event\":\"earthquake\"}", "event"},
        {"{\"name\":\"M\",\"devices\":[1]}", "event"},
        {"{\"name\":\"M\",\"devices\":[1],\"event\":\"motion\",\"fire_on\":\"end\"}", "fire_on"},
        {"{\"name\":\"M\",\"devices\":[1],\"event\":\"motion\",\"fire_on\":1}", "fire_on"},
        {"{\"name\":\"M\",\"event\":\"motion\"}", "devices"},
        {"{\"name\":\"M\",\"devices\":[1],\"event\":\"motion\",\"conditions\":[]}", "conditions"},
        {"{\"name\":\"M\",\"devices\":[1],\"event\":\"motion\",\"conditions\":{\"channel\":0}}",
         "conditions.channel"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o = parse(bad[i].json);
        if (api_trigger_check(o, &t, &e))
            fail_msg("accepted %s", bad[i].json);
        assert_string_equal(e.field, bad[i].field);
        json_decref(o);
    }
}

static void test_scenario_fields(void **state)
{
    api_scenario_in s;
    api_verr e = {0};
    json_t *o = parse("{\"name\":\"Night\",\"trigger\":3,\"actions\":[5,4]}");
    assert_true(api_scenario_check(o, &s, &e));
    assert_true(s.enabled);
    assert_int_equal(s.cooldown_s, 0);
    assert_int_equal(s.trigger, 3);
    assert_int_equal(s.n_actions, 2);
    assert_int_equal(s.actions[0], 5); /* order kept */
    json_decref(o);
    const struct {
        const char *json, *field;
    } bad[] = {
        {"{\"name\":\"N\",\"actions\":[1]}", "trigger"},
        {"{\"name\":\"N\",\"trigger\":0,\"actions\":[1]}", "trigger"},
        {"{\"name\":\"N\",\"trigger\":1,\"actions\":[]}", "actions"},
        {"{\"name\":\"N\",\"trigger\":1,\"actions\":[1],\"cooldown_s\":86401}", "cooldown_s"},
        {"{\"name\":\"N\",\"trigger\":1,\"actions\":[1],\"cooldown_s\":-1}", "cooldown_s"},
        {"{\"name\":\"N\",\"trigger\":1,\"actions\":[1],\"enabled\":\"yes\"}", "enabled"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o = parse(bad[i].json);
        if (api_scenario_check(o, &s, &e))
            fail_msg("accepted %s", bad[i].json);
        assert_string_equal(e.field, bad[i].field);
        json_decref(o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_count_characters_not_bytes),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_device_defaults_and_required_fields),
        cmocka_unit_test(test_action_fields),
        cmocka_unit_test(test_trigger_conditions_must_apply_to_the_event),
        cmocka_unit_test(test_scenario_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
