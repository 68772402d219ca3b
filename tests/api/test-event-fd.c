/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oslbox_proc_fd() in the caller's own poll loop: it stays quiet while the
 * command runs, becomes readable when it exits or when a deadline of the
 * policy passes, and oslbox_proc_wait(..., 0, ...) then does what is due
 * (the timeout's SIGTERM, kill-after's SIGKILL, the final reap) without
 * blocking.
 */
#include "api.h"

#include <signal.h>

static bool readable(int fd, int timeout_ms)
{
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        return poll(&pfd, 1, timeout_ms) == 1 && (pfd.revents & POLLIN);
}

/* Drives PROC to its end from a poll loop on its event fd, as an event loop
 * would: each wakeup costs one oslbox_proc_wait(..., 0, ...). Returns the
 * number of wakeups, or -1 if it did not end within LIMIT_MS; the times at
 * which the fd became readable go to WAKEUPS_MS (from T0). */
static int drive(struct oslbox_proc *proc, int evfd, uint64_t t0, int limit_ms, struct oslbox_result *res,
                 uint64_t *wakeups_ms, int max_wakeups)
{
        int n = 0;

        while (api_now_ms() - t0 < (uint64_t) limit_ms && n < max_wakeups) {
                int r;

                if (!readable(evfd, 100))
                        continue;
                wakeups_ms[n++] = api_now_ms() - t0;
                memset(res, 0, sizeof(*res));
                res->size = sizeof(*res);
                r = oslbox_proc_wait(proc, 0, res);
                if (r == 0)
                        return n;
                if (r != -ETIMEDOUT) {
                        tap_diag("oslbox_proc_wait: %d %s", r, oslbox_proc_error(proc));
                        return -1;
                }
        }
        return -1;
}

static void readable_at_exit(const struct oslbox_policy *pol)
{
        const char *argv[] = { "sh", "-c", "read x; exit 7", NULL };
        struct oslbox_spawn_attr attr;
        struct oslbox_result res;
        struct oslbox_proc *proc;
        uint64_t wakeups[50];
        int in[2], evfd, n;

        if (pipe2(in, O_CLOEXEC) < 0)
                api_bail("pipe2", -errno);
        memset(&attr, 0, sizeof(attr));
        attr.size = sizeof(attr);
        attr.stdio[0].kind = OSLBOX_STDIO_FD;
        attr.stdio[0].fd = in[0];
        proc = api_spawn(pol, argv, &attr);
        close(in[0]);
        evfd = oslbox_proc_fd(proc);
        tap_ok(evfd >= 0, "oslbox_proc_fd() gives an fd (%d)", evfd);
        tap_is_int(oslbox_proc_fd(proc), evfd, "... the same one when asked again");
        tap_ok(!readable(evfd, 200), "it is not readable while the command waits for input");
        close(in[1]);           /* end of input: the command exits */
        n = drive(proc, evfd, api_now_ms(), 5000, &res, wakeups, 50);
        tap_ok(n >= 1, "it becomes readable when the command exits, and wait(0) then returns 0");
        tap_ok(n >= 1 && n <= 3, "... in %d wakeup(s), not a busy loop", n);
        tap_is_int(res.exit_code, 7, "... with the command's exit code");
        oslbox_proc_free(proc);
}

static void readable_at_deadline(void)
{
        const char *directives[] = { "timeout", "300ms", NULL };
        const char *argv[] = { "sleep", "30", NULL };
        struct oslbox_policy *pol = api_policy(directives);
        uint64_t t0 = api_now_ms(), wakeups[50];       /* before the spawn: deadlines count from it */
        struct oslbox_proc *proc = api_spawn(pol, argv, NULL);
        struct oslbox_result res;
        int evfd = oslbox_proc_fd(proc), n;

        tap_ok(evfd >= 0, "timeout 300ms: oslbox_proc_fd() gives an fd");
        tap_ok(!readable(evfd, 100), "... not readable 100 ms in");
        n = drive(proc, evfd, t0, 5000, &res, wakeups, 50);
        tap_ok(n >= 1, "... wait(0) at its wakeups tears the sandbox down and returns 0 (%d wakeups)", n);
        tap_ok(n >= 1 && wakeups[0] >= 299 && wakeups[0] < 1500,
               "... the first wakeup is at the deadline (%llu ms)", (unsigned long long) (n >= 1 ? wakeups[0] : 0));
        tap_ok(n >= 2 && n <= 4, "... one more when SIGTERM has ended it: no busy loop (%d)", n);
        tap_ok(res.timed_out, "... timed_out is set");
        tap_is_int(res.signal, SIGTERM, "... sleep ended by SIGTERM");
        oslbox_proc_free(proc);
        oslbox_policy_free(pol);
}

static void readable_at_kill_after(void)
{
        /* Both the shell and its sleep ignore SIGTERM: only kill-after ends them. */
        const char *directives[] = { "timeout", "200ms", "kill-after", "300ms", NULL };
        const char *argv[] = { "sh", "-c", "trap '' TERM; sleep 30", NULL };
        struct oslbox_policy *pol = api_policy(directives);
        uint64_t t0 = api_now_ms(), wakeups[50];
        struct oslbox_proc *proc = api_spawn(pol, argv, NULL);
        struct oslbox_result res;
        int evfd = oslbox_proc_fd(proc), n;

        n = drive(proc, evfd, t0, 5000, &res, wakeups, 50);
        tap_ok(n >= 1, "timeout 200ms, kill-after 300ms, SIGTERM ignored: driven from the event fd, it ends (%d)",
               n);
        tap_ok(n >= 2 && wakeups[0] >= 199 && wakeups[0] < 1000 && wakeups[1] >= 499 && wakeups[1] < 2000,
               "... wakeups at the timeout and at kill-after (%llu, %llu ms)",
               (unsigned long long) (n >= 1 ? wakeups[0] : 0), (unsigned long long) (n >= 2 ? wakeups[1] : 0));
        tap_ok(n >= 2 && n <= 5, "... no busy loop (%d wakeups)", n);
        tap_ok(res.timed_out, "... timed_out is set");
        tap_is_int(res.signal, SIGKILL, "... the command was killed by SIGKILL");
        oslbox_proc_free(proc);
        oslbox_policy_free(pol);
}

int main(void)
{
        struct oslbox_policy *pol = api_policy(NULL);

        readable_at_exit(pol);
        readable_at_deadline();
        readable_at_kill_after();
        oslbox_policy_free(pol);
        return tap_done();
}
