/* buf.h: growable byte buffer, the one way we build responses, SQL-free
 * text and log lines.
 *
 * A buf owns its heap memory (malloc); buf_free() releases it and
 * buf_reset() empties it while keeping the capacity, so the serve loop
 * reuses one response buffer for every request. data is always
 * NUL-terminated (after buf_init it may be NULL until the first append). */
#ifndef SB_BUF_H
#define SB_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
    char *data;
    size_t len, cap;
} buf;

#define BUF_INIT {NULL, 0, 0}

void buf_init(buf *b);
void buf_free(buf *b);
void buf_reset(buf *b);
void buf_append(buf *b, const void *p, size_t n);
void buf_puts(buf *b, const char *s);
void buf_putc(buf *b, char c);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* data as a C string, never NULL ("" for an empty buffer). Borrowed. */
const char *buf_cstr(const buf *b);

#endif
