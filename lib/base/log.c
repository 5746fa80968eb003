/* log.c: request log lines and operational messages (see log.h). */
#include "log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int log_fd = -1;

int log_open(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) return -1;
    if (log_fd >= 0) close(log_fd);
    log_fd = fd;
    return 0;
}

void log_close(void)
{
    if (log_fd >= 0) close(log_fd);
    log_fd = -1;
}

static size_t timestamp(char *out, size_t n)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    size_t len = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
    len += (size_t)snprintf(out + len, n - len, ".%03ldZ", (long)(tv.tv_usec / 1000));
    return len;
}

static void emit(const char *line, size_t len)
{
    int fd = log_fd >= 0 ? log_fd : STDERR_FILENO;
    ssize_t w = write(fd, line, len);
    (void)w; /* a full disk must not take the request down with it */
}

/* Copy s into out, replacing anything that could break the line format. */
static size_t safe_field(char *out, size_t n, const char *s)
{
    size_t i = 0;
    if (!s || !*s) s = "-";
    for (; *s && i + 1 < n; s++) out[i++] = (*s <= ' ' || *s == 0x7f) ? '_' : *s;
    out[i] = '\0';
    return i;
}

void log_request(const char *method, const char *path, int status, long long micros,
                 const char *request_id, const char *provider, const char *event_id)
{
    char line[1024], ts[40], m[16], p[400], rid[80], prov[24], ev[200];
    timestamp(ts, sizeof ts);
    safe_field(m, sizeof m, method);
    safe_field(p, sizeof p, path);
    safe_field(rid, sizeof rid, request_id);
    safe_field(prov, sizeof prov, provider);
    safe_field(ev, sizeof ev, event_id);
    int n = snprintf(line, sizeof line, "%s %s %s %d %lldus rid=%s provider=%s event=%s\n", ts, m, p, status,
                     micros, rid, prov, ev);
    if (n < 0) return;
    if ((size_t)n >= sizeof line) {
        n = sizeof line - 1;
        line[n - 1] = '\n';
    }
    emit(line, (size_t)n);
}

void log_msg(const char *level, const char *fmt, ...)
{
    char line[2048], ts[40];
    timestamp(ts, sizeof ts);
    int n = snprintf(line, sizeof line, "%s %s pid=%d ", ts, level, (int)getpid());
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2) len = sizeof line - 2;
    for (size_t i = (size_t)n; i < len; i++)
        if (line[i] == '\n' || line[i] == '\r') line[i] = ' ';
    line[len++] = '\n';
    emit(line, len);
}

char *log_mask_phone(arena *a, const char *phone)
{
    if (!phone) return NULL;
    size_t n = strlen(phone);
    char *out = arena_strndup(a, phone, n);
    /* long numbers keep country + area code and the last 3 digits; short ones
     * keep less, so at least half of any number is always hidden */
    size_t head = n >= 12 ? 6 : n >= 7 ? 3 : 0, tail = n >= 12 ? 3 : n >= 7 ? 2 : 0;
    for (size_t i = head; i + tail < n; i++) out[i] = '*';
    return out;
}

char *log_mask_email(arena *a, const char *email)
{
    if (!email) return NULL;
    const char *at = strchr(email, '@');
    if (!at || at == email) return arena_strdup(a, "***");
    return arena_printf(a, "%c***%s", email[0], at);
}
