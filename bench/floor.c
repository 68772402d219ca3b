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
 *                             start before the command's own, the least
 *                             `oslbox exec` can cost (a client, then a
 *                             command that an existing process starts);
 *   floor serve SOCKET        listens on SOCKET (SOCK_SEQPACKET) with a
 *                             child "init", in the background once it
 *                             listens, and prints its pid; ends at SIGTERM
 *                             (its init with it);
 *   floor relay SOCKET CMD [ARG...]
 *                             the client of serve: sends CMD and its stdio
 *                             (SCM_RIGHTS) to the server, which hands both
 *                             to its init, which vforks and execs CMD and
 *                             sends back that it started and then its
 *                             status, which the server relays: the process
 *                             shape of `oslbox exec` as issue 12 lays it
 *                             out (client, supervisor, the sandbox's init,
 *                             the command), with no check and no sandbox;
 *   floor direct SOCKET CMD [ARG...]
 *                             the same, but the server vforks and execs CMD
 *                             itself: the shape of a client that hands its
 *                             request to the sandbox's init directly.
 *
 * Built with -static by bench/startup, as oslbox is: its own start costs
 * what oslbox's does before main().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
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

/* One SOCK_SEQPACKET record with up to 3 fds. */
static ssize_t send_rec(int s, const void *p, size_t n, const int *fds, int nfds)
{
        union { struct cmsghdr h; char b[CMSG_SPACE(3 * sizeof(int))]; } c = {};
        struct iovec iov = { (void *) p, n };
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

        if (nfds) {
                m.msg_control = c.b;
                m.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
                c.h.cmsg_level = SOL_SOCKET;
                c.h.cmsg_type = SCM_RIGHTS;
                c.h.cmsg_len = CMSG_LEN(nfds * sizeof(int));
                memcpy(CMSG_DATA(&c.h), fds, nfds * sizeof(int));
        }
        return sendmsg(s, &m, MSG_NOSIGNAL);
}

static ssize_t recv_rec(int s, void *p, size_t n, int *fds, int *nfds)
{
        union { struct cmsghdr h; char b[CMSG_SPACE(3 * sizeof(int))]; } c;
        struct iovec iov = { p, n };
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.b, .msg_controllen = sizeof(c.b) };
        ssize_t k = recvmsg(s, &m, MSG_CMSG_CLOEXEC);
        struct cmsghdr *h = CMSG_FIRSTHDR(&m);

        *nfds = 0;
        if (k >= 0 && h && h->cmsg_type == SCM_RIGHTS) {
                *nfds = (int) ((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
                memcpy(fds, CMSG_DATA(h), *nfds * sizeof(int));
        }
        return k;
}

/* A request: 'R' (relay it to init) or 'D' (the server starts it), then
 * CMD's argv, NUL-separated; its stdio travels with it. Starts CMD on the
 * fds (closed here) and returns its pid, or -1. */
static pid_t start(char *req, size_t k, int fds[3])
{
        char *args[4096];
        size_t n = 0;
        pid_t pid;

        req[k] = 0;
        for (char *a = req + 1; a < req + k && n < 4095; a += strlen(a) + 1)
                args[n++] = a;
        args[n] = NULL;
        pid = n ? vfork() : -1;
        if (pid == 0) {
                dup2(fds[0], 0);
                dup2(fds[1], 1);
                dup2(fds[2], 2);
                execv(args[0], args);
                _exit(127);
        }
        for (int i = 0; i < 3; i++)
                close(fds[i]);
        return pid;
}

/* Sends "started" (the pid) and then the wait status of CMD to S. */
static void start_and_wait(int s, char *req, size_t k, int fds[3])
{
        pid_t pid = start(req, k, fds);
        int status = 125 << 8;

        (void) send_rec(s, &pid, sizeof(pid), NULL, 0);
        if (pid > 0 && waitpid(pid, &status, 0) < 0)
                status = 125 << 8;
        (void) send_rec(s, &status, sizeof(status), NULL, 0);
}

/* serve's init. */
static void init_loop(int s)
{
        static char buf[65536];
        int fds[3], nfds;

        for (;;) {
                ssize_t k = recv_rec(s, buf, sizeof(buf) - 1, fds, &nfds);
                if (k <= 0 || nfds != 3)
                        _exit(0);
                start_and_wait(s, buf, (size_t) k, fds);
        }
}

static int serve(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int l, null, sv[2];
        pid_t pid;

        if (strlen(path) >= sizeof(sa.sun_path))
                return 2;
        strcpy(sa.sun_path, path);
        l = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (l < 0 || bind(l, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(l, 16) < 0 ||
            socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
                perror("floor serve");
                return 125;
        }
        pid = fork();           /* the caller goes on once we listen */
        if (pid != 0) {
                printf("%d\n", (int) pid);
                return pid < 0 ? 125 : 0;
        }
        setsid();
        /* Nothing of the caller's held: its $(...) waits for stdout's end. */
        if ((null = open("/dev/null", O_RDWR)) < 0)
                _exit(125);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        close(null);
        if (fork() == 0) {
                close(sv[0]);
                close(l);
                init_loop(sv[1]);
        }
        close(sv[1]);
        for (;;) {
                static char buf[65536];
                int c = accept4(l, NULL, NULL, SOCK_CLOEXEC), fds[3], nfds, status;
                pid_t started;
                ssize_t k;

                if (c < 0) {
                        if (errno == EINTR || errno == ECONNABORTED)
                                continue;
                        _exit(125);     /* spinning on it would skew the rows beside */
                }
                k = recv_rec(c, buf, sizeof(buf) - 1, fds, &nfds);
                if (k > 0 && nfds == 3 && buf[0] == 'D') {
                        start_and_wait(c, buf, (size_t) k, fds);
                        nfds = 0;
                } else if (k > 0 && nfds == 3 && send_rec(sv[0], buf, (size_t) k, fds, 3) >= 0 &&
                    recv(sv[0], &started, sizeof(started), 0) == (ssize_t) sizeof(started) &&
                    send_rec(c, &started, sizeof(started), NULL, 0) >= 0 &&
                    recv(sv[0], &status, sizeof(status), 0) == (ssize_t) sizeof(status))
                        (void) send_rec(c, &status, sizeof(status), NULL, 0);
                for (int i = 0; i < nfds; i++)
                        close(fds[i]);
                close(c);
        }
}

static int client(const char *path, char how, char **argv)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        static char buf[65536];
        int s, fds[3] = { 0, 1, 2 }, status;
        size_t n = 1;
        pid_t started;

        buf[0] = how;
        for (; *argv; argv++) {
                size_t len = strlen(*argv) + 1;
                if (n + len > sizeof(buf))
                        return 125;
                memcpy(buf + n, *argv, len);
                n += len;
        }
        if (strlen(path) >= sizeof(sa.sun_path))
                return 125;
        strcpy(sa.sun_path, path);
        s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (s < 0 || connect(s, (struct sockaddr *) &sa, sizeof(sa)) < 0 || send_rec(s, buf, n, fds, 3) < 0 ||
            recv(s, &started, sizeof(started), 0) != (ssize_t) sizeof(started) || started <= 0 ||
            recv(s, &status, sizeof(status), 0) != (ssize_t) sizeof(status))
                return 125;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
        int status;
        pid_t init;

        if (argc == 3 && strcmp(argv[1], "serve") == 0)
                return serve(argv[2]);
        if (argc >= 4 && strcmp(argv[1], "relay") == 0)
                return client(argv[2], 'R', argv + 3);
        if (argc >= 4 && strcmp(argv[1], "direct") == 0)
                return client(argv[2], 'D', argv + 3);
        if (argc < 3 || (strcmp(argv[1], "init") != 0 && strcmp(argv[1], "exec") != 0)) {
                fprintf(stderr, "usage: floor init|exec CMD [ARG...] | floor serve SOCKET | floor relay|direct SOCKET CMD [ARG...]\n");
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
