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
#include <sys/wait.h>

#include "init.h"
#include "seccomp-layer.h"

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

/* Init's own failure: say which call, then end the sandbox. */
static _Noreturn void init_die(const struct init_plan *plan, const char *call, int err)
{
        plan->shared->init_err = err > 0 ? err : EIO;
        copy_string(plan->shared->init_call, call, sizeof(plan->shared->init_call));
        _exit(125);
}

/* In the forked command: its session and stdio, then the policy's filter,
 * then execve(). */
static _Noreturn void command_exec(const struct init_plan *plan, const struct init_cmd *cmd)
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
        /* Last: the filter may forbid any of the above, and binds this
         * process and its children only, not init. */
        if ((r = seccomp_apply(cmd->seccomp)) < 0)
                init_fail(plan->sock, STAGE_SECCOMP, r, NULL);

        for (size_t i = 0; i < cmd->n_exec_paths; i++) {
                execve(cmd->exec_paths[i], cmd->argv, cmd->envp);
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

pid_t init_start(const struct init_plan *plan, const struct init_cmd *cmd)
{
        pid_t pid;

        /* vfork: init's address space is a copy of the caller's, and
         * copying its page tables again would cost more than the rest of
         * the command's start. The child only makes system calls until it
         * execs or exits, and init waits until it has. */
        pid = vfork();
        if (pid < 0)
                return -errno;
        if (pid == 0)
                command_exec(plan, cmd);
        return pid;
}

/* Reaps every child that ended; exits once COMMAND has. */
static void init_reap(const struct init_plan *plan, pid_t command)
{
        int status;
        pid_t pid;

        while ((pid = waitpid(-1, &status, WNOHANG | __WALL)) > 0)
                if (pid == command) {
                        plan->shared->wstatus = status;
                        plan->shared->valid = 1;
                        /* Exiting ends the pid namespace: the kernel kills
                         * whatever the command left behind. */
                        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
                }
        /* ECHILD too: the command is a child until reaped here. */
        if (pid < 0)
                init_die(plan, "waitpid", errno);
}

_Noreturn void init_loop(const struct init_plan *plan, int sfd, pid_t command)
{
        struct pollfd pfd[2] = {
                { .fd = sfd, .events = POLLIN },
                { .fd = plan->ctl, .events = POLLIN },
        };
        struct signalfd_siginfo si;

        for (;;) {
                /* Every signal is blocked, so EINTR comes only from a stop
                 * and continue: it cannot repeat without end. */
                if (poll(pfd, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        init_die(plan, "poll", errno);
                }
                if (pfd[1].revents) {
                        char c;
                        ssize_t k = read(plan->ctl, &c, 1);
                        if (k == 0 || (k < 0 && errno != EINTR && errno != EAGAIN))
                                _exit(125);     /* the parent is gone: so is the sandbox */
                        if (k == 1 && c == 'T')
                                (void) kill(-1, SIGTERM);       /* all but init */
                }
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

        command = init_start(plan, cmd);
        if (command < 0)
                init_fail(plan->sock, STAGE_INIT, command, NULL);
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
