/* ingest.h: the camera event listener (default 0.0.0.0:4000, POST /hik).
 *
 * Accepts application/xml, application/json and multipart/form-data bodies
 * up to cfg.max_body bytes; parses each once into canonical events,
 * attributes them to a device, and answers 200 only after the writer has
 * committed them. Errors are specific: 400 malformed body (with the
 * parser's reason), 404 wrong path, 405 wrong method, 413 body too large,
 * 415 a media type that cannot hold an event, 503 the store failed or the
 * writer's queue is full. */
#ifndef GW_INGEST_H
#define GW_INGEST_H

#include <stdbool.h>

#include "gateway.h"

hik_err gw_ingest_start(gw *g, char *err, size_t err_len);
/* Stop accepting connections and let the requests in flight be committed
 * and answered; later requests on open connections get 503. False when
 * some were still in flight at the timeout. */
bool gw_ingest_drain(gw *g, int timeout_ms);
/* Requests still being read, parsed or committed. */
unsigned gw_ingest_in_flight(gw *g);
void gw_ingest_stop(gw *g);

/* The port actually bound (useful with port 0). */
int gw_ingest_port(gw *g);

#endif
