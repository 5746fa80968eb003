/* dashboard_charts.c: server-rendered SVG bar charts (issue 17.4) for the
 * overview, channels and agents pages. No script is needed to see them: each
 * chart has axes (categories along x, counts along y with gridlines), a
 * <title> per bar with its numbers (a tooltip, and what a screen reader
 * reads), a legend, and the page repeats the figures in a table under it.
 * The viewBox is sized so its text stays readable at 390 px and in print. */
#include "dashboard.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "html.h"

#define CW 480      /* viewBox width */
#define CH 250      /* viewBox height */
#define PAD_L 44    /* room for the y labels */
#define PAD_B 34    /* room for the x labels */
#define PAD_T 12
#define MAX_X_LABELS 6

/* the smallest 1/2/5 x 10^k at or above v (at least 1): the y axis's top */
static long long nice_max(long long v)
{
    long long step = 1;
    while (step * 10 <= v) step *= 10;
    for (;;) {
        if (v <= step) return step;
        if (v <= 2 * step) return 2 * step;
        if (v <= 5 * step) return 5 * step;
        step *= 10;
    }
}

/* whole-number ticks from 0 to top: every unit up to 5, else quarters or fifths of a 1/2/5 x 10^k top */
static int tick_count(long long top) { return top <= 5 ? (int)top : top % 4 == 0 ? 4 : 5; }

/* <figure><svg> of both chart kinds, CW wide and h high, named by title (escaped) for the reader */
static void svg_open(buf *b, const char *cls, int h, const char *title)
{
    buf_puts(b, "<figure class=\"chart-box\"><svg class=\"");
    html_attr(b, cls);
    buf_printf(b, "\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", CW, h);
    html_attr(b, title);
    buf_puts(b, "\"><title>");
    html_text(b, title);
    buf_puts(b, "</title>");
}

void dash_chart(buf *b, arena *a, const dash_chart_spec *c)
{
    long long max = 1;
    for (size_t i = 0; i < c->n; i++) {
        long long t = 0;
        for (size_t k = 0; k < c->nseries; k++) t += c->values[i * c->nseries + k];
        if (t > max) max = t;
    }
    long long top = nice_max(max);
    double pw = CW - PAD_L - 8, ph = CH - PAD_T - PAD_B;
    double slot = pw / (double)(c->n ? c->n : 1), bw = slot * 0.78 > 1 ? slot * 0.78 : 1;
    svg_open(b, "chart", CH, c->title);
    /* y axis: whole-number ticks from 0 to top (1/2/5 x 10^k), with gridlines */
    int ticks = tick_count(top);
    for (int t = 0; t <= ticks; t++) {
        double y = PAD_T + ph - ph * t / (double)ticks;
        long long v = top * t / ticks;
        buf_printf(b, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"></line>", PAD_L, y, CW - 8, y);
        buf_printf(b, "<text class=\"ylab\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%lld</text>", PAD_L - 6, y + 5, v);
    }
    buf_printf(b, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%.1f\"></line>", PAD_L, PAD_T, PAD_L, PAD_T + ph);
    buf_printf(b, "<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"></line>", PAD_L, PAD_T + ph, CW - 8, PAD_T + ph);
    size_t every = c->n > MAX_X_LABELS ? (c->n + MAX_X_LABELS - 1) / MAX_X_LABELS : 1;
    for (size_t i = 0; i < c->n; i++) {
        double x = PAD_L + slot * (double)i + (slot - bw) / 2, y = PAD_T + ph;
        buf *t = &(buf)BUF_INIT;
        buf_puts(t, c->labels[i]);
        for (size_t k = 0; k < c->nseries; k++)
            buf_printf(t, "%s%s: %lld", k ? ", " : " — ", c->series[k], c->values[i * c->nseries + k]);
        buf_puts(b, "<g class=\"bar\"><title>");
        html_text(b, buf_cstr(t));
        buf_free(t);
        buf_puts(b, "</title>");
        for (size_t k = 0; k < c->nseries; k++) {
            double h = ph * (double)c->values[i * c->nseries + k] / (double)top;
            if (h <= 0) continue;
            y -= h;
            buf_puts(b, "<rect class=\"");
            html_attr(b, c->classes[k]);
            buf_printf(b, "\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"></rect>", x, y, bw, h);
        }
        buf_puts(b, "</g>");
        if (i % every == 0) {
            buf_printf(b, "<text class=\"xlab\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", x + bw / 2, CH - PAD_B + 20);
            html_text(b, c->short_labels ? c->short_labels[i] : c->labels[i]);
            buf_puts(b, "</text>");
        }
    }
    buf_puts(b, "</svg><figcaption class=\"legend\">");
    for (size_t k = 0; k < c->nseries; k++) {
        buf_puts(b, "<span class=\"");
        html_attr(b, c->classes[k]);
        buf_puts(b, "\"><span class=\"swatch\"></span>"); /* not <i>: no markup of ours that an injected value could carry (test_92) */
        html_text(b, c->series[k]);
        buf_puts(b, "</span> ");
    }
    buf_puts(b, "</figcaption></figure>");
    (void)a;
}

/* One series as horizontal bars, one row per category: its name above the bar,
 * the count after it, a count axis under all rows (a funnel reads top down). */
void dash_hchart(buf *b, const dash_chart_spec *c)
{
    long long max = 1;
    for (size_t i = 0; i < c->n; i++)
        if (c->values[i] > max) max = c->values[i];
    long long top = nice_max(max);
    int row = 40, h = (int)c->n * row + 34;
    double x0 = 8, pw = CW - 60;
    svg_open(b, "chart hchart", h, c->title);
    int ticks = tick_count(top);
    for (int t = 0; t <= ticks; t++) {
        double x = x0 + pw * t / (double)ticks;
        buf_printf(b, "<line class=\"grid\" x1=\"%.1f\" y1=\"4\" x2=\"%.1f\" y2=\"%d\"></line>", x, x, h - 26);
        buf_printf(b, "<text class=\"ylab\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%lld</text>", x, h - 8, top * t / ticks);
    }
    for (size_t i = 0; i < c->n; i++) {
        int y = 4 + (int)i * row;
        double w = pw * (double)c->values[i] / (double)top;
        buf_puts(b, "<g class=\"bar\"><title>");
        html_text(b, c->labels[i]);
        buf_printf(b, ": %lld</title>", c->values[i]);
        buf_printf(b, "<text class=\"xlab\" x=\"%.1f\" y=\"%d\">", x0, y + 14);
        html_text(b, c->labels[i]);
        buf_puts(b, "</text><rect class=\"");
        html_attr(b, c->classes[0]);
        buf_printf(b, "\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"16\"></rect>", x0, y + 19, w > 0 ? w : 0.0);
        buf_printf(b, "<text class=\"ylab\" x=\"%.1f\" y=\"%d\">%lld</text></g>", x0 + w + 6, y + 32, c->values[i]);
    }
    buf_printf(b, "<line class=\"axis\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"></line>", x0, h - 26, x0 + pw, h - 26);
    buf_puts(b, "</svg></figure>");
}

const char *dash_short_day(arena *a, const char *day)
{
    /* "2026-03-29" -> "29.03." (German and English readers both read it as day and month) */
    if (!day || strlen(day) != 10) return day ? day : "";
    return arena_printf(a, "%.2s.%.2s.", day + 8, day + 5);
}
