/* retention.c: periodic pruning of pictures and old events (see header). */
#include "retention.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

static pthread_t retention_thread;
static pthread_mutex_t retention_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t retention_cv = PTHREAD_COND_INITIALIZER;
static bool retention_running, retention_stop;

static int64_t retention__picture_bytes(gw_store *st)
{
    int64_t total = -1;
    sqlite3_stmt *s =
        gw_store_prepare(st, "SELECT COALESCE(SUM(length(data)), 0) FROM event_pictures");
    if (s && sqlite3_step(s) == SQLITE_ROW)
        total = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return total;
}

/* The pictures of the oldest events holding some, until `need` bytes are
 * freed or a batch is done: one transaction. Returns the bytes freed, 0
 * when there was nothing, -1 on an error. */
static int64_t retention__picture_batch(gw_store *st, int64_t need, uint64_t *events)
{
    int64_t freed = 0;
    if (gw_store_exec(st, "BEGIN IMMEDIATE"))
        return -1;
    sqlite3_stmt *sel = gw_store_prepare(
        st, "SELECT event_id, SUM(length(data)) FROM event_pictures GROUP BY event_id "
            "ORDER BY event_id LIMIT ?");
    sqlite3_stmt *del = gw_store_prepare(st, "DELETE FROM event_pictures WHERE event_id = ?");
    sqlite3_stmt *upd = gw_store_prepare(st, "UPDATE events SET n_pictures = 0 WHERE id = ?");
    bool ok = sel && del && upd;
    if (ok) {
        sqlite3_bind_int(sel, 1, GW_RETENTION_BATCH);
        int64_t ids[GW_RETENTION_BATCH];
        int n = 0;
        while (n < GW_RETENTION_BATCH && freed < need && sqlite3_step(sel) == SQLITE_ROW) {
            ids[n++] = sqlite3_column_int64(sel, 0);
            freed += sqlite3_column_int64(sel, 1);
        }
        for (int i = 0; ok && i < n; i++) {
            sqlite3_bind_int64(del, 1, ids[i]);
            sqlite3_bind_int64(upd, 1, ids[i]);
            ok = sqlite3_step(del) == SQLITE_DONE && sqlite3_step(upd) == SQLITE_DONE;
            sqlite3_reset(del);
            sqlite3_reset(upd);
        }
        *events += (uint64_t)n;
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(del);
    sqlite3_finalize(upd);
    if (!ok || gw_store_exec(st, "COMMIT")) {
        gw_store_exec(st, "ROLLBACK");
        return -1;
    }
    return freed;
}

/* Events received before cutoff_ms, oldest first: one transaction. */
static int retention__event_batch(gw_store *st, int64_t cutoff_ms)
{
    sqlite3_stmt *s = gw_store_prepare(
        st, "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE received_ms < ? "
            "ORDER BY id LIMIT ?)");
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, cutoff_ms);
    sqlite3_bind_int(s, 2, GW_RETENTION_BATCH);
    int n = sqlite3_step(s) == SQLITE_DONE ? sqlite3_changes(st->db) : -1;
    sqlite3_finalize(s);
    return n;
}

hik_err gw_retention_pass(gw_store *st, uint64_t max_bytes, int64_t cutoff_ms, int max_batches,
                          gw_retention_result *out)
{
    memset(out, 0, sizeof *out);
    for (int b = 0; max_bytes && b < max_batches; b++) {
        gw_store_lock(st);
        int64_t total = retention__picture_bytes(st);
        int64_t need = total - (int64_t)max_bytes;
        int64_t freed =
            need > 0 ? retention__picture_batch(st, need, &out->events_pictures_dropped) : 0;
        gw_store_unlock(st);
        if (total < 0 || freed < 0)
            return HIK_ERR_IO;
        if (freed == 0)
            break;
        out->bytes_freed += (uint64_t)freed;
    }
    for (int b = 0; cutoff_ms > 0 && b < max_batches; b++) {
        gw_store_lock(st);
        int n = retention__event_batch(st, cutoff_ms);
        gw_store_unlock(st);
        if (n < 0)
            return HIK_ERR_IO;
        out->events_deleted += (uint64_t)n;
        if (n < GW_RETENTION_BATCH)
            break;
    }
    return HIK_OK;
}

static void retention__once(gw *g)
{
    uint64_t max_bytes = (uint64_t)g->cfg.pictures_max_mb * 1024 * 1024;
    int64_t cutoff =
        g->cfg.retention_days ? gw_now_ms() - (int64_t)g->cfg.retention_days * 86400000 : 0;
    gw_retention_result r;
    if (gw_retention_pass(g->store, max_bytes, cutoff, 1000, &r)) {
        gw_warn("retention: pruning failed; will try again");
        return;
    }
    atomic_fetch_add(&g->stats.pictures_pruned, r.events_pictures_dropped);
    atomic_fetch_add(&g->stats.events_pruned, r.events_deleted);
    if (r.events_pictures_dropped || r.events_deleted)
        gw_info("retention: dropped the pictures of %llu events (%llu bytes), deleted %llu "
                "events",
                (unsigned long long)r.events_pictures_dropped, (unsigned long long)r.bytes_freed,
                (unsigned long long)r.events_deleted);
}

static void *retention__main(void *arg)
{
    gw *g = arg;
    int64_t next = gw_now_ms() + GW_RETENTION_FIRST_MS;
    pthread_mutex_lock(&retention_mu);
    while (!retention_stop) {
        if (gw_now_ms() >= next) {
            pthread_mutex_unlock(&retention_mu);
            retention__once(g);
            pthread_mutex_lock(&retention_mu);
            next = gw_now_ms() + GW_RETENTION_EVERY_MS;
            continue;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&retention_cv, &retention_mu, &ts);
    }
    pthread_mutex_unlock(&retention_mu);
    return NULL;
}

hik_err gw_retention_start(gw *g)
{
    if (!g->cfg.pictures_max_mb && !g->cfg.retention_days)
        return HIK_OK;
    retention_stop = false;
    if (pthread_create(&retention_thread, NULL, retention__main, g) != 0)
        return HIK_ERR_NOMEM;
    retention_running = true;
    return HIK_OK;
}

void gw_retention_stop(gw *g)
{
    (void)g;
    if (!retention_running)
        return;
    pthread_mutex_lock(&retention_mu);
    retention_stop = true;
    pthread_cond_signal(&retention_cv);
    pthread_mutex_unlock(&retention_mu);
    pthread_join(retention_thread, NULL);
    retention_running = false;
}
