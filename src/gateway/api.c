/* api.c: the REST API listener: libmicrohttpd in, api_req/api_resp out.
 *
 * For each request: gather the body (capped at GW_API_MAX_BODY), find the
 * route, authenticate (HTTP Basic or session cookie, with CSRF on
 * state-changing requests made with a cookie), parse the JSON body, run the
 * handler and send its answer. Responses are queued only once the request
 * has been read completely: queueing one earlier makes libmicrohttpd close
 * the connection. A small pool of threads serves requests because a login
 * costs an scrypt and a wrong one a deliberate pause. */
#include "api.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "api_audit.h"
#include "api_codec.h"
#include "api_routes.h"
#include "auth.h"
#include "discovery.h"
#include "device_ops.h"
#include "event_feed.h"
#include "log.h"
#include "tls.h"

#define API_THREADS 4
#define API_CONNECTION_LIMIT 256
#define API_TIMEOUT_S 30
#define API_MAX_STREAMS 32 /* concurrent /api/v1/events/stream clients */
#define API_STREAMS_CLOSE_MS 3000

struct gw_api {
    gw *g;
    struct MHD_Daemon *daemon;
    int port;
};

/* Per-connection request state, kept in MHD's con_cls. */
typedef struct api_conn {
    char *body;
    size_t len, cap;
    bool too_big;
    /* firmware uploads go to a file under the data directory */
    int upload_fd;
    uint64_t upload_len;
    char upload_path[1200];
} api_conn;

static bool api__upload_append(api_conn *ac, const char *data, size_t n)
{
    if (ac->upload_len + n > GW_FIRMWARE_MAX_UPLOAD)
        return false;
    for (size_t done = 0; done < n;) {
        ssize_t w = write(ac->upload_fd, data + done, n - done);
        if (w <= 0)
            return false;
        done += (size_t)w;
    }
    ac->upload_len += n;
    return true;
}

static bool api__body_append(api_conn *ac, const char *data, size_t n)
{
    if (ac->len + n > GW_API_MAX_BODY)
        return false;
    if (ac->len + n + 1 > ac->cap) {
        size_t cap = ac->cap ? ac->cap : 4096;
        while (cap < ac->len + n + 1)
            cap *= 2;
        if (cap > GW_API_MAX_BODY + 1)
            cap = GW_API_MAX_BODY + 1;
        char *nb = realloc(ac->body, cap);
        if (!nb)
            return false;
        ac->body = nb;
        ac->cap = cap;
    }
    memcpy(ac->body + ac->len, data, n);
    ac->len += n;
    ac->body[ac->len] = '\0';
    return true;
}

static void api__client_addr(struct MHD_Connection *c, char *out, size_t len)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, len, "?");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)len);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)len);
}

void api_reply_raw(api_resp *rs, int status, struct MHD_Response *r)
{
    json_decref(rs->json);
    rs->json = NULL;
    if (rs->raw)
        MHD_destroy_response(rs->raw);
    rs->raw = r;
    rs->status = status;
}

static enum MHD_Result api__send(struct MHD_Connection *c, api_resp *rs)
{
    struct MHD_Response *resp;
    bool is_json = rs->json != NULL;
    if (rs->raw) {
        enum MHD_Result ret = MHD_queue_response(c, (unsigned)rs->status, rs->raw);
        MHD_destroy_response(rs->raw);
        rs->raw = NULL;
        return ret;
    }
    if (is_json) {
        char *text = json_dumps(rs->json, JSON_COMPACT);
        if (!text)
            return MHD_NO;
        resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
        if (!resp)
            free(text);
    } else if (rs->data) {
        resp = MHD_create_response_from_buffer(rs->data_len, rs->data, MHD_RESPMEM_MUST_FREE);
        if (resp)
            rs->data = NULL;
    } else {
        resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    }
    if (!resp)
        return MHD_NO;
    if (is_json)
        MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    else if (rs->content_type[0])
        MHD_add_response_header(resp, "Content-Type", rs->content_type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    for (int i = 0; i < rs->n_headers; i++)
        MHD_add_response_header(resp, rs->headers[i].name, rs->headers[i].value);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)rs->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Authenticate by Basic header or session cookie. False after answering. */
static bool api__authenticate(api_req *rq, api_resp *rs)
{
    gw *g = rq->g;
    const char *authz = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Authorization");
    const char *cookie = MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, GW_AUTH_COOKIE);
    if (authz) {
        int retry = 0;
        if (gw_auth_blocked(g->auth, rq->addr, gw_now_ms(), &retry)) {
            api_error(rs, 429, NULL, "too many failed logins; try again in %d s", retry);
            api_header_add(rs, "Retry-After", "%d", retry);
            return false;
        }
        hik_err res = gw_auth_check_basic(g, authz, rq->user, sizeof rq->user);
        if (!res) {
            gw_auth_succeeded(g->auth, rq->addr);
            return true;
        }
        if (res == HIK_ERR_AUTH || res == HIK_ERR_PARSE) {
            gw_auth_failed(g->auth, rq->addr, gw_now_ms());
            gw_auth_fail_delay();
            gw_info("api: failed Basic login from %s", rq->addr);
            api_error(rs, 401, NULL, "wrong username or password");
        } else {
            api_error_store(rs);
            return false;
        }
    } else if (cookie) {
        gw_session s;
        hik_err res = gw_auth_session_lookup(g, cookie, &s);
        if (!res) {
            rq->via_session = true;
            snprintf(rq->user, sizeof rq->user, "%s", s.user);
            snprintf(rq->csrf, sizeof rq->csrf, "%s", s.csrf);
            snprintf(rq->session_token, sizeof rq->session_token, "%s", cookie);
            return true;
        }
        if (res != HIK_ERR_NOT_FOUND) {
            api_error_store(rs);
            return false;
        }
        api_error(rs, 401, NULL, "session expired or unknown; log in again");
    } else {
        api_error(rs, 401, NULL, "authentication required");
    }
    /* The web UI says who it is: a Basic challenge would make the browser
     * pop up its own login dialog over the UI's. */
    bool from_ui = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "X-Requested-With");
    if (!cookie && !from_ui)
        api_header_add(rs, "WWW-Authenticate", "Basic realm=\"hikgate\", charset=\"UTF-8\"");
    return false;
}

static bool api__state_changing(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
           strcmp(method, "OPTIONS") != 0;
}

static bool api__csrf_ok(api_req *rq, api_resp *rs)
{
    if (!rq->via_session || !api__state_changing(rq->method))
        return true;
    const char *tok = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "X-CSRF-Token");
    if (tok && api_ct_streq(tok, rq->csrf))
        return true;
    api_error(rs, 403, NULL, "missing or wrong X-CSRF-Token header");
    return false;
}

static bool api__is_json_type(const char *ct)
{
    if (!ct)
        return false;
    while (*ct == ' ')
        ct++;
    size_t n = strlen("application/json");
    return strncasecmp(ct, "application/json", n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Parse the body when the route wants one or one was sent. */
static bool api__body(api_req *rq, api_resp *rs, api_conn *ac, unsigned flags)
{
    if (!(flags & API_BODY) && ac->len == 0)
        return true;
    const char *ct = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Content-Type");
    if (!api__is_json_type(ct)) {
        api_error(rs, 415, NULL, "the request body must be application/json");
        return false;
    }
    if (ac->len == 0) {
        api_error(rs, 400, NULL, "a JSON object is required as the request body");
        return false;
    }
    json_error_t jerr;
    rq->body = json_loadb(ac->body, ac->len, JSON_REJECT_DUPLICATES, &jerr);
    if (!rq->body) {
        api_error(rs, 400, NULL, "invalid JSON: %s at line %d column %d", jerr.text, jerr.line,
                  jerr.column);
        return false;
    }
    if (!json_is_object(rq->body)) {
        api_error(rs, 400, NULL, "the request body must be a JSON object");
        return false;
    }
    return true;
}

static void api__serve(gw *g, struct MHD_Connection *c, const char *url, const char *method,
                       api_conn *ac, api_resp *rs)
{
    api_req rq = {.g = g, .conn = c, .method = method, .path = url};
    if (ac->upload_path[0]) {
        rq.upload_path = ac->upload_path;
        rq.upload_len = ac->upload_len;
    }
    char buf[512], allow[64];
    bool path_known;
    api__client_addr(c, rq.addr, sizeof rq.addr);
    if (api_static_path(url))
        return api_static_serve(&rq, rs);
    const api_route *r = api_route_find(method, url, buf, sizeof buf, rq.captures, &rq.n_captures,
                                        &path_known, allow, sizeof allow);
    if (!r || !(r->flags & API_PUBLIC)) {
        if (!api__authenticate(&rq, rs)) {
            const char *authz = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
            if (authz && rs->status == 401)
                api_audit_login_failed(&rq, authz);
            return;
        }
    }
    if (!r && path_known) {
        api_error(rs, 405, NULL, "method %s not allowed here", method);
        api_header_add(rs, "Allow", "%s", allow);
        return;
    }
    if (!r) {
        api_error(rs, 404, NULL, "no such route");
        return;
    }
    if (!api__csrf_ok(&rq, rs) || !api__body(&rq, rs, ac, r->flags)) {
        json_decref(rq.body);
        return;
    }
    r->fn(&rq, rs);
    api_audit_request(&rq, r->pattern, rs);
    json_decref(rq.body);
}

/* A firmware upload goes to disk as it arrives, so its sender must be
 * known (and pass the CSRF check) before the first byte is written: an
 * anonymous client must not be able to fill the data directory. */
static enum MHD_Result api__upload_start(struct gw_api *api, struct MHD_Connection *c,
                                         const char *method, const char *url, api_conn *ac)
{
    api_req rq = {.g = api->g, .conn = c, .method = method, .path = url};
    api_resp rs = {.status = 500};
    api__client_addr(c, rq.addr, sizeof rq.addr);
    if (api__authenticate(&rq, &rs) && api__csrf_ok(&rq, &rs)) {
        if (gw_device_ops_upload_open(api->g, &ac->upload_fd, ac->upload_path,
                                      sizeof ac->upload_path))
            ac->upload_path[0] = '\0';
        return MHD_YES;
    }
    enum MHD_Result ret = api__send(c, &rs);
    json_decref(rs.json);
    free(rs.data);
    return ret;
}

static enum MHD_Result api__handler(void *cls, struct MHD_Connection *c, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_size, void **con_cls)
{
    struct gw_api *api = cls;
    api_conn *ac = *con_cls;
    if (!ac) {
        ac = calloc(1, sizeof *ac);
        if (!ac)
            return MHD_NO;
        ac->upload_fd = -1;
        *con_cls = ac;
        if (gw_device_ops_is_upload(method, url))
            return api__upload_start(api, c, method, url, ac);
        return MHD_YES;
    }
    if (*upload_size && ac->upload_fd >= 0) {
        if (!ac->too_big && !api__upload_append(ac, upload_data, *upload_size))
            ac->too_big = true;
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!ac->too_big && !api__body_append(ac, upload_data, *upload_size)) {
            ac->too_big = true;
            free(ac->body);
            ac->body = NULL;
            ac->len = ac->cap = 0;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    api_resp rs = {.status = 500};
    if (ac->upload_fd >= 0) {
        close(ac->upload_fd);
        ac->upload_fd = -1;
    }
    if (ac->too_big)
        api_error(&rs, 413, NULL, "request body larger than %llu bytes",
                  ac->upload_path[0] ? (unsigned long long)GW_FIRMWARE_MAX_UPLOAD
                                     : (unsigned long long)GW_API_MAX_BODY);
    else
        api__serve(api->g, c, url, method, ac, &rs);
    if (!rs.json && !rs.data && !rs.raw && rs.status != 204)
        api_error(&rs, 500, NULL, "no answer");
    enum MHD_Result ret = api__send(c, &rs);
    json_decref(rs.json);
    free(rs.data);
    return ret;
}

static void api__completed(void *cls, struct MHD_Connection *c, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    api_conn *ac = *con_cls;
    if (ac) {
        if (ac->upload_fd >= 0)
            close(ac->upload_fd);
        if (ac->upload_path[0])
            unlink(ac->upload_path); /* what the handler did not take */
        free(ac->body);
        free(ac);
        *con_cls = NULL;
    }
}

static void api__mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    gw_warn("api: %s", line);
}

static hik_err api__sockaddr(const char *addr_port, struct sockaddr_storage *ss, socklen_t *len,
                             char *err, size_t err_len)
{
    char host[256];
    int port = 0;
    if (!gw_config_split_addr(addr_port, host, sizeof host, &port) || port < 0 || port > 65535) {
        snprintf(err, err_len, "api: bad listen address \"%s\" (want ADDR:PORT)", addr_port);
        return HIK_ERR_INVALID;
    }
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(host[0] ? host : NULL, NULL, &hints, &ai);
    if (rc != 0 || !ai) {
        snprintf(err, err_len, "api: cannot resolve listen address %s: %s", host, gai_strerror(rc));
        return HIK_ERR_INVALID;
    }
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
    return HIK_OK;
}

hik_err gw_api_start(gw *g, char *err, size_t err_len)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    hik_err res = api__sockaddr(g->cfg.api_addr, &ss, &sslen, err, err_len);
    if (res)
        return res;
    struct gw_api *api = calloc(1, sizeof *api);
    if (!api)
        return HIK_ERR_NOMEM;
    api->g = g;
    api_static_resolve(&g->cfg);
    if (gw_event_feed_start(g, API_MAX_STREAMS)) {
        snprintf(err, err_len, "api: cannot start the event feed");
        free(api);
        return HIK_ERR_NOMEM;
    }
    /* Suspend/resume: event streams sleep on a suspended connection. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_OptionItem tls[3];
    res = gw_tls_mhd_options(GW_TLS_API, g->cfg.api_tls_cert, g->cfg.api_tls_key, tls, &flags, err,
                             err_len);
    if (res) {
        gw_event_feed_free(g);
        free(api);
        return res;
    }
    /* The logger goes first so that every later option's complaints reach it. */
    api->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, api__handler, api, MHD_OPTION_EXTERNAL_LOGGER, api__mhd_log, api,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, api__completed,
        api, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)API_THREADS, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)API_CONNECTION_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)API_TIMEOUT_S,
        MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
    if (!api->daemon) {
        snprintf(err, err_len, "api: cannot listen on %s (address in use or not local?)",
                 g->cfg.api_addr);
        gw_event_feed_free(g);
        free(api);
        return HIK_ERR_IO;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(api->daemon, MHD_DAEMON_INFO_BIND_PORT);
    api->port = di ? di->port : 0;
    g->api = api;
    gw_info("api: listening on %s://%s (port %d), web UI from %s",
            (flags & MHD_USE_TLS) ? "https" : "http", g->cfg.api_addr, api->port,
            g->cfg.web_dir[0] ? g->cfg.web_dir : "(none found; give --web-dir)");
    return HIK_OK;
}

void gw_api_stop(gw *g)
{
    if (!g->api)
        return;
    /* Streams end first: libmicrohttpd must not meet a suspended one. */
    gw_event_feed_close(g, API_STREAMS_CLOSE_MS);
    MHD_stop_daemon(g->api->daemon);
    gw_discovery_forget(); /* the scan cache lives as long as the API */
    gw_event_feed_free(g);
    free(g->api);
    g->api = NULL;
}

int gw_api_port(gw *g)
{
    return g->api ? g->api->port : 0;
}
