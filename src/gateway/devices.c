/* devices.c: attribution of events to declared devices.
 *
 * Three sorted arrays (by MAC, by serial, by address) answer each lookup in
 * O(log n) under a read lock; a reload builds a fresh table and swaps it in. */
#include "devices.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

typedef struct dev_entry {
    int64_t id;
    bool anpr_reverse;
    char address[256];
    char mac[24];
    char serial[96];
} dev_entry;

typedef struct dev_table {
    size_t n;
    dev_entry *entries;
    dev_entry **by_mac, **by_serial, **by_address;
    size_t n_mac, n_serial, n_address;
} dev_table;

struct gw_devices {
    pthread_rwlock_t lock;
    dev_table *table;
};

static void table__free(dev_table *t)
{
    if (!t)
        return;
    free(t->entries);
    free(t->by_mac);
    free(t->by_serial);
    free(t->by_address);
    free(t);
}

hik_err gw_devices_new(gw_devices **out)
{
    gw_devices *d = calloc(1, sizeof *d);
    if (!d)
        return HIK_ERR_NOMEM;
    pthread_rwlock_init(&d->lock, NULL);
    *out = d;
    return HIK_OK;
}

void gw_devices_free(gw_devices *d)
{
    if (!d)
        return;
    table__free(d->table);
    pthread_rwlock_destroy(&d->lock);
    free(d);
}

static bool mac__usable(const char *mac)
{
    return mac[0] && strcmp(mac, "ff:ff:ff:ff:ff:ff") != 0 &&
           strcmp(mac, "00:00:00:00:00:00") != 0;
}

static int cmp_mac(const void *a, const void *b)
{
    return strcmp((*(dev_entry *const *)a)->mac, (*(dev_entry *const *)b)->mac);
}
static int cmp_serial(const void *a, const void *b)
{
    return strcasecmp((*(dev_entry *const *)a)->serial, (*(dev_entry *const *)b)->serial);
}
static int cmp_address(const void *a, const void *b)
{
    return strcasecmp((*(dev_entry *const *)a)->address, (*(dev_entry *const *)b)->address);
}

static void copy_col(char *dst, size_t len, sqlite3_stmt *stmt, int col)
{
    const unsigned char *v = sqlite3_column_text(stmt, col);
    snprintf(dst, len, "%s", v ? (const char *)v : "");
}

static hik_err table__load(gw_store *st, dev_table *t)
{
    sqlite3_stmt *stmt =
        gw_store_prepare(st, "SELECT id, address, mac, serial, anpr_reverse FROM devices");
    if (!stmt)
        return HIK_ERR_IO;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (t->n == cap) {
            cap = cap ? cap * 2 : 16;
            dev_entry *e = realloc(t->entries, cap * sizeof *e);
            if (!e) {
                sqlite3_finalize(stmt);
                return HIK_ERR_NOMEM;
            }
            t->entries = e;
        }
        dev_entry *e = &t->entries[t->n++];
        memset(e, 0, sizeof *e);
        e->id = sqlite3_column_int64(stmt, 0);
        copy_col(e->address, sizeof e->address, stmt, 1);
        copy_col(e->mac, sizeof e->mac, stmt, 2);
        for (char *p = e->mac; *p; p++)
            *p = (char)tolower((unsigned char)*p == '-' ? ':' : *p);
        copy_col(e->serial, sizeof e->serial, stmt, 3);
        e->anpr_reverse = sqlite3_column_int(stmt, 4) != 0;
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? HIK_OK : HIK_ERR_IO;
}

static hik_err table__index(dev_table *t)
{
    size_t n = t->n ? t->n : 1;
    t->by_mac = malloc(n * sizeof *t->by_mac);
    t->by_serial = malloc(n * sizeof *t->by_serial);
    t->by_address = malloc(n * sizeof *t->by_address);
    if (!t->by_mac || !t->by_serial || !t->by_address)
        return HIK_ERR_NOMEM;
    for (size_t i = 0; i < t->n; i++) {
        dev_entry *e = &t->entries[i];
        if (mac__usable(e->mac))
            t->by_mac[t->n_mac++] = e;
        if (e->serial[0])
            t->by_serial[t->n_serial++] = e;
        t->by_address[t->n_address++] = e;
    }
    qsort(t->by_mac, t->n_mac, sizeof *t->by_mac, cmp_mac);
    qsort(t->by_serial, t->n_serial, sizeof *t->by_serial, cmp_serial);
    qsort(t->by_address, t->n_address, sizeof *t->by_address, cmp_address);
    return HIK_OK;
}

hik_err gw_devices_reload(gw_devices *d, gw_store *st)
{
    dev_table *t = calloc(1, sizeof *t);
    if (!t)
        return HIK_ERR_NOMEM;
    gw_store_lock(st);
    hik_err res = table__load(st, t);
    gw_store_unlock(st);
    if (!res)
        res = table__index(t);
    if (res) {
        table__free(t);
        return res;
    }
    pthread_rwlock_wrlock(&d->lock);
    dev_table *old = d->table;
    d->table = t;
    pthread_rwlock_unlock(&d->lock);
    table__free(old);
    return HIK_OK;
}

static dev_entry *table__find(dev_entry **arr, size_t n, dev_entry *key,
                              int (*cmp)(const void *, const void *))
{
    dev_entry **hit = n ? bsearch(&key, arr, n, sizeof *arr, cmp) : NULL;
    return hit ? *hit : NULL;
}

int64_t gw_devices_attribute(gw_devices *d, const char *source_addr, const hik_event *ev,
                             gw_attribution *how, bool *anpr_reverse)
{
    dev_entry key;
    dev_entry *hit = NULL;
    gw_attribution a = GW_ATTR_NONE;
    *anpr_reverse = false;
    pthread_rwlock_rdlock(&d->lock);
    dev_table *t = d->table;
    if (t && ev && mac__usable(ev->mac)) {
        snprintf(key.mac, sizeof key.mac, "%s", ev->mac);
        if ((hit = table__find(t->by_mac, t->n_mac, &key, cmp_mac)))
            a = GW_ATTR_MAC;
    }
    if (t && !hit && ev && ev->serial[0]) {
        snprintf(key.serial, sizeof key.serial, "%s", ev->serial);
        if ((hit = table__find(t->by_serial, t->n_serial, &key, cmp_serial)))
            a = GW_ATTR_SERIAL;
    }
    if (t && !hit && source_addr && source_addr[0]) {
        snprintf(key.address, sizeof key.address, "%s", source_addr);
        if ((hit = table__find(t->by_address, t->n_address, &key, cmp_address)))
            a = GW_ATTR_ADDRESS;
    }
    if (t && !hit && ev && ev->ip_address[0]) {
        snprintf(key.address, sizeof key.address, "%s", ev->ip_address);
        if ((hit = table__find(t->by_address, t->n_address, &key, cmp_address)))
            a = GW_ATTR_IP_FIELD;
    }
    int64_t id = hit ? hit->id : 0;
    if (hit)
        *anpr_reverse = hit->anpr_reverse;
    pthread_rwlock_unlock(&d->lock);
    *how = a;
    return id;
}

const char *gw_attribution_name(gw_attribution a)
{
    static const char *names[] = {"none", "mac", "serial", "address", "ip_field"};
    return (unsigned)a < 5 ? names[a] : "none";
}
