/* audit.h: who changed what, and what ran.
 *
 * One row per configuration change made through the API, per login,
 * logout and failed login, and per finished action run (manual or fired by
 * a scenario, with its outcome). A summary of the change is kept, never a
 * secret: values of keys that name one (password, secret, token, key...)
 * are masked before anything is written. */
#ifndef GW_AUDIT_H
#define GW_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "gateway.h"

#define GW_AUDIT_SUMMARY_MAX 1024

typedef struct gw_audit_entry {
    const char *who;    /* user name, "" when unknown, "hikgate" for the daemon itself */
    const char *addr;   /* client address, "" for the daemon */
    const char *what;   /* login, login_failed, logout, change, action_run */
    const char *method; /* HTTP method, "" for the daemon */
    const char *route;  /* route pattern, e.g. /api/v1/devices/{id} */
    int64_t object_id;  /* 0 = none */
    int status;         /* HTTP status, or 0 */
    const char *summary;
} gw_audit_entry;

/* Append one row (takes the store lock). */
hik_err gw_audit_add(gw_store *st, const gw_audit_entry *e);

/* A compact JSON copy of `body` with secret values masked, at most
 * GW_AUDIT_SUMMARY_MAX - 1 bytes (cut with "..."), into out. "" for NULL. */
void gw_audit_summary(json_t *body, char *out, size_t len);

/* True for an object key whose value must never be logged. */
bool gw_audit_secret_key(const char *key);

/* Rows at or after since_ms, newest first, at most limit: a JSON array;
 * NULL on a store failure. */
json_t *gw_audit_list(gw_store *st, int64_t since_ms, int limit);

#endif
