/* api_session.c: logging in and out (/api/v1/session) and changing a
 * password (/api/v1/users/{name}/password).
 *
 * A failed login is counted against the client address and answered after
 * a fixed pause, the same whether the user exists or not. The 401 of a
 * failed form login carries no WWW-Authenticate: a browser would otherwise
 * pop up its own Basic dialog over the login page. */
#include <stdio.h>
#include <string.h>

#include "api_codec.h"
#include "api_routes.h"
#include "auth.h"
#include "log.h"

static const char *session__string(api_req *rq, api_resp *rs, const char *key)
{
    json_t *v = json_object_get(rq->body, key);
    if (!json_is_string(v)) {
        api_error(rs, 400, key, "%s is required (a string)", key);
        return NULL;
    }
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        api_error(rs, 400, key, "%s must not contain NUL characters", key);
        return NULL;
    }
    return json_string_value(v);
}

static bool session__not_blocked(api_req *rq, api_resp *rs)
{
    int retry = 0;
    if (!gw_auth_blocked(rq->g->auth, rq->addr, gw_now_ms(), &retry))
        return true;
    api_error(rs, 429, NULL, "too many failed logins; try again in %d s", retry);
    api_header_add(rs, "Retry-After", "%d", retry);
    return false;
}

void api_session_login(api_req *rq, api_resp *rs)
{
    static const char *const fields[] = {"username", "password", NULL};
    if (!session__not_blocked(rq, rs) || !api_body_keys(rq, rs, fields, NULL))
        return;
    const char *user = session__string(rq, rs, "username");
    const char *password = user ? session__string(rq, rs, "password") : NULL;
    if (!user || !password)
        return;
    int64_t user_id = 0;
    hik_err res = gw_auth_check_password(rq->g, user, password, &user_id);
    if (res == HIK_ERR_AUTH) {
        gw_auth_failed(rq->g->auth, rq->addr, gw_now_ms());
        gw_auth_fail_delay();
        gw_info("api: failed login from %s", rq->addr);
        return api_error(rs, 401, NULL, "wrong username or password");
    }
    char token[GW_AUTH_TOKEN_LEN + 1], csrf[GW_AUTH_TOKEN_LEN + 1];
    if (!res)
        res = gw_auth_session_create(rq->g, user_id, token, csrf);
    if (res)
        return api_error_store(rs);
    gw_auth_succeeded(rq->g->auth, rq->addr);
    gw_info("api: %s logged in from %s", user, rq->addr);
    /* Over HTTPS the browser must never send the cookie in clear. */
    api_header_add(rs, "Set-Cookie", "%s=%s; HttpOnly; SameSite=Strict; Path=/%s", GW_AUTH_COOKIE,
                   token, rq->g->cfg.api_tls_cert[0] ? "; Secure" : "");
    bool must_change = false;
    if (gw_auth_must_change(rq->g, user, &must_change))
        must_change = false;
    api_reply(rs, 200,
              json_pack("{s:s, s:s, s:b}", "user", user, "csrf_token", csrf, "must_change_password",
                        must_change));
}

void api_session_get(api_req *rq, api_resp *rs)
{
    bool must_change = false;
    if (gw_auth_must_change(rq->g, rq->user, &must_change))
        must_change = false;
    json_t *o =
        json_pack("{s:s, s:s, s:b}", "user", rq->user, "auth",
                  rq->via_session ? "session" : "basic", "must_change_password", must_change);
    if (o && rq->via_session)
        json_object_set_new(o, "csrf_token", json_string(rq->csrf));
    api_reply(rs, 200, o);
}

void api_session_logout(api_req *rq, api_resp *rs)
{
    if (rq->via_session && gw_auth_session_delete(rq->g, rq->session_token))
        return api_error_store(rs);
    if (rq->via_session)
        gw_info("api: %s logged out", rq->user);
    api_header_add(rs, "Set-Cookie", "%s=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0",
                   GW_AUTH_COOKIE);
    api_reply(rs, 204, NULL);
}

void api_user_password(api_req *rq, api_resp *rs)
{
    static const char *const fields[] = {"current_password", "new_password", NULL};
    const char *name = rq->captures[0];
    if (strcmp(name, rq->user) != 0)
        return api_error(rs, 404, NULL, "no such user, or not yours to change");
    if (!session__not_blocked(rq, rs) || !api_body_keys(rq, rs, fields, NULL))
        return;
    const char *cur = session__string(rq, rs, "current_password");
    const char *new_pw = cur ? session__string(rq, rs, "new_password") : NULL;
    if (!cur || !new_pw)
        return;
    size_t chars = 0;
    if (!api_utf8_valid((const uint8_t *)new_pw, strlen(new_pw), &chars) ||
        chars < GW_AUTH_PASSWORD_MIN || strlen(new_pw) > GW_AUTH_PASSWORD_MAX)
        return api_error(rs, 400, "new_password",
                         "new_password must be at least %d characters (at most %d bytes)",
                         GW_AUTH_PASSWORD_MIN, GW_AUTH_PASSWORD_MAX);
    hik_err res = gw_auth_check_password(rq->g, name, cur, NULL);
    if (res == HIK_ERR_AUTH) {
        gw_auth_failed(rq->g->auth, rq->addr, gw_now_ms());
        gw_auth_fail_delay();
        return api_error(rs, 400, "current_password", "current_password is wrong");
    }
    if (!res)
        res = gw_auth_set_password(rq->g, name, new_pw, rq->via_session ? rq->session_token : NULL);
    if (res == HIK_ERR_NOT_FOUND)
        return api_error(rs, 404, NULL, "no such user");
    if (res)
        return api_error_store(rs);
    gw_info("api: password of %s changed from %s", name, rq->addr);
    api_reply(rs, 200, json_pack("{s:s}", "user", name));
}
