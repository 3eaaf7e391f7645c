/* api_device_tools.c: /api/v1/devices/{id}/test and /snapshot.
 *
 * The handlers only validate and translate: device_tools.c talks to the
 * device. A snapshot is answered with the device's JPEG as it came;
 * api.c adds Cache-Control: no-store to every answer, so a browser never
 * shows an old picture as the current one. */
#include <stdio.h>

#include "api_routes.h"
#include "device_tools.h"

static void tools_api__answer(api_resp *rs, gw_tool_result *res)
{
    if (!res->picture)
        return api_reply(rs, res->status, res->body ? res->body : json_object());
    json_decref(res->body);
    json_decref(rs->json);
    rs->json = NULL;
    rs->status = res->status;
    rs->data = res->picture;
    rs->data_len = res->picture_len;
    snprintf(rs->content_type, sizeof rs->content_type, "image/jpeg");
}

void api_device_test(api_req *rq, api_resp *rs)
{
    int64_t id;
    gw_tool_result res;
    if (!api_capture_id(rq, 0, &id))
        return api_error(rs, 404, NULL, "no such device");
    gw_device_tools_test(rq->g, id, &res);
    tools_api__answer(rs, &res);
}

void api_device_snapshot(api_req *rq, api_resp *rs)
{
    int64_t id, channel = 1;
    gw_tool_result res;
    const char *v = api_query(rq, "channel");
    if (!api_capture_id(rq, 0, &id))
        return api_error(rs, 404, NULL, "no such device");
    if (v && (!api_parse_i64(v, &channel) || channel < 1 || channel > GW_SNAPSHOT_CHANNEL_MAX))
        return api_error(rs, 400, "channel", "channel must be a number from 1 to %d",
                         GW_SNAPSHOT_CHANNEL_MAX);
    gw_device_tools_snapshot(rq->g, id, (int)channel, &res);
    tools_api__answer(rs, &res);
}
