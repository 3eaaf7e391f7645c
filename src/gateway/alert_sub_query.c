/* alert_sub_query.c: what other threads ask of the alertStream loop's
 * device table (heartbeat counts, NVR or not, `both` de-duplication).
 *
 * Kept apart from the loop so that a reader (the API, the ingest
 * listener) links only this lookup, under the table's mutex, and not the
 * loop with everything it depends on. */
#include "alert_sub_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static size_t sub__slot(int64_t id, size_t mask)
{
    return (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ULL) >> 20) & mask;
}

/* A thousand devices are looked up per reload and per API listing: a walk
 * of the list each time would be quadratic. Devices added since the last
 * rebuild are not indexed yet and are found by the walk. */
sub_dev *sub__find(struct gw_alert_sub *s, int64_t id)
{
    if (s->index) {
        for (size_t i = sub__slot(id, s->index_mask);; i = (i + 1) & s->index_mask) {
            sub_dev *d = s->index[i];
            if (!d)
                break;
            if (d->c.id == id)
                return d;
        }
    }
    for (sub_dev *d = s->devs; d; d = d->next)
        if (d->c.id == id)
            return d;
    return NULL;
}

void sub__index_rebuild(struct gw_alert_sub *s)
{
    size_t n = 0, cap = 16;
    for (sub_dev *d = s->devs; d; d = d->next)
        n++;
    while (cap < 2 * n)
        cap *= 2;
    free(s->index);
    s->index = calloc(cap, sizeof(*s->index));
    if (!s->index)
        return; /* lookups fall back to the list */
    s->index_mask = cap - 1;
    for (sub_dev *d = s->devs; d; d = d->next) {
        size_t i = sub__slot(d->c.id, s->index_mask);
        while (s->index[i])
            i = (i + 1) & s->index_mask;
        s->index[i] = d;
    }
}

bool sub__is_nvr(const sub_dev *d)
{
    return strcasestr(d->c.device_type, "NVR") != NULL;
}

static uint64_t sub__key(const hik_event *ev)
{
    uint64_t h = 1469598103934665603ULL;
#define MIX(p, n)                                                                                  \
    for (size_t k_ = 0; k_ < (n); k_++)                                                            \
        h = (h ^ ((const uint8_t *)(p))[k_]) * 1099511628211ULL;
    MIX(ev->type_raw, strlen(ev->type_raw));
    MIX(&ev->channel, sizeof ev->channel);
    MIX(ev->date_time, strlen(ev->date_time));
    MIX(&ev->active_post_count, sizeof ev->active_post_count);
    for (int i = 0; i < ev->n_regions; i++)
        MIX(&ev->regions[i].id, sizeof ev->regions[i].id);
#undef MIX
    return h ? h : 1;
}

/* Caller holds s->mu. */
bool sub__seen(sub_dev *d, const hik_event *ev)
{
    uint64_t k = sub__key(ev);
    for (unsigned i = 0; i < DEDUP_RING; i++)
        if (d->ring[i] == k)
            return true;
    d->ring[d->ring_pos++ % DEDUP_RING] = k;
    return false;
}

uint64_t gw_alert_sub_heartbeats(gw *g, int64_t device_id)
{
    struct gw_alert_sub *s = g->alert_sub;
    uint64_t n = 0;
    if (!s)
        return 0;
    pthread_mutex_lock(&s->mu);
    sub_dev *d = sub__find(s, device_id);
    if (d)
        n = atomic_load(&d->heartbeats);
    pthread_mutex_unlock(&s->mu);
    return n;
}

bool gw_alert_sub_duplicate(gw *g, int64_t device_id, const hik_event *ev)
{
    struct gw_alert_sub *s = g->alert_sub;
    bool dup = false;
    if (!s || !device_id)
        return false;
    pthread_mutex_lock(&s->mu);
    sub_dev *d = sub__find(s, device_id);
    if (d && d->both && !ev->heartbeat)
        dup = sub__seen(d, ev);
    pthread_mutex_unlock(&s->mu);
    return dup;
}

bool gw_alert_sub_is_nvr(gw *g, int64_t device_id)
{
    struct gw_alert_sub *s = g->alert_sub;
    bool nvr = false;
    if (!s || !device_id)
        return false;
    pthread_mutex_lock(&s->mu);
    sub_dev *d = sub__find(s, device_id);
    if (d)
        nvr = sub__is_nvr(d);
    pthread_mutex_unlock(&s->mu);
    return nvr;
}
