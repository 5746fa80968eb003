/* e2e.h: helpers for end-to-end tests against the running test stack.
 *
 * tests/run.sh boots a private stack (real MariaDB, spawn-fcgi pool, nginx)
 * and exports SB_TEST_URL (http://127.0.0.1:PORT), SB_TEST_VAR (its VAR dir)
 * and SB_TEST_ROOT (the repo). Requests go through nginx with real HTTP;
 * assertions on rows use the same config (VAR/switchboard.conf) and the
 * project's DB helper. Everything returned is owned by the test's arena
 * (e2e_arena()) unless said otherwise. */
#ifndef SB_E2E_H
#define SB_E2E_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <cmocka.h>

#include "arena.h"
#include "buf.h"
#include "config.h"
#include "db.h"
#include "http_client.h"
#include "json.h"

typedef struct e2e_response {
    long status;
    const char *body;
    size_t body_len;
    const char *request_id;  /* X-Request-Id */
    const char *allow;       /* Allow header or NULL */
    json_object *json;       /* parsed body or NULL; freed by e2e_reset() */
} e2e_response;

/* cmocka group setup/teardown: load config, open DB. */
int e2e_setup(void **state);
int e2e_teardown(void **state);

arena *e2e_arena(void);
const sb_config *e2e_config(void);
sb_db *e2e_db(void);
const char *e2e_var(void);

/* HTTP through nginx. headers: NULL-terminated "Name: value" list. */
e2e_response e2e_request(const char *method, const char *path, const char *const *headers, const char *body,
                         size_t len);
/* POST signed the way the provider signs ("calcom" | "retell"). */
e2e_response e2e_post_signed(const char *provider, const char *path, const char *body, size_t len);
/* Sign body: X-Cal-Signature-256 value / X-Retell-Signature value at ts_ms. */
const char *e2e_sign_calcom(const char *body, size_t len);
const char *e2e_sign_retell(const char *body, size_t len, int64_t ts_ms);
int64_t e2e_now_ms(void);

/* Bytes of tests/fixtures/<rel>. */
const char *e2e_fixture(const char *rel, size_t *len);

/* s with every occurrence of from replaced by to (arena). */
const char *e2e_replace(const char *s, const char *from, const char *to);
/* Fixture rel with `from` replaced by a fresh id; the id into *new_id if not NULL. */
const char *e2e_fixture_new_id(const char *rel, const char *from, const char **new_id, size_t *len);

/* First cell of a query (NULL for no row / SQL NULL). */
const char *e2e_scalar(const char *sql, const db_param *p, size_t n);
long long e2e_count(const char *sql, const db_param *p, size_t n);

/* conf/stack.sh CMD VAR, with extra "K=V" environment (may be NULL). 0 on success. */
int e2e_stack(const char *cmd, const char *env_assignments);
/* Poll cond (re-evaluated by the caller via a function) up to seconds; 1 if it became true. */
int e2e_wait(int (*cond)(void), int seconds);
/* Poll until the event's status is one of the '|'-separated words, up to seconds. */
int e2e_wait_status(uint64_t event_id, const char *statuses, int seconds);

/* Run bin/switchboard -c <test config> ARGS (shell words); stdout+stderr into
 * *out (arena). Returns the exit code. */
int e2e_cli(const char *args, const char **out);

/* The same with another config file (a shadow instance's, test_94). */
int e2e_cli_with(const char *config, const char *args, const char **out);

/* Run sql as the database's root over the stack's socket (DDL the app's user may not run:
 * triggers, renames); the shell's exit status (0: ran). */
int e2e_root_sql(const char *sql);
/* Run a shell command; a non-zero exit fails the test with the command. */
void e2e_sh(const char *cmd);
/* A free TCP port on 127.0.0.1 (0 if none). */
int e2e_free_port(void);
/* The pid in a pid file (0 if none); SIGTERM it and wait (up to 20 s) until it is gone. */
pid_t e2e_pid_from(const char *file);
void e2e_stop_pidfile(const char *file);
/* PREFIX/conf/nginx.conf opened for writing, its head written: one worker, pid,
 * error and access logs and temp paths under PREFIX (logs/, tmp/), and "http {"
 * left open for the caller's servers and closing brace. NULL if it cannot be opened. */
FILE *e2e_nginx_conf_open(const char *prefix);

/* The Laravel stand-in (fake_providers --legacy: answers "legacy:PATH" with
 * X-Legacy) on a port of its choosing: the port, or -1. e2e_stop_legacy() ends it. */
int e2e_start_legacy(void);
void e2e_stop_legacy(void);

/* A fresh Cal.com booking (calcom/webhook_booking_created.json with a new uid, into *uid)
 * delivered signed and processed (15 s); its webhook_events id. */
uint64_t e2e_booking_created(const char **uid);
/* The stack's fake Cal.com (PORT + 1, conf/stack.sh): METHOD path with the bookings' version
 * header and the configured key; the parsed answer (caller puts it; NULL if not JSON). */
json_object *e2e_fake_calcom(const char *method, const char *path, const char *body);

/* One phone-agent function request in Retell's envelope (call object with call_id, from_number),
 * signed, through nginx; fails the test unless it is answered 200 with JSON. */
e2e_response e2e_function_call(const char *call_id, const char *from, const char *name, const char *args_json);
/* Rows of switchboard_function_calls for a Retell call id. The row is written before the answer
 * leaves (D90), so it is there when e2e_function_call returns. */
long long e2e_function_rows(const char *call_id);
/* The Europe/Berlin day `days` from today as the agent says it: "dd.mm.yyyy" (arena). */
const char *e2e_day_de(int days);
/* A Retell call fixture (tests/fixtures/FIXTURE) for call `id` from `from`, started 3 minutes ago
 * and ended 15 s ago, the caller's name replaced by `name` (JSON text as it goes in the body) (arena). */
const char *e2e_call_phase(const char *fixture, const char *id, const char *from, const char *name);
/* "YYYY-MM-DDTHH:MM:SS" (UTC) of hh:mm Europe/Berlin on the day `days` from today (arena). */
const char *e2e_berlin_utc(int days, int h, int m);
/* A call the stack knows: retell/webhook_call_started.json with a fresh id (PREFIX_PID_N)
 * delivered and processed. Its id (arena). */
const char *e2e_started_call(const char *prefix);

/* GET /login: the form's CSRF token (64 hex), checked to be also its sb_login
 * cookie (Path=/login, HttpOnly, SameSite=Strict); a POST /login sends both (D134). */
const char *e2e_login_token(void);
/* POST the dashboard's login form (with a fresh form token); the session cookie ("sb_session=...", its
 * HttpOnly and SameSite=Lax flags checked) or "" when refused; *status = the answer. */
const char *e2e_login(const char *email, const char *password, long *status);
/* GET path with "Cookie: cookie". */
e2e_response e2e_get_as(const char *cookie, const char *path);

/* Create the probe tables (idempotent). */
void e2e_probe_tables(void);
/* POST a signed SWITCHBOARD_TEST_PROBE event (Cal.com route) with a fresh uid
 * and the given payload members ("\"transient_failures\":2", may be ""). Returns
 * the webhook_events id (0 if not 200 accepted); the uid into *uid if not NULL. */
uint64_t e2e_probe(const char *members, const char **uid);

/* POST json to the fake providers' /_control (PORT+1): {"fail_500": true}, {"latency_ms": N}. */
void e2e_fake_control(const char *json);

/* A mail the stack's SMTP sink stored (VAR/mail/NNNNNN.eml, tests/fake/smtp_sink.c): its path and whole text. */
typedef struct e2e_mail {
    const char *path, *text;
} e2e_mail;
/* Every stored mail whose text contains needle (the first max into out); how many there are. */
size_t e2e_sink_find(const char *needle, e2e_mail *out, size_t max);
/* The decoded base64 part that follows the header line `after` in a stored mail (arena), NULL if none. */
const char *e2e_mail_part(const char *mail, const char *after);

#endif
