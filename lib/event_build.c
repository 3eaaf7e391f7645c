/* event_build.c: where each EventNotificationAlert field lives, once.
 *
 * The XML (SAX) and JSON parsers both feed this machine with local element
 * names, so namespaces never matter and both formats share the same field
 * rules. Context is tracked with depths rather than a name stack: an element
 * is a field of the event only at the place devices put it (common fields
 * directly under the alert, serialNumber under Extensions, regionID under
 * DetectionRegionEntry, direction under ANPR...), so a nested block that
 * reuses a name (an ipAddress inside some sub-structure) cannot overwrite
 * the event's own. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "event_build.h"

enum field {
    F_NONE = 0,
    /* containers */
    F_EXTENSIONS,
    F_REGION_ENTRY,
    F_TARGET_RECT,
    F_ANPR,
    F_VEHICLE_INFO,
    /* leaves directly under the alert */
    F_IP,
    F_IPV6,
    F_PORT,
    F_PROTOCOL,
    F_MAC,
    F_CHANNEL,
    F_DYN_CHANNEL,
    F_DATE_TIME,
    F_POST_COUNT,
    F_TYPE,
    F_STATE,
    F_DESCRIPTION,
    F_CHANNEL_NAME,
    F_TARGET_TYPE,
    F_RETRANSMISSION,
    F_UUID,
    F_DEVICE_ID,
    /* leaves under Extensions (or the alert) */
    F_SERIAL,
    /* leaves under DetectionRegionEntry / TargetRect */
    F_REGION_ID,
    F_SENSITIVITY,
    F_DETECTION_TARGET,
    F_RECT_X,
    F_RECT_Y,
    F_RECT_W,
    F_RECT_H,
    /* ANPR */
    F_PLATE,
    F_DIRECTION,
    F_CONFIDENCE,
    F_LIST_NAME,
    F_VEHICLE_TYPE,
    /* anywhere in the alert */
    F_IO_PORT,
    F_DYN_IO_PORT,
    F_RELATION_EVENT,
};

/* Element name to field: switch on the length, then on one character
 * that tells the names of that length apart, then one fixed-size compare
 * (inlined by the compiler). Every element of every alert passes here, so
 * this replaces a table scan with a handful of branches. */
#define PICK(lit, f) return memcmp(name, lit, sizeof(lit) - 1) == 0 ? (f) : F_NONE

/* Names of 1 to 10 bytes. */
static enum field build__lookup_short(const char *name, size_t len)
{
    switch (len) {
    case 1:
        switch (name[0]) {
        case 'X':
            PICK("X", F_RECT_X);
        case 'Y':
            PICK("Y", F_RECT_Y);
        }
        return F_NONE;
    case 4:
        switch (name[0]) {
        case 'A':
            PICK("ANPR", F_ANPR);
        case 'U':
            PICK("UUID", F_UUID);
        }
        return F_NONE;
    case 5:
        PICK("width", F_RECT_W);
    case 6:
        switch (name[0]) {
        case 'h':
            PICK("height", F_RECT_H);
        case 'p':
            PICK("portNo", F_PORT);
        }
        return F_NONE;
    case 8:
        switch (name[2]) {
        case 'g':
            PICK("regionID", F_REGION_ID);
        case 'o':
            PICK("protocol", F_PROTOCOL);
        case 't':
            PICK("dateTime", F_DATE_TIME);
        case 'v':
            PICK("deviceID", F_DEVICE_ID);
        }
        return F_NONE;
    case 9:
        switch (name[0]) {
        case 'c':
            PICK("channelID", F_CHANNEL);
        case 'd':
            PICK("direction", F_DIRECTION);
        case 'e':
            PICK("eventType", F_TYPE);
        case 'i':
            PICK("ipAddress", F_IP);
        }
        return F_NONE;
    case 10:
        switch (name[0]) {
        case 'E':
            PICK("Extensions", F_EXTENSIONS);
        case 'T':
            PICK("TargetRect", F_TARGET_RECT);
        case 'e':
            PICK("eventState", F_STATE);
        case 'm':
            PICK("macAddress", F_MAC);
        case 't':
            PICK("targetType", F_TARGET_TYPE);
        }
        return F_NONE;
    }
    return F_NONE;
}

/* Names of 11 to 20 bytes. */
static enum field build__lookup_long(const char *name, size_t len)
{
    switch (len) {
    case 11:
        switch (name[7]) {
        case 'I':
            PICK("vehicleInfo", F_VEHICLE_INFO);
        case 'N':
            PICK("channelName", F_CHANNEL_NAME);
        case 'T':
            PICK("vehicleType", F_VEHICLE_TYPE);
        case 'r':
            PICK("ipv6Address", F_IPV6);
        }
        return F_NONE;
    case 12:
        switch (name[0]) {
        case 'd':
            PICK("dynChannelID", F_DYN_CHANNEL);
        case 'l':
            PICK("licensePlate", F_PLATE);
        case 'p':
            PICK("protocolType", F_PROTOCOL);
        case 's':
            PICK("serialNumber", F_SERIAL);
        }
        return F_NONE;
    case 13:
        switch (name[0]) {
        case 'i':
            PICK("inputIOPortID", F_IO_PORT);
        case 'r':
            PICK("relationEvent", F_RELATION_EVENT);
        }
        return F_NONE;
    case 15:
        switch (name[0]) {
        case 'a':
            PICK("activePostCount", F_POST_COUNT);
        case 'c':
            PICK("confidenceLevel", F_CONFIDENCE);
        case 'd':
            PICK("detectionTarget", F_DETECTION_TARGET);
        case 'v':
            PICK("vehicleListName", F_LIST_NAME);
        }
        return F_NONE;
    case 16:
        switch (name[0]) {
        case 'd':
            PICK("dynInputIOPortID", F_DYN_IO_PORT);
        case 'e':
            PICK("eventDescription", F_DESCRIPTION);
        case 's':
            PICK("sensitivityLevel", F_SENSITIVITY);
        }
        return F_NONE;
    case 20:
        switch (name[0]) {
        case 'D':
            PICK("DetectionRegionEntry", F_REGION_ENTRY);
        case 'i':
            PICK("isDataRetransmission", F_RETRANSMISSION);
        }
        return F_NONE;
    }
    return F_NONE;
}

#undef PICK

static enum field build__lookup(const char *name, size_t len)
{
    return len <= 10 ? build__lookup_short(name, len) : build__lookup_long(name, len);
}

void event_build__set_str(hik_event *ev, char *dst, size_t cap, const char *src, size_t len)
{
    if (len >= cap) {
        len = cap - 1;
        /* Never leave half a UTF-8 sequence: back up to a lead byte. */
        while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
            len--;
        ev->truncated = true;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}

#define SET_STR(ev, field, s, n) event_build__set_str(ev, (ev)->field, sizeof((ev)->field), s, n)

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

void event_build__set_mac(hik_event *ev, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    char digits[12];
    size_t n = 0;
    bool ok = true;
    for (size_t i = 0; i < len && ok; i++) {
        char c = s[i];
        if (c == ':' || c == '-' || c == '.')
            continue;
        int v = hexval((unsigned char)c);
        if (v < 0 || n == 12)
            ok = false;
        else
            digits[n++] = hex[v];
    }
    if (!ok || n != 12) {
        /* Not a MAC we understand: keep it as sent, lower-cased. */
        SET_STR(ev, mac, s, len);
        for (char *p = ev->mac; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p + 32);
        return;
    }
    char *o = ev->mac;
    for (int i = 0; i < 6; i++) {
        if (i)
            *o++ = ':';
        *o++ = digits[2 * i];
        *o++ = digits[2 * i + 1];
    }
    *o = '\0';
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's method). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Reads exactly n digits at *p. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

int64_t event_build__parse_time(const char *s)
{
    int y, mo, d, h, mi, sec = 0, ms = 0;
    const char *p = s;
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
        return 0;
    p++;
    if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
        return 0;
    if (*p == ':' && (p++, !digits(&p, 2, &sec)))
        return 0;
    if (*p == '.' || *p == ',') {
        p++;
        int scale = 100;
        while (*p >= '0' && *p <= '9') {
            ms += (*p - '0') * scale;
            scale /= 10;
            p++;
        }
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || sec > 60)
        return 0;
    int offset_min = 0;
    if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
        if (!digits(&p, 2, &oh))
            return 0;
        if (*p == ':')
            p++;
        if (*p >= '0' && *p <= '9' && !digits(&p, 2, &om))
            return 0;
        offset_min = sign * (oh * 60 + om);
    } else if (*p == 'Z' || *p == 'z') {
        p++;
    }
    int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    t -= (int64_t)offset_min * 60;
    return t * 1000 + ms;
}

static int parse_int(const char *s)
{
    long v = strtol(s, NULL, 10);
    if (v > 1000000000L)
        return 1000000000;
    if (v < -1000000000L)
        return -1000000000;
    return (int)v;
}

void event_build__begin(event_build *b, hik_event *ev)
{
    b->ev = ev;
    b->ev_depth = b->depth;
    b->ext_depth = b->anpr_depth = b->region_depth = b->rect_depth = 0;
    b->region = NULL;
    b->field = F_NONE;
}

/* Is a leaf with this field id a field of the event at this place? */
static bool build__in_place(const event_build *b, enum field f)
{
    int rel = b->depth - b->ev_depth;
    if (f >= F_IP && f <= F_DEVICE_ID)
        return rel == 1;
    if (f == F_SERIAL)
        return rel == 1 || b->ext_depth;
    if (f >= F_REGION_ID && f <= F_DETECTION_TARGET)
        return b->region != NULL && !b->rect_depth;
    if (f >= F_RECT_X && f <= F_RECT_H)
        return b->region != NULL && b->rect_depth;
    if (f == F_PLATE || f == F_LIST_NAME)
        return !b->region_depth;
    if (f >= F_DIRECTION && f <= F_VEHICLE_TYPE)
        return b->anpr_depth != 0;
    return f >= F_IO_PORT;
}

static void build__open_container(event_build *b, enum field f)
{
    hik_event *ev = b->ev;
    switch (f) {
    case F_EXTENSIONS:
        if (!b->ext_depth)
            b->ext_depth = b->depth;
        break;
    case F_ANPR:
    case F_VEHICLE_INFO:
        if (!b->anpr_depth)
            b->anpr_depth = b->depth;
        break;
    case F_REGION_ENTRY:
        if (b->region_depth)
            break;
        b->region_depth = b->depth;
        b->region = NULL;
        if (ev->n_regions < HIK_EVENT_MAX_REGIONS) {
            b->region = &ev->regions[ev->n_regions++];
            memset(b->region, 0, sizeof(*b->region));
            b->region->sensitivity = -1;
        }
        break;
    case F_TARGET_RECT:
        if (b->region && !b->rect_depth) {
            b->rect_depth = b->depth;
            b->region->has_rect = true;
        }
        break;
    default:
        break;
    }
}

void event_build__start(event_build *b, const char *name, size_t name_len)
{
    b->depth++;
    if (!b->ev || b->depth <= b->ev_depth)
        return;
    enum field f = build__lookup(name, name_len);
    if (f == F_NONE)
        return;
    if (f < F_IP) {
        build__open_container(b, f);
        return;
    }
    if (!build__in_place(b, f))
        return;
    b->field = f;
    b->field_depth = b->depth;
    b->text_len = 0;
    b->text_over = false;
}

void event_build__text(event_build *b, const char *s, size_t len)
{
    if (!b->field || b->depth != b->field_depth)
        return;
    size_t room = sizeof(b->text) - 1 - b->text_len;
    if (len > room) {
        len = room;
        b->text_over = true;
    }
    memcpy(b->text + b->text_len, s, len);
    b->text_len += len;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A TargetRect coordinate. strtof also reads "nan" and "inf", which are no
 * fraction of the frame and have no JSON form, so they count as 0. */
static float build__coord(const char *t)
{
    float v = strtof(t, NULL);
    return isfinite(v) ? v : 0.0f;
}

static void build__apply_region(event_build *b, enum field f, const char *t)
{
    hik_region *r = b->region;
    switch (f) {
    case F_REGION_ID:
        r->id = parse_int(t);
        break;
    case F_SENSITIVITY:
        /* devices use 0..100; anything else is treated as not stated */
        r->sensitivity = *t ? parse_int(t) : -1;
        if (r->sensitivity < 0 || r->sensitivity > 100)
            r->sensitivity = -1;
        break;
    case F_DETECTION_TARGET:
        r->target = hik_target_from_str(t);
        break;
    case F_RECT_X:
        r->rect_x = build__coord(t);
        break;
    case F_RECT_Y:
        r->rect_y = build__coord(t);
        break;
    case F_RECT_W:
        r->rect_w = build__coord(t);
        break;
    default:
        r->rect_h = build__coord(t);
        break;
    }
}

static void build__apply_str(event_build *b, enum field f, const char *t, size_t n)
{
    hik_event *ev = b->ev;
    switch (f) {
    case F_IP:
        SET_STR(ev, ip_address, t, n);
        break;
    case F_IPV6:
        SET_STR(ev, ipv6_address, t, n);
        break;
    case F_PROTOCOL:
        SET_STR(ev, protocol, t, n);
        break;
    case F_MAC:
        event_build__set_mac(ev, t, n);
        break;
    case F_DATE_TIME:
        SET_STR(ev, date_time, t, n);
        ev->time_ms = event_build__parse_time(t);
        break;
    case F_TYPE:
        SET_STR(ev, type_raw, t, n);
        break;
    case F_DESCRIPTION:
        SET_STR(ev, description, t, n);
        break;
    case F_CHANNEL_NAME:
        SET_STR(ev, channel_name, t, n);
        break;
    case F_UUID:
        SET_STR(ev, uuid, t, n);
        break;
    case F_DEVICE_ID:
        if (!ev->serial[0])
            SET_STR(ev, serial, t, n);
        break;
    case F_SERIAL:
        SET_STR(ev, serial, t, n);
        break;
    case F_PLATE:
        SET_STR(ev, plate, t, n);
        break;
    case F_DIRECTION:
        SET_STR(ev, direction_raw, t, n);
        break;
    case F_LIST_NAME:
        SET_STR(ev, list_raw, t, n);
        break;
    case F_VEHICLE_TYPE:
        SET_STR(ev, vehicle_type, t, n);
        break;
    case F_RELATION_EVENT:
        SET_STR(ev, relation_event, t, n);
        break;
    default:
        break;
    }
}

static void build__apply(event_build *b, enum field f, const char *t, size_t n)
{
    hik_event *ev = b->ev;
    switch (f) {
    case F_PORT:
        ev->port = parse_int(t);
        return;
    case F_CHANNEL:
        ev->channel = parse_int(t);
        return;
    case F_DYN_CHANNEL:
        ev->dyn_channel = parse_int(t);
        return;
    case F_POST_COUNT:
        ev->active_post_count = parse_int(t);
        return;
    case F_STATE:
        ev->state = strcasecmp(t, "active") == 0     ? HIK_STATE_ACTIVE
                    : strcasecmp(t, "inactive") == 0 ? HIK_STATE_INACTIVE
                                                     : HIK_STATE_UNKNOWN;
        return;
    case F_TARGET_TYPE:
        ev->target = hik_target_from_str(t);
        return;
    case F_RETRANSMISSION:
        ev->retransmission = strcasecmp(t, "true") == 0 || strcmp(t, "1") == 0;
        return;
    case F_CONFIDENCE:
        ev->confidence = *t ? parse_int(t) : -1;
        return;
    case F_IO_PORT:
        ev->io_port = parse_int(t);
        return;
    case F_DYN_IO_PORT:
        if (!ev->io_port)
            ev->io_port = parse_int(t);
        return;
    default:
        break;
    }
    if (f >= F_REGION_ID && f <= F_RECT_H)
        build__apply_region(b, f, t);
    else
        build__apply_str(b, f, t, n);
}

static void build__close_field(event_build *b)
{
    enum field f = (enum field)b->field;
    b->field = F_NONE;
    char *t = b->text;
    size_t n = b->text_len;
    while (n && is_space(t[n - 1]))
        n--;
    while (n && is_space(*t)) {
        t++;
        n--;
    }
    t[n] = '\0';
    if (b->text_over)
        b->ev->truncated = true;
    build__apply(b, f, t, n);
}

void event_build__end(event_build *b)
{
    if (b->ev) {
        if (b->field && b->depth == b->field_depth)
            build__close_field(b);
        if (b->depth == b->rect_depth)
            b->rect_depth = 0;
        if (b->depth == b->region_depth) {
            b->region_depth = 0;
            b->region = NULL;
        }
        if (b->depth == b->anpr_depth)
            b->anpr_depth = 0;
        if (b->depth == b->ext_depth)
            b->ext_depth = 0;
    }
    b->depth--;
}

static hik_direction build__direction(const char *raw, const hik_parse_opts *opts)
{
    bool swap = opts && opts->anpr_reverse_direction;
    if (strcasecmp(raw, "forward") == 0)
        return swap ? HIK_DIR_OUTGOING : HIK_DIR_INCOMING;
    if (strcasecmp(raw, "reverse") == 0)
        return swap ? HIK_DIR_INCOMING : HIK_DIR_OUTGOING;
    return HIK_DIR_UNKNOWN;
}

void event_build__finish(event_build *b)
{
    hik_event *ev = b->ev;
    if (!ev)
        return;
    ev->kind = hik_event_kind_from_type(ev->type_raw, ev->description);
    if (!ev->channel)
        ev->channel = ev->dyn_channel;
    ev->heartbeat = ev->kind == HIK_EV_HEARTBEAT ||
                    (ev->kind == HIK_EV_VIDEO_LOSS && ev->state == HIK_STATE_INACTIVE &&
                     ev->active_post_count == 0);
    ev->direction = build__direction(ev->direction_raw, b->opts);
    ev->list = hik_plate_list_from_str(ev->list_raw);
    b->ev = NULL;
    b->field = F_NONE;
    b->region = NULL;
}
