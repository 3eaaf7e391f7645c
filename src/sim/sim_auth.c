/* sim_auth.c: the device side of ISAPI authentication, as cameras do it.
 *
 * Digest (RFC 7616, qop=auth, MD5 and/or SHA-256) and Basic, per the
 * --auth mode. Nonces are issued by the device and expire: a correct
 * answer to an expired or unknown nonce gets a fresh challenge with
 * stale="TRUE" and is not a failed login. Wrong credentials count per
 * client IP; after --lockout-after failures in a row the IP is locked for
 * --lockout-seconds and every request from it is refused with a
 * userCheck-style XML body, even with the right password. A successful
 * login clears the count.
 *
 * Nonces look like the devices' own: hex of base64 of "<time>:<random>". */
#include "sim.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "hik/digest.h"

static const char auth__html_401[] =
    "<!DOCTYPE html>\r\n"
    "<html><head><title>Document Error: Unauthorized</title></head>\r\n"
    "<body><h2>Access Error: 401 -- Unauthorized</h2>\r\n"
    "<p>Authentication Error</p>\r\n"
    "</body>\r\n"
    "</html>\r\n";

typedef enum auth_result {
    AUTH_OK,
    AUTH_NONE,   /* no credentials: plain challenge, not a failure */
    AUTH_STALE,  /* right answer, old nonce */
    AUTH_FAILED, /* wrong user/password/response */
} auth_result;

/* Caller holds the lock. Finds or takes a slot (the oldest unlocked one
 * when the table is full). */
static sim_client *auth__client_locked(sim *s, const char *ip, time_t now)
{
    sim_client *free_slot = NULL, *oldest = NULL;
    for (int i = 0; i < SIM_MAX_CLIENTS; i++) {
        sim_client *c = &s->st.clients[i];
        if (c->ip[0] && strcmp(c->ip, ip) == 0)
            return c;
        if (!c->ip[0] && !free_slot)
            free_slot = c;
        if (c->ip[0] && c->lock_until <= now && (!oldest || c->last_seen < oldest->last_seen))
            oldest = c;
    }
    sim_client *c = free_slot ? free_slot : oldest;
    if (!c)
        return NULL;
    memset(c, 0, sizeof(*c));
    snprintf(c->ip, sizeof(c->ip), "%s", ip);
    return c;
}

static void auth__new_nonce(sim *s, char *out, size_t len)
{
    char rnd[17], inner[32];
    unsigned char b64[64];
    if (hik_digest_nonce(rnd, sizeof(rnd), 8))
        snprintf(rnd, sizeof(rnd), "%016lx", (unsigned long)time(NULL));
    time_t now = time(NULL);
    int n = snprintf(inner, sizeof(inner), "%08lx:%s", (unsigned long)now & 0xffffffffUL, rnd);
    int b = EVP_EncodeBlock(b64, (const unsigned char *)inner, n);
    size_t o = 0;
    for (int i = 0; i < b && o + 3 <= len; i++)
        o += (size_t)snprintf(out + o, len - o, "%02x", b64[i]);
    pthread_mutex_lock(&s->st.lock);
    sim_nonce *slot = &s->st.nonces[s->st.next_nonce++ % SIM_MAX_NONCES];
    snprintf(slot->value, sizeof(slot->value), "%s", out);
    slot->issued = now;
    pthread_mutex_unlock(&s->st.lock);
}

static bool auth__nonce_fresh(sim *s, const char *nonce)
{
    time_t now = time(NULL);
    bool fresh = false;
    pthread_mutex_lock(&s->st.lock);
    for (int i = 0; i < SIM_MAX_NONCES; i++) {
        const sim_nonce *n = &s->st.nonces[i];
        if (n->value[0] && strcmp(n->value, nonce) == 0) {
            fresh = now - n->issued <= s->cfg.nonce_seconds;
            break;
        }
    }
    pthread_mutex_unlock(&s->st.lock);
    return fresh;
}

static void auth__challenge(sim *s, sim_reply *r, bool stale)
{
    char nonce[96], hdr[256];
    sim_auth_mode m = s->cfg.auth;
    if (m == SIM_AUTH_BASIC) {
        snprintf(hdr, sizeof(hdr), "Basic realm=\"%s\"", s->cfg.realm);
        sim_reply_header(r, "WWW-Authenticate", hdr);
        return;
    }
    auth__new_nonce(s, nonce, sizeof(nonce));
    const char *st = stale ? "TRUE" : "FALSE";
    if (m != SIM_AUTH_DIGEST_SHA256) {
        snprintf(hdr, sizeof(hdr), "Digest qop=\"auth\", realm=\"%s\", nonce=\"%s\", stale=\"%s\"",
                 s->cfg.realm, nonce, st);
        sim_reply_header(r, "WWW-Authenticate", hdr);
    }
    if (m == SIM_AUTH_DIGEST_SHA256 || m == SIM_AUTH_DIGEST_BOTH) {
        snprintf(hdr, sizeof(hdr),
                 "Digest qop=\"auth\", realm=\"%s\", nonce=\"%s\", stale=\"%s\", "
                 "algorithm=SHA-256",
                 s->cfg.realm, nonce, st);
        sim_reply_header(r, "WWW-Authenticate", hdr);
    }
}

static auth_result auth__basic(sim *s, const char *header)
{
    const char *b64 = header + 5;
    while (*b64 == ' ')
        b64++;
    unsigned char dec[256];
    size_t n = strlen(b64);
    if (n == 0 || n > 340)
        return AUTH_FAILED;
    int len = EVP_DecodeBlock(dec, (const unsigned char *)b64, (int)n);
    if (len < 0)
        return AUTH_FAILED;
    while (len > 0 && n > 0 && b64[--n] == '=')
        len--; /* EVP_DecodeBlock counts padding as zero bytes */
    dec[len] = '\0';
    char expect[160];
    snprintf(expect, sizeof(expect), "%s:%s", s->cfg.user, s->cfg.password);
    return strcmp((const char *)dec, expect) == 0 ? AUTH_OK : AUTH_FAILED;
}

static bool auth__alg_offered(sim_auth_mode m, hik_digest_alg alg)
{
    if (m == SIM_AUTH_DIGEST_BOTH)
        return true;
    if (m == SIM_AUTH_DIGEST_SHA256)
        return alg == HIK_DIGEST_SHA256;
    return alg == HIK_DIGEST_MD5;
}

static auth_result auth__digest(sim *s, const sim_request *req, const hik_digest_params *p)
{
    hik_digest_alg alg;
    if (!hik_digest_alg_from_name(p->algorithm, &alg) || !auth__alg_offered(s->cfg.auth, alg))
        return AUTH_FAILED;
    if (strcmp(p->username, s->cfg.user) != 0 || strcmp(p->realm, s->cfg.realm) != 0)
        return AUTH_FAILED;
    /* the uri may carry a query string, which libmicrohttpd strips off */
    size_t plen = strcspn(p->uri, "?");
    if (strlen(req->path) != plen || strncmp(p->uri, req->path, plen) != 0)
        return AUTH_FAILED;
    char expect[65];
    if (hik_digest_response(alg, p->username, p->realm, s->cfg.password, req->method, p->uri,
                            p->nonce, p->nc, p->cnonce, p->qop, expect, sizeof(expect)))
        return AUTH_FAILED;
    if (strcasecmp(expect, p->response) != 0)
        return AUTH_FAILED;
    return auth__nonce_fresh(s, p->nonce) ? AUTH_OK : AUTH_STALE;
}

static auth_result auth__verify(sim *s, const sim_request *req)
{
    if (!req->authorization)
        return AUTH_NONE;
    hik_digest_params p;
    if (hik_digest_parse(req->authorization, &p))
        return AUTH_FAILED;
    sim_auth_mode m = s->cfg.auth;
    if (strcasecmp(p.scheme, "Basic") == 0) {
        if (m != SIM_AUTH_BASIC && m != SIM_AUTH_DIGEST_BASIC)
            return AUTH_FAILED;
        return auth__basic(s, req->authorization);
    }
    if (strcasecmp(p.scheme, "Digest") == 0 && m != SIM_AUTH_BASIC)
        return auth__digest(s, req, &p);
    return AUTH_FAILED;
}

/* The userCheck document, used for lockout and for userCheck itself. */
static void auth__user_check(sim_reply *r, int status, bool locked, long unlock_in, int retries)
{
    sim_buf_reset(&r->body);
    sim_xml_begin(&r->body, "userCheck");
    sim_buf_elemf(&r->body, "statusValue", "%d", status);
    sim_buf_elem(&r->body, "statusString", status == 200 ? "OK" : "Unauthorized");
    sim_buf_elem(&r->body, "isDefaultPassword", "false");
    sim_buf_elem(&r->body, "isRiskPassword", "false");
    sim_buf_elem(&r->body, "isActivated", "true");
    if (status != 200) {
        sim_buf_elem(&r->body, "lockStatus", locked ? "lock" : "unlock");
        sim_buf_elemf(&r->body, "unlockTime", "%ld", unlock_in);
        sim_buf_elemf(&r->body, "retryLoginTime", "%d", retries);
    }
    sim_buf_str(&r->body, "</userCheck>\r\n");
    r->status = status;
    snprintf(r->content_type, sizeof(r->content_type), "application/xml");
}

static bool auth__is_user_check(const char *path)
{
    return strcasecmp(path, "/ISAPI/Security/userCheck") == 0;
}

/* Count a failure; returns seconds locked (0 = not locked) and retries left. */
static long auth__fail(sim *s, const char *ip, int *retries)
{
    time_t now = time(NULL);
    long locked = 0;
    pthread_mutex_lock(&s->st.lock);
    sim_client *c = auth__client_locked(s, ip, now);
    if (c) {
        c->last_seen = now;
        c->failures++;
        if (c->failures >= s->cfg.lockout_after) {
            c->lock_until = now + s->cfg.lockout_seconds;
            locked = s->cfg.lockout_seconds;
        }
        *retries = c->failures >= s->cfg.lockout_after ? 0 : s->cfg.lockout_after - c->failures;
    }
    pthread_mutex_unlock(&s->st.lock);
    return locked;
}

/* Seconds left of a lock on ip, 0 when not locked. */
static long auth__locked_for(sim *s, const char *ip)
{
    time_t now = time(NULL);
    long left = 0;
    pthread_mutex_lock(&s->st.lock);
    for (int i = 0; i < SIM_MAX_CLIENTS; i++) {
        sim_client *c = &s->st.clients[i];
        if (c->ip[0] && strcmp(c->ip, ip) == 0) {
            c->last_seen = now;
            if (c->lock_until > now)
                left = (long)(c->lock_until - now);
            else if (c->lock_until) { /* lock over: start counting afresh */
                c->lock_until = 0;
                c->failures = 0;
            }
            break;
        }
    }
    pthread_mutex_unlock(&s->st.lock);
    return left;
}

static void auth__succeeded(sim *s, const char *ip)
{
    pthread_mutex_lock(&s->st.lock);
    s->st.logins_ok++;
    for (int i = 0; i < SIM_MAX_CLIENTS; i++) {
        sim_client *c = &s->st.clients[i];
        if (c->ip[0] && strcmp(c->ip, ip) == 0)
            c->failures = 0;
    }
    pthread_mutex_unlock(&s->st.lock);
}

bool sim_auth_check(sim *s, const sim_request *req, sim_reply *reply)
{
    long locked = auth__locked_for(s, req->client_ip);
    if (locked) {
        auth__user_check(reply, 401, true, locked, 0);
        auth__challenge(s, reply, false);
        return false;
    }
    auth_result res = auth__verify(s, req);
    if (res == AUTH_OK) {
        auth__succeeded(s, req->client_ip);
        return true;
    }
    int retries = s->cfg.lockout_after;
    if (res == AUTH_FAILED) {
        locked = auth__fail(s, req->client_ip, &retries);
        sim_log(SIM_LOG_INFO, "failed login from %s (%d tries left)", req->client_ip, retries);
    }
    if (locked || (res == AUTH_FAILED && auth__is_user_check(req->path))) {
        auth__user_check(reply, 401, locked != 0, locked, retries);
    } else {
        sim_reply_text(reply, 401, "text/html", auth__html_401);
    }
    auth__challenge(s, reply, res == AUTH_STALE);
    return false;
}

bool sim_auth_handle(sim *s, const sim_request *req, sim_reply *reply)
{
    if (!auth__is_user_check(req->path))
        return false;
    if (strcmp(req->method, "GET") != 0) {
        sim_xml_bad_method(reply, req->path);
        return true;
    }
    auth__user_check(reply, 200, false, 0, s->cfg.lockout_after);
    return true;
}
