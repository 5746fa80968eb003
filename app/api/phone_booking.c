/* phone_booking.c: the local half of a phone booking: appointment, customer
 * and the call's conversion columns, from a booked switchboard_phone_bookings
 * row. Called right after Cal.com booked (retell_functions.c) and, when that
 * failed, by the pipeline (`phone_booking_repair` events) until it succeeds.
 * Idempotent: an appointment that already exists for the Cal.com booking
 * (e.g. written by the BOOKING_CREATED webhook first, or moved on by a
 * reschedule) is linked, not duplicated: the same lookup as the webhook path
 * (lib/appointments.h, D196).
 * The customer is the verified caller ID's (the row's caller_phone), its empty
 * fields filled from what was said, or a new one from what was said (D86):
 * spoken details never pick an existing customer. */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "appointments.h"
#include "calls.h"
#include "customers.h"
#include "json.h"
#include "phone.h"
#include "record.h"

/* Write it; own_tx: begin/commit here (0 inside the pipeline's transaction).
 * Returns the appointment id, or 0 (db_error says why). */
static uint64_t write_booking(sb_app *app, arena *a, const char *idem_key, uint64_t event_id, int own_tx)
{
    sb_db *db = app->db;
    if (own_tx && db_begin(db) != 0) return 0;
    db_param k = db_str(idem_key);
    db_rows r;
    static const char *const ROW =
        "SELECT b.call_id, b.company_id, b.service_id, b.starts_at_unix, b.ends_at_unix, b.customer_name, b.customer_phone,"
        " b.customer_email, b.calcom_uid, b.calcom_id, ca.branch_id, s.calcom_event_type_id, ca.retell_call_id, b.caller_phone"
        " FROM switchboard_phone_bookings b JOIN calls ca ON ca.id = b.call_id"
        " LEFT JOIN services s ON s.id = b.service_id WHERE b.idem_key = ? AND b.status = 'booked' FOR UPDATE";
    if (db_query(db, a, ROW, &k, 1, &r) != 0 || !r.nrows) goto fail;
    long long call = atoll(db_cell(&r, 0, 0)), company = atoll(db_cell(&r, 0, 1)), service = atoll(db_cell(&r, 0, 2));
    long long start = atoll(db_cell(&r, 0, 3)), end = db_cell(&r, 0, 4) ? atoll(db_cell(&r, 0, 4)) : start + 1800;
    const char *uid = db_cell(&r, 0, 8);
    audit_cause why = {event_id, "retell phone booking"};
    /* a new customer's phone is the verified caller ID when there is one, else the number said */
    const char *caller = db_cell(&r, 0, 13);
    customer_input ci = {company, db_cell(&r, 0, 5), db_cell(&r, 0, 7), caller ? caller : db_cell(&r, 0, 6), "retell_webhook"};
    uint64_t customer, known = 0;
    int created;
    const char *cc = phone_country_code(app->cfg.phone_default_country);
    if (customer_of_caller(db, a, company, caller, cc, &known) != 0 ||
        customer_from_spoken(db, a, &ci, known, cc, &why, &customer, &created) != 0)
        goto fail;
    /* the webhook path's lookup (D196): a row Cal.com's webhooks wrote first is found by any uid of
     * its chain, also after a reschedule moved it to a newer uid. No numeric id: that key only
     * matches uid-less legacy rows, which a booking Cal.com just gave a uid cannot be, and its
     * locking read made this write deadlock with the pipeline (test_88, 2 of 6 runs) */
    long long calcom_id = db_cell(&r, 0, 9) ? atoll(db_cell(&r, 0, 9)) : 0;
    appt_row ex;
    int found = appointment_find(db, a, company, uid, 0, &ex);
    if (found < 0) goto fail;
    uint64_t appt;
    if (found) { /* Cal.com's webhook was faster: link what it wrote */
        appt = ex.id;
        field f[] = {FIELD_INT("call_id", call), (field){"service_id", F_INT, NULL, service, true}};
        f[0].only_if_empty = true;
        if (appointment_update(db, a, company, appt, f, 2, &why, uid, NULL, NULL) != 0) goto fail;
    } else {
        buf mb = BUF_INIT; /* every value through the JSON writer (issue 15 item 6) */
        buf_puts(&mb, "{\"switchboard\":{");
        json_buf_key(&mb, "booked_by");
        json_buf_str(&mb, "phone");
        json_buf_key(&mb, "retell_call_id");
        json_buf_str(&mb, db_cell(&r, 0, 12));
        json_buf_key(&mb, "idempotency_key");
        json_buf_str(&mb, idem_key);
        buf_puts(&mb, "}}");
        const char *meta = arena_strdup(a, buf_cstr(&mb));
        buf_free(&mb);
        field f[16];
        size_t n = 0;
        f[n++] = FIELD_INT("company_id", company);
        f[n++] = FIELD_TEXT("branch_id", db_cell(&r, 0, 10));
        f[n++] = FIELD_INT("customer_id", (long long)customer);
        f[n++] = FIELD_INT("service_id", service);
        f[n++] = FIELD_TIME("starts_at", start);
        f[n++] = FIELD_TIME("ends_at", end);
        f[n++] = FIELD_TEXT("status", "confirmed");
        f[n++] = FIELD_TEXT("source", "phone");
        f[n++] = FIELD_TEXT("calcom_v2_booking_id", uid);
        if (db_cell(&r, 0, 9)) f[n++] = FIELD_INT("calcom_booking_id", calcom_id);
        f[n++] = FIELD_TEXT("external_id", uid);
        f[n++] = FIELD_INT("call_id", call);
        f[n++] = FIELD_TEXT("metadata", meta);
        if (appointment_insert(db, a, company, f, n, &why, uid, NULL, &appt) != 0) goto fail;
    }
    if (call_mark_booked(db, a, company, (uint64_t)call, appt, customer, &why) != 0) goto fail;
    db_param done[] = {db_int((long long)appt), k};
    if (db_exec(db, "UPDATE switchboard_phone_bookings SET appointment_id = ? WHERE idem_key = ?", done, 2, NULL, NULL) != 0) goto fail;
    if (own_tx && db_commit(db) != 0) return 0;
    return appt;
fail:
    if (own_tx) db_rollback(db);
    return 0;
}

uint64_t phone_booking_write(sb_app *app, arena *a, const char *idem_key)
{
    return write_booking(app, a, idem_key, 0, 1);
}

/* pipeline handler of `switchboard phone_booking_repair` events */
void phone_booking_repair(pipeline *p, arena *a, const stored_event *ev, event_result *res)
{
    const char *key = json_get_str(ev->json, "idem_key");
    if (!key) {
        event_set(res, EVENT_DEAD, "repair event without idem_key");
        return;
    }
    uint64_t appt = write_booking(p->app, a, key, ev->id, 0);
    if (!appt) {
        event_set(res, EVENT_RETRY, "phone booking %s: local write failed: %s", key, db_error(p->db));
        return;
    }
    event_set(res, EVENT_PROCESSED, "App\\Models\\Appointment:%llu written for the phone booking", (unsigned long long)appt);
}
