/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oslbox_proc_spawn() and oslbox_proc_wait() as an embedding program uses
 * them instead of fork/exec/waitpid: output through a pipe, the result of
 * every way a command ends, and the errors of spawning.
 */
#include "api.h"

#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>

static void on_signal(int sig)
{
        (void) sig;
}

static void output_and_identity(const struct oslbox_policy *pol)
{
        const char *argv[] = { "sh", "-c", "echo hello; id -u", NULL };
        struct oslbox_result res;
        char want[64], *out = NULL;
        int r;

        r = api_run(pol, argv, &out, &res);
        tap_is_int(r, 0, "spawn sh -c 'echo hello; id -u' with stdout on a pipe");
        snprintf(want, sizeof(want), "hello\n%u\n", (unsigned) getuid());
        tap_is_str(out, want, "its output arrives through the pipe, and it runs as the caller's uid");
        tap_is_int(res.exit_code, 0, "exit code 0");
        tap_is_int(res.signal, 0, "no signal");
        tap_ok(!res.timed_out, "not timed out");
        tap_ok(res.wall_ms > 0, "wall_ms > 0 (%llu)", (unsigned long long) res.wall_ms);
        tap_ok(res.max_rss_kb > 0, "max_rss_kb > 0 (%llu)", (unsigned long long) res.max_rss_kb);
        free(out);
}

static void exit_codes(const struct oslbox_policy *pol)
{
        static const struct { const char *script; int code, sig; } cases[] = {
                { "exit 3", 3, 0 },
                { "exit 137", 137, 0 },         /* an exit status, not SIGKILL */
                { "kill -SEGV $$", -1, SIGSEGV },
                { "kill -TERM $$", -1, SIGTERM },
        };
        for (size_t i = 0; i < API_ELEMENTS(cases); i++) {
                const char *argv[] = { "sh", "-c", cases[i].script, NULL };
                struct oslbox_result res;
                char *out = NULL;

                if (api_run(pol, argv, &out, &res) < 0) {
                        tap_ok(0, "sh -c '%s' spawns", cases[i].script);
                        continue;
                }
                tap_ok(res.exit_code == cases[i].code && res.signal == cases[i].sig && !res.timed_out,
                       "sh -c '%s': exit_code %d, signal %d", cases[i].script, cases[i].code, cases[i].sig);
                if (res.exit_code != cases[i].code || res.signal != cases[i].sig)
                        tap_diag("got exit_code %d, signal %d", res.exit_code, res.signal);
                free(out);
        }
}

static void poll_wait_and_kill(const struct oslbox_policy *pol)
{
        const char *argv[] = { "sleep", "30", NULL };
        struct oslbox_proc *proc = api_spawn(pol, argv, NULL);
        struct oslbox_result res = { .size = sizeof(res) };
        uint64_t t0;
        int r;

        tap_is_int(oslbox_proc_wait(proc, 0, &res), -ETIMEDOUT, "a 0 ms wait on a running sleep: -ETIMEDOUT");
        t0 = api_now_ms();
        r = oslbox_proc_wait(proc, 100, &res);
        tap_ok(r == -ETIMEDOUT && api_now_ms() - t0 >= 100,
               "a 100 ms wait: -ETIMEDOUT after at least 100 ms (%d after %llu ms)", r,
               (unsigned long long) (api_now_ms() - t0));
        tap_ok(oslbox_proc_pid(proc) > 0 && kill(oslbox_proc_pid(proc), 0) == 0,
               "oslbox_proc_pid() is a live process");
        tap_is_int(oslbox_proc_kill(proc, OSLBOX_KILL_NOW), 0, "oslbox_proc_kill(OSLBOX_KILL_NOW)");
        t0 = api_now_ms();
        tap_is_int(oslbox_proc_wait(proc, 5000, &res), 0, "... then wait returns 0");
        tap_ok(api_now_ms() - t0 < 2000, "... at once, not when sleep would have ended");
        tap_is_int(res.signal, SIGKILL, "... the result's signal is SIGKILL");
        tap_is_int(res.exit_code, -1, "... its exit_code -1");
        tap_ok(!res.timed_out, "... and timed_out is false: the caller killed it");
        {
                struct oslbox_result again = { .size = sizeof(again) };
                r = oslbox_proc_wait(proc, 0, &again);
                /* The header says -ECHILD; returning the same result again would be as good. */
                tap_ok(r == -ECHILD || (r == 0 && again.signal == SIGKILL),
                       "a second wait: -ECHILD or the same result (%d)", r);
        }
        tap_is_int(oslbox_proc_kill(proc, OSLBOX_KILL_NOW), 0, "killing an ended sandbox is not an error");
        tap_is_int(oslbox_proc_signal(proc, SIGTERM), -ESRCH, "signalling an ended sandbox: -ESRCH");
        oslbox_proc_free(proc);
}

static void graceful_kill(const struct oslbox_policy *pol)
{
        const char *argv[] = { "sleep", "30", NULL };
        struct oslbox_proc *proc = api_spawn(pol, argv, NULL);
        struct oslbox_result res = { .size = sizeof(res) };

        tap_is_int(oslbox_proc_kill(proc, OSLBOX_KILL_GRACEFUL), 0, "oslbox_proc_kill(OSLBOX_KILL_GRACEFUL)");
        tap_is_int(oslbox_proc_wait(proc, 5000, &res), 0, "... wait completes the teardown");
        tap_is_int(res.signal, SIGTERM, "... sleep ended by SIGTERM");
        oslbox_proc_free(proc);
}

static void signal_forwarded(const struct oslbox_policy *pol)
{
        const char *argv[] = { "sh", "-c", "trap 'exit 42' USR1; echo ready; while :; do sleep 0.05; done", NULL };
        struct oslbox_result res = { .size = sizeof(res) };
        struct oslbox_spawn_attr attr;
        struct oslbox_proc *proc;
        char line[16] = "";
        int out[2];
        FILE *f;

        if (pipe2(out, O_CLOEXEC) < 0)
                api_bail("pipe2", -errno);
        memset(&attr, 0, sizeof(attr));
        attr.size = sizeof(attr);
        attr.stdio[1].kind = OSLBOX_STDIO_FD;
        attr.stdio[1].fd = out[1];
        attr.stdio[2].kind = OSLBOX_STDIO_NULL;        /* sh reports its sleep's death by USR1 */
        proc = api_spawn(pol, argv, &attr);
        close(out[1]);
        f = fdopen(out[0], "r");
        if (!f || !fgets(line, sizeof(line), f))
                api_bail("reading the command's first line", -EIO);
        tap_is_str(line, "ready\n", "the trapping shell is ready");
        tap_is_int(oslbox_proc_signal(proc, SIGUSR1), 0, "oslbox_proc_signal(SIGUSR1)");
        tap_is_int(oslbox_proc_wait(proc, 5000, &res), 0, "... it ends");
        tap_is_int(res.exit_code, 42, "... through its trap: the signal reached the command");
        fclose(f);
        oslbox_proc_free(proc);
}

static void policy_timeout(void)
{
        const char *directives[] = { "timeout", "200ms", NULL };
        const char *argv[] = { "sleep", "30", NULL };
        struct oslbox_policy *pol = api_policy(directives);
        struct oslbox_proc *proc = api_spawn(pol, argv, NULL);
        struct oslbox_result res = { .size = sizeof(res) };

        tap_is_int(oslbox_proc_wait(proc, -1, &res), 0, "timeout 200ms: a blocking wait on sleep 30 returns");
        tap_ok(res.timed_out, "... timed_out is set");
        tap_is_int(res.signal, SIGTERM, "... sleep was ended by SIGTERM");
        tap_ok(res.wall_ms >= 200 && res.wall_ms < 3000, "... after 200 ms, not 30 s (wall_ms %llu)",
               (unsigned long long) res.wall_ms);
        oslbox_proc_free(proc);
        oslbox_policy_free(pol);
}

static void fresh_proc(void)
{
        struct oslbox_result res = { .size = sizeof(res) };
        struct oslbox_proc *proc = NULL;

        if (oslbox_proc_new(&proc) < 0)
                api_bail("oslbox_proc_new", -ENOMEM);
        tap_is_int(oslbox_proc_wait(proc, -1, &res), -ECHILD, "waiting on a fresh proc: -ECHILD");
        tap_is_int(oslbox_proc_kill(proc, OSLBOX_KILL_NOW), -ECHILD, "killing a fresh proc: -ECHILD");
        tap_is_int(oslbox_proc_signal(proc, SIGTERM), -ECHILD, "signalling a fresh proc: -ECHILD");
        tap_is_int(oslbox_proc_fd(proc), -ECHILD, "the event fd of a fresh proc: -ECHILD");
        tap_is_int(oslbox_proc_pty(proc), -EBADF, "the PTY of a fresh proc: -EBADF");
        oslbox_proc_free(proc);
}

static void bad_arguments(const struct oslbox_policy *pol)
{
        const char *argv[] = { "true", NULL }, *empty[] = { NULL };
        struct oslbox_result res = { .size = 0 };
        struct oslbox_spawn_attr attr;
        struct oslbox_proc *proc = NULL;

        if (oslbox_proc_new(&proc) < 0)
                api_bail("oslbox_proc_new", -ENOMEM);
        tap_is_int(oslbox_proc_spawn(proc, pol, empty, NULL), -EINVAL, "spawning an empty argv: -EINVAL");
        memset(&attr, 0, sizeof(attr));
        attr.size = sizeof(size_t);     /* smaller than any version of it */
        tap_is_int(oslbox_proc_spawn(proc, pol, argv, &attr), -EINVAL, "an attr whose size is too small: -EINVAL");
        attr.size = sizeof(attr);
        attr.stdio[1].kind = OSLBOX_STDIO_FD;
        attr.stdio[1].fd = -1;
        tap_is_int(oslbox_proc_spawn(proc, pol, argv, &attr), -EBADF, "OSLBOX_STDIO_FD with fd -1: -EBADF");
        tap_is_int(oslbox_proc_spawn(proc, pol, argv, NULL), 0, "... the proc still spawns after those");
        tap_is_int(oslbox_proc_spawn(proc, pol, argv, NULL), -EBUSY, "a second spawn on one proc: -EBUSY");
        tap_is_int(oslbox_proc_wait(proc, -1, &res), -EINVAL, "a result whose size is 0: -EINVAL");
        tap_is_int(oslbox_proc_kill(proc, 2), -EINVAL, "unknown kill flags: -EINVAL");
        oslbox_proc_free(proc);         /* still running, maybe: free kills and reaps it */
}

static void exec_failures(const struct oslbox_policy *pol)
{
        static const struct { const char *cmd; int r; } cases[] = {
                { "oslbox-no-such-command", -ENOENT },
                { "/etc/passwd", -EACCES },     /* found, not executable */
        };
        for (size_t i = 0; i < API_ELEMENTS(cases); i++) {
                const char *argv[] = { cases[i].cmd, NULL };
                struct oslbox_proc *proc = NULL;
                const char *msg;

                if (oslbox_proc_new(&proc) < 0)
                        api_bail("oslbox_proc_new", -ENOMEM);
                tap_is_int(oslbox_proc_spawn(proc, pol, argv, NULL), cases[i].r, "spawning %s fails with %s",
                           cases[i].cmd, strerror(-cases[i].r));
                tap_ok(oslbox_proc_exec_failed(proc), "... oslbox_proc_exec_failed() is true");
                msg = oslbox_proc_error(proc);
                tap_ok(strstr(msg, cases[i].cmd) != NULL, "... the message names the command: %s", msg);
                oslbox_proc_free(proc);
        }
}

static void setup_failure(void)
{
        const char *directives[] = { "rw", "/does/not/exist", NULL };
        const char *argv[] = { "true", NULL };
        struct oslbox_policy *pol = api_policy(directives);
        struct oslbox_proc *proc = NULL;
        const char *msg;

        if (oslbox_proc_new(&proc) < 0)
                api_bail("oslbox_proc_new", -ENOMEM);
        tap_is_int(oslbox_proc_spawn(proc, pol, argv, NULL), -ENOENT,
                   "spawning with rw /does/not/exist fails with -ENOENT");
        tap_ok(!oslbox_proc_exec_failed(proc), "... oslbox_proc_exec_failed() is false: a setup failure");
        msg = oslbox_proc_error(proc);
        tap_ok(strstr(msg, "/does/not/exist") != NULL, "... the message names the path: %s", msg);
        oslbox_proc_free(proc);
        oslbox_policy_free(pol);
}

/* Daemons ignore SIGCHLD, or set SA_NOCLDWAIT, to have no zombies: their
 * sandboxed commands must still end and report their status. */
static void sigchld_disposition(const struct oslbox_policy *pol)
{
        static const struct { const char *name; void (*handler)(int); int flags; } cases[] = {
                { "SIGCHLD ignored", SIG_IGN, 0 },
                { "SIGCHLD handled with SA_NOCLDWAIT", on_signal, SA_NOCLDWAIT },
        };
        for (size_t i = 0; i < API_ELEMENTS(cases); i++) {
                const char *argv[] = { "sh", "-c", "exit 9", NULL };
                struct oslbox_result res = { .size = sizeof(res) };
                struct sigaction sa, old;
                struct oslbox_proc *proc;
                int r;

                memset(&sa, 0, sizeof(sa));
                sa.sa_handler = cases[i].handler;
                sa.sa_flags = cases[i].flags;
                sigaction(SIGCHLD, &sa, &old);
                proc = api_spawn(pol, argv, NULL);
                r = oslbox_proc_wait(proc, 2000, &res);     /* it needs a few ms */
                tap_ok(r == 0 && res.exit_code == 9, "%s in the caller: sh -c 'exit 9' ends with exit code 9 (%d, %d)",
                       cases[i].name, r, res.exit_code);
                if (r < 0) {
                        (void) oslbox_proc_kill(proc, OSLBOX_KILL_NOW);  /* the check failed already */
                        (void) oslbox_proc_wait(proc, 5000, &res);
                }
                oslbox_proc_free(proc);
                sigaction(SIGCHLD, &old, NULL);
        }
}

/* The SigBlk or SigIgn mask in /proc/PID/status text TEXT. */
static uint64_t status_mask(const char *text, const char *name)
{
        const char *p = text ? strstr(text, name) : NULL;
        return p ? strtoull(p + strlen(name), NULL, 16) : ~0ULL;
}

/* posix_spawn() keeps the caller's signal mask and ignored signals; a
 * sandbox starts its command clean, as a fresh login would. */
static void signal_state(const struct oslbox_policy *pol)
{
        /* glibc keeps 32 and 33 to itself (sigaction() refuses them), but
         * they can arrive ignored: GNU make runs its commands so. */
        const uint64_t reserved = (1ULL << (32 - 1)) | (1ULL << (33 - 1));
        const char *argv[] = { "cat", "/proc/self/status", NULL };
        struct oslbox_result res;
        uint64_t caller_ign;
        sigset_t block, old;
        char *out = NULL, *mine;
        int fd, r;

        if ((fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)) < 0)
                api_bail("open /proc/self/status", -errno);
        mine = api_read_all(fd, api_now_ms() + 1000);
        close(fd);
        caller_ign = status_mask(mine, "SigIgn:");
        free(mine);

        /* Ignore 32 and 33 as make would, with the raw system call glibc's
         * sigaction() keeps from us, for the spawn only. */
        struct { void (*handler)(int); unsigned long flags; void (*restorer)(void); uint64_t mask; }
                ign = { SIG_IGN, 0, NULL, 0 }, old32 = { 0 }, old33 = { 0 };
        if (!(caller_ign & reserved)) {
                syscall(SYS_rt_sigaction, 32, &ign, &old32, sizeof(uint64_t));
                syscall(SYS_rt_sigaction, 33, &ign, &old33, sizeof(uint64_t));
        }
        sigemptyset(&block);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGINT);
        pthread_sigmask(SIG_BLOCK, &block, &old);
        signal(SIGPIPE, SIG_IGN);
        signal(SIGHUP, on_signal);
        r = api_run(pol, argv, &out, &res);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        if (!(caller_ign & reserved)) {
                syscall(SYS_rt_sigaction, 32, &old32, NULL, sizeof(uint64_t));
                syscall(SYS_rt_sigaction, 33, &old33, NULL, sizeof(uint64_t));
        }
        tap_is_int(r, 0, "with SIGTERM and SIGINT blocked, SIGPIPE ignored and a SIGHUP handler, spawn a command");
        tap_ok(status_mask(out, "SigBlk:") == 0, "... it starts with no signal blocked (%016llx)",
               (unsigned long long) status_mask(out, "SigBlk:"));
        tap_ok((status_mask(out, "SigIgn:") & ~reserved) == 0, "... and none ignored (%016llx)",
               (unsigned long long) status_mask(out, "SigIgn:"));
        tap_ok((status_mask(out, "SigIgn:") & reserved) == 0,
               "... not even 32 and 33, which the caller has ignored (%016llx)",
               (unsigned long long) status_mask(out, "SigIgn:"));
        free(out);
}

static void working_directory(const struct oslbox_policy *pol)
{
        const char *argv[] = { "sh", "-c", "pwd; cat marker", NULL };
        struct oslbox_spawn_attr attr;
        struct oslbox_proc *proc = NULL;
        struct oslbox_result res = { .size = sizeof(res) };
        char dir[] = "/tmp/oslbox-api-cwd.XXXXXX", path[64], want[128], *out = NULL;
        int fd, p[2];

        if (!mkdtemp(dir) || snprintf(path, sizeof(path), "%s/marker", dir) < 0 ||
            (fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) < 0 || write(fd, "here\n", 5) != 5 ||
            pipe2(p, O_CLOEXEC) < 0 || oslbox_proc_new(&proc) < 0)
                api_bail("preparing a working directory", -errno);
        close(fd);
        memset(&attr, 0, sizeof(attr));
        attr.size = sizeof(attr);
        attr.cwd = dir;
        attr.stdio[1].kind = OSLBOX_STDIO_FD;
        attr.stdio[1].fd = p[1];
        tap_is_int(oslbox_proc_spawn(proc, pol, argv, &attr), 0, "attr.cwd = %s", dir);
        close(p[1]);
        out = api_read_all(p[0], api_now_ms() + 10000);
        (void) oslbox_proc_wait(proc, -1, &res);        /* the output is the check */
        snprintf(want, sizeof(want), "%s\nhere\n", dir);
        tap_is_str(out, want, "... the command starts there and sees its files");
        free(out);
        close(p[0]);
        oslbox_proc_free(proc);
        unlink(path);
        rmdir(dir);
}

int main(void)
{
        struct oslbox_policy *pol = api_policy(NULL);

        output_and_identity(pol);
        exit_codes(pol);
        poll_wait_and_kill(pol);
        graceful_kill(pol);
        signal_forwarded(pol);
        policy_timeout();
        fresh_proc();
        bad_arguments(pol);
        exec_failures(pol);
        setup_failure();
        signal_state(pol);
        working_directory(pol);
        sigchld_disposition(pol);
        oslbox_policy_free(pol);
        return tap_done();
}
