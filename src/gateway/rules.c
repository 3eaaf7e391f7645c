/* rules.c: the trigger index and condition matching.
 *
 * Built whole from the database and swapped in under a write lock; matching
 * holds the read lock. Matching is called by the single writer thread,
 * which is what makes the per-scenario cooldown bookkeeping race-free. */
#include "rules.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

struct gw_conditions {
    int region_id;       /* 0 = any */
    hik_target target;   /* ANY = any */
    char plate[32];      /* normalised; "" = any */
    hik_plate_list list; /* NONE = any */
    hik_direction direction;
    char name[64];
    double min_similarity; /* < 0 = any */
    int channel;           /* 0 = any */
};

typedef struct rule_action {
    int64_t id;
    char action[48];
    int channel;
    size_t n_devices;
    int64_t *devices;
} rule_action;

typedef struct rule_scenario {
    int64_t id;
    int64_t trigger_id;
    int cooldown_s;
    int64_t last_fired_ms;
    size_t n_actions;
    rule_action **actions;
} rule_scenario;

typedef struct rule_trigger {
    int64_t id;
    hik_event_kind kind;
    struct gw_conditions cond;
    bool fire_inactive; /* fire_on = "both" */
    size_t n_scenarios;
    rule_scenario **scenarios;
} rule_trigger;

typedef struct rule_key {
    int64_t device_id;
    hik_event_kind kind;
    rule_trigger *trigger;
} rule_key;

typedef struct rule_index {
    size_t n_triggers, n_scenarios, n_actions, n_keys;
    rule_trigger *triggers;
    rule_scenario *scenarios;
    rule_action *actions;
    rule_key *keys; /* sorted by (device_id, kind) */
} rule_index;

struct gw_rules {
    pthread_rwlock_t lock;
    rule_index *index;
};

/* bsearch() that accepts an empty array (a NULL base is undefined for bsearch). */
static void *find_sorted(const void *key, const void *base, size_t n, size_t size,
                         int (*cmp)(const void *, const void *))
{
    return n ? bsearch(key, base, n, size, cmp) : NULL;
}

/* Plates compare without case, spaces, dashes or dots: "AB-123 CD" = "ab123cd". */
static void plate__normalise(const char *in, char *out, size_t out_len)
{
    size_t k = 0;
    for (; *in && k + 1 < out_len; in++) {
        unsigned char c = (unsigned char)*in;
        if (c == ' ' || c == '-' || c == '.' || c == '\t')
            continue;
        out[k++] = (char)toupper(c);
    }
    out[k] = 0;
}

static void index__free(rule_index *ix)
{
    if (!ix)
        return;
    for (size_t i = 0; i < ix->n_triggers; i++)
        free(ix->triggers[i].scenarios);
    for (size_t i = 0; i < ix->n_scenarios; i++)
        free(ix->scenarios[i].actions);
    for (size_t i = 0; i < ix->n_actions; i++)
        free(ix->actions[i].devices);
    free(ix->triggers);
    free(ix->scenarios);
    free(ix->actions);
    free(ix->keys);
    free(ix);
}

hik_err gw_rules_new(gw_rules **out)
{
    gw_rules *r = calloc(1, sizeof *r);
    if (!r)
        return HIK_ERR_NOMEM;
    pthread_rwlock_init(&r->lock, NULL);
    *out = r;
    return HIK_OK;
}

void gw_rules_free(gw_rules *r)
{
    if (!r)
        return;
    index__free(r->index);
    pthread_rwlock_destroy(&r->lock);
    free(r);
}

/* ---- validation ------------------------------------------------------- */

static hik_err cond__fail(char *field, size_t field_len, char *msg, size_t msg_len,
                          const char *name, const char *text)
{
    snprintf(field, field_len, "conditions.%s", name);
    snprintf(msg, msg_len, "%s", text);
    return HIK_ERR_INVALID;
}

static bool cond__applies(hik_event_kind kind, const char *key)
{
    if (!strcmp(key, "channel"))
        return true;
    if (!strcmp(key, "region_id") || !strcmp(key, "target"))
        return hik_event_kind_has_regions(kind);
    if (!strcmp(key, "plate") || !strcmp(key, "list") || !strcmp(key, "direction"))
        return kind == HIK_EV_ANPR;
    if (!strcmp(key, "name") || !strcmp(key, "min_similarity"))
        return kind == HIK_EV_FACE_RECOGNITION;
    return false;
}

static bool cond__known(const char *key)
{
    static const char *known[] = {"channel", "region_id", "target", "plate",
                                  "list",    "direction", "name",   "min_similarity"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(key, known[i]))
            return true;
    return false;
}

static bool cond__string_in(json_t *v, const char *a, const char *b)
{
    return json_is_string(v) &&
           (!strcmp(json_string_value(v), a) || !strcmp(json_string_value(v), b));
}

static hik_err cond__check_value(const char *key, json_t *v, const char **why)
{
    if (!strcmp(key, "region_id") || !strcmp(key, "channel")) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 65535) {
            *why = "must be a whole number from 1 to 65535";
            return HIK_ERR_INVALID;
        }
    } else if (!strcmp(key, "target")) {
        if (!cond__string_in(v, "human", "vehicle")) {
            *why = "must be \"human\" or \"vehicle\" (leave it out to accept any target)";
            return HIK_ERR_INVALID;
        }
    } else if (!strcmp(key, "list")) {
        if (!cond__string_in(v, "allow", "block")) {
            *why = "must be \"allow\" or \"block\"";
            return HIK_ERR_INVALID;
        }
    } else if (!strcmp(key, "direction")) {
        if (!cond__string_in(v, "incoming", "outgoing")) {
            *why = "must be \"incoming\" or \"outgoing\"";
            return HIK_ERR_INVALID;
        }
    } else if (!strcmp(key, "plate")) {
        char norm[32];
        if (!json_is_string(v) || json_string_length(v) > 31) {
            *why = "must be a plate number of at most 31 characters";
            return HIK_ERR_INVALID;
        }
        plate__normalise(json_string_value(v), norm, sizeof norm);
        if (!norm[0]) {
            *why = "must contain at least one letter or digit";
            return HIK_ERR_INVALID;
        }
    } else if (!strcmp(key, "name")) {
        if (!json_is_string(v) || json_string_length(v) < 1 || json_string_length(v) > 63) {
            *why = "must be a name of 1 to 63 bytes";
            return HIK_ERR_INVALID;
        }
    } else if (!strcmp(key, "min_similarity")) {
        if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 100) {
            *why = "must be a number from 0 to 100 (percent)";
            return HIK_ERR_INVALID;
        }
    }
    return HIK_OK;
}

hik_err gw_rules_validate(hik_event_kind kind, json_t *conditions, char *field, size_t field_len,
                          char *msg, size_t msg_len)
{
    if (!conditions || json_is_null(conditions))
        return HIK_OK;
    if (!json_is_object(conditions)) {
        snprintf(field, field_len, "conditions");
        snprintf(msg, msg_len, "must be an object");
        return HIK_ERR_INVALID;
    }
    const char *key;
    json_t *v;
    json_object_foreach(conditions, key, v)
    {
        char text[192];
        if (!cond__known(key))
            return cond__fail(field, field_len, msg, msg_len, key, "is not a known condition");
        if (json_is_null(v))
            continue;
        if (!cond__applies(kind, key)) {
            snprintf(text, sizeof text, "does not apply to %s events", hik_event_kind_name(kind));
            return cond__fail(field, field_len, msg, msg_len, key, text);
        }
        const char *why = NULL;
        if (cond__check_value(key, v, &why))
            return cond__fail(field, field_len, msg, msg_len, key, why);
    }
    return HIK_OK;
}

static void cond__load(json_t *c, struct gw_conditions *out)
{
    memset(out, 0, sizeof *out);
    out->min_similarity = -1;
    json_t *v;
    if ((v = json_object_get(c, "region_id")) && json_is_integer(v))
        out->region_id = (int)json_integer_value(v);
    if ((v = json_object_get(c, "channel")) && json_is_integer(v))
        out->channel = (int)json_integer_value(v);
    if ((v = json_object_get(c, "target")) && json_is_string(v))
        out->target = hik_target_from_str(json_string_value(v));
    if ((v = json_object_get(c, "plate")) && json_is_string(v))
        plate__normalise(json_string_value(v), out->plate, sizeof out->plate);
    if ((v = json_object_get(c, "list")) && json_is_string(v))
        out->list = hik_plate_list_from_str(json_string_value(v));
    if ((v = json_object_get(c, "direction")) && json_is_string(v))
        out->direction =
            !strcmp(json_string_value(v), "incoming") ? HIK_DIR_INCOMING : HIK_DIR_OUTGOING;
    if ((v = json_object_get(c, "name")) && json_is_string(v))
        snprintf(out->name, sizeof out->name, "%s", json_string_value(v));
    if ((v = json_object_get(c, "min_similarity")) && json_is_number(v))
        out->min_similarity = json_number_value(v);
}

/* ---- matching --------------------------------------------------------- */

static bool cond__regions(const struct gw_conditions *c, const hik_event *ev)
{
    if (!c->region_id && c->target == HIK_TARGET_ANY)
        return true;
    for (int i = 0; i < ev->n_regions; i++) {
        const hik_region *r = &ev->regions[i];
        hik_target t = r->target != HIK_TARGET_ANY ? r->target : ev->target;
        if (c->region_id && r->id != c->region_id)
            continue;
        if (c->target != HIK_TARGET_ANY && t != c->target)
            continue;
        return true;
    }
    /* No region list: only a target condition can be judged, from targetType. */
    return ev->n_regions == 0 && !c->region_id && ev->target == c->target;
}

static bool cond__anpr(const struct gw_conditions *c, const hik_event *ev)
{
    if (c->list != HIK_LIST_NONE && ev->list != c->list)
        return false;
    if (c->direction != HIK_DIR_UNKNOWN && ev->direction != c->direction)
        return false;
    if (c->plate[0]) {
        char plate[32];
        plate__normalise(ev->plate, plate, sizeof plate);
        if (strcmp(plate, c->plate) != 0)
            return false;
    }
    return true;
}

static bool cond__face(const struct gw_conditions *c, const hik_event *ev)
{
    if (!c->name[0] && c->min_similarity < 0)
        return true;
    for (int i = 0; i < ev->n_candidates; i++) {
        const hik_face_candidate *fc = &ev->candidates[i];
        if (c->name[0] && strcasecmp(fc->name, c->name) != 0)
            continue;
        if (c->min_similarity >= 0 && fc->similarity + 1e-9 < c->min_similarity)
            continue;
        return true;
    }
    return false;
}

static bool cond__hold(const struct gw_conditions *c, const hik_event *ev)
{
    if (c->channel && ev->channel != c->channel)
        return false;
    switch (ev->kind) {
    case HIK_EV_ANPR:
        return cond__anpr(c, ev);
    case HIK_EV_FACE_RECOGNITION:
        return cond__face(c, ev);
    default:
        return hik_event_kind_has_regions(ev->kind) ? cond__regions(c, ev) : true;
    }
}

static int key__cmp(const void *a, const void *b)
{
    const rule_key *x = a, *y = b;
    if (x->device_id != y->device_id)
        return x->device_id < y->device_id ? -1 : 1;
    return (int)x->kind - (int)y->kind;
}

static size_t rules__emit(rule_scenario *s, int64_t now_ms, gw_fired *out, size_t k, size_t max)
{
    if (s->cooldown_s > 0 && s->last_fired_ms &&
        now_ms - s->last_fired_ms < (int64_t)s->cooldown_s * 1000)
        return k;
    s->last_fired_ms = now_ms;
    for (size_t a = 0; a < s->n_actions; a++) {
        rule_action *ra = s->actions[a];
        for (size_t d = 0; d < ra->n_devices && k < max; d++) {
            gw_fired *f = &out[k++];
            f->scenario_id = s->id;
            f->action_id = ra->id;
            f->device_id = ra->devices[d];
            f->channel = ra->channel;
            snprintf(f->action, sizeof f->action, "%s", ra->action);
        }
    }
    return k;
}

size_t gw_rules_match(gw_rules *r, int64_t device_id, const hik_event *ev, int64_t now_ms,
                      gw_fired *out, size_t max)
{
    gw_edge edge = ev->state == HIK_STATE_INACTIVE ? GW_EDGE_INACTIVE : GW_EDGE_ACTIVE;
    return gw_rules_match_edge(r, device_id, ev, edge, now_ms, out, max);
}

/* The index keys of (device_id, kind): *end past the last; NULL when none.
 * Called with the read lock held. */
static rule_key *rules__keys(rule_index *ix, int64_t device_id, hik_event_kind kind, rule_key **end)
{
    if (!ix || !ix->n_keys)
        return NULL;
    rule_key key = {.device_id = device_id, .kind = kind};
    rule_key *hit = find_sorted(&key, ix->keys, ix->n_keys, sizeof key, key__cmp);
    if (!hit)
        return NULL;
    while (hit > ix->keys && key__cmp(hit - 1, &key) == 0)
        hit--;
    rule_key *last = hit;
    while (last < ix->keys + ix->n_keys && key__cmp(last, &key) == 0)
        last++;
    *end = last;
    return hit;
}

size_t gw_rules_match_edge(gw_rules *r, int64_t device_id, const hik_event *ev, gw_edge edge,
                           int64_t now_ms, gw_fired *out, size_t max)
{
    /* A repeat of something ongoing never fires, nor does a heartbeat. */
    if ((!device_id && !gw_rules_gateway_kind(ev->kind)) || ev->heartbeat ||
        (edge != GW_EDGE_ACTIVE && edge != GW_EDGE_INACTIVE))
        return 0;
    size_t k = 0;
    pthread_rwlock_rdlock(&r->lock);
    rule_key *end = NULL;
    for (rule_key *hit = rules__keys(r->index, device_id, ev->kind, &end); hit && hit < end;
         hit++) {
        rule_trigger *t = hit->trigger;
        if ((edge == GW_EDGE_INACTIVE && !t->fire_inactive) || !cond__hold(&t->cond, ev))
            continue;
        for (size_t s = 0; s < t->n_scenarios && k < max; s++)
            k = rules__emit(t->scenarios[s], now_ms, out, k, max);
    }
    pthread_rwlock_unlock(&r->lock);
    return k;
}

bool gw_rules_gateway_kind(hik_event_kind kind)
{
    return kind == HIK_EV_UNAUTHORIZED_SOURCE;
}

bool gw_rules_wants_inactive(gw_rules *r, int64_t device_id, hik_event_kind kind)
{
    bool wants = false;
    pthread_rwlock_rdlock(&r->lock);
    rule_key *end = NULL;
    for (rule_key *hit = rules__keys(r->index, device_id, kind, &end); hit && hit < end; hit++)
        wants = wants || hit->trigger->fire_inactive;
    pthread_rwlock_unlock(&r->lock);
    return wants;
}

bool gw_rules_fire_on_valid(const char *fire_on)
{
    return fire_on && (!strcmp(fire_on, "active") || !strcmp(fire_on, "both"));
}

/* ---- loading ---------------------------------------------------------- */

static int trigger__cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = ((const rule_trigger *)b)->id;
    return x < y ? -1 : x > y;
}
static int scenario__cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = ((const rule_scenario *)b)->id;
    return x < y ? -1 : x > y;
}
static int action__cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = ((const rule_action *)b)->id;
    return x < y ? -1 : x > y;
}

/* Grow an array by one element; the new element is zeroed. */
static void *grow(void *arr, size_t *n, size_t *cap, size_t size)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        void *p = realloc(arr, ncap * size);
        if (!p)
            return NULL;
        arr = p;
        *cap = ncap;
    }
    memset((char *)arr + *n * size, 0, size);
    (*n)++;
    return arr;
}

#define GROW(arr, n, cap)                                                                          \
    do {                                                                                           \
        void *p_ = grow((arr), &(n), &(cap), sizeof *(arr));                                       \
        if (!p_)                                                                                   \
            goto nomem;                                                                            \
        (arr) = p_;                                                                                \
    } while (0)

static hik_err load__triggers(gw_store *st, rule_index *ix)
{
    size_t cap = 0;
    sqlite3_stmt *s =
        gw_store_prepare(st, "SELECT id, event, conditions, fire_on FROM triggers ORDER BY id");
    if (!s)
        return HIK_ERR_IO;
    while (sqlite3_step(s) == SQLITE_ROW) {
        GROW(ix->triggers, ix->n_triggers, cap);
        rule_trigger *t = &ix->triggers[ix->n_triggers - 1];
        t->id = sqlite3_column_int64(s, 0);
        t->kind = hik_event_kind_from_name((const char *)sqlite3_column_text(s, 1));
        json_t *c = json_loads((const char *)sqlite3_column_text(s, 2), 0, NULL);
        cond__load(c, &t->cond);
        json_decref(c);
        const char *fire_on = (const char *)sqlite3_column_text(s, 3);
        t->fire_inactive = fire_on && !strcmp(fire_on, "both");
    }
    sqlite3_finalize(s);
    return HIK_OK;
nomem:
    sqlite3_finalize(s);
    return HIK_ERR_NOMEM;
}

static hik_err load__actions(gw_store *st, rule_index *ix)
{
    size_t cap = 0;
    sqlite3_stmt *s = gw_store_prepare(st, "SELECT id, action, params FROM actions ORDER BY id");
    if (!s)
        return HIK_ERR_IO;
    while (sqlite3_step(s) == SQLITE_ROW) {
        GROW(ix->actions, ix->n_actions, cap);
        rule_action *a = &ix->actions[ix->n_actions - 1];
        a->id = sqlite3_column_int64(s, 0);
        snprintf(a->action, sizeof a->action, "%s", sqlite3_column_text(s, 1));
        json_t *p = json_loads((const char *)sqlite3_column_text(s, 2), 0, NULL);
        json_t *ch = json_object_get(p, "channel");
        a->channel = json_is_integer(ch) ? (int)json_integer_value(ch) : 1;
        json_decref(p);
    }
    sqlite3_finalize(s);
    s = gw_store_prepare(
        st, "SELECT action_id, device_id FROM action_devices ORDER BY action_id, device_id");
    if (!s)
        return HIK_ERR_IO;
    while (sqlite3_step(s) == SQLITE_ROW) {
        int64_t aid = sqlite3_column_int64(s, 0);
        rule_action *a = find_sorted(&aid, ix->actions, ix->n_actions, sizeof *a, action__cmp_id);
        if (!a)
            continue;
        int64_t *d = realloc(a->devices, (a->n_devices + 1) * sizeof *d);
        if (!d)
            goto nomem;
        a->devices = d;
        a->devices[a->n_devices++] = sqlite3_column_int64(s, 1);
    }
    sqlite3_finalize(s);
    return HIK_OK;
nomem:
    sqlite3_finalize(s);
    return HIK_ERR_NOMEM;
}

static hik_err load__scenarios(gw_store *st, rule_index *ix)
{
    size_t cap = 0;
    sqlite3_stmt *s = gw_store_prepare(st, "SELECT id, trigger_id, cooldown_s, last_fired_ms "
                                           "FROM scenarios WHERE enabled ORDER BY id");
    if (!s)
        return HIK_ERR_IO;
    while (sqlite3_step(s) == SQLITE_ROW) {
        GROW(ix->scenarios, ix->n_scenarios, cap);
        rule_scenario *sc = &ix->scenarios[ix->n_scenarios - 1];
        sc->id = sqlite3_column_int64(s, 0);
        sc->trigger_id = sqlite3_column_int64(s, 1);
        sc->cooldown_s = sqlite3_column_int(s, 2);
        sc->last_fired_ms = sqlite3_column_int64(s, 3);
    }
    sqlite3_finalize(s);
    s = gw_store_prepare(st, "SELECT scenario_id, action_id FROM scenario_actions "
                             "ORDER BY scenario_id, position");
    if (!s)
        return HIK_ERR_IO;
    while (sqlite3_step(s) == SQLITE_ROW) {
        int64_t sid = sqlite3_column_int64(s, 0), aid = sqlite3_column_int64(s, 1);
        rule_scenario *sc =
            find_sorted(&sid, ix->scenarios, ix->n_scenarios, sizeof *sc, scenario__cmp_id);
        rule_action *a = find_sorted(&aid, ix->actions, ix->n_actions, sizeof *a, action__cmp_id);
        if (!sc || !a)
            continue;
        rule_action **p = realloc(sc->actions, (sc->n_actions + 1) * sizeof *p);
        if (!p)
            goto nomem;
        sc->actions = p;
        sc->actions[sc->n_actions++] = a;
    }
    sqlite3_finalize(s);
    for (size_t i = 0; i < ix->n_scenarios; i++) {
        rule_scenario *sc = &ix->scenarios[i];
        rule_trigger *t =
            find_sorted(&sc->trigger_id, ix->triggers, ix->n_triggers, sizeof *t, trigger__cmp_id);
        if (!t)
            continue;
        rule_scenario **p = realloc(t->scenarios, (t->n_scenarios + 1) * sizeof *p);
        if (!p)
            return HIK_ERR_NOMEM;
        t->scenarios = p;
        t->scenarios[t->n_scenarios++] = sc;
    }
    return HIK_OK;
nomem:
    sqlite3_finalize(s);
    return HIK_ERR_NOMEM;
}

static hik_err load__keys(gw_store *st, rule_index *ix)
{
    size_t cap = 0;
    sqlite3_stmt *s = gw_store_prepare(st, "SELECT trigger_id, device_id FROM trigger_devices");
    if (!s)
        return HIK_ERR_IO;
    while (sqlite3_step(s) == SQLITE_ROW) {
        int64_t tid = sqlite3_column_int64(s, 0);
        rule_trigger *t =
            find_sorted(&tid, ix->triggers, ix->n_triggers, sizeof *t, trigger__cmp_id);
        if (!t || t->n_scenarios == 0 || t->kind == HIK_EV__COUNT)
            continue; /* a trigger no enabled scenario uses cannot fire anything */
        GROW(ix->keys, ix->n_keys, cap);
        rule_key *k = &ix->keys[ix->n_keys - 1];
        k->device_id = sqlite3_column_int64(s, 1);
        k->kind = t->kind;
        k->trigger = t;
    }
    sqlite3_finalize(s);
    /* Gateway scope: a trigger on a kind hikgate raises about itself
     * matches those events (device 0) whatever devices it lists. */
    for (size_t i = 0; i < ix->n_triggers; i++) {
        rule_trigger *t = &ix->triggers[i];
        if (t->n_scenarios == 0 || t->kind == HIK_EV__COUNT || !gw_rules_gateway_kind(t->kind))
            continue;
        GROW(ix->keys, ix->n_keys, cap);
        rule_key *k = &ix->keys[ix->n_keys - 1];
        k->device_id = 0;
        k->kind = t->kind;
        k->trigger = t;
    }
    if (ix->n_keys)
        qsort(ix->keys, ix->n_keys, sizeof *ix->keys, key__cmp);
    return HIK_OK;
nomem:
    sqlite3_finalize(s);
    return HIK_ERR_NOMEM;
}

hik_err gw_rules_reload(gw_rules *r, gw_store *st)
{
    rule_index *ix = calloc(1, sizeof *ix);
    if (!ix)
        return HIK_ERR_NOMEM;
    gw_store_lock(st);
    hik_err res = load__triggers(st, ix);
    if (!res)
        res = load__actions(st, ix);
    if (!res)
        res = load__scenarios(st, ix);
    if (!res)
        res = load__keys(st, ix);
    gw_store_unlock(st);
    if (res) {
        index__free(ix);
        return res;
    }
    pthread_rwlock_wrlock(&r->lock);
    rule_index *old = r->index;
    /* Keep cooldown clocks across the swap: the database copy may lag behind. */
    for (size_t i = 0; old && i < ix->n_scenarios; i++) {
        rule_scenario *o = find_sorted(&ix->scenarios[i].id, old->scenarios, old->n_scenarios,
                                       sizeof *o, scenario__cmp_id);
        if (o && o->last_fired_ms > ix->scenarios[i].last_fired_ms)
            ix->scenarios[i].last_fired_ms = o->last_fired_ms;
    }
    r->index = ix;
    pthread_rwlock_unlock(&r->lock);
    index__free(old);
    gw_debug("rules: %zu triggers, %zu enabled scenarios, %zu actions, %zu index keys",
             ix->n_triggers, ix->n_scenarios, ix->n_actions, ix->n_keys);
    return HIK_OK;
}
