/* alert_stream.c: the incremental alertStream (multipart/mixed) parser.
 *
 * A small state machine over the bytes as they arrive. Outside a body the
 * input is read line by line into a fixed line buffer (max_header bytes):
 * boundary lines, part headers, stray bytes. A body with Content-Length is
 * copied straight into the part buffer, sized once; a body without one is
 * copied line by line so that each line start can be checked for a
 * boundary. Nothing is ever buffered past max_part + HIK_ALERT_STREAM_SLACK:
 * past that the part is known to be too big and the rest of it is only
 * scanned for the next boundary line (or counted down by its length).
 *
 * Boundary lines are recognised by content alone (`--` + a known boundary,
 * optional closing `--`, trailing blanks), so a line split across reads is
 * simply completed before it is looked at, and the result never depends
 * on how the input was cut. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hik/alert_stream.h"
#include "hik/multipart.h"

#define AS_SMALL_BUF 4096
#define AS_KEEP_BUF (64 * 1024) /* part buffers above this are released after use */
/* Longest line that can still be a boundary line: "--", the boundary, a
 * closing "--", and some trailing blanks. */
#define AS_MAX_DELIM_LINE (2 + HIK_MULTIPART_MAX_BOUNDARY + 2 + 64)

_Static_assert(HIK_ALERT_STREAM_SLACK >= AS_MAX_DELIM_LINE + 2, "slack holds a delimiter line");
_Static_assert(HIK_ALERT_STREAM_MIN_HEADER > AS_MAX_DELIM_LINE, "line buffer holds a delimiter");

typedef enum as_state {
    AS_PREAMBLE,  /* before the first boundary line; the body's boundary is learned here */
    AS_SEEK,      /* between parts: blank lines, stray bytes, until a boundary line */
    AS_HEADERS,   /* after a boundary line, reading the part's header lines */
    AS_BODY_LEN,  /* body with Content-Length */
    AS_SKIP_LEN,  /* oversize body with Content-Length: counting it down */
    AS_BODY_OPEN, /* body without Content-Length: up to the next boundary line */
    AS_SKIP_OPEN, /* oversize or broken part: dropping lines up to the next boundary */
} as_state;

struct hik_alert_stream {
    hik_alert_stream_opts opts;
    char header_boundary[HIK_MULTIPART_MAX_BOUNDARY + 1];
    char body_boundary[HIK_MULTIPART_MAX_BOUNDARY + 1]; /* "" until learned */
    as_state state;
    bool in_garbage; /* inside a run of stray bytes already counted */

    uint8_t *line; /* opts.max_header bytes */
    size_t line_len;
    bool line_over; /* the current line did not fit: it is neither header nor boundary */

    /* the part being read */
    bool saw_header;
    size_t header_bytes;
    char content_type[128];
    char content_id[64];
    bool has_length;
    size_t length;
    size_t remaining; /* AS_BODY_LEN, AS_SKIP_LEN */
    uint8_t *buf;
    size_t len, cap;
    size_t line_start; /* AS_BODY_OPEN: where the current line begins in buf */

    hik_alert_stream_stats stats;
};

static bool as__blank(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Does the line (without its '\n') delimit parts? */
static bool as__boundary_match(const char *b, const uint8_t *rest, size_t n)
{
    size_t bl = strlen(b);
    if (!bl)
        return false;
    if (n == bl && memcmp(rest, b, bl) == 0)
        return true;
    return n == bl + 2 && memcmp(rest, b, bl) == 0 && rest[bl] == '-' && rest[bl + 1] == '-';
}

static bool as__is_boundary(const hik_alert_stream *s, const uint8_t *line, size_t n)
{
    if (n > AS_MAX_DELIM_LINE)
        return false; /* the same answer whichever buffer holds the line */
    while (n && as__blank(line[n - 1]))
        n--;
    if (n < 3 || line[0] != '-' || line[1] != '-')
        return false;
    return as__boundary_match(s->header_boundary, line + 2, n - 2) ||
           as__boundary_match(s->body_boundary, line + 2, n - 2);
}

/* In the preamble, a line "--token" (or "--token--") names the body's
 * boundary, whatever the header said. */
static bool as__learn(hik_alert_stream *s, const uint8_t *line, size_t n)
{
    while (n && as__blank(line[n - 1]))
        n--;
    if (n < 3 || line[0] != '-' || line[1] != '-')
        return false;
    const uint8_t *t = line + 2;
    size_t tn = n - 2;
    if (tn > 2 && t[tn - 1] == '-' && t[tn - 2] == '-')
        tn -= 2;
    if (tn > HIK_MULTIPART_MAX_BOUNDARY)
        return false;
    for (size_t i = 0; i < tn; i++)
        if (t[i] <= ' ' || t[i] >= 0x7f)
            return false;
    if (!as__boundary_match(s->header_boundary, t, tn)) {
        memcpy(s->body_boundary, t, tn);
        s->body_boundary[tn] = '\0';
    }
    return true;
}

static void as__garbage(hik_alert_stream *s)
{
    if (!s->in_garbage)
        s->stats.resyncs++;
    s->in_garbage = true;
}

static void as__release_buf(hik_alert_stream *s)
{
    if (s->cap > AS_KEEP_BUF) {
        free(s->buf);
        s->buf = NULL;
        s->cap = 0;
    }
    s->len = 0;
    s->line_start = 0;
}

/* Forget the current part and expect the headers of the next one. */
static void as__new_part(hik_alert_stream *s, as_state next)
{
    s->saw_header = false;
    s->header_bytes = 0;
    s->content_type[0] = '\0';
    s->content_id[0] = '\0';
    s->has_length = false;
    s->length = 0;
    s->remaining = 0;
    as__release_buf(s);
    s->in_garbage = false;
    s->state = next;
}

static hik_err as__reserve(hik_alert_stream *s, size_t need)
{
    if (need <= s->cap)
        return HIK_OK;
    size_t limit = s->opts.max_part + HIK_ALERT_STREAM_SLACK;
    if (need > limit)
        return HIK_ERR_TOO_BIG;
    size_t cap = s->cap ? s->cap : AS_SMALL_BUF;
    if (cap > limit)
        cap = limit;
    while (cap < need)
        cap = cap > limit / 2 ? limit : cap * 2;
    uint8_t *p = realloc(s->buf, cap);
    if (!p)
        return HIK_ERR_NOMEM;
    s->buf = p;
    s->cap = cap;
    if (cap > s->stats.peak_buffer)
        s->stats.peak_buffer = cap;
    return HIK_OK;
}

static hik_err as__emit(hik_alert_stream *s, size_t len)
{
    if (len > s->opts.max_part) {
        s->stats.skipped++;
        return HIK_OK;
    }
    hik_stream_part part = {
        .has_length = s->has_length,
        .content_length = s->length,
        .data = s->buf ? s->buf : (const uint8_t *)"",
        .len = len,
        .index = s->stats.parts,
    };
    memcpy(part.content_type, s->content_type, sizeof(part.content_type));
    memcpy(part.content_id, s->content_id, sizeof(part.content_id));
    s->stats.parts++;
    if (strncasecmp(part.content_type, "image/", 6) == 0)
        s->stats.pictures++;
    return s->opts.on_part(s->opts.arg, &part);
}

static void as__copy_value(char *out, size_t cap, const uint8_t *v, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(out, v, n);
    out[n] = '\0';
}

static void as__content_length(hik_alert_stream *s, const uint8_t *v, size_t n)
{
    size_t cl = 0, i = 0;
    for (; i < n && v[i] >= '0' && v[i] <= '9' && cl < ((size_t)1 << 40); i++)
        cl = cl * 10 + (size_t)(v[i] - '0');
    s->has_length = i > 0 && i == n;
    s->length = s->has_length ? cl : 0;
}

/* "Name: value" into the part's fields; false when the line is no header. */
static bool as__header(hik_alert_stream *s, const uint8_t *line, size_t n)
{
    const uint8_t *colon = memchr(line, ':', n);
    if (!colon || colon == line)
        return false;
    size_t kn = (size_t)(colon - line);
    for (size_t i = 0; i < kn; i++)
        if (line[i] <= ' ' || line[i] >= 0x7f || line[i] == '<' || line[i] == '"')
            return false;
    const uint8_t *v = colon + 1;
    size_t vn = n - kn - 1;
    while (vn && as__blank(*v)) {
        v++;
        vn--;
    }
    while (vn && as__blank(v[vn - 1]))
        vn--;
#define IS(k) (kn == sizeof(k) - 1 && strncasecmp((const char *)line, k, kn) == 0)
    if (IS("Content-Type")) {
        as__copy_value(s->content_type, sizeof(s->content_type), v, vn);
    } else if (IS("Content-ID")) {
        if (vn && *v == '<') {
            v++;
            vn--;
        }
        if (vn && v[vn - 1] == '>')
            vn--;
        as__copy_value(s->content_id, sizeof(s->content_id), v, vn);
    } else if (IS("Content-Length")) {
        as__content_length(s, v, vn);
    }
#undef IS
    s->saw_header = true;
    return true;
}

/* The blank line after the headers: the body starts. */
static hik_err as__begin_body(hik_alert_stream *s)
{
    s->len = 0;
    s->line_start = 0;
    if (!s->has_length) {
        s->state = AS_BODY_OPEN;
        return HIK_OK;
    }
    s->remaining = s->length;
    if (s->length > s->opts.max_part) {
        s->stats.skipped++;
        s->state = AS_SKIP_LEN;
        return HIK_OK;
    }
    hik_err err = as__reserve(s, s->length);
    if (err)
        return err;
    s->state = AS_BODY_LEN;
    if (s->length > 0)
        return HIK_OK;
    err = as__emit(s, 0);
    as__new_part(s, AS_SEEK);
    return err;
}

/* A part whose first line is no header: that line starts its body. */
static hik_err as__headerless(hik_alert_stream *s, const uint8_t *raw, size_t n)
{
    s->has_length = false;
    s->length = 0;
    s->len = 0;
    hik_err err = as__reserve(s, n + 1);
    if (err == HIK_ERR_TOO_BIG) {
        s->stats.skipped++;
        as__new_part(s, AS_SKIP_OPEN);
        return HIK_OK;
    }
    if (err)
        return err;
    memcpy(s->buf, raw, n);
    s->buf[n] = '\n';
    s->len = s->line_start = n + 1;
    s->state = AS_BODY_OPEN;
    return HIK_OK;
}

static hik_err as__header_line(hik_alert_stream *s, const uint8_t *raw, size_t n)
{
    const uint8_t *v = raw;
    size_t vn = n;
    while (vn && as__blank(v[vn - 1]))
        vn--;
    if (!s->line_over && as__is_boundary(s, raw, n)) {
        if (!s->saw_header)
            s->stats.duplicates++;
        as__new_part(s, AS_HEADERS); /* a part with headers and no body is dropped */
        return HIK_OK;
    }
    if (!s->line_over && vn == 0)
        return s->saw_header ? as__begin_body(s) : HIK_OK;
    s->header_bytes += n + 1;
    if (s->line_over || s->header_bytes > s->opts.max_header) {
        s->stats.skipped++;
        as__new_part(s, AS_SKIP_OPEN);
        return HIK_OK;
    }
    if (s->saw_header && (v[0] == ' ' || v[0] == '\t'))
        return HIK_OK; /* folded continuation of a header we do not need */
    if (as__header(s, v, vn))
        return HIK_OK;
    return as__headerless(s, raw, n);
}

static hik_err as__line(hik_alert_stream *s, const uint8_t *raw, size_t n)
{
    bool boundary = !s->line_over && as__is_boundary(s, raw, n);
    switch (s->state) {
    case AS_PREAMBLE:
        if (!s->line_over && as__learn(s, raw, n)) {
            as__new_part(s, AS_HEADERS);
            return HIK_OK;
        }
        break;
    case AS_SEEK:
    case AS_SKIP_OPEN:
        if (boundary) {
            as__new_part(s, AS_HEADERS);
            return HIK_OK;
        }
        break;
    case AS_HEADERS:
        return as__header_line(s, raw, n);
    default:
        return HIK_OK;
    }
    bool blank = !s->line_over;
    for (size_t i = 0; blank && i < n; i++)
        blank = as__blank(raw[i]);
    if (!blank && s->state != AS_SKIP_OPEN)
        as__garbage(s);
    return HIK_OK;
}

/* Line-oriented states: collect up to '\n', then look at the line. */
static hik_err as__feed_line(hik_alert_stream *s, const uint8_t *p, size_t n, size_t *used)
{
    const uint8_t *nl = memchr(p, '\n', n);
    size_t k = nl ? (size_t)(nl - p) : n;
    size_t room = s->opts.max_header - s->line_len;
    size_t take = k < room ? k : room;
    memcpy(s->line + s->line_len, p, take);
    s->line_len += take;
    if (take < k)
        s->line_over = true;
    *used = nl ? k + 1 : n;
    if (!nl)
        return HIK_OK;
    hik_err err = as__line(s, s->line, s->line_len);
    s->line_len = 0;
    s->line_over = false;
    return err;
}

static hik_err as__feed_len(hik_alert_stream *s, const uint8_t *p, size_t n, size_t *used)
{
    size_t take = n < s->remaining ? n : s->remaining;
    *used = take;
    s->remaining -= take;
    if (s->state == AS_SKIP_LEN) {
        if (!s->remaining)
            as__new_part(s, AS_SEEK);
        return HIK_OK;
    }
    memcpy(s->buf + s->len, p, take);
    s->len += take;
    if (s->remaining)
        return HIK_OK;
    hik_err err = as__emit(s, s->len);
    as__new_part(s, AS_SEEK);
    return err;
}

/* The open body grew past any part that fits: drop it, keep scanning. */
static void as__overflow_open(hik_alert_stream *s)
{
    size_t tail = s->len - s->line_start;
    size_t keep = tail < s->opts.max_header ? tail : s->opts.max_header;
    memcpy(s->line, s->buf + s->line_start, keep);
    s->line_len = keep;
    s->line_over = keep < tail;
    as__new_part(s, AS_SKIP_OPEN);
    s->stats.skipped++;
}

/* The line just completed in buf ends the body when it is a boundary. */
static hik_err as__open_line_done(hik_alert_stream *s)
{
    size_t ln = s->len - 1 - s->line_start;
    if (ln > AS_MAX_DELIM_LINE || !as__is_boundary(s, s->buf + s->line_start, ln)) {
        s->line_start = s->len;
        return HIK_OK;
    }
    size_t body = s->line_start;
    if (body && s->buf[body - 1] == '\n')
        body--;
    if (body && s->buf[body - 1] == '\r')
        body--;
    hik_err err = as__emit(s, body);
    as__new_part(s, AS_HEADERS);
    return err;
}

static hik_err as__feed_open(hik_alert_stream *s, const uint8_t *p, size_t n, size_t *used)
{
    const uint8_t *nl = memchr(p, '\n', n);
    size_t k = nl ? (size_t)(nl - p) + 1 : n;
    *used = 0;
    hik_err err = as__reserve(s, s->len + k);
    if (err == HIK_ERR_TOO_BIG) {
        as__overflow_open(s); /* the line state takes these bytes from here */
        return HIK_OK;
    }
    if (err)
        return err;
    memcpy(s->buf + s->len, p, k);
    s->len += k;
    *used = k;
    return nl ? as__open_line_done(s) : HIK_OK;
}

hik_err hik_alert_stream_feed(hik_alert_stream *s, const uint8_t *data, size_t len)
{
    if (!s || (!data && len))
        return HIK_ERR_INVALID;
    s->stats.bytes += len;
    size_t i = 0;
    while (i < len) {
        size_t used = 0;
        hik_err err;
        switch (s->state) {
        case AS_BODY_LEN:
        case AS_SKIP_LEN:
            err = as__feed_len(s, data + i, len - i, &used);
            break;
        case AS_BODY_OPEN:
            err = as__feed_open(s, data + i, len - i, &used);
            break;
        default:
            err = as__feed_line(s, data + i, len - i, &used);
        }
        if (err)
            return err;
        i += used;
    }
    return HIK_OK;
}

static bool as__all_blank(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!as__blank(p[i]) && p[i] != '\n')
            return false;
    return true;
}

hik_err hik_alert_stream_finish(hik_alert_stream *s)
{
    if (!s)
        return HIK_ERR_INVALID;
    hik_err err = HIK_OK;
    switch (s->state) {
    case AS_BODY_OPEN:
        if (as__all_blank(s->buf, s->len)) {
            s->stats.truncated++;
            break;
        }
        /* as if the missing delimiter followed: its line end is not body */
        size_t body = s->len;
        if (body && s->buf[body - 1] == '\n')
            body--;
        if (body && s->buf[body - 1] == '\r')
            body--;
        err = as__emit(s, body);
        break;
    case AS_BODY_LEN:
    case AS_SKIP_LEN:
        s->stats.truncated++;
        err = HIK_ERR_TRUNCATED;
        break;
    case AS_HEADERS:
        if (s->saw_header || (s->line_len && !as__all_blank(s->line, s->line_len))) {
            s->stats.truncated++;
            err = HIK_ERR_TRUNCATED;
        }
        break;
    default:
        break;
    }
    s->line_len = 0;
    s->line_over = false;
    as__new_part(s, AS_PREAMBLE);
    return err;
}

hik_err hik_alert_stream_new(const char *content_type_header, const hik_alert_stream_opts *opts,
                             hik_alert_stream **out)
{
    if (!out || !opts || !opts->on_part)
        return HIK_ERR_INVALID;
    *out = NULL;
    hik_alert_stream *s = calloc(1, sizeof(*s));
    if (!s)
        return HIK_ERR_NOMEM;
    s->opts = *opts;
    if (!s->opts.max_part)
        s->opts.max_part = HIK_ALERT_STREAM_MAX_PART;
    if (!s->opts.max_header)
        s->opts.max_header = HIK_ALERT_STREAM_MAX_HEADER;
    if (s->opts.max_header < HIK_ALERT_STREAM_MIN_HEADER)
        s->opts.max_header = HIK_ALERT_STREAM_MIN_HEADER;
    if (!content_type_header || hik_multipart_boundary(content_type_header, s->header_boundary,
                                                       sizeof(s->header_boundary)) != HIK_OK)
        strcpy(s->header_boundary, "boundary");
    s->line = malloc(s->opts.max_header);
    if (!s->line) {
        free(s);
        return HIK_ERR_NOMEM;
    }
    s->state = AS_PREAMBLE;
    *out = s;
    return HIK_OK;
}

void hik_alert_stream_get_stats(const hik_alert_stream *s, hik_alert_stream_stats *out)
{
    if (s && out)
        *out = s->stats;
}

const char *hik_alert_stream_boundary(const hik_alert_stream *s)
{
    return s->body_boundary[0] ? s->body_boundary : s->header_boundary;
}

void hik_alert_stream_free(hik_alert_stream *s)
{
    if (!s)
        return;
    free(s->line);
    free(s->buf);
    free(s);
}

bool hik_stream_part_is_picture(const hik_stream_part *part)
{
    if (strncasecmp(part->content_type, "image/", 6) == 0)
        return true;
    bool generic = part->content_type[0] == '\0' ||
                   strncasecmp(part->content_type, "application/octet-stream", 24) == 0;
    return generic && part->len >= 3 && part->data[0] == 0xFF && part->data[1] == 0xD8 &&
           part->data[2] == 0xFF;
}

hik_err hik_stream_part_events(const hik_stream_part *part, const hik_parse_opts *opts,
                               hik_event *out, size_t max_out, size_t *n_out, hik_picture *picture,
                               hik_parse_diag *diag)
{
    if (!part || !n_out)
        return HIK_ERR_INVALID;
    *n_out = 0;
    if (picture)
        memset(picture, 0, sizeof(*picture));
    if (hik_stream_part_is_picture(part)) {
        if (picture) {
            as__copy_value(picture->content_type, sizeof(picture->content_type),
                           (const uint8_t *)part->content_type, strcspn(part->content_type, ";"));
            if (!picture->content_type[0])
                strcpy(picture->content_type, "image/jpeg");
            memcpy(picture->content_id, part->content_id, sizeof(picture->content_id));
            picture->data = part->data;
            picture->len = part->len;
        }
        return HIK_OK;
    }
    return hik_event_parse_body(part->content_type[0] ? part->content_type : NULL, part->data,
                                part->len, opts, out, max_out, n_out, diag);
}
