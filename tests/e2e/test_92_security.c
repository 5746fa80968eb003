/* test_92_security.c: the security checks of issue 9 (item 5) that no other file makes.
 *
 * Already asserted elsewhere, not repeated here: Cal.com unsigned, malformed,
 * wrong and one-byte-short signatures (test_20 bad_signatures_are_401_and_store_nothing),
 * Retell unsigned and signed with the wrong scheme (same test), Retell stale and
 * future timestamps (retell_timestamp_window), the same Cal.com delivery twice
 * (same_delivery_twice_is_one_row), bodies over http.max_body and over nginx's
 * own limit (oversized_body_is_413), invalid bytes in a Retell body
 * (signed_garbage_is_400_naming_the_problem), login brute force
 * (test_85 logins_are_throttled: 429 after 5 failures), another company's
 * call by URL, its events on the webhooks page, live feed, replay and bulk
 * replay, and the sb_company cookie of a company user (test_85).
 *
 * Here: signatures made with another key, replays of Retell deliveries,
 * oversized headers, invalid UTF-8 and 10,000-deep nesting, SQL/HTML
 * injection through every stored field of a booking and a call, path
 * traversal on /static/, and a company user probing every id-taking dashboard
 * route with another company's ids. Every check asserts real answers and rows,
 * and the tenant checks have an operator control that sees what the owner
 * must not. */
#include "e2e.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "html.h"
#include "sig.h"

#define OWNER "owner@salon-haarmonie.example.com" /* company 2 */
#define OPERATOR "operator@switchboard.example.com"
#define OTHER_BRANCH "3f9c2a10-6d4b-4c1e-9a77-2b8e5d0c1a01" /* company 1's */

/* SQL and markup in one string; quotes and a backslash for the JSON and SQL escapers */
#define EVIL "Robert'); DROP TABLE calls;-- \" OR 1=1 # <script>alert(\"x\")</script> <img src=x onerror=alert(1)> & \\ ✓"

static long long total_rows(void) { return e2e_count("SELECT COUNT(*) FROM webhook_events", NULL, 0); }

/* one login per user for the whole file */
static const char *session_of(char *slot, size_t n, const char *email, const char *password)
{
    long st = 0;
    if (!*slot) snprintf(slot, n, "%s", e2e_login(email, password, &st));
    if (!*slot) fail_msg("login of %s failed: %ld", email, st);
    return slot;
}

static const char *owner_cookie(void)
{
    static char c[128];
    return session_of(c, sizeof c, OWNER, "haarmonie-demo");
}

static const char *operator_cookie(void)
{
    static char c[128];
    return session_of(c, sizeof c, OPERATOR, "switchboard-demo");
}

/* ---- signatures ---------------------------------------------------------- */

static void signatures_made_with_another_key_are_401(void **state)
{
    (void)state;
    long long before = total_rows();
    const char *uid = arena_printf(e2e_arena(), "forged-%d", (int)getpid());
    const char *body = arena_printf(e2e_arena(), "{\"triggerEvent\":\"BOOKING_CREATED\",\"payload\":{\"uid\":\"%s\"}}", uid);
    size_t len = strlen(body);
    char cal[65], ret[100];
    sig_calcom_sign("whsec_an_attackers_guess", body, len, cal);
    const char *h1[] = {arena_printf(e2e_arena(), "X-Cal-Signature-256: %s", cal), NULL};
    e2e_response r = e2e_request("POST", "/api/calcom/webhook", h1, body, len);
    assert_int_equal(r.status, 401);
    assert_non_null(strstr(json_get_str(r.json, "message"), "does not match"));
    /* a well-formed, current Retell signature under another key */
    const char *rb = arena_printf(e2e_arena(), "{\"event\":\"call_started\",\"call\":{\"call_id\":\"call_%s\"}}", uid);
    sig_retell_sign("key_an_attackers_guess", rb, strlen(rb), e2e_now_ms(), ret);
    const char *h2[] = {arena_printf(e2e_arena(), "X-Retell-Signature: %s", ret), NULL};
    r = e2e_request("POST", "/api/webhooks/retell", h2, rb, strlen(rb));
    assert_int_equal(r.status, 401);
    assert_non_null(strstr(json_get_str(r.json, "message"), "X-Retell-Signature"));
    /* the Cal.com secret's signature is no Retell signature either */
    const char *h3[] = {arena_printf(e2e_arena(), "X-Retell-Signature: v=%lld,d=%s", (long long)e2e_now_ms(),
                                     e2e_sign_calcom(rb, strlen(rb))), NULL};
    assert_int_equal(e2e_request("POST", "/api/webhooks/retell", h3, rb, strlen(rb)).status, 401);
    assert_int_equal(total_rows(), before);
}

static void replayed_retell_delivery_is_stored_once(void **state)
{
    (void)state;
    const char *rb = arena_printf(e2e_arena(), "{\"event\":\"call_started\",\"call\":{\"call_id\":\"call_replay_%d_%lld\"}}",
                                  (int)getpid(), (long long)e2e_now_ms());
    size_t len = strlen(rb);
    /* an attacker who captured one delivery sends the same bytes and header again, on every path */
    const char *h[] = {"Content-Type: application/json",
                       arena_printf(e2e_arena(), "X-Retell-Signature: %s", e2e_sign_retell(rb, len, e2e_now_ms())), NULL};
    e2e_response first = e2e_request("POST", "/api/webhooks/retell", h, rb, len);
    assert_int_equal(first.status, 200);
    assert_string_equal(json_get_str(first.json, "status"), "accepted");
    int64_t id = 0, again_id = 0;
    assert_true(json_get_int(first.json, "id", &id));
    static const char *const PATHS[] = {"/api/webhooks/retell", "/api/webhook", "/api/retell/webhook"};
    for (size_t i = 0; i < 3; i++) {
        e2e_response again = e2e_request("POST", PATHS[i], h, rb, len);
        assert_int_equal(again.status, 200);
        assert_string_equal(json_get_str(again.json, "status"), "duplicate");
        assert_true(json_get_int(again.json, "id", &again_id));
        assert_int_equal(again_id, id);
    }
    db_param p = db_strn(rb, len);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM webhook_events WHERE payload = ?", &p, 1), 1);
    /* the captured header does not sign anything else */
    const char *changed = e2e_replace(rb, "call_started", "call_ended");
    assert_int_equal(e2e_request("POST", "/api/webhooks/retell", h, changed, strlen(changed)).status, 401);
    db_param c = db_str(changed);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM webhook_events WHERE payload = ?", &c, 1), 0);
}

/* ---- sizes and malformed input -------------------------------------------- */

static void oversized_headers_are_4xx_never_5xx(void **state)
{
    (void)state;
    long long before = total_rows();
    char *big = arena_alloc(e2e_arena(), 20000);
    memset(big, 'a', 19999);
    big[19999] = '\0';
    const char *body = "{\"triggerEvent\":\"PING\",\"payload\":{}}";
    /* one header line over nginx's large_client_header_buffers (8k): nginx refuses it */
    const char *h1[] = {arena_printf(e2e_arena(), "X-Filler: %s", big), NULL};
    e2e_response r = e2e_request("POST", "/api/calcom/webhook", h1, body, strlen(body));
    if (r.status < 400 || r.status > 499) fail_msg("a 20 KB header answered %ld", r.status);
    const char *h2[] = {arena_printf(e2e_arena(), "Cookie: sb_session=%s", big), NULL};
    r = e2e_request("GET", "/calls", h2, NULL, 0);
    if (r.status < 400 || r.status > 499) fail_msg("a 20 KB cookie answered %ld", r.status);
    assert_int_equal(total_rows(), before);
    /* what nginx lets through reaches us: a 7 KB header, a 7 KB cookie, 100 headers */
    big[7000] = '\0';
    const char *h3[] = {"Content-Type: application/json",
                        arena_printf(e2e_arena(), "X-Cal-Signature-256: %s", e2e_sign_calcom(body, strlen(body))),
                        arena_printf(e2e_arena(), "X-Filler: %s", big), NULL};
    r = e2e_request("POST", "/api/calcom/webhook", h3, body, strlen(body));
    assert_int_equal(r.status, 200); /* stored like any ping */
    const char *h4[] = {arena_printf(e2e_arena(), "Cookie: sb_session=%.3500s; sb_lang=%.3000s", big, big), NULL};
    r = e2e_request("GET", "/calls", h4, NULL, 0);
    assert_int_equal(r.status, 303); /* no such session: to the login */
    const char *many[102];
    for (int i = 0; i < 100; i++) many[i] = arena_printf(e2e_arena(), "X-Many-%d: %.*s", i, 200, big);
    many[100] = NULL;
    r = e2e_request("GET", "/api/health", many, NULL, 0);
    if (r.status >= 500) fail_msg("100 headers answered %ld", r.status);
}

static void invalid_utf8_is_400_with_a_message(void **state)
{
    (void)state;
    long long before = total_rows();
    static const struct { const char *bytes, *what; } BAD[] = {
        {"\xc0\xaf", "overlong '/'"},      {"\xc0\x80", "overlong NUL"}, {"\xed\xa0\x80", "UTF-16 surrogate"},
        {"\xf4\x90\x80\x80", "> U+10FFFF"}, {"\xf8\x88\x80\x80\x80", "5-byte form"}, {"\xe2\x82", "truncated"},
        {"\x80", "lone continuation"},      {"\xff", "0xff"},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        /* in a value (Cal.com) and in a key (Retell) */
        const char *cb = arena_printf(e2e_arena(), "{\"triggerEvent\":\"BOOKING_CREATED\",\"payload\":{\"uid\":\"u8-%zu\",\"title\":\"a%sb\"}}",
                                      i, BAD[i].bytes);
        const char *rb = arena_printf(e2e_arena(), "{\"event\":\"call_started\",\"call\":{\"call_id\":\"call_u8_%zu\",\"k%s\":1}}", i,
                                      BAD[i].bytes);
        e2e_response r = e2e_post_signed("calcom", "/api/calcom/webhook", cb, strlen(cb));
        if (r.status != 400) fail_msg("%s in a Cal.com value answered %ld", BAD[i].what, r.status);
        const char *msg = json_get_str(r.json, "message");
        if (!msg || !strstr(msg, "UTF-8")) fail_msg("%s: message \"%s\" does not name UTF-8", BAD[i].what, msg ? msg : "(none)");
        r = e2e_post_signed("retell", "/api/webhooks/retell", rb, strlen(rb));
        if (r.status != 400 || !json_get_str(r.json, "message")) fail_msg("%s in a Retell key answered %ld", BAD[i].what, r.status);
    }
    assert_int_equal(total_rows(), before);
}

static void deep_nesting_is_400_and_harmless(void **state)
{
    (void)state;
    long long before = total_rows();
    enum { DEPTH = 10000 };
    buf arr = BUF_INIT, obj = BUF_INIT;
    buf_puts(&arr, "{\"triggerEvent\":\"BOOKING_CREATED\",\"payload\":");
    buf_puts(&obj, "{\"event\":\"call_started\",\"call\":");
    for (int i = 0; i < DEPTH; i++) {
        buf_puts(&arr, "[");
        buf_puts(&obj, "{\"a\":");
    }
    buf_puts(&obj, "1");
    for (int i = 0; i < DEPTH; i++) {
        buf_puts(&arr, "]");
        buf_puts(&obj, "}");
    }
    buf_puts(&arr, "}");
    buf_puts(&obj, "}");
    e2e_response a = e2e_post_signed("calcom", "/api/calcom/webhook", arr.data, arr.len);
    e2e_response o = e2e_post_signed("retell", "/api/webhooks/retell", obj.data, obj.len);
    buf_free(&arr);
    buf_free(&obj);
    assert_int_equal(a.status, 400);
    assert_non_null(strstr(json_get_str(a.json, "message"), "deep"));
    assert_int_equal(o.status, 400);
    assert_non_null(strstr(json_get_str(o.json, "message"), "deep"));
    assert_int_equal(total_rows(), before);
    /* the child that parsed it is alive and well: both children answer */
    for (int i = 0; i < 4; i++) assert_int_equal(e2e_request("GET", "/api/health", NULL, NULL, 0).status, 200);
}

/* ---- injection: stored verbatim, rendered escaped ------------------------ */

/* EVIL as the detail pages must show it */
static const char *escaped(const char *s)
{
    buf b = BUF_INIT;
    html_text(&b, s);
    const char *out = arena_strndup(e2e_arena(), buf_cstr(&b), b.len);
    buf_free(&b);
    return out;
}

/* Markup the injected values carry: a page has no raw copy of any of them (the dashboard's own
 * markup uses none of these; its charts are inline <svg> after an attribute, so the attribute
 * break-out "\"><svg" is caught as part of each whole injected value below, not on its own) */
static const char *const RAW_MARKUP[] = {"<script>", "<img src=x", "<svg/onload", "<b>", "<i>"};

static void has_no_raw_copy(const char *path, const char *body, const char *const *values, size_t n)
{
    for (size_t i = 0; i < sizeof RAW_MARKUP / sizeof *RAW_MARKUP; i++)
        if (strstr(body, RAW_MARKUP[i])) fail_msg("%s renders \"%s\" raw", path, RAW_MARKUP[i]);
    for (size_t i = 0; i < n; i++)
        if (strstr(body, values[i])) fail_msg("%s has a raw copy of \"%s\"", path, values[i]);
}

static void page_shows_escaped(const char *path, const char *const *values, size_t n)
{
    e2e_response r = e2e_get_as(owner_cookie(), path);
    if (r.status != 200) fail_msg("%s answered %ld", path, r.status);
    has_no_raw_copy(path, r.body, values, n);
    for (size_t i = 0; i < n; i++)
        if (!strstr(r.body, escaped(values[i]))) fail_msg("%s does not show \"%s\" escaped", path, values[i]);
}

static const char *col(const char *sql, const char *key)
{
    db_param p = db_str(key);
    return e2e_scalar(sql, &p, 1);
}

#define EQ_EVIL(sql, key) do { \
        const char *v_ = col(sql, key); \
        if (!v_ || strcmp(v_, EVIL) != 0) fail_msg("%s: \"%s\"", sql, v_ ? v_ : "(null)"); \
    } while (0)

static void deliver_processed(const char *provider, const char *path, const char *body)
{
    e2e_response r = e2e_post_signed(provider, path, body, strlen(body));
    int64_t id = 0;
    if (r.status != 200 || !json_get_int(r.json, "id", &id)) fail_msg("%s delivery answered %ld: %s", provider, r.status, r.body);
    if (!e2e_wait_status((uint64_t)id, "processed", 30)) fail_msg("event %lld was not processed", (long long)id);
}

static void injection_is_stored_verbatim_and_rendered_escaped(void **state)
{
    (void)state;
    /* a booking of the owner's company: every text Cal.com sends that we keep */
    const char *uid = arena_printf(e2e_arena(), "inj'OR'1'='1--<b>%d</b>", (int)getpid()); /* ids have no spaces */
    const char *email = arena_printf(e2e_arena(), "o'hara\"--<i>%d@example.com", (int)getpid());
    json_object *b = json_object_new_object(), *pl = json_object_new_object(), *att = json_object_new_array(),
                *a0 = json_object_new_object();
    json_object_object_add(b, "triggerEvent", json_object_new_string("BOOKING_CREATED"));
    json_object_object_add(b, "createdAt", json_object_new_string("2026-03-09T14:12:37Z"));
    json_object_object_add(b, "payload", pl);
    json_object_object_add(pl, "uid", json_object_new_string(uid));
    json_object_object_add(pl, "eventTypeId", json_object_new_int(1843201));
    json_object_object_add(pl, "title", json_object_new_string(EVIL));
    json_object_object_add(pl, "additionalNotes", json_object_new_string(EVIL));
    json_object_object_add(pl, "type", json_object_new_string(EVIL));
    json_object_object_add(pl, "location", json_object_new_string(EVIL));
    json_object_object_add(pl, "startTime", json_object_new_string("2026-03-12T09:00:00Z"));
    json_object_object_add(pl, "endTime", json_object_new_string("2026-03-12T10:00:00Z"));
    json_object_object_add(pl, "attendees", att);
    json_object_array_add(att, a0);
    json_object_object_add(a0, "name", json_object_new_string(EVIL));
    json_object_object_add(a0, "email", json_object_new_string(email));
    json_object_object_add(a0, "timeZone", json_object_new_string("Europe/Berlin"));
    const char *created = arena_strdup(e2e_arena(), json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN));
    json_object_object_add(b, "triggerEvent", json_object_new_string("BOOKING_CANCELLED"));
    json_object_object_add(pl, "cancellationReason", json_object_new_string(EVIL));
    const char *cancelled = arena_strdup(e2e_arena(), json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN));
    json_object_put(b);
    deliver_processed("calcom", "/api/calcom/webhook", created);
    deliver_processed("calcom", "/api/calcom/webhook", cancelled);
    assert_string_equal(col("SELECT calcom_v2_booking_id FROM appointments WHERE calcom_v2_booking_id = ?", uid), uid);
    assert_string_equal(col("SELECT external_id FROM appointments WHERE calcom_v2_booking_id = ?", uid), uid);
    EQ_EVIL("SELECT notes FROM appointments WHERE calcom_v2_booking_id = ?", uid);
    EQ_EVIL("SELECT cancellation_reason FROM appointments WHERE calcom_v2_booking_id = ?", uid);
    EQ_EVIL("SELECT JSON_VALUE(metadata, '$.switchboard.location') FROM appointments WHERE calcom_v2_booking_id = ?", uid);
    EQ_EVIL("SELECT JSON_VALUE(metadata, '$.switchboard.calcom_event_type_slug') FROM appointments WHERE calcom_v2_booking_id = ?", uid);
    EQ_EVIL("SELECT cu.name FROM appointments a JOIN customers cu ON cu.id = a.customer_id WHERE a.calcom_v2_booking_id = ?", uid);
    assert_string_equal(col("SELECT cu.email FROM appointments a JOIN customers cu ON cu.id = a.customer_id"
                            " WHERE a.calcom_v2_booking_id = ?", uid), email);
    const char *table = e2e_scalar("SHOW TABLES LIKE 'calls'", NULL, 0); /* the table is still there */
    assert_non_null(table);
    assert_string_equal(table, "calls");
    const char *appt = col("SELECT id FROM appointments WHERE calcom_v2_booking_id = ?", uid);
    page_shows_escaped(arena_printf(e2e_arena(), "/appointment?id=%s", appt), (const char *const[]){uid, EVIL}, 2);
    page_shows_escaped("/appointments?days=3660", (const char *const[]){EVIL}, 1); /* the customer column */

    /* a call to the owner's number: every text Retell sends that we keep */
    const char *call_id = arena_printf(e2e_arena(), "call_inj'OR'1'='1--<svg/onload=alert(1)>%d", (int)getpid());
    json_object *c = json_object_new_object(), *call = json_object_new_object(), *an = json_object_new_object(),
                *cad = json_object_new_object(), *meta = json_object_new_object();
    json_object_object_add(c, "event", json_object_new_string("call_analyzed"));
    json_object_object_add(c, "call", call);
    json_object_object_add(call, "call_id", json_object_new_string(call_id));
    json_object_object_add(call, "from_number", json_object_new_string(EVIL));
    json_object_object_add(call, "to_number", json_object_new_string("+4922112345678"));
    json_object_object_add(call, "direction", json_object_new_string("inbound"));
    json_object_object_add(call, "call_type", json_object_new_string(EVIL));
    json_object_object_add(call, "agent_id", json_object_new_string(EVIL));
    json_object_object_add(call, "agent_name", json_object_new_string(EVIL));
    json_object_object_add(call, "disconnection_reason", json_object_new_string(EVIL));
    json_object_object_add(call, "transcript", json_object_new_string(EVIL));
    json_object_object_add(call, "public_log_url", json_object_new_string(EVIL));
    json_object_object_add(call, "duration_ms", json_object_new_int(61000));
    json_object_object_add(call, "call_analysis", an);
    json_object_object_add(an, "call_summary", json_object_new_string(EVIL));
    json_object_object_add(an, "user_sentiment", json_object_new_string(EVIL));
    json_object_object_add(an, "custom_analysis_data", cad);
    json_object_object_add(cad, "kunde_name", json_object_new_string(EVIL));
    json_object_object_add(call, "metadata", meta);
    json_object_object_add(meta, "note", json_object_new_string(EVIL));
    const char *analyzed = arena_strdup(e2e_arena(), json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN));
    json_object_put(c);
    deliver_processed("retell", "/api/webhooks/retell", analyzed);
    /* calls.call_type is VARCHAR(20): clipped to 20 characters, the rest of the call stored (it failed the event before) */
    assert_string_equal(col("SELECT call_type FROM calls WHERE retell_call_id = ?", call_id), "Robert'); DROP TABLE");
    static const char *const CALL_TEXT[] = {"from_number", "retell_agent_id", "agent_name", "disconnection_reason",
                                            "transcript", "public_log_url", "summary", "sentiment"};
    for (size_t i = 0; i < sizeof CALL_TEXT / sizeof *CALL_TEXT; i++)
        EQ_EVIL(arena_printf(e2e_arena(), "SELECT %s FROM calls WHERE retell_call_id = ?", CALL_TEXT[i]), call_id);
    EQ_EVIL("SELECT JSON_VALUE(custom_analysis_data, '$.kunde_name') FROM calls WHERE retell_call_id = ?", call_id);
    EQ_EVIL("SELECT JSON_VALUE(metadata, '$.note') FROM calls WHERE retell_call_id = ?", call_id);
    assert_string_equal(col("SELECT external_id FROM calls WHERE retell_call_id = ?", call_id), call_id);
    assert_string_equal(col("SELECT company_id FROM calls WHERE retell_call_id = ?", call_id), "2");
    const char *cid = col("SELECT id FROM calls WHERE retell_call_id = ?", call_id);
    page_shows_escaped(arena_printf(e2e_arena(), "/call?id=%s", cid), (const char *const[]){call_id, EVIL}, 2);
    page_shows_escaped("/calls?days=3660", (const char *const[]){EVIL}, 1); /* the caller column */
    page_shows_escaped("/agents?days=3660", (const char *const[]){EVIL}, 1); /* the agent column: its id */
}

/* A hostile value in each parameter a page reflects (search box, selects, period, ids) comes
 * back escaped or not at all, whatever the page answers */
static void hostile_parameters_are_never_reflected_raw(void **state)
{
    (void)state;
    static const char HOSTILE[] = "\"><svg/onload=alert(1)><b>x</b>'<script>alert(2)</script>";
    static const char *const PAGES[] = {
        "/calls?q=%s", "/appointments?q=%s", "/calls?days=%s", "/appointments?days=%s", "/?days=%s", "/channels?days=%s",
        "/agents?days=%s", "/webhooks?status=%s", "/webhooks?provider=%s", "/webhooks?status=dead&provider=%s", "/?branch=%s",
        "/channels?branch=%s", "/agents?branch=%s", "/call?id=%s", "/appointment?id=%s", "/calls.csv?q=%s", "/report.csv?branch=%s",
    };
    buf enc = BUF_INIT;
    for (const char *p = HOSTILE; *p; p++) buf_printf(&enc, "%%%02X", (unsigned char)*p);
    for (size_t i = 0; i < sizeof PAGES / sizeof *PAGES; i++) {
        const char *path = arena_printf(e2e_arena(), PAGES[i], buf_cstr(&enc));
        e2e_response r = e2e_get_as(owner_cookie(), path);
        if (r.status >= 500) fail_msg("%s answered %ld", PAGES[i], r.status);
        has_no_raw_copy(PAGES[i], r.body ? r.body : "", (const char *const[]){HOSTILE}, 1);
    }
    /* the search box shows what was searched, escaped */
    e2e_response q = e2e_get_as(owner_cookie(), arena_printf(e2e_arena(), "/calls?q=%s", buf_cstr(&enc)));
    buf_free(&enc);
    buf attr = BUF_INIT;
    html_attr(&attr, HOSTILE);
    if (!strstr(q.body, buf_cstr(&attr))) fail_msg("/calls does not show the search escaped: %s", buf_cstr(&attr));
    buf_free(&attr);
}

/* CSV cells that a spreadsheet would run as a formula start with a quote */
static void csv_cells_never_start_a_formula(void **state)
{
    (void)state;
    static const char *const STARTS[] = {"=1+1", "+49 cmd", "-2+3", "@SUM(A1)"};
    for (size_t i = 0; i < sizeof STARTS / sizeof *STARTS; i++) {
        db_param p[] = {db_str(arena_printf(e2e_arena(), "call_formula_%d_%zu", (int)getpid(), i)), db_str(STARTS[i])};
        assert_int_equal(db_exec(e2e_db(), "INSERT INTO calls (retell_call_id, company_id, from_number, status, created_at, updated_at)"
                                           " VALUES (?, 2, ?, 'completed', NOW(), NOW())", p, 2, NULL, NULL), 0);
    }
    e2e_response r = e2e_get_as(owner_cookie(), "/calls.csv?days=1");
    assert_int_equal(r.status, 200);
    for (size_t i = 0; i < sizeof STARTS / sizeof *STARTS; i++) {
        if (!strstr(r.body, arena_printf(e2e_arena(), ",\"'%s\",", STARTS[i]))) fail_msg("no defused cell for %s", STARTS[i]);
        if (strstr(r.body, arena_printf(e2e_arena(), "\"%s\"", STARTS[i]))) fail_msg("a raw formula cell %s", STARTS[i]);
    }
}

/* Free text longer than its column (customers.name is VARCHAR(255)) failed the
 * event on every retry until it went dead; now it is clipped at a character
 * boundary and the booking is an appointment. */
static void over_long_text_is_clipped_not_fatal(void **state)
{
    (void)state;
    buf name = BUF_INIT;
    for (int i = 0; i < 300; i++) buf_puts(&name, "ä");
    const char *uid = arena_printf(e2e_arena(), "longname-%d-%lld", (int)getpid(), (long long)e2e_now_ms());
    const char *body = arena_printf(e2e_arena(),
                                    "{\"triggerEvent\":\"BOOKING_CREATED\",\"createdAt\":\"2026-03-09T14:12:37Z\",\"payload\":{\"uid\":\"%s\","
                                    "\"eventTypeId\":1843201,\"startTime\":\"2026-03-12T09:00:00Z\",\"endTime\":\"2026-03-12T10:00:00Z\","
                                    "\"attendees\":[{\"name\":\"%s\",\"email\":\"%s@example.com\"}]}}",
                                    uid, buf_cstr(&name), uid);
    buf_free(&name);
    deliver_processed("calcom", "/api/calcom/webhook", body);
    const char *stored = col("SELECT cu.name FROM appointments a JOIN customers cu ON cu.id = a.customer_id"
                             " WHERE a.calcom_v2_booking_id = ?", uid);
    assert_non_null(stored);
    assert_int_equal(strlen(stored), 255 * 2); /* 255 characters of two bytes, none cut in half */
    assert_int_equal(strspn(stored, "ä"), strlen(stored));
}

/* ---- static files --------------------------------------------------------- */

/* One HTTP/1.0 request with the request target exactly as given (curl would
 * normalise the dot segments away); the status, the body into *body. */
static long raw_get(const char *target, const char **body)
{
    const char *url = getenv("SB_TEST_URL");
    int port = atoi(strrchr(url, ':') + 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) fail_msg("connect to %s failed", url);
    const char *req = arena_printf(e2e_arena(), "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", target);
    if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) fail_msg("write failed");
    buf b = BUF_INIT;
    char chunk[4096];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0) buf_append(&b, chunk, (size_t)n);
    close(fd);
    long status = 0;
    sscanf(buf_cstr(&b), "HTTP/1.%*d %ld", &status);
    const char *sep = strstr(buf_cstr(&b), "\r\n\r\n");
    *body = arena_strdup(e2e_arena(), sep ? sep + 4 : "");
    buf_free(&b);
    return status;
}

static void static_route_never_leaves_www(void **state)
{
    (void)state;
    const char *body;
    /* the control: the route serves www/ */
    assert_int_equal(raw_get("/static/live.js", &body), 200);
    assert_non_null(strstr(body, "live"));
    /* the config of this very stack, relative to www/ (ROOT/www/../../..VAR) */
    const char *conf = arena_printf(e2e_arena(), "/static/../../../../../../..%s/switchboard.conf", e2e_var());
    const char *const TARGETS[] = {
        "/static/../Makefile", "/static/..%2fMakefile", "/static/%2e%2e/Makefile", "/static/%2e%2e%2fMakefile",
        "/static/.%2e/Makefile", "/static/%2E%2E%2FMakefile", "/static/..%5cMakefile", "/static/%252e%252e/Makefile",
        "/static/..;/Makefile", "/static//../Makefile", "/static../Makefile", "/static/../conf/switchboard.conf.example",
        "/static/../../../../../../etc/passwd", "/static/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd", conf,
        arena_printf(e2e_arena(), "/static/..%%2f..%%2f..%%2f..%%2f..%%2f..%%2f..%s/switchboard.conf", e2e_var()),
        "/static/live.js%00.css", "/static/./../Makefile", "/static/%c0%ae%c0%ae/Makefile",
    };
    for (size_t i = 0; i < sizeof TARGETS / sizeof *TARGETS; i++) {
        long st = raw_get(TARGETS[i], &body);
        if (st != 404 && st != 400) fail_msg("%s answered %ld", TARGETS[i], st);
        if (strstr(body, "db.password") || strstr(body, "root:") || strstr(body, "CFLAGS") || strstr(body, "spool.dir"))
            fail_msg("%s leaked a file outside www/", TARGETS[i]);
    }
}

/* ---- the tenant wall on every route that takes an id --------------------- */

/* the answer lists one of company 1's marked rows: in an HTML page its tables
 * (the search box repeats the query), else (CSV, JSON) the whole body */
static int shows(const e2e_response *r, const char *mark, const char *phone)
{
    const char *from = strstr(r->body, "<tbody>"), *to = NULL;
    for (const char *t = from; t && (t = strstr(t, "</tbody>")); t++) to = t;
    const char *rows = from && to ? arena_strndup(e2e_arena(), from, (size_t)(to - from)) : r->body;
    return strstr(rows, mark) || strstr(rows, phone) || strstr(rows, "agent_wall92");
}

static void company_user_probing_other_ids_sees_nothing_of_theirs(void **state)
{
    (void)state;
    /* company 1's rows, in its branch, marked so they are recognisable on any page */
    /* zero-padded: an id of 16+ characters is what the search box takes as a Cal.com uid */
    const char *mark = arena_printf(e2e_arena(), "wall92x%07d", (int)getpid());
    int digits = (int)getpid() % 10000000;
    const char *phone = arena_printf(e2e_arena(), "+4930559%07d", digits); /* the lists show the caller, not the id */
    db_param p[] = {db_str(mark), db_str(OTHER_BRANCH), db_str(phone)};
    assert_int_equal(db_exec(e2e_db(),
                             "INSERT INTO calls (retell_call_id, company_id, branch_id, from_number, retell_agent_id, duration_sec,"
                             " status, created_at, updated_at) VALUES (CONCAT('call_', ?), 1, ?, ?, 'agent_wall92',"
                             " 60, 'completed', NOW(), NOW())", p, 3, NULL, NULL), 0);
    assert_int_equal(db_exec(e2e_db(), "INSERT INTO customers (company_id, name, created_at, updated_at) VALUES (1, ?, NOW(), NOW())",
                             p, 1, NULL, NULL), 0);
    assert_int_equal(db_exec(e2e_db(),
                             "INSERT INTO appointments (company_id, branch_id, customer_id, calcom_v2_booking_id, status, source,"
                             " starts_at, created_at, updated_at) SELECT 1, ?, MAX(id), CONCAT('uid_', ?), 'confirmed', 'cal.com',"
                             " NOW() + INTERVAL 1 DAY, NOW(), NOW() FROM customers WHERE name = ?",
                             (db_param[]){db_str(OTHER_BRANCH), db_str(mark), db_str(mark)}, 3, NULL, NULL), 0);
    assert_int_equal(db_exec(e2e_db(),
                             "INSERT INTO webhook_events (provider, company_id, event_type, event_id, idempotency_key, payload, status,"
                             " error_message, next_attempt_at, created_at, updated_at) VALUES ('calcom', 1, 'BOOKING_CREATED',"
                             " CONCAT('uid_', ?), CONCAT('calcom:BOOKING_CREATED:uid_', ?), '{}', 'failed', ?, NOW(3) + INTERVAL 1 DAY,"
                             " NOW(), NOW())", (db_param[]){db_str(mark), db_str(mark), db_str(mark)}, 3, NULL, NULL), 0);
    const char *call = col("SELECT id FROM calls WHERE retell_call_id = CONCAT('call_', ?)", mark);
    const char *appt = col("SELECT id FROM appointments WHERE calcom_v2_booking_id = CONCAT('uid_', ?)", mark);
    const char *out = NULL;
    if (e2e_cli("stats --rebuild --company 1 --days 2", &out) != 0) fail_msg("stats --rebuild: %s", out);

    /* detail pages: a 404 like a missing row, also with the operator's scope cookie */
    const char *own = owner_cookie(), *own_scoped = arena_printf(e2e_arena(), "%s; sb_company=1", owner_cookie());
    const char *details[] = {arena_printf(e2e_arena(), "/call?id=%s", call), arena_printf(e2e_arena(), "/appointment?id=%s", appt)};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(e2e_get_as(own, details[i]).status, 404);
        assert_int_equal(e2e_get_as(own_scoped, details[i]).status, 404);
        e2e_response op = e2e_get_as(operator_cookie(), details[i]);
        assert_int_equal(op.status, 200);
        assert_non_null(strstr(op.body, mark));
    }
    /* lists, searches, exports and feeds with company 1's branch, ids and numbers as filters */
    const char *const PROBES[] = {
        "/calls?days=1&branch=" OTHER_BRANCH, arena_printf(e2e_arena(), "/calls?days=1&q=call_%s", mark),
        arena_printf(e2e_arena(), "/calls?days=1&q=%%2B4930559%07d", digits), "/calls.csv?days=1&branch=" OTHER_BRANCH,
        arena_printf(e2e_arena(), "/calls.csv?days=1&q=call_%s", mark), arena_printf(e2e_arena(), "/calls.csv?days=1&q=030559%07d", digits),
        "/appointments?days=1&branch=" OTHER_BRANCH, arena_printf(e2e_arena(), "/appointments?days=1&q=uid_%s", mark),
        arena_printf(e2e_arena(), "/appointments?days=1&q=%s", mark), "/appointments.csv?days=1&branch=" OTHER_BRANCH,
        arena_printf(e2e_arena(), "/appointments.csv?days=1&q=uid_%s", mark), "/webhooks?status=failed&provider=calcom",
        "/webhooks/live.json?status=&provider=&after=0", "/agents?days=1&branch=" OTHER_BRANCH,
    };
    for (size_t i = 0; i < sizeof PROBES / sizeof *PROBES; i++) {
        e2e_response r = e2e_get_as(own, PROBES[i]);
        if (r.status != 200) fail_msg("owner: %s answered %ld", PROBES[i], r.status);
        if (shows(&r, mark, phone)) fail_msg("owner: %s shows company 1's rows", PROBES[i]);
        r = e2e_get_as(own_scoped, PROBES[i]);
        if (shows(&r, mark, phone)) fail_msg("owner + sb_company=1: %s shows company 1's rows", PROBES[i]);
        /* the control: the operator, narrowed to company 1, does see them */
        r = e2e_get_as(arena_printf(e2e_arena(), "%s; sb_company=1", operator_cookie()), PROBES[i]);
        if (r.status != 200 || !shows(&r, mark, phone))
            fail_msg("operator: %s does not show the marked rows (the probe proves nothing)", PROBES[i]);
    }
    /* report figures of another company's branch: exactly those of a branch that does not exist */
    const char *const REPORTS[] = {"/report.csv?days=1&branch=", "/?days=1&branch=", "/channels?days=1&branch="};
    const char *none = "00000000-0000-4000-8000-000000000000";
    for (size_t i = 0; i < 3; i++) {
        e2e_response theirs = e2e_get_as(own, arena_printf(e2e_arena(), "%s%s", REPORTS[i], OTHER_BRANCH));
        e2e_response nothing = e2e_get_as(own, arena_printf(e2e_arena(), "%s%s", REPORTS[i], none));
        assert_int_equal(theirs.status, 200);
        if (strcmp(e2e_replace(theirs.body, OTHER_BRANCH, none), nothing.body) != 0)
            fail_msg("owner: %s%s differs from a branch that does not exist", REPORTS[i], OTHER_BRANCH);
    }
    e2e_response op = e2e_get_as(arena_printf(e2e_arena(), "%s; sb_company=1", operator_cookie()),
                                 "/report.csv?days=1&branch=" OTHER_BRANCH);
    e2e_response op_none = e2e_get_as(arena_printf(e2e_arena(), "%s; sb_company=1", operator_cookie()),
                                      arena_printf(e2e_arena(), "/report.csv?days=1&branch=%s", none));
    assert_string_not_equal(op.body, op_none.body); /* the control: company 1's branch has figures */
    /* replay by id: 404, and the event is untouched */
    e2e_response wh = e2e_get_as(own, "/webhooks");
    const char *csrf = strstr(wh.body, "name=\"csrf\" value=\"");
    assert_non_null(csrf);
    const char *ev = col("SELECT id FROM webhook_events WHERE event_id = CONCAT('uid_', ?)", mark);
    const char *h[] = {arena_printf(e2e_arena(), "Cookie: %s", own), "Content-Type: application/x-www-form-urlencoded", NULL};
    const char *form = arena_printf(e2e_arena(), "csrf=%.64s&id=%s", csrf + 19, ev);
    assert_int_equal(e2e_request("POST", "/webhooks/replay", h, form, strlen(form)).status, 404);
    assert_string_equal(col("SELECT status FROM webhook_events WHERE event_id = CONCAT('uid_', ?)", mark), "failed");
    assert_int_equal(db_exec(e2e_db(), "DELETE FROM webhook_events WHERE event_id = CONCAT('uid_', ?)", p, 1, NULL, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signatures_made_with_another_key_are_401),
        cmocka_unit_test(replayed_retell_delivery_is_stored_once),
        cmocka_unit_test(oversized_headers_are_4xx_never_5xx),
        cmocka_unit_test(invalid_utf8_is_400_with_a_message),
        cmocka_unit_test(deep_nesting_is_400_and_harmless),
        cmocka_unit_test(injection_is_stored_verbatim_and_rendered_escaped),
        cmocka_unit_test(hostile_parameters_are_never_reflected_raw),
        cmocka_unit_test(csv_cells_never_start_a_formula),
        cmocka_unit_test(over_long_text_is_clipped_not_fatal),
        cmocka_unit_test(static_route_never_leaves_www),
        cmocka_unit_test(company_user_probing_other_ids_sees_nothing_of_theirs),
    };
    return cmocka_run_group_tests_name("e2e_security", tests, e2e_setup, e2e_teardown);
}
