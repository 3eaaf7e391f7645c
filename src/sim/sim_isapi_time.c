/* sim_isapi_time.c: the simulated clock settings (/ISAPI/System/time and
 * /ISAPI/System/time/ntpServers/<id>).
 *
 * The clock itself is the host's; what a gateway changes here is the
 * mode, the time zone and the NTP server, kept in memory and shown by the
 * next GET exactly as written. Documents carry an element this code does
 * not interpret (a DST block, NTP authentication), so a client that drops
 * what it does not know is caught by the next GET. */
#include "sim.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TIME_NTP_SERVERS 2

typedef struct time_ntp {
    char format[16]; /* ipaddress, hostname */
    char host[128];
    int port;
    int interval;
} time_ntp;

static struct {
    pthread_mutex_t mu;
    char mode[16];
    char zone[64];
    char dst[16]; /* the element nobody interprets */
    time_ntp ntp[TIME_NTP_SERVERS];
    unsigned long time_writes, ntp_writes;
} clk = {
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .mode = "manual",
    .zone = "CST-8:00:00",
    .dst = "false",
    .ntp = {{"hostname", "time.windows.com", 123, 1440}, {"hostname", "pool.ntp.org", 123, 1440}}};

static void time__xml_reply(sim_reply *r)
{
    r->status = 200;
    snprintf(r->content_type, sizeof(r->content_type), "application/xml");
}

static void time__get(sim_reply *r)
{
    char local[40];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(local, sizeof local, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
    sim_buf *b = &r->body;
    sim_xml_begin(b, "Time");
    pthread_mutex_lock(&clk.mu);
    sim_buf_elem(b, "timeMode", clk.mode);
    sim_buf_elem(b, "localTime", local);
    sim_buf_elem(b, "timeZone", clk.zone);
    sim_buf_elem(b, "dstEnabled", clk.dst);
    pthread_mutex_unlock(&clk.mu);
    sim_buf_str(b, "</Time>\r\n");
    time__xml_reply(r);
}

static void time__put(const sim_request *req, sim_reply *r)
{
    xmlDoc *doc = sim_xml_parse(req->body, req->body_len);
    if (!doc)
        return sim_xml_bad_format(r, req->path);
    xmlNode *root = xmlDocGetRootElement(doc);
    char mode[16] = "", zone[64] = "", dst[16] = "";
    bool ok = sim_xml_is(root, "Time") && sim_xml_text(root, "timeMode", mode, sizeof mode) &&
              (strcmp(mode, "NTP") == 0 || strcmp(mode, "manual") == 0) &&
              sim_xml_text(root, "timeZone", zone, sizeof zone) && zone[0] &&
              sim_xml_text(root, "dstEnabled", dst, sizeof dst);
    xmlFreeDoc(doc);
    if (!ok)
        return sim_xml_bad_content(r, req->path);
    pthread_mutex_lock(&clk.mu);
    snprintf(clk.mode, sizeof clk.mode, "%s", mode);
    snprintf(clk.zone, sizeof clk.zone, "%s", zone);
    snprintf(clk.dst, sizeof clk.dst, "%s", dst);
    clk.time_writes++;
    pthread_mutex_unlock(&clk.mu);
    sim_xml_ok(r, req->path);
}

static void time__ntp_get(int id, sim_reply *r)
{
    sim_buf *b = &r->body;
    pthread_mutex_lock(&clk.mu);
    const time_ntp *n = &clk.ntp[id - 1];
    bool ip = strcmp(n->format, "ipaddress") == 0;
    sim_xml_begin(b, "NTPServer");
    sim_buf_elemf(b, "id", "%d", id);
    sim_buf_elem(b, "addressingFormatType", n->format);
    sim_buf_elem(b, ip ? "ipAddress" : "hostName", n->host);
    sim_buf_elemf(b, "portNo", "%d", n->port);
    sim_buf_elemf(b, "synchronizeInterval", "%d", n->interval);
    pthread_mutex_unlock(&clk.mu);
    sim_buf_str(b, "</NTPServer>\r\n");
    time__xml_reply(r);
}

static void time__ntp_put(int id, const sim_request *req, sim_reply *r)
{
    xmlDoc *doc = sim_xml_parse(req->body, req->body_len);
    if (!doc)
        return sim_xml_bad_format(r, req->path);
    xmlNode *root = xmlDocGetRootElement(doc);
    time_ntp n = {0};
    bool ok = sim_xml_is(root, "NTPServer") &&
              sim_xml_text(root, "addressingFormatType", n.format, sizeof n.format) &&
              sim_xml_int(root, "portNo", 1, 65535, &n.port) &&
              sim_xml_int(root, "synchronizeInterval", 1, 10080, &n.interval);
    if (ok && strcmp(n.format, "ipaddress") == 0)
        ok = sim_xml_text(root, "ipAddress", n.host, sizeof n.host) && n.host[0];
    else if (ok && strcmp(n.format, "hostname") == 0)
        ok = sim_xml_text(root, "hostName", n.host, sizeof n.host) && n.host[0];
    else
        ok = false;
    xmlFreeDoc(doc);
    if (!ok)
        return sim_xml_bad_content(r, req->path);
    pthread_mutex_lock(&clk.mu);
    clk.ntp[id - 1] = n;
    clk.ntp_writes++;
    pthread_mutex_unlock(&clk.mu);
    sim_xml_ok(r, req->path);
}

static void time__ntp(const char *arg, const sim_request *req, sim_reply *r)
{
    char *end;
    long id = strtol(arg, &end, 10);
    if (*end || id < 1 || id > TIME_NTP_SERVERS)
        return sim_xml_not_found(r, req->path);
    if (strcmp(req->method, "GET") == 0)
        time__ntp_get((int)id, r);
    else if (strcmp(req->method, "PUT") == 0)
        time__ntp_put((int)id, req, r);
    else
        sim_xml_bad_method(r, req->path);
}

bool sim_isapi_time_handle(sim *s, const sim_request *req, sim_reply *reply)
{
    char arg[16];
    if (sim_xml_path_is(req->path, "/ISAPI/System/time", NULL, 0)) {
        if (strcmp(req->method, "GET") == 0)
            time__get(reply);
        else if (strcmp(req->method, "PUT") == 0)
            time__put(req, reply);
        else
            sim_xml_bad_method(reply, req->path);
        return true;
    }
    if (sim_xml_path_is(req->path, "/ISAPI/System/time/ntpServers/*", arg, sizeof arg)) {
        time__ntp(arg, req, reply);
        return true;
    }
    return false;
}
