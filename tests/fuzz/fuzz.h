/* fuzz.h: helpers shared by the fuzz targets in tests/fuzz/ (header-only).
 *
 * Every target defines LLVMFuzzerTestOneInput() over the real lib/ code. The
 * same source is built two ways (see the Makefile): with clang and libFuzzer
 * (`make fuzz`), and with the normal compiler and tests/fuzz/replay.c, which
 * feeds it the committed corpus and regression inputs as a `make test` unit
 * binary. FUZZ_CHECK states a property the input must not break; a broken
 * one aborts, which both builds report as a crash. */
#ifndef SB_FUZZ_H
#define SB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, __LINE__, #cond);          \
            abort();                                                                              \
        }                                                                                         \
    } while (0)

/* A NUL-terminated malloc'd copy of n bytes (C-string APIs see up to the first NUL). */
static inline char *fuzz_cstr(const uint8_t *data, size_t n)
{
    char *s = malloc(n + 1);
    if (!s) abort();
    memcpy(s, data, n);
    s[n] = '\0';
    return s;
}

/* Split the input at the first `sep`: *head gets the bytes before it (a new
 * C string), *tail / *tail_len the rest. Without `sep` the head is everything
 * and the tail empty. The caller frees *head. */
static inline void fuzz_split(const uint8_t *data, size_t size, uint8_t sep, char **head, const uint8_t **tail,
                              size_t *tail_len)
{
    const uint8_t *p = size ? memchr(data, sep, size) : NULL;
    size_t hn = p ? (size_t)(p - data) : size;
    *head = fuzz_cstr(data, hn);
    *tail = p ? p + 1 : data + size;
    *tail_len = p ? size - hn - 1 : 0;
}

#endif
