/* discovery.h: SADP scans and requests on behalf of the API.
 *
 * A scan blocks its caller for its whole timeout (bounded by
 * GW_DISCOVERY_MAX_TIMEOUT_MS) and runs on an API request thread, never on
 * the ingest path. The devices of the last scan are kept for
 * GW_DISCOVERY_CACHE_MS so that declaring one right after a scan needs no
 * second scan. Where probes go comes from the configuration
 * (--sadp-interface, --sadp-target, --sadp-port). */
#ifndef GW_DISCOVERY_H
#define GW_DISCOVERY_H

#include <jansson.h>
#include <stdint.h>

#include "gateway.h"
#include "hik/sadp.h"

#define GW_DISCOVERY_DEFAULT_TIMEOUT_MS 2000
#define GW_DISCOVERY_MAX_TIMEOUT_MS 10000
#define GW_DISCOVERY_CACHE_MS 60000

/* Scan for timeout_ms and remember the result. Free out with
 * hik_sadp_scan_free. */
hik_err gw_discovery_scan(gw *g, int timeout_ms, hik_sadp_scan *out);

/* The device with this MAC (any spelling) from the last scan if it is
 * younger than GW_DISCOVERY_CACHE_MS, else from a fresh scan of the
 * default length. HIK_ERR_NOT_FOUND when no device answered with it,
 * HIK_ERR_INVALID when mac is not a MAC. */
hik_err gw_discovery_lookup(gw *g, const char *mac, hik_sadp_device *out);

/* Id of the declared device with the device's MAC or IPv4 address; 0 when
 * none, -1 on a database error. */
int64_t gw_discovery_declared(gw *g, const hik_sadp_device *d);

/* The device as the API shows it; declared is a device id or 0 (null). */
json_t *gw_discovery_device_json(const hik_sadp_device *d, int64_t declared);

/* Send one SADP request (update, reboot, ...) and wait up to timeout_ms for
 * the device's answer (see hik_sadp_request_send). A successful update
 * drops the cached scan, which no longer describes the device. */
hik_err gw_discovery_request(gw *g, const hik_sadp_request *rq, int timeout_ms,
                             hik_sadp_device *answer);

/* Forget the cached scan (and free it). */
void gw_discovery_forget(void);

#endif
