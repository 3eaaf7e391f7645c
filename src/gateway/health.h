/* health.h: periodic deviceInfo probes of every device, on the alertStream
 * loop (alert_sub.c), and what that loop and the probes share.
 *
 * A probe runs every --health-interval seconds (jittered by up to a
 * quarter, so a thousand devices do not probe in step). After
 * --health-failures consecutive failures the device is offline and a
 * device_offline event is stored through the writer (triggers can fire on
 * it); the first answer after that stores device_online. A successful
 * probe refreshes the identity (model, serial, MAC, firmware, type). No
 * probe is sent to a device whose password was rejected or that reports a
 * lockout, nor while its alertStream is logging in: a wrong password then
 * costs the device one failed login, not two. */
#ifndef GW_HEALTH_H
#define GW_HEALTH_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

#include "gateway.h"

/* One devices row as the loop needs it. */
typedef struct gw_dev_conf {
    int64_t id;
    char address[256];
    int port;
    char scheme[8];
    char username[64];
    char *password; /* plain text, wiped by gw_secrets_free */
    char delivery[8];
    int64_t updated_ms;
    char status[24];
    int64_t lock_until_ms;
    char device_type[32];
} gw_dev_conf;

typedef enum gw_health_state {
    GW_HEALTH_UNKNOWN = 0,
    GW_HEALTH_ONLINE,
    GW_HEALTH_OFFLINE,
} gw_health_state;

#define GW_HEALTH_BODY_MAX (64 * 1024)

typedef struct gw_health {
    int64_t next_ms;
    int failures; /* consecutive */
    gw_health_state state;
    CURL *easy; /* the probe in flight, NULL when none */
    char *body; /* its reply, capped at GW_HEALTH_BODY_MAX */
    size_t len;
    bool too_big;
    char device_type[32]; /* as the last successful probe stated it */
} gw_health;

/* Outcome of a request, as both the stream and the probe read it. */
typedef enum gw_dev_outcome {
    GW_DEV_OK = 0,
    GW_DEV_AUTH,   /* credentials rejected */
    GW_DEV_LOCKED, /* the device reports this client locked out */
    GW_DEV_FAILED, /* anything else: network, timeout, HTTP error */
} gw_dev_outcome;

/* alert_sub.c: an easy handle for path on the device (digest or basic,
 * connect timeout from --device-timeout; timeout_ms 0 = no overall
 * timeout), with `priv` as CURLINFO_PRIVATE. NULL on failure. */
CURL *gw_dev_easy(gw *g, const gw_dev_conf *c, const char *path, long timeout_ms, void *priv);

/* Seconds of lockout a 401/403 body reports (userCheck lockStatus "lock"
 * with unlockTime, or a ResponseStatus naming a lock); 0 when it reports
 * none, -1 when locked for an unstated time. */
long gw_dev_lock_seconds(const char *body, size_t len);

/* Record the device's status (online, auth_rejected, locked, ...), with
 * lock_until_ms when locked (0 otherwise). */
void gw_dev_set_status(gw *g, int64_t id, const char *status, const char *error,
                       int64_t lock_until_ms);
/* The same for a verdict on the credentials (auth_rejected, locked): written
 * only while the device row is still the version (updated_ms) whose
 * credentials were used, so a call made with a password that has since
 * been replaced cannot mark the new one as rejected. */
void gw_dev_set_cred_status(gw *g, int64_t id, int64_t cred_version, const char *status,
                            const char *error, int64_t lock_until_ms);

/* health.c, all on the loop thread. */
void gw_health_init(gw *g, gw_health *h, int64_t now);
/* The probe to start now, or NULL (not due, in flight, or not allowed). */
CURL *gw_health_begin(gw *g, gw_health *h, const gw_dev_conf *c, int64_t now, void *priv);
/* The probe's transfer ended; frees the easy handle. */
gw_dev_outcome gw_health_finish(gw *g, gw_health *h, gw_dev_conf *c, CURLcode rc, int64_t now);
/* Free a probe still in flight (the caller removed it from the multi). */
void gw_health_cancel(gw_health *h);

#endif
