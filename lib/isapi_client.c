/* isapi_client.c: one device's ISAPI over one libcurl easy handle.
 *
 * The handle lives as long as the hik_isapi and is never reset: libcurl keeps
 * the TCP (or TLS) connection and the digest nonce in it, so the second and
 * later requests to a camera skip both the handshake and the 401 round trip.
 * Options that differ per request (method, body, headers, sink) are set
 * again on every request; everything else is set once in hik_isapi_new.
 *
 * Authentication is left to libcurl, asked to try each scheme once: a
 * rejected password comes back as a single 401 and is reported as
 * HIK_ERR_AUTH, never retried, because cameras lock out an address after a
 * handful of failures. Bodies are sent from memory with POSTFIELDS so that
 * libcurl can send them again after a digest challenge.
 *
 * The reply body is collected up to opts.max_reply and then refused
 * (HIK_ERR_TOO_BIG). Whatever the HTTP status, a small XML or JSON body that
 * looks like a ResponseStatus is decoded, since devices use those for their
 * errors with 200, 400, 403 and others alike. */
#include "hik/isapi.h"
#include "hik/version.h"
#include "isapi_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libxml/tree.h>

#include "hik/xml_util.h"

#define ISAPI_DEFAULT_CONNECT_MS 3000L
#define ISAPI_DEFAULT_TIMEOUT_MS 10000L
#define ISAPI_DEFAULT_MAX_REPLY (8u * 1024u * 1024u)
#define ISAPI_MAX_PATH 2048u
#define ISAPI_MAX_HOST 255u

struct hik_isapi {
    CURL *curl;
    char *base_url; /* scheme://host:port, no trailing slash */
    char *username;
    char *password;
    size_t max_reply;
    long timeout_ms;   /* the handle's whole-request timeout */
    bool pin_mismatch; /* the last request met a key other than the pinned one */
    char errbuf[CURL_ERROR_SIZE];
};

/* Where the write callback puts one reply. */
typedef struct isapi_sink {
    hik_reply *reply;
    size_t cap;
    size_t max;
    bool too_big;
    bool nomem;
    /* the one-credentialed-attempt guard, see client__header */
    bool digest_sent;     /* the request just sent carried Authorization: Digest */
    int responses;        /* final (non-1xx) responses seen in this transfer */
    bool in_401;          /* reading the headers of a 401 */
    bool challenged;      /* ... that offers Digest */
    bool stale;           /* ... with stale=true (an expired nonce, not a bad password) */
    bool auth_stopped;    /* the transfer was stopped to prevent a second attempt */
    long cur_status;      /* HTTP status of the response being read */
    isapi_stream *stream; /* NULL: body from and reply into memory */
    bool out_failed;      /* writing the streamed reply to its fd failed */
} isapi_sink;

static pthread_once_t client__once = PTHREAD_ONCE_INIT;
static CURLcode client__global_rc = CURLE_FAILED_INIT;

static void client__global_init(void)
{
    client__global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* A streamed reply: a 2xx body goes to the caller's fd, capped; anything
 * else (a 401 page, a ResponseStatus) still lands in memory. */
static bool client__write_fd(isapi_sink *sink, const char *data, size_t n)
{
    isapi_stream *st = sink->stream;
    if (n > st->out_max - st->out_written) {
        sink->too_big = true;
        return false;
    }
    for (size_t done = 0; done < n;) {
        ssize_t w = write(st->out_fd, data + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            sink->out_failed = true;
            return false;
        }
        done += (size_t)w;
    }
    st->out_written += n;
    return true;
}

static size_t client__write(char *data, size_t size, size_t nmemb, void *userp)
{
    isapi_sink *sink = userp;
    hik_reply *r = sink->reply;
    size_t n = size * nmemb;
    if (sink->stream && sink->stream->out_fd >= 0 && sink->cur_status >= 200 &&
        sink->cur_status < 300)
        return client__write_fd(sink, data, n) ? n : 0;
    if (n > sink->max - r->len) {
        sink->too_big = true;
        return 0; /* libcurl aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (r->len + n + 1 > sink->cap) {
        size_t cap = sink->cap ? sink->cap : 4096;
        while (cap < r->len + n + 1)
            cap *= 2;
        if (cap > sink->max + 1)
            cap = sink->max + 1;
        uint8_t *grown = realloc(r->body, cap);
        if (!grown) {
            sink->nomem = true;
            return 0;
        }
        r->body = grown;
        sink->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    r->body[r->len] = '\0';
    return n;
}

/* Case-insensitive search for `needle` in n bytes of hay. */
static bool client__contains(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++)
        if (strncasecmp(hay + i, needle, m) == 0)
            return true;
    return false;
}

/* libcurl shows each request's headers here: remember whether this attempt
 * carried digest credentials. */
static int client__debug(CURL *c, curl_infotype type, char *data, size_t size, void *userp)
{
    isapi_sink *sink = userp;
    if (sink && type == CURLINFO_HEADER_OUT)
        sink->digest_sent = client__contains(data, size, "\nAuthorization: Digest ");
    return 0;
}

/* Headers of every response in the transfer (challenges included).
 *
 * A status line starts a new response: only the last one's body belongs to
 * the reply. It also guards the lockout budget. Once a digest nonce is
 * known, libcurl sends credentials with the first request; when those are
 * refused it answers the fresh challenge with the same credentials once
 * more, so one wrong password would cost two failed logins per request.
 * A first response that refuses digest credentials without calling the
 * nonce stale therefore ends the transfer here, as HIK_ERR_AUTH. After an
 * unauthenticated probe libcurl already stops by itself, and the body (a
 * userCheck may say "locked") is kept. */
static size_t client__header(char *data, size_t size, size_t nmemb, void *userp)
{
    isapi_sink *sink = userp;
    size_t n = size * nmemb;
    if (n >= 12 && memcmp(data, "HTTP/", 5) == 0) {
        const char *sp = memchr(data, ' ', n);
        bool informational = sp && (size_t)(sp - data) + 1 < n && sp[1] == '1';
        sink->reply->len = 0;
        sink->in_401 = sp && (size_t)(sp - data) + 4 <= n && memcmp(sp + 1, "401", 3) == 0;
        sink->cur_status = sp ? strtol(sp + 1, NULL, 10) : 0;
        sink->challenged = sink->stale = false;
        if (!informational)
            sink->responses++;
    } else if (sink->in_401 && client__contains(data, n, "WWW-Authenticate: Digest")) {
        sink->challenged = true;
        sink->stale = sink->stale || client__contains(data, n, "stale=\"true\"") ||
                      client__contains(data, n, "stale=true");
    } else if (sink->in_401 && (n <= 2 && (data[0] == '\r' || data[0] == '\n'))) {
        if (sink->digest_sent && sink->challenged && !sink->stale && sink->responses == 1) {
            sink->auth_stopped = true;
            return 0;
        }
    }
    return n;
}

static bool client__host_ok(const char *host)
{
    size_t len = host ? strlen(host) : 0;
    if (len == 0 || len > ISAPI_MAX_HOST)
        return false;
    for (const char *p = host; *p; p++)
        if ((unsigned char)*p <= ' ' || strchr("/?#@[]\\\"<>", *p))
            return false;
    return true;
}

static hik_err client__base_url(const hik_isapi_opts *opts, char **out)
{
    const char *scheme = opts->scheme ? opts->scheme : "http";
    bool https = strcmp(scheme, "https") == 0;
    if ((!https && strcmp(scheme, "http") != 0) || !client__host_ok(opts->host) || opts->port < 0 ||
        opts->port > 65535)
        return HIK_ERR_INVALID;
    int port = opts->port ? opts->port : (https ? 443 : 80);
    /* An IPv6 literal goes in brackets, its zone separator escaped. */
    bool v6 = strchr(opts->host, ':') != NULL;
    char host[ISAPI_MAX_HOST * 3 + 3];
    size_t n = 0;
    if (v6)
        host[n++] = '[';
    for (const char *p = opts->host; *p; p++) {
        if (*p == '%' && v6) {
            memcpy(host + n, "%25", 3);
            n += 3;
        } else {
            host[n++] = *p;
        }
    }
    if (v6)
        host[n++] = ']';
    host[n] = '\0';
    if (asprintf(out, "%s://%s:%d", scheme, host, port) < 0) {
        *out = NULL;
        return HIK_ERR_NOMEM;
    }
    return HIK_OK;
}

hik_err isapi__base_url(const hik_isapi_opts *opts, char **out)
{
    return client__base_url(opts, out);
}

static long client__authmask(hik_auth_mode mode)
{
    switch (mode) {
    case HIK_AUTH_DIGEST:
        return (long)CURLAUTH_DIGEST;
    case HIK_AUTH_BASIC:
        return (long)CURLAUTH_BASIC;
    case HIK_AUTH_AUTO:
    default:
        return (long)(CURLAUTH_DIGEST | CURLAUTH_BASIC);
    }
}

/* The options that hold for every request of this handle. */
static hik_err client__setup(hik_isapi *isapi, const hik_isapi_opts *opts)
{
    CURL *c = isapi->curl;
    long connect_ms =
        opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : ISAPI_DEFAULT_CONNECT_MS;
    long total_ms = opts->timeout_ms > 0 ? opts->timeout_ms : ISAPI_DEFAULT_TIMEOUT_MS;
    isapi->timeout_ms = total_ms;
    CURLcode rc = CURLE_OK;
    rc |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    rc |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    rc |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, total_ms);
    rc |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, isapi->errbuf);
    rc |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, client__write);
    rc |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, client__header);
    /* VERBOSE only feeds client__debug, which prints nothing. */
    rc |= curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, client__debug);
    rc |= curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
    rc |= curl_easy_setopt(c, CURLOPT_HTTPAUTH, client__authmask(opts->auth));
    rc |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    rc |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    rc |= curl_easy_setopt(c, CURLOPT_USERAGENT, "hikgate/" HIK_VERSION);
    rc |= curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)isapi->max_reply);
    rc |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    /* TLS: always verify; a private CA (or a pinned self-signed device
     * certificate exported as a CA file) is how to trust a camera. */
    rc |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    rc |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (opts->ca_file)
        rc |= curl_easy_setopt(c, CURLOPT_CAINFO, opts->ca_file);
    if (rc == CURLE_OK && opts->pinned_key && isapi__pin_apply(c, opts->pinned_key))
        return HIK_ERR_INVALID;
    if (opts->interface)
        rc |= curl_easy_setopt(c, CURLOPT_INTERFACE, opts->interface);
    return rc == CURLE_OK ? HIK_OK : HIK_ERR_INVALID;
}

static hik_err client__apply_credentials(hik_isapi *isapi)
{
    CURLcode rc = curl_easy_setopt(isapi->curl, CURLOPT_USERNAME, isapi->username);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(isapi->curl, CURLOPT_PASSWORD, isapi->password);
    return rc == CURLE_OK ? HIK_OK : HIK_ERR_NOMEM;
}

hik_err hik_isapi_set_credentials(hik_isapi *isapi, const char *username, const char *password)
{
    if (!isapi)
        return HIK_ERR_INVALID;
    char *u = username ? strdup(username) : NULL;
    char *p = password ? strdup(password) : NULL;
    if ((username && !u) || (password && !p)) {
        free(u);
        free(p);
        return HIK_ERR_NOMEM;
    }
    if (isapi->password)
        explicit_bzero(isapi->password, strlen(isapi->password));
    free(isapi->username);
    free(isapi->password);
    isapi->username = u;
    isapi->password = p;
    return client__apply_credentials(isapi);
}

hik_err hik_isapi_new(const hik_isapi_opts *opts, hik_isapi **out)
{
    if (!opts || !out)
        return HIK_ERR_INVALID;
    *out = NULL;
    pthread_once(&client__once, client__global_init);
    if (client__global_rc != CURLE_OK)
        return HIK_ERR_NOMEM;
    hik_isapi *isapi = calloc(1, sizeof(*isapi));
    if (!isapi)
        return HIK_ERR_NOMEM;
    isapi->max_reply = opts->max_reply ? opts->max_reply : ISAPI_DEFAULT_MAX_REPLY;
    hik_err err = client__base_url(opts, &isapi->base_url);
    if (err)
        goto err;
    isapi->curl = curl_easy_init();
    if (!isapi->curl) {
        err = HIK_ERR_NOMEM;
        goto err;
    }
    err = client__setup(isapi, opts);
    if (!err)
        err = hik_isapi_set_credentials(isapi, opts->username, opts->password);
    if (err)
        goto err;
    *out = isapi;
    return HIK_OK;
err:
    hik_isapi_free(isapi);
    return err;
}

void hik_isapi_free(hik_isapi *isapi)
{
    if (!isapi)
        return;
    if (isapi->curl)
        curl_easy_cleanup(isapi->curl);
    if (isapi->password)
        explicit_bzero(isapi->password, strlen(isapi->password));
    free(isapi->password);
    free(isapi->username);
    free(isapi->base_url);
    free(isapi);
}

bool hik_isapi_pin_mismatch(const hik_isapi *isapi)
{
    return isapi && isapi->pin_mismatch;
}

void hik_reply_free(hik_reply *reply)
{
    if (!reply)
        return;
    free(reply->body);
    reply->body = NULL;
    reply->len = 0;
}

static bool client__method_ok(const char *method)
{
    size_t len = method ? strlen(method) : 0;
    if (len == 0 || len > 15)
        return false;
    for (const char *p = method; *p; p++)
        if (*p < 'A' || *p > 'Z')
            return false;
    return true;
}

static bool client__path_ok(const char *path)
{
    size_t len = path ? strlen(path) : 0;
    if (len == 0 || len > ISAPI_MAX_PATH || path[0] != '/')
        return false;
    for (const char *p = path; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p == 0x7F)
            return false;
    return true;
}

/* Method, body and headers of one request. Every option a previous request
 * may have changed is set again here. */
/* A streamed upload reads the caller's fd from its start offset; libcurl
 * seeks back to the start when a digest challenge makes it send again. */
static size_t client__read(char *buf, size_t size, size_t nmemb, void *userp)
{
    isapi_stream *st = userp;
    size_t want = size * nmemb;
    if (st->in_pos >= st->in_size)
        return 0;
    if (want > st->in_size - st->in_pos)
        want = (size_t)(st->in_size - st->in_pos);
    ssize_t n;
    do
        n = pread(st->in_fd, buf, want, (off_t)(st->in_start + st->in_pos));
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return CURL_READFUNC_ABORT; /* the file shrank or failed under us */
    st->in_pos += (uint64_t)n;
    return (size_t)n;
}

static int client__seek(void *userp, curl_off_t offset, int origin)
{
    isapi_stream *st = userp;
    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > st->in_size)
        return CURL_SEEKFUNC_CANTSEEK;
    st->in_pos = (uint64_t)offset;
    return CURL_SEEKFUNC_OK;
}

static CURLcode client__prepare_upload(CURL *c, const char *method, isapi_stream *st)
{
    st->in_pos = 0;
    CURLcode rc = curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    rc |= curl_easy_setopt(c, CURLOPT_READFUNCTION, client__read);
    rc |= curl_easy_setopt(c, CURLOPT_READDATA, st);
    rc |= curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, client__seek);
    rc |= curl_easy_setopt(c, CURLOPT_SEEKDATA, st);
    rc |= curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)st->in_size);
    if (strcmp(method, "PUT") != 0)
        rc |= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    return rc;
}

static hik_err client__prepare(hik_isapi *isapi, const char *method, const char *content_type,
                               const void *body, size_t len, isapi_stream *st,
                               struct curl_slist **headers)
{
    CURL *c = isapi->curl;
    bool is_get = strcmp(method, "GET") == 0, is_head = strcmp(method, "HEAD") == 0;
    bool upload = st && st->in_fd >= 0;
    bool with_body = body || (!is_get && !is_head && strcmp(method, "DELETE") != 0);
    CURLcode rc = curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    rc |= curl_easy_setopt(c, CURLOPT_NOBODY, is_head ? 1L : 0L);
    rc |= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
    rc |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                           st && st->timeout_ms > 0 ? st->timeout_ms : isapi->timeout_ms);
    rc |= curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
                           (curl_off_t)(st && st->out_fd >= 0 ? st->out_max : isapi->max_reply));
    if (upload) {
        rc |= client__prepare_upload(c, method, st);
    } else if (with_body) {
        /* POSTFIELDS keeps the body in memory, so libcurl can send it again
         * after a digest challenge; an empty one still gets
         * "Content-Length: 0", which PUT .../reboot and friends need. */
        rc |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
        rc |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
        if (strcmp(method, "POST") != 0)
            rc |= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    } else if (!is_get && !is_head) {
        rc |= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    if (rc != CURLE_OK)
        return HIK_ERR_INVALID;

    char ct[128];
    if (upload)
        snprintf(ct, sizeof(ct), "Content-Type: %s",
                 content_type && *content_type ? content_type : "application/octet-stream");
    else if (body)
        snprintf(ct, sizeof(ct), "Content-Type: %s",
                 content_type && *content_type ? content_type : "application/xml");
    else
        snprintf(ct, sizeof(ct), "Content-Type:"); /* drop curl's form default */
    /* Device web servers handle "Expect: 100-continue" poorly; send at once. */
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    struct curl_slist *h2 = h ? curl_slist_append(h, ct) : NULL;
    if (!h2) {
        curl_slist_free_all(h);
        return HIK_ERR_NOMEM;
    }
    *headers = h2;
    return curl_easy_setopt(c, CURLOPT_HTTPHEADER, h2) == CURLE_OK ? HIK_OK : HIK_ERR_INVALID;
}

static hik_err client__curl_err(CURLcode rc, const isapi_sink *sink)
{
    if (sink->too_big || rc == CURLE_FILESIZE_EXCEEDED)
        return HIK_ERR_TOO_BIG;
    if (sink->out_failed || rc == CURLE_ABORTED_BY_CALLBACK || rc == CURLE_READ_ERROR)
        return HIK_ERR_IO;
    switch (rc) {
    case CURLE_WRITE_ERROR:
        return sink->nomem ? HIK_ERR_NOMEM : HIK_ERR_IO;
    case CURLE_OUT_OF_MEMORY:
        return HIK_ERR_NOMEM;
    case CURLE_OPERATION_TIMEDOUT:
        return HIK_ERR_TIMEOUT;
    case CURLE_URL_MALFORMAT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return HIK_ERR_INVALID;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_USE_SSL_FAILED:
        return HIK_ERR_TLS;
    default:
        return HIK_ERR_NETWORK;
    }
}

/* The typed outcome of a complete HTTP answer. */
static hik_err client__http_err(const hik_reply *reply)
{
    long code = reply->http_status;
    int st = reply->status.status_code;
    if (isapi__body_reports_lock(reply->body, reply->len, &reply->status))
        return HIK_ERR_LOCKED;
    if (code == 401)
        return HIK_ERR_AUTH;
    if (code >= 200 && code < 300)
        return (st == 0 || st == 1) ? HIK_OK : HIK_ERR_DEVICE;
    if (code == 404)
        return HIK_ERR_NOT_FOUND;
    if (st != 0 && st != 1)
        return HIK_ERR_DEVICE;
    return code == 403 ? HIK_ERR_FORBIDDEN : HIK_ERR_HTTP;
}

/* Decode a ResponseStatus only when the body can be one: small, XML or
 * JSON, and naming a statusCode. Pictures and backups are left alone. */
static void client__decode_status(hik_reply *reply)
{
    if (reply->len == 0 || reply->len > ISAPI_STATUS_MAX_BODY ||
        !memmem(reply->body, reply->len, "statusCode", strlen("statusCode")))
        return;
    hik_status_parse(reply->body, reply->len, &reply->status);
}

static hik_err client__finish(hik_isapi *isapi, CURLcode rc, const isapi_sink *sink,
                              hik_reply *reply)
{
    const char *ct = NULL;
    curl_easy_getinfo(isapi->curl, CURLINFO_RESPONSE_CODE, &reply->http_status);
    if (curl_easy_getinfo(isapi->curl, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
        isapi__copy(reply->content_type, sizeof(reply->content_type), ct);
    if (!reply->body)
        reply->body = calloc(1, 1);
    if (rc != CURLE_OK && !sink->auth_stopped) {
        hik_err err = client__curl_err(rc, sink);
        if (err == HIK_ERR_TOO_BIG)
            snprintf(reply->error, sizeof(reply->error), "reply larger than %llu bytes",
                     sink->stream && sink->stream->out_fd >= 0
                         ? (unsigned long long)sink->stream->out_max
                         : (unsigned long long)sink->max);
        else
            isapi__copy(reply->error, sizeof(reply->error),
                        isapi->errbuf[0] ? isapi->errbuf : curl_easy_strerror(rc));
        return err;
    }
    client__decode_status(reply);
    hik_err err = client__http_err(reply);
    if (err == HIK_ERR_DEVICE || (err == HIK_ERR_LOCKED && reply->status.status_code))
        hik_status_describe(&reply->status, reply->error, sizeof(reply->error));
    else if (err)
        snprintf(reply->error, sizeof(reply->error), "HTTP %ld%s", reply->http_status,
                 err == HIK_ERR_AUTH ? ": credentials rejected" : "");
    return err;
}

static hik_err client__perform(hik_isapi *isapi, const char *method, const char *path,
                               const char *content_type, const void *body, size_t len,
                               isapi_stream *st, hik_reply *reply)
{
    if (!reply)
        return HIK_ERR_INVALID;
    memset(reply, 0, sizeof(*reply));
    if (!isapi || !client__method_ok(method) || !client__path_ok(path) || (!body && len)) {
        snprintf(reply->error, sizeof(reply->error), "invalid request");
        return HIK_ERR_INVALID;
    }
    char *url = NULL;
    if (asprintf(&url, "%s%s", isapi->base_url, path) < 0)
        return HIK_ERR_NOMEM;
    struct curl_slist *headers = NULL;
    hik_err err = client__prepare(isapi, method, content_type, body, len, st, &headers);
    if (err) {
        free(url);
        curl_slist_free_all(headers);
        return err;
    }
    isapi_sink sink = {.reply = reply, .max = isapi->max_reply, .stream = st};
    isapi->errbuf[0] = '\0';
    curl_easy_setopt(isapi->curl, CURLOPT_URL, url);
    curl_easy_setopt(isapi->curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(isapi->curl, CURLOPT_HEADERDATA, &sink);
    curl_easy_setopt(isapi->curl, CURLOPT_DEBUGDATA, &sink);
    CURLcode rc = curl_easy_perform(isapi->curl);
    isapi->pin_mismatch = rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
    err = client__finish(isapi, rc, &sink, reply);
    /* Nothing the handle keeps may point at this request's memory. */
    curl_easy_setopt(isapi->curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(isapi->curl, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(isapi->curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(isapi->curl, CURLOPT_WRITEDATA, NULL);
    curl_easy_setopt(isapi->curl, CURLOPT_HEADERDATA, NULL);
    curl_easy_setopt(isapi->curl, CURLOPT_DEBUGDATA, NULL);
    curl_easy_setopt(isapi->curl, CURLOPT_READDATA, NULL);
    curl_easy_setopt(isapi->curl, CURLOPT_SEEKDATA, NULL);
    curl_easy_setopt(isapi->curl, CURLOPT_SEEKFUNCTION, NULL);
    curl_slist_free_all(headers);
    free(url);
    return err;
}

hik_err hik_isapi_request(hik_isapi *isapi, const char *method, const char *path,
                          const char *content_type, const void *body, size_t len, hik_reply *reply)
{
    return client__perform(isapi, method, path, content_type, body, len, NULL, reply);
}

hik_err isapi__request_stream(hik_isapi *isapi, const char *method, const char *path,
                              const char *content_type, isapi_stream *st, hik_reply *reply)
{
    if (!st || (st->out_fd >= 0 && st->out_max == 0)) {
        if (reply)
            memset(reply, 0, sizeof(*reply));
        return HIK_ERR_INVALID;
    }
    st->out_written = 0;
    return client__perform(isapi, method, path, content_type, NULL, 0, st, reply);
}

hik_err isapi__get_doc(hik_isapi *isapi, const char *path, const char *root, hik_reply *reply,
                       xmlDoc **doc)
{
    *doc = NULL;
    hik_err err = hik_isapi_request(isapi, "GET", path, NULL, NULL, 0, reply);
    if (err)
        return err;
    err = hik_xml_parse(reply->body, reply->len, doc);
    if (!err && !hik_xml_is(xmlDocGetRootElement(*doc), root)) {
        xmlFreeDoc(*doc);
        *doc = NULL;
        err = HIK_ERR_PARSE;
    }
    if (err)
        snprintf(reply->error, sizeof(reply->error), "not a %s document", root);
    return err;
}
