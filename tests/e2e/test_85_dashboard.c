/* test_85_dashboard.c: dashboard login, pages, CSRF, the tenant wall, escaping, languages, throttling. */
#include "e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OWNER "owner@salon-haarmonie.example.com"
#define OPERATOR "operator@switchboard.example.com"

static char owner_cookie[128], operator_cookie[128];

static const char *login(const char *email, const char *password, long *status) { return e2e_login(email, password, status); }

/* a request with the session cookie (and one more header, or NULL) */
static e2e_response page_with(const char *method, const char *path, const char *cookie, const char *form, const char *header)
{
    const char *h[] = {arena_printf(e2e_arena(), "Cookie: %s", cookie), "Content-Type: application/x-www-form-urlencoded", header,
                       NULL};
    return e2e_request(method, path, h, form, form ? strlen(form) : 0);
}

static e2e_response page(const char *method, const char *path, const char *cookie, const char *form)
{
    return page_with(method, path, cookie, form, NULL);
}

static const char *csrf_of(const char *html)
{
    const char *p = strstr(html, "name=\"csrf\" value=\"");
    if (!p) fail_msg("no CSRF field in the page");
    return arena_strndup(e2e_arena(), p + 19, 64);
}

static void login_logout_and_pages(void **state)
{
    (void)state;
    e2e_response r = e2e_request("GET", "/", NULL, NULL, 0);
    assert_int_equal(r.status, 303); /* to the login */
    r = e2e_request("GET", "/login", NULL, NULL, 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "<form method=\"post\" action=\"/login\""));
    long st;
    assert_string_equal(login(OWNER, "wrong-password", &st), "");
    assert_int_equal(st, 401);
    const char *c = login(OWNER, "haarmonie-demo", &st);
    assert_int_equal(st, 303);
    assert_true(strlen(c) > 20);
    snprintf(owner_cookie, sizeof owner_cookie, "%s", c);
    r = page("GET", "/", owner_cookie, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "Telefon-Buchungsquote"));
    assert_non_null(strstr(r.body, "<svg class=\"chart\""));
    r = page("GET", "/webhooks", owner_cookie, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "Rückstand"));
    /* logout needs the CSRF token; afterwards the cookie is worthless */
    assert_int_equal(page("POST", "/logout", owner_cookie, "csrf=nope").status, 403);
    const char *csrf = csrf_of(r.body);
    assert_int_equal(page("POST", "/logout", owner_cookie, arena_printf(e2e_arena(), "csrf=%s", csrf)).status, 303);
    assert_int_equal(page("GET", "/", owner_cookie, NULL).status, 303);
    c = login(OWNER, "haarmonie-demo", &st);
    snprintf(owner_cookie, sizeof owner_cookie, "%s", c);
    c = login(OPERATOR, "switchboard-demo", &st);
    assert_int_equal(st, 303);
    snprintf(operator_cookie, sizeof operator_cookie, "%s", c);
}

/* Every state-changing dashboard POST refuses a token that is not this session's: another
 * session's valid one, a wrong one of the right length (64 hex), a short one, none; and
 * takes this session's (the control: the refusals are the token's doing). /login is the
 * hardening issue's decision and not listed here. */
static void every_post_route_refuses_another_sessions_token(void **state)
{
    (void)state;
    static const struct { const char *path, *form; long ok; } POSTS[] = {
        {"/scope", "company=2", 303},
        {"/webhooks/replay", "id=0", 404},
        {"/webhooks/replay-all", "status=processed", 400}, /* checked after the token: a refusal without side effect */
        {"/test-numbers", "number=x", 400},                /* the operator has no company chosen: refused after the token */
        {"/callbacks/close", "id=999999999&action=done", 404}, /* no such item: nothing changes */
        {"/logout", "", 303},                              /* last: it ends session A */
    };
    /* the table covers every session POST route of app/routes.c */
    FILE *f = fopen(arena_printf(e2e_arena(), "%s/app/routes.c", getenv("SB_TEST_ROOT")), "r");
    assert_non_null(f);
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char path[128];
        if (!strstr(line, ", dash_") || sscanf(line, " {\"POST\", \"%127[^\"]\"", path) != 1 || !strcmp(path, "/login")) continue;
        size_t i = 0;
        while (i < sizeof POSTS / sizeof *POSTS && strcmp(POSTS[i].path, path)) i++;
        if (i == sizeof POSTS / sizeof *POSTS) fail_msg("POST %s has no CSRF case here", path);
    }
    fclose(f);
    long st;
    char a[128], b[128];
    snprintf(a, sizeof a, "%s", login(OPERATOR, "switchboard-demo", &st));
    snprintf(b, sizeof b, "%s", login(OPERATOR, "switchboard-demo", &st));
    const char *tok_a = csrf_of(page("GET", "/webhooks", a, NULL).body), *tok_b = csrf_of(page("GET", "/webhooks", b, NULL).body);
    assert_int_equal(strlen(tok_a), 64);
    assert_string_not_equal(tok_a, tok_b); /* per session, or the first refusal below proves nothing */
    const char *wrong[] = {tok_b, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                           arena_strndup(e2e_arena(), tok_a, 63), NULL};
    for (size_t i = 0; i < sizeof POSTS / sizeof *POSTS; i++) {
        for (size_t w = 0; w < sizeof wrong / sizeof *wrong; w++) {
            const char *form = wrong[w] ? arena_printf(e2e_arena(), "csrf=%s&%s", wrong[w], POSTS[i].form) : POSTS[i].form;
            long got = page("POST", POSTS[i].path, a, form).status;
            if (got != 403) fail_msg("POST %s with %s answered %ld, not 403", POSTS[i].path, wrong[w] ? wrong[w] : "no token", got);
        }
        long got = page("POST", POSTS[i].path, a, arena_printf(e2e_arena(), "csrf=%s&%s", tok_a, POSTS[i].form)).status;
        if (got != POSTS[i].ok) fail_msg("POST %s with the session's token answered %ld, not %ld", POSTS[i].path, got, POSTS[i].ok);
    }
    assert_int_equal(page("GET", "/", a, NULL).status, 303); /* logged out */
    assert_int_equal(page("GET", "/", b, NULL).status, 200); /* the other session lives on */
}

static void security_headers_on_every_page(void **state)
{
    (void)state;
    http_client_response r;
    char url[512], err[256], v[512];
    snprintf(url, sizeof url, "%s/login", getenv("SB_TEST_URL"));
    assert_int_equal(http_client_request("GET", url, NULL, NULL, 0, 10000, &r, err, sizeof err), 0);
    assert_int_equal(http_client_header(&r, "Content-Security-Policy", v, sizeof v), 0);
    assert_non_null(strstr(v, "frame-ancestors 'none'"));
    assert_int_equal(http_client_header(&r, "X-Frame-Options", v, sizeof v), 0);
    assert_int_equal(http_client_header(&r, "Referrer-Policy", v, sizeof v), 0);
    assert_int_equal(http_client_header(&r, "X-Content-Type-Options", v, sizeof v), 0);
    http_client_response_free(&r);
}

static void tenant_wall_escaping_and_replay(void **state)
{
    (void)state;
    /* a dead event of another company, with markup in its error */
    assert_int_equal(db_exec(e2e_db(),
                             "INSERT INTO webhook_events (provider, company_id, event_type, event_id, idempotency_key, payload,"
                             " status, error_message, next_attempt_at, created_at, updated_at) VALUES ('calcom', 1, 'BOOKING_CREATED',"
                             " 'wall-1', CONCAT('calcom:BOOKING_CREATED:wall-', UUID()), '{}', 'dead',"
                             " '<script>alert(\"x\")</script> & ✓', NOW(3), NOW(), NOW())", NULL, 0, NULL, NULL), 0);
    const char *id = e2e_scalar("SELECT MAX(id) FROM webhook_events WHERE event_id = 'wall-1'", NULL, 0);
    e2e_response op = page("GET", "/webhooks?status=dead", operator_cookie, NULL);
    assert_int_equal(op.status, 200);
    assert_non_null(strstr(op.body, "wall-1"));
    assert_null(strstr(op.body, "<script>alert"));
    assert_non_null(strstr(op.body, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; ✓"));
    e2e_response own = page("GET", "/webhooks?status=dead", owner_cookie, NULL);
    assert_null(strstr(own.body, "wall-1")); /* company 2's owner never sees company 1's events */
    /* nor replays them by id */
    const char *csrf = csrf_of(own.body);
    e2e_response rp = page("POST", "/webhooks/replay", owner_cookie, arena_printf(e2e_arena(), "csrf=%s&id=%s", csrf, id));
    assert_int_equal(rp.status, 404);
    /* the operator can; without a token nobody can */
    assert_int_equal(page("POST", "/webhooks/replay", operator_cookie, arena_printf(e2e_arena(), "id=%s", id)).status, 403);
    rp = page("POST", "/webhooks/replay", operator_cookie, arena_printf(e2e_arena(), "csrf=%s&id=%s", csrf_of(op.body), id));
    assert_int_equal(rp.status, 303);
    db_param p = db_int(atoll(id));
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM switchboard_replays WHERE webhook_event_id = ?", &p, 1), 1);
}

static void the_live_feed_brings_new_events_inside_the_wall(void **state)
{
    (void)state;
    e2e_response pg = page("GET", "/webhooks", owner_cookie, NULL);
    assert_int_equal(pg.status, 200);
    const char *live = strstr(pg.body, "data-live=\"/webhooks/live.json?status=&amp;provider=\" data-last=\"");
    assert_non_null(live);
    long long last = atoll(strstr(live, "data-last=\"") + 11);
    /* the page's newest row is company 2's; other companies' events may be newer */
    assert_true(last > 0 && last <= atoll(e2e_scalar("SELECT MAX(id) FROM webhook_events", NULL, 0)));
    last = atoll(e2e_scalar("SELECT MAX(id) FROM webhook_events", NULL, 0));
    assert_non_null(strstr(pg.body, "<script src=\"/static/live.js\" defer></script>"));
    static const char *const INS =
        "INSERT INTO webhook_events (provider, company_id, event_type, event_id, idempotency_key, payload, status, error_message,"
        " next_attempt_at, created_at, updated_at) VALUES ('calcom', ?, 'BOOKING_CREATED', ?, CONCAT('calcom:live:', UUID()), '{}',"
        " 'dead', 'quote \" and <b>', NOW(3), NOW(), NOW())";
    db_param own[] = {db_int(2), db_str("live-own")}, other[] = {db_int(1), db_str("live-other")};
    assert_int_equal(db_exec(e2e_db(), INS, own, 2, NULL, NULL), 0);
    assert_int_equal(db_exec(e2e_db(), INS, other, 2, NULL, NULL), 0);
    const char *url = arena_printf(e2e_arena(), "/webhooks/live.json?status=&provider=&after=%lld", last);
    e2e_response r = page("GET", url, owner_cookie, NULL);
    assert_int_equal(r.status, 200);
    json_object *j = json_parse_strict(r.body, strlen(r.body), NULL, 0);
    assert_non_null(j);
    json_object *ev = json_get(j, "events");
    assert_int_equal(json_object_array_length(ev), 1); /* company 1's event stays behind the wall */
    assert_string_equal(json_object_get_string(json_object_array_get_idx(json_object_array_get_idx(ev, 0), 3)), "live-own");
    assert_string_equal(json_object_get_string(json_object_array_get_idx(json_object_array_get_idx(ev, 0), 6)), "quote \" and <b>");
    assert_int_equal(json_object_array_length(json_get(j, "kpis")), 4);
    json_object_put(j);
    /* the operator sees both; a filter narrows the feed like the page */
    r = page("GET", url, operator_cookie, NULL);
    j = json_parse_strict(r.body, strlen(r.body), NULL, 0);
    assert_int_equal(json_object_array_length(json_get(j, "events")), 2);
    json_object_put(j);
    usleep(1100000); /* one poll per session per second (D136) */
    r = page("GET", arena_printf(e2e_arena(), "/webhooks/live.json?status=processed&provider=&after=%lld", last), operator_cookie, NULL);
    j = json_parse_strict(r.body, strlen(r.body), NULL, 0);
    assert_int_equal(json_object_array_length(json_get(j, "events")), 0);
    json_object_put(j);
    /* no session, no feed */
    assert_int_equal(page("GET", url, "", NULL).status, 303);
}

/* a request that must answer 303: its Set-Cookie and Location (256 bytes each) */
static void see_other(const char *method, const char *path, const char *const *headers, const char *form, char *set, char *loc)
{
    http_client_response r;
    char err[256];
    *set = *loc = '\0';
    if (http_client_request(method, arena_printf(e2e_arena(), "%s%s", getenv("SB_TEST_URL"), path), headers, form,
                            form ? strlen(form) : 0, 10000, &r, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(r.status, 303);
    http_client_header(&r, "Set-Cookie", set, 256);
    http_client_header(&r, "Location", loc, 256);
    http_client_response_free(&r);
}

static void operators_narrow_to_a_company_and_periods_have_presets(void **state)
{
    (void)state;
    e2e_response op = page("GET", "/webhooks?status=dead", operator_cookie, NULL);
    assert_non_null(strstr(op.body, "wall-1")); /* company 1's dead event, from the wall test */
    assert_non_null(strstr(op.body, "action=\"/scope\""));
    assert_non_null(strstr(op.body, ">Salon Haarmonie</option>"));
    /* choosing a company: a POST with the CSRF token sets the view cookie and goes back */
    char set[256], loc[256];
    const char *h[] = {arena_printf(e2e_arena(), "Cookie: %s", operator_cookie), "Content-Type: application/x-www-form-urlencoded",
                       arena_printf(e2e_arena(), "Referer: %s/webhooks?status=dead", getenv("SB_TEST_URL")), NULL};
    see_other("POST", "/scope", h, arena_printf(e2e_arena(), "csrf=%s&company=2", csrf_of(op.body)), set, loc);
    assert_int_equal(strncmp(set, "sb_company=2;", 13), 0);
    assert_string_equal(loc, "/webhooks?status=dead");
    const char *scoped = arena_printf(e2e_arena(), "%s; sb_company=2", operator_cookie);
    e2e_response narrowed = page("GET", "/webhooks?status=dead", scoped, NULL);
    assert_int_equal(narrowed.status, 200);
    assert_null(strstr(narrowed.body, "wall-1"));
    assert_non_null(strstr(narrowed.body, "value=\"2\" selected>"));
    /* a company user's cookie cannot widen or move their view, nor may they choose */
    e2e_response own = page("GET", "/webhooks?status=dead", arena_printf(e2e_arena(), "%s; sb_company=1", owner_cookie), NULL);
    assert_null(strstr(own.body, "wall-1"));
    assert_null(strstr(own.body, "action=\"/scope\""));
    assert_int_equal(page("POST", "/scope", owner_cookie, arena_printf(e2e_arena(), "csrf=%s&company=1", csrf_of(own.body))).status,
                     403);
    assert_int_equal(page("POST", "/scope", operator_cookie, "company=1").status, 403); /* no CSRF token */
    /* period presets on the report pages */
    static const char *const REPORTS[] = {"/", "/channels", "/agents"};
    for (size_t i = 0; i < 3; i++) {
        e2e_response p = page("GET", arena_printf(e2e_arena(), "%s?days=7", REPORTS[i]), owner_cookie, NULL);
        assert_int_equal(p.status, 200);
        if (!strstr(p.body, arena_printf(e2e_arena(), "href=\"%s?days=7\" aria-current=\"page\">7 Tage</a>", REPORTS[i])))
            fail_msg("%s: the 7-day preset is not the current one", REPORTS[i]);
    }
}

static void bulk_replay_stays_inside_the_wall(void **state)
{
    (void)state;
    static const char *const INS =
        "INSERT INTO webhook_events (provider, company_id, event_type, event_id, idempotency_key, payload, status, error_message,"
        " next_attempt_at, created_at, updated_at) VALUES ('calcom', ?, 'BOOKING_CREATED', 'bulk', CONCAT('calcom:bulk:', UUID()),"
        " '{}', 'dead', 'x', NOW(3), NOW(), NOW())";
    for (int i = 0; i < 3; i++) {
        db_param c = db_int(i < 2 ? 2 : 1);
        assert_int_equal(db_exec(e2e_db(), INS, &c, 1, NULL, NULL), 0);
    }
    long long own_dead = e2e_count("SELECT COUNT(*) FROM webhook_events WHERE company_id = 2 AND status = 'dead'", NULL, 0);
    long long other_dead = e2e_count("SELECT COUNT(*) FROM webhook_events WHERE company_id <> 2 AND status = 'dead'", NULL, 0);
    assert_true(own_dead >= 2 && other_dead >= 1);
    long long before = e2e_count("SELECT COUNT(*) FROM switchboard_replays", NULL, 0);
    e2e_response pg = page("GET", "/webhooks?status=dead&provider=", owner_cookie, NULL);
    assert_non_null(strstr(pg.body, "action=\"/webhooks/replay-all\""));
    const char *csrf = csrf_of(pg.body);
    assert_int_equal(page("POST", "/webhooks/replay-all", owner_cookie, arena_printf(e2e_arena(), "csrf=%s&status=processed", csrf)).status,
                     400);
    assert_int_equal(page("POST", "/webhooks/replay-all", owner_cookie, "status=dead").status, 403);
    e2e_response r = page("POST", "/webhooks/replay-all", owner_cookie, arena_printf(e2e_arena(), "csrf=%s&status=dead&provider=", csrf));
    assert_int_equal(r.status, 303);
    /* every dead event of company 2 was queued again, none of another company's */
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM switchboard_replays", NULL, 0) - before, own_dead);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM webhook_events WHERE company_id <> 2 AND status = 'dead'", NULL, 0), other_dead);
}

static void exports_stream_every_row_once(void **state)
{
    (void)state;
    /* more rows than one chunk (2000) twice over, in a company of their own */
    assert_int_equal(db_exec(e2e_db(), "INSERT INTO calls (retell_call_id, company_id, from_number, status, created_at, updated_at)"
                                       " SELECT CONCAT('call_csv_', seq), 4242, '+4930123', 'completed', NOW(), NOW()"
                                       " FROM seq_1_to_4500", NULL, 0, NULL, NULL), 0);
    e2e_response r = page("GET", "/calls.csv?days=1", arena_printf(e2e_arena(), "%s; sb_company=4242", operator_cookie), NULL);
    assert_int_equal(r.status, 200);
    size_t lines = 0;
    long long prev = -1;
    int seen_csv = 0;
    for (const char *l = r.body; l && *l; l = strstr(l, "\r\n") ? strstr(l, "\r\n") + 2 : NULL) {
        if (lines++ == 0) continue; /* the header */
        long long id = atoll(l + 1);
        if (prev >= 0 && id >= prev) fail_msg("line %zu: id %lld after %lld (a row twice or out of order)", lines, id, prev);
        prev = id;
        seen_csv += strstr(l, "call_csv_") != NULL && strstr(l, "call_csv_") < strstr(l, "\r\n");
    }
    assert_int_equal(lines, 4501);
    assert_int_equal(seen_csv, 4500);
    assert_null(strstr(r.body, "export incomplete"));
    assert_int_equal(db_exec(e2e_db(), "DELETE FROM calls WHERE company_id = 4242", NULL, 0, NULL, NULL), 0);
}

/* a fresh appointment (and customer) of the owner's company 2: its id */
static uint64_t own_appointment(void)
{
    uint64_t customer = 0, appt = 0;
    assert_int_equal(db_exec(e2e_db(), "INSERT INTO customers (company_id, name, source, status, created_at, updated_at)"
                                       " VALUES (2, 'Wand Test', 'test', 'active', NOW(), NOW())", NULL, 0, &customer, NULL), 0);
    db_param c = db_int((long long)customer);
    assert_int_equal(db_exec(e2e_db(), "INSERT INTO appointments (company_id, customer_id, starts_at, ends_at, status, source, created_at,"
                                       " updated_at) VALUES (2, ?, NOW() + INTERVAL 1 DAY, NOW() + INTERVAL 1 DAY + INTERVAL 30 MINUTE,"
                                       " 'confirmed', 'phone', NOW(), NOW())", &c, 1, &appt, NULL), 0);
    assert_true(appt > 0);
    return appt;
}

static void every_page_answers_and_the_detail_pages_are_walled(void **state)
{
    (void)state;
    static const char *const PAGES[] = {"/", "/channels", "/agents", "/calls", "/appointments", "/webhooks", "/calls?q=%2B49&days=90",
                                        "/appointments?days=7"};
    for (size_t i = 0; i < sizeof PAGES / sizeof *PAGES; i++) {
        e2e_response r = page("GET", PAGES[i], owner_cookie, NULL);
        if (r.status != 200 || !strstr(r.body, "</html>")) fail_msg("%s answered %ld", PAGES[i], r.status);
    }
    /* a call of the owner's company opens; one of another company is a 404, like a missing one.
     * The rows are this test's own: no guard lets the checks fall away on an empty table */
    uint64_t own = 0, other = 0, appt = 0;
    static const char *const CALL = "INSERT INTO calls (retell_call_id, company_id, from_number, status, created_at, updated_at)"
                                    " VALUES (CONCAT('call_wall_', UUID()), ?, '+4930555', 'completed', NOW(), NOW())";
    assert_int_equal(db_exec(e2e_db(), CALL, (db_param[]){db_int(2)}, 1, &own, NULL), 0);
    assert_int_equal(db_exec(e2e_db(), CALL, (db_param[]){db_int(1)}, 1, &other, NULL), 0);
    appt = own_appointment();
    assert_true(own && other && appt);
    assert_int_equal(page("GET", arena_printf(e2e_arena(), "/call?id=%llu", (unsigned long long)own), owner_cookie, NULL).status, 200);
    assert_int_equal(page("GET", arena_printf(e2e_arena(), "/call?id=%llu", (unsigned long long)other), owner_cookie, NULL).status, 404);
    assert_int_equal(page("GET", arena_printf(e2e_arena(), "/call?id=%llu", (unsigned long long)other), operator_cookie, NULL).status, 200);
    e2e_response ar = page("GET", arena_printf(e2e_arena(), "/appointment?id=%llu", (unsigned long long)appt), owner_cookie, NULL);
    assert_int_equal(ar.status, 200);
    assert_non_null(strstr(ar.body, "Änderungsverlauf"));
    /* CSV: quoted, spreadsheet formulas defused, the tenant's rows only */
    e2e_response csv = page("GET", "/appointments.csv?days=90", owner_cookie, NULL);
    assert_int_equal(csv.status, 200);
    assert_true(strncmp(csv.body, "\"id\",\"created\",", 15) == 0);
    e2e_response rep = page("GET", "/report.csv", owner_cookie, NULL);
    assert_non_null(strstr(rep.body, "phone_booking_rate,"));
}

/* the body contains every one of the NULL-terminated needles, and none of the German words `absent` */
static void has_all(const char *where, const e2e_response *r, const char *const *needles, const char *absent)
{
    if (r->status != 200) fail_msg("%s answered %ld", where, r->status);
    for (size_t i = 0; needles[i]; i++)
        if (!strstr(r->body, needles[i])) fail_msg("%s: no \"%s\"", where, needles[i]);
    if (absent && strstr(r->body, absent)) fail_msg("%s: still \"%s\"", where, absent);
}

static void pages_follow_the_readers_language(void **state)
{
    (void)state;
    static const char *const EN = "Accept-Language: en-US,en;q=0.9,de;q=0.8";
    /* no preference: German, with a switch to English */
    e2e_response r = page("GET", "/", owner_cookie, NULL);
    has_all("/ (de)", &r, (const char *const[]){"<html lang=\"de\"", "<h1>Übersicht", "href=\"/lang?to=en\"", ">English</a>", NULL},
            NULL);
    /* Accept-Language en: every page in English */
    static const struct {
        const char *path, *absent, *needles[5];
    } PAGES[] = {
        {"/?days=7", "Telefon-Buchungsquote", {"<html lang=\"en\"", "<h1>Overview", "Phone booking rate", "aria-current=\"page\">7 days<", NULL}},
        {"/channels", "Ertrag", {"<h1>Channels", "Revenue by channel", "Report as CSV", NULL}},
        {"/agents", "Kosten je Buchung", {"<h1>Agents", "Cost per booking", "href=\"/lang?to=de\"", ">Deutsch</a>", NULL}},
        {"/calls?days=90", "Anrufer", {"<h1>Calls", "<th>Caller</th>", ">Search <input", NULL}},
        {"/appointments?days=90", "Leistung", {"<h1>Appointments", "<th>Service</th>", "<button>Filter</button>", NULL}},
        {"/webhooks", "Rückstand", {"<h1>Webhooks", "Backlog", "data-replay-label=\"Process again\"", "Sign out", NULL}},
    };
    for (size_t i = 0; i < sizeof PAGES / sizeof *PAGES; i++) {
        r = page_with("GET", PAGES[i].path, owner_cookie, NULL, EN);
        has_all(PAGES[i].path, &r, PAGES[i].needles, PAGES[i].absent);
    }
    /* an appointment of the owner's company: the test's own, so the check cannot fall away */
    uint64_t appt = 0;
    appt = own_appointment();
    assert_true(appt > 0);
    r = page_with("GET", arena_printf(e2e_arena(), "/appointment?id=%llu", (unsigned long long)appt), owner_cookie, NULL, EN);
    has_all("/appointment", &r, (const char *const[]){"Change history", "Cancellation reason", NULL}, "Änderungsverlauf");
    /* the login page follows it too, its errors included */
    r = e2e_request("GET", "/login", (const char *const[]){EN, NULL}, NULL, 0);
    has_all("/login (en)", &r, (const char *const[]){"<html lang=\"en\"", "<h1>Sign in", "Password <input", NULL}, "Passwort");
    const char *tok = e2e_login_token();
    const char *form = arena_printf(e2e_arena(), "csrf=%s&email=" OWNER "&password=wrong-password", tok);
    r = e2e_request("POST", "/login",
                    (const char *const[]){EN, "Content-Type: application/x-www-form-urlencoded",
                                          arena_printf(e2e_arena(), "Cookie: sb_login=%s", tok), NULL},
                    form, strlen(form));
    assert_int_equal(r.status, 401);
    assert_non_null(strstr(r.body, "Email address or password is wrong."));
    /* the cookie wins over the header, both ways; an unknown cookie value is ignored */
    r = page_with("GET", "/", arena_printf(e2e_arena(), "%s; sb_lang=de", owner_cookie), NULL, EN);
    has_all("/ (cookie de)", &r, (const char *const[]){"<html lang=\"de\"", "Telefon-Buchungsquote", NULL}, "Phone booking rate");
    r = page("GET", "/webhooks", arena_printf(e2e_arena(), "%s; sb_lang=en", owner_cookie), NULL);
    has_all("/webhooks (cookie en)", &r, (const char *const[]){"<html lang=\"en\"", "Backlog", NULL}, "Rückstand");
    r = page_with("GET", "/", arena_printf(e2e_arena(), "%s; sb_lang=fr", owner_cookie), NULL, EN);
    has_all("/ (cookie fr)", &r, (const char *const[]){"<html lang=\"en\"", NULL}, NULL);
    r = e2e_request("GET", "/login", (const char *const[]){"Cookie: sb_lang=en", "Accept-Language: de", NULL}, NULL, 0);
    has_all("/login (cookie en)", &r, (const char *const[]){"<h1>Sign in", NULL}, "Anmelden");
    /* the switch: only de and en */
    static const char *const BAD[] = {"/lang?to=xx", "/lang", "/lang?to=EN", "/lang?to=en-US"};
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        r = e2e_request("GET", BAD[i], NULL, NULL, 0);
        if (r.status != 400 || !strstr(r.body, "de or en")) fail_msg("%s answered %ld %s", BAD[i], r.status, r.body);
    }
    /* ... sets the cookie and goes back to the page it was clicked on (a local path only) */
    static const struct {
        const char *referer, *location;
    } BACK[] = {{"%s/calls?days=7", "/calls?days=7"}, {"%s/login", "/login"}, {"https://elsewhere.example", "/"},
                {"https://elsewhere.example//evil.example/x", "/"}, {NULL, "/"}};
    for (size_t i = 0; i < sizeof BACK / sizeof *BACK; i++) {
        char set[256], loc[256];
        const char *ref = BACK[i].referer ? arena_printf(e2e_arena(), BACK[i].referer, getenv("SB_TEST_URL")) : NULL;
        see_other("GET", "/lang?to=en", (const char *const[]){ref ? arena_printf(e2e_arena(), "Referer: %s", ref) : NULL, NULL}, NULL,
                  set, loc);
        assert_int_equal(strncmp(set, "sb_lang=en;", 11), 0);
        assert_non_null(strstr(set, "Path=/"));
        assert_string_equal(loc, BACK[i].location);
    }
}

static void logins_are_throttled(void **state)
{
    (void)state;
    long st = 0;
    for (int i = 0; i < 5; i++) login("nobody@example.com", "guess", &st);
    login("nobody@example.com", "guess", &st);
    assert_int_equal(st, 429);
    /* the lock also holds the address, which every later test shares: lift it */
    assert_int_equal(db_exec(e2e_db(), "DELETE FROM switchboard_login_attempts", NULL, 0, NULL, NULL), 0);
}

/* A KPI's number on a page: <div class="label">LABEL</div><div class="value">N */
static long long kpi(const char *html, const char *label)
{
    const char *p = strstr(html, arena_printf(e2e_arena(), "<div class=\"label\">%s</div><div class=\"value\">", label));
    if (!p) fail_msg("no KPI %s on the page", label);
    return atoll(strstr(p, "class=\"value\">") + 15);
}

/* The report pages read daily aggregates: a web booking processed by the
 * pipeline shows up there within seconds, with no rebuild and no restart. */
static void report_pages_follow_processed_events(void **state)
{
    (void)state;
    e2e_response before = page("GET", "/channels?days=3660", owner_cookie, NULL);
    assert_int_equal(before.status, 200);
    long long web0 = kpi(before.body, "online");
    const char *uid;
    e2e_booking_created(&uid);
    long long web1 = web0;
    for (int i = 0; i < 50 && web1 == web0; i++) {
        if (i) usleep(100000);
        e2e_response after = page("GET", "/channels?days=3660", owner_cookie, NULL);
        assert_int_equal(after.status, 200);
        web1 = kpi(after.body, "online");
    }
    assert_int_equal(web1, web0 + 1);
}

/* The search box matches a whole phone number in any notation, a call id, or
 * the start of a customer's name; LIKE wildcards typed in are literal. */
static void search_finds_by_number_id_and_name(void **state)
{
    (void)state;
    static const char *const ROWS =
        "INSERT INTO customers (id, company_id, name, phone, source, status, created_at, updated_at) VALUES"
        " (880001, 2, 'Zora Suchfeld', '+4917655500001', 'test', 'active', NOW(), NOW()),"
        " (880002, 1, 'Zora Fremd', '+4917655500002', 'test', 'active', NOW(), NOW())";
    assert_int_equal(db_exec(e2e_db(), ROWS, NULL, 0, NULL, NULL), 0);
    assert_int_equal(db_exec(e2e_db(),
                             "INSERT INTO calls (retell_call_id, company_id, from_number, customer_id, status, created_at, updated_at)"
                             " VALUES ('call_search_own', 2, '+4917655500001', 880001, 'ended', NOW(), NOW()),"
                             " ('call_search_other', 1, '+4917655500002', 880002, 'ended', NOW(), NOW())", NULL, 0, NULL, NULL), 0);
    static const char *const HIT[] = {"/calls?q=%2B4917655500001", "/calls?q=0176+555+00001", "/calls?q=call_search_own",
                                      "/calls?q=Zora", "/calls?q=zora+s", "/appointments?q=nobody"};
    for (size_t i = 0; i < 5; i++) {
        e2e_response r = page("GET", HIT[i], owner_cookie, NULL);
        assert_int_equal(r.status, 200);
        if (!strstr(r.body, "<td>+4917655500001</td>")) fail_msg("%s did not find the call", HIT[i]);
        if (strstr(r.body, "<td>+4917655500002</td>")) fail_msg("%s shows another company's call", HIT[i]);
    }
    static const char *const MISS[] = {"/calls?q=Suchfeld", "/calls?q=Zor%25", "/calls?q=call_search_other", "/calls?q=%2B4917655500002"};
    for (size_t i = 0; i < 4; i++) {
        e2e_response r = page("GET", MISS[i], owner_cookie, NULL);
        assert_int_equal(r.status, 200);
        if (strstr(r.body, "<td>+491765550000")) fail_msg("%s matched", MISS[i]);
    }
    /* the operator finds the other company's call by number */
    assert_non_null(strstr(page("GET", "/calls?q=%2B4917655500002", operator_cookie, NULL).body, "<td>+4917655500002</td>"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(login_logout_and_pages),
        cmocka_unit_test(security_headers_on_every_page),
        cmocka_unit_test(every_post_route_refuses_another_sessions_token),
        cmocka_unit_test(tenant_wall_escaping_and_replay),
        cmocka_unit_test(the_live_feed_brings_new_events_inside_the_wall),
        cmocka_unit_test(operators_narrow_to_a_company_and_periods_have_presets),
        cmocka_unit_test(bulk_replay_stays_inside_the_wall),
        cmocka_unit_test(exports_stream_every_row_once),
        cmocka_unit_test(every_page_answers_and_the_detail_pages_are_walled),
        cmocka_unit_test(report_pages_follow_processed_events),
        cmocka_unit_test(search_finds_by_number_id_and_name),
        cmocka_unit_test(pages_follow_the_readers_language),
        cmocka_unit_test(logins_are_throttled),
    };
    return cmocka_run_group_tests_name("e2e_dashboard", tests, e2e_setup, e2e_teardown);
}
