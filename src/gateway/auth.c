/* auth.c: admin password hashes (scrypt), sessions, the Basic credential
 * cache and per-address login throttling. See auth.h for the model. */
#include "auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api_codec.h"
#include "log.h"

#define AUTH_SCRYPT_N 32768
#define AUTH_SCRYPT_R 8
#define AUTH_SCRYPT_P 1
#define AUTH_SALT_LEN 16
#define AUTH_HASH_LEN 32
#define AUTH_SCRYPT_MAXMEM (64u * 1024 * 1024)
#define AUTH_CACHE_SLOTS 16
#define AUTH_FAIL_DELAY_NS 300000000L
#define AUTH_GENERATED_LEN 16

typedef struct auth_cached {
    char key[65]; /* SHA-256 of "user:password" */
    char user[GW_AUTH_USER_MAX];
    int64_t user_id;
    int64_t until_ms;
} auth_cached;

typedef struct auth_rate {
    char addr[64];
    int failures;
    int64_t first_ms;         /* start of the counting window */
    int64_t last_ms;          /* most recent failure: eviction order */
    int64_t blocked_until_ms; /* 0 when not blocked */
} auth_rate;

struct gw_auth {
    pthread_mutex_t lock;
    auth_cached cache[AUTH_CACHE_SLOTS];
    auth_rate rate[GW_AUTH_RATE_SLOTS];
};

/* ---------------------------------------------------------------- hashes */

static hik_err auth__scrypt(const char *password, const uint8_t *salt, size_t salt_len, uint64_t n,
                            uint64_t r, uint64_t p, uint8_t *out, size_t out_len)
{
    if (EVP_PBE_scrypt(password, strlen(password), salt, salt_len, n, r, p, AUTH_SCRYPT_MAXMEM, out,
                       out_len) != 1)
        return HIK_ERR_IO;
    return HIK_OK;
}

hik_err gw_auth_hash_password(const char *password, char *out, size_t out_len)
{
    uint8_t salt[AUTH_SALT_LEN], hash[AUTH_HASH_LEN];
    char salt_b64[32], hash_b64[64];
    if (RAND_bytes(salt, sizeof salt) != 1)
        return HIK_ERR_IO;
    hik_err res = auth__scrypt(password, salt, sizeof salt, AUTH_SCRYPT_N, AUTH_SCRYPT_R,
                               AUTH_SCRYPT_P, hash, sizeof hash);
    if (!res)
        res = api_b64_encode(salt, sizeof salt, salt_b64, sizeof salt_b64);
    if (!res)
        res = api_b64_encode(hash, sizeof hash, hash_b64, sizeof hash_b64);
    OPENSSL_cleanse(hash, sizeof hash);
    if (res)
        return res;
    int n = snprintf(out, out_len, "scrypt$%d$%d$%d$%s$%s", AUTH_SCRYPT_N, AUTH_SCRYPT_R,
                     AUTH_SCRYPT_P, salt_b64, hash_b64);
    return n < 0 || (size_t)n >= out_len ? HIK_ERR_TOO_BIG : HIK_OK;
}

/* Parse a decimal field ending at '$'; advances *s past the '$'. */
static bool auth__field_u64(const char **s, uint64_t max, uint64_t *out)
{
    char *end;
    if (**s < '0' || **s > '9')
        return false;
    unsigned long long v = strtoull(*s, &end, 10);
    if (*end != '$' || v == 0 || v > max)
        return false;
    *out = v;
    *s = end + 1;
    return true;
}

bool gw_auth_verify_password(const char *password, const char *encoded)
{
    uint64_t n, r, p;
    const char *s = encoded;
    if (!password || !encoded || strncmp(s, "scrypt$", 7) != 0)
        return false;
    s += 7;
    /* Bounds keep a corrupt database from costing unbounded CPU or memory. */
    if (!auth__field_u64(&s, 1u << 20, &n) || (n & (n - 1)) != 0 || n < 2 ||
        !auth__field_u64(&s, 32, &r) || !auth__field_u64(&s, 16, &p))
        return false;
    const char *dollar = strchr(s, '$');
    if (!dollar)
        return false;
    uint8_t salt[64], want[64], got[64];
    size_t salt_len, want_len;
    if (api_b64_decode(s, (size_t)(dollar - s), salt, sizeof salt, &salt_len) ||
        api_b64_decode(dollar + 1, strlen(dollar + 1), want, sizeof want, &want_len) ||
        want_len != AUTH_HASH_LEN || salt_len < 8)
        return false;
    if (auth__scrypt(password, salt, salt_len, n, r, p, got, want_len))
        return false;
    bool ok = CRYPTO_memcmp(got, want, want_len) == 0;
    OPENSSL_cleanse(got, sizeof got);
    return ok;
}

/* ----------------------------------------------------- throttling, cache */

hik_err gw_auth_new(gw_auth **out)
{
    gw_auth *a = calloc(1, sizeof *a);
    if (!a)
        return HIK_ERR_NOMEM;
    pthread_mutex_init(&a->lock, NULL);
    *out = a;
    return HIK_OK;
}

void gw_auth_destroy(gw_auth *a)
{
    if (!a)
        return;
    pthread_mutex_destroy(&a->lock);
    OPENSSL_cleanse(a, sizeof *a);
    free(a);
}

static auth_rate *auth__rate_find(gw_auth *a, const char *addr)
{
    for (size_t i = 0; i < GW_AUTH_RATE_SLOTS; i++)
        if (a->rate[i].addr[0] && strcmp(a->rate[i].addr, addr) == 0)
            return &a->rate[i];
    return NULL;
}

bool gw_auth_blocked(gw_auth *a, const char *addr, int64_t now_ms, int *retry_after_s)
{
    bool blocked = false;
    pthread_mutex_lock(&a->lock);
    auth_rate *e = auth__rate_find(a, addr);
    if (e && e->blocked_until_ms > now_ms) {
        blocked = true;
        if (retry_after_s)
            *retry_after_s = (int)((e->blocked_until_ms - now_ms + 999) / 1000);
    }
    pthread_mutex_unlock(&a->lock);
    return blocked;
}

/* A slot for a new address: a free one, else one whose story is over, else
 * the one with the oldest failure. The table never grows. */
static auth_rate *auth__rate_slot(gw_auth *a, int64_t now_ms)
{
    auth_rate *oldest = &a->rate[0];
    for (size_t i = 0; i < GW_AUTH_RATE_SLOTS; i++) {
        auth_rate *e = &a->rate[i];
        if (!e->addr[0] ||
            (e->blocked_until_ms <= now_ms && now_ms - e->first_ms > GW_AUTH_FAILURE_WINDOW_MS))
            return e;
        if (e->last_ms < oldest->last_ms)
            oldest = e;
    }
    return oldest;
}

void gw_auth_failed(gw_auth *a, const char *addr, int64_t now_ms)
{
    pthread_mutex_lock(&a->lock);
    auth_rate *e = auth__rate_find(a, addr);
    if (!e) {
        e = auth__rate_slot(a, now_ms);
        memset(e, 0, sizeof *e);
        snprintf(e->addr, sizeof e->addr, "%s", addr);
    }
    if (e->failures == 0 || now_ms - e->first_ms > GW_AUTH_FAILURE_WINDOW_MS) {
        e->failures = 0;
        e->first_ms = now_ms;
    }
    e->failures++;
    e->last_ms = now_ms;
    if (e->failures >= GW_AUTH_MAX_FAILURES) {
        e->blocked_until_ms = now_ms + GW_AUTH_BLOCK_MS;
        e->failures = 0;
        gw_warn("auth: %s shut out for %lld s after %d failed logins", e->addr,
                (long long)(GW_AUTH_BLOCK_MS / 1000), GW_AUTH_MAX_FAILURES);
    }
    pthread_mutex_unlock(&a->lock);
}

void gw_auth_succeeded(gw_auth *a, const char *addr)
{
    pthread_mutex_lock(&a->lock);
    auth_rate *e = auth__rate_find(a, addr);
    if (e && e->blocked_until_ms == 0)
        memset(e, 0, sizeof *e);
    else if (e)
        e->failures = 0;
    pthread_mutex_unlock(&a->lock);
}

void gw_auth_fail_delay(void)
{
    struct timespec ts = {0, AUTH_FAIL_DELAY_NS};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void auth__cache_key(const char *user, const char *password, char key[65])
{
    size_t lu = strlen(user), lp = strlen(password);
    char *buf = malloc(lu + lp + 2);
    if (!buf) {
        key[0] = '\0';
        return;
    }
    memcpy(buf, user, lu);
    buf[lu] = ':';
    memcpy(buf + lu + 1, password, lp + 1);
    api_sha256_hex(buf, lu + lp + 1, key);
    OPENSSL_cleanse(buf, lu + lp + 1);
    free(buf);
}

static bool auth__cache_get(gw_auth *a, const char *key, const char *user, int64_t now_ms,
                            int64_t *user_id)
{
    bool hit = false;
    if (!key[0])
        return false;
    pthread_mutex_lock(&a->lock);
    for (size_t i = 0; i < AUTH_CACHE_SLOTS; i++) {
        auth_cached *c = &a->cache[i];
        if (c->until_ms > now_ms && strcmp(c->user, user) == 0 && api_ct_streq(c->key, key)) {
            *user_id = c->user_id;
            hit = true;
            break;
        }
    }
    pthread_mutex_unlock(&a->lock);
    return hit;
}

static void auth__cache_put(gw_auth *a, const char *key, const char *user, int64_t user_id,
                            int64_t now_ms)
{
    if (!key[0])
        return;
    pthread_mutex_lock(&a->lock);
    auth_cached *slot = &a->cache[0];
    for (size_t i = 0; i < AUTH_CACHE_SLOTS; i++)
        if (a->cache[i].until_ms < slot->until_ms)
            slot = &a->cache[i];
    snprintf(slot->key, sizeof slot->key, "%s", key);
    snprintf(slot->user, sizeof slot->user, "%s", user);
    slot->user_id = user_id;
    slot->until_ms = now_ms + GW_AUTH_CACHE_TTL_MS;
    pthread_mutex_unlock(&a->lock);
}

static void auth__cache_clear(gw_auth *a)
{
    pthread_mutex_lock(&a->lock);
    OPENSSL_cleanse(a->cache, sizeof a->cache);
    pthread_mutex_unlock(&a->lock);
}

/* ------------------------------------------------------------- the users */

static hik_err auth__user_count(gw_store *st, int64_t *count)
{
    gw_store_lock(st);
    sqlite3_stmt *stmt = gw_store_prepare(st, "SELECT count(*) FROM users");
    hik_err res = HIK_ERR_IO;
    if (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
        *count = sqlite3_column_int64(stmt, 0);
        res = HIK_OK;
    }
    sqlite3_finalize(stmt);
    gw_store_unlock(st);
    return res;
}

static hik_err auth__user_insert(gw_store *st, const char *name, const char *password,
                                 bool must_change)
{
    char hash[GW_AUTH_HASH_MAX];
    hik_err res = gw_auth_hash_password(password, hash, sizeof hash);
    if (res)
        return res;
    int64_t now = gw_now_ms();
    gw_store_lock(st);
    sqlite3_stmt *stmt = gw_store_prepare(
        st, "INSERT INTO users(name, pw_hash, created_ms, updated_ms, must_change) "
            "VALUES(?1, ?2, ?3, ?3, ?4)");
    res = HIK_ERR_IO;
    if (stmt) {
        sqlite3_bind_text(stmt, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(stmt, 2, hash, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(stmt, 3, now);
        sqlite3_bind_int(stmt, 4, must_change ? 1 : 0);
        if (sqlite3_step(stmt) == SQLITE_DONE)
            res = HIK_OK;
        else
            gw_error("auth: creating user %s: %s", name, sqlite3_errmsg(st->db));
    }
    sqlite3_finalize(stmt);
    gw_store_unlock(st);
    return res;
}

/* A random password from an alphabet without look-alike characters. */
static hik_err auth__generate_password(char *out, size_t len)
{
    static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    const size_t n = sizeof alphabet - 1;
    size_t i = 0;
    while (i + 1 < len) {
        uint8_t b;
        if (RAND_bytes(&b, 1) != 1)
            return HIK_ERR_IO;
        if (b >= 256 - 256 % n) /* reject to keep the choice uniform */
            continue;
        out[i++] = alphabet[b % n];
    }
    out[i] = '\0';
    return HIK_OK;
}

static hik_err auth__create_admin(gw *g)
{
    char generated[AUTH_GENERATED_LEN + 1];
    const char *password = g->cfg.admin_password;
    if (password[0]) {
        size_t chars = 0;
        if (!api_utf8_valid((const uint8_t *)password, strlen(password), &chars) ||
            chars < GW_AUTH_PASSWORD_MIN) {
            gw_error("auth: the admin password given with --admin-password or "
                     "HIKGATE_ADMIN_PASSWORD must be at least %d characters; not starting",
                     GW_AUTH_PASSWORD_MIN);
            return HIK_ERR_INVALID;
        }
    } else {
        hik_err res = auth__generate_password(generated, sizeof generated);
        if (res)
            return res;
        password = generated;
    }
    hik_err res = auth__user_insert(g->store, "admin", password, password == generated);
    if (!res && password == generated) {
        /* The one and only place this password is ever shown. */
        fprintf(stderr,
                "\n"
                "================================================================\n"
                "  hikgate: first run, created the administrator account\n"
                "    user:     admin\n"
                "    password: %s\n"
                "  This password is shown only this once. Change it with\n"
                "  PUT /api/v1/users/admin/password.\n"
                "================================================================\n\n",
                generated);
        fflush(stderr);
    }
    OPENSSL_cleanse(generated, sizeof generated);
    if (!res)
        gw_info("auth: created user admin");
    return res;
}

hik_err gw_auth_init(gw *g)
{
    hik_err res = gw_auth_new(&g->auth);
    if (res)
        return res;
    int64_t count = 0;
    res = auth__user_count(g->store, &count);
    if (!res && count == 0)
        res = auth__create_admin(g);
    else if (!res && g->cfg.admin_password[0])
        gw_info("auth: users already exist; the configured admin password is not applied "
                "(change it through the API)");
    if (res) {
        gw_auth_destroy(g->auth);
        g->auth = NULL;
    }
    return res;
}

void gw_auth_free(gw *g)
{
    gw_auth_destroy(g->auth);
    g->auth = NULL;
}

/* Fetch a user's id and hash. HIK_ERR_NOT_FOUND when no such user. */
static hik_err auth__user_get(gw_store *st, const char *user, int64_t *id, char *hash,
                              size_t hash_len)
{
    gw_store_lock(st);
    sqlite3_stmt *stmt = gw_store_prepare(st, "SELECT id, pw_hash FROM users WHERE name = ?1");
    hik_err res = HIK_ERR_IO;
    if (stmt) {
        sqlite3_bind_text(stmt, 1, user, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            *id = sqlite3_column_int64(stmt, 0);
            snprintf(hash, hash_len, "%s", (const char *)sqlite3_column_text(stmt, 1));
            res = HIK_OK;
        } else if (rc == SQLITE_DONE) {
            res = HIK_ERR_NOT_FOUND;
        }
    }
    sqlite3_finalize(stmt);
    gw_store_unlock(st);
    return res;
}

hik_err gw_auth_check_password(gw *g, const char *user, const char *password, int64_t *user_id)
{
    int64_t id = 0, now = gw_now_ms();
    char key[65], hash[GW_AUTH_HASH_MAX];
    if (!user[0] || strlen(user) >= GW_AUTH_USER_MAX || strlen(password) > GW_AUTH_PASSWORD_MAX)
        return HIK_ERR_AUTH;
    auth__cache_key(user, password, key);
    if (auth__cache_get(g->auth, key, user, now, &id)) {
        if (user_id)
            *user_id = id;
        return HIK_OK;
    }
    hik_err res = auth__user_get(g->store, user, &id, hash, sizeof hash);
    if (res == HIK_ERR_NOT_FOUND) {
        /* Same work for an unknown user as for a wrong password. */
        static const char dummy[] = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$"
                                    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        gw_auth_verify_password(password, dummy);
        return HIK_ERR_AUTH;
    }
    if (res)
        return res;
    if (!gw_auth_verify_password(password, hash))
        return HIK_ERR_AUTH;
    auth__cache_put(g->auth, key, user, id, now);
    if (user_id)
        *user_id = id;
    return HIK_OK;
}

hik_err gw_auth_check_basic(gw *g, const char *authorization, char *user, size_t user_len)
{
    if (!authorization || strncasecmp(authorization, "Basic ", 6) != 0)
        return HIK_ERR_PARSE;
    const char *b64 = authorization + 6;
    while (*b64 == ' ')
        b64++;
    uint8_t buf[GW_AUTH_USER_MAX + GW_AUTH_PASSWORD_MAX + 2];
    size_t n;
    size_t len = strlen(b64);
    while (len && b64[len - 1] == ' ')
        len--;
    if (api_b64_decode(b64, len, buf, sizeof buf - 1, &n))
        return HIK_ERR_PARSE;
    buf[n] = '\0';
    char *colon = memchr(buf, ':', n);
    if (!colon || memchr(buf, '\0', n)) {
        OPENSSL_cleanse(buf, sizeof buf);
        return HIK_ERR_PARSE;
    }
    *colon = '\0';
    hik_err res = gw_auth_check_password(g, (const char *)buf, colon + 1, NULL);
    if (!res)
        snprintf(user, user_len, "%s", (const char *)buf);
    OPENSSL_cleanse(buf, sizeof buf);
    return res;
}

/* ---------------------------------------------------------- the sessions */

hik_err gw_auth_session_create(gw *g, int64_t user_id, char token[GW_AUTH_TOKEN_LEN + 1],
                               char csrf[GW_AUTH_TOKEN_LEN + 1])
{
    char token_hash[65];
    if (api_random_hex(32, token, GW_AUTH_TOKEN_LEN + 1) ||
        api_random_hex(32, csrf, GW_AUTH_TOKEN_LEN + 1))
        return HIK_ERR_IO;
    api_sha256_hex(token, strlen(token), token_hash);
    int64_t now = gw_now_ms();
    gw_store_lock(g->store);
    /* Expired sessions go when new ones come: the table stays small. */
    sqlite3_stmt *gc = gw_store_prepare(g->store, "DELETE FROM sessions WHERE expires_ms <= ?1");
    if (gc) {
        sqlite3_bind_int64(gc, 1, now);
        sqlite3_step(gc);
    }
    sqlite3_finalize(gc);
    sqlite3_stmt *stmt = gw_store_prepare(
        g->store, "INSERT INTO sessions(token_hash, user_id, csrf, created_ms, expires_ms) "
                  "VALUES(?1, ?2, ?3, ?4, ?5)");
    hik_err res = HIK_ERR_IO;
    if (stmt) {
        sqlite3_bind_text(stmt, 1, token_hash, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(stmt, 2, user_id);
        sqlite3_bind_text(stmt, 3, csrf, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(stmt, 4, now);
        sqlite3_bind_int64(stmt, 5, now + GW_AUTH_SESSION_TTL_MS);
        if (sqlite3_step(stmt) == SQLITE_DONE)
            res = HIK_OK;
    }
    sqlite3_finalize(stmt);
    gw_store_unlock(g->store);
    return res;
}

static bool auth__token_shape(const char *token)
{
    if (!token || strlen(token) != GW_AUTH_TOKEN_LEN)
        return false;
    for (const char *p = token; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

hik_err gw_auth_session_lookup(gw *g, const char *token, gw_session *out)
{
    char token_hash[65];
    if (!auth__token_shape(token))
        return HIK_ERR_NOT_FOUND;
    api_sha256_hex(token, strlen(token), token_hash);
    int64_t now = gw_now_ms();
    hik_err res = HIK_ERR_IO;
    gw_store_lock(g->store);
    sqlite3_stmt *stmt = gw_store_prepare(
        g->store, "UPDATE sessions SET expires_ms = ?2 WHERE token_hash = ?1 AND expires_ms > ?3 "
                  "RETURNING user_id, csrf, (SELECT name FROM users WHERE id = user_id)");
    if (stmt) {
        sqlite3_bind_text(stmt, 1, token_hash, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(stmt, 2, now + GW_AUTH_SESSION_TTL_MS);
        sqlite3_bind_int64(stmt, 3, now);
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW && sqlite3_column_text(stmt, 2)) {
            out->user_id = sqlite3_column_int64(stmt, 0);
            snprintf(out->csrf, sizeof out->csrf, "%s", (const char *)sqlite3_column_text(stmt, 1));
            snprintf(out->user, sizeof out->user, "%s", (const char *)sqlite3_column_text(stmt, 2));
            out->expires_ms = now + GW_AUTH_SESSION_TTL_MS;
            res = HIK_OK;
        } else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
            res = HIK_ERR_NOT_FOUND;
        }
        /* Step to the end so the UPDATE completes. */
        while (rc == SQLITE_ROW)
            rc = sqlite3_step(stmt);
    }
    sqlite3_finalize(stmt);
    gw_store_unlock(g->store);
    return res;
}

hik_err gw_auth_session_delete(gw *g, const char *token)
{
    char token_hash[65];
    if (!auth__token_shape(token))
        return HIK_OK;
    api_sha256_hex(token, strlen(token), token_hash);
    gw_store_lock(g->store);
    sqlite3_stmt *stmt = gw_store_prepare(g->store, "DELETE FROM sessions WHERE token_hash = ?1");
    hik_err res = HIK_ERR_IO;
    if (stmt) {
        sqlite3_bind_text(stmt, 1, token_hash, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(stmt) == SQLITE_DONE)
            res = HIK_OK;
    }
    sqlite3_finalize(stmt);
    gw_store_unlock(g->store);
    return res;
}

hik_err gw_auth_set_password(gw *g, const char *user, const char *new_password,
                             const char *keep_token)
{
    char hash[GW_AUTH_HASH_MAX], keep_hash[65] = "";
    hik_err res = gw_auth_hash_password(new_password, hash, sizeof hash);
    if (res)
        return res;
    if (keep_token && auth__token_shape(keep_token))
        api_sha256_hex(keep_token, strlen(keep_token), keep_hash);
    gw_store_lock(g->store);
    res = gw_store_exec(g->store, "BEGIN IMMEDIATE");
    sqlite3_stmt *up = NULL, *del = NULL;
    if (!res) {
        up = gw_store_prepare(g->store,
                              "UPDATE users SET pw_hash = ?2, updated_ms = ?3, must_change = 0 "
                              "WHERE name = ?1");
        del = gw_store_prepare(g->store, "DELETE FROM sessions WHERE token_hash <> ?2 AND "
                                         "user_id = (SELECT id FROM users WHERE name = ?1)");
        res = up && del ? HIK_OK : HIK_ERR_IO;
    }
    if (!res) {
        sqlite3_bind_text(up, 1, user, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(up, 2, hash, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(up, 3, gw_now_ms());
        sqlite3_bind_text(del, 1, user, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(del, 2, keep_hash, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(up) != SQLITE_DONE)
            res = HIK_ERR_IO;
        else if (sqlite3_changes(g->store->db) == 0)
            res = HIK_ERR_NOT_FOUND;
        else if (sqlite3_step(del) != SQLITE_DONE)
            res = HIK_ERR_IO;
    }
    sqlite3_finalize(up);
    sqlite3_finalize(del);
    if (!res)
        res = gw_store_exec(g->store, "COMMIT");
    else
        gw_store_exec(g->store, "ROLLBACK");
    gw_store_unlock(g->store);
    if (!res)
        auth__cache_clear(g->auth);
    return res;
}

hik_err gw_auth_must_change(gw *g, const char *user, bool *must_change)
{
    *must_change = false;
    gw_store_lock(g->store);
    sqlite3_stmt *stmt =
        gw_store_prepare(g->store, "SELECT must_change FROM users WHERE name = ?1");
    hik_err res = HIK_ERR_IO;
    if (stmt) {
        sqlite3_bind_text(stmt, 1, user, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            *must_change = sqlite3_column_int(stmt, 0) != 0;
            res = HIK_OK;
        } else if (rc == SQLITE_DONE) {
            res = HIK_ERR_NOT_FOUND;
        }
    }
    sqlite3_finalize(stmt);
    gw_store_unlock(g->store);
    return res;
}
