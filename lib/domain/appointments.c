/* appointments.c: see appointments.h. */
#include "appointments.h"

int appointment_remember_uid(sb_db *db, uint64_t appointment_id, long long company_id, const char *uid)
{
    if (!uid) return 0;
    db_param p[] = {db_str(uid), db_int((long long)appointment_id), db_int(company_id)};
    return db_exec(db, "INSERT IGNORE INTO switchboard_booking_uids (uid, appointment_id, company_id) VALUES (?, ?, ?)", p,
                   3, NULL, NULL);
}
