/* db.c: connection, statement cache and binding over MariaDB Connector/C (see db.h). */
#include "db.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STMT_CACHE 64
#define CELL_INLINE 256

struct cached_stmt {
    char *sql;
    MYSQL_STMT *stmt;
};

struct sb_db {
    const sb_config *cfg;
    db_endpoint at;               /* db_new_at: another server (strings owned); else cfg's db.* */
    bool other;
    sb_db *fallback;              /* db_set_fallback: where a statement goes when this server is unreachable */
    unsigned rw_timeout_override; /* 0: db.rw_timeout */
    MYSQL *conn;
    unsigned long connections; /* successful connects so far: what lives per session (temporary tables) */
    bool in_tx;
    unsigned err;
    char errmsg[512];
    struct cached_stmt cache[STMT_CACHE];
    size_t ncache;
};

db_param db_str(const char *s)
{
    return s ? (db_param){DBP_STR, s, strlen(s), 0} : db_null();
}
db_param db_strn(const char *s, size_t n) { return s ? (db_param){DBP_STR, s, n, 0} : db_null(); }
db_param db_int(long long i) { return (db_param){DBP_INT, NULL, 0, i}; }
db_param db_null(void) { return (db_param){DBP_NULL, NULL, 0, 0}; }

const char *db_cell(const db_rows *rows, size_t r, size_t c)
{
    if (!rows || r >= rows->nrows || c >= rows->ncols) return NULL;
    return rows->cell[r * rows->ncols + c];
}

long long db_cell_ll(const db_rows *rows, size_t r, size_t c)
{
    const char *v = db_cell(rows, r, c);
    return v ? atoll(v) : 0;
}

double db_cell_double(const db_rows *rows, size_t r, size_t c)
{
    const char *v = db_cell(rows, r, c);
    return v ? atof(v) : 0.0;
}

sb_db *db_new(const sb_config *cfg)
{
    sb_db *db = calloc(1, sizeof *db);
    if (!db) abort();
    db->cfg = cfg;
    return db;
}

static char *dup_or_null(const char *s)
{
    char *d = s && *s ? strdup(s) : NULL;
    if (s && *s && !d) abort();
    return d;
}

sb_db *db_new_at(const sb_config *cfg, const db_endpoint *at)
{
    sb_db *db = db_new(cfg);
    db->other = true;
    db->at = (db_endpoint){dup_or_null(at->host), dup_or_null(at->socket), dup_or_null(at->user),
                           dup_or_null(at->password), at->port};
    return db;
}

static void set_err(sb_db *db, unsigned err, const char *msg)
{
    db->err = err;
    snprintf(db->errmsg, sizeof db->errmsg, "%s", msg ? msg : "unknown error");
}

static void cache_clear(sb_db *db)
{
    for (size_t i = 0; i < db->ncache; i++) {
        mysql_stmt_close(db->cache[i].stmt);
        free(db->cache[i].sql);
    }
    db->ncache = 0;
}

void db_set_rw_timeout(sb_db *db, unsigned seconds)
{
    db->rw_timeout_override = seconds;
    db_disconnect(db); /* the option applies to the next connection */
}

void db_disconnect(sb_db *db)
{
    cache_clear(db);
    if (db->conn) mysql_close(db->conn);
    db->conn = NULL;
    db->in_tx = false;
}

void db_free(sb_db *db)
{
    if (!db) return;
    db_disconnect(db);
    free((char *)db->at.host);
    free((char *)db->at.socket);
    free((char *)db->at.user);
    free((char *)db->at.password);
    free(db);
}

bool db_error_is_connection(const sb_db *db)
{
    switch (db->err) {
    case CR_CONNECTION_ERROR: case CR_CONN_HOST_ERROR: case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST: case CR_SERVER_LOST_EXTENDED: case CR_UNKNOWN_HOST:
    case CR_COMMANDS_OUT_OF_SYNC: case ER_SERVER_SHUTDOWN: case ER_CONNECTION_KILLED:
    case ER_QUERY_INTERRUPTED: case ER_CON_COUNT_ERROR: case ER_TOO_MANY_USER_CONNECTIONS:
        return true;
    default:
        return db->err >= 2000 && db->err < 3000; /* every client-side error: no usable link */
    }
}

bool db_error_is_duplicate(const sb_db *db) { return db->err == ER_DUP_ENTRY; }

unsigned db_errno(const sb_db *db) { return db->err; }
const char *db_error(const sb_db *db) { return db->errmsg; }

static int exec_raw(sb_db *db, const char *sql);

/* db.ssl_mode on a TCP connection (D119): MYSQL_OPT_SSL_ENFORCE makes the handshake fail
 * unless TLS is used; verify_ca checks the chain against db.ssl_ca, verify_identity also the
 * server's name (Connector/C's MYSQL_OPT_SSL_VERIFY_SERVER_CERT). true when TLS is asked for. */
static bool tls_options(MYSQL *m, const sb_config *c)
{
    const char *mode = c->db_ssl_mode ? c->db_ssl_mode : "disabled";
    if (!strcmp(mode, "disabled")) return false;
    my_bool on = 1, verify_name = !strcmp(mode, "verify_identity");
    mysql_options(m, MYSQL_OPT_SSL_ENFORCE, &on);
    if (c->db_ssl_ca && *c->db_ssl_ca && strcmp(mode, "required") != 0) mysql_options(m, MYSQL_OPT_SSL_CA, c->db_ssl_ca);
    mysql_options(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify_name);
    return true;
}

int db_connect(sb_db *db)
{
    if (db->conn) return 0;
    const sb_config *c = db->cfg;
    MYSQL *m = mysql_init(NULL);
    if (!m) abort();
    unsigned int ct = (unsigned)c->db_connect_timeout,
                 rw = db->rw_timeout_override ? db->rw_timeout_override : (unsigned)c->db_rw_timeout;
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rw);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &rw);
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    /* the same strict mode Laravel's mysql connection uses ('strict' => true) */
    mysql_options(m, MYSQL_INIT_COMMAND,
                  "SET SESSION sql_mode='STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
                  "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'");
    /* short queue transactions: lock only the rows we touch, read what others committed */
    mysql_options(m, MYSQL_INIT_COMMAND, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    db_endpoint at = db->other ? db->at : (db_endpoint){c->db_host, c->db_socket, NULL, NULL, (unsigned)c->db_port};
    if (!at.user) at.user = c->db_user;
    if (!at.password) at.password = c->db_password;
    bool use_socket = at.socket && *at.socket;
    bool tls = !use_socket && tls_options(m, c);
    if (!mysql_real_connect(m, use_socket ? NULL : at.host, at.user, at.password, c->db_name,
                            use_socket ? 0 : at.port, use_socket ? at.socket : NULL,
                            CLIENT_MULTI_STATEMENTS | CLIENT_FOUND_ROWS)) {
        set_err(db, mysql_errno(m), mysql_error(m));
        mysql_close(m);
        return -1;
    }
    if (tls && !mysql_get_ssl_cipher(m)) { /* fail closed, whatever the library did */
        set_err(db, CR_SSL_CONNECTION_ERROR, "db.ssl_mode asks for TLS but the connection is not encrypted");
        mysql_close(m);
        return -1;
    }
    db->conn = m;
    db->connections++;
    db->in_tx = false;
    db_param tz = db_str(c->db_time_zone);
    if (db_exec(db, "SET time_zone = ?", &tz, 1, NULL, NULL) != 0) {
        db_disconnect(db);
        return -1;
    }
    return 0;
}

static MYSQL_STMT *stmt_get(sb_db *db, const char *sql)
{
    for (size_t i = 0; i < db->ncache; i++)
        if (db->cache[i].sql == sql || strcmp(db->cache[i].sql, sql) == 0) return db->cache[i].stmt;
    MYSQL_STMT *st = mysql_stmt_init(db->conn);
    if (!st) {
        set_err(db, mysql_errno(db->conn), mysql_error(db->conn));
        return NULL;
    }
    if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0) {
        set_err(db, mysql_stmt_errno(st), mysql_stmt_error(st));
        mysql_stmt_close(st);
        return NULL;
    }
    if (db->ncache == STMT_CACHE) { /* full: drop the oldest */
        mysql_stmt_close(db->cache[0].stmt);
        free(db->cache[0].sql);
        memmove(db->cache, db->cache + 1, sizeof db->cache[0] * (STMT_CACHE - 1));
        db->ncache--;
    }
    db->cache[db->ncache].sql = strdup(sql);
    db->cache[db->ncache].stmt = st;
    db->ncache++;
    return st;
}

static int bind_params(sb_db *db, MYSQL_STMT *st, const db_param *p, size_t n, MYSQL_BIND *b)
{
    if (mysql_stmt_param_count(st) != n) {
        set_err(db, 0, "parameter count does not match the statement");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        memset(&b[i], 0, sizeof b[i]);
        switch (p[i].type) {
        case DBP_NULL:
            b[i].buffer_type = MYSQL_TYPE_NULL;
            break;
        case DBP_STR:
            b[i].buffer_type = MYSQL_TYPE_STRING;
            b[i].buffer = (void *)p[i].s;
            b[i].buffer_length = p[i].len;
            b[i].length = (unsigned long *)&b[i].buffer_length;
            break;
        case DBP_INT:
            b[i].buffer_type = MYSQL_TYPE_LONGLONG;
            b[i].buffer = (void *)&p[i].i;
            break;
        }
    }
    if (n && mysql_stmt_bind_param(st, b) != 0) {
        set_err(db, mysql_stmt_errno(st), mysql_stmt_error(st));
        return -1;
    }
    return 0;
}

/* One attempt: prepare (cached), bind, execute; rows into out when a != NULL. */
static int run_once(sb_db *db, arena *a, const char *sql, const db_param *params, size_t n,
                    uint64_t *insert_id, uint64_t *affected, db_rows *out)
{
    if (db_connect(db) != 0) return -1;
    MYSQL_STMT *st = stmt_get(db, sql);
    if (!st) return -1;
    MYSQL_BIND pb[n ? n : 1];
    if (bind_params(db, st, params, n, pb) != 0) return -1;
    if (mysql_stmt_execute(st) != 0) {
        set_err(db, mysql_stmt_errno(st), mysql_stmt_error(st));
        return -1;
    }
    if (insert_id) *insert_id = mysql_stmt_insert_id(st);
    if (affected) *affected = mysql_stmt_affected_rows(st);
    if (!out) {
        mysql_stmt_free_result(st);
        return 0;
    }
    memset(out, 0, sizeof *out);
    unsigned ncols = mysql_stmt_field_count(st);
    if (ncols == 0) return 0;
    if (mysql_stmt_store_result(st) != 0) {
        set_err(db, mysql_stmt_errno(st), mysql_stmt_error(st));
        return -1;
    }
    size_t nrows = (size_t)mysql_stmt_num_rows(st);
    out->ncols = ncols;
    out->cell = arena_zalloc(a, sizeof(char *) * (nrows * ncols + 1));
    out->len = arena_zalloc(a, sizeof(size_t) * (nrows * ncols + 1));
    MYSQL_BIND rb[ncols];
    unsigned long lens[ncols];
    my_bool nulls[ncols], errs[ncols];
    char inl[ncols][CELL_INLINE];
    memset(rb, 0, sizeof rb);
    for (unsigned c = 0; c < ncols; c++) {
        rb[c].buffer_type = MYSQL_TYPE_STRING;
        rb[c].buffer = inl[c];
        rb[c].buffer_length = CELL_INLINE;
        rb[c].length = &lens[c];
        rb[c].is_null = &nulls[c];
        rb[c].error = &errs[c];
    }
    if (mysql_stmt_bind_result(st, rb) != 0) {
        set_err(db, mysql_stmt_errno(st), mysql_stmt_error(st));
        mysql_stmt_free_result(st);
        return -1;
    }
    size_t r = 0;
    int rc;
    while ((rc = mysql_stmt_fetch(st)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
        for (unsigned c = 0; c < ncols; c++) {
            size_t idx = r * ncols + c;
            if (nulls[c]) continue;
            char *cell = arena_alloc(a, lens[c] + 1);
            if (lens[c] <= CELL_INLINE) {
                memcpy(cell, inl[c], lens[c]);
            } else {
                MYSQL_BIND one;
                memset(&one, 0, sizeof one);
                unsigned long got = 0;
                one.buffer_type = MYSQL_TYPE_STRING;
                one.buffer = cell;
                one.buffer_length = lens[c] + 1;
                one.length = &got;
                if (mysql_stmt_fetch_column(st, &one, c, 0) != 0) {
                    set_err(db, mysql_stmt_errno(st), mysql_stmt_error(st));
                    mysql_stmt_free_result(st);
                    return -1;
                }
            }
            cell[lens[c]] = '\0';
            out->cell[idx] = cell;
            out->len[idx] = lens[c];
        }
        r++;
    }
    mysql_stmt_free_result(st);
    if (rc != MYSQL_NO_DATA) {
        set_err(db, mysql_stmt_errno(st), mysql_stmt_error(st));
        return -1;
    }
    out->nrows = r;
    return 0;
}

static int run_here(sb_db *db, arena *a, const char *sql, const db_param *params, size_t n, uint64_t *insert_id,
                    uint64_t *affected, db_rows *out)
{
    bool was_connected = db->conn != NULL;
    if (run_once(db, a, sql, params, n, insert_id, affected, out) == 0) return 0;
    /* A server restart between two requests leaves a dead link: reconnect once.
     * Safe to repeat only outside a transaction; callers that insert make the
     * statement idempotent (unique idempotency_key) anyway. */
    if (was_connected && !db->in_tx && db_error_is_connection(db)) {
        db_disconnect(db);
        return run_once(db, a, sql, params, n, insert_id, affected, out);
    }
    if (db_error_is_connection(db)) db_disconnect(db);
    return -1;
}

static int run(sb_db *db, arena *a, const char *sql, const db_param *params, size_t n, uint64_t *insert_id,
               uint64_t *affected, db_rows *out)
{
    if (run_here(db, a, sql, params, n, insert_id, affected, out) == 0) return 0;
    if (!db->fallback || db->in_tx || !db_error_is_connection(db)) return -1;
    /* a replica gone between two lag checks: the read goes to the primary */
    int rc = run(db->fallback, a, sql, params, n, insert_id, affected, out);
    if (rc != 0) set_err(db, db->fallback->err, db->fallback->errmsg);
    return rc;
}

unsigned long db_session(const sb_db *db) { return db->conn ? db->connections : 0; }

int db_exec(sb_db *db, const char *sql, const db_param *params, size_t nparams, uint64_t *insert_id,
            uint64_t *affected)
{
    return run(db, NULL, sql, params, nparams, insert_id, affected, NULL);
}

int db_query(sb_db *db, arena *a, const char *sql, const db_param *params, size_t nparams, db_rows *out)
{
    return run(db, a, sql, params, nparams, NULL, NULL, out);
}

static int exec_raw(sb_db *db, const char *sql)
{
    if (mysql_real_query(db->conn, sql, strlen(sql)) != 0) {
        set_err(db, mysql_errno(db->conn), mysql_error(db->conn));
        if (db_error_is_connection(db)) db_disconnect(db);
        return -1;
    }
    return 0;
}

int db_begin(sb_db *db)
{
    if (db_connect(db) != 0) return -1;
    if (db->conn && mysql_ping(db->conn) != 0) { /* fresh link before the tx, not halfway */
        db_disconnect(db);
        if (db_connect(db) != 0) return -1;
    }
    if (exec_raw(db, "START TRANSACTION") != 0) return -1;
    db->in_tx = true;
    return 0;
}

int db_commit(sb_db *db)
{
    if (!db->conn) return -1;
    db->in_tx = false;
    if (mysql_commit(db->conn) != 0) {
        set_err(db, mysql_errno(db->conn), mysql_error(db->conn));
        if (db_error_is_connection(db)) db_disconnect(db);
        return -1;
    }
    return 0;
}

int db_rollback(sb_db *db)
{
    db->in_tx = false;
    if (!db->conn) return -1;
    if (mysql_rollback(db->conn) != 0) {
        set_err(db, mysql_errno(db->conn), mysql_error(db->conn));
        db_disconnect(db);
        return -1;
    }
    return 0;
}

int db_exec_script(sb_db *db, const char *sql)
{
    if (db_connect(db) != 0) return -1;
    if (exec_raw(db, sql) != 0) return -1;
    int status;
    do {
        MYSQL_RES *res = mysql_store_result(db->conn);
        if (res) mysql_free_result(res);
        else if (mysql_field_count(db->conn) != 0) {
            set_err(db, mysql_errno(db->conn), mysql_error(db->conn));
            return -1;
        }
        status = mysql_next_result(db->conn);
        if (status > 0) {
            set_err(db, mysql_errno(db->conn), mysql_error(db->conn));
            return -1;
        }
    } while (status == 0);
    return 0;
}

void db_set_fallback(sb_db *db, sb_db *fallback) { db->fallback = fallback; }

int db_replica_lag(sb_db *db, arena *a, long long *lag)
{
    static const char SQL[] = "SHOW REPLICA STATUS";
    db_rows r;
    *lag = -1;
    int got = run_here(db, a, SQL, NULL, 0, NULL, NULL, &r); /* this server's answer, never the fallback's */
    if (got != 0) return -1;
    if (!r.nrows) return 1;
    /* the column moves between server versions: find it by name (the statement is cached, so is its metadata) */
    MYSQL_STMT *st = stmt_get(db, SQL);
    MYSQL_RES *meta = st ? mysql_stmt_result_metadata(st) : NULL;
    if (!meta) {
        set_err(db, 0, "SHOW REPLICA STATUS: no result metadata");
        return -1;
    }
    unsigned n = mysql_num_fields(meta);
    MYSQL_FIELD *f = mysql_fetch_fields(meta);
    int rc = -1;
    for (unsigned i = 0; i < n; i++)
        if (strcasecmp(f[i].name, "Seconds_Behind_Master") == 0) {
            const char *v = db_cell(&r, 0, i);
            if (v) *lag = atoll(v);
            rc = 0;
        }
    mysql_free_result(meta);
    if (rc != 0) set_err(db, 0, "SHOW REPLICA STATUS has no Seconds_Behind_Master column");
    return rc;
}
