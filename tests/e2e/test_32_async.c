/* test_32_async.c: acknowledgements never wait for processing (DESIGN D183-D185).
 * The serve child wakes the worker and takes the next request at once; the
 * worker's pipeline processes (pipeline.workers, 2 in the test stack) process
 * the event; a killed pipeline process is replaced; without a worker the serve
 * child still processes its event itself. Uses the SWITCHBOARD_TEST_PROBE handler,
 * whose switchboard_test_probe.owner names the process (host:pid) that ran it.
 * Also: the focused linker runs (one per event, temporary tables kept for the
 * session, D181) link exactly what one full run links. */
#include "e2e.h"

#include "linker.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int setup(void **state)
{
    if (e2e_setup(state) != 0) return -1;
    e2e_probe_tables();
    return 0;
}

static pid_t worker_pid(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/run/worker.pid", e2e_var());
    return e2e_pid_from(path);
}

static pid_t parent_of(pid_t pid)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    int ppid = -1;
    if (fgets(line, sizeof line, f)) {
        const char *close = strrchr(line, ')'); /* the command name may hold spaces */
        if (close) sscanf(close + 2, "%*c %d", &ppid);
    }
    fclose(f);
    return ppid;
}

/* the pipeline processes of the worker: its children */
static int worker_children(pid_t worker, pid_t *out, int max)
{
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)worker, (int)worker);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    int n = 0, pid;
    while (n < max && fscanf(f, "%d", &pid) == 1) out[n++] = pid;
    fclose(f);
    return n;
}

/* the pid of the process that committed the probe's run */
static pid_t probe_owner(uint64_t id)
{
    db_param p = db_int((long long)id);
    const char *owner = e2e_scalar("SELECT owner FROM switchboard_test_probe WHERE webhook_event_id = ?", &p, 1);
    const char *colon = owner ? strrchr(owner, ':') : NULL;
    return colon ? (pid_t)atoi(colon + 1) : -1;
}

/* whether pid started with SB_PIPELINE_PROCESS=FD:WORKER in its environment (a replacement) */
static int has_pipeline_env(pid_t pid)
{
    char path[64], env[16384];
    snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(env, 1, sizeof env - 1, f);
    fclose(f);
    env[n] = '\0';
    for (size_t i = 0; i < n; i += strlen(env + i) + 1)
        if (strncmp(env + i, "SB_PIPELINE_PROCESS=", 20) == 0) return 1;
    return 0;
}

static void event_is_processed_by_the_worker_not_the_serve_child(void **state)
{
    (void)state;
    pid_t worker = worker_pid();
    assert_true(worker > 0);
    for (int i = 0; i < 6; i++) {
        uint64_t id = e2e_probe("", NULL);
        assert_true(id > 0);
        assert_true(e2e_wait_status(id, "processed", 10));
        pid_t owner = probe_owner(id);
        if (owner != worker && parent_of(owner) != worker)
            fail_msg("event %llu was processed by pid %d, not by the worker %d or its pipeline processes",
                     (unsigned long long)id, (int)owner, (int)worker);
    }
}

static void acks_never_wait_for_processing(void **state)
{
    (void)state;
    /* three events that take 2.5 s each (the test stack's lease is 3 s), then a health check:
     * every answer arrives while none of
     * the events has finished. A serve child that processed its event after the ack would hold
     * the third ack (a pool of 2) until the first event was done. */
    uint64_t ids[3];
    for (int i = 0; i < 3; i++) {
        ids[i] = e2e_probe("\"sleep_ms\":2500", NULL);
        assert_true(ids[i] > 0);
    }
    e2e_response h = e2e_request("GET", "/api/health", NULL, NULL, 0);
    assert_true(h.status == 200 || h.status == 503);
    db_param r[] = {db_int((long long)ids[0]), db_int((long long)ids[2])};
    long long finished = e2e_count("SELECT COUNT(*) FROM webhook_events WHERE id BETWEEN ? AND ? AND finished_at IS NOT NULL", r, 2);
    if (finished) fail_msg("%lld of the 2.5 s events had finished before their acks and a health check were all answered", finished);
    for (int i = 0; i < 3; i++) assert_true(e2e_wait_status(ids[i], "processed", 30));
}

static void a_killed_pipeline_process_is_replaced(void **state)
{
    (void)state;
    pid_t worker = worker_pid(), kids[64];
    assert_true(worker > 0);
    int n = worker_children(worker, kids, 64);
    assert_int_equal(n, (int)e2e_config()->pipeline_workers - 1);
    assert_true(n >= 1);
    assert_int_equal(kill(kids[0], SIGKILL), 0);
    int replaced = 0;
    for (int t = 0; t < 100 && !replaced; t++) {
        usleep(100000);
        pid_t now[64];
        int m = worker_children(worker, now, 64);
        replaced = m == n;
        for (int i = 0; i < m; i++) replaced &= now[i] != kids[0];
    }
    assert_true(replaced);
    /* the replacement is the binary exec'd again (D217), not a fork of the worker that runs the
     * mail thread: its start-up environment names the worker's wake-up socket and pid */
    pid_t now[64];
    int m = worker_children(worker, now, 64);
    pid_t repl = 0;
    for (int i = 0; i < m; i++)
        if (has_pipeline_env(now[i])) repl = now[i];
    if (!repl) fail_msg("no child of worker %d was exec'd with SB_PIPELINE_PROCESS", (int)worker);
    /* and it processes events: some probe within 40 is committed by it */
    int by_repl = 0;
    for (int i = 0; i < 40 && !by_repl; i++) {
        uint64_t id = e2e_probe("", NULL);
        assert_true(e2e_wait_status(id, "processed", 10));
        by_repl = probe_owner(id) == repl;
    }
    if (!by_repl) fail_msg("the replacement pipeline process %d processed none of 40 events", (int)repl);
}

/* a pid that surely ended: a child that exited and was reaped */
static pid_t dead_pid(void)
{
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    assert_true(pid > 0);
    waitpid(pid, NULL, 0);
    return pid;
}

static void leases_of_dead_processes_of_this_host_end_at_once(void **state)
{
    (void)state;
    /* two processed probes put back as held for an hour: one by a process of this host that is
     * gone (a worker killed with -9), one by a process of another host (alive as far as we know) */
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    pid_t gone = dead_pid();
    uint64_t ids[2];
    for (int i = 0; i < 2; i++) {
        ids[i] = e2e_probe("", NULL);
        assert_true(ids[i] > 0 && e2e_wait_status(ids[i], "processed", 10));
    }
    static const char HOLD[] = "UPDATE webhook_events SET status = 'processing', lease_owner = ?,"
                               " lease_expires_at = NOW(3) + INTERVAL 1 HOUR, finished_at = NULL WHERE id = ?";
    db_param here[] = {db_str(arena_printf(e2e_arena(), "%s:%d", host, (int)gone)), db_int((long long)ids[0])};
    db_param there[] = {db_str(arena_printf(e2e_arena(), "elsewhere.invalid:%d", (int)gone)), db_int((long long)ids[1])};
    assert_int_equal(db_exec(e2e_db(), HOLD, here, 2, NULL, NULL), 0);
    assert_int_equal(db_exec(e2e_db(), HOLD, there, 2, NULL, NULL), 0);
    /* the worker ends the dead local lease within a few seconds (not the hour) and runs it again */
    if (!e2e_wait_status(ids[0], "processed", 20))
        fail_msg("event %llu held by the dead %s:%d was not run again", (unsigned long long)ids[0], host, (int)gone);
    db_param p0 = db_int((long long)ids[0]);
    assert_int_equal(e2e_count("SELECT runs FROM switchboard_test_probe WHERE webhook_event_id = ?", &p0, 1), 2);
    /* another host's lease is left alone through two more release rounds (D218: 5 s apart) */
    sleep(11);
    db_param p1 = db_int((long long)ids[1]);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM webhook_events WHERE id = ? AND status = 'processing'", &p1, 1), 1);
    assert_int_equal(e2e_count("SELECT runs FROM switchboard_test_probe WHERE webhook_event_id = ?", &p1, 1), 1);
    assert_int_equal(db_exec(e2e_db(), "UPDATE webhook_events SET status = 'processed', lease_owner = NULL,"
                     " lease_expires_at = NULL, finished_at = NOW(3) WHERE id = ?", &p1, 1, NULL, NULL), 0);
}

static void without_a_worker_the_serve_child_processes_its_event(void **state)
{
    (void)state;
    assert_int_equal(e2e_stack("stop-worker", NULL), 0);
    uint64_t id = e2e_probe("", NULL);
    int ok = id > 0 && e2e_wait_status(id, "processed", 10);
    pid_t owner = probe_owner(id);
    assert_int_equal(e2e_stack("start-worker", NULL), 0);
    assert_true(ok);
    /* the serve child itself (its parent is the pool's multiwatch), not a worker left over */
    char comm[4096] = "";
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)owner);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t got = fread(comm, 1, sizeof comm - 1, f);
    fclose(f);
    comm[got] = '\0';
    for (size_t i = 0; i + 1 < got; i++)
        if (!comm[i]) comm[i] = ' ';
    if (!strstr(comm, "serve")) fail_msg("processed by pid %d (%s), not a serve child", (int)owner, comm);
}

static void sql(const char *q)
{
    if (db_exec(e2e_db(), q, NULL, 0, NULL, NULL) != 0) fail_msg("%s: %s", q, db_error(e2e_db()));
}

/* the links of company 32, as text to compare */
static const char *links_of_32(void)
{
    return e2e_scalar("SELECT CONCAT(COALESCE((SELECT GROUP_CONCAT(CONCAT_WS(':', c.retell_call_id,"
                      " COALESCE(c.converted_appointment_id, '-'), c.appointment_made,"
                      " COALESCE(JSON_VALUE(c.linking_metadata, '$.method'), '-'),"
                      " COALESCE(JSON_VALUE(c.linking_metadata, '$.confidence'), '-')) ORDER BY c.id)"
                      " FROM calls c WHERE c.company_id = 32), ''), ' / ', COALESCE((SELECT GROUP_CONCAT(CONCAT(a.id, '<', COALESCE(a.call_id, '-'))"
                      " ORDER BY a.id) FROM appointments a WHERE a.company_id = 32), ''))", NULL, 0);
}

static void focused_runs_link_what_the_full_run_links(void **state)
{
    (void)state;
    sql("INSERT IGNORE INTO companies (id, name, slug, timezone, is_active, created_at, updated_at)"
        " VALUES (32, 'Async Salon', 'async-salon', 'Europe/Berlin', 1, NOW(), NOW())");
    sql("INSERT INTO customers (id, company_id, name, phone, source, status, created_at, updated_at)"
        " SELECT 320000 + seq, 32, CONCAT('Kunde ', seq), CONCAT('+49152320000', seq), 'test', 'active', NOW(), NOW()"
        " FROM seq_1_to_5");
    /* 1: phone match; 2: customer match (another number); 3: booked during the call; 4: its
     * appointment cancelled (withdrawn); 5: no booking intent */
    sql("INSERT INTO calls (retell_call_id, company_id, from_number, customer_id, status, start_timestamp, end_timestamp,"
        " duration_sec, transcript, created_at, updated_at) SELECT CONCAT('call_async_', seq), 32,"
        " IF(seq = 2, '+4915299999999', CONCAT('+49152320000', seq)), IF(seq = 2, 320002, NULL), 'ended',"
        " NOW() - INTERVAL 62 MINUTE, NOW() - INTERVAL 60 MINUTE, 120,"
        " IF(seq = 5, 'User: Nur eine Frage.', 'User: Ich hätte gern einen Termin.'), NOW() - INTERVAL 62 MINUTE, NOW()"
        " FROM seq_1_to_5");
    sql("INSERT INTO appointments (company_id, customer_id, call_id, starts_at, ends_at, status, source, created_at, updated_at)"
        " SELECT 32, 320000 + seq, IF(seq = 3, (SELECT id FROM calls WHERE retell_call_id = 'call_async_3'), NULL),"
        " NOW() + INTERVAL 1 DAY, NOW() + INTERVAL 1 DAY + INTERVAL 30 MINUTE, IF(seq = 4, 'cancelled', 'confirmed'),"
        " 'cal.com', NOW() - INTERVAL IF(seq = 3, 61, 30) MINUTE, NOW() FROM seq_1_to_5");
    sql("UPDATE calls c JOIN appointments a ON a.company_id = 32 AND a.customer_id = 320004 SET c.converted_appointment_id = a.id,"
        " c.appointment_made = 1, c.linking_metadata = JSON_OBJECT('method', 'phone_match', 'confidence', 90)"
        " WHERE c.retell_call_id = 'call_async_4'");
    const char *before = links_of_32();
    int64_t now = atoll(e2e_scalar("SELECT UNIX_TIMESTAMP()", NULL, 0));
    linker_result lr;
    /* the full run, rolled back: its temporary tables stay for the session, and must be empty again */
    linker_scope all = {32, now - 86400, now + 1, 0, NULL, NULL, 0};
    assert_int_equal(db_begin(e2e_db()), 0);
    assert_int_equal(linker_run(e2e_db(), e2e_arena(), e2e_config(), &all, 0, 0, NULL, &lr), 0);
    const char *full = links_of_32();
    assert_int_equal(db_rollback(e2e_db()), 0);
    assert_int_equal(lr.linked, 3);
    assert_int_equal(lr.unlinked, 1);
    assert_string_equal(links_of_32(), before);
    /* one focused run per person, as the events would run them, each committed */
    for (int i = 1; i <= 5; i++) {
        const char *phone = arena_printf(e2e_arena(), "+49152320000%d", i);
        linker_scope one = {32, now - 86400, now + 1, 320000 + i, phone, NULL, 0};
        assert_int_equal(db_begin(e2e_db()), 0);
        assert_int_equal(linker_run(e2e_db(), e2e_arena(), e2e_config(), &one, 0, 0, NULL, &lr), 0);
        assert_int_equal(db_commit(e2e_db()), 0);
    }
    assert_string_equal(links_of_32(), full);
    /* and a full run now finds nothing left to do */
    assert_int_equal(db_begin(e2e_db()), 0);
    assert_int_equal(linker_run(e2e_db(), e2e_arena(), e2e_config(), &all, 0, 0, NULL, &lr), 0);
    assert_int_equal(db_commit(e2e_db()), 0);
    assert_int_equal(lr.linked + lr.unlinked, 0);
    assert_string_equal(links_of_32(), full);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(event_is_processed_by_the_worker_not_the_serve_child),
        cmocka_unit_test(acks_never_wait_for_processing),
        cmocka_unit_test(a_killed_pipeline_process_is_replaced),
        cmocka_unit_test(leases_of_dead_processes_of_this_host_end_at_once),
        cmocka_unit_test(without_a_worker_the_serve_child_processes_its_event),
        cmocka_unit_test(focused_runs_link_what_the_full_run_links),
    };
    return cmocka_run_group_tests_name("e2e_async", tests, setup, e2e_teardown);
}
