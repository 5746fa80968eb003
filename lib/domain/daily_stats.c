/* daily_stats.c: the daily aggregates of the conversion metrics (see daily_stats.h).
 * The notes live in one process-wide vector owned here (each process is one
 * thread); flush empties it, its capacity is kept for the next request. */
#include "daily_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "company_clock.h"
#include "log.h"
#include "timeutil.h"

typedef struct day_note {
    long long company_id;
    char day[11];
} day_note;

static day_note *notes;
static size_t nnotes, cap;

void daily_stats_note(long long company_id, const char *day)
{
    if (company_id <= 0 || !day || strlen(day) != 10) return;
    for (size_t i = nnotes; i-- > 0;) /* a request notes the same few days again and again */
        if (notes[i].company_id == company_id && !memcmp(notes[i].day, day, 10)) return;
    if (nnotes == cap) {
        size_t ncap = cap ? cap * 2 : 32;
        day_note *n = realloc(notes, ncap * sizeof *n);
        if (!n) return; /* the safety net (mark_recent) catches a note lost here */
        notes = n;
        cap = ncap;
    }
    notes[nnotes].company_id = company_id;
    memcpy(notes[nnotes].day, day, 11);
    nnotes++;
}

/* a noted instant (Unix seconds) becomes its company's local day (D166) */
static void note_at(sb_db *db, long long company_id, const char *when, int back_days)
{
    char day[11], d[11];
    if (company_local_day(db, company_id, strtoll(when, NULL, 10), day) != 0) return;
    for (int k = 0; k <= back_days; k++)
        if (time_day_add(day, -k, d) == 0) daily_stats_note(company_id, d);
}

void daily_stats_note_instant(sb_db *db, long long company_id, const char *unix_seconds)
{
    if (company_id > 0 && unix_seconds) note_at(db, company_id, unix_seconds, 0);
}

int daily_stats_note_query(sb_db *db, arena *a, const char *sql, const db_param *p, size_t n)
{
    db_rows r;
    if (db_query(db, a, sql, p, n, &r) != 0) return -1;
    for (size_t i = 0; i < r.nrows; i++) {
        const char *c = db_cell(&r, i, 0), *when = db_cell(&r, i, 1);
        if (!c || !when) continue;
        if (strchr(when, '-')) daily_stats_note(atoll(c), when); /* a day */
        else note_at(db, atoll(c), when, 0);                      /* an instant */
    }
    return 0;
}

/* A row the caller just stamped with the server's NOW() lies within a few seconds of this host's clock: the
 * days of now ± NOW_SKEW_S are noted (one day, except within two minutes of a local midnight), rather than
 * reading the row back (one statement per insert, 0.09-0.16 ms of MariaDB: make bench-profile). The
 * hosts' clocks are assumed within NOW_SKEW_S of each other (NTP); mark_recent is the net beyond. */
#define NOW_SKEW_S 120
void daily_stats_note_written(sb_db *db, const char *table, long long company_id, long long created_at)
{
    int calls = !strcmp(table, "calls");
    if (company_id <= 0 || (!calls && strcmp(table, "appointments"))) return;
    long long at[2] = {created_at, created_at};
    if (!created_at) at[0] = (long long)time(NULL) - NOW_SKEW_S, at[1] = (long long)time(NULL) + NOW_SKEW_S;
    char when[24];
    for (int i = 0; i < 2; i++) {
        snprintf(when, sizeof when, "%lld", at[i]);
        note_at(db, company_id, when, calls ? 0 : 7);
    }
}

int daily_stats_note_row(sb_db *db, arena *a, const char *table, uint64_t id)
{
    db_param p = db_int((long long)id);
    db_rows r;
    int calls = !strcmp(table, "calls");
    if (!calls && strcmp(table, "appointments")) return 0;
    if (db_query(db, a, calls ? "SELECT company_id, UNIX_TIMESTAMP(created_at) FROM calls WHERE id = ?"
                              : "SELECT company_id, UNIX_TIMESTAMP(created_at) FROM appointments WHERE id = ?", &p, 1, &r) != 0)
        return -1;
    /* an appointment also counts for the customer-days of the 7 days before it (a caller who books later) */
    if (r.nrows && db_cell(&r, 0, 0) && db_cell(&r, 0, 1)) note_at(db, atoll(db_cell(&r, 0, 0)), db_cell(&r, 0, 1), calls ? 0 : 7);
    return 0;
}

int daily_stats_flush(sb_db *db)
{
    while (nnotes) {
        size_t n = nnotes > 100 ? 100 : nnotes, np = 0;
        buf sql = BUF_INIT;
        db_param p[200];
        buf_puts(&sql, "INSERT IGNORE INTO switchboard_stats_dirty (company_id, day) VALUES ");
        for (size_t i = 0; i < n; i++) {
            buf_puts(&sql, i ? ", (?, ?)" : "(?, ?)");
            p[np++] = db_int(notes[nnotes - n + i].company_id);
            p[np++] = db_str(notes[nnotes - n + i].day);
        }
        int rc = db_exec(db, buf_cstr(&sql), p, np, NULL, NULL);
        buf_free(&sql);
        if (rc != 0) {
            log_msg("warn", "daily_stats: cannot mark %zu day(s) dirty: %s", nnotes, db_error(db));
            return -1;
        }
        nnotes -= n;
    }
    return 0;
}

int daily_stats_mark_recent(sb_db *db)
{
    /* local today and yesterday lie within UTC's tomorrow .. the day before yesterday (zones are within ±14 h) */
    return db_exec(db, "INSERT IGNORE INTO switchboard_stats_dirty (company_id, day) SELECT c.id, CURDATE() + INTERVAL 1 DAY"
                       " - INTERVAL s.seq DAY FROM companies c JOIN seq_0_to_3 s WHERE c.deleted_at IS NULL", NULL, 0, NULL, NULL);
}

long long daily_stats_mark_all(sb_db *db, arena *a, long long company_id, long long days)
{
    /* the UTC day of each row and its neighbours: the company's local day is one of them (zones are within ±14 h) */
#define AROUND(col) "DATE_FORMAT(DATE(" col ") - INTERVAL 1 DAY + INTERVAL s.seq DAY, '%Y-%m-%d')"
    static const char *const DAYS[] = {
        "SELECT DISTINCT company_id, " AROUND("created_at") " FROM calls JOIN seq_0_to_2 s WHERE company_id IS NOT NULL"
        " AND (? = 0 OR company_id = ?) AND created_at >= CURDATE() - INTERVAL ? DAY",
        "SELECT DISTINCT company_id, " AROUND("created_at") " FROM appointments JOIN seq_0_to_2 s WHERE company_id IS NOT NULL"
        " AND (? = 0 OR company_id = ?) AND created_at >= CURDATE() - INTERVAL ? DAY",
        "SELECT DISTINCT company_id, " AROUND("COALESCE(received_at, created_at)") " FROM webhook_events JOIN seq_0_to_2 s"
        " WHERE provider = 'calcom' AND company_id IS NOT NULL AND (? = 0 OR company_id = ?)"
        " AND created_at >= CURDATE() - INTERVAL ? DAY"};
#undef AROUND
    db_param p[] = {db_int(company_id), db_int(company_id), db_int(days)};
    for (size_t i = 0; i < sizeof DAYS / sizeof *DAYS; i++)
        if (daily_stats_note_query(db, a, DAYS[i], p, 3) != 0) return -1;
    long long n = (long long)nnotes;
    return daily_stats_flush(db) == 0 ? n : -1;
}

/* ---- recomputing one (company, day) ---- */

/* a day is [start, end) of the company's local day (D166): two FROM_UNIXTIME bounds */
#define IN_DAY(col) " " col " >= FROM_UNIXTIME(?) AND " col " < FROM_UNIXTIME(?)"
#define TEST_C SQL_TEST_CALL_OF("c")

/* per branch, agent and test flag: the call counters; the same definitions as the live report's Q_CALLS and Q_AGENTS */
static const char *const R_CALLS =
    "SELECT x.b, x.g, x.t, COUNT(*), SUM(x.ans), SUM(x.ans AND x.m IN ('booked_during_call', 'phone_match')),"
    " SUM(x.ans AND x.m IN ('phone_match', 'customer_match')), SUM(x.ans AND x.realc), SUM(IF(x.ans, x.secs, 0)),"
    " COALESCE(SUM(x.cost), 0), SUM(x.ans AND x.wanted), COALESCE(SUM(x.eur), 0), SUM(x.conv)"
    " FROM (SELECT COALESCE(c.branch_id, '') b, COALESCE(c.retell_agent_id, '') g, " TEST_C " t, " SQL_ANSWERED " ans,"
    "  " SQL_LINK_METHOD " m, " SQL_REAL_CUSTOMER " realc, COALESCE(c.duration_sec, 0) secs, c.cost_cents cost,"
    "  " SQL_WANTED " wanted, " SQL_COST_EUR_CENTS " eur, " SQL_COST_CONVERTED " conv"
    "  FROM calls c LEFT JOIN customers cu ON cu.id = c.customer_id AND cu.deleted_at IS NULL"
    "  WHERE c.company_id = ? AND" IN_DAY("c.created_at") " AND c.deleted_at IS NULL) x GROUP BY x.b, x.g, x.t";
static const char *const W_CALLS =
    "INSERT INTO switchboard_daily_calls (company_id, day, branch_id, agent_id, test, calls, answered, phone_booked,"
    " phone_influenced, matched, answered_seconds, cost_cents, wanted, cost_eur_cents, cost_converted)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
/* per branch and test flag (the linked call's): attribution, values and what became of the appointments (D170) */
static const char *const R_APPTS =
    "SELECT k.b, k.t, SUM(k.kind = 'phone_booked'), SUM(k.kind = 'phone_influenced'), SUM(k.kind = 'web'), SUM(k.kind = 'other'),"
    " SUM(IF(k.live AND k.kind IN ('phone_booked', 'phone_influenced'), k.price, 0)), SUM(IF(k.live AND k.kind = 'web', k.price, 0)),"
    " SUM(k.ph AND k.st IN ('completed', 'attended')), SUM(k.ph AND k.st = 'no_show'), SUM(k.ph AND k.st = 'cancelled'),"
    " SUM(k.kind = 'web' AND k.st IN ('completed', 'attended')), SUM(k.kind = 'web' AND k.st = 'no_show'),"
    " SUM(k.kind = 'web' AND k.st = 'cancelled')"
    " FROM (SELECT COALESCE(a.branch_id, '') b, COALESCE(" SQL_TEST_CALL_OF("lc") ", 0) t, " SQL_APPT_KIND " kind,"
    "  a.status <> 'cancelled' live, a.status st, COALESCE(s.price, 0) price, a.call_id IS NOT NULL ph"
    "  FROM appointments a LEFT JOIN calls lc ON lc.id = a.call_id LEFT JOIN services s ON s.id = a.service_id"
    "  WHERE a.company_id = ? AND" IN_DAY("a.created_at") " AND a.deleted_at IS NULL) k GROUP BY k.b, k.t";
static const char *const W_APPTS =
    "INSERT INTO switchboard_daily_stats (company_id, day, branch_id, test, appt_phone_booked, appt_phone_influenced, appt_web,"
    " appt_other, phone_value, web_value, phone_attended, phone_no_show, phone_cancelled, web_attended, web_no_show,"
    " web_cancelled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
/* customer-days: who called or booked on the web that day, and whether a live appointment followed within 7 days */
static const char *const R_VISITORS =
    "SELECT v.b, v.t, COUNT(*), SUM(EXISTS (SELECT 1 FROM appointments a WHERE a.customer_id = v.customer_id AND a.company_id = ?"
    "  AND a.deleted_at IS NULL AND a.status <> 'cancelled' AND a.created_at >= FROM_UNIXTIME(?)"
    "  AND a.created_at < FROM_UNIXTIME(?)))"
    " FROM (SELECT COALESCE(c.branch_id, '') b, " TEST_C " t, c.customer_id FROM calls c WHERE c.company_id = ? AND"
    "       " IN_DAY("c.created_at") " AND c.customer_id IS NOT NULL AND c.deleted_at IS NULL"
    "       UNION SELECT COALESCE(a.branch_id, ''), 0, a.customer_id FROM appointments a WHERE a.company_id = ?"
    "       AND a.source = 'cal.com' AND" IN_DAY("a.created_at") " AND a.deleted_at IS NULL) v GROUP BY v.b, v.t";
static const char *const W_VISITORS =
    "INSERT INTO switchboard_daily_stats (company_id, day, branch_id, test, visitors, converted_visitors) VALUES (?, ?, ?, ?, ?, ?)"
    " ON DUPLICATE KEY UPDATE visitors = VALUES(visitors), converted_visitors = VALUES(converted_visitors)";
/* the received time is within minutes of created_at, which is indexed with provider */
static const char *const R_WEB =
    "SELECT COUNT(*), COALESCE(SUM(status = 'processed' AND notes LIKE ? ESCAPE '|'), 0) FROM webhook_events"
    " WHERE provider = 'calcom' AND created_at >= FROM_UNIXTIME(?) - INTERVAL 1 DAY AND created_at < FROM_UNIXTIME(?) + INTERVAL 1 DAY"
    " AND company_id = ? AND event_type IN " SQL_WEB_BOOKING_TYPES " AND" IN_DAY("COALESCE(received_at, created_at)");
static const char *const W_WEB =
    "INSERT INTO switchboard_daily_stats (company_id, day, branch_id, test, web_events, web_events_ok) VALUES (?, ?, '', 0, ?, ?)"
    " ON DUPLICATE KEY UPDATE web_events = VALUES(web_events), web_events_ok = VALUES(web_events_ok)";
static const char *const R_MINUTES =
    "SELECT COALESCE(c.branch_id, ''), " TEST_C ", GREATEST(0, TIMESTAMPDIFF(SECOND, COALESCE(c.end_timestamp, c.created_at),"
    " a.created_at)) DIV 60, COUNT(*) FROM calls c JOIN appointments a ON a.id = c.converted_appointment_id"
    " WHERE c.company_id = ? AND" IN_DAY("c.created_at") " AND c.deleted_at IS NULL AND c.appointment_made = 1"
    " AND JSON_VALUE(c.linking_metadata, '$.method') IN ('booked_during_call', 'phone_match') GROUP BY 1, 2, 3";
static const char *const W_MINUTES =
    "INSERT INTO switchboard_daily_booking_minutes (company_id, day, branch_id, test, minutes, calls) VALUES (?, ?, ?, ?, ?, ?)";
/* Laravel's USD->EUR rate valid on the day (D169), else money.usd_eur_rate */
static const char *const R_RATE =
    "SELECT rate FROM currency_exchange_rates WHERE from_currency = 'USD' AND to_currency = 'EUR' AND is_active = 1"
    " AND valid_from < FROM_UNIXTIME(?) AND (valid_until IS NULL OR valid_until >= FROM_UNIXTIME(?))"
    " ORDER BY valid_from DESC LIMIT 1";

/* Insert every row of r through w: the key (company, day) first, then r's columns as text. */
static int write_rows(sb_db *db, const char *w, db_param company, db_param day, const db_rows *r)
{
    db_param p[18];
    for (size_t i = 0; i < r->nrows; i++) {
        p[0] = company;
        p[1] = day;
        for (size_t c = 0; c < r->ncols && c < 16; c++) p[2 + c] = db_str(db_cell(r, i, c) ? db_cell(r, i, c) : "0");
        if (db_exec(db, w, p, 2 + r->ncols, NULL, NULL) != 0) return -1;
    }
    return 0;
}

static char configured_rate[24] = "0.92"; /* money.usd_eur_rate of this process (daily_stats_set_config) */

void daily_stats_set_config(const sb_config *cfg)
{
    double v = cfg && cfg->money_usd_eur_rate ? strtod(cfg->money_usd_eur_rate, NULL) : 0;
    if (v > 0 && v < 100) snprintf(configured_rate, sizeof configured_rate, "%.6f", v);
}

const char *daily_stats_usd_eur_rate(sb_db *db, arena *a, int64_t start, int64_t end, int *from_table)
{
    db_param p[] = {db_int(end), db_int(start)};
    db_rows r;
    *from_table = db_query(db, a, R_RATE, p, 2, &r) == 0 && r.nrows && db_cell(&r, 0, 0);
    return *from_table ? db_cell(&r, 0, 0) : configured_rate;
}

static int recompute_day(sb_db *db, arena *a, long long company_id, const char *day)
{
    db_param c = db_int(company_id), d = db_str(day);
    db_rows r;
    int64_t t0, t1, t8;
    char day8[11];
    if (company_day_bounds(db, company_id, day, &t0, &t1) != 0 || time_day_add(day, 8, day8) != 0 ||
        company_day_bounds(db, company_id, day8, &t8, &(int64_t){0}) != 0)
        return -1;
    db_param s0 = db_int(t0), s1 = db_int(t1);
    if (db_exec(db, "DELETE FROM switchboard_daily_calls WHERE company_id = ? AND day = ?", (db_param[]){c, d}, 2, NULL, NULL) != 0 ||
        db_exec(db, "DELETE FROM switchboard_daily_stats WHERE company_id = ? AND day = ?", (db_param[]){c, d}, 2, NULL, NULL) != 0 ||
        db_exec(db, "DELETE FROM switchboard_daily_booking_minutes WHERE company_id = ? AND day = ?", (db_param[]){c, d}, 2, NULL,
                NULL) != 0)
        return -1;
    int from_table;
    db_param rate = db_str(daily_stats_usd_eur_rate(db, a, t0, t1, &from_table));
    db_param rcdd[] = {rate, c, s0, s1}, cdd[] = {c, s0, s1};
    if (db_query(db, a, R_CALLS, rcdd, 4, &r) != 0 || write_rows(db, W_CALLS, c, d, &r) != 0) return -1;
    if (db_query(db, a, R_APPTS, cdd, 3, &r) != 0 || write_rows(db, W_APPTS, c, d, &r) != 0) return -1;
    db_param vp[] = {c, s0, db_int(t8), c, s0, s1, c, s0, s1};
    if (db_query(db, a, R_VISITORS, vp, 9, &r) != 0 || write_rows(db, W_VISITORS, c, d, &r) != 0) return -1;
    db_param wp[] = {db_str(SQL_WEB_EVENT_OK_NOTE), s0, s1, c, s0, s1};
    if (db_query(db, a, R_WEB, wp, 6, &r) != 0) return -1;
    if (atoll(db_cell(&r, 0, 0)) > 0 && write_rows(db, W_WEB, c, d, &r) != 0) return -1;
    if (db_query(db, a, R_MINUTES, cdd, 3, &r) != 0 || write_rows(db, W_MINUTES, c, d, &r) != 0) return -1;
    return 0;
}

/* FNV-1a over every statement that computes a day */
static void definition_digest(char out[17])
{
    /* the last part names what the statements cannot show: days are the company's local days (D166) */
    const char *const parts[] = {R_CALLS, R_APPTS, R_VISITORS, R_WEB, R_MINUTES, SQL_WEB_EVENT_OK_NOTE, R_RATE, "local days"};
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
        for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++) h = (h ^ *p) * 1099511628211ULL;
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

int daily_stats_check_definition(sb_db *db, arena *a)
{
    char digest[17];
    definition_digest(digest);
    db_rows r;
    if (db_query(db, a, "SELECT digest FROM switchboard_stats_definition WHERE id = 1", NULL, 0, &r) != 0) return -1;
    if (r.nrows && !strcmp(db_cell(&r, 0, 0), digest)) return 0;
    if (r.nrows) log_msg("info", "daily_stats: the metric definitions changed (%s -> %s): recomputing every day", db_cell(&r, 0, 0), digest);
    /* a first start after migration 0010 already has every day marked; marking again is harmless */
    if (daily_stats_mark_all(db, a, 0, 3660) < 0) return -1;
    db_param p = db_str(digest);
    if (db_exec(db, "REPLACE INTO switchboard_stats_definition (id, digest) VALUES (1, ?)", &p, 1, NULL, NULL) != 0) return -1;
    return 1;
}

int daily_stats_refresh(sb_db *db, arena *a, long long company_id, size_t max)
{
    db_param p[] = {db_int(company_id), db_int(company_id), db_int((long long)max)};
    db_rows due;
    if (db_query(db, a, "SELECT company_id, DATE_FORMAT(day, '%Y-%m-%d') FROM switchboard_stats_dirty WHERE (? = 0 OR company_id = ?)"
                        " ORDER BY day DESC LIMIT ?", p, 3, &due) != 0)
        return -1;
    int done = 0;
    for (size_t i = 0; i < due.nrows; i++) {
        long long company = atoll(db_cell(&due, i, 0));
        const char *day = db_cell(&due, i, 1);
        db_param key[] = {db_int(company), db_str(day)};
        uint64_t claimed = 0;
        /* claim first, in its own statement: a change committed after this point marks the day again */
        if (db_exec(db, "DELETE FROM switchboard_stats_dirty WHERE company_id = ? AND day = ?", key, 2, NULL, &claimed) != 0)
            return -1;
        if (!claimed) continue; /* another process took it */
        if (db_begin(db) != 0 || recompute_day(db, a, company, day) != 0 || db_commit(db) != 0) {
            log_msg("warn", "daily_stats: recomputing company %lld day %s failed: %s", company, day, db_error(db));
            db_rollback(db);
            daily_stats_note(company, day); /* give the claim back */
            daily_stats_flush(db);
            return -1;
        }
        done++;
    }
    return done;
}

long long daily_stats_backlog(sb_db *db, arena *a, long long company_id)
{
    db_param p[] = {db_int(company_id), db_int(company_id)};
    db_rows r;
    if (db_query(db, a, "SELECT COUNT(*) FROM switchboard_stats_dirty WHERE (? = 0 OR company_id = ?)", p, 2, &r) != 0) return -1;
    return atoll(db_cell(&r, 0, 0));
}

/* ---- reading a window ---- */

/* company (2), branch (2), first and last local day, tests (1: include) */
#define SCOPE " WHERE (? = 0 OR company_id = ?) AND (? = '' OR branch_id = ?)" \
              " AND day >= CAST(? AS DATE) AND day <= CAST(? AS DATE) AND (? = 1 OR test = 0)"

static const char *const D_CALLS =
    "SELECT COALESCE(SUM(calls), 0), COALESCE(SUM(answered), 0), COALESCE(SUM(phone_booked), 0),"
    " COALESCE(SUM(phone_influenced), 0), COALESCE(SUM(matched), 0), COALESCE(SUM(cost_eur_cents), 0) / 100,"
    " COALESCE(SUM(wanted), 0), COALESCE(SUM(cost_converted), 0)"
    " FROM switchboard_daily_calls" SCOPE;
static const char *const D_DAYS =
    "SELECT DATE_FORMAT(day, '%Y-%m-%d'), SUM(appt_phone_booked), SUM(appt_phone_influenced), SUM(appt_web), SUM(appt_other),"
    " SUM(phone_value), SUM(web_value), SUM(visitors), SUM(converted_visitors), SUM(web_events), SUM(web_events_ok),"
    " SUM(phone_attended), SUM(phone_no_show), SUM(phone_cancelled), SUM(web_attended), SUM(web_no_show), SUM(web_cancelled)"
    " FROM switchboard_daily_stats" SCOPE " GROUP BY day ORDER BY day";
static const char *const D_AGENTS =
    "SELECT IF(d.agent_id = '', '(none)', d.agent_id), (SELECT MAX(ra.name) FROM retell_agents ra WHERE ra.agent_id = d.agent_id),"
    " SUM(d.calls), SUM(d.answered), SUM(d.phone_booked), SUM(d.answered_seconds) / GREATEST(SUM(d.answered), 1),"
    " SUM(d.cost_eur_cents) / 100 FROM (SELECT agent_id, calls, answered, phone_booked, answered_seconds, cost_eur_cents"
    " FROM switchboard_daily_calls" SCOPE ") d GROUP BY d.agent_id ORDER BY 3 DESC, 1";
static const char *const D_MINUTES =
    "SELECT minutes, SUM(calls) FROM switchboard_daily_booking_minutes" SCOPE " GROUP BY minutes ORDER BY minutes";
/* the web channel's monthly cost (D169): the company's own, else the config's; for all companies their sum */
static const char *const D_WEB_COST =
    "SELECT COALESCE(SUM(COALESCE(s.web_monthly_cost_eur, ?)), 0) FROM companies c"
    " LEFT JOIN switchboard_company_settings s ON s.company_id = c.id WHERE c.deleted_at IS NULL AND (? = 0 OR c.id = ?)";

/* nearest-rank percentile over a minutes histogram (ordered by minutes) */
static double histogram_rank(const db_rows *h, long long total, int pct)
{
    long long want = (total * pct + 99) / 100, seen = 0;
    for (size_t i = 0; i < h->nrows; i++) {
        seen += db_cell_ll(h, i, 1);
        if (seen >= want) return (double)db_cell_ll(h, i, 0);
    }
    return -1;
}

int daily_stats_report(sb_db *db, arena *a, const sb_config *cfg, long long company_id, const char *branch, long long days,
                       long long ago, conversion_report *r)
{
    daily_stats_window w = {company_id, branch, days, ago, company_zone(db, a, cfg, company_id), 0};
    return daily_stats_report_window(db, a, cfg, &w, r);
}

int daily_stats_report_window(sb_db *db, arena *a, const sb_config *cfg, const daily_stats_window *w, conversion_report *r)
{
    memset(r, 0, sizeof *r);
    long long days = w->days < 1 ? 1 : w->days;
    char today[11], first[11], last[11], after[11];
    if (time_local_day((int64_t)time(NULL), w->zone, today) != 0 || time_day_add(today, (int)-(w->ago + days - 1), first) != 0 ||
        time_day_add(today, (int)-w->ago, last) != 0 || time_day_add(last, 1, after) != 0 ||
        time_day_start(first, w->zone, &r->since) != 0 || time_day_start(after, w->zone, &r->until) != 0)
        return -1;
    r->first_day = arena_strdup(a, first);
    r->last_day = arena_strdup(a, last);
    r->company_id = w->company_id;
    r->tests_included = w->tests;
    const char *br = w->branch ? w->branch : "";
    db_param p[] = {db_int(w->company_id), db_int(w->company_id), db_str(br), db_str(br), db_str(first), db_str(last),
                    db_int(w->tests ? 1 : 0)};
    db_rows q;
    if (db_query(db, a, D_CALLS, p, 7, &q) != 0) return -1;
    r->calls = db_cell_ll(&q, 0, 0);
    r->answered = db_cell_ll(&q, 0, 1);
    r->phone_booked_calls = db_cell_ll(&q, 0, 2);
    r->phone_influenced_calls = db_cell_ll(&q, 0, 3);
    r->matched_calls = db_cell_ll(&q, 0, 4);
    r->phone_cost_eur = db_cell_double(&q, 0, 5);
    r->wanted = db_cell_ll(&q, 0, 6);
    r->cost_converted = db_cell_ll(&q, 0, 7);
    r->phone_booking_rate = conversions_percent(r->phone_booked_calls, r->answered);
    r->customer_match_rate = conversions_percent(r->matched_calls, r->answered);
    if (db_query(db, a, D_DAYS, p, 7, &q) != 0) return -1;
    conversions_fill_days(r, a, &q);
    for (size_t i = 0; i < q.nrows; i++) { /* what only the aggregates carry per day */
        r->visitors += db_cell_ll(&q, i, 7);
        r->converted_visitors += db_cell_ll(&q, i, 8);
        r->web_events += db_cell_ll(&q, i, 9);
        r->web_events_ok += db_cell_ll(&q, i, 10);
        r->phone_attended += db_cell_ll(&q, i, 11);
        r->phone_no_show += db_cell_ll(&q, i, 12);
        r->phone_cancelled += db_cell_ll(&q, i, 13);
        r->web_attended += db_cell_ll(&q, i, 14);
        r->web_no_show += db_cell_ll(&q, i, 15);
        r->web_cancelled += db_cell_ll(&q, i, 16);
    }
    r->overall_conversion = conversions_percent(r->converted_visitors, r->visitors);
    r->web_booking_success = conversions_percent(r->web_events_ok, r->web_events);
    if (db_query(db, a, D_MINUTES, p, 7, &q) != 0) return -1;
    long long booked = 0;
    for (size_t i = 0; i < q.nrows; i++) booked += db_cell_ll(&q, i, 1);
    r->minutes_to_booking_median = booked ? histogram_rank(&q, booked, 50) : -1;
    r->minutes_to_booking_p90 = booked ? histogram_rank(&q, booked, 90) : -1;
    db_param wc[] = {db_int(cfg->metrics_web_monthly_cost_eur), db_int(w->company_id), db_int(w->company_id)};
    if (db_query(db, a, D_WEB_COST, wc, 3, &q) != 0) return -1;
    r->web_cost_eur = db_cell_double(&q, 0, 0) * (double)days / 30.0;
    if (db_query(db, a, D_AGENTS, p, 7, &q) != 0) return -1;
    conversions_fill_agents(r, a, &q);
    return 0;
}
