/* tool.h: what hikctl's command files share: the parsed command line, the
 * exit codes scripts rely on, and the output, device and gateway helpers.
 *
 * Each command family lives in its own file (tool_device.c,
 * tool_discover.c, tool_gateway.c, tool_config.c, tool_events.c) and
 * exposes one entry point per command with the tool_cmd_fn signature. A
 * command either talks to one device directly (--device) or to hikgated
 * (--gateway); the same command name does the same thing both ways where
 * the gateway offers it. */
#ifndef TOOL_H
#define TOOL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hik/error.h"
#include "hik/isapi.h"

/* Exit codes: documented in docs/HIKCTL.md; never renumber. */
enum {
    TOOL_EXIT_OK = 0,
    TOOL_EXIT_REFUSED = 1,     /* the device or the gateway said no */
    TOOL_EXIT_USAGE = 2,       /* bad command line or invalid value */
    TOOL_EXIT_AUTH = 3,        /* credentials rejected (or account locked) */
    TOOL_EXIT_UNREACHABLE = 4, /* no connection or no answer in time */
    TOOL_EXIT_IO = 5,          /* a local file could not be read or written */
};

#define TOOL_SECRET_MAX 256

typedef struct tool {
    bool json;
    long timeout_ms; /* --timeout, 0 = defaults */
    /* --device [https://][user[:password]@]host[:port] */
    bool have_device;
    char scheme[8];
    char dev_user[64];
    char dev_host[256];
    int dev_port;
    char dev_pass[TOOL_SECRET_MAX];
    bool dev_pass_set;
    /* --gateway URL --user U, password from HIKGATE_PASSWORD or a prompt */
    const char *gateway;
    char gw_user[64];
    char gw_pass[TOOL_SECRET_MAX];
    bool gw_pass_set;
} tool;

typedef int (*tool_cmd_fn)(tool *t, int argc, char **argv);

typedef struct tool_cmd {
    const char *name;
    tool_cmd_fn device;  /* with --device (or no target, for discover); NULL: gateway only */
    tool_cmd_fn gateway; /* with --gateway; NULL: device only */
    const char *summary; /* one line for the command list */
    const char *help;    /* the whole --help text of the command */
} tool_cmd;

/* ---- tool_output.c ------------------------------------------------------ */

/* Print an error (text on stderr, or {"error", "exit"} on stdout with
 * --json) and return `code`, so commands can `return tool_fail(...)`. */
int tool_fail(tool *t, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The exit code for a libhik error. */
int tool_exit_for(hik_err err);
/* Fail with a libhik error and the device's reply (its ResponseStatus). */
int tool_fail_device(tool *t, hik_err err, const hik_reply *r, const char *what);
/* Print a JSON result (takes the reference) with --json; with text output
 * print `text` (may be NULL) instead. Returns TOOL_EXIT_OK. */
int tool_result(tool *t, json_t *j, const char *text);
/* Progress: a bar on a terminal, one line per change otherwise; nothing
 * with --json. tool_progress_end finishes a bar's line. */
void tool_progress(tool *t, const char *phase, int percent);
void tool_progress_end(tool *t);
/* Read a secret: from the environment variable `env` when set, else from
 * the terminal without echo. false when neither is possible. */
bool tool_secret(const char *env, const char *prompt, char *out, size_t out_len);
/* Parse a decimal integer in [min, max]. */
bool tool_int(const char *s, long min, long max, long *out);
/* Wipe a secret in place. */
void tool_wipe(char *s, size_t len);

/* ---- tool_device.c: direct device access -------------------------------- */

/* An ISAPI handle for --device (prompting for the password when needed);
 * with_credentials false for activation. Returns an exit code. */
int tool_device_open(tool *t, bool with_credentials, hik_isapi **out);

int tool_cmd_info(tool *t, int argc, char **argv);
int tool_cmd_activate(tool *t, int argc, char **argv);
int tool_cmd_set_ip(tool *t, int argc, char **argv);
int tool_cmd_passwd(tool *t, int argc, char **argv);
int tool_cmd_reboot(tool *t, int argc, char **argv);
int tool_cmd_snapshot(tool *t, int argc, char **argv);

/* ---- tool_transfer.c: files to and from a device ------------------------ */

int tool_cmd_upgrade(tool *t, int argc, char **argv);
int tool_cmd_backup(tool *t, int argc, char **argv);
int tool_cmd_restore(tool *t, int argc, char **argv);

/* ---- tool_discover.c ---------------------------------------------------- */

int tool_cmd_discover(tool *t, int argc, char **argv);

/* ---- tool_gateway.c: hikgated's API ------------------------------------- */

typedef struct tool_http {
    long status;  /* 0 when no answer */
    json_t *json; /* parsed body when it is JSON */
    char *body;
    size_t len;
    char error[256]; /* transport error */
} tool_http;

/* One API call. body_json (borrowed) or raw (file_path streamed as
 * application/octet-stream) may be given. Returns an exit code: OK for
 * 2xx, otherwise the code the answer maps to, after printing the error. */
int tool_gw_call(tool *t, const char *method, const char *path, json_t *body_json,
                 const char *file_path, tool_http *out);
void tool_http_free(tool_http *h);
/* Follow a job (GET status_url) until it is no longer running, with
 * progress; the final job in *job. */
int tool_gw_wait_job(tool *t, json_t *job, json_t **final);
/* An id argument (positive integer) or a usage failure. */
bool tool_gw_id(const char *s, long *id);
/* URL-encode s into out. */
void tool_url_encode(const char *s, char *out, size_t out_len);

int tool_gw_info(tool *t, int argc, char **argv);
int tool_gw_reboot(tool *t, int argc, char **argv);
int tool_gw_passwd(tool *t, int argc, char **argv);
int tool_gw_set_ip(tool *t, int argc, char **argv);
int tool_gw_activate(tool *t, int argc, char **argv);
int tool_gw_upgrade(tool *t, int argc, char **argv);
int tool_gw_backup(tool *t, int argc, char **argv);
int tool_gw_restore(tool *t, int argc, char **argv);
int tool_gw_discover(tool *t, int argc, char **argv);

/* ---- tool_config.c and tool_events.c: gateway only ---------------------- */

int tool_cmd_export(tool *t, int argc, char **argv);
int tool_cmd_import(tool *t, int argc, char **argv);
int tool_cmd_events(tool *t, int argc, char **argv);
int tool_cmd_bulk(tool *t, int argc, char **argv);

#endif
