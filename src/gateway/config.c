/* config.c: defaults < config file < HIKGATE_* environment < command line. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    OPT_STREAM_IDLE,
    OPT_HEALTH_INTERVAL,
    OPT_HEALTH_FAILURES,
    OPT_CONFIG,
};

static const struct {
    int id;
    const char *name; /* option, config-file key */
    const char *env;
    const char *help;
} settings[] = {
    {OPT_DATA_DIR, "data-dir", "HIKGATE_DATA_DIR", "DIR   database, key and pictures (default ./data)"},
    {OPT_INGEST, "ingest", "HIKGATE_INGEST", "ADDR:PORT   camera event listener (default 0.0.0.0:4000)"},
    {OPT_INGEST_PATH, "ingest-path", "HIKGATE_INGEST_PATH", "PATH   path cameras post to (default /hik)"},
    {OPT_API, "api", "HIKGATE_API", "ADDR:PORT   REST API and web UI (default 127.0.0.1:8080)"},
    {OPT_ADMIN_PASSWORD, "admin-password", "HIKGATE_ADMIN_PASSWORD",
     "PW   password of user admin on first run (default: generated and printed once)"},
    {OPT_WEB_DIR, "web-dir", "HIKGATE_WEB_DIR", "DIR   static web UI files"},
    {OPT_LOG_LEVEL, "log-level", "HIKGATE_LOG_LEVEL", "LEVEL   debug, info, warn, error (default info)"},
    {OPT_SYNC, "sync", "HIKGATE_SYNC",
     "full|normal   fsync every commit (full, default) or let the OS flush (normal)"},
    {OPT_MAX_BODY, "max-body", "HIKGATE_MAX_BODY", "BYTES   largest event body accepted (default 16777216)"},
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
        fprintf(stderr, "hikgated: %s: expected a number from %ld to %ld, got '%s'\n", what,
                lo, hi, v);
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
        return config__copy(id == OPT_API ? cfg->api_addr : cfg->ingest_addr,
                            sizeof cfg->api_addr, v, what);
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
    struct option longopts[N_SETTINGS + 4];
    size_t k = 0;
    for (size_t i = 0; i < N_SETTINGS; i++)
        longopts[k++] = (struct option){settings[i].name, required_argument, NULL, settings[i].id};
    longopts[k++] = (struct option){"config", required_argument, NULL, OPT_CONFIG};
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
    return 0;
}
