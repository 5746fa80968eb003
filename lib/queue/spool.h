/* spool.h: the local spool that keeps acknowledged events while the DB is down.
 *
 * One file per event in spool.dir, named "<received_us>-<pid>-<seq>.ev" so
 * that name order is arrival order. A file is written under a ".tmp-" name,
 * fsync'd, renamed into place and the directory fsync'd: once spool_write()
 * returns 0 the event survives a crash, and only then is 202 answered.
 * spool_drain() moves files into webhook_events oldest first under an
 * exclusive flock (one drainer at a time across processes); a file leaves
 * the spool only after its row is committed (or found to be a duplicate),
 * so a crash mid-drain repeats at most an idempotent insert. A file the DB
 * rejects for a reason other than connectivity goes to spool.dir/rejected/
 * with the reason logged, instead of blocking every later event. */
#ifndef SB_SPOOL_H
#define SB_SPOOL_H

#include <stdbool.h>
#include <stddef.h>

#include "db.h"
#include "webhook.h"

/* Create dir (and dir/rejected) if missing. 0 or -1 (errno). */
int spool_init(const char *dir);
/* Durably write ev. 0, or -1 when the spool cannot be written (caller answers 503). */
int spool_write(const char *dir, const webhook_event *ev);
/* True when at least one event waits in the spool. */
bool spool_pending(const char *dir);
/* Number of waiting events (for health and the monitor). */
size_t spool_count(const char *dir);

enum spool_drain_mode { SPOOL_WAIT_LOCK, SPOOL_TRY_LOCK };
/* Move up to max events into the DB, oldest first. *moved counts files
 * removed from the spool (stored or duplicate). Returns 0 when the spool was
 * emptied, 1 when events remain (DB down, limit reached, or the lock was
 * busy with SPOOL_TRY_LOCK), -1 on a local I/O error. */
int spool_drain(const char *dir, sb_db *db, size_t max, enum spool_drain_mode mode, size_t *moved);

/* Read one spool file back (for drain and tests). Strings go into a. 0 or -1. */
int spool_read(const char *path, arena *a, webhook_event *ev);

#endif
