/* http.h: our own request/response structs, independent of the transport.
 *
 * The FastCGI front end (app/fcgi.c) copies every param and the body into
 * an sb_request whose memory belongs to req->pool (the per-request arena),
 * so handlers never see libfcgi and tests can build requests by hand.
 * Handlers fill an sb_response: status, content type, a few extra headers
 * (values must be static or arena-owned) and the whole body in a buf; the
 * front end sends it in one go after the handler returns. */
#ifndef SB_HTTP_H
#define SB_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"

typedef struct sb_header {
    const char *name;   /* lowercase, dashes: "x-cal-signature-256" */
    const char *value;
} sb_header;

typedef struct sb_request {
    arena *pool;
    const char *method;
    const char *path;        /* without the query string */
    const char *query;       /* may be "" */
    const char *remote_addr;
    const char *request_id;  /* nginx $request_id, or generated */
    sb_header *headers;
    size_t nheaders;
    const char *body;        /* exactly body_len raw bytes (NUL-terminated for convenience) */
    size_t body_len;
    bool body_too_large;     /* Content-Length over http.max_body: body was not read */
    int64_t received_us;     /* wall clock when the request arrived */
} sb_request;

#define SB_MAX_EXTRA_HEADERS 8

/* Writes n bytes to the client; 0, or -1 when the client is gone. */
typedef int (*sb_emit_fn)(void *sink, const char *data, size_t n);

typedef struct sb_response {
    int status;
    const char *content_type;
    sb_header headers[SB_MAX_EXTRA_HEADERS];
    size_t nheaders;
    buf body;
    /* webhook_events row to process once the response is sent (fast path), 0: none */
    uint64_t process_after;
    /* work done just before the response is sent (the function-call log's one insert, D90), NULL: none; ctx in the
     * request's arena; it must never change the response */
    void (*after)(void *ctx);
    void *after_ctx;
    /* A response too large to buffer whole (CSV exports): after the head and
     * body are sent, stream(stream_ctx, emit, sink) writes the rest in chunks,
     * and the response goes out without a Content-Length. The context lives
     * in the request's arena. */
    int (*stream)(void *stream_ctx, sb_emit_fn emit, void *sink);
    void *stream_ctx;
    /* for the request log line only */
    const char *log_provider;
    const char *log_event_id;
} sb_response;

/* Header value by lowercase name, or NULL. Borrowed from the request. */
const char *http_header(const sb_request *req, const char *lname);
/* Empty the response for the next request, keeping the body's capacity. */
void http_response_reset(sb_response *resp);
void http_add_header(sb_response *resp, const char *name, const char *value);
/* The one error renderer for JSON routes: {"message": msg}. */
void http_json_error(sb_response *resp, int status, const char *msg);
const char *http_status_text(int status);
/* Current wall clock in microseconds / milliseconds since the epoch. */
int64_t http_now_us(void);

#endif
