/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/spawntime: times commands started with fork+exec, interleaved.
 *
 *   spawntime ITERATIONS WARMUP CMD [ARG...] [:: CMD [ARG...]]...
 *
 * Runs the commands in turn (A B C A B C ...), WARMUP rounds untimed and then
 * ITERATIONS timed ones, so that drift in the machine's load hits all of them
 * alike. Each run is timed from just before fork() to just after waitpid()
 * returns, with CLOCK_MONOTONIC: a shell or interpreter loop would add its
 * own start-up and scheduling noise to every sample. stdin, stdout and
 * stderr of the commands are /dev/null.
 *
 * The driver is a child subreaper (PR_SET_CHILD_SUBREAPER): a process the
 * command leaves behind (bubblewrap does not wait for its sandbox's init)
 * is reparented to it, and reaped after the timed waitpid, before the next
 * run starts, so runs never overlap and every process's CPU time counts.
 *
 * Prints one line per command, in the order given, for a script to format:
 *
 *   INDEX MEDIAN P10 P90 CPU FAILED STATUS
 *
 * times in microseconds; CPU is the median user + system time of the
 * command's whole process tree (the rusage of wait4(), which covers each
 * descendant waited for, and of the orphans reaped after it); FAILED
 * counts timed runs that did not exit 0; STATUS is the exit status of the
 * last failed run (128+N for a signal), 0 if none failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 16

struct cmd {
        char **argv;
        double *wall_us;
        double *cpu_us;
        int failed;
        int last_status;
};

static double now_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static double tv_us(struct timeval tv)
{
        return (double) tv.tv_sec * 1e6 + (double) tv.tv_usec;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array; the median of an even count is
 * the mean of the two middle values. */
static double percentile(const double *v, int n, int pct)
{
        if (pct == 50)
                return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        int rank = (pct * n + 99) / 100;
        return v[rank < 1 ? 0 : rank - 1];
}

/* One run: wall time in *ret_wall, CPU time of the tree in *ret_cpu;
 * returns the exit status, 128+N for signal N. */
static int run(char **argv, int devnull, double *ret_wall, double *ret_cpu)
{
        struct rusage ru;
        int status;
        double t0 = now_us();
        pid_t pid = fork();

        if (pid == 0) {
                if (dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0)
                        _exit(126);
                execvp(argv[0], argv);
                _exit(127);
        }
        if (pid < 0) {
                perror("spawntime: fork");
                exit(1);
        }
        if (wait4(pid, &status, 0, &ru) < 0) {
                perror("spawntime: wait4");
                exit(1);
        }
        *ret_wall = now_us() - t0;
        *ret_cpu = tv_us(ru.ru_utime) + tv_us(ru.ru_stime);
        /* Orphans of this run, reparented to us: untimed, but their CPU
         * time is the run's. */
        for (;;) {
                int st;
                if (wait4(-1, &st, 0, &ru) < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == ECHILD)
                                break;
                        perror("spawntime: wait4");
                        exit(1);
                }
                *ret_cpu += tv_us(ru.ru_utime) + tv_us(ru.ru_stime);
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
        struct cmd cmds[MAX_CMDS];
        int n = 0, iters, warmup, devnull;

        if (argc < 4) {
                fprintf(stderr, "usage: spawntime ITERATIONS WARMUP CMD [ARG...] [:: CMD [ARG...]]...\n");
                return 2;
        }
        iters = atoi(argv[1]);
        warmup = atoi(argv[2]);
        if (iters < 1 || warmup < 0) {
                fprintf(stderr, "spawntime: ITERATIONS must be at least 1, WARMUP at least 0\n");
                return 2;
        }
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
                perror("spawntime: PR_SET_CHILD_SUBREAPER");
                return 1;
        }
        devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (devnull < 0) {
                perror("spawntime: /dev/null");
                return 1;
        }
        memset(cmds, 0, sizeof(cmds));
        cmds[n++].argv = &argv[3];
        for (int i = 3; i < argc; i++) {
                if (strcmp(argv[i], "::") != 0)
                        continue;
                if (n == MAX_CMDS) {
                        fprintf(stderr, "spawntime: at most %d commands\n", MAX_CMDS);
                        return 2;
                }
                argv[i] = NULL;
                cmds[n++].argv = &argv[i + 1];
        }
        for (int c = 0; c < n; c++) {
                if (!cmds[c].argv[0]) {
                        fprintf(stderr, "spawntime: command %d is empty\n", c);
                        return 2;
                }
                cmds[c].wall_us = calloc((size_t) iters, sizeof(double));
                cmds[c].cpu_us = calloc((size_t) iters, sizeof(double));
                if (!cmds[c].wall_us || !cmds[c].cpu_us) {
                        perror("spawntime");
                        return 1;
                }
        }

        for (int i = -warmup; i < iters; i++)
                for (int c = 0; c < n; c++) {
                        double wall, cpu;
                        int status = run(cmds[c].argv, devnull, &wall, &cpu);

                        if (i < 0)
                                continue;
                        cmds[c].wall_us[i] = wall;
                        cmds[c].cpu_us[i] = cpu;
                        if (status != 0) {
                                cmds[c].failed++;
                                cmds[c].last_status = status;
                        }
                }

        for (int c = 0; c < n; c++) {
                qsort(cmds[c].wall_us, (size_t) iters, sizeof(double), cmp_double);
                qsort(cmds[c].cpu_us, (size_t) iters, sizeof(double), cmp_double);
                printf("%d %.0f %.0f %.0f %.0f %d %d\n", c, percentile(cmds[c].wall_us, iters, 50),
                       percentile(cmds[c].wall_us, iters, 10), percentile(cmds[c].wall_us, iters, 90),
                       percentile(cmds[c].cpu_us, iters, 50), cmds[c].failed, cmds[c].last_status);
        }
        return 0;
}
