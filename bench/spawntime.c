/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/spawntime: times commands started with fork+exec, interleaved.
 *
 *   spawntime ITERATIONS WARMUP CMD [ARG...] [:: CMD [ARG...]]...
 *
 * Runs the commands in turn (A B C A B C ...) so that drift in the machine's
 * load hits all of them alike, timing each run from fork to waitpid with
 * CLOCK_MONOTONIC, and prints per command: median, p10 and p90 in
 * microseconds, and the number of failed runs. Output (stdout, stderr) of
 * the commands goes to /dev/null.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

static double run(char **argv, int devnull, int *failed)
{
        double t0 = now_us(), t1;
        int status;
        pid_t pid = fork();

        if (pid == 0) {
                dup2(devnull, 0);
                dup2(devnull, 1);
                dup2(devnull, 2);
                execvp(argv[0], argv);
                _exit(127);
        }
        if (pid < 0 || waitpid(pid, &status, 0) < 0) {
                perror("spawntime");
                exit(1);
        }
        t1 = now_us();
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                (*failed)++;
        return t1 - t0;
}

int main(int argc, char **argv)
{
        char **cmds[16];
        double *times[16];
        int failed[16] = { 0 }, n = 0, iters, warmup;
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

        if (argc < 4) {
                fprintf(stderr, "usage: spawntime ITERATIONS WARMUP CMD [ARG...] [:: CMD [ARG...]]...\n");
                return 2;
        }
        iters = atoi(argv[1]);
        warmup = atoi(argv[2]);
        cmds[n++] = &argv[3];
        for (int i = 3; i < argc && n < 16; i++)
                if (strcmp(argv[i], "::") == 0) {
                        argv[i] = NULL;
                        cmds[n++] = &argv[i + 1];
                }
        for (int c = 0; c < n; c++)
                times[c] = calloc((size_t) iters, sizeof(double));
        for (int i = -warmup; i < iters; i++)
                for (int c = 0; c < n; c++) {
                        int f = 0;
                        double t = run(cmds[c], devnull, &f);
                        if (i >= 0) {
                                times[c][i] = t;
                                failed[c] += f;
                        }
                }
        for (int c = 0; c < n; c++) {
                qsort(times[c], (size_t) iters, sizeof(double), cmp);
                printf("%d %.0f %.0f %.0f %d\n", c, times[c][iters / 2], times[c][iters / 10],
                       times[c][iters * 9 / 10], failed[c]);
        }
        return 0;
}
