/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bigcaller: a large program embedding liboslbox, for the VM test (the
 * kernels and cgroups this host lacks): it makes MIB MiB of its own memory
 * resident, as a Python program's heap is, so that the library executes
 * oslbox-init rather than forking it (src/lib/init-exec.c), and runs
 * COMMAND under the default policy and the DIRECTIVE=VALUE pairs given.
 *
 *   bigcaller MIB [DIRECTIVE=VALUE...] -- COMMAND [ARG...]
 *   bigcaller --init-path       where a program linked statically with
 *                               liboslbox looks for oslbox-init
 *
 * Exit status: the command's, 128+N for a signal N, 125 when the sandbox
 * could not be built (with the library's message on stderr).
 */
#include <oslbox.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
        struct oslbox_result res = { .size = sizeof(res) };
        struct oslbox_policy *pol = NULL;
        struct oslbox_proc *proc = NULL;
        size_t mib;
        char *end, *mem;
        int i, r;

        if (argc == 2 && strcmp(argv[1], "--init-path") == 0) {
                puts(PKGLIBEXECDIR "/oslbox-init");
                return 0;
        }
        mib = argc > 1 ? strtoul(argv[1], &end, 10) : 0;
        if (argc < 4 || *end || mib > 4096) {
                fputs("usage: bigcaller MIB [DIRECTIVE=VALUE...] -- COMMAND [ARG...]\n", stderr);
                return 2;
        }
        if (mib && (mem = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) != MAP_FAILED)
                memset(mem, 0x5a, mib << 20);
        if ((r = oslbox_policy_new(&pol)) < 0 || (r = oslbox_proc_new(&proc)) < 0) {
                fprintf(stderr, "bigcaller: %s\n", strerror(-r));
                return 125;
        }
        for (i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
                char *eq = strchr(argv[i], '=');
                if (eq)
                        *eq = '\0';
                if (oslbox_policy_set(pol, argv[i], eq ? eq + 1 : NULL) < 0) {
                        fprintf(stderr, "bigcaller: %s\n", oslbox_policy_error(pol));
                        return 125;
                }
        }
        if (i + 1 >= argc) {
                fputs("bigcaller: no command after --\n", stderr);
                return 2;
        }
        if (oslbox_proc_spawn(proc, pol, (const char *const *) argv + i + 1, NULL) < 0) {
                fprintf(stderr, "bigcaller: %s\n", oslbox_proc_error(proc));
                return oslbox_proc_exec_failed(proc) ? 127 : 125;
        }
        if (oslbox_proc_wait(proc, -1, &res) < 0) {
                fprintf(stderr, "bigcaller: %s\n", oslbox_proc_error(proc));
                return 125;
        }
        if (res.oom_killed)
                fputs("bigcaller: out of memory\n", stderr);
        oslbox_proc_free(proc);
        oslbox_policy_free(pol);
        return res.signal ? 128 + res.signal : res.exit_code;
}
