/* test_sadp_client.c: lib/sadp_client.c, one scan or one request over UDP,
 * against a scripted responder on 127.0.0.1 that answers the way a LAN
 * full of devices (and noise) would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hik/sadp.h"

typedef enum script {
    SCRIPT_LAN,    /* two devices, one twice, and four datagrams to ignore */
    SCRIPT_MANY,   /* ten different devices */
    SCRIPT_DENY,   /* another device's answer, then ours: denied */
    SCRIPT_SILENT, /* reads the probe, answers nothing */
} script;

typedef struct responder {
    int fd;
    int port;
    script what;
    pthread_t thread;
    hik_sadp_request seen; /* the probe as received */
    hik_err seen_err;
} responder;

static void send_doc(responder *r, const struct sockaddr_in *to, const char *doc, size_t len)
{
    /* runs on the responder thread, where cmocka cannot fail a test: a
     * datagram that does not go out shows as a missing device instead */
    sendto(r->fd, doc, len, 0, (const struct sockaddr *)to, sizeof(*to));
}

static void send_match(responder *r, const struct sockaddr_in *to, const char *uuid,
                       const char *mac, hik_sadp_result result)
{
    hik_sadp_device d = {.http_port = 80, .activated = true, .result = result};
    snprintf(d.uuid, sizeof(d.uuid), "%s", uuid);
    snprintf(d.mac, sizeof(d.mac), "%s", mac);
    snprintf(d.model, sizeof(d.model), "DS-2CD2143G0-I");
    snprintf(d.serial, sizeof(d.serial), "SN-%s", mac);
    snprintf(d.ipv4, sizeof(d.ipv4), "192.0.2.10");
    char doc[HIK_SADP_MAX_MSG];
    size_t len;
    if (hik_sadp_build_match(&d, doc, sizeof(doc), &len) == HIK_OK)
        send_doc(r, to, doc, len);
}

static void answer_lan(responder *r, const struct sockaddr_in *to)
{
    const char *u = r->seen.uuid;
    send_match(r, to, u, "58-50-ed-00-00-01", HIK_SADP_RESULT_NONE);
    send_match(r, to, u, "58:50:ED:00:00:01", HIK_SADP_RESULT_NONE); /* via broadcast too */
    send_match(r, to, u, "58-50-ed-00-00-02", HIK_SADP_RESULT_NONE);
    send_match(r, to, "00000000-0000-4000-8000-000000000000", "58-50-ed-00-00-03",
               HIK_SADP_RESULT_NONE);                                   /* someone else's scan */
    send_match(r, to, u, "58-50-ed-00-00-04", HIK_SADP_RESULT_SUCCESS); /* not an inquiry */
    send_doc(r, to, "\x01\x02garbage", 9);
    static char big[HIK_SADP_MAX_MSG + 100];
    memset(big, ' ', sizeof(big));
    memcpy(big, "<ProbeMatch>", 12);
    send_doc(r, to, big, sizeof(big));
}

static void *responder_main(void *arg)
{
    responder *r = arg;
    struct pollfd p = {.fd = r->fd, .events = POLLIN};
    if (poll(&p, 1, 3000) != 1)
        return NULL;
    char buf[HIK_SADP_MAX_MSG + 1];
    struct sockaddr_in from;
    socklen_t flen = sizeof(from);
    ssize_t n = recvfrom(r->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
    if (n <= 0)
        return NULL;
    r->seen_err = hik_sadp_parse_request((const uint8_t *)buf, (size_t)n, &r->seen);
    char mac[18];
    switch (r->what) {
    case SCRIPT_LAN:
        answer_lan(r, &from);
        break;
    case SCRIPT_MANY:
        for (int i = 0; i < 10; i++) {
            snprintf(mac, sizeof(mac), "58-50-ed-00-01-%02d", i);
            send_match(r, &from, r->seen.uuid, mac, HIK_SADP_RESULT_NONE);
        }
        break;
    case SCRIPT_DENY:
        send_match(r, &from, r->seen.uuid, "58-50-ed-00-00-09", HIK_SADP_RESULT_SUCCESS);
        send_match(r, &from, r->seen.uuid, r->seen.mac, HIK_SADP_RESULT_DENIED);
        break;
    case SCRIPT_SILENT:
        break;
    }
    return NULL;
}

static void responder_start(responder *r, script what)
{
    memset(r, 0, sizeof(*r));
    r->what = what;
    r->fd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(r->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(r->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t alen = sizeof(a);
    assert_int_equal(getsockname(r->fd, (struct sockaddr *)&a, &alen), 0);
    r->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&r->thread, NULL, responder_main, r), 0);
}

static void responder_stop(responder *r)
{
    pthread_join(r->thread, NULL);
    close(r->fd);
}

static hik_sadp_opts loopback_opts(const responder *r, int timeout_ms)
{
    hik_sadp_opts o = {.targets = {"127.0.0.1"},
                       .n_targets = 1,
                       .interface = "127.0.0.1",
                       .port = r->port,
                       .timeout_ms = timeout_ms};
    return o;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_scan_lists_each_device_once(void **state)
{
    responder r;
    responder_start(&r, SCRIPT_LAN);
    hik_sadp_opts o = loopback_opts(&r, 400);
    hik_sadp_scan scan;
    int64_t t0 = now_ms();
    assert_int_equal(hik_sadp_scan_run(&o, &scan), HIK_OK);
    int64_t took = now_ms() - t0;
    responder_stop(&r);
    assert_int_equal(r.seen_err, HIK_OK);
    assert_int_equal(r.seen.type, HIK_SADP_INQUIRY);
    assert_int_equal(strlen(r.seen.uuid), 36);
    assert_int_equal(scan.n, 2);
    assert_string_equal(scan.devices[0].mac, "58:50:ed:00:00:01");
    assert_string_equal(scan.devices[1].mac, "58:50:ed:00:00:02");
    assert_string_equal(scan.devices[0].model, "DS-2CD2143G0-I");
    assert_int_equal(scan.duplicates, 1);
    assert_int_equal(scan.ignored, 4); /* foreign Uuid, Result, garbage, oversize */
    assert_int_equal(scan.dropped, 0);
    assert_true(took >= 390 && took < 2000); /* collects for the whole window, no longer */
    hik_sadp_scan_free(&scan);
}

static void test_scan_is_bounded(void **state)
{
    responder r;
    responder_start(&r, SCRIPT_MANY);
    hik_sadp_opts o = loopback_opts(&r, 300);
    o.max_devices = 3;
    hik_sadp_scan scan;
    assert_int_equal(hik_sadp_scan_run(&o, &scan), HIK_OK);
    responder_stop(&r);
    assert_int_equal(scan.n, 3);
    assert_int_equal(scan.dropped, 7);
    hik_sadp_scan_free(&scan);
}

static void test_request_gets_the_addressed_answer(void **state)
{
    responder r;
    responder_start(&r, SCRIPT_DENY);
    hik_sadp_opts o = loopback_opts(&r, 2000);
    hik_sadp_request rq = {.type = HIK_SADP_UPDATE,
                           .mac = "58:50:ed:00:00:07",
                           .password = "wrong",
                           .ipv4 = "192.0.2.70"};
    hik_sadp_device answer;
    assert_int_equal(hik_sadp_request_send(&o, &rq, &answer), HIK_OK);
    responder_stop(&r);
    assert_int_equal(r.seen.type, HIK_SADP_UPDATE);
    assert_string_equal(r.seen.password, "wrong");
    assert_string_equal(r.seen.ipv4, "192.0.2.70");
    assert_string_equal(answer.mac, "58:50:ed:00:00:07");
    assert_string_equal(answer.uuid, r.seen.uuid);
    assert_int_equal(answer.result, HIK_SADP_RESULT_DENIED);
}

static void test_request_times_out(void **state)
{
    responder r;
    responder_start(&r, SCRIPT_SILENT);
    hik_sadp_opts o = loopback_opts(&r, 300);
    hik_sadp_request rq = {.type = HIK_SADP_REBOOT, .mac = "58:50:ed:00:00:07", .password = "pw"};
    hik_sadp_device answer;
    int64_t t0 = now_ms();
    assert_int_equal(hik_sadp_request_send(&o, &rq, &answer), HIK_ERR_TIMEOUT);
    assert_true(now_ms() - t0 < 2000);
    responder_stop(&r);
    assert_int_equal(r.seen.type, HIK_SADP_REBOOT);
}

static void test_bad_options_refused(void **state)
{
    hik_sadp_scan scan;
    hik_sadp_opts o = {.targets = {"not-an-address"}, .n_targets = 1};
    assert_int_equal(hik_sadp_scan_run(&o, &scan), HIK_ERR_INVALID);
    hik_sadp_opts t = {
        .targets = {"127.0.0.1"}, .n_targets = 1, .timeout_ms = HIK_SADP_MAX_TIMEOUT_MS + 1};
    assert_int_equal(hik_sadp_scan_run(&t, &scan), HIK_ERR_INVALID);
    hik_sadp_opts i = {.targets = {"127.0.0.1"}, .n_targets = 1, .interface = "eth0"};
    assert_int_equal(hik_sadp_scan_run(&i, &scan), HIK_ERR_INVALID);
    hik_sadp_opts m = {
        .targets = {"127.0.0.1"}, .n_targets = 1, .max_devices = HIK_SADP_MAX_DEVICES + 1};
    assert_int_equal(hik_sadp_scan_run(&m, &scan), HIK_ERR_INVALID);
    hik_sadp_device answer;
    hik_sadp_request inquiry = {.type = HIK_SADP_INQUIRY};
    assert_int_equal(hik_sadp_request_send(&m, &inquiry, &answer), HIK_ERR_INVALID);
    hik_sadp_request nomac = {.type = HIK_SADP_UPDATE};
    hik_sadp_opts ok = {.targets = {"127.0.0.1"}, .n_targets = 1};
    assert_int_equal(hik_sadp_request_send(&ok, &nomac, &answer), HIK_ERR_INVALID);
    hik_sadp_scan_free(&scan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_lists_each_device_once),
        cmocka_unit_test(test_scan_is_bounded),
        cmocka_unit_test(test_request_gets_the_addressed_answer),
        cmocka_unit_test(test_request_times_out),
        cmocka_unit_test(test_bad_options_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
