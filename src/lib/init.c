/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sandbox's init: pid 1 of its pid namespace, once child_setup() has
 * applied the layers. It starts the command, reaps orphans, passes signals
 * on to the command's process group and reports the command's wait status
 * in the page it shares with the parent. When the command ends, or the
 * parent goes away, or one of init's own calls fails, init exits and the
 * kernel kills whatever is left in the pid namespace: init never loops on
 * an error, so nothing of a sandbox outlives a broken init.
 *
 * Init keeps every layer but the policy's seccomp filter: no capabilities,
 * no_new_privs, the Landlock ruleset, not dumpable. The filter is loaded in
 * the command alone, right before execve(), so that no deny-syscall can
 * break the loop that guarantees the teardown.
 *
 * In the landlock isolation mode there is no pid namespace: init is a child
 * subreaper (every orphan of the command becomes its child) outside the
 * command's Landlock domain, which the command enters itself, so that
 * Landlock's signal scoping keeps it from signalling init. The sandbox's
 * end, whatever its cause (the command's exit, end-of-file from the parent,
 * init's own error), is init_exit(): SIGKILL to every descendant found
 * under /proc until init has no child left (a process with SIGKILL pending
 * cannot fork), then the private directory goes. Init also answers the
 * command's seccomp notifications (notify.c).
 *
 * This runs after clone3() in a copy of a possibly multithreaded caller:
 * system calls and plain copies only, no allocation, no locks, no stdio.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/seccomp.h>

#include "denials.h"
#include "init.h"
#include "seccomp-layer.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
#ifndef PR_SET_CHILD_SUBREAPER
#define PR_SET_CHILD_SUBREAPER 36
#endif

/* Init's own state: static, in init's private copy of the caller's memory. */
static const struct init_plan *self;
static pid_t command_pid = -1;
char init_exec_path[PATH_MAX];
static int listener = -1;               /* the command's seccomp listener; issue 12's children table
                                           keeps one per row */
#define INIT_MAX_DESCENDANTS 8192
static pid_t descendants[INIT_MAX_DESCENDANTS];
static char dents[8192], text[8192];

static void copy_string(char *dst, const char *src, size_t size)
{
        size_t i = 0;
        for (; src && src[i] && i + 1 < size; i++)
                dst[i] = src[i];
        dst[i] = '\0';
}

_Noreturn void init_fail(int sock, enum child_stage stage, int r, const char *what)
{
        struct child_msg m = { .kind = MSG_ERROR, .stage = stage, .err = r < 0 ? -r : r };

        copy_string(m.what, what, sizeof(m.what));
        (void) send(sock, &m, sizeof(m), MSG_NOSIGNAL);        /* the parent may be gone */
        _exit(stage == STAGE_EXEC ? (m.err == ENOENT ? 127 : 126) : 125);
}

static char *put_uint(char *p, unsigned long v)
{
        char tmp[24];
        int n = 0;

        do
                tmp[n++] = (char) ('0' + v % 10);
        while ((v /= 10));
        while (n)
                *p++ = tmp[--n];
        return p;
}

/* Reads the small file PATH into text[]; its length, or -1. */
static ssize_t read_text(const char *path)
{
        ssize_t k;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                return -1;
        k = read(fd, text, sizeof(text) - 1);
        close(fd);
        if (k >= 0)
                text[k] = '\0';
        return k;
}

static bool known(pid_t pid, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (descendants[i] == pid)
                        return true;
        return false;
}

/* Appends to descendants[] (from N) the pids listed in text[]. */
static size_t add_listed(size_t n)
{
        for (const char *c = text; *c && n < INIT_MAX_DESCENDANTS;) {
                unsigned long v = 0;
                if (*c < '0' || *c > '9') {
                        c++;
                        continue;
                }
                while (*c >= '0' && *c <= '9')
                        v = v * 10 + (unsigned long) (*c++ - '0');
                if (!known((pid_t) v, n))
                        descendants[n++] = (pid_t) v;
        }
        return n;
}

/* Appends the children of every thread of PID: /proc/PID/task/TID/children
 * (Linux >= 3.5 with CONFIG_PROC_CHILDREN). -1: not available. */
static ssize_t add_children(pid_t pid, size_t n)
{
        char path[96], *p;
        long k;
        int dir;

        memcpy(path, "/proc/", 6);
        p = put_uint(path + 6, (unsigned long) pid);
        memcpy(p, "/task", 6);
        dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return errno == ENOENT || errno == ESRCH ? (ssize_t) n : -1;   /* gone meanwhile */
        while ((k = syscall(SYS_getdents64, dir, dents, sizeof(dents))) > 0)
                for (long off = 0; off < k;) {
                        const char *name = dents + off + 19;    /* struct linux_dirent64's d_name */
                        unsigned short reclen;
                        memcpy(&reclen, dents + off + 16, sizeof(reclen));
                        off += reclen;
                        if (name[0] < '0' || name[0] > '9')
                                continue;
                        char *q = p + 5;
                        *q++ = '/';
                        for (const char *c = name; *c; c++)
                                *q++ = *c;
                        memcpy(q, "/children", 10);
                        if (read_text(path) < 0) {
                                if (errno != ENOENT && errno != ESRCH) {
                                        close(dir);
                                        return -1;
                                }
                                continue;
                        }
                        n = add_listed(n);
                }
        close(dir);
        return (ssize_t) n;
}

/* Without the children files: every /proc/PID/stat whose parent is init or
 * a descendant found so far, until a pass finds none. */
static size_t scan_stat(size_t n)
{
        bool more = true;

        while (more && n < INIT_MAX_DESCENDANTS) {
                int dir = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                long k;

                more = false;
                if (dir < 0)
                        break;
                while ((k = syscall(SYS_getdents64, dir, dents, sizeof(dents))) > 0)
                        for (long off = 0; off < k;) {
                                const char *name = dents + off + 19, *paren;
                                unsigned short reclen;
                                char path[64], *p;
                                unsigned long pid = 0, ppid = 0;

                                memcpy(&reclen, dents + off + 16, sizeof(reclen));
                                off += reclen;
                                if (name[0] < '0' || name[0] > '9')
                                        continue;
                                for (const char *c = name; *c >= '0' && *c <= '9'; c++)
                                        pid = pid * 10 + (unsigned long) (*c - '0');
                                if (known((pid_t) pid, n))
                                        continue;
                                memcpy(path, "/proc/", 6);
                                p = put_uint(path + 6, pid);
                                memcpy(p, "/stat", 6);
                                if (read_text(path) < 0 || !(paren = strrchr(text, ')')))
                                        continue;
                                /* ") S PPID": the state, then the parent. */
                                for (paren += 4; *paren >= '0' && *paren <= '9'; paren++)
                                        ppid = ppid * 10 + (unsigned long) (*paren - '0');
                                if ((pid_t) ppid == getpid() || known((pid_t) ppid, n)) {
                                        if (n < INIT_MAX_DESCENDANTS)
                                                descendants[n++] = (pid_t) pid;
                                        more = true;
                                }
                        }
                close(dir);
        }
        return n;
}

/* Every descendant of init, into descendants[]: their number. */
static size_t find_descendants(void)
{
        ssize_t n = add_children(getpid(), 0);

        for (size_t i = 0; n >= 0 && i < (size_t) n; i++)
                n = add_children(descendants[i], (size_t) n);
        return n >= 0 ? (size_t) n : scan_stat(0);
}

/* SIG to every process of the sandbox but init. */
static void init_signal_all(int sig)
{
        size_t n;

        if (!self->landlock) {
                (void) kill(-1, sig);   /* a pid namespace: all but init */
                return;
        }
        n = find_descendants();
        for (size_t i = 0; i < n; i++)
                (void) kill(descendants[i], sig);       /* gone meanwhile: nothing to do */
}

/* Ends the sandbox with CODE. In a pid namespace the kernel kills what is
 * left when init exits; in the landlock mode init kills it, and reaps, the
 * command among them (its status then is the parent's to report). */
static _Noreturn void init_exit(int code)
{
        static char rm_buf[16384];

        if (self && self->landlock) {
                if (listener >= 0)
                        listener = (close(listener), -1);       /* a call waiting on it fails now */
                for (;;) {
                        size_t n = find_descendants();
                        int status;
                        pid_t pid;

                        for (size_t i = 0; i < n; i++)
                                (void) kill(descendants[i], SIGKILL);
                        pid = waitpid(-1, &status, __WALL);
                        if (pid < 0 && errno == EINTR)
                                continue;
                        if (pid < 0)
                                break;          /* ECHILD: nothing is left */
                        if (pid == command_pid && !self->shared->valid) {
                                self->shared->wstatus = status;
                                self->shared->valid = 1;
                        }
                }
                if (self->privdir)
                        (void) privdir_remove(self->privdir, rm_buf, sizeof(rm_buf));   /* else the parent tries */
        }
        _exit(code);
}

/* Init's own failure: say which call, then end the sandbox. */
static _Noreturn void init_die(const struct init_plan *plan, const char *call, int err)
{
        plan->shared->init_err = err > 0 ? err : EIO;
        copy_string(plan->shared->init_call, call, sizeof(plan->shared->init_call));
        init_exit(125);
}

/* The listener, to init, over HANDOFF. */
static int send_listener(int handoff, int fd)
{
        char cbuf[CMSG_SPACE(sizeof(int))] = {};
        char byte = 'L';
        struct iovec iov = { &byte, 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof(int));
        return sendmsg(handoff, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static int recv_listener(int handoff)
{
        char cbuf[CMSG_SPACE(sizeof(int))] = {};
        char byte;
        struct iovec iov = { &byte, 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
        struct cmsghdr *cm;
        int fd = -1;

        if (recvmsg(handoff, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) <= 0)
                return -1;      /* the command failed before its filter: nothing came */
        cm = CMSG_FIRSTHDR(&mh);
        if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
                memcpy(&fd, CMSG_DATA(cm), sizeof(int));
        return fd;
}

/* In the forked command: its session and stdio, then the policy's filter,
 * then execve(). */
static _Noreturn void command_exec(const struct init_plan *plan, const struct init_cmd *cmd, int handoff)
{
        const struct kernel_sigaction dfl = { .handler = SIG_DFL };
        sigset_t none;
        int err = ENOENT, r;

        if (setsid() < 0)       /* never ignored: the command must not reach our terminal */
                init_fail(plan->sock, STAGE_SESSION, -errno, NULL);
        if (cmd->pty_slave >= 0) {
                if (ioctl(cmd->pty_slave, TIOCSCTTY, 0) < 0)
                        init_fail(plan->sock, STAGE_PTY, -errno, NULL);
                for (int i = 0; i < 3; i++)
                        if (cmd->pty_slot[i] && dup2(cmd->pty_slave, i) < 0)
                                init_fail(plan->sock, STAGE_PTY, -errno, NULL);
        }
        for (int sig = 1; sig <= 64; sig++)
                if (cmd->reset & (1ULL << (sig - 1)))
                        (void) raw_sigaction(sig, &dfl, NULL);  /* SIGKILL, SIGSTOP: not settable */
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        /* Whatever is left above 2 (the message socket included) closes on
         * exec; the socket's end-of-file tells the parent exec succeeded. */
        (void) close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
        /* The landlock mode: the command's domain, init outside it. */
        if (cmd->landlock_fd >= 0 && (r = landlock_restrict(cmd->landlock_fd)) < 0)
                init_fail(plan->sock, STAGE_LANDLOCK, r, NULL);
        /* Last: the filter may forbid any of the above, and binds this
         * process and its children only, not init. */
        if ((r = seccomp_apply(cmd->seccomp)) < 0)
                init_fail(plan->sock, STAGE_SECCOMP, r, NULL);
        if (cmd->seccomp->listener) {
                int saved = r;
                if ((r = send_listener(handoff, saved)) < 0)
                        init_fail(plan->sock, STAGE_SECCOMP, r, NULL);
                close(saved);
        }

        for (size_t i = 0; i < cmd->n_exec_paths; i++) {
                /* A copy (vfork: init's own buffer) the filter knows. */
                size_t len = strnlen(cmd->exec_paths[i], sizeof(init_exec_path) - 1);
                memcpy(init_exec_path, cmd->exec_paths[i], len);
                init_exec_path[len] = '\0';
                execve(init_exec_path, cmd->argv, cmd->envp);
                /* As execvp(3): keep looking past missing entries, remember
                 * a permission problem, stop at anything else. */
                if (errno == EACCES)
                        err = EACCES;
                else if (errno != ENOENT && errno != ENOTDIR && errno != ESTALE) {
                        err = errno;
                        break;
                }
        }
        init_fail(plan->sock, STAGE_EXEC, -err, cmd->argv[0]);
}

pid_t init_start(const struct init_plan *plan, const struct init_cmd *cmd, int *ret_listener)
{
        int handoff[2] = { -1, -1 };
        pid_t pid;

        /* The kernel gives the listener to the process that loads the
         * filter, the command: it comes back over a socket. */
        if (cmd->seccomp->listener && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, handoff) < 0)
                return -errno;
        /* vfork: init's address space is a copy of the caller's, and
         * copying its page tables again would cost more than the rest of
         * the command's start. The child only makes system calls until it
         * execs or exits, and init waits until it has (log-denials' filter
         * does not notify that execve(2): see init_exec_path). */
        pid = vfork();
        if (pid == 0)
                command_exec(plan, cmd, handoff[1]);
        if (pid < 0)
                pid = -errno;
        if (handoff[0] >= 0) {
                *ret_listener = pid > 0 ? recv_listener(handoff[0]) : -1;
                close(handoff[0]);
                close(handoff[1]);
        }
        return pid;
}

/* Reaps every child that ended; exits once COMMAND has. */
static void init_reap(const struct init_plan *plan, pid_t command)
{
        int status;
        pid_t pid;

        while ((pid = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
                /* log-denials: an orphan the filter killed (the command
                 * itself is the parent's to report, from its status). */
                if (pid != command && WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS && plan->notify &&
                    plan->notify->denials)
                        denials_note_killed(plan->notify->denials, pid, "");
                if (pid == command) {
                        plan->shared->wstatus = status;
                        plan->shared->valid = 1;
                        /* Whatever the command left behind dies now. */
                        init_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
                }
        }
        /* ECHILD too: the command is a child until reaped here. */
        if (pid < 0)
                init_die(plan, "waitpid", errno);
}

_Noreturn void init_loop(const struct init_plan *plan, int sfd, pid_t command)
{
        struct pollfd pfd[3] = {
                { .fd = sfd, .events = POLLIN },
                { .fd = plan->ctl, .events = POLLIN },
                { .fd = -1, .events = POLLIN },
        };
        struct signalfd_siginfo si;

        for (;;) {
                pfd[2].fd = listener;
                /* Every signal is blocked, so EINTR comes only from a stop
                 * and continue: it cannot repeat without end. */
                if (poll(pfd, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        init_die(plan, "poll", errno);
                }
                if (pfd[1].revents) {
                        char c;
                        ssize_t k = read(plan->ctl, &c, 1);
                        if (k == 0 || (k < 0 && errno != EINTR && errno != EAGAIN))
                                init_exit(125); /* the parent is gone, or kills us all: so is the sandbox */
                        if (k == 1 && c == 'T')
                                init_signal_all(SIGTERM);
                }
                /* A failing listener is dropped: the calls it served then
                 * fail (ENOSYS), they are never let through. */
                if (pfd[2].revents & POLLIN) {
                        if (notify_serve(plan->notify, listener) < 0)
                                listener = (close(listener), -1);
                } else if (pfd[2].revents)
                        listener = (close(listener), -1);       /* every task of the filter is gone */
                if (pfd[0].revents & (POLLERR | POLLNVAL))
                        init_die(plan, "poll", EBADF);
                if (pfd[0].revents) {
                        ssize_t k = read(sfd, &si, sizeof(si));
                        if (k < 0 && (errno == EINTR || errno == EAGAIN))
                                continue;
                        if (k != (ssize_t) sizeof(si))
                                init_die(plan, "read", k < 0 ? errno : EIO);
                        if (si.ssi_signo == SIGCHLD)
                                init_reap(plan, command);
                        else if (kill(-command, (int) si.ssi_signo) < 0)
                                (void) kill(command, (int) si.ssi_signo);      /* not a group leader yet */
                }
        }
}

_Noreturn void init_run(const struct init_plan *plan, const struct init_cmd *cmd)
{
        const struct kernel_sigaction dfl = { .handler = SIG_DFL };
        sigset_t mask;
        pid_t command;
        int sfd;

        /* A caller ignoring SIGCHLD (or with SA_NOCLDWAIT) would have the
         * kernel reap the command behind init's back: init must see it. */
        if (raw_sigaction(SIGCHLD, &dfl, NULL) < 0)
                init_fail(plan->sock, STAGE_INIT, -errno, NULL);
        /* Every signal is blocked since before clone3(); those sent to init
         * are read here and passed on to the command. */
        sigfillset(&mask);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC);
        if (sfd < 0)
                init_fail(plan->sock, STAGE_INIT, -errno, NULL);
        /* Not dumpable: the command may not open /proc/1/mem and the like. */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                init_fail(plan->sock, STAGE_INIT, -errno, NULL);
        self = plan;
        /* No pid namespace: orphans must come to init, not to the host's. */
        if (plan->landlock && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
                init_fail(plan->sock, STAGE_INIT, -errno, NULL);

        command = init_start(plan, cmd, &listener);
        if (command < 0)
                init_fail(plan->sock, STAGE_INIT, command, NULL);
        /* Linux >= 6.6: a notification switches to init on the caller's CPU
         * and back, rather than waiting for init to be scheduled: what
         * log-denials' observed path calls cost depends on it on a busy
         * machine. Older kernels: EINVAL, the ordinary wake-up. */
        if (listener >= 0 && cmd->seccomp->observes)
                (void) ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
        command_pid = command;
        {
                /* End-of-file alone could also mean init died: say it got here. */
                struct child_msg m = { .kind = MSG_STARTED };
                (void) send(plan->sock, &m, sizeof(m), MSG_NOSIGNAL);  /* the parent may be gone */
        }
        if (cmd->pty_slave >= 0)
                close(cmd->pty_slave);
        close(plan->sock);
        init_loop(plan, sfd, command);
}
