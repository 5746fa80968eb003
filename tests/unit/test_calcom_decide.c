/* test_calcom_decide.c: the pure decide of a Cal.com booking event
 * (lib/calcom_decide.h) and the appointments status table
 * (lib/appointments.h), one table of cases each: created, requested,
 * rescheduled chains, cancelled before created, out of order, duplicate
 * delivery, superseded uids, unknown statuses, unusable events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "appointments.h"
#include "calcom_decide.h"

#define T0 1773300000 /* an event time; later events add seconds */

/* an event: kind, uid, previous uid (reschedule), event time, has times, no-show marks */
typedef struct ev_in {
    cal_kind kind;
    const char *uid, *prev_uid;
    int64_t evt_at;
    bool times;
    bool no_show;
} ev_in;

/* the row found by the lookup (status NULL: none) */
typedef struct row_in {
    const char *status, *uid;
    int64_t last_event_at;
} row_in;

typedef struct want {
    cal_action action;
    const char *status;      /* NULL: not checked (DEAD) */
    const char *reason_part; /* a part of d.reason, or NULL for none */
    bool set_times, set_cancelled, set_customer, want_customer;
    const char *chain_prev;
} want;

static const struct {
    const char *name;
    ev_in ev;
    row_in row;
    want w;
} CASES[] = {
    /* created / requested */
    {"created, new row", {CAL_CREATED, "B1", NULL, T0, true, false}, {0}, {CAL_DO_INSERT, "confirmed", NULL, true, false, true, true, NULL}},
    {"requested, new row", {CAL_REQUESTED, "B1", NULL, T0, true, false}, {0}, {CAL_DO_INSERT, "pending", NULL, true, false, true, true, NULL}},
    {"created confirms a request", {CAL_CREATED, "B1", NULL, T0 + 5, true, false}, {"pending", "B1", T0},
     {CAL_DO_UPDATE, "confirmed", NULL, true, false, true, true, NULL}},
    {"requested never demotes", {CAL_REQUESTED, "B1", NULL, T0 + 5, true, false}, {"confirmed", "B1", T0},
     {CAL_DO_UPDATE, "confirmed", NULL, true, false, true, true, NULL}},
    {"duplicate delivery: same state again", {CAL_CREATED, "B1", NULL, T0, true, false}, {"confirmed", "B1", T0},
     {CAL_DO_UPDATE, "confirmed", NULL, true, false, true, true, NULL}},
    {"the phone path's row (no event time yet) is confirmed", {CAL_CREATED, "B1", NULL, T0, true, false}, {"confirmed", "B1", 0},
     {CAL_DO_UPDATE, "confirmed", NULL, true, false, true, true, NULL}},
    /* cancelled before created, out of order */
    {"cancelled before created: a cancelled row", {CAL_CANCELLED, "B1", NULL, T0 + 10, false, false}, {0},
     {CAL_DO_INSERT, "cancelled", NULL, false, true, true, true, NULL}},
    {"the late create after the cancel stays cancelled", {CAL_CREATED, "B1", NULL, T0, true, false}, {"cancelled", "B1", T0 + 10},
     {CAL_DO_FILL, "cancelled", "older event", false, false, false, true, NULL}},
    {"a create in order does not reopen a cancel", {CAL_CREATED, "B1", NULL, T0 + 20, true, false}, {"cancelled", "B1", T0 + 10},
     {CAL_DO_UPDATE, "cancelled", NULL, true, false, true, true, NULL}},
    {"rejected cancels", {CAL_REJECTED, "B1", NULL, T0 + 5, false, false}, {"pending", "B1", T0},
     {CAL_DO_UPDATE, "cancelled", NULL, false, true, true, true, NULL}},
    /* rescheduled chains: A -> B */
    {"rescheduled from A: the chain moves to B", {CAL_RESCHEDULED, "B", "A", T0 + 5, true, false}, {"confirmed", "A", T0},
     {CAL_DO_RESCHEDULE, "rescheduled", NULL, true, false, true, true, "A"}},
    {"rescheduled B arriving before A's create: a new row for the chain", {CAL_RESCHEDULED, "B", "A", T0 + 5, true, false}, {0},
     {CAL_DO_INSERT, "rescheduled", NULL, true, false, true, true, "A"}},
    {"A's late create after the reschedule to B: superseded", {CAL_CREATED, "A", NULL, T0 + 50, true, false}, {"rescheduled", "B", T0 + 5},
     {CAL_DO_FILL, "rescheduled", "superseded", false, false, false, true, NULL}},
    {"A's cancel (the reschedule's own) after B: superseded", {CAL_CANCELLED, "A", NULL, T0 + 6, false, false}, {"rescheduled", "B", T0 + 5},
     {CAL_DO_FILL, "rescheduled", "superseded", false, false, false, true, NULL}},
    {"B's cancel after the reschedule cancels the chain", {CAL_CANCELLED, "B", NULL, T0 + 9, false, false}, {"rescheduled", "B", T0 + 5},
     {CAL_DO_UPDATE, "cancelled", NULL, false, true, true, true, NULL}},
    {"a second reschedule B -> C moves on", {CAL_RESCHEDULED, "C", "B", T0 + 9, true, false}, {"rescheduled", "B", T0 + 5},
     {CAL_DO_RESCHEDULE, "rescheduled", NULL, true, false, true, true, "B"}},
    {"an older reschedule A -> B after B -> C: superseded", {CAL_RESCHEDULED, "B", "A", T0 + 5, true, false}, {"rescheduled", "C", T0 + 9},
     {CAL_DO_FILL, "rescheduled", "superseded", false, false, false, true, "A"}},
    {"a reschedule older than the row's state only fills", {CAL_RESCHEDULED, "B", "A", T0 + 5, true, false}, {"cancelled", "A", T0 + 9},
     {CAL_DO_FILL, "cancelled", "older event", false, false, false, true, "A"}},
    /* no-show and meeting ended */
    {"no-show marked", {CAL_NO_SHOW, "B1", NULL, T0 + 5, false, true}, {"confirmed", "B1", T0},
     {CAL_DO_UPDATE, "no_show", NULL, false, false, false, false, NULL}},
    {"no-show taken back restores the booking", {CAL_NO_SHOW, "B1", NULL, T0 + 9, false, false}, {"no_show", "B1", T0 + 5},
     {CAL_DO_UPDATE, "confirmed", NULL, false, false, false, false, NULL}},
    {"no-show taken back never reopens a cancel", {CAL_NO_SHOW, "B1", NULL, T0 + 9, false, false}, {"cancelled", "B1", T0 + 5},
     {CAL_DO_UPDATE, "cancelled", NULL, false, false, false, false, NULL}},
    {"meeting ended completes", {CAL_ENDED, "B1", NULL, T0 + 9, true, false}, {"confirmed", "B1", T0},
     {CAL_DO_UPDATE, "completed", NULL, false, false, true, true, NULL}},
    {"meeting ended keeps a no-show", {CAL_ENDED, "B1", NULL, T0 + 9, true, false}, {"no_show", "B1", T0},
     {CAL_DO_UPDATE, "no_show", NULL, false, false, true, true, NULL}},
    /* unknown statuses (Laravel's own words) */
    {"created keeps an unknown status", {CAL_CREATED, "B1", NULL, T0 + 5, true, false}, {"scheduled", "B1", T0},
     {CAL_DO_UPDATE, "scheduled", NULL, true, false, true, true, NULL}},
    {"cancel overrides an unknown status", {CAL_CANCELLED, "B1", NULL, T0 + 5, false, false}, {"scheduled", "B1", T0},
     {CAL_DO_UPDATE, "cancelled", NULL, false, true, true, true, NULL}},
    /* unusable events */
    {"no uid", {CAL_CREATED, NULL, NULL, T0, true, false}, {0}, {CAL_DO_DEAD, NULL, "no booking uid", false, false, false, false, NULL}},
    {"a booking without times", {CAL_REQUESTED, "B1", NULL, T0, false, false}, {"pending", "B1", T0},
     {CAL_DO_DEAD, NULL, "startTime", false, false, false, false, NULL}},
};

static void decide_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
        const ev_in *e = &CASES[i].ev;
        calcom_fields f = {.uid = e->uid, .prev_uid = e->prev_uid, .evt_at = e->evt_at, .have_times = e->times,
                           .starts = T0 + 86400, .ends = T0 + 88200, .no_show_any = e->no_show};
        appt_row row = {.id = 7, .status = CASES[i].row.status, .uid = CASES[i].row.uid, .starts_at = T0 + 3600, .created_at = T0};
        cal_decision d;
        calcom_decide(&f, e->kind, CASES[i].row.status ? &row : NULL, CASES[i].row.last_event_at, &d);
        const want *w = &CASES[i].w;
        char where[160];
        snprintf(where, sizeof where, "case %zu \"%s\"", i, CASES[i].name);
        if (d.action != w->action) fail_msg("%s: action %d, want %d", where, d.action, w->action);
        if (w->status && (!d.status || strcmp(d.status, w->status)))
            fail_msg("%s: status %s, want %s", where, d.status ? d.status : "(null)", w->status);
        if (w->reason_part && (!d.reason || !strstr(d.reason, w->reason_part)))
            fail_msg("%s: reason %s, want ...%s...", where, d.reason ? d.reason : "(null)", w->reason_part);
        if (!w->reason_part && d.reason) fail_msg("%s: unexpected reason %s", where, d.reason);
        if (w->action == CAL_DO_DEAD) continue;
        if (d.set_times != w->set_times) fail_msg("%s: set_times %d", where, d.set_times);
        if (d.set_cancelled != w->set_cancelled) fail_msg("%s: set_cancelled %d", where, d.set_cancelled);
        if (d.set_customer != w->set_customer) fail_msg("%s: set_customer %d", where, d.set_customer);
        if (d.want_customer != w->want_customer) fail_msg("%s: want_customer %d", where, d.want_customer);
        if ((d.chain_prev == NULL) != (w->chain_prev == NULL) || (d.chain_prev && strcmp(d.chain_prev, w->chain_prev)))
            fail_msg("%s: chain_prev %s", where, d.chain_prev ? d.chain_prev : "(null)");
    }
}

/* the row's time moves: the reschedule keeps where it was; a row made by the phone before
 * Cal.com's creation is dated when Cal.com says */
static void reschedule_and_creation_dates(void **state)
{
    (void)state;
    calcom_fields f = {.uid = "B", .prev_uid = "A", .evt_at = T0 + 5, .have_times = true, .starts = T0 + 86400, .ends = T0 + 88200};
    appt_row row = {.id = 7, .status = "confirmed", .uid = "A", .starts_at = T0 + 3600, .created_at = T0};
    cal_decision d;
    calcom_decide(&f, CAL_RESCHEDULED, &row, T0, &d);
    assert_true(d.previous_start);
    row.starts_at = f.starts; /* the same time again (a redelivery): nothing to remember */
    calcom_decide(&f, CAL_RESCHEDULED, &row, T0, &d);
    assert_false(d.previous_start);

    calcom_fields c = {.uid = "A", .evt_at = T0, .have_times = true, .booked_at = T0 - 60};
    calcom_decide(&c, CAL_CREATED, &row, 0, &d);
    assert_true(d.backdate_created);
    c.booked_at = T0 + 60; /* Cal.com's creation after the row's: keep the row's date */
    calcom_decide(&c, CAL_CREATED, &row, 0, &d);
    assert_false(d.backdate_created);
    c.booked_at = T0 - 60;
    calcom_decide(&c, CAL_CREATED, NULL, 0, &d); /* a new row takes created_at from the insert fields */
    assert_false(d.backdate_created);
}

/* the status table of lib/appointments.c, the rules the phone and web paths share */
static void status_transitions(void **state)
{
    (void)state;
    static const struct {
        appt_event ev;
        const char *cur, *next;
    } T[] = {
        {APPT_EV_CONFIRM, "pending", "confirmed"},       {APPT_EV_CONFIRM, "cancelled", "cancelled"},
        {APPT_EV_CONFIRM, "completed", "completed"},     {APPT_EV_REQUEST, "confirmed", "confirmed"},
        {APPT_EV_RESCHEDULE, "cancelled", "rescheduled"}, {APPT_EV_CANCEL, "completed", "cancelled"},
        {APPT_EV_NO_SHOW, "rescheduled", "no_show"},     {APPT_EV_NO_SHOW_CLEARED, "no_show", "confirmed"},
        {APPT_EV_NO_SHOW_CLEARED, "completed", "completed"}, {APPT_EV_END, "cancelled", "cancelled"},
        {APPT_EV_END, "rescheduled", "completed"},       {APPT_EV_END, "booked", "completed"},
        {APPT_EV_CONFIRM, "booked", "booked"},
    };
    for (size_t i = 0; i < sizeof T / sizeof *T; i++) {
        const char *got = appointment_next_status(T[i].ev, T[i].cur);
        if (!got || strcmp(got, T[i].next)) fail_msg("event %d on %s: %s, want %s", T[i].ev, T[i].cur, got ? got : "(null)", T[i].next);
    }
    assert_null(appointment_next_status(APPT_EV_REQUEST, NULL)); /* kept as it is, even NULL */
    assert_string_equal(appointment_first_status(APPT_EV_REQUEST), "pending");
    assert_string_equal(appointment_first_status(APPT_EV_NO_SHOW_CLEARED), "confirmed");
    for (int s = 0; s < APPT_OTHER; s++) assert_int_equal(appointment_status_parse(appointment_status_name((appt_status)s)), s);
    assert_int_equal(appointment_status_parse("Confirmed"), APPT_OTHER);
    assert_int_equal(appointment_status_parse(NULL), APPT_OTHER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decide_table),
        cmocka_unit_test(reschedule_and_creation_dates),
        cmocka_unit_test(status_transitions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
