/* event_state.h: what is going on right now, per (device, channel, kind,
 * region).
 *
 * Cameras repeat an `active` event about once a second while it lasts
 * (activePostCount 1, 2, 3...), and in push mode they send no heartbeat and
 * often no `inactive`. So "is there an intrusion in region 2 right now"
 * cannot be read from the event log; it is this table: a key turns active
 * on an `active` event, turns inactive on an `inactive` one, and expires
 * (turns inactive by itself) when no `active` repeat came for its kind's
 * expiry time. The table also tells the rules which `active` is the start
 * of something (fires scenarios) and which is a repeat (does not).
 *
 * Defaults: every kind expires 10 s after its last `active` (cameras
 * repeat about every second, so ten missed repeats mean it is over);
 * ANPR and face events, which are single snapshots, after 2 s. Both are
 * configurable (--state-expiry, --state-expiry-kind).
 *
 * Bounded: at most `max_keys` keys (default 4096); when full, the least
 * recently updated key is dropped. One mutex: the writer thread updates,
 * API threads read. */
#ifndef GW_EVENT_STATE_H
#define GW_EVENT_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hik/error.h"
#include "hik/event.h"

#define GW_STATE_DEFAULT_MAX_KEYS 4096
#define GW_STATE_DEFAULT_EXPIRY_MS 10000
#define GW_STATE_SNAPSHOT_EXPIRY_MS 2000

/* What one event means for the rules. */
typedef enum gw_edge {
    GW_EDGE_NONE = 0, /* heartbeat, unknown state, repeated inactive: fires nothing */
    GW_EDGE_ACTIVE,   /* the start of something: fires */
    GW_EDGE_REPEAT,   /* active again while active (activePostCount > 1): does not fire */
    GW_EDGE_INACTIVE, /* the end (inactive event or expiry): fires fire_on=both triggers */
} gw_edge;

const char *gw_edge_name(gw_edge e);

typedef struct gw_state_key {
    int64_t device_id;
    int channel;
    hik_event_kind kind;
    int region; /* 0 when the event has no region */
} gw_state_key;

/* One key that expired, as gw_event_state_expire reports it. */
typedef struct gw_state_expired {
    gw_state_key key;
    char type_raw[64]; /* the eventType its last event had */
    int64_t last_active_ms;
} gw_state_expired;

typedef struct gw_event_state gw_event_state;

hik_err gw_event_state_new(size_t max_keys, gw_event_state **out);
void gw_event_state_free(gw_event_state *s);

/* Expiry for one kind (ms >= 1); default_ms for every kind not set. */
void gw_event_state_set_expiry(gw_event_state *s, hik_event_kind kind, int64_t ms);
int64_t gw_event_state_expiry(const gw_event_state *s, hik_event_kind kind);

/* Apply one event of device_id received at now_ms; returns its edge. An
 * event with several regions updates one key per region and is an
 * activation when any of them is. Events of no device, heartbeats and
 * hikgate's own online/offline events change nothing. */
gw_edge gw_event_state_update(gw_event_state *s, int64_t device_id, const hik_event *ev,
                              int64_t now_ms);

/* Turn every active key whose expiry passed at now_ms inactive and report
 * up to max of them in out; returns how many were reported (a key not
 * reported because out was full stays active, and is reported next time). */
size_t gw_event_state_expire(gw_event_state *s, int64_t now_ms, gw_state_expired *out, size_t max);

/* Is this key active at now_ms? (expired keys are not, even before
 * gw_event_state_expire ran) */
bool gw_event_state_is_active(gw_event_state *s, const gw_state_key *key, int64_t now_ms);

typedef struct gw_state_filter {
    int64_t device_id;   /* 0 = any */
    hik_event_kind kind; /* HIK_EV__COUNT = any */
    int region;          /* -1 = any */
    int channel;         /* 0 = any */
    bool active_only;
} gw_state_filter;

/* The keys matching f as a JSON array of {device_id, channel, kind, region,
 * active, since_ms, last_ms, expires_ms, count}, newest first. */
json_t *gw_event_state_json(gw_event_state *s, const gw_state_filter *f, int64_t now_ms);

size_t gw_event_state_size(gw_event_state *s);

#endif
