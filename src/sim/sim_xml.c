/* sim_xml.c: what every ISAPI handler writes the same way: the XML
 * prolog and root, ResponseStatus documents, and path matching.
 *
 * Paths match case-insensitively because real App-webs servers do (a
 * capture shows `/ISAPI/System/deviceinfo` answered like `deviceInfo`). */
#include "sim.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>

#define SIM_XMLNS "http://www.hikvision.com/ver20/XMLSchema"

void sim_xml_begin(sim_buf *b, const char *root)
{
    sim_buf_printf(b,
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
                   "<%s version=\"2.0\" xmlns=\"" SIM_XMLNS "\">\r\n",
                   root);
}

void sim_xml_status(sim_reply *r, int http_status, const char *url, int code, const char *string,
                    const char *sub)
{
    sim_buf_reset(&r->body);
    sim_xml_begin(&r->body, "ResponseStatus");
    sim_buf_elem(&r->body, "requestURL", url);
    sim_buf_elemf(&r->body, "statusCode", "%d", code);
    sim_buf_elem(&r->body, "statusString", string);
    sim_buf_elem(&r->body, "subStatusCode", sub);
    sim_buf_str(&r->body, "</ResponseStatus>\r\n");
    r->status = http_status;
    snprintf(r->content_type, sizeof(r->content_type), "application/xml");
}

void sim_xml_ok(sim_reply *r, const char *url)
{
    sim_xml_status(r, 200, url, 1, "OK", "ok");
}

void sim_xml_not_found(sim_reply *r, const char *url)
{
    sim_xml_status(r, 404, url, 4, "Invalid Operation", "notSupport");
}

void sim_xml_bad_method(sim_reply *r, const char *url)
{
    sim_xml_status(r, 405, url, 4, "Invalid Operation", "methodNotAllowed");
}

void sim_xml_bad_format(sim_reply *r, const char *url)
{
    sim_xml_status(r, 400, url, 5, "Invalid XML Format", "badXmlFormat");
}

void sim_xml_bad_content(sim_reply *r, const char *url)
{
    sim_xml_status(r, 400, url, 6, "Invalid XML Content", "badXmlContent");
}

/* Match path against pattern; one `*` stands for one non-empty path
 * segment, copied to arg. Literal parts compare without case. */
bool sim_xml_path_is(const char *path, const char *pattern, char *arg, size_t arg_len)
{
    const char *star = strchr(pattern, '*');
    if (!star)
        return strcasecmp(path, pattern) == 0;
    size_t head = (size_t)(star - pattern);
    if (strncasecmp(path, pattern, head) != 0)
        return false;
    const char *seg = path + head;
    size_t n = strcspn(seg, "/");
    if (n == 0 || n >= arg_len)
        return false;
    if (strcasecmp(seg + n, star + 1) != 0)
        return false;
    memcpy(arg, seg, n);
    arg[n] = '\0';
    return true;
}

xmlDoc *sim_xml_parse(const char *body, size_t len)
{
    if (len == 0 || len > INT32_MAX)
        return NULL;
    return xmlReadMemory(body, (int)len, "request.xml", NULL,
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

bool sim_xml_is(const xmlNode *node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, name) == 0;
}

xmlNode *sim_xml_child(const xmlNode *parent, const char *name)
{
    if (!parent)
        return NULL;
    for (xmlNode *n = parent->children; n; n = n->next) {
        if (sim_xml_is(n, name))
            return n;
    }
    return NULL;
}

bool sim_xml_text(const xmlNode *parent, const char *name, char *out, size_t len)
{
    xmlNode *n = sim_xml_child(parent, name);
    if (!n)
        return false;
    xmlChar *text = xmlNodeGetContent(n);
    bool ok = text && strlen((const char *)text) < len;
    if (ok)
        snprintf(out, len, "%s", (const char *)text);
    xmlFree(text);
    return ok;
}

bool sim_xml_int(const xmlNode *parent, const char *name, int min, int max, int *out)
{
    char text[32], *end;
    if (!sim_xml_text(parent, name, text, sizeof(text)))
        return false;
    long v = strtol(text, &end, 10);
    if (text[0] == '\0' || *end != '\0' || v < min || v > max)
        return false;
    *out = (int)v;
    return true;
}

bool sim_xml_bool(const xmlNode *parent, const char *name, bool *out)
{
    char text[8];
    if (!sim_xml_text(parent, name, text, sizeof(text)))
        return false;
    if (strcmp(text, "true") == 0)
        *out = true;
    else if (strcmp(text, "false") == 0)
        *out = false;
    else
        return false;
    return true;
}
