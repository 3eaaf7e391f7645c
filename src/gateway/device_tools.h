/* device_tools.h: the checks an installer runs on one device by hand.
 *
 * A connection test (one GET /ISAPI/System/deviceInfo) and a channel
 * snapshot (JPEG), each one ISAPI exchange with the stored credentials on
 * the caller's thread, bounded by the device timeout. What the device's
 * answer says is recorded on the device row as the identity probe records
 * it. A device marked auth_rejected or locked is never contacted (409):
 * retrying a rejected password is how cameras lock accounts. One check per
 * device at a time (409). */
#ifndef GW_DEVICE_TOOLS_H
#define GW_DEVICE_TOOLS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway.h"

/* Pictures larger than this are refused (the device's answer is cut). */
#define GW_SNAPSHOT_MAX (8u * 1024 * 1024)
#define GW_SNAPSHOT_CHANNEL_MAX 512

/* The outcome for the API: an HTTP status with a JSON body, or (status
 * 200 of a snapshot) the JPEG's bytes. Both owned by the caller. */
typedef struct gw_tool_result {
    int status;
    json_t *body;
    uint8_t *picture; /* malloc'd */
    size_t picture_len;
} gw_tool_result;

/* Ask the device who it is. 200 for every answer that came from contacting
 * it: {"ok": true, "device": {model, serial, mac, firmware, ...}} or
 * {"ok": false, "code": "auth_rejected"|"network"|..., "error": ...};
 * 404 unknown device; 409 not contacted (see above). */
void gw_device_tools_test(gw *g, int64_t device_id, gw_tool_result *res);

/* The current JPEG of channel 1..GW_SNAPSHOT_CHANNEL_MAX: the main stream's
 * /ISAPI/Streaming/channels/<N>01/picture, and for a recorder on 404 the
 * streaming proxy's. Errors: 400, 404, 409, 502 (the device's own error or
 * not a JPEG), 504 (unreachable, timeout). */
void gw_device_tools_snapshot(gw *g, int64_t device_id, int channel, gw_tool_result *res);

#endif
