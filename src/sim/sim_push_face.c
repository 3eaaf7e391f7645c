/* sim_push_face.c: the JSON documents of DeepinView face events:
 * `alarmResult` for a face compared with the face libraries, and
 * `faceCapture` for a face seen. The match sits at
 * alarmResult[0].faces[].identify[].candidate[] with reserve_field.name,
 * similarity (0-1 here; some firmware writes 0-100) and the library's
 * FDLibName and listType. A face with no `name` matches no one: an empty
 * candidate list, as devices send for strangers. Pictures, when sent, are
 * multipart parts whose Content-ID is the pId the JSON refers to. */
#include "sim.h"

#include <jansson.h>
#include <string.h>

static json_t *face__common(sim *s, const sim_event *ev, const char *type, const char *when)
{
    return json_pack("{s:s, s:i, s:s, s:s, s:i, s:s, s:i, s:s, s:s, s:s, s:s}", "ipAddress",
                     s->cfg.listen_addr, "portNo", s->cfg.port, "protocol", "HTTP", "macAddress",
                     s->cfg.mac, "channelID", ev->channel, "dateTime", when, "activePostCount",
                     ev->post_count, "eventType", type, "eventState", ev->state, "eventDescription",
                     type, "channelName", "Camera 01");
}

static json_t *face__rect(void)
{
    return json_pack("{s:f, s:f, s:f, s:f}", "height", 0.18, "width", 0.10, "x", 0.45, "y", 0.22);
}

static json_t *face__match(const sim_event *ev)
{
    double score = (ev->similarity > 0 ? ev->similarity : 90) / 100.0;
    json_t *candidates = json_array();
    if (ev->name[0]) {
        bool block = strcmp(ev->list, "block") == 0;
        json_array_append_new(candidates,
                              json_pack("{s:s, s:f, s:{s:s, s:s, s:s}}", "human_id", "1",
                                        "similarity", score, "reserve_field", "name", ev->name,
                                        "FDLibName", block ? "blockList" : "allowList", "listType",
                                        block ? "blockList" : "allowList"));
    }
    json_t *identify = json_pack("[{s:f, s:o}]", "maxsimilarity", ev->name[0] ? score : 0.0,
                                 "candidate", candidates);
    return json_pack("{s:i, s:s, s:o, s:o}", "faceId", 1, "pId", "faceImage1", "faceRect",
                     face__rect(), "identify", identify);
}

static json_t *face__capture(void)
{
    return json_pack("{s:i, s:s, s:o, s:{s:s}, s:{s:i, s:s}, s:{s:s}, s:{s:s}}", "faceId", 1, "pId",
                     "faceImage1", "faceRect", face__rect(), "gender", "value", "male", "age",
                     "value", 35, "ageGroup", "middle", "glass", "value", "no", "mask", "value",
                     "no");
}

json_t *sim_payload_face_json(sim *s, const sim_event *ev, const char *type, const char *when,
                              bool capture)
{
    json_t *doc = face__common(s, ev, type, when);
    if (!doc)
        return NULL;
    json_t *face = capture ? face__capture() : face__match(ev);
    json_t *entry =
        json_pack("{s:{s:i, s:s, s:s}, s:[o]}", "targetAttrs", "deviceChannel", ev->channel,
                  "faceTime", when, "bkgUrlPId", "backgroundImage1", "faces", face);
    json_object_set_new(doc, type, json_pack("[o]", entry));
    return doc;
}
