/* dashboard_call.c: /call?id=, one phone call as the conversation it was:
 * call started (caller, number, agent), each function call with its arguments
 * and the answer spoken (and the booking or cancellation it made), the call's
 * other appointments, call ended (duration, disconnection reason), Retell's
 * analysis (summary, sentiment, custom fields, transcript collapsed, recording
 * link), the conversion link with its rule, the callback items, and the
 * webhook events underneath (D102).
 *
 * Tenant wall: the call is read with the session's filter and a missing or
 * foreign call answers the same 404; the function log and appointments are
 * read by that call's id and company only. Provider text (arguments, answers,
 * transcript, analysis) is data: escaped for its context, and a recording
 * link is shown only for an http(s) URL. */
#include "dashboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "company_clock.h"
#include "html.h"
#include "i18n.h"
#include "json.h"

#define MAX_FUNCTIONS 500 /* a conversation; the log's own bound is the call's length */

static const char CALL[] =
    "SELECT c.id, c.retell_call_id, c.from_number, c.to_number, COALESCE(cu.name, c.customer_name), c.customer_id,"
    " COALESCE(c.agent_name, c.retell_agent_id), UNIX_TIMESTAMP(COALESCE(c.start_timestamp, c.created_at)),"
    " UNIX_TIMESTAMP(c.end_timestamp), c.duration_sec, c.disconnection_reason, c.status, c.summary,"
    " c.sentiment, c.custom_analysis_data, c.transcript, c.recording_url, c.converted_appointment_id,"
    " JSON_VALUE(c.linking_metadata, '$.method'), JSON_VALUE(c.linking_metadata, '$.confidence'),"
    " JSON_VALUE(c.linking_metadata, '$.distance_minutes'), JSON_VALUE(c.linking_metadata, '$.withdrawn'), c.company_id,"
    " c.call_successful FROM calls c LEFT JOIN customers cu ON cu.id = c.customer_id"
    " WHERE c.id = ? AND (? = 0 OR c.company_id = ?) AND c.deleted_at IS NULL";
enum { K_ID, K_RETELL, K_FROM, K_TO, K_NAME, K_CUSTOMER, K_AGENT, K_STARTED, K_ENDED, K_DURATION, K_DISCONNECT, K_STATUS,
       K_SUMMARY, K_SENTIMENT, K_CUSTOM, K_TRANSCRIPT, K_RECORDING, K_CONVERTED, K_METHOD, K_CONFIDENCE, K_DISTANCE,
       K_WITHDRAWN, K_COMPANY, K_SUCCESSFUL };

static const char FUNCTIONS[] =
    "SELECT id, function_name, args_json, success, message, outcome, appointment_id,"
    " UNIX_TIMESTAMP(created_at), UNIX_TIMESTAMP(provider_at), duration_us"
    " FROM switchboard_function_calls WHERE (call_id = ? OR retell_call_id = ?) AND (company_id IS NULL OR company_id = ?)"
    " ORDER BY id LIMIT ?";
enum { F_ID, F_NAME, F_ARGS, F_SUCCESS, F_MESSAGE, F_OUTCOME, F_APPT, F_AT, F_PROVIDER_AT, F_US };

static const char APPOINTMENTS[] =
    "SELECT a.id, UNIX_TIMESTAMP(a.created_at), UNIX_TIMESTAMP(a.starts_at), a.status,"
    " s.name, UNIX_TIMESTAMP(a.cancelled_at), a.cancellation_reason, a.source"
    " FROM appointments a LEFT JOIN services s ON s.id = a.service_id"
    " WHERE a.company_id = ? AND a.deleted_at IS NULL AND (a.call_id = ? OR a.id = ?) ORDER BY a.id LIMIT 50";
enum { A_ID, A_CREATED, A_STARTS, A_STATUS, A_SERVICE, A_CANCELLED, A_REASON, A_SOURCE };

static const char ITEMS[] =
    "SELECT id, reason, status, closed_by, UNIX_TIMESTAMP(closed_at), wanted_service, wanted_at, failure"
    " FROM switchboard_callbacks WHERE call_id = ? AND company_id = ? ORDER BY id";

/* the linker's method words (lib/linker.h) and the rule each is */
static const struct {
    const char *method;
    i18n_msg rule;
} RULES[] = {{"booked_during_call", M_RULE_A}, {"phone_match", M_RULE_B}, {"customer_match", M_RULE_C}};

/* <li class="ev ev-KIND"><h3>LABEL</h3> <time>WHEN</time>: the start of one step of the story */
static void step_start(buf *b, sb_lang L, const char *kind, i18n_msg label, const char *when)
{
    buf_puts(b, "<li class=\"ev ev-");
    html_attr(b, kind);
    buf_puts(b, "\"><h3>");
    html_text(b, i18n_text(L, label));
    buf_puts(b, "</h3>");
    if (when) {
        buf_puts(b, " <time>");
        html_text(b, when);
        buf_puts(b, "</time>");
    }
}

/* a <dt>/<dd> pair of a fact; nothing when the value is absent */
static void fact(buf *b, sb_lang L, i18n_msg label, const char *v)
{
    if (!v || !*v) return;
    buf_puts(b, "<dt>");
    html_text(b, i18n_text(L, label));
    buf_puts(b, "</dt><dd>");
    html_text(b, v);
    buf_puts(b, "</dd>");
}

static void appointment_link(buf *b, const char *id)
{
    buf_puts(b, "<a href=\"/appointment?id=");
    html_url(b, id);
    buf_puts(b, "\">#");
    html_text(b, id);
    buf_puts(b, "</a>");
}

/* a JSON object's members as <dl>: key, then the value as text (nested values as their JSON) */
static void json_members(buf *b, const char *json, const char *cls)
{
    char err[64];
    json_object *o = json ? json_parse_strict(json, strlen(json), err, sizeof err) : NULL;
    if (!o || !json_object_is_type(o, json_type_object)) {
        if (json && *json) {
            buf_puts(b, "<pre>");
            html_text(b, json);
            buf_puts(b, "</pre>");
        }
        json_object_put(o);
        return;
    }
    buf_puts(b, "<dl class=\"");
    html_attr(b, cls);
    buf_puts(b, "\">");
    json_object_object_foreach(o, key, val) {
        buf_puts(b, "<dt>");
        html_text(b, key);
        buf_puts(b, "</dt><dd>");
        html_text(b, val ? json_object_get_string(val) : "null");
        buf_puts(b, "</dd>");
    }
    buf_puts(b, "</dl>");
    json_object_put(o);
}

static void function_step(buf *b, sb_lang L, const db_rows *f, size_t i, const db_rows *ap)
{
    step_start(b, L, "function", M_EV_FUNCTION, db_cell(f, i, F_AT));
    buf_puts(b, " <code class=\"fn\">");
    html_text(b, db_cell(f, i, F_NAME));
    buf_puts(b, "</code> <span class=\"outcome outcome-");
    html_attr(b, db_cell(f, i, F_OUTCOME));
    buf_puts(b, "\">");
    html_text(b, db_cell(f, i, F_OUTCOME));
    buf_puts(b, "</span><dl>");
    fact(b, L, M_PROVIDER_TIME, db_cell(f, i, F_PROVIDER_AT));
    buf_puts(b, "</dl><h4>");
    html_text(b, i18n_text(L, M_ARGUMENTS));
    buf_puts(b, "</h4>");
    json_members(b, db_cell(f, i, F_ARGS), "args");
    buf_puts(b, "<h4>");
    html_text(b, i18n_text(L, M_ANSWER_SPOKEN));
    buf_puts(b, "</h4><blockquote class=\"spoken\">");
    html_text(b, db_cell(f, i, F_MESSAGE) ? db_cell(f, i, F_MESSAGE) : "–");
    buf_puts(b, "</blockquote>");
    const char *appt = db_cell(f, i, F_APPT);
    if (appt) {
        /* what the request did to an appointment: booked, or (cancel, reschedule) the one it changed */
        int cancelled = 0;
        for (size_t k = 0; k < ap->nrows; k++)
            if (!strcmp(db_cell(ap, k, A_ID), appt) && db_cell(ap, k, A_CANCELLED)) cancelled = 1;
        const char *name = db_cell(f, i, F_NAME);
        buf_puts(b, "<p class=\"booking\">");
        html_text(b, i18n_text(L, cancelled || (name && strstr(name, "cancel")) ? M_EV_CANCELLED : M_EV_BOOKED));
        buf_puts(b, ": ");
        appointment_link(b, appt);
        buf_puts(b, "</p>");
    }
    buf_puts(b, "</li>");
}

/* the call's appointments no function row names (booked before the log existed, or by the linker's rule a) */
static void appointment_steps(buf *b, sb_lang L, const db_rows *ap, const db_rows *f)
{
    for (size_t k = 0; k < ap->nrows; k++) {
        int named = 0;
        for (size_t i = 0; i < f->nrows; i++)
            if (db_cell(f, i, F_APPT) && !strcmp(db_cell(f, i, F_APPT), db_cell(ap, k, A_ID))) named = 1;
        if (!named) {
            step_start(b, L, "booked", M_EV_BOOKED, db_cell(ap, k, A_CREATED));
            buf_puts(b, " ");
            appointment_link(b, db_cell(ap, k, A_ID));
            buf_puts(b, "<dl>");
            fact(b, L, M_STARTS, db_cell(ap, k, A_STARTS));
            fact(b, L, M_SERVICE, db_cell(ap, k, A_SERVICE));
            fact(b, L, M_SOURCE, db_cell(ap, k, A_SOURCE));
            buf_puts(b, "</dl></li>");
        }
        if (db_cell(ap, k, A_CANCELLED)) {
            step_start(b, L, "cancelled", M_EV_CANCELLED, db_cell(ap, k, A_CANCELLED));
            buf_puts(b, " ");
            appointment_link(b, db_cell(ap, k, A_ID));
            buf_puts(b, "<dl>");
            fact(b, L, M_CANCELLATION_REASON, db_cell(ap, k, A_REASON));
            buf_puts(b, "</dl></li>");
        }
    }
}

static void analysis_step(buf *b, sb_lang L, const db_rows *c)
{
    const char *rec = db_cell(c, 0, K_RECORDING);
    if (!db_cell(c, 0, K_SUMMARY) && !db_cell(c, 0, K_CUSTOM) && !db_cell(c, 0, K_TRANSCRIPT) && !rec && !db_cell(c, 0, K_SENTIMENT))
        return;
    step_start(b, L, "analysis", M_EV_ANALYSIS, NULL);
    buf_puts(b, "<dl>");
    fact(b, L, M_SUMMARY, db_cell(c, 0, K_SUMMARY));
    fact(b, L, M_SENTIMENT, db_cell(c, 0, K_SENTIMENT));
    buf_puts(b, "</dl>");
    if (db_cell(c, 0, K_CUSTOM)) {
        buf_puts(b, "<h4>");
        html_text(b, i18n_text(L, M_CUSTOM_ANALYSIS));
        buf_puts(b, "</h4>");
        json_members(b, db_cell(c, 0, K_CUSTOM), "custom");
    }
    if (db_cell(c, 0, K_TRANSCRIPT)) {
        buf_puts(b, "<details class=\"transcript\"><summary>");
        html_text(b, i18n_text(L, M_TRANSCRIPT));
        buf_puts(b, "</summary><pre>");
        html_text(b, db_cell(c, 0, K_TRANSCRIPT));
        buf_puts(b, "</pre></details>");
    }
    /* only a web address: a javascript: or data: URL in the provider's field stays text */
    if (rec && (!strncmp(rec, "https://", 8) || !strncmp(rec, "http://", 7))) {
        buf_puts(b, "<p><a class=\"recording\" rel=\"noopener noreferrer\" href=\"");
        html_attr(b, rec);
        buf_puts(b, "\">");
        html_text(b, i18n_text(L, M_RECORDING));
        buf_puts(b, "</a></p>");
    }
    buf_puts(b, "</li>");
}

static void conversion_step(buf *b, sb_lang L, const db_rows *c)
{
    step_start(b, L, "conversion", M_EV_CONVERSION, NULL);
    const char *appt = db_cell(c, 0, K_CONVERTED), *method = db_cell(c, 0, K_METHOD);
    if (!appt) {
        buf_puts(b, " <span>");
        html_text(b, i18n_text(L, M_NOT_CONVERTED));
        if (db_cell(c, 0, K_WITHDRAWN)) {
            buf_puts(b, " (");
            html_text(b, db_cell(c, 0, K_WITHDRAWN));
            buf_puts(b, ")");
        }
        buf_puts(b, "</span></li>");
        return;
    }
    buf_puts(b, " ");
    appointment_link(b, appt);
    const char *rule = method;
    for (size_t i = 0; method && i < sizeof RULES / sizeof *RULES; i++)
        if (!strcmp(RULES[i].method, method)) rule = i18n_text(L, RULES[i].rule);
    buf_puts(b, "<dl>");
    fact(b, L, M_RULE, rule);
    fact(b, L, M_CONFIDENCE, db_cell(c, 0, K_CONFIDENCE));
    buf_puts(b, "</dl></li>");
}

static void callback_steps(buf *b, sb_lang L, const db_rows *it)
{
    for (size_t i = 0; i < it->nrows; i++) {
        step_start(b, L, "callback", M_NAV_CALLBACKS, NULL);
        const char *reason = dash_callback_reason(L, db_cell(it, i, 1));
        buf_puts(b, " <a href=\"/callbacks?status=all\">");
        html_text(b, reason);
        buf_puts(b, "</a><dl>");
        fact(b, L, M_STATUS, db_cell(it, i, 2));
        fact(b, L, M_SERVICE, db_cell(it, i, 5));
        fact(b, L, M_WISH, db_cell(it, i, 6));
        fact(b, L, M_WHY_OPEN, db_cell(it, i, 7));
        fact(b, L, M_CLOSED, db_cell(it, i, 3));
        buf_puts(b, "</dl></li>");
    }
}

void dash_call(sb_app *app, const sb_request *req, sb_response *resp)
{
    session s;
    if (!dash_need_session(app, req, resp, &s)) return;
    arena *a = req->pool;
    sb_db *db = db_for_reads(&app->reads);
    long long id = dash_q_int(req, "id", 0, 0, 1LL << 62);
    db_param p[] = {db_int(id), db_int(s.company_id), db_int(s.company_id)};
    db_rows c, f, ap, it;
    if (db_query(db, a, CALL, p, 3, &c) != 0) {
        dash_error(resp, 503, "database unavailable");
        return;
    }
    if (!c.nrows) { /* the tenant wall answers exactly like a missing row */
        dash_error(resp, 404, "Not Found");
        return;
    }
    db_param company = db_int(db_cell_ll(&c, 0, K_COMPANY)), call = db_int(id);
    db_param fp[] = {call, db_str(db_cell(&c, 0, K_RETELL) ? db_cell(&c, 0, K_RETELL) : ""), company, db_int(MAX_FUNCTIONS)};
    db_param ap_p[] = {company, call, db_int(db_cell_ll(&c, 0, K_CONVERTED))};
    db_param it_p[] = {call, company};
    if (db_query(db, a, FUNCTIONS, fp, 4, &f) != 0 || db_query(db, a, APPOINTMENTS, ap_p, 3, &ap) != 0 ||
        db_query(db, a, ITEMS, it_p, 2, &it) != 0) {
        dash_error(resp, 503, "database unavailable");
        return;
    }
    /* the call's company's clock, named (D207): one company's conversation, whoever reads it */
    const char *zone = company_zone(db, a, &app->cfg, db_cell_ll(&c, 0, K_COMPANY));
    for (size_t k = K_STARTED; k <= K_ENDED; k++) dash_localize(&c, k, a, zone, 2);
    dash_localize(&f, F_AT, a, zone, 2);
    dash_localize(&f, F_PROVIDER_AT, a, zone, 2);
    dash_localize(&ap, A_CREATED, a, zone, 2);
    dash_localize(&ap, A_STARTS, a, zone, 0);
    dash_localize(&ap, A_CANCELLED, a, zone, 2);
    dash_localize(&it, 4, a, zone, 0);
    resp->status = 200;
    sb_lang L = s.lang;
    dash_page_start(app, req, resp, i18n_text(L, M_CALL), &s);
    buf *b = &resp->body;
    dash_glance_bar(b, L, req, NULL, zone);
    buf_puts(b, "<h2>");
    html_text(b, i18n_text(L, M_CONVERSATION));
    buf_puts(b, "</h2><ol class=\"story\">");
    step_start(b, L, "started", M_EV_CALL_STARTED, db_cell(&c, 0, K_STARTED));
    buf_puts(b, "<dl>");
    fact(b, L, M_CALLER, db_cell(&c, 0, K_NAME));
    fact(b, L, M_FROM, db_cell(&c, 0, K_FROM));
    fact(b, L, M_TO, db_cell(&c, 0, K_TO));
    fact(b, L, M_AGENT, db_cell(&c, 0, K_AGENT));
    fact(b, L, M_RETELL_ID, db_cell(&c, 0, K_RETELL));
    buf_puts(b, "</dl></li>");
    if (!f.nrows) {
        buf_puts(b, "<li class=\"ev ev-none\">");
        html_text(b, i18n_text(L, M_NO_FUNCTIONS));
        buf_puts(b, "</li>");
    }
    for (size_t i = 0; i < f.nrows; i++) function_step(b, L, &f, i, &ap);
    appointment_steps(b, L, &ap, &f);
    step_start(b, L, "ended", M_EV_CALL_ENDED, db_cell(&c, 0, K_ENDED) ? db_cell(&c, 0, K_ENDED) : i18n_text(L, M_NOT_YET));
    buf_puts(b, "<dl>");
    fact(b, L, M_DURATION_S, db_cell(&c, 0, K_DURATION));
    fact(b, L, M_DISCONNECTION, db_cell(&c, 0, K_DISCONNECT));
    fact(b, L, M_STATUS, db_cell(&c, 0, K_STATUS));
    buf_puts(b, "</dl></li>");
    analysis_step(b, L, &c);
    conversion_step(b, L, &c);
    callback_steps(b, L, &it);
    buf_puts(b, "</ol>");
    dash_events_table(app, req, L, zone, b,
                      "SELECT id, event_type, status, UNIX_TIMESTAMP(COALESCE(received_at, created_at)),"
                      " COALESCE(error_message, notes) FROM webhook_events WHERE provider = 'retell' AND event_id = ? ORDER BY id",
                      db_str(db_cell(&c, 0, K_RETELL) ? db_cell(&c, 0, K_RETELL) : ""));
    dash_page_end(resp);
}
