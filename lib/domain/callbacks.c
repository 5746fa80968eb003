/* callbacks.c: see callbacks.h. The detector (a table per function and
 * outcome), the item insert and the automatic close. */
#include "callbacks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "phone.h"

static const char *const REASON_NAMES[CB_REASONS] = {"callback_promised", "booking_failed", "no_booking_after_request",
                                                     "analysis_wanted_appointment"};
_Static_assert(sizeof REASON_NAMES / sizeof *REASON_NAMES == CB_REASONS, "one name per reason");

const char *callback_reason_name(int reason) { return reason >= 0 && reason < CB_REASONS ? REASON_NAMES[reason] : NULL; }

/* What a function is about: asking for or taking a slot, changing an existing
 * appointment, or neither (check_customer). Aliases as the dispatcher knows them. */
typedef enum { FN_OTHER, FN_ASK, FN_BOOK, FN_CHANGE } fn_class;

static const struct {
    const char *name;
    fn_class cls;
} FUNCTION_CLASS[] = {
    {"check_availability", FN_ASK},       {"find_next_available", FN_ASK},   {"get_alternatives", FN_ASK},
    {"collect_appointment_data", FN_BOOK}, {"collect_appointment", FN_BOOK}, {"book_appointment", FN_BOOK},
    {"start_booking", FN_BOOK},            {"cancel_appointment", FN_CHANGE}, {"reschedule_appointment", FN_CHANGE},
};

static fn_class class_of(const char *name)
{
    /* the log keeps the name without the agent's version suffix ("_v17"), as the dispatcher matches it */
    for (size_t i = 0; name && i < sizeof FUNCTION_CLASS / sizeof *FUNCTION_CLASS; i++)
        if (!strcmp(FUNCTION_CLASS[i].name, name)) return FUNCTION_CLASS[i].cls;
    return FN_OTHER;
}

/* The reason an answer gives (migration 0012's outcome vocabulary): the agent
 * promises a callback when Cal.com is down or the caller may not do what they
 * asked (refused_identity: "wir rufen Sie zurück"); a booking function that
 * Cal.com refused or that found the slot gone failed; any slot question is a
 * request; the rest (ok answers, invalid input the agent asks again about) says
 * nothing by itself. Rows are read in this order: the first match wins. */
static const struct {
    const char *outcome; /* NULL: any */
    int any_class;       /* 1: every function class; 0: only the class below */
    fn_class cls;
    const char *answer;  /* NULL: any; else the answer's error/status word */
    cb_reason reason;
} OUTCOME_REASON[] = {
    {"calcom_down", 1, FN_OTHER, NULL, CB_PROMISED},
    {"refused_identity", 1, FN_OTHER, NULL, CB_PROMISED},
    {"calcom_error", 0, FN_BOOK, NULL, CB_BOOKING_FAILED},   /* Cal.com refused the booking (D90) */
    {"calcom_error", 0, FN_CHANGE, NULL, CB_BOOKING_FAILED}, /* or the move */
    {"no_slot", 0, FN_BOOK, "slot_taken", CB_BOOKING_FAILED}, /* the slot went between offer and booking */
    {"internal_error", 0, FN_BOOK, NULL, CB_BOOKING_FAILED},
    {"calcom_error", 0, FN_ASK, NULL, CB_PROMISED},          /* the same spoken answer as calcom_down */
    {NULL, 0, FN_ASK, NULL, CB_NO_BOOKING},                  /* any slot question ... */
    {NULL, 0, FN_BOOK, NULL, CB_NO_BOOKING},                 /* ... or booking step ("unavailable": asked, not failed) */
};

static cb_reason reason_of(const cb_function *f)
{
    fn_class cls = class_of(f->name);
    for (size_t i = 0; i < sizeof OUTCOME_REASON / sizeof *OUTCOME_REASON; i++) {
        if (OUTCOME_REASON[i].outcome && (!f->outcome || strcmp(OUTCOME_REASON[i].outcome, f->outcome))) continue;
        if (!OUTCOME_REASON[i].any_class && OUTCOME_REASON[i].cls != cls) continue;
        if (OUTCOME_REASON[i].answer && (!f->answer || strcmp(OUTCOME_REASON[i].answer, f->answer))) continue;
        return OUTCOME_REASON[i].reason;
    }
    return CB_NONE;
}

cb_reason callback_decide(const cb_function *fns, size_t n, bool booked, const cb_analysis *an)
{
    for (size_t i = 0; i < n; i++) booked = booked || fns[i].booked;
    cb_reason best = CB_NONE;
    for (size_t i = 0; i < n; i++) {
        cb_reason r = reason_of(&fns[i]);
        if (r == CB_NONE) continue;
        /* a booking made in the call meets every slot wish of it; a refused cancel or move stays unmet */
        if (booked && class_of(fns[i].name) != FN_CHANGE) continue;
        if (best == CB_NONE || r < best) best = r;
    }
    if (best == CB_NONE && !booked && an && an->wanted && !an->booked_said) best = CB_ANALYSIS;
    return best;
}

/* custom_analysis_data keys (the agent's analysis prompt defines them; German first, as the salons' agents have
 * them, English as Retell's examples): one that says an appointment was wanted, one that says it was booked */
static const char *const WANTED_KEYS[] = {"termin_gewuenscht", "terminwunsch", "appointment_wanted", "appointment_requested"};
static const char *const BOOKED_KEYS[] = {"termin_gebucht", "appointment_booked"};

static bool truthy(json_object *v)
{
    if (!v) return false;
    if (json_object_is_type(v, json_type_boolean)) return json_object_get_boolean(v);
    if (json_object_is_type(v, json_type_int)) return json_object_get_int64(v) != 0;
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        return !strcasecmp(s, "true") || !strcasecmp(s, "ja") || !strcasecmp(s, "yes") || !strcmp(s, "1");
    }
    return false;
}

cb_analysis callback_analysis_of(const char *custom_analysis_json)
{
    cb_analysis an = {false, false};
    char err[64];
    json_object *o = custom_analysis_json ? json_parse_strict(custom_analysis_json, strlen(custom_analysis_json), err, sizeof err) : NULL;
    if (!o) return an;
    for (size_t i = 0; i < sizeof WANTED_KEYS / sizeof *WANTED_KEYS; i++) an.wanted = an.wanted || truthy(json_get(o, WANTED_KEYS[i]));
    for (size_t i = 0; i < sizeof BOOKED_KEYS / sizeof *BOOKED_KEYS; i++)
        an.booked_said = an.booked_said || truthy(json_get(o, BOOKED_KEYS[i]));
    json_object_put(o);
    return an;
}

/* s cut to at most max bytes on a UTF-8 character boundary (arena) */
static const char *clip(arena *a, const char *s, size_t max)
{
    if (!s || strlen(s) <= max) return s;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    char *o = arena_alloc(a, n + 1);
    memcpy(o, s, n);
    o[n] = '\0';
    return o;
}

static const char *e164_of(arena *a, const sb_config *cfg, const char *raw)
{
    char e164[PHONE_MAX];
    if (!raw || phone_is_withheld(raw) || phone_normalize(raw, phone_country_code(cfg->phone_default_country), e164) != 0) return NULL;
    return arena_strdup(a, e164);
}

/* Opening an item and closing items for a new appointment, side by side in two pipeline
 * processes under READ COMMITTED, each read before the other committed: the item stayed open
 * although the booking answered it (D204). Both take the company's lock row first, held to
 * their commit, so the second reads what the first committed (D219). The row lock of an
 * INSERT ... ON DUPLICATE KEY UPDATE is exclusive even when nothing changes. */
static int lock_company(sb_db *db, long long company)
{
    static const char LOCK[] =
        "INSERT INTO switchboard_callback_locks (company_id) VALUES (?) ON DUPLICATE KEY UPDATE company_id = company_id";
    db_param c = db_int(company);
    return db_exec(db, LOCK, &c, 1, NULL, NULL);
}

/* The close itself: open items of the tenant's caller whose call started in [created - window, created]. */
static const char CLOSE_ITEMS[] =
    "UPDATE switchboard_callbacks cb JOIN calls c ON c.id = cb.call_id"
    " SET cb.status = 'done', cb.closed_by = 'automatic', cb.closed_at = NOW(3), cb.closed_by_appointment_id = ?,"
    " cb.close_note = ?"
    " WHERE cb.company_id = ? AND cb.status = 'open' AND (cb.customer_id = ? OR cb.caller_number IN (?, ?))"
    " AND COALESCE(c.start_timestamp, c.created_at) <= FROM_UNIXTIME(?)"
    " AND COALESCE(c.start_timestamp, c.created_at) >= FROM_UNIXTIME(?) - INTERVAL ? HOUR";

static int close_for(sb_db *db, arena *a, const sb_config *cfg, uint64_t appt, long long company, long long customer,
                     const char *phone, const char *booking_phone, long long created, uint64_t *closed)
{
    if (closed) *closed = 0;
    if (cfg->callbacks_autoclose_hours <= 0 || (customer <= 0 && !phone && !booking_phone)) return 0;
    db_param p[] = {db_int((long long)appt),
                    db_str(arena_printf(a, "appointment %llu of the same caller", (unsigned long long)appt)),
                    db_int(company), db_int(customer > 0 ? customer : -1), db_str(phone), db_str(booking_phone),
                    db_int(created), db_int(created), db_int(cfg->callbacks_autoclose_hours)};
    return db_exec(db, CLOSE_ITEMS, p, 9, NULL, closed);
}

int callbacks_appointment_facts(sb_db *db, arena *a, uint64_t appointment_id, appt_facts *out)
{
    static const char APPT[] =
        "SELECT a.company_id, a.customer_id, cu.phone, UNIX_TIMESTAMP(a.created_at),"
        " JSON_VALUE(a.metadata, '$.switchboard.attendee_phone'),"
        " a.deleted_at IS NULL AND a.status NOT IN ('cancelled', 'rejected') FROM appointments a"
        " LEFT JOIN customers cu ON cu.id = a.customer_id WHERE a.id = ?";
    memset(out, 0, sizeof *out);
    db_param id = db_int((long long)appointment_id);
    db_rows r;
    if (db_query(db, a, APPT, &id, 1, &r) != 0) return -1;
    if (!r.nrows) return 0;
    *out = (appt_facts){db_cell_ll(&r, 0, 0), db_cell_ll(&r, 0, 1), db_cell_ll(&r, 0, 3), db_cell(&r, 0, 2),
                        db_cell(&r, 0, 4), db_cell_ll(&r, 0, 5) == 1};
    return 1;
}

int callbacks_autoclose_facts(sb_db *db, arena *a, const sb_config *cfg, uint64_t appointment_id, const appt_facts *f,
                              uint64_t *closed)
{
    if (closed) *closed = 0;
    if (!f->live || f->company_id <= 0) return 0;
    if (cfg->callbacks_autoclose_hours > 0 && lock_company(db, f->company_id) != 0) return -1;
    /* the customer's number, and the number the booking carried when the customer was found by email with
     * another one (D88 keeps it in the metadata, not on the customer) */
    return close_for(db, a, cfg, appointment_id, f->company_id, f->customer_id, e164_of(a, cfg, f->customer_phone),
                     e164_of(a, cfg, f->attendee_phone), f->created_at, closed);
}

int callbacks_autoclose_appointment(sb_db *db, arena *a, const sb_config *cfg, uint64_t appointment_id, uint64_t *closed)
{
    appt_facts f;
    if (closed) *closed = 0;
    int found = callbacks_appointment_facts(db, a, appointment_id, &f);
    return found <= 0 ? found : callbacks_autoclose_facts(db, a, cfg, appointment_id, &f, closed);
}

/* the call as the detector needs it; "booked" is a booking made in the call (source phone): a web booking
 * the linker tied to the call is the wish met later, which closes the item (autoclose) rather than
 * keeping it from opening, whichever of the two events a worker processes first (D183) */
static const char CALL_FACTS[] =
    "SELECT c.company_id, c.branch_id, c.retell_call_id, c.from_number, c.customer_id, COALESCE(cu.name, c.customer_name),"
    " c.custom_analysis_data, UNIX_TIMESTAMP(COALESCE(c.start_timestamp, c.created_at)), cu.phone,"
    " (SELECT MIN(ap.id) FROM appointments ap WHERE ap.call_id = c.id AND ap.source = 'phone' AND ap.deleted_at IS NULL)"
    " FROM calls c LEFT JOIN customers cu ON cu.id = c.customer_id WHERE c.id = ?";
enum { CF_COMPANY, CF_BRANCH, CF_RETELL, CF_FROM, CF_CUSTOMER, CF_NAME, CF_CUSTOM, CF_START, CF_CUSTOMER_PHONE, CF_APPT };

/* the call's function log, oldest first: the wish is the last service/day/time asked for */
static const char CALL_FUNCTIONS[] =
    "SELECT function_name, outcome, appointment_id, JSON_VALUE(args_json, '$.service'), JSON_VALUE(args_json, '$.date'),"
    " JSON_VALUE(args_json, '$.time'), message, COALESCE(JSON_VALUE(result_json, '$.error'), JSON_VALUE(result_json, '$.status'))"
    " FROM switchboard_function_calls"
    " WHERE (call_id = ? OR retell_call_id = ?) AND (company_id IS NULL OR company_id = ?) ORDER BY id LIMIT 200";
enum { FF_NAME, FF_OUTCOME, FF_APPT, FF_SERVICE, FF_DATE, FF_TIME, FF_MESSAGE, FF_ANSWER };

static const char INSERT_ITEM[] =
    "INSERT IGNORE INTO switchboard_callbacks (company_id, branch_id, call_id, retell_call_id, customer_id, caller_number,"
    " caller_name, reason, wanted_service, wanted_at, failure) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM DUAL"
    " WHERE NOT EXISTS (SELECT 1 FROM switchboard_callbacks WHERE call_id = ?)";

int callbacks_open_for_call(sb_db *db, arena *a, const sb_config *cfg, uint64_t call_id, uint64_t *opened)
{
    *opened = 0;
    db_param id = db_int((long long)call_id);
    db_rows c;
    if (db_query(db, a, CALL_FACTS, &id, 1, &c) != 0) return -1;
    if (!c.nrows || db_cell_ll(&c, 0, CF_COMPANY) <= 0) return 0;
    long long company = db_cell_ll(&c, 0, CF_COMPANY), start = db_cell_ll(&c, 0, CF_START);
    if (lock_company(db, company) != 0) return -1; /* before any read the item depends on (D219) */
    const char *phone = e164_of(a, cfg, db_cell(&c, 0, CF_FROM));
    /* the call's customer counts only when the verified caller ID is theirs: a customer linked by a spoken
     * name must not let someone else's booking close this caller's item (D99) */
    const char *customer_phone = e164_of(a, cfg, db_cell(&c, 0, CF_CUSTOMER_PHONE));
    long long customer = phone && customer_phone && !strcmp(phone, customer_phone) ? db_cell_ll(&c, 0, CF_CUSTOMER) : 0;
    db_param fp[] = {id, db_str(db_cell(&c, 0, CF_RETELL)), db_int(company)};
    db_rows f;
    if (db_query(db, a, CALL_FUNCTIONS, fp, 3, &f) != 0) return -1;
    cb_function *fns = arena_alloc(a, (f.nrows ? f.nrows : 1) * sizeof *fns);
    const char *service = NULL, *date = NULL, *time_ = NULL, *failure = NULL;
    for (size_t i = 0; i < f.nrows; i++) {
        fns[i] = (cb_function){db_cell(&f, i, FF_NAME), db_cell(&f, i, FF_OUTCOME), db_cell(&f, i, FF_ANSWER),
                               db_cell_ll(&f, i, FF_APPT) > 0};
        if (db_cell(&f, i, FF_SERVICE)) service = db_cell(&f, i, FF_SERVICE);
        if (db_cell(&f, i, FF_DATE)) date = db_cell(&f, i, FF_DATE), time_ = db_cell(&f, i, FF_TIME);
    }
    uint64_t booked_appt = strtoull(db_cell(&c, 0, CF_APPT) ? db_cell(&c, 0, CF_APPT) : "0", NULL, 10);
    cb_analysis an = callback_analysis_of(db_cell(&c, 0, CF_CUSTOM));
    cb_reason reason = callback_decide(fns, f.nrows, booked_appt > 0, &an);
    if (booked_appt) /* a booking by phone answers this caller's older items too (any channel) */
        if (callbacks_autoclose_appointment(db, a, cfg, booked_appt, NULL) != 0) return -1;
    if (reason == CB_NONE) return 0;
    /* why: the last request that gave the reason, with what the caller heard */
    for (size_t i = 0; i < f.nrows && reason <= CB_BOOKING_FAILED; i++)
        if (reason_of(&fns[i]) == reason)
            failure = arena_printf(a, "%s: %s (%s)", fns[i].name, fns[i].outcome,
                                   db_cell(&f, i, FF_MESSAGE) ? db_cell(&f, i, FF_MESSAGE) : "");
    if (reason == CB_ANALYSIS) {
        /* what the analysis says was wanted (the legacy agent's keys) */
        char err[64];
        const char *custom = db_cell(&c, 0, CF_CUSTOM);
        json_object *o = json_parse_strict(custom, strlen(custom), err, sizeof err);
        if (!service) service = o ? json_get_scalar_dup(o, "leistung", a) : NULL;
        if (!date) date = o ? json_get_scalar_dup(o, "termin_start", a) : NULL;
        json_object_put(o);
        failure = "analysis: appointment wanted, none booked";
    } else if (reason == CB_NO_BOOKING) {
        failure = "asked for a slot; the call ended without a booking";
    }
    const char *wanted_at = date ? (time_ ? arena_printf(a, "%s %s", date, time_) : date) : NULL;
    db_param ip[] = {db_int(company), db_str(db_cell(&c, 0, CF_BRANCH)), id, db_str(db_cell(&c, 0, CF_RETELL)),
                     customer > 0 ? db_int(customer) : db_null(), db_str(phone), db_str(clip(a, db_cell(&c, 0, CF_NAME), 255)),
                     db_str(callback_reason_name(reason)), db_str(clip(a, service, 255)), db_str(clip(a, wanted_at, 64)),
                     db_str(clip(a, failure, 255)), id};
    uint64_t affected = 0;
    if (db_exec(db, INSERT_ITEM, ip, 12, opened, &affected) != 0) return -1;
    if (!affected) {
        *opened = 0;
        /* the call has its item: a stronger reason learnt since (a log row that came after call_ended) moves it */
        static const char STRONGER[] =
            "UPDATE switchboard_callbacks SET reason = ?, wanted_service = COALESCE(?, wanted_service),"
            " wanted_at = COALESCE(?, wanted_at), failure = ? WHERE call_id = ? AND status = 'open'"
            " AND FIELD(reason, 'callback_promised', 'booking_failed', 'no_booking_after_request', 'analysis_wanted_appointment') > ?";
        _Static_assert(CB_PROMISED == 0 && CB_BOOKING_FAILED == 1 && CB_NO_BOOKING == 2 && CB_ANALYSIS == 3, "FIELD order = cb_reason");
        db_param up[] = {ip[7], ip[8], ip[9], ip[10], id, db_int(reason + 1)};
        return db_exec(db, STRONGER, up, 6, NULL, NULL);
    }
    /* the caller may have booked already (online between the call and this event, or a replay days later) */
    static const char BOOKED_SINCE[] =
        "SELECT a.id, UNIX_TIMESTAMP(a.created_at) FROM appointments a LEFT JOIN customers cu ON cu.id = a.customer_id"
        " WHERE a.company_id = ? AND a.deleted_at IS NULL AND a.status NOT IN ('cancelled', 'rejected')"
        " AND a.created_at >= FROM_UNIXTIME(?) AND a.created_at <= FROM_UNIXTIME(?) + INTERVAL ? HOUR"
        " AND (a.customer_id = ? OR cu.phone IN (?, ?, ?, ?) OR JSON_VALUE(a.metadata, '$.switchboard.attendee_phone') = ?)"
        " ORDER BY a.created_at LIMIT 1";
    if (cfg->callbacks_autoclose_hours <= 0) return 0;
    const char *v[PHONE_MAX_VARIANTS] = {NULL};
    size_t nv = phone ? phone_variants(phone, phone_country_code(cfg->phone_default_country), a, v) : 0;
    db_param bp[] = {db_int(company), db_int(start), db_int(start), db_int(cfg->callbacks_autoclose_hours),
                     db_int(customer > 0 ? customer : -1), db_str(nv > 0 ? v[0] : NULL), db_str(nv > 1 ? v[1] : NULL),
                     db_str(nv > 2 ? v[2] : NULL), db_str(nv > 3 ? v[3] : NULL), db_str(phone)};
    db_rows b;
    if (db_query(db, a, BOOKED_SINCE, bp, 10, &b) != 0) return -1;
    if (b.nrows)
        return close_for(db, a, cfg, strtoull(db_cell(&b, 0, 0), NULL, 10), company, customer, phone, NULL, db_cell_ll(&b, 0, 1), NULL);
    return 0;
}
