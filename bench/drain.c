/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/drain: runs CMD with stdin on /dev/null and stdout on a pipe, reads
 * all of its output, and measures how long that took and how much CPU it
 * cost.
 *
 *   drain OUTFILE CMD [ARG...]
 *
 * The wall time runs from just before fork() to just after waitpid()
 * (CLOCK_MONOTONIC); the CPU time is the getrusage(RUSAGE_CHILDREN) delta
 * over the run, which covers CMD and every descendant waited for: the PTY
 * relay, the sandbox's init, cat, script's shell. The driver is a child
 * subreaper and reaps whatever the command leaves behind before the second
 * getrusage(), so nothing escapes the count.
 *
 * While the command runs, the output is only appended to memory, so the
 * driver's own work stays out of the way; afterwards the terminal's "\r\n"
 * is turned back into "\n" and the result written to OUTFILE for the
 * caller to checksum. stderr is left alone, so a failing command can say
 * why.
 *
 * Prints one line:
 *
 *   RAW_BYTES BYTES WALL_S USER_S SYS_S STATUS
 *
 * RAW_BYTES as read from the pipe, BYTES after the \r\n normalization, times
 * in seconds, STATUS the exit status (128+N for signal N).
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

#define CHUNK (1 << 20)

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static double tv_s(struct timeval tv)
{
        return (double) tv.tv_sec + (double) tv.tv_usec / 1e6;
}

/* \r\n -> \n in place; a lone \r stays. Returns the new length. */
static size_t crlf_to_lf(char *buf, size_t len)
{
        size_t o = 0;
        for (size_t i = 0; i < len; i++) {
                if (buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n')
                        continue;
                buf[o++] = buf[i];
        }
        return o;
}

static int write_file(const char *path, const char *buf, size_t len)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return -1;
        while (len > 0) {
                ssize_t k = write(fd, buf, len);
                if (k < 0) {
                        close(fd);
                        return -1;
                }
                buf += k;
                len -= (size_t) k;
        }
        return close(fd);
}

int main(int argc, char **argv)
{
        struct rusage before, after;
        size_t len = 0, cap = 64 * CHUNK, raw;
        char *buf = malloc(cap);
        int pfd[2], status;
        double t0, t1;
        pid_t pid;

        if (argc < 3) {
                fprintf(stderr, "usage: drain OUTFILE CMD [ARG...]\n");
                return 2;
        }
        if (!buf || pipe2(pfd, O_CLOEXEC) < 0) {
                perror("drain");
                return 1;
        }
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
                perror("drain: PR_SET_CHILD_SUBREAPER");
                return 1;
        }
        memset(buf, 0, cap);    /* fault the buffer in now, not while timing */
        getrusage(RUSAGE_CHILDREN, &before);
        t0 = now_s();
        pid = fork();
        if (pid == 0) {
                int null = open("/dev/null", O_RDONLY);
                if (null < 0 || dup2(null, 0) < 0 || dup2(pfd[1], 1) < 0)
                        _exit(126);
                execvp(argv[2], argv + 2);
                _exit(127);
        }
        if (pid < 0) {
                perror("drain: fork");
                return 1;
        }
        close(pfd[1]);
        for (;;) {
                ssize_t k;
                if (cap - len < CHUNK) {
                        char *nbuf = realloc(buf, cap * 2);
                        if (!nbuf) {
                                perror("drain");
                                return 1;
                        }
                        buf = nbuf;
                        cap *= 2;
                }
                k = read(pfd[0], buf + len, CHUNK);
                if (k <= 0)
                        break;
                len += (size_t) k;
        }
        if (waitpid(pid, &status, 0) < 0) {
                perror("drain: waitpid");
                return 1;
        }
        t1 = now_s();
        while (wait(NULL) >= 0 || errno == EINTR)
                ;       /* orphans: ECHILD once all are reaped */
        getrusage(RUSAGE_CHILDREN, &after);

        raw = len;
        len = crlf_to_lf(buf, len);
        if (write_file(argv[1], buf, len) < 0) {
                perror(argv[1]);
                return 1;
        }
        printf("%zu %zu %.4f %.4f %.4f %d\n", raw, len, t1 - t0,
               tv_s(after.ru_utime) - tv_s(before.ru_utime), tv_s(after.ru_stime) - tv_s(before.ru_stime),
               WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        return 0;
}
