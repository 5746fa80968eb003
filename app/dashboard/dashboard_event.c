/* dashboard_event.c: the event viewer (issue 17.7): GET /webhook?id=N shows
 * one stored event as an operator debugs it, without SQL: its identity and
 * queue state, the payload pretty-printed, the stored headers (signatures,
 * cookies and authorization were never stored: lib/webhook.c), every replay,
 * and the rows it wrote (switchboard_audit by event). The tenant wall answers
 * a company user's look at another company's event like a missing one. */
#include "dashboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "json.h"

/* pretty JSON of a stored document (json-c's own printer), or the text as stored when it does not parse */
static void pretty(buf *b, const char *json)
{
    char err[64];
    json_object *o = json ? json_parse_strict(json, strlen(json), err, sizeof err) : NULL;
    buf_puts(b, "<pre class=\"payload\">");
    html_text(b, o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE) : json ? json : "");
    buf_puts(b, "</pre>");
    if (o) json_object_put(o);
}

/* a table of rows: head labels, then every column as text */
static void rows_table(buf *b, sb_lang lang, i18n_msg title, const i18n_msg *head, size_t ncol, const db_rows *r)
{
    buf_puts(b, "<h2>");
    html_text(b, i18n_text(lang, title));
    buf_puts(b, "</h2><div class=\"scroll\"><table><thead><tr>");
    dash_th(b, lang, head, ncol);
    buf_puts(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < r->nrows; i++) {
        buf_puts(b, "<tr>");
        for (size_t c = 0; c < ncol; c++) {
            buf_puts(b, "<td>");
            html_text(b, db_cell(r, i, c) ? db_cell(r, i, c) : "–");
            buf_puts(b, "</td>");
        }
        buf_puts(b, "</tr>");
    }
    buf_puts(b, "</tbody></table></div>");
}

static const char *const EVENT =
    "SELECT id, provider, event_type, event_id, status, UNIX_TIMESTAMP(COALESCE(received_at, created_at)),"
    " UNIX_TIMESTAMP(processed_at), COALESCE(attempts, 0), retry_count, error_message, notes, correlation_id, processing_ms,"
    " company_id, payload, headers FROM webhook_events WHERE id = ? AND (? = 0 OR company_id = ?)";
static const char *const REPLAYS =
    "SELECT UNIX_TIMESTAMP(requested_at), requested_by, previous_status, result_status, result_message FROM switchboard_replays"
    " WHERE webhook_event_id = ? ORDER BY id";
static const char *const WRITES =
    "SELECT UNIX_TIMESTAMP(created_at), table_name, row_id, action, changes FROM switchboard_audit WHERE webhook_event_id = ?"
    " ORDER BY id LIMIT 200";

void dash_event(sb_app *app, const sb_request *req, sb_response *resp)
{
    session s;
    if (!dash_need_session(app, req, resp, &s)) return;
    long long id = dash_q_int(req, "id", 0, 0, 1LL << 62);
    db_param p[] = {db_int(id), db_int(s.company_id), db_int(s.company_id)};
    sb_db *db = db_for_reads(&app->reads);
    db_rows ev, rp, wr;
    if (db_query(db, req->pool, EVENT, p, 3, &ev) != 0 || db_query(db, req->pool, REPLAYS, p, 1, &rp) != 0 ||
        db_query(db, req->pool, WRITES, p, 1, &wr) != 0) {
        dash_error(resp, 503, "database unavailable");
        return;
    }
    if (!ev.nrows) {
        dash_error(resp, 404, "Not Found");
        return;
    }
    resp->status = 200;
    sb_lang L = s.lang;
    const char *zone = dash_zone(app, req, &s);
    dash_localize(&ev, 5, req->pool, zone, 0);
    dash_localize(&ev, 6, req->pool, zone, 0);
    dash_localize(&rp, 0, req->pool, zone, 0);
    dash_localize(&wr, 0, req->pool, zone, 0);
    dash_page_start(app, req, resp, arena_printf(req->pool, "%s #%lld", i18n_text(L, M_EVENT), id), &s);
    buf *b = &resp->body;
    dash_glance_bar(b, L, req, NULL, zone);
    static const i18n_msg LABELS[] = {M_ID, M_PROVIDER, M_TYPE, M_ID, M_STATUS, M_RECEIVED_UTC, M_PROCESSED_AT, M_ATTEMPTS,
                                      M_REPLAYS, M_ERROR, M_NOTE};
    buf_puts(b, "<div class=\"scroll\"><table class=\"detail\"><tbody>");
    for (size_t c = 0; c < sizeof LABELS / sizeof *LABELS; c++) {
        buf_puts(b, "<tr>");
        dash_th(b, L, &LABELS[c], 1);
        buf_puts(b, c == 4 ? "<td class=\"st-" : "<td class=\"");
        if (c == 4) html_attr(b, db_cell(&ev, 0, 4));
        buf_puts(b, "\">");
        html_text(b, db_cell(&ev, 0, c) ? db_cell(&ev, 0, c) : "–");
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "<tr><th>Request-ID</th><td>");
    html_text(b, db_cell(&ev, 0, 11) ? db_cell(&ev, 0, 11) : "–");
    buf_puts(b, "</td></tr><tr><th>ms</th><td>");
    html_text(b, db_cell(&ev, 0, 12) ? db_cell(&ev, 0, 12) : "–");
    buf_puts(b, "</td></tr></tbody></table></div><h2>");
    html_text(b, i18n_text(L, M_PAYLOAD));
    buf_puts(b, "</h2>");
    pretty(b, db_cell(&ev, 0, 14));
    buf_puts(b, "<h2>");
    html_text(b, i18n_text(L, M_HEADERS));
    buf_puts(b, "</h2>");
    pretty(b, db_cell(&ev, 0, 15));
    rows_table(b, L, M_REPLAYS, (const i18n_msg[]){M_TIME, M_CAUSE, M_STATUS, M_OUTCOME, M_NOTE}, 5, &rp);
    rows_table(b, L, M_ROWS_WRITTEN, (const i18n_msg[]){M_TIME, M_TYPE, M_ID, M_ACTION, M_CHANGES}, 5, &wr);
    dash_page_end(resp);
}
