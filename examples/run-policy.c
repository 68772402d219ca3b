/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * run-policy: run one command in a sandbox, as a program embedding liboslbox
 * instead of fork/exec does.
 *
 *     run-policy [--policy FILE] [NAME=VALUE...] [--] COMMAND [ARG...]
 *
 * The policy starts as the embedded default; FILE's directives apply, then
 * each NAME=VALUE (timeout=5s, rw=/tmp/out, env=CI=1). The command's stdout
 * and stderr come back through pipes, read in a poll loop that also serves
 * the sandbox's event fd, so the policy's timeout holds even while the
 * command keeps its pipes open. The exit status is the command's; 128+N
 * when signal N killed it; 124 after the timeout; 125 when the sandbox
 * could not be made; 126 or 127 when the command could not be executed.
 *
 * Build: cc run-policy.c $(pkg-config --cflags --libs oslbox)
 * (It is also valid C++, which shows <oslbox.h> works from C++.)
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <oslbox.h>

static int usage(void)
{
        fprintf(stderr, "usage: run-policy [--policy FILE] [NAME=VALUE...] [--] COMMAND [ARG...]\n");
        return 125;
}

/* Builds the policy from the arguments before the command; returns the
 * index of the command in ARGV, or -1 after printing why not. */
static int make_policy(struct oslbox_policy *pol, int argc, char **argv)
{
        int i = 1;

        for (; i < argc; i++) {
                char *eq = strchr(argv[i], '=');

                if (strcmp(argv[i], "--") == 0)
                        return i + 1;
                if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc) {
                        /* The library's message says which file and line. */
                        if (oslbox_policy_load(pol, argv[++i]) < 0) {
                                fprintf(stderr, "run-policy: %s\n", oslbox_policy_error(pol));
                                return -1;
                        }
                        continue;
                }
                if (!eq || eq == argv[i] || argv[i][0] == '-')
                        return i;       /* the command */
                *eq = '\0';
                if (oslbox_policy_set(pol, argv[i], eq + 1) < 0) {
                        fprintf(stderr, "run-policy: %s %s: %s\n", argv[i], eq + 1, oslbox_policy_error(pol));
                        return -1;
                }
        }
        return i;
}

/* Copies what is in FROM to TO; closes FROM and returns -1 at end-of-file. */
static int pump(int from, int to)
{
        char buf[65536];
        ssize_t k = read(from, buf, sizeof(buf));

        if (k < 0)
                return errno == EINTR || errno == EAGAIN ? from : (close(from), -1);
        if (k == 0) {
                close(from);
                return -1;
        }
        for (ssize_t off = 0; off < k;) {
                ssize_t w = write(to, buf + off, (size_t) (k - off));
                if (w < 0 && errno != EINTR)
                        break;  /* our own output is gone: drop the rest */
                off += w > 0 ? w : 0;
        }
        return from;
}

int main(int argc, char **argv)
{
        struct oslbox_policy *pol = NULL;
        struct oslbox_proc *proc = NULL;
        struct oslbox_spawn_attr attr;
        struct oslbox_result res;
        struct pollfd pfd[3];
        int out[2], err[2], cmd, r, status = 125;
        bool ended = false;

        for (int i = 0; i < 3; i++)
                pfd[i].fd = -1;
        signal(SIGPIPE, SIG_IGN);       /* a reader of our output may go away */
        if ((r = oslbox_policy_new(&pol)) < 0 || (r = oslbox_proc_new(&proc)) < 0) {
                fprintf(stderr, "run-policy: %s\n", strerror(-r));
                return 125;
        }
        cmd = make_policy(pol, argc, argv);
        if (cmd < 0 || cmd >= argc) {
                oslbox_policy_free(pol);
                oslbox_proc_free(proc);
                return cmd < 0 ? 125 : usage();
        }

        /* stdout and stderr on pipes; stdin stays the caller's. No O_CLOEXEC
         * is needed for the sandbox's sake: it only ever gets fds 0, 1, 2. */
        if (pipe(out) < 0 || pipe(err) < 0) {
                perror("run-policy: pipe");
                goto done;
        }
        memset(&attr, 0, sizeof(attr));
        attr.size = sizeof(attr);
        attr.stdio[0].kind = OSLBOX_STDIO_INHERIT;
        attr.stdio[1].kind = OSLBOX_STDIO_FD;
        attr.stdio[1].fd = out[1];
        attr.stdio[2].kind = OSLBOX_STDIO_FD;
        attr.stdio[2].fd = err[1];

        r = oslbox_proc_spawn(proc, pol, (const char *const *) (argv + cmd), &attr);
        /* The sandbox has its own copies of the write ends: once ours are
         * closed, end-of-file means every process in it is gone. */
        close(out[1]);
        close(err[1]);
        pfd[0].fd = out[0];
        pfd[1].fd = err[0];
        if (r < 0) {
                /* Not found (127), not executable (126), or no sandbox (125). */
                fprintf(stderr, "run-policy: %s\n", oslbox_proc_error(proc));
                status = !oslbox_proc_exec_failed(proc) ? 125 : r == -ENOENT ? 127 : 126;
                goto done;
        }

        /* One loop for the pipes and the sandbox's event fd, which becomes
         * readable when the command ends or a deadline (the timeout, then
         * kill-after) needs oslbox_proc_wait() to act. */
        pfd[2].fd = oslbox_proc_fd(proc);
        if (pfd[2].fd < 0) {
                fprintf(stderr, "run-policy: %s\n", oslbox_proc_error(proc));
                goto done;
        }
        while (pfd[0].fd >= 0 || pfd[1].fd >= 0 || !ended) {
                for (int i = 0; i < 3; i++)
                        pfd[i].events = POLLIN;
                if (poll(pfd, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        perror("run-policy: poll");
                        goto done;
                }
                if (pfd[0].revents)
                        pfd[0].fd = pump(pfd[0].fd, STDOUT_FILENO);
                if (pfd[1].revents)
                        pfd[1].fd = pump(pfd[1].fd, STDERR_FILENO);
                if (pfd[2].revents) {
                        memset(&res, 0, sizeof(res));
                        res.size = sizeof(res);
                        r = oslbox_proc_wait(proc, 0, &res);     /* 0: never blocks */
                        if (r == 0) {
                                ended = true;
                                pfd[2].fd = -1;                 /* poll() skips it now */
                        } else if (r != -ETIMEDOUT) {
                                fprintf(stderr, "run-policy: %s\n", oslbox_proc_error(proc));
                                goto done;
                        }
                }
        }
        if (res.timed_out) {
                fprintf(stderr, "run-policy: timed out\n");
                status = 124;
        } else if (res.signal) {
                status = 128 + res.signal;
        } else {
                status = res.exit_code;
        }
done:
        oslbox_proc_free(proc);         /* kills and reaps a sandbox still running */
        oslbox_policy_free(pol);
        for (int i = 0; i < 2; i++)
                if (pfd[i].fd >= 0)
                        close(pfd[i].fd);
        return status;
}
