/* keyrotate.c: re-sealing the device passwords under a new secret.key.
 *
 * A suspected leak of secret.key (a backup copied off the host, a departed
 * administrator) is answered by a new key; the passwords themselves are
 * unchanged, but every copy of the old key becomes useless against the
 * database from now on.
 *
 * The order of steps keeps a readable pair (key, database) on disk at every
 * moment:
 *   1. write the new key to secret.key.new;
 *   2. in one transaction, re-seal every password with it;
 *   3. hard-link secret.key to secret.key.old, rename secret.key.new over
 *      secret.key;
 *   4. COMMIT; on failure put secret.key.old back;
 *   5. remove secret.key.old.
 * A crash between 3 and 5 leaves secret.key.old behind; the daemon then
 * refuses to start and the next --rotate-key first finds out which of the
 * two keys opens the database and settles on it. */
#include "keyrotate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "secrets.h"
#include "store.h"

#define PATH_LEN 4096

hik_err gw_datadir_lock(const char *data_dir, int *fd, char *err, size_t err_len)
{
    *fd = -1;
    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, err_len, "mkdir %s: %s", data_dir, strerror(errno));
        return HIK_ERR_IO;
    }
    char path[PATH_LEN];
    snprintf(path, sizeof path, "%s/hikgated.lock", data_dir);
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (f < 0) {
        snprintf(err, err_len, "open %s: %s", path, strerror(errno));
        return HIK_ERR_IO;
    }
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(f);
        if (e == EWOULDBLOCK) {
            snprintf(err, err_len, "%s is in use by a running hikgated (lock %s)", data_dir, path);
            return HIK_ERR_LOCKED;
        }
        snprintf(err, err_len, "lock %s: %s", path, strerror(e));
        return HIK_ERR_IO;
    }
    *fd = f;
    return HIK_OK;
}

static void rot__path(char *out, const char *dir, const char *name)
{
    snprintf(out, PATH_LEN, "%s/%s", dir, name);
}

bool gw_keyrotate_interrupted(const char *data_dir)
{
    char path[PATH_LEN];
    rot__path(path, data_dir, "secret.key.old");
    return access(path, F_OK) == 0;
}

static void rot__sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Does key open every sealed password in the database? */
static bool rot__opens_all(gw_store *st, gw_secrets *key)
{
    sqlite3_stmt *s = gw_store_prepare(st, "SELECT password FROM devices");
    bool ok = s != NULL;
    while (ok && sqlite3_step(s) == SQLITE_ROW) {
        char *plain = NULL;
        ok = gw_secrets_unseal(key, (const char *)sqlite3_column_text(s, 0), &plain) == HIK_OK;
        gw_secrets_free(plain);
    }
    sqlite3_finalize(s);
    return ok;
}

/* secret.key.old exists: keep whichever of the two keys opens the data. */
static hik_err rot__settle(const char *dir, gw_store *st, char *err, size_t err_len)
{
    char cur[PATH_LEN], old[PATH_LEN];
    rot__path(cur, dir, "secret.key");
    rot__path(old, dir, "secret.key.old");
    gw_secrets *kc = NULL, *ko = NULL;
    char e2[256];
    gw_secrets_open_path(cur, false, &kc, e2, sizeof e2);
    gw_secrets_open_path(old, false, &ko, e2, sizeof e2);
    hik_err res = HIK_OK;
    if (kc && rot__opens_all(st, kc)) {
        gw_info("rotate-key: the interrupted rotation had committed; removing secret.key.old");
        unlink(old);
    } else if (ko && rot__opens_all(st, ko)) {
        gw_info("rotate-key: the interrupted rotation had not committed; restoring the old key");
        res = rename(old, cur) == 0 ? HIK_OK : HIK_ERR_IO;
        if (res)
            snprintf(err, err_len, "rename %s: %s", old, strerror(errno));
    } else {
        snprintf(err, err_len, "neither secret.key nor secret.key.old opens the stored passwords");
        res = HIK_ERR_IO;
    }
    rot__sync_dir(dir);
    gw_secrets_close(kc);
    gw_secrets_close(ko);
    return res;
}

/* Step 2: every row re-sealed, inside the caller's transaction. */
static hik_err rot__reseal(gw_store *st, gw_secrets *from, gw_secrets *to, int *n, char *err,
                           size_t err_len)
{
    sqlite3_stmt *sel = gw_store_prepare(st, "SELECT id, password FROM devices");
    sqlite3_stmt *upd = gw_store_prepare(st, "UPDATE devices SET password=? WHERE id=?");
    hik_err res = sel && upd ? HIK_OK : HIK_ERR_IO;
    while (!res && sqlite3_step(sel) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(sel, 0);
        char *plain = NULL, *sealed = NULL;
        res = gw_secrets_unseal(from, (const char *)sqlite3_column_text(sel, 1), &plain);
        if (res)
            snprintf(err, err_len, "the password of device %lld does not open with secret.key",
                     (long long)id);
        if (!res)
            res = gw_secrets_seal(to, plain, &sealed);
        gw_secrets_free(plain);
        if (!res) {
            sqlite3_reset(upd);
            sqlite3_bind_text(upd, 1, sealed, -1, SQLITE_STATIC);
            sqlite3_bind_int64(upd, 2, id);
            if (sqlite3_step(upd) != SQLITE_DONE) {
                snprintf(err, err_len, "updating device %lld failed", (long long)id);
                res = HIK_ERR_IO;
            }
            (*n)++;
        }
        free(sealed);
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    return res;
}

/* Steps 3 and 4: swap the key files around the commit. */
static hik_err rot__swap_and_commit(const char *dir, gw_store *st, char *err, size_t err_len)
{
    char cur[PATH_LEN], old[PATH_LEN], nw[PATH_LEN];
    rot__path(cur, dir, "secret.key");
    rot__path(old, dir, "secret.key.old");
    rot__path(nw, dir, "secret.key.new");
    if (link(cur, old) != 0 || rename(nw, cur) != 0) {
        snprintf(err, err_len, "installing the new key in %s failed: %s", dir, strerror(errno));
        unlink(old);
        return HIK_ERR_IO;
    }
    rot__sync_dir(dir);
    if (gw_store_exec(st, "COMMIT")) {
        rename(old, cur);
        rot__sync_dir(dir);
        snprintf(err, err_len, "commit failed; the old key is back in place");
        return HIK_ERR_IO;
    }
    unlink(old);
    rot__sync_dir(dir);
    return HIK_OK;
}

hik_err gw_keyrotate(const char *data_dir, int *n_devices, char *err, size_t err_len)
{
    *n_devices = 0;
    char cur[PATH_LEN], nw[PATH_LEN];
    rot__path(cur, data_dir, "secret.key");
    rot__path(nw, data_dir, "secret.key.new");
    char db[PATH_LEN];
    rot__path(db, data_dir, "hikgate.db");
    if (access(db, F_OK) != 0 || (access(cur, F_OK) != 0 && !gw_keyrotate_interrupted(data_dir))) {
        snprintf(err, err_len, "no hikgate.db and secret.key in %s: nothing to rotate", data_dir);
        return HIK_ERR_NOT_FOUND;
    }
    gw_store *st = NULL;
    gw_secrets *from = NULL, *to = NULL;
    hik_err res = gw_store_open(data_dir, true, &st, err, err_len);
    if (!res && gw_keyrotate_interrupted(data_dir))
        res = rot__settle(data_dir, st, err, err_len);
    if (!res)
        res = gw_secrets_open_path(cur, false, &from, err, err_len);
    if (!res) {
        unlink(nw); /* a leftover of a run that failed before step 3 */
        res = gw_secrets_open_path(nw, true, &to, err, err_len);
    }
    if (!res && gw_store_exec(st, "BEGIN IMMEDIATE")) {
        snprintf(err, err_len, "cannot start a transaction on %s", data_dir);
        res = HIK_ERR_IO;
    } else if (!res) {
        res = rot__reseal(st, from, to, n_devices, err, err_len);
        if (!res)
            res = rot__swap_and_commit(data_dir, st, err, err_len);
        if (res && !sqlite3_get_autocommit(st->db))
            gw_store_exec(st, "ROLLBACK");
    }
    if (res) {
        unlink(nw);
        *n_devices = 0;
    }
    gw_secrets_close(from);
    gw_secrets_close(to);
    gw_store_close(st);
    return res;
}
