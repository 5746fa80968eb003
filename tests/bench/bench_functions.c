/* bench_functions.c: switchboard's own time per phone-agent function call.
 *
 *   bench_functions URL CONF FAKE_URL N LATENCY_MS
 *
 * Creates N calls (signed call_started webhooks), then for each call sends
 * check_availability (a new call: the day's slots are fetched from the fake
 * Cal.com once) and collect_appointment_data without confirmation (slots
 * reused from the per-call cache). The fake Cal.com is told to take
 * LATENCY_MS per request. Own time = total - Cal.com time, where a function
 * that fetched slots spent LATENCY_MS in Cal.com and one served from the
 * cache spent none. Prints p50/p99 of total and own time; asserts nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "http.h"
#include "http_client.h"
#include "sig.h"

static sb_config cfg;

static int64_t post(const char *url, const char *body, long *status)
{
    char sig[100], hdr[160], err[256];
    sig_retell_sign(cfg.retell_api_key, body, strlen(body), http_now_us() / 1000, sig);
    snprintf(hdr, sizeof hdr, "X-Retell-Signature: %s", sig);
    const char *h[] = {"Content-Type: application/json", hdr, NULL};
    http_client_response r;
    int64_t t0 = http_now_us();
    if (http_client_request("POST", url, h, body, strlen(body), 30000, &r, err, sizeof err) != 0) {
        fprintf(stderr, "bench: %s\n", err);
        exit(1);
    }
    int64_t dt = http_now_us() - t0;
    *status = r.status;
    http_client_response_free(&r);
    return dt;
}

static int cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(int64_t *v, size_t n, int p) { return n ? v[(n * (size_t)p + 99) / 100 - 1] / 1000.0 : 0; }

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: bench_functions URL CONF FAKE_URL N LATENCY_MS\n");
        return 2;
    }
    char err[512], url[512], ctl[512], body[2048];
    char *noenv[] = {NULL};
    if (sb_config_load(&cfg, argv[2], noenv, err, sizeof err) != 0) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    int n = atoi(argv[4]), latency = atoi(argv[5]);
    snprintf(ctl, sizeof ctl, "%s/_control", argv[3]);
    snprintf(body, sizeof body, "{\"latency_ms\":%d}", latency);
    http_client_response r;
    if (http_client_request("POST", ctl, NULL, body, strlen(body), 5000, &r, err, sizeof err) != 0) {
        fprintf(stderr, "bench: fake: %s\n", err);
        return 1;
    }
    http_client_response_free(&r);
    int64_t *total = calloc((size_t)n * 2, sizeof *total), *own = calloc((size_t)n * 2, sizeof *own);
    size_t k = 0;
    long st;
    long long tag = http_now_us();
    for (int i = 0; i < n; i++) {
        snprintf(url, sizeof url, "%s/api/webhooks/retell", argv[1]);
        snprintf(body, sizeof body, "{\"event\":\"call_started\",\"call\":{\"call_id\":\"call_bench_%lld_%d\","
                 "\"from_number\":\"+4917612345678\",\"to_number\":\"+4922112345678\",\"direction\":\"inbound\","
                 "\"call_status\":\"ongoing\",\"start_timestamp\":%lld}}", tag, i, (long long)(http_now_us() / 1000));
        post(url, body, &st);
        snprintf(url, sizeof url, "%s/api/webhooks/retell/function", argv[1]);
        const char *fns[2] = {"check_availability", "collect_appointment_data"};
        for (int f = 0; f < 2; f++) {
            snprintf(body, sizeof body, "{\"call\":{\"call_id\":\"call_bench_%lld_%d\"},\"name\":\"%s\",\"args\":"
                     "{\"service\":\"herrenhaarschnitt\",\"datum\":\"übermorgen\",\"uhrzeit\":\"15:30\",\"name\":\"Bench\","
                     "\"dienstleistung\":\"Herrenhaarschnitt\"}}", tag, i, fns[f]);
            int64_t t = post(url, body, &st);
            total[k] = t;
            own[k] = t - (f == 0 ? latency * 1000LL : 0); /* only the first call of a call fetches slots */
            k++;
        }
    }
    snprintf(body, sizeof body, "{\"latency_ms\":0}");
    if (http_client_request("POST", ctl, NULL, body, strlen(body), 5000, &r, err, sizeof err) == 0) http_client_response_free(&r);
    qsort(total, k, sizeof *total, cmp);
    qsort(own, k, sizeof *own, cmp);
    printf("| function calls, Cal.com latency %4d ms | %4zu calls | total p50 %7.2f ms p99 %7.2f ms | own p50 %6.2f ms p99 %6.2f ms |\n",
           latency, k, pct(total, k, 50), pct(total, k, 99), pct(own, k, 50), pct(own, k, 99));
    free(total);
    free(own);
    sb_config_free(&cfg);
    return 0;
}
