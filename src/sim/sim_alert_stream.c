/* sim_alert_stream.c: GET /ISAPI/Event/notification/alertStream, the pull
 * side of event delivery, served the way cameras and NVRs serve it.
 *
 * The reply is close-delimited multipart/mixed: no Content-Length, no
 * chunking, HTTP/1.1 in the status line (or HTTP/1.0 with
 * --stream-http10). Each open stream has a bounded queue of bytes; a
 * libmicrohttpd content reader drains it and suspends the connection when
 * it is empty, so a stream costs nothing while idle and never blocks the
 * server's other requests. One ticker thread adds heartbeats, drops and
 * stalls streams as the quirk switches ask, and resumes the connections
 * that have something to send.
 *
 * Styles. Camera: ver20 alerts with channelID, and a `videoloss`
 * `inactive` alert with activePostCount 0 as heartbeat. NVR: version 1.0
 * alerts without XML declaration, dynChannelID instead of channelID, and
 * `videoloss` **active** for its last channel (an empty one) as
 * heartbeat, its activePostCount rising, as the NVR captures show.
 *
 * Locking: the streams' lock is taken alone, except that the content
 * reader (on the server thread) suspends its connection while holding it.
 * Other threads resume connections only after releasing it; a connection
 * marked suspended under the lock cannot go away before it is resumed. */
#include "sim.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "hik/multipart.h"

#define STREAM_QUEUE_MAX (1024 * 1024) /* unsent bytes per stream; a slower reader loses parts */
#define STREAM_PART_MAX (2 * 1024 * 1024)
#define STREAM_TICK_MS 100
#define STREAM_BOUNDARY "boundary"
#define STREAM_HEADER_MISMATCH "MIME_boundary" /* what a mismatching header announces */

typedef struct stream {
    bool used;
    struct MHD_Connection *conn; /* NULL until the reply is queued */
    int64_t opened_ms;
    int64_t next_heartbeat_ms;
    bool suspended, closing, stalled;
    char *q; /* bytes not yet sent: q[sent..len) */
    size_t q_len, q_sent, q_cap;
    unsigned long dropped; /* parts lost to a full queue */
    struct sim_streams *owner;
} stream;

/* One simulated device's streams (with --cameras, each camera has its own). */
struct sim_streams {
    pthread_mutex_t lock;
    stream slots[SIM_MAX_STREAMS];
    int open;
    unsigned long opened, refused, dropped;
    int nvr_post_count;
};

/* One ticker serves every simulated device of the process. */
static struct {
    pthread_mutex_t lock; /* the list and the count of running devices */
    sim **devices;
    int n, cap, running;
    pthread_t thread;
    bool started;
    atomic_bool stop;
} ticker = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int64_t stream__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sim_alert_stream_defaults(sim_config *c)
{
    c->max_streams = 5;
    c->heartbeat_seconds = 10;
}

static bool stream__int(const char *text, int min, int max, int *out)
{
    char *end;
    long v = text ? strtol(text, &end, 10) : 0;
    if (!text || *text == '\0' || *end != '\0' || v < min || v > max)
        return false;
    *out = (int)v;
    return true;
}

bool sim_alert_stream_option(sim_config *c, const char *name, const char *value)
{
    if (strcmp(name, "max-streams") == 0)
        return stream__int(value, 1, SIM_MAX_STREAMS, &c->max_streams);
    if (strcmp(name, "heartbeat-seconds") == 0)
        return stream__int(value, 0, 3600, &c->heartbeat_seconds);
    if (strcmp(name, "stream-drop-every") == 0)
        return stream__int(value, 1, 86400, &c->stream_drop_every);
    if (strcmp(name, "stream-stall-after") == 0)
        return stream__int(value, 1, 86400, &c->stream_stall_after);
    if (strcmp(name, "stream-style") == 0) {
        c->stream_nvr = value && strcmp(value, "nvr") == 0;
        return value && (c->stream_nvr || strcmp(value, "camera") == 0);
    }
    bool *flag = strcmp(name, "stream-http10") == 0              ? &c->stream_http10
                 : strcmp(name, "stream-no-content-length") == 0 ? &c->stream_no_content_length
                 : strcmp(name, "stream-boundary-mismatch") == 0 ? &c->stream_boundary_mismatch
                 : strcmp(name, "stream-duplicate-boundaries") == 0
                     ? &c->stream_duplicate_boundaries
                     : NULL;
    if (flag)
        *flag = true;
    return flag != NULL;
}

/* ---- the bytes on the wire ---- */

static void stream__replace(sim_buf *b, const char *from, const char *to)
{
    sim_buf out;
    sim_buf_init(&out, b->max);
    const char *p = b->data ? b->data : "";
    const char *hit;
    size_t flen = strlen(from);
    while ((hit = strstr(p, from)) != NULL) {
        sim_buf_add(&out, p, (size_t)(hit - p));
        sim_buf_str(&out, to);
        p = hit + flen;
    }
    sim_buf_str(&out, p);
    if (out.err)
        b->err = out.err;
    sim_buf_free(b);
    *b = out;
}

/* An alert as the NVR writes it. */
static void stream__nvr_xml(sim_buf *b)
{
    if (b->data && strncmp(b->data, "<?xml", 5) == 0) {
        const char *end = strstr(b->data, "?>");
        if (end) {
            end += 2;
            end += strspn(end, "\r\n");
            size_t skip = (size_t)(end - b->data);
            memmove(b->data, end, b->len - skip + 1);
            b->len -= skip;
        }
    }
    stream__replace(b, "version=\"2.0\"", "version=\"1.0\"");
    stream__replace(b, "<channelID>", "<dynChannelID>");
    stream__replace(b, "</channelID>", "</dynChannelID>");
}

static void stream__part(const sim *s, sim_buf *out, const char *ctype, const char *content_id,
                         const void *data, size_t len)
{
    if (s->cfg.stream_duplicate_boundaries)
        sim_buf_str(out, "--" STREAM_BOUNDARY "\r\n");
    sim_buf_str(out, "--" STREAM_BOUNDARY "\r\n");
    sim_buf_printf(out, "Content-Type: %s\r\n", ctype);
    if (content_id && content_id[0])
        sim_buf_printf(out, "Content-ID: <%s>\r\n", content_id);
    if (!s->cfg.stream_no_content_length)
        sim_buf_printf(out, "Content-Length: %zu\r\n", len);
    sim_buf_str(out, "\r\n");
    sim_buf_add(out, data, len);
    sim_buf_str(out, "\r\n");
}

static void stream__xml_part(const sim *s, sim_buf *out, sim_buf *xml)
{
    if (s->cfg.stream_nvr)
        stream__nvr_xml(xml);
    stream__part(s, out, "application/xml; charset=\"UTF-8\"", NULL, xml->data ? xml->data : "",
                 xml->len);
    if (xml->err)
        out->err = xml->err;
}

/* A pushed multipart/form-data payload becomes one stream part per part. */
static void stream__form_parts(const sim *s, const sim_payload *p, sim_buf *out)
{
    char boundary[HIK_MULTIPART_MAX_BOUNDARY + 1];
    hik_part parts[HIK_MULTIPART_MAX_PARTS];
    size_t n = 0;
    if (hik_multipart_boundary(p->content_type, boundary, sizeof(boundary)) ||
        hik_multipart_parse((const uint8_t *)p->body.data, p->body.len, boundary, parts,
                            HIK_MULTIPART_MAX_PARTS, &n)) {
        out->err = HIK_ERR_PARSE;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(parts[i].content_type, "application/xml") == 0) {
            sim_buf xml;
            sim_buf_init(&xml, STREAM_PART_MAX);
            sim_buf_add(&xml, parts[i].data, parts[i].len);
            stream__xml_part(s, out, &xml);
            sim_buf_free(&xml);
        } else {
            stream__part(s, out, parts[i].content_type, parts[i].content_id, parts[i].data,
                         parts[i].len);
        }
    }
}

static void stream__render(const sim *s, const sim_payload *p, sim_buf *out)
{
    if (strncasecmp(p->content_type, "multipart/", 10) == 0) {
        stream__form_parts(s, p, out);
    } else if (strncasecmp(p->content_type, "application/xml", 15) == 0) {
        sim_buf xml;
        sim_buf_init(&xml, STREAM_PART_MAX);
        sim_buf_add(&xml, p->body.data ? p->body.data : "", p->body.len);
        stream__xml_part(s, out, &xml);
        sim_buf_free(&xml);
    } else {
        stream__part(s, out, p->content_type, NULL, p->body.data ? p->body.data : "", p->body.len);
    }
}

static void stream__heartbeat(sim *s, sim_buf *out)
{
    sim_buf xml;
    sim_buf_init(&xml, STREAM_PART_MAX);
    if (!s->cfg.stream_nvr) {
        sim_push_test_alert(s, &xml); /* videoloss, inactive, activePostCount 0 */
    } else {
        pthread_mutex_lock(&s->streams->lock);
        int count = ++s->streams->nvr_post_count;
        pthread_mutex_unlock(&s->streams->lock);
        sim_event ev = {.kind = "video_loss",
                        .channel = s->cfg.channels,
                        .state = "active",
                        .count = 1,
                        .post_count = count};
        sim_payload p;
        memset(&p, 0, sizeof(p));
        if (sim_payload_build(s, &ev, &p) == HIK_OK)
            sim_buf_add(&xml, p.body.data, p.body.len);
        sim_buf_free(&p.body);
    }
    stream__xml_part(s, out, &xml);
    sim_buf_free(&xml);
}

/* ---- queues and wake-ups (callers hold the lock) ---- */

static bool stream__enqueue_locked(stream *st, const char *data, size_t len)
{
    if (st->q_sent == st->q_len)
        st->q_len = st->q_sent = 0;
    if (st->q_len + len > STREAM_QUEUE_MAX && st->q_sent) {
        memmove(st->q, st->q + st->q_sent, st->q_len - st->q_sent);
        st->q_len -= st->q_sent;
        st->q_sent = 0;
    }
    if (st->q_len + len > STREAM_QUEUE_MAX) {
        st->dropped++;
        st->owner->dropped++;
        return false;
    }
    if (st->q_len + len > st->q_cap) {
        size_t cap = st->q_cap ? st->q_cap : 4096;
        while (cap < st->q_len + len)
            cap *= 2;
        char *q = realloc(st->q, cap);
        if (!q)
            return false;
        st->q = q;
        st->q_cap = cap;
    }
    memcpy(st->q + st->q_len, data, len);
    st->q_len += len;
    return true;
}

/* Mark st awake when it has something to do; its connection is added to
 * wake[] to be resumed once the lock is released. */
static void stream__wake_locked(stream *st, struct MHD_Connection **wake, int *n_wake)
{
    bool work = st->closing || (!st->stalled && st->q_sent < st->q_len);
    if (st->suspended && st->conn && work) {
        st->suspended = false;
        wake[(*n_wake)++] = st->conn;
    }
}

static void stream__resume(struct MHD_Connection **wake, int n)
{
    for (int i = 0; i < n; i++)
        MHD_resume_connection(wake[i]);
}

int sim_alert_stream_publish(sim *s, const sim_payload *p)
{
    sim_buf out;
    sim_buf_init(&out, STREAM_QUEUE_MAX);
    stream__render(s, p, &out);
    if (sim_buf_err(&out)) {
        sim_log(SIM_LOG_WARN, "alertStream part not built: %s", hik_err_str(out.err));
        sim_buf_free(&out);
        return 0;
    }
    struct MHD_Connection *wake[SIM_MAX_STREAMS];
    int n_wake = 0, delivered = 0;
    pthread_mutex_lock(&s->streams->lock);
    for (int i = 0; i < SIM_MAX_STREAMS; i++) {
        stream *st = &s->streams->slots[i];
        if (!st->used || st->closing)
            continue;
        delivered += stream__enqueue_locked(st, out.data, out.len);
        stream__wake_locked(st, wake, &n_wake);
    }
    pthread_mutex_unlock(&s->streams->lock);
    stream__resume(wake, n_wake);
    sim_buf_free(&out);
    return delivered;
}

/* ---- the ticker: heartbeats, drops, stalls ---- */

static bool stream__heartbeat_due(const sim *s, int64_t now)
{
    bool due = false;
    pthread_mutex_lock(&s->streams->lock);
    for (int i = 0; i < SIM_MAX_STREAMS && s->cfg.heartbeat_seconds; i++)
        due = due || (s->streams->slots[i].used && now >= s->streams->slots[i].next_heartbeat_ms);
    pthread_mutex_unlock(&s->streams->lock);
    return due;
}

static void stream__tick(sim *s)
{
    int64_t now = stream__now_ms();
    const sim_config *c = &s->cfg;
    sim_buf hb;
    sim_buf_init(&hb, STREAM_QUEUE_MAX);
    if (stream__heartbeat_due(s, now))
        stream__heartbeat(s, &hb);
    struct MHD_Connection *wake[SIM_MAX_STREAMS];
    int n_wake = 0;
    pthread_mutex_lock(&s->streams->lock);
    for (int i = 0; i < SIM_MAX_STREAMS; i++) {
        stream *st = &s->streams->slots[i];
        if (!st->used)
            continue;
        if (hb.len && !hb.err && now >= st->next_heartbeat_ms) {
            stream__enqueue_locked(st, hb.data, hb.len);
            st->next_heartbeat_ms += (int64_t)c->heartbeat_seconds * 1000;
            if (st->next_heartbeat_ms <= now)
                st->next_heartbeat_ms = now + (int64_t)c->heartbeat_seconds * 1000;
        }
        if (c->stream_drop_every && now - st->opened_ms >= (int64_t)c->stream_drop_every * 1000)
            st->closing = true;
        if (c->stream_stall_after && now - st->opened_ms >= (int64_t)c->stream_stall_after * 1000)
            st->stalled = true;
        stream__wake_locked(st, wake, &n_wake);
    }
    pthread_mutex_unlock(&s->streams->lock);
    stream__resume(wake, n_wake);
    sim_buf_free(&hb);
}

static void *stream__ticker(void *arg)
{
    (void)arg;
    while (!atomic_load(&ticker.stop)) {
        pthread_mutex_lock(&ticker.lock);
        int n = ticker.n;
        sim **devices = ticker.devices;
        pthread_mutex_unlock(&ticker.lock);
        /* devices are only ever added, and the array only grows while the
         * ticker is stopped (sim_alert_stream_init runs before start) */
        for (int i = 0; i < n; i++)
            stream__tick(devices[i]);
        usleep(STREAM_TICK_MS * 1000);
    }
    return NULL;
}

hik_err sim_alert_stream_init(sim *s)
{
    s->streams = calloc(1, sizeof(*s->streams));
    if (!s->streams)
        return HIK_ERR_NOMEM;
    pthread_mutex_init(&s->streams->lock, NULL);
    for (int i = 0; i < SIM_MAX_STREAMS; i++)
        s->streams->slots[i].owner = s->streams;
    pthread_mutex_lock(&ticker.lock);
    hik_err err = HIK_OK;
    if (ticker.started) {
        err = HIK_ERR_INVALID; /* the list may not grow under the ticker */
    } else if (ticker.n == ticker.cap) {
        int cap = ticker.cap ? ticker.cap * 2 : 8;
        sim **d = realloc(ticker.devices, (size_t)cap * sizeof(*d));
        if (d) {
            ticker.devices = d;
            ticker.cap = cap;
        } else {
            err = HIK_ERR_NOMEM;
        }
    }
    if (!err)
        ticker.devices[ticker.n++] = s;
    pthread_mutex_unlock(&ticker.lock);
    return err;
}

hik_err sim_alert_stream_start(sim *s)
{
    (void)s;
    hik_err err = HIK_OK;
    pthread_mutex_lock(&ticker.lock);
    if (ticker.running++ == 0 && !ticker.started) {
        atomic_store(&ticker.stop, false);
        int rc = pthread_create(&ticker.thread, NULL, stream__ticker, NULL);
        if (rc != 0) {
            sim_log(SIM_LOG_ERROR, "alertStream ticker: %s", strerror(rc));
            ticker.running--;
            err = HIK_ERR_NOMEM;
        } else {
            ticker.started = true;
        }
    }
    pthread_mutex_unlock(&ticker.lock);
    return err;
}

void sim_alert_stream_stop(sim *s)
{
    pthread_mutex_lock(&ticker.lock);
    bool last = --ticker.running == 0 && ticker.started;
    if (last)
        ticker.started = false;
    pthread_mutex_unlock(&ticker.lock);
    if (last) {
        atomic_store(&ticker.stop, true);
        pthread_join(ticker.thread, NULL);
    }
    struct MHD_Connection *wake[SIM_MAX_STREAMS];
    int n_wake = 0;
    pthread_mutex_lock(&s->streams->lock);
    for (int i = 0; i < SIM_MAX_STREAMS; i++) {
        if (!s->streams->slots[i].used)
            continue;
        s->streams->slots[i].closing = true;
        stream__wake_locked(&s->streams->slots[i], wake, &n_wake);
    }
    pthread_mutex_unlock(&s->streams->lock);
    stream__resume(wake, n_wake);
    /* let the server thread end them (bounded) before it is stopped */
    for (int i = 0; i < 40 && sim_alert_stream_open_count(s) > 0; i++)
        usleep(50 * 1000);
}

/* ---- serving a stream ---- */

static ssize_t stream__read(void *cls, uint64_t pos, char *buf, size_t max)
{
    stream *st = cls;
    pthread_mutex_lock(&st->owner->lock);
    if (st->closing) {
        pthread_mutex_unlock(&st->owner->lock);
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    if (!st->stalled && st->q_sent < st->q_len) {
        size_t n = st->q_len - st->q_sent;
        n = n < max ? n : max;
        memcpy(buf, st->q + st->q_sent, n);
        st->q_sent += n;
        pthread_mutex_unlock(&st->owner->lock);
        return (ssize_t)n;
    }
    st->suspended = true;
    MHD_suspend_connection(st->conn);
    pthread_mutex_unlock(&st->owner->lock);
    return 0;
}

static void stream__free(void *cls)
{
    stream *st = cls;
    pthread_mutex_lock(&st->owner->lock);
    if (st->dropped)
        sim_log(SIM_LOG_INFO, "alertStream closed, %lu parts lost to a slow reader", st->dropped);
    struct sim_streams *owner = st->owner;
    free(st->q);
    memset(st, 0, sizeof(*st));
    st->owner = owner;
    owner->open--;
    pthread_mutex_unlock(&st->owner->lock);
}

static stream *stream__open(sim *s)
{
    stream *st = NULL;
    pthread_mutex_lock(&s->streams->lock);
    for (int i = 0; i < SIM_MAX_STREAMS && s->streams->open < s->cfg.max_streams && !st; i++)
        if (!s->streams->slots[i].used)
            st = &s->streams->slots[i];
    if (st) {
        memset(st, 0, sizeof(*st));
        st->owner = s->streams;
        st->used = true;
        st->opened_ms = stream__now_ms();
        st->next_heartbeat_ms = st->opened_ms + (int64_t)s->cfg.heartbeat_seconds * 1000;
        s->streams->open++;
        s->streams->opened++;
    } else {
        s->streams->refused++;
    }
    pthread_mutex_unlock(&s->streams->lock);
    return st;
}

bool sim_alert_stream_handle(sim *s, const sim_request *req, sim_reply *reply)
{
    if (strcmp(req->path, "/ISAPI/Event/notification/alertStream") != 0 &&
        strcmp(req->path, "/Event/notification/alertStream") != 0)
        return false;
    if (strcmp(req->method, "GET") != 0) {
        sim_xml_bad_method(reply, req->path);
        return true;
    }
    stream *st = stream__open(s);
    if (!st) {
        sim_log(SIM_LOG_INFO, "alertStream from %s refused: %d streams open", req->client_ip,
                s->cfg.max_streams);
        sim_xml_status(reply, 503, req->path, 2, "Device Busy", "deviceBusy");
        return true;
    }
    sim_log(SIM_LOG_DEBUG, "alertStream opened by %s", req->client_ip);
    reply->status = 200;
    reply->stream = st;
    return true;
}

int sim_alert_stream_queue(sim *s, struct MHD_Connection *conn, sim_reply *reply)
{
    stream *st = reply->stream;
    pthread_mutex_lock(&s->streams->lock);
    st->conn = conn;
    pthread_mutex_unlock(&s->streams->lock);
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream__read, st, stream__free);
    if (!resp) {
        stream__free(st);
        return MHD_NO;
    }
    /* close-delimited, never chunked, as devices send it */
    enum MHD_ResponseFlags flags = MHD_RF_HTTP_1_0_COMPATIBLE_STRICT;
    if (s->cfg.stream_http10)
        flags |= MHD_RF_HTTP_1_0_SERVER;
    MHD_set_response_options(resp, flags, MHD_RO_END);
    MHD_add_response_header(resp, "Server", "App-webs/");
    MHD_add_response_header(resp, "Content-Type",
                            s->cfg.stream_boundary_mismatch
                                ? "multipart/mixed; boundary=" STREAM_HEADER_MISMATCH
                                : "multipart/mixed; boundary=" STREAM_BOUNDARY);
    enum MHD_Result ret = MHD_queue_response(conn, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

int sim_alert_stream_open_count(sim *s)
{
    pthread_mutex_lock(&s->streams->lock);
    int n = s->streams->open;
    pthread_mutex_unlock(&s->streams->lock);
    return n;
}

json_t *sim_alert_stream_state_json(sim *s)
{
    pthread_mutex_lock(&s->streams->lock);
    json_t *o =
        json_pack("{s:i, s:i, s:I, s:I, s:I, s:s}", "open", s->streams->open, "max",
                  s->cfg.max_streams, "opened", (json_int_t)s->streams->opened, "refused",
                  (json_int_t)s->streams->refused, "parts_dropped", (json_int_t)s->streams->dropped,
                  "style", s->cfg.stream_nvr ? "nvr" : "camera");
    pthread_mutex_unlock(&s->streams->lock);
    return o;
}
