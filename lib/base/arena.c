/* arena.c: per-request memory pool (see arena.h for ownership rules). */
#include "arena.h"

#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct chunk {
    struct chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

struct arena {
    struct chunk *head;   /* current chunk; older ones follow via next */
    size_t chunk_size;
};

static struct chunk *chunk_new(size_t size)
{
    struct chunk *c = malloc(sizeof *c + size);
    if (!c) abort();
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

arena *arena_new(size_t chunk_size)
{
    arena *a = malloc(sizeof *a);
    if (!a) abort();
    a->chunk_size = chunk_size < 1024 ? 1024 : chunk_size;
    a->head = chunk_new(a->chunk_size);
    return a;
}

void arena_free(arena *a)
{
    if (!a) return;
    for (struct chunk *c = a->head, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(a);
}

void arena_reset(arena *a)
{
    /* keep the oldest chunk of the default size (the one arena_new made; big
     * blocks have sizes of their own), free the rest */
    struct chunk *keep = NULL;
    for (struct chunk *c = a->head; c; c = c->next)
        if (c->size == a->chunk_size) keep = c;
    for (struct chunk *c = a->head, *n; c; c = n) {
        n = c->next;
        if (c != keep) free(c);
    }
    if (!keep) keep = chunk_new(a->chunk_size);
    keep->used = 0;
    keep->next = NULL;
    a->head = keep;
}

void *arena_alloc(arena *a, size_t n)
{
    if (n > SIZE_MAX / 2) abort(); /* a size this large is a bug upstream, never a request */
    n = (n + 15) & ~(size_t)15;
    struct chunk *c = a->head;
    if (c->size - c->used < n) {
        if (n > a->chunk_size / 2) {
            /* big block: own chunk, linked behind the head so the head keeps its free space */
            struct chunk *big = chunk_new(n);
            big->used = n;
            big->next = c->next;
            c->next = big;
            return big->data;
        }
        c = chunk_new(a->chunk_size);
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

void *arena_zalloc(arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_printf(arena *a, const char *fmt, ...)
{
    buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    char *p = arena_strndup(a, buf_cstr(&b), b.len);
    buf_free(&b);
    return p;
}
