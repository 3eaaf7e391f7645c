/* keyrotate.h: replacing secret.key, and the data directory's lock.
 *
 * hikgated holds an exclusive lock on <data-dir>/hikgated.lock while it
 * runs; --rotate-key takes the same lock, so a key is never swapped under
 * a running daemon, nor two daemons run on one directory. */
#ifndef GW_KEYROTATE_H
#define GW_KEYROTATE_H

#include <stdbool.h>
#include <stddef.h>

#include "hik/error.h"

/* Take the data directory's lock (creating the directory and lock file as
 * needed). *fd stays open for as long as the lock is held; close it to
 * release. HIK_ERR_LOCKED when another process holds it. */
hik_err gw_datadir_lock(const char *data_dir, int *fd, char *err, size_t err_len);

/* True when <data-dir>/secret.key.old exists: a rotation was interrupted
 * and --rotate-key must run again (it settles which key is current). */
bool gw_keyrotate_interrupted(const char *data_dir);

/* Re-seal every device password under a fresh key in one transaction.
 * The caller holds the data directory's lock. The old key stays as
 * secret.key.old until the commit succeeded. *n_devices gets the number of
 * passwords re-sealed. Nothing changes when any password fails to open. */
hik_err gw_keyrotate(const char *data_dir, int *n_devices, char *err, size_t err_len);

#endif
