/* api_device_tls.c: POST /api/v1/devices/{id}/tls/accept, the admin's
 * word that a camera's new certificate is its own (device_tls.h). */
#include "api_routes.h"
#include "device_tls.h"

#include "actions.h"

void api_device_tls_accept(api_req *rq, api_resp *rs)
{
    int64_t id;
    if (!api_capture_id(rq, 0, &id))
        return api_error(rs, 404, NULL, "no such device");
    char pin[HIK_PIN_MAX] = "";
    hik_err err = gw_device_tls_accept(rq->g, id, pin, sizeof pin);
    if (err == HIK_ERR_NOT_FOUND)
        return api_error(rs, 404, NULL, "no device with id %lld", (long long)id);
    if (err == HIK_ERR_INVALID)
        return api_error(rs, 409, NULL,
                         "device %lld has no changed certificate waiting to be accepted",
                         (long long)id);
    if (err)
        return api_error_store(rs);
    gw_actions_probe_device(rq->g, id);
    api_reply(rs, 200, json_pack("{s:I, s:s}", "id", (json_int_t)id, "tls_pin", pin));
}
