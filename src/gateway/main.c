/* main.c: hikgated start-up and orderly shutdown.
 *
 * Start order follows the data path backwards (store, rules, writer,
 * workers, then the listeners) so nothing is accepted before it can be
 * kept. Shutdown runs forwards: stop accepting events, let the ones in
 * flight commit and be answered, then stop the rest. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include "actions.h"
#include "autoconf.h"
#include "alert_sub.h"
#include "api.h"
#include "auth.h"
#include "bulk.h"
#include "device_ops.h"
#include "devices.h"
#include "gateway.h"
#include "hik/version.h"
#include "ingest.h"
#include "keyrotate.h"
#include "log.h"
#include "retention.h"
#include "rules.h"
#include "tls.h"
#include "writer.h"

#define DRAIN_TIMEOUT_MS 10000

static int wait_for_signal(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int sig = 0;
    sigwait(&set, &sig);
    return sig;
}

static void block_signals(void)
{
    /* Blocked before any thread starts, so every thread inherits the mask
     * and only sigwait() in main sees them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Held while the daemon runs; --rotate-key takes it too. */
static int datadir_lock_fd = -1;

static int start(gw *g)
{
    char err[512] = "";
    if (gw_datadir_lock(g->cfg.data_dir, &datadir_lock_fd, err, sizeof err)) {
        gw_error("%s", err);
        return -1;
    }
    if (gw_keyrotate_interrupted(g->cfg.data_dir)) {
        gw_error("%s/secret.key.old exists: a key rotation was interrupted; run hikgated "
                 "--rotate-key --data-dir %s to settle it",
                 g->cfg.data_dir, g->cfg.data_dir);
        return -1;
    }
    if (gw_store_open(g->cfg.data_dir, g->cfg.sync_full, &g->store, err, sizeof err) ||
        gw_secrets_open(g->cfg.data_dir, &g->secrets, err, sizeof err)) {
        gw_error("%s", err);
        return -1;
    }
    if (gw_devices_new(&g->devices) || gw_rules_new(&g->rules) || gw_config_changed(g)) {
        gw_error("loading the configuration from %s failed", g->store->path);
        return -1;
    }
    if (gw_auth_init(g))
        return -1;
    if (gw_writer_start(g) || gw_actions_start(g) || gw_device_ops_start(g) ||
        gw_retention_start(g)) {
        gw_error("starting the writer and action workers failed");
        return -1;
    }
    if (gw_alert_sub_start(g)) {
        gw_error("starting the alertStream loop failed");
        return -1;
    }
    if (gw_ingest_start(g, err, sizeof err) || gw_api_start(g, err, sizeof err)) {
        gw_error("%s", err);
        return -1;
    }
    gw_info("hikgated %s: ingest on %s://%s%s, API and web UI on %s://%s, data in %s", HIK_VERSION,
            g->cfg.ingest_tls_cert[0] ? "https" : "http", g->cfg.ingest_addr, g->cfg.ingest_path,
            g->cfg.api_tls_cert[0] ? "https" : "http", g->cfg.api_addr, g->cfg.data_dir);
    return 0;
}

static void stop(gw *g)
{
    if (g->ingest && !gw_ingest_drain(g, DRAIN_TIMEOUT_MS)) {
        gw_warn("shutdown: %u event requests still in flight after %d ms", gw_ingest_in_flight(g),
                DRAIN_TIMEOUT_MS);
        /* The writer commits what it holds and resumes those connections
         * before the listener goes away under them. */
        gw_writer_stop(g);
        gw_ingest_drain(g, 2000);
    }
    gw_api_stop(g);
    gw_ingest_stop(g);
    gw_retention_stop(g);
    /* after the listeners (they look its devices up), before the writer
     * (its last events are committed) */
    gw_alert_sub_stop(g);
    gw_writer_stop(g); /* commits whatever is still queued */
    gw_actions_stop(g);
    gw_bulk_stop(g);
    gw_device_ops_stop(g);
    gw_autoconf_stop(g);
    gw_auth_free(g);
    gw_rules_free(g->rules);
    gw_devices_free(g->devices);
    gw_secrets_close(g->secrets);
    gw_store_close(g->store);
    gw_tls_free();
    if (datadir_lock_fd >= 0)
        close(datadir_lock_fd);
    datadir_lock_fd = -1;
}

/* The hosts a generated certificate names: the listeners' addresses. */
static void listen_hosts(const gw_config *cfg, char *out, size_t len)
{
    char api[256] = "", ingest[256] = "";
    int port;
    gw_config_split_addr(cfg->api_addr, api, sizeof api, &port);
    gw_config_split_addr(cfg->ingest_addr, ingest, sizeof ingest, &port);
    snprintf(out, len, "%s,%s%s%s", api, ingest, cfg->tls_hosts[0] ? "," : "", cfg->tls_hosts);
}

/* One-shot commands: 0 done, 1 failed, -1 none asked for. */
static int run_command(gw *g)
{
    char err[512] = "";
    if (g->cfg.generate_tls[0]) {
        char hosts[1100];
        listen_hosts(&g->cfg, hosts, sizeof hosts);
        if (gw_tls_generate(g->cfg.generate_tls, hosts, err, sizeof err)) {
            gw_error("%s", err);
            return 1;
        }
        printf("wrote %s/key.pem and %s/cert.pem (self-signed, for %s)\n", g->cfg.generate_tls,
               g->cfg.generate_tls, hosts);
        return 0;
    }
    if (!g->cfg.rotate_key)
        return -1;
    int fd = -1, n = 0;
    if (gw_datadir_lock(g->cfg.data_dir, &fd, err, sizeof err) ||
        gw_keyrotate(g->cfg.data_dir, &n, err, sizeof err)) {
        gw_error("rotate-key: %s", err);
        if (fd >= 0)
            close(fd);
        return 1;
    }
    close(fd);
    printf("re-sealed %d device password%s under a new %s/secret.key\n", n, n == 1 ? "" : "s",
           g->cfg.data_dir);
    return 0;
}

int main(int argc, char **argv)
{
    static gw g;
    gw_config_defaults(&g.cfg);
    int rc = gw_config_load(&g.cfg, argc, argv);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    gw_log_set_level((gw_log_level)gw_log_level_from_name(g.cfg.log_level));
    rc = run_command(&g);
    if (rc >= 0)
        return rc;
    block_signals();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    xmlInitParser();
    g.started_ms = gw_now_ms();

    rc = start(&g);
    if (rc == 0) {
        int sig = wait_for_signal();
        gw_info("received %s: finishing events in flight, then stopping",
                sig == SIGTERM ? "SIGTERM" : "SIGINT");
    }
    atomic_store(&g.stopping, true);
    stop(&g);
    xmlCleanupParser();
    curl_global_cleanup();
    if (rc == 0)
        gw_info("stopped");
    return rc == 0 ? 0 : 1;
}
