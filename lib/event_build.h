/* event_build.h: private to libhik. The field machine shared by the XML and
 * JSON event parsers.
 *
 * Both parsers turn their input into the same stream of "element start /
 * text / element end" calls, named by local name, so the knowledge of where
 * each Hikvision field lives (top level, Extensions, DetectionRegionEntry,
 * ANPR block...) exists once. The builder fills one hik_event at a time in
 * place: no allocation, every string bounded by its field. */
#ifndef HIK_EVENT_BUILD_H
#define HIK_EVENT_BUILD_H

#include <stdbool.h>
#include <stddef.h>

#include "hik/event.h"
#include "hik/event_parse.h"

#define EVENT_BUILD_TEXT_MAX 256 /* longest field is 128; more is truncation */

typedef struct event_build {
    const hik_parse_opts *opts;
    hik_event *ev; /* event being filled, NULL between events */
    int depth;     /* current element depth (1 = document root) */
    int ev_depth;  /* depth of the element that holds ev's fields */
    int ext_depth; /* depth of the open Extensions element, 0 when none */
    int anpr_depth;
    int region_depth;
    int rect_depth;
    hik_region *region; /* open DetectionRegionEntry, NULL when none/over cap */
    int field;          /* field of the open leaf element, 0 when none */
    int field_depth;
    size_t text_len;
    bool text_over;
    char text[EVENT_BUILD_TEXT_MAX];
} event_build;

/* Start filling `ev` (already hik_event_init'ed) with the fields of the
 * element at the current depth. */
void event_build__begin(event_build *b, hik_event *ev);
/* An element opens / its text arrives (possibly in pieces) / it closes. */
void event_build__start(event_build *b, const char *name, size_t name_len);
void event_build__text(event_build *b, const char *s, size_t len);
void event_build__end(event_build *b);
/* Derive kind, channel, heartbeat, direction, list, time_ms from the raw
 * fields of ev, and stop filling it. */
void event_build__finish(event_build *b);

/* Copy into a fixed field, cutting on a UTF-8 boundary; sets ev->truncated
 * when the value did not fit. */
void event_build__set_str(hik_event *ev, char *dst, size_t cap, const char *src, size_t len);
/* "2021-07-02T14:25:36+08:00" (also Z, +0800, fractions, no offset = UTC)
 * to Unix milliseconds; 0 when unparsable. */
int64_t event_build__parse_time(const char *s);
/* aa:bb:cc:dd:ee:ff from any of AA-BB-.., aabbccddeeff, aabb.ccdd.eeff. */
void event_build__set_mac(hik_event *ev, const char *s, size_t len);

#endif
