/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Build tool: writes the bash and zsh completions of oslbox from the option
 * table (oslbox_option_get) and the commands table (src/cli/commands.h), as
 * mangen writes the man pages' OPTIONS lists, so that they cannot drift.
 *
 *   compgen bash POLICYDIR    the bash completion (installed as "oslbox")
 *   compgen zsh POLICYDIR     the zsh completion (installed as "_oslbox")
 *   compgen commands          the commands, one a line
 *   compgen kinds             each option taking a value: NAME KIND [WORD...]
 *
 * What an option's value completes to comes from the rules below, by the
 * option's name, else by its metavar. A row none of them covers stops the
 * build: a new option must say what its value is. Fixed words (net's modes,
 * the resource limits, the system calls) are checked here against
 * oslbox_policy_set(), so the completions never offer a value the library
 * refuses. The system calls are those libseccomp knows for this
 * architecture and the library accepts, listed once at build time: the
 * scripts then run nothing at completion time. The shipped policies are
 * listed at completion time, from the directory the library reads them
 * from ($OSLBOX_POLICY_DIR when absolute, else POLICYDIR).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include <oslbox.h>

#include "../src/cli/commands.h"

enum kind {
        K_NONE,         /* free text: nothing to offer */
        K_PATH,         /* any file or directory */
        K_FILE,
        K_DIR,
        K_POLICY,       /* a policy file or a shipped policy's name */
        K_DURATION,     /* 500ms, 30s, 5m, 1h */
        K_SIZE,         /* 64M, 1G */
        K_WORDS,        /* one of .words */
        K_SYSCALL,      /* a system call name */
        K_ENV_NAME,     /* a variable name (or glob) */
        K_ENV_ASSIGN,   /* NAME=VALUE */
        K_RLIMIT,       /* NAME=SOFT[:HARD], NAME one of .words */
};

static const char *const kind_names[] = {
        [K_NONE] = "none", [K_PATH] = "path", [K_FILE] = "file", [K_DIR] = "dir",
        [K_POLICY] = "policy", [K_DURATION] = "duration", [K_SIZE] = "size", [K_WORDS] = "words",
        [K_SYSCALL] = "syscall", [K_ENV_NAME] = "env-name", [K_ENV_ASSIGN] = "env-assign",
        [K_RLIMIT] = "rlimit",
};

struct rule {
        const char *name;       /* the option, or NULL: any option with... */
        const char *metavar;    /* ...this metavar */
        enum kind kind;
        const char *words;      /* K_WORDS, K_RLIMIT: space-separated */
        const char *label;      /* what zsh says it wants */
};

/* By name first, then by metavar. */
static const struct rule rules[] = {
        { .name = "policy", .kind = K_POLICY, .label = "policy file or shipped policy" },
        { .name = "net", .kind = K_WORDS, .words = "none host", .label = "network mode" },
        { .name = "resources", .kind = K_WORDS, .words = "strict best-effort", .label = "mode" },
        { .name = "isolation", .kind = K_WORDS, .words = "auto namespaces landlock", .label = "isolation mode" },
        { .name = "allow-syscall", .kind = K_SYSCALL, .label = "system call" },
        { .name = "deny-syscall", .kind = K_SYSCALL, .label = "system call" },
        { .name = "keep-env", .kind = K_ENV_NAME, .label = "variable name or glob" },
        { .name = "env", .kind = K_ENV_ASSIGN, .label = "NAME=VALUE" },
        { .name = "rlimit", .kind = K_RLIMIT, .label = "NAME=SOFT[:HARD]",
          .words = "as core cpu data fsize locks memlock msgqueue nice nofile nproc rss rtprio rttime "
                   "sigpending stack" },
        { .name = "hostname", .kind = K_NONE, .label = "host name" },
        { .name = "name", .kind = K_NONE, .label = "sandbox name" },
        { .name = "detach-keys", .kind = K_NONE, .label = "detach keys" },
        { .metavar = "PATH", .kind = K_PATH, .label = "path" },
        { .metavar = "FILE", .kind = K_FILE, .label = "file" },
        { .metavar = "DIR", .kind = K_DIR, .label = "directory" },
        { .metavar = "DUR", .kind = K_DURATION, .label = "duration (500ms, 30s, 5m, 1h)" },
        { .metavar = "SIZE", .kind = K_SIZE, .label = "size (64M, 1G)" },
        { .metavar = "N", .kind = K_NONE, .label = "number" },
};

static const struct command {
        const char *name, *usage, *summary, *complete;
} commands[] = {
#define COMMAND_ROW(name, usage, summary, complete) { #name, usage, summary, complete },
        OSLBOX_COMMANDS(COMMAND_ROW)
#undef COMMAND_ROW
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char *const arg_words[] = { "@options", "@command", "@policy", "@file", "@commands", "@session" };

static char *syscalls;  /* space-separated, from libseccomp, accepted by the library */

static _Noreturn void __attribute__((format(printf, 1, 2))) die(const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "compgen: ");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        exit(1);
}

static const struct rule *rule_of(const struct oslbox_option *o)
{
        for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
                if (rules[i].name && strcmp(rules[i].name, o->name) == 0)
                        return &rules[i];
        for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
                if (!rules[i].name && strcmp(rules[i].metavar, o->metavar) == 0)
                        return &rules[i];
        die("--%s %s: no rule says what its value completes to; add one to tools/compgen.c", o->name,
            o->metavar);
}

/* Directive NAME must accept VALUE, or the completion would offer it wrongly. */
static void check_value(const char *name, const char *value)
{
        struct oslbox_policy *pol = NULL;

        if (oslbox_policy_new(&pol) < 0)
                die("out of memory");
        if (oslbox_policy_set(pol, name, value) < 0) {
                fprintf(stderr, "compgen: --%s %s: %s\n", name, value, oslbox_policy_error(pol));
                exit(1);
        }
        oslbox_policy_free(pol);
}

static void check_words(const char *name, const char *words, const char *suffix)
{
        char buf[512];

        for (const char *p = words; *p;) {
                size_t n = strcspn(p, " ");
                snprintf(buf, sizeof(buf), "%.*s%s", (int) n, p, suffix);
                check_value(name, buf);
                p += n + (p[n] == ' ');
        }
}

static int by_name(const void *a, const void *b)
{
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The system calls libseccomp knows for this architecture that
 * allow-syscall and deny-syscall accept. */
static void list_syscalls(void)
{
        struct oslbox_policy *pol = NULL;
        char *names[4096];
        size_t n = 0, len = 1;

        if (oslbox_policy_new(&pol) < 0)
                die("out of memory");
        for (int nr = 0; nr < 4096 && n < 4096; nr++) {
                char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
                if (!name)
                        continue;
                if (oslbox_policy_set(pol, "deny-syscall", name) == 0 &&
                    oslbox_policy_set(pol, "allow-syscall", name) == 0) {
                        names[n++] = name;
                        len += strlen(name) + 1;
                } else
                        free(name);
        }
        oslbox_policy_free(pol);
        if (n < 100)
                die("only %zu system calls from libseccomp: is this architecture supported?", n);
        qsort(names, n, sizeof(names[0]), by_name);
        syscalls = calloc(1, len);
        if (!syscalls)
                die("out of memory");
        for (size_t i = 0; i < n; i++) {
                if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
                        continue;
                if (*syscalls)
                        strcat(syscalls, " ");
                strcat(syscalls, names[i]);
        }
        for (size_t i = 0; i < n; i++)
                free(names[i]);
}

/* Every option's rule, checked once. */
static void check_table(void)
{
        const struct oslbox_option *o;

        for (size_t i = 0; (o = oslbox_option_get(i)); i++) {
                const struct rule *r;
                for (const char *p = o->name; *p; p++)
                        if (!islower((unsigned char) *p) && !isdigit((unsigned char) *p) && *p != '-')
                                die("option '%s': a name the scripts cannot hold", o->name);
                if (!o->metavar)
                        continue;
                r = rule_of(o);
                if (r->kind == K_WORDS)
                        check_words(o->name, r->words, "");
                else if (r->kind == K_RLIMIT)
                        check_words(o->name, r->words, "=unlimited");
        }
        for (size_t i = 0; i < N_COMMANDS; i++) {
                const char *p = commands[i].complete;
                while (*p) {
                        size_t n = strcspn(p, " ");
                        const char *eq = memchr(p, '=', n);
                        bool known = p[0] == '-' &&
                                     (!eq || (p + n - eq - 1 == 4 && strncmp(eq + 1, "file", 4) == 0) ||
                                      (p + n - eq - 1 == 6 && strncmp(eq + 1, "number", 6) == 0));
                        for (size_t k = 0; k < sizeof(arg_words) / sizeof(arg_words[0]); k++)
                                known |= strlen(arg_words[k]) == n && strncmp(arg_words[k], p, n) == 0;
                        if (!known)
                                die("command %s: unknown completion word in '%s' (see src/cli/commands.h)",
                                    commands[i].name, commands[i].complete);
                        p += n + (p[n] == ' ');
                }
        }
}

/* Whether the command's COMPLETE words hold WORD. */
static bool completes(const struct command *c, const char *word)
{
        size_t n = strlen(word);
        for (const char *p = c->complete; *p;) {
                size_t k = strcspn(p, " ");
                if (k == n && strncmp(p, word, n) == 0)
                        return true;
                p += k + (p[k] == ' ');
        }
        return false;
}

static bool has_flags(const struct command *c)
{
        return c->complete[0] == '-' || strstr(c->complete, " -");
}

/* The literal flags of a command's COMPLETE words, space-separated. */
static void put_flags(const struct command *c)
{
        bool first = true;
        for (const char *p = c->complete; *p;) {
                size_t k = strcspn(p, " ");
                if (*p == '-') {
                        const char *eq = memchr(p, '=', k);
                        printf("%s%.*s", first ? "" : " ", (int) (eq ? (size_t) (eq - p) : k), p);
                        first = false;
                }
                p += k + (p[k] == ' ');
        }
}

/* --- bash -------------------------------------------------------------------- */

static void bash_value_cases(void)
{
        const struct oslbox_option *o;

        for (size_t i = 0; (o = oslbox_option_get(i)); i++) {
                const struct rule *r;
                if (!o->metavar)
                        continue;
                r = rule_of(o);
                printf("        %s)", o->name);
                switch (r->kind) {
                case K_NONE:
                        printf(" ;;\n");
                        break;
                case K_PATH:
                case K_FILE:
                        printf(" _oslbox_files -f ;;\n");
                        break;
                case K_DIR:
                        printf(" _oslbox_files -d ;;\n");
                        break;
                case K_POLICY:
                        printf(" _oslbox_policy ;;\n");
                        break;
                case K_DURATION:
                        printf(" _oslbox_number ms s m h ;;\n");
                        break;
                case K_SIZE:
                        printf(" _oslbox_number K M G T ;;\n");
                        break;
                case K_WORDS:
                        printf(" COMPREPLY=($(compgen -W '%s' -- \"$cur\")) ;;\n", r->words);
                        break;
                case K_SYSCALL:
                        printf(" COMPREPLY=($(compgen -W \"$(_oslbox_syscalls)\" -- \"$cur\")) ;;\n");
                        break;
                case K_ENV_NAME:
                        printf(" COMPREPLY=($(compgen -e -- \"$cur\")) ;;\n");
                        break;
                case K_ENV_ASSIGN:
                        printf(" [[ $cur == *=* ]] || { COMPREPLY=($(compgen -e -S = -- \"$cur\")); _oslbox_nospace; } ;;\n");
                        break;
                case K_RLIMIT:
                        printf(" [[ $cur == *=* ]] || { COMPREPLY=($(compgen -S = -W '%s' -- \"$cur\")); _oslbox_nospace; } ;;\n",
                               r->words);
                        break;
                }
        }
}

static void gen_bash(const char *policydir)
{
        const struct oslbox_option *o;

        printf("# bash completion for oslbox(1). Generated by tools/compgen from liboslbox's option\n"
               "# table and src/cli/commands.h: edit those, not this file.\n"
               "# shellcheck shell=bash\n\n");

        printf("# The names of the options, then a NAME or a unique prefix of one -> the name.\n"
               "_oslbox_option_names()\n{\n        echo");
        for (size_t i = 0; (o = oslbox_option_get(i)); i++)
                printf(" %s", o->name);
        printf("\n}\n\n");
        printf("_oslbox_option()\n"
               "{\n"
               "        local o found=\n"
               "        for o in $(_oslbox_option_names); do\n"
               "                [[ $o == \"$1\" ]] && { echo \"$o\"; return; }\n"
               "                [[ $o == \"$1\"* ]] && found=\"$found $o\"\n"
               "        done\n"
               "        found=${found# }\n"
               "        [[ -n $found && $found != *\" \"* ]] && echo \"$found\"\n"
               "}\n\n");

        printf("# Options that take a value.\n_oslbox_takes_value()\n{\n        case $1 in\n        ");
        {
                bool first = true;
                for (size_t i = 0; (o = oslbox_option_get(i)); i++)
                        if (o->metavar) {
                                printf("%s%s", first ? "" : "|", o->name);
                                first = false;
                        }
        }
        printf(") return 0 ;;\n        esac\n        return 1\n}\n\n");

        printf("_oslbox_syscalls()\n{\n        echo '%s'\n}\n\n", syscalls);

        printf("# The shipped policies, where the library looks for them.\n"
               "_oslbox_policy_names()\n"
               "{\n"
               "        local dir='%s' f\n"
               "        [[ ${OSLBOX_POLICY_DIR-} == /* ]] && dir=$OSLBOX_POLICY_DIR\n"
               "        for f in \"$dir\"/*.policy; do\n"
               "                [[ -f $f ]] || continue\n"
               "                f=${f##*/}\n"
               "                echo \"${f%%.policy}\"\n"
               "        done\n"
               "}\n\n", policydir);

        printf("# The caller's named sandboxes, from the oslbox being completed.\n"
               "_oslbox_sessions()\n"
               "{\n"
               "        \"${COMP_WORDS[0]}\" ps --quiet 2>/dev/null\n"
               "}\n\n");
        printf("_oslbox_nospace()\n{\n        compopt -o nospace 2>/dev/null || :\n}\n\n"
               "_oslbox_files()\n"
               "{\n"
               "        compopt -o filenames 2>/dev/null || :\n"
               "        COMPREPLY=($(compgen \"$1\" -- \"$cur\"))\n"
               "}\n\n"
               "_oslbox_policy()\n"
               "{\n"
               "        compopt -o filenames 2>/dev/null || :\n"
               "        COMPREPLY=($(compgen -W \"$(_oslbox_policy_names)\" -- \"$cur\") $(compgen -f -- \"$cur\"))\n"
               "}\n\n"
               "# A number typed so far, followed by each unit.\n"
               "_oslbox_number()\n"
               "{\n"
               "        local u\n"
               "        [[ $cur =~ ^[0-9]+([.][0-9]+)?$ ]] || return\n"
               "        for u in \"$@\"; do COMPREPLY+=(\"$cur$u\"); done\n"
               "}\n\n");

        printf("# The value of option $1, the word being completed being $cur.\n"
               "_oslbox_value()\n{\n        case $1 in\n");
        bash_value_cases();
        printf("        esac\n}\n\n");

        printf("# The arguments of a command that takes the options of run (and, with\n"
               "# $1 = command, a command and its arguments after them).\n"
               "_oslbox_run_args()\n"
               "{\n"
               "        # $2: the command's own flags, as -x=KIND (file, number) when they take a value.\n"
               "        local i=2 w opt own=\" ${2-} \" kind\n"
               "        while ((i < COMP_CWORD)); do\n"
               "                w=${COMP_WORDS[i]}\n"
               "                if [[ $w == -- ]]; then\n"
               "                        ((i++))\n"
               "                        break\n"
               "                elif [[ $w == --?* ]]; then\n"
               "                        opt=$(_oslbox_option \"${w#--}\")\n"
               "                        if [[ ${COMP_WORDS[i + 1]-} == = ]]; then\n"
               "                                # --opt=value: bash splits it at the '='.\n"
               "                                if ((i + 1 == COMP_CWORD)); then cur=; _oslbox_value \"$opt\"; return; fi\n"
               "                                if ((i + 2 == COMP_CWORD)); then _oslbox_value \"$opt\"; return; fi\n"
               "                                ((i += 3))\n"
               "                        elif [[ -n $opt ]] && _oslbox_takes_value \"$opt\"; then\n"
               "                                if ((i + 1 == COMP_CWORD)); then _oslbox_value \"$opt\"; return; fi\n"
               "                                ((i += 2))\n"
               "                        else\n"
               "                                ((i++))\n"
               "                        fi\n"
               "                elif [[ $w == -?* && $own == *\" $w=\"* ]]; then\n"
               "                        if ((i + 1 == COMP_CWORD)); then\n"
               "                                kind=${own#*\" $w=\"}; kind=${kind%%%% *}\n"
               "                                [[ $kind != file ]] || _oslbox_files -f\n"
               "                                return\n"
               "                        fi\n"
               "                        ((i += 2))\n"
               "                elif [[ $w == -?* ]]; then\n"
               "                        ((i++))\n"
               "                else\n"
               "                        break\n"
               "                fi\n"
               "        done\n"
               "        if ((i < COMP_CWORD)) || { ((i == COMP_CWORD)) && [[ ${COMP_WORDS[i - 1]} == -- ]]; }; then\n"
               "                [[ $1 == command ]] || return\n"
               "                if ((i == COMP_CWORD)); then\n"
               "                        COMPREPLY=($(compgen -c -- \"$cur\"))\n"
               "                elif type _command_offset &>/dev/null; then\n"
               "                        _command_offset \"$i\"\n"
               "                else\n"
               "                        _oslbox_files -f\n"
               "                fi\n"
               "                return\n"
               "        fi\n"
               "        if [[ $cur == -* ]]; then\n"
               "                local opts=\"-h --help\"\n"
               "                for opt in $(_oslbox_option_names); do opts=\"$opts --$opt\"; done\n"
               "                for opt in ${2-}; do opts=\"$opts ${opt%%=*}\"; done\n"
               "                COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
               "        elif [[ $1 == command ]]; then\n"
               "                COMPREPLY=($(compgen -c -- \"$cur\"))\n"
               "        fi\n"
               "}\n\n");

        printf("_oslbox()\n"
               "{\n"
               "        local cur=${COMP_WORDS[COMP_CWORD]}\n"
               "        COMPREPLY=()\n"
               "        if ((COMP_CWORD == 1)); then\n"
               "                COMPREPLY=($(compgen -W '");
        for (size_t i = 0; i < N_COMMANDS; i++)
                printf("%s ", commands[i].name);
        printf("-h --help -V --version' -- \"$cur\"))\n"
               "                return\n"
               "        fi\n"
               "        case ${COMP_WORDS[1]} in\n");
        for (size_t i = 0; i < N_COMMANDS; i++) {
                const struct command *c = &commands[i];
                printf("        %s)\n", c->name);
                if (completes(c, "@options")) {
                        printf("                _oslbox_run_args %s '", completes(c, "@command") ? "command" : "options");
                        for (const char *p = c->complete, *sep = ""; *p;) {
                                size_t k = strcspn(p, " ");
                                if (*p == '-') {
                                        printf("%s%.*s", sep, (int) k, p);
                                        sep = " ";
                                }
                                p += k + (p[k] == ' ');
                        }
                        printf("'\n");
                }
                else {
                        if (completes(c, "@policy"))
                                printf("                [[ $cur == -* ]] || _oslbox_policy\n");
                        if (completes(c, "@file"))
                                printf("                ((COMP_CWORD > 2)) || [[ $cur == -* ]] || _oslbox_files -f\n");
                        if (completes(c, "@session"))
                                printf("                [[ $cur == -* ]] || COMPREPLY=($(compgen -W \"$(_oslbox_sessions)\" -- \"$cur\"))\n");
                        if (completes(c, "@commands")) {
                                printf("                ((COMP_CWORD > 2)) || COMPREPLY=($(compgen -W '");
                                for (size_t k = 0; k < N_COMMANDS; k++)
                                        printf("%s%s", k ? " " : "", commands[k].name);
                                printf("' -- \"$cur\"))\n");
                        }
                        if (has_flags(c)) {
                                printf("                [[ $cur != -* ]] || COMPREPLY+=($(compgen -W '");
                                put_flags(c);
                                printf("' -- \"$cur\"))\n");
                        }
                }
                printf("                ;;\n");
        }
        printf("        esac\n"
               "}\n\n"
               "complete -F _oslbox oslbox\n");
}

/* --- zsh --------------------------------------------------------------------- */

/* TEXT's first sentence, as zsh wants it in single quotes and between
 * brackets: ' closed and reopened, brackets and colons escaped. */
static void zsh_description(const char *text)
{
        for (const char *p = text ? text : ""; *p; p++) {
                if (*p == '.' && (p[1] == ' ' || !p[1]))
                        break;
                if (*p == '\'')
                        fputs("'\\''", stdout);
                else if (*p == '[' || *p == ']' || *p == ':' || *p == '\\')
                        printf("\\%c", *p);
                else
                        putchar(*p);
        }
}

static void zsh_action(const struct rule *r)
{
        switch (r->kind) {
        case K_NONE:
                printf(" ");
                break;
        case K_PATH:
        case K_FILE:
                printf("_files");
                break;
        case K_DIR:
                printf("_files -/");
                break;
        case K_POLICY:
                printf("_oslbox_policies");
                break;
        case K_DURATION:
                printf("_guard \"[0-9.]#(ms|s|m|h|)\" \"duration (500ms, 30s, 5m, 1h)\"");
                break;
        case K_SIZE:
                printf("_guard \"[0-9.]#([KMGT]|)\" \"size (64M, 1G)\"");
                break;
        case K_WORDS:
                printf("(%s)", r->words);
                break;
        case K_SYSCALL:
                printf("_oslbox_syscalls");
                break;
        case K_ENV_NAME:
                printf("_parameters -g \"*export*\"");
                break;
        case K_ENV_ASSIGN:
                printf("_oslbox_env_assign");
                break;
        case K_RLIMIT:
                printf("_oslbox_rlimits");
                break;
        }
}

static void gen_zsh(const char *policydir)
{
        const struct oslbox_option *o;

        printf("#compdef oslbox\n"
               "# zsh completion for oslbox(1). Generated by tools/compgen from liboslbox's option\n"
               "# table and src/cli/commands.h: edit those, not this file.\n\n");

        printf("_oslbox_policies()\n"
               "{\n"
               "        local dir='%s'\n"
               "        local -a names\n"
               "        [[ $OSLBOX_POLICY_DIR == /* ]] && dir=$OSLBOX_POLICY_DIR\n"
               "        names=( $dir/*.policy(N-.:t:r) )\n"
               "        _alternative 'policies:shipped policy:compadd -a names' 'files:policy file:_files'\n"
               "}\n\n", policydir);
        printf("_oslbox_syscalls()\n"
               "{\n"
               "        local -a calls\n"
               "        calls=( %s )\n"
               "        _wanted syscalls expl 'system call' compadd -a calls\n"
               "}\n\n", syscalls);
        printf("_oslbox_sessions()\n"
               "{\n"
               "        local -a names\n"
               "        names=( ${(f)\"$(command oslbox ps --quiet 2>/dev/null)\"} )\n"
               "        _wanted sessions expl 'named sandbox' compadd -a names\n"
               "}\n\n");
        printf("_oslbox_env_assign()\n"
               "{\n"
               "        if compset -P '*='; then\n"
               "                _message 'value'\n"
               "        else\n"
               "                _parameters -g '*export*' -qS =\n"
               "        fi\n"
               "}\n\n");
        for (size_t i = 0; (o = oslbox_option_get(i)); i++) {
                const struct rule *r = o->metavar ? rule_of(o) : NULL;
                if (r && r->kind == K_RLIMIT) {
                        printf("_oslbox_rlimits()\n"
                               "{\n"
                               "        local -a names\n"
                               "        names=( %s )\n"
                               "        if compset -P '*='; then\n"
                               "                _message 'SOFT[:HARD]'\n"
                               "        else\n"
                               "                _wanted limits expl 'resource limit' compadd -qS = -a names\n"
                               "        fi\n"
                               "}\n\n", r->words);
                        break;
                }
        }

        printf("# The options of run and explain, as _arguments specs: \"*\" before those that\n"
               "# may repeat.\n"
               "_oslbox_run_options()\n"
               "{\n"
               "        reply=(\n"
               "                '(- *)'{-h,--help}'[show the help]'\n");
        for (size_t i = 0; (o = oslbox_option_get(i)); i++) {
                const struct rule *r = o->metavar ? rule_of(o) : NULL;
                printf("                '%s--%s%s[", o->flags & OSLBOX_OPTION_LIST ? "*" : "", o->name,
                       o->metavar ? "=" : "");
                zsh_description(o->help);
                printf("]");
                if (r) {
                        printf(":%s:", r->label);
                        zsh_action(r);
                }
                printf("'\n");
        }
        printf("        )\n}\n\n");

        printf("# The commands, as _describe takes them.\n"
               "_oslbox_commands()\n"
               "{\n"
               "        reply=(\n");
        for (size_t i = 0; i < N_COMMANDS; i++) {
                printf("                '%s:", commands[i].name);
                zsh_description(commands[i].summary);
                printf("'\n");
        }
        printf("        )\n}\n\n");
        printf("_oslbox()\n"
               "{\n"
               "        local curcontext=$curcontext state line ret=1\n"
               "        local -a reply\n"
               "        typeset -A opt_args\n"
               "        _arguments -C \\\n"
               "                '(- *)'{-h,--help}'[show the help]' \\\n"
               "                '(- *)'{-V,--version}'[show the version]' \\\n"
               "                '1:command:->command' \\\n"
               "                '*::argument:->argument' && ret=0\n"
               "        case $state in\n"
               "        command)\n"
               "                _oslbox_commands\n"
               "                _describe -t commands 'oslbox command' reply && ret=0\n"
               "                ;;\n"
               "        argument)\n"
               "                curcontext=${curcontext%%:*:*}:oslbox-$words[1]:\n"
               "                case $words[1] in\n");
        for (size_t i = 0; i < N_COMMANDS; i++) {
                const struct command *c = &commands[i];
                printf("                %s)\n", c->name);
                if (completes(c, "@options")) {
                        printf("                        _oslbox_run_options\n"
                               "                        _arguments -s -S -A '-*' : $reply");
                        for (const char *p = c->complete; *p;) {
                                size_t k = strcspn(p, " ");
                                const char *eq = *p == '-' ? memchr(p, '=', k) : NULL;
                                if (*p == '-' && eq)
                                        printf(" '%.*s:%s:%s'", (int) (eq - p), p, strncmp(eq + 1, "file", 4) == 0 ? "file" : "number",
                                               strncmp(eq + 1, "file", 4) == 0 ? "_files" : " ");
                                else if (*p == '-')
                                        printf(" '%.*s'", (int) k, p);
                                p += k + (p[k] == ' ');
                        }
                        if (completes(c, "@command"))
                                printf(" '1:command:_command_names -e' '*::arguments:_normal'");
                        printf(" && ret=0\n");
                } else if (!*c->complete) {
                        printf("                        _message 'no more arguments'\n");
                } else {
                        printf("                        _arguments :");
                        for (const char *p = c->complete; *p;) {
                                size_t k = strcspn(p, " ");
                                if (*p == '-')
                                        printf(" '%.*s'", (int) k, p);
                                p += k + (p[k] == ' ');
                        }
                        if (completes(c, "@policy"))
                                printf(" '*:policy:_oslbox_policies'");
                        if (completes(c, "@file"))
                                printf(" '1:file:_files'");
                        if (completes(c, "@session"))
                                printf(" '1:sandbox:_oslbox_sessions'");
                        if (completes(c, "@commands"))
                                printf(" '1:command:(");
                        if (completes(c, "@commands"))
                                for (size_t k = 0; k < N_COMMANDS; k++)
                                        printf("%s%s", k ? " " : "", commands[k].name);
                        if (completes(c, "@commands"))
                                printf(")'");
                        printf(" && ret=0\n");
                }
                printf("                        ;;\n");
        }
        printf("                esac\n"
               "                ;;\n"
               "        esac\n"
               "        return ret\n"
               "}\n\n"
               "_oslbox \"$@\"\n");
}

int main(int argc, char **argv)
{
        const char *mode = argc > 1 ? argv[1] : "";

        check_table();
        if (strcmp(mode, "commands") == 0 && argc == 2) {
                for (size_t i = 0; i < N_COMMANDS; i++)
                        printf("%s\n", commands[i].name);
        } else if (strcmp(mode, "kinds") == 0 && argc == 2) {
                const struct oslbox_option *o;
                for (size_t i = 0; (o = oslbox_option_get(i)); i++) {
                        const struct rule *r;
                        if (!o->metavar)
                                continue;
                        r = rule_of(o);
                        printf("%s %s%s%s\n", o->name, kind_names[r->kind], r->words ? " " : "",
                               r->words ? r->words : "");
                }
        } else if ((strcmp(mode, "bash") == 0 || strcmp(mode, "zsh") == 0) && argc == 3 && argv[2][0] == '/' &&
                   !strpbrk(argv[2], "'\\\n")) {
                list_syscalls();
                if (strcmp(mode, "bash") == 0)
                        gen_bash(argv[2]);
                else
                        gen_zsh(argv[2]);
                free(syscalls);
        } else {
                fprintf(stderr, "usage: compgen bash|zsh POLICYDIR (absolute, without quotes), "
                                "or compgen commands|kinds\n");
                return 2;
        }
        return fflush(stdout) != 0 ? 1 : 0;
}
