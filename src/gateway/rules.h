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
 * face names compare case-insensitively. */
#ifndef GW_RULES_H
#define GW_RULES_H

#include <jansson.h>
#include <stdint.h>

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
hik_err gw_rules_validate(hik_event_kind kind, json_t *conditions, char *field,
                          size_t field_len, char *msg, size_t msg_len);

/* Does one trigger's condition set hold for the event? (exposed for tests) */
typedef struct gw_conditions gw_conditions;

/* Match an event from device_id. Fills up to max entries of `out` (one per
 * scenario x action x action-device) and returns how many; scenarios in
 * their cooldown window (now_ms) are skipped and the others are marked as
 * fired at now_ms. */
size_t gw_rules_match(gw_rules *r, int64_t device_id, const hik_event *ev, int64_t now_ms,
                      gw_fired *out, size_t max);

#endif
