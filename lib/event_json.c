/* event_json.c: the canonical event as the API's JSON object.
 *
 * Only what the device stated appears: empty strings, zero channels and
 * absent blocks are left out, so a client can tell "not sent" from "sent
 * as zero" wherever the struct allows it. Names follow the API (snake_case,
 * product vocabulary), not the device's XML. */
#include "hik/event_json.h"

static void put_str(json_t *o, const char *key, const char *s)
{
    if (s && *s)
        json_object_set_new(o, key, json_string(s));
}

static void put_int(json_t *o, const char *key, long long v)
{
    if (v)
        json_object_set_new(o, key, json_integer(v));
}

static json_t *regions_json(const hik_event *ev)
{
    json_t *arr = json_array();
    for (int i = 0; i < ev->n_regions; i++) {
        const hik_region *r = &ev->regions[i];
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(r->id));
        if (r->target != HIK_TARGET_ANY)
            put_str(o, "target", hik_target_name(r->target));
        if (r->sensitivity >= 0)
            json_object_set_new(o, "sensitivity", json_integer(r->sensitivity));
        if (r->has_rect)
            json_object_set_new(o, "rect",
                                json_pack("{s:f,s:f,s:f,s:f}", "x", (double)r->rect_x, "y",
                                          (double)r->rect_y, "width", (double)r->rect_w, "height",
                                          (double)r->rect_h));
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *anpr_json(const hik_event *ev)
{
    json_t *o = json_object();
    put_str(o, "plate", ev->plate);
    if (ev->list != HIK_LIST_NONE)
        put_str(o, "list", hik_plate_list_name(ev->list));
    put_str(o, "list_raw", ev->list_raw);
    if (ev->direction_raw[0])
        put_str(o, "direction", hik_direction_name(ev->direction));
    put_str(o, "direction_raw", ev->direction_raw);
    if (ev->confidence >= 0)
        json_object_set_new(o, "confidence", json_integer(ev->confidence));
    put_str(o, "vehicle_type", ev->vehicle_type);
    return o;
}

static json_t *face_json(const hik_event *ev)
{
    json_t *arr = json_array();
    for (int i = 0; i < ev->n_candidates; i++) {
        const hik_face_candidate *c = &ev->candidates[i];
        json_t *o = json_object();
        put_str(o, "name", c->name);
        json_object_set_new(o, "similarity", json_real(c->similarity));
        put_str(o, "list_type", c->list_type);
        put_str(o, "library", c->library);
        put_str(o, "person_id", c->person_id);
        json_array_append_new(arr, o);
    }
    return json_pack("{s:o}", "candidates", arr);
}

static void put_identity(json_t *o, const hik_event *ev)
{
    put_str(o, "ip_address", ev->ip_address);
    put_str(o, "ipv6_address", ev->ipv6_address);
    put_int(o, "port", ev->port);
    put_str(o, "protocol", ev->protocol);
    put_str(o, "mac", ev->mac);
    put_str(o, "serial", ev->serial);
    put_str(o, "channel_name", ev->channel_name);
    put_int(o, "channel", ev->channel);
    put_int(o, "dyn_channel", ev->dyn_channel);
}

json_t *hik_event_to_json(const hik_event *ev)
{
    if (!ev)
        return NULL;
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "kind", json_string(hik_event_kind_name(ev->kind)));
    put_str(o, "type", ev->type_raw);
    json_object_set_new(o, "state", json_string(hik_event_state_name(ev->state)));
    json_object_set_new(o, "format", json_string(ev->format == HIK_FMT_JSON ? "json" : "xml"));
    put_str(o, "description", ev->description);
    put_str(o, "date_time", ev->date_time);
    put_int(o, "time_ms", ev->time_ms);
    put_identity(o, ev);
    json_object_set_new(o, "active_post_count", json_integer(ev->active_post_count));
    json_object_set_new(o, "heartbeat", json_boolean(ev->heartbeat));
    if (ev->retransmission)
        json_object_set_new(o, "retransmission", json_true());
    if (ev->truncated)
        json_object_set_new(o, "truncated", json_true());
    if (ev->target != HIK_TARGET_ANY)
        put_str(o, "target", hik_target_name(ev->target));
    if (ev->n_regions)
        json_object_set_new(o, "regions", regions_json(ev));
    if (ev->plate[0] || ev->list_raw[0] || ev->direction_raw[0] || ev->kind == HIK_EV_ANPR)
        json_object_set_new(o, "anpr", anpr_json(ev));
    put_str(o, "uuid", ev->uuid);
    if (ev->n_candidates)
        json_object_set_new(o, "face", face_json(ev));
    put_int(o, "io_port", ev->io_port);
    put_str(o, "relation_event", ev->relation_event);
    return o;
}
