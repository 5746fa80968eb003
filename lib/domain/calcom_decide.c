/* calcom_decide.c: a Cal.com booking event + its row's state -> one action (see calcom_decide.h). */
#include "calcom_decide.h"

#include <string.h>

/* the booking event each trigger stands for (a no-show update depends on its marks: see event_of) */
static const appt_event EVENT_OF[CAL_NKINDS] = {
    [CAL_CREATED] = APPT_EV_CONFIRM,   [CAL_REQUESTED] = APPT_EV_REQUEST, [CAL_RESCHEDULED] = APPT_EV_RESCHEDULE,
    [CAL_CANCELLED] = APPT_EV_CANCEL,  [CAL_REJECTED] = APPT_EV_CANCEL,   [CAL_NO_SHOW] = APPT_EV_NO_SHOW,
    [CAL_ENDED] = APPT_EV_END,
};
_Static_assert(sizeof EVENT_OF / sizeof *EVENT_OF == CAL_NKINDS && CAL_ENDED + 1 == CAL_NKINDS, "an event per trigger");

/* the triggers that carry the booking's time (startTime/endTime required) */
static const bool CARRIES_TIMES[CAL_NKINDS] = {[CAL_CREATED] = true, [CAL_REQUESTED] = true, [CAL_RESCHEDULED] = true};

static appt_event event_of(const calcom_fields *ev, cal_kind kind)
{
    if (kind == CAL_NO_SHOW && !ev->no_show_any) return APPT_EV_NO_SHOW_CLEARED;
    return EVENT_OF[kind];
}

const char *calcom_event_unusable(const calcom_fields *ev, cal_kind kind)
{
    if (!ev->uid) return "payload has no booking uid";
    if (CARRIES_TIMES[kind] && !ev->have_times) return "payload.startTime/endTime missing or not ISO 8601";
    return NULL;
}

/* the row moved on to a newer uid: events for its old uid no longer steer it (a reschedule's own
 * previous uid still names it) */
static bool superseded(const calcom_fields *ev, cal_kind kind, const appt_row *row)
{
    if (!row->uid || !strcmp(row->uid, ev->uid)) return false;
    return !(kind == CAL_RESCHEDULED && ev->prev_uid && !strcmp(row->uid, ev->prev_uid));
}

void calcom_decide(const calcom_fields *ev, cal_kind kind, const appt_row *row, int64_t row_event_at, cal_decision *d)
{
    memset(d, 0, sizeof *d);
    const char *unusable = calcom_event_unusable(ev, kind);
    if (unusable) {
        d->action = CAL_DO_DEAD;
        d->reason = unusable;
        return;
    }
    appt_event what = event_of(ev, kind);
    d->set_cancelled = what == APPT_EV_CANCEL;
    d->chain_prev = kind == CAL_RESCHEDULED ? ev->prev_uid : NULL;
    d->want_customer = !row || kind != CAL_NO_SHOW;
    if (!row) {
        d->action = CAL_DO_INSERT;
        d->status = appointment_first_status(what);
        d->set_times = ev->have_times;
        d->set_customer = true;
        return;
    }
    /* a row written before Cal.com's creation event (the phone path) was made no later than Cal.com says */
    d->backdate_created = (kind == CAL_CREATED || kind == CAL_REQUESTED) && ev->booked_at > 0 && ev->booked_at < row->created_at;
    bool old_uid = superseded(ev, kind, row);
    if (old_uid || ev->evt_at < row_event_at) {
        d->action = CAL_DO_FILL;
        d->reason = old_uid ? "event of a superseded uid" : "older event: only filled empty fields";
        d->status = row->status;
        d->set_cancelled = false;
        return;
    }
    d->action = kind == CAL_RESCHEDULED ? CAL_DO_RESCHEDULE : CAL_DO_UPDATE;
    d->status = appointment_next_status(what, row->status);
    d->set_times = CARRIES_TIMES[kind] && ev->have_times;
    d->previous_start = kind == CAL_RESCHEDULED && row->starts_at && row->starts_at != ev->starts;
    d->set_customer = d->want_customer;
}
