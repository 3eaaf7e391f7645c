/* tool_config.c: the gateway's configuration as a file: export and import
 * (GET /api/v1/config/export, POST /api/v1/config/import), and bulk jobs.
 *
 * The passphrase that protects exported device passwords is read from
 * HIKCTL_PASSPHRASE or the terminal, never from the command line; the
 * import sends it in the body, not the URL. */
#include "tool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static bool config__passphrase(char *out, size_t len)
{
    return tool_secret("HIKCTL_PASSPHRASE", "passphrase: ", out, len);
}

int tool_cmd_export(tool *t, int argc, char **argv)
{
    const char *file = NULL;
    bool secrets = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--with-secrets") == 0)
            secrets = true;
        else if (argv[i][0] != '-' && !file)
            file = argv[i];
        else
            return tool_fail(t, TOOL_EXIT_USAGE, "export: expected [FILE] [--with-secrets]");
    }
    char pass[TOOL_SECRET_MAX], enc[3 * TOOL_SECRET_MAX + 1], path[4 * TOOL_SECRET_MAX];
    snprintf(path, sizeof path, "/api/v1/config/export");
    if (secrets) {
        if (!config__passphrase(pass, sizeof pass))
            return tool_fail(t, TOOL_EXIT_USAGE,
                             "no passphrase: set HIKCTL_PASSPHRASE or run on a terminal");
        tool_url_encode(pass, enc, sizeof enc);
        snprintf(path, sizeof path, "/api/v1/config/export?passphrase=%s", enc);
        tool_wipe(pass, sizeof pass);
        tool_wipe(enc, sizeof enc);
    }
    tool_http h;
    int rc = tool_gw_call(t, "GET", path, NULL, NULL, &h);
    tool_wipe(path, sizeof path);
    if (!rc && !h.json)
        rc = tool_fail(t, TOOL_EXIT_REFUSED, "the gateway's export is not JSON");
    if (rc) {
        tool_http_free(&h);
        return rc;
    }
    int flags = JSON_INDENT(2) | JSON_SORT_KEYS;
    if (!file) {
        json_dumpf(h.json, stdout, flags);
        fputc('\n', stdout);
    } else if (json_dump_file(h.json, file, flags) != 0) {
        rc = tool_fail(t, TOOL_EXIT_IO, "%s: cannot write", file);
    }
    if (!rc && file) {
        char text[4200];
        snprintf(text, sizeof text, "%s: %zu devices, %zu triggers, %zu actions, %zu scenarios",
                 file, json_array_size(json_object_get(h.json, "devices")),
                 json_array_size(json_object_get(h.json, "triggers")),
                 json_array_size(json_object_get(h.json, "actions")),
                 json_array_size(json_object_get(h.json, "scenarios")));
        rc = tool_result(t, json_pack("{s:s}", "file", file), text);
    }
    tool_http_free(&h);
    return rc;
}

/* One line per entry of a report list. */
static void config__lines(json_t *report, const char *list, char *out, size_t cap, size_t *used)
{
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(report, list), i, o)
    {
        const char *why = json_string_value(json_object_get(o, "reason"));
        int w = snprintf(out + *used, cap - *used, "%-9s %-8s %s%s%s\n", list,
                         json_string_value(json_object_get(o, "type")),
                         json_string_value(json_object_get(o, "name")) ?: "(no name)",
                         why ? ": " : "", why ? why : "");
        if (w > 0 && (size_t)w < cap - *used)
            *used += (size_t)w;
    }
}

int tool_cmd_import(tool *t, int argc, char **argv)
{
    const char *file = NULL;
    bool with_pass = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--passphrase") == 0)
            with_pass = true;
        else if (argv[i][0] != '-' && !file)
            file = argv[i];
        else
            return tool_fail(t, TOOL_EXIT_USAGE, "import: expected FILE [--passphrase]");
    }
    if (!file)
        return tool_fail(t, TOOL_EXIT_USAGE, "import: expected FILE [--passphrase]");
    json_error_t jerr;
    json_t *doc = json_load_file(file, 0, &jerr);
    if (!doc)
        return tool_fail(t, errno == ENOENT ? TOOL_EXIT_IO : TOOL_EXIT_USAGE, "%s: %s", file,
                         jerr.text);
    json_t *body = json_pack("{s:o}", "document", doc);
    char pass[TOOL_SECRET_MAX];
    if (with_pass) {
        if (!config__passphrase(pass, sizeof pass)) {
            json_decref(body);
            return tool_fail(t, TOOL_EXIT_USAGE,
                             "no passphrase: set HIKCTL_PASSPHRASE or run on a terminal");
        }
        json_object_set_new(body, "passphrase", json_string(pass));
        tool_wipe(pass, sizeof pass);
    }
    tool_http h;
    int rc = tool_gw_call(t, "POST", "/api/v1/config/import", body, NULL, &h);
    json_decref(body);
    if (!rc) {
        size_t cap = 64 * 1024, used = 0;
        char *text = calloc(1, cap);
        if (text) {
            config__lines(h.json, "created", text, cap, &used);
            config__lines(h.json, "updated", text, cap, &used);
            config__lines(h.json, "skipped", text, cap, &used);
            snprintf(text + used, cap - used, "%zu unchanged",
                     json_array_size(json_object_get(h.json, "unchanged")));
        }
        rc = tool_result(t, json_incref(h.json), text ? text : "");
        free(text);
    }
    tool_http_free(&h);
    return rc;
}

/* OPERATION IDS [KEY=VALUE]... -> the request body. */
static int config__bulk_body(tool *t, int argc, char **argv, json_t **out)
{
    if (argc < 3)
        return tool_fail(t, TOOL_EXIT_USAGE, "bulk: expected OPERATION ID[,ID...] [KEY=VALUE]...");
    json_t *ids = json_array(), *params = json_object();
    *out = json_pack("{s:s,s:o,s:o}", "operation", argv[1], "devices", ids, "params", params);
    char list[1024];
    snprintf(list, sizeof list, "%s", argv[2]);
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        long id;
        if (!tool_gw_id(tok, &id))
            return tool_fail(t, TOOL_EXIT_USAGE, "bulk: \"%s\" is not a device id", tok);
        json_array_append_new(ids, json_integer(id));
    }
    for (int i = 3; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        long v;
        if (!eq || eq == argv[i])
            return tool_fail(t, TOOL_EXIT_USAGE, "bulk: \"%s\" is not KEY=VALUE", argv[i]);
        *eq = '\0';
        json_object_set_new(params, argv[i],
                            tool_int(eq + 1, 0, 0x7fffffffL, &v) ? json_integer(v)
                                                                 : json_string(eq + 1));
    }
    char pw[TOOL_SECRET_MAX];
    if (strcmp(argv[1], "password") == 0) {
        if (!tool_secret("HIKCTL_NEW_PASSWORD", "new password: ", pw, sizeof pw))
            return tool_fail(t, TOOL_EXIT_USAGE,
                             "no new password: set HIKCTL_NEW_PASSWORD or run on a terminal");
        json_object_set_new(params, "new_password", json_string(pw));
        tool_wipe(pw, sizeof pw);
    }
    return TOOL_EXIT_OK;
}

/* Poll the bulk job until done; the final job in *final. */
static int config__bulk_wait(tool *t, json_t *job, json_t **final)
{
    const char *url = json_string_value(json_object_get(job, "status_url"));
    char path[128];
    snprintf(path, sizeof path, "%s", url ? url : "");
    for (;;) {
        tool_http h;
        int rc = tool_gw_call(t, "GET", path, NULL, NULL, &h);
        const char *state = json_string_value(json_object_get(h.json, "state"));
        if (rc || (state && strcmp(state, "running") != 0)) {
            *final = rc ? NULL : json_incref(h.json);
            tool_http_free(&h);
            return rc;
        }
        json_int_t total = json_integer_value(json_object_get(h.json, "total"));
        json_int_t done = json_integer_value(json_object_get(h.json, "ok")) +
                          json_integer_value(json_object_get(h.json, "failed"));
        tool_progress(t, "devices", total ? (int)(done * 100 / total) : 0);
        tool_http_free(&h);
        struct timespec ts = {0, 300 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

int tool_cmd_bulk(tool *t, int argc, char **argv)
{
    json_t *body = NULL, *final = NULL;
    int rc = config__bulk_body(t, argc, argv, &body);
    tool_http h = {0};
    if (!rc)
        rc = tool_gw_call(t, "POST", "/api/v1/bulk", body, NULL, &h);
    json_decref(body);
    if (!rc)
        rc = config__bulk_wait(t, h.json, &final);
    tool_http_free(&h);
    if (rc)
        return rc;
    size_t cap = 64 * 1024, used = 0, i;
    char *text = calloc(1, cap);
    json_t *r;
    json_array_foreach(json_object_get(final, "results"), i, r)
    {
        json_t *res = json_object_get(r, "result");
        char *s = json_dumps(res, JSON_COMPACT | JSON_ENCODE_ANY);
        int w = text ? snprintf(text + used, cap - used, "device %-4lld %-6s %s\n",
                                (long long)json_integer_value(json_object_get(r, "device_id")),
                                json_string_value(json_object_get(r, "state")), s ? s : "")
                     : 0;
        if (w > 0 && (size_t)w < cap - used)
            used += (size_t)w;
        free(s);
    }
    bool failed = json_integer_value(json_object_get(final, "failed")) > 0;
    rc = tool_result(t, final, text ? text : "");
    free(text);
    if (failed) {
        fprintf(stderr, "hikctl: some devices failed\n");
        return TOOL_EXIT_REFUSED;
    }
    return rc;
}
