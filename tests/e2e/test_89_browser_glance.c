/* test_89_browser_glance.c: the dashboard at a glance (issue 17) in a real
 * browser (headless Chromium through chromedriver, real nginx and MariaDB),
 * every page at 1366 px and at 390 px (a phone): no horizontal scrolling of
 * the page itself, the heading, no console error, a screenshot of each
 * (docs/screenshots/PAGE-WIDTH.png with `make screenshots`). On the way: a
 * company in New York sees its own clock, Berlin's DST day reads right, test
 * calls are left out until the toggle, money is in EUR with its rate, the
 * funnel and the charts render with axes and a title per bar, KPIs show
 * their targets, the webhooks page shows the batch commands' last runs, its
 * search finds an event, a row on screen changes status live, the event
 * page shows the payload, and a pair the hourly linker joined is on the
 * call's page. */
#include "webdriver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PW_HASH "$2y$10$LllQXO1gnumtkuPS6OivzucsTFejAV4nShK5OTyuzj8M5zqEsMqDS" /* haarmonie-demo */

static void sql(const char *q)
{
    if (db_exec(e2e_db(), q, NULL, 0, NULL, NULL) != 0) fail_msg("%s: %s", q, db_error(e2e_db()));
}

static int setup(void **state)
{
    if (wd_start(state, 1366, 900) != 0) return -1;
    sql("INSERT IGNORE INTO companies (id, name, slug, timezone, is_active, created_at, updated_at) VALUES"
        " (8901, 'Browser New York', 'browser-ny', 'America/New_York', 1, NOW(), NOW()),"
        " (8902, 'Browser Berlin', 'browser-berlin', 'Europe/Berlin', 1, NOW(), NOW())");
    sql("INSERT IGNORE INTO users (name, email, password, company_id, created_at, updated_at) VALUES"
        " ('NY Browser', 'owner@browser-ny.example.com', '" PW_HASH "', 8901, NOW(), NOW()),"
        " ('Berlin Browser', 'owner@browser-berlin.example.com', '" PW_HASH "', 8902, NOW(), NOW())");
    sql("INSERT IGNORE INTO customers (id, company_id, name, email, phone, created_at, updated_at) VALUES"
        " (8902001, 8902, 'Bea Browser', 'bea@browser.example.com', '+4917189020001', NOW(), NOW())");
    /* Berlin's spring-forward day (23:30 CEST is 21:30 UTC), today's calls (one a Retell web call), one in New York */
    sql("INSERT IGNORE INTO calls (retell_call_id, company_id, customer_id, from_number, status, duration_sec, cost_cents, call_type,"
        " transcript, created_at, start_timestamp, end_timestamp, updated_at) VALUES"
        " ('call_br_dst', 8902, NULL, '+4917189020009', 'ended', 60, 100, 'phone_call', NULL, '2026-03-29 21:30:00', NULL, NULL, NOW()),"
        " ('call_br_today', 8902, 8902001, '+4917189020001', 'ended', 90, 120, 'phone_call', 'Ich möchte einen Termin.',"
        "  NOW() - INTERVAL 170 MINUTE, NOW() - INTERVAL 170 MINUTE, NOW() - INTERVAL 165 MINUTE, NOW()),"
        " ('call_br_web', 8902, NULL, NULL, 'ended', 60, 900, 'web_call', NULL, NOW(), NULL, NULL, NOW()),"
        " ('call_br_ny', 8901, NULL, '+12125550199', 'ended', 60, 100, 'phone_call', NULL, '2026-06-10 02:00:00', NULL, NULL, NOW())");
    /* a web booking Laravel wrote an hour ago, after the call above: only the hourly linker's window joins them */
    sql("INSERT IGNORE INTO appointments (id, company_id, customer_id, starts_at, ends_at, status, source, created_at, updated_at) VALUES"
        " (8902001, 8902, 8902001, NOW() + INTERVAL 1 DAY, NOW() + INTERVAL 1 DAY + INTERVAL 30 MINUTE, 'confirmed', 'cal.com',"
        " NOW() - INTERVAL 60 MINUTE, NOW())");
    sql("INSERT INTO webhook_events (provider, company_id, event_type, event_id, idempotency_key, payload, headers, status,"
        " error_message, next_attempt_at, received_at, created_at, updated_at) VALUES ('retell', 8902, 'call_ended',"
        " 'call_br_today', CONCAT('retell:browser-glance:', UUID()), '{\"call\":{\"call_id\":\"call_br_today\"}}',"
        " '{\"user-agent\":\"Retell\"}', 'failed', 'agent unknown', NOW(3) + INTERVAL 1 DAY, NOW(), NOW(), NOW())"); /* not due: the worker leaves it */
    const char *out;
    if (e2e_cli("detect-conversions --hours 2 --auto-link --company 8902", &out) != 0) return -1;
    if (e2e_cli("stats --rebuild --company 8902 --days 3660", &out) != 0 || e2e_cli("stats --rebuild --company 8901 --days 3660", &out) != 0)
        return -1;
    return 0;
}

static void login(const char *email, const char *password)
{
    wd_go("/lang?to=de");
    wd_go("/login");
    wd_wait_for("action=\"/login\"");
    wd_type("input[name=email]", email);
    wd_type("input[name=password]", password);
    wd_click("form.login button");
    wd_wait_for("<h1>Übersicht");
}

static void logout(void)
{
    wd_click("form.logout button");
    wd_wait_for("action=\"/login\"");
}

/* the page itself never scrolls sideways (wide tables scroll inside their box) */
static void fits(const char *where, int width)
{
    const char *r = wd_script("return [document.documentElement.scrollWidth, window.innerWidth];");
    int sw = 0, iw = 0;
    if (sscanf(r, "[ %d, %d ]", &sw, &iw) != 2 && sscanf(r, "[%d,%d]", &sw, &iw) != 2) fail_msg("%s: no widths (%s)", where, r);
    if (sw > iw) fail_msg("%s at %d px: the page is %d px wide in a %d px window", where, width, sw, iw);
}

/* open path, check its heading and width, save NAME-WIDTH.png */
static void page(const char *path, const char *name, const char *heading, int width)
{
    wd_go(path);
    wd_wait_for(arena_printf(e2e_arena(), "<h1>%s", heading));
    fits(path, width);
    wd_no_console_errors(path);
    /* the whole page in the picture: the window as tall as the page (at most 4000 px), then back */
    int tall = atoi(wd_script("return document.documentElement.scrollHeight;"));
    wd_window(width, tall > 900 ? (tall < 4000 ? tall + 40 : 4000) : 900);
    wd_shot(arena_printf(e2e_arena(), "%s-%d", name, width));
    wd_window(width, 900);
}

static void every_page_at(int width)
{
    wd_window(width, 900);
    const char *r = wd_script("return window.innerWidth;");
    if (abs(atoi(r) - width) > 20) fail_msg("window is %s px wide, not %d", r, width);
    login("owner@browser-berlin.example.com", "haarmonie-demo");
    /* 17.1, 17.3, 17.2, 17.4, 17.5 on the overview */
    page("/?days=1", "overview", "Übersicht", width);
    const char *html = wd_source();
    if (!strstr(html, "Zeiten in Europe/Berlin") || !strstr(html, "Testanrufe ausgeblendet")) fail_msg("overview: no zone or test-call note");
    if (!strstr(html, "Ziel 80 %") || !strstr(html, "Ziel 95 %") || !strstr(html, "Ziel 60 %")) fail_msg("overview: targets missing");
    if (!strstr(html, "Telefon: vom Anruf bis zum Stuhl") || !strstr(html, "class=\"ylab\"") || !strstr(html, "<g class=\"bar\"><title>"))
        fail_msg("overview: funnel or chart axes missing");
    const char *label = "<div class=\"label\">Anrufe</div><div class=\"value\">";
    long long without = atoll(strstr(html, label) + strlen(label));
    wd_click("a.tests-toggle");
    wd_wait_for("Testanrufe eingerechnet");
    long long with = atoll(strstr(wd_source(), label) + strlen(label));
    assert_int_equal(with, without + 1); /* the Retell web call */
    /* 17.6 and the chart on channels and agents */
    page("/channels?days=3660", "channels", "Kanäle", width);
    if (!strstr(wd_source(), "Kosten (EUR)") || !strstr(wd_source(), "1 USD = ")) fail_msg("channels: no EUR label");
    if (!strstr(wd_source(), "<svg class=\"chart\"")) fail_msg("channels: no chart");
    page("/agents?days=3660", "agents", "Agenten", width);
    if (!strstr(wd_source(), "<svg class=\"chart\"")) fail_msg("agents: no chart");
    /* 17.1: the DST day in Berlin's clock */
    page("/calls?days=3660", "calls", "Anrufe", width);
    if (!strstr(wd_source(), "2026-03-29 23:30")) fail_msg("calls: the DST day's 21:30 UTC is not 23:30 in Berlin");
    page("/appointments?days=3660", "appointments", "Termine", width);
    /* 17.9: the pair the hourly linker joined, on the call's page */
    const char *call = e2e_scalar("SELECT id FROM calls WHERE retell_call_id = 'call_br_today'", NULL, 0);
    page(arena_printf(e2e_arena(), "/call?id=%s", call), "call", "Anruf", width);
    if (!strstr(wd_source(), "href=\"/appointment?id=8902001\"")) fail_msg("call page: not linked to its web booking");
    /* 17.8 and 17.7 on the webhooks page */
    page("/webhooks", "webhooks", "Webhooks", width);
    if (!strstr(wd_source(), "Letzte Läufe") || !strstr(wd_source(), "detect-conversions")) fail_msg("webhooks: no freshness");
    wd_go("/webhooks?q=bea%40browser.example.com");
    wd_wait_for("title=\"call_br_today\"");
    const char *ev = e2e_scalar("SELECT MAX(id) FROM webhook_events WHERE event_id = 'call_br_today'", NULL, 0);
    sql("UPDATE webhook_events SET status = 'failed', error_message = 'agent unknown', notes = NULL, next_attempt_at = NOW(3) + INTERVAL 1 DAY"
        " WHERE event_id = 'call_br_today'");
    wd_go("/webhooks");
    wd_wait_for(arena_printf(e2e_arena(), "data-id=\"%s\"", ev));
    const char *note = arena_printf(e2e_arena(), "replayed by hand at %d px", width);
    db_param np = db_str(note);
    if (db_exec(e2e_db(), "UPDATE webhook_events SET status = 'processed', error_message = NULL, notes = ? WHERE event_id = 'call_br_today'",
                &np, 1, NULL, NULL) != 0)
        fail_msg("%s", db_error(e2e_db()));
    for (int i = 0; i < 100 && !strstr(wd_source(), note); i++) usleep(200000); /* live.js, without a reload */
    if (!strstr(wd_source(), note))
        fail_msg("the row's status never changed on screen: %s / %s", wd_script("return document.querySelector('table.events tbody').innerHTML;"),
                 wd_script("var x = new XMLHttpRequest(); x.open('GET', document.querySelector('table[data-live]').getAttribute('data-live')"
                           " + '&after=0&from=1&to=999999999', false); x.send(); return x.responseText.slice(0, 600);"));
    wd_no_console_errors("/webhooks (live)");
    page(arena_printf(e2e_arena(), "/webhook?id=%s", ev), "event", "Ereignis", width);
    if (!strstr(wd_source(), "<pre class=\"payload\">")) fail_msg("event page: no payload");
    logout();
    wd_shot(arena_printf(e2e_arena(), "login-%d", width));
    fits("/login", width);
    /* 17.1: another zone */
    login("owner@browser-ny.example.com", "haarmonie-demo");
    page("/calls?days=3660", "calls-new-york", "Anrufe", width);
    if (!strstr(wd_source(), "Zeiten in America/New_York") || !strstr(wd_source(), "2026-06-09 22:00"))
        fail_msg("New York's call is not in New York's clock");
    logout();
}

static void every_page_at_desktop_width(void **state)
{
    (void)state;
    every_page_at(1366);
}

static void every_page_at_phone_width(void **state)
{
    (void)state;
    every_page_at(390);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_page_at_desktop_width),
        cmocka_unit_test(every_page_at_phone_width),
    };
    return cmocka_run_group_tests_name("e2e_browser_glance", tests, setup, wd_stop);
}
