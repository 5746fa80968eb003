/* cli.h: the command table's types and everything generated from it: the
 * overview and per-command help, argument checking, the man page and the
 * bash completion (DESIGN D146-D149).
 *
 * The table itself (app/commands.c) is one row per command; each row points
 * at a {NULL}-terminated option list. Nothing here knows a command by name:
 * help, dispatch, man page and completion all walk the same rows, so they
 * cannot drift apart. Every text is a static string owned by the table. */
#ifndef SB_CLI_H
#define SB_CLI_H

#include <stddef.h>
#include <stdio.h>

struct sb_app;
/* argv[0] is the first word after the command (argc may be 0). Returns the exit code. */
typedef int (*cli_handler)(struct sb_app *app, int argc, char **argv);

/* Exit codes every command keeps to (documented in help and the man page). */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_ATTENTION = 1, /* ran, but something needs a look: failures, differences, unexpected answers */
    CLI_EXIT_USAGE = 2,     /* bad command line: nothing was done */
    CLI_EXIT_CONFIG = 3,    /* the config file or environment is unreadable or invalid */
    CLI_EXIT_DB = 4,        /* a database statement failed */
};

enum {
    CLI_OPT_NO_CONFIG = 1, /* given this option, the command runs without loading a config (config --keys) */
};

typedef struct cli_opt {
    const char *name;  /* "--since" */
    const char *arg;   /* value placeholder ("T"); "a|b|c" also restricts the value; NULL: a flag */
    const char *def;   /* default, as shown in help; NULL: none */
    const char *help;  /* one line */
    unsigned flags;    /* CLI_OPT_* */
} cli_opt;

enum {
    CLI_NO_CONFIG = 1,  /* runs without a config file (help, version, man) */
    CLI_LOGS = 2,       /* logs to log.file and counts into metrics.file (processes, commands that write) */
    CLI_LONG_SQL = 4,   /* batch statements: db.rw_timeout raised to an hour */
    CLI_NO_SHADOW = 8,  /* refused on a shadow instance (it would reach a provider, D80) */
    CLI_ARGS_ARE_COMMANDS = 16, /* its positional word is a command name (help): completion offers them */
};

typedef struct cli_cmd {
    const char *name;
    cli_handler run;
    const char *usage;    /* what follows "switchboard NAME"; "" for none */
    const char *summary;  /* one line, for the overview and the man page */
    const char *details;  /* what it does and what it prints; may be NULL */
    const cli_opt *opts;  /* {NULL}-terminated; NULL: no options */
    int max_args;         /* positional words allowed: 0, N, or -1 for any number */
    const char *json;     /* the --format json shape (man page "JSON OUTPUT"); NULL: no json */
    const char *example;  /* one full command line */
    unsigned flags;       /* CLI_* */
} cli_cmd;

/* The row named name, or NULL. */
const cli_cmd *cli_find(const cli_cmd *cmds, size_t n, const char *name);
/* Check argv (argc words after the command) against cmd's options: unknown
 * options, missing or disallowed values, too many positional words. 0, or -1
 * with the reason in err. "--help" is always accepted (cli_wants_help). */
int cli_check(const cli_cmd *cmd, int argc, char *const *argv, char *err, size_t errlen);
/* 1 when argv has "--help" or "-h" before any "--". */
int cli_wants_help(int argc, char *const *argv);
/* 1 when argv gives an option of cmd that carries flag (CLI_OPT_*). */
int cli_gives_flag(const cli_cmd *cmd, int argc, char *const *argv, unsigned flag);
/* Remove option name (and its value when it takes one) from argv in place;
 * returns its value ("" for a flag that was given) or NULL when absent. The
 * last occurrence wins. *argc is updated; argv[*argc] stays NULL. */
const char *cli_take(const cli_cmd *cmd, int *argc, char **argv, const char *name);

/* "usage: switchboard [-c FILE] NAME USAGE" (one line). */
void cli_usage(const cli_cmd *cmd, FILE *out);
/* Usage, summary, details, every option with default, the example and the exit codes. */
void cli_help(const cli_cmd *cmd, FILE *out);
/* switchboard --help: the synopsis, every command with its summary, the exit codes. */
void cli_overview(const cli_cmd *cmds, size_t n, FILE *out);
/* The man page switchboard(1) in roff, from the commands and the config key table
 * (lib/config.h sb_config_key). version is printed in the header. */
void cli_man(const cli_cmd *cmds, size_t n, const char *version, FILE *out);
/* A bash completion script for commands, their options and the choices of "a|b" values. */
void cli_bash_completion(const cli_cmd *cmds, size_t n, FILE *out);

#endif
