/* store.c: opening the database, its schema and migrations.
 *
 * Tables (see docs/ARCHITECTURE.md): configuration (devices, actions,
 * triggers, scenarios and their link tables), the event log (events,
 * event_pictures), the action outbox and its history (action_runs), admin
 * users and sessions. Foreign keys are on: a device used by a trigger or an
 * action cannot be deleted out from under it. */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char schema_v1[] =
    "CREATE TABLE devices("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " address TEXT NOT NULL,"
    " port INTEGER NOT NULL DEFAULT 80,"
    " scheme TEXT NOT NULL DEFAULT 'http',"
    " username TEXT NOT NULL DEFAULT 'admin',"
    " password TEXT NOT NULL," /* sealed by secrets.c */
    " anpr_reverse INTEGER NOT NULL DEFAULT 0,"
    " model TEXT, serial TEXT, mac TEXT, firmware TEXT, device_type TEXT,"
    " status TEXT NOT NULL DEFAULT 'unknown',"
    " last_error TEXT, last_seen_ms INTEGER, last_event_ms INTEGER,"
    " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE TABLE actions("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " type TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " params TEXT NOT NULL DEFAULT '{}',"
    " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE TABLE action_devices("
    " action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,"
    " device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE RESTRICT,"
    " PRIMARY KEY(action_id, device_id));"
    "CREATE TABLE triggers("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " type TEXT NOT NULL,"
    " event TEXT NOT NULL,"
    " conditions TEXT NOT NULL DEFAULT '{}',"
    " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE TABLE trigger_devices("
    " trigger_id INTEGER NOT NULL REFERENCES triggers(id) ON DELETE CASCADE,"
    " device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE RESTRICT,"
    " PRIMARY KEY(trigger_id, device_id));"
    "CREATE TABLE scenarios("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " trigger_id INTEGER NOT NULL REFERENCES triggers(id) ON DELETE RESTRICT,"
    " enabled INTEGER NOT NULL DEFAULT 1,"
    " cooldown_s INTEGER NOT NULL DEFAULT 0,"
    " last_fired_ms INTEGER,"
    " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE TABLE scenario_actions("
    " scenario_id INTEGER NOT NULL REFERENCES scenarios(id) ON DELETE CASCADE,"
    " action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE RESTRICT,"
    " position INTEGER NOT NULL,"
    " PRIMARY KEY(scenario_id, action_id));"
    "CREATE TABLE events("
    " id INTEGER PRIMARY KEY,"
    " received_ms INTEGER NOT NULL,"
    " device_id INTEGER REFERENCES devices(id) ON DELETE SET NULL,"
    " source_addr TEXT NOT NULL,"
    " attribution TEXT NOT NULL," /* mac, serial, address, ip_field, none */
    " kind TEXT NOT NULL,"
    " type_raw TEXT NOT NULL,"
    " state TEXT NOT NULL,"
    " channel INTEGER NOT NULL DEFAULT 0,"
    " fields TEXT NOT NULL,"
    " raw BLOB,"
    " raw_type TEXT,"
    " n_pictures INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX events_by_device ON events(device_id, id);"
    "CREATE INDEX events_by_kind ON events(kind, id);"
    "CREATE INDEX events_by_time ON events(received_ms);"
    "CREATE TABLE event_pictures("
    " event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,"
    " n INTEGER NOT NULL,"
    " name TEXT NOT NULL,"
    " content_type TEXT NOT NULL,"
    " data BLOB NOT NULL,"
    " PRIMARY KEY(event_id, n));"
    "CREATE TABLE action_runs("
    " id INTEGER PRIMARY KEY,"
    " event_id INTEGER REFERENCES events(id) ON DELETE SET NULL,"
    " scenario_id INTEGER REFERENCES scenarios(id) ON DELETE SET NULL,"
    " action_id INTEGER REFERENCES actions(id) ON DELETE SET NULL,"
    " device_id INTEGER REFERENCES devices(id) ON DELETE SET NULL,"
    " action TEXT NOT NULL,"
    " params TEXT NOT NULL DEFAULT '{}',"
    " status TEXT NOT NULL," /* queued, running, retry, ok, error */
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_ms INTEGER NOT NULL DEFAULT 0,"
    " result TEXT,"
    " created_ms INTEGER NOT NULL, started_ms INTEGER, finished_ms INTEGER);"
    "CREATE INDEX action_runs_by_event ON action_runs(event_id);"
    "CREATE INDEX action_runs_pending ON action_runs(status)"
    " WHERE status IN ('queued','running','retry');"
    "CREATE TABLE users("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " pw_hash TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE TABLE sessions("
    " token_hash TEXT PRIMARY KEY,"
    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " csrf TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);";

/* Version 2: configuration backups taken from devices (the files live
 * under <data-dir>/backups/<device-id>/). */
static const char schema_v2[] =
    "CREATE TABLE device_backups("
    " id INTEGER PRIMARY KEY,"
    " device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"
    " created_ms INTEGER NOT NULL,"
    " firmware TEXT,"
    " size INTEGER NOT NULL,"
    " file TEXT NOT NULL);"
    "CREATE INDEX device_backups_by_device ON device_backups(device_id, id);";

int64_t gw_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void gw_store_lock(gw_store *st)
{
    pthread_mutex_lock(&st->lock);
}

void gw_store_unlock(gw_store *st)
{
    pthread_mutex_unlock(&st->lock);
}

hik_err gw_store_exec(gw_store *st, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        gw_error("sqlite: %s (in: %.80s)", msg ? msg : "?", sql);
        sqlite3_free(msg);
        return HIK_ERR_IO;
    }
    return HIK_OK;
}

sqlite3_stmt *gw_store_prepare(gw_store *st, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        gw_error("sqlite prepare: %s (in: %.80s)", sqlite3_errmsg(st->db), sql);
        return NULL;
    }
    return stmt;
}

/* Version 3: event delivery per device (push, pull alertStream, both) and
 * what hikgate knows of the device's stream and of the HTTP host slot it
 * configured on the camera; triggers may fire on both edges of an event. */
static const char schema_v3[] =
    "ALTER TABLE devices ADD COLUMN delivery TEXT NOT NULL DEFAULT 'push';"
    "ALTER TABLE devices ADD COLUMN stream_state TEXT;"
    "ALTER TABLE devices ADD COLUMN stream_error TEXT;"
    "ALTER TABLE devices ADD COLUMN stream_since_ms INTEGER;"
    "ALTER TABLE devices ADD COLUMN lock_until_ms INTEGER;"
    "ALTER TABLE devices ADD COLUMN http_host_slot INTEGER;"
    "ALTER TABLE devices ADD COLUMN http_host_saved TEXT;"
    "ALTER TABLE devices ADD COLUMN configured_ms INTEGER;"
    "ALTER TABLE triggers ADD COLUMN fire_on TEXT NOT NULL DEFAULT 'active';";

/* Version 4: HTTPS devices' pinned public key (device_tls.c) and the key
 * a refused connection met, waiting for the admin's accept. */
static const char schema_v4[] = "ALTER TABLE devices ADD COLUMN tls_pin TEXT;"
                                "ALTER TABLE devices ADD COLUMN tls_pin_pending TEXT;";

/* Version 5: the audit log (audit.h), and the attempt an action run was in
 * when the process stopped (actions.c: a run found `running` at start is
 * `recovered`, and its device is asked before the call is sent again). */
static const char schema_v5[] =
    "CREATE TABLE IF NOT EXISTS audit_log("
    " id INTEGER PRIMARY KEY,"
    " at_ms INTEGER NOT NULL,"
    " who TEXT NOT NULL DEFAULT '',"
    " source_addr TEXT NOT NULL DEFAULT '',"
    " what TEXT NOT NULL," /* login, login_failed, logout, change, action_run */
    " method TEXT NOT NULL DEFAULT '',"
    " route TEXT NOT NULL DEFAULT '',"
    " object_id INTEGER,"
    " status INTEGER,"
    " summary TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS audit_log_by_time ON audit_log(at_ms);"
    "ALTER TABLE action_runs ADD COLUMN attempt_id TEXT;"
    "ALTER TABLE action_runs ADD COLUMN recovered INTEGER NOT NULL DEFAULT 0;";

/* Version 6: whether a user's password was generated at first start and
 * is still to be replaced by one the user chose (auth.c). */
static const char schema_v6[] =
    "ALTER TABLE users ADD COLUMN must_change INTEGER NOT NULL DEFAULT 0;";

/* migrations[v] takes a database from version v to v + 1. */
static const char *const migrations[GW_SCHEMA_VERSION] = {schema_v1, schema_v2, schema_v3,
                                                          schema_v4, schema_v5, schema_v6};

static int store__user_version(gw_store *st)
{
    sqlite3_stmt *stmt = gw_store_prepare(st, "PRAGMA user_version");
    int v = -1;
    if (stmt && sqlite3_step(stmt) == SQLITE_ROW)
        v = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

static hik_err store__check_integrity(gw_store *st, char *err, size_t err_len)
{
    sqlite3_stmt *stmt = gw_store_prepare(st, "PRAGMA quick_check");
    if (!stmt) {
        snprintf(err, err_len, "%s: not a readable SQLite database: %s", st->path,
                 sqlite3_errmsg(st->db));
        return HIK_ERR_IO;
    }
    hik_err res = HIK_OK;
    if (sqlite3_step(stmt) != SQLITE_ROW ||
        strcmp((const char *)sqlite3_column_text(stmt, 0), "ok") != 0) {
        snprintf(err, err_len, "%s: integrity check failed: %s", st->path,
                 sqlite3_column_text(stmt, 0) ? (const char *)sqlite3_column_text(stmt, 0)
                                              : sqlite3_errmsg(st->db));
        res = HIK_ERR_IO;
    }
    sqlite3_finalize(stmt);
    return res;
}

static hik_err store__migrate(gw_store *st, char *err, size_t err_len)
{
    int v = store__user_version(st);
    if (v < 0) {
        snprintf(err, err_len, "%s: cannot read schema version: %s", st->path,
                 sqlite3_errmsg(st->db));
        return HIK_ERR_IO;
    }
    if (v > GW_SCHEMA_VERSION) {
        snprintf(err, err_len,
                 "%s: schema version %d is newer than this hikgated knows (%d); refusing to "
                 "touch it: run a newer hikgated or point --data-dir elsewhere",
                 st->path, v, GW_SCHEMA_VERSION);
        return HIK_ERR_UNSUPPORTED;
    }
    if (v == GW_SCHEMA_VERSION)
        return HIK_OK;
    /* Forward migrations, one step per version, each in its own transaction. */
    for (; v < GW_SCHEMA_VERSION; v++) {
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d", v + 1);
        if (gw_store_exec(st, "BEGIN IMMEDIATE") || gw_store_exec(st, migrations[v]) ||
            gw_store_exec(st, bump) || gw_store_exec(st, "COMMIT")) {
            gw_store_exec(st, "ROLLBACK");
            snprintf(err, err_len, "%s: migrating the schema to version %d failed: %s", st->path,
                     v + 1, sqlite3_errmsg(st->db));
            return HIK_ERR_IO;
        }
        gw_info("store: schema version %d in %s", v + 1, st->path);
    }
    return HIK_OK;
}

static hik_err store__pragmas(gw_store *st, bool sync_full, char *err, size_t err_len)
{
    sqlite3_busy_timeout(st->db, 10000);
    sqlite3_stmt *stmt = gw_store_prepare(st, "PRAGMA journal_mode=WAL");
    const char *mode = NULL;
    if (stmt && sqlite3_step(stmt) == SQLITE_ROW)
        mode = (const char *)sqlite3_column_text(stmt, 0);
    bool wal = mode && strcmp(mode, "wal") == 0;
    sqlite3_finalize(stmt);
    if (!wal) {
        snprintf(err, err_len, "%s: cannot enable WAL mode: %s", st->path, sqlite3_errmsg(st->db));
        return HIK_ERR_IO;
    }
    if (gw_store_exec(st, "PRAGMA foreign_keys=ON") ||
        gw_store_exec(st, sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL") ||
        gw_store_exec(st, "PRAGMA temp_store=MEMORY")) {
        snprintf(err, err_len, "%s: setting pragmas failed", st->path);
        return HIK_ERR_IO;
    }
    return HIK_OK;
}

/* Before anything may write to an existing database: is it one, is it
 * intact, and is its schema one this binary knows? Checked on a read-only
 * connection so that a refused database is left exactly as it was. */
static hik_err store__precheck(gw_store *st, char *err, size_t err_len)
{
    if (access(st->path, F_OK) != 0)
        return HIK_OK;
    hik_err res = HIK_OK;
    if (sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, err_len, "open %s: %s", st->path,
                 st->db ? sqlite3_errmsg(st->db) : "out of memory");
        res = HIK_ERR_IO;
    }
    if (!res)
        res = store__check_integrity(st, err, err_len);
    if (!res) {
        int v = store__user_version(st);
        if (v > GW_SCHEMA_VERSION) {
            snprintf(err, err_len,
                     "%s: schema version %d is newer than this hikgated knows (%d); refusing "
                     "to touch it: run a newer hikgated or point --data-dir elsewhere",
                     st->path, v, GW_SCHEMA_VERSION);
            res = HIK_ERR_UNSUPPORTED;
        }
    }
    sqlite3_close_v2(st->db);
    st->db = NULL;
    return res;
}

hik_err gw_store_open(const char *data_dir, bool sync_full, gw_store **out, char *err,
                      size_t err_len)
{
    *out = NULL;
    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, err_len, "mkdir %s: %s", data_dir, strerror(errno));
        return HIK_ERR_IO;
    }
    gw_store *st = calloc(1, sizeof *st);
    if (!st)
        return HIK_ERR_NOMEM;
    pthread_mutex_init(&st->lock, NULL);
    snprintf(st->path, sizeof st->path, "%s/hikgate.db", data_dir);
    hik_err res = store__precheck(st, err, err_len);
    if (res)
        goto fail;
    if (sqlite3_open_v2(st->path, &st->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        snprintf(err, err_len, "open %s: %s", st->path,
                 st->db ? sqlite3_errmsg(st->db) : "out of memory");
        res = HIK_ERR_IO;
        goto fail;
    }
    res = store__check_integrity(st, err, err_len);
    if (res)
        goto fail;
    res = store__pragmas(st, sync_full, err, err_len);
    if (res)
        goto fail;
    res = store__migrate(st, err, err_len);
    if (res)
        goto fail;
    *out = st;
    return HIK_OK;
fail:
    gw_store_close(st);
    return res;
}

void gw_store_close(gw_store *st)
{
    if (!st)
        return;
    if (st->db)
        sqlite3_close_v2(st->db);
    pthread_mutex_destroy(&st->lock);
    free(st);
}
