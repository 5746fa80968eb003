/* dashboard_lists.c: calls and appointments (searchable, keyset-paginated, CSV),
 * their detail pages (links, webhook events, audit trail), channels and agents.
 * Every query carries the tenant filter of the session: (? = 0 OR company_id = ?).
 * Labels come from lib/i18n.h in the session's language (s.lang). */
#include "dashboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conversions.h"
#include "form.h"
#include "html.h"
#include "phone.h"
#include "i18n.h"

#define PAGE_ROWS 50

/* The parameters every list query takes, in this order: company (2), days,
 * before id (2), status (2), the search term, branch (2), limit. */
enum { LP_BEFORE = 3, LP_SEARCH = 7, LP_LIMIT = 10, LP_COUNT = 11 };

static const char *q_str(const sb_request *req, const char *name, size_t max)
{
    const char *v = form_value(req->query, name, req->pool);
    return v && *v && strlen(v) <= max ? v : NULL;
}

static void cell(buf *b, const char *v)
{
    buf_puts(b, "<td>");
    html_text(b, v ? v : "–");
    buf_puts(b, "</td>");
}

/* Columns whose bit is set in a time mask hold Unix seconds: shown in the
 * page's zone (dash_zone), exported as ISO 8601 with the offset (17.1). */
typedef struct time_cols {
    unsigned mask;
    const char *zone;
    arena *a;
} time_cols;

static void csv_line(buf *b, const db_rows *r, size_t i, size_t ncol, const time_cols *tc);

static void csv_rows(sb_response *resp, const char *filename, const char *const *head, size_t ncol, const db_rows *r,
                     const time_cols *tc)
{
    resp->status = 200;
    resp->content_type = "text/csv";
    http_add_header(resp, "Content-Disposition", filename);
    buf *b = &resp->body;
    buf_reset(b);
    for (size_t c = 0; c < ncol; c++) {
        if (c) buf_putc(b, ',');
        csv_field(b, head[c]);
    }
    buf_puts(b, "\r\n");
    for (size_t i = 0; i < r->nrows; i++) csv_line(b, r, i, ncol, tc);
}

/* Exports are streamed: the handler sends the first CSV_CHUNK rows itself
 * (so a database that is down still answers 503), and when there are more,
 * csv_stream goes on from the last id by the same keyset the pages use, one
 * chunk at a time in a scratch arena, so an export of a million rows needs
 * the memory of one chunk. A database failure midway cannot change the status
 * any more: the export ends with a line saying it is incomplete. */
#define CSV_CHUNK 2000

typedef struct csv_export {
    sb_db *db;           /* the server the first chunk came from (db_for_reads) */
    const char *sql;     /* the list's query, with the parameters of list_read */
    db_param params[LP_COUNT];
    size_t ncol;
    long long before;
    time_cols tc;
} csv_export;

static void csv_line(buf *b, const db_rows *r, size_t i, size_t ncol, const time_cols *tc)
{
    for (size_t c = 0; c < ncol; c++) {
        if (c) buf_putc(b, ',');
        const char *v = db_cell(r, i, c);
        csv_field(b, tc->mask & (1u << c) ? dash_time(tc->a, v, tc->zone, 1) : v);
    }
    buf_puts(b, "\r\n");
}

static int csv_stream(void *ctx, sb_emit_fn emit, void *sink)
{
    csv_export *x = ctx;
    arena *chunk = arena_new(256 * 1024);
    buf b = BUF_INIT;
    int rc = 0;
    for (;;) {
        x->params[LP_BEFORE] = x->params[LP_BEFORE + 1] = db_int(x->before);
        x->params[LP_LIMIT] = db_int(CSV_CHUNK);
        db_rows r;
        buf_reset(&b);
        if (db_query(x->db, chunk, x->sql, x->params, LP_COUNT, &r) != 0) {
            buf_puts(&b, "\"export incomplete: database unavailable\"\r\n");
            emit(sink, b.data, b.len);
            rc = -1;
            break;
        }
        x->tc.a = chunk;
        for (size_t i = 0; i < r.nrows; i++) csv_line(&b, &r, i, x->ncol, &x->tc);
        if (emit(sink, b.data, b.len) != 0) { /* the client left */
            rc = -1;
            break;
        }
        if (r.nrows < CSV_CHUNK) break;
        x->before = atoll(db_cell(&r, r.nrows - 1, 0));
        arena_reset(chunk);
    }
    buf_free(&b);
    arena_free(chunk);
    return rc;
}

/* The first chunk into the body; the rest streamed if the chunk was full. */
static void csv_export_start(sb_db *db, const sb_request *req, sb_response *resp, const char *filename,
                             const char *const *head, const char *sql, const db_param *params, const db_rows *first,
                             const time_cols *tc)
{
    csv_rows(resp, filename, head, 8, first, tc);
    if (first->nrows < CSV_CHUNK) return;
    csv_export *x = arena_zalloc(req->pool, sizeof *x);
    x->db = db;
    x->sql = sql;
    memcpy(x->params, params, sizeof x->params);
    x->ncol = 8;
    x->before = atoll(db_cell(first, first->nrows - 1, 0));
    x->tc = *tc;
    resp->stream = csv_stream;
    resp->stream_ctx = x;
}

/* The search box, as one indexed kind of match, never a substring scan over
 * a tenant's million rows: a phone number (6+ digits: its E.164 prefix, on the
 * number's index), a provider id (call_..., a Cal.com uid: exact, unique
 * index) or else the start of the customer's name (the name index). Each kind
 * has its own statement: MariaDB plans a prepared `? IS NULL OR col LIKE ?`
 * without the index (13 s instead of 2 ms on a million calls). */
typedef enum { SEARCH_NONE, SEARCH_EXACT, SEARCH_PHONE, SEARCH_NAME, SEARCH_KINDS } search_kind;

typedef struct search_terms {
    search_kind kind;
    const char *term; /* the value or LIKE pattern; NULL for SEARCH_NONE */
} search_terms;

static void search_terms_of(const char *q, const sb_config *cfg, arena *a, search_terms *t)
{
    memset(t, 0, sizeof *t);
    if (!q) return;
    size_t digits = 0, phoneish = 0, idish = 0, n = strlen(q);
    for (const char *p = q; *p; p++) {
        digits += *p >= '0' && *p <= '9';
        phoneish += (*p >= '0' && *p <= '9') || strchr("+ -/()", *p) != NULL;
        idish += (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' || *p == '-';
    }
    char e164[PHONE_MAX];
    if (phoneish == n && digits >= 6) {
        const char *cc = phone_country_code(cfg->phone_default_country);
        t->kind = SEARCH_PHONE;
        t->term = arena_printf(a, "%s%%", phone_normalize(q, cc, e164) == 0 ? e164 : q);
    } else if (idish == n && (!strncmp(q, "call_", 5) || (n >= 16 && digits > 0))) {
        t->kind = SEARCH_EXACT;
        t->term = q;
    } else {
        buf b = BUF_INIT; /* LIKE's wildcards in a name are literal */
        for (const char *p = q; *p; p++) {
            if (*p == '%' || *p == '_' || *p == '|') buf_putc(&b, '|');
            buf_putc(&b, *p);
        }
        buf_putc(&b, '%');
        t->kind = SEARCH_NAME;
        t->term = arena_strdup(a, buf_cstr(&b));
        buf_free(&b);
    }
}

/* The half the list pages share: the session, the filters (days, before,
 * status, q) and one keyset page of `sql`, or, for csv, the start of the
 * streamed export. `sql` holds the list's statement per search kind, each
 * taking the LP_COUNT parameters in the order below.
 * Returns 1 when the caller renders v->rows as a page. */
typedef struct list_view {
    session s;
    long long days;
    const char *q;
    db_rows rows;
    time_cols tc;
} list_view;

/* An export streams the whole filter from the database: a session may start
 * EXPORTS_PER_MINUTE of them in a minute (D136); else 429, or 503 (0 either way). */
#define EXPORTS_PER_MINUTE 20
static int export_allowed(sb_app *app, sb_response *resp, const session *s)
{
    int may = session_allow_export(app->db, s, EXPORTS_PER_MINUTE);
    if (may > 0) return 1;
    dash_error(resp, may < 0 ? 503 : 429, may < 0 ? "database unavailable" : "too many exports in a minute; try again later");
    if (may == 0) http_add_header(resp, "Retry-After", "60");
    return 0;
}

static int list_read(sb_app *app, const sb_request *req, sb_response *resp, const char *const *sql_by_kind,
                     const char *const *cols, const char *filename, int csv, unsigned time_mask, list_view *v)
{
    if (!dash_need_session(app, req, resp, &v->s)) return 0;
    if (csv && !export_allowed(app, resp, &v->s)) return 0;
    v->tc = (time_cols){time_mask, dash_zone(app, req, &v->s), req->pool};
    v->days = dash_q_int(req, "days", 30, 1, 3660);
    long long before = dash_q_int(req, "before", 0, 0, 1LL << 62);
    const char *status = q_str(req, "status", 20), *branch = dash_branch(req);
    v->q = q_str(req, "q", 100);
    search_terms t;
    search_terms_of(v->q, &app->cfg, req->pool, &t);
    const char *sql = sql_by_kind[t.kind];
    db_param p[LP_COUNT] = {db_int(v->s.company_id), db_int(v->s.company_id), db_int(v->days), db_int(before), db_int(before),
                            db_str(status), db_str(status), db_str(t.term), db_str(branch), db_str(branch),
                            db_int(csv ? CSV_CHUNK : PAGE_ROWS)};
    if (!t.term) p[LP_SEARCH] = db_int(0); /* SEARCH_NONE: "? = 0" */
    sb_db *db = db_for_reads(&app->reads); /* the same server for every chunk of an export */
    if (db_query(db, req->pool, sql, p, LP_COUNT, &v->rows) != 0) {
        dash_error(resp, 503, "database unavailable");
        return 0;
    }
    if (csv) {
        csv_export_start(db, req, resp, filename, cols, sql, p, &v->rows, &v->tc);
        return 0;
    }
    resp->status = 200;
    return 1;
}

/* ---- calls ---- */

static const char *const CALL_COLS[] = {"id", "started", "caller", "status", "duration_s", "customer", "appointment", "retell_call_id"};
#define CALLS(search)                                                                                                  \
    "SELECT c.id, UNIX_TIMESTAMP(c.created_at), c.from_number, c.status, c.duration_sec, cu.name,"          \
    " c.converted_appointment_id, c.retell_call_id FROM calls c LEFT JOIN customers cu ON cu.id = c.customer_id"          \
    " WHERE (? = 0 OR c.company_id = ?) AND c.deleted_at IS NULL AND c.created_at >= NOW() - INTERVAL ? DAY"               \
    " AND (? = 0 OR c.id < ?) AND (? IS NULL OR c.status = ?) AND " search                                                 \
    " AND (? IS NULL OR c.branch_id = ?) ORDER BY c.id DESC LIMIT ?"
static const char *const CALLS_BY_SEARCH[SEARCH_KINDS] = {
    CALLS("? = 0"), CALLS("c.retell_call_id = ?"), CALLS("c.from_number LIKE ? ESCAPE '|'"),
    CALLS("cu.name LIKE ? ESCAPE '|'")};

/* The start of a list's filter form: its search field. */
static void search_field(buf *b, sb_lang lang, const char *action, const char *q)
{
    buf_puts(b, "<form method=\"get\" action=\"");
    html_attr(b, action);
    buf_puts(b, "\" class=\"filters\"><label>");
    html_text(b, i18n_text(lang, M_SEARCH));
    buf_puts(b, " <input name=\"q\" value=\"");
    html_attr(b, q ? q : "");
    buf_puts(b, "\"></label>");
}

/* "&amp;branch=ID" when the page is narrowed to a branch: the list's links keep it */
static void branch_arg(buf *b, const sb_request *req)
{
    const char *branch = dash_branch(req);
    if (!branch) return;
    buf_puts(b, "&amp;branch=");
    html_url(b, branch);
}

/* the filter form's button, and the branch the page is narrowed to */
static void filter_button(buf *b, sb_lang lang, const sb_request *req)
{
    const char *branch = dash_branch(req);
    if (branch) {
        buf_puts(b, "<input type=\"hidden\" name=\"branch\" value=\"");
        html_attr(b, branch);
        buf_puts(b, "\">");
    }
    buf_puts(b, "<button>");
    html_text(b, i18n_text(lang, M_FILTER));
    buf_puts(b, "</button>");
}

/* the end of the keyset link to the next page */
static void older_link_end(buf *b, sb_lang lang)
{
    buf_puts(b, "\">");
    html_text(b, i18n_text(lang, M_OLDER));
    buf_puts(b, "</a></p>");
}

/* A list page (calls, appointments): what differs is in its spec. */
typedef struct list_spec {
    const char *const *sql_by_kind; /* the statement per search kind (list_read) */
    const char *const *csv_cols;
    const char *csv_disposition;
    i18n_msg title;
    const char *path, *detail_path; /* /calls and /call?id= */
    i18n_msg head[8];               /* the shown columns after the id */
    size_t nshown;
    unsigned time_mask;             /* columns of Unix seconds (time_cols) */
} list_spec;

static void list_page(sb_app *app, const sb_request *req, sb_response *resp, const list_spec *k, int csv)
{
    list_view v;
    if (!list_read(app, req, resp, k->sql_by_kind, k->csv_cols, k->csv_disposition, csv, k->time_mask, &v)) return;
    const char *q = v.q ? v.q : "";
    sb_lang L = v.s.lang;
    dash_page_start(app, req, resp, i18n_text(L, k->title), &v.s);
    buf *b = &resp->body;
    dash_glance_bar(b, L, req, NULL, v.tc.zone);
    search_field(b, L, k->path, v.q);
    buf_puts(b, "<label>");
    html_text(b, i18n_text(L, M_PERIOD));
    buf_puts(b, " ");
    dash_period_select(b, L, v.days);
    buf_puts(b, "</label>");
    filter_button(b, L, req);
    buf_puts(b, " <a href=\"");
    html_attr(b, k->path);
    buf_printf(b, ".csv?days=%lld&amp;q=", v.days);
    html_url(b, q);
    branch_arg(b, req);
    buf_puts(b, "\">CSV</a></form><table><thead><tr><th>#</th>");
    dash_th(b, L, k->head, k->nshown);
    buf_puts(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < v.rows.nrows; i++) {
        buf_puts(b, "<tr><td><a href=\"");
        html_attr(b, k->detail_path);
        buf_puts(b, "?id=");
        html_url(b, db_cell(&v.rows, i, 0));
        buf_puts(b, "\">");
        html_text(b, db_cell(&v.rows, i, 0));
        buf_puts(b, "</a></td>");
        for (size_t c = 1; c <= k->nshown; c++)
            cell(b, k->time_mask & (1u << c) ? dash_time(req->pool, db_cell(&v.rows, i, c), v.tc.zone, 0) : db_cell(&v.rows, i, c));
        buf_puts(b, "</tr>");
    }
    buf_puts(b, "</tbody></table>");
    if (v.rows.nrows == PAGE_ROWS) { /* keyset: the next page starts below the last id shown */
        buf_puts(b, "<p><a href=\"");
        html_attr(b, k->path);
        buf_printf(b, "?days=%lld&amp;before=", v.days);
        html_url(b, db_cell(&v.rows, v.rows.nrows - 1, 0));
        buf_puts(b, "&amp;q=");
        html_url(b, q);
        branch_arg(b, req);
        older_link_end(b, L);
    }
    dash_page_end(resp);
}

/* a detail page's table: one row per label, the cell link_col links to link_path?id= */
static void detail_table(buf *b, sb_lang lang, const db_rows *r, const i18n_msg *labels, size_t n, size_t link_col,
                         const char *link_path)
{
    buf_puts(b, "<table class=\"detail\"><tbody>");
    for (size_t c = 0; c < n; c++) {
        buf_puts(b, "<tr>");
        dash_th(b, lang, &labels[c], 1);
        if (c == link_col && db_cell(r, 0, c)) {
            buf_puts(b, "<td><a href=\"");
            html_attr(b, link_path);
            buf_puts(b, "?id=");
            html_url(b, db_cell(r, 0, c));
            buf_puts(b, "\">");
            html_text(b, db_cell(r, 0, c));
            buf_puts(b, "</a></td>");
        } else {
            cell(b, db_cell(r, 0, c));
        }
        buf_puts(b, "</tr>");
    }
    buf_puts(b, "</tbody></table>");
}

static const list_spec CALLS_LIST = {CALLS_BY_SEARCH, CALL_COLS, "attachment; filename=\"calls.csv\"", M_NAV_CALLS, "/calls",
                                      "/call", {M_STARTED_UTC, M_CALLER, M_STATUS, M_DURATION_S, M_CUSTOMER, M_APPOINTMENT}, 6, 1u << 1};

void dash_calls(sb_app *app, const sb_request *req, sb_response *resp) { list_page(app, req, resp, &CALLS_LIST, 0); }
void dash_calls_csv(sb_app *app, const sb_request *req, sb_response *resp) { list_page(app, req, resp, &CALLS_LIST, 1); }

/* webhook events of an entity and (for appointments) the audit trail, as tables */
static void events_table(sb_app *app, const sb_request *req, sb_lang lang, const char *zone, buf *b, const char *event_id_sql,
                         db_param key)
{
    db_rows r;
    if (db_query(db_for_reads(&app->reads), req->pool, event_id_sql, &key, 1, &r) != 0) return;
    dash_localize(&r, 3, req->pool, zone, 0);
    buf_puts(b, "<h2>");
    html_text(b, i18n_text(lang, M_WEBHOOK_EVENTS));
    buf_puts(b, "</h2><table><thead><tr><th>#</th>");
    dash_th(b, lang, (const i18n_msg[]){M_TYPE, M_STATUS, M_RECEIVED, M_NOTE}, 4);
    buf_puts(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < r.nrows; i++) {
        buf_puts(b, "<tr>");
        buf_puts(b, "<td><a href=\"/webhook?id=");
        html_url(b, db_cell(&r, i, 0));
        buf_puts(b, "\">");
        html_text(b, db_cell(&r, i, 0));
        buf_puts(b, "</a></td>");
        for (int c = 1; c < 5; c++) cell(b, db_cell(&r, i, (size_t)c));
        buf_puts(b, "</tr>");
    }
    buf_puts(b, "</tbody></table>");
}

void dash_events_table(sb_app *app, const sb_request *req, sb_lang lang, const char *zone, buf *b, const char *event_id_sql,
                       db_param key)
{
    events_table(app, req, lang, zone, b, event_id_sql, key);
}

/* ---- appointments ---- */

static const char *const APPT_COLS[] = {"id", "created", "starts", "status", "source", "customer", "service", "call"};
#define APPTS(search)                                                                                                  \
    "SELECT a.id, UNIX_TIMESTAMP(a.created_at), UNIX_TIMESTAMP(a.starts_at), a.status,"     \
    " a.source, cu.name, s.name, a.call_id FROM appointments a LEFT JOIN customers cu ON cu.id = a.customer_id"            \
    " LEFT JOIN services s ON s.id = a.service_id"                                                                         \
    " WHERE (? = 0 OR a.company_id = ?) AND a.deleted_at IS NULL AND a.created_at >= NOW() - INTERVAL ? DAY"               \
    " AND (? = 0 OR a.id < ?) AND (? IS NULL OR a.status = ?) AND " search                                                 \
    " AND (? IS NULL OR a.branch_id = ?) ORDER BY a.id DESC LIMIT ?"
static const char *const APPTS_BY_SEARCH[SEARCH_KINDS] = {
    APPTS("? = 0"), APPTS("a.calcom_v2_booking_id = ?"), APPTS("cu.phone LIKE ? ESCAPE '|'"), APPTS("cu.name LIKE ? ESCAPE '|'")};

static const list_spec APPTS_LIST = {APPTS_BY_SEARCH, APPT_COLS, "attachment; filename=\"appointments.csv\"", M_NAV_APPOINTMENTS,
                                      "/appointments", "/appointment",
                                      {M_CREATED, M_STARTS, M_STATUS, M_SOURCE, M_CUSTOMER, M_SERVICE, M_CALL}, 7, 1u << 1 | 1u << 2};

void dash_appointments(sb_app *app, const sb_request *req, sb_response *resp) { list_page(app, req, resp, &APPTS_LIST, 0); }
void dash_appointments_csv(sb_app *app, const sb_request *req, sb_response *resp) { list_page(app, req, resp, &APPTS_LIST, 1); }

void dash_appointment(sb_app *app, const sb_request *req, sb_response *resp)
{
    session s;
    if (!dash_need_session(app, req, resp, &s)) return;
    long long id = dash_q_int(req, "id", 0, 0, 1LL << 62);
    db_param p[] = {db_int(id), db_int(s.company_id), db_int(s.company_id)};
    db_rows r;
    if (db_query(db_for_reads(&app->reads), req->pool,
                 "SELECT a.id, a.calcom_v2_booking_id, UNIX_TIMESTAMP(a.starts_at), a.status, a.source, cu.name,"
                 " s.name, a.call_id, a.cancellation_reason FROM appointments a LEFT JOIN customers cu ON cu.id = a.customer_id"
                 " LEFT JOIN services s ON s.id = a.service_id WHERE a.id = ? AND (? = 0 OR a.company_id = ?) AND a.deleted_at IS NULL",
                 p, 3, &r) != 0) {
        dash_error(resp, 503, "database unavailable");
        return;
    }
    if (!r.nrows) {
        dash_error(resp, 404, "Not Found");
        return;
    }
    resp->status = 200;
    dash_page_start(app, req, resp, i18n_text(s.lang, M_APPOINTMENT), &s);
    buf *b = &resp->body;
    const char *zone = dash_zone(app, req, &s);
    dash_glance_bar(b, s.lang, req, NULL, zone);
    dash_localize(&r, 2, req->pool, zone, 0);
    static const i18n_msg L[] = {M_ID, M_CALCOM_UID, M_STARTED_UTC, M_STATUS, M_SOURCE, M_CUSTOMER, M_SERVICE, M_CALL,
                                 M_CANCELLATION_REASON};
    detail_table(b, s.lang, &r, L, 9, 7, "/call");
    events_table(app, req, s.lang, dash_zone(app, req, &s), b,
                 "SELECT e.id, e.event_type, e.status, UNIX_TIMESTAMP(COALESCE(e.received_at, e.created_at)),"
                 " COALESCE(e.error_message, e.notes) FROM switchboard_booking_uids u JOIN webhook_events e ON e.provider = 'calcom'"
                 " AND e.event_id = u.uid WHERE u.appointment_id = ? ORDER BY e.id",
                 db_int(id));
    db_rows au;
    db_param k = db_int(id);
    if (db_query(db_for_reads(&app->reads), req->pool,
                 "SELECT UNIX_TIMESTAMP(created_at), action, cause, changes FROM switchboard_audit"
                 " WHERE table_name = 'appointments' AND row_id = ? ORDER BY id", &k, 1, &au) == 0) {
        dash_localize(&au, 0, req->pool, zone, 0);
        buf_puts(b, "<h2>");
        html_text(b, i18n_text(s.lang, M_HISTORY));
        buf_puts(b, "</h2><table><thead><tr>");
        dash_th(b, s.lang, (const i18n_msg[]){M_TIME, M_ACTION, M_CAUSE, M_CHANGES}, 4);
        buf_puts(b, "</tr></thead><tbody>");
        for (size_t i = 0; i < au.nrows; i++) {
            buf_puts(b, "<tr>");
            for (int c = 0; c < 4; c++) cell(b, db_cell(&au, i, (size_t)c));
            buf_puts(b, "</tr>");
        }
        buf_puts(b, "</tbody></table>");
    }
    dash_page_end(resp);
}

/* ---- channels and agents ---- */

void dash_channels(sb_app *app, const sb_request *req, sb_response *resp)
{
    session s;
    conversion_report r;
    if (!dash_need_session(app, req, resp, &s) || !dash_report(app, req, resp, &s, 0, &r)) return;
    arena *a = req->pool;
    resp->status = 200;
    sb_lang L = s.lang;
    dash_page_start(app, req, resp, i18n_text(L, M_NAV_CHANNELS), &s);
    buf *b = &resp->body;
    dash_period_links(b, L, "/channels", dash_q_int(req, "days", 30, 1, 3660), dash_branch(req));
    dash_branch_picker(app, req, b, &s, "/channels", dash_q_int(req, "days", 30, 1, 3660));
    dash_glance_bar(b, L, req, "/channels", dash_zone(app, req, &s));
    buf_puts(b, "<section class=\"kpis\">");
    dash_num_cell(b, i18n_text(L, M_PHONE_BOOKED), arena_printf(a, "%lld", r.appt_phone_booked), i18n_text(L, M_DURING_CALL));
    dash_num_cell(b, i18n_text(L, M_AFTER_CALL_ONLINE), arena_printf(a, "%lld", r.appt_phone_influenced), i18n_text(L, M_CALL_INFLUENCED));
    dash_num_cell(b, i18n_text(L, M_ONLINE), arena_printf(a, "%lld", r.appt_web), i18n_text(L, M_CALCOM_WITHOUT_CALL));
    dash_num_cell(b, i18n_text(L, M_CALL_TO_BOOKING), r.minutes_to_booking_median >= 0 ? arena_printf(a, "%.0f min", r.minutes_to_booking_median) : "–",
                  r.minutes_to_booking_p90 >= 0 ? arena_printf(a, "p90 %.0f min", r.minutes_to_booking_p90) : "");
    buf_puts(b, "</section>");
    { /* 17.4: the appointments of the period by channel */
        const char *names[] = {i18n_text(L, M_BY_PHONE), i18n_text(L, M_AFTER_CALL_ONLINE), i18n_text(L, M_ONLINE), i18n_text(L, M_OTHER)};
        const long long v[] = {r.appt_phone_booked, r.appt_phone_influenced, r.appt_web, r.appt_other};
        const char *series[] = {i18n_text(L, M_NUMBER_COL)};
        dash_chart(b, a, &(dash_chart_spec){i18n_text(L, M_APPTS_BY_CHANNEL_CHART), 4, names, NULL, 1, series,
                                            (const char *const[]){"phone"}, v});
    }
    buf_puts(b, "<h2>");
    html_text(b, i18n_text(L, M_REVENUE_BY_CHANNEL));
    buf_puts(b, "</h2><table><thead><tr>");
    dash_th(b, L, (const i18n_msg[]){M_CHANNEL, M_VALUE_EUR, M_COST_EUR}, 3);
    buf_puts(b, "<th>ROI</th></tr></thead><tbody><tr>");
    cell(b, i18n_text(L, M_PHONE));
    buf_printf(b, "<td>%.2f</td><td>%.2f</td><td>%s</td></tr>", r.phone_value_eur, r.phone_cost_eur,
               r.phone_roi >= 0 ? arena_printf(a, "%.2f", r.phone_roi) : "–");
    buf_puts(b, "<tr>");
    cell(b, i18n_text(L, M_WEB));
    buf_printf(b, "<td>%.2f</td><td>%.2f</td><td>%s</td></tr>", r.web_value_eur, r.web_cost_eur,
               r.web_roi >= 0 ? arena_printf(a, "%.2f", r.web_roi) : "–");
    buf_puts(b, "</tbody></table><p class=\"money\">");
    html_text(b, i18n_text(L, M_PHONE));
    buf_puts(b, ": ");
    html_text(b, dash_rate_note(app, req, L, &r));
    buf_puts(b, "<br>");
    html_text(b, i18n_text(L, M_WEB));
    buf_puts(b, ": ");
    html_text(b, i18n_text(L, M_WEB_COST_NOTE));
    buf_puts(b, "</p><p><a href=\"/report.csv\">");
    html_text(b, i18n_text(L, M_REPORT_CSV));
    buf_puts(b, "</a></p>");
    dash_test_numbers(app, req, b, &s);
    dash_page_end(resp);
}

/* a column heading that sorts the table (a link: no JavaScript) */
static void sort_th(buf *b, sb_lang lang, const char *href, i18n_msg label)
{
    buf_puts(b, "<th><a href=\"");
    html_attr(b, href);
    buf_puts(b, "\">");
    html_text(b, i18n_text(lang, label));
    buf_puts(b, "</a></th>");
}

void dash_agents(sb_app *app, const sb_request *req, sb_response *resp)
{
    session s;
    conversion_report r;
    if (!dash_need_session(app, req, resp, &s) || !dash_report(app, req, resp, &s, 0, &r)) return;
    const char *sort = q_str(req, "sort", 20);
    /* sortable without JavaScript: the column links reorder on the server */
    for (size_t i = 1; sort && i < r.nagents; i++)
        for (size_t k = i; k > 0; k--) {
            agent_row *x = &r.agents[k - 1], *y = &r.agents[k];
            double vx = !strcmp(sort, "rate") ? (x->answered ? (double)x->booked / x->answered : 0) : (double)x->booked;
            double vy = !strcmp(sort, "rate") ? (y->answered ? (double)y->booked / y->answered : 0) : (double)y->booked;
            if (vx >= vy) break;
            agent_row t = *x;
            *x = *y;
            *y = t;
        }
    resp->status = 200;
    sb_lang L = s.lang;
    dash_page_start(app, req, resp, i18n_text(L, M_NAV_AGENTS), &s);
    buf *b = &resp->body;
    dash_period_links(b, L, "/agents", dash_q_int(req, "days", 30, 1, 3660), dash_branch(req));
    dash_branch_picker(app, req, b, &s, "/agents", dash_q_int(req, "days", 30, 1, 3660));
    dash_glance_bar(b, L, req, "/agents", dash_zone(app, req, &s));
    { /* 17.4: calls per agent: booked, answered without a booking, not answered */
        const char **names = arena_alloc(req->pool, sizeof *names * (r.nagents + 1));
        long long *v = arena_alloc(req->pool, sizeof *v * 3 * (r.nagents + 1));
        for (size_t i = 0; i < r.nagents; i++) {
            const agent_row *g = &r.agents[i];
            names[i] = *g->name ? g->name : g->agent_id;
            v[3 * i] = g->booked;
            v[3 * i + 1] = g->answered - g->booked;
            v[3 * i + 2] = g->calls - g->answered;
        }
        const char *series[] = {i18n_text(L, M_BOOKED), i18n_text(L, M_ANSWERED_NOT_BOOKED), i18n_text(L, M_NOT_ANSWERED)};
        dash_chart(b, req->pool, &(dash_chart_spec){i18n_text(L, M_CALLS_PER_AGENT), r.nagents, names, NULL, 3, series,
                                                    (const char *const[]){"phone", "influenced", "other"}, v});
    }
    buf_puts(b, "<div class=\"scroll\"><table><thead><tr>");
    dash_th(b, L, (const i18n_msg[]){M_AGENT}, 1);
    sort_th(b, L, "/agents", M_CALLS);
    dash_th(b, L, (const i18n_msg[]){M_ANSWERED}, 1);
    sort_th(b, L, "/agents?sort=booked", M_BOOKED);
    sort_th(b, L, "/agents?sort=rate", M_RATE_PCT);
    dash_th(b, L, (const i18n_msg[]){M_MEAN_DURATION_S, M_COST_PER_BOOKING, M_TREND}, 3);
    buf_puts(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < r.nagents; i++) {
        const agent_row *g = &r.agents[i];
        buf_puts(b, "<tr>");
        cell(b, *g->name ? g->name : g->agent_id);
        buf_printf(b, "<td>%lld</td><td>%lld</td><td>%lld</td><td>%.2f</td><td>%.0f</td><td>%s</td>", g->calls, g->answered, g->booked,
                   g->answered ? 100.0 * (double)g->booked / (double)g->answered : 0.0, g->mean_duration_s,
                   g->booked ? arena_printf(req->pool, "%.2f", g->cost_eur / (double)g->booked) : "–");
        /* sparkline: calls per day over the last 14 days */
        const char *br = dash_branch(req) ? dash_branch(req) : "";
        db_param p[] = {db_str(r.last_day), db_str(strcmp(g->agent_id, "(none)") ? g->agent_id : ""), db_int(s.company_id),
                        db_int(s.company_id), db_str(br), db_str(br), db_str(r.last_day), db_int(r.tests_included)};
        db_rows d;
        long long per[14] = {0}, max = 1;
        if (db_query(db_for_reads(&app->reads), req->pool,
                     "SELECT DATEDIFF(CAST(? AS DATE), day), SUM(calls) FROM switchboard_daily_calls WHERE agent_id = ?"
                     " AND (? = 0 OR company_id = ?) AND (? = '' OR branch_id = ?) AND day >= CAST(? AS DATE) - INTERVAL 13 DAY"
                     " AND (? = 1 OR test = 0) GROUP BY day",
                     p, 8, &d) == 0)
            for (size_t k = 0; k < d.nrows; k++) {
                long long ago = atoll(db_cell(&d, k, 0));
                if (ago >= 0 && ago < 14) per[13 - ago] = atoll(db_cell(&d, k, 1));
            }
        for (int k = 0; k < 14; k++)
            if (per[k] > max) max = per[k];
        buf_puts(b, "<td><svg class=\"spark\" viewBox=\"0 0 70 20\" width=\"70\" height=\"20\" role=\"img\"><title>");
        html_text(b, arena_printf(req->pool, i18n_text(L, M_SPARK_FMT), per[13]));
        buf_puts(b, "</title><polyline fill=\"none\" stroke=\"currentColor\" points=\"");
        for (int k = 0; k < 14; k++) buf_printf(b, "%d,%.1f ", k * 5, 19.0 - 18.0 * (double)per[k] / (double)max);
        buf_puts(b, "\"></polyline></svg></td></tr>");
    }
    buf_puts(b, "</tbody></table></div>");
    dash_page_end(resp);
}

void dash_report_csv(sb_app *app, const sb_request *req, sb_response *resp)
{
    session s;
    conversion_report r;
    if (!dash_need_session(app, req, resp, &s) || !dash_report(app, req, resp, &s, 0, &r)) return;
    resp->status = 200;
    resp->content_type = "text/csv";
    http_add_header(resp, "Content-Disposition", "attachment; filename=\"report.csv\"");
    buf_reset(&resp->body);
    conversions_render(&r, "csv", &resp->body);
}
