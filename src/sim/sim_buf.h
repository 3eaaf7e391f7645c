/* sim_buf.h: a growable byte buffer with a hard cap, for building replies
 * and pushed payloads. Appends past the cap (or a failed allocation) mark
 * the buffer failed instead of growing; the caller checks once at the end
 * with sim_buf_err(), which keeps the many small appends readable. */
#ifndef HIK_SIM_BUF_H
#define HIK_SIM_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "hik/error.h"

typedef struct sim_buf {
    char *data; /* always NUL-terminated when not NULL */
    size_t len;
    size_t cap;
    size_t max;
    hik_err err;
} sim_buf;

void sim_buf_init(sim_buf *b, size_t max);
void sim_buf_free(sim_buf *b);
void sim_buf_reset(sim_buf *b);
void sim_buf_add(sim_buf *b, const void *data, size_t len);
void sim_buf_str(sim_buf *b, const char *s);
void sim_buf_printf(sim_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s with XML's five special characters escaped. */
void sim_buf_xml(sim_buf *b, const char *s);
/* <name>escaped text</name> followed by CRLF, as devices write it. */
void sim_buf_elem(sim_buf *b, const char *name, const char *text);
void sim_buf_elemf(sim_buf *b, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
hik_err sim_buf_err(const sim_buf *b);

#endif
