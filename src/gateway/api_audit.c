/* api_audit.c: GET /api/v1/audit, and the one place api.c records what a
 * state-changing request did (audit.h). */
#include "api_audit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_codec.h"
#include "audit.h"

#define AUDIT_LIMIT_DEFAULT 100
#define AUDIT_LIMIT_MAX 1000

static bool audit__arg(api_req *rq, api_resp *rs, const char *key, int64_t lo, int64_t hi,
                       int64_t *out)
{
    const char *v = api_query(rq, key);
    if (!v)
        return true;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || *end || end == v || n < lo || n > hi) {
        api_error(rs, 400, key, "%s must be an integer from %lld to %lld", key, (long long)lo,
                  (long long)hi);
        return false;
    }
    *out = n;
    return true;
}

void api_audit_list(api_req *rq, api_resp *rs)
{
    if (strcmp(rq->user, "admin") != 0)
        return api_error(rs, 403, NULL, "the audit log is for the admin user only");
    int64_t since = 0, limit = AUDIT_LIMIT_DEFAULT;
    if (!audit__arg(rq, rs, "since", 0, INT64_MAX, &since) ||
        !audit__arg(rq, rs, "limit", 1, AUDIT_LIMIT_MAX, &limit))
        return;
    json_t *rows = gw_audit_list(rq->g->store, since, (int)limit);
    if (!rows)
        return api_error_store(rs);
    api_reply(rs, 200, json_pack("{s:o}", "entries", rows));
}

/* The user a Basic header names (not whether its password was right). */
static void audit__basic_user(const char *authz, char *out, size_t len)
{
    out[0] = 0;
    if (!authz || strncmp(authz, "Basic ", 6) != 0)
        return;
    uint8_t buf[256];
    size_t n = 0;
    if (api_b64_decode(authz + 6, strlen(authz + 6), buf, sizeof buf - 1, &n))
        return;
    buf[n] = 0;
    char *colon = strchr((char *)buf, ':');
    if (colon)
        *colon = 0;
    size_t k = strlen((const char *)buf);
    if (k >= len)
        k = len - 1; /* a user name longer than the audit field is cut */
    memcpy(out, buf, k);
    out[k] = 0;
}

void api_audit_login_failed(api_req *rq, const char *authz)
{
    char user[128];
    audit__basic_user(authz, user, sizeof user);
    gw_audit_entry e = {.who = user,
                        .addr = rq->addr,
                        .what = "login_failed",
                        .method = rq->method,
                        .route = rq->path,
                        .status = 401};
    gw_audit_add(rq->g->store, &e);
}

/* login, logout or a change, by route. */
static const char *audit__what(const char *method, const char *pattern, int status)
{
    if (strcmp(pattern, "/api/v1/session") == 0) {
        if (strcmp(method, "POST") == 0)
            return status < 300 ? "login" : "login_failed";
        return "logout";
    }
    return "change";
}

void api_audit_request(api_req *rq, const char *pattern, const api_resp *rs)
{
    const char *m = rq->method;
    if (!strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "OPTIONS"))
        return;
    const char *what = audit__what(m, pattern, rs->status);
    int64_t object_id = 0;
    for (int i = 0; i < rq->n_captures && !object_id; i++)
        object_id = strtoll(rq->captures[i], NULL, 10);
    json_t *id = rs->json ? json_object_get(rs->json, "id") : NULL;
    if (!object_id && json_is_integer(id))
        object_id = json_integer_value(id);
    json_t *run = rs->json ? json_object_get(rs->json, "run_id") : NULL;
    char summary[GW_AUDIT_SUMMARY_MAX];
    gw_audit_summary(rq->body, summary, sizeof summary);
    if (!summary[0] && json_is_integer(run))
        snprintf(summary, sizeof summary, "{\"run_id\":%lld}", (long long)json_integer_value(run));
    char who[128];
    snprintf(who, sizeof who, "%s", rq->user);
    if (!who[0] && rq->body) {
        const char *u = json_string_value(json_object_get(rq->body, "username"));
        snprintf(who, sizeof who, "%s", u ? u : "");
    }
    gw_audit_entry e = {.who = who,
                        .addr = rq->addr,
                        .what = what,
                        .method = m,
                        .route = pattern,
                        .object_id = object_id,
                        .status = rs->status,
                        .summary = summary};
    gw_audit_add(rq->g->store, &e);
}
