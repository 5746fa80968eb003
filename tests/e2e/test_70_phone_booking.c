/* test_70_phone_booking.c: the phone story of the fixtures, end to end: the
 * agent's function calls book, move and cancel in the fake Cal.com, the
 * appointment is linked both ways, and Cal.com's webhook converges on it. */
#include "e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CALL_ID "call_9f2c41d7b8e34a6f8d12c07be5a91f3e"
#define EQ(actual, expected) assert_string_equal((actual) ? (actual) : "(null)", (expected))

static const char *fake_url(const char *path)
{
    const char *colon = strrchr(getenv("SB_TEST_URL"), ':');
    return arena_printf(e2e_arena(), "http://127.0.0.1:%d%s", atoi(colon + 1) + 1, path);
}

static json_object *fake(const char *method, const char *path, const char *body) { return e2e_fake_calcom(method, path, body); }

/* The status the fake Cal.com answers to a request with these version and content type
 * headers (NULL: left out). */
static long fake_status(const char *method, const char *path, const char *version, const char *type, const char *body)
{
    http_client_response r;
    char err[256];
    const char *h[4] = {arena_printf(e2e_arena(), "Authorization: Bearer %s", e2e_config()->calcom_api_key), NULL, NULL, NULL};
    size_t n = 1;
    if (version) h[n++] = arena_printf(e2e_arena(), "cal-api-version: %s", version);
    if (type) h[n++] = arena_printf(e2e_arena(), "Content-Type: %s", type);
    if (http_client_request(method, fake_url(path), h, body, body ? strlen(body) : 0, 10000, &r, err, sizeof err) != 0)
        fail_msg("fake Cal.com: %s", err);
    long status = r.status;
    http_client_response_free(&r);
    return status;
}

/* the booking the fake holds under uid (a new reference, NULL if none) */
static json_object *fake_booking(const char *uid)
{
    json_object *all = fake("GET", "/_bookings", NULL), *found = NULL;
    for (size_t i = 0; all && i < json_object_array_length(all); i++) {
        json_object *b = json_object_array_get_idx(all, i);
        const char *u = json_get_str(b, "uid");
        if (u && !strcmp(u, uid)) found = json_object_get(b);
    }
    json_object_put(all);
    return found;
}

/* bookings in the fake for a UTC start, by status */
static int fake_bookings(const char *start_utc, const char *status)
{
    json_object *all = fake("GET", "/_bookings", NULL);
    int n = 0;
    for (size_t i = 0; all && i < json_object_array_length(all); i++) {
        json_object *b = json_object_array_get_idx(all, i);
        const char *s = json_get_str(b, "start"), *st = json_get_str(b, "status");
        if (s && !strncmp(s, start_utc, 19) && (!status || !strcmp(st, status))) n++;
    }
    json_object_put(all);
    return n;
}

/* a day `days` ahead, as "dd.mm.yyyy" (Berlin) and its Y-M-D */
static const char *day_de(int days) { return e2e_day_de(days); }

/* the UTC ISO start of hh:mm Berlin on that day */
static const char *utc_of(int days, int h, int m) { return e2e_berlin_utc(days, h, m); }

static const char *new_call(void) { return e2e_started_call("call_fn"); }

/* Retell's envelope, signed, to the dispatcher. */
static e2e_response fn(const char *call_id, const char *name, const char *args_json)
{
    const char *body = arena_printf(e2e_arena(),
                                    "{\"call\":{\"call_id\":\"%s\",\"from_number\":\"+4917612345678\",\"to_number\":\"+4922112345678\","
                                    "\"direction\":\"inbound\",\"call_status\":\"ongoing\"},\"name\":\"%s\",\"args\":%s}",
                                    call_id, name, args_json);
    e2e_response r = e2e_post_signed("retell", "/api/webhooks/retell/function", body, strlen(body));
    if (r.status != 200 || !r.json) fail_msg("%s answered %ld: %s", name, r.status, r.body);
    const char *msg = json_get_str(r.json, "message");
    if (!msg || !*msg) fail_msg("%s: no spoken message: %s", name, r.body);
    return r;
}

static const char *call_col(const char *call_id, const char *expr)
{
    db_param p = db_str(call_id);
    return e2e_scalar(arena_printf(e2e_arena(), "SELECT %s FROM calls WHERE retell_call_id = ?", expr), &p, 1);
}

static const char *appt_col(const char *uid, const char *expr)
{
    db_param p = db_str(uid);
    return e2e_scalar(arena_printf(e2e_arena(), "SELECT %s FROM appointments WHERE calcom_v2_booking_id = ?", expr), &p, 1);
}

static int ok(e2e_response r)
{
    bool b = false;
    return json_get_bool(r.json, "success", &b) && b;
}

static void the_phone_story_books_one_linked_appointment(void **state)
{
    (void)state;
    const char *id = new_call();
    const char *day = day_de(3);
    e2e_response r = fn(id, "check_availability", arena_printf(e2e_arena(),
                        "{\"service\":\"herrenhaarschnitt\",\"date\":\"%s\",\"preferred_time\":\"15:30\"}", day));
    assert_true(ok(r));
    assert_true(json_object_get_boolean(json_get(r.json, "available")));
    int before = fake_bookings(utc_of(3, 15, 30), NULL);
    const char *args = arena_printf(e2e_arena(), "{\"call_id\":\"{{call_id}}\",\"datum\":\"%s\",\"uhrzeit\":\"15:30\","
                                                 "\"name\":\"Jonas Becker\",\"dienstleistung\":\"Herrenhaarschnitt\"", day);
    r = fn(id, "collect_appointment_data_v17", arena_printf(e2e_arena(), "%s}", args));
    EQ(json_get_str(r.json, "status"), "available");
    EQ(json_get_str(r.json, "bestaetigung_status"), "pending");
    assert_int_equal(fake_bookings(utc_of(3, 15, 30), NULL), before); /* checking books nothing */
    r = fn(id, "collect_appointment_data", arena_printf(e2e_arena(), "%s,\"bestaetigung\":true}", args));
    assert_true(ok(r));
    EQ(json_get_str(r.json, "status"), "booked");
    const char *uid = json_get_str(r.json, "booking_uid");
    assert_non_null(uid);
    assert_int_equal(fake_bookings(utc_of(3, 15, 30), "accepted"), 1);
    /* what reached Cal.com: the verified caller as a phone-only attendee, and the call in metadata
     * (api_v2_create_booking.request.json) */
    json_object *held = fake_booking(uid);
    assert_non_null(held);
    json_object *att = json_object_array_get_idx(json_get(held, "attendees"), 0);
    EQ(json_get_str(att, "name"), "Jonas Becker");
    EQ(json_get_str(att, "phoneNumber"), "+4917612345678");
    EQ(json_get_str(att, "timeZone"), "Europe/Berlin");
    EQ(json_get_str(held, "metadata.retell_call_id"), id);
    json_object_put(held);
    /* linked both ways */
    const char *appt = appt_col(uid, "id");
    assert_non_null(appt);
    EQ(appt_col(uid, "call_id"), call_col(id, "id"));
    EQ(appt_col(uid, "company_id"), "2");
    EQ(appt_col(uid, "branch_id"), "5a0d6c1e-2b7f-4e39-9c41-7d2f0e8b4a11");
    EQ(appt_col(uid, "service_id"), "102");
    EQ(appt_col(uid, "source"), "phone");
    EQ(appt_col(uid, "status"), "confirmed");
    EQ(appt_col(uid, "DATE_FORMAT(starts_at, '%Y-%m-%dT%H:%i:%s')"), utc_of(3, 15, 30));
    EQ(call_col(id, "converted_appointment_id"), appt);
    EQ(call_col(id, "appointment_made"), "1");
    EQ(call_col(id, "converted_to_appointment"), "1");
    EQ(call_col(id, "appointment_link_status"), "linked");
    EQ(appt_col(uid, "(SELECT name FROM customers WHERE id = customer_id)"), "Jonas Becker");
    /* the call ends; then Cal.com tells us about the booking: still one appointment */
    size_t len;
    const char *ended = e2e_replace(e2e_fixture("retell/webhook_call_ended.json", &len), CALL_ID, id);
    e2e_response e = e2e_post_signed("retell", "/api/webhooks/retell", ended, strlen(ended));
    int64_t ev;
    assert_true(json_get_int(e.json, "id", &ev));
    assert_true(e2e_wait_status((uint64_t)ev, "processed", 10));
    EQ(call_col(id, "status"), "completed");
    EQ(call_col(id, "converted_appointment_id"), appt);
    const char *hook = e2e_replace(e2e_fixture("calcom/webhook_booking_created_phone_agent.json", &len), "Hc5wZ9tR2yK7pN4mB8xF3q", uid);
    hook = e2e_replace(hook, "2026-03-12T14:30:00Z", arena_printf(e2e_arena(), "%sZ", utc_of(3, 15, 30)));
    hook = e2e_replace(hook, "2026-03-12T15:00:00Z", arena_printf(e2e_arena(), "%sZ", utc_of(3, 16, 0)));
    hook = e2e_replace(hook, CALL_ID, id);
    e = e2e_post_signed("calcom", "/api/calcom/webhook", hook, strlen(hook));
    assert_true(json_get_int(e.json, "id", &ev));
    assert_true(e2e_wait_status((uint64_t)ev, "processed", 10));
    db_param u = db_str(uid);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM appointments WHERE calcom_v2_booking_id = ?", &u, 1), 1);
    EQ(appt_col(uid, "call_id"), call_col(id, "id"));
    EQ(appt_col(uid, "id"), appt);
}

/* The fake holds every client to the contracts of tests/fixtures/calcom: a lax fake would let
 * a client that sends the wrong version, content type or attendee pass these tests. */
static void the_fake_calcom_refuses_what_calcom_refuses(void **state)
{
    (void)state;
    const char *slots = arena_printf(e2e_arena(), "/v2/slots?eventTypeId=1843202&start=%.10s&end=%.10s&timeZone=UTC",
                                     utc_of(9, 12, 0), utc_of(9, 12, 0));
    assert_int_equal(fake_status("GET", slots, "2024-09-04", NULL, NULL), 200);
    assert_int_equal(fake_status("GET", slots, "2024-08-13", NULL, NULL), 400); /* the bookings version */
    assert_int_equal(fake_status("GET", slots, NULL, NULL, NULL), 400);
    /* the fixture's own request body, moved to an offered slot of a day ahead, is booked */
    size_t len;
    json_object *fx = json_tokener_parse(e2e_fixture("calcom/api_v2_create_booking.request.json", &len));
    json_object *body = json_get(fx, "body");
    EQ(json_get_str(fx, "headers.cal-api-version"), "2024-08-13");
    json_object_object_add(body, "start", json_object_new_string(arena_printf(e2e_arena(), "%sZ", utc_of(9, 17, 30))));
    const char *good = arena_strdup(e2e_arena(), json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    static const struct { const char *from, *to; } BAD[] = {
        {"\"phoneNumber\":\"+4917612345678\"", "\"phone\":\"+4917612345678\""},   /* a field v2 does not know */
        {"\"phoneNumber\":\"+4917612345678\"", "\"phoneNumber\":\"017612345678\""}, /* not E.164 */
        {"\"phoneNumber\":\"+4917612345678\",", ""},                              /* neither email nor phone */
        {"\"timeZone\":\"Europe/Berlin\",", ""},
        {"\"name\":\"Jonas Becker\",", ""},
        {"\"source\":\"retell\"", "\"source\":7"},                                /* metadata values are strings */
        {"\"eventTypeId\":1843202", "\"eventTypeId\":\"1843202\""},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        const char *bad = e2e_replace(good, BAD[i].from, BAD[i].to);
        assert_string_not_equal(bad, good);
        long st = fake_status("POST", "/v2/bookings", "2024-08-13", "application/json", bad);
        if (st != 400) fail_msg("the fake answered %ld to %s", st, bad);
    }
    const char *unoffered = e2e_replace(good, utc_of(9, 17, 30), utc_of(9, 17, 45)); /* a slot never offered */
    assert_string_not_equal(unoffered, good);
    assert_int_equal(fake_status("POST", "/v2/bookings", "2024-08-13", "application/json", unoffered), 400);
    assert_int_equal(fake_status("POST", "/v2/bookings", "2024-09-04", "application/json", good), 400);
    assert_int_equal(fake_status("POST", "/v2/bookings", "2024-08-13", "text/plain", good), 415);
    assert_int_equal(fake_status("POST", "/v2/bookings", "2024-08-13", NULL, good), 415);
    assert_int_equal(fake_bookings(utc_of(9, 17, 30), NULL), 0);
    assert_int_equal(fake_status("POST", "/v2/bookings", "2024-08-13", "application/json", good), 201);
    assert_int_equal(fake_bookings(utc_of(9, 17, 30), "accepted"), 1);
    json_object_put(fx);
}

static void a_retried_booking_books_once(void **state)
{
    (void)state;
    const char *id = new_call();
    const char *start = arena_printf(e2e_arena(), "%sZ", utc_of(4, 9, 30));
    const char *args = arena_printf(e2e_arena(), "{\"service\":\"herrenhaarschnitt\",\"start\":\"%s\",\"customer_name\":\"Jonas Becker\"}", start);
    e2e_response a = fn(id, "book_appointment", args);
    e2e_response b = fn(id, "book_appointment", args); /* Retell's retry */
    assert_true(ok(a));
    assert_true(ok(b));
    EQ(json_get_str(b.json, "booking_uid"), json_get_str(a.json, "booking_uid"));
    assert_int_equal(fake_bookings(utc_of(4, 9, 30), NULL), 1);
    db_param u = db_str(json_get_str(a.json, "booking_uid"));
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM appointments WHERE calcom_v2_booking_id = ?", &u, 1), 1);
}

static void a_taken_slot_gets_alternatives(void **state)
{
    (void)state;
    const char *id = new_call();
    /* someone books 16:00 on the web a moment before */
    json_object *j = fake("POST", "/v2/bookings", arena_printf(e2e_arena(),
                          "{\"start\":\"%sZ\",\"eventTypeId\":1843202,\"attendee\":{\"name\":\"Web\",\"timeZone\":\"Europe/Berlin\","
                          "\"email\":\"web@example.com\"}}", utc_of(5, 16, 0)));
    EQ(json_get_str(j, "status"), "success");
    json_object_put(j);
    e2e_response r = fn(id, "book_appointment", arena_printf(e2e_arena(),
                        "{\"service\":\"herrenhaarschnitt\",\"datum\":\"%s\",\"uhrzeit\":\"16:00\",\"customer_name\":\"Jonas Becker\"}", day_de(5)));
    assert_false(ok(r));
    EQ(json_get_str(r.json, "status"), "slot_taken");
    assert_non_null(strstr(json_get_str(r.json, "message"), "wäre noch frei"));
    assert_true(json_object_array_length(json_get(r.json, "slots")) >= 1);
    assert_int_equal(fake_bookings(utc_of(5, 16, 0), NULL), 1);
}

static void calcom_down_is_a_spoken_error_and_no_row(void **state)
{
    (void)state;
    const char *id = new_call();
    json_object_put(fake("POST", "/_control", "{\"fail_500\":true}"));
    e2e_response r = fn(id, "book_appointment", arena_printf(e2e_arena(),
                        "{\"service\":\"herrenhaarschnitt\",\"datum\":\"%s\",\"uhrzeit\":\"11:30\",\"customer_name\":\"Jonas Becker\"}", day_de(6)));
    json_object_put(fake("POST", "/_control", "{\"fail_500\":false}"));
    assert_false(ok(r));
    EQ(json_get_str(r.json, "status"), "error");
    assert_non_null(strstr(json_get_str(r.json, "message"), "nicht erreichbar"));
    db_param c = db_str(call_col(id, "id"));
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM appointments WHERE call_id = ?", &c, 1), 0);
    assert_null(call_col(id, "converted_appointment_id"));
}

/* A phone booking whose local write fails: a trigger makes phone appointment inserts fail (NULL
 * company_id) while the flag table has a row; the slot is booked in Cal.com, the caller hears so,
 * no row is written. Returns the booking uid; *repair = its phone_booking_repair event. */
static const char *book_with_failing_write(const char *call_id, int days, const char *hhmm, uint64_t *repair)
{
    assert_int_equal(e2e_root_sql("CREATE TABLE IF NOT EXISTS switchboard_test_fail (x INT);"
                              "CREATE TRIGGER IF NOT EXISTS switchboard_test_fail_appt BEFORE INSERT ON appointments FOR EACH ROW"
                              " SET NEW.company_id = IF(NEW.source = 'phone' AND (SELECT COUNT(*) FROM switchboard_test_fail) > 0,"
                              " NULL, NEW.company_id);"
                              "INSERT INTO switchboard_test_fail VALUES (1);"), 0);
    e2e_response r = fn(call_id, "book_appointment", arena_printf(e2e_arena(),
                        "{\"service\":\"herrenhaarschnitt\",\"datum\":\"%s\",\"uhrzeit\":\"%s\",\"customer_name\":\"Jonas Becker\"}",
                        day_de(days), hhmm));
    /* other tests of the run may hold the slot: take the first one offered instead */
    const char *offered = ok(r) ? NULL : json_get_str(r.json, "slots.0.start");
    if (offered)
        r = fn(call_id, "book_appointment", arena_printf(e2e_arena(),
               "{\"service\":\"herrenhaarschnitt\",\"start\":\"%s\",\"customer_name\":\"Jonas Becker\"}", offered));
    if (!ok(r)) fail_msg("book_appointment: %s", r.body);
    const char *uid = arena_strdup(e2e_arena(), json_get_str(r.json, "booking_uid"));
    assert_null(appt_col(uid, "id"));
    db_param k = db_str(uid);
    const char *ev = e2e_scalar("SELECT id FROM webhook_events WHERE event_type = 'phone_booking_repair' AND payload LIKE"
                                " CONCAT('%', ?, '%')", &k, 1);
    assert_non_null(ev);
    *repair = (uint64_t)atoll(ev);
    return uid;
}

static int failing_write_reset(void **state)
{
    (void)state;
    return e2e_root_sql("DROP TRIGGER IF EXISTS switchboard_test_fail_appt; DROP TABLE IF EXISTS switchboard_test_fail;");
}

static void a_failed_local_write_is_repaired_by_the_pipeline(void **state)
{
    (void)state;
    const char *id = new_call();
    uint64_t repair;
    const char *uid = book_with_failing_write(id, 7, "12:00", &repair);
    assert_int_equal(e2e_root_sql("DELETE FROM switchboard_test_fail;"), 0);
    assert_true(e2e_wait_status(repair, "processed", 30));
    EQ(appt_col(uid, "call_id"), call_col(id, "id"));
    EQ(call_col(id, "converted_appointment_id"), appt_col(uid, "id"));
}

/* The phone path finds a row by the webhook path's keys (D196): the local write failed, Cal.com's
 * reschedule of that booking arrived first and wrote the chain's row under the new uid; the repair
 * links that row instead of inserting a second appointment under the old uid (it looked up the
 * current uid only before). */
static void a_repair_finds_the_row_a_reschedule_moved(void **state)
{
    (void)state;
    const char *id = new_call();
    uint64_t repair;
    const char *uid = book_with_failing_write(id, 10, "10:00", &repair);
    /* Cal.com: the booking moved to a new uid (the phone agent's or a web reschedule) */
    const char *moved = arena_printf(e2e_arena(), "%sR", uid);
    size_t len;
    const char *hook = e2e_fixture("calcom/webhook_booking_rescheduled.json", &len);
    hook = e2e_replace(hook, "Vd8sPq2LmX4nB6tY1kR9Wz", moved);
    hook = e2e_replace(hook, "mT4kQ8vXb2nR7sLp9wE3Yd", uid);
    hook = e2e_replace(hook, "\"eventTypeId\": 1843201", "\"eventTypeId\": 1843202");
    hook = e2e_replace(hook, "\"rescheduleId\": 4711023", "\"rescheduleId\": 0");
    hook = e2e_replace(hook, "2026-03-13T13:00:00Z", arena_printf(e2e_arena(), "%sZ", utc_of(10, 11, 0)));
    hook = e2e_replace(hook, "2026-03-13T14:00:00Z", arena_printf(e2e_arena(), "%sZ", utc_of(10, 12, 0)));
    e2e_response e = e2e_post_signed("calcom", "/api/calcom/webhook", hook, strlen(hook));
    int64_t ev;
    assert_true(json_get_int(e.json, "id", &ev));
    assert_true(e2e_wait_status((uint64_t)ev, "processed", 10));
    EQ(appt_col(moved, "external_id"), uid);
    assert_null(appt_col(moved, "call_id"));
    assert_int_equal(e2e_root_sql("DELETE FROM switchboard_test_fail;"), 0);
    assert_true(e2e_wait_status(repair, "processed", 30));
    db_param u[] = {db_str(uid), db_str(moved), db_str(uid)};
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM appointments WHERE calcom_v2_booking_id IN (?, ?) OR external_id = ?", u, 3), 1);
    EQ(appt_col(moved, "call_id"), call_col(id, "id"));
    EQ(call_col(id, "converted_appointment_id"), appt_col(moved, "id"));
}

static void cancel_and_reschedule_reach_calcom(void **state)
{
    (void)state;
    const char *id = new_call();
    e2e_response b = fn(id, "book_appointment", arena_printf(e2e_arena(),
                        "{\"service\":\"herrenhaarschnitt\",\"datum\":\"%s\",\"uhrzeit\":\"09:00\",\"customer_name\":\"Jonas Becker\"}", day_de(8)));
    assert_true(ok(b));
    const char *uid = arena_strdup(e2e_arena(), json_get_str(b.json, "booking_uid"));
    e2e_response r = fn(id, "reschedule_appointment", arena_printf(e2e_arena(),
                        "{\"old_date\":\"%s\",\"new_date\":\"%s\",\"new_time\":\"12:00\"}", day_de(8), day_de(8)));
    assert_true(ok(r));
    EQ(json_get_str(r.json, "status"), "rescheduled");
    const char *new_uid = json_get_str(r.json, "booking_uid");
    assert_int_equal(fake_bookings(utc_of(8, 9, 0), "cancelled"), 1);
    assert_int_equal(fake_bookings(utc_of(8, 12, 0), "accepted"), 1);
    EQ(appt_col(new_uid, "DATE_FORMAT(starts_at, '%Y-%m-%dT%H:%i:%s')"), utc_of(8, 12, 0));
    EQ(appt_col(new_uid, "DATE_FORMAT(previous_starts_at, '%Y-%m-%dT%H:%i:%s')"), utc_of(8, 9, 0));
    EQ(appt_col(new_uid, "status"), "rescheduled");
    assert_null(appt_col(uid, "id")); /* the same row moved to the new uid */
    r = fn(id, "cancel_appointment", arena_printf(e2e_arena(), "{\"datum\":\"%s\",\"reason\":\"Krank\"}", day_de(8)));
    assert_true(ok(r));
    EQ(json_get_str(r.json, "status"), "cancelled");
    assert_int_equal(fake_bookings(utc_of(8, 12, 0), "cancelled"), 1);
    EQ(appt_col(new_uid, "status"), "cancelled");
    EQ(appt_col(new_uid, "cancellation_reason"), "Krank");
}

/* The payload of a row of tests/fixtures/laravel/encrypted.tsv (made as Laravel makes them) */
static const char *laravel_fixture(const char *name)
{
    size_t len;
    const char *tsv = e2e_fixture("laravel/encrypted.tsv", &len);
    const char *at = strstr(tsv, arena_printf(e2e_arena(), "\n%s\t", name));
    assert_non_null(at);
    const char *payload = strchr(strchr(at + 1, '\t') + 1, '\t') + 1;
    return arena_printf(e2e_arena(), "%.*s", (int)strcspn(payload, "\n"), payload);
}

static int company_key_reset(void **state)
{
    (void)state;
    db_exec(e2e_db(), "UPDATE companies SET calcom_api_key = NULL WHERE id = 2", NULL, 0, NULL, NULL);
    json_object_put(fake("POST", "/_control", "{\"accept_key\":\"\"}"));
    return 0;
}

/* companies.calcom_api_key as Laravel stored it (the test stack has the fixtures' APP_KEY):
 * the salon's bookings go to Cal.com with the salon's own key; a value that does not
 * decrypt falls back to calcom.api_key */
static void the_company_calcom_key_is_laravels_encrypted_one(void **state)
{
    (void)state;
    json_object_put(fake("POST", "/_control", "{\"accept_key\":\"cal_live_company2_fixture_key_0001\"}"));
    db_param k = db_str(laravel_fixture("company_calcom_key"));
    assert_int_equal(db_exec(e2e_db(), "UPDATE companies SET calcom_api_key = ? WHERE id = 2", &k, 1, NULL, NULL), 0);
    const char *id = new_call();
    e2e_response r = fn(id, "book_appointment", arena_printf(e2e_arena(),
                        "{\"service\":\"herrenhaarschnitt\",\"datum\":\"%s\",\"uhrzeit\":\"15:30\",\"customer_name\":\"Jonas Becker\"}", day_de(11)));
    assert_true(ok(r));
    json_object *held = fake_booking(json_get_str(r.json, "booking_uid"));
    assert_non_null(held);
    EQ(json_get_str(held, "x_fake_key"), "accept_key");
    json_object_put(held);
    /* a payload changed in one character fails its MAC: nothing is booked, with no key (D117) */
    char *tampered = arena_strdup(e2e_arena(), laravel_fixture("company_calcom_key"));
    tampered[40] = tampered[40] == 'A' ? 'B' : 'A';
    db_param wrong = db_str(tampered);
    assert_int_equal(db_exec(e2e_db(), "UPDATE companies SET calcom_api_key = ? WHERE id = 2", &wrong, 1, NULL, NULL), 0);
    const char *id2 = new_call();
    r = fn(id2, "book_appointment", arena_printf(e2e_arena(),
           "{\"service\":\"herrenhaarschnitt\",\"datum\":\"%s\",\"uhrzeit\":\"16:00\",\"customer_name\":\"Jonas Becker\"}", day_de(11)));
    assert_false(ok(r));
    assert_null(json_get_str(r.json, "booking_uid"));
}

static void garbage_gets_a_german_answer_never_a_500(void **state)
{
    (void)state;
    const char *id = new_call();
    static const char *const FNS[] = {"check_customer", "check_availability", "collect_appointment_data", "book_appointment",
                                      "reschedule_appointment", "cancel_appointment", "list_services", "get_alternatives",
                                      "no_such_function"};
    static const char *const ARGS[] = {
        "{\"datum\":\"blabla\",\"uhrzeit\":\"99:99\",\"service\":12}",
        "{\"datum\":\"\",\"start\":\"not a date\",\"name\":[1,2]}",
        "[]",
        "{\"service\":\"Zahnreinigung\",\"datum\":\"morgen\",\"uhrzeit\":\"14 Uhr\",\"name\":\"X\"}",
    };
    for (size_t f = 0; f < sizeof FNS / sizeof *FNS; f++)
        for (size_t a = 0; a < sizeof ARGS / sizeof *ARGS; a++) {
            e2e_response r = fn(id, FNS[f], ARGS[a]);
            json_object *s = json_get(r.json, "success");
            assert_non_null(s);
        }
    /* legacy shape and args-only shape reach the same code */
    const char *legacy = arena_printf(e2e_arena(), "{\"function_name\":\"list_services\",\"call_id\":\"%s\",\"parameters\":{}}", id);
    e2e_response r = e2e_post_signed("retell", "/api/webhooks/retell/function-call", legacy, strlen(legacy));
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(json_get_str(r.json, "message"), "Herrenhaarschnitt"));
    const char *args_only = arena_printf(e2e_arena(), "{\"call_id\":\"%s\",\"datum\":\"morgen\"}", id);
    r = e2e_post_signed("retell", "/api/retell/check-availability", args_only, strlen(args_only));
    assert_int_equal(r.status, 200);
    assert_non_null(json_get(r.json, "available_slots"));
    /* placeholders never find a call; broken JSON; unsigned */
    const char *ph = "{\"call_id\":\"{{call_id}}\",\"datum\":\"morgen\"}";
    r = e2e_post_signed("retell", "/api/retell/check-availability", ph, strlen(ph));
    assert_int_equal(r.status, 200);
    EQ(json_get_str(r.json, "error"), "no_call_context");
    r = e2e_post_signed("retell", "/api/webhooks/retell/function", "{\"name\":", 8);
    assert_int_equal(r.status, 200);
    assert_false(ok(r));
    const char *h[] = {"Content-Type: application/json", NULL};
    r = e2e_request("POST", "/api/webhooks/retell/function", h, legacy, strlen(legacy));
    assert_int_equal(r.status, 401);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_phone_story_books_one_linked_appointment),
        cmocka_unit_test(the_fake_calcom_refuses_what_calcom_refuses),
        cmocka_unit_test(a_retried_booking_books_once),
        cmocka_unit_test(a_taken_slot_gets_alternatives),
        cmocka_unit_test(calcom_down_is_a_spoken_error_and_no_row),
        cmocka_unit_test_teardown(a_failed_local_write_is_repaired_by_the_pipeline, failing_write_reset),
        cmocka_unit_test_teardown(a_repair_finds_the_row_a_reschedule_moved, failing_write_reset),
        cmocka_unit_test(cancel_and_reschedule_reach_calcom),
        cmocka_unit_test_teardown(the_company_calcom_key_is_laravels_encrypted_one, company_key_reset),
        cmocka_unit_test(garbage_gets_a_german_answer_never_a_500),
    };
    return cmocka_run_group_tests_name("e2e_phone_booking", tests, e2e_setup, e2e_teardown);
}
