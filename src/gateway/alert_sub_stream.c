/* alert_sub_stream.c: one device's alertStream transfer, from bytes to
 * events in the writer's queue.
 *
 * libcurl's header and write callbacks feed hik_alert_stream; each alert
 * part becomes a sub_item (the part copied, so it outlives the callback);
 * the item is held HOLD_MS for the picture parts that follow it, then
 * queued and submitted while the device has fewer than PENDING_CAP in the
 * writer. A full writer pauses the transfer; the loop resumes it. Also
 * here: heartbeat recognition, the `both` mode de-duplication ring, and
 * what the end of a transfer means for the device's state. */
#include "alert_sub_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hik/event_json.h"
#include "log.h"

void sub__item_free(sub_item *it)
{
    gw_pending_release(&it->p);
    free(it->raw);
    for (int i = 0; i < it->n_pics; i++)
        free(it->pics[i]);
    free(it);
}

static void sub__done(gw_pending *p, void *arg)
{
    struct gw_alert_sub *s = arg;
    sub_item *it = (sub_item *)p;
    sub_dev *d = it->dev;
    if (p->result)
        gw_error("stream: device %lld: %zu events could not be stored: %s", (long long)d->c.id,
                 p->n_events, hik_err_name(p->result));
    else
        atomic_fetch_add(&s->g->stats.events_received, p->n_events);
    sub__item_free(it);
    atomic_fetch_sub(&d->inflight, 1);
    sub__wake(s);
}

/* The held alert, complete with its pictures, joins the backlog. */
void sub__release_held(struct gw_alert_sub *s, sub_dev *d)
{
    sub_item *it = d->held;
    if (!it)
        return;
    d->held = NULL;
    for (size_t i = 0; i < it->p.n_events; i++) {
        const hik_event *ev = &it->p.events[i];
        json_t *j = hik_event_to_json(ev);
        if (j && sub__is_nvr(d) && ev->channel > 32)
            json_object_set_new(j, "ip_camera", json_integer(ev->channel - 32));
        it->p.fields_json[i] = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
    }
    it->p.done = sub__done;
    it->p.done_arg = s;
    it->next = NULL;
    if (d->bl_tail)
        d->bl_tail->next = it;
    else
        d->bl_head = it;
    d->bl_tail = it;
}

/* Submit what the writer will take; resume a paused transfer when the
 * device is under its cap again. */
void sub__flush(struct gw_alert_sub *s, sub_dev *d)
{
    while (d->bl_head && atomic_load(&d->inflight) < PENDING_CAP) {
        sub_item *it = d->bl_head;
        d->bl_head = it->next;
        if (!d->bl_head)
            d->bl_tail = NULL;
        it->p.received_ms = gw_now_ms();
        atomic_fetch_add(&d->inflight, 1);
        if (gw_writer_submit(s->g, &it->p)) { /* full: try again at the next tick */
            atomic_fetch_sub(&d->inflight, 1);
            it->next = d->bl_head;
            d->bl_head = it;
            if (!d->bl_tail)
                d->bl_tail = it;
            break;
        }
    }
    if (d->paused && d->easy && !d->bl_head && atomic_load(&d->inflight) < PENDING_CAP) {
        d->paused = false;
        d->last_byte_ms = gw_now_ms();
        curl_easy_pause(d->easy, CURLPAUSE_CONT);
    }
}

/* Camera heartbeats, and an NVR's videoloss `active` repeated for a
 * channel already known to have lost video. */
static bool sub__heartbeat(sub_dev *d, const hik_event *ev)
{
    if (ev->heartbeat)
        return true;
    if (ev->kind != HIK_EV_VIDEO_LOSS || ev->channel < 0 || ev->channel >= 256)
        return false;
    uint64_t bit = 1ULL << (ev->channel % 64);
    uint64_t *word = &d->videoloss[ev->channel / 64];
    if (ev->state == HIK_STATE_ACTIVE) {
        if (*word & bit)
            return true;
        *word |= bit;
    } else {
        *word &= ~bit;
    }
    return false;
}

static void sub__attach_picture(sub_dev *d, const hik_picture *pic)
{
    sub_item *it = d->held;
    if (!it || !it->p.n_events || it->n_pics == HIK_EVENT_MAX_PICTURES)
        return;
    hik_event *ev = &it->p.events[it->p.n_events - 1];
    if (ev->n_pictures == HIK_EVENT_MAX_PICTURES)
        return;
    uint8_t *copy = malloc(pic->len ? pic->len : 1);
    if (!copy)
        return;
    memcpy(copy, pic->data, pic->len);
    it->pics[it->n_pics++] = copy;
    hik_picture *dst = &ev->pictures[ev->n_pictures++];
    *dst = *pic;
    dst->data = copy;
}

static sub_item *sub__item_new(sub_dev *d, const hik_stream_part *part)
{
    sub_item *it = calloc(1, sizeof *it);
    if (!it)
        return NULL;
    it->raw = malloc(part->len ? part->len : 1);
    if (!it->raw) {
        free(it);
        return NULL;
    }
    memcpy(it->raw, part->data, part->len);
    it->dev = d;
    it->held_ms = gw_now_ms();
    it->p.device_id = d->c.id;
    it->p.attribution = GW_ATTR_ADDRESS;
    snprintf(it->p.source_addr, sizeof it->p.source_addr, "%.63s", d->c.address);
    return it;
}

static hik_err sub__on_part(void *arg, const hik_stream_part *part)
{
    sub_dev *d = arg;
    struct gw_alert_sub *s = d->sub;
    hik_event evs[GW_PENDING_MAX_EVENTS];
    size_t n = 0;
    hik_picture pic;
    hik_parse_diag diag = {{0}};
    if (hik_stream_part_events(part, NULL, evs, GW_PENDING_MAX_EVENTS, &n, &pic, &diag)) {
        gw_warn("stream: device %lld: part %llu skipped: %s", (long long)d->c.id,
                (unsigned long long)part->index, diag.message);
        return HIK_OK;
    }
    if (n == 0) {
        if (pic.data)
            sub__attach_picture(d, &pic);
        return HIK_OK;
    }
    sub_item *it = NULL;
    for (size_t i = 0; i < n; i++) {
        if (sub__heartbeat(d, &evs[i])) {
            atomic_fetch_add(&d->heartbeats, 1);
            continue;
        }
        if (d->both) {
            pthread_mutex_lock(&s->mu);
            bool dup = sub__seen(d, &evs[i]);
            pthread_mutex_unlock(&s->mu);
            if (dup)
                continue;
        }
        if (!it && !(it = sub__item_new(d, part)))
            return HIK_OK; /* out of memory: this alert is lost, the stream goes on */
        hik_event *ev = &it->p.events[it->p.n_events++];
        *ev = evs[i];
        if (ev->raw)
            ev->raw = it->raw + (ev->raw - part->data);
        ev->n_pictures = 0;
    }
    sub__release_held(s, d); /* an alert part ends the pictures of the one before */
    if (it) {
        it->p.raw_type =
            it->p.events[0].format == HIK_FMT_JSON ? "application/json" : "application/xml";
        d->held = it;
    }
    return HIK_OK;
}

/* ---- one stream's transfer -------------------------------------------- */

static size_t sub__header(char *data, size_t size, size_t nmemb, void *arg)
{
    sub_dev *d = arg;
    size_t n = size * nmemb;
    d->last_byte_ms = gw_now_ms();
    if (n >= 12 && memcmp(data, "HTTP/", 5) == 0) {
        const char *sp = memchr(data, ' ', n);
        d->http_status = sp ? strtol(sp + 1, NULL, 10) : 0;
        d->errlen = 0;
        d->ctype[0] = 0;
    } else if (n > 13 && strncasecmp(data, "Content-Type:", 13) == 0) {
        size_t a = 13, b = n;
        while (a < b && (data[a] == ' ' || data[a] == '\t'))
            a++;
        while (b > a && (data[b - 1] == '\r' || data[b - 1] == '\n' || data[b - 1] == ' '))
            b--;
        if (b - a >= sizeof d->ctype)
            b = a + sizeof d->ctype - 1;
        memcpy(d->ctype, data + a, b - a);
        d->ctype[b - a] = 0;
    } else if ((n <= 2 && (data[0] == '\r' || data[0] == '\n')) && d->http_status == 200) {
        d->failures = 0;
        sub__set_state(d, SUB_STREAMING, NULL);
        if (strcmp(d->c.status, "online") != 0) {
            snprintf(d->c.status, sizeof d->c.status, "online");
            gw_dev_set_status(d->sub->g, d->c.id, "online", NULL, 0);
        }
    }
    return n;
}

static size_t sub__write(char *data, size_t size, size_t nmemb, void *arg)
{
    sub_dev *d = arg;
    size_t n = size * nmemb;
    d->last_byte_ms = gw_now_ms();
    if (d->http_status != 200) {
        size_t room = sizeof d->errbody - d->errlen;
        size_t k = n < room ? n : room;
        memcpy(d->errbody + d->errlen, data, k);
        d->errlen += k;
        return n;
    }
    if (d->bl_head || atomic_load(&d->inflight) >= PENDING_CAP) {
        d->paused = true;
        return CURL_WRITEFUNC_PAUSE;
    }
    if (!d->parser) {
        hik_alert_stream_opts o = {.on_part = sub__on_part, .arg = d, .max_part = PART_MAX};
        if (hik_alert_stream_new(d->ctype[0] ? d->ctype : NULL, &o, &d->parser))
            return 0; /* out of memory: abort this transfer, retried after backoff */
    }
    hik_alert_stream_feed(d->parser, (const uint8_t *)data, n);
    sub__flush(d->sub, d);
    return n;
}

void sub__connect(struct gw_alert_sub *s, sub_dev *d)
{
    d->easy = gw_dev_easy(s->g, &d->c, STREAM_PATH, 0, d);
    if (!d->easy) {
        sub__set_state(d, SUB_BACKING_OFF, "cannot set up the request");
        d->next_attempt_ms = gw_now_ms() + BACKOFF_MAX_MS;
        return;
    }
    curl_easy_setopt(d->easy, CURLOPT_WRITEFUNCTION, sub__write);
    curl_easy_setopt(d->easy, CURLOPT_WRITEDATA, d);
    curl_easy_setopt(d->easy, CURLOPT_HEADERFUNCTION, sub__header);
    curl_easy_setopt(d->easy, CURLOPT_HEADERDATA, d);
    d->http_status = 0;
    d->errlen = 0;
    d->paused = false;
    d->last_byte_ms = gw_now_ms();
    sub__set_state(d, SUB_CONNECTING, NULL);
    if (curl_multi_add_handle(s->multi, d->easy) != CURLM_OK) {
        curl_easy_cleanup(d->easy);
        d->easy = NULL;
        sub__set_state(d, SUB_BACKING_OFF, "cannot start the request");
        d->next_attempt_ms = gw_now_ms() + BACKOFF_MAX_MS;
    }
}

/* End the transfer (if any) and hand over everything parsed from it. */
void sub__close(struct gw_alert_sub *s, sub_dev *d)
{
    if (d->easy) {
        curl_multi_remove_handle(s->multi, d->easy);
        curl_easy_cleanup(d->easy);
        d->easy = NULL;
    }
    d->paused = false;
    if (d->parser) {
        hik_alert_stream_finish(d->parser); /* delivers a part the close ended */
        hik_alert_stream_free(d->parser);
        d->parser = NULL;
    }
    sub__release_held(s, d);
    sub__flush(s, d);
}

void sub__backoff(struct gw_alert_sub *s, sub_dev *d, sub_state st, const char *why)
{
    int64_t delay = BACKOFF_MIN_MS;
    for (int i = 0; i < d->failures && delay < BACKOFF_MAX_MS; i++)
        delay *= 2;
    if (delay > BACKOFF_MAX_MS)
        delay = BACKOFF_MAX_MS;
    delay = delay * 3 / 4 + (int64_t)(sub__rand(s) % (unsigned)(delay / 2 + 1));
    if (delay < BACKOFF_MIN_MS)
        delay = BACKOFF_MIN_MS;
    if (delay > BACKOFF_MAX_MS)
        delay = BACKOFF_MAX_MS;
    d->failures++;
    d->next_attempt_ms = gw_now_ms() + delay;
    sub__set_state(d, st, "%s; next attempt in %lld ms", why, (long long)delay);
}

static void sub__mark_locked(sub_dev *d, long secs)
{
    int64_t until = gw_now_ms() + (secs > 0 ? secs : LOCK_DEFAULT_S) * 1000LL;
    d->c.lock_until_ms = until;
    snprintf(d->c.status, sizeof d->c.status, "locked");
    gw_dev_set_cred_status(d->sub->g, d->c.id, d->c.updated_ms, "locked",
                           "the device reports this client locked out", until);
}

void sub__mark_auth_rejected(sub_dev *d)
{
    d->auth_rejected = true;
    snprintf(d->c.status, sizeof d->c.status, "auth_rejected");
    gw_dev_set_cred_status(d->sub->g, d->c.id, d->c.updated_ms, "auth_rejected",
                           "the device rejected the username or password; no further login "
                           "attempts until the credentials are changed",
                           0);
}

void sub__ended(struct gw_alert_sub *s, sub_dev *d, CURLcode rc)
{
    long code = d->http_status;
    /* A 401 counts only as the final answer of a completed transfer: one
     * cut after the challenge, before the credentials were tried, is a
     * network failure, not a rejected password. */
    if (rc != CURLE_OK && (code == 401 || code == 403))
        code = 0;
    char why[200];
    snprintf(why, sizeof why, "%s", rc == CURLE_OK ? "" : curl_easy_strerror(rc));
    char body[ERRBODY_MAX];
    size_t blen = d->errlen;
    memcpy(body, d->errbody, blen);
    sub__close(s, d);
    long lock = (code == 401 || code == 403) ? gw_dev_lock_seconds(body, blen) : 0;
    if (lock) {
        sub__mark_locked(d, lock);
        sub__set_state(d, SUB_LOCKED_OUT, "the device reports this client locked out");
    } else if (code == 401) {
        sub__mark_auth_rejected(d);
        sub__set_state(d, SUB_AUTH_REJECTED,
                       "the device rejected the username or password; waiting for new "
                       "credentials");
    } else if (code == 200) {
        sub__backoff(s, d, SUB_BACKING_OFF, why[0] ? why : "the device closed the stream");
    } else if (code) {
        snprintf(why, sizeof why, "the device answered HTTP %ld", code);
        sub__backoff(s, d, SUB_BACKING_OFF, why);
    } else {
        sub__backoff(s, d, SUB_BACKING_OFF, why[0] ? why : "no answer");
    }
}
