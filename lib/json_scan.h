/* json_scan.h: private to libhik. A bounded, allocation-free JSON
 * tokenizer for documents that arrive from the network.
 *
 * One pass validates the whole document against RFC 8259 and writes a flat
 * array of tokens that point into the caller's bytes: nothing is copied and
 * nothing is allocated. The caller owns the token array (on its stack or in
 * a thread-local buffer), and its size is the hard cap: a document needing
 * more tokens, or nested deeper than the caller allows, is refused with
 * HIK_ERR_TOO_BIG. Strings stay escaped in place; they are decoded on demand
 * into bounded buffers. Numbers stay text.
 *
 * Layout: token 0 is the root value. A container's children follow it
 * directly; an object's children alternate key, value. Every token knows
 * `next`, the index just past its subtree, so siblings are one step apart:
 *
 *     for (uint32_t k = o + 1; k < d->tok[o].next; k = d->tok[k + 1].next)
 *         key k, value k + 1
 *     for (uint32_t e = a + 1; e < d->tok[a].next; e = d->tok[e].next)
 *         element e
 *
 * Policy beyond the RFC: a duplicate key in one object keeps the first
 * occurrence (later ones carry JSON_TOK_DUP and lookups never return them);
 * "\u0000" is refused, because every consumer turns strings into C strings
 * where an embedded NUL would silently cut a value; a leading UTF-8 byte
 * order mark is skipped (RFC 8259 section 8.1 allows that). */
#ifndef HIK_JSON_SCAN_H
#define HIK_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hik/error.h"

#define JSON_SCAN_DEPTH_LIMIT 256 /* ceiling of any caller's max_depth */

typedef enum json_type {
    JSON_T_OBJECT = 1,
    JSON_T_ARRAY,
    JSON_T_STRING,
    JSON_T_NUMBER,
    JSON_T_TRUE,
    JSON_T_FALSE,
    JSON_T_NULL,
} json_type;

#define JSON_TOK_ESCAPED 0x01 /* string holds at least one backslash escape */
#define JSON_TOK_DUP 0x02     /* object key seen earlier in the same object */

typedef struct json_tok {
    uint32_t start; /* byte offset; for strings, just past the opening quote */
    uint32_t len;   /* bytes; for strings the raw (escaped) text between quotes */
    uint32_t next;  /* index of the first token after this one's subtree */
    uint16_t hash;  /* keys only: hash of the decoded text, for duplicates */
    uint8_t type;   /* json_type */
    uint8_t flags;  /* JSON_TOK_* */
} json_tok;

typedef struct json_doc {
    const char *text;
    size_t len;
    json_tok *tok;
    uint32_t n_tok;
    uint32_t max_tok;
    int max_depth;
    /* Set when json_scan__parse fails. */
    char error[96];
    size_t error_at;  /* byte offset of the fault */
    int error_line;   /* 1-based */
    int error_column; /* 1-based, in bytes */
} json_doc;

/* Scan `text` into `toks` (at most max_toks tokens, containers nested at
 * most max_depth deep, max_depth <= JSON_SCAN_DEPTH_LIMIT). HIK_ERR_PARSE
 * when the text is not one valid JSON value, HIK_ERR_TOO_BIG when it needs
 * more tokens or depth than allowed; d->error then says what and where.
 * The tokens point into `text`, which must outlive d. */
hik_err json_scan__parse(json_doc *d, const uint8_t *text, size_t len, json_tok *toks,
                         size_t max_toks, int max_depth);

/* Value of the first member `key` (key_len bytes, decoded form) of object
 * `obj`, or 0 when absent or `obj` is not an object (0 is the root, never a
 * member). */
uint32_t json_scan__get(const json_doc *d, uint32_t obj, const char *key, size_t key_len);

/* Does string token t decode to exactly the n bytes at s? */
bool json_scan__str_is(const json_doc *d, uint32_t t, const char *s, size_t n);

/* Decode string token t from raw offset *pos into dst, at most cap bytes
 * (cap >= 4), whole code points only; advances *pos. Returns the bytes
 * written; the string is complete when *pos == d->tok[t].len. */
size_t json_scan__unescape(const json_doc *d, uint32_t t, size_t *pos, char *dst, size_t cap);

/* Decode string token t into dst as a C string of at most cap - 1 bytes,
 * cut on a code point boundary. Returns false when it was cut. */
bool json_scan__string(const json_doc *d, uint32_t t, char *dst, size_t cap);

/* Raw text of token t (strings: escaped form without quotes). */
static inline const char *json_scan__raw(const json_doc *d, uint32_t t)
{
    return d->text + d->tok[t].start;
}

#endif
