/* api_actions.c: /api/v1/actions (what hikgate can do to devices), their
 * "run now" and the history of runs (/api/v1/actions/{id}/runs,
 * /api/v1/runs/{id}).
 *
 * An action's channel lives in its params JSON ({"channel": N}) so that
 * future action types can carry other parameters without a migration; the
 * API shows it as a plain field. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "api_resource.h"
#include "api_routes.h"
#include "api_validate.h"
#include "log.h"
#include "store_config.h"
#include "store_events_query.h"

#define ACTION_SELECT "SELECT id, name, type, action, params, created_ms, updated_ms FROM actions"
#define ACTION_DEVICES                                                                             \
    "SELECT device_id FROM action_devices WHERE action_id = ?1 ORDER BY device_id"

static const char *const action_fields[] = {"name", "type", "devices", "action", "channel", NULL};
static const char *const action_readonly[] = {"id", "created_ms", "updated_ms", NULL};

/* Shape a row: params -> channel, add devices. False on a database error. */
static bool actions__finish(gw_store *st, json_t *o)
{
    json_t *params = json_loads(json_string_value(json_object_get(o, "params")), 0, NULL);
    json_t *ch = json_object_get(params, "channel");
    json_object_set_new(o, "channel",
                        json_integer(json_is_integer(ch) ? json_integer_value(ch) : 1));
    json_decref(params);
    json_object_del(o, "params");
    json_t *devs =
        gw_store_id_list(st, ACTION_DEVICES, json_integer_value(json_object_get(o, "id")));
    if (!devs)
        return false;
    json_object_set_new(o, "devices", devs);
    return true;
}

static json_t *actions__load(gw_store *st, int64_t id, bool *found)
{
    json_t *rows = gw_store_rows_json(st, ACTION_SELECT " WHERE id = ?1", id);
    *found = rows && json_array_size(rows) == 1;
    json_t *o = *found ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    if (o && !actions__finish(st, o)) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

void api_actions_list(api_req *rq, api_resp *rs)
{
    gw_store *st = rq->g->store;
    gw_store_lock(st);
    json_t *rows = gw_store_rows_json(st, ACTION_SELECT " ORDER BY id", 0);
    size_t i;
    json_t *o;
    bool ok = rows != NULL;
    json_array_foreach(rows, i, o) ok = ok && actions__finish(st, o);
    gw_store_unlock(st);
    if (!ok) {
        json_decref(rows);
        return api_error_store(rs);
    }
    api_reply(rs, 200, rows);
}

static const api_resource actions__resource;

void api_actions_get(api_req *rq, api_resp *rs)
{
    api_resource_get(&actions__resource, rq, rs);
}

static int actions__write(gw_store *st, int64_t *id, const api_action_in *a)
{
    char params[64];
    snprintf(params, sizeof params, "{\"channel\":%d}", a->channel);
    const char *sql = *id == 0 ? "INSERT INTO actions(name, type, action, params, created_ms,"
                                 " updated_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?5)"
                               : "UPDATE actions SET name=?1, type=?2, action=?3, params=?4,"
                                 " updated_ms=?5 WHERE id=?6";
    sqlite3_stmt *stmt = gw_store_prepare(st, sql);
    if (!stmt)
        return SQLITE_ERROR;
    sqlite3_bind_text(stmt, 1, a->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, a->type, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, a->action, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 4, params, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 5, gw_now_ms());
    if (*id)
        sqlite3_bind_int64(stmt, 6, *id);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_CONSTRAINT && gw_store_unique_violation(st))
        rc = SQLITE_CONSTRAINT_UNIQUE;
    if (rc == SQLITE_DONE && *id == 0)
        *id = sqlite3_last_insert_rowid(st->db);
    sqlite3_finalize(stmt);
    if (rc == SQLITE_DONE &&
        gw_store_set_links(st, "DELETE FROM action_devices WHERE action_id = ?1",
                           "INSERT INTO action_devices(action_id, device_id) VALUES(?1, ?2)", *id,
                           a->devices, a->n_devices))
        rc = SQLITE_ERROR;
    return rc;
}

static void actions__save(api_req *rq, api_resp *rs, int64_t id, json_t *merged)
{
    api_action_in a;
    api_verr e = {0};
    if (!api_action_check(merged, &a, &e))
        return api_error(rs, 400, e.field, "%s", e.msg);
    gw_store *st = rq->g->store;
    bool creating = id == 0, found = false;
    json_t *o = NULL;
    int rc = SQLITE_ERROR;
    gw_store_lock(st);
    int64_t missing = gw_store_first_missing(st, "devices", a.devices, a.n_devices);
    if (missing == 0 && !gw_store_begin(st)) {
        rc = actions__write(st, &id, &a);
        if (rc == SQLITE_DONE && gw_store_commit(st))
            rc = SQLITE_ERROR;
        if (rc != SQLITE_DONE)
            gw_store_rollback(st);
        else
            o = actions__load(st, id, &found);
    }
    gw_store_unlock(st);
    if (missing > 0)
        return api_error(rs, 400, "devices", "device %lld does not exist", (long long)missing);
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
        return api_error(rs, 409, "name", "an action named \"%s\" already exists", a.name);
    if (rc != SQLITE_DONE || !o)
        return api_error_store(rs);
    gw_info("api: action %lld \"%s\" %s by %s", (long long)id, a.name,
            creating ? "created" : "updated", rq->user);
    gw_config_changed(rq->g);
    if (creating)
        api_header_add(rs, "Location", "/api/v1/actions/%lld", (long long)id);
    api_reply(rs, creating ? 201 : 200, o);
}

static const api_resource actions__resource = {
    .noun = "action",
    .fields = action_fields,
    .readonly = action_readonly,
    .load = actions__load,
    .save = actions__save,
};

void api_actions_create(api_req *rq, api_resp *rs)
{
    api_resource_create(&actions__resource, rq, rs);
}

void api_actions_update(api_req *rq, api_resp *rs)
{
    api_resource_update(&actions__resource, rq, rs);
}

void api_actions_delete(api_req *rq, api_resp *rs)
{
    int64_t id;
    if (!api_capture_id(rq, 0, &id))
        return api_error(rs, 404, NULL, "no such action");
    gw_store *st = rq->g->store;
    json_t *refs = json_array();
    gw_store_lock(st);
    int exists = gw_store_exists(st, "actions", id);
    hik_err res = exists < 0 ? HIK_ERR_IO : HIK_OK;
    if (exists == 1 && !res)
        res = gw_store_collect_refs(st,
                                    "SELECT s.id, s.name FROM scenarios s JOIN scenario_actions"
                                    " sa ON sa.scenario_id = s.id WHERE sa.action_id = ?1"
                                    " ORDER BY s.id",
                                    id, "scenario", refs);
    if (exists == 1 && !res && json_array_size(refs) == 0) {
        sqlite3_stmt *stmt = gw_store_prepare(st, "DELETE FROM actions WHERE id = ?1");
        res = HIK_ERR_IO;
        if (stmt) {
            sqlite3_bind_int64(stmt, 1, id);
            if (sqlite3_step(stmt) == SQLITE_DONE)
                res = HIK_OK;
        }
        sqlite3_finalize(stmt);
    }
    gw_store_unlock(st);
    if (res)
        api_error_store(rs);
    else if (exists == 0)
        api_error(rs, 404, NULL, "no action with id %lld", (long long)id);
    else if (json_array_size(refs))
        api_error_in_use(rs, "action", id, refs);
    else {
        gw_info("api: action %lld deleted by %s", (long long)id, rq->user);
        gw_config_changed(rq->g);
        api_reply(rs, 204, NULL);
    }
    json_decref(refs);
}

void api_actions_run(api_req *rq, api_resp *rs)
{
    int64_t id, run_id = 0;
    if (!api_capture_id(rq, 0, &id))
        return api_error(rs, 404, NULL, "no such action");
    hik_err res = gw_actions_run_now(rq->g, id, &run_id);
    if (res == HIK_ERR_NOT_FOUND)
        return api_error(rs, 404, NULL, "no action with id %lld", (long long)id);
    if (res)
        return api_error(rs, 500, NULL, "cannot queue the action: %s", hik_err_str(res));
    gw_info("api: action %lld run by %s (run %lld)", (long long)id, rq->user, (long long)run_id);
    api_header_add(rs, "Location", "/api/v1/runs/%lld", (long long)run_id);
    api_reply(rs, 202, json_pack("{s:I}", "run_id", (json_int_t)run_id));
}

/* ?limit=N (1..max), default def. False after answering 400. */
static bool actions__limit(api_req *rq, api_resp *rs, int def, int max, int *limit)
{
    const char *s = api_query(rq, "limit");
    int64_t v = def;
    if (s && (!api_parse_i64(s, &v) || v < 1 || v > max)) {
        api_error(rs, 400, "limit", "limit must be an integer from 1 to %d", max);
        return false;
    }
    *limit = (int)v;
    return true;
}

void api_actions_runs(api_req *rq, api_resp *rs)
{
    int64_t id;
    int limit;
    if (!api_capture_id(rq, 0, &id))
        return api_error(rs, 404, NULL, "no such action");
    if (!actions__limit(rq, rs, GW_EVENTS_LIMIT_DEFAULT, GW_EVENTS_LIMIT_MAX, &limit))
        return;
    gw_store *st = rq->g->store;
    gw_store_lock(st);
    int exists = gw_store_exists(st, "actions", id);
    json_t *runs = exists == 1 ? gw_store_runs_locked(st, GW_RUNS_BY_ACTION, id, limit) : NULL;
    gw_store_unlock(st);
    if (exists == 0)
        return api_error(rs, 404, NULL, "no action with id %lld", (long long)id);
    if (!runs)
        return api_error_store(rs);
    api_reply(rs, 200, runs);
}

void api_runs_get(api_req *rq, api_resp *rs)
{
    int64_t id;
    if (!api_capture_id(rq, 0, &id))
        return api_error(rs, 404, NULL, "no such run");
    json_t *runs = gw_store_runs(rq->g->store, GW_RUNS_BY_ID, id, 1);
    if (!runs)
        return api_error_store(rs);
    if (json_array_size(runs) == 0) {
        json_decref(runs);
        return api_error(rs, 404, NULL, "no run with id %lld", (long long)id);
    }
    api_reply(rs, 200, json_incref(json_array_get(runs, 0)));
    json_decref(runs);
}
