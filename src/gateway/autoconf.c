/* autoconf.c: point a camera's HTTP host slot at hikgate and tick "Notify
 * Surveillance Center" on the triggers hikgate watches.
 *
 * The work is a dozen ISAPI requests, each bounded by the device timeout,
 * so it runs on a thread of its own: the API request that started it waits
 * a bounded time and then answers 202, and the outcome stays readable per
 * device. Like device_ops.c it builds its own ISAPI handle from the stored
 * credentials, so it never waits behind the action workers.
 *
 * Slots are shared with other systems (an NVR recording on alarm, a VMS):
 * a slot is written only when it is free or already names our listener,
 * the document it held is kept in the device row, and the removal of the
 * device restores that document only while the slot still names us, so a
 * slot someone took over in between is never clobbered.
 *
 * One gw per process: the job table is file-static. A worker touches the
 * store only under ac.mu and only while the daemon is not stopping. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hik/isapi.h"
#include "hik/isapi_event.h"
#include "device_tls.h"
#include "log.h"

#define AC_JOBS 64
#define AC_MAX_KINDS 64

typedef struct ac_job {
    int64_t device_id;
    bool running;
    int status;
    json_t *body;
} ac_job;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopped;
    int running;
    ac_job jobs[AC_JOBS];
} ac = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

typedef struct ac_dev {
    char address[256];
    char scheme[8];
    char username[64];
    char *password;
    int port;
    char status[24];
    char delivery[16];
    int slot;    /* http_host_slot, 0 when none */
    char *saved; /* http_host_saved, NULL when none */
} ac_dev;

typedef struct ac_run {
    gw *g;
    int64_t device_id;
    bool dry_run;
    ac_dev d;
    hik_isapi *h;
    char addr[64];
    int port;
    char path[128];
    int status;
    json_t *body;
    json_t *changes;
} ac_run;

/* ---- the device row ------------------------------------------------------ */

static void ac__dev_free(ac_dev *d)
{
    free(d->password);
    free(d->saved);
    memset(d, 0, sizeof *d);
}

static void ac__text(char *dst, size_t len, sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    snprintf(dst, len, "%s", t ? (const char *)t : "");
}

static hik_err ac__load(gw *g, int64_t id, ac_dev *d)
{
    memset(d, 0, sizeof *d);
    char *sealed = NULL;
    hik_err res = HIK_ERR_NOT_FOUND;
    gw_store_lock(g->store);
    sqlite3_stmt *s = gw_store_prepare(
        g->store, "SELECT address, port, scheme, username, password, status, delivery,"
                  " http_host_slot, http_host_saved FROM devices WHERE id=?");
    if (s) {
        sqlite3_bind_int64(s, 1, id);
        if (sqlite3_step(s) == SQLITE_ROW) {
            ac__text(d->address, sizeof d->address, s, 0);
            d->port = sqlite3_column_int(s, 1);
            ac__text(d->scheme, sizeof d->scheme, s, 2);
            ac__text(d->username, sizeof d->username, s, 3);
            sealed = strdup((const char *)sqlite3_column_text(s, 4));
            ac__text(d->status, sizeof d->status, s, 5);
            ac__text(d->delivery, sizeof d->delivery, s, 6);
            d->slot = sqlite3_column_int(s, 7);
            if (sqlite3_column_type(s, 8) == SQLITE_TEXT)
                d->saved = strdup((const char *)sqlite3_column_text(s, 8));
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

static hik_err ac__handle(gw *g, int64_t id, const ac_dev *d, hik_isapi **out)
{
    hik_isapi_opts o = {
        .scheme = d->scheme[0] ? d->scheme : "http",
        .host = d->address,
        .port = d->port,
        .username = d->username,
        .password = d->password,
        .auth = HIK_AUTH_AUTO,
        .timeout_ms = g->cfg.device_timeout_ms,
        .connect_timeout_ms = g->cfg.device_timeout_ms < 3000 ? g->cfg.device_timeout_ms : 3000,
    };
    char pin[HIK_PIN_MAX], why[160];
    hik_err err = gw_device_tls_prepare(g, id, &o, pin, why, sizeof why);
    return err ? err : hik_isapi_new(&o, out);
}

/* Lock ac.mu for a store write; false (unlocked) when the daemon stops. */
static bool ac__store_begin(void)
{
    pthread_mutex_lock(&ac.mu);
    if (!ac.stopped)
        return true;
    pthread_mutex_unlock(&ac.mu);
    return false;
}

/* A rejected password or a lockout is recorded as the other device calls
 * record it, which stops every further login until the credentials change. */
static void ac__note(gw *g, int64_t id, hik_err err)
{
    if ((err != HIK_ERR_AUTH && err != HIK_ERR_LOCKED) || !ac__store_begin())
        return;
    gw_store_lock(g->store);
    sqlite3_stmt *s =
        gw_store_prepare(g->store, "UPDATE devices SET status=?1, last_error=?2 WHERE id=?3");
    if (s) {
        sqlite3_bind_text(s, 1, err == HIK_ERR_AUTH ? "auth_rejected" : "locked", -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(s, 2,
                          err == HIK_ERR_AUTH
                              ? "the device rejected the username or password while being "
                                "configured; no further login attempts until the credentials "
                                "are changed"
                              : "the device reports this client locked out",
                          -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, id);
        sqlite3_step(s);
        sqlite3_finalize(s);
    }
    gw_store_unlock(g->store);
    pthread_mutex_unlock(&ac.mu);
}

static void ac__record_slot(ac_run *r, int slot, const char *saved)
{
    if (!ac__store_begin())
        return;
    gw_store_lock(r->g->store);
    sqlite3_stmt *s =
        gw_store_prepare(r->g->store, "UPDATE devices SET http_host_slot=?1,"
                                      " http_host_saved=coalesce(?2, http_host_saved),"
                                      " configured_ms=?3 WHERE id=?4");
    if (s) {
        sqlite3_bind_int(s, 1, slot);
        if (saved)
            sqlite3_bind_text(s, 2, saved, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(s, 2);
        sqlite3_bind_int64(s, 3, gw_now_ms());
        sqlite3_bind_int64(s, 4, r->device_id);
        if (sqlite3_step(s) != SQLITE_DONE)
            gw_error("autoconf: recording the slot of device %lld: %s", (long long)r->device_id,
                     sqlite3_errmsg(r->g->store->db));
        sqlite3_finalize(s);
    }
    gw_store_unlock(r->g->store);
    pthread_mutex_unlock(&ac.mu);
}

/* ---- the listener's address ---------------------------------------------- */

static bool ac__unspecified(const char *host)
{
    return !host[0] || !strcmp(host, "0.0.0.0") || !strcmp(host, "::") || !strcmp(host, "*");
}

/* The local address the kernel picks to reach `device`: a UDP connect
 * sends nothing but chooses the route and the source address. */
static hik_err ac__local_addr(const char *device, char *out, size_t out_len)
{
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    if (getaddrinfo(device, "80", &hints, &ai) != 0 || !ai)
        return HIK_ERR_NETWORK;
    hik_err res = HIK_ERR_NETWORK;
    int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
        getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
        const void *a = ss.ss_family == AF_INET6
                            ? (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
                            : (const void *)&((struct sockaddr_in *)&ss)->sin_addr;
        if (inet_ntop(ss.ss_family, a, out, (socklen_t)out_len))
            res = HIK_OK;
    }
    if (fd >= 0)
        close(fd);
    freeaddrinfo(ai);
    return res;
}

hik_err gw_autoconf_advertise_addr(const gw_config *cfg, const char *device_address, char *out,
                                   size_t out_len)
{
    char host[256];
    int port;
    if (cfg->advertise_addr[0]) {
        snprintf(out, out_len, "%s", cfg->advertise_addr);
        return HIK_OK;
    }
    if (gw_config_split_addr(cfg->ingest_addr, host, sizeof host, &port) &&
        !ac__unspecified(host)) {
        if (strlen(host) >= out_len)
            return HIK_ERR_TOO_BIG;
        snprintf(out, out_len, "%s", host);
        return HIK_OK;
    }
    return ac__local_addr(device_address, out, out_len);
}

/* ---- outcomes ------------------------------------------------------------ */

static void ac__change(ac_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ac__change(ac_run *r, const char *fmt, ...)
{
    char text[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    json_array_append_new(r->changes, json_string(text));
}

static int ac__http_status(hik_err err)
{
    switch (err) {
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

/* The run failed on a device call: answer with our error name, its words
 * and the device's own ResponseStatus when it sent one. */
static void ac__fail(ac_run *r, hik_err err, const hik_reply *rep, const char *what)
{
    char msg[512];
    if (err == HIK_ERR_AUTH)
        snprintf(msg, sizeof msg,
                 "%s: the device rejected the stored password; nothing was retried, and no "
                 "further login is attempted until the device's credentials are updated",
                 what);
    else
        snprintf(msg, sizeof msg, "%s: %s", what,
                 rep && rep->error[0] ? rep->error : hik_err_str(err));
    r->status = ac__http_status(err);
    json_object_set_new(r->body, "error", json_string(msg));
    json_object_set_new(r->body, "code", json_string(hik_err_name(err)));
    if (rep && rep->status.status_code)
        json_object_set_new(r->body, "device_status",
                            json_pack("{s:i,s:s,s:s}", "status_code", rep->status.status_code,
                                      "status_string", rep->status.status_string, "sub_status",
                                      rep->status.sub_status));
    ac__note(r->g, r->device_id, err);
}

static json_t *ac__host_json(const hik_http_host *h)
{
    bool named = !strcasecmp(h->addressing, "hostname");
    return json_pack("{s:i,s:s,s:i,s:s,s:b}", "slot", h->id, "address",
                     named ? h->host_name : h->ip, "port", h->port, "url", h->url, "free",
                     hik_http_host_is_free(h));
}

/* 409: every slot is somebody's. */
static void ac__no_slot(ac_run *r, const hik_http_host *hosts, int n)
{
    char msg[1024];
    size_t used = (size_t)snprintf(msg, sizeof msg,
                                   "no free HTTP host slot on the device, and none sends to "
                                   "%s:%d%s already; in use:",
                                   r->addr, r->port, r->path);
    json_t *holders = json_array();
    for (int i = 0; i < n; i++) {
        const hik_http_host *h = &hosts[i];
        bool named = !strcasecmp(h->addressing, "hostname");
        if (used < sizeof msg)
            used += (size_t)snprintf(msg + used, sizeof msg - used, "%s slot %d sends to %s:%d%s",
                                     i ? "," : "", h->id, named ? h->host_name : h->ip, h->port,
                                     h->url);
        json_array_append_new(holders, ac__host_json(h));
    }
    r->status = 409;
    json_object_set_new(r->body, "error", json_string(msg));
    json_object_set_new(r->body, "code", json_string("no_free_slot"));
    json_object_set_new(r->body, "slots", holders);
}

/* ---- the HTTP host slot --------------------------------------------------- */

/* Write our listener into slot `id`, test it, and keep the previous
 * document; a failed test puts that document back. */
static bool ac__slot_write(ac_run *r, int id, json_t *slot)
{
    hik_reply rep;
    char *saved = NULL;
    size_t saved_len = 0;
    hik_err err = hik_isapi_http_host_save(r->h, id, &saved, &saved_len, &rep);
    hik_reply_free(&rep);
    if (!err) {
        err = hik_isapi_http_host_write(r->h, id, r->addr, r->port, r->path, &rep);
        if (err)
            ac__fail(r, err, &rep, "writing the HTTP host slot");
        hik_reply_free(&rep);
    } else {
        ac__fail(r, err, NULL, "reading the HTTP host slot");
    }
    if (!err) {
        err = hik_isapi_http_host_test(r->h, id, &rep);
        if (err) {
            ac__fail(r, err, &rep,
                     "the device's test event to hikgate failed; the slot was "
                     "restored");
            hik_reply rep2 = {0};
            if (err != HIK_ERR_AUTH && err != HIK_ERR_LOCKED &&
                hik_isapi_http_host_restore(r->h, id, saved, saved_len, &rep2))
                gw_warn("autoconf: device %lld: restoring slot %d after a failed test failed",
                        (long long)r->device_id, id);
            hik_reply_free(&rep2);
        }
        hik_reply_free(&rep);
    }
    if (!err) {
        ac__record_slot(r, id, saved);
        json_object_set_new(slot, "action", json_string("written"));
        json_object_set_new(slot, "test", json_string("ok"));
        ac__change(r, "HTTP host slot %d now sends to %s:%d%s (test event accepted)", id, r->addr,
                   r->port, r->path);
    }
    free(saved);
    return !err;
}

static bool ac__slot(ac_run *r)
{
    hik_http_host hosts[HIK_HTTP_HOSTS_MAX];
    int n = 0;
    hik_reply rep;
    hik_err err = hik_isapi_http_hosts_list(r->h, hosts, HIK_HTTP_HOSTS_MAX, &n, &rep);
    if (err)
        ac__fail(r, err, &rep, "reading the HTTP host slots");
    hik_reply_free(&rep);
    if (err)
        return false;
    bool reuse = false;
    int id = hik_http_hosts_choose(hosts, n, r->addr, r->port, r->path, &reuse);
    if (id < 0) {
        ac__no_slot(r, hosts, n);
        return false;
    }
    json_t *slot = NULL;
    for (int i = 0; i < n; i++)
        if (hosts[i].id == id)
            slot = json_pack("{s:i,s:o}", "slot", id, "previous", ac__host_json(&hosts[i]));
    json_object_set_new(r->body, "slot", slot);
    if (reuse) {
        json_object_set_new(slot, "action", json_string("already_set"));
        ac__change(r, "HTTP host slot %d already sends to %s:%d%s", id, r->addr, r->port, r->path);
        if (!r->dry_run && r->d.slot != id)
            ac__record_slot(r, id, NULL);
        return true;
    }
    if (r->dry_run) {
        json_object_set_new(slot, "action", json_string("would_write"));
        ac__change(r, "would write HTTP host slot %d (free) to send to %s:%d%s", id, r->addr,
                   r->port, r->path);
        return true;
    }
    return ac__slot_write(r, id, slot);
}

/* ---- triggers -------------------------------------------------------------- */

typedef struct ac_kind {
    hik_event_kind kind;
    int channel;
} ac_kind;

/* The (kind, channel) pairs hikgate triggers watch on the device. */
static size_t ac__kinds(ac_run *r, ac_kind *out, size_t max)
{
    size_t n = 0;
    gw_store_lock(r->g->store);
    sqlite3_stmt *s =
        gw_store_prepare(r->g->store, "SELECT t.event, t.conditions FROM triggers t JOIN"
                                      " trigger_devices td ON td.trigger_id = t.id"
                                      " WHERE td.device_id = ?1 ORDER BY t.id");
    if (s)
        sqlite3_bind_int64(s, 1, r->device_id);
    while (s && sqlite3_step(s) == SQLITE_ROW && n < max) {
        hik_event_kind kind = hik_event_kind_from_name((const char *)sqlite3_column_text(s, 0));
        json_t *c = json_loads((const char *)sqlite3_column_text(s, 1), 0, NULL);
        json_t *ch = json_object_get(c, "channel");
        int channel = json_is_integer(ch) ? (int)json_integer_value(ch) : 1;
        json_decref(c);
        bool seen = kind == HIK_EV__COUNT;
        for (size_t i = 0; i < n && !seen; i++)
            seen = out[i].kind == kind && out[i].channel == channel;
        if (!seen)
            out[n++] = (ac_kind){kind, channel};
    }
    sqlite3_finalize(s);
    gw_store_unlock(r->g->store);
    return n;
}

/* Make one trigger list center; false only when the run must stop (401). */
static bool ac__trigger(ac_run *r, const hik_event_trigger *list, size_t n, const ac_kind *k,
                        json_t *items)
{
    char id[64];
    const char *kind = hik_event_kind_name(k->kind);
    json_t *item = json_pack("{s:s,s:i}", "kind", kind, "channel", k->channel);
    json_array_append_new(items, item);
    if (hik_event_trigger_find(list, n, k->kind, k->channel, id, sizeof id)) {
        json_object_set_new(item, "result", json_string("not_applicable"));
        return true;
    }
    json_object_set_new(item, "trigger_id", json_string(id));
    bool changed = false;
    hik_reply rep;
    hik_err err = hik_isapi_event_trigger_ensure_center(r->h, id, r->dry_run, &changed, &rep);
    if (err) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s", rep.error[0] ? rep.error : hik_err_str(err));
        json_object_set_new(item, "result", json_string("error"));
        json_object_set_new(item, "error", json_string(msg));
        if (err == HIK_ERR_AUTH || err == HIK_ERR_LOCKED)
            ac__fail(r, err, &rep, "updating the event triggers");
        hik_reply_free(&rep);
        return err != HIK_ERR_AUTH && err != HIK_ERR_LOCKED;
    }
    hik_reply_free(&rep);
    const char *result = !changed ? "already_set" : r->dry_run ? "would_change" : "changed";
    json_object_set_new(item, "result", json_string(result));
    if (changed)
        ac__change(r, "%strigger %s (%s, channel %d): Notify Surveillance Center %s",
                   r->dry_run ? "would change " : "", id, kind, k->channel,
                   r->dry_run ? "would be ticked" : "ticked");
    else
        ac__change(r, "trigger %s (%s, channel %d) already notifies the surveillance center", id,
                   kind, k->channel);
    return true;
}

static bool ac__triggers(ac_run *r)
{
    ac_kind kinds[AC_MAX_KINDS];
    size_t nk = ac__kinds(r, kinds, AC_MAX_KINDS), n = 0;
    json_t *items = json_array();
    json_object_set_new(r->body, "triggers", items);
    if (nk == 0)
        return true;
    hik_event_trigger *list = calloc(HIK_EVENT_TRIGGERS_MAX, sizeof *list);
    hik_reply rep;
    hik_err err = list ? hik_isapi_event_triggers_list(r->h, list, HIK_EVENT_TRIGGERS_MAX, &n, &rep)
                       : HIK_ERR_NOMEM;
    if (err == HIK_ERR_AUTH || err == HIK_ERR_LOCKED) {
        ac__fail(r, err, &rep, "reading the event triggers");
        hik_reply_free(&rep);
        free(list);
        return false;
    }
    if (list)
        hik_reply_free(&rep);
    if (err) /* ids by the usual names, trigger by trigger */
        n = 0;
    bool ok = true;
    for (size_t i = 0; i < nk && ok; i++)
        ok = ac__trigger(r, list, n, &kinds[i], items);
    free(list);
    return ok;
}

/* ---- one run ------------------------------------------------------------------ */

static bool ac__usable(ac_run *r)
{
    if (strcmp(r->d.status, "auth_rejected") != 0 && strcmp(r->d.status, "locked") != 0)
        return true;
    char msg[256];
    snprintf(msg, sizeof msg,
             "not sent: the device's stored credentials were rejected earlier (%s); update the "
             "device's password first",
             r->d.status);
    r->status = 409;
    json_object_set_new(r->body, "error", json_string(msg));
    return false;
}

static bool ac__listener(ac_run *r)
{
    char host[256];
    if (!gw_config_split_addr(r->g->cfg.ingest_addr, host, sizeof host, &r->port) ||
        gw_autoconf_advertise_addr(&r->g->cfg, r->d.address, r->addr, sizeof r->addr)) {
        r->status = 500;
        json_object_set_new(r->body, "error",
                            json_string("cannot tell which address the device should push to; "
                                        "set --advertise-addr"));
        return false;
    }
    snprintf(r->path, sizeof r->path, "%s", r->g->cfg.ingest_path);
    json_object_set_new(
        r->body, "listener",
        json_pack("{s:s,s:i,s:s}", "address", r->addr, "port", r->port, "path", r->path));
    return true;
}

static void ac__run(ac_run *r)
{
    r->status = 200;
    r->changes = json_array();
    r->body = json_pack("{s:I,s:b}", "device_id", (json_int_t)r->device_id, "dry_run", r->dry_run);
    hik_err err = ac__load(r->g, r->device_id, &r->d);
    if (err) {
        r->status = err == HIK_ERR_NOT_FOUND ? 404 : 500;
        json_object_set_new(
            r->body, "error",
            json_string(err == HIK_ERR_NOT_FOUND ? "no such device" : "cannot read the device"));
        return;
    }
    json_object_set_new(r->body, "delivery", json_string(r->d.delivery));
    bool push = strcmp(r->d.delivery, "pull") != 0;
    if (!ac__usable(r) || !ac__listener(r))
        return;
    if (ac__handle(r->g, r->device_id, &r->d, &r->h)) {
        r->status = 500;
        json_object_set_new(r->body, "error", json_string("cannot create the device client"));
        return;
    }
    if (push ? ac__slot(r) : (json_object_set_new(r->body, "slot", json_null()), true))
        ac__triggers(r);
    hik_isapi_free(r->h);
    r->h = NULL;
}

typedef struct ac_arg {
    gw *g;
    int64_t device_id;
    bool dry_run;
    int job;
} ac_arg;

static void *ac__main(void *p)
{
    ac_arg *a = p;
    ac_run r = {.g = a->g, .device_id = a->device_id, .dry_run = a->dry_run};
    ac__run(&r);
    json_object_set_new(r.body, "changes", r.changes);
    gw_info("autoconf: device %lld %s: HTTP %d, %zu changes", (long long)r.device_id,
            r.dry_run ? "dry run" : "configured", r.status, json_array_size(r.changes));
    ac__dev_free(&r.d);
    pthread_mutex_lock(&ac.mu);
    ac_job *j = &ac.jobs[a->job];
    json_decref(j->body);
    j->body = r.body;
    j->status = r.status;
    j->running = false;
    ac.running--;
    pthread_cond_broadcast(&ac.cv);
    pthread_mutex_unlock(&ac.mu);
    free(a);
    return NULL;
}

/* The job slot of a device (reusing the least useful one); -1 when the
 * device already has a run going. Called with ac.mu held. */
static int ac__claim_locked(int64_t device_id)
{
    int pick = -1;
    for (int i = 0; i < AC_JOBS; i++) {
        if (ac.jobs[i].device_id == device_id)
            return ac.jobs[i].running ? -1 : i;
        if (pick < 0 && !ac.jobs[i].running)
            pick = i;
    }
    return pick;
}

static void ac__answer_locked(int job, gw_autoconf_result *res)
{
    ac_job *j = &ac.jobs[job];
    res->status = j->status;
    res->body = json_deep_copy(j->body);
}

static void ac__running_body(int64_t device_id, gw_autoconf_result *res)
{
    char url[96];
    snprintf(url, sizeof url, "/api/v1/devices/%lld/configure", (long long)device_id);
    res->status = 202;
    res->body = json_pack("{s:s,s:s}", "state", "running", "status_url", url);
}

static bool ac__wait_locked(int job, int64_t device_id)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += GW_AUTOCONF_WAIT_MS / 1000;
    while (ac.jobs[job].running && ac.jobs[job].device_id == device_id)
        if (pthread_cond_timedwait(&ac.cv, &ac.mu, &until) != 0)
            break;
    return !ac.jobs[job].running;
}

void gw_autoconf_configure(gw *g, int64_t device_id, bool dry_run, gw_autoconf_result *res)
{
    memset(res, 0, sizeof *res);
    ac_arg *a = calloc(1, sizeof *a);
    pthread_mutex_lock(&ac.mu);
    int job = a && !ac.stopped ? ac__claim_locked(device_id) : -2;
    if (job < 0) {
        pthread_mutex_unlock(&ac.mu);
        free(a);
        res->status = job == -1 ? 409 : 503;
        res->body = json_pack("{s:s}", "error",
                              job == -1 ? "this device is being configured already"
                                        : "the daemon is stopping or out of memory");
        return;
    }
    ac_job *j = &ac.jobs[job];
    json_decref(j->body);
    *j = (ac_job){.device_id = device_id, .running = true, .status = 202};
    *a = (ac_arg){.g = g, .device_id = device_id, .dry_run = dry_run, .job = job};
    pthread_t tid;
    if (pthread_create(&tid, NULL, ac__main, a) != 0) {
        j->running = false;
        j->status = 500;
        pthread_mutex_unlock(&ac.mu);
        free(a);
        res->status = 500;
        res->body = json_pack("{s:s}", "error", "cannot start a worker thread");
        return;
    }
    pthread_detach(tid);
    ac.running++;
    if (ac__wait_locked(job, device_id))
        ac__answer_locked(job, res);
    else
        ac__running_body(device_id, res);
    pthread_mutex_unlock(&ac.mu);
}

void gw_autoconf_last(gw *g, int64_t device_id, gw_autoconf_result *res)
{
    (void)g;
    memset(res, 0, sizeof *res);
    pthread_mutex_lock(&ac.mu);
    int job = -1;
    for (int i = 0; i < AC_JOBS && job < 0; i++)
        if (ac.jobs[i].device_id == device_id)
            job = i;
    if (job < 0) {
        res->status = 404;
        res->body = json_pack("{s:s}", "error",
                              "this device was not configured since the daemon "
                              "started");
    } else if (ac.jobs[job].running) {
        ac__running_body(device_id, res);
    } else {
        ac__answer_locked(job, res);
    }
    pthread_mutex_unlock(&ac.mu);
}

/* ---- removal ---------------------------------------------------------------- */

static hik_err ac__restore(gw *g, int64_t device_id, ac_dev *d, hik_isapi *h)
{
    char addr[64], host[256];
    int port = 0, n = 0;
    hik_http_host hosts[HIK_HTTP_HOSTS_MAX];
    hik_reply rep;
    hik_err err = hik_isapi_http_hosts_list(h, hosts, HIK_HTTP_HOSTS_MAX, &n, &rep);
    hik_reply_free(&rep);
    if (err)
        return err;
    gw_config_split_addr(g->cfg.ingest_addr, host, sizeof host, &port);
    if (gw_autoconf_advertise_addr(&g->cfg, d->address, addr, sizeof addr))
        addr[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (hosts[i].id != d->slot)
            continue;
        if (!hik_http_host_points_at(&hosts[i], addr, port, g->cfg.ingest_path)) {
            gw_warn("autoconf: device %lld: slot %d no longer sends to hikgate; left as it is",
                    (long long)device_id, d->slot);
            return HIK_OK;
        }
        err = hik_isapi_http_host_restore(h, d->slot, d->saved, strlen(d->saved), &rep);
        hik_reply_free(&rep);
        return err;
    }
    return HIK_ERR_NOT_FOUND;
}

hik_err gw_autoconf_release(gw *g, int64_t device_id)
{
    ac_dev d;
    hik_isapi *h = NULL;
    hik_err err = ac__load(g, device_id, &d);
    if (err || !d.slot || !d.saved) {
        ac__dev_free(&d);
        return err == HIK_ERR_NOT_FOUND ? HIK_OK : err;
    }
    if (!strcmp(d.status, "auth_rejected") || !strcmp(d.status, "locked")) {
        gw_warn("autoconf: device %lld: slot %d not restored: its credentials were rejected "
                "earlier",
                (long long)device_id, d.slot);
        ac__dev_free(&d);
        return HIK_ERR_AUTH;
    }
    err = ac__handle(g, device_id, &d, &h);
    if (!err)
        err = ac__restore(g, device_id, &d, h);
    if (err)
        gw_warn("autoconf: device %lld: restoring HTTP host slot %d failed: %s",
                (long long)device_id, d.slot, hik_err_str(err));
    else
        gw_info("autoconf: device %lld: HTTP host slot %d restored", (long long)device_id, d.slot);
    hik_isapi_free(h);
    ac__dev_free(&d);
    return err;
}

void gw_autoconf_stop(gw *g)
{
    (void)g;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&ac.mu);
    ac.stopped = true;
    while (ac.running > 0)
        if (pthread_cond_timedwait(&ac.cv, &ac.mu, &until) != 0)
            break;
    if (ac.running > 0)
        gw_warn("autoconf: %d runs still waiting for their devices at shutdown", ac.running);
    for (int i = 0; i < AC_JOBS; i++) {
        if (!ac.jobs[i].running) {
            json_decref(ac.jobs[i].body);
            ac.jobs[i].body = NULL;
        }
    }
    pthread_mutex_unlock(&ac.mu);
}
