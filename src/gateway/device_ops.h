/* device_ops.h: management operations on one device (password, IP
 * address, reboot, firmware, configuration backups, activation).
 *
 * Short operations (password, network) run in the caller's thread and
 * answer at once. Long ones (reboot, firmware, backup, restore) become a
 * job: a worker thread runs it while GET /api/v1/jobs/{id} shows its phase,
 * progress and outcome. One operation per device at a time, and each
 * builds its own ISAPI handle from the stored credentials. A 401 stops the
 * operation, marks the device auth_rejected (as the action workers do) and
 * is never retried: retrying is how devices lock accounts. */
#ifndef GW_DEVICE_OPS_H
#define GW_DEVICE_OPS_H

#include <jansson.h>
#include <stdint.h>

#include "gateway.h"

/* Firmware uploads larger than this are refused (413). */
#define GW_FIRMWARE_MAX_UPLOAD (512ull * 1024 * 1024)

typedef enum gw_op_kind {
    GW_OP_REBOOT = 0,
    GW_OP_FIRMWARE,
    GW_OP_BACKUP,
    GW_OP_RESTORE,
} gw_op_kind;

/* The outcome of a short operation, or why a job could not start:
 * http status and a JSON body ({"error", "device_error"...} or a result). */
typedef struct gw_op_result {
    int status;
    json_t *body; /* owned by the caller */
} gw_op_result;

hik_err gw_device_ops_start(gw *g);
/* Waits (bounded) for running jobs; safe when never started. */
void gw_device_ops_stop(gw *g);

/* Start a job. file: the uploaded firmware (taken over: deleted when the
 * job ends). n: the backup id to restore, or for a reboot the bound in
 * seconds on the whole restart (0 = 4 minutes). On 202 res->body is the
 * job. */
void gw_device_ops_job(gw *g, int64_t device_id, gw_op_kind kind, const char *file, int64_t n,
                       gw_op_result *res);
/* A job as JSON, NULL when unknown. */
json_t *gw_device_ops_job_json(gw *g, int64_t job_id);
/* The device's latest job of this kind, NULL when none. */
json_t *gw_device_ops_latest_json(gw *g, int64_t device_id, gw_op_kind kind);

void gw_device_ops_password(gw *g, int64_t device_id, const char *new_password, gw_op_result *res);
void gw_device_ops_network_get(gw *g, int64_t device_id, gw_op_result *res);
void gw_device_ops_network_set(gw *g, int64_t device_id, json_t *settings, gw_op_result *res);
void gw_device_ops_activate(gw *g, const char *address, int port, const char *password,
                            gw_op_result *res);
/* The device's backups from the store, newest first. */
void gw_device_ops_backups(gw *g, int64_t device_id, gw_op_result *res);

/* Uploads that go to a file rather than memory: where, and the cap. */
bool gw_device_ops_is_upload(const char *method, const char *url);
/* Create a temp file under <data-dir>/tmp; fd and path (path_len >= 64). */
hik_err gw_device_ops_upload_open(gw *g, int *fd, char *path, size_t path_len);

#endif
