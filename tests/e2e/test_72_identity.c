/* test_72_identity.c: who is calling (issue 14 part 1, D86-D89). Each attack of
 * the review is a test here: a caller who SAYS another customer's number or
 * email, a public web booking that attaches a phone to someone else's customer,
 * check_customer revealing another customer, a call id from the model's
 * arguments borrowing another call, a retried cancel that cancels the next
 * appointment, and the +49 guess that let a foreign number match a German
 * customer. Every attack ends with the victim's booking untouched in the fake
 * Cal.com and in appointments. Numbers and days are this file's own (days 12+). */
#include "e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EQ(actual, expected) assert_string_equal((actual) ? (actual) : "(null)", (expected))
#define SALON_NUMBER "+4922112345678" /* company 2's number (fixtures) */

static const char *fake_url(const char *path)
{
    const char *colon = strrchr(getenv("SB_TEST_URL"), ':');
    return arena_printf(e2e_arena(), "http://127.0.0.1:%d%s", atoi(colon + 1) + 1, path);
}

/* bookings the fake Cal.com holds that start at start_utc ("YYYY-MM-DDTHH:MM:SS") with that status */
static int held(const char *start_utc, const char *status)
{
    http_client_response r;
    char err[256];
    const char *h[] = {arena_printf(e2e_arena(), "Authorization: Bearer %s", e2e_config()->calcom_api_key), NULL};
    if (http_client_request("GET", fake_url("/_bookings"), h, NULL, 0, 10000, &r, err, sizeof err) != 0) fail_msg("fake: %s", err);
    json_object *all = json_tokener_parse(buf_cstr(&r.body));
    http_client_response_free(&r);
    int n = 0;
    for (size_t i = 0; all && i < json_object_array_length(all); i++) {
        json_object *b = json_object_array_get_idx(all, i);
        const char *s = json_get_str(b, "start"), *st = json_get_str(b, "status");
        if (s && !strncmp(s, start_utc, 19) && st && !strcmp(st, status)) n++;
    }
    json_object_put(all);
    return n;
}

/* Berlin day `days` ahead: "dd.mm.yyyy"; and the UTC start of hh:mm on it */
static const char *day_de(int days) { return e2e_day_de(days); }

static const char *utc_of(int days, int h, int m) { return e2e_berlin_utc(days, h, m); }

/* a mobile number of this run: +49151 + 8 digits */
static const char *number(int k)
{
    return arena_printf(e2e_arena(), "+49151%04d%04d", (int)(getpid() % 10000), k);
}

static const char *new_call_id(void)
{
    static int n;
    return arena_printf(e2e_arena(), "call_id72_%d_%d", (int)getpid(), ++n);
}

/* Retell's envelope with the signed call object of a call from `from` */
static e2e_response fn_from(const char *call_id, const char *from, const char *name, const char *args)
{
    const char *body = arena_printf(e2e_arena(),
                                    "{\"call\":{\"call_id\":\"%s\",\"from_number\":\"%s\",\"to_number\":\"" SALON_NUMBER "\","
                                    "\"direction\":\"inbound\",\"call_status\":\"ongoing\"},\"name\":\"%s\",\"args\":%s}",
                                    call_id, from, name, args);
    e2e_response r = e2e_post_signed("retell", "/api/webhooks/retell/function", body, strlen(body));
    if (r.status != 200 || !r.json) fail_msg("%s answered %ld: %s", name, r.status, r.body);
    return r;
}

static e2e_response post_fn(const char *path, const char *body)
{
    e2e_response r = e2e_post_signed("retell", path, body, strlen(body));
    if (r.status != 200 || !r.json) fail_msg("%s answered %ld: %s", path, r.status, r.body);
    return r;
}

static int ok(e2e_response r)
{
    bool b = false;
    return json_get_bool(r.json, "success", &b) && b;
}

static const char *status_of(e2e_response r) { return json_get_str(r.json, "status"); }

static const char *appt_col(const char *uid, const char *expr)
{
    db_param p = db_str(uid);
    return e2e_scalar(arena_printf(e2e_arena(), "SELECT %s FROM appointments WHERE calcom_v2_booking_id = ?", expr), &p, 1);
}

/* book a slot in a call; the Cal.com uid (arena) */
static const char *book(const char *call_id, const char *from, int day, const char *hhmm, const char *extra)
{
    e2e_response r = fn_from(call_id, from, "book_appointment",
                             arena_printf(e2e_arena(), "{\"service\":\"herrenhaarschnitt\",\"datum\":\"%s\",\"uhrzeit\":\"%s\"%s}",
                                          day_de(day), hhmm, extra));
    if (!ok(r)) fail_msg("booking %s %s: %s", day_de(day), hhmm, r.body);
    return arena_strdup(e2e_arena(), json_get_str(r.json, "booking_uid"));
}

/* The victim's booking is still what it was: accepted in Cal.com, confirmed here. */
static void untouched(const char *uid, int day, int h, int m)
{
    assert_int_equal(held(utc_of(day, h, m), "accepted"), 1);
    assert_int_equal(held(utc_of(day, h, m), "cancelled"), 0);
    EQ(appt_col(uid, "status"), "confirmed");
}

/* Attack 1: book saying "meine Nummer ist <victim>", then "storniere meinen Termin am ...". */
static void a_spoken_number_cannot_cancel_anothers_appointment(void **state)
{
    (void)state;
    const char *victim = number(1), *attacker = number(2);
    const char *uid = book(new_call_id(), victim, 12, "11:30", ",\"customer_name\":\"Vera Opfer\"");
    const char *victim_customer = appt_col(uid, "customer_id");
    const char *call = new_call_id();
    const char *national = arena_printf(e2e_arena(), "0%s", victim + 3);
    const char *mine = book(call, attacker, 13, "09:00",
                            arena_printf(e2e_arena(), ",\"customer_name\":\"Mallory\",\"customer_phone\":\"%s\"", national));
    assert_string_not_equal(appt_col(mine, "customer_id"), victim_customer); /* never linked to the victim */
    e2e_response r = fn_from(call, attacker, "cancel_appointment", arena_printf(e2e_arena(), "{\"datum\":\"%s\"}", day_de(12)));
    assert_false(ok(r));
    EQ(status_of(r), "not_found");
    untouched(uid, 12, 11, 30);
    db_param c = db_str(victim_customer);
    EQ(e2e_scalar("SELECT CONCAT(name, '|', phone) FROM customers WHERE id = ?", &c, 1), arena_printf(e2e_arena(), "Vera Opfer|%s", victim));
    /* the attacker's own customer holds his verified number, not hers */
    db_param m = db_str(mine);
    EQ(e2e_scalar("SELECT CONCAT(cu.name, '|', COALESCE(cu.phone, '-')) FROM appointments a JOIN customers cu ON cu.id = a.customer_id"
                  " WHERE a.calcom_v2_booking_id = ?", &m, 1), arena_printf(e2e_arena(), "Mallory|%s", attacker));
}

/* Attack 2 and 3: book saying the victim's email; check_customer must not speak her name or email. */
static void a_spoken_email_links_to_no_one_and_check_customer_reveals_nothing(void **state)
{
    (void)state;
    const char *victim = number(3), *attacker = number(4);
    const char *email = arena_printf(e2e_arena(), "vera.%d@example.com", (int)getpid());
    const char *uid = book(new_call_id(), victim, 14, "12:00",
                           arena_printf(e2e_arena(), ",\"customer_name\":\"Vera Geheim\",\"customer_email\":\"%s\"", email));
    const char *call = new_call_id();
    const char *mine = book(call, attacker, 14, "15:30",
                            arena_printf(e2e_arena(), ",\"customer_name\":\"Mallory\",\"customer_email\":\"%s\"", email));
    assert_string_not_equal(appt_col(mine, "customer_id"), appt_col(uid, "customer_id"));
    e2e_response r = fn_from(call, attacker, "check_customer", "{}");
    assert_null(strstr(r.body, "Vera"));
    assert_null(strstr(r.body, email));
    /* spoken to the agent: the attacker's own, new customer (the email another customer holds left off) */
    assert_non_null(strstr(json_get_str(r.json, "message"), "Mallory"));
    assert_null(json_get_str(r.json, "customer.email"));
    r = fn_from(call, attacker, "cancel_appointment", arena_printf(e2e_arena(), "{\"datum\":\"%s\"}", day_de(14)));
    EQ(status_of(r), "cancelled"); /* the attacker's own 15:30, not hers */
    EQ(json_get_str(r.json, "booking_uid"), mine);
    untouched(uid, 14, 12, 0);
    /* the victim, calling from her number, is recognised */
    r = fn_from(new_call_id(), victim, "check_customer", "{}");
    EQ(status_of(r), "found");
    EQ(json_get_str(r.json, "customer.email"), email);
}

/* Attack 4: a public web booking with the victim's email and the attacker's phone. */
static uint64_t web_booking(const char *email, const char *phone, int day, const char **uid)
{
    size_t len;
    const char *body = e2e_fixture_new_id("calcom/webhook_booking_created.json", "mT4kQ8vXb2nR7sLp9wE3Yd", uid, &len);
    body = e2e_replace(body, "lena.schmidt@example.com", email);
    body = e2e_replace(body, "+4915123456789", phone);
    body = e2e_replace(body, "2026-03-12T09:00:00Z", arena_printf(e2e_arena(), "%sZ", utc_of(day, 9, 0)));
    body = e2e_replace(body, "2026-03-12T10:00:00Z", arena_printf(e2e_arena(), "%sZ", utc_of(day, 10, 0)));
    e2e_response r = e2e_post_signed("calcom", "/api/calcom/webhook", body, strlen(body));
    int64_t ev = 0;
    if (r.status != 200 || !json_get_int(r.json, "id", &ev)) fail_msg("web booking: %ld %s", r.status, r.body);
    assert_true(e2e_wait_status((uint64_t)ev, "processed", 15));
    return (uint64_t)ev;
}

static void a_web_booking_never_gives_a_phone_to_a_customer_found_by_email(void **state)
{
    (void)state;
    const char *attacker = number(5);
    const char *email = arena_printf(e2e_arena(), "web.victim.%d@example.com", (int)getpid());
    const char *victim_uid, *attack_uid;
    web_booking(email, "", 20, &victim_uid); /* the victim booked online, without a phone */
    const char *customer = appt_col(victim_uid, "customer_id");
    db_param c = db_str(customer);
    assert_null(e2e_scalar("SELECT phone FROM customers WHERE id = ?", &c, 1));
    web_booking(email, attacker, 21, &attack_uid);
    EQ(appt_col(attack_uid, "customer_id"), customer);
    assert_null(e2e_scalar("SELECT phone FROM customers WHERE id = ?", &c, 1));
    /* the phone stays on the appointment it came with */
    EQ(appt_col(attack_uid, "JSON_VALUE(metadata, '$.switchboard.attendee_phone')"), attacker);
    /* calling from that phone finds none of her appointments */
    e2e_response r = fn_from(new_call_id(), attacker, "cancel_appointment", arena_printf(e2e_arena(), "{\"datum\":\"%s\"}", day_de(20)));
    assert_false(ok(r));
    EQ(appt_col(victim_uid, "status"), "confirmed");
}

/* Attack 5: the model names another (live) call's id in an args-only or legacy body. */
static void a_call_id_from_the_arguments_borrows_no_caller(void **state)
{
    (void)state;
    const char *victim = number(6);
    const char *vcall = new_call_id();
    const char *uid = book(vcall, victim, 15, "09:30", ",\"customer_name\":\"Vera Live\"");
    const char *args_only = arena_printf(e2e_arena(), "{\"call_id\":\"%s\",\"datum\":\"%s\"}", vcall, day_de(15));
    e2e_response r = post_fn("/api/retell/cancel-appointment", args_only);
    assert_false(ok(r));
    EQ(status_of(r), "refused_identity");
    const char *legacy = arena_printf(e2e_arena(), "{\"function_name\":\"cancel_appointment\",\"call_id\":\"%s\",\"parameters\":{\"datum\":\"%s\"}}",
                                      vcall, day_de(15));
    r = post_fn("/api/webhooks/retell/function-call", legacy);
    assert_false(ok(r));
    EQ(status_of(r), "refused_identity");
    r = post_fn("/api/retell/check-customer", arena_printf(e2e_arena(), "{\"call_id\":\"%s\"}", vcall));
    assert_null(strstr(r.body, "Vera"));
    /* a signed call object and another id in the arguments: refused, not merged */
    r = fn_from(new_call_id(), number(7), "cancel_appointment", arena_printf(e2e_arena(), "{\"call_id\":\"%s\",\"datum\":\"%s\"}", vcall, day_de(15)));
    EQ(json_get_str(r.json, "error"), "no_call_context");
    untouched(uid, 15, 9, 30);
    /* once the call has ended, its id lends nothing at all */
    size_t len;
    const char *ended = e2e_replace(e2e_fixture("retell/webhook_call_ended.json", &len), "call_9f2c41d7b8e34a6f8d12c07be5a91f3e", vcall);
    e2e_response e = e2e_post_signed("retell", "/api/webhooks/retell", ended, strlen(ended));
    int64_t ev;
    assert_true(json_get_int(e.json, "id", &ev));
    assert_true(e2e_wait_status((uint64_t)ev, "processed", 10));
    r = post_fn("/api/retell/check-availability", arena_printf(e2e_arena(), "{\"call_id\":\"%s\",\"datum\":\"%s\"}", vcall, day_de(15)));
    EQ(json_get_str(r.json, "error"), "no_call_context");
}

/* Attack 6: the same cancel twice (Retell retried) cancelled the caller's NEXT appointment too. */
static void a_retried_cancel_or_reschedule_changes_nothing_else(void **state)
{
    (void)state;
    const char *me = number(8), *call = new_call_id();
    const char *first = book(call, me, 16, "11:30", ",\"customer_name\":\"Rita Retry\"");
    const char *second = book(call, me, 17, "11:30", ",\"customer_name\":\"Rita Retry\"");
    e2e_response a = fn_from(call, me, "cancel_appointment", "{\"reason\":\"Krank\"}");
    e2e_response b = fn_from(call, me, "cancel_appointment", "{\"reason\":\"Krank\"}");
    EQ(status_of(a), "cancelled");
    EQ(json_get_str(a.json, "booking_uid"), first);
    assert_string_equal(b.body, a.body); /* the first answer, as it was */
    untouched(second, 17, 11, 30);
    EQ(appt_col(first, "status"), "cancelled");
    /* the same for a move */
    const char *moved = book(call, me, 18, "09:00", ",\"customer_name\":\"Rita Retry\"");
    const char *args = arena_printf(e2e_arena(), "{\"old_date\":\"%s\",\"new_date\":\"%s\",\"new_time\":\"15:30\"}", day_de(18), day_de(18));
    a = fn_from(call, me, "reschedule_appointment", args);
    b = fn_from(call, me, "reschedule_appointment", args);
    EQ(status_of(a), "rescheduled");
    assert_string_equal(b.body, a.body);
    assert_int_equal(held(utc_of(18, 15, 30), "accepted"), 1);
    assert_int_equal(held(utc_of(18, 9, 0), "cancelled"), 1);
    assert_null(appt_col(moved, "id"));
    db_param c = db_str(call);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM switchboard_phone_changes ch JOIN calls ca ON ca.id = ch.call_id"
                               " WHERE ca.retell_call_id = ? AND ch.status = 'done'", &c, 1), 2);
}

/* Attack 7: SUBSTRING(from_number, 4) assumed +49: an Austrian +43 664 1234567 matched a German "06641234567". */
static void a_foreign_number_never_matches_a_german_national_spelling(void **state)
{
    (void)state;
    const char *de = arena_printf(e2e_arena(), "+496641%02d%04d", (int)(getpid() % 100), 7001);
    const char *at = arena_printf(e2e_arena(), "+43%s", de + 3);
    const char *uid = book(new_call_id(), de, 19, "16:00", ",\"customer_name\":\"Gerd Legacy\"");
    db_param p[] = {db_str(arena_printf(e2e_arena(), "0%s", de + 3)), db_str(appt_col(uid, "customer_id"))};
    assert_int_equal(db_exec(e2e_db(), "UPDATE customers SET phone = ? WHERE id = ?", p, 2, NULL, NULL), 0); /* as legacy rows hold it */
    e2e_response r = fn_from(new_call_id(), at, "cancel_appointment", arena_printf(e2e_arena(), "{\"datum\":\"%s\"}", day_de(19)));
    assert_false(ok(r));
    EQ(status_of(r), "not_found");
    untouched(uid, 19, 16, 0);
    /* the German caller himself still finds it under the national spelling */
    r = fn_from(new_call_id(), de, "cancel_appointment", arena_printf(e2e_arena(), "{\"datum\":\"%s\"}", day_de(19)));
    EQ(status_of(r), "cancelled");
    EQ(json_get_str(r.json, "booking_uid"), uid);
}

/* Withheld numbers book, but change only with the reference; the reference works from any phone. */
static void a_withheld_number_books_but_changes_only_with_the_reference(void **state)
{
    (void)state;
    const char *call = new_call_id();
    /* Cal.com needs a way to reach the attendee: without a caller ID or anything said, the agent asks (D94) */
    const char *wish = arena_printf(e2e_arena(), "{\"service\":\"herrenhaarschnitt\",\"datum\":\"%s\",\"uhrzeit\":\"17:30\","
                                                 "\"customer_name\":\"Anna Anonym\"", day_de(22));
    e2e_response r = fn_from(call, "anonymous", "book_appointment", arena_printf(e2e_arena(), "%s}", wish));
    assert_false(ok(r));
    assert_non_null(strstr(json_get_str(r.json, "message"), "erreichen"));
    r = fn_from(call, "anonymous", "book_appointment",
                arena_printf(e2e_arena(), "%s,\"customer_phone\":\"%s\"}", wish, number(14)));
    assert_true(ok(r));
    const char *uid = arena_strdup(e2e_arena(), json_get_str(r.json, "booking_uid"));
    const char *ref = arena_strdup(e2e_arena(), json_get_str(r.json, "reference"));
    assert_int_equal(strlen(ref), 6);
    assert_non_null(strstr(json_get_str(r.json, "message"), "Buchungsnummer"));
    r = fn_from(call, "anonymous", "cancel_appointment", arena_printf(e2e_arena(), "{\"datum\":\"%s\"}", day_de(22)));
    assert_false(ok(r));
    EQ(status_of(r), "refused_identity");
    assert_non_null(strstr(json_get_str(r.json, "message"), "zurück"));
    untouched(uid, 22, 17, 30);
    /* too short, then wrong: nothing */
    r = fn_from(call, "anonymous", "cancel_appointment", "{\"buchungsnummer\":\"AB\"}");
    EQ(status_of(r), "invalid_reference");
    r = fn_from(call, "anonymous", "cancel_appointment", "{\"buchungsnummer\":\"zzzzzz\"}");
    EQ(status_of(r), "not_found");
    untouched(uid, 22, 17, 30);
    /* spelled out, lower case, with spaces, from another phone */
    char spaced[32];
    size_t o = 0;
    for (const char *p = ref; *p; p++) {
        spaced[o++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        spaced[o++] = ' ';
    }
    spaced[o] = '\0';
    r = fn_from(new_call_id(), number(9), "cancel_appointment", arena_printf(e2e_arena(), "{\"buchungsnummer\":\"%s\"}", spaced));
    EQ(status_of(r), "cancelled");
    EQ(json_get_str(r.json, "booking_uid"), uid);
    assert_int_equal(held(utc_of(22, 17, 30), "cancelled"), 1);
}

/* Issue 15 item 12: the key held only the first 200 bytes of "call|slot|service": with a call id of the longest
 * kind calls keep (191), the slot's last digits and the service fell off, and asking for another service at the
 * same time was answered with the first booking. */
static void a_long_call_id_is_hashed_whole(void **state)
{
    (void)state;
    char id[192];
    int n = snprintf(id, sizeof id, "call_%d_", (int)getpid());
    memset(id + n, 'x', sizeof id - 1 - (size_t)n);
    id[sizeof id - 1] = '\0';
    const char *me = number(10);
    const char *uid = book(id, me, 23, "09:00", ",\"customer_name\":\"Lang Eins\"");
    e2e_response r = fn_from(id, me, "book_appointment",
                             arena_printf(e2e_arena(), "{\"service\":\"damenhaarschnitt\",\"datum\":\"%s\",\"uhrzeit\":\"09:00\","
                                                       "\"customer_name\":\"Lang Eins\"}", day_de(23)));
    assert_false(ok(r)); /* another service at the same time is another booking: Cal.com refuses it (taken) */
    EQ(status_of(r), "slot_taken");
    assert_null(strstr(r.body, uid));
    assert_int_equal(held(utc_of(23, 9, 0), "accepted"), 1);
}

/* one retry of the booking request in a child process: exit 0 when it was answered "booked" */
static pid_t retry_in_child(const char *body)
{
    pid_t child = fork();
    if (child == 0) {
        e2e_response c = e2e_post_signed("retell", "/api/webhooks/retell/function", body, strlen(body));
        _exit(c.body && strstr(c.body, "\"status\":\"booked\"") ? 0 : 1);
    }
    return child;
}

/* Issue 15 item 12: after a failed booking, two retries at once both took the failed row back and both went to
 * Cal.com. Both retries arrive while the test holds a shared lock on the row, so they queue for it together; the
 * conditional UPDATE lets exactly one take the row back, the other waits and answers the same booking. (The old
 * race window, between reading "failed" and writing "pending", is microseconds wide: this test guards the
 * outcome, it cannot force that interleaving.) */
static void two_retries_after_a_failure_book_once(void **state)
{
    (void)state;
    const char *call = new_call_id(), *me = number(12);
    const char *args = arena_printf(e2e_arena(), "{\"service\":\"herrenhaarschnitt\",\"datum\":\"%s\",\"uhrzeit\":\"11:30\","
                                                 "\"customer_name\":\"Rolf Rennen\"}", day_de(24));
    e2e_fake_control("{\"fail_500\":true}");
    e2e_response r = fn_from(call, me, "book_appointment", args);
    e2e_fake_control("{\"fail_500\":false}");
    assert_false(ok(r));
    const char *body = arena_printf(e2e_arena(),
                                    "{\"call\":{\"call_id\":\"%s\",\"from_number\":\"%s\",\"to_number\":\"" SALON_NUMBER "\","
                                    "\"direction\":\"inbound\",\"call_status\":\"ongoing\"},\"name\":\"book_appointment\",\"args\":%s}",
                                    call, me, args);
    db_param c = db_str(call);
    db_rows row;
    assert_int_equal(db_begin(e2e_db()), 0);
    assert_int_equal(db_query(e2e_db(), e2e_arena(),
                              "SELECT b.status FROM switchboard_phone_bookings b JOIN calls ca ON ca.id = b.call_id"
                              " WHERE ca.retell_call_id = ? LOCK IN SHARE MODE", &c, 1, &row), 0);
    EQ(db_cell(&row, 0, 0), "failed");
    pid_t a = retry_in_child(body), b = retry_in_child(body);
    assert_true(a > 0 && b > 0);
    usleep(1500000); /* both read "failed" and wait for the lock (a pause, not a measurement) */
    assert_int_equal(db_commit(e2e_db()), 0);
    int sa = 0, sb = 0;
    waitpid(a, &sa, 0);
    waitpid(b, &sb, 0);
    assert_true(WIFEXITED(sa) && WEXITSTATUS(sa) == 0); /* both heard the one booking */
    assert_true(WIFEXITED(sb) && WEXITSTATUS(sb) == 0);
    assert_int_equal(held(utc_of(24, 11, 30), "accepted"), 1);
}

/* What was said fills the EMPTY fields of the caller ID's customer, and changes nothing that is set. */
static void the_caller_ids_customer_gets_only_empty_fields_filled(void **state)
{
    (void)state;
    const char *me = number(13);
    const char *uid = book(new_call_id(), me, 25, "09:00", ",\"customer_name\":\"Frieda Fill\"");
    const char *customer = appt_col(uid, "customer_id");
    const char *email = arena_printf(e2e_arena(), "frieda.%d@example.com", (int)getpid());
    const char *again = book(new_call_id(), me, 25, "09:30",
                             arena_printf(e2e_arena(), ",\"customer_name\":\"Jemand Anders\",\"customer_email\":\"%s\"", email));
    EQ(appt_col(again, "customer_id"), customer);
    db_param c = db_str(customer);
    EQ(e2e_scalar("SELECT CONCAT(name, '|', email, '|', phone) FROM customers WHERE id = ?", &c, 1),
       arena_printf(e2e_arena(), "Frieda Fill|%s|%s", email, me));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_spoken_number_cannot_cancel_anothers_appointment),
        cmocka_unit_test(a_spoken_email_links_to_no_one_and_check_customer_reveals_nothing),
        cmocka_unit_test(a_web_booking_never_gives_a_phone_to_a_customer_found_by_email),
        cmocka_unit_test(a_call_id_from_the_arguments_borrows_no_caller),
        cmocka_unit_test(a_retried_cancel_or_reschedule_changes_nothing_else),
        cmocka_unit_test(a_foreign_number_never_matches_a_german_national_spelling),
        cmocka_unit_test(a_withheld_number_books_but_changes_only_with_the_reference),
        cmocka_unit_test(a_long_call_id_is_hashed_whole),
        cmocka_unit_test(two_retries_after_a_failure_book_once),
        cmocka_unit_test(the_caller_ids_customer_gets_only_empty_fields_filled),
    };
    return cmocka_run_group_tests_name("e2e_identity", tests, e2e_setup, e2e_teardown);
}
