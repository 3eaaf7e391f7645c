/* tool_transfer.c: files to and from one device directly: firmware
 * upgrade, configuration backup and restore.
 *
 * Files are streamed by libhik and never held in memory. A backup is
 * written to FILE.part and renamed once complete, so an interrupted one
 * never leaves a truncated file under the name a restore would use. */
#include "tool.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hik/isapi_manage.h"

#define TRANSFER_BACKUP_MAX (64ull * 1024 * 1024)

static void transfer__progress(void *ctx, const char *phase, int percent)
{
    tool_progress(ctx, phase, percent);
}

/* The single FILE argument of `argv[0] FILE`. */
static const char *transfer__file(tool *t, int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        tool_fail(t, TOOL_EXIT_USAGE, "%s: expected FILE", argv[0]);
        return NULL;
    }
    return argv[1];
}

int tool_cmd_upgrade(tool *t, int argc, char **argv)
{
    const char *file = transfer__file(t, argc, argv);
    if (!file)
        return TOOL_EXIT_USAGE;
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tool_fail(t, TOOL_EXIT_IO, "%s: cannot open", file);
    uint64_t size;
    char why[256];
    hik_err err = hik_firmware_check(fd, &size, why, sizeof why);
    if (err) {
        close(fd);
        return tool_fail(t, err == HIK_ERR_IO ? TOOL_EXIT_IO : TOOL_EXIT_USAGE,
                         "%s: not a firmware image: %s", file, why);
    }
    hik_isapi *h = NULL;
    int rc = tool_device_open(t, true, &h);
    if (rc) {
        close(fd);
        return rc;
    }
    hik_firmware_opts o = {.progress = transfer__progress, .ctx = t};
    hik_device_info before = {0}, after = {0};
    hik_reply r = {0};
    err = hik_isapi_device_info(h, &before, &r);
    hik_reply_free(&r);
    if (err)
        rc = tool_fail_device(t, err, &r, "deviceInfo");
    if (!rc && (err = hik_isapi_firmware_upgrade(h, fd, &o, &after, &r)))
        rc = tool_fail_device(t, err, &r, "firmware upgrade");
    hik_reply_free(&r);
    hik_isapi_free(h);
    close(fd);
    if (rc)
        return rc;
    char text[256];
    snprintf(text, sizeof text, "upgraded from %s to %s", before.firmware, after.firmware);
    return tool_result(t,
                       json_pack("{s:s,s:s,s:I}", "before", before.firmware, "after",
                                 after.firmware, "size", (json_int_t)size),
                       text);
}

int tool_cmd_backup(tool *t, int argc, char **argv)
{
    const char *file = transfer__file(t, argc, argv);
    if (!file)
        return TOOL_EXIT_USAGE;
    char part[4200];
    if ((size_t)snprintf(part, sizeof part, "%s.part", file) >= sizeof part)
        return tool_fail(t, TOOL_EXIT_USAGE, "%s: name too long", file);
    hik_isapi *h = NULL;
    int rc = tool_device_open(t, true, &h);
    if (rc)
        return rc;
    int fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        hik_isapi_free(h);
        return tool_fail(t, TOOL_EXIT_IO, "%s: cannot create", part);
    }
    uint64_t size = 0;
    hik_reply r = {0};
    tool_progress(t, "backup", 0);
    hik_err err = hik_isapi_config_export(h, fd, TRANSFER_BACKUP_MAX, &size, &r);
    if (err)
        rc = tool_fail_device(t, err, &r, "configurationData");
    hik_reply_free(&r);
    hik_isapi_free(h);
    if ((fsync(fd) != 0 || close(fd) != 0) && !rc)
        rc = tool_fail(t, TOOL_EXIT_IO, "%s: write failed", part);
    if (!rc && rename(part, file) != 0)
        rc = tool_fail(t, TOOL_EXIT_IO, "%s: cannot rename to %s", part, file);
    if (rc) {
        unlink(part);
        return rc;
    }
    char text[4400];
    snprintf(text, sizeof text, "%s: %llu bytes", file, (unsigned long long)size);
    return tool_result(t, json_pack("{s:s,s:I}", "file", file, "size", (json_int_t)size), text);
}

int tool_cmd_restore(tool *t, int argc, char **argv)
{
    const char *file = transfer__file(t, argc, argv);
    if (!file)
        return TOOL_EXIT_USAGE;
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tool_fail(t, TOOL_EXIT_IO, "%s: cannot open", file);
    hik_isapi *h = NULL;
    int rc = tool_device_open(t, true, &h);
    if (rc) {
        close(fd);
        return rc;
    }
    hik_reply r = {0};
    tool_progress(t, "restore", 0);
    hik_err err = hik_isapi_config_import(h, fd, &r);
    if (err)
        rc = tool_fail_device(t, err, &r, "configurationData");
    hik_reply_free(&r);
    hik_isapi_free(h);
    close(fd);
    if (rc)
        return rc;
    return tool_result(t, json_pack("{s:b}", "restored", 1),
                       "configuration sent; the device may restart");
}
