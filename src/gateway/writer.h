/* writer.h: the single writer of the event log.
 *
 * Producers (the ingest listener, later the alertStream loop and the health
 * prober) hand over a gw_pending and wait for its `done` callback. The writer
 * thread takes everything queued, commits it in ONE transaction (events,
 * pictures, the action runs of every scenario the events fire, device
 * last-event times), and only then calls each item's callback with the
 * outcome. That callback is where the camera gets its 200: an acknowledged
 * event is always committed, and one fsync serves a whole batch. */
#ifndef GW_WRITER_H
#define GW_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "devices.h"
#include "gateway.h"
#include "hik/event.h"

#define GW_PENDING_MAX_EVENTS 8

typedef struct gw_pending gw_pending;
typedef void (*gw_pending_done)(gw_pending *p, void *arg);

struct gw_pending {
    /* filled by the producer */
    size_t n_events;
    hik_event events[GW_PENDING_MAX_EVENTS];  /* raw/pictures point into the producer's body */
    char *fields_json[GW_PENDING_MAX_EVENTS]; /* hik_event_to_json text, owned by the pending */
    const char *raw_type;                     /* content type of the alert document */
    int64_t device_id;                        /* 0 = unattributed */
    gw_attribution attribution;
    char source_addr[64];
    int64_t received_ms;
    gw_pending_done done;
    void *done_arg;
    /* Synthetic inactive events the writer made for expired event state:
     * their edge is "inactive" without consulting the state table. */
    bool expired;

    /* filled by the writer before `done` */
    hik_err result;
    int64_t event_ids[GW_PENDING_MAX_EVENTS];
    size_t n_fired;

    gw_pending *next; /* queue link, writer-owned */
};

hik_err gw_writer_start(gw *g);
/* Commit everything still queued, then stop the thread. */
void gw_writer_stop(gw *g);

/* Queue for the next batch. Never blocks on I/O. HIK_ERR_TOO_BIG when the
 * queue is full (the caller answers 503); the callback is then not called. */
hik_err gw_writer_submit(gw *g, gw_pending *p);

/* Free the fields_json strings of a pending (not the pending itself). */
void gw_pending_release(gw_pending *p);

/* The live event state the writer keeps (event_state.h); NULL before
 * gw_writer_start. */
struct gw_event_state *gw_writer_event_state(gw *g);

/* Counters for health and benchmarks. */
typedef struct gw_writer_stats {
    uint64_t batches;
    uint64_t items;
    uint64_t max_batch;
    uint64_t failed_batches;
} gw_writer_stats;
void gw_writer_get_stats(gw *g, gw_writer_stats *out);

#endif
