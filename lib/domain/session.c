/* session.c: logins, throttling and server-side sessions (see session.h). */
#include "session.h"

#include <crypt.h>
#include <ctype.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"
#include "sig.h"

#define THROTTLE_MINUTES 15
#define PAIR_FAILURES 5       /* one account from one address */
#define ACCOUNT_FAILURES 50   /* one account from anywhere: the ceiling (D133) */
#define PRUNE_BATCH 200       /* expired throttle rows / sessions deleted per login */

void session_random_hex(char out[65])
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

int session_token_equal(const char *a, const char *b)
{
    return a && b && strlen(a) == 64 && strlen(b) == 64 && CRYPTO_memcmp(a, b, 64) == 0;
}

static int locked(sb_db *db, arena *a, const char *key)
{
    static const char SQL[] = "SELECT locked_until > NOW(3) FROM switchboard_login_attempts WHERE throttle_key = ?";
    db_param k = db_str(key);
    db_rows r;
    if (db_query(db, a, SQL, &k, 1, &r) != 0) return -1;
    return r.nrows && db_cell(&r, 0, 0) && !strcmp(db_cell(&r, 0, 0), "1");
}

static void failed(sb_db *db, const char *key, int max_failures)
{
    /* a window that is over starts again at 1 */
    static const char SQL[] =
        "INSERT INTO switchboard_login_attempts (throttle_key, failures) VALUES (?, 1) ON DUPLICATE KEY UPDATE"
        " failures = IF(first_at < NOW(3) - INTERVAL ? MINUTE, 1, failures + 1),"
        " first_at = IF(failures = 1, NOW(3), first_at),"
        " locked_until = IF(failures >= ?, NOW(3) + INTERVAL ? MINUTE, locked_until)";
    db_param p[] = {db_str(key), db_int(THROTTLE_MINUTES), db_int(max_failures), db_int(THROTTLE_MINUTES)};
    db_exec(db, SQL, p, 4, NULL, NULL);
}

/* Rows whose window is over and whose lock (if any) has run out say nothing
 * any more: the table holds only the last 15 minutes' keys (D133). */
static void prune(sb_db *db, const sb_config *cfg)
{
    static const char ATTEMPTS[] = "DELETE FROM switchboard_login_attempts WHERE first_at < NOW(3) - INTERVAL ? MINUTE"
                                   " AND (locked_until IS NULL OR locked_until < NOW(3)) LIMIT ?";
    static const char SESSIONS[] = "DELETE FROM switchboard_sessions WHERE last_seen_at < NOW(3) - INTERVAL ? MINUTE"
                                   " OR created_at < NOW(3) - INTERVAL ? HOUR LIMIT ?";
    db_param a[] = {db_int(THROTTLE_MINUTES), db_int(PRUNE_BATCH)};
    db_exec(db, ATTEMPTS, a, 2, NULL, NULL);
    db_param s[] = {db_int(cfg->dashboard_idle_minutes), db_int(cfg->dashboard_max_hours), db_int(PRUNE_BATCH)};
    db_exec(db, SESSIONS, s, 3, NULL, NULL);
}

enum login_result session_login(sb_db *db, arena *a, const sb_config *cfg, const char *email, const char *password,
                                const char *ip, char token[65])
{
    static const char USER[] = "SELECT u.id, u.password, u.company_id,"
                               " EXISTS (SELECT 1 FROM switchboard_operators o WHERE o.user_id = u.id)"
                               " FROM users u WHERE LOWER(u.email) = ?";
    static const char CLEAR[] = "DELETE FROM switchboard_login_attempts WHERE throttle_key = ?";
    static const char CREATE[] = "INSERT INTO switchboard_sessions (id, user_id, company_id, csrf, password_sha)"
                                 " VALUES (?, ?, ?, ?, SHA2(?, 256))";
    if (!email || !password || !*email || strlen(email) > 200 || strlen(password) > 200) return LOGIN_WRONG;
    char *lower = arena_strdup(a, email);
    for (char *p = lower; *p; p++) *p = (char)tolower((unsigned char)*p);
    /* the pair's key is a digest: an email of 200 bytes and an IPv6 address fit the column */
    char pair[65];
    const char *pk = arena_printf(a, "%s\n%s", lower, ip ? ip : "-");
    sig_sha256_hex(pk, strlen(pk), pair);
    const char *kacct = arena_printf(a, "account:%s", lower), *kpair = arena_printf(a, "pair:%s", pair);
    int la = locked(db, a, kacct), lp = locked(db, a, kpair);
    if (la < 0 || lp < 0) return LOGIN_ERROR;
    if (la || lp) return LOGIN_LOCKED;
    db_param e = db_str(lower);
    db_rows r;
    if (db_query(db, a, USER, &e, 1, &r) != 0) return LOGIN_ERROR;
    /* hash something even for unknown accounts, so timing does not tell which emails exist */
    const char *hash = r.nrows ? db_cell(&r, 0, 1) : "$2y$10$abcdefghijklmnopqrstuu5Rz6Cz8lN1o2Qe9Xv1tV5y3cP7vB3bO";
    struct crypt_data cd;
    memset(&cd, 0, sizeof cd);
    const char *got = hash ? crypt_r(password, hash, &cd) : NULL;
    int ok = r.nrows && got && hash && strlen(got) == strlen(hash) && CRYPTO_memcmp(got, hash, strlen(hash)) == 0;
    prune(db, cfg);
    if (!ok) {
        failed(db, kpair, PAIR_FAILURES);
        failed(db, kacct, ACCOUNT_FAILURES);
        return LOGIN_WRONG;
    }
    db_param clear = db_str(kpair);
    db_exec(db, CLEAR, &clear, 1, NULL, NULL);
    const char *company = db_cell(&r, 0, 2);
    if (!company && strcmp(db_cell(&r, 0, 3), "1") != 0) {
        log_msg("warn", "login refused: user %s has no company and is not an operator", db_cell(&r, 0, 0));
        return LOGIN_REFUSED;
    }
    char csrf[65], id[65];
    session_random_hex(token);
    session_random_hex(csrf);
    sig_sha256_hex(token, 64, id);
    db_param s[] = {db_str(id), db_int(atoll(db_cell(&r, 0, 0))), company ? db_int(atoll(company)) : db_null(),
                    db_str(csrf), db_str(hash)};
    if (db_exec(db, CREATE, s, 5, NULL, NULL) != 0) return LOGIN_ERROR;
    return LOGIN_OK;
}

int session_get(sb_db *db, arena *a, const sb_config *cfg, const char *token, session *s)
{
    /* still_valid: the user exists, has the password and company of the
     * login, and is still an operator if the session is one's (D132) */
    static const char SQL[] =
        "SELECT s.user_id, s.company_id, u.name, s.csrf,"
        " u.id IS NOT NULL AND s.password_sha <=> SHA2(u.password, 256) AND u.company_id <=> s.company_id"
        " AND (s.company_id IS NOT NULL OR EXISTS (SELECT 1 FROM switchboard_operators o WHERE o.user_id = u.id))"
        " FROM switchboard_sessions s LEFT JOIN users u ON u.id = s.user_id"
        " WHERE s.id = ? AND s.last_seen_at > NOW(3) - INTERVAL ? MINUTE AND s.created_at > NOW(3) - INTERVAL ? HOUR";
    static const char SEEN[] = "UPDATE switchboard_sessions SET last_seen_at = NOW(3) WHERE id = ?";
    static const char END[] = "DELETE FROM switchboard_sessions WHERE id = ?";
    memset(s, 0, sizeof *s);
    if (!token || strlen(token) != 64) return 0;
    char id[65];
    sig_sha256_hex(token, 64, id);
    db_param p[] = {db_str(id), db_int(cfg->dashboard_idle_minutes), db_int(cfg->dashboard_max_hours)};
    db_rows r;
    if (db_query(db, a, SQL, p, 3, &r) != 0) return -1;
    if (!r.nrows) return 0;
    if (!db_cell(&r, 0, 4) || strcmp(db_cell(&r, 0, 4), "1") != 0) {
        log_msg("info", "session of user %s ended: the user was deleted, changed password or company, or lost the operator grant",
                db_cell(&r, 0, 0));
        db_exec(db, END, p, 1, NULL, NULL);
        return 0;
    }
    s->user_id = atoll(db_cell(&r, 0, 0));
    s->company_id = db_cell(&r, 0, 1) ? atoll(db_cell(&r, 0, 1)) : 0;
    s->operator_ = s->company_id == 0;
    s->user_name = db_cell(&r, 0, 2);
    s->csrf = db_cell(&r, 0, 3);
    s->id = arena_strdup(a, id);
    db_exec(db, SEEN, p, 1, NULL, NULL);
    return 1;
}

void session_end(sb_db *db, const char *token)
{
    static const char SQL[] = "DELETE FROM switchboard_sessions WHERE id = ?";
    if (!token || strlen(token) != 64) return;
    char id[65];
    sig_sha256_hex(token, 64, id);
    db_param p = db_str(id);
    db_exec(db, SQL, &p, 1, NULL, NULL);
}

/* One conditional UPDATE decides, so two children serving the same session
 * at once cannot both pass: the row is the counter. */
static int allowed(sb_db *db, const char *sql, const db_param *p, size_t n)
{
    uint64_t changed = 0;
    if (db_exec(db, sql, p, n, NULL, &changed) != 0) return -1;
    return changed > 0;
}

int session_allow_poll(sb_db *db, const session *s, int min_ms)
{
    static const char SQL[] = "UPDATE switchboard_sessions SET live_at = NOW(3) WHERE id = ?"
                              " AND (live_at IS NULL OR live_at <= NOW(3) - INTERVAL ? MICROSECOND)";
    db_param p[] = {db_str(s->id), db_int((long long)min_ms * 1000)};
    return allowed(db, SQL, p, 2);
}

int session_allow_export(sb_db *db, const session *s, int max_per_minute)
{
    /* a minute that is over starts again at 1 (the WHERE sees the old values, the SET its own left to right) */
    static const char SQL[] =
        "UPDATE switchboard_sessions SET exports = IF(export_at IS NULL OR export_at < NOW(3) - INTERVAL 1 MINUTE, 1, exports + 1),"
        " export_at = IF(exports = 1, NOW(3), export_at)"
        " WHERE id = ? AND NOT (export_at IS NOT NULL AND export_at >= NOW(3) - INTERVAL 1 MINUTE AND exports >= ?)";
    db_param p[] = {db_str(s->id), db_int(max_per_minute)};
    return allowed(db, SQL, p, 2);
}
