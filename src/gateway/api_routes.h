/* api_routes.h: the route table of /api/v1/ and every handler in it.
 *
 * A route is a method and a path pattern whose {name} segments are
 * captured (`/api/v1/devices/{id}`). One file per resource implements its
 * handlers (api_devices.c, api_events.c, ...). */
#ifndef GW_API_ROUTES_H
#define GW_API_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "api_http.h"

typedef void (*api_handler)(api_req *rq, api_resp *rs);

enum {
    API_PUBLIC = 1 << 0, /* no authentication */
    API_BODY = 1 << 1,   /* a JSON object body is required */
};

typedef struct api_route {
    const char *method;
    const char *pattern;
    api_handler fn;
    unsigned flags;
} api_route;

/* Match method + path. The path is split in place in `buf` (buf_len
 * bytes) and the captures point into it. Returns the route, or NULL: then
 * *path_known says whether some route has this path with another method,
 * and `allow` lists those methods ("GET, PUT"). */
const api_route *api_route_find(const char *method, const char *path, char *buf, size_t buf_len,
                                const char **captures, int *n_captures, bool *path_known,
                                char *allow, size_t allow_len);

/* api_health.c */
void api_health_get(api_req *rq, api_resp *rs);
/* api_session.c */
void api_session_login(api_req *rq, api_resp *rs);
void api_session_get(api_req *rq, api_resp *rs);
void api_session_logout(api_req *rq, api_resp *rs);
void api_user_password(api_req *rq, api_resp *rs);
/* api_devices.c */
void api_devices_list(api_req *rq, api_resp *rs);
void api_devices_get(api_req *rq, api_resp *rs);
void api_devices_create(api_req *rq, api_resp *rs);
void api_devices_update(api_req *rq, api_resp *rs);
void api_devices_delete(api_req *rq, api_resp *rs);
/* api_device_ops.c */
void api_devices_activate(api_req *rq, api_resp *rs);
/* api_device_tls.c */
void api_device_tls_accept(api_req *rq, api_resp *rs);
void api_device_reboot(api_req *rq, api_resp *rs);
void api_device_password(api_req *rq, api_resp *rs);
void api_device_network_get(api_req *rq, api_resp *rs);
void api_device_network_set(api_req *rq, api_resp *rs);
void api_device_firmware_get(api_req *rq, api_resp *rs);
void api_device_firmware_upload(api_req *rq, api_resp *rs);
void api_device_backups_list(api_req *rq, api_resp *rs);
void api_device_backup_create(api_req *rq, api_resp *rs);
void api_device_backup_restore(api_req *rq, api_resp *rs);
void api_jobs_get(api_req *rq, api_resp *rs);
/* api_bulk.c */
void api_bulk_create(api_req *rq, api_resp *rs);
void api_bulk_get(api_req *rq, api_resp *rs);
/* api_config_io.c */
void api_config_export(api_req *rq, api_resp *rs);
void api_config_import(api_req *rq, api_resp *rs);
/* api_actions.c */
void api_actions_list(api_req *rq, api_resp *rs);
void api_actions_get(api_req *rq, api_resp *rs);
void api_actions_create(api_req *rq, api_resp *rs);
void api_actions_update(api_req *rq, api_resp *rs);
void api_actions_delete(api_req *rq, api_resp *rs);
void api_actions_run(api_req *rq, api_resp *rs);
void api_actions_runs(api_req *rq, api_resp *rs);
void api_runs_get(api_req *rq, api_resp *rs);
/* api_triggers.c */
void api_triggers_list(api_req *rq, api_resp *rs);
void api_triggers_get(api_req *rq, api_resp *rs);
void api_triggers_create(api_req *rq, api_resp *rs);
void api_triggers_update(api_req *rq, api_resp *rs);
void api_triggers_delete(api_req *rq, api_resp *rs);
/* api_scenarios.c */
void api_scenarios_list(api_req *rq, api_resp *rs);
void api_scenarios_get(api_req *rq, api_resp *rs);
void api_scenarios_create(api_req *rq, api_resp *rs);
void api_scenarios_update(api_req *rq, api_resp *rs);
void api_scenarios_delete(api_req *rq, api_resp *rs);
/* api_discovery.c */
void api_discovery_scan(api_req *rq, api_resp *rs);
void api_discovery_declare(api_req *rq, api_resp *rs);
void api_discovery_update(api_req *rq, api_resp *rs);
/* api_autoconf.c */
void api_device_configure(api_req *rq, api_resp *rs);
void api_device_configure_get(api_req *rq, api_resp *rs);
/* api_device_tools.c */
void api_device_test(api_req *rq, api_resp *rs);
void api_device_snapshot(api_req *rq, api_resp *rs);
/* api_state.c */
void api_state_get(api_req *rq, api_resp *rs);
/* api_events.c */
void api_events_list(api_req *rq, api_resp *rs);
void api_events_get(api_req *rq, api_resp *rs);
void api_events_picture(api_req *rq, api_resp *rs);
/* api_events_stream.c */
void api_events_stream(api_req *rq, api_resp *rs);
/* api_meta.c */
void api_meta_get(api_req *rq, api_resp *rs);
/* api_static.c: the web UI's files, outside /api/ (no authentication). */
/* Fill cfg->web_dir when it is empty: web/ next to the binary, then
 * ../share/hikgate/web, then the source tree's web/. */
void api_static_resolve(gw_config *cfg);
/* Is this URL path one of the UI's (anything not under /api/)? */
bool api_static_path(const char *url);
void api_static_serve(api_req *rq, api_resp *rs);

#endif
