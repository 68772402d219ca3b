/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the files of the oslbox command share: messages, exit statuses, the
 * caller's terminals (oslbox.c), and each command's entry point. */
#ifndef OSLBOX_CLI_H
#define OSLBOX_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <oslbox.h>

#define EXIT_TIMEOUT 124
#define EXIT_OSLBOX 125
#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND 127

/* oslbox.c */
extern const char *program;
/* One "oslbox: " line on stderr, control characters escaped; returns 125. */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void put_escaped(FILE *f, const char *s);
int write_all(int fd, const char *buf, size_t len);
/* The exit status oslbox gives a run that ended with RES. */
int status_of(const struct oslbox_result *res);

/* The caller's terminals on fds 0-2: saved once, put back on every way out
 * (terminal_restore() is also registered with atexit()). raw: cfmakeraw();
 * otherwise only canonical mode and echo go, so that signals and output
 * processing stay the terminal's. */
void terminal_save(void);
void terminal_restore(void);
int terminal_make_raw(bool keep_signals);

/* The relay of a command's PTY (oslbox.c), for exec --pty. */
struct relay_in {
        bool eof;
        bool last_was_newline;
};
int relay_out(int master);
int relay_in(int master, struct relay_in *st, bool tty);
void copy_window_size(int master);

/* learn -n: the default, and the most trial runs. */
#define LEARN_RUNS 4
#define LEARN_RUNS_MAX 16

/* The options of run, explain and learn (oslbox.c). */
struct run_args {
        bool pty;
        bool detach;            /* --detach */
        const char *name;       /* --name */
        bool no_project_policy;
        bool have_policy;
        bool explain;           /* oslbox explain: no command */
        bool learn;             /* oslbox learn: -o FILE, and the options given kept */
        const char *output;     /* learn -o */
        unsigned runs;          /* learn -n: at most this many trial runs */
        struct { const char *name, *value; } given[128];
        size_t n_given;
        char **command;
};
/* Applies the options to POL: the policy files first (else the project's
 * policy), then the others. Returns -1 to go on, else an exit status. */
int parse_run(int argc, char **argv, struct oslbox_policy *pol, struct run_args *args);

/* Each command of commands.h. */
int cmd_learn(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_wait(int argc, char **argv);
int cmd_rm(int argc, char **argv);

/* Help on a command of the named sandboxes (session.c); false for any
 * other. Each command's own: */
bool session_help(const char *command, FILE *f);
void help_learn(FILE *f);
void help_attach(FILE *f);
void help_exec(FILE *f);
void help_logs(FILE *f);
void help_ps(FILE *f);
void help_stop(FILE *f);
void help_wait(FILE *f);
void help_rm(FILE *f);

#endif
