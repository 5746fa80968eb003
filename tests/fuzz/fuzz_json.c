/* fuzz_json.c: feeds lib/json.c.
 *
 * Input: JSON bytes, optionally followed by a NUL byte and a dotted path.
 * - json_parse_strict() on the bytes before the NUL; a failure must be our
 *   validator's ("... at byte N"), never json-c refusing what we validated
 *   (that event would be lost with a confusing reason).
 * - on success every value of the tree is reached again through json_get()
 *   with the dotted path built from its keys and indexes (keys without '.'),
 *   and the typed accessors run on it; so do the fuzzed path and the paths
 *   the handlers use.
 * - webhook_describe() (event type, id, idempotency key: every webhook's next
 *   step) for both providers; on success the key is provider:type:id.
 * - json_buf_strn() escapes the raw input: wrapped in [...] the result must
 *   pass json_parse_strict() (the escaper's promise) and decode to the input
 *   itself, but for invalid UTF-8, which becomes U+FFFD. */
#include <json-c/json.h>

#include "json.h"
#include "webhook.h"
#include "fuzz.h"

static const char *const HANDLER_PATHS[] = {
    "triggerEvent", "event", "payload.uid", "uid", "bookingId", "call.call_id", "payload.attendees.0.email",
    "payload.attendees.0.phoneNumber", "payload.responses.phone.value", "call.from_number", "args.date",
    "name", "0", "0.0", "", ".", "..", "payload..uid", "payload.attendees.-1", "payload.attendees.18446744073709551616",
};

static void accessors(json_object *root, const char *path, arena *a)
{
    int64_t i;
    bool b;
    json_object *o = json_get(root, path);
    const char *s = json_get_str(root, path);
    FUZZ_CHECK(!s || (o && json_object_is_type(o, json_type_string)));
    char *d = json_get_scalar_dup(root, path, a);
    FUZZ_CHECK(!d || o);
    if (json_get_int(root, path, &i)) FUZZ_CHECK(o != NULL);
    if (json_get_bool(root, path, &b)) FUZZ_CHECK(o && json_object_is_type(o, json_type_boolean));
}

/* Every node reachable by a dotted path must come back from json_get. */
static void walk(json_object *root, json_object *node, char *path, size_t len, size_t cap, arena *a, int depth)
{
    FUZZ_CHECK(json_get(root, path) == node);
    accessors(root, path, a);
    if (depth > 8) return;
    if (json_object_is_type(node, json_type_object)) {
        json_object_object_foreach(node, key, val) {
            size_t kl = strlen(key);
            if (!kl || kl >= 128 || strchr(key, '.') || len + kl + 2 >= cap) continue;
            /* a key with an embedded NUL ("a\u0000b") is "a" to every C caller: skip */
            json_object *check = NULL;
            if (!json_object_object_get_ex(node, key, &check) || check != val) continue;
            size_t n = len;
            if (n) path[n++] = '.';
            memcpy(path + n, key, kl + 1);
            walk(root, val, path, n + kl, cap, a, depth + 1);
            path[len] = '\0';
        }
    } else if (json_object_is_type(node, json_type_array)) {
        size_t n = json_object_array_length(node);
        for (size_t k = 0; k < n && k < 16; k++) {
            int w = snprintf(path + len, cap - len, "%s%zu", len ? "." : "", k);
            if (w < 0 || (size_t)w >= cap - len) break;
            walk(root, json_object_array_get_idx(node, k), path, len + (size_t)w, cap, a, depth + 1);
            path[len] = '\0';
        }
    }
}

static void describe(json_object *root, const uint8_t *data, size_t len, arena *a)
{
    static const char *const PROVIDERS[] = {"calcom", "retell"};
    for (size_t i = 0; i < 2; i++) {
        webhook_event ev;
        char err[200] = "";
        memset(&ev, 0, sizeof ev);
        if (webhook_describe(PROVIDERS[i], root, (const char *)data, len, a, &ev, err, sizeof err) != 0) {
            FUZZ_CHECK(err[0]);
            continue;
        }
        FUZZ_CHECK(ev.event_type && ev.event_id && ev.idempotency_key);
        const char *want = arena_printf(a, "%s:%s:%s", PROVIDERS[i], ev.event_type, ev.event_id);
        FUZZ_CHECK(!strcmp(ev.idempotency_key, want));
    }
}

static void escaper(const uint8_t *data, size_t size)
{
    buf b = BUF_INIT;
    buf_putc(&b, '[');
    json_buf_strn(&b, (const char *)data, size);
    buf_putc(&b, ']');
    char err[160];
    json_object *o = json_parse_strict(b.data, b.len, err, sizeof err);
    if (!o) fprintf(stderr, "escaped input rejected: %s\n", err);
    FUZZ_CHECK(o != NULL);
    json_object *str = json_object_array_get_idx(o, 0);
    FUZZ_CHECK(json_object_is_type(str, json_type_string));
    const char *back = json_object_get_string(str);
    size_t blen = (size_t)json_object_get_string_len(str);
    static const char FFFD[] = "\xef\xbf\xbd";
    if (!memmem(back, blen, FFFD, 3)) FUZZ_CHECK(blen == size && !memcmp(back, data, size));
    json_object_put(o);
    buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = size ? memchr(data, '\0', size) : NULL;
    size_t jlen = nul ? (size_t)(nul - data) : size;
    char *path = nul ? fuzz_cstr(nul + 1, size - jlen - 1) : NULL;
    char err[160] = "";
    arena *a = arena_new(4096);
    json_object *root = json_parse_strict((const char *)data, jlen, err, sizeof err);
    if (!root) {
        FUZZ_CHECK(err[0]);
        /* only our validator (its reasons name a byte) or the empty body may refuse */
        if (!strstr(err, " at byte ") && strncmp(err, "body is empty", 13)) fprintf(stderr, "json-c refused: %s\n", err);
        FUZZ_CHECK(strstr(err, " at byte ") || !strncmp(err, "body is empty", 13));
    } else {
        char p[1024] = "";
        walk(root, root, p, 0, sizeof p, a, 0);
        for (size_t i = 0; i < sizeof HANDLER_PATHS / sizeof *HANDLER_PATHS; i++) accessors(root, HANDLER_PATHS[i], a);
        if (path) accessors(root, path, a);
        describe(root, data, jlen, a);
        json_object_put(root);
    }
    escaper(data, size);
    arena_free(a);
    free(path);
    return 0;
}
