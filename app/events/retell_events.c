/* retell_events.c: Retell call webhooks, processed in the pipeline, and the
 * synchronous answer to call_inbound.
 *
 * call_started / call_ended / call_analyzed: the call object (under "call")
 * goes through call_upsert_retell (lib/calls.h), the same code path as
 * `switchboard sync-calls`. call_inbound: routed to its tenant by to_number;
 * an unregistered number is `ignored` with "unroutable number" in notes (the
 * monitor lists it). Other events (transcript_updated, transfer_*) have no
 * handler and end `ignored`. */
#include "app.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "callbacks.h"
#include "calls.h"
#include "json.h"
#include "log.h"
#include "phone.h"
#include "tenant.h"
#include "timeutil.h"

void retell_call_event(pipeline *p, arena *a, const stored_event *ev, event_result *res)
{
    json_object *call = json_get(ev->json, "call");
    if (!call || !json_object_is_type(call, json_type_object)) FINISH(EVENT_DEAD, "payload has no \"call\" object");
    audit_cause why = {ev->id, arena_printf(a, "retell %s", ev->event_type)};
    call_result r;
    char err[256];
    int rc = call_upsert_retell(p->db, a, p->cfg, call, ev->event_type, &why, &r, err, sizeof err);
    if (rc == -2) FINISH(EVENT_DEAD, "%s", err);
    if (rc != 0) FINISH(EVENT_RETRY, "calls upsert: %s", db_error(p->db));
    res->company_id = r.company_id;
    if (r.company_id && (r.created || r.changed) && app_link_conversions(p, a, r.company_id, "calls", r.id) != 0)
        FINISH(EVENT_RETRY, "linker: %s", db_error(p->db));
    /* the call summary Laravel dispatched from call_ended: owed in this transaction, sent by the worker */
    if (r.company_id && !strcmp(ev->event_type, "call_ended") && mail_note_call_ended(p->db, p->cfg, r.id) != 0)
        FINISH(EVENT_RETRY, "mail note: %s", db_error(p->db));
    /* the call is over: every unmet wish becomes a callback item (lib/callbacks.h, D96-D97) */
    uint64_t item = 0;
    if (r.company_id && strcmp(ev->event_type, "call_started") != 0 &&
        callbacks_open_for_call(p->db, a, p->cfg, r.id, &item) != 0)
        FINISH(EVENT_RETRY, "callbacks: %s", db_error(p->db));
    if (item) FINISH(EVENT_PROCESSED, "App\\Models\\Call:%llu %s (%s); callback item %llu opened", (unsigned long long)r.id,
                     r.created ? "created" : r.changed ? "updated" : "unchanged", r.status ? r.status : "-", (unsigned long long)item);
    if (!r.company_id)
        FINISH(EVENT_PROCESSED, "App\\Models\\Call:%llu %s without a company: unroutable number (%s)",
               (unsigned long long)r.id, r.created ? "stored" : "updated",
               json_get_str(call, "to_number") ? json_get_str(call, "to_number") : "no to_number");
    FINISH(EVENT_PROCESSED, "App\\Models\\Call:%llu %s (%s)", (unsigned long long)r.id,
           r.created ? "created" : r.changed ? "updated" : "unchanged", r.status ? r.status : "-");
}

void retell_call_inbound(pipeline *p, arena *a, const stored_event *ev, event_result *res)
{
    const char *to = json_get_str(ev->json, "call_inbound.to_number");
    tenant_number t;
    int found = tenant_by_phone_number(p->db, a, to, phone_country_code(p->cfg->phone_default_country), 0, &t);
    if (found < 0) FINISH(EVENT_RETRY, "phone number lookup: %s", db_error(p->db));
    if (!found) FINISH(EVENT_IGNORED, "unroutable number %s: no phone_numbers row; the caller got the number's own agent",
                       to ? to : "(none)");
    res->company_id = t.company_id;
    FINISH(EVENT_PROCESSED, "routed to company %lld, phone number %s%s%s", t.company_id,
           t.phone_number_id ? t.phone_number_id : "-", t.retell_agent_id ? ", agent " : "",
           t.retell_agent_id ? t.retell_agent_id : "");
}

static const char *const WEEKDAYS[] = {"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"};
static const char *const MONTHS[] = {"Januar", "Februar", "März", "April", "Mai", "Juni",
                                     "Juli", "August", "September", "Oktober", "November", "Dezember"};

static void put_var(buf *b, int *first, const char *name, const char *value)
{
    buf_printf(b, "%s\"%s\":", *first ? "" : ",", name);
    json_buf_str(b, value);
    *first = 0;
}

static void put_day(buf *b, int *first, const char *name, time_t base, int plus_days, const char *tz)
{
    struct tm tm;
    char d[16];
    if (time_local((int64_t)base + (int64_t)plus_days * 86400, tz, &tm) != 0) return;
    strftime(d, sizeof d, "%d.%m.%Y", &tm);
    put_var(b, first, name, d);
}

/* The answer Retell waits for while the caller hears ringing: never more than
 * 1.5 s of database time (1 s for the routing, 0.5 s for the caller's name: the
 * answer itself must be there within 2 s, D156, test_60), never a non-2xx (that
 * only makes Retell retry while the caller waits). An unknown number gets an empty call_inbound, so
 * the number's own agent answers. */
void retell_inbound_answer(sb_app *app, const sb_request *req, json_object *root, sb_response *resp)
{
    resp->status = 200;
    buf *b = &resp->body;
    buf_reset(b);
    const char *to = json_get_str(root, "call_inbound.to_number");
    const char *from = json_get_str(root, "call_inbound.from_number");
    const char *cc = phone_country_code(app->cfg.phone_default_country);
    tenant_number t;
    int found = tenant_by_phone_number(app->db, req->pool, to, cc, 1000, &t);
    if (found <= 0) {
        if (found < 0) log_msg("warn", "call_inbound: lookup failed or timed out (%s); answered empty", db_error(app->db));
        buf_puts(b, "{\"call_inbound\":{}}");
        return;
    }
    time_t now = time(NULL);
    struct tm tm;
    const char *tz = t.timezone ? t.timezone : "Europe/Berlin";
    if (time_local((int64_t)now, tz, &tm) != 0) time_local((int64_t)now, "Europe/Berlin", &tm);
    char s[32];
    int first = 1;
    buf_puts(b, "{\"call_inbound\":{");
    if (t.retell_agent_id) {
        buf_puts(b, "\"override_agent_id\":");
        json_buf_str(b, t.retell_agent_id);
        buf_putc(b, ',');
    }
    buf_puts(b, "\"dynamic_variables\":{");
    /* the caller's name, when the tenant knows the number */
    char e164[PHONE_MAX];
    if (from && phone_normalize(from, cc, e164) == 0) {
        put_var(b, &first, "customer_phone", e164);
        const char *v[PHONE_MAX_VARIANTS];
        size_t nv = phone_variants(e164, cc, req->pool, v);
        db_param p[] = {db_int(t.company_id), db_str(v[0]), db_str(v[1]), db_str(v[2]), db_str(nv > 3 ? v[3] : v[0])};
        db_rows r;
        if (db_query(app->db, req->pool,
                     "SET STATEMENT max_statement_time=0.5 FOR SELECT name FROM customers WHERE company_id = ?"
                     " AND phone IN (?, ?, ?, ?) AND deleted_at IS NULL ORDER BY id LIMIT 1",
                     p, 5, &r) == 0 && r.nrows && db_cell(&r, 0, 0)) {
            put_var(b, &first, "customer_name", db_cell(&r, 0, 0));
            put_var(b, &first, "customer_known", "true");
        } else {
            put_var(b, &first, "customer_known", "false");
        }
    } else {
        put_var(b, &first, "customer_known", "false");
    }
    strftime(s, sizeof s, "%d.%m.%Y", &tm);
    put_var(b, &first, "heute_datum", s);
    strftime(s, sizeof s, "%Y-%m-%d", &tm);
    put_var(b, &first, "current_date", s);
    put_var(b, &first, "current_weekday", WEEKDAYS[tm.tm_wday]);
    strftime(s, sizeof s, "%H:%M", &tm);
    put_var(b, &first, "current_time", s);
    strftime(s, sizeof s, "%Y", &tm);
    put_var(b, &first, "current_year", s);
    put_var(b, &first, "current_month", MONTHS[tm.tm_mon]);
    put_day(b, &first, "morgen", now, 1, tz);
    put_day(b, &first, "uebermorgen", now, 2, tz);
    put_day(b, &first, "naechster_montag", now, ((8 - tm.tm_wday) % 7) ? (8 - tm.tm_wday) % 7 : 7, tz);
    buf_printf(b, "},\"metadata\":{\"company_id\":\"%lld\"", t.company_id);
    if (t.phone_number_id) {
        buf_puts(b, ",\"phone_number_id\":");
        json_buf_str(b, t.phone_number_id);
    }
    buf_puts(b, "}}}");
}
