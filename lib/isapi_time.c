/* isapi_time.c: the device clock (/ISAPI/System/time) and its NTP servers
 * (/ISAPI/System/time/ntpServers/<id>).
 *
 * Writes fetch the device's document first and change only the elements
 * asked for: firmware versions differ in what else these documents hold
 * (time zone names, DST blocks, NTP authentication), and a PUT that drops
 * them resets them on some devices. */
#include "hik/isapi_time.h"
#include "isapi_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "hik/xml_util.h"

static hik_err time__fetch(hik_isapi *isapi, const char *path, const char *root_name,
                           hik_reply *reply, xmlDoc **doc)
{
    return isapi__get_doc(isapi, path, root_name, reply, doc);
}

/* Set parent/name to value, creating it in parent's namespace if needed. */
static hik_err time__set(xmlNode *parent, const char *name, const char *value)
{
    xmlNode *n = hik_xml_child(parent, name);
    if (!n)
        n = xmlNewChild(parent, parent->ns, (const xmlChar *)name, NULL);
    if (!n)
        return HIK_ERR_NOMEM;
    xmlChar *esc = xmlEncodeSpecialChars(parent->doc, (const xmlChar *)value);
    xmlNodeSetContent(n, esc);
    xmlFree(esc);
    return HIK_OK;
}

/* Serialise doc and PUT it to path; doc is freed. */
static hik_err time__put(hik_isapi *isapi, const char *path, xmlDoc *doc, hik_reply *reply)
{
    char *xml = NULL;
    size_t xml_len = 0;
    hik_err err = hik_xml_dump(doc, &xml, &xml_len);
    xmlFreeDoc(doc);
    if (err)
        return err;
    hik_reply_free(reply);
    err = hik_isapi_request(isapi, "PUT", path, "application/xml", xml, xml_len, reply);
    free(xml);
    return err;
}

hik_err hik_isapi_time_get(hik_isapi *isapi, hik_time *out, hik_reply *reply)
{
    if (!reply || !out)
        return HIK_ERR_INVALID;
    memset(reply, 0, sizeof(*reply));
    memset(out, 0, sizeof(*out));
    xmlDoc *doc = NULL;
    hik_err err = time__fetch(isapi, "/ISAPI/System/time", "Time", reply, &doc);
    if (err)
        return err;
    xmlNode *root = xmlDocGetRootElement(doc);
    hik_xml_child_text(root, "timeMode", out->mode, sizeof(out->mode));
    hik_xml_child_text(root, "localTime", out->local_time, sizeof(out->local_time));
    hik_xml_child_text(root, "timeZone", out->time_zone, sizeof(out->time_zone));
    xmlFreeDoc(doc);
    return HIK_OK;
}

/* Printable ASCII without spaces or markup, 1..max bytes. */
static bool time__token(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (; *s; s++)
        if (*s <= 0x20 || *s >= 0x7f || *s == '<' || *s == '>' || *s == '&')
            return false;
    return true;
}

hik_err hik_isapi_time_set(hik_isapi *isapi, const hik_time *in, hik_reply *reply)
{
    if (!reply || !in)
        return HIK_ERR_INVALID;
    memset(reply, 0, sizeof(*reply));
    if (in->mode[0] && strcmp(in->mode, "NTP") != 0 && strcmp(in->mode, "manual") != 0) {
        snprintf(reply->error, sizeof(reply->error), "invalid mode (NTP or manual)");
        return HIK_ERR_INVALID;
    }
    if (in->time_zone[0] && !time__token(in->time_zone, 63)) {
        snprintf(reply->error, sizeof(reply->error), "invalid time_zone");
        return HIK_ERR_INVALID;
    }
    xmlDoc *doc = NULL;
    hik_err err = time__fetch(isapi, "/ISAPI/System/time", "Time", reply, &doc);
    if (err)
        return err;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (in->mode[0])
        err = time__set(root, "timeMode", in->mode);
    if (!err && in->time_zone[0])
        err = time__set(root, "timeZone", in->time_zone);
    /* The device sets its own clock; echoing localTime back would move it. */
    xmlNode *lt = hik_xml_child(root, "localTime");
    if (lt && in->mode[0] && strcmp(in->mode, "NTP") == 0) {
        xmlUnlinkNode(lt);
        xmlFreeNode(lt);
    }
    if (err) {
        xmlFreeDoc(doc);
        return err;
    }
    return time__put(isapi, "/ISAPI/System/time", doc, reply);
}

static bool time__ipv4(const char *s)
{
    int dots = 0, digits = 0;
    for (; *s; s++) {
        if (*s == '.') {
            if (!digits)
                return false;
            dots++;
            digits = 0;
        } else if (isdigit((unsigned char)*s)) {
            digits++;
        } else {
            return false;
        }
    }
    return dots == 3 && digits > 0;
}

static hik_err time__ntp_apply(xmlNode *root, const hik_ntp_server *ntp)
{
    bool ip = time__ipv4(ntp->host);
    char num[16];
    hik_err err = time__set(root, "addressingFormatType", ip ? "ipaddress" : "hostname");
    if (!err)
        err = time__set(root, ip ? "ipAddress" : "hostName", ntp->host);
    snprintf(num, sizeof(num), "%d", ntp->port ? ntp->port : 123);
    if (!err)
        err = time__set(root, "portNo", num);
    if (!err && ntp->interval_min) {
        snprintf(num, sizeof(num), "%d", ntp->interval_min);
        err = time__set(root, "synchronizeInterval", num);
    }
    return err;
}

hik_err hik_isapi_ntp_server_set(hik_isapi *isapi, int id, const hik_ntp_server *ntp,
                                 hik_reply *reply)
{
    if (!reply || !ntp)
        return HIK_ERR_INVALID;
    memset(reply, 0, sizeof(*reply));
    if (id < 1 || id > 16 || !time__token(ntp->host, 127) || ntp->port < 0 || ntp->port > 65535 ||
        ntp->interval_min < 0 || ntp->interval_min > 10080) {
        snprintf(reply->error, sizeof(reply->error),
                 "invalid NTP server (id 1-16, host, port 1-65535, interval 1-10080 minutes)");
        return HIK_ERR_INVALID;
    }
    char path[64];
    snprintf(path, sizeof(path), "/ISAPI/System/time/ntpServers/%d", id);
    xmlDoc *doc = NULL;
    hik_err err = time__fetch(isapi, path, "NTPServer", reply, &doc);
    if (err)
        return err;
    err = time__ntp_apply(xmlDocGetRootElement(doc), ntp);
    if (err) {
        xmlFreeDoc(doc);
        return err;
    }
    return time__put(isapi, path, doc, reply);
}
