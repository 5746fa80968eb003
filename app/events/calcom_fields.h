/* calcom_fields.h: what a Cal.com booking event says, read from its JSON
 * alone (no database), and the merge of switchboard's part of
 * appointments.metadata. app/calcom_events.c acts on the result (through
 * lib/calcom_decide.h);
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
#include "calcom_decide.h"
#include "json.h"

/* cal_kind and calcom_fields live in lib/calcom_decide.h: the pure decide reads them too. */

/* Fill f from the stored event's root for this kind; now: Unix seconds (a createdAt after it is ignored). */
void calcom_fields_read(json_object *root, cal_kind kind, arena *a, int64_t now, calcom_fields *f);

/* appointments.metadata as stored (an object, a JSON string holding one, or junk) -> a new object (put by caller). */
json_object *calcom_meta_parse(const char *text);
/* switchboard's part merged into meta (modified), as text in a; attendee_phone (may be NULL) is
 * kept here when the customer was found by email alone (D88). */
const char *calcom_meta_build(arena *a, json_object *meta, json_object *b, const char *trigger, int64_t evt_at,
                              long long event_type_id, const char *prev_uid, int set_event_at, const char *attendee_phone);

#endif
