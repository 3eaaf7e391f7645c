/* writer.c: batched, durable commits of incoming events (group commit).
 *
 * One thread, one transaction per batch. A batch is whatever is queued when
 * the previous commit finishes, so under light load every event commits at
 * once and under heavy load many events share one fsync. Rules are matched
 * here, inside the transaction, so the action runs an event fires are
 * durable exactly when the event is.
 *
 * The live event state (event_state.c) is updated here too, just before
 * matching, because it decides which `active` is a new activation and
 * which a repeat. The writer also wakes once a second to expire state
 * that no repeat renewed: for a (device, kind) a fire_on=both trigger
 * watches, the expiry becomes a synthetic inactive event committed like
 * any other, so the scenario it fires is as durable as a camera's. */
#include "writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "event_state.h"
#include "hik/event_json.h"
#include "actions.h"
#include "event_feed.h"
#include "log.h"
#include "rules.h"

#define QUEUE_MAX 16384
#define BATCH_MAX 2048
#define EXPIRE_EVERY_MS 1000
#define EXPIRE_MAX 64

enum {
    ST_EVENT,
    ST_PICTURE,
    ST_RUN,
    ST_DEVICE_SEEN,
    ST_SCENARIO_FIRED,
    ST__COUNT,
};

static const char *sql[ST__COUNT] = {
    [ST_EVENT] = "INSERT INTO events(received_ms, device_id, source_addr, attribution, kind, "
                 "type_raw, state, channel, fields, raw, raw_type, n_pictures) "
                 "VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_PICTURE] = "INSERT INTO event_pictures(event_id, n, name, content_type, data) "
                   "VALUES(?,?,?,?,?)",
    [ST_RUN] = "INSERT INTO action_runs(event_id, scenario_id, action_id, device_id, action, "
               "params, status, created_ms) VALUES(?,?,?,?,?,?,'queued',?)",
    [ST_DEVICE_SEEN] = "UPDATE devices SET last_event_ms = ? WHERE id = ?",
    [ST_SCENARIO_FIRED] = "UPDATE scenarios SET last_fired_ms = ? WHERE id = ?",
};

struct gw_writer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    gw_pending *head, *tail;
    size_t queued;
    bool stop;
    bool started;
    sqlite3_stmt *stmt[ST__COUNT];
    gw_writer_stats stats;
    gw_event_state *state;
    int64_t next_expire_ms;
};

void gw_pending_release(gw_pending *p)
{
    for (size_t i = 0; i < GW_PENDING_MAX_EVENTS; i++) {
        free(p->fields_json[i]);
        p->fields_json[i] = NULL;
    }
}

hik_err gw_writer_submit(gw *g, gw_pending *p)
{
    struct gw_writer *w = g->writer;
    p->next = NULL;
    if (!w)
        return HIK_ERR_TOO_BIG;
    pthread_mutex_lock(&w->mu);
    if (w->queued >= QUEUE_MAX || w->stop) {
        pthread_mutex_unlock(&w->mu);
        return HIK_ERR_TOO_BIG;
    }
    if (w->tail)
        w->tail->next = p;
    else
        w->head = p;
    w->tail = p;
    w->queued++;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return HIK_OK;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_text(s, i, "", 0, SQLITE_STATIC);
}

static bool step_done(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE;
}

static bool writer__insert_event(struct gw_writer *w, sqlite3 *db, gw_pending *p, size_t i)
{
    const hik_event *ev = &p->events[i];
    sqlite3_stmt *s = w->stmt[ST_EVENT];
    sqlite3_bind_int64(s, 1, p->received_ms);
    if (p->device_id)
        sqlite3_bind_int64(s, 2, p->device_id);
    else
        sqlite3_bind_null(s, 2);
    bind_text(s, 3, p->source_addr);
    bind_text(s, 4, gw_attribution_name(p->attribution));
    bind_text(s, 5, hik_event_kind_name(ev->kind));
    bind_text(s, 6, ev->type_raw);
    bind_text(s, 7, hik_event_state_name(ev->state));
    sqlite3_bind_int(s, 8, ev->channel);
    bind_text(s, 9, p->fields_json[i] ? p->fields_json[i] : "{}");
    if (ev->raw && ev->raw_len)
        sqlite3_bind_blob64(s, 10, ev->raw, ev->raw_len, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 10);
    bind_text(s, 11, p->raw_type);
    sqlite3_bind_int(s, 12, ev->n_pictures);
    if (!step_done(s))
        return false;
    int64_t id = sqlite3_last_insert_rowid(db);
    p->event_ids[i] = id;
    s = w->stmt[ST_PICTURE];
    for (int n = 0; n < ev->n_pictures; n++) {
        const hik_picture *pic = &ev->pictures[n];
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int(s, 2, n);
        bind_text(s, 3, pic->name);
        bind_text(s, 4, pic->content_type[0] ? pic->content_type : "application/octet-stream");
        sqlite3_bind_blob64(s, 5, pic->data ? (const void *)pic->data : "", pic->len,
                            SQLITE_STATIC);
        if (!step_done(s))
            return false;
    }
    return true;
}

static bool writer__insert_runs(struct gw_writer *w, gw *g, gw_pending *p, size_t i)
{
    gw_fired fired[GW_RULES_MAX_FIRED];
    gw_edge edge =
        p->expired ? GW_EDGE_INACTIVE
                   : gw_event_state_update(w->state, p->device_id, &p->events[i], p->received_ms);
    size_t n = gw_rules_match_edge(g->rules, p->device_id, &p->events[i], edge, p->received_ms,
                                   fired, GW_RULES_MAX_FIRED);
    int64_t last_scenario = 0;
    for (size_t k = 0; k < n; k++) {
        char params[64];
        snprintf(params, sizeof params, "{\"channel\":%d}", fired[k].channel);
        sqlite3_stmt *s = w->stmt[ST_RUN];
        sqlite3_bind_int64(s, 1, p->event_ids[i]);
        sqlite3_bind_int64(s, 2, fired[k].scenario_id);
        sqlite3_bind_int64(s, 3, fired[k].action_id);
        sqlite3_bind_int64(s, 4, fired[k].device_id);
        bind_text(s, 5, fired[k].action);
        sqlite3_bind_text(s, 6, params, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 7, p->received_ms);
        if (!step_done(s))
            return false;
        if (fired[k].scenario_id != last_scenario) {
            last_scenario = fired[k].scenario_id;
            s = w->stmt[ST_SCENARIO_FIRED];
            sqlite3_bind_int64(s, 1, p->received_ms);
            sqlite3_bind_int64(s, 2, fired[k].scenario_id);
            if (!step_done(s))
                return false;
        }
    }
    p->n_fired += n;
    return true;
}

static bool writer__apply(struct gw_writer *w, gw *g, gw_pending *p)
{
    sqlite3 *db = g->store->db;
    p->n_fired = 0;
    for (size_t i = 0; i < p->n_events; i++) {
        if (!writer__insert_event(w, db, p, i) || !writer__insert_runs(w, g, p, i))
            return false;
    }
    if (p->device_id) {
        sqlite3_stmt *s = w->stmt[ST_DEVICE_SEEN];
        sqlite3_bind_int64(s, 1, p->received_ms);
        sqlite3_bind_int64(s, 2, p->device_id);
        if (!step_done(s))
            return false;
    }
    return true;
}

/* Commit one batch. On a failure the whole batch is rolled back and every
 * item reports the error, so no camera is told "stored" for a lost event. */
static hik_err writer__commit(struct gw_writer *w, gw *g, gw_pending *batch, size_t *fired)
{
    hik_err res = HIK_OK;
    *fired = 0;
    gw_store_lock(g->store);
    if (gw_store_exec(g->store, "BEGIN IMMEDIATE")) {
        res = HIK_ERR_IO;
        goto out;
    }
    for (gw_pending *p = batch; p; p = p->next) {
        if (!writer__apply(w, g, p)) {
            gw_error("writer: insert failed: %s", sqlite3_errmsg(g->store->db));
            res = HIK_ERR_IO;
            break;
        }
        *fired += p->n_fired;
    }
    if (!res && gw_store_exec(g->store, "COMMIT"))
        res = HIK_ERR_IO;
    if (res)
        gw_store_exec(g->store, "ROLLBACK");
out:
    gw_store_unlock(g->store);
    return res;
}

static gw_pending *writer__take(struct gw_writer *w, size_t *n)
{
    gw_pending *head = w->head, *p = head;
    size_t k = 1;
    while (p->next && k < BATCH_MAX) {
        p = p->next;
        k++;
    }
    w->head = p->next;
    if (!w->head)
        w->tail = NULL;
    p->next = NULL;
    w->queued -= k;
    *n = k;
    return head;
}

static void writer__expired_done(gw_pending *p, void *arg)
{
    (void)arg;
    if (p->result)
        gw_error("writer: the expiry of a %s state could not be recorded", p->events[0].type_raw);
    gw_pending_release(p);
    free(p);
}

/* One synthetic inactive event for an expired key. */
static void writer__submit_expired(gw *g, const gw_state_expired *x, int64_t now_ms)
{
    gw_pending *p = calloc(1, sizeof *p);
    if (!p)
        return;
    hik_event *ev = &p->events[0];
    hik_event_init(ev);
    ev->kind = x->key.kind;
    ev->state = HIK_STATE_INACTIVE;
    ev->channel = x->key.channel;
    snprintf(ev->type_raw, sizeof ev->type_raw, "%s", x->type_raw);
    snprintf(ev->description, sizeof ev->description, "state expired: no active event since %lld",
             (long long)x->last_active_ms);
    if (x->key.region) {
        ev->n_regions = 1;
        ev->regions[0].id = x->key.region;
        ev->regions[0].sensitivity = -1;
    }
    json_t *j = hik_event_to_json(ev);
    if (j)
        json_object_set_new(j, "expired", json_true());
    p->fields_json[0] = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    p->n_events = 1;
    p->raw_type = "";
    p->device_id = x->key.device_id;
    p->attribution = GW_ATTR_NONE;
    snprintf(p->source_addr, sizeof p->source_addr, "hikgate");
    p->received_ms = now_ms;
    p->expired = true;
    p->done = writer__expired_done;
    if (gw_writer_submit(g, p)) {
        gw_pending_release(p);
        free(p);
    }
}

/* Called with w->mu held; releases it while it works. */
static void writer__expire(struct gw_writer *w, gw *g)
{
    gw_state_expired x[EXPIRE_MAX];
    int64_t now = gw_now_ms();
    w->next_expire_ms = now + EXPIRE_EVERY_MS;
    pthread_mutex_unlock(&w->mu);
    size_t n = gw_event_state_expire(w->state, now, x, EXPIRE_MAX);
    for (size_t i = 0; i < n; i++) {
        gw_debug("state: %s on device %lld channel %d region %d expired",
                 hik_event_kind_name(x[i].key.kind), (long long)x[i].key.device_id,
                 x[i].key.channel, x[i].key.region);
        if (gw_rules_wants_inactive(g->rules, x[i].key.device_id, x[i].key.kind))
            writer__submit_expired(g, &x[i], now);
    }
    pthread_mutex_lock(&w->mu);
}

/* Wait for work or the next expiry scan; true when the scan is due. */
static bool writer__wait(struct gw_writer *w)
{
    int64_t now = gw_now_ms();
    if (now >= w->next_expire_ms)
        return true;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t wait_ms = w->next_expire_ms - now;
    ts.tv_sec += wait_ms / 1000;
    ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return pthread_cond_timedwait(&w->cv, &w->mu, &ts) == ETIMEDOUT;
}

static void *writer__main(void *arg)
{
    gw *g = arg;
    struct gw_writer *w = g->writer;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->head && !w->stop) {
            if (writer__wait(w))
                writer__expire(w, g);
        }
        if (!w->head && w->stop)
            break;
        size_t n;
        gw_pending *batch = writer__take(w, &n);
        pthread_mutex_unlock(&w->mu);

        size_t fired;
        hik_err res = writer__commit(w, g, batch, &fired);
        int64_t last_id = 0;
        for (gw_pending *p = batch, *next; p; p = next) {
            next = p->next; /* the callback may free p */
            for (size_t i = 0; !res && i < p->n_events; i++)
                if (p->event_ids[i] > last_id)
                    last_id = p->event_ids[i];
            p->result = res;
            p->done(p, p->done_arg);
        }
        if (last_id)
            gw_events_published(g, last_id);
        if (!res && fired) {
            atomic_fetch_add(&g->stats.actions_queued, fired);
            gw_actions_wake(g);
        }
        pthread_mutex_lock(&w->mu);
        if (gw_now_ms() >= w->next_expire_ms)
            writer__expire(w, g);
        w->stats.batches++;
        w->stats.items += n;
        if (n > w->stats.max_batch)
            w->stats.max_batch = n;
        if (res)
            w->stats.failed_batches++;
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Expiry from the configuration: a default and "kind=seconds,..." overrides
 * (checked by config.c). */
static hik_err writer__configure_state(gw_event_state *st, const gw_config *cfg)
{
    for (int k = 0; cfg->state_expiry_ms > 0 && k < HIK_EV__COUNT; k++)
        gw_event_state_set_expiry(st, (hik_event_kind)k, cfg->state_expiry_ms);
    char list[sizeof cfg->state_expiry_kinds];
    snprintf(list, sizeof list, "%s", cfg->state_expiry_kinds);
    char *save = NULL;
    for (char *item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (!eq)
            continue;
        *eq = '\0';
        hik_event_kind kind = hik_event_kind_from_name(item);
        double seconds = atof(eq + 1);
        if (kind != HIK_EV__COUNT && seconds > 0)
            gw_event_state_set_expiry(st, kind, (int64_t)(seconds * 1000));
    }
    return HIK_OK;
}

struct gw_event_state *gw_writer_event_state(gw *g)
{
    return g->writer ? g->writer->state : NULL;
}

hik_err gw_writer_start(gw *g)
{
    struct gw_writer *w = calloc(1, sizeof *w);
    if (!w)
        return HIK_ERR_NOMEM;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    g->writer = w;
    if (gw_event_state_new(g->cfg.state_max_keys, &w->state) ||
        writer__configure_state(w->state, &g->cfg))
        return HIK_ERR_NOMEM;
    gw_store_lock(g->store);
    for (int i = 0; i < ST__COUNT; i++) {
        w->stmt[i] = gw_store_prepare(g->store, sql[i]);
        if (!w->stmt[i]) {
            gw_store_unlock(g->store);
            return HIK_ERR_IO;
        }
    }
    gw_store_unlock(g->store);
    if (pthread_create(&w->thread, NULL, writer__main, g) != 0)
        return HIK_ERR_NOMEM;
    w->started = true;
    return HIK_OK;
}

void gw_writer_stop(gw *g)
{
    struct gw_writer *w = g->writer;
    if (!w)
        return;
    if (w->started) {
        pthread_mutex_lock(&w->mu);
        w->stop = true;
        pthread_cond_signal(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
    }
    gw_store_lock(g->store);
    for (int i = 0; i < ST__COUNT; i++)
        sqlite3_finalize(w->stmt[i]);
    gw_store_unlock(g->store);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    gw_event_state_free(w->state);
    free(w);
    g->writer = NULL;
}

void gw_writer_get_stats(gw *g, gw_writer_stats *out)
{
    struct gw_writer *w = g->writer;
    pthread_mutex_lock(&w->mu);
    *out = w->stats;
    pthread_mutex_unlock(&w->mu);
}
