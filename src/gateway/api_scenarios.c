/* api_scenarios.c: /api/v1/scenarios, "when this trigger fires, run these
 * actions in this order", with an on/off switch and a cooldown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_resource.h"
#include "api_routes.h"
#include "api_validate.h"
#include "log.h"
#include "store_config.h"

#define SCENARIO_SELECT                                                                            \
    "SELECT id, name, trigger_id AS \"trigger\", enabled, cooldown_s, last_fired_ms,"              \
    " created_ms, updated_ms FROM scenarios"
#define SCENARIO_ACTIONS                                                                           \
    "SELECT action_id FROM scenario_actions WHERE scenario_id = ?1 ORDER BY position"

static const char *const scenario_fields[] = {"name",    "trigger",    "actions",
                                              "enabled", "cooldown_s", NULL};
static const char *const scenario_readonly[] = {"id", "last_fired_ms", "created_ms", "updated_ms",
                                                NULL};

static bool scenarios__finish(gw_store *st, json_t *o)
{
    gw_store_bool_key(o, "enabled");
    json_t *acts =
        gw_store_id_list(st, SCENARIO_ACTIONS, json_integer_value(json_object_get(o, "id")));
    if (!acts)
        return false;
    json_object_set_new(o, "actions", acts);
    return true;
}

static json_t *scenarios__load(gw_store *st, int64_t id, bool *found)
{
    json_t *rows = gw_store_rows_json(st, SCENARIO_SELECT " WHERE id = ?1", id);
    *found = rows && json_array_size(rows) == 1;
    json_t *o = *found ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    if (o && !scenarios__finish(st, o)) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

void api_scenarios_list(api_req *rq, api_resp *rs)
{
    gw_store *st = rq->g->store;
    gw_store_lock(st);
    json_t *rows = gw_store_rows_json(st, SCENARIO_SELECT " ORDER BY id", 0);
    size_t i;
    json_t *o;
    bool ok = rows != NULL;
    json_array_foreach(rows, i, o) ok = ok && scenarios__finish(st, o);
    gw_store_unlock(st);
    if (!ok) {
        json_decref(rows);
        return api_error_store(rs);
    }
    api_reply(rs, 200, rows);
}

static const api_resource scenarios__resource;

void api_scenarios_get(api_req *rq, api_resp *rs)
{
    api_resource_get(&scenarios__resource, rq, rs);
}

static int scenarios__write(gw_store *st, int64_t *id, const api_scenario_in *s)
{
    const char *sql = *id == 0 ? "INSERT INTO scenarios(name, trigger_id, enabled, cooldown_s,"
                                 " created_ms, updated_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?5)"
                               : "UPDATE scenarios SET name=?1, trigger_id=?2, enabled=?3,"
                                 " cooldown_s=?4, updated_ms=?5 WHERE id=?6";
    sqlite3_stmt *stmt = gw_store_prepare(st, sql);
    if (!stmt)
        return SQLITE_ERROR;
    sqlite3_bind_text(stmt, 1, s->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 2, s->trigger);
    sqlite3_bind_int(stmt, 3, s->enabled);
    sqlite3_bind_int(stmt, 4, s->cooldown_s);
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
        gw_store_set_links(st, "DELETE FROM scenario_actions WHERE scenario_id = ?1",
                           "INSERT INTO scenario_actions(scenario_id, action_id, position)"
                           " VALUES(?1, ?2, ?3)",
                           *id, s->actions, s->n_actions))
        rc = SQLITE_ERROR;
    return rc;
}

static void scenarios__save(api_req *rq, api_resp *rs, int64_t id, json_t *merged)
{
    api_scenario_in s;
    api_verr e = {0};
    if (!api_scenario_check(merged, &s, &e))
        return api_error(rs, 400, e.field, "%s", e.msg);
    gw_store *st = rq->g->store;
    bool creating = id == 0, found = false;
    json_t *o = NULL;
    int rc = SQLITE_ERROR;
    gw_store_lock(st);
    int trig = gw_store_exists(st, "triggers", s.trigger);
    int64_t missing = trig == 1 ? gw_store_first_missing(st, "actions", s.actions, s.n_actions) : 0;
    if (trig == 1 && missing == 0 && !gw_store_begin(st)) {
        rc = scenarios__write(st, &id, &s);
        if (rc == SQLITE_DONE && gw_store_commit(st))
            rc = SQLITE_ERROR;
        if (rc != SQLITE_DONE)
            gw_store_rollback(st);
        else
            o = scenarios__load(st, id, &found);
    }
    gw_store_unlock(st);
    if (trig == 0)
        return api_error(rs, 400, "trigger", "trigger %lld does not exist", (long long)s.trigger);
    if (missing > 0)
        return api_error(rs, 400, "actions", "action %lld does not exist", (long long)missing);
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
        return api_error(rs, 409, "name", "a scenario named \"%s\" already exists", s.name);
    if (rc != SQLITE_DONE || !o)
        return api_error_store(rs);
    gw_info("api: scenario %lld \"%s\" %s by %s", (long long)id, s.name,
            creating ? "created" : "updated", rq->user);
    gw_config_changed(rq->g);
    if (creating)
        api_header_add(rs, "Location", "/api/v1/scenarios/%lld", (long long)id);
    api_reply(rs, creating ? 201 : 200, o);
}

static const api_resource scenarios__resource = {
    .noun = "scenario",
    .fields = scenario_fields,
    .readonly = scenario_readonly,
    .load = scenarios__load,
    .save = scenarios__save,
};

void api_scenarios_create(api_req *rq, api_resp *rs)
{
    api_resource_create(&scenarios__resource, rq, rs);
}

void api_scenarios_update(api_req *rq, api_resp *rs)
{
    api_resource_update(&scenarios__resource, rq, rs);
}

void api_scenarios_delete(api_req *rq, api_resp *rs)
{
    int64_t id;
    if (!api_capture_id(rq, 0, &id))
        return api_error(rs, 404, NULL, "no such scenario");
    gw_store *st = rq->g->store;
    gw_store_lock(st);
    sqlite3_stmt *stmt = gw_store_prepare(st, "DELETE FROM scenarios WHERE id = ?1");
    int rc = SQLITE_ERROR, changes = 0;
    if (stmt) {
        sqlite3_bind_int64(stmt, 1, id);
        rc = sqlite3_step(stmt);
        changes = sqlite3_changes(st->db);
    }
    sqlite3_finalize(stmt);
    gw_store_unlock(st);
    if (rc != SQLITE_DONE)
        return api_error_store(rs);
    if (changes == 0)
        return api_error(rs, 404, NULL, "no scenario with id %lld", (long long)id);
    gw_info("api: scenario %lld deleted by %s", (long long)id, rq->user);
    gw_config_changed(rq->g);
    api_reply(rs, 204, NULL);
}
