/* problems.h: operator-facing problems that belong to no webhook event
 * (switchboard_problems, migration 0015), e.g. a tenant's Cal.com key that
 * cannot be decrypted. The monitor lists what was seen in the last 24 hours.
 *
 * problem_note() also writes a log line (level "error"), so a problem is
 * never only in the table; it never fails its caller: a database error is
 * logged and ignored (the caller is answering a live phone call). detail is
 * clipped to 255 bytes and must not hold secrets. */
#ifndef SB_PROBLEMS_H
#define SB_PROBLEMS_H

#include "db.h"

/* kind names */
#define PROBLEM_CALCOM_KEY_UNREADABLE "calcom_key_unreadable"

void problem_note(sb_db *db, const char *kind, long long company_id, const char *detail);

#endif
