/* retell_functions.c: the phone agent's custom functions (Retell function calls).
 *
 * Every answer is HTTP 200 JSON with success, status and a German message the
 * agent speaks (Retell reads the body; a non-2xx only makes it retry while the
 * caller waits). Requests are signed like the webhooks (X-Retell-Signature on
 * the raw body): unsigned or forged calls get 401, nothing else is trusted.
 *
 * Envelope: Retell's {call, name, args}, "args only" bodies, and the legacy
 * {function_name, call_id, parameters}. Function names lose a _v<digits>
 * suffix. The tenant is the call's (lib/calls.h: to_number -> phone_numbers);
 * placeholder call ids ({{call_id}}, None, dummy_call_id, short numbers) are
 * ignored and no call is ever guessed.
 *
 * Booking (book_appointment, collect_appointment_data with bestaetigung):
 * Cal.com first, under an idempotency key of (call, slot, service) in
 * switchboard_phone_bookings, so a retried function call books once; then the
 * appointment, customer and the call's conversion columns in one
 * transaction. If that local write fails, the caller still hears "gebucht"
 * (the slot is booked) and a phone_booking_repair event lets the pipeline
 * write it later. Cancel and reschedule go to Cal.com first, then locally,
 * under their own idempotency key (switchboard_phone_changes, D89).
 *
 * Who is calling (D86-D88): the caller is the verified caller ID, the
 * from_number (to_number when outbound) of the call Retell signed, never
 * what was said. Only a body with Retell's `call` object has one; a call id
 * from the model's arguments (args-only and legacy bodies) only names a live
 * call for its tenant and carries no caller ID. An appointment is moved,
 * cancelled or read back only when its customer is the caller ID's (phone
 * variants inside the tenant) or when the caller says its reference (the
 * first six characters of the Cal.com booking uid, D87). */
#include "app.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "appointments.h"
#include "calcom_api.h"
#include "calls.h"
#include "customers.h"
#include "dates_de.h"
#include "json.h"
#include "laravel_crypt.h"
#include "log.h"
#include "phone.h"
#include "problems.h"
#include "record.h"
#include "sig.h"
#include "spool.h"
#include "webhook.h"
#include "timeutil.h"

typedef struct fn_ctx {
    sb_app *app;
    const sb_request *req;
    sb_response *resp;
    arena *a;
    json_object *args;
    const char *retell_call_id;
    uint64_t call_row;          /* calls.id */
    long long company;
    const char *branch_id;
    const char *tz;
    const char *caller;         /* the verified caller ID in E.164, or NULL (withheld, or no signed call object) */
    int verified;               /* the call came from Retell's signed call object (not from the model's arguments) */
    calcom_api cal;
    const char *outcome;        /* the log's outcome when the answer's status does not say it (D90) */
    uint64_t appointment_id;    /* the appointment booked, moved or cancelled, for the log */
} fn_ctx;

/* ---- answers ---- */

static int say(fn_ctx *c, int success, const char *status, const char *message, const char *extra_json)
{
    buf *b = &c->resp->body;
    c->resp->status = 200;
    buf_reset(b);
    buf_printf(b, "{\"success\":%s,\"status\":", success ? "true" : "false");
    json_buf_str(b, status);
    buf_puts(b, ",\"message\":");
    json_buf_str(b, message);
    if (extra_json && *extra_json) buf_printf(b, ",%s", extra_json);
    buf_putc(b, '}');
    return 0;
}

/* ---- the one writer of the answers' members (issue 15 item 6) ----
 * Every member after success/status/message goes through these: strings through
 * json_buf_str, numbers from integers, never a stored value in a format string. */

static void put_str(buf *b, const char *key, const char *v)
{
    json_buf_key(b, key);
    json_buf_str(b, v);
}

static void put_int(buf *b, const char *key, long long v)
{
    json_buf_key(b, key);
    buf_printf(b, "%lld", v);
}

static void put_bool(buf *b, const char *key, int v)
{
    json_buf_key(b, key);
    buf_puts(b, v ? "true" : "false");
}

/* A decimal from the database ("12.50") as a JSON number, or null when it is none. */
static void put_decimal(buf *b, const char *key, const char *v)
{
    json_buf_key(b, key);
    const char *p = v ? v + (*v == '-') : "";
    size_t whole = strspn(p, "0123456789"), frac = p[whole] == '.' ? strspn(p + whole + 1, "0123456789") : 0;
    int ok = whole && (p[whole] == '\0' || (frac && p[whole + 1 + frac] == '\0'));
    buf_puts(b, ok ? v : "null");
}

/* The members written into b, as say()'s extra_json (arena); b is freed. */
static const char *members(fn_ctx *c, buf *b)
{
    const char *s = arena_strdup(c->a, buf_cstr(b));
    buf_free(b);
    return s;
}

/* A failure of ours (database): the log's outcome is internal_error. */
static int say_internal(fn_ctx *c)
{
    c->outcome = "internal_error";
    return say(c, 0, "error", "Entschuldigung, einen Moment bitte, da hakt gerade etwas.", NULL);
}

/* The service asked for is none of the tenant's: not_found in the log. */
static int say_no_service(fn_ctx *c, const char *message, const char *extra_json)
{
    c->outcome = "not_found";
    return say(c, 0, "error", message, extra_json);
}

static const char *arg(fn_ctx *c, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_get(c->args, names[i]);
        if (v && json_object_is_type(v, json_type_string) && *json_object_get_string(v)) {
            /* agents sometimes pass the template instead of the value */
            const char *s = json_object_get_string(v);
            if (strstr(s, "{{")) continue;
            return s;
        }
    }
    return NULL;
}
#define ARG(c, ...) arg((c), (const char *const[]){__VA_ARGS__}, sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static int truthy(json_object *v)
{
    if (!v) return 0;
    if (json_object_is_type(v, json_type_boolean)) return json_object_get_boolean(v);
    if (json_object_is_type(v, json_type_int)) return json_object_get_int64(v) == 1;
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        return !strcasecmp(s, "true") || !strcasecmp(s, "ja") || !strcmp(s, "1");
    }
    return 0;
}

/* "Donnerstag, 12. März, um 15:30 Uhr" */
static const char *spoken(fn_ctx *c, int64_t t)
{
    struct tm tm;
    if (time_local(t, c->tz, &tm) != 0) return "";
    return arena_printf(c->a, "%s, %d. %s, um %02d:%02d Uhr", de_weekday(tm.tm_wday), tm.tm_mday, de_month(tm.tm_mon),
                        tm.tm_hour, tm.tm_min);
}

static const char *local_iso(fn_ctx *c, int64_t t)
{
    struct tm tm;
    if (time_local(t, c->tz, &tm) != 0) return "";
    long off = tm.tm_gmtoff;
    return arena_printf(c->a, "%04d-%02d-%02dT%02d:%02d:00%c%02ld:%02ld", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                        tm.tm_hour, tm.tm_min, off < 0 ? '-' : '+', labs(off) / 3600, (labs(off) % 3600) / 60);
}

/* ---- tenant data ---- */

typedef struct service {
    long long id, event_type;
    const char *name;
    int minutes;
} service;

/* s as a LIKE pattern's literal part (ESCAPE '!'): what the agent says is a name, never a wildcard (issue 15 item 13). */
static const char *like_escaped(arena *a, const char *s)
{
    char *out = arena_alloc(a, 2 * strlen(s) + 1), *o = out;
    for (; *s; s++) {
        if (*s == '!' || *s == '%' || *s == '_') *o++ = '!';
        *o++ = *s;
    }
    *o = '\0';
    return out;
}

/* By name/slug in the tenant (any of the args), else the tenant's default service. */
static int find_service(fn_ctx *c, service *s)
{
    const char *want = ARG(c, "service", "dienstleistung", "service_name", "service_type");
    db_rows r;
    static const char *const BY_NAME =
        "SELECT id, calcom_event_type_id, COALESCE(display_name, name), COALESCE(duration_minutes, duration, 30)"
        " FROM services WHERE company_id = ? AND deleted_at IS NULL AND is_active = 1 AND calcom_event_type_id IS NOT NULL"
        " AND (LOWER(name) = LOWER(?) OR LOWER(slug) = LOWER(?) OR LOWER(calcom_name) = LOWER(?)"
        "      OR LOWER(name) LIKE CONCAT('%', LOWER(?), '%') ESCAPE '!')"
        " ORDER BY LOWER(name) = LOWER(?) DESC, priority, id LIMIT 1";
    static const char *const DEFAULT =
        "SELECT id, calcom_event_type_id, COALESCE(display_name, name), COALESCE(duration_minutes, duration, 30)"
        " FROM services WHERE company_id = ? AND deleted_at IS NULL AND is_active = 1 AND calcom_event_type_id IS NOT NULL"
        " ORDER BY is_default DESC, priority, id LIMIT 1";
    if (want) {
        db_param p[] = {db_int(c->company), db_str(want), db_str(want), db_str(want), db_str(like_escaped(c->a, want)), db_str(want)};
        if (db_query(c->app->db, c->a, BY_NAME, p, 6, &r) != 0) return -1;
        if (!r.nrows) return 0;
    } else {
        db_param p = db_int(c->company);
        if (db_query(c->app->db, c->a, DEFAULT, &p, 1, &r) != 0) return -1;
        if (!r.nrows) return 0;
    }
    s->id = atoll(db_cell(&r, 0, 0));
    s->event_type = atoll(db_cell(&r, 0, 1));
    s->name = db_cell(&r, 0, 2);
    s->minutes = atoi(db_cell(&r, 0, 3));
    return 1;
}

/* The tenant's Cal.com key: companies.calcom_api_key (Laravel-encrypted), else calcom.api_key.
 * A key the tenant has but we cannot read is NULL, never the platform's key (issue 15 #1):
 * Cal.com is then not called and the agent says the booking system is unavailable. */
static const char *calcom_key(fn_ctx *c)
{
    db_param p = db_int(c->company);
    db_rows r;
    if (db_query(c->app->db, c->a, "SELECT calcom_api_key FROM companies WHERE id = ?", &p, 1, &r) == 0 && r.nrows &&
        db_cell(&r, 0, 0) && *db_cell(&r, 0, 0)) {
        char *key = arena_alloc(c->a, 512), err[160] = "laravel.app_key is not set";
        if (*c->app->cfg.laravel_app_key &&
            laravel_decrypt(c->app->cfg.laravel_app_key, db_cell(&r, 0, 0), key, 512, err, sizeof err) == 0)
            return key;
        problem_note(c->app->db, PROBLEM_CALCOM_KEY_UNREADABLE, c->company,
                     arena_printf(c->a, "companies.calcom_api_key cannot be decrypted: %s", err));
        return NULL;
    }
    return c->app->cfg.calcom_api_key;
}

/* Free slots of the service on a local day: fetched from Cal.com once per call,
 * service and day (switchboard_slot_cache, 60 s), then reused by the call's
 * next function calls whichever child answers them. A booking refused by
 * Cal.com drops the entry (the day changed). */

static const char *slot_cache_key(fn_ctx *c, const service *s, const de_date *day)
{
    return arena_printf(c->a, "%.120s|%lld|%04d-%02d-%02d", c->retell_call_id, s->event_type, day->year, day->month, day->day);
}

static void slot_cache_drop(fn_ctx *c, const service *s, const de_date *day)
{
    db_param k = db_str(slot_cache_key(c, s, day));
    db_exec(c->app->db, "DELETE FROM switchboard_slot_cache WHERE cache_key = ?", &k, 1, NULL, NULL);
}

static calcom_result day_slots(fn_ctx *c, const service *s, const de_date *day, int64_t **slots, size_t *n, char *err,
                               size_t errlen)
{
    const char *key = slot_cache_key(c, s, day);
    db_param k = db_str(key);
    db_rows r;
    if (db_query(c->app->db, c->a,
                 "SELECT slots FROM switchboard_slot_cache WHERE cache_key = ? AND fetched_at > NOW(3) - INTERVAL "
                 "60 SECOND",
                 &k, 1, &r) == 0 && r.nrows) {
        json_object *arr = json_tokener_parse(db_cell(&r, 0, 0));
        size_t m = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
        *slots = arena_alloc(c->a, sizeof **slots * (m + 1));
        *n = m;
        for (size_t i = 0; i < m; i++) (*slots)[i] = json_object_get_int64(json_object_array_get_idx(arr, i));
        json_object_put(arr);
        return CALCOM_OK;
    }
    /* the local day in UTC dates: it can start the day before (UTC+1/+2) */
    int64_t t0, t1;
    if (local_to_epoch(day, 0, 0, c->tz, &t0) != 0 || local_to_epoch(day, 23, 59, c->tz, &t1) != 0) return CALCOM_REFUSED;
    char d0[32], d1[32];
    time_format_iso(t0, d0, sizeof d0);
    time_format_iso(t1, d1, sizeof d1);
    d0[10] = d1[10] = '\0';
    int64_t *all;
    size_t na;
    calcom_result res = calcom_slots(&c->cal, c->a, s->event_type, d0, d1, &all, &na, err, errlen);
    if (res != CALCOM_OK) return res;
    *slots = arena_alloc(c->a, sizeof **slots * (na + 1));
    *n = 0;
    buf b = BUF_INIT;
    buf_putc(&b, '[');
    for (size_t i = 0; i < na; i++)
        if (all[i] >= t0 && all[i] <= t1) { /* compared in the tenant's zone */
            buf_printf(&b, "%s%lld", *n ? "," : "", (long long)all[i]);
            (*slots)[(*n)++] = all[i];
        }
    buf_putc(&b, ']');
    db_param p[] = {k, db_str(buf_cstr(&b))};
    db_exec(c->app->db,
            "INSERT INTO switchboard_slot_cache (cache_key, slots) VALUES (?, ?)"
            " ON DUPLICATE KEY UPDATE slots = VALUES(slots), fetched_at = CURRENT_TIMESTAMP(3)",
            p, 2, NULL, NULL);
    buf_free(&b);
    return CALCOM_OK;
}

/* ---- the parts of a request ---- */

typedef struct wish {
    int have_date, have_time;
    de_date day;
    int hour, minute;
    int64_t at;  /* when have_date && have_time */
} wish;

static int read_wish(fn_ctx *c, wish *w)
{
    memset(w, 0, sizeof *w);
    const char *start = ARG(c, "start", "datetime", "appointment_datetime");
    if (start) {
        int64_t t;
        struct tm tm;
        if (time_parse_iso(start, &t) != 0 || time_local(t, c->tz, &tm) != 0) return -1;
        w->day = (de_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
        w->hour = tm.tm_hour;
        w->minute = tm.tm_min;
        w->have_date = w->have_time = 1;
        w->at = t;
        return 0;
    }
    const char *d = ARG(c, "datum", "date", "appointment_date", "new_date", "relative_day");
    const char *t = ARG(c, "uhrzeit", "time", "preferred_time", "appointment_time", "new_time");
    if (d) {
        if (de_parse_date(d, (int64_t)time(NULL), c->tz, &w->day) != 0) return -1;
        w->have_date = 1;
    }
    if (t) {
        if (de_parse_time(t, &w->hour, &w->minute) != 0) return -2;
        w->have_time = 1;
    }
    if (w->have_date && w->have_time && local_to_epoch(&w->day, w->hour, w->minute, c->tz, &w->at) != 0) return -1;
    return 0;
}

static int say_bad_wish(fn_ctx *c, int rc)
{
    c->outcome = "invalid_input";
    say(c, 0, "error", rc == -2 ? "Entschuldigung, die Uhrzeit habe ich nicht verstanden. Können Sie sie bitte wiederholen?"
                                : "Entschuldigung, ich konnte das Datum nicht verstehen. Können Sie es bitte noch einmal sagen?",
        "\"bestaetigung_status\":\"error\"");
    return 0;
}

/* slots as members: "slots":[{start, spoken}] (at most max), "available_slots":["HH:MM"] */
static void put_slots(fn_ctx *c, buf *b, const int64_t *v, size_t n, size_t max)
{
    json_buf_key(b, "slots");
    buf_putc(b, '[');
    for (size_t i = 0; i < n && i < max; i++) {
        if (i) buf_putc(b, ',');
        buf_putc(b, '{');
        put_str(b, "start", local_iso(c, v[i]));
        put_str(b, "spoken", spoken(c, v[i]));
        buf_putc(b, '}');
    }
    buf_putc(b, ']');
    json_buf_key(b, "available_slots");
    buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        struct tm tm;
        time_local(v[i], c->tz, &tm);
        if (i) buf_putc(b, ',');
        json_buf_str(b, arena_printf(c->a, "%02d:%02d", tm.tm_hour, tm.tm_min));
    }
    buf_putc(b, ']');
}

/* "available", "service", "date": the members every availability answer starts with */
static void put_availability(buf *b, int available, const char *service_name, const de_date *day)
{
    put_bool(b, "available", available);
    put_str(b, "service", service_name);
    json_buf_key(b, "date");
    buf_printf(b, "\"%04d-%02d-%02d\"", day->year, day->month, day->day);
}

/* The nearest free slots to `at` on its day (before and after). */
static size_t nearest(const int64_t *v, size_t n, int64_t at, int64_t out[2])
{
    size_t k = 0;
    int64_t best[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        int64_t d = v[i] > at ? v[i] - at : at - v[i];
        if (!best[0] || d < (best[0] > at ? best[0] - at : at - best[0])) {
            best[1] = best[0];
            best[0] = v[i];
        } else if (!best[1] || d < (best[1] > at ? best[1] - at : at - best[1])) {
            best[1] = v[i];
        }
    }
    for (int i = 0; i < 2; i++)
        if (best[i]) out[k++] = best[i];
    if (k == 2 && out[0] > out[1]) {
        int64_t t = out[0];
        out[0] = out[1];
        out[1] = t;
    }
    return k;
}

/* Cal.com did not answer (calcom_down) or refused to (calcom_error): the caller hears the same promise. */
static int say_calcom_down(fn_ctx *c, calcom_result cr, const char *err)
{
    c->outcome = cr == CALCOM_UNAVAILABLE ? "calcom_down" : "calcom_error";
    log_msg("warn", "function call %s: Cal.com unavailable: %s", c->retell_call_id, err);
    say(c, 0, "error", "Entschuldigung, das Buchungssystem ist gerade nicht erreichbar. Ich notiere Ihren Wunsch, "
                       "und wir rufen Sie zurück.", "\"bestaetigung_status\":\"error\"");
    return 0;
}

/* ---- functions ---- */

/* Only the customer the verified caller ID identifies is ever spoken or returned
 * (D86): not the call's linked customer (a name match or a booking may have set
 * it), and never one matching what the caller says. */
static int fn_check_customer(fn_ctx *c)
{
    static const char *const SQL = "SELECT id, name, phone, email FROM customers WHERE id = ?";
    uint64_t id = 0;
    const char *cc = phone_country_code(c->app->cfg.phone_default_country);
    db_rows r = {0};
    if (c->caller && customer_of_caller(c->app->db, c->a, c->company, c->caller, cc, &id) != 0)
        return say_internal(c);
    db_param p = db_int((long long)id);
    if (id && db_query(c->app->db, c->a, SQL, &p, 1, &r) != 0)
        return say_internal(c);
    if (!r.nrows)
        return say(c, 0, "not_found", "Neuer Kunde", "\"customer_exists\":false,\"suggested_action\":\"collect_customer_data\"");
    buf m = BUF_INIT;
    put_bool(&m, "customer_exists", 1);
    json_buf_key(&m, "customer");
    buf_putc(&m, '{');
    put_int(&m, "id", (long long)id);
    put_str(&m, "name", db_cell(&r, 0, 1));
    put_str(&m, "phone", db_cell(&r, 0, 2));
    put_str(&m, "email", db_cell(&r, 0, 3));
    buf_putc(&m, '}');
    say(c, 1, "found", arena_printf(c->a, "Willkommen zurück, %s!", db_cell(&r, 0, 1)), members(c, &m));
    return 0;
}

static int fn_list_services(fn_ctx *c)
{
    db_rows r;
    db_param p = db_int(c->company);
    if (db_query(c->app->db, c->a,
                 "SELECT id, COALESCE(display_name, name), COALESCE(duration_minutes, duration, 30), price FROM services"
                 " WHERE company_id = ? AND deleted_at IS NULL AND is_active = 1 ORDER BY priority, id",
                 &p, 1, &r) != 0)
        return say_internal(c);
    buf list = BUF_INIT, spoken_list = BUF_INIT;
    json_buf_key(&list, "services");
    buf_putc(&list, '[');
    for (size_t i = 0; i < r.nrows; i++) {
        buf_puts(&list, i ? ",{" : "{");
        put_int(&list, "id", db_cell_ll(&r, i, 0));
        put_str(&list, "name", db_cell(&r, i, 1));
        put_int(&list, "duration_minutes", db_cell_ll(&r, i, 2));
        put_decimal(&list, "price", db_cell(&r, i, 3));
        buf_putc(&list, '}');
        buf_puts(&spoken_list, i == 0 ? "" : i + 1 == r.nrows ? " und " : ", ");
        buf_puts(&spoken_list, db_cell(&r, i, 1));
    }
    buf_putc(&list, ']');
    say(c, r.nrows > 0, r.nrows ? "ok" : "none",
        r.nrows ? arena_printf(c->a, "Wir bieten an: %s.", buf_cstr(&spoken_list)) : "Derzeit sind keine Leistungen buchbar.",
        members(c, &list));
    buf_free(&spoken_list);
    return 0;
}

static int fn_check_availability(fn_ctx *c, int alternatives_only)
{
    service s;
    int found = find_service(c, &s);
    if (found < 0) return say_internal(c);
    if (!found) return say_no_service(c, "Diese Leistung kann ich leider nicht finden. Welche Leistung wünschen Sie?", "\"available_slots\":[]");
    wish w;
    int rc = read_wish(c, &w);
    if (rc != 0) return say_bad_wish(c, rc);
    if (!w.have_date) return say(c, 0, "need_date", "Für welchen Tag möchten Sie einen Termin?", "\"available_slots\":[]");
    int64_t *v;
    size_t n;
    char err[256];
    calcom_result cr = day_slots(c, &s, &w.day, &v, &n, err, sizeof err);
    if (cr != CALCOM_OK) return say_calcom_down(c, cr, err);
    buf m = BUF_INIT;
    if (n == 0) {
        put_availability(&m, 0, s.name, &w.day);
        put_slots(c, &m, v, 0, 0);
        return say(c, 0, "unavailable", arena_printf(c->a, "Am %02d.%02d.%04d ist leider nichts mehr frei. Möchten Sie einen anderen Tag probieren?",
                                                     w.day.day, w.day.month, w.day.year),
                   members(c, &m));
    }
    if (w.have_time && !alternatives_only) {
        for (size_t i = 0; i < n; i++)
            if (v[i] == w.at) { /* to the minute, in the tenant's zone */
                put_availability(&m, 1, s.name, &w.day);
                put_str(&m, "requested", local_iso(c, w.at));
                put_slots(c, &m, &v[i], 1, 1);
                return say(c, 1, "available", arena_printf(c->a, "Ja, %s ist noch frei.", spoken(c, w.at)), members(c, &m));
            }
        int64_t alt[2];
        size_t k = nearest(v, n, w.at, alt);
        put_availability(&m, 0, s.name, &w.day);
        json_buf_key(&m, "alternatives");
        buf_putc(&m, '[');
        for (size_t i = 0; i < k; i++) {
            if (i) buf_putc(&m, ',');
            json_buf_str(&m, local_iso(c, alt[i]));
        }
        buf_putc(&m, ']');
        put_slots(c, &m, alt, k, 2);
        return say(c, 0, "unavailable",
                   k == 2 ? arena_printf(c->a, "Um %02d:%02d Uhr ist leider schon vergeben. Frei wäre %s oder %s.", w.hour, w.minute,
                                         spoken(c, alt[0]), spoken(c, alt[1]))
                          : arena_printf(c->a, "Um %02d:%02d Uhr ist leider schon vergeben. Frei wäre %s.", w.hour, w.minute, spoken(c, alt[0])),
                   members(c, &m));
    }
    buf times = BUF_INIT;
    for (size_t i = 0; i < n && i < 5; i++) {
        struct tm tm;
        time_local(v[i], c->tz, &tm);
        buf_printf(&times, "%s%02d:%02d Uhr", i == 0 ? "" : (i + 1 == n || i == 4) ? " und " : ", ", tm.tm_hour, tm.tm_min);
    }
    struct tm day;
    time_local(v[0], c->tz, &day);
    put_availability(&m, 1, s.name, &w.day);
    put_slots(c, &m, v, n, 5);
    say(c, 1, "available", arena_printf(c->a, "Am %s, %d. %s sind frei: %s.", de_weekday(day.tm_wday), day.tm_mday,
                                        de_month(day.tm_mon), buf_cstr(&times)),
        members(c, &m));
    buf_free(&times);
    return 0;
}


/* ---- booking references (D87) ---- */

#define REF_LEN 6

/* The spoken form of a booking uid: its first six letters and digits, upper-case. */
static const char *reference_of(arena *a, const char *uid)
{
    char *out = arena_alloc(a, REF_LEN + 1);
    size_t n = 0;
    for (const char *p = uid ? uid : ""; *p && n < REF_LEN; p++)
        if (isalnum((unsigned char)*p)) out[n++] = (char)toupper((unsigned char)*p);
    out[n] = '\0';
    return out;
}

/* "H C 5 W Z 9": one character at a time, as the agent reads it out. */
static const char *spelled(arena *a, const char *ref)
{
    size_t n = strlen(ref);
    char *out = arena_alloc(a, 2 * n + 1);
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = ref[i];
        out[2 * i + 1] = i + 1 < n ? ' ' : '\0';
    }
    if (!n) out[0] = '\0';
    return out;
}

/* ---- idempotency (D89) ----
 * A booking or a change is one row keyed by the request. The request that
 * inserts it runs the attempt; a retry waits for the attempt's end and then
 * answers from its row. After a failed attempt exactly one retry takes the row
 * back (a conditional UPDATE, decided by the database), so two retries racing
 * after a failure cannot both reach Cal.com. */

typedef struct idem_table {
    const char *select;   /* status first, then what the answer needs; one ? (the key) */
    const char *reclaim;  /* failed -> pending; one ? (the key) */
} idem_table;

static const idem_table BOOKINGS = {
    "SELECT status, calcom_uid FROM switchboard_phone_bookings WHERE idem_key = ?",
    "UPDATE switchboard_phone_bookings SET status = 'pending', error = NULL WHERE idem_key = ? AND status = 'failed'",
};
static const idem_table CHANGES = {
    "SELECT status, answer FROM switchboard_phone_changes WHERE idem_key = ?",
    "UPDATE switchboard_phone_changes SET status = 'pending', answer = NULL WHERE idem_key = ? AND status = 'failed'",
};

/* After an INSERT IGNORE that found the row: 1 = this request now runs the
 * attempt, 0 = the row in *r is final or still pending after the wait, -1 = DB error. */
static int idem_wait(fn_ctx *c, const idem_table *t, const char *key, db_rows *r)
{
    db_param k = db_str(key);
    for (int i = 0; i < 50; i++) {
        if (db_query(c->app->db, c->a, t->select, &k, 1, r) != 0 || !r->nrows) return -1;
        const char *st = db_cell(r, 0, 0);
        if (!strcmp(st, "failed")) {
            uint64_t taken = 0;
            if (db_exec(c->app->db, t->reclaim, &k, 1, NULL, &taken) != 0) return -1;
            if (taken == 1) return 1;
            continue; /* another retry took it: wait for its end */
        }
        if (strcmp(st, "pending") != 0) return 0;
        usleep(100000);
    }
    return 0;
}

/* The key of a request: SHA-256 over all its parts, the whole call id included. */
static void idem_key(fn_ctx *c, const char *parts, char key[65])
{
    const char *raw = arena_printf(c->a, "%s|%s", c->retell_call_id, parts);
    sig_sha256_hex(raw, strlen(raw), key);
}

/* {"idem_key", "calcom_uid"}: the phone_booking_repair event's payload */
static const char *repair_payload(fn_ctx *c, const char *key, const char *uid)
{
    buf b = BUF_INIT;
    buf_putc(&b, '{');
    put_str(&b, "idem_key", key);
    put_str(&b, "calcom_uid", uid);
    buf_putc(&b, '}');
    return members(c, &b);
}

static int book(fn_ctx *c, const service *s, int64_t at, const char *name, const char *email, const char *notes,
                 int collect_style)
{
    sb_db *db = c->app->db;
    char key[65];
    idem_key(c, arena_printf(c->a, "%lld|%lld", (long long)at, s->id), key);
    const char *phone = ARG(c, "customer_phone", "telefonnummer", "phone");
    char e164[PHONE_MAX];
    if (!phone || phone_normalize(phone, phone_country_code(c->app->cfg.phone_default_country), e164) != 0)
        phone = c->caller;
    else
        phone = arena_strdup(c->a, e164);
    db_param ins[] = {db_str(key), db_int((long long)c->call_row), db_int(c->company), db_int(s->id), db_int(at),
                      db_str(name), db_str(phone), db_str(email && !customer_email_is_placeholder(email) ? email : NULL),
                      db_str(c->caller)};
    uint64_t affected = 0;
    if (db_exec(db,
                "INSERT IGNORE INTO switchboard_phone_bookings (idem_key, call_id, company_id, service_id, starts_at_unix,"
                " customer_name, customer_phone, customer_email, caller_phone, status)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')",
                ins, 9, NULL, &affected) != 0)
        return say_internal(c);
    db_param k = db_str(key);
    db_rows r;
    if (!affected) {
        /* the same booking asked again (Retell retried): wait for the first attempt, then answer the same */
        int run = idem_wait(c, &BOOKINGS, key, &r);
        if (run < 0) return say_internal(c);
        if (!run && !strcmp(db_cell(&r, 0, 0), "booked")) {
            buf m = BUF_INIT;
            put_str(&m, "booking_uid", db_cell(&r, 0, 1));
            put_str(&m, "appointment_id", db_cell(&r, 0, 1));
            put_str(&m, "reference", reference_of(c->a, db_cell(&r, 0, 1)));
            put_str(&m, "bestaetigung_status", "confirmed");
            return say(c, 1, "booked", arena_printf(c->a, "Ihr Termin %s ist gebucht.", spoken(c, at)), members(c, &m));
        }
        if (!run) return say(c, 0, "in_progress", "Ihr Termin wird gerade gebucht, einen kleinen Moment bitte.", NULL);
    }
    char err[256];
    buf mb = BUF_INIT;
    buf_putc(&mb, '{');
    put_str(&mb, "source", "retell");
    put_str(&mb, "retell_call_id", c->retell_call_id);
    put_str(&mb, "switchboard_idempotency_key", key);
    buf_putc(&mb, '}');
    const char *meta = members(c, &mb);
    calcom_booking cb;
    calcom_result cr = calcom_book(&c->cal, c->a, s->event_type, at, name, phone, email && !customer_email_is_placeholder(email) ? email : NULL,
                                   c->tz, notes ? notes : "Telefonisch gebucht über KI-Assistentin", meta, &cb, err, sizeof err);
    if (cr != CALCOM_OK) {
        db_param f[] = {db_str(err), k};
        db_exec(db, "UPDATE switchboard_phone_bookings SET status = 'failed', error = ? WHERE idem_key = ?", f, 2, NULL, NULL);
        if (cr == CALCOM_UNAVAILABLE) return say_calcom_down(c, cr, err);
        /* refused: most likely taken a moment ago; offer what is free now */
        int64_t *v;
        size_t n;
        de_date day;
        struct tm tm;
        time_local(at, c->tz, &tm);
        day = (de_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
        slot_cache_drop(c, s, &day);
        int64_t alt[2] = {0, 0};
        size_t na = 0;
        if (day_slots(c, s, &day, &v, &n, err, sizeof err) == CALCOM_OK) {
            int64_t *others = arena_alloc(c->a, sizeof *others * (n + 1));
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if (v[i] != at) others[m++] = v[i];
            na = nearest(others, m, at, alt);
        }
        c->outcome = "calcom_error"; /* Cal.com refused the booking (most likely taken a moment ago) */
        buf m = BUF_INIT;
        put_str(&m, "error", "slot_taken");
        put_str(&m, "bestaetigung_status", "unavailable");
        put_slots(c, &m, alt, na, 2);
        return say(c, 0, collect_style ? "unavailable" : "slot_taken",
                   na ? arena_printf(c->a, "Dieser Termin wurde gerade vergeben. %s wäre noch frei.", spoken(c, alt[0]))
                      : "Dieser Termin wurde gerade vergeben, und an dem Tag ist leider nichts mehr frei.",
                   members(c, &m));
    }
    db_param ok[] = {db_str(cb.uid), db_int(cb.id), db_int(cb.end ? cb.end : at + s->minutes * 60), k};
    db_exec(db, "UPDATE switchboard_phone_bookings SET status = 'booked', calcom_uid = ?, calcom_id = ?, ends_at_unix = ?"
                " WHERE idem_key = ?", ok, 4, NULL, NULL);
    uint64_t appt = phone_booking_write(c->app, c->a, key);
    c->appointment_id = appt;
    if (!appt) {
        /* the slot is booked in Cal.com: the caller hears so; the row is repaired by the pipeline */
        log_msg("error", "phone booking %s (Cal.com %s): local write failed: %s; queued for repair", key, cb.uid, db_error(db));
        webhook_event ev = {"switchboard", "phone_booking_repair", arena_strdup(c->a, key),
                            arena_printf(c->a, "switchboard:phone_booking_repair:%s", key), c->req->request_id, "{}",
                            repair_payload(c, key, cb.uid), 0, http_now_us()};
        ev.payload_len = strlen(ev.payload);
        uint64_t id;
        if (webhook_store(db, c->a, &ev, &id) == WEBHOOK_STORE_FAILED) spool_write(c->app->cfg.spool_dir, &ev);
    }
    const char *ref = reference_of(c->a, cb.uid);
    buf m = BUF_INIT;
    put_str(&m, "booking_uid", cb.uid);
    put_str(&m, "appointment_id", cb.uid);
    put_str(&m, "reference", ref);
    put_str(&m, "start", local_iso(c, at));
    put_str(&m, "end", local_iso(c, cb.end ? cb.end : at + s->minutes * 60));
    put_str(&m, "bestaetigung_status", "confirmed");
    put_str(&m, "next_steps", "Sie erhalten eine Bestätigung per SMS.");
    say(c, 1, "booked", arena_printf(c->a, "Perfekt! Ihr Termin für %s am %s ist gebucht. Ihre Buchungsnummer ist %s.", s->name,
                                     spoken(c, at), spelled(c->a, ref)),
        members(c, &m));
    return 0;
}

static int fn_book(fn_ctx *c, int collect_style)
{
    service s;
    int found = find_service(c, &s);
    if (found < 0) return say_internal(c);
    if (!found) return say_no_service(c, "Diese Leistung kann ich leider nicht finden. Welche Leistung wünschen Sie?", NULL);
    wish w;
    int rc = read_wish(c, &w);
    if (rc != 0) return say_bad_wish(c, rc);
    if (!w.have_date || !w.have_time)
        return say(c, 0, "error", "Für welchen Tag und welche Uhrzeit darf ich den Termin eintragen?", "\"bestaetigung_status\":\"error\"");
    if (w.at < (int64_t)time(NULL)) return say(c, 0, "error", "Dieser Zeitpunkt liegt in der Vergangenheit. Welcher Tag passt Ihnen?", NULL);
    const char *name = ARG(c, "customer_name", "name", "kunde_name");
    if (!name || strlen(name) > 150) return say(c, 0, "error", "Darf ich noch Ihren Namen haben?", "\"bestaetigung_status\":\"error\"");
    const char *email = ARG(c, "customer_email", "email");
    char clean[256] = "";
    if (email) { /* speech-to-text puts spaces into addresses */
        size_t o = 0;
        for (const char *p = email; *p && o + 1 < sizeof clean; p++)
            if (!isspace((unsigned char)*p)) clean[o++] = (char)tolower((unsigned char)*p);
        clean[o] = '\0';
        email = strchr(clean, '@') && strchr(strchr(clean, '@'), '.') ? clean : NULL;
    }
    if (collect_style && !truthy(json_get(c->args, "bestaetigung")) && !truthy(json_get(c->args, "confirm_booking"))) {
        /* step one of the two-step flow: check only, then the agent asks the caller to confirm */
        int64_t *v;
        size_t n;
        char err[256];
        calcom_result cr = day_slots(c, &s, &w.day, &v, &n, err, sizeof err);
        if (cr != CALCOM_OK) return say_calcom_down(c, cr, err);
        for (size_t i = 0; i < n; i++)
            if (v[i] == w.at)
                return say(c, 1, "available",
                           arena_printf(c->a, "Der Termin für %s am %s ist frei. Soll ich ihn für Sie buchen?", s.name, spoken(c, w.at)),
                           "\"bestaetigung_status\":\"pending\",\"next_steps\":\"Bitte bestätigen lassen und mit bestaetigung=true erneut aufrufen.\"");
        int64_t alt[2];
        size_t k = nearest(v, n, w.at, alt);
        buf m = BUF_INIT;
        put_str(&m, "bestaetigung_status", "unavailable");
        put_slots(c, &m, alt, k, 2);
        return say(c, 0, k ? "unavailable" : "no_availability",
                   k ? arena_printf(c->a, "Der Termin am %s ist leider nicht verfügbar. Frei wäre %s.", spoken(c, w.at), spoken(c, alt[0]))
                     : "An diesem Tag sind leider keine freien Termine mehr. Möchten Sie einen anderen Tag probieren?",
                   members(c, &m));
    }
    /* Cal.com's attendee needs an email or a phone (fixtures C13): a withheld caller who
     * said neither is asked for one rather than refused by Cal.com later (D94) */
    const char *said_phone = ARG(c, "customer_phone", "telefonnummer", "phone");
    char e164[32];
    if (!email && !c->caller &&
        (!said_phone || phone_normalize(said_phone, phone_country_code(c->app->cfg.phone_default_country), e164) != 0))
        return say(c, 0, "error", "Unter welcher Telefonnummer oder E-Mail-Adresse können wir Sie erreichen?",
                   "\"bestaetigung_status\":\"error\"");
    book(c, &s, w.at, name, email, ARG(c, "notes", "kundenpraeferenzen"), collect_style);
    return 0;
}

/* ---- whose appointment (D86, D87) ---- */

/* The reference as said ("h c 5 w z 9", "HC5-WZ9"): letters and digits, lower-case, or NULL. */
static const char *heard_reference(fn_ctx *c)
{
    const char *said = ARG(c, "reference", "booking_reference", "buchungsnummer", "referenz");
    if (!said) return NULL;
    char *out = arena_alloc(c->a, strlen(said) + 1);
    size_t n = 0;
    for (const char *p = said; *p; p++)
        if (isalnum((unsigned char)*p)) out[n++] = (char)tolower((unsigned char)*p);
    out[n] = '\0';
    return out;
}

/* By the verified caller ID: the next upcoming appointment (on the named day) of a customer whose phone is one of
 * the caller's spellings in the tenant. 1 found, 0 none, -1 DB error. */
static int appointment_of_caller(fn_ctx *c, const wish *w, appt_open *out)
{
    const char *v[PHONE_MAX_VARIANTS] = {0};
    size_t nv = phone_variants(c->caller, phone_country_code(c->app->cfg.phone_default_country), c->a, v);
    if (!nv) return 0;
    int64_t day0 = 0;
    if (w->have_date) local_to_epoch(&w->day, 0, 0, c->tz, &day0);
    return appointment_open_of_phones(c->app->db, c->a, c->company, v, nv, w->have_date, day0, out);
}

/* The appointment this caller may change, or 0 after telling the caller why there is none. */
static int caller_appointment_or_say(fn_ctx *c, const wish *w, appt_open *out)
{
    const char *ref = heard_reference(c);
    int found;
    if (ref && strlen(ref) < REF_LEN)
        return say(c, 0, "invalid_reference", "Die Buchungsnummer hat sechs Zeichen. Können Sie sie bitte noch einmal buchstabieren?",
                   "\"error\":\"invalid_reference\""), 0;
    if (ref) found = appointment_open_by_reference(c->app->db, c->a, c->company, ref, out);
    else if (c->caller) found = appointment_of_caller(c, w, out);
    else
        return say(c, 0, "refused_identity",
                   "Ohne Ihre Buchungsnummer kann ich den Termin am Telefon leider nicht ändern, weil Ihre Nummer nicht "
                   "übertragen wird. Nennen Sie mir die Buchungsnummer aus Ihrer Bestätigung, oder wir rufen Sie gern zurück.",
                   "\"error\":\"identity_required\",\"callback_offered\":true"), 0;
    if (found < 0) say_internal(c);
    else if (found == 2) say(c, 0, "invalid_reference", "Diese Buchungsnummer ist nicht eindeutig. Bitte nennen Sie mir mehr Zeichen.",
                             "\"error\":\"ambiguous_reference\"");
    else if (!found && ref) say(c, 0, "not_found", "Unter dieser Buchungsnummer finde ich keinen bevorstehenden Termin.", NULL);
    else if (!found) say(c, 0, "not_found", "Ich konnte unter Ihrer Nummer keinen bevorstehenden Termin finden. Wenn Sie mit "
                                            "einer anderen Nummer gebucht haben, nennen Sie mir bitte Ihre Buchungsnummer.", NULL);
    return found == 1;
}

/* Claim a change request (D89): 1 = run it, 0 = answered (the first attempt's answer, or "in progress"). */
static int change_begin(fn_ctx *c, const char *fname, const char *key)
{
    db_param ins[] = {db_str(key), db_int((long long)c->call_row), db_int(c->company), db_str(fname)};
    uint64_t affected = 0;
    db_rows r;
    if (db_exec(c->app->db,
                "INSERT IGNORE INTO switchboard_phone_changes (idem_key, call_id, company_id, function_name, status)"
                " VALUES (?, ?, ?, ?, 'pending')",
                ins, 4, NULL, &affected) != 0)
        return say_internal(c), 0;
    if (affected) return 1;
    int run = idem_wait(c, &CHANGES, key, &r);
    if (run < 0) return say_internal(c), 0;
    if (run) return 1;
    if (!strcmp(db_cell(&r, 0, 0), "done") && db_cell(&r, 0, 1)) { /* the first answer, as it was */
        c->resp->status = 200;
        buf_reset(&c->resp->body);
        buf_puts(&c->resp->body, db_cell(&r, 0, 1));
        return 0;
    }
    return say(c, 0, "in_progress", "Einen kleinen Moment bitte, Ihr Termin wird gerade geändert.", NULL), 0;
}

/* The end of a claimed change: done with the answer just built (a retry repeats it), or failed (a retry may try again). */
static void change_end(fn_ctx *c, const char *key, int done, uint64_t appointment)
{
    db_param p[] = {db_str(done ? "done" : "failed"), db_str(done ? buf_cstr(&c->resp->body) : NULL),
                    appointment ? db_int((long long)appointment) : db_null(), db_str(key)};
    if (db_exec(c->app->db, "UPDATE switchboard_phone_changes SET status = ?, answer = ?, appointment_id = ? WHERE idem_key = ?",
                p, 4, NULL, NULL) != 0)
        log_msg("error", "change %s: idempotency row not updated: %s", key, db_error(c->app->db));
}

static const char *wish_day(fn_ctx *c, const wish *w)
{
    return w->have_date ? arena_printf(c->a, "%04d-%02d-%02d", w->day.year, w->day.month, w->day.day) : "";
}

static int fn_cancel(fn_ctx *c)
{
    wish w;
    int rc = read_wish(c, &w);
    if (rc != 0) return say_bad_wish(c, rc);
    char key[65];
    const char *ref = heard_reference(c);
    idem_key(c, arena_printf(c->a, "cancel_appointment|%s|%s", ref ? ref : "", wish_day(c, &w)), key);
    if (!change_begin(c, "cancel_appointment", key)) return 0;
    appt_open ap;
    if (!caller_appointment_or_say(c, &w, &ap)) return change_end(c, key, 0, 0), 0;
    c->appointment_id = ap.id;
    const char *reason = ARG(c, "reason", "grund", "cancellation_reason");
    char err[256];
    calcom_result cr = calcom_cancel(&c->cal, c->a, ap.uid, reason ? reason : "Telefonisch abgesagt", err, sizeof err);
    if (cr == CALCOM_UNAVAILABLE) return say_calcom_down(c, cr, err), change_end(c, key, 0, 0), 0;
    if (cr == CALCOM_REFUSED) log_msg("warn", "cancel %s: Cal.com refused (%s); cancelling locally", ap.uid, err);
    audit_cause why = {0, "retell function cancel_appointment"};
    field f[] = {FIELD_TEXT("status", "cancelled"), FIELD_TIME("cancelled_at", (long long)time(NULL)),
                 FIELD_TEXT("cancellation_reason", reason ? reason : "Telefonisch abgesagt")};
    if (db_begin(c->app->db) != 0 || appointment_update(c->app->db, c->a, c->company, ap.id, f, 3, &why, NULL, NULL, NULL) != 0 ||
        db_commit(c->app->db) != 0) {
        db_rollback(c->app->db);
        /* Cal.com has cancelled; its BOOKING_CANCELLED webhook brings the row in line */
        log_msg("error", "cancel %s: local update failed: %s (the Cal.com webhook will converge)", ap.uid, db_error(c->app->db));
    }
    buf m = BUF_INIT;
    put_int(&m, "appointment_id", (long long)ap.id);
    put_str(&m, "booking_uid", ap.uid);
    say(c, 1, "cancelled", arena_printf(c->a, "Ihr Termin am %s wurde storniert.", spoken(c, ap.start)), members(c, &m));
    change_end(c, key, 1, ap.id);
    return 0;
}

static int fn_reschedule(fn_ctx *c)
{
    /* the new time comes in new_date/new_time (or datum/uhrzeit); the old day in old_date */
    wish to;
    int rc = read_wish(c, &to);
    if (rc != 0) return say_bad_wish(c, rc);
    if (!to.have_date || !to.have_time) return say(c, 0, "ready_to_reschedule", "Auf welchen Tag und welche Uhrzeit möchten Sie den Termin verschieben?", NULL);
    wish from = {0};
    const char *old = ARG(c, "old_date");
    if (old && de_parse_date(old, (int64_t)time(NULL), c->tz, &from.day) == 0) from.have_date = 1;
    char key[65];
    const char *ref = heard_reference(c);
    idem_key(c, arena_printf(c->a, "reschedule_appointment|%s|%s|%lld", ref ? ref : "", wish_day(c, &from), (long long)to.at), key);
    if (!change_begin(c, "reschedule_appointment", key)) return 0;
    appt_open ap;
    if (!caller_appointment_or_say(c, &from, &ap)) return change_end(c, key, 0, 0), 0;
    c->appointment_id = ap.id;
    char err[256];
    calcom_booking nb;
    calcom_result cr = calcom_reschedule(&c->cal, c->a, ap.uid, to.at, ARG(c, "reason", "grund"), &nb, err, sizeof err);
    if (cr == CALCOM_UNAVAILABLE) return say_calcom_down(c, cr, err), change_end(c, key, 0, 0), 0;
    if (cr == CALCOM_REFUSED) {
        c->outcome = "calcom_error";
        say(c, 0, "unavailable", arena_printf(c->a, "%s ist leider nicht frei. Möchten Sie eine andere Uhrzeit?", spoken(c, to.at)), NULL);
        change_end(c, key, 0, 0);
        return 0;
    }
    audit_cause why = {0, "retell function reschedule_appointment"};
    field f[] = {FIELD_TIME("previous_starts_at", ap.start), FIELD_TIME("starts_at", nb.start), FIELD_TIME("ends_at", nb.end),
                 FIELD_TEXT("calcom_v2_booking_id", nb.uid), FIELD_INT("calcom_booking_id", nb.id),
                 FIELD_TEXT("status", "rescheduled"), FIELD_TIME("rescheduled_at", (long long)time(NULL))};
    if (db_begin(c->app->db) != 0 ||
        appointment_update(c->app->db, c->a, c->company, ap.id, f, 7, &why, nb.uid, ap.uid, NULL) != 0 || db_commit(c->app->db) != 0) {
        db_rollback(c->app->db);
        log_msg("error", "reschedule %s -> %s: local update failed: %s (the Cal.com webhook will converge)", ap.uid, nb.uid,
                db_error(c->app->db));
    }
    buf m = BUF_INIT;
    put_int(&m, "appointment_id", (long long)ap.id);
    put_str(&m, "booking_uid", nb.uid);
    put_str(&m, "reference", reference_of(c->a, nb.uid));
    put_str(&m, "old_time", local_iso(c, ap.start));
    put_str(&m, "new_time", local_iso(c, nb.start));
    say(c, 1, "rescheduled", arena_printf(c->a, "Ihr Termin ist verschoben auf %s. Ihre neue Buchungsnummer ist %s.",
                                          spoken(c, nb.start), spelled(c->a, reference_of(c->a, nb.uid))),
        members(c, &m));
    change_end(c, key, 1, ap.id);
    return 0;
}

/* ---- the route ---- */

static int placeholder_call_id(const char *s)
{
    if (!s || !*s || strstr(s, "{{")) return 1;
    static const char *const WORDS[] = {"none", "null", "undefined", "dummy_call_id", "current", "current_call", "call_id"};
    for (size_t i = 0; i < sizeof WORDS / sizeof *WORDS; i++)
        if (!strcasecmp(s, WORDS[i])) return 1;
    size_t n = strlen(s), digits = strspn(s, "0123456789");
    return (digits == n && n <= 5) || n < 10;
}

/* The call id of a request (D86): Retell's signed call object when the body has
 * one, and then an id the model also put into the arguments must be the same;
 * else the arguments' id (args-only and legacy bodies). NULL: none, a
 * placeholder, or a disagreement. */
static const char *resolve_call_id(json_object *root, json_object *args, json_object *call)
{
    const char *named = json_get_str(args, "call_id");
    if (placeholder_call_id(named)) named = json_get_str(root, "call_id");
    if (placeholder_call_id(named)) named = NULL;
    if (!call) return named;
    const char *cid = json_get_str(call, "call_id");
    if (placeholder_call_id(cid)) return NULL;
    if (named && strcmp(named, cid) != 0) {
        log_msg("warn", "function call %s: the arguments name another call id; refused", cid);
        return NULL;
    }
    return cid;
}

static void strip_version(char *name)
{
    char *v = strrchr(name, '_');
    if (v && v[1] == 'v' && v[2] && strspn(v + 2, "0123456789") == strlen(v + 2)) *v = '\0';
}

/* ---- the functions by name ---- */

typedef int (*fn_run)(fn_ctx *c, int variant);

static int run_check_customer(fn_ctx *c, int v) { (void)v; return fn_check_customer(c); }
static int run_list_services(fn_ctx *c, int v) { (void)v; return fn_list_services(c); }
static int run_cancel(fn_ctx *c, int v) { (void)v; return fn_cancel(c); }
static int run_reschedule(fn_ctx *c, int v) { (void)v; return fn_reschedule(c); }

/* name (after strip_version) -> function and its variant; the names /metrics labels (lib/metrics.c) */
static const struct {
    const char *name;
    fn_run run;
    int variant;
} FUNCTIONS[] = {
    {"check_customer", run_check_customer, 0},
    {"list_services", run_list_services, 0},
    {"check_availability", fn_check_availability, 0},
    {"find_next_available", fn_check_availability, 0},
    {"get_alternatives", fn_check_availability, 1},
    {"collect_appointment_data", fn_book, 1},
    {"collect_appointment", fn_book, 1},
    {"book_appointment", fn_book, 0},
    {"start_booking", fn_book, 0},
    {"cancel_appointment", run_cancel, 0},
    {"reschedule_appointment", run_reschedule, 0},
};
_Static_assert(sizeof FUNCTIONS / sizeof *FUNCTIONS == 11, "FUNCTIONS: keep lib/metrics.c's FUNCTION_LABELS in step");

/* The arguments as the log keeps them (0012_function_calls.sql): as sent (without
 * a call object), with the canonical keys service, date (YYYY-MM-DD), time
 * (HH:MM), customer_name, customer_phone (E.164 when it is a number),
 * customer_email and reference set from whichever alias the agent used. */
static const char *canonical_args(fn_ctx *c)
{
    json_object *o = json_object_new_object();
    if (c->args && json_object_is_type(c->args, json_type_object)) {
        json_object_object_foreach(c->args, k, v) if (strcmp(k, "call") != 0) json_object_object_add(o, k, json_object_get(v));
    }
    static const struct {
        const char *key;
        const char *aliases[4];
    } CANON[] = {
        {"service", {"service", "dienstleistung", "service_name", "service_type"}},
        {"customer_name", {"customer_name", "name", "kunde_name", NULL}},
        {"customer_phone", {"customer_phone", "telefonnummer", "phone", NULL}},
        {"customer_email", {"customer_email", "email", NULL, NULL}},
    };
    for (size_t i = 0; i < sizeof CANON / sizeof *CANON; i++) {
        size_t n = 0;
        while (n < 4 && CANON[i].aliases[n]) n++;
        const char *v = arg(c, CANON[i].aliases, n);
        char e164[PHONE_MAX];
        if (v && !strcmp(CANON[i].key, "customer_phone") &&
            phone_normalize(v, phone_country_code(c->app->cfg.phone_default_country), e164) == 0)
            v = e164;
        if (v) json_object_object_add(o, CANON[i].key, json_object_new_string(v));
    }
    const char *ref = heard_reference(c);
    if (ref) json_object_object_add(o, "reference", json_object_new_string(reference_of(c->a, ref)));
    wish w;
    if (read_wish(c, &w) == 0) {
        if (w.have_date) json_object_object_add(o, "date", json_object_new_string(wish_day(c, &w)));
        if (w.have_time) json_object_object_add(o, "time", json_object_new_string(arena_printf(c->a, "%02d:%02d", w.hour, w.minute)));
    }
    const char *text = arena_strdup(c->a, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return text;
}

/* Answer one signed request in c (the response is always set). *fname: the function's name, for the log. */
static void answer(fn_ctx *c, json_object *root, const char *fixed_name, const char **fname_out)
{
    sb_app *app = c->app;
    char err[256];
    const char *name = fixed_name;
    if (!name) name = json_get_str(root, "name");
    if (!name) name = json_get_str(root, "function_name");
    json_object *args = json_get(root, "args");
    if (!args) args = json_get(root, "parameters");
    if (!args) args = json_get(root, "arguments");
    if (!args || !json_object_is_type(args, json_type_object)) args = root; /* "args only" */
    c->args = args;
    json_object *call = json_get(root, "call");
    int has_call = call && json_object_is_type(call, json_type_object);
    const char *cid = resolve_call_id(root, args, has_call ? call : NULL);
    c->outcome = "invalid_input"; /* until a function runs */
    if (!name) {
        say(c, 0, "error", "Entschuldigung, da ist etwas schiefgegangen. Welche Auskunft brauchen Sie?", NULL);
        return;
    }
    char *fname = arena_strdup(c->a, name);
    strip_version(fname);
    *fname_out = fname;
    c->resp->log_event_id = cid ? arena_strdup(c->a, cid) : NULL; /* cid lives in root, freed before the log line */
    if (!cid) {
        say(c, 0, "error", "Entschuldigung, ich kann Ihren Anruf gerade nicht zuordnen. Bitte rufen Sie uns direkt an.",
            "\"error\":\"no_call_context\"");
        return;
    }
    c->retell_call_id = c->resp->log_event_id;
    c->verified = has_call;
    /* the call, from our table; Retell's live call object creates it if no webhook came first */
    db_rows r;
    db_param p = db_str(cid);
    static const char *const CALL =
        "SELECT ca.id, ca.company_id, ca.branch_id, ca.from_number, ca.direction, ca.to_number, co.timezone, ca.status"
        " FROM calls ca LEFT JOIN companies co ON co.id = ca.company_id WHERE ca.retell_call_id = ?";
    if (db_query(app->db, c->a, CALL, &p, 1, &r) == 0 && !r.nrows && has_call) {
        audit_cause why = {0, "retell function call"};
        call_result cr;
        if (db_begin(app->db) == 0) {
            if (call_upsert_retell(app->db, c->a, &app->cfg, call, NULL, &why, &cr, err, sizeof err) == 0) db_commit(app->db);
            else db_rollback(app->db);
        }
        db_query(app->db, c->a, CALL, &p, 1, &r);
    }
    /* a call id the model named must be a live call: an ended call lends no tenant (D86) */
    if (!r.nrows || !db_cell(&r, 0, 1) || (!c->verified && call_status_rank(db_cell(&r, 0, 7)) >= 3)) {
        say(c, 0, "error", "Entschuldigung, ich kann Ihren Anruf gerade nicht zuordnen. Bitte rufen Sie uns direkt an.",
            "\"error\":\"no_call_context\"");
        return;
    }
    c->call_row = strtoull(db_cell(&r, 0, 0), NULL, 10);
    c->company = atoll(db_cell(&r, 0, 1));
    c->branch_id = db_cell(&r, 0, 2);
    const char *dir = db_cell(&r, 0, 4);
    const char *caller_raw = dir && !strcmp(dir, "outbound") ? db_cell(&r, 0, 5) : db_cell(&r, 0, 3);
    char e164[PHONE_MAX];
    if (c->verified && caller_raw && phone_normalize(caller_raw, phone_country_code(app->cfg.phone_default_country), e164) == 0)
        c->caller = arena_strdup(c->a, e164);
    if (db_cell(&r, 0, 6)) c->tz = db_cell(&r, 0, 6);
    c->cal = (calcom_api){app->cfg.calcom_api_base, calcom_key(c), (long)app->cfg.calcom_timeout_ms};
    for (size_t i = 0; i < sizeof FUNCTIONS / sizeof *FUNCTIONS; i++)
        if (!strcmp(fname, FUNCTIONS[i].name)) {
            c->outcome = NULL; /* from the answer's status, unless the function says otherwise */
            FUNCTIONS[i].run(c, FUNCTIONS[i].variant);
            return;
        }
    c->outcome = "unknown_function";
    buf m = BUF_INIT;
    put_str(&m, "error", arena_printf(c->a, "Function '%s' is not supported", fname));
    say(c, 0, "error", "Diese Funktion kenne ich leider nicht.", members(c, &m));
}

/* Retell's signature timestamp (v=<ms>), the provider's time of the request; 0 if none. */
static int64_t signed_at_ms(const sb_request *req)
{
    const char *h = http_header(req, "x-retell-signature");
    const char *v = h ? strstr(h, "v=") : NULL;
    return v ? strtoll(v + 2, NULL, 10) : 0;
}

void retell_function(sb_app *app, const sb_request *req, sb_response *resp, const char *fixed_name)
{
    resp->log_provider = "retell";
    char err[256];
    if (req->body_too_large) {
        http_json_error(resp, 413, "request body is larger than http.max_body");
        return;
    }
    if (!*app->cfg.retell_api_key) {
        http_json_error(resp, 503, "Retell API key is not configured (retell.api_key); function calls are refused");
        return;
    }
    sig_result sr = sig_retell_verify(app->cfg.retell_api_key, req->body, req->body_len, http_header(req, "x-retell-signature"),
                                      req->received_us / 1000, app->cfg.retell_signature_tolerance_ms);
    if (sr != SIG_OK) { /* not Retell's: answered, counted in the request metrics, not kept (D90) */
        snprintf(err, sizeof err, "invalid X-Retell-Signature: %s", sig_result_message(sr));
        http_json_error(resp, 401, err);
        return;
    }
    fn_ctx c = {.app = app, .req = req, .resp = resp, .a = req->pool, .tz = "Europe/Berlin"};
    const char *fname = fixed_name ? fixed_name : "";
    json_object *root = json_parse_strict(req->body, req->body_len, err, sizeof err);
    if (!root || !json_object_is_type(root, json_type_object)) {
        c.outcome = "invalid_input";
        say(&c, 0, "error", "Entschuldigung, da ist etwas schiefgegangen. Können Sie das bitte wiederholen?", NULL);
    } else {
        answer(&c, root, fixed_name, &fname);
    }
    /* the answer is built: keep it (one insert after the response is sent, D90) */
    fn_log_entry e = {.retell_call_id = c.retell_call_id, .call_row = c.call_row, .company = c.company,
                        .branch_id = c.branch_id, .function = fname, .args_json = c.args ? canonical_args(&c) : NULL,
                        .outcome = c.outcome, .appointment_id = c.appointment_id,
                        .duration_us = http_now_us() - req->received_us, .provider_ms = signed_at_ms(req)};
    function_log_after(app, c.a, resp, &e);
    json_object_put(root);
}

/* routes: the dispatcher reads the name from the body, the legacy direct routes fix it */
void fn_dispatch(sb_app *app, const sb_request *req, sb_response *resp) { retell_function(app, req, resp, NULL); }
void fn_check_customer_route(sb_app *app, const sb_request *req, sb_response *resp) { retell_function(app, req, resp, "check_customer"); }
void fn_check_availability_route(sb_app *app, const sb_request *req, sb_response *resp) { retell_function(app, req, resp, "check_availability"); }
void fn_collect_route(sb_app *app, const sb_request *req, sb_response *resp) { retell_function(app, req, resp, "collect_appointment_data"); }
void fn_book_route(sb_app *app, const sb_request *req, sb_response *resp) { retell_function(app, req, resp, "book_appointment"); }
void fn_cancel_route(sb_app *app, const sb_request *req, sb_response *resp) { retell_function(app, req, resp, "cancel_appointment"); }
void fn_reschedule_route(sb_app *app, const sb_request *req, sb_response *resp) { retell_function(app, req, resp, "reschedule_appointment"); }
