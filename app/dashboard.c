/* dashboard.c: the server-rendered dashboard (login, overview, webhooks).
 *
 * Every page is built in the response buffer with literal markup (buf_puts)
 * and data only through the escapers of lib/html.h. Every page sends CSP,
 * frame denial and a referrer policy. A user with a company sees only that
 * company, everywhere; a user without one is an operator when granted (D131)
 * and refused otherwise. Every POST, the login's too (D134), carries a CSRF token. Every label is looked up in lib/i18n.h in the
 * request's language: cookie sb_lang, then Accept-Language, then German (D55). */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/company_clock.h"
#include "../lib/conversions.h"
#include "../lib/daily_stats.h"
#include "../lib/form.h"
#include "../lib/html.h"
#include "../lib/i18n.h"
#include "../lib/json.h"
#include "../lib/phone.h"
#include "../lib/queue_stats.h"
#include "../lib/session.h"
#include "dashboard.h"

#define COOKIE "sb_session"
#define BULK_REPLAY_MAX 500 /* events one bulk replay click may queue */
#define OVERVIEW_REFRESH_S 4 /* new events show within the 5 s the issue asks for */
#define DIRTY_DAYS_PER_PAGE 8 /* recomputed inline by a report page at most; ~10 ms each on a busy tenant */
#define SCOPE_COOKIE "sb_company" /* an operator's chosen company: a view preference, not a right */
#define LANG_COOKIE "sb_lang"     /* the reader's language, de or en: wins over Accept-Language */
#define LOGIN_COOKIE "sb_login"   /* the login form's CSRF token, double-submitted (D134) */
/* the live feed's bounds (D136): one poll per session per second, the newest
 * LIVE_WINDOW ids at most, the health figures at most every LIVE_KPI_TTL_US per child */
#define LIVE_MIN_MS 1000
#define LIVE_WINDOW 10000
#define LIVE_KPI_TTL_US 10000000

static void secure_headers(sb_response *resp)
{
    http_add_header(resp, "Content-Security-Policy",
                    "default-src 'self'; style-src 'self'; img-src 'self' data:; script-src 'self'; "
                    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
    http_add_header(resp, "X-Frame-Options", "DENY");
    http_add_header(resp, "Referrer-Policy", "same-origin");
}

/* The end of a picker form: "<label>LABEL <select name=NAME>", an "all" option
 * with value all, one option per row (id, name; current selected), the Show
 * button. Company and branch pickers both end this way. */
static void picker_select(buf *b, sb_lang lang, i18n_msg label, const char *name, const char *all, const db_rows *r,
                          const char *current)
{
    buf_puts(b, "<label>");
    html_text(b, i18n_text(lang, label));
    buf_puts(b, " <select name=\"");
    html_attr(b, name);
    buf_puts(b, "\"><option value=\"");
    html_attr(b, all);
    buf_puts(b, "\">");
    html_text(b, i18n_text(lang, M_ALL));
    buf_puts(b, "</option>");
    for (size_t i = 0; i < r->nrows; i++) {
        buf_puts(b, "<option value=\"");
        html_attr(b, db_cell(r, i, 0));
        buf_puts(b, current && !strcmp(current, db_cell(r, i, 0)) ? "\" selected>" : "\">");
        html_text(b, db_cell(r, i, 1));
        buf_puts(b, "</option>");
    }
    buf_puts(b, "</select></label><button>");
    html_text(b, i18n_text(lang, M_SHOW));
    buf_puts(b, "</button></form>");
}

/* The operator's company picker: a POST (with the CSRF token) to /scope,
 * which remembers the choice in a cookie and comes back to this page. */
static void scope_picker(sb_app *app, const sb_request *req, sb_response *resp, const session *s)
{
    db_rows r;
    if (db_query(db_for_reads(&app->reads), req->pool, "SELECT id, name FROM companies WHERE deleted_at IS NULL ORDER BY name, id LIMIT 500", NULL, 0,
                 &r) != 0)
        return;
    buf *b = &resp->body;
    buf_puts(b, "<form method=\"post\" action=\"/scope\" class=\"scope\"><input type=\"hidden\" name=\"csrf\" value=\"");
    html_attr(b, s->csrf);
    buf_puts(b, "\">");
    picker_select(b, s->lang, M_COMPANY, "company", "0", &r, arena_printf(req->pool, "%lld", s->company_id));
}

sb_lang dash_lang(const sb_request *req)
{
    sb_lang lang;
    if (i18n_parse_code(cookie_value(http_header(req, "cookie"), LANG_COOKIE, req->pool), &lang)) return lang;
    return i18n_from_accept_language(http_header(req, "accept-language"));
}

void dash_th(buf *b, sb_lang lang, const i18n_msg *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        buf_puts(b, "<th>");
        html_text(b, i18n_text(lang, ids[i]));
        buf_puts(b, "</th>");
    }
}

/* The link to the other language, named in that language ("English",
 * "Deutsch"): a plain GET, so it works without JavaScript (D56). */
static void lang_switch(buf *b, sb_lang lang)
{
    sb_lang other = lang == LANG_DE ? LANG_EN : LANG_DE;
    buf_puts(b, "<a class=\"lang\" href=\"/lang?to=");
    html_url(b, i18n_code(other));
    buf_puts(b, "\" hreflang=\"");
    html_attr(b, i18n_code(other));
    buf_puts(b, "\" lang=\"");
    html_attr(b, i18n_code(other));
    buf_puts(b, "\">");
    html_text(b, i18n_native_name(other));
    buf_puts(b, "</a>");
}

void dash_page_start(sb_app *app, const sb_request *req, sb_response *resp, const char *title, const session *s)
{
    sb_lang lang = s ? s->lang : dash_lang(req);
    resp->content_type = "text/html";
    secure_headers(resp);
    http_add_header(resp, "Vary", "Cookie, Accept-Language");
    buf *b = &resp->body;
    buf_reset(b);
    buf_puts(b, "<!doctype html><html lang=\"");
    html_attr(b, i18n_code(lang));
    buf_puts(b, "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                "content=\"width=device-width,initial-scale=1\"><link rel=\"stylesheet\" href=\"/static/switchboard.css\">"
                "<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\"><title>");
    html_text(b, title);
    buf_puts(b, " · switchboard</title></head><body><header><span class=\"brand\">switchboard</span>");
    if (s) {
        static const struct {
            const char *href;
            i18n_msg label;
        } NAV[] = {{"/", M_NAV_OVERVIEW}, {"/channels", M_NAV_CHANNELS}, {"/agents", M_NAV_AGENTS},
                   {"/calls", M_NAV_CALLS}, {"/appointments", M_NAV_APPOINTMENTS}, {"/webhooks", M_NAV_WEBHOOKS}};
        buf_puts(b, "<nav>");
        for (size_t i = 0; i < sizeof NAV / sizeof *NAV; i++) {
            buf_puts(b, "<a href=\"");
            html_attr(b, NAV[i].href);
            buf_puts(b, "\">");
            html_text(b, i18n_text(lang, NAV[i].label));
            buf_puts(b, "</a>");
        }
        if (app) dash_callbacks_nav(app, req, b, s);
        buf_puts(b, "</nav><form method=\"post\" action=\"/logout\" class=\"logout\"><input type=\"hidden\" name=\"csrf\" value=\"");
        html_attr(b, s->csrf);
        buf_puts(b, "\"><span>");
        html_text(b, s->user_name);
        if (s->operator_) html_text(b, i18n_text(lang, M_OPERATOR_SUFFIX));
        buf_puts(b, "</span> <button>");
        html_text(b, i18n_text(lang, M_LOGOUT));
        buf_puts(b, "</button></form>");
        if (s->operator_ && app) scope_picker(app, req, resp, s);
    }
    lang_switch(b, lang);
    buf_puts(b, "</header><main><h1>");
    html_text(b, title);
    buf_puts(b, "</h1>");
}

void dash_page_end(sb_response *resp) { buf_puts(&resp->body, "</main></body></html>"); }

static void redirect(sb_response *resp, const char *to)
{
    resp->status = 303;
    resp->content_type = "text/html";
    http_add_header(resp, "Location", to);
    buf_reset(&resp->body);
}

/* The session of this request, or 0 after answering with a redirect to the login. */
int dash_need_session(sb_app *app, const sb_request *req, sb_response *resp, session *s)
{
    const char *tok = cookie_value(http_header(req, "cookie"), COOKIE, req->pool);
    int rc = session_get(app->db, req->pool, &app->cfg, tok, s);
    if (rc > 0) {
        s->lang = dash_lang(req);
        /* an operator may narrow every page to one company; a company user never widens theirs */
        const char *scope = s->operator_ ? cookie_value(http_header(req, "cookie"), SCOPE_COOKIE, req->pool) : NULL;
        if (scope) s->company_id = strtoll(scope, NULL, 10) > 0 ? strtoll(scope, NULL, 10) : 0;
        return 1;
    }
    if (rc < 0) http_json_error(resp, 503, "database unavailable");
    else redirect(resp, "/login");
    return 0;
}

static int csrf_ok(const sb_request *req, const session *s)
{
    const char *t = form_value(req->body, "csrf", req->pool);
    return session_token_equal(t, s->csrf);
}

/* A POST's session with its CSRF token checked, or 0 after answering. */
static int need_post_session(sb_app *app, const sb_request *req, sb_response *resp, session *s)
{
    if (!dash_need_session(app, req, resp, s)) return 0;
    if (csrf_ok(req, s)) return 1;
    http_json_error(resp, 403, "CSRF token missing or wrong");
    return 0;
}

int dash_need_post_session(sb_app *app, const sb_request *req, sb_response *resp, session *s)
{
    return need_post_session(app, req, resp, s);
}

void dash_redirect(sb_response *resp, const char *to) { redirect(resp, to); }

/* ---- login ---- */

/* The login form, in the request's language; message: an error shown above it, or M_COUNT for none.
 * Login CSRF (D134): every form carries a fresh random token, also set as a
 * cookie only /login receives (SameSite=Strict); the POST must bring both, equal. */
static void login_page(sb_app *app, const sb_request *req, sb_response *resp, int status, i18n_msg message)
{
    sb_lang lang = dash_lang(req);
    char token[65];
    session_random_hex(token);
    resp->status = status;
    dash_page_start(NULL, req, resp, i18n_text(lang, M_LOGIN), NULL);
    http_add_header(resp, "Set-Cookie", arena_printf(req->pool, LOGIN_COOKIE "=%s; Path=/login; HttpOnly; SameSite=Strict%s", token,
                                                     app->cfg.dashboard_cookie_secure ? "; Secure" : ""));
    buf *b = &resp->body;
    if (message != M_COUNT) {
        buf_puts(b, "<p class=\"error\" role=\"alert\">");
        html_text(b, i18n_text(lang, message));
        buf_puts(b, "</p>");
    }
    buf_puts(b, "<form method=\"post\" action=\"/login\" class=\"login\"><input type=\"hidden\" name=\"csrf\" value=\"");
    html_attr(b, token);
    buf_puts(b, "\"><label>");
    html_text(b, i18n_text(lang, M_EMAIL));
    buf_puts(b, " <input type=\"email\" name=\"email\" autocomplete=\"username\" required></label><label>");
    html_text(b, i18n_text(lang, M_PASSWORD));
    buf_puts(b, " <input type=\"password\" name=\"password\" autocomplete=\"current-password\" required></label><button>");
    html_text(b, i18n_text(lang, M_LOGIN));
    buf_puts(b, "</button></form>");
    dash_page_end(resp);
}

void dash_login_form(sb_app *app, const sb_request *req, sb_response *resp) { login_page(app, req, resp, 200, M_COUNT); }

void dash_login(sb_app *app, const sb_request *req, sb_response *resp)
{
    char token[65];
    const char *email = form_value(req->body, "email", req->pool), *pw = form_value(req->body, "password", req->pool);
    if (!session_token_equal(form_value(req->body, "csrf", req->pool),
                             cookie_value(http_header(req, "cookie"), LOGIN_COOKIE, req->pool))) {
        login_page(app, req, resp, 403, M_LOGIN_EXPIRED);
        return;
    }
    switch (session_login(app->db, req->pool, &app->cfg, email, pw, req->remote_addr, token)) {
    case LOGIN_OK:
        redirect(resp, "/");
        http_add_header(resp, "Set-Cookie",
                        arena_printf(req->pool, COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%lld%s", token,
                                     (long long)app->cfg.dashboard_max_hours * 3600,
                                     app->cfg.dashboard_cookie_secure ? "; Secure" : ""));
        http_add_header(resp, "Set-Cookie", LOGIN_COOKIE "=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0");
        return;
    case LOGIN_LOCKED:
        login_page(app, req, resp, 429, M_LOGIN_LOCKED);
        return;
    case LOGIN_WRONG:
        login_page(app, req, resp, 401, M_LOGIN_WRONG);
        return;
    case LOGIN_REFUSED:
        login_page(app, req, resp, 403, M_LOGIN_REFUSED);
        return;
    case LOGIN_ERROR:
        login_page(app, req, resp, 503, M_LOGIN_UNAVAILABLE);
        return;
    }
}

void dash_logout(sb_app *app, const sb_request *req, sb_response *resp)
{
    session s;
    if (!need_post_session(app, req, resp, &s)) return;
    session_end(app->db, cookie_value(http_header(req, "cookie"), COOKIE, req->pool));
    redirect(resp, "/login");
    http_add_header(resp, "Set-Cookie", COOKIE "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
}

/* Where a preference change goes back to: the path of the referring page
 * when it is one of ours (a local path, never "//host" or a header break), else "/". */
static const char *back_path(const sb_request *req)
{
    const char *ref = http_header(req, "referer");
    const char *path = ref && strstr(ref, "://") ? strchr(strstr(ref, "://") + 3, '/') : NULL;
    return path && path[1] != '/' && !strpbrk(path, "\r\n") ? path : "/";
}

/* POST /scope (company=N, 0 for all): an operator's view of one company, kept
 * in a cookie so every page, list, export and replay follows it. Goes back to
 * the page the form was on (a local path only). */
void dash_scope(sb_app *app, const sb_request *req, sb_response *resp)
{
    session s;
    if (!need_post_session(app, req, resp, &s)) return;
    if (!s.operator_) {
        http_json_error(resp, 403, "only operators choose a company");
        return;
    }
    const char *c = form_value(req->body, "company", req->pool);
    long long company = c ? strtoll(c, NULL, 10) : -1;
    if (!c || company < 0) {
        http_json_error(resp, 400, "company must be a company id, or 0 for all");
        return;
    }
    redirect(resp, back_path(req));
    http_add_header(resp, "Set-Cookie", arena_printf(req->pool, SCOPE_COOKIE "=%lld; Path=/; HttpOnly; SameSite=Lax%s", company,
                                                     app->cfg.dashboard_cookie_secure ? "; Secure" : ""));
}

/* GET /lang?to=de|en: the header's language switch. A view preference like
 * the company scope, but open to everyone (the login page has it too), so a
 * plain link without session or CSRF token: the worst a forged link can do is
 * change the language. Remembered for a year; back to the referring page. */
void dash_lang_switch(sb_app *app, const sb_request *req, sb_response *resp)
{
    sb_lang lang;
    if (!i18n_parse_code(form_value(req->query, "to", req->pool), &lang)) {
        http_json_error(resp, 400, "to must be de or en (/lang?to=de, /lang?to=en)");
        return;
    }
    redirect(resp, back_path(req));
    http_add_header(resp, "Set-Cookie", arena_printf(req->pool, LANG_COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000%s",
                                                     i18n_code(lang), app->cfg.dashboard_cookie_secure ? "; Secure" : ""));
}

static const int PERIOD_DAYS[] = {1, 7, 30, 90};
static const i18n_msg PERIOD_LABEL[] = {M_PERIOD_TODAY, M_PERIOD_7, M_PERIOD_30, M_PERIOD_90};

/* The period presets every report page offers: links, so they work without JavaScript. */
void dash_period_links(buf *b, sb_lang lang, const char *path, long long days, const char *branch)
{
    buf_puts(b, "<nav class=\"period\" aria-label=\"");
    html_attr(b, i18n_text(lang, M_PERIOD));
    buf_puts(b, "\">");
    for (int i = 0; i < 4; i++) {
        buf_puts(b, "<a href=\"");
        html_attr(b, path);
        buf_printf(b, "?days=%d", PERIOD_DAYS[i]);
        if (branch) {
            buf_puts(b, "&amp;branch=");
            html_url(b, branch);
        }
        buf_printf(b, "\"%s>", PERIOD_DAYS[i] == days ? " aria-current=\"page\"" : "");
        html_text(b, i18n_text(lang, PERIOD_LABEL[i]));
        buf_puts(b, "</a>");
    }
    buf_puts(b, "</nav>");
}

/* The same presets as a <select name="days"> inside a list's filter form. */
void dash_period_select(buf *b, sb_lang lang, long long days)
{
    buf_puts(b, "<select name=\"days\">");
    for (int i = 0; i < 4; i++) {
        buf_printf(b, "<option value=\"%d\"%s>", PERIOD_DAYS[i], PERIOD_DAYS[i] == days ? " selected" : "");
        html_text(b, i18n_text(lang, PERIOD_LABEL[i]));
        buf_puts(b, "</option>");
    }
    buf_puts(b, "</select>");
}

/* ?branch=: a branch id (UUID) of the report pages, or NULL for all */
const char *dash_branch(const sb_request *req)
{
    const char *v = form_value(req->query, "branch", req->pool);
    if (!v || !*v || strlen(v) > 36 || strspn(v, "0123456789abcdefABCDEF-") != strlen(v)) return NULL;
    return v;
}

/* The branch picker of a report page: a GET form, so it works without
 * JavaScript; offered once the page shows one company. */
void dash_branch_picker(sb_app *app, const sb_request *req, buf *b, const session *s, const char *path, long long days)
{
    if (!s->company_id) return;
    db_param p = db_int(s->company_id);
    db_rows r;
    if (db_query(db_for_reads(&app->reads), req->pool, "SELECT id, name FROM branches WHERE company_id = ? AND deleted_at IS NULL ORDER BY name, id"
                 " LIMIT 200", &p, 1, &r) != 0 || r.nrows < 2)
        return;
    const char *cur = dash_branch(req);
    buf_puts(b, "<form method=\"get\" action=\"");
    html_attr(b, path);
    buf_printf(b, "\" class=\"filters\"><input type=\"hidden\" name=\"days\" value=\"%lld\">", days);
    picker_select(b, s->lang, M_BRANCH, "branch", "", &r, cur);
}

/* The report a page shows: whole days from the daily aggregates (the period
 * of ?days= ending `ago` days before today), after recomputing a few of this
 * scope's dirty days so the page shows what was just processed (the worker
 * recomputes the rest). The recompute writes, so it runs on the primary, and
 * a page that just recomputed days reads them there too (a replica may not
 * have them yet); otherwise the aggregates come from db_for_reads (D77).
 * 0 after answering 503. */
int dash_report(sb_app *app, const sb_request *req, sb_response *resp, const session *s, long long ago, conversion_report *r)
{
    long long days = dash_q_int(req, "days", 30, 1, 3660);
    int recomputed = ago == 0 ? daily_stats_refresh(app->db, req->pool, s->company_id, DIRTY_DAYS_PER_PAGE) : 0;
    sb_db *db = recomputed > 0 ? app->db : db_for_reads(&app->reads);
    daily_stats_window w = {s->company_id, dash_branch(req), days, ago, dash_zone(app, req, s), dash_tests(req)};
    if (daily_stats_report_window(db, req->pool, &app->cfg, &w, r) != 0) {
        http_json_error(resp, 503, "database unavailable");
        return 0;
    }
    return 1;
}

/* ---- overview ---- */

void dash_num_cell(buf *b, const char *label, const char *value, const char *note)
{
    buf_puts(b, "<div class=\"kpi\"><div class=\"label\">");
    html_text(b, label);
    buf_puts(b, "</div><div class=\"value\">");
    html_text(b, value);
    buf_puts(b, "</div><div class=\"note\">");
    html_text(b, note);
    buf_puts(b, "</div></div>");
}

void dash_overview(sb_app *app, const sb_request *req, sb_response *resp)
{
    session s;
    if (!dash_need_session(app, req, resp, &s)) return;
    arena *a = req->pool;
    long long days = dash_q_int(req, "days", 30, 1, 3660);
    conversion_report r, prev;
    if (!dash_report(app, req, resp, &s, 0, &r) || !dash_report(app, req, resp, &s, days, &prev)) return;
    resp->status = 200;
    sb_lang L = s.lang;
    dash_page_start(app, req, resp, i18n_text(L, M_NAV_OVERVIEW), &s);
    buf *b = &resp->body;
    dash_period_links(b, L, "/", days, dash_branch(req));
    dash_branch_picker(app, req, b, &s, "/", days);
    dash_glance_bar(b, L, req, "/", dash_zone(app, req, &s));
    /* the part live.js refreshes while the page is open (a static page without JavaScript) */
    buf_printf(b, "<div data-refresh=\"%d\">", OVERVIEW_REFRESH_S);
    buf_puts(b, "<section class=\"funnel\" aria-label=\"");
    html_attr(b, i18n_text(L, M_FUNNEL));
    buf_puts(b, "\">");
    dash_num_cell(b, i18n_text(L, M_CALLS), arena_printf(a, "%lld", r.calls), i18n_text(L, M_CALLS_ALL_NOTE));
    dash_num_cell(b, i18n_text(L, M_ANSWERED), arena_printf(a, "%lld", r.answered), i18n_text(L, M_ANSWERED_NOTE));
    dash_num_cell(b, i18n_text(L, M_PHONE_BOOKED), arena_printf(a, "%lld", r.phone_booked_calls), i18n_text(L, M_PHONE_BOOKED_NOTE));
    dash_num_cell(b, i18n_text(L, M_BOOKED_ONLINE_AFTER), arena_printf(a, "%lld", r.phone_influenced_calls),
                  i18n_text(L, M_BOOKED_ONLINE_AFTER_NOTE));
    buf_puts(b, "</section><section class=\"kpis\">");
    dash_target_set tg; /* each KPI with its target (met/missed) and its trend (17.3) */
    dash_targets(app, req, s.company_id, &tg);
    dash_kpi_target(b, a, L, i18n_text(L, M_PHONE_BOOKING_RATE), r.phone_booking_rate, prev.phone_booking_rate, tg.phone_pct, r.answered,
                    arena_printf(a, "%lld / %lld", r.phone_booked_calls, r.answered));
    dash_kpi_target(b, a, L, i18n_text(L, M_WEB_BOOKING_SUCCESS), r.web_booking_success, prev.web_booking_success, tg.web_pct, r.web_events,
                    arena_printf(a, i18n_text(L, M_WEB_EVENTS_FMT), r.web_events_ok, r.web_events));
    dash_kpi_target(b, a, L, i18n_text(L, M_OVERALL_CONVERSION), r.overall_conversion, prev.overall_conversion, tg.overall_pct, r.visitors,
                    arena_printf(a, "%lld / %lld", r.converted_visitors, r.visitors));
    dash_sync_kpi(app, req, b, L, &tg);
    dash_num_cell(b, i18n_text(L, M_CUSTOMERS_MATCHED), arena_printf(a, "%.2f %%", r.customer_match_rate),
                  i18n_text(L, M_CUSTOMERS_MATCHED_NOTE));
    buf_puts(b, "</section><h2>");
    html_text(b, i18n_text(L, M_APPTS_PER_DAY_BY_CHANNEL));
    buf_puts(b, "</h2>");
    /* one stacked bar per day (17.4: axes, a title per bar); the table below repeats the numbers */
    static const char *const CLS[4] = {"phone", "influenced", "web", "other"};
    static const i18n_msg LEGEND[4] = {M_BY_PHONE, M_AFTER_CALL_ONLINE, M_ONLINE, M_OTHER};
    const char **labels = arena_alloc(a, sizeof *labels * (r.ndays + 1)), **shorts = arena_alloc(a, sizeof *shorts * (r.ndays + 1));
    long long *vals = arena_alloc(a, sizeof *vals * 4 * (r.ndays + 1));
    for (size_t i = 0; i < r.ndays; i++) {
        labels[i] = r.days[i].day;
        shorts[i] = dash_short_day(a, r.days[i].day);
        long long v[4] = {r.days[i].phone_booked, r.days[i].phone_influenced, r.days[i].web, r.days[i].other};
        memcpy(vals + 4 * i, v, sizeof v);
    }
    const char *series[4];
    for (int k = 0; k < 4; k++) series[k] = i18n_text(L, LEGEND[k]);
    dash_chart(b, a, &(dash_chart_spec){i18n_text(L, M_APPTS_PER_DAY), r.ndays, labels, shorts, 4, series, CLS, vals});
    buf_puts(b, "<div class=\"scroll\"><table><thead><tr>");
    dash_th(b, L, (const i18n_msg[]){M_DAY, M_BY_PHONE, M_AFTER_CALL, M_ONLINE, M_OTHER}, 5);
    buf_puts(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < r.ndays; i++) {
        buf_puts(b, "<tr><td>");
        html_text(b, r.days[i].day);
        buf_printf(b, "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td></tr>", r.days[i].phone_booked,
                   r.days[i].phone_influenced, r.days[i].web, r.days[i].other);
    }
    buf_puts(b, "</tbody></table></div>");
    dash_funnel(b, a, L, &r);
    buf_puts(b, "</div><script src=\"/static/live.js\" defer></script>");
    dash_page_end(resp);
}

/* ---- webhooks ---- */

/* The search on the webhooks page (17.7), one statement per kind (as the
 * lists: an OR of kinds would not use an index): an event id (a call id, a
 * booking uid), or the events of a customer's calls and bookings by email or
 * phone (E.164). Every statement takes the same parameters: company (2),
 * status (2), provider (2), after, the term (2), limit. */
enum { WS_NONE, WS_ID, WS_EMAIL, WS_PHONE, WS_KINDS };
#define WH_LIST(search)                                                                                                  \
    "SELECT id, provider, event_type, event_id, status, UNIX_TIMESTAMP(COALESCE(received_at, created_at)),"               \
    " COALESCE(error_message, notes), retry_count FROM webhook_events WHERE (? = 0 OR company_id = ?)"                   \
    " AND (? IS NULL OR status = ?) AND (? IS NULL OR provider = ?) AND id > ? AND " search " ORDER BY id DESC LIMIT ?"
/* the UNION sits in a derived table: an IN (... UNION ...) is a dependent subquery run for every event
 * row (300 ms at 20,000 events), the derived table is materialized once and looked up (D209) */
#define WH_ENTITY(who)                                                                                                   \
    "provider IN ('retell', 'calcom') AND event_id IN (SELECT k FROM (SELECT c.retell_call_id k FROM calls c"             \
    " JOIN customers cu ON cu.id = c.customer_id WHERE " who " AND c.retell_call_id IS NOT NULL"                          \
    " UNION SELECT u.uid FROM switchboard_booking_uids u JOIN appointments ap ON ap.id = u.appointment_id"              \
    " JOIN customers cu ON cu.id = ap.customer_id WHERE " who ") ks)"
static const char *const WH_BY_SEARCH[WS_KINDS] = {
    WH_LIST("(? IS NULL AND ? IS NULL)"), WH_LIST("(event_id = ? AND ? IS NOT NULL)"),
    WH_LIST(WH_ENTITY("cu.email = ?")),
    WH_LIST("provider IN ('retell', 'calcom') AND event_id IN (SELECT k FROM (SELECT c.retell_call_id k FROM calls c"
            " WHERE c.from_number = ? AND c.retell_call_id IS NOT NULL UNION SELECT u.uid FROM switchboard_booking_uids u"
            " JOIN appointments ap ON ap.id = u.appointment_id JOIN customers cu ON cu.id = ap.customer_id WHERE cu.phone = ?) ks)")};

/* the kind of a search term and the value it binds */
static int webhook_search_kind(sb_app *app, arena *a, const char *q, const char **term)
{
    *term = NULL;
    if (!q || !*q || strlen(q) > 200) return WS_NONE;
    if (strchr(q, '@')) {
        *term = q;
        return WS_EMAIL;
    }
    char e164[PHONE_MAX];
    size_t digits = strspn(q + (*q == '+'), "0123456789 -/()");
    if (digits == strlen(q + (*q == '+')) && phone_normalize(q, phone_country_code(app->cfg.phone_default_country), e164) == 0) {
        *term = arena_strdup(a, e164);
        return WS_PHONE;
    }
    *term = q;
    return WS_ID;
}

/* The event log as the webhooks page and its live feed both show it: the
 * newest 100 events after `after_id`, inside the tenant wall, the filters and
 * the search q, and the queue's health (qs NULL: not read). Columns: id, provider, event_type,
 * event_id, status, received (local time of the page's zone), note, retry_count. */
static int webhook_log_read(sb_app *app, arena *a, const session *s, const char *status, const char *provider, const char *q,
                            long long after_id, queue_stats *qs, db_rows *rows)
{
    sb_db *db = db_for_reads(&app->reads);
    if (qs && queue_stats_read(db, a, s->company_id, app->cfg.spool_dir, qs) != 0) return -1;
    const char *term;
    int kind = webhook_search_kind(app, a, q, &term);
    db_param p[] = {db_int(s->company_id), db_int(s->company_id), db_str(status), db_str(status),
                    db_str(provider), db_str(provider), db_int(after_id), db_str(term), db_str(term), db_int(100)};
    if (db_query(db, a, WH_BY_SEARCH[kind], p, 10, rows) != 0) return -1;
    dash_localize(rows, 5, a, company_zone(db, a, &app->cfg, s->company_id), 0);
    return 0;
}

/* The status and note now of the events between the lowest and the highest
 * id the page shows (?from=&to=, inside the tenant wall), so rows already on
 * screen change status live. */
static int webhook_shown_read(sb_app *app, arena *a, const session *s, const sb_request *req, db_rows *rows)
{
    const char *f = form_value(req->query, "from", a), *t = form_value(req->query, "to", a);
    long long from = f ? atoll(f) : 0, to = t ? atoll(t) : 0;
    if (from <= 0 || to < from) {
        memset(rows, 0, sizeof *rows);
        return 0;
    }
    if (to - from > LIVE_WINDOW) from = to - LIVE_WINDOW; /* a page shows 100 rows: the range is bounded as the feed is (D136) */
    db_param p[] = {db_int(from), db_int(to), db_int(s->company_id), db_int(s->company_id)};
    return db_query(db_for_reads(&app->reads), a,
                    "SELECT id, status, COALESCE(error_message, notes) FROM webhook_events WHERE id >= ? AND id <= ?"
                    " AND (? = 0 OR company_id = ?) ORDER BY id DESC LIMIT 200", p, 4, rows);
}

/* The live feed's health figures, per company, kept by this child for
 * LIVE_KPI_TTL_US: the queue counts scan webhook_events, and however many
 * tabs poll, each child reads them at most once per period per company (D136). */
typedef struct live_kpis {
    long long company_id;
    int64_t at_us;
    char status[16];
    long long backlog, dead, lag_p99_ms;
} live_kpis;

static const live_kpis *live_kpis_get(sb_app *app, arena *a, long long company_id)
{
    static live_kpis cache[8];
    live_kpis *k = &cache[(unsigned long long)company_id % (sizeof cache / sizeof *cache)];
    int64_t now = http_now_us();
    if (k->at_us && k->company_id == company_id && now - k->at_us < LIVE_KPI_TTL_US) return k;
    queue_stats q;
    if (queue_stats_read(db_for_reads(&app->reads), a, company_id, app->cfg.spool_dir, &q) != 0) return NULL;
    *k = (live_kpis){company_id, now, "", q.backlog, q.by_status[QS_DEAD], q.lag_p99_ms};
    snprintf(k->status, sizeof k->status, "%s", q.status);
    return k;
}

/* GET /webhooks/live.json?after=ID&status=&provider=: what www/live.js polls
 * every few seconds while the webhooks page is open, so new events and the
 * health figures appear without a reload. Bounded (D136): at most one poll
 * per session per LIVE_MIN_MS (else 429), a range read on the primary key over
 * the newest LIVE_WINDOW ids whatever `after` says, and the cached figures. */
void dash_webhooks_live(sb_app *app, const sb_request *req, sb_response *resp)
{
    static const char NEWEST[] = "SELECT COALESCE(MAX(id), 0) FROM webhook_events";
    session s;
    if (!dash_need_session(app, req, resp, &s)) return;
    int may = session_allow_poll(app->db, &s, LIVE_MIN_MS);
    if (may <= 0) {
        http_json_error(resp, may < 0 ? 503 : 429, may < 0 ? "database unavailable" : "polled too often; once a second at most");
        if (may == 0) http_add_header(resp, "Retry-After", "1");
        return;
    }
    arena *a = req->pool;
    const char *status = form_value(req->query, "status", a), *provider = form_value(req->query, "provider", a);
    const char *after = form_value(req->query, "after", a);
    if (status && !*status) status = NULL;
    if (provider && !*provider) provider = NULL;
    sb_db *db = db_for_reads(&app->reads);
    db_rows top, rows, shown;
    const live_kpis *q = live_kpis_get(app, a, s.company_id);
    if (!q || db_query(db, a, NEWEST, NULL, 0, &top) != 0) {
        http_json_error(resp, 503, "database unavailable");
        return;
    }
    long long floor = db_cell_ll(&top, 0, 0) - LIVE_WINDOW, from = after ? atoll(after) : 0;
    if (webhook_log_read(app, a, &s, status, provider, form_value(req->query, "q", a), from > floor ? from : floor, NULL,
                         &rows) != 0 ||
        webhook_shown_read(app, a, &s, req, &shown) != 0) {
        http_json_error(resp, 503, "database unavailable");
        return;
    }
    resp->status = 200;
    resp->content_type = "application/json";
    http_add_header(resp, "Cache-Control", "no-store");
    buf *b = &resp->body;
    buf_reset(b);
    buf_puts(b, "{\"kpis\":[");
    json_buf_str(b, q->status);
    buf_printf(b, ",\"%lld\",\"%lld\",\"%lld ms\"],\"events\":[", q->backlog, q->dead, q->lag_p99_ms);
    for (size_t i = 0; i < rows.nrows; i++) {
        buf_puts(b, i ? ",[" : "[");
        for (size_t c = 0; c < 7; c++) {
            if (c) buf_putc(b, ',');
            json_buf_str(b, db_cell(&rows, i, c));
        }
        buf_putc(b, ']');
    }
    buf_puts(b, "],\"statuses\":["); /* the rows already on screen, as they are now (17.7) */
    for (size_t i = 0; i < shown.nrows; i++) {
        buf_puts(b, i ? ",[" : "[");
        for (size_t c = 0; c < 3; c++) {
            if (c) buf_putc(b, ',');
            json_buf_str(b, db_cell(&shown, i, c));
        }
        buf_putc(b, ']');
    }
    buf_puts(b, "]}");
}

void dash_webhooks(sb_app *app, const sb_request *req, sb_response *resp)
{
    session s;
    if (!dash_need_session(app, req, resp, &s)) return;
    arena *a = req->pool;
    const char *status = form_value(req->query, "status", a), *provider = form_value(req->query, "provider", a);
    if (status && !*status) status = NULL;
    if (provider && !*provider) provider = NULL;
    queue_stats q;
    db_rows rows;
    const char *search = form_value(req->query, "q", a);
    if (webhook_log_read(app, a, &s, status, provider, search, 0, &q, &rows) != 0) {
        http_json_error(resp, 503, "database unavailable");
        return;
    }
    resp->status = 200;
    sb_lang L = s.lang;
    dash_page_start(app, req, resp, i18n_text(L, M_NAV_WEBHOOKS), &s);
    buf *b = &resp->body;
    buf_puts(b, "<section class=\"kpis\">");
    dash_num_cell(b, i18n_text(L, M_STATUS), q.status, q.reasons);
    dash_num_cell(b, i18n_text(L, M_BACKLOG), arena_printf(a, "%lld", q.backlog), i18n_text(L, M_BACKLOG_NOTE));
    dash_num_cell(b, i18n_text(L, M_DEAD), arena_printf(a, "%lld", q.by_status[QS_DEAD]), i18n_text(L, M_DEAD_NOTE));
    dash_num_cell(b, i18n_text(L, M_LAG_P99), arena_printf(a, "%lld ms", q.lag_p99_ms), i18n_text(L, M_LAG_NOTE));
    buf_puts(b, "</section>");
    dash_glance_bar(b, L, req, NULL, dash_zone(app, req, &s));
    dash_freshness(app, req, b, &s);
    buf_puts(b, "<form method=\"get\" action=\"/webhooks\" class=\"filters search\"><label>");
    html_text(b, i18n_text(L, M_SEARCH));
    buf_puts(b, " <input name=\"q\" value=\"");
    html_attr(b, search ? search : "");
    buf_puts(b, "\" placeholder=\"");
    html_attr(b, i18n_text(L, M_SEARCH_EVENTS));
    buf_puts(b, "\"></label><label>");
    html_text(b, i18n_text(L, M_STATUS));
    buf_puts(b, " <select name=\"status\">");
    static const char *const ST[] = {"", "pending", "processing", "processed", "ignored", "failed", "dead"};
    for (size_t i = 0; i < sizeof ST / sizeof *ST; i++) {
        buf_puts(b, "<option value=\"");
        html_attr(b, ST[i]);
        buf_puts(b, status && !strcmp(status, ST[i]) ? "\" selected>" : "\">");
        html_text(b, *ST[i] ? ST[i] : i18n_text(L, M_ALL));
        buf_puts(b, "</option>");
    }
    buf_puts(b, "</select></label><label>");
    html_text(b, i18n_text(L, M_PROVIDER));
    buf_puts(b, " <select name=\"provider\"><option value=\"\">");
    html_text(b, i18n_text(L, M_ALL));
    buf_puts(b, "</option>");
    static const char *const PV[] = {"calcom", "retell", "switchboard"};
    for (size_t i = 0; i < 3; i++) {
        buf_puts(b, "<option value=\"");
        html_attr(b, PV[i]);
        buf_puts(b, provider && !strcmp(provider, PV[i]) ? "\" selected>" : "\">");
        html_text(b, PV[i]);
        buf_puts(b, "</option>");
    }
    buf_puts(b, "</select></label><button>");
    html_text(b, i18n_text(L, M_FILTER));
    buf_puts(b, "</button></form>");
    if (status && (!strcmp(status, "failed") || !strcmp(status, "dead")) && rows.nrows) {
        buf_puts(b, "<form method=\"post\" action=\"/webhooks/replay-all\" class=\"replay-all\"><input type=\"hidden\" "
                    "name=\"csrf\" value=\"");
        html_attr(b, s.csrf);
        buf_puts(b, "\"><input type=\"hidden\" name=\"status\" value=\"");
        html_attr(b, status);
        buf_puts(b, "\"><input type=\"hidden\" name=\"provider\" value=\"");
        html_attr(b, provider ? provider : "");
        buf_puts(b, "\"><button>");
        html_text(b, arena_printf(a, i18n_text(L, M_REPLAY_ALL_FMT), status, BULK_REPLAY_MAX));
        buf_puts(b, "</button></form>");
    }
    buf_puts(b, "<div class=\"scroll\"><table class=\"events\" data-live=\"/webhooks/live.json?status=");
    html_url(b, status ? status : "");
    buf_puts(b, "&amp;provider=");
    html_url(b, provider ? provider : "");
    if (search && *search) { /* the search carries over to the live feed */
        buf_puts(b, "&amp;q=");
        html_url(b, search);
    }
    buf_puts(b, "\" data-last=\"");
    html_attr(b, rows.nrows ? db_cell(&rows, 0, 0) : "0");
    buf_puts(b, "\" data-replay-label=\"");
    html_attr(b, i18n_text(L, M_REPLAY));
    buf_puts(b, "\"><thead><tr><th>#</th>");
    dash_th(b, L, (const i18n_msg[]){M_PROVIDER, M_TYPE, M_ID, M_STATUS, M_RECEIVED_UTC, M_NOTE}, 6);
    buf_puts(b, "<th></th></tr></thead><tbody>");
    for (size_t i = 0; i < rows.nrows; i++) {
        const char *st = db_cell(&rows, i, 4);
        buf_puts(b, "<tr data-id=\"");
        html_attr(b, db_cell(&rows, i, 0));
        buf_puts(b, "\"><td><a href=\"/webhook?id=");
        html_url(b, db_cell(&rows, i, 0));
        buf_puts(b, "\">");
        html_text(b, db_cell(&rows, i, 0));
        buf_puts(b, "</a>");
        for (int c = 1; c <= 3; c++) {
            /* long ids are cut by the stylesheet to fit the screen; the whole id is the cell's title (17.7) */
            buf_puts(b, c == 3 ? "</td><td class=\"eid\" title=\"" : "</td><td>");
            if (c == 3) {
                html_attr(b, db_cell(&rows, i, 3));
                buf_puts(b, "\">");
            }
            html_text(b, db_cell(&rows, i, (size_t)c));
        }
        buf_puts(b, "</td><td class=\"st-");
        html_attr(b, st);
        buf_puts(b, "\">");
        html_text(b, st);
        buf_puts(b, "</td><td>");
        html_text(b, db_cell(&rows, i, 5));
        buf_puts(b, "</td><td>");
        html_text(b, db_cell(&rows, i, 6));
        buf_puts(b, "</td><td>");
        if (st && (!strcmp(st, "failed") || !strcmp(st, "dead"))) {
            buf_puts(b, "<form method=\"post\" action=\"/webhooks/replay\" class=\"replay\"><input type=\"hidden\" name=\"csrf\" value=\"");
            html_attr(b, s.csrf);
            buf_puts(b, "\"><input type=\"hidden\" name=\"id\" value=\"");
            html_attr(b, db_cell(&rows, i, 0));
            buf_puts(b, "\"><button>");
            html_text(b, i18n_text(L, M_REPLAY));
            buf_puts(b, "</button></form>");
        }
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table></div><script src=\"/static/live.js\" defer></script>");
    dash_page_end(resp);
}

/* POST /webhooks/replay-all (status=failed|dead, provider=): the bulk replay
 * of what the filter shows, bounded so one click cannot flood the queue; the
 * oldest first, as the providers sent them. The workers take them from here. */
void dash_replay_all(sb_app *app, const sb_request *req, sb_response *resp)
{
    session s;
    if (!need_post_session(app, req, resp, &s)) return;
    arena *a = req->pool;
    const char *status = form_value(req->body, "status", a), *provider = form_value(req->body, "provider", a);
    if (!status || (strcmp(status, "failed") && strcmp(status, "dead"))) {
        http_json_error(resp, 400, "status must be failed or dead");
        return;
    }
    if (provider && !*provider) provider = NULL;
    db_param p[] = {db_int(s.company_id), db_int(s.company_id), db_str(status), db_str(provider), db_str(provider),
                    db_int(BULK_REPLAY_MAX)};
    db_rows r;
    if (db_query(app->db, a, "SELECT id FROM webhook_events WHERE (? = 0 OR company_id = ?) AND status = ?"
                             " AND (? IS NULL OR provider = ?) ORDER BY id LIMIT ?", p, 6, &r) != 0) {
        http_json_error(resp, 503, "database unavailable");
        return;
    }
    uint64_t *ids = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof *ids);
    for (size_t i = 0; i < r.nrows; i++) ids[i] = strtoull(db_cell(&r, i, 0), NULL, 10);
    char by[96];
    snprintf(by, sizeof by, "dashboard user %lld (bulk)", s.user_id);
    if (r.nrows && pipeline_replay_mark(&app->pipe, ids, r.nrows, by, NULL) < 0) {
        http_json_error(resp, 503, "database unavailable");
        return;
    }
    redirect(resp, "/webhooks");
}

void dash_replay(sb_app *app, const sb_request *req, sb_response *resp)
{
    session s;
    if (!need_post_session(app, req, resp, &s)) return;
    const char *id = form_value(req->body, "id", req->pool);
    uint64_t ev = id ? strtoull(id, NULL, 10) : 0;
    /* the tenant wall: a company user replays only their own company's events */
    db_param p[] = {db_int((long long)ev), db_int(s.company_id), db_int(s.company_id)};
    db_rows r;
    if (!ev || db_query(app->db, req->pool, "SELECT id FROM webhook_events WHERE id = ? AND (? = 0 OR company_id = ?)", p, 3, &r) != 0 ||
        !r.nrows) {
        http_json_error(resp, 404, "no such event");
        return;
    }
    char by[96];
    snprintf(by, sizeof by, "dashboard user %lld", s.user_id);
    if (pipeline_replay_mark(&app->pipe, &ev, 1, by, NULL) < 0) {
        http_json_error(resp, 503, "database unavailable");
        return;
    }
    resp->process_after = ev; /* processed by this child right after the redirect is sent */
    redirect(resp, "/webhooks");
}
