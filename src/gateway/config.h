/* config.h: the daemon's settings, from (in rising priority) defaults, a
 * config file, HIKGATE_* environment variables and the command line. */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define GW_SADP_MAX_TARGETS 8

typedef struct gw_config {
    char data_dir[1024];      /* --data-dir, HIKGATE_DATA_DIR; default ./data */
    char ingest_addr[256];    /* --ingest ADDR:PORT, HIKGATE_INGEST; default 0.0.0.0:4000 */
    char ingest_path[128];    /* --ingest-path, HIKGATE_INGEST_PATH; default /hik */
    char api_addr[256];       /* --api ADDR:PORT, HIKGATE_API; default 127.0.0.1:8080 */
    char admin_password[256]; /* --admin-password, HIKGATE_ADMIN_PASSWORD: first run only */
    char web_dir[1024];       /* --web-dir, HIKGATE_WEB_DIR: static UI files */
    char log_level[16];       /* --log-level, HIKGATE_LOG_LEVEL; default info */
    bool sync_full;           /* --sync full|normal, HIKGATE_SYNC; default full */
    size_t max_body;          /* --max-body BYTES, HIKGATE_MAX_BODY; default 16 MiB */
    int action_workers;       /* --action-workers N; default 4 */
    int device_timeout_ms;    /* --device-timeout MS; default 5000 */
    /* SADP discovery. --sadp-target may be given several times (or as a
     * comma-separated list) to probe several addresses, e.g. the group and
     * 255.255.255.255; a later layer (file, environment, command line)
     * replaces an earlier one's list. */
    char sadp_interface[16];                    /* --sadp-interface ADDR; default 0.0.0.0 */
    char sadp_targets[GW_SADP_MAX_TARGETS][16]; /* --sadp-target; default 239.255.255.250 */
    int n_sadp_targets;
    int sadp_port; /* --sadp-port N; default 37020 */
    /* Automatic camera configuration: the address cameras are told to push
     * to. "" = the ingest address when it is a specific one, else the
     * local address of the connection to each camera. */
    char advertise_addr[64]; /* --advertise-addr ADDR */
    /* Live event state (event_state.h): how long an `active` lasts with no
     * repeat. 0 = the built-in defaults (10 s; ANPR and face 2 s). */
    int state_expiry_ms;          /* --state-expiry SECONDS (fractions allowed) */
    char state_expiry_kinds[256]; /* --state-expiry-kind kind=SECONDS[,kind=SECONDS] */
    size_t state_max_keys;        /* --state-max-keys N; default 4096 */
    /* HTTPS on the listeners (PEM files); "" = plain HTTP. */
    char api_tls_cert[1024];    /* --api-tls-cert FILE, HIKGATE_API_TLS_CERT */
    char api_tls_key[1024];     /* --api-tls-key FILE, HIKGATE_API_TLS_KEY */
    char ingest_tls_cert[1024]; /* --ingest-tls-cert FILE, HIKGATE_INGEST_TLS_CERT */
    char ingest_tls_key[1024];  /* --ingest-tls-key FILE, HIKGATE_INGEST_TLS_KEY */
    /* One-shot commands instead of running the daemon (command line only). */
    char generate_tls[1024]; /* --generate-tls DIR: write a self-signed key.pem/cert.pem */
    char tls_hosts[512];     /* --tls-hosts LIST: extra subjectAltNames for --generate-tls */
    bool rotate_key;         /* --rotate-key: re-seal the device passwords under a new key */
    /* Who may post events (ingest_guard.h). By default only declared
     * devices; any = everyone, as before. */
    bool ingest_accept_any;    /* --ingest-accept declared|any; default declared */
    int ingest_auth;           /* --ingest-auth none|basic|digest: GW_INGEST_AUTH_* */
    char ingest_user[64];      /* --ingest-user U */
    char ingest_password[128]; /* --ingest-password P */
    int ingest_timeout_s;      /* --ingest-timeout SECONDS idle connection cut-off; default 10 */
    int ingest_per_ip; /* --ingest-per-ip N concurrent connections per address; default 32 */
    /* Retention (retention.c): 0 = keep. */
    int retention_days;  /* --retention-days N */
    int pictures_max_mb; /* --pictures-max-mb N */
    int stream_idle_timeout_s; /* --stream-idle-timeout S: a silent alertStream is stalled; 30 */
    int health_interval_s;     /* --health-interval S: deviceInfo probe period; 30 (0: off) */
    int health_failures;       /* --health-failures N: failed probes before offline; 2 */
} gw_config;

enum { GW_INGEST_AUTH_NONE = 0, GW_INGEST_AUTH_BASIC, GW_INGEST_AUTH_DIGEST };

/* Fill with defaults. */
void gw_config_defaults(gw_config *cfg);

/* Apply a `key = value` file (keys as the long options without "--"),
 * then the environment, then argv. Returns 0 to run, 1 when the program
 * should exit successfully (--help, --version printed), -1 on a usage
 * error (message already printed to stderr). */
int gw_config_load(gw_config *cfg, int argc, char **argv);

/* Split "ADDR:PORT" ("[v6]:PORT" too) into host and port. */
bool gw_config_split_addr(const char *addr_port, char *host, size_t host_len, int *port);

#endif
