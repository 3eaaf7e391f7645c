/* tool_device.c: commands on one device directly over ISAPI: info,
 * activate, set-ip, passwd, reboot, snapshot.
 *
 * Every command makes one ISAPI handle and stops at the first 401: libhik
 * never retries a rejected password, and neither does hikctl, because a
 * camera that sees a few wrong passwords locks the account for everybody. */
#include "tool.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hik/isapi_manage.h"
#include "hik/isapi_snapshot.h"

int tool_device_open(tool *t, bool with_credentials, hik_isapi **out)
{
    if (with_credentials && !t->dev_pass_set) {
        if (!tool_secret("HIKCTL_PASSWORD", "device password: ", t->dev_pass, sizeof t->dev_pass))
            return tool_fail(t, TOOL_EXIT_USAGE,
                             "no device password: give USER:PASS@HOST, set HIKCTL_PASSWORD or "
                             "run on a terminal");
        t->dev_pass_set = true;
    }
    hik_isapi_opts o = {
        .scheme = t->scheme[0] ? t->scheme : "http",
        .host = t->dev_host,
        .port = t->dev_port,
        .username = with_credentials ? t->dev_user : NULL,
        .password = with_credentials ? t->dev_pass : NULL,
        .auth = HIK_AUTH_AUTO,
        .timeout_ms = t->timeout_ms,
        .connect_timeout_ms = t->timeout_ms && t->timeout_ms < 3000 ? t->timeout_ms : 0,
    };
    hik_err err = hik_isapi_new(&o, out);
    if (err)
        return tool_fail(t, tool_exit_for(err), "cannot set up a connection to %s: %s", t->dev_host,
                         hik_err_str(err));
    return TOOL_EXIT_OK;
}

static json_t *device__info_json(const hik_device_info *d)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "device_name", d->device_name, "model",
                     d->model, "serial", d->serial, "mac", d->mac, "firmware", d->firmware,
                     "firmware_build", d->firmware_build, "device_type", d->device_type);
}

int tool_cmd_info(tool *t, int argc, char **argv)
{
    if (argc != 1)
        return tool_fail(t, TOOL_EXIT_USAGE, "info takes no arguments with --device");
    hik_isapi *h = NULL;
    int rc = tool_device_open(t, true, &h);
    if (rc)
        return rc;
    hik_device_info d;
    hik_reply r;
    hik_err err = hik_isapi_device_info(h, &d, &r);
    if (err)
        rc = tool_fail_device(t, err, &r, "deviceInfo");
    hik_reply_free(&r);
    hik_isapi_free(h);
    if (rc)
        return rc;
    char text[1024];
    snprintf(
        text, sizeof text,
        "name:     %s\nmodel:    %s\nserial:   %s\nmac:      %s\nfirmware: %s %s\ntype:     %s",
        d.device_name, d.model, d.serial, d.mac, d.firmware, d.firmware_build, d.device_type);
    return tool_result(t, device__info_json(&d), text);
}

/* A new password from HIKCTL_NEW_PASSWORD, or asked twice on a terminal;
 * checked against the rules devices enforce. Returns an exit code. */
static int device__new_password(tool *t, const char *user, char *out, size_t out_len)
{
    char again[TOOL_SECRET_MAX];
    bool from_env = getenv("HIKCTL_NEW_PASSWORD") && *getenv("HIKCTL_NEW_PASSWORD");
    if (!tool_secret("HIKCTL_NEW_PASSWORD", "new password: ", out, out_len))
        return tool_fail(t, TOOL_EXIT_USAGE,
                         "no new password: set HIKCTL_NEW_PASSWORD or run on a terminal");
    if (!from_env) {
        bool same = tool_secret(NULL, "new password again: ", again, sizeof again) &&
                    strcmp(again, out) == 0;
        tool_wipe(again, sizeof again);
        if (!same)
            return tool_fail(t, TOOL_EXIT_USAGE, "the two passwords differ");
    }
    char why[256];
    if (hik_password_check(user, out, why, sizeof why))
        return tool_fail(t, TOOL_EXIT_USAGE, "new password refused before sending: %s", why);
    return TOOL_EXIT_OK;
}

int tool_cmd_activate(tool *t, int argc, char **argv)
{
    if (argc != 1)
        return tool_fail(t, TOOL_EXIT_USAGE, "activate takes no arguments with --device");
    char pw[TOOL_SECRET_MAX];
    int rc = device__new_password(t, "admin", pw, sizeof pw);
    hik_isapi *h = NULL;
    if (!rc)
        rc = tool_device_open(t, false, &h);
    hik_reply r = {0};
    bool activated = false;
    hik_err err = rc ? HIK_OK : hik_isapi_activate_status(h, &activated, &r);
    if (!rc && err)
        rc = tool_fail_device(t, err, &r, "activation status");
    else if (!rc && activated)
        rc = tool_fail(t, TOOL_EXIT_REFUSED, "the device is already activated");
    hik_reply_free(&r);
    if (!rc && (err = hik_isapi_activate(h, pw, 0, &r)))
        rc = tool_fail_device(t, err, &r, "activation");
    hik_reply_free(&r);
    hik_isapi_free(h);
    tool_wipe(pw, sizeof pw);
    if (rc)
        return rc;
    return tool_result(t, json_pack("{s:b,s:s}", "activated", 1, "username", "admin"),
                       "activated; user admin");
}

static json_t *device__ip_json(const hik_ip_address *a)
{
    return json_pack("{s:b,s:s,s:s,s:s,s:s,s:s}", "dhcp", strcmp(a->addressing, "dynamic") == 0,
                     "address", a->address, "mask", a->mask, "gateway", a->gateway, "dns1", a->dns1,
                     "dns2", a->dns2);
}

/* --dhcp/--static/--address/--mask/--router/--dns1/--dns2 into *in.
 * first: index of the first option. */
static int device__ip_args(tool *t, int argc, char **argv, int first, hik_ip_address *in, bool *any)
{
    static const struct {
        const char *opt;
        size_t off;
    } fields[] = {{"--address", offsetof(hik_ip_address, address)},
                  {"--mask", offsetof(hik_ip_address, mask)},
                  {"--router", offsetof(hik_ip_address, gateway)},
                  {"--dns1", offsetof(hik_ip_address, dns1)},
                  {"--dns2", offsetof(hik_ip_address, dns2)}};
    memset(in, 0, sizeof *in);
    *any = false;
    for (int i = first; i < argc; i++) {
        bool known = false;
        if (strcmp(argv[i], "--dhcp") == 0 || strcmp(argv[i], "--static") == 0) {
            snprintf(in->addressing, sizeof in->addressing, "%s",
                     argv[i][2] == 'd' ? "dynamic" : "static");
            known = true;
        }
        for (size_t k = 0; !known && k < sizeof fields / sizeof fields[0]; k++) {
            if (strcmp(argv[i], fields[k].opt) != 0)
                continue;
            if (i + 1 >= argc || strlen(argv[i + 1]) >= 48)
                return tool_fail(t, TOOL_EXIT_USAGE, "%s needs an IPv4 address", argv[i]);
            snprintf((char *)in + fields[k].off, 48, "%s", argv[++i]);
            known = true;
        }
        if (!known)
            return tool_fail(t, TOOL_EXIT_USAGE, "set-ip: unknown option \"%s\"", argv[i]);
        *any = true;
    }
    return TOOL_EXIT_OK;
}

int tool_cmd_set_ip(tool *t, int argc, char **argv)
{
    hik_ip_address in, cur;
    bool any;
    int rc = device__ip_args(t, argc, argv, 1, &in, &any);
    hik_isapi *h = NULL;
    if (!rc)
        rc = tool_device_open(t, true, &h);
    if (rc)
        return rc;
    hik_reply r = {0};
    hik_err err = any ? hik_isapi_ip_address_set(h, 1, &in, &r) : HIK_OK;
    if (err)
        rc = tool_fail_device(t, err, &r, "ipAddress");
    hik_reply_free(&r);
    if (!rc && (err = hik_isapi_ip_address_get(h, 1, &cur, &r)))
        rc = tool_fail_device(t, err, &r, "ipAddress");
    hik_reply_free(&r);
    hik_isapi_free(h);
    if (rc)
        return rc;
    char text[512];
    snprintf(text, sizeof text, "%s%s %s mask %s gateway %s dns %s %s", any ? "changed: " : "",
             cur.addressing, cur.address, cur.mask, cur.gateway, cur.dns1, cur.dns2);
    return tool_result(t, device__ip_json(&cur), text);
}

int tool_cmd_passwd(tool *t, int argc, char **argv)
{
    if (argc != 1)
        return tool_fail(t, TOOL_EXIT_USAGE, "passwd takes no arguments with --device");
    char pw[TOOL_SECRET_MAX];
    hik_isapi *h = NULL;
    int rc = tool_device_open(t, true, &h);
    if (!rc)
        rc = device__new_password(t, t->dev_user, pw, sizeof pw);
    hik_reply r = {0};
    hik_err err = rc ? HIK_OK : hik_isapi_user_password_set(h, 1, t->dev_user, pw, &r);
    if (!rc && err)
        rc = tool_fail_device(t, err, &r, "password change");
    hik_reply_free(&r);
    hik_isapi_free(h);
    tool_wipe(pw, sizeof pw);
    if (rc)
        return rc;
    return tool_result(t, json_pack("{s:b}", "changed", 1), "password changed");
}

int tool_cmd_reboot(tool *t, int argc, char **argv)
{
    long wait_s = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--wait") == 0 && i + 1 < argc &&
            tool_int(argv[i + 1], 2, 3600, &wait_s))
            i++;
        else
            return tool_fail(t, TOOL_EXIT_USAGE, "reboot: expected [--wait SECONDS (2-3600)]");
    }
    hik_isapi *h = NULL;
    int rc = tool_device_open(t, true, &h);
    if (rc)
        return rc;
    hik_reply r;
    hik_device_info after = {0};
    hik_err err = hik_isapi_reboot(h, &r);
    if (err)
        rc = tool_fail_device(t, err, &r, "reboot");
    hik_reply_free(&r);
    if (!rc && wait_s) {
        tool_progress(t, "rebooting", 0);
        long half = wait_s * 1000 / 2;
        err = hik_isapi_wait_restart(h, half, wait_s * 1000 - half, 500, &after, &r);
        if (err)
            rc = tool_fail_device(t, err, &r, "waiting for the restart");
        hik_reply_free(&r);
    }
    hik_isapi_free(h);
    if (rc)
        return rc;
    char text[160];
    snprintf(text, sizeof text, wait_s ? "back after the reboot, firmware %s" : "rebooting%s",
             wait_s ? after.firmware : "");
    json_t *j = json_pack("{s:b}", "rebooted", 1);
    if (wait_s)
        json_object_set_new(j, "firmware", json_string(after.firmware));
    return tool_result(t, j, text);
}

int tool_cmd_snapshot(tool *t, int argc, char **argv)
{
    long channel = 1;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--channel") == 0 && i + 1 < argc &&
            tool_int(argv[i + 1], 1, 512, &channel))
            i++;
        else if (argv[i][0] != '-' && !file)
            file = argv[i];
        else
            return tool_fail(t, TOOL_EXIT_USAGE, "snapshot: expected FILE [--channel N]");
    }
    if (!file)
        return tool_fail(t, TOOL_EXIT_USAGE, "snapshot: expected FILE [--channel N]");
    hik_isapi *h = NULL;
    int rc = tool_device_open(t, true, &h);
    if (rc)
        return rc;
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        hik_isapi_free(h);
        return tool_fail(t, TOOL_EXIT_IO, "%s: cannot create", file);
    }
    uint64_t size = 0;
    hik_reply r;
    hik_err err = hik_isapi_snapshot(h, (int)channel * 100 + 1, fd, &size, &r);
    if (err)
        rc = tool_fail_device(t, err, &r, "snapshot");
    if (close(fd) != 0 && !rc)
        rc = tool_fail(t, TOOL_EXIT_IO, "%s: write failed", file);
    if (rc)
        unlink(file);
    hik_reply_free(&r);
    hik_isapi_free(h);
    if (rc)
        return rc;
    char text[1200];
    snprintf(text, sizeof text, "%s: %llu bytes", file, (unsigned long long)size);
    return tool_result(
        t, json_pack("{s:s,s:I,s:I}", "file", file, "size", (json_int_t)size, "channel", channel),
        text);
}
