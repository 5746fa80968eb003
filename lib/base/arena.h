/* arena.h: per-request memory pool.
 *
 * Everything a request allocates (copied FastCGI params, parsed values,
 * strings built for SQL parameters) comes from one arena that the serve loop
 * resets after the response is sent. Nothing allocated here is ever freed
 * individually; arena_reset() keeps the first chunk so a steady stream of
 * requests stops calling malloc altogether. Allocation failure aborts: a
 * worker that cannot get a few KiB is better restarted by multiwatch than
 * limping on with half a request. */
#ifndef SB_ARENA_H
#define SB_ARENA_H

#include <stddef.h>

typedef struct arena arena;

/* New arena whose chunks are at least chunk_size bytes. Caller frees with arena_free(). */
arena *arena_new(size_t chunk_size);
void arena_free(arena *a);
/* Forget every allocation; keeps the first chunk for reuse. */
void arena_reset(arena *a);

/* All returned memory is owned by the arena, 16-byte aligned, valid until reset/free. */
void *arena_alloc(arena *a, size_t n);
void *arena_zalloc(arena *a, size_t n);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
