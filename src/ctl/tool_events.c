/* tool_events.c: the gateway's events on the terminal, newest last, and
 * followed as they arrive.
 *
 * Following polls GET /api/v1/events and prints what has an id above the
 * last one printed: the list is keyset-ordered by id, so nothing is shown
 * twice and, as long as fewer than a page arrive between two polls,
 * nothing is missed (a fuller page is paged back with `before`). With
 * --json each event is one JSON line (NDJSON). */
#include "tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EVENTS_PAGE 100
#define EVENTS_MAX_PAGES 10

typedef struct events_opts {
    long device, limit, interval_ms, max;
    const char *kind;
    bool follow;
} events_opts;

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

int tool_cmd_events(tool *t, int argc, char **argv)
{
    events_opts o;
    int rc = events__args(t, argc, argv, &o);
    long long last = 0;
    long printed = 0;
    bool first = true;
    while (!rc) {
        json_t *batch = NULL;
        rc = events__fetch(t, &o, first ? 0 : (last ? last : -1), &batch);
        if (rc)
            break;
        size_t i;
        json_t *e;
        json_array_foreach(batch, i, e)
        {
            long long id = (long long)json_integer_value(json_object_get(e, "id"));
            if (id > last)
                last = id;
            if (!o.max || printed < o.max) {
                events__print(t, e);
                printed++;
            }
        }
        json_decref(batch);
        first = false;
        if (!o.follow || (o.max && printed >= o.max))
            break;
        struct timespec ts = {o.interval_ms / 1000, (o.interval_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    return rc;
}
