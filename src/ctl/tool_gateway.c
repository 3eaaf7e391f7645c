/* tool_gateway.c: hikctl through hikgated's REST API: the HTTP client,
 * the mapping of answers to exit codes, job following, and the device
 * commands the gateway offers (info, reboot, passwd, set-ip, activate,
 * upgrade, backup, restore).
 *
 * One libcurl easy handle per call is plenty for a command-line tool.
 * Replies are capped (TOOL_GW_MAX_REPLY); uploads are streamed from the
 * file. The gateway's own error sentence is what the user sees. */
#include "tool.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TOOL_GW_MAX_REPLY (64u * 1024 * 1024)

void tool_http_free(tool_http *h)
{
    json_decref(h->json);
    free(h->body);
    memset(h, 0, sizeof *h);
}

static size_t gateway__write(char *data, size_t size, size_t n, void *ctx)
{
    tool_http *h = ctx;
    size_t len = size * n;
    if (h->len + len > TOOL_GW_MAX_REPLY)
        return 0;
    char *p = realloc(h->body, h->len + len + 1);
    if (!p)
        return 0;
    memcpy(p + h->len, data, len);
    h->body = p;
    h->len += len;
    p[h->len] = '\0';
    return len;
}

void tool_url_encode(const char *s, char *out, size_t out_len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *s && o + 4 < out_len; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-._~", c))
            out[o++] = (char)c;
        else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
}

/* The exit code an answer maps to (2xx: OK). */
static int gateway__exit(long status, json_t *body)
{
    const char *code = json_string_value(json_object_get(body, "code"));
    if (status >= 200 && status < 300)
        return TOOL_EXIT_OK;
    if (status == 0 || status == 504)
        return TOOL_EXIT_UNREACHABLE;
    if (status == 401 || status == 429)
        return TOOL_EXIT_AUTH;
    if (code && (!strcmp(code, "auth") || !strcmp(code, "locked")))
        return TOOL_EXIT_AUTH;
    if (status == 400 || status == 413 || status == 415)
        return TOOL_EXIT_USAGE;
    return TOOL_EXIT_REFUSED;
}

static bool gateway__password(tool *t)
{
    if (t->gw_pass_set)
        return true;
    t->gw_pass_set =
        tool_secret("HIKGATE_PASSWORD", "gateway password: ", t->gw_pass, sizeof t->gw_pass);
    return t->gw_pass_set;
}

static CURLcode gateway__perform(tool *t, CURL *c, const char *method, const char *url,
                                 const char *json_body, FILE *upload, curl_off_t upload_len,
                                 tool_http *out)
{
    struct curl_slist *hdrs = NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, t->gw_user);
    curl_easy_setopt(c, CURLOPT_PASSWORD, t->gw_pass);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, gateway__write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, t->timeout_ms ? t->timeout_ms : 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (json_body) {
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, json_body);
    } else if (upload) {
        hdrs = curl_slist_append(hdrs, "Content-Type: application/octet-stream");
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READDATA, upload);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, upload_len);
    }
    hdrs = curl_slist_append(hdrs, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    if (cc != CURLE_OK)
        snprintf(out->error, sizeof out->error, "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
    curl_slist_free_all(hdrs);
    return cc;
}

int tool_gw_call(tool *t, const char *method, const char *path, json_t *body_json,
                 const char *file_path, tool_http *out)
{
    memset(out, 0, sizeof *out);
    if (!gateway__password(t))
        return tool_fail(t, TOOL_EXIT_USAGE,
                         "no gateway password: set HIKGATE_PASSWORD or run on a terminal");
    char url[2048];
    size_t base = strlen(t->gateway);
    while (base && t->gateway[base - 1] == '/')
        base--;
    if ((size_t)snprintf(url, sizeof url, "%.*s%s", (int)base, t->gateway, path) >= sizeof url)
        return tool_fail(t, TOOL_EXIT_USAGE, "URL too long");
    FILE *upload = NULL;
    struct stat stbuf;
    if (file_path && (!(upload = fopen(file_path, "rb")) || fstat(fileno(upload), &stbuf) != 0)) {
        if (upload)
            fclose(upload);
        return tool_fail(t, TOOL_EXIT_IO, "%s: cannot open", file_path);
    }
    char *body = body_json ? json_dumps(body_json, JSON_COMPACT) : NULL;
    CURL *c = curl_easy_init();
    CURLcode cc = c ? gateway__perform(t, c, method, url, body, upload,
                                       upload ? (curl_off_t)stbuf.st_size : 0, out)
                    : CURLE_FAILED_INIT;
    if (c)
        curl_easy_cleanup(c);
    if (upload)
        fclose(upload);
    if (body) {
        tool_wipe(body, strlen(body));
        free(body);
    }
    if (cc != CURLE_OK)
        return tool_fail(t, cc == CURLE_FAILED_INIT ? TOOL_EXIT_IO : TOOL_EXIT_UNREACHABLE,
                         "%s: %s", url, out->error);
    if (out->body)
        out->json = json_loads(out->body, 0, NULL);
    int rc = gateway__exit(out->status, out->json);
    if (rc) {
        const char *msg = json_string_value(json_object_get(out->json, "error"));
        rc = tool_fail(t, rc, "gateway answered %ld: %s", out->status,
                       msg ? msg : (out->body ? out->body : "(no body)"));
    }
    return rc;
}

bool tool_gw_id(const char *s, long *id)
{
    return tool_int(s, 1, 0x7fffffffL, id);
}

int tool_gw_wait_job(tool *t, json_t *job, json_t **final)
{
    *final = NULL;
    const char *url = json_string_value(json_object_get(job, "status_url"));
    if (!url)
        return tool_fail(t, TOOL_EXIT_REFUSED, "the gateway answered without a job");
    char path[256];
    snprintf(path, sizeof path, "%s", url);
    for (;;) {
        tool_http h;
        int rc = tool_gw_call(t, "GET", path, NULL, NULL, &h);
        if (rc) {
            tool_http_free(&h);
            return rc;
        }
        const char *state = json_string_value(json_object_get(h.json, "state"));
        const char *phase = json_string_value(json_object_get(h.json, "phase"));
        int pct = (int)json_integer_value(json_object_get(h.json, "percent"));
        if (state && strcmp(state, "running") != 0) {
            *final = json_incref(h.json);
            tool_http_free(&h);
            tool_progress_end(t);
            if (strcmp(state, "ok") == 0)
                return TOOL_EXIT_OK;
            json_t *res = json_object_get(*final, "result");
            const char *msg = json_string_value(json_object_get(res, "error"));
            const char *code = json_string_value(json_object_get(res, "code"));
            int ec = !code                                                  ? TOOL_EXIT_REFUSED
                     : !strcmp(code, "auth") || !strcmp(code, "locked")     ? TOOL_EXIT_AUTH
                     : !strcmp(code, "timeout") || !strcmp(code, "network") ? TOOL_EXIT_UNREACHABLE
                                                                            : TOOL_EXIT_REFUSED;
            return tool_fail(t, ec, "job failed: %s", msg ? msg : "(no reason given)");
        }
        tool_progress(t, phase && *phase ? phase : "working", pct);
        tool_http_free(&h);
        struct timespec ts = {0, 300 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* ID as argv[1]; false after a usage failure. */
static bool gateway__id_arg(tool *t, int argc, char **argv, int want, long *id)
{
    if (argc < 2 || !tool_gw_id(argv[1], id) || (want && argc != want)) {
        tool_fail(t, TOOL_EXIT_USAGE, "%s: expected a device ID (see hikctl %s --help)", argv[0],
                  argv[0]);
        return false;
    }
    return true;
}

int tool_gw_info(tool *t, int argc, char **argv)
{
    long id = 0;
    if (argc > 2 || (argc == 2 && !tool_gw_id(argv[1], &id)))
        return tool_fail(t, TOOL_EXIT_USAGE, "info: expected [ID]");
    char path[64];
    snprintf(path, sizeof path, id ? "/api/v1/devices/%ld" : "/api/v1/devices", id);
    tool_http h;
    int rc = tool_gw_call(t, "GET", path, NULL, NULL, &h);
    if (rc) {
        tool_http_free(&h);
        return rc;
    }
    json_t *list = id ? json_pack("[O]", h.json) : json_incref(h.json);
    char *text = NULL;
    size_t cap = 256 * (json_array_size(list) + 1), used = 0;
    text = calloc(1, cap);
    size_t i;
    json_t *d;
    json_array_foreach(list, i, d)
    {
        used += (size_t)snprintf(text + used, cap - used, "%-4lld %-20s %s:%lld %-16s %-10s %s\n",
                                 (long long)json_integer_value(json_object_get(d, "id")),
                                 json_string_value(json_object_get(d, "name")) ?: "",
                                 json_string_value(json_object_get(d, "address")) ?: "",
                                 (long long)json_integer_value(json_object_get(d, "port")),
                                 json_string_value(json_object_get(d, "model")) ?: "-",
                                 json_string_value(json_object_get(d, "firmware")) ?: "-",
                                 json_string_value(json_object_get(d, "status")) ?: "");
    }
    json_decref(list);
    rc = tool_result(t, json_incref(h.json), text ? text : "");
    free(text);
    tool_http_free(&h);
    return rc;
}

/* POST that starts a job, then follow it and print the result. */
static int gateway__job(tool *t, const char *path, json_t *body, const char *file, const char *done)
{
    tool_http h;
    int rc = tool_gw_call(t, "POST", path, body, file, &h);
    json_t *final = NULL;
    if (!rc)
        rc = tool_gw_wait_job(t, h.json, &final);
    tool_http_free(&h);
    if (rc) {
        json_decref(final);
        return rc;
    }
    char text[512];
    json_t *res = json_object_get(final, "result");
    char *res_text = json_dumps(res, JSON_COMPACT | JSON_ENCODE_ANY);
    snprintf(text, sizeof text, "%s: %s", done, res_text ? res_text : "");
    free(res_text);
    return tool_result(t, final, text);
}

int tool_gw_reboot(tool *t, int argc, char **argv)
{
    long id, wait_s = 0;
    if (!gateway__id_arg(t, argc, argv, 0, &id))
        return TOOL_EXIT_USAGE;
    if (argc == 4 && strcmp(argv[2], "--wait") == 0 && tool_int(argv[3], 2, 3600, &wait_s))
        ;
    else if (argc != 2)
        return tool_fail(t, TOOL_EXIT_USAGE, "reboot: expected ID [--wait SECONDS]");
    char path[64];
    snprintf(path, sizeof path, "/api/v1/devices/%ld/reboot", id);
    json_t *body = wait_s ? json_pack("{s:i}", "wait_seconds", (int)wait_s) : NULL;
    int rc = gateway__job(t, path, body, NULL, "rebooted");
    json_decref(body);
    return rc;
}

int tool_gw_upgrade(tool *t, int argc, char **argv)
{
    long id;
    if (argc != 3 || !tool_gw_id(argv[1], &id))
        return tool_fail(t, TOOL_EXIT_USAGE, "upgrade: expected ID FILE");
    if (access(argv[2], R_OK) != 0)
        return tool_fail(t, TOOL_EXIT_IO, "%s: cannot read", argv[2]);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/devices/%ld/firmware", id);
    tool_progress(t, "uploading", 0);
    return gateway__job(t, path, NULL, argv[2], "upgraded");
}

int tool_gw_backup(tool *t, int argc, char **argv)
{
    long id;
    if (!gateway__id_arg(t, argc, argv, 2, &id))
        return TOOL_EXIT_USAGE;
    char path[64];
    snprintf(path, sizeof path, "/api/v1/devices/%ld/backups", id);
    return gateway__job(t, path, NULL, NULL, "backup kept by the gateway");
}

int tool_gw_restore(tool *t, int argc, char **argv)
{
    long id, n;
    if (argc != 3 || !tool_gw_id(argv[1], &id) || !tool_gw_id(argv[2], &n))
        return tool_fail(t, TOOL_EXIT_USAGE, "restore: expected ID BACKUP-ID");
    char path[96];
    snprintf(path, sizeof path, "/api/v1/devices/%ld/backups/%ld/restore", id, n);
    return gateway__job(t, path, NULL, NULL, "restored");
}

/* A synchronous call whose JSON answer is the result. */
static int gateway__simple(tool *t, const char *method, const char *path, json_t *body,
                           const char *done)
{
    tool_http h;
    int rc = tool_gw_call(t, method, path, body, NULL, &h);
    if (!rc) {
        char *s = json_dumps(h.json, JSON_COMPACT | JSON_ENCODE_ANY);
        char text[1024];
        snprintf(text, sizeof text, "%s%s%s", done, done[0] ? ": " : "", s ? s : "");
        free(s);
        rc = tool_result(t, json_incref(h.json), text);
    }
    tool_http_free(&h);
    return rc;
}

static int gateway__new_password(tool *t, char *pw, size_t len)
{
    if (!tool_secret("HIKCTL_NEW_PASSWORD", "new password: ", pw, len))
        return tool_fail(t, TOOL_EXIT_USAGE,
                         "no new password: set HIKCTL_NEW_PASSWORD or run on a terminal");
    return TOOL_EXIT_OK;
}

int tool_gw_passwd(tool *t, int argc, char **argv)
{
    long id;
    char pw[TOOL_SECRET_MAX];
    if (!gateway__id_arg(t, argc, argv, 2, &id))
        return TOOL_EXIT_USAGE;
    int rc = gateway__new_password(t, pw, sizeof pw);
    if (rc)
        return rc;
    char path[64];
    snprintf(path, sizeof path, "/api/v1/devices/%ld/password", id);
    json_t *body = json_pack("{s:s}", "new_password", pw);
    tool_wipe(pw, sizeof pw);
    rc = gateway__simple(t, "POST", path, body, "password changed");
    json_decref(body);
    return rc;
}

int tool_gw_activate(tool *t, int argc, char **argv)
{
    char pw[TOOL_SECRET_MAX], host[256];
    long port = 80;
    if (argc != 2)
        return tool_fail(t, TOOL_EXIT_USAGE, "activate: expected HOST[:PORT]");
    snprintf(host, sizeof host, "%s", argv[1]);
    char *colon = strrchr(host, ':');
    if (colon && !strchr(colon + 1, ']') && strchr(host, ':') == colon) {
        *colon = '\0';
        if (!tool_int(colon + 1, 1, 65535, &port))
            return tool_fail(t, TOOL_EXIT_USAGE, "activate: bad port");
    }
    int rc = gateway__new_password(t, pw, sizeof pw);
    if (rc)
        return rc;
    json_t *body = json_pack("{s:s,s:i,s:s}", "address", host, "port", (int)port, "password", pw);
    tool_wipe(pw, sizeof pw);
    rc = gateway__simple(t, "POST", "/api/v1/devices/activate", body, "activated");
    json_decref(body);
    return rc;
}

int tool_gw_set_ip(tool *t, int argc, char **argv)
{
    long id;
    if (!gateway__id_arg(t, argc, argv, 0, &id))
        return TOOL_EXIT_USAGE;
    json_t *body = json_object();
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--dhcp") || !strcmp(a, "--static")) {
            json_object_set_new(body, "dhcp", json_boolean(a[2] == 'd'));
            continue;
        }
        const char *key = !strcmp(a, "--address")  ? "address"
                          : !strcmp(a, "--mask")   ? "mask"
                          : !strcmp(a, "--router") ? "gateway"
                          : !strcmp(a, "--dns1")   ? "dns1"
                          : !strcmp(a, "--dns2")   ? "dns2"
                                                   : NULL;
        if (!key || i + 1 >= argc) {
            json_decref(body);
            return tool_fail(t, TOOL_EXIT_USAGE, "set-ip: bad option \"%s\" (see --help)", a);
        }
        json_object_set_new(body, key, json_string(argv[++i]));
    }
    char path[64];
    snprintf(path, sizeof path, "/api/v1/devices/%ld/network", id);
    bool change = json_object_size(body) > 0;
    int rc = gateway__simple(t, change ? "PUT" : "GET", path, change ? body : NULL,
                             change ? "changed" : "");
    json_decref(body);
    return rc;
}
