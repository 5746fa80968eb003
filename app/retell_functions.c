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
 * write it later. Cancel and reschedule go to Cal.com first, then locally. */
#include "app.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../lib/appointments.h"
#include "../lib/calcom_api.h"
#include "../lib/calls.h"
#include "../lib/customers.h"
#include "../lib/dates_de.h"
#include "../lib/json.h"
#include "../lib/laravel_crypt.h"
#include "../lib/log.h"
#include "../lib/phone.h"
#include "../lib/problems.h"
#include "../lib/record.h"
#include "../lib/sig.h"
#include "../lib/spool.h"
#include "../lib/webhook.h"
#include "../lib/timeutil.h"

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
    const char *caller;         /* E.164 or NULL */
    calcom_api cal;
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

/* By name/slug in the tenant (any of the args), else the tenant's default service. */
static int find_service(fn_ctx *c, service *s)
{
    const char *want = ARG(c, "service", "dienstleistung", "service_name", "service_type");
    db_rows r;
    static const char *const BY_NAME =
        "SELECT id, calcom_event_type_id, COALESCE(display_name, name), COALESCE(duration_minutes, duration, 30)"
        " FROM services WHERE company_id = ? AND deleted_at IS NULL AND is_active = 1 AND calcom_event_type_id IS NOT NULL"
        " AND (LOWER(name) = LOWER(?) OR LOWER(slug) = LOWER(?) OR LOWER(calcom_name) = LOWER(?)"
        "      OR LOWER(name) LIKE CONCAT('%', LOWER(?), '%'))"
        " ORDER BY LOWER(name) = LOWER(?) DESC, priority, id LIMIT 1";
    static const char *const DEFAULT =
        "SELECT id, calcom_event_type_id, COALESCE(display_name, name), COALESCE(duration_minutes, duration, 30)"
        " FROM services WHERE company_id = ? AND deleted_at IS NULL AND is_active = 1 AND calcom_event_type_id IS NOT NULL"
        " ORDER BY is_default DESC, priority, id LIMIT 1";
    if (want) {
        db_param p[] = {db_int(c->company), db_str(want), db_str(want), db_str(want), db_str(want), db_str(want)};
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
    say(c, 0, "error", rc == -2 ? "Entschuldigung, die Uhrzeit habe ich nicht verstanden. Können Sie sie bitte wiederholen?"
                                : "Entschuldigung, ich konnte das Datum nicht verstehen. Können Sie es bitte noch einmal sagen?",
        "\"bestaetigung_status\":\"error\"");
    return 0;
}

/* slots as JSON members: "slots":[{start, spoken}], "available_slots":["HH:MM"] */
static const char *slots_json(fn_ctx *c, const int64_t *v, size_t n, size_t max)
{
    buf b = BUF_INIT;
    buf_puts(&b, "\"slots\":[");
    for (size_t i = 0; i < n && i < max; i++) {
        buf_printf(&b, "%s{\"start\":\"%s\",\"spoken\":", i ? "," : "", local_iso(c, v[i]));
        json_buf_str(&b, spoken(c, v[i]));
        buf_putc(&b, '}');
    }
    buf_puts(&b, "],\"available_slots\":[");
    for (size_t i = 0; i < n; i++) {
        struct tm tm;
        time_local(v[i], c->tz, &tm);
        buf_printf(&b, "%s\"%02d:%02d\"", i ? "," : "", tm.tm_hour, tm.tm_min);
    }
    buf_putc(&b, ']');
    const char *s = arena_strdup(c->a, buf_cstr(&b));
    buf_free(&b);
    return s;
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

static int say_calcom_down(fn_ctx *c, const char *err)
{
    log_msg("warn", "function call %s: Cal.com unavailable: %s", c->retell_call_id, err);
    say(c, 0, "error", "Entschuldigung, das Buchungssystem ist gerade nicht erreichbar. Ich notiere Ihren Wunsch, "
                       "und wir rufen Sie zurück.", "\"bestaetigung_status\":\"error\"");
    return 0;
}

/* ---- functions ---- */

static int fn_check_customer(fn_ctx *c)
{
    db_rows r;
    db_param p = db_int((long long)c->call_row);
    if (db_query(c->app->db, c->a,
                 "SELECT cu.id, cu.name, cu.phone, cu.email FROM calls ca JOIN customers cu ON cu.id = ca.customer_id"
                 " AND cu.company_id = ca.company_id AND cu.deleted_at IS NULL WHERE ca.id = ?",
                 &p, 1, &r) != 0)
        return say(c, 0, "error", "Entschuldigung, einen Moment bitte, da hakt gerade etwas.", NULL);
    if (!r.nrows)
        return say(c, 0, "not_found", "Neuer Kunde", "\"customer_exists\":false,\"suggested_action\":\"collect_customer_data\"");
    buf b = BUF_INIT;
    buf_printf(&b, "\"customer_exists\":true,\"customer\":{\"id\":%s,\"name\":", db_cell(&r, 0, 0));
    json_buf_str(&b, db_cell(&r, 0, 1));
    buf_puts(&b, ",\"phone\":");
    json_buf_str(&b, db_cell(&r, 0, 2));
    buf_puts(&b, ",\"email\":");
    json_buf_str(&b, db_cell(&r, 0, 3));
    buf_putc(&b, '}');
    say(c, 1, "found", arena_printf(c->a, "Willkommen zurück, %s!", db_cell(&r, 0, 1)), buf_cstr(&b));
    buf_free(&b);
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
        return say(c, 0, "error", "Entschuldigung, einen Moment bitte, da hakt gerade etwas.", NULL);
    buf list = BUF_INIT, spoken_list = BUF_INIT;
    buf_puts(&list, "\"services\":[");
    for (size_t i = 0; i < r.nrows; i++) {
        buf_printf(&list, "%s{\"id\":%s,\"name\":", i ? "," : "", db_cell(&r, i, 0));
        json_buf_str(&list, db_cell(&r, i, 1));
        buf_printf(&list, ",\"duration_minutes\":%s,\"price\":%s}", db_cell(&r, i, 2), db_cell(&r, i, 3) ? db_cell(&r, i, 3) : "null");
        buf_printf(&spoken_list, "%s%s", i == 0 ? "" : i + 1 == r.nrows ? " und " : ", ", db_cell(&r, i, 1));
    }
    buf_putc(&list, ']');
    say(c, r.nrows > 0, r.nrows ? "ok" : "none",
        r.nrows ? arena_printf(c->a, "Wir bieten an: %s.", buf_cstr(&spoken_list)) : "Derzeit sind keine Leistungen buchbar.",
        buf_cstr(&list));
    buf_free(&list);
    buf_free(&spoken_list);
    return 0;
}

static int fn_check_availability(fn_ctx *c, int alternatives_only)
{
    service s;
    int found = find_service(c, &s);
    if (found < 0) return say(c, 0, "error", "Entschuldigung, einen Moment bitte, da hakt gerade etwas.", NULL);
    if (!found) return say(c, 0, "error", "Diese Leistung kann ich leider nicht finden. Welche Leistung wünschen Sie?", "\"available_slots\":[]");
    wish w;
    int rc = read_wish(c, &w);
    if (rc != 0) return say_bad_wish(c, rc);
    if (!w.have_date) return say(c, 0, "need_date", "Für welchen Tag möchten Sie einen Termin?", "\"available_slots\":[]");
    int64_t *v;
    size_t n;
    char err[256];
    calcom_result cr = day_slots(c, &s, &w.day, &v, &n, err, sizeof err);
    if (cr != CALCOM_OK) return say_calcom_down(c, err);
    const char *date = arena_printf(c->a, "\"service\":\"%s\",\"date\":\"%04d-%02d-%02d\"", s.name, w.day.year, w.day.month, w.day.day);
    if (n == 0)
        return say(c, 0, "unavailable", arena_printf(c->a, "Am %02d.%02d.%04d ist leider nichts mehr frei. Möchten Sie einen anderen Tag probieren?",
                                                     w.day.day, w.day.month, w.day.year),
                   arena_printf(c->a, "\"available\":false,%s,%s", date, slots_json(c, v, 0, 0)));
    if (w.have_time && !alternatives_only) {
        for (size_t i = 0; i < n; i++)
            if (v[i] == w.at) /* to the minute, in the tenant's zone */
                return say(c, 1, "available", arena_printf(c->a, "Ja, %s ist noch frei.", spoken(c, w.at)),
                           arena_printf(c->a, "\"available\":true,%s,\"requested\":\"%s\",%s", date, local_iso(c, w.at),
                                        slots_json(c, &v[i], 1, 1)));
        int64_t alt[2];
        size_t k = nearest(v, n, w.at, alt);
        return say(c, 0, "unavailable",
                   k == 2 ? arena_printf(c->a, "Um %02d:%02d Uhr ist leider schon vergeben. Frei wäre %s oder %s.", w.hour, w.minute,
                                         spoken(c, alt[0]), spoken(c, alt[1]))
                          : arena_printf(c->a, "Um %02d:%02d Uhr ist leider schon vergeben. Frei wäre %s.", w.hour, w.minute, spoken(c, alt[0])),
                   arena_printf(c->a, "\"available\":false,%s,\"alternatives\":[%s%s%s],%s", date,
                                arena_printf(c->a, "\"%s\"", local_iso(c, alt[0])), k == 2 ? "," : "",
                                k == 2 ? arena_printf(c->a, "\"%s\"", local_iso(c, alt[1])) : "", slots_json(c, alt, k, 2)));
    }
    buf times = BUF_INIT;
    for (size_t i = 0; i < n && i < 5; i++) {
        struct tm tm;
        time_local(v[i], c->tz, &tm);
        buf_printf(&times, "%s%02d:%02d Uhr", i == 0 ? "" : (i + 1 == n || i == 4) ? " und " : ", ", tm.tm_hour, tm.tm_min);
    }
    struct tm day;
    time_local(v[0], c->tz, &day);
    say(c, 1, "available", arena_printf(c->a, "Am %s, %d. %s sind frei: %s.", de_weekday(day.tm_wday), day.tm_mday,
                                        de_month(day.tm_mon), buf_cstr(&times)),
        arena_printf(c->a, "\"available\":true,%s,%s", date, slots_json(c, v, n, 5)));
    buf_free(&times);
    return 0;
}


static int book(fn_ctx *c, const service *s, int64_t at, const char *name, const char *email, const char *notes,
                 int collect_style)
{
    sb_db *db = c->app->db;
    char raw[200], key[65];
    snprintf(raw, sizeof raw, "%s|%lld|%lld", c->retell_call_id, (long long)at, s->id);
    sig_sha256_hex(raw, strlen(raw), key);
    const char *phone = ARG(c, "customer_phone", "telefonnummer", "phone");
    char e164[PHONE_MAX];
    if (!phone || phone_normalize(phone, phone_country_code(c->app->cfg.phone_default_country), e164) != 0)
        phone = c->caller;
    else
        phone = arena_strdup(c->a, e164);
    db_param ins[] = {db_str(key), db_int((long long)c->call_row), db_int(c->company), db_int(s->id), db_int(at),
                      db_str(name), db_str(phone), db_str(email && !customer_email_is_placeholder(email) ? email : NULL)};
    uint64_t affected = 0;
    if (db_exec(db,
                "INSERT IGNORE INTO switchboard_phone_bookings (idem_key, call_id, company_id, service_id, starts_at_unix,"
                " customer_name, customer_phone, customer_email, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')",
                ins, 8, NULL, &affected) != 0)
        return say(c, 0, "error", "Entschuldigung, einen Moment bitte, da hakt gerade etwas.", NULL);
    db_param k = db_str(key);
    db_rows r;
    if (!affected) {
        /* the same booking asked again (Retell retried): wait for the first attempt, then answer the same */
        for (int i = 0; i < 50; i++) {
            if (db_query(db, c->a, "SELECT status, calcom_uid FROM switchboard_phone_bookings WHERE idem_key = ?", &k, 1, &r) != 0)
                return say(c, 0, "error", "Entschuldigung, einen Moment bitte, da hakt gerade etwas.", NULL);
            if (strcmp(db_cell(&r, 0, 0), "pending") != 0) break;
            usleep(100000);
        }
        if (!strcmp(db_cell(&r, 0, 0), "booked"))
            return say(c, 1, "booked", arena_printf(c->a, "Ihr Termin %s ist gebucht.", spoken(c, at)),
                       arena_printf(c->a, "\"booking_uid\":\"%s\",\"appointment_id\":\"%s\",\"bestaetigung_status\":\"confirmed\"",
                                    db_cell(&r, 0, 1), db_cell(&r, 0, 1)));
        if (!strcmp(db_cell(&r, 0, 0), "pending"))
            return say(c, 0, "in_progress", "Ihr Termin wird gerade gebucht, einen kleinen Moment bitte.", NULL);
        db_exec(db, "UPDATE switchboard_phone_bookings SET status = 'pending', error = NULL WHERE idem_key = ?", &k, 1, NULL, NULL);
    }
    char meta[400], err[256];
    snprintf(meta, sizeof meta, "{\"source\":\"retell\",\"retell_call_id\":\"%s\",\"switchboard_idempotency_key\":\"%s\"}",
             c->retell_call_id, key);
    calcom_booking cb;
    calcom_result cr = calcom_book(&c->cal, c->a, s->event_type, at, name, phone, email && !customer_email_is_placeholder(email) ? email : NULL,
                                   c->tz, notes ? notes : "Telefonisch gebucht über KI-Assistentin", meta, &cb, err, sizeof err);
    if (cr != CALCOM_OK) {
        db_param f[] = {db_str(err), k};
        db_exec(db, "UPDATE switchboard_phone_bookings SET status = 'failed', error = ? WHERE idem_key = ?", f, 2, NULL, NULL);
        if (cr == CALCOM_UNAVAILABLE) return say_calcom_down(c, err);
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
        return say(c, 0, collect_style ? "unavailable" : "slot_taken",
                   na ? arena_printf(c->a, "Dieser Termin wurde gerade vergeben. %s wäre noch frei.", spoken(c, alt[0]))
                      : "Dieser Termin wurde gerade vergeben, und an dem Tag ist leider nichts mehr frei.",
                   arena_printf(c->a, "\"error\":\"slot_taken\",\"bestaetigung_status\":\"unavailable\",%s", slots_json(c, alt, na, 2)));
    }
    db_param ok[] = {db_str(cb.uid), db_int(cb.id), db_int(cb.end ? cb.end : at + s->minutes * 60), k};
    db_exec(db, "UPDATE switchboard_phone_bookings SET status = 'booked', calcom_uid = ?, calcom_id = ?, ends_at_unix = ?"
                " WHERE idem_key = ?", ok, 4, NULL, NULL);
    uint64_t appt = phone_booking_write(c->app, c->a, key);
    if (!appt) {
        /* the slot is booked in Cal.com: the caller hears so; the row is repaired by the pipeline */
        log_msg("error", "phone booking %s (Cal.com %s): local write failed: %s; queued for repair", key, cb.uid, db_error(db));
        webhook_event ev = {"switchboard", "phone_booking_repair", arena_strdup(c->a, key),
                            arena_printf(c->a, "switchboard:phone_booking_repair:%s", key), c->req->request_id, "{}",
                            arena_printf(c->a, "{\"idem_key\":\"%s\",\"calcom_uid\":\"%s\"}", key, cb.uid), 0, http_now_us()};
        ev.payload_len = strlen(ev.payload);
        uint64_t id;
        if (webhook_store(db, c->a, &ev, &id) == WEBHOOK_STORE_FAILED) spool_write(c->app->cfg.spool_dir, &ev);
    }
    say(c, 1, "booked", arena_printf(c->a, "Perfekt! Ihr Termin für %s am %s ist gebucht.", s->name, spoken(c, at)),
        arena_printf(c->a, "\"booking_uid\":\"%s\",\"appointment_id\":\"%s\",\"start\":\"%s\",\"end\":\"%s\","
                           "\"bestaetigung_status\":\"confirmed\",\"next_steps\":\"Sie erhalten eine Bestätigung per SMS.\"",
                     cb.uid, cb.uid, local_iso(c, at), local_iso(c, cb.end ? cb.end : at + s->minutes * 60)));
    return 0;
}

static int fn_book(fn_ctx *c, int collect_style)
{
    service s;
    int found = find_service(c, &s);
    if (found < 0) return say(c, 0, "error", "Entschuldigung, einen Moment bitte, da hakt gerade etwas.", NULL);
    if (!found) return say(c, 0, "error", "Diese Leistung kann ich leider nicht finden. Welche Leistung wünschen Sie?", NULL);
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
        if (cr != CALCOM_OK) return say_calcom_down(c, err);
        for (size_t i = 0; i < n; i++)
            if (v[i] == w.at)
                return say(c, 1, "available",
                           arena_printf(c->a, "Der Termin für %s am %s ist frei. Soll ich ihn für Sie buchen?", s.name, spoken(c, w.at)),
                           "\"bestaetigung_status\":\"pending\",\"next_steps\":\"Bitte bestätigen lassen und mit bestaetigung=true erneut aufrufen.\"");
        int64_t alt[2];
        size_t k = nearest(v, n, w.at, alt);
        return say(c, 0, k ? "unavailable" : "no_availability",
                   k ? arena_printf(c->a, "Der Termin am %s ist leider nicht verfügbar. Frei wäre %s.", spoken(c, w.at), spoken(c, alt[0]))
                     : "An diesem Tag sind leider keine freien Termine mehr. Möchten Sie einen anderen Tag probieren?",
                   arena_printf(c->a, "\"bestaetigung_status\":\"unavailable\",%s", slots_json(c, alt, k, 2)));
    }
    book(c, &s, w.at, name, email, ARG(c, "notes", "kundenpraeferenzen"), collect_style);
    return 0;
}

/* The caller's next appointment in the tenant (optionally on the named day) that Cal.com knows. */
typedef struct caller_appt {
    uint64_t id;
    const char *uid;
    int64_t start;
} caller_appt;

static int find_caller_appointment(fn_ctx *c, const wish *w, caller_appt *out)
{
    const char *sql = "SELECT a.id, a.calcom_v2_booking_id, UNIX_TIMESTAMP(a.starts_at) FROM appointments a"
                      " JOIN calls ca ON ca.id = ? JOIN customers cu ON cu.id = a.customer_id"
                      " WHERE a.company_id = ca.company_id AND a.deleted_at IS NULL"
                      " AND a.status NOT IN ('cancelled','completed','no_show') AND a.calcom_v2_booking_id IS NOT NULL"
                      " AND a.starts_at > NOW() AND (a.customer_id = ca.customer_id OR (ca.from_number IS NOT NULL AND"
                      "  cu.phone IN (ca.from_number, CONCAT('0', SUBSTRING(ca.from_number, 4)))))"
                      " AND (? = 0 OR UNIX_TIMESTAMP(a.starts_at) BETWEEN ? AND ? + 86399) ORDER BY a.starts_at LIMIT 1";
    int64_t day0 = 0;
    if (w->have_date) local_to_epoch(&w->day, 0, 0, c->tz, &day0);
    db_param p[] = {db_int((long long)c->call_row), db_int(w->have_date), db_int(day0), db_int(day0)};
    db_rows r;
    if (db_query(c->app->db, c->a, sql, p, 4, &r) != 0) return -1;
    if (!r.nrows) return 0;
    out->id = strtoull(db_cell(&r, 0, 0), NULL, 10);
    out->uid = db_cell(&r, 0, 1);
    out->start = atoll(db_cell(&r, 0, 2));
    return 1;
}

/* The caller's appointment, or 0 after telling the caller why there is none. */
static int caller_appointment_or_say(fn_ctx *c, const wish *w, caller_appt *out)
{
    int found = find_caller_appointment(c, w, out);
    if (found < 0) say(c, 0, "error", "Entschuldigung, einen Moment bitte, da hakt gerade etwas.", NULL);
    else if (!found) say(c, 0, "not_found", "Ich konnte unter Ihrer Nummer keinen bevorstehenden Termin finden.", NULL);
    return found > 0;
}

static int fn_cancel(fn_ctx *c)
{
    wish w;
    int rc = read_wish(c, &w);
    if (rc != 0) return say_bad_wish(c, rc);
    caller_appt ap;
    if (!caller_appointment_or_say(c, &w, &ap)) return 0;
    uint64_t id = ap.id;
    const char *uid = ap.uid;
    int64_t start = ap.start;
    const char *reason = ARG(c, "reason", "grund", "cancellation_reason");
    char err[256];
    calcom_result cr = calcom_cancel(&c->cal, c->a, uid, reason ? reason : "Telefonisch abgesagt", err, sizeof err);
    if (cr == CALCOM_UNAVAILABLE) return say_calcom_down(c, err);
    if (cr == CALCOM_REFUSED) log_msg("warn", "cancel %s: Cal.com refused (%s); cancelling locally", uid, err);
    audit_cause why = {0, "retell function cancel_appointment"};
    field f[] = {FIELD_TEXT("status", "cancelled"), FIELD_TIME("cancelled_at", (long long)time(NULL)),
                 FIELD_TEXT("cancellation_reason", reason ? reason : "Telefonisch abgesagt")};
    if (db_begin(c->app->db) != 0 || record_update(c->app->db, c->a, "appointments", id, f, 3, c->company, &why, NULL) != 0 ||
        db_commit(c->app->db) != 0) {
        db_rollback(c->app->db);
        /* Cal.com has cancelled; its BOOKING_CANCELLED webhook brings the row in line */
        log_msg("error", "cancel %s: local update failed: %s (the Cal.com webhook will converge)", uid, db_error(c->app->db));
    }
    say(c, 1, "cancelled", arena_printf(c->a, "Ihr Termin am %s wurde storniert.", spoken(c, start)),
        arena_printf(c->a, "\"appointment_id\":%llu,\"booking_uid\":\"%s\"", (unsigned long long)id, uid));
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
    caller_appt ap;
    if (!caller_appointment_or_say(c, &from, &ap)) return 0;
    uint64_t id = ap.id;
    const char *uid = ap.uid;
    int64_t start = ap.start;
    char err[256];
    calcom_booking nb;
    calcom_result cr = calcom_reschedule(&c->cal, c->a, uid, to.at, ARG(c, "reason", "grund"), &nb, err, sizeof err);
    if (cr == CALCOM_UNAVAILABLE) return say_calcom_down(c, err);
    if (cr == CALCOM_REFUSED)
        return say(c, 0, "unavailable", arena_printf(c->a, "%s ist leider nicht frei. Möchten Sie eine andere Uhrzeit?", spoken(c, to.at)), NULL);
    audit_cause why = {0, "retell function reschedule_appointment"};
    field f[] = {FIELD_TIME("previous_starts_at", start), FIELD_TIME("starts_at", nb.start), FIELD_TIME("ends_at", nb.end),
                 FIELD_TEXT("calcom_v2_booking_id", nb.uid), FIELD_INT("calcom_booking_id", nb.id),
                 FIELD_TEXT("status", "rescheduled"), FIELD_TIME("rescheduled_at", (long long)time(NULL))};
    if (db_begin(c->app->db) != 0 || record_update(c->app->db, c->a, "appointments", id, f, 7, c->company, &why, NULL) != 0 ||
        appointment_remember_uid(c->app->db, id, c->company, uid) != 0 ||
        appointment_remember_uid(c->app->db, id, c->company, nb.uid) != 0 || db_commit(c->app->db) != 0) {
        db_rollback(c->app->db);
        log_msg("error", "reschedule %s -> %s: local update failed: %s (the Cal.com webhook will converge)", uid, nb.uid,
                db_error(c->app->db));
    }
    say(c, 1, "rescheduled", arena_printf(c->a, "Ihr Termin ist verschoben auf %s.", spoken(c, nb.start)),
        arena_printf(c->a, "\"appointment_id\":%llu,\"booking_uid\":\"%s\",\"old_time\":\"%s\",\"new_time\":\"%s\"",
                     (unsigned long long)id, nb.uid, local_iso(c, start), local_iso(c, nb.start)));
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

static void strip_version(char *name)
{
    char *v = strrchr(name, '_');
    if (v && v[1] == 'v' && v[2] && strspn(v + 2, "0123456789") == strlen(v + 2)) *v = '\0';
}

#define SAY_RETURN(...)  \
    do {                 \
        say(__VA_ARGS__); \
        return;          \
    } while (0)

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
    if (sr != SIG_OK) {
        snprintf(err, sizeof err, "invalid X-Retell-Signature: %s", sig_result_message(sr));
        http_json_error(resp, 401, err);
        return;
    }
    fn_ctx c = {.app = app, .req = req, .resp = resp, .a = req->pool, .tz = "Europe/Berlin"};
    json_object *root = json_parse_strict(req->body, req->body_len, err, sizeof err);
    if (!root || !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        SAY_RETURN(&c, 0, "error", "Entschuldigung, da ist etwas schiefgegangen. Können Sie das bitte wiederholen?", NULL);
    }
    const char *name = fixed_name;
    if (!name) name = json_get_str(root, "name");
    if (!name) name = json_get_str(root, "function_name");
    json_object *args = json_get(root, "args");
    if (!args) args = json_get(root, "parameters");
    if (!args) args = json_get(root, "arguments");
    if (!args || !json_object_is_type(args, json_type_object)) args = root; /* "args only" */
    c.args = args;
    json_object *call = json_get(root, "call");
    const char *cid = json_get_str(root, "call.call_id");
    if (placeholder_call_id(cid)) cid = json_get_str(args, "call_id");
    if (placeholder_call_id(cid)) cid = json_get_str(root, "call_id");
    if (placeholder_call_id(cid)) cid = NULL;
    if (!name) {
        json_object_put(root);
        SAY_RETURN(&c, 0, "error", "Entschuldigung, da ist etwas schiefgegangen. Welche Auskunft brauchen Sie?", NULL);
    }
    char *fname = arena_strdup(c.a, name);
    strip_version(fname);
    resp->log_event_id = cid ? arena_strdup(c.a, cid) : NULL; /* cid lives in root, freed before the log line */
    if (!cid) {
        json_object_put(root);
        SAY_RETURN(&c, 0, "error", "Entschuldigung, ich kann Ihren Anruf gerade nicht zuordnen. Bitte rufen Sie uns direkt an.",
                   "\"error\":\"no_call_context\"");
    }
    c.retell_call_id = cid;
    /* the call, from our table; Retell's live call object creates it if no webhook came first */
    db_rows r;
    db_param p = db_str(cid);
    static const char *const CALL =
        "SELECT ca.id, ca.company_id, ca.branch_id, ca.from_number, ca.direction, ca.to_number, co.timezone FROM calls ca"
        " LEFT JOIN companies co ON co.id = ca.company_id WHERE ca.retell_call_id = ?";
    if (db_query(app->db, c.a, CALL, &p, 1, &r) == 0 && !r.nrows && call && json_object_is_type(call, json_type_object)) {
        audit_cause why = {0, "retell function call"};
        call_result cr;
        if (db_begin(app->db) == 0) {
            if (call_upsert_retell(app->db, c.a, &app->cfg, call, NULL, &why, &cr, err, sizeof err) == 0) db_commit(app->db);
            else db_rollback(app->db);
        }
        db_query(app->db, c.a, CALL, &p, 1, &r);
    }
    if (!r.nrows || !db_cell(&r, 0, 1)) {
        json_object_put(root);
        SAY_RETURN(&c, 0, "error", "Entschuldigung, ich kann Ihren Anruf gerade nicht zuordnen. Bitte rufen Sie uns direkt an.",
                   "\"error\":\"no_call_context\"");
    }
    c.call_row = strtoull(db_cell(&r, 0, 0), NULL, 10);
    c.company = atoll(db_cell(&r, 0, 1));
    c.branch_id = db_cell(&r, 0, 2);
    const char *dir = db_cell(&r, 0, 4);
    const char *caller_raw = dir && !strcmp(dir, "outbound") ? db_cell(&r, 0, 5) : db_cell(&r, 0, 3);
    char e164[PHONE_MAX];
    if (caller_raw && phone_normalize(caller_raw, phone_country_code(app->cfg.phone_default_country), e164) == 0)
        c.caller = arena_strdup(c.a, e164);
    if (db_cell(&r, 0, 6)) c.tz = db_cell(&r, 0, 6);
    c.cal = (calcom_api){app->cfg.calcom_api_base, calcom_key(&c), (long)app->cfg.calcom_timeout_ms};

    if (!strcmp(fname, "check_customer")) fn_check_customer(&c);
    else if (!strcmp(fname, "list_services")) fn_list_services(&c);
    else if (!strcmp(fname, "check_availability") || !strcmp(fname, "find_next_available")) fn_check_availability(&c, 0);
    else if (!strcmp(fname, "get_alternatives")) fn_check_availability(&c, 1);
    else if (!strcmp(fname, "collect_appointment_data") || !strcmp(fname, "collect_appointment")) fn_book(&c, 1);
    else if (!strcmp(fname, "book_appointment") || !strcmp(fname, "start_booking")) fn_book(&c, 0);
    else if (!strcmp(fname, "cancel_appointment")) fn_cancel(&c);
    else if (!strcmp(fname, "reschedule_appointment")) fn_reschedule(&c);
    else say(&c, 0, "error", "Diese Funktion kenne ich leider nicht.",
             arena_printf(c.a, "\"error\":\"Function '%s' is not supported\"", fname));
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
