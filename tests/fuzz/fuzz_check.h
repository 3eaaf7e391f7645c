/* fuzz_check.h: invariants every parser result must keep, whatever the bytes.
 *
 * The sanitizers catch memory and undefined-behaviour faults; these checks
 * catch the quieter ones: a count past its array, a string that runs off the
 * end of its field, an enum out of range, a pointer that leaves the buffer
 * it must slice, a result that differs between two parses of the same
 * bytes. A broken invariant prints what broke and aborts, which libFuzzer
 * reports as a crash and saves the input. */
#ifndef HIK_FUZZ_CHECK_H
#define HIK_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "hik/error.h"
#include "hik/event.h"
#include "hik/event_parse.h"
#include "hik/multipart.h"

/* Abort with the failed condition, file and line. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fuzz_fail(#cond, __FILE__, __LINE__);                                                  \
    } while (0)

/* How many events a target lets a parser fill: small, so the "more alerts
 * than room" path is reached by ordinary two-alert inputs. */
#define FUZZ_MAX_OUT 2

__attribute__((noreturn)) void fuzz_fail(const char *what, const char *file, int line);

/* `field` of `cap` bytes holds a NUL. */
void fuzz_check_str(const char *field, size_t cap, const char *name);

/* [p, p + n) lies inside [buf, buf + len). */
void fuzz_check_slice(const void *p, size_t n, const uint8_t *buf, size_t len);

/* Everything a parsed event promises; raw and pictures lie inside
 * [buf, buf + len). */
void fuzz_check_event(const hik_event *ev, const uint8_t *buf, size_t len);

/* The outcome of one parse call: error in range, n_out within max_out and
 * zero on error, a diagnostic on error, every event valid. */
void fuzz_check_result(hik_err err, const hik_event *out, size_t max_out, size_t n_out,
                       const hik_parse_diag *diag, const uint8_t *buf, size_t len);

/* Two parses of the same bytes, the second with the ANPR direction
 * reversed, agree on everything but the direction, which is mirrored. */
void fuzz_check_same(hik_err e1, const hik_event *a, size_t na, hik_err e2, const hik_event *b,
                     size_t nb);

/* One multipart part: strings terminated, data inside the body. */
void fuzz_check_part(const hik_part *p, const uint8_t *body, size_t len);

#endif
