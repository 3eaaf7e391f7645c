/* event.h: the one canonical event that flows through hikgate.
 *
 * Every camera payload (XML EventNotificationAlert, JSON alarmResult /
 * faceCapture / JSON EventNotificationAlert, multipart/form-data with
 * pictures) is parsed once at the edge into a hik_event. Everything
 * downstream (store, rules, outputs) reads this struct only.
 *
 * The struct is fixed-size: every string and list has a hard cap, so parsing
 * never allocates per field and a hostile payload cannot grow it. Strings
 * longer than their field are truncated (on a UTF-8 boundary) and the
 * event's `truncated` flag is set. Pictures point into the caller's body
 * buffer; they are valid only as long as that buffer is. */
#ifndef HIK_EVENT_H
#define HIK_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Canonical kinds; the API names are in hik_event_kind_name(). */
typedef enum hik_event_kind {
    HIK_EV_UNKNOWN = 0,      /* "unknown": type kept in type_raw, body kept raw */
    HIK_EV_MOTION,           /* "motion": VMD */
    HIK_EV_INTRUSION,        /* "intrusion": fielddetection */
    HIK_EV_LINE_CROSSING,    /* "line_crossing": linedetection */
    HIK_EV_REGION_ENTRANCE,  /* "region_entrance": regionEntrance */
    HIK_EV_REGION_EXITING,   /* "region_exiting": regionExiting */
    HIK_EV_ANPR,             /* "anpr": ANPR */
    HIK_EV_FACE_RECOGNITION, /* "face_recognition": JSON alarmResult, XML faceSnapMatch */
    HIK_EV_FACE_CAPTURE,     /* "face_capture": faceCapture / faceSnap */
    HIK_EV_TAMPER,           /* "tamper": tamperdetection, shelteralarm */
    HIK_EV_VIDEO_LOSS,       /* "video_loss": videoloss */
    HIK_EV_IO_ALARM,         /* "io_alarm": IO */
    HIK_EV_PIR,              /* "pir": PIR */
    HIK_EV_ILLEGAL_ACCESS,   /* "illegal_access": illaccess, illegalAccess */
    HIK_EV_DEVICE_OFFLINE,   /* "device_offline": raised by hikgate itself */
    HIK_EV_DEVICE_ONLINE,    /* "device_online": raised by hikgate itself */
    HIK_EV_AUDIO_EXCEPTION,  /* "audio_exception": audioexception */
    HIK_EV_DISK_FULL,        /* "disk_full": diskfull */
    HIK_EV_DISK_ERROR,       /* "disk_error": diskerror */
    HIK_EV_NIC_BROKEN,       /* "nic_broken": nicbroken */
    HIK_EV_IP_CONFLICT,      /* "ip_conflict": ipconflict */
    HIK_EV_DURATION,         /* "duration": duration (with relationEvent) */
    HIK_EV_HEARTBEAT,        /* "heartbeat": heartBeat, other+"Heartbeat" */
    HIK_EV_UNAUTHORIZED_SOURCE, /* "unauthorized_source": raised by hikgate for a refused post */
    HIK_EV__COUNT
} hik_event_kind;

typedef enum hik_event_state {
    HIK_STATE_UNKNOWN = 0,
    HIK_STATE_ACTIVE,
    HIK_STATE_INACTIVE,
} hik_event_state;

typedef enum hik_target {
    HIK_TARGET_ANY = 0, /* not stated by the device */
    HIK_TARGET_HUMAN,
    HIK_TARGET_VEHICLE,
    HIK_TARGET_OTHER,
} hik_target;

typedef enum hik_plate_list {
    HIK_LIST_NONE = 0, /* not stated */
    HIK_LIST_ALLOW,    /* allowList, whiteList */
    HIK_LIST_BLOCK,    /* blockList, blackList */
    HIK_LIST_OTHER,    /* otherList and anything else */
} hik_plate_list;

typedef enum hik_direction {
    HIK_DIR_UNKNOWN = 0,
    HIK_DIR_INCOMING, /* ANPR "forward" by default */
    HIK_DIR_OUTGOING, /* ANPR "reverse" by default */
} hik_direction;

typedef enum hik_event_format {
    HIK_FMT_XML = 0,
    HIK_FMT_JSON,
} hik_event_format;

#define HIK_EVENT_MAX_REGIONS 8
#define HIK_EVENT_MAX_CANDIDATES 8
#define HIK_EVENT_MAX_PICTURES 8

typedef struct hik_region {
    int id;            /* regionID */
    int sensitivity;   /* sensitivityLevel, -1 when absent */
    hik_target target; /* detectionTarget */
    /* TargetRect as fractions 0..1; has_rect false when absent */
    bool has_rect;
    float rect_x, rect_y, rect_w, rect_h;
} hik_region;

typedef struct hik_face_candidate {
    char name[64];       /* reserve_field.name (or name) */
    double similarity;   /* normalised to 0..100 */
    char list_type[32];  /* listType, e.g. "blackFD" */
    char library[64];    /* FDLibName */
    char person_id[64];  /* PID / human_id when present */
} hik_face_candidate;

typedef struct hik_picture {
    char name[64];         /* part name, e.g. "licensePlatePicture.jpg" */
    char content_type[48]; /* e.g. "image/jpeg" */
    char content_id[64];   /* Content-ID when present (face pId) */
    const uint8_t *data;   /* points into the caller's body buffer */
    size_t len;
} hik_picture;

typedef struct hik_event {
    hik_event_kind kind;
    hik_event_state state;
    hik_event_format format;
    char type_raw[64];    /* eventType exactly as sent */
    char description[128];
    char date_time[40];   /* dateTime as sent (ISO 8601 with offset) */
    int64_t time_ms;      /* dateTime as Unix ms, 0 when absent/unparsable */

    /* Source identity as the device states it. */
    char ip_address[64];
    char ipv6_address[64];
    int port;             /* portNo, 0 when absent */
    char protocol[16];    /* protocol or protocolType */
    char mac[24];         /* normalised lower-case aa:bb:cc:dd:ee:ff, "" if absent */
    char serial[64];      /* Extensions/serialNumber, deviceID, or similar */
    char channel_name[64];

    int channel;          /* channelID, or dynChannelID when channelID absent; 0 = none */
    int dyn_channel;      /* dynChannelID as sent, 0 = none */
    int active_post_count;
    bool heartbeat;       /* videoloss/inactive/0, heartBeat, other+Heartbeat */
    bool retransmission;  /* isDataRetransmission */
    bool truncated;       /* some string was cut to fit its field */

    hik_target target;    /* targetType at event level (AcuSense VMD) */
    int n_regions;
    hik_region regions[HIK_EVENT_MAX_REGIONS];

    /* ANPR */
    char plate[32];           /* licensePlate as sent ("unknown" when unread) */
    hik_plate_list list;
    char list_raw[32];        /* vehicleListName as sent */
    hik_direction direction;  /* mapped with forward=incoming */
    char direction_raw[16];   /* direction as sent */
    int confidence;           /* confidenceLevel, -1 when absent */
    char vehicle_type[32];
    char uuid[64];

    /* Face recognition: every candidate of every face, best first. */
    int n_candidates;
    hik_face_candidate candidates[HIK_EVENT_MAX_CANDIDATES];

    /* IO */
    int io_port;              /* inputIOPortID or dynInputIOPortID, 0 = none */

    /* duration: relationEvent */
    char relation_event[64];

    /* The alert document itself (the XML or JSON part), pointing into the
     * caller's buffer. */
    const uint8_t *raw;
    size_t raw_len;

    int n_pictures;
    hik_picture pictures[HIK_EVENT_MAX_PICTURES];
} hik_event;

/* API name of a kind: "motion", "intrusion", ... "unknown". */
const char *hik_event_kind_name(hik_event_kind kind);
/* Reverse of hik_event_kind_name; HIK_EV__COUNT when the name is unknown. */
hik_event_kind hik_event_kind_from_name(const char *name);
/* Kind for a device's eventType string (case-insensitive where real devices
 * vary); HIK_EV_UNKNOWN when not recognised. `description` may be NULL. */
hik_event_kind hik_event_kind_from_type(const char *event_type, const char *description);

const char *hik_event_state_name(hik_event_state s); /* "active", "inactive", "unknown" */
const char *hik_target_name(hik_target t);            /* "any", "human", "vehicle", "other" */
hik_target hik_target_from_str(const char *s);        /* human/vehicle (case-insensitive) */
const char *hik_plate_list_name(hik_plate_list l);    /* "none", "allow", "block", "other" */
hik_plate_list hik_plate_list_from_str(const char *s);
const char *hik_direction_name(hik_direction d);      /* "unknown", "incoming", "outgoing" */

/* True for kinds whose events carry DetectionRegionList (region_id/target apply). */
bool hik_event_kind_has_regions(hik_event_kind kind);

/* Reset to an empty event (all zeros, confidence -1...). */
void hik_event_init(hik_event *ev);

#endif
