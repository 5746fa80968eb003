/* appointments.h: the owner of the appointments table. Every channel that
 * finds, inserts or updates an appointment goes through here: the Cal.com
 * webhooks (app/calcom_events.c), the phone booking's local write and its
 * repair (app/phone_booking.c), the phone agent's cancel and reschedule
 * (app/retell_functions.c). Reads for pages and reports (dashboard, linker,
 * callbacks) stay with their queries; they change nothing.
 *
 * Lookup: one booking chain is one row, found inside the tenant (live rows
 * only) by the keys both paths know, in this order:
 *   1. calcom_v2_booking_id = the Cal.com booking uid,
 *   2. calcom_booking_id = the numeric booking id, only for rows without a uid
 *      (legacy V1 rows, BEHAVIOR.md §3.9; a row with a uid is matched by uids),
 *   3. external_id = the uid (the first uid of a chain),
 *   4. any uid the chain ever had (switchboard_booking_uids).
 * Every step locks the row it finds (FOR UPDATE): the caller's transaction
 * owns it until commit.
 *
 * Status: the legacy vocabulary (pending, confirmed, rescheduled, cancelled,
 * no_show, completed; anything else Laravel wrote is "other"), moved only by
 * the transition table in appointments.c (appointment_next_status).
 *
 * Writes: record_insert/record_update (lib/record.h, audited) plus the uids
 * the row answers to, in one call each. Run inside the caller's transaction. */
#ifndef SB_APPOINTMENTS_H
#define SB_APPOINTMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "db.h"
#include "record.h"

/* ---- status ---- */

typedef enum { APPT_PENDING, APPT_CONFIRMED, APPT_RESCHEDULED, APPT_CANCELLED, APPT_NO_SHOW, APPT_COMPLETED, APPT_OTHER } appt_status;
#define APPT_NSTATUS 7

/* What happens to a booking (from any channel). NO_SHOW_CLEARED: the mark is taken back. */
typedef enum {
    APPT_EV_CONFIRM,
    APPT_EV_REQUEST,
    APPT_EV_RESCHEDULE,
    APPT_EV_CANCEL,
    APPT_EV_NO_SHOW,
    APPT_EV_NO_SHOW_CLEARED,
    APPT_EV_END
} appt_event;
#define APPT_NEVENTS 7

/* The status word -> its enum (NULL or an unknown word: APPT_OTHER). */
appt_status appointment_status_parse(const char *status);
/* The word of a status (APPT_OTHER: NULL). Static storage. */
const char *appointment_status_name(appt_status s);
/* The status a new row takes when ev creates it. Static storage. */
const char *appointment_first_status(appt_event ev);
/* The status an existing row in cur takes when ev happens: a word of the
 * table, or cur itself (borrowed) when the rule keeps it (an unknown word is kept
 * unless ev overrides every status). */
const char *appointment_next_status(appt_event ev, const char *cur);

/* ---- lookup ---- */

typedef struct appt_row {
    uint64_t id;
    const char *status;        /* arena */
    const char *uid;           /* calcom_v2_booking_id, NULL if none (arena) */
    long long starts_at;       /* Unix seconds, 0 if NULL */
    const char *metadata;      /* as stored, NULL if none (arena) */
    long long created_at;      /* Unix seconds */
} appt_row;

/* The live row of the chain of (uid, booking_id) inside company, locked. uid and
 * booking_id may each be NULL/0. 1 found (row filled), 0 none, -1 DB error. */
int appointment_find(sb_db *db, arena *a, long long company, const char *uid, long long booking_id, appt_row *row);
/* The company of a live row whose current uid is uid (a booking uid is globally
 * unique and unguessable: Cal.com issued it). 1 found, 0 none, -1 DB error. */
int appointment_company_of_uid(sb_db *db, arena *a, const char *uid, long long *company);

/* An open appointment the phone agent may change: live, not cancelled, completed
 * or no-show, with a Cal.com uid, starting in the future (D86, D87). */
typedef struct appt_open {
    uint64_t id;
    const char *uid;   /* arena */
    int64_t start;     /* Unix seconds */
} appt_open;

/* By booking reference: the unique open appointment of the company whose uid
 * (lower-case, without '-') starts with ref (letters and digits only, so the LIKE
 * pattern holds no wildcard). 1 found, 0 none, 2 ambiguous, -1 DB error. */
int appointment_open_by_reference(sb_db *db, arena *a, long long company, const char *ref, appt_open *out);
/* By phone: the next open appointment (have_day: starting in the 24 h from day0,
 * Unix seconds) of a live customer of the company whose phone is one of
 * the nv (1..4) spellings v. 1 found, 0 none, -1 DB error. */
int appointment_open_of_phones(sb_db *db, arena *a, long long company, const char *const *v, size_t nv, int have_day, int64_t day0,
                               appt_open *out);

/* ---- writes ---- */

/* record_insert into appointments, then remember uid and prev_uid (each may be NULL)
 * for the chain. *id = the new row. 0 or -1 (db_error). */
int appointment_insert(sb_db *db, arena *a, long long company, const field *f, size_t n, const audit_cause *why,
                       const char *uid, const char *prev_uid, uint64_t *id);
/* record_update of row id (only changed columns, audited), then remember uid and
 * prev_uid (each may be NULL). *changed as record_update (may be NULL). 0 or -1. */
int appointment_update(sb_db *db, arena *a, long long company, uint64_t id, const field *f, size_t n,
                       const audit_cause *why, const char *uid, const char *prev_uid, int *changed);

/* Remember that Cal.com booking uid belongs to appointment id (idempotent;
 * switchboard_booking_uids). 0 or -1. NULL uid: nothing to do. */
int appointment_remember_uid(sb_db *db, uint64_t appointment_id, long long company_id, const char *uid);

#endif
