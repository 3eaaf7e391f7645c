/* rules.h: triggers, their conditions, and the scenarios they fire.
 *
 * The index is built from the database (triggers, trigger_devices,
 * scenarios, scenario_actions, action_devices) and swapped in whole under a
 * lock when the configuration changes, so matching an event costs a hash
 * lookup by (device, kind) and a walk over the few triggers found, with no
 * I/O.
 *
 * Trigger conditions are a JSON object; every condition present must hold:
 *   region_id (int >= 1), target ("human"|"vehicle")   region kinds only
 *   plate (string), list ("allow"|"block"),
 *   direction ("incoming"|"outgoing")                   anpr only
 *   name (string), min_similarity (0..100)              face_recognition only
 *   channel (int >= 1)                                  every kind
 * Plates compare case-insensitively ignoring spaces, dashes and dots;
 * face names compare case-insensitively.
 *
 * What fires: the start of something (an `active` that event_state.c
 * judges a new activation). A repeat of an ongoing event never fires. A
 * trigger whose fire_on is "both" also fires on the end: an `inactive`
 * event or the expiry of the state (which the writer turns into a
 * synthetic inactive event). */
#ifndef GW_RULES_H
#define GW_RULES_H

#include <jansson.h>
#include <stdint.h>

#include "event_state.h"
#include "gateway.h"
#include "hik/event.h"

#define GW_RULES_MAX_FIRED 64

/* One action to run on one device because a scenario fired. */
typedef struct gw_fired {
    int64_t scenario_id;
    int64_t action_id;
    int64_t device_id;
    char action[48];
    int channel; /* the action's channel parameter */
} gw_fired;

typedef struct gw_rules gw_rules;

hik_err gw_rules_new(gw_rules **out);
void gw_rules_free(gw_rules *r);
/* Rebuild the index from the database (takes the store lock itself). */
hik_err gw_rules_reload(gw_rules *r, gw_store *st);

/* Validate a trigger's conditions for an event kind. On failure returns
 * HIK_ERR_INVALID and names the offending field ("conditions.plate") and a
 * sentence in `field`/`msg`. */
hik_err gw_rules_validate(hik_event_kind kind, json_t *conditions, char *field, size_t field_len,
                          char *msg, size_t msg_len);

/* Does one trigger's condition set hold for the event? (exposed for tests) */
typedef struct gw_conditions gw_conditions;

/* Match an event from device_id. Fills up to max entries of `out` (one per
 * scenario x action x action-device) and returns how many; scenarios in
 * their cooldown window (now_ms) are skipped and the others are marked as
 * fired at now_ms. */
size_t gw_rules_match(gw_rules *r, int64_t device_id, const hik_event *ev, int64_t now_ms,
                      gw_fired *out, size_t max);

/* gw_rules_match for an event whose edge event_state.c already judged:
 * GW_EDGE_ACTIVE fires every matching trigger, GW_EDGE_INACTIVE only those
 * with fire_on "both", GW_EDGE_REPEAT and GW_EDGE_NONE nothing.
 * gw_rules_match is this with the edge read from the event's own state
 * (active or unknown: ACTIVE; inactive: INACTIVE). */
size_t gw_rules_match_edge(gw_rules *r, int64_t device_id, const hik_event *ev, gw_edge edge,
                           int64_t now_ms, gw_fired *out, size_t max);

/* Does some trigger with fire_on "both" (used by an enabled scenario)
 * watch this device and kind? The writer asks before it turns an expiry
 * into a synthetic inactive event. */
/* Kinds hikgate raises about itself (unauthorized_source): a trigger on one
 * has gateway scope: it matches those events, which belong to no device,
 * whatever its `devices` list says (an empty list is the usual form). */
bool gw_rules_gateway_kind(hik_event_kind kind);

bool gw_rules_wants_inactive(gw_rules *r, int64_t device_id, hik_event_kind kind);

/* "active" or "both": the values of a trigger's fire_on. */
bool gw_rules_fire_on_valid(const char *fire_on);

#endif
