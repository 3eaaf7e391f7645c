/* api_http.c: building answers and reading requests for resource handlers
 * (see api_http.h). */
#include "api_http.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_reply(api_resp *rs, int status, json_t *json)
{
    json_decref(rs->json);
    rs->status = status;
    rs->json = json;
    if (!json && status != 204) {
        /* Allocation failed building the answer. */
        rs->status = 500;
        rs->json = json_pack("{s:s}", "error", "out of memory");
    }
}

void api_error(api_resp *rs, int status, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *o = json_object();
    if (o) {
        json_object_set_new(o, "error", json_string(msg));
        if (field && field[0])
            json_object_set_new(o, "field", json_string(field));
    }
    api_reply(rs, status, o);
}

void api_error_store(api_resp *rs)
{
    api_error(rs, 500, NULL, "database error (see the gateway log)");
}

void api_header_add(api_resp *rs, const char *name, const char *fmt, ...)
{
    if (rs->n_headers >= API_MAX_HEADERS)
        return;
    api_header *h = &rs->headers[rs->n_headers++];
    snprintf(h->name, sizeof h->name, "%s", name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->value, sizeof h->value, fmt, ap);
    va_end(ap);
}

const char *api_query(api_req *rq, const char *key)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

bool api_parse_i64(const char *s, int64_t *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || (s[0] != '-' && (s[0] < '0' || s[0] > '9')))
        return false;
    *out = v;
    return true;
}

bool api_capture_id(api_req *rq, int i, int64_t *id)
{
    if (i >= rq->n_captures)
        return false;
    const char *s = rq->captures[i];
    if (s[0] < '1' || s[0] > '9')
        return false;
    return api_parse_i64(s, id) && *id > 0;
}

static bool http__listed(const char *key, const char *const *list)
{
    for (; list && *list; list++)
        if (strcmp(key, *list) == 0)
            return true;
    return false;
}

bool api_body_keys(api_req *rq, api_resp *rs, const char *const *allowed,
                   const char *const *ignored)
{
    const char *key;
    json_t *v;
    json_object_foreach(rq->body, key, v)
    {
        if (http__listed(key, allowed))
            continue;
        if (http__listed(key, ignored))
            continue;
        api_error(rs, 400, key, "unknown field \"%s\"", key);
        return false;
    }
    return true;
}

void api_error_in_use(api_resp *rs, const char *what, int64_t id, json_t *refs)
{
    char msg[400];
    size_t used = 0;
    size_t i;
    json_t *ref;
    msg[0] = '\0';
    json_array_foreach(refs, i, ref)
    {
        int w = snprintf(msg + used, sizeof msg - used, "%s%s \"%s\" (id %lld)", i ? ", " : "",
                         json_string_value(json_object_get(ref, "type")),
                         json_string_value(json_object_get(ref, "name")),
                         (long long)json_integer_value(json_object_get(ref, "id")));
        if (w < 0 || (size_t)w >= sizeof msg - used)
            break;
        used += (size_t)w;
    }
    api_error(rs, 409, NULL, "%s %lld is still used by %s; remove it from there first", what,
              (long long)id, msg);
    if (rs->json)
        json_object_set(rs->json, "references", refs);
}
