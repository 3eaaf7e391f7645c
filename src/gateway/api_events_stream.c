/* api_events_stream.c: GET /api/v1/events/stream, the event log live, as
 * Server-Sent Events.
 *
 * Each committed event goes out as `id: N`, `event: event` and `data:` the
 * same JSON as a GET /api/v1/events item. A client that reconnects with
 * Last-Event-ID (or ?last_event_id=) first gets the events after that id.
 *
 * No thread waits for a stream. libmicrohttpd pulls the body through
 * es__read(); when there is nothing to send, the stream suspends its
 * connection (under the feed's lock, see event_feed.h) and the writer's
 * publish, the 15 s heartbeat or shutdown resumes it. New rows are read
 * from the store by id, a window at a time, into a buffer with a hard
 * cap; a client that fell far behind resumes at most ES_BACKLOG_MAX ids
 * back. The number of streams is capped (503 beyond). */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_routes.h"
#include "event_feed.h"
#include "hik/event.h"
#include "log.h"
#include "store_events_query.h"

#define ES_WINDOW 100           /* event ids read from the store at once */
#define ES_BUF_MAX (256 * 1024) /* bytes formatted ahead for one client */
#define ES_BACKLOG_MAX 1000     /* ids a reconnecting client may be behind */
#define ES_BLOCK 16384          /* libmicrohttpd's read block */
#define ES_RETRY_MS 3000        /* the client's reconnect delay */

typedef struct es_stream {
    gw_feed_listener l;
    gw *g;
    struct MHD_Connection *conn;
    int64_t cursor; /* every event id up to here is sent or filtered out */
    bool has_device;
    int64_t device;
    char kind[32];
    char *buf;
    size_t len, off;
    bool hello;
} es_stream;

static void es__sleep(gw_feed_listener *l)
{
    es_stream *s = l->arg;
    MHD_suspend_connection(s->conn);
}

static void es__wake(gw_feed_listener *l)
{
    es_stream *s = l->arg;
    MHD_resume_connection(s->conn);
}

static bool es__append(es_stream *s, const char *data, size_t n)
{
    if (s->len + n > ES_BUF_MAX && s->len > 0)
        return false;
    char *nb = realloc(s->buf, s->len + n);
    if (!nb)
        return false;
    memcpy(nb + s->len, data, n);
    s->buf = nb;
    s->len += n;
    return true;
}

/* One event as an SSE message; false when the buffer is full. */
static bool es__append_event(es_stream *s, json_t *ev)
{
    char *text = json_dumps(ev, JSON_COMPACT);
    if (!text)
        return false;
    char head[64];
    int hn = snprintf(head, sizeof head, "id: %lld\nevent: event\ndata: ",
                      (long long)json_integer_value(json_object_get(ev, "id")));
    size_t tn = strlen(text);
    bool ok = false;
    if (s->len + (size_t)hn + tn + 2 <= ES_BUF_MAX || s->len == 0) {
        ok = es__append(s, head, (size_t)hn) && es__append(s, text, tn) && es__append(s, "\n\n", 2);
    }
    free(text);
    return ok;
}

/* Format the events in (cursor, min(cursor + ES_WINDOW, last)] that pass
 * the filter; advances the cursor past what was formatted. */
static hik_err es__fill(es_stream *s, int64_t last)
{
    int64_t hi = s->cursor + ES_WINDOW < last ? s->cursor + ES_WINDOW : last;
    gw_events_filter f = {.limit = ES_WINDOW,
                          .has_before = true,
                          .before = hi + 1,
                          .has_device = s->has_device,
                          .device = s->device,
                          .kind = s->kind[0] ? s->kind : NULL};
    json_t *page = gw_store_events_list(s->g->store, &f);
    if (!page)
        return HIK_ERR_IO;
    json_t *events = json_object_get(page, "events");
    /* Newest first in the page: walk it backwards to send in id order. */
    for (size_t i = json_array_size(events); i-- > 0;) {
        json_t *ev = json_array_get(events, i);
        int64_t id = json_integer_value(json_object_get(ev, "id"));
        if (id <= s->cursor)
            continue;
        if (!es__append_event(s, ev)) {
            json_decref(page);
            /* Full: the rest goes in the next fill. */
            return s->len ? HIK_OK : HIK_ERR_NOMEM;
        }
        s->cursor = id;
    }
    s->cursor = hi;
    json_decref(page);
    return HIK_OK;
}

static ssize_t es__copy(es_stream *s, char *out, size_t max)
{
    size_t n = s->len - s->off;
    if (n > max)
        n = max;
    memcpy(out, s->buf + s->off, n);
    s->off += n;
    if (s->off == s->len)
        s->off = s->len = 0;
    return (ssize_t)n;
}

static ssize_t es__read(void *cls, uint64_t pos, char *out, size_t max)
{
    es_stream *s = cls;
    if (s->off < s->len)
        return es__copy(s, out, max);
    if (!s->hello) {
        char hello[96];
        int n = snprintf(hello, sizeof hello, "retry: %d\n: hikgate events from id %lld\n\n",
                         ES_RETRY_MS, (long long)s->cursor);
        s->hello = true;
        if (!es__append(s, hello, (size_t)n))
            return MHD_CONTENT_READER_END_WITH_ERROR;
        return es__copy(s, out, max);
    }
    for (;;) {
        gw_feed_state st;
        gw_event_feed_poll(s->g, &s->l, s->cursor, false, &st);
        if (st.closing)
            return MHD_CONTENT_READER_END_OF_STREAM;
        while (s->len == 0 && s->cursor < st.last_id) {
            if (es__fill(s, st.last_id)) {
                gw_warn("events stream: reading new events failed; closing the stream");
                return MHD_CONTENT_READER_END_WITH_ERROR;
            }
        }
        if (st.heartbeat && !es__append(s, ": ping\n\n", 8) && s->len == 0)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (s->len > 0)
            return es__copy(s, out, max);
        if (gw_event_feed_poll(s->g, &s->l, s->cursor, true, &st))
            return 0; /* suspended until something happens */
    }
}

static void es__free(void *cls)
{
    es_stream *s = cls;
    gw_event_feed_leave(s->g, &s->l);
    free(s->buf);
    free(s);
}

/* Where to start: Last-Event-ID (header or query), else the newest id. */
static bool es__start_id(api_req *rq, api_resp *rs, int64_t newest, int64_t *cursor)
{
    const char *v = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Last-Event-ID");
    const char *field = "Last-Event-ID";
    if (!v || !*v) {
        v = api_query(rq, "last_event_id");
        field = "last_event_id";
    }
    *cursor = newest;
    if (!v || !*v)
        return true;
    int64_t id;
    if (!api_parse_i64(v, &id) || id < 0) {
        api_error(rs, 400, field, "%s must be an event id (an integer of at least 0)", field);
        return false;
    }
    if (id < newest - ES_BACKLOG_MAX)
        id = newest - ES_BACKLOG_MAX;
    *cursor = id < newest ? id : newest;
    return true;
}

static bool es__filter(api_req *rq, api_resp *rs, es_stream *s)
{
    const char *dev = api_query(rq, "device");
    if (dev) {
        if (!api_parse_i64(dev, &s->device) || s->device < 1) {
            api_error(rs, 400, "device", "device must be an integer of at least 1");
            return false;
        }
        s->has_device = true;
    }
    const char *kind = api_query(rq, "kind");
    if (kind && *kind) {
        if (hik_event_kind_from_name(kind) == HIK_EV__COUNT || strlen(kind) >= sizeof s->kind) {
            api_error(rs, 400, "kind", "kind \"%.64s\" is not a known event kind", kind);
            return false;
        }
        snprintf(s->kind, sizeof s->kind, "%s", kind);
    }
    return true;
}

void api_events_stream(api_req *rq, api_resp *rs)
{
    es_stream *s = calloc(1, sizeof *s);
    if (!s)
        return api_error(rs, 500, NULL, "out of memory");
    s->g = rq->g;
    s->conn = rq->conn;
    s->l = (gw_feed_listener){.sleep = es__sleep, .wake = es__wake, .arg = s};
    if (!es__filter(rq, rs, s) || !es__start_id(rq, rs, gw_event_feed_last_id(rq->g), &s->cursor)) {
        free(s);
        return;
    }
    hik_err res = gw_event_feed_join(rq->g, &s->l);
    if (res) {
        free(s);
        api_error(rs, 503, NULL, "%s",
                  res == HIK_ERR_TOO_BIG ? "too many event streams open; try again later"
                                         : "the gateway is stopping");
        api_header_add(rs, "Retry-After", "%d", 10);
        return;
    }
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, ES_BLOCK, es__read, s, es__free);
    if (!r) {
        es__free(s);
        return api_error(rs, 500, NULL, "out of memory");
    }
    MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
    api_reply_raw(rs, 200, r);
}
