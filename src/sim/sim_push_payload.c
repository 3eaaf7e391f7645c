/* sim_push_payload.c: the exact bytes devices POST to an alarm server.
 *
 * XML EventNotificationAlert (ver20 namespace, version 2.0, CRLF line
 * ends, field order as in captures) for the classic events; JSON for the
 * DeepinView face events; multipart/form-data when pictures travel along,
 * with the part names devices use (MoveDetection.xml + VMDImage,
 * linedetection + lineCrossImage, anpr.xml + licensePlatePicture.jpg...).
 * ANPR always carries pictures, as ANPR cameras do. Values that no
 * capture shows (face listType strings, the names of some picture parts)
 * follow the pattern of the known ones. */
#include "sim.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAYLOAD_MAX (2 * 1024 * 1024)
#define BOUNDARY "MIME_boundary"

typedef enum shape {
    SHAPE_PLAIN,
    SHAPE_LINE, /* DetectionRegionList with a 2-point line */
    SHAPE_AREA, /* DetectionRegionList with a polygon */
    SHAPE_IO,
    SHAPE_ANPR,
    SHAPE_FACE_MATCH,
    SHAPE_FACE_CAPTURE,
    SHAPE_RAW,
} shape;

typedef struct kind_info {
    const char *kind, *type, *desc, *xml_part, *image_part, *trigger;
    shape shape;
} kind_info;

static const kind_info payload__kinds[] = {
    {"motion", "VMD", "Motion alarm", "MoveDetection.xml", "VMDImage", "VMD", SHAPE_PLAIN},
    {"intrusion", "fielddetection", "fielddetection alarm", "fielddetection", "intrusionImage",
     "fielddetection", SHAPE_AREA},
    {"line_crossing", "linedetection", "linedetection alarm", "linedetection", "lineCrossImage",
     "linedetection", SHAPE_LINE},
    {"region_entrance", "regionEntrance", "regionEntrance alarm", "regionEntrance",
     "regionEntranceImage", "regionEntrance", SHAPE_AREA},
    {"region_exiting", "regionExiting", "regionExiting alarm", "regionExiting",
     "regionExitingImage", "regionExiting", SHAPE_AREA},
    {"tamper", "tamperdetection", "Shelter Alarm", "tamperdetection", "tamperImage", "tamper",
     SHAPE_PLAIN},
    {"video_loss", "videoloss", "videoloss alarm", "videoloss", "videolossImage", NULL,
     SHAPE_PLAIN},
    {"io_alarm", "IO", "IO alarm", "IO", "IOImage", "IO", SHAPE_IO},
    {"pir", "PIR", "PIR alarm", "PIR", "PIRImage", NULL, SHAPE_PLAIN},
    {"anpr", "ANPR", "ANPR", "anpr.xml", NULL, NULL, SHAPE_ANPR},
    {"face_recognition", "alarmResult", "alarmResult", "alarmResult", NULL, NULL, SHAPE_FACE_MATCH},
    {"face_capture", "faceCapture", "faceCapture", "faceCapture", NULL, NULL, SHAPE_FACE_CAPTURE},
    {"raw", "raw", "", NULL, NULL, NULL, SHAPE_RAW},
};

static const kind_info *payload__kind(const char *kind)
{
    for (size_t i = 0; i < sizeof(payload__kinds) / sizeof(payload__kinds[0]); i++) {
        if (strcmp(payload__kinds[i].kind, kind) == 0)
            return &payload__kinds[i];
    }
    return NULL;
}

bool sim_payload_kind_known(const char *kind)
{
    return payload__kind(kind) != NULL;
}

bool sim_payload_trigger_id(const sim_event *ev, char *out, size_t len)
{
    const kind_info *k = payload__kind(ev->kind);
    if (!k || !k->trigger)
        return false;
    if (k->shape == SHAPE_IO)
        snprintf(out, len, "IO-1");
    else
        snprintf(out, len, "%s-%d", k->trigger, ev->channel);
    return true;
}

/* ISO 8601 local time with a +hh:mm offset, as devices write dateTime. */
static void payload__now(char *out, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char zone[8];
    strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
    strftime(zone, sizeof(zone), "%z", &tm);
    size_t n = strlen(out);
    snprintf(out + n, len - n, "%.3s:%.2s", zone, zone + 3);
}

static void payload__alert_head(sim *s, const sim_event *ev, const kind_info *k, sim_buf *b)
{
    char when[40];
    payload__now(when, sizeof(when));
    sim_xml_begin(b, "EventNotificationAlert");
    sim_buf_elem(b, "ipAddress", s->cfg.listen_addr);
    sim_buf_elemf(b, "portNo", "%d", s->cfg.port);
    sim_buf_elem(b, "protocol", "HTTP");
    sim_buf_elem(b, "macAddress", s->cfg.mac);
    sim_buf_elemf(b, "channelID", "%d", ev->channel);
    sim_buf_elem(b, "dateTime", when);
    sim_buf_elemf(b, "activePostCount", "%d", ev->post_count);
    sim_buf_elem(b, "eventType", k->type);
    sim_buf_elem(b, "eventState", ev->state);
    sim_buf_elem(b, "eventDescription", k->desc);
}

static void payload__region(const sim_event *ev, const kind_info *k, sim_buf *b)
{
    static const int line[2][2] = {{424, 642}, {161, 610}};
    static const int area[4][2] = {{250, 300}, {250, 800}, {750, 800}, {750, 300}};
    int n = k->shape == SHAPE_LINE ? 2 : 4;
    sim_buf_str(b, "<DetectionRegionList>\r\n<DetectionRegionEntry>\r\n");
    sim_buf_elemf(b, "regionID", "%d", ev->region_id);
    sim_buf_elem(b, "sensitivityLevel", "50");
    sim_buf_str(b, "<RegionCoordinatesList>\r\n");
    for (int i = 0; i < n; i++) {
        const int *p = k->shape == SHAPE_LINE ? line[i] : area[i];
        sim_buf_printf(b,
                       "<RegionCoordinates>\r\n<positionX>%d</positionX>\r\n"
                       "<positionY>%d</positionY>\r\n</RegionCoordinates>\r\n",
                       p[0], p[1]);
    }
    sim_buf_str(b, "</RegionCoordinatesList>\r\n");
    sim_buf_elem(b, "detectionTarget", ev->target[0] ? ev->target : "human");
    sim_buf_str(b, "<TargetRect>\r\n<X>0.312</X>\r\n<Y>0.406</Y>\r\n<width>0.094</width>\r\n"
                   "<height>0.250</height>\r\n</TargetRect>\r\n");
    sim_buf_str(b, "</DetectionRegionEntry>\r\n</DetectionRegionList>\r\n");
}

static const char *payload__list_name(const char *list)
{
    if (strcmp(list, "allow") == 0)
        return "allowList";
    if (strcmp(list, "block") == 0)
        return "blockList";
    return "otherList";
}

static void payload__anpr(const sim_event *ev, sim_buf *b)
{
    const char *dir = strcmp(ev->direction, "incoming") == 0   ? "forward"
                      : strcmp(ev->direction, "outgoing") == 0 ? "reverse"
                                                               : "unknown";
    sim_buf_str(b, "<ANPR>\r\n");
    sim_buf_elem(b, "country", "");
    sim_buf_elem(b, "licensePlate", ev->plate[0] ? ev->plate : "unknown");
    sim_buf_elem(b, "line", "1");
    sim_buf_elem(b, "direction", dir);
    sim_buf_elem(b, "confidenceLevel", ev->plate[0] ? "97" : "0");
    sim_buf_elem(b, "plateType", "unknown");
    sim_buf_elem(b, "plateColor", "white");
    sim_buf_elem(b, "licenseBright", "0");
    sim_buf_elem(b, "vehicleType", "vehicle");
    sim_buf_elem(b, "detectDir", "8");
    sim_buf_elem(b, "detectType", "0");
    sim_buf_elem(b, "alarmDataType", "0");
    sim_buf_str(b, "<pictureInfoList>\r\n");
    static const char *const pics[] = {"licensePlatePicture", "detectionPicture"};
    for (int i = 0; i < 2; i++) {
        sim_buf_str(b, "<pictureInfo>\r\n");
        sim_buf_elemf(b, "fileName", "%s.jpg", pics[i]);
        sim_buf_elem(b, "type", pics[i]);
        sim_buf_elem(b, "dataType", "0");
        sim_buf_str(b, "</pictureInfo>\r\n");
    }
    sim_buf_str(b, "</pictureInfoList>\r\n");
    sim_buf_elem(b, "vehicleListName", payload__list_name(ev->list));
    sim_buf_str(b, "</ANPR>\r\n");
}

static void payload__alert_xml(sim *s, const sim_event *ev, const kind_info *k, sim_buf *b)
{
    payload__alert_head(s, ev, k, b);
    if (k->shape == SHAPE_IO)
        sim_buf_elemf(b, "inputIOPortID", "%d", ev->region_id);
    if (k->shape == SHAPE_LINE || k->shape == SHAPE_AREA)
        payload__region(ev, k, b);
    sim_buf_elemf(b, "channelName", "Camera %02d", ev->channel);
    if (strcmp(k->kind, "motion") == 0 && ev->target[0])
        sim_buf_elem(b, "targetType", ev->target);
    if (k->shape == SHAPE_ANPR) {
        payload__anpr(ev, b);
        sim_buf_printf(b, "<UUID>%08x-0000-4000-8000-%012x</UUID>\r\n", (unsigned)time(NULL),
                       (unsigned)ev->post_count);
        sim_buf_elem(b, "picNum", "2");
    }
    sim_buf_str(b, "</EventNotificationAlert>\r\n");
}

static void payload__part(sim_buf *b, const char *name, const char *filename, const char *ct,
                          const char *content_id, const void *data, size_t len)
{
    sim_buf_str(b, "--" BOUNDARY "\r\n");
    sim_buf_printf(b, "Content-Disposition: form-data; name=\"%s\"", name);
    if (filename)
        sim_buf_printf(b, "; filename=\"%s\"", filename);
    sim_buf_printf(b, "\r\nContent-Type: %s\r\nContent-Length: %zu\r\n", ct, len);
    if (content_id)
        sim_buf_printf(b, "Content-ID: %s\r\n", content_id);
    sim_buf_str(b, "\r\n");
    sim_buf_add(b, data, len);
    sim_buf_str(b, "\r\n");
}

static void payload__image(sim_buf *b, const char *name, const char *filename,
                           const char *content_id)
{
    size_t len;
    const unsigned char *jpg = sim_jpeg(&len);
    payload__part(b, name, filename, "image/jpeg", content_id, jpg, len);
}

static void payload__xml(sim *s, const sim_event *ev, const kind_info *k, sim_payload *out)
{
    bool multipart = ev->pictures || k->shape == SHAPE_ANPR;
    if (!multipart) {
        snprintf(out->content_type, sizeof(out->content_type), "application/xml");
        payload__alert_xml(s, ev, k, &out->body);
        return;
    }
    sim_buf alert;
    sim_buf_init(&alert, PAYLOAD_MAX);
    payload__alert_xml(s, ev, k, &alert);
    snprintf(out->content_type, sizeof(out->content_type),
             "multipart/form-data; boundary=" BOUNDARY);
    payload__part(&out->body, k->xml_part, k->xml_part, "application/xml", NULL,
                  alert.data ? alert.data : "", alert.len);
    if (alert.err)
        out->body.err = alert.err;
    sim_buf_free(&alert);
    if (k->shape == SHAPE_ANPR) {
        payload__image(&out->body, "licensePlatePicture.jpg", "licensePlatePicture.jpg", NULL);
        payload__image(&out->body, "detectionPicture.jpg", "detectionPicture.jpg", NULL);
    } else {
        char file[64];
        snprintf(file, sizeof(file), "%s.jpg", k->image_part);
        payload__image(&out->body, k->image_part, file, NULL);
    }
    sim_buf_str(&out->body, "--" BOUNDARY "--\r\n");
}

static void payload__face(sim *s, const sim_event *ev, const kind_info *k, sim_payload *out)
{
    char when[40];
    payload__now(when, sizeof(when));
    json_t *doc = sim_payload_face_json(s, ev, k->type, when, k->shape == SHAPE_FACE_CAPTURE);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text) {
        out->body.err = HIK_ERR_NOMEM;
        return;
    }
    if (!ev->pictures) {
        snprintf(out->content_type, sizeof(out->content_type), "application/json");
        sim_buf_str(&out->body, text);
    } else {
        snprintf(out->content_type, sizeof(out->content_type),
                 "multipart/form-data; boundary=" BOUNDARY);
        payload__part(&out->body, k->xml_part, NULL, "application/json", NULL, text, strlen(text));
        payload__image(&out->body, "faceImage", "faceImage.jpg", "faceImage1");
        payload__image(&out->body, "backgroundImage", "backgroundImage.jpg", "backgroundImage1");
        sim_buf_str(&out->body, "--" BOUNDARY "--\r\n");
    }
    free(text);
}

hik_err sim_payload_build(sim *s, const sim_event *ev, sim_payload *out)
{
    const kind_info *k = payload__kind(ev->kind);
    if (!k)
        return HIK_ERR_INVALID;
    sim_buf_init(&out->body, PAYLOAD_MAX);
    snprintf(out->event_type, sizeof(out->event_type), "%s", k->type);
    switch (k->shape) {
    case SHAPE_RAW:
        snprintf(out->content_type, sizeof(out->content_type), "%s", ev->raw_content_type);
        sim_buf_add(&out->body, ev->raw_body ? ev->raw_body : "", ev->raw_len);
        break;
    case SHAPE_FACE_MATCH:
    case SHAPE_FACE_CAPTURE:
        payload__face(s, ev, k, out);
        break;
    default:
        payload__xml(s, ev, k, out);
    }
    return sim_buf_err(&out->body);
}

void sim_push_test_alert(sim *s, sim_buf *out)
{
    /* what a camera sends when it has nothing to report: the videoloss
     * heartbeat of the alertStream captures */
    sim_event ev = {.kind = "video_loss", .channel = 1, .state = "inactive", .post_count = 0};
    payload__alert_xml(s, &ev, payload__kind("video_loss"), out);
}
