/* api_http.h: what a resource handler sees of an HTTP exchange.
 *
 * api.c turns a libmicrohttpd request into an api_req (method, path
 * captures, parsed JSON body, who is logged in) and an api_resp into the
 * HTTP answer, so handlers never touch libmicrohttpd except to read query
 * arguments. Every error answer has the shape {"error": "...", "field":
 * "..."} (field only when one field is at fault). */
#ifndef GW_API_HTTP_H
#define GW_API_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth.h"
#include "gateway.h"

struct MHD_Connection;
struct MHD_Response;

#define API_MAX_CAPTURES 4
#define API_MAX_HEADERS 8

typedef struct api_req {
    gw *g;
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    const char *captures[API_MAX_CAPTURES]; /* the {…} segments of the route */
    int n_captures;
    json_t *body;  /* the JSON object sent, NULL when none */
    char addr[64]; /* client address */
    char user[GW_AUTH_USER_MAX];
    bool via_session; /* authenticated by cookie (else Basic or none) */
    char session_token[GW_AUTH_TOKEN_LEN + 1];
    char csrf[GW_AUTH_TOKEN_LEN + 1];
    /* A body streamed to a file instead of memory (firmware uploads):
     * the handler may rename or delete it; api.c deletes what is left. */
    const char *upload_path;
    uint64_t upload_len;
} api_req;

typedef struct api_header {
    char name[32];
    char value[256];
} api_header;

typedef struct api_resp {
    int status;
    json_t *json;  /* owned; serialized as the body */
    uint8_t *data; /* owned (malloc); raw body when json is NULL */
    size_t data_len;
    char content_type[128]; /* for data */
    api_header headers[API_MAX_HEADERS];
    int n_headers;
    struct MHD_Response *raw; /* owned; a response built by the handler (streams, files) */
} api_resp;

/* Answer with a JSON value (takes the reference). */
void api_reply(api_resp *rs, int status, json_t *json);
/* Answer with a libmicrohttpd response the handler built, headers and
 * all (takes it; api.c adds nothing). */
void api_reply_raw(api_resp *rs, int status, struct MHD_Response *r);
/* Answer with an error; field may be NULL. */
void api_error(api_resp *rs, int status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The 409 for deleting something still referenced: names every referrer
 * in the message and lists them as "references": [{type, id, name}].
 * Takes no reference to refs. */
void api_error_in_use(api_resp *rs, const char *what, int64_t id, json_t *refs);
/* The 500 for a store failure. */
void api_error_store(api_resp *rs);
/* Add a response header. */
void api_header_add(api_resp *rs, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Query argument, NULL when absent. */
const char *api_query(api_req *rq, const char *key);
/* Capture i as a positive id; false when it is not one. */
bool api_capture_id(api_req *rq, int i, int64_t *id);
/* Parse a decimal int64 (whole string); false when not one. */
bool api_parse_i64(const char *s, int64_t *out);

/* Body field access for handlers. */
/* Request body with no fields other than `allowed` (NULL-terminated) and
 * `ignored` (read-only fields a client may echo back). False after
 * answering 400. */
bool api_body_keys(api_req *rq, api_resp *rs, const char *const *allowed,
                   const char *const *ignored);

#endif
