/* store_events_query.h: reading the event log and the action runs for the
 * API: filtered, newest-first pages of events with keyset pagination, one
 * event with its alert document and runs, and picture bytes.
 *
 * These functions take the store lock themselves. */
#ifndef GW_STORE_EVENTS_QUERY_H
#define GW_STORE_EVENTS_QUERY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define GW_EVENTS_LIMIT_DEFAULT 100
#define GW_EVENTS_LIMIT_MAX 1000

typedef struct gw_events_filter {
    bool has_device, has_since, has_until, has_before;
    int64_t device, since, until, before;
    const char *kind; /* NULL: any */
    int limit;        /* 1..GW_EVENTS_LIMIT_MAX */
} gw_events_filter;

typedef enum gw_runs_by {
    GW_RUNS_BY_ID,
    GW_RUNS_BY_ACTION,
    GW_RUNS_BY_EVENT,
} gw_runs_by;

/* {"events": [...], "next_before": id-or-null}; NULL on a database error. */
json_t *gw_store_events_list(gw_store *st, const gw_events_filter *f);
/* One event with raw, raw_type (and raw_encoding when base64) and runs.
 * NULL with *found false when absent; NULL with *found true on error. */
json_t *gw_store_event_get(gw_store *st, int64_t id, bool *found);
/* The bytes of picture n of event id (malloc'd) and its content type.
 * HIK_ERR_NOT_FOUND when absent. */
hik_err gw_store_event_picture(gw_store *st, int64_t id, int64_t n, uint8_t **data, size_t *len,
                               char *content_type, size_t ct_len);

/* Action runs, newest first, by run id, action id or event id; at most
 * limit rows. NULL on a database error. */
json_t *gw_store_runs(gw_store *st, gw_runs_by by, int64_t id, int limit);
/* Caller holds the lock: same as gw_store_runs. */
json_t *gw_store_runs_locked(gw_store *st, gw_runs_by by, int64_t id, int limit);

#endif
