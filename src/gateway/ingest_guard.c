/* ingest_guard.c: trusted sources on the ingest path (see ingest_guard.h).
 *
 * Authentication follows what cameras offer for their HTTP notification
 * hosts: Basic, or Digest (RFC 7616, MD5 or SHA-256, qop=auth) computed
 * with libhik's digest.c. Digest nonces are stateless: one random server
 * nonce per GUARD_NONCE_MS period, the current and the previous accepted,
 * so a camera's nonce stays good across a rotation. Replays within the
 * period are not detected; what a replay can do is post an event a device
 * already posted. */
#include "ingest_guard.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_codec.h"
#include "hik/digest.h"
#include "log.h"
#include "writer.h"

#define GUARD_NONCE_MS 300000
#define GUARD_REALM "hikgate"

typedef struct guard_source {
    char addr[64];
    int64_t last_ms; /* last stored, 0 = never */
    uint64_t suppressed;
} guard_source;

struct gw_guard {
    pthread_mutex_t mu;
    guard_source sources[GW_GUARD_SOURCES];
    int64_t second; /* the current second of the global cap */
    unsigned in_second;
    char nonce[2][33]; /* [0] current, [1] previous */
    int64_t nonce_ms;  /* when [0] was made */
    gw_guard_stats stats;
};

/* A refused post on its way to the writer; freed by its callback. */
typedef struct guard_pending {
    gw_pending p;
    char raw_type[64];
    uint8_t sample[GW_GUARD_SAMPLE];
} guard_pending;

hik_err gw_guard_new(gw_guard **out)
{
    gw_guard *gd = calloc(1, sizeof *gd);
    if (!gd)
        return HIK_ERR_NOMEM;
    pthread_mutex_init(&gd->mu, NULL);
    *out = gd;
    return HIK_OK;
}

void gw_guard_free(gw_guard *gd)
{
    if (!gd)
        return;
    pthread_mutex_destroy(&gd->mu);
    free(gd);
}

/* The slot of `source`, or the least recently stored one to reuse. */
static guard_source *guard__slot(gw_guard *gd, const char *source)
{
    guard_source *oldest = &gd->sources[0];
    for (size_t i = 0; i < GW_GUARD_SOURCES; i++) {
        guard_source *s = &gd->sources[i];
        if (s->addr[0] && strcmp(s->addr, source) == 0)
            return s;
        if (!s->addr[0] || s->last_ms < oldest->last_ms)
            oldest = s;
        if (!s->addr[0])
            break;
    }
    memset(oldest, 0, sizeof *oldest);
    snprintf(oldest->addr, sizeof oldest->addr, "%s", source);
    return oldest;
}

bool gw_guard_admit(gw_guard *gd, const char *source, int64_t now_ms, uint64_t *suppressed)
{
    pthread_mutex_lock(&gd->mu);
    gd->stats.refused++;
    guard_source *s = guard__slot(gd, source);
    bool ok = !s->last_ms || now_ms - s->last_ms >= GW_GUARD_INTERVAL_MS;
    if (ok) {
        if (now_ms / 1000 != gd->second) {
            gd->second = now_ms / 1000;
            gd->in_second = 0;
        }
        ok = gd->in_second < GW_GUARD_GLOBAL_PER_S;
    }
    if (ok) {
        gd->in_second++;
        *suppressed = s->suppressed;
        s->suppressed = 0;
        s->last_ms = now_ms;
    } else {
        s->suppressed++;
    }
    pthread_mutex_unlock(&gd->mu);
    return ok;
}

/* Called with gd->mu held. */
static void guard__rotate(gw_guard *gd, int64_t now_ms)
{
    if (gd->nonce[0][0] && now_ms - gd->nonce_ms < GUARD_NONCE_MS)
        return;
    memcpy(gd->nonce[1], gd->nonce[0], sizeof gd->nonce[1]);
    if (api_random_hex(16, gd->nonce[0], sizeof gd->nonce[0]))
        snprintf(gd->nonce[0], sizeof gd->nonce[0], "%016llx", (unsigned long long)now_ms);
    gd->nonce_ms = now_ms;
}

void gw_guard_challenge(gw_guard *gd, const gw_config *cfg, int64_t now_ms, char *out, size_t len)
{
    if (cfg->ingest_auth != GW_INGEST_AUTH_DIGEST) {
        snprintf(out, len, "Basic realm=\"" GUARD_REALM "\"");
        return;
    }
    pthread_mutex_lock(&gd->mu);
    guard__rotate(gd, now_ms);
    snprintf(out, len,
             "Digest realm=\"" GUARD_REALM "\", qop=\"auth\", nonce=\"%s\", "
             "algorithm=MD5",
             gd->nonce[0]);
    pthread_mutex_unlock(&gd->mu);
}

static gw_guard_auth guard__basic(const gw_config *cfg, const char *auth)
{
    if (strncasecmp(auth, "Basic ", 6) != 0)
        return GW_AUTH_MISSING;
    const char *b64 = auth + 6;
    while (*b64 == ' ')
        b64++;
    uint8_t buf[256];
    size_t n = 0;
    if (api_b64_decode(b64, strlen(b64), buf, sizeof buf - 1, &n))
        return GW_AUTH_WRONG;
    buf[n] = 0;
    char *colon = strchr((char *)buf, ':');
    if (!colon)
        return GW_AUTH_WRONG;
    *colon = 0;
    bool user_ok = api_ct_streq((const char *)buf, cfg->ingest_user);
    bool pass_ok = api_ct_streq(colon + 1, cfg->ingest_password);
    return user_ok && pass_ok ? GW_AUTH_OK : GW_AUTH_WRONG;
}

static gw_guard_auth guard__digest(gw_guard *gd, const gw_config *cfg, const char *method,
                                   const char *auth, int64_t now_ms)
{
    hik_digest_params dp;
    if (strncasecmp(auth, "Digest ", 7) != 0)
        return GW_AUTH_MISSING;
    if (hik_digest_parse(auth, &dp) || !dp.nonce[0] || !dp.response[0] || !dp.uri[0])
        return GW_AUTH_WRONG;
    hik_digest_alg alg;
    if (!hik_digest_alg_from_name(dp.algorithm, &alg))
        return GW_AUTH_WRONG;
    pthread_mutex_lock(&gd->mu);
    guard__rotate(gd, now_ms);
    bool fresh = strcmp(dp.nonce, gd->nonce[0]) == 0 ||
                 (gd->nonce[1][0] && strcmp(dp.nonce, gd->nonce[1]) == 0);
    pthread_mutex_unlock(&gd->mu);
    if (!fresh)
        return GW_AUTH_MISSING; /* stale: a new challenge, as after a restart */
    char want[65];
    if (hik_digest_response(alg, cfg->ingest_user, GUARD_REALM, cfg->ingest_password, method,
                            dp.uri, dp.nonce, dp.nc, dp.cnonce, dp.qop, want, sizeof want))
        return GW_AUTH_WRONG;
    bool user_ok = api_ct_streq(dp.username, cfg->ingest_user);
    bool resp_ok = strcasecmp(dp.response, want) == 0;
    return user_ok && resp_ok && strcmp(dp.realm, GUARD_REALM) == 0 ? GW_AUTH_OK : GW_AUTH_WRONG;
}

gw_guard_auth gw_guard_check(gw_guard *gd, const gw_config *cfg, const char *method,
                             const char *authorization, int64_t now_ms)
{
    if (cfg->ingest_auth == GW_INGEST_AUTH_NONE)
        return GW_AUTH_OK;
    if (!authorization || !*authorization)
        return GW_AUTH_MISSING;
    if (cfg->ingest_auth == GW_INGEST_AUTH_BASIC)
        return guard__basic(cfg, authorization);
    return guard__digest(gd, cfg, method, authorization, now_ms);
}

char *gw_guard_fields(gw_guard_reason why, const char *source, const char *content_type, size_t len,
                      const hik_event *parsed, uint64_t suppressed)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "kind", json_string("unauthorized_source"));
    json_object_set_new(
        o, "reason",
        json_string(why == GW_GUARD_BAD_CREDENTIALS ? "bad_credentials" : "undeclared_source"));
    json_object_set_new(o, "source_addr", json_string(source));
    json_object_set_new(o, "body_size", json_integer((json_int_t)len));
    json_object_set_new(o, "content_type", json_stringn(content_type, strnlen(content_type, 127)));
    json_object_set_new(o, "suppressed", json_integer((json_int_t)suppressed));
    if (parsed) {
        json_t *c = json_object();
        json_object_set_new(c, "event_type", json_string(parsed->type_raw));
        json_object_set_new(c, "mac", json_string(parsed->mac));
        json_object_set_new(c, "ip_address", json_string(parsed->ip_address));
        json_object_set_new(c, "serial", json_string(parsed->serial));
        json_object_set_new(o, "claimed", c);
    }
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

static void guard__done(gw_pending *p, void *arg)
{
    (void)arg;
    if (p->result)
        gw_warn("ingest: an unauthorized_source event from %s could not be stored", p->source_addr);
    gw_pending_release(p);
    free(p);
}

void gw_guard_record(gw *g, gw_guard *gd, gw_guard_reason why, const char *source,
                     const char *content_type, const uint8_t *body, size_t len,
                     const hik_event *parsed)
{
    uint64_t suppressed = 0;
    int64_t now = gw_now_ms();
    if (!gw_guard_admit(gd, source, now, &suppressed))
        return;
    guard_pending *gp = calloc(1, sizeof *gp);
    if (!gp)
        return;
    gw_pending *p = &gp->p; /* first member: freeing p frees gp */
    hik_event *ev = &p->events[0];
    hik_event_init(ev);
    ev->kind = HIK_EV_UNAUTHORIZED_SOURCE;
    ev->state = HIK_STATE_ACTIVE;
    snprintf(ev->type_raw, sizeof ev->type_raw, "unauthorizedSource");
    size_t n = len < GW_GUARD_SAMPLE ? len : GW_GUARD_SAMPLE;
    if (body && n)
        memcpy(gp->sample, body, n);
    ev->raw = gp->sample;
    ev->raw_len = n;
    snprintf(gp->raw_type, sizeof gp->raw_type, "%s", content_type);
    p->raw_type = gp->raw_type;
    p->fields_json[0] = gw_guard_fields(why, source, content_type, len, parsed, suppressed);
    p->n_events = 1;
    snprintf(p->source_addr, sizeof p->source_addr, "%s", source);
    p->received_ms = now;
    p->done = guard__done;
    if (gw_writer_submit(g, p)) {
        gw_pending_release(p);
        free(gp);
        return;
    }
    pthread_mutex_lock(&gd->mu);
    gd->stats.recorded++;
    pthread_mutex_unlock(&gd->mu);
    gw_warn("ingest: refused a post from %s (%s), recorded as unauthorized_source", source,
            why == GW_GUARD_BAD_CREDENTIALS ? "wrong credentials" : "not a declared device");
}

void gw_guard_get_stats(gw_guard *gd, gw_guard_stats *out)
{
    pthread_mutex_lock(&gd->mu);
    *out = gd->stats;
    pthread_mutex_unlock(&gd->mu);
}
