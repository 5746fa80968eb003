/* migrate.c: ordered, checksummed, locked migrations (see migrate.h). */
#include "migrate.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sig.h"

static const char *const CREATE_TABLE =
    "CREATE TABLE IF NOT EXISTS switchboard_migrations ("
    " version INT UNSIGNED NOT NULL PRIMARY KEY,"
    " name VARCHAR(191) NOT NULL,"
    " checksum CHAR(64) NOT NULL,"
    " applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";

static int is_migration(const struct dirent *e)
{
    const char *n = e->d_name;
    size_t l = strlen(n);
    return l > 9 && isdigit((unsigned char)n[0]) && isdigit((unsigned char)n[1]) && isdigit((unsigned char)n[2]) &&
           isdigit((unsigned char)n[3]) && n[4] == '_' && strcmp(n + l - 4, ".sql") == 0;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return NULL;
    }
    char *s = malloc((size_t)st.st_size + 1);
    if (!s) abort();
    *len = fread(s, 1, (size_t)st.st_size, f);
    s[*len] = '\0';
    fclose(f);
    return s;
}

static int walk(sb_db *db, const char *dir, FILE *out, char *err, size_t errlen, int apply)
{
    if (db_connect(db) != 0) {
        snprintf(err, errlen, "cannot connect to the database: %s", db_error(db));
        return -1;
    }
    if (db_exec(db, CREATE_TABLE, NULL, 0, NULL, NULL) != 0) {
        snprintf(err, errlen, "cannot create switchboard_migrations: %s", db_error(db));
        return -1;
    }
    arena *a = arena_new(16 * 1024);
    db_rows lock;
    if (db_query(db, a, "SELECT GET_LOCK('switchboard_migrate', 60)", NULL, 0, &lock) != 0 ||
        !db_cell(&lock, 0, 0) || strcmp(db_cell(&lock, 0, 0), "1") != 0) {
        snprintf(err, errlen, "another process is migrating (lock switchboard_migrate busy for 60 s)");
        arena_free(a);
        return -1;
    }
    struct dirent **names = NULL;
    int n = scandir(dir, &names, is_migration, by_name);
    int applied = 0, rc = 0;
    if (n < 0) {
        snprintf(err, errlen, "cannot read migrations directory %s: %s", dir, strerror(errno));
        rc = -1;
    }
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (rc != 0) goto next;
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        size_t len = 0;
        char *sql = read_file(path, &len);
        if (!sql) {
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
            rc = -1;
            goto next;
        }
        char sum[65];
        sig_sha256_hex(sql, len, sum);
        long long version = strtoll(name, NULL, 10);
        db_param v = db_int(version);
        db_rows rows;
        if (db_query(db, a, "SELECT checksum, applied_at FROM switchboard_migrations WHERE version = ?", &v, 1,
                     &rows) != 0) {
            snprintf(err, errlen, "cannot read switchboard_migrations: %s", db_error(db));
            rc = -1;
        } else if (rows.nrows) {
            const char *was = db_cell(&rows, 0, 0);
            int changed = strcmp(was, sum) != 0;
            fprintf(out, "%-48s applied %s%s\n", name, db_cell(&rows, 0, 1),
                    changed ? "  WARNING: file changed since it was applied" : "");
        } else if (!apply) {
            fprintf(out, "%-48s pending\n", name);
        } else {
            fprintf(out, "%-48s applying ... ", name);
            fflush(out);
            if (db_exec_script(db, sql) != 0) {
                fprintf(out, "failed\n");
                snprintf(err, errlen, "migration %s failed: %s", name, db_error(db));
                rc = -1;
            } else {
                db_param p[] = {db_int(version), db_str(name), db_str(sum)};
                if (db_exec(db, "INSERT INTO switchboard_migrations (version, name, checksum) VALUES (?, ?, ?)", p, 3,
                            NULL, NULL) != 0) {
                    snprintf(err, errlen, "migration %s ran but could not be recorded: %s", name, db_error(db));
                    rc = -1;
                } else {
                    fprintf(out, "done\n");
                    applied++;
                }
            }
        }
        free(sql);
    next:
        free(names[i]);
    }
    free(names);
    db_query(db, a, "SELECT RELEASE_LOCK('switchboard_migrate')", NULL, 0, &lock);
    arena_free(a);
    return rc == 0 ? applied : -1;
}

int migrate_apply(sb_db *db, const char *dir, FILE *out, char *err, size_t errlen)
{
    return walk(db, dir, out, err, errlen, 1);
}

int migrate_status(sb_db *db, const char *dir, FILE *out, char *err, size_t errlen)
{
    return walk(db, dir, out, err, errlen, 0) < 0 ? -1 : 0;
}
