/* api_device_ops.c: /api/v1/devices/{id}/reboot, password, network,
 * firmware and backups, /api/v1/devices/activate and /api/v1/jobs/{id}.
 *
 * The handlers only validate and translate: device_ops.c does the work.
 * Long operations answer 202 with the job and a Location header naming
 * its status URL, so no request thread waits for a camera to reboot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_routes.h"
#include "device_ops.h"

static void ops_api__answer(api_resp *rs, gw_op_result *res)
{
    if (res->status == 202 && res->body) {
        json_t *url = json_object_get(res->body, "status_url");
        if (json_is_string(url))
            api_header_add(rs, "Location", "%s", json_string_value(url));
    }
    api_reply(rs, res->status, res->body ? res->body : json_object());
}

static bool ops_api__device(api_req *rq, api_resp *rs, int64_t *id)
{
    if (api_capture_id(rq, 0, id))
        return true;
    api_error(rs, 404, NULL, "no such device");
    return false;
}

static void ops_api__job(api_req *rq, api_resp *rs, gw_op_kind kind)
{
    int64_t id;
    gw_op_result res = {0};
    if (!ops_api__device(rq, rs, &id))
        return;
    gw_device_ops_job(rq->g, id, kind, NULL, 0, &res);
    ops_api__answer(rs, &res);
}

void api_device_reboot(api_req *rq, api_resp *rs)
{
    static const char *const allowed[] = {"wait_seconds", NULL};
    int64_t id;
    gw_op_result res = {0};
    json_t *wait = rq->body ? json_object_get(rq->body, "wait_seconds") : NULL;
    if (!ops_api__device(rq, rs, &id) || (rq->body && !api_body_keys(rq, rs, allowed, NULL)))
        return;
    if (wait &&
        (!json_is_integer(wait) || json_integer_value(wait) < 2 || json_integer_value(wait) > 3600))
        return api_error(rs, 400, "wait_seconds", "wait_seconds must be 2-3600");
    gw_device_ops_job(rq->g, id, GW_OP_REBOOT, NULL, wait ? json_integer_value(wait) : 0, &res);
    ops_api__answer(rs, &res);
}

void api_device_backup_create(api_req *rq, api_resp *rs)
{
    ops_api__job(rq, rs, GW_OP_BACKUP);
}

void api_device_backups_list(api_req *rq, api_resp *rs)
{
    int64_t id;
    gw_op_result res = {0};
    if (!ops_api__device(rq, rs, &id))
        return;
    gw_device_ops_backups(rq->g, id, &res);
    ops_api__answer(rs, &res);
}

void api_device_backup_restore(api_req *rq, api_resp *rs)
{
    int64_t id, n;
    gw_op_result res = {0};
    if (!ops_api__device(rq, rs, &id))
        return;
    if (!api_capture_id(rq, 1, &n))
        return api_error(rs, 404, NULL, "no such backup");
    gw_device_ops_job(rq->g, id, GW_OP_RESTORE, NULL, n, &res);
    ops_api__answer(rs, &res);
}

void api_device_password(api_req *rq, api_resp *rs)
{
    static const char *const allowed[] = {"new_password", NULL};
    int64_t id;
    gw_op_result res = {0};
    if (!ops_api__device(rq, rs, &id) || !api_body_keys(rq, rs, allowed, NULL))
        return;
    json_t *pw = json_object_get(rq->body, "new_password");
    if (!json_is_string(pw))
        return api_error(rs, 400, "new_password", "new_password (a string) is required");
    gw_device_ops_password(rq->g, id, json_string_value(pw), &res);
    ops_api__answer(rs, &res);
}

void api_device_network_get(api_req *rq, api_resp *rs)
{
    int64_t id;
    gw_op_result res = {0};
    if (!ops_api__device(rq, rs, &id))
        return;
    gw_device_ops_network_get(rq->g, id, &res);
    ops_api__answer(rs, &res);
}

void api_device_network_set(api_req *rq, api_resp *rs)
{
    static const char *const allowed[] = {"dhcp", "address", "mask", "gateway",
                                          "dns1", "dns2",    NULL};
    static const char *const ignored[] = {"device_address_updated", NULL};
    int64_t id;
    gw_op_result res = {0};
    if (!ops_api__device(rq, rs, &id) || !api_body_keys(rq, rs, allowed, ignored))
        return;
    gw_device_ops_network_set(rq->g, id, rq->body, &res);
    ops_api__answer(rs, &res);
}

void api_device_firmware_upload(api_req *rq, api_resp *rs)
{
    int64_t id;
    gw_op_result res = {0};
    if (!ops_api__device(rq, rs, &id))
        return;
    if (!rq->upload_path || rq->upload_len == 0)
        return api_error(rs, 400, NULL,
                         "send the firmware image (digicap.dav) as the request body");
    /* The job owns the file from here; api.c deletes only what is left. */
    char job_file[1300];
    snprintf(job_file, sizeof job_file, "%s.fw", rq->upload_path);
    if (rename(rq->upload_path, job_file) != 0)
        return api_error(rs, 500, NULL, "the uploaded file could not be kept");
    gw_device_ops_job(rq->g, id, GW_OP_FIRMWARE, job_file, 0, &res);
    ops_api__answer(rs, &res);
}

void api_device_firmware_get(api_req *rq, api_resp *rs)
{
    int64_t id;
    if (!ops_api__device(rq, rs, &id))
        return;
    json_t *job = gw_device_ops_latest_json(rq->g, id, GW_OP_FIRMWARE);
    if (!job)
        return api_error(rs, 404, NULL,
                         "no firmware upgrade of this device since hikgated started");
    api_reply(rs, 200, job);
}

void api_devices_activate(api_req *rq, api_resp *rs)
{
    static const char *const allowed[] = {"address", "port", "password", NULL};
    gw_op_result res = {0};
    if (!api_body_keys(rq, rs, allowed, NULL))
        return;
    json_t *addr = json_object_get(rq->body, "address");
    json_t *port = json_object_get(rq->body, "port");
    json_t *pw = json_object_get(rq->body, "password");
    if (!json_is_string(addr) || !json_string_length(addr) || json_string_length(addr) > 255)
        return api_error(rs, 400, "address", "address (a host name or IP address) is required");
    if (port && (!json_is_integer(port) || json_integer_value(port) < 1 ||
                 json_integer_value(port) > 65535))
        return api_error(rs, 400, "port", "port must be 1-65535");
    if (!json_is_string(pw))
        return api_error(rs, 400, "password", "password (a string) is required");
    gw_device_ops_activate(rq->g, json_string_value(addr),
                           port ? (int)json_integer_value(port) : 80, json_string_value(pw), &res);
    ops_api__answer(rs, &res);
}

void api_jobs_get(api_req *rq, api_resp *rs)
{
    int64_t id;
    json_t *job = api_capture_id(rq, 0, &id) ? gw_device_ops_job_json(rq->g, id) : NULL;
    if (!job)
        return api_error(rs, 404, NULL, "no such job (jobs are kept in memory, newest first)");
    api_reply(rs, 200, job);
}
