/* main.c: hiksim's command line, derived identity, and lifetime.
 *
 * Identity that the user does not give is derived from the model and the
 * listen address, so two simulators on 127.0.0.2 and 127.0.0.3 look like
 * two different cameras and the same command gives the same camera every
 * time. With --cameras N one process serves N such devices on consecutive
 * loopback addresses (for load tests): each has its own identity, state,
 * listener and streams. The process runs until SIGINT or SIGTERM; those signals are
 * blocked in every thread and taken with sigwait() in main, so no handler
 * runs inside libmicrohttpd or libcurl. */
#include "sim.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hik/version.h"

static void main__usage(FILE *f)
{
    fprintf(f,
            "usage: hiksim --listen ADDR:PORT --user U --password P [options]\n"
            "A simulated Hikvision camera/NVR: ISAPI with digest auth and lockout,\n"
            "event push to httpHosts, a SADP responder, and /sim/ control endpoints.\n\n"
            "  --model M             model (default DS-2CD2386G2-IU)\n"
            "  --serial S            serial number (default derived from model and address)\n"
            "  --mac MAC             MAC address (default derived from the address)\n"
            "  --firmware V          firmware version (default V5.7.3)\n"
            "  --device-type T       IPCamera (default) or NVR\n"
            "  --channels N          video channels (default 1, max %d)\n"
            "  --auth MODE           digest (default), digest-sha256, digest-both, basic,\n"
            "                        digest-basic\n"
            "  --lockout-after N     failed logins before an IP is locked (default 7)\n"
            "  --lockout-seconds S   lock duration (default 60)\n"
            "  --nonce-seconds S     digest nonce lifetime (default 300)\n"
            "  --push-timeout-ms MS  timeout of one event push (default 5000)\n"
            "  --no-sadp             do not answer SADP discovery (answered by default:\n"
            "                        multicast group 239.255.255.250 joined on the\n"
            "                        interface of the listen address)\n"
            "  --sadp-port N         SADP UDP port (default 37020)\n"
            "  --inactive            start as a factory-fresh device that must be activated\n"
            "                        (the password given is then only a placeholder)\n"
            "  --reboot-seconds S    how long a reboot keeps the device away (default 2)\n"
            "  --tls-cert FILE       serve ISAPI over HTTPS with this PEM certificate\n"
            "  --tls-key FILE        ... and this PEM key (both re-read at every restart)\n"
            "  --log-level L         debug, info (default), warn, error\n"
            "  --cameras N           serve N devices (default 1, max 20000): the first on\n"
            "                        --listen, the next on the following IPv4 addresses\n"
            "                        (last octets 0 and 255 skipped), same port, each with\n"
            "                        its own identity; SADP is off\n"
            "alertStream (GET /ISAPI/Event/notification/alertStream):\n"
            "  --max-streams N       concurrent streams, more get 503 (default 5, max %d)\n"
            "  --heartbeat-seconds S heartbeat alert interval, 0 for none (default 10)\n"
            "  --stream-style STYLE  camera (default) or nvr (version 1.0, dynChannelID,\n"
            "                        videoloss active heartbeat)\n"
            "  --stream-http10       answer HTTP/1.0\n"
            "  --stream-no-content-length      parts without Content-Length\n"
            "  --stream-boundary-mismatch      header boundary differs from the body's\n"
            "  --stream-duplicate-boundaries   an extra boundary line before each part\n"
            "  --stream-drop-every S close every stream S seconds after it opened\n"
            "  --stream-stall-after S          stop sending S seconds after opening,\n"
            "                        without closing\n"
            "  --help, --version\n",
            SIM_MAX_CHANNELS, SIM_MAX_STREAMS);
}

static uint64_t main__fnv(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = a; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    h = (h ^ '|') * 1099511628211ULL;
    for (const char *p = b; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    return h;
}

static bool main__int(const char *text, int min, int max, int *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || v < min || v > max)
        return false;
    *out = (int)v;
    return true;
}

static bool main__listen(const char *text, sim_config *c)
{
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text || (size_t)(colon - text) >= sizeof(c->listen_addr))
        return false;
    memcpy(c->listen_addr, text, (size_t)(colon - text));
    c->listen_addr[colon - text] = '\0';
    return main__int(colon + 1, 0, 65535, &c->port);
}

static bool main__auth(const char *text, sim_auth_mode *mode)
{
    static const char *const names[] = {"digest", "digest-sha256", "digest-both", "basic",
                                        "digest-basic"};
    for (int i = 0; i < 5; i++) {
        if (strcmp(text, names[i]) == 0) {
            *mode = (sim_auth_mode)i;
            return true;
        }
    }
    return false;
}

/* Serial, MAC, device ID and realm not given on the command line. */
static void main__derive_identity(sim_config *c)
{
    char where[96];
    snprintf(where, sizeof(where), "%s:%d", c->listen_addr, c->port);
    uint64_t h = main__fnv(c->model, where);
    if (!c->serial[0])
        snprintf(c->serial, sizeof(c->serial), "%s20230101AAWR%09llu", c->model,
                 (unsigned long long)(h % 1000000000ULL));
    if (!c->mac[0]) {
        unsigned a = 0, b = 0, d = 0, e = 0;
        sscanf(c->listen_addr, "%u.%u.%u.%u", &a, &b, &d, &e);
        /* 02: locally administered, then the port folded to one byte and the
         * IPv4 address, so each simulator has its own */
        snprintf(c->mac, sizeof(c->mac), "02:%02x:%02x:%02x:%02x:%02x",
                 (unsigned)((c->port ^ (c->port >> 8)) & 0xff), a & 0xff, b & 0xff, d & 0xff,
                 e & 0xff);
    }
    uint64_t g = main__fnv(c->serial, "device-id");
    snprintf(c->device_id, sizeof(c->device_id), "%08llx-%04llx-%04llx-%04llx-%012llx",
             (unsigned long long)(g >> 32), (unsigned long long)((g >> 16) & 0xffff),
             (unsigned long long)(0x4000 | (g & 0x0fff)),
             (unsigned long long)(0x8000 | ((h >> 8) & 0x3fff)),
             (unsigned long long)(h & 0xffffffffffffULL));
    snprintf(c->realm, sizeof(c->realm), "IP Camera(%05u)",
             (unsigned)(10000 + main__fnv(c->serial, "realm") % 90000));
}

#define MAIN_MAX_CAMERAS 20000
static int main__n_cameras = 1;

static void main__defaults(sim_config *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->model, sizeof(c->model), "DS-2CD2386G2-IU");
    snprintf(c->firmware, sizeof(c->firmware), "V5.7.3");
    snprintf(c->firmware_date, sizeof(c->firmware_date), "build 220112");
    snprintf(c->device_type, sizeof(c->device_type), "IPCamera");
    c->channels = 1;
    c->auth = SIM_AUTH_DIGEST;
    c->lockout_after = 7;
    c->lockout_seconds = 60;
    c->nonce_seconds = 300;
    c->push_timeout_ms = 5000;
    sim_alert_stream_defaults(c);
    c->reboot_seconds = 2;
    c->port = -1;
    c->sadp = true;
    c->sadp_port = 37020;
}

#define COPY(field) snprintf(c->field, sizeof(c->field), "%s", optarg)

/* Returns -1 to go on, or the exit status. */
static int main__options(int argc, char **argv, sim_config *c)
{
    enum {
        O_LISTEN = 256,
        O_USER,
        O_PASS,
        O_MODEL,
        O_SERIAL,
        O_MAC,
        O_FW,
        O_TYPE,
        O_CHAN,
        O_AUTH,
        O_LOCK_N,
        O_LOCK_S,
        O_NONCE,
        O_PUSH_TO,
        O_LOG,
        O_MAX_STREAMS,
        O_HEARTBEAT,
        O_STYLE,
        O_HTTP10,
        O_NO_CL,
        O_MISMATCH,
        O_DUPS,
        O_DROP,
        O_STALL,
        O_SADP,
        O_NO_SADP,
        O_SADP_PORT,
        O_INACTIVE,
        O_REBOOT_S,
        O_TLS_CERT,
        O_TLS_KEY,
        O_CAMERAS,
        O_HELP,
        O_VERSION
    };
    static const struct option opts[] = {{"listen", 1, 0, O_LISTEN},
                                         {"user", 1, 0, O_USER},
                                         {"password", 1, 0, O_PASS},
                                         {"model", 1, 0, O_MODEL},
                                         {"serial", 1, 0, O_SERIAL},
                                         {"mac", 1, 0, O_MAC},
                                         {"firmware", 1, 0, O_FW},
                                         {"device-type", 1, 0, O_TYPE},
                                         {"channels", 1, 0, O_CHAN},
                                         {"auth", 1, 0, O_AUTH},
                                         {"lockout-after", 1, 0, O_LOCK_N},
                                         {"lockout-seconds", 1, 0, O_LOCK_S},
                                         {"nonce-seconds", 1, 0, O_NONCE},
                                         {"push-timeout-ms", 1, 0, O_PUSH_TO},
                                         {"log-level", 1, 0, O_LOG},
                                         {"max-streams", 1, 0, O_MAX_STREAMS},
                                         {"heartbeat-seconds", 1, 0, O_HEARTBEAT},
                                         {"stream-style", 1, 0, O_STYLE},
                                         {"stream-http10", 0, 0, O_HTTP10},
                                         {"stream-no-content-length", 0, 0, O_NO_CL},
                                         {"stream-boundary-mismatch", 0, 0, O_MISMATCH},
                                         {"stream-duplicate-boundaries", 0, 0, O_DUPS},
                                         {"stream-drop-every", 1, 0, O_DROP},
                                         {"stream-stall-after", 1, 0, O_STALL},
                                         {"sadp", 0, 0, O_SADP},
                                         {"no-sadp", 0, 0, O_NO_SADP},
                                         {"sadp-port", 1, 0, O_SADP_PORT},
                                         {"inactive", 0, 0, O_INACTIVE},
                                         {"reboot-seconds", 1, 0, O_REBOOT_S},
                                         {"tls-cert", 1, 0, O_TLS_CERT},
                                         {"tls-key", 1, 0, O_TLS_KEY},
                                         {"cameras", 1, 0, O_CAMERAS},
                                         {"help", 0, 0, O_HELP},
                                         {"version", 0, 0, O_VERSION},
                                         {0, 0, 0, 0}};
    int o, ms = 0;
    bool ok = true;
    sim_log_level level;
    while (ok && (o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case O_LISTEN:
            ok = main__listen(optarg, c);
            break;
        case O_USER:
            COPY(user);
            break;
        case O_PASS:
            COPY(password);
            break;
        case O_MODEL:
            COPY(model);
            break;
        case O_SERIAL:
            COPY(serial);
            break;
        case O_MAC:
            COPY(mac);
            break;
        case O_FW:
            COPY(firmware);
            break;
        case O_TYPE:
            ok = strcmp(optarg, "IPCamera") == 0 || strcmp(optarg, "NVR") == 0;
            COPY(device_type);
            break;
        case O_CHAN:
            ok = main__int(optarg, 1, SIM_MAX_CHANNELS, &c->channels);
            break;
        case O_AUTH:
            ok = main__auth(optarg, &c->auth);
            break;
        case O_LOCK_N:
            ok = main__int(optarg, 1, 1000, &c->lockout_after);
            break;
        case O_LOCK_S:
            ok = main__int(optarg, 1, 86400, &c->lockout_seconds);
            break;
        case O_NONCE:
            ok = main__int(optarg, 1, 86400, &c->nonce_seconds);
            break;
        case O_PUSH_TO:
            ok = main__int(optarg, 100, 60000, &ms);
            c->push_timeout_ms = ms;
            break;
        case O_LOG:
            ok = sim_log_parse_level(optarg, &level);
            if (ok)
                sim_log_set_level(level);
            break;
        case O_SADP:
        case O_NO_SADP:
            c->sadp = o == O_SADP;
            break;
        case O_SADP_PORT:
            ok = main__int(optarg, 1, 65535, &c->sadp_port);
            break;
        case O_INACTIVE:
            c->inactive = true;
            break;
        case O_CAMERAS:
            ok = main__int(optarg, 1, MAIN_MAX_CAMERAS, &main__n_cameras);
            break;
        case O_REBOOT_S:
            ok = main__int(optarg, 0, 3600, &c->reboot_seconds);
            break;
        case O_TLS_CERT:
            COPY(tls_cert);
            break;
        case O_TLS_KEY:
            COPY(tls_key);
            break;
        case O_HELP:
            main__usage(stdout);
            return 0;
        case O_VERSION:
            printf("hiksim %s\n", HIK_VERSION);
            return 0;
        default:
            if (o >= O_MAX_STREAMS && o <= O_STALL)
                ok = sim_alert_stream_option(c, opts[o - O_LISTEN].name, optarg);
            else
                ok = false;
        }
        if (!ok && o != '?')
            fprintf(stderr, "hiksim: bad value for --%s: %s\n", opts[o - O_LISTEN].name,
                    optarg ? optarg : "");
    }
    if (ok && (c->port < 0 || !c->user[0] || !c->password[0] || optind != argc)) {
        fprintf(stderr, "hiksim: --listen, --user and --password are required\n");
        ok = false;
    }
    if (!ok) {
        main__usage(stderr);
        return 2;
    }
    return -1;
}

/* The next address of a --cameras range (x.y.z.0 and x.y.z.255 skipped). */
static uint32_t main__next_addr(uint32_t a)
{
    do
        a++;
    while ((a & 0xff) == 0 || (a & 0xff) == 255);
    return a;
}

/* One device of a --cameras range, bound (not yet serving). */
static sim *main__camera(const sim_config *base, uint32_t addr)
{
    sim *c = calloc(1, sizeof(*c)); /* its large tables stay untouched, unmapped */
    if (!c)
        return NULL;
    c->cfg = *base;
    struct in_addr ia = {.s_addr = htonl(addr)};
    inet_ntop(AF_INET, &ia, c->cfg.listen_addr, sizeof(c->cfg.listen_addr));
    c->cfg.serial[0] = c->cfg.mac[0] = '\0';
    c->cfg.sadp = false;
    c->http_fd = -1;
    if (sim_state_init(c)) {
        free(c);
        return NULL;
    }
    sim_maintenance_init(c);
    if (sim_alert_stream_init(c) || sim_http_bind(c)) {
        sim_state_destroy(c);
        free(c);
        return NULL;
    }
    main__derive_identity(&c->cfg);
    return c;
}

static int main__many(const sim_config *base, int n, sigset_t *set)
{
    struct in_addr first;
    if (inet_pton(AF_INET, base->listen_addr, &first) != 1 || base->port == 0) {
        fprintf(stderr, "hiksim: --cameras needs an IPv4 --listen address and a fixed port\n");
        return 2;
    }
    sim **all = calloc((size_t)n, sizeof(*all));
    int made = 0, rc = 0;
    uint32_t addr = ntohl(first.s_addr);
    for (; all && made < n; made++, addr = main__next_addr(addr))
        if (!(all[made] = main__camera(base, addr)))
            break;
    if (!all || made < n) {
        fprintf(stderr, "hiksim: camera %d of %d could not be set up\n", made + 1, n);
        rc = 1;
    }
    for (int i = 0; i < made && !rc; i++)
        if (sim_http_start(all[i]))
            rc = 1;
    if (!rc) {
        fprintf(stderr, "hiksim listening on %s:%d (%d cameras, the last on %s)\n",
                base->listen_addr, base->port, n, all[n - 1]->cfg.listen_addr);
        int sig = 0;
        sigwait(set, &sig);
        sim_log(SIM_LOG_INFO, "signal %d: stopping %d cameras", sig, n);
    }
    for (int i = 0; i < made; i++) {
        atomic_store(&all[i]->stopping, true);
        sim_http_stop(all[i]);
        sim_state_destroy(all[i]);
        free(all[i]);
    }
    free(all);
    return rc;
}

int main(int argc, char **argv)
{
    static sim s; /* large tables: not on the stack */
    main__defaults(&s.cfg);
    int rc = main__options(argc, argv, &s.cfg);
    if (rc >= 0)
        return rc;

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    if (main__n_cameras > 1) {
        rc = main__many(&s.cfg, main__n_cameras, &set);
        curl_global_cleanup();
        return rc;
    }
    s.http_fd = -1;
    if (sim_state_init(&s) || sim_alert_stream_init(&s))
        return 1;
    sim_maintenance_init(&s);
    if (sim_http_bind(&s)) /* first: port 0 picks a free port, part of the identity */
        return 1;
    main__derive_identity(&s.cfg);
    if (sim_http_start(&s))
        return 1;
    if (s.cfg.sadp)
        sim_sadp_start(&s); /* a failure is logged and shown in /sim/state */
    fprintf(stderr, "hiksim listening on %s:%d\n", s.cfg.listen_addr, s.cfg.port);
    sim_log(SIM_LOG_INFO, "%s %s serial %s mac %s realm %s", s.cfg.device_type, s.cfg.model,
            s.cfg.serial, s.cfg.mac, s.cfg.realm);

    int sig = 0;
    sigwait(&set, &sig);
    sim_log(SIM_LOG_INFO, "signal %d: stopping", sig);
    atomic_store(&s.stopping, true);
    sim_sadp_stop(&s);
    sim_http_stop(&s);
    sim_state_destroy(&s);
    curl_global_cleanup();
    return 0;
}
