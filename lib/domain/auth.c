/* auth.c: monitor token and Laravel Sanctum bearer tokens (see auth.h). */
#include "auth.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "sig.h"

static bool same_secret(const char *a, const char *b)
{
    /* compare digests so the time does not depend on where the strings differ, nor their length */
    char ha[65], hb[65];
    sig_sha256_hex(a, strlen(a), ha);
    sig_sha256_hex(b, strlen(b), hb);
    return CRYPTO_memcmp(ha, hb, 64) == 0;
}

int auth_token_can(const char *abilities, const char *ability)
{
    json_object *j = abilities ? json_parse_strict(abilities, strlen(abilities), NULL, 0) : NULL;
    int can = 0;
    if (j && json_object_is_type(j, json_type_array))
        for (size_t i = 0; i < json_object_array_length(j) && !can; i++) {
            json_object *v = json_object_array_get_idx(j, i);
            const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
            can = s && (!strcmp(s, "*") || !strcmp(s, ability));
        }
    json_object_put(j);
    return can;
}

int auth_bearer(sb_db *db, arena *a, const sb_config *cfg, const char *authorization, const char *ability,
                auth_identity *who)
{
    /* expiry as Laravel's Sanctum Guard: expires_at, and created_at + sanctum.expiration when set */
    static const char SQL[] =
        "SELECT t.token, u.id, u.company_id, t.abilities,"
        " EXISTS (SELECT 1 FROM switchboard_operators o WHERE o.user_id = u.id) FROM personal_access_tokens t"
        " JOIN users u ON u.id = t.tokenable_id"
        " WHERE t.id = ? AND t.tokenable_type = ?"
        " AND (t.expires_at IS NULL OR t.expires_at > NOW())"
        " AND (? = 0 OR t.created_at > NOW() - INTERVAL ? MINUTE)";
    static const char USED[] = "UPDATE personal_access_tokens SET last_used_at = NOW() WHERE id = ?";
    memset(who, 0, sizeof *who);
    who->reason = "no bearer token";
    if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0) return 0;
    const char *tok = authorization + 7;
    while (*tok == ' ') tok++;
    if (!*tok) return 0;
    if (cfg->monitor_token && *cfg->monitor_token && same_secret(tok, cfg->monitor_token)) {
        who->ok = true;
        who->reason = "monitor token";
        return 0;
    }
    const char *bar = strchr(tok, '|');
    who->reason = "token not recognised";
    if (!bar || bar == tok) return 0;
    char *end;
    long long id = strtoll(tok, &end, 10);
    if (end != bar || id <= 0) return 0;
    char want[65];
    sig_sha256_hex(bar + 1, strlen(bar + 1), want);
    db_param q[] = {db_int(id), db_str("App\\Models\\User"), db_int(cfg->auth_sanctum_expiration_minutes),
                    db_int(cfg->auth_sanctum_expiration_minutes)};
    db_rows rows;
    if (db_query(db, a, SQL, q, 4, &rows) != 0) return -1;
    if (rows.nrows == 0 || rows.len[0] != 64 || CRYPTO_memcmp(db_cell(&rows, 0, 0), want, 64) != 0) return 0;
    if (!auth_token_can(db_cell(&rows, 0, 3), ability)) {
        who->reason = "token lacks the ability";
        return 0;
    }
    if (!db_cell(&rows, 0, 2) && strcmp(db_cell(&rows, 0, 4), "1") != 0) {
        who->reason = "user has no company and is not an operator";
        return 0;
    }
    who->ok = true;
    who->user_id = atoll(db_cell(&rows, 0, 1));
    who->company_id = db_cell(&rows, 0, 2) ? atoll(db_cell(&rows, 0, 2)) : 0;
    who->reason = "sanctum token";
    db_exec(db, USED, q, 1, NULL, NULL);
    return 0;
}
