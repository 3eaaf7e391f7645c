/* multipart.c: split multipart bodies (camera pushes, alertStream parts).
 *
 * The body is already in memory, so parts are slices of it and nothing is
 * copied but the few header values. Devices are loose with the format: bare
 * LF line ends, Content-Length on some parts and not others, no closing
 * "--". A part's Content-Length is used when the delimiter sits right where
 * it says (so a JPEG is skipped without scanning it); otherwise the next
 * delimiter line is searched for. A body that stops before the delimiter
 * that should close a part is truncated, never a short part. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hik/multipart.h"

#define MP_MAX_HEADER_BYTES 8192 /* all header lines of one part */

static bool mp__is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static void mp__copy(char *out, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

/* Value of parameter `name` in a header value ("type; a=1; b=\"x\"").
 * Returns the value's length, or -1 when absent. */
static long mp__param(const char *v, size_t n, const char *name, char *out, size_t cap)
{
    size_t i = 0, name_len = strlen(name);
    while (i < n && v[i] != ';')
        i++;
    while (i < n) {
        i++; /* the ';' */
        while (i < n && mp__is_ws(v[i]))
            i++;
        size_t k = i;
        while (i < n && v[i] != '=' && v[i] != ';')
            i++;
        size_t klen = i;
        while (klen > k && mp__is_ws(v[klen - 1]))
            klen--;
        if (i >= n || v[i] != '=')
            continue;
        i++;
        while (i < n && mp__is_ws(v[i]))
            i++;
        size_t s = i, e;
        if (i < n && v[i] == '"') {
            s = ++i;
            while (i < n && v[i] != '"')
                i += (v[i] == '\\' && i + 1 < n) ? 2 : 1;
            e = i < n ? i : n;
            while (i < n && v[i] != ';')
                i++;
        } else {
            while (i < n && v[i] != ';' && !mp__is_ws(v[i]))
                i++;
            e = i;
            while (i < n && v[i] != ';')
                i++;
        }
        if (klen - k == name_len && strncasecmp(v + k, name, name_len) == 0) {
            mp__copy(out, cap, v + s, e - s);
            return (long)(e - s);
        }
    }
    return -1;
}

hik_err hik_multipart_boundary(const char *content_type, char *out, size_t out_len)
{
    if (!content_type || !out || !out_len)
        return HIK_ERR_INVALID;
    char tmp[HIK_MULTIPART_MAX_BOUNDARY + 2];
    long n = mp__param(content_type, strlen(content_type), "boundary", tmp, sizeof(tmp));
    if (n <= 0 || n > HIK_MULTIPART_MAX_BOUNDARY || (size_t)n >= out_len)
        return HIK_ERR_PARSE;
    memcpy(out, tmp, (size_t)n + 1);
    return HIK_OK;
}

static void mp__media_type(hik_part *p, const char *v, size_t n)
{
    size_t e = 0;
    while (e < n && v[e] != ';')
        e++;
    while (e && mp__is_ws(v[e - 1]))
        e--;
    mp__copy(p->content_type, sizeof(p->content_type), v, e);
    for (char *c = p->content_type; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c + 32);
}

/* One "Name: value" header line of a part. */
static void mp__header(hik_part *p, long *content_length, const char *line, size_t n)
{
    const char *colon = memchr(line, ':', n);
    if (!colon)
        return;
    size_t klen = (size_t)(colon - line);
    const char *v = colon + 1;
    size_t vlen = n - klen - 1;
    while (vlen && mp__is_ws(*v)) {
        v++;
        vlen--;
    }
    while (vlen && mp__is_ws(v[vlen - 1]))
        vlen--;
#define IS(k) (klen == sizeof(k) - 1 && strncasecmp(line, k, klen) == 0)
    if (IS("Content-Disposition")) {
        mp__param(v, vlen, "name", p->name, sizeof(p->name));
        mp__param(v, vlen, "filename", p->filename, sizeof(p->filename));
    } else if (IS("Content-Type")) {
        mp__media_type(p, v, vlen);
    } else if (IS("Content-ID")) {
        if (vlen && *v == '<') {
            v++;
            vlen--;
        }
        if (vlen && v[vlen - 1] == '>')
            vlen--;
        mp__copy(p->content_id, sizeof(p->content_id), v, vlen);
    } else if (IS("Content-Length")) {
        long cl = 0;
        size_t i = 0;
        for (; i < vlen && v[i] >= '0' && v[i] <= '9' && cl < (1L << 40); i++)
            cl = cl * 10 + (v[i] - '0');
        *content_length = (i && i == vlen) ? cl : -1;
    }
#undef IS
}

typedef struct mp_cursor {
    const uint8_t *body;
    size_t len;
    const char *delim; /* "--" boundary */
    size_t dlen;
} mp_cursor;

/* Is there a delimiter line at `pos` (what follows it ends the line)? */
static bool mp__delim_at(const mp_cursor *c, size_t pos)
{
    if (pos + c->dlen > c->len || memcmp(c->body + pos, c->delim, c->dlen) != 0)
        return false;
    size_t q = pos + c->dlen;
    if (q == c->len)
        return true;
    uint8_t ch = c->body[q];
    return ch == '-' || ch == '\r' || ch == '\n' || ch == ' ' || ch == '\t';
}

/* Next delimiter at the start of a line, searching from `from`. */
static bool mp__find_delim(const mp_cursor *c, size_t from, size_t *pos)
{
    while (from < c->len) {
        const uint8_t *hit = memmem(c->body + from, c->len - from, c->delim, c->dlen);
        if (!hit)
            return false;
        size_t p = (size_t)(hit - c->body);
        if ((p == 0 || c->body[p - 1] == '\n') && mp__delim_at(c, p)) {
            *pos = p;
            return true;
        }
        from = p + 1;
    }
    return false;
}

/* Headers from *pos to the blank line; *pos ends at the part's data. */
static hik_err mp__headers(const mp_cursor *c, size_t *pos, hik_part *p, long *cl)
{
    size_t q = *pos, start = q;
    for (;;) {
        const uint8_t *nl = q < c->len ? memchr(c->body + q, '\n', c->len - q) : NULL;
        if (!nl)
            return HIK_ERR_TRUNCATED;
        size_t e = (size_t)(nl - c->body);
        if (e - start > MP_MAX_HEADER_BYTES)
            return HIK_ERR_TOO_BIG;
        size_t line_end = (e > q && c->body[e - 1] == '\r') ? e - 1 : e;
        if (line_end == q) {
            *pos = e + 1;
            return HIK_OK;
        }
        mp__header(p, cl, (const char *)c->body + q, line_end - q);
        q = e + 1;
    }
}

/* Where the data starting at `s` ends, and where the next delimiter is. */
static hik_err mp__data_end(const mp_cursor *c, size_t s, long cl, size_t *end, size_t *next)
{
    if (cl >= 0 && (size_t)cl <= c->len - s) {
        size_t e = s + (size_t)cl, q = e;
        if (q < c->len && c->body[q] == '\r')
            q++;
        if (q < c->len && c->body[q] == '\n')
            q++;
        if (mp__delim_at(c, q) || q == c->len) {
            *end = e;
            *next = q;
            return HIK_OK;
        }
    }
    size_t d;
    if (!mp__find_delim(c, s, &d) || (d > s && c->body[d - 1] != '\n'))
        return HIK_ERR_TRUNCATED;
    size_t e = d;
    if (e > s && c->body[e - 1] == '\n')
        e--;
    if (e > s && c->body[e - 1] == '\r')
        e--;
    *end = e;
    *next = d;
    return HIK_OK;
}

/* After a delimiter: true when it closes the body ("--", or the body ends). */
static bool mp__after_delim(const mp_cursor *c, size_t *pos, hik_err *err)
{
    size_t q = *pos + c->dlen;
    *err = HIK_OK;
    if (q + 1 < c->len && c->body[q] == '-' && c->body[q + 1] == '-')
        return true;
    while (q < c->len && (c->body[q] == ' ' || c->body[q] == '\t'))
        q++;
    if (q == c->len)
        return true;
    if (c->body[q] == '\r')
        q++;
    if (q >= c->len || c->body[q] != '\n') {
        *err = q >= c->len ? HIK_ERR_TRUNCATED : HIK_ERR_PARSE;
        return true;
    }
    *pos = q + 1;
    return *pos == c->len; /* a delimiter line that ends the body closes it */
}

hik_err hik_multipart_parse(const uint8_t *body, size_t len, const char *boundary, hik_part *parts,
                            size_t max_parts, size_t *n_parts)
{
    if (n_parts)
        *n_parts = 0;
    if (!body || !boundary || !parts || !n_parts)
        return HIK_ERR_INVALID;
    size_t blen = strlen(boundary);
    if (!blen || blen > HIK_MULTIPART_MAX_BOUNDARY)
        return HIK_ERR_INVALID;
    char delim[HIK_MULTIPART_MAX_BOUNDARY + 3] = "--";
    memcpy(delim + 2, boundary, blen + 1);
    mp_cursor c = {body, len, delim, blen + 2};
    size_t pos, n = 0;
    if (!mp__find_delim(&c, 0, &pos))
        return HIK_ERR_PARSE;
    hik_err err;
    while (!mp__after_delim(&c, &pos, &err)) {
        if (n == max_parts)
            return HIK_ERR_TOO_BIG;
        hik_part *p = &parts[n];
        memset(p, 0, sizeof(*p));
        long cl = -1;
        err = mp__headers(&c, &pos, p, &cl);
        if (err)
            return err;
        size_t end, next;
        err = mp__data_end(&c, pos, cl, &end, &next);
        if (err)
            return err;
        p->data = body + pos;
        p->len = end - pos;
        n++;
        *n_parts = n;
        if (next >= len)
            return HIK_OK; /* last part ended exactly at its Content-Length */
        pos = next;
    }
    return err;
}
