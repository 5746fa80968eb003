/* linker.h: which call led to which appointment, one implementation for the
 * pipeline (after each appointment or call change) and `detect-conversions`.
 *
 * Rules, inside one tenant only:
 *  (a) booked during the call: appointments.call_id = the call -> confidence 100;
 *  (b) the appointment's customer phone is the caller's number (any spelling),
 *      the appointment was created within linker.window_minutes after the call
 *      ended, and the call shows booking intent (linker.keywords in transcript,
 *      summary or analysis) -> 95 minus up to 25 by time distance;
 *  (c) as (b) with the call's customer_id instead of the phone -> 90 minus up to 25.
 * An appointment already linked to another call is never taken; nearest in
 * time wins (a call takes its nearest candidate, an appointment its nearest
 * call); cancelled or soft-deleted appointments unlink their call's
 * conversion (the call then points to another live appointment booked during
 * it, if any). Reruns change nothing. Set-based SQL (temporary tables), not a
 * query per call. */
#ifndef SB_LINKER_H
#define SB_LINKER_H

#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "config.h"
#include "db.h"

typedef struct linker_scope {
    long long company_id;  /* 0: every company */
    int64_t since, until;  /* calls started in [since, until), Unix seconds */
    /* the pipeline's focus: only calls and appointments of this customer or
     * caller (the entity an event touched); 0 and NULL: every row in scope */
    long long focus_customer_id;
    const char *focus_phone; /* E.164 */
    /* counts the run's set-based steps (the CLI's progress line); NULL: none */
    struct progress *progress;
    /* the focus is a call's caller, who has that call: the run need not ask (D223) */
    int focus_has_call;
} linker_scope;

typedef struct linker_result {
    long long candidates;  /* pairs considered under rules b/c */
    long long linked;      /* calls newly linked (a, b or c) */
    long long unlinked;    /* calls whose conversion was withdrawn */
} linker_result;

/* Compute and (unless dry) apply. run_id > 0 records every change in
 * switchboard_link_changes for --undo; list (may be NULL) gets one line per
 * link/unlink. Runs in the caller's transaction. 0 or -1 (db_error). */
int linker_run(sb_db *db, arena *a, const sb_config *cfg, const linker_scope *scope, uint64_t run_id, int dry,
               FILE *list, linker_result *out);
/* linker_run applied as one recorded run in its own transaction: a
 * switchboard_link_runs row (requested_by by, scope scope_text) whose changes
 * --undo reverts. *run gets its id. 0, or -1 (db_error; rolled back). */
int linker_run_recorded(sb_db *db, arena *a, const sb_config *cfg, const linker_scope *scope, const char *by,
                        const char *scope_text, FILE *list, linker_result *out, uint64_t *run);
/* How far before a run's window a call may have started and still pair with an
 * appointment made inside it (D171): the rule-b window after the call's end,
 * plus the longest call (Retell ends a call after 2 h at most by default). */
#define LINKER_MAX_CALL_S 7200
/* Revert exactly what run run_id changed. 0, or -1 with err. */
int linker_undo(sb_db *db, arena *a, uint64_t run_id, long long *reverted, char *err, size_t errlen);

#endif
