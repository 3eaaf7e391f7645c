/* event_parse_body.c: a whole HTTP push body into events and pictures.
 *
 * Cameras label their bodies loosely (text/plain around XML, part names
 * instead of content types, JPEGs as application/octet-stream), so the
 * Content-Type only picks the likely format and the bytes decide when it
 * says nothing useful. In a multipart body the alert is the first part that
 * looks like XML or JSON by type, by name or by content; every image part
 * becomes a picture of every event the alert held (pictures stay slices of
 * the caller's body). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hik/event_parse.h"
#include "hik/multipart.h"

typedef enum body_format {
    BODY_UNKNOWN = 0,
    BODY_XML,
    BODY_JSON,
    BODY_MULTIPART,
} body_format;

__attribute__((format(printf, 2, 3))) static void body__diag(hik_parse_diag *diag, const char *fmt,
                                                             ...)
{
    if (!diag)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(diag->message, sizeof(diag->message), fmt, ap);
    va_end(ap);
}

static body_format body__sniff(const uint8_t *p, size_t len)
{
    size_t i = 0;
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        i = 3; /* UTF-8 byte order mark */
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i == len)
        return BODY_UNKNOWN;
    if (p[i] == '<')
        return BODY_XML;
    if (p[i] == '{' || p[i] == '[')
        return BODY_JSON;
    if (len - i > 2 && p[i] == '-' && p[i + 1] == '-')
        return BODY_MULTIPART;
    return BODY_UNKNOWN;
}

/* Media type without parameters, case-insensitively classified. */
static body_format body__from_type(const char *ct)
{
    if (!ct)
        return BODY_UNKNOWN;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strcspn(ct, "; \t");
    if (n >= 10 && strncasecmp(ct, "multipart/", 10) == 0)
        return BODY_MULTIPART;
    if ((n == 15 && strncasecmp(ct, "application/xml", n) == 0) ||
        (n == 8 && strncasecmp(ct, "text/xml", n) == 0) ||
        (n > 4 && strncasecmp(ct + n - 4, "+xml", 4) == 0))
        return BODY_XML;
    if ((n == 16 && strncasecmp(ct, "application/json", n) == 0) ||
        (n == 9 && strncasecmp(ct, "text/json", n) == 0) ||
        (n > 5 && strncasecmp(ct + n - 5, "+json", 5) == 0))
        return BODY_JSON;
    return BODY_UNKNOWN;
}

static bool ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* The format of a part if it is the alert, BODY_UNKNOWN if it is not. */
static body_format body__part_alert(const hik_part *p)
{
    body_format by_type = body__from_type(p->content_type);
    body_format by_bytes = body__sniff(p->data, p->len);
    if (by_bytes == BODY_MULTIPART)
        by_bytes = BODY_UNKNOWN;
    if (by_type == BODY_XML || by_type == BODY_JSON)
        return by_bytes ? by_bytes : by_type;
    if (ends_with_ci(p->name, ".xml") || ends_with_ci(p->filename, ".xml"))
        return by_bytes ? by_bytes : BODY_XML;
    if (ends_with_ci(p->name, ".json") || ends_with_ci(p->filename, ".json"))
        return by_bytes ? by_bytes : BODY_JSON;
    if (strncmp(p->content_type, "image/", 6) == 0)
        return BODY_UNKNOWN;
    return by_bytes;
}

static bool body__is_image(const hik_part *p)
{
    return strncmp(p->content_type, "image/", 6) == 0 ||
           (p->len >= 2 && p->data[0] == 0xFF && p->data[1] == 0xD8);
}

/* Bounded copy; these names come from the device and may be cut. */
static void body__copy(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void body__attach(const hik_part *p, hik_event *out, size_t n)
{
    const char *name = p->name[0] ? p->name : p->filename;
    const char *type = p->content_type[0] && strcmp(p->content_type, "application/octet-stream")
                           ? p->content_type
                           : "image/jpeg";
    for (size_t i = 0; i < n; i++) {
        hik_event *ev = &out[i];
        if (ev->n_pictures >= HIK_EVENT_MAX_PICTURES)
            continue;
        hik_picture *pic = &ev->pictures[ev->n_pictures++];
        memset(pic, 0, sizeof(*pic));
        body__copy(pic->name, sizeof(pic->name), name);
        body__copy(pic->content_type, sizeof(pic->content_type), type);
        body__copy(pic->content_id, sizeof(pic->content_id), p->content_id);
        pic->data = p->data;
        pic->len = p->len;
    }
}

static hik_err body__doc(body_format f, const uint8_t *doc, size_t len, const hik_parse_opts *opts,
                         hik_event *out, size_t max_out, size_t *n_out, hik_parse_diag *diag)
{
    if (f == BODY_JSON)
        return hik_event_parse_json(doc, len, opts, out, max_out, n_out, diag);
    return hik_event_parse_xml(doc, len, opts, out, max_out, n_out, diag);
}

/* No usable boundary parameter: take it from the body's first line,
 * "--boundary". A NUL in it would cut the boundary short of what the body
 * says (down to nothing), so such a line is no boundary. */
static bool body__first_line_boundary(const uint8_t *body, size_t len,
                                      char out[HIK_MULTIPART_MAX_BOUNDARY + 1])
{
    size_t i = 0;
    while (i < len && (body[i] == '\r' || body[i] == '\n'))
        i++;
    size_t e = i;
    while (e < len && body[e] != '\r' && body[e] != '\n')
        e++;
    if (e - i < 3 || body[i] != '-' || body[i + 1] != '-' ||
        e - i - 2 > HIK_MULTIPART_MAX_BOUNDARY || memchr(body + i + 2, '\0', e - i - 2))
        return false;
    memcpy(out, body + i + 2, e - i - 2);
    out[e - i - 2] = '\0';
    return true;
}

static hik_err body__multipart(const char *content_type, const uint8_t *body, size_t len,
                               const hik_parse_opts *opts, hik_event *out, size_t max_out,
                               size_t *n_out, hik_parse_diag *diag)
{
    char boundary[HIK_MULTIPART_MAX_BOUNDARY + 1];
    if ((!content_type || hik_multipart_boundary(content_type, boundary, sizeof(boundary))) &&
        !body__first_line_boundary(body, len, boundary)) {
        body__diag(diag, "multipart body without a usable boundary");
        return HIK_ERR_PARSE;
    }
    hik_part parts[HIK_MULTIPART_MAX_PARTS];
    size_t n_parts;
    hik_err err =
        hik_multipart_parse(body, len, boundary, parts, HIK_MULTIPART_MAX_PARTS, &n_parts);
    if (err == HIK_ERR_TRUNCATED) {
        body__diag(diag,
                   "multipart body truncated: it ends inside part %zu, before its "
                   "closing boundary",
                   n_parts + 1);
        return err;
    }
    if (err) {
        body__diag(diag, "malformed multipart body (%s)", hik_err_str(err));
        return err;
    }
    const hik_part *alert = NULL;
    body_format f = BODY_UNKNOWN;
    for (size_t i = 0; i < n_parts && !alert; i++)
        if ((f = body__part_alert(&parts[i])) != BODY_UNKNOWN)
            alert = &parts[i];
    if (!alert) {
        body__diag(diag, "multipart body of %zu parts holds no XML or JSON alert", n_parts);
        return HIK_ERR_UNSUPPORTED;
    }
    err = body__doc(f, alert->data, alert->len, opts, out, max_out, n_out, diag);
    if (err)
        return err;
    for (size_t i = 0; i < n_parts; i++)
        if (&parts[i] != alert && body__is_image(&parts[i]))
            body__attach(&parts[i], out, *n_out);
    return HIK_OK;
}

hik_err hik_event_parse_body(const char *content_type, const uint8_t *body, size_t len,
                             const hik_parse_opts *opts, hik_event *out, size_t max_out,
                             size_t *n_out, hik_parse_diag *diag)
{
    if (n_out)
        *n_out = 0;
    if (diag)
        diag->message[0] = '\0';
    if (!body || !out || !n_out || !max_out)
        return HIK_ERR_INVALID;
    body_format f = body__from_type(content_type);
    body_format sniffed = body__sniff(body, len);
    /* The bytes win over a label that names the other document format. */
    if (f == BODY_UNKNOWN ||
        ((f == BODY_XML || f == BODY_JSON) && (sniffed == BODY_XML || sniffed == BODY_JSON)))
        f = sniffed;
    switch (f) {
    case BODY_MULTIPART:
        return body__multipart(content_type, body, len, opts, out, max_out, n_out, diag);
    case BODY_XML:
    case BODY_JSON:
        return body__doc(f, body, len, opts, out, max_out, n_out, diag);
    default:
        body__diag(diag, "body is neither XML, JSON nor multipart (Content-Type: %.60s)",
                   content_type ? content_type : "none");
        return HIK_ERR_UNSUPPORTED;
    }
}
