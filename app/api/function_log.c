/* function_log.c: every signed phone-agent function request kept (issue 14 part 2, D90-D92).
 *
 * retell_functions.c builds one fn_log_entry per request once its answer is
 * built; the entry is counted in /metrics and inserted into
 * switchboard_function_calls after the response has gone out (resp->after), so
 * the log adds nothing to the time the caller waits. One autocommitted INSERT;
 * a failure is a log line and the answer stands. functions.log = 0 keeps only
 * the counters (to measure what the insert costs). Rows are pruned with the
 * webhook events (`switchboard prune`). */
#include "app.h"

#include <json-c/json.h>
#include <string.h>

#include "log.h"
#include "metrics.h"

/* The answer's status -> outcome, where the function did not name one itself
 * (internal_error, calcom_*, invalid_input for unreadable input, unknown_function). */
static const struct {
    const char *status;
    const char *outcome;
} STATUS_OUTCOMES[] = {
    {"found", "ok"},          {"ok", "ok"},
    {"available", "ok"},      {"booked", "ok"},
    {"cancelled", "ok"},      {"rescheduled", "ok"},
    {"in_progress", "ok"},    {"unavailable", "no_slot"},
    {"no_availability", "no_slot"}, {"slot_taken", "no_slot"},
    {"not_found", "not_found"},     {"none", "not_found"},
    {"refused_identity", "refused_identity"}, {"invalid_reference", "invalid_input"},
    {"need_date", "invalid_input"}, {"ready_to_reschedule", "invalid_input"},
    {"error", "invalid_input"},
};
_Static_assert(sizeof STATUS_OUTCOMES / sizeof *STATUS_OUTCOMES == 17, "STATUS_OUTCOMES: one row per answer status");

const char *function_outcome_of_status(const char *status, int success)
{
    for (size_t i = 0; status && i < sizeof STATUS_OUTCOMES / sizeof *STATUS_OUTCOMES; i++)
        if (!strcmp(STATUS_OUTCOMES[i].status, status)) return STATUS_OUTCOMES[i].outcome;
    return success ? "ok" : "internal_error";
}

typedef struct pending_log {
    sb_app *app;
    fn_log_entry e;
    const char *result; /* the response body as sent */
} pending_log;

static void write_entry(void *ctx)
{
    static const char *const INSERT =
        "INSERT INTO switchboard_function_calls (retell_call_id, call_id, company_id, branch_id, function_name, args_json,"
        " success, message, outcome, result_json, appointment_id, duration_us, provider_at)"
        " VALUES (?, ?, ?, ?, LEFT(?, 64), ?, ?, ?, ?, ?, ?, ?, IF(? > 0, FROM_UNIXTIME(? / 1000), NULL))";
    pending_log *p = ctx;
    const fn_log_entry *e = &p->e;
    json_object *answer = json_tokener_parse(p->result);
    json_object *v = NULL;
    int success = answer && json_object_object_get_ex(answer, "success", &v) && json_object_is_type(v, json_type_boolean) &&
                  json_object_get_boolean(v);
    const char *status = answer && json_object_object_get_ex(answer, "status", &v) && json_object_is_type(v, json_type_string)
                             ? json_object_get_string(v) : NULL;
    const char *message = answer && json_object_object_get_ex(answer, "message", &v) && json_object_is_type(v, json_type_string)
                              ? json_object_get_string(v) : NULL;
    const char *outcome = e->outcome ? e->outcome : function_outcome_of_status(status, success);
    metrics_function(e->function, outcome, e->duration_us);
    if (p->app->cfg.functions_log) {
        db_param q[] = {db_str(e->retell_call_id), e->call_row ? db_int((long long)e->call_row) : db_null(),
                        e->company ? db_int(e->company) : db_null(), db_str(e->branch_id), db_str(e->function),
                        db_str(e->args_json), db_int(success), db_str(message), db_str(outcome), db_str(p->result),
                        e->appointment_id ? db_int((long long)e->appointment_id) : db_null(),
                        db_int(e->duration_us > 0 ? e->duration_us : 0), db_int(e->provider_ms), db_int(e->provider_ms)};
        if (db_exec(p->app->db, INSERT, q, sizeof q / sizeof *q, NULL, NULL) != 0)
            log_msg("warn", "function log: %s for call %s not kept: %s", e->function, e->retell_call_id ? e->retell_call_id : "-",
                    db_error(p->app->db));
    }
    json_object_put(answer);
}

void function_log_after(sb_app *app, arena *a, sb_response *resp, const fn_log_entry *e)
{
    pending_log *p = arena_alloc(a, sizeof *p);
    p->app = app;
    p->e = *e;
    p->result = arena_strdup(a, buf_cstr(&resp->body)); /* the buffer is the response's; it stays until the next request */
    resp->after = write_entry;
    resp->after_ctx = p;
}
