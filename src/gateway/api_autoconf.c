/* api_autoconf.c: /api/v1/devices/{id}/configure, which makes a camera
 * push its events to hikgate (autoconf.c does the work).
 *
 * POST runs it (?dry_run=true: report the same changes, write nothing);
 * GET reads the outcome of the latest run, which is where a run that
 * outlasted the request's bounded wait (202) ends up. */
#include <string.h>

#include "api_routes.h"
#include "autoconf.h"

static bool autoconf_api__flag(const char *v, bool *out, api_resp *rs)
{
    if (!v || !strcmp(v, "false") || !strcmp(v, "0")) {
        *out = false;
        return true;
    }
    if (!strcmp(v, "true") || !strcmp(v, "1") || !v[0]) {
        *out = true;
        return true;
    }
    api_error(rs, 400, "dry_run", "dry_run must be true or false");
    return false;
}

static void autoconf_api__answer(api_resp *rs, gw_autoconf_result *res)
{
    if (res->status == 202)
        api_header_add(rs, "Location", "%s",
                       json_string_value(json_object_get(res->body, "status_url")));
    api_reply(rs, res->status, res->body ? res->body : json_object());
}

void api_device_configure(api_req *rq, api_resp *rs)
{
    int64_t id;
    bool dry_run = false;
    gw_autoconf_result res;
    if (!api_capture_id(rq, 0, &id))
        return api_error(rs, 404, NULL, "no such device");
    if (!autoconf_api__flag(api_query(rq, "dry_run"), &dry_run, rs))
        return;
    gw_autoconf_configure(rq->g, id, dry_run, &res);
    autoconf_api__answer(rs, &res);
}

void api_device_configure_get(api_req *rq, api_resp *rs)
{
    int64_t id;
    gw_autoconf_result res;
    if (!api_capture_id(rq, 0, &id))
        return api_error(rs, 404, NULL, "no such device");
    gw_autoconf_last(rq->g, id, &res);
    autoconf_api__answer(rs, &res);
}
