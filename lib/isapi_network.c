/* isapi_network.c: an interface's IPv4 address, mask, gateway and DNS.
 *
 * The IPAddress document carries more than hikgate edits (IPv6 mode,
 * ipv6 addresses, DNS auto flags, vendor extensions), and a PUT replaces
 * all of it. So a write reads the document, changes the handful of
 * elements asked for (adding them in the root's namespace when missing),
 * and sends everything else back untouched. Values are validated before
 * anything is sent: a device given a bad mask may drop off the network. */
#include "hik/isapi_manage.h"
#include "isapi_internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hik/xml_util.h"

static hik_err network__path(int iface, char *out, size_t len)
{
    if (iface < 1 || iface > 64)
        return HIK_ERR_INVALID;
    snprintf(out, len, "/ISAPI/System/Network/interfaces/%d/ipAddress", iface);
    return HIK_OK;
}

static hik_err network__fetch(hik_isapi *isapi, const char *path, hik_reply *reply, xmlDoc **doc)
{
    return isapi__get_doc(isapi, path, "IPAddress", reply, doc);
}

/* Text of parent/wrapper/ipAddress (DefaultGateway, PrimaryDNS...). */
static void network__nested(const xmlNode *root, const char *wrapper, char *out, size_t len)
{
    out[0] = '\0';
    xmlNode *w = hik_xml_child(root, wrapper);
    if (w)
        hik_xml_child_text(w, "ipAddress", out, len);
}

static void network__read(const xmlNode *root, hik_ip_address *out)
{
    memset(out, 0, sizeof(*out));
    hik_xml_child_text(root, "addressingType", out->addressing, sizeof(out->addressing));
    hik_xml_child_text(root, "ipAddress", out->address, sizeof(out->address));
    hik_xml_child_text(root, "subnetMask", out->mask, sizeof(out->mask));
    network__nested(root, "DefaultGateway", out->gateway, sizeof(out->gateway));
    network__nested(root, "PrimaryDNS", out->dns1, sizeof(out->dns1));
    network__nested(root, "SecondaryDNS", out->dns2, sizeof(out->dns2));
}

hik_err hik_isapi_ip_address_get(hik_isapi *isapi, int iface, hik_ip_address *out, hik_reply *reply)
{
    if (!reply || !out)
        return HIK_ERR_INVALID;
    memset(reply, 0, sizeof(*reply));
    char path[80];
    xmlDoc *doc = NULL;
    hik_err err = network__path(iface, path, sizeof(path));
    if (!err)
        err = network__fetch(isapi, path, reply, &doc);
    if (err)
        return err;
    network__read(xmlDocGetRootElement(doc), out);
    xmlFreeDoc(doc);
    return HIK_OK;
}

static bool network__ipv4(const char *s)
{
    struct in_addr a;
    return inet_pton(AF_INET, s, &a) == 1;
}

static bool network__mask(const char *s)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        return false;
    uint32_t m = ntohl(a.s_addr);
    return m != 0 && ((~m + 1) & ~m) == 0; /* ones then zeros */
}

/* The first field that is not acceptable, or NULL. */
static const char *network__invalid(const hik_ip_address *in)
{
    if (in->addressing[0] && strcmp(in->addressing, "static") != 0 &&
        strcmp(in->addressing, "dynamic") != 0)
        return "addressing (static or dynamic)";
    if (in->address[0] && !network__ipv4(in->address))
        return "address (dotted IPv4)";
    if (in->mask[0] && !network__mask(in->mask))
        return "mask (a contiguous IPv4 netmask)";
    if (in->gateway[0] && !network__ipv4(in->gateway))
        return "gateway (dotted IPv4)";
    if (in->dns1[0] && !network__ipv4(in->dns1))
        return "dns1 (dotted IPv4)";
    if (in->dns2[0] && !network__ipv4(in->dns2))
        return "dns2 (dotted IPv4)";
    return NULL;
}

/* Set parent/name to value, creating it (in parent's namespace) if needed. */
static hik_err network__set(xmlNode *parent, const char *name, const char *value)
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

static hik_err network__set_nested(xmlNode *root, const char *wrapper, const char *value)
{
    xmlNode *w = hik_xml_child(root, wrapper);
    if (!w)
        w = xmlNewChild(root, root->ns, (const xmlChar *)wrapper, NULL);
    return w ? network__set(w, "ipAddress", value) : HIK_ERR_NOMEM;
}

static hik_err network__apply(xmlNode *root, const hik_ip_address *in)
{
    hik_err err = HIK_OK;
    if (!err && in->addressing[0])
        err = network__set(root, "addressingType", in->addressing);
    if (!err && in->address[0])
        err = network__set(root, "ipAddress", in->address);
    if (!err && in->mask[0])
        err = network__set(root, "subnetMask", in->mask);
    if (!err && in->gateway[0])
        err = network__set_nested(root, "DefaultGateway", in->gateway);
    if (!err && in->dns1[0])
        err = network__set_nested(root, "PrimaryDNS", in->dns1);
    if (!err && in->dns2[0])
        err = network__set_nested(root, "SecondaryDNS", in->dns2);
    return err;
}

hik_err hik_isapi_ip_address_set(hik_isapi *isapi, int iface, const hik_ip_address *in,
                                 hik_reply *reply)
{
    if (!reply || !in)
        return HIK_ERR_INVALID;
    memset(reply, 0, sizeof(*reply));
    const char *bad = network__invalid(in);
    if (bad) {
        snprintf(reply->error, sizeof(reply->error), "invalid %s", bad);
        return HIK_ERR_INVALID;
    }
    char path[80];
    xmlDoc *doc = NULL;
    hik_err err = network__path(iface, path, sizeof(path));
    if (!err)
        err = network__fetch(isapi, path, reply, &doc);
    if (err)
        return err;
    char *xml = NULL;
    size_t xml_len = 0;
    err = network__apply(xmlDocGetRootElement(doc), in);
    if (!err)
        err = hik_xml_dump(doc, &xml, &xml_len);
    xmlFreeDoc(doc);
    if (err)
        return err;
    hik_reply_free(reply);
    err = hik_isapi_request(isapi, "PUT", path, "application/xml", xml, xml_len, reply);
    free(xml);
    return err;
}
