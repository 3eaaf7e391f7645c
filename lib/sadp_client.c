/* sadp_client.c: one SADP exchange over UDP: a scan, or a request to one
 * device, each bounded in time and in what it keeps.
 *
 * One socket per exchange, bound to the chosen local address on a free
 * port: devices answer to the probe's source address and port, so the
 * answers come back on the same socket. The probe goes to every target
 * (multicast group, broadcast, or any unicast address a test aims at);
 * multicast leaves through the chosen interface (IP_MULTICAST_IF) with a
 * TTL of 1, since SADP is a link-local protocol. Answers are matched to
 * our probe by its random Uuid, which also keeps two scans running at once
 * from mixing their results. */
#include "hik/sadp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SADP_DEFAULT_TIMEOUT_MS 2000

static int64_t sadp_client__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool sadp_client__any(const char *addr)
{
    return !addr || !*addr || strcmp(addr, "0.0.0.0") == 0;
}

static hik_err sadp_client__check(const hik_sadp_opts *o)
{
    struct in_addr a;
    if (!o || o->n_targets > HIK_SADP_MAX_TARGETS || o->port < 0 || o->port > 65535 ||
        o->timeout_ms < 0 || o->timeout_ms > HIK_SADP_MAX_TIMEOUT_MS ||
        o->max_devices > HIK_SADP_MAX_DEVICES)
        return HIK_ERR_INVALID;
    if (!sadp_client__any(o->interface) && inet_pton(AF_INET, o->interface, &a) != 1)
        return HIK_ERR_INVALID;
    for (size_t i = 0; i < o->n_targets; i++)
        if (!o->targets[i] || inet_pton(AF_INET, o->targets[i], &a) != 1)
            return HIK_ERR_INVALID;
    return HIK_OK;
}

/* A UDP socket bound to the interface address, ready to multicast and
 * broadcast from it; -1 on failure. */
static int sadp_client__socket(const hik_sadp_opts *o)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in local = {.sin_family = AF_INET};
    if (!sadp_client__any(o->interface))
        inet_pton(AF_INET, o->interface, &local.sin_addr);
    int on = 1;
    unsigned char ttl = 1, loop = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)) != 0 ||
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) != 0 ||
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop)) != 0 ||
        (local.sin_addr.s_addr != INADDR_ANY &&
         setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &local.sin_addr, sizeof(local.sin_addr)) !=
             0) ||
        bind(fd, (struct sockaddr *)&local, sizeof(local)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Send msg to every target; returns how many sends failed, *sent how many
 * went out. */
static size_t sadp_client__send(int fd, const hik_sadp_opts *o, const char *msg, size_t len,
                                size_t *sent)
{
    static const char *const defaults[] = {HIK_SADP_GROUP, HIK_SADP_BROADCAST};
    const char *const *targets = o->n_targets ? o->targets : defaults;
    size_t n = o->n_targets ? o->n_targets : 2, failed = 0;
    *sent = 0;
    for (size_t i = 0; i < n; i++) {
        struct sockaddr_in to = {.sin_family = AF_INET,
                                 .sin_port = htons((uint16_t)(o->port ? o->port : HIK_SADP_PORT))};
        inet_pton(AF_INET, targets[i], &to.sin_addr);
        if (sendto(fd, msg, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len)
            (*sent)++;
        else
            failed++;
    }
    return failed;
}

/* Wait until a datagram arrives or the deadline passes. Returns its
 * length, 0 at the deadline, -1 on a socket error. A datagram larger than
 * HIK_SADP_MAX_MSG is reported as HIK_SADP_MAX_MSG + 1 bytes. */
static ssize_t sadp_client__recv(int fd, int64_t deadline, uint8_t *buf, size_t cap)
{
    for (;;) {
        int64_t left = deadline - sadp_client__now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int rc = poll(&p, 1, (int)left);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            return -1;
        if (rc == 0)
            return 0;
        ssize_t n = recv(fd, buf, cap, MSG_TRUNC | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n < 0 && errno == ECONNREFUSED) /* an ICMP error from a unicast target */
            continue;
        if (n < 0)
            return -1;
        if (n > 0)
            return n > (ssize_t)HIK_SADP_MAX_MSG ? (ssize_t)HIK_SADP_MAX_MSG + 1 : n;
    }
}

/* Socket, probe built and sent. Returns the socket or -1 with *err set. */
static int sadp_client__start(const hik_sadp_opts *o, const hik_sadp_request *rq, size_t *failed,
                              hik_err *err)
{
    char msg[HIK_SADP_MAX_MSG];
    size_t len = 0, sent = 0;
    *err = hik_sadp_build_request(rq, msg, sizeof(msg), &len);
    if (*err)
        return -1;
    int fd = sadp_client__socket(o);
    if (fd < 0) {
        *err = HIK_ERR_NETWORK;
        return -1;
    }
    *failed = sadp_client__send(fd, o, msg, len, &sent);
    if (sent == 0) {
        close(fd);
        *err = HIK_ERR_NETWORK;
        return -1;
    }
    return fd;
}

static bool sadp_client__same(const hik_sadp_device *a, const hik_sadp_device *b)
{
    if (a->mac[0] || b->mac[0])
        return strcmp(a->mac, b->mac) == 0;
    return strcmp(a->serial, b->serial) == 0 && strcmp(a->ipv4, b->ipv4) == 0;
}

/* Keep d unless it is a duplicate or the list is full. */
static hik_err sadp_client__keep(hik_sadp_scan *s, size_t *cap, size_t max,
                                 const hik_sadp_device *d)
{
    for (size_t i = 0; i < s->n; i++) {
        if (sadp_client__same(&s->devices[i], d)) {
            s->duplicates++;
            return HIK_OK;
        }
    }
    if (s->n == max) {
        s->dropped++;
        return HIK_OK;
    }
    if (s->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        if (ncap > max)
            ncap = max;
        hik_sadp_device *nd = realloc(s->devices, ncap * sizeof(*nd));
        if (!nd)
            return HIK_ERR_NOMEM;
        s->devices = nd;
        *cap = ncap;
    }
    s->devices[s->n++] = *d;
    return HIK_OK;
}

hik_err hik_sadp_scan_run(const hik_sadp_opts *opts, hik_sadp_scan *out)
{
    if (!out)
        return HIK_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    hik_err err = sadp_client__check(opts);
    if (err)
        return err;
    hik_sadp_request rq = {.type = HIK_SADP_INQUIRY};
    if ((err = hik_sadp_uuid(rq.uuid)))
        return err;
    int64_t deadline =
        sadp_client__now_ms() + (opts->timeout_ms ? opts->timeout_ms : SADP_DEFAULT_TIMEOUT_MS);
    int fd = sadp_client__start(opts, &rq, &out->targets_failed, &err);
    if (fd < 0)
        return err;
    size_t max = opts->max_devices ? opts->max_devices : HIK_SADP_MAX_DEVICES, cap = 0;
    uint8_t *buf = malloc(HIK_SADP_MAX_MSG + 1);
    if (!buf) {
        close(fd);
        return HIK_ERR_NOMEM;
    }
    ssize_t n = 0;
    hik_sadp_device d;
    while (!err && (n = sadp_client__recv(fd, deadline, buf, HIK_SADP_MAX_MSG + 1)) > 0) {
        if (hik_sadp_parse_match(buf, (size_t)n, &d) != HIK_OK || strcmp(d.uuid, rq.uuid) != 0 ||
            d.result != HIK_SADP_RESULT_NONE)
            out->ignored++;
        else
            err = sadp_client__keep(out, &cap, max, &d);
    }
    if (!err && n < 0)
        err = HIK_ERR_NETWORK;
    free(buf);
    close(fd);
    return err;
}

void hik_sadp_scan_free(hik_sadp_scan *scan)
{
    if (!scan)
        return;
    free(scan->devices);
    memset(scan, 0, sizeof(*scan));
}

hik_err hik_sadp_request_send(const hik_sadp_opts *opts, const hik_sadp_request *rq,
                              hik_sadp_device *answer)
{
    if (!rq || !answer || rq->type == HIK_SADP_INQUIRY)
        return HIK_ERR_INVALID;
    memset(answer, 0, sizeof(*answer));
    hik_err err = sadp_client__check(opts);
    if (err)
        return err;
    hik_sadp_request mine = *rq;
    char mac[18];
    if (!hik_sadp_mac_normalise(mine.mac, mac))
        return HIK_ERR_INVALID;
    if (!mine.uuid[0] && (err = hik_sadp_uuid(mine.uuid)))
        return err;
    int64_t deadline =
        sadp_client__now_ms() + (opts->timeout_ms ? opts->timeout_ms : SADP_DEFAULT_TIMEOUT_MS);
    size_t failed = 0;
    int fd = sadp_client__start(opts, &mine, &failed, &err);
    if (fd < 0)
        return err;
    uint8_t *buf = malloc(HIK_SADP_MAX_MSG + 1);
    if (!buf) {
        close(fd);
        return HIK_ERR_NOMEM;
    }
    ssize_t n = 0;
    err = HIK_ERR_TIMEOUT;
    while ((n = sadp_client__recv(fd, deadline, buf, HIK_SADP_MAX_MSG + 1)) > 0) {
        hik_sadp_device d;
        if (hik_sadp_parse_match(buf, (size_t)n, &d) == HIK_OK && strcmp(d.uuid, mine.uuid) == 0 &&
            strcmp(d.mac, mac) == 0) {
            *answer = d;
            err = HIK_OK;
            break;
        }
    }
    if (n < 0)
        err = HIK_ERR_NETWORK;
    free(buf);
    close(fd);
    return err;
}
