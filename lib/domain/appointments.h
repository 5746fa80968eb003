/* appointments.h: small shared facts about appointments that several channels write. */
#ifndef SB_APPOINTMENTS_H
#define SB_APPOINTMENTS_H

#include <stdint.h>

#include "db.h"

/* Remember that Cal.com booking uid belongs to appointment id (idempotent;
 * switchboard_booking_uids). 0 or -1. NULL uid: nothing to do. */
int appointment_remember_uid(sb_db *db, uint64_t appointment_id, long long company_id, const char *uid);

#endif
