/* progress.c: one-line progress on a terminal, silent elsewhere (see progress.h). */
#include "progress.h"

#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static int64_t now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void fmt_hms(long long s, char *out, size_t n)
{
    if (s >= 3600) snprintf(out, n, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else snprintf(out, n, "%lld:%02lld", s / 60, s % 60);
}

void progress_format(const char *label, const char *unit, long long done, long long total, double secs, char *out,
                     size_t n)
{
    double rate = secs > 0 ? (double)done / secs : 0;
    if (total <= 0) {
        snprintf(out, n, "%s  %lld %s  %.1f/s", label, done, unit, rate);
        return;
    }
    char eta[32] = "--:--";
    if (rate > 0 && done <= total) fmt_hms((long long)((double)(total - done) / rate + 0.5), eta, sizeof eta);
    int pct = (int)(done * 100 / total);
    char bar[21];
    int fill = pct / 5 > 20 ? 20 : pct / 5;
    for (int i = 0; i < 20; i++) bar[i] = i < fill ? '#' : '.';
    bar[20] = '\0';
    snprintf(out, n, "%s [%s] %lld/%lld %s  %d%%  %.1f/s  ETA %s", label, bar, done, total, unit, pct, rate, eta);
}

static void draw(progress *p, int64_t t)
{
    char line[256];
    progress_format(p->label, p->unit, p->done, p->total, (double)(t - p->t0_us) / 1e6, line, sizeof line);
    fprintf(p->out, "\r\033[K%s", line); /* carriage return, erase line: one line, rewritten */
    fflush(p->out);
    p->drawn = 1;
    p->last_us = t;
}

void progress_start(progress *p, FILE *out, const char *label, const char *unit, long long total, int quiet)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    p->label = label;
    p->unit = unit;
    p->total = total > 0 ? total : 0;
    p->t0_us = now_us();
    p->live = !quiet && isatty(fileno(out));
    if (p->live) draw(p, p->t0_us); /* at once: the operator sees it started */
}

void progress_set(progress *p, long long done)
{
    p->done = done;
    if (!p->live) return;
    int64_t t = now_us();
    if (p->drawn && t - p->last_us < 1000000 / PROGRESS_HZ) return;
    draw(p, t);
}

void progress_add(progress *p, long long n) { progress_set(p, p->done + n); }

void progress_total(progress *p, long long total)
{
    p->total = total > 0 ? total : 0;
    if (p->live) draw(p, now_us()); /* the bar appears as soon as its length is known */
}

void progress_clear(progress *p)
{
    if (!p->live || !p->drawn) return;
    fputs("\r\033[K", p->out);
    fflush(p->out);
    p->drawn = 0;
}

void progress_end(progress *p)
{
    if (!p->live) return;
    double secs = (double)(now_us() - p->t0_us) / 1e6;
    fprintf(p->out, "\r\033[K%s: %lld %s in %.1f s (%.1f/s)\n", p->label, p->done, p->unit, secs,
            secs > 0 ? (double)p->done / secs : 0.0);
    fflush(p->out);
    p->live = 0;
}
