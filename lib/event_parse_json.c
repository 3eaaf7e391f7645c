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
 * Bounded: the size limit is checked before jansson sees the bytes, and a
 * cheap pre-scan refuses nesting deeper than any device sends, which also
 * bounds the recursion below. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "event_build.h"
#include "hik/event_parse.h"

#define JSON_MAX_DEPTH 32

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

/* Deepest [ / { nesting outside strings. */
static int json__max_depth(const uint8_t *p, size_t len)
{
    int depth = 0, max = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = p[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max)
                max = depth;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return max;
}

static void json__emit(event_build *b, const char *key, json_t *v, int level);

static void json__scalar_text(event_build *b, json_t *v)
{
    char num[48];
    int n = 0;
    switch (json_typeof(v)) {
    case JSON_STRING:
        event_build__text(b, json_string_value(v), json_string_length(v));
        return;
    case JSON_INTEGER:
        n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        n = snprintf(num, sizeof(num), "%.9g", json_real_value(v));
        break;
    case JSON_TRUE:
        n = snprintf(num, sizeof(num), "true");
        break;
    case JSON_FALSE:
        n = snprintf(num, sizeof(num), "false");
        break;
    default:
        return;
    }
    event_build__text(b, num, (size_t)n);
}

static void json__emit_object(event_build *b, json_t *obj, int level)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        /* Face results are read by json__faces, not as fields. */
        if (strcmp(k, "alarmResult") != 0)
            json__emit(b, k, v, level + 1);
    }
}

/* One key: an element named `key` per scalar/object, one per array item. */
static void json__emit(event_build *b, const char *key, json_t *v, int level)
{
    if (level > JSON_MAX_DEPTH)
        return;
    if (json_is_array(v)) {
        /* DetectionRegionList: [ {regionID...} ] lists the entries directly. */
        const char *item = strcmp(key, "DetectionRegionList") == 0 ? "DetectionRegionEntry" : key;
        bool wrap = item != key;
        if (wrap)
            event_build__start(b, key, strlen(key));
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) json__emit(b, item, e, level + 1);
        if (wrap)
            event_build__end(b);
        return;
    }
    event_build__start(b, key, strlen(key));
    if (json_is_object(v))
        json__emit_object(b, v, level);
    else
        json__scalar_text(b, v);
    event_build__end(b);
}

static const char *json__str(json_t *obj, const char *k1, const char *k2)
{
    json_t *v = json_object_get(obj, k1);
    if (!json_is_string(v) && k2)
        v = json_object_get(obj, k2);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static double json__similarity(json_t *c)
{
    json_t *v = json_object_get(c, "similarity");
    double s = 0;
    if (json_is_number(v))
        s = json_number_value(v);
    else if (json_is_string(v))
        s = strtod(json_string_value(v), NULL);
    if (s > 0 && s <= 1.0)
        s *= 100.0;
    if (!(s >= 0)) /* also NaN: strtod reads "nan" */
        s = 0;
    if (s > 100)
        s = 100;
    return s;
}

#define CAND_STR(ev, c, field, s)                                                                  \
    do {                                                                                           \
        if (s)                                                                                     \
            event_build__set_str(ev, (c)->field, sizeof((c)->field), s, strlen(s));                \
    } while (0)

/* Keep the best HIK_EVENT_MAX_CANDIDATES: when full, a better one replaces
 * the worst. */
static void json__add_candidate(hik_event *ev, json_t *c)
{
    if (!json_is_object(c))
        return;
    double sim = json__similarity(c);
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
    json_t *reserve = json_object_get(c, "reserve_field");
    const char *name = json_is_object(reserve) ? json__str(reserve, "name", "Name") : NULL;
    if (!name)
        name = json__str(c, "name", "Name");
    CAND_STR(ev, slot, name, name);
    CAND_STR(ev, slot, list_type, json__str(c, "listType", NULL));
    const char *lib = json__str(c, "FDLibName", "fdLibName");
    CAND_STR(ev, slot, library, lib);
    const char *pid = json__str(c, "PID", "human_id");
    if (!pid && json_is_object(reserve))
        pid = json__str(reserve, "PID", "human_id");
    CAND_STR(ev, slot, person_id, pid);
}

/* Every object under a "candidate"/"candidates" key, at any depth. */
static void json__find_candidates(hik_event *ev, json_t *v, int level)
{
    if (level > JSON_MAX_DEPTH)
        return;
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) json__find_candidates(ev, e, level + 1);
        return;
    }
    if (!json_is_object(v))
        return;
    const char *k;
    json_t *e;
    json_object_foreach(v, k, e)
    {
        if (strcmp(k, "candidate") == 0 || strcmp(k, "candidates") == 0) {
            if (json_is_array(e)) {
                size_t i;
                json_t *c;
                json_array_foreach(e, i, c) json__add_candidate(ev, c);
            } else {
                json__add_candidate(ev, e);
            }
        } else {
            json__find_candidates(ev, e, level + 1);
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
static bool json__alert(json_t *obj, const hik_parse_opts *opts, hik_event *ev)
{
    event_build b = {.opts = opts};
    hik_event_init(ev);
    ev->format = HIK_FMT_JSON;
    event_build__start(&b, "alert", 5);
    event_build__begin(&b, ev);
    json__emit_object(&b, obj, 1);
    json_t *faces = json_object_get(obj, "alarmResult");
    if (faces) {
        json__find_candidates(ev, faces, 1);
        qsort(ev->candidates, (size_t)ev->n_candidates, sizeof(ev->candidates[0]), json__cand_cmp);
        if (!ev->type_raw[0])
            event_build__set_str(ev, ev->type_raw, sizeof(ev->type_raw), "alarmResult", 11);
    }
    event_build__finish(&b);
    return ev->type_raw[0] != '\0';
}

static hik_err json__collect(json_t *root, const uint8_t *doc, size_t len,
                             const hik_parse_opts *opts, hik_event *out, size_t max_out,
                             size_t *n_out)
{
    json_t *single[1] = {root};
    json_t *inner = json_is_object(root) ? json_object_get(root, "EventNotificationAlert") : NULL;
    if (json_is_object(inner) || json_is_array(inner))
        single[0] = inner;
    json_t *list = single[0];
    size_t count = json_is_array(list) ? json_array_size(list) : 1;
    size_t n = 0;
    for (size_t i = 0; i < count && n < max_out; i++) {
        json_t *obj = json_is_array(list) ? json_array_get(list, i) : list;
        if (!json_is_object(obj))
            continue;
        if (json__alert(obj, opts, &out[n])) {
            out[n].raw = doc;
            out[n].raw_len = len;
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
    if (json__max_depth(doc, len) > JSON_MAX_DEPTH) {
        json__diag(diag, "JSON nested deeper than %d levels", JSON_MAX_DEPTH);
        return HIK_ERR_TOO_BIG;
    }
    json_error_t jerr;
    json_t *root = json_loadb((const char *)doc, len, 0, &jerr);
    if (!root) {
        json__diag(diag, "malformed JSON: %s (line %d, column %d)", jerr.text, jerr.line,
                   jerr.column);
        return HIK_ERR_PARSE;
    }
    hik_err err = json__collect(root, doc, len, opts, out, max_out, n_out);
    json_decref(root);
    if (err)
        json__diag(diag, "JSON document holds no alert (no eventType or alarmResult)");
    return err;
}
