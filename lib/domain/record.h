/* record.h: audited inserts and updates of the shared business tables.
 *
 * Every row switchboard writes in appointments, customers and calls goes
 * through record_insert()/record_update(). For audited tables (appointments,
 * customers) they also write one switchboard_audit row per change: table, row id, action, the changed columns with old and new
 * values, and the cause (the webhook event id, or a CLI command). An update
 * writes only the columns whose value really changes, so a redelivered
 * webhook changes nothing and leaves no audit row.
 *
 * Column names come from the callers' code, never from input; every value is
 * bound. Times are Unix seconds, written as FROM_UNIXTIME(?) so the session
 * time_zone decides the stored wall clock (see timeutil.h). Run inside the
 * caller's transaction (the pipeline's). */
#ifndef SB_RECORD_H
#define SB_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "db.h"

typedef enum { F_TEXT, F_INT, F_TIME, F_NULL } field_kind;

typedef struct field {
    const char *column;
    field_kind kind;
    const char *text;      /* F_TEXT (NULL means SQL NULL) */
    long long num;         /* F_INT value, F_TIME epoch seconds */
    bool only_if_empty;    /* update only when the current value is NULL or '' (fill, never overwrite) */
} field;

#define FIELD_TEXT(c, s) ((field){(c), F_TEXT, (s), 0, false})
#define FIELD_INT(c, n) ((field){(c), F_INT, NULL, (n), false})
#define FIELD_TIME(c, t) ((field){(c), F_TIME, NULL, (t), false})
#define FIELD_NULL(c) ((field){(c), F_NULL, NULL, 0, false})
#define FIELD_FILL_TEXT(c, s) ((field){(c), F_TEXT, (s), 0, true})

typedef struct audit_cause {
    uint64_t webhook_event_id;  /* 0: not caused by an event */
    const char *cause;          /* "calcom BOOKING_CREATED", "cli: replay", ... */
} audit_cause;

/* INSERT (updated_at = NOW() added, and created_at = NOW() unless f has it). 0 or -1 (db_error). */
int record_insert(sb_db *db, arena *a, const char *table, const field *f, size_t n, long long company_id,
                  const audit_cause *why, uint64_t *id);
/* UPDATE the changed columns of row id (updated_at = NOW() when anything
 * changes). *changed = number of columns changed (may be NULL). 0 or -1. */
int record_update(sb_db *db, arena *a, const char *table, uint64_t id, const field *f, size_t n,
                  long long company_id, const audit_cause *why, int *changed);

#endif
