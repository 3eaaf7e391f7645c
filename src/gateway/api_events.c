/* api_events.c: /api/v1/events, the event log: filtered pages, one event
 * with its alert document and the action runs it caused, and its pictures.
 *
 * Pictures are served with the content type the camera declared only when
 * it is an image type; anything else goes out as application/octet-stream
 * so that a hostile device cannot make the browser render HTML from the
 * gateway's origin. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_routes.h"
#include "hik/event.h"
#include "store_events_query.h"

/* Read an int64 query argument; false after answering 400. */
static bool events__arg(api_req *rq, api_resp *rs, const char *key, int64_t min, bool *present,
                        int64_t *out)
{
    const char *s = api_query(rq, key);
    *present = s != NULL;
    if (!s)
        return true;
    if (!api_parse_i64(s, out) || *out < min) {
        api_error(rs, 400, key, "%s must be an integer of at least %lld", key, (long long)min);
        return false;
    }
    return true;
}

void api_events_list(api_req *rq, api_resp *rs)
{
    gw_events_filter f = {.limit = GW_EVENTS_LIMIT_DEFAULT};
    bool has_limit;
    int64_t limit = 0;
    if (!events__arg(rq, rs, "device", 1, &f.has_device, &f.device) ||
        !events__arg(rq, rs, "since", 0, &f.has_since, &f.since) ||
        !events__arg(rq, rs, "until", 0, &f.has_until, &f.until) ||
        !events__arg(rq, rs, "before", 1, &f.has_before, &f.before) ||
        !events__arg(rq, rs, "limit", 1, &has_limit, &limit))
        return;
    if (has_limit) {
        if (limit > GW_EVENTS_LIMIT_MAX)
            return api_error(rs, 400, "limit", "limit must be from 1 to %d", GW_EVENTS_LIMIT_MAX);
        f.limit = (int)limit;
    }
    f.kind = api_query(rq, "kind");
    if (f.kind && hik_event_kind_from_name(f.kind) == HIK_EV__COUNT)
        return api_error(rs, 400, "kind", "kind \"%.64s\" is not a known event kind", f.kind);
    json_t *page = gw_store_events_list(rq->g->store, &f);
    if (!page)
        return api_error_store(rs);
    api_reply(rs, 200, page);
}

void api_events_get(api_req *rq, api_resp *rs)
{
    int64_t id;
    bool found;
    if (!api_capture_id(rq, 0, &id))
        return api_error(rs, 404, NULL, "no such event");
    json_t *o = gw_store_event_get(rq->g->store, id, &found);
    if (!found)
        return api_error(rs, 404, NULL, "no event with id %lld", (long long)id);
    if (!o)
        return api_error_store(rs);
    api_reply(rs, 200, o);
}

/* "image/jpeg" and the like; parameters and anything odd are refused. */
static bool events__image_type(const char *ct)
{
    if (strncmp(ct, "image/", 6) != 0 || !ct[6] || strcmp(ct, "image/svg+xml") == 0)
        return false;
    for (const char *p = ct + 6; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("+-.", *p))
            return false;
    return true;
}

void api_events_picture(api_req *rq, api_resp *rs)
{
    int64_t id, n;
    if (!api_capture_id(rq, 0, &id) || !api_parse_i64(rq->captures[1], &n) || n < 0)
        return api_error(rs, 404, NULL, "no such picture");
    char ct[128];
    uint8_t *data;
    size_t len;
    hik_err res = gw_store_event_picture(rq->g->store, id, n, &data, &len, ct, sizeof ct);
    if (res == HIK_ERR_NOT_FOUND)
        return api_error(rs, 404, NULL, "event %lld has no picture %lld", (long long)id,
                         (long long)n);
    if (res)
        return api_error_store(rs);
    json_decref(rs->json);
    rs->json = NULL;
    rs->status = 200;
    rs->data = data;
    rs->data_len = len;
    snprintf(rs->content_type, sizeof rs->content_type, "%s",
             events__image_type(ct) ? ct : "application/octet-stream");
}
