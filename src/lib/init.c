/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sandbox's init: pid 1 of its pid namespace, once child_setup() has
 * applied the layers. It starts the command, reaps orphans, passes signals
 * on to the command's process group and reports the command's wait status
 * in the page it shares with the parent. When the command ends (unless
 * keep-alive), or the parent goes away, or one of init's own calls fails,
 * init exits and the kernel kills whatever is left in the pid namespace:
 * init never loops on an error, so nothing of a sandbox outlives a broken
 * init.
 *
 * More commands join the sandbox on request (oslbox_proc_spawn_in(), the
 * control socket's INIT_REQ_EXEC): init forks them as it forked the first,
 * so each one is in every layer init is in, and under the policy's filter.
 * Each has a row in the children table and a channel of its own to its
 * process object, on which init reports its end. A full table, a request
 * init cannot parse, a descriptor it cannot get: the request is refused on
 * its channel, and init goes on.
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

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <string.h>
#include <linux/seccomp.h>

#include "denials.h"
#include "init.h"
#include "seccomp-layer.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
#ifndef PR_SET_CHILD_SUBREAPER
#define PR_SET_CHILD_SUBREAPER 36
#endif

/* Init's state. Static, never allocated: init runs in a copy of the
 * caller's memory, where these pages cost nothing until touched. */
static struct init_child children[INIT_MAX_CHILDREN];  /* row 0: the first command */
static bool terminating;        /* INIT_REQ_TERM came: with keep-alive, end once no process is left */
static union {
        struct init_req req;
        char bytes[sizeof(struct init_req) + INIT_REQ_MAX];
} req_buf;
static char *req_strings[INIT_EXEC_MAX_STRINGS + 3];    /* argv, envp, paths, NULL-terminated */
static struct pollfd pfds[2 + 2 * INIT_MAX_CHILDREN];
static size_t pfd_row[2 + 2 * INIT_MAX_CHILDREN];       /* pfds[j] is children[pfd_row[j]]'s, j >= 2 */
static bool pfd_listener[2 + 2 * INIT_MAX_CHILDREN];    /* ... its listener, else its channel */
static const struct init_plan *self;
char init_exec_path[PATH_MAX];
#define INIT_MAX_DESCENDANTS 8192
static pid_t descendants[INIT_MAX_DESCENDANTS];         /* the landlock mode's teardown */
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

char *init_put_uint(char *p, unsigned long v)
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
        p = init_put_uint(path + 6, (unsigned long) pid);
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
                                p = init_put_uint(path + 6, pid);
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

static _Noreturn void init_exit(int code);

/* Init's own failure: say which call, then end the sandbox. */
static _Noreturn void init_die(const struct init_plan *plan, const char *call, int err)
{
        plan->shared->init_err = err > 0 ? err : EIO;
        copy_string(plan->shared->init_call, call, sizeof(plan->shared->init_call));
        init_exit(125);
}

struct msghdr init_listener_msg;

/* The listener, to init, over HANDOFF: the message header is init's own
 * (vfork), whose address the observer's filter lets through unnotified. */
static int send_listener(int handoff, int fd)
{
        char cbuf[CMSG_SPACE(sizeof(int))] = {};
        char byte = 'L';
        struct iovec iov = { &byte, 1 };
        struct cmsghdr *cm;

        init_listener_msg = (struct msghdr) { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                                              .msg_controllen = sizeof(cbuf) };
        cm = CMSG_FIRSTHDR(&init_listener_msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof(int));
        return sendmsg(handoff, &init_listener_msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
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
static _Noreturn void command_exec(const struct init_cmd *cmd, int handoff)
{
        const struct kernel_sigaction dfl = { .handler = SIG_DFL };
        int sock = cmd->msg_sock;
        sigset_t none;
        int err = ENOENT, r;

        if (cmd->say_pid) {
                /* The parent reads our pid, as its pid namespace numbers
                 * it, from the credentials the kernel attaches. */
                struct child_msg m = { .kind = MSG_PID };
                (void) send(sock, &m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT);  /* lost: it reads a pidfd */
        }
        if (setsid() < 0)       /* never ignored: the command must not reach our terminal */
                init_fail(sock, STAGE_SESSION, -errno, NULL);
        /* Sources are all >= 3 (init's 0-2 are always open): no dup2()
         * clobbers a source another slot still needs. */
        for (int i = 0; i < 3; i++)
                if (cmd->stdio[i] >= 0 && dup2(cmd->stdio[i], i) < 0)
                        init_fail(sock, STAGE_STDIO, -errno, NULL);
        if (cmd->pty_slave >= 0) {
                if (ioctl(cmd->pty_slave, TIOCSCTTY, 0) < 0)
                        init_fail(sock, STAGE_PTY, -errno, NULL);
                for (int i = 0; i < 3; i++)
                        if (cmd->pty_slot[i] && dup2(cmd->pty_slave, i) < 0)
                                init_fail(sock, STAGE_PTY, -errno, NULL);
        }
        if (cmd->cwd && chdir(cmd->cwd) < 0)
                init_fail(sock, STAGE_CWD, -errno, cmd->cwd);
        for (int sig = 1; sig <= 64; sig++)
                if (cmd->reset & (1ULL << (sig - 1)))
                        (void) raw_sigaction(sig, &dfl, NULL);  /* SIGKILL, SIGSTOP: not settable */
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        /* Whatever is left above 2 (the message socket included) closes on
         * exec; the socket's end-of-file tells the parent exec succeeded. */
        (void) close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
        if (cmd->rlimits && (r = rlimit_apply(cmd->rlimits)) < 0)       /* can only lower */
                init_fail(sock, STAGE_RLIMIT, r, NULL);
        /* The landlock mode: the command's domain, init outside it. */
        if (cmd->landlock_fd >= 0 && (r = landlock_restrict(cmd->landlock_fd)) < 0)
                init_fail(sock, STAGE_LANDLOCK, r, NULL);
        /* Last: the filter may forbid any of the above, and binds this
         * process and its children only, not init. */
        if ((r = seccomp_apply(cmd->seccomp)) < 0)
                init_fail(sock, STAGE_SECCOMP, r, NULL);
        if (cmd->seccomp->listener) {
                int saved = r;
                if ((r = send_listener(handoff, saved)) < 0)
                        init_fail(sock, STAGE_SECCOMP, r, NULL);
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
        init_fail(sock, STAGE_EXEC, -err, cmd->argv[0]);
}

/* Linux >= 6.6: a notification switches to init on the caller's CPU and
 * back, rather than waiting for init to be scheduled: what log-denials'
 * observed path calls cost depends on it on a busy machine. Older kernels:
 * EINVAL, the ordinary wake-up. */
static void sync_wake_up(const struct init_cmd *cmd, int listener)
{
        if (listener >= 0 && cmd->seccomp->observes)
                (void) ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
}

pid_t init_start(const struct init_plan *plan, const struct init_cmd *cmd, int *ret_listener)
{
        int handoff[2] = { -1, -1 };
        pid_t pid;

        (void) plan;
        *ret_listener = -1;
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
                command_exec(cmd, handoff[1]);
        if (pid < 0)
                pid = -errno;
        if (handoff[0] >= 0) {
                *ret_listener = pid > 0 ? recv_listener(handoff[0]) : -1;
                close(handoff[0]);
                close(handoff[1]);
        }
        return pid;
}

int init_pty_open(const struct winsize *ws, int *ret_master, int *ret_slave)
{
        int master, slave, unlock = 0, saved;

        /* The sandbox's own devpts instance, so the slave has a name inside. */
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return -errno;
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
                goto fail;
        slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                goto fail;
        if (ioctl(slave, TIOCSWINSZ, ws) < 0) {
                saved = errno;
                close(slave);
                errno = saved;
                goto fail;
        }
        *ret_master = master;
        *ret_slave = slave;
        return 0;
fail:
        saved = errno;
        close(master);
        return -saved;
}

/* --- teardown: what INIT_REQ_TERM and the end do --------------------------- */

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
                for (size_t i = 0; i < INIT_MAX_CHILDREN; i++)
                        if (children[i].listener >= 0)          /* a call waiting on it fails now */
                                children[i].listener = (close(children[i].listener), -1);
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
                        if (pid == children[0].pid && !self->shared->valid) {
                                self->shared->wstatus = status;
                                self->shared->valid = 1;
                        }
                }
                if (self->privdir)
                        (void) privdir_remove(self->privdir, rm_buf, sizeof(rm_buf));   /* else the parent tries */
        }
        _exit(code);
}


static int exit_code(int status)
{
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* --- the children table ------------------------------------------------------ */

static struct init_child *child_find(pid_t pid)
{
        for (size_t i = 0; i < INIT_MAX_CHILDREN; i++)
                if (children[i].pid == pid)
                        return &children[i];
        return NULL;
}

static void child_clear(struct init_child *c)
{
        if (c->chan >= 0)
                close(c->chan);
        if (c->listener >= 0)
                close(c->listener);
        *c = (struct init_child) { .pid = 0, .chan = -1, .listener = -1 };
}

/* A failure of a request, on its channel; init goes on. */
static void reply_error(int chan, enum child_stage stage, int err, const char *what)
{
        struct child_msg m = { .kind = MSG_ERROR, .stage = stage, .err = err };

        copy_string(m.what, what, sizeof(m.what));
        (void) send(chan, &m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT); /* the parent may be gone */
}

static void close_fds(const int *fds, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
}

/* Checks the NUL-terminated strings of an exec request and points
 * req_strings at them: argv, NULL, envp, NULL, paths, NULL. */
static int parse_exec(const struct init_exec *x, const char *strings, size_t len, const char **ret_cwd)
{
        size_t want = 1 + (size_t) x->argc + x->envc + x->n_paths, k = 0, n = 0;
        const char *s = strings, *end = strings + len;

        if (x->argc < 1 || x->n_paths < 1 || x->reserved ||
            x->argc > INIT_EXEC_MAX_STRINGS || x->envc > INIT_EXEC_MAX_STRINGS ||
            x->n_paths > INIT_EXEC_MAX_STRINGS || want > INIT_EXEC_MAX_STRINGS)
                return -E2BIG;
        for (; n < want; n++) {
                const char *start = s;
                while (s < end && *s)
                        s++;
                if (s == end)
                        return -EPROTO;         /* cut short */
                if (n == 0)
                        *ret_cwd = start;
                else {
                        req_strings[k++] = (char *) start;
                        if (n == x->argc || n == (size_t) x->argc + x->envc)
                                req_strings[k++] = NULL;
                }
                s++;
        }
        req_strings[k] = NULL;
        return s == end ? 0 : -EPROTO;
}

/* INIT_REQ_EXEC: FDS are the channel and the three stdio fds. */
static void exec_request(const struct init_plan *plan, const struct init_cmd *first, const char *payload,
                         size_t size, int fds[4])
{
        struct init_exec x;
        struct init_cmd cmd = *first;   /* the filter and the signal resets */
        struct init_child *row = NULL;
        const char *cwd = NULL;
        int chan = fds[0], master = -1, slave = -1, pidfd, lst = -1, r;
        pid_t pid;

        fds[0] = -1;
        if (size < sizeof(x)) {
                reply_error(chan, STAGE_INIT, EPROTO, NULL);
                goto out;
        }
        for (size_t i = 0; i < sizeof(x); i++)          /* no memcpy: plain copies */
                ((char *) &x)[i] = payload[i];
        if (terminating) {
                reply_error(chan, STAGE_INIT, ESRCH, NULL);
                goto out;
        }
        for (size_t i = 1; i < INIT_MAX_CHILDREN && !row; i++)
                if (children[i].pid == 0)
                        row = &children[i];
        if (!row) {
                reply_error(chan, STAGE_INIT, EAGAIN, "children");
                goto out;
        }
        if ((r = parse_exec(&x, payload + sizeof(x), size - sizeof(x), &cwd)) < 0) {
                reply_error(chan, STAGE_INIT, -r, NULL);
                goto out;
        }
        cmd.argv = &req_strings[0];
        cmd.envp = &req_strings[x.argc + 1];
        cmd.exec_paths = &req_strings[x.argc + 1 + x.envc + 1];
        cmd.n_exec_paths = x.n_paths;
        cmd.cwd = cwd;
        cmd.msg_sock = chan;
        cmd.say_pid = true;
        cmd.pty_slave = -1;
        for (int i = 0; i < 3; i++) {
                cmd.pty_slot[i] = x.pty_slots & (1U << i);
                cmd.stdio[i] = fds[1 + i];
        }
        if (x.pty_slots & 7) {
                struct winsize ws = { .ws_row = x.pty_rows, .ws_col = x.pty_cols };
                if ((r = init_pty_open(&ws, &master, &slave)) < 0) {
                        reply_error(chan, STAGE_PTY, -r, NULL);
                        goto out;
                }
                cmd.pty_slave = slave;
        }
        pid = init_start(plan, &cmd, &lst);
        if (pid < 0) {
                reply_error(chan, STAGE_INIT, -pid, "vfork");
                goto out;
        }
        /* From here the row owns the channel: the command's end is told on
         * it, even when what follows fails. */
        *row = (struct init_child) { .pid = pid, .chan = chan, .listener = lst };
        sync_wake_up(&cmd, lst);
        chan = -1;
        /* Taken before any reap: the pid is ours, a zombie at worst. */
        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0) {
                reply_error(row->chan, STAGE_INIT, errno, "pidfd_open");
                row->killing = true;
                (void) kill(-pid, SIGKILL);
        } else {
                char cbuf[CMSG_SPACE(2 * sizeof(int))];
                struct child_msg m = { .kind = MSG_STARTED };
                struct iovec iov = { &m, sizeof(m) };
                struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                                     .msg_controllen = CMSG_SPACE((master >= 0 ? 2 : 1) * sizeof(int)) };
                struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
                int out[2] = { pidfd, master };

                cm->cmsg_level = SOL_SOCKET;
                cm->cmsg_type = SCM_RIGHTS;
                cm->cmsg_len = CMSG_LEN((master >= 0 ? 2 : 1) * sizeof(int));
                for (size_t i = 0; i < sizeof(out); i++)
                        ((char *) CMSG_DATA(cm))[i] = ((char *) out)[i];
                (void) sendmsg(row->chan, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);   /* the parent may be gone */
                close(pidfd);
        }
out:
        if (chan >= 0)
                close(chan);
        if (master >= 0)
                close(master);
        if (slave >= 0)
                close(slave);
        close_fds(fds, 4);
}

/* One request on the control socket. */
static void ctl_request(const struct init_plan *plan, const struct init_cmd *first)
{
        char cbuf[CMSG_SPACE(4 * sizeof(int))];
        struct iovec iov = { req_buf.bytes, sizeof(req_buf.bytes) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                             .msg_controllen = sizeof(cbuf) };
        int fds[4] = { -1, -1, -1, -1 };
        size_t n_fds = 0;
        ssize_t k;

        k = recvmsg(plan->ctl, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        if (k == 0 || (k < 0 && errno != EINTR && errno != EAGAIN))
                init_exit(125);         /* the parent is gone: so is the sandbox */
        if (k < 0)
                return;
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
                if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
                        continue;
                for (size_t i = 0; CMSG_LEN((i + 1) * sizeof(int)) <= cm->cmsg_len; i++) {
                        int fd;
                        for (size_t b = 0; b < sizeof(int); b++)
                                ((char *) &fd)[b] = ((char *) CMSG_DATA(cm))[i * sizeof(int) + b];
                        if (n_fds < 4)
                                fds[n_fds++] = fd;
                        else
                                close(fd);
                }
        }
        if ((size_t) k < sizeof(struct init_req) || req_buf.req.size != (size_t) k - sizeof(struct init_req) ||
            (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
                /* Cut short or garbled: whoever waits on the channel is told. */
                if (fds[0] >= 0)
                        reply_error(fds[0], STAGE_INIT, (mh.msg_flags & MSG_TRUNC) ? E2BIG : EPROTO, NULL);
                close_fds(fds, n_fds);
                return;
        }
        switch (req_buf.req.kind) {
        case INIT_REQ_TERM:
                close_fds(fds, n_fds);
                terminating = true;
                init_signal_all(SIGTERM);
                break;
        case INIT_REQ_EXEC:
                if (n_fds != 4) {
                        if (fds[0] >= 0)
                                reply_error(fds[0], STAGE_INIT, EPROTO, NULL);
                        close_fds(fds, n_fds);
                        break;
                }
                exec_request(plan, first, req_buf.bytes + sizeof(struct init_req), req_buf.req.size, fds);
                break;
        default:
                close_fds(fds, n_fds);
        }
}

/* One request on row C's channel, or its end-of-file. */
static void chan_request(struct init_child *c)
{
        struct init_req_signal m = { { 0, 0 }, 0 };
        ssize_t k = recv(c->chan, &m, sizeof(m), MSG_DONTWAIT);
        int sig = 0;

        if (k < 0 && (errno == EINTR || errno == EAGAIN))
                return;
        if (k <= 0) {
                /* Its object was freed (or the caller's process ended): as
                 * oslbox_proc_free() kills a sandbox, its command goes. */
                close(c->chan);
                c->chan = -1;
                c->killing = true;
                (void) kill(-c->pid, SIGKILL);
                return;
        }
        if (m.req.kind == INIT_REQ_SIGNAL && k == (ssize_t) sizeof(m) && m.req.size == sizeof(int32_t))
                sig = m.sig;
        else if (m.req.kind == INIT_REQ_TERM)
                sig = SIGTERM, c->killing = true;
        else if (m.req.kind == INIT_REQ_KILL)
                sig = SIGKILL, c->killing = true;
        if (sig > 0 && sig < 65 && kill(-c->pid, sig) < 0)
                (void) kill(c->pid, sig);       /* the leader is its group: cannot happen, be sure */
}

/* Reaps every child that ended. The first command's status goes to the
 * shared page, and its end ends the sandbox unless keep-alive; another
 * command's goes to its channel. With keep-alive, a teardown ends the
 * sandbox once no process is left. */
static void init_reap(const struct init_plan *plan)
{
        for (;;) {
                siginfo_t si = { .si_pid = 0 };
                struct init_child *c;
                struct rusage ru;
                int status;

                /* Look first, reap after: a command being killed has the
                 * rest of its group killed while its zombie still holds the
                 * group's id, which no new process can then have. */
                if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != ECHILD)
                                init_die(plan, "waitid", errno);
                        break;          /* no child left: with keep-alive, not an error */
                }
                if (si.si_pid == 0)
                        return;
                c = child_find(si.si_pid);
                if (c && c->killing)
                        (void) kill(-c->pid, SIGKILL);
                while (wait4(si.si_pid, &status, __WALL, &ru) < 0)
                        if (errno != EINTR)
                                init_die(plan, "wait4", errno);
                /* log-denials: a process the filter killed (the first
                 * command is the parent's to report, from its status). */
                if (c != &children[0] && WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS && plan->notify &&
                    plan->notify->denials)
                        denials_note_killed(plan->notify->denials, si.si_pid, "");
                if (!c)
                        continue;       /* an orphan */
                if (c == &children[0]) {
                        plan->shared->wstatus = status;
                        plan->shared->valid = 1;
                        /* Exiting ends the pid namespace: the kernel kills
                         * whatever the command left behind. */
                        if (!plan->keep_alive)
                                init_exit(exit_code(status));
                } else if (c->chan >= 0) {
                        struct init_evt e = {
                                .kind = MSG_EXIT, .wstatus = status,
                                .cpu_us = (uint64_t) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000ULL +
                                          (uint64_t) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec),
                                .max_rss_kb = (uint64_t) ru.ru_maxrss,
                        };
                        (void) send(c->chan, &e, sizeof(e), MSG_NOSIGNAL | MSG_DONTWAIT); /* may be gone */
                }
                child_clear(c);
        }
        /* Only with keep-alive can init be without children (the first
         * command is one until reaped, and its end ended the sandbox). */
        if (terminating) {
                if (!plan->shared->valid) {
                        /* No first command to report: SIGTERM ended it. */
                        plan->shared->wstatus = SIGTERM;
                        plan->shared->valid = 1;
                }
                init_exit(exit_code(plan->shared->wstatus));
        }
}

_Noreturn void init_loop(const struct init_plan *plan, const struct init_cmd *cmd, int sfd)
{
        struct signalfd_siginfo si;
        bool busy = true;       /* code ran since the caller's pages were last dropped */

        for (;;) {
                nfds_t n = 2;
                int ready;

                pfds[0] = (struct pollfd) { .fd = sfd, .events = POLLIN };
                pfds[1] = (struct pollfd) { .fd = plan->ctl, .events = POLLIN };
                /* Only the rows with a channel: poll() refuses (EINVAL) more
                 * entries than RLIMIT_NOFILE, which --rlimit nofile=N may
                 * have set as low as the command's own needs. */
                for (size_t i = 0; i < INIT_MAX_CHILDREN; i++) {
                        if (children[i].chan >= 0) {
                                pfd_row[n] = i;
                                pfd_listener[n] = false;
                                pfds[n++] = (struct pollfd) { .fd = children[i].chan, .events = POLLIN };
                        }
                        if (children[i].listener >= 0) {
                                pfd_row[n] = i;
                                pfd_listener[n] = true;
                                pfds[n++] = (struct pollfd) { .fd = children[i].listener, .events = POLLIN };
                        }
                }
                /* Every signal is blocked, so EINTR comes only from a stop
                 * and continue: it cannot repeat without end. */
                ready = poll(pfds, n, busy ? INIT_IDLE_DROP_MS : -1);
                if (ready < 0) {
                        if (errno == EINTR)
                                continue;
                        init_die(plan, "poll", errno);
                }
                if (ready == 0) {
                        /* Idle a while (a session, a long command): the
                         * pages of the caller's code it ran with go; a
                         * short run never pays for it. */
                        text_drop(plan->text, plan->n_text);
                        busy = false;
                        continue;
                }
                busy = true;
                /* Channels first, while the table is as polled; then what
                 * may change it (exec requests, reaping). */
                for (nfds_t j = 2; j < n; j++) {
                        struct init_child *c = &children[pfd_row[j]];

                        if (!pfds[j].revents)
                                continue;
                        if (!pfd_listener[j]) {
                                if (c->chan == pfds[j].fd)
                                        chan_request(c);
                                continue;
                        }
                        if (c->listener != pfds[j].fd)
                                continue;
                        /* A failing listener is dropped: the calls it served
                         * then fail (ENOSYS), they are never let through;
                         * POLLHUP: every task of its filter is gone. */
                        if (!(pfds[j].revents & POLLIN) || notify_serve(plan->notify, c->listener) < 0)
                                c->listener = (close(c->listener), -1);
                }
                if (pfds[1].revents) {
                        ctl_request(plan, cmd);
                        if (terminating)
                                init_reap(plan);        /* with keep-alive and nothing left: the end */
                }
                if (pfds[0].revents & (POLLERR | POLLNVAL))
                        init_die(plan, "poll", EBADF);
                if (pfds[0].revents) {
                        ssize_t k = read(sfd, &si, sizeof(si));
                        if (k < 0 && (errno == EINTR || errno == EAGAIN))
                                continue;
                        if (k != (ssize_t) sizeof(si))
                                init_die(plan, "read", k < 0 ? errno : EIO);
                        if (si.ssi_signo == SIGCHLD)
                                init_reap(plan);
                        else if (children[0].pid > 0 && kill(-children[0].pid, (int) si.ssi_signo) < 0)
                                (void) kill(children[0].pid, (int) si.ssi_signo); /* not a group leader yet */
                        /* With keep-alive, once the first command ended (or
                         * with none), signals for it reach no one. */
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

        for (size_t i = 0; i < INIT_MAX_CHILDREN; i++)
                children[i] = (struct init_child) { .pid = 0, .chan = -1, .listener = -1 };
        if (cmd->argv) {
                command = init_start(plan, cmd, &children[0].listener);
                if (command < 0)
                        init_fail(plan->sock, STAGE_INIT, command, NULL);
                children[0].pid = command;
                sync_wake_up(cmd, children[0].listener);
        }
        {
                /* End-of-file alone could also mean init died: say it got here. */
                struct child_msg m = { .kind = MSG_STARTED };
                (void) send(plan->sock, &m, sizeof(m), MSG_NOSIGNAL);  /* the parent may be gone */
        }
        if (cmd->pty_slave >= 0)
                close(cmd->pty_slave);
        close(plan->sock);
        init_loop(plan, cmd, sfd);
}
