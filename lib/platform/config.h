/* config.h: switchboard's configuration, one table of keys.
 *
 * Sources, later wins: built-in defaults, the file (`key = value` lines,
 * '#' comments), then SWITCHBOARD_<KEY> environment variables (key upper-
 * cased, '.' -> '_', e.g. SWITCHBOARD_DB_PASSWORD). Unknown keys in the file,
 * bad values and missing required keys stop startup with a message naming
 * the key. An unknown SWITCHBOARD_* variable stops it only when it looks like
 * a misspelling (edit distance <= 2) of a key the file sets, whose value would
 * otherwise silently win; any other is a warning on stderr (a variable meant
 * for another tool must not stop the service, D152). Secret values are never
 * printed (sb_config_print masks them).
 *
 * migrations.dir, when not set, is found next to the binary: the installed
 * tree <bin>/../share/switchboard/sql/migrations (any PREFIX), else the source
 * tree <bin>/../sql/migrations (bin/switchboard of a checkout), else the
 * compile-time SB_DATADIR/sql/migrations (the Makefile's PREFIX).
 *
 * Ownership: sb_config_load() fills a caller-owned struct whose strings are
 * malloc'd; sb_config_free() releases them. */
#ifndef SB_CONFIG_H
#define SB_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct sb_config {
    char *db_host;
    int64_t db_port;
    char *db_socket;
    char *db_name;
    char *db_user;
    char *db_password;
    char *db_time_zone;
    int64_t db_connect_timeout;
    int64_t db_rw_timeout;

    char *calcom_webhook_secret;
    char *calcom_api_base;
    char *calcom_api_key;
    int64_t calcom_timeout_ms;
    char *laravel_app_key;
    char *retell_api_key;
    int64_t retell_signature_tolerance_ms;
    char *retell_api_base;

    int64_t http_max_body;

    char *spool_dir;
    char *log_file;
    char *migrations_dir;

    int64_t worker_poll_ms;

    int64_t pipeline_lease_seconds;
    int64_t pipeline_retry_scale_permille;
    int64_t pipeline_fast_path;
    int64_t pipeline_test_probe;

    char *phone_default_country;

    int64_t linker_window_minutes;
    char *linker_keywords;
    int64_t metrics_web_monthly_cost_eur;

    int64_t dashboard_cookie_secure;
    int64_t dashboard_idle_minutes;
    int64_t dashboard_max_hours;

    char *metrics_file;
    char *monitor_token;
    int64_t auth_sanctum_expiration_minutes; /* Laravel's sanctum.expiration; 0: none (D131) */
    int64_t http_body_timeout_seconds;       /* the whole body must arrive within this (D137) */

    /* read replica for dashboard reads (lib/db_reads.h); empty host and socket: none */
    char *db_read_host;
    int64_t db_read_port;
    char *db_read_socket;
    char *db_read_user;
    char *db_read_password;
    int64_t db_read_max_lag_seconds;
    int64_t shutdown_grace_seconds;

    /* shadow mode (docs/MIGRATION.md "Shadow mode", DESIGN D80): a mirror-fed instance on
     * its own schema; every outbound provider request is refused (lib/http_client.h) */
    int64_t shadow;

    /* the phone agent's function log (switchboard_function_calls, DESIGN D90) */
    int64_t functions_log;
    /* hardening (issue 15): TLS to a database over TCP (D119), how long failed/dead events stay (D120) */
    char *db_ssl_mode;          /* disabled | required | verify_ca | verify_identity */
    char *db_ssl_ca;            /* PEM file of the CA that signed the server's certificate */
    int64_t retention_failed_days;
    /* mail (DESIGN D106-D115): call summaries and callback alerts, sent by the worker */
    char *smtp_url;
    char *smtp_from;
    char *smtp_from_name;
    char *smtp_user;
    char *smtp_password;
    int64_t smtp_starttls;
    int64_t smtp_timeout_seconds;
    int64_t mail_summary_delay_seconds;
    int64_t mail_max_age_hours;
    int64_t mail_callback_alert_minutes;
    int64_t mail_retry_base_seconds;
    int64_t mail_max_attempts;
    char *mail_dashboard_url;
    int64_t mail_keep_days;
    /* the pipeline's processes and their wake-up (DESIGN D183-D185) */
    int64_t pipeline_workers;
    char *pipeline_wakeup_socket;
    /* the dashboard at a glance (issue 17): the operators' clock, money, targets */
    char *dashboard_timezone;
    char *money_usd_eur_rate;
    int64_t targets_web_pct;
    int64_t targets_phone_pct;
    int64_t targets_overall_pct;
    int64_t targets_sync_ms;
    /* Rückrufe (lib/callbacks.h): the window in which a caller's appointment closes their open items */
    int64_t callbacks_autoclose_hours;
} sb_config;

/* Load defaults, then path (NULL: no file), then the environment envp
 * (NULL-terminated "K=V" strings; NULL: none). Returns 0, or -1 with the
 * reason in err. On failure the struct is left freed. */
int sb_config_load(sb_config *cfg, const char *path, char *const *envp, char *err, size_t errlen);
/* Same, from text already in memory (origin names it in messages). */
int sb_config_load_text(sb_config *cfg, const char *text, const char *origin, char *const *envp,
                        char *err, size_t errlen);
void sb_config_free(sb_config *cfg);
/* Every key = value, secrets shown as "(set)" or "(not set)". */
void sb_config_print(const sb_config *cfg, FILE *out);
/* The key table, for help and the man page. Static strings; def NULL: no default. */
typedef struct sb_config_key_info {
    const char *name, *def, *help;
    int required, secret, is_int;
    long long min, max;
} sb_config_key_info;
/* Key i (0, 1, ...): 0 and *out filled, or -1 past the last. */
int sb_config_key(size_t i, sb_config_key_info *out);
/* The environment variable of a key: "db.read_host" -> "SWITCHBOARD_DB_READ_HOST". */
void sb_config_env_name(const char *key, char *out, size_t n);
/* `switchboard config --keys`: every key, its variable, default and description (tab-separated). */
void sb_config_print_keys(FILE *out);
/* 1 when a key whose name starts with prefix ("db.", "log.file") has
 * different values in a and b, else 0. For a reload: what must be redone. */
int sb_config_changed(const sb_config *a, const sb_config *b, const char *prefix);

#endif
