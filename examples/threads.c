/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * threads: N threads each run M sandboxed commands, one after another, all
 * threads at once, as a build system or test runner embedding liboslbox
 * does. Each command exits with a number of its own, and each thread checks
 * it gets back that number and no other.
 *
 *     threads [N [M]]          (default 4 threads x 10 commands)
 *
 * Nothing in the library is global: each thread only needs objects of its
 * own. A policy is made once and copied for each thread, since an object is
 * used by one thread at a time.
 *
 * Build: cc threads.c $(pkg-config --cflags --libs oslbox)
 * (a C library older than glibc 2.34 also needs -pthread)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <oslbox.h>

struct worker {
        pthread_t thread;
        int index, count;
        const struct oslbox_policy *policy;
        int ok;                 /* commands that ran and exited as expected */
};

static void *work(void *arg)
{
        struct worker *w = arg;
        struct oslbox_policy *pol = NULL;

        if (oslbox_policy_copy(w->policy, &pol) < 0)
                return NULL;
        for (int i = 0; i < w->count; i++) {
                struct oslbox_result res = { .size = sizeof(res) };
                struct oslbox_proc *proc = NULL;
                int code = (w->index * w->count + i) % 100;
                char code_s[16];
                const char *argv[] = { "sh", "-c", "exit \"$1\"", "sh", code_s, NULL };

                snprintf(code_s, sizeof(code_s), "%d", code);
                /* The fork/exec/waitpid of a sandboxed command: */
                if (oslbox_proc_new(&proc) < 0)
                        break;
                if (oslbox_proc_spawn(proc, pol, argv, NULL) < 0)
                        fprintf(stderr, "threads: thread %d: %s\n", w->index, oslbox_proc_error(proc));
                else if (oslbox_proc_wait(proc, -1, &res) < 0)
                        fprintf(stderr, "threads: thread %d: %s\n", w->index, oslbox_proc_error(proc));
                else if (res.exit_code != code)
                        fprintf(stderr, "threads: thread %d: got %d, want %d\n", w->index, res.exit_code, code);
                else
                        w->ok++;
                oslbox_proc_free(proc);
        }
        oslbox_policy_free(pol);
        return NULL;
}

int main(int argc, char **argv)
{
        int n = argc > 1 ? atoi(argv[1]) : 4, m = argc > 2 ? atoi(argv[2]) : 10, ok = 0;
        struct oslbox_policy *pol = NULL;
        struct worker *workers;

        if (n <= 0 || m <= 0 || n > 1000) {
                fprintf(stderr, "usage: threads [N [M]]\n");
                return 2;
        }
        workers = calloc((size_t) n, sizeof(*workers));
        if (!workers || oslbox_policy_new(&pol) < 0) {
                fprintf(stderr, "threads: out of memory\n");
                return 1;
        }
        for (int i = 0; i < n; i++) {
                workers[i] = (struct worker) { .index = i, .count = m, .policy = pol };
                if (pthread_create(&workers[i].thread, NULL, work, &workers[i]) != 0) {
                        fprintf(stderr, "threads: cannot start thread %d\n", i);
                        return 1;
                }
        }
        for (int i = 0; i < n; i++) {
                pthread_join(workers[i].thread, NULL);
                ok += workers[i].ok;
        }
        printf("%d threads x %d commands: %d ok\n", n, m, ok);
        oslbox_policy_free(pol);
        free(workers);
        return ok == n * m ? 0 : 1;
}
