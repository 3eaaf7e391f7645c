/* test_api_stubs.h: stand-ins for the gateway modules the API calls but
 * that these unit tests do not exercise (rules, actions, secrets, config,
 * libhik's event names). They are weak: when the real module is linked, it
 * wins. The condition rules follow the contract in rules.h. */
#ifndef TEST_API_STUBS_H
#define TEST_API_STUBS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "actions.h"
#include "autoconf.h"
#include "bulk.h"
#include "config.h"
#include "config_io.h"
#include "device_tools.h"
#include "gateway.h"
#include "hik/event.h"
#include "rules.h"
#include "secrets.h"
#include "writer.h"

static const char *const stub_kind_names[HIK_EV__COUNT] = {
    "unknown",       "motion",           "intrusion",
    "line_crossing", "region_entrance",  "region_exiting",
    "anpr",          "face_recognition", "face_capture",
    "tamper",        "video_loss",       "io_alarm",
    "pir",           "illegal_access",   "device_offline",
    "device_online", "audio_exception",  "disk_full",
    "disk_error",    "nic_broken",       "ip_conflict",
    "duration",      "heartbeat",
};

__attribute__((weak)) hik_event_kind hik_event_kind_from_name(const char *name)
{
    for (int i = 0; i < HIK_EV__COUNT; i++)
        if (strcmp(stub_kind_names[i], name) == 0)
            return (hik_event_kind)i;
    return HIK_EV__COUNT;
}

__attribute__((weak)) bool gw_action_name_valid(const char *name)
{
    return strcmp(name, GW_ACTION_PRIVACY_MASK_ENABLE) == 0 ||
           strcmp(name, GW_ACTION_PRIVACY_MASK_DISABLE) == 0;
}

__attribute__((weak)) hik_err gw_rules_validate(hik_event_kind kind, json_t *conditions,
                                                char *field, size_t field_len, char *msg,
                                                size_t msg_len)
{
    const char *key;
    json_t *v;
    bool regions = kind >= HIK_EV_INTRUSION && kind <= HIK_EV_REGION_EXITING;
    json_object_foreach(conditions, key, v)
    {
        bool ok = strcmp(key, "channel") == 0 ||
                  (regions && (strcmp(key, "region_id") == 0 || strcmp(key, "target") == 0)) ||
                  (kind == HIK_EV_ANPR && (strcmp(key, "plate") == 0 || strcmp(key, "list") == 0 ||
                                           strcmp(key, "direction") == 0)) ||
                  (kind == HIK_EV_FACE_RECOGNITION &&
                   (strcmp(key, "name") == 0 || strcmp(key, "min_similarity") == 0));
        if (!ok) {
            snprintf(field, field_len, "conditions.%s", key);
            snprintf(msg, msg_len, "condition %s does not apply to this event", key);
            return HIK_ERR_INVALID;
        }
        if (strcmp(key, "channel") == 0 && (!json_is_integer(v) || json_integer_value(v) < 1)) {
            snprintf(field, field_len, "conditions.channel");
            snprintf(msg, msg_len, "channel must be an integer >= 1");
            return HIK_ERR_INVALID;
        }
    }
    return HIK_OK;
}

/* Device management (device_ops.c) talks to cameras: not exercised here. */
#include "device_ops.h"

static void stub_ops_none(gw_op_result *res)
{
    res->status = 503;
    res->body = json_pack("{s:s}", "error", "device operations are not linked in this test");
}

__attribute__((weak)) void gw_device_ops_job(gw *g, int64_t device_id, gw_op_kind kind,
                                             const char *file, int64_t n, gw_op_result *res)
{
    if (file)
        unlink(file);
    stub_ops_none(res);
}
__attribute__((weak)) json_t *gw_device_ops_job_json(gw *g, int64_t job_id)
{
    return NULL;
}
__attribute__((weak)) json_t *gw_device_ops_latest_json(gw *g, int64_t device_id, gw_op_kind kind)
{
    return NULL;
}
__attribute__((weak)) void gw_device_ops_password(gw *g, int64_t device_id, const char *pw,
                                                  gw_op_result *res)
{
    stub_ops_none(res);
}
__attribute__((weak)) void gw_device_ops_network_get(gw *g, int64_t device_id, gw_op_result *res)
{
    stub_ops_none(res);
}
__attribute__((weak)) void gw_device_ops_network_set(gw *g, int64_t device_id, json_t *settings,
                                                     gw_op_result *res)
{
    stub_ops_none(res);
}
__attribute__((weak)) void gw_device_ops_activate(gw *g, const char *address, int port,
                                                  const char *password, gw_op_result *res)
{
    stub_ops_none(res);
}
__attribute__((weak)) void gw_device_ops_backups(gw *g, int64_t device_id, gw_op_result *res)
{
    stub_ops_none(res);
}
__attribute__((weak)) bool gw_device_ops_is_upload(const char *method, const char *url)
{
    return false;
}
__attribute__((weak)) hik_err gw_device_ops_upload_open(gw *g, int *fd, char *path, size_t path_len)
{
    return HIK_ERR_UNSUPPORTED;
}

/* Camera configuration and the live event state are tested elsewhere
 * (test_event_state.c, the integration tests). */
__attribute__((weak)) void gw_autoconf_configure(gw *g, int64_t device_id, bool dry_run,
                                                 gw_autoconf_result *res)
{
    res->status = 503;
    res->body = json_pack("{s:s}", "error", "camera configuration is not linked in this test");
}
__attribute__((weak)) void gw_autoconf_last(gw *g, int64_t device_id, gw_autoconf_result *res)
{
    gw_autoconf_configure(g, device_id, false, res);
}
__attribute__((weak)) hik_err gw_autoconf_release(gw *g, int64_t device_id)
{
    return HIK_OK;
}
/* The device checks talk to a device: tested in test_device_tools.c. */
__attribute__((weak)) void gw_device_tools_test(gw *g, int64_t device_id, gw_tool_result *res)
{
    memset(res, 0, sizeof *res);
    res->status = 503;
    res->body = json_pack("{s:s}", "error", "device checks are not linked in this test");
}
__attribute__((weak)) void gw_device_tools_snapshot(gw *g, int64_t device_id, int channel,
                                                    gw_tool_result *res)
{
    gw_device_tools_test(g, device_id, res);
}
__attribute__((weak)) struct gw_event_state *gw_writer_event_state(gw *g)
{
    return NULL;
}

/* Configuration export/import and bulk jobs have tests of their own
 * (integration/test_config_io.py, integration/test_bulk.py). */
__attribute__((weak)) json_t *gw_config_export(gw *g, const char *passphrase, gw_config_err *e)
{
    e->status = 503;
    snprintf(e->msg, sizeof e->msg, "configuration export is not linked in this test");
    return NULL;
}
__attribute__((weak)) json_t *gw_config_import(gw *g, json_t *doc, const char *passphrase,
                                               gw_config_err *e)
{
    e->status = 503;
    snprintf(e->msg, sizeof e->msg, "configuration import is not linked in this test");
    return NULL;
}
__attribute__((weak)) int gw_bulk_submit(gw *g, json_t *request, json_t **body)
{
    *body = json_pack("{s:s}", "error", "bulk jobs are not linked in this test");
    return 503;
}
__attribute__((weak)) json_t *gw_bulk_job_json(int64_t id)
{
    return NULL;
}

#endif
