/* config_io.c: export and import of the whole configuration by name.
 *
 * Both directions go through one "document form" per kind (devices,
 * actions, triggers, scenarios): the export writes it, and the import
 * builds it from the incoming entry (defaults filled in by the API's own
 * validators) and compares it with the stored thing's form. Equal means
 * unchanged, so applying a document twice changes nothing the second time.
 *
 * Imported devices without a password (a document exported without a
 * passphrase) that do not exist yet are skipped with the reason: a device
 * row without credentials would only produce failed logins, and failed
 * logins lock camera accounts. Existing devices keep their password. */
#include "config_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "api_validate.h"
#include "config_seal.h"
#include "log.h"
#include "store_config.h"

/* ---- reading the document form ------------------------------------------ */

/* Column 0 of every row (?1 = id) as an array of strings. */
static json_t *cio__names(gw_store *st, const char *sql, int64_t id)
{
    sqlite3_stmt *s = gw_store_prepare(st, sql);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, id);
    json_t *a = json_array();
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        json_array_append_new(a, json_string((const char *)sqlite3_column_text(s, 0)));
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static bool cio__add_names(gw_store *st, json_t *o, const char *key, const char *sql)
{
    json_t *n = cio__names(st, sql, json_integer_value(json_object_get(o, "_id")));
    return n && json_object_set_new(o, key, n) == 0;
}

/* Every row of a kind in document form, plus "_id" (and "_sealed" for
 * devices), sorted by name. NULL on a store error. Store locked. */
static json_t *cio__load(gw_store *st, const char *kind)
{
    json_t *rows = NULL;
    size_t i;
    json_t *o;
    bool ok = true;
    if (!strcmp(kind, "device")) {
        rows = gw_store_rows_json(st,
                                  "SELECT id AS _id, password AS _sealed, name, address, port,"
                                  " scheme, username, anpr_reverse FROM devices ORDER BY name",
                                  0);
        json_array_foreach(rows, i, o) gw_store_bool_key(o, "anpr_reverse");
    } else if (!strcmp(kind, "action")) {
        rows = gw_store_rows_json(
            st, "SELECT id AS _id, name, type, action, params FROM actions ORDER BY name", 0);
        json_array_foreach(rows, i, o)
        {
            json_t *params = json_loads(json_string_value(json_object_get(o, "params")), 0, NULL);
            json_t *ch = json_object_get(params, "channel");
            json_object_set_new(o, "channel", json_integer(ch ? json_integer_value(ch) : 1));
            json_decref(params);
            json_object_del(o, "params");
            ok = ok && cio__add_names(st, o, "devices",
                                      "SELECT d.name FROM action_devices x JOIN devices d ON"
                                      " d.id = x.device_id WHERE x.action_id = ?1 ORDER BY d.name");
        }
    } else if (!strcmp(kind, "trigger")) {
        rows = gw_store_rows_json(
            st, "SELECT id AS _id, name, type, event, conditions FROM triggers ORDER BY name", 0);
        json_array_foreach(rows, i, o)
        {
            gw_store_parse_json_key(o, "conditions");
            ok =
                ok && cio__add_names(st, o, "devices",
                                     "SELECT d.name FROM trigger_devices x JOIN devices d ON"
                                     " d.id = x.device_id WHERE x.trigger_id = ?1 ORDER BY d.name");
        }
    } else {
        rows = gw_store_rows_json(st,
                                  "SELECT s.id AS _id, s.name, t.name AS \"trigger\", s.enabled,"
                                  " s.cooldown_s FROM scenarios s JOIN triggers t ON"
                                  " t.id = s.trigger_id ORDER BY s.name",
                                  0);
        json_array_foreach(rows, i, o)
        {
            gw_store_bool_key(o, "enabled");
            ok = ok && cio__add_names(st, o, "actions",
                                      "SELECT a.name FROM scenario_actions x JOIN actions a ON"
                                      " a.id = x.action_id WHERE x.scenario_id = ?1"
                                      " ORDER BY x.position");
        }
    }
    if (!ok) {
        json_decref(rows);
        return NULL;
    }
    return rows;
}

static const char *const cio__kinds[] = {"device", "action", "trigger", "scenario"};
static const char *const cio__plural[] = {"devices", "actions", "triggers", "scenarios"};

static void cio__fail(gw_config_err *e, int status, const char *field, const char *msg)
{
    e->status = status;
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    snprintf(e->msg, sizeof e->msg, "%s", msg);
}

/* Add the sealed password of every device to the export. */
static bool cio__export_secrets(gw *g, json_t *devices, gw_seal *seal)
{
    size_t i;
    json_t *o;
    json_array_foreach(devices, i, o)
    {
        char *plain = NULL, *enc = NULL;
        const char *name = json_string_value(json_object_get(o, "name"));
        if (gw_secrets_unseal(g->secrets, json_string_value(json_object_get(o, "_sealed")), &plain))
            return false;
        hik_err err = gw_seal_encrypt(seal, name, plain, &enc);
        gw_secrets_free(plain);
        if (err)
            return false;
        json_object_set_new(o, "password", json_string(enc));
        free(enc);
    }
    return true;
}

json_t *gw_config_export(gw *g, const char *passphrase, gw_config_err *e)
{
    json_t *doc = json_pack("{s:s,s:i}", "format", GW_CONFIG_FORMAT, "version", GW_CONFIG_VERSION);
    gw_seal *seal = NULL;
    json_t *params = NULL;
    if (passphrase && gw_seal_new(passphrase, &seal, &params)) {
        json_decref(doc);
        cio__fail(e, 400, "passphrase", "the passphrase must be 8 to 1024 bytes");
        return NULL;
    }
    bool ok = true;
    gw_store_lock(g->store);
    for (size_t k = 0; k < 4 && ok; k++) {
        json_t *rows = cio__load(g->store, cio__kinds[k]);
        ok = rows != NULL;
        json_object_set_new(doc, cio__plural[k], rows ? rows : json_null());
    }
    gw_store_unlock(g->store);
    json_t *devices = json_object_get(doc, "devices");
    if (ok && seal) {
        ok = cio__export_secrets(g, devices, seal);
        json_object_set(doc, "secrets", params);
    }
    for (size_t k = 0; k < 4 && ok; k++) {
        size_t i;
        json_t *o;
        json_array_foreach(json_object_get(doc, cio__plural[k]), i, o)
        {
            json_object_del(o, "_id");
            json_object_del(o, "_sealed");
        }
    }
    gw_seal_free(seal);
    json_decref(params);
    if (!ok) {
        json_decref(doc);
        cio__fail(e, 500, NULL, "the configuration could not be read");
        return NULL;
    }
    return doc;
}

/* ---- import ------------------------------------------------------------- */

enum { CIO_ERROR = -1, CIO_SKIPPED, CIO_UNCHANGED, CIO_CREATED, CIO_UPDATED };

typedef struct cio_import {
    gw *g;
    gw_seal *seal;
    json_t *ids;   /* kind plural -> {name: id} of what the store holds now */
    json_t *probe; /* device ids whose reach changed */
    char why[256]; /* reason of the last skip */
} cio_import;

static int cio__skip(cio_import *im, const char *fmt, const char *arg)
{
    snprintf(im->why, sizeof im->why, fmt, arg ? arg : "");
    return CIO_SKIPPED;
}

/* {name: id} of a table. Store locked. */
static json_t *cio__id_map(gw_store *st, const char *table)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT id, name FROM %s", table);
    json_t *rows = gw_store_rows_json(st, sql, 0);
    if (!rows)
        return NULL;
    json_t *map = json_object();
    size_t i;
    json_t *o;
    json_array_foreach(rows, i, o) json_object_set(
        map, json_string_value(json_object_get(o, "name")), json_object_get(o, "id"));
    json_decref(rows);
    return map;
}

/* Names (an array of strings) -> ids through the map of `plural`; NULL
 * after a skip naming the first unknown one. sorted: the form keeps the
 * names sorted (sets); else in the given order (scenario actions). */
static json_t *cio__resolve(cio_import *im, json_t *names, const char *plural, const char *noun)
{
    json_t *map = json_object_get(im->ids, plural);
    json_t *ids = json_array();
    size_t i;
    json_t *n;
    if (!json_is_array(names)) {
        json_decref(ids);
        cio__skip(im, "%s must be a list of names", plural);
        return NULL;
    }
    json_array_foreach(names, i, n)
    {
        json_t *id = json_is_string(n) ? json_object_get(map, json_string_value(n)) : NULL;
        if (!id) {
            json_decref(ids);
            char what[160];
            snprintf(what, sizeof what, "%s \"%.100s\"", noun,
                     json_is_string(n) ? json_string_value(n) : "?");
            cio__skip(im, "%s is not on this gateway", what);
            return NULL;
        }
        json_array_append(ids, id);
    }
    return ids;
}

static int cio__cmp_str(const void *a, const void *b)
{
    return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

/* A copy of an array of strings, sorted and checked to be strings. */
static json_t *cio__sorted(json_t *names)
{
    size_t n = json_array_size(names);
    json_t **v = calloc(n ? n : 1, sizeof *v);
    json_t *out = json_array();
    for (size_t i = 0; v && i < n; i++)
        v[i] = json_array_get(names, i);
    if (v)
        qsort(v, n, sizeof *v, cio__cmp_str);
    for (size_t i = 0; v && i < n; i++)
        json_array_append(out, v[i]);
    free(v);
    return out;
}

/* Does the stored form (minus _id/_sealed) equal the new one? */
static bool cio__same(json_t *cur, json_t *form)
{
    if (!cur)
        return false;
    json_t *c = json_copy(cur);
    json_object_del(c, "_id");
    json_object_del(c, "_sealed");
    bool same = json_equal(c, form);
    json_decref(c);
    return same;
}

/* Keys of entry all in `allowed`? Else a skip naming the first other. */
static bool cio__keys(cio_import *im, json_t *entry, const char *const *allowed)
{
    const char *k;
    json_t *v;
    json_object_foreach(entry, k, v)
    {
        const char *const *a = allowed;
        while (*a && strcmp(*a, k) != 0)
            a++;
        if (!*a) {
            cio__skip(im, "unknown field \"%s\"", k);
            return false;
        }
    }
    return true;
}

static int64_t cio__cur_id(json_t *cur)
{
    return cur ? json_integer_value(json_object_get(cur, "_id")) : 0;
}

/* Run one write statement; binds are applied by the caller's callback. */
static int cio__step(gw_store *st, sqlite3_stmt *s, int64_t *id)
{
    if (!s)
        return CIO_ERROR;
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE)
        gw_error("config import: %s", sqlite3_errmsg(st->db));
    else if (*id == 0)
        *id = sqlite3_last_insert_rowid(st->db);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? CIO_CREATED : CIO_ERROR;
}

/* The device's password from the document, decrypted; NULL when absent.
 * false after a skip. */
static bool cio__device_password(cio_import *im, json_t *entry, char **plain)
{
    *plain = NULL;
    json_t *pw = json_object_get(entry, "password");
    if (!pw)
        return true;
    const char *name = json_string_value(json_object_get(entry, "name"));
    hik_err err =
        im->seal ? gw_seal_decrypt(im->seal, name, json_string_value(pw), plain) : HIK_ERR_INVALID;
    if (err)
        cio__skip(im, "%s", "its password does not open with the document's passphrase");
    return !err;
}

static int cio__device_write(cio_import *im, int64_t *id, const api_device_in *d,
                             const char *sealed, bool reach)
{
    gw_store *st = im->g->store;
    sqlite3_stmt *s = gw_store_prepare(
        st, *id == 0 ? "INSERT INTO devices(name, address, port, scheme, username, anpr_reverse,"
                       " password, created_ms, updated_ms) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?8)"
                     : "UPDATE devices SET address=?2, port=?3, scheme=?4, username=?5,"
                       " anpr_reverse=?6, password=coalesce(?7, password), updated_ms=?8,"
                       " status=CASE WHEN ?10 THEN 'unknown' ELSE status END,"
                       " last_error=CASE WHEN ?10 THEN NULL ELSE last_error END"
                       " WHERE id=?9 AND name=?1");
    if (s) {
        sqlite3_bind_text(s, 1, d->name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 2, d->address, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(s, 3, d->port);
        sqlite3_bind_text(s, 4, d->scheme, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 5, d->username, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(s, 6, d->anpr_reverse);
        if (sealed)
            sqlite3_bind_text(s, 7, sealed, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 8, gw_now_ms());
        sqlite3_bind_int64(s, 9, *id);
        sqlite3_bind_int(s, 10, reach);
    }
    int rc = cio__step(st, s, id);
    if (rc != CIO_ERROR && reach)
        json_array_append_new(im->probe, json_integer(*id));
    return rc;
}

static int cio__device(cio_import *im, json_t *entry, json_t *cur)
{
    static const char *const keys[] = {"name",     "address",      "port",     "scheme",
                                       "username", "anpr_reverse", "password", NULL};
    char *plain = NULL, *sealed = NULL;
    if (!cio__keys(im, entry, keys) || !cio__device_password(im, entry, &plain))
        return CIO_SKIPPED;
    if (!cur && !plain)
        return cio__skip(im, "%s",
                         "no password in the document (export with a passphrase, or add the "
                         "device with POST /api/v1/devices)");
    json_t *obj = json_copy(entry);
    json_object_del(obj, "password");
    if (plain)
        json_object_set_new(obj, "password", json_string(plain));
    api_device_in d;
    api_verr ve = {0};
    int rc = CIO_UNCHANGED;
    if (!api_device_check(obj, cur == NULL, &d, &ve))
        rc = cio__skip(im, "%s", ve.msg);
    json_t *form = rc ? json_pack("{s:s,s:s,s:i,s:s,s:s,s:b}", "name", d.name, "address", d.address,
                                  "port", d.port, "scheme", d.scheme, "username", d.username,
                                  "anpr_reverse", d.anpr_reverse)
                      : NULL;
    bool same = form && cio__same(cur, form), pw_same = !plain;
    if (same && plain) {
        char *old = NULL;
        const char *s = json_string_value(json_object_get(cur, "_sealed"));
        pw_same = !gw_secrets_unseal(im->g->secrets, s, &old) && strcmp(old, plain) == 0;
        gw_secrets_free(old);
    }
    if (rc && !(same && pw_same)) {
        int64_t id = cio__cur_id(cur);
        bool reach =
            !cur || !pw_same ||
            !json_equal(json_object_get(cur, "address"), json_object_get(form, "address")) ||
            !json_equal(json_object_get(cur, "port"), json_object_get(form, "port")) ||
            !json_equal(json_object_get(cur, "scheme"), json_object_get(form, "scheme")) ||
            !json_equal(json_object_get(cur, "username"), json_object_get(form, "username"));
        if (plain && gw_secrets_seal(im->g->secrets, plain, &sealed))
            rc = CIO_ERROR;
        else
            rc = cio__device_write(im, &id, &d, pw_same ? NULL : sealed, reach);
        if (rc == CIO_CREATED && cur)
            rc = CIO_UPDATED;
    }
    free(sealed);
    gw_secrets_free(plain);
    json_decref(form);
    json_decref(obj);
    return rc;
}

/* Replace a link table's rows for owner. */
static int cio__links(cio_import *im, const char *table, const char *owner_col,
                      const char *other_col, int64_t owner, const int64_t *ids, size_t n)
{
    char del[128], ins[192];
    snprintf(del, sizeof del, "DELETE FROM %s WHERE %s = ?1", table, owner_col);
    if (!strcmp(table, "scenario_actions"))
        snprintf(ins, sizeof ins, "INSERT INTO %s(%s, %s, position) VALUES(?1, ?2, ?3)", table,
                 owner_col, other_col);
    else
        snprintf(ins, sizeof ins, "INSERT INTO %s(%s, %s) VALUES(?1, ?2)", table, owner_col,
                 other_col);
    return gw_store_set_links(im->g->store, del, ins, owner, ids, n) ? CIO_ERROR : CIO_CREATED;
}

static int cio__action(cio_import *im, json_t *entry, json_t *cur)
{
    static const char *const keys[] = {"name", "type", "action", "channel", "devices", NULL};
    if (!cio__keys(im, entry, keys))
        return CIO_SKIPPED;
    json_t *ids = cio__resolve(im, json_object_get(entry, "devices"), "devices", "device");
    if (!ids)
        return CIO_SKIPPED;
    json_t *obj = json_copy(entry);
    json_object_set_new(obj, "devices", ids);
    api_action_in a;
    api_verr ve = {0};
    int rc = CIO_UNCHANGED;
    json_t *form = NULL;
    if (!api_action_check(obj, &a, &ve))
        rc = cio__skip(im, "%s", ve.msg);
    else
        form = json_pack("{s:s,s:s,s:s,s:i,s:o}", "name", a.name, "type", a.type, "action",
                         a.action, "channel", a.channel, "devices",
                         cio__sorted(json_object_get(entry, "devices")));
    if (form && !cio__same(cur, form)) {
        int64_t id = cio__cur_id(cur);
        char params[64];
        snprintf(params, sizeof params, "{\"channel\":%d}", a.channel);
        sqlite3_stmt *s = gw_store_prepare(
            im->g->store, id == 0 ? "INSERT INTO actions(name, type, action, params, created_ms,"
                                    " updated_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?5)"
                                  : "UPDATE actions SET type=?2, action=?3, params=?4,"
                                    " updated_ms=?5 WHERE id=?6 AND name=?1");
        if (s) {
            sqlite3_bind_text(s, 1, a.name, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(s, 2, a.type, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(s, 3, a.action, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(s, 4, params, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(s, 5, gw_now_ms());
            sqlite3_bind_int64(s, 6, id);
        }
        rc = cio__step(im->g->store, s, &id);
        if (rc != CIO_ERROR)
            rc = cio__links(im, "action_devices", "action_id", "device_id", id, a.devices,
                            a.n_devices);
        if (rc == CIO_CREATED && cur)
            rc = CIO_UPDATED;
    }
    json_decref(form);
    json_decref(obj);
    return rc;
}

static int cio__trigger(cio_import *im, json_t *entry, json_t *cur)
{
    static const char *const keys[] = {"name", "type", "event", "conditions", "devices", NULL};
    if (!cio__keys(im, entry, keys))
        return CIO_SKIPPED;
    json_t *ids = cio__resolve(im, json_object_get(entry, "devices"), "devices", "device");
    if (!ids)
        return CIO_SKIPPED;
    json_t *obj = json_copy(entry);
    json_object_set_new(obj, "devices", ids);
    api_trigger_in t;
    api_verr ve = {0};
    int rc = CIO_UNCHANGED;
    json_t *form = NULL;
    if (!api_trigger_check(obj, &t, &ve))
        rc = cio__skip(im, "%s", ve.msg);
    else
        form = json_pack("{s:s,s:s,s:s,s:O,s:o}", "name", t.name, "type", t.type, "event", t.event,
                         "conditions", t.conditions, "devices",
                         cio__sorted(json_object_get(entry, "devices")));
    if (form && !cio__same(cur, form)) {
        int64_t id = cio__cur_id(cur);
        char *cond = json_dumps(t.conditions, JSON_COMPACT | JSON_SORT_KEYS);
        sqlite3_stmt *s = gw_store_prepare(
            im->g->store, id == 0 ? "INSERT INTO triggers(name, type, event, conditions,"
                                    " created_ms, updated_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?5)"
                                  : "UPDATE triggers SET type=?2, event=?3, conditions=?4,"
                                    " updated_ms=?5 WHERE id=?6 AND name=?1");
        if (s) {
            sqlite3_bind_text(s, 1, t.name, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(s, 2, t.type, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(s, 3, t.event, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(s, 4, cond ? cond : "{}", -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(s, 5, gw_now_ms());
            sqlite3_bind_int64(s, 6, id);
        }
        free(cond);
        rc = cio__step(im->g->store, s, &id);
        if (rc != CIO_ERROR)
            rc = cio__links(im, "trigger_devices", "trigger_id", "device_id", id, t.devices,
                            t.n_devices);
        if (rc == CIO_CREATED && cur)
            rc = CIO_UPDATED;
    }
    json_decref(form);
    json_decref(obj);
    return rc;
}

static int cio__scenario(cio_import *im, json_t *entry, json_t *cur)
{
    static const char *const keys[] = {"name", "trigger", "actions", "enabled", "cooldown_s", NULL};
    if (!cio__keys(im, entry, keys))
        return CIO_SKIPPED;
    json_t *trig = json_object_get(entry, "trigger");
    json_t *tid = json_is_string(trig) ? json_object_get(json_object_get(im->ids, "triggers"),
                                                         json_string_value(trig))
                                       : NULL;
    if (!tid)
        return cio__skip(im, "trigger \"%.100s\" is not on this gateway",
                         json_is_string(trig) ? json_string_value(trig) : "?");
    json_t *ids = cio__resolve(im, json_object_get(entry, "actions"), "actions", "action");
    if (!ids)
        return CIO_SKIPPED;
    json_t *obj = json_copy(entry);
    json_object_set_new(obj, "actions", ids);
    json_object_set(obj, "trigger", tid);
    api_scenario_in sc;
    api_verr ve = {0};
    int rc = CIO_UNCHANGED;
    json_t *form = NULL;
    if (!api_scenario_check(obj, &sc, &ve))
        rc = cio__skip(im, "%s", ve.msg);
    else
        form = json_pack("{s:s,s:O,s:O,s:b,s:i}", "name", sc.name, "trigger", trig, "actions",
                         json_object_get(entry, "actions"), "enabled", sc.enabled, "cooldown_s",
                         sc.cooldown_s);
    if (form && !cio__same(cur, form)) {
        int64_t id = cio__cur_id(cur);
        sqlite3_stmt *s = gw_store_prepare(
            im->g->store, id == 0 ? "INSERT INTO scenarios(name, trigger_id, enabled, cooldown_s,"
                                    " created_ms, updated_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?5)"
                                  : "UPDATE scenarios SET trigger_id=?2, enabled=?3,"
                                    " cooldown_s=?4, updated_ms=?5 WHERE id=?6 AND name=?1");
        if (s) {
            sqlite3_bind_text(s, 1, sc.name, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(s, 2, sc.trigger);
            sqlite3_bind_int(s, 3, sc.enabled);
            sqlite3_bind_int(s, 4, sc.cooldown_s);
            sqlite3_bind_int64(s, 5, gw_now_ms());
            sqlite3_bind_int64(s, 6, id);
        }
        rc = cio__step(im->g->store, s, &id);
        if (rc != CIO_ERROR)
            rc = cio__links(im, "scenario_actions", "scenario_id", "action_id", id, sc.actions,
                            sc.n_actions);
        if (rc == CIO_CREATED && cur)
            rc = CIO_UPDATED;
    }
    json_decref(form);
    json_decref(obj);
    return rc;
}

typedef int (*cio_apply_fn)(cio_import *im, json_t *entry, json_t *cur);

static const cio_apply_fn cio__apply[] = {cio__device, cio__action, cio__trigger, cio__scenario};

static void cio__note(json_t *report, int rc, const char *kind, json_t *name, const char *why)
{
    static const char *const lists[] = {"skipped", "unchanged", "created", "updated"};
    json_t *o = json_pack("{s:s,s:O}", "type", kind, "name", name ? name : json_null());
    if (rc == CIO_SKIPPED)
        json_object_set_new(o, "reason", json_string(why));
    json_array_append_new(json_object_get(report, lists[rc]), o);
}

/* Apply every entry of one kind. false on a store error. Store locked. */
static bool cio__import_kind(cio_import *im, size_t k, json_t *entries, json_t *report)
{
    gw_store *st = im->g->store;
    json_t *existing = cio__load(st, cio__kinds[k]);
    if (!existing)
        return false;
    json_t *by_name = json_object();
    size_t i;
    json_t *o;
    json_array_foreach(existing, i, o)
        json_object_set(by_name, json_string_value(json_object_get(o, "name")), o);
    json_t *seen = json_object();
    bool ok = true;
    json_array_foreach(entries, i, o)
    {
        json_t *name = json_object_get(o, "name");
        int rc;
        if (!json_is_object(o) || !json_is_string(name))
            rc = cio__skip(im, "%s", "an entry without a name");
        else if (json_object_get(seen, json_string_value(name)))
            rc = cio__skip(im, "%s", "the name appears twice in the document");
        else
            rc = cio__apply[k](im, o, json_object_get(by_name, json_string_value(name)));
        if (rc == CIO_ERROR) {
            ok = false;
            break;
        }
        if (json_is_string(name))
            json_object_set_new(seen, json_string_value(name), json_true());
        cio__note(report, rc, cio__kinds[k], json_is_string(name) ? name : NULL, im->why);
    }
    json_decref(seen);
    json_decref(by_name);
    json_decref(existing);
    json_t *map = ok ? cio__id_map(st, cio__plural[k]) : NULL;
    if (map)
        json_object_set_new(im->ids, cio__plural[k], map);
    return map != NULL;
}

/* Shape of the document and its secrets; false after filling *e. */
static bool cio__check_doc(json_t *doc, const char *passphrase, gw_seal **seal, gw_config_err *e)
{
    static const char *const top[] = {"format",   "version",   "devices", "actions",
                                      "triggers", "scenarios", "secrets", NULL};
    const char *k;
    json_t *v;
    json_object_foreach(doc, k, v)
    {
        const char *const *a = top;
        while (*a && strcmp(*a, k))
            a++;
        if (!*a) {
            cio__fail(e, 400, k, "unknown field in a configuration document");
            return false;
        }
    }
    const char *fmt = json_string_value(json_object_get(doc, "format"));
    if (!fmt || strcmp(fmt, GW_CONFIG_FORMAT) != 0 ||
        json_integer_value(json_object_get(doc, "version")) != GW_CONFIG_VERSION) {
        cio__fail(e, 400, "format", "not a hikgate-config document of version 1");
        return false;
    }
    for (size_t i = 0; i < 4; i++) {
        json_t *a = json_object_get(doc, cio__plural[i]);
        if (a && !json_is_array(a)) {
            cio__fail(e, 400, cio__plural[i], "must be an array");
            return false;
        }
    }
    json_t *secrets = json_object_get(doc, "secrets");
    if (!secrets)
        return true;
    if (!passphrase) {
        cio__fail(e, 400, "passphrase",
                  "the document holds encrypted device passwords: give its passphrase");
        return false;
    }
    hik_err err = gw_seal_open(passphrase, secrets, seal);
    if (err == HIK_ERR_AUTH)
        cio__fail(e, 400, "passphrase", "wrong passphrase: the document's secrets do not open");
    else if (err)
        cio__fail(e, 400, "secrets", "malformed secrets block");
    return !err;
}

json_t *gw_config_import(gw *g, json_t *doc, const char *passphrase, gw_config_err *e)
{
    cio_import im = {.g = g, .ids = json_object(), .probe = json_array()};
    json_t *report =
        json_pack("{s:[],s:[],s:[],s:[]}", "created", "updated", "unchanged", "skipped");
    bool ok = cio__check_doc(doc, passphrase, &im.seal, e);
    bool store_ok = true;
    if (ok) {
        gw_store_lock(g->store);
        store_ok = !gw_store_begin(g->store);
        json_t *none = json_array();
        for (size_t k = 0; k < 4 && store_ok; k++) {
            json_t *entries = json_object_get(doc, cio__plural[k]);
            store_ok = cio__import_kind(&im, k, entries ? entries : none, report);
        }
        json_decref(none);
        if (store_ok)
            store_ok = !gw_store_commit(g->store);
        if (!store_ok)
            gw_store_rollback(g->store);
        gw_store_unlock(g->store);
        if (!store_ok)
            cio__fail(e, 500, NULL, "the configuration could not be written; nothing changed");
    }
    gw_seal_free(im.seal);
    bool changed = json_array_size(json_object_get(report, "created")) +
                       json_array_size(json_object_get(report, "updated")) >
                   0;
    if (ok && store_ok && changed) {
        gw_config_changed(g);
        size_t i;
        json_t *id;
        json_array_foreach(im.probe, i, id) gw_actions_probe_device(g, json_integer_value(id));
    }
    json_decref(im.ids);
    json_decref(im.probe);
    if (!ok || !store_ok) {
        json_decref(report);
        return NULL;
    }
    json_object_set_new(report, "changed", json_boolean(changed));
    return report;
}
