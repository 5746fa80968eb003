/* metrics.h: counters shared by every switchboard process of one host.
 *
 * The serve children (started by multiwatch, not forked from a common
 * parent) and the workers each map the same file (metrics.file) with
 * MAP_SHARED and add with atomic instructions, so /metrics, answered by any
 * one child, shows the whole host. The file holds only counters: losing it
 * (reboot, tmpfs) resets them, which Prometheus handles as a counter reset.
 * If the file cannot be mapped, counting goes to process memory and a
 * warning is logged: metrics must never take a request down. */
#ifndef SB_METRICS_H
#define SB_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define METRICS_ROUTES 96       /* route table index; the last slot is "no route" */
#define METRICS_EVENT_SLOTS 64  /* distinct (provider, event type) pairs */
#define METRICS_BUCKETS 12

enum metrics_ingest {
    INGEST_ACCEPTED, INGEST_DUPLICATE, INGEST_SPOOLED, INGEST_REJECTED_SIGNATURE,
    INGEST_REJECTED_INPUT, INGEST_REFUSED, INGEST_NOUTCOMES
};
enum metrics_provider { METRICS_CALCOM, METRICS_RETELL, METRICS_NPROVIDERS };

int metrics_open(const char *path);
void metrics_request(size_t route_index, int status);
void metrics_ingest(const char *provider, enum metrics_ingest outcome);
/* outcome_status: "processed" | "ignored" | "failed" | "dead" */
void metrics_processed(const char *provider, const char *event_type, const char *outcome_status, int64_t ms);

/* One phone-agent function request: its name (names outside the known table
 * are counted as "unknown"), its outcome (the 0012_function_calls.sql
 * vocabulary; anything else counts as internal_error) and its own time. */
void metrics_function(const char *function, const char *outcome, int64_t us);
/* Append s as the inside of a Prometheus label value: \\, \" and \n escaped as
 * the text format wants, other control bytes and invalid UTF-8 as U+FFFD, so
 * no value (an event type from a payload) can end its label, add a label or a
 * sample line (issue 15 #13). NULL appends nothing. */
void metrics_label(buf *out, const char *s);

/* Append the Prometheus text exposition of every counter. route_label(i)
 * names route slot i ("POST /api/webhook"), NULL for unused slots. */
void metrics_render(buf *out, const char *(*route_label)(size_t i));

#endif
