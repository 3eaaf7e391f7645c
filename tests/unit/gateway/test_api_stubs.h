/* test_api_stubs.h: stand-ins for the gateway modules the API calls but
 * that these unit tests do not exercise (rules, actions, secrets, config,
 * libhik's event names). They are weak: when the real module is linked, it
 * wins. The condition rules follow the contract in rules.h. */
#ifndef TEST_API_STUBS_H
#define TEST_API_STUBS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "actions.h"
#include "config.h"
#include "gateway.h"
#include "hik/event.h"
#include "rules.h"
#include "secrets.h"

static const char *const stub_kind_names[HIK_EV__COUNT] = {
    "unknown",       "motion",           "intrusion",
    "line_crossing", "region_entrance",  "region_exiting",
    "anpr",          "face_recognition", "face_capture",
    "tamper",        "video_loss",       "io_alarm",
    "pir",           "illegal_access",   "device_offline",
    "device_online", "audio_exception",  "disk_full",
    "disk_error",    "nic_broken",       "ip_conflict",
    "duration",      "heartbeat",
};

__attribute__((weak)) hik_event_kind hik_event_kind_from_name(const char *name)
{
    for (int i = 0; i < HIK_EV__COUNT; i++)
        if (strcmp(stub_kind_names[i], name) == 0)
            return (hik_event_kind)i;
    return HIK_EV__COUNT;
}

__attribute__((weak)) bool gw_action_name_valid(const char *name)
{
    return strcmp(name, GW_ACTION_PRIVACY_MASK_ENABLE) == 0 ||
           strcmp(name, GW_ACTION_PRIVACY_MASK_DISABLE) == 0;
}

__attribute__((weak)) hik_err gw_rules_validate(hik_event_kind kind, json_t *conditions,
                                                char *field, size_t field_len, char *msg,
                                                size_t msg_len)
{
    const char *key;
    json_t *v;
    bool regions = kind >= HIK_EV_INTRUSION && kind <= HIK_EV_REGION_EXITING;
    json_object_foreach(conditions, key, v)
    {
        bool ok = strcmp(key, "channel") == 0 ||
                  (regions && (strcmp(key, "region_id") == 0 || strcmp(key, "target") == 0)) ||
                  (kind == HIK_EV_ANPR && (strcmp(key, "plate") == 0 || strcmp(key, "list") == 0 ||
                                           strcmp(key, "direction") == 0)) ||
                  (kind == HIK_EV_FACE_RECOGNITION &&
                   (strcmp(key, "name") == 0 || strcmp(key, "min_similarity") == 0));
        if (!ok) {
            snprintf(field, field_len, "conditions.%s", key);
            snprintf(msg, msg_len, "condition %s does not apply to this event", key);
            return HIK_ERR_INVALID;
        }
        if (strcmp(key, "channel") == 0 && (!json_is_integer(v) || json_integer_value(v) < 1)) {
            snprintf(field, field_len, "conditions.channel");
            snprintf(msg, msg_len, "channel must be an integer >= 1");
            return HIK_ERR_INVALID;
        }
    }
    return HIK_OK;
}

#endif
