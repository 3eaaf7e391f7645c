/* sim_tls.c: HTTPS for the simulated device.
 *
 * Real cameras serve ISAPI on 443 with a self-signed certificate; the
 * simulator does the same when given a PEM pair, which lets tests check
 * hikgate's key pinning. The files are read at every listener start so
 * that a restart with other files presents another key, as a camera does
 * after a factory reset or a certificate regeneration. */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#define SIM_TLS_MAX_PEM (256 * 1024)

static char *tls__cert;
static char *tls__key;

static char *tls__read(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        sim_log(SIM_LOG_ERROR, "tls: cannot open %s", path);
        return NULL;
    }
    char *buf = malloc(SIM_TLS_MAX_PEM + 1);
    size_t n = buf ? fread(buf, 1, SIM_TLS_MAX_PEM + 1, f) : 0;
    fclose(f);
    if (!buf || n == 0 || n > SIM_TLS_MAX_PEM) {
        sim_log(SIM_LOG_ERROR, "tls: %s is empty or larger than %d bytes", path, SIM_TLS_MAX_PEM);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

hik_err sim_tls_options(const sim_config *c, struct MHD_OptionItem *items, unsigned *flags)
{
    items[0] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    if (!c->tls_cert[0])
        return HIK_OK;
    free(tls__cert);
    free(tls__key);
    tls__cert = tls__read(c->tls_cert);
    tls__key = tls__read(c->tls_key[0] ? c->tls_key : c->tls_cert);
    if (!tls__cert || !tls__key)
        return HIK_ERR_IO;
    items[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, tls__cert};
    items[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, tls__key};
    items[2] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    *flags |= MHD_USE_TLS;
    return HIK_OK;
}
