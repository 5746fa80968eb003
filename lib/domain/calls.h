/* calls.h: one Retell call object -> one row in calls. One function, two
 * callers: the Retell webhooks (through the pipeline) and `switchboard
 * sync-calls` (the Retell API).
 *
 * Upsert by retell_call_id, writing only what the payload carries (a partial
 * call_ended never erases from/to, customer or transcript). Status follows the
 * legacy vocabulary (inbound -> ongoing -> completed | failed -> analyzed) and
 * never moves backwards, nor does call_status. The tenant comes from the
 * tenant's number (to_number; from_number for outbound calls) via
 * phone_numbers; an unknown number leaves company_id NULL (reported by the
 * monitor), and an existing row's tenant is never changed. The caller is
 * linked to a customer of that tenant by phone (any spelling), or for a
 * withheld/unknown number by the name the agent collected when exactly one
 * customer of the tenant has it; nothing is ever created here. */
#ifndef SB_CALLS_H
#define SB_CALLS_H

#include <stdint.h>

#include "arena.h"
#include "config.h"
#include "db.h"
#include "json.h"
#include "record.h"

typedef struct call_result {
    uint64_t id;
    int created;           /* a new row */
    int changed;           /* columns changed on an existing row */
    long long company_id;  /* 0: unknown number */
    const char *status;    /* the row's status afterwards */
} call_result;

/* event: "call_started", "call_ended", "call_analyzed", or NULL (API sync:
 * the status comes from call_status). Run inside the caller's transaction.
 * Returns 0; -1 database error (retry); -2 unusable call object (err says why). */
int call_upsert_retell(sb_db *db, arena *a, const sb_config *cfg, json_object *call, const char *event,
                       const audit_cause *why, call_result *out, char *err, size_t errlen);

/* The columns the call object itself gives (texts, times, duration, JSON
 * blobs, analysis, latency, cost), appended to f (room for CALL_PAYLOAD_FIELDS);
 * no database: the tenant, agent and customer come from call_upsert_retell.
 * Every value through lib/json.h's typed accessors (issue 15 #7, fuzzed by
 * tests/fuzz/fuzz_event_fields.c). Returns how many were appended. */
#define CALL_PAYLOAD_FIELDS 40
size_t call_payload_fields(json_object *call, arena *a, field *f);
/* The legacy status word an event (or, event NULL, the call's call_status) stands for; NULL: none. */
const char *call_status_for(const char *event, json_object *call);

/* The call booked appointment appt during the call (the phone path): the conversion
 * columns Laravel's AppointmentObserver and ConversionTracker set (converted and
 * linked, confidence 100, the call's customer if it had none), audited. Run inside
 * the caller's transaction. 0 or -1 (db_error). The set-based links of
 * lib/linker.h write the same columns for calls that led to a booking later. */
int call_mark_booked(sb_db *db, arena *a, long long company, uint64_t call_id, uint64_t appt, uint64_t customer,
                     const audit_cause *why);

/* Status rank in the legacy vocabulary (0: unknown word). */
int call_status_rank(const char *status);

#endif
