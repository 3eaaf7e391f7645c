/* api_resource.c: get, create and update, shared by the configuration
 * resources; see api_resource.h. */
#include "api_resource.h"

#include "api_routes.h"
#include "api_validate.h"

/* The stored object, or an answered 404/500 and NULL. */
static json_t *resource__load(const api_resource *r, api_req *rq, api_resp *rs, int64_t *id)
{
    bool found = false;
    if (!api_capture_id(rq, 0, id)) {
        api_error(rs, 404, NULL, "no such %s", r->noun);
        return NULL;
    }
    gw_store_lock(rq->g->store);
    json_t *o = r->load(rq->g->store, *id, &found);
    gw_store_unlock(rq->g->store);
    if (!found)
        api_error(rs, 404, NULL, "no %s with id %lld", r->noun, (long long)*id);
    else if (!o)
        api_error_store(rs);
    return o;
}

void api_resource_get(const api_resource *r, api_req *rq, api_resp *rs)
{
    int64_t id;
    json_t *o = resource__load(r, rq, rs, &id);
    if (o)
        api_reply(rs, 200, o);
}

static void resource__merge(const api_resource *r, json_t *into, json_t *body)
{
    for (const char *const *k = r->fields; *k; k++)
        if (json_object_get(body, *k))
            json_object_set(into, *k, json_object_get(body, *k));
}

void api_resource_create(const api_resource *r, api_req *rq, api_resp *rs)
{
    if (!api_body_keys(rq, rs, r->fields, r->readonly))
        return;
    json_t *merged = json_object();
    resource__merge(r, merged, rq->body);
    r->save(rq, rs, 0, merged);
    json_decref(merged);
}

void api_resource_update(const api_resource *r, api_req *rq, api_resp *rs)
{
    int64_t id;
    if (!api_capture_id(rq, 0, &id))
        return api_error(rs, 404, NULL, "no such %s", r->noun);
    if (!api_body_keys(rq, rs, r->fields, r->readonly))
        return;
    json_t *cur = resource__load(r, rq, rs, &id);
    if (!cur)
        return;
    resource__merge(r, cur, rq->body);
    r->save(rq, rs, id, cur);
    json_decref(cur);
}
