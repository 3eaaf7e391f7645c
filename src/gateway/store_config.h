/* store_config.h: reading and writing the configuration tables (devices,
 * actions, triggers, scenarios and their link tables) for the API.
 *
 * Callers hold gw_store_lock() around each call or around a transaction
 * made of several. Rows come back as JSON objects whose keys are the
 * column names (or their SQL aliases), so a SELECT written with the API's
 * field names is already most of the answer. */
#ifndef GW_STORE_CONFIG_H
#define GW_STORE_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* The current row as an object: INTEGER -> integer, REAL -> real, TEXT ->
 * string, NULL -> null; BLOB columns are left out. */
json_t *gw_store_row_json(sqlite3_stmt *stmt);
/* Run `sql` (with `id` bound to ?1 when id > 0) and collect the rows.
 * NULL on a database error. */
json_t *gw_store_rows_json(gw_store *st, const char *sql, int64_t id);
/* The first column of every row of `sql` (?1 = id) as a JSON array of
 * integers. NULL on a database error. */
json_t *gw_store_id_list(gw_store *st, const char *sql, int64_t id);

/* Parse a TEXT column holding JSON: the value, or the text itself as a
 * string when it is not JSON, or null when NULL. */
json_t *gw_store_json_column(sqlite3_stmt *stmt, int col);
/* Replace key `key` of obj (a string holding JSON) by its parsed value. */
void gw_store_parse_json_key(json_t *obj, const char *key);
/* Replace integer key `key` of obj by a boolean. */
void gw_store_bool_key(json_t *obj, const char *key);

/* Which of `ids` has no row in `table` ("devices", "actions", "triggers",
 * "scenarios")? 0 when all exist, -1 on a database error. */
int64_t gw_store_first_missing(gw_store *st, const char *table, const int64_t *ids, size_t n);
/* Does `table` have a row with this id? -1 on a database error. */
int gw_store_exists(gw_store *st, const char *table, int64_t id);

/* What still references a row: `sql` selects (id, name) of referencing
 * rows with ?1 = the id; each becomes {"type": type, "id", "name"} appended
 * to `refs`. HIK_ERR_IO on a database error. */
hik_err gw_store_collect_refs(gw_store *st, const char *sql, int64_t id, const char *type,
                              json_t *refs);

/* Replace the link rows of `owner`: runs del_sql(?1 = owner) then ins_sql
 * (?1 = owner, ?2 = id, ?3 = position) for every id. */
hik_err gw_store_set_links(gw_store *st, const char *del_sql, const char *ins_sql, int64_t owner,
                           const int64_t *ids, size_t n);

/* Did the last failed statement break a UNIQUE constraint? */
bool gw_store_unique_violation(gw_store *st);

/* Transactions for callers holding the lock. */
hik_err gw_store_begin(gw_store *st);
hik_err gw_store_commit(gw_store *st);
void gw_store_rollback(gw_store *st);

#endif
