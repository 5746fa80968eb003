/* pipeline.h: webhook_events as a durable, shared work queue.
 *
 * States: pending -> processing -> processed | ignored | failed (retried
 * later) -> dead (retries exhausted or a permanent error). Only rows that
 * switchboard queued (next_attempt_at NOT NULL) are ever claimed.
 *
 * Claiming: one short READ COMMITTED transaction selects due rows with
 * FOR UPDATE SKIP LOCKED, skipping any row whose entity (provider +
 * event_id: one call, one booking) has an older unfinished event, and marks
 * them processing with a lease (owner, expiry) and attempts + 1. A crashed
 * owner's lease expires and the row is due again.
 *
 * Running: the handler runs inside a transaction together with the final
 * status update, which only applies while we still hold the lease. So the
 * database effects of a handler are committed exactly once even when a lease
 * expired under a slow owner; effects outside the database (provider API
 * calls) must be idempotent. Transient failures roll back and are retried
 * after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (±20 % jitter, scaled by
 * pipeline.retry_scale_permille), then dead.
 *
 * Handlers are one table (event_handler[]) given by the application: adding
 * one is one line. An event without a handler ends `ignored`. */
#ifndef SB_PIPELINE_H
#define SB_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "config.h"
#include "db.h"
#include "json.h"

typedef enum {
    EVENT_PROCESSED,  /* done; message goes to notes */
    EVENT_IGNORED,    /* nothing to do; message (the reason) goes to notes */
    EVENT_RETRY,      /* transient: roll back, retry on schedule; message -> error_message */
    EVENT_DEAD,       /* permanent: roll back, no retry; message -> error_message, for a human */
} event_outcome;

typedef struct event_result {
    event_outcome outcome;
    char message[1024];
    long long company_id;  /* > 0: written to webhook_events.company_id (tenant of the event) */
} event_result;

typedef struct stored_event {
    uint64_t id;
    const char *provider, *event_type, *event_id;
    const char *payload;
    size_t payload_len;
    json_object *json;   /* parsed payload, borrowed */
    int retry_count;     /* failures so far */
    int attempts;        /* claims so far, this one included */
} stored_event;

struct pipeline;
typedef void (*event_handler_fn)(struct pipeline *p, arena *a, const stored_event *ev, event_result *res);

typedef struct event_handler {
    const char *provider;
    const char *event_type;  /* exact match */
    event_handler_fn fn;
} event_handler;

typedef struct pipeline {
    sb_db *db;
    const sb_config *cfg;
    const event_handler *handlers;
    size_t nhandlers;
    const char *owner;   /* "host:pid" lease owner */
    void *app;           /* the application's context for handlers */
} pipeline;

/* Fill result helpers (printf-style message). */
void event_set(event_result *res, event_outcome o, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* In an event handler (its result named res): set the outcome and leave the handler. The one
 * definition (D194); app/events/calcom_events.c and retell_events.c use it. */
#define FINISH(...)                  \
    do {                             \
        event_set(res, __VA_ARGS__); \
        return;                      \
    } while (0)

/* Set up p (owner = hostname:pid). */
void pipeline_init(pipeline *p, sb_db *db, const sb_config *cfg, const event_handler *handlers, size_t n,
                   void *app);

/* Claim and run up to max due events. Returns how many were run, -1 on a DB error. */
int pipeline_tick(pipeline *p, size_t max);
/* Fast path: claim exactly this event (if due and first of its entity) and run
 * it. Returns 1 if it ran, 0 if someone else has it or it is not due, -1 on error. */
int pipeline_run_id(pipeline *p, uint64_t id);

/* Ends the leases held by processes of this host that no longer exist (a worker or serve
 * child killed with -9), so their events run again now rather than after
 * pipeline.lease_seconds (D218). Owners of other hosts are never touched. Returns the
 * number of events released, -1 on a database error. */
int pipeline_release_dead(pipeline *p, arena *a);

/* Delay before retry number retry_count (1-based) in ms, jitter from rnd
 * (uniform in [0,1)); -1 when retries are exhausted (-> dead). */
int64_t pipeline_retry_delay_ms(int retry_count, int64_t scale_permille, double rnd);

/* Mark events due again now, recording who asked in switchboard_replays.
 * replay_ids points at n event ids; out_replay_ids (may be NULL) receives the
 * switchboard_replays ids. Events currently processing are skipped. Returns
 * how many were queued, -1 on error. */
int pipeline_replay_mark(pipeline *p, const uint64_t *ids, size_t n, const char *by, uint64_t *out_replay_ids);
/* Record the outcome of a replay once its event has run. */
int pipeline_replay_finish(pipeline *p, uint64_t replay_id, uint64_t event_id);

#endif
