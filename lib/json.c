/* json.c: strict parsing and dotted-path accessors over json-c (see json.h). */
#include "json.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

json_object *json_parse_strict(const char *s, size_t len, char *err, size_t errlen)
{
    if (len == 0) {
        snprintf(err, errlen, "body is empty, expected a JSON object");
        return NULL;
    }
    json_tokener *tok = json_tokener_new_ex(JSON_MAX_DEPTH);
    if (!tok) abort();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *obj = json_tokener_parse_ex(tok, s, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (jerr == json_tokener_continue) {
        snprintf(err, errlen, "body is not valid JSON: unexpected end of data");
        json_object_put(obj);
        return NULL;
    }
    if (!obj || jerr != json_tokener_success) {
        snprintf(err, errlen, "body is not valid JSON: %s at byte %zu", json_tokener_error_desc(jerr), end);
        json_object_put(obj);
        return NULL;
    }
    for (size_t i = end; i < len; i++) {
        if (!(s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) {
            snprintf(err, errlen, "body is not valid JSON: unexpected data after the value at byte %zu", i);
            json_object_put(obj);
            return NULL;
        }
    }
    return obj;
}

json_object *json_get(json_object *root, const char *path)
{
    json_object *cur = root;
    const char *p = path;
    char seg[128];
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof seg) return NULL;
        memcpy(seg, p, n);
        seg[n] = '\0';
        if (json_object_is_type(cur, json_type_object)) {
            json_object *next = NULL;
            if (!json_object_object_get_ex(cur, seg, &next)) return NULL;
            cur = next;
        } else if (json_object_is_type(cur, json_type_array)) {
            char *endp;
            unsigned long idx = strtoul(seg, &endp, 10);
            if (n == 0 || *endp || idx >= json_object_array_length(cur)) return NULL;
            cur = json_object_array_get_idx(cur, idx);
        } else {
            return NULL;
        }
        p += n;
        if (*p == '.') p++;
    }
    return cur;
}

const char *json_get_str(json_object *root, const char *path)
{
    json_object *o = json_get(root, path);
    return o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
}

char *json_get_scalar_dup(json_object *root, const char *path, arena *a)
{
    json_object *o = json_get(root, path);
    if (!o) return NULL;
    switch (json_object_get_type(o)) {
    case json_type_string:
        return arena_strndup(a, json_object_get_string(o), (size_t)json_object_get_string_len(o));
    case json_type_int:
        return arena_printf(a, "%lld", (long long)json_object_get_int64(o));
    default:
        return NULL;
    }
}

bool json_get_int(json_object *root, const char *path, int64_t *out)
{
    json_object *o = json_get(root, path);
    if (!o) return false;
    if (json_object_is_type(o, json_type_int)) {
        *out = json_object_get_int64(o);
        return true;
    }
    if (json_object_is_type(o, json_type_string)) {
        const char *s = json_object_get_string(o);
        char *end;
        if (!*s) return false;
        long long v = strtoll(s, &end, 10);
        if (*end) return false;
        *out = v;
        return true;
    }
    return false;
}

bool json_get_bool(json_object *root, const char *path, bool *out)
{
    json_object *o = json_get(root, path);
    if (!o || !json_object_is_type(o, json_type_boolean)) return false;
    *out = json_object_get_boolean(o);
    return true;
}

void json_buf_strn(buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    buf_putc(b, '"');
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
                u[4] = hex[c >> 4]; u[5] = hex[c & 15]; u[6] = '\0';
                esc = u;
            } else if (c == '<' || c == '>' || c == '&') {
                /* keeps JSON safe to embed in a <script> block of the dashboard */
                u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
                u[4] = hex[c >> 4]; u[5] = hex[c & 15]; u[6] = '\0';
                esc = u;
            }
        }
        if (esc) {
            buf_append(b, s + start, i - start);
            buf_puts(b, esc);
            start = i + 1;
        }
    }
    buf_append(b, s + start, n - start);
    buf_putc(b, '"');
}

void json_buf_str(buf *b, const char *s)
{
    if (!s) {
        buf_puts(b, "null");
        return;
    }
    json_buf_strn(b, s, strlen(s));
}
