/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A short run of everything an embedding program calls, for memcheck.sh to
 * run under valgrind and LeakSanitizer: policies made, changed, explained,
 * copied and loaded (a failing load too), 2 threads x 3 spawns, one PTY
 * spawn, one exec failure, a keep-alive sandbox with no command and 3
 * commands spawned in it (one an exec failure); everything freed. Not a
 * TAP test.
 *
 * Exit status: 0 when every spawn worked; 3 when some could not (each kind
 * of failure printed once), after freeing everything all the same, so that
 * the failure paths are checked for leaks as well.
 */
#include "api.h"

#include <pthread.h>
#include <stdatomic.h>

static const struct oslbox_policy *policy;
static atomic_int n_failed;

static void failed(const char *what, const char *msg)
{
        if (atomic_fetch_add(&n_failed, 1) == 0)
                fprintf(stderr, "memcheck-run: %s: %s\n", what, msg);
}

static void *spawner(void *arg)
{
        const char *argv[] = { "sh", "-c", "exit 0", NULL };
        struct oslbox_policy *pol = NULL;

        (void) arg;
        if (oslbox_policy_copy(policy, &pol) < 0) {
                failed("oslbox_policy_copy", "");
                return NULL;
        }
        for (int i = 0; i < 3; i++) {
                struct oslbox_result res = { .size = sizeof(res) };
                struct oslbox_proc *proc = NULL;

                if (oslbox_proc_new(&proc) < 0)
                        failed("oslbox_proc_new", "");
                else if (oslbox_proc_spawn(proc, pol, argv, NULL) < 0)
                        failed("spawn", oslbox_proc_error(proc));
                else if (oslbox_proc_wait(proc, -1, &res) < 0 || res.exit_code != 0)
                        failed("wait", oslbox_proc_error(proc));
                oslbox_proc_free(proc);
        }
        oslbox_policy_free(pol);
        return NULL;
}

static void pty_spawn(void)
{
        const char *argv[] = { "sh", "-c", "echo pty-ok", NULL };
        struct oslbox_result res = { .size = sizeof(res) };
        struct oslbox_spawn_attr attr;
        struct oslbox_proc *proc = NULL;
        char *out;

        memset(&attr, 0, sizeof(attr));
        attr.size = sizeof(attr);
        for (int i = 0; i < 3; i++)
                attr.stdio[i].kind = OSLBOX_STDIO_PTY;
        if (oslbox_proc_new(&proc) < 0) {
                failed("oslbox_proc_new", "");
                return;
        }
        if (oslbox_proc_spawn(proc, policy, argv, &attr) < 0) {
                failed("PTY spawn", oslbox_proc_error(proc));
        } else {
                out = api_read_all(oslbox_proc_pty(proc), api_now_ms() + 10000);
                if (!strstr(out, "pty-ok"))
                        failed("PTY spawn", "no output");
                free(out);
                if (oslbox_proc_wait(proc, -1, &res) < 0)
                        failed("PTY wait", oslbox_proc_error(proc));
        }
        oslbox_proc_free(proc);
}

/* A session: a keep-alive sandbox with no command, commands in it. */
static void session(void)
{
        const char *keep[] = { "keep-alive", NULL, NULL };
        const char *argv[] = { "sh", "-c", "exit 0", NULL }, *missing[] = { "oslbox-no-such-command", NULL };
        struct oslbox_policy *pol = api_policy(keep);
        struct oslbox_result res = { .size = sizeof(res) };
        struct oslbox_proc *sb = NULL, *cmd = NULL;

        if (oslbox_proc_new(&sb) < 0 || oslbox_proc_spawn(sb, pol, NULL, NULL) < 0) {
                failed("spawn", sb ? oslbox_proc_error(sb) : "");
        } else {
                for (int i = 0; i < 2; i++) {
                        if (oslbox_proc_new(&cmd) < 0)
                                failed("oslbox_proc_new", "");
                        else if (oslbox_proc_spawn_in(cmd, sb, argv, NULL) < 0)
                                failed("spawn_in", oslbox_proc_error(cmd));
                        else if (oslbox_proc_wait(cmd, -1, &res) < 0 || res.exit_code != 0)
                                failed("spawn_in wait", oslbox_proc_error(cmd));
                        oslbox_proc_free(cmd);
                        cmd = NULL;
                }
                if (oslbox_proc_new(&cmd) < 0 || oslbox_proc_spawn_in(cmd, sb, missing, NULL) != -ENOENT)
                        failed("spawn_in exec failure", cmd ? oslbox_proc_error(cmd) : "");
                oslbox_proc_free(cmd);
                oslbox_proc_kill(sb, OSLBOX_KILL_GRACEFUL);
                if (oslbox_proc_wait(sb, -1, &res) < 0)
                        failed("session wait", oslbox_proc_error(sb));
        }
        oslbox_proc_free(sb);
        oslbox_policy_free(pol);
}

int main(void)
{
        const char *directives[] = { "timeout", "30s", "env", "OSLBOX_MEMCHECK=1", "rw", "/tmp", NULL };
        const char *missing[] = { "oslbox-no-such-command", NULL };
        struct oslbox_policy *pol = api_policy(directives);
        struct oslbox_proc *proc = NULL;
        pthread_t threads[2];
        char *text = NULL;

        if (oslbox_policy_explain(pol, &text) < 0)
                failed("oslbox_policy_explain", oslbox_policy_error(pol));
        free(text);
        if (oslbox_policy_load(pol, "/oslbox-no-such.policy") != -ENOENT)
                failed("oslbox_policy_load", "a missing file did not give -ENOENT");
        if (oslbox_policy_set(pol, "no-such-directive", "x") != -EINVAL)
                failed("oslbox_policy_set", "an unknown directive did not give -EINVAL");
        policy = pol;

        for (int i = 0; i < 2; i++)
                if (pthread_create(&threads[i], NULL, spawner, NULL) != 0)
                        api_bail("pthread_create", -EAGAIN);
        for (int i = 0; i < 2; i++)
                pthread_join(threads[i], NULL);
        pty_spawn();

        if (oslbox_proc_new(&proc) < 0 || oslbox_proc_spawn(proc, pol, missing, NULL) != -ENOENT)
                failed("exec failure", oslbox_proc_error(proc));
        oslbox_proc_free(proc);
        session();

        oslbox_policy_free(pol);
        if (atomic_load(&n_failed) > 0) {
                fprintf(stderr, "memcheck-run: %d failure(s)\n", atomic_load(&n_failed));
                return 3;
        }
        printf("memcheck-run: 8 spawns, 3 spawn_in ok\n");
        return 0;
}
