/* auth.h: who is asking, for the operator routes (monitor, metrics, later the dashboard API).
 *
 * Accepted credentials, from the Authorization header:
 *   Bearer <monitor.token>      an operator: every company
 *   Bearer <id>|<plaintext>     a Laravel Sanctum personal access token: the
 *                               row personal_access_tokens.id = <id> must hold
 *                               token = hex SHA-256(<plaintext>), belong to an
 *                               App\Models\User and not be expired (its
 *                               expires_at, and auth.sanctum_expiration_minutes
 *                               since created_at, as Laravel's sanctum.expiration);
 *                               its abilities (JSON array) must hold the route's
 *                               ability or "*"; the user's company_id scopes what
 *                               they see; a user without one is an operator only
 *                               when listed in switchboard_operators, else refused (D131).
 * All secret comparisons are constant-time. Successful Sanctum use updates
 * last_used_at as Laravel does. */
#ifndef SB_AUTH_H
#define SB_AUTH_H

#include <stdbool.h>

#include "arena.h"
#include "config.h"
#include "db.h"

typedef struct auth_identity {
    bool ok;
    long long company_id;  /* 0: all companies (operator) */
    long long user_id;     /* 0: the configured monitor token */
    const char *reason;    /* why not ok (static string), for the log */
} auth_identity;

/* The ability a Sanctum token needs for the operator routes (monitor, metrics). */
#define AUTH_ABILITY_MONITOR "switchboard:monitor"

/* Fill who from the Authorization header value (may be NULL); a Sanctum token
 * must carry `ability`. Returns 0 when a decision was made (who->ok tells
 * which), -1 when the database could not be asked. */
int auth_bearer(sb_db *db, arena *a, const sb_config *cfg, const char *authorization, const char *ability,
                auth_identity *who);
/* 1 when the JSON array `abilities` (Sanctum's column; NULL, malformed: none)
 * holds `ability` or "*", as Laravel's tokenCan. */
int auth_token_can(const char *abilities, const char *ability);

#endif
