/* sim_sadp.c: the simulator's SADP responder.
 *
 * One thread and one UDP socket on port 37020 (--sadp-port), bound to the
 * wildcard address with SO_REUSEADDR so that several simulators on one
 * host (127.0.0.2, 127.0.0.3, ...) all receive each multicast probe; each
 * joins 239.255.255.250 on the interface of its own listen address. An
 * answer goes back to the prober's address and port, sent from the
 * simulator's listen address (IP_PKTINFO), as a device on that address
 * would.
 *
 * inquiry is answered by every simulator; the other requests only by the
 * one whose MAC they name. update with the admin password records the new
 * network settings (advertised from then on; the simulator keeps listening
 * where it is and /sim/state says both), a wrong password is `denied`.
 * reboot with the password succeeds and is counted; activate fails (the
 * simulator is always activated) and so does resetPassword. */
#include "sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hik/sadp.h"

#define SADP_POLL_MS 200

static pthread_t sadp__thread;
static bool sadp__started;
static int sadp__fd = -1;
static char sadp__boot_time[32];

static void sadp__fail(sim *s, const char *what)
{
    pthread_mutex_lock(&s->st.lock);
    snprintf(s->st.sadp.error, sizeof(s->st.sadp.error), "%s: %s", what, strerror(errno));
    pthread_mutex_unlock(&s->st.lock);
    sim_log(SIM_LOG_WARN, "sadp: %s: %s (SADP off)", what, strerror(errno));
}

/* True when the listen address names no one IPv4 interface (wildcard, or
 * a host name). */
static bool sadp__any(const sim *s)
{
    struct in_addr a;
    return inet_pton(AF_INET, s->cfg.listen_addr, &a) != 1 || a.s_addr == INADDR_ANY;
}

/* The identity this simulator advertises, in answer to probe rq. */
static void sadp__identity(sim *s, const hik_sadp_request *rq, hik_sadp_device *d)
{
    const sim_config *c = &s->cfg;
    memset(d, 0, sizeof(*d));
    snprintf(d->uuid, sizeof(d->uuid), "%s", rq->uuid);
    snprintf(d->types, sizeof(d->types), "%s", hik_sadp_type_name(rq->type));
    snprintf(d->device_type, sizeof(d->device_type), "%s", c->device_type);
    snprintf(d->model, sizeof(d->model), "%s", c->model);
    snprintf(d->serial, sizeof(d->serial), "%s", c->serial);
    snprintf(d->mac, sizeof(d->mac), "%s", c->mac);
    snprintf(d->software_version, sizeof(d->software_version), "%s%s", c->firmware,
             c->firmware_date);
    snprintf(d->dsp_version, sizeof(d->dsp_version), "V7.3 %s", c->firmware_date);
    snprintf(d->boot_time, sizeof(d->boot_time), "%s", sadp__boot_time);
    snprintf(d->ipv6, sizeof(d->ipv6), "::");
    bool nvr = strcmp(c->device_type, "NVR") == 0;
    d->analog_channels = nvr ? 0 : c->channels;
    d->digital_channels = nvr ? c->channels : 0;
    d->activated = true;
    d->sdk_tls_port = 8443;
    pthread_mutex_lock(&s->st.lock);
    const sim_sadp_state *st = &s->st.sadp;
    snprintf(d->ipv4, sizeof(d->ipv4), "%s", st->ipv4);
    snprintf(d->ipv4_mask, sizeof(d->ipv4_mask), "%s", st->ipv4_mask);
    snprintf(d->ipv4_gateway, sizeof(d->ipv4_gateway), "%s", st->ipv4_gateway);
    d->dhcp = st->dhcp;
    d->http_port = st->http_port;
    d->command_port = st->command_port;
    pthread_mutex_unlock(&s->st.lock);
}

/* Apply an update that carried the right password. */
static void sadp__update(sim *s, const hik_sadp_request *rq)
{
    pthread_mutex_lock(&s->st.lock);
    sim_sadp_state *st = &s->st.sadp;
    if (rq->ipv4[0])
        snprintf(st->ipv4, sizeof(st->ipv4), "%s", rq->ipv4);
    if (rq->ipv4_mask[0])
        snprintf(st->ipv4_mask, sizeof(st->ipv4_mask), "%s", rq->ipv4_mask);
    if (rq->ipv4_gateway[0])
        snprintf(st->ipv4_gateway, sizeof(st->ipv4_gateway), "%s", rq->ipv4_gateway);
    if (rq->http_port)
        st->http_port = rq->http_port;
    if (rq->command_port)
        st->command_port = rq->command_port;
    st->dhcp = rq->dhcp;
    st->updates++;
    pthread_mutex_unlock(&s->st.lock);
    sim_log(SIM_LOG_INFO, "sadp: update applied: %s/%s gateway %s dhcp %s (still listening on %s)",
            rq->ipv4, rq->ipv4_mask, rq->ipv4_gateway, rq->dhcp ? "on" : "off", s->cfg.listen_addr);
}

/* What to answer rq with; false when it is not for this device. */
static bool sadp__handle(sim *s, const hik_sadp_request *rq, hik_sadp_device *answer)
{
    char mac[18];
    hik_sadp_mac_normalise(s->cfg.mac, mac);
    if (rq->type != HIK_SADP_INQUIRY && strcmp(rq->mac, mac) != 0)
        return false;
    bool password_ok = strcmp(rq->password, s->cfg.password) == 0;
    hik_sadp_result result = HIK_SADP_RESULT_NONE;
    switch (rq->type) {
    case HIK_SADP_INQUIRY:
        break;
    case HIK_SADP_UPDATE:
        if (password_ok)
            sadp__update(s, rq);
        result = password_ok ? HIK_SADP_RESULT_SUCCESS : HIK_SADP_RESULT_DENIED;
        break;
    case HIK_SADP_REBOOT:
        result = password_ok ? HIK_SADP_RESULT_SUCCESS : HIK_SADP_RESULT_DENIED;
        break;
    case HIK_SADP_ACTIVATE:
    case HIK_SADP_RESET_PASSWORD:
        result = HIK_SADP_RESULT_FAILURE;
        break;
    }
    pthread_mutex_lock(&s->st.lock);
    s->st.sadp.probes += rq->type == HIK_SADP_INQUIRY;
    s->st.sadp.denied += result == HIK_SADP_RESULT_DENIED;
    s->st.sadp.reboots += rq->type == HIK_SADP_REBOOT && password_ok;
    pthread_mutex_unlock(&s->st.lock);
    if (result == HIK_SADP_RESULT_DENIED)
        sim_log(SIM_LOG_INFO, "sadp: %s denied: wrong password", hik_sadp_type_name(rq->type));
    sadp__identity(s, rq, answer);
    answer->result = result;
    return true;
}

/* Send msg to `to` from the listen address. */
static void sadp__send(sim *s, const char *msg, size_t len, const struct sockaddr_in *to)
{
    struct iovec iov = {.iov_base = (void *)msg, .iov_len = len};
    union {
        char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof(ctl));
    struct msghdr mh = {
        .msg_name = (void *)to, .msg_namelen = sizeof(*to), .msg_iov = &iov, .msg_iovlen = 1};
    if (!sadp__any(s)) {
        mh.msg_control = ctl.buf;
        mh.msg_controllen = sizeof(ctl.buf);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = IPPROTO_IP;
        cm->cmsg_type = IP_PKTINFO;
        cm->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
        struct in_pktinfo pi = {0};
        inet_pton(AF_INET, s->cfg.listen_addr, &pi.ipi_spec_dst);
        memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
    }
    if (sendmsg(sadp__fd, &mh, 0) < 0)
        sim_log(SIM_LOG_WARN, "sadp: answer not sent: %s", strerror(errno));
}

static void sadp__datagram(sim *s, const uint8_t *buf, size_t len, const struct sockaddr_in *from)
{
    hik_sadp_request rq;
    hik_sadp_device answer;
    if (hik_sadp_parse_request(buf, len, &rq) != HIK_OK || !rq.uuid[0])
        return; /* our own answers, other devices' answers, noise */
    if (!sadp__handle(s, &rq, &answer))
        return;
    char msg[HIK_SADP_MAX_MSG];
    size_t n = 0;
    if (hik_sadp_build_match(&answer, msg, sizeof(msg), &n) == HIK_OK)
        sadp__send(s, msg, n, from);
}

static void *sadp__main(void *arg)
{
    sim *s = arg;
    static uint8_t buf[HIK_SADP_MAX_MSG + 1];
    while (!atomic_load(&s->stopping)) {
        struct pollfd p = {.fd = sadp__fd, .events = POLLIN};
        if (poll(&p, 1, SADP_POLL_MS) <= 0)
            continue;
        struct sockaddr_in from;
        socklen_t flen = sizeof(from);
        ssize_t n = recvfrom(sadp__fd, buf, sizeof(buf), MSG_TRUNC | MSG_DONTWAIT,
                             (struct sockaddr *)&from, &flen);
        if (n <= 0 || n > HIK_SADP_MAX_MSG || from.sin_family != AF_INET)
            continue; /* errors, empty and oversize datagrams */
        sadp__datagram(s, buf, (size_t)n, &from);
    }
    return NULL;
}

static bool sadp__socket(sim *s)
{
    sadp__fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sadp__fd < 0) {
        sadp__fail(s, "socket");
        return false;
    }
    int on = 1;
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->cfg.sadp_port)};
    struct ip_mreq mreq = {.imr_interface.s_addr = INADDR_ANY};
    inet_pton(AF_INET, HIK_SADP_GROUP, &mreq.imr_multiaddr);
    if (!sadp__any(s))
        inet_pton(AF_INET, s->cfg.listen_addr, &mreq.imr_interface);
    const char *what = NULL;
    if (setsockopt(sadp__fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0)
        what = "SO_REUSEADDR";
    else if (bind(sadp__fd, (struct sockaddr *)&any, sizeof(any)) != 0)
        what = "bind";
    else if (setsockopt(sadp__fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) != 0)
        what = "joining " HIK_SADP_GROUP;
    if (what) {
        sadp__fail(s, what);
        close(sadp__fd);
        sadp__fd = -1;
        return false;
    }
    return true;
}

/* Network settings as a fresh device has them: its own address, a /24
 * around it, and its ISAPI port. */
static void sadp__init_state(sim *s)
{
    sim_sadp_state *st = &s->st.sadp;
    unsigned a = 0, b = 0, c = 0, d = 0;
    const char *addr = sadp__any(s) ? "0.0.0.0" : s->cfg.listen_addr;
    sscanf(addr, "%u.%u.%u.%u", &a, &b, &c, &d);
    snprintf(st->ipv4, sizeof(st->ipv4), "%.15s", addr);
    snprintf(st->ipv4_mask, sizeof(st->ipv4_mask), "255.255.255.0");
    snprintf(st->ipv4_gateway, sizeof(st->ipv4_gateway), "%u.%u.%u.1", a & 255, b & 255, c & 255);
    st->http_port = s->cfg.port;
    st->command_port = 8000;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(sadp__boot_time, sizeof(sadp__boot_time), "%Y-%m-%d %H:%M:%S", &tm);
}

hik_err sim_sadp_start(sim *s)
{
    pthread_mutex_lock(&s->st.lock);
    sadp__init_state(s);
    pthread_mutex_unlock(&s->st.lock);
    if (!sadp__socket(s))
        return HIK_ERR_NETWORK;
    if (pthread_create(&sadp__thread, NULL, sadp__main, s) != 0) {
        sadp__fail(s, "thread");
        close(sadp__fd);
        sadp__fd = -1;
        return HIK_ERR_IO;
    }
    sadp__started = true;
    pthread_mutex_lock(&s->st.lock);
    s->st.sadp.running = true;
    pthread_mutex_unlock(&s->st.lock);
    sim_log(SIM_LOG_INFO, "sadp: answering on UDP port %d (group %s on %s)", s->cfg.sadp_port,
            HIK_SADP_GROUP, sadp__any(s) ? "the default interface" : s->cfg.listen_addr);
    return HIK_OK;
}

void sim_sadp_stop(sim *s)
{
    if (!sadp__started)
        return;
    pthread_join(sadp__thread, NULL); /* the loop sees s->stopping */
    sadp__started = false;
    close(sadp__fd);
    sadp__fd = -1;
}

json_t *sim_sadp_state_json(const sim *s)
{
    const sim_sadp_state *st = &s->st.sadp;
    char listening[96];
    snprintf(listening, sizeof(listening), "%s:%d", s->cfg.listen_addr, s->cfg.port);
    return json_pack("{s:b, s:i, s:s, s:s, s:s, s:s, s:b, s:i, s:i, s:s, s:I, s:I, s:I, s:I}",
                     "enabled", st->running, "port", s->cfg.sadp_port, "error", st->error,
                     "ipv4_address", st->ipv4, "ipv4_subnet_mask", st->ipv4_mask, "ipv4_gateway",
                     st->ipv4_gateway, "dhcp", st->dhcp, "http_port", st->http_port, "command_port",
                     st->command_port, "listening_on", listening, "probes", (json_int_t)st->probes,
                     "updates", (json_int_t)st->updates, "denied", (json_int_t)st->denied,
                     "reboots", (json_int_t)st->reboots);
}
