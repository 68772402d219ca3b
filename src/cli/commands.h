/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The commands of oslbox, one row each. `oslbox --help`, `oslbox help` and
 * the dispatch in oslbox.c read it, and so does tools/compgen.c, which makes
 * the shell completions: a new command is one row here and its cmd_NAME()
 * (in oslbox.c, or a file of its own declared in cli.h).
 *
 *   X(NAME, USAGE, SUMMARY, COMPLETE)
 *
 * USAGE follows the name in the usage line; SUMMARY is one line of help.
 * COMPLETE says what the arguments complete to, as space-separated words:
 *   @options    the options of the table, as run takes them (and -h, --help)
 *   @command    after the options: a command, then that command's arguments
 *   @policy     policy files and the names of the shipped policies
 *   @file       a file
 *   @commands   the names of these commands
 *   @session    the name of one of the caller's named sandboxes (oslbox ps --quiet)
 *   --flag      that flag, literally
 *   -x=KIND     a flag of the command's own that takes a value: of KIND file
 *               (a file name) or number (nothing to offer)
 * tools/compgen fails on any other word, so that a new kind of argument
 * cannot go without completion unnoticed.
 */
#ifndef OSLBOX_CLI_COMMANDS_H
#define OSLBOX_CLI_COMMANDS_H

#define OSLBOX_COMMANDS(X) \
        X(run,     "[OPTIONS] [--] CMD [ARG...]", "run CMD in a sandbox", "@options @command") \
        X(attach,  "[--detach-keys KEYS] NAME", "connect the terminal to named sandbox NAME", "@session --detach-keys --help -h") \
        X(exec,    "NAME [OPTIONS] [--] CMD [ARG...]", "run CMD in the running sandbox NAME", \
          "@session --pty --cwd --env --timeout --help -h") \
        X(logs,    "[--follow] NAME", "print what sandbox NAME wrote", "@session --follow --help -h") \
        X(ps,      "[--json] [--quiet]", "list your named sandboxes", "--json --quiet --help -h") \
        X(stop,    "[--kill-after DUR] NAME", "end sandbox NAME", "@session --kill-after --help -h") \
        X(wait,    "NAME", "wait for sandbox NAME to end; exit with its status", "@session --help -h") \
        X(rm,      "[--force] NAME", "forget the ended sandbox NAME", "@session --force --help -h") \
        X(learn,   "[OPTIONS] [-o FILE] [-n N] [--] CMD [ARG...]", "run CMD in a trial and write the policy it needed", \
          "@options -o=file -n=number @command") \
        X(explain, "[OPTIONS]", "print the policy run would use, as a policy file", "@options") \
        X(check,   "FILE...", "check policy files", "@policy") \
        X(trust,   "[FILE]", "trust a project policy (default: this project's)", "@file") \
        X(doctor,  "[--json]", "show what this host and user can confine with", "--json --help -h") \
        X(help,    "[COMMAND]", "show help on COMMAND", "@commands")

#endif
