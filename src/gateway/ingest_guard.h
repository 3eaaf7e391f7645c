/* ingest_guard.h: who may post events, and what is kept of those who may not.
 *
 * By default only declared devices are heard: a post hikgate cannot
 * attribute (by MAC, serial or address) is refused with 403, and one that
 * fails the optional HTTP authentication with 401. Both are recorded as
 * `unauthorized_source` events (no device, source address, body size,
 * content type, what the body claimed and its first GW_GUARD_SAMPLE bytes),
 * at most one per source per GW_GUARD_INTERVAL_MS: later ones are counted
 * and the count goes into the next one stored, so a flood costs a few rows. */
#ifndef GW_INGEST_GUARD_H
#define GW_INGEST_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway.h"
#include "hik/event.h"

#define GW_GUARD_SAMPLE 1024
#define GW_GUARD_INTERVAL_MS 10000
#define GW_GUARD_SOURCES 256     /* sources remembered for rate limiting */
#define GW_GUARD_GLOBAL_PER_S 20 /* stored per second, all sources together */

typedef struct gw_guard gw_guard;

typedef enum gw_guard_reason {
    GW_GUARD_UNDECLARED = 0, /* no declared device matches */
    GW_GUARD_BAD_CREDENTIALS,
} gw_guard_reason;

hik_err gw_guard_new(gw_guard **out);
void gw_guard_free(gw_guard *gd);

/* Rate limit: true when a refusal from `source` at now_ms should be stored;
 * *suppressed is then the number of refusals not stored since the last
 * one. False counts this one as suppressed. */
bool gw_guard_admit(gw_guard *gd, const char *source, int64_t now_ms, uint64_t *suppressed);

/* Check an Authorization header value against the configured credentials.
 * `method` and the digest nonce rules apply to digest only. */
typedef enum gw_guard_auth {
    GW_AUTH_OK = 0,
    GW_AUTH_MISSING, /* no (usable) credentials: challenge, do not record */
    GW_AUTH_WRONG,   /* credentials given and wrong: challenge and record */
} gw_guard_auth;
gw_guard_auth gw_guard_check(gw_guard *gd, const gw_config *cfg, const char *method,
                             const char *authorization, int64_t now_ms);

/* WWW-Authenticate value for a 401 (a fresh digest nonce, or Basic). */
void gw_guard_challenge(gw_guard *gd, const gw_config *cfg, int64_t now_ms, char *out, size_t len);

/* Record a refused post through the writer (subject to gw_guard_admit).
 * `parsed` is the event the body parsed into, or NULL. Never blocks. */
void gw_guard_record(gw *g, gw_guard *gd, gw_guard_reason why, const char *source,
                     const char *content_type, const uint8_t *body, size_t len,
                     const hik_event *parsed);

/* Counters for health. */
typedef struct gw_guard_stats {
    uint64_t refused;  /* posts refused (401 with wrong credentials, 403) */
    uint64_t recorded; /* unauthorized_source events stored */
} gw_guard_stats;
void gw_guard_get_stats(gw_guard *gd, gw_guard_stats *out);

/* The fields JSON of an unauthorized_source event (malloc'd text). */
char *gw_guard_fields(gw_guard_reason why, const char *source, const char *content_type, size_t len,
                      const hik_event *parsed, uint64_t suppressed);

#endif
