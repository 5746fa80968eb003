/* json.c: strict parsing and dotted-path accessors over json-c (see json.h). */
#include "json.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

/* ---- RFC 8259 validation ---------------------------------------------------
 * json-c's strict mode still accepts single-quoted keys, raw control
 * characters in strings, NaN/Infinity, "1." and overlong or out-of-range
 * UTF-8, all of which MariaDB's json_valid() CHECK (or its utf8mb4 columns)
 * refuse. So the bytes are validated here first, and json-c only builds the
 * tree of input we know MariaDB will store. */

struct jv {
    const unsigned char *s;
    size_t n, i;
    const char *why;
};

/* Length of the valid UTF-8 sequence at s[i] (2..4), or 0. Rejects overlong
 * forms, UTF-16 surrogates and code points above U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n, size_t i, uint32_t *cp)
{
    unsigned char c = s[i];
    size_t len;
    uint32_t v, min;
    if (c >= 0xc2 && c <= 0xdf) { len = 2; v = c & 0x1f; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { len = 3; v = c & 0x0f; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { len = 4; v = c & 0x07; min = 0x10000; }
    else return 0;
    if (i + len > n) return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[i + k] & 0xc0) != 0x80) return 0;
        v = v << 6 | (s[i + k] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
    if (cp) *cp = v;
    return len;
}

static void jv_ws(struct jv *j)
{
    while (j->i < j->n && (j->s[j->i] == ' ' || j->s[j->i] == '\t' || j->s[j->i] == '\n' || j->s[j->i] == '\r'))
        j->i++;
}

static int jv_fail(struct jv *j, const char *why)
{
    j->why = why;
    return -1;
}

static int jv_hex4(struct jv *j, unsigned *out)
{
    if (j->i + 4 > j->n) return jv_fail(j, "truncated \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        unsigned char c = j->s[j->i++];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return jv_fail(j, "invalid \\u escape");
    }
    *out = v;
    return 0;
}

static int jv_string(struct jv *j)
{
    j->i++; /* opening quote */
    while (j->i < j->n) {
        unsigned char c = j->s[j->i];
        if (c == '"') {
            j->i++;
            return 0;
        }
        if (c < 0x20) return jv_fail(j, "control character inside a string (must be escaped)");
        if (c == '\\') {
            if (++j->i >= j->n) break;
            unsigned char e = j->s[j->i++];
            if (e == 'u') {
                unsigned u;
                if (jv_hex4(j, &u)) return -1;
                if (u >= 0xdc00 && u <= 0xdfff) return jv_fail(j, "lone low surrogate \\u escape");
                if (u >= 0xd800 && u <= 0xdbff) {
                    unsigned lo;
                    if (j->i + 2 > j->n || j->s[j->i] != '\\' || j->s[j->i + 1] != 'u')
                        return jv_fail(j, "high surrogate \\u escape without its low half");
                    j->i += 2;
                    if (jv_hex4(j, &lo)) return -1;
                    if (lo < 0xdc00 || lo > 0xdfff) return jv_fail(j, "high surrogate \\u escape without its low half");
                }
            } else if (!strchr("\"\\/bfnrt", e) || !e) {
                return jv_fail(j, "invalid escape in a string");
            }
            continue;
        }
        if (c >= 0x80) {
            size_t l = utf8_len(j->s, j->n, j->i, NULL);
            if (!l) return jv_fail(j, "invalid UTF-8");
            j->i += l;
            continue;
        }
        j->i++;
    }
    return jv_fail(j, "unterminated string");
}

static int jv_digits(struct jv *j)
{
    size_t start = j->i;
    while (j->i < j->n && j->s[j->i] >= '0' && j->s[j->i] <= '9') j->i++;
    return j->i > start ? 0 : jv_fail(j, "malformed number");
}

static int jv_number(struct jv *j)
{
    if (j->s[j->i] == '-') j->i++;
    if (j->i < j->n && j->s[j->i] == '0') j->i++;
    else if (jv_digits(j)) return -1;
    if (j->i < j->n && j->s[j->i] == '.') {
        j->i++;
        if (jv_digits(j)) return -1;
    }
    if (j->i < j->n && (j->s[j->i] == 'e' || j->s[j->i] == 'E')) {
        j->i++;
        if (j->i < j->n && (j->s[j->i] == '+' || j->s[j->i] == '-')) j->i++;
        if (jv_digits(j)) return -1;
    }
    return 0;
}

static int jv_value(struct jv *j, int depth)
{
    jv_ws(j);
    if (j->i >= j->n) return jv_fail(j, "unexpected end of data");
    if (depth > JSON_MAX_DEPTH) return jv_fail(j, "nesting too deep");
    unsigned char c = j->s[j->i];
    if (c == '{' || c == '[') {
        unsigned char close = c == '{' ? '}' : ']';
        j->i++;
        jv_ws(j);
        if (j->i < j->n && j->s[j->i] == close) {
            j->i++;
            return 0;
        }
        for (;;) {
            jv_ws(j);
            if (j->i >= j->n) return jv_fail(j, "unexpected end of data");
            if (c == '{') {
                if (j->i >= j->n || j->s[j->i] != '"') return jv_fail(j, "expected a double-quoted member name");
                if (jv_string(j)) return -1;
                jv_ws(j);
                if (j->i >= j->n || j->s[j->i] != ':') return jv_fail(j, "expected ':' after a member name");
                j->i++;
            }
            if (jv_value(j, depth + 1)) return -1;
            jv_ws(j);
            if (j->i >= j->n) return jv_fail(j, "unexpected end of data");
            if (j->s[j->i] == ',') {
                j->i++;
                continue;
            }
            if (j->s[j->i] == close) {
                j->i++;
                return 0;
            }
            return jv_fail(j, c == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }
    if (c == '"') return jv_string(j);
    if (c == '-' || (c >= '0' && c <= '9')) return jv_number(j);
    static const char *const words[] = {"true", "false", "null"};
    for (size_t k = 0; k < 3; k++) {
        size_t l = strlen(words[k]);
        if (j->n - j->i >= l && memcmp(j->s + j->i, words[k], l) == 0) {
            j->i += l;
            return 0;
        }
    }
    return jv_fail(j, "unexpected character");
}

json_object *json_parse_strict(const char *s, size_t len, char *err, size_t errlen)
{
    if (len == 0) {
        snprintf(err, errlen, "body is empty, expected a JSON object");
        return NULL;
    }
    struct jv j = {(const unsigned char *)s, len, 0, NULL};
    jv_ws(&j);
    if (j.i < len && j.s[j.i] != '{' && j.s[j.i] != '[') {
        snprintf(err, errlen, "body is not valid JSON: expected an object or an array at byte %zu", j.i);
        return NULL;
    }
    if (jv_value(&j, 0) == 0) {
        jv_ws(&j);
        if (j.i < len) j.why = "unexpected data after the value";
    }
    if (j.why) {
        snprintf(err, errlen, "body is not valid JSON: %s at byte %zu", j.why, j.i);
        return NULL;
    }
    json_tokener *tok = json_tokener_new_ex(JSON_MAX_DEPTH + 1);
    if (!tok) abort();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *obj = json_tokener_parse_ex(tok, s, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    json_tokener_free(tok);
    if (!obj || jerr != json_tokener_success) {
        /* validated above, so only a json-c limit can land here */
        snprintf(err, errlen, "body is not valid JSON: %s", json_tokener_error_desc(jerr));
        json_object_put(obj);
        return NULL;
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
        const char *d = *s == '-' ? s + 1 : s;
        if (!*d) return false;
        for (const char *c = d; *c; c++)
            if (*c < '0' || *c > '9') return false;
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno == ERANGE) return false;
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

size_t json_utf8_seq(const char *s, size_t n, size_t i)
{
    return utf8_len((const unsigned char *)s, n, i, NULL);
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
            } else if (c >= 0x80) {
                size_t l = utf8_len((const unsigned char *)s, n, i, NULL);
                if (l) {
                    i += l - 1; /* valid sequence: copied with the run */
                    continue;
                }
                esc = "\ufffd"; /* invalid byte: the output must stay valid UTF-8 */
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

void json_buf_key(buf *b, const char *key)
{
    if (b->len && b->data[b->len - 1] != '{' && b->data[b->len - 1] != '[') buf_putc(b, ',');
    json_buf_str(b, key);
    buf_putc(b, ':');
}
