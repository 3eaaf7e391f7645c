/* event.c: names of the canonical event's enums and the eventType lookup.
 *
 * The eventType table is the one place where device vocabulary meets the
 * product's: every spelling seen on real devices (PROTOCOL.md section 2)
 * maps to one kind here, so parsers and the rules engine never compare
 * device strings themselves. Matching is case-insensitive because firmware
 * families disagree on case (regionExiting vs regionexiting). */
#include <string.h>
#include <strings.h>

#include "hik/event.h"

static const char *const kind_names[HIK_EV__COUNT] = {
    [HIK_EV_UNKNOWN] = "unknown",
    [HIK_EV_MOTION] = "motion",
    [HIK_EV_INTRUSION] = "intrusion",
    [HIK_EV_LINE_CROSSING] = "line_crossing",
    [HIK_EV_REGION_ENTRANCE] = "region_entrance",
    [HIK_EV_REGION_EXITING] = "region_exiting",
    [HIK_EV_ANPR] = "anpr",
    [HIK_EV_FACE_RECOGNITION] = "face_recognition",
    [HIK_EV_FACE_CAPTURE] = "face_capture",
    [HIK_EV_TAMPER] = "tamper",
    [HIK_EV_VIDEO_LOSS] = "video_loss",
    [HIK_EV_IO_ALARM] = "io_alarm",
    [HIK_EV_PIR] = "pir",
    [HIK_EV_ILLEGAL_ACCESS] = "illegal_access",
    [HIK_EV_DEVICE_OFFLINE] = "device_offline",
    [HIK_EV_DEVICE_ONLINE] = "device_online",
    [HIK_EV_AUDIO_EXCEPTION] = "audio_exception",
    [HIK_EV_DISK_FULL] = "disk_full",
    [HIK_EV_DISK_ERROR] = "disk_error",
    [HIK_EV_NIC_BROKEN] = "nic_broken",
    [HIK_EV_IP_CONFLICT] = "ip_conflict",
    [HIK_EV_DURATION] = "duration",
    [HIK_EV_HEARTBEAT] = "heartbeat",
    [HIK_EV_UNAUTHORIZED_SOURCE] = "unauthorized_source",
};

/* Device eventType spellings. "regionExit" is not sent by devices but by a
 * peer's documentation; accepting it costs nothing. */
static const struct {
    const char *type;
    hik_event_kind kind;
} type_table[] = {
    {"VMD", HIK_EV_MOTION},
    {"videoloss", HIK_EV_VIDEO_LOSS},
    {"linedetection", HIK_EV_LINE_CROSSING},
    {"fielddetection", HIK_EV_INTRUSION},
    {"regionEntrance", HIK_EV_REGION_ENTRANCE},
    {"regionExiting", HIK_EV_REGION_EXITING},
    {"regionExit", HIK_EV_REGION_EXITING},
    {"ANPR", HIK_EV_ANPR},
    {"alarmResult", HIK_EV_FACE_RECOGNITION},
    {"faceSnapMatch", HIK_EV_FACE_RECOGNITION},
    {"faceCapture", HIK_EV_FACE_CAPTURE},
    {"faceSnap", HIK_EV_FACE_CAPTURE},
    {"tamperdetection", HIK_EV_TAMPER},
    {"shelteralarm", HIK_EV_TAMPER},
    {"IO", HIK_EV_IO_ALARM},
    {"PIR", HIK_EV_PIR},
    {"duration", HIK_EV_DURATION},
    {"audioexception", HIK_EV_AUDIO_EXCEPTION},
    {"diskfull", HIK_EV_DISK_FULL},
    {"diskerror", HIK_EV_DISK_ERROR},
    {"nicbroken", HIK_EV_NIC_BROKEN},
    {"ipconflict", HIK_EV_IP_CONFLICT},
    {"illaccess", HIK_EV_ILLEGAL_ACCESS},
    {"illegalAccess", HIK_EV_ILLEGAL_ACCESS},
    {"heartBeat", HIK_EV_HEARTBEAT},
};

const char *hik_event_kind_name(hik_event_kind kind)
{
    if ((unsigned)kind >= HIK_EV__COUNT)
        return "unknown";
    return kind_names[kind];
}

hik_event_kind hik_event_kind_from_name(const char *name)
{
    if (!name)
        return HIK_EV__COUNT;
    for (int k = 0; k < HIK_EV__COUNT; k++)
        if (strcmp(kind_names[k], name) == 0)
            return (hik_event_kind)k;
    return HIK_EV__COUNT;
}

hik_event_kind hik_event_kind_from_type(const char *event_type, const char *description)
{
    if (!event_type)
        return HIK_EV_UNKNOWN;
    for (size_t i = 0; i < sizeof(type_table) / sizeof(type_table[0]); i++)
        if (strcasecmp(type_table[i].type, event_type) == 0)
            return type_table[i].kind;
    /* Some firmware sends its keep-alive as a generic "other" event. */
    if (strcasecmp(event_type, "other") == 0 && description &&
        strcasecmp(description, "Heartbeat") == 0)
        return HIK_EV_HEARTBEAT;
    return HIK_EV_UNKNOWN;
}

const char *hik_event_state_name(hik_event_state s)
{
    switch (s) {
    case HIK_STATE_ACTIVE:
        return "active";
    case HIK_STATE_INACTIVE:
        return "inactive";
    default:
        return "unknown";
    }
}

const char *hik_target_name(hik_target t)
{
    switch (t) {
    case HIK_TARGET_HUMAN:
        return "human";
    case HIK_TARGET_VEHICLE:
        return "vehicle";
    case HIK_TARGET_OTHER:
        return "other";
    default:
        return "any";
    }
}

hik_target hik_target_from_str(const char *s)
{
    if (!s || !*s || strcasecmp(s, "any") == 0)
        return HIK_TARGET_ANY;
    if (strcasecmp(s, "human") == 0)
        return HIK_TARGET_HUMAN;
    if (strcasecmp(s, "vehicle") == 0)
        return HIK_TARGET_VEHICLE;
    return HIK_TARGET_OTHER;
}

const char *hik_plate_list_name(hik_plate_list l)
{
    switch (l) {
    case HIK_LIST_ALLOW:
        return "allow";
    case HIK_LIST_BLOCK:
        return "block";
    case HIK_LIST_OTHER:
        return "other";
    default:
        return "none";
    }
}

hik_plate_list hik_plate_list_from_str(const char *s)
{
    if (!s || !*s || strcasecmp(s, "none") == 0)
        return HIK_LIST_NONE;
    if (strcasecmp(s, "allowList") == 0 || strcasecmp(s, "whiteList") == 0 ||
        strcasecmp(s, "allow") == 0)
        return HIK_LIST_ALLOW;
    if (strcasecmp(s, "blockList") == 0 || strcasecmp(s, "blackList") == 0 ||
        strcasecmp(s, "block") == 0)
        return HIK_LIST_BLOCK;
    return HIK_LIST_OTHER;
}

const char *hik_direction_name(hik_direction d)
{
    switch (d) {
    case HIK_DIR_INCOMING:
        return "incoming";
    case HIK_DIR_OUTGOING:
        return "outgoing";
    default:
        return "unknown";
    }
}

bool hik_event_kind_has_regions(hik_event_kind kind)
{
    switch (kind) {
    case HIK_EV_INTRUSION:
    case HIK_EV_LINE_CROSSING:
    case HIK_EV_REGION_ENTRANCE:
    case HIK_EV_REGION_EXITING:
        return true;
    default:
        return false;
    }
}

void hik_event_init(hik_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->confidence = -1;
}
