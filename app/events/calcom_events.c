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
 * Parse -> decide -> write (D197): calcom_fields_read (the event's JSON),
 * the tenant, the chain's row (lib/appointments.h: one appointment per
 * booking chain, the same lookup as the phone path), calcom_decide
 * (lib/calcom_decide.h: pure; the out-of-order and transition rules live
 * there), then the customer, the staff and the row through
 * appointment_insert/appointment_update (audited). */
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

/* ---- parse -> decide -> write ---- */

/* The tenant of the event: its event type, or for a no-show update (which carries none) the
 * company of the booking uid. 1 found; 0 res finished (dead or retry). */
static int event_tenant(sb_db *db, arena *a, const calcom_fields *cf, cal_kind kind, event_result *res, tenant *t)
{
    if (cf->have_event_type) {
        int found = tenant_by_calcom_event_type(db, a, cf->event_type, t);
        if (found < 0) return event_set(res, EVENT_RETRY, "tenant lookup: %s", db_error(db)), 0;
        if (!found)
            return event_set(res, EVENT_DEAD,
                             "unknown Cal.com event type %lld: map it to a service (services.calcom_event_type_id) "
                             "and replay this event", (long long)cf->event_type), 0;
        return 1;
    }
    if (kind == CAL_NO_SHOW && cf->uid) {
        memset(t, 0, sizeof *t);
        int found = appointment_company_of_uid(db, a, cf->uid, &t->company_id);
        if (found < 0) return event_set(res, EVENT_RETRY, "lookup: %s", db_error(db)), 0;
        if (!found) return event_set(res, EVENT_DEAD, "no-show update for unknown booking %s: replay after the booking arrived", cf->uid), 0;
        return 1;
    }
    return event_set(res, EVENT_DEAD, "payload has no eventTypeId: cannot tell which company the booking belongs to"), 0;
}

/* The chain's row: for a reschedule the original booking first. 1, 0, -1 as appointment_find. */
static int find_chain(sb_db *db, arena *a, long long company, const calcom_fields *cf, cal_kind kind, appt_row *row)
{
    int found = 0;
    if (kind == CAL_RESCHEDULED && (cf->prev_uid || cf->prev_id))
        found = appointment_find(db, a, company, cf->prev_uid, cf->prev_id, row);
    if (!found) found = appointment_find(db, a, company, cf->uid, cf->booking_id, row);
    return found;
}

/* What the write needs besides the event and the decision. */
typedef struct booking_ctx {
    pipeline *p;
    arena *a;
    const stored_event *ev;
    event_result *res;
    cal_kind kind;
    const calcom_fields *cf;
    const cal_decision *d;
    tenant t;
    audit_cause why;
    uint64_t customer_id;
    int created_customer;
    const char *kept_phone;    /* the attendee's phone kept in metadata (D88), or NULL */
    const char *staff;
} booking_ctx;

static void write_insert(booking_ctx *x)
{
    const calcom_fields *cf = x->cf;
    const cal_decision *d = x->d;
    event_result *res = x->res;
    sb_db *db = x->p->db;
    const tenant *t = &x->t;
    json_object *meta = json_object_new_object();
    const char *meta_text = calcom_meta_build(x->a, meta, cf->b, x->ev->event_type, cf->evt_at, cf->event_type, d->chain_prev, 1,
                                              x->kept_phone);
    json_object_put(meta);
    field f[24];
    size_t n = 0;
    f[n++] = FIELD_INT("company_id", t->company_id);
    f[n++] = FIELD_TEXT("branch_id", t->branch_id);
    f[n++] = FIELD_INT("customer_id", (long long)x->customer_id);
    if (t->service_id) f[n++] = FIELD_INT("service_id", t->service_id);
    if (x->staff) f[n++] = FIELD_TEXT("staff_id", x->staff);
    if (d->set_times) {
        f[n++] = FIELD_TIME("starts_at", cf->starts);
        f[n++] = FIELD_TIME("ends_at", cf->ends);
    }
    f[n++] = FIELD_TEXT("status", d->status);
    f[n++] = FIELD_TEXT("source", "cal.com");
    f[n++] = FIELD_TEXT("calcom_v2_booking_id", cf->uid);
    if (cf->booking_id > 0) f[n++] = FIELD_INT("calcom_booking_id", cf->booking_id);
    f[n++] = FIELD_TEXT("external_id", d->chain_prev ? d->chain_prev : cf->uid); /* the first uid of the chain */
    if (t->local_event_type_id) f[n++] = FIELD_INT("calcom_event_type_id", t->local_event_type_id);
    if (cf->organizer_id > 0 && cf->organizer_id < 2147483647) f[n++] = FIELD_INT("calcom_host_id", cf->organizer_id);
    if (cf->notes) f[n++] = FIELD_TEXT("notes", cf->notes);
    f[n++] = FIELD_TEXT("metadata", meta_text);
    f[n++] = FIELD_TEXT("booking_timezone", cf->tz ? cf->tz : (t->timezone ? t->timezone : "Europe/Berlin"));
    if (cf->booked_at > 0) f[n++] = FIELD_TIME("created_at", cf->booked_at);
    if (d->set_cancelled) {
        f[n++] = FIELD_TIME("cancelled_at", cf->evt_at);
        f[n++] = FIELD_TEXT("cancellation_reason", cf->reason);
    }
    if (x->kind == CAL_RESCHEDULED) {
        f[n++] = FIELD_TIME("rescheduled_at", cf->evt_at);
        if (cf->prev_start) f[n++] = FIELD_TIME("previous_starts_at", cf->prev_start);
    }
    uint64_t id;
    if (appointment_insert(db, x->a, t->company_id, f, n, &x->why, cf->uid, d->chain_prev, &id) != 0)
        FINISH(EVENT_RETRY, "appointment insert: %s", db_error(db));
    if (app_link_conversions(x->p, x->a, t->company_id, "appointments", id) != 0) FINISH(EVENT_RETRY, "linker: %s", db_error(db));
    FINISH(EVENT_PROCESSED, "App\\Models\\Appointment:%llu created (%s)%s", (unsigned long long)id, d->status,
           x->created_customer ? ", new customer" : "");
}

static void write_update(booking_ctx *x, const appt_row *row, json_object *row_meta)
{
    const calcom_fields *cf = x->cf;
    const cal_decision *d = x->d;
    event_result *res = x->res;
    sb_db *db = x->p->db;
    const tenant *t = &x->t;
    int apply = d->action != CAL_DO_FILL;
    field f[20];
    size_t n = 0;
    if (apply) f[n++] = FIELD_TEXT("status", d->status);
    if (d->previous_start) f[n++] = FIELD_TIME("previous_starts_at", row->starts_at);
    if (d->set_times) {
        f[n++] = FIELD_TIME("starts_at", cf->starts);
        f[n++] = FIELD_TIME("ends_at", cf->ends);
    }
    if (d->action == CAL_DO_RESCHEDULE) { /* the chain moves to the new uid */
        f[n++] = FIELD_TEXT("calcom_v2_booking_id", cf->uid);
        if (cf->booking_id > 0) f[n++] = FIELD_INT("calcom_booking_id", cf->booking_id);
        f[n++] = FIELD_TIME("rescheduled_at", cf->evt_at);
    }
    if (d->set_cancelled) {
        f[n++] = FIELD_TIME("cancelled_at", cf->evt_at);
        f[n++] = FIELD_TEXT("cancellation_reason", cf->reason);
    }
    /* the attendee of the current state owns the appointment; older events only fill */
    if (d->set_customer && x->customer_id) f[n++] = FIELD_INT("customer_id", (long long)x->customer_id);
    if (d->backdate_created) f[n++] = FIELD_TIME("created_at", cf->booked_at);
    if (t->service_id) f[n++] = (field){"service_id", F_INT, NULL, t->service_id, true};
    if (x->staff) f[n++] = FIELD_FILL_TEXT("staff_id", x->staff);
    if (cf->notes) f[n++] = FIELD_FILL_TEXT("notes", cf->notes);
    if (t->branch_id) f[n++] = FIELD_FILL_TEXT("branch_id", t->branch_id);
    const char *meta_text = calcom_meta_build(x->a, row_meta, cf->b, x->ev->event_type, cf->evt_at, cf->event_type, d->chain_prev,
                                              apply, x->kept_phone);
    f[n++] = FIELD_TEXT("metadata", meta_text);
    int changed = 0;
    if (appointment_update(db, x->a, t->company_id, row->id, f, n, &x->why, cf->uid, d->chain_prev, &changed) != 0)
        FINISH(EVENT_RETRY, "appointment update: %s", db_error(db));
    if (changed && app_link_conversions(x->p, x->a, t->company_id, "appointments", row->id) != 0)
        FINISH(EVENT_RETRY, "linker: %s", db_error(db));
    if (!changed) FINISH(EVENT_PROCESSED, "App\\Models\\Appointment:%llu unchanged (already up to date)", (unsigned long long)row->id);
    FINISH(EVENT_PROCESSED, "App\\Models\\Appointment:%llu updated (%s%s%s)", (unsigned long long)row->id, d->status,
           d->reason ? "; " : "", d->reason ? d->reason : "");
}

static void calcom_booking(pipeline *p, arena *a, const stored_event *ev, event_result *res, cal_kind kind)
{
    sb_db *db = p->db;
    calcom_fields cf;
    calcom_fields_read(ev->json, kind, a, (int64_t)time(NULL), &cf); /* parse */
    booking_ctx x = {p, a, ev, res, kind, &cf, NULL, {0}, {ev->id, arena_printf(a, "calcom %s", ev->event_type)}, 0, 0, NULL, NULL};
    if (!event_tenant(db, a, &cf, kind, res, &x.t)) return;
    res->company_id = x.t.company_id;
    const char *unusable = calcom_event_unusable(&cf, kind);
    if (unusable) FINISH(EVENT_DEAD, "%s", unusable);

    appt_row row;
    int found = find_chain(db, a, x.t.company_id, &cf, kind, &row);
    if (found < 0) FINISH(EVENT_RETRY, "appointment lookup: %s", db_error(db));
    json_object *row_meta = found ? calcom_meta_parse(row.metadata) : NULL;
    int64_t row_event_at = 0;
    if (row_meta) json_get_int(row_meta, "switchboard.calcom_event_at", &row_event_at);
    cal_decision d;
    calcom_decide(&cf, kind, found ? &row : NULL, row_event_at, &d); /* decide */
    x.d = &d;

    /* write: the customer (the first attendee: for seated events the seat that triggered it), the staff, the row */
    char phone[PHONE_MAX];
    sb_app *app = p->app;
    const char *cc = phone_country_code(app->cfg.phone_default_country);
    int have_phone = phone_normalize(cf.phone_raw, cc, phone) == 0, phone_kept = 0;
    if (d.want_customer) {
        customer_input ci = {x.t.company_id, cf.name, cf.email, have_phone ? phone : NULL, "cal.com"};
        if (customer_find_or_create(db, a, &ci, cc, &x.why, &x.customer_id, &x.created_customer, &phone_kept) != 0) {
            json_object_put(row_meta);
            FINISH(EVENT_RETRY, "customer: %s", db_error(db));
        }
    }
    x.kept_phone = phone_kept ? phone : NULL;
    x.staff = staff_for_organizer(db, a, x.t.company_id, cf.organizer_id, cf.organizer_email);
    if (d.action == CAL_DO_INSERT) return write_insert(&x);
    write_update(&x, &row, row_meta);
    json_object_put(row_meta);
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
