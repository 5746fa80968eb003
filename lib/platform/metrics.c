/* metrics.c: host-wide counters in a shared memory-mapped file (see metrics.h). */
#include "metrics.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "log.h"

#define METRICS_MAGIC 0x53424d34u /* "SBM4": bump when the layout changes */

static const int STATUS_CODES[] = {200, 202, 400, 401, 403, 404, 405, 413, 422, 429, 500, 503};
#define NSTATUS (sizeof STATUS_CODES / sizeof STATUS_CODES[0] + 1) /* + "other" */
static const int64_t BUCKET_MS[METRICS_BUCKETS] = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10000};
static const char *const OUTCOMES[] = {"processed", "ignored", "failed", "dead"};
#define NOUT 4

struct event_slot {
    uint32_t state; /* 0 free, 1 being named, 2 ready */
    char provider[16];
    char type[64];
    uint64_t outcome[NOUT];
    uint64_t bucket[METRICS_BUCKETS]; /* cumulative "le" buckets are computed at render time */
    uint64_t count, sum_ms;
};

/* The phone agent's functions (app/retell_functions.c FUNCTIONS) and the log's outcomes
 * (sql/migrations/0012_function_calls.sql): fixed label sets, so a name the model
 * invents can neither add series nor reach the exposition ("unknown"). */
static const char *const FUNCTION_LABELS[] = {
    "check_customer", "list_services", "check_availability", "find_next_available", "get_alternatives",
    "collect_appointment_data", "collect_appointment", "book_appointment", "start_booking", "cancel_appointment",
    "reschedule_appointment", "unknown",
};
#define NFUNCTIONS (sizeof FUNCTION_LABELS / sizeof *FUNCTION_LABELS)
static const char *const FUNCTION_OUTCOMES[] = {"ok", "no_slot", "invalid_input", "not_found", "refused_identity",
                                                "calcom_error", "calcom_down", "unknown_function", "internal_error"};
#define NFOUTCOMES (sizeof FUNCTION_OUTCOMES / sizeof *FUNCTION_OUTCOMES)
_Static_assert(NFUNCTIONS == 12 && NFOUTCOMES == 9, "function labels: the last function slot is \"unknown\", the last outcome internal_error");

struct function_slot {
    uint64_t outcome[NFOUTCOMES];
    uint64_t bucket[METRICS_BUCKETS];
    uint64_t count, sum_us;
};

struct metrics_shm {
    uint32_t magic;
    uint64_t requests[METRICS_ROUTES][NSTATUS];
    uint64_t ingest[METRICS_NPROVIDERS][INGEST_NOUTCOMES];
    struct event_slot events[METRICS_EVENT_SLOTS];
    struct function_slot functions[NFUNCTIONS];
};

static struct metrics_shm local_fallback;
static struct metrics_shm *m = &local_fallback;

int metrics_open(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        log_msg("warn", "metrics: cannot open %s; counting per process only", path);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || ((size_t)st.st_size != sizeof *m && ftruncate(fd, sizeof *m) != 0)) {
        close(fd);
        log_msg("warn", "metrics: cannot size %s; counting per process only", path);
        return -1;
    }
    void *p = mmap(NULL, sizeof *m, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        log_msg("warn", "metrics: cannot map %s; counting per process only", path);
        return -1;
    }
    m = p;
    uint32_t expect = 0;
    /* a new (zeroed) file gets the magic; a file of another layout is wiped once */
    if (!__atomic_compare_exchange_n(&m->magic, &expect, METRICS_MAGIC, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST) &&
        expect != METRICS_MAGIC) {
        memset(m, 0, sizeof *m);
        __atomic_store_n(&m->magic, METRICS_MAGIC, __ATOMIC_SEQ_CST);
    }
    return 0;
}

static void add(uint64_t *c, uint64_t n) { __atomic_fetch_add(c, n, __ATOMIC_RELAXED); }

void metrics_request(size_t route_index, int status)
{
    if (route_index >= METRICS_ROUTES) route_index = METRICS_ROUTES - 1;
    size_t s = NSTATUS - 1;
    for (size_t i = 0; i < NSTATUS - 1; i++)
        if (STATUS_CODES[i] == status) s = i;
    add(&m->requests[route_index][s], 1);
}

static int provider_index(const char *provider) { return strcmp(provider, "calcom") == 0 ? METRICS_CALCOM : METRICS_RETELL; }

void metrics_ingest(const char *provider, enum metrics_ingest outcome)
{
    if (!provider || outcome >= INGEST_NOUTCOMES) return;
    add(&m->ingest[provider_index(provider)][outcome], 1);
}

static struct event_slot *event_slot(const char *provider, const char *type)
{
    for (size_t i = 0; i < METRICS_EVENT_SLOTS; i++) {
        struct event_slot *s = &m->events[i];
        uint32_t st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
        if (st == 2 && strcmp(s->provider, provider) == 0 && strcmp(s->type, type) == 0) return s;
        if (st == 0) {
            uint32_t expect = 0;
            if (__atomic_compare_exchange_n(&s->state, &expect, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
                strncpy(s->provider, provider, sizeof s->provider - 1);
                strncpy(s->type, type, sizeof s->type - 1);
                __atomic_store_n(&s->state, 2, __ATOMIC_RELEASE);
                return s;
            }
            /* lost the race for this slot: it may be ours, look again */
            while (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == 1) {
            }
            if (strcmp(s->provider, provider) == 0 && strcmp(s->type, type) == 0) return s;
        }
    }
    return NULL; /* table full: this pair goes uncounted rather than mislabelled */
}

void metrics_processed(const char *provider, const char *event_type, const char *outcome_status, int64_t ms)
{
    struct event_slot *s = event_slot(provider, event_type);
    if (!s) return;
    for (size_t i = 0; i < NOUT; i++)
        if (strcmp(OUTCOMES[i], outcome_status) == 0) add(&s->outcome[i], 1);
    for (size_t b = 0; b < METRICS_BUCKETS; b++)
        if (ms <= BUCKET_MS[b]) {
            add(&s->bucket[b], 1);
            break;
        }
    add(&s->count, 1);
    add(&s->sum_ms, ms > 0 ? (uint64_t)ms : 0);
}

static size_t label_index(const char *const *labels, size_t n, const char *v)
{
    for (size_t i = 0; v && i + 1 < n; i++)
        if (strcmp(labels[i], v) == 0) return i;
    return n - 1;
}

void metrics_function(const char *function, const char *outcome, int64_t us)
{
    struct function_slot *f = &m->functions[label_index(FUNCTION_LABELS, NFUNCTIONS, function)];
    add(&f->outcome[label_index(FUNCTION_OUTCOMES, NFOUTCOMES, outcome)], 1);
    int64_t ms = (us + 999) / 1000;
    for (size_t b = 0; b < METRICS_BUCKETS; b++)
        if (ms <= BUCKET_MS[b]) {
            add(&f->bucket[b], 1);
            break;
        }
    add(&f->count, 1);
    add(&f->sum_us, us > 0 ? (uint64_t)us : 0);
}

void metrics_label(buf *out, const char *s)
{
    if (!s) return;
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\') buf_puts(out, "\\\\");
        else if (c == '"') buf_puts(out, "\\\"");
        else if (c == '\n') buf_puts(out, "\\n");
        else if (c < 0x20 || c == 0x7f) buf_puts(out, "\xef\xbf\xbd");
        else if (c < 0x80) buf_putc(out, (char)c);
        else {
            size_t l = json_utf8_seq(s, n, i);
            if (!l) {
                buf_puts(out, "\xef\xbf\xbd");
                continue;
            }
            buf_append(out, s + i, l);
            i += l - 1;
        }
    }
}

/* name{k1="v1",k2="v2"... with every value through metrics_label(); the caller closes with "} N\n" */
static void series(buf *out, const char *name, const char *const *kv, size_t nkv)
{
    buf_puts(out, name);
    for (size_t i = 0; i + 1 < nkv; i += 2) {
        buf_puts(out, i ? ",": "{");
        buf_puts(out, kv[i]);
        buf_puts(out, "=\"");
        metrics_label(out, kv[i + 1]);
        buf_putc(out, '"');
    }
    buf_putc(out, '}');
}

static uint64_t get(const uint64_t *c) { return __atomic_load_n(c, __ATOMIC_RELAXED); }

static void render_functions(buf *out)
{
    buf_puts(out, "# HELP switchboard_function_calls_total Phone-agent function requests by function and outcome.\n"
                  "# TYPE switchboard_function_calls_total counter\n");
    for (size_t i = 0; i < NFUNCTIONS; i++)
        for (size_t o = 0; o < NFOUTCOMES; o++) {
            uint64_t v = get(&m->functions[i].outcome[o]);
            if (!v) continue;
            buf_puts(out, "switchboard_function_calls_total{function=\"");
            metrics_label(out, FUNCTION_LABELS[i]);
            buf_puts(out, "\",outcome=\"");
            metrics_label(out, FUNCTION_OUTCOMES[o]);
            buf_printf(out, "\"} %llu\n", (unsigned long long)v);
        }
    buf_puts(out, "# HELP switchboard_function_duration_seconds Time from a function request's arrival to its answer.\n"
                  "# TYPE switchboard_function_duration_seconds histogram\n");
    for (size_t i = 0; i < NFUNCTIONS; i++) {
        const struct function_slot *f = &m->functions[i];
        uint64_t count = get(&f->count), cum = 0;
        if (!count) continue;
        for (size_t b = 0; b <= METRICS_BUCKETS; b++) {
            buf_puts(out, "switchboard_function_duration_seconds_bucket{function=\"");
            metrics_label(out, FUNCTION_LABELS[i]);
            if (b < METRICS_BUCKETS) {
                cum += get(&f->bucket[b]);
                buf_printf(out, "\",le=\"%g\"} %llu\n", (double)BUCKET_MS[b] / 1000.0, (unsigned long long)cum);
            } else {
                buf_printf(out, "\",le=\"+Inf\"} %llu\n", (unsigned long long)count);
            }
        }
        buf_puts(out, "switchboard_function_duration_seconds_sum{function=\"");
        metrics_label(out, FUNCTION_LABELS[i]);
        buf_printf(out, "\"} %.6f\nswitchboard_function_duration_seconds_count{function=\"", (double)get(&f->sum_us) / 1e6);
        metrics_label(out, FUNCTION_LABELS[i]);
        buf_printf(out, "\"} %llu\n", (unsigned long long)count);
    }
}

void metrics_render(buf *out, const char *(*route_label)(size_t i))
{
    static const char *const PROVIDERS[] = {"calcom", "retell"};
    static const char *const INGEST[] = {"accepted", "duplicate", "spooled", "rejected_signature",
                                         "rejected_input", "refused"};
    buf_puts(out, "# HELP switchboard_http_requests_total HTTP requests answered, by route and status.\n"
                  "# TYPE switchboard_http_requests_total counter\n");
    for (size_t r = 0; r < METRICS_ROUTES; r++) {
        const char *label = r == METRICS_ROUTES - 1 ? "unmatched" : route_label(r);
        if (!label) continue;
        for (size_t s = 0; s < NSTATUS; s++) {
            uint64_t v = get(&m->requests[r][s]);
            if (!v) continue;
            char code[8];
            if (s < NSTATUS - 1) snprintf(code, sizeof code, "%d", STATUS_CODES[s]);
            else snprintf(code, sizeof code, "other");
            series(out, "switchboard_http_requests_total", (const char *const[]){"route", label, "status", code}, 4);
            buf_printf(out, " %llu\n", (unsigned long long)v);
        }
    }
    buf_puts(out, "# HELP switchboard_webhooks_ingested_total Webhook deliveries by provider and outcome.\n"
                  "# TYPE switchboard_webhooks_ingested_total counter\n");
    for (size_t p = 0; p < METRICS_NPROVIDERS; p++)
        for (size_t o = 0; o < INGEST_NOUTCOMES; o++)
        {
            series(out, "switchboard_webhooks_ingested_total",
                   (const char *const[]){"provider", PROVIDERS[p], "outcome", INGEST[o]}, 4);
            buf_printf(out, " %llu\n", (unsigned long long)get(&m->ingest[p][o]));
        }
    buf_puts(out, "# HELP switchboard_events_processed_total Event processing attempts by provider, type and outcome.\n"
                  "# TYPE switchboard_events_processed_total counter\n");
    for (size_t i = 0; i < METRICS_EVENT_SLOTS; i++) {
        struct event_slot *s = &m->events[i];
        if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != 2) continue;
        for (size_t o = 0; o < NOUT; o++) {
            series(out, "switchboard_events_processed_total",
                   (const char *const[]){"provider", s->provider, "event_type", s->type, "outcome", OUTCOMES[o]}, 6);
            buf_printf(out, " %llu\n", (unsigned long long)get(&s->outcome[o]));
        }
    }
    buf_puts(out, "# HELP switchboard_event_processing_seconds Time to process one event.\n"
                  "# TYPE switchboard_event_processing_seconds histogram\n");
    for (size_t i = 0; i < METRICS_EVENT_SLOTS; i++) {
        struct event_slot *s = &m->events[i];
        if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != 2) continue;
        uint64_t cum = 0;
        for (size_t b = 0; b < METRICS_BUCKETS; b++) {
            cum += get(&s->bucket[b]);
            char le[32];
            snprintf(le, sizeof le, "%g", (double)BUCKET_MS[b] / 1000.0);
            series(out, "switchboard_event_processing_seconds_bucket",
                   (const char *const[]){"provider", s->provider, "event_type", s->type, "le", le}, 6);
            buf_printf(out, " %llu\n", (unsigned long long)cum);
        }
        const char *const pt[] = {"provider", s->provider, "event_type", s->type, "le", "+Inf"};
        series(out, "switchboard_event_processing_seconds_bucket", pt, 6);
        buf_printf(out, " %llu\n", (unsigned long long)get(&s->count));
        series(out, "switchboard_event_processing_seconds_sum", pt, 4);
        buf_printf(out, " %.3f\n", (double)get(&s->sum_ms) / 1000.0);
        series(out, "switchboard_event_processing_seconds_count", pt, 4);
        buf_printf(out, " %llu\n", (unsigned long long)get(&s->count));
    }
    render_functions(out);
}
