/* unit_util.h: small helpers shared by the unit tests (header-only: the
 * Makefile compiles each tests/unit/NAME.c on its own, so everything here is
 * static inline). Tests run from the repository root, so fixture paths are
 * relative to it ("tests/fixtures/calcom/..."). */
#ifndef SB_UNIT_UTIL_H
#define SB_UNIT_UTIL_H

#include <ftw.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CALCOM_FIXTURES "tests/fixtures/calcom"
#define RETELL_FIXTURES "tests/fixtures/retell"

/* The whole file as a malloc'd buffer (NUL-terminated for convenience; the
 * length excludes the NUL). NULL when the file cannot be read. */
static inline char *ut_read_file(const char *path, size_t *len)
{
    if (len) *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0, r;
    char *data = malloc(cap);
    while (data && (r = fread(data + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n - 1 == 0) {
            char *p = realloc(data, cap * 2);
            if (!p) {
                free(data);
                data = NULL;
                break;
            }
            data = p;
            cap *= 2;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!data || bad) {
        free(data);
        return NULL;
    }
    data[n] = '\0';
    if (len) *len = n;
    return data;
}

/* Write exactly len bytes to path (created or truncated). 0 or -1. */
static inline int ut_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(data, 1, len, f);
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}

/* ut_read_file("dir/name"). */
static inline char *ut_read_fixture(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return ut_read_file(path, len);
}

static inline bool ut_contains(const char *hay, const char *needle)
{
    return hay && needle && strstr(hay, needle) != NULL;
}

static inline bool ut_starts_with(const char *s, const char *prefix)
{
    return s && prefix && strncmp(s, prefix, strlen(prefix)) == 0;
}

static inline bool ut_ends_with(const char *s, const char *suffix)
{
    if (!s || !suffix) return false;
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* ASCII upper-case copy of s into out (outlen includes the NUL). */
static inline void ut_upper(const char *s, char *out, size_t outlen)
{
    size_t i = 0;
    for (; s[i] && i + 1 < outlen; i++) out[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 32) : s[i];
    out[i] = '\0';
}

static inline int ut_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* rm -rf path (for mkdtemp scratch directories). */
static inline int ut_rm_tree(const char *path)
{
    return nftw(path, ut_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
