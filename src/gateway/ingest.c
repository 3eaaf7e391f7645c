/* ingest.c: cameras push their events here.
 *
 * libmicrohttpd runs the listener on its own epoll thread. A request's body
 * is collected into a buffer capped at cfg.max_body (a larger Content-Length
 * is refused before any byte of the body is read), parsed, and handed to the
 * writer; the connection is suspended until the writer has committed the
 * event, then resumed to answer. Parsing happens here, off the writer
 * thread, so the writer spends its time on SQLite alone.
 *
 * Only declared devices are heard unless --ingest-accept any; others, and
 * posts with wrong credentials when --ingest-auth is set, are refused and
 * recorded by ingest_guard.c. Idle connections are closed after
 * --ingest-timeout seconds (a client trickling its headers cannot hold a
 * slot) and one address may hold at most --ingest-per-ip connections. */
#include "ingest.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <stdarg.h>

#include "alert_sub.h"
#include "devices.h"
#include "hik/event_json.h"
#include "hik/event_parse.h"
#include "ingest_deadline.h"
#include "ingest_guard.h"
#include "log.h"
#include "tls.h"
#include "writer.h"

struct gw_ingest {
    struct MHD_Daemon *daemon;
    atomic_uint in_flight;
    atomic_bool closing; /* shutting down: answer 503 instead of queueing */
    int port;
    gw_guard *guard;
    gw_deadline *deadline;
};

typedef enum req_phase {
    REQ_READING = 0,
    REQ_WAITING, /* suspended until the writer calls back */
    REQ_COMMITTED,
} req_phase;

typedef struct ingest_req {
    gw *g;
    struct MHD_Connection *conn;
    req_phase phase;
    bool too_big;
    gw_guard_auth auth;
    uint8_t *body;
    size_t len, cap;
    char content_type[128];
    gw_pending pending;
} ingest_req;

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *ctype,
                             const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *ctype,
                             const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof text)
        n = sizeof text - 1;
    struct MHD_Response *r =
        MHD_create_response_from_buffer((size_t)n, text, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Errors go back as JSON with a stable code, so a camera's HTTP log or a
 * curl user sees why. The message has no quotes or backslashes of its own
 * (parser diagnostics are scrubbed). */
static enum MHD_Result reply_error(struct MHD_Connection *conn, unsigned status, const char *code,
                                   const char *detail)
{
    char clean[256];
    size_t k = 0;
    for (const char *p = detail; *p && k + 1 < sizeof clean; p++)
        clean[k++] = (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20) ? '\'' : *p;
    clean[k] = 0;
    return reply(conn, status, "application/json", "{\"error\":\"%s\",\"detail\":\"%s\"}\n", code,
                 clean);
}

static void source_address(struct MHD_Connection *conn, char *out, size_t len)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = 0;
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)len);
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a6))
            inet_ntop(AF_INET, &a6->s6_addr[12], out, (socklen_t)len);
        else
            inet_ntop(AF_INET6, a6, out, (socklen_t)len);
    }
}

/* 401 with a fresh challenge. */
static enum MHD_Result reply_challenge(gw *g, struct MHD_Connection *conn)
{
    static const char text[] = "{\"error\":\"unauthorized\",\"detail\":\"credentials "
                               "required on the ingest path\"}\n";
    char challenge[256];
    gw_guard_challenge(g->ingest->guard, &g->cfg, gw_now_ms(), challenge, sizeof challenge);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof text - 1, (void *)text, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, challenge);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_UNAUTHORIZED, r);
    MHD_destroy_response(r);
    return ret;
}

/* A post from outside the trusted set: recorded (rate-limited), refused. */
static enum MHD_Result ingest__refuse(ingest_req *req, gw_guard_reason why, const hik_event *ev)
{
    gw *g = req->g;
    atomic_fetch_add(&g->stats.events_rejected, 1);
    atomic_fetch_add(&g->stats.events_unauthorized, 1);
    gw_guard_record(g, g->ingest->guard, why, req->pending.source_addr, req->content_type,
                    req->body, req->len, ev);
    if (why == GW_GUARD_BAD_CREDENTIALS)
        return reply_challenge(g, req->conn);
    return reply_error(req->conn, MHD_HTTP_FORBIDDEN, "unauthorized_source",
                       "this address is not a declared device; declare it (by MAC, serial or "
                       "address) or start hikgated with --ingest-accept any");
}

/* Is the source a declared device, judged by its address alone (for a body
 * that did not parse)? */
static bool ingest__declared_address(gw *g, const char *source)
{
    hik_event empty;
    hik_event_init(&empty);
    gw_attribution how;
    bool rev;
    return gw_devices_attribute(g->devices, source, &empty, &how, &rev) != 0;
}

/* Writer callback, on the writer thread: wake the connection up. */
static void ingest__committed(gw_pending *p, void *arg)
{
    ingest_req *req = arg;
    req->phase = REQ_COMMITTED;
    MHD_resume_connection(req->conn);
}

static bool ingest__append(ingest_req *req, const char *data, size_t size, size_t max)
{
    if (req->too_big)
        return true;
    if (size > max - req->len) {
        req->too_big = true;
        free(req->body);
        req->body = NULL;
        req->len = req->cap = 0;
        return true;
    }
    if (req->len + size + 1 > req->cap) {
        size_t ncap = req->cap ? req->cap : 4096;
        while (ncap < req->len + size + 1)
            ncap *= 2;
        if (ncap > max + 1)
            ncap = max + 1;
        uint8_t *b = realloc(req->body, ncap);
        if (!b)
            return false;
        req->body = b;
        req->cap = ncap;
    }
    memcpy(req->body + req->len, data, size);
    req->len += size;
    req->body[req->len] = 0;
    return true;
}

static enum MHD_Result ingest__finish(ingest_req *req)
{
    gw *g = req->g;
    struct MHD_Connection *conn = req->conn;
    gw_pending *p = &req->pending;
    if (req->too_big) {
        atomic_fetch_add(&g->stats.events_rejected, 1);
        return reply_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
                           "the event body exceeds the configured maximum (--max-body)");
    }
    source_address(conn, p->source_addr, sizeof p->source_addr);
    if (req->auth == GW_AUTH_MISSING) {
        atomic_fetch_add(&g->stats.events_rejected, 1);
        return reply_challenge(g, conn);
    }
    hik_parse_diag diag = {{0}};
    hik_err err = hik_event_parse_body(req->content_type, req->body, req->len, NULL, p->events,
                                       GW_PENDING_MAX_EVENTS, &p->n_events, &diag);
    if (req->auth == GW_AUTH_WRONG)
        return ingest__refuse(req, GW_GUARD_BAD_CREDENTIALS, err ? NULL : &p->events[0]);
    if (err && !g->cfg.ingest_accept_any && !ingest__declared_address(g, p->source_addr))
        return ingest__refuse(req, GW_GUARD_UNDECLARED, NULL);
    if (err) {
        atomic_fetch_add(&g->stats.events_rejected, 1);
        gw_warn("ingest: rejected %zu-byte body from %s (%s): %s: %s", req->len, p->source_addr,
                req->content_type[0] ? req->content_type : "no content type", hik_err_name(err),
                diag.message);
        unsigned status =
            err == HIK_ERR_TOO_BIG ? MHD_HTTP_CONTENT_TOO_LARGE : MHD_HTTP_BAD_REQUEST;
        return reply_error(conn, status, hik_err_name(err),
                           diag.message[0] ? diag.message : hik_err_str(err));
    }
    bool anpr_reverse = false;
    p->device_id = gw_devices_attribute(g->devices, p->source_addr, &p->events[0], &p->attribution,
                                        &anpr_reverse);
    if (!p->device_id && !g->cfg.ingest_accept_any)
        return ingest__refuse(req, GW_GUARD_UNDECLARED, &p->events[0]);
    if (!p->device_id) {
        atomic_fetch_add(&g->stats.events_unattributed, 1);
        gw_info("ingest: event %s from %s matches no declared device; recorded unattributed",
                p->events[0].type_raw, p->source_addr);
    }
    /* A device delivering by both push and alertStream sends each alert
     * twice: the copy that arrives second is acknowledged, not stored. */
    size_t kept = 0;
    for (size_t i = 0; i < p->n_events; i++)
        if (!gw_alert_sub_duplicate(g, p->device_id, &p->events[i]))
            p->events[kept++] = p->events[i];
    if (kept == 0) {
        atomic_fetch_add(&g->stats.events_received, p->n_events);
        return reply(conn, MHD_HTTP_OK, "text/plain", "OK\n");
    }
    p->n_events = kept;
    bool nvr = gw_alert_sub_is_nvr(g, p->device_id);
    for (size_t i = 0; i < p->n_events; i++) {
        hik_event *ev = &p->events[i];
        if (anpr_reverse && ev->direction != HIK_DIR_UNKNOWN)
            ev->direction = ev->direction == HIK_DIR_INCOMING ? HIK_DIR_OUTGOING : HIK_DIR_INCOMING;
        json_t *j = hik_event_to_json(ev);
        /* NVR channels above 32 are its IP camera inputs (33 = camera 1). */
        if (j && nvr && ev->channel > 32)
            json_object_set_new(j, "ip_camera", json_integer(ev->channel - 32));
        p->fields_json[i] = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
    }
    p->raw_type = p->events[0].format == HIK_FMT_JSON ? "application/json" : "application/xml";
    if (atomic_load(&g->ingest->closing)) {
        atomic_fetch_add(&g->stats.events_rejected, 1);
        return reply_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "shutting_down",
                           "hikgated is stopping; retry later");
    }
    p->received_ms = gw_now_ms();
    p->done = ingest__committed;
    p->done_arg = req;
    req->phase = REQ_WAITING;
    MHD_suspend_connection(conn);
    if (gw_writer_submit(g, p)) {
        req->phase = REQ_READING;
        MHD_resume_connection(conn);
        atomic_fetch_add(&g->stats.events_rejected, 1);
        atomic_fetch_add(&g->stats.events_busy, 1);
        return reply_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "busy",
                           "the event queue is full; retry later");
    }
    return MHD_YES;
}

/* The configured path, with or without a trailing slash (camera UIs differ
 * in whether they add one); the query string is not part of url. */
static bool ingest__path_matches(const char *url, const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    return strncmp(url, path, n) == 0 && (url[n] == 0 || (url[n] == '/' && url[n + 1] == 0));
}

static enum MHD_Result ingest__first(gw *g, struct MHD_Connection *conn, const char *url,
                                     const char *method, void **con_cls)
{
    if (!ingest__path_matches(url, g->cfg.ingest_path)) {
        atomic_fetch_add(&g->stats.events_rejected, 1);
        return reply_error(conn, MHD_HTTP_NOT_FOUND, "not_found",
                           "events are accepted on the configured ingest path only");
    }
    if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0) {
        struct MHD_Response *r = MHD_create_response_from_buffer(
            sizeof "{\"error\":\"method_not_allowed\"}\n" - 1,
            (void *)"{\"error\":\"method_not_allowed\"}\n", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "POST, PUT");
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
        enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, r);
        MHD_destroy_response(r);
        return ret;
    }
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > g->cfg.max_body) {
        atomic_fetch_add(&g->stats.events_rejected, 1);
        return reply_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
                           "the event body exceeds the configured maximum (--max-body)");
    }
    ingest_req *req = calloc(1, sizeof *req);
    if (!req)
        return MHD_NO;
    req->g = g;
    req->conn = conn;
    const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    snprintf(req->content_type, sizeof req->content_type, "%s", ct ? ct : "");
    req->auth = gw_guard_check(
        g->ingest->guard, &g->cfg, method,
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
        gw_now_ms());
    atomic_fetch_add(&g->ingest->in_flight, 1);
    *con_cls = req;
    return MHD_YES;
}

static enum MHD_Result ingest__handler(void *cls, struct MHD_Connection *conn, const char *url,
                                       const char *method, const char *version,
                                       const char *upload_data, size_t *upload_data_size,
                                       void **con_cls)
{
    gw *g = cls;
    ingest_req *req = *con_cls;
    if (!req) {
        gw_deadline_headers_done(conn);
        return ingest__first(g, conn, url, method, con_cls);
    }
    switch (req->phase) {
    case REQ_READING:
        if (*upload_data_size) {
            if (!ingest__append(req, upload_data, *upload_data_size, g->cfg.max_body))
                return MHD_NO;
            *upload_data_size = 0;
            return MHD_YES;
        }
        return ingest__finish(req);
    case REQ_WAITING:
        return MHD_YES; /* spurious call while suspended */
    case REQ_COMMITTED:
        if (req->pending.result) {
            atomic_fetch_add(&g->stats.events_rejected, 1);
            return reply_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "store_failed",
                               "the event could not be stored; retry later");
        }
        atomic_fetch_add(&g->stats.events_received, req->pending.n_events);
        return reply(conn, MHD_HTTP_OK, "text/plain", "OK\n");
    }
    return MHD_NO;
}

static void ingest__completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    gw *g = cls;
    ingest_req *req = *con_cls;
    gw_deadline_request_done(conn);
    if (!req)
        return;
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && req->phase == REQ_COMMITTED &&
        !req->pending.result)
        gw_warn("ingest: event from %s stored but the reply could not be sent",
                req->pending.source_addr);
    gw_pending_release(&req->pending);
    free(req->body);
    free(req);
    *con_cls = NULL;
    atomic_fetch_sub(&g->ingest->in_flight, 1);
}

static void ingest__mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = 0;
    gw_debug("ingest: %s", msg);
}

hik_err gw_ingest_start(gw *g, char *err, size_t err_len)
{
    char host[256];
    int port;
    if (!gw_config_split_addr(g->cfg.ingest_addr, host, sizeof host, &port)) {
        snprintf(err, err_len, "ingest address '%s' is not ADDR:PORT", g->cfg.ingest_addr);
        return HIK_ERR_INVALID;
    }
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG;
    if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
        ((struct sockaddr_in *)&ss)->sin_family = AF_INET;
        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
    } else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
        ((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(err, err_len, "ingest address '%s' is not a numeric IP address", host);
        return HIK_ERR_INVALID;
    }
    struct MHD_OptionItem tls[3];
    hik_err res = gw_tls_mhd_options(GW_TLS_INGEST, g->cfg.ingest_tls_cert, g->cfg.ingest_tls_key,
                                     tls, &flags, err, err_len);
    if (res)
        return res;
    struct gw_ingest *in = calloc(1, sizeof *in);
    if (!in)
        return HIK_ERR_NOMEM;
    g->ingest = in;
    if (gw_guard_new(&in->guard) ||
        gw_deadline_start(g->cfg.ingest_timeout_s * 1000, &in->deadline)) {
        gw_guard_free(in->guard);
        free(in);
        g->ingest = NULL;
        return HIK_ERR_NOMEM;
    }
    in->daemon = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, ingest__handler, g, MHD_OPTION_SOCK_ADDR, &ss,
        MHD_OPTION_NOTIFY_COMPLETED, ingest__completed, g, MHD_OPTION_NOTIFY_CONNECTION,
        gw_deadline_notify, in->deadline, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)g->cfg.ingest_timeout_s, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)g->cfg.ingest_per_ip, MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_LISTEN_BACKLOG_SIZE,
        (unsigned)1024, MHD_OPTION_EXTERNAL_LOGGER, ingest__mhd_log, NULL, MHD_OPTION_ARRAY, tls,
        MHD_OPTION_END);
    if (!in->daemon) {
        snprintf(err, err_len, "cannot listen on %s (address in use or not local?)",
                 g->cfg.ingest_addr);
        gw_guard_free(in->guard);
        gw_deadline_stop(in->deadline);
        free(in);
        g->ingest = NULL;
        return HIK_ERR_NETWORK;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(in->daemon, MHD_DAEMON_INFO_BIND_PORT);
    in->port = di ? di->port : port;
    return HIK_OK;
}

static bool ingest__drain(gw *g, int64_t deadline_ms)
{
    while (atomic_load(&g->ingest->in_flight) && gw_now_ms() < deadline_ms)
        usleep(5000);
    return atomic_load(&g->ingest->in_flight) == 0;
}

bool gw_ingest_drain(gw *g, int timeout_ms)
{
    if (!g->ingest || !g->ingest->daemon)
        return true;
    int64_t deadline = gw_now_ms() + timeout_ms;
    MHD_socket fd = MHD_quiesce_daemon(g->ingest->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    /* Requests already being read are finished and committed normally... */
    ingest__drain(g, deadline);
    /* ...then any that still slips in is refused rather than queued, and the
     * ones queued just before are waited for, so that stopping the daemon
     * never meets a suspended connection. */
    atomic_store(&g->ingest->closing, true);
    return ingest__drain(g, deadline);
}

unsigned gw_ingest_in_flight(gw *g)
{
    return g->ingest ? atomic_load(&g->ingest->in_flight) : 0;
}

int gw_ingest_port(gw *g)
{
    return g->ingest ? g->ingest->port : 0;
}

void gw_ingest_stop(gw *g)
{
    if (!g->ingest)
        return;
    if (g->ingest->daemon)
        MHD_stop_daemon(g->ingest->daemon);
    gw_guard_free(g->ingest->guard);
    gw_deadline_stop(g->ingest->deadline);
    free(g->ingest);
    g->ingest = NULL;
}
