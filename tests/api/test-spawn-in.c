/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oslbox_proc_spawn_in(): one sandbox kept alive and many commands run in
 * it, as an agent or an IDE keeps a session. Each command gets its own
 * result, sees what the first command made and its processes, is confined
 * as the first is (the same filter: the policy's deny-syscall bites, and
 * does not in a sandbox without it), gets the environment the sandbox's
 * policy lets through, its own stdio, cwd, PTY, signals, timeout and kill;
 * commands end with the sandbox; nothing leaks an fd.
 */
#include "api.h"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static const char first_script[] =
        "echo first > /tmp/first; echo home > \"$HOME/first\"; echo $$ > /tmp/first.pid; "
        "grep -E '^(CapEff|NoNewPrivs|Seccomp|Seccomp_filters):' /proc/self/status > /tmp/first.status; "
        "trap 'echo usr1 > /tmp/usr1' USR1; echo ready; while :; do sleep 600 & wait $!; done";

static struct oslbox_proc *new_proc(void)
{
        struct oslbox_proc *proc = NULL;
        int r = oslbox_proc_new(&proc);
        if (r < 0)
                api_bail("oslbox_proc_new", r);
        return proc;
}

/* A line from FD (up to the newline), within 10 s. */
static void read_line(int fd, char *buf, size_t size)
{
        uint64_t deadline = api_now_ms() + 10000;
        size_t len = 0;

        buf[0] = '\0';
        while (len + 1 < size && api_now_ms() < deadline) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                if (poll(&pfd, 1, 100) <= 0)
                        continue;
                if (read(fd, buf + len, 1) != 1)
                        break;
                if (buf[len++] == '\n')
                        break;
        }
        buf[len] = '\0';
}

static void base_attr(struct oslbox_spawn_attr *attr)
{
        memset(attr, 0, sizeof(*attr));
        attr->size = sizeof(*attr);
        attr->stdio[2].kind = OSLBOX_STDIO_NULL;
}

/* Starts ARGV in SB with stdout on a pipe (*RET_OUT_FD, the read end):
 * spawn_in's return value; *RET_PROC is freed by the caller. */
static int start_in(struct oslbox_proc *sb, const char *const argv[], const struct oslbox_spawn_attr *with,
                    struct oslbox_proc **ret_proc, int *ret_out_fd)
{
        struct oslbox_spawn_attr attr;
        int out[2], r;

        if (with)
                attr = *with;
        else
                base_attr(&attr);
        if (pipe2(out, O_CLOEXEC) < 0)
                api_bail("pipe2", -errno);
        attr.stdio[1].kind = OSLBOX_STDIO_FD;
        attr.stdio[1].fd = out[1];
        *ret_proc = new_proc();
        r = oslbox_proc_spawn_in(*ret_proc, sb, argv, &attr);
        close(out[1]);
        if (r < 0) {
                tap_diag("spawn_in %s: %s", argv[0], oslbox_proc_error(*ret_proc));
                close(out[0]);
                out[0] = -1;
        }
        *ret_out_fd = out[0];
        return r;
}

/* Runs ARGV in SB to its end: spawn_in's return value, the output in
 * *RET_OUT (NULL on failure) and the result. */
static int run_in(struct oslbox_proc *sb, const char *const argv[], const struct oslbox_spawn_attr *with,
                  char **ret_out, struct oslbox_result *res)
{
        struct oslbox_proc *proc;
        int fd, r;

        *ret_out = NULL;
        memset(res, 0, sizeof(*res));
        res->size = sizeof(*res);
        r = start_in(sb, argv, with, &proc, &fd);
        if (r == 0) {
                *ret_out = api_read_all(fd, api_now_ms() + 10000);
                if (oslbox_proc_wait(proc, -1, res) < 0) {
                        tap_diag("waiting for %s: %s", argv[0], oslbox_proc_error(proc));
                        r = -EIO;
                }
                close(fd);
        }
        oslbox_proc_free(proc);
        return r;
}

static int sh_in(struct oslbox_proc *sb, const char *script, char **ret_out, struct oslbox_result *res)
{
        const char *argv[] = { "sh", "-c", script, NULL };
        return run_in(sb, argv, NULL, ret_out, res);
}

/* The sandbox: keep-alive, its first command on a pipe until "ready". */
static struct oslbox_proc *start_sandbox(const struct oslbox_policy *pol, const char *script, int *ret_out_fd)
{
        const char *argv[] = { "sh", "-c", script, NULL };
        struct oslbox_spawn_attr attr;
        struct oslbox_proc *sb = new_proc();
        char line[64];
        int out[2];

        base_attr(&attr);
        if (pipe2(out, O_CLOEXEC) < 0)
                api_bail("pipe2", -errno);
        attr.stdio[1].kind = OSLBOX_STDIO_FD;
        attr.stdio[1].fd = out[1];
        if (oslbox_proc_spawn(sb, pol, argv, &attr) < 0) {
                printf("Bail out! spawning the sandbox: %s\n", oslbox_proc_error(sb));
                exit(1);
        }
        close(out[1]);
        read_line(out[0], line, sizeof(line));
        if (strcmp(line, "ready\n") != 0) {
                printf("Bail out! the sandbox's first command said '%s', not ready\n", line);
                exit(1);
        }
        *ret_out_fd = out[0];
        return sb;
}

/* --- the checks ------------------------------------------------------------------ */

static void hundred_commands(struct oslbox_proc *sb)
{
        int before = api_count_fds(), bad = 0;

        for (int i = 0; i < 100; i++) {
                const char *script = "read x < /tmp/first; echo \"$x $1\"; exit $(($1 % 7))";
                char arg[16], want[32], *out = NULL;
                const char *argv[] = { "sh", "-c", script, "sh", arg, NULL };
                struct oslbox_result res;
                int r;

                snprintf(arg, sizeof(arg), "%d", i);
                snprintf(want, sizeof(want), "first %d\n", i);
                r = run_in(sb, argv, NULL, &out, &res);
                if (r != 0 || !out || strcmp(out, want) != 0 || res.exit_code != i % 7 || res.signal != 0) {
                        if (bad++ < 3)
                                tap_diag("command %d: spawn_in %d, output '%s', exit %d, signal %d", i, r,
                                         out ? out : "", res.exit_code, res.signal);
                }
                free(out);
        }
        tap_is_int(bad, 0, "100 commands in one sandbox: each read the first command's /tmp/first, printed its "
                   "line and exited with its own status");
        tap_is_int(api_count_fds(), before, "... and the 100 left no fd behind (%d)", before);
}

static void sees_the_session(struct oslbox_proc *sb)
{
        struct oslbox_result res;
        char *out = NULL;

        sh_in(sb, "cat /tmp/first \"$HOME/first\"", &out, &res);
        tap_is_str(out, "first\nhome\n", "a command sees the files the first wrote in the private /tmp and $HOME");
        free(out);
        sh_in(sb, "pid=$(cat /tmp/first.pid); tr '\\0' ' ' < /proc/$pid/cmdline | cut -c1-5", &out, &res);
        tap_is_str(out, "sh -c\n", "... sees the first command's process in its /proc");
        free(out);
        sh_in(sb, "kill -USR1 $(cat /tmp/first.pid) && echo sent", &out, &res);
        tap_is_str(out, "sent\n", "... can signal it (the same Landlock domain)");
        free(out);
        out = NULL;
        for (int i = 0; i < 100 && (!out || strcmp(out, "usr1\n") != 0); i++) {
                free(out);
                sh_in(sb, "cat /tmp/usr1 2>/dev/null || sleep 0.05", &out, &res);
        }
        tap_is_str(out, "usr1\n", "... and the first command got the signal");
        free(out);
}

static void confined_as_the_first(struct oslbox_proc *sb, struct oslbox_proc *plain)
{
        const char *status = "grep -E '^(CapEff|NoNewPrivs|Seccomp|Seccomp_filters):' /proc/self/status";
        struct oslbox_result res;
        char script[256], *out = NULL, *mine;

        snprintf(script, sizeof(script), "cat /tmp/first.status; echo --; %s", status);
        sh_in(sb, script, &out, &res);
        mine = out ? strstr(out, "--\n") : NULL;
        tap_ok(mine && strncmp(out, mine + 3, (size_t) (mine - out)) == 0 && strlen(mine + 3) == (size_t) (mine - out),
               "a command has the first one's capabilities, no_new_privs and seccomp filters");
        tap_ok(mine && strstr(mine, "CapEff:\t0000000000000000") && strstr(mine, "NoNewPrivs:\t1") &&
               strstr(mine, "Seccomp:\t2"), "... which are: no capability, no_new_privs, a filter");
        if (!mine)
                tap_diag("output: %s", out ? out : "(none)");
        free(out);
        sh_in(sb, "uname; echo $?", &out, &res);
        tap_ok(out && strcmp(out, "Linux\n0\n") != 0 && strstr(out, "1\n"),
               "the policy's deny-syscall uname bites in the command (uname fails)");
        free(out);
        sh_in(plain, "uname; echo $?", &out, &res);
        tap_is_str(out, "Linux\n0\n", "... twin: in a sandbox without it, uname works");
        free(out);
}

static void environment_and_cwd(struct oslbox_proc *sb, const char *sub, const char *outside)
{
        char *envp[] = { "OSLBOX_TEST_SECRET=x", "OSLBOX_KEPT=y", "PATH=/usr/bin:/bin", NULL };
        char *extra[] = { "OSLBOX_EXTRA=w", NULL }, *bad_extra[] = { "NOEQUALS", NULL };
        const char *argv[] = { "sh", "-c", "pwd; env | grep -E '^(OSLBOX_|PWD=|HOME=|TMPDIR=)' | sort", NULL };
        const char *tru[] = { "true", NULL };
        struct oslbox_spawn_attr attr;
        struct oslbox_result res;
        struct oslbox_proc *proc;
        char want[3 * 4096 + 128], *out = NULL;
        const char *home = getenv("HOME");
        int r;

        base_attr(&attr);
        attr.envp = envp;
        attr.env_extra = extra;
        attr.cwd = sub;
        r = run_in(sb, argv, &attr, &out, &res);
        snprintf(want, sizeof(want), "%s\nHOME=%s\nOSLBOX_EXTRA=w\nOSLBOX_KEPT=y\nOSLBOX_SET=z\nPWD=%s\nTMPDIR=/tmp\n",
                 sub, home ? home : "", sub);
        tap_is_int(r, 0, "spawn_in with envp, env_extra and cwd %s", sub);
        tap_is_str(out, want, "... starts in the cwd; envp went through the policy's allowlist (the secret "
                   "dropped, keep-env's variable kept), its env and env_extra set, PWD, HOME, TMPDIR of the sandbox");
        free(out);

        attr.env_extra = bad_extra;
        proc = new_proc();
        r = oslbox_proc_spawn_in(proc, sb, tru, &attr);
        tap_is_int(r, -EINVAL, "env_extra 'NOEQUALS' is refused: %s", oslbox_proc_error(proc));
        oslbox_proc_free(proc);

        base_attr(&attr);
        attr.cwd = outside;
        proc = new_proc();
        r = oslbox_proc_spawn_in(proc, sb, tru, &attr);
        tap_ok(r == -ENOENT && strstr(oslbox_proc_error(proc), "inside the sandbox") &&
               !oslbox_proc_exec_failed(proc),
               "a cwd that exists on the host but not in the sandbox's view is refused (%d: %s)", r,
               oslbox_proc_error(proc));
        oslbox_proc_free(proc);
        attr.cwd = "relative/dir";
        proc = new_proc();
        tap_is_int(oslbox_proc_spawn_in(proc, sb, tru, &attr), -EINVAL, "a relative cwd is refused");
        oslbox_proc_free(proc);
}

static void failures(struct oslbox_proc *sb)
{
        const char *missing[] = { "oslbox-no-such-command", NULL }, *tru[] = { "true", NULL };
        const char *none[] = { NULL };
        struct oslbox_proc *proc = new_proc(), *never = new_proc(), *cmd;
        struct oslbox_policy *plain = api_policy(NULL);
        struct oslbox_result res = { .size = sizeof(res) };
        static char big[70 * 1024];
        const char *huge[] = { "echo", big, NULL };
        int r;

        r = oslbox_proc_spawn_in(proc, sb, missing, NULL);
        tap_ok(r == -ENOENT && oslbox_proc_exec_failed(proc), "a missing command: -ENOENT, an exec failure (%s)",
               oslbox_proc_error(proc));
        oslbox_proc_free(proc);

        proc = new_proc();
        tap_is_int(oslbox_proc_spawn_in(proc, never, tru, NULL), -ECHILD, "into an object never spawned: -ECHILD");
        tap_is_int(oslbox_proc_spawn_in(proc, sb, NULL, NULL), -EINVAL, "no argv: -EINVAL");
        tap_is_int(oslbox_proc_spawn_in(proc, sb, none, NULL), -EINVAL, "an empty argv: -EINVAL");
        tap_is_int(oslbox_proc_spawn_in(proc, sb, tru, NULL), 0, "spawn_in true");
        cmd = new_proc();
        tap_is_int(oslbox_proc_spawn_in(cmd, proc, tru, NULL), -EINVAL, "into a command, not a sandbox: -EINVAL");
        tap_is_int(oslbox_proc_spawn_in(proc, sb, tru, NULL), -EBUSY, "an object already used: -EBUSY");
        oslbox_proc_wait(proc, -1, &res);
        oslbox_proc_free(proc);
        oslbox_proc_free(cmd);
        oslbox_proc_free(never);

        memset(big, 'x', sizeof(big) - 1);
        proc = new_proc();
        r = oslbox_proc_spawn_in(proc, sb, huge, NULL);
        tap_is_int(r, -E2BIG, "a 70 KiB argument: -E2BIG (%s)", oslbox_proc_error(proc));
        oslbox_proc_free(proc);

        proc = new_proc();
        r = oslbox_proc_spawn(proc, plain, NULL, NULL);
        tap_is_int(r, -EINVAL, "a sandbox without a command, and without keep-alive: -EINVAL (%s)",
                   oslbox_proc_error(proc));
        oslbox_proc_free(proc);
        oslbox_policy_free(plain);
}

static void signals_kill_timeout(struct oslbox_proc *sb)
{
        const char *usr1[] = { "sh", "-c", "trap 'exit 42' USR1; echo ready; sleep 600 & wait", NULL };
        const char *stubborn[] = { "sh", "-c", "trap '' TERM; sleep 600 & echo $!; wait", NULL };
        const char *bg[] = { "sh", "-c", "sleep 600 & echo $!; wait", NULL };
        const char *sleeper[] = { "sleep", "600", NULL };
        struct oslbox_result res;
        struct oslbox_spawn_attr attr;
        struct oslbox_proc *proc;
        char line[64], script[256], *out = NULL;
        uint64_t t0;
        int fd;

        sh_in(sb, "kill -TERM $$", &out, &res);
        tap_ok(res.exit_code == -1 && res.signal == SIGTERM, "a command killed by SIGTERM: exit_code -1, signal 15 "
               "(%d, %d)", res.exit_code, res.signal);
        free(out);

        if (start_in(sb, usr1, NULL, &proc, &fd) == 0) {
                read_line(fd, line, sizeof(line));
                memset(&res, 0, sizeof(res));
                res.size = sizeof(res);
                tap_is_int(oslbox_proc_signal(proc, SIGUSR1), 0, "oslbox_proc_signal SIGUSR1");
                oslbox_proc_wait(proc, -1, &res);
                tap_is_int(res.exit_code, 42, "... reached the command's trap (exit 42)");
                close(fd);
                tap_is_int(oslbox_proc_signal(proc, SIGUSR1), -ESRCH, "... and after its end: -ESRCH");
        }
        oslbox_proc_free(proc);

        /* Graceful: SIGTERM to the group, ignored, then SIGKILL after kill-after (300ms). */
        if (start_in(sb, stubborn, NULL, &proc, &fd) == 0) {
                read_line(fd, line, sizeof(line));
                memset(&res, 0, sizeof(res));
                res.size = sizeof(res);
                t0 = api_now_ms();
                tap_is_int(oslbox_proc_kill(proc, OSLBOX_KILL_GRACEFUL), 0, "oslbox_proc_kill graceful");
                oslbox_proc_wait(proc, -1, &res);
                tap_ok(res.signal == SIGKILL && api_now_ms() - t0 >= 300,
                       "... SIGTERM ignored: SIGKILL after kill-after (signal %d)", res.signal);
                close(fd);
                snprintf(script, sizeof(script), "kill -0 %d 2>/dev/null && echo alive || echo gone",
                         atoi(line));
                sh_in(sb, script, &out, &res);
                tap_is_str(out, "gone\n", "... and its process group with it (the background sleep %d)", atoi(line));
                free(out);
        }
        oslbox_proc_free(proc);

        if (start_in(sb, bg, NULL, &proc, &fd) == 0) {
                read_line(fd, line, sizeof(line));
                memset(&res, 0, sizeof(res));
                res.size = sizeof(res);
                tap_is_int(oslbox_proc_kill(proc, OSLBOX_KILL_NOW), 0, "oslbox_proc_kill now");
                oslbox_proc_wait(proc, -1, &res);
                tap_is_int(res.signal, SIGKILL, "... the command was killed by SIGKILL");
                close(fd);
                snprintf(script, sizeof(script), "kill -0 %d 2>/dev/null && echo alive || echo gone", atoi(line));
                sh_in(sb, script, &out, &res);
                tap_is_str(out, "gone\n", "... and its process group with it");
                free(out);
        }
        oslbox_proc_free(proc);

        /* Freed running: killed with its group. */
        if (start_in(sb, bg, NULL, &proc, &fd) == 0) {
                read_line(fd, line, sizeof(line));
                close(fd);
        }
        oslbox_proc_free(proc);
        /* Init kills the group once it sees the channel's end, after the
         * free returned: looked at until it is gone (and reaped), 10 s at most. */
        snprintf(script, sizeof(script),
                 "i=0; while kill -0 %d 2>/dev/null && [ $i -lt 1000 ]; do sleep 0.01; i=$((i+1)); done; "
                 "kill -0 %d 2>/dev/null && echo alive || echo gone", atoi(line), atoi(line));
        sh_in(sb, script, &out, &res);
        tap_is_str(out, "gone\n", "a command freed while running is killed with its process group");
        free(out);

        base_attr(&attr);
        attr.timeout_ms = 200;
        if (start_in(sb, sleeper, &attr, &proc, &fd) == 0) {
                memset(&res, 0, sizeof(res));
                res.size = sizeof(res);
                oslbox_proc_wait(proc, -1, &res);
                tap_ok(res.timed_out && res.signal == SIGTERM && res.wall_ms >= 200,
                       "attr.timeout_ms 200: timed out, SIGTERM (timed_out %d, signal %d, %llu ms)", res.timed_out,
                       res.signal, (unsigned long long) res.wall_ms);
                close(fd);
        }
        oslbox_proc_free(proc);
}

static void handles(struct oslbox_proc *sb)
{
        const char *sleeper[] = { "sleep", "600", NULL }, *nap[] = { "sleep", "0.3", NULL };
        const char *term[] = { "sh", "-c", "tty; stty size", NULL };
        struct oslbox_result res = { .size = sizeof(res) };
        struct oslbox_spawn_attr attr;
        struct oslbox_proc *proc = new_proc();
        char path[64], stat[256] = "", buf[512] = "";
        int pidfd, evfd, fd, master;
        pid_t pid;

        if (oslbox_proc_spawn_in(proc, sb, sleeper, NULL) == 0) {
                pid = oslbox_proc_pid(proc);
                pidfd = oslbox_proc_pidfd(proc);
                snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd >= 0) {
                        ssize_t k = read(fd, stat, sizeof(stat) - 1);
                        stat[k > 0 ? k : 0] = '\0';
                        close(fd);
                }
                tap_ok(pid > 0 && pid != oslbox_proc_pid(sb) && strstr(stat, "(sleep)"),
                       "oslbox_proc_pid is the command's host pid (%d: %.40s)", (int) pid, stat);
                tap_ok(pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0,
                       "oslbox_proc_pidfd is a pidfd of the running command");
                oslbox_proc_kill(proc, OSLBOX_KILL_NOW);
                oslbox_proc_wait(proc, -1, &res);
                tap_ok(syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0 && errno == ESRCH,
                       "... and after its end, the pidfd says it is gone");
        }
        oslbox_proc_free(proc);

        proc = new_proc();
        if (oslbox_proc_spawn_in(proc, sb, nap, NULL) == 0) {
                struct pollfd pfd;
                bool early;

                evfd = oslbox_proc_fd(proc);
                pfd = (struct pollfd) { .fd = evfd, .events = POLLIN };
                early = poll(&pfd, 1, 0) == 1;
                pfd.revents = 0;
                tap_ok(evfd >= 0 && !early && poll(&pfd, 1, 10000) == 1 && oslbox_proc_wait(proc, 0, &res) == 0 &&
                       res.exit_code == 0,
                       "oslbox_proc_fd: quiet while it runs, readable at its end, then wait(0) has the result");
        }
        oslbox_proc_free(proc);

        base_attr(&attr);
        for (int i = 0; i < 3; i++)
                attr.stdio[i].kind = OSLBOX_STDIO_PTY;
        attr.pty_rows = 33;
        attr.pty_cols = 101;
        proc = new_proc();
        if (oslbox_proc_spawn_in(proc, sb, term, &attr) == 0) {
                master = oslbox_proc_pty(proc);
                if (master >= 0) {
                        char *text = api_read_all(master, api_now_ms() + 10000);
                        snprintf(buf, sizeof(buf), "%s", text);
                        free(text);
                        for (char *c = buf; *c; c++)    /* one line of TAP */
                                if (*c == '\n' || *c == '\r')
                                        *c = ' ';
                }
                oslbox_proc_wait(proc, -1, &res);
                tap_ok(master >= 0 && strncmp(buf, "/dev/pts/", 9) == 0 && strstr(buf, "33 101"),
                       "a PTY of the sandbox's own devpts, 33x101 (%s)", buf);
        } else
                tap_ok(0, "spawn_in on a PTY: %s", oslbox_proc_error(proc));
        oslbox_proc_free(proc);
}

/* 63 commands at once fill the table (the first command is the 64th
 * row): the next is refused with EAGAIN, and a freed row serves again. */
static void table_full(struct oslbox_proc *sb)
{
        const char *sleeper[] = { "sleep", "600", NULL };
        struct oslbox_proc *procs[64] = { NULL };
        struct oslbox_proc *extra = new_proc();
        int n = 0, r;

        for (; n < 63; n++) {
                procs[n] = new_proc();
                if ((r = oslbox_proc_spawn_in(procs[n], sb, sleeper, NULL)) < 0) {
                        tap_diag("command %d: %s", n, oslbox_proc_error(procs[n]));
                        break;
                }
        }
        tap_is_int(n, 63, "63 commands run at once beside the first");
        r = oslbox_proc_spawn_in(extra, sb, sleeper, NULL);
        tap_is_int(r, -EAGAIN, "the 64th is refused: -EAGAIN (%s)", oslbox_proc_error(extra));
        oslbox_proc_free(extra);
        oslbox_proc_free(procs[0]);
        procs[0] = new_proc();
        tap_is_int(oslbox_proc_spawn_in(procs[0], sb, sleeper, NULL), 0, "once one is freed, another starts");
        for (int i = 0; i < 64; i++)
                oslbox_proc_free(procs[i]);
}

static struct oslbox_proc *threads_sandbox;
static int threads_bad;
static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;

static void *spawner(void *arg)
{
        int id = (int) (intptr_t) arg;

        for (int i = 0; i < 10; i++) {
                char code[16], *out = NULL;
                const char *argv[] = { "sh", "-c", "echo $1; exit $1", "sh", code, NULL };
                struct oslbox_result res;
                int want = id * 10 + i, r;

                snprintf(code, sizeof(code), "%d", want);
                r = run_in(threads_sandbox, argv, NULL, &out, &res);
                if (r != 0 || res.exit_code != want || !out || atoi(out) != want) {
                        pthread_mutex_lock(&threads_lock);
                        threads_bad++;
                        pthread_mutex_unlock(&threads_lock);
                }
                free(out);
        }
        return NULL;
}

static void threads(struct oslbox_proc *sb)
{
        pthread_t t[4];

        threads_sandbox = sb;
        for (int i = 0; i < 4; i++)
                pthread_create(&t[i], NULL, spawner, (void *) (intptr_t) i);
        for (int i = 0; i < 4; i++)
                pthread_join(t[i], NULL);
        tap_is_int(threads_bad, 0, "4 threads spawning 10 commands each in one sandbox at once: every result right");
}

/* The sandbox's end takes its commands, reported killed by SIGKILL. */
static void ends_with_the_sandbox(struct oslbox_proc *sb, int first_out)
{
        const char *sleeper[] = { "sleep", "600", NULL }, *tru[] = { "true", NULL };
        struct oslbox_result res = { .size = sizeof(res) }, sres = { .size = sizeof(sres) };
        struct oslbox_proc *proc = new_proc(), *late = new_proc();
        int pidfd = -1, r;

        if (oslbox_proc_spawn_in(proc, sb, sleeper, NULL) == 0)
                pidfd = oslbox_proc_pidfd(proc);
        tap_is_int(oslbox_proc_wait(sb, 0, &sres), -ETIMEDOUT, "a keep-alive sandbox whose first command runs: "
                   "wait(0) says it still runs");
        oslbox_proc_kill(sb, OSLBOX_KILL_NOW);
        tap_is_int(oslbox_proc_wait(proc, -1, &res), 0, "killing the sandbox ends a command in it");
        tap_ok(res.exit_code == -1 && res.signal == SIGKILL, "... reported killed by SIGKILL (%d, %d)", res.exit_code,
               res.signal);
        tap_ok(pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0 && errno == ESRCH,
               "... and it is gone");
        oslbox_proc_wait(sb, -1, &sres);
        r = oslbox_proc_spawn_in(late, sb, tru, NULL);
        tap_is_int(r, -ESRCH, "spawn_in into an ended sandbox: -ESRCH (%s)", oslbox_proc_error(late));
        oslbox_proc_free(late);
        oslbox_proc_free(proc);
        close(first_out);
}

/* Without keep-alive, the first command's end ends the others. */
static void first_ends_all(struct oslbox_proc *plain, int first_out, int first_in)
{
        const char *sleeper[] = { "sleep", "600", NULL };
        struct oslbox_result res = { .size = sizeof(res) }, sres = { .size = sizeof(sres) };
        struct oslbox_proc *proc = new_proc();
        int r;

        tap_is_int(oslbox_proc_spawn_in(proc, plain, sleeper, NULL), 0, "spawn_in sleep 600 in a sandbox without "
                   "keep-alive");
        close(first_in);        /* its first command reads stdin: now it ends */
        r = oslbox_proc_wait(plain, -1, &sres);
        tap_ok(r == 0 && sres.exit_code == 0, "... its first command ends (exit %d)", sres.exit_code);
        r = oslbox_proc_wait(proc, -1, &res);
        tap_ok(r == 0 && res.signal == SIGKILL, "... and the command in it ended with it, killed by SIGKILL "
               "(signal %d)", res.signal);
        oslbox_proc_free(proc);
        close(first_out);
}

/* Keep-alive: the sandbox outlives its first command (whose status it
 * reports), and may start with none. */
static void keep_alive(void)
{
        const char *const dirs[] = { "keep-alive", NULL, "kill-after", "30s", NULL };
        struct oslbox_policy *pol = api_policy(dirs);
        struct oslbox_result res = { .size = sizeof(res) };
        struct oslbox_proc *sb = new_proc(), *empty = new_proc();
        const char *five[] = { "sh", "-c", "exit 5", NULL };
        struct oslbox_result r2;
        uint64_t t0;
        char *out = NULL;
        int r;

        if (oslbox_proc_spawn(sb, pol, five, NULL) < 0)
                api_bail(oslbox_proc_error(sb), -EIO);
        /* The first command is pid 2 in the sandbox's pid namespace. */
        sh_in(sb, "while [ -e /proc/2 ]; do sleep 0.02; done; echo up", &out, &r2);
        tap_is_str(out, "up\n", "keep-alive: after its first command exited, the sandbox still runs commands");
        free(out);
        tap_is_int(oslbox_proc_wait(sb, 0, &res), -ETIMEDOUT, "... and wait(0) says it still runs");
        t0 = api_now_ms();
        oslbox_proc_kill(sb, OSLBOX_KILL_GRACEFUL);
        r = oslbox_proc_wait(sb, -1, &res);
        tap_ok(r == 0 && res.exit_code == 5 && res.signal == 0, "... a graceful kill ends it; the result is the "
               "first command's exit 5 (%d, %d)", res.exit_code, res.signal);
        tap_ok(api_now_ms() - t0 < 10000, "... at once, with no process left, not after kill-after (30s)");
        oslbox_proc_free(sb);

        r = oslbox_proc_spawn(empty, pol, NULL, NULL);
        tap_is_int(r, 0, "keep-alive: a sandbox with no command (argv NULL) %s", oslbox_proc_error(empty));
        if (r == 0) {
                sh_in(empty, "echo hi", &out, &r2);
                tap_is_str(out, "hi\n", "... runs commands");
                free(out);
                oslbox_proc_kill(empty, OSLBOX_KILL_GRACEFUL);
                r = oslbox_proc_wait(empty, -1, &res);
                tap_ok(r == 0 && res.exit_code == -1 && res.signal == SIGTERM,
                       "... and a graceful kill ends it, reported as SIGTERM (%d, %d)", res.exit_code, res.signal);
        }
        oslbox_proc_free(empty);
        oslbox_policy_free(pol);
}

int main(void)
{
        const char *const dirs[] = { "keep-alive", NULL, "kill-after", "300ms", "keep-env", "OSLBOX_KEPT",
                                     "env", "OSLBOX_SET=z", "deny-syscall", "uname", NULL };
        char outside[] = "/tmp/oslbox-api-outside.XXXXXX", sub[4096], *cwd;
        struct oslbox_policy *pol, *plain_pol;
        struct oslbox_proc *sb, *plain;
        int before, first_out, plain_out, plain_in[2];

        signal(SIGPIPE, SIG_IGN);
        before = api_count_fds();
        pol = api_policy(dirs);
        plain_pol = api_policy(NULL);
        cwd = getcwd(NULL, 0);
        snprintf(sub, sizeof(sub), "%s/spawn-in-sub", cwd ? cwd : ".");
        if (!cwd || (mkdir(sub, 0755) < 0 && errno != EEXIST) || !mkdtemp(outside))
                api_bail("making the test directories", -errno);

        sb = start_sandbox(pol, first_script, &first_out);
        if (pipe2(plain_in, O_CLOEXEC) < 0)
                api_bail("pipe2", -errno);
        {
                /* The twin sandbox: no keep-alive, no deny-syscall; its
                 * first command waits for stdin to close. */
                const char *argv[] = { "sh", "-c", "echo ready; read x; exit 0", NULL };
                struct oslbox_spawn_attr attr;
                int out[2];
                char line[64];

                base_attr(&attr);
                if (pipe2(out, O_CLOEXEC) < 0)
                        api_bail("pipe2", -errno);
                attr.stdio[0].kind = OSLBOX_STDIO_FD;
                attr.stdio[0].fd = plain_in[0];
                attr.stdio[1].kind = OSLBOX_STDIO_FD;
                attr.stdio[1].fd = out[1];
                plain = new_proc();
                if (oslbox_proc_spawn(plain, plain_pol, argv, &attr) < 0)
                        api_bail(oslbox_proc_error(plain), -EIO);
                close(out[1]);
                close(plain_in[0]);
                read_line(out[0], line, sizeof(line));
                plain_out = out[0];
        }

        hundred_commands(sb);
        sees_the_session(sb);
        confined_as_the_first(sb, plain);
        environment_and_cwd(sb, sub, outside);
        failures(sb);
        signals_kill_timeout(sb);
        handles(sb);
        table_full(sb);
        threads(sb);
        ends_with_the_sandbox(sb, first_out);
        first_ends_all(plain, plain_out, plain_in[1]);
        keep_alive();

        oslbox_proc_free(sb);
        oslbox_proc_free(plain);
        oslbox_policy_free(pol);
        oslbox_policy_free(plain_pol);
        rmdir(outside);
        rmdir(sub);
        free(cwd);
        tap_is_int(api_count_fds(), before, "after everything is freed, as many fds open as before (%d)", before);
        return tap_done();
}
