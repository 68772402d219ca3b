/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/floor: the least a launcher can cost, for bench/startup to set
 * beside oslbox. A static program that does nothing but start processes:
 *
 *   floor init CMD [ARG...]   forks an "init" that vforks and execs CMD,
 *                             waits for it and exits with its status: the
 *                             process shape of `oslbox run` (the launcher,
 *                             the sandbox's init, the command), no sandbox;
 *   floor exec CMD [ARG...]   vforks and execs CMD and waits: one process
 *                             start before the command's own, the shape of
 *                             `oslbox exec` (a client, then a command that
 *                             an existing process starts).
 *
 * Built with -static by bench/startup, as oslbox is: its own start costs
 * what oslbox's does before main().
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int run(char **argv)
{
        int status;
        pid_t pid = vfork();

        if (pid < 0)
                return 125;
        if (pid == 0) {
                execv(argv[0], argv);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0)
                return 125;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
        int status;
        pid_t init;

        if (argc < 3 || (strcmp(argv[1], "init") != 0 && strcmp(argv[1], "exec") != 0)) {
                fprintf(stderr, "usage: floor init|exec CMD [ARG...]\n");
                return 2;
        }
        if (strcmp(argv[1], "exec") == 0)
                return run(argv + 2);
        init = fork();
        if (init < 0)
                return 125;
        if (init == 0)
                _exit(run(argv + 2));
        if (waitpid(init, &status, 0) < 0)
                return 125;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 125;
}
