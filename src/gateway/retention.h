/* retention.h: bounded picture storage and event retention.
 *
 * --pictures-max-mb caps the total size of stored event pictures: the
 * pictures of the oldest events go first, no more than needed. --retention-days deletes events
 * (with their pictures; their action runs stay, without the event) older
 * than that. A pass runs shortly after start and then every
 * GW_RETENTION_EVERY_MS, in small batches, each its own short transaction,
 * so the writer waits at most for one batch. */
#ifndef GW_RETENTION_H
#define GW_RETENTION_H

#include <stdint.h>

#include "gateway.h"

#define GW_RETENTION_EVERY_MS 60000
#define GW_RETENTION_FIRST_MS 1000
#define GW_RETENTION_BATCH 64 /* events per batch */

typedef struct gw_retention_result {
    uint64_t events_pictures_dropped; /* events whose pictures were deleted */
    uint64_t bytes_freed;
    uint64_t events_deleted;
} gw_retention_result;

/* One pass: prune pictures down to max_bytes (0 = no cap), then delete
 * events received before cutoff_ms (0 = none). At most max_batches batches
 * of each kind. */
hik_err gw_retention_pass(gw_store *st, uint64_t max_bytes, int64_t cutoff_ms, int max_batches,
                          gw_retention_result *out);

/* Start the periodic pruning when a limit is configured. */
hik_err gw_retention_start(gw *g);
void gw_retention_stop(gw *g);

#endif
