/* test_88_simulate.c: `switchboard simulate` against the test stack: a week
 * of demo traffic through nginx, signed as the providers sign, and what it
 * must leave in the database (calls on their past days, appointments booked
 * by phone and on the web, forged requests refused and never stored, every
 * acknowledged webhook stored once and processed); the same seed plans the
 * same requests. */
#include "e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *simulate_args(const char *extra)
{
    return arena_printf(e2e_arena(), "simulate --history 7d --seed 42 --company 2 --url '%s' %s", getenv("SB_TEST_URL"), extra);
}

static long long count_since(const char *sql, long long since_id)
{
    db_param p = db_int(since_id);
    return e2e_count(sql, &p, 1);
}

/* a number after `label` in the summary, -1 when missing */
static long summary_number(const char *out, const char *label)
{
    const char *at = strstr(out, label);
    long n = -1;
    if (!at || sscanf(at + strlen(label), " %ld", &n) != 1) return -1;
    return n;
}

/* What a dry run's plan promises, counted from its lines and summary: the real run of the same
 * seed in the same hour must come out exactly so. */
typedef struct plan {
    long sent, forged, duplicates, calls, phone, web;
} plan;

static plan plan_of(const char *dry)
{
    plan p = {summary_number(dry, "answers    sent"), 0, 0, 0, summary_number(dry, "bookings   phone"), summary_number(dry, ")  web")};
    for (const char *at = dry; (at = strstr(at, " forged:")); at++) p.forged++;
    /* Retell's retried call_ended: a call id whose call_ended is planned twice */
    for (const char *at = dry; (at = strstr(at, " call_ended call_")); at++) {
        const char *id = at + 12;
        size_t n = strcspn(id, " \n");
        const char *first = strstr(dry, arena_printf(e2e_arena(), " call_ended %.*s\n", (int)n, id));
        if (first && first + 1 < at) p.duplicates++;
    }
    const char *calls = strstr(dry, "calls      ");
    assert_non_null(calls);
    calls += 11;
    for (;;) { /* "books 33  web_later 14  info 44 ...": the outcomes add up to the calls */
        long v;
        int used = 0;
        if (sscanf(calls, "%*[a-z_] %ld%n", &v, &used) != 1) break;
        p.calls += v;
        calls += used;
        while (*calls == ' ') calls++;
    }
    assert_true(p.sent > 0 && p.calls > 0 && p.phone >= 0 && p.web >= 0);
    return p;
}

static int plan_matches(const plan *p, long sent, long refused, long duplicate, long calls, long phone, long web)
{
    return p->sent == sent && p->forged == refused && p->duplicates == duplicate && p->calls == calls && p->phone == phone &&
           p->web == web;
}

/* a dry run's output without the summary's elapsed time ("N requests in 0.1 s:"), which is
 * not part of the plan (a slow run under SANITIZE=1 took 0.1 s where the other took 0.0) */
static const char *without_elapsed(const char *out)
{
    const char *at = strstr(out, " requests in "), *end = at ? strstr(at, " s:") : NULL;
    if (!at || !end) return out;
    return arena_printf(e2e_arena(), "%.*s requests%s", (int)(at - out), out, end + 2);
}

static void same_seed_plans_the_same_requests(void **state)
{
    (void)state;
    const char *a, *b, *c, *other;
    assert_int_equal(e2e_cli(simulate_args("--dry-run"), &a), 0);
    assert_int_equal(e2e_cli(simulate_args("--dry-run"), &b), 0);
    a = without_elapsed(a);
    b = without_elapsed(b);
    if (strcmp(a, b) != 0) { /* the plan ends at the last full hour: one more try if an hour began in between */
        assert_int_equal(e2e_cli(simulate_args("--dry-run"), &c), 0);
        assert_string_equal(b, without_elapsed(c));
    }
    assert_non_null(strstr(b, "POST /api/webhooks/retell call_started call_"));
    assert_non_null(strstr(b, "POST /api/webhooks/retell/function check_availability"));
    assert_non_null(strstr(b, "POST /api/calcom/webhook BOOKING_CREATED"));
    assert_non_null(strstr(b, "forged:"));
    assert_non_null(strstr(b, "(dry run: nothing sent)"));
    const char *args = arena_printf(e2e_arena(), "simulate --history 7d --seed 43 --company 2 --url '%s' --dry-run", getenv("SB_TEST_URL"));
    assert_int_equal(e2e_cli(args, &other), 0);
    assert_string_not_equal(b, other);
    /* a dry run sends nothing */
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM webhook_events WHERE event_id LIKE 'forged\\_%'", NULL, 0), 0);
}

static long long before_event, before_call, before_appt;

static int all_settled(void)
{
    return count_since("SELECT COUNT(*) FROM webhook_events WHERE id > ? AND status NOT IN ('processed', 'ignored', 'dead')",
                       before_event) == 0;
}

static void a_week_of_history_lands_on_its_days(void **state)
{
    (void)state;
    before_event = e2e_count("SELECT COALESCE(MAX(id), 0) FROM webhook_events", NULL, 0);
    before_call = e2e_count("SELECT COALESCE(MAX(id), 0) FROM calls", NULL, 0);
    before_appt = e2e_count("SELECT COALESCE(MAX(id), 0) FROM appointments", NULL, 0);
    const char *out, *dry_before, *dry_after;
    assert_int_equal(e2e_cli(simulate_args("--dry-run"), &dry_before), 0);
    int rc = e2e_cli(simulate_args(""), &out);
    if (rc != 0) fail_msg("simulate exited %d:\n%s", rc, out);
    print_message("%s", out);
    assert_int_equal(e2e_cli(simulate_args("--dry-run"), &dry_after), 0);

    long sent = summary_number(out, "answers    sent"), c4xx = summary_number(out, "4xx"), c5xx = summary_number(out, "5xx");
    long accepted = summary_number(out, "accepted"), duplicate = summary_number(out, "duplicate");
    long refused = summary_number(out, "(total"), forged_accepted = summary_number(out, "forged but accepted");
    const char *colon = strstr(out, " s: ");
    long n_calls = -1, n_phone = -1, n_web = -1;
    assert_non_null(colon);
    assert_int_equal(sscanf(colon, " s: %ld calls, %ld phone bookings, %ld web bookings", &n_calls, &n_phone, &n_web), 3);
    assert_true(sent > 200);
    assert_int_equal(c5xx, 0);
    /* the forged and broken requests, and only they, came back 4xx */
    assert_true(refused > 0);
    assert_int_equal(c4xx, refused);
    assert_int_equal(forged_accepted, 0);
    assert_true(duplicate > 0); /* Retell's retried call_ended */
    /* exactly what the plan promised (the plan of the hour the run began or ended in) */
    plan before = plan_of(dry_before), after = plan_of(dry_after);
    if (!plan_matches(&before, sent, refused, duplicate, n_calls, n_phone, n_web) &&
        !plan_matches(&after, sent, refused, duplicate, n_calls, n_phone, n_web))
        fail_msg("the run (sent %ld, refused %ld, duplicate %ld, calls %ld, phone %ld, web %ld) is not the plan (sent %ld, forged %ld,"
                 " duplicates %ld, calls %ld, phone %ld, web %ld)", sent, refused, duplicate, n_calls, n_phone, n_web, before.sent,
                 before.forged, before.duplicates, before.calls, before.phone, before.web);

    /* every acknowledged webhook is stored once and gets processed (the worker retries a lost race) */
    if (!e2e_wait(all_settled, 90)) fail_msg("webhooks still unprocessed after 90 s");
    assert_int_equal(count_since("SELECT COUNT(*) FROM webhook_events WHERE id > ? AND provider IN ('calcom', 'retell')", before_event),
                     accepted);
    assert_int_equal(count_since("SELECT COUNT(DISTINCT idempotency_key) FROM webhook_events WHERE id > ?"
                                 " AND provider IN ('calcom', 'retell')", before_event),
                     accepted);
    assert_int_equal(count_since("SELECT COUNT(*) FROM webhook_events WHERE id > ? AND provider IN ('calcom', 'retell')"
                                 " AND status <> 'processed'", before_event),
                     0);
    /* refused requests left nothing behind */
    assert_int_equal(count_since("SELECT COUNT(*) FROM webhook_events WHERE id > ? AND (event_id LIKE 'forged\\_%'"
                                 " OR payload LIKE '%forged\\_%')", before_event),
                     0);
    assert_int_equal(count_since("SELECT COUNT(*) FROM calls WHERE id > ? AND retell_call_id LIKE 'forged\\_%'", before_call), 0);

    /* calls: one row per simulated call, dated when they happened, over the past week */
    assert_int_equal(count_since("SELECT COUNT(*) FROM calls WHERE id > ?", before_call), n_calls);
    assert_true(n_calls > 80);
    assert_true(count_since("SELECT COUNT(DISTINCT DATE(created_at)) FROM calls WHERE id > ?", before_call) >= 6);
    assert_int_equal(count_since("SELECT COUNT(*) FROM calls WHERE id > ? AND created_at > NOW()", before_call), 0);
    assert_true(count_since("SELECT COUNT(*) FROM calls WHERE id > ? AND created_at < NOW() - INTERVAL 5 DAY", before_call) > 0);
    assert_int_equal(count_since("SELECT COUNT(*) FROM calls WHERE id > ? AND company_id <> 2", before_call), 0);

    /* booked on the phone through the function routes: linked to their call, dated on the call's day */
    assert_true(n_phone > 0);
    assert_int_equal(count_since("SELECT COUNT(*) FROM appointments a JOIN calls c ON c.id = a.call_id WHERE a.id > ?"
                                 " AND a.source = 'phone' AND c.converted_appointment_id = a.id AND DATE(a.created_at) = DATE(c.created_at)",
                                 before_appt),
                     n_phone);
    /* booked on the web: one appointment per booking, dated by Cal.com's createdAt */
    assert_int_equal(count_since("SELECT COUNT(*) FROM appointments WHERE id > ? AND source = 'cal.com'", before_appt), n_web);
    assert_true(count_since("SELECT COUNT(DISTINCT DATE(created_at)) FROM appointments WHERE id > ? AND source = 'cal.com'",
                            before_appt) >= 6);
    assert_true(count_since("SELECT COUNT(*) FROM appointments WHERE id > ? AND status = 'cancelled'", before_appt) +
                count_since("SELECT COUNT(*) FROM appointments WHERE id > ? AND status IN ('rescheduled', 'no_show')", before_appt) > 0);

    /* callers who booked on the web afterwards are linked to their call (rule b) */
    assert_int_equal(e2e_cli("detect-conversions --since 8d --company 2 --auto-link", &out), 0);
    assert_true(count_since("SELECT COUNT(*) FROM calls c JOIN appointments a ON a.id = c.converted_appointment_id WHERE c.id > ?"
                            " AND a.source = 'cal.com'", before_call) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_seed_plans_the_same_requests),
        cmocka_unit_test(a_week_of_history_lands_on_its_days),
    };
    return cmocka_run_group_tests_name("e2e_simulate", tests, e2e_setup, e2e_teardown);
}
