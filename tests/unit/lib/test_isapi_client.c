/* test_isapi_client.c: lib/isapi_client.c against an in-process camera.
 *
 * Authentication in every form real firmware uses, the typed outcome of
 * every kind of answer, bounded replies, timeouts, refused connections and
 * connection reuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_isapi_server.h"

static const char device_status[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
    "<DeviceStatus version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\r\n"
    "<currentDeviceTime>1970-02-22T08:21:26+08:00</currentDeviceTime>\r\n"
    "<deviceUpTime>2900578</deviceUpTime>\r\n</DeviceStatus>\r\n";

/* Routes by URL: the few answers these tests need. */
static void camera(ts_server *s, const ts_request *req, ts_response *r)
{
    const char *u = req->url;
    if (strcmp(u, "/ISAPI/System/status") == 0)
        ts_reply(r, 200, "application/xml", "%s", device_status);
    else if (strcmp(u, "/ISAPI/echo") == 0)
        ts_reply(r, 200, "application/xml", "%s", ts_status_ok_xml());
    else if (strcmp(u, "/ISAPI/bad-content") == 0)
        ts_reply(r, 200, "application/xml",
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<ResponseStatus version=\"2.0\" "
                 "xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\r\n<requestURL>%s</"
                 "requestURL>\r\n<statusCode>6</statusCode>\r\n<statusString>Invalid XML "
                 "Content</statusString>\r\n<subStatusCode>badXmlContent</subStatusCode>\r\n"
                 "</ResponseStatus>\r\n",
                 u);
    else if (strcmp(u, "/ISAPI/json-403") == 0)
        ts_reply(r, 403, "application/json",
                 "{\"statusCode\":4,\"statusString\":\"Invalid Operation\",\"subStatusCode\":"
                 "\"notSupport\",\"errorCode\":1073741825,\"errorMsg\":\"notSupport\"}");
    else if (strcmp(u, "/ISAPI/plain-403") == 0)
        ts_reply(r, 403, "text/html", "<html>Forbidden</html>");
    else if (strcmp(u, "/ISAPI/plain-500") == 0)
        ts_reply(r, 500, "text/html", "<html>oops</html>");
    else if (strcmp(u, "/ISAPI/usercheck-locked") == 0)
        ts_reply(r, 401, "application/xml",
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<userCheck version=\"2.0\" "
                 "xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\n<statusValue>401</"
                 "statusValue>\n<statusString>Unauthorized</statusString>\n<lockStatus>lock</"
                 "lockStatus>\n<unlockTime>1780</unlockTime>\n<retryLoginTime>0</retryLoginTime>\n"
                 "</userCheck>\n");
    else if (strcmp(u, "/ISAPI/usercheck-unlocked") == 0)
        ts_reply(r, 200, "application/xml",
                 "<userCheck><statusValue>200</statusValue><lockStatus>unlock</lockStatus>"
                 "</userCheck>");
    else if (strcmp(u, "/ISAPI/json-locked") == 0)
        ts_reply(
            r, 200, "application/json",
            "{\"UserCheck\":{\"statusValue\":401,\"lockStatus\":\"lock\",\"unlockTime\":600}}");
    else if (strcmp(u, "/ISAPI/big") == 0 || strcmp(u, "/ISAPI/big-chunked") == 0) {
        r->status = 200;
        r->content_type = "application/octet-stream";
        r->len = 4096;
        r->body = malloc(r->len);
        memset(r->body, 'x', r->len);
        r->chunked = strcmp(u, "/ISAPI/big-chunked") == 0;
    } else
        ts_reply(r, 404, "text/html", "<html>Not Found</html>");
}

static hik_isapi *client_for(ts_server *s, hik_auth_mode mode, const char *password)
{
    hik_isapi_opts o = ts_opts(s, mode);
    if (password)
        o.password = password;
    hik_isapi *c = NULL;
    assert_int_equal(hik_isapi_new(&o, &c), HIK_OK);
    assert_non_null(c);
    return c;
}

/* One GET of /ISAPI/System/status that must succeed with the body. */
static void get_status_ok(hik_isapi *c)
{
    hik_reply r;
    hik_err err = hik_isapi_request(c, "GET", "/ISAPI/System/status", NULL, NULL, 0, &r);
    assert_int_equal(err, HIK_OK);
    assert_int_equal(r.http_status, 200);
    assert_string_equal(r.content_type, "application/xml");
    assert_int_equal(r.len, strlen(device_status));
    assert_memory_equal(r.body, device_status, r.len);
    assert_int_equal(r.body[r.len], '\0');
    assert_int_equal(r.status.status_code, 0); /* not a ResponseStatus */
    hik_reply_free(&r);
}

static void auth_variant_succeeds(ts_auth auth, hik_auth_mode mode, const char *alg)
{
    ts_server s;
    assert_true(ts_start(&s, auth, camera, NULL));
    hik_isapi *c = client_for(&s, mode, NULL);
    get_status_ok(c);
    assert_int_equal(ts_count(&s, &s.auth_failures), 0);
    assert_int_equal(ts_count(&s, &s.auth_ok), 1);
    assert_string_equal(s.last_alg, alg);
    hik_isapi_free(c);
    ts_stop(&s);
}

static void test_digest_md5_as_captured(void **state)
{
    auth_variant_succeeds(TS_AUTH_MD5, HIK_AUTH_AUTO, "MD5");
}

static void test_digest_md5_digest_only(void **state)
{
    auth_variant_succeeds(TS_AUTH_MD5, HIK_AUTH_DIGEST, "MD5");
}

static void test_digest_sha256_only(void **state)
{
    auth_variant_succeeds(TS_AUTH_SHA256, HIK_AUTH_AUTO, "SHA-256");
}

static void test_digest_two_challenges_md5_first(void **state)
{
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_BOTH, camera, NULL));
    hik_isapi *c = client_for(&s, HIK_AUTH_DIGEST, NULL);
    get_status_ok(c);
    get_status_ok(c);
    assert_int_equal(ts_count(&s, &s.auth_failures), 0);
    assert_int_equal(ts_count(&s, &s.auth_ok), 2);
    /* libcurl answers the first digest challenge of the two */
    assert_string_equal(s.last_alg, "MD5");
    hik_isapi_free(c);
    ts_stop(&s);
}

static void test_digest_two_challenges_sha256_first(void **state)
{
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_BOTH_SHA256_FIRST, camera, NULL));
    hik_isapi *c = client_for(&s, HIK_AUTH_AUTO, NULL);
    get_status_ok(c);
    get_status_ok(c);
    assert_int_equal(ts_count(&s, &s.auth_failures), 0);
    assert_int_equal(ts_count(&s, &s.auth_ok), 2);
    assert_string_equal(s.last_alg, "SHA-256");
    hik_isapi_free(c);
    ts_stop(&s);
}

static void test_basic_preemptive(void **state)
{
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_BASIC, camera, NULL));
    hik_isapi *c = client_for(&s, HIK_AUTH_BASIC, NULL);
    get_status_ok(c);
    assert_string_equal(s.last_alg, "Basic");
    assert_int_equal(ts_count(&s, &s.challenges), 0); /* sent with the first request */
    hik_isapi_free(c);
    ts_stop(&s);
}

static void test_basic_auto(void **state)
{
    auth_variant_succeeds(TS_AUTH_BASIC, HIK_AUTH_AUTO, "Basic");
}

static void test_digest_mode_never_sends_basic(void **state)
{
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_BASIC, camera, NULL));
    hik_isapi *c = client_for(&s, HIK_AUTH_DIGEST, NULL);
    hik_reply r;
    assert_int_equal(hik_isapi_request(c, "GET", "/ISAPI/System/status", NULL, NULL, 0, &r),
                     HIK_ERR_AUTH);
    assert_int_equal(r.http_status, 401);
    assert_int_equal(ts_count(&s, &s.basic_seen), 0);
    hik_reply_free(&r);
    hik_isapi_free(c);
    ts_stop(&s);
}

static void wrong_password_once_per_request(ts_auth auth, hik_auth_mode mode)
{
    ts_server s;
    assert_true(ts_start(&s, auth, camera, NULL));
    hik_isapi *c = client_for(&s, mode, "wrong-password");
    for (int i = 1; i <= 3; i++) {
        hik_reply r;
        hik_err err = hik_isapi_request(c, "GET", "/ISAPI/System/status", NULL, NULL, 0, &r);
        assert_int_equal(err, HIK_ERR_AUTH);
        assert_int_equal(r.http_status, 401);
        assert_non_null(r.body);
        assert_true(r.error[0] != '\0');
        /* exactly one rejected credentialed attempt per request */
        assert_int_equal(ts_count(&s, &s.auth_failures), i);
        hik_reply_free(&r);
    }
    assert_int_equal(ts_count(&s, &s.auth_ok), 0);
    /* After a password change the same handle works again. */
    assert_int_equal(hik_isapi_set_credentials(c, s.user, s.pass), HIK_OK);
    get_status_ok(c);
    assert_int_equal(ts_count(&s, &s.auth_failures), 3);
    hik_isapi_free(c);
    ts_stop(&s);
}

static void test_wrong_password_digest(void **state)
{
    wrong_password_once_per_request(TS_AUTH_MD5, HIK_AUTH_AUTO);
}

static void test_wrong_password_digest_sha256(void **state)
{
    wrong_password_once_per_request(TS_AUTH_SHA256, HIK_AUTH_DIGEST);
}

static void test_wrong_password_basic(void **state)
{
    wrong_password_once_per_request(TS_AUTH_BASIC, HIK_AUTH_BASIC);
}

/* The realistic lockout path: the gateway has been talking to the camera
 * (libcurl holds a nonce and sends credentials at once), then someone
 * changes the password on the camera. */
static void password_changed_on_device(ts_auth auth)
{
    ts_server s;
    assert_true(ts_start(&s, auth, camera, NULL));
    hik_isapi *c = client_for(&s, HIK_AUTH_AUTO, NULL);
    get_status_ok(c);
    get_status_ok(c);
    pthread_mutex_lock(&s.mu);
    s.pass = "changed-on-camera";
    pthread_mutex_unlock(&s.mu);
    for (int i = 1; i <= 3; i++) {
        hik_reply r;
        hik_err err = hik_isapi_request(c, "GET", "/ISAPI/System/status", NULL, NULL, 0, &r);
        assert_int_equal(err, HIK_ERR_AUTH);
        assert_int_equal(r.http_status, 401);
        assert_int_equal(ts_count(&s, &s.auth_failures), i);
        hik_reply_free(&r);
    }
    assert_int_equal(hik_isapi_set_credentials(c, "admin", "changed-on-camera"), HIK_OK);
    get_status_ok(c);
    assert_int_equal(ts_count(&s, &s.auth_failures), 3);
    hik_isapi_free(c);
    ts_stop(&s);
}

static void test_password_changed_on_device_md5(void **state)
{
    password_changed_on_device(TS_AUTH_MD5);
}

static void test_password_changed_on_device_sha256(void **state)
{
    password_changed_on_device(TS_AUTH_SHA256);
}

static void test_password_changed_on_device_basic(void **state)
{
    password_changed_on_device(TS_AUTH_BASIC);
}

/* A camera that forgot its nonces (reboot, expiry) says stale="TRUE": that
 * is not a wrong password, and the request goes through. */
static void test_stale_nonce_is_not_a_failure(void **state)
{
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_MD5, camera, NULL));
    hik_isapi *c = client_for(&s, HIK_AUTH_AUTO, NULL);
    get_status_ok(c);
    pthread_mutex_lock(&s.mu);
    memset(s.nonces, 0, sizeof(s.nonces));
    s.nonce_count = 0;
    int challenges = s.challenges;
    pthread_mutex_unlock(&s.mu);
    get_status_ok(c);
    assert_int_equal(ts_count(&s, &s.challenges), challenges + 1);
    assert_int_equal(ts_count(&s, &s.auth_failures), 0);
    assert_int_equal(ts_count(&s, &s.auth_ok), 2);
    hik_isapi_free(c);
    ts_stop(&s);
}

static void test_put_body_survives_digest_challenge(void **state)
{
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_MD5, camera, NULL));
    hik_isapi *c = client_for(&s, HIK_AUTH_AUTO, NULL);
    const char body[] = "<IOPortData><outputState>high</outputState></IOPortData>";
    hik_reply r;
    assert_int_equal(hik_isapi_request(c, "PUT", "/ISAPI/echo", NULL, body, strlen(body), &r),
                     HIK_OK);
    assert_int_equal(r.status.status_code, 1);
    assert_string_equal(r.status.status_string, "OK");
    hik_reply_free(&r);
    assert_string_equal(s.last_method, "PUT");
    assert_int_equal(s.last_body_len, strlen(body));
    assert_string_equal(s.last_body, body);
    assert_string_equal(s.last_content_type, "application/xml");

    /* An explicit content type is sent as given. */
    assert_int_equal(hik_isapi_request(c, "POST", "/ISAPI/echo", "application/json", "{}", 2, &r),
                     HIK_OK);
    hik_reply_free(&r);
    assert_string_equal(s.last_method, "POST");
    assert_string_equal(s.last_content_type, "application/json");
    assert_string_equal(s.last_body, "{}");
    hik_isapi_free(c);
    ts_stop(&s);
}

static void test_put_empty_body_sends_content_length_zero(void **state)
{
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_MD5, camera, NULL));
    hik_isapi *c = client_for(&s, HIK_AUTH_AUTO, NULL);
    hik_reply r;
    assert_int_equal(hik_isapi_request(c, "PUT", "/ISAPI/echo", NULL, NULL, 0, &r), HIK_OK);
    hik_reply_free(&r);
    assert_string_equal(s.last_method, "PUT");
    assert_string_equal(s.last_content_length, "0");
    assert_int_equal(s.last_body_len, 0);
    /* A GET after a PUT on the same handle is a plain GET again. */
    get_status_ok(c);
    assert_string_equal(s.last_method, "GET");
    assert_string_equal(s.last_content_length, "");
    hik_isapi_free(c);
    ts_stop(&s);
}

static void test_connection_reused(void **state)
{
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_MD5, camera, NULL));
    hik_isapi *c = client_for(&s, HIK_AUTH_AUTO, NULL);
    for (int i = 0; i < 4; i++) {
        get_status_ok(c);
        hik_reply r;
        assert_int_equal(hik_isapi_request(c, "PUT", "/ISAPI/echo", NULL, "<a/>", 4, &r), HIK_OK);
        hik_reply_free(&r);
    }
    assert_int_equal(ts_count(&s, &s.connections), 1);
    assert_int_equal(ts_count(&s, &s.auth_ok), 8);
    assert_int_equal(ts_count(&s, &s.auth_failures), 0);
    hik_isapi_free(c);
    ts_stop(&s);
}

static hik_err request_path(ts_server *s, const char *path, hik_reply *r)
{
    hik_isapi *c = client_for(s, HIK_AUTH_AUTO, NULL);
    hik_err err = hik_isapi_request(c, "GET", path, NULL, NULL, 0, r);
    hik_isapi_free(c);
    return err;
}

static void test_status_200_with_status_code_6(void **state)
{
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_MD5, camera, NULL));
    hik_reply r;
    assert_int_equal(request_path(&s, "/ISAPI/bad-content", &r), HIK_ERR_DEVICE);
    assert_int_equal(r.http_status, 200);
    assert_int_equal(r.status.status_code, 6);
    assert_string_equal(r.status.status_string, "Invalid XML Content");
    assert_string_equal(r.status.sub_status, "badXmlContent");
    assert_string_equal(r.status.request_url, "/ISAPI/bad-content");
    assert_non_null(strstr(r.error, "badXmlContent"));
    hik_reply_free(&r);
    ts_stop(&s);
}

static void test_json_status_403(void **state)
{
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_MD5, camera, NULL));
    hik_reply r;
    assert_int_equal(request_path(&s, "/ISAPI/json-403", &r), HIK_ERR_DEVICE);
    assert_int_equal(r.http_status, 403);
    assert_int_equal(r.status.status_code, 4);
    assert_string_equal(r.status.status_string, "Invalid Operation");
    assert_string_equal(r.status.sub_status, "notSupport");
    assert_int_equal(r.status.error_code, 1073741825L);
    assert_string_equal(r.status.error_msg, "notSupport");
    hik_reply_free(&r);
    ts_stop(&s);
}

static void test_http_statuses_without_response_status(void **state)
{
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_MD5, camera, NULL));
    hik_reply r;
    assert_int_equal(request_path(&s, "/ISAPI/nowhere", &r), HIK_ERR_NOT_FOUND);
    assert_int_equal(r.http_status, 404);
    hik_reply_free(&r);
    assert_int_equal(request_path(&s, "/ISAPI/plain-403", &r), HIK_ERR_FORBIDDEN);
    assert_int_equal(r.status.status_code, 0);
    hik_reply_free(&r);
    assert_int_equal(request_path(&s, "/ISAPI/plain-500", &r), HIK_ERR_HTTP);
    assert_int_equal(r.http_status, 500);
    assert_string_equal(r.error, "HTTP 500");
    hik_reply_free(&r);
    ts_stop(&s);
}

static void test_lock_reports(void **state)
{
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_MD5, camera, NULL));
    hik_reply r;
    /* 401 carrying a userCheck that says "lock": locked, not a bad password */
    assert_int_equal(request_path(&s, "/ISAPI/usercheck-locked", &r), HIK_ERR_LOCKED);
    assert_int_equal(r.http_status, 401);
    hik_reply_free(&r);
    assert_int_equal(request_path(&s, "/ISAPI/json-locked", &r), HIK_ERR_LOCKED);
    hik_reply_free(&r);
    assert_int_equal(request_path(&s, "/ISAPI/usercheck-unlocked", &r), HIK_OK);
    hik_reply_free(&r);
    ts_stop(&s);
}

static void test_reply_over_limit(void **state)
{
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_MD5, camera, NULL));
    hik_isapi_opts o = ts_opts(&s, HIK_AUTH_AUTO);
    o.max_reply = 1024;
    hik_isapi *c = NULL;
    assert_int_equal(hik_isapi_new(&o, &c), HIK_OK);
    hik_reply r;
    assert_int_equal(hik_isapi_request(c, "GET", "/ISAPI/big", NULL, NULL, 0, &r), HIK_ERR_TOO_BIG);
    assert_true(r.len <= 1024);
    hik_reply_free(&r);
    /* Without Content-Length the write callback is what refuses. */
    assert_int_equal(hik_isapi_request(c, "GET", "/ISAPI/big-chunked", NULL, NULL, 0, &r),
                     HIK_ERR_TOO_BIG);
    assert_true(r.len <= 1024);
    hik_reply_free(&r);
    hik_isapi_free(c);
    ts_stop(&s);
}

static void test_reply_at_limit(void **state)
{
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_MD5, camera, NULL));
    hik_isapi_opts o = ts_opts(&s, HIK_AUTH_AUTO);
    o.max_reply = 4096;
    hik_isapi *c = NULL;
    assert_int_equal(hik_isapi_new(&o, &c), HIK_OK);
    hik_reply r;
    assert_int_equal(hik_isapi_request(c, "GET", "/ISAPI/big-chunked", NULL, NULL, 0, &r), HIK_OK);
    assert_int_equal(r.len, 4096);
    hik_reply_free(&r);
    hik_isapi_free(c);
    ts_stop(&s);
}

/* A listening socket nobody accepts on: the kernel completes the TCP
 * handshake, then nothing ever answers. */
static int silent_listener(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(sa);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

static void test_timeout_when_device_never_answers(void **state)
{
    uint16_t port;
    int fd = silent_listener(&port);
    assert_int_equal(listen(fd, 4), 0);
    hik_isapi_opts o = {
        .host = "127.0.0.1", .port = port, .username = "admin", .password = "x", .timeout_ms = 300};
    hik_isapi *c = NULL;
    assert_int_equal(hik_isapi_new(&o, &c), HIK_OK);
    hik_reply r;
    double t0 = ts_now();
    assert_int_equal(hik_isapi_request(c, "GET", "/ISAPI/System/status", NULL, NULL, 0, &r),
                     HIK_ERR_TIMEOUT);
    double elapsed = ts_now() - t0;
    assert_true(elapsed >= 0.25);
    assert_true(elapsed < 2.0);
    assert_int_equal(r.http_status, 0);
    assert_true(r.error[0] != '\0');
    hik_reply_free(&r);
    hik_isapi_free(c);
    close(fd);
}

static void test_connection_refused_is_network(void **state)
{
    uint16_t port;
    int fd = silent_listener(&port); /* bound, not listening: refused */
    hik_isapi_opts o = {.host = "127.0.0.1", .port = port, .username = "admin", .password = "x"};
    hik_isapi *c = NULL;
    assert_int_equal(hik_isapi_new(&o, &c), HIK_OK);
    hik_reply r;
    assert_int_equal(hik_isapi_request(c, "GET", "/ISAPI/System/status", NULL, NULL, 0, &r),
                     HIK_ERR_NETWORK);
    assert_int_equal(r.http_status, 0);
    assert_true(strlen(r.error) > 0); /* curl's own words */
    assert_non_null(r.body);
    assert_int_equal(r.len, 0);
    hik_reply_free(&r);
    hik_isapi_free(c);
    close(fd);
}

static void test_bind_interface(void **state)
{
    ts_server s;
    assert_true(ts_start(&s, TS_AUTH_MD5, camera, NULL));
    hik_isapi_opts o = ts_opts(&s, HIK_AUTH_AUTO);
    o.interface = "127.0.0.1";
    hik_isapi *c = NULL;
    assert_int_equal(hik_isapi_new(&o, &c), HIK_OK);
    get_status_ok(c);
    hik_isapi_free(c);
    /* an address this host does not have cannot be bound */
    o.interface = "192.0.2.1";
    assert_int_equal(hik_isapi_new(&o, &c), HIK_OK);
    hik_reply r;
    assert_int_equal(hik_isapi_request(c, "GET", "/ISAPI/System/status", NULL, NULL, 0, &r),
                     HIK_ERR_NETWORK);
    assert_true(r.error[0] != '\0');
    hik_reply_free(&r);
    hik_isapi_free(c);
    assert_int_equal(ts_count(&s, &s.requests), 2);
    ts_stop(&s);
}

static void test_invalid_arguments(void **state)
{
    hik_isapi *c = NULL;
    hik_isapi_opts o = {.host = "127.0.0.1", .port = 80};
    assert_int_equal(hik_isapi_new(NULL, &c), HIK_ERR_INVALID);
    hik_isapi_opts bad = o;
    bad.host = "";
    assert_int_equal(hik_isapi_new(&bad, &c), HIK_ERR_INVALID);
    bad.host = "evil.example/x?";
    assert_int_equal(hik_isapi_new(&bad, &c), HIK_ERR_INVALID);
    bad = o;
    bad.scheme = "ftp";
    assert_int_equal(hik_isapi_new(&bad, &c), HIK_ERR_INVALID);
    bad = o;
    bad.port = 70000;
    assert_int_equal(hik_isapi_new(&bad, &c), HIK_ERR_INVALID);
    assert_null(c);

    /* https and IPv6 literals are accepted at construction */
    bad = o;
    bad.scheme = "https";
    bad.host = "::1";
    assert_int_equal(hik_isapi_new(&bad, &c), HIK_OK);
    hik_isapi_free(c);

    assert_int_equal(hik_isapi_new(&o, &c), HIK_OK);
    hik_reply r;
    assert_int_equal(hik_isapi_request(c, "GET", "ISAPI/x", NULL, NULL, 0, &r), HIK_ERR_INVALID);
    assert_int_equal(hik_isapi_request(c, "get", "/ISAPI/x", NULL, NULL, 0, &r), HIK_ERR_INVALID);
    assert_int_equal(hik_isapi_request(c, "GET", "/a b", NULL, NULL, 0, &r), HIK_ERR_INVALID);
    assert_int_equal(hik_isapi_request(c, "GET", "/a\r\nX: y", NULL, NULL, 0, &r), HIK_ERR_INVALID);
    assert_int_equal(hik_isapi_request(c, "PUT", "/a", NULL, NULL, 5, &r), HIK_ERR_INVALID);
    hik_reply_free(&r);
    hik_isapi_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digest_md5_as_captured),
        cmocka_unit_test(test_digest_md5_digest_only),
        cmocka_unit_test(test_digest_sha256_only),
        cmocka_unit_test(test_digest_two_challenges_md5_first),
        cmocka_unit_test(test_digest_two_challenges_sha256_first),
        cmocka_unit_test(test_basic_preemptive),
        cmocka_unit_test(test_basic_auto),
        cmocka_unit_test(test_digest_mode_never_sends_basic),
        cmocka_unit_test(test_wrong_password_digest),
        cmocka_unit_test(test_wrong_password_digest_sha256),
        cmocka_unit_test(test_wrong_password_basic),
        cmocka_unit_test(test_password_changed_on_device_md5),
        cmocka_unit_test(test_password_changed_on_device_sha256),
        cmocka_unit_test(test_password_changed_on_device_basic),
        cmocka_unit_test(test_stale_nonce_is_not_a_failure),
        cmocka_unit_test(test_put_body_survives_digest_challenge),
        cmocka_unit_test(test_put_empty_body_sends_content_length_zero),
        cmocka_unit_test(test_connection_reused),
        cmocka_unit_test(test_status_200_with_status_code_6),
        cmocka_unit_test(test_json_status_403),
        cmocka_unit_test(test_http_statuses_without_response_status),
        cmocka_unit_test(test_lock_reports),
        cmocka_unit_test(test_reply_over_limit),
        cmocka_unit_test(test_reply_at_limit),
        cmocka_unit_test(test_timeout_when_device_never_answers),
        cmocka_unit_test(test_connection_refused_is_network),
        cmocka_unit_test(test_bind_interface),
        cmocka_unit_test(test_invalid_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
