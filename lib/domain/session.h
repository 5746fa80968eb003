/* session.h: dashboard logins, against the Laravel users table.
 *
 * Passwords: users.password is Laravel's bcrypt ($2y$); crypt(3) of
 * libxcrypt verifies it, compared in constant time. Who may log in: a user
 * with a company (sees that company), or a user without one who is listed in
 * switchboard_operators (sees every company); a user with neither is refused
 * (D131). Throttling (D133): 5 failures of one account from one client
 * address within 15 minutes lock that pair for 15 minutes; 50 failures of one
 * account from anywhere lock the account (the ceiling on distributed
 * guessing); a clear message, no hint which part was wrong. Expired throttle
 * rows and sessions are deleted as logins happen, so neither table grows.
 * Sessions: the cookie carries 32 random bytes (hex); the table keeps only
 * their SHA-256, the user, the company (NULL: operator), a CSRF token, the
 * SHA-256 of the user's password hash at login, and the times for the idle
 * and absolute timeouts. Every request re-reads the user (D132): a deleted
 * user, a changed password, a changed company or a withdrawn operator grant
 * ends the session. */
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
    const char *id;         /* the row's id (SHA-256 of the cookie token, 64 hex): the per-session limits */
    sb_lang lang;           /* the page language of this request (app/dashboard.c: cookie, Accept-Language); not stored */
} session;

enum login_result { LOGIN_OK, LOGIN_WRONG, LOGIN_LOCKED, LOGIN_REFUSED, LOGIN_ERROR };

/* Check email/password (throttled by account and address). On LOGIN_OK a
 * session is created and its cookie token (65 bytes with NUL) written.
 * LOGIN_REFUSED: the password was right but the user has no company and is
 * not an operator. */
enum login_result session_login(sb_db *db, arena *a, const sb_config *cfg, const char *email, const char *password, const char *ip,
                                char token[65]);
/* The session of a cookie token, or 0 (none, expired, or ended now because
 * its user changed: D132); -1 on a DB error. Refreshes last_seen_at. */
int session_get(sb_db *db, arena *a, const sb_config *cfg, const char *token, session *s);
void session_end(sb_db *db, const char *token);

/* Two secret tokens (CSRF, 64 hex) equal, compared in constant time; NULL
 * or another length is never equal. */
int session_token_equal(const char *a, const char *b);
/* A fresh 64-hex random token (getrandom) into out. */
void session_random_hex(char out[65]);

/* The per-session limits (D136). 1 when s may poll the live feed now (at
 * most one poll per min_ms), 0 when it is too soon, -1 on a DB error. */
int session_allow_poll(sb_db *db, const session *s, int min_ms);
/* 1 when s may start another export (at most max_per_minute in a minute), 0 when not, -1 on a DB error. */
int session_allow_export(sb_db *db, const session *s, int max_per_minute);

#endif
