/* test_router.c: found / 404 / 405 decisions of router_match over a small
 * static table shaped like app/routes.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "router.h"

static void h_calcom(struct sb_app *app, const sb_request *req, sb_response *resp)
{
    (void)app, (void)req, (void)resp;
}
static void h_retell(struct sb_app *app, const sb_request *req, sb_response *resp)
{
    (void)app, (void)req, (void)resp;
}
static void h_health(struct sb_app *app, const sb_request *req, sb_response *resp)
{
    (void)app, (void)req, (void)resp;
}
static void h_list(struct sb_app *app, const sb_request *req, sb_response *resp)
{
    (void)app, (void)req, (void)resp;
}
static void h_create(struct sb_app *app, const sb_request *req, sb_response *resp)
{
    (void)app, (void)req, (void)resp;
}
static void h_root(struct sb_app *app, const sb_request *req, sb_response *resp)
{
    (void)app, (void)req, (void)resp;
}

static const sb_route ROUTES[] = {
    {"POST", "/api/webhooks/calcom", h_calcom, "calcom"},
    {"POST", "/api/webhooks/retell", h_retell, "retell"},
    {"GET", "/api/health", h_health, NULL},
    {"POST", "/api/events", h_create, NULL},
    {"GET", "/api/events", h_list, NULL},
    {"POST", "/api/events", h_create, NULL}, /* listed twice: Allow must not repeat it */
    {"GET", "/", h_root, NULL},
};
#define NROUTES (sizeof ROUTES / sizeof *ROUTES)

typedef struct {
    const sb_route *route;
    int status;
    char allow[64];
} match;

static match route(const char *method, const char *path)
{
    match m;
    m.status = -1;
    memset(m.allow, 'X', sizeof m.allow);
    m.allow[sizeof m.allow - 1] = '\0';
    m.route = router_match(ROUTES, NROUTES, method, path, &m.status, m.allow, sizeof m.allow);
    return m;
}

static void test_exact_match(void **state)
{
    (void)state;
    match m = route("POST", "/api/webhooks/calcom");
    assert_ptr_equal(m.route, &ROUTES[0]);
    assert_ptr_equal(m.route->handler, h_calcom);
    assert_string_equal(m.route->provider, "calcom");
    assert_int_equal(m.status, 200);

    m = route("POST", "/api/webhooks/retell");
    assert_ptr_equal(m.route, &ROUTES[1]);

    m = route("GET", "/api/events");
    assert_ptr_equal(m.route->handler, h_list);
    m = route("POST", "/api/events");
    assert_ptr_equal(m.route->handler, h_create);
}

static void test_root_path(void **state)
{
    (void)state;
    match m = route("GET", "/");
    assert_non_null(m.route);
    assert_ptr_equal(m.route->handler, h_root);
}

static void test_trailing_slash_ignored(void **state)
{
    (void)state;
    match m = route("GET", "/api/health/");
    assert_non_null(m.route);
    assert_ptr_equal(m.route->handler, h_health);
    m = route("POST", "/api/webhooks/calcom/");
    assert_ptr_equal(m.route, &ROUTES[0]);
    /* only one slash is forgiven */
    m = route("GET", "/api/health//");
    assert_null(m.route);
    assert_int_equal(m.status, 404);
}

static void test_head_served_by_get(void **state)
{
    (void)state;
    match m = route("HEAD", "/api/health");
    assert_non_null(m.route);
    assert_ptr_equal(m.route->handler, h_health);
    assert_int_equal(m.status, 200);
    m = route("HEAD", "/api/events");
    assert_ptr_equal(m.route->handler, h_list);
    /* but not by a POST-only route */
    m = route("HEAD", "/api/webhooks/calcom");
    assert_null(m.route);
    assert_int_equal(m.status, 405);
    assert_string_equal(m.allow, "POST");
}

static void test_unknown_path_404(void **state)
{
    (void)state;
    const char *paths[] = {"/nope", "/api/health2", "/api", "/api/", "/api/webhooks", "/api/webhooks/calcomx",
                           "/API/health", "", "/api/health/x"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        match m = route("GET", paths[i]);
        if (m.route) fail_msg("\"%s\" matched %s", paths[i], m.route->path);
        if (m.status != 404) fail_msg("\"%s\": status %d, want 404", paths[i], m.status);
    }
    match m = route("POST", "/api/webhooks/calcom2");
    assert_null(m.route);
    assert_int_equal(m.status, 404);
}

static void test_wrong_method_405_allow(void **state)
{
    (void)state;
    match m = route("GET", "/api/webhooks/calcom");
    assert_null(m.route);
    assert_int_equal(m.status, 405);
    assert_string_equal(m.allow, "POST");

    m = route("DELETE", "/api/events");
    assert_null(m.route);
    assert_int_equal(m.status, 405);
    assert_string_equal(m.allow, "POST, GET");

    m = route("PUT", "/api/health/");
    assert_int_equal(m.status, 405);
    assert_string_equal(m.allow, "GET");

    /* method names are case-sensitive (RFC 9110) */
    m = route("get", "/api/health");
    assert_null(m.route);
    assert_int_equal(m.status, 405);
}

static void test_allow_buffer_small(void **state)
{
    (void)state;
    char allow[6];
    int status = 0;
    const sb_route *r = router_match(ROUTES, NROUTES, "DELETE", "/api/events", &status, allow, sizeof allow);
    assert_null(r);
    assert_int_equal(status, 405);
    assert_true(strlen(allow) < sizeof allow); /* truncated, still terminated */
    assert_true(strncmp(allow, "POST", 4) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_match),
        cmocka_unit_test(test_root_path),
        cmocka_unit_test(test_trailing_slash_ignored),
        cmocka_unit_test(test_head_served_by_get),
        cmocka_unit_test(test_unknown_path_404),
        cmocka_unit_test(test_wrong_method_405_allow),
        cmocka_unit_test(test_allow_buffer_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
