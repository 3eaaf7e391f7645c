/* store.h: the SQLite database under the data directory.
 *
 * One connection, guarded by a mutex: the writer thread holds it for the
 * length of a batch transaction, API handlers for one statement or one
 * short transaction. WAL mode keeps readers and the writer apart on disk.
 * The schema is versioned; a database with a newer schema than this binary
 * knows is refused, never modified. */
#ifndef GW_STORE_H
#define GW_STORE_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "hik/error.h"

#define GW_SCHEMA_VERSION 6

typedef struct gw_store {
    sqlite3 *db;
    pthread_mutex_t lock;
    char path[4096];
} gw_store;

/* Open (create) `<data_dir>/hikgate.db`, run an integrity check and the
 * migrations. sync_full: PRAGMA synchronous=FULL (every commit fsynced)
 * rather than NORMAL. */
hik_err gw_store_open(const char *data_dir, bool sync_full, gw_store **out, char *err,
                      size_t err_len);
void gw_store_close(gw_store *st);

void gw_store_lock(gw_store *st);
void gw_store_unlock(gw_store *st);

/* Helpers for callers that hold the lock. */
/* Run SQL with no result rows; logs and returns HIK_ERR_IO on failure. */
hik_err gw_store_exec(gw_store *st, const char *sql);
/* Prepare; logs and returns NULL on failure. */
sqlite3_stmt *gw_store_prepare(gw_store *st, const char *sql);

/* Wall clock in Unix milliseconds (the unit of every *_ms column). */
int64_t gw_now_ms(void);

#endif
