/* event_parse_json.c: JSON alerts (newer firmware, DeepinView face
 * recognition) into hik_events.
 *
 * JSON alerts use the XML field names, so each alert object is replayed into
 * the same field machine as the XML parser (event_build.c) as if its keys
 * were elements. Face recognition adds the one JSON-only structure:
 * alarmResult[].faces[].identify[].candidate[], whose shape varies across
 * firmware (arrays or single objects, similarity as 0-1 or 0-100, the name
 * under reserve_field or directly), so it is searched for rather than
 * walked by a fixed path.
 *
 * Bounded and allocation-free: the size limit is checked first, then
 * json_scan validates the whole document into a fixed thread-local token
 * array (too many tokens or nesting deeper than any device sends is
 * HIK_ERR_TOO_BIG), which also bounds the recursion below. Strings are fed
 * to the field machine straight from the caller's bytes, decoded in small
 * pieces only when they hold escapes. A key that appears twice in one
 * object counts once, the first time. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_build.h"
#include "hik/event_parse.h"
#include "json_scan.h"

#define JSON_MAX_DEPTH 32
#define JSON_MAX_TOKENS 4096 /* a face alarm with every attribute is a few hundred */
#define JSON_KEY_MAX 64      /* longer keys are never field names */
#define JSON_NUM_MAX 64      /* longer numbers read as 0 where a value is needed */

static _Thread_local json_tok tl_tokens[JSON_MAX_TOKENS];

__attribute__((format(printf, 2, 3))) static void json__diag(hik_parse_diag *diag, const char *fmt,
                                                             ...)
{
    if (!diag)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(diag->message, sizeof(diag->message), fmt, ap);
    va_end(ap);
}

#define KEY_IS(d, k, lit) json_scan__str_is(d, k, lit, sizeof(lit) - 1)
#define TYPE(d, t) ((json_type)(d)->tok[t].type)

static void json__emit(event_build *b, const json_doc *d, const char *key, size_t key_len,
                       uint32_t v, int level);

static void json__scalar_text(event_build *b, const json_doc *d, uint32_t v)
{
    const json_tok *t = &d->tok[v];
    switch (TYPE(d, v)) {
    case JSON_T_STRING:
        if (!(t->flags & JSON_TOK_ESCAPED)) {
            event_build__text(b, json_scan__raw(d, v), t->len);
            return;
        }
        char piece[128];
        for (size_t pos = 0, n; pos < t->len;) {
            n = json_scan__unescape(d, v, &pos, piece, sizeof(piece));
            event_build__text(b, piece, n);
        }
        return;
    case JSON_T_NUMBER:
        event_build__text(b, json_scan__raw(d, v), t->len);
        return;
    case JSON_T_TRUE:
        event_build__text(b, "true", 4);
        return;
    case JSON_T_FALSE:
        event_build__text(b, "false", 5);
        return;
    default:
        return;
    }
}

static void json__emit_object(event_build *b, const json_doc *d, uint32_t obj, int level)
{
    const json_tok *tok = d->tok;
    char buf[JSON_KEY_MAX];
    for (uint32_t k = obj + 1; k < tok[obj].next; k = tok[k + 1].next) {
        /* Face results are read by json__faces, not as fields. */
        if ((tok[k].flags & JSON_TOK_DUP) || KEY_IS(d, k, "alarmResult"))
            continue;
        const char *key = json_scan__raw(d, k);
        size_t key_len = tok[k].len;
        if (tok[k].flags & JSON_TOK_ESCAPED) {
            size_t pos = 0;
            key_len = json_scan__unescape(d, k, &pos, buf, sizeof(buf));
            key = buf;
        }
        json__emit(b, d, key, key_len, k + 1, level + 1);
    }
}

/* One key: an element named `key` per scalar/object, one per array item. */
static void json__emit(event_build *b, const json_doc *d, const char *key, size_t key_len,
                       uint32_t v, int level)
{
    static const char region_list[] = "DetectionRegionList",
                      region_entry[] = "DetectionRegionEntry";
    if (level > JSON_MAX_DEPTH)
        return;
    if (TYPE(d, v) == JSON_T_ARRAY) {
        /* DetectionRegionList: [ {regionID...} ] lists the entries directly. */
        bool wrap = key_len == sizeof(region_list) - 1 && memcmp(key, region_list, key_len) == 0;
        if (wrap)
            event_build__start(b, key, key_len);
        const char *item = wrap ? region_entry : key;
        size_t item_len = wrap ? sizeof(region_entry) - 1 : key_len;
        for (uint32_t e = v + 1; e < d->tok[v].next; e = d->tok[e].next)
            json__emit(b, d, item, item_len, e, level + 1);
        if (wrap)
            event_build__end(b);
        return;
    }
    event_build__start(b, key, key_len);
    if (TYPE(d, v) == JSON_T_OBJECT)
        json__emit_object(b, d, v, level);
    else
        json__scalar_text(b, d, v);
    event_build__end(b);
}

/* The value of k1 (or else k2) when it is a string; 0 when neither is. */
static uint32_t json__str(const json_doc *d, uint32_t obj, const char *k1, const char *k2)
{
    uint32_t v = json_scan__get(d, obj, k1, strlen(k1));
    if ((!v || TYPE(d, v) != JSON_T_STRING) && k2)
        v = json_scan__get(d, obj, k2, strlen(k2));
    return v && TYPE(d, v) == JSON_T_STRING ? v : 0;
}

static double json__similarity(const json_doc *d, uint32_t c)
{
    uint32_t v = json_scan__get(d, c, "similarity", 10);
    char num[JSON_NUM_MAX];
    double s = 0;
    if (v && TYPE(d, v) == JSON_T_NUMBER && d->tok[v].len < sizeof(num)) {
        memcpy(num, json_scan__raw(d, v), d->tok[v].len);
        num[d->tok[v].len] = '\0';
        s = strtod(num, NULL);
    } else if (v && TYPE(d, v) == JSON_T_STRING) {
        json_scan__string(d, v, num, sizeof(num));
        s = strtod(num, NULL);
    }
    if (s > 0 && s <= 1.0)
        s *= 100.0;
    if (!(s >= 0)) /* also NaN: strtod reads "nan" */
        s = 0;
    if (s > 100)
        s = 100;
    return s;
}

#define CAND_STR(ev, c, field, t)                                                                  \
    do {                                                                                           \
        if ((t) && !json_scan__string(d, t, (c)->field, sizeof((c)->field)))                       \
            (ev)->truncated = true;                                                                \
    } while (0)

/* Keep the best HIK_EVENT_MAX_CANDIDATES: when full, a better one replaces
 * the worst. */
static void json__add_candidate(hik_event *ev, const json_doc *d, uint32_t c)
{
    if (TYPE(d, c) != JSON_T_OBJECT)
        return;
    double sim = json__similarity(d, c);
    hik_face_candidate *slot;
    if (ev->n_candidates < HIK_EVENT_MAX_CANDIDATES) {
        slot = &ev->candidates[ev->n_candidates++];
    } else {
        slot = &ev->candidates[0];
        for (int i = 1; i < ev->n_candidates; i++)
            if (ev->candidates[i].similarity < slot->similarity)
                slot = &ev->candidates[i];
        if (slot->similarity >= sim)
            return;
    }
    memset(slot, 0, sizeof(*slot));
    slot->similarity = sim;
    uint32_t reserve = json_scan__get(d, c, "reserve_field", 13);
    if (reserve && TYPE(d, reserve) != JSON_T_OBJECT)
        reserve = 0;
    uint32_t name = reserve ? json__str(d, reserve, "name", "Name") : 0;
    if (!name)
        name = json__str(d, c, "name", "Name");
    CAND_STR(ev, slot, name, name);
    CAND_STR(ev, slot, list_type, json__str(d, c, "listType", NULL));
    CAND_STR(ev, slot, library, json__str(d, c, "FDLibName", "fdLibName"));
    uint32_t pid = json__str(d, c, "PID", "human_id");
    if (!pid && reserve)
        pid = json__str(d, reserve, "PID", "human_id");
    CAND_STR(ev, slot, person_id, pid);
}

/* Every object under a "candidate"/"candidates" key, at any depth. */
static void json__find_candidates(hik_event *ev, const json_doc *d, uint32_t v, int level)
{
    const json_tok *tok = d->tok;
    if (level > JSON_MAX_DEPTH)
        return;
    if (TYPE(d, v) == JSON_T_ARRAY) {
        for (uint32_t e = v + 1; e < tok[v].next; e = tok[e].next)
            json__find_candidates(ev, d, e, level + 1);
        return;
    }
    if (TYPE(d, v) != JSON_T_OBJECT)
        return;
    for (uint32_t k = v + 1; k < tok[v].next; k = tok[k + 1].next) {
        uint32_t e = k + 1;
        if (tok[k].flags & JSON_TOK_DUP)
            continue;
        if (KEY_IS(d, k, "candidate") || KEY_IS(d, k, "candidates")) {
            if (TYPE(d, e) == JSON_T_ARRAY) {
                for (uint32_t c = e + 1; c < tok[e].next; c = tok[c].next)
                    json__add_candidate(ev, d, c);
            } else {
                json__add_candidate(ev, d, e);
            }
        } else {
            json__find_candidates(ev, d, e, level + 1);
        }
    }
}

static int json__cand_cmp(const void *a, const void *b)
{
    double x = ((const hik_face_candidate *)a)->similarity;
    double y = ((const hik_face_candidate *)b)->similarity;
    return (x < y) - (x > y);
}

/* One alert object into ev. False when it is not an alert at all. */
static bool json__alert(const json_doc *d, uint32_t obj, const hik_parse_opts *opts, hik_event *ev)
{
    event_build b = {.opts = opts};
    hik_event_init(ev);
    ev->format = HIK_FMT_JSON;
    event_build__start(&b, "alert", 5);
    event_build__begin(&b, ev);
    json__emit_object(&b, d, obj, 1);
    uint32_t faces = json_scan__get(d, obj, "alarmResult", 11);
    if (faces) {
        json__find_candidates(ev, d, faces, 1);
        qsort(ev->candidates, (size_t)ev->n_candidates, sizeof(ev->candidates[0]), json__cand_cmp);
        if (!ev->type_raw[0])
            event_build__set_str(ev, ev->type_raw, sizeof(ev->type_raw), "alarmResult", 11);
    }
    event_build__finish(&b);
    return ev->type_raw[0] != '\0';
}

static hik_err json__collect(const json_doc *d, const hik_parse_opts *opts, hik_event *out,
                             size_t max_out, size_t *n_out)
{
    uint32_t list = 0;
    uint32_t inner = json_scan__get(d, 0, "EventNotificationAlert", 22);
    if (inner && (TYPE(d, inner) == JSON_T_OBJECT || TYPE(d, inner) == JSON_T_ARRAY))
        list = inner;
    bool many = TYPE(d, list) == JSON_T_ARRAY;
    uint32_t end = many ? d->tok[list].next : list + 1;
    size_t n = 0;
    for (uint32_t o = many ? list + 1 : list; o < end && n < max_out; o = d->tok[o].next) {
        if (TYPE(d, o) != JSON_T_OBJECT)
            continue;
        if (json__alert(d, o, opts, &out[n])) {
            out[n].raw = (const uint8_t *)d->text;
            out[n].raw_len = d->len;
            n++;
        }
    }
    *n_out = n;
    return n ? HIK_OK : HIK_ERR_UNSUPPORTED;
}

hik_err hik_event_parse_json(const uint8_t *doc, size_t len, const hik_parse_opts *opts,
                             hik_event *out, size_t max_out, size_t *n_out, hik_parse_diag *diag)
{
    if (n_out)
        *n_out = 0;
    if (diag)
        diag->message[0] = '\0';
    if (!doc || !out || !n_out || !max_out)
        return HIK_ERR_INVALID;
    if (len > HIK_EVENT_MAX_DOC) {
        json__diag(diag, "JSON alert of %zu bytes is over the %d byte limit", len,
                   HIK_EVENT_MAX_DOC);
        return HIK_ERR_TOO_BIG;
    }
    json_doc d;
    hik_err err = json_scan__parse(&d, doc, len, tl_tokens, JSON_MAX_TOKENS, JSON_MAX_DEPTH);
    if (err == HIK_ERR_TOO_BIG) {
        json__diag(diag, "JSON %s (line %d, column %d)", d.error, d.error_line, d.error_column);
        return err;
    }
    if (err) {
        json__diag(diag, "malformed JSON: %s (line %d, column %d)", d.error, d.error_line,
                   d.error_column);
        return HIK_ERR_PARSE;
    }
    err = json__collect(&d, opts, out, max_out, n_out);
    if (err)
        json__diag(diag, "JSON document holds no alert (no eventType or alarmResult)");
    return err;
}
