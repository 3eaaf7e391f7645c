/* api_triggers.c: /api/v1/triggers, which events from which devices
 * (with optional conditions) can fire scenarios.
 *
 * Conditions are checked against the event kind by the rules module
 * itself (gw_rules_validate), so what the API accepts is exactly what the
 * matcher understands. fire_on says which edges fire: "active" (the
 * start of an event, default) or "both" (also its end). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_resource.h"
#include "api_routes.h"
#include "api_validate.h"
#include "log.h"
#include "store_config.h"

#define TRIGGER_SELECT                                                                             \
    "SELECT id, name, type, event, conditions, fire_on, created_ms, updated_ms FROM triggers"
#define TRIGGER_DEVICES                                                                            \
    "SELECT device_id FROM trigger_devices WHERE trigger_id = ?1 ORDER BY device_id"

static const char *const trigger_fields[] = {"name",       "type",    "devices", "event",
                                             "conditions", "fire_on", NULL};
static const char *const trigger_readonly[] = {"id", "created_ms", "updated_ms", NULL};

static bool triggers__finish(gw_store *st, json_t *o)
{
    gw_store_parse_json_key(o, "conditions");
    json_t *devs =
        gw_store_id_list(st, TRIGGER_DEVICES, json_integer_value(json_object_get(o, "id")));
    if (!devs)
        return false;
    json_object_set_new(o, "devices", devs);
    return true;
}

static json_t *triggers__load(gw_store *st, int64_t id, bool *found)
{
    json_t *rows = gw_store_rows_json(st, TRIGGER_SELECT " WHERE id = ?1", id);
    *found = rows && json_array_size(rows) == 1;
    json_t *o = *found ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    if (o && !triggers__finish(st, o)) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

void api_triggers_list(api_req *rq, api_resp *rs)
{
    gw_store *st = rq->g->store;
    gw_store_lock(st);
    json_t *rows = gw_store_rows_json(st, TRIGGER_SELECT " ORDER BY id", 0);
    size_t i;
    json_t *o;
    bool ok = rows != NULL;
    json_array_foreach(rows, i, o) ok = ok && triggers__finish(st, o);
    gw_store_unlock(st);
    if (!ok) {
        json_decref(rows);
        return api_error_store(rs);
    }
    api_reply(rs, 200, rows);
}

static const api_resource triggers__resource;

void api_triggers_get(api_req *rq, api_resp *rs)
{
    api_resource_get(&triggers__resource, rq, rs);
}

static int triggers__write(gw_store *st, int64_t *id, const api_trigger_in *t)
{
    char *conditions = json_dumps(t->conditions, JSON_COMPACT | JSON_SORT_KEYS);
    const char *sql = *id == 0 ? "INSERT INTO triggers(name, type, event, conditions,"
                                 " created_ms, updated_ms, fire_on)"
                                 " VALUES(?1, ?2, ?3, ?4, ?5, ?5, ?7)"
                               : "UPDATE triggers SET name=?1, type=?2, event=?3,"
                                 " conditions=?4, updated_ms=?5, fire_on=?7 WHERE id=?6";
    sqlite3_stmt *stmt = conditions ? gw_store_prepare(st, sql) : NULL;
    if (!stmt) {
        free(conditions);
        return SQLITE_ERROR;
    }
    sqlite3_bind_text(stmt, 1, t->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, t->type, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, t->event, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 4, conditions, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 5, gw_now_ms());
    if (*id)
        sqlite3_bind_int64(stmt, 6, *id);
    sqlite3_bind_text(stmt, 7, t->fire_on, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_CONSTRAINT && gw_store_unique_violation(st))
        rc = SQLITE_CONSTRAINT_UNIQUE;
    if (rc == SQLITE_DONE && *id == 0)
        *id = sqlite3_last_insert_rowid(st->db);
    sqlite3_finalize(stmt);
    free(conditions);
    if (rc == SQLITE_DONE &&
        gw_store_set_links(st, "DELETE FROM trigger_devices WHERE trigger_id = ?1",
                           "INSERT INTO trigger_devices(trigger_id, device_id) VALUES(?1, ?2)", *id,
                           t->devices, t->n_devices))
        rc = SQLITE_ERROR;
    return rc;
}

static void triggers__save(api_req *rq, api_resp *rs, int64_t id, json_t *merged)
{
    api_trigger_in t;
    api_verr e = {0};
    if (!api_trigger_check(merged, &t, &e))
        return api_error(rs, 400, e.field, "%s", e.msg);
    gw_store *st = rq->g->store;
    bool creating = id == 0, found = false;
    json_t *o = NULL;
    int rc = SQLITE_ERROR;
    gw_store_lock(st);
    int64_t missing = gw_store_first_missing(st, "devices", t.devices, t.n_devices);
    if (missing == 0 && !gw_store_begin(st)) {
        rc = triggers__write(st, &id, &t);
        if (rc == SQLITE_DONE && gw_store_commit(st))
            rc = SQLITE_ERROR;
        if (rc != SQLITE_DONE)
            gw_store_rollback(st);
        else
            o = triggers__load(st, id, &found);
    }
    gw_store_unlock(st);
    if (missing > 0)
        return api_error(rs, 400, "devices", "device %lld does not exist", (long long)missing);
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
        return api_error(rs, 409, "name", "a trigger named \"%s\" already exists", t.name);
    if (rc != SQLITE_DONE || !o)
        return api_error_store(rs);
    gw_info("api: trigger %lld \"%s\" %s by %s", (long long)id, t.name,
            creating ? "created" : "updated", rq->user);
    gw_config_changed(rq->g);
    if (creating)
        api_header_add(rs, "Location", "/api/v1/triggers/%lld", (long long)id);
    api_reply(rs, creating ? 201 : 200, o);
}

static const api_resource triggers__resource = {
    .noun = "trigger",
    .fields = trigger_fields,
    .readonly = trigger_readonly,
    .load = triggers__load,
    .save = triggers__save,
};

void api_triggers_create(api_req *rq, api_resp *rs)
{
    api_resource_create(&triggers__resource, rq, rs);
}

void api_triggers_update(api_req *rq, api_resp *rs)
{
    api_resource_update(&triggers__resource, rq, rs);
}

void api_triggers_delete(api_req *rq, api_resp *rs)
{
    int64_t id;
    if (!api_capture_id(rq, 0, &id))
        return api_error(rs, 404, NULL, "no such trigger");
    gw_store *st = rq->g->store;
    json_t *refs = json_array();
    gw_store_lock(st);
    int exists = gw_store_exists(st, "triggers", id);
    hik_err res = exists < 0 ? HIK_ERR_IO : HIK_OK;
    if (exists == 1 && !res)
        res = gw_store_collect_refs(
            st, "SELECT id, name FROM scenarios WHERE trigger_id = ?1 ORDER BY id", id, "scenario",
            refs);
    if (exists == 1 && !res && json_array_size(refs) == 0) {
        sqlite3_stmt *stmt = gw_store_prepare(st, "DELETE FROM triggers WHERE id = ?1");
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
        api_error(rs, 404, NULL, "no trigger with id %lld", (long long)id);
    else if (json_array_size(refs))
        api_error_in_use(rs, "trigger", id, refs);
    else {
        gw_info("api: trigger %lld deleted by %s", (long long)id, rq->user);
        gw_config_changed(rq->g);
        api_reply(rs, 204, NULL);
    }
    json_decref(refs);
}
