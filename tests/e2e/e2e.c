/* e2e.c: helpers for end-to-end tests (see e2e.h). */
#include "e2e.h"

#include <dirent.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "sig.h"

extern char **environ;

static sb_config cfg;
static sb_db *db;
static arena *pool;
static const char *base_url, *var_dir, *root_dir;
static json_object **parsed; /* every parsed response body, released at teardown */
static size_t nparsed, capparsed;

int e2e_setup(void **state)
{
    (void)state;
    base_url = getenv("SB_TEST_URL");
    var_dir = getenv("SB_TEST_VAR");
    root_dir = getenv("SB_TEST_ROOT");
    if (!base_url || !var_dir || !root_dir) {
        fprintf(stderr, "e2e: SB_TEST_URL/SB_TEST_VAR/SB_TEST_ROOT not set: run through tests/run.sh\n");
        return -1;
    }
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/switchboard.conf", var_dir);
    char *no_env[] = {NULL};
    if (sb_config_load(&cfg, path, no_env, err, sizeof err) != 0) {
        fprintf(stderr, "e2e: %s\n", err);
        return -1;
    }
    db = db_new(&cfg);
    pool = arena_new(1 << 20);
    return 0;
}

int e2e_teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < nparsed; i++) json_object_put(parsed[i]);
    free(parsed);
    parsed = NULL;
    nparsed = capparsed = 0;
    db_free(db);
    sb_config_free(&cfg);
    arena_free(pool);
    return 0;
}

arena *e2e_arena(void) { return pool; }
const sb_config *e2e_config(void) { return &cfg; }
sb_db *e2e_db(void) { return db; }
const char *e2e_var(void) { return var_dir; }

int64_t e2e_now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

e2e_response e2e_request(const char *method, const char *path, const char *const *headers, const char *body,
                         size_t len)
{
    e2e_response r = {0};
    char url[4096], err[512], hv[512];
    snprintf(url, sizeof url, "%s%s", base_url, path);
    http_client_response hr;
    int rc = http_client_request(method, url, headers, body, len, 30000, &hr, err, sizeof err);
    if (rc != 0) fail_msg("HTTP %s %s failed: %s", method, path, err);
    r.status = hr.status;
    r.body = arena_strndup(pool, buf_cstr(&hr.body), hr.body.len);
    r.body_len = hr.body.len;
    if (http_client_header(&hr, "X-Request-Id", hv, sizeof hv) == 0) r.request_id = arena_strdup(pool, hv);
    if (http_client_header(&hr, "Allow", hv, sizeof hv) == 0) r.allow = arena_strdup(pool, hv);
    char jerr[256];
    r.json = r.body_len ? json_parse_strict(r.body, r.body_len, jerr, sizeof jerr) : NULL;
    if (r.json) {
        if (nparsed == capparsed) {
            capparsed = capparsed ? capparsed * 2 : 256;
            parsed = realloc(parsed, capparsed * sizeof *parsed);
            if (!parsed) abort();
        }
        parsed[nparsed++] = r.json;
    }
    http_client_response_free(&hr);
    return r;
}

const char *e2e_sign_calcom(const char *body, size_t len)
{
    char *out = arena_alloc(pool, 65);
    sig_calcom_sign(cfg.calcom_webhook_secret, body, len, out);
    return out;
}

const char *e2e_sign_retell(const char *body, size_t len, int64_t ts_ms)
{
    char *out = arena_alloc(pool, 100);
    sig_retell_sign(cfg.retell_api_key, body, len, ts_ms, out);
    return out;
}

e2e_response e2e_post_signed(const char *provider, const char *path, const char *body, size_t len)
{
    const char *h[3] = {"Content-Type: application/json", NULL, NULL};
    if (strcmp(provider, "calcom") == 0)
        h[1] = arena_printf(pool, "X-Cal-Signature-256: %s", e2e_sign_calcom(body, len));
    else
        h[1] = arena_printf(pool, "X-Retell-Signature: %s", e2e_sign_retell(body, len, e2e_now_ms()));
    return e2e_request("POST", path, h, body, len);
}

const char *e2e_fixture(const char *rel, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/%s", root_dir, rel);
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("fixture %s missing", path);
    struct stat st;
    fstat(fileno(f), &st);
    char *data = arena_alloc(pool, (size_t)st.st_size + 1);
    *len = fread(data, 1, (size_t)st.st_size, f);
    data[*len] = '\0';
    fclose(f);
    return data;
}

const char *e2e_scalar(const char *sql, const db_param *p, size_t n)
{
    db_rows rows;
    if (db_query(db, pool, sql, p, n, &rows) != 0) fail_msg("query failed: %s: %s", sql, db_error(db));
    return db_cell(&rows, 0, 0);
}

long long e2e_count(const char *sql, const db_param *p, size_t n)
{
    const char *v = e2e_scalar(sql, p, n);
    return v ? atoll(v) : 0;
}

int e2e_stack(const char *cmd, const char *env_assignments)
{
    char line[8192];
    snprintf(line, sizeof line, "%s SB_QUIET=1 '%s/conf/stack.sh' %s '%s' >>'%s/log/stack-test.log' 2>&1",
             env_assignments ? env_assignments : "", root_dir, cmd, var_dir, var_dir);
    return system(line) == 0 ? 0 : -1;
}

int e2e_wait(int (*cond)(void), int seconds)
{
    for (int i = 0; i < seconds * 10; i++) {
        if (cond()) return 1;
        usleep(100000);
    }
    return cond();
}

int e2e_wait_status(uint64_t event_id, const char *statuses, int seconds)
{
    for (int i = 0; i <= seconds * 20; i++) {
        db_param p = db_int((long long)event_id);
        const char *st = e2e_scalar("SELECT status FROM webhook_events WHERE id = ?", &p, 1);
        if (st) {
            size_t n = strlen(st);
            for (const char *w = statuses; *w;) {
                const char *bar = strchr(w, '|');
                size_t wl = bar ? (size_t)(bar - w) : strlen(w);
                if (wl == n && strncmp(w, st, n) == 0) return 1;
                if (!bar) break;
                w = bar + 1;
            }
        }
        usleep(50000);
    }
    return 0;
}

int e2e_cli(const char *args, const char **out)
{
    return e2e_cli_with(arena_printf(pool, "%s/switchboard.conf", var_dir), args, out);
}

int e2e_cli_with(const char *config, const char *args, const char **out)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s/bin/switchboard' -c '%s' %s 2>&1", root_dir, config, args);
    FILE *p = popen(cmd, "r");
    if (!p) fail_msg("cannot run %s", cmd);
    buf b = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0) buf_append(&b, chunk, n);
    int st = pclose(p);
    *out = arena_strndup(pool, buf_cstr(&b), b.len);
    buf_free(&b);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

void e2e_sh(const char *cmd)
{
    int st = system(cmd);
    if (st != 0) fail_msg("command failed (%d): %s", st, cmd);
}

int e2e_free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(s, (struct sockaddr *)&a, &al) != 0) {
        if (s >= 0) close(s);
        return 0;
    }
    close(s);
    return ntohs(a.sin_port);
}

pid_t e2e_pid_from(const char *file)
{
    FILE *f = fopen(file, "r");
    long pid = 0;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1) pid = 0;
        fclose(f);
    }
    return (pid_t)pid;
}

void e2e_stop_pidfile(const char *file)
{
    pid_t pid = e2e_pid_from(file);
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    for (int i = 0; i < 200 && kill(pid, 0) == 0; i++) usleep(100000);
    unlink(file);
}

FILE *e2e_nginx_conf_open(const char *p)
{
    FILE *f = fopen(arena_printf(pool, "%s/conf/nginx.conf", p), "w");
    if (!f) return NULL;
    fprintf(f,
            "%s\nworker_processes 1;\npid %s/nginx.pid;\nerror_log %s/logs/error.log warn;\n"
            "events { worker_connections 256; }\n"
            "http {\n"
            "    access_log %s/logs/access.log;\n"
            "    client_body_temp_path %s/tmp/body; fastcgi_temp_path %s/tmp/fastcgi; proxy_temp_path %s/tmp/proxy;\n"
            "    uwsgi_temp_path %s/tmp/uwsgi; scgi_temp_path %s/tmp/scgi;\n",
            geteuid() == 0 ? "user root;" : "", p, p, p, p, p, p, p, p);
    return f;
}

static pid_t legacy_pid;

int e2e_start_legacy(void)
{
    int fds[2];
    if (pipe(fds) != 0) return -1;
    const char *bin = arena_printf(pool, "%s/fake_providers", getenv("SB_TEST_BIN") ? getenv("SB_TEST_BIN") : ".");
    legacy_pid = fork();
    if (legacy_pid < 0) return -1;
    if (legacy_pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl(bin, bin, "--port", "0", "--legacy", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char line[32] = "";
    FILE *f = fdopen(fds[0], "r");
    if (!f) return -1;
    if (!fgets(line, sizeof line, f)) line[0] = '\0';
    fclose(f);
    int port = atoi(line);
    return port > 0 ? port : -1;
}

void e2e_stop_legacy(void)
{
    if (legacy_pid <= 0) return;
    kill(legacy_pid, SIGTERM);
    waitpid(legacy_pid, NULL, 0);
    legacy_pid = 0;
}

void e2e_probe_tables(void)
{
    static const char *const DDL[] = {
        "CREATE TABLE IF NOT EXISTS switchboard_test_probe (webhook_event_id BIGINT UNSIGNED PRIMARY KEY,"
        " event_id VARCHAR(191) NOT NULL, attempt INT NOT NULL, owner VARCHAR(100) NOT NULL,"
        " runs INT NOT NULL DEFAULT 1, created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))",
        "CREATE TABLE IF NOT EXISTS switchboard_test_probe_flags (name VARCHAR(100) PRIMARY KEY)",
    };
    for (size_t i = 0; i < 2; i++)
        if (db_exec(db, DDL[i], NULL, 0, NULL, NULL) != 0) fail_msg("probe tables: %s", db_error(db));
}

uint64_t e2e_probe(const char *members, const char **uid)
{
    static int counter;
    const char *u = arena_printf(pool, "probe-%d-%d-%lld", (int)getpid(), ++counter, (long long)e2e_now_ms());
    const char *body = arena_printf(pool,
                                    "{\"triggerEvent\":\"SWITCHBOARD_TEST_PROBE\",\"createdAt\":\"2026-03-09T14:12:37Z\","
                                    "\"payload\":{\"uid\":\"%s\"%s%s}}",
                                    u, members && *members ? "," : "", members ? members : "");
    e2e_response r = e2e_post_signed("calcom", "/api/calcom/webhook", body, strlen(body));
    if (uid) *uid = u;
    int64_t id = 0;
    if (r.status != 200 || !r.json || !json_get_int(r.json, "id", &id)) return 0;
    return (uint64_t)id;
}

const char *e2e_replace(const char *s, const char *from, const char *to)
{
    buf b = BUF_INIT;
    const char *p = s, *hit;
    size_t fl = strlen(from);
    while ((hit = strstr(p, from))) {
        buf_append(&b, p, (size_t)(hit - p));
        buf_puts(&b, to);
        p = hit + fl;
    }
    buf_puts(&b, p);
    char *out = arena_strndup(pool, buf_cstr(&b), b.len);
    buf_free(&b);
    return out;
}

const char *e2e_fixture_new_id(const char *rel, const char *from, const char **new_id, size_t *len)
{
    static int counter;
    size_t flen;
    const char *f = e2e_fixture(rel, &flen);
    const char *id = arena_printf(pool, "%s_e2e%d_%d", from, (int)getpid(), ++counter);
    const char *out = e2e_replace(f, from, id);
    *len = strlen(out);
    if (new_id) *new_id = id;
    return out;
}

const char *e2e_login_token(void)
{
    http_client_response r;
    char url[512], err[256], set[512] = "";
    snprintf(url, sizeof url, "%s/login", base_url);
    if (http_client_request("GET", url, NULL, NULL, 0, 10000, &r, err, sizeof err) != 0) fail_msg("%s", err);
    http_client_header(&r, "Set-Cookie", set, sizeof set);
    const char *field = strstr(buf_cstr(&r.body), "name=\"csrf\" value=\"");
    const char *tok = field ? arena_strndup(pool, field + 19, 64) : "";
    http_client_response_free(&r);
    /* the cookie carries the same token, only for /login, never to other sites */
    if (strncmp(set, "sb_login=", 9) != 0 || strncmp(set + 9, tok, 64) != 0 || !strstr(set, "Path=/login") ||
        !strstr(set, "SameSite=Strict") || !strstr(set, "HttpOnly"))
        fail_msg("login form token and cookie: %s", set);
    return tok;
}

const char *e2e_login(const char *email, const char *password, long *status)
{
    http_client_response r;
    char url[512], err[256], set[512] = "";
    snprintf(url, sizeof url, "%s/login", base_url);
    const char *tok = e2e_login_token();
    const char *body = arena_printf(pool, "csrf=%s&email=%s&password=%s", tok, email, password);
    const char *h[] = {"Content-Type: application/x-www-form-urlencoded", arena_printf(pool, "Cookie: sb_login=%s", tok), NULL};
    if (http_client_request("POST", url, h, body, strlen(body), 10000, &r, err, sizeof err) != 0) fail_msg("%s", err);
    *status = r.status;
    http_client_header(&r, "Set-Cookie", set, sizeof set);
    http_client_response_free(&r);
    char *semi = strchr(set, ';');
    if (semi && !strncmp(set, "sb_session=", 11)) {
        /* the flags the cookie must carry */
        if (!strstr(semi, "HttpOnly") || !strstr(semi, "SameSite=Lax")) fail_msg("cookie flags: %s", set);
        *semi = '\0';
        return arena_strdup(pool, set);
    }
    return "";
}

e2e_response e2e_get_as(const char *cookie, const char *path)
{
    const char *h[] = {arena_printf(pool, "Cookie: %s", cookie), NULL};
    return e2e_request("GET", path, h, NULL, 0);
}

void e2e_fake_control(const char *json)
{
    http_client_response r;
    char err[256];
    const char *colon = strrchr(base_url, ':');
    const char *url = arena_printf(pool, "http://127.0.0.1:%d/_control", atoi(colon + 1) + 1);
    const char *h[] = {"Content-Type: application/json", NULL};
    if (http_client_request("POST", url, h, json, strlen(json), 10000, &r, err, sizeof err) != 0) fail_msg("fake: %s", err);
    http_client_response_free(&r);
}
e2e_response e2e_function_call(const char *call_id, const char *from, const char *name, const char *args_json)
{
    const char *body = arena_printf(pool,
                                    "{\"call\":{\"call_id\":\"%s\",\"from_number\":\"%s\",\"to_number\":\"+4922112345678\","
                                    "\"direction\":\"inbound\",\"call_status\":\"ongoing\"},\"name\":\"%s\",\"args\":%s}",
                                    call_id, from, name, args_json);
    e2e_response r = e2e_post_signed("retell", "/api/webhooks/retell/function", body, strlen(body));
    if (r.status != 200 || !r.json) fail_msg("%s answered %ld: %s", name, r.status, r.body);
    return r;
}

long long e2e_function_rows(const char *call_id)
{
    db_param p = db_str(call_id);
    return e2e_count("SELECT COUNT(*) FROM switchboard_function_calls WHERE retell_call_id = ?", &p, 1);
}

const char *e2e_day_de(int days)
{
    time_t t = time(NULL) + days * 86400;
    struct tm tm;
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    localtime_r(&t, &tm);
    return arena_printf(pool, "%02d.%02d.%04d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
}

const char *e2e_call_phase(const char *fixture, const char *id, const char *from, const char *name)
{
    size_t len;
    const char *b = e2e_replace(e2e_fixture(fixture, &len), "call_9f2c41d7b8e34a6f8d12c07be5a91f3e", id);
    b = e2e_replace(b, "+4917612345678", from);
    long long now = (long long)e2e_now_ms();
    b = e2e_replace(b, "1773132067215", arena_printf(pool, "%lld", now - 180000));
    b = e2e_replace(b, "1773132232904", arena_printf(pool, "%lld", now - 15000));
    return e2e_replace(b, "Jonas Becker", name);
}

const char *e2e_berlin_utc(int days, int h, int m)
{
    time_t t = time(NULL) + days * 86400;
    struct tm tm;
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    localtime_r(&t, &tm);
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = 0;
    tm.tm_isdst = -1;
    time_t u = mktime(&tm);
    struct tm g;
    gmtime_r(&u, &g);
    char out[32];
    strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%S", &g);
    return arena_strdup(pool, out);
}

int e2e_root_sql(const char *sql)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "mariadb --no-defaults --socket='%s/run/mysqld.sock' -u root askproai -e \"%s\" >/dev/null 2>&1",
             e2e_var(), sql);
    return system(cmd);
}

const char *e2e_started_call(const char *prefix)
{
    static int n;
    const char *id = arena_printf(pool, "%s_%d_%d", prefix, (int)getpid(), ++n);
    size_t len;
    const char *body = e2e_replace(e2e_fixture("retell/webhook_call_started.json", &len), "call_9f2c41d7b8e34a6f8d12c07be5a91f3e", id);
    e2e_response r = e2e_post_signed("retell", "/api/webhooks/retell", body, strlen(body));
    assert_int_equal(r.status, 200);
    int64_t ev;
    assert_true(json_get_int(r.json, "id", &ev));
    assert_true(e2e_wait_status((uint64_t)ev, "processed", 10));
    return id;
}

uint64_t e2e_booking_created(const char **uid)
{
    size_t len;
    const char *body = e2e_fixture_new_id("calcom/webhook_booking_created.json", "mT4kQ8vXb2nR7sLp9wE3Yd", uid, &len);
    e2e_response r = e2e_post_signed("calcom", "/api/calcom/webhook", body, len);
    assert_int_equal(r.status, 200);
    int64_t id = 0;
    assert_true(json_get_int(r.json, "id", &id));
    assert_true(e2e_wait_status((uint64_t)id, "processed", 15));
    return (uint64_t)id;
}

json_object *e2e_fake_calcom(const char *method, const char *path, const char *body)
{
    const char *colon = strrchr(getenv("SB_TEST_URL"), ':');
    const char *url = arena_printf(pool, "http://127.0.0.1:%d%s", atoi(colon + 1) + 1, path);
    const char *h[] = {"Content-Type: application/json", "cal-api-version: 2024-08-13",
                       arena_printf(pool, "Authorization: Bearer %s", cfg.calcom_api_key), NULL};
    http_client_response r;
    char err[256];
    if (http_client_request(method, url, h, body, body ? strlen(body) : 0, 10000, &r, err, sizeof err) != 0)
        fail_msg("fake Cal.com: %s", err);
    json_object *j = json_tokener_parse(buf_cstr(&r.body));
    http_client_response_free(&r);
    return j;
}


size_t e2e_sink_find(const char *needle, e2e_mail *out, size_t max)
{
    const char *dir = arena_printf(pool, "%s/mail", e2e_var());
    DIR *d = opendir(dir);
    if (!d) return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strstr(e->d_name, ".eml") || e->d_name[0] == '.') continue;
        const char *path = arena_printf(pool, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        buf b = BUF_INIT;
        char chunk[8192];
        size_t k;
        while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, k);
        fclose(f);
        if (strstr(buf_cstr(&b), needle)) {
            if (n < max) out[n] = (e2e_mail){path, arena_strdup(pool, buf_cstr(&b))};
            n++;
        }
        buf_free(&b);
    }
    closedir(d);
    return n;
}

const char *e2e_mail_part(const char *mail, const char *after)
{
    const char *h = strstr(mail, after);
    if (!h) return NULL;
    const char *body = strstr(h, "\r\n\r\n");
    if (!body) return NULL;
    body += 4;
    buf b64 = BUF_INIT;
    for (const char *p = body; *p && *p != '-'; p++)
        if (*p != '\r' && *p != '\n') buf_putc(&b64, *p);
    unsigned char *out = arena_alloc(pool, b64.len + 4);
    int n = EVP_DecodeBlock(out, (const unsigned char *)buf_cstr(&b64), (int)b64.len);
    size_t len = n < 0 ? 0 : (size_t)n;
    while (len && b64.len && b64.data[b64.len - 1] == '=' && out[len - 1] == 0) len--, b64.len--;
    buf_free(&b64);
    out[len] = 0;
    return (const char *)out;
}
