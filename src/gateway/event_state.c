/* event_state.c: the live state table behind GET /api/v1/state and the
 * burst rule (a repeat does not fire a scenario again).
 *
 * A flat array scanned linearly: a gateway watches a few hundred cameras
 * with a handful of live keys each, and a scan of a few thousand small
 * entries costs microseconds, less than the SQLite insert of the same
 * event, while it needs no rehashing, no allocation after creation and
 * makes the least-recently-used eviction a by-product of the scan. */
#include "event_state.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct state_entry {
    gw_state_key key;
    bool used;
    bool active;
    char type_raw[64];
    int64_t since_ms;       /* when it last changed between active and inactive */
    int64_t last_active_ms; /* the last active event */
    int64_t last_ms;        /* the last update of any kind: the LRU clock */
    int64_t count;          /* active events since it turned active */
} state_entry;

struct gw_event_state {
    pthread_mutex_t mu;
    size_t max;
    state_entry *entries;
    int64_t expiry_ms[HIK_EV__COUNT];
};

const char *gw_edge_name(gw_edge e)
{
    switch (e) {
    case GW_EDGE_ACTIVE:
        return "active";
    case GW_EDGE_REPEAT:
        return "repeat";
    case GW_EDGE_INACTIVE:
        return "inactive";
    default:
        return "none";
    }
}

hik_err gw_event_state_new(size_t max_keys, gw_event_state **out)
{
    gw_event_state *s = calloc(1, sizeof *s);
    if (!s)
        return HIK_ERR_NOMEM;
    s->max = max_keys ? max_keys : GW_STATE_DEFAULT_MAX_KEYS;
    s->entries = calloc(s->max, sizeof *s->entries);
    if (!s->entries) {
        free(s);
        return HIK_ERR_NOMEM;
    }
    pthread_mutex_init(&s->mu, NULL);
    for (int k = 0; k < HIK_EV__COUNT; k++)
        s->expiry_ms[k] = GW_STATE_DEFAULT_EXPIRY_MS;
    s->expiry_ms[HIK_EV_ANPR] = GW_STATE_SNAPSHOT_EXPIRY_MS;
    s->expiry_ms[HIK_EV_FACE_RECOGNITION] = GW_STATE_SNAPSHOT_EXPIRY_MS;
    s->expiry_ms[HIK_EV_FACE_CAPTURE] = GW_STATE_SNAPSHOT_EXPIRY_MS;
    *out = s;
    return HIK_OK;
}

void gw_event_state_free(gw_event_state *s)
{
    if (!s)
        return;
    pthread_mutex_destroy(&s->mu);
    free(s->entries);
    free(s);
}

void gw_event_state_set_expiry(gw_event_state *s, hik_event_kind kind, int64_t ms)
{
    if ((unsigned)kind < HIK_EV__COUNT && ms > 0) {
        pthread_mutex_lock(&s->mu);
        s->expiry_ms[kind] = ms;
        pthread_mutex_unlock(&s->mu);
    }
}

int64_t gw_event_state_expiry(const gw_event_state *s, hik_event_kind kind)
{
    return (unsigned)kind < HIK_EV__COUNT ? s->expiry_ms[kind] : GW_STATE_DEFAULT_EXPIRY_MS;
}

static bool state__same(const gw_state_key *a, const gw_state_key *b)
{
    return a->device_id == b->device_id && a->channel == b->channel && a->kind == b->kind &&
           a->region == b->region;
}

/* Active and not past its expiry at now_ms. */
static bool state__live(const gw_event_state *s, const state_entry *e, int64_t now_ms)
{
    return e->active && now_ms - e->last_active_ms < s->expiry_ms[e->key.kind];
}

/* The key's entry; with create, a fresh (inactive) one, evicting the least
 * recently updated key when the table is full. NULL when absent. */
static state_entry *state__find(gw_event_state *s, const gw_state_key *key, bool create)
{
    state_entry *free_slot = NULL, *oldest = NULL;
    for (size_t i = 0; i < s->max; i++) {
        state_entry *e = &s->entries[i];
        if (!e->used) {
            if (!free_slot)
                free_slot = e;
            continue;
        }
        if (state__same(&e->key, key))
            return e;
        if (!oldest || e->last_ms < oldest->last_ms)
            oldest = e;
    }
    if (!create)
        return NULL;
    state_entry *e = free_slot ? free_slot : oldest;
    memset(e, 0, sizeof *e);
    e->used = true;
    e->key = *key;
    return e;
}

static gw_edge state__apply(gw_event_state *s, const gw_state_key *key, const hik_event *ev,
                            int64_t now_ms)
{
    bool inactive = ev->state == HIK_STATE_INACTIVE;
    state_entry *e = state__find(s, key, !inactive);
    if (!e)
        return GW_EDGE_NONE; /* inactive for something never seen active */
    e->last_ms = now_ms;
    if (inactive) {
        if (!e->active)
            return GW_EDGE_NONE;
        e->active = false;
        e->since_ms = now_ms;
        return GW_EDGE_INACTIVE;
    }
    memcpy(e->type_raw, ev->type_raw, sizeof e->type_raw);
    bool repeat = ev->active_post_count > 1 && state__live(s, e, now_ms);
    e->last_active_ms = now_ms;
    if (repeat) {
        e->count++;
        return GW_EDGE_REPEAT;
    }
    e->active = true;
    e->since_ms = now_ms;
    e->count = 1;
    return GW_EDGE_ACTIVE;
}

/* ACTIVE beats REPEAT beats INACTIVE beats NONE. */
static gw_edge state__combine(gw_edge a, gw_edge b)
{
    static const int rank[] = {
        [GW_EDGE_NONE] = 0, [GW_EDGE_INACTIVE] = 1, [GW_EDGE_REPEAT] = 2, [GW_EDGE_ACTIVE] = 3};
    return rank[a] >= rank[b] ? a : b;
}

gw_edge gw_event_state_update(gw_event_state *s, int64_t device_id, const hik_event *ev,
                              int64_t now_ms)
{
    if (ev->kind == HIK_EV_UNAUTHORIZED_SOURCE)
        return GW_EDGE_ACTIVE; /* gateway scope: each recorded refusal is news */
    if (!device_id || ev->heartbeat || ev->kind == HIK_EV_HEARTBEAT)
        return GW_EDGE_NONE;
    if (ev->kind == HIK_EV_DEVICE_ONLINE || ev->kind == HIK_EV_DEVICE_OFFLINE)
        return ev->state == HIK_STATE_INACTIVE ? GW_EDGE_INACTIVE : GW_EDGE_ACTIVE;
    gw_state_key key = {.device_id = device_id, .channel = ev->channel, .kind = ev->kind};
    gw_edge edge = GW_EDGE_NONE;
    pthread_mutex_lock(&s->mu);
    if (ev->n_regions == 0) {
        edge = state__apply(s, &key, ev, now_ms);
    } else {
        for (int i = 0; i < ev->n_regions && i < HIK_EVENT_MAX_REGIONS; i++) {
            key.region = ev->regions[i].id;
            edge = state__combine(edge, state__apply(s, &key, ev, now_ms));
        }
    }
    pthread_mutex_unlock(&s->mu);
    return edge;
}

size_t gw_event_state_expire(gw_event_state *s, int64_t now_ms, gw_state_expired *out, size_t max)
{
    size_t n = 0;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->max && n < max; i++) {
        state_entry *e = &s->entries[i];
        if (!e->used || !e->active || state__live(s, e, now_ms))
            continue;
        e->active = false;
        e->since_ms = e->last_active_ms + s->expiry_ms[e->key.kind];
        out[n].key = e->key;
        memcpy(out[n].type_raw, e->type_raw, sizeof out[n].type_raw);
        out[n].last_active_ms = e->last_active_ms;
        n++;
    }
    pthread_mutex_unlock(&s->mu);
    return n;
}

bool gw_event_state_is_active(gw_event_state *s, const gw_state_key *key, int64_t now_ms)
{
    pthread_mutex_lock(&s->mu);
    state_entry *e = state__find(s, key, false);
    bool active = e && state__live(s, e, now_ms);
    pthread_mutex_unlock(&s->mu);
    return active;
}

size_t gw_event_state_size(gw_event_state *s)
{
    size_t n = 0;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->max; i++)
        n += s->entries[i].used;
    pthread_mutex_unlock(&s->mu);
    return n;
}

static bool state__matches(const gw_state_filter *f, const state_entry *e, bool live)
{
    return e->used && (!f->device_id || e->key.device_id == f->device_id) &&
           (f->kind == HIK_EV__COUNT || e->key.kind == f->kind) &&
           (f->region < 0 || e->key.region == f->region) &&
           (!f->channel || e->key.channel == f->channel) && (!f->active_only || live);
}

static json_t *state__entry_json(const gw_event_state *s, const state_entry *e, bool live)
{
    json_t *o = json_pack("{s:I,s:i,s:s,s:s,s:i,s:b,s:I,s:I,s:I,s:I}", "device_id",
                          (json_int_t)e->key.device_id, "channel", e->key.channel, "kind",
                          hik_event_kind_name(e->key.kind), "event_type", e->type_raw, "region",
                          e->key.region, "active", live, "since_ms", (json_int_t)e->since_ms,
                          "last_active_ms", (json_int_t)e->last_active_ms, "last_ms",
                          (json_int_t)e->last_ms, "count", (json_int_t)e->count);
    if (o && live)
        json_object_set_new(o, "expires_ms",
                            json_integer(e->last_active_ms + s->expiry_ms[e->key.kind]));
    return o;
}

static int state__cmp_newest(const void *a, const void *b)
{
    const state_entry *x = *(state_entry *const *)a, *y = *(state_entry *const *)b;
    return x->last_ms < y->last_ms ? 1 : x->last_ms > y->last_ms ? -1 : 0;
}

json_t *gw_event_state_json(gw_event_state *s, const gw_state_filter *f, int64_t now_ms)
{
    json_t *arr = json_array();
    state_entry **hits = malloc(s->max * sizeof *hits);
    if (!arr || !hits) {
        free(hits);
        json_decref(arr);
        return NULL;
    }
    size_t n = 0;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->max; i++) {
        state_entry *e = &s->entries[i];
        if (state__matches(f, e, e->used && state__live(s, e, now_ms)))
            hits[n++] = e;
    }
    if (n > 1)
        qsort(hits, n, sizeof *hits, state__cmp_newest);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, state__entry_json(s, hits[i], state__live(s, hits[i], now_ms)));
    pthread_mutex_unlock(&s->mu);
    free(hits);
    return arr;
}
