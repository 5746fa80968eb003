/* conversions.h: the conversion metrics, one definition for the dashboard,
 * `switchboard report` and the monitor. Every number is computed from rows
 * for one window [since, until) and one tenant (company 0: all), with the
 * formula written next to it in README.md ("Metrics").
 *
 *  answered calls      calls started in the window with duration > 0, not
 *                      voicemail (analysis.in_voicemail) and not spam
 *                      (session_outcome = 'spam')
 *  phone booking rate  answered calls linked to an appointment by rule a
 *                      (booked during the call) or b (caller's phone) /
 *                      answered calls
 *  web booking success Cal.com BOOKING_CREATED/REQUESTED/RESCHEDULED events
 *                      received in the window that ended processed with an
 *                      appointment / all such events
 *  overall conversion  customer-days (a customer with a call or a web booking
 *                      on a company-local day of the window) with a live
 *                      appointment created that day or in the 7 after / those
 *                      customer-days (as the daily aggregates, D206)
 *  customer match rate answered calls with a real customer (not a legacy
 *                      placeholder: customer_type 'unknown', "Unbekannt…",
 *                      anonymous_… phones) / answered calls
 *  attribution         appointments created in the window: phone_booked
 *                      (rule a), phone_influenced (rules b/c), web (source
 *                      cal.com, no call), other
 *  time to booking     call end -> appointment created, for rule a/b links:
 *                      median, p90 (minutes)
 *  ROI per channel     service price of live appointments / channel cost
 *                      (phone: calls' cost; web: metrics.web_monthly_cost_eur
 *                      prorated to the window) */
#ifndef SB_CONVERSIONS_H
#define SB_CONVERSIONS_H

#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "config.h"
#include "db.h"

/* (JSON_VALUE reads a JSON true as '1' on MariaDB 10.11, as 'true' on others.)
 * The definitions as SQL fragments over calls c, appointments a and the call
 * linked to an appointment lc: the live report (conversions.c) and the daily
 * aggregates (daily_stats.c) both use these, so they count the same things. */
#define SQL_ANSWERED "(COALESCE(c.duration_sec, c.duration_ms DIV 1000, 0) > 0"                             \
                 " AND NOT COALESCE(JSON_VALUE(c.analysis, '$.in_voicemail') IN ('true', '1'), 0)"                \
                 " AND COALESCE(c.session_outcome, '') <> 'spam')"
#define SQL_LINK_METHOD "IF(c.appointment_made = 1 AND c.converted_appointment_id IS NOT NULL," \
               " JSON_VALUE(c.linking_metadata, '$.method'), NULL)"
/* a customer who is not one of the legacy placeholders (alias cu) */
#define SQL_REAL_CUSTOMER "(cu.id IS NOT NULL AND COALESCE(cu.customer_type, '') <> 'unknown' AND cu.name NOT LIKE 'Unbekannt%'" \
                          " AND COALESCE(cu.phone, '') NOT LIKE 'anonymous|_%' ESCAPE '|')"
/* the Cal.com events that ask for a booking */
#define SQL_WEB_BOOKING_TYPES "('BOOKING_CREATED', 'BOOKING_REQUESTED', 'BOOKING_RESCHEDULED', 'BOOKING.CREATED'," \
                              " 'BOOKING.REQUESTED', 'BOOKING.RESCHEDULED')"
/* a processed web booking event's note names the appointment it wrote */
#define SQL_WEB_EVENT_OK_NOTE "App\\Models\\Appointment:%"
#define SQL_PHONE_SOURCES "('phone', 'retell_phone', 'retell_webhook', 'retell_ai', 'phone_call', 'retell_transcript')"
#define SQL_APPT_KIND "CASE WHEN a.call_id IS NOT NULL AND (a.source IN " SQL_PHONE_SOURCES                            \
             " OR JSON_VALUE(lc.linking_metadata, '$.method') = 'booked_during_call') THEN 'phone_booked'"   \
             " WHEN a.call_id IS NOT NULL THEN 'phone_influenced' WHEN a.source = 'cal.com' THEN 'web'"      \
             " ELSE 'other' END"

/* A test call (issue 17.5, D168) of the call alias t: Retell's web calls (the
 * dashboard's "test call" button) and any call from a number its company marks
 * as a test number. Left out of every KPI and aggregate unless asked for. */
#define SQL_TEST_CALL_OF(t) "(COALESCE(" t ".call_type, '') IN ('web_call', 'test_call', 'test') OR EXISTS (SELECT 1"   \
                            " FROM switchboard_test_numbers tn WHERE tn.company_id = " t ".company_id AND tn.number = " t ".from_number))"
/* The call's cost in EUR cents (D169): what Laravel converted (retell_cost_eur_cents),
 * else its USD cost at the rate Laravel stored with it, else the USD cents of
 * Retell's call_cost at the rate bound for the `?` (the day's rate). */
#define SQL_COST_EUR_CENTS "COALESCE(c.retell_cost_eur_cents, c.retell_cost_usd * 100 * c.exchange_rate_used," \
                           " c.cost_cents * ?)" /* summed unrounded: a cent per call would add up */
#define SQL_COST_CONVERTED "(c.retell_cost_eur_cents IS NULL AND (c.retell_cost_usd IS NULL OR c.exchange_rate_used IS NULL)" \
                           " AND c.cost_cents IS NOT NULL)"
/* The caller wanted an appointment (funnel step 3, D170): the call is linked to
 * one, Laravel flagged it, or the agent ran a booking function during it. */
#define SQL_WANTED "(" SQL_LINK_METHOD " IS NOT NULL OR COALESCE(c.appointment_requested, 0) = 1 OR EXISTS (SELECT 1"      \
                   " FROM switchboard_function_calls f WHERE f.retell_call_id = c.retell_call_id AND f.function_name IN"       \
                   " ('check_availability', 'find_next_available', 'collect_appointment_data', 'collect_appointment',"        \
                   " 'book_appointment', 'start_booking')))"

typedef struct agent_row {
    const char *agent_id, *name;
    long long calls, answered, booked;
    double mean_duration_s, cost_eur;
} agent_row;

typedef struct day_row {
    const char *day;
    long long phone_booked, phone_influenced, web, other;
} day_row;

typedef struct conversion_report {
    int64_t since, until;
    long long company_id;
    long long calls, answered, phone_booked_calls, phone_influenced_calls;
    double phone_booking_rate;           /* percent */
    long long web_events, web_events_ok;
    double web_booking_success;          /* percent */
    long long visitors, converted_visitors;
    double overall_conversion;           /* percent */
    long long matched_calls;
    double customer_match_rate;          /* percent */
    long long appt_phone_booked, appt_phone_influenced, appt_web, appt_other;
    double minutes_to_booking_median, minutes_to_booking_p90; /* -1: none */
    double phone_value_eur, phone_cost_eur, web_value_eur, web_cost_eur;
    double phone_roi, web_roi;           /* -1: no cost */
    agent_row *agents;
    size_t nagents;
    day_row *days;
    size_t ndays;
    /* the daily aggregates only (issue 17) */
    long long wanted;                    /* answered calls that wanted an appointment */
    long long phone_attended, phone_no_show, phone_cancelled; /* appointments of phone_booked + phone_influenced */
    long long web_attended, web_no_show, web_cancelled;       /* of web */
    long long cost_converted;            /* calls whose EUR cost switchboard converted (no Laravel EUR figure) */
    int tests_included;                  /* 1: test calls are in every figure */
    const char *first_day, *last_day;    /* the window's local days, "YYYY-MM-DD" */
} conversion_report;

/* Fill r (strings in a). 0 or -1 (db_error). */
int conversions_compute(sb_db *db, arena *a, const sb_config *cfg, long long company, int64_t since, int64_t until,
                        conversion_report *r);
/* Shared by the live report and the daily aggregates (daily_stats.c), which
 * read the same row shapes. Days: (day, phone_booked, phone_influenced, web,
 * other, phone value, web value, ...) -> r->days and the attribution totals.
 * Agents: (agent id, name, calls, answered, booked, mean answered seconds,
 * cost EUR) -> r->agents; also sets the ROI from the values and costs already
 * in r, so call it last. */
void conversions_fill_days(conversion_report *r, arena *a, const db_rows *q);
void conversions_fill_agents(conversion_report *r, arena *a, const db_rows *q);
/* n / d in percent, truncated to 2 decimals; 0 when d is 0. */
double conversions_percent(long long n, long long d);
/* Render as "table", "json" or "csv" into out. */
void conversions_render(const conversion_report *r, const char *format, buf *out);

#endif
