/* webdriver.c: headless Chromium through chromedriver for the browser tests (see webdriver.h). */
#include "webdriver.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t driver_pid, browser_pid;
static char driver[128], sid[128];

json_object *wd(const char *method, const char *path, const char *body)
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

void wd_ok(const char *method, const char *path, const char *body)
{
    json_object *j = wd(method, path, body);
    if (json_get(j, "value.error")) fail_msg("webdriver %s %s: %s", method, path, json_get_str(j, "value.message"));
    json_object_put(j);
}

const char *wd_path(const char *fmt, const char *a) { return arena_printf(e2e_arena(), fmt, sid, a); }

void wd_go(const char *path)
{
    wd_ok("POST", wd_path("/session/%s/url", ""),
          arena_printf(e2e_arena(), "{\"url\":\"%s%s\"}", getenv("SB_TEST_URL"), path));
}

/* the element, waiting up to 20 s for it (a click may still be loading the next page on a loaded machine) */
const char *wd_element(const char *css)
{
    for (int attempt = 0; attempt < 200; attempt++) {
        json_object *j = wd("POST", wd_path("/session/%s/element", ""),
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

void wd_type(const char *css, const char *text)
{
    const char *e = wd_element(css);
    wd_ok("POST", arena_printf(e2e_arena(), "/session/%s/element/%s/value", sid, e), arena_printf(e2e_arena(), "{\"text\":\"%s\"}", text));
}

void wd_click(const char *css)
{
    const char *e = wd_element(css);
    wd_ok("POST", arena_printf(e2e_arena(), "/session/%s/element/%s/click", sid, e), "{}");
}

const char *wd_source(void)
{
    json_object *j = wd("GET", wd_path("/session/%s/source", ""), NULL);
    const char *s = arena_strdup(e2e_arena(), json_get_str(j, "value") ? json_get_str(j, "value") : "");
    json_object_put(j);
    return s;
}

/* wait until the current page contains text (a click's navigation may still be under way) */
void wd_wait_for(const char *text)
{
    for (int i = 0; i < 200; i++) {
        if (strstr(wd_source(), text)) return;
        usleep(100000);
    }
    fail_msg("the page never showed \"%s\"; it shows: %.400s", text, wd_source());
}

/* save a screenshot; it must be a real picture, not a blank page */
void wd_shot(const char *name)
{
    json_object *j = wd("GET", wd_path("/session/%s/screenshot", ""), NULL);
    const char *b64 = json_get_str(j, "value");
    assert_non_null(b64);
    size_t n = strlen(b64);
    unsigned char *png = malloc(n);
    int len = EVP_DecodeBlock(png, (const unsigned char *)b64, (int)n);
    assert_true(len > 8 && !memcmp(png, "\x89PNG", 4));
    /* a blank page compresses to a few KB; a rendered one is larger */
    if (len < 8000) fail_msg("screenshot %s looks blank (%d bytes)", name, len);
    /* $SB_SCREENSHOTS: where `make screenshots` wants them (docs/screenshots) */
    const char *dirs[] = {arena_printf(e2e_arena(), "%s/screenshots", e2e_var()), arena_printf(e2e_arena(), "%s/tests/out", getenv("SB_TEST_ROOT")),
                          getenv("SB_SCREENSHOTS")};
    for (int d = 0; d < 3; d++) {
        if (!dirs[d]) continue;
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

void wd_no_console_errors(const char *where)
{
    json_object *j = wd("POST", wd_path("/session/%s/se/log", ""), "{\"type\":\"browser\"}");
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
int wd_start(void **state, int width, int height)
{
    if (e2e_setup(state) != 0) return -1;
    int port = free_port(29515), devtools = free_port(29615);
    snprintf(driver, sizeof driver, "http://127.0.0.1:%d", port);
    char *chromium_argv[] = {"/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--disable-quic", "--no-first-run", "--disable-background-networking",
                             "--disable-component-update", "--disable-sync", arena_printf(e2e_arena(), "--window-size=%d,%d", width, height),
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

int wd_stop(void **state)
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

const char *wd_script(const char *js)
{
    json_object *body = json_object_new_object();
    json_object_object_add(body, "script", json_object_new_string(js));
    json_object_object_add(body, "args", json_object_new_array());
    json_object *j = wd("POST", wd_path("/session/%s/execute/sync", ""), json_object_to_json_string(body));
    json_object_put(body);
    json_object *v = json_get(j, "value");
    const char *s = arena_strdup(e2e_arena(), v ? json_object_to_json_string(v) : "null");
    json_object_put(j);
    return s;
}

void wd_window(int width, int height)
{
    wd_ok("POST", wd_path("/session/%s/window/rect", ""), arena_printf(e2e_arena(), "{\"width\":%d,\"height\":%d}", width, height));
}
