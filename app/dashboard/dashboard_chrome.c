/* dashboard_chrome.c: what every dashboard page shares (D191): the page head
 * and header (navigation, language switch, an operator's company picker), the
 * session and CSRF guards, the HTML error page, the scope and language
 * switches, period and branch pickers, the report of a page's period. One
 * file per page beside it (dashboard_login.c, dashboard_overview.c,
 * dashboard_webhooks.c, dashboard_lists.c, ...).
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

#include "company_clock.h"
#include "conversions.h"
#include "daily_stats.h"
#include "form.h"
#include "html.h"
#include "i18n.h"
#include "session.h"
#include "dashboard.h"

#define DIRTY_DAYS_PER_PAGE 8 /* recomputed inline by a report page at most; ~10 ms each on a busy tenant */
#define SCOPE_COOKIE "sb_company" /* an operator's chosen company: a view preference, not a right */
#define LANG_COOKIE "sb_lang"     /* the reader's language, de or en: wins over Accept-Language */

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

/* A page's error as a page (D192): status, the reason escaped, a link home. Only /webhooks/live,
 * read by the page's script, answers JSON (http_json_error), as the API routes do. */
void dash_error(sb_response *resp, int status, const char *msg)
{
    resp->status = status;
    resp->content_type = "text/html";
    int has_csp = 0; /* a page may fail after its head: its headers are already there */
    for (size_t i = 0; i < resp->nheaders; i++) has_csp |= !strcmp(resp->headers[i].name, "Content-Security-Policy");
    if (!has_csp) secure_headers(resp);
    buf *b = &resp->body;
    buf_reset(b);
    buf_puts(b, "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                "content=\"width=device-width,initial-scale=1\"><link rel=\"stylesheet\" href=\"/static/switchboard.css\">"
                "<title>");
    buf_printf(b, "%d ", status);
    html_text(b, http_status_text(status));
    buf_puts(b, "</title></head><body><main><h1>");
    buf_printf(b, "%d ", status);
    html_text(b, http_status_text(status));
    buf_puts(b, "</h1><p class=\"error\" role=\"alert\">");
    html_text(b, msg);
    buf_puts(b, "</p><p><a href=\"/\">switchboard</a></p></main></body></html>");
}

const char *dash_zone(sb_app *app, const sb_request *req, const session *s)
{
    return company_zone(db_for_reads(&app->reads), req->pool, &app->cfg, s->company_id);
}

int dash_tests(const sb_request *req) { return dash_q_int(req, "tests", 0, 0, 1) == 1; }

/* the navigation's Rückrufe link, with the open count of the scope as a badge (D101) */
void dash_callbacks_nav(sb_app *app, const sb_request *req, buf *b, const session *s)
{
    static const char OPEN_COUNT[] =
        "SELECT COUNT(*) FROM switchboard_callbacks WHERE status = 'open' AND (? = 0 OR company_id = ?)";
    db_param p[] = {db_int(s->company_id), db_int(s->company_id)};
    db_rows r;
    long long n = db_query(db_for_reads(&app->reads), req->pool, OPEN_COUNT, p, 2, &r) == 0 && r.nrows ? db_cell_ll(&r, 0, 0) : -1;
    buf_puts(b, "<a href=\"/callbacks\">");
    html_text(b, i18n_text(s->lang, M_NAV_CALLBACKS));
    if (n > 0) { /* nothing open: no badge to look at */
        buf_puts(b, " <span class=\"count\" title=\"");
        html_attr(b, i18n_text(s->lang, M_CB_OPEN_COUNT_LABEL));
        buf_printf(b, "\" data-open-callbacks=\"%lld\">%lld</span>", n, n);
    }
    buf_puts(b, "</a>");
}

long long dash_q_int(const sb_request *req, const char *name, long long def, long long lo, long long hi)
{
    const char *v = form_value(req->query, name, req->pool);
    if (!v || !*v) return def;
    long long n = atoll(v);
    return n < lo ? lo : n > hi ? hi : n;
}

void dash_redirect(sb_response *resp, const char *to)
{
    resp->status = 303;
    resp->content_type = "text/html";
    http_add_header(resp, "Location", to);
    buf_reset(&resp->body);
}

/* The session of this request, or 0 after answering with a redirect to the login. */
int dash_need_session(sb_app *app, const sb_request *req, sb_response *resp, session *s)
{
    const char *tok = cookie_value(http_header(req, "cookie"), DASH_SESSION_COOKIE, req->pool);
    int rc = session_get(app->db, req->pool, &app->cfg, tok, s);
    if (rc > 0) {
        s->lang = dash_lang(req);
        /* an operator may narrow every page to one company; a company user never widens theirs */
        const char *scope = s->operator_ ? cookie_value(http_header(req, "cookie"), SCOPE_COOKIE, req->pool) : NULL;
        if (scope) s->company_id = strtoll(scope, NULL, 10) > 0 ? strtoll(scope, NULL, 10) : 0;
        return 1;
    }
    if (rc < 0) dash_error(resp, 503, "database unavailable");
    else dash_redirect(resp, "/login");
    return 0;
}

static int csrf_ok(const sb_request *req, const session *s)
{
    const char *t = form_value(req->body, "csrf", req->pool);
    return session_token_equal(t, s->csrf);
}

/* A POST's session with its CSRF token checked, or 0 after answering. */
int dash_need_post_session(sb_app *app, const sb_request *req, sb_response *resp, session *s)
{
    if (!dash_need_session(app, req, resp, s)) return 0;
    if (csrf_ok(req, s)) return 1;
    dash_error(resp, 403, "CSRF token missing or wrong");
    return 0;
}


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
    if (!dash_need_post_session(app, req, resp, &s)) return;
    if (!s.operator_) {
        dash_error(resp, 403, "only operators choose a company");
        return;
    }
    const char *c = form_value(req->body, "company", req->pool);
    long long company = c ? strtoll(c, NULL, 10) : -1;
    if (!c || company < 0) {
        dash_error(resp, 400, "company must be a company id, or 0 for all");
        return;
    }
    dash_redirect(resp, back_path(req));
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
        dash_error(resp, 400, "to must be de or en (/lang?to=de, /lang?to=en)");
        return;
    }
    dash_redirect(resp, back_path(req));
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
        dash_error(resp, 503, "database unavailable");
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

