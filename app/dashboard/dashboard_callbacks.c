/* dashboard_callbacks.c: Rückrufe, the callback items (lib/callbacks.h) as a
 * page: filters (status, branch, period), CSV, done (who, when, note) and
 * dismissed, the open count in the navigation.
 *
 * Every query carries the session's tenant filter (? = 0 OR company_id = ?);
 * every change is a POST with the session's CSRF token and only moves an open
 * item, so two people closing the same item do not overwrite each other's
 * note (D101). Labels from lib/i18n.h, data only through the escapers. */
#include "dashboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "html.h"
#include "i18n.h"

#define LIST_ROWS 500   /* a page: the open items of a busy salon fit many times over */
#define CSV_ROWS 20000  /* an export: a year of a busy salon */
#define NOTE_MAX 1000   /* close_note is VARCHAR(1000) */

/* the states a filter may name; "" is all */
static const struct {
    const char *word;
    i18n_msg label;
} STATUSES[] = {{"open", M_CB_OPEN}, {"done", M_CB_DONE}, {"dismissed", M_CB_DISMISSED}};

/* the reason words of migration 0013 and how a person reads them */
static const struct {
    const char *word;
    i18n_msg label;
} REASONS[] = {{"callback_promised", M_R_PROMISED},
               {"booking_failed", M_R_BOOKING_FAILED},
               {"no_booking_after_request", M_R_NO_BOOKING},
               {"analysis_wanted_appointment", M_R_ANALYSIS}};

static const char *label_of(sb_lang lang, const char *word, int reasons)
{
    size_t n = reasons ? sizeof REASONS / sizeof *REASONS : sizeof STATUSES / sizeof *STATUSES;
    for (size_t i = 0; word && i < n; i++)
        if (!strcmp(reasons ? REASONS[i].word : STATUSES[i].word, word))
            return i18n_text(lang, reasons ? REASONS[i].label : STATUSES[i].label);
    return word;
}

const char *dash_callback_reason(sb_lang lang, const char *word) { return label_of(lang, word, 1); }

/* the filters of the page and its export: status (default open; "all"), branch, period */
typedef struct cb_filter {
    const char *status; /* NULL: all */
    const char *branch;
    long long days;
} cb_filter;

static void filter_of(const sb_request *req, cb_filter *f)
{
    const char *st = form_value(req->query, "status", req->pool);
    f->status = "open";
    if (st && !strcmp(st, "all")) f->status = NULL;
    for (size_t i = 0; st && i < sizeof STATUSES / sizeof *STATUSES; i++)
        if (!strcmp(st, STATUSES[i].word)) f->status = STATUSES[i].word;
    f->branch = dash_branch(req);
    f->days = dash_q_int(req, "days", 90, 1, 3660);
}

static const char LIST[] =
    "SELECT cb.id, UNIX_TIMESTAMP(cb.created_at), b.name, cb.caller_number, cb.caller_name, cb.reason,"
    " cb.wanted_service, cb.wanted_at, cb.failure, cb.call_id, cb.status, cb.closed_by,"
    " UNIX_TIMESTAMP(cb.closed_at), cb.close_note, cb.closed_by_appointment_id, cb.company_id"
    " FROM switchboard_callbacks cb LEFT JOIN branches b ON b.id = cb.branch_id"
    " WHERE (? = 0 OR cb.company_id = ?) AND (? IS NULL OR cb.status = ?) AND (? IS NULL OR cb.branch_id = ?)"
    " AND cb.created_at >= NOW() - INTERVAL ? DAY ORDER BY cb.id DESC LIMIT ?";
enum { C_ID, C_CREATED, C_BRANCH, C_NUMBER, C_NAME, C_REASON, C_SERVICE, C_WANTED_AT, C_FAILURE, C_CALL, C_STATUS, C_BY,
       C_CLOSED_AT, C_NOTE, C_APPT, C_COMPANY, C_COLS };

/* the items with their times in zone: the page's clock, or ISO 8601 with the offset (iso 1) for CSV (D167, D207) */
static int read_items(sb_app *app, const sb_request *req, const session *s, const cb_filter *f, long long limit,
                      const char *zone, int iso, db_rows *r)
{
    db_param p[] = {db_int(s->company_id), db_int(s->company_id), db_str(f->status), db_str(f->status),
                    db_str(f->branch),     db_str(f->branch),     db_int(f->days),   db_int(limit)};
    if (db_query(db_for_reads(&app->reads), req->pool, LIST, p, 8, r) != 0) return -1;
    dash_localize(r, C_CREATED, req->pool, zone, iso);
    dash_localize(r, C_CLOSED_AT, req->pool, zone, iso);
    return 0;
}

void dash_callbacks_csv(sb_app *app, const sb_request *req, sb_response *resp)
{
    session s;
    if (!dash_need_session(app, req, resp, &s)) return;
    cb_filter f;
    filter_of(req, &f);
    db_rows r;
    if (read_items(app, req, &s, &f, CSV_ROWS, dash_zone(app, req, &s), 1, &r) != 0) {
        dash_error(resp, 503, "database unavailable");
        return;
    }
    static const char *const HEAD[C_COLS] = {"id", "created", "branch", "caller_number", "caller_name", "reason",
                                             "wanted_service", "wanted_at", "failure", "call_id", "status", "closed_by",
                                             "closed_at", "close_note", "closed_by_appointment_id", "company_id"};
    resp->status = 200;
    resp->content_type = "text/csv";
    http_add_header(resp, "Content-Disposition", "attachment; filename=\"callbacks.csv\"");
    buf *b = &resp->body;
    buf_reset(b);
    for (size_t c = 0; c < C_COLS; c++) {
        if (c) buf_putc(b, ',');
        csv_field(b, HEAD[c]);
    }
    buf_puts(b, "\r\n");
    for (size_t i = 0; i < r.nrows; i++) {
        for (size_t c = 0; c < C_COLS; c++) {
            if (c) buf_putc(b, ',');
            csv_field(b, db_cell(&r, i, c));
        }
        buf_puts(b, "\r\n");
    }
}

static void td(buf *b, const char *v)
{
    buf_puts(b, "<td>");
    html_text(b, v && *v ? v : "–");
    buf_puts(b, "</td>");
}

/* the query string of the page's filters, for the CSV link: values URL-encoded, & written as &amp; */
static void filter_query(buf *b, const cb_filter *f)
{
    buf_puts(b, "?status=");
    html_url(b, f->status ? f->status : "all");
    buf_printf(b, "&amp;days=%lld", f->days);
    if (f->branch) {
        buf_puts(b, "&amp;branch=");
        html_url(b, f->branch);
    }
}

static void filter_form(sb_app *app, const sb_request *req, buf *b, const session *s, const cb_filter *f)
{
    sb_lang L = s->lang;
    buf_puts(b, "<form method=\"get\" action=\"/callbacks\" class=\"filters\"><label>");
    html_text(b, i18n_text(L, M_STATUS));
    buf_puts(b, " <select name=\"status\">");
    for (size_t i = 0; i < sizeof STATUSES / sizeof *STATUSES; i++) {
        buf_puts(b, "<option value=\"");
        html_attr(b, STATUSES[i].word);
        buf_puts(b, f->status && !strcmp(f->status, STATUSES[i].word) ? "\" selected>" : "\">");
        html_text(b, i18n_text(L, STATUSES[i].label));
        buf_puts(b, "</option>");
    }
    buf_puts(b, f->status ? "<option value=\"all\">" : "<option value=\"all\" selected>");
    html_text(b, i18n_text(L, M_ALL));
    buf_puts(b, "</option></select></label><label>");
    html_text(b, i18n_text(L, M_PERIOD));
    buf_puts(b, " ");
    dash_period_select(b, L, f->days);
    buf_puts(b, "</label>");
    db_rows br;
    db_param p = db_int(s->company_id);
    if (s->company_id && db_query(db_for_reads(&app->reads), req->pool,
                                  "SELECT id, name FROM branches WHERE company_id = ? AND deleted_at IS NULL ORDER BY name, id LIMIT 200",
                                  &p, 1, &br) == 0 && br.nrows > 1) {
        buf_puts(b, "<label>");
        html_text(b, i18n_text(L, M_BRANCH));
        buf_puts(b, " <select name=\"branch\"><option value=\"\">");
        html_text(b, i18n_text(L, M_ALL));
        buf_puts(b, "</option>");
        for (size_t i = 0; i < br.nrows; i++) {
            buf_puts(b, "<option value=\"");
            html_attr(b, db_cell(&br, i, 0));
            buf_puts(b, f->branch && !strcmp(f->branch, db_cell(&br, i, 0)) ? "\" selected>" : "\">");
            html_text(b, db_cell(&br, i, 1));
            buf_puts(b, "</option>");
        }
        buf_puts(b, "</select></label>");
    }
    buf_puts(b, "<button>");
    html_text(b, i18n_text(L, M_FILTER));
    buf_puts(b, "</button> <a href=\"/callbacks.csv");
    filter_query(b, f);
    buf_puts(b, "\">CSV</a></form>");
}

/* the two buttons of an open item: done with an optional note, dismissed */
static void close_forms(buf *b, const session *s, const char *id)
{
    sb_lang L = s->lang;
    buf_puts(b, "<form method=\"post\" action=\"/callbacks/close\" class=\"cb-close\"><input type=\"hidden\" name=\"csrf\" value=\"");
    html_attr(b, s->csrf);
    buf_puts(b, "\"><input type=\"hidden\" name=\"id\" value=\"");
    html_attr(b, id);
    buf_printf(b, "\"><input name=\"note\" maxlength=\"%d\" aria-label=\"", NOTE_MAX);
    html_attr(b, i18n_text(L, M_NOTE));
    buf_puts(b, "\" placeholder=\"");
    html_attr(b, i18n_text(L, M_NOTE));
    buf_puts(b, "\"><button name=\"action\" value=\"done\">");
    html_text(b, i18n_text(L, M_MARK_DONE));
    buf_puts(b, "</button> <button name=\"action\" value=\"dismissed\" class=\"secondary\">");
    html_text(b, i18n_text(L, M_DISMISS));
    buf_puts(b, "</button></form>");
}

static void item_row(buf *b, const session *s, const db_rows *r, size_t i)
{
    sb_lang L = s->lang;
    const char *st = db_cell(r, i, C_STATUS);
    buf_puts(b, "<tr data-callback=\"");
    html_attr(b, db_cell(r, i, C_ID));
    buf_puts(b, "\">");
    td(b, db_cell(r, i, C_CREATED));
    td(b, db_cell(r, i, C_BRANCH));
    td(b, db_cell(r, i, C_NUMBER) ? db_cell(r, i, C_NUMBER) : i18n_text(L, M_WITHHELD));
    td(b, db_cell(r, i, C_NAME));
    td(b, label_of(L, db_cell(r, i, C_REASON), 1));
    const char *svc = db_cell(r, i, C_SERVICE), *at = db_cell(r, i, C_WANTED_AT);
    buf_puts(b, "<td>");
    html_text(b, svc ? svc : "–");
    if (at) {
        buf_puts(b, "<br>");
        html_text(b, at);
    }
    buf_puts(b, "</td>");
    td(b, db_cell(r, i, C_FAILURE));
    buf_puts(b, "<td><a href=\"/call?id=");
    html_url(b, db_cell(r, i, C_CALL));
    buf_puts(b, "\">");
    html_text(b, db_cell(r, i, C_CALL));
    buf_puts(b, "</a></td><td class=\"cb-");
    html_attr(b, st);
    buf_puts(b, "\">");
    html_text(b, label_of(L, st, 0));
    buf_puts(b, "</td><td>");
    if (st && !strcmp(st, "open")) {
        close_forms(b, s, db_cell(r, i, C_ID));
    } else {
        const char *by = db_cell(r, i, C_BY);
        html_text(b, by && !strcmp(by, "automatic") ? i18n_text(L, M_CB_AUTOMATIC) : by ? by : "–");
        if (db_cell(r, i, C_APPT)) {
            buf_puts(b, " <a href=\"/appointment?id=");
            html_url(b, db_cell(r, i, C_APPT));
            buf_puts(b, "\">#");
            html_text(b, db_cell(r, i, C_APPT));
            buf_puts(b, "</a>");
        }
        buf_puts(b, "<br>");
        html_text(b, db_cell(r, i, C_CLOSED_AT) ? db_cell(r, i, C_CLOSED_AT) : "");
        if (db_cell(r, i, C_NOTE) && *db_cell(r, i, C_NOTE)) {
            buf_puts(b, "<br><q>");
            html_text(b, db_cell(r, i, C_NOTE));
            buf_puts(b, "</q>");
        }
    }
    buf_puts(b, "</td></tr>");
}

void dash_callbacks(sb_app *app, const sb_request *req, sb_response *resp)
{
    session s;
    if (!dash_need_session(app, req, resp, &s)) return;
    cb_filter f;
    filter_of(req, &f);
    db_rows r;
    const char *zone = dash_zone(app, req, &s);
    if (read_items(app, req, &s, &f, LIST_ROWS, zone, 0, &r) != 0) {
        dash_error(resp, 503, "database unavailable");
        return;
    }
    resp->status = 200;
    sb_lang L = s.lang;
    dash_page_start(app, req, resp, i18n_text(L, M_NAV_CALLBACKS), &s);
    buf *b = &resp->body;
    dash_glance_bar(b, L, req, NULL, zone);
    filter_form(app, req, b, &s, &f);
    if (!r.nrows) {
        buf_puts(b, "<p class=\"empty\">");
        html_text(b, i18n_text(L, M_NO_CALLBACKS));
        buf_puts(b, "</p>");
        dash_page_end(resp);
        return;
    }
    buf_puts(b, "<table class=\"callbacks\"><thead><tr>");
    dash_th(b, L, (const i18n_msg[]){M_CREATED, M_BRANCH, M_CALLER, M_CUSTOMER, M_REASON, M_WISH, M_WHY_OPEN, M_CALL, M_STATUS, M_CLOSED},
            10);
    buf_puts(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < r.nrows; i++) item_row(b, &s, &r, i);
    buf_puts(b, "</tbody></table>");
    dash_page_end(resp);
}

/* POST /callbacks/close (id, action=done|dismissed, note): only an open item
 * of the session's tenant moves; who and when are the session's user and now. */
void dash_callback_close(sb_app *app, const sb_request *req, sb_response *resp)
{
    session s;
    if (!dash_need_post_session(app, req, resp, &s)) return;
    arena *a = req->pool;
    const char *id = form_value(req->body, "id", a), *action = form_value(req->body, "action", a);
    const char *note = form_value(req->body, "note", a);
    long long item = id ? atoll(id) : 0;
    if (item <= 0 || !action || (strcmp(action, "done") && strcmp(action, "dismissed"))) {
        dash_error(resp, 400, "id and action=done|dismissed are required");
        return;
    }
    size_t chars = 0; /* the column counts characters: UTF-8 lead bytes */
    for (const char *c = note; c && *c; c++) chars += ((unsigned char)*c & 0xC0) != 0x80;
    if (chars > NOTE_MAX) {
        dash_error(resp, 400, "note is longer than 1000 characters");
        return;
    }
    const char *by = arena_printf(a, "%.150s (user %lld)", s.user_name ? s.user_name : "", s.user_id);
    static const char CLOSE[] =
        "UPDATE switchboard_callbacks SET status = ?, closed_by = ?, closed_at = NOW(3), close_note = ?"
        " WHERE id = ? AND (? = 0 OR company_id = ?) AND status = 'open'";
    db_param p[] = {db_str(action), db_str(by), db_str(note && *note ? note : NULL), db_int(item), db_int(s.company_id),
                    db_int(s.company_id)};
    uint64_t changed = 0;
    if (db_exec(app->db, CLOSE, p, 6, NULL, &changed) != 0) {
        dash_error(resp, 503, "database unavailable");
        return;
    }
    if (!changed) {
        /* not ours (the tenant wall answers like a missing row) or closed a moment ago by someone else */
        db_param q[] = {db_int(item), db_int(s.company_id), db_int(s.company_id)};
        db_rows r;
        if (db_query(app->db, a, "SELECT status FROM switchboard_callbacks WHERE id = ? AND (? = 0 OR company_id = ?)", q, 3, &r) != 0) {
            dash_error(resp, 503, "database unavailable");
            return;
        }
        if (!r.nrows) dash_error(resp, 404, "no such callback item");
        else dash_error(resp, 409, "this callback item is no longer open");
        return;
    }
    dash_redirect(resp, "/callbacks");
}
