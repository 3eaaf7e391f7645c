/* discovery.c: SADP on behalf of the API: scans with the configured
 * interface and targets, the cache of the last scan, and which discovered
 * device is already declared.
 *
 * The cache is process-wide (one gateway per process) and guarded by a
 * mutex that is never held across a scan: two scans may run at once, each
 * on its own socket with its own probe Uuid, and the later to finish wins
 * the cache. */
#include "discovery.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static pthread_mutex_t discovery__lock = PTHREAD_MUTEX_INITIALIZER;
static hik_sadp_device *discovery__cache;
static size_t discovery__n;
static int64_t discovery__at_ms;

static void discovery__opts(gw *g, int timeout_ms, hik_sadp_opts *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 0; i < g->cfg.n_sadp_targets && i < HIK_SADP_MAX_TARGETS; i++)
        o->targets[o->n_targets++] = g->cfg.sadp_targets[i];
    o->interface = g->cfg.sadp_interface;
    o->port = g->cfg.sadp_port;
    o->timeout_ms = timeout_ms;
}

static void discovery__remember(const hik_sadp_scan *scan)
{
    hik_sadp_device *copy = NULL;
    if (scan->n) {
        copy = malloc(scan->n * sizeof(*copy));
        if (!copy)
            return; /* the cache is an optimisation: the next lookup rescans */
        memcpy(copy, scan->devices, scan->n * sizeof(*copy));
    }
    pthread_mutex_lock(&discovery__lock);
    free(discovery__cache);
    discovery__cache = copy;
    discovery__n = scan->n;
    discovery__at_ms = gw_now_ms();
    pthread_mutex_unlock(&discovery__lock);
}

void gw_discovery_forget(void)
{
    pthread_mutex_lock(&discovery__lock);
    free(discovery__cache);
    discovery__cache = NULL;
    discovery__n = 0;
    discovery__at_ms = 0;
    pthread_mutex_unlock(&discovery__lock);
}

hik_err gw_discovery_scan(gw *g, int timeout_ms, hik_sadp_scan *out)
{
    hik_sadp_opts o;
    discovery__opts(g, timeout_ms, &o);
    hik_err err = hik_sadp_scan_run(&o, out);
    if (err) {
        gw_warn("discovery: scan from %s failed: %s", g->cfg.sadp_interface, hik_err_str(err));
        return err;
    }
    gw_info("discovery: %zu device(s) answered in %d ms (%zu duplicate, %zu ignored, %zu "
            "target(s) unreachable)",
            out->n, timeout_ms, out->duplicates, out->ignored, out->targets_failed);
    discovery__remember(out);
    return HIK_OK;
}

/* From the cache: 1 found, 0 not in a fresh cache, -1 no fresh cache. */
static int discovery__cached(const char *mac, hik_sadp_device *out)
{
    int found = -1;
    pthread_mutex_lock(&discovery__lock);
    if (discovery__at_ms && gw_now_ms() - discovery__at_ms < GW_DISCOVERY_CACHE_MS) {
        found = 0;
        for (size_t i = 0; i < discovery__n && !found; i++) {
            if (strcmp(discovery__cache[i].mac, mac) == 0) {
                *out = discovery__cache[i];
                found = 1;
            }
        }
    }
    pthread_mutex_unlock(&discovery__lock);
    return found;
}

hik_err gw_discovery_lookup(gw *g, const char *mac, hik_sadp_device *out)
{
    char norm[18];
    if (!hik_sadp_mac_normalise(mac, norm))
        return HIK_ERR_INVALID;
    int found = discovery__cached(norm, out);
    if (found >= 0)
        return found ? HIK_OK : HIK_ERR_NOT_FOUND;
    hik_sadp_scan scan;
    hik_err err = gw_discovery_scan(g, GW_DISCOVERY_DEFAULT_TIMEOUT_MS, &scan);
    for (size_t i = 0; !err && i < scan.n; i++) {
        if (strcmp(scan.devices[i].mac, norm) == 0) {
            *out = scan.devices[i];
            hik_sadp_scan_free(&scan);
            return HIK_OK;
        }
    }
    hik_sadp_scan_free(&scan);
    return err ? err : HIK_ERR_NOT_FOUND;
}

int64_t gw_discovery_declared(gw *g, const hik_sadp_device *d)
{
    if (!d->mac[0] && !d->ipv4[0])
        return 0;
    gw_store_lock(g->store);
    sqlite3_stmt *stmt = gw_store_prepare(g->store, "SELECT id FROM devices WHERE"
                                                    " (?1 <> '' AND lower(mac) = ?1) OR"
                                                    " (?2 <> '' AND address = ?2)"
                                                    " ORDER BY id LIMIT 1");
    int64_t id = -1;
    if (stmt) {
        sqlite3_bind_text(stmt, 1, d->mac, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(stmt, 2, d->ipv4, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(stmt);
        id = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : rc == SQLITE_DONE ? 0 : -1;
        sqlite3_finalize(stmt);
    }
    gw_store_unlock(g->store);
    return id;
}

static json_t *discovery__str(const char *s)
{
    return s[0] ? json_string(s) : json_null();
}

json_t *gw_discovery_device_json(const hik_sadp_device *d, int64_t declared)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "mac", discovery__str(d->mac));
    json_object_set_new(o, "model", discovery__str(d->model));
    json_object_set_new(o, "serial", discovery__str(d->serial));
    json_object_set_new(o, "firmware", discovery__str(d->software_version));
    json_object_set_new(o, "dsp_version", discovery__str(d->dsp_version));
    json_object_set_new(o, "device_type", discovery__str(d->device_type));
    json_object_set_new(o, "ipv4_address", discovery__str(d->ipv4));
    json_object_set_new(o, "ipv4_subnet_mask", discovery__str(d->ipv4_mask));
    json_object_set_new(o, "ipv4_gateway", discovery__str(d->ipv4_gateway));
    json_object_set_new(o, "ipv6_address", discovery__str(d->ipv6));
    json_object_set_new(o, "dhcp", json_boolean(d->dhcp));
    json_object_set_new(o, "activated", json_boolean(d->activated));
    json_object_set_new(o, "password_reset_ability", json_boolean(d->password_reset_ability));
    json_object_set_new(o, "http_port", d->http_port ? json_integer(d->http_port) : json_null());
    json_object_set_new(o, "command_port",
                        d->command_port ? json_integer(d->command_port) : json_null());
    json_object_set_new(o, "analog_channels", json_integer(d->analog_channels));
    json_object_set_new(o, "digital_channels", json_integer(d->digital_channels));
    json_object_set_new(o, "boot_time", discovery__str(d->boot_time));
    json_object_set_new(o, "declared", declared > 0 ? json_integer(declared) : json_null());
    return o;
}

hik_err gw_discovery_request(gw *g, const hik_sadp_request *rq, int timeout_ms,
                             hik_sadp_device *answer)
{
    hik_sadp_opts o;
    discovery__opts(g, timeout_ms, &o);
    hik_err err = hik_sadp_request_send(&o, rq, answer);
    gw_info("discovery: %s to %s: %s", hik_sadp_type_name(rq->type), rq->mac,
            err ? hik_err_str(err) : hik_sadp_result_name(answer->result));
    if (!err && answer->result == HIK_SADP_RESULT_SUCCESS)
        gw_discovery_forget();
    return err;
}
