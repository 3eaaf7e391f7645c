/* test_api_http.c: the REST API over real HTTP on 127.0.0.1 (src/gateway/
 * api*.c): authentication, CSRF, status codes, error shapes and the CRUD
 * round trips, against a fresh database. The modules behind the API that
 * talk to devices are replaced by the stand-ins below. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "api.h"
#include "auth.h"
#include "test_api_stubs.h"

static int config_changes, probes;

__attribute__((weak)) hik_err gw_config_changed(gw *g)
{
    config_changes++;
    return HIK_OK;
}

__attribute__((weak)) void gw_actions_probe_device(gw *g, int64_t device_id)
{
    probes++;
}

__attribute__((weak)) hik_err gw_actions_run_now(gw *g, int64_t action_id, int64_t *first)
{
    gw_store_lock(g->store);
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO action_runs(action_id, action, status, created_ms)"
             " SELECT id, action, 'queued', 1 FROM actions WHERE id = %lld",
             (long long)action_id);
    gw_store_exec(g->store, sql);
    bool found = sqlite3_changes(g->store->db) == 1;
    *first = sqlite3_last_insert_rowid(g->store->db);
    gw_store_unlock(g->store);
    return found ? HIK_OK : HIK_ERR_NOT_FOUND;
}

__attribute__((weak)) hik_err gw_secrets_seal(gw_secrets *s, const char *plaintext, char **sealed)
{
    *sealed = strdup("v1:sealed");
    return *sealed ? HIK_OK : HIK_ERR_NOMEM;
}

__attribute__((weak)) bool gw_config_split_addr(const char *addr_port, char *host, size_t host_len,
                                                int *port)
{
    const char *colon = strrchr(addr_port, ':');
    if (!colon)
        return false;
    snprintf(host, host_len, "%.*s", (int)(colon - addr_port), addr_port);
    *port = atoi(colon + 1);
    return true;
}

/* ------------------------------------------------------------ a client */

typedef struct reply {
    long status;
    char body[65536];
    size_t len;
    char headers[4096];
    size_t hlen;
    json_t *json;
} reply;

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    reply *r = ud;
    size_t k = sz * n;
    if (r->len + k < sizeof r->body) {
        memcpy(r->body + r->len, p, k);
        r->len += k;
        r->body[r->len] = '\0';
    }
    return k;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    reply *r = ud;
    size_t k = sz * n;
    if (r->hlen + k < sizeof r->headers) {
        memcpy(r->headers + r->hlen, p, k);
        r->hlen += k;
        r->headers[r->hlen] = '\0';
    }
    return k;
}

typedef struct client {
    gw g;
    char dir[64];
    int port;
    char cookie[128]; /* "hikgate_session=..." once logged in */
    char csrf[80];
} client;

static client *C;
static reply *last_reply;

/* auth: "basic" (admin, right password), "wrong", "none", "session". */
static reply *call(const char *method, const char *path, const char *body, const char *auth,
                   const char *content_type)
{
    static reply r;
    json_decref(r.json);
    memset(&r, 0, sizeof r);
    CURL *h = curl_easy_init();
    char url[512], hdr[256];
    struct curl_slist *hs = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", C->port, path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        snprintf(hdr, sizeof hdr, "Content-Type: %s",
                 content_type ? content_type : "application/json");
        hs = curl_slist_append(hs, hdr);
    }
    if (strcmp(auth, "basic") == 0 || strcmp(auth, "wrong") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERPWD,
                         strcmp(auth, "basic") == 0 ? "admin:test password" : "admin:nope");
    } else if (strcmp(auth, "session") == 0 || strcmp(auth, "session-nocsrf") == 0) {
        curl_easy_setopt(h, CURLOPT_COOKIE, C->cookie);
        if (strcmp(auth, "session") == 0) {
            snprintf(hdr, sizeof hdr, "X-CSRF-Token: %s", C->csrf);
            hs = curl_slist_append(hs, hdr);
        }
    } else if (strcmp(auth, "badcookie") == 0) {
        curl_easy_setopt(h, CURLOPT_COOKIE, "hikgate_session=00");
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK)
        fail_msg("%s %s: %s", method, path, curl_easy_strerror(rc));
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(hs);
    curl_easy_cleanup(h);
    last_reply = &r;
    r.json = r.len ? json_loads(r.body, 0, NULL) : NULL;
    return &r;
}

static bool has_header(reply *r, const char *line)
{
    return strcasestr(r->headers, line) != NULL;
}

static const char *err_field(reply *r)
{
    return json_string_value(json_object_get(r->json, "field"));
}

static int64_t jint(reply *r, const char *key)
{
    return json_integer_value(json_object_get(r->json, key));
}

static int setup(void **state)
{
    char err[256];
    C = calloc(1, sizeof *C);
    snprintf(C->dir, sizeof C->dir, "/tmp/hikgate-test-api-XXXXXX");
    if (!mkdtemp(C->dir) || gw_store_open(C->dir, false, &C->g.store, err, sizeof err))
        return -1;
    snprintf(C->g.cfg.admin_password, sizeof C->g.cfg.admin_password, "test password");
    snprintf(C->g.cfg.api_addr, sizeof C->g.cfg.api_addr, "127.0.0.1:0");
    C->g.started_ms = gw_now_ms();
    if (gw_auth_init(&C->g) || gw_api_start(&C->g, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    C->port = gw_api_port(&C->g);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    *state = C;
    return 0;
}

static int teardown(void **state)
{
    char path[128];
    if (last_reply)
        json_decref(last_reply->json);
    gw_api_stop(&C->g);
    gw_auth_free(&C->g);
    gw_store_close(C->g.store);
    const char *files[] = {"hikgate.db", "hikgate.db-wal", "hikgate.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", C->dir, files[i]);
        unlink(path);
    }
    rmdir(C->dir);
    free(C);
    curl_global_cleanup();
    return 0;
}

/* ------------------------------------------------------------- the tests */

static void test_health_needs_no_login(void **state)
{
    reply *r = call("GET", "/api/v1/health", NULL, "none", NULL);
    assert_int_equal(r->status, 200);
    assert_string_equal(json_string_value(json_object_get(r->json, "status")), "ok");
    assert_string_equal(json_string_value(json_object_get(r->json, "database")), "ok");
    assert_non_null(json_object_get(r->json, "events_received"));
    assert_true(has_header(r, "Content-Type: application/json; charset=utf-8"));
    assert_true(has_header(r, "Cache-Control: no-store"));
}

static void test_everything_else_needs_a_login(void **state)
{
    reply *r = call("GET", "/api/v1/devices", NULL, "none", NULL);
    assert_int_equal(r->status, 401);
    assert_true(has_header(r, "WWW-Authenticate: Basic realm=\"hikgate\""));
    assert_non_null(json_object_get(r->json, "error"));
    r = call("GET", "/api/v1/devices", NULL, "wrong", NULL);
    assert_int_equal(r->status, 401);
    /* A request that came with a cookie gets no Basic challenge. */
    r = call("GET", "/api/v1/devices", NULL, "badcookie", NULL);
    assert_int_equal(r->status, 401);
    assert_false(has_header(r, "WWW-Authenticate"));
    r = call("GET", "/api/v1/devices", NULL, "basic", NULL);
    assert_int_equal(r->status, 200);
    assert_true(json_is_array(r->json));
}

static void test_routes_and_methods(void **state)
{
    reply *r = call("GET", "/api/v1/nothing", NULL, "basic", NULL);
    assert_int_equal(r->status, 404);
    r = call("GET", "/api/v1/devices/999", NULL, "basic", NULL);
    assert_int_equal(r->status, 404);
    r = call("GET", "/api/v1/devices/abc", NULL, "basic", NULL);
    assert_int_equal(r->status, 404);
    r = call("DELETE", "/api/v1/devices", NULL, "basic", NULL);
    assert_int_equal(r->status, 405);
    assert_true(has_header(r, "Allow: GET, POST"));
}

static void test_bodies_must_be_json_objects(void **state)
{
    reply *r = call("POST", "/api/v1/devices", "{\"name\": ", "basic", NULL);
    assert_int_equal(r->status, 400);
    const char *msg = json_string_value(json_object_get(r->json, "error"));
    assert_non_null(msg);
    assert_true(strncmp(msg, "invalid JSON: ", 14) == 0);
    assert_non_null(strstr(msg, " at line 1 column "));
    r = call("POST", "/api/v1/devices", "name=x", "basic", "application/x-www-form-urlencoded");
    assert_int_equal(r->status, 415);
    r = call("POST", "/api/v1/devices", "[1]", "basic", NULL);
    assert_int_equal(r->status, 400);
    r = call("POST", "/api/v1/devices", "{\"nmae\":\"x\"}", "basic", NULL);
    assert_int_equal(r->status, 400);
    assert_string_equal(err_field(r), "nmae");
    /* Over 1 MiB: 413. */
    size_t big = GW_API_MAX_BODY + 10;
    char *huge = malloc(big + 1);
    memset(huge, ' ', big);
    huge[0] = '{';
    huge[big - 1] = '}';
    huge[big] = '\0';
    r = call("POST", "/api/v1/devices", huge, "basic", NULL);
    free(huge);
    assert_int_equal(r->status, 413);
}

static void test_device_crud(void **state)
{
    int changes0 = config_changes, probes0 = probes;
    reply *r =
        call("POST", "/api/v1/devices",
             "{\"name\":\"Gate\",\"address\":\"127.0.0.5\",\"password\":\"pw1\"}", "basic", NULL);
    assert_int_equal(r->status, 201);
    int64_t id = jint(r, "id");
    assert_true(id > 0);
    assert_true(has_header(r, "Location: /api/v1/devices/"));
    assert_null(json_object_get(r->json, "password"));
    assert_int_equal(jint(r, "port"), 80);
    assert_true(json_is_false(json_object_get(r->json, "anpr_reverse")));
    assert_string_equal(json_string_value(json_object_get(r->json, "status")), "unknown");
    assert_int_equal(config_changes, changes0 + 1);
    assert_int_equal(probes, probes0 + 1);

    r = call("POST", "/api/v1/devices",
             "{\"name\":\"Gate\",\"address\":\"127.0.0.6\",\"password\":\"pw\"}", "basic", NULL);
    assert_int_equal(r->status, 409);
    assert_string_equal(err_field(r), "name");

    char path[64];
    snprintf(path, sizeof path, "/api/v1/devices/%lld", (long long)id);
    r = call("PUT", path, "{\"anpr_reverse\":true}", "basic", NULL);
    assert_int_equal(r->status, 200);
    assert_true(json_is_true(json_object_get(r->json, "anpr_reverse")));
    assert_int_equal(probes, probes0 + 1); /* nothing about reaching it changed */
    r = call("PUT", path, "{\"port\":8080}", "basic", NULL);
    assert_int_equal(r->status, 200);
    assert_int_equal(jint(r, "port"), 8080);
    assert_int_equal(probes, probes0 + 2);
    r = call("PUT", path, "{\"port\":0}", "basic", NULL);
    assert_int_equal(r->status, 400);
    assert_string_equal(err_field(r), "port");

    r = call("GET", path, NULL, "basic", NULL);
    assert_int_equal(r->status, 200);
    assert_string_equal(json_string_value(json_object_get(r->json, "name")), "Gate");
    assert_null(json_object_get(r->json, "password"));
    assert_null(strstr(r->body, "sealed"));

    /* Stored sealed, never in clear. */
    gw_store_lock(C->g.store);
    sqlite3_stmt *st = gw_store_prepare(C->g.store, "SELECT password FROM devices");
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "v1:sealed");
    sqlite3_finalize(st);
    gw_store_unlock(C->g.store);
}

static void test_references_block_deletes(void **state)
{
    reply *r =
        call("POST", "/api/v1/devices",
             "{\"name\":\"Door\",\"address\":\"door.lan\",\"password\":\"pw\"}", "basic", NULL);
    assert_int_equal(r->status, 201);
    int64_t dev = jint(r, "id");
    char body[256], path[64];
    snprintf(body, sizeof body,
             "{\"name\":\"Hide\",\"devices\":[%lld],\"action\":\"privacy_mask.enable\","
             "\"channel\":2}",
             (long long)dev);
    r = call("POST", "/api/v1/actions", body, "basic", NULL);
    assert_int_equal(r->status, 201);
    int64_t act = jint(r, "id");
    assert_int_equal(jint(r, "channel"), 2);
    r = call("POST", "/api/v1/actions",
             "{\"name\":\"X\",\"devices\":[9999],\"action\":\"privacy_mask.enable\"}", "basic",
             NULL);
    assert_int_equal(r->status, 400);
    assert_string_equal(err_field(r), "devices");

    snprintf(body, sizeof body,
             "{\"name\":\"Door motion\",\"devices\":[%lld],\"event\":\"motion\"}", (long long)dev);
    r = call("POST", "/api/v1/triggers", body, "basic", NULL);
    assert_int_equal(r->status, 201);
    int64_t trig = jint(r, "id");
    assert_true(json_is_object(json_object_get(r->json, "conditions")));
    snprintf(body, sizeof body,
             "{\"name\":\"Bad\",\"devices\":[%lld],\"event\":\"motion\","
             "\"conditions\":{\"plate\":\"AB1\"}}",
             (long long)dev);
    r = call("POST", "/api/v1/triggers", body, "basic", NULL);
    assert_int_equal(r->status, 400);
    assert_string_equal(err_field(r), "conditions.plate");

    snprintf(body, sizeof body, "{\"name\":\"Night\",\"trigger\":%lld,\"actions\":[%lld]}",
             (long long)trig, (long long)act);
    r = call("POST", "/api/v1/scenarios", body, "basic", NULL);
    assert_int_equal(r->status, 201);
    int64_t scn = jint(r, "id");
    assert_true(json_is_true(json_object_get(r->json, "enabled")));
    assert_int_equal(jint(r, "trigger"), trig);

    snprintf(path, sizeof path, "/api/v1/devices/%lld", (long long)dev);
    r = call("DELETE", path, NULL, "basic", NULL);
    assert_int_equal(r->status, 409);
    const char *msg = json_string_value(json_object_get(r->json, "error"));
    assert_non_null(strstr(msg, "Door motion"));
    assert_non_null(strstr(msg, "Hide"));
    assert_int_equal(json_array_size(json_object_get(r->json, "references")), 2);

    snprintf(path, sizeof path, "/api/v1/triggers/%lld", (long long)trig);
    r = call("DELETE", path, NULL, "basic", NULL);
    assert_int_equal(r->status, 409);
    assert_non_null(strstr(json_string_value(json_object_get(r->json, "error")), "Night"));

    /* Run now, then its history. */
    snprintf(path, sizeof path, "/api/v1/actions/%lld/run", (long long)act);
    r = call("POST", path, NULL, "basic", NULL);
    assert_int_equal(r->status, 202);
    int64_t run = jint(r, "run_id");
    assert_true(run > 0);
    snprintf(path, sizeof path, "/api/v1/actions/%lld/runs", (long long)act);
    r = call("GET", path, NULL, "basic", NULL);
    assert_int_equal(r->status, 200);
    assert_int_equal(json_array_size(r->json), 1);
    snprintf(path, sizeof path, "/api/v1/runs/%lld", (long long)run);
    r = call("GET", path, NULL, "basic", NULL);
    assert_int_equal(r->status, 200);
    assert_string_equal(json_string_value(json_object_get(r->json, "status")), "queued");

    /* Undo in order: scenario, trigger and action, device. */
    snprintf(path, sizeof path, "/api/v1/scenarios/%lld", (long long)scn);
    assert_int_equal(call("DELETE", path, NULL, "basic", NULL)->status, 204);
    assert_int_equal(call("DELETE", path, NULL, "basic", NULL)->status, 404);
    snprintf(path, sizeof path, "/api/v1/triggers/%lld", (long long)trig);
    assert_int_equal(call("DELETE", path, NULL, "basic", NULL)->status, 204);
    snprintf(path, sizeof path, "/api/v1/actions/%lld", (long long)act);
    assert_int_equal(call("DELETE", path, NULL, "basic", NULL)->status, 204);
    snprintf(path, sizeof path, "/api/v1/devices/%lld", (long long)dev);
    assert_int_equal(call("DELETE", path, NULL, "basic", NULL)->status, 204);
}

static void test_events_pages_and_pictures(void **state)
{
    gw_store_lock(C->g.store);
    for (int i = 1; i <= 5; i++) {
        char sql[400];
        snprintf(sql, sizeof sql,
                 "INSERT INTO events(received_ms, source_addr, attribution, kind, type_raw,"
                 " state, channel, fields, raw, raw_type, n_pictures) VALUES(%d, '127.0.0.7',"
                 " 'none', '%s', 'VMD', 'active', 1, '{\"a\":%d}', X'%s', 'xml', %d)",
                 1000 * i, i % 2 ? "motion" : "anpr", i, i == 5 ? "FF00" : "3C613E", i == 5);
        assert_int_equal(gw_store_exec(C->g.store, sql), HIK_OK);
    }
    assert_int_equal(gw_store_exec(C->g.store, "INSERT INTO event_pictures VALUES(5, 0, 'p.jpg',"
                                               " 'image/jpeg', X'FFD8FFE0')"),
                     HIK_OK);
    gw_store_unlock(C->g.store);

    reply *r = call("GET", "/api/v1/events?limit=2", NULL, "basic", NULL);
    assert_int_equal(r->status, 200);
    json_t *evs = json_object_get(r->json, "events");
    assert_int_equal(json_array_size(evs), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(evs, 0), "id")), 5);
    assert_int_equal(jint(r, "next_before"), 4);
    json_t *pics = json_object_get(json_array_get(evs, 0), "pictures");
    assert_int_equal(json_array_size(pics), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(pics, 0), "url")),
                        "/api/v1/events/5/pictures/0");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(pics, 0), "size")), 4);
    assert_true(json_is_null(json_object_get(json_array_get(evs, 0), "device_id")));

    r = call("GET", "/api/v1/events?before=4&limit=2&kind=motion", NULL, "basic", NULL);
    evs = json_object_get(r->json, "events");
    assert_int_equal(json_array_size(evs), 2); /* 3 and 1 */
    assert_true(json_is_null(json_object_get(r->json, "next_before")));
    r = call("GET", "/api/v1/events?since=2000&until=3000", NULL, "basic", NULL);
    assert_int_equal(json_array_size(json_object_get(r->json, "events")), 2);
    r = call("GET", "/api/v1/events?limit=1001", NULL, "basic", NULL);
    assert_int_equal(r->status, 400);
    assert_string_equal(err_field(r), "limit");
    r = call("GET", "/api/v1/events?kind=earthquake", NULL, "basic", NULL);
    assert_int_equal(r->status, 400);

    r = call("GET", "/api/v1/events/1", NULL, "basic", NULL);
    assert_int_equal(r->status, 200);
    assert_string_equal(json_string_value(json_object_get(r->json, "raw")), "<a>");
    assert_int_equal(jint(r, "id"), 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r->json, "fields"), "a")),
                     1);
    assert_true(json_is_array(json_object_get(r->json, "runs")));
    r = call("GET", "/api/v1/events/5", NULL, "basic", NULL);
    assert_string_equal(json_string_value(json_object_get(r->json, "raw")), "/wA=");
    assert_string_equal(json_string_value(json_object_get(r->json, "raw_encoding")), "base64");

    r = call("GET", "/api/v1/events/5/pictures/0", NULL, "basic", NULL);
    assert_int_equal(r->status, 200);
    assert_int_equal(r->len, 4);
    assert_true(has_header(r, "Content-Type: image/jpeg"));
    r = call("GET", "/api/v1/events/5/pictures/1", NULL, "basic", NULL);
    assert_int_equal(r->status, 404);
}

static void test_session_login_and_csrf(void **state)
{
    reply *r = call("POST", "/api/v1/session", "{\"username\":\"admin\",\"password\":\"x\"}",
                    "none", NULL);
    assert_int_equal(r->status, 401);
    r = call("POST", "/api/v1/session", "{\"username\":\"admin\",\"password\":\"test password\"}",
             "none", NULL);
    assert_int_equal(r->status, 200);
    const char *csrf = json_string_value(json_object_get(r->json, "csrf_token"));
    assert_non_null(csrf);
    snprintf(C->csrf, sizeof C->csrf, "%s", csrf);
    assert_true(has_header(r, "HttpOnly; SameSite=Strict; Path=/"));
    const char *set = strcasestr(r->headers, "Set-Cookie: hikgate_session=");
    assert_non_null(set);
    snprintf(C->cookie, sizeof C->cookie, "hikgate_session=%.64s", set + 28);

    r = call("GET", "/api/v1/session", NULL, "session-nocsrf", NULL);
    assert_int_equal(r->status, 200);
    assert_string_equal(json_string_value(json_object_get(r->json, "user")), "admin");
    assert_string_equal(json_string_value(json_object_get(r->json, "csrf_token")), C->csrf);

    const char *dev = "{\"name\":\"Lobby\",\"address\":\"::1\",\"password\":\"pw\"}";
    r = call("POST", "/api/v1/devices", dev, "session-nocsrf", NULL);
    assert_int_equal(r->status, 403);
    r = call("POST", "/api/v1/devices", dev, "session", NULL);
    assert_int_equal(r->status, 201);

    r = call("DELETE", "/api/v1/session", NULL, "session", NULL);
    assert_int_equal(r->status, 204);
    r = call("GET", "/api/v1/session", NULL, "session-nocsrf", NULL);
    assert_int_equal(r->status, 401);
    assert_false(has_header(r, "WWW-Authenticate"));
}

static void test_password_change(void **state)
{
    reply *r =
        call("PUT", "/api/v1/users/admin/password",
             "{\"current_password\":\"test password\",\"new_password\":\"short\"}", "basic", NULL);
    assert_int_equal(r->status, 400);
    assert_string_equal(err_field(r), "new_password");
    r = call("PUT", "/api/v1/users/admin/password",
             "{\"current_password\":\"test password\",\"new_password\":\"test password\"}", "basic",
             NULL);
    assert_int_equal(r->status, 200);
    r = call("PUT", "/api/v1/users/root/password",
             "{\"current_password\":\"test password\",\"new_password\":\"whatever123\"}", "basic",
             NULL);
    assert_int_equal(r->status, 404);
}

static void test_ten_wrong_logins_lock_the_address_out(void **state)
{
    reply *r = NULL;
    for (int i = 0; i < GW_AUTH_MAX_FAILURES; i++) {
        r = call("GET", "/api/v1/devices", NULL, "wrong", NULL);
        assert_int_equal(r->status, 401);
    }
    r = call("GET", "/api/v1/devices", NULL, "basic", NULL);
    assert_int_equal(r->status, 429);
    assert_true(has_header(r, "Retry-After: "));
    r = call("POST", "/api/v1/session", "{\"username\":\"admin\",\"password\":\"test password\"}",
             "none", NULL);
    assert_int_equal(r->status, 429);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_needs_no_login),
        cmocka_unit_test(test_everything_else_needs_a_login),
        cmocka_unit_test(test_routes_and_methods),
        cmocka_unit_test(test_bodies_must_be_json_objects),
        cmocka_unit_test(test_device_crud),
        cmocka_unit_test(test_references_block_deletes),
        cmocka_unit_test(test_events_pages_and_pictures),
        cmocka_unit_test(test_session_login_and_csrf),
        cmocka_unit_test(test_password_change),
        cmocka_unit_test(test_ten_wrong_logins_lock_the_address_out),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
