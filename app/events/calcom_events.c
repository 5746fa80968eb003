/* calcom_events.c: Cal.com bookings become appointments and customers of the right tenant.
 *
 * One function per trigger family, all running inside the pipeline's
 * transaction (lib/pipeline.h) and writing through lib/record.h (audited).
 * The payload is read raw (LEGACY BEHAVIOR.md §3.1: the legacy validator
 * stripped attendees and responses); MEETING_* may be flat (no "payload").
 *
 * Tenant: payload.eventTypeId -> services / calcom_event_types
 * (lib/tenant.h); unknown -> dead with the id named, replayable once mapped.
 *
 * One appointment per booking chain: looked up inside the tenant by uid,
 * uid-less numeric booking id, external_id (the first uid of the chain), then
 * every uid seen for the chain (switchboard_booking_uids). A reschedule moves
 * the row to the new uid.
 *
 * Out-of-order delivery converges by event time: the row remembers the
 * Cal.com time of the last event that set its state (metadata
 * switchboard.calcom_event_at); an older event only fills empty fields and
 * never moves status, times or uid back. So "cancel, then the late create"
 * stays cancelled, and "reschedule, then the late create" keeps the new time. */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calcom_fields.h"

#include "appointments.h"
#include "customers.h"
#include "phone.h"
#include "record.h"
#include "tenant.h"
#include "timeutil.h"

/* set the event's outcome and leave the handler */
#define FINISH(...)                        \
    do {                                   \
        event_set(res, __VA_ARGS__);       \
        return;                            \
    } while (0)

_Static_assert(CAL_ENDED + 1 == CAL_NKINDS, "cal_kind and CAL_NKINDS agree");

typedef struct appt_row {
    uint64_t id;
    const char *status;
    const char *uid;           /* calcom_v2_booking_id */
    long long starts_at;
    json_object *meta;         /* parsed metadata (owned; put by caller) */
    int64_t last_event_at;
    long long created_at;      /* the row's created_at (Unix seconds) */
} appt_row;

/* The first string of several payload paths. */
static const char *first_str(json_object *o, const char *const *paths, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *s = json_get_str(o, paths[i]);
        if (s && *s) return s;
    }
    return NULL;
}

/* metadata may be an object, a JSON string holding an object (legacy double encoding), or junk. */
json_object *calcom_meta_parse(const char *text)
{
    char err[64];
    if (!text || !*text) return json_object_new_object();
    json_object *m = json_parse_strict(text, strlen(text), err, sizeof err);
    if (!m) {
        json_object *s = json_tokener_parse(text);
        if (s && json_object_is_type(s, json_type_string)) {
            const char *inner = json_object_get_string(s);
            m = json_parse_strict(inner, strlen(inner), err, sizeof err);
        }
        json_object_put(s);
    }
    if (!m || !json_object_is_type(m, json_type_object)) {
        json_object_put(m);
        m = json_object_new_object();
    }
    return m;
}

/* sql has two placeholders: the key, then the company (APPT_SCOPE comes last). */
static int find_row(sb_db *db, arena *a, long long company, const char *sql, db_param key, appt_row *row)
{
    db_param p[] = {key, db_int(company)};
    db_rows r;
    if (db_query(db, a, sql, p, 2, &r) != 0) return -1;
    if (!r.nrows) return 0;
    row->id = strtoull(db_cell(&r, 0, 0), NULL, 10);
    row->status = db_cell(&r, 0, 1);
    row->uid = db_cell(&r, 0, 2);
    row->starts_at = db_cell(&r, 0, 3) ? atoll(db_cell(&r, 0, 3)) : 0;
    row->meta = calcom_meta_parse(db_cell(&r, 0, 4));
    int64_t at = 0;
    json_get_int(row->meta, "switchboard.calcom_event_at", &at);
    row->last_event_at = at;
    row->created_at = db_cell(&r, 0, 5) ? atoll(db_cell(&r, 0, 5)) : 0;
    return 1;
}

#define APPT_COLS "SELECT id, status, calcom_v2_booking_id, UNIX_TIMESTAMP(starts_at), metadata, UNIX_TIMESTAMP(created_at)" \
                  " FROM appointments"
#define APPT_SCOPE " AND company_id = ? AND deleted_at IS NULL"

/* Lookup order (issue: uid, numeric id, external_id; then previous uids). 1 found, 0 not, -1 error. */
static int find_appointment(sb_db *db, arena *a, long long company, const char *uid, long long booking_id,
                            appt_row *row)
{
    memset(row, 0, sizeof *row);
    int rc;
    if (uid && (rc = find_row(db, a, company,
                              APPT_COLS " WHERE calcom_v2_booking_id = ?" APPT_SCOPE " FOR UPDATE",
                              db_str(uid), row)) != 0)
        return rc;
    /* the numeric id identifies rows that have no uid (legacy V1 rows, BEHAVIOR.md §3.9); a row
     * that has a uid is only ever matched by a uid */
    if (booking_id > 0 && (rc = find_row(db, a, company,
                                         APPT_COLS " WHERE calcom_booking_id = ? AND calcom_v2_booking_id IS NULL"
                                                   APPT_SCOPE " FOR UPDATE",
                                         db_int(booking_id), row)) != 0)
        return rc;
    if (uid && (rc = find_row(db, a, company, APPT_COLS " WHERE external_id = ?" APPT_SCOPE " FOR UPDATE",
                              db_str(uid), row)) != 0)
        return rc;
    if (uid)
        return find_row(db, a, company,
                        APPT_COLS " WHERE id = (SELECT appointment_id FROM switchboard_booking_uids WHERE uid = ?)"
                                  APPT_SCOPE " FOR UPDATE",
                        db_str(uid), row);
    return 0;
}

static const char *staff_for_organizer(sb_db *db, arena *a, long long company, int64_t org_id, const char *email)
{
    db_rows r;
    if (org_id > 0) {
        db_param p[] = {db_int(org_id), db_int(company)};
        if (db_query(db, a,
                     "SELECT s.id FROM calcom_host_mappings m JOIN staff s ON s.id = m.staff_id"
                     " WHERE m.calcom_host_id = ? AND m.is_active = 1 AND s.company_id = ? AND s.deleted_at IS NULL"
                     " LIMIT 1",
                     p, 2, &r) == 0 && r.nrows)
            return db_cell(&r, 0, 0);
        char idtxt[24];
        snprintf(idtxt, sizeof idtxt, "%lld", (long long)org_id);
        db_param q[] = {db_int(company), db_str(idtxt)};
        if (db_query(db, a, "SELECT id FROM staff WHERE company_id = ? AND calcom_user_id = ? AND deleted_at IS NULL LIMIT 1",
                     q, 2, &r) == 0 && r.nrows)
            return db_cell(&r, 0, 0);
    }
    if (email) {
        db_param q[] = {db_int(company), db_str(email)};
        if (db_query(db, a, "SELECT id FROM staff WHERE company_id = ? AND email = ? AND deleted_at IS NULL LIMIT 1", q,
                     2, &r) == 0 && r.nrows)
            return db_cell(&r, 0, 0);
    }
    return NULL;
}

static const char *status_of(cal_kind k)
{
    switch (k) {
    case CAL_CREATED: return "confirmed";
    case CAL_REQUESTED: return "pending";
    case CAL_RESCHEDULED: return "rescheduled";
    case CAL_CANCELLED:
    case CAL_REJECTED: return "cancelled";
    case CAL_NO_SHOW: return "no_show";
    case CAL_ENDED: return "completed";
    }
    return "pending";
}

/* The switchboard part of appointments.metadata, merged into what is there. */
const char *calcom_meta_build(arena *a, json_object *meta, json_object *b, const char *trigger, int64_t evt_at,
                              long long event_type_id, const char *prev_uid, int set_event_at, const char *attendee_phone)
{
    json_object *sb = NULL;
    if (!json_object_object_get_ex(meta, "switchboard", &sb) || !json_object_is_type(sb, json_type_object)) {
        sb = json_object_new_object();
        json_object_object_add(meta, "switchboard", sb);
    }
    json_object_object_add(sb, "calcom_event_type_id", json_object_new_int64(event_type_id));
    const char *slug = json_get_str(b, "type");
    if (slug) json_object_object_add(sb, "calcom_event_type_slug", json_object_new_string(slug));
    const char *loc = json_get_str(b, "location");
    if (loc) json_object_object_add(sb, "location", json_object_new_string(loc));
    json_object *pm = json_get(b, "metadata");
    if (pm && json_object_is_type(pm, json_type_object) && json_object_object_length(pm) > 0)
        json_object_object_add(sb, "booking_metadata", json_object_get(pm));
    if (prev_uid) {
        json_object *list = NULL;
        if (!json_object_object_get_ex(sb, "previous_uids", &list) || !json_object_is_type(list, json_type_array)) {
            list = json_object_new_array();
            json_object_object_add(sb, "previous_uids", list);
        }
        int seen = 0;
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            /* stored data: a null or a number in the list reached strcmp(NULL) (issue 15 #7) */
            char idx[24];
            snprintf(idx, sizeof idx, "%zu", i);
            const char *u = json_get_str(list, idx);
            seen |= u && strcmp(u, prev_uid) == 0;
        }
        if (!seen) json_object_array_add(list, json_object_new_string(prev_uid));
    }
    /* D88: the phone of a booking whose customer was found by email stays here, not on the customer */
    if (attendee_phone) json_object_object_add(sb, "attendee_phone", json_object_new_string(attendee_phone));
    if (set_event_at) {
        json_object_object_add(sb, "calcom_event_at", json_object_new_int64(evt_at));
        json_object_object_add(sb, "calcom_last_trigger", json_object_new_string(trigger));
    }
    return arena_strdup(a, json_object_to_json_string_ext(meta, JSON_C_TO_STRING_PLAIN));
}

void calcom_fields_read(json_object *root, cal_kind kind, arena *a, int64_t now, calcom_fields *f)
{
    memset(f, 0, sizeof *f);
    json_object *b = json_get(root, "payload");
    if (!b || !json_object_is_type(b, json_type_object)) b = root; /* flat MEETING_* (PROVENANCE §2) */
    f->b = b;
    f->uid = first_str(b, (const char *const[]){"uid", "bookingUid"}, 2);
    if (!json_get_int(b, "bookingId", &f->booking_id)) json_get_int(b, "id", &f->booking_id);
    f->have_event_type = json_get_int(b, "eventTypeId", &f->event_type);

    /* event time: Cal.com's createdAt of the delivery; flat MEETING_* carry the booking's createdAt, so use its end */
    const char *created = json_get_str(root, "createdAt");
    if (kind == CAL_ENDED || !created || time_parse_iso(created, &f->evt_at) != 0)
        if (time_parse_iso(json_get_str(b, "endTime"), &f->evt_at) != 0) f->evt_at = 0;
    /* when Cal.com says the booking was made: the row is dated then, not when we heard of it (D51) */
    if (!created || time_parse_iso(created, &f->booked_at) != 0 || f->booked_at > now) f->booked_at = 0;
    f->have_times = time_parse_iso(json_get_str(b, "startTime"), &f->starts) == 0 &&
                    time_parse_iso(json_get_str(b, "endTime"), &f->ends) == 0;
    if (kind == CAL_RESCHEDULED) {
        f->prev_uid = first_str(b, (const char *const[]){"rescheduleUid", "fromReschedule", "fromReschedule.uid"}, 3);
        json_get_int(b, "rescheduleId", &f->prev_id);
        if (time_parse_iso(json_get_str(b, "rescheduleStartTime"), &f->prev_start) != 0) f->prev_start = 0;
    }

    /* customer (the first attendee: for seated events the seat that triggered it) */
    f->name = first_str(b, (const char *const[]){"attendees.0.name", "responses.name.value", "responses.name"}, 3);
    f->email = first_str(b, (const char *const[]){"attendees.0.email", "responses.email.value", "responses.email"}, 3);
    f->phone_raw = first_str(b, (const char *const[]){"attendees.0.phoneNumber", "responses.attendeePhoneNumber.value",
                                                      "responses.phone.value", "responses.telefon.value",
                                                      "smsReminderNumber"}, 5);
    /* attendees must be an array: an object here aborted json-c (issue 15 #7) */
    json_object *att = json_get(b, "attendees");
    size_t natt = att && json_object_is_type(att, json_type_array) ? json_object_array_length(att) : 0;
    for (size_t i = 0; i < natt; i++) {
        bool ns = false;
        f->no_show_any |= json_get_bool(json_object_array_get_idx(att, i), "noShow", &ns) && ns;
    }
    if (kind == CAL_CANCELLED) f->reason = first_str(b, (const char *const[]){"cancellationReason"}, 1);
    if (kind == CAL_REJECTED) {
        const char *r = first_str(b, (const char *const[]){"rejectionReason", "cancellationReason"}, 2);
        f->reason = arena_printf(a, "abgelehnt%s%s", r ? ": " : "", r ? r : "");
    }
    f->notes = first_str(b, (const char *const[]){"additionalNotes", "description"}, 2);
    f->tz = first_str(b, (const char *const[]){"attendees.0.timeZone", "organizer.timeZone"}, 2);
    json_get_int(b, "organizer.id", &f->organizer_id);
    f->organizer_email = json_get_str(b, "organizer.email");
}

static void calcom_booking(pipeline *p, arena *a, const stored_event *ev, event_result *res, cal_kind kind)
{
    sb_app *app = p->app;
    sb_db *db = p->db;
    calcom_fields cf;
    calcom_fields_read(ev->json, kind, a, (int64_t)time(NULL), &cf);
    json_object *b = cf.b;
    audit_cause why = {ev->id, arena_printf(a, "calcom %s", ev->event_type)};
    const char *uid = cf.uid;
    int64_t booking_id = cf.booking_id;

    /* tenant */
    tenant t;
    int64_t event_type = cf.event_type;
    if (cf.have_event_type) {
        int found = tenant_by_calcom_event_type(db, a, event_type, &t);
        if (found < 0) FINISH(EVENT_RETRY, "tenant lookup: %s", db_error(db));
        if (!found)
            FINISH(EVENT_DEAD,
                             "unknown Cal.com event type %lld: map it to a service (services.calcom_event_type_id) "
                             "and replay this event", (long long)event_type);
    } else if (kind == CAL_NO_SHOW && uid) {
        /* no-show updates carry no event type; a booking uid is globally unique and unguessable */
        db_rows r;
        db_param u = db_str(uid);
        if (db_query(db, a, "SELECT company_id FROM appointments WHERE calcom_v2_booking_id = ? AND deleted_at IS NULL",
                     &u, 1, &r) != 0)
            FINISH(EVENT_RETRY, "lookup: %s", db_error(db));
        if (!r.nrows) FINISH(EVENT_DEAD, "no-show update for unknown booking %s: replay after the booking arrived", uid);
        memset(&t, 0, sizeof t);
        t.company_id = atoll(db_cell(&r, 0, 0));
    } else {
        FINISH(EVENT_DEAD, "payload has no eventTypeId: cannot tell which company the booking belongs to");
    }
    res->company_id = t.company_id;
    if (!uid) FINISH(EVENT_DEAD, "payload has no booking uid");

    int64_t evt_at = cf.evt_at, starts = cf.starts, ends = cf.ends, booked_at = cf.booked_at;
    int have_times = cf.have_times;
    if (!have_times && (kind == CAL_CREATED || kind == CAL_REQUESTED || kind == CAL_RESCHEDULED))
        FINISH(EVENT_DEAD, "payload.startTime/endTime missing or not ISO 8601");

    /* the existing row: for a reschedule, the original booking first */
    appt_row row;
    const char *prev_uid = NULL;
    int found = 0;
    if (kind == CAL_RESCHEDULED) {
        prev_uid = cf.prev_uid;
        if (prev_uid || cf.prev_id) found = find_appointment(db, a, t.company_id, prev_uid, cf.prev_id, &row);
    }
    if (!found) found = find_appointment(db, a, t.company_id, uid, booking_id, &row);
    if (found < 0) FINISH(EVENT_RETRY, "appointment lookup: %s", db_error(db));

    /* a row that moved on to a newer uid: events for the old uid no longer steer it */
    int superseded = found && row.uid && strcmp(row.uid, uid) != 0 && !(kind == CAL_RESCHEDULED && prev_uid &&
                                                                       strcmp(row.uid, prev_uid) == 0);
    int apply_state = !found || (!superseded && evt_at >= row.last_event_at);

    /* customer (the first attendee: for seated events the seat that triggered it) */
    const char *name = cf.name, *email = cf.email, *phone_raw = cf.phone_raw;
    char phone[PHONE_MAX];
    const char *cc = phone_country_code(app->cfg.phone_default_country);
    int have_phone = phone_normalize(phone_raw, cc, phone) == 0;
    uint64_t customer_id = 0;
    int created_customer = 0, phone_kept = 0;
    if (!found || kind != CAL_NO_SHOW) {
        customer_input ci = {t.company_id, name, email, have_phone ? phone : NULL, "cal.com"};
        if (customer_find_or_create(db, a, &ci, cc, &why, &customer_id, &created_customer, &phone_kept) != 0)
            FINISH(EVENT_RETRY, "customer: %s", db_error(db));
    }

    /* the target status of this event */
    const char *status = status_of(kind);
    if (kind == CAL_NO_SHOW) {
        int any = cf.no_show_any;
        /* un-marking a no-show restores the booking; it never reopens a cancelled or completed one */
        status = any ? "no_show" : (found && row.status && !strcmp(row.status, "no_show")) ? "confirmed"
                                                                                           : (found ? row.status : "confirmed");
    }
    const char *cur = found ? row.status : NULL;
    if (found && apply_state) {
        /* transitions that an in-order event must still not make */
        if (kind == CAL_CREATED && cur && strcmp(cur, "pending") != 0) status = cur;  /* confirm only a request */
        if (kind == CAL_REQUESTED) status = cur;                                       /* never demote */
        if (kind == CAL_ENDED && (!strcmp(cur, "cancelled") || !strcmp(cur, "no_show"))) status = cur;
    }
    const char *reason = cf.reason, *notes = cf.notes, *tz = cf.tz;
    const char *staff = staff_for_organizer(db, a, t.company_id, cf.organizer_id, cf.organizer_email);
    int64_t host = cf.organizer_id;

    if (!found) {
        json_object *meta = json_object_new_object();
        const char *meta_text = calcom_meta_build(a, meta, b, ev->event_type, evt_at, event_type, prev_uid, 1,
                                           phone_kept ? phone : NULL);
        json_object_put(meta);
        field f[24];
        size_t n = 0;
        f[n++] = FIELD_INT("company_id", t.company_id);
        f[n++] = FIELD_TEXT("branch_id", t.branch_id);
        f[n++] = FIELD_INT("customer_id", (long long)customer_id);
        if (t.service_id) f[n++] = FIELD_INT("service_id", t.service_id);
        if (staff) f[n++] = FIELD_TEXT("staff_id", staff);
        if (have_times) {
            f[n++] = FIELD_TIME("starts_at", starts);
            f[n++] = FIELD_TIME("ends_at", ends);
        }
        f[n++] = FIELD_TEXT("status", status);
        f[n++] = FIELD_TEXT("source", "cal.com");
        f[n++] = FIELD_TEXT("calcom_v2_booking_id", uid);
        if (booking_id > 0) f[n++] = FIELD_INT("calcom_booking_id", booking_id);
        f[n++] = FIELD_TEXT("external_id", prev_uid ? prev_uid : uid); /* the first uid of the chain */
        if (t.local_event_type_id) f[n++] = FIELD_INT("calcom_event_type_id", t.local_event_type_id);
        if (host > 0 && host < 2147483647) f[n++] = FIELD_INT("calcom_host_id", host);
        if (notes) f[n++] = FIELD_TEXT("notes", notes);
        f[n++] = FIELD_TEXT("metadata", meta_text);
        f[n++] = FIELD_TEXT("booking_timezone", tz ? tz : (t.timezone ? t.timezone : "Europe/Berlin"));
        if (booked_at > 0) f[n++] = FIELD_TIME("created_at", booked_at);
        if (kind == CAL_CANCELLED || kind == CAL_REJECTED) {
            f[n++] = FIELD_TIME("cancelled_at", evt_at);
            f[n++] = FIELD_TEXT("cancellation_reason", reason);
        }
        if (kind == CAL_RESCHEDULED) {
            f[n++] = FIELD_TIME("rescheduled_at", evt_at);
            if (cf.prev_start) f[n++] = FIELD_TIME("previous_starts_at", cf.prev_start);
        }
        uint64_t id;
        if (record_insert(db, a, "appointments", f, n, t.company_id, &why, &id) != 0 ||
            appointment_remember_uid(db, id, t.company_id, uid) != 0 || appointment_remember_uid(db, id, t.company_id, prev_uid) != 0)
            FINISH(EVENT_RETRY, "appointment insert: %s", db_error(db));
        if (app_link_conversions(p, a, t.company_id, "appointments", id) != 0) FINISH(EVENT_RETRY, "linker: %s", db_error(db));
        FINISH(EVENT_PROCESSED, "App\\Models\\Appointment:%llu created (%s)%s", (unsigned long long)id,
                         status, created_customer ? ", new customer" : "");
    }

    field f[20];
    size_t n = 0;
    if (apply_state) {
        f[n++] = FIELD_TEXT("status", status);
        if (have_times && (kind == CAL_CREATED || kind == CAL_REQUESTED || kind == CAL_RESCHEDULED)) {
            if (kind == CAL_RESCHEDULED && row.starts_at && row.starts_at != starts)
                f[n++] = FIELD_TIME("previous_starts_at", row.starts_at);
            f[n++] = FIELD_TIME("starts_at", starts);
            f[n++] = FIELD_TIME("ends_at", ends);
        }
        if (kind == CAL_RESCHEDULED) {
            f[n++] = FIELD_TEXT("calcom_v2_booking_id", uid);
            if (booking_id > 0) f[n++] = FIELD_INT("calcom_booking_id", booking_id);
            f[n++] = FIELD_TIME("rescheduled_at", evt_at);
        }
        if (kind == CAL_CANCELLED || kind == CAL_REJECTED) {
            f[n++] = FIELD_TIME("cancelled_at", evt_at);
            f[n++] = FIELD_TEXT("cancellation_reason", reason);
        }
    }
    /* the attendee of the current state owns the appointment; older events only fill */
    if (customer_id && apply_state) f[n++] = FIELD_INT("customer_id", (long long)customer_id);
    /* a row written before Cal.com's creation event (the phone path) was made no later than Cal.com says */
    if ((kind == CAL_CREATED || kind == CAL_REQUESTED) && booked_at > 0 && booked_at < row.created_at)
        f[n++] = FIELD_TIME("created_at", booked_at);
    if (t.service_id) f[n++] = (field){"service_id", F_INT, NULL, t.service_id, true};
    if (staff) f[n++] = FIELD_FILL_TEXT("staff_id", staff);
    if (notes) f[n++] = FIELD_FILL_TEXT("notes", notes);
    if (t.branch_id) f[n++] = FIELD_FILL_TEXT("branch_id", t.branch_id);
    const char *meta_text = calcom_meta_build(a, row.meta, b, ev->event_type, evt_at, event_type,
                                       kind == CAL_RESCHEDULED && prev_uid ? prev_uid : NULL, apply_state,
                                       phone_kept ? phone : NULL);
    json_object_put(row.meta);
    f[n++] = FIELD_TEXT("metadata", meta_text);
    int changed = 0;
    if (record_update(db, a, "appointments", row.id, f, n, t.company_id, &why, &changed) != 0 ||
        appointment_remember_uid(db, row.id, t.company_id, uid) != 0 ||
        (kind == CAL_RESCHEDULED && appointment_remember_uid(db, row.id, t.company_id, prev_uid) != 0))
        FINISH(EVENT_RETRY, "appointment update: %s", db_error(db));
    if (changed && app_link_conversions(p, a, t.company_id, "appointments", row.id) != 0)
        FINISH(EVENT_RETRY, "linker: %s", db_error(db));
    if (!changed)
        FINISH(EVENT_PROCESSED, "App\\Models\\Appointment:%llu unchanged (already up to date)",
                         (unsigned long long)row.id);
    FINISH(EVENT_PROCESSED, "App\\Models\\Appointment:%llu updated (%s%s)", (unsigned long long)row.id,
                     apply_state ? status : cur, superseded ? "; event of a superseded uid" :
                                                 !apply_state ? "; older event: only filled empty fields" : "");
}

#define CALCOM_HANDLER(fn, kind)                                                          \
    void fn(pipeline *p, arena *a, const stored_event *ev, event_result *res)             \
    {                                                                                     \
        calcom_booking(p, a, ev, res, kind);                                              \
    }
CALCOM_HANDLER(calcom_booking_created, CAL_CREATED)
CALCOM_HANDLER(calcom_booking_requested, CAL_REQUESTED)
CALCOM_HANDLER(calcom_booking_rescheduled, CAL_RESCHEDULED)
CALCOM_HANDLER(calcom_booking_cancelled, CAL_CANCELLED)
CALCOM_HANDLER(calcom_booking_rejected, CAL_REJECTED)
CALCOM_HANDLER(calcom_booking_no_show, CAL_NO_SHOW)
CALCOM_HANDLER(calcom_meeting_ended, CAL_ENDED)
