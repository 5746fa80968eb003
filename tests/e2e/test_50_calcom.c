/* test_50_calcom.c: Cal.com fixtures, signed, through nginx, become the right
 * appointments and customers; asserted column by column. */
#include "e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UID_CREATED "mT4kQ8vXb2nR7sLp9wE3Yd"
#define UID_RESCHED "Vd8sPq2LmX4nB6tY1kR9Wz"
#define UID_CANCEL "Qz7rN3kW5pH8tJ2vX6mC4b"
#define UID_REQUEST "Ys2bF6nM9qT4wK7vR3pX8c"
#define UID_PHONE "Hc5wZ9tR2yK7pN4mB8xF3q"
#define BRANCH "5a0d6c1e-2b7f-4e39-9c41-7d2f0e8b4a11"
#define STAFF "d41f8a63-7b2e-4c90-a5d8-3e6f1b9c0d44"

/* Post and wait until processed; returns the webhook_events id. */
static uint64_t deliver(const char *body, const char *want_status)
{
    e2e_response r = e2e_post_signed("calcom", "/api/calcom/webhook", body, strlen(body));
    if (r.status != 200) fail_msg("delivery answered %ld: %s", r.status, r.body);
    int64_t id = 0;
    assert_true(json_get_int(r.json, "id", &id));
    if (!e2e_wait_status((uint64_t)id, want_status, 15)) {
        db_param p = db_int(id);
        fail_msg("event %lld is %s (%s), expected %s", (long long)id,
                 e2e_scalar("SELECT status FROM webhook_events WHERE id = ?", &p, 1),
                 e2e_scalar("SELECT COALESCE(error_message, notes) FROM webhook_events WHERE id = ?", &p, 1), want_status);
    }
    return (uint64_t)id;
}

/* One column of the appointment of a booking chain (any of its uids), as text. */
static const char *appt(const char *uid, const char *expr)
{
    db_param p[] = {db_str(uid), db_str(uid)};
    return e2e_scalar(arena_printf(e2e_arena(),
                                   "SELECT %s FROM appointments WHERE calcom_v2_booking_id = ? OR external_id = ?"
                                   " ORDER BY id LIMIT 1", expr),
                      p, 2);
}

static long long appt_count(const char *uid)
{
    db_param p[] = {db_str(uid), db_str(uid)};
    return e2e_count("SELECT COUNT(*) FROM appointments WHERE calcom_v2_booking_id = ? OR external_id = ?", p, 2);
}

static const char *cust(const char *uid, const char *col)
{
    db_param p[] = {db_str(uid), db_str(uid)};
    return e2e_scalar(arena_printf(e2e_arena(),
                                   "SELECT c.%s FROM customers c JOIN appointments a ON a.customer_id = c.id"
                                   " WHERE a.calcom_v2_booking_id = ? OR a.external_id = ? LIMIT 1", col),
                      p, 2);
}

#define EQ(actual, expected) assert_string_equal((actual) ? (actual) : "(null)", (expected))

static int setup(void **state)
{
    if (e2e_setup(state) != 0) return -1;
    /* a second tenant with its own event type, for isolation tests */
    static const char *const SQL[] = {
        "INSERT IGNORE INTO companies (id, name, slug, timezone, is_active, created_at, updated_at)"
        " VALUES (3, 'Barbier Nord', 'barbier-nord', 'Europe/Berlin', 1, NOW(), NOW())",
        "INSERT IGNORE INTO branches (id, company_id, name, slug, active, is_active, created_at, updated_at)"
        " VALUES ('7c1e2d3f-0000-4000-8000-000000000003', 3, 'Barbier Nord Hamburg', 'barbier-nord-hamburg', 1, 1, NOW(), NOW())",
        "INSERT IGNORE INTO services (id, company_id, branch_id, name, duration_minutes, is_active, calcom_event_type_id,"
        " created_at, updated_at) VALUES (301, 3, '7c1e2d3f-0000-4000-8000-000000000003', 'Bartpflege', 30, 1, '9900001', NOW(), NOW())",
    };
    for (size_t i = 0; i < 3; i++)
        if (db_exec(e2e_db(), SQL[i], NULL, 0, NULL, NULL) != 0) {
            fprintf(stderr, "setup: %s\n", db_error(e2e_db()));
            return -1;
        }
    return 0;
}

static void created_booking_is_a_complete_appointment(void **state)
{
    (void)state;
    size_t len;
    const char *uid;
    const char *body = e2e_fixture_new_id("calcom/webhook_booking_created.json", UID_CREATED, &uid, &len);
    uint64_t ev = deliver(body, "processed");
    EQ(appt(uid, "company_id"), "2");
    EQ(appt(uid, "branch_id"), BRANCH);
    EQ(appt(uid, "service_id"), "101");
    EQ(appt(uid, "staff_id"), STAFF);
    EQ(appt(uid, "DATE_FORMAT(starts_at, '%Y-%m-%d %H:%i:%s')"), "2026-03-12 09:00:00");
    EQ(appt(uid, "DATE_FORMAT(ends_at, '%Y-%m-%d %H:%i:%s')"), "2026-03-12 10:00:00");
    EQ(appt(uid, "status"), "confirmed");
    EQ(appt(uid, "source"), "cal.com");
    EQ(appt(uid, "calcom_booking_id"), "4711023");
    EQ(appt(uid, "external_id"), uid);
    EQ(appt(uid, "calcom_host_id"), "48213");
    EQ(appt(uid, "notes"), "Bitte nur Spitzen schneiden, kein Föhnen nötig.");
    EQ(appt(uid, "booking_timezone"), "Europe/Berlin");
    EQ(appt(uid, "JSON_VALUE(metadata, '$.switchboard.calcom_event_type_id')"), "1843201");
    EQ(appt(uid, "JSON_VALUE(metadata, '$.switchboard.calcom_event_type_slug')"), "damenhaarschnitt");
    assert_null(appt(uid, "cancelled_at"));
    EQ(cust(uid, "name"), "Lena Schmidt");
    EQ(cust(uid, "email"), "lena.schmidt@example.com");
    EQ(cust(uid, "phone"), "+4915123456789");
    EQ(cust(uid, "company_id"), "2");
    EQ(cust(uid, "source"), "cal.com");
    /* the event knows its tenant now, and the audit trail names the event */
    db_param e = db_int((long long)ev);
    EQ(e2e_scalar("SELECT company_id FROM webhook_events WHERE id = ?", &e, 1), "2");
    assert_true(e2e_count("SELECT COUNT(*) FROM switchboard_audit WHERE webhook_event_id = ? AND table_name ="
                          " 'appointments' AND action = 'insert'", &e, 1) == 1);
}

static void duplicate_delivery_and_replay_change_nothing(void **state)
{
    (void)state;
    size_t len;
    const char *uid;
    const char *body = e2e_fixture_new_id("calcom/webhook_booking_created.json", UID_CREATED, &uid, &len);
    uint64_t ev = deliver(body, "processed");
    long long audits = e2e_count("SELECT COUNT(*) FROM switchboard_audit", NULL, 0);
    const char *updated = appt(uid, "updated_at");
    e2e_response again = e2e_post_signed("calcom", "/api/calcom/webhook", body, len);
    assert_string_equal(json_get_str(again.json, "status"), "duplicate");
    const char *out;
    assert_int_equal(e2e_cli(arena_printf(e2e_arena(), "replay %llu", (unsigned long long)ev), &out), 0);
    assert_non_null(strstr(out, "unchanged"));
    assert_int_equal(appt_count(uid), 1);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM switchboard_audit", NULL, 0), audits);
    EQ(appt(uid, "updated_at"), updated);
}

static void requested_then_confirmed_is_one_row(void **state)
{
    (void)state;
    size_t len;
    const char *uid;
    const char *req = e2e_fixture_new_id("calcom/webhook_booking_requested.json", UID_REQUEST, &uid, &len);
    deliver(req, "processed");
    EQ(appt(uid, "status"), "pending");
    EQ(appt(uid, "service_id"), "103");
    const char *conf = e2e_replace(e2e_replace(e2e_replace(req, "\"BOOKING_REQUESTED\"", "\"BOOKING_CREATED\""),
                                               "\"PENDING\"", "\"ACCEPTED\""),
                                   "2026-03-20T19:27:11.640Z", "2026-03-21T08:00:00.000Z");
    deliver(conf, "processed");
    assert_int_equal(appt_count(uid), 1);
    EQ(appt(uid, "status"), "confirmed");
    EQ(appt(uid, "DATE_FORMAT(starts_at, '%Y-%m-%d %H:%i')"), "2026-04-02 08:00");
}

static void reschedule_moves_the_one_row_and_keeps_the_old_time(void **state)
{
    (void)state;
    size_t len;
    const char *old_uid;
    const char *created = e2e_fixture_new_id("calcom/webhook_booking_created.json", UID_CREATED, &old_uid, &len);
    deliver(created, "processed");
    const char *new_uid = arena_printf(e2e_arena(), "%s_new", old_uid);
    size_t fl;
    const char *resched = e2e_replace(e2e_replace(e2e_fixture("calcom/webhook_booking_rescheduled.json", &fl),
                                                  UID_CREATED, old_uid), UID_RESCHED, new_uid);
    deliver(resched, "processed");
    assert_int_equal(appt_count(old_uid), 1);
    assert_int_equal(appt_count(new_uid), 1);
    EQ(appt(new_uid, "calcom_v2_booking_id"), new_uid);
    EQ(appt(new_uid, "external_id"), old_uid);
    EQ(appt(new_uid, "calcom_booking_id"), "4711187");
    EQ(appt(new_uid, "status"), "rescheduled");
    EQ(appt(new_uid, "DATE_FORMAT(starts_at, '%Y-%m-%d %H:%i')"), "2026-03-13 13:00");
    EQ(appt(new_uid, "DATE_FORMAT(previous_starts_at, '%Y-%m-%d %H:%i')"), "2026-03-12 09:00");
    EQ(appt(new_uid, "DATE_FORMAT(rescheduled_at, '%Y-%m-%d %H:%i:%s')"), "2026-03-11 07:58:02");
    EQ(appt(new_uid, "JSON_CONTAINS(JSON_EXTRACT(metadata, '$.switchboard.previous_uids'), JSON_QUOTE(external_id))"), "1");
    /* the meeting ends (flat MEETING_ENDED of the new uid) */
    const char *ended = e2e_replace(e2e_replace(e2e_fixture("calcom/webhook_meeting_ended.json", &fl), UID_CREATED, old_uid),
                                    UID_RESCHED, new_uid);
    deliver(ended, "processed");
    EQ(appt(new_uid, "status"), "completed");
    assert_int_equal(appt_count(old_uid), 1);
}

static void reschedule_before_create_converges(void **state)
{
    (void)state;
    size_t len;
    const char *old_uid;
    const char *created = e2e_fixture_new_id("calcom/webhook_booking_created.json", UID_CREATED, &old_uid, &len);
    const char *new_uid = arena_printf(e2e_arena(), "%s_new", old_uid);
    size_t fl;
    const char *resched = e2e_replace(e2e_replace(e2e_fixture("calcom/webhook_booking_rescheduled.json", &fl),
                                                  UID_CREATED, old_uid), UID_RESCHED, new_uid);
    deliver(resched, "processed");
    deliver(created, "processed"); /* late */
    assert_int_equal(appt_count(old_uid), 1);
    EQ(appt(old_uid, "calcom_v2_booking_id"), new_uid);
    EQ(appt(old_uid, "DATE_FORMAT(starts_at, '%Y-%m-%d %H:%i')"), "2026-03-13 13:00");
    EQ(appt(old_uid, "status"), "rescheduled");
}

static void cancellation_with_reason_and_before_creation(void **state)
{
    (void)state;
    size_t len;
    const char *uid;
    /* the fixture cancels a booking we never saw created */
    const char *cancel = e2e_fixture_new_id("calcom/webhook_booking_cancelled.json", UID_CANCEL, &uid, &len);
    deliver(cancel, "processed");
    EQ(appt(uid, "status"), "cancelled");
    EQ(appt(uid, "cancellation_reason"), "Bin leider krank geworden.");
    EQ(appt(uid, "DATE_FORMAT(cancelled_at, '%Y-%m-%d %H:%i:%s')"), "2026-03-10 18:04:45");
    EQ(appt(uid, "DATE_FORMAT(starts_at, '%Y-%m-%d %H:%i')"), "2026-03-11 16:30");
    EQ(appt(uid, "service_id"), "102");
    EQ(cust(uid, "name"), "Maximilian Weber");
    EQ(cust(uid, "phone"), "+4916098765432");
    /* the creation, delivered late, does not bring it back */
    const char *create = e2e_replace(e2e_replace(e2e_replace(cancel, "\"BOOKING_CANCELLED\"", "\"BOOKING_CREATED\""),
                                                 "\"CANCELLED\"", "\"ACCEPTED\""),
                                     "2026-03-10T18:04:45.330Z", "2026-03-09T11:00:00.000Z");
    deliver(create, "processed");
    assert_int_equal(appt_count(uid), 1);
    EQ(appt(uid, "status"), "cancelled");

    /* and the usual order: created, then cancelled */
    const char *uid2;
    const char *created = e2e_fixture_new_id("calcom/webhook_booking_created.json", UID_CREATED, &uid2, &len);
    deliver(created, "processed");
    size_t fl;
    const char *cancel2 = e2e_replace(e2e_fixture("calcom/webhook_booking_cancelled.json", &fl), UID_CANCEL, uid2);
    cancel2 = e2e_replace(cancel2, "\"eventTypeId\": 1843202", "\"eventTypeId\": 1843201");
    deliver(cancel2, "processed");
    assert_int_equal(appt_count(uid2), 1);
    EQ(appt(uid2, "status"), "cancelled");
    EQ(appt(uid2, "cancellation_reason"), "Bin leider krank geworden.");
    EQ(appt(uid2, "DATE_FORMAT(starts_at, '%Y-%m-%d %H:%i')"), "2026-03-12 09:00"); /* the cancel does not move it */
}

static void tenants_are_isolated_and_share_an_email(void **state)
{
    (void)state;
    size_t len;
    const char *uid;
    const char *body = e2e_fixture_new_id("calcom/webhook_booking_created.json", UID_CREATED, &uid, &len);
    body = e2e_replace(body, "\"eventTypeId\": 1843201", "\"eventTypeId\": 9900001");
    deliver(body, "processed");
    EQ(appt(uid, "company_id"), "3");
    EQ(appt(uid, "service_id"), "301");
    EQ(appt(uid, "branch_id"), "7c1e2d3f-0000-4000-8000-000000000003");
    assert_null(appt(uid, "staff_id")); /* company 2's staff is not company 3's */
    EQ(cust(uid, "company_id"), "3");
    EQ(cust(uid, "email"), "lena.schmidt@example.com");
    /* the same address is a customer of company 2 too: two rows, one per tenant */
    assert_int_equal(e2e_count("SELECT COUNT(DISTINCT company_id) FROM customers WHERE email = 'lena.schmidt@example.com'",
                               NULL, 0), 2);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM customers WHERE email = 'lena.schmidt@example.com'", NULL, 0), 2);
}

static void unknown_event_type_is_dead_until_mapped(void **state)
{
    (void)state;
    size_t len;
    const char *uid;
    const char *body = e2e_fixture_new_id("calcom/webhook_booking_created.json", UID_CREATED, &uid, &len);
    body = e2e_replace(e2e_replace(e2e_replace(body, "\"eventTypeId\": 1843201", "\"eventTypeId\": 9977001"),
                                   "lena.schmidt@example.com", "erika.neu@example.com"),
                       "+4915123456789", "+4915199990000");
    long long customers = e2e_count("SELECT COUNT(*) FROM customers", NULL, 0);
    uint64_t ev = deliver(body, "dead");
    db_param e = db_int((long long)ev);
    const char *msg = e2e_scalar("SELECT error_message FROM webhook_events WHERE id = ?", &e, 1);
    assert_non_null(strstr(msg, "9977001"));
    assert_int_equal(appt_count(uid), 0);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM customers", NULL, 0), customers);
    /* an operator maps it, then replays */
    assert_int_equal(db_exec(e2e_db(),
                             "INSERT INTO services (company_id, branch_id, name, duration_minutes, is_active,"
                             " calcom_event_type_id, created_at, updated_at) VALUES (3, '7c1e2d3f-0000-4000-8000-000000000003',"
                             " 'Neu', 60, 1, '9977001', NOW(), NOW())", NULL, 0, NULL, NULL), 0);
    const char *out;
    assert_int_equal(e2e_cli(arena_printf(e2e_arena(), "replay %llu", (unsigned long long)ev), &out), 0);
    assert_non_null(strstr(out, "processed"));
    EQ(appt(uid, "company_id"), "3");
    EQ(cust(uid, "email"), "erika.neu@example.com");
}

static void phone_only_attendee_has_no_email(void **state)
{
    (void)state;
    size_t len;
    const char *uid;
    const char *body = e2e_fixture_new_id("calcom/webhook_booking_created_phone_agent.json", UID_PHONE, &uid, &len);
    deliver(body, "processed");
    EQ(cust(uid, "name"), "Jonas Becker");
    assert_null(cust(uid, "email")); /* 4917612345678@sms.cal.com is no mailbox */
    EQ(cust(uid, "phone"), "+4917612345678");
    EQ(appt(uid, "service_id"), "102");
    EQ(appt(uid, "JSON_VALUE(metadata, '$.switchboard.booking_metadata.retell_call_id')"),
       "call_9f2c41d7b8e34a6f8d12c07be5a91f3e");
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM customers WHERE email LIKE '%@sms.cal.com' OR email LIKE"
                               " '%@noemail.com'", NULL, 0), 0);
    /* the same caller booking again by phone is the same customer, matched on any spelling */
    const char *uid2;
    const char *again = e2e_fixture_new_id("calcom/webhook_booking_created_phone_agent.json", UID_PHONE, &uid2, &len);
    again = e2e_replace(again, "\"phoneNumber\": \"+4917612345678\"", "\"phoneNumber\": \"0176 12345678\"");
    deliver(again, "processed");
    EQ(cust(uid2, "id"), cust(uid, "id"));
}

static void ping_and_unknown_triggers_are_ignored(void **state)
{
    (void)state;
    size_t len;
    const char *ping = e2e_fixture("calcom/webhook_ping.json", &len);
    e2e_response r = e2e_post_signed("calcom", "/api/calcom/webhook", ping, len);
    assert_int_equal(r.status, 200);
    int64_t id = 0;
    assert_true(json_get_int(r.json, "id", &id));
    assert_true(e2e_wait_status((uint64_t)id, "ignored", 10));
    const char *odd = arena_printf(e2e_arena(), "{\"triggerEvent\":\"FORM_SUBMITTED\",\"createdAt\":\"2026-03-09T10:15:00Z\","
                                                "\"payload\":{\"uid\":\"form-%d\"}}", (int)getpid());
    uint64_t ev = deliver(odd, "ignored");
    db_param e = db_int((long long)ev);
    assert_non_null(strstr(e2e_scalar("SELECT notes FROM webhook_events WHERE id = ?", &e, 1), "FORM_SUBMITTED"));
}

static void no_show_and_legacy_dotted_spellings(void **state)
{
    (void)state;
    size_t len;
    const char *uid;
    const char *created = e2e_fixture_new_id("calcom/webhook_booking_created.json", UID_CREATED, &uid, &len);
    deliver(e2e_replace(created, "\"BOOKING_CREATED\"", "\"BOOKING.CREATED\""), "processed");
    EQ(appt(uid, "status"), "confirmed");
    const char *noshow = arena_printf(e2e_arena(),
                                      "{\"triggerEvent\":\"BOOKING_NO_SHOW_UPDATED\",\"createdAt\":\"2026-03-12T11:00:00.000Z\","
                                      "\"payload\":{\"message\":\"lena.schmidt@example.com marked as no-show\","
                                      "\"attendees\":[{\"email\":\"lena.schmidt@example.com\",\"noShow\":true}],"
                                      "\"bookingUid\":\"%s\",\"bookingId\":4711023}}", uid);
    deliver(noshow, "processed");
    EQ(appt(uid, "status"), "no_show");
    /* un-marked later: back to confirmed */
    const char *undo = e2e_replace(e2e_replace(noshow, "\"noShow\":true", "\"noShow\":false"),
                                   "2026-03-12T11:00:00.000Z", "2026-03-12T12:00:00.000Z");
    deliver(undo, "processed");
    EQ(appt(uid, "status"), "confirmed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(created_booking_is_a_complete_appointment),
        cmocka_unit_test(duplicate_delivery_and_replay_change_nothing),
        cmocka_unit_test(requested_then_confirmed_is_one_row),
        cmocka_unit_test(reschedule_moves_the_one_row_and_keeps_the_old_time),
        cmocka_unit_test(reschedule_before_create_converges),
        cmocka_unit_test(cancellation_with_reason_and_before_creation),
        cmocka_unit_test(tenants_are_isolated_and_share_an_email),
        cmocka_unit_test(unknown_event_type_is_dead_until_mapped),
        cmocka_unit_test(phone_only_attendee_has_no_email),
        cmocka_unit_test(ping_and_unknown_triggers_are_ignored),
        cmocka_unit_test(no_show_and_legacy_dotted_spellings),
    };
    return cmocka_run_group_tests_name("e2e_calcom", tests, setup, e2e_teardown);
}
