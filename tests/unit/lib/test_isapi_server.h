/* test_isapi_server.h: an in-process camera for the ISAPI client tests.
 *
 * A libmicrohttpd daemon on 127.0.0.1 (ephemeral port, its own thread) that
 * answers the way the recorded DS-2CD2155FWD-I does: a 401 with a short HTML
 * page, `Server: App-webs/` and `WWW-Authenticate: Digest qop="auth",
 * realm="IP Camera(83813)", nonce="...", stale="FALSE"`, then the document.
 * It can also offer SHA-256 only, both algorithms as two headers, or Basic
 * like pre-V5.5 firmware. Credentials are checked here, independently of
 * libcurl, with OpenSSL EVP, and every credentialed attempt that fails is
 * counted so tests can prove the client never retries a wrong password.
 *
 * Each test supplies a handler for the authenticated requests. */
#ifndef TEST_ISAPI_SERVER_H
#define TEST_ISAPI_SERVER_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "hik/isapi.h"

#define TS_FN static __attribute__((unused))
#define TS_REALM "IP Camera(83813)"
#define TS_MAX_UPLOAD (1024u * 1024u)
#define TS_NONCES 16

typedef enum ts_auth {
    TS_AUTH_NONE = 0,
    TS_AUTH_MD5,    /* Digest, no algorithm parameter (MD5), as captured */
    TS_AUTH_SHA256, /* Digest algorithm=SHA-256 only */
    TS_AUTH_BOTH,   /* two WWW-Authenticate headers: MD5 then SHA-256 */
    TS_AUTH_BOTH_SHA256_FIRST /* two headers: SHA-256 then MD5 */,
    TS_AUTH_BASIC, /* pre-V5.5 firmware */
} ts_auth;

typedef struct ts_request {
    const char *method;
    const char *url;
    const char *body; /* NUL-terminated */
    size_t len;
} ts_request;

typedef struct ts_response {
    unsigned status;
    const char *content_type;
    char *body; /* malloc'd; the server frees it */
    size_t len;
    bool chunked; /* no Content-Length */
} ts_response;

struct ts_server;
typedef void (*ts_handler)(struct ts_server *s, const ts_request *req, ts_response *resp);

typedef struct ts_server {
    struct MHD_Daemon *daemon;
    uint16_t port;
    ts_auth auth;
    const char *user;
    const char *pass;
    ts_handler handler;
    void *ctx;
    pthread_mutex_t mu;
    /* counters, read with ts_count */
    int connections;
    int requests;
    int challenges;    /* 401 challenges sent to requests without credentials */
    int auth_failures; /* credentialed attempts rejected */
    int auth_ok;
    int basic_seen; /* requests that carried a Basic Authorization header */
    char nonces[TS_NONCES][33];
    unsigned nonce_count;
    /* the last authenticated request */
    char last_method[16];
    char last_url[256];
    char last_content_length[32];
    char last_content_type[96];
    char last_alg[16];
    char *last_body;
    size_t last_body_len;
} ts_server;

typedef struct ts_upload {
    char *buf;
    size_t len;
    bool too_big;
} ts_upload;

TS_FN void ts_copy(char *dst, size_t len, const char *src)
{
    size_t n = strlen(src);
    if (n >= len)
        n = len - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* ---- responses ---------------------------------------------------------- */

TS_FN void ts_reply(ts_response *r, unsigned status, const char *ctype, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *body = NULL;
    int n = vasprintf(&body, fmt, ap);
    va_end(ap);
    r->status = status;
    r->content_type = ctype;
    r->body = n < 0 ? NULL : body;
    r->len = n < 0 ? 0 : (size_t)n;
}

TS_FN const char *ts_status_ok_xml(void)
{
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
           "<ResponseStatus version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\r\n"
           "<requestURL>/ISAPI/x</requestURL>\r\n<statusCode>1</statusCode>\r\n"
           "<statusString>OK</statusString>\r\n<subStatusCode>ok</subStatusCode>\r\n"
           "</ResponseStatus>\r\n";
}

/* ---- digest, checked with OpenSSL ---------------------------------------- */

TS_FN void ts_hash_hex(const char *alg, const char *in, char *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    const EVP_MD *type = strcasecmp(alg, "SHA-256") == 0 ? EVP_sha256() : EVP_md5();
    EVP_Digest(in, strlen(in), md, &n, type, NULL);
    for (unsigned int i = 0; i < n; i++)
        sprintf(out + i * 2, "%02x", md[i]);
    out[n * 2] = '\0';
}

typedef struct ts_digest {
    char username[128], realm[128], nonce[128], uri[512], response[128];
    char qop[32], nc[32], cnonce[128], algorithm[32];
} ts_digest;

/* Parse `k=v, k="v"` pairs (after the scheme) into the fields we check. */
TS_FN void ts_digest_parse(const char *p, ts_digest *d)
{
    memset(d, 0, sizeof(*d));
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *k = p;
        while (*p && *p != '=')
            p++;
        if (!*p)
            break;
        size_t klen = (size_t)(p - k);
        p++;
        char val[512];
        size_t n = 0;
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1])
                    p++;
                if (n < sizeof(val) - 1)
                    val[n++] = *p;
            }
            if (*p)
                p++;
        } else {
            while (*p && *p != ',' && n < sizeof(val) - 1)
                val[n++] = *p++;
        }
        val[n] = '\0';
#define TS_FIELD(name)                                                                             \
    if (klen == strlen(#name) && strncasecmp(k, #name, klen) == 0)                                 \
        ts_copy(d->name, sizeof(d->name), val);
        TS_FIELD(username)
        TS_FIELD(realm)
        TS_FIELD(nonce) TS_FIELD(uri) TS_FIELD(response) TS_FIELD(qop) TS_FIELD(nc) TS_FIELD(cnonce)
            TS_FIELD(algorithm)
#undef TS_FIELD
    }
}

TS_FN bool ts_alg_allowed(const ts_server *s, const char *alg)
{
    bool sha = strcasecmp(alg, "SHA-256") == 0, md5 = strcasecmp(alg, "MD5") == 0;
    switch (s->auth) {
    case TS_AUTH_MD5:
        return md5;
    case TS_AUTH_SHA256:
        return sha;
    case TS_AUTH_BOTH:
    case TS_AUTH_BOTH_SHA256_FIRST:
        return md5 || sha;
    default:
        return false;
    }
}

typedef enum { TS_CRED_NONE, TS_CRED_OK, TS_CRED_BAD, TS_CRED_STALE } ts_cred;

TS_FN ts_cred ts_check_digest(ts_server *s, const char *hdr, const char *method, const char *url)
{
    ts_digest d;
    ts_digest_parse(hdr + strlen("Digest "), &d);
    const char *alg = d.algorithm[0] ? d.algorithm : "MD5";
    bool known = false;
    for (unsigned i = 0; i < TS_NONCES && i < s->nonce_count; i++)
        known = known || strcmp(s->nonces[i], d.nonce) == 0;
    if (!known)
        return TS_CRED_STALE;
    size_t ulen = strcspn(d.uri, "?");
    if (!ts_alg_allowed(s, alg) || strcmp(d.qop, "auth") != 0 || !d.nc[0] || !d.cnonce[0] ||
        strlen(url) != ulen || strncmp(d.uri, url, ulen) != 0)
        return TS_CRED_BAD;
    char buf[1024], ha1[129], ha2[129], expect[129];
    snprintf(buf, sizeof(buf), "%s:%s:%s", s->user, TS_REALM, s->pass);
    ts_hash_hex(alg, buf, ha1);
    snprintf(buf, sizeof(buf), "%s:%s", method, d.uri);
    ts_hash_hex(alg, buf, ha2);
    snprintf(buf, sizeof(buf), "%s:%s:%s:%s:%s:%s", ha1, d.nonce, d.nc, d.cnonce, d.qop, ha2);
    ts_hash_hex(alg, buf, expect);
    if (strcmp(d.username, s->user) != 0 || strcmp(d.realm, TS_REALM) != 0 ||
        strcasecmp(d.response, expect) != 0)
        return TS_CRED_BAD;
    ts_copy(s->last_alg, sizeof(s->last_alg), alg);
    return TS_CRED_OK;
}

TS_FN ts_cred ts_check_basic(ts_server *s, const char *hdr)
{
    const char *b64 = hdr + strlen("Basic ");
    unsigned char plain[512];
    size_t blen = strlen(b64);
    if (blen == 0 || blen > 600)
        return TS_CRED_BAD;
    int n = EVP_DecodeBlock(plain, (const unsigned char *)b64, (int)blen);
    if (n < 0)
        return TS_CRED_BAD;
    while (n > 0 && plain[n - 1] == '\0') /* base64 padding decodes to NULs */
        n--;
    plain[n] = '\0';
    char expect[512];
    snprintf(expect, sizeof(expect), "%s:%s", s->user, s->pass);
    if (strcmp((char *)plain, expect) != 0)
        return TS_CRED_BAD;
    snprintf(s->last_alg, sizeof(s->last_alg), "Basic");
    return TS_CRED_OK;
}

TS_FN ts_cred ts_check(ts_server *s, struct MHD_Connection *c, const char *method, const char *url)
{
    const char *hdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (s->auth == TS_AUTH_NONE)
        return TS_CRED_OK;
    if (!hdr)
        return TS_CRED_NONE;
    if (strncmp(hdr, "Basic ", 6) == 0) {
        s->basic_seen++;
        return s->auth == TS_AUTH_BASIC ? ts_check_basic(s, hdr) : TS_CRED_BAD;
    }
    if (strncmp(hdr, "Digest ", 7) == 0 && s->auth != TS_AUTH_BASIC)
        return ts_check_digest(s, hdr, method, url);
    return TS_CRED_BAD;
}

/* ---- MHD plumbing -------------------------------------------------------- */

TS_FN enum MHD_Result ts_queue(struct MHD_Connection *c, ts_response *r, const char *const *hdrs)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        r->len, r->body ? r->body : "", r->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Server", "App-webs/");
    if (r->content_type)
        MHD_add_response_header(resp, "Content-Type", r->content_type);
    for (size_t i = 0; hdrs && hdrs[i]; i += 2)
        MHD_add_response_header(resp, hdrs[i], hdrs[i + 1]);
    enum MHD_Result ret = MHD_queue_response(c, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

typedef struct ts_chunked {
    char *body;
    size_t len;
} ts_chunked;

static ssize_t ts__chunk_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    ts_chunked *ch = cls;
    if (pos >= ch->len)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = ch->len - (size_t)pos < max ? ch->len - (size_t)pos : max;
    memcpy(buf, ch->body + pos, n);
    return (ssize_t)n;
}

static void ts__chunk_free(void *cls)
{
    ts_chunked *ch = cls;
    free(ch->body);
    free(ch);
}

TS_FN enum MHD_Result ts_queue_chunked(struct MHD_Connection *c, ts_response *r)
{
    ts_chunked *ch = calloc(1, sizeof(*ch));
    ch->body = r->body;
    ch->len = r->len;
    struct MHD_Response *resp = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, 1024, ts__chunk_reader, ch, ts__chunk_free);
    MHD_add_response_header(resp, "Server", "App-webs/");
    if (r->content_type)
        MHD_add_response_header(resp, "Content-Type", r->content_type);
    enum MHD_Result ret = MHD_queue_response(c, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static const char ts__html_401[] =
    "<!DOCTYPE html>\r\n<html><head><title>Document Error: Unauthorized</title></head>\r\n"
    "<body><h2>Access Error: 401 -- Unauthorized</h2>\r\n<p>Authentication Error</p>\r\n"
    "</body>\r\n</html>\r\n";

TS_FN enum MHD_Result ts_challenge(ts_server *s, struct MHD_Connection *c, bool stale)
{
    unsigned char raw[16];
    char nonce[33];
    RAND_bytes(raw, sizeof(raw));
    for (int i = 0; i < 16; i++)
        sprintf(nonce + i * 2, "%02x", raw[i]);
    ts_copy(s->nonces[s->nonce_count++ % TS_NONCES], sizeof(s->nonces[0]), nonce);
    char md5[256], sha[320];
    snprintf(md5, sizeof(md5), "Digest qop=\"auth\", realm=\"%s\", nonce=\"%s\", stale=\"%s\"",
             TS_REALM, nonce, stale ? "TRUE" : "FALSE");
    snprintf(sha, sizeof(sha), "%s, algorithm=SHA-256", md5);
    const char *h[5] = {"WWW-Authenticate", md5, NULL, NULL, NULL};
    if (s->auth == TS_AUTH_SHA256)
        h[1] = sha;
    else if (s->auth == TS_AUTH_BOTH)
        h[2] = "WWW-Authenticate", h[3] = sha;
    else if (s->auth == TS_AUTH_BOTH_SHA256_FIRST)
        h[1] = sha, h[2] = "WWW-Authenticate", h[3] = md5;
    else if (s->auth == TS_AUTH_BASIC)
        h[1] = "Basic realm=\"" TS_REALM "\"";
    ts_response r = {.status = 401, .content_type = "text/html"};
    r.body = strdup(ts__html_401);
    r.len = strlen(ts__html_401);
    return ts_queue(c, &r, h);
}

TS_FN void ts_record(ts_server *s, struct MHD_Connection *c, const ts_request *req)
{
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    ts_copy(s->last_method, sizeof(s->last_method), req->method);
    ts_copy(s->last_url, sizeof(s->last_url), req->url);
    ts_copy(s->last_content_length, sizeof(s->last_content_length), cl ? cl : "");
    ts_copy(s->last_content_type, sizeof(s->last_content_type), ct ? ct : "");
    free(s->last_body);
    s->last_body = malloc(req->len + 1);
    memcpy(s->last_body, req->body, req->len);
    s->last_body[req->len] = '\0';
    s->last_body_len = req->len;
}

static enum MHD_Result ts__respond(ts_server *s, struct MHD_Connection *c, const char *url,
                                   const char *method, ts_upload *up)
{
    pthread_mutex_lock(&s->mu);
    s->requests++;
    ts_cred cred = ts_check(s, c, method, url);
    enum MHD_Result ret;
    if (cred != TS_CRED_OK) {
        if (cred == TS_CRED_BAD)
            s->auth_failures++;
        else
            s->challenges++;
        ret = ts_challenge(s, c, cred == TS_CRED_STALE);
    } else {
        if (s->auth != TS_AUTH_NONE)
            s->auth_ok++;
        ts_request req = {method, url, up->buf ? up->buf : "", up->len};
        ts_record(s, c, &req);
        ts_response r = {0};
        if (up->too_big)
            ts_reply(&r, 413, "text/plain", "too big");
        else if (s->handler)
            s->handler(s, &req, &r);
        else
            ts_reply(&r, 200, "application/xml", "%s", ts_status_ok_xml());
        ret = r.chunked ? ts_queue_chunked(c, &r) : ts_queue(c, &r, NULL);
    }
    pthread_mutex_unlock(&s->mu);
    return ret;
}

static enum MHD_Result ts__access(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    ts_upload *up = *con_cls;
    if (!up) {
        /* Answer on a later call: queueing on the first one closes the
         * connection, and connection reuse is under test. */
        *con_cls = calloc(1, sizeof(ts_upload));
        return *con_cls ? MHD_YES : MHD_NO;
    }
    if (*upload_size) {
        if (up->len + *upload_size > TS_MAX_UPLOAD) {
            up->too_big = true;
        } else {
            up->buf = realloc(up->buf, up->len + *upload_size + 1);
            memcpy(up->buf + up->len, upload_data, *upload_size);
            up->len += *upload_size;
            up->buf[up->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    return ts__respond(cls, c, url, method, up);
}

static void ts__completed(void *cls, struct MHD_Connection *c, void **con_cls,
                          enum MHD_RequestTerminationCode toe)
{
    ts_upload *up = *con_cls;
    if (up)
        free(up->buf);
    free(up);
    *con_cls = NULL;
}

static void ts__connection(void *cls, struct MHD_Connection *c, void **socket_context,
                           enum MHD_ConnectionNotificationCode toe)
{
    ts_server *s = cls;
    if (toe != MHD_CONNECTION_NOTIFY_STARTED)
        return;
    pthread_mutex_lock(&s->mu);
    s->connections++;
    pthread_mutex_unlock(&s->mu);
}

/* Start on 127.0.0.1, ephemeral port; false when the daemon cannot start. */
TS_FN bool ts_start(ts_server *s, ts_auth auth, ts_handler handler, void *ctx)
{
    memset(s, 0, sizeof(*s));
    pthread_mutex_init(&s->mu, NULL);
    s->auth = auth;
    s->user = "admin";
    s->pass = "caintus123";
    s->handler = handler;
    s->ctx = ctx;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, 0, NULL, NULL,
                                 ts__access, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                 MHD_OPTION_NOTIFY_COMPLETED, ts__completed, s,
                                 MHD_OPTION_NOTIFY_CONNECTION, ts__connection, s, MHD_OPTION_END);
    if (!s->daemon)
        return false;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : 0;
    return s->port != 0;
}

TS_FN void ts_stop(ts_server *s)
{
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
    free(s->last_body);
    s->last_body = NULL;
    pthread_mutex_destroy(&s->mu);
}

TS_FN int ts_count(ts_server *s, const int *field)
{
    pthread_mutex_lock(&s->mu);
    int v = *field;
    pthread_mutex_unlock(&s->mu);
    return v;
}

/* Client options aimed at this server with its own good credentials. */
TS_FN hik_isapi_opts ts_opts(const ts_server *s, hik_auth_mode mode)
{
    hik_isapi_opts o = {
        .host = "127.0.0.1",
        .port = s->port,
        .username = s->user,
        .password = s->pass,
        .auth = mode,
        .connect_timeout_ms = 2000,
        .timeout_ms = 5000,
    };
    return o;
}

TS_FN double ts_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- fixtures ------------------------------------------------------------ */

TS_FN bool ts_fixtures_present(void)
{
    return access(HIK_FIXTURES_DIR, R_OK) == 0;
}

/* Decode one YAML double-quoted scalar starting after its opening quote:
 * escapes, escaped line breaks, and folded line breaks. */
TS_FN char *ts_yaml_dq(const char *p, size_t *out_len)
{
    size_t cap = strlen(p) + 1, n = 0;
    char *out = malloc(cap);
    while (*p && *p != '"') {
        if (*p == '\\' && p[1] == '\n') {
            p += 2;
            while (*p == ' ' || *p == '\t')
                p++;
        } else if (*p == '\\' && p[1]) {
            char e = p[1];
            out[n++] = e == 'r' ? '\r' : e == 'n' ? '\n' : e == 't' ? '\t' : e;
            p += 2;
        } else if (*p == '\n') {
            while (n && (out[n - 1] == ' ' || out[n - 1] == '\t'))
                n--;
            p++;
            while (*p == ' ' || *p == '\t')
                p++;
            out[n++] = ' ';
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}

/* The first recorded body in a vcr.yaml cassette that contains `needle`;
 * NULL when there is none. The caller frees it. */
TS_FN char *ts_cassette_body(const char *file, const char *needle, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", HIK_FIXTURES_DIR, file);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = calloc(1, 1024 * 1024 + 1);
    size_t n = fread(text, 1, 1024 * 1024, f);
    fclose(f);
    text[n] = '\0';
    const char *marker = "body: {string: \"";
    char *found = NULL;
    for (const char *p = strstr(text, marker); p && !found; p = strstr(p + 1, marker)) {
        char *body = ts_yaml_dq(p + strlen(marker), len);
        if (strstr(body, needle))
            found = body;
        else
            free(body);
    }
    free(text);
    return found;
}

#endif
