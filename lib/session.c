/* session.c: logins, throttling and server-side sessions (see session.h). */
#include "session.h"

#include <crypt.h>
#include <ctype.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "sig.h"

#define MAX_FAILURES 5
#define THROTTLE_MINUTES 15

static void random_hex(char out[65])
{
    unsigned char r[32];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) abort(); /* no session without real randomness */
    static const char H[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = H[r[i] >> 4];
        out[2 * i + 1] = H[r[i] & 15];
    }
    out[64] = '\0';
}

static int locked(sb_db *db, arena *a, const char *key)
{
    db_param k = db_str(key);
    db_rows r;
    if (db_query(db, a, "SELECT locked_until > NOW(3) FROM switchboard_login_attempts WHERE throttle_key = ?", &k, 1, &r) != 0)
        return -1;
    return r.nrows && db_cell(&r, 0, 0) && !strcmp(db_cell(&r, 0, 0), "1");
}

static void failed(sb_db *db, const char *key)
{
    db_param p[] = {db_str(key), db_int(THROTTLE_MINUTES), db_int(MAX_FAILURES), db_int(THROTTLE_MINUTES)};
    /* a window that is over starts again at 1 */
    db_exec(db,
            "INSERT INTO switchboard_login_attempts (throttle_key, failures) VALUES (?, 1) ON DUPLICATE KEY UPDATE"
            " failures = IF(first_at < NOW(3) - INTERVAL ? MINUTE, 1, failures + 1),"
            " first_at = IF(failures = 1, NOW(3), first_at),"
            " locked_until = IF(failures >= ?, NOW(3) + INTERVAL ? MINUTE, locked_until)",
            p, 4, NULL, NULL);
}

enum login_result session_login(sb_db *db, arena *a, const char *email, const char *password, const char *ip,
                                char token[65])
{
    if (!email || !password || !*email || strlen(email) > 200 || strlen(password) > 200) return LOGIN_WRONG;
    char *lower = arena_strdup(a, email);
    for (char *p = lower; *p; p++) *p = (char)tolower((unsigned char)*p);
    const char *kacct = arena_printf(a, "account:%s", lower), *kip = arena_printf(a, "ip:%s", ip ? ip : "-");
    int la = locked(db, a, kacct), li = locked(db, a, kip);
    if (la < 0 || li < 0) return LOGIN_ERROR;
    if (la || li) return LOGIN_LOCKED;
    db_param e = db_str(lower);
    db_rows r;
    if (db_query(db, a, "SELECT id, password, company_id FROM users WHERE LOWER(email) = ?", &e, 1, &r) != 0) return LOGIN_ERROR;
    /* hash something even for unknown accounts, so timing does not tell which emails exist */
    const char *hash = r.nrows ? db_cell(&r, 0, 1) : "$2y$10$abcdefghijklmnopqrstuu5Rz6Cz8lN1o2Qe9Xv1tV5y3cP7vB3bO";
    struct crypt_data cd;
    memset(&cd, 0, sizeof cd);
    const char *got = hash ? crypt_r(password, hash, &cd) : NULL;
    int ok = r.nrows && got && hash && strlen(got) == strlen(hash) && CRYPTO_memcmp(got, hash, strlen(hash)) == 0;
    if (!ok) {
        failed(db, kacct);
        failed(db, kip);
        return LOGIN_WRONG;
    }
    db_param clear[] = {db_str(kacct)};
    db_exec(db, "DELETE FROM switchboard_login_attempts WHERE throttle_key = ?", clear, 1, NULL, NULL);
    char csrf[65], id[65];
    random_hex(token);
    random_hex(csrf);
    sig_sha256_hex(token, 64, id);
    db_param s[] = {db_str(id), db_int(atoll(db_cell(&r, 0, 0))),
                    db_cell(&r, 0, 2) ? db_int(atoll(db_cell(&r, 0, 2))) : db_null(), db_str(csrf)};
    if (db_exec(db, "INSERT INTO switchboard_sessions (id, user_id, company_id, csrf) VALUES (?, ?, ?, ?)", s, 4, NULL, NULL) != 0)
        return LOGIN_ERROR;
    return LOGIN_OK;
}

int session_get(sb_db *db, arena *a, const sb_config *cfg, const char *token, session *s)
{
    memset(s, 0, sizeof *s);
    if (!token || strlen(token) != 64) return 0;
    char id[65];
    sig_sha256_hex(token, 64, id);
    db_param p[] = {db_str(id), db_int(cfg->dashboard_idle_minutes), db_int(cfg->dashboard_max_hours)};
    db_rows r;
    if (db_query(db, a,
                 "SELECT s.user_id, s.company_id, u.name, s.csrf FROM switchboard_sessions s JOIN users u ON u.id = s.user_id"
                 " WHERE s.id = ? AND s.last_seen_at > NOW(3) - INTERVAL ? MINUTE AND s.created_at > NOW(3) - INTERVAL ? HOUR",
                 p, 3, &r) != 0)
        return -1;
    if (!r.nrows) return 0;
    s->user_id = atoll(db_cell(&r, 0, 0));
    s->company_id = db_cell(&r, 0, 1) ? atoll(db_cell(&r, 0, 1)) : 0;
    s->operator_ = s->company_id == 0;
    s->user_name = db_cell(&r, 0, 2);
    s->csrf = db_cell(&r, 0, 3);
    db_exec(db, "UPDATE switchboard_sessions SET last_seen_at = NOW(3) WHERE id = ?", p, 1, NULL, NULL);
    return 1;
}

void session_end(sb_db *db, const char *token)
{
    if (!token || strlen(token) != 64) return;
    char id[65];
    sig_sha256_hex(token, 64, id);
    db_param p = db_str(id);
    db_exec(db, "DELETE FROM switchboard_sessions WHERE id = ?", &p, 1, NULL, NULL);
}
