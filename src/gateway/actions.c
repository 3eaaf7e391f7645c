/* actions.c: workers that run queued action_runs on the devices.
 *
 * A run is claimed by flipping its status to 'running' in the database,
 * executed with the device's cached ISAPI handle (held under the device's
 * own mutex, so one device sees one request at a time while other devices
 * proceed in parallel), and finished with its outcome in the same row.
 * Transient failures are retried with exponential backoff; a rejected
 * password marks the device and stops all calls to it until its
 * credentials change, because retrying is how cameras lock accounts.
 *
 * Exactly once across crashes. Before the device call, the claim writes a
 * fresh attempt id on the run (status 'running'), committed. A run found
 * 'running' at start was interrupted somewhere around its device call: it
 * is queued again marked `recovered`, and a recovered run asks the device
 * first: when the device already has the state the run wants (privacy mask
 * enabled or disabled as asked), the call is not sent again and the run
 * finishes ok with "skipped": "already applied". When the device cannot be
 * asked, the call is sent (at least once beats never). Only a recovered run is
 * checked this way; a fresh run always sends its call, since the device's
 * state may have been changed by hand since the last run. Every finished
 * run (ok or error) goes into the audit log with its outcome. */
#include "actions.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_codec.h"
#include "audit.h"
#include "devices.h"
#include "health.h"
#include "hik/isapi.h"
#include "device_tls.h"
#include "log.h"

#define MAX_ATTEMPTS 5
#define PROBE_QUEUE_MAX 1024

typedef struct dev_conn {
    int64_t id;
    int64_t updated_ms; /* the device row version the handle was built from */
    pthread_mutex_t mu;
    hik_isapi *isapi;
    char pin[HIK_PIN_MAX]; /* the public key isapi is pinned to (https) */
    struct dev_conn *next;
} dev_conn;

struct gw_actions {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    unsigned wakeups;
    int n_threads;
    pthread_t *threads;
    dev_conn *conns;
    int64_t probes[PROBE_QUEUE_MAX];
    size_t n_probes;
};

typedef struct run_row {
    int64_t id;
    int64_t device_id;
    int attempts;
    char action[48];
    int channel;
    int64_t scenario_id; /* 0 = run by hand */
    int64_t action_id;
    bool recovered; /* was 'running' when the previous process stopped */
    char attempt_id[33];
} run_row;

typedef struct device_row {
    char address[256];
    char scheme[8];
    char username[64];
    char *password;
    int port;
    int64_t updated_ms;
    char status[24];
} device_row;

bool gw_action_name_valid(const char *name)
{
    return name && (!strcmp(name, GW_ACTION_PRIVACY_MASK_ENABLE) ||
                    !strcmp(name, GW_ACTION_PRIVACY_MASK_DISABLE));
}

void gw_actions_wake(gw *g)
{
    struct gw_actions *a = g->actions;
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    a->wakeups++;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

void gw_actions_probe_device(gw *g, int64_t device_id)
{
    struct gw_actions *a = g->actions;
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    bool queued = false;
    for (size_t i = 0; i < a->n_probes; i++)
        queued |= a->probes[i] == device_id;
    if (!queued && a->n_probes < PROBE_QUEUE_MAX)
        a->probes[a->n_probes++] = device_id;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

/* ---- database --------------------------------------------------------- */

static bool claim_run(gw *g, run_row *out)
{
    int64_t now = gw_now_ms();
    bool found = false;
    gw_store_lock(g->store);
    sqlite3_stmt *s = gw_store_prepare(
        g->store, "SELECT id, device_id, attempts, action, params, scenario_id, action_id, "
                  "recovered FROM action_runs "
                  "WHERE status IN ('queued','retry') AND next_ms <= ? ORDER BY id LIMIT 1");
    if (s) {
        sqlite3_bind_int64(s, 1, now);
        if (sqlite3_step(s) == SQLITE_ROW) {
            found = true;
            out->id = sqlite3_column_int64(s, 0);
            out->device_id = sqlite3_column_int64(s, 1);
            out->attempts = sqlite3_column_int(s, 2) + 1;
            snprintf(out->action, sizeof out->action, "%s", sqlite3_column_text(s, 3));
            json_t *p = json_loads((const char *)sqlite3_column_text(s, 4), 0, NULL);
            json_t *ch = json_object_get(p, "channel");
            out->channel = json_is_integer(ch) ? (int)json_integer_value(ch) : 1;
            json_decref(p);
            out->scenario_id = sqlite3_column_int64(s, 5);
            out->action_id = sqlite3_column_int64(s, 6);
            out->recovered = sqlite3_column_int(s, 7) != 0;
        }
        sqlite3_finalize(s);
    }
    if (found && api_random_hex(16, out->attempt_id, sizeof out->attempt_id))
        snprintf(out->attempt_id, sizeof out->attempt_id, "%lld-%d", (long long)now, out->attempts);
    if (found) {
        s = gw_store_prepare(g->store, "UPDATE action_runs SET status='running', attempts=?, "
                                       "started_ms=?, attempt_id=? WHERE id=?");
        if (s) {
            sqlite3_bind_int(s, 1, out->attempts);
            sqlite3_bind_int64(s, 2, now);
            sqlite3_bind_text(s, 3, out->attempt_id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 4, out->id);
            found = sqlite3_step(s) == SQLITE_DONE;
            sqlite3_finalize(s);
        } else {
            found = false;
        }
    }
    gw_store_unlock(g->store);
    return found;
}

static void finish_run(gw *g, int64_t run_id, const char *status, int64_t next_ms,
                       const char *result)
{
    gw_store_lock(g->store);
    sqlite3_stmt *s = gw_store_prepare(
        g->store, "UPDATE action_runs SET status=?, next_ms=?, result=?, "
                  "finished_ms=CASE WHEN ? IN ('ok','error') THEN ? ELSE NULL END WHERE id=?");
    if (s) {
        sqlite3_bind_text(s, 1, status, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, next_ms);
        sqlite3_bind_text(s, 3, result, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, status, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, gw_now_ms());
        sqlite3_bind_int64(s, 6, run_id);
        if (sqlite3_step(s) != SQLITE_DONE)
            gw_error("actions: recording run %lld: %s", (long long)run_id,
                     sqlite3_errmsg(g->store->db));
        sqlite3_finalize(s);
    }
    gw_store_unlock(g->store);
}

static hik_err load_device(gw *g, int64_t id, device_row *d)
{
    memset(d, 0, sizeof *d);
    hik_err res = HIK_ERR_NOT_FOUND;
    char *sealed = NULL;
    gw_store_lock(g->store);
    sqlite3_stmt *s =
        gw_store_prepare(g->store, "SELECT address, port, scheme, username, "
                                   "password, updated_ms, status FROM devices WHERE id=?");
    if (s) {
        sqlite3_bind_int64(s, 1, id);
        if (sqlite3_step(s) == SQLITE_ROW) {
            snprintf(d->address, sizeof d->address, "%s", sqlite3_column_text(s, 0));
            d->port = sqlite3_column_int(s, 1);
            snprintf(d->scheme, sizeof d->scheme, "%s", sqlite3_column_text(s, 2));
            snprintf(d->username, sizeof d->username, "%s", sqlite3_column_text(s, 3));
            sealed = strdup((const char *)sqlite3_column_text(s, 4));
            d->updated_ms = sqlite3_column_int64(s, 5);
            snprintf(d->status, sizeof d->status, "%s", sqlite3_column_text(s, 6));
            res = sealed ? HIK_OK : HIK_ERR_NOMEM;
        }
        sqlite3_finalize(s);
    }
    gw_store_unlock(g->store);
    if (!res) {
        res = gw_secrets_unseal(g->secrets, sealed, &d->password);
        if (res)
            gw_error("actions: the stored password of device %lld cannot be decrypted "
                     "(secret.key replaced?)",
                     (long long)id);
    }
    free(sealed);
    return res;
}

/* ---- device connections ----------------------------------------------- */

/* The device's connection, locked; rebuilt when the device row changed. */
static dev_conn *conn_acquire(gw *g, int64_t id, const device_row *d, hik_err *err)
{
    struct gw_actions *a = g->actions;
    pthread_mutex_lock(&a->mu);
    dev_conn *c = a->conns;
    while (c && c->id != id)
        c = c->next;
    if (!c && (c = calloc(1, sizeof *c))) {
        c->id = id;
        pthread_mutex_init(&c->mu, NULL);
        c->next = a->conns;
        a->conns = c;
    }
    pthread_mutex_unlock(&a->mu);
    if (!c) {
        *err = HIK_ERR_NOMEM;
        return NULL;
    }
    pthread_mutex_lock(&c->mu);
    if (c->isapi && c->updated_ms != d->updated_ms) {
        hik_isapi_free(c->isapi);
        c->isapi = NULL;
    }
    if (!c->isapi) {
        hik_isapi_opts o = {
            .scheme = d->scheme,
            .host = d->address,
            .port = d->port,
            .username = d->username,
            .password = d->password,
            .auth = HIK_AUTH_AUTO,
            .timeout_ms = g->cfg.device_timeout_ms,
            .connect_timeout_ms = g->cfg.device_timeout_ms < 3000 ? g->cfg.device_timeout_ms : 3000,
        };
        char why[160];
        *err = gw_device_tls_prepare(g, id, &o, c->pin, why, sizeof why);
        if (!*err)
            *err = hik_isapi_new(&o, &c->isapi);
        if (*err) {
            pthread_mutex_unlock(&c->mu);
            return NULL;
        }
        c->updated_ms = d->updated_ms;
    }
    *err = HIK_OK;
    return c;
}

static void conn_release(dev_conn *c)
{
    pthread_mutex_unlock(&c->mu);
}

/* A failed call: was it refused because the device's key changed? */
static bool conn_pin_refused(gw *g, int64_t id, dev_conn *c, const device_row *d, hik_reply *r)
{
    hik_isapi_opts o = {.scheme = d->scheme,
                        .host = d->address,
                        .port = d->port,
                        .pinned_key = c->pin,
                        .connect_timeout_ms = 3000};
    return gw_device_tls_check(g, id, c->isapi, &o, r);
}

/* The outcome of one device call as the run's result JSON. */
static char *result_json(hik_err err, const hik_reply *r)
{
    json_t *j = json_object();
    json_object_set_new(j, "ok", json_boolean(!err));
    if (err) {
        json_object_set_new(j, "error", json_string(hik_err_name(err)));
        json_object_set_new(j, "message",
                            json_string(r && r->error[0] ? r->error : hik_err_str(err)));
    }
    if (r && r->http_status)
        json_object_set_new(j, "http_status", json_integer(r->http_status));
    if (r && r->status.status_code) {
        json_object_set_new(j, "status_code", json_integer(r->status.status_code));
        json_object_set_new(j, "status_string", json_string(r->status.status_string));
        if (r->status.sub_status[0])
            json_object_set_new(j, "sub_status", json_string(r->status.sub_status));
        if (r->status.error_code)
            json_object_set_new(j, "error_code", json_integer(r->status.error_code));
    }
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

static bool transient(hik_err err, const hik_reply *r)
{
    if (err == HIK_ERR_NETWORK || err == HIK_ERR_TIMEOUT)
        return true;
    /* statusCode 2: Device Busy */
    return err == HIK_ERR_DEVICE && r->status.status_code == 2;
}

/* Record what talking to the device taught us about it. cred_version: the
 * device row version whose credentials the call used (see health.h). */
static void note_device(gw *g, int64_t id, int64_t cred_version, hik_err err, const hik_reply *r)
{
    char text[256];
    switch (err) {
    case HIK_OK:
    case HIK_ERR_DEVICE:
    case HIK_ERR_NOT_FOUND:
    case HIK_ERR_FORBIDDEN:
    case HIK_ERR_HTTP:
        gw_dev_set_status(g, id, "online", NULL, 0);
        break;
    case HIK_ERR_AUTH:
        gw_dev_set_cred_status(g, id, cred_version, "auth_rejected",
                               "the device rejected the username or password; no further login "
                               "attempts until the credentials are changed",
                               0);
        break;
    case HIK_ERR_LOCKED:
        gw_dev_set_cred_status(g, id, cred_version, "locked",
                               "the device reports this client locked out", 0);
        break;
    default:
        snprintf(text, sizeof text, "%s: %s", hik_err_str(err), r->error);
        gw_dev_set_status(g, id, "unreachable", text, 0);
        break;
    }
}

/* The device call of a run. A recovered run first reads the device's state
 * and skips the call when it is already what the run wants (see the rule
 * at the top of this file). */
static hik_err call_device(dev_conn *c, const run_row *run, hik_reply *reply, bool *skipped)
{
    *skipped = false;
    if (!gw_action_name_valid(run->action))
        return HIK_ERR_UNSUPPORTED;
    bool enable = !strcmp(run->action, GW_ACTION_PRIVACY_MASK_ENABLE);
    if (run->recovered) {
        bool now_enabled = false;
        hik_reply probe = {0};
        hik_err err = hik_isapi_privacy_mask_get(c->isapi, run->channel, &now_enabled, &probe);
        hik_reply_free(&probe);
        if (!err && now_enabled == enable) {
            *skipped = true;
            return HIK_OK;
        }
    }
    return hik_isapi_privacy_mask_set(c->isapi, run->channel, enable, reply);
}

/* A finished run (ok or error) in the audit log. */
static void audit_run(gw *g, const run_row *run, const char *status, const char *result)
{
    char summary[GW_AUDIT_SUMMARY_MAX];
    snprintf(summary, sizeof summary,
             "{\"run_id\":%lld,\"action_id\":%lld,\"scenario_id\":%lld,\"device_id\":%lld,"
             "\"action\":\"%s\",\"status\":\"%s\",\"recovered\":%s,\"result\":%s}",
             (long long)run->id, (long long)run->action_id, (long long)run->scenario_id,
             (long long)run->device_id, run->action, status, run->recovered ? "true" : "false",
             result ? result : "null");
    gw_audit_entry e = {.who = run->scenario_id ? "scenario" : "manual",
                        .what = "action_run",
                        .route = run->action,
                        .object_id = run->id,
                        .status = strcmp(status, "ok") == 0 ? 200 : 500,
                        .summary = summary};
    gw_audit_add(g->store, &e);
}

static void run_one(gw *g, const run_row *run)
{
    device_row d;
    bool skipped = false;
    hik_reply reply = {0};
    hik_err err = load_device(g, run->device_id, &d);
    char *result = NULL;
    if (!err && (!strcmp(d.status, "auth_rejected") || !strcmp(d.status, "locked"))) {
        err = !strcmp(d.status, "locked") ? HIK_ERR_LOCKED : HIK_ERR_AUTH;
        snprintf(reply.error, sizeof reply.error,
                 "not sent: the device's credentials were rejected earlier; update the "
                 "device's password to resume");
    } else if (!err) {
        dev_conn *c = conn_acquire(g, run->device_id, &d, &err);
        if (c) {
            err = call_device(c, run, &reply, &skipped);
            bool pin = err && conn_pin_refused(g, run->device_id, c, &d, &reply);
            conn_release(c);
            if (!pin)
                note_device(g, run->device_id, d.updated_ms, err, &reply);
        }
    }
    result = result_json(err, &reply);
    if (!err && skipped) {
        free(result);
        result = strdup("{\"ok\":true,\"skipped\":\"already applied\"}");
        gw_info("actions: recovered run %lld (%s on device %lld) was already applied",
                (long long)run->id, run->action, (long long)run->device_id);
    }
    if (!err) {
        finish_run(g, run->id, "ok", 0, result);
        audit_run(g, run, "ok", result);
        atomic_fetch_add(&g->stats.actions_ok, 1);
    } else if (transient(err, &reply) && run->attempts < MAX_ATTEMPTS) {
        int64_t delay = 1000LL << (run->attempts - 1);
        finish_run(g, run->id, "retry", gw_now_ms() + delay, result);
        gw_warn("actions: run %lld (%s on device %lld) failed (%s), retry %d in %lld ms",
                (long long)run->id, run->action, (long long)run->device_id, hik_err_name(err),
                run->attempts, (long long)delay);
    } else {
        finish_run(g, run->id, "error", 0, result);
        audit_run(g, run, "error", result);
        atomic_fetch_add(&g->stats.actions_failed, 1);
        gw_warn("actions: run %lld (%s on device %lld) failed: %s", (long long)run->id, run->action,
                (long long)run->device_id, result);
    }
    free(result);
    hik_reply_free(&reply);
    gw_secrets_free(d.password);
}

static void probe_one(gw *g, int64_t id)
{
    device_row d;
    hik_reply reply = {0};
    hik_device_info info = {0};
    if (load_device(g, id, &d))
        return;
    hik_err err = HIK_OK;
    if (strcmp(d.status, "auth_rejected") != 0 && strcmp(d.status, "locked") != 0) {
        dev_conn *c = conn_acquire(g, id, &d, &err);
        if (c) {
            err = hik_isapi_device_info(c->isapi, &info, &reply);
            bool pin = err && conn_pin_refused(g, id, c, &d, &reply);
            conn_release(c);
            if (!pin)
                note_device(g, id, d.updated_ms, err, &reply);
        }
    }
    if (!err && info.model[0]) {
        gw_store_lock(g->store);
        sqlite3_stmt *s = gw_store_prepare(g->store, "UPDATE devices SET model=?, serial=?, "
                                                     "mac=?, firmware=?, device_type=? WHERE id=?");
        if (s) {
            sqlite3_bind_text(s, 1, info.model, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 2, info.serial, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 3, info.mac, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 4, info.firmware, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 5, info.device_type, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 6, id);
            sqlite3_step(s);
            sqlite3_finalize(s);
        }
        gw_store_unlock(g->store);
        gw_devices_reload(g->devices, g->store);
        gw_info("device %lld: %s %s serial %s firmware %s", (long long)id, info.device_type,
                info.model, info.serial, info.firmware);
    } else if (err) {
        gw_warn("device %lld: identity probe failed: %s %s", (long long)id, hik_err_name(err),
                reply.error);
    }
    hik_reply_free(&reply);
    gw_secrets_free(d.password);
}

/* ---- workers ---------------------------------------------------------- */

static void *worker_main(void *arg)
{
    gw *g = arg;
    struct gw_actions *a = g->actions;
    for (;;) {
        pthread_mutex_lock(&a->mu);
        if (a->stop) {
            pthread_mutex_unlock(&a->mu);
            break;
        }
        int64_t probe = 0;
        if (a->n_probes) {
            probe = a->probes[0];
            memmove(a->probes, a->probes + 1, --a->n_probes * sizeof a->probes[0]);
        }
        unsigned seen = a->wakeups;
        pthread_mutex_unlock(&a->mu);
        if (probe) {
            probe_one(g, probe);
            continue;
        }
        run_row run;
        if (claim_run(g, &run)) {
            run_one(g, &run);
            continue;
        }
        /* Nothing due: sleep until woken, or a second at most (retries
         * become due by the clock, not by a wake-up). */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_mutex_lock(&a->mu);
        while (!a->stop && a->wakeups == seen && !a->n_probes)
            if (pthread_cond_timedwait(&a->cv, &a->mu, &until) != 0)
                break;
        pthread_mutex_unlock(&a->mu);
    }
    return NULL;
}

hik_err gw_actions_start(gw *g)
{
    struct gw_actions *a = calloc(1, sizeof *a);
    if (!a)
        return HIK_ERR_NOMEM;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    g->actions = a;
    /* Runs a previous process claimed but never finished are queued again
     * as recovered: they ask the device before calling it (top of file). */
    gw_store_lock(g->store);
    gw_store_exec(g->store, "UPDATE action_runs SET status='queued', recovered=1 "
                            "WHERE status='running'");
    gw_store_unlock(g->store);
    a->threads = calloc((size_t)g->cfg.action_workers, sizeof *a->threads);
    if (!a->threads)
        return HIK_ERR_NOMEM;
    for (int i = 0; i < g->cfg.action_workers; i++) {
        if (pthread_create(&a->threads[i], NULL, worker_main, g) != 0)
            return HIK_ERR_NOMEM;
        a->n_threads++;
    }
    return HIK_OK;
}

void gw_actions_stop(gw *g)
{
    struct gw_actions *a = g->actions;
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    a->stop = true;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    for (int i = 0; i < a->n_threads; i++)
        pthread_join(a->threads[i], NULL);
    free(a->threads);
    for (dev_conn *c = a->conns, *next; c; c = next) {
        next = c->next;
        hik_isapi_free(c->isapi);
        pthread_mutex_destroy(&c->mu);
        free(c);
    }
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    free(a);
    g->actions = NULL;
}

hik_err gw_actions_run_now(gw *g, int64_t action_id, int64_t *first_run_id)
{
    *first_run_id = 0;
    hik_err res = HIK_ERR_NOT_FOUND;
    int64_t now = gw_now_ms();
    gw_store_lock(g->store);
    sqlite3_stmt *s = gw_store_prepare(
        g->store, "INSERT INTO action_runs(action_id, device_id, action, params, status, "
                  "created_ms) SELECT a.id, d.device_id, a.action, a.params, 'queued', ? "
                  "FROM actions a JOIN action_devices d ON d.action_id = a.id WHERE a.id = ? "
                  "ORDER BY d.device_id");
    if (s) {
        sqlite3_bind_int64(s, 1, now);
        sqlite3_bind_int64(s, 2, action_id);
        if (sqlite3_step(s) == SQLITE_DONE && sqlite3_changes(g->store->db) > 0) {
            /* rowids of one INSERT ... SELECT are consecutive */
            *first_run_id =
                sqlite3_last_insert_rowid(g->store->db) - sqlite3_changes(g->store->db) + 1;
            res = HIK_OK;
        } else if (sqlite3_errcode(g->store->db) != SQLITE_OK &&
                   sqlite3_errcode(g->store->db) != SQLITE_DONE) {
            res = HIK_ERR_IO;
        }
        sqlite3_finalize(s);
    } else {
        res = HIK_ERR_IO;
    }
    gw_store_unlock(g->store);
    if (!res) {
        atomic_fetch_add(&g->stats.actions_queued, 1);
        gw_actions_wake(g);
    }
    return res;
}
