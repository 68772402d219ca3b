/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The default seccomp filter, as libseccomp rules. This file builds it both
 * at build time (seccomp-gen, whose output is embedded in the library) and at
 * run time when allow-syscall or deny-syscall change it, so the two cannot
 * differ; a unit test compares them byte for byte.
 *
 * Default action: allow. Denied with EPERM: the syscalls below, clone and
 * unshare creating namespaces, ioctl TIOCSTI and TIOCLINUX, socket(AF_VSOCK)
 * and, with network "none" and no network namespace, every socket family but
 * AF_UNIX. clone3 fails with ENOSYS so that libc falls back to clone, whose
 * flags a filter can see. A syscall of any other ABI (x32, i386) kills the
 * process.
 */
#include "config.h"

#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "seccomp-layer.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

/* Denied unless allow-syscall names them. */
static const char *const deny_list[] = {
        /* the filesystem view */
        "mount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen", "fsmount",
        "fsconfig", "fspick", "mount_setattr", "open_by_handle_at", "name_to_handle_at",
        /* other processes */
        "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd",
        /* the kernel itself */
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
        "bpf", "perf_event_open", "userfaultfd", "reboot", "swapon", "swapoff", "acct",
        "syslog", "iopl", "ioperm", "quotactl", "lookup_dcookie", "uselib",
        /* keys, namespaces, clocks */
        "keyctl", "add_key", "request_key", "setns",
        "settimeofday", "clock_settime", "adjtimex", "clock_adjtime",
        /* io_uring does not pass its operations through this filter */
        "io_uring_setup", "io_uring_enter", "io_uring_register",
};

static const unsigned long ns_flags[] = {
        CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID,
        CLONE_NEWNET,
};

/* The final word of the adjustments on NAME: allowed, denied, or untouched. */
static int adjusted(const struct osb_items *adjust, const char *name)
{
        int kind = -1;
        for (size_t i = 0; adjust && i < adjust->n; i++)
                if (strcmp(adjust->v[i].value, name) == 0)
                        kind = adjust->v[i].kind;
        return kind;
}

static bool allowed(const struct osb_items *adjust, const char *name)
{
        return adjusted(adjust, name) == OSB_SYSCALL_ALLOW;
}

static bool in_deny_list(const char *name)
{
        for (size_t i = 0; i < sizeof(deny_list) / sizeof(deny_list[0]); i++)
                if (strcmp(deny_list[i], name) == 0)
                        return true;
        return strcmp(name, "clone3") == 0;
}

#define EPERM_ACTION SCMP_ACT_ERRNO(EPERM)

int seccomp_rules_build(const struct osb_items *adjust, bool net_filter, scmp_filter_ctx *ret_ctx,
                        struct osb_diag *diag)
{
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        const char *what = "attributes";
        int r, nr;

        if (!ctx)
                return diag_errno(diag, -ENOMEM, "cannot build the seccomp filter");
        if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0 ||
            (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0 ||
            (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0)
                goto fail;

        for (size_t i = 0; i < sizeof(deny_list) / sizeof(deny_list[0]); i++) {
                what = deny_list[i];
                if (allowed(adjust, what))
                        continue;
                nr = seccomp_syscall_resolve_name(what);
                if (nr < 0)
                        continue;       /* not a syscall of this architecture */
                if ((r = seccomp_rule_add(ctx, EPERM_ACTION, nr, 0)) < 0)
                        goto fail;
        }

        what = "clone";
        if (!allowed(adjust, "clone"))
                for (size_t i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++)
                        if ((r = seccomp_rule_add(ctx, EPERM_ACTION, SCMP_SYS(clone), 1,
                                                  SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]))) < 0)
                                goto fail;
        what = "unshare";
        if (!allowed(adjust, "unshare")) {
                for (size_t i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++)
                        if ((r = seccomp_rule_add(ctx, EPERM_ACTION, SCMP_SYS(unshare), 1,
                                                  SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]))) < 0)
                                goto fail;
                if ((r = seccomp_rule_add(ctx, EPERM_ACTION, SCMP_SYS(unshare), 1,
                                          SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWTIME, CLONE_NEWTIME))) < 0)
                        goto fail;
        }
        what = "clone3";
        if (!allowed(adjust, "clone3") &&
            (r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) < 0)
                goto fail;

        /* Always, whatever allow-syscall says: the kernel reads the ioctl
         * request and the socket family as 32-bit ints, so only the low 32
         * bits are compared; a value with high bits set cannot slip past. */
        what = "ioctl";
        if ((r = seccomp_rule_add(ctx, EPERM_ACTION, SCMP_SYS(ioctl), 1,
                                  SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffULL, TIOCSTI))) < 0 ||
            (r = seccomp_rule_add(ctx, EPERM_ACTION, SCMP_SYS(ioctl), 1,
                                  SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffULL, TIOCLINUX))) < 0)
                goto fail;
        what = "socket";
        if ((r = seccomp_rule_add(ctx, EPERM_ACTION, SCMP_SYS(socket), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffULL, AF_VSOCK))) < 0)
                goto fail;
        if (net_filter) {
                /* Anything but exactly AF_UNIX, high bits included, fails. */
                if ((r = seccomp_rule_add(ctx, EPERM_ACTION, SCMP_SYS(socket), 1,
                                          SCMP_A0(SCMP_CMP_LT, AF_UNIX, 0))) < 0 ||
                    (r = seccomp_rule_add(ctx, EPERM_ACTION, SCMP_SYS(socket), 1,
                                          SCMP_A0(SCMP_CMP_GT, AF_UNIX, 0))) < 0)
                        goto fail;
        }

        /* deny-syscall: everything not already denied by default. */
        for (size_t i = 0; adjust && i < adjust->n; i++) {
                what = adjust->v[i].value;
                if (adjusted(adjust, what) != OSB_SYSCALL_DENY || in_deny_list(what))
                        continue;
                /* The last adjustment decides; add each name once. */
                bool seen = false;
                for (size_t j = 0; j < i; j++)
                        seen |= strcmp(adjust->v[j].value, what) == 0;
                if (seen)
                        continue;
                nr = seccomp_syscall_resolve_name(what);
                if (nr == __NR_SCMP_ERROR) {
                        r = -EINVAL;
                        goto fail;
                }
                if ((r = seccomp_rule_add(ctx, EPERM_ACTION, nr, 0)) < 0)
                        goto fail;
        }

        *ret_ctx = ctx;
        return 0;
fail:
        seccomp_release(ctx);
        return diag_errno(diag, r, "cannot build the seccomp filter (%s)", what);
}

int seccomp_export(scmp_filter_ctx ctx, struct sock_filter **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = memfd_create("oslbox-seccomp", MFD_CLOEXEC);
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r;

        if (fd < 0)
                return -errno;
        if ((r = seccomp_export_bpf(ctx, fd)) < 0)
                return r;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        if ((r = read_full_fd(fd, 1 << 20, &buf, &len)) < 0)
                return r;
        if (len == 0 || len % sizeof(struct sock_filter) != 0 ||
            len / sizeof(struct sock_filter) > BPF_MAXINSNS)
                return -EINVAL;
        *ret = (struct sock_filter *) TAKE_PTR(buf);
        *ret_len = len / sizeof(struct sock_filter);
        return 0;
}
