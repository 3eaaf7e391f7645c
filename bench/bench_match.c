/* bench_match.c: in-process throughput of the event core, parse and match.
 *
 * The ingest path does two CPU-bound things per event before the database:
 * parse the camera's body into a hik_event (hik_event_parse_body) and look
 * the event up in the trigger index (gw_rules_match). This measures both on
 * one thread, without sockets or disk in the loop, so the figure is the
 * ceiling the rest of the daemon works under.
 *
 * The bodies are the four shapes cameras push: an XML motion alert, an XML
 * intrusion alert with its DetectionRegionList, an ANPR multipart/form-data
 * push with a small JPEG, and a face-recognition JSON alarmResult. The rule
 * index is built from a real SQLite database in a temporary directory:
 * 100 devices x 5 triggers (one per kind, with conditions), one scenario
 * per trigger, one action per device. Matching rotates over the devices, so
 * every lookup hits a populated (device, kind) slot and runs the conditions.
 *
 * Bounded: --iterations (default 200000, max 10,000,000) per phase and a
 * time limit per phase (default 20 s); a phase that runs out of time says
 * how far it got. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hik/event_parse.h"
#include "rules.h"
#include "store.h"

#define MAX_ITERATIONS 10000000L
#define N_DEVICES 100
#define JPEG_LEN 6000
#define CHECK_EVERY 1024 /* iterations between clock reads */
#define MAX_EVENTS_PER_BODY 8

typedef struct body {
    const char *label;
    char content_type[96];
    uint8_t *data;
    size_t len;
} body;

typedef struct phase_result {
    long iterations;
    double wall_s, cpu_s;
    long errors;
    long fired;
    bool timed_out;
} phase_result;

typedef struct bench_cfg {
    long iterations;
    double limit_s;
    bool json;
} bench_cfg;

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- bodies ------------------------------------------------------------- */

static const char xml_vmd[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
    "<EventNotificationAlert version=\"2.0\" "
    "xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\r\n"
    "<ipAddress>127.0.0.2</ipAddress>\r\n<portNo>80</portNo>\r\n<protocol>HTTP</protocol>\r\n"
    "<macAddress>c0:56:e3:be:4c:01</macAddress>\r\n<channelID>1</channelID>\r\n"
    "<dateTime>2024-05-14T09:12:31+02:00</dateTime>\r\n<activePostCount>3</activePostCount>\r\n"
    "<eventType>VMD</eventType>\r\n<eventState>active</eventState>\r\n"
    "<eventDescription>Motion alarm</eventDescription>\r\n<channelName>Lobby</channelName>\r\n"
    "<targetType>human</targetType>\r\n</EventNotificationAlert>\r\n";

static const char xml_field[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
    "<EventNotificationAlert version=\"2.0\" "
    "xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\r\n"
    "<ipAddress>127.0.0.3</ipAddress>\r\n<portNo>80</portNo>\r\n<protocol>HTTP</protocol>\r\n"
    "<macAddress>c0:56:e3:be:4c:02</macAddress>\r\n<channelID>1</channelID>\r\n"
    "<dateTime>2024-05-14T09:12:32+02:00</dateTime>\r\n<activePostCount>1</activePostCount>\r\n"
    "<eventType>fielddetection</eventType>\r\n<eventState>active</eventState>\r\n"
    "<eventDescription>fielddetection alarm</eventDescription>\r\n"
    "<channelName>Yard</channelName>\r\n"
    "<DetectionRegionList>\r\n<DetectionRegionEntry>\r\n<regionID>1</regionID>\r\n"
    "<sensitivityLevel>50</sensitivityLevel>\r\n<RegionCoordinatesList>\r\n"
    "<RegionCoordinates><positionX>120</positionX><positionY>250</positionY>"
    "</RegionCoordinates>\r\n<RegionCoordinates><positionX>860</positionX>"
    "<positionY>250</positionY></RegionCoordinates>\r\n<RegionCoordinates>"
    "<positionX>860</positionX><positionY>900</positionY></RegionCoordinates>\r\n"
    "<RegionCoordinates><positionX>120</positionX><positionY>900</positionY>"
    "</RegionCoordinates>\r\n</RegionCoordinatesList>\r\n"
    "<detectionTarget>human</detectionTarget>\r\n<TargetRect>\r\n<X>0.412</X>\r\n"
    "<Y>0.305</Y>\r\n<width>0.087</width>\r\n<height>0.262</height>\r\n</TargetRect>\r\n"
    "</DetectionRegionEntry>\r\n</DetectionRegionList>\r\n"
    "<detectionPictureTransType>binary</detectionPictureTransType>\r\n"
    "<detectionPicturesNumber>0</detectionPicturesNumber>\r\n"
    "</EventNotificationAlert>\r\n";

static const char xml_anpr[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
    "<EventNotificationAlert version=\"2.0\" xmlns=\"http://www.isapi.org/ver20/XMLSchema\">\r\n"
    "<ipAddress>127.0.0.4</ipAddress>\r\n<portNo>80</portNo>\r\n<protocol>HTTP</protocol>\r\n"
    "<macAddress>c0:56:e3:be:4c:03</macAddress>\r\n<channelID>1</channelID>\r\n"
    "<dateTime>2024-05-14T09:12:33+02:00</dateTime>\r\n<activePostCount>1</activePostCount>\r\n"
    "<eventType>ANPR</eventType>\r\n<eventState>active</eventState>\r\n"
    "<eventDescription>ANPR</eventDescription>\r\n<channelName>Gate</channelName>\r\n"
    "<ANPR>\r\n<country>3</country>\r\n<licensePlate>AB123CD</licensePlate>\r\n"
    "<line>1</line>\r\n<direction>forward</direction>\r\n"
    "<confidenceLevel>97</confidenceLevel>\r\n<plateType>unknown</plateType>\r\n"
    "<plateColor>white</plateColor>\r\n<vehicleType>vehicle</vehicleType>\r\n"
    "<vehicleListName>blockList</vehicleListName>\r\n<pictureInfoList>\r\n<pictureInfo>\r\n"
    "<fileName>licensePlatePicture.jpg</fileName>\r\n<type>licensePlatePicture</type>\r\n"
    "<dataType>0</dataType>\r\n</pictureInfo>\r\n</pictureInfoList>\r\n</ANPR>\r\n"
    "<UUID>9a1c5e2b-7d44-4b1f-a3e0-52c61d8f0b77</UUID>\r\n<picNum>1</picNum>\r\n"
    "</EventNotificationAlert>\r\n";

static const char json_face[] =
    "{\"ipAddress\":\"127.0.0.5\",\"portNo\":80,\"protocol\":\"HTTP\","
    "\"macAddress\":\"c0:56:e3:be:4c:04\",\"channelID\":1,"
    "\"dateTime\":\"2024-05-14T09:12:34+02:00\",\"activePostCount\":1,"
    "\"eventType\":\"alarmResult\",\"eventState\":\"active\","
    "\"eventDescription\":\"Face Match\",\"alarmResult\":[{\"faces\":[{\"faceId\":1,"
    "\"faceRect\":{\"height\":0.12,\"width\":0.07,\"x\":0.45,\"y\":0.21},"
    "\"identify\":[{\"maxsimilarity\":0.91,\"candidate\":[{\"human_id\":\"0A1B2C3D\","
    "\"reserve_field\":{\"name\":\"Ada Lovelace\",\"sex\":\"female\"},"
    "\"similarity\":0.91,\"listType\":\"blackFD\",\"FDLibName\":\"watchlist\"},"
    "{\"human_id\":\"4E5F6071\",\"reserve_field\":{\"name\":\"Grace Hopper\"},"
    "\"similarity\":0.64,\"listType\":\"staticFD\",\"FDLibName\":\"staff\"}]}]}]}]}";

/* A small JPEG-shaped blob: markers at both ends, pseudo-random bytes
 * between (entropy-coded data looks like noise). */
static void fake_jpeg(uint8_t *p, size_t len)
{
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
    p[0] = 0xFF, p[1] = 0xD8, p[2] = 0xFF, p[3] = 0xE0;
    p[len - 2] = 0xFF, p[len - 1] = 0xD9;
}

static bool build_multipart(body *b)
{
    static const char bnd[] = "MIME_boundary_7a3f91";
    size_t cap = sizeof xml_anpr + JPEG_LEN + 1024;
    b->data = malloc(cap);
    if (!b->data)
        return false;
    int n = snprintf((char *)b->data, cap,
                     "--%s\r\nContent-Disposition: form-data; name=\"anpr.xml\"; "
                     "filename=\"anpr.xml\"\r\nContent-Type: text/xml\r\n"
                     "Content-Length: %zu\r\n\r\n%s\r\n--%s\r\n"
                     "Content-Disposition: form-data; name=\"licensePlatePicture.jpg\"; "
                     "filename=\"licensePlatePicture.jpg\"\r\nContent-Type: image/jpeg\r\n"
                     "Content-Length: %d\r\n\r\n",
                     bnd, sizeof xml_anpr - 1, xml_anpr, bnd, JPEG_LEN);
    if (n < 0 || (size_t)n + JPEG_LEN + 64 > cap)
        return false;
    fake_jpeg(b->data + n, JPEG_LEN);
    size_t len = (size_t)n + JPEG_LEN;
    len += (size_t)snprintf((char *)b->data + len, cap - len, "\r\n--%s--\r\n", bnd);
    b->len = len;
    snprintf(b->content_type, sizeof b->content_type, "multipart/form-data; boundary=%s", bnd);
    return true;
}

static bool copy_body(body *b, const char *label, const char *ctype, const char *text)
{
    b->label = label;
    snprintf(b->content_type, sizeof b->content_type, "%s", ctype);
    b->len = strlen(text);
    b->data = malloc(b->len);
    if (!b->data)
        return false;
    memcpy(b->data, text, b->len);
    return true;
}

static bool build_bodies(body *bodies)
{
    bodies[2].label = "anpr_multipart";
    return copy_body(&bodies[0], "xml_vmd", "application/xml", xml_vmd) &&
           copy_body(&bodies[1], "xml_fielddetection", "application/xml", xml_field) &&
           build_multipart(&bodies[2]) &&
           copy_body(&bodies[3], "face_json", "application/json", json_face);
}

/* ---- the rule database -------------------------------------------------- */

/* Five triggers per device, one per kind the bodies produce (motion is
 * there twice: plain and human-only), each with conditions that hold for
 * the bench bodies so every match walks to a fired scenario. */
static const struct {
    const char *event;
    const char *conditions;
} trigger_kinds[5] = {
    {"motion", "{}"},
    {"intrusion", "{\"region_id\":1,\"target\":\"human\"}"},
    {"anpr", "{\"list\":\"block\",\"direction\":\"incoming\"}"},
    {"face_recognition", "{\"min_similarity\":80}"},
    {"motion", "{\"channel\":1}"},
};

static hik_err seed_device(gw_store *st, int d)
{
    char sql[2048];
    int n = snprintf(sql, sizeof sql,
                     "INSERT INTO devices(id,name,address,password,mac,created_ms,updated_ms)"
                     " VALUES(%d,'cam-%03d','127.0.%d.%d','sealed','c0:56:e3:00:%02x:%02x',0,0);"
                     "INSERT INTO actions(id,name,type,action,params,created_ms,updated_ms)"
                     " VALUES(%d,'mask cam-%03d','hik','privacy_mask.enable',"
                     "'{\"channel\":1}',0,0);"
                     "INSERT INTO action_devices VALUES(%d,%d);",
                     d, d, 1 + d / 250, 2 + d % 250, d / 256, d % 256, d, d, d, d);
    if (n < 0 || (size_t)n >= sizeof sql)
        return HIK_ERR_INVALID;
    hik_err err = gw_store_exec(st, sql);
    for (int k = 0; k < 5 && !err; k++) {
        int t = (d - 1) * 5 + k + 1;
        n = snprintf(sql, sizeof sql,
                     "INSERT INTO triggers(id,name,type,event,conditions,created_ms,updated_ms)"
                     " VALUES(%d,'trigger-%d','hik','%s','%s',0,0);"
                     "INSERT INTO trigger_devices VALUES(%d,%d);"
                     "INSERT INTO scenarios(id,name,trigger_id,enabled,cooldown_s,created_ms,"
                     "updated_ms) VALUES(%d,'scenario-%d',%d,1,0,0,0);"
                     "INSERT INTO scenario_actions VALUES(%d,%d,0);",
                     t, t, trigger_kinds[k].event, trigger_kinds[k].conditions, t, d, t, t, t, t,
                     d);
        err = n < 0 || (size_t)n >= sizeof sql ? HIK_ERR_INVALID : gw_store_exec(st, sql);
    }
    return err;
}

static hik_err seed_rules(gw_store *st)
{
    gw_store_lock(st);
    hik_err err = gw_store_exec(st, "BEGIN");
    for (int d = 1; d <= N_DEVICES && !err; d++)
        err = seed_device(st, d);
    err = err ? err : gw_store_exec(st, "COMMIT");
    if (err)
        gw_store_exec(st, "ROLLBACK");
    gw_store_unlock(st);
    return err;
}

/* ---- phases ------------------------------------------------------------- */

typedef struct bench_ctx {
    const bench_cfg *cfg;
    body bodies[4];
    hik_event parsed[4][MAX_EVENTS_PER_BODY];
    size_t n_parsed[4];
    gw_rules *rules;
    hik_event scratch[MAX_EVENTS_PER_BODY];
    gw_fired fired[GW_RULES_MAX_FIRED];
} bench_ctx;

typedef enum phase_kind { PH_PARSE, PH_MATCH, PH_BOTH } phase_kind;

static const char *const phase_names[3] = {"parse", "match", "parse_match"};

static size_t match_events(bench_ctx *c, int64_t device, const hik_event *evs, size_t n,
                           int64_t now_ms)
{
    size_t fired = 0;
    for (size_t e = 0; e < n; e++)
        fired += gw_rules_match(c->rules, device, &evs[e], now_ms, c->fired, GW_RULES_MAX_FIRED);
    return fired;
}

/* One iteration handles one body (one alert, one event). `only` >= 0 pins
 * the body, for the per-body parse figures. */
static void run_phase(bench_ctx *c, phase_kind kind, int only, long iterations, phase_result *res)
{
    memset(res, 0, sizeof *res);
    double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    int64_t now_ms = gw_now_ms();
    long i;
    for (i = 0; i < iterations; i++) {
        if (i % CHECK_EVERY == 0 && clock_s(CLOCK_MONOTONIC) - w0 > c->cfg->limit_s) {
            res->timed_out = true;
            break;
        }
        int k = only >= 0 ? only : (int)(i % 4);
        int64_t device = (i / 4) % N_DEVICES + 1;
        if (kind == PH_MATCH) {
            res->fired += (long)match_events(c, device, c->parsed[k], c->n_parsed[k], now_ms + i);
            continue;
        }
        const body *b = &c->bodies[k];
        size_t n = 0;
        if (hik_event_parse_body(b->content_type, b->data, b->len, NULL, c->scratch,
                                 MAX_EVENTS_PER_BODY, &n, NULL)) {
            res->errors++;
            continue;
        }
        if (kind == PH_BOTH)
            res->fired += (long)match_events(c, device, c->scratch, n, now_ms + i);
    }
    res->iterations = i;
    res->wall_s = clock_s(CLOCK_MONOTONIC) - w0;
    res->cpu_s = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
}

/* Every body must parse, and every event must fire on its device: a bench
 * that silently measures the error path measures nothing. */
static bool check_setup(bench_ctx *c)
{
    bool ok = true;
    for (int k = 0; k < 4; k++) {
        const body *b = &c->bodies[k];
        hik_parse_diag diag = {{0}};
        hik_err err = hik_event_parse_body(b->content_type, b->data, b->len, NULL, c->parsed[k],
                                           MAX_EVENTS_PER_BODY, &c->n_parsed[k], &diag);
        if (err || c->n_parsed[k] == 0) {
            fprintf(stderr, "bench_match: body %s does not parse: %s: %s\n", b->label,
                    hik_err_name(err), diag.message);
            ok = false;
            continue;
        }
        size_t fired = match_events(c, 1, c->parsed[k], c->n_parsed[k], gw_now_ms());
        if (fired == 0) {
            fprintf(stderr, "bench_match: body %s (%s) fires no scenario on device 1\n", b->label,
                    hik_event_kind_name(c->parsed[k][0].kind));
            ok = false;
        }
    }
    return ok;
}

/* ---- report ------------------------------------------------------------- */

static double rate(const phase_result *r)
{
    return r->wall_s > 0 ? (double)r->iterations / r->wall_s : 0;
}

static void print_phase(const bench_cfg *cfg, const char *name, const phase_result *r, bool first)
{
    if (cfg->json) {
        printf("%s\"%s\":{\"iterations\":%ld,\"seconds\":%.6f,\"cpu_seconds\":%.6f,"
               "\"events_per_s\":%.1f,\"errors\":%ld,\"fired\":%ld,\"timed_out\":%s}",
               first ? "" : ",", name, r->iterations, r->wall_s, r->cpu_s, rate(r), r->errors,
               r->fired, r->timed_out ? "true" : "false");
        return;
    }
    printf("  %-26s %10.0f events/s  (%ld in %.3f s, cpu %.3f s, %ld fired)%s\n", name, rate(r),
           r->iterations, r->wall_s, r->cpu_s, r->fired,
           r->timed_out ? "  !! stopped by time limit" : "");
    if (r->errors)
        printf("  !! %s: %ld parse errors\n", name, r->errors);
}

static int run_all(bench_ctx *c)
{
    const bench_cfg *cfg = c->cfg;
    phase_result res[3], per_body[4];
    for (int p = 0; p < 3; p++)
        run_phase(c, (phase_kind)p, -1, cfg->iterations, &res[p]);
    for (int k = 0; k < 4; k++)
        run_phase(c, PH_PARSE, k, cfg->iterations / 4 + 1, &per_body[k]);
    if (cfg->json)
        printf("{\"devices\":%d,\"triggers\":%d,", N_DEVICES, N_DEVICES * 5);
    else
        printf("bench_match: one thread, %d devices x 5 triggers, bodies rotate over "
               "%s, %s, %s, %s\n",
               N_DEVICES, c->bodies[0].label, c->bodies[1].label, c->bodies[2].label,
               c->bodies[3].label);
    for (int p = 0; p < 3; p++)
        print_phase(cfg, phase_names[p], &res[p], p == 0);
    char name[64];
    for (int k = 0; k < 4; k++) {
        snprintf(name, sizeof name, "parse_%s", c->bodies[k].label);
        print_phase(cfg, name, &per_body[k], false);
    }
    if (cfg->json)
        printf("}\n");
    long errors = 0;
    for (int p = 0; p < 3; p++)
        errors += res[p].errors;
    for (int k = 0; k < 4; k++)
        errors += per_body[k].errors;
    return errors ? 1 : 0;
}

/* ---- main --------------------------------------------------------------- */

static int parse_args(bench_cfg *cfg, int argc, char **argv)
{
    static const struct option longs[] = {
        {"iterations", 1, 0, 'n'},
        {"time-limit", 1, 0, 't'},
        {"json", 0, 0, 'j'},
        {"help", 0, 0, 'h'},
        {0, 0, 0, 0},
    };
    cfg->iterations = 200000;
    cfg->limit_s = 20;
    int o;
    char *end;
    while ((o = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        if (o == 'n') {
            cfg->iterations = strtol(optarg, &end, 10);
            if (*end || cfg->iterations < 1 || cfg->iterations > MAX_ITERATIONS)
                o = '?';
        } else if (o == 't') {
            cfg->limit_s = strtod(optarg, &end);
            if (*end || !(cfg->limit_s > 0) || cfg->limit_s > 600)
                o = '?';
        } else if (o == 'j') {
            cfg->json = true;
        }
        if (o == 'h' || o == '?') {
            fprintf(o == 'h' ? stdout : stderr,
                    "usage: bench_match [--iterations N (1..%ld, default 200000)]\n"
                    "                   [--time-limit S per phase (default 20)] [--json]\n",
                    MAX_ITERATIONS);
            return o == 'h' ? 1 : 2;
        }
    }
    return 0;
}

static int bench_main(bench_ctx *c)
{
    char dir[] = "/tmp/hikgate-bench-match-XXXXXX";
    if (!mkdtemp(dir)) {
        fprintf(stderr, "bench_match: mkdtemp: %s\n", strerror(errno));
        return 2;
    }
    char err[512] = "";
    gw_store *st = NULL;
    int rc = 2;
    if (gw_store_open(dir, false, &st, err, sizeof err)) {
        fprintf(stderr, "bench_match: %s\n", err);
    } else if (seed_rules(st) || gw_rules_new(&c->rules) || gw_rules_reload(c->rules, st)) {
        fprintf(stderr, "bench_match: building the rule database in %s failed\n", dir);
    } else if (!build_bodies(c->bodies) || !check_setup(c)) {
        fprintf(stderr, "bench_match: setup failed; no figures\n");
    } else {
        rc = run_all(c);
    }
    gw_rules_free(c->rules);
    if (st)
        gw_store_close(st);
    char path[sizeof dir + 32];
    const char *files[] = {"hikgate.db", "hikgate.db-wal", "hikgate.db-shm"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    if (rmdir(dir))
        fprintf(stderr, "bench_match: left %s behind: %s\n", dir, strerror(errno));
    return rc;
}

int main(int argc, char **argv)
{
    static bench_cfg cfg;
    static bench_ctx ctx;
    int rc = parse_args(&cfg, argc, argv);
    if (rc)
        return rc == 1 ? 0 : 2;
    ctx.cfg = &cfg;
    rc = bench_main(&ctx);
    for (int k = 0; k < 4; k++)
        free(ctx.bodies[k].data);
    return rc;
}
