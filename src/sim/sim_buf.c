/* sim_buf.c: the capped string builder of sim_buf.h. */
#include "sim_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sim_buf_init(sim_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void sim_buf_free(sim_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

void sim_buf_reset(sim_buf *b)
{
    b->len = 0;
    b->err = HIK_OK;
    if (b->data)
        b->data[0] = '\0';
}

static bool buf__reserve(sim_buf *b, size_t extra)
{
    if (b->err)
        return false;
    if (extra > b->max || b->len + extra > b->max) {
        b->err = HIK_ERR_TOO_BIG;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->err = HIK_ERR_NOMEM;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void sim_buf_add(sim_buf *b, const void *data, size_t len)
{
    if (!buf__reserve(b, len))
        return;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void sim_buf_str(sim_buf *b, const char *s)
{
    sim_buf_add(b, s, strlen(s));
}

static void buf__vprintf(sim_buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0) {
        b->err = HIK_ERR_INVALID;
        return;
    }
    if (!buf__reserve(b, (size_t)n))
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void sim_buf_printf(sim_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf__vprintf(b, fmt, ap);
    va_end(ap);
}

void sim_buf_xml(sim_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            sim_buf_str(b, "&lt;");
            break;
        case '>':
            sim_buf_str(b, "&gt;");
            break;
        case '&':
            sim_buf_str(b, "&amp;");
            break;
        case '"':
            sim_buf_str(b, "&quot;");
            break;
        case '\'':
            sim_buf_str(b, "&apos;");
            break;
        default:
            sim_buf_add(b, s, 1);
        }
    }
}

void sim_buf_elem(sim_buf *b, const char *name, const char *text)
{
    sim_buf_printf(b, "<%s>", name);
    sim_buf_xml(b, text);
    sim_buf_printf(b, "</%s>\r\n", name);
}

void sim_buf_elemf(sim_buf *b, const char *name, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    sim_buf_elem(b, name, text);
}

hik_err sim_buf_err(const sim_buf *b)
{
    return b->err;
}
