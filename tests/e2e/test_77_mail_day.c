/* test_77_mail_day.c: the Done-when of issue 14 for mail: a simulated stretch of live
 * traffic through nginx (`simulate --live`, Cal.com failing for some callers) leaves
 * in the SMTP sink one summary per ended call and recipient and every callback item
 * in exactly one alert, each mail once, also when the worker is killed with -9 while
 * the sink holds its answer to DATA (DESIGN D112, D202); the outbox numbers are on
 * the monitor route and /metrics (D203). The expected mails come from the
 * simulation's own account: its count of calls and its --expect list of items.
 *
 * The demo tenant (company 2) gets summaries switched on for this test only (its
 * settings are restored at the end); the worker runs with a 1 s summary delay and
 * 1 s retries, as in test_76, and the original worker is restored at the end. */
#include "e2e.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* the SMTP timeout outlasts the sink's hold (.delay 90 s; libcurl's own wait for a reply is 120 s): the only failed attempt is the killed one. A client that
 * gives up waiting for the answer to DATA while the server stores the message is RFC 1047's duplicate (D202) */
#define WORKER_ENV "SWITCHBOARD_MAIL_SUMMARY_DELAY_SECONDS=1 SWITCHBOARD_MAIL_RETRY_BASE_SECONDS=1 SWITCHBOARD_SMTP_TIMEOUT_SECONDS=180"
#define BRANCH_RCPT "koeln@salon-haarmonie.example.com"
#define OWNER_RCPT "inhaber@salon-haarmonie.example.com"
#define RECIPIENTS 2 /* the branch's notification_email and the company's list */

static void sql(const char *q)
{
    if (db_exec(e2e_db(), q, NULL, 0, NULL, NULL) != 0) fail_msg("%s: %s", q, db_error(e2e_db()));
}

/* company 2's summary columns as they were, restored by teardown */
static const char *saved_settings;

static int setup(void **state)
{
    if (e2e_setup(state) != 0) return -1;
    saved_settings = e2e_scalar("SELECT CONCAT('send_call_summaries = ', COALESCE(send_call_summaries, 'NULL'),"
                                " ', call_summary_recipients = ', COALESCE(QUOTE(call_summary_recipients), 'NULL'),"
                                " ', summary_email_frequency = ', COALESCE(QUOTE(summary_email_frequency), 'NULL'),"
                                " ', include_transcript_in_summary = ', COALESCE(include_transcript_in_summary, 'NULL'),"
                                " ', include_csv_export = ', COALESCE(include_csv_export, 'NULL')) FROM companies WHERE id = 2",
                                NULL, 0);
    if (!saved_settings) return -1;
    if (db_exec(e2e_db(),
                "UPDATE companies SET send_call_summaries = 1, call_summary_recipients = '[\"" OWNER_RCPT "\"]',"
                " summary_email_frequency = 'immediate', include_transcript_in_summary = 0, include_csv_export = 0 WHERE id = 2",
                NULL, 0, NULL, NULL) != 0)
        return -1;
    if (e2e_stack("stop-worker", NULL) != 0 || e2e_stack("start-worker", WORKER_ENV) != 0) return -1;
    return 0;
}

static const char *knob(const char *name) { return arena_printf(e2e_arena(), "%s/mail/%s", e2e_var(), name); }

static int teardown(void **state)
{
    unlink(knob(".delay"));
    if (saved_settings)
        db_exec(e2e_db(), arena_printf(e2e_arena(), "UPDATE companies SET %s WHERE id = 2", saved_settings), NULL, 0, NULL, NULL);
    e2e_stack("stop-worker", NULL);
    e2e_stack("start-worker", NULL);
    return e2e_teardown(state);
}

static long long before_event, before_call, before_outbox, before_item;

static int settled(void)
{
    db_param p = db_int(before_event);
    return e2e_count("SELECT COUNT(*) FROM webhook_events WHERE id > ? AND status NOT IN ('processed', 'ignored', 'dead')", &p, 1) == 0;
}
static int outbox_idle(void)
{
    return e2e_count("SELECT COUNT(*) FROM switchboard_mail_outbox WHERE status NOT IN ('sent', 'dead')", NULL, 0) == 0;
}
/* the sink holds its answer to DATA for a mail of this run (the thread leases up to 8 rows at a time) */
static int ours_held(void)
{
    db_param p = db_int(before_outbox);
    return access(knob(".held"), F_OK) == 0 &&
           e2e_count("SELECT COUNT(*) FROM switchboard_mail_outbox WHERE id > ? AND status = 'sending'", &p, 1) >= 1;
}
/* every call of the run has its summaries composed and every mail of the run is delivered */
static int day_delivered(void)
{
    db_param p[] = {db_int(before_call), db_int(before_outbox)};
    return e2e_count("SELECT COUNT(*) FROM calls c LEFT JOIN switchboard_mail_calls m ON m.call_id = c.id"
                     " WHERE c.id > ? AND c.company_id = 2 AND COALESCE(m.state, '') <> 'mailed'", p, 1) == 0 &&
           e2e_count("SELECT COUNT(*) FROM switchboard_mail_outbox WHERE id > ? AND status <> 'sent'", &p[1], 1) == 0;
}
static long long alert_batches(void)
{
    db_param p = db_int(before_outbox);
    return e2e_count("SELECT COUNT(*) FROM switchboard_mail_outbox WHERE id > ? AND company_id = 2 AND kind = 'callback_alert'"
                     " AND recipient = '" BRANCH_RCPT "'", &p, 1);
}
static long long batches_wanted;
static int alerts_composed(void) { return alert_batches() >= batches_wanted; }
static long long unalerted_items(void)
{
    db_param p = db_int(before_item);
    return e2e_count("SELECT COUNT(*) FROM switchboard_callbacks WHERE id > ? AND company_id = 2 AND status = 'open'"
                     " AND alerted_at IS NULL", &p, 1);
}

/* The sink holds exactly one copy of the outbox row's message (by its Message-ID); its text (arena). */
static const char *one_copy(const char *row_id)
{
    db_param p = db_str(row_id);
    const char *mid = e2e_scalar("SELECT message_id FROM switchboard_mail_outbox WHERE id = ?", &p, 1);
    assert_non_null(mid);
    e2e_mail m[2];
    size_t n = e2e_sink_find(arena_printf(e2e_arena(), "Message-ID: %s", mid), m, 2);
    if (n != 1) fail_msg("outbox row %s (%s): %zu copies in the sink", row_id, mid, n);
    return m[0].text;
}

static void a_simulated_day_mails_each_summary_and_alert_once(void **state)
{
    (void)state;
    /* a quiet start: no mail of an earlier test in flight, their items alerted, their alert window over */
    assert_true(e2e_wait(outbox_idle, 90));
    sql("UPDATE switchboard_callbacks SET alerted_at = NOW(3) WHERE company_id = 2 AND alerted_at IS NULL");
    sql("UPDATE switchboard_mail_outbox SET created_at = created_at - INTERVAL 10 MINUTE WHERE company_id = 2"
        " AND kind = 'callback_alert'");
    before_event = e2e_count("SELECT COALESCE(MAX(id), 0) FROM webhook_events", NULL, 0);
    before_call = e2e_count("SELECT COALESCE(MAX(id), 0) FROM calls", NULL, 0);
    before_outbox = e2e_count("SELECT COALESCE(MAX(id), 0) FROM switchboard_mail_outbox", NULL, 0);
    before_item = e2e_count("SELECT COALESCE(MAX(id), 0) FROM switchboard_callbacks", NULL, 0);

    /* the sink holds every answer to DATA while the day runs: the mails wait, one of them mid-send */
    FILE *k = fopen(knob(".delay"), "w");
    assert_non_null(k);
    fputs("90", k);
    fclose(k);
    const char *expect = arena_printf(e2e_arena(), "%s/simulate-mail-expect.txt", e2e_var()), *out;
    int rc = e2e_cli(arena_printf(e2e_arena(), "simulate --live --rate 8 --duration 25 --seed 1477 --company 2 --url '%s'"
                                  " --expect '%s'", getenv("SB_TEST_URL"), expect), &out);
    if (rc != 0) fail_msg("simulate exited %d:\n%s", rc, out);
    print_message("%s", out);
    assert_true(e2e_wait(settled, 120));

    /* kill -9 while the sink holds the answer to a mail of this day; then the worker comes back */
    assert_true(e2e_wait(ours_held, 60));
    db_param bo = db_int(before_outbox);
    const char *killed_row = e2e_scalar("SELECT MIN(id) FROM switchboard_mail_outbox WHERE id > ? AND status = 'sending'", &bo, 1);
    assert_non_null(killed_row);
    pid_t pid = e2e_pid_from(arena_printf(e2e_arena(), "%s/run/worker.pid", e2e_var()));
    assert_true(pid > 0);
    assert_int_equal(kill(pid, SIGKILL), 0);
    unlink(knob(".delay"));
    usleep(300000);
    assert_int_equal(e2e_stack("stop-worker", NULL), 0);
    assert_int_equal(e2e_stack("start-worker", WORKER_ENV), 0);
    assert_true(e2e_wait(day_delivered, 120));

    /* the batching rule: one alert at once, the items opening after it wait for the window (5 min) */
    batches_wanted = 1;
    assert_true(e2e_wait(alerts_composed, 30));
    assert_true(e2e_wait(day_delivered, 60));
    long long batches = alert_batches();
    long long waiting = unalerted_items();
    print_message("alert batches %lld, items waiting for the window %lld\n", batches, waiting);
    assert_int_equal(batches, 1);
    if (waiting) { /* the window ends (moved, not waited for): the next alert takes every waiting item */
        sql("UPDATE switchboard_mail_outbox SET created_at = created_at - INTERVAL 10 MINUTE WHERE company_id = 2"
            " AND kind = 'callback_alert'");
        batches_wanted = 2;
        assert_true(e2e_wait(alerts_composed, 30));
        assert_true(e2e_wait(day_delivered, 60));
        assert_int_equal(alert_batches(), 2);
        assert_int_equal(unalerted_items(), 0);
    }

    /* summaries: the simulation's calls, each with one summary per recipient, each in the sink once */
    const char *calls_at = strstr(out, " calls, ");
    assert_non_null(calls_at);
    while (calls_at > out && calls_at[-1] >= '0' && calls_at[-1] <= '9') calls_at--;
    long n_calls = atol(calls_at);
    assert_true(n_calls >= 5);
    db_param bc = db_int(before_call);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM calls WHERE id > ? AND company_id = 2", &bc, 1), n_calls);
    db_param pp[] = {db_int(before_call), db_int(before_outbox)};
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM switchboard_mail_outbox o JOIN calls c ON c.id = o.call_id"
                               " WHERE c.id > ? AND o.id > ? AND o.kind = 'call_summary'", pp, 2),
                     n_calls * RECIPIENTS);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM (SELECT o.call_id FROM switchboard_mail_outbox o JOIN calls c ON c.id = o.call_id"
                               " WHERE c.id > ? AND o.id > ? AND o.kind = 'call_summary' GROUP BY o.call_id"
                               " HAVING COUNT(DISTINCT o.recipient) = 2 AND SUM(o.recipient = '" BRANCH_RCPT "') = 1"
                               " AND SUM(o.recipient = '" OWNER_RCPT "') = 1) x", pp, 2),
                     n_calls);
    db_rows rows;
    static const char MAILS[] = "SELECT id, kind FROM switchboard_mail_outbox WHERE id > ? ORDER BY id";
    assert_int_equal(db_query(e2e_db(), e2e_arena(), MAILS, &bo, 1, &rows), 0);
    assert_true(rows.nrows >= (size_t)(n_calls * RECIPIENTS));
    /* every mail of the day once in the sink, the one killed mid-send too (its retry is the only copy) */
    const char **alert_text = arena_alloc(e2e_arena(), rows.nrows * sizeof *alert_text);
    size_t nalerts = 0;
    for (size_t i = 0; i < rows.nrows; i++) {
        const char *text = one_copy(db_cell(&rows, i, 0));
        if (!strcmp(db_cell(&rows, i, 1), "callback_alert") && strstr(text, "X-Sink-Rcpt-To: <" BRANCH_RCPT ">"))
            alert_text[nalerts++] = e2e_mail_part(text, "Content-Type: text/plain");
    }
    db_param kr = db_str(killed_row);
    assert_true(e2e_count("SELECT attempts FROM switchboard_mail_outbox WHERE id = ?", &kr, 1) >= 2);

    /* callback items: exactly the simulation's unmet wishes, each alerted in exactly one mail (per recipient) */
    FILE *f = fopen(expect, "r");
    assert_non_null(f);
    char line[256];
    long lines = 0, promised = 0, closed = 0;
    while (fgets(line, sizeof line, f)) {
        char call[64], reason[64], status[16];
        assert_int_equal(sscanf(line, "%63s %63s %15s", call, reason, status), 3);
        lines++;
        promised += !strcmp(reason, "callback_promised");
        db_param p = db_str(call);
        const char *got = e2e_scalar("SELECT CONCAT(call_id, ' ', reason, ' ', status, ' ', alerted_at IS NOT NULL)"
                                     " FROM switchboard_callbacks WHERE retell_call_id = ?", &p, 1);
        if (!got) fail_msg("call %s: no callback item (expected %s)", call, reason);
        char cid[32], r[64], st[16];
        int alerted = 0;
        assert_int_equal(sscanf(got, "%31s %63s %15s %d", cid, r, st, &alerted), 4);
        assert_string_equal(r, reason);
        if (strcmp(st, status)) fail_msg("call %s: item %s, the simulation expects %s", call, st, status);
        closed += !strcmp(status, "done");
        const char *tag = arena_printf(e2e_arena(), "Anruf #%s", cid);
        long in = 0;
        for (size_t m = 0; m < nalerts; m++)
            for (const char *q = alert_text[m]; q && (q = strstr(q, tag)); q++) in += !isdigit((unsigned char)q[strlen(tag)]);
        /* an item a later booking closed before its alert was composed is in none; every other in one */
        if (in != alerted) fail_msg("call %s: item in %ld alert mails, alerted %d", call, in, alerted);
    }
    fclose(f);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM switchboard_callbacks cb JOIN calls c ON c.id = cb.call_id WHERE c.id > ?", &bc, 1),
                     lines);
    assert_true(lines >= 1);
    assert_true(promised >= 1); /* Cal.com failed for at least one caller of the day */
    assert_true(closed >= 1);   /* and some callers booked online later, which closed their items */
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM switchboard_callbacks WHERE id > ? AND status = 'open' AND alerted_at IS NULL",
                               (db_param[]){db_int(before_item)}, 1), 0);
}

/* The monitor route and /metrics tell the outbox's numbers (D203), every label escaped */
static void the_outbox_numbers_are_on_the_monitor_and_metrics(void **state)
{
    (void)state;
    assert_true(e2e_wait(outbox_idle, 60));
    /* a row that waits (its attempt is a day away) and one of a hostile kind: the numbers must show both */
    sql("INSERT INTO switchboard_mail_outbox (kind, company_id, dedup_key, message_id, recipient, subject, message, status,"
        " next_attempt_at, created_at) VALUES ('call_summary', 2, CONCAT('test77:queued:', UUID()), '<q@test77>',"
        " 'q@example.com', 'q', 'q', 'failed', NOW(3) + INTERVAL 1 DAY, NOW(3) - INTERVAL 2 HOUR)");
    sql("INSERT INTO switchboard_mail_outbox (kind, company_id, dedup_key, message_id, recipient, subject, message, status,"
        " sent_at) VALUES ('HOSTILE\"}9,x=\"\\\\', 777, CONCAT('test77:hostile:', UUID()), '<h@test77>', 'h@example.com', 'h',"
        " 'h', 'sent', NOW(3))");
    const char *h[] = {arena_printf(e2e_arena(), "Authorization: Bearer %s", e2e_config()->monitor_token), NULL};
    e2e_response r = e2e_request("GET", "/api/webhooks/monitor", h, NULL, 0);
    assert_int_equal(r.status, 200);
    json_object *mail = json_get(r.json, "mail");
    assert_non_null(mail);
    static const char *const STATUSES[] = {"pending", "sending", "failed", "sent", "dead"};
    for (size_t i = 0; i < 5; i++) {
        db_param p = db_str(STATUSES[i]);
        int64_t v = -1;
        assert_true(json_get_int(json_get(mail, "by_status"), STATUSES[i], &v));
        if (v != e2e_count("SELECT COUNT(*) FROM switchboard_mail_outbox WHERE status = ?", &p, 1))
            fail_msg("monitor mail.by_status.%s = %lld", STATUSES[i], (long long)v);
    }
    int64_t queued = -1, sent = -1;
    assert_true(json_get_int(mail, "queued", &queued));
    assert_int_equal(queued, e2e_count("SELECT COUNT(*) FROM switchboard_mail_outbox WHERE status IN ('pending', 'sending', 'failed')",
                                       NULL, 0));
    assert_true(queued >= 1);
    json_object *oldest = json_get(mail, "oldest_queued_seconds");
    assert_non_null(oldest);
    double age = json_object_get_double(oldest);
    if (age < 7000 || age > 9000) fail_msg("oldest_queued_seconds %f, the row was queued two hours ago", age);
    assert_true(json_get_int(mail, "by_kind.callback_alert.sent", &sent));
    assert_int_equal(sent, e2e_count("SELECT COUNT(*) FROM switchboard_mail_outbox WHERE kind = 'callback_alert' AND status = 'sent'",
                                     NULL, 0));
    /* the tenant's view counts only its own rows (the hostile row is company 777's) */
    const char *out;
    assert_true(e2e_cli("monitor --company 2 --format json", &out) >= 0);
    json_object *mine = json_tokener_parse(out);
    assert_non_null(mine);
    int64_t own = -1;
    assert_true(json_get_int(json_get(mine, "mail"), "by_status.sent", &own));
    assert_int_equal(own, e2e_count("SELECT COUNT(*) FROM switchboard_mail_outbox WHERE status = 'sent' AND company_id = 2", NULL, 0));
    assert_null(strstr(out, "HOSTILE"));
    json_object_put(mine);

    r = e2e_request("GET", "/metrics", h, NULL, 0);
    assert_int_equal(r.status, 200);
    const char *want = arena_printf(e2e_arena(), "switchboard_mail_queued %lld\n", (long long)queued);
    assert_non_null(strstr(r.body, want));
    assert_non_null(strstr(r.body, "switchboard_mail_oldest_queued_seconds 7"));
    long long alerts = e2e_count("SELECT COUNT(*) FROM switchboard_mail_outbox WHERE kind = 'callback_alert' AND status = 'sent'", NULL, 0);
    assert_non_null(strstr(r.body, arena_printf(e2e_arena(), "switchboard_mail_outbox{kind=\"callback_alert\",status=\"sent\"} %lld\n",
                                                alerts)));
    assert_non_null(strstr(r.body, "switchboard_mail_outbox{kind=\"HOSTILE\\\"}9,x=\\\"\\\\\",status=\"sent\"} 1\n"));
    assert_null(strstr(r.body, "kind=\"HOSTILE\"}"));
    sql("DELETE FROM switchboard_mail_outbox WHERE dedup_key LIKE 'test77:%'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_simulated_day_mails_each_summary_and_alert_once),
        cmocka_unit_test(the_outbox_numbers_are_on_the_monitor_and_metrics),
    };
    return cmocka_run_group_tests_name("e2e_mail_day", tests, setup, teardown);
}
