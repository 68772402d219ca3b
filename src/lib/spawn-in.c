/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Commands in a running sandbox: oslbox_proc_spawn_in(). Nothing is built
 * here. The sandbox's init, which is inside every layer already, forks the
 * command as it forked the first one (init.c), so the command cannot be
 * less confined than the first, and nothing it is given can widen the
 * sandbox: its environment goes through the sandbox policy's rules, its
 * working directory is entered inside, and there is nothing else to ask.
 *
 * The parent sends init one INIT_REQ_EXEC message on the sandbox's control
 * socket, which is SOCK_SEQPACKET: each message arrives whole, so threads
 * may send at once without a lock. SCM_RIGHTS carries the command's
 * channel (one end of a new socketpair) and its stdio fds. On the channel,
 * the command first gives its pid (the kernel attaches its credentials,
 * which name it in this process's pid namespace), then init says that it
 * started (with its pidfd and the PTY master) or why not, and at its end
 * gives its wait status. Requests to signal or kill it go the other way
 * (supervise.c). Closing our end kills it.
 */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "init.h"
#include "proc.h"

void sandbox_info_free(struct sandbox_info *sb)
{
        if (!sb)
                return;
        config_done(&sb->cfg);
        free(sb->cwd);
        free(sb->home);
        free(sb->user);
        free(sb->tmpdir);
        free(sb);
}

/* What goes onto the command's fd 0, 1 and 2: a copy of each, for
 * SCM_RIGHTS; a PTY slot gets /dev/null here and the PTY in the command. */
static int stdio_fds(const struct oslbox_spawn_attr *attr, int fds[3], uint32_t *ret_pty, struct osb_diag *diag)
{
        *ret_pty = 0;
        for (int i = 0; i < 3; i++) {
                const struct oslbox_stdio *s = attr ? &attr->stdio[i] : NULL;
                enum oslbox_stdio_kind kind = s ? s->kind : OSLBOX_STDIO_INHERIT;
                int fd = -1, flags;

                switch (kind) {
                case OSLBOX_STDIO_INHERIT:
                        /* As for a spawn: a closed fd (or one that closes on
                         * exec) becomes /dev/null. */
                        flags = fcntl(i, F_GETFD);
                        if (flags < 0 || (flags & FD_CLOEXEC))
                                fd = spawn_open_null();
                        else if ((fd = fcntl(i, F_DUPFD_CLOEXEC, 3)) < 0)
                                fd = -errno;
                        break;
                case OSLBOX_STDIO_FD:
                        if (s->fd < 0)
                                return diag_set(diag, -EBADF, "stdio slot %d: invalid fd %d", i, s->fd);
                        fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 3);
                        if (fd < 0)
                                return diag_errno(diag, -errno, "stdio slot %d: fd %d", i, s->fd);
                        break;
                case OSLBOX_STDIO_PTY:
                        *ret_pty |= 1U << i;
                        _fallthrough_;
                case OSLBOX_STDIO_NULL:
                        fd = spawn_open_null();
                        break;
                default:
                        return diag_set(diag, -EINVAL, "stdio slot %d: unknown kind %d", i, (int) kind);
                }
                if (fd < 0)
                        return diag_errno(diag, fd, "stdio slot %d: cannot open it", i);
                fds[i] = fd;
        }
        return 0;
}

/* The INIT_REQ_EXEC message: struct init_req, struct init_exec, strings. */
static int build_request(const char *cwd, char *const *argv, char *const *envp, const struct strv *paths,
                         uint32_t pty_slots, const struct oslbox_spawn_attr *attr, char **ret, size_t *ret_len,
                         struct osb_diag *diag)
{
        struct init_exec x = { .pty_slots = pty_slots,
                               .pty_rows = attr && attr->pty_rows ? attr->pty_rows : 24,
                               .pty_cols = attr && attr->pty_cols ? attr->pty_cols : 80 };
        size_t n_argv = 0, n_envp = 0, n_paths = 0, len;
        struct init_req req = { .kind = INIT_REQ_EXEC };
        char *buf, *out;

        len = sizeof(x) + strlen(cwd) + 1 + strv_packed_size(argv, &n_argv) + strv_packed_size(envp, &n_envp) +
              strv_packed_size(paths->v, &n_paths);
        if (len > INIT_REQ_MAX || 1 + n_argv + n_envp + n_paths > INIT_EXEC_MAX_STRINGS)
                return diag_set(diag, -E2BIG, "the command's arguments and environment are too large for the "
                                "sandbox (%zu bytes in %zu strings; at most %d bytes, %d strings)", len,
                                1 + n_argv + n_envp + n_paths, INIT_REQ_MAX, INIT_EXEC_MAX_STRINGS);
        x.argc = (uint32_t) n_argv;
        x.envc = (uint32_t) n_envp;
        x.n_paths = (uint32_t) n_paths;
        req.size = (uint32_t) len;
        buf = malloc(sizeof(req) + len);
        if (!buf)
                return diag_errno(diag, -ENOMEM, "cannot prepare the command");
        memcpy(buf, &req, sizeof(req));
        memcpy(buf + sizeof(req), &x, sizeof(x));
        out = buf + sizeof(req) + sizeof(x);
        memcpy(out, cwd, strlen(cwd) + 1);
        out += strlen(cwd) + 1;
        out = strv_pack(out, argv);
        out = strv_pack(out, envp);
        strv_pack(out, paths->v);
        *ret = buf;
        *ret_len = sizeof(req) + len;
        return 0;
}

static void describe_failure(struct oslbox_proc *proc, const struct child_msg *m)
{
        struct osb_diag *d = &proc->diag;
        const char *what = m->what[0] ? m->what : NULL;
        int r = -m->err;

        switch (m->stage) {
        case STAGE_EXEC:
                proc->exec_failed = true;
                diag_errno(d, r, "cannot execute %s", what ? what : "the command");
                break;
        case STAGE_CWD:
                diag_errno(d, r, "cannot change to the working directory %s inside the sandbox",
                           what ? what : "");
                break;
        case STAGE_PTY:
                diag_errno(d, r, "cannot set up a terminal inside the sandbox");
                break;
        case STAGE_STDIO:
                diag_errno(d, r, "cannot set up the command's stdio");
                break;
        case STAGE_SESSION:
                diag_errno(d, r, "cannot start a new session for the command");
                break;
        case STAGE_SECCOMP:
                diag_errno(d, r, "cannot load the seccomp filter");
                break;
        default:
                if (r == -EAGAIN && streq_ptr(what, "children"))
                        diag_set(d, r, "the sandbox already runs %d commands started in it, as many as it "
                                 "can at once", INIT_MAX_CHILDREN - 1);
                else if (r == -ESRCH)
                        diag_set(d, r, "the sandbox is being torn down");
                else if (r == -E2BIG)
                        diag_set(d, r, "the command's arguments and environment are too large for the sandbox");
                else if (what)
                        diag_errno(d, r, "the sandbox's init cannot start the command (%s)", what);
                else
                        diag_errno(d, r, "the sandbox's init cannot start the command");
        }
}

/* The pid of the pidfd FD in our pid namespace, from /proc: when the
 * command's own message was lost. 0 if unknown. */
static pid_t pidfd_pid(int fd)
{
        char path[64], buf[1024], *line;
        int pid = 0;

        snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
        if (read_small(path, buf, sizeof(buf)) < 0)
                return 0;
        line = strstr(buf, "\nPid:");
        if (!line || sscanf(line + 5, "%d", &pid) != 1 || pid < 0)
                return 0;
        return (pid_t) pid;
}

/* Reads the channel until init says the command started (0) or why not
 * (-errno, the message on PROC); -ECHILD: end-of-file first. */
static int read_replies(struct oslbox_proc *proc, int chan)
{
        for (;;) {
                char cbuf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(2 * sizeof(int))];
                struct child_msg m = {};
                struct iovec iov = { &m, sizeof(m) };
                struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                                     .msg_controllen = sizeof(cbuf) };
                int fds[2] = { -1, -1 };
                size_t n_fds = 0;
                pid_t sender = 0;
                ssize_t k = recvmsg(chan, &mh, MSG_CMSG_CLOEXEC);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return diag_errno(&proc->diag, -errno, "cannot read from the sandbox");
                if (k == 0)
                        return -ECHILD;
                for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
                        if (cm->cmsg_level != SOL_SOCKET)
                                continue;
                        if (cm->cmsg_type == SCM_CREDENTIALS && cm->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
                                struct ucred uc;
                                memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
                                sender = uc.pid;
                        } else if (cm->cmsg_type == SCM_RIGHTS) {
                                for (size_t i = 0; CMSG_LEN((i + 1) * sizeof(int)) <= cm->cmsg_len; i++) {
                                        int fd;
                                        memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
                                        if (n_fds < 2)
                                                fds[n_fds++] = fd;
                                        else
                                                safe_close(fd);
                                }
                        }
                }
                if (m.kind == MSG_PID) {
                        proc->pid = sender;
                } else if (m.kind == MSG_STARTED && n_fds >= 1) {
                        proc->pidfd = fds[0];
                        proc->pty_fd = fds[1];
                        return 0;
                } else if (m.kind == MSG_ERROR && k == (ssize_t) sizeof(m) && m.err > 0) {
                        safe_close(fds[0]);
                        safe_close(fds[1]);
                        m.what[sizeof(m.what) - 1] = '\0';
                        describe_failure(proc, &m);
                        return -m.err;
                } else {
                        safe_close(fds[0]);
                        safe_close(fds[1]);
                        return diag_set(&proc->diag, -EIO, "garbled message from the sandbox");
                }
        }
}

/* Hands the request and its fds (the channel's far end, then stdio) to init. */
static int send_request(struct oslbox_proc *proc, int ctl_fd, const char *req, size_t len, const int fds[4])
{
        char cbuf[CMSG_SPACE(4 * sizeof(int))] = {};
        struct iovec iov = { (void *) req, len };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                             .msg_controllen = sizeof(cbuf) };
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        ssize_t k;

        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(4 * sizeof(int));
        memcpy(CMSG_DATA(cm), fds, 4 * sizeof(int));
        do
                k = sendmsg(ctl_fd, &mh, MSG_NOSIGNAL);
        while (k < 0 && errno == EINTR);
        if (k >= 0)
                return 0;
        if (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN)
                return diag_set(&proc->diag, -ESRCH, "the sandbox has ended");
        if (errno == EMSGSIZE)
                return diag_set(&proc->diag, -E2BIG, "the command's arguments and environment are too large "
                                "for the sandbox");
        return diag_errno(&proc->diag, -errno, "cannot send the command to the sandbox");
}

OSLBOX_API int oslbox_proc_spawn_in(struct oslbox_proc *proc, struct oslbox_proc *sandbox,
                                    const char *const argv[], const struct oslbox_spawn_attr *attr)
{
        const struct sandbox_info *sb;
        _cleanup_free_ char *cwd = NULL, *req = NULL;
        struct strv env = {}, paths = {};
        char *const *caller_env = attr && attr->envp ? attr->envp : environ;
        int stdio[3] = { -1, -1, -1 }, chan[2] = { -1, -1 }, one = 1, r;
        uint32_t pty_slots = 0;
        struct env_info info;
        uint64_t timeout_ms;
        size_t len = 0;

        if (!proc || !sandbox || proc == sandbox || !argv || !argv[0] || !argv[0][0])
                return -EINVAL;
        if (proc->phase != PHASE_NEW)
                return diag_set(&proc->diag, -EBUSY, "this process object was already used");
        if ((r = spawn_attr_check(attr, &proc->diag)) < 0)
                return r;
        diag_clear(&proc->diag);
        proc->exec_failed = false;
        /* Set by a successful oslbox_proc_spawn() and kept until free:
         * what is read here never changes while the sandbox object lives. */
        sb = sandbox->sandbox;
        if (!sb)
                return sandbox->in_sandbox
                               ? diag_set(&proc->diag, -EINVAL, "not a sandbox: a command started in one")
                               : diag_set(&proc->diag, -ECHILD, "the sandbox was not started");

        /* The working directory: the caller's choice, else the sandbox's;
         * whether it is in the sandbox's view, init finds out inside. */
        if (attr && attr->cwd) {
                if (attr->cwd[0] != '/')
                        return diag_set(&proc->diag, -EINVAL, "the working directory '%s' is not absolute",
                                        attr->cwd);
                r = path_make_absolute(attr->cwd, NULL, &cwd);
        } else
                r = (cwd = strdup(sb->cwd)) ? 0 : -ENOMEM;
        if (r < 0)
                return diag_errno(&proc->diag, r, "cannot tell the working directory");

        info = (struct env_info) { .home = sb->home, .user = sb->user, .cwd = cwd, .tmpdir = sb->tmpdir };
        if ((r = env_prepare(&sb->cfg, caller_env, &info, &env, &proc->diag)) < 0 ||
            (r = spawn_env_extra(attr, &env, &proc->diag)) < 0 ||
            (r = spawn_exec_paths(argv[0], env.v, &paths, &proc->diag)) < 0 ||
            (r = stdio_fds(attr, stdio, &pty_slots, &proc->diag)) < 0 ||
            (r = build_request(cwd, (char *const *) argv, env.v, &paths, pty_slots, attr, &req, &len,
                               &proc->diag)) < 0)
                goto out;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, chan) < 0) {
                r = diag_errno(&proc->diag, -errno, "cannot create the command's channel");
                goto out;
        }
        for (int i = 0; i < 2; i++)
                if ((chan[i] = fd_move_above_stdio(chan[i])) < 0) {
                        r = diag_errno(&proc->diag, -EMFILE, "cannot create the command's channel");
                        goto out;
                }
        /* Before the command exists: its first message then carries its pid. */
        if (setsockopt(chan[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
                r = diag_errno(&proc->diag, -errno, "cannot create the command's channel");
                goto out;
        }

        proc->start_ns = now_ns();
        {
                int fds[4] = { chan[1], stdio[0], stdio[1], stdio[2] };
                r = send_request(proc, sandbox->ctl_fd, req, len, fds);
        }
        chan[1] = safe_close(chan[1]);          /* init has its own now, or none: then end-of-file */
        for (int i = 0; i < 3; i++)
                stdio[i] = safe_close(stdio[i]);
        if (r < 0)
                goto out;
        r = read_replies(proc, chan[0]);
        if (r == -ECHILD) {
                struct pollfd pfd = { .fd = sandbox->pidfd, .events = POLLIN };
                r = poll(&pfd, 1, 0) != 0 ? diag_set(&proc->diag, -ESRCH, "the sandbox has ended")
                                          : diag_set(&proc->diag, -EIO, "the sandbox's init dropped the request "
                                                     "(out of file descriptors?)");
        }
        if (r < 0) {
                proc->pid = 0;
                proc->pidfd = safe_close(proc->pidfd);
                proc->pty_fd = safe_close(proc->pty_fd);
                goto out;
        }
        if (proc->pid <= 0)
                proc->pid = pidfd_pid(proc->pidfd);
        proc->ctl_fd = TAKE_FD(chan[0]);
        proc->in_sandbox = true;
        proc->phase = PHASE_RUNNING;
        proc->kill_after_ms = sb->cfg.kill_after_ms;
        proc->layers = sandbox->layers;
        timeout_ms = SPAWN_ATTR_GET(attr, timeout_ms, 0);
        if (timeout_ms > 0)
                (void) proc_arm(proc, proc->start_ns + timeout_ms * 1000000ULL); /* no timerfd yet: cannot fail */
        r = 0;
out:
        for (int i = 0; i < 3; i++)
                safe_close(stdio[i]);
        safe_close(chan[0]);
        safe_close(chan[1]);
        strv_done(&env);
        strv_done(&paths);
        return r;
}
