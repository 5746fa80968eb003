/* test_74_callbacks.c: Rückrufe end to end: Retell's call webhooks through
 * nginx open one item per call with an unmet wish (from the call's function
 * log, written by the agent's real function requests to the fake Cal.com, and
 * Retell's analysis), replays open nothing twice, the /callbacks page
 * lists, filters, exports (escaped CSV) and closes them (CSRF, tenant wall,
 * de/en), and a later web booking by the same caller closes the item by
 * itself, within callbacks.autoclose_hours only. */
#include "e2e.h"

#include "callbacks.h"
#include "timeutil.h"
#include <pthread.h>

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

static e2e_response page(const char *method, const char *path, const char *cookie, const char *form)
{
    const char *h[] = {arena_printf(e2e_arena(), "Cookie: %s", cookie), "Content-Type: application/x-www-form-urlencoded", NULL};
    return e2e_request(method, path, h, form, form ? strlen(form) : 0);
}

static const char *csrf_of(const char *html)
{
    const char *p = strstr(html, "name=\"csrf\" value=\"");
    if (!p) fail_msg("no CSRF field in the page");
    return arena_strndup(e2e_arena(), p + 19, 64);
}

/* a caller number nobody else in the test data has */
static const char *fresh_number(void)
{
    static int n;
    return arena_printf(e2e_arena(), "+4917655%03d%03d", (int)(getpid() % 1000), ++n);
}

/* the fixture of one call phase for call `id` from `from`, dated now, with a name nobody has */
static const char *phase(const char *fixture, const char *id, const char *from)
{
    return e2e_call_phase(fixture, id, from, arena_printf(e2e_arena(), "Rueckruf Test %s", id + 5));
}

static uint64_t post_retell(const char *body)
{
    e2e_response r = e2e_post_signed("retell", "/api/webhooks/retell", body, strlen(body));
    assert_int_equal(r.status, 200);
    int64_t ev;
    assert_true(json_get_int(r.json, "id", &ev));
    assert_true(e2e_wait_status((uint64_t)ev, "processed", 15));
    return (uint64_t)ev;
}

static const char *start_call(const char *from)
{
    static int n;
    const char *id = arena_printf(e2e_arena(), "call_cb_%d_%d", (int)getpid(), ++n);
    post_retell(phase("retell/webhook_call_started.json", id, from));
    return id;
}

/* the fake Cal.com of the test stack (PORT + 1) */
static const char *fake_url(const char *path)
{
    const char *colon = strrchr(getenv("SB_TEST_URL"), ':');
    return arena_printf(e2e_arena(), "http://127.0.0.1:%d%s", atoi(colon + 1) + 1, path);
}

static void fake(const char *path, const char *body)
{
    http_client_response r;
    char err[256];
    const char *h[] = {"Content-Type: application/json", "cal-api-version: 2024-08-13",
                       arena_printf(e2e_arena(), "Authorization: Bearer %s", e2e_config()->calcom_api_key), NULL};
    if (http_client_request("POST", fake_url(path), h, body, strlen(body), 10000, &r, err, sizeof err) != 0)
        fail_msg("fake Cal.com: %s", err);
    if (r.status >= 300) fail_msg("fake Cal.com %s answered %ld: %s", path, r.status, buf_cstr(&r.body));
    http_client_response_free(&r);
}

/* One function request of the agent through nginx; its log row is there when the answer is (D90): Retell's
 * call_ended, sent as soon as the caller hangs up, finds it. */
static json_object *fn(const char *call, const char *from, const char *name, const char *args)
{
    long long before = e2e_function_rows(call);
    e2e_response r = e2e_function_call(call, from, name, args);
    assert_int_equal(e2e_function_rows(call), before + 1);
    return r.json;
}

/* a day some weeks ahead, as the caller says it, and as the log keeps it */
static const char *day_ahead(int days, int iso)
{
    time_t t = time(NULL) + days * 86400;
    struct tm tm;
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    localtime_r(&t, &tm);
    return iso ? arena_printf(e2e_arena(), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday)
               : arena_printf(e2e_arena(), "%02d.%02d.%04d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
}

static int wish_days(void) { return 30 + (int)(getpid() % 40); }

/* check_availability for 09:00 on the wished day; the slot the agent offers */
static const char *ask(const char *call, const char *from)
{
    json_object *a = fn(call, from, "check_availability",
                        arena_printf(e2e_arena(), "{\"service\":\"herrenhaarschnitt\",\"datum\":\"%s\",\"uhrzeit\":\"09:00\"}",
                                     day_ahead(wish_days(), 0)));
    bool available = false;
    const char *slot = json_get_bool(a, "available", &available) && available ? json_get_str(a, "requested") : json_get_str(a, "alternatives.0");
    return slot ? arena_strdup(e2e_arena(), slot) : NULL;
}

static json_object *book(const char *call, const char *from, const char *slot)
{
    return fn(call, from, "book_appointment",
              arena_printf(e2e_arena(), "{\"service\":\"herrenhaarschnitt\",\"start\":\"%s\",\"customer_name\":\"Rueckruf Kunde\"}", slot));
}

/* call_ended (delivered twice, as Retell retries) and call_analyzed with the custom analysis `custom` */
static void end_call(const char *id, const char *from, const char *custom)
{
    const char *ended = phase("retell/webhook_call_ended.json", id, from);
    post_retell(ended);
    e2e_response dup = e2e_post_signed("retell", "/api/webhooks/retell", ended, strlen(ended));
    assert_int_equal(dup.status, 200);
    EQ(json_get_str(dup.json, "status"), "duplicate");
    const char *analyzed = phase("retell/webhook_call_analyzed.json", id, from);
    analyzed = e2e_replace(analyzed, "\"termin_gebucht\": true,", custom);
    post_retell(analyzed);
}

static const char *item_col(const char *call, const char *expr)
{
    db_param p = db_str(call);
    return e2e_scalar(arena_printf(e2e_arena(), "SELECT %s FROM switchboard_callbacks WHERE retell_call_id = ?", expr), &p, 1);
}

static long long items_of(const char *call)
{
    db_param p = db_str(call);
    return e2e_count("SELECT COUNT(*) FROM switchboard_callbacks WHERE retell_call_id = ?", &p, 1);
}

#define BOOKED_NO "\"termin_gebucht\": true,"
#define WANTED_NOT_BOOKED "\"termin_gebucht\": false, \"termin_gewuenscht\": true,"
#define NOTHING_WANTED "\"termin_gebucht\": false,"

static const char *promised, *failed, *asked, *analysis_only, *promised_from;

static void each_unmet_wish_opens_one_item(void **state)
{
    (void)state;
    long logins;
    const char *c = e2e_login(OWNER, "haarmonie-demo", &logins);
    snprintf(owner_cookie, sizeof owner_cookie, "%s", c);
    c = e2e_login(OPERATOR, "switchboard-demo", &logins);
    snprintf(operator_cookie, sizeof operator_cookie, "%s", c);

    /* Cal.com down while the caller asks: the agent promises a callback */
    promised_from = fresh_number();
    promised = start_call(promised_from);
    fake("/_control", "{\"fail_500\":true}");
    json_object *a = fn(promised, promised_from, "check_availability",
                        arena_printf(e2e_arena(), "{\"service\":\"herrenhaarschnitt\",\"datum\":\"%s\",\"uhrzeit\":\"15:30\"}",
                                     day_ahead(wish_days() + 1, 0)));
    fake("/_control", "{\"fail_500\":false}");
    assert_non_null(strstr(json_get_str(a, "message"), "rufen Sie zurück"));
    end_call(promised, promised_from, WANTED_NOT_BOOKED);
    /* the offered slot goes to someone else before the agent books it */
    const char *from = fresh_number();
    failed = start_call(from);
    const char *slot = ask(failed, from);
    assert_non_null(slot);
    int64_t at;
    assert_int_equal(time_parse_iso(slot, &at), 0);
    char utc[40];
    time_format_iso(at, utc, sizeof utc); /* Cal.com takes UTC */
    fake("/v2/bookings", arena_printf(e2e_arena(), "{\"start\":\"%s\",\"eventTypeId\":1843201,\"attendee\":{\"name\":\"Walk-in\","
                                                   "\"email\":\"walkin@example.org\",\"timeZone\":\"Europe/Berlin\"}}", utc));
    a = book(failed, from, slot);
    assert_string_not_equal(json_get_str(a, "status"), "booked");
    end_call(failed, from, NOTHING_WANTED);
    /* asked, heard the answer, hung up */
    from = fresh_number();
    asked = start_call(from);
    assert_non_null(ask(asked, from));
    end_call(asked, from, NOTHING_WANTED);
    /* no function at all, but the analysis says an appointment was wanted */
    from = fresh_number();
    analysis_only = start_call(from);
    end_call(analysis_only, from, WANTED_NOT_BOOKED);
    /* no unmet wish: booked in the call; an information call; the analysis says booked */
    from = fresh_number();
    const char *booked = start_call(from);
    slot = ask(booked, from);
    EQ(json_get_str(book(booked, from, slot), "status"), "booked");
    end_call(booked, from, WANTED_NOT_BOOKED);
    from = fresh_number();
    const char *info = start_call(from);
    fn(info, from, "check_customer", "{}");
    end_call(info, from, NOTHING_WANTED);
    from = fresh_number();
    const char *said_booked = start_call(from);
    end_call(said_booked, from, BOOKED_NO);

    /* exactly one item for each unmet wish, none for the others, whatever was delivered twice */
    assert_int_equal(items_of(promised), 1);
    EQ(item_col(promised, "reason"), "callback_promised");
    EQ(item_col(promised, "status"), "open");
    EQ(item_col(promised, "caller_number"), promised_from);
    EQ(item_col(promised, "wanted_service"), "herrenhaarschnitt");
    EQ(item_col(promised, "wanted_at"), arena_printf(e2e_arena(), "%s 15:30", day_ahead(wish_days() + 1, 1)));
    assert_non_null(strstr(item_col(promised, "failure"), "calcom_down"));
    EQ(item_col(promised, "company_id"), "2");
    /* alerted_at belongs to the mail thread (D107): test_76 checks the alert and its batching */
    EQ(item_col(promised, "call_id"), e2e_scalar(arena_printf(e2e_arena(), "SELECT id FROM calls WHERE retell_call_id = '%s'", promised), NULL, 0));
    assert_int_equal(items_of(failed), 1);
    EQ(item_col(failed, "reason"), "booking_failed");
    assert_non_null(strstr(item_col(failed, "failure"), "book_appointment"));
    assert_int_equal(items_of(asked), 1);
    EQ(item_col(asked, "reason"), "no_booking_after_request");
    EQ(item_col(asked, "wanted_at"), arena_printf(e2e_arena(), "%s 09:00", day_ahead(wish_days(), 1)));
    assert_int_equal(items_of(analysis_only), 1);
    EQ(item_col(analysis_only, "reason"), "analysis_wanted_appointment");
    EQ(item_col(analysis_only, "wanted_service"), "Herrenhaarschnitt"); /* the analysis' leistung */
    assert_int_equal(items_of(booked), 0);
    assert_int_equal(items_of(info), 0);
    assert_int_equal(items_of(said_booked), 0);
    /* a replay of the whole call opens nothing twice */
    const char *ev = e2e_scalar(arena_printf(e2e_arena(), "SELECT MAX(id) FROM webhook_events WHERE event_id = '%s'", promised), NULL, 0);
    const char *out;
    assert_int_equal(e2e_cli(arena_printf(e2e_arena(), "replay %s", ev), &out), 0);
    assert_int_equal(items_of(promised), 1);
}

static void the_page_lists_filters_exports_and_closes(void **state)
{
    (void)state;
    /* another company's item, with markup and a formula in it */
    assert_int_equal(db_exec(e2e_db(),
                             "INSERT INTO switchboard_callbacks (company_id, call_id, retell_call_id, caller_number, caller_name, reason,"
                             " wanted_service) VALUES (1, 990000001, 'call_wall_1', '+4930111', '=HYPERLINK(\"http://x\")', 'booking_failed',"
                             " '<script>alert(1)</script>')", NULL, 0, NULL, NULL), 0);
    const char *foreign = e2e_scalar("SELECT id FROM switchboard_callbacks WHERE retell_call_id = 'call_wall_1'", NULL, 0);
    e2e_response r = page("GET", "/callbacks", owner_cookie, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "<h1>Rückrufe</h1>"));
    assert_non_null(strstr(r.body, "Rückruf versprochen"));
    assert_non_null(strstr(r.body, "Buchung fehlgeschlagen"));
    assert_non_null(strstr(r.body, promised_from));
    const char *call_row = e2e_scalar(arena_printf(e2e_arena(), "SELECT id FROM calls WHERE retell_call_id = '%s'", promised), NULL, 0);
    assert_non_null(strstr(r.body, arena_printf(e2e_arena(), "<a href=\"/call?id=%s\">", call_row)));
    assert_null(strstr(r.body, "call_wall_1"));
    assert_null(strstr(r.body, "HYPERLINK")); /* the tenant wall */
    /* the navigation counts the open items of the reader's company */
    long long open2 = e2e_count("SELECT COUNT(*) FROM switchboard_callbacks WHERE company_id = 2 AND status = 'open'", NULL, 0);
    assert_true(open2 >= 4);
    assert_non_null(strstr(r.body, arena_printf(e2e_arena(), "data-open-callbacks=\"%lld\">%lld</span>", open2, open2)));
    /* in English */
    const char *h[] = {arena_printf(e2e_arena(), "Cookie: %s; sb_lang=en", owner_cookie), NULL};
    e2e_response en = e2e_request("GET", "/callbacks", h, NULL, 0);
    assert_non_null(strstr(en.body, "<h1>Callbacks</h1>"));
    assert_non_null(strstr(en.body, "callback promised"));
    /* the operator sees the foreign item, escaped */
    e2e_response op = page("GET", "/callbacks", operator_cookie, NULL);
    assert_non_null(strstr(op.body, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_null(strstr(op.body, "<script>alert(1)"));
    /* CSV: every cell quoted, quotes doubled, formulas defused */
    e2e_response csv = page("GET", "/callbacks.csv?status=all&days=90", operator_cookie, NULL);
    assert_int_equal(csv.status, 200);
    assert_non_null(strstr(csv.body, "\"'=HYPERLINK(\"\"http://x\"\")\""));
    assert_null(strstr(page("GET", "/callbacks.csv?status=all", owner_cookie, NULL).body, "HYPERLINK"));
    /* changes need the token, stay inside the wall, and move only open items */
    const char *item = item_col(asked, "id");
    const char *csrf = csrf_of(r.body);
    assert_int_equal(page("POST", "/callbacks/close", owner_cookie, arena_printf(e2e_arena(), "id=%s&action=done", item)).status, 403);
    assert_int_equal(page("POST", "/callbacks/close", owner_cookie,
                          arena_printf(e2e_arena(), "csrf=%s&id=%s&action=done", csrf, foreign)).status, 404);
    EQ(e2e_scalar(arena_printf(e2e_arena(), "SELECT status FROM switchboard_callbacks WHERE id = %s", foreign), NULL, 0), "open");
    assert_int_equal(page("POST", "/callbacks/close", owner_cookie,
                          arena_printf(e2e_arena(), "csrf=%s&id=%s&action=explode", csrf, item)).status, 400);
    e2e_response done = page("POST", "/callbacks/close", owner_cookie,
                             arena_printf(e2e_arena(), "csrf=%s&id=%s&action=done&note=%s", csrf, item,
                                          "Zur%C3%BCckgerufen%2C+Termin+am+Freitag+%3Cb%3E"));
    assert_int_equal(done.status, 303);
    EQ(item_col(asked, "status"), "done");
    EQ(item_col(asked, "close_note"), "Zurückgerufen, Termin am Freitag <b>");
    assert_non_null(strstr(item_col(asked, "closed_by"), "(user "));
    assert_non_null(item_col(asked, "closed_at"));
    /* a second click (or a colleague's) changes nothing */
    assert_int_equal(page("POST", "/callbacks/close", owner_cookie,
                          arena_printf(e2e_arena(), "csrf=%s&id=%s&action=dismissed", csrf, item)).status, 409);
    EQ(item_col(asked, "status"), "done");
    assert_int_equal(page("POST", "/callbacks/close", owner_cookie,
                          arena_printf(e2e_arena(), "csrf=%s&id=%s&action=dismissed", csrf, item_col(failed, "id"))).status, 303);
    EQ(item_col(failed, "status"), "dismissed");
    /* filters: open hides them, done shows the note escaped, the count went down by two */
    r = page("GET", "/callbacks", owner_cookie, NULL);
    assert_null(strstr(r.body, arena_printf(e2e_arena(), "data-callback=\"%s\"", item)));
    assert_non_null(strstr(r.body, arena_printf(e2e_arena(), "data-open-callbacks=\"%lld\"", open2 - 2)));
    r = page("GET", "/callbacks?status=done", owner_cookie, NULL);
    assert_non_null(strstr(r.body, arena_printf(e2e_arena(), "data-callback=\"%s\"", item)));
    assert_non_null(strstr(r.body, "Termin am Freitag &lt;b&gt;"));
    assert_null(strstr(r.body, arena_printf(e2e_arena(), "data-callback=\"%s\"", item_col(promised, "id"))));
    r = page("GET", "/callbacks?status=dismissed", owner_cookie, NULL);
    assert_non_null(strstr(r.body, arena_printf(e2e_arena(), "data-callback=\"%s\"", item_col(failed, "id"))));
    /* branch filter: the items' branch shows them, another branch does not */
    const char *branch = item_col(promised, "branch_id");
    assert_non_null(branch);
    r = page("GET", arena_printf(e2e_arena(), "/callbacks?branch=%s", branch), owner_cookie, NULL);
    assert_non_null(strstr(r.body, arena_printf(e2e_arena(), "data-callback=\"%s\"", item_col(promised, "id"))));
    r = page("GET", "/callbacks?branch=00000000-0000-0000-0000-000000000000", owner_cookie, NULL);
    assert_null(strstr(r.body, arena_printf(e2e_arena(), "data-callback=\"%s\"", item_col(promised, "id"))));
}

/* Cal.com's BOOKING_CREATED for a web booking by `from`, created now */
static void web_booking(const char *from, const char *email)
{
    size_t len;
    const char *uid;
    const char *b = e2e_fixture_new_id("calcom/webhook_booking_created.json", "mT4kQ8vXb2nR7sLp9wE3Yd", &uid, &len);
    b = e2e_replace(b, "+4915123456789", from);
    b = e2e_replace(b, "lena.schmidt@example.com", email);
    b = e2e_replace(b, "Lena Schmidt", "Rueckruf Webkundin");
    time_t now = time(NULL);
    struct tm g;
    gmtime_r(&now, &g);
    char iso[40];
    strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S.000Z", &g);
    b = e2e_replace(b, "2026-03-09T14:12:37.512Z", iso);
    e2e_response r = e2e_post_signed("calcom", "/api/calcom/webhook", b, strlen(b));
    assert_int_equal(r.status, 200);
    int64_t ev;
    assert_true(json_get_int(r.json, "id", &ev));
    assert_true(e2e_wait_status((uint64_t)ev, "processed", 15));
}

static void a_later_web_booking_closes_the_item(void **state)
{
    (void)state;
    /* an old item of the same caller, outside the window: stays open */
    const char *from = fresh_number();
    const char *old = start_call(from);
    ask(old, from);
    end_call(old, from, NOTHING_WANTED);
    db_param p = db_str(old);
    assert_int_equal(db_exec(e2e_db(), "UPDATE calls SET start_timestamp = NOW() - INTERVAL 100 HOUR WHERE retell_call_id = ?", &p, 1,
                             NULL, NULL), 0);
    const char *recent = start_call(from);
    ask(recent, from);
    end_call(recent, from, NOTHING_WANTED);
    EQ(item_col(recent, "status"), "open");
    /* someone else's booking closes nothing */
    web_booking(fresh_number(), arena_printf(e2e_arena(), "other-%d@example.com", (int)getpid()));
    EQ(item_col(recent, "status"), "open");
    /* the caller books online: their recent item closes, pointing at the appointment; the old one stays */
    web_booking(from, arena_printf(e2e_arena(), "rueckruf-%d@example.com", (int)getpid()));
    EQ(item_col(recent, "status"), "done");
    EQ(item_col(recent, "closed_by"), "automatic");
    const char *appt = item_col(recent, "closed_by_appointment_id");
    assert_non_null(appt);
    EQ(e2e_scalar(arena_printf(e2e_arena(), "SELECT source FROM appointments WHERE id = %s", appt), NULL, 0), "cal.com");
    EQ(item_col(old, "status"), "open");
    /* the page says so */
    e2e_response r = page("GET", "/callbacks?status=done", owner_cookie, NULL);
    assert_non_null(strstr(r.body, arena_printf(e2e_arena(), "automatisch: Termin gebucht <a href=\"/appointment?id=%s\">", appt)));
    /* and a call that ends after the caller already booked opens its item closed */
    const char *late = start_call(from);
    ask(late, from);
    assert_int_equal(db_exec(e2e_db(), "UPDATE appointments SET created_at = NOW() WHERE id = ?", (db_param[]){db_int(atoll(appt))}, 1,
                             NULL, NULL), 0);
    end_call(late, from, NOTHING_WANTED);
    EQ(item_col(late, "status"), "done");
    EQ(item_col(late, "closed_by_appointment_id"), appt);
}


static long long sim_before_event;

static int sim_settled(void)
{
    db_param p = db_int(sim_before_event);
    return e2e_count("SELECT COUNT(*) FROM webhook_events WHERE id > ? AND status NOT IN ('processed', 'ignored', 'dead')", &p, 1) == 0;
}

/* A simulated stretch of days through nginx, with Cal.com failing for some callers: the callback items are
 * exactly the unmet wishes the simulation itself reports (--expect), each closed exactly when the same
 * caller booked (online, or by phone) within the window. */
static void a_simulated_day_leaves_exactly_the_unmet_wishes(void **state)
{
    (void)state;
    sim_before_event = e2e_count("SELECT COALESCE(MAX(id), 0) FROM webhook_events", NULL, 0);
    long long before_call = e2e_count("SELECT COALESCE(MAX(id), 0) FROM calls", NULL, 0);
    const char *path = arena_printf(e2e_arena(), "%s/simulate-expect.txt", e2e_var());
    const char *out;
    int rc = e2e_cli(arena_printf(e2e_arena(), "simulate --history 3d --seed 1414 --company 2 --url '%s' --expect '%s'",
                                  getenv("SB_TEST_URL"), path), &out);
    if (rc != 0) fail_msg("simulate exited %d:\n%s", rc, out);
    print_message("%s", out);
    assert_true(e2e_wait(sim_settled, 120));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[256];
    long lines = 0, by_reason[4] = {0}, done = 0;
    static const char *const REASONS[] = {"callback_promised", "booking_failed", "no_booking_after_request", "analysis_wanted_appointment"};
    while (fgets(line, sizeof line, f)) {
        char call[64], reason[64], status[16];
        assert_int_equal(sscanf(line, "%63s %63s %15s", call, reason, status), 3);
        lines++;
        for (int i = 0; i < 4; i++) by_reason[i] += !strcmp(reason, REASONS[i]);
        done += !strcmp(status, "done");
        db_param p = db_str(call);
        if (e2e_count("SELECT COUNT(*) FROM switchboard_callbacks WHERE retell_call_id = ?", &p, 1) != 1)
            fail_msg("call %s: expected one %s item, found %lld", call, reason,
                     e2e_count("SELECT COUNT(*) FROM switchboard_callbacks WHERE retell_call_id = ?", &p, 1));
        const char *got = e2e_scalar("SELECT CONCAT(reason, ' ', status, ' ', COALESCE(closed_by, '-')) FROM switchboard_callbacks"
                                     " WHERE retell_call_id = ?", &p, 1);
        const char *want = arena_printf(e2e_arena(), "%s %s %s", reason, status, strcmp(status, "done") ? "-" : "automatic");
        if (strcmp(got, want)) fail_msg("call %s: expected \"%s\", the database has \"%s\"", call, want, got);
    }
    fclose(f);
    /* and nothing else: no item for a call whose wish was met */
    db_param b = db_int(before_call);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM switchboard_callbacks cb JOIN calls c ON c.id = cb.call_id WHERE c.id > ?", &b, 1),
                     lines);
    /* the stories happened: Cal.com failed for some callers, and some asked and booked online later */
    assert_true(by_reason[0] >= 1);
    assert_true(by_reason[2] >= 1);
    assert_true(done >= 1);
    assert_true(lines - done >= 1);
    assert_non_null(strstr(out, arena_printf(e2e_arena(), "(items %ld, closed by a later booking %ld)", lines, done)));
    /* every function call answered is kept with its call, and the call's page shows each of them */
    const char *answers = strstr(out, "(function answers ");
    assert_non_null(answers);
    long n_answers = atol(answers + 18);
    assert_true(n_answers > 0);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM switchboard_function_calls f JOIN calls c ON c.id = f.call_id WHERE c.id > ?", &b, 1),
                     n_answers);
    const char *story = e2e_scalar("SELECT cb.call_id FROM switchboard_callbacks cb WHERE cb.call_id > ? AND cb.reason = 'callback_promised'"
                                   " ORDER BY cb.id LIMIT 1", &b, 1);
    assert_non_null(story);
    db_param sp = db_int(atoll(story));
    long long rows = e2e_count("SELECT COUNT(*) FROM switchboard_function_calls WHERE call_id = ?", &sp, 1);
    assert_true(rows >= 1);
    e2e_response pg = page("GET", arena_printf(e2e_arena(), "/call?id=%s", story), owner_cookie, NULL);
    assert_int_equal(pg.status, 200);
    long shown = 0;
    for (const char *p = pg.body; (p = strstr(p, "<li class=\"ev ev-function\">")); p++) shown++;
    assert_int_equal(shown, rows);
    assert_non_null(strstr(pg.body, "outcome-calcom_down"));
    assert_non_null(strstr(pg.body, "<li class=\"ev ev-callback\">"));
}

/* the opening side of the race, in its own session and thread: it blocks on the company's lock
 * while the booking's transaction holds it (D219) */
static uint64_t race_call;
static void *open_item(void *unused)
{
    (void)unused;
    sb_db *db = db_new(e2e_config());
    arena *a = arena_new(16 * 1024);
    uint64_t opened = 0;
    int rc = db_begin(db) == 0 && callbacks_open_for_call(db, a, e2e_config(), race_call, &opened) == 0 && db_commit(db) == 0;
    if (!rc) print_error("open_for_call: %s\n", db_error(db));
    arena_free(a);
    db_free(db);
    return rc ? (void *)1 : NULL;
}

static void an_item_and_a_booking_at_the_same_moment(void **state)
{
    (void)state;
    /* a call that wanted an appointment (the analysis says so) has just ended, and its caller books
     * online at the same moment: the booking's transaction (autoclose) runs first and has not
     * committed when the call's end is processed in another process. The item must end closed. */
    static const char PHONE[] = "+4915199274001";
    db_param ph = db_str(PHONE);
    assert_int_equal(db_exec(e2e_db(), "INSERT INTO customers (company_id, name, phone, source, status, created_at, updated_at)"
                             " VALUES (2, 'Race Kundin', ?, 'test', 'active', NOW(), NOW())", &ph, 1, NULL, NULL), 0);
    long long customer = e2e_count("SELECT MAX(id) FROM customers WHERE phone = ?", &ph, 1);
    assert_int_equal(db_exec(e2e_db(), "INSERT INTO calls (retell_call_id, company_id, from_number, status, start_timestamp,"
                             " end_timestamp, duration_sec, custom_analysis_data, created_at, updated_at) VALUES ('call_race_74', 2, ?,"
                             " 'ended', NOW() - INTERVAL 10 MINUTE, NOW() - INTERVAL 8 MINUTE, 120,"
                             " '{\"termin_gewuenscht\": true, \"termin_gebucht\": false}', NOW() - INTERVAL 10 MINUTE, NOW())",
                             &ph, 1, NULL, NULL), 0);
    race_call = (uint64_t)e2e_count("SELECT id FROM calls WHERE retell_call_id = 'call_race_74'", NULL, 0);
    sb_db *booking = db_new(e2e_config());
    assert_int_equal(db_begin(booking), 0);
    db_param cu = db_int(customer);
    uint64_t appt = 0;
    assert_int_equal(db_exec(booking, "INSERT INTO appointments (company_id, customer_id, starts_at, ends_at, status, source,"
                             " created_at, updated_at) VALUES (2, ?, NOW() + INTERVAL 2 DAY, NOW() + INTERVAL 2 DAY + INTERVAL 30 MINUTE,"
                             " 'confirmed', 'cal.com', NOW(), NOW())", &cu, 1, &appt, NULL), 0);
    uint64_t closed = 9;
    assert_int_equal(callbacks_autoclose_appointment(booking, e2e_arena(), e2e_config(), appt, &closed), 0);
    assert_int_equal(closed, 0); /* no item yet */
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, open_item, NULL), 0);
    sleep(2); /* the call's end runs now (and, since D219, waits for the lock) */
    assert_int_equal(db_commit(booking), 0);
    void *ok = NULL;
    pthread_join(t, &ok);
    db_free(booking);
    assert_non_null(ok);
    const char *got = item_col("call_race_74", "CONCAT(status, ' ', COALESCE(closed_by, '-'))");
    if (!got || strcmp(got, "done automatic"))
        fail_msg("the item of a call whose caller booked at the same moment is \"%s\", not \"done automatic\"",
                 got ? got : "(none)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_unmet_wish_opens_one_item),
        cmocka_unit_test(the_page_lists_filters_exports_and_closes),
        cmocka_unit_test(a_later_web_booking_closes_the_item),
        cmocka_unit_test(a_simulated_day_leaves_exactly_the_unmet_wishes),
        cmocka_unit_test(an_item_and_a_booking_at_the_same_moment),
    };
    return cmocka_run_group_tests_name("e2e_callbacks", tests, e2e_setup, e2e_teardown);
}
