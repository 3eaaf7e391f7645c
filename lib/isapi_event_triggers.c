/* isapi_event_triggers.c: the linkage of each device event to the
 * `center` notification method, without which the event is never pushed.
 *
 * A PUT of /ISAPI/Event/triggers/<id> replaces the trigger's whole
 * notification list, which holds what the installer set up on the camera
 * (record, beep, email, IO outputs...). So the only safe write is
 * read-modify-write through libxml2's tree: the center entry is appended to
 * EventTriggerNotificationList in the document's own namespace and every
 * other element goes back as the device gave it. Trigger ids are taken
 * from the device's own list where possible, since firmware names them
 * differently (tamper-1 for tamperdetection, faceSnap-1...). */
#include "hik/isapi_event.h"
#include "hik/xml_util.h"
#include "isapi_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TRIGGERS_PATH "/ISAPI/Event/triggers"
#define CENTER "center"

/* Linkage eventTypes the event parser does not see under these names. */
static hik_event_kind triggers__kind(const char *type)
{
    if (strcasecmp(type, "vehicledetection") == 0)
        return HIK_EV_ANPR;
    if (strcasecmp(type, "faceContrast") == 0)
        return HIK_EV_FACE_RECOGNITION;
    return hik_event_kind_from_type(type, NULL);
}

static bool triggers__has_center(const xmlNode *trigger)
{
    xmlNode *list = hik_xml_child(trigger, "EventTriggerNotificationList");
    for (xmlNode *n = list ? list->children : NULL; n; n = n->next) {
        char method[32];
        if (!hik_xml_is(n, "EventTriggerNotification"))
            continue;
        hik_xml_child_text(n, "notificationMethod", method, sizeof(method));
        if (strcasecmp(method, CENTER) == 0)
            return true;
    }
    return false;
}

static int triggers__int(const xmlNode *n, const char *name)
{
    char text[16];
    if (hik_xml_child_text(n, name, text, sizeof(text)))
        return 0;
    return atoi(text);
}

static void triggers__parse_one(const xmlNode *n, hik_event_trigger *t)
{
    memset(t, 0, sizeof(*t));
    hik_xml_child_text(n, "id", t->id, sizeof(t->id));
    hik_xml_child_text(n, "eventType", t->event_type, sizeof(t->event_type));
    t->kind = triggers__kind(t->event_type);
    t->channel = triggers__int(n, "videoInputChannelID");
    if (!t->channel)
        t->channel = triggers__int(n, "dynVideoInputChannelID");
    if (!t->channel)
        t->channel = triggers__int(n, "inputIOPortID");
    if (!t->channel)
        t->channel = triggers__int(n, "dynInputIOPortID");
    t->center = triggers__has_center(n);
}

hik_err hik_event_triggers_parse(const uint8_t *body, size_t len, hik_event_trigger *out,
                                 size_t max, size_t *n)
{
    xmlDoc *doc = NULL;
    *n = 0;
    /* Captured bodies may start with a blank line before the XML
     * declaration, which a strict parser refuses. */
    while (len && (*body == ' ' || *body == '\r' || *body == '\n' || *body == '\t')) {
        body++;
        len--;
    }
    hik_err err = hik_xml_parse(body, len, &doc);
    if (err)
        return err;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!hik_xml_is(root, "EventTriggerList"))
        err = HIK_ERR_PARSE;
    for (xmlNode *c = err ? NULL : root->children; c && !err; c = c->next) {
        if (!hik_xml_is(c, "EventTrigger"))
            continue;
        if (*n >= max)
            err = HIK_ERR_TOO_BIG;
        else
            triggers__parse_one(c, &out[(*n)++]);
    }
    xmlFreeDoc(doc);
    return err;
}

hik_err hik_isapi_event_triggers_list(hik_isapi *isapi, hik_event_trigger *out, size_t max,
                                      size_t *n, hik_reply *reply)
{
    if (!out || !n || !reply)
        return HIK_ERR_INVALID;
    memset(reply, 0, sizeof(*reply));
    hik_err err = hik_isapi_request(isapi, "GET", TRIGGERS_PATH, NULL, NULL, 0, reply);
    if (!err)
        err = hik_event_triggers_parse(reply->body, reply->len, out, max, n);
    if (err == HIK_ERR_PARSE)
        isapi__copy(reply->error, sizeof(reply->error), "not an EventTriggerList");
    return err;
}

hik_err hik_event_trigger_id(hik_event_kind kind, int channel, char *out, size_t out_len)
{
    static const struct {
        hik_event_kind kind;
        const char *prefix;
    } ids[] = {
        {HIK_EV_MOTION, "VMD"},
        {HIK_EV_INTRUSION, "fielddetection"},
        {HIK_EV_LINE_CROSSING, "linedetection"},
        {HIK_EV_REGION_ENTRANCE, "regionEntrance"},
        {HIK_EV_REGION_EXITING, "regionExiting"},
        {HIK_EV_TAMPER, "tamper"},
        {HIK_EV_FACE_CAPTURE, "faceSnap"},
        {HIK_EV_FACE_RECOGNITION, "faceContrast"},
        {HIK_EV_ANPR, "vehicledetection"},
        {HIK_EV_IO_ALARM, "IO"},
        {HIK_EV_VIDEO_LOSS, "videoloss"},
        {HIK_EV_AUDIO_EXCEPTION, "audioexception"},
    };
    if (!out || out_len == 0)
        return HIK_ERR_INVALID;
    out[0] = '\0';
    if (channel < 1)
        channel = 1;
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        if (ids[i].kind == kind) {
            int w = snprintf(out, out_len, "%s-%d", ids[i].prefix, channel);
            return w > 0 && (size_t)w < out_len ? HIK_OK : HIK_ERR_TOO_BIG;
        }
    }
    return HIK_ERR_UNSUPPORTED;
}

hik_err hik_event_trigger_find(const hik_event_trigger *list, size_t n, hik_event_kind kind,
                               int channel, char *out, size_t out_len)
{
    if (!out || out_len == 0)
        return HIK_ERR_INVALID;
    if (channel < 1)
        channel = 1;
    for (size_t i = 0; list && i < n; i++) {
        if (list[i].kind == kind && list[i].kind != HIK_EV_UNKNOWN && list[i].channel == channel &&
            list[i].id[0]) {
            if (strlen(list[i].id) >= out_len)
                return HIK_ERR_TOO_BIG;
            snprintf(out, out_len, "%s", list[i].id);
            return HIK_OK;
        }
    }
    return hik_event_trigger_id(kind, channel, out, out_len);
}

/* A child element in the root's namespace with text content. */
static xmlNode *triggers__elem(xmlDoc *doc, xmlNode *parent, const char *name, const char *value)
{
    xmlNode *e = xmlNewDocNode(doc, parent->ns, (const xmlChar *)name, NULL);
    if (!e)
        return NULL;
    if (value)
        xmlNodeAddContent(e, (const xmlChar *)value);
    if (!xmlAddChild(parent, e)) {
        xmlFreeNode(e);
        return NULL;
    }
    return e;
}

static hik_err triggers__add_center(xmlDoc *doc, xmlNode *root)
{
    xmlNode *list = hik_xml_child(root, "EventTriggerNotificationList");
    if (!list && !(list = triggers__elem(doc, root, "EventTriggerNotificationList", NULL)))
        return HIK_ERR_NOMEM;
    xmlNode *n = triggers__elem(doc, list, "EventTriggerNotification", NULL);
    if (!n || !triggers__elem(doc, n, "id", CENTER) ||
        !triggers__elem(doc, n, "notificationMethod", CENTER) ||
        !triggers__elem(doc, n, "notificationRecurrence", "beginning"))
        return HIK_ERR_NOMEM;
    return HIK_OK;
}

hik_err hik_event_trigger_doc_add_center(const uint8_t *body, size_t len, bool *changed, char **out,
                                         size_t *out_len)
{
    if (!changed || !out || !out_len)
        return HIK_ERR_INVALID;
    *changed = false;
    *out = NULL;
    *out_len = 0;
    xmlDoc *doc = NULL;
    while (len && (*body == ' ' || *body == '\r' || *body == '\n' || *body == '\t')) {
        body++;
        len--;
    }
    hik_err err = hik_xml_parse(body, len, &doc);
    if (err)
        return err;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!hik_xml_is(root, "EventTrigger"))
        err = HIK_ERR_PARSE;
    else if (!triggers__has_center(root)) {
        *changed = true;
        err = triggers__add_center(doc, root);
        if (!err)
            err = hik_xml_dump(doc, out, out_len);
    }
    xmlFreeDoc(doc);
    return err;
}

static bool triggers__id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 63)
        return false;
    for (; *id; id++)
        if (!isalnum((unsigned char)*id) && *id != '-' && *id != '_')
            return false;
    return true;
}

hik_err hik_isapi_event_trigger_ensure_center(hik_isapi *isapi, const char *trigger_id,
                                              bool dry_run, bool *changed, hik_reply *reply)
{
    if (!reply || !changed || !trigger_id)
        return HIK_ERR_INVALID;
    memset(reply, 0, sizeof(*reply));
    *changed = false;
    if (!triggers__id_ok(trigger_id))
        return HIK_ERR_INVALID;
    char path[128];
    snprintf(path, sizeof(path), TRIGGERS_PATH "/%s", trigger_id);
    hik_err err = hik_isapi_request(isapi, "GET", path, NULL, NULL, 0, reply);
    if (err)
        return err;
    char *xml = NULL;
    size_t xml_len = 0;
    err = hik_event_trigger_doc_add_center(reply->body, reply->len, changed, &xml, &xml_len);
    if (err == HIK_ERR_PARSE)
        isapi__copy(reply->error, sizeof(reply->error), "not an EventTrigger document");
    if (!err && *changed && !dry_run) {
        hik_reply_free(reply);
        err = hik_isapi_request(isapi, "PUT", path, "application/xml", xml, xml_len, reply);
    }
    free(xml);
    return err;
}
