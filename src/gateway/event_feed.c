/* event_feed.c: wakes the event streams after each commit (see
 * event_feed.h).
 *
 * One mutex guards the listener list and the newest id. Sleeping is
 * decided and done under it (gw_event_feed_poll), so a publish either
 * lands before the check, and the listener sees the new id, or after the
 * sleep, and wakes it. Wakes are collected under the lock and delivered
 * after it is released, so the writer never holds the feed's lock while it
 * calls into the HTTP library. A registry lock guards g->feed itself: the
 * writer may publish while the API listener is being stopped. */
#include "event_feed.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "store_events_query.h"

#define FEED_MAX_LISTENERS 1024

struct gw_event_feed {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* heartbeat timer, and "a listener left" */
    gw_feed_listener *head;
    int n_listeners, max_listeners;
    int64_t last_id;
    bool closing, stop;
    pthread_t ticker;
    bool ticker_started;
};

static pthread_mutex_t feed__registry = PTHREAD_MUTEX_INITIALIZER;

/* Take the sleeping listeners (all, or only those a heartbeat is due for)
 * and mark them awake; caller holds f->mu. */
static int feed__collect(struct gw_event_feed *f, bool heartbeat, gw_feed_listener **out, int max)
{
    int n = 0;
    for (gw_feed_listener *l = f->head; l; l = l->next) {
        if (heartbeat)
            l->heartbeat = true;
        if (l->sleeping && n < max) {
            l->sleeping = false;
            out[n++] = l;
        }
    }
    return n;
}

static void feed__deliver(gw_feed_listener **woken, int n)
{
    for (int i = 0; i < n; i++)
        woken[i]->wake(woken[i]);
}

static void feed__deadline(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *feed__ticker(void *arg)
{
    struct gw_event_feed *f = arg;
    gw_feed_listener *woken[FEED_MAX_LISTENERS];
    pthread_mutex_lock(&f->mu);
    while (!f->stop) {
        struct timespec ts;
        feed__deadline(&ts, GW_FEED_HEARTBEAT_MS);
        int rc = 0;
        while (!f->stop && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&f->cv, &f->mu, &ts);
        if (f->stop)
            break;
        int n = feed__collect(f, true, woken, FEED_MAX_LISTENERS);
        pthread_mutex_unlock(&f->mu);
        feed__deliver(woken, n);
        pthread_mutex_lock(&f->mu);
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

/* The newest event id in the store, 0 when empty. */
static int64_t feed__newest(gw *g)
{
    gw_events_filter flt = {.limit = 1};
    json_t *page = gw_store_events_list(g->store, &flt);
    json_t *first = json_array_get(json_object_get(page, "events"), 0);
    int64_t id = first ? json_integer_value(json_object_get(first, "id")) : 0;
    json_decref(page);
    return id;
}

hik_err gw_event_feed_start(gw *g, int max_listeners)
{
    struct gw_event_feed *f = calloc(1, sizeof *f);
    if (!f)
        return HIK_ERR_NOMEM;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, &ca);
    pthread_condattr_destroy(&ca);
    f->max_listeners = max_listeners < FEED_MAX_LISTENERS ? max_listeners : FEED_MAX_LISTENERS;
    f->last_id = feed__newest(g);
    if (pthread_create(&f->ticker, NULL, feed__ticker, f) != 0) {
        pthread_cond_destroy(&f->cv);
        pthread_mutex_destroy(&f->mu);
        free(f);
        return HIK_ERR_NOMEM;
    }
    f->ticker_started = true;
    pthread_mutex_lock(&feed__registry);
    g->feed = f;
    pthread_mutex_unlock(&feed__registry);
    return HIK_OK;
}

void gw_event_feed_close(gw *g, int wait_ms)
{
    struct gw_event_feed *f = g->feed;
    if (!f)
        return;
    gw_feed_listener *woken[FEED_MAX_LISTENERS];
    pthread_mutex_lock(&f->mu);
    f->closing = true;
    int n = feed__collect(f, false, woken, FEED_MAX_LISTENERS);
    pthread_mutex_unlock(&f->mu);
    feed__deliver(woken, n);

    struct timespec ts;
    feed__deadline(&ts, wait_ms);
    pthread_mutex_lock(&f->mu);
    while (f->n_listeners > 0) {
        if (pthread_cond_timedwait(&f->cv, &f->mu, &ts) == ETIMEDOUT)
            break;
    }
    if (f->n_listeners > 0)
        gw_warn("events stream: %d streams still open at shutdown", f->n_listeners);
    pthread_mutex_unlock(&f->mu);
}

void gw_event_feed_free(gw *g)
{
    pthread_mutex_lock(&feed__registry);
    struct gw_event_feed *f = g->feed;
    g->feed = NULL;
    pthread_mutex_unlock(&feed__registry);
    if (!f)
        return;
    if (f->ticker_started) {
        pthread_mutex_lock(&f->mu);
        f->stop = true;
        pthread_cond_broadcast(&f->cv);
        pthread_mutex_unlock(&f->mu);
        pthread_join(f->ticker, NULL);
    }
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

void gw_events_published(gw *g, int64_t last_id)
{
    gw_feed_listener *woken[FEED_MAX_LISTENERS];
    int n = 0;
    pthread_mutex_lock(&feed__registry);
    struct gw_event_feed *f = g->feed;
    if (f) {
        pthread_mutex_lock(&f->mu);
        if (last_id > f->last_id)
            f->last_id = last_id;
        n = feed__collect(f, false, woken, FEED_MAX_LISTENERS);
        pthread_mutex_unlock(&f->mu);
        /* Delivered under the registry lock: the feed (and so its
         * sleeping listeners) cannot be freed meanwhile. */
        feed__deliver(woken, n);
    }
    pthread_mutex_unlock(&feed__registry);
}

int64_t gw_event_feed_last_id(gw *g)
{
    struct gw_event_feed *f = g->feed;
    if (!f)
        return 0;
    pthread_mutex_lock(&f->mu);
    int64_t id = f->last_id;
    pthread_mutex_unlock(&f->mu);
    return id;
}

hik_err gw_event_feed_join(gw *g, gw_feed_listener *l)
{
    struct gw_event_feed *f = g->feed;
    if (!f)
        return HIK_ERR_IO;
    hik_err res = HIK_OK;
    pthread_mutex_lock(&f->mu);
    if (f->closing) {
        res = HIK_ERR_IO;
    } else if (f->n_listeners >= f->max_listeners) {
        res = HIK_ERR_TOO_BIG;
    } else {
        l->sleeping = l->heartbeat = false;
        l->prev = NULL;
        l->next = f->head;
        if (f->head)
            f->head->prev = l;
        f->head = l;
        f->n_listeners++;
    }
    pthread_mutex_unlock(&f->mu);
    return res;
}

void gw_event_feed_leave(gw *g, gw_feed_listener *l)
{
    struct gw_event_feed *f = g->feed;
    if (!f)
        return;
    pthread_mutex_lock(&f->mu);
    bool member = l->prev || l->next || f->head == l;
    if (member) {
        if (l->prev)
            l->prev->next = l->next;
        else
            f->head = l->next;
        if (l->next)
            l->next->prev = l->prev;
        l->prev = l->next = NULL;
        f->n_listeners--;
        pthread_cond_broadcast(&f->cv);
    }
    pthread_mutex_unlock(&f->mu);
}

bool gw_event_feed_poll(gw *g, gw_feed_listener *l, int64_t cursor, bool may_sleep,
                        gw_feed_state *st)
{
    struct gw_event_feed *f = g->feed;
    *st = (gw_feed_state){.closing = true};
    if (!f)
        return false;
    bool slept = false;
    pthread_mutex_lock(&f->mu);
    st->last_id = f->last_id;
    st->heartbeat = l->heartbeat;
    st->closing = f->closing;
    l->heartbeat = false;
    if (may_sleep && st->last_id <= cursor && !st->heartbeat && !st->closing) {
        l->sleeping = true;
        l->sleep(l);
        slept = true;
    }
    pthread_mutex_unlock(&f->mu);
    return slept;
}
