/* cli.c: argument checking, help, man page and bash completion from the command table (see cli.h). */
#include "cli.h"

#include "config.h"

#include <stdbool.h>
#include <string.h>

/* The exit codes as help and the man page list them (cli.h enum). */
static const struct {
    int code;
    const char *meaning;
} EXITS[] = {
    {CLI_EXIT_OK, "success"},
    {CLI_EXIT_ATTENTION, "ran, but something needs a look (failed items, differences, unexpected answers)"},
    {CLI_EXIT_USAGE, "bad command line (unknown option, missing or bad value); nothing was done"},
    {CLI_EXIT_CONFIG, "the configuration file or a SWITCHBOARD_* variable is unreadable or invalid"},
    {CLI_EXIT_DB, "a database statement failed"},
};
#define NEXITS (sizeof EXITS / sizeof EXITS[0])
_Static_assert(NEXITS == CLI_EXIT_DB + 1, "one line per exit code");

const cli_cmd *cli_find(const cli_cmd *cmds, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(cmds[i].name, name)) return &cmds[i];
    return NULL;
}

static const cli_opt *find_opt(const cli_cmd *cmd, const char *name)
{
    for (const cli_opt *o = cmd->opts; o && o->name; o++)
        if (!strcmp(o->name, name)) return o;
    return NULL;
}

static int is_help(const char *w) { return !strcmp(w, "--help") || !strcmp(w, "-h"); }

int cli_wants_help(int argc, char *const *argv)
{
    for (int i = 0; i < argc && strcmp(argv[i], "--"); i++)
        if (is_help(argv[i])) return 1;
    return 0;
}

/* 1 when value is one of the '|'-separated choices. */
static int one_of(const char *choices, const char *value)
{
    size_t vl = strlen(value);
    for (const char *p = choices; *p;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == vl && !memcmp(p, value, n)) return 1;
        p += n + (bar ? 1 : 0);
    }
    return 0;
}

/* A word that is an option: "-x" or "--x", but not a negative number ("-5"). */
static int is_option(const char *w) { return w[0] == '-' && w[1] && !(w[1] >= '0' && w[1] <= '9'); }

int cli_check(const cli_cmd *cmd, int argc, char *const *argv, char *err, size_t errlen)
{
    int positional = 0, only_words = 0;
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        if (!only_words && !strcmp(w, "--")) {
            only_words = 1;
            continue;
        }
        if (only_words || !is_option(w)) {
            if (cmd->max_args >= 0 && ++positional > cmd->max_args) {
                snprintf(err, errlen, "unexpected argument \"%.100s\"", w);
                return -1;
            }
            continue;
        }
        if (is_help(w)) continue;
        const cli_opt *o = find_opt(cmd, w);
        if (!o) {
            snprintf(err, errlen, "unknown option %.100s", w);
            return -1;
        }
        if (!o->arg) continue;
        if (i + 1 >= argc) {
            snprintf(err, errlen, "%s needs a value (%s)", o->name, o->arg);
            return -1;
        }
        const char *v = argv[++i];
        if (strchr(o->arg, '|') && !one_of(o->arg, v)) {
            snprintf(err, errlen, "%s must be one of %s, got \"%.100s\"", o->name, o->arg, v);
            return -1;
        }
    }
    return 0;
}

int cli_gives_flag(const cli_cmd *cmd, int argc, char *const *argv, unsigned flag)
{
    for (int i = 0; i < argc && strcmp(argv[i], "--"); i++) {
        const cli_opt *o = find_opt(cmd, argv[i]);
        if (!o) continue;
        if (o->flags & flag) return 1;
        if (o->arg) i++;
    }
    return 0;
}

const char *cli_take(const cli_cmd *cmd, int *argc, char **argv, const char *name)
{
    const cli_opt *o = find_opt(cmd, name);
    const char *value = NULL;
    int out = 0, words = 0;
    for (int i = 0; i < *argc; i++) {
        if (!words && !strcmp(argv[i], "--")) words = 1;
        const cli_opt *wo = words ? NULL : find_opt(cmd, argv[i]);
        if (o && wo == o) {
            value = !o->arg ? "" : i + 1 < *argc ? argv[++i] : NULL;
            continue;
        }
        argv[out++] = argv[i];
        if (wo && wo->arg && i + 1 < *argc) argv[out++] = argv[++i]; /* another option's value is never ours */
    }
    *argc = out;
    argv[out] = NULL;
    return value;
}

/* ---- text help ---- */

void cli_usage(const cli_cmd *cmd, FILE *out)
{
    fprintf(out, "usage: switchboard [-c FILE] %s%s%s\n", cmd->name, *cmd->usage ? " " : "", cmd->usage);
}

static void exit_codes(FILE *out)
{
    fputs("\nexit codes:\n", out);
    for (size_t i = 0; i < NEXITS; i++) fprintf(out, "  %d  %s\n", EXITS[i].code, EXITS[i].meaning);
}

void cli_help(const cli_cmd *cmd, FILE *out)
{
    cli_usage(cmd, out);
    fprintf(out, "\n%s\n", cmd->summary);
    if (cmd->details) fprintf(out, "\n%s\n", cmd->details);
    fputs("\noptions:\n", out);
    for (const cli_opt *o = cmd->opts; o && o->name; o++) {
        char head[80];
        snprintf(head, sizeof head, "%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        fprintf(out, "  %-24s %s", head, o->help);
        if (o->def) fprintf(out, " (default: %s)", o->def);
        fputc('\n', out);
    }
    fprintf(out, "  %-24s %s\n", "--help", "this text (needs no config file)");
    fprintf(out, "  %-24s %s\n", "-c FILE",
            "config file, given before the command (default: $SWITCHBOARD_CONFIG, else /etc/switchboard/switchboard.conf)");
    if (cmd->json) fprintf(out, "\n--format json prints one object:\n  %s\n", cmd->json);
    fprintf(out, "\nexample:\n  %s\n", cmd->example);
    exit_codes(out);
}

void cli_overview(const cli_cmd *cmds, size_t n, FILE *out)
{
    fputs("usage: switchboard [-c FILE] COMMAND [OPTIONS]\n"
          "       switchboard help COMMAND | switchboard COMMAND --help\n\ncommands:\n",
          out);
    for (size_t i = 0; i < n; i++) fprintf(out, "  %-20s %s\n", cmds[i].name, cmds[i].summary);
    fputs("\nThe config file is -c FILE, else $SWITCHBOARD_CONFIG, else /etc/switchboard/switchboard.conf;\n"
          "help, --help, version, man, completion and config --keys need none. See switchboard(1).\n",
          out);
    exit_codes(out);
}

/* ---- man page ---- */

/* s as roff text: backslashes escaped, '-' as \-, a line start of '.' or '\'' neutralised. */
static void roff(const char *s, FILE *out)
{
    int bol = 1;
    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\'')) fputs("\\&", out);
        bol = *s == '\n';
        if (*s == '\\') fputs("\\e", out);
        else if (*s == '-') fputs("\\-", out);
        else fputc(*s, out);
    }
}

static void man_commands(const cli_cmd *cmds, size_t n, FILE *out)
{
    fputs(".SH COMMANDS\n", out);
    for (size_t i = 0; i < n; i++) {
        const cli_cmd *c = &cmds[i];
        fputs(".SS ", out);
        roff(c->name, out);
        fputs("\n.B switchboard\n[\\fB\\-c\\fR \\fIFILE\\fR] \\fB", out);
        roff(c->name, out);
        fputs("\\fR ", out);
        roff(c->usage, out);
        fputs("\n.PP\n", out);
        roff(c->summary, out);
        if (c->details) {
            fputs("\n.PP\n", out);
            roff(c->details, out);
        }
        fputc('\n', out);
        for (const cli_opt *o = c->opts; o && o->name; o++) {
            fputs(".TP\n.B ", out);
            roff(o->name, out);
            if (o->arg) {
                fputs(" \"", out); /* quoted: a placeholder like "a|b" stays one argument */
                roff(o->arg, out);
                fputc('"', out);
            }
            fputc('\n', out);
            roff(o->help, out);
            if (o->def) {
                fputs(" (default: ", out);
                roff(o->def, out);
                fputc(')', out);
            }
            fputc('\n', out);
        }
        fputs(".TP\n.B \\-\\-help\nthis command's usage, options and example (needs no config file)\n", out);
        fputs(".PP\nExample:\n.RS\n.EX\n", out);
        roff(c->example, out);
        fputs("\n.EE\n.RE\n", out);
    }
}

static void man_json(const cli_cmd *cmds, size_t n, FILE *out)
{
    fputs(".SH JSON OUTPUT\n"
          "With \\fB\\-\\-format json\\fR a command prints exactly one JSON object on standard output (progress and\n"
          "messages go to standard error). The members below are stable: new members may be added, none is\n"
          "renamed or removed. N is a number, S a string, B true or false, T an ISO 8601 UTC time.\n",
          out);
    for (size_t i = 0; i < n; i++) {
        if (!cmds[i].json) continue;
        fputs(".TP\n.B ", out);
        roff(cmds[i].name, out);
        fputs("\n.EX\n", out);
        roff(cmds[i].json, out);
        fputs("\n.EE\n", out);
    }
}

static void man_config(FILE *out)
{
    fputs(".SH CONFIGURATION\n"
          "The file holds \\fIkey\\fR = \\fIvalue\\fR lines (\\(aq#\\(aq starts a comment). Every key can also be set by\n"
          "its environment variable, which wins over the file: SWITCHBOARD_ and the key upper\\-cased with \\(aq.\\(aq as\n"
          "\\(aq_\\(aq. An unknown key in the file stops the program (exit 3); an unknown SWITCHBOARD_ variable only\n"
          "warns, unless it looks like a misspelling of a key the file sets (then exit 3: the file\\(aqs value would\n"
          "silently win). \\fBswitchboard config \\-\\-keys\\fR prints this list.\n",
          out);
    sb_config_key_info k;
    for (size_t i = 0; sb_config_key(i, &k) == 0; i++) {
        char env[160];
        sb_config_env_name(k.name, env, sizeof env);
        fputs(".TP\n.B ", out);
        roff(k.name, out);
        fputs("\n(", out);
        roff(env, out);
        fputs(k.required ? "; required" : "", out);
        if (k.def && !k.required) {
            fputs("; default: ", out);
            roff(*k.def ? k.def : "empty", out);
        }
        if (k.is_int) fprintf(out, "; %lld to %lld", k.min, k.max);
        fputs(k.secret ? "; secret, never printed" : "", out);
        fputs(")\n", out);
        roff(k.help, out);
        fputc('\n', out);
    }
}

void cli_man(const cli_cmd *cmds, size_t n, const char *version, FILE *out)
{
    fputs(".\\\" switchboard(1), generated by `switchboard man` from the command and config tables: do not edit\n", out);
    fputs(".TH SWITCHBOARD 1 \"\" \"switchboard ", out);
    roff(version, out);
    fputs("\" \"User Commands\"\n.SH NAME\nswitchboard \\- AskProAI booking channels (Retell, Cal.com) as a FastCGI "
          "service and its operator commands\n.SH SYNOPSIS\n.B switchboard\n[\\fB\\-c\\fR \\fIFILE\\fR] \\fICOMMAND\\fR "
          "[\\fIOPTIONS\\fR]\n.br\n.B switchboard help\n\\fICOMMAND\\fR\n.br\n.B switchboard\n\\fICOMMAND\\fR "
          "\\fB\\-\\-help\\fR\n.SH DESCRIPTION\n"
          "One binary: \\fBserve\\fR is the FastCGI responder spawn\\-fcgi runs behind nginx or Apache, \\fBworker\\fR "
          "the background loop, and the other commands are what an operator runs. Commands that run long show a\n"
          "one\\-line progress counter with rate and ETA on standard error when it is a terminal (never under\n"
          "\\fB\\-\\-quiet\\fR, in pipes or under systemd) and always end with a summary line.\n.PP\nCommands:\n",
          out);
    for (size_t i = 0; i < n; i++) {
        fputs(".TP 20\n.B ", out);
        roff(cmds[i].name, out);
        fputc('\n', out);
        roff(cmds[i].summary, out);
        fputc('\n', out);
    }
    man_commands(cmds, n, out);
    man_json(cmds, n, out);
    man_config(out);
    fputs(".SH ENVIRONMENT\n.TP\n.B SWITCHBOARD_CONFIG\nthe config file when \\fB\\-c\\fR is not given\n"
          ".TP\n.B SWITCHBOARD_\\fIKEY\\fR\noverrides a config key (see CONFIGURATION)\n"
          ".SH FILES\n.TP\n.I /etc/switchboard/switchboard.conf\nthe default config file\n"
          ".TP\n.I /usr/share/switchboard/sql/migrations\nthe schema migrations \\fBmigrate\\fR applies\n"
          ".TP\n.I /usr/share/switchboard/www\nthe dashboard\\(aqs static files\n"
          ".TP\n.I /var/spool/switchboard\nthe usual spool.dir: events acknowledged while the database was down\n"
          ".TP\n.I /var/log/switchboard/request.log\nthe usual log.file\n"
          ".TP\n.I /var/lib/switchboard/metrics\nmetrics.file, the counters every process shares\n"
          ".TP\n.I /usr/share/doc/switchboard\nREADME, DESIGN, MIGRATION, SCALING and the nginx/Apache examples\n"
          ".SH EXIT STATUS\n",
          out);
    for (size_t i = 0; i < NEXITS; i++) fprintf(out, ".TP\n.B %d\n%s\n", EXITS[i].code, EXITS[i].meaning);
    fputs(".SH EXAMPLES\n", out);
    for (size_t i = 0; i < n; i++) {
        if (cmds[i].flags & CLI_NO_CONFIG) continue;
        fputs(".PP\n.EX\n", out);
        roff(cmds[i].example, out);
        fputs("\n.EE\n", out);
    }
    fputs(".SH SEE ALSO\n.BR spawn\\-fcgi (1),\n.BR nginx (8),\n.BR systemctl (1)\n", out);
}

/* ---- bash completion ---- */

void cli_bash_completion(const cli_cmd *cmds, size_t n, FILE *out)
{
    fputs("# bash completion for switchboard, generated by `switchboard completion` from the command table\n"
          "_switchboard() {\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd= i opts=\n"
          "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
          "        case ${COMP_WORDS[i]} in\n"
          "            -c) ((i++)) ;;\n"
          "            -*) ;;\n"
          "            *) cmd=${COMP_WORDS[i]}; break ;;\n"
          "        esac\n"
          "    done\n"
          "    if [[ $prev == -c ]]; then COMPREPLY=($(compgen -f -- \"$cur\")); return; fi\n"
          "    local commands='",
          out);
    for (size_t i = 0; i < n; i++) fprintf(out, "%s%s", i ? " " : "", cmds[i].name);
    fputs("'\n    if [[ -z $cmd ]]; then COMPREPLY=($(compgen -W \"-c --help --version $commands\" -- \"$cur\")); return; fi\n"
          "    case $cmd in\n",
          out);
    for (size_t i = 0; i < n; i++) {
        const cli_cmd *c = &cmds[i];
        fprintf(out, "        %s)\n", c->name);
        bool any_choice = false;
        for (const cli_opt *o = c->opts; o && o->name; o++)
            if (o->arg && strchr(o->arg, '|')) {
                if (!any_choice) fputs("            case $prev in\n", out);
                any_choice = true;
                fprintf(out, "                %s) COMPREPLY=($(compgen -W '", o->name);
                for (const char *p = o->arg; *p; p++) fputc(*p == '|' ? ' ' : *p, out);
                fputs("' -- \"$cur\")); return ;;\n", out);
            }
        if (any_choice) fputs("            esac\n", out);
        fputs("            opts='", out);
        for (const cli_opt *o = c->opts; o && o->name; o++) fprintf(out, "%s ", o->name);
        fputs("--help'\n", out);
        if (c->flags & CLI_ARGS_ARE_COMMANDS) fputs("            opts=\"$commands\"\n", out);
        fputs("            ;;\n", out);
    }
    fputs("    esac\n"
          "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
          "    [[ ${#COMPREPLY[@]} -eq 0 && $cur != -* ]] && COMPREPLY=($(compgen -f -- \"$cur\"))\n"
          "    return 0\n"
          "}\n"
          "complete -F _switchboard switchboard\n",
          out);
}
