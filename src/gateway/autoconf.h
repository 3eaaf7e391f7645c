/* autoconf.h: make a camera push its events to this gateway.
 *
 * Configuring a device in push mode means two things on the camera: an HTTP
 * host slot that names hikgate's ingest listener, and the `center` method
 * on the trigger of every event kind a hikgate trigger watches on it.
 * gw_autoconf_configure does both on a worker thread and answers with the
 * list of what it changed (or, in a dry run, would change). It never takes
 * a slot that holds another address: with no free slot it answers 409 and
 * names each slot's holder. The slot's previous document is kept in the
 * device row, and gw_autoconf_release puts it back when the device is
 * removed. A 401 from the camera stops the operation and marks the device
 * auth_rejected, as every other device call does; it is never retried. */
#ifndef GW_AUTOCONF_H
#define GW_AUTOCONF_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "gateway.h"

/* How long an API request waits for the worker before answering 202. */
#define GW_AUTOCONF_WAIT_MS 20000

typedef struct gw_autoconf_result {
    int status;   /* HTTP status for the API: 200, 202, 404, 409, 502, 504 */
    json_t *body; /* owned by the caller */
} gw_autoconf_result;

/* Configure (dry_run: only report) device_id; waits up to
 * GW_AUTOCONF_WAIT_MS for the worker, then answers 202 and the outcome
 * is read later with gw_autoconf_last. One run per device at a time (409). */
void gw_autoconf_configure(gw *g, int64_t device_id, bool dry_run, gw_autoconf_result *res);

/* The outcome of the device's latest run ({"state": "running"} while it
 * runs), or 404 when there was none since the daemon started. */
void gw_autoconf_last(gw *g, int64_t device_id, gw_autoconf_result *res);

/* Put back the slot document saved when the device was configured (best
 * effort: failures are logged). Returns HIK_OK when there was nothing to
 * restore or it was restored. Runs in the caller's thread, bounded by the
 * device timeout. */
hik_err gw_autoconf_release(gw *g, int64_t device_id);

/* The address cameras are told to push to: --advertise-addr, else the
 * ingest address when it is a specific one, else the local address the
 * kernel would use to reach `device_address`. */
hik_err gw_autoconf_advertise_addr(const gw_config *cfg, const char *device_address, char *out,
                                   size_t out_len);

/* Wait (bounded) for running workers at shutdown; after it no worker
 * touches the store. */
void gw_autoconf_stop(gw *g);

#endif
