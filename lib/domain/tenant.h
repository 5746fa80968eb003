/* tenant.h: which company (and branch, service) an incoming event belongs to.
 *
 * Never a fallback to "the first company": an event whose tenant cannot be
 * resolved is a permanent processing error naming the unknown key, so it can
 * be replayed once an operator maps it. Soft-deleted rows never resolve. */
#ifndef SB_TENANT_H
#define SB_TENANT_H

#include <stdint.h>

#include "arena.h"
#include "db.h"

typedef struct tenant {
    long long company_id;
    const char *branch_id;            /* UUID or NULL */
    long long service_id;             /* 0: none */
    long long local_event_type_id;    /* calcom_event_types.id, 0: none */
    const char *timezone;             /* companies.timezone */
} tenant;

/* By Cal.com event type id: services.calcom_event_type_id, then
 * calcom_event_types.calcom_numeric_event_type_id. Returns 1 found, 0 not, -1 error. */
int tenant_by_calcom_event_type(sb_db *db, arena *a, long long event_type_id, tenant *t);

typedef struct tenant_number {
    long long company_id;
    const char *branch_id;
    const char *phone_number_id;   /* phone_numbers.id (UUID) */
    const char *retell_agent_id;   /* the agent the number is routed to, or NULL */
    const char *timezone;
    const char *e164;              /* the number, normalised */
} tenant_number;

/* By a phone number of the tenant (Retell's to_number), in any spelling:
 * phone_numbers.number_normalized or .number equal to one of its variants.
 * statement_ms > 0 bounds the query time (the caller is waiting on the line).
 * Returns 1 found, 0 unknown number (or no number), -1 error. */
int tenant_by_phone_number(sb_db *db, arena *a, const char *raw, const char *default_cc, long statement_ms,
                           tenant_number *t);

#endif
