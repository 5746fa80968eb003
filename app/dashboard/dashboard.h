/* dashboard.h: what the dashboard pages share. The chrome (dashboard_chrome.c)
 * first; then what one page file offers the others, each block naming its file. */
#ifndef SB_DASHBOARD_H
#define SB_DASHBOARD_H

#include "app.h"

#include "conversions.h"
#include "session.h"

/* the session cookie (dashboard_chrome.c reads it, dashboard_login.c sets and clears it) */
#define DASH_SESSION_COOKIE "sb_session"

/* The page head, header (navigation, language switch, an operator's company
 * picker) and <h1>title. Language: s->lang, or without a session dash_lang(req). */
void dash_page_start(sb_app *app, const sb_request *req, sb_response *resp, const char *title, const session *s);
/* The language of this request: cookie sb_lang (de|en), else Accept-Language, else German. */
sb_lang dash_lang(const sb_request *req);
/* <th> cells with the texts of ids, escaped */
void dash_th(buf *b, sb_lang lang, const i18n_msg *ids, size_t n);
/* A number from the query string, clamped to [lo, hi]; def when absent. */
long long dash_q_int(const sb_request *req, const char *name, long long def, long long lo, long long hi);
/* links to the same page for today, 7, 30 and 90 days */
void dash_period_links(buf *b, sb_lang lang, const char *path, long long days, const char *branch);
/* the same presets as a <select name="days"> */
void dash_period_select(buf *b, sb_lang lang, long long days);
void dash_page_end(sb_response *resp);
/* The zone this page's times and days are in: the company's, or dashboard.timezone for all (arena). */
const char *dash_zone(sb_app *app, const sb_request *req, const session *s);
/* 1 when the page counts test calls (?tests=1) */
int dash_tests(const sb_request *req);
/* the navigation's Rückrufe link with the open count of the session's scope */
void dash_callbacks_nav(sb_app *app, const sb_request *req, buf *b, const session *s);
/* An error answered as an HTML page: status, msg (escaped), a link home; the body so far is dropped. */
void dash_error(sb_response *resp, int status, const char *msg);
/* Guards (D193): 1 when the caller may proceed, 0 after answering.
 * The session of this request (with its language), or 0 after answering (redirect to /login or 503). */
int dash_need_session(sb_app *app, const sb_request *req, sb_response *resp, session *s);
/* a POST's session with its CSRF token checked, or 0 after answering (403, or the login) */
int dash_need_post_session(sb_app *app, const sb_request *req, sb_response *resp, session *s);
/* 303 to a local path */
void dash_redirect(sb_response *resp, const char *to);
/* ?branch= of a report page (a UUID), or NULL */
const char *dash_branch(const sb_request *req);
/* the branch filter form of a report page (only when one company is shown) */
void dash_branch_picker(sb_app *app, const sb_request *req, buf *b, const session *s, const char *path, long long days);
/* the report of the page's period from the daily aggregates; 0 after answering */
int dash_report(sb_app *app, const sb_request *req, sb_response *resp, const session *s, long long ago, conversion_report *r);
void dash_num_cell(buf *b, const char *label, const char *value, const char *note);

/* ---- at a glance (issue 17, dashboard_glance.c) ---- */
/* the company's test numbers with the add/remove forms (one company shown only) */
void dash_test_numbers(sb_app *app, const sb_request *req, buf *b, const session *s);
/* epoch seconds (text) as local time in zone: "2026-03-29 09:30", ISO 8601 with offset (iso 1), or with seconds
 * "2026-03-29 09:30:05" (iso 2); NULL for none (arena) */
const char *dash_time(arena *a, const char *epoch, const char *zone, int iso);
/* column col of r (Unix seconds) rewritten in place as dash_time text */
void dash_localize(db_rows *r, size_t col, arena *a, const char *zone, int iso);
/* "Times in ZONE · test calls left out [include them]" (path NULL: the zone only) */
void dash_glance_bar(buf *b, sb_lang lang, const sb_request *req, const char *path, const char *zone);
typedef struct dash_target_set {
    long long web_pct, phone_pct, overall_pct, sync_ms;
} dash_target_set;
/* targets.* of the config, overridden by switchboard_company_settings of company */
void dash_targets(sb_app *app, const sb_request *req, long long company_id, dash_target_set *t);
/* a percent KPI with its target (met/missed) and the trend against prev; basis 0 (nothing measured): "–", neither */
void dash_kpi_target(buf *b, arena *a, sb_lang lang, const char *label, double value, double prev, long long target_pct,
                     long long basis, const char *detail);
/* the sync-time KPI (queue lag p99 of the last hour) against t->sync_ms */
void dash_sync_kpi(sb_app *app, const sb_request *req, buf *b, sb_lang lang, const dash_target_set *t);
/* "1 USD = R EUR (source); N calls converted" for the period's last day (arena) */
const char *dash_rate_note(sb_app *app, const sb_request *req, sb_lang lang, const conversion_report *r);

/* the last run of sync-calls, detect-conversions and prune, in the page's zone (17.8) */
void dash_freshness(sb_app *app, const sb_request *req, buf *b, const session *s);
/* the funnel to the chair (17.2): phone (calls .. attended/no-show/cancelled) and web, each a chart and a table */
void dash_funnel(buf *b, arena *a, sb_lang lang, const conversion_report *r);

/* ---- charts (issue 17.4, dashboard_charts.c) ---- */
typedef struct dash_chart_spec {
    const char *title;                /* the chart's accessible name and <title> */
    size_t n;                         /* categories (bars) */
    const char *const *labels;        /* n: each bar's full name (its <title>) */
    const char *const *short_labels;  /* n, or NULL: the x axis's text */
    size_t nseries;                   /* stacked parts of each bar */
    const char *const *series;        /* nseries: legend texts */
    const char *const *classes;       /* nseries: CSS classes (colours) */
    const long long *values;          /* n * nseries, row-major */
} dash_chart_spec;
/* A stacked bar chart with axes, gridlines, a <title> per bar and a legend, as a <figure>. */
void dash_chart(buf *b, arena *a, const dash_chart_spec *c);
/* One series (c->values[0..n), c->classes[0]) as horizontal bars with the names above them: the funnels. */
void dash_hchart(buf *b, const dash_chart_spec *c);
/* "YYYY-MM-DD" -> "DD.MM." (arena) */
const char *dash_short_day(arena *a, const char *day);
/* an entity's webhook events as a table; event_id_sql selects id, type, status, received (Unix seconds, shown in
 * zone), note by one key (dashboard_lists.c) */
void dash_events_table(sb_app *app, const sb_request *req, sb_lang lang, const char *zone, buf *b, const char *event_id_sql,
                       db_param key);
/* a callback reason word (migration 0013) as a person reads it, or the word itself (dashboard_callbacks.c) */
const char *dash_callback_reason(sb_lang lang, const char *word);

#endif
