/* audit.c: the audit_log table (see audit.h). */
#include "audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

bool gw_audit_secret_key(const char *key)
{
    static const char *const words[] = {"password", "passwd",     "secret", "token",
                                        "key",      "credential", "csrf",   "cookie"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcasestr(key, words[i]))
            return true;
    return false;
}

/* A deep copy with secret values replaced by "***". */
static json_t *audit__mask(json_t *v, int depth)
{
    if (depth > 8)
        return json_string("...");
    if (json_is_object(v)) {
        json_t *o = json_object();
        const char *k;
        json_t *item;
        json_object_foreach(v, k, item)
        {
            json_object_set_new(
                o, k, gw_audit_secret_key(k) ? json_string("***") : audit__mask(item, depth + 1));
        }
        return o;
    }
    if (json_is_array(v)) {
        json_t *a = json_array();
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) json_array_append_new(a, audit__mask(item, depth + 1));
        return a;
    }
    return json_deep_copy(v);
}

void gw_audit_summary(json_t *body, char *out, size_t len)
{
    if (!len)
        return;
    out[0] = 0;
    if (!body)
        return;
    json_t *m = audit__mask(body, 0);
    char *text = m ? json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(m);
    if (!text)
        return;
    if (len > GW_AUDIT_SUMMARY_MAX)
        len = GW_AUDIT_SUMMARY_MAX;
    size_t n = strlen(text);
    if (n < len) {
        memcpy(out, text, n + 1);
    } else if (len > 4) {
        size_t keep = len - 4;
        while (keep && ((unsigned char)text[keep] & 0xC0) == 0x80)
            keep--; /* not inside a UTF-8 sequence */
        memcpy(out, text, keep);
        memcpy(out + keep, "...", 4);
    }
    free(text);
}

hik_err gw_audit_add(gw_store *st, const gw_audit_entry *e)
{
    hik_err res = HIK_ERR_IO;
    gw_store_lock(st);
    sqlite3_stmt *s = gw_store_prepare(
        st, "INSERT INTO audit_log(at_ms, who, source_addr, what, method, route, object_id, "
            "status, summary) VALUES(?,?,?,?,?,?,?,?,?)");
    if (s) {
        sqlite3_bind_int64(s, 1, gw_now_ms());
        sqlite3_bind_text(s, 2, e->who ? e->who : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, e->addr ? e->addr : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, e->what ? e->what : "change", -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, e->method ? e->method : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 6, e->route ? e->route : "", -1, SQLITE_STATIC);
        if (e->object_id)
            sqlite3_bind_int64(s, 7, e->object_id);
        else
            sqlite3_bind_null(s, 7);
        sqlite3_bind_int(s, 8, e->status);
        sqlite3_bind_text(s, 9, e->summary ? e->summary : "", -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_DONE)
            res = HIK_OK;
        sqlite3_finalize(s);
    }
    if (res)
        gw_error("audit: recording %s %s failed: %s", e->what ? e->what : "change",
                 e->route ? e->route : "", sqlite3_errmsg(st->db));
    gw_store_unlock(st);
    return res;
}

static json_t *audit__row(sqlite3_stmt *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(sqlite3_column_int64(s, 0)));
    json_object_set_new(o, "at_ms", json_integer(sqlite3_column_int64(s, 1)));
    static const char *const names[] = {"who", "source_addr", "what", "method", "route"};
    for (int i = 0; i < 5; i++)
        json_object_set_new(o, names[i], json_string((const char *)sqlite3_column_text(s, 2 + i)));
    json_object_set_new(o, "object_id",
                        sqlite3_column_type(s, 7) == SQLITE_NULL
                            ? json_null()
                            : json_integer(sqlite3_column_int64(s, 7)));
    json_object_set_new(o, "status", json_integer(sqlite3_column_int(s, 8)));
    const char *summary = (const char *)sqlite3_column_text(s, 9);
    json_t *j = summary && *summary ? json_loads(summary, 0, NULL) : NULL;
    json_object_set_new(o, "summary", j ? j : json_string(summary ? summary : ""));
    return o;
}

json_t *gw_audit_list(gw_store *st, int64_t since_ms, int limit)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    gw_store_lock(st);
    sqlite3_stmt *s = gw_store_prepare(
        st, "SELECT id, at_ms, who, source_addr, what, method, route, object_id, status, summary "
            "FROM audit_log WHERE at_ms >= ? ORDER BY id DESC LIMIT ?");
    if (!s) {
        gw_store_unlock(st);
        json_decref(arr);
        return NULL;
    }
    sqlite3_bind_int64(s, 1, since_ms);
    sqlite3_bind_int(s, 2, limit);
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(arr, audit__row(s));
    sqlite3_finalize(s);
    gw_store_unlock(st);
    return arr;
}
