/* sim_push.c: POST /sim/events, which makes the simulator push an event
 * to every configured httpHosts slot the way a camera does.
 *
 * The request is checked on the HTTP thread; the pushes run on a worker
 * (see sim_http.c) and the answer lists, per host, what each receiver
 * returned. Each push is a new connection from the simulator's own
 * address (cameras neither keep alarm connections alive nor send from
 * another address), with a bounded timeout, and without the
 * `Expect: 100-continue` that libcurl would add and cameras never send.
 * An event whose trigger lacks the `center` method is not pushed at all.
 * Events also go to every open alertStream (sim_alert_stream.c), under the
 * same `center` rule. */
#include "sim.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define PUSH_MAX_COUNT 100
#define PUSH_MAX_RAW (512 * 1024)

typedef struct push_job {
    sim_event ev;
    int interval_ms;
    bool to_streams; /* the trigger notifies the center: open alertStreams get it too */
    int n_hosts;
    sim_http_host hosts[SIM_HTTP_HOSTS];
    char raw[]; /* the raw body, when kind is raw */
} push_job;

static size_t push__discard(char *data, size_t size, size_t n, void *user)
{
    size_t *total = user;
    *total += size * n;
    return *total > 1024 * 1024 ? 0 : size * n; /* bounded: stop reading a flood */
}

long sim_push_post(sim *s, const sim_http_host *h, const char *content_type, const char *data,
                   size_t len, char *url_out, size_t url_len, char *err, size_t err_len)
{
    bool named = strcasecmp(h->addressing, "hostname") == 0;
    const char *host = named ? h->host_name : h->ip;
    bool v6 = strchr(host, ':') != NULL;
    snprintf(url_out, url_len, "%s://%s%s%s:%d%s",
             strcasecmp(h->protocol, "HTTPS") == 0 ? "https" : "http", v6 ? "[" : "", host,
             v6 ? "]" : "", h->port, h->url);
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(err, err_len, "curl_easy_init failed");
        return 0;
    }
    char ct[200], iface[80];
    snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
    snprintf(iface, sizeof(iface), "host!%s", s->cfg.listen_addr);
    struct curl_slist *hdrs = curl_slist_append(NULL, ct);
    hdrs = curl_slist_append(hdrs, "Expect:");
    hdrs = curl_slist_append(hdrs, "Accept:");
    hdrs = curl_slist_append(hdrs, "Connection: close");
    size_t got = 0;
    curl_easy_setopt(c, CURLOPT_URL, url_out);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
    curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s->cfg.push_timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, s->cfg.push_timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, push__discard);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &got);
    if (h->user_name[0] && strcasecmp(h->auth_method, "none") != 0) {
        curl_easy_setopt(c, CURLOPT_USERNAME, h->user_name);
        curl_easy_setopt(c, CURLOPT_PASSWORD, h->password);
        curl_easy_setopt(c, CURLOPT_HTTPAUTH,
                         strcasecmp(h->auth_method, "MD5digest") == 0 ? CURLAUTH_DIGEST
                                                                      : CURLAUTH_BASIC);
    }
    long status = 0;
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    else
        snprintf(err, err_len, "%s", curl_easy_strerror(rc));
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    return status;
}

static json_t *push__one(sim *s, const sim_http_host *h, const sim_payload *p)
{
    char url[300], err[128] = "";
    long status = sim_push_post(s, h, p->content_type, p->body.data, p->body.len, url, sizeof(url),
                                err, sizeof(err));
    sim_push_record rec = {
        .at = time(NULL), .host_id = h->id, .bytes = p->body.len, .status = status};
    snprintf(rec.url, sizeof(rec.url), "%s", url);
    snprintf(rec.event_type, sizeof(rec.event_type), "%s", p->event_type);
    snprintf(rec.content_type, sizeof(rec.content_type), "%s", p->content_type);
    snprintf(rec.error, sizeof(rec.error), "%s", err);
    sim_state_record_push(s, &rec);
    sim_log(SIM_LOG_DEBUG, "pushed %s to %s: %ld %s", p->event_type, url, status, err);
    json_t *r = json_pack("{s:I, s:s}", "status", (json_int_t)status, "url", url);
    if (err[0])
        json_object_set_new(r, "error", json_string(err));
    return r;
}

static void push__run(sim *s, void *arg, sim_reply *reply)
{
    push_job *job = arg;
    json_t *hosts = json_array();
    for (int i = 0; i < job->n_hosts; i++)
        json_array_append_new(hosts, json_pack("{s:i, s:[]}", "id", job->hosts[i].id, "results"));
    char content_type[128] = "";
    int streamed = 0;
    for (int n = 1; n <= job->ev.count && !atomic_load(&s->stopping); n++) {
        job->ev.post_count = job->ev.count > 1 ? n : 1;
        sim_payload p;
        if (sim_payload_build(s, &job->ev, &p)) {
            sim_buf_free(&p.body);
            break;
        }
        snprintf(content_type, sizeof(content_type), "%s", p.content_type);
        if (job->to_streams)
            streamed = sim_alert_stream_publish(s, &p);
        for (int i = 0; i < job->n_hosts; i++) {
            json_t *h = json_array_get(hosts, (size_t)i);
            json_t *res = push__one(s, &job->hosts[i], &p);
            json_object_set(h, "status", json_object_get(res, "status"));
            json_object_set(h, "url", json_object_get(res, "url"));
            json_array_append_new(json_object_get(h, "results"), res);
        }
        sim_buf_free(&p.body);
        if (n < job->ev.count && job->interval_ms > 0)
            usleep((useconds_t)job->interval_ms * 1000);
    }
    json_t *out = json_pack("{s:s, s:i, s:s, s:o}", "kind", job->ev.kind, "count", job->ev.count,
                            "content_type", content_type, "hosts", hosts);
    json_object_set_new(out, "streams", json_integer(streamed));
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    sim_reply_text(reply, 200, "application/json", text ? text : "{}");
    free(text);
    free(job);
}

static void push__str(json_t *o, const char *key, char *out, size_t len)
{
    const char *v = json_string_value(json_object_get(o, key));
    if (v)
        snprintf(out, len, "%s", v);
}

static int push__int(json_t *o, const char *key, int dflt)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

static void push__error(sim_reply *r, int status, const char *msg)
{
    json_t *o = json_pack("{s:s}", "error", msg);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    sim_reply_text(r, status, "application/json", text ? text : "{}");
    free(text);
}

/* Fill ev from the request's JSON; NULL on success, else what is wrong. */
static const char *push__parse(sim *s, json_t *o, sim_event *ev, int *interval_ms)
{
    memset(ev, 0, sizeof(*ev));
    push__str(o, "kind", ev->kind, sizeof(ev->kind));
    if (!sim_payload_kind_known(ev->kind))
        return "unknown kind";
    ev->channel = push__int(o, "channel", 1);
    ev->region_id = push__int(o, "region_id", 1);
    ev->similarity = push__int(o, "similarity", 0);
    ev->count = push__int(o, "count", 1);
    *interval_ms = push__int(o, "interval_ms", 0);
    if (ev->channel < 1 || ev->channel > s->cfg.channels)
        return "channel out of range";
    if (ev->region_id < 1 || ev->region_id > 64 || ev->similarity < 0 || ev->similarity > 100)
        return "region_id or similarity out of range";
    if (ev->count < 1 || ev->count > PUSH_MAX_COUNT || *interval_ms < 0 || *interval_ms > 2000)
        return "count must be 1-100 and interval_ms 0-2000";
    push__str(o, "target", ev->target, sizeof(ev->target));
    push__str(o, "plate", ev->plate, sizeof(ev->plate));
    push__str(o, "list", ev->list, sizeof(ev->list));
    push__str(o, "direction", ev->direction, sizeof(ev->direction));
    push__str(o, "name", ev->name, sizeof(ev->name));
    snprintf(ev->state, sizeof(ev->state), "active");
    push__str(o, "state", ev->state, sizeof(ev->state));
    if (strcmp(ev->state, "active") != 0 && strcmp(ev->state, "inactive") != 0)
        return "state must be active or inactive";
    ev->pictures = json_is_true(json_object_get(o, "pictures"));
    if (strcmp(ev->kind, "raw") == 0) {
        push__str(o, "content_type", ev->raw_content_type, sizeof(ev->raw_content_type));
        json_t *body = json_object_get(o, "body");
        if (!ev->raw_content_type[0] || !json_is_string(body))
            return "raw needs content_type and body strings";
        ev->raw_len = json_string_length(body);
        if (ev->raw_len > PUSH_MAX_RAW)
            return "raw body too large";
        ev->raw_body = json_string_value(body);
    }
    return NULL;
}

/* Which hosts get the event, or why none does (written to skipped).
 * False when the trigger keeps the event from the center altogether. */
static bool push__targets(sim *s, push_job *job, char *skipped, size_t len)
{
    char id[48];
    pthread_mutex_lock(&s->st.lock);
    if (sim_payload_trigger_id(&job->ev, id, sizeof(id))) {
        const sim_trigger *t = sim_state_find_trigger_locked(s, id);
        bool center = !t;
        for (int i = 0; t && i < t->n_notifs; i++)
            center = center || strcmp(t->notifs[i].method, "center") == 0;
        if (!center) {
            snprintf(skipped, len, "trigger %s does not notify the surveillance center", id);
            pthread_mutex_unlock(&s->st.lock);
            return false;
        }
    }
    for (int i = 0; i < SIM_HTTP_HOSTS; i++) {
        if (sim_http_host_configured(&s->st.hosts[i]))
            job->hosts[job->n_hosts++] = s->st.hosts[i];
    }
    pthread_mutex_unlock(&s->st.lock);
    if (job->n_hosts == 0)
        snprintf(skipped, len, "no httpHosts slot is configured");
    return true;
}

static void push__fire(sim *s, const sim_request *req, sim_reply *reply)
{
    json_error_t jerr;
    json_t *o = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(o)) {
        json_decref(o);
        push__error(reply, 400, "body is not a JSON object");
        return;
    }
    sim_event ev;
    int interval_ms = 0;
    const char *bad = push__parse(s, o, &ev, &interval_ms);
    push_job *job = bad ? NULL : calloc(1, sizeof(*job) + ev.raw_len + 1);
    if (job) {
        job->ev = ev;
        job->interval_ms = interval_ms;
        if (ev.raw_body)
            memcpy(job->raw, ev.raw_body, ev.raw_len);
        job->ev.raw_body = job->raw; /* the JSON document goes away below */
    }
    json_decref(o);
    if (!job) {
        push__error(reply, bad ? 400 : 500, bad ? bad : "out of memory");
        return;
    }
    char skipped[160] = "";
    job->to_streams = push__targets(s, job, skipped, sizeof(skipped));
    if (skipped[0] && !(job->to_streams && sim_alert_stream_open_count(s) > 0)) {
        json_t *out = json_pack("{s:s, s:i, s:[], s:s}", "kind", ev.kind, "count", ev.count,
                                "hosts", "skipped", skipped);
        char *text = json_dumps(out, JSON_COMPACT);
        json_decref(out);
        sim_reply_text(reply, 200, "application/json", text ? text : "{}");
        free(text);
        free(job);
        return;
    }
    reply->job = push__run;
    reply->job_arg = job;
}

bool sim_push_handle(sim *s, const sim_request *req, sim_reply *reply)
{
    if (strcmp(req->path, "/sim/events") != 0)
        return false;
    if (strcmp(req->method, "POST") != 0)
        push__error(reply, 405, "use POST");
    else
        push__fire(s, req, reply);
    return true;
}
