/* api_state.c: GET /api/v1/state, what is going on right now.
 *
 * Reads the live event state the writer keeps (event_state.h): "is there
 * an intrusion in region 2 of the gate camera right now" is
 * /api/v1/state?device=2&kind=intrusion&region=2&active=true. */
#include <stdlib.h>
#include <string.h>

#include "api_routes.h"
#include "event_state.h"
#include "writer.h"

static bool state_api__int(api_req *rq, api_resp *rs, const char *key, int64_t lo, int64_t *out)
{
    const char *v = api_query(rq, key);
    if (!v)
        return true;
    if (!api_parse_i64(v, out) || *out < lo || *out > 65535 * 65536LL) {
        api_error(rs, 400, key, "%s must be a whole number of at least %lld", key, (long long)lo);
        return false;
    }
    return true;
}

void api_state_get(api_req *rq, api_resp *rs)
{
    gw_state_filter f = {.kind = HIK_EV__COUNT, .region = -1};
    int64_t device = 0, region = -1, channel = 0;
    const char *kind = api_query(rq, "kind"), *active = api_query(rq, "active");
    if (!state_api__int(rq, rs, "device", 1, &device) ||
        !state_api__int(rq, rs, "region", 0, &region) ||
        !state_api__int(rq, rs, "channel", 1, &channel))
        return;
    if (kind && (f.kind = hik_event_kind_from_name(kind)) == HIK_EV__COUNT)
        return api_error(rs, 400, "kind", "kind \"%s\" is not a known event kind", kind);
    if (active && strcmp(active, "true") && strcmp(active, "false"))
        return api_error(rs, 400, "active", "active must be true or false");
    f.device_id = device;
    f.region = (int)region;
    f.channel = (int)channel;
    f.active_only = active && !strcmp(active, "true");
    struct gw_event_state *st = gw_writer_event_state(rq->g);
    if (!st)
        return api_error(rs, 503, NULL, "the event state is not available yet");
    int64_t now = gw_now_ms();
    json_t *keys = gw_event_state_json(st, &f, now);
    if (!keys)
        return api_error(rs, 500, NULL, "out of memory");
    size_t n_active = 0, i;
    json_t *k;
    json_array_foreach(keys, i, k) n_active += json_is_true(json_object_get(k, "active"));
    api_reply(rs, 200,
              json_pack("{s:I,s:b,s:I,s:o}", "now_ms", (json_int_t)now, "active", n_active > 0,
                        "n_active", (json_int_t)n_active, "keys", keys));
}
