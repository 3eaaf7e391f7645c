/* sim_http.c: the simulator's HTTP server and request routing.
 *
 * libmicrohttpd runs one internal polling thread. Handlers that talk to
 * the network (event pushes, httpHosts tests) must not block it: they hand
 * back a job, the connection is suspended, a worker thread runs the job
 * and resumes the connection, and the reply is queued when libmicrohttpd
 * calls the handler again. The client waits for the result, which keeps
 * tests deterministic, while the server keeps answering everyone else.
 *
 * Every reply carries `Server: App-webs/` like the devices' web server.
 * Request bodies are capped (SIM_HTTP_MAX_BODY); a larger body is refused
 * without being stored. */
#include "sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SIM_HTTP_MAX_BODY (1024 * 1024)
#define SIM_REPLY_MAX (4 * 1024 * 1024)

typedef struct http_job {
    sim *s;
    struct MHD_Connection *conn;
    sim_reply reply;
} http_job;

typedef struct http_conn {
    sim_buf body;
    http_job *job;
} http_conn;

/* start, stop and restart may come from main and from a restart thread */
static pthread_mutex_t http__life = PTHREAD_MUTEX_INITIALIZER;

void sim_reply_header(sim_reply *r, const char *name, const char *value)
{
    if (r->n_headers >= SIM_MAX_EXTRA_HEADERS)
        return;
    snprintf(r->header_name[r->n_headers], sizeof(r->header_name[0]), "%s", name);
    snprintf(r->header_value[r->n_headers], sizeof(r->header_value[0]), "%s", value);
    r->n_headers++;
}

void sim_reply_text(sim_reply *r, int status, const char *content_type, const char *text)
{
    r->status = status;
    snprintf(r->content_type, sizeof(r->content_type), "%s", content_type);
    sim_buf_reset(&r->body);
    sim_buf_str(&r->body, text);
}

static void http__reply_init(sim_reply *r)
{
    memset(r, 0, sizeof(*r));
    sim_buf_init(&r->body, SIM_REPLY_MAX);
}

static enum MHD_Result http__queue(struct MHD_Connection *conn, sim_reply *r)
{
    if (sim_buf_err(&r->body)) {
        sim_log(SIM_LOG_ERROR, "reply could not be built: %s", hik_err_str(r->body.err));
        sim_buf_reset(&r->body);
        r->status = 500;
        r->n_headers = 0;
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        r->body.len, r->body.len ? r->body.data : (void *)"", MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Server", "App-webs/");
    if (r->content_type[0])
        MHD_add_response_header(resp, "Content-Type", r->content_type);
    for (int i = 0; i < r->n_headers; i++)
        MHD_add_response_header(resp, r->header_name[i], r->header_value[i]);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)(r->status ? r->status : 500), resp);
    MHD_destroy_response(resp);
    return ret;
}

static void http__client_ip(struct MHD_Connection *conn, char *out, size_t len)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, len, "?");
    if (!ci || !ci->client_addr)
        return;
    if (ci->client_addr->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ci->client_addr;
        inet_ntop(AF_INET, &a->sin_addr, out, (socklen_t)len);
    } else if (ci->client_addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ci->client_addr;
        inet_ntop(AF_INET6, &a->sin6_addr, out, (socklen_t)len);
    }
}

static void http__dispatch(sim *s, const sim_request *req, sim_reply *reply)
{
    if (strncmp(req->path, "/sim/", 5) == 0) {
        if (!sim_control_handle(s, req, reply))
            sim_reply_text(reply, 404, "application/json", "{\"error\":\"no such /sim/ path\"}");
        return;
    }
    sim_state_count_path(s, req->path);
    if (sim_isapi_security_pre_auth(s, req, reply))
        return;
    if (!sim_auth_check(s, req, reply))
        return;
    if (sim_auth_handle(s, req, reply) || sim_isapi_system_handle(s, req, reply) ||
        sim_isapi_event_handle(s, req, reply) || sim_isapi_http_hosts_handle(s, req, reply) ||
        sim_alert_stream_handle(s, req, reply) ||
        sim_isapi_security_handle(s, req, reply) || sim_isapi_maintenance_handle(s, req, reply) ||
        sim_isapi_streaming_handle(s, req, reply) || sim_isapi_time_handle(s, req, reply))
        return;
    sim_xml_not_found(reply, req->path);
}

static void *http__job_main(void *arg)
{
    http_job *job = arg;
    sim_job_fn fn = job->reply.job;
    void *fn_arg = job->reply.job_arg;
    job->reply.job = NULL;
    job->reply.job_arg = NULL;
    fn(job->s, fn_arg, &job->reply);
    sim *s = job->s;
    MHD_resume_connection(job->conn);
    atomic_fetch_sub(&s->jobs, 1);
    return NULL;
}

/* Move the reply into a job, start its thread and suspend the request. */
static enum MHD_Result http__start_job(sim *s, struct MHD_Connection *conn, http_conn *hc,
                                       sim_reply *reply)
{
    http_job *job = calloc(1, sizeof(*job));
    if (!job)
        return MHD_NO;
    job->s = s;
    job->conn = conn;
    job->reply = *reply;
    hc->job = job;
    atomic_fetch_add(&s->jobs, 1);
    MHD_suspend_connection(conn);
    pthread_t tid;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&tid, &attr, http__job_main, job);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        sim_log(SIM_LOG_ERROR, "pthread_create: %s", strerror(rc));
        job->reply.job = NULL;
        free(job->reply.job_arg); /* job args are plain allocations */
        job->reply.job_arg = NULL;
        sim_reply_text(&job->reply, 503, "text/plain", "busy\n");
        MHD_resume_connection(conn);
        atomic_fetch_sub(&s->jobs, 1);
    }
    return MHD_YES;
}

static enum MHD_Result http__access(void *cls, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_size, void **con_cls)
{
    sim *s = cls;
    http_conn *hc = *con_cls;
    if (!hc) {
        hc = calloc(1, sizeof(*hc));
        if (!hc)
            return MHD_NO;
        sim_buf_init(&hc->body, SIM_HTTP_MAX_BODY);
        *con_cls = hc;
        return MHD_YES;
    }
    if (*upload_size) {
        sim_buf_add(&hc->body, upload_data, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (hc->job) /* resumed: the worker has filled the reply */
        return http__queue(conn, &hc->job->reply);

    char ip[64];
    http__client_ip(conn, ip, sizeof(ip));
    sim_request req = {
        .method = method,
        .path = url,
        .client_ip = ip,
        .authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization"),
        .content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type"),
        .body = hc->body.data ? hc->body.data : "",
        .body_len = hc->body.len,
    };
    sim_log(SIM_LOG_DEBUG, "%s %s %s from %s (%zu bytes)", method, url, version, ip, hc->body.len);
    sim_reply reply;
    http__reply_init(&reply);
    if (sim_buf_err(&hc->body))
        sim_xml_status(&reply, 413, url, 6, "Invalid XML Content", "badXmlContent");
    else
        http__dispatch(s, &req, &reply);
    if (reply.job)
        return http__start_job(s, conn, hc, &reply);
    enum MHD_Result ret = reply.stream ? (enum MHD_Result)sim_alert_stream_queue(s, conn, &reply)
                                       : http__queue(conn, &reply);
    sim_buf_free(&reply.body);
    return ret;
}

static void http__completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                            enum MHD_RequestTerminationCode toe)
{
    http_conn *hc = *con_cls;
    if (!hc)
        return;
    if (hc->job) {
        sim_buf_free(&hc->job->reply.body);
        free(hc->job);
    }
    sim_buf_free(&hc->body);
    free(hc);
    *con_cls = NULL;
}

static int http__listen_socket(sim *s)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->cfg.port)};
    if (inet_pton(AF_INET, s->cfg.listen_addr, &sin.sin_addr) != 1) {
        sim_log(SIM_LOG_ERROR, "listen address %s is not an IPv4 address", s->cfg.listen_addr);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 64) != 0) {
        sim_log(SIM_LOG_ERROR, "bind %s:%d: %s", s->cfg.listen_addr, s->cfg.port, strerror(errno));
        close(fd);
        return -1;
    }
    socklen_t len = sizeof(sin);
    if (getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
        s->cfg.port = ntohs(sin.sin_port);
    return fd;
}

hik_err sim_http_bind(sim *s)
{
    s->http_fd = http__listen_socket(s);
    return s->http_fd < 0 ? HIK_ERR_NETWORK : HIK_OK;
}

static hik_err http__start_locked(sim *s)
{
    int fd = s->http_fd;
    if (fd < 0)
        return HIK_ERR_INVALID;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME;
    struct MHD_OptionItem tls[3];
    if (sim_tls_options(&s->cfg, tls, &flags)) {
        close(fd);
        s->http_fd = -1;
        return HIK_ERR_IO;
    }
    s->http_daemon =
        MHD_start_daemon(flags, 0, NULL, NULL, &http__access, s, MHD_OPTION_LISTEN_SOCKET, fd,
                         MHD_OPTION_NOTIFY_COMPLETED, &http__completed, NULL,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_LIMIT,
                         (unsigned)256, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
    if (!s->http_daemon) {
        sim_log(SIM_LOG_ERROR, "could not start the HTTP server");
        close(fd);
        s->http_fd = -1;
        return HIK_ERR_NETWORK;
    }
    return sim_alert_stream_start(s);
}

hik_err sim_http_start(sim *s)
{
    pthread_mutex_lock(&http__life);
    hik_err err = http__start_locked(s);
    pthread_mutex_unlock(&http__life);
    return err;
}

static void http__stop_locked(sim *s)
{
    if (!s->http_daemon)
        return;
    sim_alert_stream_stop(s); /* streams are suspended most of the time: resume and end them */
    /* suspended requests must be resumed before the daemon stops; jobs are
     * bounded by the push timeout, so this wait is bounded too */
    for (int i = 0; i < 600 && atomic_load(&s->jobs) > 0; i++)
        usleep(50 * 1000);
    MHD_stop_daemon(s->http_daemon); /* closes the listening socket too */
    s->http_daemon = NULL;
    s->http_fd = -1;
}

void sim_http_stop(sim *s)
{
    pthread_mutex_lock(&http__life);
    http__stop_locked(s);
    pthread_mutex_unlock(&http__life);
}

typedef struct http_restart {
    sim *s;
    int down_seconds;
    void (*while_down)(sim *s);
} http_restart;

static void *http__restart_main(void *arg)
{
    http_restart *r = arg;
    sim *s = r->s;
    usleep(300 * 1000); /* let the answer that asked for it leave first */
    pthread_mutex_lock(&http__life);
    http__stop_locked(s);
    pthread_mutex_unlock(&http__life);
    sim_log(SIM_LOG_INFO, "restarting: listener closed for %d s", r->down_seconds);
    if (r->while_down)
        r->while_down(s);
    for (int i = 0; i < r->down_seconds * 10 && !atomic_load(&s->stopping); i++)
        usleep(100 * 1000);
    pthread_mutex_lock(&http__life);
    if (!atomic_load(&s->stopping)) {
        s->http_fd = http__listen_socket(s);
        if (s->http_fd < 0 || http__start_locked(s))
            sim_log(SIM_LOG_ERROR, "restart: could not listen again");
        else
            sim_log(SIM_LOG_INFO, "restarted: listening on %s:%d", s->cfg.listen_addr, s->cfg.port);
    }
    pthread_mutex_unlock(&http__life);
    atomic_store(&s->http_restarting, false);
    free(r);
    return NULL;
}

bool sim_http_restart(sim *s, int down_seconds, void (*while_down)(sim *s))
{
    if (atomic_exchange(&s->http_restarting, true))
        return false;
    http_restart *r = calloc(1, sizeof(*r));
    pthread_t tid;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    bool ok = r != NULL;
    if (ok) {
        *r = (http_restart){.s = s, .down_seconds = down_seconds, .while_down = while_down};
        ok = pthread_create(&tid, &attr, http__restart_main, r) == 0;
    }
    pthread_attr_destroy(&attr);
    if (!ok) {
        free(r);
        atomic_store(&s->http_restarting, false);
    }
    return ok;
}
