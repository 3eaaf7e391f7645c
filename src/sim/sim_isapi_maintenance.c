/* sim_isapi_maintenance.c: the IP address, reboot, firmware upgrade and
 * configuration backup of the simulated device.
 *
 * The IP address is state only: a PUT is recorded and read back, and the
 * simulator keeps listening where it is (moving it would take the test
 * harness's address away). A reboot closes the listener and every
 * connection for --reboot-seconds, then listens again, so clients see what
 * they see with a real device: refused connections, then the device back.
 *
 * A firmware upload is checked with the same header test as libhik (a
 * corrupt file gets a ResponseStatus, not an upgrade). A good one is
 * "installed" over a few seconds that upgradeStatus reports, then the
 * device restarts and comes back with the new version: the text after
 * "hiksim-version=" in the image when there is one, else the old version
 * with ".1" added.
 *
 * configurationData is an opaque binary blob: a magic, a format version,
 * a length, a checksum, and the privacy masks, httpHosts, triggers and IP
 * settings. Importing it restores them; a damaged blob is refused. */
#include "sim.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "hik/isapi_manage.h"

#define MAINT_UPGRADE_SECONDS 3
#define MAINT_BLOB_MAGIC "HIKSIMCFG"
#define MAINT_BLOB_VERSION 1u

typedef struct maint_blob_header {
    char magic[10];
    uint32_t version;
    uint32_t length; /* of the payload after this header */
    uint64_t checksum;
} maint_blob_header;

typedef struct maint_blob {
    sim_privacy_mask masks[SIM_MAX_CHANNELS];
    int n_triggers;
    sim_trigger triggers[SIM_MAX_TRIGGERS];
    sim_http_host hosts[SIM_HTTP_HOSTS];
    sim_ip ip;
} maint_blob;

void sim_maintenance_init(sim *s)
{
    sim_maint *m = &s->st.maint;
    int last = 64;
    sscanf(s->cfg.listen_addr, "%*u.%*u.%*u.%d", &last);
    snprintf(m->ip.addressing, sizeof(m->ip.addressing), "static");
    snprintf(m->ip.address, sizeof(m->ip.address), "192.0.2.%d", last & 0xff);
    snprintf(m->ip.mask, sizeof(m->ip.mask), "255.255.255.0");
    snprintf(m->ip.gateway, sizeof(m->ip.gateway), "192.0.2.1");
    snprintf(m->ip.dns1, sizeof(m->ip.dns1), "192.0.2.53");
    m->activated = !s->cfg.inactive;
}

static uint64_t maint__fnv(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

/* ---- ipAddress ---------------------------------------------------------- */

static void maint__ip_get(sim *s, sim_reply *r)
{
    pthread_mutex_lock(&s->st.lock);
    sim_ip ip = s->st.maint.ip;
    pthread_mutex_unlock(&s->st.lock);
    sim_buf *b = &r->body;
    sim_xml_begin(b, "IPAddress");
    sim_buf_elem(b, "ipVersion", "dual");
    sim_buf_elem(b, "addressingType", ip.addressing);
    sim_buf_elem(b, "ipAddress", ip.address);
    sim_buf_elem(b, "subnetMask", ip.mask);
    sim_buf_str(b, "<DefaultGateway>\r\n");
    sim_buf_elem(b, "ipAddress", ip.gateway);
    sim_buf_str(b, "</DefaultGateway>\r\n<PrimaryDNS>\r\n");
    sim_buf_elem(b, "ipAddress", ip.dns1);
    sim_buf_str(b, "</PrimaryDNS>\r\n<SecondaryDNS>\r\n");
    sim_buf_elem(b, "ipAddress", ip.dns2);
    sim_buf_str(b, "</SecondaryDNS>\r\n<Ipv6Mode>\r\n<ipV6AddressingType>ra</ipV6AddressingType>"
                   "\r\n</Ipv6Mode>\r\n</IPAddress>\r\n");
    r->status = 200;
    snprintf(r->content_type, sizeof(r->content_type), "application/xml");
}

static bool maint__nested(const xmlNode *root, const char *wrapper, char *out, size_t len)
{
    xmlNode *w = sim_xml_child(root, wrapper);
    return !w || !sim_xml_child(w, "ipAddress") || sim_xml_text(w, "ipAddress", out, len);
}

static void maint__ip_put(sim *s, const sim_request *req, sim_reply *r)
{
    xmlDoc *doc = sim_xml_parse(req->body, req->body_len);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    pthread_mutex_lock(&s->st.lock);
    sim_ip ip = s->st.maint.ip;
    pthread_mutex_unlock(&s->st.lock);
    bool ok = root && sim_xml_is(root, "IPAddress") &&
              sim_xml_text(root, "addressingType", ip.addressing, sizeof(ip.addressing)) &&
              (!strcmp(ip.addressing, "static") || !strcmp(ip.addressing, "dynamic")) &&
              sim_xml_text(root, "ipAddress", ip.address, sizeof(ip.address)) &&
              sim_xml_text(root, "subnetMask", ip.mask, sizeof(ip.mask)) &&
              maint__nested(root, "DefaultGateway", ip.gateway, sizeof(ip.gateway)) &&
              maint__nested(root, "PrimaryDNS", ip.dns1, sizeof(ip.dns1)) &&
              maint__nested(root, "SecondaryDNS", ip.dns2, sizeof(ip.dns2));
    xmlFreeDoc(doc);
    if (!ok) {
        sim_xml_bad_content(r, req->path);
        return;
    }
    pthread_mutex_lock(&s->st.lock);
    s->st.maint.ip = ip;
    pthread_mutex_unlock(&s->st.lock);
    sim_log(SIM_LOG_INFO, "ipAddress set: %s %s/%s gw %s", ip.addressing, ip.address, ip.mask,
            ip.gateway);
    sim_xml_ok(r, req->path);
}

/* ---- reboot and firmware ------------------------------------------------ */

static void maint__while_down(sim *s)
{
    pthread_mutex_lock(&s->st.lock);
    s->st.maint.reboots++;
    if (s->st.maint.upgrade_started) {
        snprintf(s->cfg.firmware, sizeof(s->cfg.firmware), "%s", s->st.maint.pending_firmware);
        s->st.maint.upgrade_started = 0;
        sim_log(SIM_LOG_INFO, "firmware now %s", s->cfg.firmware);
    }
    pthread_mutex_unlock(&s->st.lock);
}

static void maint__reboot(sim *s, const sim_request *req, sim_reply *r)
{
    if (!sim_http_restart(s, s->cfg.reboot_seconds, maint__while_down)) {
        sim_xml_status(r, 200, req->path, 2, "Device Busy", "deviceBusy");
        return;
    }
    sim_xml_ok(r, req->path);
}

static void *maint__upgrade_main(void *arg)
{
    sim *s = arg;
    for (int i = 0; i < MAINT_UPGRADE_SECONDS * 10 && !atomic_load(&s->stopping); i++)
        usleep(100 * 1000);
    if (!atomic_load(&s->stopping))
        sim_http_restart(s, s->cfg.reboot_seconds, maint__while_down);
    return NULL;
}

static void maint__new_version(sim *s, const sim_request *req, char *out, size_t len)
{
    const char *tag = memmem(req->body, req->body_len, "hiksim-version=", 15);
    if (tag) {
        size_t n = 0;
        tag += 15;
        while (n + 1 < len && tag + n < req->body + req->body_len && tag[n] > ' ' && tag[n] < 0x7f)
            n++;
        memcpy(out, tag, n);
        out[n] = '\0';
    } else {
        snprintf(out, len, "%.28s.1", s->cfg.firmware);
    }
}

static void maint__firmware(sim *s, const sim_request *req, sim_reply *r)
{
    char why[128];
    if (hik_firmware_check_header((const uint8_t *)req->body, req->body_len, req->body_len, why,
                                  sizeof(why))) {
        sim_log(SIM_LOG_INFO, "firmware upload refused: %s", why);
        sim_xml_status(r, 400, req->path, 6, "Invalid Content", "upgradeFileError");
        return;
    }
    pthread_mutex_lock(&s->st.lock);
    bool busy = s->st.maint.upgrade_started != 0;
    if (!busy) {
        s->st.maint.upgrade_started = time(NULL);
        maint__new_version(s, req, s->st.maint.pending_firmware,
                           sizeof(s->st.maint.pending_firmware));
    }
    pthread_mutex_unlock(&s->st.lock);
    pthread_t tid;
    if (busy) {
        sim_xml_status(r, 200, req->path, 2, "Device Busy", "upgrading");
        return;
    }
    if (pthread_create(&tid, NULL, maint__upgrade_main, s) == 0)
        pthread_detach(tid);
    sim_log(SIM_LOG_INFO, "firmware upload of %zu bytes accepted", req->body_len);
    sim_xml_ok(r, req->path);
}

static void maint__upgrade_status(sim *s, sim_reply *r)
{
    pthread_mutex_lock(&s->st.lock);
    time_t started = s->st.maint.upgrade_started;
    pthread_mutex_unlock(&s->st.lock);
    int pct = 0;
    if (started) {
        pct = (int)((time(NULL) - started) * 100 / MAINT_UPGRADE_SECONDS);
        pct = pct > 100 ? 100 : pct;
    }
    sim_xml_begin(&r->body, "upgradeStatus");
    sim_buf_elem(&r->body, "upgrading", started && pct < 100 ? "true" : "false");
    sim_buf_elemf(&r->body, "percent", "%d", pct);
    sim_buf_str(&r->body, "</upgradeStatus>\r\n");
    r->status = 200;
    snprintf(r->content_type, sizeof(r->content_type), "application/xml");
}

/* ---- configurationData -------------------------------------------------- */

static void maint__config_get(sim *s, sim_reply *r)
{
    maint_blob *blob = calloc(1, sizeof(*blob));
    if (!blob) {
        sim_reply_text(r, 500, "text/plain", "out of memory\n");
        return;
    }
    pthread_mutex_lock(&s->st.lock);
    memcpy(blob->masks, s->st.masks, sizeof(blob->masks));
    blob->n_triggers = s->st.n_triggers;
    memcpy(blob->triggers, s->st.triggers, sizeof(blob->triggers));
    memcpy(blob->hosts, s->st.hosts, sizeof(blob->hosts));
    blob->ip = s->st.maint.ip;
    pthread_mutex_unlock(&s->st.lock);
    maint_blob_header h = {.version = MAINT_BLOB_VERSION, .length = sizeof(*blob)};
    memcpy(h.magic, MAINT_BLOB_MAGIC, sizeof(h.magic));
    h.checksum = maint__fnv((const uint8_t *)blob, sizeof(*blob));
    sim_buf_add(&r->body, &h, sizeof(h));
    sim_buf_add(&r->body, blob, sizeof(*blob));
    free(blob);
    r->status = 200;
    snprintf(r->content_type, sizeof(r->content_type), "application/octet-stream");
}

static void maint__config_put(sim *s, const sim_request *req, sim_reply *r)
{
    maint_blob_header h;
    const maint_blob *blob = (const maint_blob *)(req->body + sizeof(h));
    if (req->body_len != sizeof(h) + sizeof(maint_blob)) {
        sim_xml_status(r, 400, req->path, 6, "Invalid Content", "badConfigurationFile");
        return;
    }
    memcpy(&h, req->body, sizeof(h));
    maint_blob *copy = malloc(sizeof(*copy));
    if (!copy) {
        sim_reply_text(r, 500, "text/plain", "out of memory\n");
        return;
    }
    memcpy(copy, blob, sizeof(*copy));
    if (memcmp(h.magic, MAINT_BLOB_MAGIC, sizeof(h.magic)) != 0 ||
        h.version != MAINT_BLOB_VERSION || h.length != sizeof(*copy) ||
        h.checksum != maint__fnv((const uint8_t *)copy, sizeof(*copy)) || copy->n_triggers < 0 ||
        copy->n_triggers > SIM_MAX_TRIGGERS) {
        free(copy);
        sim_xml_status(r, 400, req->path, 6, "Invalid Content", "badConfigurationFile");
        return;
    }
    pthread_mutex_lock(&s->st.lock);
    memcpy(s->st.masks, copy->masks, sizeof(s->st.masks));
    s->st.n_triggers = copy->n_triggers;
    memcpy(s->st.triggers, copy->triggers, sizeof(s->st.triggers));
    memcpy(s->st.hosts, copy->hosts, sizeof(s->st.hosts));
    s->st.maint.ip = copy->ip;
    s->st.maint.config_imports++;
    pthread_mutex_unlock(&s->st.lock);
    free(copy);
    sim_log(SIM_LOG_INFO, "configuration imported");
    sim_xml_ok(r, req->path);
}

bool sim_isapi_maintenance_handle(sim *s, const sim_request *req, sim_reply *reply)
{
    const char *p = req->path, *m = req->method;
    bool get = !strcmp(m, "GET"), put = !strcmp(m, "PUT");
    if (!strcasecmp(p, "/ISAPI/System/Network/interfaces/1/ipAddress")) {
        if (get)
            maint__ip_get(s, reply);
        else if (put)
            maint__ip_put(s, req, reply);
        else
            sim_xml_bad_method(reply, p);
    } else if (!strcasecmp(p, "/ISAPI/System/reboot")) {
        if (put)
            maint__reboot(s, req, reply);
        else
            sim_xml_bad_method(reply, p);
    } else if (!strcasecmp(p, "/ISAPI/System/updateFirmware")) {
        if (put || !strcmp(m, "POST"))
            maint__firmware(s, req, reply);
        else
            sim_xml_bad_method(reply, p);
    } else if (!strcasecmp(p, "/ISAPI/System/upgradeStatus")) {
        if (get)
            maint__upgrade_status(s, reply);
        else
            sim_xml_bad_method(reply, p);
    } else if (!strcasecmp(p, "/ISAPI/System/configurationData")) {
        if (get)
            maint__config_get(s, reply);
        else if (put)
            maint__config_put(s, req, reply);
        else
            sim_xml_bad_method(reply, p);
    } else {
        return false;
    }
    return true;
}

/* The part of /sim/state these operations change; caller holds the lock. */
json_t *sim_maintenance_json(sim *s)
{
    const sim_maint *m = &s->st.maint;
    return json_pack("{s:b,s:{s:s,s:s,s:s,s:s,s:s,s:s},s:I,s:I,s:I,s:b}", "activated", m->activated,
                     "ip", "addressing", m->ip.addressing, "address", m->ip.address, "mask",
                     m->ip.mask, "gateway", m->ip.gateway, "dns1", m->ip.dns1, "dns2", m->ip.dns2,
                     "reboots", (json_int_t)m->reboots, "password_changes",
                     (json_int_t)m->password_changes, "config_imports",
                     (json_int_t)m->config_imports, "upgrading", m->upgrade_started != 0);
}
