/* db.h: the one helper for MariaDB/MySQL access, prepared statements only.
 *
 * An sb_db is one connection owned by one process (each FastCGI child and
 * the worker hold their own). It connects lazily, reconnects once when the
 * server went away between two statements (never inside a transaction), and
 * caches prepared statements by SQL text so the hot path pays for PREPARE
 * once per process. Values are always bound (db_param), never formatted into
 * SQL. Session settings: utf8mb4, the configured time_zone, strict sql_mode.
 *
 * Ownership: rows returned by db_query() live in the caller's arena. Error
 * text (db_error) is owned by the handle and valid until the next call. */
#ifndef SB_DB_H
#define SB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "config.h"

typedef struct sb_db sb_db;

enum db_param_type { DBP_NULL, DBP_STR, DBP_INT };

typedef struct db_param {
    enum db_param_type type;
    const char *s;   /* DBP_STR: bytes (binary-safe with len) */
    size_t len;
    long long i;     /* DBP_INT */
} db_param;

db_param db_str(const char *s);            /* NULL s binds SQL NULL */
db_param db_strn(const char *s, size_t n);
db_param db_int(long long i);
db_param db_null(void);

typedef struct db_rows {
    size_t nrows, ncols;
    char **cell;     /* nrows * ncols, row-major; NULL for SQL NULL */
    size_t *len;
} db_rows;

/* Cell (r, c) or NULL (SQL NULL or out of range). */
const char *db_cell(const db_rows *rows, size_t r, size_t c);
/* A cell as a number; SQL NULL reads 0. */
long long db_cell_ll(const db_rows *rows, size_t r, size_t c);
double db_cell_double(const db_rows *rows, size_t r, size_t c);

/* New handle for cfg (borrowed; must outlive the handle). Does not connect. */
sb_db *db_new(const sb_config *cfg);
/* Where a handle connects when it is not cfg's db.* server (a read replica).
 * Empty or NULL user/password mean cfg's db.user/db.password. */
typedef struct db_endpoint {
    const char *host, *socket, *user, *password;
    unsigned port;
} db_endpoint;
/* New handle on another server with cfg's database, session settings and
 * timeouts. The endpoint's strings are copied (owned by the handle). */
sb_db *db_new_at(const sb_config *cfg, const db_endpoint *at);
void db_free(sb_db *db);
/* Connect if not connected. 0 or -1 (see db_error). */
int db_connect(sb_db *db);
void db_disconnect(sb_db *db);
/* The current session: 0 while not connected, then a number that changes with every
 * (re)connect, so per-session state (temporary tables) can tell it must be made again. */
unsigned long db_session(const sb_db *db);
/* Batch commands (backfills) run statements longer than db.rw_timeout allows a request. */
void db_set_rw_timeout(sb_db *db, unsigned seconds);

/* Run a statement that returns no rows. insert_id/affected may be NULL. 0 or -1. */
int db_exec(sb_db *db, const char *sql, const db_param *params, size_t nparams,
            uint64_t *insert_id, uint64_t *affected);
/* Run a query; rows are copied into a. 0 or -1. */
int db_query(sb_db *db, arena *a, const char *sql, const db_param *params, size_t nparams, db_rows *out);

/* Transactions (no automatic reconnect while one is open). 0 or -1. */
int db_begin(sb_db *db);
int db_commit(sb_db *db);
int db_rollback(sb_db *db);

/* Run a trusted multi-statement script (migration files only). 0 or -1. */
int db_exec_script(sb_db *db, const char *sql);

/* Statements that find db unreachable (a connection error after the one
 * reconnect, outside a transaction) run on fallback instead: a read replica
 * that died between two lag checks (lib/db_reads.h) costs no request. */
void db_set_fallback(sb_db *db, sb_db *fallback);
/* Replication lag of the server db talks to (SHOW REPLICA STATUS; needs the
 * REPLICA MONITOR privilege): 0 with *lag = Seconds_Behind_Master, or -1 in
 * *lag when replication is stopped or broken (NULL); 1 when the server is no
 * replica (no row); -1 on error (db_error), e.g. unreachable. */
int db_replica_lag(sb_db *db, arena *a, long long *lag);

/* Last error: server/client error number and message. */
unsigned db_errno(const sb_db *db);
const char *db_error(const sb_db *db);
/* True when the last error means "no usable connection" (server down, gone away). */
bool db_error_is_connection(const sb_db *db);
/* True when the last error was a duplicate key (1062). */
bool db_error_is_duplicate(const sb_db *db);

#endif
