/* sim_isapi_http_hosts.c: /ISAPI/Event/notification/httpHosts, the
 * "alarm server" slots a camera pushes events to.
 *
 * Three slots, as most cameras have (hostNumber in the capabilities). An
 * empty slot reads back as address 0.0.0.0 with an empty url, the way
 * cameras show it; only a slot with an address, a port and a url receives
 * pushes. The slot password is write-only, as on devices. */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HOSTS_PATH "/ISAPI/Event/notification/httpHosts"

bool sim_http_host_configured(const sim_http_host *h)
{
    bool named = strcasecmp(h->addressing, "hostname") == 0;
    const char *where = named ? h->host_name : h->ip;
    return where[0] && strcmp(where, "0.0.0.0") != 0 && h->port > 0 && h->url[0];
}

static void hosts__write(sim_buf *b, const sim_http_host *h, bool root)
{
    if (root)
        sim_xml_begin(b, "HttpHostNotification");
    else
        sim_buf_str(b, "<HttpHostNotification>\r\n");
    sim_buf_elemf(b, "id", "%d", h->id);
    sim_buf_elem(b, "url", h->url);
    sim_buf_elem(b, "protocolType", h->protocol);
    sim_buf_elem(b, "parameterFormatType", h->format);
    sim_buf_elem(b, "addressingFormatType", h->addressing);
    if (strcasecmp(h->addressing, "hostname") == 0)
        sim_buf_elem(b, "hostName", h->host_name);
    else
        sim_buf_elem(b, "ipAddress", h->ip);
    sim_buf_elemf(b, "portNo", "%d", h->port);
    sim_buf_elem(b, "userName", h->user_name);
    sim_buf_elem(b, "httpAuthenticationMethod", h->auth_method);
    sim_buf_elem(b, "httpBroken", "false");
    sim_buf_str(b, "</HttpHostNotification>\r\n");
}

static bool hosts__one_of(const char *v, const char *const *allowed)
{
    for (; *allowed; allowed++) {
        if (strcasecmp(v, *allowed) == 0)
            return true;
    }
    return false;
}

/* Optional text child: keep the default when absent. */
static bool hosts__opt(const xmlNode *n, const char *name, char *out, size_t len)
{
    if (!sim_xml_child(n, name))
        return true;
    return sim_xml_text(n, name, out, len);
}

static bool hosts__parse(const xmlNode *n, sim_http_host *h)
{
    static const char *const protocols[] = {"HTTP", "HTTPS", "EHome", NULL};
    static const char *const formats[] = {"XML", "JSON", NULL};
    static const char *const addressing[] = {"ipaddress", "hostname", NULL};
    static const char *const methods[] = {"none", "MD5digest", "base64", "basic", NULL};
    int id = 0;
    if (!sim_xml_int(n, "id", 1, SIM_HTTP_HOSTS, &id))
        return false;
    sim_http_host out = {.id = id, .port = 80};
    snprintf(out.protocol, sizeof(out.protocol), "HTTP");
    snprintf(out.format, sizeof(out.format), "XML");
    snprintf(out.addressing, sizeof(out.addressing), "ipaddress");
    snprintf(out.auth_method, sizeof(out.auth_method), "none");
    bool ok = hosts__opt(n, "url", out.url, sizeof(out.url)) &&
              hosts__opt(n, "protocolType", out.protocol, sizeof(out.protocol)) &&
              hosts__opt(n, "parameterFormatType", out.format, sizeof(out.format)) &&
              hosts__opt(n, "addressingFormatType", out.addressing, sizeof(out.addressing)) &&
              hosts__opt(n, "ipAddress", out.ip, sizeof(out.ip)) &&
              hosts__opt(n, "hostName", out.host_name, sizeof(out.host_name)) &&
              hosts__opt(n, "userName", out.user_name, sizeof(out.user_name)) &&
              hosts__opt(n, "password", out.password, sizeof(out.password)) &&
              hosts__opt(n, "httpAuthenticationMethod", out.auth_method, sizeof(out.auth_method));
    if (!ok || (sim_xml_child(n, "portNo") && !sim_xml_int(n, "portNo", 1, 65535, &out.port)))
        return false;
    if (!hosts__one_of(out.protocol, protocols) || !hosts__one_of(out.format, formats) ||
        !hosts__one_of(out.addressing, addressing) || !hosts__one_of(out.auth_method, methods))
        return false;
    if (out.url[0] && out.url[0] != '/')
        return false;
    *h = out;
    return true;
}

/* PUT of the list (root HttpHostNotificationList) or of slot `id`. */
static void hosts__put(sim *s, int id, const sim_request *req, sim_reply *r)
{
    xmlDoc *doc = sim_xml_parse(req->body, req->body_len);
    if (!doc) {
        sim_xml_bad_format(r, req->path);
        return;
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    sim_http_host hosts[SIM_HTTP_HOSTS];
    pthread_mutex_lock(&s->st.lock);
    memcpy(hosts, s->st.hosts, sizeof(hosts));
    pthread_mutex_unlock(&s->st.lock);
    bool ok = true;
    sim_http_host h;
    if (id == 0 && sim_xml_is(root, "HttpHostNotificationList")) {
        for (xmlNode *n = root->children; ok && n; n = n->next) {
            if (!sim_xml_is(n, "HttpHostNotification"))
                continue;
            ok = hosts__parse(n, &h);
            if (ok)
                hosts[h.id - 1] = h;
        }
    } else if (id > 0 && sim_xml_is(root, "HttpHostNotification")) {
        ok = hosts__parse(root, &h) && h.id == id;
        if (ok)
            hosts[id - 1] = h;
    } else {
        ok = false;
    }
    xmlFreeDoc(doc);
    if (!ok) {
        sim_xml_bad_content(r, req->path);
        return;
    }
    pthread_mutex_lock(&s->st.lock);
    memcpy(s->st.hosts, hosts, sizeof(hosts));
    pthread_mutex_unlock(&s->st.lock);
    sim_xml_ok(r, req->path);
}

static void hosts__get(sim *s, int id, sim_reply *r)
{
    pthread_mutex_lock(&s->st.lock);
    if (id > 0) {
        hosts__write(&r->body, &s->st.hosts[id - 1], true);
    } else {
        sim_xml_begin(&r->body, "HttpHostNotificationList");
        for (int i = 0; i < SIM_HTTP_HOSTS; i++)
            hosts__write(&r->body, &s->st.hosts[i], false);
        sim_buf_str(&r->body, "</HttpHostNotificationList>\r\n");
    }
    pthread_mutex_unlock(&s->st.lock);
    r->status = 200;
    snprintf(r->content_type, sizeof(r->content_type), "application/xml");
}

static void hosts__capabilities(sim_reply *r)
{
    sim_buf *b = &r->body;
    sim_xml_begin(b, "HttpHostNotificationCap");
    sim_buf_printf(b, "<hostNumber>%d</hostNumber>\r\n", SIM_HTTP_HOSTS);
    sim_buf_str(b, "<urlLen max=\"128\"/>\r\n"
                   "<protocolType opt=\"HTTP,HTTPS,EHome\"/>\r\n"
                   "<parameterFormatType opt=\"XML,JSON\"/>\r\n"
                   "<addressingFormatType opt=\"ipaddress,hostname\"/>\r\n"
                   "<hostName/>\r\n"
                   "<ipAddress opt=\"ipv4,ipv6\"/>\r\n"
                   "<portNo min=\"1\" max=\"65535\"/>\r\n"
                   "<userNameLen min=\"1\" max=\"32\"/>\r\n"
                   "<passwordLen min=\"1\" max=\"16\"/>\r\n"
                   "<httpAuthenticationMethod opt=\"none,MD5digest\"/>\r\n"
                   "</HttpHostNotificationCap>\r\n");
    r->status = 200;
    snprintf(r->content_type, sizeof(r->content_type), "application/xml");
}

typedef struct hosts_test {
    sim_http_host host;
    char path[256];
} hosts_test;

/* Worker thread: what the camera UI's "Test" button does. */
static void hosts__test_job(sim *s, void *arg, sim_reply *r)
{
    hosts_test *t = arg;
    sim_buf body;
    sim_buf_init(&body, 64 * 1024);
    sim_push_test_alert(s, &body);
    char url[300], err[128] = "";
    long status = sim_push_post(s, &t->host, "application/xml", body.data, body.len, url,
                                sizeof(url), err, sizeof(err));
    sim_buf_free(&body);
    if (status >= 200 && status < 300) {
        sim_xml_ok(r, t->path);
    } else {
        sim_log(SIM_LOG_INFO, "httpHosts test to %s failed: %s (HTTP %ld)", url, err, status);
        sim_xml_status(r, 500, t->path, 3, "Device Error", "connectServerFail");
    }
    free(t);
}

static void hosts__test(sim *s, int id, const sim_request *req, sim_reply *r)
{
    if (strcmp(req->method, "POST") != 0) {
        sim_xml_bad_method(r, req->path);
        return;
    }
    hosts_test *t = calloc(1, sizeof(*t));
    if (!t) {
        sim_xml_status(r, 500, req->path, 2, "Device Busy", "deviceBusy");
        return;
    }
    pthread_mutex_lock(&s->st.lock);
    t->host = s->st.hosts[id - 1];
    pthread_mutex_unlock(&s->st.lock);
    snprintf(t->path, sizeof(t->path), "%s", req->path);
    if (!sim_http_host_configured(&t->host)) {
        free(t);
        sim_xml_status(r, 400, req->path, 6, "Invalid XML Content", "badParameters");
        return;
    }
    r->job = hosts__test_job;
    r->job_arg = t;
}

static int hosts__id(const char *arg)
{
    char *end;
    long id = strtol(arg, &end, 10);
    return (*end == '\0' && id >= 1 && id <= SIM_HTTP_HOSTS) ? (int)id : -1;
}

bool sim_isapi_http_hosts_handle(sim *s, const sim_request *req, sim_reply *reply)
{
    char arg[16];
    int id = 0;
    bool get = strcmp(req->method, "GET") == 0, put = strcmp(req->method, "PUT") == 0;
    if (sim_xml_path_is(req->path, HOSTS_PATH "/capabilities", NULL, 0)) {
        if (get)
            hosts__capabilities(reply);
        else
            sim_xml_bad_method(reply, req->path);
        return true;
    }
    if (sim_xml_path_is(req->path, HOSTS_PATH "/*/test", arg, sizeof(arg))) {
        if ((id = hosts__id(arg)) < 0)
            sim_xml_not_found(reply, req->path);
        else
            hosts__test(s, id, req, reply);
        return true;
    }
    if (sim_xml_path_is(req->path, HOSTS_PATH "/*", arg, sizeof(arg))) {
        if ((id = hosts__id(arg)) < 0) {
            sim_xml_not_found(reply, req->path);
            return true;
        }
    } else if (!sim_xml_path_is(req->path, HOSTS_PATH, NULL, 0)) {
        return false;
    }
    if (get)
        hosts__get(s, id, reply);
    else if (put)
        hosts__put(s, id, req, reply);
    else
        sim_xml_bad_method(reply, req->path);
    return true;
}
