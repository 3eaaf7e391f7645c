/* test_event_parse_xml.c: the XML alert parser against every variant
 * PROTOCOL.md lists: namespaces, line ends, bare '&', field spellings,
 * channel forms, every eventType, ANPR, IO, duration, several alerts per
 * document, and hostile input (malformed, oversize, entities). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hik/event_parse.h"

#define NS_V20 "http://www.hikvision.com/ver20/XMLSchema"

static char doc_buf[16384];

/* An alert with the given xmlns (NULL: none) and body elements. */
static const char *alert_doc(const char *ns, const char *version, const char *body)
{
    char attrs[256] = "";
    if (version)
        snprintf(attrs, sizeof(attrs), " version=\"%s\"", version);
    if (ns)
        snprintf(attrs + strlen(attrs), sizeof(attrs) - strlen(attrs), " xmlns=\"%s\"", ns);
    snprintf(doc_buf, sizeof(doc_buf), "<EventNotificationAlert%s>%s</EventNotificationAlert>",
             attrs, body);
    return doc_buf;
}

static hik_err parse(const char *doc, const hik_parse_opts *opts, hik_event *ev, size_t max,
                     size_t *n, hik_parse_diag *diag)
{
    return hik_event_parse_xml((const uint8_t *)doc, strlen(doc), opts, ev, max, n, diag);
}

/* Parses doc expecting exactly one event. */
static void parse_one(const char *doc, const hik_parse_opts *opts, hik_event *ev)
{
    size_t n = 99;
    hik_parse_diag diag;
    hik_err err = parse(doc, opts, ev, 1, &n, &diag);
    if (err)
        fail_msg("parse failed: %s (%s)", hik_err_name(err), diag.message);
    assert_int_equal(n, 1);
}

#define COMMON                                                                                     \
    "<ipAddress>192.0.2.64</ipAddress><portNo>8080</portNo><protocol>HTTP</protocol>"              \
    "<macAddress>44:19:B6:01:02:03</macAddress><channelID>3</channelID>"                           \
    "<dateTime>2023-05-01T10:00:00+02:00</dateTime><activePostCount>2</activePostCount>"

static void test_namespaces(void **state)
{
    static const struct {
        const char *ns, *version;
    } variants[] = {
        {NS_V20, "1.0"},
        {NS_V20, "2.0"},
        {"http://www.isapi.org/ver20/XMLSchema", "2.0"},
        {"http://www.hikvision.com/ver10/XMLSchema", "1.0"},
        {"urn:psialliance-org", "1.0"},
        {"http://www.std-cgi.com/ver20/XMLSchema", "2.0"},
        {NULL, NULL},
    };
    for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
        hik_event ev;
        parse_one(alert_doc(variants[i].ns, variants[i].version,
                            COMMON "<eventType>VMD</eventType><eventState>active</eventState>"),
                  NULL, &ev);
        assert_int_equal(ev.kind, HIK_EV_MOTION);
        assert_int_equal(ev.state, HIK_STATE_ACTIVE);
        assert_int_equal(ev.channel, 3);
        assert_int_equal(ev.port, 8080);
        assert_string_equal(ev.ip_address, "192.0.2.64");
        assert_string_equal(ev.mac, "44:19:b6:01:02:03");
        assert_int_equal(ev.format, HIK_FMT_XML);
    }
    /* A prefixed namespace is matched by local name too. */
    hik_event ev;
    parse_one("<hik:EventNotificationAlert xmlns:hik=\"" NS_V20 "\"><hik:eventType>PIR"
              "</hik:eventType><hik:channelID>2</hik:channelID></hik:EventNotificationAlert>",
              NULL, &ev);
    assert_int_equal(ev.kind, HIK_EV_PIR);
    assert_int_equal(ev.channel, 2);
}

static void test_crlf_and_declaration(void **state)
{
    hik_event ev;
    parse_one(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<EventNotificationAlert version=\"2.0\""
        " xmlns=\"" NS_V20 "\">\r\n<channelID>1</channelID>\r\n<eventType>VMD"
        "</eventType>\r\n<eventState>\r\n  inactive\r\n</eventState>\r\n"
        "<eventDescription>Motion alarm</eventDescription>\r\n</EventNotificationAlert>\r\n",
        NULL, &ev);
    assert_int_equal(ev.state, HIK_STATE_INACTIVE);
    assert_string_equal(ev.description, "Motion alarm");
}

static void test_bare_ampersand(void **state)
{
    hik_event ev;
    const char *doc = alert_doc(NS_V20, "2.0",
                                "<channelID>1</channelID><channelName>R&D Lab & Co</channelName>"
                                "<eventType>VMD</eventType><eventDescription>a &amp; b"
                                "</eventDescription>");
    parse_one(doc, NULL, &ev);
    assert_string_equal(ev.channel_name, "R&D Lab & Co");
    assert_string_equal(ev.description, "a & b");
    /* raw is the caller's document, not the escaped copy. */
    assert_ptr_equal(ev.raw, doc);
    assert_int_equal(ev.raw_len, strlen(doc));
}

static void test_latin1_bytes_in_a_utf8_document(void **state)
{
    /* "Caméra" written in Latin-1 (0xE9) by firmware that declares UTF-8;
     * valid UTF-8 next to it ("ü" as C3 BC) stays as it is. */
    hik_event ev;
    const char *doc = alert_doc(NS_V20, "2.0",
                                "<channelID>1</channelID><channelName>Cam\xe9ra T\xc3\xbcr"
                                "</channelName><eventType>VMD</eventType>");
    parse_one(doc, NULL, &ev);
    assert_int_equal(ev.kind, HIK_EV_MOTION);
    assert_string_equal(ev.channel_name, "Cam\xc3\xa9ra T\xc3\xbcr");
    assert_ptr_equal(ev.raw, doc);
}

static void test_sensitivity_out_of_range_is_not_stated(void **state)
{
    hik_event ev;
    parse_one(alert_doc(NS_V20, "2.0",
                        "<eventType>fielddetection</eventType><DetectionRegionList>"
                        "<DetectionRegionEntry><regionID>1</regionID><sensitivityLevel>-50"
                        "</sensitivityLevel></DetectionRegionEntry><DetectionRegionEntry>"
                        "<regionID>2</regionID><sensitivityLevel>70</sensitivityLevel>"
                        "</DetectionRegionEntry></DetectionRegionList>"),
              NULL, &ev);
    assert_int_equal(ev.n_regions, 2);
    assert_int_equal(ev.regions[0].sensitivity, -1);
    assert_int_equal(ev.regions[1].sensitivity, 70);
}

static void test_protocol_spellings(void **state)
{
    hik_event ev;
    parse_one(alert_doc(NS_V20, "2.0",
                        "<protocolType>HTTPS</protocolType><eventType>IO"
                        "</eventType>"),
              NULL, &ev);
    assert_string_equal(ev.protocol, "HTTPS");
    parse_one(alert_doc(NS_V20, "2.0", "<protocol>HTTP</protocol><eventType>IO</eventType>"), NULL,
              &ev);
    assert_string_equal(ev.protocol, "HTTP");
}

static void test_channel_forms(void **state)
{
    hik_event ev;
    parse_one(alert_doc(NS_V20, "2.0", "<eventType>VMD</eventType>"), NULL, &ev);
    assert_int_equal(ev.channel, 0);
    assert_int_equal(ev.dyn_channel, 0);

    parse_one(alert_doc(NS_V20, "2.0", "<channelID></channelID><eventType>VMD</eventType>"), NULL,
              &ev);
    assert_int_equal(ev.channel, 0);

    parse_one(alert_doc(NS_V20, "1.0",
                        "<channelID/><dynChannelID>34</dynChannelID><eventType>VMD"
                        "</eventType>"),
              NULL, &ev);
    assert_int_equal(ev.channel, 34);
    assert_int_equal(ev.dyn_channel, 34);

    parse_one(alert_doc(NS_V20, "1.0", "<dynChannelID>5</dynChannelID><eventType>VMD</eventType>"),
              NULL, &ev);
    assert_int_equal(ev.channel, 5);

    parse_one(alert_doc(NS_V20, "1.0",
                        "<channelID>33</channelID><dynChannelID>1</dynChannelID>"
                        "<eventType>VMD</eventType>"),
              NULL, &ev);
    assert_int_equal(ev.channel, 33);
    assert_int_equal(ev.dyn_channel, 1);
}

static void test_every_event_type(void **state)
{
    static const struct {
        const char *type, *desc;
        hik_event_kind kind;
    } table[] = {
        {"VMD", "Motion alarm", HIK_EV_MOTION},
        {"linedetection", NULL, HIK_EV_LINE_CROSSING},
        {"fielddetection", NULL, HIK_EV_INTRUSION},
        {"regionEntrance", NULL, HIK_EV_REGION_ENTRANCE},
        {"regionExiting", NULL, HIK_EV_REGION_EXITING},
        {"regionExit", NULL, HIK_EV_REGION_EXITING},
        {"ANPR", NULL, HIK_EV_ANPR},
        {"faceSnapMatch", NULL, HIK_EV_FACE_RECOGNITION},
        {"alarmResult", NULL, HIK_EV_FACE_RECOGNITION},
        {"faceCapture", NULL, HIK_EV_FACE_CAPTURE},
        {"faceSnap", NULL, HIK_EV_FACE_CAPTURE},
        {"tamperdetection", NULL, HIK_EV_TAMPER},
        {"shelteralarm", NULL, HIK_EV_TAMPER},
        {"videoloss", NULL, HIK_EV_VIDEO_LOSS},
        {"IO", NULL, HIK_EV_IO_ALARM},
        {"PIR", NULL, HIK_EV_PIR},
        {"duration", NULL, HIK_EV_DURATION},
        {"audioexception", NULL, HIK_EV_AUDIO_EXCEPTION},
        {"diskfull", NULL, HIK_EV_DISK_FULL},
        {"diskerror", NULL, HIK_EV_DISK_ERROR},
        {"nicbroken", NULL, HIK_EV_NIC_BROKEN},
        {"ipconflict", NULL, HIK_EV_IP_CONFLICT},
        {"illaccess", NULL, HIK_EV_ILLEGAL_ACCESS},
        {"illegalAccess", NULL, HIK_EV_ILLEGAL_ACCESS},
        {"heartBeat", NULL, HIK_EV_HEARTBEAT},
        {"other", "Heartbeat", HIK_EV_HEARTBEAT},
        {"other", "something else", HIK_EV_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        char body[256];
        snprintf(body, sizeof(body),
                 "<eventType>%s</eventType><eventState>active</eventState>"
                 "<eventDescription>%s</eventDescription><activePostCount>1</activePostCount>",
                 table[i].type, table[i].desc ? table[i].desc : "");
        hik_event ev;
        parse_one(alert_doc(NS_V20, "2.0", body), NULL, &ev);
        if (ev.kind != table[i].kind)
            fail_msg("eventType %s: kind %s", table[i].type, hik_event_kind_name(ev.kind));
        assert_string_equal(ev.type_raw, table[i].type);
        assert_int_equal(ev.heartbeat, table[i].kind == HIK_EV_HEARTBEAT);
    }
}

static void test_heartbeat(void **state)
{
    hik_event ev;
    parse_one(alert_doc(NS_V20, "2.0",
                        "<activePostCount>0</activePostCount><eventType>videoloss"
                        "</eventType><eventState>inactive</eventState>"),
              NULL, &ev);
    assert_int_equal(ev.kind, HIK_EV_VIDEO_LOSS);
    assert_true(ev.heartbeat);
    parse_one(alert_doc(NS_V20, "1.0",
                        "<activePostCount>3</activePostCount><eventType>videoloss"
                        "</eventType><eventState>active</eventState>"),
              NULL, &ev);
    assert_false(ev.heartbeat);
    parse_one(alert_doc(NS_V20, "1.0",
                        "<activePostCount>0</activePostCount><eventType>VMD"
                        "</eventType><eventState>inactive</eventState>"),
              NULL, &ev);
    assert_false(ev.heartbeat);
}

static void test_unknown_type_kept(void **state)
{
    hik_event ev;
    const char *doc = alert_doc(NS_V20, "2.0",
                                "<eventType>thermometry</eventType>"
                                "<eventState>active</eventState>");
    parse_one(doc, NULL, &ev);
    assert_int_equal(ev.kind, HIK_EV_UNKNOWN);
    assert_string_equal(ev.type_raw, "thermometry");
    assert_ptr_equal(ev.raw, doc);
    /* An alert without any eventType is kept as unknown too. */
    parse_one(alert_doc(NS_V20, "2.0", "<channelID>1</channelID>"), NULL, &ev);
    assert_int_equal(ev.kind, HIK_EV_UNKNOWN);
    assert_string_equal(ev.type_raw, "");
}

static void test_common_fields(void **state)
{
    hik_event ev;
    parse_one(alert_doc("urn:psialliance-org", "2.0",
                        "<ipAddress>10.0.0.5</ipAddress><ipv6Address>2001:db8::5</ipv6Address>"
                        "<portNo>80</portNo><macAddress>44-19-B6-AA-BB-CC</macAddress>"
                        "<channelID>1</channelID><dateTime>2023-05-01T08:00:00.125Z</dateTime>"
                        "<activePostCount>9</activePostCount><eventType>VMD</eventType>"
                        "<eventState>active</eventState><eventDescription>Motion alarm"
                        "</eventDescription><channelName>Yard</channelName>"
                        "<targetType>human</targetType><isDataRetransmission>true"
                        "</isDataRetransmission><detectionPictureTransType>binary"
                        "</detectionPictureTransType><detectionPicturesNumber>1"
                        "</detectionPicturesNumber><Extensions><serialNumber>SN123"
                        "</serialNumber></Extensions>"),
              NULL, &ev);
    assert_string_equal(ev.ipv6_address, "2001:db8::5");
    assert_string_equal(ev.mac, "44:19:b6:aa:bb:cc");
    assert_int_equal(ev.time_ms, 1682928000125LL);
    assert_int_equal(ev.active_post_count, 9);
    assert_string_equal(ev.channel_name, "Yard");
    assert_int_equal(ev.target, HIK_TARGET_HUMAN);
    assert_true(ev.retransmission);
    assert_string_equal(ev.serial, "SN123");
    assert_int_equal(ev.confidence, -1);
}

static void test_mac_forms(void **state)
{
    static const struct {
        const char *in, *out;
    } macs[] = {
        {"FF:FF:FF:FF:FF:FF", "ff:ff:ff:ff:ff:ff"},
        {"00:00:00:00:00:00", "00:00:00:00:00:00"},
        {"4419b6010203", "44:19:b6:01:02:03"},
        {"4419.b601.0203", "44:19:b6:01:02:03"},
        {"not-a-MAC", "not-a-mac"},
    };
    for (size_t i = 0; i < sizeof(macs) / sizeof(macs[0]); i++) {
        char body[128];
        snprintf(body, sizeof(body), "<macAddress>%s</macAddress><eventType>VMD</eventType>",
                 macs[i].in);
        hik_event ev;
        parse_one(alert_doc(NS_V20, "2.0", body), NULL, &ev);
        assert_string_equal(ev.mac, macs[i].out);
    }
}

static void test_time_forms(void **state)
{
    static const struct {
        const char *in;
        int64_t ms;
    } times[] = {
        {"2021-07-02T14:25:36+08:00", 1625207136000LL},
        {"2021-07-02T06:25:36Z", 1625207136000LL},
        {"2021-07-02T06:25:36", 1625207136000LL},
        {"2021-07-02T01:25:36-0500", 1625207136000LL},
        {"2021-07-02T14:25:36.5+08:00", 1625207136500LL},
        {"yesterday", 0},
    };
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        char body[128];
        snprintf(body, sizeof(body), "<dateTime>%s</dateTime><eventType>VMD</eventType>",
                 times[i].in);
        hik_event ev;
        parse_one(alert_doc(NS_V20, "2.0", body), NULL, &ev);
        assert_string_equal(ev.date_time, times[i].in);
        assert_int_equal(ev.time_ms, times[i].ms);
    }
}

static void test_regions(void **state)
{
    hik_event ev;
    parse_one(alert_doc(NS_V20, "2.0",
                        "<eventType>fielddetection</eventType><DetectionRegionList>"
                        "<DetectionRegionEntry><regionID>2</regionID><sensitivityLevel>60"
                        "</sensitivityLevel><RegionCoordinatesList><RegionCoordinates><positionX>1"
                        "</positionX><positionY>2</positionY></RegionCoordinates>"
                        "</RegionCoordinatesList><detectionTarget>vehicle</detectionTarget>"
                        "<TargetRect><X>0.25</X><Y>0.5</Y><width>0.125</width><height>0.75"
                        "</height></TargetRect></DetectionRegionEntry><DetectionRegionEntry>"
                        "<regionID>4</regionID><detectionTarget>human</detectionTarget>"
                        "</DetectionRegionEntry></DetectionRegionList>"),
              NULL, &ev);
    assert_int_equal(ev.kind, HIK_EV_INTRUSION);
    assert_int_equal(ev.n_regions, 2);
    assert_int_equal(ev.regions[0].id, 2);
    assert_int_equal(ev.regions[0].sensitivity, 60);
    assert_int_equal(ev.regions[0].target, HIK_TARGET_VEHICLE);
    assert_true(ev.regions[0].has_rect);
    assert_float_equal(ev.regions[0].rect_x, 0.25, 1e-6);
    assert_float_equal(ev.regions[0].rect_y, 0.5, 1e-6);
    assert_float_equal(ev.regions[0].rect_w, 0.125, 1e-6);
    assert_float_equal(ev.regions[0].rect_h, 0.75, 1e-6);
    assert_int_equal(ev.regions[1].id, 4);
    assert_int_equal(ev.regions[1].sensitivity, -1);
    assert_int_equal(ev.regions[1].target, HIK_TARGET_HUMAN);
    assert_false(ev.regions[1].has_rect);
}

/* strtof reads "nan" and "inf", which are no fraction and have no JSON
 * form: such a coordinate is kept as 0. Found by fuzzing. */
static void test_region_rect_not_finite(void **state)
{
    hik_event ev;
    parse_one(alert_doc(NS_V20, "2.0",
                        "<eventType>fielddetection</eventType><DetectionRegionList>"
                        "<DetectionRegionEntry><regionID>1</regionID><TargetRect><X>nan</X>"
                        "<Y>-inf</Y><width>1e999</width><height>0.5</height></TargetRect>"
                        "</DetectionRegionEntry></DetectionRegionList>"),
              NULL, &ev);
    assert_int_equal(ev.n_regions, 1);
    assert_true(ev.regions[0].has_rect);
    /* == rather than assert_float_equal, which lets a NaN pass. */
    assert_true(ev.regions[0].rect_x == 0.0f);
    assert_true(ev.regions[0].rect_y == 0.0f);
    assert_true(ev.regions[0].rect_w == 0.0f);
    assert_float_equal(ev.regions[0].rect_h, 0.5, 1e-6);
}

static void test_regions_capped(void **state)
{
    char body[8192] = "<eventType>linedetection</eventType><DetectionRegionList>";
    for (int i = 1; i <= 20; i++)
        snprintf(body + strlen(body), sizeof(body) - strlen(body),
                 "<DetectionRegionEntry><regionID>%d</regionID></DetectionRegionEntry>", i);
    strcat(body, "</DetectionRegionList><channelID>6</channelID>");
    hik_event ev;
    parse_one(alert_doc(NS_V20, "2.0", body), NULL, &ev);
    assert_int_equal(ev.n_regions, HIK_EVENT_MAX_REGIONS);
    assert_int_equal(ev.regions[HIK_EVENT_MAX_REGIONS - 1].id, HIK_EVENT_MAX_REGIONS);
    assert_int_equal(ev.channel, 6);
}

static void test_nested_names_do_not_leak(void **state)
{
    hik_event ev;
    parse_one(alert_doc(NS_V20, "2.0",
                        "<ipAddress>192.0.2.1</ipAddress><eventType>VMD</eventType>"
                        "<Other><ipAddress>203.0.113.9</ipAddress><eventType>IO</eventType>"
                        "<regionID>7</regionID></Other>"),
              NULL, &ev);
    assert_string_equal(ev.ip_address, "192.0.2.1");
    assert_int_equal(ev.kind, HIK_EV_MOTION);
    assert_int_equal(ev.n_regions, 0);
}

static char *read_data(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/events/%s", HIK_TEST_DATA_DIR, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[65536];
    *len = fread(buf, 1, sizeof(buf) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void test_anpr(void **state)
{
    size_t len;
    const char *doc = read_data("anpr.xml", &len);
    hik_event ev;
    parse_one(doc, NULL, &ev);
    assert_int_equal(ev.kind, HIK_EV_ANPR);
    assert_string_equal(ev.plate, "AB123CD");
    assert_string_equal(ev.direction_raw, "forward");
    assert_int_equal(ev.direction, HIK_DIR_INCOMING);
    assert_int_equal(ev.confidence, 97);
    assert_string_equal(ev.list_raw, "allowList");
    assert_int_equal(ev.list, HIK_LIST_ALLOW);
    assert_string_equal(ev.vehicle_type, "vehicle");
    assert_string_equal(ev.uuid, "0f0e0d0c-0000-1111-2222-333344445555");
    assert_string_equal(ev.mac, "44:19:b6:0d:0e:0f");
    assert_false(ev.retransmission);

    hik_parse_opts leaving = {.anpr_reverse_direction = true};
    parse_one(doc, &leaving, &ev);
    assert_int_equal(ev.direction, HIK_DIR_OUTGOING);
}

static void test_anpr_lists_and_directions(void **state)
{
    static const struct {
        const char *list;
        hik_plate_list expect;
    } lists[] = {
        {"allowList", HIK_LIST_ALLOW}, {"whiteList", HIK_LIST_ALLOW}, {"blockList", HIK_LIST_BLOCK},
        {"blackList", HIK_LIST_BLOCK}, {"otherList", HIK_LIST_OTHER}, {"", HIK_LIST_NONE},
    };
    static const struct {
        const char *dir;
        hik_direction normal, reversed;
    } dirs[] = {
        {"forward", HIK_DIR_INCOMING, HIK_DIR_OUTGOING},
        {"reverse", HIK_DIR_OUTGOING, HIK_DIR_INCOMING},
        {"unknown", HIK_DIR_UNKNOWN, HIK_DIR_UNKNOWN},
    };
    for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
        for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
            char body[512];
            snprintf(body, sizeof(body),
                     "<eventType>ANPR</eventType><ANPR><licensePlate>unknown</licensePlate>"
                     "<direction>%s</direction><vehicleListName>%s</vehicleListName>"
                     "<vehicleInfo><vehicleType>SUV</vehicleType></vehicleInfo></ANPR>",
                     dirs[d].dir, lists[l].list);
            hik_event ev;
            hik_parse_opts rev = {.anpr_reverse_direction = true};
            parse_one(alert_doc(NS_V20, "2.0", body), NULL, &ev);
            assert_int_equal(ev.list, lists[l].expect);
            assert_int_equal(ev.direction, dirs[d].normal);
            assert_string_equal(ev.plate, "unknown");
            assert_string_equal(ev.vehicle_type, "SUV");
            parse_one(alert_doc(NS_V20, "2.0", body), &rev, &ev);
            assert_int_equal(ev.direction, dirs[d].reversed);
        }
}

static void test_io_and_duration(void **state)
{
    hik_event ev;
    parse_one(alert_doc(NS_V20, "2.0",
                        "<eventType>IO</eventType><inputIOPortID>2"
                        "</inputIOPortID>"),
              NULL, &ev);
    assert_int_equal(ev.kind, HIK_EV_IO_ALARM);
    assert_int_equal(ev.io_port, 2);
    parse_one(alert_doc("http://www.isapi.org/ver20/XMLSchema", "2.0",
                        "<eventType>IO</eventType><dynInputIOPortID>9</dynInputIOPortID>"),
              NULL, &ev);
    assert_int_equal(ev.io_port, 9);
    parse_one(alert_doc(NS_V20, "2.0",
                        "<eventType>duration</eventType><eventState>active</eventState>"
                        "<DurationList><Duration><relationEvent>linedetection</relationEvent>"
                        "</Duration></DurationList>"),
              NULL, &ev);
    assert_int_equal(ev.kind, HIK_EV_DURATION);
    assert_string_equal(ev.relation_event, "linedetection");
}

static void test_several_alerts(void **state)
{
    hik_event ev[4];
    size_t n;
    /* Inside a container root. */
    const char *wrapped = "<EventNotificationAlertList><EventNotificationAlert><channelID>1"
                          "</channelID><eventType>VMD</eventType></EventNotificationAlert>"
                          "<EventNotificationAlert><channelID>2</channelID><eventType>IO"
                          "</eventType></EventNotificationAlert></EventNotificationAlertList>";
    assert_int_equal(parse(wrapped, NULL, ev, 4, &n, NULL), HIK_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ev[0].kind, HIK_EV_MOTION);
    assert_int_equal(ev[0].channel, 1);
    assert_int_equal(ev[1].kind, HIK_EV_IO_ALARM);
    assert_int_equal(ev[1].channel, 2);

    /* Back to back, each with its own declaration and a bare '&'. */
    const char *siblings = "<?xml version=\"1.0\"?>\r\n<EventNotificationAlert xmlns=\"" NS_V20
                           "\"><eventType>VMD</eventType><channelName>A&B</channelName>"
                           "</EventNotificationAlert>\r\n<?xml version=\"1.0\"?>\r\n"
                           "<EventNotificationAlert><eventType>PIR</eventType>"
                           "</EventNotificationAlert>\r\n";
    assert_int_equal(parse(siblings, NULL, ev, 4, &n, NULL), HIK_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ev[0].kind, HIK_EV_MOTION);
    assert_string_equal(ev[0].channel_name, "A&B");
    assert_int_equal(ev[1].kind, HIK_EV_PIR);

    /* More alerts than room: the first max_out are kept. */
    assert_int_equal(parse(wrapped, NULL, ev, 1, &n, NULL), HIK_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ev[0].channel, 1);
}

static void test_other_root_alert(void **state)
{
    hik_event ev;
    parse_one("<faceSnapMatch xmlns=\"" NS_V20 "\"><channelID>4</channelID><eventType>faceSnapMatch"
              "</eventType><eventState>active</eventState></faceSnapMatch>",
              NULL, &ev);
    assert_int_equal(ev.kind, HIK_EV_FACE_RECOGNITION);
    assert_int_equal(ev.channel, 4);
}

static void test_not_an_alert(void **state)
{
    hik_event ev;
    size_t n = 7;
    hik_parse_diag diag;
    const char *doc = "<ResponseStatus xmlns=\"" NS_V20 "\"><statusCode>1</statusCode>"
                      "</ResponseStatus>";
    assert_int_equal(parse(doc, NULL, &ev, 1, &n, &diag), HIK_ERR_UNSUPPORTED);
    assert_int_equal(n, 0);
    assert_non_null(strstr(diag.message, "EventNotificationAlert"));
}

static void test_malformed(void **state)
{
    static const char *bad[] = {
        "<EventNotificationAlert><eventType>VMD</eventType>",
        "<EventNotificationAlert><eventType>VMD</eventTyp></EventNotificationAlert>",
        "",
        "not xml at all",
        "<EventNotificationAlert><eventType>VMD</eventType></EventNotificationAlert><a>",
        "\xff\xfe<\x00",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        hik_event ev;
        size_t n = 7;
        hik_parse_diag diag;
        hik_err err = parse(bad[i], NULL, &ev, 1, &n, &diag);
        if (err != HIK_ERR_PARSE)
            fail_msg("case %zu: %s", i, hik_err_name(err));
        assert_int_equal(n, 0);
        assert_true(strlen(diag.message) > 0);
    }
    hik_parse_diag diag;
    hik_event ev;
    size_t n;
    parse("<EventNotificationAlert>\n<a></b></EventNotificationAlert>", NULL, &ev, 1, &n, &diag);
    assert_non_null(strstr(diag.message, "malformed XML"));
    assert_non_null(strstr(diag.message, "line 2"));
}

static void test_oversize(void **state)
{
    size_t len = HIK_EVENT_MAX_DOC + 1;
    char *doc = malloc(len);
    assert_non_null(doc);
    memset(doc, ' ', len);
    memcpy(doc, "<EventNotificationAlert>", 24);
    hik_event ev;
    size_t n;
    hik_parse_diag diag;
    assert_int_equal(hik_event_parse_xml((const uint8_t *)doc, len, NULL, &ev, 1, &n, &diag),
                     HIK_ERR_TOO_BIG);
    assert_non_null(strstr(diag.message, "limit"));
    free(doc);
}

static void test_entities_never_expanded(void **state)
{
    static const char *attacks[] = {
        "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
        "<EventNotificationAlert><eventType>VMD</eventType><channelName>&e;</channelName>"
        "</EventNotificationAlert>",
        "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">"
        "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\">]><EventNotificationAlert><eventType>VMD"
        "</eventType><eventDescription>&c;</eventDescription></EventNotificationAlert>",
        "<!DOCTYPE x SYSTEM \"http://127.0.0.1:9/x.dtd\"><EventNotificationAlert>"
        "<eventType>VMD</eventType></EventNotificationAlert>",
        "<EventNotificationAlert><eventType>VMD</eventType><channelName>&e;</channelName>"
        "</EventNotificationAlert>",
    };
    for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
        hik_event ev;
        memset(&ev, 0, sizeof(ev));
        size_t n = 7;
        hik_parse_diag diag;
        hik_err err = parse(attacks[i], NULL, &ev, 1, &n, &diag);
        assert_int_not_equal(err, HIK_OK);
        assert_int_equal(n, 0);
        assert_null(strstr(ev.channel_name, "root"));
        assert_null(strstr(ev.description, "aaaa"));
    }
}

static void test_truncation(void **state)
{
    char body[1024], desc[300];
    memset(desc, 'd', 200);
    desc[200] = '\0';
    snprintf(body, sizeof(body),
             "<eventType>VMD</eventType><eventDescription>%s"
             "</eventDescription>",
             desc);
    hik_event ev;
    parse_one(alert_doc(NS_V20, "2.0", body), NULL, &ev);
    assert_true(ev.truncated);
    assert_int_equal(strlen(ev.description), sizeof(ev.description) - 1);

    /* Cut on a UTF-8 boundary: 40 x "é" is 80 bytes for a 64-byte field. */
    char name[128] = "";
    for (int i = 0; i < 40; i++)
        strcat(name, "\xc3\xa9");
    snprintf(body, sizeof(body), "<eventType>VMD</eventType><channelName>%s</channelName>", name);
    parse_one(alert_doc(NS_V20, "2.0", body), NULL, &ev);
    assert_true(ev.truncated);
    assert_int_equal(strlen(ev.channel_name), 62);
    assert_int_equal((unsigned char)ev.channel_name[61], 0xa9);

    parse_one(alert_doc(NS_V20, "2.0", "<eventType>VMD</eventType>"), NULL, &ev);
    assert_false(ev.truncated);
}

static void test_invalid_arguments(void **state)
{
    hik_event ev;
    size_t n;
    assert_int_equal(hik_event_parse_xml(NULL, 0, NULL, &ev, 1, &n, NULL), HIK_ERR_INVALID);
    assert_int_equal(hik_event_parse_xml((const uint8_t *)"<a/>", 4, NULL, &ev, 0, &n, NULL),
                     HIK_ERR_INVALID);
}

static void *thread_parse(void *arg)
{
    const char *doc = "<EventNotificationAlert xmlns=\"" NS_V20 "\"><channelID>8</channelID>"
                      "<eventType>VMD</eventType></EventNotificationAlert>";
    for (int i = 0; i < 2000; i++) {
        hik_event ev;
        size_t n;
        if (hik_event_parse_xml((const uint8_t *)doc, strlen(doc), NULL, &ev, 1, &n, NULL) ||
            ev.channel != 8)
            return (void *)1;
    }
    return NULL;
}

static void test_threads(void **state)
{
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&t[i], NULL, thread_parse, NULL), 0);
    for (int i = 0; i < 3; i++) {
        void *rc;
        pthread_join(t[i], &rc);
        assert_null(rc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_namespaces),
        cmocka_unit_test(test_crlf_and_declaration),
        cmocka_unit_test(test_bare_ampersand),
        cmocka_unit_test(test_latin1_bytes_in_a_utf8_document),
        cmocka_unit_test(test_sensitivity_out_of_range_is_not_stated),
        cmocka_unit_test(test_protocol_spellings),
        cmocka_unit_test(test_channel_forms),
        cmocka_unit_test(test_every_event_type),
        cmocka_unit_test(test_heartbeat),
        cmocka_unit_test(test_unknown_type_kept),
        cmocka_unit_test(test_common_fields),
        cmocka_unit_test(test_mac_forms),
        cmocka_unit_test(test_time_forms),
        cmocka_unit_test(test_regions),
        cmocka_unit_test(test_region_rect_not_finite),
        cmocka_unit_test(test_regions_capped),
        cmocka_unit_test(test_nested_names_do_not_leak),
        cmocka_unit_test(test_anpr),
        cmocka_unit_test(test_anpr_lists_and_directions),
        cmocka_unit_test(test_io_and_duration),
        cmocka_unit_test(test_several_alerts),
        cmocka_unit_test(test_other_root_alert),
        cmocka_unit_test(test_not_an_alert),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_entities_never_expanded),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
