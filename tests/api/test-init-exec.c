/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sandbox's init as a program of its own (src/lib/init-exec.c): a small
 * caller's init is a fork of it; once the caller has 24 MiB of its own
 * resident, init is oslbox-init, executed from the caller's memory, and
 * the sandbox is the same: the same layers (capabilities, no_new_privs,
 * seccomp, the view, the network namespace), the exit status and a missing
 * command's 127, no fd of init's or the caller's in the command, a PTY, a
 * kept-alive sandbox that a second command joins, the policy's timeout;
 * and nothing of it is left in the caller afterwards (fds, mappings of the
 * hand-off).
 */
#include "api.h"

#include <sys/mman.h>

/* Runs SCRIPT with sh under POL: its stdout, or NULL (then tap_diag()). */
static char *sh_out(const struct oslbox_policy *pol, const char *script, struct oslbox_result *res)
{
        const char *const argv[] = { "sh", "-c", script, NULL };
        char *out = NULL;

        return api_run(pol, argv, &out, res) < 0 ? NULL : out;
}

static bool check_out(const struct oslbox_policy *pol, const char *script, const char *want, const char *what)
{
        struct oslbox_result res;
        char *out = sh_out(pol, script, &res);
        bool ok = out && strcmp(out, want) == 0 && res.exit_code == 0;

        tap_ok(ok, "%s", what);
        if (!ok)
                tap_diag("'%s': got '%s' (exit %d), want '%s'", script, out ? out : "(failed)", res.exit_code, want);
        free(out);
        return ok;
}

/* Mappings of the hand-off's memfd in this process. */
static int handoff_mappings(void)
{
        char line[512];
        int n = 0;
        FILE *f = fopen("/proc/self/maps", "re");

        if (!f)
                api_bail("/proc/self/maps", -errno);
        while (fgets(line, sizeof(line), f))
                n += strstr(line, "memfd:oslbox-init") != NULL;
        fclose(f);
        return n;
}

static void confinement(const struct oslbox_policy *pol, const char *how)
{
        char what[256];

        snprintf(what, sizeof(what), "%s: capabilities all zero, no_new_privs, a seccomp filter", how);
        check_out(pol, "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status | "
                  "tr -s '\\t' ' '",
                  "CapInh: 0000000000000000\nCapPrm: 0000000000000000\nCapEff: 0000000000000000\n"
                  "CapBnd: 0000000000000000\nCapAmb: 0000000000000000\nNoNewPrivs: 1\nSeccomp: 2\n", what);
        snprintf(what, sizeof(what), "%s: /etc/shadow and a host secret unreadable", how);
        check_out(pol, "cat /etc/shadow 2>/dev/null && echo SHADOW; cat \"$T_SECRET\" 2>/dev/null; echo done",
                  "done\n", what);
        snprintf(what, sizeof(what), "%s: only a loopback interface (a network namespace)", how);
        check_out(pol, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '", "lo\n", what);
        snprintf(what, sizeof(what), "%s: the command holds only its stdio (none of init's fds)", how);
        check_out(pol, "cd /proc/self/fd && echo *",    /* 3: the glob's own */ "0 1 2 3\n", what);
}

/* What init is, as the command sees it. */
static char *init_name(const struct oslbox_policy *pol)
{
        struct oslbox_result res;
        return sh_out(pol, "cat /proc/1/comm", &res);
}

int main(void)
{
        const char *const timeout[] = { "timeout", "200ms", NULL };
        const char *const missing[] = { "no-such-command-here", NULL };
        const char *const seven[] = { "sh", "-c", "exit 7", NULL };
        struct oslbox_policy *pol = api_policy(NULL), *quick = api_policy(timeout);
        struct oslbox_result res = { .size = sizeof(res) };
        struct oslbox_proc *proc;
        size_t big = 24u << 20;
        int fds, r;
        bool ok;
        char *name, *ballast, *out;

        {
                /* A host secret: the sandbox's /dev/shm is its own. */
                char secret[] = "/dev/shm/oslbox-init-exec.XXXXXX";
                int fd = mkstemp(secret);
                if (fd < 0 || write(fd, "SECRET\n", 7) != 7)
                        api_bail("mkstemp /dev/shm", -errno);
                close(fd);
                setenv("T_SECRET", secret, 1);
        }

        name = init_name(pol);
        ok = name && strcmp(name, "oslbox-init\n") != 0 && name[0];
        tap_ok(ok, "a small caller: init is a fork of it (/proc/1/comm '%s')", name ? strtok(name, "\n") : "?");
        free(name);
        confinement(pol, "init a fork");

        /* Resident, not only mapped: what a Python program's heap is. */
        ballast = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (ballast == MAP_FAILED)
                api_bail("mmap", -errno);
        memset(ballast, 0x5a, big);

        fds = api_count_fds();
        name = init_name(pol);
        ok = name && strcmp(name, "oslbox-init\n") == 0;
        tap_ok(ok, "a caller of 24 MiB: init is oslbox-init (/proc/1/comm '%s')", name ? strtok(name, "\n") : "?");
        free(name);
        confinement(pol, "init executed");

        {
                /* More strings than a request to a running sandbox may
                 * carry (INIT_EXEC_MAX_STRINGS, 8192): the hand-off has
                 * no such limit, as a forked init has none. */
                enum { N = 10000 };
                static char words[N][8];
                static const char *many[N + 5];
                size_t k = 0;
                many[k++] = "sh";
                many[k++] = "-c";
                many[k++] = "echo $#";
                many[k++] = "sh";
                for (int i = 0; i < N; i++) {
                        snprintf(words[i], sizeof(words[i]), "a%d", i);
                        many[k++] = words[i];
                }
                many[k] = NULL;
                r = api_run(pol, many, &out, &res);
                ok = r == 0 && res.exit_code == 0 && out && strcmp(out, "10000\n") == 0;
                tap_ok(ok, "10000 arguments reach the command (%d, '%s')", r, out ? strtok(out, "\n") : "");
                free(out);
        }

        r = api_run(pol, seven, &out, &res);
        tap_ok(r == 0 && res.exit_code == 7, "exit 7 is exit status 7 (spawn %d, exit %d)", r, res.exit_code);
        free(out);

        {
                struct oslbox_proc *p = NULL;
                if ((r = oslbox_proc_new(&p)) < 0)
                        api_bail("oslbox_proc_new", r);
                r = oslbox_proc_spawn(p, pol, missing, NULL);
                tap_ok(r < 0 && oslbox_proc_exec_failed(p) && strstr(oslbox_proc_error(p), "no-such-command-here"),
                       "a missing command fails the spawn, as the command's exec (%d: %s)", r, oslbox_proc_error(p));
                oslbox_proc_free(p);
        }

        {
                const char *const sleeper[] = { "sleep", "30", NULL };
                uint64_t t0 = api_now_ms();
                proc = api_spawn(quick, sleeper, NULL);
                r = oslbox_proc_wait(proc, -1, &res);
                tap_ok(r == 0 && res.timed_out && res.exit_code == -1 && api_now_ms() - t0 < 10000,
                       "the policy's timeout ends it: timed_out, killed (wait %d, exit %d, %llu ms)", r, res.exit_code,
                       (unsigned long long) (api_now_ms() - t0));
                oslbox_proc_free(proc);
        }

        {
                /* A PTY: the command's stdout is a terminal of the sandbox's own. */
                const char *const tty[] = { "sh", "-c", "test -t 1 && echo on-a-tty", NULL };
                struct oslbox_spawn_attr attr;
                memset(&attr, 0, sizeof(attr));
                attr.size = sizeof(attr);
                attr.stdio[1].kind = OSLBOX_STDIO_PTY;
                proc = api_spawn(pol, tty, &attr);
                out = api_read_all(oslbox_proc_pty(proc), api_now_ms() + 10000);
                r = oslbox_proc_wait(proc, -1, &res);
                tap_ok(r == 0 && res.exit_code == 0 && strstr(out, "on-a-tty"), "a PTY round trip ('%s', exit %d)",
                       strtok(out, "\r\n") ? out : "", res.exit_code);
                free(out);
                oslbox_proc_free(proc);
        }

        {
                /* Kept alive: a second command joins the first's sandbox. */
                const char *const ka[] = { "keep-alive", NULL, NULL };
                const char *const writer[] = { "sh", "-c", "echo from-the-first > /tmp/mark", NULL };
                const char *const reader[] = { "cat", "/tmp/mark", NULL };
                struct oslbox_policy *alive = api_policy(ka);
                struct oslbox_proc *in = NULL;
                int pipefd[2];
                struct oslbox_spawn_attr attr;

                proc = api_spawn(alive, writer, NULL);
                usleep(300 * 1000);     /* the writer is done; the sandbox stays */
                if (pipe2(pipefd, O_CLOEXEC) < 0 || (r = oslbox_proc_new(&in)) < 0)
                        api_bail("pipe2/oslbox_proc_new", -errno);
                memset(&attr, 0, sizeof(attr));
                attr.size = sizeof(attr);
                attr.stdio[1].kind = OSLBOX_STDIO_FD;
                attr.stdio[1].fd = pipefd[1];
                r = oslbox_proc_spawn_in(in, proc, reader, &attr);
                close(pipefd[1]);
                out = r == 0 ? api_read_all(pipefd[0], api_now_ms() + 10000) : strdup("");
                if (r == 0)
                        (void) oslbox_proc_wait(in, -1, &res);
                tap_ok(r == 0 && strcmp(out, "from-the-first\n") == 0,
                       "keep-alive: a command spawned in sees the first's /tmp (%d, '%s')", r, out);
                free(out);
                close(pipefd[0]);
                oslbox_proc_free(in);
                tap_ok(oslbox_proc_kill(proc, 0) == 0 && oslbox_proc_wait(proc, -1, &res) == 0,
                       "keep-alive: the sandbox ends when killed");
                oslbox_proc_free(proc);
                oslbox_policy_free(alive);
        }

        tap_ok(api_count_fds() == fds, "no fd left in the caller (%d before, %d after)", fds, api_count_fds());
        tap_ok(handoff_mappings() == 0, "no mapping of the hand-off left in the caller (%d)", handoff_mappings());

        unlink(getenv("T_SECRET"));
        munmap(ballast, big);
        oslbox_policy_free(quick);
        oslbox_policy_free(pol);
        printf("1..%d\n", tap_n);
        return tap_failed ? 1 : 0;
}
