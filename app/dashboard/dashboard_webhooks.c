/* dashboard_webhooks.c: GET /webhooks (the stored events, filtered and
 * searched), its live feed /webhooks/live (JSON for the page's script, D136)
 * and the replay buttons (POST /replay, /replay-all). */
#include "dashboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "company_clock.h"
#include "form.h"
#include "html.h"
#include "i18n.h"
#include "json.h"
#include "phone.h"
#include "queue_stats.h"
#include "session.h"

#define BULK_REPLAY_MAX 500 /* events one bulk replay click may queue */
/* the live feed's bounds (D136): one poll per session per second, the newest
 * LIVE_WINDOW ids at most, the health figures at most every LIVE_KPI_TTL_US per child */
#define LIVE_MIN_MS 1000
#define LIVE_WINDOW 10000
#define LIVE_KPI_TTL_US 10000000

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
    if (qs && queue_stats_read_health(db, a, s->company_id, app->cfg.spool_dir, qs) != 0) return -1;
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
    if (queue_stats_read_health(db_for_reads(&app->reads), a, company_id, app->cfg.spool_dir, &q) != 0) return NULL;
    *k = (live_kpis){company_id, now, "", q.backlog, q.by_status[QS_DEAD], q.lag_p99_ms};
    snprintf(k->status, sizeof k->status, "%s", q.status);
    return k;
}

/* the first ncol cells of each row as a JSON array of strings, the arrays comma-separated */
static void json_cell_arrays(buf *b, const db_rows *r, size_t ncol)
{
    for (size_t i = 0; i < r->nrows; i++) {
        buf_puts(b, i ? ",[" : "[");
        for (size_t c = 0; c < ncol; c++) {
            if (c) buf_putc(b, ',');
            json_buf_str(b, db_cell(r, i, c));
        }
        buf_putc(b, ']');
    }
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
    json_cell_arrays(b, &rows, 7);
    buf_puts(b, "],\"statuses\":["); /* the rows already on screen, as they are now (17.7) */
    json_cell_arrays(b, &shown, 3);
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
        dash_error(resp, 503, "database unavailable");
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
    if (!dash_need_post_session(app, req, resp, &s)) return;
    arena *a = req->pool;
    const char *status = form_value(req->body, "status", a), *provider = form_value(req->body, "provider", a);
    if (!status || (strcmp(status, "failed") && strcmp(status, "dead"))) {
        dash_error(resp, 400, "status must be failed or dead");
        return;
    }
    if (provider && !*provider) provider = NULL;
    db_param p[] = {db_int(s.company_id), db_int(s.company_id), db_str(status), db_str(provider), db_str(provider),
                    db_int(BULK_REPLAY_MAX)};
    db_rows r;
    if (db_query(app->db, a, "SELECT id FROM webhook_events WHERE (? = 0 OR company_id = ?) AND status = ?"
                             " AND (? IS NULL OR provider = ?) ORDER BY id LIMIT ?", p, 6, &r) != 0) {
        dash_error(resp, 503, "database unavailable");
        return;
    }
    uint64_t *ids = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof *ids);
    for (size_t i = 0; i < r.nrows; i++) ids[i] = strtoull(db_cell(&r, i, 0), NULL, 10);
    char by[96];
    snprintf(by, sizeof by, "dashboard user %lld (bulk)", s.user_id);
    if (r.nrows && pipeline_replay_mark(&app->pipe, ids, r.nrows, by, NULL) < 0) {
        dash_error(resp, 503, "database unavailable");
        return;
    }
    dash_redirect(resp, "/webhooks");
}

void dash_replay(sb_app *app, const sb_request *req, sb_response *resp)
{
    session s;
    if (!dash_need_post_session(app, req, resp, &s)) return;
    const char *id = form_value(req->body, "id", req->pool);
    uint64_t ev = id ? strtoull(id, NULL, 10) : 0;
    /* the tenant wall: a company user replays only their own company's events */
    db_param p[] = {db_int((long long)ev), db_int(s.company_id), db_int(s.company_id)};
    db_rows r;
    if (!ev || db_query(app->db, req->pool, "SELECT id FROM webhook_events WHERE id = ? AND (? = 0 OR company_id = ?)", p, 3, &r) != 0 ||
        !r.nrows) {
        dash_error(resp, 404, "no such event");
        return;
    }
    char by[96];
    snprintf(by, sizeof by, "dashboard user %lld", s.user_id);
    if (pipeline_replay_mark(&app->pipe, &ev, 1, by, NULL) < 0) {
        dash_error(resp, 503, "database unavailable");
        return;
    }
    resp->process_after = ev; /* processed by this child right after the redirect is sent */
    dash_redirect(resp, "/webhooks");
}
