/* api_meta.c: GET /api/v1/meta, what the UI's forms offer: every event
 * kind a trigger accepts with the conditions that apply to it, the
 * conditions' shapes, and the action names.
 *
 * Applicability is not written down twice: each condition is tried on each
 * kind with a valid sample value through the same validation the trigger
 * API uses (gw_rules_validate), and the action list is checked against
 * gw_action_name_valid. */
#include <stdio.h>
#include <string.h>

#include "actions.h"
#include "api_routes.h"
#include "api_validate.h"
#include "hik/event.h"
#include "rules.h"

static const struct {
    const char *name;
    const char *label;
} meta__kind_labels[] = {
    {"motion", "Motion detection"},
    {"intrusion", "Intrusion detection"},
    {"line_crossing", "Line crossing detection"},
    {"region_entrance", "Region entrance detection"},
    {"region_exiting", "Region exiting detection"},
    {"anpr", "Number plate recognition (ANPR)"},
    {"face_recognition", "Face recognition"},
    {"face_capture", "Face capture"},
    {"tamper", "Video tampering"},
    {"video_loss", "Video loss"},
    {"io_alarm", "Alarm input (IO)"},
    {"pir", "PIR alarm"},
    {"illegal_access", "Illegal login"},
    {"device_offline", "Device offline"},
    {"device_online", "Device online"},
    {"audio_exception", "Audio exception"},
    {"disk_full", "Disk full"},
    {"disk_error", "Disk error"},
    {"nic_broken", "Network disconnected"},
    {"ip_conflict", "IP address conflict"},
    {"duration", "Event duration"},
    {"heartbeat", "Heartbeat"},
};

/* The conditions, each with a valid sample value (JSON) for the probe. */
static const struct {
    const char *name;
    const char *sample;
    const char *spec; /* JSON: how the form shows it */
} meta__conditions[] = {
    {"channel", "1", "{\"type\":\"integer\",\"min\":1,\"label\":\"Channel\"}"},
    {"region_id", "1", "{\"type\":\"integer\",\"min\":1,\"label\":\"Region number\"}"},
    {"target", "\"human\"",
     "{\"type\":\"choice\",\"label\":\"Target type\",\"values\":["
     "{\"value\":\"human\",\"label\":\"Human\"},{\"value\":\"vehicle\",\"label\":\"Vehicle\"}]}"},
    {"plate", "\"AB123CD\"", "{\"type\":\"string\",\"max\":32,\"label\":\"Plate number\"}"},
    {"list", "\"allow\"",
     "{\"type\":\"choice\",\"label\":\"List\",\"values\":["
     "{\"value\":\"allow\",\"label\":\"Allow list\"},{\"value\":\"block\",\"label\":\"Block "
     "list\"}]}"},
    {"direction", "\"incoming\"",
     "{\"type\":\"choice\",\"label\":\"Direction\",\"values\":["
     "{\"value\":\"incoming\",\"label\":\"Vehicle is incoming\"},"
     "{\"value\":\"outgoing\",\"label\":\"Vehicle is outgoing\"}]}"},
    {"name", "\"Valentin\"", "{\"type\":\"string\",\"max\":64,\"label\":\"Person's name\"}"},
    {"min_similarity", "70",
     "{\"type\":\"percent\",\"min\":0,\"max\":100,\"default\":70,"
     "\"label\":\"Minimum recognition rate\",\"hint\":\"60-90 % recommended\"}"},
};

static const struct {
    const char *name;
    const char *label;
} meta__actions[] = {
    {GW_ACTION_PRIVACY_MASK_ENABLE, "Enable privacy mask"},
    {GW_ACTION_PRIVACY_MASK_DISABLE, "Disable privacy mask"},
};

static const char *meta__label(const char *kind)
{
    for (size_t i = 0; i < sizeof meta__kind_labels / sizeof meta__kind_labels[0]; i++)
        if (strcmp(meta__kind_labels[i].name, kind) == 0)
            return meta__kind_labels[i].label;
    return kind;
}

static bool meta__applies(hik_event_kind kind, size_t cond)
{
    json_t *c = json_object();
    json_t *v = json_loads(meta__conditions[cond].sample, JSON_DECODE_ANY, NULL);
    char field[64], msg[256];
    bool ok = c && v && json_object_set_new(c, meta__conditions[cond].name, v) == 0 &&
              gw_rules_validate(kind, c, field, sizeof field, msg, sizeof msg) == HIK_OK;
    json_decref(c);
    return ok;
}

static json_t *meta__kinds(void)
{
    json_t *arr = json_array();
    for (int k = 0; k < HIK_EV__COUNT; k++) {
        if (k == HIK_EV_UNKNOWN)
            continue;
        const char *name = hik_event_kind_name((hik_event_kind)k);
        json_t *conds = json_array();
        for (size_t c = 0; c < sizeof meta__conditions / sizeof meta__conditions[0]; c++)
            if (meta__applies((hik_event_kind)k, c))
                json_array_append_new(conds, json_string(meta__conditions[c].name));
        json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:o}", "name", name, "label",
                                             meta__label(name), "regions",
                                             hik_event_kind_has_regions((hik_event_kind)k),
                                             "conditions", conds));
    }
    return arr;
}

static json_t *meta__conds(void)
{
    json_t *o = json_object();
    for (size_t c = 0; c < sizeof meta__conditions / sizeof meta__conditions[0]; c++)
        json_object_set_new(o, meta__conditions[c].name,
                            json_loads(meta__conditions[c].spec, 0, NULL));
    return o;
}

static json_t *meta__action_list(void)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < sizeof meta__actions / sizeof meta__actions[0]; i++)
        if (gw_action_name_valid(meta__actions[i].name))
            json_array_append_new(arr, json_pack("{s:s, s:s}", "name", meta__actions[i].name,
                                                 "label", meta__actions[i].label));
    return arr;
}

void api_meta_get(api_req *rq, api_resp *rs)
{
    api_reply(rs, 200,
              json_pack("{s:o, s:o, s:o, s:[s], s:{s:i, s:i, s:i, s:i}}", "event_kinds",
                        meta__kinds(), "conditions", meta__conds(), "actions", meta__action_list(),
                        "types", "hik", "limits", "name_max", API_NAME_MAX_CHARS, "channel_max",
                        API_CHANNEL_MAX, "cooldown_max_s", API_COOLDOWN_MAX, "username_max",
                        API_USERNAME_MAX_CHARS));
}
