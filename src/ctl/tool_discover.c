/* tool_discover.c: finding devices with SADP, from this machine or from
 * where the gateway runs.
 *
 * Both ways print the same fields, named as GET /api/v1/discovery names
 * them, so a script can switch between them. */
#include "tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hik/sadp.h"

static json_t *discover__json(const hik_sadp_device *d)
{
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b}", "mac", d->mac, "model", d->model, "serial",
                  d->serial, "firmware", d->software_version, "ipv4_address", d->ipv4,
                  "device_type", d->device_type, "dhcp", d->dhcp, "activated", d->activated);
    json_object_set_new(o, "http_port", d->http_port ? json_integer(d->http_port) : json_null());
    json_object_set_new(o, "command_port",
                        d->command_port ? json_integer(d->command_port) : json_null());
    return o;
}

static void discover__line(json_t *o, char *out, size_t len)
{
    const char *ip = json_string_value(json_object_get(o, "ipv4_address"));
    snprintf(out, len, "%-17s %-15s %5lld  %-20s %-12s %s\n",
             json_string_value(json_object_get(o, "mac")) ?: "", ip ?: "-",
             (long long)json_integer_value(json_object_get(o, "http_port")),
             json_string_value(json_object_get(o, "model")) ?: "",
             json_is_true(json_object_get(o, "activated")) ? "active" : "inactive",
             json_string_value(json_object_get(o, "firmware")) ?: "");
}

/* Text table of a devices array, then the result. */
static int discover__print(tool *t, json_t *result)
{
    json_t *devs = json_object_get(result, "devices");
    size_t n = json_array_size(devs), cap = 160 * (n + 2);
    char *text = malloc(cap);
    if (!text) {
        json_decref(result);
        return tool_fail(t, TOOL_EXIT_IO, "out of memory");
    }
    size_t used = (size_t)snprintf(text, cap, "%-17s %-15s %5s  %-20s %-12s %s\n", "MAC", "IPv4",
                                   "HTTP", "MODEL", "STATE", "FIRMWARE");
    size_t i;
    json_t *o;
    json_array_foreach(devs, i, o)
    {
        discover__line(o, text + used, cap - used);
        used += strlen(text + used);
    }
    snprintf(text + used, cap - used, "%zu device%s", n, n == 1 ? "" : "s");
    int rc = tool_result(t, result, text);
    free(text);
    return rc;
}

int tool_cmd_discover(tool *t, int argc, char **argv)
{
    hik_sadp_opts o = {0};
    long v;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--timeout-ms") == 0 && tool_int(val, 100, 60000, &v))
            o.timeout_ms = (int)v;
        else if (strcmp(a, "--port") == 0 && tool_int(val, 1, 65535, &v))
            o.port = (int)v;
        else if (strcmp(a, "--interface") == 0 && val)
            o.interface = val;
        else if (strcmp(a, "--target") == 0 && val && o.n_targets < HIK_SADP_MAX_TARGETS)
            o.targets[o.n_targets++] = val;
        else
            return tool_fail(t, TOOL_EXIT_USAGE, "discover: bad option \"%s\" (see --help)", a);
        i++;
    }
    hik_sadp_scan scan = {0};
    hik_err err = hik_sadp_scan_run(&o, &scan);
    if (err) {
        hik_sadp_scan_free(&scan);
        return tool_fail(t, tool_exit_for(err), "SADP probe: %s", hik_err_str(err));
    }
    json_t *devs = json_array();
    for (size_t i = 0; i < scan.n; i++)
        json_array_append_new(devs, discover__json(&scan.devices[i]));
    json_t *result =
        json_pack("{s:o,s:I,s:I,s:I}", "devices", devs, "duplicates", (json_int_t)scan.duplicates,
                  "ignored", (json_int_t)scan.ignored, "dropped", (json_int_t)scan.dropped);
    hik_sadp_scan_free(&scan);
    return discover__print(t, result);
}

int tool_gw_discover(tool *t, int argc, char **argv)
{
    long v = 2000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--timeout-ms") == 0 && i + 1 < argc &&
            tool_int(argv[i + 1], 100, 10000, &v))
            i++;
        else
            return tool_fail(t, TOOL_EXIT_USAGE,
                             "discover through the gateway takes only --timeout-ms (100-10000)");
    }
    char path[64];
    snprintf(path, sizeof path, "/api/v1/discovery?timeout_ms=%ld", v);
    tool_http h = {0};
    int rc = tool_gw_call(t, "GET", path, NULL, NULL, &h);
    if (!rc)
        rc = discover__print(t, json_incref(h.json));
    tool_http_free(&h);
    return rc;
}
