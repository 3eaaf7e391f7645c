/* alert_stream.h: the body of GET /ISAPI/Event/notification/alertStream,
 * parsed as it arrives.
 *
 * The reply is a close-delimited multipart/mixed stream that never ends on
 * its own, so it is parsed incrementally: feed whatever each read returned,
 * in any split, and a callback receives every complete part. The parts are
 * the same whatever the split (a boundary, a header line or a body may be
 * cut anywhere, down to one byte per read).
 *
 * Tolerated, because real devices do it: a header boundary that differs
 * from the one the body uses (the body's is learned from its first `--xxx`
 * line; both are then accepted), duplicate boundary lines and blank lines
 * between parts, CRLF or bare LF, parts with or without Content-Length (a
 * part without one ends at the next boundary line or at the end of the
 * stream), header-less parts, stray bytes between parts (skipped up to the
 * next boundary line and counted as a resync).
 *
 * A part with a Content-Length is delivered as soon as its last byte
 * arrives, without waiting for the next boundary, so a live event is not
 * held back until the next heartbeat. The length is trusted: a device that
 * sends a wrong one costs a resync, never a merged or lost stream.
 *
 * Memory per stream is bounded and allocated as needed:
 *   sizeof(hik_alert_stream) + max_header
 *   + at most max_part + HIK_ALERT_STREAM_SLACK for the part being read,
 * i.e. 4 MiB + 8.3 KiB with the defaults, and about 12 KiB between parts
 * (a part buffer grown past 64 KiB is released once its part is
 * delivered). A part larger than max_part is skipped while it streams past
 * (never buffered whole) and counted; the parts after it are delivered. */
#ifndef HIK_ALERT_STREAM_H
#define HIK_ALERT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hik/error.h"
#include "hik/event.h"
#include "hik/event_parse.h"

#define HIK_ALERT_STREAM_MAX_PART (4 * 1024 * 1024) /* default cap on one part's body */
#define HIK_ALERT_STREAM_MAX_HEADER 8192            /* default cap on one part's header lines */
#define HIK_ALERT_STREAM_MIN_HEADER 512             /* smallest max_header accepted */
/* Extra bytes the part buffer may hold past max_part: the delimiter line
 * that ends a part without Content-Length is read before the part is known
 * to be complete. */
#define HIK_ALERT_STREAM_SLACK 272

/* One complete part. Everything points into the stream's own buffers and
 * is valid only during the callback. */
typedef struct hik_stream_part {
    char content_type[128]; /* Content-Type value as sent (parameters kept), "" when absent */
    char content_id[64];    /* Content-ID without angle brackets, "" when absent */
    bool has_length;        /* the part carried a valid Content-Length */
    size_t content_length;  /* its value when has_length */
    const uint8_t *data;    /* the body; for a part delimited by a boundary, without the */
    size_t len;             /* line end that belongs to the delimiter */
    uint64_t index;         /* 0 for the first part delivered, then 1, 2... */
} hik_stream_part;

/* Called for each complete part. A non-zero result stops the feed and is
 * returned by hik_alert_stream_feed/finish; the stream should then be
 * dropped (the rest of that read is not parsed). */
typedef hik_err (*hik_alert_stream_part_fn)(void *arg, const hik_stream_part *part);

typedef struct hik_alert_stream_opts {
    hik_alert_stream_part_fn on_part; /* required */
    void *arg;                        /* passed to on_part */
    size_t max_part;                  /* 0: HIK_ALERT_STREAM_MAX_PART */
    size_t max_header; /* 0: HIK_ALERT_STREAM_MAX_HEADER; smaller than MIN_HEADER is raised */
} hik_alert_stream_opts;

typedef struct hik_alert_stream_stats {
    uint64_t parts;      /* parts delivered */
    uint64_t bytes;      /* bytes fed */
    uint64_t skipped;    /* parts dropped: body over max_part or headers over max_header */
    uint64_t resyncs;    /* runs of stray bytes outside any part, skipped to a boundary */
    uint64_t duplicates; /* extra boundary lines with no part between them */
    uint64_t pictures;   /* delivered parts whose Content-Type is image/... */
    uint64_t truncated;  /* parts cut by the end of the stream (see finish) */
    size_t peak_buffer;  /* largest part buffer allocated, in bytes */
} hik_alert_stream_stats;

typedef struct hik_alert_stream hik_alert_stream;

/* A parser for one stream. `content_type_header` is the reply's
 * Content-Type (NULL or one without a boundary parameter means the
 * devices' usual "boundary"). HIK_ERR_INVALID without opts->on_part. */
hik_err hik_alert_stream_new(const char *content_type_header, const hik_alert_stream_opts *opts,
                             hik_alert_stream **out);

/* Parse the next bytes of the stream. Oversize parts and stray bytes are
 * not errors (they are counted); only the callback's result is returned. */
hik_err hik_alert_stream_feed(hik_alert_stream *s, const uint8_t *data, size_t len);

/* The connection ended. A part without Content-Length still open is
 * delivered (if it holds anything but blank lines). A part cut inside its
 * headers or before its Content-Length was reached is counted and gives
 * HIK_ERR_TRUNCATED. The parser is then ready for a new stream body with
 * the same boundaries. */
hik_err hik_alert_stream_finish(hik_alert_stream *s);

/* Counters since hik_alert_stream_new. */
void hik_alert_stream_get_stats(const hik_alert_stream *s, hik_alert_stream_stats *out);

/* The boundary the body uses: the one learned from the body when it
 * differed from the header's, else the header's. */
const char *hik_alert_stream_boundary(const hik_alert_stream *s);

void hik_alert_stream_free(hik_alert_stream *s);

/* True when the part is a picture (Content-Type image/..., or JPEG bytes
 * under a missing or generic type). */
bool hik_stream_part_is_picture(const hik_stream_part *part);

/* A part into events. An alert part (XML, JSON, or sniffed from its bytes;
 * several alerts in one part give several events) is parsed with
 * hik_event_parse_body(): *n_out events, raw pointing into the part. A
 * picture part gives no event: *n_out is 0 and `picture` (when not NULL)
 * describes it, for the caller to attach to the alert before it (copying
 * the bytes: they live only during the callback) or to count. `picture`
 * is zeroed for alert parts. */
hik_err hik_stream_part_events(const hik_stream_part *part, const hik_parse_opts *opts,
                               hik_event *out, size_t max_out, size_t *n_out, hik_picture *picture,
                               hik_parse_diag *diag);

#endif
