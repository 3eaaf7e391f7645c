/* bench_ingest.c: a bounded HTTP/1.1 load generator for the ingest listener.
 *
 * Cameras push each event as one POST, usually on a fresh TCP connection;
 * some firmware keeps the connection open. This program plays many cameras
 * at once from a single thread: an edge-triggered epoll loop drives C
 * connection slots through connect, write, read and close (or reuse), so the
 * generator itself is cheap enough not to be what is measured.
 *
 * Every slot runs one request at a time and starts the next one as soon as
 * its previous one ends, which keeps exactly C requests in flight. Latency
 * runs from connect start (new-connection mode, so it includes the TCP
 * handshake a camera pays) or write start (keep-alive mode) to the last byte
 * of the response. All latencies are kept, so the percentiles are exact
 * (nearest rank over the sorted array), not estimated from buckets.
 *
 * Bounded: at most 10,000,000 requests, a hard wall-clock limit, a per-request
 * timeout, a response cap, and loopback targets only (127.0.0.0/8 or ::1).
 * Any failure (a status other than 200, a connection error, a timeout, a
 * request not sent before the limit) is counted, reported, and makes the
 * exit status non-zero. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 10000000L
#define MAX_CONCURRENCY 10000
#define MAX_BODY (16L * 1024 * 1024) /* the daemon's default --max-body */
#define MAX_SOURCES 254
#define HDR_CAP 1024         /* request head */
#define GEN_BODY_CAP 4096    /* generated alert */
#define RESP_CAP (64 * 1024) /* whole response, head and body */
#define MAX_DURATION_S 3600

typedef enum bench_mode { MODE_NEW_CONNECTION, MODE_KEEP_ALIVE } bench_mode;

/* Why a request failed; the order is the order of the report. */
typedef enum fail_kind {
    F_CONNECT,  /* socket/bind/connect failed or refused */
    F_SEND,     /* write failed (reset, broken pipe) */
    F_RECV,     /* read failed (reset) */
    F_CLOSED,   /* peer closed before the response was complete */
    F_BAD,      /* response not HTTP/1.x, or over the response cap */
    F_TIMEOUT,  /* no complete response within --timeout */
    F_ABORTED,  /* in flight when --duration-limit ran out */
    F_NOT_SENT, /* never started before --duration-limit ran out */
    F__COUNT
} fail_kind;

static const char *const fail_names[F__COUNT] = {
    "connect_error", "send_error", "recv_error", "closed_early",
    "bad_response",  "timeout",    "aborted",    "not_sent",
};

typedef struct bench_opts {
    struct sockaddr_storage target;
    socklen_t target_len;
    char target_str[96];
    char path[256];
    long events;
    int concurrency;
    bench_mode mode;
    double duration_limit_s;
    double timeout_s;
    const char *body_file;
    char content_type[128];
    bool have_source;
    struct in_addr source_base; /* host order first address */
    int source_count;
    bool json;
} bench_opts;

typedef enum conn_state { C_IDLE, C_CONNECTING, C_WRITING, C_READING, C_DRAINING } conn_state;

typedef struct conn {
    int fd;
    conn_state st;
    bool reused;        /* this request rides an already used connection */
    char head[HDR_CAP]; /* request line and headers */
    size_t head_len;
    char body[GEN_BODY_CAP]; /* generated alert (unused with --body) */
    const char *body_ptr;
    size_t body_len;
    size_t sent; /* bytes of head+body written */
    char resp[RESP_CAP];
    size_t resp_len;
    size_t head_end; /* offset of the response body, 0 until the head is in */
    int status;
    long content_length; /* -1: none */
    bool chunked;
    bool peer_closes; /* Connection: close or HTTP/1.0 without keep-alive */
    uint64_t t_start_ns;
    uint64_t deadline_ns;
} conn;

typedef struct bench {
    bench_opts o;
    int ep;
    conn *conns;
    int *ready; /* slots waiting to start their next request */
    int n_ready;
    char *file_body;
    size_t file_body_len;
    long issued, finished;
    long ok;
    long fails[F__COUNT];
    long status_count[600]; /* index = status code, 0 = outside 100..599 */
    long connects, reconnects;
    uint64_t *lat_ns;
    long n_lat;
    unsigned next_source;
    uint64_t t0_ns, t_end_ns, hard_stop_ns;
    time_t stamp_sec;
    char stamp[40];
} bench;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- options ---------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_ingest [options]\n"
            "  --target ADDR:PORT        loopback only: 127.0.0.0/8 or [::1] (default "
            "127.0.0.1:4000)\n"
            "  --path PATH               request path (default /hik)\n"
            "  --events N                total requests, 1..10000000 (default 50000)\n"
            "  --concurrency C           requests in flight, 1..%d (default 32)\n"
            "  --mode M                  new-connection (default) or keep-alive\n"
            "  --duration-limit S        hard stop after S seconds (default 60, max %d)\n"
            "  --timeout S               per-request timeout (default 10)\n"
            "  --body FILE               send FILE verbatim (default: a generated VMD /\n"
            "                            fielddetection alert, new dateTime and\n"
            "                            activePostCount on every request)\n"
            "  --content-type TYPE       default application/xml\n"
            "  --source-base 127.0.0.X   bind connections to X, X+1, ... round robin\n"
            "  --source-count K          how many source addresses (default 8)\n"
            "  --json                    one JSON object on stdout\n",
            MAX_CONCURRENCY, MAX_DURATION_S);
}

static bool addr_is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET) {
        uint32_t a = ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr);
        return (a >> 24) == 127;
    }
    if (ss->ss_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
    return false;
}

static bool parse_target(bench_opts *o, const char *s)
{
    char host[80];
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || strlen(s) >= sizeof host)
        return false;
    size_t hl = (size_t)(colon - s);
    if (s[0] == '[') {
        if (hl < 3 || s[hl - 1] != ']')
            return false;
        memcpy(host, s + 1, hl - 2);
        host[hl - 2] = 0;
    } else {
        memcpy(host, s, hl);
        host[hl] = 0;
    }
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 1 || port > 65535)
        return false;
    memset(&o->target, 0, sizeof o->target);
    struct sockaddr_in *a4 = (struct sockaddr_in *)&o->target;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&o->target;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        o->target_len = sizeof *a4;
    } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        o->target_len = sizeof *a6;
    } else {
        return false;
    }
    snprintf(o->target_str, sizeof o->target_str, "%s", s);
    return true;
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static bool parse_seconds(const char *s, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v > 0) || v > hi)
        return false;
    *out = v;
    return true;
}

enum {
    OPT_TARGET = 1,
    OPT_PATH,
    OPT_EVENTS,
    OPT_CONC,
    OPT_MODE,
    OPT_DUR,
    OPT_TIMEOUT,
    OPT_BODY,
    OPT_CTYPE,
    OPT_SRC,
    OPT_SRCN,
    OPT_JSON,
    OPT_HELP
};

static bool apply_opt(bench_opts *o, int c, const char *v)
{
    long n;
    switch (c) {
    case OPT_TARGET:
        return parse_target(o, v);
    case OPT_PATH:
        if (v[0] != '/' || strlen(v) >= sizeof o->path || strpbrk(v, " \r\n"))
            return false;
        snprintf(o->path, sizeof o->path, "%s", v);
        return true;
    case OPT_EVENTS:
        return parse_long(v, 1, MAX_EVENTS, &o->events);
    case OPT_CONC:
        if (!parse_long(v, 1, MAX_CONCURRENCY, &n))
            return false;
        o->concurrency = (int)n;
        return true;
    case OPT_MODE:
        if (!strcmp(v, "new-connection"))
            o->mode = MODE_NEW_CONNECTION;
        else if (!strcmp(v, "keep-alive"))
            o->mode = MODE_KEEP_ALIVE;
        else
            return false;
        return true;
    case OPT_DUR:
        return parse_seconds(v, MAX_DURATION_S, &o->duration_limit_s);
    case OPT_TIMEOUT:
        return parse_seconds(v, MAX_DURATION_S, &o->timeout_s);
    case OPT_BODY:
        o->body_file = v;
        return true;
    case OPT_CTYPE:
        if (strlen(v) >= sizeof o->content_type || strpbrk(v, "\r\n"))
            return false;
        snprintf(o->content_type, sizeof o->content_type, "%s", v);
        return true;
    case OPT_SRC:
        o->have_source = inet_pton(AF_INET, v, &o->source_base) == 1;
        return o->have_source;
    case OPT_SRCN:
        if (!parse_long(v, 1, MAX_SOURCES, &n))
            return false;
        o->source_count = (int)n;
        return true;
    }
    return false;
}

/* Returns 0 to run, 1 to exit successfully (--help), 2 on a usage error. */
static int parse_args(bench_opts *o, int argc, char **argv)
{
    static const struct option longs[] = {
        {"target", 1, 0, OPT_TARGET},      {"path", 1, 0, OPT_PATH},
        {"events", 1, 0, OPT_EVENTS},      {"concurrency", 1, 0, OPT_CONC},
        {"mode", 1, 0, OPT_MODE},          {"duration-limit", 1, 0, OPT_DUR},
        {"timeout", 1, 0, OPT_TIMEOUT},    {"body", 1, 0, OPT_BODY},
        {"content-type", 1, 0, OPT_CTYPE}, {"source-base", 1, 0, OPT_SRC},
        {"source-count", 1, 0, OPT_SRCN},  {"json", 0, 0, OPT_JSON},
        {"help", 0, 0, OPT_HELP},          {0, 0, 0, 0},
    };
    parse_target(o, "127.0.0.1:4000");
    snprintf(o->path, sizeof o->path, "/hik");
    snprintf(o->content_type, sizeof o->content_type, "application/xml");
    o->events = 50000;
    o->concurrency = 32;
    o->duration_limit_s = 60;
    o->timeout_s = 10;
    o->source_count = 8;
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        if (c == OPT_HELP) {
            usage(stdout);
            return 1;
        }
        if (c == OPT_JSON) {
            o->json = true;
            continue;
        }
        if (c == '?' || !apply_opt(o, c, optarg)) {
            if (c != '?')
                fprintf(stderr, "bench_ingest: bad value for --%s: %s\n", longs[c - 1].name,
                        optarg);
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "bench_ingest: unexpected argument %s\n", argv[optind]);
        return 2;
    }
    return 0;
}

/* Loopback only, for the target and for every source address. */
static bool check_addresses(const bench_opts *o)
{
    if (!addr_is_loopback(&o->target)) {
        fprintf(stderr, "bench_ingest: refusing target %s: only 127.0.0.0/8 and ::1 allowed\n",
                o->target_str);
        return false;
    }
    if (!o->have_source)
        return true;
    if (o->target.ss_family != AF_INET) {
        fprintf(stderr, "bench_ingest: --source-base needs an IPv4 target\n");
        return false;
    }
    uint32_t first = ntohl(o->source_base.s_addr);
    uint32_t last = first + (uint32_t)o->source_count - 1;
    if ((first >> 24) != 127 || (last >> 24) != 127 || (last & 0xff) == 0xff) {
        fprintf(stderr, "bench_ingest: source addresses must stay inside 127.0.0.0/8\n");
        return false;
    }
    return true;
}

/* ---- requests ----------------------------------------------------------- */

static bool load_body_file(bench *b)
{
    FILE *f = fopen(b->o.body_file, "rb");
    if (!f) {
        fprintf(stderr, "bench_ingest: %s: %s\n", b->o.body_file, strerror(errno));
        return false;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) || sb.st_size > MAX_BODY) {
        fprintf(stderr, "bench_ingest: %s: unreadable or over %ld bytes\n", b->o.body_file,
                MAX_BODY);
        fclose(f);
        return false;
    }
    b->file_body_len = (size_t)sb.st_size;
    b->file_body = malloc(b->file_body_len + 1);
    bool ok = b->file_body && fread(b->file_body, 1, b->file_body_len, f) == b->file_body_len;
    fclose(f);
    if (!ok)
        fprintf(stderr, "bench_ingest: %s: read failed\n", b->o.body_file);
    return ok;
}

/* The camera's local time, second resolution, "+08:00" style offset, as
 * real firmware writes dateTime. Formatted once per second. */
static const char *alert_time(bench *b)
{
    time_t t = time(NULL);
    if (t == b->stamp_sec)
        return b->stamp;
    struct tm tm;
    localtime_r(&t, &tm);
    char z[8];
    strftime(b->stamp, sizeof b->stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    strftime(z, sizeof z, "%z", &tm); /* +0800 */
    size_t n = strlen(b->stamp);
    snprintf(b->stamp + n, sizeof b->stamp - n, "%.3s:%.2s", z, z + 3);
    b->stamp_sec = t;
    return b->stamp;
}

static const char alert_head[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
    "<EventNotificationAlert version=\"2.0\" "
    "xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\r\n"
    "<ipAddress>127.0.0.1</ipAddress>\r\n<portNo>80</portNo>\r\n<protocol>HTTP</protocol>\r\n"
    "<macAddress>c0:56:e3:be:4c:01</macAddress>\r\n<channelID>1</channelID>\r\n"
    "<dateTime>%s</dateTime>\r\n<activePostCount>%d</activePostCount>\r\n"
    "<eventType>%s</eventType>\r\n<eventState>active</eventState>\r\n"
    "<eventDescription>%s</eventDescription>\r\n<channelName>Gate</channelName>\r\n";

static const char alert_vmd_tail[] = "<targetType>human</targetType>\r\n"
                                     "</EventNotificationAlert>\r\n";

static const char alert_field_tail[] =
    "<DetectionRegionList>\r\n<DetectionRegionEntry>\r\n<regionID>1</regionID>\r\n"
    "<sensitivityLevel>50</sensitivityLevel>\r\n<RegionCoordinatesList>\r\n"
    "<RegionCoordinates>\r\n<positionX>120</positionX>\r\n<positionY>250</positionY>\r\n"
    "</RegionCoordinates>\r\n<RegionCoordinates>\r\n<positionX>860</positionX>\r\n"
    "<positionY>250</positionY>\r\n</RegionCoordinates>\r\n<RegionCoordinates>\r\n"
    "<positionX>860</positionX>\r\n<positionY>900</positionY>\r\n</RegionCoordinates>\r\n"
    "<RegionCoordinates>\r\n<positionX>120</positionX>\r\n<positionY>900</positionY>\r\n"
    "</RegionCoordinates>\r\n</RegionCoordinatesList>\r\n"
    "<detectionTarget>human</detectionTarget>\r\n<TargetRect>\r\n<X>0.412</X>\r\n"
    "<Y>0.305</Y>\r\n<width>0.087</width>\r\n<height>0.262</height>\r\n</TargetRect>\r\n"
    "</DetectionRegionEntry>\r\n</DetectionRegionList>\r\n"
    "<detectionPictureTransType>binary</detectionPictureTransType>\r\n"
    "<detectionPicturesNumber>0</detectionPicturesNumber>\r\n"
    "</EventNotificationAlert>\r\n";

/* Alternate motion and intrusion alerts; activePostCount counts up 1..30
 * as a camera does while an event lasts. */
static void build_alert(bench *b, conn *c, long seq)
{
    bool vmd = (seq & 1) == 0;
    int n = snprintf(c->body, sizeof c->body, alert_head, alert_time(b), (int)(seq / 2 % 30) + 1,
                     vmd ? "VMD" : "fielddetection", vmd ? "Motion alarm" : "fielddetection alarm");
    const char *tail = vmd ? alert_vmd_tail : alert_field_tail;
    size_t tl = strlen(tail);
    if (n < 0 || (size_t)n + tl >= sizeof c->body) {
        c->body_len = 0; /* cannot happen with the fixed template */
        return;
    }
    memcpy(c->body + n, tail, tl + 1);
    c->body_ptr = c->body;
    c->body_len = (size_t)n + tl;
}

static void build_request(bench *b, conn *c, long seq)
{
    if (b->file_body) {
        c->body_ptr = b->file_body;
        c->body_len = b->file_body_len;
    } else {
        build_alert(b, c, seq);
    }
    int n = snprintf(c->head, sizeof c->head,
                     "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\nConnection: %s\r\n\r\n",
                     b->o.path, b->o.target_str, b->o.content_type, c->body_len,
                     b->o.mode == MODE_KEEP_ALIVE ? "keep-alive" : "close");
    c->head_len = n > 0 && (size_t)n < sizeof c->head ? (size_t)n : 0;
    c->sent = 0;
    c->resp_len = 0;
    c->head_end = 0;
    c->status = 0;
    c->content_length = -1;
    c->chunked = false;
    c->peer_closes = false;
}

/* ---- connections -------------------------------------------------------- */

static void conn_close(bench *b, conn *c)
{
    if (c->fd >= 0) {
        epoll_ctl(b->ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    c->st = C_IDLE;
}

static void slot_ready(bench *b, conn *c)
{
    b->ready[b->n_ready++] = (int)(c - b->conns);
}

static void request_failed(bench *b, conn *c, fail_kind why)
{
    b->fails[why]++;
    b->finished++;
    conn_close(b, c);
    slot_ready(b, c);
}

static bool bind_source(bench *b, int fd)
{
    uint32_t base = ntohl(b->o.source_base.s_addr);
    struct sockaddr_in src = {.sin_family = AF_INET};
    src.sin_addr.s_addr = htonl(base + b->next_source++ % (unsigned)b->o.source_count);
    int one = 1;
    /* Defer the port choice to connect(), so each source address gets the
     * whole ephemeral range per destination. */
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    return bind(fd, (struct sockaddr *)&src, sizeof src) == 0;
}

/* Returns false when the socket could not even be started. */
static bool conn_open(bench *b, conn *c)
{
    c->fd = socket(b->o.target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return false;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (b->o.have_source && !bind_source(b, c->fd))
        return false;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
    if (epoll_ctl(b->ep, EPOLL_CTL_ADD, c->fd, &ev))
        return false;
    b->connects++;
    if (connect(c->fd, (struct sockaddr *)&b->o.target, b->o.target_len) == 0) {
        c->st = C_WRITING;
        return true;
    }
    if (errno != EINPROGRESS)
        return false;
    c->st = C_CONNECTING;
    return true;
}

static void step(bench *b, conn *c);

static void start_request(bench *b, conn *c)
{
    long seq = b->issued++;
    build_request(b, c, seq);
    c->t_start_ns = now_ns();
    c->deadline_ns = c->t_start_ns + (uint64_t)(b->o.timeout_s * 1e9);
    c->reused = c->fd >= 0;
    if (c->reused) {
        c->st = C_WRITING;
    } else if (!conn_open(b, c)) {
        request_failed(b, c, F_CONNECT);
        return;
    }
    step(b, c);
}

/* ---- responses ---------------------------------------------------------- */

static const char *find_header(const char *head, size_t len, const char *name)
{
    size_t nl = strlen(name);
    const char *p = memchr(head, '\n', len);
    while (p && (size_t)(p + 1 - head) + nl + 1 < len) {
        p++;
        if (!strncasecmp(p, name, nl) && p[nl] == ':')
            return p + nl + 1;
        p = memchr(p, '\n', len - (size_t)(p - head));
    }
    return NULL;
}

static bool header_has(const char *v, const char *token)
{
    if (!v)
        return false;
    while (*v == ' ' || *v == '\t')
        v++;
    return !strncasecmp(v, token, strlen(token));
}

/* Parse the head once it is complete. False when it is not HTTP/1.x. */
static bool parse_head(conn *c)
{
    char *end = memmem(c->resp, c->resp_len, "\r\n\r\n", 4);
    if (!end)
        return true;
    c->head_end = (size_t)(end - c->resp) + 4;
    *end = 0; /* the head becomes a string; the body starts after it */
    if (strncmp(c->resp, "HTTP/1.", 7) || c->resp_len < 12 || c->resp[8] != ' ')
        return false;
    c->status = atoi(c->resp + 9);
    bool http10 = c->resp[7] == '0';
    const char *cl = find_header(c->resp, c->head_end - 4, "Content-Length");
    const char *te = find_header(c->resp, c->head_end - 4, "Transfer-Encoding");
    const char *co = find_header(c->resp, c->head_end - 4, "Connection");
    c->content_length = cl ? strtol(cl, NULL, 10) : -1;
    c->chunked = header_has(te, "chunked");
    c->peer_closes = header_has(co, "close") || (http10 && !header_has(co, "keep-alive"));
    if (c->status == 204 || c->status == 304 || (c->status >= 100 && c->status < 200))
        c->content_length = 0;
    return c->status >= 100 && c->status <= 999;
}

/* Is a chunked body complete? It ends with a zero-size chunk and an empty
 * trailer line. */
static bool chunked_done(const char *p, size_t len)
{
    size_t off = 0;
    for (;;) {
        const char *nl = memmem(p + off, len - off, "\r\n", 2);
        if (!nl)
            return false;
        unsigned long sz = strtoul(p + off, NULL, 16);
        off = (size_t)(nl - p) + 2;
        if (sz == 0)
            return memmem(p + off - 2, len - off + 2, "\r\n\r\n", 4) != NULL;
        if (sz > len - off || len - off - sz < 2)
            return false;
        off += sz + 2;
    }
}

static bool response_complete(const conn *c, bool eof)
{
    if (!c->head_end)
        return false;
    size_t have = c->resp_len - c->head_end;
    if (c->chunked)
        return chunked_done(c->resp + c->head_end, have);
    if (c->content_length >= 0)
        return have >= (size_t)c->content_length;
    return eof; /* delimited by close */
}

static void request_done(bench *b, conn *c)
{
    uint64_t t = now_ns();
    b->lat_ns[b->n_lat++] = t - c->t_start_ns;
    b->t_end_ns = t;
    b->finished++;
    b->status_count[c->status < 600 ? c->status : 0]++;
    if (c->status == 200)
        b->ok++;
    if (b->o.mode == MODE_KEEP_ALIVE && !c->peer_closes) {
        c->st = C_IDLE;
        slot_ready(b, c);
    } else if (b->o.mode == MODE_KEEP_ALIVE) {
        b->reconnects++;
        conn_close(b, c);
        slot_ready(b, c);
    } else {
        /* Wait for the server's FIN so the TIME_WAIT stays on its side, as
         * with a camera; the slot is reused once the socket is gone. */
        c->st = C_DRAINING;
        c->deadline_ns = t + 1000000000ull;
    }
}

/* ---- the state machine -------------------------------------------------- */

static bool step_connect(bench *b, conn *c)
{
    int err = 0;
    socklen_t el = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) || err) {
        if (err == EINPROGRESS || err == EALREADY)
            return false;
        request_failed(b, c, F_CONNECT);
        return false;
    }
    c->st = C_WRITING;
    return true;
}

static bool step_write(bench *b, conn *c)
{
    size_t total = c->head_len + c->body_len;
    while (c->sent < total) {
        struct iovec iov[2];
        int n = 0;
        if (c->sent < c->head_len)
            iov[n++] = (struct iovec){c->head + c->sent, c->head_len - c->sent};
        size_t boff = c->sent > c->head_len ? c->sent - c->head_len : 0;
        iov[n++] = (struct iovec){(void *)(c->body_ptr + boff), c->body_len - boff};
        ssize_t w = writev(c->fd, iov, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN)
            return false;
        if (w <= 0) {
            request_failed(b, c, F_SEND);
            return false;
        }
        c->sent += (size_t)w;
    }
    c->st = C_READING;
    return true;
}

/* Read what is there; on a complete response finish the request. */
static void step_read(bench *b, conn *c)
{
    for (;;) {
        if (c->resp_len == sizeof c->resp) {
            request_failed(b, c, F_BAD);
            return;
        }
        ssize_t r = read(c->fd, c->resp + c->resp_len, sizeof c->resp - c->resp_len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == EAGAIN)
            return;
        if (r < 0) {
            request_failed(b, c, F_RECV);
            return;
        }
        c->resp_len += (size_t)r;
        if (!c->head_end && !parse_head(c)) {
            request_failed(b, c, F_BAD);
            return;
        }
        if (response_complete(c, r == 0)) {
            request_done(b, c);
            if (c->st == C_DRAINING && r == 0) {
                conn_close(b, c);
                slot_ready(b, c);
            }
            return;
        }
        if (r == 0) {
            request_failed(b, c, F_CLOSED);
            return;
        }
    }
}

/* After a complete response in new-connection mode: read to end of file. */
static void step_drain(bench *b, conn *c)
{
    char sink[512];
    for (;;) {
        ssize_t r = read(c->fd, sink, sizeof sink);
        if (r > 0 || (r < 0 && errno == EINTR))
            continue;
        if (r < 0 && errno == EAGAIN)
            return;
        conn_close(b, c); /* EOF or reset: either way this connection is over */
        slot_ready(b, c);
        return;
    }
}

static void step(bench *b, conn *c)
{
    if (c->st == C_CONNECTING && !step_connect(b, c))
        return;
    if (c->st == C_WRITING && !step_write(b, c))
        return;
    if (c->st == C_READING)
        step_read(b, c);
    if (c->st == C_DRAINING)
        step_drain(b, c);
}

/* An idle keep-alive connection that the server closed: forget it. */
static void idle_event(bench *b, conn *c, uint32_t events)
{
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        b->reconnects++;
        conn_close(b, c);
    }
}

static void check_timeouts(bench *b, uint64_t now)
{
    for (int i = 0; i < b->o.concurrency; i++) {
        conn *c = &b->conns[i];
        if (c->st == C_IDLE || now < c->deadline_ns)
            continue;
        if (c->st == C_DRAINING) {
            conn_close(b, c);
            slot_ready(b, c);
        } else {
            request_failed(b, c, F_TIMEOUT);
        }
    }
}

/* Whatever is still in flight at the hard stop counts as aborted. */
static void abort_all(bench *b)
{
    for (int i = 0; i < b->o.concurrency; i++) {
        conn *c = &b->conns[i];
        if (c->st != C_IDLE && c->st != C_DRAINING)
            b->fails[F_ABORTED]++;
        conn_close(b, c);
    }
    b->fails[F_NOT_SENT] += b->o.events - b->issued;
}

static void run_loop(bench *b)
{
    struct epoll_event evs[256];
    uint64_t last_check = now_ns();
    while (b->finished < b->o.events) {
        while (b->n_ready > 0 && b->issued < b->o.events)
            start_request(b, &b->conns[b->ready[--b->n_ready]]);
        if (b->finished >= b->o.events)
            break;
        int n = epoll_wait(b->ep, evs, 256, 20);
        for (int i = 0; i < n; i++) {
            conn *c = evs[i].data.ptr;
            if (c->st == C_IDLE)
                idle_event(b, c, evs[i].events);
            else
                step(b, c);
        }
        uint64_t now = now_ns();
        if (now >= b->hard_stop_ns) {
            abort_all(b);
            break;
        }
        if (now - last_check > 50000000ull) {
            check_timeouts(b, now);
            last_check = now;
        }
    }
    if (!b->t_end_ns)
        b->t_end_ns = now_ns();
}

/* ---- report ------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array, in milliseconds. */
static double pct_ms(const uint64_t *v, long n, double p)
{
    if (n == 0)
        return 0;
    long rank = (long)((p / 100.0) * (double)n + 0.999999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return (double)v[rank - 1] / 1e6;
}

static void print_text(const bench *b, double secs, long failed, const double *p)
{
    printf("bench_ingest: %s, target %s%s, %d in flight\n",
           b->o.mode == MODE_KEEP_ALIVE ? "keep-alive" : "new-connection", b->o.target_str,
           b->o.path, b->o.concurrency);
    printf("  requests   %ld sent, %ld answered, %ld answered 200, %ld failed\n", b->issued,
           b->n_lat, b->ok, failed);
    printf("  time       %.3f s, %ld connections opened\n", secs, b->connects);
    printf("  throughput %.0f events/s (200 answers per second)\n", b->ok / secs);
    printf("  latency ms median %.3f  p90 %.3f  p99 %.3f  max %.3f\n", p[0], p[1], p[2], p[3]);
    for (int s = 0; s < 600; s++)
        if (b->status_count[s] && s != 200)
            printf("  !! HTTP %d: %ld responses\n", s, b->status_count[s]);
    for (int i = 0; i < F__COUNT; i++)
        if (b->fails[i])
            printf("  !! %s: %ld requests\n", fail_names[i], b->fails[i]);
    if (failed)
        printf("  !! FAILED: %ld of %ld requests did not get a 200; figures above are not "
               "a clean run\n",
               failed, b->o.events);
}

static void print_json(const bench *b, double secs, long failed, const double *p)
{
    printf("{\"mode\":\"%s\",\"target\":\"%s\",\"path\":\"%s\",\"concurrency\":%d,"
           "\"events\":%ld,\"sent\":%ld,\"answered\":%ld,\"ok\":%ld,\"failed\":%ld,"
           "\"connections\":%ld,\"seconds\":%.6f,\"events_per_s\":%.1f,"
           "\"latency_ms\":{\"median\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f},"
           "\"status\":{",
           b->o.mode == MODE_KEEP_ALIVE ? "keep-alive" : "new-connection", b->o.target_str,
           b->o.path, b->o.concurrency, b->o.events, b->issued, b->n_lat, b->ok, failed,
           b->connects, secs, b->ok / secs, p[0], p[1], p[2], p[3]);
    const char *sep = "";
    for (int s = 0; s < 600; s++) {
        if (b->status_count[s]) {
            printf("%s\"%d\":%ld", sep, s, b->status_count[s]);
            sep = ",";
        }
    }
    printf("},\"errors\":{");
    sep = "";
    for (int i = 0; i < F__COUNT; i++) {
        printf("%s\"%s\":%ld", sep, fail_names[i], b->fails[i]);
        sep = ",";
    }
    printf("}}\n");
}

static long report(bench *b)
{
    qsort(b->lat_ns, (size_t)b->n_lat, sizeof *b->lat_ns, cmp_u64);
    double p[4] = {pct_ms(b->lat_ns, b->n_lat, 50), pct_ms(b->lat_ns, b->n_lat, 90),
                   pct_ms(b->lat_ns, b->n_lat, 99), pct_ms(b->lat_ns, b->n_lat, 100)};
    double secs = (double)(b->t_end_ns - b->t0_ns) / 1e9;
    if (secs <= 0)
        secs = 1e-9;
    long failed = b->o.events - b->ok;
    if (b->o.json)
        print_json(b, secs, failed, p);
    else
        print_text(b, secs, failed, p);
    if (failed)
        fprintf(stderr, "bench_ingest: %ld of %ld requests FAILED (see the report)\n", failed,
                b->o.events);
    return failed;
}

/* ---- main --------------------------------------------------------------- */

static bool raise_fd_limit(int need)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl))
        return false;
    if (rl.rlim_cur >= (rlim_t)need)
        return true;
    rl.rlim_cur = rl.rlim_max >= (rlim_t)need ? (rlim_t)need : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    return rl.rlim_cur >= (rlim_t)need;
}

static bool bench_init(bench *b)
{
    if (b->o.concurrency > b->o.events)
        b->o.concurrency = (int)b->o.events;
    if (!raise_fd_limit(b->o.concurrency + 64)) {
        fprintf(stderr, "bench_ingest: cannot open %d sockets (RLIMIT_NOFILE)\n", b->o.concurrency);
        return false;
    }
    if (b->o.body_file && !load_body_file(b))
        return false;
    b->ep = epoll_create1(EPOLL_CLOEXEC);
    b->conns = calloc((size_t)b->o.concurrency, sizeof *b->conns);
    b->ready = calloc((size_t)b->o.concurrency, sizeof *b->ready);
    b->lat_ns = malloc((size_t)b->o.events * sizeof *b->lat_ns);
    if (b->ep < 0 || !b->conns || !b->ready || !b->lat_ns) {
        fprintf(stderr, "bench_ingest: out of memory or epoll failed\n");
        return false;
    }
    for (int i = 0; i < b->o.concurrency; i++) {
        b->conns[i].fd = -1;
        b->ready[b->n_ready++] = i;
    }
    return true;
}

int main(int argc, char **argv)
{
    static bench b;
    int rc = parse_args(&b.o, argc, argv);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (!check_addresses(&b.o))
        return 2;
    if (!bench_init(&b))
        return 2;
    signal(SIGPIPE, SIG_IGN);
    b.t0_ns = now_ns();
    b.hard_stop_ns = b.t0_ns + (uint64_t)(b.o.duration_limit_s * 1e9);
    run_loop(&b);
    long failed = report(&b);
    for (int i = 0; i < b.o.concurrency; i++)
        conn_close(&b, &b.conns[i]);
    close(b.ep);
    free(b.conns);
    free(b.ready);
    free(b.lat_ns);
    free(b.file_body);
    return failed ? 1 : 0;
}
