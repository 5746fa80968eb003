/* webhook.h: what an incoming provider webhook is, and its durable storage.
 *
 * A webhook_event is everything we keep of one delivery: the raw body bytes
 * (never re-serialised: the signature covers them and the payload column must
 * equal them byte for byte), the headers minus secrets, and the derived
 * identity:
 *   event_type       Cal.com triggerEvent / Retell event
 *   event_id         Cal.com booking uid (payload.uid, flat uid, bookingId);
 *                    Retell call.call_id; else "sha256:<hex of body>"
 *   idempotency_key  "<provider>:<event_type>:<event_id>", so call_started and
 *                    call_ended of one call are two events and a redelivery
 *                    of either is one. Types a provider sends repeatedly for
 *                    one booking with new content (BOOKING_NO_SHOW_UPDATED)
 *                    add ":<16 hex of the body's SHA-256>".
 * All strings are owned by the arena passed to the functions below. */
#ifndef SB_WEBHOOK_H
#define SB_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "db.h"
#include "http.h"
#include "json.h"

typedef struct webhook_event {
    const char *provider;        /* "calcom" | "retell" */
    const char *event_type;
    const char *event_id;
    const char *idempotency_key;
    const char *correlation_id;  /* the request id */
    const char *headers_json;    /* JSON object, signature/cookie/auth headers removed */
    const char *payload;         /* raw body bytes */
    size_t payload_len;
    int64_t received_us;
} webhook_event;

/* Fill type, id and key from the parsed body. Returns 0, or -1 with a
 * message naming the missing/invalid field in err (the caller answers 400). */
int webhook_describe(const char *provider, json_object *root, const char *body, size_t len, arena *a,
                     webhook_event *ev, char *err, size_t errlen);

/* The request headers as a JSON object, without secrets. Arena-owned. */
char *webhook_headers_json(const sb_request *req, arena *a);

enum webhook_store_result {
    WEBHOOK_STORED,      /* new row; *id set */
    WEBHOOK_DUPLICATE,   /* idempotency_key seen before; *id = the first row */
    WEBHOOK_STORE_FAILED /* DB error (see db_error); nothing was stored */
};

/* Insert ev into webhook_events (status pending). The insert is its own
 * autocommitted statement: when this returns WEBHOOK_STORED the row is durable. */
enum webhook_store_result webhook_store(sb_db *db, arena *a, const webhook_event *ev, uint64_t *id);

#endif
