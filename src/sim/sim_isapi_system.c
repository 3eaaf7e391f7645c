/* sim_isapi_system.c: /ISAPI/System: deviceInfo and the privacy mask.
 *
 * The privacy mask is the resource a gateway toggles: it reads the whole
 * document, flips `enabled`, and writes it back. The simulator keeps the
 * regions exactly as the last PUT sent them, so a client that drops them
 * is caught by the next GET (and by /sim/state's region count). */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void system__device_info(sim *s, sim_reply *r)
{
    const sim_config *c = &s->cfg;
    bool nvr = strcmp(c->device_type, "NVR") == 0;
    sim_buf *b = &r->body;
    sim_xml_begin(b, "DeviceInfo");
    sim_buf_elem(b, "deviceName", nvr ? "Network Video Recorder" : "IP CAMERA");
    sim_buf_elem(b, "deviceID", c->device_id);
    sim_buf_elem(b, "deviceDescription", c->device_type);
    sim_buf_elem(b, "deviceLocation", "hangzhou");
    sim_buf_elem(b, "systemContact", "Hikvision.China");
    sim_buf_elem(b, "model", c->model);
    sim_buf_elem(b, "serialNumber", c->serial);
    sim_buf_elem(b, "macAddress", c->mac);
    sim_buf_elem(b, "firmwareVersion", c->firmware);
    sim_buf_elem(b, "firmwareReleasedDate", c->firmware_date);
    sim_buf_elem(b, "encoderVersion", "V7.3");
    sim_buf_elem(b, "encoderReleasedDate", "build 211230");
    sim_buf_elem(b, "bootVersion", "V1.3.4");
    sim_buf_elem(b, "bootReleasedDate", "100316");
    sim_buf_elem(b, "hardwareVersion", "0x0");
    sim_buf_elem(b, "deviceType", c->device_type);
    sim_buf_elem(b, "telecontrolID", "88");
    sim_buf_elem(b, "supportBeep", "false");
    sim_buf_elem(b, "supportVideoLoss", nvr ? "true" : "false");
    sim_buf_elem(b, "firmwareVersionInfo", "B-R-H5-0");
    sim_buf_str(b, "</DeviceInfo>\r\n");
    r->status = 200;
    snprintf(r->content_type, sizeof(r->content_type), "application/xml");
}

static void system__mask_get(const sim_privacy_mask *m, sim_reply *r)
{
    sim_buf *b = &r->body;
    sim_xml_begin(b, "PrivacyMask");
    sim_buf_elem(b, "enabled", m->enabled ? "true" : "false");
    sim_buf_str(b, "<normalizedScreenSize>\r\n");
    sim_buf_elem(b, "normalizedScreenWidth", "704");
    sim_buf_elem(b, "normalizedScreenHeight", "576");
    sim_buf_str(b, "</normalizedScreenSize>\r\n<PrivacyMaskRegionList>\r\n");
    for (int i = 0; i < m->n_regions; i++) {
        const sim_region *reg = &m->regions[i];
        sim_buf_str(b, "<PrivacyMaskRegion>\r\n");
        sim_buf_elemf(b, "id", "%d", reg->id);
        sim_buf_elem(b, "enabled", reg->enabled ? "true" : "false");
        sim_buf_str(b, "<RegionCoordinatesList>\r\n");
        for (int k = 0; k < reg->n_coords; k++) {
            sim_buf_printf(b,
                           "<RegionCoordinates>\r\n<positionX>%d</positionX>\r\n"
                           "<positionY>%d</positionY>\r\n</RegionCoordinates>\r\n",
                           reg->x[k], reg->y[k]);
        }
        sim_buf_str(b, "</RegionCoordinatesList>\r\n");
        if (reg->mask_type[0])
            sim_buf_elem(b, "maskType", reg->mask_type);
        sim_buf_str(b, "</PrivacyMaskRegion>\r\n");
    }
    sim_buf_str(b, "</PrivacyMaskRegionList>\r\n</PrivacyMask>\r\n");
    r->status = 200;
    snprintf(r->content_type, sizeof(r->content_type), "application/xml");
}

static bool system__parse_region(const xmlNode *node, sim_region *reg)
{
    memset(reg, 0, sizeof(*reg));
    reg->enabled = true;
    if (!sim_xml_int(node, "id", 1, 64, &reg->id))
        return false;
    if (sim_xml_child(node, "enabled") && !sim_xml_bool(node, "enabled", &reg->enabled))
        return false;
    if (sim_xml_child(node, "maskType") &&
        !sim_xml_text(node, "maskType", reg->mask_type, sizeof(reg->mask_type)))
        return false;
    xmlNode *list = sim_xml_child(node, "RegionCoordinatesList");
    if (!list)
        return false;
    for (xmlNode *c = list->children; c; c = c->next) {
        if (!sim_xml_is(c, "RegionCoordinates"))
            continue;
        if (reg->n_coords >= SIM_MAX_COORDS)
            return false;
        int k = reg->n_coords++;
        if (!sim_xml_int(c, "positionX", 0, 10000, &reg->x[k]) ||
            !sim_xml_int(c, "positionY", 0, 10000, &reg->y[k]))
            return false;
    }
    return reg->n_coords >= 3;
}

/* Validate the whole document into *m; false = bad content. */
static bool system__parse_mask(const xmlNode *root, sim_privacy_mask *m)
{
    if (!sim_xml_is(root, "PrivacyMask") || !sim_xml_bool(root, "enabled", &m->enabled))
        return false;
    xmlNode *list = sim_xml_child(root, "PrivacyMaskRegionList");
    if (!list)
        return true; /* enabled only: the regions stay as they are */
    m->n_regions = 0;
    for (xmlNode *n = list->children; n; n = n->next) {
        if (!sim_xml_is(n, "PrivacyMaskRegion"))
            continue;
        if (m->n_regions >= SIM_MAX_REGIONS || !system__parse_region(n, &m->regions[m->n_regions]))
            return false;
        m->n_regions++;
    }
    return true;
}

static void system__mask_put(sim *s, int ch, const sim_request *req, sim_reply *r)
{
    xmlDoc *doc = sim_xml_parse(req->body, req->body_len);
    if (!doc) {
        sim_xml_bad_format(r, req->path);
        return;
    }
    pthread_mutex_lock(&s->st.lock);
    sim_privacy_mask m = s->st.masks[ch - 1];
    bool ok = system__parse_mask(xmlDocGetRootElement(doc), &m);
    if (ok) {
        m.puts++;
        s->st.masks[ch - 1] = m;
    }
    pthread_mutex_unlock(&s->st.lock);
    xmlFreeDoc(doc);
    if (ok)
        sim_xml_ok(r, req->path);
    else
        sim_xml_bad_content(r, req->path);
}

static void system__privacy_mask(sim *s, const char *arg, const sim_request *req, sim_reply *r)
{
    char *end;
    long ch = strtol(arg, &end, 10);
    if (*end != '\0' || ch < 1 || ch > s->cfg.channels) {
        sim_xml_not_found(r, req->path);
        return;
    }
    if (strcmp(req->method, "GET") == 0) {
        pthread_mutex_lock(&s->st.lock);
        sim_privacy_mask m = s->st.masks[ch - 1];
        pthread_mutex_unlock(&s->st.lock);
        system__mask_get(&m, r);
    } else if (strcmp(req->method, "PUT") == 0) {
        system__mask_put(s, (int)ch, req, r);
    } else {
        sim_xml_bad_method(r, req->path);
    }
}

bool sim_isapi_system_handle(sim *s, const sim_request *req, sim_reply *reply)
{
    char arg[16];
    if (sim_xml_path_is(req->path, "/ISAPI/System/deviceInfo", NULL, 0)) {
        if (strcmp(req->method, "GET") == 0)
            system__device_info(s, reply);
        else
            sim_xml_bad_method(reply, req->path);
        return true;
    }
    if (sim_xml_path_is(req->path, "/ISAPI/System/Video/inputs/channels/*/privacyMask", arg,
                        sizeof(arg))) {
        system__privacy_mask(s, arg, req, reply);
        return true;
    }
    return false;
}
