/* alert_sub_int.h: what the alertStream loop (alert_sub.c) and its
 * per-stream half (alert_sub_stream.c) share; nobody else includes it. */
#ifndef GW_ALERT_SUB_INT_H
#define GW_ALERT_SUB_INT_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "alert_sub.h"
#include "health.h"
#include "hik/alert_stream.h"
#include "writer.h"

#define TICK_MS 200
#define PENDING_CAP 4
#define PART_MAX (2 * 1024 * 1024)
#define DEDUP_RING 32
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define HOLD_MS 300
#define ERRBODY_MAX 4096
#define STOP_WAIT_MS 5000
#define RELOAD_EVERY_MS 15000
#define LOCK_DEFAULT_S 1800 /* a lock reported without its duration */
#define STREAM_PATH "/ISAPI/Event/notification/alertStream"

typedef enum sub_state {
    SUB_NONE = 0,
    SUB_CONNECTING,
    SUB_STREAMING,
    SUB_STALLED,
    SUB_BACKING_OFF,
    SUB_AUTH_REJECTED,
    SUB_LOCKED_OUT,
    SUB_DISABLED,
} sub_state;

struct sub_dev;

/* Events of one alert part on their way to the writer. */
typedef struct sub_item {
    gw_pending p; /* first: the writer's callback gets &p */
    struct sub_dev *dev;
    uint8_t *raw; /* copy of the alert part */
    uint8_t *pics[HIK_EVENT_MAX_PICTURES];
    int n_pics;
    int64_t held_ms;
    struct sub_item *next;
} sub_item;

typedef struct sub_dev {
    gw_dev_conf c;
    bool pull, both;
    bool auth_rejected;
    sub_state state;
    char error[256];
    int64_t since_ms;
    bool dirty; /* state not yet written to the table */
    CURL *easy;
    hik_alert_stream *parser;
    long http_status;
    char ctype[160];
    char errbody[ERRBODY_MAX];
    size_t errlen;
    bool paused;
    int64_t last_byte_ms;
    int64_t next_attempt_ms;
    int failures;
    sub_item *held;
    sub_item *bl_head, *bl_tail; /* parsed, not yet submitted */
    atomic_int inflight;
    atomic_uint_fast64_t heartbeats;
    uint64_t videoloss[4]; /* channels whose video loss is active: repeats are heartbeats */
    uint64_t ring[DEDUP_RING];
    unsigned ring_pos;
    gw_health health;
    bool seen;           /* present in the last reload */
    bool awaiting_probe; /* new or re-addressed: the identity probe (actions.c) is due */
    struct gw_alert_sub *sub;
    struct sub_dev *next;
} sub_dev;

struct gw_alert_sub {
    gw *g;
    pthread_t thread;
    bool started;
    int epfd, curl_tfd, tick_tfd, evfd;
    CURLM *multi;
    pthread_mutex_t mu; /* the device list (for other threads) and the dedupe rings */
    sub_dev *devs;
    sub_dev *graveyard; /* removed, freed once nothing of theirs is in the writer */
    atomic_bool reload, stop;
    int64_t last_reload_ms;
    bool loaded; /* the first reload is done */
    /* id -> device, open addressing, rebuilt by each reload under mu */
    sub_dev **index;
    size_t index_mask;
    unsigned rnd;
};

extern const char *const sub__state_names[];

/* alert_sub.c */
void sub__wake(struct gw_alert_sub *s);
unsigned sub__rand(struct gw_alert_sub *s);
void sub__set_state(sub_dev *d, sub_state st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* alert_sub_query.c */
sub_dev *sub__find(struct gw_alert_sub *s, int64_t id);
/* Caller holds s->mu: index s->devs by id (a reload ends with this). */
void sub__index_rebuild(struct gw_alert_sub *s);
bool sub__is_nvr(const sub_dev *d);
/* Caller holds s->mu: true when the alert is in the device's ring;
 * otherwise it is added. */
bool sub__seen(sub_dev *d, const hik_event *ev);

/* alert_sub_stream.c */
void sub__item_free(sub_item *it);
/* Submit what the writer takes; resume a paused transfer. */
void sub__flush(struct gw_alert_sub *s, sub_dev *d);
void sub__release_held(struct gw_alert_sub *s, sub_dev *d);
void sub__connect(struct gw_alert_sub *s, sub_dev *d);
/* End the transfer and hand over everything parsed from it. */
void sub__close(struct gw_alert_sub *s, sub_dev *d);
/* The transfer ended (CURLMSG_DONE): classify and schedule. */
void sub__ended(struct gw_alert_sub *s, sub_dev *d, CURLcode rc);
void sub__backoff(struct gw_alert_sub *s, sub_dev *d, sub_state st, const char *why);
void sub__mark_auth_rejected(sub_dev *d);

#endif
