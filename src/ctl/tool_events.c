/* tool_events.c: the gateway's events on the terminal, newest last, and
 * followed as they arrive.
 *
 * Following reads the gateway's Server-Sent Events stream
 * (GET /api/v1/events/stream, resumed after the last id printed), and
 * reconnects when it drops. A gateway without the stream (404) or with
 * every stream slot taken (503) is polled instead: GET /api/v1/events,
 * printing what has an id above the last one printed, so nothing is shown
 * twice and, paging back with `before`, nothing is missed. With --json
 * each event is one JSON line (NDJSON). */
#include "tool.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EVENTS_PAGE 100
#define EVENTS_MAX_PAGES 10
#define EVENTS_SSE_MAX (1024u * 1024u) /* one line or one message */

typedef struct events_opts {
    long device, limit, interval_ms, max;
    const char *kind;
    bool follow, poll;
} events_opts;

typedef struct events_state {
    long long last; /* highest id printed */
    long printed;
} events_state;

static void events__print(tool *t, json_t *e)
{
    if (t->json) {
        json_dumpf(e, stdout, JSON_COMPACT);
        fputc('\n', stdout);
    } else {
        time_t secs = (time_t)(json_integer_value(json_object_get(e, "received_ms")) / 1000);
        struct tm tm;
        char when[32];
        localtime_r(&secs, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
        char *fields = json_dumps(json_object_get(e, "fields"), JSON_COMPACT | JSON_ENCODE_ANY);
        json_t *dev = json_object_get(e, "device_id");
        char devs[24] = "-";
        if (json_is_integer(dev))
            snprintf(devs, sizeof devs, "%lld", (long long)json_integer_value(dev));
        printf("%-6lld %s %-16s device %-4s ch %-3lld %-8s %s\n",
               (long long)json_integer_value(json_object_get(e, "id")), when,
               json_string_value(json_object_get(e, "kind")) ?: "?", devs,
               (long long)json_integer_value(json_object_get(e, "channel")),
               json_string_value(json_object_get(e, "state")) ?: "", fields ? fields : "");
        free(fields);
    }
    fflush(stdout);
}

/* Newest events with id > after (0: the newest `limit`), oldest first. */
static int events__fetch(tool *t, const events_opts *o, long long after, json_t **out)
{
    json_t *all = json_array();
    long long before = 0;
    for (int page = 0; page < EVENTS_MAX_PAGES; page++) {
        char path[256], kind[96] = "";
        if (o->kind)
            tool_url_encode(o->kind, kind, sizeof kind);
        snprintf(path, sizeof path, "/api/v1/events?limit=%ld%s%s%s%.0ld%s%.0lld",
                 after ? EVENTS_PAGE : o->limit, o->kind ? "&kind=" : "", kind,
                 o->device ? "&device=" : "", o->device, before ? "&before=" : "", before);
        tool_http h;
        int rc = tool_gw_call(t, "GET", path, NULL, NULL, &h);
        if (rc) {
            tool_http_free(&h);
            json_decref(all);
            return rc;
        }
        size_t i;
        json_t *e;
        bool more = after != 0;
        json_array_foreach(json_object_get(h.json, "events"), i, e)
        {
            if (json_integer_value(json_object_get(e, "id")) <= after) {
                more = false;
                break;
            }
            json_array_insert(all, 0, e);
        }
        json_t *next = json_object_get(h.json, "next_before");
        before = json_is_integer(next) ? (long long)json_integer_value(next) : 0;
        tool_http_free(&h);
        if (!more || !before)
            break;
    }
    *out = all;
    return TOOL_EXIT_OK;
}

static int events__args(tool *t, int argc, char **argv, events_opts *o)
{
    *o = (events_opts){.limit = 10, .interval_ms = 1000};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true;
        if (!strcmp(a, "--follow"))
            o->follow = true;
        else if (!strcmp(a, "--poll"))
            o->follow = o->poll = true;
        else if (!strcmp(a, "--device") && (ok = tool_int(v, 1, 0x7fffffffL, &o->device)))
            i++;
        else if (!strcmp(a, "--limit") && (ok = tool_int(v, 1, 1000, &o->limit)))
            i++;
        else if (!strcmp(a, "--interval-ms") && (ok = tool_int(v, 100, 60000, &o->interval_ms)))
            i++;
        else if (!strcmp(a, "--max") && (ok = tool_int(v, 1, 0x7fffffffL, &o->max)))
            i++;
        else if (!strcmp(a, "--kind") && v)
            o->kind = argv[++i];
        else
            ok = false;
        if (!ok)
            return tool_fail(t, TOOL_EXIT_USAGE, "events: bad option \"%s\" (see --help)", a);
    }
    return TOOL_EXIT_OK;
}

/* Print a batch (oldest first) past st->last; true when --max is reached. */
static bool events__show(tool *t, const events_opts *o, events_state *st, json_t *batch)
{
    size_t i;
    json_t *e;
    json_array_foreach(batch, i, e)
    {
        long long id = (long long)json_integer_value(json_object_get(e, "id"));
        if (id <= st->last || (o->max && st->printed >= o->max))
            continue;
        st->last = id;
        events__print(t, e);
        st->printed++;
    }
    return o->max && st->printed >= o->max;
}

typedef struct events_sse {
    tool *t;
    const events_opts *o;
    events_state *st;
    CURL *curl;
    long status;
    bool done;
    char *line, *data;
    size_t line_len, data_len;
} events_sse;

/* A blank line ends a message: its data is one event. */
static void events__dispatch(events_sse *x)
{
    if (!x->data_len)
        return;
    x->data[x->data_len] = '\0';
    json_t *e = json_loads(x->data, 0, NULL);
    x->data_len = 0;
    if (!json_is_object(e)) {
        json_decref(e);
        return;
    }
    json_t *one = json_pack("[o]", e);
    x->done = events__show(x->t, x->o, x->st, one);
    json_decref(one);
}

static void events__line(events_sse *x)
{
    char *l = x->line;
    size_t n = x->line_len;
    if (n && l[n - 1] == '\r')
        n--;
    l[n] = '\0';
    if (n == 0)
        return events__dispatch(x);
    if (strncmp(l, "data:", 5) != 0)
        return; /* id:, event:, retry: and ": ping" comments */
    const char *v = l + 5 + (l[5] == ' ');
    size_t vn = strlen(v);
    if (x->data_len + vn + 2 > EVENTS_SSE_MAX) {
        x->data_len = 0; /* an oversized message is dropped whole */
        return;
    }
    if (x->data_len)
        x->data[x->data_len++] = '\n';
    memcpy(x->data + x->data_len, v, vn);
    x->data_len += vn;
}

static size_t events__sse_write(char *p, size_t size, size_t n, void *ctx)
{
    events_sse *x = ctx;
    size_t len = size * n;
    if (!x->status)
        curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &x->status);
    if (x->status != 200)
        return len; /* an error page: only its status matters */
    for (size_t i = 0; i < len && !x->done; i++) {
        if (p[i] == '\n') {
            events__line(x);
            x->line_len = 0;
        } else if (x->line_len + 1 < EVENTS_SSE_MAX) {
            x->line[x->line_len++] = p[i];
        }
    }
    return x->done ? 0 : len; /* 0 ends the transfer once --max is reached */
}

/* One connection to the stream, resumed after st->last. Returns an exit
 * code; *gone when the gateway offers no stream (poll instead). */
static int events__stream(tool *t, const events_opts *o, events_state *st, bool *gone)
{
    char url[2048], kind[96] = "";
    size_t base = strlen(t->gateway);
    while (base && t->gateway[base - 1] == '/')
        base--;
    if (o->kind)
        tool_url_encode(o->kind, kind, sizeof kind);
    snprintf(url, sizeof url, "%.*s/api/v1/events/stream?last_event_id=%lld%s%s%s%.0ld", (int)base,
             t->gateway, st->last, o->kind ? "&kind=" : "", kind, o->device ? "&device=" : "",
             o->device);
    events_sse x = {.t = t,
                    .o = o,
                    .st = st,
                    .curl = curl_easy_init(),
                    .line = malloc(EVENTS_SSE_MAX),
                    .data = malloc(EVENTS_SSE_MAX + 1)};
    CURLcode cc = CURLE_FAILED_INIT;
    if (x.curl && x.line && x.data) {
        curl_easy_setopt(x.curl, CURLOPT_URL, url);
        curl_easy_setopt(x.curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(x.curl, CURLOPT_USERNAME, t->gw_user);
        curl_easy_setopt(x.curl, CURLOPT_PASSWORD, t->gw_pass);
        curl_easy_setopt(x.curl, CURLOPT_WRITEFUNCTION, events__sse_write);
        curl_easy_setopt(x.curl, CURLOPT_WRITEDATA, &x);
        curl_easy_setopt(x.curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
        curl_easy_setopt(x.curl, CURLOPT_NOSIGNAL, 1L);
        cc = curl_easy_perform(x.curl);
        if (!x.status)
            curl_easy_getinfo(x.curl, CURLINFO_RESPONSE_CODE, &x.status);
    }
    if (x.curl)
        curl_easy_cleanup(x.curl);
    free(x.line);
    free(x.data);
    *gone = x.status && x.status != 200 && x.status != 401;
    if (x.status == 401)
        return tool_fail(t, TOOL_EXIT_AUTH, "the gateway refused the credentials");
    if (cc == CURLE_FAILED_INIT)
        return tool_fail(t, TOOL_EXIT_IO, "out of memory");
    if (!x.status && !x.done)
        return tool_fail(t, TOOL_EXIT_UNREACHABLE, "%s: %s", t->gateway, curl_easy_strerror(cc));
    return TOOL_EXIT_OK;
}

static void events__sleep(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int tool_cmd_events(tool *t, int argc, char **argv)
{
    events_opts o;
    events_state st = {0};
    int rc = events__args(t, argc, argv, &o);
    json_t *batch = NULL;
    if (!rc)
        rc = events__fetch(t, &o, 0, &batch);
    bool done = !rc && events__show(t, &o, &st, batch);
    json_decref(batch);
    bool stream = !o.poll;
    while (!rc && o.follow && !done) {
        bool gone = false;
        if (stream) {
            rc = events__stream(t, &o, &st, &gone);
            stream = !gone;
            done = o.max && st.printed >= o.max;
            if (!gone && !done && !rc)
                events__sleep(o.interval_ms); /* the stream dropped: reconnect */
            continue;
        }
        events__sleep(o.interval_ms);
        batch = NULL;
        rc = events__fetch(t, &o, st.last ? st.last : -1, &batch);
        done = !rc && events__show(t, &o, &st, batch);
        json_decref(batch);
    }
    return rc;
}
