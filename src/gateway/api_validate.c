/* api_validate.c: field and resource checks for the REST API. See
 * api_validate.h. Messages are written for the person filling a form: they
 * say what is wrong and what would be right. */
#include "api_validate.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "actions.h"
#include "api_codec.h"
#include "rules.h"

static bool val__fail(api_verr *e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool val__fail(api_verr *e, const char *field, const char *fmt, ...)
{
    snprintf(e->field, sizeof e->field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return false;
}

bool api_valid_name(const char *s, size_t max_chars)
{
    size_t chars;
    size_t len = strlen(s);
    if (!api_utf8_valid((const uint8_t *)s, len, &chars) || chars < 1 || chars > max_chars)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

static bool val__label(const char *s, size_t len)
{
    if (len < 1 || len > 63 || s[0] == '-' || s[len - 1] == '-')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-')
            return false;
    return true;
}

bool api_valid_host(const char *s)
{
    unsigned char buf[16];
    size_t len = strlen(s);
    if (len == 0 || len > API_HOST_MAX)
        return false;
    if (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1)
        return true;
    const char *label = s, *last = s;
    for (;;) {
        const char *dot = strchr(label, '.');
        size_t n = dot ? (size_t)(dot - label) : strlen(label);
        if (!val__label(label, n))
            return false;
        last = label;
        if (!dot)
            break;
        label = dot + 1;
    }
    /* "300.1.2.3" is neither an address nor a name: a top label of digits
     * only is never a host name. */
    for (const char *p = last; *p; p++)
        if (!isdigit((unsigned char)*p))
            return true;
    return false;
}

/* ------------------------------------------------------------ json fields */

/* A string field: absent -> *out = dflt; present must be a string without
 * NUL bytes. */
static bool val__string(json_t *obj, const char *key, const char *dflt, const char **out,
                        api_verr *e)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        *out = dflt;
        return true;
    }
    if (!json_is_string(v))
        return val__fail(e, key, "%s must be a string", key);
    if (strlen(json_string_value(v)) != json_string_length(v))
        return val__fail(e, key, "%s must not contain NUL characters", key);
    *out = json_string_value(v);
    return true;
}

static bool val__required_name(json_t *obj, const char **out, api_verr *e)
{
    if (!val__string(obj, "name", NULL, out, e))
        return false;
    if (!*out)
        return val__fail(e, "name", "name is required");
    if (!api_valid_name(*out, API_NAME_MAX_CHARS))
        return val__fail(e, "name", "name must be 1 to %d characters, without control characters",
                         API_NAME_MAX_CHARS);
    return true;
}

static bool val__int(json_t *obj, const char *key, long long dflt, long long min, long long max,
                     long long *out, api_verr *e)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        *out = dflt;
        return true;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return val__fail(e, key, "%s must be an integer from %lld to %lld", key, min, max);
    *out = json_integer_value(v);
    return true;
}

static bool val__bool(json_t *obj, const char *key, bool dflt, bool *out, api_verr *e)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        *out = dflt;
        return true;
    }
    if (!json_is_boolean(v))
        return val__fail(e, key, "%s must be true or false", key);
    *out = json_is_true(v);
    return true;
}

/* A non-empty array of distinct positive ids. */
static bool val__ids(json_t *obj, const char *key, int64_t *ids, size_t *n, api_verr *e)
{
    json_t *v = json_object_get(obj, key);
    *n = 0;
    if (!v || json_is_null(v))
        return val__fail(e, key, "%s is required: a list of at least one id", key);
    if (!json_is_array(v) || json_array_size(v) == 0)
        return val__fail(e, key, "%s must be a list of at least one id", key);
    if (json_array_size(v) > API_IDS_MAX)
        return val__fail(e, key, "%s may hold at most %d ids", key, API_IDS_MAX);
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        if (!json_is_integer(item) || json_integer_value(item) < 1)
            return val__fail(e, key, "%s must hold positive integer ids", key);
        int64_t id = json_integer_value(item);
        for (size_t j = 0; j < *n; j++)
            if (ids[j] == id)
                return val__fail(e, key, "%s lists id %lld twice", key, (long long)id);
        ids[(*n)++] = id;
    }
    return true;
}

static bool val__type_hik(json_t *obj, const char **type, api_verr *e)
{
    if (!val__string(obj, "type", "hik", type, e))
        return false;
    if (strcmp(*type, "hik") != 0)
        return val__fail(e, "type", "type must be \"hik\"");
    return true;
}

/* ------------------------------------------------------------- resources */

static bool val__device_password(json_t *obj, bool creating, api_device_in *out, api_verr *e)
{
    if (!val__string(obj, "password", NULL, &out->password, e))
        return false;
    if (!out->password && creating)
        return val__fail(e, "password", "password is required");
    if (out->password &&
        (out->password[0] == '\0' || strlen(out->password) > API_DEVICE_PASSWORD_MAX))
        return val__fail(e, "password", "password must be 1 to %d bytes", API_DEVICE_PASSWORD_MAX);
    return true;
}

bool api_device_check(json_t *obj, bool creating, api_device_in *out, api_verr *e)
{
    long long port;
    memset(out, 0, sizeof *out);
    if (!val__required_name(obj, &out->name, e) ||
        !val__string(obj, "address", NULL, &out->address, e))
        return false;
    if (!out->address)
        return val__fail(e, "address", "address is required");
    if (!api_valid_host(out->address))
        return val__fail(e, "address",
                         "address must be an IPv4 address, an IPv6 address or a host name");
    if (!val__int(obj, "port", 80, 1, 65535, &port, e))
        return false;
    out->port = (int)port;
    if (!val__string(obj, "scheme", "http", &out->scheme, e))
        return false;
    if (strcmp(out->scheme, "http") != 0 && strcmp(out->scheme, "https") != 0)
        return val__fail(e, "scheme", "scheme must be \"http\" or \"https\"");
    if (!val__string(obj, "username", "admin", &out->username, e))
        return false;
    if (!api_valid_name(out->username, API_USERNAME_MAX_CHARS))
        return val__fail(e, "username", "username must be 1 to %d characters",
                         API_USERNAME_MAX_CHARS);
    if (!val__device_password(obj, creating, out, e) ||
        !val__bool(obj, "anpr_reverse", false, &out->anpr_reverse, e) ||
        !val__string(obj, "delivery", "push", &out->delivery, e))
        return false;
    if (strcmp(out->delivery, "push") && strcmp(out->delivery, "pull") &&
        strcmp(out->delivery, "both"))
        return val__fail(e, "delivery",
                         "delivery must be \"push\" (the camera posts events), \"pull\" "
                         "(hikgate holds an alertStream) or \"both\"");
    return true;
}

bool api_action_check(json_t *obj, api_action_in *out, api_verr *e)
{
    long long channel;
    memset(out, 0, sizeof *out);
    if (!val__required_name(obj, &out->name, e) || !val__type_hik(obj, &out->type, e) ||
        !val__ids(obj, "devices", out->devices, &out->n_devices, e) ||
        !val__string(obj, "action", NULL, &out->action, e))
        return false;
    if (!out->action)
        return val__fail(e, "action", "action is required (%s or %s)",
                         GW_ACTION_PRIVACY_MASK_ENABLE, GW_ACTION_PRIVACY_MASK_DISABLE);
    if (!gw_action_name_valid(out->action))
        return val__fail(e, "action", "action must be one of %s, %s", GW_ACTION_PRIVACY_MASK_ENABLE,
                         GW_ACTION_PRIVACY_MASK_DISABLE);
    if (!val__int(obj, "channel", 1, 1, API_CHANNEL_MAX, &channel, e))
        return false;
    out->channel = (int)channel;
    return true;
}

bool api_valid_conditions(const char *event, json_t *conditions, api_verr *e)
{
    hik_event_kind kind = hik_event_kind_from_name(event);
    if (kind == HIK_EV__COUNT || kind == HIK_EV_UNKNOWN)
        return val__fail(e, "event", "event \"%s\" is not a known event kind", event);
    if (!json_is_object(conditions))
        return val__fail(e, "conditions", "conditions must be an object");
    if (gw_rules_validate(kind, conditions, e->field, sizeof e->field, e->msg, sizeof e->msg)) {
        if (!e->field[0])
            snprintf(e->field, sizeof e->field, "conditions");
        if (!e->msg[0])
            snprintf(e->msg, sizeof e->msg, "conditions do not apply to event %s", event);
        return false;
    }
    return true;
}

/* A trigger on a gateway kind (rules.h) may list no devices. */
static bool val__trigger_devices(json_t *obj, api_trigger_in *out, api_verr *e)
{
    const char *event = json_string_value(json_object_get(obj, "event"));
    json_t *v = json_object_get(obj, "devices");
    if (event && gw_rules_gateway_kind(hik_event_kind_from_name(event)) &&
        (!v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0))) {
        out->n_devices = 0;
        return true;
    }
    return val__ids(obj, "devices", out->devices, &out->n_devices, e);
}

bool api_trigger_check(json_t *obj, api_trigger_in *out, api_verr *e)
{
    memset(out, 0, sizeof *out);
    if (!val__required_name(obj, &out->name, e) || !val__type_hik(obj, &out->type, e) ||
        !val__trigger_devices(obj, out, e) || !val__string(obj, "event", NULL, &out->event, e))
        return false;
    if (!out->event)
        return val__fail(e, "event", "event is required (an event kind such as \"motion\")");
    json_t *c = json_object_get(obj, "conditions");
    if (!c || json_is_null(c)) {
        c = json_object();
        if (!c)
            return val__fail(e, "conditions", "out of memory");
        json_object_set_new(obj, "conditions", c);
    }
    e->field[0] = e->msg[0] = '\0';
    if (!api_valid_conditions(out->event, c, e))
        return false;
    out->kind = hik_event_kind_from_name(out->event);
    out->conditions = c;
    if (!val__string(obj, "fire_on", "active", &out->fire_on, e))
        return false;
    if (!gw_rules_fire_on_valid(out->fire_on))
        return val__fail(e, "fire_on",
                         "fire_on must be \"active\" (the start of an event) or \"both\" (its "
                         "start and its end, an inactive event or the expiry of its state)");
    return true;
}

bool api_scenario_check(json_t *obj, api_scenario_in *out, api_verr *e)
{
    long long trigger, cooldown;
    memset(out, 0, sizeof *out);
    if (!val__required_name(obj, &out->name, e))
        return false;
    json_t *t = json_object_get(obj, "trigger");
    if (!t || json_is_null(t))
        return val__fail(e, "trigger", "trigger is required: the id of a trigger");
    if (!val__int(obj, "trigger", 0, 1, INT64_MAX, &trigger, e) ||
        !val__ids(obj, "actions", out->actions, &out->n_actions, e) ||
        !val__bool(obj, "enabled", true, &out->enabled, e) ||
        !val__int(obj, "cooldown_s", 0, 0, API_COOLDOWN_MAX, &cooldown, e))
        return false;
    out->trigger = trigger;
    out->cooldown_s = (int)cooldown;
    return true;
}
