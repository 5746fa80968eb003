/* db_reads.h: which connection a dashboard read uses, the primary or a read
 * replica (db.read_* in the config; docs/SCALING.md, DESIGN D77).
 *
 * db_for_reads() is the one place that decides. Without db.read_host or
 * db.read_socket it is always the primary. With them it is the replica
 * while the replica's lag (SHOW REPLICA STATUS, Seconds_Behind_Master) is
 * at most db.read_max_lag_seconds; a lag over the limit, stopped or broken
 * replication (NULL), a server that is no replica, or one that cannot be
 * reached sends reads to the primary. The lag is asked at most once every
 * DB_READS_CHECK_MS per process (an unreachable replica: every
 * DB_READS_RETRY_MS, so a dead host does not cost every request a connect
 * timeout). Every switch is one log line (warn when reads fall back, info
 * when they return to the replica). A replica that goes away between two
 * checks costs no request: a statement that finds it unreachable runs on
 * the primary (db_set_fallback).
 *
 * Writes, logins, sessions, CSRF, replays and the inline recompute of dirty
 * days never come here: they use the primary (app->db) directly.
 *
 * Ownership: the replica handle belongs to the db_reads; the primary is
 * borrowed and must outlive it. One per process, not thread-safe. */
#ifndef SB_DB_READS_H
#define SB_DB_READS_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "config.h"
#include "db.h"

#define DB_READS_CHECK_MS 2000
#define DB_READS_RETRY_MS 10000

typedef struct db_reads {
    const sb_config *cfg;
    sb_db *primary;        /* borrowed */
    sb_db *replica;        /* owned; NULL when no replica is configured */
    arena *scratch;        /* the lag query's rows */
    int64_t next_check_ms; /* monotonic; 0: check at the next read */
    int verdict;           /* -1 not checked yet, 0 primary, 1 replica */
    long long lag;         /* seconds at the last check, -1 unknown or NULL */
    char reason[256];      /* why the last check chose the primary */
} db_reads;

/* Set up r for cfg (borrowed). Does not connect. */
void db_reads_init(db_reads *r, const sb_config *cfg, sb_db *primary);
void db_reads_free(db_reads *r);
/* The connection for a read that may be a few seconds old: the replica when
 * it is configured and fresh enough, else the primary. Never NULL. */
sb_db *db_for_reads(db_reads *r);

#endif
