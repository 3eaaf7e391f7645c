/* api_devices.c: /api/v1/devices, the cameras and NVRs hikgate talks to.
 *
 * The password is write-only: sealed with the secrets key on the way in,
 * never selected on the way out. A change of anything used to reach the
 * device (address, port, scheme, credentials) queues a fresh identity
 * probe, whose answer fills the read-only model/serial/mac fields. */
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "alert_sub.h"
#include "api_routes.h"
#include "api_validate.h"
#include "autoconf.h"
#include "log.h"
#include "store_config.h"

#define DEVICE_SELECT                                                                              \
    "SELECT id, name, address, port, scheme, username, anpr_reverse, model, serial, mac,"          \
    " firmware, device_type, status, last_error, last_seen_ms, last_event_ms, created_ms,"         \
    " updated_ms, tls_pin, tls_pin_pending, delivery, stream_state, stream_error,"            \
    " stream_since_ms, lock_until_ms FROM devices"

static const char *const device_fields[] = {
    "name", "address", "port", "scheme", "username", "password", "anpr_reverse", "delivery", NULL};
static const char *const device_readonly[] = {
    "id",           "model",        "serial",          "mac",           "firmware",   "device_type",
    "status",       "last_error",   "last_seen_ms",    "last_event_ms", "created_ms", "updated_ms",
    "tls_pin",      "tls_pin_pending",
    "stream_state", "stream_error", "stream_since_ms", "lock_until_ms", "heartbeats", NULL};

/* Counters kept in memory by the alertStream loop. */
static void devices__live(gw *g, json_t *o)
{
    json_t *id = json_object_get(o, "id");
    if (json_is_integer(id))
        json_object_set_new(
            o, "heartbeats",
            json_integer((json_int_t)gw_alert_sub_heartbeats(g, json_integer_value(id))));
}

/* One device as the API shows it; NULL with *found false when absent. */
static json_t *devices__load(gw_store *st, int64_t id, bool *found)
{
    json_t *rows = gw_store_rows_json(st, DEVICE_SELECT " WHERE id = ?1", id);
    *found = rows && json_array_size(rows) == 1;
    json_t *o = *found ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    if (o)
        gw_store_bool_key(o, "anpr_reverse");
    return o;
}

void api_devices_list(api_req *rq, api_resp *rs)
{
    gw_store_lock(rq->g->store);
    json_t *rows = gw_store_rows_json(rq->g->store, DEVICE_SELECT " ORDER BY id", 0);
    gw_store_unlock(rq->g->store);
    if (!rows)
        return api_error_store(rs);
    size_t i;
    json_t *o;
    json_array_foreach(rows, i, o)
    {
        gw_store_bool_key(o, "anpr_reverse");
        devices__live(rq->g, o);
    }
    api_reply(rs, 200, rows);
}

void api_devices_get(api_req *rq, api_resp *rs)
{
    int64_t id;
    bool found = false;
    if (!api_capture_id(rq, 0, &id))
        return api_error(rs, 404, NULL, "no such device");
    gw_store_lock(rq->g->store);
    json_t *o = devices__load(rq->g->store, id, &found);
    gw_store_unlock(rq->g->store);
    if (!found)
        return api_error(rs, 404, NULL, "no device with id %lld", (long long)id);
    devices__live(rq->g, o);
    api_reply(rs, 200, o);
}

/* INSERT (id == 0) or UPDATE the row; sealed may be NULL on update.
 * new_reach: address, port, scheme or credentials changed, so whatever the
 * device said about the old ones (auth_rejected, unreachable) no longer
 * holds and calls to it may resume. */
static int devices__write(gw_store *st, int64_t *id, const api_device_in *d, const char *sealed,
                          bool new_reach)
{
    const char *sql =
        *id == 0 ? "INSERT INTO devices(name, address, port, scheme, username, anpr_reverse,"
                   " password, created_ms, updated_ms, delivery)"
                   " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?8,?11)"
                 : "UPDATE devices SET name=?1, address=?2, port=?3, scheme=?4, username=?5,"
                   " anpr_reverse=?6, password=coalesce(?7, password), updated_ms=?8,"
                   " delivery=?11,"
                   " status=CASE WHEN ?10 THEN 'unknown' ELSE status END,"
                   " last_error=CASE WHEN ?10 THEN NULL ELSE last_error END"
                   " WHERE id=?9";
    sqlite3_stmt *stmt = gw_store_prepare(st, sql);
    if (!stmt)
        return SQLITE_ERROR;
    sqlite3_bind_text(stmt, 1, d->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, d->address, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(stmt, 3, d->port);
    sqlite3_bind_text(stmt, 4, d->scheme, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 5, d->username, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(stmt, 6, d->anpr_reverse);
    if (sealed)
        sqlite3_bind_text(stmt, 7, sealed, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 8, gw_now_ms());
    sqlite3_bind_text(stmt, 11, d->delivery, -1, SQLITE_TRANSIENT);
    if (*id) {
        sqlite3_bind_int64(stmt, 9, *id);
        sqlite3_bind_int(stmt, 10, new_reach);
    }
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_CONSTRAINT && gw_store_unique_violation(st))
        rc = SQLITE_CONSTRAINT_UNIQUE;
    else if (rc != SQLITE_DONE)
        gw_error("api: writing device: %s", sqlite3_errmsg(st->db));
    if (rc == SQLITE_DONE && *id == 0)
        *id = sqlite3_last_insert_rowid(st->db);
    sqlite3_finalize(stmt);
    return rc;
}

/* Validate, seal, write, answer. current: the stored device (update) or
 * NULL (create). */
static void devices__save(api_req *rq, api_resp *rs, int64_t id, json_t *merged, bool probe)
{
    api_device_in d;
    api_verr e = {0};
    char *sealed = NULL;
    if (!api_device_check(merged, id == 0, &d, &e))
        return api_error(rs, 400, e.field, "%s", e.msg);
    if (d.password && gw_secrets_seal(rq->g->secrets, d.password, &sealed))
        return api_error(rs, 500, NULL, "cannot seal the device password");
    bool creating = id == 0, found = false;
    gw_store_lock(rq->g->store);
    int rc = devices__write(rq->g->store, &id, &d, sealed, probe || d.password);
    json_t *o = rc == SQLITE_DONE ? devices__load(rq->g->store, id, &found) : NULL;
    gw_store_unlock(rq->g->store);
    free(sealed);
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
        return api_error(rs, 409, "name", "a device named \"%s\" already exists", d.name);
    if (rc != SQLITE_DONE || !found)
        return api_error_store(rs);
    gw_info("api: device %lld \"%s\" %s by %s", (long long)id, d.name,
            creating ? "created" : "updated", rq->user);
    gw_config_changed(rq->g);
    if (creating || probe || d.password)
        gw_actions_probe_device(rq->g, id);
    if (creating)
        api_header_add(rs, "Location", "/api/v1/devices/%lld", (long long)id);
    api_reply(rs, creating ? 201 : 200, o);
}

void api_devices_create(api_req *rq, api_resp *rs)
{
    if (!api_body_keys(rq, rs, device_fields, device_readonly))
        return;
    json_t *merged = json_object();
    const char *const *k;
    for (k = device_fields; *k; k++)
        if (json_object_get(rq->body, *k))
            json_object_set(merged, *k, json_object_get(rq->body, *k));
    devices__save(rq, rs, 0, merged, true);
    json_decref(merged);
}

static bool devices__reach_changed(json_t *cur, json_t *merged)
{
    static const char *const keys[] = {"address", "port", "scheme", "username", NULL};
    for (const char *const *k = keys; *k; k++) {
        json_t *a = json_object_get(cur, *k), *b = json_object_get(merged, *k);
        if (!json_equal(a, b))
            return true;
    }
    return false;
}

void api_devices_update(api_req *rq, api_resp *rs)
{
    int64_t id;
    bool found = false;
    if (!api_capture_id(rq, 0, &id))
        return api_error(rs, 404, NULL, "no such device");
    if (!api_body_keys(rq, rs, device_fields, device_readonly))
        return;
    gw_store_lock(rq->g->store);
    json_t *cur = devices__load(rq->g->store, id, &found);
    gw_store_unlock(rq->g->store);
    if (!found)
        return api_error(rs, 404, NULL, "no device with id %lld", (long long)id);
    json_t *merged = json_deep_copy(cur);
    for (const char *const *k = device_fields; *k; k++)
        if (json_object_get(rq->body, *k))
            json_object_set(merged, *k, json_object_get(rq->body, *k));
    bool probe = devices__reach_changed(cur, merged);
    devices__save(rq, rs, id, merged, probe);
    json_decref(merged);
    json_decref(cur);
}

/* Does the device exist, and what still refers to it? Store locked. */
static hik_err devices__refs(gw_store *st, int64_t id, int *exists, json_t *refs)
{
    *exists = gw_store_exists(st, "devices", id);
    hik_err res = *exists < 0 ? HIK_ERR_IO : HIK_OK;
    if (*exists == 1 && !res)
        res = gw_store_collect_refs(st,
                                    "SELECT t.id, t.name FROM triggers t JOIN trigger_devices"
                                    " td ON td.trigger_id = t.id WHERE td.device_id = ?1"
                                    " ORDER BY t.id",
                                    id, "trigger", refs);
    if (*exists == 1 && !res)
        res = gw_store_collect_refs(st,
                                    "SELECT a.id, a.name FROM actions a JOIN action_devices"
                                    " ad ON ad.action_id = a.id WHERE ad.device_id = ?1"
                                    " ORDER BY a.id",
                                    id, "action", refs);
    return res;
}

/* The camera's HTTP host slot goes back to what it was before hikgate
 * configured it (autoconf.c), before the row that remembers it goes:
 * best effort, logged, and the deletion proceeds either way. */
void api_devices_delete(api_req *rq, api_resp *rs)
{
    int64_t id;
    int exists = 0;
    if (!api_capture_id(rq, 0, &id))
        return api_error(rs, 404, NULL, "no such device");
    gw_store *st = rq->g->store;
    json_t *refs = json_array();
    gw_store_lock(st);
    hik_err res = devices__refs(st, id, &exists, refs);
    gw_store_unlock(st);
    if (!res && exists == 1 && json_array_size(refs) == 0) {
        gw_autoconf_release(rq->g, id);
        gw_store_lock(st);
        res = devices__refs(st, id, &exists, refs);
        if (!res && exists == 1 && json_array_size(refs) == 0) {
            sqlite3_stmt *stmt = gw_store_prepare(st, "DELETE FROM devices WHERE id = ?1");
            if (stmt) {
                sqlite3_bind_int64(stmt, 1, id);
                res = sqlite3_step(stmt) == SQLITE_DONE ? HIK_OK : HIK_ERR_IO;
            } else {
                res = HIK_ERR_IO;
            }
            sqlite3_finalize(stmt);
        }
        gw_store_unlock(st);
    }
    if (res)
        api_error_store(rs);
    else if (exists == 0)
        api_error(rs, 404, NULL, "no device with id %lld", (long long)id);
    else if (json_array_size(refs))
        api_error_in_use(rs, "device", id, refs);
    else {
        gw_info("api: device %lld deleted by %s", (long long)id, rq->user);
        gw_config_changed(rq->g);
        api_reply(rs, 204, NULL);
    }
    json_decref(refs);
}
