/* calcom_fields.h: what a Cal.com booking event says, read from its JSON
 * alone (no database), and the merge of switchboard's part of
 * appointments.metadata. app/calcom_events.c acts on the result;
 * tests/fuzz/fuzz_event_fields.c feeds both any JSON (issue 15 #7).
 *
 * Every value is read through lib/json.h's typed accessors: a field of the
 * wrong type is absent, never an abort or a NULL handed on.
 * Ownership: strings are borrowed from the JSON (valid while root lives) or
 * allocated in the arena; f->b is borrowed from root. */
#ifndef SB_CALCOM_FIELDS_H
#define SB_CALCOM_FIELDS_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "json.h"

typedef enum { CAL_CREATED, CAL_REQUESTED, CAL_RESCHEDULED, CAL_CANCELLED, CAL_REJECTED, CAL_NO_SHOW, CAL_ENDED } cal_kind;
#define CAL_NKINDS 7

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

/* Fill f from the stored event's root for this kind; now: Unix seconds (a createdAt after it is ignored). */
void calcom_fields_read(json_object *root, cal_kind kind, arena *a, int64_t now, calcom_fields *f);

/* appointments.metadata as stored (an object, a JSON string holding one, or junk) -> a new object (put by caller). */
json_object *calcom_meta_parse(const char *text);
/* switchboard's part merged into meta (modified), as text in a; attendee_phone (may be NULL) is
 * kept here when the customer was found by email alone (D88). */
const char *calcom_meta_build(arena *a, json_object *meta, json_object *b, const char *trigger, int64_t evt_at,
                              long long event_type_id, const char *prev_uid, int set_event_at, const char *attendee_phone);

#endif
