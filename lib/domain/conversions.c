/* conversions.c: the conversion metrics (definitions in conversions.h and README.md). */
#include "conversions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "company_clock.h"
#include "json.h"
#include "timeutil.h"

#define WIN(col) " " col " >= FROM_UNIXTIME(?) AND " col " < FROM_UNIXTIME(?)"
#define TENANT(col) " AND (? = 0 OR " col " = ?)"
#define NOT_TEST " AND NOT " SQL_TEST_CALL_OF("c") /* test calls count nowhere (D168) */
static const char *const Q_CALLS =
    "SELECT COUNT(*), COALESCE(SUM(ans), 0), COALESCE(SUM(ans AND m IN ('booked_during_call', 'phone_match')), 0),"
    " COALESCE(SUM(ans AND m IN ('phone_match', 'customer_match')), 0), COALESCE(SUM(ans AND realc), 0)"
    " FROM (SELECT " SQL_ANSWERED " ans, " SQL_LINK_METHOD " m,"
    "  " SQL_REAL_CUSTOMER " realc"
    "  FROM calls c LEFT JOIN customers cu ON cu.id = c.customer_id AND cu.deleted_at IS NULL"
    "  WHERE" WIN("c.created_at") TENANT("c.company_id") " AND c.deleted_at IS NULL" NOT_TEST ") x";
static const char *const Q_WEB =
    "SELECT COUNT(*), COALESCE(SUM(status = 'processed' AND notes LIKE ? ESCAPE '|'), 0) FROM webhook_events"
    " WHERE provider = 'calcom' AND event_type IN " SQL_WEB_BOOKING_TYPES " AND" WIN("COALESCE(received_at, created_at)")
    TENANT("company_id");
/* The local days of the window as JSON rows [day, start, end, start of day + 8] (days_json): the
 * customer-days and the attribution by day are cut at the company's local midnight like the daily
 * aggregates (D166, D206); MariaDB's CONVERT_TZ needs zone tables, JSON_TABLE does not. */
#define DAYS_TABLE(n) " JSON_TABLE(?, '$[*]' COLUMNS (day VARCHAR(10) PATH '$[0]', s BIGINT PATH '$[1]'," \
                      " e BIGINT PATH '$[2]', e8 BIGINT PATH '$[3]')) " n " "
/* customer-days of one company: who called or booked on the web that local day, converted when a live
 * appointment of theirs was created that day or in the 7 after (daily_stats.c R_VISITORS, D206) */
static const char *const Q_VISITORS =
    "SELECT COUNT(*), COALESCE(SUM(EXISTS (SELECT 1 FROM appointments a WHERE a.customer_id = v.customer_id"
    " AND a.company_id = ? AND a.deleted_at IS NULL AND a.status <> 'cancelled' AND a.created_at >= FROM_UNIXTIME(v.s)"
    " AND a.created_at < FROM_UNIXTIME(v.e8))), 0)"
    " FROM (SELECT d.s, d.e8, c.customer_id FROM" DAYS_TABLE("d") "JOIN calls c ON c.company_id = ?"
    "       AND c.created_at >= FROM_UNIXTIME(GREATEST(d.s, ?)) AND c.created_at < FROM_UNIXTIME(LEAST(d.e, ?))"
    "       AND c.customer_id IS NOT NULL AND c.deleted_at IS NULL" NOT_TEST
    "       UNION SELECT d.s, d.e8, a.customer_id FROM" DAYS_TABLE("d") "JOIN appointments a ON a.company_id = ?"
    "       AND a.source = 'cal.com' AND a.created_at >= FROM_UNIXTIME(GREATEST(d.s, ?))"
    "       AND a.created_at < FROM_UNIXTIME(LEAST(d.e, ?)) AND a.deleted_at IS NULL) v";
/* every company for the operators' report over all: each counts in its own days */
static const char *const Q_COMPANIES = "SELECT id FROM companies ORDER BY id";
static const char *const Q_ATTR =
    "SELECT k.day, SUM(k.kind = 'phone_booked'), SUM(k.kind = 'phone_influenced'), SUM(k.kind = 'web'),"
    " SUM(k.kind = 'other'), SUM(IF(k.live AND k.kind IN ('phone_booked', 'phone_influenced'), k.price, 0)),"
    " SUM(IF(k.live AND k.kind = 'web', k.price, 0))"
    " FROM (SELECT d.day, " SQL_APPT_KIND " kind, a.deleted_at IS NULL AND a.status <> 'cancelled' live,"
    "  COALESCE(s.price, 0) price FROM" DAYS_TABLE("d") "JOIN appointments a ON a.created_at >= FROM_UNIXTIME(d.s)"
    "  AND a.created_at < FROM_UNIXTIME(d.e) LEFT JOIN calls lc ON lc.id = a.call_id"
    "  LEFT JOIN services s ON s.id = a.service_id"
    "  WHERE" WIN("a.created_at") TENANT("a.company_id") " AND a.deleted_at IS NULL"
    "  AND NOT COALESCE(" SQL_TEST_CALL_OF("lc") ", 0)) k"
    " GROUP BY k.day ORDER BY 1";
static const char *const Q_TIMES =
    "SELECT GREATEST(0, TIMESTAMPDIFF(SECOND, COALESCE(c.end_timestamp, c.created_at), a.created_at)) FROM calls c"
    " JOIN appointments a ON a.id = c.converted_appointment_id"
    " WHERE" WIN("c.created_at") TENANT("c.company_id") " AND c.deleted_at IS NULL AND c.appointment_made = 1" NOT_TEST
    " AND JSON_VALUE(c.linking_metadata, '$.method') IN ('booked_during_call', 'phone_match') ORDER BY 1";
static const char *const Q_COST =
    "SELECT COALESCE(SUM(" SQL_COST_EUR_CENTS "), 0) / 100 FROM calls c WHERE" WIN("c.created_at") TENANT("c.company_id")
    " AND c.deleted_at IS NULL" NOT_TEST;
static const char *const Q_AGENTS =
    "SELECT COALESCE(c.retell_agent_id, '(none)'), MAX(ra.name), COUNT(*), SUM(" SQL_ANSWERED "),"
    " SUM(" SQL_ANSWERED " AND " SQL_LINK_METHOD " IN ('booked_during_call', 'phone_match')),"
    " COALESCE(AVG(IF(" SQL_ANSWERED ", COALESCE(c.duration_sec, 0), NULL)), 0), COALESCE(SUM(" SQL_COST_EUR_CENTS "), 0) / 100"
    " FROM calls c LEFT JOIN retell_agents ra ON ra.agent_id = c.retell_agent_id"
    " WHERE" WIN("c.created_at") TENANT("c.company_id") " AND c.deleted_at IS NULL" NOT_TEST
    " GROUP BY c.retell_agent_id ORDER BY 3 DESC";

double conversions_percent(long long n, long long d) { return d > 0 ? (double)(n * 10000 / d) / 100.0 : 0.0; }

#define MAX_DAYS 3662 /* `report --days` is at most 3660; the window's edges can add a local day each */

/* The local days in tz that meet [since, until) as DAYS_TABLE's JSON (in a); NULL on a clock error. */
static const char *days_json(arena *a, const char *tz, int64_t since, int64_t until)
{
    char day[11], next[11], day8[11];
    int64_t s, e, e8;
    if (time_local_day(since, tz, day) != 0) return NULL;
    buf j = BUF_INIT;
    buf_putc(&j, '[');
    for (int n = 0; n < MAX_DAYS; n++, memcpy(day, next, sizeof day)) {
        if (time_day_add(day, 1, next) != 0 || time_day_add(day, 8, day8) != 0 || time_day_start(day, tz, &s) != 0 ||
            time_day_start(next, tz, &e) != 0 || time_day_start(day8, tz, &e8) != 0)
            break;
        if (s >= until) break;
        buf_printf(&j, "%s[\"%s\",%lld,%lld,%lld]", n ? "," : "", day, (long long)s, (long long)e, (long long)e8);
    }
    buf_putc(&j, ']');
    const char *out = arena_strdup(a, buf_cstr(&j));
    buf_free(&j);
    return out;
}

/* Customer-days of company (its own zone) added to r. 0 or -1. */
static int add_visitors(sb_db *db, arena *a, const sb_config *cfg, long long company, int64_t since, int64_t until,
                        conversion_report *r)
{
    const char *days = days_json(a, company_zone(db, a, cfg, company), since, until);
    if (!days) return 0; /* no day to count */
    db_param c = db_int(company), d = db_str(days), s = db_int(since), u = db_int(until);
    db_param p[] = {c, d, c, s, u, d, c, s, u};
    db_rows q;
    if (db_query(db, a, Q_VISITORS, p, 9, &q) != 0) return -1;
    r->visitors += db_cell_ll(&q, 0, 0);
    r->converted_visitors += db_cell_ll(&q, 0, 1);
    return 0;
}

int conversions_compute(sb_db *db, arena *a, const sb_config *cfg, long long company, int64_t since, int64_t until,
                        conversion_report *r)
{
    memset(r, 0, sizeof *r);
    r->since = since;
    r->until = until;
    r->company_id = company;
    db_param w[] = {db_int(since), db_int(until), db_int(company), db_int(company)};
    db_rows q;
    if (db_query(db, a, Q_CALLS, w, 4, &q) != 0) return -1;
    r->calls = db_cell_ll(&q, 0, 0);
    r->answered = db_cell_ll(&q, 0, 1);
    r->phone_booked_calls = db_cell_ll(&q, 0, 2);
    r->phone_influenced_calls = db_cell_ll(&q, 0, 3);
    r->matched_calls = db_cell_ll(&q, 0, 4);
    r->phone_booking_rate = conversions_percent(r->phone_booked_calls, r->answered);
    r->customer_match_rate = conversions_percent(r->matched_calls, r->answered);
    db_param wp[] = {db_str(SQL_WEB_EVENT_OK_NOTE), w[0], w[1], w[2], w[3]};
    if (db_query(db, a, Q_WEB, wp, 5, &q) != 0) return -1;
    r->web_events = db_cell_ll(&q, 0, 0);
    r->web_events_ok = db_cell_ll(&q, 0, 1);
    r->web_booking_success = conversions_percent(r->web_events_ok, r->web_events);
    if (company) {
        if (add_visitors(db, a, cfg, company, since, until, r) != 0) return -1;
    } else {
        if (db_query(db, a, Q_COMPANIES, NULL, 0, &q) != 0) return -1;
        db_rows ids = q;
        for (size_t i = 0; i < ids.nrows; i++)
            if (add_visitors(db, a, cfg, db_cell_ll(&ids, i, 0), since, until, r) != 0) return -1;
    }
    r->overall_conversion = conversions_percent(r->converted_visitors, r->visitors);
    /* by day in the company's days (the operators' zone over all companies) */
    const char *days = days_json(a, company_zone(db, a, cfg, company), since, until);
    db_param ap[] = {db_str(days ? days : "[]"), w[0], w[1], w[2], w[3]};
    if (db_query(db, a, Q_ATTR, ap, 5, &q) != 0) return -1;
    conversions_fill_days(r, a, &q);
    if (db_query(db, a, Q_TIMES, w, 4, &q) != 0) return -1;
    r->minutes_to_booking_median = r->minutes_to_booking_p90 = -1;
    if (q.nrows) { /* ordered by the query; nearest-rank */
        r->minutes_to_booking_median = db_cell_ll(&q, (q.nrows * 50 + 99) / 100 - 1, 0) / 60.0;
        r->minutes_to_booking_p90 = db_cell_ll(&q, (q.nrows * 90 + 99) / 100 - 1, 0) / 60.0;
    }
    /* EUR at Laravel's figures, else the configured rate (the daily aggregates use the day's rate, D169) */
    db_param rw[] = {db_str(cfg->money_usd_eur_rate), w[0], w[1], w[2], w[3]};
    if (db_query(db, a, Q_COST, rw, 5, &q) != 0) return -1;
    r->phone_cost_eur = db_cell_double(&q, 0, 0);
    r->web_cost_eur = (double)cfg->metrics_web_monthly_cost_eur * (double)(until - since) / (30.0 * 86400.0);
    if (db_query(db, a, Q_AGENTS, rw, 5, &q) != 0) return -1;
    conversions_fill_agents(r, a, &q);
    return 0;
}

void conversions_fill_days(conversion_report *r, arena *a, const db_rows *q)
{
    r->days = arena_zalloc(a, sizeof *r->days * (q->nrows + 1));
    r->ndays = q->nrows;
    for (size_t i = 0; i < q->nrows; i++) {
        r->days[i] = (day_row){db_cell(q, i, 0), db_cell_ll(q, i, 1), db_cell_ll(q, i, 2), db_cell_ll(q, i, 3), db_cell_ll(q, i, 4)};
        r->appt_phone_booked += r->days[i].phone_booked;
        r->appt_phone_influenced += r->days[i].phone_influenced;
        r->appt_web += r->days[i].web;
        r->appt_other += r->days[i].other;
        r->phone_value_eur += db_cell_double(q, i, 5);
        r->web_value_eur += db_cell_double(q, i, 6);
    }
}

void conversions_fill_agents(conversion_report *r, arena *a, const db_rows *q)
{
    /* the costs are known by now: ROI is value / cost, -1 when there is no cost */
    r->phone_roi = r->phone_cost_eur > 0 ? r->phone_value_eur / r->phone_cost_eur : -1;
    r->web_roi = r->web_cost_eur > 0 ? r->web_value_eur / r->web_cost_eur : -1;
    r->agents = arena_zalloc(a, sizeof *r->agents * (q->nrows + 1));
    r->nagents = q->nrows;
    for (size_t i = 0; i < q->nrows; i++)
        r->agents[i] = (agent_row){db_cell(q, i, 0), db_cell(q, i, 1) ? db_cell(q, i, 1) : "", db_cell_ll(q, i, 2),
                                   db_cell_ll(q, i, 3), db_cell_ll(q, i, 4), db_cell_double(q, i, 5), db_cell_double(q, i, 6)};
}

void conversions_render(const conversion_report *r, const char *format, buf *o)
{
    char t0[32], t1[32];
    time_format_iso(r->since, t0, sizeof t0);
    time_format_iso(r->until, t1, sizeof t1);
    if (!strcmp(format, "json")) {
        buf_printf(o, "{\"window\":{\"since\":\"%s\",\"until\":\"%s\"},\"company_id\":%lld,", t0, t1, r->company_id);
        buf_printf(o, "\"calls\":%lld,\"answered_calls\":%lld,\"phone_booked_calls\":%lld,\"phone_influenced_calls\":%lld,"
                      "\"phone_booking_rate\":%.2f,", r->calls, r->answered, r->phone_booked_calls, r->phone_influenced_calls,
                   r->phone_booking_rate);
        buf_printf(o, "\"web_booking_events\":%lld,\"web_booking_events_ok\":%lld,\"web_booking_success\":%.2f,",
                   r->web_events, r->web_events_ok, r->web_booking_success);
        buf_printf(o, "\"visitors\":%lld,\"converted_visitors\":%lld,\"overall_conversion\":%.2f,", r->visitors,
                   r->converted_visitors, r->overall_conversion);
        buf_printf(o, "\"matched_calls\":%lld,\"customer_match_rate\":%.2f,", r->matched_calls, r->customer_match_rate);
        buf_printf(o, "\"attribution\":{\"phone_booked\":%lld,\"phone_influenced\":%lld,\"web\":%lld,\"other\":%lld,\"by_day\":[",
                   r->appt_phone_booked, r->appt_phone_influenced, r->appt_web, r->appt_other);
        for (size_t i = 0; i < r->ndays; i++)
            buf_printf(o, "%s{\"day\":\"%s\",\"phone_booked\":%lld,\"phone_influenced\":%lld,\"web\":%lld,\"other\":%lld}",
                       i ? "," : "", r->days[i].day, r->days[i].phone_booked, r->days[i].phone_influenced, r->days[i].web,
                       r->days[i].other);
        buf_puts(o, "]},\"minutes_to_booking\":{");
        if (r->minutes_to_booking_median >= 0)
            buf_printf(o, "\"median\":%.1f,\"p90\":%.1f", r->minutes_to_booking_median, r->minutes_to_booking_p90);
        else buf_puts(o, "\"median\":null,\"p90\":null");
        buf_printf(o, "},\"roi\":{\"phone\":{\"value_eur\":%.2f,\"cost_eur\":%.2f,\"roi\":", r->phone_value_eur, r->phone_cost_eur);
        if (r->phone_roi >= 0) buf_printf(o, "%.2f", r->phone_roi);
        else buf_puts(o, "null");
        buf_printf(o, "},\"web\":{\"value_eur\":%.2f,\"cost_eur\":%.2f,\"roi\":", r->web_value_eur, r->web_cost_eur);
        if (r->web_roi >= 0) buf_printf(o, "%.2f", r->web_roi);
        else buf_puts(o, "null");
        buf_puts(o, "}},\"agents\":[");
        for (size_t i = 0; i < r->nagents; i++) {
            const agent_row *g = &r->agents[i];
            buf_printf(o, "%s{\"agent_id\":", i ? "," : "");
            json_buf_str(o, g->agent_id);
            buf_puts(o, ",\"name\":");
            json_buf_str(o, g->name);
            buf_printf(o, ",\"calls\":%lld,\"answered\":%lld,\"answer_rate\":%.2f,\"mean_duration_s\":%.1f,\"booked\":%lld,"
                          "\"booking_rate\":%.2f,\"cost_eur\":%.2f,\"cost_per_booking_eur\":",
                       g->calls, g->answered, conversions_percent(g->answered, g->calls), g->mean_duration_s, g->booked, conversions_percent(g->booked, g->answered),
                       g->cost_eur);
            if (g->booked) buf_printf(o, "%.2f}", g->cost_eur / (double)g->booked);
            else buf_puts(o, "null}");
        }
        buf_puts(o, "]}\n");
        return;
    }
    if (!strcmp(format, "csv")) {
        buf_puts(o, "metric,value,numerator,denominator\n");
        buf_printf(o, "phone_booking_rate,%.2f,%lld,%lld\n", r->phone_booking_rate, r->phone_booked_calls, r->answered);
        buf_printf(o, "web_booking_success,%.2f,%lld,%lld\n", r->web_booking_success, r->web_events_ok, r->web_events);
        buf_printf(o, "overall_conversion,%.2f,%lld,%lld\n", r->overall_conversion, r->converted_visitors, r->visitors);
        buf_printf(o, "customer_match_rate,%.2f,%lld,%lld\n", r->customer_match_rate, r->matched_calls, r->answered);
        buf_printf(o, "appointments_phone_booked,%lld,,\nappointments_phone_influenced,%lld,,\nappointments_web,%lld,,\n"
                      "appointments_other,%lld,,\n", r->appt_phone_booked, r->appt_phone_influenced, r->appt_web, r->appt_other);
        buf_printf(o, "minutes_to_booking_median,%.1f,,\nminutes_to_booking_p90,%.1f,,\n", r->minutes_to_booking_median,
                   r->minutes_to_booking_p90);
        buf_printf(o, "phone_roi,%.2f,%.2f,%.2f\nweb_roi,%.2f,%.2f,%.2f\n", r->phone_roi, r->phone_value_eur, r->phone_cost_eur,
                   r->web_roi, r->web_value_eur, r->web_cost_eur);
        return;
    }
    buf_printf(o, "Conversion report %s .. %s%s\n\n", t0, t1, r->company_id ? "" : " (all companies)");
    buf_printf(o, "  %-24s %7.2f %%   %lld of %lld answered calls (of %lld calls)\n", "phone booking rate", r->phone_booking_rate,
               r->phone_booked_calls, r->answered, r->calls);
    buf_printf(o, "  %-24s %7.2f %%   %lld of %lld Cal.com booking events\n", "web booking success", r->web_booking_success,
               r->web_events_ok, r->web_events);
    buf_printf(o, "  %-24s %7.2f %%   %lld of %lld customers who called or booked on the web\n", "overall conversion",
               r->overall_conversion, r->converted_visitors, r->visitors);
    buf_printf(o, "  %-24s %7.2f %%   %lld of %lld answered calls\n", "customer match rate", r->customer_match_rate,
               r->matched_calls, r->answered);
    buf_printf(o, "  %-24s phone-booked %lld, phone-influenced %lld, web %lld, other %lld\n", "appointments",
               r->appt_phone_booked, r->appt_phone_influenced, r->appt_web, r->appt_other);
    if (r->minutes_to_booking_median >= 0)
        buf_printf(o, "  %-24s median %.1f min, p90 %.1f min\n", "call to booking", r->minutes_to_booking_median,
                   r->minutes_to_booking_p90);
    buf_printf(o, "  %-24s phone %.2f / %.2f, web %.2f / %.2f (value / cost)\n", "ROI", r->phone_value_eur, r->phone_cost_eur,
               r->web_value_eur, r->web_cost_eur);
    if (r->nagents) buf_printf(o, "\n  %-34s %6s %8s %8s %8s %10s\n", "agent", "calls", "answered", "booked", "rate %", "cost/book");
    for (size_t i = 0; i < r->nagents; i++) {
        const agent_row *g = &r->agents[i];
        buf_printf(o, "  %-34.34s %6lld %8lld %8lld %8.2f %10.2f\n", *g->name ? g->name : g->agent_id, g->calls, g->answered,
                   g->booked, conversions_percent(g->booked, g->answered), g->booked ? g->cost_eur / (double)g->booked : 0.0);
    }
}
