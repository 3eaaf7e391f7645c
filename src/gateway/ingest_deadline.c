/* ingest_deadline.c: header deadline for the ingest listener (see the
 * header). The connection list is guarded by one mutex; libmicrohttpd
 * reports a connection closed before it closes the socket, so a socket is
 * never shut down after its descriptor could have been reused. */
#include "ingest_deadline.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "store.h"

#define REAP_EVERY_MS 250

struct gw_deadline_conn {
    gw_deadline *owner;
    MHD_socket fd;
    int64_t waiting_since_ms;
    atomic_bool in_request;
    bool cut;
    gw_deadline_conn *prev, *next;
};

struct gw_deadline {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool stop;
    int timeout_ms;
    gw_deadline_conn *head;
    uint64_t cut;
};

static void *deadline__main(void *arg)
{
    gw_deadline *d = arg;
    pthread_mutex_lock(&d->mu);
    while (!d->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += REAP_EVERY_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&d->cv, &d->mu, &ts);
        int64_t now = gw_now_ms();
        for (gw_deadline_conn *c = d->head; c; c = c->next) {
            if (c->cut || atomic_load(&c->in_request) || now - c->waiting_since_ms < d->timeout_ms)
                continue;
            shutdown(c->fd, SHUT_RDWR);
            c->cut = true;
            d->cut++;
        }
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

hik_err gw_deadline_start(int timeout_ms, gw_deadline **out)
{
    gw_deadline *d = calloc(1, sizeof *d);
    if (!d)
        return HIK_ERR_NOMEM;
    d->timeout_ms = timeout_ms;
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    if (pthread_create(&d->thread, NULL, deadline__main, d) != 0) {
        pthread_mutex_destroy(&d->mu);
        pthread_cond_destroy(&d->cv);
        free(d);
        return HIK_ERR_NOMEM;
    }
    *out = d;
    return HIK_OK;
}

void gw_deadline_stop(gw_deadline *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->mu);
    d->stop = true;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
    pthread_join(d->thread, NULL);
    for (gw_deadline_conn *c = d->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    free(d);
}

void gw_deadline_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                        enum MHD_ConnectionNotificationCode toe)
{
    gw_deadline *d = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        gw_deadline_conn *c = calloc(1, sizeof *c);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = c;
        if (!c || !ci)
            return; /* untracked: only the idle timeout applies */
        c->owner = d;
        c->fd = ci->connect_fd;
        c->waiting_since_ms = gw_now_ms();
        pthread_mutex_lock(&d->mu);
        c->next = d->head;
        if (d->head)
            d->head->prev = c;
        d->head = c;
        pthread_mutex_unlock(&d->mu);
        return;
    }
    gw_deadline_conn *c = *socket_context;
    *socket_context = NULL;
    if (!c)
        return;
    if (c->owner) {
        pthread_mutex_lock(&d->mu);
        if (c->prev)
            c->prev->next = c->next;
        else
            d->head = c->next;
        if (c->next)
            c->next->prev = c->prev;
        pthread_mutex_unlock(&d->mu);
    }
    free(c);
}

static gw_deadline_conn *deadline__of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

void gw_deadline_headers_done(struct MHD_Connection *conn)
{
    gw_deadline_conn *c = deadline__of(conn);
    if (c)
        atomic_store(&c->in_request, true);
}

void gw_deadline_request_done(struct MHD_Connection *conn)
{
    gw_deadline_conn *c = deadline__of(conn);
    if (!c || !c->owner)
        return;
    pthread_mutex_lock(&c->owner->mu);
    c->waiting_since_ms = gw_now_ms();
    atomic_store(&c->in_request, false);
    pthread_mutex_unlock(&c->owner->mu);
}

uint64_t gw_deadline_cut(gw_deadline *d)
{
    pthread_mutex_lock(&d->mu);
    uint64_t n = d->cut;
    pthread_mutex_unlock(&d->mu);
    return n;
}
