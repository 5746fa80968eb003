/* config.c: the key table, parser and validation (see config.h). */
#include "config.h"

#include "phone.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SB_DATADIR
#define SB_DATADIR "/usr/local/share/switchboard"
#endif

enum cfg_type { CFG_STR, CFG_INT };

struct cfg_key {
    const char *name;
    enum cfg_type type;
    size_t offset;
    const char *def;     /* NULL: no default */
    bool required;
    bool secret;
    int64_t min, max;    /* CFG_INT bounds */
    const char *help;
};

#define S(field) CFG_STR, offsetof(sb_config, field)
#define I(field) CFG_INT, offsetof(sb_config, field)

static const struct cfg_key KEYS[] = {
    {"db.host", S(db_host), NULL, false, false, 0, 0, "TCP host of MariaDB/MySQL (used when db.socket is empty)"},
    {"db.port", I(db_port), "3306", false, false, 1, 65535, "TCP port"},
    {"db.socket", S(db_socket), NULL, false, false, 0, 0, "unix socket path (preferred when set)"},
    {"db.name", S(db_name), NULL, true, false, 0, 0, "database shared with the Laravel app"},
    {"db.user", S(db_user), NULL, true, false, 0, 0, "database user"},
    {"db.password", S(db_password), "", false, true, 0, 0, "database password"},
    {"db.time_zone", S(db_time_zone), "+00:00", false, false, 0, 0, "session time_zone, same as Laravel's APP_TIMEZONE"},
    {"db.connect_timeout", I(db_connect_timeout), "2", false, false, 1, 60, "seconds"},
    {"db.rw_timeout", I(db_rw_timeout), "10", false, false, 1, 600, "read/write timeout, seconds"},
    {"calcom.webhook_secret", S(calcom_webhook_secret), "", false, true, 0, 0, "Cal.com webhook secret; empty = Cal.com routes answer 503"},
    {"calcom.api_base", S(calcom_api_base), "https://api.cal.com", false, false, 0, 0, "Cal.com API base URL (phone booking)"},
    {"calcom.api_key", S(calcom_api_key), "", false, true, 0, 0, "Cal.com API key used when a company has none of its own"},
    {"calcom.timeout_ms", I(calcom_timeout_ms), "8000", false, false, 500, 60000, "total time for one Cal.com API request"},
    {"laravel.app_key", S(laravel_app_key), "", false, true, 0, 0, "Laravel APP_KEY, to read companies.calcom_api_key (encrypted by Laravel)"},
    {"retell.api_key", S(retell_api_key), "", false, true, 0, 0, "Retell API key with the webhook badge; empty = Retell routes answer 503"},
    {"retell.signature_tolerance_ms", I(retell_signature_tolerance_ms), "300000", false, false, 1000, 3600000, "accepted clock skew of X-Retell-Signature"},
    {"retell.api_base", S(retell_api_base), "https://api.retellai.com", false, false, 0, 0, "Retell API base URL (sync-calls)"},
    {"http.max_body", I(http_max_body), "1048576", false, false, 1024, 64 << 20, "largest accepted request body, bytes"},
    {"spool.dir", S(spool_dir), NULL, true, false, 0, 0, "local spool for events acknowledged while the DB is down"},
    {"log.file", S(log_file), NULL, true, false, 0, 0, "request log (one line per request)"},
    {"migrations.dir", S(migrations_dir), "", false, false, 0, 0, "directory of NNNN_name.sql migrations (empty: found next to the binary, see config.h)"},
    {"worker.poll_ms", I(worker_poll_ms), "250", false, false, 10, 250, "worker idle poll interval, ms (at most 250)"},
    {"pipeline.lease_seconds", I(pipeline_lease_seconds), "60", false, false, 1, 3600, "how long a claimed event is reserved before another process may take it"},
    {"pipeline.retry_scale_permille", I(pipeline_retry_scale_permille), "1000", false, false, 1, 1000000, "retry schedule factor in 1/1000 (tests shrink it)"},
    {"pipeline.fast_path", I(pipeline_fast_path), "1", false, false, 0, 1, "process an event right after acknowledging it: a worker is woken at once (the serve child itself when no worker listens); 0: at the worker's next poll"},
    {"pipeline.test_probe", I(pipeline_test_probe), "0", false, false, 0, 1, "enable the SWITCHBOARD_TEST_PROBE handler (tests only)"},
    {"phone.default_country", S(phone_default_country), "DE", false, false, 0, 0, "ISO country for national phone numbers (DE, AT, CH, ...)"},
    {"linker.window_minutes", I(linker_window_minutes), "120", false, false, 1, 10080, "an appointment created this long after a call ended can be that call's conversion"},
    {"linker.keywords", S(linker_keywords), "termin,appointment,buchen,vereinbaren", false, false, 0, 0, "words in a transcript/analysis that show booking intent (comma-separated)"},
    {"metrics.web_monthly_cost_eur", I(metrics_web_monthly_cost_eur), "0", false, false, 0, 100000000, "what the web channel (Cal.com) costs per month, for ROI"},
    {"dashboard.cookie_secure", I(dashboard_cookie_secure), "1", false, false, 0, 1, "send the session cookie with Secure (0 only for local http)"},
    {"dashboard.idle_minutes", I(dashboard_idle_minutes), "60", false, false, 5, 1440, "a dashboard session ends after this long without a request"},
    {"dashboard.max_hours", I(dashboard_max_hours), "12", false, false, 1, 168, "a dashboard session ends this long after login"},
    {"metrics.file", S(metrics_file), "/var/lib/switchboard/metrics", false, false, 0, 0, "shared counters of all processes (memory-mapped file)"},
    {"monitor.token", S(monitor_token), "", false, true, 0, 0, "bearer token for /api/webhooks/monitor and /metrics (operators; sees every company)"},
    /* read replica (lib/db_reads.h, docs/SCALING.md) */
    {"db.read_host", S(db_read_host), "", false, false, 0, 0, "TCP host of a read replica for dashboard reads (empty, and no db.read_socket: none)"},
    {"db.read_port", I(db_read_port), "3306", false, false, 1, 65535, "TCP port of the read replica"},
    {"db.read_socket", S(db_read_socket), "", false, false, 0, 0, "unix socket of the read replica (preferred when set)"},
    {"db.read_user", S(db_read_user), "", false, false, 0, 0, "user on the read replica (empty: db.user); needs REPLICA MONITOR"},
    {"db.read_password", S(db_read_password), "", false, true, 0, 0, "password on the read replica (empty: db.password)"},
    {"db.read_max_lag_seconds", I(db_read_max_lag_seconds), "5", false, false, 0, 86400, "dashboard reads go to the primary while the replica lags more (or is stopped or unreachable)"},
    {"shutdown.grace_seconds", I(shutdown_grace_seconds), "15", false, false, 1, 600, "after SIGTERM, how long the request or event in flight may take before the process exits anyway"},
    /* shadow mode (DESIGN D80) */
    {"shadow", I(shadow), "0", false, false, 0, 1, "1: a shadow instance fed by nginx mirror, on its own db.name; refuses every Cal.com/Retell API request"},
    /* web hardening (issue 15: D131, D137) */
    {"auth.sanctum_expiration_minutes", I(auth_sanctum_expiration_minutes), "0", false, false, 0, 52560000, "a Sanctum token older than this is refused, as Laravel's sanctum.expiration (0: only its expires_at)"},
    {"http.body_timeout_seconds", I(http_body_timeout_seconds), "10", false, false, 1, 600, "a request body must have arrived this long after the request started (slow clients), else 408"},
    /* the function log (DESIGN D90) */
    {"functions.log", I(functions_log), "1", false, false, 0, 1, "1: keep every phone-agent function request in switchboard_function_calls (0: only /metrics counts them)"},
    /* hardening (issue 15 #14, DESIGN D119-D120) */
    {"db.ssl_mode", S(db_ssl_mode), "disabled", false, false, 0, 0, "TLS to the database over TCP (db.host, db.read_host): disabled, required (encrypted, server not verified), verify_ca (certificate signed by db.ssl_ca), verify_identity (and its name is db.host)"},
    {"db.ssl_ca", S(db_ssl_ca), "", false, false, 0, 0, "PEM file of the CA that signed the database server's certificate (verify_ca, verify_identity)"},
    {"retention.failed_days", I(retention_failed_days), "30", false, false, 1, 3650, "switchboard prune deletes failed and dead webhook events (payloads with names, phones, transcripts) older than this; replay them before"},
    /* mail (DESIGN D106-D115) */
    {"smtp.url", S(smtp_url), "", false, false, 0, 0, "SMTP server, smtp://host:587 or smtps://host:465; empty = no mail is composed or sent"},
    {"smtp.from", S(smtp_from), "switchboard@localhost.localdomain", false, false, 0, 0, "envelope and From address of every mail"},
    {"smtp.from_name", S(smtp_from_name), "AskProAI", false, false, 0, 0, "display name in From"},
    {"smtp.user", S(smtp_user), "", false, false, 0, 0, "SMTP AUTH user (empty: no AUTH)"},
    {"smtp.password", S(smtp_password), "", false, true, 0, 0, "SMTP AUTH password"},
    {"smtp.starttls", I(smtp_starttls), "0", false, false, 0, 1, "1: require STARTTLS on an smtp:// URL (smtps:// is TLS anyway)"},
    {"smtp.timeout_seconds", I(smtp_timeout_seconds), "30", false, false, 1, 600, "longest one SMTP delivery may take"},
    {"mail.summary_delay_seconds", I(mail_summary_delay_seconds), "300", false, false, 0, 86400, "a call summary waits this long after call_ended for call_analyzed (sent at once when the analysis is in)"},
    {"mail.max_age_hours", I(mail_max_age_hours), "24", false, false, 1, 8760, "calls that ended longer ago get no summary (backfills, replays, a long outage)"},
    {"mail.callback_alert_minutes", I(mail_callback_alert_minutes), "5", false, false, 0, 1440, "at most one callback alert per company in this many minutes; the items in between go into the next"},
    {"mail.retry_base_seconds", I(mail_retry_base_seconds), "60", false, false, 1, 86400, "first retry delay of a failed mail, doubled per attempt (at most 6 h)"},
    {"mail.max_attempts", I(mail_max_attempts), "12", false, false, 1, 100, "a mail still failing after this many attempts is dead"},
    {"mail.dashboard_url", S(mail_dashboard_url), "", false, false, 0, 0, "the dashboard's public base URL, for links in mails (empty: no links)"},
    {"mail.keep_days", I(mail_keep_days), "90", false, false, 1, 3650, "sent and dead mails (with their text) and finished summary notes are deleted after this many days"},
    /* the pipeline's processes and their wake-up (DESIGN D183-D185) */
    {"pipeline.workers", I(pipeline_workers), "2", false, false, 1, 64, "processes of `switchboard worker` that process events (woken at once by the serve children; the first also drains the spool and refreshes the aggregates)"},
    {"pipeline.wakeup_socket", S(pipeline_wakeup_socket), "", false, false, 0, 0, "unix datagram socket the worker binds and the serve children wake it through (empty: metrics.file + \".wakeup\")"},
    /* the dashboard at a glance (issue 17, DESIGN D166-D180) */
    {"dashboard.timezone", S(dashboard_timezone), "Europe/Berlin", false, false, 0, 0, "IANA zone of times shown across all companies (a company's own pages use companies.timezone)"},
    {"money.usd_eur_rate", S(money_usd_eur_rate), "0.92", false, false, 0, 0, "EUR per USD for Retell costs Laravel did not convert, when currency_exchange_rates has no USD->EUR rate for the day"},
    {"targets.web_pct", I(targets_web_pct), "95", false, false, 0, 100, "target web booking success, percent (per company: switchboard_company_settings)"},
    {"targets.phone_pct", I(targets_phone_pct), "80", false, false, 0, 100, "target phone booking rate, percent"},
    {"targets.overall_pct", I(targets_overall_pct), "60", false, false, 0, 100, "target overall conversion, percent"},
    {"targets.sync_ms", I(targets_sync_ms), "5000", false, false, 1, 3600000, "target webhook-to-row time (queue lag p95), milliseconds"},
    /* Rückrufe (DESIGN D96-D105) */
    {"callbacks.autoclose_hours", I(callbacks_autoclose_hours), "72", false, false, 0, 2160, "an open callback item closes by itself when its caller gets an appointment by any channel within this many hours after the call (0: never)"},
};
#define NKEYS (sizeof KEYS / sizeof KEYS[0])

static char **str_slot(sb_config *c, const struct cfg_key *k) { return (char **)((char *)c + k->offset); }
static int64_t *int_slot(sb_config *c, const struct cfg_key *k) { return (int64_t *)((char *)c + k->offset); }

static const struct cfg_key *find_key(const char *name, size_t n)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strlen(KEYS[i].name) == n && memcmp(KEYS[i].name, name, n) == 0) return &KEYS[i];
    return NULL;
}

static int set_value(sb_config *c, const struct cfg_key *k, const char *v, const char *origin,
                     char *err, size_t errlen)
{
    if (k->type == CFG_STR) {
        char **slot = str_slot(c, k);
        free(*slot);
        *slot = strdup(v);
        if (!*slot) abort();
        return 0;
    }
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end || n < k->min || n > k->max) {
        /* the value of an int key is never secret, so it may be named */
        snprintf(err, errlen, "%s: %s must be an integer from %lld to %lld, got \"%s\"", origin, k->name,
                 (long long)k->min, (long long)k->max, v);
        return -1;
    }
    *int_slot(c, k) = n;
    return 0;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
    return s;
}

static int parse_text(sb_config *c, const char *text, const char *origin, bool *in_file, char *err, size_t errlen)
{
    char *copy = strdup(text);
    if (!copy) abort();
    int lineno = 0, rc = 0;
    char *line = copy;
    while (line && rc == 0) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        lineno++;
        char *l = trim(line);
        if (*l && *l != '#') {
            char *eq = strchr(l, '=');
            char where[512];
            snprintf(where, sizeof where, "%s:%d", origin, lineno);
            if (!eq) {
                snprintf(err, errlen, "%s: expected \"key = value\"", where);
                rc = -1;
                break;
            }
            *eq = '\0';
            char *key = trim(l), *val = trim(eq + 1);
            size_t vl = strlen(val);
            if (vl >= 2 && ((val[0] == '"' && val[vl - 1] == '"') || (val[0] == '\'' && val[vl - 1] == '\''))) {
                val[vl - 1] = '\0';
                val++;
            }
            const struct cfg_key *k = find_key(key, strlen(key));
            if (!k) {
                snprintf(err, errlen, "%s: unknown key \"%.100s\"", where, key);
                rc = -1;
                break;
            }
            in_file[k - KEYS] = true;
            rc = set_value(c, k, val, where, err, errlen);
        }
        line = nl ? nl + 1 : NULL;
    }
    free(copy);
    return rc;
}

/* Edit distance of a and b (optimal string alignment), capped: 3 means "3 or more". */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 127 || lb > 127 || (la > lb ? la - lb : lb - la) > 2) return 3;
    size_t d[128][128];
    for (size_t i = 0; i <= la; i++) d[i][0] = i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb] > 3 ? 3 : d[la][lb];
}

/* An unknown SWITCHBOARD_ variable (name: "DB_PASWORD", n bytes): -1 with err when it looks like a
 * misspelling of a key the file sets (that file value would silently win, D152), else a warning. */
static int unknown_env(const char *var, size_t varlen, const char *name, size_t n, const bool *in_file, char *err,
                       size_t errlen)
{
    char want[128], env[160];
    snprintf(want, sizeof want, "%.*s", (int)n, name);
    const struct cfg_key *near = NULL;
    for (size_t i = 0; i < NKEYS; i++) {
        sb_config_env_name(KEYS[i].name, env, sizeof env);
        if (distance(want, env + 12) > 2) continue;
        near = &KEYS[i];
        if (!in_file[i]) continue;
        snprintf(err, errlen, "environment: unknown variable %.*s; did you mean SWITCHBOARD_%s? (%s is set in the "
                              "file, whose value would be used instead)", (int)varlen, var, env + 12, KEYS[i].name);
        return -1;
    }
    if (near) sb_config_env_name(near->name, env, sizeof env);
    fprintf(stderr, "switchboard: warning: environment: unknown variable %.*s ignored%s%s%s\n", (int)varlen, var,
            near ? " (did you mean " : "", near ? env : "", near ? "?)" : "");
    return 0;
}

static int apply_env(sb_config *c, char *const *envp, const bool *in_file, char *err, size_t errlen)
{
    static const char PREFIX[] = "SWITCHBOARD_";
    for (; envp && *envp; envp++) {
        const char *e = *envp;
        if (strncmp(e, PREFIX, sizeof PREFIX - 1) != 0) continue;
        const char *eq = strchr(e, '=');
        if (!eq) continue;
        const char *name = e + sizeof PREFIX - 1;
        size_t n = (size_t)(eq - name);
        if (n == 6 && memcmp(name, "CONFIG", 6) == 0) continue; /* the config path itself */
        char key[128];
        if (n >= sizeof key) n = sizeof key - 1;
        for (size_t i = 0; i < n; i++) key[i] = name[i] == '_' ? '.' : (char)tolower((unsigned char)name[i]);
        key[n] = '\0';
        /* keys with '_' inside a segment (worker.poll_ms): try every '.'/'_' choice by matching normalised */
        const struct cfg_key *k = NULL;
        for (size_t i = 0; i < NKEYS && !k; i++) {
            const char *kn = KEYS[i].name;
            if (strlen(kn) != n) continue;
            bool same = true;
            for (size_t j = 0; j < n && same; j++) {
                char a = kn[j] == '_' ? '.' : kn[j];
                same = a == key[j];
            }
            if (same) k = &KEYS[i];
        }
        if (!k) {
            if (unknown_env(e, (size_t)(eq - e), name, n, in_file, err, errlen) != 0) return -1;
            continue;
        }
        char origin[160];
        snprintf(origin, sizeof origin, "environment %.*s", (int)(eq - e), e);
        if (set_value(c, k, eq + 1, origin, err, errlen) != 0) return -1;
    }
    return 0;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The default of a data directory rel ("sql/migrations"), see config.h:
 * installed tree next to the binary, source tree, compile-time SB_DATADIR. */
static char *data_dir(const char *rel)
{
    char exe[4096], path[4200 + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) *slash = '\0'; /* exe is now <bin> */
        snprintf(path, sizeof path, "%s/../share/switchboard/%s", exe, rel);
        if (is_dir(path)) goto found;
        snprintf(path, sizeof path, "%s/../%s", exe, rel);
        if (is_dir(path)) goto found;
    }
    snprintf(path, sizeof path, "%s/%s", SB_DATADIR, rel);
found:;
    char *s = realpath(path, NULL); /* without the "/bin/.." */
    if (!s && !(s = strdup(path))) abort();
    return s;
}

static int finish(sb_config *c, char *err, size_t errlen)
{
    if (!*c->migrations_dir) {
        free(c->migrations_dir);
        c->migrations_dir = data_dir("sql/migrations");
    }
    for (size_t i = 0; i < NKEYS; i++) {
        const struct cfg_key *k = &KEYS[i];
        if (k->required && k->type == CFG_STR && (!*str_slot(c, k) || !**str_slot(c, k))) {
            snprintf(err, errlen, "missing required key \"%s\" (%s)", k->name, k->help);
            return -1;
        }
    }
    if (!phone_country_code(c->phone_default_country)) {
        snprintf(err, errlen, "phone.default_country: unknown country \"%s\" (use DE, AT, CH, FR, NL, BE, ...)",
                 c->phone_default_country);
        return -1;
    }
    static const char *const SSL_MODES[] = {"disabled", "required", "verify_ca", "verify_identity"};
    size_t m = 0;
    while (m < sizeof SSL_MODES / sizeof *SSL_MODES && strcmp(SSL_MODES[m], c->db_ssl_mode)) m++;
    if (m == sizeof SSL_MODES / sizeof *SSL_MODES) {
        snprintf(err, errlen, "db.ssl_mode: \"%s\" is not one of disabled, required, verify_ca, verify_identity", c->db_ssl_mode);
        return -1;
    }
    if (m >= 2 && !*c->db_ssl_ca) {
        snprintf(err, errlen, "db.ssl_mode = %s needs db.ssl_ca (the CA file that signed the server's certificate)", c->db_ssl_mode);
        return -1;
    }
    if (m >= 1 && c->db_socket && *c->db_socket) {
        snprintf(err, errlen, "db.ssl_mode = %s applies to TCP: set db.host and leave db.socket empty", c->db_ssl_mode);
        return -1;
    }
    if ((!c->db_socket || !*c->db_socket) && (!c->db_host || !*c->db_host)) {
        snprintf(err, errlen, "missing required key \"db.socket\" or \"db.host\" (where the database is)");
        return -1;
    }
    return 0;
}

int sb_config_load_text(sb_config *cfg, const char *text, const char *origin, char *const *envp,
                        char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NKEYS; i++)
        if (KEYS[i].def && set_value(cfg, &KEYS[i], KEYS[i].def, "default", err, errlen) != 0) goto fail;
    bool in_file[NKEYS] = {false};
    if (text && parse_text(cfg, text, origin, in_file, err, errlen) != 0) goto fail;
    if (apply_env(cfg, envp, in_file, err, errlen) != 0) goto fail;
    if (finish(cfg, err, errlen) != 0) goto fail;
    return 0;
fail:
    sb_config_free(cfg);
    return -1;
}

int sb_config_load(sb_config *cfg, const char *path, char *const *envp, char *err, size_t errlen)
{
    char *text = NULL;
    if (path) {
        FILE *f = fopen(path, "rb");
        if (!f) {
            snprintf(err, errlen, "cannot open config %s: %s", path, strerror(errno));
            memset(cfg, 0, sizeof *cfg);
            return -1;
        }
        size_t cap = 4096, len = 0;
        text = malloc(cap);
        if (!text) abort();
        size_t n;
        while ((n = fread(text + len, 1, cap - len - 1, f)) > 0) {
            len += n;
            if (cap - len - 1 == 0) {
                cap *= 2;
                text = realloc(text, cap);
                if (!text) abort();
            }
        }
        text[len] = '\0';
        fclose(f);
    }
    int rc = sb_config_load_text(cfg, text, path ? path : "config", envp, err, errlen);
    free(text);
    return rc;
}

void sb_config_free(sb_config *cfg)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (KEYS[i].type == CFG_STR) {
            free(*str_slot(cfg, &KEYS[i]));
            *str_slot(cfg, &KEYS[i]) = NULL;
        }
}

int sb_config_changed(const sb_config *a, const sb_config *b, const char *prefix)
{
    sb_config *ca = (sb_config *)a, *cb = (sb_config *)b;
    for (size_t i = 0; i < NKEYS; i++) {
        const struct cfg_key *k = &KEYS[i];
        if (strncmp(k->name, prefix, strlen(prefix)) != 0) continue;
        if (k->type == CFG_INT) {
            if (*int_slot(ca, k) != *int_slot(cb, k)) return 1;
        } else {
            const char *x = *str_slot(ca, k), *y = *str_slot(cb, k);
            if (strcmp(x ? x : "", y ? y : "") != 0) return 1;
        }
    }
    return 0;
}

void sb_config_print(const sb_config *cfg, FILE *out)
{
    sb_config *c = (sb_config *)cfg;
    for (size_t i = 0; i < NKEYS; i++) {
        const struct cfg_key *k = &KEYS[i];
        if (k->type == CFG_INT) {
            fprintf(out, "%s = %lld\n", k->name, (long long)*int_slot(c, k));
        } else {
            const char *v = *str_slot(c, k);
            if (k->secret) fprintf(out, "%s = %s\n", k->name, v && *v ? "(set)" : "(not set)");
            else fprintf(out, "%s = %s\n", k->name, v ? v : "");
        }
    }
}

int sb_config_key(size_t i, sb_config_key_info *out)
{
    if (i >= NKEYS) return -1;
    const struct cfg_key *k = &KEYS[i];
    *out = (sb_config_key_info){k->name, k->def, k->help, k->required, k->secret, k->type == CFG_INT, k->min, k->max};
    return 0;
}

void sb_config_env_name(const char *key, char *out, size_t n)
{
    size_t o = (size_t)snprintf(out, n, "SWITCHBOARD_");
    for (; *key && o + 1 < n; key++) out[o++] = *key == '.' ? '_' : (char)toupper((unsigned char)*key);
    out[o < n ? o : n - 1] = '\0';
}

void sb_config_print_keys(FILE *out)
{
    fputs("# key\tenvironment variable\tdefault\tdescription\n", out);
    for (size_t i = 0; i < NKEYS; i++) {
        const struct cfg_key *k = &KEYS[i];
        char env[160];
        sb_config_env_name(k->name, env, sizeof env);
        const char *def = k->required ? "(required)" : !k->def ? "(none)" : !*k->def ? "(empty)" : k->def;
        fprintf(out, "%s\t%s\t%s\t%s%s\n", k->name, env, def, k->help, k->secret ? " [secret]" : "");
    }
}
