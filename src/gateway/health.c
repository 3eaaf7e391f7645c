/* health.c: is each device answering, and who is it?
 *
 * Runs on the alertStream loop (alert_sub.c), which starts a probe when
 * gw_health_begin returns one and hands its end to gw_health_finish. A
 * device that gives any HTTP answer other than a rejected login is alive
 * (a camera busy or refusing the path is still there); only no answer at
 * all (refused, unreachable, timeout) counts as a failure. Offline and
 * online are edges: one event each, stored like a camera's event so that
 * scenarios can act on them. */
#include "health.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hik/version.h"

#include "alert_sub.h"
#include "devices.h"
#include "hik/event_json.h"
#include "hik/xml_util.h"
#include "log.h"
#include "writer.h"

#define PROBE_PATH "/ISAPI/System/deviceInfo"
#define ERRBODY_MAX 4096

/* ---- what the stream and the probe share ------------------------------ */

static void dev__set_status(gw *g, int64_t id, int64_t cred_version, const char *status,
                            const char *error, int64_t lock_until_ms)
{
    gw_store_lock(g->store);
    sqlite3_stmt *q = gw_store_prepare(
        g->store, "UPDATE devices SET status=?1, last_error=?2, "
                  /* a lock reported without an end keeps the end already known */
                  "lock_until_ms=CASE WHEN ?3 IS NOT NULL THEN ?3 "
                  "WHEN ?1='locked' THEN lock_until_ms ELSE NULL END, "
                  "last_seen_ms=CASE WHEN ?1='online' THEN ?4 ELSE last_seen_ms END "
                  "WHERE id=?5 AND (?6 = 0 OR updated_ms = ?6)");
    if (q) {
        sqlite3_bind_text(q, 1, status, -1, SQLITE_STATIC);
        if (error)
            sqlite3_bind_text(q, 2, error, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(q, 2);
        if (lock_until_ms)
            sqlite3_bind_int64(q, 3, lock_until_ms);
        else
            sqlite3_bind_null(q, 3);
        sqlite3_bind_int64(q, 4, gw_now_ms());
        sqlite3_bind_int64(q, 5, id);
        sqlite3_bind_int64(q, 6, cred_version);
        sqlite3_step(q);
        sqlite3_finalize(q);
    }
    gw_store_unlock(g->store);
}

void gw_dev_set_status(gw *g, int64_t id, const char *status, const char *error,
                       int64_t lock_until_ms)
{
    dev__set_status(g, id, 0, status, error, lock_until_ms);
}

void gw_dev_set_cred_status(gw *g, int64_t id, int64_t cred_version, const char *status,
                            const char *error, int64_t lock_until_ms)
{
    dev__set_status(g, id, cred_version, status, error, lock_until_ms);
}

long gw_dev_lock_seconds(const char *body, size_t len)
{
    char buf[ERRBODY_MAX + 1];
    if (len > ERRBODY_MAX)
        len = ERRBODY_MAX;
    memcpy(buf, body, len);
    buf[len] = 0;
    bool locked = strstr(buf, "<lockStatus>lock<") || strstr(buf, "\"lockStatus\":\"lock\"") ||
                  strcasestr(buf, "<subStatusCode>userLocked") ||
                  strcasestr(buf, "<subStatusCode>ipLocked");
    if (!locked)
        return 0;
    const char *t = strstr(buf, "<unlockTime>");
    long secs = t ? strtol(t + 12, NULL, 10) : 0;
    return secs > 0 ? secs : -1;
}

CURL *gw_dev_easy(gw *g, const gw_dev_conf *c, const char *path, long timeout_ms, void *priv)
{
    char url[700];
    bool v6 = strchr(c->address, ':') != NULL;
    snprintf(url, sizeof url, "%s://%s%s%s:%d%s", c->scheme[0] ? c->scheme : "http", v6 ? "[" : "",
             c->address, v6 ? "]" : "", c->port, path);
    CURL *e = curl_easy_init();
    if (!e)
        return NULL;
    long connect_ms = g->cfg.device_timeout_ms < 3000 ? g->cfg.device_timeout_ms : 3000;
    CURLcode rc = curl_easy_setopt(e, CURLOPT_URL, url);
    rc |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    rc |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    if (timeout_ms > 0)
        rc |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    rc |= curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)(CURLAUTH_DIGEST | CURLAUTH_BASIC));
    rc |= curl_easy_setopt(e, CURLOPT_USERNAME, c->username);
    rc |= curl_easy_setopt(e, CURLOPT_PASSWORD, c->password ? c->password : "");
    rc |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    rc |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    rc |= curl_easy_setopt(e, CURLOPT_USERAGENT, "hikgate/" HIK_VERSION);
    rc |= curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    rc |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    rc |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    rc |= curl_easy_setopt(e, CURLOPT_PRIVATE, priv);
    if (rc != CURLE_OK) {
        curl_easy_cleanup(e);
        return NULL;
    }
    return e;
}

/* ---- probes ------------------------------------------------------------ */

static unsigned health__rand(void)
{
    static _Thread_local unsigned r = 0x9e3779b9u;
    r ^= r << 13;
    r ^= r >> 17;
    r ^= r << 5;
    return r;
}

/* Interval with up to a quarter of jitter either way. */
static int64_t health__interval_ms(gw *g)
{
    int64_t base = (int64_t)g->cfg.health_interval_s * 1000;
    int64_t span = base / 2;
    return base - base / 4 + (span ? (int64_t)(health__rand() % (unsigned)span) : 0);
}

void gw_health_init(gw *g, gw_health *h, int64_t now)
{
    memset(h, 0, sizeof *h);
    /* The first probe at once: streams wait for it (alert_sub.c). */
    h->next_ms = now;
    (void)g;
}

static size_t health__write(char *data, size_t size, size_t nmemb, void *arg)
{
    gw_health *h = arg;
    size_t n = size * nmemb;
    if (h->too_big || n > GW_HEALTH_BODY_MAX - h->len) {
        h->too_big = true;
        return n; /* keep reading; the body is just not kept */
    }
    char *b = realloc(h->body, h->len + n + 1);
    if (!b)
        return 0;
    memcpy(b + h->len, data, n);
    h->body = b;
    h->len += n;
    h->body[h->len] = 0;
    return n;
}

CURL *gw_health_begin(gw *g, gw_health *h, const gw_dev_conf *c, int64_t now, void *priv)
{
    if (h->easy || now < h->next_ms || g->cfg.health_interval_s <= 0)
        return NULL;
    h->next_ms = now + health__interval_ms(g);
    h->len = 0;
    h->too_big = false;
    h->easy = gw_dev_easy(g, c, PROBE_PATH, g->cfg.device_timeout_ms, priv);
    if (h->easy) {
        curl_easy_setopt(h->easy, CURLOPT_WRITEFUNCTION, health__write);
        curl_easy_setopt(h->easy, CURLOPT_WRITEDATA, h);
    }
    return h->easy;
}

void gw_health_cancel(gw_health *h)
{
    if (h->easy)
        curl_easy_cleanup(h->easy);
    h->easy = NULL;
    free(h->body);
    h->body = NULL;
    h->len = 0;
}

/* hikgate's own event about a device, stored through the writer. */
typedef struct health_item {
    gw_pending p;
} health_item;

static void health__done(gw_pending *p, void *arg)
{
    (void)arg;
    if (p->result)
        gw_error("health: device %lld: %s event not stored: %s", (long long)p->device_id,
                 p->events[0].type_raw, hik_err_name(p->result));
    gw_pending_release(p);
    free(p);
}

static void health__event(gw *g, const gw_dev_conf *c, hik_event_kind kind, const char *why)
{
    health_item *it = calloc(1, sizeof *it);
    if (!it)
        return;
    gw_pending *p = &it->p;
    hik_event *ev = &p->events[0];
    hik_event_init(ev);
    ev->kind = kind;
    ev->state = HIK_STATE_ACTIVE;
    snprintf(ev->type_raw, sizeof ev->type_raw, "%s",
             kind == HIK_EV_DEVICE_OFFLINE ? "deviceOffline" : "deviceOnline");
    snprintf(ev->description, sizeof ev->description, "%s", why);
    snprintf(ev->ip_address, sizeof ev->ip_address, "%.63s", c->address);
    p->received_ms = gw_now_ms();
    ev->time_ms = p->received_ms;
    p->n_events = 1;
    json_t *j = hik_event_to_json(ev);
    p->fields_json[0] = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    p->device_id = c->id;
    p->attribution = GW_ATTR_ADDRESS;
    snprintf(p->source_addr, sizeof p->source_addr, "%.63s", c->address);
    p->done = health__done;
    if (gw_writer_submit(g, p)) {
        gw_error("health: device %lld: writer full, %s event dropped", (long long)c->id,
                 ev->type_raw);
        gw_pending_release(p);
        free(it);
        return;
    }
    gw_info("health: device %lld %s: %s", (long long)c->id, hik_event_kind_name(kind), why);
}

static void health__mac(const char *in, char *out, size_t len)
{
    size_t k = 0;
    for (const char *p = in; *p && k + 1 < len; p++)
        out[k++] = *p == '-' ? ':' : (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
    out[k] = 0;
}

/* Identity from the deviceInfo answer; true when the stored one changed. */
static bool health__identity(gw *g, const gw_dev_conf *c, gw_health *h)
{
    xmlDoc *doc = NULL;
    if (h->too_big || !h->len || hik_xml_parse((const uint8_t *)h->body, h->len, &doc))
        return false;
    xmlNode *root = xmlDocGetRootElement(doc);
    char model[64] = "", serial[96] = "", mac_raw[32] = "", mac[24] = "", fw[64] = "",
         type[32] = "";
    hik_xml_child_text(root, "model", model, sizeof model);
    hik_xml_child_text(root, "serialNumber", serial, sizeof serial);
    hik_xml_child_text(root, "macAddress", mac_raw, sizeof mac_raw);
    hik_xml_child_text(root, "firmwareVersion", fw, sizeof fw);
    hik_xml_child_text(root, "deviceType", type, sizeof type);
    xmlFreeDoc(doc);
    health__mac(mac_raw, mac, sizeof mac);
    snprintf(h->device_type, sizeof h->device_type, "%s", type);
    if (!model[0])
        return false;
    bool changed = false;
    gw_store_lock(g->store);
    sqlite3_stmt *q = gw_store_prepare(
        g->store, "UPDATE devices SET model=?1, serial=?2, mac=?3, firmware=?4, device_type=?5"
                  " WHERE id=?6 AND (model IS NOT ?1 OR serial IS NOT ?2 OR mac IS NOT ?3 OR"
                  " firmware IS NOT ?4 OR device_type IS NOT ?5)");
    if (q) {
        sqlite3_bind_text(q, 1, model, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, serial, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, mac, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, fw, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 5, type, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 6, c->id);
        changed = sqlite3_step(q) == SQLITE_DONE && sqlite3_changes(g->store->db) > 0;
        sqlite3_finalize(q);
    }
    gw_store_unlock(g->store);
    if (changed)
        gw_info("health: device %lld is %s %s serial %s firmware %s", (long long)c->id, type, model,
                serial, fw);
    return changed;
}

gw_dev_outcome gw_health_finish(gw *g, gw_health *h, gw_dev_conf *c, CURLcode rc, int64_t now)
{
    long code = 0;
    curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &code);
    if (rc != CURLE_OK && (code == 401 || code == 403))
        code = 0; /* cut after the challenge: no verdict on the password */
    curl_easy_cleanup(h->easy);
    h->easy = NULL;
    gw_dev_outcome out = GW_DEV_OK;
    long lock = (code == 401 || code == 403) && h->body ? gw_dev_lock_seconds(h->body, h->len) : 0;
    if (lock) {
        int64_t until = now + (lock > 0 ? lock : 1800) * 1000LL;
        gw_dev_set_cred_status(g, c->id, c->updated_ms, "locked",
                               "the device reports this client locked out", until);
        c->lock_until_ms = until;
        out = GW_DEV_LOCKED;
    } else if (code == 401) {
        out = GW_DEV_AUTH;
    } else if (code == 0) {
        out = GW_DEV_FAILED;
    }
    if (out == GW_DEV_FAILED) {
        h->failures++;
        char why[160];
        snprintf(why, sizeof why, "no answer to %d probes in a row (%s)", h->failures,
                 curl_easy_strerror(rc));
        if (h->failures >= g->cfg.health_failures && h->state != GW_HEALTH_OFFLINE) {
            h->state = GW_HEALTH_OFFLINE;
            gw_dev_set_status(g, c->id, "unreachable", why, 0);
            snprintf(c->status, sizeof c->status, "unreachable");
            health__event(g, c, HIK_EV_DEVICE_OFFLINE, why);
        }
    } else {
        h->failures = 0;
        if (h->state == GW_HEALTH_OFFLINE)
            health__event(g, c, HIK_EV_DEVICE_ONLINE, "the device answers again");
        h->state = GW_HEALTH_ONLINE;
        if (out == GW_DEV_OK) {
            if (strcmp(c->status, "online") != 0 || c->lock_until_ms)
                gw_dev_set_status(g, c->id, "online", NULL, 0);
            snprintf(c->status, sizeof c->status, "online");
            c->lock_until_ms = 0;
            if (code == 200 && health__identity(g, c, h)) {
                gw_devices_reload(g->devices, g->store);
                gw_alert_sub_reload(g);
            }
        }
    }
    free(h->body);
    h->body = NULL;
    h->len = 0;
    return out;
}
