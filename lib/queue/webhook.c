/* webhook.c: event identity, header capture and the webhook_events insert (see webhook.h). */
#include "webhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sig.h"

#define MAX_ID_LEN 191

/* printable, no spaces or control characters: these end up in keys, logs and spool headers */
static int token_ok(const char *s)
{
    size_t n = 0;
    for (; *s; s++, n++)
        if ((unsigned char)*s <= ' ' || *s == 0x7f) return 0;
    return n > 0 && n <= MAX_ID_LEN;
}

/* Event types a provider sends more than once per booking/call with different content. */
static int event_repeats(const char *provider, const char *type)
{
    static const char *const REPEATING[][2] = {
        {"calcom", "BOOKING_NO_SHOW_UPDATED"},
        {"calcom", "BOOKING.UPDATED"},
        {"retell", "transcript_updated"},
    };
    for (size_t i = 0; i < sizeof REPEATING / sizeof *REPEATING; i++)
        if (!strcmp(REPEATING[i][0], provider) && !strcmp(REPEATING[i][1], type)) return 1;
    return 0;
}

int webhook_describe(const char *provider, json_object *root, const char *body, size_t len, arena *a,
                     webhook_event *ev, char *err, size_t errlen)
{
    if (!json_object_is_type(root, json_type_object)) {
        snprintf(err, errlen, "body must be a JSON object");
        return -1;
    }
    const char *type_field, *type = NULL;
    char *id = NULL;
    if (strcmp(provider, "calcom") == 0) {
        type_field = "triggerEvent";
        type = json_get_str(root, "triggerEvent");
        /* MEETING_* deliveries can be flat (no payload wrapper): PROVENANCE §2 */
        static const char *const paths[] = {"payload.uid", "uid", "payload.bookingId", "bookingId", "payload.id"};
        for (size_t i = 0; i < sizeof paths / sizeof *paths && !id; i++) id = json_get_scalar_dup(root, paths[i], a);
    } else {
        type_field = "event";
        type = json_get_str(root, "event");
        if (!type) {
            type_field = "event or event_type";
            type = json_get_str(root, "event_type");
        }
        id = json_get_scalar_dup(root, "call.call_id", a);
    }
    if (!type || !*type) {
        snprintf(err, errlen, "missing required field \"%s\" (a string naming the event)", type_field);
        return -1;
    }
    if (!token_ok(type)) {
        snprintf(err, errlen, "field \"%s\" must be a name without spaces, at most %d characters", type_field,
                 MAX_ID_LEN);
        return -1;
    }
    if (id && !token_ok(id)) id = NULL; /* unusable id: identify the delivery by its bytes instead */
    if (!id) {
        char hex[65];
        sig_sha256_hex(body, len, hex);
        id = arena_printf(a, "sha256:%s", hex);
    }
    ev->provider = provider;
    ev->event_type = arena_strdup(a, type);
    ev->event_id = id;
    char *key = arena_printf(a, "%s:%s:%s", provider, type, id);
    if (event_repeats(provider, type)) {
        /* legitimately sent again for the same booking with other content (no-show marked, then
         * unmarked): the body tells two such events apart, while a retry resends identical bytes */
        char hex[65];
        sig_sha256_hex(body, len, hex);
        key = arena_printf(a, "%s:%.16s", key, hex);
    }
    if (strlen(key) > 255) { /* the column is varchar(255): keep it unique, not truncated */
        char hex[65];
        sig_sha256_hex(key, strlen(key), hex);
        key = arena_printf(a, "%s:sha256:%s", provider, hex);
    }
    ev->idempotency_key = key;
    ev->payload = body;
    ev->payload_len = len;
    return 0;
}

static int secret_header(const char *name)
{
    static const char *const drop[] = {"authorization", "proxy-authorization", "cookie", "set-cookie",
                                       "x-cal-signature-256", "cal-signature-256", "x-cal-signature",
                                       "cal-signature", "x-retell-signature", "x-retell-function-signature",
                                       "x-api-key"};
    for (size_t i = 0; i < sizeof drop / sizeof *drop; i++)
        if (strcmp(name, drop[i]) == 0) return 1;
    return 0;
}

char *webhook_headers_json(const sb_request *req, arena *a)
{
    buf b = BUF_INIT;
    buf_putc(&b, '{');
    int first = 1;
    for (size_t i = 0; i < req->nheaders; i++) {
        if (secret_header(req->headers[i].name)) continue;
        if (!first) buf_putc(&b, ',');
        first = 0;
        json_buf_str(&b, req->headers[i].name);
        buf_putc(&b, ':');
        json_buf_str(&b, req->headers[i].value);
    }
    buf_putc(&b, '}');
    char *out = arena_strndup(a, buf_cstr(&b), b.len);
    buf_free(&b);
    return out;
}

enum webhook_store_result webhook_store(sb_db *db, arena *a, const webhook_event *ev, uint64_t *id)
{
    static const char *const INSERT =
        "INSERT INTO webhook_events (provider, event_type, event_id, idempotency_key, payload, headers,"
        " status, retry_count, correlation_id, received_at, queued_at, next_attempt_at, attempts,"
        " created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, FROM_UNIXTIME(? DIV 1000000),"
        " FROM_UNIXTIME(? / 1000000), NOW(3), 0, NOW(), NOW())";
    db_param p[] = {
        db_str(ev->provider), db_str(ev->event_type), db_str(ev->event_id), db_str(ev->idempotency_key),
        db_strn(ev->payload, ev->payload_len), db_str(ev->headers_json), db_str(ev->correlation_id),
        db_int(ev->received_us), db_int(ev->received_us),
    };
    if (db_exec(db, INSERT, p, sizeof p / sizeof *p, id, NULL) == 0) return WEBHOOK_STORED;
    if (!db_error_is_duplicate(db)) return WEBHOOK_STORE_FAILED;
    static const char *const FIRST = "SELECT id FROM webhook_events WHERE idempotency_key = ?";
    db_param k = db_str(ev->idempotency_key);
    db_rows rows;
    if (db_query(db, a, FIRST, &k, 1, &rows) != 0 || rows.nrows == 0) return WEBHOOK_STORE_FAILED;
    *id = strtoull(db_cell(&rows, 0, 0), NULL, 10);
    return WEBHOOK_DUPLICATE;
}
