/* dashboard_glance.c: what makes a report page readable at a glance (issue 17):
 * whose clock the page is in, whether test calls are counted, times in that
 * clock, targets with met/missed and the trend, the funnel to the chair, and
 * a company's test numbers. Pages call these; the data comes from the daily
 * aggregates (dash_report) like everything else on a report page. */
#include "dashboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command_runs.h"
#include "company_clock.h"
#include "daily_stats.h"
#include "form.h"
#include "html.h"
#include "phone.h"
#include "queue_stats.h"
#include "timeutil.h"

const char *dash_time(arena *a, const char *epoch, const char *zone, int iso)
{
    char out[40];
    if (!epoch || !*epoch || time_format_local(strtoll(epoch, NULL, 10), zone, iso, out, sizeof out) != 0) return NULL;
    return arena_strdup(a, out);
}

void dash_localize(db_rows *r, size_t col, arena *a, const char *zone, int iso)
{
    for (size_t i = 0; col < r->ncols && i < r->nrows; i++) {
        char **cell = &r->cell[i * r->ncols + col];
        if (*cell) *cell = (char *)dash_time(a, *cell, zone, iso);
    }
}

void dash_glance_bar(buf *b, sb_lang lang, const sb_request *req, const char *path, const char *zone)
{
    int tests = dash_tests(req);
    buf_puts(b, "<p class=\"glance\"><span class=\"zone\">");
    html_text(b, arena_printf(req->pool, i18n_text(lang, M_TIMES_IN_FMT), zone));
    buf_puts(b, "</span>");
    if (!path) {
        buf_puts(b, "</p>");
        return;
    }
    buf_puts(b, " · <span class=\"tests\">");
    html_text(b, i18n_text(lang, tests ? M_TESTS_SHOWN : M_TESTS_HIDDEN));
    buf_puts(b, "</span> <a class=\"tests-toggle\" href=\"");
    html_attr(b, path);
    buf_printf(b, "?days=%lld&amp;tests=%d", dash_q_int(req, "days", 30, 1, 3660), !tests);
    const char *branch = dash_branch(req);
    if (branch) {
        buf_puts(b, "&amp;branch=");
        html_url(b, branch);
    }
    buf_puts(b, "\">");
    html_text(b, i18n_text(lang, tests ? M_TESTS_HIDE : M_TESTS_SHOW));
    buf_puts(b, "</a></p>");
}

/* ---- targets (17.3) ---- */

void dash_targets(sb_app *app, const sb_request *req, long long company_id, dash_target_set *t)
{
    t->web_pct = app->cfg.targets_web_pct;
    t->phone_pct = app->cfg.targets_phone_pct;
    t->overall_pct = app->cfg.targets_overall_pct;
    t->sync_ms = app->cfg.targets_sync_ms;
    if (company_id <= 0) return;
    db_param p = db_int(company_id);
    db_rows r;
    if (db_query(db_for_reads(&app->reads), req->pool,
                 "SELECT target_web_pct, target_phone_pct, target_overall_pct, target_sync_ms FROM switchboard_company_settings"
                 " WHERE company_id = ?", &p, 1, &r) != 0 || !r.nrows)
        return;
    long long *slot[] = {&t->web_pct, &t->phone_pct, &t->overall_pct, &t->sync_ms};
    for (size_t c = 0; c < 4; c++)
        if (db_cell(&r, 0, c)) *slot[c] = atoll(db_cell(&r, 0, c));
}

/* A KPI with its target and the trend: the value, "target N %: met|missed"
 * (class met/missed on the cell), and the previous period with an arrow. */
void dash_kpi_target(buf *b, arena *a, sb_lang lang, const char *label, double value, double prev, long long target_pct,
                     long long basis, const char *detail)
{
    int met = value >= (double)target_pct;
    if (basis <= 0) { /* nothing to measure in the period: neither met nor missed */
        buf_puts(b, "<div class=\"kpi\"><div class=\"label\">");
        html_text(b, label);
        buf_puts(b, "</div><div class=\"value\">–</div><div class=\"target\">");
        html_text(b, arena_printf(a, i18n_text(lang, M_TARGET_FMT), target_pct));
        buf_puts(b, "</div><div class=\"note\">");
        html_text(b, detail ? detail : "");
        buf_puts(b, "</div></div>");
        return;
    }
    double d = value - prev;
    i18n_msg trend = d > 0.005 ? M_TREND_UP : d < -0.005 ? M_TREND_DOWN : M_TREND_FLAT;
    buf_puts(b, met ? "<div class=\"kpi met\"><div class=\"label\">" : "<div class=\"kpi missed\"><div class=\"label\">");
    html_text(b, label);
    buf_puts(b, "</div><div class=\"value\">");
    html_text(b, arena_printf(a, "%.2f %%", value));
    buf_puts(b, "</div><div class=\"target\">");
    html_text(b, arena_printf(a, i18n_text(lang, met ? M_TARGET_MET_FMT : M_TARGET_MISSED_FMT), target_pct));
    buf_puts(b, "</div><div class=\"trend ");
    buf_puts(b, d > 0.005 ? "up\">↑ " : d < -0.005 ? "down\">↓ " : "flat\">→ ");
    html_text(b, i18n_text(lang, trend));
    buf_puts(b, ", ");
    html_text(b, arena_printf(a, i18n_text(lang, M_PREV_PERIOD_DELTA_FMT), prev, d));
    buf_puts(b, "</div><div class=\"note\">");
    html_text(b, detail ? detail : "");
    buf_puts(b, "</div></div>");
}

/* sync time: the queue's lag p99 over the last hour against targets.sync_ms */
void dash_sync_kpi(sb_app *app, const sb_request *req, buf *b, sb_lang lang, const dash_target_set *t)
{
    queue_stats q;
    if (queue_stats_read_health(db_for_reads(&app->reads), req->pool, 0, app->cfg.spool_dir, &q) != 0) return;
    int met = q.lag_p99_ms <= t->sync_ms;
    buf_puts(b, met ? "<div class=\"kpi met\"><div class=\"label\">" : "<div class=\"kpi missed\"><div class=\"label\">");
    html_text(b, i18n_text(lang, M_SYNC_P99));
    buf_puts(b, "</div><div class=\"value\">");
    html_text(b, arena_printf(req->pool, "%.1f s", (double)q.lag_p99_ms / 1000.0));
    buf_puts(b, "</div><div class=\"target\">");
    html_text(b, arena_printf(req->pool, i18n_text(lang, met ? M_TARGET_MS_MET_FMT : M_TARGET_MS_MISSED_FMT), (double)t->sync_ms / 1000.0));
    buf_puts(b, "</div><div class=\"note\">");
    html_text(b, i18n_text(lang, M_SYNC_NOTE));
    buf_puts(b, "</div></div>");
}

/* ---- money (17.6) ---- */

const char *dash_rate_note(sb_app *app, const sb_request *req, sb_lang lang, const conversion_report *r)
{
    int from_table;
    const char *rate = daily_stats_usd_eur_rate(db_for_reads(&app->reads), req->pool, r->until - 86400, r->until, &from_table);
    return arena_printf(req->pool, i18n_text(lang, M_RATE_FMT), rate,
                        from_table ? "currency_exchange_rates" : "money.usd_eur_rate", r->cost_converted);
}

/* ---- the funnel to the chair (17.2) ---- */

typedef struct funnel_step {
    i18n_msg label;
    long long n;
    int of; /* the step its share is of (-1: none) */
} funnel_step;

static void funnel(buf *b, arena *a, sb_lang lang, i18n_msg title, const char *cls, const funnel_step *st, size_t n)
{
    const char **labels = arena_alloc(a, sizeof *labels * n);
    long long *vals = arena_alloc(a, sizeof *vals * n);
    for (size_t i = 0; i < n; i++) {
        labels[i] = i18n_text(lang, st[i].label);
        vals[i] = st[i].n;
    }
    const char *series[] = {i18n_text(lang, M_NUMBER_COL)}, *classes[] = {cls};
    buf_puts(b, "<section class=\"funnel-box\"><h2>");
    html_text(b, i18n_text(lang, title));
    buf_puts(b, "</h2>");
    dash_hchart(b, &(dash_chart_spec){i18n_text(lang, title), n, labels, NULL, 1, series, classes, vals});
    buf_puts(b, "<div class=\"scroll\"><table class=\"funnel-table\"><thead><tr>");
    dash_th(b, lang, (const i18n_msg[]){M_STEP, M_NUMBER_COL, M_SHARE}, 3);
    buf_puts(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        buf_puts(b, "<tr><td>");
        html_text(b, labels[i]);
        buf_printf(b, "</td><td>%lld</td><td>", st[i].n);
        if (st[i].of >= 0) html_text(b, arena_printf(a, "%.1f %%", st[st[i].of].n ? 100.0 * (double)st[i].n / (double)st[st[i].of].n : 0.0));
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table></div></section>");
}

void dash_funnel(buf *b, arena *a, sb_lang lang, const conversion_report *r)
{
    /* phone: the share of each step is of the step it comes from; the outcomes are of both booked kinds */
    const funnel_step phone[] = {{M_CALLS, r->calls, -1},
                                 {M_ANSWERED, r->answered, 0},
                                 {M_WANTED, r->wanted, 1},
                                 {M_PHONE_BOOKED, r->phone_booked_calls, 2},
                                 {M_BOOKED_ONLINE_AFTER, r->phone_influenced_calls, 2},
                                 {M_ATTENDED, r->phone_attended, -1},
                                 {M_NO_SHOW, r->phone_no_show, -1},
                                 {M_CANCELLED, r->phone_cancelled, -1}};
    const funnel_step web[] = {{M_WEB_BOOKINGS, r->appt_web, -1},
                               {M_ATTENDED, r->web_attended, 0},
                               {M_NO_SHOW, r->web_no_show, 0},
                               {M_CANCELLED, r->web_cancelled, 0}};
    funnel(b, a, lang, M_FUNNEL_PHONE, "phone", phone, sizeof phone / sizeof *phone);
    funnel(b, a, lang, M_FUNNEL_WEB, "web", web, sizeof web / sizeof *web);
}

/* ---- freshness (17.8) ---- */

void dash_freshness(sb_app *app, const sb_request *req, buf *b, const session *s)
{
    command_run runs[COMMAND_RUNS_N];
    if (command_runs_read(db_for_reads(&app->reads), req->pool, runs) != 0) return;
    sb_lang L = s->lang;
    const char *zone = dash_zone(app, req, s);
    buf_puts(b, "<h2>");
    html_text(b, i18n_text(L, M_FRESHNESS));
    buf_puts(b, "</h2><div class=\"scroll\"><table class=\"freshness\"><thead><tr>");
    dash_th(b, L, (const i18n_msg[]){M_COMMAND, M_LAST_RUN, M_STATUS, M_LAST_OK, M_OUTCOME}, 5);
    buf_puts(b, "</tr></thead><tbody>");
    for (size_t k = 0; k < COMMAND_RUNS_N; k++) {
        const command_run *r = &runs[k];
        const char *never = i18n_text(L, M_NEVER);
        const char *last = r->finished ? dash_time(req->pool, arena_printf(req->pool, "%lld", (long long)r->finished), zone, 0) : never;
        const char *ok = r->last_success ? dash_time(req->pool, arena_printf(req->pool, "%lld", (long long)r->last_success), zone, 0) : never;
        buf_puts(b, "<tr><td>");
        html_text(b, r->command);
        buf_puts(b, "</td><td>");
        html_text(b, last);
        buf_puts(b, r->finished ? (r->ok ? "</td><td class=\"st-processed\">ok" : "</td><td class=\"st-failed\">failed") : "</td><td>–");
        buf_puts(b, "</td><td>");
        html_text(b, ok);
        buf_puts(b, "</td><td>");
        /* the outcome counts every company's rows: operators only */
        html_text(b, s->operator_ ? r->outcome : "–");
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table></div>");
}

/* ---- a company's test numbers (17.5) ---- */

void dash_test_numbers(sb_app *app, const sb_request *req, buf *b, const session *s)
{
    if (s->company_id <= 0) return; /* numbers belong to one company: an operator picks it first */
    db_param p = db_int(s->company_id);
    db_rows r;
    if (db_query(db_for_reads(&app->reads), req->pool,
                 "SELECT number, COALESCE(label, '') FROM switchboard_test_numbers WHERE company_id = ? ORDER BY number LIMIT 200", &p, 1,
                 &r) != 0)
        return;
    sb_lang L = s->lang;
    buf_puts(b, "<section class=\"test-numbers\"><h2>");
    html_text(b, i18n_text(L, M_TEST_NUMBERS));
    buf_puts(b, "</h2><p class=\"glance\">");
    html_text(b, i18n_text(L, M_TEST_NUMBERS_NOTE));
    buf_puts(b, "</p><div class=\"scroll\"><table><thead><tr>");
    dash_th(b, L, (const i18n_msg[]){M_NUMBER, M_LABEL}, 2);
    buf_puts(b, "<th></th></tr></thead><tbody>");
    for (size_t i = 0; i < r.nrows; i++) {
        buf_puts(b, "<tr><td>");
        html_text(b, db_cell(&r, i, 0));
        buf_puts(b, "</td><td>");
        html_text(b, db_cell(&r, i, 1));
        buf_puts(b, "</td><td><form method=\"post\" action=\"/test-numbers\" class=\"remove-test-number\">"
                    "<input type=\"hidden\" name=\"csrf\" value=\"");
        html_attr(b, s->csrf);
        buf_puts(b, "\"><input type=\"hidden\" name=\"remove\" value=\"");
        html_attr(b, db_cell(&r, i, 0));
        buf_puts(b, "\"><button>");
        html_text(b, i18n_text(L, M_REMOVE));
        buf_puts(b, "</button></form></td></tr>");
    }
    buf_puts(b, "</tbody></table></div><form method=\"post\" action=\"/test-numbers\" class=\"filters add-test-number\">"
                "<input type=\"hidden\" name=\"csrf\" value=\"");
    html_attr(b, s->csrf);
    buf_puts(b, "\"><label>");
    html_text(b, i18n_text(L, M_NUMBER));
    buf_puts(b, " <input name=\"number\" inputmode=\"tel\" required></label><label>");
    html_text(b, i18n_text(L, M_LABEL));
    buf_puts(b, " <input name=\"label\" maxlength=\"191\"></label><button>");
    html_text(b, i18n_text(L, M_ADD));
    buf_puts(b, "</button></form></section>");
}

/* POST /test-numbers (number=..&label=.. adds, remove=NUMBER removes): the
 * session's company only. The days with calls from that number are marked for
 * recomputing, so every figure follows at once. */
void dash_test_numbers_post(sb_app *app, const sb_request *req, sb_response *resp)
{
    session s;
    if (!dash_need_post_session(app, req, resp, &s)) return;
    if (s.company_id <= 0) {
        dash_error(resp, 400, "choose a company first: test numbers belong to one company");
        return;
    }
    const char *add = form_value(req->body, "number", req->pool), *remove = form_value(req->body, "remove", req->pool);
    const char *label = form_value(req->body, "label", req->pool);
    char e164[PHONE_MAX];
    const char *raw = add && *add ? add : remove;
    if (!raw || phone_normalize(raw, phone_country_code(app->cfg.phone_default_country), e164) != 0) {
        dash_error(resp, 400, "number must be a phone number (E.164 or national)");
        return;
    }
    db_param p[] = {db_int(s.company_id), db_str(e164), db_str(label && *label ? label : NULL), db_str(s.user_name)};
    int rc = add && *add ? db_exec(app->db, "INSERT INTO switchboard_test_numbers (company_id, number, label, created_by) VALUES (?, ?,"
                                            " LEFT(?, 191), LEFT(?, 191)) ON DUPLICATE KEY UPDATE label = VALUES(label)", p, 4, NULL, NULL)
                         : db_exec(app->db, "DELETE FROM switchboard_test_numbers WHERE company_id = ? AND number = ?", p, 2, NULL, NULL);
    if (rc != 0 || daily_stats_note_query(app->db, req->pool,
                                          "SELECT company_id, UNIX_TIMESTAMP(created_at) DIV 900 * 900 FROM calls"
                                          " WHERE company_id = ? AND from_number = ?", p, 2) != 0) {
        dash_error(resp, 503, "database unavailable");
        return;
    }
    daily_stats_flush(app->db);
    dash_redirect(resp, "/channels");
}
