/* calcom_decide.h: what a Cal.com booking event does to its appointment, decided
 * without the database: parse -> decide -> write (issue 19 item 2, D197).
 *
 * app/calcom_events.c parses the stored event into calcom_fields
 * (app/calcom_fields.h), resolves the tenant, finds the chain's row
 * (lib/appointments.h), asks calcom_decide() and writes what it says.
 * calcom_decide() is pure: no DB, no I/O, no clock; the same input gives the
 * same decision (tests/unit/test_calcom_decide.c holds its table of cases).
 *
 * Out-of-order delivery converges by event time: the row remembers the
 * Cal.com time of the last event that set its state (metadata
 * switchboard.calcom_event_at); an older event only fills empty fields and
 * never moves status, times or uid back. A row that moved on to a newer uid
 * (a reschedule) is no longer steered by events of its old uid. So "cancel,
 * then the late create" stays cancelled, and "reschedule, then the late
 * create" keeps the new time. */
#ifndef SB_CALCOM_DECIDE_H
#define SB_CALCOM_DECIDE_H

#include <stdbool.h>
#include <stdint.h>

#include "appointments.h"
#include "json.h"

typedef enum { CAL_CREATED, CAL_REQUESTED, CAL_RESCHEDULED, CAL_CANCELLED, CAL_REJECTED, CAL_NO_SHOW, CAL_ENDED } cal_kind;
#define CAL_NKINDS 7

/* What a Cal.com booking event says (filled by calcom_fields_read, app/calcom_fields.h).
 * Strings are borrowed from the JSON or the arena; b is borrowed from the root. */
typedef struct calcom_fields {
    json_object *b;                     /* the booking: "payload", or the flat root (MEETING_*) */
    const char *uid;                    /* uid / bookingUid, NULL if none */
    int64_t booking_id;                 /* bookingId / id, 0 if none */
    bool have_event_type;
    int64_t event_type;                 /* eventTypeId */
    int64_t evt_at;                     /* Cal.com's time of this event (0: unknown) */
    int64_t booked_at;                  /* createdAt of the delivery, 0 if absent or in the future */
    bool have_times;
    int64_t starts, ends;
    const char *prev_uid;               /* reschedule: the booking it replaces */
    int64_t prev_id;
    int64_t prev_start;                 /* rescheduleStartTime, 0 if none */
    const char *name, *email, *phone_raw; /* the first attendee (or the booking form's answers) */
    bool no_show_any;                   /* some attendee has noShow: true */
    const char *reason;                 /* cancellation / "abgelehnt: ..." (arena), NULL if none */
    const char *notes;
    const char *tz;                     /* attendee's or organizer's time zone as sent */
    int64_t organizer_id;
    const char *organizer_email;
} calcom_fields;

typedef enum {
    CAL_DO_DEAD,       /* unusable event: dead with reason (replay after fixing) */
    CAL_DO_INSERT,     /* no row yet: a new appointment */
    CAL_DO_UPDATE,     /* this event sets the row's state (status, times) */
    CAL_DO_RESCHEDULE, /* the chain moves to the event's uid (and time) */
    CAL_DO_FILL        /* the state stays (older event, or of a superseded uid); only empty fields are filled */
} cal_action;

typedef struct cal_decision {
    cal_action action;
    const char *reason;       /* DEAD: why; FILL: why the state stays; else NULL (static storage) */
    const char *status;       /* INSERT/UPDATE/RESCHEDULE: the status to write; FILL: the row's (borrowed) */
    bool set_times;           /* write starts_at/ends_at from the event */
    bool previous_start;      /* RESCHEDULE: previous_starts_at = the row's starts_at (the time moved) */
    bool set_cancelled;       /* write cancelled_at and cancellation_reason */
    bool set_customer;        /* the attendee's customer owns the row (INSERT and state-setting events) */
    bool want_customer;       /* find or create the attendee's customer (a no-show update of a row needs none) */
    bool backdate_created;    /* UPDATE/FILL: created_at = booked_at (a row written before Cal.com's creation) */
    const char *chain_prev;   /* the chain's previous uid to record (reschedule), else NULL */
} cal_decision;

/* Why this event can never be applied (no uid, a booking event without times), or NULL. */
const char *calcom_event_unusable(const calcom_fields *ev, cal_kind kind);

/* The decision for event ev of kind on row (NULL: the chain has no row); row_event_at: the
 * Cal.com time of the event that last set the row's state (0: unknown). Pure. */
void calcom_decide(const calcom_fields *ev, cal_kind kind, const appt_row *row, int64_t row_event_at, cal_decision *d);

#endif
