/* test_75_call_story.c: /call?id= as the conversation: a call through nginx
 * (Retell's webhooks, the agent booking in the fake Cal.com), its function
 * log, Retell's analysis; the page tells it in order, escaped for each
 * context, walled by tenant, in German and English, and the calls list links
 * to it. */
#include "e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CALL_ID "call_9f2c41d7b8e34a6f8d12c07be5a91f3e"
#define FIXTURE_FROM "+4917612345678"
#define OWNER "owner@salon-haarmonie.example.com"
#define OPERATOR "operator@switchboard.example.com"
#define EQ(actual, expected) assert_string_equal((actual) ? (actual) : "(null)", (expected))

static char owner_cookie[128], operator_cookie[128];
static const char *story_call, *story_row, *story_appt, *caller;

static e2e_response get_as(const char *cookie, const char *path, const char *lang)
{
    const char *h[] = {arena_printf(e2e_arena(), "Cookie: %s%s", cookie, lang ? lang : ""), NULL};
    return e2e_request("GET", path, h, NULL, 0);
}

static const char *phase(const char *fixture, const char *id, const char *from)
{
    return e2e_call_phase(fixture, id, from, "Story <Kundin> & \\\"Co\\\""); /* JSON-escaped quotes */
}

static void post_retell(const char *body)
{
    e2e_response r = e2e_post_signed("retell", "/api/webhooks/retell", body, strlen(body));
    assert_int_equal(r.status, 200);
    int64_t ev;
    assert_true(json_get_int(r.json, "id", &ev));
    assert_true(e2e_wait_status((uint64_t)ev, "processed", 15));
}

/* Retell's function envelope, signed, to the dispatcher */
static e2e_response fn(const char *call_id, const char *name, const char *args_json)
{
    return e2e_function_call(call_id, caller, name, args_json);
}

/* the function log's rows are written before each answer leaves (D90): all n are there already */
static void wait_logged(const char *call, long long n) { assert_true(e2e_function_rows(call) >= n); }

/* the fake Cal.com of the test stack (PORT + 1): told to fail, or not */
static void fake_failing(int on)
{
    const char *colon = strrchr(getenv("SB_TEST_URL"), ':');
    const char *url = arena_printf(e2e_arena(), "http://127.0.0.1:%d/_control", atoi(colon + 1) + 1);
    const char *body = on ? "{\"fail_500\":true}" : "{\"fail_500\":false}";
    const char *h[] = {"Content-Type: application/json", NULL};
    http_client_response r;
    char err[256];
    if (http_client_request("POST", url, h, body, strlen(body), 10000, &r, err, sizeof err) != 0) fail_msg("fake: %s", err);
    http_client_response_free(&r);
}

static const char *day_de(int days) { return e2e_day_de(days); }

static void a_booked_call_is_told_in_order(void **state)
{
    (void)state;
    long st;
    snprintf(owner_cookie, sizeof owner_cookie, "%s", e2e_login(OWNER, "haarmonie-demo", &st));
    snprintf(operator_cookie, sizeof operator_cookie, "%s", e2e_login(OPERATOR, "switchboard-demo", &st));
    caller = arena_printf(e2e_arena(), "+4917656%03d001", (int)(getpid() % 1000));
    story_call = arena_printf(e2e_arena(), "call_story_%d", (int)getpid());
    post_retell(phase("retell/webhook_call_started.json", story_call, caller));
    /* the agent checks a day, then books the first slot it is offered */
    const char *day = day_de(40 + (int)(getpid() % 60));
    const char *ask = arena_printf(e2e_arena(), "{\"service\":\"herrenhaarschnitt\",\"date\":\"%s\",\"preferred_time\":\"09:00\","
                                                "\"notiz\":\"<img src=x onerror=alert(1)>\"}", day);
    e2e_response r = fn(story_call, "check_availability", ask);
    const char *slot = json_get_str(r.json, "requested");
    bool available = false;
    if (!json_get_bool(r.json, "available", &available) || !available) slot = json_get_str(r.json, "alternatives.0");
    assert_non_null(slot);
    const char *book = arena_printf(e2e_arena(), "{\"service\":\"herrenhaarschnitt\",\"start\":\"%s\",\"customer_name\":\"Story Kundin\"}", slot);
    r = fn(story_call, "book_appointment", book);
    EQ(json_get_str(r.json, "status"), "booked");
    db_param u = db_str(json_get_str(r.json, "booking_uid"));
    story_appt = e2e_scalar("SELECT id FROM appointments WHERE calcom_v2_booking_id = ?", &u, 1);
    assert_non_null(story_appt);
    wait_logged(story_call, 2);
    post_retell(phase("retell/webhook_call_ended.json", story_call, caller));
    const char *analyzed = phase("retell/webhook_call_analyzed.json", story_call, caller);
    analyzed = e2e_replace(analyzed, "Agent: Salon Haarmonie", "Agent: </pre><script>alert(2)</script> Salon Haarmonie");
    post_retell(analyzed);
    db_param c = db_str(story_call);
    story_row = e2e_scalar("SELECT id FROM calls WHERE retell_call_id = ?", &c, 1);

    e2e_response pg = get_as(owner_cookie, arena_printf(e2e_arena(), "/call?id=%s", story_row), NULL);
    assert_int_equal(pg.status, 200);
    const char *b = pg.body;
    /* the steps, in the order of the conversation */
    static const char *const ORDER[] = {"<li class=\"ev ev-started\"><h3>Anruf begonnen</h3>",
                                        "<code class=\"fn\">check_availability</code>",
                                        "<code class=\"fn\">book_appointment</code>",
                                        "<li class=\"ev ev-ended\"><h3>Anruf beendet</h3>",
                                        "<li class=\"ev ev-analysis\"><h3>Auswertung</h3>",
                                        "<li class=\"ev ev-conversion\"><h3>Konversion</h3>"};
    const char *at = b;
    for (size_t i = 0; i < sizeof ORDER / sizeof *ORDER; i++) {
        const char *p = strstr(at, ORDER[i]);
        if (!p) fail_msg("step %zu (%s) missing or out of order", i, ORDER[i]);
        at = p;
    }
    /* call started: caller, number, agent */
    assert_non_null(strstr(b, arena_printf(e2e_arena(), "<dd>%s</dd>", caller)));
    assert_non_null(strstr(b, "<dd>Salon Haarmonie – Telefonassistentin Mia</dd>"));
    /* the function calls: arguments (escaped), the answer spoken, the booking they made, linked */
    assert_non_null(strstr(b, "<dt>notiz</dt><dd>&lt;img src=x onerror=alert(1)&gt;</dd>"));
    assert_null(strstr(b, "<img src=x"));
    assert_non_null(strstr(b, "<blockquote class=\"spoken\">Perfekt! Ihr Termin für"));
    assert_non_null(strstr(b, arena_printf(e2e_arena(), "Termin gebucht: <a href=\"/appointment?id=%s\">#%s</a>", story_appt, story_appt)));
    /* call ended: duration and why */
    assert_non_null(strstr(b, "<dt>Grund des Endes</dt><dd>user_hangup</dd>"));
    assert_non_null(strstr(b, "<dt>Dauer s</dt><dd>166</dd>"));
    /* the analysis: summary, sentiment, custom fields, the transcript collapsed and escaped, the recording */
    assert_non_null(strstr(b, "<dd>Positive</dd>"));
    assert_non_null(strstr(b, "<dt>leistung</dt><dd>Herrenhaarschnitt</dd>"));
    assert_non_null(strstr(b, "<dt>kunde_name</dt><dd>Story &lt;Kundin&gt; &amp; &quot;Co&quot;</dd>"));
    assert_non_null(strstr(b, "<details class=\"transcript\"><summary>Gesprächsprotokoll</summary><pre>"));
    assert_non_null(strstr(b, "&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
    assert_null(strstr(b, "<script>alert(2)"));
    assert_non_null(strstr(b, "<a class=\"recording\" rel=\"noopener noreferrer\" href=\"https://recordings.retell.example/"));
    /* the conversion and its rule */
    const char *conv = strstr(b, "<li class=\"ev ev-conversion\">");
    assert_non_null(strstr(conv, arena_printf(e2e_arena(), "<a href=\"/appointment?id=%s\">", story_appt)));
    assert_non_null(strstr(conv, "a: während des Anrufs gebucht"));
    /* a booked call opened no callback item */
    assert_null(strstr(b, "ev-callback"));
    /* in English */
    e2e_response en = get_as(owner_cookie, arena_printf(e2e_arena(), "/call?id=%s", story_row), "; sb_lang=en");
    assert_non_null(strstr(en.body, "<h3>Call started</h3>"));
    assert_non_null(strstr(en.body, "Answer spoken"));
    assert_non_null(strstr(en.body, "a: booked during the call"));
    assert_non_null(strstr(en.body, "<summary>Transcript</summary>"));
}

static void the_page_is_walled_and_linked(void **state)
{
    (void)state;
    /* the calls list links to the story */
    e2e_response list = get_as(owner_cookie, "/calls?days=1", NULL);
    assert_non_null(strstr(list.body, arena_printf(e2e_arena(), "<a href=\"/call?id=%s\">", story_row)));
    /* another company's call: 404 like a missing one; the operator sees it */
    db_param oc = db_str(arena_printf(e2e_arena(), "call_story_wall_%d", (int)getpid()));
    assert_int_equal(db_exec(e2e_db(), "INSERT INTO calls (company_id, retell_call_id, call_id, from_number, status, created_at, updated_at)"
                                       " VALUES (1, ?, ?, '+4930555', 'completed', NOW(), NOW())", (db_param[]){oc, oc}, 2, NULL, NULL), 0);
    const char *other = e2e_scalar("SELECT id FROM calls WHERE retell_call_id = ?", &oc, 1);
    assert_non_null(other);
    assert_int_equal(get_as(owner_cookie, arena_printf(e2e_arena(), "/call?id=%s", other), NULL).status, 404);
    assert_int_equal(get_as(owner_cookie, "/call?id=999999999", NULL).status, 404);
    assert_int_equal(get_as(operator_cookie, arena_printf(e2e_arena(), "/call?id=%s", other), NULL).status, 200);
    /* a function row of another company logged under this call id is not part of this call's story */
    db_param p[] = {db_str(story_call)};
    assert_int_equal(db_exec(e2e_db(),
                             "INSERT INTO switchboard_function_calls (retell_call_id, company_id, function_name, args_json, success, message,"
                             " outcome) VALUES (?, 1, 'cancel_appointment', '{}', 0, 'fremde Antwort', 'not_found')", p, 1, NULL, NULL), 0);
    e2e_response pg = get_as(owner_cookie, arena_printf(e2e_arena(), "/call?id=%s", story_row), NULL);
    assert_null(strstr(pg.body, "fremde Antwort"));
    /* a recording "URL" that is not a web address stays text */
    db_param id = db_int(atoll(story_row));
    assert_int_equal(db_exec(e2e_db(), "UPDATE calls SET recording_url = 'javascript:alert(3)' WHERE id = ?", &id, 1, NULL, NULL), 0);
    pg = get_as(owner_cookie, arena_printf(e2e_arena(), "/call?id=%s", story_row), NULL);
    assert_int_equal(pg.status, 200);
    assert_null(strstr(pg.body, "javascript:alert(3)"));
    assert_null(strstr(pg.body, "class=\"recording\""));
    /* without a session: the login */
    assert_int_equal(e2e_request("GET", arena_printf(e2e_arena(), "/call?id=%s", story_row), NULL, NULL, 0).status, 303);
}

static void an_unmet_wish_shows_on_its_call(void **state)
{
    (void)state;
    const char *from = arena_printf(e2e_arena(), "+4917656%03d002", (int)(getpid() % 1000));
    const char *id = arena_printf(e2e_arena(), "call_story_cb_%d", (int)getpid());
    post_retell(phase("retell/webhook_call_started.json", id, from));
    const char *saved = caller;
    caller = from;
    fake_failing(1);
    fn(id, "check_availability", arena_printf(e2e_arena(), "{\"service\":\"herrenhaarschnitt\",\"datum\":\"%s\",\"uhrzeit\":\"10:00\"}", day_de(120 + (int)(getpid() % 30))));
    fake_failing(0);
    caller = saved;
    wait_logged(id, 1);
    post_retell(phase("retell/webhook_call_ended.json", id, from));
    db_param p[] = {db_str(id)};
    const char *row = e2e_scalar("SELECT id FROM calls WHERE retell_call_id = ?", p, 1);
    e2e_response pg = get_as(owner_cookie, arena_printf(e2e_arena(), "/call?id=%s", row), NULL);
    assert_non_null(strstr(pg.body, "<span class=\"outcome outcome-calcom_down\">calcom_down</span>"));
    const char *cb = strstr(pg.body, "<li class=\"ev ev-callback\">");
    assert_non_null(cb);
    assert_non_null(strstr(cb, "Rückruf versprochen"));
    assert_non_null(strstr(cb, "<dd>herrenhaarschnitt</dd>"));
    assert_non_null(strstr(pg.body, "<dt>Grund des Endes</dt>"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_booked_call_is_told_in_order),
        cmocka_unit_test(the_page_is_walled_and_linked),
        cmocka_unit_test(an_unmet_wish_shows_on_its_call),
    };
    return cmocka_run_group_tests_name("e2e_call_story", tests, e2e_setup, e2e_teardown);
}
