/* api_health.c: GET /api/v1/health, for load balancers and monitoring.
 *
 * Unauthenticated on purpose, so it says nothing a stranger could use:
 * version, uptime, whether the database answers, and event counters. */
#include <stdatomic.h>

#include "api_routes.h"
#include "hik/version.h"

static bool health__db_ok(gw_store *st)
{
    gw_store_lock(st);
    sqlite3_stmt *stmt = gw_store_prepare(st, "SELECT 1");
    bool ok = stmt && sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_finalize(stmt);
    gw_store_unlock(st);
    return ok;
}

void api_health_get(api_req *rq, api_resp *rs)
{
    gw *g = rq->g;
    bool db_ok = health__db_ok(g->store);
    int64_t uptime = (gw_now_ms() - g->started_ms) / 1000;
    json_t *o =
        json_pack("{s:s, s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "status",
                  db_ok ? "ok" : "degraded", "version", HIK_VERSION, "uptime_s",
                  (json_int_t)(uptime < 0 ? 0 : uptime), "database", db_ok ? "ok" : "error",
                  "events_received", (json_int_t)atomic_load(&g->stats.events_received),
                  "events_rejected", (json_int_t)atomic_load(&g->stats.events_rejected),
                  "events_unattributed", (json_int_t)atomic_load(&g->stats.events_unattributed),
                  "actions_queued", (json_int_t)atomic_load(&g->stats.actions_queued), "actions_ok",
                  (json_int_t)atomic_load(&g->stats.actions_ok), "actions_failed",
                  (json_int_t)atomic_load(&g->stats.actions_failed));
    if (o) {
        json_object_set_new(o, "events_busy",
                            json_integer((json_int_t)atomic_load(&g->stats.events_busy)));
        json_object_set_new(o, "events_unauthorized",
                            json_integer((json_int_t)atomic_load(&g->stats.events_unauthorized)));
        json_object_set_new(o, "pictures_pruned",
                            json_integer((json_int_t)atomic_load(&g->stats.pictures_pruned)));
        json_object_set_new(o, "events_pruned",
                            json_integer((json_int_t)atomic_load(&g->stats.events_pruned)));
    }
    api_reply(rs, db_ok ? 200 : 503, o);
}
