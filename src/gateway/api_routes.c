/* api_routes.c: the route table and the path matcher.
 *
 * A linear walk: there are a few dozen routes and matching is a handful of
 * string compares per route, far below the cost of the JSON and SQL that
 * follow. */
#include "api_routes.h"

#include "api_audit.h"

#include <stdio.h>
#include <string.h>

static const api_route routes[] = {
    {"GET", "/api/v1/health", api_health_get, API_PUBLIC},
    {"GET", "/api/v1/audit", api_audit_list, 0},
    {"POST", "/api/v1/session", api_session_login, API_PUBLIC | API_BODY},
    {"GET", "/api/v1/session", api_session_get, 0},
    {"DELETE", "/api/v1/session", api_session_logout, 0},
    {"PUT", "/api/v1/users/{name}/password", api_user_password, API_BODY},

    {"GET", "/api/v1/devices", api_devices_list, 0},
    {"POST", "/api/v1/devices", api_devices_create, API_BODY},
    {"POST", "/api/v1/devices/activate", api_devices_activate, API_BODY},
    {"GET", "/api/v1/devices/{id}", api_devices_get, 0},
    {"PUT", "/api/v1/devices/{id}", api_devices_update, API_BODY},
    {"DELETE", "/api/v1/devices/{id}", api_devices_delete, 0},
    {"POST", "/api/v1/devices/{id}/reboot", api_device_reboot, 0},
    {"POST", "/api/v1/devices/{id}/tls/accept", api_device_tls_accept, 0},
    {"POST", "/api/v1/devices/{id}/password", api_device_password, API_BODY},
    {"GET", "/api/v1/devices/{id}/network", api_device_network_get, 0},
    {"PUT", "/api/v1/devices/{id}/network", api_device_network_set, API_BODY},
    {"GET", "/api/v1/devices/{id}/firmware", api_device_firmware_get, 0},
    {"POST", "/api/v1/devices/{id}/firmware", api_device_firmware_upload, 0},
    {"GET", "/api/v1/devices/{id}/backups", api_device_backups_list, 0},
    {"POST", "/api/v1/devices/{id}/backups", api_device_backup_create, 0},
    {"POST", "/api/v1/devices/{id}/backups/{n}/restore", api_device_backup_restore, 0},
    {"POST", "/api/v1/devices/{id}/configure", api_device_configure, 0},
    {"GET", "/api/v1/devices/{id}/configure", api_device_configure_get, 0},
    {"POST", "/api/v1/devices/{id}/test", api_device_test, 0},
    {"GET", "/api/v1/devices/{id}/snapshot", api_device_snapshot, 0},
    {"GET", "/api/v1/jobs/{id}", api_jobs_get, 0},
    {"POST", "/api/v1/bulk", api_bulk_create, API_BODY},
    {"GET", "/api/v1/bulk/{id}", api_bulk_get, 0},
    {"GET", "/api/v1/config/export", api_config_export, 0},
    {"POST", "/api/v1/config/import", api_config_import, API_BODY},

    {"GET", "/api/v1/actions", api_actions_list, 0},
    {"POST", "/api/v1/actions", api_actions_create, API_BODY},
    {"GET", "/api/v1/actions/{id}", api_actions_get, 0},
    {"PUT", "/api/v1/actions/{id}", api_actions_update, API_BODY},
    {"DELETE", "/api/v1/actions/{id}", api_actions_delete, 0},
    {"POST", "/api/v1/actions/{id}/run", api_actions_run, 0},
    {"GET", "/api/v1/actions/{id}/runs", api_actions_runs, 0},
    {"GET", "/api/v1/runs/{id}", api_runs_get, 0},

    {"GET", "/api/v1/triggers", api_triggers_list, 0},
    {"POST", "/api/v1/triggers", api_triggers_create, API_BODY},
    {"GET", "/api/v1/triggers/{id}", api_triggers_get, 0},
    {"PUT", "/api/v1/triggers/{id}", api_triggers_update, API_BODY},
    {"DELETE", "/api/v1/triggers/{id}", api_triggers_delete, 0},

    {"GET", "/api/v1/scenarios", api_scenarios_list, 0},
    {"POST", "/api/v1/scenarios", api_scenarios_create, API_BODY},
    {"GET", "/api/v1/scenarios/{id}", api_scenarios_get, 0},
    {"PUT", "/api/v1/scenarios/{id}", api_scenarios_update, API_BODY},
    {"DELETE", "/api/v1/scenarios/{id}", api_scenarios_delete, 0},

    {"GET", "/api/v1/discovery", api_discovery_scan, 0},
    {"POST", "/api/v1/discovery/declare", api_discovery_declare, API_BODY},
    {"POST", "/api/v1/discovery/update", api_discovery_update, API_BODY},
    {"GET", "/api/v1/meta", api_meta_get, 0},

    {"GET", "/api/v1/state", api_state_get, 0},

    {"GET", "/api/v1/events", api_events_list, 0},
    {"GET", "/api/v1/events/stream", api_events_stream, 0},
    {"GET", "/api/v1/events/{id}", api_events_get, 0},
    {"GET", "/api/v1/events/{id}/pictures/{n}", api_events_picture, 0},
};

#define ROUTES_MAX_SEGMENTS 12

/* Split "/a/b/c" into segments in place; a trailing slash is not a segment
 * of its own ("/api/v1/devices/" is not "/api/v1/devices"). */
static int routes__split(char *buf, char **segs)
{
    int n = 0;
    char *p = buf;
    if (*p != '/')
        return -1;
    while (*p == '/') {
        *p++ = '\0';
        if (n == ROUTES_MAX_SEGMENTS)
            return -1;
        segs[n++] = p;
        char *slash = strchr(p, '/');
        if (!slash)
            break;
        p = slash;
    }
    return n;
}

static bool routes__match(const char *pattern, char **segs, int n, const char **captures,
                          int *n_captures)
{
    char pat[128];
    char *psegs[ROUTES_MAX_SEGMENTS];
    snprintf(pat, sizeof pat, "%s", pattern);
    int pn = routes__split(pat, psegs);
    if (pn != n)
        return false;
    int nc = 0;
    for (int i = 0; i < n; i++) {
        if (psegs[i][0] == '{') {
            if (!segs[i][0] || nc == API_MAX_CAPTURES)
                return false;
            captures[nc++] = segs[i];
        } else if (strcmp(psegs[i], segs[i]) != 0) {
            return false;
        }
    }
    *n_captures = nc;
    return true;
}

const api_route *api_route_find(const char *method, const char *path, char *buf, size_t buf_len,
                                const char **captures, int *n_captures, bool *path_known,
                                char *allow, size_t allow_len)
{
    char *segs[ROUTES_MAX_SEGMENTS];
    *path_known = false;
    *n_captures = 0;
    allow[0] = '\0';
    if (strlen(path) >= buf_len)
        return NULL;
    snprintf(buf, buf_len, "%s", path);
    int n = routes__split(buf, segs);
    if (n < 0)
        return NULL;
    size_t used = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        int nc = 0;
        const char *caps[API_MAX_CAPTURES];
        if (!routes__match(routes[i].pattern, segs, n, caps, &nc))
            continue;
        if (strcmp(routes[i].method, method) == 0) {
            memcpy(captures, caps, sizeof caps);
            *n_captures = nc;
            return &routes[i];
        }
        *path_known = true;
        int w =
            snprintf(allow + used, allow_len - used, "%s%s", used ? ", " : "", routes[i].method);
        if (w > 0 && (size_t)w < allow_len - used)
            used += (size_t)w;
    }
    return NULL;
}
