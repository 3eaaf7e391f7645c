/* ingest_deadline.h: a deadline on receiving a request's headers.
 *
 * libmicrohttpd's connection timeout is an idle timeout: a client sending
 * one header byte a second is never idle and would hold its slot forever
 * (slowloris). This keeps, per connection, when it started waiting for a
 * request, and a reaper thread shuts down the socket of any connection
 * whose headers are not complete after the deadline; libmicrohttpd then
 * sees the connection end and cleans it up as usual. */
#ifndef GW_INGEST_DEADLINE_H
#define GW_INGEST_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

#include <microhttpd.h>

#include "hik/error.h"

typedef struct gw_deadline gw_deadline;
typedef struct gw_deadline_conn gw_deadline_conn;

hik_err gw_deadline_start(int timeout_ms, gw_deadline **out);
/* Stop the reaper (the listener must be stopped first) and free. */
void gw_deadline_stop(gw_deadline *d);

/* MHD_OPTION_NOTIFY_CONNECTION callback; cls is the gw_deadline. */
void gw_deadline_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                        enum MHD_ConnectionNotificationCode toe);
/* The request's headers are in (the handler's first call). */
void gw_deadline_headers_done(struct MHD_Connection *conn);
/* The request finished: the deadline of the next one starts now. */
void gw_deadline_request_done(struct MHD_Connection *conn);

/* Connections cut at the deadline so far. */
uint64_t gw_deadline_cut(gw_deadline *d);

#endif
