/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The default seccomp filter, as libseccomp rules. This file builds it both
 * at build time (seccomp-gen, whose output is embedded in the library) and at
 * run time when allow-syscall or deny-syscall change it, so the two cannot
 * differ; a unit test compares them byte for byte.
 *
 * Default action: allow. Denied with EPERM: the syscalls below, clone and
 * unshare creating namespaces, ioctl TIOCSTI and TIOCLINUX, socket() and
 * socketpair() of AF_VSOCK and, with network "none", of every family but
 * AF_UNIX (with log-denials in the namespaces mode, but AF_UNIX, AF_INET
 * and AF_INET6: the sandbox's network namespace is empty, and the observer
 * names the addresses connect and send were refused), and personality()
 * with any value but those Docker's profile
 * allows. clone3 fails with ENOSYS so that libc falls back to clone, whose
 * flags a filter can see, and so does every number above the newest
 * syscall reviewed below, so that a kernel newer than this list opens no
 * hole. A syscall of any other ABI (x32, i386) kills the process.
 *
 * The landlock isolation mode (LANDLOCK below: no namespaces) adds what the
 * pid, ipc and mount namespaces would have given. SysV IPC and POSIX
 * message queues fail with EPERM (their ids and names are the host's),
 * setting or removing extended attributes with EOPNOTSUPP (a read-only
 * mount would have refused them; Landlock has no right for them), and
 * so do AF_UNIX datagram sockets: sendto(2) and sendmsg(2) could address
 * any host socket by its path (/dev/log, the journal), in memory seccomp
 * cannot read. The sandbox's init decides (SECCOMP_RET_USER_NOTIF, see
 * notify.c) connect(2) and bind(2), which Landlock below ABI 9 does not
 * restrict for unix sockets, and chmod(2) and its kin, which Landlock never
 * restricts. With network "host" only chmod is notified and socket(AF_UNIX)
 * fails instead: a connect the init cannot make itself (TCP) it could only
 * let through with SECCOMP_USER_NOTIF_FLAG_CONTINUE, which a second thread
 * swapping the descriptor would turn into a unix connect.
 *
 * libseccomp cannot compare one argument twice in a rule, so the
 * personality values and the bound are a short BPF prefix of our own, put
 * before libseccomp's program by seccomp_export().
 */
#include "config.h"

#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "seccomp-layer.h"

#if defined(__alpha__) || defined(__mips__)
#error "the syscall review below assumes the unified numbering of Linux >= 5.1 (not alpha's or mips')"
#endif

/*
 * Syscalls newer than libseccomp 2.5.4 (Debian 12's knows up to 456,
 * futex_requeue) or missing from it, up to Linux 6.18, whose newest is 469
 * (file_setattr); each one decided. From 424 on every architecture but
 * alpha and mips numbers them alike (scripts/syscall.tbl); 335 and 336 are
 * x86_64's own.
 *   335 uretprobe          6.11  allow: acts only from the kernel's uretprobe trampoline
 *                                (SIGILL otherwise)
 *   336 uprobe             6.16  allow: likewise (ENXIO otherwise)
 *   451 cachestat          6.5   allow: page cache state of an open file
 *   452 fchmodat2          6.6   allow: fchmodat with flags
 *   453 map_shadow_stack   6.6   allow: the process's own shadow stack
 *   454 futex_wake         6.7   allow: futex2, as futex
 *   455 futex_wait         6.7   allow
 *   456 futex_requeue      6.7   allow
 *   457 statmount          6.8   deny: reads the mount tree, with the mount calls
 *   458 listmount          6.8   deny: likewise
 *   459 lsm_get_self_attr  6.8   allow: what reading /proc/self/attr gives
 *   460 lsm_set_self_attr  6.8   deny: changes the process's LSM attributes
 *   461 lsm_list_modules   6.8   allow: the LSM names, as /sys/kernel/security/lsm
 *   462 mseal              6.10  allow: seals the process's own mappings
 *   463 setxattrat         6.13  allow: as setxattr, which is allowed
 *   464 getxattrat         6.13  allow: as getxattr
 *   465 listxattrat        6.13  allow: as listxattr
 *   466 removexattrat      6.13  allow: as removexattr
 *   467 open_tree_attr     6.15  deny: open_tree with mount attributes, a mount call
 *   468 file_getattr       6.17  allow: as ioctl FS_IOC_FSGETXATTR
 *   469 file_setattr       6.17  allow: as ioctl FS_IOC_FSSETXATTR
 * Every number above SECCOMP_NR_REVIEWED fails with ENOSYS until it is
 * reviewed here (and the bound raised).
 */
#define SECCOMP_NR_REVIEWED 469

/* The names libseccomp may not know, so that allow-syscall and
 * deny-syscall can name them. */
static const struct { const char *name; int nr; } extra_names[] = {
#ifdef __x86_64__
        { "uretprobe", 335 }, { "uprobe", 336 },
#endif
        { "cachestat", 451 }, { "fchmodat2", 452 }, { "map_shadow_stack", 453 },
        { "futex_wake", 454 }, { "futex_wait", 455 }, { "futex_requeue", 456 },
        { "statmount", 457 }, { "listmount", 458 }, { "lsm_get_self_attr", 459 },
        { "lsm_set_self_attr", 460 }, { "lsm_list_modules", 461 }, { "mseal", 462 },
        { "setxattrat", 463 }, { "getxattrat", 464 }, { "listxattrat", 465 },
        { "removexattrat", 466 }, { "open_tree_attr", 467 }, { "file_getattr", 468 },
        { "file_setattr", 469 },
};

int seccomp_syscall_number(const char *name)
{
        int nr = seccomp_syscall_resolve_name(name);

        if (nr != __NR_SCMP_ERROR)
                return nr;
        for (size_t i = 0; i < sizeof(extra_names) / sizeof(extra_names[0]); i++)
                if (strcmp(extra_names[i].name, name) == 0)
                        return extra_names[i].nr;
        return __NR_SCMP_ERROR;
}

char *seccomp_syscall_name(int nr)
{
        char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

        if (name)
                return name;
        for (size_t i = 0; i < ELEMENTSOF(extra_names); i++)
                if (extra_names[i].nr == nr)
                        return strdup(extra_names[i].name);
        return NULL;
}

bool seccomp_syscall_reviewed(int nr)
{
        return nr <= SECCOMP_NR_REVIEWED;
}

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

/* Denied unless allow-syscall names them. */
static const char *const deny_list[] = {
        /* the filesystem view */
        "mount", "umount2", "pivot_root", "move_mount", "open_tree", "open_tree_attr", "fsopen",
        "fsmount", "fsconfig", "fspick", "mount_setattr", "statmount", "listmount",
        "open_by_handle_at", "name_to_handle_at",
        /* other processes */
        "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd",
        /* the kernel itself */
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
        "bpf", "perf_event_open", "userfaultfd", "reboot", "swapon", "swapoff", "acct",
        "syslog", "iopl", "ioperm", "quotactl", "lookup_dcookie", "uselib",
        /* keys, namespaces, clocks, LSM attributes */
        "keyctl", "add_key", "request_key", "setns", "lsm_set_self_attr",
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

static bool in_list(const char *const *list, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(list[i], name) == 0)
                        return true;
        return false;
}

static bool in_deny_list(const char *name)
{
        for (size_t i = 0; i < sizeof(deny_list) / sizeof(deny_list[0]); i++)
                if (strcmp(deny_list[i], name) == 0)
                        return true;
        return strcmp(name, "clone3") == 0;
}

/* Denied in the landlock mode unless allow-syscall names them: the host's
 * SysV IPC objects and POSIX message queues. */
static const char *const landlock_deny_list[] = {
        "shmget", "shmat", "shmctl", "shmdt", "semget", "semop", "semtimedop", "semctl",
        "msgget", "msgsnd", "msgrcv", "msgctl",
        "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
};

/* Fail with EOPNOTSUPP in the landlock mode unless allow-syscall names
 * them: no Landlock right covers extended attributes, so a read-only file
 * the caller owns would take an ACL (system.posix_acl_access), which is a
 * chmod that init never sees. EOPNOTSUPP is what a file system without
 * xattrs answers: cp -a and tar carry on. */
static const char *const landlock_noxattr_list[] = {
        "setxattr", "lsetxattr", "fsetxattr", "setxattrat",
        "removexattr", "lremovexattr", "fremovexattr", "removexattrat",
};

bool seccomp_landlock_denied(const char *name)
{
        return in_list(landlock_deny_list, ELEMENTSOF(landlock_deny_list), name);
}

/* Answered by the sandbox's init in the landlock mode (notify.c); never
 * adjusted: they hold the view, they are no deny list. */
static const char *const notify_list[] = { "chmod", "fchmod", "fchmodat", "fchmodat2" };
static const char *const notify_net_list[] = { "connect", "bind" };

#ifndef SOCK_TYPE_MASK
#define SOCK_TYPE_MASK 0xf
#endif

#define EPERM_ACTION SCMP_ACT_ERRNO(EPERM)

static int add_landlock_rules(scmp_filter_ctx ctx, const struct osb_items *adjust, bool net_filter,
                              const char **what)
{
        int r, nr;

        for (size_t i = 0; i < ELEMENTSOF(landlock_deny_list); i++) {
                *what = landlock_deny_list[i];
                if (allowed(adjust, *what) || (nr = seccomp_syscall_number(*what)) < 0)
                        continue;
                if ((r = seccomp_rule_add(ctx, EPERM_ACTION, nr, 0)) < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(landlock_noxattr_list); i++) {
                *what = landlock_noxattr_list[i];
                if (allowed(adjust, *what) || (nr = seccomp_syscall_number(*what)) < 0)
                        continue;
                if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EOPNOTSUPP), nr, 0)) < 0)
                        return r;
        }
        for (int i = 0; i < 2; i++) {
                *what = i == 0 ? "socket" : "socketpair";
                if ((r = seccomp_rule_add(ctx, EPERM_ACTION, i == 0 ? SCMP_SYS(socket) : SCMP_SYS(socketpair), 2,
                                          SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffULL, AF_UNIX),
                                          SCMP_A1(SCMP_CMP_MASKED_EQ, SOCK_TYPE_MASK, SOCK_DGRAM))) < 0)
                        return r;
        }
        /* deny-syscall of one of them: EPERM (below), stricter still. */
        for (size_t i = 0; i < ELEMENTSOF(notify_list); i++) {
                *what = notify_list[i];
                if (adjusted(adjust, *what) == OSB_SYSCALL_DENY)
                        continue;
                if ((nr = seccomp_syscall_number(*what)) >= 0 &&
                    (r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0)) < 0)
                        return r;
        }
        for (size_t i = 0; net_filter && i < ELEMENTSOF(notify_net_list); i++) {
                *what = notify_net_list[i];
                if (adjusted(adjust, *what) == OSB_SYSCALL_DENY)
                        continue;
                if ((r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, seccomp_syscall_number(*what), 0)) < 0)
                        return r;
        }
        *what = "socket";
        if (!net_filter && (r = seccomp_rule_add(ctx, EPERM_ACTION, SCMP_SYS(socket), 1,
                                                 SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffULL, AF_UNIX))) < 0)
                return r;
        return 0;
}

int seccomp_rules_build(const struct osb_items *adjust, enum seccomp_net net_filter, bool landlock,
                        scmp_filter_ctx *ret_ctx, struct osb_diag *diag)
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
                nr = seccomp_syscall_number(what);
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
        /* socketpair() reaches the same families' code as socket(). */
        for (int i = 0; i < 2; i++) {
                int sc = i == 0 ? SCMP_SYS(socket) : SCMP_SYS(socketpair);
                what = i == 0 ? "socket" : "socketpair";
                if ((r = seccomp_rule_add(ctx, EPERM_ACTION, sc, 1,
                                          SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffULL, AF_VSOCK))) < 0)
                        goto fail;
                /* Anything but exactly AF_UNIX, high bits included, fails. */
                if (net_filter == SECCOMP_NET_UNIX &&
                    ((r = seccomp_rule_add(ctx, EPERM_ACTION, sc, 1, SCMP_A0(SCMP_CMP_LT, AF_UNIX, 0))) < 0 ||
                     (r = seccomp_rule_add(ctx, EPERM_ACTION, sc, 1, SCMP_A0(SCMP_CMP_GT, AF_UNIX, 0))) < 0))
                        goto fail;
                /* ... or AF_INET or AF_INET6 (AF_UNIX < AF_INET < ... < AF_INET6). */
                if (net_filter == SECCOMP_NET_UNIX_INET) {
                        if ((r = seccomp_rule_add(ctx, EPERM_ACTION, sc, 1, SCMP_A0(SCMP_CMP_LT, AF_UNIX, 0))) < 0 ||
                            (r = seccomp_rule_add(ctx, EPERM_ACTION, sc, 1, SCMP_A0(SCMP_CMP_GT, AF_INET6, 0))) < 0)
                                goto fail;
                        for (int fam = AF_INET + 1; fam < AF_INET6; fam++)
                                if ((r = seccomp_rule_add(ctx, EPERM_ACTION, sc, 1,
                                                          SCMP_A0(SCMP_CMP_EQ, (uint64_t) fam, 0))) < 0)
                                        goto fail;
                }
        }

        if (landlock && (r = add_landlock_rules(ctx, adjust, net_filter, &what)) < 0)
                goto fail;

        /* deny-syscall: everything not already denied by default. */
        for (size_t i = 0; adjust && i < adjust->n; i++) {
                what = adjust->v[i].value;
                if (adjusted(adjust, what) != OSB_SYSCALL_DENY || in_deny_list(what) ||
                    (landlock && (in_list(landlock_deny_list, ELEMENTSOF(landlock_deny_list), what) ||
                                  in_list(landlock_noxattr_list, ELEMENTSOF(landlock_noxattr_list), what))))
                        continue;
                /* The last adjustment decides; add each name once. */
                bool seen = false;
                for (size_t j = 0; j < i; j++)
                        seen |= strcmp(adjust->v[j].value, what) == 0;
                if (seen)
                        continue;
                nr = seccomp_syscall_number(what);
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

/* The prefix: a tiny assembler with forward labels. */
enum { L_REST, L_X32, L_ENOSYS, L_KILL, L_COUNT, NEXT = -1 };

struct prefix {
        struct sock_filter insn[32];
        int jt[32], jf[32];
        size_t n, at[L_COUNT];
};

static void emit(struct prefix *p, uint16_t code, uint32_t k, int jt, int jf)
{
        p->insn[p->n] = (struct sock_filter) { .code = code, .k = k };
        p->jt[p->n] = jt;
        p->jf[p->n] = jf;
        p->n++;
}

#define ARG0_LOW (offsetof(struct seccomp_data, args[0]) + (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? 4 : 0))

/* Docker's list: PER_LINUX, PER_LINUX32, UNAME26 (and with PER_LINUX32),
 * and 0xffffffff, which only reads the persona. READ_IMPLIES_EXEC and
 * ADDR_NO_RANDOMIZE are not among them. The kernel takes an unsigned int:
 * the low 32 bits are compared. */
static const uint32_t personality_ok[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };

static void prefix_build(struct prefix *p, bool personality)
{
        const uint16_t jmp = BPF_JMP | BPF_K;

        p->n = 0;
        emit(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), NEXT, NEXT);
        emit(p, jmp | BPF_JEQ, seccomp_arch_native(), NEXT, L_KILL);
        emit(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), NEXT, NEXT);
#ifdef __x86_64__
        emit(p, jmp | BPF_JGE, 0x40000000 /* __X32_SYSCALL_BIT */, L_X32, NEXT);
#endif
        emit(p, jmp | BPF_JGT, SECCOMP_NR_REVIEWED, L_ENOSYS, NEXT);
        if (personality) {
                emit(p, jmp | BPF_JEQ, SYS_personality, NEXT, L_REST);
                emit(p, BPF_LD | BPF_W | BPF_ABS, ARG0_LOW, NEXT, NEXT);
                for (size_t i = 0; i < sizeof(personality_ok) / sizeof(personality_ok[0]); i++)
                        emit(p, jmp | BPF_JEQ, personality_ok[i], L_REST, NEXT);
                emit(p, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM, NEXT, NEXT);
        } else
                emit(p, BPF_JMP | BPF_JA, 0, NEXT, NEXT);       /* k: to L_REST, below */
#ifdef __x86_64__
        /* As libseccomp: -1 (a tracer's "skip") is no x32 call. */
        p->at[L_X32] = p->n;
        emit(p, jmp | BPF_JEQ, 0xffffffff, L_REST, L_KILL);
#endif
        p->at[L_ENOSYS] = p->n;
        emit(p, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS, NEXT, NEXT);
        p->at[L_KILL] = p->n;
        emit(p, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, NEXT, NEXT);
        p->at[L_REST] = p->n;
        for (size_t i = 0; i < p->n; i++) {
                if (p->insn[i].code == (BPF_JMP | BPF_JA))
                        p->insn[i].k = (uint32_t) (p->at[L_REST] - i - 1);
                if (p->jt[i] != NEXT)
                        p->insn[i].jt = (uint8_t) (p->at[p->jt[i]] - i - 1);
                if (p->jf[i] != NEXT)
                        p->insn[i].jf = (uint8_t) (p->at[p->jf[i]] - i - 1);
        }
}

int seccomp_export(scmp_filter_ctx ctx, const struct osb_items *adjust, struct sock_filter **ret,
                   size_t *ret_len)
{
        _cleanup_close_ int fd = memfd_create("oslbox-seccomp", MFD_CLOEXEC);
        _cleanup_free_ char *buf = NULL;
        struct prefix pre;
        size_t len, n;
        int r;

        if (fd < 0)
                return -errno;
        prefix_build(&pre, !allowed(adjust, "personality"));
        if (write(fd, pre.insn, pre.n * sizeof(pre.insn[0])) != (ssize_t) (pre.n * sizeof(pre.insn[0])))
                return -EIO;
        if ((r = seccomp_export_bpf(ctx, fd)) < 0)
                return r;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        if ((r = read_full_fd(fd, 1 << 20, &buf, &len)) < 0)
                return r;
        n = len / sizeof(struct sock_filter);
        if (len % sizeof(struct sock_filter) != 0 || n <= pre.n || n > BPF_MAXINSNS)
                return -EINVAL;
        *ret = (struct sock_filter *) TAKE_PTR(buf);
        *ret_len = n;
        return 0;
}
