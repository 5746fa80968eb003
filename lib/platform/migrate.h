/* migrate.h: switchboard's own schema migrations.
 *
 * Files sql/migrations/NNNN_name.sql are applied in number order and recorded
 * in switchboard_migrations (never in Laravel's `migrations` table), with the
 * SHA-256 of the file so a migration edited after it ran is reported instead
 * of silently diverging. A named lock (GET_LOCK) keeps two hosts from
 * migrating at once. Migrations on shared tables must be additive and written
 * to be re-runnable (IF EXISTS / IF NOT EXISTS), because MariaDB DDL is not
 * transactional: a crash between the DDL and the bookkeeping row repeats it. */
#ifndef SB_MIGRATE_H
#define SB_MIGRATE_H

#include <stdio.h>

#include "db.h"

/* Apply every pending migration in dir; progress lines go to out.
 * Returns the number applied (>= 0), or -1 with the reason in err. */
int migrate_apply(sb_db *db, const char *dir, FILE *out, char *err, size_t errlen);
/* Print applied/pending per file. 0 or -1. */
int migrate_status(sb_db *db, const char *dir, FILE *out, char *err, size_t errlen);

#endif
