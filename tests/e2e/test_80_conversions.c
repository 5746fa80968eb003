/* test_80_conversions.c: the linker rules and every metric, on generated data
 * with known answers (1,000 calls of which exactly 237 convert). */
#include "e2e.h"

#include "conversions.h"
#include "daily_stats.h"
#include "linker.h"
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EQ(actual, expected) assert_string_equal((actual) ? (actual) : "(null)", (expected))

static void sql(const char *q)
{
    if (db_exec(e2e_db(), q, NULL, 0, NULL, NULL) != 0) fail_msg("%s\n-> %s", q, db_error(e2e_db()));
}

/* ---- the generated tenant (company 20) ----
 * calls i = 1..1000 by caller +49151<i>, started (base + i s: now - 6 h, or yesterday 14:00 Berlin), 60 s long,
 *   except i % 20 == 0: unanswered (0 s). Answered calls mention "Termin".
 * customers: i <= 900 known (linked to their call), 901..950 legacy placeholders, rest none.
 * A: odd i <= 400: appointment booked during the call (call_id set, source phone)       -> 200
 * B: i = 417 + 16k (<= 1000): web booking by the caller 30 min after the call        -> 37
 * C: i = 419 + 16k: web booking by the caller 3 h after the call (outside the window) -> not linked
 * D: 10 web bookings by people who never called
 * webhooks: 40 Cal.com BOOKING_CREATED events, 30 processed with an appointment, 10 dead. */
static long long n_c(void)
{
    long long n = 0;
    for (int i = 419; i <= 1000; i += 16) n++;
    return n;
}

static int generate(void **state)
{
    if (e2e_setup(state) != 0) return -1;
    sql("INSERT IGNORE INTO companies (id, name, slug, timezone, is_active, created_at, updated_at)"
        " VALUES (20, 'Generated Salon', 'generated-salon', 'Europe/Berlin', 1, NOW(), NOW()),"
        "        (21, 'Other Salon', 'other-salon', 'Europe/Berlin', 1, NOW(), NOW()),"
        "        (22, 'Rules Salon', 'rules-salon', 'Europe/Berlin', 1, NOW(), NOW())");
    sql("INSERT IGNORE INTO services (id, company_id, name, duration_minutes, price, is_active, calcom_event_type_id, created_at, updated_at)"
        " VALUES (2001, 20, 'Schnitt', 30, 50.00, 1, '7700001', NOW(), NOW())");
    sql("INSERT IGNORE INTO retell_agents (agent_id, name, company_id, created_at, updated_at)"
        " VALUES ('agent_gen', 'Generierte Agentin', 20, NOW(), NOW())");
    /* the whole story (the calls, then bookings up to 3 h 20 min later) on one Berlin day: visitors are
     * customer-days, and a story across Berlin's midnight counted its C bookers twice (every_metric_...
     * failed from 02:50 Berlin until the calls crossed too, in the code before this round as well).
     * 6 h ago when that is after 00:30 Berlin, else yesterday 14:00 Berlin (within the report's 24 h). */
    db_param day[] = {db_str(e2e_berlin_utc(0, 6, 30)), db_str(e2e_berlin_utc(-1, 14, 0))};
    assert_int_equal(db_exec(e2e_db(), "SET @base = IF(NOW() >= REPLACE(?, 'T', ' '), NOW() - INTERVAL 6 HOUR, REPLACE(?, 'T', ' '))",
                             day, 2, NULL, NULL), 0);
    sql("INSERT INTO customers (id, company_id, name, phone, source, status, customer_type, created_at, updated_at)"
        " SELECT 100000 + seq, 20, IF(seq <= 900, CONCAT('Kunde ', seq), CONCAT('Unbekannt #', seq)),"
        " CONCAT('+49151', LPAD(seq, 7, '0')), 'test', 'active', IF(seq <= 900, 'private', 'unknown'), NOW(), NOW()"
        " FROM seq_1_to_950");
    sql("INSERT INTO calls (retell_call_id, company_id, from_number, to_number, direction, status, call_status,"
        " retell_agent_id, start_timestamp, end_timestamp, duration_sec, duration_ms, transcript, customer_id, cost_cents,"
        " created_at, updated_at)"
        " SELECT CONCAT('call_gen_', seq), 20, CONCAT('+49151', LPAD(seq, 7, '0')), '+4930200000000', 'inbound', 'completed', 'ended',"
        " 'agent_gen', @base + INTERVAL seq SECOND, @base + INTERVAL seq SECOND + INTERVAL IF(seq % 20 = 0, 0, 60) SECOND,"
        " IF(seq % 20 = 0, 0, 60), IF(seq % 20 = 0, 0, 60000),"
        " IF(seq % 20 = 0, NULL, 'Agent: Guten Tag! User: Ich hätte gern einen Termin.'), IF(seq <= 950, 100000 + seq, NULL),"
        " 10, @base + INTERVAL seq SECOND, NOW() FROM seq_1_to_1000");
    /* A: booked during the call */
    sql("INSERT INTO appointments (company_id, customer_id, service_id, starts_at, ends_at, status, source, call_id, created_at, updated_at)"
        " SELECT 20, 100000 + seq, 2001, NOW() + INTERVAL 2 DAY, NOW() + INTERVAL 2 DAY + INTERVAL 30 MINUTE, 'confirmed', 'phone',"
        " c.id, @base + INTERVAL seq SECOND + INTERVAL 30 SECOND, NOW() FROM seq_1_to_400 s JOIN calls c ON c.retell_call_id ="
        " CONCAT('call_gen_', s.seq) WHERE s.seq % 2 = 1");
    /* customers 951.. have no customer row: give B/C bookers above 950 one (same phone), so the phone rule applies */
    sql("INSERT INTO customers (id, company_id, name, phone, source, status, created_at, updated_at)"
        " SELECT 100000 + seq, 20, CONCAT('Webkunde ', seq), CONCAT('+49151', LPAD(seq, 7, '0')), 'cal.com', 'active', NOW(), NOW()"
        " FROM seq_951_to_1000 WHERE seq % 16 IN (1, 3)");
    /* B and C: web bookings by callers, 30 min and 3 h after the call ended */
    sql("INSERT INTO appointments (company_id, customer_id, service_id, starts_at, ends_at, status, source, created_at, updated_at)"
        " SELECT 20, 100000 + seq, 2001, NOW() + INTERVAL 3 DAY, NOW() + INTERVAL 3 DAY + INTERVAL 30 MINUTE, 'confirmed', 'cal.com',"
        " @base + INTERVAL seq SECOND + INTERVAL 60 SECOND + INTERVAL IF(seq % 16 = 1, 30, 180) MINUTE, NOW()"
        " FROM seq_417_to_1000 WHERE seq % 16 IN (1, 3)");
    /* D: web bookings of people who never called */
    sql("INSERT INTO customers (id, company_id, name, phone, source, status, created_at, updated_at)"
        " SELECT 200000 + seq, 20, CONCAT('Neukunde ', seq), CONCAT('+49160', LPAD(seq, 7, '0')), 'cal.com', 'active', NOW(), NOW()"
        " FROM seq_1_to_10");
    sql("INSERT INTO appointments (company_id, customer_id, service_id, starts_at, ends_at, status, source, created_at, updated_at)"
        " SELECT 20, 200000 + seq, 2001, NOW() + INTERVAL 4 DAY, NOW() + INTERVAL 4 DAY, 'confirmed', 'cal.com',"
        " @base + INTERVAL seq MINUTE, NOW() FROM seq_1_to_10");
    /* web booking events as the pipeline leaves them */
    sql("INSERT INTO webhook_events (provider, company_id, event_type, event_id, idempotency_key, payload, status, notes,"
        " received_at, created_at, updated_at)"
        " SELECT 'calcom', 20, 'BOOKING_CREATED', CONCAT('gen-', seq), CONCAT('calcom:BOOKING_CREATED:gen-', seq), '{}',"
        " IF(seq <= 30, 'processed', 'dead'), IF(seq <= 30, CONCAT('App\\\\Models\\\\Appointment:', seq, ' created'), NULL),"
        " NOW() - INTERVAL 1 HOUR, NOW(), NOW() FROM seq_1_to_40");
    return 0;
}

static void linker_links_exactly_the_known_conversions(void **state)
{
    (void)state;
    const char *out;
    int rc = e2e_cli("detect-conversions --hours 24 --company 20", &out); /* report only */
    if (rc) fail_msg("%s", out);
    assert_non_null(strstr(out, "calls that would be linked   237"));
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM calls WHERE company_id = 20 AND appointment_made = 1", NULL, 0), 0);
    rc = e2e_cli("detect-conversions --hours 24 --company 20 --auto-link", &out);
    if (rc) fail_msg("%s", out);
    assert_non_null(strstr(out, "calls linked                 237"));
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM calls WHERE company_id = 20 AND appointment_made = 1"
                               " AND JSON_VALUE(linking_metadata, '$.method') = 'booked_during_call'", NULL, 0), 200);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM calls WHERE company_id = 20 AND appointment_made = 1"
                               " AND JSON_VALUE(linking_metadata, '$.method') = 'phone_match'", NULL, 0), 37);
    /* rule b: the web booking got the call; confidence by distance (30 of 120 min -> 95 - 6) */
    EQ(e2e_scalar("SELECT CONCAT(JSON_VALUE(c.linking_metadata, '$.confidence'), '/', JSON_VALUE(c.linking_metadata,"
                  " '$.distance_minutes'), '/', a.source) FROM calls c JOIN appointments a ON a.id = c.converted_appointment_id"
                  " WHERE c.retell_call_id = 'call_gen_417'", NULL, 0), "89/30/cal.com");
    EQ(e2e_scalar("SELECT a.call_id = c.id FROM calls c JOIN appointments a ON a.id = c.converted_appointment_id"
                  " WHERE c.retell_call_id = 'call_gen_417'", NULL, 0), "1");
    /* C (3 h later) stays unlinked */
    EQ(e2e_scalar("SELECT appointment_made FROM calls WHERE retell_call_id = 'call_gen_419'", NULL, 0), "0");
    /* a rerun changes nothing */
    rc = e2e_cli("detect-conversions --hours 24 --company 20 --auto-link", &out);
    assert_non_null(strstr(out, "calls linked                 0"));
}

static double jnum(json_object *o, const char *path)
{
    json_object *v = json_get(o, path);
    if (!v) fail_msg("report lacks %s", path);
    return json_object_get_double(v);
}

static void every_metric_has_its_known_value(void **state)
{
    (void)state;
    const char *out;
    int rc = e2e_cli("report --company 20 --days 1 --format json", &out);
    if (rc) fail_msg("%s", out);
    char err[128];
    json_object *r = json_parse_strict(out, strlen(out), err, sizeof err);
    if (!r) fail_msg("report is not JSON (%s): %s", err, out);
    long long c = n_c();
    assert_int_equal((long long)jnum(r, "calls"), 1000);
    assert_int_equal((long long)jnum(r, "answered_calls"), 950);
    assert_int_equal((long long)jnum(r, "phone_booked_calls"), 237);
    assert_true(jnum(r, "phone_booking_rate") == 24.94);           /* 237 / 950 */
    assert_int_equal((long long)jnum(r, "phone_influenced_calls"), 37);
    assert_int_equal((long long)jnum(r, "web_booking_events"), 40);
    assert_true(jnum(r, "web_booking_success") == 75.0);           /* 30 / 40 */
    assert_int_equal((long long)jnum(r, "matched_calls"), 855);    /* known customers of answered calls */
    assert_true(jnum(r, "customer_match_rate") == 90.0);           /* 855 / 950, placeholders excluded */
    /* visitors: 950 callers with a customer + web bookers without a call (B/C callers above 950: one each, D: 10) */
    long long web_only = 10;
    for (int i = 951; i <= 1000; i++)
        if (i >= 417 && (i % 16 == 1 || i % 16 == 3)) web_only++;
    long long visitors = 950 + web_only;
    long long converted = 200 + 37 + c + 10; /* A, B, C and D customers each have an appointment */
    assert_int_equal((long long)jnum(r, "visitors"), visitors);
    assert_int_equal((long long)jnum(r, "converted_visitors"), converted);
    assert_int_equal((long long)jnum(r, "attribution.phone_booked"), 200);
    assert_int_equal((long long)jnum(r, "attribution.phone_influenced"), 37);
    assert_int_equal((long long)jnum(r, "attribution.web"), c + 10);
    assert_int_equal((long long)jnum(r, "attribution.other"), 0);
    assert_true(jnum(r, "minutes_to_booking.median") == 0.0);      /* 200 booked during the call */
    assert_true(jnum(r, "minutes_to_booking.p90") == 30.0);        /* the 37 web bookings after 30 min */
    assert_true(jnum(r, "roi.phone.value_eur") == 237 * 50.0);
    /* 1000 calls x 10 US cents, no EUR figure from Laravel: converted at money.usd_eur_rate 0.92 (D169) */
    assert_true(jnum(r, "roi.phone.cost_eur") == 92.0);
    assert_true(jnum(r, "roi.phone.roi") == 128.8);                /* 11850 / 92 */
    assert_true(jnum(r, "roi.web.value_eur") == (double)(c + 10) * 50.0);
    assert_null(json_get(r, "roi.web.roi")); /* no web cost configured: no ROI, not infinity */
    assert_int_equal((long long)jnum(r, "agents.0.calls"), 1000);
    assert_int_equal((long long)jnum(r, "agents.0.booked"), 237);
    assert_true(jnum(r, "agents.0.cost_per_booking_eur") == 0.39); /* 92 / 237 */
    json_object_put(r);
    rc = e2e_cli("report --company 20 --days 1", &out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "24.94 %"));
    rc = e2e_cli("report --company 20 --days 1 --format csv", &out);
    assert_non_null(strstr(out, "phone_booking_rate,24.94,237,950"));
}

/* company 22: the edge rules, one by one */
/* Every row of the company's calls and appointments, every column but updated_at, as one
 * comparable text (the linker's undo must restore all of it, not the columns a test names). */
static const char *snapshot(const char *table, long long company)
{
    db_param t = db_str(table);
    const char *cols = e2e_scalar("SELECT GROUP_CONCAT(CONCAT('COALESCE(`', COLUMN_NAME, '`, ''~'')') ORDER BY ORDINAL_POSITION)"
                                  " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?"
                                  " AND COLUMN_NAME <> 'updated_at'", &t, 1);
    assert_non_null(cols);
    db_param c = db_int(company);
    const char *snap = e2e_scalar(arena_printf(e2e_arena(), "SELECT CONCAT(COUNT(*), ' rows\n', COALESCE(GROUP_CONCAT(CONCAT_WS('|', %s)"
                                               " ORDER BY id SEPARATOR '\n'), '')) FROM %s WHERE company_id = ?", cols, table),
                                  &c, 1);
    assert_non_null(snap);
    return snap;
}

static void rules_tenant_stealing_cancelling_and_undo(void **state)
{
    (void)state;
    sql("SET @t = NOW() - INTERVAL 2 HOUR");
    sql("INSERT INTO customers (id, company_id, name, phone, source, status, created_at, updated_at) VALUES"
        " (300001, 22, 'Rita Regel', '017111111111', 'cal.com', 'active', NOW(), NOW()),"
        " (300002, 21, 'Rita Fremd', '+4917111111111', 'cal.com', 'active', NOW(), NOW()),"
        " (300003, 22, 'Otto Ohne', '+4917133333333', 'cal.com', 'active', NOW(), NOW())");
    /* X: intent, phone of Rita; Z: another tenant's customer with the same phone, nearer in time */
    sql("INSERT INTO calls (retell_call_id, company_id, from_number, status, start_timestamp, end_timestamp, duration_sec,"
        " transcript, created_at, updated_at) VALUES"
        " ('call_rule_x', 22, '+4917111111111', 'completed', @t, @t + INTERVAL 2 MINUTE, 120, 'Ich möchte buchen.', @t, NOW()),"
        " ('call_rule_v', 22, '+4917111111111', 'completed', @t - INTERVAL 1 HOUR, @t - INTERVAL 58 MINUTE, 120, 'Termin', @t - INTERVAL 1 HOUR, NOW()),"
        " ('call_rule_n', 22, '+4917133333333', 'completed', @t, @t + INTERVAL 1 MINUTE, 60, 'Nur eine Frage zu den Preisen.', @t, NOW())");
    sql("INSERT INTO appointments (id, company_id, customer_id, status, source, created_at, updated_at) VALUES"
        " (900001, 21, 300002, 'confirmed', 'cal.com', @t + INTERVAL 5 MINUTE, NOW()),"
        " (900002, 22, 300001, 'confirmed', 'cal.com', @t + INTERVAL 40 MINUTE, NOW()),"
        " (900003, 22, 300001, 'confirmed', 'cal.com', @t + INTERVAL 20 MINUTE, NOW()),"
        " (900004, 22, 300003, 'confirmed', 'cal.com', @t + INTERVAL 10 MINUTE, NOW())");
    /* 900003 was already linked to call V by hand: not to be stolen */
    sql("UPDATE appointments SET call_id = (SELECT id FROM calls WHERE retell_call_id = 'call_rule_v') WHERE id = 900003");
    sql("SET SESSION group_concat_max_len = 1048576");
    const char *calls_before = snapshot("calls", 22), *appts_before = snapshot("appointments", 22);
    const char *other_calls = snapshot("calls", 21), *other_appts = snapshot("appointments", 21);
    const char *out;
    int rc = e2e_cli("detect-conversions --hours 24 --company 22 --auto-link", &out);
    if (rc) fail_msg("%s", out);
    const char *run = strstr(out, "--undo ");
    assert_non_null(run);
    long long run_id = atoll(run + 7);
    /* X got its own tenant's nearest free appointment: not 900001 (other tenant), not 900003 (taken) */
    EQ(e2e_scalar("SELECT converted_appointment_id FROM calls WHERE retell_call_id = 'call_rule_x'", NULL, 0), "900002");
    EQ(e2e_scalar("SELECT call_id IS NULL FROM appointments WHERE id = 900001", NULL, 0), "1");
    EQ(e2e_scalar("SELECT call_id = (SELECT id FROM calls WHERE retell_call_id = 'call_rule_v') FROM appointments WHERE id = 900003",
                  NULL, 0), "1");
    /* V is the call 900003 belongs to (rule a), so it is marked converted too */
    EQ(e2e_scalar("SELECT converted_appointment_id FROM calls WHERE retell_call_id = 'call_rule_v'", NULL, 0), "900003");
    /* N showed no booking intent */
    EQ(e2e_scalar("SELECT appointment_made FROM calls WHERE retell_call_id = 'call_rule_n'", NULL, 0), "0");
    /* the audit trail has the appointment side */
    assert_true(e2e_count("SELECT COUNT(*) FROM switchboard_audit WHERE table_name = 'appointments' AND row_id = 900002"
                          " AND cause LIKE 'detect-conversions run %'", NULL, 0) == 1);
    /* a cancelled appointment withdraws the conversion of its call */
    sql("UPDATE appointments SET status = 'cancelled' WHERE id = 900002");
    rc = e2e_cli("detect-conversions --hours 24 --company 22 --auto-link", &out);
    EQ(e2e_scalar("SELECT CONCAT(appointment_made, '/', COALESCE(converted_appointment_id, 'null'), '/', appointment_link_status)"
                  " FROM calls WHERE retell_call_id = 'call_rule_x'", NULL, 0), "0/null/unlinked");
    /* undo the first run: back to before it, exactly */
    sql("UPDATE appointments SET status = 'confirmed' WHERE id = 900002");
    rc = e2e_cli(arena_printf(e2e_arena(), "detect-conversions --undo %lld", run_id), &out);
    if (rc) fail_msg("%s", out);
    /* the whole company as before the run (the hand-made link of 900003 included), after a later
     * run that changed what this one linked; the other tenant untouched throughout */
    assert_string_equal(snapshot("calls", 22), calls_before);
    assert_string_equal(snapshot("appointments", 22), appts_before);
    assert_string_equal(snapshot("calls", 21), other_calls);
    assert_string_equal(snapshot("appointments", 21), other_appts);
    EQ(e2e_scalar("SELECT call_id IS NULL FROM appointments WHERE id = 900002", NULL, 0), "1");
    EQ(e2e_scalar("SELECT CONCAT(appointment_made, '/', COALESCE(converted_appointment_id, 'null'))"
                  " FROM calls WHERE retell_call_id = 'call_rule_v'", NULL, 0), "0/null");
    rc = e2e_cli(arena_printf(e2e_arena(), "detect-conversions --undo %lld", run_id), &out);
    assert_int_equal(rc, 1); /* twice is refused */
    assert_non_null(strstr(out, "undone already"));
}

/* The dashboard's daily aggregates count what the live report counts: over
 * yesterday and today (which hold all of company 20), after `stats --rebuild`
 * (the rows were written with SQL, which notes no day) every figure agrees. */
static void daily_aggregates_agree_with_the_live_report(void **state)
{
    (void)state;
    const char *out;
    int rc = e2e_cli("stats --rebuild --company 20 --days 3", &out);
    if (rc) fail_msg("%s", out);
    assert_non_null(strstr(out, "0 day(s) waiting"));
    arena *a = e2e_arena();
    long long since = atoll(e2e_scalar("SELECT UNIX_TIMESTAMP(CURDATE() - INTERVAL 1 DAY)", NULL, 0));
    long long until = atoll(e2e_scalar("SELECT UNIX_TIMESTAMP(CURDATE() + INTERVAL 1 DAY)", NULL, 0));
    conversion_report live, daily;
    assert_int_equal(conversions_compute(e2e_db(), a, e2e_config(), 20, since, until, &live), 0);
    assert_int_equal(daily_stats_report(e2e_db(), a, e2e_config(), 20, NULL, 2, 0, &daily), 0);
    assert_int_equal(daily.calls, 1000);
    assert_int_equal(daily.calls, live.calls);
    assert_int_equal(daily.answered, live.answered);
    assert_int_equal(daily.phone_booked_calls, live.phone_booked_calls);
    assert_int_equal(daily.phone_influenced_calls, live.phone_influenced_calls);
    assert_int_equal(daily.matched_calls, live.matched_calls);
    assert_int_equal(daily.web_events, live.web_events);
    assert_int_equal(daily.web_events_ok, live.web_events_ok);
    assert_int_equal(daily.appt_phone_booked, live.appt_phone_booked);
    assert_int_equal(daily.appt_phone_influenced, live.appt_phone_influenced);
    assert_int_equal(daily.appt_web, live.appt_web);
    assert_int_equal(daily.appt_other, live.appt_other);
    assert_true(daily.phone_value_eur == live.phone_value_eur && daily.web_value_eur == live.web_value_eur);
    /* EUR cents are stored whole per day, branch and agent: at most half a cent apart per such row */
    if (!(daily.phone_cost_eur > live.phone_cost_eur - 0.05 && daily.phone_cost_eur < live.phone_cost_eur + 0.05))
        fail_msg("phone cost: daily %.4f, live %.4f", daily.phone_cost_eur, live.phone_cost_eur);
    assert_true(daily.minutes_to_booking_median == live.minutes_to_booking_median); /* 0 and 30 whole minutes */
    assert_true(daily.minutes_to_booking_p90 == live.minutes_to_booking_p90);
    assert_int_equal(daily.nagents, live.nagents);
    assert_int_equal(daily.agents[0].calls, live.agents[0].calls);
    assert_int_equal(daily.agents[0].booked, live.agents[0].booked);
    /* customer-days: equal to the distinct customers when the 6 generated hours fall on one day */
    if (!strcmp(e2e_scalar("SELECT DATE(MIN(created_at)) = DATE(MAX(created_at)) FROM calls WHERE company_id = 20", NULL, 0), "1")) {
        assert_int_equal(daily.visitors, live.visitors);
        assert_int_equal(daily.converted_visitors, live.converted_visitors);
    } else {
        assert_true(daily.visitors >= live.visitors);
    }
    /* a noted day is recomputed (by us or by the stack's worker, whichever claims it first) */
    sql("UPDATE calls SET cost_cents = 20 WHERE company_id = 20 AND retell_call_id = 'call_gen_1'");
    /* noted as an instant: the company's local day of it (D166) */
    assert_int_equal(daily_stats_note_query(e2e_db(), a, "SELECT company_id, UNIX_TIMESTAMP(created_at) FROM calls"
                                                         " WHERE retell_call_id = 'call_gen_1'", NULL, 0), 0);
    assert_int_equal(daily_stats_flush(e2e_db()), 0);
    for (int i = 0; i < 50; i++, usleep(100000)) {
        assert_true(daily_stats_refresh(e2e_db(), a, 20, 10) >= 0);
        assert_int_equal(daily_stats_report(e2e_db(), a, e2e_config(), 20, NULL, 2, 0, &daily), 0);
        if (daily.phone_cost_eur > live.phone_cost_eur) break;
    }
    /* +10 US cents at 0.92: +0.092 EUR, give or take the whole cents the day stores */
    assert_true(daily.phone_cost_eur - live.phone_cost_eur > 0.08 && daily.phone_cost_eur - live.phone_cost_eur < 0.105);
    /* aggregates of another definition (an upgrade changed a metric) are recomputed, once */
    sql("REPLACE INTO switchboard_stats_definition (id, digest) VALUES (1, 'older-definition')");
    assert_int_equal(daily_stats_check_definition(e2e_db(), a), 1);
    assert_true(strcmp(e2e_scalar("SELECT digest FROM switchboard_stats_definition WHERE id = 1", NULL, 0), "older-definition") != 0);
    assert_int_equal(daily_stats_check_definition(e2e_db(), a), 0);
}

/* A second tenant (company 23) whose callers cross the Berlin day boundary inside one UTC day
 * (P calls at 23:50 and 00:10 Berlin = 22:50 and 23:10 UTC, in winter and summer alike one
 * UTC day): the daily aggregates and the live report both cut the company's local days
 * (D166, D206) and agree in every figure, with the expected values known from the data: P
 * counts on two Berlin days (4 customer-days; a report cutting UTC days would say 3). */
static void daily_aggregates_agree_for_a_second_tenant_across_the_berlin_midnight(void **state)
{
    (void)state;
    sql("INSERT IGNORE INTO companies (id, name, slug, timezone, is_active, created_at, updated_at)"
        " VALUES (23, 'Boundary Salon', 'boundary-salon', 'Europe/Berlin', 1, NOW(), NOW())");
    sql("INSERT INTO customers (id, company_id, name, phone, source, status, created_at, updated_at) VALUES"
        " (400001, 23, 'Paula Grenze', '+4917240000001', 'test', 'active', NOW(), NOW()),"
        " (400002, 23, 'Quirin Grenze', '+4917240000002', 'test', 'active', NOW(), NOW()),"
        " (400003, 23, 'Rosa Grenze', '+4917240000003', 'test', 'active', NOW(), NOW())");
    /* the day before yesterday (Berlin): R at 13:00; P at 23:50 and, the next Berlin day, 00:10; Q at 00:20.
     * Placed on Berlin's days, not UTC's: the aggregates' last 3 days are Berlin's, and between Berlin's
     * midnight and UTC's (22:00/23:00-24:00 UTC) the two dates differ (the SANITIZE=1 run at 23:04 UTC
     * failed on the UTC placement) */
    const char *at[4] = {e2e_berlin_utc(-2, 23, 50), e2e_berlin_utc(-1, 0, 10), e2e_berlin_utc(-1, 0, 20),
                         e2e_berlin_utc(-2, 13, 0)};
    db_param ap[] = {db_str(at[0]), db_str(at[1]), db_str(at[2]), db_str(at[3])};
    assert_int_equal(db_exec(e2e_db(), "INSERT INTO calls (retell_call_id, company_id, from_number, status, retell_agent_id,"
        " duration_sec, customer_id, cost_cents, created_at, updated_at) VALUES"
        " ('call_edge_p1', 23, '+4917240000001', 'completed', 'agent_edge', 60, 400001, 5, REPLACE(?, 'T', ' '), NOW()),"
        " ('call_edge_p2', 23, '+4917240000001', 'completed', 'agent_edge', 60, 400001, 5, REPLACE(?, 'T', ' '), NOW()),"
        " ('call_edge_q', 23, '+4917240000002', 'completed', 'agent_edge', 60, 400002, 5, REPLACE(?, 'T', ' '), NOW()),"
        " ('call_edge_r', 23, '+4917240000003', 'completed', 'agent_edge', 0, 400003, 5, REPLACE(?, 'T', ' '), NOW())",
        ap, 4, NULL, NULL), 0);
    const char *out;
    int rc = e2e_cli("stats --rebuild --company 23 --days 4", &out);
    if (rc) fail_msg("%s", out);
    arena *a = e2e_arena();
    /* the aggregates' 3 days: Berlin's day before yesterday 00:00 to tomorrow 00:00 */
    db_param b0 = db_str(e2e_berlin_utc(-2, 0, 0)), b1 = db_str(e2e_berlin_utc(1, 0, 0));
    long long since = atoll(e2e_scalar("SELECT UNIX_TIMESTAMP(REPLACE(?, 'T', ' '))", &b0, 1));
    long long until = atoll(e2e_scalar("SELECT UNIX_TIMESTAMP(REPLACE(?, 'T', ' '))", &b1, 1));
    conversion_report live, daily;
    assert_int_equal(conversions_compute(e2e_db(), a, e2e_config(), 23, since, until, &live), 0);
    assert_int_equal(daily_stats_report(e2e_db(), a, e2e_config(), 23, NULL, 3, 0, &daily), 0);
    /* the figures the data makes: 4 calls, 3 answered (R's lasted 0 s), 3 callers, 4 customer-days, cost 20 cents */
    assert_int_equal(live.calls, 4);
    assert_int_equal(live.answered, 3);
    assert_int_equal(live.converted_visitors, 0);
    /* 20 US cents in EUR at the configured rate: no Laravel figure, no day rate for that day (D169) */
    double eur = 0.20 * atof(e2e_config()->money_usd_eur_rate);
    assert_true(live.phone_cost_eur > eur - 0.001 && live.phone_cost_eur < eur + 0.001);
    assert_int_equal(daily.calls, live.calls);
    assert_int_equal(daily.answered, live.answered);
    assert_int_equal(daily.matched_calls, live.matched_calls);
    /* customer-days: both cut at the company's local midnight (D166, D206), so P's calls at 23:50 and 00:10
     * Berlin are two customer-days in the aggregates and in the live report alike */
    assert_int_equal(live.visitors, 4);
    assert_int_equal(daily.visitors, live.visitors);
    assert_int_equal(daily.converted_visitors, live.converted_visitors);
    assert_true(daily.phone_cost_eur > live.phone_cost_eur - 0.05 && daily.phone_cost_eur < live.phone_cost_eur + 0.05); /* days keep whole cents (D169) */
    assert_int_equal(daily.nagents, 1);
    assert_int_equal(daily.agents[0].calls, 4);
    assert_int_equal(daily.agents[0].calls, live.agents[0].calls);
    /* and nothing of company 20 leaked into it, nor of it into company 20 */
    assert_int_equal(daily_stats_report(e2e_db(), a, e2e_config(), 20, NULL, 2, 0, &daily), 0);
    assert_int_equal(daily.calls, 1000);
}

/* report.csv's line of a metric ("name,value,numerator,denominator") */
static const char *csv_line(const char *csv, const char *metric)
{
    const char *at = strstr(csv, arena_printf(e2e_arena(), "\n%s,", metric));
    if (!at) fail_msg("no %s line in:\n%s", metric, csv);
    return arena_printf(e2e_arena(), "%.*s", (int)strcspn(at + 1, "\n"), at + 1);
}

/* The dashboard's figures (report.csv, the agents and overview pages) show exactly the figures
 * of the session's company, computed here with SQL of our own: the generated company's known
 * ones when an operator narrows to it, the salon's own for its owner, zeros for an empty one. */
static void figures_stay_behind_the_tenant_wall(void **state)
{
    (void)state;
    const char *out;
    int rc = e2e_cli("stats --rebuild --days 3", &out); /* rows written with SQL note no day */
    if (rc) fail_msg("%s", out);
    long st;
    char op[128], owner[128];
    snprintf(op, sizeof op, "%s", e2e_login("operator@switchboard.example.com", "switchboard-demo", &st));
    assert_int_equal(st, 303);
    snprintf(owner, sizeof owner, "%s", e2e_login("owner@salon-haarmonie.example.com", "haarmonie-demo", &st));
    assert_int_equal(st, 303);
    const char *op20 = arena_printf(e2e_arena(), "%s; sb_company=20", op), *op21 = arena_printf(e2e_arena(), "%s; sb_company=21", op);
    /* the generated company: 237 of 950 answered calls booked (the data's known answer) */
    e2e_response r = e2e_get_as(op20, "/report.csv?days=2");
    assert_int_equal(r.status, 200);
    EQ(csv_line(r.body, "phone_booking_rate"), "phone_booking_rate,24.94,237,950");
    EQ(csv_line(r.body, "customer_match_rate"), "customer_match_rate,90.00,855,950");
    r = e2e_get_as(op20, "/agents?days=2");
    assert_non_null(strstr(r.body, "Generierte Agentin"));
    r = e2e_get_as(op20, "/?days=2");
    assert_non_null(strstr(r.body, "<div class=\"value\">1000</div>")); /* calls */
    assert_non_null(strstr(r.body, "<div class=\"value\">24.94 %</div>"));
    /* an empty company: zeros, none of another's */
    r = e2e_get_as(op21, "/report.csv?days=2");
    EQ(csv_line(r.body, "phone_booking_rate"), "phone_booking_rate,0.00,0,0");
    assert_null(strstr(e2e_get_as(op21, "/agents?days=2").body, "Generierte Agentin"));
    /* the salon's owner: the salon's answered calls and bookings, counted here */
    static const char *const OWN =
        "SELECT CONCAT(COALESCE(SUM(" SQL_ANSWERED " AND " SQL_LINK_METHOD " IN ('booked_during_call', 'phone_match')), 0), ',',"
        " COALESCE(SUM(" SQL_ANSWERED "), 0))"
        " FROM calls c WHERE c.company_id = 2 AND c.deleted_at IS NULL AND c.created_at >= REPLACE(?, 'T', ' ')";
    /* the report's 2 days are Berlin's (yesterday 00:00 Berlin on), not UTC's */
    db_param yb = db_str(e2e_berlin_utc(-1, 0, 0));
    const char *own = e2e_scalar(OWN, &yb, 1);
    assert_non_null(own);
    r = e2e_get_as(owner, "/report.csv?days=2");
    const char *line = csv_line(r.body, "phone_booking_rate");
    if (!strstr(line, arena_printf(e2e_arena(), ",%s", own))) fail_msg("owner's %s, counted %s", line, own);
    assert_null(strstr(r.body, "237,950"));
    assert_null(strstr(e2e_get_as(owner, "/agents?days=2").body, "Generierte Agentin"));
    assert_null(strstr(e2e_get_as(owner, "/channels?days=2").body, "Generated Salon"));
}

/* The answered-call definition against the real server: Retell's analysis
 * object as the calls table stores it (a JSON true reads '1' on MariaDB). */
static void voicemail_and_spam_are_not_answered(void **state)
{
    (void)state;
    static const char *const Q =
        "SELECT " SQL_ANSWERED " FROM (SELECT ? duration_sec, NULL duration_ms, ? analysis, ? session_outcome) c";
    db_param talk[] = {db_int(60), db_str("{\"in_voicemail\":false,\"call_successful\":true}"), db_null()};
    db_param box[] = {db_int(60), db_str("{\"in_voicemail\":true}"), db_null()};
    db_param spam[] = {db_int(60), db_str("{}"), db_str("spam")};
    db_param silent[] = {db_int(0), db_str("{}"), db_null()};
    EQ(e2e_scalar(Q, talk, 3), "1");
    EQ(e2e_scalar(Q, box, 3), "0");
    EQ(e2e_scalar(Q, spam, 3), "0");
    EQ(e2e_scalar(Q, silent, 3), "0");
}

/* The pipeline's focused run (the event's customer or caller) links that
 * person's call and booking and leaves everybody else's to the full run. */
static void a_focused_run_links_only_its_customer_or_caller(void **state)
{
    (void)state;
    sql("INSERT IGNORE INTO companies (id, name, slug, timezone, is_active, created_at, updated_at)"
        " VALUES (23, 'Focus Salon', 'focus-salon', 'Europe/Berlin', 1, NOW(), NOW())");
    sql("INSERT INTO customers (id, company_id, name, phone, source, status, created_at, updated_at) VALUES"
        " (230001, 23, 'Fokus Eins', '+4915230000001', 'test', 'active', NOW(), NOW()),"
        " (230002, 23, 'Fokus Zwei', '+4915230000002', 'test', 'active', NOW(), NOW())");
    sql("INSERT INTO calls (retell_call_id, company_id, from_number, customer_id, status, start_timestamp, end_timestamp,"
        " duration_sec, transcript, created_at, updated_at) SELECT CONCAT('call_focus_', seq), 23, CONCAT('+491523000000', seq),"
        " NULL, 'ended', NOW() - INTERVAL 62 MINUTE, NOW() - INTERVAL 60 MINUTE, 120, 'User: Ich hätte gern einen Termin.',"
        " NOW() - INTERVAL 62 MINUTE, NOW() FROM seq_1_to_2");
    sql("INSERT INTO appointments (company_id, customer_id, starts_at, ends_at, status, source, created_at, updated_at)"
        " SELECT 23, 230000 + seq, NOW() + INTERVAL 1 DAY, NOW() + INTERVAL 1 DAY + INTERVAL 30 MINUTE, 'confirmed', 'cal.com',"
        " NOW() - INTERVAL 30 MINUTE, NOW() FROM seq_1_to_2");
    int64_t now = atoll(e2e_scalar("SELECT UNIX_TIMESTAMP()", NULL, 0));
    linker_result lr;
    /* the first caller's booking event: its customer (the call has none: matched by number) */
    linker_scope one = {23, now - 86400, now + 1, 230001, "+4915230000001", NULL, 0};
    assert_int_equal(db_begin(e2e_db()), 0);
    assert_int_equal(linker_run(e2e_db(), e2e_arena(), e2e_config(), &one, 0, 0, NULL, &lr), 0);
    assert_int_equal(db_commit(e2e_db()), 0);
    assert_int_equal(lr.linked, 1);
    EQ(e2e_scalar("SELECT appointment_made FROM calls WHERE retell_call_id = 'call_focus_1'", NULL, 0), "1");
    EQ(e2e_scalar("SELECT appointment_made FROM calls WHERE retell_call_id = 'call_focus_2'", NULL, 0), "0");
    /* the second caller's call event: a number only */
    linker_scope two = {23, now - 86400, now + 1, 0, "+4915230000002", NULL, 0};
    assert_int_equal(db_begin(e2e_db()), 0);
    assert_int_equal(linker_run(e2e_db(), e2e_arena(), e2e_config(), &two, 0, 0, NULL, &lr), 0);
    assert_int_equal(db_commit(e2e_db()), 0);
    assert_int_equal(lr.linked, 1);
    EQ(e2e_scalar("SELECT JSON_VALUE(linking_metadata, '$.method') FROM calls WHERE retell_call_id = 'call_focus_2'", NULL, 0),
       "phone_match");
}

/* An audited update that moves a row to another day (a booking dated back to Cal.com's createdAt)
 * notes both days (D225): the day it left loses it, the day it moved to gains it, whether we or the
 * stack's worker recompute them. Without the new day's note the 12 days still showed 0 (the day it
 * moved to kept its old aggregate); without the old day's, today still showed 1. */
static void an_update_that_moves_a_row_notes_both_days(void **state)
{
    (void)state;
    arena *a = e2e_arena();
    sql("INSERT IGNORE INTO companies (id, name, slug, timezone, is_active, created_at, updated_at)"
        " VALUES (24, 'Moving Salon', 'moving-salon', 'Europe/Berlin', 1, NOW(), NOW())");
    sql("INSERT INTO customers (id, company_id, name, phone, source, status, created_at, updated_at)"
        " VALUES (240001, 24, 'Mona Umzug', '+4915240000001', 'cal.com', 'active', NOW(), NOW())");
    sql("INSERT INTO appointments (id, company_id, customer_id, starts_at, ends_at, status, source, created_at, updated_at)"
        " VALUES (9240001, 24, 240001, NOW() + INTERVAL 2 DAY, NOW() + INTERVAL 2 DAY, 'confirmed', 'cal.com', NOW(), NOW())");
    const char *out;
    if (e2e_cli("stats --rebuild --company 24 --days 14", &out)) fail_msg("%s", out);
    conversion_report today, week; /* today; the last 12 days */
    assert_int_equal(daily_stats_report(e2e_db(), a, e2e_config(), 24, NULL, 1, 0, &today), 0);
    assert_int_equal(today.appt_web, 1);
    /* dated back to 13:00 Berlin ten days ago: beyond the 7 days before today that today's note covers
     * for an appointment (customer-days), so only a note of that day itself recomputes it */
    db_param d = db_str(e2e_berlin_utc(-10, 13, 0));
    long long back = atoll(e2e_scalar("SELECT UNIX_TIMESTAMP(REPLACE(?, 'T', ' '))", &d, 1));
    field f[] = {FIELD_TIME("created_at", back)};
    int changed = 0;
    assert_int_equal(db_begin(e2e_db()), 0);
    assert_int_equal(record_update(e2e_db(), a, "appointments", 9240001, f, 1, 24, NULL, &changed), 0);
    assert_int_equal(db_commit(e2e_db()), 0);
    assert_int_equal(changed, 1);
    assert_int_equal(daily_stats_flush(e2e_db()), 0);
    for (int i = 0; i < 50; i++, usleep(100000)) {
        assert_true(daily_stats_refresh(e2e_db(), a, 24, 20) >= 0);
        assert_int_equal(daily_stats_report(e2e_db(), a, e2e_config(), 24, NULL, 1, 0, &today), 0);
        assert_int_equal(daily_stats_report(e2e_db(), a, e2e_config(), 24, NULL, 12, 0, &week), 0);
        if (today.appt_web == 0 && week.appt_web == 1) break;
    }
    assert_int_equal(today.appt_web, 0);
    assert_int_equal(week.appt_web, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(linker_links_exactly_the_known_conversions),
        cmocka_unit_test(every_metric_has_its_known_value),
        cmocka_unit_test(daily_aggregates_agree_with_the_live_report),
        cmocka_unit_test(daily_aggregates_agree_for_a_second_tenant_across_the_berlin_midnight),
        cmocka_unit_test(figures_stay_behind_the_tenant_wall),
        cmocka_unit_test(voicemail_and_spam_are_not_answered),
        cmocka_unit_test(a_focused_run_links_only_its_customer_or_caller),
        cmocka_unit_test(rules_tenant_stealing_cancelling_and_undo),
        cmocka_unit_test(an_update_that_moves_a_row_notes_both_days),
    };
    return cmocka_run_group_tests_name("e2e_conversions", tests, generate, e2e_teardown);
}
