/* api.h: the REST API listener (libmicrohttpd).
 *
 * Everything under /api/v1/ speaks JSON; see docs/API.md for the routes.
 * The listener needs g->store, g->secrets and g->auth (gw_auth_init) to be
 * ready before it starts. */
#ifndef GW_API_H
#define GW_API_H

#include <stddef.h>

#include "gateway.h"

/* Request bodies larger than this are refused with 413. */
#define GW_API_MAX_BODY (1024 * 1024)

/* Listen on g->cfg.api_addr ("ADDR:PORT"; port 0 picks a free one). On
 * failure, err says why. The state hangs on g->api. */
hik_err gw_api_start(gw *g, char *err, size_t err_len);
/* Stop listening and free g->api (no-op when not started). */
void gw_api_stop(gw *g);
/* The port actually bound (useful with port 0); 0 when not started. */
int gw_api_port(gw *g);

#endif
