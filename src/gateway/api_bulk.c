/* api_bulk.c: /api/v1/bulk, one change on many devices (bulk.c), and
 * /api/v1/bulk/{id}, the job with a result per device.
 *
 * Bulk jobs have their own ids and URL: each device's part may itself be
 * a device job (GET /api/v1/jobs/{id}), named in that device's result. */
#include "api_routes.h"
#include "bulk.h"

void api_bulk_create(api_req *rq, api_resp *rs)
{
    json_t *body = NULL;
    int status = gw_bulk_submit(rq->g, rq->body, &body);
    if (status == 202)
        api_header_add(rs, "Location", "%s",
                       json_string_value(json_object_get(body, "status_url")));
    api_reply(rs, status, body);
}

void api_bulk_get(api_req *rq, api_resp *rs)
{
    int64_t id;
    json_t *o = api_capture_id(rq, 0, &id) ? gw_bulk_job_json(id) : NULL;
    if (!o)
        return api_error(rs, 404, NULL, "no such bulk job");
    api_reply(rs, 200, o);
}
