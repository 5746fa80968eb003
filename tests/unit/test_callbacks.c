/* test_callbacks.c: the callback detector's decision (lib/callbacks.c) with no
 * database: which reason a call's function log and analysis give, in D97's
 * order, and what the analysis says. The e2e tests (test_74) drive the same
 * through nginx; these pin the table row by row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "callbacks.h"

#define N(a) (sizeof(a) / sizeof *(a))

static const cb_analysis NOTHING = {false, false}, WANTED = {true, false}, WANTED_BOOKED = {true, true};

static void reasons_have_their_words(void **state)
{
    (void)state;
    assert_string_equal(callback_reason_name(CB_PROMISED), "callback_promised");
    assert_string_equal(callback_reason_name(CB_BOOKING_FAILED), "booking_failed");
    assert_string_equal(callback_reason_name(CB_NO_BOOKING), "no_booking_after_request");
    assert_string_equal(callback_reason_name(CB_ANALYSIS), "analysis_wanted_appointment");
    assert_null(callback_reason_name(CB_NONE));
    assert_null(callback_reason_name(CB_REASONS));
}

static void each_kind_of_unmet_wish(void **state)
{
    (void)state;
    /* Cal.com down on a question, on a booking; a caller not allowed to cancel */
    cb_function down[] = {{"check_availability", "calcom_down", NULL, false}};
    assert_int_equal(callback_decide(down, 1, false, &NOTHING), CB_PROMISED);
    cb_function down_book[] = {{"check_availability", "ok", "available", false}, {"book_appointment", "calcom_down", "error", false}};
    assert_int_equal(callback_decide(down_book, 2, false, &NOTHING), CB_PROMISED);
    cb_function refused[] = {{"cancel_appointment", "refused_identity", "refused_identity", false}};
    assert_int_equal(callback_decide(refused, 1, false, &NOTHING), CB_PROMISED);
    /* the slot went at the last moment; Cal.com refused the booking or the move */
    cb_function gone[] = {{"check_availability", "ok", "available", false}, {"book_appointment", "no_slot", "slot_taken", false}};
    assert_int_equal(callback_decide(gone, 2, false, &NOTHING), CB_BOOKING_FAILED);
    cb_function rejected[] = {{"reschedule_appointment", "calcom_error", "error", false}};
    assert_int_equal(callback_decide(rejected, 1, false, &NOTHING), CB_BOOKING_FAILED);
    /* asked (a free time, or none at the wished one: "unavailable" is an answer, not a failed booking) */
    cb_function asked[] = {{"check_availability", "ok", "available", false}};
    assert_int_equal(callback_decide(asked, 1, false, &NOTHING), CB_NO_BOOKING);
    cb_function unavailable[] = {{"collect_appointment_data", "no_slot", "unavailable", false}};
    assert_int_equal(callback_decide(unavailable, 1, false, &NOTHING), CB_NO_BOOKING);
    cb_function retry_input[] = {{"book_appointment", "invalid_input", "error", false}};
    assert_int_equal(callback_decide(retry_input, 1, false, &NOTHING), CB_NO_BOOKING);
    /* only the analysis */
    assert_int_equal(callback_decide(NULL, 0, false, &WANTED), CB_ANALYSIS);
}

static void met_wishes_and_other_calls_open_nothing(void **state)
{
    (void)state;
    assert_int_equal(callback_decide(NULL, 0, false, &NOTHING), CB_NONE);
    assert_int_equal(callback_decide(NULL, 0, false, &WANTED_BOOKED), CB_NONE);
    assert_int_equal(callback_decide(NULL, 0, true, &WANTED), CB_NONE);
    cb_function info[] = {{"check_customer", "ok", "found", false}, {"unknown_thing", "unknown_function", NULL, false}};
    assert_int_equal(callback_decide(info, N(info), false, &NOTHING), CB_NONE);
    /* failed first, booked in the end: the wish was met, by the log row or by the appointment */
    cb_function booked[] = {{"check_availability", "calcom_down", NULL, false}, {"book_appointment", "no_slot", "slot_taken", false},
                            {"book_appointment", "ok", "booked", true}};
    assert_int_equal(callback_decide(booked, N(booked), false, &WANTED), CB_NONE);
    assert_int_equal(callback_decide(booked, 2, true, &WANTED), CB_NONE);
    /* but a booking does not answer a refused cancellation */
    cb_function both[] = {{"book_appointment", "ok", "booked", true}, {"cancel_appointment", "refused_identity", NULL, false}};
    assert_int_equal(callback_decide(both, N(both), false, &NOTHING), CB_PROMISED);
}

static void the_strongest_reason_wins_in_any_order(void **state)
{
    (void)state;
    cb_function a[] = {{"check_availability", "ok", "available", false},
                       {"book_appointment", "no_slot", "slot_taken", false},
                       {"check_availability", "calcom_down", NULL, false}};
    assert_int_equal(callback_decide(a, N(a), false, &WANTED), CB_PROMISED);
    cb_function b[] = {{"book_appointment", "no_slot", "slot_taken", false}, {"check_availability", "ok", "available", false}};
    assert_int_equal(callback_decide(b, N(b), false, &WANTED), CB_BOOKING_FAILED);
}

static void the_analysis_says_wanted_or_booked(void **state)
{
    (void)state;
    cb_analysis an = callback_analysis_of("{\"termin_gewuenscht\":true,\"termin_gebucht\":false}");
    assert_true(an.wanted);
    assert_false(an.booked_said);
    an = callback_analysis_of("{\"terminwunsch\":\"ja\"}");
    assert_true(an.wanted);
    an = callback_analysis_of("{\"appointment_requested\":1,\"appointment_booked\":\"yes\"}");
    assert_true(an.wanted && an.booked_said);
    /* the legacy agent's fields alone say nothing about a wish */
    an = callback_analysis_of("{\"termin_gebucht\":false,\"leistung\":\"Herrenhaarschnitt\"}");
    assert_false(an.wanted);
    an = callback_analysis_of("{\"termin_gewuenscht\":\"nein\"}");
    assert_false(an.wanted);
    an = callback_analysis_of("not json");
    assert_false(an.wanted || an.booked_said);
    an = callback_analysis_of(NULL);
    assert_false(an.wanted || an.booked_said);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reasons_have_their_words),
        cmocka_unit_test(each_kind_of_unmet_wish),
        cmocka_unit_test(met_wishes_and_other_calls_open_nothing),
        cmocka_unit_test(the_strongest_reason_wins_in_any_order),
        cmocka_unit_test(the_analysis_says_wanted_or_booked),
    };
    return cmocka_run_group_tests_name("callbacks", tests, NULL, NULL);
}
