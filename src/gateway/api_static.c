/* api_static.c: the web UI's static files, served on the API listener.
 *
 * Everything outside /api/ is a file under the web directory: `/` is
 * index.html. No authentication (the data behind the UI needs it, the UI
 * itself does not), GET and HEAD only, a fixed list of content types,
 * and headers that keep the browser strict: nosniff, a Content-Security-
 * Policy that allows no inline script and nothing from elsewhere, no
 * framing. A path is refused unless every segment is made of safe
 * characters and does not start with a dot, and the file found must still
 * lie under the web directory once symbolic links are resolved.
 *
 * The web directory is --web-dir, else web/ next to the binary, else
 * ../share/hikgate/web from it, else the source tree's web/ (compiled in
 * as HIK_SOURCE_WEB_DIR, so `make run` works from a checkout). */
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_routes.h"
#include "log.h"

#define STATIC_MAX_FILE (8 * 1024 * 1024)

static const struct {
    const char *ext;
    const char *type;
} static__types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".webmanifest", "application/manifest+json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char static__csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

static bool static__is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void api_static_resolve(gw_config *cfg)
{
    if (cfg->web_dir[0])
        return;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char cand[PATH_MAX + 32];
            snprintf(cand, sizeof cand, "%s/web", exe);
            if (!static__is_dir(cand))
                snprintf(cand, sizeof cand, "%s/../share/hikgate/web", exe);
            size_t len = strlen(cand);
            if (static__is_dir(cand) && len < sizeof cfg->web_dir) {
                memcpy(cfg->web_dir, cand, len + 1);
                return;
            }
        }
    }
#ifdef HIK_SOURCE_WEB_DIR
    if (static__is_dir(HIK_SOURCE_WEB_DIR))
        snprintf(cfg->web_dir, sizeof cfg->web_dir, "%s", HIK_SOURCE_WEB_DIR);
#endif
}

bool api_static_path(const char *url)
{
    return strncmp(url, "/api/", 5) != 0 && strcmp(url, "/api") != 0;
}

/* Every segment non-empty, of [A-Za-z0-9._-], not starting with a dot. */
static bool static__safe(const char *rel)
{
    if (!*rel || strlen(rel) > 200)
        return false;
    bool seg_start = true;
    for (const char *p = rel; *p; p++) {
        char c = *p;
        if (c == '/') {
            if (seg_start)
                return false;
            seg_start = true;
            continue;
        }
        if (seg_start && c == '.')
            return false;
        seg_start = false;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return !seg_start;
}

static const char *static__type(const char *path)
{
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof static__types / sizeof static__types[0]; i++)
        if (strcmp(dot, static__types[i].ext) == 0)
            return static__types[i].type;
    return NULL;
}

/* Open rel under the web directory; -1 when it is not a servable file. */
static int static__open(const char *dir, const char *rel, struct stat *st)
{
    char root[PATH_MAX], want[PATH_MAX + 256], real[PATH_MAX];
    if (!realpath(dir, root))
        return -1;
    snprintf(want, sizeof want, "%s/%s", root, rel);
    if (!realpath(want, real))
        return -1;
    size_t rl = strlen(root);
    if (strncmp(real, root, rl) != 0 || real[rl] != '/')
        return -1;
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || st->st_size > STATIC_MAX_FILE) {
        close(fd);
        return -1;
    }
    return fd;
}

static void static__headers(struct MHD_Response *r, const char *type, const char *etag)
{
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    MHD_add_response_header(r, "ETag", etag);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Content-Security-Policy", static__csp);
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
}

void api_static_serve(api_req *rq, api_resp *rs)
{
    if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
        api_error(rs, 405, NULL, "method %s not allowed here", rq->method);
        api_header_add(rs, "Allow", "GET, HEAD");
        return;
    }
    const char *rel = strcmp(rq->path, "/") == 0 ? "index.html" : rq->path + 1;
    const char *type = static__type(rel);
    struct stat st;
    int fd = -1;
    if (!rq->g->cfg.web_dir[0] || !static__safe(rel) || !type ||
        (fd = static__open(rq->g->cfg.web_dir, rel, &st)) < 0)
        return api_error(rs, 404, NULL, "no such file");
    char etag[64];
    snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)st.st_mtime,
             (unsigned long long)st.st_size);
    const char *inm = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "If-None-Match");
    struct MHD_Response *r;
    int status = 200;
    if (inm && strcmp(inm, etag) == 0) {
        close(fd);
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        status = 304;
    } else {
        r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
        if (!r)
            close(fd);
    }
    if (!r)
        return api_error(rs, 500, NULL, "out of memory");
    static__headers(r, type, etag);
    api_reply_raw(rs, status, r);
}
