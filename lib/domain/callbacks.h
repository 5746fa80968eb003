/* callbacks.h: Rückrufe, every unmet wish of a caller (switchboard_callbacks,
 * migration 0013; DESIGN D96-D100).
 *
 * Opened at call end by the pipeline (call_ended, call_analyzed) from the
 * call's function log (switchboard_function_calls) and Retell's analysis, at
 * most one item per call: the first reason of callback_promised,
 * booking_failed, no_booking_after_request, analysis_wanted_appointment that
 * applies (D97). Closed by a person (done/dismissed, dashboard) or
 * automatically when the same caller (the call's customer, or the caller's
 * E.164 number) gets an appointment by any channel within
 * callbacks.autoclose_hours after the call started (D99). alerted_at is left
 * NULL for the mail worker (it marks what it sent).
 *
 * Everything runs in the caller's transaction; nothing is allocated outside
 * the arena given. */
#ifndef SB_CALLBACKS_H
#define SB_CALLBACKS_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "config.h"
#include "db.h"

typedef enum cb_reason {
    CB_NONE = -1,
    CB_PROMISED,        /* the agent said "wir rufen Sie zurück" (Cal.com down, caller not allowed) */
    CB_BOOKING_FAILED,  /* a booking function failed at Cal.com or found the slot gone */
    CB_NO_BOOKING,      /* the caller asked for a slot and the call ended without a booking */
    CB_ANALYSIS,        /* Retell's analysis: an appointment was wanted, none was made */
    CB_REASONS
} cb_reason;

/* the reason's word in switchboard_callbacks.reason ("callback_promised", ...); NULL out of range */
const char *callback_reason_name(int reason);

/* One function-log row as the detector sees it. */
typedef struct cb_function {
    const char *name, *outcome;
    const char *answer;          /* the answer's error or status word ("slot_taken", "unavailable"), or NULL */
    bool booked;                 /* appointment_id set: this request booked */
} cb_function;

/* What the analysis says (custom_analysis_data): wanted/booked as flags. */
typedef struct cb_analysis {
    bool wanted, booked_said;
} cb_analysis;

/* The decision, with no database: the reason of the call's one item, or
 * CB_NONE. booked: an appointment was made during the call. */
cb_reason callback_decide(const cb_function *fns, size_t n, bool booked, const cb_analysis *an);

/* The analysis flags of a custom_analysis_data JSON text (NULL/invalid: none). */
cb_analysis callback_analysis_of(const char *custom_analysis_json);

/* Open the item of call call_id (calls.id) if it has an unmet wish and none
 * is there for it yet (the unique (call_id, reason) key keeps replays from
 * opening twice; a second reason of the same call is not opened either). A
 * later end event that knows a stronger reason (a log row written after the
 * first one was processed, D96) moves the call's still-open item to it. An
 * item whose caller already has an appointment in the window is closed at
 * once. *opened = the new item's id or 0. 0, or -1 (db_error). */
int callbacks_open_for_call(sb_db *db, arena *a, const sb_config *cfg, uint64_t call_id, uint64_t *opened);

/* Close the open items the appointment answers: same tenant, same caller
 * (customer or E.164 number), the call started at most autoclose_hours before
 * the appointment was created. *closed = how many (may be NULL). 0 or -1. */
int callbacks_autoclose_appointment(sb_db *db, arena *a, const sb_config *cfg, uint64_t appointment_id, uint64_t *closed);

/* The appointment as autoclose reads it, read once by the pipeline for the
 * linker's focus too (D226). Strings are arena copies (NULL when absent). */
typedef struct appt_facts {
    long long company_id, customer_id, created_at;
    const char *customer_phone; /* the customer's number as stored */
    const char *attendee_phone; /* the number the booking carried (D88) */
    int live;                   /* not deleted, cancelled or rejected: it answers items */
} appt_facts;
/* 1 found, 0 no such row, -1 (db_error). */
int callbacks_appointment_facts(sb_db *db, arena *a, uint64_t appointment_id, appt_facts *out);
/* callbacks_autoclose_appointment with the facts already read. */
int callbacks_autoclose_facts(sb_db *db, arena *a, const sb_config *cfg, uint64_t appointment_id, const appt_facts *f,
                              uint64_t *closed);

#endif
