/* bulk.c: one change on many devices, a bounded number at a time.
 *
 * A job is a coordinator thread and up to GW_BULK_CONCURRENCY worker
 * threads that take the next device from a shared index, so a slow or
 * unreachable device holds up one worker, not the job. Results live in a
 * ring of the newest GW_BULK_JOBS jobs in memory, like device jobs: a
 * status URL is what the caller needs, and the devices' own state (their
 * firmware, their status) is what lasts.
 *
 * Reboot, password and firmware reuse device_ops, per device; the time
 * settings (NTP server, time zone) are a read-modify-write of the
 * device's own documents through libhik. One gw per process: the state is
 * file-static. */
#include "bulk.h"

#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "device_ops.h"
#include "hik/isapi_manage.h"
#include "hik/isapi_time.h"
#include "log.h"
#include "store_config.h"

typedef enum bulk_op { BULK_REBOOT, BULK_PASSWORD, BULK_TIME, BULK_FIRMWARE, BULK_HTTP_HOST } bulk_op;

static const char *const bulk__op_names[] = {"reboot", "password", "time", "firmware",
                                             "http_host"};

typedef struct bulk_item {
    int64_t device_id;
    char state[12]; /* pending, running, ok, error */
    json_t *result;
} bulk_item;

typedef struct bulk_job {
    int64_t id;
    bulk_op op;
    json_t *params;
    size_t n;
    bulk_item *items;
    size_t next; /* next item a worker takes */
    size_t finished;
    bool done;
    int64_t created_ms, finished_ms;
    gw *g;
} bulk_job;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopped;
    int running;
    int64_t next_id;
    bulk_job *jobs[GW_BULK_JOBS];
} bulk = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void bulk__job_free(bulk_job *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->n; i++)
        json_decref(j->items[i].result);
    json_t *pw = json_object_get(j->params, "new_password");
    if (pw)
        explicit_bzero((char *)json_string_value(pw), strlen(json_string_value(pw)));
    json_decref(j->params);
    free(j->items);
    free(j);
}

static json_t *bulk__job_json_locked(const bulk_job *j)
{
    json_t *results = json_array();
    size_t ok = 0, failed = 0;
    for (size_t i = 0; i < j->n; i++) {
        const bulk_item *it = &j->items[i];
        ok += strcmp(it->state, "ok") == 0;
        failed += strcmp(it->state, "error") == 0;
        json_array_append_new(results, json_pack("{s:I,s:s,s:O}", "device_id",
                                                 (json_int_t)it->device_id, "state", it->state,
                                                 "result", it->result ? it->result : json_null()));
    }
    char url[64];
    snprintf(url, sizeof url, "/api/v1/bulk/%lld", (long long)j->id);
    json_t *o =
        json_pack("{s:I,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:o}", "id", (json_int_t)j->id, "operation",
                  bulk__op_names[j->op], "state", j->done ? "done" : "running", "status_url", url,
                  "total", (json_int_t)j->n, "ok", (json_int_t)ok, "failed", (json_int_t)failed,
                  "concurrency", (json_int_t)GW_BULK_CONCURRENCY, "created_ms",
                  (json_int_t)j->created_ms, "results", results);
    json_object_set_new(o, "finished_ms",
                        j->finished_ms ? json_integer(j->finished_ms) : json_null());
    return o;
}

json_t *gw_bulk_job_json(int64_t id)
{
    pthread_mutex_lock(&bulk.mu);
    bulk_job *j = id > 0 ? bulk.jobs[id % GW_BULK_JOBS] : NULL;
    json_t *o = j && j->id == id ? bulk__job_json_locked(j) : NULL;
    pthread_mutex_unlock(&bulk.mu);
    return o;
}

static void bulk__sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool bulk__stopping(void)
{
    pthread_mutex_lock(&bulk.mu);
    bool s = bulk.stopped;
    pthread_mutex_unlock(&bulk.mu);
    return s;
}

/* ---- one device ----------------------------------------------------------- */

/* Follow a device job started by device_ops to its end. */
static bool bulk__follow(gw *g, gw_op_result *res, json_t **out)
{
    if (res->status != 202) {
        *out = res->body;
        return false;
    }
    int64_t job_id = json_integer_value(json_object_get(res->body, "id"));
    json_decref(res->body);
    for (;;) {
        json_t *j = gw_device_ops_job_json(g, job_id);
        const char *state = json_string_value(json_object_get(j, "state"));
        if (!j || !state || strcmp(state, "running") != 0) {
            bool ok = state && strcmp(state, "ok") == 0;
            json_t *r = json_object_get(j, "result");
            *out = json_is_object(r) ? json_copy(r) : json_object();
            if (!j)
                json_object_set_new(*out, "error", json_string("the device job was lost"));
            json_object_set_new(*out, "job_id", json_integer(job_id));
            json_decref(j);
            return ok;
        }
        json_decref(j);
        if (bulk__stopping()) {
            *out = json_pack("{s:s,s:I}", "error", "the gateway is stopping", "job_id",
                             (json_int_t)job_id);
            return false;
        }
        bulk__sleep_ms(250);
    }
}

/* A private copy of the firmware file for one device's job (device_ops
 * deletes the file it is given when its job ends). */
static bool bulk__firmware(gw *g, int64_t id, const char *src, json_t **out)
{
    char path[1100];
    int in = open(src, O_RDONLY | O_CLOEXEC), fd = -1;
    bool ok = in >= 0 && !gw_device_ops_upload_open(g, &fd, path, sizeof path);
    char buf[65536];
    ssize_t n = 0;
    while (ok && (n = read(in, buf, sizeof buf)) > 0)
        ok = write(fd, buf, (size_t)n) == n;
    ok = ok && n == 0;
    if (in >= 0)
        close(in);
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    if (!ok) {
        if (fd >= 0)
            unlink(path);
        *out =
            json_pack("{s:s,s:s}", "error", "the firmware file could not be copied", "code", "io");
        return false;
    }
    gw_op_result res = {0};
    gw_device_ops_job(g, id, GW_OP_FIRMWARE, path, 0, &res);
    return bulk__follow(g, &res, out);
}

typedef struct bulk_dev {
    char address[256], scheme[8], username[64], status[24];
    int port;
    char *password;
} bulk_dev;

static hik_err bulk__load(gw *g, int64_t id, bulk_dev *d)
{
    memset(d, 0, sizeof *d);
    char *sealed = NULL;
    hik_err res = HIK_ERR_NOT_FOUND;
    gw_store_lock(g->store);
    sqlite3_stmt *s = gw_store_prepare(g->store, "SELECT address, port, scheme, username,"
                                                 " password, status FROM devices WHERE id=?1");
    if (s) {
        sqlite3_bind_int64(s, 1, id);
        if (sqlite3_step(s) == SQLITE_ROW) {
            snprintf(d->address, sizeof d->address, "%s", sqlite3_column_text(s, 0));
            d->port = sqlite3_column_int(s, 1);
            snprintf(d->scheme, sizeof d->scheme, "%s", sqlite3_column_text(s, 2));
            snprintf(d->username, sizeof d->username, "%s", sqlite3_column_text(s, 3));
            sealed = strdup((const char *)sqlite3_column_text(s, 4));
            snprintf(d->status, sizeof d->status, "%s", sqlite3_column_text(s, 5));
            res = sealed ? HIK_OK : HIK_ERR_NOMEM;
        }
        sqlite3_finalize(s);
    } else {
        res = HIK_ERR_IO;
    }
    gw_store_unlock(g->store);
    if (!res)
        res = gw_secrets_unseal(g->secrets, sealed, &d->password);
    free(sealed);
    return res;
}

/* Record what a 401 or a lockout says about the device, as device_ops and
 * the action workers do; never after the gateway began to stop. */
static void bulk__note(gw *g, int64_t id, hik_err err)
{
    if (err != HIK_ERR_AUTH && err != HIK_ERR_LOCKED)
        return;
    pthread_mutex_lock(&bulk.mu);
    if (!bulk.stopped) {
        gw_store_lock(g->store);
        sqlite3_stmt *s = gw_store_prepare(g->store, "UPDATE devices SET status=?1,"
                                                     " last_error=?2 WHERE id=?3");
        if (s) {
            sqlite3_bind_text(s, 1, err == HIK_ERR_AUTH ? "auth_rejected" : "locked", -1,
                              SQLITE_STATIC);
            sqlite3_bind_text(s, 2,
                              err == HIK_ERR_AUTH
                                  ? "the device rejected the username or password during a bulk "
                                    "operation; no further login attempts until the credentials "
                                    "are changed"
                                  : "the device reports this client locked out",
                              -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 3, id);
            sqlite3_step(s);
            sqlite3_finalize(s);
        }
        gw_store_unlock(g->store);
    }
    pthread_mutex_unlock(&bulk.mu);
}

static json_t *bulk__device_error(hik_err err, const hik_reply *r, const char *what)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s: %s", what,
             err == HIK_ERR_AUTH ? "the device rejected the stored password (not retried)"
             : r->error[0]       ? r->error
                                 : hik_err_str(err));
    json_t *j = json_pack("{s:s,s:s}", "error", msg, "code", hik_err_name(err));
    if (r->http_status)
        json_object_set_new(j, "http_status", json_integer(r->http_status));
    if (r->status.status_code)
        json_object_set_new(j, "device_status",
                            json_pack("{s:i,s:s,s:s}", "status_code", r->status.status_code,
                                      "status_string", r->status.status_string, "sub_status",
                                      r->status.sub_status));
    return j;
}

/* NTP server and time zone: the writes asked for, then the clock read back. */
static hik_err bulk__time_calls(hik_isapi *h, json_t *params, hik_reply *r, const char **what,
                                json_t **out)
{
    const char *ntp = json_string_value(json_object_get(params, "ntp_server"));
    const char *tz = json_string_value(json_object_get(params, "time_zone"));
    hik_err err = HIK_OK;
    if (ntp) {
        hik_ntp_server s = {
            .port = (int)json_integer_value(json_object_get(params, "ntp_port")),
            .interval_min = (int)json_integer_value(json_object_get(params, "interval_minutes"))};
        snprintf(s.host, sizeof s.host, "%s", ntp);
        *what = "NTP server";
        err = hik_isapi_ntp_server_set(h, 1, &s, r);
        hik_reply_free(r);
    }
    hik_time t = {0};
    snprintf(t.mode, sizeof t.mode, "%s", ntp ? "NTP" : "");
    snprintf(t.time_zone, sizeof t.time_zone, "%s", tz ? tz : "");
    if (!err) {
        *what = "time settings";
        err = hik_isapi_time_set(h, &t, r);
        hik_reply_free(r);
    }
    if (!err && !(err = hik_isapi_time_get(h, &t, r)))
        *out = json_pack("{s:s,s:s,s:s}", "mode", t.mode, "time_zone", t.time_zone, "local_time",
                         t.local_time);
    return err;
}

static bool bulk__time(gw *g, int64_t id, json_t *params, json_t **out)
{
    bulk_dev d;
    hik_err err = bulk__load(g, id, &d);
    if (err) {
        *out = json_pack("{s:s,s:s}", "error", "the device's stored credentials cannot be read",
                         "code", hik_err_name(err));
        return false;
    }
    if (!strcmp(d.status, "auth_rejected") || !strcmp(d.status, "locked")) {
        gw_secrets_free(d.password);
        *out = json_pack("{s:s,s:s}", "error",
                         "not sent: the device's stored credentials were rejected earlier; "
                         "update the device's password first",
                         "code", "auth");
        return false;
    }
    hik_isapi_opts o = {.scheme = d.scheme,
                        .host = d.address,
                        .port = d.port,
                        .username = d.username,
                        .password = d.password,
                        .timeout_ms = g->cfg.device_timeout_ms,
                        .connect_timeout_ms =
                            g->cfg.device_timeout_ms < 3000 ? g->cfg.device_timeout_ms : 3000};
    hik_isapi *h = NULL;
    hik_reply r = {0};
    const char *what = "connection";
    err = hik_isapi_new(&o, &h);
    if (!err)
        err = bulk__time_calls(h, params, &r, &what, out);
    if (err) {
        bulk__note(g, id, err);
        *out = bulk__device_error(err, &r, what);
    }
    hik_reply_free(&r);
    hik_isapi_free(h);
    gw_secrets_free(d.password);
    return !err;
}

static bool bulk__run_one(bulk_job *j, int64_t id, json_t **out)
{
    gw_op_result res = {0};
    switch (j->op) {
    case BULK_REBOOT:
        gw_device_ops_job(j->g, id, GW_OP_REBOOT, NULL,
                          json_integer_value(json_object_get(j->params, "wait_seconds")), &res);
        return bulk__follow(j->g, &res, out);
    case BULK_PASSWORD:
        gw_device_ops_password(j->g, id,
                               json_string_value(json_object_get(j->params, "new_password")), &res);
        *out = res.body;
        return res.status == 200;
    case BULK_FIRMWARE:
        return bulk__firmware(j->g, id, json_string_value(json_object_get(j->params, "file")), out);
    case BULK_TIME:
        return bulk__time(j->g, id, j->params, out);
    case BULK_HTTP_HOST: {
        /* the same auto-configuration as POST /api/v1/devices/{id}/configure */
        gw_autoconf_result ar = {0};
        gw_autoconf_configure(j->g, id, json_is_true(json_object_get(j->params, "dry_run")), &ar);
        *out = ar.body;
        return ar.status == 200;
    }
    }
    return false;
}

/* ---- workers -------------------------------------------------------------- */

static void *bulk__worker(void *arg)
{
    bulk_job *j = arg;
    for (;;) {
        pthread_mutex_lock(&bulk.mu);
        if (j->next >= j->n) {
            pthread_mutex_unlock(&bulk.mu);
            return NULL;
        }
        bulk_item *it = &j->items[j->next++];
        bool skip = bulk.stopped;
        snprintf(it->state, sizeof it->state, "%s", skip ? "error" : "running");
        pthread_mutex_unlock(&bulk.mu);
        json_t *out = NULL;
        bool ok = !skip && bulk__run_one(j, it->device_id, &out);
        if (skip)
            out = json_pack("{s:s}", "error", "not started: the gateway is stopping");
        pthread_mutex_lock(&bulk.mu);
        snprintf(it->state, sizeof it->state, "%s", ok ? "ok" : "error");
        it->result = out ? out : json_object();
        j->finished++;
        pthread_mutex_unlock(&bulk.mu);
    }
}

static void *bulk__coordinator(void *arg)
{
    bulk_job *j = arg;
    pthread_t t[GW_BULK_CONCURRENCY];
    size_t n = j->n < GW_BULK_CONCURRENCY ? j->n : GW_BULK_CONCURRENCY, started = 0;
    for (size_t i = 0; i < n; i++)
        if (pthread_create(&t[started], NULL, bulk__worker, j) == 0)
            started++;
    if (started == 0)
        bulk__worker(j); /* no thread to spare: run them here, one by one */
    for (size_t i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    gw_info("bulk: job %lld (%s) done", (long long)j->id, bulk__op_names[j->op]);
    pthread_mutex_lock(&bulk.mu);
    j->done = true;
    j->finished_ms = gw_now_ms();
    bulk.running--;
    pthread_cond_broadcast(&bulk.cv);
    pthread_mutex_unlock(&bulk.mu);
    return NULL;
}

/* ---- submission ----------------------------------------------------------- */

static int bulk__bad(json_t **body, int status, const char *field, const char *msg)
{
    *body = json_pack("{s:s}", "error", msg);
    if (field)
        json_object_set_new(*body, "field", json_string(field));
    return status;
}

/* Params of each operation: allowed keys and their checks. */
static int bulk__check_params(bulk_op op, json_t *p, json_t **body)
{
    static const char *const allowed[][5] = {
        {"wait_seconds", NULL},
        {"new_password", NULL},
        {"ntp_server", "ntp_port", "interval_minutes", "time_zone", NULL},
        {"file", NULL},
        {"dry_run", NULL}};
    const char *k;
    json_t *v;
    json_object_foreach(p, k, v)
    {
        const char *const *a = allowed[op];
        while (*a && strcmp(*a, k))
            a++;
        if (!*a)
            return bulk__bad(body, 400, "params", "unknown parameter for this operation");
    }
    json_t *dry = json_object_get(p, "dry_run");
    if (dry && !json_is_boolean(dry))
        return bulk__bad(body, 400, "params.dry_run", "dry_run: true or false");
    json_t *w = json_object_get(p, "wait_seconds");
    if (w && (!json_is_integer(w) || json_integer_value(w) < 2 || json_integer_value(w) > 3600))
        return bulk__bad(body, 400, "params.wait_seconds", "wait_seconds: 2 to 3600");
    char why[256];
    if (op == BULK_PASSWORD &&
        hik_password_check(NULL, json_string_value(json_object_get(p, "new_password")), why,
                           sizeof why))
        return bulk__bad(body, 400, "params.new_password", why);
    if (op == BULK_TIME) {
        json_t *ntp = json_object_get(p, "ntp_server"), *tz = json_object_get(p, "time_zone");
        json_t *port = json_object_get(p, "ntp_port"), *iv = json_object_get(p, "interval_minutes");
        if ((!ntp && !tz) ||
            (ntp &&
             (!json_is_string(ntp) || !json_string_length(ntp) || json_string_length(ntp) > 127)) ||
            (tz && (!json_is_string(tz) || !json_string_length(tz) || json_string_length(tz) > 63)))
            return bulk__bad(body, 400, "params",
                             "time needs ntp_server (a host) and/or time_zone (\"CST-8:00:00\")");
        if ((port && (!json_is_integer(port) || json_integer_value(port) < 1 ||
                      json_integer_value(port) > 65535)) ||
            (iv && (!json_is_integer(iv) || json_integer_value(iv) < 1 ||
                    json_integer_value(iv) > 10080)))
            return bulk__bad(body, 400, "params", "ntp_port 1-65535, interval_minutes 1-10080");
    }
    if (op == BULK_FIRMWARE) {
        const char *f = json_string_value(json_object_get(p, "file"));
        int fd = f ? open(f, O_RDONLY | O_CLOEXEC) : -1;
        uint64_t size;
        hik_err err = fd < 0 ? HIK_ERR_IO : hik_firmware_check(fd, &size, why, sizeof why);
        if (fd >= 0)
            close(fd);
        if (err)
            return bulk__bad(body, 400, "params.file",
                             fd < 0 ? "file: a firmware image readable by the gateway" : why);
    }
    return 0;
}

/* devices: 1..GW_BULK_MAX_DEVICES distinct existing ids. */
static int bulk__check_devices(gw *g, json_t *devs, int64_t *ids, size_t *n, json_t **body)
{
    size_t i;
    json_t *v;
    if (!json_is_array(devs) || json_array_size(devs) == 0 ||
        json_array_size(devs) > GW_BULK_MAX_DEVICES)
        return bulk__bad(body, 400, "devices", "devices: a list of 1 to 256 device ids");
    json_array_foreach(devs, i, v)
    {
        ids[i] = json_integer_value(v);
        if (!json_is_integer(v) || ids[i] < 1)
            return bulk__bad(body, 400, "devices", "devices: ids are positive integers");
        for (size_t k = 0; k < i; k++)
            if (ids[k] == ids[i])
                return bulk__bad(body, 400, "devices", "devices: an id appears twice");
    }
    *n = json_array_size(devs);
    gw_store_lock(g->store);
    int64_t missing = gw_store_first_missing(g->store, "devices", ids, *n);
    gw_store_unlock(g->store);
    if (missing < 0)
        return bulk__bad(body, 500, NULL, "database error");
    if (missing > 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "device %lld does not exist", (long long)missing);
        return bulk__bad(body, 400, "devices", msg);
    }
    return 0;
}

static int bulk__parse(gw *g, json_t *rq, bulk_op *op, int64_t *ids, size_t *n, json_t **body)
{
    const char *k;
    json_t *v;
    json_object_foreach(rq, k, v)
    {
        if (strcmp(k, "operation") && strcmp(k, "devices") && strcmp(k, "params"))
            return bulk__bad(body, 400, k, "unknown field (operation, devices, params)");
    }
    const char *name = json_string_value(json_object_get(rq, "operation"));
    size_t i = 0;
    while (name && i < sizeof bulk__op_names / sizeof bulk__op_names[0] &&
           strcmp(bulk__op_names[i], name))
        i++;
    if (!name || i == sizeof bulk__op_names / sizeof bulk__op_names[0])
        return bulk__bad(body, 400, "operation", "operation: reboot, password, time, firmware or http_host");
    *op = (bulk_op)i;
    json_t *params = json_object_get(rq, "params");
    if (params && !json_is_object(params))
        return bulk__bad(body, 400, "params", "params must be an object");
    json_t *empty = json_object();
    int rc = bulk__check_params(*op, params ? params : empty, body);
    json_decref(empty);
    return rc ? rc : bulk__check_devices(g, json_object_get(rq, "devices"), ids, n, body);
}

int gw_bulk_submit(gw *g, json_t *request, json_t **body)
{
    int64_t ids[GW_BULK_MAX_DEVICES];
    size_t n = 0;
    bulk_op op;
    int rc = bulk__parse(g, request, &op, ids, &n, body);
    if (rc)
        return rc;
    bulk_job *j = calloc(1, sizeof *j);
    if (j)
        j->items = calloc(n, sizeof *j->items);
    if (!j || !j->items) {
        bulk__job_free(j);
        return bulk__bad(body, 500, NULL, "out of memory");
    }
    json_t *params = json_object_get(request, "params");
    j->op = op;
    j->g = g;
    j->n = n;
    j->params = params ? json_deep_copy(params) : json_object();
    j->created_ms = gw_now_ms();
    for (size_t i = 0; i < n; i++) {
        j->items[i].device_id = ids[i];
        snprintf(j->items[i].state, sizeof j->items[i].state, "pending");
    }
    pthread_mutex_lock(&bulk.mu);
    bool refused = bulk.stopped || bulk.running >= GW_BULK_JOBS / 2;
    pthread_t t;
    if (!refused) {
        j->id = ++bulk.next_id;
        bulk_job *old = bulk.jobs[j->id % GW_BULK_JOBS];
        if (old && !old->done) {
            refused = true;
            bulk.next_id--;
        } else {
            bulk__job_free(old);
            bulk.jobs[j->id % GW_BULK_JOBS] = j;
            bulk.running++;
            if (pthread_create(&t, NULL, bulk__coordinator, j) != 0) {
                bulk.jobs[j->id % GW_BULK_JOBS] = NULL;
                bulk.running--;
                refused = true;
            } else {
                pthread_detach(t);
            }
        }
    }
    *body = refused ? NULL : bulk__job_json_locked(j);
    pthread_mutex_unlock(&bulk.mu);
    if (refused) {
        bulk__job_free(j);
        return bulk__bad(body, 409, NULL, "too many bulk jobs are running; try again later");
    }
    gw_info("bulk: job %lld: %s on %zu devices", (long long)j->id, bulk__op_names[op], n);
    return 202;
}

void gw_bulk_stop(gw *g)
{
    pthread_mutex_lock(&bulk.mu);
    bulk.stopped = true;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30;
    while (bulk.running > 0)
        if (pthread_cond_timedwait(&bulk.cv, &bulk.mu, &until) == ETIMEDOUT)
            break;
    bool clean = bulk.running == 0;
    for (int i = 0; clean && i < GW_BULK_JOBS; i++) {
        bulk__job_free(bulk.jobs[i]);
        bulk.jobs[i] = NULL;
    }
    pthread_mutex_unlock(&bulk.mu);
    if (!clean)
        gw_warn("bulk: jobs still running at shutdown");
}
