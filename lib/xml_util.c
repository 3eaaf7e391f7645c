/* xml_util.c: safe parsing and namespace-agnostic lookups over libxml2.
 *
 * ISAPI payloads never carry a DTD, so a document with one is refused
 * outright: that closes entity-expansion tricks without relying on parser
 * flags alone. The one leniency is for firmware that writes a bare '&' in
 * text (device names, descriptions): peers retry after escaping it, and so
 * do we, once. */
#include "hik/xml_util.h"

#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#define XML_UTIL_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

static pthread_once_t xml_util__once = PTHREAD_ONCE_INIT;

static void xml_util__init(void)
{
    xmlInitParser();
}

static hik_err xml_util__read(const char *buf, size_t len, xmlDoc **out)
{
    xmlDoc *doc = xmlReadMemory(buf, (int)len, NULL, NULL, XML_UTIL_OPTIONS);
    if (!doc)
        return HIK_ERR_PARSE;
    if (doc->intSubset || doc->extSubset || !xmlDocGetRootElement(doc)) {
        xmlFreeDoc(doc);
        return HIK_ERR_PARSE;
    }
    *out = doc;
    return HIK_OK;
}

/* Length of a well-formed entity or character reference at p ("&amp;",
 * "&#38;", "&#x26;"), 0 when p starts a bare '&'. */
static size_t xml_util__ref_len(const char *p, const char *end)
{
    const char *q = p + 1;
    if (q < end && *q == '#') {
        q++;
        bool hex = q < end && (*q == 'x' || *q == 'X');
        if (hex)
            q++;
        const char *digits = q;
        while (q < end && (hex ? isxdigit((unsigned char)*q) : isdigit((unsigned char)*q)))
            q++;
        return (q > digits && q < end && *q == ';') ? (size_t)(q - p + 1) : 0;
    }
    const char *name = q;
    while (q < end && (isalnum((unsigned char)*q) || *q == '_' || *q == '-' || *q == '.'))
        q++;
    return (q > name && q < end && *q == ';') ? (size_t)(q - p + 1) : 0;
}

/* Copy of buf with every bare '&' written as "&amp;"; NULL when there is
 * none (nothing to retry) or on allocation failure. */
static char *xml_util__escape_bare_amp(const char *buf, size_t len, size_t *out_len)
{
    const char *end = buf + len;
    size_t bare = 0;
    for (const char *p = memchr(buf, '&', len); p; p = memchr(p + 1, '&', (size_t)(end - p - 1)))
        if (!xml_util__ref_len(p, end))
            bare++;
    if (bare == 0 || len + bare * 4 > HIK_XML_MAX_DOC)
        return NULL;
    char *out = malloc(len + bare * 4 + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    for (const char *p = buf; p < end; p++) {
        out[n++] = *p;
        if (*p == '&' && !xml_util__ref_len(p, end)) {
            memcpy(out + n, "amp;", 4);
            n += 4;
        }
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}

hik_err hik_xml_parse(const uint8_t *buf, size_t len, xmlDoc **out)
{
    if (!buf || !out)
        return HIK_ERR_INVALID;
    *out = NULL;
    if (len > HIK_XML_MAX_DOC || len > INT_MAX)
        return HIK_ERR_TOO_BIG;
    pthread_once(&xml_util__once, xml_util__init);
    hik_err err = xml_util__read((const char *)buf, len, out);
    if (err != HIK_ERR_PARSE)
        return err;
    size_t fixed_len = 0;
    char *fixed = xml_util__escape_bare_amp((const char *)buf, len, &fixed_len);
    if (!fixed)
        return HIK_ERR_PARSE;
    err = xml_util__read(fixed, fixed_len, out);
    free(fixed);
    return err;
}

bool hik_xml_is(const xmlNode *node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && node->name &&
           strcmp((const char *)node->name, name) == 0;
}

xmlNode *hik_xml_child(const xmlNode *parent, const char *name)
{
    if (!parent)
        return NULL;
    for (xmlNode *c = parent->children; c; c = c->next)
        if (hik_xml_is(c, name))
            return c;
    return NULL;
}

xmlNode *hik_xml_find(const xmlNode *root, const char *name)
{
    if (!root)
        return NULL;
    if (hik_xml_is(root, name))
        return (xmlNode *)root;
    /* libxml2 bounds the depth of what it parses (256 by default), so the
     * recursion is bounded too. */
    for (xmlNode *c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        xmlNode *hit = hik_xml_find(c, name);
        if (hit)
            return hit;
    }
    return NULL;
}

static bool xml_util__space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

hik_err hik_xml_text(const xmlNode *node, char *out, size_t out_len)
{
    if (!out || out_len == 0)
        return HIK_ERR_INVALID;
    out[0] = '\0';
    if (!node)
        return HIK_ERR_INVALID;
    xmlChar *content = xmlNodeGetContent(node);
    if (!content)
        return HIK_ERR_NOMEM;
    const char *s = (const char *)content;
    size_t len = strlen(s);
    while (len && xml_util__space(*s)) {
        s++;
        len--;
    }
    while (len && xml_util__space(s[len - 1]))
        len--;
    hik_err err = HIK_OK;
    if (len >= out_len) {
        err = HIK_ERR_TOO_BIG;
        len = out_len - 1;
        /* Never leave half a UTF-8 sequence at the end. */
        while (len && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(out, s, len);
    out[len] = '\0';
    xmlFree(content);
    return err;
}

hik_err hik_xml_child_text(const xmlNode *parent, const char *name, char *out, size_t out_len)
{
    return hik_xml_text(hik_xml_child(parent, name), out, out_len);
}

hik_err hik_xml_dump(xmlDoc *doc, char **out, size_t *out_len)
{
    if (!doc || !out || !out_len)
        return HIK_ERR_INVALID;
    xmlChar *mem = NULL;
    int size = 0;
    xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
    if (!mem || size < 0) {
        xmlFree(mem);
        return HIK_ERR_NOMEM;
    }
    char *copy = malloc((size_t)size + 1);
    if (!copy) {
        xmlFree(mem);
        return HIK_ERR_NOMEM;
    }
    memcpy(copy, mem, (size_t)size);
    copy[size] = '\0';
    xmlFree(mem);
    *out = copy;
    *out_len = (size_t)size;
    return HIK_OK;
}
