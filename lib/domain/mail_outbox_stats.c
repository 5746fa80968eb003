/* mail_outbox_stats.c: the mail outbox's numbers (see mail_outbox_stats.h). */
#include "mail_outbox_stats.h"

#include <string.h>

#include "json.h"
#include "metrics.h"

const char *const MAIL_STATUS_NAMES[MAIL_NSTATUS] = {"pending", "sending", "failed", "sent", "dead"};
_Static_assert(sizeof MAIL_STATUS_NAMES / sizeof MAIL_STATUS_NAMES[0] == MAIL_NSTATUS, "one name per status of 0014_mail.sql");

/* kind, status, rows, age of the oldest queued row in s (NULL: none queued), dead in the last day;
 * the (status, next_attempt_at) and (company_id, kind, created_at) keys of 0014 cover it */
static const char SQL_STATS[] =
    "SELECT kind, status, COUNT(*),"
    " MAX(IF(status IN ('pending', 'sending', 'failed'), TIMESTAMPDIFF(MICROSECOND, created_at, NOW(3)) / 1e6, NULL)),"
    " SUM(status = 'dead' AND updated_at >= NOW(3) - INTERVAL 1 DAY)"
    " FROM switchboard_mail_outbox WHERE (? = 0 OR company_id = ?) GROUP BY kind, status ORDER BY kind, status";
enum { SC_KIND, SC_STATUS, SC_ROWS, SC_OLDEST, SC_DEAD_DAY };

static int status_index(const char *s)
{
    for (int k = 0; s && k < MAIL_NSTATUS; k++)
        if (!strcmp(s, MAIL_STATUS_NAMES[k])) return k;
    return -1;
}

static mail_kind_stats *kind_slot(mail_outbox_stats *out, const char *kind)
{
    for (size_t i = 0; i < out->nkinds; i++)
        if (!strcmp(out->kinds[i].kind, kind)) return &out->kinds[i];
    if (out->nkinds == MAIL_STATS_KINDS) return NULL; /* counted in the totals only */
    out->kinds[out->nkinds] = (mail_kind_stats){kind, {0}};
    return &out->kinds[out->nkinds++];
}

int mail_outbox_stats_read(sb_db *db, arena *a, long long company, mail_outbox_stats *out)
{
    memset(out, 0, sizeof *out);
    out->oldest_queued_s = -1;
    db_param p[] = {db_int(company), db_int(company)};
    db_rows r;
    if (db_query(db, a, SQL_STATS, p, 2, &r) != 0) return -1;
    for (size_t i = 0; i < r.nrows; i++) {
        int k = status_index(db_cell(&r, i, SC_STATUS));
        if (k < 0) continue; /* a word 0014 does not know: no bucket to put it in */
        long long n = db_cell_ll(&r, i, SC_ROWS);
        out->by_status[k] += n;
        out->dead_last_day += db_cell_ll(&r, i, SC_DEAD_DAY);
        if (db_cell(&r, i, SC_OLDEST) && db_cell_double(&r, i, SC_OLDEST) > out->oldest_queued_s)
            out->oldest_queued_s = db_cell_double(&r, i, SC_OLDEST);
        mail_kind_stats *ks = kind_slot(out, db_cell(&r, i, SC_KIND) ? db_cell(&r, i, SC_KIND) : "");
        if (ks) ks->by_status[k] += n;
    }
    out->queued = out->by_status[MAIL_PENDING] + out->by_status[MAIL_SENDING] + out->by_status[MAIL_FAILED];
    return 0;
}

static void status_counts_json(const long long *by_status, buf *b)
{
    buf_putc(b, '{');
    for (int k = 0; k < MAIL_NSTATUS; k++) buf_printf(b, "%s\"%s\":%lld", k ? "," : "", MAIL_STATUS_NAMES[k], by_status[k]);
    buf_putc(b, '}');
}

void mail_outbox_stats_json(const mail_outbox_stats *s, buf *b)
{
    buf_puts(b, "\"mail\":{\"by_status\":");
    status_counts_json(s->by_status, b);
    buf_printf(b, ",\"queued\":%lld,\"oldest_queued_seconds\":", s->queued);
    if (s->oldest_queued_s >= 0) buf_printf(b, "%.3f", s->oldest_queued_s);
    else buf_puts(b, "null");
    buf_printf(b, ",\"dead_last_day\":%lld,\"by_kind\":{", s->dead_last_day);
    for (size_t i = 0; i < s->nkinds; i++) {
        if (i) buf_putc(b, ',');
        json_buf_str(b, s->kinds[i].kind);
        buf_putc(b, ':');
        status_counts_json(s->kinds[i].by_status, b);
    }
    buf_puts(b, "}}");
}

void mail_outbox_stats_prometheus(const mail_outbox_stats *s, buf *b)
{
    buf_puts(b, "# HELP switchboard_mail_outbox Mails in the outbox by kind and status.\n# TYPE switchboard_mail_outbox gauge\n");
    for (size_t i = 0; i < s->nkinds; i++)
        for (int k = 0; k < MAIL_NSTATUS; k++) {
            buf_puts(b, "switchboard_mail_outbox{kind=\"");
            metrics_label(b, s->kinds[i].kind);
            buf_printf(b, "\",status=\"%s\"} %lld\n", MAIL_STATUS_NAMES[k], s->kinds[i].by_status[k]);
        }
    buf_printf(b, "# HELP switchboard_mail_queued Mails not delivered yet (pending, sending, failed and due again).\n"
                  "# TYPE switchboard_mail_queued gauge\nswitchboard_mail_queued %lld\n", s->queued);
    buf_printf(b, "# HELP switchboard_mail_oldest_queued_seconds Age of the oldest undelivered mail (0: none).\n"
                  "# TYPE switchboard_mail_oldest_queued_seconds gauge\nswitchboard_mail_oldest_queued_seconds %.3f\n",
               s->oldest_queued_s > 0 ? s->oldest_queued_s : 0.0);
    buf_printf(b, "# HELP switchboard_mail_dead_last_day Mails given up in the last 24 h (refused address or attempts exhausted).\n"
                  "# TYPE switchboard_mail_dead_last_day gauge\nswitchboard_mail_dead_last_day %lld\n", s->dead_last_day);
}
