/* problems.c: switchboard_problems rows and their log lines (see problems.h). */
#include "problems.h"

#include <string.h>

#include "log.h"

static const char *const NOTE =
    "INSERT INTO switchboard_problems (kind, company_id, detail) VALUES (?, ?, ?)"
    " ON DUPLICATE KEY UPDATE detail = VALUES(detail), occurrences = occurrences + 1, last_seen = CURRENT_TIMESTAMP(3)";

void problem_note(sb_db *db, const char *kind, long long company_id, const char *detail)
{
    log_msg("error", "problem %s (company %lld): %s", kind, company_id, detail);
    size_t n = strlen(detail);
    db_param p[] = {db_str(kind), db_int(company_id), db_strn(detail, n > 255 ? 255 : n)};
    if (db_exec(db, NOTE, p, 3, NULL, NULL) != 0)
        log_msg("warn", "problem %s (company %lld) not recorded: %s", kind, company_id, db_error(db));
}
