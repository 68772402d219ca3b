/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Spawning. The parent prepares every layer's plan (argv, envp, the mount
 * plan, the Landlock ruleset, the BPF program), blocks all signals and calls
 * clone3() with the namespace flags. The child becomes the sandbox's init
 * (pid 1): child_setup() applies the layers in the order the kernel requires,
 * then init (init.c) forks the command, reaps, forwards signals and reports
 * the command's wait status.
 *
 * The embedding program may have threads holding malloc or stdio locks when
 * clone3() runs, so nothing after it allocates, locks or formats: only
 * system calls and plain copies.
 *
 * A failure before execve() reaches the parent as one message on a
 * SOCK_SEQPACKET socket whose ends are close-on-exec: end-of-file means the
 * command was executed. The same socket carries the PTY master out.
 *
 * The isolation directive picks how: namespaces, or the landlock mode
 * (isolation.c), which clones no namespace, leaves the mount view out and
 * has the command enter a Landlock ruleset the parent filled. Under auto,
 * oslbox_proc_spawn() tries namespaces first, as a run that works costs
 * nothing more, and where this caller cannot have them (the failures
 * fallback_reason() names) tries again in the landlock mode, keeping why.
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>

#include "denials.h"
#include "init.h"
#include "isolation.h"
#include "layers.h"
#include "policy.h"
#include "proc.h"
#include "seccomp-layer.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

struct spawn_plan {
        struct ns_plan ns;
        struct mount_plan *mount;
        struct caps_plan caps;
        struct landlock_plan landlock;
        struct seccomp_plan seccomp;
        struct rlimit_plan rlimits;
        const struct cgroup_plan *cgroup;
        struct strv argv, envp, exec_paths;
        int stdio[3];           /* what goes onto fd 0, 1, 2 of init */
        struct winsize ws;
        int keep[6];            /* init's own fds, ascending (-1: none) */
        size_t n_keep;
        struct init_plan init;  /* sock: the child's end of the message socket;
                                   ctl: init's end of the control socket */
        struct init_cmd cmd;    /* pty_slot: fd N gets the PTY slave in the command */
        bool landlock_mode;     /* the landlock isolation mode: no namespace (isolation.c) */
        struct isolation_plan iso;
        struct notify_ctx denials_notify;       /* log-denials: init's notify context */
        /* Init executes oslbox-init (init-exec.c): its O_PATH fd, and the
         * memfd with the status page and the hand-off; -1: init is a fork. */
        int init_prog;
        char init_path[PATH_MAX];
        struct init_handoff_map handoff;
};

uint64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

/* --- child side: async-signal-safe only ----------------------------------- */

static _Noreturn void child_fail(const struct spawn_plan *p, enum child_stage stage, int r,
                                 const char *what)
{
        init_fail(p->init.sock, stage, r, what);
}

static int stdio_apply(const struct spawn_plan *p)
{
        /* Sources are all >= 3 (the parent made sure), so no dup2() below
         * clobbers a source another slot still needs. */
        for (int i = 0; i < 3; i++) {
                if (p->stdio[i] == i)
                        continue;
                if (dup2(p->stdio[i], i) < 0)
                        return -errno;
        }
        return 0;
}

/* Closes every fd but 0-2 and init's own: the caller's fds never reach the
 * sandbox, close-on-exec or not. */
static void close_other_fds(const struct spawn_plan *p)
{
        unsigned from = 3;
        for (size_t i = 0; i < p->n_keep; i++) {
                unsigned k = (unsigned) p->keep[i];
                if (p->keep[i] < 0 || k < from)
                        continue;       /* none; all of the library's are >= 3, be sure */
                if (k > from)
                        (void) close_range(from, k - 1, 0);
                from = k + 1;
        }
        (void) close_range(from, ~0U, 0);
}

static int pty_open(const struct spawn_plan *p, int *ret_slave)
{
        char cbuf[CMSG_SPACE(sizeof(int))] = {};
        struct child_msg m = { .kind = MSG_PTY };
        struct iovec iov = { &m, sizeof(m) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                             .msg_controllen = sizeof(cbuf) };
        struct cmsghdr *cm;
        int master, slave, saved, r;

        if ((r = init_pty_open(&p->ws, &master, &slave)) < 0)
                return r;
        cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &master, sizeof(int));
        if (sendmsg(p->init.sock, &mh, MSG_NOSIGNAL) < 0) {
                saved = errno;
                close(master);
                close(slave);
                return -saved;
        }
        close(master);
        *ret_slave = slave;
        return 0;
}

/* The only code between clone3() and execve(), in the order the kernel
 * requires. */
static _Noreturn void child_setup(struct spawn_plan *p)
{
        const char *failed = NULL;
        int r;

        if ((r = cgroup_apply(p->cgroup)) < 0)                 /* first: all that follows is charged */
                child_fail(p, STAGE_CGROUP, r, NULL);
        /* Out of the caller's session and process group: signals the
         * caller's terminal sends its foreground group (^C, resizes) reach
         * oslbox, which decides what to pass on, never init directly. */
        if (setsid() < 0)
                child_fail(p, STAGE_SESSION, -errno, NULL);
        if ((r = stdio_apply(p)) < 0)
                child_fail(p, STAGE_STDIO, r, NULL);
        /* The landlock mode: the host's working directory, the one checked. */
        if (p->landlock_mode && fchdir(p->iso.cwd_fd) < 0)
                child_fail(p, STAGE_MOUNT, -errno, p->mount->cwd);
        close_other_fds(p);
        if (!p->landlock_mode && (r = ns_apply(&p->ns, &failed)) < 0)  /* ids first: files made below are ours */
                child_fail(p, STAGE_NS, r, failed);
        if (!p->landlock_mode && (r = mount_apply(p->mount, &failed)) < 0)     /* needs caps: before caps_apply */
                child_fail(p, STAGE_MOUNT, r, failed);
        if ((p->cmd.pty_slot[0] || p->cmd.pty_slot[1] || p->cmd.pty_slot[2]) &&
            (r = pty_open(p, &p->cmd.pty_slave)) < 0)           /* the new /dev/pts; the landlock mode's is the host's */
                child_fail(p, STAGE_PTY, r, NULL);
        if ((r = caps_apply(&p->caps)) < 0)                    /* every set, then no_new_privs */
                child_fail(p, STAGE_CAPS, r, NULL);
        /* The landlock mode's ruleset is entered by the command alone; init
         * as a program of its own (init-exec.c) enters it once executed. */
        if (!p->landlock_mode && p->init_prog >= 0) {
                if ((r = landlock_add_rules(&p->landlock, &failed)) < 0)
                        child_fail(p, STAGE_LANDLOCK, r, failed);
                mount_close(p->mount);                          /* Landlock's rules were made from them */
                r = init_exec(&p->handoff, p->init_prog, p->cmd.pty_slave);
                child_fail(p, STAGE_INIT_PROGRAM, r, p->init_path);
        }
        if (!p->landlock_mode) {
                if ((r = landlock_apply(&p->landlock, &failed)) < 0)   /* needs no_new_privs */
                        child_fail(p, STAGE_LANDLOCK, r, failed);
                mount_close(p->mount);                          /* Landlock's rules were made from them */
        }
        /* The seccomp filter is the command's alone, loaded right before
         * its execve(): no deny-syscall may break init's loop. */
        init_run(&p->init, &p->cmd);
}

/* --- parent side ------------------------------------------------------------ */

static void plan_done(struct spawn_plan *p)
{
        mount_plan_free(p->mount);
        landlock_plan_free(&p->landlock);
        seccomp_plan_free(&p->seccomp);
        isolation_plan_free(&p->iso);
        strv_done(&p->argv);
        strv_done(&p->envp);
        strv_done(&p->exec_paths);
        for (int i = 0; i < 3; i++)
                if (p->stdio[i] > 2)
                        p->stdio[i] = safe_close(p->stdio[i]);
        p->init.sock = safe_close(p->init.sock);
        p->init.ctl = safe_close(p->init.ctl);
}

int spawn_open_null(void)
{
        int fd = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
        return fd < 0 ? -errno : fd_move_above_stdio(fd);
}

static int prepare_stdio(struct spawn_plan *p, const struct oslbox_spawn_attr *attr, struct osb_diag *diag)
{
        for (int i = 0; i < 3; i++) {
                const struct oslbox_stdio *s = attr ? &attr->stdio[i] : NULL;
                enum oslbox_stdio_kind kind = s ? s->kind : OSLBOX_STDIO_INHERIT;
                int fd;

                switch (kind) {
                case OSLBOX_STDIO_INHERIT: {
                        /* A closed 0-2 (or one that closes on exec) would
                         * let the command's first open() land on it: give it
                         * /dev/null instead. */
                        int flags = fcntl(i, F_GETFD);
                        if (flags >= 0 && !(flags & FD_CLOEXEC)) {
                                p->stdio[i] = i;
                                continue;
                        }
                        fd = spawn_open_null();
                        break;
                }
                case OSLBOX_STDIO_FD:
                        if (s->fd < 0)
                                return diag_set(diag, -EBADF, "stdio slot %d: invalid fd %d", i, s->fd);
                        fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 3);
                        if (fd < 0)
                                return diag_errno(diag, -errno, "stdio slot %d: fd %d", i, s->fd);
                        break;
                case OSLBOX_STDIO_NULL:
                        fd = spawn_open_null();
                        break;
                case OSLBOX_STDIO_PTY:
                        p->cmd.pty_slot[i] = true;
                        fd = spawn_open_null(); /* what init holds; the command gets the PTY */
                        break;
                default:
                        return diag_set(diag, -EINVAL, "stdio slot %d: unknown kind %d", i, (int) kind);
                }
                if (fd < 0)
                        return diag_errno(diag, fd, "cannot open /dev/null");
                p->stdio[i] = fd;
        }
        return 0;
}

/* The places execve() will try, as execvp(3) would search PATH inside. */
int spawn_exec_paths(const char *name, char *const *envp, struct strv *ret, struct osb_diag *diag)
{
        const char *path, *c;
        int r = 0;

        if (strchr(name, '/'))
                r = strv_push(ret, name);
        else {
                path = env_get(envp, "PATH");
                if (!path)
                        path = "/usr/local/bin:/usr/bin:/bin";
                for (c = path;; c++) {
                        const char *end = strchrnul(c, ':');
                        int n = (int) (end - c);
                        r = n == 0 ? strv_pushf(ret, "./%s", name) : strv_pushf(ret, "%.*s/%s", n, c, name);
                        if (r < 0 || !*end)
                                break;
                        c = end;
                }
        }
        return r < 0 ? diag_errno(diag, r, "cannot prepare the command") : 0;
}

int spawn_attr_check(const struct oslbox_spawn_attr *attr, struct osb_diag *diag)
{
        if (attr && attr->size < SPAWN_ATTR_SIZE_0)
                return diag_set(diag, -EINVAL, "struct oslbox_spawn_attr: size %zu is too small", attr->size);
        /* A newer caller's fields this library does not know must be
         * unset: none may be ignored that could ask for less access. */
        for (size_t i = sizeof(*attr); attr && i < attr->size; i++)
                if (((const unsigned char *) attr)[i])
                        return diag_set(diag, -EINVAL, "struct oslbox_spawn_attr: size %zu, and fields past the %zu "
                                        "bytes this library knows are set", attr->size, sizeof(*attr));
        return 0;
}

int spawn_env_extra(const struct oslbox_spawn_attr *attr, struct strv *env, struct osb_diag *diag)
{
        char *const *extra = SPAWN_ATTR_GET(attr, env_extra, NULL);
        int r;

        for (; extra && *extra; extra++) {
                const char *eq = strchr(*extra, '=');
                if (!eq || eq == *extra)
                        return diag_set(diag, -EINVAL, "env_extra: '%s' is not NAME=VALUE", *extra);
                if ((r = env_put(env, *extra)) < 0)
                        return diag_errno(diag, r, "cannot build the environment");
        }
        return 0;
}

/*
 * Network "none": the seccomp filter keeps sockets to AF_UNIX, Landlock
 * denies TCP (ABI 4) and keeps abstract unix sockets in (ABI 6), and, where
 * namespaces are used, a new network namespace holds nothing but a loopback
 * that is down. Without it the host's abstract unix names could still be
 * bound (squatted) from inside for host programs to connect to, and
 * /proc/net would show the host's listeners, unix socket paths, routes and
 * interfaces; it costs a few percent of a start (bench/startup). Without
 * namespaces (the Landlock-only isolation mode to come) the walls must do
 * alone, which needs ABI 6: true there means the run must be refused.
 */
static bool net_none_needs_netns(bool namespaces, int abi)
{
        return namespaces || !landlock_can_scope_abstract(abi);
}

/* HOME and USER for the sandbox: the caller's $HOME (where its private
 * home is mounted) and the name of its uid, as /etc/passwd gives them. */
static int caller_identity(char *const *env, char **ret_home, char **ret_user)
{
        const char *home = env_get(env, "HOME");
        _cleanup_free_ char *pw_home = NULL, *pw_name = NULL;

        (void) passwd_lookup(geteuid(), &pw_home, &pw_name);   /* missing: fall back below */
        if (!home || home[0] != '/')
                home = pw_home;
        *ret_home = home ? strdup(home) : NULL;
        *ret_user = pw_name ? strdup(pw_name) : strdup_printf("%u", (unsigned) geteuid());
        if ((home && !*ret_home) || !*ret_user)
                return -ENOMEM;
        return 0;
}

static void describe_failure(struct oslbox_proc *proc, const struct spawn_plan *p,
                             const struct child_msg *m)
{
        const char *what = m->what[0] ? m->what : NULL;
        struct osb_diag *d = &proc->diag;
        int r = -m->err;

        switch (m->stage) {
        case STAGE_CGROUP:
                diag_errno(d, r, "cannot join the run's cgroup");
                break;
        case STAGE_RLIMIT:
                diag_errno(d, r, "cannot set the resource limits");
                break;
        case STAGE_NS:
                if (what && startswith(what, "/proc/self/"))
                        diag_errno(d, r, "cannot map the caller's ids (%s)", what);
                else
                        diag_errno(d, r, "cannot set the host name %s", what ? what : "");
                break;
        case STAGE_MOUNT:
                if (what && (r == -ESTALE || r == -ELOOP)) {
                        diag_set(d, r, "cannot bind %s: it changed while the sandbox was set up (renamed, or "
                                 "a component became a symbolic link)", what);
                        return;
                }
                for (size_t i = 0; what && i < p->mount->n_ops; i++) {
                        const struct mount_op *op = &p->mount->ops[i];
                        if (streq_ptr(op->dst, what) || (op->kind == MOUNT_OP_BIND && streq_ptr(op->src, what))) {
                                if (op->kind == MOUNT_OP_PROC && r == -EPERM)
                                        diag_set(d, r, "cannot mount proc on %s: %s: " NS_PROC_COVERED, what,
                                                 errno_text(EPERM));
                                else
                                        diag_errno(d, r, "cannot %s %s", mount_op_verb(op->kind), what);
                                return;
                        }
                }
                if (what && streq_ptr(what, p->mount->cwd))
                        diag_errno(d, r, "cannot change to the working directory %s", what);
                else
                        diag_errno(d, r, "cannot set up the filesystem view at %s", what ? what : "/");
                break;
        case STAGE_PTY:
                diag_errno(d, r, "cannot set up a terminal inside the sandbox");
                break;
        case STAGE_CAPS:
                diag_errno(d, r, "cannot drop capabilities");
                break;
        case STAGE_LANDLOCK:
                if (what)
                        diag_errno(d, r, "cannot add the Landlock rule for %s", what);
                else
                        diag_errno(d, r, "cannot enforce the Landlock ruleset");
                break;
        case STAGE_SECCOMP:
                diag_errno(d, r, "cannot load the seccomp filter");
                break;
        case STAGE_INIT_PROGRAM:
                diag_errno(d, r, "cannot start the sandbox's init program %s", what ? what : "");
                break;
        case STAGE_SESSION:
                diag_errno(d, r, "cannot start a new session for the command");
                break;
        case STAGE_EXEC:
                proc->exec_failed = true;
                diag_errno(d, r, "cannot execute %s", what ? what : "the command");
                break;
        case STAGE_INIT:
                /* Without a user namespace RLIMIT_NPROC counts every
                 * process of this user on the host, not only the run's. */
                if (r == -EAGAIN && p->landlock_mode)
                        diag_errno(d, r, "cannot start the sandbox's init or the command (the process limit, pids, "
                                   "counts all of this user's processes in the landlock isolation mode)");
                else
                        diag_errno(d, r, "cannot start the sandbox's init or the command");
                break;
        default:
                diag_errno(d, r, "cannot set up the sandbox");
        }
}

/* Reads what the child says until end-of-file. Returns 0 when the command
 * was executed, or the child's error (its record in *RET_FAILED). */
static int read_messages(struct oslbox_proc *proc, struct spawn_plan *p, int sock, struct child_msg *ret_failed)
{
        bool started = false;

        for (;;) {
                char cbuf[CMSG_SPACE(sizeof(int))];
                struct child_msg m = {};
                struct iovec iov = { &m, sizeof(m) };
                struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                                     .msg_controllen = sizeof(cbuf) };
                ssize_t k = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return diag_errno(&proc->diag, -errno, "cannot read from the sandbox");
                if (k == 0)
                        return started ? 0 : diag_set(&proc->diag, -ECHILD, "the sandbox ended before it "
                                                      "started the command");
                if (m.kind == MSG_STARTED) {
                        started = true;
                        continue;
                }
                if (m.kind == MSG_PTY) {
                        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
                        if (cm && cm->cmsg_type == SCM_RIGHTS)
                                memcpy(&proc->pty_fd, CMSG_DATA(cm), sizeof(int));
                        continue;
                }
                if (k != (ssize_t) sizeof(m) || m.err <= 0)
                        return diag_set(&proc->diag, -EIO, "garbled message from the sandbox");
                m.what[sizeof(m.what) - 1] = '\0';
                *ret_failed = m;
                describe_failure(proc, p, &m);
                return -m.err;
        }
}

static int child_main(void *p)
{
        child_setup(p);
}

/* Init executes oslbox-init: the child shares the caller's memory until
 * then, on a stack of its own, and the caller waits (CLONE_VFORK). clone(2)
 * rather than clone3(), whose glibc has no wrapper to run a function on a
 * new stack; it has no CLONE_INTO_CGROUP, so the child joins its cgroup. */
#define CHILD_STACK (256 * 1024)

static long clone_shared_vm(struct spawn_plan *p, struct oslbox_proc *proc)
{
        size_t page = (size_t) sysconf(_SC_PAGESIZE);
        char *stack = mmap(NULL, CHILD_STACK + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
                           -1, 0);
        long pid;
        int saved;

        if (stack == MAP_FAILED)
                return -1;
        if (mprotect(stack, page, PROT_NONE) < 0) {     /* a guard below it */
                saved = errno;
                munmap(stack, CHILD_STACK + page);
                errno = saved;
                return -1;
        }
        proc->cgroup.join_v2 = p->cgroup->v2_fd >= 0;
        pid = clone(child_main, stack + page + CHILD_STACK,
                    (int) (p->ns.clone_flags | CLONE_VM | CLONE_VFORK | CLONE_PIDFD), p, &proc->pidfd);
        saved = errno;
        munmap(stack, CHILD_STACK + page);
        /* The child wrote its own fd numbers into the plan it shared: not
         * this process's. */
        for (size_t i = 0; i < p->mount->n_ops; i++)
                p->mount->fds[i] = -1;
        p->mount->root_fd = -1;
        p->cmd.pty_slave = -1;
        errno = saved;
        return pid;
}

static int do_clone(struct spawn_plan *p, struct oslbox_proc *proc)
{
        struct clone_args args = {
                .flags = p->ns.clone_flags | CLONE_PIDFD,
                .pidfd = (uint64_t) (uintptr_t) &proc->pidfd,
                .exit_signal = 0,       /* no SIGCHLD: a caller's waitpid(-1) cannot reap it */
        };

        if (p->cgroup->v2_fd >= 0) {
                args.flags |= CLONE_INTO_CGROUP;
                args.cgroup = (uint64_t) p->cgroup->v2_fd;
        }
        sigset_t all, old;
        long pid;

        /* The child starts with every signal blocked, so no handler of the
         * caller ever runs in it. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        if (p->init_prog >= 0) {
                pid = clone_shared_vm(p, proc);
                pthread_sigmask(SIG_SETMASK, &old, NULL);
                if (pid < 0)
                        return -errno;
                proc->pid = (pid_t) pid;
                return 0;
        }
        pid = syscall(SYS_clone3, &args, sizeof(args));
        if (pid < 0 && errno == ENOSYS && p->landlock_mode) {
                /* Docker's seccomp profile fails clone3 with ENOSYS (its flags
                 * are out of a filter's reach): clone, which has no
                 * CLONE_INTO_CGROUP, so the child joins its cgroup itself.
                 * Its pidfd goes where parent_tid points, the third argument
                 * on every architecture but s390's. */
                proc->cgroup.join_v2 = p->cgroup->v2_fd >= 0;
                pid = syscall(SYS_clone, (unsigned long) CLONE_PIDFD, NULL, &proc->pidfd, NULL, 0UL);
        }
        if (pid == 0)
                child_setup(p);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (pid < 0)
                return -errno;
        proc->pid = (pid_t) pid;
        return 0;
}

static int clone_error(struct oslbox_proc *proc, int r)
{
        if (r == -EPERM || r == -ENOSPC || r == -EUSERS)
                return diag_errno(&proc->diag, r,
                                  "cannot create the sandbox's namespaces (are user namespaces enabled "
                                  "for this user? see oslbox doctor)");
        return diag_errno(&proc->diag, r, "cannot create the sandbox's namespaces");
}

OSLBOX_API int oslbox_proc_new(struct oslbox_proc **ret_proc)
{
        struct oslbox_proc *p;

        if (!ret_proc)
                return -EINVAL;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->pidfd = p->ctl_fd = p->pty_fd = p->event_fd = p->timer_fd = p->report.dir_fd = -1;
        p->cgroup.v2_fd = -1;
        p->privdir.parent_fd = -1;
        for (size_t i = 0; i < ELEMENTSOF(p->cgroup.v1); i++)
                p->cgroup.v1[i].procs_fd = -1;
        *ret_proc = p;
        return 0;
}

/* What every try at the sandbox shares, whatever its isolation. */
struct spawn_input {
        const struct osb_config *cfg;
        const struct oslbox_spawn_attr *attr;
        char *const *caller_env;
        const char *home, *user;
        const char *const *argv;        /* NULL or empty: no command (keep-alive) */
        int abi;
};

/* Why a failed namespaces try is one the landlock mode answers (isolation
 * auto), into REASON: clone3 refused (EPERM, ENOSPC, EUSERS: no user
 * namespaces for this user; ENOSYS: a container's seccomp profile), the id
 * maps refused (EPERM: a restricted user namespace, AppArmor's on Ubuntu),
 * or the new procfs refused (EPERM: a covered /proc). */
static bool fallback_reason(const struct spawn_plan *p, int r, bool cloned, const struct child_msg *m,
                            char *reason, size_t size)
{
        if (!cloned) {
                if (r != -EPERM && r != -ENOSPC && r != -EUSERS && r != -ENOSYS)
                        return false;
                snprintf(reason, size, "clone3 with the namespace flags: %s", errno_text(-r));
                return true;
        }
        if (m->err != EPERM)
                return false;
        if (m->stage == STAGE_NS && startswith(m->what, "/proc/self/")) {
                snprintf(reason, size, "writing %s in the new user namespace: %s", m->what, errno_text(EPERM));
                return true;
        }
        for (size_t i = 0; m->stage == STAGE_MOUNT && i < p->mount->n_ops; i++)
                if (p->mount->ops[i].kind == MOUNT_OP_PROC && streq_ptr(p->mount->ops[i].dst, m->what)) {
                        snprintf(reason, size, "mounting a new procfs: %s (/proc is covered)", errno_text(EPERM));
                        return true;
                }
        return false;
}

/* Whether RLIMIT_NPROC is among the limits: it binds for a caller other
 * than root (counting, without a user namespace, all of its processes). */
static bool nproc_limited(const struct rlimit_plan *rl)
{
        for (size_t i = 0; i < rl->n; i++)
                if (rl->v[i].resource == RLIMIT_NPROC)
                        return true;
        return false;
}

/* What a try made of its own, released for the next try or the end. */
static void try_done(struct spawn_plan *p)
{
        landlock_plan_free(&p->landlock);
        p->landlock = (struct landlock_plan) { .ruleset_fd = -1 };
        seccomp_plan_free(&p->seccomp);
        isolation_plan_free(&p->iso);
        strv_done(&p->envp);
        p->envp = (struct strv) {};
        strv_done(&p->exec_paths);
        p->exec_paths = (struct strv) {};
        p->ns = (struct ns_plan) {};
}

/* One try at the sandbox, with namespaces or in the landlock mode
 * (p->landlock_mode): the layers that differ by mode, then clone and the
 * command's start. On failure PROC is as new again (its message kept) and
 * *RET_FALLBACK says whether the landlock mode answers it. */
static int spawn_try(struct oslbox_proc *proc, struct spawn_plan *p, const struct spawn_input *in,
                     bool *ret_fallback)
{
        const struct osb_config *cfg = in->cfg;
        const struct oslbox_spawn_attr *attr = in->attr;
        struct child_msg failed = {};
        struct env_info info;
        bool net_filter = cfg->net == OSB_NET_NONE, netns, inet_observed;
        struct sandbox_info *sb = NULL;
        uint64_t timeout_ms;
        int sv[2] = { -1, -1 }, ctl[2] = { -1, -1 }, r;

        *ret_fallback = false;
        netns = net_filter && net_none_needs_netns(!p->landlock_mode, in->abi);
        /* log-denials, network none, in a network namespace of its own:
         * TCP and UDP sockets can be made there (there is no route out),
         * so that what connect and send were refused names its address. */
        inet_observed = netns && !p->landlock_mode && cfg->log_denials;
        if (p->landlock_mode) {
                if ((r = isolation_prepare(cfg, p->mount, in->abi, in->home, in->caller_env, &p->landlock,
                                           &p->iso, &proc->privdir, &proc->diag)) < 0)
                        goto out;
                p->init.landlock = true;
                p->init.privdir = &proc->privdir;
                p->init.notify = &p->iso.notify;
                p->cmd.landlock_fd = p->landlock.ruleset_fd;
        } else {
                if ((r = ns_prepare(cfg, netns, &p->ns)) < 0 ||
                    (r = landlock_prepare(cfg, p->mount, in->abi, &p->landlock, &proc->diag)) < 0)
                        goto out;
                p->init.landlock = false;
                p->init.privdir = NULL;
                p->init.notify = NULL;
                p->cmd.landlock_fd = -1;
        }
        if ((r = caps_prepare(&p->caps, !p->landlock_mode, &proc->diag)) < 0 ||
            (r = seccomp_prepare(cfg, inet_observed ? SECCOMP_NET_UNIX_INET : net_filter ? SECCOMP_NET_UNIX : SECCOMP_NET_ANY,
                                 p->landlock_mode, &p->seccomp, &proc->diag)) < 0)
                goto out;
        if (!proc->denials && (r = denials_new(cfg, &proc->denials, &proc->diag)) < 0)
                goto out;
        if (proc->denials) {
                /* The command loads the filter with its refusals notified:
                 * init answers them as the original would, and records. */
                p->denials_notify = p->landlock_mode ? p->iso.notify : (struct notify_ctx) { .ruleset_fd = -1 };
                p->denials_notify.verdict = p->seccomp.prog;
                p->denials_notify.denials = denials_table(proc->denials);
                p->denials_notify.host_view = cfg->host_view && !p->landlock_mode ? p->mount : NULL;
                if ((r = denials_notify_program(proc->denials, &p->seccomp.prog, p->landlock_mode,
                                                &p->seccomp.prog)) < 0) {
                        r = diag_errno(&proc->diag, r, "cannot prepare the denial log");
                        goto out;
                }
                p->seccomp.listener = true;
                p->seccomp.observes = !p->landlock_mode;        /* the path observer's (denials.c) */
                p->init.notify = &p->denials_notify;
        }

        info = (struct env_info) { .home = p->landlock_mode ? p->iso.home : in->home, .user = in->user,
                                   .cwd = p->mount->cwd, .tmpdir = p->landlock_mode ? p->iso.tmp : NULL };
        if (attr && attr->envp) {
                /* The caller's own environment, as given, and the policy's
                 * env directives on top: they are part of the sandbox. In
                 * the landlock mode HOME and TMPDIR name its private ones:
                 * the caller's are out of the view. */
                for (char *const *e = attr->envp; *e && r >= 0; e++)
                        r = strv_push(&p->envp, *e);
                if (r >= 0 && p->landlock_mode) {
                        _cleanup_free_ char *h = strdup_printf("HOME=%s", info.home),
                                            *t = strdup_printf("TMPDIR=%s", info.tmpdir);
                        r = h && t ? env_put(&p->envp, h) : -ENOMEM;
                        if (r >= 0)
                                r = env_put(&p->envp, t);
                }
                for (size_t i = 0; i < cfg->env.n && r >= 0; i++)
                        r = env_put(&p->envp, cfg->env.v[i].value);
                if (r >= 0 && !p->envp.v && !(p->envp.v = calloc(1, sizeof(char *))))
                        r = -ENOMEM;
                if (r < 0) {
                        r = diag_errno(&proc->diag, r, "cannot copy the environment");
                        goto out;
                }
        } else if ((r = env_prepare(cfg, in->caller_env, &info, &p->envp, &proc->diag)) < 0)
                goto out;
        if ((r = spawn_env_extra(attr, &p->envp, &proc->diag)) < 0)
                goto out;
        /* Searched in the sandbox's PATH, which the environment now has. */
        if (in->argv && in->argv[0] &&
            (r = spawn_exec_paths(in->argv[0], p->envp.v, &p->exec_paths, &proc->diag)) < 0)
                goto out;
        p->cmd.exec_paths = p->exec_paths.v;
        p->cmd.n_exec_paths = p->exec_paths.n;
        p->cmd.seccomp = &p->seccomp;
        p->cmd.rlimits = &p->rlimits;
        p->cmd.envp = p->envp.v;

        /* The control channel is a socket rather than a pipe so that the
         * parent can send with MSG_NOSIGNAL: a sandbox that just ended must
         * not kill the caller with SIGPIPE. */
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
            socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0) {
                r = diag_errno(&proc->diag, -errno, "cannot create the sandbox's channels");
                goto out;
        }
        for (int i = 0; i < 2; i++)
                if ((sv[i] = fd_move_above_stdio(sv[i])) < 0 || (ctl[i] = fd_move_above_stdio(ctl[i])) < 0) {
                        r = diag_errno(&proc->diag, -EMFILE, "cannot create the sandbox's channels");
                        goto out;
                }
        p->init.sock = sv[1];
        p->init.ctl = ctl[0];
        p->init.keep_alive = cfg->keep_alive;
        p->cmd.msg_sock = p->init.sock;
        /* Init as a program of its own where it can be and pays (a large
         * caller: init-exec.c); where oslbox-init is not installed, a
         * fork, as confined, slower for such a caller. */
        if (!p->landlock_mode && !p->init.notify && !p->seccomp.listener && init_exec_pays()) {
                p->init_prog = init_program_open(p->init_path, sizeof(p->init_path));
                if (p->init_prog < 0)
                        p->init_prog = -1;
        }
        if (p->init_prog < 0) {
                /* A copy of the caller drops these pages once idle. */
                p->init.n_text = text_ranges(p->init.text, ELEMENTSOF(p->init.text));
                p->init.shared = mmap(NULL, sizeof(*p->init.shared), PROT_READ | PROT_WRITE,
                                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        }
        if (p->init_prog < 0 && p->init.shared == MAP_FAILED) {
                p->init.shared = NULL;
                r = diag_errno(&proc->diag, -errno, "cannot map the status page");
                goto out;
        }

        /* The report's directory, resolved now, before the command can
         * change anything on the way to it. */
        if (cfg->report_path && (r = report_prepare(cfg->report_path, &proc->report, &proc->diag)) < 0)
                goto out;

        /* What oslbox_proc_spawn_in() will need of this sandbox. */
        if (!(sb = calloc(1, sizeof(*sb))) || config_copy(cfg, &sb->cfg) < 0 ||
            !(sb->cwd = strdup(p->mount->cwd)) || (info.home && !(sb->home = strdup(info.home))) ||
            (info.tmpdir && !(sb->tmpdir = strdup(info.tmpdir))) || !(sb->user = strdup(in->user))) {
                r = diag_errno(&proc->diag, -ENOMEM, "cannot keep the sandbox's configuration");
                goto out;
        }
        sb->reset = p->cmd.reset;

        /* Last, so that no other failure leaves a cgroup behind. */
        if ((r = cgroup_prepare(cfg, &proc->cgroup, &p->rlimits, !p->landlock_mode, &proc->diag)) < 0)
                goto out;
        p->cgroup = &proc->cgroup;
        proc->memory_limit_kb = proc->cgroup.active ? cfg->memory_bytes / 1024 : 0;
        /* After cgroup_prepare(), which may add to the limits. */
        if (p->init_prog >= 0) {
                if ((r = init_handoff_prepare(&p->handoff, &p->init, &p->cmd, p->landlock.ruleset_fd)) < 0) {
                        r = diag_errno(&proc->diag, r, "cannot prepare the sandbox's init");
                        cgroup_destroy(&proc->cgroup);
                        goto out;
                }
                p->init.shared = p->handoff.base;
        }
        {
                /* The private directory's parent: init removes it at the end. */
                int keep[6] = { p->init.sock, p->init.ctl, p->landlock.ruleset_fd, proc->privdir.parent_fd,
                                p->init_prog, p->handoff.fd }, t;
                for (int i = 0; i < 6; i++)             /* six fds: sort by hand */
                        for (int j = i + 1; j < 6; j++)
                                if (keep[j] < keep[i])
                                        t = keep[i], keep[i] = keep[j], keep[j] = t;
                memcpy(p->keep, keep, sizeof(keep));
                p->n_keep = 6;
        }

        proc->start_ns = now_ns();
        r = do_clone(p, proc);
        init_handoff_release(&p->handoff);      /* init has its own mapping, or failed */
        p->init_prog = safe_close(p->init_prog);
        if (r < 0) {
                *ret_fallback = !p->landlock_mode && fallback_reason(p, r, false, NULL, proc->isolation_reason,
                                                                sizeof(proc->isolation_reason));
                r = clone_error(proc, r);
                cgroup_destroy(&proc->cgroup);
                goto out;
        }
        proc->phase = PHASE_RUNNING;
        proc->shared = TAKE_PTR(p->init.shared);
        proc->ctl_fd = TAKE_FD(ctl[1]);
        p->init.sock = safe_close(p->init.sock);
        sv[1] = -1;
        for (size_t i = 0; i < proc->cgroup.n_v1; i++)
                proc->cgroup.v1[i].procs_fd = safe_close(proc->cgroup.v1[i].procs_fd);
        proc->cgroup.v2_fd = safe_close(proc->cgroup.v2_fd);

        proc->layers = (struct proc_layers) {
                .clone_flags = p->ns.clone_flags, .landlock_abi = in->abi,
                .landlock_fs = p->landlock.handled_fs, .landlock_net = p->landlock.handled_net,
                .landlock_scoped = p->landlock.scoped, .seccomp_net_filter = net_filter,
                .seccomp_net_inet = inet_observed,
                .seccomp_len = p->seccomp.prog.len, .net = cfg->net, .landlock_mode = p->landlock_mode,
                .pids_limited = proc->cgroup.pids || (nproc_limited(&p->rlimits) && geteuid() != 0),
        };
        proc->kill_after_ms = cfg->kill_after_ms;
        proc->pids_limit = cfg->pids;

        r = read_messages(proc, p, sv[0], &failed);
        if (r < 0) {
                *ret_fallback = !p->landlock_mode && fallback_reason(p, r, true, &failed, proc->isolation_reason,
                                                                sizeof(proc->isolation_reason));
                goto fail_running;
        }
        /* The shorter of the policy's timeout and the caller's. */
        timeout_ms = SPAWN_ATTR_GET(attr, timeout_ms, 0);
        if (!timeout_ms || (cfg->timeout_ms && cfg->timeout_ms < timeout_ms))
                timeout_ms = cfg->timeout_ms;
        if (timeout_ms > 0)
                (void) proc_arm(proc, proc->start_ns + timeout_ms * 1000000ULL); /* fails only without a timerfd, which wait() does not need */
        proc->sandbox = TAKE_PTR(sb);
        r = 0;
        goto out;

fail_running:
        /* The sandbox failed before the command ran, or cannot be watched:
         * nothing of it is left afterwards, and PROC is as new again (its
         * message kept), as after a failure before clone3(). */
        proc_release(proc);
        proc->phase = PHASE_NEW;
        proc->timed_out = false;
        proc->deadline_ns = 0;
out:
        if (r < 0) {
                report_target_done(&proc->report);
                privdir_done(&proc->privdir);
                if (!*ret_fallback)
                        proc->isolation_reason[0] = '\0';
        }
        safe_close(sv[0]);
        safe_close(sv[1]);
        safe_close(ctl[0]);
        safe_close(ctl[1]);
        if (p->init.shared)
                munmap(p->init.shared, sizeof(*p->init.shared));
        p->init.shared = NULL;
        init_handoff_release(&p->handoff);
        p->init_prog = safe_close(p->init_prog);
        p->init.ctl = -1;       /* closed above as ctl[0] */
        p->init.sock = -1;
        /* The ruleset was entered by the command (or it failed): ours to close. */
        p->landlock.ruleset_fd = safe_close(p->landlock.ruleset_fd);
        sandbox_info_free(sb);
        try_done(p);
        return r;
}

OSLBOX_API int oslbox_proc_spawn(struct oslbox_proc *proc, const struct oslbox_policy *policy,
                                 const char *const argv[], const struct oslbox_spawn_attr *attr)
{
        const struct osb_config *cfg;
        struct spawn_plan p = { .init = { .sock = -1, .ctl = -1 },
                                .cmd = { .pty_slave = -1, .stdio = { -1, -1, -1 }, .msg_sock = -1, .landlock_fd = -1 },
                                .landlock.ruleset_fd = -1,
                                .stdio = { -1, -1, -1 }, .init_prog = -1, .handoff = { .fd = -1 } };
        _cleanup_free_ char *cwd = NULL, *home = NULL, *user = NULL;
        char *const *caller_env = attr && attr->envp ? attr->envp : environ;
        struct spawn_input in;
        bool fallback, empty = !argv || !argv[0];
        int r;

        if (!proc || !policy || (!empty && !argv[0][0]))
                return -EINVAL;
        if (proc->phase != PHASE_NEW)
                return diag_set(&proc->diag, -EBUSY, "this process object was already used");
        if ((r = spawn_attr_check(attr, &proc->diag)) < 0)
                return r;
        diag_clear(&proc->diag);
        proc->exec_failed = false;
        proc->isolation_reason[0] = '\0';
        cfg = policy_config(policy);
        if (empty && !cfg->keep_alive)
                return diag_set(&proc->diag, -EINVAL, "no command: only a keep-alive sandbox starts without one");
        for (int i = 0; empty && attr && i < 3; i++)
                if (attr->stdio[i].kind == OSLBOX_STDIO_PTY)
                        return diag_set(&proc->diag, -EINVAL, "stdio slot %d: no command to give a terminal to", i);

        /* The working directory: the policy's cwd, else the caller's choice,
         * else its own. It is the one made writable by default. */
        if (cfg->cwd)
                r = (cwd = strdup(cfg->cwd)) ? 0 : -ENOMEM;
        else if (attr && attr->cwd) {
                if (attr->cwd[0] != '/')
                        return diag_set(&proc->diag, -EINVAL, "the working directory '%s' is not absolute",
                                        attr->cwd);
                r = path_make_absolute(attr->cwd, NULL, &cwd);
        } else
                r = (cwd = getcwd(NULL, 0)) ? 0 : -errno;
        if (r < 0)
                return diag_errno(&proc->diag, r, "cannot tell the working directory");
        if ((r = caller_identity(caller_env, &home, &user)) < 0)
                return diag_errno(&proc->diag, r, "cannot tell who the caller is");
        in = (struct spawn_input) { .cfg = cfg, .attr = attr, .caller_env = caller_env, .home = home, .user = user,
                                    .argv = argv, .abi = landlock_abi() };

        /* What both isolation modes share: the limits, the view's host
         * objects (opened and checked once), the command. */
        if ((r = rlimit_prepare(cfg, &p.rlimits, &proc->diag)) < 0 ||
            (r = mount_prepare(cfg, cwd, home, &p.mount, &proc->diag)) < 0)
                goto out;
        for (size_t i = 0; !empty && argv[i]; i++)
                if ((r = strv_push(&p.argv, argv[i])) < 0) {
                        r = diag_errno(&proc->diag, r, "cannot copy the arguments");
                        goto out;
                }
        if ((r = prepare_stdio(&p, attr, &proc->diag)) < 0)
                goto out;
        p.cmd.argv = empty ? NULL : p.argv.v;
        p.ws = (struct winsize) { .ws_row = attr && attr->pty_rows ? attr->pty_rows : 24,
                                  .ws_col = attr && attr->pty_cols ? attr->pty_cols : 80 };
        p.cmd.reset = 0;
        for (int sig = 1; sig <= 64; sig++) {
                struct kernel_sigaction sa;
                if (raw_sigaction(sig, NULL, &sa) == 0 && sa.handler != SIG_DFL)
                        p.cmd.reset |= 1ULL << (sig - 1);
        }

        /* auto: namespaces, for free where they work; where this caller
         * cannot have them, the landlock mode, saying why only in the
         * report, explain and doctor. */
        p.landlock_mode = cfg->isolation == OSB_ISOLATION_LANDLOCK && !cfg->require_userns;
        if (cfg->isolation == OSB_ISOLATION_LANDLOCK && cfg->require_userns) {
                r = isolation_check(cfg, in.abi, &proc->diag);
                goto out;
        }
        r = spawn_try(proc, &p, &in, &fallback);
        if (r < 0 && fallback && cfg->isolation == OSB_ISOLATION_NAMESPACES) {
                /* Asked for namespaces where this caller cannot have them:
                 * refuse, naming the mode that runs without them. */
                char why[sizeof(proc->diag.msg)];

                snprintf(why, sizeof(why), "%s", proc->diag.msg);
                r = diag_set(&proc->diag, r, "%s (isolation namespaces: --isolation landlock, or auto, runs "
                             "without them; oslbox doctor names what would allow them here)", why);
        } else if (r < 0 && fallback && cfg->isolation == OSB_ISOLATION_AUTO) {
                char why[sizeof(proc->diag.msg)], reason[sizeof(proc->isolation_reason)];

                snprintf(why, sizeof(why), "%s", proc->diag.msg);
                snprintf(reason, sizeof(reason), "%s", proc->isolation_reason);
                diag_clear(&proc->diag);
                p.landlock_mode = true;
                if (cfg->require_userns)
                        r = diag_set(&proc->diag, r, "%s (require userns: the landlock isolation mode, which "
                                     "would run without namespaces, is not allowed)", why);
                else if ((r = spawn_try(proc, &p, &in, &fallback)) < 0) {
                        /* Both modes failed: say why for each, in one line. */
                        if (!proc->exec_failed) {
                                snprintf(why, sizeof(why), "%s", proc->diag.msg);
                                diag_set(&proc->diag, r, "%s (namespaces are not available here: %s)", why, reason);
                        }
                } else
                        snprintf(proc->isolation_reason, sizeof(proc->isolation_reason), "%s", reason);
        }
out:
        if (r < 0)
                proc->isolation_reason[0] = '\0';
        plan_done(&p);
        return r;
}

OSLBOX_API bool oslbox_proc_exec_failed(const struct oslbox_proc *proc)
{
        return proc && proc->exec_failed;
}
