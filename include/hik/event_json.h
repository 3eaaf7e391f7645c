/* event_json.h: a canonical event as the API's JSON object. */
#ifndef HIK_EVENT_JSON_H
#define HIK_EVENT_JSON_H

#include <jansson.h>

#include "hik/event.h"

/* The parsed fields of `ev` as a new JSON object (caller owns the ref):
 * kind, type, state, channel, dyn_channel, active_post_count, date_time,
 * ip_address, mac, serial, ..., regions [{id, target, sensitivity, rect}],
 * anpr {plate, list, direction, ...}, face {candidates [...]}, io_port,
 * heartbeat. Fields that were absent are omitted. Pictures and the raw
 * document are not included (the store keeps them apart). */
json_t *hik_event_to_json(const hik_event *ev);

#endif
