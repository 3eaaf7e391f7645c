/* tool_output.c: how hikctl speaks: results and errors as text for people
 * or as JSON for scripts (--json), progress that suits a terminal or a
 * log, exit codes from libhik errors, and secrets read without echo.
 *
 * Errors go to stderr as text; with --json they are also one JSON object
 * on stdout ({"error", "exit"}), so a script reads exactly one document
 * whatever happened. */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static struct {
    char phase[32];
    int percent;
    bool bar_open;
} progress = {.percent = -1};

int tool_fail(tool *t, int code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tool_progress_end(t);
    fprintf(stderr, "hikctl: %s\n", msg);
    if (t && t->json) {
        json_t *j = json_pack("{s:s,s:i}", "error", msg, "exit", code);
        json_dumpf(j, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(j);
    }
    return code;
}

int tool_exit_for(hik_err err)
{
    switch (err) {
    case HIK_OK:
        return TOOL_EXIT_OK;
    case HIK_ERR_AUTH:
    case HIK_ERR_LOCKED:
        return TOOL_EXIT_AUTH;
    case HIK_ERR_NETWORK:
    case HIK_ERR_TIMEOUT:
    case HIK_ERR_TLS:
        return TOOL_EXIT_UNREACHABLE;
    case HIK_ERR_IO:
        return TOOL_EXIT_IO;
    case HIK_ERR_INVALID:
        return TOOL_EXIT_USAGE;
    default:
        return TOOL_EXIT_REFUSED;
    }
}

int tool_fail_device(tool *t, hik_err err, const hik_reply *r, const char *what)
{
    char status[256] = "";
    if (r && r->status.status_code)
        hik_status_describe(&r->status, status, sizeof status);
    const char *detail = r && r->error[0] ? r->error : hik_err_str(err);
    if (err == HIK_ERR_AUTH)
        return tool_fail(t, TOOL_EXIT_AUTH,
                         "%s: the device rejected the user name or password (not retried)", what);
    if (err == HIK_ERR_LOCKED)
        return tool_fail(t, TOOL_EXIT_AUTH, "%s: the device reports this account locked out", what);
    return tool_fail(t, tool_exit_for(err), "%s: %s%s%s", what, detail, status[0] ? ": " : "",
                     status);
}

int tool_result(tool *t, json_t *j, const char *text)
{
    tool_progress_end(t);
    if (t->json) {
        json_dumpf(j, stdout, JSON_COMPACT);
        fputc('\n', stdout);
    } else if (text) {
        fputs(text, stdout);
        if (*text && text[strlen(text) - 1] != '\n')
            fputc('\n', stdout);
    }
    json_decref(j);
    fflush(stdout);
    return TOOL_EXIT_OK;
}

void tool_progress(tool *t, const char *phase, int percent)
{
    if (t->json)
        return;
    if (percent < 0)
        percent = 0;
    if (percent > 100)
        percent = 100;
    bool same = strcmp(progress.phase, phase) == 0 && progress.percent == percent;
    if (same)
        return;
    bool new_phase = strcmp(progress.phase, phase) != 0;
    snprintf(progress.phase, sizeof progress.phase, "%s", phase);
    progress.percent = percent;
    if (isatty(STDERR_FILENO)) {
        char bar[41];
        int fill = percent * 40 / 100;
        for (int i = 0; i < 40; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[40] = '\0';
        if (new_phase && progress.bar_open)
            fputc('\n', stderr);
        fprintf(stderr, "\r%-10s [%s] %3d%%", phase, bar, percent);
        progress.bar_open = true;
    } else {
        fprintf(stderr, "%s %d%%\n", phase, percent);
    }
    fflush(stderr);
}

void tool_progress_end(tool *t)
{
    if (progress.bar_open)
        fputc('\n', stderr);
    progress.bar_open = false;
    progress.phase[0] = '\0';
    progress.percent = -1;
}

void tool_wipe(char *s, size_t len)
{
    if (s)
        explicit_bzero(s, len);
}

/* A line from the terminal with echo off; false when there is none. */
static bool output__prompt(const char *prompt, char *out, size_t out_len)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct termios old, quiet;
    bool restore = tcgetattr(fd, &old) == 0;
    if (restore) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    if (write(fd, prompt, strlen(prompt)) < 0) {
        /* the prompt is a courtesy; reading still works */
    }
    size_t n = 0;
    bool ok = false;
    char c;
    while (read(fd, &c, 1) == 1) {
        if (c == '\n' || c == '\r') {
            ok = true;
            break;
        }
        if (n + 1 < out_len)
            out[n++] = c;
    }
    out[n] = '\0';
    if (restore)
        tcsetattr(fd, TCSAFLUSH, &old);
    if (write(fd, "\n", 1) < 0) {
        /* as above */
    }
    close(fd);
    return ok && n > 0;
}

bool tool_secret(const char *env, const char *prompt, char *out, size_t out_len)
{
    const char *v = env ? getenv(env) : NULL;
    if (v && *v) {
        if (strlen(v) >= out_len)
            return false;
        snprintf(out, out_len, "%s", v);
        return true;
    }
    return output__prompt(prompt, out, out_len);
}

bool tool_int(const char *s, long min, long max, long *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}
