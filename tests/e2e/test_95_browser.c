/* test_95_browser.c: a real browser (Debian's headless Chromium through
 * chromedriver's WebDriver API) logs in, opens every page, replays an event,
 * hits the tenant wall and logs out. Each page is saved as a PNG under
 * VAR/screenshots (and tests/out/ when writable) and must render: a non-trivial
 * image, the page's heading, no browser console errors (a CSP violation is one). */
#include "webdriver.h"

#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void a_user_clicks_through_the_dashboard(void **state)
{
    (void)state;
    /* the browser's own Accept-Language may be English: the switch makes the run German, as asserted below */
    wd_go("/lang?to=de");
    wd_go("/login");
    wd_wait_for("action=\"/login\"");
    assert_non_null(strstr(wd_source(), "<html lang=\"de\""));
    wd_shot("login");
    wd_type("input[name=email]", "operator@switchboard.example.com");
    wd_type("input[name=password]", "switchboard-demo");
    wd_click("form.login button");
    wd_wait_for("<h1>Übersicht");
    /* the header's language switch, there and back, without a script */
    wd_click("a.lang");
    wd_wait_for("<h1>Overview");
    wd_click("a.lang");
    wd_wait_for("<h1>Übersicht");
    static const char *const PAGES[][3] = {{"/", "overview", "Übersicht"}, {"/channels", "channels", "Kanäle"},
                                           {"/agents", "agents", "Agenten"}, {"/calls?days=90", "calls", "Anrufe"},
                                           {"/appointments?days=90", "appointments", "Termine"}, {"/webhooks", "webhooks", "Webhooks"},
                                           {"/callbacks?status=all", "callbacks", "Rückrufe"}};
    for (size_t i = 0; i < sizeof PAGES / sizeof *PAGES; i++) {
        wd_go(PAGES[i][0]);
        const char *html = wd_source();
        if (!strstr(html, arena_printf(e2e_arena(), "<h1>%s", PAGES[i][2]))) fail_msg("%s did not render its heading", PAGES[i][0]);
        wd_shot(PAGES[i][1]);
        wd_no_console_errors(PAGES[i][0]);
    }
    /* the newest call as its story (test_75: the content; here: it renders without a console error) */
    const char *retell_id;
    size_t len;
    const char *analyzed = e2e_fixture_new_id("retell/webhook_call_analyzed.json", "call_9f2c41d7b8e34a6f8d12c07be5a91f3e", &retell_id, &len);
    e2e_response posted = e2e_post_signed("retell", "/api/webhooks/retell", analyzed, len);
    int64_t ev = 0;
    assert_true(json_get_int(posted.json, "id", &ev));
    assert_true(e2e_wait_status((uint64_t)ev, "processed", 15));
    db_param rid = db_str(retell_id);
    const char *call = e2e_scalar("SELECT id FROM calls WHERE retell_call_id = ?", &rid, 1);
    assert_non_null(call);
    wd_go(arena_printf(e2e_arena(), "/call?id=%s", call));
    if (!strstr(wd_source(), "<ol class=\"story\">")) fail_msg("the call page did not render its story");
    wd_shot("call");
    wd_no_console_errors("/call");
    /* a filter, then a replay click on a dead event */
    assert_int_equal(db_exec(e2e_db(), "INSERT INTO webhook_events (provider, company_id, event_type, event_id, idempotency_key,"
                                       " payload, status, error_message, next_attempt_at, created_at, updated_at) VALUES ('calcom', 2,"
                                       " 'BOOKING_CREATED', 'browser-dead', CONCAT('calcom:browser:', UUID()), '{}', 'dead',"
                                       " 'unknown Cal.com event type 1', NOW(3), NOW(), NOW())", NULL, 0, NULL, NULL), 0);
    wd_go("/webhooks?status=dead");
    assert_non_null(strstr(wd_source(), "browser-dead"));
    long long before = e2e_count("SELECT COUNT(*) FROM switchboard_replays", NULL, 0);
    wd_click("form.replay button");
    int replayed = 0; /* the click returns before the form's POST has been answered */
    for (int i = 0; i < 200 && !replayed; i++) {
        replayed = e2e_count("SELECT COUNT(*) FROM switchboard_replays", NULL, 0) == before + 1;
        if (!replayed) usleep(100000);
    }
    assert_true(replayed);
    /* live: an event that arrives while the page is open shows up without a reload
     * (www/live.js polls every 3 s; the wait is generous because machines are shared) */
    wd_go("/webhooks");
    assert_null(strstr(wd_source(), "browser-live"));
    assert_int_equal(db_exec(e2e_db(), "INSERT INTO webhook_events (provider, company_id, event_type, event_id, idempotency_key,"
                                       " payload, status, next_attempt_at, created_at, updated_at) VALUES ('retell', 2,"
                                       " 'call_ended', 'browser-live', CONCAT('retell:browser:', UUID()), '{}', 'processed',"
                                       " NOW(3), NOW(), NOW())", NULL, 0, NULL, NULL), 0);
    int shown = 0;
    for (int i = 0; i < 150 && !shown; i++) {
        shown = strstr(wd_source(), "browser-live") != NULL;
        if (!shown) usleep(100000);
    }
    assert_true(shown);
    wd_no_console_errors("/webhooks (live)");
    /* the overview refreshes its figures while open: three calls arrive (their day marked
     * dirty as the pipeline's flush would) and the calls KPI grows without a reload */
    wd_go("/?days=1");
    const char *label = "<div class=\"label\">Anrufe</div><div class=\"value\">";
    const char *k = strstr(wd_source(), label);
    assert_non_null(k);
    long long calls0 = atoll(k + strlen(label)), calls1 = calls0;
    assert_int_equal(db_exec(e2e_db(), "INSERT INTO calls (retell_call_id, company_id, from_number, status, created_at, updated_at)"
                                       " SELECT CONCAT('call_browser_live_', seq), 2, '+4917600000000', 'ended', NOW(), NOW()"
                                       " FROM seq_1_to_3", NULL, 0, NULL, NULL), 0);
    assert_int_equal(db_exec(e2e_db(), "INSERT IGNORE INTO switchboard_stats_dirty (company_id, day) SELECT 2, CURDATE() + INTERVAL seq DAY FROM seq_0_to_1", NULL, 0,
                             NULL, NULL), 0);
    for (int i = 0; i < 150 && calls1 != calls0 + 3; i++) {
        usleep(100000);
        k = strstr(wd_source(), label);
        calls1 = k ? atoll(k + strlen(label)) : calls0;
    }
    assert_int_equal(calls1, calls0 + 3);
    wd_no_console_errors("/ (live)");
    /* the tenant wall, by URL, as the salon owner */
    wd_click("form.logout button");
    wd_wait_for("action=\"/login\"");
    wd_type("input[name=email]", "owner@salon-haarmonie.example.com");
    wd_type("input[name=password]", "haarmonie-demo");
    wd_click("form.login button");
    wd_wait_for("<h1>Übersicht");
    /* a call of another company, the test's own (no guard lets the check fall away) */
    uint64_t other = 0;
    assert_int_equal(db_exec(e2e_db(), "INSERT INTO calls (retell_call_id, company_id, from_number, status, created_at, updated_at)"
                                       " VALUES (CONCAT('call_browser_wall_', UUID()), 1, '+4930555', 'completed', NOW(), NOW())",
                             NULL, 0, &other, NULL), 0);
    assert_true(other > 0);
    wd_go(arena_printf(e2e_arena(), "/call?id=%llu", (unsigned long long)other));
    assert_non_null(strstr(wd_source(), "Not Found"));
    wd_go("/");
    wd_click("form.logout button");
    wd_wait_for("action=\"/login\"");
    wd_go("/webhooks");
    assert_non_null(strstr(wd_source(), "action=\"/login\""));
}

static int start_driver(void **state) { return wd_start(state, 1280, 900); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_user_clicks_through_the_dashboard),
    };
    return cmocka_run_group_tests_name("e2e_browser", tests, start_driver, wd_stop);
}
