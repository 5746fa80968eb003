/* cmd_operators.c: `switchboard operators`: who may see every company (D131).
 *
 * operators list                     the granted users: id, email now, granted by, when
 * operators add EMAIL [--by NAME]    grant: the Laravel user of that email (any
 *                                    case), stored by id, so a later account
 *                                    with the same email gains nothing; a user
 *                                    who has a company keeps seeing only it
 * operators remove EMAIL|ID          withdraw; the user's sessions end at their
 *                                    next request, tokens stop at their next use
 * Exit codes (D149): 0 done, 1 refused (no such user, not listed), 2 usage, 4 database. */
#include "app.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static int list(sb_app *app, arena *a)
{
    static const char SQL[] = "SELECT o.user_id, COALESCE(u.email, CONCAT(o.email, ' (user deleted)')), u.company_id,"
                              " o.granted_by, o.granted_at FROM switchboard_operators o"
                              " LEFT JOIN users u ON u.id = o.user_id ORDER BY o.user_id";
    db_rows r;
    if (db_query(app->db, a, SQL, NULL, 0, &r) != 0) {
        fprintf(stderr, "switchboard: operators: %s\n", db_error(app->db));
        return CLI_EXIT_DB;
    }
    for (size_t i = 0; i < r.nrows; i++)
        printf("%s\t%s\t%s\tgranted by %s at %s\n", db_cell(&r, i, 0), db_cell(&r, i, 1),
               db_cell(&r, i, 2) ? "has a company: sees only it" : "operator", db_cell(&r, i, 3), db_cell(&r, i, 4));
    printf("%zu operator(s)\n", r.nrows);
    return 0;
}

static int add(sb_app *app, arena *a, const char *email, const char *by)
{
    static const char USER[] = "SELECT id, email, company_id FROM users WHERE LOWER(email) = ?";
    static const char GRANT[] = "INSERT INTO switchboard_operators (user_id, email, granted_by) VALUES (?, ?, ?)"
                                " ON DUPLICATE KEY UPDATE email = VALUES(email)";
    char *lower = arena_strdup(a, email);
    for (char *p = lower; *p; p++) *p = (char)tolower((unsigned char)*p);
    db_param e = db_str(lower);
    db_rows r;
    if (db_query(app->db, a, USER, &e, 1, &r) != 0) {
        fprintf(stderr, "switchboard: operators: %s\n", db_error(app->db));
        return CLI_EXIT_DB;
    }
    if (!r.nrows) {
        fprintf(stderr, "switchboard: operators: no user with email %s\n", email);
        return 1;
    }
    db_param g[] = {db_int(atoll(db_cell(&r, 0, 0))), db_str(db_cell(&r, 0, 1)), db_str(by)};
    if (db_exec(app->db, GRANT, g, 3, NULL, NULL) != 0) {
        fprintf(stderr, "switchboard: operators: %s\n", db_error(app->db));
        return CLI_EXIT_DB;
    }
    log_msg("info", "operators: user %s granted by %s", db_cell(&r, 0, 0), by);
    printf("user %s (%s) is an operator%s\n", db_cell(&r, 0, 0), db_cell(&r, 0, 1),
           db_cell(&r, 0, 2) ? "; it has a company and sees only that one until it has none" : "");
    return 0;
}

static int remove_one(sb_app *app, const char *who)
{
    static const char SQL[] = "DELETE o FROM switchboard_operators o LEFT JOIN users u ON u.id = o.user_id"
                              " WHERE o.user_id = ? OR LOWER(u.email) = LOWER(?) OR LOWER(o.email) = LOWER(?)";
    char *end;
    long long id = strtoll(who, &end, 10);
    db_param p[] = {db_int(*end ? 0 : id), db_str(who), db_str(who)};
    uint64_t n = 0;
    if (db_exec(app->db, SQL, p, 3, NULL, &n) != 0) {
        fprintf(stderr, "switchboard: operators: %s\n", db_error(app->db));
        return CLI_EXIT_DB;
    }
    if (!n) {
        fprintf(stderr, "switchboard: operators: %s is not an operator\n", who);
        return 1;
    }
    log_msg("info", "operators: %s withdrawn", who);
    printf("%s is no operator any more\n", who);
    return 0;
}

int cmd_operators(sb_app *app, int argc, char **argv)
{
    arena *a = arena_new(16 * 1024);
    int rc = CLI_EXIT_USAGE;
    if (argc == 1 && !strcmp(argv[0], "list")) rc = list(app, a);
    else if ((argc == 2 || (argc == 4 && !strcmp(argv[2], "--by"))) && !strcmp(argv[0], "add"))
        rc = add(app, a, argv[1], argc == 4 ? argv[3] : "cli");
    else if (argc == 2 && !strcmp(argv[0], "remove")) rc = remove_one(app, argv[1]);
    else fprintf(stderr, "usage: switchboard operators list | add EMAIL [--by NAME] | remove EMAIL|ID\n");
    arena_free(a);
    return rc;
}
