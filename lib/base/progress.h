/* progress.h: the one-line progress display of long commands (DESIGN D150).
 *
 * On a terminal (stderr is a TTY and not quiet) progress_tick() redraws one
 * line "label  done/total  pct  rate/s  ETA" at most PROGRESS_HZ times a
 * second (a counter with rate when the total is unknown); progress_end()
 * replaces it with the final line "label: done unit in S s (rate/s)".
 * Elsewhere (pipes, systemd timers, --quiet) it writes nothing: the command's
 * own summary on stdout is what is always printed. No allocation; the struct
 * is the caller's and label/unit must outlive it. */
#ifndef SB_PROGRESS_H
#define SB_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#define PROGRESS_HZ 4

typedef struct progress {
    const char *label, *unit;
    long long total;   /* 0: unknown (a counter) */
    long long done;
    int64_t t0_us, last_us;
    int live;          /* drawing (a TTY and not quiet) */
    int drawn;         /* a line is on the screen */
    FILE *out;
} progress;

/* Start (and draw the first line when live); total 0 when unknown. live when out is a TTY and quiet is 0. */
void progress_start(progress *p, FILE *out, const char *label, const char *unit, long long total, int quiet);
/* Set the count to done (monotonic) and redraw when the last draw is old enough. */
void progress_set(progress *p, long long done);
/* Add n to the count. */
void progress_add(progress *p, long long n);
/* Change the total (known only once counted); redraws when live. */
void progress_total(progress *p, long long total);
/* Erase the line (when one is drawn) so that a message can be printed; the next tick redraws it. */
void progress_clear(progress *p);
/* Erase the line and print the final one (only when live). */
void progress_end(progress *p);
/* The line for these numbers into out (tests): "label  12/40  30%  5.0/s  ETA 0:05". */
void progress_format(const char *label, const char *unit, long long done, long long total, double secs, char *out,
                     size_t n);

#endif
