/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/spawnin: a command started in a running sandbox with
 * oslbox_proc_spawn_in(), against a new sandbox for it with
 * oslbox_proc_spawn(), through the library, interleaved.
 *
 *   spawnin [ITERATIONS [WARMUP]]        (default 300 and 30)
 *
 * Runs /bin/true three ways in turn (A B C A B C ...), WARMUP rounds
 * untimed, then ITERATIONS timed, so that drift in the machine's load hits
 * them alike:
 *   bare      posix_spawn() and waitpid(), for scale;
 *   spawn     oslbox_proc_spawn() with the default policy, then wait and free;
 *   spawn_in  oslbox_proc_spawn_in() into one keep-alive sandbox started with
 *             no command before the timing, then wait and free.
 * Each run is timed from before the spawn to after the free with
 * CLOCK_MONOTONIC; stdio is /dev/null. It works in a new directory under
 * $BENCH_TMPDIR (default /var/tmp), since the sandbox's working directory
 * may be neither / nor /tmp nor the home directory.
 *
 * Prints one line per way (median, p10, p90 in microseconds, failed runs)
 * and the ratio spawn_in / spawn of the medians, with the goal next to it:
 * the issue's `oslbox exec` at most 0.5x `oslbox run`, which for the
 * library is spawn_in at most 0.5x spawn. Exit status: 0 when everything
 * was measured (goal met or not), 1 when a run failed, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <oslbox.h>

extern char **environ;

enum { BARE, SPAWN, SPAWN_IN, N_WAYS };
static const char *const names[N_WAYS] = { "bare", "spawn", "spawn_in" };
static const char *const true_argv[] = { "/bin/true", NULL };

static double now_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

static double percentile(const double *v, int n, int pct)
{
        if (pct == 50)
                return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        int rank = (pct * n + 99) / 100;
        return v[rank < 1 ? 0 : rank - 1];
}

static int run_bare(int devnull)
{
        posix_spawn_file_actions_t fa;
        int status;
        pid_t pid;

        posix_spawn_file_actions_init(&fa);
        for (int i = 0; i < 3; i++)
                posix_spawn_file_actions_adddup2(&fa, devnull, i);
        if (posix_spawn(&pid, true_argv[0], &fa, NULL, (char *const *) true_argv, environ) != 0)
                return -1;
        posix_spawn_file_actions_destroy(&fa);
        if (waitpid(pid, &status, 0) < 0)
                return -1;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* A spawn or a spawn_in of /bin/true, to its end; prints why on failure. */
static int run_oslbox(const struct oslbox_policy *pol, struct oslbox_proc *sandbox,
                      const struct oslbox_spawn_attr *attr)
{
        struct oslbox_result res = { .size = sizeof(res) };
        struct oslbox_proc *proc = NULL;
        int r;

        if ((r = oslbox_proc_new(&proc)) < 0)
                return r;
        r = sandbox ? oslbox_proc_spawn_in(proc, sandbox, true_argv, attr)
                    : oslbox_proc_spawn(proc, pol, true_argv, attr);
        if (r == 0)
                r = oslbox_proc_wait(proc, -1, &res);
        if (r == 0 && (res.exit_code != 0 || res.signal != 0))
                r = -EIO;
        if (r < 0)
                fprintf(stderr, "spawnin: %s: %s\n", sandbox ? "spawn_in" : "spawn",
                        oslbox_proc_error(proc)[0] ? oslbox_proc_error(proc) : strerror(-r));
        oslbox_proc_free(proc);
        return r;
}

int main(int argc, char **argv)
{
        int iters = argc > 1 ? atoi(argv[1]) : 300, warmup = argc > 2 ? atoi(argv[2]) : 30;
        const char *tmp = getenv("BENCH_TMPDIR");
        struct oslbox_spawn_attr attr = { .size = sizeof(attr) };
        struct oslbox_policy *pol = NULL, *keep = NULL;
        struct oslbox_proc *sandbox = NULL;
        struct oslbox_result res = { .size = sizeof(res) };
        double *wall[N_WAYS], median[N_WAYS], ratio;
        int failed[N_WAYS] = { 0 }, devnull, r;
        char dir[4096];

        if (argc > 3 || iters < 1 || warmup < 0) {
                fprintf(stderr, "usage: spawnin [ITERATIONS [WARMUP]]\n");
                return 2;
        }
        snprintf(dir, sizeof(dir), "%s/oslbox-spawnin.XXXXXX", tmp && *tmp ? tmp : "/var/tmp");
        if (!mkdtemp(dir) || chdir(dir) < 0) {
                fprintf(stderr, "spawnin: %s: %s\n", dir, strerror(errno));
                return 1;
        }
        devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        for (int i = 0; i < 3; i++)
                attr.stdio[i] = (struct oslbox_stdio) { .kind = OSLBOX_STDIO_FD, .fd = devnull };
        if (devnull < 0 || oslbox_policy_new(&pol) < 0 || oslbox_policy_new(&keep) < 0 ||
            oslbox_policy_set(keep, "keep-alive", NULL) < 0 || oslbox_proc_new(&sandbox) < 0) {
                fprintf(stderr, "spawnin: setting up: %s\n", strerror(errno));
                return 1;
        }
        if ((r = oslbox_proc_spawn(sandbox, keep, NULL, &attr)) < 0) {
                fprintf(stderr, "spawnin: the keep-alive sandbox: %s\n", oslbox_proc_error(sandbox));
                return 1;
        }
        for (int w = 0; w < N_WAYS; w++)
                if (!(wall[w] = calloc((size_t) iters, sizeof(double)))) {
                        perror("spawnin");
                        return 1;
                }

        for (int i = -warmup; i < iters; i++)
                for (int w = 0; w < N_WAYS; w++) {
                        double t0 = now_us();
                        r = w == BARE ? run_bare(devnull) : run_oslbox(pol, w == SPAWN_IN ? sandbox : NULL, &attr);
                        if (i < 0)
                                continue;
                        wall[w][i] = now_us() - t0;
                        failed[w] += r < 0;
                }

        oslbox_proc_kill(sandbox, OSLBOX_KILL_NOW);
        oslbox_proc_wait(sandbox, -1, &res);
        oslbox_proc_free(sandbox);
        if (chdir("/") == 0)
                (void) rmdir(dir);      /* nothing is left in it; if it is not empty, say nothing */

        printf("%d runs each, interleaved, after %d untimed; microseconds\n", iters, warmup);
        printf("%-10s %9s %9s %9s %7s\n", "", "median", "p10", "p90", "failed");
        for (int w = 0; w < N_WAYS; w++) {
                qsort(wall[w], (size_t) iters, sizeof(double), cmp_double);
                median[w] = percentile(wall[w], iters, 50);
                printf("%-10s %9.0f %9.0f %9.0f %7d\n", names[w], median[w], percentile(wall[w], iters, 10),
                       percentile(wall[w], iters, 90), failed[w]);
        }
        ratio = median[SPAWN_IN] / median[SPAWN];
        printf("spawn_in / spawn: %.2fx (goal: at most 0.50x): %s\n", ratio, ratio <= 0.5 ? "met" : "MISSED");
        printf("spawn_in / bare:  %.2fx\n", median[SPAWN_IN] / median[BARE]);
        return failed[BARE] || failed[SPAWN] || failed[SPAWN_IN] ? 1 : 0;
}
