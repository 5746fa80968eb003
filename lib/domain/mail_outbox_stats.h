/* mail_outbox_stats.h: the mail outbox's numbers for the monitor route and
 * /metrics (switchboard_mail_outbox, migration 0014; DESIGN D203).
 *
 * Read with one grouped query: rows by kind and status, how many wait
 * (pending, failed, sending), the age of the oldest of them and how many died
 * in the last day. The status words are 0014's fixed vocabulary; the kinds
 * come from the table and are escaped wherever they are written. Everything
 * returned lives in the caller's arena. */
#ifndef SB_MAIL_OUTBOX_STATS_H
#define SB_MAIL_OUTBOX_STATS_H

#include <stddef.h>

#include "arena.h"
#include "buf.h"
#include "db.h"

/* 0014_mail.sql's statuses, in the order a mail passes them */
enum { MAIL_PENDING, MAIL_SENDING, MAIL_FAILED, MAIL_SENT, MAIL_DEAD, MAIL_NSTATUS };
extern const char *const MAIL_STATUS_NAMES[MAIL_NSTATUS];

#define MAIL_STATS_KINDS 8

typedef struct mail_kind_stats {
    const char *kind;                 /* call_summary, summary_digest, callback_alert (as stored) */
    long long by_status[MAIL_NSTATUS];
} mail_kind_stats;

typedef struct mail_outbox_stats {
    long long by_status[MAIL_NSTATUS];
    long long queued;                 /* not delivered yet and not given up: pending + sending + failed */
    double oldest_queued_s;           /* age of the oldest queued row; -1: none */
    long long dead_last_day;          /* rows that went dead in the last 24 h */
    mail_kind_stats kinds[MAIL_STATS_KINDS];
    size_t nkinds;
} mail_outbox_stats;

/* The numbers of company (0: every company) into out. 0, or -1 (db_error). */
int mail_outbox_stats_read(sb_db *db, arena *a, long long company, mail_outbox_stats *out);
/* "mail":{"by_status":{...},"queued":N,"oldest_queued_seconds":S|null,"dead_last_day":N,"by_kind":{...}}
 * (a member without braces around it) for the monitor route. */
void mail_outbox_stats_json(const mail_outbox_stats *s, buf *b);
/* switchboard_mail_outbox{kind,status}, switchboard_mail_queued, switchboard_mail_oldest_queued_seconds,
 * switchboard_mail_dead_last_day as Prometheus gauges, every label through metrics_label. */
void mail_outbox_stats_prometheus(const mail_outbox_stats *s, buf *b);

#endif
