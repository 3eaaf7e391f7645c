/* isapi_http_hosts.c: the device's HTTP host slots (alarm servers).
 *
 * A camera has a handful of slots and each may belong to another system: a
 * peer that overwrote slot 1 once broke users' NVR recording. So this file
 * never picks a slot that holds an address, only one that is empty or that
 * already points at the caller, and it keeps the slot's previous document
 * so that the exact bytes the device gave can go back when the caller
 * leaves. Writing reads the slot first and changes only the addressing
 * elements, so NVR extensions (intervalBetweenEvents...) survive. */
#include "hik/isapi_event.h"
#include "hik/xml_util.h"
#include "isapi_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HOSTS_PATH "/ISAPI/Event/notification/httpHosts"

static void hosts__parse_one(const xmlNode *n, hik_http_host *h)
{
    char port[16] = "", id[16] = "";
    memset(h, 0, sizeof(*h));
    hik_xml_child_text(n, "id", id, sizeof(id));
    h->id = atoi(id);
    hik_xml_child_text(n, "url", h->url, sizeof(h->url));
    hik_xml_child_text(n, "protocolType", h->protocol, sizeof(h->protocol));
    hik_xml_child_text(n, "parameterFormatType", h->format, sizeof(h->format));
    hik_xml_child_text(n, "addressingFormatType", h->addressing, sizeof(h->addressing));
    hik_xml_child_text(n, "ipAddress", h->ip, sizeof(h->ip));
    if (!h->ip[0])
        hik_xml_child_text(n, "ipv6Address", h->ip, sizeof(h->ip));
    hik_xml_child_text(n, "hostName", h->host_name, sizeof(h->host_name));
    hik_xml_child_text(n, "portNo", port, sizeof(port));
    h->port = atoi(port);
}

hik_err hik_http_hosts_parse(const uint8_t *body, size_t len, hik_http_host *out, int max, int *n)
{
    xmlDoc *doc = NULL;
    *n = 0;
    /* Captured bodies may start with a blank line before the XML
     * declaration, which a strict parser refuses. */
    while (len && (*body == ' ' || *body == '\r' || *body == '\n' || *body == '\t')) {
        body++;
        len--;
    }
    hik_err err = hik_xml_parse(body, len, &doc);
    if (err)
        return err;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (hik_xml_is(root, "HttpHostNotification")) {
        if (max < 1)
            err = HIK_ERR_TOO_BIG;
        else
            hosts__parse_one(root, &out[(*n)++]);
    } else if (hik_xml_is(root, "HttpHostNotificationList")) {
        for (xmlNode *c = root->children; c && !err; c = c->next) {
            if (!hik_xml_is(c, "HttpHostNotification"))
                continue;
            if (*n >= max)
                err = HIK_ERR_TOO_BIG;
            else
                hosts__parse_one(c, &out[(*n)++]);
        }
    } else {
        err = HIK_ERR_PARSE;
    }
    xmlFreeDoc(doc);
    return err;
}

static bool hosts__no_address(const char *a)
{
    return !a[0] || strcmp(a, "0.0.0.0") == 0 || strcmp(a, "::") == 0 ||
           strcmp(a, "0:0:0:0:0:0:0:0") == 0;
}

bool hik_http_host_is_free(const hik_http_host *h)
{
    return hosts__no_address(h->ip) && !h->host_name[0] && !h->url[0];
}

bool hik_http_host_points_at(const hik_http_host *h, const char *addr, int port, const char *url)
{
    bool named = strcasecmp(h->addressing, "hostname") == 0;
    bool same_addr = named ? strcasecmp(h->host_name, addr) == 0 : strcmp(h->ip, addr) == 0;
    return same_addr && h->port == port && strcmp(h->url, url) == 0;
}

int hik_http_hosts_choose(const hik_http_host *hosts, int n, const char *addr, int port,
                          const char *url, bool *reuse)
{
    *reuse = false;
    for (int i = 0; i < n; i++) {
        if (hik_http_host_points_at(&hosts[i], addr, port, url)) {
            *reuse = true;
            return hosts[i].id;
        }
    }
    for (int i = 0; i < n; i++) {
        if (hik_http_host_is_free(&hosts[i]) && hosts[i].id > 0)
            return hosts[i].id;
    }
    return -1;
}

hik_err hik_isapi_http_hosts_list(hik_isapi *isapi, hik_http_host *out, int max, int *n,
                                  hik_reply *reply)
{
    if (!out || !n || !reply)
        return HIK_ERR_INVALID;
    memset(reply, 0, sizeof(*reply));
    hik_err err = hik_isapi_request(isapi, "GET", HOSTS_PATH, NULL, NULL, 0, reply);
    if (!err)
        err = hik_http_hosts_parse(reply->body, reply->len, out, max, n);
    if (err == HIK_ERR_PARSE)
        isapi__copy(reply->error, sizeof(reply->error), "not an HttpHostNotificationList");
    return err;
}

static hik_err hosts__path(int id, const char *suffix, char *out, size_t out_len)
{
    if (id < 1 || id > 999)
        return HIK_ERR_INVALID;
    snprintf(out, out_len, HOSTS_PATH "/%d%s", id, suffix);
    return HIK_OK;
}

/* GET slot `id` and parse it; the caller frees *doc. */
static hik_err hosts__fetch(hik_isapi *isapi, int id, hik_reply *reply, xmlDoc **doc)
{
    char path[96];
    hik_err err = hosts__path(id, "", path, sizeof(path));
    if (!err)
        err = hik_isapi_request(isapi, "GET", path, NULL, NULL, 0, reply);
    if (!err && reply->len > HIK_HTTP_HOST_DOC_MAX)
        err = HIK_ERR_TOO_BIG;
    if (!err)
        err = hik_xml_parse(reply->body, reply->len, doc);
    if (!err && !hik_xml_is(xmlDocGetRootElement(*doc), "HttpHostNotification")) {
        xmlFreeDoc(*doc);
        *doc = NULL;
        err = HIK_ERR_PARSE;
    }
    if (err == HIK_ERR_PARSE)
        isapi__copy(reply->error, sizeof(reply->error), "not an HttpHostNotification document");
    return err;
}

hik_err hik_isapi_http_host_save(hik_isapi *isapi, int id, char **doc, size_t *len,
                                 hik_reply *reply)
{
    if (!doc || !len || !reply)
        return HIK_ERR_INVALID;
    memset(reply, 0, sizeof(*reply));
    *doc = NULL;
    xmlDoc *x = NULL;
    hik_err err = hosts__fetch(isapi, id, reply, &x);
    if (err)
        return err;
    xmlFreeDoc(x);
    *doc = malloc(reply->len + 1);
    if (!*doc)
        return HIK_ERR_NOMEM;
    memcpy(*doc, reply->body, reply->len);
    (*doc)[reply->len] = '\0';
    *len = reply->len;
    return HIK_OK;
}

/* Set child `name` of root to value, adding it (in the root's namespace)
 * after `after` or at the end when absent. Returns the element. */
static xmlNode *hosts__set(xmlDoc *doc, xmlNode *root, const char *name, const char *value,
                           xmlNode *after)
{
    xmlNode *node = hik_xml_child(root, name);
    if (node) {
        xmlNodeSetContent(node, (const xmlChar *)"");
        xmlNodeAddContent(node, (const xmlChar *)value);
        return node;
    }
    node = xmlNewDocNode(doc, root->ns, (const xmlChar *)name, NULL);
    if (!node)
        return NULL;
    xmlNodeAddContent(node, (const xmlChar *)value);
    if (!(after ? xmlAddNextSibling(after, node) : xmlAddChild(root, node))) {
        xmlFreeNode(node);
        return NULL;
    }
    return node;
}

static hik_err hosts__point(xmlDoc *doc, const char *addr, int port, const char *url)
{
    xmlNode *root = xmlDocGetRootElement(doc), *at;
    char port_text[16];
    snprintf(port_text, sizeof(port_text), "%d", port);
    bool ok = (at = hosts__set(doc, root, "url", url, hik_xml_child(root, "id"))) &&
              (at = hosts__set(doc, root, "protocolType", "HTTP", at)) &&
              (at = hosts__set(doc, root, "parameterFormatType", "XML", at)) &&
              (at = hosts__set(doc, root, "addressingFormatType", "ipaddress", at)) &&
              (at = hosts__set(doc, root, "ipAddress", addr, at)) &&
              (at = hosts__set(doc, root, "portNo", port_text, at)) &&
              hosts__set(doc, root, "httpAuthenticationMethod", "none", at);
    xmlNode *name = hik_xml_child(root, "hostName");
    if (ok && name) {
        xmlUnlinkNode(name);
        xmlFreeNode(name);
    }
    return ok ? HIK_OK : HIK_ERR_NOMEM;
}

hik_err hik_isapi_http_host_write(hik_isapi *isapi, int id, const char *addr, int port,
                                  const char *url, hik_reply *reply)
{
    if (!reply || !addr || !addr[0] || !url || url[0] != '/' || port < 1 || port > 65535)
        return HIK_ERR_INVALID;
    memset(reply, 0, sizeof(*reply));
    xmlDoc *doc = NULL;
    hik_err err = hosts__fetch(isapi, id, reply, &doc);
    if (err)
        return err;
    char *xml = NULL, path[96];
    size_t xml_len = 0;
    err = hosts__point(doc, addr, port, url);
    if (!err)
        err = hik_xml_dump(doc, &xml, &xml_len);
    xmlFreeDoc(doc);
    if (!err)
        err = hosts__path(id, "", path, sizeof(path));
    if (!err) {
        hik_reply_free(reply);
        err = hik_isapi_request(isapi, "PUT", path, "application/xml", xml, xml_len, reply);
    }
    free(xml);
    return err;
}

hik_err hik_isapi_http_host_test(hik_isapi *isapi, int id, hik_reply *reply)
{
    if (!reply)
        return HIK_ERR_INVALID;
    memset(reply, 0, sizeof(*reply));
    char path[96];
    hik_err err = hosts__path(id, "/test", path, sizeof(path));
    if (err)
        return err;
    return hik_isapi_request(isapi, "POST", path, NULL, NULL, 0, reply);
}

hik_err hik_isapi_http_host_restore(hik_isapi *isapi, int id, const char *doc, size_t len,
                                    hik_reply *reply)
{
    if (!reply || !doc)
        return HIK_ERR_INVALID;
    memset(reply, 0, sizeof(*reply));
    hik_http_host h;
    int n = 0;
    char path[96];
    if (len > HIK_HTTP_HOST_DOC_MAX)
        return HIK_ERR_TOO_BIG;
    hik_err err = hik_http_hosts_parse((const uint8_t *)doc, len, &h, 1, &n);
    if (err || n != 1 || h.id != id) {
        isapi__copy(reply->error, sizeof(reply->error),
                    "the saved document is not this slot's HttpHostNotification");
        return HIK_ERR_INVALID;
    }
    err = hosts__path(id, "", path, sizeof(path));
    if (err)
        return err;
    return hik_isapi_request(isapi, "PUT", path, "application/xml", doc, len, reply);
}
