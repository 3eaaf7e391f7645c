/* auth.h: admin users, their password hashes, login sessions and the
 * brake on password guessing.
 *
 * Passwords are stored as "scrypt$N$r$p$salt_b64$hash_b64" (OpenSSL
 * EVP_PBE_scrypt, N=2^15 r=8 p=1, 16-byte random salt, 32-byte hash).
 * A session is a random 32-byte token handed to the browser in an HttpOnly
 * cookie; the database keeps only its SHA-256, with a CSRF token and an
 * expiry that slides 12 h forward on each use. Because scrypt is
 * deliberately slow, a verified Basic credential is remembered in memory
 * (as a SHA-256, never in clear) for 60 s. Failed logins are counted per
 * source address in a fixed-size table: 10 failures within 5 minutes shut
 * that address out for 5 minutes. */
#ifndef GW_AUTH_H
#define GW_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway.h"

#define GW_AUTH_COOKIE "hikgate_session"
#define GW_AUTH_USER_MAX 64
#define GW_AUTH_PASSWORD_MIN 8   /* characters */
#define GW_AUTH_PASSWORD_MAX 256 /* bytes */
#define GW_AUTH_TOKEN_LEN 64     /* hex chars of a session or CSRF token */
#define GW_AUTH_HASH_MAX 160     /* room for an encoded hash */
#define GW_AUTH_SESSION_TTL_MS (12LL * 3600 * 1000)
#define GW_AUTH_MAX_FAILURES 10
#define GW_AUTH_FAILURE_WINDOW_MS (5LL * 60 * 1000)
#define GW_AUTH_BLOCK_MS (5LL * 60 * 1000)
#define GW_AUTH_RATE_SLOTS 256
#define GW_AUTH_CACHE_TTL_MS 60000

typedef struct gw_auth gw_auth;

/* A logged-in session, as found from its cookie. */
typedef struct gw_session {
    int64_t user_id;
    char user[GW_AUTH_USER_MAX];
    char csrf[GW_AUTH_TOKEN_LEN + 1];
    int64_t expires_ms;
} gw_session;

/* --- password hashes (pure, no state) --- */

/* Hash with fresh salt and the standard parameters into out
 * (GW_AUTH_HASH_MAX is enough). */
hik_err gw_auth_hash_password(const char *password, char *out, size_t out_len);
/* True when `password` matches the encoded hash. Malformed hashes and
 * out-of-range parameters never match. */
bool gw_auth_verify_password(const char *password, const char *encoded);

/* --- the in-memory state (rate limiting, credential cache) --- */

hik_err gw_auth_new(gw_auth **out);
void gw_auth_destroy(gw_auth *a);

/* Is `addr` shut out at now_ms? If so *retry_after_s gets the seconds left. */
bool gw_auth_blocked(gw_auth *a, const char *addr, int64_t now_ms, int *retry_after_s);
/* Count one failed login from addr. */
void gw_auth_failed(gw_auth *a, const char *addr, int64_t now_ms);
/* A successful login from addr clears its count. */
void gw_auth_succeeded(gw_auth *a, const char *addr);
/* The fixed pause before answering a failed login. */
void gw_auth_fail_delay(void);

/* --- the daemon: users table and sessions --- */

/* Hang a gw_auth on g->auth and make sure an admin exists: on a database
 * with no user, create `admin` with cfg.admin_password (at least 8
 * characters, else refuse) or with a random password printed once to
 * stderr. */
hik_err gw_auth_init(gw *g);
void gw_auth_free(gw *g);

/* Check a user's password (cached for 60 s once verified). HIK_ERR_AUTH
 * when wrong or unknown; *user_id (may be NULL) gets the user's id. */
hik_err gw_auth_check_password(gw *g, const char *user, const char *password, int64_t *user_id);
/* Check an "Authorization: Basic ..." header value. HIK_ERR_PARSE when it is
 * not Basic or malformed, HIK_ERR_AUTH when the credentials are wrong. */
hik_err gw_auth_check_basic(gw *g, const char *authorization, char *user, size_t user_len);

/* Open a session for the user; token and csrf get 64 hex chars each. */
hik_err gw_auth_session_create(gw *g, int64_t user_id, char token[GW_AUTH_TOKEN_LEN + 1],
                               char csrf[GW_AUTH_TOKEN_LEN + 1]);
/* Find a live session by its cookie token and slide its expiry.
 * HIK_ERR_NOT_FOUND when unknown or expired. */
hik_err gw_auth_session_lookup(gw *g, const char *token, gw_session *out);
/* Log out (no error when the session is already gone). */
hik_err gw_auth_session_delete(gw *g, const char *token);

/* Set a user's password; ends the user's other sessions (keep_token, may be
 * NULL, stays valid) and forgets cached credentials. HIK_ERR_NOT_FOUND
 * when no such user. */
hik_err gw_auth_set_password(gw *g, const char *user, const char *new_password,
                             const char *keep_token);

/* Whether the user's password was generated at first start and not yet
 * changed. HIK_ERR_NOT_FOUND when no such user. */
hik_err gw_auth_must_change(gw *g, const char *user, bool *must_change);

#endif
