/* sim_isapi_event.c: /ISAPI/Event/triggers, the linkage of each event to
 * its actions. A trigger whose list lacks the `center` method is the
 * camera UI's unticked "Notify Surveillance Center" box: the simulator
 * then pushes nothing for that event, as a real camera would not, which
 * is what a gateway that manages linkage must detect and fix. */
#include "sim.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* root: a document of its own, which carries the namespace */
static void event__write_trigger(sim_buf *b, const sim_trigger *t, bool root)
{
    if (root)
        sim_xml_begin(b, "EventTrigger");
    else
        sim_buf_str(b, "<EventTrigger>\r\n");
    sim_buf_elem(b, "id", t->id);
    sim_buf_elem(b, "eventType", t->event_type);
    sim_buf_elem(b, "eventDescription", t->description);
    if (strcmp(t->event_type, "IO") == 0) {
        sim_buf_elem(b, "inputIOPortID", "1");
        sim_buf_elem(b, "dynInputIOPortID", "1");
    } else {
        sim_buf_elemf(b, "videoInputChannelID", "%d", t->channel ? t->channel : 1);
        sim_buf_elemf(b, "dynVideoInputChannelID", "%d", t->channel ? t->channel : 1);
    }
    sim_buf_str(b, "<EventTriggerNotificationList>\r\n");
    for (int i = 0; i < t->n_notifs; i++) {
        const sim_notification *n = &t->notifs[i];
        sim_buf_str(b, "<EventTriggerNotification>\r\n");
        sim_buf_elem(b, "id", n->id);
        sim_buf_elem(b, "notificationMethod", n->method);
        if (n->video_input)
            sim_buf_elemf(b, "videoInputID", "%d", n->video_input);
        sim_buf_elem(b, "notificationRecurrence", n->recurrence);
        sim_buf_str(b, "</EventTriggerNotification>\r\n");
    }
    sim_buf_str(b, "</EventTriggerNotificationList>\r\n</EventTrigger>\r\n");
}

static void event__list(sim *s, sim_reply *r)
{
    sim_xml_begin(&r->body, "EventTriggerList");
    pthread_mutex_lock(&s->st.lock);
    for (int i = 0; i < s->st.n_triggers; i++)
        event__write_trigger(&r->body, &s->st.triggers[i], false);
    pthread_mutex_unlock(&s->st.lock);
    sim_buf_str(&r->body, "</EventTriggerList>\r\n");
    r->status = 200;
    snprintf(r->content_type, sizeof(r->content_type), "application/xml");
}

static bool event__parse_notifs(const xmlNode *root, sim_trigger *t)
{
    xmlNode *list = sim_xml_child(root, "EventTriggerNotificationList");
    if (!list)
        return false;
    t->n_notifs = 0;
    for (xmlNode *n = list->children; n; n = n->next) {
        if (!sim_xml_is(n, "EventTriggerNotification"))
            continue;
        if (t->n_notifs >= SIM_MAX_NOTIFS)
            return false;
        sim_notification *out = &t->notifs[t->n_notifs++];
        memset(out, 0, sizeof(*out));
        if (!sim_xml_text(n, "notificationMethod", out->method, sizeof(out->method)) ||
            !out->method[0])
            return false;
        if (!sim_xml_text(n, "id", out->id, sizeof(out->id)))
            memcpy(out->id, out->method, sizeof(out->id));
        if (!sim_xml_text(n, "notificationRecurrence", out->recurrence, sizeof(out->recurrence)))
            snprintf(out->recurrence, sizeof(out->recurrence), "beginning");
        if (sim_xml_child(n, "videoInputID") &&
            !sim_xml_int(n, "videoInputID", 1, SIM_MAX_CHANNELS, &out->video_input))
            return false;
    }
    return true;
}

static void event__put(sim *s, const char *id, const sim_request *req, sim_reply *r)
{
    xmlDoc *doc = sim_xml_parse(req->body, req->body_len);
    if (!doc) {
        sim_xml_bad_format(r, req->path);
        return;
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    char sent_id[48] = "";
    bool ok = sim_xml_is(root, "EventTrigger") &&
              sim_xml_text(root, "id", sent_id, sizeof(sent_id)) && strcasecmp(sent_id, id) == 0;
    pthread_mutex_lock(&s->st.lock);
    sim_trigger *t = (sim_trigger *)sim_state_find_trigger_locked(s, id);
    if (ok && t) {
        sim_trigger copy = *t;
        ok = event__parse_notifs(root, &copy);
        if (ok)
            *t = copy;
    }
    pthread_mutex_unlock(&s->st.lock);
    xmlFreeDoc(doc);
    if (!t)
        sim_xml_not_found(r, req->path);
    else if (!ok)
        sim_xml_bad_content(r, req->path);
    else
        sim_xml_ok(r, req->path);
}

static void event__one(sim *s, const char *id, const sim_request *req, sim_reply *r)
{
    if (strcmp(req->method, "PUT") == 0) {
        event__put(s, id, req, r);
        return;
    }
    if (strcmp(req->method, "GET") != 0) {
        sim_xml_bad_method(r, req->path);
        return;
    }
    pthread_mutex_lock(&s->st.lock);
    const sim_trigger *t = sim_state_find_trigger_locked(s, id);
    if (t) {
        event__write_trigger(&r->body, t, true);
        r->status = 200;
        snprintf(r->content_type, sizeof(r->content_type), "application/xml");
    }
    pthread_mutex_unlock(&s->st.lock);
    if (!t)
        sim_xml_not_found(r, req->path);
}

bool sim_isapi_event_handle(sim *s, const sim_request *req, sim_reply *reply)
{
    char id[48];
    if (sim_xml_path_is(req->path, "/ISAPI/Event/triggers", NULL, 0)) {
        if (strcmp(req->method, "GET") == 0)
            event__list(s, reply);
        else
            sim_xml_bad_method(reply, req->path);
        return true;
    }
    if (sim_xml_path_is(req->path, "/ISAPI/Event/triggers/*", id, sizeof(id))) {
        event__one(s, id, req, reply);
        return true;
    }
    return false;
}
