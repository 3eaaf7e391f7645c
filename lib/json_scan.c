/* json_scan.c: RFC 8259 validation and tokens in one pass, no allocation.
 *
 * The scanner is a loop over an explicit stack of open containers (bounded
 * by the caller's max_depth), so hostile nesting costs neither recursion
 * nor memory. Strings are checked byte-class by byte-class: plain ASCII is
 * skipped by a table lookup, escapes and multi-byte UTF-8 are validated on
 * the spot (surrogate pairs must pair, overlong forms and code points past
 * U+10FFFF are refused), so a decoder later never has to doubt its input.
 *
 * Duplicate keys are marked when their object closes: each key's decoded
 * text is hashed into 16 bits and compared with the earlier keys of that
 * object. Colliding keys fall back to a byte comparison, so the cost is
 * quadratic only in the keys of one object, and the token cap bounds that. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json_scan.h"

typedef struct scan {
    json_doc *d;
    const uint8_t *s;
    size_t len;
    size_t p;
    int depth;
    uint32_t stack[JSON_SCAN_DEPTH_LIMIT];
} scan;

/* 0: byte that stands for itself inside a string. */
enum { C_PLAIN = 0, C_QUOTE, C_ESCAPE, C_CONTROL, C_HIGH };

static const uint8_t str_class[256] = {
    [0x00 ... 0x1F] = C_CONTROL,
    ['"'] = C_QUOTE,
    ['\\'] = C_ESCAPE,
    [0x80 ... 0xFF] = C_HIGH,
};

static bool is_ws(uint8_t c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static void scan__ws(scan *sc)
{
    while (sc->p < sc->len && is_ws(sc->s[sc->p]))
        sc->p++;
}

__attribute__((format(printf, 4, 5))) static hik_err scan__fail(scan *sc, hik_err err, size_t at,
                                                                const char *fmt, ...)
{
    json_doc *d = sc->d;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->error, sizeof(d->error), fmt, ap);
    va_end(ap);
    if (at > sc->len)
        at = sc->len;
    d->error_at = at;
    d->error_line = 1;
    size_t line_start = 0;
    for (const uint8_t *nl = memchr(sc->s, '\n', at); nl;
         nl = memchr(nl + 1, '\n', at - (size_t)(nl + 1 - sc->s))) {
        d->error_line++;
        line_start = (size_t)(nl + 1 - sc->s);
    }
    d->error_column = (int)(at - line_start) + 1;
    return err;
}

static hik_err scan__tok(scan *sc, json_type type, uint32_t *idx)
{
    json_doc *d = sc->d;
    if (d->n_tok >= d->max_tok)
        return scan__fail(sc, HIK_ERR_TOO_BIG, sc->p, "has more than %u tokens", d->max_tok);
    *idx = d->n_tok++;
    json_tok *t = &d->tok[*idx];
    t->start = (uint32_t)sc->p;
    t->len = 0;
    t->next = *idx + 1;
    t->hash = 0;
    t->type = (uint8_t)type;
    t->flags = 0;
    return HIK_OK;
}

/* Length of the well-formed UTF-8 sequence at p (2-4), 0 when malformed. */
static size_t utf8_seq(const uint8_t *p, size_t left)
{
    uint8_t c = p[0];
    size_t n;
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
        return 0; /* overlong, surrogate or past U+10FFFF */
    return n;
}

static int hex4(const uint8_t *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t c = p[i];
        int h;
        if (c >= '0' && c <= '9')
            h = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            h = (c | 0x20) - 'a' + 10;
        else
            return -1;
        v = v << 4 | h;
    }
    return v;
}

/* The escape at sc->s[p] == '\\'; *n its length in bytes. */
static hik_err scan__escape(scan *sc, size_t p, size_t *n)
{
    const uint8_t *s = sc->s;
    size_t left = sc->len - p;
    if (left < 2)
        return scan__fail(sc, HIK_ERR_PARSE, p, "unterminated string");
    if (s[p + 1] != 'u' && s[p + 1] && strchr("\"\\/bfnrt", s[p + 1])) {
        *n = 2;
        return HIK_OK;
    }
    if (s[p + 1] != 'u')
        return scan__fail(sc, HIK_ERR_PARSE, p, "invalid escape '\\%c'",
                          s[p + 1] >= 0x20 && s[p + 1] < 0x7F ? s[p + 1] : '?');
    int u = left >= 6 ? hex4(s + p + 2) : -1;
    if (u < 0)
        return scan__fail(sc, HIK_ERR_PARSE, p, "\\u needs four hex digits");
    if (u == 0)
        return scan__fail(sc, HIK_ERR_PARSE, p, "\\u0000 in a string is refused");
    if (u >= 0xDC00 && u <= 0xDFFF)
        return scan__fail(sc, HIK_ERR_PARSE, p, "lone low surrogate \\u%04X", (unsigned)u);
    *n = 6;
    if (u < 0xD800 || u > 0xDBFF)
        return HIK_OK;
    int lo = left >= 12 && s[p + 6] == '\\' && s[p + 7] == 'u' ? hex4(s + p + 8) : -1;
    if (lo < 0xDC00 || lo > 0xDFFF)
        return scan__fail(sc, HIK_ERR_PARSE, p, "lone high surrogate \\u%04X", (unsigned)u);
    *n = 12;
    return HIK_OK;
}

/* sc->p is at the opening quote. */
static hik_err scan__string(scan *sc, uint32_t *idx)
{
    hik_err err = scan__tok(sc, JSON_T_STRING, idx);
    if (err)
        return err;
    const uint8_t *s = sc->s;
    size_t len = sc->len, p = sc->p + 1;
    uint8_t flags = 0;
    for (;;) {
        while (p < len && str_class[s[p]] == C_PLAIN)
            p++;
        if (p >= len)
            return scan__fail(sc, HIK_ERR_PARSE, sc->p, "unterminated string");
        uint8_t cls = str_class[s[p]];
        size_t n;
        if (cls == C_QUOTE)
            break;
        if (cls == C_CONTROL)
            return scan__fail(sc, HIK_ERR_PARSE, p, "control character 0x%02X in a string", s[p]);
        if (cls == C_ESCAPE) {
            if ((err = scan__escape(sc, p, &n)))
                return err;
            flags |= JSON_TOK_ESCAPED;
        } else if (!(n = utf8_seq(s + p, len - p))) {
            return scan__fail(sc, HIK_ERR_PARSE, p, "invalid UTF-8 byte 0x%02X", s[p]);
        }
        p += n;
    }
    json_tok *t = &sc->d->tok[*idx];
    t->start = (uint32_t)(sc->p + 1);
    t->len = (uint32_t)(p - sc->p - 1);
    t->flags = flags;
    sc->p = p + 1;
    return HIK_OK;
}

static size_t digits(const uint8_t *s, size_t p, size_t len)
{
    size_t q = p;
    while (q < len && s[q] >= '0' && s[q] <= '9')
        q++;
    return q - p;
}

static hik_err scan__number(scan *sc)
{
    uint32_t idx;
    hik_err err = scan__tok(sc, JSON_T_NUMBER, &idx);
    if (err)
        return err;
    const uint8_t *s = sc->s;
    size_t len = sc->len, p = sc->p;
    if (s[p] == '-')
        p++;
    size_t n = digits(s, p, len);
    if (n == 0)
        return scan__fail(sc, HIK_ERR_PARSE, p, "number without digits");
    if (n > 1 && s[p] == '0')
        return scan__fail(sc, HIK_ERR_PARSE, p, "number with a leading zero");
    p += n;
    if (p < len && s[p] == '.') {
        if (!(n = digits(s, ++p, len)))
            return scan__fail(sc, HIK_ERR_PARSE, p, "no digits after the decimal point");
        p += n;
    }
    if (p < len && (s[p] == 'e' || s[p] == 'E')) {
        p++;
        if (p < len && (s[p] == '+' || s[p] == '-'))
            p++;
        if (!(n = digits(s, p, len)))
            return scan__fail(sc, HIK_ERR_PARSE, p, "no digits in the exponent");
        p += n;
    }
    sc->d->tok[idx].len = (uint32_t)(p - sc->p);
    sc->p = p;
    return HIK_OK;
}

static hik_err scan__literal(scan *sc, const char *word, json_type type)
{
    size_t n = strlen(word);
    if (sc->len - sc->p < n || memcmp(sc->s + sc->p, word, n) != 0)
        return scan__fail(sc, HIK_ERR_PARSE, sc->p, "invalid token");
    uint32_t idx;
    hik_err err = scan__tok(sc, type, &idx);
    if (err)
        return err;
    sc->d->tok[idx].len = (uint32_t)n;
    sc->p += n;
    return HIK_OK;
}

/* ---- decoding ---------------------------------------------------------- */

/* Code point cp (valid, not a surrogate) as UTF-8; returns its length. */
static size_t utf8_put(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decode one unit of validated raw string text at *pos: a run of bytes up
 * to the next escape (at most `room` bytes, never splitting a code point),
 * or one escape as UTF-8. Returns bytes written, 0 when nothing fits. */
static size_t decode_unit(const char *raw, size_t raw_len, size_t *pos, char *out, size_t room)
{
    const uint8_t *s = (const uint8_t *)raw;
    size_t p = *pos;
    if (s[p] != '\\') {
        const void *bs = memchr(s + p, '\\', raw_len - p);
        size_t n = (bs ? (size_t)((const uint8_t *)bs - s) : raw_len) - p;
        if (n > room) {
            n = room;
            while (n > 0 && (s[p + n] & 0xC0) == 0x80)
                n--;
        }
        memcpy(out, s + p, n);
        *pos = p + n;
        return n;
    }
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *e = strchr(from, s[p + 1]);
    char tmp[4];
    size_t n = 1;
    size_t next = p + 2;
    if (e) {
        tmp[0] = to[e - from];
    } else {
        uint32_t cp = (uint32_t)hex4(s + p + 2);
        next = p + 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)hex4(s + p + 8) - 0xDC00);
            next = p + 12;
        }
        n = utf8_put(cp, tmp);
    }
    if (n > room)
        return 0;
    memcpy(out, tmp, n);
    *pos = next;
    return n;
}

size_t json_scan__unescape(const json_doc *d, uint32_t t, size_t *pos, char *dst, size_t cap)
{
    const json_tok *tok = &d->tok[t];
    const char *raw = d->text + tok->start;
    size_t o = 0;
    while (*pos < tok->len) {
        size_t n = decode_unit(raw, tok->len, pos, dst + o, cap - o);
        if (n == 0)
            break;
        o += n;
    }
    return o;
}

bool json_scan__string(const json_doc *d, uint32_t t, char *dst, size_t cap)
{
    size_t pos = 0;
    size_t n = cap > 1 ? json_scan__unescape(d, t, &pos, dst, cap - 1) : 0;
    dst[n] = '\0';
    return pos == d->tok[t].len;
}

/* Walks the decoded bytes of a string token, a few at a time. */
typedef struct str_reader {
    const char *raw;
    size_t raw_len, pos;
    char buf[64];
    size_t n, i;
} str_reader;

static void reader_init(str_reader *r, const json_doc *d, uint32_t t)
{
    r->raw = d->text + d->tok[t].start;
    r->raw_len = d->tok[t].len;
    r->pos = r->n = r->i = 0;
}

static int reader_next(str_reader *r)
{
    if (r->i == r->n) {
        if (r->pos >= r->raw_len)
            return -1;
        r->n = 0;
        while (r->pos < r->raw_len && r->n + 4 <= sizeof(r->buf)) {
            size_t k =
                decode_unit(r->raw, r->raw_len, &r->pos, r->buf + r->n, sizeof(r->buf) - r->n);
            if (k == 0)
                break;
            r->n += k;
        }
        r->i = 0;
    }
    return (uint8_t)r->buf[r->i++];
}

bool json_scan__str_is(const json_doc *d, uint32_t t, const char *s, size_t n)
{
    const json_tok *tok = &d->tok[t];
    if (tok->type != JSON_T_STRING)
        return false;
    if (!(tok->flags & JSON_TOK_ESCAPED))
        return tok->len == n && memcmp(d->text + tok->start, s, n) == 0;
    if (tok->len < n) /* an escape never decodes to more bytes than it takes */
        return false;
    str_reader r;
    reader_init(&r, d, t);
    for (size_t i = 0; i < n; i++)
        if (reader_next(&r) != (uint8_t)s[i])
            return false;
    return reader_next(&r) < 0;
}

static bool str_eq(const json_doc *d, uint32_t a, uint32_t b)
{
    const json_tok *ta = &d->tok[a], *tb = &d->tok[b];
    if (!((ta->flags | tb->flags) & JSON_TOK_ESCAPED))
        return ta->len == tb->len && memcmp(d->text + ta->start, d->text + tb->start, ta->len) == 0;
    str_reader ra, rb;
    reader_init(&ra, d, a);
    reader_init(&rb, d, b);
    int ca, cb;
    do {
        ca = reader_next(&ra);
        cb = reader_next(&rb);
    } while (ca == cb && ca >= 0);
    return ca == cb;
}

static uint16_t str_hash(const json_doc *d, uint32_t t)
{
    uint32_t h = 2166136261u;
    const json_tok *tok = &d->tok[t];
    if (!(tok->flags & JSON_TOK_ESCAPED)) {
        const uint8_t *s = (const uint8_t *)d->text + tok->start;
        for (uint32_t i = 0; i < tok->len; i++)
            h = (h ^ s[i]) * 16777619u;
    } else {
        str_reader r;
        reader_init(&r, d, t);
        for (int c; (c = reader_next(&r)) >= 0;)
            h = (h ^ (uint32_t)c) * 16777619u;
    }
    return (uint16_t)(h ^ h >> 16);
}

/* ---- containers -------------------------------------------------------- */

/* Mark keys that repeat an earlier key of object o (just closed). */
static void scan__dedup(json_doc *d, uint32_t o)
{
    json_tok *tok = d->tok;
    uint32_t end = tok[o].next;
    if (o + 1 >= end || tok[o + 2].next >= end)
        return; /* fewer than two keys */
    for (uint32_t k = o + 1; k < end; k = tok[k + 1].next)
        tok[k].hash = str_hash(d, k);
    for (uint32_t k = tok[o + 2].next; k < end; k = tok[k + 1].next)
        for (uint32_t j = o + 1; j < k; j = tok[j + 1].next)
            if (tok[j].hash == tok[k].hash && !(tok[j].flags & JSON_TOK_DUP) && str_eq(d, j, k)) {
                tok[k].flags |= JSON_TOK_DUP;
                break;
            }
}

static hik_err scan__open(scan *sc, json_type type)
{
    if (sc->depth >= sc->d->max_depth)
        return scan__fail(sc, HIK_ERR_TOO_BIG, sc->p, "nested deeper than %d levels",
                          sc->d->max_depth);
    uint32_t idx;
    hik_err err = scan__tok(sc, type, &idx);
    if (err)
        return err;
    sc->stack[sc->depth++] = idx;
    sc->p++;
    return HIK_OK;
}

static void scan__close(scan *sc)
{
    json_doc *d = sc->d;
    uint32_t idx = sc->stack[--sc->depth];
    json_tok *t = &d->tok[idx];
    sc->p++;
    t->len = (uint32_t)(sc->p - t->start);
    t->next = d->n_tok;
    if (t->type == JSON_T_OBJECT)
        scan__dedup(d, idx);
}

/* A key and its colon; sc->p is past the '{' or ','. */
static hik_err scan__key(scan *sc)
{
    scan__ws(sc);
    if (sc->p >= sc->len || sc->s[sc->p] != '"')
        return scan__fail(sc, HIK_ERR_PARSE, sc->p, "expected a string key");
    uint32_t idx;
    hik_err err = scan__string(sc, &idx);
    if (err)
        return err;
    scan__ws(sc);
    if (sc->p >= sc->len || sc->s[sc->p] != ':')
        return scan__fail(sc, HIK_ERR_PARSE, sc->p, "expected ':' after a key");
    sc->p++;
    return HIK_OK;
}

/* One value; containers only open here (their content follows in the
 * main loop). *opened says whether one did. */
static hik_err scan__value(scan *sc, bool *opened)
{
    uint32_t idx;
    *opened = false;
    scan__ws(sc);
    if (sc->p >= sc->len)
        return scan__fail(sc, HIK_ERR_PARSE, sc->p, "unexpected end of input");
    switch (sc->s[sc->p]) {
    case '{':
    case '[':
        *opened = true;
        return scan__open(sc, sc->s[sc->p] == '{' ? JSON_T_OBJECT : JSON_T_ARRAY);
    case '"':
        return scan__string(sc, &idx);
    case 't':
        return scan__literal(sc, "true", JSON_T_TRUE);
    case 'f':
        return scan__literal(sc, "false", JSON_T_FALSE);
    case 'n':
        return scan__literal(sc, "null", JSON_T_NULL);
    default:
        if (sc->s[sc->p] == '-' || (sc->s[sc->p] >= '0' && sc->s[sc->p] <= '9'))
            return scan__number(sc);
        return scan__fail(sc, HIK_ERR_PARSE, sc->p, "invalid token");
    }
}

/* After a value (or just after an open bracket when `fresh`): close
 * containers, or step past a comma. *want_value says whether a value (and
 * for objects a key first) comes next. */
static hik_err scan__after(scan *sc, bool fresh, bool *want_value)
{
    for (;;) {
        *want_value = false;
        if (sc->depth == 0)
            return HIK_OK;
        const json_tok *top = &sc->d->tok[sc->stack[sc->depth - 1]];
        bool obj = top->type == JSON_T_OBJECT;
        scan__ws(sc);
        uint8_t c = sc->p < sc->len ? sc->s[sc->p] : 0;
        if (c == (obj ? '}' : ']')) {
            scan__close(sc);
            fresh = false;
            continue;
        }
        if (!fresh && c != ',')
            return scan__fail(sc, HIK_ERR_PARSE, sc->p,
                              sc->p >= sc->len ? "unexpected end of input"
                              : obj            ? "expected ',' or '}'"
                                               : "expected ',' or ']'");
        if (!fresh)
            sc->p++;
        *want_value = true;
        return obj ? scan__key(sc) : HIK_OK;
    }
}

hik_err json_scan__parse(json_doc *d, const uint8_t *text, size_t len, json_tok *toks,
                         size_t max_toks, int max_depth)
{
    memset(d, 0, sizeof(*d));
    d->text = (const char *)text;
    d->len = len;
    d->tok = toks;
    d->max_tok = max_toks > UINT32_MAX ? UINT32_MAX : (uint32_t)max_toks;
    d->max_depth = max_depth < JSON_SCAN_DEPTH_LIMIT ? max_depth : JSON_SCAN_DEPTH_LIMIT;
    scan sc = {.d = d, .s = text, .len = len};
    if (!text)
        return scan__fail(&sc, HIK_ERR_INVALID, 0, "no document");
    if (len >= UINT32_MAX)
        return scan__fail(&sc, HIK_ERR_TOO_BIG, 0, "document over 4 GiB");
    if (len >= 3 && text[0] == 0xEF && text[1] == 0xBB && text[2] == 0xBF)
        sc.p = 3;
    bool want_value = true;
    while (want_value) {
        bool opened;
        hik_err err = scan__value(&sc, &opened);
        if (!err)
            err = scan__after(&sc, opened, &want_value);
        if (err)
            return err;
    }
    scan__ws(&sc);
    if (sc.p != len)
        return scan__fail(&sc, HIK_ERR_PARSE, sc.p, "content after the end of the document");
    return HIK_OK;
}

uint32_t json_scan__get(const json_doc *d, uint32_t obj, const char *key, size_t key_len)
{
    const json_tok *tok = d->tok;
    if (obj >= d->n_tok || tok[obj].type != JSON_T_OBJECT)
        return 0;
    for (uint32_t k = obj + 1; k < tok[obj].next; k = tok[k + 1].next)
        if (!(tok[k].flags & JSON_TOK_DUP) && json_scan__str_is(d, k, key, key_len))
            return k + 1;
    return 0;
}
