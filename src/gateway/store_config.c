/* store_config.c: row-to-JSON conversion, id lists, link tables and
 * reference checks shared by the configuration resources of the API. */
#include "store_config.h"

#include <string.h>

#include "log.h"

json_t *gw_store_json_column(sqlite3_stmt *stmt, int col)
{
    if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
        return json_null();
    const char *text = (const char *)sqlite3_column_text(stmt, col);
    int len = sqlite3_column_bytes(stmt, col);
    json_t *v = json_loadb(text ? text : "", (size_t)len, JSON_DECODE_ANY, NULL);
    return v ? v : json_stringn(text ? text : "", (size_t)len);
}

json_t *gw_store_row_json(sqlite3_stmt *stmt)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int n = sqlite3_column_count(stmt);
    for (int i = 0; i < n; i++) {
        const char *name = sqlite3_column_name(stmt, i);
        json_t *v = NULL;
        switch (sqlite3_column_type(stmt, i)) {
        case SQLITE_INTEGER:
            v = json_integer(sqlite3_column_int64(stmt, i));
            break;
        case SQLITE_FLOAT:
            v = json_real(sqlite3_column_double(stmt, i));
            break;
        case SQLITE_TEXT:
            v = json_stringn((const char *)sqlite3_column_text(stmt, i),
                             (size_t)sqlite3_column_bytes(stmt, i));
            /* Text that is not valid UTF-8 cannot be a JSON string. */
            if (!v)
                v = json_null();
            break;
        case SQLITE_NULL:
            v = json_null();
            break;
        default:
            continue;
        }
        json_object_set_new(o, name, v);
    }
    return o;
}

json_t *gw_store_rows_json(gw_store *st, const char *sql, int64_t id)
{
    sqlite3_stmt *stmt = gw_store_prepare(st, sql);
    if (!stmt)
        return NULL;
    if (id > 0)
        sqlite3_bind_int64(stmt, 1, id);
    json_t *arr = json_array();
    int rc;
    while (arr && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
        json_array_append_new(arr, gw_store_row_json(stmt));
    if (arr && rc != SQLITE_DONE) {
        gw_error("store: %s", sqlite3_errmsg(st->db));
        json_decref(arr);
        arr = NULL;
    }
    sqlite3_finalize(stmt);
    return arr;
}

json_t *gw_store_id_list(gw_store *st, const char *sql, int64_t id)
{
    sqlite3_stmt *stmt = gw_store_prepare(st, sql);
    if (!stmt)
        return NULL;
    sqlite3_bind_int64(stmt, 1, id);
    json_t *arr = json_array();
    int rc;
    while (arr && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
        json_array_append_new(arr, json_integer(sqlite3_column_int64(stmt, 0)));
    if (arr && rc != SQLITE_DONE) {
        json_decref(arr);
        arr = NULL;
    }
    sqlite3_finalize(stmt);
    return arr;
}

void gw_store_parse_json_key(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return;
    json_t *parsed = json_loads(json_string_value(v), JSON_DECODE_ANY, NULL);
    if (parsed)
        json_object_set_new(obj, key, parsed);
}

void gw_store_bool_key(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_integer(v))
        json_object_set_new(obj, key, json_boolean(json_integer_value(v) != 0));
}

static const char *store__exists_sql(const char *table)
{
    /* Table names come from a fixed list, never from input. */
    static const char *const sql[][2] = {
        {"devices", "SELECT 1 FROM devices WHERE id = ?1"},
        {"actions", "SELECT 1 FROM actions WHERE id = ?1"},
        {"triggers", "SELECT 1 FROM triggers WHERE id = ?1"},
        {"scenarios", "SELECT 1 FROM scenarios WHERE id = ?1"},
        {"events", "SELECT 1 FROM events WHERE id = ?1"},
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
        if (strcmp(sql[i][0], table) == 0)
            return sql[i][1];
    return NULL;
}

int gw_store_exists(gw_store *st, const char *table, int64_t id)
{
    const char *sql = store__exists_sql(table);
    sqlite3_stmt *stmt = sql ? gw_store_prepare(st, sql) : NULL;
    if (!stmt)
        return -1;
    sqlite3_bind_int64(stmt, 1, id);
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int64_t gw_store_first_missing(gw_store *st, const char *table, const int64_t *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int found = gw_store_exists(st, table, ids[i]);
        if (found < 0)
            return -1;
        if (!found)
            return ids[i];
    }
    return 0;
}

hik_err gw_store_collect_refs(gw_store *st, const char *sql, int64_t id, const char *type,
                              json_t *refs)
{
    sqlite3_stmt *stmt = gw_store_prepare(st, sql);
    if (!stmt)
        return HIK_ERR_IO;
    sqlite3_bind_int64(stmt, 1, id);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        json_t *ref = json_pack("{s:s, s:I, s:s}", "type", type, "id",
                                (json_int_t)sqlite3_column_int64(stmt, 0), "name",
                                (const char *)sqlite3_column_text(stmt, 1));
        if (ref)
            json_array_append_new(refs, ref);
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? HIK_OK : HIK_ERR_IO;
}

hik_err gw_store_set_links(gw_store *st, const char *del_sql, const char *ins_sql, int64_t owner,
                           const int64_t *ids, size_t n)
{
    sqlite3_stmt *del = gw_store_prepare(st, del_sql);
    sqlite3_stmt *ins = gw_store_prepare(st, ins_sql);
    hik_err res = del && ins ? HIK_OK : HIK_ERR_IO;
    if (!res) {
        sqlite3_bind_int64(del, 1, owner);
        if (sqlite3_step(del) != SQLITE_DONE)
            res = HIK_ERR_IO;
    }
    for (size_t i = 0; !res && i < n; i++) {
        sqlite3_reset(ins);
        sqlite3_bind_int64(ins, 1, owner);
        sqlite3_bind_int64(ins, 2, ids[i]);
        if (sqlite3_bind_parameter_count(ins) >= 3)
            sqlite3_bind_int64(ins, 3, (sqlite3_int64)i);
        if (sqlite3_step(ins) != SQLITE_DONE)
            res = HIK_ERR_IO;
    }
    if (res)
        gw_error("store: updating links: %s", sqlite3_errmsg(st->db));
    sqlite3_finalize(del);
    sqlite3_finalize(ins);
    return res;
}

bool gw_store_unique_violation(gw_store *st)
{
    return sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_UNIQUE;
}

hik_err gw_store_begin(gw_store *st)
{
    return gw_store_exec(st, "BEGIN IMMEDIATE");
}

hik_err gw_store_commit(gw_store *st)
{
    return gw_store_exec(st, "COMMIT");
}

void gw_store_rollback(gw_store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        gw_store_exec(st, "ROLLBACK");
}
