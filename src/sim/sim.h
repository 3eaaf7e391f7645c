/* sim.h: the simulator's internal types, shared by the files of src/sim.
 *
 * One `sim` holds the configuration (fixed after start) and the device
 * state (changed by ISAPI requests, read by pushes and /sim/state). The
 * state is guarded by one mutex: requests are served by one libmicrohttpd
 * thread, but pushes and host tests run on worker threads. Every table has
 * a fixed size, so a client cannot grow the simulator's memory. */
#ifndef HIK_SIM_H
#define HIK_SIM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <libxml/tree.h>

#include "hik/error.h"
#include "sim_buf.h"

#define SIM_MAX_CHANNELS 64
#define SIM_MAX_REGIONS 8 /* privacy mask regions per channel */
#define SIM_MAX_COORDS 10 /* corners per region */
#define SIM_HTTP_HOSTS 3  /* hostNumber in httpHosts/capabilities */
#define SIM_MAX_TRIGGERS 512
#define SIM_MAX_NOTIFS 8
#define SIM_MAX_CLIENTS 64
#define SIM_MAX_PATHS 128
#define SIM_PUSH_LOG 64
#define SIM_MAX_NONCES 256

typedef enum sim_auth_mode {
    SIM_AUTH_DIGEST = 0,    /* MD5, qop=auth */
    SIM_AUTH_DIGEST_SHA256, /* SHA-256 only */
    SIM_AUTH_DIGEST_BOTH,   /* two challenges, MD5 first */
    SIM_AUTH_BASIC,         /* pre-V5.5 firmware */
    SIM_AUTH_DIGEST_BASIC,  /* digest challenge, Basic also accepted */
} sim_auth_mode;

typedef enum sim_log_level {
    SIM_LOG_DEBUG = 0,
    SIM_LOG_INFO,
    SIM_LOG_WARN,
    SIM_LOG_ERROR,
} sim_log_level;

typedef struct sim_config {
    char listen_addr[64];
    int port;
    char user[64];
    char password[64];
    char model[64];
    char serial[96];
    char mac[18];
    char firmware[32];
    char firmware_date[32];
    char device_type[16]; /* IPCamera or NVR */
    char device_id[40];   /* UUID derived from the serial */
    char realm[32];       /* "IP Camera(12345)" */
    int channels;
    sim_auth_mode auth;
    int lockout_after;
    int lockout_seconds;
    int nonce_seconds;
    long push_timeout_ms;
    /* alertStream (sim_alert_stream.c) */
    int max_streams;       /* concurrent alertStreams, more get a 503 */
    int heartbeat_seconds; /* 0: none */
    bool stream_nvr;       /* NVR style: version 1.0, dynChannelID, videoloss active heartbeat */
    bool stream_http10;
    bool stream_no_content_length;
    bool stream_boundary_mismatch;
    bool stream_duplicate_boundaries;
    int stream_drop_every;  /* seconds, 0: never */
    int stream_stall_after; /* seconds, 0: never */
    bool sadp;     /* answer SADP probes (default on; --no-sadp) */
    int sadp_port; /* default 37020 */
    bool inactive;      /* --inactive: a factory-fresh device, not activated */
    int reboot_seconds; /* how long a reboot keeps the listener closed */
    char tls_cert[256]; /* --tls-cert: serve ISAPI over HTTPS ("" = plain HTTP) */
    char tls_key[256];  /* --tls-key */
} sim_config;

typedef struct sim_region {
    int id;
    bool enabled;
    int n_coords;
    int x[SIM_MAX_COORDS];
    int y[SIM_MAX_COORDS];
    char mask_type[16]; /* "" when the client did not send one */
} sim_region;

typedef struct sim_privacy_mask {
    bool enabled;
    int n_regions;
    sim_region regions[SIM_MAX_REGIONS];
    unsigned puts; /* PUTs accepted, for exactly-once checks */
} sim_privacy_mask;

typedef struct sim_notification {
    char id[32];
    char method[32];
    char recurrence[32];
    int video_input; /* 0 = not sent */
} sim_notification;

typedef struct sim_trigger {
    char id[48];
    char event_type[48];
    char description[96];
    int channel; /* 0 = device-wide (exceptions) */
    int n_notifs;
    sim_notification notifs[SIM_MAX_NOTIFS];
} sim_trigger;

typedef struct sim_http_host {
    int id;
    char url[256];
    char protocol[16];   /* HTTP, HTTPS, EHome */
    char format[8];      /* XML, JSON */
    char addressing[16]; /* ipaddress, hostname */
    char ip[64];
    char host_name[128];
    int port;
    char user_name[64];
    char password[64];
    char auth_method[16]; /* none, MD5digest, base64 */
} sim_http_host;

typedef struct sim_client {
    char ip[64];
    int failures;
    time_t lock_until;
    time_t last_seen;
} sim_client;

typedef struct sim_path_count {
    char path[128];
    unsigned long count;
} sim_path_count;

typedef struct sim_push_record {
    time_t at;
    int host_id;
    char url[300];
    char event_type[32];
    char content_type[128];
    size_t bytes;
    long status; /* 0 = no HTTP answer */
    char error[128];
} sim_push_record;

typedef struct sim_nonce {
    char value[96];
    time_t issued;
} sim_nonce;

/* What SADP changed: an update records the new network settings, which
 * the device then advertises, while the simulator keeps listening where it
 * was started. */
typedef struct sim_sadp_state {
    bool running;
    char error[128];
    char ipv4[16];
    char ipv4_mask[16];
    char ipv4_gateway[16];
    bool dhcp;
    int http_port;
    int command_port;
    unsigned long probes, updates, denied, reboots;
} sim_sadp_state;
/* sim_isapi_maintenance.c / sim_isapi_security.c: what management
 * operations change. */
typedef struct sim_ip {
    char addressing[16];
    char address[48];
    char mask[48];
    char gateway[48];
    char dns1[48];
    char dns2[48];
} sim_ip;

typedef struct sim_maint {
    sim_ip ip;
    bool activated;
    char challenge[65];        /* AES key (hex) of the last activation challenge */
    time_t upgrade_started;    /* 0 = no upgrade under way */
    char pending_firmware[32]; /* version the running upgrade installs */
    bool rebooting;
    unsigned long reboots;
    unsigned long password_changes;
    unsigned long config_imports;
} sim_maint;

typedef struct sim_state {
    pthread_mutex_t lock;
    sim_maint maint;
    sim_privacy_mask masks[SIM_MAX_CHANNELS];
    int n_triggers;
    sim_trigger triggers[SIM_MAX_TRIGGERS];
    sim_http_host hosts[SIM_HTTP_HOSTS];
    sim_client clients[SIM_MAX_CLIENTS];
    int n_paths;
    sim_path_count paths[SIM_MAX_PATHS];
    unsigned long paths_dropped;
    sim_push_record pushes[SIM_PUSH_LOG];
    unsigned long n_pushes;
    sim_nonce nonces[SIM_MAX_NONCES];
    unsigned next_nonce;
    unsigned long logins_ok;
    sim_sadp_state sadp;
} sim_state;

struct MHD_Daemon;
struct sim_streams;

typedef struct sim {
    sim_config cfg;
    sim_state st;
    atomic_int jobs; /* worker threads still running */
    atomic_bool stopping;
    /* sim_http.c: this device's server */
    struct MHD_Daemon *http_daemon;
    int http_fd;
    atomic_bool http_restarting;
    struct sim_streams *streams; /* sim_alert_stream.c */
} sim;

/* One request as the handlers see it: the whole body is in memory. */
typedef struct sim_request {
    const char *method;
    const char *path; /* without the query string */
    const char *client_ip;
    const char *authorization; /* NULL when absent */
    const char *content_type;
    const char *body;
    size_t body_len;
} sim_request;

struct sim_reply;
/* Work that must not run on the HTTP thread (it talks to the network).
 * Runs on a worker thread, fills the reply, and owns (frees) arg. */
typedef void (*sim_job_fn)(sim *s, void *arg, struct sim_reply *reply);

#define SIM_MAX_EXTRA_HEADERS 3

typedef struct sim_reply {
    int status;
    char content_type[64];
    sim_buf body;
    int n_headers;
    char header_name[SIM_MAX_EXTRA_HEADERS][32];
    char header_value[SIM_MAX_EXTRA_HEADERS][256];
    sim_job_fn job;
    void *job_arg;
    void *stream; /* an alertStream to serve instead of body (sim_alert_stream.c) */
} sim_reply;

/* sim_log.c */
void sim_log_set_level(sim_log_level level);
bool sim_log_parse_level(const char *name, sim_log_level *level);
void sim_log(sim_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* sim_state.c */
hik_err sim_state_init(sim *s);
void sim_state_destroy(sim *s);
void sim_state_count_path(sim *s, const char *path);
void sim_state_record_push(sim *s, const sim_push_record *rec);
void sim_state_reset_stats(sim *s);
hik_err sim_state_dump(sim *s, sim_buf *out);
const sim_trigger *sim_state_find_trigger_locked(const sim *s, const char *id);

/* sim_tls.c: the PEM pair read (again) at every listener start, so a
 * restarted simulator may present a new key. Fills items (3) for an
 * MHD_OPTION_ARRAY and adds MHD_USE_TLS to *flags; nothing without
 * --tls-cert. */
struct MHD_OptionItem;
hik_err sim_tls_options(const sim_config *c, struct MHD_OptionItem *items, unsigned *flags);

/* sim_http.c */
hik_err sim_http_bind(sim *s); /* resolves port 0 to the bound port */
hik_err sim_http_start(sim *s);
void sim_http_stop(sim *s);
void sim_reply_header(sim_reply *r, const char *name, const char *value);
void sim_reply_text(sim_reply *r, int status, const char *content_type, const char *text);

/* sim_xml.c: ResponseStatus and helpers shared by the ISAPI files. */
void sim_xml_status(sim_reply *r, int http_status, const char *url, int code, const char *string,
                    const char *sub);
void sim_xml_ok(sim_reply *r, const char *url);
void sim_xml_not_found(sim_reply *r, const char *url);
void sim_xml_bad_method(sim_reply *r, const char *url);
void sim_xml_bad_format(sim_reply *r, const char *url);
void sim_xml_bad_content(sim_reply *r, const char *url);
void sim_xml_begin(sim_buf *b, const char *root);
bool sim_xml_path_is(const char *path, const char *pattern, char *arg, size_t arg_len);
/* Parse a request body without entities, DTDs or network; NULL when it is
 * not well-formed. Free with xmlFreeDoc. */
xmlDoc *sim_xml_parse(const char *body, size_t len);
/* First element child with this local name (any namespace). */
xmlNode *sim_xml_child(const xmlNode *parent, const char *name);
bool sim_xml_is(const xmlNode *node, const char *name);
/* Text of a child element; false when absent or longer than out. */
bool sim_xml_text(const xmlNode *parent, const char *name, char *out, size_t len);
bool sim_xml_int(const xmlNode *parent, const char *name, int min, int max, int *out);
bool sim_xml_bool(const xmlNode *parent, const char *name, bool *out);

/* sim_auth.c */
bool sim_auth_check(sim *s, const sim_request *req, sim_reply *reply);
bool sim_auth_handle(sim *s, const sim_request *req, sim_reply *reply);

/* sim_isapi_system.c */
bool sim_isapi_system_handle(sim *s, const sim_request *req, sim_reply *reply);

/* sim_isapi_event.c */
bool sim_isapi_event_handle(sim *s, const sim_request *req, sim_reply *reply);

/* sim_isapi_time.c: clock, NTP servers and the channel snapshot */
bool sim_isapi_time_handle(sim *s, const sim_request *req, sim_reply *reply);

/* sim_isapi_http_hosts.c */
bool sim_isapi_http_hosts_handle(sim *s, const sim_request *req, sim_reply *reply);
bool sim_http_host_configured(const sim_http_host *h);

/* sim_push.c */
bool sim_push_handle(sim *s, const sim_request *req, sim_reply *reply);
/* The body of an httpHosts test: a heartbeat-style alert. */
void sim_push_test_alert(sim *s, sim_buf *out);
/* POST body (content_type, data) to a host from the simulator's address. */
long sim_push_post(sim *s, const sim_http_host *h, const char *content_type, const char *data,
                   size_t len, char *url_out, size_t url_len, char *err, size_t err_len);

/* An event to push, as POST /sim/events describes it. */
typedef struct sim_event {
    char kind[24];
    int channel;
    int region_id;
    char target[16]; /* human, vehicle */
    char plate[32];
    char list[16];      /* allow, block, other */
    char direction[16]; /* incoming, outgoing */
    char name[64];
    int similarity; /* 0-100 */
    bool pictures;
    char state[16]; /* active, inactive */
    int count;
    int post_count; /* activePostCount of the post being built */
    char raw_content_type[128];
    const char *raw_body;
    size_t raw_len;
} sim_event;

typedef struct sim_payload {
    char content_type[128];
    char event_type[32];
    sim_buf body;
} sim_payload;

/* sim_push_payload.c: the bytes a real device would POST for ev. */
bool sim_payload_kind_known(const char *kind);
/* Trigger id gating this event ("VMD-1"), false when none does. */
bool sim_payload_trigger_id(const sim_event *ev, char *out, size_t len);
hik_err sim_payload_build(sim *s, const sim_event *ev, sim_payload *out);
/* sim_push_face.c: the alarmResult / faceCapture JSON document. */
struct json_t *sim_payload_face_json(sim *s, const sim_event *ev, const char *type,
                                     const char *when, bool capture);

/* sim_alert_stream.c: GET /ISAPI/Event/notification/alertStream */
#define SIM_MAX_STREAMS 32
void sim_alert_stream_defaults(sim_config *c);
/* One alertStream command-line option (name without "--"); false when
 * the value is bad. */
bool sim_alert_stream_option(sim_config *c, const char *name, const char *value);
/* Before any device of the process is started: its stream table. */
hik_err sim_alert_stream_init(sim *s);
hik_err sim_alert_stream_start(sim *s);
/* Wakes and ends every stream; before the HTTP server stops. */
void sim_alert_stream_stop(sim *s);
bool sim_alert_stream_handle(sim *s, const sim_request *req, sim_reply *reply);
struct MHD_Connection;
/* Queue the reply of a request that sim_alert_stream_handle took. */
int sim_alert_stream_queue(sim *s, struct MHD_Connection *conn, sim_reply *reply);
/* Send an event payload to every open stream; returns how many got it. */
int sim_alert_stream_publish(sim *s, const sim_payload *p);
int sim_alert_stream_open_count(sim *s);
struct json_t *sim_alert_stream_state_json(sim *s);
/* sim_http.c: close the listener and every connection, wait, listen
 * again on the same address (a device restarting). Runs on its own
 * thread; false when one is already under way. */
bool sim_http_restart(sim *s, int down_seconds, void (*while_down)(sim *s));

/* sim_isapi_security.c: activation (answered before authentication) and
 * account passwords. */
bool sim_isapi_security_pre_auth(sim *s, const sim_request *req, sim_reply *reply);
bool sim_isapi_security_handle(sim *s, const sim_request *req, sim_reply *reply);

/* sim_isapi_maintenance.c: ipAddress, reboot, firmware, configurationData. */
void sim_maintenance_init(sim *s);
bool sim_isapi_maintenance_handle(sim *s, const sim_request *req, sim_reply *reply);
struct json_t *sim_maintenance_json(sim *s); /* for /sim/state; caller holds the lock */

/* sim_isapi_streaming.c: channel snapshots (JPEG). */
bool sim_isapi_streaming_handle(sim *s, const sim_request *req, sim_reply *reply);

/* sim_control.c */
bool sim_control_handle(sim *s, const sim_request *req, sim_reply *reply);

/* sim_sadp.c: the SADP responder (its own thread and UDP socket). Start
 * after the HTTP port is known; failure is logged and left in the state,
 * the simulator runs on without SADP. */
hik_err sim_sadp_start(sim *s);
void sim_sadp_stop(sim *s);
/* The "sadp" object of /sim/state; call with the state lock held. */
struct json_t *sim_sadp_state_json(const sim *s);

/* sim_jpeg.c */
const unsigned char *sim_jpeg(size_t *len);

#endif
