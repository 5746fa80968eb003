/* daily_stats.h: the conversion metrics pre-aggregated per company, day and
 * branch (tables of migration 0010), so a report page reads a few hundred
 * rows instead of a tenant's million calls.
 *
 * Keeping them current, in three steps:
 *  1. note: every write of a call or an appointment (lib/record.c), every
 *     linker run and every processed Cal.com event notes the (company, day)
 *     it changes, in this process's memory (no lock taken inside the
 *     writer's transaction);
 *  2. flush: after the writer's transaction ends, the notes become rows of
 *     switchboard_stats_dirty (the FastCGI loop after each request, the
 *     pipeline after each event, every CLI command before it exits);
 *  3. refresh: the worker (and a dashboard page, for its own company, before
 *     it reads) claims dirty days by deleting their mark, then recomputes
 *     them. A mark flushed after the claim stays for the next refresh, so a
 *     change is never lost between the two.
 * Writes nobody notes (the Laravel app's, a customer renamed) are caught by
 * daily_stats_mark_recent (today and yesterday, every few minutes) and by
 * `switchboard stats --rebuild`.
 *
 * Differences from the live report (conversions_compute), written in README:
 * windows are whole local days of the company (companies.timezone, D166); call
 * to booking is in whole minutes. The overall conversion counts customer-days
 * (a customer who called or booked on the web that day, who has a live
 * appointment created that day or in the 7 after) because a distinct count over
 * a quarter's customers cannot be read in 100 ms; the live report counts the
 * same local customer-days (D206). */
#ifndef SB_DAILY_STATS_H
#define SB_DAILY_STATS_H

#include <stdint.h>

#include "arena.h"
#include "config.h"
#include "conversions.h"
#include "db.h"

/* Note the day of one written row of `table` (calls or appointments; other
 * tables are ignored). Reads the row, so call it after the write. 0 or -1. */
int daily_stats_note_row(sb_db *db, arena *a, const char *table, uint64_t id);
/* The same without the read, for a writer that knows the row's company and
 * created_at (Unix seconds; 0: stamped NOW() by this very write, D225). */
void daily_stats_note_written(sb_db *db, const char *table, long long company_id, long long created_at);
/* Note (company, day YYYY-MM-DD) directly. */
void daily_stats_note(long long company_id, const char *day);
/* Note the company-local day of an instant (Unix seconds as text, a DB cell; NULL ignored) (D166). */
void daily_stats_note_instant(sb_db *db, long long company_id, const char *unix_seconds);
/* Note what a query returns as (company_id, day) rows. 0 or -1. */
int daily_stats_note_query(sb_db *db, arena *a, const char *sql, const db_param *p, size_t n);
/* Write the notes as dirty marks. Call outside any transaction. 0 or -1 (the
 * notes are kept for the next flush). */
int daily_stats_flush(sb_db *db);
/* Mark today and yesterday of every company dirty (the safety net). */
int daily_stats_mark_recent(sb_db *db);
/* Mark every day with calls, appointments or Cal.com events of company
 * (0: all) in the last `days` days dirty. Number of days marked or -1. */
long long daily_stats_mark_all(sb_db *db, arena *a, long long company_id, long long days);
/* Mark every day dirty when the SQL that computes a day differs from the one
 * the aggregates were computed with (an upgrade changed a metric); the
 * worker calls it at start. 1 re-marked, 0 current, -1 error. */
int daily_stats_check_definition(sb_db *db, arena *a);
/* Recompute up to max dirty days of company (0: any), newest first. Number
 * of days recomputed, or -1. Call outside any transaction. */
int daily_stats_refresh(sb_db *db, arena *a, long long company_id, size_t max);
/* Days still waiting to be recomputed (company 0: all), or -1. */
long long daily_stats_backlog(sb_db *db, arena *a, long long company_id);

/* The report over whole days: `days` days ending `ago` days before today
 * (days 1, ago 0: today) in the company's zone (all: dashboard.timezone), of
 * company (0: all) and branch ("" or NULL: all), test calls left out.
 * Fills r as conversions_compute does (strings in a). 0 or -1. */
int daily_stats_report(sb_db *db, arena *a, const sb_config *cfg, long long company_id, const char *branch, long long days,
                       long long ago, conversion_report *r);

/* The window of a report (issue 17): whole local days of `zone` ("today" is
 * today there), test calls left out unless tests is 1. */
typedef struct daily_stats_window {
    long long company_id;  /* 0: all */
    const char *branch;    /* "" or NULL: all */
    long long days, ago;   /* days days ending ago days before today */
    const char *zone;      /* IANA zone of "today" (company_zone) */
    int tests;             /* 1: include test calls */
} daily_stats_window;
int daily_stats_report_window(sb_db *db, arena *a, const sb_config *cfg, const daily_stats_window *w, conversion_report *r);
/* money.usd_eur_rate of this process (call once after loading the config; default 0.92). */
void daily_stats_set_config(const sb_config *cfg);
/* The USD->EUR rate for the instants [start, end): Laravel's currency_exchange_rates
 * row valid then (*from_table 1), else money.usd_eur_rate (0). The text of the rate, in a or static. */
const char *daily_stats_usd_eur_rate(sb_db *db, arena *a, int64_t start, int64_t end, int *from_table);

#endif
