/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the API tests, which see liboslbox as an embedding program does:
 * <oslbox.h> and the shared library, nothing internal. Each helper fails the
 * test with a TAP diagnostic rather than returning half-done work.
 * Include it first: it asks for the GNU extensions.
 */
#pragma once

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1     /* pipe2(), as most embedding programs have it */
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <oslbox.h>

#include "../tap.h"     /* only include/ is on the include path */

#define API_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

static inline _Noreturn void api_bail(const char *what, int r)
{
        printf("Bail out! %s: %s\n", what, strerror(r < 0 ? -r : r));
        exit(1);
}

/* A process running ARGV under POL, or a bail-out. */
static inline struct oslbox_proc *api_spawn(const struct oslbox_policy *pol, const char *const argv[],
                                            const struct oslbox_spawn_attr *attr)
{
        struct oslbox_proc *proc = NULL;
        int r;

        if ((r = oslbox_proc_new(&proc)) < 0)
                api_bail("oslbox_proc_new", r);
        if ((r = oslbox_proc_spawn(proc, pol, argv, attr)) < 0) {
                printf("Bail out! spawning %s: %s\n", argv[0], oslbox_proc_error(proc));
                exit(1);
        }
        return proc;
}

static inline uint64_t api_now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* The default policy plus DIRECTIVES, pairs of name and value ending in a
 * NULL name. */
static inline struct oslbox_policy *api_policy(const char *const *directives)
{
        struct oslbox_policy *pol = NULL;
        int r = oslbox_policy_new(&pol);

        if (r < 0)
                api_bail("oslbox_policy_new", r);
        for (size_t i = 0; directives && directives[i]; i += 2)
                if ((r = oslbox_policy_set(pol, directives[i], directives[i + 1])) < 0) {
                        printf("Bail out! %s %s: %s\n", directives[i], directives[i + 1] ? directives[i + 1] : "",
                               oslbox_policy_error(pol));
                        exit(1);
                }
        return pol;
}

/* Reads FD until end-of-file or until DEADLINE_MS (api_now_ms() time) into a
 * NUL-terminated buffer, which the caller frees. Output is what a sandboxed
 * command writes: a pipe whose last writer dies with the sandbox. */
static inline char *api_read_all(int fd, uint64_t deadline_ms)
{
        size_t len = 0, cap = 4096;
        char *buf = malloc(cap);

        if (!buf)
                api_bail("malloc", -ENOMEM);
        for (;;) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                uint64_t now = api_now_ms();
                ssize_t k;

                if (now >= deadline_ms) {
                        tap_diag("reading fd %d: no end-of-file in time", fd);
                        break;
                }
                if (poll(&pfd, 1, (int) (deadline_ms - now)) <= 0)
                        continue;
                if (len + 1 >= cap && !(buf = realloc(buf, cap *= 2)))
                        api_bail("realloc", -ENOMEM);
                k = read(fd, buf + len, cap - len - 1);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)     /* 0: end-of-file; EIO: a PTY whose slaves are all closed */
                        break;
                len += (size_t) k;
        }
        buf[len] = '\0';
        return buf;
}

/* Runs ARGV under POL with stdout on a pipe; returns what
 * oslbox_proc_spawn() returned and, when it succeeded, the output in
 * *RET_OUT and the result (else NULL and a zeroed result). The message of a
 * failure is tap_diag()'ed. */
static inline int api_run(const struct oslbox_policy *pol, const char *const argv[], char **ret_out,
                          struct oslbox_result *res)
{
        struct oslbox_spawn_attr attr;
        struct oslbox_proc *proc = NULL;
        int out[2], r;

        *ret_out = NULL;
        memset(res, 0, sizeof(*res));
        res->size = sizeof(*res);
        if (pipe2(out, O_CLOEXEC) < 0)
                api_bail("pipe2", -errno);
        memset(&attr, 0, sizeof(attr));
        attr.size = sizeof(attr);
        attr.stdio[1].kind = OSLBOX_STDIO_FD;
        attr.stdio[1].fd = out[1];
        if ((r = oslbox_proc_new(&proc)) < 0)
                api_bail("oslbox_proc_new", r);
        r = oslbox_proc_spawn(proc, pol, argv, &attr);
        close(out[1]);          /* the sandbox has its own copy */
        if (r < 0) {
                tap_diag("spawning %s: %s", argv[0], oslbox_proc_error(proc));
        } else {
                *ret_out = api_read_all(out[0], api_now_ms() + 10000);
                if (oslbox_proc_wait(proc, -1, res) < 0) {
                        tap_diag("waiting for %s: %s", argv[0], oslbox_proc_error(proc));
                        r = -EIO;
                }
        }
        close(out[0]);
        oslbox_proc_free(proc);
        return r;
}

/* How many fds this process has open (the directory listing's own fd
 * counts every time, so two counts compare). */
static inline int api_count_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;
        int n = 0;

        if (!d)
                api_bail("opendir /proc/self/fd", -errno);
        while ((e = readdir(d)))
                if (e->d_name[0] != '.')
                        n++;
        closedir(d);
        return n;
}
