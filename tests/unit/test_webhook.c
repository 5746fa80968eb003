/* test_webhook.c: event identity (type, id, idempotency key) of every
 * provider fixture, rejection of unusable bodies, and header capture
 * without secrets. Expectations are derived from the fixtures with json-c
 * and OpenSSL directly, not from the library under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "webhook.h"
#include "unit_util.h"

/* A fixture body, its json-c tree and the event webhook_describe made of it. */
typedef struct {
    char *body;
    size_t len;
    json_object *root;
    webhook_event ev;
    int rc;
    char err[256];
} described;

static arena *pool;

static int new_pool(void **state)
{
    (void)state;
    pool = arena_new(64 * 1024);
    return 0;
}

static int free_pool(void **state)
{
    (void)state;
    arena_free(pool);
    return 0;
}

static void describe_bytes(const char *provider, const char *body, size_t len, described *d)
{
    memset(d, 0, sizeof *d);
    d->body = malloc(len + 1);
    assert_non_null(d->body);
    memcpy(d->body, body, len);
    d->body[len] = '\0';
    d->len = len;
    d->root = json_tokener_parse(d->body);
    assert_non_null(d->root);
    d->rc = webhook_describe(provider, d->root, d->body, d->len, pool, &d->ev, d->err, sizeof d->err);
}

static void describe_file(const char *provider, const char *path, described *d)
{
    size_t len = 0;
    char *body = ut_read_file(path, &len);
    if (!body) fail_msg("cannot read %s", path);
    describe_bytes(provider, body, len, d);
    free(body);
    if (d->rc != 0) fail_msg("%s: webhook_describe failed: %s", path, d->err);
}

static void described_free(described *d)
{
    json_object_put(d->root);
    free(d->body);
}

/* Reference "sha256:<hex>" of bytes, via OpenSSL. */
static void ref_sha256_id(const void *p, size_t n, char out[72])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    assert_true(EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL));
    assert_int_equal(mdlen, 32);
    strcpy(out, "sha256:");
    for (int i = 0; i < 32; i++) snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

static const char *jstr(json_object *root, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(root, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

/* ---- Cal.com ---------------------------------------------------------- */

enum id_source { ID_PAYLOAD_UID, ID_FLAT_UID, ID_SHA256 };

/* The id a Cal.com delivery should get: payload.uid, else the flat (MEETING_*)
 * top-level uid, else the hash of the bytes. */
static enum id_source expected_calcom_id(const described *d, char *out, size_t outlen)
{
    json_object *payload = NULL;
    const char *uid = NULL;
    if (json_object_object_get_ex(d->root, "payload", &payload) && (uid = jstr(payload, "uid"))) {
        snprintf(out, outlen, "%s", uid);
        return ID_PAYLOAD_UID;
    }
    if ((uid = jstr(d->root, "uid"))) {
        snprintf(out, outlen, "%s", uid);
        return ID_FLAT_UID;
    }
    /* none of the fixtures without a uid has a bookingId either */
    assert_false(json_object_object_get_ex(payload, "bookingId", NULL));
    assert_false(json_object_object_get_ex(d->root, "bookingId", NULL));
    char id[72];
    ref_sha256_id(d->body, d->len, id);
    snprintf(out, outlen, "%s", id);
    return ID_SHA256;
}

static void test_calcom_fixtures(void **state)
{
    (void)state;
    glob_t g;
    assert_int_equal(glob(CALCOM_FIXTURES "/webhook_*.json", 0, NULL, &g), 0);
    assert_true(g.gl_pathc >= 7);
    int by_source[3] = {0, 0, 0};
    for (size_t i = 0; i < g.gl_pathc; i++) {
        described d;
        describe_file("calcom", g.gl_pathv[i], &d);
        const char *type = jstr(d.root, "triggerEvent");
        assert_non_null(type);
        char want_id[256], want_key[512];
        enum id_source src = expected_calcom_id(&d, want_id, sizeof want_id);
        by_source[src]++;
        if (ut_ends_with(g.gl_pathv[i], "/webhook_meeting_ended.json")) assert_int_equal(src, ID_FLAT_UID);
        snprintf(want_key, sizeof want_key, "calcom:%s:%s", type, want_id);

        assert_string_equal(d.ev.provider, "calcom");
        assert_string_equal(d.ev.event_type, type);
        if (strcmp(d.ev.event_id, want_id) != 0)
            fail_msg("%s: event_id %s, want %s", g.gl_pathv[i], d.ev.event_id, want_id);
        assert_string_equal(d.ev.idempotency_key, want_key);
        assert_ptr_equal(d.ev.payload, d.body); /* raw bytes, not re-serialised */
        assert_int_equal(d.ev.payload_len, d.len);
        described_free(&d);
    }
    globfree(&g);
    /* the fixture set exercises every branch */
    assert_true(by_source[ID_PAYLOAD_UID] >= 1);
    assert_int_equal(by_source[ID_FLAT_UID], 1);
    assert_int_equal(by_source[ID_SHA256], 1);
}

static void test_calcom_same_booking_distinct_events(void **state)
{
    (void)state;
    /* the reschedule and the meeting it produced share the booking uid but are two events */
    described r, m;
    describe_file("calcom", CALCOM_FIXTURES "/webhook_booking_rescheduled.json", &r);
    describe_file("calcom", CALCOM_FIXTURES "/webhook_meeting_ended.json", &m);
    assert_string_equal(r.ev.event_id, m.ev.event_id);
    assert_string_not_equal(r.ev.idempotency_key, m.ev.idempotency_key);
    described_free(&r);
    described_free(&m);
}

/* Marked, then unmarked: two events of one type and booking, told apart by
 * their bodies; a retry of either is the same key. */
static void test_repeating_types_key_on_the_body(void **state)
{
    (void)state;
    static const char mark[] = "{\"triggerEvent\":\"BOOKING_NO_SHOW_UPDATED\",\"payload\":{\"bookingUid\":\"u1\","
                               "\"uid\":\"u1\",\"attendees\":[{\"noShow\":true}]}}";
    static const char unmark[] = "{\"triggerEvent\":\"BOOKING_NO_SHOW_UPDATED\",\"payload\":{\"bookingUid\":\"u1\","
                                 "\"uid\":\"u1\",\"attendees\":[{\"noShow\":false}]}}";
    described a, b, c;
    describe_bytes("calcom", mark, sizeof mark - 1, &a);
    describe_bytes("calcom", unmark, sizeof unmark - 1, &b);
    describe_bytes("calcom", mark, sizeof mark - 1, &c);
    assert_int_equal(a.rc, 0);
    assert_string_equal(a.ev.event_id, "u1");
    assert_true(strncmp(a.ev.idempotency_key, "calcom:BOOKING_NO_SHOW_UPDATED:u1:", 34) == 0);
    assert_string_not_equal(a.ev.idempotency_key, b.ev.idempotency_key);
    assert_string_equal(a.ev.idempotency_key, c.ev.idempotency_key);
    described_free(&a);
    described_free(&b);
    described_free(&c);
}

static void expect_rejected(const char *provider, const char *body, const char *mention)
{
    described d;
    describe_bytes(provider, body, strlen(body), &d);
    if (d.rc != -1) fail_msg("accepted %s", body);
    if (!d.err[0]) fail_msg("no reason for %s", body);
    if (mention && !ut_contains(d.err, mention)) fail_msg("\"%s\" does not mention %s", d.err, mention);
    described_free(&d);
}

static void test_calcom_rejects(void **state)
{
    (void)state;
    expect_rejected("calcom", "{\"payload\":{\"uid\":\"abc\"}}", "triggerEvent");
    expect_rejected("calcom", "{\"triggerEvent\":\"\",\"payload\":{\"uid\":\"abc\"}}", "triggerEvent");
    expect_rejected("calcom", "{\"triggerEvent\":42,\"payload\":{\"uid\":\"abc\"}}", "triggerEvent");
    expect_rejected("calcom", "{\"triggerEvent\":\"BOOKING CREATED\",\"payload\":{\"uid\":\"abc\"}}",
                    "triggerEvent");
    expect_rejected("calcom", "{\"triggerEvent\":\"BOOKING\\nCREATED\"}", "triggerEvent");
    expect_rejected("calcom", "[{\"triggerEvent\":\"PING\"}]", NULL);
    expect_rejected("calcom", "\"PING\"", NULL);
}

/* ---- Retell ----------------------------------------------------------- */

static void expect_retell_call(const char *file, described *d)
{
    char path[256], want_key[512];
    snprintf(path, sizeof path, RETELL_FIXTURES "/%s", file);
    describe_file("retell", path, d);
    const char *event = jstr(d->root, "event");
    json_object *call = NULL;
    assert_true(json_object_object_get_ex(d->root, "call", &call));
    const char *call_id = jstr(call, "call_id");
    assert_non_null(event);
    assert_non_null(call_id);
    assert_string_equal(d->ev.provider, "retell");
    assert_string_equal(d->ev.event_type, event);
    assert_string_equal(d->ev.event_id, call_id);
    snprintf(want_key, sizeof want_key, "retell:%s:%s", event, call_id);
    assert_string_equal(d->ev.idempotency_key, want_key);
    assert_int_equal(d->ev.payload_len, d->len);
}

static void test_retell_call_events(void **state)
{
    (void)state;
    described s, e, a;
    expect_retell_call("webhook_call_started.json", &s);
    expect_retell_call("webhook_call_ended.json", &e);
    expect_retell_call("webhook_call_analyzed.json", &a);
    /* one call, three events: same id, three keys */
    assert_string_equal(s.ev.event_id, e.ev.event_id);
    assert_string_equal(e.ev.event_id, a.ev.event_id);
    assert_string_not_equal(s.ev.idempotency_key, e.ev.idempotency_key);
    assert_string_not_equal(e.ev.idempotency_key, a.ev.idempotency_key);
    assert_string_not_equal(s.ev.idempotency_key, a.ev.idempotency_key);
    described_free(&s);
    described_free(&e);
    described_free(&a);
}

static void test_retell_inbound_hashes_bytes(void **state)
{
    (void)state;
    described d1, d2, d3;
    describe_file("retell", RETELL_FIXTURES "/webhook_call_inbound.json", &d1);
    assert_false(json_object_object_get_ex(d1.root, "call", NULL)); /* no call id yet */
    char want[72];
    ref_sha256_id(d1.body, d1.len, want);
    assert_true(ut_starts_with(d1.ev.event_id, "sha256:"));
    assert_string_equal(d1.ev.event_id, want);
    assert_string_equal(d1.ev.event_type, "call_inbound");
    char key[128];
    snprintf(key, sizeof key, "retell:call_inbound:%s", want);
    assert_string_equal(d1.ev.idempotency_key, key);

    /* a redelivery of the same bytes is the same event */
    describe_bytes("retell", d1.body, d1.len, &d2);
    assert_int_equal(d2.rc, 0);
    assert_string_equal(d2.ev.event_id, d1.ev.event_id);
    assert_string_equal(d2.ev.idempotency_key, d1.ev.idempotency_key);

    /* other bytes (same JSON value plus a trailing space) are another event */
    char *other = malloc(d1.len + 2);
    assert_non_null(other);
    memcpy(other, d1.body, d1.len);
    memcpy(other + d1.len, " ", 2);
    describe_bytes("retell", other, d1.len + 1, &d3);
    assert_int_equal(d3.rc, 0);
    assert_true(ut_starts_with(d3.ev.event_id, "sha256:"));
    assert_string_not_equal(d3.ev.event_id, d1.ev.event_id);
    free(other);
    described_free(&d1);
    described_free(&d2);
    described_free(&d3);
}

static void test_retell_rejects(void **state)
{
    (void)state;
    expect_rejected("retell", "{\"call\":{\"call_id\":\"call_1\"}}", "event");
    expect_rejected("retell", "{\"event\":\"call ended\",\"call\":{\"call_id\":\"call_1\"}}", "event");
    expect_rejected("retell", "[{\"event\":\"call_ended\"}]", NULL);
}

/* ---- headers ---------------------------------------------------------- */

static void test_headers_json_drops_secrets(void **state)
{
    (void)state;
    sb_header hdrs[] = {
        {"x-cal-signature-256", "c0ffee00SIGVALUE1"},
        {"content-type", "application/json"},
        {"x-retell-signature", "v=1773132233000,d=SIGVALUE2"},
        {"authorization", "Bearer cal_live_SECRET3"},
        {"user-agent", "Retell/1.0 \"quoted\" <x>"},
        {"cookie", "laravel_session=SECRET4"},
        {"x-cal-webhook-version", "2021-10-20"},
        {"proxy-authorization", "Basic SECRET5"},
        {"x-api-key", "SECRET6"},
    };
    sb_request req;
    memset(&req, 0, sizeof req);
    req.pool = pool;
    req.method = "POST";
    req.path = "/api/webhooks/calcom";
    req.headers = hdrs;
    req.nheaders = sizeof hdrs / sizeof *hdrs;

    char *json = webhook_headers_json(&req, pool);
    assert_non_null(json);
    json_object *o = json_tokener_parse(json);
    if (!o) fail_msg("not JSON: %s", json);
    assert_true(json_object_is_type(o, json_type_object));
    assert_string_equal(jstr(o, "content-type"), "application/json");
    assert_string_equal(jstr(o, "user-agent"), "Retell/1.0 \"quoted\" <x>");
    assert_string_equal(jstr(o, "x-cal-webhook-version"), "2021-10-20");
    assert_int_equal(json_object_object_length(o), 3);
    const char *never[] = {"x-cal-signature-256", "x-retell-signature", "authorization", "cookie",
                           "proxy-authorization", "x-api-key", "SIGVALUE1", "SIGVALUE2", "SECRET3",
                           "SECRET4", "SECRET5", "SECRET6", "Bearer"};
    for (size_t i = 0; i < sizeof never / sizeof *never; i++)
        if (ut_contains(json, never[i])) fail_msg("headers JSON contains %s: %s", never[i], json);
    json_object_put(o);

    /* no headers at all is still an object */
    req.nheaders = 0;
    assert_string_equal(webhook_headers_json(&req, pool), "{}");
}

/* nginx passes header bytes through as they came (obs-text 0x80-0xFF is
 * legal in a field value), so the captured headers must still be valid
 * UTF-8 JSON: the headers column is utf8mb4 with CHECK (json_valid()). */
static void test_headers_json_non_utf8_value(void **state)
{
    (void)state;
    sb_header hdrs[] = {
        {"content-type", "application/json"},
        {"user-agent", "Caf\xe9-Client/1.0"}, /* Latin-1 e-acute */
        {"x-forwarded-for", "203.0.113.7 \xff\xfe"},
    };
    sb_request req;
    memset(&req, 0, sizeof req);
    req.pool = pool;
    req.headers = hdrs;
    req.nheaders = sizeof hdrs / sizeof *hdrs;
    char *json = webhook_headers_json(&req, pool);
    assert_non_null(json);

    json_tokener *tok = json_tokener_new();
    assert_non_null(tok);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *o = json_tokener_parse_ex(tok, json, (int)strlen(json));
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    json_tokener_free(tok);
    if (!o) fail_msg("headers JSON is not valid UTF-8 JSON (%s): %s", json_tokener_error_desc(jerr), json);
    assert_string_equal(jstr(o, "content-type"), "application/json");
    assert_non_null(jstr(o, "user-agent"));
    json_object_put(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calcom_fixtures),
        cmocka_unit_test(test_calcom_same_booking_distinct_events),
        cmocka_unit_test(test_repeating_types_key_on_the_body),
        cmocka_unit_test(test_calcom_rejects),
        cmocka_unit_test(test_retell_call_events),
        cmocka_unit_test(test_retell_inbound_hashes_bytes),
        cmocka_unit_test(test_retell_rejects),
        cmocka_unit_test(test_headers_json_drops_secrets),
        cmocka_unit_test(test_headers_json_non_utf8_value),
    };
    return cmocka_run_group_tests(tests, new_pool, free_pool);
}
