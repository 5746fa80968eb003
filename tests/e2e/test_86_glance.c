/* test_86_glance.c: the dashboard at a glance (issue 17) over real HTTP and
 * MariaDB: days and times in the company's zone (a DST-change day in Berlin,
 * a company in New York), CSV with ISO 8601 offsets, test calls left out of
 * every figure unless asked for, money in EUR (Laravel's figure, the day's
 * rate from currency_exchange_rates, the configured rate), the web channel's
 * cost per company, targets with met/missed and trend, the funnel to the
 * chair, freshness of the batch commands, the event viewer and the hourly
 * linker's window. */
#include "e2e.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BERLIN 8602 /* Europe/Berlin: the DST days */
#define NEWYORK 8601 /* America/New_York */
#define PW_HASH "$2y$10$LllQXO1gnumtkuPS6OivzucsTFejAV4nShK5OTyuzj8M5zqEsMqDS" /* haarmonie-demo */

static char ny_cookie[160], op_cookie[160];

static void sql(const char *q)
{
    if (db_exec(e2e_db(), q, NULL, 0, NULL, NULL) != 0) fail_msg("%s: %s", q, db_error(e2e_db()));
}

static e2e_response get(const char *cookie, const char *path)
{
    e2e_response r = e2e_get_as(cookie, path);
    if (r.status != 200) fail_msg("GET %s: %ld %.300s", path, r.status, r.body ? r.body : "");
    return r;
}

/* the operator narrowed to one company (the scope cookie the picker sets) */
static const char *op_at(long long company) { return arena_printf(e2e_arena(), "%s; sb_company=%lld", op_cookie, company); }

static long long kpi(const char *html, const char *label)
{
    const char *p = strstr(html, arena_printf(e2e_arena(), "<div class=\"label\">%s</div><div class=\"value\">", label));
    if (!p) fail_msg("no KPI %s on the page", label);
    return atoll(strstr(p, "class=\"value\">") + 14);
}

static long long day_calls(long long company, const char *day)
{
    db_param p[] = {db_int(company), db_str(day)};
    return e2e_count("SELECT COALESCE(SUM(calls), 0) FROM switchboard_daily_calls WHERE company_id = ? AND day = ? AND test = 0", p, 2);
}

/* the calls KPI of the operator's view of company today, once it equals want (the worker may be
 * recomputing the day the page would: up to 10 s) */
static long long calls_today_becomes(long long company, long long want)
{
    long long n = -1;
    for (int i = 0; i < 50 && n != want; i++) {
        if (i) usleep(200000);
        n = kpi(get(op_at(company), "/?days=1").body, "Anrufe");
    }
    return n;
}

static void rebuild(long long company)
{
    const char *out;
    if (e2e_cli(arena_printf(e2e_arena(), "stats --rebuild --company %lld --days 3660", company), &out) != 0) fail_msg("%s", out);
}

static int setup(void **state)
{
    if (e2e_setup(state) != 0) return -1;
    sql("INSERT IGNORE INTO companies (id, name, slug, timezone, is_active, created_at, updated_at) VALUES"
        " (8601, 'Glance New York', 'glance-ny', 'America/New_York', 1, NOW(), NOW()),"
        " (8602, 'Glance Berlin', 'glance-berlin', 'Europe/Berlin', 1, NOW(), NOW())");
    sql("INSERT IGNORE INTO users (name, email, password, company_id, created_at, updated_at) VALUES"
        " ('NY Owner', 'owner@glance-ny.example.com', '" PW_HASH "', 8601, NOW(), NOW())");
    /* Berlin: the spring-forward day 2026-03-29 (23 h) and the fall-back day 2026-10-25 (25 h), in UTC */
    sql("INSERT IGNORE INTO calls (retell_call_id, company_id, from_number, status, duration_sec, cost_cents, retell_cost_eur_cents,"
        " call_type, created_at, updated_at) VALUES"
        " ('call_gl_c5', 8602, '+4917100000005', 'ended', 0, NULL, NULL, 'phone_call', '2026-03-28 23:30:00', NOW()),"
        " ('call_gl_c4', 8602, '+4917100000004', 'ended', 60, 100, NULL, 'phone_call', '2026-03-29 21:30:00', NOW()),"
        " ('call_gl_c6', 8602, '+4917100000006', 'ended', 60, NULL, NULL, 'phone_call', '2026-03-29 22:30:00', NOW()),"
        " ('call_gl_c7', 8602, '+4917100000007', 'ended', 60, NULL, NULL, 'phone_call', '2026-10-25 22:30:00', NOW()),"
        " ('call_gl_n1', 8601, '+12125550101', 'ended', 60, NULL, NULL, 'phone_call', '2026-06-10 02:00:00', NOW())");
    /* today: one real call (Laravel converted its cost: 50 EUR cents), a Retell web call and a call from a test number */
    sql("INSERT IGNORE INTO calls (retell_call_id, company_id, from_number, status, duration_sec, cost_cents, retell_cost_eur_cents,"
        " call_type, created_at, updated_at) VALUES"
        " ('call_gl_c1', 8602, '+4917100000001', 'ended', 60, 100, 50, 'phone_call', NOW(), NOW()),"
        " ('call_gl_c2', 8602, NULL, 'ended', 60, 1000, NULL, 'web_call', NOW(), NOW()),"
        " ('call_gl_c3', 8602, '+493011111111', 'ended', 60, 1000, NULL, 'phone_call', NOW(), NOW())");
    sql("INSERT IGNORE INTO switchboard_test_numbers (company_id, number, label) VALUES (8602, '+493011111111', 'Büro')");
    /* Laravel's rate for the spring-forward day only: 1 USD = 0.5 EUR */
    sql("INSERT IGNORE INTO currency_exchange_rates (from_currency, to_currency, rate, source, valid_from, valid_until, is_active,"
        " created_at, updated_at) VALUES ('USD', 'EUR', 0.5, 'ecb', '2026-03-29 00:00:00', '2026-03-29 23:59:59', 1, NOW(), NOW())");
    sql("REPLACE INTO switchboard_company_settings (company_id, web_monthly_cost_eur, target_phone_pct) VALUES (8602, 300, 50)");
    rebuild(BERLIN);
    rebuild(NEWYORK);
    long st;
    snprintf(ny_cookie, sizeof ny_cookie, "%s", e2e_login("owner@glance-ny.example.com", "haarmonie-demo", &st));
    if (st != 303) return -1;
    snprintf(op_cookie, sizeof op_cookie, "%s", e2e_login("operator@switchboard.example.com", "switchboard-demo", &st));
    return st == 303 ? 0 : -1;
}

/* 17.1: the daily aggregates cut days at the company's local midnight, DST days included */
static void days_are_the_companys_local_days(void **state)
{
    (void)state;
    /* Berlin, spring forward: 23:30 UTC on the 28th is 00:30 CET on the 29th; 21:30 UTC on the 29th is 23:30 CEST
     * on the 29th; 22:30 UTC on the 29th is already 00:30 on the 30th (the day had 23 hours) */
    assert_int_equal(day_calls(BERLIN, "2026-03-28"), 0);
    assert_int_equal(day_calls(BERLIN, "2026-03-29"), 2);
    assert_int_equal(day_calls(BERLIN, "2026-03-30"), 1);
    /* fall back: 22:30 UTC on the 25th is 23:30 CET, still the 25th (the day had 25 hours) */
    assert_int_equal(day_calls(BERLIN, "2026-10-25"), 1);
    assert_int_equal(day_calls(BERLIN, "2026-10-26"), 0);
    /* New York: 02:00 UTC on June 10th is 22:00 EDT on June 9th */
    assert_int_equal(day_calls(NEWYORK, "2026-06-09"), 1);
    assert_int_equal(day_calls(NEWYORK, "2026-06-10"), 0);
}

/* 17.1: every time on a page in the company's zone, named; operators over all companies in Berlin; CSV with offsets */
static void times_are_shown_in_the_companys_clock(void **state)
{
    (void)state;
    e2e_response r = get(ny_cookie, "/calls?days=3660");
    assert_non_null(strstr(r.body, "Zeiten in America/New_York"));
    assert_non_null(strstr(r.body, "2026-06-09 22:00"));
    assert_null(strstr(r.body, "2026-06-10 02:00"));
    r = get(op_cookie, "/calls?days=3660&q=call_gl_n1");
    assert_non_null(strstr(r.body, "Zeiten in Europe/Berlin"));
    assert_non_null(strstr(r.body, "2026-06-10 04:00"));
    r = get(ny_cookie, "/calls.csv?days=3660");
    assert_non_null(strstr(r.body, "\"2026-06-09T22:00:00-04:00\""));
    /* Berlin's DST day in the export: the offset changes within the day */
    r = get(op_at(BERLIN), "/calls.csv?days=3660");
    assert_non_null(strstr(r.body, "\"2026-03-29T00:30:00+01:00\""));
    assert_non_null(strstr(r.body, "\"2026-03-29T23:30:00+02:00\""));
    assert_non_null(strstr(r.body, "\"2026-03-30T00:30:00+02:00\""));
    r = get(op_at(BERLIN), "/channels?days=7");
    assert_non_null(strstr(r.body, "Zeiten in Europe/Berlin"));
}

/* 17.1 (D207): the call page and Rückrufe are in the company's clock too, named; the call page in its
 * company's clock for an operator as well, the callbacks CSV with offsets */
static void call_and_callbacks_pages_use_the_companys_clock(void **state)
{
    (void)state;
    const char *id = e2e_scalar("SELECT id FROM calls WHERE retell_call_id = 'call_gl_n1'", NULL, 0);
    sql(arena_printf(e2e_arena(), "INSERT IGNORE INTO switchboard_callbacks (company_id, call_id, retell_call_id, caller_number,"
                                  " reason, status, closed_by, closed_at, created_at) VALUES (8601, %s, 'call_gl_n1', '+12125550101',"
                                  " 'callback_promised', 'done', 'NY Owner', '2026-06-10 13:15:00', '2026-06-10 02:05:00')", id));
    e2e_response r = get(ny_cookie, arena_printf(e2e_arena(), "/call?id=%s", id));
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "Zeiten in America/New_York"));
    assert_non_null(strstr(r.body, "2026-06-09 22:00:00")); /* 02:00 UTC, EDT */
    assert_null(strstr(r.body, "2026-06-10 02:00"));
    r = get(op_cookie, arena_printf(e2e_arena(), "/call?id=%s", id));
    assert_non_null(strstr(r.body, "Zeiten in America/New_York"));
    assert_non_null(strstr(r.body, "2026-06-09 22:00:00"));
    r = get(ny_cookie, "/callbacks?status=all&days=3660");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "Zeiten in America/New_York"));
    assert_non_null(strstr(r.body, "2026-06-09 22:05"));
    assert_non_null(strstr(r.body, "2026-06-10 09:15"));
    assert_null(strstr(r.body, "2026-06-10 02:05"));
    r = get(ny_cookie, "/callbacks.csv?status=all&days=3660");
    assert_non_null(strstr(r.body, "2026-06-09T22:05:00-04:00"));
    assert_non_null(strstr(r.body, "2026-06-10T09:15:00-04:00"));
}

/* 17.5: Retell web calls and calls from a test number count nowhere by default; ?tests=1 shows them */
static void test_calls_are_left_out_unless_asked_for(void **state)
{
    (void)state;
    e2e_response r = get(op_at(BERLIN), "/?days=1");
    assert_int_equal(kpi(r.body, "Anrufe"), 1);
    assert_non_null(strstr(r.body, "Testanrufe ausgeblendet"));
    r = get(op_at(BERLIN), "/?days=1&tests=1");
    assert_int_equal(kpi(r.body, "Anrufe"), 3);
    assert_non_null(strstr(r.body, "Testanrufe eingerechnet"));
    /* the live report (switchboard report) leaves them out too */
    const char *out;
    assert_int_equal(e2e_cli("report --company 8602 --days 1 --format json", &out), 0);
    assert_non_null(strstr(out, "\"calls\":1,"));
}

/* 17.5: a company marks a number as a test number on the channels page; every figure follows at once */
static void a_company_marks_its_test_numbers(void **state)
{
    (void)state;
    const char *op = op_at(BERLIN);
    e2e_response r = get(op, "/channels?days=1");
    const char *f = strstr(r.body, "class=\"filters add-test-number\"");
    assert_non_null(f);
    const char *csrf = arena_strndup(e2e_arena(), strstr(f, "name=\"csrf\" value=\"") + 19, 64);
    const char *h[] = {arena_printf(e2e_arena(), "Cookie: %s", op), "Content-Type: application/x-www-form-urlencoded", NULL};
    const char *form = "number=0171%2000000%20001&label=Chef";
    assert_int_equal(e2e_request("POST", "/test-numbers", h, form, strlen(form)).status, 403); /* no CSRF token */
    form = arena_printf(e2e_arena(), "csrf=%s&number=0171%%2000000%%20001&label=Chef", csrf);
    assert_int_equal(e2e_request("POST", "/test-numbers", h, form, strlen(form)).status, 303);
    assert_string_equal(e2e_scalar("SELECT number FROM switchboard_test_numbers WHERE company_id = 8602 AND label = 'Chef'", NULL, 0),
                        "+4917100000001");
    assert_int_equal(calls_today_becomes(BERLIN, 0), 0); /* its one real call of today was the owner's own */
    form = arena_printf(e2e_arena(), "csrf=%s&remove=%%2B4917100000001", csrf);
    assert_int_equal(e2e_request("POST", "/test-numbers", h, form, strlen(form)).status, 303);
    assert_int_equal(calls_today_becomes(BERLIN, 1), 1);
    /* operators over all companies choose one first */
    const char *ha[] = {arena_printf(e2e_arena(), "Cookie: %s", op_cookie), "Content-Type: application/x-www-form-urlencoded", NULL};
    e2e_response all = get(op_cookie, "/channels?days=1");
    const char *c2 = arena_strndup(e2e_arena(), strstr(all.body, "name=\"csrf\" value=\"") + 19, 64);
    form = arena_printf(e2e_arena(), "csrf=%s&number=%%2B4917100000001", c2);
    assert_int_equal(e2e_request("POST", "/test-numbers", ha, form, strlen(form)).status, 400);
}

/* 17.6: phone cost in EUR: Laravel's retell_cost_eur_cents, else the day's rate from currency_exchange_rates,
 * labelled; the web channel's cost is the company's own */
static void money_is_in_euro_with_its_rate(void **state)
{
    (void)state;
    e2e_response r = get(op_at(BERLIN), "/channels?days=3660");
    /* 50 cents from Laravel + 100 US cents at 0.5 on 2026-03-29; the test calls' 20 US dollars are left out */
    assert_non_null(strstr(r.body, "Kosten (EUR)"));
    assert_non_null(strstr(r.body, "<td>1.00</td>"));
    /* the web channel: this company's 300 EUR a month over 3660 days */
    assert_non_null(strstr(r.body, arena_printf(e2e_arena(), "<td>%.2f</td>", 300.0 * 3660 / 30.0)));
    assert_non_null(strstr(r.body, "1 USD = 0.920000 EUR (money.usd_eur_rate)"));
    r = get(op_at(BERLIN), "/channels?days=3660&tests=1");
    assert_non_null(strstr(r.body, "<td>19.40</td>")); /* + 2 x 1000 US cents at the configured 0.92 */
}

/* ---- 17.9: the hourly linker sees every pair made in its window ---- */

#define LINKS 8603

static const char *linked_to(const char *call)
{
    db_param p = db_str(call);
    return e2e_scalar("SELECT COALESCE(converted_appointment_id, 'none') FROM calls WHERE retell_call_id = ?", &p, 1);
}

static const char *appt_of(const char *customer_phone)
{
    db_param p = db_str(customer_phone);
    return e2e_scalar("SELECT a.id FROM appointments a JOIN customers cu ON cu.id = a.customer_id WHERE cu.phone = ?", &p, 1);
}

/* A customer of company LINKS with phone, and a web booking of theirs that Laravel wrote minutes_ago (no event, no pipeline) */
static void laravel_booking(const char *name, const char *phone, int minutes_ago)
{
    db_param p[] = {db_str(name), db_str(phone)};
    if (db_exec(e2e_db(), "INSERT INTO customers (company_id, name, phone, created_at, updated_at) VALUES (8603, ?, ?, NOW(), NOW())",
                p, 2, NULL, NULL) != 0)
        fail_msg("%s", db_error(e2e_db()));
    db_param q[] = {db_str(phone), db_int(minutes_ago), db_int(minutes_ago)};
    if (db_exec(e2e_db(), "INSERT INTO appointments (company_id, customer_id, starts_at, ends_at, status, source, created_at, updated_at)"
                          " SELECT 8603, id, NOW() + INTERVAL 2 DAY, NOW() + INTERVAL 2 DAY + INTERVAL 30 MINUTE, 'confirmed', 'cal.com',"
                          " NOW() - INTERVAL ? MINUTE, NOW() - INTERVAL ? MINUTE FROM customers WHERE phone = ?",
                (db_param[]){q[1], q[2], q[0]}, 3, NULL, NULL) != 0)
        fail_msg("%s", db_error(e2e_db()));
}

/* The fake Retell API with one call (from, start/end minutes ago, to LINKS' number); its port, and its pid into *pid */
static int fake_retell(const char *call_id, const char *from, int start_ago_min, int end_ago_min, pid_t *pid)
{
    size_t len;
    json_object *root = json_tokener_parse(e2e_fixture("retell/webhook_call_analyzed.json", &len)), *call = NULL;
    json_object_deep_copy(json_get(root, "call"), &call, NULL);
    long long now_ms = e2e_now_ms();
    json_object_object_add(call, "call_id", json_object_new_string(call_id));
    json_object_object_add(call, "from_number", json_object_new_string(from));
    json_object_object_add(call, "to_number", json_object_new_string("+4930860386000"));
    json_object_object_add(call, "start_timestamp", json_object_new_int64(now_ms - start_ago_min * 60000LL));
    json_object_object_add(call, "end_timestamp", json_object_new_int64(now_ms - end_ago_min * 60000LL));
    json_object_object_add(call, "transcript", json_object_new_string("User: Ich hätte gern einen Termin am Freitag."));
    json_object *arr = json_object_new_array();
    json_object_array_add(arr, call);
    const char *file = arena_printf(e2e_arena(), "%s/glance-calls.json", e2e_var());
    json_object_to_file(file, arr);
    json_object_put(arr);
    json_object_put(root);
    const char *port_file = arena_printf(e2e_arena(), "%s/glance-fake.port", e2e_var());
    const char *pid_file = arena_printf(e2e_arena(), "%s/glance-fake.pid", e2e_var());
    unlink(port_file);
    e2e_sh(arena_printf(e2e_arena(), "%s/fake_providers --port 0 --retell-calls '%s' --retell-key '%s' > '%s' 2>/dev/null"
                                     " < /dev/null & echo $! > '%s'", getenv("SB_TEST_BIN"), file, e2e_config()->retell_api_key,
                        port_file, pid_file));
    int port = 0;
    for (int i = 0; i < 100 && port <= 0; i++, usleep(100000)) {
        FILE *f = fopen(port_file, "r");
        if (f) {
            if (fscanf(f, "%d", &port) != 1) port = 0;
            fclose(f);
        }
    }
    *pid = e2e_pid_from(pid_file);
    return port;
}

static void the_hourly_linker_sees_what_the_pipeline_never_linked(void **state)
{
    (void)state;
    sql("INSERT IGNORE INTO companies (id, name, slug, timezone, is_active, created_at, updated_at)"
        " VALUES (8603, 'Glance Linker', 'glance-linker', 'Europe/Berlin', 1, NOW(), NOW())");
    sql("INSERT IGNORE INTO phone_numbers (id, company_id, number, number_normalized, is_active, created_at, updated_at)"
        " VALUES ('8603a000-0000-4000-8000-000000008603', 8603, '+4930860386000', '+4930860386000', 1, NOW(), NOW())");
    /* (1) a web booking Laravel wrote before the switch, 60 min ago, for a call that started 3 h ago (ended 2 h 55 min
     * ago): the call is older than the run's 2 hours, the booking within 120 min of its end */
    sql("INSERT INTO calls (retell_call_id, company_id, from_number, status, duration_sec, transcript, created_at, start_timestamp,"
        " end_timestamp, updated_at) VALUES ('call_gl_link_1', 8603, '+4917186000001', 'ended', 300, 'Ich brauche einen Termin.',"
        " NOW() - INTERVAL 180 MINUTE, NOW() - INTERVAL 180 MINUTE, NOW() - INTERVAL 175 MINUTE, NOW())");
    laravel_booking("Legacy Eins", "+4917186000001", 60);
    /* (2) the customer's number in a legacy spelling (national, spaces), booked 90 min ago after a call 3.5 h ago */
    sql("INSERT INTO calls (retell_call_id, company_id, from_number, status, duration_sec, transcript, created_at, start_timestamp,"
        " end_timestamp, updated_at) VALUES ('call_gl_link_2', 8603, '+4917186000002', 'ended', 300, 'Einen Termin bitte.',"
        " NOW() - INTERVAL 210 MINUTE, NOW() - INTERVAL 210 MINUTE, NOW() - INTERVAL 205 MINUTE, NOW())");
    laravel_booking("Legacy Zwei", "0171 860 000 02", 90);
    const char *out;
    if (e2e_cli("detect-conversions --hours 2 --auto-link --company 8603", &out) != 0) fail_msg("%s", out);
    assert_string_equal(linked_to("call_gl_link_1"), appt_of("+4917186000001"));
    assert_string_equal(linked_to("call_gl_link_2"), appt_of("0171 860 000 02"));
    db_param dc = db_str("detect-conversions");
    assert_int_equal(e2e_count("SELECT last_ok FROM switchboard_command_runs WHERE command = ?", &dc, 1), 1);
    /* (3) a call only sync-calls imported (no webhook, so no pipeline linker), booked online 10 min ago */
    laravel_booking("Sync Drei", "+4917186000003", 10);
    pid_t pid = 0;
    int port = fake_retell("call_gl_link_3", "+4917186000003", 30, 25, &pid);
    assert_true(port > 0);
    setenv("SWITCHBOARD_RETELL_API_BASE", arena_printf(e2e_arena(), "http://127.0.0.1:%d", port), 1);
    int rc = e2e_cli("sync-calls --since 2h --verbose", &out);
    unsetenv("SWITCHBOARD_RETELL_API_BASE");
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, WNOHANG);
    }
    if (rc != 0) fail_msg("%s", out);
    assert_non_null(strstr(out, "call_gl_link_3")); /* --verbose lists each call */
    assert_non_null(strstr(out, "linked 1 call(s)"));
    assert_string_equal(linked_to("call_gl_link_3"), appt_of("+4917186000003"));
    db_param sc = db_str("sync-calls");
    assert_non_null(strstr(e2e_scalar("SELECT last_outcome FROM switchboard_command_runs WHERE command = ? AND last_ok = 1", &sc, 1),
                           "1 linked"));
}

/* 17.3 (D208): an operator sets a company's targets and web cost from the shell; the page shows them at
 * once; a bad key or value writes nothing (exit 2); "default" returns to the config's */
static void operators_set_a_companys_targets_from_the_shell(void **state)
{
    (void)state;
    const char *out;
    assert_int_equal(e2e_cli("company-settings --company 8604", &out), 0);
    assert_non_null(strstr(out, "company 8604 (Glance Funnel)"));
    assert_non_null(strstr(out, "targets.phone_pct"));
    assert_non_null(strstr(out, "config default"));
    int rc = e2e_cli("company-settings --company 8604 --set targets.phone_pct=70 --set metrics.web_monthly_cost_eur=49.9"
                     " --format json", &out);
    if (rc) fail_msg("%s", out);
    assert_non_null(strstr(out, "\"targets.phone_pct\":{\"value\":70,\"source\":\"company\",\"config\":80}"));
    assert_non_null(strstr(out, "\"metrics.web_monthly_cost_eur\":{\"value\":49.90,\"source\":\"company\""));
    assert_non_null(strstr(out, "\"targets.web_pct\":{\"value\":95,\"source\":\"config\""));
    assert_string_equal(e2e_scalar("SELECT web_monthly_cost_eur FROM switchboard_company_settings WHERE company_id = 8604", NULL, 0),
                        "49.90");
    assert_non_null(strstr(get(op_at(8604), "/?days=1").body, "Ziel 70 %: "));
    /* refused before anything is written: out of range, unknown key, a second --set that is bad */
    assert_int_equal(e2e_cli("company-settings --company 8604 --set targets.phone_pct=101", &out), 2);
    assert_int_equal(e2e_cli("company-settings --company 8604 --set targets.phone_pct=60 --set targets.nope=1", &out), 2);
    assert_non_null(strstr(out, "targets.nope"));
    assert_int_equal(e2e_cli("company-settings --company 8604 --set metrics.web_monthly_cost_eur=1.234", &out), 2);
    assert_string_equal(e2e_scalar("SELECT target_phone_pct FROM switchboard_company_settings WHERE company_id = 8604", NULL, 0), "70");
    assert_int_equal(e2e_cli("company-settings --company 99999999", &out), 1);
    assert_int_equal(e2e_cli("company-settings --set targets.phone_pct=60", &out), 2);
    assert_int_equal(e2e_cli("company-settings --company 8604 --set targets.phone_pct=default", &out), 0);
    assert_non_null(strstr(get(op_at(8604), "/?days=1").body, "Ziel 80 %: "));
}

/* 17.2 and 17.3: the funnel to the chair per channel (chart and table), targets with met/missed, the trend */
static void the_funnel_reaches_the_chair_and_kpis_show_their_targets(void **state)
{
    (void)state;
    sql("INSERT IGNORE INTO companies (id, name, slug, timezone, is_active, created_at, updated_at)"
        " VALUES (8604, 'Glance Funnel', 'glance-funnel', 'Europe/Berlin', 1, NOW(), NOW())");
    sql("INSERT INTO customers (company_id, name, phone, created_at, updated_at) VALUES (8604, 'Funnel Kundin', '+4917186040001', NOW(), NOW())");
    /* two answered calls that wanted an appointment (Laravel's flag), one not answered; the first was booked during the call */
    sql("INSERT INTO calls (retell_call_id, company_id, from_number, status, duration_sec, appointment_requested, created_at, updated_at)"
        " VALUES ('call_gl_f1', 8604, '+4917186040001', 'ended', 120, 1, NOW(), NOW()),"
        " ('call_gl_f2', 8604, '+4917186040002', 'ended', 60, 1, NOW(), NOW()),"
        " ('call_gl_f3', 8604, '+4917186040003', 'ended', 0, 0, NOW(), NOW())");
    /* the phone booking was attended; two web bookings: one no-show, one cancelled (what Cal.com's events set) */
    sql("INSERT INTO appointments (company_id, customer_id, call_id, starts_at, ends_at, status, source, created_at, updated_at)"
        " SELECT 8604, cu.id, c.id, NOW(), NOW() + INTERVAL 30 MINUTE, 'completed', 'retell_phone', NOW(), NOW()"
        " FROM customers cu JOIN calls c ON c.retell_call_id = 'call_gl_f1' WHERE cu.phone = '+4917186040001'");
    sql("INSERT INTO appointments (company_id, customer_id, starts_at, ends_at, status, source, created_at, updated_at)"
        " SELECT 8604, id, NOW(), NOW() + INTERVAL 30 MINUTE, 'no_show', 'cal.com', NOW(), NOW() FROM customers WHERE phone = '+4917186040001'"
        " UNION ALL SELECT 8604, id, NOW(), NOW() + INTERVAL 30 MINUTE, 'cancelled', 'cal.com', NOW(), NOW() FROM customers"
        " WHERE phone = '+4917186040001'");
    const char *out;
    if (e2e_cli("detect-conversions --hours 1 --company 8604 --auto-link", &out) != 0) fail_msg("%s", out);
    rebuild(8604);
    e2e_response r = get(op_at(8604), "/?days=1");
    const char *phone = strstr(r.body, "Telefon: vom Anruf bis zum Stuhl"), *web = strstr(r.body, "Online: von der Buchung bis zum Stuhl");
    assert_non_null(phone);
    assert_non_null(web);
    assert_true(phone < web);
    assert_non_null(strstr(phone, "<svg class=\"chart hchart\""));
    assert_non_null(strstr(phone, "<g class=\"bar\"><title>wollten einen Termin: 2</title>")); /* a title per bar */
    assert_non_null(strstr(phone, "<td>wollten einen Termin</td><td>2</td><td>100.0 %</td>"));
    assert_non_null(strstr(phone, "<td>telefonisch gebucht</td><td>1</td><td>50.0 %</td>"));
    assert_non_null(strstr(phone, "<td>erschienen</td><td>1</td>"));
    assert_non_null(strstr(web, "<td>Cal.com-Buchungen</td><td>2</td>"));
    assert_non_null(strstr(web, "<td>nicht erschienen</td><td>1</td><td>50.0 %</td>"));
    assert_non_null(strstr(web, "<td>storniert</td><td>1</td><td>50.0 %</td>"));
    /* targets: the config's 95 % web, Berlin's own 50 % phone target (switchboard_company_settings) */
    assert_non_null(strstr(r.body, "Ziel 80 %: ")); /* 8604 has no override: the config's phone target */
    r = get(op_at(BERLIN), "/?days=1");
    assert_non_null(strstr(r.body, "Ziel 50 %: verfehlt")); /* 0 of 1 answered call booked */
    /* no Cal.com booking event and no visitor today: nothing to meet or miss */
    assert_non_null(strstr(r.body, "<div class=\"value\">–</div><div class=\"target\">Ziel 95 %</div>"));
    assert_non_null(strstr(r.body, "<div class=\"value\">–</div><div class=\"target\">Ziel 60 %</div>"));
    assert_non_null(strstr(r.body, "Ziel 5.0 s: "));
    assert_non_null(strstr(r.body, "class=\"trend"));
}

/* 17.8: the batch commands' last runs on the monitor, /metrics and the webhooks page */
static void freshness_of_the_batch_commands_is_shown(void **state)
{
    (void)state;
    const char *out;
    assert_int_equal(e2e_cli("prune --older-than 3650d", &out), 0);
    const char *h[] = {arena_printf(e2e_arena(), "Authorization: Bearer %s", e2e_config()->monitor_token), NULL};
    e2e_response m = e2e_request("GET", "/api/webhooks/monitor", h, NULL, 0);
    assert_int_equal(m.status, 200);
    assert_non_null(json_get(m.json, "batch_runs.sync-calls.last_run"));
    assert_true(json_object_get_boolean(json_get(m.json, "batch_runs.prune.ok")));
    assert_non_null(strstr(json_get_str(m.json, "batch_runs.prune.outcome"), "deleted"));
    e2e_response p = e2e_request("GET", "/metrics", h, NULL, 0);
    assert_non_null(strstr(p.body, "switchboard_batch_last_run_ok{command=\"prune\"} 1"));
    assert_non_null(strstr(p.body, "switchboard_batch_last_success_timestamp_seconds{command=\"detect-conversions\"} 1"));
    e2e_response w = get(op_cookie, "/webhooks");
    assert_non_null(strstr(w.body, "Letzte Läufe"));
    assert_non_null(strstr(w.body, "<td>prune</td>"));
    assert_non_null(strstr(w.body, "deleted")); /* the operator sees the outcome */
    w = get(ny_cookie, "/webhooks");
    assert_non_null(strstr(w.body, "<td>prune</td>"));
    assert_null(strstr(w.body, "deleted")); /* a company does not: it counts every company's rows */
}

/* 17.7: the event page (payload pretty-printed and escaped, headers, replays, rows written), the search by call id,
 * email and phone, the live status of rows on screen, the tenant wall */
static void operators_debug_an_event_without_sql(void **state)
{
    (void)state;
    sql("INSERT INTO customers (company_id, name, email, phone, created_at, updated_at)"
        " VALUES (8602, 'Evi Event', 'evi@glance.example.com', '+4917186020009', NOW(), NOW())");
    sql("INSERT INTO calls (retell_call_id, company_id, customer_id, from_number, status, created_at, updated_at)"
        " SELECT 'call_gl_event_0123456789abcdef', 8602, id, '+4917186020009', 'ended', NOW(), NOW() FROM customers"
        " WHERE email = 'evi@glance.example.com'");
    uint64_t id = 0;
    if (db_exec(e2e_db(), "INSERT INTO webhook_events (provider, company_id, event_type, event_id, idempotency_key, payload, headers,"
                          " status, error_message, retry_count, next_attempt_at, received_at, created_at, updated_at) VALUES ('retell',"
                          " 8602, 'call_ended', 'call_gl_event_0123456789abcdef', CONCAT('retell:glance:', UUID()),"
                          " '{\"call\":{\"call_id\":\"call_gl_event_0123456789abcdef\",\"note\":\"<b>x</b>\"}}',"
                          " '{\"user-agent\":\"Retell/1.0\"}', 'failed', 'no such agent', 2, NOW(3), NOW(), NOW(), NOW())",
                NULL, 0, &id, NULL) != 0)
        fail_msg("%s", db_error(e2e_db()));
    db_param ev = db_int((long long)id);
    if (db_exec(e2e_db(), "INSERT INTO switchboard_replays (webhook_event_id, requested_by, previous_status) VALUES (?, 'glance test', 'dead')",
                &ev, 1, NULL, NULL) != 0 ||
        db_exec(e2e_db(), "INSERT INTO switchboard_audit (table_name, row_id, company_id, action, changes, cause, webhook_event_id)"
                          " VALUES ('calls', 1, 8602, 'update', '{\"status\":{\"old\":\"ongoing\",\"new\":\"ended\"}}', 'retell call_ended', ?)",
                &ev, 1, NULL, NULL) != 0)
        fail_msg("%s", db_error(e2e_db()));
    e2e_response r = get(op_cookie, arena_printf(e2e_arena(), "/webhook?id=%llu", (unsigned long long)id));
    assert_non_null(strstr(r.body, "<pre class=\"payload\">{\n  &quot;call&quot;:{\n    &quot;call_id&quot;:") ||
                    strstr(r.body, "<pre class=\"payload\">{\n  \"call\""));
    assert_non_null(strstr(r.body, "&lt;b&gt;x&lt;/b&gt;"));
    assert_null(strstr(r.body, "<b>x</b>"));
    assert_non_null(strstr(r.body, "Retell/1.0"));
    assert_non_null(strstr(r.body, "glance test"));
    assert_non_null(strstr(r.body, "no such agent"));
    assert_non_null(strstr(r.body, "ongoing"));
    /* the wall: another company's owner gets what a missing event gets */
    assert_int_equal(e2e_get_as(ny_cookie, arena_printf(e2e_arena(), "/webhook?id=%llu", (unsigned long long)id)).status, 404);
    /* the search: by call id, by the customer's email, by the phone in a national spelling */
    static const char *const Q[] = {"call_gl_event_0123456789abcdef", "evi%40glance.example.com", "0171%2086020009"};
    for (size_t i = 0; i < 3; i++) {
        r = get(op_cookie, arena_printf(e2e_arena(), "/webhooks?q=%s", Q[i]));
        if (!strstr(r.body, arena_printf(e2e_arena(), "data-id=\"%llu\"", (unsigned long long)id))) fail_msg("search %s missed it", Q[i]);
        assert_non_null(strstr(r.body, "title=\"call_gl_event_0123456789abcdef\"")); /* the whole id in the title */
    }
    r = get(op_cookie, "/webhooks?q=nobody%40nowhere.example.com");
    assert_null(strstr(r.body, arena_printf(e2e_arena(), "data-id=\"%llu\"", (unsigned long long)id)));
    /* live: the row's status as it is now */
    sql("UPDATE webhook_events SET status = 'processed', error_message = NULL, notes = 'fixed' WHERE event_id = 'call_gl_event_0123456789abcdef'");
    r = get(op_cookie, arena_printf(e2e_arena(), "/webhooks/live.json?after=%llu&from=%llu&to=%llu", (unsigned long long)id,
                                    (unsigned long long)id, (unsigned long long)id));
    assert_non_null(strstr(r.body, arena_printf(e2e_arena(), "\"statuses\":[[\"%llu\",\"processed\",\"fixed\"]]", (unsigned long long)id)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(days_are_the_companys_local_days),
        cmocka_unit_test(times_are_shown_in_the_companys_clock),
        cmocka_unit_test(call_and_callbacks_pages_use_the_companys_clock),
        cmocka_unit_test(test_calls_are_left_out_unless_asked_for),
        cmocka_unit_test(a_company_marks_its_test_numbers),
        cmocka_unit_test(money_is_in_euro_with_its_rate),
        cmocka_unit_test(the_hourly_linker_sees_what_the_pipeline_never_linked),
        cmocka_unit_test(the_funnel_reaches_the_chair_and_kpis_show_their_targets),
        cmocka_unit_test(operators_set_a_companys_targets_from_the_shell),
        cmocka_unit_test(freshness_of_the_batch_commands_is_shown),
        cmocka_unit_test(operators_debug_an_event_without_sql),
    };
    return cmocka_run_group_tests_name("e2e_glance", tests, setup, e2e_teardown);
}
