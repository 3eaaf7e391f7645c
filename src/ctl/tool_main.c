/* tool_main.c: hikctl's command line: global options, the command table,
 * help, and the choice between a device and the gateway.
 *
 * Global options may stand anywhere on the line (`hikctl info --device
 * ...` and `hikctl --device ... info` are the same); everything else goes
 * to the command. Passwords are taken from the command line (--device
 * user:pass@host), the environment (HIKCTL_PASSWORD, HIKGATE_PASSWORD) or
 * a prompt without echo, in that order. */
#include "tool.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hik/version.h"

#define MAIN_MAX_ARGS 64

static const tool_cmd commands[] = {
    {"discover", tool_cmd_discover, tool_gw_discover, "find devices on the LAN (SADP)",
     "usage: hikctl discover [--timeout-ms N] [--target ADDR]... [--interface ADDR] [--port N]\n"
     "Sends one SADP probe and lists every device that answered. With --gateway the\n"
     "gateway scans from where it runs (--target, --interface, --port do not apply).\n"},
    {"info", tool_cmd_info, tool_gw_info, "show a device's identity",
     "usage: hikctl --device U:P@HOST info\n"
     "       hikctl --gateway URL info [ID]\n"
     "Model, serial number, MAC and firmware (GET /ISAPI/System/deviceInfo). Through the\n"
     "gateway: device ID as the gateway knows it, or every device without an ID.\n"},
    {"activate", tool_cmd_activate, tool_gw_activate, "activate a factory-fresh device",
     "usage: hikctl --device HOST[:PORT] activate\n"
     "       hikctl --gateway URL activate HOST[:PORT]\n"
     "Sets the first admin password (HIKCTL_NEW_PASSWORD, or asked twice without echo):\n"
     "8-16 printable characters mixing at least two of digits, lower case, upper case\n"
     "and other characters.\n"},
    {"set-ip", tool_cmd_set_ip, tool_gw_set_ip, "change a device's IPv4 settings",
     "usage: hikctl --device U:P@HOST set-ip [--dhcp | --static] [--address A] [--mask M]\n"
     "                [--router G] [--dns1 A] [--dns2 A]\n"
     "       hikctl --gateway URL set-ip ID [same options]\n"
     "Changes only what is given; without options prints the current settings.\n"},
    {"passwd", tool_cmd_passwd, tool_gw_passwd, "change a device's admin password",
     "usage: hikctl --device U:P@HOST passwd\n"
     "       hikctl --gateway URL passwd ID\n"
     "The new password comes from HIKCTL_NEW_PASSWORD or is asked twice without echo.\n"
     "Through the gateway the stored password follows.\n"},
    {"upgrade", tool_cmd_upgrade, tool_gw_upgrade, "upload a firmware image",
     "usage: hikctl --device U:P@HOST upgrade FILE\n"
     "       hikctl --gateway URL upgrade ID FILE\n"
     "Checks that FILE is a firmware image (digicap.dav), uploads it, follows the\n"
     "upgrade and the restart, and checks the version changed. A progress bar on a\n"
     "terminal, one line per step otherwise.\n"},
    {"reboot", tool_cmd_reboot, tool_gw_reboot, "restart a device",
     "usage: hikctl --device U:P@HOST reboot [--wait SECONDS]\n"
     "       hikctl --gateway URL reboot ID [--wait SECONDS]\n"
     "With --wait (directly) or always (through the gateway), waits until the device\n"
     "is back and prints its firmware version.\n"},
    {"backup", tool_cmd_backup, tool_gw_backup, "save a device's configuration",
     "usage: hikctl --device U:P@HOST backup FILE\n"
     "       hikctl --gateway URL backup ID\n"
     "GET /ISAPI/System/configurationData into FILE (\"-\" is refused: binary). Through\n"
     "the gateway the backup is kept by the gateway.\n"},
    {"restore", tool_cmd_restore, tool_gw_restore, "send a configuration back",
     "usage: hikctl --device U:P@HOST restore FILE\n"
     "       hikctl --gateway URL restore ID BACKUP-ID\n"
     "PUT /ISAPI/System/configurationData. Many devices restart afterwards.\n"},
    {"snapshot", tool_cmd_snapshot, NULL, "save a still picture",
     "usage: hikctl --device U:P@HOST snapshot FILE [--channel N]\n"
     "GET /ISAPI/Streaming/channels/<N>01/picture into FILE (channel 1 by default).\n"},
    {"events", NULL, tool_cmd_events, "show and follow the gateway's events",
     "usage: hikctl --gateway URL events [--device ID] [--kind K] [--limit N]\n"
     "                [--follow | --poll] [--interval-ms N] [--max N]\n"
     "Prints the newest --limit events (default 10), oldest first. --follow keeps\n"
     "printing new ones from the gateway's event stream (GET /api/v1/events/stream),\n"
     "or by polling GET /api/v1/events every --interval-ms when the gateway has no\n"
     "stream; --poll always polls. Runs until interrupted or until --max events\n"
     "were printed.\n"},
    {"export", NULL, tool_cmd_export, "export the gateway's configuration",
     "usage: hikctl --gateway URL export [FILE] [--with-secrets]\n"
     "One JSON document with every device, trigger, action and scenario, by name.\n"
     "--with-secrets includes the device passwords encrypted under a passphrase\n"
     "(HIKCTL_PASSPHRASE, or asked without echo). FILE defaults to stdout.\n"},
    {"import", NULL, tool_cmd_import, "import a configuration into the gateway",
     "usage: hikctl --gateway URL import FILE [--passphrase]\n"
     "Creates or updates devices, triggers, actions and scenarios by name and prints\n"
     "what was created, updated and skipped. --passphrase (HIKCTL_PASSPHRASE or asked)\n"
     "opens the device passwords of a document exported --with-secrets.\n"},
    {"bulk", NULL, tool_cmd_bulk, "one change on many devices",
     "usage: hikctl --gateway URL bulk OPERATION ID[,ID...] [KEY=VALUE]...\n"
     "OPERATION is reboot, time, password, http_host or firmware; KEY=VALUE pairs are\n"
     "its params (time: ntp_server=HOST time_zone=TZ; password: from\n"
     "HIKCTL_NEW_PASSWORD). Waits for the job and prints every device's result; exit\n"
     "1 when any device failed.\n"},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void main__usage(FILE *f)
{
    fprintf(f, "usage: hikctl [--device [https://]USER[:PASS]@HOST[:PORT] | --gateway URL]\n"
               "              [--user U] [--json] [--timeout MS] COMMAND [ARGS]\n"
               "       hikctl COMMAND --help\n\n"
               "Commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-10s %s%s\n", commands[i].name, commands[i].summary,
                !commands[i].device    ? " (gateway)"
                : !commands[i].gateway ? " (device)"
                                       : "");
    fprintf(f, "\nPasswords: HIKCTL_PASSWORD (device), HIKGATE_PASSWORD (gateway), or a prompt.\n"
               "Exit codes: 0 ok, 1 refused, 2 usage, 3 auth rejected, 4 unreachable or\n"
               "timeout, 5 local I/O.\n");
}

static const tool_cmd *main__find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* [https://|http://][user[:pass]@]host[:port]; IPv6 in brackets. */
static bool main__device(tool *t, const char *spec)
{
    snprintf(t->scheme, sizeof t->scheme, "http");
    if (strncmp(spec, "https://", 8) == 0) {
        snprintf(t->scheme, sizeof t->scheme, "https");
        spec += 8;
    } else if (strncmp(spec, "http://", 7) == 0) {
        spec += 7;
    }
    const char *at = strrchr(spec, '@');
    const char *host = spec;
    snprintf(t->dev_user, sizeof t->dev_user, "admin");
    if (at) {
        size_t ulen = (size_t)(at - spec);
        const char *colon = memchr(spec, ':', ulen);
        size_t nlen = colon ? (size_t)(colon - spec) : ulen;
        if (nlen == 0 || nlen >= sizeof t->dev_user)
            return false;
        memcpy(t->dev_user, spec, nlen);
        t->dev_user[nlen] = '\0';
        if (colon) {
            size_t plen = ulen - nlen - 1;
            if (plen >= sizeof t->dev_pass)
                return false;
            memcpy(t->dev_pass, colon + 1, plen);
            t->dev_pass[plen] = '\0';
            t->dev_pass_set = true;
        }
        host = at + 1;
    }
    const char *port = NULL;
    size_t hlen;
    if (host[0] == '[') {
        const char *close = strchr(host, ']');
        if (!close)
            return false;
        hlen = (size_t)(close - host - 1);
        host++;
        port = close[1] == ':' ? close + 2 : close[1] ? "" : NULL;
    } else {
        const char *colon = strchr(host, ':');
        hlen = colon ? (size_t)(colon - host) : strlen(host);
        port = colon ? colon + 1 : NULL;
    }
    if (hlen == 0 || hlen >= sizeof t->dev_host)
        return false;
    memcpy(t->dev_host, host, hlen);
    t->dev_host[hlen] = '\0';
    long p = 0;
    if (port && !tool_int(port, 1, 65535, &p))
        return false;
    t->dev_port = (int)p;
    t->have_device = true;
    return true;
}

/* The value of option `name` at argv[*i] ("--name V" or "--name=V"). */
static const char *main__value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] == '\0' && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}

/* Take the global options out of argv; the rest lands in rest[]. */
static int main__globals(tool *t, int argc, char **argv, char **rest, int *n_rest, bool *help)
{
    for (int i = 1; i < argc; i++) {
        const char *v;
        long ms;
        if (strcmp(argv[i], "--json") == 0)
            t->json = true;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            *help = true;
        else if ((v = main__value(argc, argv, &i, "--device"))) {
            if (!main__device(t, v))
                return tool_fail(t, TOOL_EXIT_USAGE,
                                 "--device: expected [https://]USER[:PASS]@HOST[:PORT]");
        } else if ((v = main__value(argc, argv, &i, "--gateway")))
            t->gateway = v;
        else if ((v = main__value(argc, argv, &i, "--user")))
            snprintf(t->gw_user, sizeof t->gw_user, "%s", v);
        else if ((v = main__value(argc, argv, &i, "--timeout"))) {
            if (!tool_int(v, 100, 3600000, &ms))
                return tool_fail(t, TOOL_EXIT_USAGE, "--timeout: milliseconds, 100-3600000");
            t->timeout_ms = ms;
        } else if (*n_rest < MAIN_MAX_ARGS)
            rest[(*n_rest)++] = argv[i];
        else
            return tool_fail(t, TOOL_EXIT_USAGE, "too many arguments");
    }
    return TOOL_EXIT_OK;
}

static int main__run(tool *t, int argc, char **argv)
{
    char *rest[MAIN_MAX_ARGS + 1] = {0};
    int n_rest = 0;
    bool help = false;
    int rc = main__globals(t, argc, argv, rest, &n_rest, &help);
    if (rc)
        return rc;
    if (n_rest == 0) {
        main__usage(help ? stdout : stderr);
        return help ? TOOL_EXIT_OK : TOOL_EXIT_USAGE;
    }
    if (strcmp(rest[0], "help") == 0 || strcmp(rest[0], "version") == 0) {
        if (rest[0][0] == 'v')
            printf("hikctl %s\n", HIK_VERSION);
        else
            main__usage(stdout);
        return TOOL_EXIT_OK;
    }
    const tool_cmd *c = main__find(rest[0]);
    if (!c)
        return tool_fail(t, TOOL_EXIT_USAGE, "unknown command \"%s\" (hikctl --help lists them)",
                         rest[0]);
    if (help) {
        fputs(c->help, stdout);
        return TOOL_EXIT_OK;
    }
    if (t->gateway && t->have_device)
        return tool_fail(t, TOOL_EXIT_USAGE, "give --device or --gateway, not both");
    if (t->gateway) {
        if (!c->gateway)
            return tool_fail(t, TOOL_EXIT_USAGE, "%s works on a device directly (--device)",
                             c->name);
        return c->gateway(t, n_rest, rest);
    }
    if (!c->device)
        return tool_fail(t, TOOL_EXIT_USAGE, "%s needs --gateway URL", c->name);
    if (!t->have_device && strcmp(c->name, "discover") != 0)
        return tool_fail(t, TOOL_EXIT_USAGE, "%s needs --device or --gateway", c->name);
    return c->device(t, n_rest, rest);
}

int main(int argc, char **argv)
{
    tool t = {0};
    snprintf(t.gw_user, sizeof t.gw_user, "admin");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "hikctl: libcurl failed to initialise\n");
        return TOOL_EXIT_IO;
    }
    int rc = main__run(&t, argc, argv);
    tool_wipe(t.dev_pass, sizeof t.dev_pass);
    tool_wipe(t.gw_pass, sizeof t.gw_pass);
    curl_global_cleanup();
    return rc;
}
