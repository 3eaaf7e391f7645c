/* event_feed.h: "new events were committed", told to whoever listens.
 *
 * The writer calls gw_events_published() after each commit with the
 * highest event id it holds. Listeners (the Server-Sent Events streams of
 * the API) register here; a listener that has nothing to send goes to
 * sleep through gw_event_feed_sleep(), and the feed wakes it when a newer
 * id is published, when its heartbeat is due (every
 * GW_FEED_HEARTBEAT_MS), or when the feed closes. The listener then reads
 * the new rows from the store by id: the feed carries ids, not events, so
 * a slow listener costs nothing here and the writer never waits for one. */
#ifndef GW_EVENT_FEED_H
#define GW_EVENT_FEED_H

#include <stdbool.h>
#include <stdint.h>

#include "gateway.h"

#define GW_FEED_HEARTBEAT_MS 15000

typedef struct gw_feed_listener gw_feed_listener;

/* Suspend (sleep) or resume (wake) the listener's connection. sleep runs
 * under the feed's lock; wake runs outside it, on a listener that is
 * marked awake already and stays asleep until this very call, so it can
 * neither vanish nor be woken twice. Neither may call back into the feed. */
typedef void (*gw_feed_fn)(gw_feed_listener *l);

struct gw_feed_listener {
    gw_feed_fn sleep, wake; /* set by the owner before joining */
    void *arg;              /* the owner's */
    /* feed-owned */
    bool sleeping, heartbeat;
    gw_feed_listener *prev, *next;
};

/* Create the feed on g (g->feed), knowing the newest stored event id, with
 * room for max_listeners, and start its heartbeat thread. */
hik_err gw_event_feed_start(gw *g, int max_listeners);
/* Wake every listener for the last time and wait (at most wait_ms) until
 * all have left; later joins are refused. */
void gw_event_feed_close(gw *g, int wait_ms);
/* Stop the heartbeat thread and free the feed (after close). */
void gw_event_feed_free(gw *g);

/* The writer's hook: events up to last_id are committed. Any thread. */
void gw_events_published(gw *g, int64_t last_id);
/* The newest committed event id known (0 when none or no feed). */
int64_t gw_event_feed_last_id(gw *g);

/* Register l. HIK_ERR_TOO_BIG when max_listeners are already there,
 * HIK_ERR_IO when the feed is closing or absent. */
hik_err gw_event_feed_join(gw *g, gw_feed_listener *l);
/* Unregister l (no-op when it never joined). */
void gw_event_feed_leave(gw *g, gw_feed_listener *l);

typedef struct gw_feed_state {
    int64_t last_id; /* newest committed event id */
    bool heartbeat;  /* a heartbeat is due (cleared by this call) */
    bool closing;    /* the feed is closing: end the stream */
} gw_feed_state;

/* What the listener has to do now. When there is nothing (last_id <=
 * cursor, no heartbeat, not closing) and may_sleep, l->sleep is called
 * under the feed's lock, so no publish can slip in between the check and
 * the sleep; returns true when l went to sleep. */
bool gw_event_feed_poll(gw *g, gw_feed_listener *l, int64_t cursor, bool may_sleep,
                        gw_feed_state *st);

#endif
