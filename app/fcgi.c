/* fcgi.c: the FastCGI loop, the only file that includes libfcgi.
 *
 * spawn-fcgi (or multiwatch under it) hands us the listening socket as fd 0.
 * For each request we copy the params and exactly CONTENT_LENGTH body bytes
 * into an sb_request in the per-request arena (libfcgi frees its envp at the
 * next accept), run the route table, then send status, headers and the whole
 * buffered body at once and log one line. SIGTERM/SIGINT/SIGUSR1 between
 * requests exits at once; during a request the response (and its fast-path
 * event) is finished first, within shutdown.grace_seconds. SIGHUP/SIGUSR2
 * re-read the config before the next request is handled (app_reload_pending).
 *
 * Slow clients (D137): Apache streams a body as the client sends it, so the
 * body is read under a wall-clock deadline (http.body_timeout_seconds, a
 * POSIX timer whose signal interrupts libfcgi's read): late, the answer is
 * 408 and the connection is closed. Every request's stdin is read to its end
 * (an unused body too, bounded by DRAIN_MAX and the same deadline), so a kept
 * connection (nginx fastcgi_keep_conn) starts the next request clean; a body
 * that cannot be drained closes the connection instead (D138). */
#include "app.h"

#include <fcgiapp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "daily_stats.h"
#include "log.h"
#include "metrics.h"

static volatile sig_atomic_t in_request, stop_requested, body_late;

#define DRAIN_MAX (16LL << 20) /* unused body bytes read to keep a connection; more: it is closed */

static timer_t body_timer;
static int body_timer_ok;

static void on_body_deadline(int sig)
{
    (void)sig;
    body_late = 1; /* the read in progress fails with EINTR (no SA_RESTART) */
}

/* The body deadline's timer on its own signal (SIGALRM is the stop deadline's). */
static void body_timer_init(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_body_deadline;
    sigaction(SIGRTMIN, &sa, NULL);
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGRTMIN;
    body_timer_ok = timer_create(CLOCK_MONOTONIC, &ev, &body_timer) == 0;
    if (!body_timer_ok) log_msg("error", "serve: no body deadline timer; slow clients are not cut off");
}

/* Arm the deadline seconds from now (body_late cleared), or disarm it (0; body_late kept for the caller). */
static void body_deadline(int64_t seconds)
{
    if (!body_timer_ok) return;
    struct itimerspec t;
    memset(&t, 0, sizeof t);
    t.it_value.tv_sec = (time_t)seconds;
    if (seconds) body_late = 0;
    timer_settime(body_timer, 0, &t, NULL);
}

/* Read n bytes into dst (NULL: discard them) until the stream ends, fails or
 * the deadline passes. Returns the bytes read. */
static long long body_read(FCGX_Stream *in, char *dst, long long n)
{
    char scratch[8192];
    long long got = 0;
    while (got < n && !body_late) {
        long long left = n - got, max = dst ? 1 << 20 : (long long)sizeof scratch;
        int want = (int)(left < max ? left : max);
        int r = FCGX_GetStr(dst ? dst + got : scratch, want, in);
        if (r <= 0) break;
        got += r;
    }
    return got;
}

static void on_term(int sig)
{
    (void)sig;
    if (!in_request) _exit(0);
    if (!stop_requested) app_stop_deadline();
    stop_requested = 1;
}

static int token_ok(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
              s[n] == '-'))
            return 0;
    return n > 0 && n <= max;
}

static const char *make_request_id(arena *a, const char *from_nginx)
{
    if (from_nginx && token_ok(from_nginx, 64)) return arena_strdup(a, from_nginx);
    unsigned char r[16];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) memset(r, 0, sizeof r);
    char *s = arena_alloc(a, 33);
    for (int i = 0; i < 16; i++) snprintf(s + 2 * i, 3, "%02x", r[i]);
    return s;
}

/* "HTTP_X_CAL_SIGNATURE_256" -> "x-cal-signature-256" */
static char *header_name(arena *a, const char *env, size_t n)
{
    char *s = arena_strndup(a, env, n);
    for (size_t i = 0; i < n; i++) s[i] = s[i] == '_' ? '-' : (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
    return s;
}

/* Copy the request out of libfcgi. Returns 0, or an HTTP status for a request
 * we cannot even read (400 short body). */
static int read_request(FCGX_Request *fr, sb_app *app, arena *pool, sb_request *req)
{
    memset(req, 0, sizeof *req);
    req->pool = pool;
    req->received_us = http_now_us();
    const char *m = FCGX_GetParam("REQUEST_METHOD", fr->envp);
    req->method = arena_strdup(pool, m ? m : "GET");
    const char *uri = FCGX_GetParam("DOCUMENT_URI", fr->envp);
    if (!uri) uri = FCGX_GetParam("SCRIPT_NAME", fr->envp);
    if (!uri) {
        uri = FCGX_GetParam("REQUEST_URI", fr->envp);
        if (!uri) uri = "/";
    }
    const char *q = strchr(uri, '?');
    req->path = q ? arena_strndup(pool, uri, (size_t)(q - uri)) : arena_strdup(pool, uri);
    const char *qs = FCGX_GetParam("QUERY_STRING", fr->envp);
    req->query = arena_strdup(pool, qs ? qs : "");
    const char *ra = FCGX_GetParam("REMOTE_ADDR", fr->envp);
    req->remote_addr = arena_strdup(pool, ra ? ra : "");
    req->request_id = make_request_id(pool, FCGX_GetParam("REQUEST_ID", fr->envp));

    size_t nenv = 0;
    for (char **e = fr->envp; *e; e++) nenv++;
    req->headers = arena_alloc(pool, sizeof(sb_header) * (nenv + 1));
    for (char **e = fr->envp; *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq) continue;
        const char *name = *e;
        size_t n = (size_t)(eq - name);
        if (n > 5 && strncmp(name, "HTTP_", 5) == 0) {
            name += 5;
            n -= 5;
        } else if (!((n == 12 && strncmp(name, "CONTENT_TYPE", 12) == 0) ||
                     (n == 14 && strncmp(name, "CONTENT_LENGTH", 14) == 0))) {
            continue;
        }
        char *hname = header_name(pool, name, n);
        /* nginx sends CONTENT_TYPE and HTTP_CONTENT_TYPE: keep one */
        if (http_header(req, hname)) continue;
        req->headers[req->nheaders].name = hname;
        req->headers[req->nheaders].value = arena_strdup(pool, eq + 1);
        req->nheaders++;
    }

    const char *cl = FCGX_GetParam("CONTENT_LENGTH", fr->envp);
    long long len = cl && *cl ? strtoll(cl, NULL, 10) : 0;
    if (len < 0) len = 0;
    req->body_too_large = len > app->cfg.http_max_body; /* not kept: the handler answers 413 */
    if (req->body_too_large) len = 0;
    char *body = arena_alloc(pool, (size_t)len + 1);
    body_deadline(app->cfg.http_body_timeout_seconds);
    long long got = body_read(fr->in, body, len);
    body_read(fr->in, NULL, DRAIN_MAX); /* to the end of stdin: the connection is clean for the next request */
    body_deadline(0);
    body[got] = '\0';
    req->body = body;
    req->body_len = (size_t)got;
    if (body_late) return 408;
    if (FCGX_HasSeenEOF(fr->in) != EOF) fr->keepConnection = 0; /* undrained: close, never reuse */
    if (got != len) return 400;
    return 0;
}

static int emit_fcgi(void *sink, const char *data, size_t n)
{
    return n && FCGX_PutStr(data, (int)n, (FCGX_Stream *)sink) < 0 ? -1 : 0;
}

static void send_response(FCGX_Request *fr, const sb_request *req, const sb_response *resp)
{
    buf head = BUF_INIT;
    buf_printf(&head, "Status: %d %s\r\nContent-Type: %s%s\r\n", resp->status, http_status_text(resp->status),
               resp->content_type,
               strncmp(resp->content_type, "text/", 5) == 0 || strcmp(resp->content_type, "application/json") == 0
                   ? "; charset=utf-8"
                   : "");
    if (!resp->stream) buf_printf(&head, "Content-Length: %zu\r\n", resp->body.len);
    buf_printf(&head, "X-Request-Id: %s\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n", req->request_id);
    for (size_t i = 0; i < resp->nheaders; i++) buf_printf(&head, "%s: %s\r\n", resp->headers[i].name, resp->headers[i].value);
    buf_puts(&head, "\r\n");
    FCGX_PutStr(head.data, (int)head.len, fr->out);
    if (strcmp(req->method, "HEAD") != 0 && resp->body.len) FCGX_PutStr(resp->body.data, (int)resp->body.len, fr->out);
    buf_free(&head);
    if (resp->stream && strcmp(req->method, "HEAD") != 0) resp->stream(resp->stream_ctx, emit_fcgi, fr->out);
}

int fcgi_serve(sb_app *app)
{
    if (FCGX_Init() != 0) {
        log_msg("error", "FCGX_Init failed");
        return 1;
    }
    app_signals(app, on_term);
    signal(SIGPIPE, SIG_IGN);
    body_timer_init();

    FCGX_Request fr;
    FCGX_InitRequest(&fr, 0, 0);
    arena *pool = arena_new(64 * 1024);
    sb_response resp;
    memset(&resp, 0, sizeof resp);
    log_msg("info", "serve: ready");
    while (!stop_requested && FCGX_Accept_r(&fr) >= 0) {
        in_request = 1;
        app_reload_pending(app, "serve"); /* a SIGHUP while waiting applies to this request on */
        sb_request req;
        http_response_reset(&resp);
        int bad = read_request(&fr, app, pool, &req);
        size_t route = NROUTES;
        if (bad)
            http_json_error(&resp, bad, bad == 408 ? "request body not received within http.body_timeout_seconds"
                                                   : "request body is shorter than its Content-Length");
        else route = app_dispatch(app, &req, &resp);
        /* before the answer leaves (D90): once the agent has it, the call may end at once, and
         * call_ended's callback check must find this row (the race test_74 met under D183) */
        if (resp.after) resp.after(resp.after_ctx); /* the function-call log's one insert */
        send_response(&fr, &req, &resp);
        FCGX_Finish_r(&fr);
        log_request(req.method, req.path, resp.status, (long long)(http_now_us() - req.received_us), req.request_id,
                    resp.log_provider, resp.log_event_id);
        metrics_request(route < NROUTES ? route : METRICS_ROUTES - 1, resp.status);
        /* fast path: the provider has its answer; a worker is woken to process the event now
         * (D183), so the next request never waits behind it */
        if (resp.process_after && app->cfg.pipeline_fast_path) app_process_soon(app, resp.process_after);
        daily_stats_flush(app->db); /* the days this request's writes changed (function-call bookings) */
        arena_reset(pool);
        in_request = 0;
    }
    arena_free(pool);
    buf_free(&resp.body);
    log_msg("info", "serve: stopping");
    return 0;
}
