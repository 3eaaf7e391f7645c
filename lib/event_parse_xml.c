/* event_parse_xml.c: XML EventNotificationAlert documents into hik_events.
 *
 * Speed and safety decide the shape. The daemon parses every event a fleet
 * of cameras sends (VMD repeats once a second per camera, heartbeats every
 * ten), so this uses libxml2's SAX2 callbacks straight into the fixed-size
 * event (no tree, no per-field allocation) with one parser context reused
 * per thread. Elements are matched by local name, so whichever namespace a
 * firmware uses does not matter.
 *
 * Safety: XML_PARSE_NONET, never NOENT/DTDLOAD/HUGE, and any document type
 * declaration is refused outright: no device sends one, and refusing it
 * closes external entities, entity expansion bombs and DTD fetches at once.
 *
 * Leniency: firmware writes channel names like "R&D" unescaped, and some
 * streams put two alerts back to back in one part. When the strict parse
 * fails and the document has a bare '&' or trailing content, it is retried
 * once on a bounded copy with the ampersands escaped, XML declarations
 * dropped and a synthetic root around everything. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "event_build.h"
#include "hik/event_parse.h"

/* A context whose dictionary grew past this many names (a hostile peer
 * sending ever new element names) is replaced, so memory stays bounded. */
#define XML_DICT_MAX_NAMES 4096
#define WRAP_OPEN "<hikgateWrap>"
#define WRAP_CLOSE "</hikgateWrap>"

typedef struct xml_state {
    xmlParserCtxtPtr ctxt;
    event_build b;
    hik_event *out;
    size_t max_out;
    size_t n;
    size_t dropped;   /* alerts beyond max_out */
    int top_depth;    /* depth of the document's own roots (2 when wrapped) */
    hik_event *cand;  /* open non-alert root that may itself be an alert */
    bool cand_nested; /* ... superseded by an EventNotificationAlert inside */
    bool alert_open;
    int alert_depth;
    bool dtd_refused;
    bool trailing; /* failed on content after the root element */
    bool saw_root;
    const hik_parse_opts *opts;
    const uint8_t *raw;
    size_t raw_len;
} xml_state;

static _Thread_local xmlParserCtxtPtr tl_ctxt;
static pthread_key_t ctxt_key;
static pthread_once_t ctxt_once = PTHREAD_ONCE_INIT;

static void xml__free_ctxt(void *p)
{
    xmlFreeParserCtxt(p);
}

static void xml__init_once(void)
{
    xmlInitParser();
    pthread_key_create(&ctxt_key, xml__free_ctxt);
}

static bool is_alert_name(const xmlChar *name, size_t len)
{
    return len == 22 && memcmp(name, "EventNotificationAlert", 22) == 0;
}

static hik_event *xml__new_event(xml_state *st)
{
    if (st->n >= st->max_out) {
        st->dropped++;
        return NULL;
    }
    hik_event *ev = &st->out[st->n];
    hik_event_init(ev);
    ev->format = HIK_FMT_XML;
    ev->raw = st->raw;
    ev->raw_len = st->raw_len;
    return ev;
}

static void xml__start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                       const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                       int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
    xml_state *st = ctx;
    event_build *b = &st->b;
    int depth = b->depth + 1;
    size_t name_len = strlen((const char *)localname);
    st->saw_root = true;
    if (is_alert_name(localname, name_len) && !st->alert_open) {
        if (st->cand && !st->cand_nested) {
            /* The root was only a container: drop what it collected. */
            st->cand_nested = true;
            b->ev = NULL;
        }
        event_build__start(b, (const char *)localname, name_len);
        hik_event *ev = xml__new_event(st);
        st->alert_open = true;
        st->alert_depth = depth;
        if (ev)
            event_build__begin(b, ev);
        return;
    }
    event_build__start(b, (const char *)localname, name_len);
    if (depth == st->top_depth && !st->alert_open) {
        /* A root with another name (faceSnapMatch...) may be the alert. */
        st->cand = xml__new_event(st);
        st->cand_nested = false;
        if (st->cand)
            event_build__begin(b, st->cand);
    }
}

static void xml__end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    xml_state *st = ctx;
    event_build *b = &st->b;
    int depth = b->depth;
    event_build__end(b);
    if (st->alert_open && depth == st->alert_depth) {
        st->alert_open = false;
        if (b->ev) {
            event_build__finish(b);
            st->n++;
        }
    } else if (depth == st->top_depth && st->cand) {
        hik_event *ev = st->cand;
        st->cand = NULL;
        if (!st->cand_nested && b->ev == ev && ev->type_raw[0]) {
            event_build__finish(b);
            st->n++;
        }
        b->ev = NULL;
    }
}

static void xml__chars(void *ctx, const xmlChar *ch, int len)
{
    xml_state *st = ctx;
    event_build__text(&st->b, (const char *)ch, (size_t)len);
}

static void xml__subset(void *ctx, const xmlChar *name, const xmlChar *ext_id,
                        const xmlChar *sys_id)
{
    xml_state *st = ctx;
    st->dtd_refused = true;
    xmlStopParser(st->ctxt);
}

static void xml__silent(void *ctx, xmlErrorPtr err)
{
}

static xmlParserCtxtPtr xml__ctxt(void)
{
    pthread_once(&ctxt_once, xml__init_once);
    if (tl_ctxt && xmlDictSize(tl_ctxt->dict) > XML_DICT_MAX_NAMES) {
        pthread_setspecific(ctxt_key, NULL);
        xmlFreeParserCtxt(tl_ctxt);
        tl_ctxt = NULL;
    }
    if (tl_ctxt)
        return tl_ctxt;
    static xmlSAXHandler sax = {
        .initialized = XML_SAX2_MAGIC,
        .startElementNs = xml__start,
        .endElementNs = xml__end,
        .characters = xml__chars,
        .cdataBlock = xml__chars,
        .internalSubset = xml__subset,
        .externalSubset = xml__subset,
        .serror = xml__silent,
    };
    tl_ctxt = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, NULL);
    if (tl_ctxt)
        pthread_setspecific(ctxt_key, tl_ctxt);
    return tl_ctxt;
}

__attribute__((format(printf, 2, 3))) static void xml__diag(hik_parse_diag *diag, const char *fmt,
                                                            ...)
{
    if (!diag)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(diag->message, sizeof(diag->message), fmt, ap);
    va_end(ap);
}

/* One strict SAX pass over doc. */
static hik_err xml__run(xml_state *st, const uint8_t *doc, size_t len, hik_parse_diag *diag)
{
    xmlParserCtxtPtr ctxt = xml__ctxt();
    if (!ctxt)
        return HIK_ERR_NOMEM;
    st->ctxt = ctxt;
    size_t head = len < 4 ? len : 4;
    if (xmlCtxtResetPush(ctxt, (const char *)doc, (int)head, NULL, NULL) != 0)
        return HIK_ERR_NOMEM;
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                XML_PARSE_NOCDATA);
    xmlCtxtResetLastError(ctxt);
    ctxt->userData = st;
    ctxt->_private = st;
    xmlParseChunk(ctxt, (const char *)doc + head, (int)(len - head), 1);
    ctxt->userData = ctxt;
    if (st->dtd_refused) {
        xml__diag(diag, "XML document type declarations are refused (line %d)",
                  ctxt->input ? ctxt->input->line : 0);
        return HIK_ERR_UNSUPPORTED;
    }
    if (!ctxt->wellFormed) {
        xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
        char msg[128] = "not well-formed";
        if (e && e->message) {
            snprintf(msg, sizeof(msg), "%s", e->message);
            msg[strcspn(msg, "\r\n")] = '\0';
        }
        if (!st->saw_root)
            xml__diag(diag, "malformed XML: no root element");
        else
            xml__diag(diag, "malformed XML: %s (line %d)", msg, e ? e->line : 0);
        /* Content after a complete alert: maybe a second alert. */
        st->trailing = ctxt->errNo == XML_ERR_DOCUMENT_END && st->n > 0;
        return HIK_ERR_PARSE;
    }
    if (!st->saw_root) {
        xml__diag(diag, "malformed XML: no root element");
        return HIK_ERR_PARSE;
    }
    return HIK_OK;
}

/* Length of an entity or character reference starting at p[0] == '&', or 0
 * when the ampersand is bare. */
static size_t xml__ref_len(const uint8_t *p, size_t left)
{
    size_t i = 1;
    if (i < left && p[i] == '#')
        i++;
    size_t start = i;
    while (i < left && i < 40 &&
           ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
            (p[i] >= '0' && p[i] <= '9') || p[i] == '_' || p[i] == '-' || p[i] == '.'))
        i++;
    if (i > start && i < left && p[i] == ';')
        return i + 1;
    return 0;
}

static size_t xml__count_bare_amps(const uint8_t *doc, size_t len)
{
    size_t n = 0;
    for (const uint8_t *p = memchr(doc, '&', len); p;
         p = memchr(p + 1, '&', len - (size_t)(p + 1 - doc)))
        if (!xml__ref_len(p, len - (size_t)(p - doc)))
            n++;
    return n;
}

/* Length of the well-formed UTF-8 sequence at p (1-4), or 0 when the byte
 * there does not start one. */
static size_t xml__utf8_len(const uint8_t *p, size_t left)
{
    uint8_t c = p[0];
    size_t n;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4;
    else
        return 0;
    if (n > left)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) || (c == 0xF0 && p[1] < 0x90) ||
        (c == 0xF4 && p[1] > 0x8F))
        return 0; /* overlong, surrogate or beyond U+10FFFF */
    return n;
}

/* Bytes that are not UTF-8: firmware writes channel names in the local
 * 8-bit code page while declaring UTF-8. */
static size_t xml__count_bad_utf8(const uint8_t *doc, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t k = xml__utf8_len(doc + i, len - i);
        if (k) {
            i += k;
        } else {
            n++;
            i++;
        }
    }
    return n;
}

/* The lenient copy: bare '&' escaped, bytes that are not UTF-8 read as
 * Latin-1, "<?xml ...?>" declarations dropped, everything inside one
 * synthetic root. Caller frees. */
static uint8_t *xml__lenient_copy(const uint8_t *doc, size_t len, size_t bare, size_t bad,
                                  size_t *out_len)
{
    size_t cap = len + bare * 4 + bad + sizeof(WRAP_OPEN) + sizeof(WRAP_CLOSE);
    uint8_t *buf = malloc(cap);
    if (!buf)
        return NULL;
    size_t o = 0;
    memcpy(buf, WRAP_OPEN, sizeof(WRAP_OPEN) - 1);
    o += sizeof(WRAP_OPEN) - 1;
    for (size_t i = 0; i < len;) {
        if (doc[i] == '&' && !xml__ref_len(doc + i, len - i)) {
            memcpy(buf + o, "&amp;", 5);
            o += 5;
            i++;
        } else if (doc[i] == '<' && len - i > 5 && memcmp(doc + i, "<?xml", 5) == 0 &&
                   (doc[i + 5] == ' ' || doc[i + 5] == '?' || doc[i + 5] == '\t' ||
                    doc[i + 5] == '\r' || doc[i + 5] == '\n')) {
            const uint8_t *end = memmem(doc + i, len - i, "?>", 2);
            i = end ? (size_t)(end - doc) + 2 : len;
        } else if (doc[i] >= 0x80 && bad) {
            size_t k = xml__utf8_len(doc + i, len - i);
            if (k) {
                memcpy(buf + o, doc + i, k);
                o += k;
                i += k;
            } else {
                buf[o++] = (uint8_t)(0xC0 | (doc[i] >> 6));
                buf[o++] = (uint8_t)(0x80 | (doc[i] & 0x3F));
                i++;
            }
        } else {
            buf[o++] = doc[i++];
        }
    }
    memcpy(buf + o, WRAP_CLOSE, sizeof(WRAP_CLOSE) - 1);
    o += sizeof(WRAP_CLOSE) - 1;
    *out_len = o;
    return buf;
}

static void xml__reset_state(xml_state *st, int top_depth)
{
    memset(&st->b, 0, sizeof(st->b));
    st->n = st->dropped = 0;
    st->top_depth = top_depth;
    st->cand = NULL;
    st->cand_nested = st->alert_open = st->dtd_refused = st->trailing = st->saw_root = false;
    st->b.opts = st->opts;
}

static hik_err xml__lenient(xml_state *st, const uint8_t *doc, size_t len, size_t bare, size_t bad)
{
    size_t copy_len;
    uint8_t *copy = xml__lenient_copy(doc, len, bare, bad, &copy_len);
    if (!copy)
        return HIK_ERR_NOMEM;
    xml__reset_state(st, 2);
    hik_parse_diag retry_diag;
    hik_err err = xml__run(st, copy, copy_len, &retry_diag);
    free(copy);
    return err;
}

hik_err hik_event_parse_xml(const uint8_t *doc, size_t len, const hik_parse_opts *opts,
                            hik_event *out, size_t max_out, size_t *n_out, hik_parse_diag *diag)
{
    if (n_out)
        *n_out = 0;
    if (diag)
        diag->message[0] = '\0';
    if (!doc || !out || !n_out || !max_out)
        return HIK_ERR_INVALID;
    if (len > HIK_EVENT_MAX_DOC) {
        xml__diag(diag, "XML alert of %zu bytes is over the %d byte limit", len, HIK_EVENT_MAX_DOC);
        return HIK_ERR_TOO_BIG;
    }
    xml_state st = {.out = out, .max_out = max_out, .opts = opts, .raw = doc, .raw_len = len};
    xml__reset_state(&st, 1);
    hik_err err = xml__run(&st, doc, len, diag);
    if (err == HIK_ERR_PARSE) {
        size_t bare = xml__count_bare_amps(doc, len);
        size_t bad = xml__count_bad_utf8(doc, len);
        /* The strict parse's message stays in diag: it names the real fault. */
        if ((bare || bad || st.trailing) && xml__lenient(&st, doc, len, bare, bad) == HIK_OK) {
            err = HIK_OK;
            if (diag)
                diag->message[0] = '\0';
        }
    }
    if (err)
        return err;
    if (st.n == 0) {
        xml__diag(diag, "XML document holds no EventNotificationAlert");
        return HIK_ERR_UNSUPPORTED;
    }
    if (st.dropped)
        xml__diag(diag, "%zu alerts past the first %zu ignored", st.dropped, max_out);
    *n_out = st.n;
    return HIK_OK;
}
