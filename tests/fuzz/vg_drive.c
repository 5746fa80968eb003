/* vg_drive.c: the request mix of `make valgrind` (tests/fuzz/valgrind.sh).
 *
 * Sends VG_REQUESTS (default 10000) requests, one after the other over one
 * keep-alive connection, through nginx to a stack whose pool is ONE
 * `switchboard serve` child under valgrind. The mix, in a cycle of 20:
 * health, signed Cal.com webhooks (new bookings, so the child's fast path
 * runs the pipeline, and duplicates), signed Retell webhooks (new calls) and
 * a function call, the monitor with its token, dashboard pages, a CSV export
 * and /login with a session cookie, /metrics, and bad requests (404, 405,
 * bad and stale signatures, invalid JSON, no signature, a bad query). A 5xx
 * or an answer other than the route's expected status fails the test; the
 * status histogram is printed. Uses the e2e helpers (SB_TEST_URL/VAR/ROOT). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../e2e/e2e.h"

#define UID_CREATED "mT4kQ8vXb2nR7sLp9wE3Yd"       /* calcom/webhook_booking_created.json */
#define CALL_ID "call_9f2c41d7b8e34a6f8d12c07be5a91f3e" /* retell/webhook_call_ended.json */

static const char *cookie_header; /* "Cookie: sb_session=..." */

static const char *login(void)
{
    long st = 0;
    const char *c = e2e_login("owner%40salon-haarmonie.example.com", "haarmonie-demo", &st);
    assert_int_equal(st, 303);
    return strdup(c);
}

/* POST fixture rel, with `from` replaced by a fresh id, signed for provider; the body into *body. */
static e2e_response post_new(const char *provider, const char *path, const char *rel, const char *from,
                             const char **body, size_t *len)
{
    *body = e2e_fixture_new_id(rel, from, NULL, len);
    return e2e_post_signed(provider, path, *body, *len);
}

/* One request of the mix; returns its status, or -1 when it was not the expected one. */
static long one(int i, const char **last_calcom, size_t *last_len)
{
    const char *dash[] = {cookie_header, NULL};
    const char *mon[] = {arena_printf(e2e_arena(), "Authorization: Bearer %s", e2e_config()->monitor_token), NULL};
    const char *json[] = {"Content-Type: application/json", NULL, NULL};
    const char *b;
    size_t len;
    long want;
    e2e_response r;
    switch (i % 20) {
    case 0: r = e2e_request("GET", "/api/health", NULL, NULL, 0); want = 200; break;
    case 1:
        r = post_new("calcom", "/api/calcom/webhook", "calcom/webhook_booking_created.json", UID_CREATED, last_calcom,
                     last_len);
        want = 200;
        break;
    case 2: r = e2e_post_signed("calcom", "/api/webhooks/calcom", *last_calcom, *last_len); want = 200; break;
    case 3:
        r = post_new("retell", "/api/webhooks/retell", "retell/webhook_call_ended.json", CALL_ID, &b, &len);
        want = 200;
        break;
    case 4: r = e2e_request("GET", "/api/webhooks/monitor", mon, NULL, 0); want = 200; break;
    case 5: r = e2e_request("GET", "/", dash, NULL, 0); want = 200; break;
    case 6: r = e2e_request("GET", "/calls?q=Anna&status=x", dash, NULL, 0); want = 200; break;
    case 7: r = e2e_request("GET", "/webhooks?status=failed&provider=calcom", dash, NULL, 0); want = 200; break;
    case 8: r = e2e_request("GET", "/nope", NULL, NULL, 0); want = 404; break;
    case 9: r = e2e_request("DELETE", "/api/health", NULL, NULL, 0); want = 405; break;
    case 10:
        json[1] = "X-Cal-Signature-256: sha256=00";
        r = e2e_request("POST", "/api/calcom/webhook", json, "{}", 2);
        want = 401;
        break;
    case 11:
        b = e2e_fixture("retell/webhook_call_ended.json", &len);
        json[1] = arena_printf(e2e_arena(), "X-Retell-Signature: %s", e2e_sign_retell(b, len, e2e_now_ms() - 3600000));
        r = e2e_request("POST", "/api/retell/webhook", json, b, len);
        want = 401;
        break;
    case 12: r = e2e_post_signed("calcom", "/api/calcom/webhook", "{\"triggerEvent\":", 16); want = 400; break;
    case 13:
        r = post_new("retell", "/api/webhooks/retell/function", "retell/function_check_availability.request.json", CALL_ID,
                     &b, &len);
        want = 200;
        break;
    case 14: r = e2e_request("GET", "/appointments?after=x%zz&branch=%41", dash, NULL, 0); want = 200; break;
    case 15: r = e2e_request("GET", "/login", NULL, NULL, 0); want = 200; break;
    case 16: r = e2e_request("GET", "/calls.csv", dash, NULL, 0); want = 200; break;
    case 17: r = e2e_request("GET", "/metrics", mon, NULL, 0); want = 200; break;
    case 18: r = e2e_request("POST", "/api/webhooks/retell", json, "{}", 2); want = 401; break;
    default: r = e2e_request("GET", "/api/webhooks/monitor", NULL, NULL, 0); want = 401; break;
    }
    if (r.status != want) {
        fprintf(stderr, "# request %d (kind %d): status %ld, expected %ld: %.200s\n", i, i % 20, r.status, want, r.body);
        return -1;
    }
    return r.status;
}

static void ten_thousand_requests(void **state)
{
    int n = getenv("VG_REQUESTS") ? atoi(getenv("VG_REQUESTS")) : 10000;
    char *session = (char *)login();
    cookie_header = arena_printf(e2e_arena(), "Cookie: %s", session);
    free(session);
    const char *last = NULL;
    size_t last_len = 0;
    int bad = 0, hist[6] = {0};
    for (int i = 0; i < n; i++) {
        long st = one(i, &last, &last_len);
        if (st < 0) bad++;
        else hist[st / 100]++;
        if (i % 1000 == 999) fprintf(stderr, "# %d requests\n", i + 1);
        if (i % 20 == 19) { /* the helpers keep every response until teardown: start afresh */
            char *c = strdup(cookie_header);
            e2e_teardown(state);
            assert_int_equal(e2e_setup(state), 0);
            cookie_header = arena_strdup(e2e_arena(), c);
            free(c);
        }
    }
    printf("# %d requests: %d 2xx, %d 3xx, %d 4xx, %d 5xx (as expected), %d unexpected\n", n, hist[2], hist[3], hist[4],
           hist[5], bad);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(ten_thousand_requests)};
    return cmocka_run_group_tests(tests, e2e_setup, e2e_teardown);
}
