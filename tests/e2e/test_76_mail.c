/* test_76_mail.c: call summaries and callback alerts reach the SMTP sink of the
 * test stack (tests/fake/smtp_sink.c, VAR/mail/), as Laravel's SendCallSummaryJob
 * sent them (recipients, transcript, CSV, immediate/hourly/daily), once each, also
 * when the worker is killed while the server holds its answer to DATA (DESIGN
 * D106-D115). A tenant of its own (company 760, its number +4922176000000), so the
 * settings changed here touch no other test. The worker runs with a 1 s summary
 * delay and 1 s retries; the original worker is restored at the end. */
#include "e2e.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COMPANY 760
#define BRANCH "76000000-0000-4000-8000-000000000076"
#define NUMBER "+4922176000000"
#define CALL_ID "call_9f2c41d7b8e34a6f8d12c07be5a91f3e"
#define EQ(actual, expected) assert_string_equal((actual) ? (actual) : "(null)", (expected))
#define WORKER_ENV "SWITCHBOARD_MAIL_SUMMARY_DELAY_SECONDS=1 SWITCHBOARD_MAIL_RETRY_BASE_SECONDS=1 SWITCHBOARD_SMTP_TIMEOUT_SECONDS=20"

static void sql(const char *q)
{
    if (db_exec(e2e_db(), q, NULL, 0, NULL, NULL) != 0) fail_msg("%s: %s", q, db_error(e2e_db()));
}

static void sql1(const char *q, db_param p)
{
    if (db_exec(e2e_db(), q, &p, 1, NULL, NULL) != 0) fail_msg("%s: %s", q, db_error(e2e_db()));
}

static void restart_worker(const char *env)
{
    assert_int_equal(e2e_stack("stop-worker", NULL), 0);
    assert_int_equal(e2e_stack("start-worker", env), 0);
}

static int setup(void **state)
{
    if (e2e_setup(state) != 0) return -1;
    const char *const seed[] = {
        "INSERT IGNORE INTO companies (id, name, email, is_active, active, slug, timezone, country, default_language,"
        " currency, retell_enabled, company_type, billing_status, billing_type, created_at, updated_at)"
        " VALUES (760, 'Salon Posteingang', 'info@posteingang.example', 1, 1, 'salon-posteingang', 'Europe/Berlin', 'DE',"
        " 'de', 'EUR', 1, 'client', 'active', 'prepaid', NOW(), NOW())",
        "INSERT IGNORE INTO branches (id, company_id, name, slug, city, country, phone_number, notification_email, active,"
        " is_active, calendar_mode, created_at, updated_at) VALUES ('" BRANCH "', 760, 'Posteingang Mitte',"
        " 'posteingang-mitte', 'Köln', 'Deutschland', '" NUMBER "', 'filiale@posteingang.example', 1, 1, 'inherit', NOW(), NOW())",
        "INSERT IGNORE INTO phone_numbers (id, company_id, branch_id, number, number_normalized, phone_number, country_code,"
        " type, description, is_active, is_primary, provider, created_at, updated_at) VALUES"
        " ('76000000-0000-4000-8000-0000000000aa', 760, '" BRANCH "', '" NUMBER "', '" NUMBER "', '" NUMBER "', '+49',"
        " 'direct', 'Mail-Test', 1, 1, 'retell', NOW(), NOW())",
    };
    for (size_t i = 0; i < sizeof seed / sizeof seed[0]; i++)
        if (db_exec(e2e_db(), seed[i], NULL, 0, NULL, NULL) != 0) {
            fprintf(stderr, "seed: %s\n", db_error(e2e_db()));
            return -1;
        }
    if (e2e_stack("stop-worker", NULL) != 0 || e2e_stack("start-worker", WORKER_ENV) != 0) return -1;
    return 0;
}

static int teardown(void **state)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/mail/.delay", e2e_var());
    unlink(p);
    snprintf(p, sizeof p, "%s/mail/.drop", e2e_var());
    unlink(p);
    e2e_stack("stop-worker", NULL);
    e2e_stack("start-worker", NULL);
    return e2e_teardown(state);
}

/* The company's summary settings (and the branch's), as Laravel's admin would set them. */
static void settings(const char *company_set, const char *branch_set)
{
    sql(arena_printf(e2e_arena(), "UPDATE companies SET %s WHERE id = 760", company_set));
    sql(arena_printf(e2e_arena(), "UPDATE branches SET %s WHERE id = '" BRANCH "'", branch_set));
}

static const char *defaults_company =
    "send_call_summaries = 1, include_transcript_in_summary = 0, include_csv_export = 0,"
    " summary_email_frequency = 'immediate', call_summary_recipients = NULL";
static const char *defaults_branch =
    "notification_email = 'filiale@posteingang.example', send_call_summaries = NULL, call_summary_recipients = NULL,"
    " include_transcript_in_summary = NULL, include_csv_export = NULL, summary_email_frequency = NULL,"
    " call_notification_overrides = NULL";

/* A call to the test tenant's number, ended a minute ago: call_ended, then call_analyzed
 * (the AI summary). Returns calls.id. */
static long long call(int analyzed)
{
    static int n;
    const char *id = arena_printf(e2e_arena(), "call_mail_%d_%d", (int)getpid(), ++n);
    long long now = e2e_now_ms();
    const char *names[] = {"webhook_call_ended", "webhook_call_analyzed"};
    for (int k = 0; k < 1 + analyzed; k++) {
        size_t len;
        const char *b = e2e_fixture(arena_printf(e2e_arena(), "retell/%s.json", names[k]), &len);
        b = e2e_replace(b, CALL_ID, id);
        b = e2e_replace(b, "+4922112345678", NUMBER);
        b = e2e_replace(b, "1773132067215", arena_printf(e2e_arena(), "%lld", now - 230000));
        b = e2e_replace(b, "1773132232904", arena_printf(e2e_arena(), "%lld", now - 60000));
        e2e_response r = e2e_post_signed("retell", "/api/webhooks/retell", b, strlen(b));
        if (r.status != 200) fail_msg("delivery answered %ld: %s", r.status, r.body);
        int64_t ev = 0;
        assert_true(json_get_int(r.json, "id", &ev));
        assert_true(e2e_wait_status((uint64_t)ev, "processed", 15));
    }
    db_param p = db_str(id);
    const char *cid = e2e_scalar("SELECT id FROM calls WHERE retell_call_id = ? AND company_id = 760", &p, 1);
    assert_non_null(cid);
    return atoll(cid);
}

static long long waited_call;
static const char *waited_state;
static int marker_in_state(void)
{
    db_param p[] = {db_int(waited_call), db_str(waited_state)};
    return e2e_count("SELECT COUNT(*) FROM switchboard_mail_calls WHERE call_id = ? AND state = ?", p, 2) == 1;
}
static void wait_marker(long long call_id, const char *state)
{
    waited_call = call_id;
    waited_state = state;
    if (!e2e_wait(marker_in_state, 20)) {
        db_param p = db_int(call_id);
        fail_msg("call %lld: marker %s, expected %s", call_id,
                 e2e_scalar("SELECT CONCAT(state, ' ', COALESCE(note, '')) FROM switchboard_mail_calls WHERE call_id = ?", &p, 1),
                 state);
    }
}

static const char *waited_where;
static long long waited_n;
static int outbox_sent(void)
{
    return e2e_count(arena_printf(e2e_arena(), "SELECT COUNT(*) FROM switchboard_mail_outbox WHERE status = 'sent' AND %s",
                                  waited_where), NULL, 0) >= waited_n;
}
static int outbox_failed_once(void)
{
    return e2e_count(arena_printf(e2e_arena(), "SELECT COUNT(*) FROM switchboard_mail_outbox WHERE %s", waited_where),
                     NULL, 0) >= 1;
}
/* wait until n outbox rows matching where are sent */
static void wait_sent(const char *where, long long n)
{
    waited_where = where;
    waited_n = n;
    if (!e2e_wait(outbox_sent, 30))
        fail_msg("outbox %s: %s", where,
                 e2e_scalar(arena_printf(e2e_arena(), "SELECT GROUP_CONCAT(CONCAT(id, ' ', status, ' ', attempts, ' ',"
                                         " COALESCE(last_error, ''))) FROM switchboard_mail_outbox WHERE %s", where), NULL, 0));
}

/* ---- the sink (e2e_sink_find) ---- */

static const char *text_of(const char *mail) { return e2e_mail_part(mail, "Content-Type: text/plain"); }

/* the first matching row's expr, "" when there is none (assertions fail, nothing crashes) */
static const char *outbox(const char *expr, const char *where)
{
    const char *v = e2e_scalar(arena_printf(e2e_arena(), "SELECT %s FROM switchboard_mail_outbox WHERE %s ORDER BY id LIMIT 1",
                                            expr, where), NULL, 0);
    return v ? v : "";
}

/* ---- tests ---- */

static void immediate_summary_goes_to_branch_and_company_recipients_once_each(void **state)
{
    (void)state;
    settings("send_call_summaries = 1, include_transcript_in_summary = 1, include_csv_export = 1,"
             " summary_email_frequency = 'immediate',"
             /* a duplicate of the branch's address (other case) and one that would add a header */
             " call_summary_recipients = '[\"chef@posteingang.example\", \"FILIALE@posteingang.example\","
             " \"evil@posteingang.example\\\\r\\\\nBcc: spy@elsewhere.example\"]'",
             defaults_branch);
    long long id = call(1);
    wait_marker(id, "mailed");
    const char *where = arena_printf(e2e_arena(), "call_id = %lld", id);
    wait_sent(where, 2);
    assert_int_equal(e2e_count(arena_printf(e2e_arena(), "SELECT COUNT(*) FROM switchboard_mail_outbox WHERE %s", where),
                               NULL, 0), 2);
    const char *rcpts[] = {"filiale@posteingang.example", "chef@posteingang.example"};
    for (int i = 0; i < 2; i++) {
        const char *w = arena_printf(e2e_arena(), "%s AND recipient = '%s'", where, rcpts[i]);
        const char *mid = outbox("message_id", w);
        assert_non_null(mid);
        e2e_mail m[4];
        /* once each in the sink, to the right envelope recipient */
        assert_int_equal(e2e_sink_find(arena_printf(e2e_arena(), "Message-ID: %s", mid), m, 4), 1);
        assert_non_null(strstr(m[0].text, arena_printf(e2e_arena(), "X-Sink-Rcpt-To: <%s>", rcpts[i])));
        assert_null(strstr(m[0].text, "spy@elsewhere"));
        const char *subject = outbox("subject", w);
        assert_non_null(strstr(subject, "Anrufzusammenfassung - "));
        assert_non_null(strstr(m[0].text, "\r\nSubject: Anrufzusammenfassung - Jonas Becker - "));
        const char *t = text_of(m[0].text);
        assert_non_null(t);
        assert_non_null(strstr(t, "Salon Posteingang"));
        assert_non_null(strstr(t, "Gesprächszusammenfassung"));
        assert_non_null(strstr(t, "Der Anrufer Jonas Becker hat einen Termin")); /* Retell's call_summary */
        assert_non_null(strstr(t, "Transkript"));
        assert_non_null(strstr(t, "Salon Haarmonie in Köln, guten Tag!"));
        assert_non_null(strstr(t, arena_printf(e2e_arena(), "/call?id=%lld", id)));
        /* the CSV attachment, legacy's columns, the call's row */
        assert_non_null(strstr(m[0].text, arena_printf(e2e_arena(), "filename=\"anruf_%lld_", id)));
        const char *csv = e2e_mail_part(m[0].text, "Content-Disposition: attachment");
        assert_non_null(csv);
        assert_non_null(strstr(csv, "\"ID\",\"Datum\",\"Uhrzeit\",\"Dauer (Sekunden)\""));
        assert_non_null(strstr(csv, arena_printf(e2e_arena(), "\r\n\"%lld\",", id)));
        assert_non_null(strstr(csv, "\"'+4917612345678\"")); /* a leading + cannot start a formula */
    }
}

static void switches_off_transcript_csv_and_summaries_per_branch(void **state)
{
    (void)state;
    /* the company has both on; the branch's call_notification_overrides turn them off (Laravel's keys) */
    settings("send_call_summaries = 1, include_transcript_in_summary = 1, include_csv_export = 1,"
             " summary_email_frequency = 'immediate', call_summary_recipients = NULL",
             "notification_email = 'filiale@posteingang.example', send_call_summaries = NULL,"
             " call_notification_overrides = '{\"include_transcript\": false, \"include_csv\": false}'");
    long long id = call(1);
    wait_marker(id, "mailed");
    const char *where = arena_printf(e2e_arena(), "call_id = %lld", id);
    wait_sent(where, 1);
    e2e_mail m[2];
    assert_int_equal(e2e_sink_find(arena_printf(e2e_arena(), "Message-ID: %s", outbox("message_id", where)), m, 2), 1);
    assert_null(strstr(m[0].text, "Content-Disposition: attachment"));
    const char *t = text_of(m[0].text);
    assert_non_null(t);
    assert_non_null(strstr(t, "Gesprächszusammenfassung"));
    assert_null(strstr(t, "Transkript"));
    assert_null(strstr(t, "guten Tag!"));

    /* the branch column switches summaries off although the company has them on */
    settings(defaults_company, "send_call_summaries = 0, notification_email = 'filiale@posteingang.example'");
    long long off = call(1);
    wait_marker(off, "skipped");
    /* and the company switch off: nothing either */
    settings("send_call_summaries = 0", defaults_branch);
    long long off2 = call(1);
    wait_marker(off2, "skipped");
    assert_int_equal(e2e_count(arena_printf(e2e_arena(), "SELECT COUNT(*) FROM switchboard_mail_outbox WHERE call_id IN (%lld, %lld)",
                                            off, off2), NULL, 0), 0);
    /* no recipient at all: skipped with the reason */
    settings(defaults_company, "notification_email = NULL");
    long long none = call(1);
    wait_marker(none, "skipped");
    db_param p = db_int(none);
    EQ(e2e_scalar("SELECT note FROM switchboard_mail_calls WHERE call_id = ?", &p, 1), "no recipient");
    settings(defaults_company, defaults_branch);
}

static void hourly_and_daily_summaries_come_as_one_digest(void **state)
{
    (void)state;
    const char *freqs[] = {"hourly", "daily"};
    const char *words[] = {"Stündliche", "Tägliche"};
    for (int f = 0; f < 2; f++) {
        /* hourly from the company's column; daily from the branch's override */
        if (f == 0) settings("send_call_summaries = 1, include_csv_export = 1, summary_email_frequency = 'hourly'",
                             defaults_branch);
        else settings("send_call_summaries = 1, include_csv_export = 1, summary_email_frequency = 'immediate'",
                      "call_notification_overrides = '{\"summary_email_frequency\": \"daily\"}'");
        long long a = call(1), b = call(1);
        wait_marker(a, "batched");
        wait_marker(b, "batched");
        db_param pa = db_int(a), pb = db_int(b);
        const char *key = e2e_scalar("SELECT digest_key FROM switchboard_mail_calls WHERE call_id = ?", &pa, 1);
        assert_non_null(key);
        EQ(e2e_scalar("SELECT digest_key FROM switchboard_mail_calls WHERE call_id = ?", &pb, 1), key);
        assert_int_equal(strncmp(key, freqs[f], strlen(freqs[f])), 0);
        /* nothing goes out before the period ends */
        assert_int_equal(e2e_count(arena_printf(e2e_arena(), "SELECT COUNT(*) FROM switchboard_mail_outbox WHERE call_id IN"
                                                " (%lld, %lld) OR dedup_key LIKE 'digest:%s%%'", a, b, key), NULL, 0), 0);
        /* the period ends (moved, not waited for) */
        sql1("UPDATE switchboard_mail_calls SET digest_at = NOW(3) WHERE digest_key = ?", db_str(key));
        wait_marker(a, "mailed");
        wait_marker(b, "mailed");
        wait_sent("kind = 'summary_digest' AND company_id = 760", f + 1);
        const char *w = arena_printf(e2e_arena(), "kind = 'summary_digest' AND company_id = 760 AND subject LIKE '%s%%'", words[f]);
        assert_int_equal(e2e_count(arena_printf(e2e_arena(), "SELECT COUNT(*) FROM switchboard_mail_outbox WHERE %s", w),
                                   NULL, 0), 1);
        assert_non_null(strstr(outbox("subject", w), "Salon Posteingang - 2 Anrufe"));
        e2e_mail m[2];
        assert_int_equal(e2e_sink_find(arena_printf(e2e_arena(), "Message-ID: %s", outbox("message_id", w)), m, 2), 1);
        assert_non_null(strstr(m[0].text, "\r\nSubject: =?UTF-8?B?")); /* "ü"/"ä": RFC 2047, never raw 8-bit */
        const char *t = text_of(m[0].text);
        assert_non_null(strstr(t, arena_printf(e2e_arena(), "Anruf-ID: #%lld", a)));
        assert_non_null(strstr(t, arena_printf(e2e_arena(), "Anruf-ID: #%lld", b)));
        assert_non_null(strstr(t, "Anrufe: 2"));
        const char *csv = e2e_mail_part(m[0].text, "Content-Disposition: attachment");
        assert_non_null(csv);
        assert_non_null(strstr(csv, arena_printf(e2e_arena(), "\r\n\"%lld\",", a)));
        assert_non_null(strstr(csv, arena_printf(e2e_arena(), "\r\n\"%lld\",", b)));
    }
    settings(defaults_company, defaults_branch);
}

static int alerted_count_is;
static int alerts_composed(void)
{
    return e2e_count("SELECT COUNT(*) FROM switchboard_mail_outbox WHERE kind = 'callback_alert' AND company_id = 760",
                     NULL, 0) == alerted_count_is;
}

static void callback_item(int n, const char *name)
{
    sql(arena_printf(e2e_arena(),
                     "INSERT INTO switchboard_callbacks (company_id, branch_id, call_id, caller_number, caller_name, reason,"
                     " wanted_service, wanted_at, failure) VALUES (760, '" BRANCH "', %d, '+491510000%04d', '%s',"
                     " 'booking_failed', 'Damenhaarschnitt', '2026-12-10 10:00', 'Cal.com nicht erreichbar')",
                     7600000 + (int)getpid() % 10000 * 10 + n, n, name));
}

static void callback_alerts_are_batched_per_company(void **state)
{
    (void)state;
    settings(defaults_company, defaults_branch);
    sql("UPDATE switchboard_callbacks SET alerted_at = NOW(3) WHERE company_id = 760");
    long long before = e2e_count("SELECT COUNT(*) FROM switchboard_mail_outbox WHERE kind = 'callback_alert' AND company_id = 760", NULL, 0);
    /* two items open together: one mail names both */
    callback_item(1, "Erika Muster");
    callback_item(2, "Max Beispiel");
    alerted_count_is = (int)before + 1;
    assert_true(e2e_wait(alerts_composed, 20));
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM switchboard_callbacks WHERE company_id = 760 AND alerted_at IS NULL", NULL, 0), 0);
    wait_sent("kind = 'callback_alert' AND company_id = 760", before + 1);
    const char *mid = e2e_scalar("SELECT message_id FROM switchboard_mail_outbox WHERE kind = 'callback_alert' AND company_id = 760"
                                 " ORDER BY id DESC LIMIT 1", NULL, 0);
    e2e_mail m[2];
    assert_int_equal(e2e_sink_find(arena_printf(e2e_arena(), "Message-ID: %s", mid), m, 2), 1);
    const char *t = text_of(m[0].text);
    assert_non_null(strstr(t, "Erika Muster"));
    assert_non_null(strstr(t, "Max Beispiel"));
    assert_non_null(strstr(t, "Buchung fehlgeschlagen"));
    assert_non_null(strstr(m[0].text, "X-Sink-Rcpt-To: <filiale@posteingang.example>"));
    /* a third item within the window waits: rounds pass (a summary is composed after it) without an alert */
    callback_item(3, "Nina Später");
    long long id = call(1);
    wait_marker(id, "mailed");
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM switchboard_mail_outbox WHERE kind = 'callback_alert' AND company_id = 760",
                               NULL, 0), before + 1);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM switchboard_callbacks WHERE company_id = 760 AND alerted_at IS NULL", NULL, 0), 1);
    /* the window ends (moved, not waited for): the next alert has only the new item */
    sql("UPDATE switchboard_mail_outbox SET created_at = NOW(3) - INTERVAL 10 MINUTE WHERE kind = 'callback_alert' AND company_id = 760");
    alerted_count_is = (int)before + 2;
    assert_true(e2e_wait(alerts_composed, 20));
    wait_sent("kind = 'callback_alert' AND company_id = 760", before + 2);
    mid = e2e_scalar("SELECT message_id FROM switchboard_mail_outbox WHERE kind = 'callback_alert' AND company_id = 760"
                     " ORDER BY id DESC LIMIT 1", NULL, 0);
    assert_int_equal(e2e_sink_find(arena_printf(e2e_arena(), "Message-ID: %s", mid), m, 2), 1);
    t = text_of(m[0].text);
    assert_non_null(strstr(t, "Nina Später"));
    assert_null(strstr(t, "Erika Muster"));
    /* no branch address and no company list: the company's own address gets it */
    settings(defaults_company, "notification_email = NULL");
    callback_item(4, "Olga Ohneadresse");
    sql("UPDATE switchboard_mail_outbox SET created_at = NOW(3) - INTERVAL 10 MINUTE WHERE kind = 'callback_alert' AND company_id = 760");
    alerted_count_is = (int)before + 3;
    assert_true(e2e_wait(alerts_composed, 20));
    EQ(e2e_scalar("SELECT recipient FROM switchboard_mail_outbox WHERE kind = 'callback_alert' AND company_id = 760"
                  " ORDER BY id DESC LIMIT 1", NULL, 0), "info@posteingang.example");
    settings(defaults_company, defaults_branch);
}

static const char *knob(const char *name) { return arena_printf(e2e_arena(), "%s/mail/%s", e2e_var(), name); }
static void knob_set(const char *name, const char *v)
{
    FILE *f = fopen(knob(name), "w");
    assert_non_null(f);
    fputs(v, f);
    fclose(f);
}
static int held(void) { return access(knob(".held"), F_OK) == 0; }
/* no mail of any test in flight: a knob set now acts on ours only */
static int outbox_idle(void)
{
    return e2e_count("SELECT COUNT(*) FROM switchboard_mail_outbox WHERE status NOT IN ('sent', 'dead')", NULL, 0) == 0;
}
static const char *held_where;
static int ours_held(void)
{
    return held() && !strcmp(outbox("status", held_where), "sending");
}

static void killed_mid_send_the_mail_arrives_once(void **state)
{
    (void)state;
    settings(defaults_company, defaults_branch);
    assert_true(e2e_wait(outbox_idle, 60));
    knob_set(".delay", "60"); /* the sink holds its answer to DATA */
    long long id = call(1);
    const char *where = arena_printf(e2e_arena(), "call_id = %lld", id);
    held_where = where;
    assert_true(e2e_wait(ours_held, 30));
    pid_t pid = e2e_pid_from(arena_printf(e2e_arena(), "%s/run/worker.pid", e2e_var()));
    assert_true(pid > 0);
    assert_int_equal(kill(pid, SIGKILL), 0);
    unlink(knob(".delay"));
    usleep(300000);
    restart_worker(WORKER_ENV);
    wait_sent(where, 1);
    assert_string_equal(outbox("attempts", where), "2");
    e2e_mail m[3];
    /* the killed attempt left nothing in the sink; the retry is the one copy */
    assert_int_equal(e2e_sink_find(arena_printf(e2e_arena(), "Message-ID: %s", outbox("message_id", where)), m, 3), 1);
}

static void a_lost_reply_is_resent_with_the_same_message_id(void **state)
{
    (void)state;
    settings(defaults_company, defaults_branch);
    assert_true(e2e_wait(outbox_idle, 60));
    knob_set(".drop", "1"); /* the sink stores, then closes without answering */
    long long id = call(1);
    const char *where = arena_printf(e2e_arena(), "call_id = %lld", id);
    waited_where = arena_printf(e2e_arena(), "%s AND attempts >= 1 AND status = 'failed'", where);
    assert_true(e2e_wait(outbox_failed_once, 30));
    unlink(knob(".drop"));
    wait_sent(where, 1);
    long long attempts = atoll(outbox("attempts", where));
    assert_true(attempts >= 2);
    /* at-least-once (D112): every attempt whose answer was lost is a copy, all with one Message-ID */
    e2e_mail m[16];
    assert_int_equal((long long)e2e_sink_find(arena_printf(e2e_arena(), "Message-ID: %s", outbox("message_id", where)), m, 16),
                     attempts);
}

static void a_refused_recipient_is_dead_the_others_sent(void **state)
{
    (void)state;
    settings("send_call_summaries = 1, include_csv_export = 0, call_summary_recipients = '[\"bounce@posteingang.example\"]'",
             defaults_branch);
    long long id = call(1);
    const char *where = arena_printf(e2e_arena(), "call_id = %lld", id);
    wait_sent(where, 1);
    waited_where = arena_printf(e2e_arena(), "%s AND status = 'dead'", where);
    assert_true(e2e_wait(outbox_failed_once, 30));
    const char *w = arena_printf(e2e_arena(), "%s AND recipient = 'bounce@posteingang.example'", where);
    assert_string_equal(outbox("status", w), "dead");
    assert_string_equal(outbox("attempts", w), "1");
    assert_non_null(strstr(outbox("last_error", w), "550"));
    settings(defaults_company, defaults_branch);
}

static void starttls_required_never_sends_in_clear(void **state)
{
    (void)state;
    settings(defaults_company, defaults_branch);
    /* the sink offers no STARTTLS: with smtp.starttls = 1 nothing may go out in plain text */
    restart_worker(WORKER_ENV " SWITCHBOARD_SMTP_STARTTLS=1");
    long long id = call(1);
    const char *where = arena_printf(e2e_arena(), "call_id = %lld", id);
    waited_where = arena_printf(e2e_arena(), "%s AND status = 'failed'", where);
    int failed = e2e_wait(outbox_failed_once, 30);
    const char *err = outbox("last_error", where), *mid = outbox("message_id", where);
    restart_worker(WORKER_ENV);
    assert_true(failed);
    assert_non_null(err);
    e2e_mail m[2];
    assert_int_equal(e2e_sink_find(arena_printf(e2e_arena(), "Message-ID: %s", mid), m, 2), 0);
    /* without the requirement the same mail goes out, once */
    wait_sent(where, 1);
    assert_int_equal(e2e_sink_find(arena_printf(e2e_arena(), "Message-ID: %s", mid), m, 2), 1);
}

static int old_rows_gone(void)
{
    return e2e_count("SELECT COUNT(*) FROM switchboard_mail_outbox WHERE dedup_key LIKE 'test76-old:%'", NULL, 0) == 1;
}

static void sent_mails_are_kept_keep_days_then_deleted(void **state)
{
    (void)state;
    const char *key = arena_printf(e2e_arena(), "test76-old:%d", (int)getpid());
    const char *ins = "INSERT INTO switchboard_mail_outbox (kind, company_id, dedup_key, message_id, recipient, subject, message,"
                      " status, sent_at, created_at, updated_at) VALUES ('call_summary', 760, ?, '<old@x>', 'a@b.de', 's', 'm',"
                      " 'sent', NOW(), NOW() - INTERVAL ? DAY, NOW() - INTERVAL ? DAY)";
    /* one a day past mail.keep_days (90), one a day inside it */
    db_param p[] = {db_str(arena_printf(e2e_arena(), "%s:a", key)), db_int(91), db_int(91)};
    assert_int_equal(db_exec(e2e_db(), ins, p, 3, NULL, NULL), 0);
    db_param q[] = {db_str(arena_printf(e2e_arena(), "%s:b", key)), db_int(89), db_int(89)};
    assert_int_equal(db_exec(e2e_db(), ins, q, 3, NULL, NULL), 0);
    restart_worker(WORKER_ENV); /* the mail thread prunes at its start, then hourly */
    assert_true(e2e_wait(old_rows_gone, 20));
    db_param k = db_str(arena_printf(e2e_arena(), "%s:b", key));
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM switchboard_mail_outbox WHERE dedup_key = ?", &k, 1), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(immediate_summary_goes_to_branch_and_company_recipients_once_each),
        cmocka_unit_test(switches_off_transcript_csv_and_summaries_per_branch),
        cmocka_unit_test(hourly_and_daily_summaries_come_as_one_digest),
        cmocka_unit_test(callback_alerts_are_batched_per_company),
        cmocka_unit_test(killed_mid_send_the_mail_arrives_once),
        cmocka_unit_test(a_lost_reply_is_resent_with_the_same_message_id),
        cmocka_unit_test(a_refused_recipient_is_dead_the_others_sent),
        cmocka_unit_test(starttls_required_never_sends_in_clear),
        cmocka_unit_test(sent_mails_are_kept_keep_days_then_deleted),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
