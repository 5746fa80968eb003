/* test_95_browser.c: a real browser (Debian's headless Chromium through
 * chromedriver's WebDriver API) logs in, opens every page, replays an event,
 * hits the tenant wall and logs out. Each page is saved as a PNG under
 * VAR/screenshots (and tests/out/ when writable) and must render: a non-trivial
 * image, the page's heading, no browser console errors (a CSP violation is one). */
#include "e2e.h"

#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t driver_pid, browser_pid;
static char driver[128], sid[128];

static json_object *wd(const char *method, const char *path, const char *body)
{
    char url[512], err[256];
    snprintf(url, sizeof url, "%s%s", driver, path);
    const char *h[] = {"Content-Type: application/json", NULL};
    http_client_response r;
    if (http_client_request(method, url, h, body, body ? strlen(body) : 0, 60000, &r, err, sizeof err) != 0)
        fail_msg("webdriver %s %s: %s", method, path, err);
    json_object *j = json_tokener_parse(buf_cstr(&r.body));
    http_client_response_free(&r);
    if (!j) fail_msg("webdriver %s %s: no JSON", method, path);
    return j;
}

static void wd_ok(const char *method, const char *path, const char *body)
{
    json_object *j = wd(method, path, body);
    if (json_get(j, "value.error")) fail_msg("webdriver %s %s: %s", method, path, json_get_str(j, "value.message"));
    json_object_put(j);
}

static const char *S(const char *fmt, const char *a) { return arena_printf(e2e_arena(), fmt, sid, a); }

static void go(const char *path)
{
    wd_ok("POST", S("/session/%s/url", ""),
          arena_printf(e2e_arena(), "{\"url\":\"%s%s\"}", getenv("SB_TEST_URL"), path));
}

/* the element, waiting up to 20 s for it (a click may still be loading the next page on a loaded machine) */
static const char *element(const char *css)
{
    for (int attempt = 0; attempt < 200; attempt++) {
        json_object *j = wd("POST", S("/session/%s/element", ""),
                            arena_printf(e2e_arena(), "{\"using\":\"css selector\",\"value\":\"%s\"}", css));
        json_object *v = json_get(j, "value");
        const char *id = NULL;
        if (v && json_object_is_type(v, json_type_object)) {
            json_object_object_foreach(v, k, val) {
                if (strstr(k, "element")) id = arena_strdup(e2e_arena(), json_object_get_string(val));
            }
        }
        json_object_put(j);
        if (id) return id;
        usleep(100000);
    }
    fail_msg("no element %s", css);
    return NULL;
}

static void type_into(const char *css, const char *text)
{
    const char *e = element(css);
    wd_ok("POST", arena_printf(e2e_arena(), "/session/%s/element/%s/value", sid, e), arena_printf(e2e_arena(), "{\"text\":\"%s\"}", text));
}

static void click(const char *css)
{
    const char *e = element(css);
    wd_ok("POST", arena_printf(e2e_arena(), "/session/%s/element/%s/click", sid, e), "{}");
}

static const char *source(void)
{
    json_object *j = wd("GET", S("/session/%s/source", ""), NULL);
    const char *s = arena_strdup(e2e_arena(), json_get_str(j, "value") ? json_get_str(j, "value") : "");
    json_object_put(j);
    return s;
}

/* wait until the current page contains text (a click's navigation may still be under way) */
static void wait_for(const char *text)
{
    for (int i = 0; i < 200; i++) {
        if (strstr(source(), text)) return;
        usleep(100000);
    }
    fail_msg("the page never showed \"%s\"; it shows: %.400s", text, source());
}

/* save a screenshot; it must be a real picture, not a blank page */
static void shot(const char *name)
{
    json_object *j = wd("GET", S("/session/%s/screenshot", ""), NULL);
    const char *b64 = json_get_str(j, "value");
    assert_non_null(b64);
    size_t n = strlen(b64);
    unsigned char *png = malloc(n);
    int len = EVP_DecodeBlock(png, (const unsigned char *)b64, (int)n);
    assert_true(len > 8 && !memcmp(png, "\x89PNG", 4));
    /* a blank 1280x800 page compresses to a few KB; a rendered one is larger */
    if (len < 12000) fail_msg("screenshot %s looks blank (%d bytes)", name, len);
    const char *dirs[] = {arena_printf(e2e_arena(), "%s/screenshots", e2e_var()), arena_printf(e2e_arena(), "%s/tests/out", getenv("SB_TEST_ROOT"))};
    for (int d = 0; d < 2; d++) {
        mkdir(dirs[d], 0755);
        FILE *f = fopen(arena_printf(e2e_arena(), "%s/%s.png", dirs[d], name), "wb");
        if (f) {
            fwrite(png, 1, (size_t)len, f);
            fclose(f);
        }
    }
    free(png);
    json_object_put(j);
}

static void no_console_errors(const char *where)
{
    json_object *j = wd("POST", S("/session/%s/se/log", ""), "{\"type\":\"browser\"}");
    json_object *v = json_get(j, "value");
    for (size_t i = 0; v && json_object_is_type(v, json_type_array) && i < json_object_array_length(v); i++) {
        json_object *e = json_object_array_get_idx(v, i);
        const char *lvl = json_get_str(e, "level");
        if (lvl && !strcmp(lvl, "SEVERE")) fail_msg("%s: console error: %s", where, json_get_str(e, "message"));
    }
    json_object_put(j);
}

/* A port nothing listens on yet, from a range the stack does not use. */
static int free_port(int from)
{
    for (int p = from; p < from + 100; p++) {
        char cmd[64];
        snprintf(cmd, sizeof cmd, "(exec 3<>/dev/tcp/127.0.0.1/%d) 2>/dev/null", p);
        if (system(arena_printf(e2e_arena(), "bash -c '%s'", cmd)) != 0) return p;
    }
    return 0;
}

/* Polls url until it answers (anything) or ~10 s have passed. */
static void wait_listening(const char *url)
{
    for (int i = 0; i < 100; i++) {
        http_client_response r;
        char err[128];
        if (http_client_request("GET", url, NULL, NULL, 0, 2000, &r, err, sizeof err) == 0) {
            http_client_response_free(&r);
            return;
        }
        usleep(100000);
    }
}

static pid_t spawn_quiet(char *const argv[], int own_group)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (own_group) setpgid(0, 0);
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* We start Chromium ourselves and hand chromedriver its DevTools address as
 * 127.0.0.1:port: left to itself chromedriver connects to "localhost", which
 * does not resolve on a root without /etc/hosts (a bare chroot, some
 * containers), and the session then fails with "unable to connect to
 * renderer". */
static int start_driver(void **state)
{
    if (e2e_setup(state) != 0) return -1;
    int port = free_port(29515), devtools = free_port(29615);
    snprintf(driver, sizeof driver, "http://127.0.0.1:%d", port);
    char *chromium_argv[] = {"/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--disable-quic", "--no-first-run", "--disable-background-networking",
                             "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                             arena_printf(e2e_arena(), "--user-data-dir=%s/chromium", e2e_var()),
                             "--remote-debugging-address=127.0.0.1",
                             arena_printf(e2e_arena(), "--remote-debugging-port=%d", devtools), "about:blank", NULL};
    browser_pid = spawn_quiet(chromium_argv, 1);
    char *driver_argv[] = {"/usr/bin/chromedriver", arena_printf(e2e_arena(), "--port=%d", port), NULL};
    driver_pid = spawn_quiet(driver_argv, 0);
    wait_listening(arena_printf(e2e_arena(), "http://127.0.0.1:%d/json/version", devtools));
    wait_listening(arena_printf(e2e_arena(), "%s/status", driver));
    const char *caps = arena_printf(e2e_arena(),
        "{\"capabilities\":{\"alwaysMatch\":{\"browserName\":\"chrome\",\"goog:loggingPrefs\":{\"browser\":\"ALL\"},"
        "\"goog:chromeOptions\":{\"debuggerAddress\":\"127.0.0.1:%d\"}}}}",
        devtools);
    json_object *j = wd("POST", "/session", caps);
    const char *id = json_get_str(j, "value.sessionId");
    if (!id) {
        fprintf(stderr, "browser: no session: %s\n", json_object_to_json_string(j));
        json_object_put(j);
        return -1;
    }
    snprintf(sid, sizeof sid, "%s", id);
    json_object_put(j);
    return 0;
}

static int stop_driver(void **state)
{
    if (*sid) {
        json_object *j = wd("DELETE", arena_printf(e2e_arena(), "/session/%s", sid), NULL);
        json_object_put(j);
    }
    if (driver_pid > 0) {
        kill(driver_pid, SIGTERM);
        waitpid(driver_pid, NULL, 0);
    }
    if (browser_pid > 0) { /* attached, not launched: closing the session leaves Chromium running */
        kill(-browser_pid, SIGTERM);
        waitpid(browser_pid, NULL, 0);
    }
    return e2e_teardown(state);
}

static void a_user_clicks_through_the_dashboard(void **state)
{
    (void)state;
    /* the browser's own Accept-Language may be English: the switch makes the run German, as asserted below */
    go("/lang?to=de");
    go("/login");
    wait_for("action=\"/login\"");
    assert_non_null(strstr(source(), "<html lang=\"de\""));
    shot("login");
    type_into("input[name=email]", "operator@switchboard.example.com");
    type_into("input[name=password]", "switchboard-demo");
    click("form.login button");
    wait_for("<h1>Übersicht");
    /* the header's language switch, there and back, without a script */
    click("a.lang");
    wait_for("<h1>Overview");
    click("a.lang");
    wait_for("<h1>Übersicht");
    static const char *const PAGES[][3] = {{"/", "overview", "Übersicht"}, {"/channels", "channels", "Kanäle"},
                                           {"/agents", "agents", "Agenten"}, {"/calls?days=90", "calls", "Anrufe"},
                                           {"/appointments?days=90", "appointments", "Termine"}, {"/webhooks", "webhooks", "Webhooks"},
                                           {"/callbacks?status=all", "callbacks", "Rückrufe"}};
    for (size_t i = 0; i < sizeof PAGES / sizeof *PAGES; i++) {
        go(PAGES[i][0]);
        const char *html = source();
        if (!strstr(html, arena_printf(e2e_arena(), "<h1>%s", PAGES[i][2]))) fail_msg("%s did not render its heading", PAGES[i][0]);
        shot(PAGES[i][1]);
        no_console_errors(PAGES[i][0]);
    }
    /* the newest call as its story (test_75: the content; here: it renders without a console error) */
    const char *retell_id;
    size_t len;
    const char *analyzed = e2e_fixture_new_id("retell/webhook_call_analyzed.json", "call_9f2c41d7b8e34a6f8d12c07be5a91f3e", &retell_id, &len);
    e2e_response posted = e2e_post_signed("retell", "/api/webhooks/retell", analyzed, len);
    int64_t ev = 0;
    assert_true(json_get_int(posted.json, "id", &ev));
    assert_true(e2e_wait_status((uint64_t)ev, "processed", 15));
    db_param rid = db_str(retell_id);
    const char *call = e2e_scalar("SELECT id FROM calls WHERE retell_call_id = ?", &rid, 1);
    assert_non_null(call);
    go(arena_printf(e2e_arena(), "/call?id=%s", call));
    if (!strstr(source(), "<ol class=\"story\">")) fail_msg("the call page did not render its story");
    shot("call");
    no_console_errors("/call");
    /* a filter, then a replay click on a dead event */
    assert_int_equal(db_exec(e2e_db(), "INSERT INTO webhook_events (provider, company_id, event_type, event_id, idempotency_key,"
                                       " payload, status, error_message, next_attempt_at, created_at, updated_at) VALUES ('calcom', 2,"
                                       " 'BOOKING_CREATED', 'browser-dead', CONCAT('calcom:browser:', UUID()), '{}', 'dead',"
                                       " 'unknown Cal.com event type 1', NOW(3), NOW(), NOW())", NULL, 0, NULL, NULL), 0);
    go("/webhooks?status=dead");
    assert_non_null(strstr(source(), "browser-dead"));
    long long before = e2e_count("SELECT COUNT(*) FROM switchboard_replays", NULL, 0);
    click("form.replay button");
    int replayed = 0; /* the click returns before the form's POST has been answered */
    for (int i = 0; i < 200 && !replayed; i++) {
        replayed = e2e_count("SELECT COUNT(*) FROM switchboard_replays", NULL, 0) == before + 1;
        if (!replayed) usleep(100000);
    }
    assert_true(replayed);
    /* live: an event that arrives while the page is open shows up without a reload
     * (www/live.js polls every 3 s; the wait is generous because machines are shared) */
    go("/webhooks");
    assert_null(strstr(source(), "browser-live"));
    assert_int_equal(db_exec(e2e_db(), "INSERT INTO webhook_events (provider, company_id, event_type, event_id, idempotency_key,"
                                       " payload, status, next_attempt_at, created_at, updated_at) VALUES ('retell', 2,"
                                       " 'call_ended', 'browser-live', CONCAT('retell:browser:', UUID()), '{}', 'processed',"
                                       " NOW(3), NOW(), NOW())", NULL, 0, NULL, NULL), 0);
    int shown = 0;
    for (int i = 0; i < 150 && !shown; i++) {
        shown = strstr(source(), "browser-live") != NULL;
        if (!shown) usleep(100000);
    }
    assert_true(shown);
    no_console_errors("/webhooks (live)");
    /* the overview refreshes its figures while open: three calls arrive (their day marked
     * dirty as the pipeline's flush would) and the calls KPI grows without a reload */
    go("/?days=1");
    const char *label = "<div class=\"label\">Anrufe</div><div class=\"value\">";
    const char *k = strstr(source(), label);
    assert_non_null(k);
    long long calls0 = atoll(k + strlen(label)), calls1 = calls0;
    assert_int_equal(db_exec(e2e_db(), "INSERT INTO calls (retell_call_id, company_id, from_number, status, created_at, updated_at)"
                                       " SELECT CONCAT('call_browser_live_', seq), 2, '+4917600000000', 'ended', NOW(), NOW()"
                                       " FROM seq_1_to_3", NULL, 0, NULL, NULL), 0);
    assert_int_equal(db_exec(e2e_db(), "INSERT IGNORE INTO switchboard_stats_dirty (company_id, day) VALUES (2, CURDATE())", NULL, 0,
                             NULL, NULL), 0);
    for (int i = 0; i < 150 && calls1 != calls0 + 3; i++) {
        usleep(100000);
        k = strstr(source(), label);
        calls1 = k ? atoll(k + strlen(label)) : calls0;
    }
    assert_int_equal(calls1, calls0 + 3);
    no_console_errors("/ (live)");
    /* the tenant wall, by URL, as the salon owner */
    click("form.logout button");
    wait_for("action=\"/login\"");
    type_into("input[name=email]", "owner@salon-haarmonie.example.com");
    type_into("input[name=password]", "haarmonie-demo");
    click("form.login button");
    wait_for("<h1>Übersicht");
    /* a call of another company, the test's own (no guard lets the check fall away) */
    uint64_t other = 0;
    assert_int_equal(db_exec(e2e_db(), "INSERT INTO calls (retell_call_id, company_id, from_number, status, created_at, updated_at)"
                                       " VALUES (CONCAT('call_browser_wall_', UUID()), 1, '+4930555', 'completed', NOW(), NOW())",
                             NULL, 0, &other, NULL), 0);
    assert_true(other > 0);
    go(arena_printf(e2e_arena(), "/call?id=%llu", (unsigned long long)other));
    assert_non_null(strstr(source(), "Not Found"));
    go("/");
    click("form.logout button");
    wait_for("action=\"/login\"");
    go("/webhooks");
    assert_non_null(strstr(source(), "action=\"/login\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_user_clicks_through_the_dashboard),
    };
    return cmocka_run_group_tests_name("e2e_browser", tests, start_driver, stop_driver);
}
