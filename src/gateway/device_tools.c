/* device_tools.c: the two device checks an installer runs by hand, a
 * connection test and a channel snapshot (api_device_tools.c serves them).
 *
 * Both make one ISAPI request with the stored credentials on the request
 * thread, bounded by the device timeout, on a handle of their own: a test
 * must open a fresh connection to prove anything, and a snapshot must not
 * queue behind the action workers' privacy-mask calls. What the answer
 * says about the device is recorded as the identity probe records it
 * (status, last_error, and for a test the model, serial, MAC and
 * firmware). A device whose password was rejected, or which reports this
 * client locked out, is not contacted at all: a second try with a wrong
 * password is how cameras lock everyone out. One check per device at a
 * time, for the same reason. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_tools.h"

#include "devices.h"
#include "hik/isapi.h"
#include "log.h"

#define TOOLS_BUSY 64

typedef struct tools_dev {
    int64_t id;
    char address[256];
    char scheme[8];
    char username[64];
    char *password;
    int port;
    char status[24];
    char device_type[32];
} tools_dev;

static struct {
    pthread_mutex_t mu;
    int64_t busy[TOOLS_BUSY];
} tools = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* ---- results --------------------------------------------------------------- */

static void tools__reply(gw_tool_result *res, int status, json_t *body)
{
    res->status = status;
    res->body = body;
}

static void tools__fail(gw_tool_result *res, int status, const char *msg)
{
    tools__reply(res, status, json_pack("{s:s}", "error", msg));
}

/* ---- the device row ------------------------------------------------------ */

static void tools__col(sqlite3_stmt *s, int i, char *out, size_t len)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    snprintf(out, len, "%s", t ? (const char *)t : "");
}

static hik_err tools__load(gw *g, int64_t id, tools_dev *d)
{
    memset(d, 0, sizeof *d);
    d->id = id;
    char *sealed = NULL;
    hik_err res = HIK_ERR_NOT_FOUND;
    gw_store_lock(g->store);
    sqlite3_stmt *s =
        gw_store_prepare(g->store, "SELECT address, port, scheme, username, password, "
                                   "status, device_type FROM devices WHERE id=?");
    if (s) {
        sqlite3_bind_int64(s, 1, id);
        if (sqlite3_step(s) == SQLITE_ROW) {
            tools__col(s, 0, d->address, sizeof d->address);
            d->port = sqlite3_column_int(s, 1);
            tools__col(s, 2, d->scheme, sizeof d->scheme);
            tools__col(s, 3, d->username, sizeof d->username);
            sealed = strdup((const char *)sqlite3_column_text(s, 4));
            tools__col(s, 5, d->status, sizeof d->status);
            tools__col(s, 6, d->device_type, sizeof d->device_type);
            res = sealed ? HIK_OK : HIK_ERR_NOMEM;
        }
        sqlite3_finalize(s);
    } else {
        res = HIK_ERR_IO;
    }
    gw_store_unlock(g->store);
    if (!res)
        res = gw_secrets_unseal(g->secrets, sealed, &d->password);
    free(sealed);
    return res;
}

static void tools__set_status(gw *g, int64_t id, const char *status, const char *error)
{
    gw_store_lock(g->store);
    sqlite3_stmt *s = gw_store_prepare(
        g->store, "UPDATE devices SET status=?1, last_error=?2, "
                  "last_seen_ms=CASE WHEN ?1='online' THEN ?3 ELSE last_seen_ms END WHERE id=?4");
    if (s) {
        sqlite3_bind_text(s, 1, status, -1, SQLITE_STATIC);
        if (error)
            sqlite3_bind_text(s, 2, error, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(s, 2);
        sqlite3_bind_int64(s, 3, gw_now_ms());
        sqlite3_bind_int64(s, 4, id);
        if (sqlite3_step(s) != SQLITE_DONE)
            gw_error("device %lld: recording its status: %s", (long long)id,
                     sqlite3_errmsg(g->store->db));
        sqlite3_finalize(s);
    }
    gw_store_unlock(g->store);
}

/* The status the answer implies, as the identity probe records it: any
 * HTTP answer means the device is up; a 401 or a lockout stops every
 * further login until the credentials change. */
static const char *tools__note(gw *g, int64_t id, hik_err err, const hik_reply *r)
{
    char text[256];
    switch (err) {
    case HIK_OK:
    case HIK_ERR_DEVICE:
    case HIK_ERR_NOT_FOUND:
    case HIK_ERR_FORBIDDEN:
    case HIK_ERR_HTTP:
    case HIK_ERR_TOO_BIG:
        tools__set_status(g, id, "online", NULL);
        return "online";
    case HIK_ERR_AUTH:
        tools__set_status(g, id, "auth_rejected",
                          "the device rejected the username or password; no further login "
                          "attempts until the credentials are changed");
        return "auth_rejected";
    case HIK_ERR_LOCKED:
        tools__set_status(g, id, "locked", "the device reports this client locked out");
        return "locked";
    default:
        snprintf(text, sizeof text, "%s: %s", hik_err_str(err), r->error);
        tools__set_status(g, id, "unreachable", text);
        return "unreachable";
    }
}

static void tools__save_identity(gw *g, int64_t id, const hik_device_info *info)
{
    gw_store_lock(g->store);
    sqlite3_stmt *s = gw_store_prepare(g->store, "UPDATE devices SET model=?, serial=?, mac=?, "
                                                 "firmware=?, device_type=? WHERE id=?");
    if (s) {
        sqlite3_bind_text(s, 1, info->model, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, info->serial, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, info->mac, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, info->firmware, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, info->device_type, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 6, id);
        sqlite3_step(s);
        sqlite3_finalize(s);
    }
    gw_store_unlock(g->store);
    /* A new MAC or serial changes which events belong to the device. */
    gw_devices_reload(g->devices, g->store);
}

/* ---- one check per device -------------------------------------------------- */

static bool tools__claim(int64_t id)
{
    pthread_mutex_lock(&tools.mu);
    int free_slot = -1;
    bool busy = false;
    for (int i = 0; i < TOOLS_BUSY; i++) {
        busy |= tools.busy[i] == id;
        if (!tools.busy[i] && free_slot < 0)
            free_slot = i;
    }
    bool ok = !busy && free_slot >= 0;
    if (ok)
        tools.busy[free_slot] = id;
    pthread_mutex_unlock(&tools.mu);
    return ok;
}

static void tools__release(tools_dev *d)
{
    pthread_mutex_lock(&tools.mu);
    for (int i = 0; i < TOOLS_BUSY; i++)
        if (tools.busy[i] == d->id)
            tools.busy[i] = 0;
    pthread_mutex_unlock(&tools.mu);
    gw_secrets_free(d->password);
    d->password = NULL;
}

/* The refusal for a device not to be contacted, with how to fix it. */
static void tools__refuse(gw_tool_result *res, const tools_dev *d)
{
    bool locked = !strcmp(d->status, "locked");
    json_t *j = json_object();
    json_object_set_new(j, "ok", json_false());
    json_object_set_new(j, "contacted", json_false());
    json_object_set_new(j, "code",
                        json_string(hik_err_name(locked ? HIK_ERR_LOCKED : HIK_ERR_AUTH)));
    json_object_set_new(j, "status", json_string(d->status));
    json_object_set_new(
        j, "error",
        json_string(locked ? "not sent: the device reported this client locked out; wait for "
                             "its lockout to end (often 30 minutes), then save the device's "
                             "current password in its settings to try again"
                           : "not sent: the device rejected the stored username or password "
                             "earlier, and trying again could lock the account; save the "
                             "device's current password in its settings to try again"));
    tools__reply(res, 409, j);
}

/* Load and claim the device; false after filling res. */
static bool tools__begin(gw *g, int64_t id, tools_dev *d, gw_tool_result *res)
{
    hik_err err = tools__load(g, id, d);
    if (err == HIK_ERR_NOT_FOUND || err == HIK_ERR_IO) {
        tools__fail(res, err == HIK_ERR_IO ? 500 : 404,
                    err == HIK_ERR_IO ? "the device cannot be read from the store"
                                      : "no such device");
        return false;
    }
    if (err) {
        gw_secrets_free(d->password);
        tools__fail(res, 500,
                    "the device's stored password cannot be decrypted (secret.key "
                    "replaced?); save the device's password again");
        return false;
    }
    if (!strcmp(d->status, "auth_rejected") || !strcmp(d->status, "locked")) {
        gw_secrets_free(d->password);
        tools__refuse(res, d);
        return false;
    }
    if (!tools__claim(id)) {
        gw_secrets_free(d->password);
        tools__fail(res, 409, "another test or snapshot of this device is under way");
        return false;
    }
    return true;
}

static hik_err tools__handle(gw *g, const tools_dev *d, size_t max_reply, hik_isapi **out)
{
    hik_isapi_opts o = {
        .scheme = d->scheme[0] ? d->scheme : "http",
        .host = d->address,
        .port = d->port,
        .username = d->username,
        .password = d->password,
        .auth = HIK_AUTH_AUTO,
        .timeout_ms = g->cfg.device_timeout_ms,
        .connect_timeout_ms = g->cfg.device_timeout_ms < 3000 ? g->cfg.device_timeout_ms : 3000,
        .max_reply = max_reply,
    };
    return hik_isapi_new(&o, out);
}

/* ---- outcomes ------------------------------------------------------------ */

/* Why a call failed, in words an installer can act on. */
static void tools__explain(hik_err err, const hik_reply *r, char *out, size_t len)
{
    char st[192];
    switch (err) {
    case HIK_ERR_AUTH:
        snprintf(out, len,
                 "the device rejected the username or password; nothing was retried, "
                 "and no further login is attempted until the device's password is "
                 "saved again in its settings");
        break;
    case HIK_ERR_LOCKED:
        snprintf(out, len,
                 "the device reports this client locked out after failed logins; wait "
                 "for the lockout to end, then save the device's current password");
        break;
    case HIK_ERR_NETWORK:
    case HIK_ERR_TLS:
        snprintf(out, len,
                 "the device cannot be reached (%s); check its address, port and "
                 "protocol, and that it is powered and on the network",
                 r->error[0] ? r->error : hik_err_str(err));
        break;
    case HIK_ERR_TIMEOUT:
        snprintf(out, len, "no answer from the device in time (%s)",
                 r->error[0] ? r->error : hik_err_str(err));
        break;
    case HIK_ERR_DEVICE:
        hik_status_describe(&r->status, st, sizeof st);
        snprintf(out, len, "the device answered with an error: %s", st);
        break;
    default:
        snprintf(out, len, "%s%s%s", hik_err_str(err), r->error[0] ? ": " : "", r->error);
        break;
    }
}

static json_t *tools__failure(hik_err err, const hik_reply *r, const char *status)
{
    char msg[512];
    tools__explain(err, r, msg, sizeof msg);
    json_t *j = json_object();
    json_object_set_new(j, "ok", json_false());
    json_object_set_new(j, "contacted", json_true());
    json_object_set_new(j, "code", json_string(hik_err_name(err)));
    json_object_set_new(j, "error", json_string(msg));
    json_object_set_new(j, "status", json_string(status));
    if (r->http_status)
        json_object_set_new(j, "http_status", json_integer(r->http_status));
    if (r->status.status_code) {
        json_t *d = json_pack("{s:i,s:s}", "status_code", r->status.status_code, "status_string",
                              r->status.status_string);
        if (r->status.sub_status[0])
            json_object_set_new(d, "sub_status", json_string(r->status.sub_status));
        if (r->status.error_code)
            json_object_set_new(d, "error_code", json_integer(r->status.error_code));
        json_object_set_new(j, "device_status", d);
    }
    return j;
}

static json_t *tools__identity(const hik_device_info *info)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "device_name", info->device_name, "model",
                     info->model, "serial", info->serial, "mac", info->mac, "firmware",
                     info->firmware, "firmware_build", info->firmware_build, "device_type",
                     info->device_type);
}

/* ---- the connection test --------------------------------------------------- */

void gw_device_tools_test(gw *g, int64_t device_id, gw_tool_result *res)
{
    tools_dev d;
    hik_isapi *isapi = NULL;
    hik_reply reply = {0};
    hik_device_info info = {0};
    memset(res, 0, sizeof *res);
    if (!tools__begin(g, device_id, &d, res))
        return;
    int64_t t0 = gw_now_ms();
    hik_err err = tools__handle(g, &d, 0, &isapi);
    if (err) {
        tools__release(&d);
        return tools__fail(res, 500, "cannot create the device client");
    }
    err = hik_isapi_device_info(isapi, &info, &reply);
    hik_isapi_free(isapi);
    const char *status = tools__note(g, d.id, err, &reply);
    json_t *j;
    if (!err) {
        if (info.model[0])
            tools__save_identity(g, d.id, &info);
        j = json_pack("{s:b,s:b,s:s,s:o}", "ok", 1, "contacted", 1, "status", status, "device",
                      tools__identity(&info));
    } else {
        j = tools__failure(err, &reply, status);
    }
    json_object_set_new(j, "elapsed_ms", json_integer(gw_now_ms() - t0));
    gw_info("device %lld: connection test: %s", (long long)d.id, err ? hik_err_name(err) : "ok");
    tools__release(&d);
    hik_reply_free(&reply);
    tools__reply(res, 200, j);
}

/* ---- the snapshot ---------------------------------------------------------- */

/* Recorders (NVR, DVR, and a device whose type is not known yet) serve
 * their IP channels' pictures through the streaming proxy. */
static bool tools__recorder(const tools_dev *d)
{
    return !d->device_type[0] || strstr(d->device_type, "NVR") || strstr(d->device_type, "DVR");
}

static hik_err tools__picture(hik_isapi *isapi, const tools_dev *d, int channel, hik_reply *reply)
{
    char path[96];
    snprintf(path, sizeof path, "/ISAPI/Streaming/channels/%d01/picture", channel);
    hik_err err = hik_isapi_request(isapi, "GET", path, NULL, NULL, 0, reply);
    if (err != HIK_ERR_NOT_FOUND || !tools__recorder(d))
        return err;
    hik_reply_free(reply);
    memset(reply, 0, sizeof *reply);
    snprintf(path, sizeof path, "/ISAPI/ContentMgmt/StreamingProxy/channels/%d01/picture", channel);
    return hik_isapi_request(isapi, "GET", path, NULL, NULL, 0, reply);
}

/* The picture's bytes to the response, or the reason they are not one. */
static void tools__take_picture(gw_tool_result *res, hik_err err, hik_reply *reply,
                                const char *status)
{
    if (!err && (reply->len < 3 || reply->body[0] != 0xFF || reply->body[1] != 0xD8)) {
        json_t *j = tools__failure(HIK_ERR_UNSUPPORTED, reply, status);
        json_object_set_new(j, "error", json_string("the device answered without a JPEG picture"));
        return tools__reply(res, 502, j);
    }
    if (err) {
        int code = err == HIK_ERR_AUTH || err == HIK_ERR_LOCKED                             ? 409
                   : err == HIK_ERR_NETWORK || err == HIK_ERR_TIMEOUT || err == HIK_ERR_TLS ? 504
                                                                                            : 502;
        return tools__reply(res, code, tools__failure(err, reply, status));
    }
    res->status = 200;
    res->picture = reply->body; /* taken: the reply no longer owns it */
    res->picture_len = reply->len;
    reply->body = NULL;
    reply->len = 0;
}

void gw_device_tools_snapshot(gw *g, int64_t device_id, int channel, gw_tool_result *res)
{
    tools_dev d;
    hik_isapi *isapi = NULL;
    hik_reply reply = {0};
    memset(res, 0, sizeof *res);
    if (channel < 1 || channel > GW_SNAPSHOT_CHANNEL_MAX)
        return tools__fail(res, 400, "no such channel");
    if (!tools__begin(g, device_id, &d, res))
        return;
    hik_err err = tools__handle(g, &d, GW_SNAPSHOT_MAX, &isapi);
    if (err) {
        tools__release(&d);
        return tools__fail(res, 500, "cannot create the device client");
    }
    err = tools__picture(isapi, &d, channel, &reply);
    hik_isapi_free(isapi);
    const char *status = tools__note(g, d.id, err, &reply);
    if (err)
        gw_warn("device %lld: snapshot of channel %d: %s %s", (long long)d.id, channel,
                hik_err_name(err), reply.error);
    tools__release(&d);
    tools__take_picture(res, err, &reply, status);
    hik_reply_free(&reply);
}
