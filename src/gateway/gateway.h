/* gateway.h: the daemon's shared context.
 *
 * One gw per process. Modules receive it and reach each other only through
 * the functions in their own headers. */
#ifndef GW_GATEWAY_H
#define GW_GATEWAY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "secrets.h"
#include "store.h"

struct gw_devices;
struct gw_rules;
struct gw_writer;
struct gw_actions;
struct gw_ingest;
struct gw_api;
struct gw_auth;
struct gw_event_feed;
struct gw_alert_sub;

typedef struct gw_stats {
    atomic_uint_fast64_t events_received; /* answered 200 */
    atomic_uint_fast64_t events_rejected; /* answered 4xx/5xx */
    atomic_uint_fast64_t events_unattributed;
    atomic_uint_fast64_t events_busy;         /* answered 503: the writer's queue was full */
    atomic_uint_fast64_t events_unauthorized; /* refused: undeclared source, wrong credentials */
    atomic_uint_fast64_t pictures_pruned;     /* by retention.c */
    atomic_uint_fast64_t events_pruned;
    atomic_uint_fast64_t actions_queued;
    atomic_uint_fast64_t actions_ok;
    atomic_uint_fast64_t actions_failed;
} gw_stats;

typedef struct gw {
    gw_config cfg;
    gw_store *store;
    gw_secrets *secrets;
    struct gw_devices *devices; /* attribution cache: address/MAC/serial -> device id */
    struct gw_rules *rules;     /* trigger index */
    struct gw_writer *writer;   /* batched event commits */
    struct gw_actions *actions; /* action workers */
    struct gw_ingest *ingest;   /* camera listener */
    struct gw_api *api;         /* REST API + UI listener */
    struct gw_auth *auth;       /* admin users and sessions */
    struct gw_event_feed *feed; /* wakes the event streams after each commit */
    struct gw_alert_sub *alert_sub; /* alertStream subscriptions and health probes */
    gw_stats stats;
    int64_t started_ms;
    atomic_bool stopping;
} gw;

/* The configuration in the database changed (device, trigger, action or
 * scenario created, updated or deleted): rebuild the in-memory rule index
 * and attribution cache. Safe to call from any thread. */
hik_err gw_config_changed(gw *g);

#endif
