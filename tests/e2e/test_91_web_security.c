/* test_91_web_security.c: the web half of issue 15 (DESIGN D131-D138).
 *
 * Operators are granted, not implied (a user without a company is refused
 * until `switchboard operators add`); a session ends when its user is deleted,
 * changes password or company, or loses the grant; Sanctum abilities and
 * sanctum.expiration; the login form's CSRF token; login throttling per
 * (account, address) with an account ceiling and a pruned table (other
 * addresses are 127.0.0.x: the loopback is a /8); the live feed and the
 * exports limited per session and the feed's read bounded; slow bodies cut
 * off by the app (raw FastCGI on the pool's socket, where no front end helps)
 * and survived behind nginx and Apache; a 413 before the body is read leaves
 * a kept FastCGI connection usable (raw, behind the shipped nginx files with
 * fastcgi_keep_conn, and behind Apache); POST /login/ counted by the shipped
 * nginx login limit. Apache parts run when apache2 is installed (`make
 * check-apache` installs it), else a TAP comment says they were skipped.
 * Everything started here is stopped by pid in the group teardown. */
#include "e2e.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth.h"
#include "sig.h"

#define OWNER "owner@salon-haarmonie.example.com"
#define DEMO_HASH "$2y$10$EhJN2RnF/HXCNeMS1ng9XehC6VIEKDPt4of2IRPBQSvzHTJ.qa8VW" /* switchboard-demo */
#define DASH_HOST "switchboard.example.com"
#define APACHE_BIN "/usr/sbin/apache2"
#define APACHE_MODULES "/usr/lib/apache2/modules"
#define SLOW_CLIENTS 4 /* more than the test pool's children */

static const char *dir;    /* VAR/web91 */
static int front_port;     /* the shipped-files nginx or Apache while one runs */
static char front_kind[16];

/* ---- small helpers ---- */

/* A fresh Laravel user with the demo password; its id. company 0: none. */
static long long new_user(const char *tag, long long company_id, const char **email)
{
    static int n;
    *email = arena_printf(e2e_arena(), "%s-%d-%d@example.com", tag, (int)getpid(), ++n);
    db_param u[] = {db_str("Web91 User"), db_str(*email), db_str(DEMO_HASH), company_id ? db_int(company_id) : db_null()};
    uint64_t id = 0;
    assert_int_equal(db_exec(e2e_db(), "INSERT INTO users (name, email, password, company_id, created_at, updated_at)"
                                       " VALUES (?, ?, ?, ?, NOW(), NOW())", u, 4, &id, NULL), 0);
    return (long long)id;
}

static void user_sql(const char *sql, long long id)
{
    db_param p = db_int(id);
    assert_int_equal(db_exec(e2e_db(), sql, &p, 1, NULL, NULL), 0);
}

static long status_of(const char *cookie, const char *path) { return e2e_get_as(cookie, path).status; }

/* One HTTP/1.0 exchange from source address `from` (127.0.0.x) to host:port;
 * the status (0: no answer), the body into *body if not NULL. */
static long raw_http(const char *from, int port, const char *request, const char **body)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in src = {.sin_family = AF_INET}, dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, from, &src.sin_addr);
    inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
    if (s < 0 || bind(s, (struct sockaddr *)&src, sizeof src) != 0 || connect(s, (struct sockaddr *)&dst, sizeof dst) != 0)
        fail_msg("raw_http from %s: %s", from, strerror(errno));
    size_t len = strlen(request);
    assert_int_equal(write(s, request, len), (ssize_t)len);
    buf b = BUF_INIT;
    char chunk[4096];
    ssize_t n;
    struct pollfd pf = {s, POLLIN, 0};
    /* 60 s: behind Apache without mod_reqtimeout a request may wait for two rounds of body deadlines */
    while (poll(&pf, 1, 60000) == 1 && (n = read(s, chunk, sizeof chunk)) > 0) buf_append(&b, chunk, (size_t)n);
    close(s);
    const char *r = arena_strdup(e2e_arena(), buf_cstr(&b));
    buf_free(&b);
    if (body) *body = strstr(r, "\r\n\r\n") ? strstr(r, "\r\n\r\n") + 4 : "";
    return strncmp(r, "HTTP/1.", 7) == 0 ? atol(r + 9) : 0;
}

/* POST /login through the test stack's nginx from address `from`, with a fresh form token. */
static long login_from(const char *from, const char *email, const char *password)
{
    const char *tok = e2e_login_token();
    const char *form = arena_printf(e2e_arena(), "csrf=%s&email=%s&password=%s", tok, email, password);
    const char *port = strrchr(getenv("SB_TEST_URL"), ':') + 1;
    return raw_http(from, atoi(port),
                    arena_printf(e2e_arena(),
                                 "POST /login HTTP/1.0\r\nHost: x\r\nCookie: sb_login=%s\r\nContent-Type: "
                                 "application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
                                 tok, strlen(form), form),
                    NULL);
}

/* ---- item 2: who is an operator; sessions re-checked ---- */

static void company_less_users_are_refused_until_granted(void **state)
{
    (void)state;
    const char *email;
    long long id = new_user("nocompany", 0, &email);
    long st = 0;
    assert_string_equal(e2e_login(email, "switchboard-demo", &st), "");
    assert_int_equal(st, 403);
    const char *out = NULL;
    assert_int_equal(e2e_cli(arena_printf(e2e_arena(), "operators add %s --by test_91", email), &out), 0);
    const char *c = e2e_login(email, "switchboard-demo", &st);
    assert_int_equal(st, 303);
    assert_int_equal(status_of(c, "/calls"), 200);
    assert_int_equal(e2e_cli("operators list", &out), 0);
    assert_non_null(strstr(out, email));
    /* withdrawn: the session ends at its next request */
    assert_int_equal(e2e_cli(arena_printf(e2e_arena(), "operators remove %lld", id), &out), 0);
    assert_int_equal(status_of(c, "/calls"), 303);
    assert_int_equal(e2e_cli(arena_printf(e2e_arena(), "operators remove %s", email), &out), 1); /* not listed any more */
    assert_int_equal(e2e_cli("operators add nobody-at-all@example.invalid", &out), 1);
}

static void a_session_ends_when_its_user_changes(void **state)
{
    (void)state;
    static const char *const CHANGE[] = {
        "UPDATE users SET password = '$2y$10$abcdefghijklmnopqrstuu5Rz6Cz8lN1o2Qe9Xv1tV5y3cP7vB3bO' WHERE id = ?",
        "UPDATE users SET company_id = 1 WHERE id = ?",
        "DELETE FROM users WHERE id = ?",
    };
    for (size_t i = 0; i < sizeof CHANGE / sizeof *CHANGE; i++) {
        const char *email;
        long long id = new_user("change", 2, &email);
        long st = 0;
        const char *c = e2e_login(email, "switchboard-demo", &st);
        assert_int_equal(st, 303);
        assert_int_equal(status_of(c, "/calls"), 200);
        user_sql("UPDATE users SET name = 'Renamed' WHERE id = ?", id); /* other columns do not matter */
        assert_int_equal(status_of(c, "/calls"), 200);
        user_sql(CHANGE[i], id);
        if (status_of(c, "/calls") != 303) fail_msg("the session survived: %s", CHANGE[i]);
        db_param p = db_int(id);
        assert_int_equal(e2e_count("SELECT COUNT(*) FROM switchboard_sessions WHERE user_id = ?", &p, 1), 0);
    }
}

/* A Sanctum token of a user, as Laravel stores it: "<id>|<plaintext>". */
static const char *token_for(long long user_id, const char *abilities, const char *created_sql)
{
    static int n;
    const char *plain = arena_printf(e2e_arena(), "web91token%d%lld", ++n, (long long)e2e_now_ms());
    char hash[65];
    sig_sha256_hex(plain, strlen(plain), hash);
    db_param t[] = {db_int(user_id), db_str(hash), abilities ? db_str(abilities) : db_null()};
    uint64_t tid = 0;
    const char *sql = arena_printf(e2e_arena(),
                                   "INSERT INTO personal_access_tokens (tokenable_type, tokenable_id, name, token, abilities,"
                                   " created_at, updated_at) VALUES ('App\\\\Models\\\\User', ?, 'web91', ?, ?, %s, NOW())",
                                   created_sql);
    assert_int_equal(db_exec(e2e_db(), sql, t, 3, &tid, NULL), 0);
    return arena_printf(e2e_arena(), "%llu|%s", (unsigned long long)tid, plain);
}

static long monitor_with(const char *token)
{
    const char *h[] = {arena_printf(e2e_arena(), "Authorization: Bearer %s", token), NULL};
    return e2e_request("GET", "/api/webhooks/monitor", h, NULL, 0).status;
}

static void sanctum_tokens_need_the_ability_a_company_or_the_grant(void **state)
{
    (void)state;
    const char *email;
    long long tenant = new_user("tok", 2, &email), loner = new_user("tokloner", 0, &email);
    assert_int_equal(monitor_with(token_for(tenant, "[\"*\"]", "NOW()")), 200);
    assert_int_equal(monitor_with(token_for(tenant, "[\"" AUTH_ABILITY_MONITOR "\"]", "NOW()")), 200);
    assert_int_equal(monitor_with(token_for(tenant, "[\"orders:read\"]", "NOW()")), 401);
    assert_int_equal(monitor_with(token_for(tenant, "[]", "NOW()")), 401);
    assert_int_equal(monitor_with(token_for(tenant, NULL, "NOW()")), 401);
    assert_int_equal(monitor_with(token_for(tenant, "not json", "NOW()")), 401);
    /* a user without a company: refused, until granted, then every company */
    const char *lt = token_for(loner, "[\"*\"]", "NOW()");
    assert_int_equal(monitor_with(lt), 401);
    const char *out = NULL;
    assert_int_equal(e2e_cli(arena_printf(e2e_arena(), "operators add %s", email), &out), 0);
    assert_int_equal(monitor_with(lt), 200);
    assert_int_equal(e2e_cli(arena_printf(e2e_arena(), "operators remove %s", email), &out), 0);
    assert_int_equal(monitor_with(lt), 401);
    /* sanctum.expiration: the library with the setting on, against the same rows */
    sb_config cfg = *e2e_config();
    const char *old = token_for(tenant, "[\"*\"]", "NOW() - INTERVAL 2 HOUR");
    const char *fresh = token_for(tenant, "[\"*\"]", "NOW() - INTERVAL 10 MINUTE");
    auth_identity who;
    const char *bearer_old = arena_printf(e2e_arena(), "Bearer %s", old);
    const char *bearer_fresh = arena_printf(e2e_arena(), "Bearer %s", fresh);
    assert_int_equal(auth_bearer(e2e_db(), e2e_arena(), &cfg, bearer_old, AUTH_ABILITY_MONITOR, &who), 0);
    assert_true(who.ok); /* 0: no expiration, as Laravel's default */
    cfg.auth_sanctum_expiration_minutes = 60;
    assert_int_equal(auth_bearer(e2e_db(), e2e_arena(), &cfg, bearer_old, AUTH_ABILITY_MONITOR, &who), 0);
    assert_false(who.ok);
    assert_int_equal(auth_bearer(e2e_db(), e2e_arena(), &cfg, bearer_fresh, AUTH_ABILITY_MONITOR, &who), 0);
    assert_true(who.ok);
    assert_int_equal(who.company_id, 2);
}

/* ---- item 4: login CSRF ---- */

static void the_login_form_needs_its_token(void **state)
{
    (void)state;
    const char *tok = e2e_login_token(), *other = e2e_login_token();
    assert_string_not_equal(tok, other); /* fresh per form */
    const char *ct = "Content-Type: application/x-www-form-urlencoded";
    struct {
        const char *cookie, *field;
    } bad[] = {{NULL, NULL}, {NULL, tok}, {tok, NULL}, {tok, other}, {"", ""}, {"x", "x"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *form = arena_printf(e2e_arena(), "%s%s%semail=" OWNER "&password=haarmonie-demo", bad[i].field ? "csrf=" : "",
                                        bad[i].field ? bad[i].field : "", bad[i].field ? "&" : "");
        const char *h[] = {ct, bad[i].cookie ? arena_printf(e2e_arena(), "Cookie: sb_login=%s", bad[i].cookie) : NULL, NULL};
        e2e_response r = e2e_request("POST", "/login", h, form, strlen(form));
        if (r.status != 403) fail_msg("case %zu: a login without the right token answered %ld", i, r.status);
        assert_non_null(strstr(r.body, "name=\"csrf\"")); /* the form again, with a new token */
    }
    long st = 0;
    assert_string_not_equal(e2e_login(OWNER, "haarmonie-demo", &st), "");
    assert_int_equal(st, 303);
}

/* ---- item 10: throttling ---- */

static void throttling_is_per_account_and_address_with_a_ceiling(void **state)
{
    (void)state;
    const char *email;
    new_user("throttle", 2, &email);
    /* five failures from one address lock that address for this account only */
    for (int i = 0; i < 5; i++) assert_int_equal(login_from("127.0.0.2", email, "wrong"), 401);
    assert_int_equal(login_from("127.0.0.2", email, "switchboard-demo"), 429);
    assert_int_equal(login_from("127.0.0.3", email, "switchboard-demo"), 303);
    const char *other;
    new_user("throttle-other", 2, &other);
    assert_int_equal(login_from("127.0.0.2", other, "switchboard-demo"), 303);
    /* the ceiling: failures spread over many addresses lock the account for all */
    const char *target;
    new_user("ceiling", 2, &target);
    for (int a = 0; a < 13; a++)
        for (int i = 0; i < 4; i++) login_from(arena_printf(e2e_arena(), "127.0.1.%d", a + 1), target, "wrong");
    assert_int_equal(login_from("127.0.2.1", target, "switchboard-demo"), 429);
    /* the table keeps only live windows: stale keys go as logins happen */
    assert_int_equal(db_exec(e2e_db(),
                             "INSERT INTO switchboard_login_attempts (throttle_key, failures, first_at, locked_until) VALUES"
                             " ('pair:web91-stale', 7, NOW(3) - INTERVAL 2 HOUR, NOW(3) - INTERVAL 100 MINUTE),"
                             " ('account:web91-stale', 1, NOW(3) - INTERVAL 1 HOUR, NULL)",
                             NULL, 0, NULL, NULL), 0);
    login_from("127.0.0.4", "web91-nobody@example.invalid", "x");
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM switchboard_login_attempts WHERE throttle_key LIKE '%web91-stale'", NULL, 0), 0);
    /* later tests share 127.0.0.1's keys; these are done */
    assert_int_equal(db_exec(e2e_db(), "DELETE FROM switchboard_login_attempts", NULL, 0, NULL, NULL), 0);
}

/* ---- item 11: per-session limits, bounded live read ---- */

static void polls_and_exports_are_limited_per_session(void **state)
{
    (void)state;
    long st = 0;
    const char *c = e2e_login(OWNER, "haarmonie-demo", &st), *c2 = e2e_login(OWNER, "haarmonie-demo", &st);
    assert_int_equal(status_of(c, "/webhooks/live.json?after=0"), 200);
    e2e_response r = e2e_get_as(c, "/webhooks/live.json?after=0");
    assert_int_equal(r.status, 429);
    assert_int_equal(status_of(c2, "/webhooks/live.json?after=0"), 200); /* another session is not affected */
    usleep(1100000);
    assert_int_equal(status_of(c, "/webhooks/live.json?after=0"), 200);
    int ok = 0;
    for (int i = 0; i < 25; i++) {
        long s = status_of(c, "/calls.csv?days=1");
        if (s == 200) ok++;
        else assert_int_equal(s, 429);
    }
    assert_int_equal(ok, 20);
    assert_int_equal(status_of(c2, "/appointments.csv?days=1"), 200);
}

static void the_live_feed_reads_only_the_newest_ids(void **state)
{
    (void)state;
    long st = 0;
    const char *c = e2e_login(OWNER, "haarmonie-demo", &st);
    static const char INS[] = "INSERT INTO webhook_events (provider, company_id, event_type, event_id, idempotency_key, payload,"
                              " status, next_attempt_at, created_at, updated_at) VALUES ('calcom', ?, 'BOOKING_CREATED', ?,"
                              " CONCAT('calcom:web91:', UUID()), '{}', 'processed', NOW(3), NOW(), NOW())";
    db_param own[] = {db_int(2), db_str("web91-old-own")};
    uint64_t old_id = 0;
    assert_int_equal(db_exec(e2e_db(), INS, own, 2, &old_id, NULL), 0);
    e2e_response r = e2e_get_as(c, arena_printf(e2e_arena(), "/webhooks/live.json?after=%llu", (unsigned long long)old_id - 1));
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "web91-old-own"));
    /* 20,000 ids later (another company's event), after=0 no longer reaches it */
    assert_int_equal(db_exec(e2e_db(), arena_printf(e2e_arena(), "ALTER TABLE webhook_events AUTO_INCREMENT = %llu",
                                                     (unsigned long long)old_id + 20000), NULL, 0, NULL, NULL), 0);
    db_param other[] = {db_int(1), db_str("web91-new-other")};
    assert_int_equal(db_exec(e2e_db(), INS, other, 2, NULL, NULL), 0);
    usleep(1100000);
    r = e2e_get_as(c, "/webhooks/live.json?after=0");
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, "web91-old-own"));
    assert_non_null(strstr(r.body, "\"events\":[")); /* the feed itself still answers */
}

/* ---- FastCGI on the pool's socket (items 3 and 15 without a front end) ---- */

static void fcgi_record(buf *b, int type, const void *data, size_t n)
{
    unsigned char h[8] = {1, (unsigned char)type, 0, 1, (unsigned char)(n >> 8), (unsigned char)n, 0, 0};
    buf_append(b, (const char *)h, 8);
    if (n) buf_append(b, data, n);
}

static void fcgi_pair(buf *p, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    unsigned char l[2] = {(unsigned char)nl, (unsigned char)vl}; /* both < 128 here */
    buf_append(p, (const char *)l, 2);
    buf_append(p, name, nl);
    buf_append(p, value, vl);
}

/* BEGIN_REQUEST (keep the connection) and the params of a POST to path with Content-Length cl. */
static void fcgi_head(buf *b, const char *path, long long cl)
{
    static const unsigned char BEGIN[8] = {0, 1, 1, 0, 0, 0, 0, 0}; /* responder, FCGI_KEEP_CONN */
    fcgi_record(b, 1, BEGIN, 8);
    buf p = BUF_INIT;
    fcgi_pair(&p, "REQUEST_METHOD", "POST");
    fcgi_pair(&p, "SCRIPT_NAME", path);
    fcgi_pair(&p, "DOCUMENT_URI", path);
    fcgi_pair(&p, "CONTENT_TYPE", "application/json");
    fcgi_pair(&p, "CONTENT_LENGTH", arena_printf(e2e_arena(), "%lld", cl));
    fcgi_pair(&p, "REMOTE_ADDR", "127.0.0.1");
    fcgi_record(b, 4, p.data, p.len);
    fcgi_record(b, 4, NULL, 0);
    buf_free(&p);
}

static int fcgi_connect(void)
{
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s/run/switchboard.sock", e2e_var());
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) fail_msg("connect to the pool: %s", strerror(errno));
    return s;
}

/* Write everything (a writer child for bodies the app may not read at once). */
static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) _exit(1);
        p += w;
        n -= (size_t)w;
    }
}

/* Read records until END_REQUEST or timeout_s: the Status of the stdout, 0 if
 * none came, -1 if the connection was closed first. */
static long fcgi_answer(int fd, int timeout_s)
{
    buf in = BUF_INIT;
    long status = 0;
    size_t at = 0;
    for (;;) {
        while (in.len - at >= 8) {
            const unsigned char *h = (const unsigned char *)in.data + at;
            size_t n = ((size_t)h[4] << 8 | h[5]) + h[6];
            if (in.len - at < 8 + n) break;
            if (h[1] == 6 && !status && n > 8) { /* stdout: "Status: NNN ..." */
                const char *st = strstr(arena_strndup(e2e_arena(), in.data + at + 8, n), "Status: ");
                if (st) status = atol(st + 8);
            }
            if (h[1] == 3) goto done; /* END_REQUEST */
            at += 8 + n;
        }
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, timeout_s * 1000) != 1) goto done;
        char chunk[8192];
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r <= 0) {
            if (!status) status = -1;
            goto done;
        }
        buf_append(&in, chunk, (size_t)r);
    }
done:
    buf_free(&in);
    return status;
}

static void the_app_ends_a_slow_body_itself(void **state)
{
    (void)state;
    int fd = fcgi_connect();
    buf b = BUF_INIT;
    fcgi_head(&b, "/api/calcom/webhook", 1000);
    fcgi_record(&b, 5, "{\"trigger", 9); /* then nothing */
    write_all(fd, b.data, b.len);
    buf_free(&b);
    /* http.body_timeout_seconds (10 by default) is the bound; 40 s leaves room on a shared machine */
    long st = fcgi_answer(fd, 40);
    close(fd);
    assert_int_equal(st, 408);
}

static void a_413_leaves_the_kept_connection_usable(void **state)
{
    (void)state;
    int fd = fcgi_connect();
    long long big = e2e_config()->http_max_body + 4096;
    buf b = BUF_INIT;
    fcgi_head(&b, "/api/calcom/webhook", big);
    char *body = arena_alloc(e2e_arena(), 16384);
    memset(body, ' ', 16384);
    for (long long left = big; left > 0; left -= 16384) fcgi_record(&b, 5, body, (size_t)(left < 16384 ? left : 16384));
    fcgi_record(&b, 5, NULL, 0);
    pid_t w = fork();
    if (w == 0) {
        write_all(fd, b.data, b.len);
        _exit(0);
    }
    buf_free(&b);
    assert_int_equal(fcgi_answer(fd, 30), 413);
    int ws = 0;
    waitpid(w, &ws, 0);
    assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0); /* the app read the body to its end */
    /* the next request on the same connection, as nginx with fastcgi_keep_conn sends it */
    const char *ping = "{}";
    b = (buf)BUF_INIT;
    fcgi_head(&b, "/api/calcom/webhook", 2);
    fcgi_record(&b, 5, ping, 2);
    fcgi_record(&b, 5, NULL, 0);
    write_all(fd, b.data, b.len);
    buf_free(&b);
    assert_int_equal(fcgi_answer(fd, 30), 401); /* unsigned: the app's own answer, on the kept connection */
    close(fd);
}

/* ---- slow clients through a front end ---- */

/* SLOW_CLIENTS connections that announce a 100 kB body and send 10 bytes. */
static void slow_clients(int port, const char *host, const char *path, int fds[SLOW_CLIENTS])
{
    for (int i = 0; i < SLOW_CLIENTS; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
        assert_int_equal(connect(fds[i], (struct sockaddr *)&dst, sizeof dst), 0);
        const char *req = arena_printf(e2e_arena(),
                                       "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                                       "Content-Length: 100000\r\n\r\n{\"trigger",
                                       path, host);
        write_all(fds[i], req, strlen(req));
    }
}

static void close_all(int fds[SLOW_CLIENTS])
{
    for (int i = 0; i < SLOW_CLIENTS; i++) close(fds[i]);
}

/* A signed Cal.com ping through host:port answers 200 while slow clients wait. */
static void signed_ping_answers(int port, const char *host)
{
    const char *body = arena_printf(e2e_arena(), "{\"triggerEvent\":\"PING\",\"payload\":{\"note\":\"web91 %lld\"}}", (long long)e2e_now_ms());
    const char *req = arena_printf(e2e_arena(),
                                   "POST /api/calcom/webhook HTTP/1.0\r\nHost: %s\r\nContent-Type: application/json\r\n"
                                   "X-Cal-Signature-256: %s\r\nContent-Length: %zu\r\n\r\n%s",
                                   host, e2e_sign_calcom(body, strlen(body)), strlen(body), body);
    assert_int_equal(raw_http("127.0.0.1", port, req, NULL), 200);
}

static void slow_clients_behind_nginx_hold_no_child(void **state)
{
    (void)state;
    int fds[SLOW_CLIENTS];
    const char *port = strrchr(getenv("SB_TEST_URL"), ':') + 1;
    slow_clients(atoi(port), "x", "/api/calcom/webhook", fds);
    signed_ping_answers(atoi(port), "x");
    close_all(fds);
}

/* ---- the shipped nginx files (fastcgi_keep_conn, the login limit) ---- */

static const char *nginx_prefix(void) { return arena_printf(e2e_arena(), "%s/nginx", dir); }

static void start_shipped_nginx(void)
{
    const char *p = nginx_prefix(), *root = getenv("SB_TEST_ROOT");
    front_port = e2e_free_port();
    /* every route group switched on, the pool's socket, keepalive 1 (2 children, 1 worker) */
    e2e_sh(arena_printf(e2e_arena(),
                        "set -e; rm -rf '%s'; mkdir -p '%s/conf/switchboard' '%s/logs' '%s/tmp'; cd '%s';"
                        "cp conf/nginx/switchboard/*.conf conf/fastcgi_switchboard.conf '%s/conf/switchboard/';"
                        "sed 's|^#include switchboard/|include switchboard/|' conf/nginx/switchboard-routes.conf"
                        " >'%s/conf/switchboard/switchboard-routes.conf';"
                        "sed -e 's|unix:/run/switchboard/fcgi.sock|unix:%s/run/switchboard.sock|' -e 's|keepalive 2;|keepalive 1;|'"
                        " conf/nginx/switchboard-upstream.conf >'%s/conf/upstream.conf';"
                        "sed -e 's|listen 80;|listen 127.0.0.1:%d;|' -e 's|/usr/share/switchboard/www/|%s/www/|'"
                        " conf/nginx/switchboard-dashboard.conf >'%s/conf/dashboard.conf'",
                        p, p, p, p, root, p, p, e2e_var(), p, front_port, root, p));
    FILE *f = e2e_nginx_conf_open(p);
    assert_non_null(f);
    fprintf(f,
            "    include upstream.conf;\n"
            "    server { listen 127.0.0.1:%d default_server; server_name laravel.test;\n"
            "             include switchboard/switchboard-routes.conf; location / { return 404; } }\n"
            "    include dashboard.conf;\n}\n",
            front_port);
    fclose(f);
    e2e_sh(arena_printf(e2e_arena(), "nginx -q -p '%s' -c '%s/conf/nginx.conf' -e '%s/logs/error.log'", p, p, p));
    snprintf(front_kind, sizeof front_kind, "nginx");
    for (int i = 0; i < 100 && raw_http("127.0.0.1", front_port, "GET /api/health HTTP/1.0\r\nHost: laravel.test\r\n\r\n", NULL) != 200; i++)
        usleep(100000);
}

static void stop_front(void)
{
    if (!strcmp(front_kind, "nginx")) e2e_stop_pidfile(arena_printf(e2e_arena(), "%s/nginx.pid", nginx_prefix()));
    if (!strcmp(front_kind, "apache")) e2e_stop_pidfile(arena_printf(e2e_arena(), "%s/apache/httpd.pid", dir));
    front_kind[0] = '\0';
}

/* After each 413 (over http.max_body, under the front end's 2 MiB), the next
 * requests are answered by switchboard, never a 502 from a broken kept connection. */
static void big_bodies_then_requests(const char *host)
{
    size_t big = (size_t)e2e_config()->http_max_body + 65536;
    char *body = arena_alloc(e2e_arena(), big + 1);
    memset(body, ' ', big);
    body[big] = '\0';
    for (int round = 0; round < 5; round++) {
        const char *req = arena_printf(e2e_arena(),
                                       "POST /api/calcom/webhook HTTP/1.0\r\nHost: %s\r\nContent-Type: application/json\r\n"
                                       "Content-Length: %zu\r\n\r\n%s", host, big, body);
        assert_int_equal(raw_http("127.0.0.1", front_port, req, NULL), 413);
        for (int i = 0; i < 4; i++) {
            const char *b = NULL;
            long st = raw_http("127.0.0.1", front_port, arena_printf(e2e_arena(), "GET /api/health HTTP/1.0\r\nHost: %s\r\n\r\n", host), &b);
            if (st != 200) fail_msg("%s: after a 413, /api/health answered %ld: %s", front_kind, st, b);
        }
        signed_ping_answers(front_port, host);
    }
}

static void nginx_keeps_connections_through_413s(void **state)
{
    (void)state;
    start_shipped_nginx();
    big_bodies_then_requests("laravel.test");
}

static void nginx_limits_post_login_with_a_slash(void **state)
{
    (void)state;
    static const char *const PATHS[] = {"/login/", "/login//", "/login"};
    for (size_t k = 0; k < sizeof PATHS / sizeof *PATHS; k++) {
        int limited = 0;
        for (int i = 0; i < 20 && !limited; i++) {
            const char *b = NULL;
            long st = raw_http(arena_printf(e2e_arena(), "127.0.3.%zu", k + 1), front_port,
                               arena_printf(e2e_arena(),
                                            "POST %s HTTP/1.0\r\nHost: " DASH_HOST "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                                            "Content-Length: 3\r\n\r\na=b", PATHS[k]),
                               &b);
            limited = st == 429 && !strstr(b, "CSRF") && !strstr(b, "name=\"csrf\""); /* nginx's own 429 */
        }
        if (!limited) fail_msg("20 quick POST %s were not limited by nginx", PATHS[k]);
    }
    stop_front();
}

/* ---- Apache 2.4 with conf/apache/ (mod_reqtimeout loaded, as on Debian) ---- */

/* Apache with the shipped route file, every group switched on; reqtimeout 0:
 * without mod_reqtimeout, so only the app's own deadline cuts a slow body. */
static int start_apache(int reqtimeout)
{
    const char *a = arena_printf(e2e_arena(), "%s/apache", dir), *root = getenv("SB_TEST_ROOT"), *var = e2e_var();
    front_port = e2e_free_port();
    e2e_sh(arena_printf(e2e_arena(),
                        "set -e; rm -rf '%s'; mkdir -p '%s'; cd '%s';"
                        "sed -e 's|unix:/run/switchboard/fcgi.sock|unix:%s/run/switchboard.sock|' -e 's|^#ProxyPassMatch|ProxyPassMatch|'"
                        " conf/apache/switchboard.conf >'%s/switchboard.conf'",
                        a, a, root, var, a));
    FILE *f = fopen(arena_printf(e2e_arena(), "%s/httpd.conf", a), "w");
    if (!f) return -1;
    static const char *const MODS[] = {"mpm_event", "authz_core", "alias", "proxy", "proxy_fcgi", "reqtimeout"};
    size_t nmods = sizeof MODS / sizeof *MODS - (reqtimeout ? 0 : 1);
    fprintf(f, "ServerName localhost\nDefaultRuntimeDir %s\nPidFile %s/httpd.pid\nErrorLog %s/error.log\nLogLevel warn\n"
               "Listen 127.0.0.1:%d\n", a, a, a, front_port);
    for (size_t i = 0; i < nmods; i++)
        fprintf(f, "LoadModule %s_module " APACHE_MODULES "/mod_%s.so\n", MODS[i], MODS[i]);
    if (geteuid() == 0) fprintf(f, "User www-data\nGroup www-data\n");
    fprintf(f, "Timeout 120\n"); /* Apache's own per-read limit (60 s) out of the way: the deadlines tested must act */
    fprintf(f, "<VirtualHost 127.0.0.1:%d>\n    ServerName laravel.test\n    Include %s/switchboard.conf\n</VirtualHost>\n",
            front_port, a);
    fclose(f);
    if (geteuid() == 0) /* Apache's children run as www-data: let them reach the socket for the length of the check */
        e2e_sh(arena_printf(e2e_arena(), "chgrp www-data '%s' '%s/run' '%s/run/switchboard.sock' && chmod g+x '%s' '%s/run'",
                            var, var, var, var, var));
    e2e_sh(arena_printf(e2e_arena(), APACHE_BIN " -f '%s/httpd.conf' -k start", a));
    snprintf(front_kind, sizeof front_kind, "apache");
    for (int i = 0; i < 100; i++) {
        if (raw_http("127.0.0.1", front_port, "GET /api/health HTTP/1.0\r\nHost: laravel.test\r\n\r\n", NULL) == 200) return 0;
        usleep(100000);
    }
    return -1;
}

/* Slow bodies through Apache are cut off, so a webhook gets a child: by the
 * shipped RequestReadTimeout and the app's http.body_timeout_seconds, or
 * (reqtimeout 0) by the app's deadline alone. Then rounds of 413s and requests. */
static void apache_check(int reqtimeout)
{
    assert_int_equal(start_apache(reqtimeout), 0);
    int fds[SLOW_CLIENTS];
    slow_clients(front_port, "laravel.test", "/api/calcom/webhook", fds);
    signed_ping_answers(front_port, "laravel.test");
    /* with RequestReadTimeout Apache answers the slow clients too; without it
     * only the pool is freed (Apache's own thread waits for its Timeout) */
    for (int i = 0; i < SLOW_CLIENTS && reqtimeout; i++) {
        struct pollfd pf = {fds[i], POLLIN, 0};
        if (poll(&pf, 1, 40000) != 1) fail_msg("Apache: a slow client still holds its request after 40 s");
    }
    close_all(fds);
    if (reqtimeout) big_bodies_then_requests("laravel.test");
    stop_front();
    if (geteuid() == 0) {
        const char *var = e2e_var();
        e2e_sh(arena_printf(e2e_arena(), "chgrp root '%s' '%s/run' '%s/run/switchboard.sock' && chmod g-x '%s'", var, var, var, var));
    }
}

static void apache_survives_slow_clients_and_413s(void **state)
{
    (void)state;
    apache_check(1);
}

static void apache_without_reqtimeout_relies_on_the_app(void **state)
{
    (void)state;
    apache_check(0);
}

static int group_setup(void **state)
{
    if (e2e_setup(state) != 0) return -1;
    dir = arena_printf(e2e_arena(), "%s/web91", e2e_var());
    mkdir(dir, 0755);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static int group_teardown(void **state)
{
    stop_front();
    return e2e_teardown(state);
}

int main(void)
{
    struct CMUnitTest tests[16] = {
        cmocka_unit_test(company_less_users_are_refused_until_granted),
        cmocka_unit_test(a_session_ends_when_its_user_changes),
        cmocka_unit_test(sanctum_tokens_need_the_ability_a_company_or_the_grant),
        cmocka_unit_test(the_login_form_needs_its_token),
        cmocka_unit_test(throttling_is_per_account_and_address_with_a_ceiling),
        cmocka_unit_test(polls_and_exports_are_limited_per_session),
        cmocka_unit_test(the_live_feed_reads_only_the_newest_ids),
        cmocka_unit_test(the_app_ends_a_slow_body_itself),
        cmocka_unit_test(a_413_leaves_the_kept_connection_usable),
        cmocka_unit_test(slow_clients_behind_nginx_hold_no_child),
        cmocka_unit_test(nginx_keeps_connections_through_413s),
        cmocka_unit_test(nginx_limits_post_login_with_a_slash),
    };
    size_t n = 12;
    const char *want = getenv("SB_APACHE"); /* required: a missing apache2 fails instead of skipping */
    if (access(APACHE_BIN, X_OK) == 0 || (want && strcmp(want, "required") == 0))
    {
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(apache_survives_slow_clients_and_413s);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(apache_without_reqtimeout_relies_on_the_app);
    } else
        printf("# SKIP apache_survives_slow_clients_and_413s, apache_without_reqtimeout_relies_on_the_app: apache2 is not installed (make check-apache installs it); "
               "counted neither passed nor failed\n");
    return _cmocka_run_group_tests("test_91_web_security", tests, n, group_setup, group_teardown);
}
