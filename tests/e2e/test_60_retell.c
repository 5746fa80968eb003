/* test_60_retell.c: Retell call webhooks and sync-calls keep calls correct,
 * linked and complete; call_inbound is answered with the routing. */
#include "e2e.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"

#define CALL_ID "call_9f2c41d7b8e34a6f8d12c07be5a91f3e"
#define PHONE_ID "9e3b1f27-4c8a-4d52-b6e0-1a7c3d5f9b22"
#define BRANCH "5a0d6c1e-2b7f-4e39-9c41-7d2f0e8b4a11"
#define EQ(actual, expected) assert_string_equal((actual) ? (actual) : "(null)", (expected))

static const char *call_fixture(const char *name, const char *call_id)
{
    size_t len;
    return e2e_replace(e2e_fixture(arena_printf(e2e_arena(), "retell/%s.json", name), &len), CALL_ID, call_id);
}

static const char *new_call_id(void)
{
    static int n;
    return arena_printf(e2e_arena(), "call_e2e_%d_%d", (int)getpid(), ++n);
}

static void deliver(const char *body)
{
    e2e_response r = e2e_post_signed("retell", "/api/webhooks/retell", body, strlen(body));
    if (r.status != 200) fail_msg("delivery answered %ld: %s", r.status, r.body);
    int64_t id = 0;
    assert_true(json_get_int(r.json, "id", &id));
    if (!e2e_wait_status((uint64_t)id, "processed|ignored", 15)) {
        db_param p = db_int(id);
        fail_msg("event %lld: %s", (long long)id, e2e_scalar("SELECT CONCAT(status, ': ', COALESCE(error_message, notes, ''))"
                                                              " FROM webhook_events WHERE id = ?", &p, 1));
    }
}

static const char *call_col(const char *call_id, const char *expr)
{
    db_param p = db_str(call_id);
    return e2e_scalar(arena_printf(e2e_arena(), "SELECT %s FROM calls WHERE retell_call_id = ?", expr), &p, 1);
}

/* Every column the story sets, as one comparable line. */
static const char *row_signature(const char *call_id)
{
    return call_col(call_id,
                    "CONCAT_WS('|', company_id, branch_id, phone_number_id, from_number, to_number, status, call_status,"
                    " direction, agent_id, retell_agent_id, agent_version, UNIX_TIMESTAMP(start_timestamp),"
                    " UNIX_TIMESTAMP(end_timestamp), duration_ms, duration_sec, disconnection_reason, MD5(transcript),"
                    " recording_url, summary, sentiment, call_successful, cost_cents, cost, end_to_end_latency,"
                    " customer_id, customer_link_status, customer_link_method, is_unknown_customer,"
                    " MD5(analysis), MD5(cost_breakdown), UNIX_TIMESTAMP(created_at))");
}

/* The tenant's customer with Jonas's number (other tests may have created him first). */
static const char *jonas(void)
{
    return e2e_scalar("SELECT id FROM customers WHERE company_id = 2 AND deleted_at IS NULL AND phone IN"
                      " ('+4917612345678', '4917612345678', '004917612345678', '017612345678') ORDER BY id LIMIT 1",
                      NULL, 0);
}

static int setup(void **state)
{
    if (e2e_setup(state) != 0) return -1;
    /* Jonas Becker is a known customer of the salon (he booked before) */
    if (db_exec(e2e_db(),
                "INSERT IGNORE INTO customers (id, company_id, name, phone, source, status, created_at, updated_at)"
                " VALUES (900, 2, 'Jonas Becker', '017612345678', 'manual', 'active', NOW(), NOW())",
                NULL, 0, NULL, NULL) != 0)
        return -1;
    return 0;
}

static void full_story_is_one_complete_row(void **state)
{
    (void)state;
    const char *id = new_call_id();
    deliver(call_fixture("webhook_call_started", id));
    EQ(call_col(id, "status"), "ongoing");
    deliver(call_fixture("webhook_call_ended", id));
    EQ(call_col(id, "status"), "completed");
    deliver(call_fixture("webhook_call_analyzed", id));
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM calls WHERE retell_call_id = ?", (db_param[]){db_str(id)}, 1), 1);
    EQ(call_col(id, "company_id"), "2");
    EQ(call_col(id, "branch_id"), BRANCH);
    EQ(call_col(id, "phone_number_id"), PHONE_ID);
    EQ(call_col(id, "external_id"), id);
    EQ(call_col(id, "from_number"), "+4917612345678");
    EQ(call_col(id, "to_number"), "+4922112345678");
    EQ(call_col(id, "direction"), "inbound");
    EQ(call_col(id, "status"), "analyzed");
    EQ(call_col(id, "call_status"), "ended");
    EQ(call_col(id, "retell_agent_id"), "agent_5d1e8c2f9a7b43c6b0e4f1a2d3");
    EQ(call_col(id, "agent_id = (SELECT id FROM retell_agents WHERE agent_id = 'agent_5d1e8c2f9a7b43c6b0e4f1a2d3')"), "1");
    EQ(call_col(id, "agent_version"), "7");
    EQ(call_col(id, "UNIX_TIMESTAMP(start_timestamp)"), "1773132067");
    EQ(call_col(id, "UNIX_TIMESTAMP(end_timestamp)"), "1773132232");
    EQ(call_col(id, "UNIX_TIMESTAMP(created_at)"), "1773132067");
    EQ(call_col(id, "duration_ms"), "165689");
    EQ(call_col(id, "duration_sec"), "166");
    EQ(call_col(id, "disconnection_reason"), "user_hangup");
    assert_non_null(strstr(call_col(id, "transcript"), "Salon Haarmonie in Köln"));
    EQ(call_col(id, "recording_url"), arena_printf(e2e_arena(), "https://recordings.retell.example/%s/recording.wav", id));
    assert_non_null(strstr(call_col(id, "summary"), "Jonas Becker"));
    EQ(call_col(id, "sentiment"), "Positive");
    EQ(call_col(id, "call_successful"), "1");
    EQ(call_col(id, "cost_cents"), "17");
    EQ(call_col(id, "cost"), "0.17");
    EQ(call_col(id, "end_to_end_latency"), "1180");
    EQ(call_col(id, "JSON_VALUE(custom_analysis_data, '$.leistung')"), "Herrenhaarschnitt");
    EQ(call_col(id, "JSON_VALUE(cost_breakdown, '$.combined_cost')"), "16.97");
    EQ(call_col(id, "customer_id"), jonas());
    EQ(call_col(id, "customer_name"), "Jonas Becker");
    EQ(call_col(id, "customer_link_status"), "linked");
    EQ(call_col(id, "customer_link_method"), "phone_match");
    db_param j = db_str(jonas());
    /* 100 when stored as E.164, 95 when matched through another spelling (0176…) */
    EQ(call_col(id, "customer_link_confidence"),
       strcmp(e2e_scalar("SELECT phone FROM customers WHERE id = ?", &j, 1), "+4917612345678") ? "95.00" : "100.00");
    EQ(call_col(id, "is_unknown_customer"), "0");
    assert_non_null(call_col(id, "transcript_object"));
}

static void reverse_order_gives_the_same_row(void **state)
{
    (void)state;
    const char *fwd = new_call_id(), *rev = new_call_id();
    deliver(call_fixture("webhook_call_started", fwd));
    deliver(call_fixture("webhook_call_ended", fwd));
    deliver(call_fixture("webhook_call_analyzed", fwd));
    deliver(call_fixture("webhook_call_analyzed", rev));
    deliver(call_fixture("webhook_call_ended", rev));
    deliver(call_fixture("webhook_call_started", rev));
    const char *a = row_signature(fwd), *b = row_signature(rev);
    /* the recording URL contains the call id: compare with it swapped */
    assert_string_equal(e2e_replace(a, fwd, "X"), e2e_replace(b, rev, "X"));
    EQ(call_col(rev, "status"), "analyzed");
}

static void partial_call_ended_erases_nothing(void **state)
{
    (void)state;
    const char *id = new_call_id();
    deliver(call_fixture("webhook_call_started", id));
    deliver(call_fixture("webhook_call_analyzed", id));
    const char *before = row_signature(id);
    const char *partial = arena_printf(e2e_arena(),
                                       "{\"event\":\"call_ended\",\"call\":{\"call_id\":\"%s\",\"call_status\":\"ended\","
                                       "\"end_timestamp\":1773132232904}}", id);
    deliver(partial);
    EQ(row_signature(id), before);
    EQ(call_col(id, "from_number"), "+4917612345678");
    EQ(call_col(id, "customer_id"), jonas());
    assert_non_null(call_col(id, "transcript"));
}

static void concurrent_calls_to_one_number_stay_two_rows(void **state)
{
    (void)state;
    const char *a = new_call_id(), *b = new_call_id();
    const char *sa = call_fixture("webhook_call_started", a);
    const char *sb = e2e_replace(call_fixture("webhook_call_started", b), "+4917612345678", "+4915155550000");
    deliver(sa);
    deliver(sb);
    deliver(e2e_replace(call_fixture("webhook_call_ended", b), "+4917612345678", "+4915155550000"));
    deliver(call_fixture("webhook_call_ended", a));
    EQ(call_col(a, "from_number"), "+4917612345678");
    EQ(call_col(b, "from_number"), "+4915155550000");
    EQ(call_col(a, "customer_id"), jonas());
    assert_null(call_col(b, "customer_id"));
    EQ(call_col(b, "customer_link_status"), "unlinked");
    EQ(call_col(b, "unknown_reason"), "no_match_found");
    EQ(call_col(b, "company_id"), "2");
}

static void unknown_number_has_no_company_and_is_reported(void **state)
{
    (void)state;
    const char *id = new_call_id();
    deliver(e2e_replace(call_fixture("webhook_call_started", id), "+4922112345678", "+4940999999999"));
    assert_null(call_col(id, "company_id"));
    assert_null(call_col(id, "phone_number_id"));
    assert_null(call_col(id, "customer_id")); /* no tenant, no customer guess */
    const char *h[] = {arena_printf(e2e_arena(), "Authorization: Bearer %s", e2e_config()->monitor_token), NULL};
    e2e_response m = e2e_request("GET", "/api/webhooks/monitor", h, NULL, 0);
    assert_int_equal(m.status, 200);
    assert_non_null(strstr(m.body, "+4940999999999"));
    json_object *list = json_get(m.json, "unroutable_numbers");
    assert_non_null(list);
    assert_true(json_object_array_length(list) >= 1);
}

/* An anonymous call of a fresh id, the agent having collected `name`. */
static const char *anonymous_call(const char *id, const char *name)
{
    return e2e_replace(e2e_replace(call_fixture("webhook_call_analyzed", id), "\"from_number\": \"+4917612345678\"",
                                   "\"from_number\": \"anonymous\""),
                       "\"kunde_name\": \"Jonas Becker\"", arena_printf(e2e_arena(), "\"kunde_name\": \"%s\"", name));
}

static void anonymous_caller_linked_by_unique_collected_name_only(void **state)
{
    (void)state;
    const char *name = arena_printf(e2e_arena(), "Anna Unikat %d", (int)getpid());
    db_param n = db_str(name);
    static const char *const ADD = "INSERT INTO customers (company_id, name, source, status, created_at, updated_at)"
                                   " VALUES (2, ?, 'manual', 'active', NOW(), NOW())";
    assert_int_equal(db_exec(e2e_db(), ADD, &n, 1, NULL, NULL), 0);
    const char *id = new_call_id();
    deliver(anonymous_call(id, name));
    EQ(call_col(id, "customer_id"), e2e_scalar("SELECT id FROM customers WHERE name = ?", &n, 1));
    EQ(call_col(id, "customer_link_method"), "name_match");
    EQ(call_col(id, "verification_method"), "anonymous_name");
    /* two customers of that name: no guess */
    assert_int_equal(db_exec(e2e_db(), ADD, &n, 1, NULL, NULL), 0);
    const char *id2 = new_call_id();
    deliver(anonymous_call(id2, name));
    assert_null(call_col(id2, "customer_id"));
    EQ(call_col(id2, "customer_link_status"), "anonymous");
    EQ(call_col(id2, "unknown_reason"), "anonymous_caller");
}

static void call_inbound_is_answered_with_the_routing(void **state)
{
    (void)state;
    size_t len;
    const char *fx = e2e_fixture("retell/webhook_call_inbound.json", &len);
    char stamp[16];
    snprintf(stamp, sizeof stamp, "%013lld", (long long)e2e_now_ms());
    const char *body = e2e_replace(fx, "1773132064980", stamp);
    e2e_response r = e2e_post_signed("retell", "/api/webhooks/retell", body, strlen(body));
    assert_int_equal(r.status, 200);
    EQ(json_get_str(r.json, "call_inbound.override_agent_id"), "agent_5d1e8c2f9a7b43c6b0e4f1a2d3");
    EQ(json_get_str(r.json, "call_inbound.dynamic_variables.customer_name"), "Jonas Becker");
    EQ(json_get_str(r.json, "call_inbound.dynamic_variables.customer_known"), "true");
    const char *wd = json_get_str(r.json, "call_inbound.dynamic_variables.current_weekday");
    assert_non_null(wd);
    assert_non_null(strstr("Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag", wd));
    const char *today = json_get_str(r.json, "call_inbound.dynamic_variables.heute_datum");
    assert_non_null(today);
    assert_int_equal(strlen(today), 10);
    assert_true(today[2] == '.' && today[5] == '.');
    EQ(json_get_str(r.json, "call_inbound.metadata.company_id"), "2");
    EQ(json_get_str(r.json, "call_inbound.metadata.phone_number_id"), PHONE_ID);
    /* stored like any webhook, and linked to the call that follows */
    db_param p = db_str(body);
    const char *ev = e2e_scalar("SELECT id FROM webhook_events WHERE event_type = 'call_inbound' AND payload = ?", &p, 1);
    assert_non_null(ev);
    const char *id = new_call_id();
    deliver(call_fixture("webhook_call_started", id));
    db_param e = db_int(atoll(ev));
    EQ(e2e_scalar("SELECT c.retell_call_id FROM switchboard_inbound_links l JOIN calls c ON c.id = l.call_id"
                  " WHERE l.webhook_event_id = ?", &e, 1), id);
    /* an unregistered number: an empty answer, 200, and the monitor names it */
    const char *odd = e2e_replace(body, "+4922112345678", "+4940888888888");
    r = e2e_post_signed("retell", "/api/webhooks/retell", odd, strlen(odd));
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"call_inbound\":{}}");
    const char *h[] = {arena_printf(e2e_arena(), "Authorization: Bearer %s", e2e_config()->monitor_token), NULL};
    int seen = 0;
    for (int i = 0; i < 50 && !seen; i++) {
        e2e_response m = e2e_request("GET", "/api/webhooks/monitor", h, NULL, 0);
        seen = strstr(m.body, "+4940888888888") != NULL;
        if (!seen) usleep(100000);
    }
    assert_true(seen);
}

/* The dynamic variables call_inbound promises for Jonas calling the salon at `now` (Berlin), in
 * the answer's order: computed here independently of the handler. */
static const char *expected_variables(time_t now)
{
    static const char *const WD[] = {"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"};
    static const char *const MO[] = {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
                                     "Oktober", "November", "Dezember"};
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    struct tm tm, d1, d2, mon;
    localtime_r(&now, &tm);
    int to_monday = (8 - tm.tm_wday) % 7 ? (8 - tm.tm_wday) % 7 : 7;
    time_t t1 = now + 86400, t2 = now + 2 * 86400, tm_ = now + (time_t)to_monday * 86400;
    localtime_r(&t1, &d1);
    localtime_r(&t2, &d2);
    localtime_r(&tm_, &mon);
    char today[16], date[16], hm[8], year[8], m1[16], m2[16], mm[16];
    strftime(today, sizeof today, "%d.%m.%Y", &tm);
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    strftime(hm, sizeof hm, "%H:%M", &tm);
    strftime(year, sizeof year, "%Y", &tm);
    strftime(m1, sizeof m1, "%d.%m.%Y", &d1);
    strftime(m2, sizeof m2, "%d.%m.%Y", &d2);
    strftime(mm, sizeof mm, "%d.%m.%Y", &mon);
    return arena_printf(e2e_arena(),
                        "{\"customer_phone\":\"+4917612345678\",\"customer_name\":\"Jonas Becker\",\"customer_known\":\"true\","
                        "\"heute_datum\":\"%s\",\"current_date\":\"%s\",\"current_weekday\":\"%s\",\"current_time\":\"%s\","
                        "\"current_year\":\"%s\",\"current_month\":\"%s\",\"morgen\":\"%s\",\"uebermorgen\":\"%s\","
                        "\"naechster_montag\":\"%s\"}",
                        today, date, WD[tm.tm_wday], hm, year, MO[tm.tm_mon], m1, m2, mm);
}

static const char *inbound_body(void)
{
    size_t len;
    char stamp[16];
    snprintf(stamp, sizeof stamp, "%013lld", (long long)e2e_now_ms());
    return e2e_replace(e2e_fixture("retell/webhook_call_inbound.json", &len), "1773132064980", stamp);
}

/* POST call_inbound; the answer must come within 2 s of wall clock (Retell lets the caller hear
 * ringing meanwhile; the bound, not a benchmark) */
static e2e_response inbound_within_2s(const char *body)
{
    int64_t t0 = e2e_now_ms();
    e2e_response r = e2e_post_signed("retell", "/api/webhooks/retell", body, strlen(body));
    int64_t took = e2e_now_ms() - t0;
    if (took >= 2000) fail_msg("call_inbound answered after %lld ms (status %ld)", (long long)took, r.status);
    return r;
}

static void call_inbound_has_exactly_the_promised_variables(void **state)
{
    (void)state;
    const char *body = inbound_body();
    time_t before = time(NULL);
    e2e_response r = inbound_within_2s(body);
    time_t after = time(NULL);
    assert_int_equal(r.status, 200);
    json_object *vars = json_get(r.json, "call_inbound.dynamic_variables");
    assert_non_null(vars);
    const char *got = json_object_to_json_string_ext(vars, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    /* the minute may turn between our clock reads: the answer is one of the two */
    if (strcmp(got, expected_variables(before)) && strcmp(got, expected_variables(after)))
        fail_msg("dynamic variables\n  got      %s\n  expected %s", got, expected_variables(before));
}

/* a root session holds phone_numbers write-locked while the call comes in (a slow database) */
static pid_t lock_phone_numbers(int seconds)
{
    pid_t pid = fork();
    if (pid == 0) {
        char sql[160];
        snprintf(sql, sizeof sql, "LOCK TABLES phone_numbers WRITE; SELECT SLEEP(%d); UNLOCK TABLES;", seconds);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, 1), dup2(devnull, 2);
        execlp("mariadb", "mariadb", "--no-defaults", arena_printf(e2e_arena(), "--socket=%s/run/mysqld.sock", e2e_var()), "-u",
               "root", "askproai", "-e", sql, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static int phone_numbers_locked(void)
{
    db_rows rows;
    return db_query(e2e_db(), e2e_arena(), "SHOW OPEN TABLES FROM askproai WHERE `Table` = 'phone_numbers' AND In_use > 0", NULL, 0,
                    &rows) == 0 && rows.nrows == 1;
}

static int db_answers(void)
{
    db_rows rows;
    return db_query(e2e_db(), e2e_arena(), "SELECT 1", NULL, 0, &rows) == 0;
}

/* what the stopped database sent to the spool is in webhook_events again: while the spool holds
 * anything, new deliveries queue behind it (202), so the next test starts from a drained spool */
static int spool_drained(void) { return !spool_pending(e2e_config()->spool_dir); }

static void call_inbound_answers_within_2s_with_a_slow_or_stopped_database(void **state)
{
    (void)state;
    /* slow: the routing lookup waits on a lock longer than the caller may wait */
    pid_t locker = lock_phone_numbers(5);
    assert_true(locker > 0);
    int locked = e2e_wait(phone_numbers_locked, 10);
    e2e_response r = locked ? inbound_within_2s(inbound_body()) : (e2e_response){0};
    int st;
    waitpid(locker, &st, 0);
    assert_true(locked);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"call_inbound\":{}}");
    /* stopped: stored in the spool, and the same empty routing at once */
    assert_int_equal(e2e_stack("stop-db", NULL), 0);
    r = inbound_within_2s(inbound_body());
    int restarted = e2e_stack("start-db", NULL);
    assert_int_equal(restarted, 0);
    assert_true(e2e_wait(db_answers, 30));
    assert_true(e2e_wait(spool_drained, 30));
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"call_inbound\":{}}");
}

/* ---- sync-calls against the fake Retell API ---- */

static pid_t fake_pid;
static int fake_port;

static void start_fake(const char *calls_file, const char *extra)
{
    char cmd[8192], out[64] = "";
    snprintf(cmd, sizeof cmd, "%s/fake_providers --port 0 --retell-calls '%s' --retell-key '%s' --log '%s/log/fake.log' %s",
             getenv("SB_TEST_BIN"), calls_file, e2e_config()->retell_api_key, e2e_var(), extra ? extra : "");
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    fake_pid = fork();
    if (fake_pid == 0) {
        /* only the port goes to our pipe: an inherited stdout/stderr would keep tests/run.sh waiting */
        dup2(pipefd[1], 1);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, 2);
        close(pipefd[0]);
        execl("/bin/sh", "sh", "-c", arena_printf(e2e_arena(), "exec %s", cmd), (char *)NULL);
        _exit(127);
    }
    close(pipefd[1]);
    ssize_t n = read(pipefd[0], out, sizeof out - 1);
    close(pipefd[0]);
    assert_true(n > 0);
    fake_port = atoi(out);
    assert_true(fake_port > 0);
}

static void stop_fake(void);

static int stop_fake_after(void **state)
{
    (void)state;
    stop_fake(); /* also when an assertion left the test early */
    return 0;
}

static void stop_fake(void)
{
    if (fake_pid > 0) {
        kill(fake_pid, SIGTERM);
        waitpid(fake_pid, NULL, 0);
    }
    fake_pid = 0;
}

/* 7 calls built from the fixture: ids, start times one hour apart, two callers; and two
 * calls outside the synced window (a day before, a day after: PREFIX_early, PREFIX_late) that a
 * client dropping the list-calls filter would get from the fake and sync. */
static const char *write_dataset(const char *prefix)
{
    size_t len;
    const char *fx = e2e_fixture("retell/webhook_call_analyzed.json", &len);
    json_object *root = json_tokener_parse(fx), *call = json_get(root, "call");
    json_object *arr = json_object_new_array();
    for (int i = 0; i < 7; i++) {
        json_object *c = NULL;
        json_object_deep_copy(call, &c, NULL);
        json_object_object_add(c, "call_id", json_object_new_string(arena_printf(e2e_arena(), "%s_%d", prefix, i)));
        json_object_object_add(c, "start_timestamp", json_object_new_int64(1773132067215LL + i * 3600000LL));
        json_object_object_add(c, "end_timestamp", json_object_new_int64(1773132232904LL + i * 3600000LL));
        if (i % 2) json_object_object_add(c, "from_number", json_object_new_string("+4915155550000"));
        if (i == 1) /* an unmet wish only Retell's analysis knows: sync-calls opens its callback item (D201) */
            json_object_object_add(json_get(c, "call_analysis"), "custom_analysis_data",
                                   json_tokener_parse("{\"termin_gewuenscht\": true, \"leistung\": \"Herrenhaarschnitt\"}"));
        json_object_array_add(arr, c);
    }
    static const struct { const char *suffix; long long start_ms; } OUTSIDE[] = {
        {"early", 1773132067215LL - 86400000LL}, {"late", 1773132067215LL + 2 * 86400000LL}};
    for (size_t i = 0; i < sizeof OUTSIDE / sizeof *OUTSIDE; i++) {
        json_object *c = NULL;
        json_object_deep_copy(call, &c, NULL);
        json_object_object_add(c, "call_id", json_object_new_string(arena_printf(e2e_arena(), "%s_%s", prefix, OUTSIDE[i].suffix)));
        json_object_object_add(c, "start_timestamp", json_object_new_int64(OUTSIDE[i].start_ms));
        json_object_object_add(c, "end_timestamp", json_object_new_int64(OUTSIDE[i].start_ms + 165689));
        json_object_array_add(arr, c);
    }
    const char *path = arena_printf(e2e_arena(), "%s/%s.json", e2e_var(), prefix);
    json_object_to_file(path, arr);
    json_object_put(arr);
    json_object_put(root);
    return path;
}

static const char *sync_args(void)
{
    return arena_printf(e2e_arena(), "--since 2026-03-10 --until 2026-03-11 --page-size 3");
}

static void sync_calls_pages_inserts_updates_and_reruns_to_nothing(void **state)
{
    (void)state;
    const char *prefix = arena_printf(e2e_arena(), "call_sync_%d", (int)getpid());
    const char *path = write_dataset(prefix);
    /* two of them came in by webhook already (started only: sync completes them) */
    for (int i = 0; i < 2; i++)
        deliver(call_fixture("webhook_call_started", arena_printf(e2e_arena(), "%s_%d", prefix, i)));
    EQ(call_col(arena_printf(e2e_arena(), "%s_0", prefix), "status"), "ongoing");
    const char *out;
    int rc;
    start_fake(path, "--fail-429 1");
    setenv("SWITCHBOARD_RETELL_API_BASE", arena_printf(e2e_arena(), "http://127.0.0.1:%d", fake_port), 1);
    rc = e2e_cli(arena_printf(e2e_arena(), "sync-calls %s --dry-run", sync_args()), &out);
    if (rc != 0) fail_msg("dry run exit %d: %s", rc, out);
    assert_non_null(strstr(out, "7 calls: 5 new, 2 updated, 0 unchanged"));
    assert_non_null(strstr(out, "retrying in 1 s")); /* the 429 was waited out */
    assert_non_null(strstr(out, "opened 1 callback item(s) (dry run: rolled back)"));
    db_param items = db_str(arena_printf(e2e_arena(), "%s_%%", prefix));
    static const char ITEMS[] = "SELECT COUNT(*) FROM switchboard_callbacks WHERE retell_call_id LIKE ?";
    assert_int_equal(e2e_count(ITEMS, &items, 1), 0);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM calls WHERE retell_call_id LIKE ?",
                               (db_param[]){db_str(arena_printf(e2e_arena(), "%s_%%", prefix))}, 1), 2);
    rc = e2e_cli(arena_printf(e2e_arena(), "sync-calls %s", sync_args()), &out);
    if (rc != 0) fail_msg("sync exit %d: %s", rc, out);
    assert_non_null(strstr(out, "7 calls: 5 new, 2 updated, 0 unchanged"));
    assert_non_null(strstr(out, "; 3 page(s)")); /* the summary counts them (the per-page line is a TTY's progress now) */
    /* the webhooks' callback rules ran for the imported calls: the one unmet wish, on its call */
    assert_non_null(strstr(out, "opened 1 callback item(s)\n"));
    assert_int_equal(e2e_count(ITEMS, &items, 1), 1);
    EQ(e2e_scalar("SELECT CONCAT(retell_call_id, ' ', reason, ' ', COALESCE(wanted_service, '-')) FROM switchboard_callbacks"
                  " WHERE retell_call_id LIKE ?", &items, 1),
       arena_printf(e2e_arena(), "%s_1 analysis_wanted_appointment Herrenhaarschnitt", prefix));
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM calls WHERE retell_call_id LIKE ?",
                               (db_param[]){db_str(arena_printf(e2e_arena(), "%s_%%", prefix))}, 1), 7);
    /* the window held: the fake only filters what the client asks it to */
    assert_null(call_col(arena_printf(e2e_arena(), "%s_early", prefix), "id"));
    assert_null(call_col(arena_printf(e2e_arena(), "%s_late", prefix), "id"));
    const char *c0 = arena_printf(e2e_arena(), "%s_0", prefix), *c1 = arena_printf(e2e_arena(), "%s_1", prefix);
    EQ(call_col(c0, "status"), "analyzed");
    EQ(call_col(c0, "company_id"), "2");
    EQ(call_col(c0, "customer_id"), jonas());
    EQ(call_col(c1, "from_number"), "+4915155550000");
    EQ(call_col(c0, "UNIX_TIMESTAMP(start_timestamp)"), "1773132067");
    EQ(call_col(arena_printf(e2e_arena(), "%s_6", prefix), "UNIX_TIMESTAMP(start_timestamp)"), "1773153667");
    /* the list has no transcripts: what the webhooks stored stays (none here), nothing is blanked */
    const char *sig = row_signature(c0);
    rc = e2e_cli(arena_printf(e2e_arena(), "sync-calls %s", sync_args()), &out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "7 calls: 0 new, 0 updated, 7 unchanged"));
    assert_null(strstr(out, "callback item")); /* a rerun opens nothing twice */
    assert_int_equal(e2e_count(ITEMS, &items, 1), 1);
    EQ(row_signature(c0), sig);
    stop_fake();
    /* a failing page stops with the reason and a non-zero exit */
    start_fake(path, "--fail-500-after 1");
    setenv("SWITCHBOARD_RETELL_API_BASE", arena_printf(e2e_arena(), "http://127.0.0.1:%d", fake_port), 1);
    rc = e2e_cli(arena_printf(e2e_arena(), "sync-calls %s --retries 2", sync_args()), &out);
    stop_fake();
    unsetenv("SWITCHBOARD_RETELL_API_BASE");
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "page 2 failed"));
    assert_non_null(strstr(out, "HTTP 500"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_story_is_one_complete_row),
        cmocka_unit_test(reverse_order_gives_the_same_row),
        cmocka_unit_test(partial_call_ended_erases_nothing),
        cmocka_unit_test(concurrent_calls_to_one_number_stay_two_rows),
        cmocka_unit_test(unknown_number_has_no_company_and_is_reported),
        cmocka_unit_test(anonymous_caller_linked_by_unique_collected_name_only),
        cmocka_unit_test(call_inbound_is_answered_with_the_routing),
        cmocka_unit_test(call_inbound_has_exactly_the_promised_variables),
        cmocka_unit_test(call_inbound_answers_within_2s_with_a_slow_or_stopped_database),
        cmocka_unit_test_teardown(sync_calls_pages_inserts_updates_and_reruns_to_nothing, stop_fake_after),
    };
    return cmocka_run_group_tests_name("e2e_retell", tests, setup, e2e_teardown);
}
