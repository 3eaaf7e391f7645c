/* config.c: defaults < config file < HIKGATE_* environment < command line. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hik/event.h"
#include "hik/version.h"
#include "log.h"

void gw_config_defaults(gw_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->data_dir, sizeof cfg->data_dir, "data");
    snprintf(cfg->ingest_addr, sizeof cfg->ingest_addr, "0.0.0.0:4000");
    snprintf(cfg->ingest_path, sizeof cfg->ingest_path, "/hik");
    snprintf(cfg->api_addr, sizeof cfg->api_addr, "127.0.0.1:8080");
    snprintf(cfg->log_level, sizeof cfg->log_level, "info");
    cfg->sync_full = true;
    cfg->max_body = 16u * 1024 * 1024;
    cfg->action_workers = 4;
    cfg->device_timeout_ms = 5000;
    snprintf(cfg->sadp_interface, sizeof cfg->sadp_interface, "0.0.0.0");
    snprintf(cfg->sadp_targets[0], sizeof cfg->sadp_targets[0], "239.255.255.250");
    cfg->n_sadp_targets = 1;
    cfg->sadp_port = 37020;
    cfg->state_max_keys = 4096;
    cfg->ingest_timeout_s = 10;
    cfg->ingest_per_ip = 32;
    cfg->stream_idle_timeout_s = 30;
    cfg->health_interval_s = 30;
    cfg->health_failures = 2;
}

bool gw_config_split_addr(const char *addr_port, char *host, size_t host_len, int *port)
{
    const char *colon;
    const char *h = addr_port;
    size_t hl;
    if (addr_port[0] == '[') {
        const char *close = strchr(addr_port, ']');
        if (!close || close[1] != ':')
            return false;
        h = addr_port + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(addr_port, ':');
        if (!colon)
            return false;
        hl = (size_t)(colon - addr_port);
    }
    if (hl == 0 || hl >= host_len)
        return false;
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || p < 0 || p > 65535)
        return false;
    memcpy(host, h, hl);
    host[hl] = 0;
    *port = (int)p;
    return true;
}

enum {
    OPT_DATA_DIR = 1000,
    OPT_INGEST,
    OPT_INGEST_PATH,
    OPT_API,
    OPT_ADMIN_PASSWORD,
    OPT_WEB_DIR,
    OPT_LOG_LEVEL,
    OPT_SYNC,
    OPT_MAX_BODY,
    OPT_ACTION_WORKERS,
    OPT_DEVICE_TIMEOUT,
    OPT_SADP_INTERFACE,
    OPT_SADP_TARGET,
    OPT_SADP_PORT,
    OPT_ADVERTISE_ADDR,
    OPT_STATE_EXPIRY,
    OPT_STATE_EXPIRY_KIND,
    OPT_STATE_MAX_KEYS,
    OPT_API_TLS_CERT,
    OPT_API_TLS_KEY,
    OPT_INGEST_TLS_CERT,
    OPT_INGEST_TLS_KEY,
    OPT_INGEST_ACCEPT,
    OPT_INGEST_AUTH,
    OPT_INGEST_USER,
    OPT_INGEST_PASSWORD,
    OPT_INGEST_TIMEOUT,
    OPT_INGEST_PER_IP,
    OPT_RETENTION_DAYS,
    OPT_PICTURES_MAX_MB,
    OPT_STREAM_IDLE,
    OPT_HEALTH_INTERVAL,
    OPT_HEALTH_FAILURES,
    OPT_CONFIG,
    OPT_GENERATE_TLS,
    OPT_TLS_HOSTS,
    OPT_ROTATE_KEY,
};

static const struct {
    int id;
    const char *name; /* option, config-file key */
    const char *env;
    const char *help;
} settings[] = {
    {OPT_DATA_DIR, "data-dir", "HIKGATE_DATA_DIR",
     "DIR   database, key and pictures (default ./data)"},
    {OPT_INGEST, "ingest", "HIKGATE_INGEST",
     "ADDR:PORT   camera event listener (default 0.0.0.0:4000)"},
    {OPT_INGEST_PATH, "ingest-path", "HIKGATE_INGEST_PATH",
     "PATH   path cameras post to (default /hik)"},
    {OPT_API, "api", "HIKGATE_API", "ADDR:PORT   REST API and web UI (default 127.0.0.1:8080)"},
    {OPT_ADMIN_PASSWORD, "admin-password", "HIKGATE_ADMIN_PASSWORD",
     "PW   password of user admin on first run (default: generated and printed once)"},
    {OPT_WEB_DIR, "web-dir", "HIKGATE_WEB_DIR",
     "DIR   web UI files (default: web/ next to the binary, else the source tree's)"},
    {OPT_LOG_LEVEL, "log-level", "HIKGATE_LOG_LEVEL",
     "LEVEL   debug, info, warn, error (default info)"},
    {OPT_SYNC, "sync", "HIKGATE_SYNC",
     "full|normal   fsync every commit (full, default) or let the OS flush (normal)"},
    {OPT_MAX_BODY, "max-body", "HIKGATE_MAX_BODY",
     "BYTES   largest event body accepted (default 16777216)"},
    {OPT_ACTION_WORKERS, "action-workers", "HIKGATE_ACTION_WORKERS",
     "N   threads running actions on devices (default 4)"},
    {OPT_DEVICE_TIMEOUT, "device-timeout", "HIKGATE_DEVICE_TIMEOUT",
     "MS   timeout of one request to a device (default 5000)"},
    {OPT_SADP_INTERFACE, "sadp-interface", "HIKGATE_SADP_INTERFACE",
     "ADDR   local IPv4 address SADP discovery probes from (default 0.0.0.0: any)"},
    {OPT_SADP_TARGET, "sadp-target", "HIKGATE_SADP_TARGET",
     "ADDR   where discovery probes go (default 239.255.255.250; repeat or list\n"
     "      with commas to add e.g. 255.255.255.255)"},
    {OPT_SADP_PORT, "sadp-port", "HIKGATE_SADP_PORT", "N   SADP UDP port (default 37020)"},
    {OPT_ADVERTISE_ADDR, "advertise-addr", "HIKGATE_ADVERTISE_ADDR",
     "ADDR   address cameras are configured to push events to (default: the ingest\n"
     "      address, or when that is 0.0.0.0 the local address facing each camera)"},
    {OPT_STATE_EXPIRY, "state-expiry", "HIKGATE_STATE_EXPIRY",
     "SECONDS   an active event state with no repeat ends after this long\n"
     "      (default 10; ANPR and face events 2)"},
    {OPT_STATE_EXPIRY_KIND, "state-expiry-kind", "HIKGATE_STATE_EXPIRY_KIND",
     "KIND=SECONDS[,...]   expiry of one event kind, e.g. motion=5,intrusion=20"},
    {OPT_STATE_MAX_KEYS, "state-max-keys", "HIKGATE_STATE_MAX_KEYS",
     "N   live event state keys kept, least recently updated dropped (default 4096)"},
    {OPT_API_TLS_CERT, "api-tls-cert", "HIKGATE_API_TLS_CERT",
     "FILE   serve the API over HTTPS with this PEM certificate (chain)"},
    {OPT_API_TLS_KEY, "api-tls-key", "HIKGATE_API_TLS_KEY", "FILE   ... and this PEM key"},
    {OPT_INGEST_TLS_CERT, "ingest-tls-cert", "HIKGATE_INGEST_TLS_CERT",
     "FILE   accept camera events over HTTPS with this PEM certificate"},
    {OPT_INGEST_TLS_KEY, "ingest-tls-key", "HIKGATE_INGEST_TLS_KEY", "FILE   ... and this PEM key"},
    {OPT_INGEST_ACCEPT, "ingest-accept", "HIKGATE_INGEST_ACCEPT",
     "declared|any   accept events from declared devices only (default), or from anyone"},
    {OPT_INGEST_AUTH, "ingest-auth", "HIKGATE_INGEST_AUTH",
     "none|basic|digest   HTTP authentication cameras must give on the ingest path\n"
     "      (default none)"},
    {OPT_INGEST_USER, "ingest-user", "HIKGATE_INGEST_USER", "USER   ingest authentication user"},
    {OPT_INGEST_PASSWORD, "ingest-password", "HIKGATE_INGEST_PASSWORD",
     "PW   ingest authentication password"},
    {OPT_INGEST_TIMEOUT, "ingest-timeout", "HIKGATE_INGEST_TIMEOUT",
     "SECONDS   an ingest connection idle this long is closed (default 10)"},
    {OPT_INGEST_PER_IP, "ingest-per-ip", "HIKGATE_INGEST_PER_IP",
     "N   concurrent ingest connections from one address (default 32)"},
    {OPT_RETENTION_DAYS, "retention-days", "HIKGATE_RETENTION_DAYS",
     "N   delete events older than N days (default 0: keep)"},
    {OPT_PICTURES_MAX_MB, "pictures-max-mb", "HIKGATE_PICTURES_MAX_MB",
     "N   keep at most N MiB of event pictures, oldest deleted first (default 0: no cap)"},
    {OPT_STREAM_IDLE, "stream-idle-timeout", "HIKGATE_STREAM_IDLE_TIMEOUT",
     "S   an alertStream silent this long is stalled and reconnected (default 30)"},
    {OPT_HEALTH_INTERVAL, "health-interval", "HIKGATE_HEALTH_INTERVAL",
     "S   seconds between deviceInfo probes of each device, jittered (default 30; 0: off)"},
    {OPT_HEALTH_FAILURES, "health-failures", "HIKGATE_HEALTH_FAILURES",
     "N   probes in a row without an answer before a device is offline (default 2)"},
};
#define N_SETTINGS (sizeof settings / sizeof settings[0])

static void config__usage(FILE *out)
{
    fprintf(out, "Usage: hikgated [OPTION]...\n"
                 "Gateway for Hikvision cameras and NVRs: receives their events on the ingest\n"
                 "listener, stores them, runs the scenarios they trigger, and serves the REST\n"
                 "API and web UI.\n\nOptions:\n");
    fprintf(out, "  --config FILE   read `key = value` settings (keys as the long options)\n");
    for (size_t i = 0; i < N_SETTINGS; i++)
        fprintf(out, "  --%s %s\n", settings[i].name, settings[i].help);
    fprintf(out, "\nCommands (the daemon does not start):\n"
                 "  --generate-tls DIR   write a self-signed DIR/key.pem and DIR/cert.pem\n"
                 "                       naming localhost, 127.0.0.1 and --tls-hosts LIST\n"
                 "  --rotate-key         re-seal every device password under a new\n"
                 "                       secret.key (hikgated must be stopped)\n\n");
    fprintf(out, "  --help          show this help\n  --version       show the version\n\n"
                 "Every option can also be set with the environment variable named after it,\n"
                 "e.g. HIKGATE_DATA_DIR. Command line > environment > config file.\n");
}

static bool config__copy(char *dst, size_t len, const char *v, const char *what)
{
    if (strlen(v) >= len) {
        fprintf(stderr, "hikgated: %s: value too long\n", what);
        return false;
    }
    snprintf(dst, len, "%s", v);
    return true;
}

static bool config__int(const char *v, long lo, long hi, long *out, const char *what)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || end == v || n < lo || n > hi) {
        fprintf(stderr, "hikgated: %s: expected a number from %ld to %ld, got '%s'\n", what, lo, hi,
                v);
        return false;
    }
    *out = n;
    return true;
}

/* Set at the start of each layer (file, environment, command line): the
 * first --sadp-target of a layer replaces the list, later ones add. */
static bool config__targets_fresh;

static bool config__ipv4(const char *v, const char *what)
{
    struct in_addr a;
    if (inet_pton(AF_INET, v, &a) == 1)
        return true;
    fprintf(stderr, "hikgated: %s: expected a dotted IPv4 address, got '%s'\n", what, v);
    return false;
}

static bool config__targets(gw_config *cfg, const char *v, const char *what)
{
    if (config__targets_fresh)
        cfg->n_sadp_targets = 0;
    config__targets_fresh = false;
    char list[256];
    if (!config__copy(list, sizeof list, v, what))
        return false;
    char *save = NULL;
    for (char *t = strtok_r(list, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        if (!config__ipv4(t, what))
            return false;
        if (cfg->n_sadp_targets == GW_SADP_MAX_TARGETS) {
            fprintf(stderr, "hikgated: %s: at most %d targets\n", what, GW_SADP_MAX_TARGETS);
            return false;
        }
        snprintf(cfg->sadp_targets[cfg->n_sadp_targets++], sizeof cfg->sadp_targets[0], "%s", t);
    }
    return true;
}

static bool config__seconds(const char *v, int *ms, const char *what)
{
    char *end;
    errno = 0;
    double sec = strtod(v, &end);
    if (errno || *end || end == v || !(sec >= 0.05 && sec <= 86400)) {
        fprintf(stderr, "hikgated: %s: expected seconds from 0.05 to 86400, got '%s'\n", what, v);
        return false;
    }
    *ms = (int)(sec * 1000 + 0.5);
    return true;
}

/* "kind=seconds,..." with known kinds only. */
static bool config__expiry_kinds(gw_config *cfg, const char *v, const char *what)
{
    char list[sizeof cfg->state_expiry_kinds];
    if (!config__copy(list, sizeof list, v, what))
        return false;
    char *save = NULL;
    for (char *t = strtok_r(list, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        char *eq = strchr(t, '=');
        int ms;
        if (eq)
            *eq = 0;
        if (!eq || hik_event_kind_from_name(t) == HIK_EV__COUNT) {
            fprintf(stderr, "hikgated: %s: expected KIND=SECONDS with a known kind, got '%s'\n",
                    what, t);
            return false;
        }
        if (!config__seconds(eq + 1, &ms, what))
            return false;
    }
    return config__copy(cfg->state_expiry_kinds, sizeof cfg->state_expiry_kinds, v, what);
}

/* Ingest trust, limits and retention. */
static bool config__set_security(gw_config *cfg, int id, const char *v, const char *what)
{
    long n;
    switch (id) {
    case OPT_INGEST_ACCEPT:
        if (strcmp(v, "declared") && strcmp(v, "any")) {
            fprintf(stderr, "hikgated: %s: expected declared or any\n", what);
            return false;
        }
        cfg->ingest_accept_any = strcmp(v, "any") == 0;
        return true;
    case OPT_INGEST_AUTH:
        if (strcmp(v, "none") == 0)
            cfg->ingest_auth = GW_INGEST_AUTH_NONE;
        else if (strcmp(v, "basic") == 0)
            cfg->ingest_auth = GW_INGEST_AUTH_BASIC;
        else if (strcmp(v, "digest") == 0)
            cfg->ingest_auth = GW_INGEST_AUTH_DIGEST;
        else {
            fprintf(stderr, "hikgated: %s: expected none, basic or digest\n", what);
            return false;
        }
        return true;
    case OPT_INGEST_USER:
        return config__copy(cfg->ingest_user, sizeof cfg->ingest_user, v, what);
    case OPT_INGEST_PASSWORD:
        return config__copy(cfg->ingest_password, sizeof cfg->ingest_password, v, what);
    case OPT_INGEST_TIMEOUT:
        if (!config__int(v, 1, 3600, &n, what))
            return false;
        cfg->ingest_timeout_s = (int)n;
        return true;
    case OPT_INGEST_PER_IP:
        if (!config__int(v, 1, 65536, &n, what))
            return false;
        cfg->ingest_per_ip = (int)n;
        return true;
    case OPT_RETENTION_DAYS:
        if (!config__int(v, 0, 36500, &n, what))
            return false;
        cfg->retention_days = (int)n;
        return true;
    case OPT_PICTURES_MAX_MB:
        if (!config__int(v, 0, 16 * 1024 * 1024, &n, what))
            return false;
        cfg->pictures_max_mb = (int)n;
        return true;
    }
    return false;
}

static bool config__set(gw_config *cfg, int id, const char *v, const char *what)
{
    long n;
    char host[256];
    int port;
    switch (id) {
    case OPT_DATA_DIR:
        return config__copy(cfg->data_dir, sizeof cfg->data_dir, v, what);
    case OPT_INGEST:
    case OPT_API:
        if (!gw_config_split_addr(v, host, sizeof host, &port)) {
            fprintf(stderr, "hikgated: %s: expected ADDR:PORT, got '%s'\n", what, v);
            return false;
        }
        return config__copy(id == OPT_API ? cfg->api_addr : cfg->ingest_addr, sizeof cfg->api_addr,
                            v, what);
    case OPT_INGEST_PATH:
        if (v[0] != '/') {
            fprintf(stderr, "hikgated: %s: must start with '/'\n", what);
            return false;
        }
        return config__copy(cfg->ingest_path, sizeof cfg->ingest_path, v, what);
    case OPT_ADMIN_PASSWORD:
        return config__copy(cfg->admin_password, sizeof cfg->admin_password, v, what);
    case OPT_WEB_DIR:
        return config__copy(cfg->web_dir, sizeof cfg->web_dir, v, what);
    case OPT_LOG_LEVEL:
        if (gw_log_level_from_name(v) < 0) {
            fprintf(stderr, "hikgated: %s: expected debug, info, warn or error\n", what);
            return false;
        }
        return config__copy(cfg->log_level, sizeof cfg->log_level, v, what);
    case OPT_SYNC:
        if (strcmp(v, "full") && strcmp(v, "normal")) {
            fprintf(stderr, "hikgated: %s: expected full or normal\n", what);
            return false;
        }
        cfg->sync_full = strcmp(v, "full") == 0;
        return true;
    case OPT_MAX_BODY:
        if (!config__int(v, 4096, 1L << 30, &n, what))
            return false;
        cfg->max_body = (size_t)n;
        return true;
    case OPT_ACTION_WORKERS:
        if (!config__int(v, 1, 64, &n, what))
            return false;
        cfg->action_workers = (int)n;
        return true;
    case OPT_DEVICE_TIMEOUT:
        if (!config__int(v, 100, 600000, &n, what))
            return false;
        cfg->device_timeout_ms = (int)n;
        return true;
    case OPT_SADP_INTERFACE:
        return config__ipv4(v, what) &&
               config__copy(cfg->sadp_interface, sizeof cfg->sadp_interface, v, what);
    case OPT_SADP_TARGET:
        return config__targets(cfg, v, what);
    case OPT_SADP_PORT:
        if (!config__int(v, 1, 65535, &n, what))
            return false;
        cfg->sadp_port = (int)n;
        return true;
    case OPT_ADVERTISE_ADDR: {
        unsigned char buf[16];
        if (inet_pton(AF_INET, v, buf) != 1 && inet_pton(AF_INET6, v, buf) != 1) {
            fprintf(stderr, "hikgated: %s: expected an IP address, got '%s'\n", what, v);
            return false;
        }
        return config__copy(cfg->advertise_addr, sizeof cfg->advertise_addr, v, what);
    }
    case OPT_STATE_EXPIRY:
        return config__seconds(v, &cfg->state_expiry_ms, what);
    case OPT_STATE_EXPIRY_KIND:
        return config__expiry_kinds(cfg, v, what);
    case OPT_API_TLS_CERT:
        return config__copy(cfg->api_tls_cert, sizeof cfg->api_tls_cert, v, what);
    case OPT_API_TLS_KEY:
        return config__copy(cfg->api_tls_key, sizeof cfg->api_tls_key, v, what);
    case OPT_INGEST_TLS_CERT:
        return config__copy(cfg->ingest_tls_cert, sizeof cfg->ingest_tls_cert, v, what);
    case OPT_INGEST_TLS_KEY:
        return config__copy(cfg->ingest_tls_key, sizeof cfg->ingest_tls_key, v, what);
    case OPT_STATE_MAX_KEYS:
        if (!config__int(v, 16, 1000000, &n, what))
            return false;
        cfg->state_max_keys = (size_t)n;
        return true;
    default:
        return config__set_security(cfg, id, v, what);
    case OPT_STREAM_IDLE:
        if (!config__int(v, 1, 3600, &n, what))
            return false;
        cfg->stream_idle_timeout_s = (int)n;
        return true;
    case OPT_HEALTH_INTERVAL:
        if (!config__int(v, 0, 86400, &n, what))
            return false;
        cfg->health_interval_s = (int)n;
        return true;
    case OPT_HEALTH_FAILURES:
        if (!config__int(v, 1, 100, &n, what))
            return false;
        cfg->health_failures = (int)n;
        return true;
    }
    return false;
}

static char *config__trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    return s;
}

static bool config__file(gw_config *cfg, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "hikgated: config %s: %s\n", path, strerror(errno));
        return false;
    }
    char line[2048];
    int lineno = 0;
    bool ok = true;
    while (ok && fgets(line, sizeof line, f)) {
        lineno++;
        char *s = config__trim(line);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            fprintf(stderr, "hikgated: %s:%d: expected key = value\n", path, lineno);
            ok = false;
            break;
        }
        *eq = 0;
        char *key = config__trim(s), *val = config__trim(eq + 1);
        size_t i;
        for (i = 0; i < N_SETTINGS; i++)
            if (strcmp(key, settings[i].name) == 0)
                break;
        if (i == N_SETTINGS) {
            fprintf(stderr, "hikgated: %s:%d: unknown setting '%s'\n", path, lineno, key);
            ok = false;
            break;
        }
        ok = config__set(cfg, settings[i].id, val, key);
    }
    fclose(f);
    return ok;
}

int gw_config_load(gw_config *cfg, int argc, char **argv)
{
    struct option longopts[N_SETTINGS + 7];
    size_t k = 0;
    for (size_t i = 0; i < N_SETTINGS; i++)
        longopts[k++] = (struct option){settings[i].name, required_argument, NULL, settings[i].id};
    longopts[k++] = (struct option){"config", required_argument, NULL, OPT_CONFIG};
    longopts[k++] = (struct option){"generate-tls", required_argument, NULL, OPT_GENERATE_TLS};
    longopts[k++] = (struct option){"tls-hosts", required_argument, NULL, OPT_TLS_HOSTS};
    longopts[k++] = (struct option){"rotate-key", no_argument, NULL, OPT_ROTATE_KEY};
    longopts[k++] = (struct option){"help", no_argument, NULL, 'h'};
    longopts[k++] = (struct option){"version", no_argument, NULL, 'V'};
    longopts[k] = (struct option){0};

    /* First pass: --help, --version and --config, which come before the rest. */
    const char *config_file = getenv("HIKGATE_CONFIG");
    int c;
    opterr = 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
        if (c == 'h') {
            config__usage(stdout);
            return 1;
        }
        if (c == 'V') {
            printf("hikgated %s\n", HIK_VERSION);
            return 1;
        }
        if (c == OPT_CONFIG)
            config_file = optarg;
        if (c == OPT_GENERATE_TLS &&
            !config__copy(cfg->generate_tls, sizeof cfg->generate_tls, optarg, "generate-tls"))
            return -1;
        if (c == OPT_TLS_HOSTS &&
            !config__copy(cfg->tls_hosts, sizeof cfg->tls_hosts, optarg, "tls-hosts"))
            return -1;
        if (c == OPT_ROTATE_KEY)
            cfg->rotate_key = true;
        if (c == '?') {
            fprintf(stderr, "Try 'hikgated --help'.\n");
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "hikgated: unexpected argument '%s'\nTry 'hikgated --help'.\n",
                argv[optind]);
        return -1;
    }
    config__targets_fresh = true;
    if (config_file && *config_file && !config__file(cfg, config_file))
        return -1;
    config__targets_fresh = true;
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const char *v = getenv(settings[i].env);
        if (v && *v && !config__set(cfg, settings[i].id, v, settings[i].env))
            return -1;
    }
    optind = 1;
    opterr = 0;
    config__targets_fresh = true;
    while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
        if (c >= OPT_DATA_DIR && c < OPT_CONFIG &&
            !config__set(cfg, c, optarg, settings[c - OPT_DATA_DIR].name))
            return -1;
    }
    if (cfg->ingest_auth != GW_INGEST_AUTH_NONE &&
        (!cfg->ingest_user[0] || !cfg->ingest_password[0])) {
        fprintf(stderr, "hikgated: --ingest-auth needs --ingest-user and --ingest-password\n");
        return -1;
    }
    return 0;
}
