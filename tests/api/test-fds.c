/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * File descriptors: what the caller has open without close-on-exec stays
 * out of the sandbox, which gets 0, 1 and 2 only (a plain fork/exec of the
 * same listing shows the planted fds, so the check can see them); the
 * stdio slots get what the caller asked for; and no spawn, failed or not,
 * leaves an fd behind in the caller.
 */
#include "api.h"

#include <spawn.h>
#include <sys/wait.h>

#define HIGH_FD 100

extern char **environ;

static const char *const list_fds[] = { "ls", "-l", "/proc/self/fd", NULL };

/* Parses `ls -l /proc/self/fd` ("lr-x------ 1 u g 64 DATE 3 -> /dev/null")
 * into the fds listed, as " 0 1 2 " without the fd ls reads the
 * directory through, which points at a /proc/PID/fd directory. */
static void parse_listing(const char *out, char *fds, size_t size)
{
        const char *line = out;

        snprintf(fds, size, " ");
        while (line && *line) {
                const char *eol = strchr(line, '\n'), *arrow = strstr(line, " -> "), *num;
                char target[256] = "";

                if (arrow && (!eol || arrow < eol)) {
                        for (num = arrow; num > line && num[-1] != ' '; num--)
                                ;
                        sscanf(arrow + 4, "%255s", target);
                        if (!(strncmp(target, "/proc/", 6) == 0 && strstr(target, "/fd")))
                                snprintf(fds + strlen(fds), size - strlen(fds), "%.*s ", (int) (arrow - num), num);
                }
                line = eol ? eol + 1 : NULL;
        }
}

/* The same listing by posix_spawnp(), as a program without oslbox runs it. */
static char *list_outside(void)
{
        posix_spawn_file_actions_t fa;
        int out[2], status;
        char *text;
        pid_t pid;

        if (pipe2(out, O_CLOEXEC) < 0)
                api_bail("pipe2", -errno);
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        if (posix_spawnp(&pid, list_fds[0], &fa, NULL, (char *const *) list_fds, environ) != 0)
                api_bail("posix_spawnp ls", -errno);
        posix_spawn_file_actions_destroy(&fa);
        close(out[1]);
        text = api_read_all(out[0], api_now_ms() + 10000);
        close(out[0]);
        waitpid(pid, &status, 0);
        return text;
}

static void planted_fds(const struct oslbox_policy *pol)
{
        struct oslbox_result res;
        char want[64], got[256], *out = NULL;
        int null_fd, p[2];

        /* Opened the way careless programs do: no O_CLOEXEC anywhere. */
        null_fd = open("/dev/null", O_RDONLY);
        if (null_fd < 0 || pipe(p) < 0 || dup2(null_fd, HIGH_FD) < 0)
                api_bail("planting fds", -errno);

        out = list_outside();
        parse_listing(out, got, sizeof(got));
        snprintf(want, sizeof(want), " %d ", HIGH_FD);
        tap_ok(strstr(got, want) != NULL, "outside, a fork/exec'ed ls sees the planted fd %d (fds:%s)", HIGH_FD, got);
        free(out);

        tap_is_int(api_run(pol, list_fds, &out, &res), 0, "spawn ls -l /proc/self/fd in the sandbox");
        parse_listing(out ? out : "", got, sizeof(got));
        tap_is_str(got, " 0 1 2 ", "inside, only fds 0, 1 and 2 are open (fds %d, %d, %d and %d are not)",
                   null_fd, p[0], p[1], HIGH_FD);
        if (strcmp(got, " 0 1 2 ") != 0)
                tap_diag("listing: %s", out ? out : "");
        free(out);
        close(null_fd);
        close(p[0]);
        close(p[1]);
        close(HIGH_FD);
}

/* A caller with fd 0 closed (a daemon): the command's first open() must not
 * land on its stdin, so the library gives it /dev/null. */
static void closed_stdin(const struct oslbox_policy *pol)
{
        const char *argv[] = { "readlink", "/proc/self/fd/0", NULL };
        struct oslbox_spawn_attr attr;
        struct oslbox_proc *proc = NULL;
        struct oslbox_result res = { .size = sizeof(res) };
        int out[2], saved, r;
        char *text = NULL;

        if (pipe2(out, O_CLOEXEC) < 0 || oslbox_proc_new(&proc) < 0)
                api_bail("pipe2", -errno);
        memset(&attr, 0, sizeof(attr));
        attr.size = sizeof(attr);
        attr.stdio[1].kind = OSLBOX_STDIO_FD;
        attr.stdio[1].fd = out[1];
        saved = fcntl(0, F_DUPFD_CLOEXEC, 3);
        close(0);
        r = oslbox_proc_spawn(proc, pol, argv, &attr);
        if (saved >= 0) {
                dup2(saved, 0);
                close(saved);
        }
        close(out[1]);
        tap_is_int(r, 0, "with the caller's fd 0 closed, spawn readlink /proc/self/fd/0");
        if (r == 0) {
                text = api_read_all(out[0], api_now_ms() + 10000);
                (void) oslbox_proc_wait(proc, -1, &res);        /* the output is the check */
        }
        tap_is_str(text, "/dev/null\n", "... the command's stdin is /dev/null");
        free(text);
        close(out[0]);
        oslbox_proc_free(proc);
}

/* 2>&1: one pipe for both stdout and stderr. */
static void shared_output(const struct oslbox_policy *pol)
{
        const char *argv[] = { "sh", "-c", "echo out; echo err >&2", NULL };
        struct oslbox_result res = { .size = sizeof(res) };
        struct oslbox_spawn_attr attr;
        struct oslbox_proc *proc = NULL;
        char *text = NULL;
        int out[2], r;

        if (pipe2(out, O_CLOEXEC) < 0 || oslbox_proc_new(&proc) < 0)
                api_bail("pipe2", -errno);
        memset(&attr, 0, sizeof(attr));
        attr.size = sizeof(attr);
        for (int i = 1; i <= 2; i++) {
                attr.stdio[i].kind = OSLBOX_STDIO_FD;
                attr.stdio[i].fd = out[1];
        }
        r = oslbox_proc_spawn(proc, pol, argv, &attr);
        close(out[1]);
        tap_is_int(r, 0, "spawn with one pipe as both stdout and stderr");
        if (r == 0) {
                text = api_read_all(out[0], api_now_ms() + 10000);
                (void) oslbox_proc_wait(proc, -1, &res);        /* the output is the check */
        }
        tap_is_str(text, "out\nerr\n", "... both arrive through it, in order");
        free(text);
        close(out[0]);
        oslbox_proc_free(proc);
}

/* Every way a spawn can end leaves the caller with the fds it had. */
static void no_fd_leaks(const struct oslbox_policy *pol)
{
        const char *missing[] = { "oslbox-no-such-command", NULL }, *echo[] = { "echo", "pty", NULL };
        const char *sleeper[] = { "sleep", "30", NULL };
        const char *bad_rw[] = { "rw", "/does/not/exist", NULL };
        struct oslbox_policy *bad = api_policy(bad_rw);
        struct oslbox_result res = { .size = sizeof(res) };
        struct oslbox_spawn_attr attr;
        struct oslbox_proc *proc;
        int before = api_count_fds();

        oslbox_proc_new(&proc);
        (void) oslbox_proc_spawn(proc, pol, missing, NULL);     /* fails: an exec failure */
        oslbox_proc_free(proc);
        oslbox_proc_new(&proc);
        (void) oslbox_proc_spawn(proc, bad, echo, NULL);        /* fails: a setup failure */
        oslbox_proc_free(proc);
        memset(&attr, 0, sizeof(attr));
        attr.size = sizeof(attr);
        attr.stdio[1].kind = OSLBOX_STDIO_FD;
        attr.stdio[1].fd = 9999;                                /* not open */
        oslbox_proc_new(&proc);
        (void) oslbox_proc_spawn(proc, pol, echo, &attr);       /* fails: a bad fd */
        oslbox_proc_free(proc);
        for (int i = 0; i < 3; i++)
                attr.stdio[i].kind = OSLBOX_STDIO_PTY;
        oslbox_proc_new(&proc);
        if (oslbox_proc_spawn(proc, pol, echo, &attr) == 0)     /* a PTY, left to free */
                (void) oslbox_proc_wait(proc, -1, &res);
        oslbox_proc_free(proc);
        oslbox_proc_new(&proc);
        if (oslbox_proc_spawn(proc, pol, sleeper, NULL) == 0)   /* an event fd, and freed running */
                (void) oslbox_proc_fd(proc);
        oslbox_proc_free(proc);
        tap_is_int(api_count_fds(), before,
                   "after failed spawns, a PTY spawn and a proc freed running, as many fds open as before (%d)",
                   before);
        oslbox_policy_free(bad);
}

int main(void)
{
        struct oslbox_policy *pol = api_policy(NULL);

        planted_fds(pol);
        closed_stdin(pol);
        shared_output(pol);
        no_fd_leaks(pol);
        oslbox_policy_free(pol);
        return tap_done();
}
