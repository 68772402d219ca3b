/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The supervisor: waits for the sandbox on its pidfd, enforces the policy's
 * timeout and tears the sandbox down (SIGTERM to every process, SIGKILL to
 * what is left after kill-after). It runs in whichever thread calls
 * oslbox_proc_wait(), and waits on events (the pidfd, and a timerfd for a
 * caller's own poll loop), never on a sleep loop.
 *
 * Guarantee: no process of the sandbox outlives it. The sandbox's init holds
 * one end of a socket whose other end only this process has; when this
 * process ends for any reason, SIGKILL included, init sees end-of-file and
 * exits, and the kernel kills everything in its pid namespace. Unlike
 * PR_SET_PDEATHSIG this does not depend on which thread spawned it. In the
 * landlock isolation mode there is no pid namespace, and init's death would
 * orphan the rest instead: there init kills everything before it exits
 * (init.c), so the SIGKILL is that end-of-file, and cgroup.kill where a v2
 * cgroup holds the sandbox.
 *
 * A command of oslbox_proc_spawn_in() is supervised the same way through
 * its channel to init (spawn-in.c): its signals, its teardown (SIGTERM to
 * its process group, SIGKILL after kill-after) and its kill are requests
 * on the channel, its end is init's message there. End-of-file without it
 * means the sandbox ended, taking the command: once the kernel has killed
 * it (its pidfd says so), it is reported killed by SIGKILL.
 */
#include "config.h"

#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include "init.h"
#include "denials.h"
#include "proc.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* A request to init: on the sandbox's control socket, or a command's channel. */
static int send_request(int fd, uint32_t kind, int sig)
{
        struct init_req_signal m = { { kind, kind == INIT_REQ_SIGNAL ? sizeof(int32_t) : 0 }, sig };
        size_t n = kind == INIT_REQ_SIGNAL ? sizeof(m) : sizeof(m.req);
        ssize_t k;

        do
                k = send(fd, &m, n, MSG_NOSIGNAL);
        while (k < 0 && errno == EINTR);
        return k < 0 ? -errno : 0;
}

static int send_signal(struct oslbox_proc *p, int sig)
{
        if (p->in_sandbox) {
                int r = send_request(p->ctl_fd, sig == SIGKILL ? INIT_REQ_KILL : INIT_REQ_SIGNAL, sig);
                /* init closed the channel: the command ended, its status is there */
                return r == -EPIPE || r == -ECONNRESET ? 0 : r;
        }
        if (syscall(SYS_pidfd_send_signal, p->pidfd, sig, NULL, 0) < 0)
                return errno == ESRCH ? 0 : -errno;     /* ESRCH: already gone */
        return 0;
}

/* SIGKILL for every process of the sandbox. */
static int kill_sandbox(struct oslbox_proc *p)
{
        if (p->in_sandbox || !p->layers.landlock_mode)
                return send_signal(p, SIGKILL);         /* init's death kills the namespace; a
                                                           command's: init kills its group */
        cgroup_kill(&p->cgroup);
        if (p->ctl_fd >= 0 && shutdown(p->ctl_fd, SHUT_WR) < 0 && errno != ENOTCONN)
                return -errno;
        return 0;
}

int proc_arm(struct oslbox_proc *p, uint64_t deadline_ns)
{
        struct itimerspec its = {};

        p->deadline_ns = deadline_ns;
        if (p->timer_fd < 0)
                return 0;
        if (deadline_ns) {
                its.it_value.tv_sec = (time_t) (deadline_ns / 1000000000ULL);
                its.it_value.tv_nsec = (long) (deadline_ns % 1000000000ULL);
        }
        if (timerfd_settime(p->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
                return -errno;
        return 0;
}

static void finish(struct oslbox_proc *p, const siginfo_t *si, const struct rusage *ru)
{
        struct oslbox_result *res = &p->result;

        res->size = sizeof(*res);
        if (p->shared && p->shared->valid) {
                int st = p->shared->wstatus;
                res->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
                res->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
        } else if (si->si_code == CLD_EXITED) {
                /* Init ended without the command's status: it failed, or
                 * lost its parent; report what it said. */
                res->exit_code = si->si_status;
                res->signal = 0;
        } else {
                res->exit_code = -1;
                res->signal = si->si_status;
        }
        res->timed_out = p->timed_out;
        res->wall_ms = (now_ns() - p->start_ns) / 1000000ULL;
        res->cpu_ms = (uint64_t) (ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000ULL +
                      (uint64_t) (ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1000ULL;
        res->max_rss_kb = (uint64_t) ru->ru_maxrss;
        res->memory_limit_kb = p->memory_limit_kb;
        p->cgroup_used = p->cgroup.active;
        if (p->cgroup.active) {
                struct cgroup_stats st;
                cgroup_collect(&p->cgroup, &st);
                res->memory_peak_kb = st.memory_peak_kb;
                res->pids_peak = st.pids_peak;
                res->oom_killed = st.oom_killed;
        }
        cgroup_destroy(&p->cgroup);
        privdir_done(&p->privdir);      /* init removed it, unless it could not */
        if (p->denials)
                (void) denials_collect(p->denials, res);        /* its error: oslbox_proc_denials()'s */
        p->phase = PHASE_DONE;
        p->deadline_ns = 0;
}

/* A command in a sandbox ended with wait status ST. */
static void finish_in(struct oslbox_proc *p, int st, uint64_t cpu_us, uint64_t max_rss_kb)
{
        struct oslbox_result *res = &p->result;

        *res = (struct oslbox_result) {
                .size = sizeof(*res),
                .exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1,
                .signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0,
                .timed_out = p->timed_out,
                .wall_ms = (now_ns() - p->start_ns) / 1000000ULL,
                .cpu_ms = cpu_us / 1000ULL,
                .max_rss_kb = max_rss_kb,
        };
        p->phase = PHASE_DONE;
        p->deadline_ns = 0;
}

/* The fd that becomes readable when a command in a sandbox may have ended. */
static int in_wait_fd(const struct oslbox_proc *p)
{
        return p->chan_eof ? p->pidfd : p->ctl_fd;
}

static int in_reap(struct oslbox_proc *p, bool block)
{
        struct pollfd pfd;
        int n;

        while (!p->chan_eof) {
                union {
                        struct child_msg m;
                        struct init_evt e;
                } u = {};
                ssize_t k = recv(p->ctl_fd, &u, sizeof(u), block ? 0 : MSG_DONTWAIT);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return errno == EAGAIN ? 0 : -errno;
                if (k == (ssize_t) sizeof(u.e) && u.e.kind == MSG_EXIT) {
                        finish_in(p, u.e.wstatus, u.e.cpu_us, u.e.max_rss_kb);
                        return 1;
                }
                if (k == 0) {
                        p->chan_eof = true;
                        if (p->event_fd >= 0) {
                                struct epoll_event ev = { .events = EPOLLIN };
                                (void) epoll_ctl(p->event_fd, EPOLL_CTL_DEL, p->ctl_fd, NULL);
                                if (epoll_ctl(p->event_fd, EPOLL_CTL_ADD, p->pidfd, &ev) < 0)
                                        return -errno;
                        }
                }
                /* Anything else is not for us now: skipped. */
        }
        /* The sandbox ended, and the kernel is killing what was in it. */
        pfd = (struct pollfd) { .fd = p->pidfd, .events = POLLIN };
        while ((n = poll(&pfd, 1, block ? -1 : 0)) < 0 && errno == EINTR)
                ;
        if (n < 0)
                return -errno;
        if (n == 0)
                return 0;
        finish_in(p, SIGKILL, 0, 0);    /* as waitpid(2) says "killed by SIGKILL" */
        return 1;
}

/* Reaps init if it ended (or waits for it when BLOCK). 1: reaped, 0: still
 * running. The rusage covers init and every process it reaped, which is
 * every process of the sandbox. For a command in a sandbox: whether it
 * ended. */
int proc_reap(struct oslbox_proc *p, bool block)
{
        siginfo_t si = {};
        struct rusage ru = {};

        if (p->phase == PHASE_DONE || p->phase == PHASE_NEW)
                return 1;
        if (p->in_sandbox)
                return in_reap(p, block);
        for (;;) {
                if (syscall(SYS_waitid, P_PIDFD, p->pidfd, &si, WEXITED | __WALL | (block ? 0 : WNOHANG),
                            &ru) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                break;
        }
        if (si.si_pid == 0)
                return 0;
        finish(p, &si, &ru);
        return 1;
}

static int teardown(struct oslbox_proc *p)
{
        if (p->phase == PHASE_RUNNING) {
                /* Init sends SIGTERM to every process of the sandbox (to the
                 * command's process group, for a command in a sandbox). */
                if (send_request(p->ctl_fd, INIT_REQ_TERM, 0) < 0) {
                        if (!p->in_sandbox)
                                return kill_sandbox(p);
                        /* Init closed the channel: the end is there to read. */
                        p->phase = PHASE_KILLED;
                        return proc_arm(p, 0);
                }
                p->phase = PHASE_TERMINATING;
                return proc_arm(p, now_ns() + p->kill_after_ms * 1000000ULL);
        }
        if (p->phase == PHASE_TERMINATING) {
                p->phase = PHASE_KILLED;
                (void) proc_arm(p, 0);
                return kill_sandbox(p);
        }
        return 0;
}

/* Runs the supervisor's due actions. */
static int advance(struct oslbox_proc *p)
{
        if (!p->deadline_ns || now_ns() < p->deadline_ns)
                return 0;
        if (p->phase == PHASE_RUNNING)
                p->timed_out = true;
        return teardown(p);
}

OSLBOX_API int oslbox_proc_wait(struct oslbox_proc *p, int timeout_ms, struct oslbox_result *result)
{
        uint64_t until = timeout_ms >= 0 ? now_ns() + (uint64_t) timeout_ms * 1000000ULL : 0;
        int r;

        if (!p || !result || result->size == 0)
                return -EINVAL;
        if (p->phase == PHASE_NEW)
                return -ECHILD;
        for (;;) {
                struct pollfd pfd = { .fd = p->in_sandbox ? in_wait_fd(p) : p->pidfd, .events = POLLIN };
                uint64_t now, next;
                int ms;

                if (p->phase != PHASE_DONE) {
                        if ((r = proc_reap(p, false)) < 0)
                                return diag_errno(&p->diag, r, "cannot wait for the sandbox");
                        /* Init ended the sandbox on an error of its own: no
                         * outcome to report, the result holds its 125. */
                        if (r == 1 && p->shared && !p->shared->valid && p->shared->init_err) {
                                p->shared->init_call[sizeof(p->shared->init_call) - 1] = '\0';
                                diag_set(&p->diag, -EIO, "the sandbox's init failed (%s: %s) and ended the sandbox",
                                         p->shared->init_call, errno_text(p->shared->init_err));
                                return -EIO;
                        }
                        if (r == 1 && p->report.dir_fd >= 0) {
                                r = report_write(p, &p->diag);
                                report_target_done(&p->report);         /* once, written or not */
                                if (r < 0)
                                        return r;
                        }
                }
                if (p->phase == PHASE_DONE) {
                        size_t n = result->size < sizeof(p->result) ? result->size : sizeof(p->result);
                        memcpy(result, &p->result, n);
                        result->size = n;
                        return 0;
                }
                if ((r = advance(p)) < 0)
                        return diag_errno(&p->diag, r, "cannot tear the sandbox down");

                now = now_ns();
                next = p->deadline_ns;
                if (until && (!next || until < next))
                        next = until;
                if (timeout_ms >= 0 && now >= until)
                        return -ETIMEDOUT;
                ms = next ? (int) ((next > now ? next - now : 0) / 1000000ULL) + 1 : -1;
                if (poll(&pfd, 1, ms) < 0 && errno != EINTR)
                        return diag_errno(&p->diag, -errno, "cannot wait for the sandbox");
        }
}

OSLBOX_API int oslbox_proc_kill(struct oslbox_proc *p, unsigned flags)
{
        if (!p || (flags & ~OSLBOX_KILL_NOW))
                return -EINVAL;
        if (p->phase == PHASE_NEW)
                return -ECHILD;
        if (p->phase == PHASE_DONE)
                return 0;
        if (flags & OSLBOX_KILL_NOW) {
                p->phase = PHASE_KILLED;
                (void) proc_arm(p, 0);
                return kill_sandbox(p);
        }
        return p->phase == PHASE_RUNNING ? teardown(p) : 0;
}

OSLBOX_API int oslbox_proc_signal(struct oslbox_proc *p, int sig)
{
        if (!p || sig <= 0 || sig >= NSIG)
                return -EINVAL;
        if (p->phase == PHASE_NEW)
                return -ECHILD;
        if (p->phase == PHASE_DONE)
                return -ESRCH;
        if (sig == SIGKILL)
                return kill_sandbox(p); /* init cannot pass it on: it would die of it */
        return send_signal(p, sig);     /* init passes it on to the command */
}

OSLBOX_API int oslbox_proc_fd(struct oslbox_proc *p)
{
        struct epoll_event ev = { .events = EPOLLIN };
        int r;

        if (!p)
                return -EINVAL;
        if (p->phase == PHASE_NEW)
                return -ECHILD;
        if (p->event_fd >= 0)
                return p->event_fd;
        p->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        p->event_fd = epoll_create1(EPOLL_CLOEXEC);
        if (p->timer_fd < 0 || p->event_fd < 0 ||
            epoll_ctl(p->event_fd, EPOLL_CTL_ADD, p->in_sandbox ? in_wait_fd(p) : p->pidfd, &ev) < 0 ||
            epoll_ctl(p->event_fd, EPOLL_CTL_ADD, p->timer_fd, &ev) < 0) {
                r = -errno;
                p->timer_fd = safe_close(p->timer_fd);
                p->event_fd = safe_close(p->event_fd);
                return diag_errno(&p->diag, r, "cannot create the event fd");
        }
        if ((r = proc_arm(p, p->deadline_ns)) < 0)
                return diag_errno(&p->diag, r, "cannot arm the timer");
        return p->event_fd;
}

OSLBOX_API pid_t oslbox_proc_pid(const struct oslbox_proc *p)
{
        return p && p->phase != PHASE_NEW ? p->pid : -ECHILD;
}

OSLBOX_API int oslbox_proc_pidfd(const struct oslbox_proc *p)
{
        return p && p->pidfd >= 0 ? p->pidfd : -EBADF;
}

OSLBOX_API int oslbox_proc_pty(const struct oslbox_proc *p)
{
        return p && p->pty_fd >= 0 ? p->pty_fd : -EBADF;
}

OSLBOX_API int oslbox_proc_take_pty(struct oslbox_proc *p)
{
        return p && p->pty_fd >= 0 ? TAKE_FD(p->pty_fd) : -EBADF;
}

OSLBOX_API const char *oslbox_proc_warning(const struct oslbox_proc *p)
{
        return p ? p->cgroup.warning : "";
}

OSLBOX_API const char *oslbox_proc_error(const struct oslbox_proc *p)
{
        return p ? p->diag.msg : "";
}

void proc_release(struct oslbox_proc *p)
{
        if (p->phase != PHASE_NEW && p->phase != PHASE_DONE) {
                (void) kill_sandbox(p);                 /* best effort: it may be gone */
                (void) proc_reap(p, true);
        }
        p->pidfd = safe_close(p->pidfd);
        p->ctl_fd = safe_close(p->ctl_fd);
        p->pty_fd = safe_close(p->pty_fd);
        p->event_fd = safe_close(p->event_fd);
        p->timer_fd = safe_close(p->timer_fd);
        if (p->shared)
                munmap(p->shared, sizeof(*p->shared));
        p->shared = NULL;
        cgroup_destroy(&p->cgroup);
        privdir_done(&p->privdir);
        report_target_done(&p->report);
        sandbox_info_free(p->sandbox);
        p->sandbox = NULL;
        p->in_sandbox = p->chan_eof = false;
}

OSLBOX_API void oslbox_proc_free(struct oslbox_proc *p)
{
        if (!p)
                return;
        proc_release(p);
        denials_free(p->denials);
        free(p);
}

OSLBOX_API int oslbox_proc_denials(const struct oslbox_proc *p, const struct oslbox_denial **ret, size_t *ret_n,
                                   uint64_t *ret_unlisted)
{
        int r;

        if (!p || !ret || !ret_n)
                return -EINVAL;
        if (!p->denials)
                return -ENODATA;
        if (p->phase != PHASE_DONE)
                return -ECHILD;
        if ((r = denials_error(p->denials)) < 0)
                return r;
        *ret_n = denials_get(p->denials, ret, ret_unlisted);
        return 0;
}
