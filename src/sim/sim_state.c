/* sim_state.c: the device's state as a fresh camera has it, the counters
 * tests read, and the JSON dump behind GET /sim/state.
 *
 * A fresh simulator looks like a camera configured by a typical
 * installer: privacy mask regions drawn but the mask off, smart events
 * linked to "Notify Surveillance Center", and three empty httpHosts
 * slots. */
#include "sim.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static void state__add_trigger(sim *s, const char *id, const char *type, const char *desc,
                               int channel, const char *const *methods)
{
    if (s->st.n_triggers >= SIM_MAX_TRIGGERS)
        return;
    sim_trigger *t = &s->st.triggers[s->st.n_triggers++];
    memset(t, 0, sizeof(*t));
    snprintf(t->id, sizeof(t->id), "%s", id);
    snprintf(t->event_type, sizeof(t->event_type), "%s", type);
    snprintf(t->description, sizeof(t->description), "%s", desc);
    t->channel = channel;
    for (int i = 0; methods && methods[i] && i < SIM_MAX_NOTIFS; i++) {
        sim_notification *n = &t->notifs[t->n_notifs++];
        n->video_input = 0;
        if (strcmp(methods[i], "record") == 0) {
            snprintf(n->id, sizeof(n->id), "record-%d", channel ? channel : 1);
            n->video_input = channel ? channel : 1;
        } else {
            snprintf(n->id, sizeof(n->id), "%s", methods[i]);
        }
        snprintf(n->method, sizeof(n->method), "%s", methods[i]);
        snprintf(n->recurrence, sizeof(n->recurrence), "beginning");
    }
}

static void state__default_triggers(sim *s)
{
    static const char *const rec_center[] = {"record", "center", NULL};
    static const char *const center[] = {"center", NULL};
    static const char *const beep[] = {"beep", NULL};
    static const struct {
        const char *prefix, *type, *desc;
        const char *const *methods;
    } per_channel[] = {
        {"VMD", "VMD", "VMD Event trigger Information", rec_center},
        {"tamper", "tamperdetection", "shelteralarm Event trigger Information", center},
        {"linedetection", "linedetection", "Linedetection Event trigger Information", center},
        {"fielddetection", "fielddetection", "fielddetection Event trigger Information", center},
        {"regionEntrance", "regionEntrance", "regionEntrance Event trigger Information", center},
        {"regionExiting", "regionExiting", "regionExiting Event trigger Information", center},
    };
    char id[48];
    for (int c = 1; c <= s->cfg.channels; c++) {
        for (size_t i = 0; i < sizeof(per_channel) / sizeof(per_channel[0]); i++) {
            snprintf(id, sizeof(id), "%s-%d", per_channel[i].prefix, c);
            state__add_trigger(s, id, per_channel[i].type, per_channel[i].desc, c,
                               per_channel[i].methods);
        }
    }
    state__add_trigger(s, "IO-1", "IO", "IO Event trigger Information", 0, center);
    state__add_trigger(s, "diskfull", "diskfull", "exception Information", 0, NULL);
    state__add_trigger(s, "diskerror", "diskerror", "exception Information", 0, beep);
    state__add_trigger(s, "nicbroken", "nicbroken", "exception Information", 0, NULL);
    state__add_trigger(s, "ipconflict", "ipconflict", "exception Information", 0, NULL);
    state__add_trigger(s, "illaccess", "illaccess", "exception Information", 0, NULL);
}

static void state__default_masks(sim *s)
{
    static const int quad[2][4][2] = {
        {{60, 400}, {60, 520}, {220, 520}, {220, 400}},
        {{480, 40}, {480, 160}, {660, 160}, {660, 40}},
    };
    for (int c = 0; c < s->cfg.channels; c++) {
        sim_privacy_mask *m = &s->st.masks[c];
        m->enabled = false;
        m->n_regions = (c == 0) ? 2 : 1;
        for (int r = 0; r < m->n_regions; r++) {
            sim_region *reg = &m->regions[r];
            reg->id = r + 1;
            reg->enabled = true;
            reg->n_coords = 4;
            for (int k = 0; k < 4; k++) {
                reg->x[k] = quad[r][k][0];
                reg->y[k] = quad[r][k][1];
            }
        }
    }
}

/* s->st arrives zeroed (a static, or calloc for --cameras): clearing it
 * again would touch every page of its large tables for each camera. */
hik_err sim_state_init(sim *s)
{
    if (pthread_mutex_init(&s->st.lock, NULL) != 0)
        return HIK_ERR_IO;
    state__default_masks(s);
    state__default_triggers(s);
    for (int i = 0; i < SIM_HTTP_HOSTS; i++) {
        sim_http_host *h = &s->st.hosts[i];
        h->id = i + 1;
        snprintf(h->protocol, sizeof(h->protocol), "HTTP");
        snprintf(h->format, sizeof(h->format), "XML");
        snprintf(h->addressing, sizeof(h->addressing), "ipaddress");
        snprintf(h->ip, sizeof(h->ip), "0.0.0.0");
        h->port = 80;
        snprintf(h->auth_method, sizeof(h->auth_method), "none");
    }
    return HIK_OK;
}

void sim_state_destroy(sim *s)
{
    pthread_mutex_destroy(&s->st.lock);
}

void sim_state_count_path(sim *s, const char *path)
{
    pthread_mutex_lock(&s->st.lock);
    int i;
    for (i = 0; i < s->st.n_paths; i++) {
        if (strcmp(s->st.paths[i].path, path) == 0)
            break;
    }
    if (i == s->st.n_paths) {
        if (i >= SIM_MAX_PATHS || strlen(path) >= sizeof(s->st.paths[0].path)) {
            s->st.paths_dropped++; /* keeps the table bounded against scanners */
            pthread_mutex_unlock(&s->st.lock);
            return;
        }
        snprintf(s->st.paths[i].path, sizeof(s->st.paths[i].path), "%s", path);
        s->st.paths[i].count = 0;
        s->st.n_paths++;
    }
    s->st.paths[i].count++;
    pthread_mutex_unlock(&s->st.lock);
}

void sim_state_record_push(sim *s, const sim_push_record *rec)
{
    pthread_mutex_lock(&s->st.lock);
    s->st.pushes[s->st.n_pushes % SIM_PUSH_LOG] = *rec;
    s->st.n_pushes++;
    pthread_mutex_unlock(&s->st.lock);
}

void sim_state_reset_stats(sim *s)
{
    pthread_mutex_lock(&s->st.lock);
    s->st.n_paths = 0;
    s->st.paths_dropped = 0;
    s->st.n_pushes = 0;
    s->st.logins_ok = 0;
    memset(s->st.clients, 0, sizeof(s->st.clients));
    pthread_mutex_unlock(&s->st.lock);
}

const sim_trigger *sim_state_find_trigger_locked(const sim *s, const char *id)
{
    for (int i = 0; i < s->st.n_triggers; i++) {
        if (strcasecmp(s->st.triggers[i].id, id) == 0)
            return &s->st.triggers[i];
    }
    return NULL;
}
