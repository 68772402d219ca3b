/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test seam: runs a command where namespaces are blocked the way Docker's
 * default seccomp profile blocks them, so that the suite can exercise the
 * landlock isolation mode on a host that has user namespaces.
 *
 *   nons COMMAND [ARG...]
 *
 * Loads a seccomp filter (with no_new_privs) under which clone() with any
 * CLONE_NEW* flag, unshare() and setns() fail with EPERM and clone3() with
 * ENOSYS, as in moby's profiles/seccomp/default.json for a container
 * without CAP_SYS_ADMIN, then execs COMMAND. Everything else is allowed.
 * Linked statically, like probe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AUDIT_ARCH_X86_64
#include <linux/audit.h>
#endif

/* Docker's mask: CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC
 * | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET (2114060288). */
#define NS_FLAGS 0x7E020000U

#define ERRNO(e) (SECCOMP_RET_ERRNO | (e))

int main(int argc, char **argv)
{
        struct sock_filter f[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, ERRNO(ENOSYS)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_unshare, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, ERRNO(EPERM)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_setns, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, ERRNO(EPERM)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 3),
                /* clone's flags are its first argument on x86_64 and arm64. */
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
                BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, NS_FLAGS, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, ERRNO(EPERM)),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

        if (argc < 2) {
                fprintf(stderr, "usage: nons COMMAND [ARG...]\n");
                return 2;
        }
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
            syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
                fprintf(stderr, "nons: cannot load the filter: %s\n", strerror(errno));
                return 2;
        }
        execvp(argv[1], argv + 1);
        fprintf(stderr, "nons: %s: %s\n", argv[1], strerror(errno));
        return 127;
}
