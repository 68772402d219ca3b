/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/drain: runs CMD with stdin on /dev/null and stdout on a pipe, reads
 * all of it, turns the terminal's \r\n back into \n, and writes it to
 * OUTFILE. Prints the bytes read, the wall time from fork to waitpid, and
 * the CPU time (user + system) of CMD and every process it waited for.
 *
 *   drain OUTFILE CMD [ARG...]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(const struct rusage *r)
{
        return r->ru_utime.tv_sec + r->ru_stime.tv_sec + (r->ru_utime.tv_usec + r->ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv)
{
        static char in[1 << 16], out[1 << 16];
        struct rusage before, after;
        long long total = 0;
        int pfd[2], status, pending_cr = 0;
        FILE *f;
        double t0, t1;
        pid_t pid;

        if (argc < 3) {
                fprintf(stderr, "usage: drain OUTFILE CMD [ARG...]\n");
                return 2;
        }
        f = fopen(argv[1], "w");
        if (!f || pipe(pfd) < 0) {
                perror("drain");
                return 1;
        }
        getrusage(RUSAGE_CHILDREN, &before);
        t0 = now_s();
        pid = fork();
        if (pid == 0) {
                int null = open("/dev/null", O_RDONLY);
                dup2(null, 0);
                dup2(pfd[1], 1);
                close(pfd[0]);
                close(pfd[1]);
                execvp(argv[2], argv + 2);
                _exit(127);
        }
        close(pfd[1]);
        for (;;) {
                ssize_t k = read(pfd[0], in, sizeof(in));
                size_t o = 0;
                if (k <= 0)
                        break;
                total += k;
                for (ssize_t i = 0; i < k; i++) {
                        if (pending_cr) {
                                if (in[i] != '\n')
                                        out[o++] = '\r';
                                pending_cr = 0;
                        }
                        if (in[i] == '\r')
                                pending_cr = 1;
                        else
                                out[o++] = in[i];
                }
                fwrite(out, 1, o, f);
        }
        waitpid(pid, &status, 0);
        t1 = now_s();
        getrusage(RUSAGE_CHILDREN, &after);
        if (pending_cr)
                fputc('\r', f);
        fclose(f);
        printf("%lld %.4f %.4f %d\n", total, t1 - t0, cpu_s(&after) - cpu_s(&before),
               WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        return 0;
}
