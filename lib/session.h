/* session.h: dashboard logins, against the Laravel users table.
 *
 * Passwords: users.password is Laravel's bcrypt ($2y$); crypt(3) of
 * libxcrypt verifies it, compared in constant time. Throttling: 5 failures per
 * account or per client address within 15 minutes lock that key for 15
 * minutes (a clear message, no hint which part was wrong). Sessions: the
 * cookie carries 32 random bytes (hex); the table keeps only their SHA-256,
 * the user, the company (NULL: operator), a CSRF token, and the times for the
 * idle and absolute timeouts. */
#ifndef SB_SESSION_H
#define SB_SESSION_H

#include <stdint.h>

#include "arena.h"
#include "config.h"
#include "db.h"
#include "i18n.h"

typedef struct session {
    long long user_id;
    long long company_id;   /* 0: operator (every company); an operator's chosen company (app/dashboard.c) */
    int operator_;          /* the user has no company: may see all, or narrow the view to one */
    const char *user_name;
    const char *csrf;       /* 64 hex */
    sb_lang lang;           /* the page language of this request (app/dashboard.c: cookie, Accept-Language); not stored */
} session;

enum login_result { LOGIN_OK, LOGIN_WRONG, LOGIN_LOCKED, LOGIN_ERROR };

/* Check email/password (throttled by account and by ip). On LOGIN_OK a
 * session is created and its cookie token (65 bytes with NUL) written. */
enum login_result session_login(sb_db *db, arena *a, const char *email, const char *password, const char *ip,
                                char token[65]);
/* The session of a cookie token, or 0 (none, expired); -1 on a DB error. Refreshes last_seen_at. */
int session_get(sb_db *db, arena *a, const sb_config *cfg, const char *token, session *s);
void session_end(sb_db *db, const char *token);

#endif
