/* store_events_query.c: event log and action-run queries for the API.
 *
 * Pages are keyset-paginated on the event id (newest first): a page ends
 * with next_before = the last id shown, and the next page asks for ids
 * below it. Unlike OFFSET this costs the same on page 1000 as on page 1 and
 * does not skip or repeat events when new ones arrive between pages. The
 * filter clauses are fixed SQL fragments; only values are bound. */
#include "store_events_query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_codec.h"
#include "log.h"
#include "store_config.h"

#define EVENT_COLS                                                                                 \
    "id, received_ms, device_id, source_addr, attribution, kind, type_raw AS type, state,"         \
    " channel, fields, n_pictures"

static json_t *events__pictures(gw_store *st, int64_t event_id)
{
    json_t *arr = gw_store_rows_json(st,
                                     "SELECT n, name, content_type, length(data) AS size"
                                     " FROM event_pictures WHERE event_id = ?1 ORDER BY n",
                                     event_id);
    size_t i;
    json_t *p;
    json_array_foreach(arr, i, p)
    {
        char url[96];
        snprintf(url, sizeof url, "/api/v1/events/%lld/pictures/%lld", (long long)event_id,
                 (long long)json_integer_value(json_object_get(p, "n")));
        json_object_set_new(p, "url", json_string(url));
    }
    return arr;
}

/* Shape an event row: parse fields, attach pictures. */
static bool events__finish(gw_store *st, json_t *o)
{
    gw_store_parse_json_key(o, "fields");
    int64_t n = json_integer_value(json_object_get(o, "n_pictures"));
    json_object_del(o, "n_pictures");
    json_t *pics =
        n > 0 ? events__pictures(st, json_integer_value(json_object_get(o, "id"))) : json_array();
    if (!pics)
        return false;
    json_object_set_new(o, "pictures", pics);
    return true;
}

static void events__bind(sqlite3_stmt *stmt, const gw_events_filter *f)
{
    int i = 1;
    if (f->has_device)
        sqlite3_bind_int64(stmt, i++, f->device);
    if (f->kind)
        sqlite3_bind_text(stmt, i++, f->kind, -1, SQLITE_TRANSIENT);
    if (f->has_since)
        sqlite3_bind_int64(stmt, i++, f->since);
    if (f->has_until)
        sqlite3_bind_int64(stmt, i++, f->until);
    if (f->has_before)
        sqlite3_bind_int64(stmt, i++, f->before);
    sqlite3_bind_int(stmt, i, f->limit + 1);
}

json_t *gw_store_events_list(gw_store *st, const gw_events_filter *f)
{
    char sql[512];
    int n = snprintf(sql, sizeof sql, "SELECT " EVENT_COLS " FROM events WHERE 1");
    if (f->has_device)
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND device_id = ?");
    if (f->kind)
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND kind = ?");
    if (f->has_since)
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND received_ms >= ?");
    if (f->has_until)
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND received_ms <= ?");
    if (f->has_before)
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND id < ?");
    snprintf(sql + n, sizeof sql - (size_t)n, " ORDER BY id DESC LIMIT ?");

    json_t *events = json_array(), *out = NULL;
    gw_store_lock(st);
    sqlite3_stmt *stmt = gw_store_prepare(st, sql);
    int rc = SQLITE_ERROR, count = 0;
    bool more = false;
    if (stmt && events) {
        events__bind(stmt, f);
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            if (count == f->limit) {
                more = true;
                continue;
            }
            json_t *o = gw_store_row_json(stmt);
            if (!o || !events__finish(st, o)) {
                json_decref(o);
                rc = SQLITE_ERROR;
                break;
            }
            json_array_append_new(events, o);
            count++;
        }
    }
    sqlite3_finalize(stmt);
    gw_store_unlock(st);
    if (rc != SQLITE_DONE) {
        json_decref(events);
        return NULL;
    }
    json_t *last = json_array_get(events, json_array_size(events) - 1);
    out = json_pack("{s:o, s:o}", "events", events, "next_before",
                    more && last ? json_incref(json_object_get(last, "id")) : json_null());
    return out;
}

/* raw: the alert document as text when it is UTF-8, else base64. */
static void events__raw(json_t *o, sqlite3_stmt *stmt, int col)
{
    const uint8_t *raw = sqlite3_column_blob(stmt, col);
    size_t len = (size_t)sqlite3_column_bytes(stmt, col);
    if (sqlite3_column_type(stmt, col) == SQLITE_NULL) {
        json_object_set_new(o, "raw", json_null());
    } else if (api_utf8_valid(raw, len, NULL) && !memchr(raw, '\0', len)) {
        json_object_set_new(o, "raw", json_stringn((const char *)raw, len));
    } else {
        char *b64 = api_b64_encode_alloc(raw, len);
        json_object_set_new(o, "raw", b64 ? json_string(b64) : json_null());
        json_object_set_new(o, "raw_encoding", json_string("base64"));
        free(b64);
    }
}

json_t *gw_store_event_get(gw_store *st, int64_t id, bool *found)
{
    *found = false;
    json_t *o = NULL;
    gw_store_lock(st);
    sqlite3_stmt *stmt =
        gw_store_prepare(st, "SELECT " EVENT_COLS ", raw_type, raw FROM events WHERE id = ?1");
    if (stmt) {
        sqlite3_bind_int64(stmt, 1, id);
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            *found = true;
            o = gw_store_row_json(stmt);
            if (o)
                events__raw(o, stmt, sqlite3_column_count(stmt) - 1);
        }
    }
    sqlite3_finalize(stmt);
    json_t *runs = o ? gw_store_runs_locked(st, GW_RUNS_BY_EVENT, id, GW_EVENTS_LIMIT_MAX) : NULL;
    if (o && (!runs || !events__finish(st, o))) {
        json_decref(o);
        o = NULL;
    }
    gw_store_unlock(st);
    if (o)
        json_object_set_new(o, "runs", runs);
    else
        json_decref(runs);
    return o;
}

hik_err gw_store_event_picture(gw_store *st, int64_t id, int64_t n, uint8_t **data, size_t *len,
                               char *content_type, size_t ct_len)
{
    hik_err res = HIK_ERR_IO;
    *data = NULL;
    *len = 0;
    gw_store_lock(st);
    sqlite3_stmt *stmt = gw_store_prepare(
        st, "SELECT content_type, data FROM event_pictures WHERE event_id = ?1 AND n = ?2");
    if (stmt) {
        sqlite3_bind_int64(stmt, 1, id);
        sqlite3_bind_int64(stmt, 2, n);
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            const char *ct = (const char *)sqlite3_column_text(stmt, 0);
            snprintf(content_type, ct_len, "%s", ct ? ct : "");
            const void *blob = sqlite3_column_blob(stmt, 1);
            *len = (size_t)sqlite3_column_bytes(stmt, 1);
            *data = malloc(*len ? *len : 1);
            if (*data) {
                if (*len)
                    memcpy(*data, blob, *len);
                res = HIK_OK;
            } else {
                res = HIK_ERR_NOMEM;
            }
        } else if (rc == SQLITE_DONE) {
            res = HIK_ERR_NOT_FOUND;
        }
    }
    sqlite3_finalize(stmt);
    gw_store_unlock(st);
    return res;
}

json_t *gw_store_runs_locked(gw_store *st, gw_runs_by by, int64_t id, int limit)
{
    static const char *const where[] = {
        [GW_RUNS_BY_ID] = "id = ?1",
        [GW_RUNS_BY_ACTION] = "action_id = ?1",
        [GW_RUNS_BY_EVENT] = "event_id = ?1",
    };
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT id, action_id, action, device_id, event_id, scenario_id, params, status,"
             " attempts, next_ms, result, created_ms, started_ms, finished_ms"
             " FROM action_runs WHERE %s ORDER BY id DESC LIMIT %d",
             where[by], limit);
    json_t *rows = gw_store_rows_json(st, sql, id);
    size_t i;
    json_t *o;
    json_array_foreach(rows, i, o)
    {
        gw_store_parse_json_key(o, "params");
        gw_store_parse_json_key(o, "result");
    }
    return rows;
}

json_t *gw_store_runs(gw_store *st, gw_runs_by by, int64_t id, int limit)
{
    gw_store_lock(st);
    json_t *rows = gw_store_runs_locked(st, by, id, limit);
    gw_store_unlock(st);
    return rows;
}
