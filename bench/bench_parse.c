/* bench_parse.c: events/s of the event parsers on real-looking payloads.
 *
 * Parses a fixed set of documents (a camera VMD alert with Extensions, an
 * NVR videoloss, a line crossing with a region, a DeepinView face JSON, a
 * multipart ANPR push with a small JPEG) a bounded number of times on one
 * thread and prints the rate. It prints, never asserts: timing belongs to
 * docs/BENCHMARKS.md, not to the test suite.
 *
 * Usage: bench_parse [iterations]   (default 200000, capped at 10000000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hik/event_parse.h"

static const char xml_vmd[] =
    "<EventNotificationAlert version=\"2.0\" "
    "xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\r\n"
    "<ipAddress>192.0.2.64</ipAddress>\r\n<portNo>80</portNo>\r\n<protocol>HTTP</protocol>\r\n"
    "<macAddress>44:19:b6:01:02:03</macAddress>\r\n<channelID>1</channelID>\r\n"
    "<dateTime>2021-07-02T14:27:59+08:00</dateTime>\r\n<activePostCount>7</activePostCount>\r\n"
    "<eventType>VMD</eventType>\r\n<eventState>active</eventState>\r\n"
    "<eventDescription>Motion alarm</eventDescription>\r\n<channelName>Gate</channelName>\r\n"
    "<Extensions version=\"1.0\" xmlns=\"urn:psialliance-org\">\r\n"
    "<serialNumber "
    "xmlns=\"urn:selfextension:psiaext-ver10-xsd\">DS-2CD2185FWD-I20180101AAWR111111111</"
    "serialNumber>\r\n"
    "<eventPush "
    "xmlns=\"urn:selfextension:psiaext-ver10-xsd\">IO&amp;&amp;DS-2CD2185FWD-"
    "I20180101AAWR111111111,2021-07-02T14:27:59+08:00,1.0</eventPush>\r\n"
    "</Extensions>\r\n</EventNotificationAlert>\r\n";

static const char xml_nvr[] =
    "<EventNotificationAlert version=\"1.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\n"
    "<ipAddress>192.0.2.10</ipAddress>\n<portNo>80</portNo>\n<protocol>HTTP</protocol>\n"
    "<macAddress>ff:ff:ff:ff:ff:ff</macAddress>\n<dynChannelID>16</dynChannelID>\n"
    "<dateTime>2021-07-02T15:30:56+10:00</dateTime>\n<activePostCount>1</activePostCount>\n"
    "<eventType>videoloss</eventType>\n<eventState>active</eventState>\n"
    "<eventDescription>videoloss alarm</eventDescription>\n</EventNotificationAlert>\n";

static const char xml_line[] =
    "<EventNotificationAlert version=\"2.0\" "
    "xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\r\n"
    "<ipAddress>192.0.2.64</ipAddress>\r\n<portNo>80</portNo>\r\n<protocol>HTTP</protocol>\r\n"
    "<macAddress>44:19:b6:01:02:03</macAddress>\r\n<channelID>1</channelID>\r\n"
    "<dateTime>2021-07-02T14:27:59+08:00</dateTime>\r\n<activePostCount>1</activePostCount>\r\n"
    "<eventType>linedetection</eventType>\r\n<eventState>active</eventState>\r\n"
    "<eventDescription>linedetection alarm</eventDescription>\r\n<DetectionRegionList>\r\n"
    "<DetectionRegionEntry>\r\n<regionID>1</regionID>\r\n<sensitivityLevel>50</"
    "sensitivityLevel>\r\n"
    "<RegionCoordinatesList>\r\n<RegionCoordinates>\r\n<positionX>424</positionX>\r\n"
    "<positionY>642</positionY>\r\n</RegionCoordinates>\r\n<RegionCoordinates>\r\n"
    "<positionX>161</positionX>\r\n<positionY>610</positionY>\r\n</RegionCoordinates>\r\n"
    "</RegionCoordinatesList>\r\n<detectionTarget>human</detectionTarget>\r\n"
    "<TargetRect>\r\n<X>0.1</X>\r\n<Y>0.2</Y>\r\n<width>0.3</width>\r\n<height>0.4</height>\r\n"
    "</TargetRect>\r\n</DetectionRegionEntry>\r\n</DetectionRegionList>\r\n"
    "<channelName></channelName>\r\n</EventNotificationAlert>\r\n";

static const char json_face[] =
    "{\"ipAddress\":\"192.0.2.70\",\"portNo\":80,\"protocol\":\"HTTP\","
    "\"macAddress\":\"44:19:b6:0a:0b:0c\",\"channelID\":1,"
    "\"dateTime\":\"2023-05-01T10:00:00+02:00\",\"activePostCount\":1,"
    "\"eventType\":\"alarmResult\",\"eventState\":\"active\",\"eventDescription\":\"faceContrast\","
    "\"alarmResult\":[{\"faces\":[{\"identify\":[{\"candidate\":["
    "{\"reserve_field\":{\"name\":\"Alice\"},\"similarity\":0.83,\"listType\":\"blackFD\","
    "\"FDLibName\":\"staff\"},"
    "{\"reserve_field\":{\"name\":\"Bob\"},\"similarity\":0.91,\"listType\":\"blackFD\","
    "\"FDLibName\":\"staff\"}]}]}]}]}";

static char multipart[8192];
static size_t multipart_len;

static void build_multipart(void)
{
    static const char alert[] =
        "<EventNotificationAlert version=\"2.0\" xmlns=\"http://www.isapi.org/ver20/XMLSchema\">"
        "<ipAddress>192.0.2.80</ipAddress><portNo>80</portNo><protocol>HTTP</protocol>"
        "<macAddress>44:19:b6:0d:0e:0f</macAddress><channelID>1</channelID>"
        "<dateTime>2023-05-01T10:00:00+02:00</dateTime><activePostCount>1</activePostCount>"
        "<eventType>ANPR</eventType><eventState>active</eventState>"
        "<eventDescription>ANPR</eventDescription><ANPR><licensePlate>AB123CD</licensePlate>"
        "<direction>forward</direction><confidenceLevel>97</confidenceLevel>"
        "<vehicleListName>allowList</vehicleListName><vehicleType>vehicle</vehicleType></ANPR>"
        "<UUID>0f0e0d0c-0000-1111-2222-333344445555</UUID></EventNotificationAlert>";
    size_t o = 0;
    o += (size_t)snprintf(multipart + o, sizeof(multipart) - o,
                          "--bench\r\nContent-Disposition: form-data; name=\"anpr.xml\"; "
                          "filename=\"anpr.xml\"\r\nContent-Type: application/xml\r\n"
                          "Content-Length: %zu\r\n\r\n%s\r\n",
                          sizeof(alert) - 1, alert);
    o += (size_t)snprintf(
        multipart + o, sizeof(multipart) - o,
        "--bench\r\nContent-Disposition: form-data; "
        "name=\"licensePlatePicture.jpg\"; filename=\"licensePlatePicture.jpg\"\r\n"
        "Content-Type: image/jpeg\r\nContent-Length: 4096\r\n\r\n");
    multipart[o] = (char)0xFF;
    multipart[o + 1] = (char)0xD8;
    memset(multipart + o + 2, 0x55, 4094);
    o += 4096;
    o += (size_t)snprintf(multipart + o, sizeof(multipart) - o, "\r\n--bench--\r\n");
    multipart_len = o;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct payload {
    const char *name;
    const char *content_type;
    const char *data;
    size_t len;
} payload;

static int run(const payload *p, long iters)
{
    static hik_event ev[4];
    size_t n;
    hik_parse_diag diag;
    double t0 = now_s();
    for (long i = 0; i < iters; i++) {
        hik_err err = hik_event_parse_body(p->content_type, (const uint8_t *)p->data, p->len, NULL,
                                           ev, 4, &n, &diag);
        if (err || n != 1) {
            fprintf(stderr, "%s: parse failed: %s %s\n", p->name, hik_err_name(err), diag.message);
            return 1;
        }
    }
    double dt = now_s() - t0;
    printf("%-22s %8zu bytes  %10.0f events/s  (%ld in %.3f s)\n", p->name, p->len,
           (double)iters / dt, iters, dt);
    return 0;
}

int main(int argc, char **argv)
{
    long iters = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
    if (iters < 1)
        iters = 1;
    if (iters > 10000000)
        iters = 10000000;
    build_multipart();
    const payload set[] = {
        {"xml camera VMD", "application/xml", xml_vmd, sizeof(xml_vmd) - 1},
        {"xml nvr videoloss", "application/xml", xml_nvr, sizeof(xml_nvr) - 1},
        {"xml linedetection", "application/xml", xml_line, sizeof(xml_line) - 1},
        {"json face alarmResult", "application/json", json_face, sizeof(json_face) - 1},
        {"multipart anpr+jpeg", "multipart/form-data; boundary=bench", multipart, multipart_len},
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++)
        rc |= run(&set[i], iters);
    return rc;
}
