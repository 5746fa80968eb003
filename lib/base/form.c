/* form.c: see form.h. */
#include "form.h"

#include <string.h>

static int hexv(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

const char *form_value(const char *s, const char *name, arena *a)
{
    if (!s) return NULL;
    size_t nl = strlen(name);
    for (const char *p = s; *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > nl && !strncmp(p, name, nl) && p[nl] == '=') {
            const char *v = p + nl + 1;
            size_t vl = len - nl - 1;
            char *out = arena_alloc(a, vl + 1), *o = out;
            for (size_t i = 0; i < vl; i++) {
                if (v[i] == '+') *o++ = ' ';
                else if (v[i] == '%' && i + 2 < vl + 1 && hexv(v[i + 1]) >= 0 && hexv(v[i + 2]) >= 0) {
                    *o++ = (char)(hexv(v[i + 1]) << 4 | hexv(v[i + 2]));
                    i += 2;
                } else *o++ = v[i];
            }
            *o = '\0';
            return out;
        }
        if (!amp) break;
        p = amp + 1;
    }
    return NULL;
}

const char *cookie_value(const char *h, const char *name, arena *a)
{
    if (!h) return NULL;
    size_t nl = strlen(name);
    for (const char *p = h; *p;) {
        while (*p == ' ' || *p == ';') p++;
        const char *semi = strchr(p, ';');
        size_t len = semi ? (size_t)(semi - p) : strlen(p);
        if (len > nl && !strncmp(p, name, nl) && p[nl] == '=') return arena_strndup(a, p + nl + 1, len - nl - 1);
        if (!semi) break;
        p = semi + 1;
    }
    return NULL;
}
