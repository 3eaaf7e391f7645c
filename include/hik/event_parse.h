/* event_parse.h: camera payloads into canonical events.
 *
 * Namespace-agnostic: elements are matched by local name, whatever xmlns the
 * firmware uses (hikvision ver10/ver20, isapi.org, psialliance, std-cgi or
 * none). Tolerates CRLF line ends and bare '&' (one lenient retry). Never
 * resolves external entities or loads DTDs. Bounded: input over
 * HIK_EVENT_MAX_DOC bytes is refused with HIK_ERR_TOO_BIG. */
#ifndef HIK_EVENT_PARSE_H
#define HIK_EVENT_PARSE_H

#include "hik/error.h"
#include "hik/event.h"

#define HIK_EVENT_MAX_DOC (1024 * 1024) /* one alert document (XML or JSON) */

typedef struct hik_parse_opts {
    /* ANPR direction: by default forward = incoming; a camera that watches
     * vehicles leave sets this to map forward = outgoing. */
    bool anpr_reverse_direction;
} hik_parse_opts;

/* Why a parse failed, for the error answer and the log. */
typedef struct hik_parse_diag {
    char message[192];
} hik_parse_diag;

/* One XML document holding one or more EventNotificationAlert elements (or
 * a single alert whose root has another name: faceSnapMatch...). Fills up to
 * max_out events; *n_out is set to how many. An XML document that parses but
 * holds no alert gives HIK_ERR_UNSUPPORTED. `opts` and `diag` may be NULL. */
hik_err hik_event_parse_xml(const uint8_t *doc, size_t len, const hik_parse_opts *opts,
                            hik_event *out, size_t max_out, size_t *n_out,
                            hik_parse_diag *diag);

/* One JSON document: a JSON EventNotificationAlert (eventType at top level or
 * under "EventNotificationAlert"), a face alarmResult, or a faceCapture. */
hik_err hik_event_parse_json(const uint8_t *doc, size_t len, const hik_parse_opts *opts,
                             hik_event *out, size_t max_out, size_t *n_out,
                             hik_parse_diag *diag);

/* A whole HTTP push body, dispatched on its Content-Type: application/xml,
 * text/xml, application/json, text/plain (sniffed), multipart/form-data
 * (the first XML/JSON part is the alert; every image part is attached as a
 * picture of the events). A missing or unknown Content-Type is sniffed from
 * the first non-blank byte. Pictures and raw point into `body`. */
hik_err hik_event_parse_body(const char *content_type, const uint8_t *body, size_t len,
                             const hik_parse_opts *opts, hik_event *out, size_t max_out,
                             size_t *n_out, hik_parse_diag *diag);

#endif
