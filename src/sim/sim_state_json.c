/* sim_state_json.c: GET /sim/state, the simulator's state as JSON for
 * tests and for people developing without hardware. Read under the state
 * lock, so one dump is one consistent picture. */
#include "sim.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *const json__auth_names[] = {"digest", "digest-sha256", "digest-both", "basic",
                                               "digest-basic"};

static json_t *json__identity(const sim *s)
{
    const sim_config *c = &s->cfg;
    return json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:i}", "address",
                     c->listen_addr, "port", c->port, "model", c->model, "serial", c->serial, "mac",
                     c->mac, "firmware", c->firmware, "device_type", c->device_type, "device_id",
                     c->device_id, "channels", c->channels, "realm", c->realm, "auth",
                     json__auth_names[c->auth], "lockout_after", c->lockout_after,
                     "lockout_seconds", c->lockout_seconds);
}

static json_t *json__masks(const sim *s)
{
    json_t *arr = json_array();
    for (int c = 0; c < s->cfg.channels; c++) {
        const sim_privacy_mask *m = &s->st.masks[c];
        json_array_append_new(arr, json_pack("{s:i, s:b, s:i, s:I}", "channel", c + 1, "enabled",
                                             m->enabled, "regions", m->n_regions, "puts",
                                             (json_int_t)m->puts));
    }
    return arr;
}

static json_t *json__hosts(const sim *s)
{
    json_t *arr = json_array();
    for (int i = 0; i < SIM_HTTP_HOSTS; i++) {
        const sim_http_host *h = &s->st.hosts[i];
        json_array_append_new(arr,
                              json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:b}", "id",
                                        h->id, "url", h->url, "protocol", h->protocol, "format",
                                        h->format, "addressing", h->addressing, "ip_address", h->ip,
                                        "host_name", h->host_name, "port", h->port, "auth_method",
                                        h->auth_method, "configured", sim_http_host_configured(h)));
    }
    return arr;
}

static json_t *json__triggers(const sim *s)
{
    json_t *obj = json_object();
    for (int i = 0; i < s->st.n_triggers; i++) {
        const sim_trigger *t = &s->st.triggers[i];
        json_t *methods = json_array();
        for (int k = 0; k < t->n_notifs; k++)
            json_array_append_new(methods, json_string(t->notifs[k].method));
        json_object_set_new(obj, t->id, methods);
    }
    return obj;
}

static json_t *json__clients(const sim *s)
{
    time_t now = time(NULL);
    json_t *arr = json_array();
    for (int i = 0; i < SIM_MAX_CLIENTS; i++) {
        const sim_client *c = &s->st.clients[i];
        if (!c->ip[0])
            continue;
        bool locked = c->lock_until > now;
        json_array_append_new(arr, json_pack("{s:s, s:i, s:b, s:I}", "ip", c->ip, "failed_logins",
                                             c->failures, "locked", locked, "unlock_in",
                                             (json_int_t)(locked ? c->lock_until - now : 0)));
    }
    return arr;
}

static json_t *json__pushes(const sim *s)
{
    json_t *recent = json_array();
    unsigned long n = s->st.n_pushes;
    unsigned long first = n > SIM_PUSH_LOG ? n - SIM_PUSH_LOG : 0;
    for (unsigned long i = first; i < n; i++) {
        const sim_push_record *p = &s->st.pushes[i % SIM_PUSH_LOG];
        json_t *o = json_pack("{s:I, s:i, s:s, s:s, s:s, s:I, s:I}", "at", (json_int_t)p->at,
                              "host", p->host_id, "url", p->url, "event_type", p->event_type,
                              "content_type", p->content_type, "bytes", (json_int_t)p->bytes,
                              "status", (json_int_t)p->status);
        if (p->error[0])
            json_object_set_new(o, "error", json_string(p->error));
        json_array_append_new(recent, o);
    }
    return json_pack("{s:I, s:o}", "total", (json_int_t)n, "recent", recent);
}

static json_t *json__requests(const sim *s)
{
    json_t *obj = json_object();
    for (int i = 0; i < s->st.n_paths; i++)
        json_object_set_new(obj, s->st.paths[i].path,
                            json_integer((json_int_t)s->st.paths[i].count));
    return obj;
}

hik_err sim_state_dump(sim *s, sim_buf *out)
{
    pthread_mutex_lock(&s->st.lock);
    json_t *root = json_object();
    json_object_set_new(root, "identity", json__identity(s));
    json_object_set_new(root, "privacy_mask", json__masks(s));
    json_object_set_new(root, "http_hosts", json__hosts(s));
    json_object_set_new(root, "triggers", json__triggers(s));
    json_object_set_new(root, "clients", json__clients(s));
    json_object_set_new(root, "logins_ok", json_integer((json_int_t)s->st.logins_ok));
    json_object_set_new(root, "requests", json__requests(s));
    json_object_set_new(root, "requests_untracked", json_integer((json_int_t)s->st.paths_dropped));
    json_object_set_new(root, "pushes", json__pushes(s));
    json_object_set_new(root, "alert_streams", sim_alert_stream_state_json(s));
    json_object_set_new(root, "sadp", sim_sadp_state_json(s));
    json_object_set_new(root, "maintenance", sim_maintenance_json(s));
    pthread_mutex_unlock(&s->st.lock);
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
    json_decref(root);
    if (!text)
        return HIK_ERR_NOMEM;
    sim_buf_str(out, text);
    free(text);
    return sim_buf_err(out);
}
