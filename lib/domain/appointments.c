/* appointments.c: the appointments table's owner (see appointments.h). */
#include "appointments.h"

#include <stdlib.h>
#include <string.h>

/* ---- status ---- */

static const char *const STATUS_WORD[APPT_NSTATUS] = {
    [APPT_PENDING] = "pending",     [APPT_CONFIRMED] = "confirmed", [APPT_RESCHEDULED] = "rescheduled",
    [APPT_CANCELLED] = "cancelled", [APPT_NO_SHOW] = "no_show",     [APPT_COMPLETED] = "completed",
    [APPT_OTHER] = NULL,
};
_Static_assert(sizeof STATUS_WORD / sizeof *STATUS_WORD == APPT_NSTATUS, "a word per status");
_Static_assert(APPT_OTHER + 1 == APPT_NSTATUS && APPT_EV_END + 1 == APPT_NEVENTS, "enums and their counts agree");

/* a new row's status per event */
static const appt_status FIRST[APPT_NEVENTS] = {
    [APPT_EV_CONFIRM] = APPT_CONFIRMED, [APPT_EV_REQUEST] = APPT_PENDING,  [APPT_EV_RESCHEDULE] = APPT_RESCHEDULED,
    [APPT_EV_CANCEL] = APPT_CANCELLED,  [APPT_EV_NO_SHOW] = APPT_NO_SHOW,  [APPT_EV_NO_SHOW_CLEARED] = APPT_CONFIRMED,
    [APPT_EV_END] = APPT_COMPLETED,
};
_Static_assert(sizeof FIRST / sizeof *FIRST == APPT_NEVENTS, "a first status per event");

/* The allowed transitions: NEXT[event][current] is the new status, or K (keep the current one).
 * Why each rule (legacy behaviour kept, LEGACY BEHAVIOR.md §3):
 *  - a creation only confirms a request; it never reopens a cancelled, no-show or completed booking;
 *  - a request never demotes anything;
 *  - a reschedule and a cancellation apply from any state (Cal.com decided them);
 *  - taking back a no-show restores the booking, it never reopens a cancelled or completed one;
 *  - a meeting that ended completes the booking unless it was cancelled or a no-show. */
#define K -1
static const signed char NEXT[APPT_NEVENTS][APPT_NSTATUS] = {
    /*                          pending         confirmed       rescheduled     cancelled       no_show         completed       other */
    [APPT_EV_CONFIRM]         = {APPT_CONFIRMED, K,              K,              K,              K,              K,              K},
    [APPT_EV_REQUEST]         = {K,              K,              K,              K,              K,              K,              K},
    [APPT_EV_RESCHEDULE]      = {APPT_RESCHEDULED, APPT_RESCHEDULED, APPT_RESCHEDULED, APPT_RESCHEDULED, APPT_RESCHEDULED,
                                 APPT_RESCHEDULED, APPT_RESCHEDULED},
    [APPT_EV_CANCEL]          = {APPT_CANCELLED, APPT_CANCELLED, APPT_CANCELLED, APPT_CANCELLED, APPT_CANCELLED, APPT_CANCELLED,
                                 APPT_CANCELLED},
    [APPT_EV_NO_SHOW]         = {APPT_NO_SHOW,   APPT_NO_SHOW,   APPT_NO_SHOW,   APPT_NO_SHOW,   APPT_NO_SHOW,   APPT_NO_SHOW,
                                 APPT_NO_SHOW},
    [APPT_EV_NO_SHOW_CLEARED] = {K,              K,              K,              K,              APPT_CONFIRMED, K,              K},
    [APPT_EV_END]             = {APPT_COMPLETED, APPT_COMPLETED, APPT_COMPLETED, K,              K,              APPT_COMPLETED,
                                 APPT_COMPLETED},
};
#undef K
_Static_assert(sizeof NEXT / sizeof *NEXT == APPT_NEVENTS && sizeof *NEXT == APPT_NSTATUS, "a rule per event and status");

appt_status appointment_status_parse(const char *status)
{
    if (!status) return APPT_OTHER;
    for (int s = 0; s < APPT_OTHER; s++)
        if (!strcmp(STATUS_WORD[s], status)) return (appt_status)s;
    return APPT_OTHER;
}

const char *appointment_status_name(appt_status s) { return (unsigned)s < APPT_NSTATUS ? STATUS_WORD[s] : NULL; }

const char *appointment_first_status(appt_event ev) { return STATUS_WORD[FIRST[ev]]; }

const char *appointment_next_status(appt_event ev, const char *cur)
{
    int next = NEXT[ev][appointment_status_parse(cur)];
    return next < 0 ? cur : STATUS_WORD[next];
}

/* ---- lookup ---- */

/* Every key in one read (D224): a Cal.com uid (v2), the numeric booking id of a row without a uid, the uid
 * as legacy's external_id, and the uid of an earlier booking in the reschedule chain, in that order of
 * preference. UNION ALL streams its parts in order, so the first row is the preferred key's. Four reads
 * before, each 0.07-0.15 ms of MariaDB, all four for every new booking (make bench-profile). Each part
 * locks what it matches; the keys of one booking name one row (the cases where they name two are the
 * chain and legacy rows, locked either way when the first key misses). An absent key is bound as NULL,
 * which matches nothing. */
#define APPT_PART(prio, where)                                                                                        \
    "(SELECT " prio ", id, status, calcom_v2_booking_id, UNIX_TIMESTAMP(starts_at), metadata, UNIX_TIMESTAMP(created_at)" \
    " FROM appointments WHERE " where " AND company_id = ? AND deleted_at IS NULL FOR UPDATE)"
static const char BY_ANY_KEY[] =
    APPT_PART("0", "calcom_v2_booking_id = ?") " UNION ALL "
    APPT_PART("1", "calcom_booking_id = ? AND calcom_v2_booking_id IS NULL") " UNION ALL "
    APPT_PART("2", "external_id = ?") " UNION ALL "
    APPT_PART("3", "id = (SELECT appointment_id FROM switchboard_booking_uids WHERE uid = ?)");
#undef APPT_PART

int appointment_find(sb_db *db, arena *a, long long company, const char *uid, long long booking_id, appt_row *row)
{
    memset(row, 0, sizeof *row);
    if (!uid && booking_id <= 0) return 0;
    db_param u = db_str(uid), c = db_int(company);
    db_param p[] = {u, c, booking_id > 0 ? db_int(booking_id) : db_null(), c, u, c, u, c};
    db_rows r;
    if (db_query(db, a, BY_ANY_KEY, p, 8, &r) != 0) return -1;
    if (!r.nrows) return 0;
    row->id = strtoull(db_cell(&r, 0, 1), NULL, 10);
    row->status = db_cell(&r, 0, 2);
    row->uid = db_cell(&r, 0, 3);
    row->starts_at = db_cell(&r, 0, 4) ? atoll(db_cell(&r, 0, 4)) : 0;
    row->metadata = db_cell(&r, 0, 5);
    row->created_at = db_cell(&r, 0, 6) ? atoll(db_cell(&r, 0, 6)) : 0;
    return 1;
}

int appointment_company_of_uid(sb_db *db, arena *a, const char *uid, long long *company)
{
    static const char SQL[] = "SELECT company_id FROM appointments WHERE calcom_v2_booking_id = ? AND deleted_at IS NULL";
    db_param u = db_str(uid);
    db_rows r;
    if (db_query(db, a, SQL, &u, 1, &r) != 0) return -1;
    if (!r.nrows) return 0;
    *company = atoll(db_cell(&r, 0, 0));
    return 1;
}

#define OPEN_APPOINTMENT                                                                                                \
    "SELECT a.id, a.calcom_v2_booking_id, UNIX_TIMESTAMP(a.starts_at)"                                                  \
    " FROM appointments a WHERE a.company_id = ? AND a.deleted_at IS NULL"                                              \
    " AND a.status NOT IN ('cancelled','completed','no_show') AND a.calcom_v2_booking_id IS NOT NULL AND a.starts_at > NOW()"
static const char OPEN_BY_REFERENCE[] =
    OPEN_APPOINTMENT " AND LOWER(REPLACE(a.calcom_v2_booking_id, '-', '')) LIKE CONCAT(?, '%') LIMIT 2";
static const char OPEN_OF_PHONES[] =
    OPEN_APPOINTMENT
    " AND a.customer_id IN (SELECT cu.id FROM customers cu WHERE cu.company_id = a.company_id AND cu.deleted_at IS NULL"
    "  AND cu.phone IN (?, ?, ?, ?))"
    " AND (? = 0 OR UNIX_TIMESTAMP(a.starts_at) BETWEEN ? AND ? + 86399) ORDER BY a.starts_at LIMIT 1";

static void open_row(db_rows *r, appt_open *out)
{
    out->id = strtoull(db_cell(r, 0, 0), NULL, 10);
    out->uid = db_cell(r, 0, 1);
    out->start = atoll(db_cell(r, 0, 2));
}

int appointment_open_by_reference(sb_db *db, arena *a, long long company, const char *ref, appt_open *out)
{
    db_param p[] = {db_int(company), db_str(ref)};
    db_rows r;
    if (db_query(db, a, OPEN_BY_REFERENCE, p, 2, &r) != 0) return -1;
    if (r.nrows != 1) return r.nrows ? 2 : 0;
    open_row(&r, out);
    return 1;
}

int appointment_open_of_phones(sb_db *db, arena *a, long long company, const char *const *v, size_t nv, int have_day, int64_t day0,
                               appt_open *out)
{
    if (!nv) return 0;
    db_param p[] = {db_int(company), db_str(v[0]), db_str(nv > 1 ? v[1] : v[0]), db_str(nv > 2 ? v[2] : v[0]),
                    db_str(nv > 3 ? v[3] : v[0]), db_int(have_day != 0), db_int(day0), db_int(day0)};
    db_rows r;
    if (db_query(db, a, OPEN_OF_PHONES, p, 8, &r) != 0) return -1;
    if (!r.nrows) return 0;
    open_row(&r, out);
    return 1;
}

/* ---- writes ---- */

int appointment_remember_uid(sb_db *db, uint64_t appointment_id, long long company_id, const char *uid)
{
    static const char SQL[] = "INSERT IGNORE INTO switchboard_booking_uids (uid, appointment_id, company_id) VALUES (?, ?, ?)";
    if (!uid) return 0;
    db_param p[] = {db_str(uid), db_int((long long)appointment_id), db_int(company_id)};
    return db_exec(db, SQL, p, 3, NULL, NULL);
}

int appointment_insert(sb_db *db, arena *a, long long company, const field *f, size_t n, const audit_cause *why,
                       const char *uid, const char *prev_uid, uint64_t *id)
{
    if (record_insert(db, a, "appointments", f, n, company, why, id) != 0) return -1;
    if (appointment_remember_uid(db, *id, company, uid) != 0) return -1;
    return appointment_remember_uid(db, *id, company, prev_uid);
}

int appointment_update(sb_db *db, arena *a, long long company, uint64_t id, const field *f, size_t n,
                       const audit_cause *why, const char *uid, const char *prev_uid, int *changed)
{
    if (record_update(db, a, "appointments", id, f, n, company, why, changed) != 0) return -1;
    if (appointment_remember_uid(db, id, company, uid) != 0) return -1;
    return appointment_remember_uid(db, id, company, prev_uid);
}
