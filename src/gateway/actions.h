/* actions.h: the action outbox workers.
 *
 * Runs live in the action_runs table. The writer inserts them (status
 * queued) in the same transaction as the event that fired them; workers
 * claim them, call the device (one cached hik_isapi handle per device, one
 * request at a time per device), and record the outcome on the run. A run
 * that failed for a transient reason (network, timeout, device busy) is
 * retried with backoff a bounded number of times; a rejected password stops
 * every call to that device until its credentials change. */
#ifndef GW_ACTIONS_H
#define GW_ACTIONS_H

#include <stdint.h>

#include "gateway.h"

/* Action names the "hik" action type accepts. */
#define GW_ACTION_PRIVACY_MASK_ENABLE "privacy_mask.enable"
#define GW_ACTION_PRIVACY_MASK_DISABLE "privacy_mask.disable"

/* True when `name` is an action hikgate can run. */
bool gw_action_name_valid(const char *name);

hik_err gw_actions_start(gw *g);
void gw_actions_stop(gw *g);

/* New queued runs were committed: wake the workers. */
void gw_actions_wake(gw *g);

/* "Run now": queue one run per device of the action (no event, no
 * scenario), commit, wake the workers. *first_run_id gets the first run's
 * id. HIK_ERR_NOT_FOUND when the action does not exist. */
hik_err gw_actions_run_now(gw *g, int64_t action_id, int64_t *first_run_id);

/* Queue an identity probe (deviceInfo) of the device; its model, serial,
 * MAC, firmware and status are updated when it answers. */
void gw_actions_probe_device(gw *g, int64_t device_id);

#endif
