/* bulk.h: one management change applied to many devices as one job.
 *
 * POST /api/v1/bulk starts a job that runs the operation on each listed
 * device, at most GW_BULK_CONCURRENCY devices at a time, and records a
 * result per device; GET /api/v1/bulk/{id} shows it. Reboot, password and
 * firmware go through device_ops (the same per-device lock, the same
 * refusal to log in with credentials already rejected, the same job per
 * device); time talks to the device itself. A 401 from any device marks
 * that device auth_rejected and never touches it again in this job. */
#ifndef GW_BULK_H
#define GW_BULK_H

#include <jansson.h>
#include <stdint.h>

#include "gateway.h"

#define GW_BULK_CONCURRENCY 4
#define GW_BULK_MAX_DEVICES 256
#define GW_BULK_JOBS 32

/* Validate {"operation", "devices", "params"} and start the job. Returns
 * the HTTP status (202 with the job in *body, else 400/404/409/500 with
 * an error object). */
int gw_bulk_submit(gw *g, json_t *request, json_t **body);
/* A job as JSON; NULL when unknown (or evicted: the newest GW_BULK_JOBS
 * are kept). */
json_t *gw_bulk_job_json(int64_t id);
/* Stop taking jobs and wait (bounded) for the running ones; devices not
 * yet started are marked "not started: the gateway is stopping". */
void gw_bulk_stop(gw *g);

#endif
