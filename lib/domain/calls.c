/* calls.c: Retell call objects into calls (see calls.h). */
#include "calls.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "phone.h"
#include "tenant.h"

int call_status_rank(const char *s)
{
    if (!s) return 0;
    static const struct { const char *word; int rank; } R[] = {
        {"inbound", 1}, {"registered", 1},
        {"ongoing", 2}, {"in_progress", 2}, {"in-progress", 2}, {"active", 2},
        {"completed", 3}, {"ended", 3}, {"failed", 3}, {"error", 3}, {"not_connected", 3},
        {"analyzed", 4},
    };
    for (size_t i = 0; i < sizeof R / sizeof *R; i++)
        if (strcasecmp(R[i].word, s) == 0) return R[i].rank;
    return 0;
}

/* The legacy status a Retell event (or, for a sync, the call's own state) stands for. */
const char *call_status_for(const char *event, json_object *call)
{
    const char *cs = json_get_str(call, "call_status");
    int failed = cs && (!strcmp(cs, "error") || !strcmp(cs, "not_connected"));
    if (event && !strcmp(event, "call_started")) return "ongoing";
    if (event && !strcmp(event, "call_ended")) return failed ? "failed" : "completed";
    if (event && !strcmp(event, "call_analyzed")) return "analyzed";
    if (failed) return "failed";
    if (cs && (!strcmp(cs, "ended"))) return json_get(call, "call_analysis") ? "analyzed" : "completed";
    if (cs && (!strcmp(cs, "ongoing") || !strcmp(cs, "registered"))) return "ongoing";
    return NULL;
}

/* Retell timestamps are Unix ms; a value below 10^11 was sent in seconds. */
static int ts_field(json_object *call, const char *key, long long *secs)
{
    int64_t v;
    if (!json_get_int(call, key, &v) || v <= 0) return 0;
    *secs = v < 100000000000LL ? v : v / 1000;
    return 1;
}

static const char *json_text(arena *a, json_object *o)
{
    return o ? arena_strdup(a, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) : NULL;
}

static double num_of(json_object *o, const char *path, int *ok)
{
    json_object *v = json_get(o, path);
    *ok = v && (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double));
    double d = *ok ? json_object_get_double(v) : 0.0;
    /* 1e400 parses as infinity: "inf" in a DECIMAL column fails the event for good (issue 15 #7) */
    if (*ok && !(isfinite(d) && fabs(d) < 1e12)) *ok = 0;
    return *ok ? d : 0.0;
}

/* A name the agent collected (analysis first, then the dynamic variables). */
static const char *collected_name(json_object *call)
{
    static const char *const P[] = {"call_analysis.custom_analysis_data.kunde_name",
                                    "call_analysis.custom_analysis_data.customer_name",
                                    "call_analysis.custom_analysis_data.name",
                                    "collected_dynamic_variables.customer_name",
                                    "collected_dynamic_variables.kunde_name"};
    for (size_t i = 0; i < sizeof P / sizeof *P; i++) {
        const char *s = json_get_str(call, P[i]);
        /* "ja"/"nein" are answers the agent stored in the wrong variable, not names */
        if (s && strlen(s) > 2 && strcasecmp(s, "nein") && strcasecmp(s, "ja")) return s;
    }
    return NULL;
}

/* Customer link fields for the caller number (NULL/withheld allowed). Appends to f. */
static int link_customer(sb_db *db, arena *a, const sb_config *cfg, long long company, const char *caller,
                         json_object *call, field *f, size_t *n)
{
    const char *cc = phone_country_code(cfg->phone_default_country);
    char e164[PHONE_MAX];
    int withheld = phone_is_withheld(caller);
    int usable = !withheld && phone_normalize(caller, cc, e164) == 0;
    db_rows r;
    if (usable) {
        const char *v[PHONE_MAX_VARIANTS];
        size_t nv = phone_variants(e164, cc, a, v);
        db_param p[] = {db_str(e164), db_int(company), db_str(v[0]), db_str(v[1]), db_str(v[2]),
                        db_str(nv > 3 ? v[3] : v[0])};
        if (db_query(db, a,
                     /* not by the primary key for the ORDER BY: with LIMIT 1 MariaDB walked the ids of every
                      * customer looking for the number (1,000 rows examined per call event for a new caller,
                      * 1.3 ms at 1,000 customers, make bench-profile; D227) */
                     "SELECT id, name, phone = ? FROM customers IGNORE INDEX FOR ORDER BY (PRIMARY)"
                     " WHERE company_id = ? AND phone IN (?, ?, ?, ?) AND deleted_at IS NULL ORDER BY id LIMIT 1",
                     p, 6, &r) != 0)
            return -1;
        if (r.nrows) {
            int exact = db_cell(&r, 0, 2) && !strcmp(db_cell(&r, 0, 2), "1");
            f[(*n)++] = FIELD_INT("customer_id", atoll(db_cell(&r, 0, 0)));
            f[(*n)++] = FIELD_TEXT("customer_name", db_cell(&r, 0, 1));
            f[(*n)++] = FIELD_TEXT("customer_link_status", "linked");
            f[(*n)++] = FIELD_TEXT("customer_link_method", "phone_match");
            f[(*n)++] = FIELD_TEXT("customer_link_confidence", exact ? "100.00" : "95.00");
            f[(*n)++] = FIELD_INT("customer_match_confidence", exact ? 100 : 95);
            f[(*n)++] = FIELD_TEXT("customer_match_method", exact ? "exact_phone_in_company" : "phone_variant_in_company");
            f[(*n)++] = FIELD_INT("is_unknown_customer", 0);
            f[(*n)++] = FIELD_NULL("unknown_reason");
            f[(*n)++] = FIELD_TEXT("verification_method", "phone_match");
            f[(*n)++] = (field){"customer_linked_at", F_TIME, NULL, (long long)time(NULL), true};
            return 0;
        }
    }
    /* withheld or unknown number: the collected name, on an exact and unique match only */
    const char *name = collected_name(call);
    if (name) {
        db_param p[] = {db_int(company), db_str(name)};
        if (db_query(db, a,
                     /* name's collation (utf8mb4_unicode_ci) compares without case already; LOWER() only
                      * hid the (company_id, name) index: every customer of the tenant read per anonymous
                      * call (D227). A case-sensitive collation would match less, never more. */
                     "SELECT id, name FROM customers WHERE company_id = ? AND name = ?"
                     " AND deleted_at IS NULL LIMIT 2",
                     p, 2, &r) != 0)
            return -1;
        if (r.nrows == 1) {
            f[(*n)++] = FIELD_INT("customer_id", atoll(db_cell(&r, 0, 0)));
            f[(*n)++] = FIELD_TEXT("customer_name", db_cell(&r, 0, 1));
            f[(*n)++] = FIELD_TEXT("customer_link_status", "linked");
            f[(*n)++] = FIELD_TEXT("customer_link_method", "name_match");
            f[(*n)++] = FIELD_TEXT("customer_link_confidence", "85.00");
            f[(*n)++] = FIELD_INT("customer_match_confidence", 85);
            f[(*n)++] = FIELD_TEXT("customer_match_method", "exact_unique_name_in_company");
            f[(*n)++] = FIELD_INT("is_unknown_customer", 0);
            f[(*n)++] = FIELD_TEXT("verification_method", "anonymous_name");
            f[(*n)++] = (field){"customer_linked_at", F_TIME, NULL, (long long)time(NULL), true};
            return 0;
        }
    }
    f[(*n)++] = FIELD_TEXT("customer_link_status", withheld ? "anonymous" : "unlinked");
    f[(*n)++] = FIELD_INT("is_unknown_customer", 1);
    f[(*n)++] = FIELD_TEXT("unknown_reason", withheld ? "anonymous_caller" : usable ? "no_match_found" : "invalid_phone_number");
    if (name) f[(*n)++] = FIELD_FILL_TEXT("customer_name", name);
    return 0;
}

size_t call_payload_fields(json_object *call, arena *a, field *f)
{
    size_t n = 0;
    static const char *const TEXTS[][2] = {
        {"from_number", "from_number"}, {"to_number", "to_number"}, {"direction", "direction"},
        {"call_type", "call_type"}, {"disconnection_reason", "disconnection_reason"}, {"transcript", "transcript"},
        {"public_log_url", "public_log_url"}, {"agent_name", "agent_name"},
        {"summary", "call_analysis.call_summary"},
    };
    for (size_t i = 0; i < sizeof TEXTS / sizeof *TEXTS; i++) {
        const char *v = json_get_str(call, TEXTS[i][1]);
        if (v) f[n++] = FIELD_TEXT(TEXTS[i][0], v);
    }
    const char *rec = json_get_str(call, "recording_url");
    if (!rec) rec = json_get_str(call, "recording_multi_channel_url");
    if (rec && strlen(rec) <= 255) f[n++] = FIELD_TEXT("recording_url", rec);
    int64_t iv;
    if (json_get_int(call, "agent_version", &iv)) f[n++] = FIELD_TEXT("agent_version", arena_printf(a, "%lld", (long long)iv));
    long long t0, t1;
    if (ts_field(call, "start_timestamp", &t0)) {
        f[n++] = FIELD_TIME("start_timestamp", t0);
        f[n++] = (field){"call_time", F_TIME, NULL, t0, true};
        f[n++] = (field){"called_at", F_TIME, NULL, t0, true};
    }
    if (ts_field(call, "end_timestamp", &t1)) f[n++] = FIELD_TIME("end_timestamp", t1);
    if (json_get_int(call, "duration_ms", &iv)) {
        f[n++] = FIELD_INT("duration_ms", iv);
        f[n++] = FIELD_INT("duration_sec", (iv + 500) / 1000);
    }
    static const char *const JSONS[][2] = {
        {"transcript_object", "transcript_object"}, {"transcript_with_tools", "transcript_with_tool_calls"},
        {"analysis", "call_analysis"}, {"custom_analysis_data", "call_analysis.custom_analysis_data"},
        {"latency_metrics", "latency"}, {"cost_breakdown", "call_cost"}, {"llm_token_usage", "llm_token_usage"},
        {"retell_dynamic_variables", "collected_dynamic_variables"}, {"metadata", "metadata"},
    };
    for (size_t i = 0; i < sizeof JSONS / sizeof *JSONS; i++) {
        json_object *o = json_get(call, JSONS[i][1]);
        if (o) f[n++] = FIELD_TEXT(JSONS[i][0], json_text(a, o));
    }
    const char *sent = json_get_str(call, "call_analysis.user_sentiment");
    if (sent) f[n++] = FIELD_TEXT("sentiment", sent);
    bool ok;
    if (json_get_bool(call, "call_analysis.call_successful", &ok)) f[n++] = FIELD_INT("call_successful", ok);
    int have;
    double e2e = num_of(call, "latency.e2e.p50", &have);
    if (have) f[n++] = FIELD_INT("end_to_end_latency", (long long)llround(e2e));
    /* Retell's call_cost amounts are US cents (PROVENANCE.md §4) */
    double cents = num_of(call, "call_cost.combined_cost", &have);
    if (have) {
        f[n++] = FIELD_INT("cost_cents", (long long)llround(cents));
        f[n++] = FIELD_TEXT("cost", arena_printf(a, "%.2f", cents / 100.0));
        f[n++] = FIELD_TEXT("retell_cost_usd", arena_printf(a, "%.4f", cents / 100.0));
    }

    return n;
}

static int upsert(sb_db *db, arena *a, const sb_config *cfg, json_object *call, const char *event, const audit_cause *why,
                  call_result *out, char *err, size_t errlen, int again);

int call_upsert_retell(sb_db *db, arena *a, const sb_config *cfg, json_object *call, const char *event,
                       const audit_cause *why, call_result *out, char *err, size_t errlen)
{
    return upsert(db, a, cfg, call, event, why, out, err, errlen, 0);
}

/* again: the second pass after another transaction inserted the same call between our read
 * and our insert (a function call of this call, served by another child, can create the row
 * while call_started is processed); the failed INSERT left our transaction intact, and the
 * locking read now waits for the other commit and sees the row */
static int upsert(sb_db *db, arena *a, const sb_config *cfg, json_object *call, const char *event, const audit_cause *why,
                  call_result *out, char *err, size_t errlen, int again)
{
    memset(out, 0, sizeof *out);
    const char *call_id = json_get_str(call, "call_id");
    if (!call_id || !*call_id || strlen(call_id) > 191) {
        snprintf(err, errlen, "call object without a usable call_id");
        return -2;
    }
    db_param idp = db_str(call_id);
    db_rows cur;
    if (db_query(db, a,
                 "SELECT id, status, call_status, company_id, customer_id, customer_link_status, from_number, to_number,"
                 " direction FROM calls WHERE retell_call_id = ? FOR UPDATE",
                 &idp, 1, &cur) != 0)
        return -1;
    int exists = cur.nrows > 0;
    const char *dir = json_get_str(call, "direction");
    if (!dir && exists) dir = db_cell(&cur, 0, 8);
    int outbound = dir && !strcmp(dir, "outbound");
    const char *from = json_get_str(call, "from_number"), *to = json_get_str(call, "to_number");
    if (!from && exists) from = db_cell(&cur, 0, 6);
    if (!to && exists) to = db_cell(&cur, 0, 7);
    const char *ours = outbound ? from : to, *caller = outbound ? to : from;

    /* tenant: kept once known; else from our number */
    long long company = exists && db_cell(&cur, 0, 3) ? atoll(db_cell(&cur, 0, 3)) : 0;
    tenant_number tn;
    memset(&tn, 0, sizeof tn);
    field f[80];
    size_t n = 0;
    if (!company && ours) {
        int found = tenant_by_phone_number(db, a, ours, phone_country_code(cfg->phone_default_country), 0, &tn);
        if (found < 0) return -1;
        if (found) {
            company = tn.company_id;
            f[n++] = FIELD_INT("company_id", company);
            if (tn.branch_id) f[n++] = FIELD_TEXT("branch_id", tn.branch_id);
            if (tn.phone_number_id) f[n++] = FIELD_TEXT("phone_number_id", tn.phone_number_id);
        }
    }
    out->company_id = company;

    /* status and call_status: forward only */
    const char *st = call_status_for(event, call), *old_st = exists ? db_cell(&cur, 0, 1) : NULL;
    if (st && call_status_rank(st) > call_status_rank(old_st)) f[n++] = FIELD_TEXT("status", st);
    else if (!exists) f[n++] = FIELD_TEXT("status", st ? st : "completed");
    out->status = st && call_status_rank(st) > call_status_rank(old_st) ? st : (old_st ? old_st : st);
    const char *cs = json_get_str(call, "call_status"), *old_cs = exists ? db_cell(&cur, 0, 2) : NULL;
    if (cs && call_status_rank(cs) >= call_status_rank(old_cs)) f[n++] = FIELD_TEXT("call_status", cs);

    if (!exists) {
        f[n++] = FIELD_TEXT("retell_call_id", call_id);
        f[n++] = FIELD_TEXT("external_id", call_id);
        f[n++] = FIELD_TEXT("call_id", call_id);
    }
    const char *retell_agent = json_get_str(call, "agent_id");
    if (retell_agent) {
        f[n++] = FIELD_TEXT("retell_agent_id", retell_agent);
        if (company) {
            /* calls.agent_id holds the local retell_agents.id (SCHEMA.md §2), of this tenant only */
            db_param ap[] = {db_str(retell_agent), db_int(company)};
            db_rows ar;
            if (db_query(db, a, "SELECT id FROM retell_agents WHERE agent_id = ? AND company_id = ?", ap, 2, &ar) != 0)
                return -1;
            if (ar.nrows) f[n++] = FIELD_TEXT("agent_id", db_cell(&ar, 0, 0));
        }
    }
    n += call_payload_fields(call, a, f + n);
    long long t0;
    if (!exists && ts_field(call, "start_timestamp", &t0)) f[n++] = FIELD_TIME("created_at", t0); /* a call is dated when it happened */

    /* the caller, unless someone already linked it by hand */
    const char *link = exists ? db_cell(&cur, 0, 5) : NULL;
    int manual = exists && db_cell(&cur, 0, 4) && link && !strcmp(link, "linked");
    if (company && !manual && link_customer(db, a, cfg, company, caller, call, f, &n) != 0) return -1;

    if (!exists) {
        if (record_insert(db, a, "calls", f, n, company, why, &out->id) != 0)
            return !again && db_error_is_duplicate(db) ? upsert(db, a, cfg, call, event, why, out, err, errlen, 1) : -1;
        out->created = 1;
        /* the call_inbound webhook of this call (same numbers, moments earlier), if any */
        if (from && to) {
            db_param lp[] = {db_int((long long)out->id), db_str(from), db_str(to)};
            if (db_exec(db,
                        "INSERT IGNORE INTO switchboard_inbound_links (webhook_event_id, call_id)"
                        " SELECT e.id, ? FROM webhook_events e LEFT JOIN switchboard_inbound_links l"
                        " ON l.webhook_event_id = e.id WHERE e.provider = 'retell' AND e.event_type = 'call_inbound'"
                        " AND e.created_at >= NOW() - INTERVAL 10 MINUTE AND l.webhook_event_id IS NULL"
                        " AND JSON_VALUE(e.payload, '$.call_inbound.from_number') = ?"
                        " AND JSON_VALUE(e.payload, '$.call_inbound.to_number') = ? ORDER BY e.id DESC LIMIT 1",
                        lp, 3, NULL, NULL) != 0)
                return -1;
        }
        return 0;
    }
    out->id = strtoull(db_cell(&cur, 0, 0), NULL, 10);
    return record_update(db, a, "calls", out->id, f, n, company, why, &out->changed);
}

int call_mark_booked(sb_db *db, arena *a, long long company, uint64_t call_id, uint64_t appt, uint64_t customer,
                     const audit_cause *why)
{
    /* what Laravel's AppointmentObserver and ConversionTracker set: nobody else will */
    field cf[] = {FIELD_INT("converted_appointment_id", (long long)appt), FIELD_INT("appointment_made", 1),
                  FIELD_INT("converted_to_appointment", 1), (field){"conversion_timestamp", F_TIME, NULL, (long long)time(NULL), true},
                  FIELD_INT("appointment_id", (long long)appt), FIELD_TEXT("appointment_link_status", "linked"),
                  (field){"appointment_linked_at", F_TIME, NULL, (long long)time(NULL), true},
                  FIELD_TEXT("session_outcome", "appointment_booked"), (field){"customer_id", F_INT, NULL, (long long)customer, true},
                  FIELD_TEXT("linking_metadata", "{\"method\":\"booked_during_call\",\"confidence\":100,\"distance_minutes\":0}")};
    return record_update(db, a, "calls", call_id, cf, sizeof cf / sizeof *cf, company, why, NULL);
}
