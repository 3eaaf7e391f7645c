/* device_ops.c: password, network, reboot, firmware, backups, activation.
 *
 * Every operation loads the device row, unseals its password and builds
 * its own ISAPI handle, so it never waits behind (or disturbs) the action
 * workers' cached handle; a password change bumps the row's updated_ms,
 * which makes the workers rebuild theirs with the new password. One
 * management operation per device runs at a time (409 otherwise): two
 * firmware uploads to one camera, or a reboot during one, is never what
 * anybody wants.
 *
 * Jobs live in a fixed ring in memory (the newest GW_OPS_JOBS), which is
 * what a status URL needs; the lasting record of a backup is its row in
 * device_backups. A job thread touches the store only under ops.mu and
 * only while the daemon is not stopping, so a firmware upgrade still
 * waiting for its camera at shutdown cannot write into a closed database.
 *
 * One gw per process: the state is file-static. */
#include "device_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices.h"
#include "hik/isapi_manage.h"
#include "device_tls.h"
#include "log.h"

#define GW_OPS_JOBS 128
#define GW_OPS_BUSY 64
#define GW_BACKUP_MAX (64ull * 1024 * 1024)

typedef struct ops_job {
    int64_t id;
    int64_t device_id;
    gw_op_kind kind;
    char state[12]; /* running, ok, error */
    char phase[16];
    int percent;
    json_t *result;
    int64_t created_ms, finished_ms;
    /* inputs */
    char file[1100];
    int64_t n;
} ops_job;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool started, stopped;
    int running;
    int64_t next_id;
    ops_job jobs[GW_OPS_JOBS];
    int64_t busy[GW_OPS_BUSY];
} ops = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static const char *const ops__kind_names[] = {"reboot", "firmware", "backup", "restore"};

typedef struct ops_dev {
    int64_t id;
    char address[256];
    char scheme[8];
    char username[64];
    char *password;
    int port;
    char status[24];
} ops_dev;

/* ---- results ------------------------------------------------------------ */

static void ops__reply(gw_op_result *res, int status, json_t *body)
{
    res->status = status;
    res->body = body;
}

static void ops__fail(gw_op_result *res, int status, const char *fmt, const char *detail)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, detail ? detail : "");
    ops__reply(res, status, json_pack("{s:s}", "error", msg));
}

/* The device's refusal as JSON: our error name, its message, and the
 * device's own ResponseStatus when it sent one. */
static json_t *ops__device_error(hik_err err, const hik_reply *r, const char *what)
{
    json_t *j = json_object();
    char msg[512];
    const char *detail = r && r->error[0] ? r->error : hik_err_str(err);
    if (err == HIK_ERR_AUTH)
        snprintf(msg, sizeof msg,
                 "%s: the device rejected the stored password; nothing was retried, and no "
                 "further login is attempted until the device's credentials are updated",
                 what);
    else if (err == HIK_ERR_LOCKED)
        snprintf(msg, sizeof msg, "%s: the device reports this client locked out", what);
    else
        snprintf(msg, sizeof msg, "%s: %s", what, detail);
    json_object_set_new(j, "error", json_string(msg));
    json_object_set_new(j, "code", json_string(hik_err_name(err)));
    if (r && r->http_status)
        json_object_set_new(j, "http_status", json_integer(r->http_status));
    if (r && r->status.status_code) {
        json_t *d = json_pack("{s:i,s:s}", "status_code", r->status.status_code, "status_string",
                              r->status.status_string);
        if (r->status.sub_status[0])
            json_object_set_new(d, "sub_status", json_string(r->status.sub_status));
        json_object_set_new(j, "device_status", d);
    }
    return j;
}

static int ops__http_status(hik_err err)
{
    switch (err) {
    case HIK_ERR_INVALID:
        return 400;
    case HIK_ERR_AUTH:
    case HIK_ERR_LOCKED:
        return 409;
    case HIK_ERR_TIMEOUT:
    case HIK_ERR_NETWORK:
        return 504;
    default:
        return 502;
    }
}

static void ops__device_fail(gw_op_result *res, hik_err err, const hik_reply *r, const char *what)
{
    ops__reply(res, ops__http_status(err), ops__device_error(err, r, what));
}

/* ---- the device row ------------------------------------------------------ */

static hik_err ops__load(gw *g, int64_t id, ops_dev *d)
{
    memset(d, 0, sizeof *d);
    d->id = id;
    char *sealed = NULL;
    hik_err res = HIK_ERR_NOT_FOUND;
    gw_store_lock(g->store);
    sqlite3_stmt *s = gw_store_prepare(g->store, "SELECT address, port, scheme, username, "
                                                 "password, status FROM devices WHERE id=?");
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

static hik_err ops__handle(gw *g, const ops_dev *d, const char *user, const char *pass,
                           hik_isapi **out)
{
    hik_isapi_opts o = {
        .scheme = d->scheme[0] ? d->scheme : "http",
        .host = d->address,
        .port = d->port,
        .username = user,
        .password = pass,
        .auth = HIK_AUTH_AUTO,
        .timeout_ms = g->cfg.device_timeout_ms,
        .connect_timeout_ms = g->cfg.device_timeout_ms < 3000 ? g->cfg.device_timeout_ms : 3000,
    };
    char pin[HIK_PIN_MAX], why[160];
    if (d->id) {
        hik_err err = gw_device_tls_prepare(g, d->id, &o, pin, why, sizeof why);
        if (err)
            return err;
    }
    return hik_isapi_new(&o, out);
}

static void ops__exec(gw *g, const char *sql, const char *text, int64_t id)
{
    gw_store_lock(g->store);
    sqlite3_stmt *s = gw_store_prepare(g->store, sql);
    if (s) {
        sqlite3_bind_text(s, 1, text, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 2, id);
        if (sqlite3_step(s) != SQLITE_DONE)
            gw_error("device ops: %s: %s", sql, sqlite3_errmsg(g->store->db));
        sqlite3_finalize(s);
    }
    gw_store_unlock(g->store);
}

/* What the device's answer says about it, as the action workers record it. */
static void ops__note(gw *g, int64_t id, hik_err err)
{
    if (err == HIK_ERR_AUTH)
        ops__exec(g, "UPDATE devices SET status='auth_rejected', last_error=?1 WHERE id=?2",
                  "the device rejected the username or password during a management operation; "
                  "no further login attempts until the credentials are changed",
                  id);
    else if (err == HIK_ERR_LOCKED)
        ops__exec(g, "UPDATE devices SET status='locked', last_error=?1 WHERE id=?2",
                  "the device reports this client locked out", id);
}

/* Refuse to log in again with credentials already rejected. */
static bool ops__usable(const ops_dev *d, gw_op_result *res)
{
    if (strcmp(d->status, "auth_rejected") != 0 && strcmp(d->status, "locked") != 0)
        return true;
    ops__fail(res, 409,
              "not sent: the device's stored credentials were rejected earlier (%s); update the "
              "device's password first",
              d->status);
    return false;
}

/* ---- one operation per device ------------------------------------------- */

static bool ops__claim(int64_t id)
{
    pthread_mutex_lock(&ops.mu);
    int free_slot = -1;
    bool busy = false;
    for (int i = 0; i < GW_OPS_BUSY; i++) {
        busy |= ops.busy[i] == id;
        if (!ops.busy[i] && free_slot < 0)
            free_slot = i;
    }
    bool ok = !busy && free_slot >= 0 && !ops.stopped;
    if (ok)
        ops.busy[free_slot] = id;
    pthread_mutex_unlock(&ops.mu);
    return ok;
}

static void ops__release(int64_t id)
{
    pthread_mutex_lock(&ops.mu);
    for (int i = 0; i < GW_OPS_BUSY; i++)
        if (ops.busy[i] == id)
            ops.busy[i] = 0;
    pthread_mutex_unlock(&ops.mu);
}

/* Load, check and claim the device; false after filling res. */
static bool ops__begin(gw *g, int64_t id, ops_dev *d, gw_op_result *res)
{
    hik_err err = ops__load(g, id, d);
    if (err == HIK_ERR_NOT_FOUND) {
        ops__fail(res, 404, "no such device%s", NULL);
        return false;
    }
    if (err) {
        ops__fail(res, 500, "the device's stored credentials cannot be read%s", NULL);
        return false;
    }
    if (!ops__usable(d, res)) {
        gw_secrets_free(d->password);
        return false;
    }
    if (!ops__claim(id)) {
        gw_secrets_free(d->password);
        ops__fail(res, 409, "another management operation is running on this device%s", NULL);
        return false;
    }
    return true;
}

static void ops__end(ops_dev *d)
{
    ops__release(d->id);
    gw_secrets_free(d->password);
    d->password = NULL;
}

/* ---- jobs --------------------------------------------------------------- */

static ops_job *ops__job_locked(int64_t id)
{
    ops_job *j = &ops.jobs[id % GW_OPS_JOBS];
    return j->id == id ? j : NULL;
}

static json_t *ops__job_json_locked(const ops_job *j)
{
    json_t *o = json_pack("{s:I,s:I,s:s,s:s,s:s,s:i,s:I}", "id", (json_int_t)j->id, "device_id",
                          (json_int_t)j->device_id, "kind", ops__kind_names[j->kind], "state",
                          j->state, "phase", j->phase, "percent", j->percent, "created_ms",
                          (json_int_t)j->created_ms);
    char url[64];
    snprintf(url, sizeof url, "/api/v1/jobs/%lld", (long long)j->id);
    json_object_set_new(o, "status_url", json_string(url));
    json_object_set_new(o, "finished_ms",
                        j->finished_ms ? json_integer(j->finished_ms) : json_null());
    json_object_set_new(o, "result", j->result ? json_incref(j->result) : json_null());
    return o;
}

json_t *gw_device_ops_job_json(gw *g, int64_t job_id)
{
    pthread_mutex_lock(&ops.mu);
    ops_job *j = job_id > 0 ? ops__job_locked(job_id) : NULL;
    json_t *o = j ? ops__job_json_locked(j) : NULL;
    pthread_mutex_unlock(&ops.mu);
    return o;
}

json_t *gw_device_ops_latest_json(gw *g, int64_t device_id, gw_op_kind kind)
{
    json_t *o = NULL;
    pthread_mutex_lock(&ops.mu);
    for (int64_t id = ops.next_id; id > 0 && id > ops.next_id - GW_OPS_JOBS && !o; id--) {
        ops_job *j = ops__job_locked(id);
        if (j && j->device_id == device_id && j->kind == kind)
            o = ops__job_json_locked(j);
    }
    pthread_mutex_unlock(&ops.mu);
    return o;
}

static void ops__progress(int64_t job_id, const char *phase, int percent)
{
    pthread_mutex_lock(&ops.mu);
    ops_job *j = ops__job_locked(job_id);
    if (j) {
        snprintf(j->phase, sizeof j->phase, "%s", phase);
        j->percent = percent;
    }
    pthread_mutex_unlock(&ops.mu);
}

static void ops__firmware_progress(void *ctx, const char *phase, int percent)
{
    ops__progress((int64_t)(intptr_t)ctx, phase, percent);
}

static void ops__finish(int64_t job_id, bool ok, json_t *result)
{
    pthread_mutex_lock(&ops.mu);
    ops_job *j = ops__job_locked(job_id);
    if (j) {
        snprintf(j->state, sizeof j->state, "%s", ok ? "ok" : "error");
        snprintf(j->phase, sizeof j->phase, "done");
        if (ok)
            j->percent = 100;
        json_decref(j->result);
        j->result = result;
        j->finished_ms = gw_now_ms();
    } else {
        json_decref(result);
    }
    pthread_mutex_unlock(&ops.mu);
}

/* Store writes from a job happen under ops.mu and never after stop. */
static bool ops__store_begin(void)
{
    pthread_mutex_lock(&ops.mu);
    if (!ops.stopped)
        return true;
    pthread_mutex_unlock(&ops.mu);
    return false;
}

static void ops__store_end(void)
{
    pthread_mutex_unlock(&ops.mu);
}

static void ops__set_firmware(gw *g, int64_t id, const char *firmware)
{
    if (!ops__store_begin())
        return;
    ops__exec(g,
              "UPDATE devices SET firmware=?1, status='online', last_error=NULL, "
              "last_seen_ms=strftime('%s','now')*1000 WHERE id=?2",
              firmware, id);
    ops__store_end();
}

typedef struct ops_run {
    gw *g;
    int64_t job_id;
    ops_dev dev;
    gw_op_kind kind;
    char file[1100];
    int64_t n;
} ops_run;

static hik_err ops__run_reboot(ops_run *r, hik_isapi *h, hik_reply *reply, json_t **out)
{
    hik_err err = hik_isapi_reboot(h, reply);
    if (err)
        return err;
    ops__progress(r->job_id, "rebooting", 50);
    hik_device_info after;
    hik_reply_free(reply);
    /* n: the caller's bound in seconds for the whole restart, else 4 min */
    long down_ms = r->n > 0 ? (long)r->n * 1000L / 3 : 60 * 1000L;
    long up_ms = r->n > 0 ? (long)r->n * 1000L - down_ms : 180 * 1000L;
    err = hik_isapi_wait_restart(h, down_ms, up_ms, 500, &after, reply);
    if (!err) {
        ops__set_firmware(r->g, r->dev.id, after.firmware);
        *out = json_pack("{s:s}", "firmware", after.firmware);
    }
    return err;
}

static hik_err ops__run_firmware(ops_run *r, hik_isapi *h, hik_reply *reply, json_t **out)
{
    int fd = open(r->file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(reply->error, sizeof reply->error, "the uploaded file is gone: %s",
                 strerror(errno));
        return HIK_ERR_IO;
    }
    hik_firmware_opts o = {
        .poll_ms = 1000, .progress = ops__firmware_progress, .ctx = (void *)(intptr_t)r->job_id};
    hik_device_info after;
    hik_err err = hik_isapi_firmware_upgrade(h, fd, &o, &after, reply);
    close(fd);
    if (!err) {
        ops__set_firmware(r->g, r->dev.id, after.firmware);
        *out = json_pack("{s:s}", "firmware", after.firmware);
    }
    return err;
}

static void ops__mkdir(const char *path)
{
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        gw_warn("device ops: mkdir %s: %s", path, strerror(errno));
}

/* The file of backup n of the device, "" when there is none. */
static void ops__backup_file(gw *g, int64_t device_id, int64_t n, char *out, size_t len)
{
    out[0] = '\0';
    gw_store_lock(g->store);
    sqlite3_stmt *s =
        gw_store_prepare(g->store, "SELECT file FROM device_backups WHERE id=? AND device_id=?");
    if (s) {
        sqlite3_bind_int64(s, 1, n);
        sqlite3_bind_int64(s, 2, device_id);
        if (sqlite3_step(s) == SQLITE_ROW)
            snprintf(out, len, "%s", sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
    }
    gw_store_unlock(g->store);
}

static int64_t ops__backup_insert(gw *g, int64_t device_id, int64_t at, const char *firmware,
                                  uint64_t size, const char *file)
{
    int64_t id = 0;
    gw_store_lock(g->store);
    sqlite3_stmt *s = gw_store_prepare(g->store, "INSERT INTO device_backups(device_id, "
                                                 "created_ms, firmware, size, file) "
                                                 "VALUES(?,?,?,?,?)");
    if (s) {
        sqlite3_bind_int64(s, 1, device_id);
        sqlite3_bind_int64(s, 2, at);
        sqlite3_bind_text(s, 3, firmware, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 4, (sqlite3_int64)size);
        sqlite3_bind_text(s, 5, file, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(s) == SQLITE_DONE)
            id = sqlite3_last_insert_rowid(g->store->db);
        sqlite3_finalize(s);
    }
    gw_store_unlock(g->store);
    return id;
}

static hik_err ops__run_backup(ops_run *r, hik_isapi *h, hik_reply *reply, json_t **out)
{
    hik_device_info info;
    hik_err err = hik_isapi_device_info(h, &info, reply);
    if (err)
        return err;
    hik_reply_free(reply);
    char dir[1200], path[1300];
    int64_t at = gw_now_ms();
    snprintf(dir, sizeof dir, "%s/backups", r->g->cfg.data_dir);
    ops__mkdir(dir);
    snprintf(dir, sizeof dir, "%s/backups/%lld", r->g->cfg.data_dir, (long long)r->dev.id);
    ops__mkdir(dir);
    snprintf(path, sizeof path, "%s/%lld.bin", dir, (long long)at);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        gw_warn("device ops: creating %s: %s", path, strerror(errno));
        snprintf(reply->error, sizeof reply->error, "cannot create the backup file: %s",
                 strerror(errno));
        return HIK_ERR_IO;
    }
    ops__progress(r->job_id, "downloading", 10);
    uint64_t size = 0;
    err = hik_isapi_config_export(h, fd, GW_BACKUP_MAX, &size, reply);
    if (!err && fsync(fd) != 0) {
        snprintf(reply->error, sizeof reply->error, "cannot write the backup file: %s",
                 strerror(errno));
        err = HIK_ERR_IO;
    }
    close(fd);
    int64_t id = 0;
    if (!err && ops__store_begin()) {
        id = ops__backup_insert(r->g, r->dev.id, at, info.firmware, size, path);
        ops__store_end();
    }
    if (!err && !id) {
        snprintf(reply->error, sizeof reply->error, "the backup could not be recorded");
        err = HIK_ERR_IO;
    }
    if (err) {
        unlink(path);
        return err;
    }
    *out = json_pack("{s:I,s:I,s:s,s:I}", "backup_id", (json_int_t)id, "created_ms", (json_int_t)at,
                     "firmware", info.firmware, "size", (json_int_t)size);
    return HIK_OK;
}

static hik_err ops__run_restore(ops_run *r, hik_isapi *h, hik_reply *reply, json_t **out)
{
    int fd = open(r->file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        gw_warn("device ops: opening %s: %s", r->file, strerror(errno));
        snprintf(reply->error, sizeof reply->error, "the backup file cannot be read: %s",
                 strerror(errno));
        return HIK_ERR_IO;
    }
    ops__progress(r->job_id, "uploading", 10);
    hik_err err = hik_isapi_config_import(h, fd, reply);
    close(fd);
    if (!err)
        *out = json_pack("{s:I}", "backup_id", (json_int_t)r->n);
    return err;
}

static void *ops__job_main(void *arg)
{
    ops_run *r = arg;
    hik_isapi *h = NULL;
    hik_reply reply = {0};
    json_t *out = NULL;
    hik_err err = ops__handle(r->g, &r->dev, r->dev.username, r->dev.password, &h);
    if (!err) {
        if (r->kind == GW_OP_REBOOT)
            err = ops__run_reboot(r, h, &reply, &out);
        else if (r->kind == GW_OP_FIRMWARE)
            err = ops__run_firmware(r, h, &reply, &out);
        else if (r->kind == GW_OP_BACKUP)
            err = ops__run_backup(r, h, &reply, &out);
        else
            err = ops__run_restore(r, h, &reply, &out);
    }
    if (err && ops__store_begin()) {
        ops__note(r->g, r->dev.id, err);
        ops__store_end();
    }
    if (err)
        gw_warn("device %lld: %s failed: %s %s", (long long)r->dev.id, ops__kind_names[r->kind],
                hik_err_name(err), reply.error);
    ops__finish(r->job_id, !err,
                err ? ops__device_error(err, &reply, ops__kind_names[r->kind]) : out);
    hik_reply_free(&reply);
    hik_isapi_free(h);
    if (r->kind == GW_OP_FIRMWARE)
        unlink(r->file);
    ops__end(&r->dev);
    free(r);
    pthread_mutex_lock(&ops.mu);
    ops.running--;
    pthread_cond_broadcast(&ops.cv);
    pthread_mutex_unlock(&ops.mu);
    return NULL;
}

static int64_t ops__new_job_locked(int64_t device_id, gw_op_kind kind)
{
    int64_t id = ++ops.next_id;
    ops_job *j = &ops.jobs[id % GW_OPS_JOBS];
    json_decref(j->result);
    memset(j, 0, sizeof *j);
    j->id = id;
    j->device_id = device_id;
    j->kind = kind;
    snprintf(j->state, sizeof j->state, "running");
    snprintf(j->phase, sizeof j->phase, "starting");
    j->created_ms = gw_now_ms();
    return id;
}

void gw_device_ops_job(gw *g, int64_t device_id, gw_op_kind kind, const char *file, int64_t n,
                       gw_op_result *res)
{
    ops_run *r = calloc(1, sizeof *r);
    if (!r) {
        ops__fail(res, 500, "out of memory%s", NULL);
        goto fail;
    }
    if (!ops__begin(g, device_id, &r->dev, res)) {
        free(r);
        goto fail;
    }
    *r = (ops_run){.g = g, .dev = r->dev, .kind = kind, .n = n};
    if (file)
        snprintf(r->file, sizeof r->file, "%s", file);
    if (kind == GW_OP_RESTORE) {
        ops__backup_file(g, device_id, n, r->file, sizeof r->file);
        if (!r->file[0]) {
            ops__end(&r->dev);
            free(r);
            ops__fail(res, 404, "no such backup of this device%s", NULL);
            return;
        }
    }
    pthread_mutex_lock(&ops.mu);
    r->job_id = ops__new_job_locked(device_id, kind);
    int64_t job_id = r->job_id; /* r belongs to the thread once it runs */
    ops.running++;
    pthread_mutex_unlock(&ops.mu);
    pthread_t tid;
    if (pthread_create(&tid, NULL, ops__job_main, r) != 0) {
        ops__finish(r->job_id, false, json_pack("{s:s}", "error", "cannot start a thread"));
        pthread_mutex_lock(&ops.mu);
        ops.running--;
        pthread_mutex_unlock(&ops.mu);
        ops__end(&r->dev);
        free(r);
        ops__fail(res, 503, "cannot start the operation now%s", NULL);
        goto fail;
    }
    pthread_detach(tid);
    gw_info("device %lld: %s started", (long long)device_id, ops__kind_names[kind]);
    ops__reply(res, 202, gw_device_ops_job_json(g, job_id));
    return;
fail:
    if (file && kind == GW_OP_FIRMWARE)
        unlink(file);
}

hik_err gw_device_ops_start(gw *g)
{
    pthread_mutex_lock(&ops.mu);
    ops.started = true;
    ops.stopped = false;
    pthread_mutex_unlock(&ops.mu);
    return HIK_OK;
}

void gw_device_ops_stop(gw *g)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&ops.mu);
    ops.stopped = true;
    while (ops.running > 0)
        if (pthread_cond_timedwait(&ops.cv, &ops.mu, &until) != 0)
            break;
    if (ops.running > 0)
        gw_warn("device ops: %d operations still waiting for their devices at shutdown",
                ops.running);
    pthread_mutex_unlock(&ops.mu);
}

/* ---- short operations --------------------------------------------------- */

void gw_device_ops_password(gw *g, int64_t device_id, const char *new_password, gw_op_result *res)
{
    ops_dev d;
    hik_isapi *h = NULL;
    hik_reply reply = {0};
    char why[192];
    if (!ops__begin(g, device_id, &d, res))
        return;
    if (hik_password_check(d.username, new_password, why, sizeof why)) {
        ops__fail(res, 400, "new_password: %s", why);
        goto done;
    }
    hik_err err = ops__handle(g, &d, d.username, d.password, &h);
    if (!err)
        err = hik_isapi_user_password_set(h, 1, d.username, new_password, &reply);
    if (err) {
        ops__note(g, device_id, err);
        ops__device_fail(res, err, &reply, "password change refused");
        goto done;
    }
    /* The device has the new password now: the store must follow, or the
     * next call would present the old one and count as a failed login. */
    char *sealed = NULL;
    if (gw_secrets_seal(g->secrets, new_password, &sealed)) {
        gw_error("device %lld: password changed on the device but it cannot be sealed",
                 (long long)device_id);
        ops__fail(res, 500, "the device accepted the new password but it could not be stored%s",
                  "; update the device's password in hikgate by hand");
        goto done;
    }
    gw_store_lock(g->store);
    sqlite3_stmt *s = gw_store_prepare(g->store, "UPDATE devices SET password=?, updated_ms=?, "
                                                 "status='online', last_error=NULL WHERE id=?");
    bool stored = false;
    if (s) {
        sqlite3_bind_text(s, 1, sealed, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, gw_now_ms());
        sqlite3_bind_int64(s, 3, device_id);
        stored = sqlite3_step(s) == SQLITE_DONE;
        sqlite3_finalize(s);
    }
    gw_store_unlock(g->store);
    free(sealed);
    if (!stored) {
        gw_error("device %lld: password changed on the device but not in the store",
                 (long long)device_id);
        ops__fail(res, 500, "the device accepted the new password but it could not be stored%s",
                  "; update the device's password in hikgate by hand");
        goto done;
    }
    gw_info("device %lld: password changed", (long long)device_id);
    ops__reply(res, 200, json_pack("{s:b}", "changed", 1));
done:
    hik_reply_free(&reply);
    hik_isapi_free(h);
    ops__end(&d);
}

static json_t *ops__ip_json(const hik_ip_address *ip)
{
    return json_pack("{s:b,s:s,s:s,s:s,s:s,s:s}", "dhcp", !strcmp(ip->addressing, "dynamic"),
                     "address", ip->address, "mask", ip->mask, "gateway", ip->gateway, "dns1",
                     ip->dns1, "dns2", ip->dns2);
}

void gw_device_ops_network_get(gw *g, int64_t device_id, gw_op_result *res)
{
    ops_dev d;
    hik_isapi *h = NULL;
    hik_reply reply = {0};
    hik_ip_address ip;
    if (!ops__begin(g, device_id, &d, res))
        return;
    hik_err err = ops__handle(g, &d, d.username, d.password, &h);
    if (!err)
        err = hik_isapi_ip_address_get(h, 1, &ip, &reply);
    if (err) {
        ops__note(g, device_id, err);
        ops__device_fail(res, err, &reply, "reading the network settings failed");
    } else {
        ops__reply(res, 200, ops__ip_json(&ip));
    }
    hik_reply_free(&reply);
    hik_isapi_free(h);
    ops__end(&d);
}

static bool ops__ip_from_json(json_t *j, hik_ip_address *ip, gw_op_result *res)
{
    static const char *const keys[] = {"address", "mask", "gateway", "dns1", "dns2"};
    char *fields[] = {ip->address, ip->mask, ip->gateway, ip->dns1, ip->dns2};
    memset(ip, 0, sizeof *ip);
    json_t *dhcp = json_object_get(j, "dhcp");
    if (dhcp && !json_is_boolean(dhcp)) {
        ops__fail(res, 400, "dhcp must be true or false%s", NULL);
        return false;
    }
    if (dhcp)
        snprintf(ip->addressing, sizeof ip->addressing, "%s",
                 json_is_true(dhcp) ? "dynamic" : "static");
    for (size_t i = 0; i < 5; i++) {
        json_t *v = json_object_get(j, keys[i]);
        if (v && (!json_is_string(v) || json_string_length(v) >= sizeof ip->address)) {
            ops__fail(res, 400, "%s must be a dotted IPv4 address", keys[i]);
            return false;
        }
        if (v)
            snprintf(fields[i], sizeof ip->address, "%s", json_string_value(v));
    }
    return true;
}

void gw_device_ops_network_set(gw *g, int64_t device_id, json_t *settings, gw_op_result *res)
{
    ops_dev d;
    hik_isapi *h = NULL;
    hik_reply reply = {0};
    hik_ip_address ip;
    if (!ops__ip_from_json(settings, &ip, res) || !ops__begin(g, device_id, &d, res))
        return;
    hik_err err = ops__handle(g, &d, d.username, d.password, &h);
    if (!err)
        err = hik_isapi_ip_address_set(h, 1, &ip, &reply);
    if (!err) {
        hik_reply_free(&reply);
        err = hik_isapi_ip_address_get(h, 1, &ip, &reply);
    }
    if (err) {
        ops__note(g, device_id, err);
        ops__device_fail(res, err, &reply, "network settings refused");
    } else {
        /* A static address is where the device will be from now on. */
        bool moved =
            !strcmp(ip.addressing, "static") && ip.address[0] && strcmp(ip.address, d.address) != 0;
        if (!strcmp(ip.addressing, "static") && ip.address[0]) {
            gw_store_lock(g->store);
            sqlite3_stmt *s =
                gw_store_prepare(g->store, "UPDATE devices SET address=?, updated_ms=? WHERE id=?");
            if (s) {
                sqlite3_bind_text(s, 1, ip.address, -1, SQLITE_STATIC);
                sqlite3_bind_int64(s, 2, gw_now_ms());
                sqlite3_bind_int64(s, 3, device_id);
                sqlite3_step(s);
                sqlite3_finalize(s);
            }
            gw_store_unlock(g->store);
            if (moved)
                gw_config_changed(g);
        }
        json_t *o = ops__ip_json(&ip);
        json_object_set_new(o, "device_address_updated", json_boolean(moved));
        ops__reply(res, 200, o);
    }
    hik_reply_free(&reply);
    hik_isapi_free(h);
    ops__end(&d);
}

void gw_device_ops_activate(gw *g, const char *address, int port, const char *password,
                            gw_op_result *res)
{
    ops_dev d = {.port = port};
    hik_isapi *h = NULL;
    hik_reply reply = {0};
    char why[192];
    bool activated = false;
    snprintf(d.address, sizeof d.address, "%s", address);
    if (hik_password_check("admin", password, why, sizeof why)) {
        ops__fail(res, 400, "password: %s", why);
        return;
    }
    hik_err err = ops__handle(g, &d, NULL, NULL, &h);
    if (err) {
        ops__fail(res, 400, "address: not a usable device address%s", NULL);
        return;
    }
    err = hik_isapi_activate_status(h, &activated, &reply);
    if (!err && activated) {
        ops__fail(res, 409, "the device is already activated%s", NULL);
    } else if (err) {
        ops__device_fail(res, err, &reply, "reading the activation status failed");
    } else {
        hik_reply_free(&reply);
        err = hik_isapi_activate(h, password, 2048, &reply);
        if (err)
            ops__device_fail(res, err, &reply, "activation refused");
        else
            ops__reply(res, 200, json_pack("{s:b,s:s}", "activated", 1, "username", "admin"));
    }
    hik_reply_free(&reply);
    hik_isapi_free(h);
}

void gw_device_ops_backups(gw *g, int64_t device_id, gw_op_result *res)
{
    gw_store_lock(g->store);
    json_t *rows = json_array();
    bool found = false;
    sqlite3_stmt *s = gw_store_prepare(g->store, "SELECT 1 FROM devices WHERE id=?");
    if (s) {
        sqlite3_bind_int64(s, 1, device_id);
        found = sqlite3_step(s) == SQLITE_ROW;
        sqlite3_finalize(s);
    }
    s = found ? gw_store_prepare(g->store, "SELECT id, created_ms, firmware, size FROM "
                                           "device_backups WHERE device_id=? ORDER BY id DESC")
              : NULL;
    if (s) {
        sqlite3_bind_int64(s, 1, device_id);
        while (sqlite3_step(s) == SQLITE_ROW) {
            const char *fw = (const char *)sqlite3_column_text(s, 2);
            json_array_append_new(
                rows, json_pack("{s:I,s:I,s:s?,s:I}", "id", (json_int_t)sqlite3_column_int64(s, 0),
                                "created_ms", (json_int_t)sqlite3_column_int64(s, 1), "firmware",
                                fw, "size", (json_int_t)sqlite3_column_int64(s, 3)));
        }
        sqlite3_finalize(s);
    }
    gw_store_unlock(g->store);
    if (!found) {
        json_decref(rows);
        ops__fail(res, 404, "no such device%s", NULL);
        return;
    }
    ops__reply(res, 200, rows);
}

/* ---- uploads ------------------------------------------------------------ */

bool gw_device_ops_is_upload(const char *method, const char *url)
{
    size_t n = strlen(url);
    return !strcmp(method, "POST") && !strncmp(url, "/api/v1/devices/", 16) && n > 25 &&
           !strcmp(url + n - 9, "/firmware");
}

hik_err gw_device_ops_upload_open(gw *g, int *fd, char *path, size_t path_len)
{
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/tmp", g->cfg.data_dir);
    ops__mkdir(dir);
    if ((size_t)snprintf(path, path_len, "%s/upload-XXXXXX", dir) >= path_len)
        return HIK_ERR_INVALID;
    *fd = mkostemp(path, O_CLOEXEC);
    if (*fd < 0) {
        gw_warn("device ops: cannot create an upload file in %s: %s", dir, strerror(errno));
        return HIK_ERR_IO;
    }
    return HIK_OK;
}
