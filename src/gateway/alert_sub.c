/* alert_sub.c: alertStream subscriptions, one event loop for all devices.
 *
 * One thread, one libcurl multi handle driven by its socket API: epoll
 * watches the sockets libcurl asks for, one timerfd carries libcurl's own
 * timeout and a second one the loop's tick (200 ms), an eventfd wakes the
 * loop for configuration changes and for writer completions. No thread per
 * camera: an idle stream costs its socket, its easy handle and its parser.
 *
 * Per device (delivery `pull` or `both`) one long-lived GET of
 * /ISAPI/Event/notification/alertStream. Its bytes go through
 * hik_alert_stream; each alert part becomes events attributed to the
 * device directly, a picture part is attached to the alert before it (an
 * alert waits HOLD_MS for its pictures), heartbeats are counted and not
 * stored, and in `both` mode an alert that already came by push is dropped.
 *
 * State machine, written to devices.stream_state:
 *   connecting -> streaming (200 answered) -> the device closes: backing_off
 *   no byte for --stream-idle-timeout: stalled, then reconnect after backoff
 *   errors: backing_off, exponential 1 s .. 60 s with +-25 % jitter
 *   401: auth_rejected, no login attempt until the credentials change
 *   a reported lockout: locked_out until lock_until_ms, no attempt before
 *   delivery changed to push: disabled
 *
 * Memory per device, bounded: the easy handle and socket; the parser
 * (about 12 KiB between parts, at most PART_MAX + 8.3 KiB inside one); at
 * most PENDING_CAP submissions in the writer plus the items parsed from one
 * read (libcurl hands at most 16 KiB per call, so at most ~80 alerts) plus
 * the held alert with at most HIK_EVENT_MAX_PICTURES pictures of PART_MAX
 * each; ERRBODY_MAX for an error reply. When the writer is full or the
 * device has PENDING_CAP submissions in flight, the transfer is paused
 * (CURL_WRITEFUNC_PAUSE) instead of dropping: TCP then pushes back on the
 * camera. The watchdog does not count time spent paused. */
#include "alert_sub_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "log.h"

const char *const sub__state_names[] = {
    NULL,          "connecting",    "streaming",  "stalled",
    "backing_off", "auth_rejected", "locked_out", "disabled",
};

/* ---- small helpers ---------------------------------------------------- */

void sub__wake(struct gw_alert_sub *s)
{
    uint64_t one = 1;
    ssize_t r = write(s->evfd, &one, sizeof one);
    (void)r;
}

unsigned sub__rand(struct gw_alert_sub *s)
{
    s->rnd = s->rnd * 1103515245u + 12345u;
    return s->rnd >> 8;
}

void sub__set_state(sub_dev *d, sub_state st, const char *fmt, ...)
{
    char err[sizeof d->error] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, sizeof err, fmt, ap);
        va_end(ap);
    }
    if (st == d->state && strcmp(err, d->error) == 0)
        return;
    if (st != d->state) {
        d->since_ms = gw_now_ms();
        gw_info("stream: device %lld %s%s%s", (long long)d->c.id, sub__state_names[st],
                err[0] ? ": " : "", err);
    }
    d->state = st;
    snprintf(d->error, sizeof d->error, "%s", err);
    d->dirty = true;
}

/* All changed states in one transaction. */
static void sub__write_states(struct gw_alert_sub *s)
{
    bool any = false;
    for (sub_dev *d = s->devs; d && !any; d = d->next)
        any = d->dirty;
    if (!any)
        return;
    gw_store *st = s->g->store;
    gw_store_lock(st);
    gw_store_exec(st, "BEGIN");
    sqlite3_stmt *q = gw_store_prepare(st, "UPDATE devices SET stream_state=?, stream_error=?, "
                                           "stream_since_ms=? WHERE id=?");
    for (sub_dev *d = s->devs; d && q; d = d->next) {
        if (!d->dirty)
            continue;
        d->dirty = false;
        if (sub__state_names[d->state])
            sqlite3_bind_text(q, 1, sub__state_names[d->state], -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(q, 1);
        if (d->error[0])
            sqlite3_bind_text(q, 2, d->error, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(q, 2);
        sqlite3_bind_int64(q, 3, d->since_ms);
        sqlite3_bind_int64(q, 4, d->c.id);
        sqlite3_step(q);
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    gw_store_exec(st, "COMMIT");
    gw_store_unlock(st);
}

/* ---- the loop --------------------------------------------------------- */

static int sub__socket_cb(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct gw_alert_sub *s = userp;
    (void)e;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, NULL);
        curl_multi_assign(s->multi, fd, NULL);
        return 0;
    }
    struct epoll_event ev = {0};
    ev.data.fd = fd;
    ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
    int op = socketp ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(s->epfd, op, fd, &ev) != 0) {
        op = op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
        if (epoll_ctl(s->epfd, op, fd, &ev) != 0)
            gw_error("stream: epoll_ctl fd %d: %s", (int)fd, strerror(errno));
    }
    if (!socketp)
        curl_multi_assign(s->multi, fd, s);
    return 0;
}

static int sub__timer_cb(CURLM *m, long timeout_ms, void *userp)
{
    struct gw_alert_sub *s = userp;
    (void)m;
    struct itimerspec its = {{0, 0}, {0, 0}};
    if (timeout_ms > 0) {
        its.it_value.tv_sec = timeout_ms / 1000;
        its.it_value.tv_nsec = (timeout_ms % 1000) * 1000000L;
    } else if (timeout_ms == 0) {
        its.it_value.tv_nsec = 1;
    }
    timerfd_settime(s->curl_tfd, 0, &its, NULL);
    return 0;
}

static void sub__health_done(struct gw_alert_sub *s, sub_dev *d, CURLcode rc)
{
    curl_multi_remove_handle(s->multi, d->health.easy);
    gw_dev_outcome o = gw_health_finish(s->g, &d->health, &d->c, rc, gw_now_ms());
    if (d->health.device_type[0] && strcmp(d->health.device_type, d->c.device_type) != 0) {
        pthread_mutex_lock(&s->mu);
        snprintf(d->c.device_type, sizeof d->c.device_type, "%s", d->health.device_type);
        pthread_mutex_unlock(&s->mu);
    }
    if (o == GW_DEV_AUTH) {
        sub__mark_auth_rejected(d);
        if (d->pull && !d->easy)
            sub__set_state(d, SUB_AUTH_REJECTED,
                           "the device rejected the username or password; waiting for new "
                           "credentials");
    } else if (o == GW_DEV_LOCKED) {
        if (d->pull && !d->easy)
            sub__set_state(d, SUB_LOCKED_OUT, "the device reports this client locked out");
    }
}

static void sub__messages(struct gw_alert_sub *s)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(s->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        CURL *e = m->easy_handle;
        CURLcode rc = m->data.result;
        sub_dev *d = NULL;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&d);
        if (!d)
            continue;
        if (e == d->easy)
            sub__ended(s, d, rc);
        else if (e == d->health.easy)
            sub__health_done(s, d, rc);
    }
}

/* May this device be asked to log in now? */
static bool sub__may_login(const sub_dev *d, int64_t now)
{
    return !d->auth_rejected && d->c.lock_until_ms <= now;
}

/* A stream starts after the first probe has answered or failed, so that
 * its events are read knowing the device type (NVR channel mapping). */
static bool sub__probed(const struct gw_alert_sub *s, const sub_dev *d)
{
    return s->g->cfg.health_interval_s == 0 || d->health.state != GW_HEALTH_UNKNOWN ||
           d->health.failures > 0;
}

/* A device just created or re-addressed through the API gets an identity
 * probe from the action workers; logging in alongside it would cost a
 * wrong password two failed logins. Wait for its outcome (bounded). */
static bool sub__identity_settled(struct gw_alert_sub *s, sub_dev *d, int64_t now)
{
    if (now - d->c.updated_ms > 2LL * s->g->cfg.device_timeout_ms + 1000) {
        d->awaiting_probe = false;
        return true;
    }
    gw_store *st = s->g->store;
    gw_store_lock(st);
    sqlite3_stmt *q = gw_store_prepare(st, "SELECT status, coalesce(lock_until_ms, 0),"
                                           " coalesce(device_type, '') FROM devices WHERE id=?");
    if (q) {
        sqlite3_bind_int64(q, 1, d->c.id);
        if (sqlite3_step(q) == SQLITE_ROW &&
            strcmp((const char *)sqlite3_column_text(q, 0), "unknown") != 0) {
            d->awaiting_probe = false;
            snprintf(d->c.status, sizeof d->c.status, "%s", sqlite3_column_text(q, 0));
            d->c.lock_until_ms = sqlite3_column_int64(q, 1);
            d->auth_rejected = strcmp(d->c.status, "auth_rejected") == 0;
            pthread_mutex_lock(&s->mu);
            snprintf(d->c.device_type, sizeof d->c.device_type, "%s", sqlite3_column_text(q, 2));
            pthread_mutex_unlock(&s->mu);
        }
        sqlite3_finalize(q);
    }
    gw_store_unlock(st);
    return !d->awaiting_probe;
}

static void sub__tick_dev(struct gw_alert_sub *s, sub_dev *d, int64_t now)
{
    int64_t idle_ms = (int64_t)s->g->cfg.stream_idle_timeout_s * 1000;
    if (d->held && now - d->held->held_ms >= HOLD_MS)
        sub__release_held(s, d);
    sub__flush(s, d);
    if (d->pull && d->easy && !d->paused && now - d->last_byte_ms > idle_ms) {
        char why[96];
        snprintf(why, sizeof why, "no data for %d s", s->g->cfg.stream_idle_timeout_s);
        sub__close(s, d);
        sub__backoff(s, d, SUB_STALLED, why);
    }
    if (d->awaiting_probe && !sub__identity_settled(s, d, now))
        return;
    if (d->pull && !d->easy && !d->health.easy && now >= d->next_attempt_ms &&
        (sub__probed(s, d) || !sub__may_login(d, now))) {
        if (sub__may_login(d, now)) {
            sub__connect(s, d);
        } else if (d->auth_rejected) {
            sub__set_state(d, SUB_AUTH_REJECTED,
                           "the device rejected the username or password; waiting for new "
                           "credentials");
        } else {
            sub__set_state(d, SUB_LOCKED_OUT, "the device reports this client locked out");
        }
    }
    bool logging_in = d->easy && d->state == SUB_CONNECTING;
    if (!logging_in && sub__may_login(d, now)) {
        CURL *e = gw_health_begin(s->g, &d->health, &d->c, now, d);
        if (e && curl_multi_add_handle(s->multi, e) != CURLM_OK)
            gw_health_cancel(&d->health);
    }
}

static void sub__free_dev(sub_dev *d)
{
    for (sub_item *it = d->bl_head, *next; it; it = next) {
        next = it->next;
        sub__item_free(it);
    }
    if (d->held)
        sub__item_free(d->held);
    gw_secrets_free(d->c.password);
    free(d);
}

static void sub__tick(struct gw_alert_sub *s)
{
    int64_t now = gw_now_ms();
    for (sub_dev *d = s->devs; d; d = d->next)
        sub__tick_dev(s, d, now);
    for (sub_dev **pp = &s->graveyard; *pp;) {
        sub_dev *d = *pp;
        if (atomic_load(&d->inflight) == 0) {
            *pp = d->next;
            sub__free_dev(d);
        } else {
            pp = &d->next;
        }
    }
    sub__write_states(s);
}

/* ---- configuration ---------------------------------------------------- */

static void sub__row(gw *g, sqlite3_stmt *q, gw_dev_conf *c, char **sealed)
{
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(q, 0);
    snprintf(c->address, sizeof c->address, "%s", (const char *)sqlite3_column_text(q, 1));
    c->port = sqlite3_column_int(q, 2);
    snprintf(c->scheme, sizeof c->scheme, "%s", (const char *)sqlite3_column_text(q, 3));
    snprintf(c->username, sizeof c->username, "%s", (const char *)sqlite3_column_text(q, 4));
    *sealed = strdup((const char *)sqlite3_column_text(q, 5));
    snprintf(c->delivery, sizeof c->delivery, "%s", (const char *)sqlite3_column_text(q, 6));
    c->updated_ms = sqlite3_column_int64(q, 7);
    snprintf(c->status, sizeof c->status, "%s", (const char *)sqlite3_column_text(q, 8));
    c->lock_until_ms = sqlite3_column_int64(q, 9);
    snprintf(c->device_type, sizeof c->device_type, "%s", (const char *)sqlite3_column_text(q, 10));
    (void)g;
}

/* Stop what the device runs on the loop. */
static void sub__halt(struct gw_alert_sub *s, sub_dev *d)
{
    sub__close(s, d);
    if (d->health.easy) {
        curl_multi_remove_handle(s->multi, d->health.easy);
        gw_health_cancel(&d->health);
    }
}

/* A row read now, applied to its device (created when new). */
static void sub__apply(struct gw_alert_sub *s, gw_dev_conf *c, int64_t now)
{
    sub_dev *d = sub__find(s, c->id);
    bool fresh = !d;
    if (fresh) {
        d = calloc(1, sizeof *d);
        if (!d) {
            gw_secrets_free(c->password);
            return;
        }
        d->sub = s;
        gw_health_init(s->g, &d->health, now);
    }
    bool changed = fresh || d->c.updated_ms != c->updated_ms;
    if (!fresh && changed) {
        sub__halt(s, d); /* reached differently now: start over */
        d->failures = 0;
        d->next_attempt_ms = now;
        d->health.next_ms = now;
    }
    gw_secrets_free(d->c.password);
    pthread_mutex_lock(&s->mu);
    d->c = *c;
    d->both = !strcmp(c->delivery, "both");
    pthread_mutex_unlock(&s->mu);
    d->seen = true;
    if (s->loaded && changed && !strcmp(c->status, "unknown"))
        d->awaiting_probe = true;
    d->auth_rejected = strcmp(c->status, "auth_rejected") == 0;
    bool pull = !strcmp(c->delivery, "pull") || !strcmp(c->delivery, "both");
    if (d->pull && !pull) {
        sub__close(s, d);
        sub__set_state(d, SUB_DISABLED, "delivery is push");
    } else if (pull && (!d->pull || d->state == SUB_AUTH_REJECTED) && !d->auth_rejected) {
        if (!d->easy)
            d->next_attempt_ms = now;
    }
    d->pull = pull;
    if (fresh) {
        pthread_mutex_lock(&s->mu);
        d->next = s->devs;
        s->devs = d;
        pthread_mutex_unlock(&s->mu);
    }
}

static void sub__reload(struct gw_alert_sub *s)
{
    gw *g = s->g;
    int64_t now = gw_now_ms();
    s->last_reload_ms = now;
    for (sub_dev *d = s->devs; d; d = d->next)
        d->seen = false;
    gw_store_lock(g->store);
    sqlite3_stmt *q = gw_store_prepare(
        g->store, "SELECT id, address, port, scheme, username, password, delivery, updated_ms,"
                  " status, coalesce(lock_until_ms, 0), coalesce(device_type, '') FROM devices");
    size_t n = 0, cap = 0;
    gw_dev_conf *rows = NULL;
    char **sealed = NULL;
    while (q && sqlite3_step(q) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            gw_dev_conf *r2 = realloc(rows, cap * sizeof *rows);
            char **s2 = realloc(sealed, cap * sizeof *sealed);
            if (r2)
                rows = r2;
            if (s2)
                sealed = s2;
            if (!r2 || !s2)
                break;
        }
        sub__row(g, q, &rows[n], &sealed[n]);
        n++;
    }
    sqlite3_finalize(q);
    gw_store_unlock(g->store);
    if (!q) { /* the table could not be read: keep what runs */
        for (sub_dev *d = s->devs; d; d = d->next)
            d->seen = true;
    }
    for (size_t i = 0; i < n; i++) {
        /* An unchanged row keeps the password already decrypted. */
        sub_dev *known = sub__find(s, rows[i].id);
        if (known && known->c.updated_ms == rows[i].updated_ms) {
            rows[i].password = known->c.password;
            known->c.password = NULL;
        } else if (!sealed[i] || gw_secrets_unseal(g->secrets, sealed[i], &rows[i].password)) {
            gw_error("stream: the stored password of device %lld cannot be decrypted",
                     (long long)rows[i].id);
            rows[i].password = NULL;
        }
        free(sealed[i]);
        sub__apply(s, &rows[i], now);
    }
    free(rows);
    free(sealed);
    for (sub_dev **pp = &s->devs; *pp;) {
        sub_dev *d = *pp;
        if (d->seen) {
            pp = &d->next;
            continue;
        }
        sub__halt(s, d);
        pthread_mutex_lock(&s->mu);
        *pp = d->next;
        pthread_mutex_unlock(&s->mu);
        d->next = s->graveyard;
        s->graveyard = d;
    }
    pthread_mutex_lock(&s->mu);
    sub__index_rebuild(s);
    pthread_mutex_unlock(&s->mu);
}

static void sub__drain_fd(int fd)
{
    uint64_t v;
    ssize_t r = read(fd, &v, sizeof v);
    (void)r;
}

static void sub__loop_once(struct gw_alert_sub *s)
{
    struct epoll_event evs[64];
    int running = 0;
    int n = epoll_wait(s->epfd, evs, 64, 1000);
    for (int i = 0; i < n; i++) {
        int fd = evs[i].data.fd;
        if (fd == s->curl_tfd) {
            sub__drain_fd(fd);
            curl_multi_socket_action(s->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        } else if (fd == s->tick_tfd) {
            sub__drain_fd(fd);
            if (gw_now_ms() - s->last_reload_ms > RELOAD_EVERY_MS)
                atomic_store(&s->reload, true);
            sub__tick(s);
        } else if (fd == s->evfd) {
            sub__drain_fd(fd);
            for (sub_dev *d = s->devs; d; d = d->next)
                sub__flush(s, d);
        } else {
            int mask = ((evs[i].events & EPOLLIN) ? CURL_CSELECT_IN : 0) |
                       ((evs[i].events & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
                       ((evs[i].events & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
            curl_multi_socket_action(s->multi, fd, mask, &running);
        }
        sub__messages(s);
    }
    if (atomic_exchange(&s->reload, false)) {
        sub__reload(s);
        sub__tick(s);
    }
}

/* Shutdown: end every transfer, hand the writer what was parsed, and wait
 * (bounded) for it to commit before the devices are freed. */
static void sub__shutdown(struct gw_alert_sub *s)
{
    for (sub_dev *d = s->devs; d; d = d->next)
        sub__halt(s, d);
    int64_t deadline = gw_now_ms() + STOP_WAIT_MS;
    for (;;) {
        bool busy = false;
        for (sub_dev *d = s->devs; d; d = d->next) {
            sub__flush(s, d);
            busy |= d->bl_head || atomic_load(&d->inflight);
        }
        for (sub_dev *d = s->graveyard; d; d = d->next)
            busy |= atomic_load(&d->inflight) != 0;
        if (!busy || gw_now_ms() > deadline)
            break;
        usleep(10000);
    }
    for (sub_dev *d = s->devs; d; d = d->next)
        if (d->state != SUB_NONE)
            sub__set_state(d, SUB_DISABLED, "hikgated stopped");
    sub__write_states(s);
    sub_dev *lists[2] = {s->devs, s->graveyard};
    pthread_mutex_lock(&s->mu);
    free(s->index);
    s->index = NULL;
    s->devs = s->graveyard = NULL;
    pthread_mutex_unlock(&s->mu);
    for (int k = 0; k < 2; k++) {
        for (sub_dev *d = lists[k], *next; d; d = next) {
            next = d->next;
            if (atomic_load(&d->inflight) == 0)
                sub__free_dev(d); /* else the writer still holds its items: leaked */
        }
    }
}

static void *sub__main(void *arg)
{
    struct gw_alert_sub *s = arg;
    sub__reload(s);
    s->loaded = true;
    sub__tick(s);
    while (!atomic_load(&s->stop))
        sub__loop_once(s);
    sub__shutdown(s);
    return NULL;
}

/* ---- public ----------------------------------------------------------- */

static void sub__destroy(struct gw_alert_sub *s)
{
    if (s->multi)
        curl_multi_cleanup(s->multi);
    int fds[] = {s->epfd, s->curl_tfd, s->tick_tfd, s->evfd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static bool sub__watch(struct gw_alert_sub *s, int fd)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    return fd >= 0 && epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) == 0;
}

hik_err gw_alert_sub_start(gw *g)
{
    struct gw_alert_sub *s = calloc(1, sizeof *s);
    if (!s)
        return HIK_ERR_NOMEM;
    s->g = g;
    s->rnd = (unsigned)gw_now_ms() ^ (unsigned)getpid();
    pthread_mutex_init(&s->mu, NULL);
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    s->curl_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    s->tick_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    s->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    s->multi = curl_multi_init();
    struct itimerspec tick = {{0, TICK_MS * 1000000L}, {0, TICK_MS * 1000000L}};
    if (s->epfd < 0 || !s->multi || !sub__watch(s, s->curl_tfd) || !sub__watch(s, s->tick_tfd) ||
        !sub__watch(s, s->evfd) || timerfd_settime(s->tick_tfd, 0, &tick, NULL) != 0) {
        gw_error("stream: setting up the event loop: %s", strerror(errno));
        sub__destroy(s);
        return HIK_ERR_IO;
    }
    curl_multi_setopt(s->multi, CURLMOPT_SOCKETFUNCTION, sub__socket_cb);
    curl_multi_setopt(s->multi, CURLMOPT_SOCKETDATA, s);
    curl_multi_setopt(s->multi, CURLMOPT_TIMERFUNCTION, sub__timer_cb);
    curl_multi_setopt(s->multi, CURLMOPT_TIMERDATA, s);
    g->alert_sub = s;
    if (pthread_create(&s->thread, NULL, sub__main, s) != 0) {
        g->alert_sub = NULL;
        sub__destroy(s);
        return HIK_ERR_NOMEM;
    }
    s->started = true;
    return HIK_OK;
}

void gw_alert_sub_stop(gw *g)
{
    struct gw_alert_sub *s = g->alert_sub;
    if (!s)
        return;
    atomic_store(&s->stop, true);
    sub__wake(s);
    if (s->started)
        pthread_join(s->thread, NULL);
    g->alert_sub = NULL;
    sub__destroy(s);
}

void gw_alert_sub_reload(gw *g)
{
    struct gw_alert_sub *s = g->alert_sub;
    if (!s)
        return;
    atomic_store(&s->reload, true);
    sub__wake(s);
}
