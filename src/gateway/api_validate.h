/* api_validate.h: the shape of each resource the API accepts.
 *
 * Pure functions (no database): they check a JSON object, after a PUT's
 * fields were merged over the stored ones, as a whole, and fill a plain
 * struct whose strings point into that object. The handlers then check
 * what needs the database (ids exist, names are free). On failure the
 * api_verr names the field at fault and says why in a sentence. */
#ifndef GW_API_VALIDATE_H
#define GW_API_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hik/event.h"

#define API_NAME_MAX_CHARS 64
#define API_HOST_MAX 253
#define API_USERNAME_MAX_CHARS 32
#define API_DEVICE_PASSWORD_MAX 128
#define API_IDS_MAX 256
#define API_CHANNEL_MAX 512
#define API_COOLDOWN_MAX 86400

typedef struct api_verr {
    char field[96];
    char msg[256];
} api_verr;

typedef struct api_device_in {
    const char *name, *address, *scheme, *username;
    const char *password; /* NULL when not given (update keeps the old one) */
    int port;
    bool anpr_reverse;
    const char *delivery; /* push (default), pull (alertStream) or both */
} api_device_in;

typedef struct api_action_in {
    const char *name, *type, *action;
    int64_t devices[API_IDS_MAX];
    size_t n_devices;
    int channel;
} api_action_in;

typedef struct api_trigger_in {
    const char *name, *type, *event;
    hik_event_kind kind;
    int64_t devices[API_IDS_MAX];
    size_t n_devices;
    json_t *conditions;  /* borrowed; an object (empty when not given) */
    const char *fire_on; /* "active" (default) or "both": also the inactive edge */
} api_trigger_in;

typedef struct api_scenario_in {
    const char *name;
    int64_t trigger;
    int64_t actions[API_IDS_MAX];
    size_t n_actions;
    bool enabled;
    int cooldown_s;
} api_scenario_in;

/* A display name: valid UTF-8, 1..max_chars characters (not bytes), no
 * control characters. */
bool api_valid_name(const char *s, size_t max_chars);
/* An IPv4 address, an IPv6 address (bare, no brackets) or a host name
 * (RFC 1123 labels, at most 253 bytes, top label not all digits). */
bool api_valid_host(const char *s);

/* Conditions of a trigger on `event` (a kind name, "unknown" excluded). */
bool api_valid_conditions(const char *event, json_t *conditions, api_verr *e);

/* Whole-resource checks. `creating` makes the create-only requirements
 * (device password) apply. Defaults are filled in for absent fields. */
bool api_device_check(json_t *obj, bool creating, api_device_in *out, api_verr *e);
bool api_action_check(json_t *obj, api_action_in *out, api_verr *e);
bool api_trigger_check(json_t *obj, api_trigger_in *out, api_verr *e);
bool api_scenario_check(json_t *obj, api_scenario_in *out, api_verr *e);

#endif
